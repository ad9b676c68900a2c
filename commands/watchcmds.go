package commands

import (
	"context"
	"errors"
	"strings"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/watch"
)

// watchCommands answer the audit watch's alerts: Acknowledge opens a form
// for what the admin found, and the alert redraws for everyone with it.
type watchCommands struct{ d Deps }

func (wc *watchCommands) definitions() []Definition {
	if wc.d.Watch == nil {
		return nil
	}
	return []Definition{{
		Name:        "alerts acknowledge",
		Usage:       "alerts acknowledge",
		Description: "Answers the Acknowledge button of the audit watch's alerts (admins): say what you found, and the alert shows it for everyone.",
		Examples:    []string{"alerts acknowledge"},
		Access:      Admins,
		Handler:     wc.handle,
		Actions:     []ActionRoute{{ID: prompts.ActionWatchAck}},
		Forms:       []string{prompts.FormWatchAck},
	}}
}

func (wc *watchCommands) handle(ctx context.Context, c *Call) (bot.Message, error) {
	switch {
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
