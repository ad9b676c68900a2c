package commands

import (
	"context"
	"errors"
	"strings"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/watch"
)

// watchCommands answer the audit watch's alerts: Acknowledge opens a form
// for what the admin found, and the alert redraws for everyone with it;
// Revert and Open a retroactive request act on the change itself, through
// the same reports the sync raises (an admin granted outside seatwarden,
// an app installed without a request).
type watchCommands struct{ d Deps }

func (wc *watchCommands) definitions() []Definition {
	if wc.d.Watch == nil {
		return nil
	}
	return []Definition{{
		Name:        "alerts acknowledge",
		Usage:       "alerts acknowledge",
		Description: "Answers the audit watch's alert buttons (admins): Acknowledge says what you found, Revert puts an admin granted outside seatwarden back on their earlier role, Open a retroactive request asks the approvers after the fact.",
		Examples:    []string{"alerts acknowledge"},
		Access:      Admins,
		Handler:     wc.handle,
		Actions:     []ActionRoute{{ID: prompts.ActionWatchAck}, {ID: prompts.ActionWatchRevert}, {ID: prompts.ActionWatchRetro}},
		Forms:       []string{prompts.FormWatchAck, prompts.FormWatchRetro},
	}}
}

func (wc *watchCommands) handle(ctx context.Context, c *Call) (bot.Message, error) {
	switch {
	case c.Request.Action != nil && c.Request.Action.ID == prompts.ActionWatchRevert:
		return wc.revert(ctx, c)
	case c.Request.Action != nil && c.Request.Action.ID == prompts.ActionWatchRetro:
		return wc.retroactive(ctx, c)
	case c.Request.Form != nil && c.Request.Form.FormID == prompts.FormWatchRetro:
		return wc.retroactiveSubmitted(ctx, c)
	case c.Request.Action != nil:
		a, err := wc.alert(ctx, c.Request.Action.Value)
		if err != nil {
			return bot.Message{}, err
		}
		if !a.Acknowledged.IsZero() {
			return wc.redraw(a), nil
		}
		form := prompts.AckForm(a)
		return bot.Message{Form: &form, Visibility: bot.Ephemeral}, nil
	case c.Request.Form != nil:
		f := c.Request.Form
		a, err := wc.alert(ctx, f.RecordID)
		if err != nil || f.Cancelled {
			return wc.redraw(a), err
		}
		note := strings.TrimSpace(f.Values[prompts.InputAckNote])
		if note == "" || len(note) > prompts.MaxAckNote {
			form := prompts.AckForm(a)
			form.Inputs[0].Error = "Say in a line or two what you found, such as: expected, Lee covers the weekend on-call"
			form.Inputs[0].Initial = note
			return bot.Message{Form: &form, Visibility: bot.Ephemeral}, nil
		}
		a, err = wc.d.Watch.Acknowledge(ctx, a.ID, c.Role.Email, note)
		if acked, ok := errors.AsType[*watch.AcknowledgedError](err); ok {
			return wc.redraw(acked.Alert), nil
		}
		if err != nil {
			return bot.Message{}, err
		}
		return wc.redraw(a), nil
	}
	return bot.Message{}, Invalidf("Acknowledge an alert with its button, in the alert channel")
}

func (wc *watchCommands) alert(ctx context.Context, id string) (watch.Alert, error) {
	a, err := wc.d.Watch.Get(ctx, id)
	if errors.Is(err, watch.ErrNoAlert) {
		return a, NotFoundf("That alert is no longer kept; the audit trail still has what happened")
	}
	return a, err
}

func (wc *watchCommands) redraw(a watch.Alert) bot.Message {
	m := prompts.TrustAlert(a, wc.d.Policy.Location)
	m.Delivery = bot.ReplaceOriginal
	return m
}

// shadow is the report of the alert's admin grant that the sync raised:
// what Revert and a retroactive request act on.
func (wc *watchCommands) shadow(ctx context.Context, a watch.Alert) (access.Shadow, error) {
	if wc.d.Access == nil || a.Rule != watch.RuleAdminGranted || a.Event.SourceID == 0 || a.SaaS != connector.Zendesk {
		return access.Shadow{}, Unavailablef("Just-in-time access does not cover this change; change it in %s itself", connector.Title(a.SaaS))
	}
	sh, err := wc.d.Access.LatestShadow(ctx, a.Event.SourceID)
	if errors.Is(err, access.ErrNotFound) {
		return sh, Conflictf("The sync has not seen %s's new role yet (it runs every 15 minutes); press the button again after it", orSomeone(a.Event.SourceLabel))
	}
	return sh, err
}

// revert puts the earlier role back, as the standing-privilege report's
// button does, and the alert says who did.
func (wc *watchCommands) revert(ctx context.Context, c *Call) (bot.Message, error) {
	a, err := wc.alert(ctx, c.Request.Action.Value)
	if err != nil {
		return bot.Message{}, err
	}
	if a.Outcome != "" {
		return wc.redraw(a), nil
	}
	sh, err := wc.shadow(ctx, a)
	if err != nil {
		return bot.Message{}, err
	}
	ac := &accessCommands{d: wc.d}
	if _, err := ac.revertShadow(ctx, c, &bot.Action{ID: prompts.ActionShadowRevert, Value: sh.ID}); err != nil {
		return bot.Message{}, err
	}
	return wc.settle(ctx, c, a, "put "+orSomeone(sh.Email)+"'s earlier role back")
}

// retroactive opens the form of the request that should have come first:
// an access request in the new admin's name, or an app request for the
// installation.
func (wc *watchCommands) retroactive(ctx context.Context, c *Call) (bot.Message, error) {
	a, err := wc.alert(ctx, c.Request.Action.Value)
	if err != nil {
		return bot.Message{}, err
	}
	if a.Outcome != "" {
		return wc.redraw(a), nil
	}
	if wc.d.Approvals == nil {
		return bot.Message{}, Unavailablef("Approvals are not set up here, so no request can be opened")
	}
	if a.Rule == watch.RuleAppInstalled {
		return wc.appRequest(ctx, c, a)
	}
	sh, err := wc.shadow(ctx, a)
	if err != nil {
		return bot.Message{}, err
	}
	if _, err := (&accessCommands{d: wc.d}).shadowOf(ctx, sh.ID); err != nil {
		return bot.Message{}, err
	}
	form := wc.retroForm(c, sh, a)
	return bot.Message{Form: &form, Visibility: bot.Ephemeral}, nil
}

// retroForm is the shadow report's retroactive request form, answered by
// the alert: its submission redraws the alert, not the report.
func (wc *watchCommands) retroForm(c *Call, sh access.Shadow, a watch.Alert) bot.Form {
	form := (&accessCommands{d: wc.d}).view(c).ShadowRequestForm(sh, wc.d.Access.Policy.WithDefaults().DefaultDuration)
	form.ID, form.RecordID = prompts.FormWatchRetro, a.ID
	return form
}

// retroactiveSubmitted opens the access request from the alert's form and
// redraws the alert with it.
func (wc *watchCommands) retroactiveSubmitted(ctx context.Context, c *Call) (bot.Message, error) {
	f := c.Request.Form
	a, err := wc.alert(ctx, f.RecordID)
	if err != nil || f.Cancelled {
		return wc.redraw(a), err
	}
	sh, err := wc.shadow(ctx, a)
	if err != nil {
		return bot.Message{}, err
	}
	ac := &accessCommands{d: wc.d}
	if sh, err = ac.shadowOf(ctx, sh.ID); err != nil {
		return bot.Message{}, err
	}
	sh, r, fe, err := ac.requestForShadow(ctx, c, sh, f.Values)
	if fe != nil {
		form := prompts.Requests{}.WithErrors(wc.retroForm(c, sh, a), f.Values, fe)
		return bot.Message{Form: &form, Visibility: bot.Ephemeral}, nil
	}
	if err != nil && r.ID == "" {
		return bot.Message{}, err
	}
	return wc.settle(ctx, c, a, "opened retroactive request "+r.ID)
}

// appRequest opens the app request form for the installation the alert
// names, linked to the unapproved installation the sync recorded: by its
// id, else by its name.
func (wc *watchCommands) appRequest(ctx context.Context, c *Call, a watch.Alert) (bot.Message, error) {
	sh, err := wc.d.Approvals.ShadowInstall(ctx, approvals.ShadowKey{SaaS: a.SaaS, ID: a.Event.SourceID})
	if errors.Is(err, approvals.ErrNoShadow) {
		err = Conflictf("The sync has not recorded %s as installed without a request yet (it runs every 15 minutes); press the button again after it", orSomeone(a.Event.SourceLabel))
		unapproved, uerr := wc.d.Approvals.Unapproved(ctx)
		if uerr != nil {
			return bot.Message{}, uerr
		}
		for _, cand := range unapproved {
			if cand.SaaS == connector.OrZendesk(a.SaaS) && strings.EqualFold(strings.TrimSpace(cand.Name), strings.TrimSpace(a.Event.SourceLabel)) {
				sh, err = cand, nil
				break
			}
		}
	}
	if err != nil {
		return bot.Message{}, err
	}
	if sh.Request != "" {
		return bot.Message{}, Conflictf("%s already has request %s; see it in the approvals channel", sh.Name, sh.Request)
	}
	initial := approvals.Answers{approvals.FieldApp: sh.Name, approvals.FieldSaaS: sh.Key().SaaS}
	return (&requestCommands{d: wc.d}).form(c, approvals.App, initial, prompts.ShadowRecord(sh.Key()))
}

// settle records what was done on the alert and redraws it for everyone.
func (wc *watchCommands) settle(ctx context.Context, c *Call, a watch.Alert, outcome string) (bot.Message, error) {
	a, err := wc.d.Watch.Settle(ctx, a.ID, c.Role.Email, outcome)
	if settled, ok := errors.AsType[*watch.AcknowledgedError](err); ok {
		return wc.redraw(settled.Alert), nil
	}
	if err != nil {
		return bot.Message{}, err
	}
	return wc.redraw(a), nil
}

func orSomeone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "someone"
	}
	return s
}
