package commands

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/prose"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/stepup"
)

// requestCommands are the approval requests' commands, the thread's
// buttons and the forms. Who may act is the request's business (approvers
// from the policy, never the requester; the requester answers and
// cancels), so the controls are open to everyone and the service checks.
type requestCommands struct {
	d Deps
}

func newRequestCommands(d Deps) *requestCommands { return &requestCommands{d: d.withDefaults()} }

func (rc *requestCommands) definitions() []Definition {
	var forms []string
	for _, name := range slices.Sorted(maps.Keys(approvals.Kinds)) {
		forms = append(forms, prompts.FormRequestPrefix+name)
	}
	return []Definition{
		{
			Name:        "request app",
			Usage:       "request app [NAME]",
			Description: "Asks for an app to be installed in Zendesk or GitHub: opens a form (where, why, what data it touches, scopes, owner, review date); approvers decide in the approvals channel.",
			Examples:    []string{"request app Salesforce Sync"},
			Access:      Everyone,
			Handler:     rc.requestApp,
		},
		{
			Name:        "request change",
			Usage:       "request change",
			Description: "Asks for a change to the Zendesk account: opens a form (what, why, risk, rollback plan, review date); approvers decide in the approvals channel.",
			Examples:    []string{"request change"},
			Access:      Everyone,
			Handler:     rc.requestChange,
		},
		{
			Name:        "request list",
			Aliases:     []string{"requests"},
			Usage:       "request list",
			Description: "Your requests, and the pending ones waiting for your approval.",
			Examples:    []string{"request list"},
			Access:      Everyone,
			Handler:     rc.handle,
			Actions: []ActionRoute{
				{ID: prompts.ActionRequestApprove}, {ID: prompts.ActionRequestDeny}, {ID: prompts.ActionRequestAsk}, {ID: prompts.ActionStepUpLink},
				{ID: prompts.ActionRequestAnswer}, {ID: prompts.ActionRequestDone}, {ID: prompts.ActionRequestCancel},
				{ID: prompts.ActionRequestKeep}, {ID: prompts.ActionRequestRollBack}, {ID: prompts.ActionRequestExtend},
				{ID: prompts.ActionShadowRequest}, {ID: prompts.ActionShadowFlag},
			},
			Forms: append(forms, prompts.FormRequestDeny, prompts.FormRequestAsk, prompts.FormRequestAnswer,
				prompts.FormRequestExtend),
			ControlAccess: Everyone,
		},
		{
			Name:        "request show",
			Usage:       "request show ID",
			Description: "One request: its answers, risk, approvals, questions and what happened to it. For its requester, owner and approvers.",
			Examples:    []string{"request show REQ-7KQ2MX"},
			Access:      Everyone,
			Handler:     rc.show,
		},
		{
			Name:        "request cancel",
			Usage:       "request cancel ID",
			Description: "Withdraws a pending request of yours.",
			Examples:    []string{"request cancel REQ-7KQ2MX"},
			Access:      Everyone,
			Handler:     rc.cancel,
		},
	}
}

func (rc *requestCommands) requestApp(_ context.Context, c *Call) (bot.Message, error) {
	name := strings.Join(c.Args, " ")
	if n := len([]rune(name)); n > 100 {
		return bot.Message{}, Invalidf("an app name is at most 100 characters; this one is %d", n)
	}
	return rc.form(c, approvals.App, approvals.Answers{approvals.FieldApp: name}, "")
}

func (rc *requestCommands) requestChange(_ context.Context, c *Call) (bot.Message, error) {
	if len(c.Args) > 0 {
		return bot.Message{}, Invalidf("request change takes no arguments: the form asks what changes")
	}
	return rc.form(c, approvals.Change, nil, "")
}

// form opens a kind's form, or says why there is no point.
func (rc *requestCommands) form(c *Call, k *approvals.Kind, initial approvals.Answers, record string) (bot.Message, error) {
	if rc.d.Approvals.Policy.Channel == "" {
		return bot.Message{}, rc.requestError("", approvals.ErrNoChannel)
	}
	if c.Role.Email == "" {
		return bot.Message{}, Forbiddenf("I could not find an email address on your chat profile, so approvers could not tell who asked")
	}
	f := rc.view(c).RequestForm(k, initial, record)
	return bot.Message{Form: &f, Visibility: bot.Ephemeral}, nil
}

func (rc *requestCommands) handle(ctx context.Context, c *Call) (bot.Message, error) {
	switch req := c.Request; {
	case req.Action != nil:
		return rc.click(ctx, c, req.Action)
	case req.Form != nil:
		return rc.submit(ctx, c, req.Form)
	}
	return rc.list(ctx, c)
}

// list shows the asker's requests and, to approvers, what waits for them.
func (rc *requestCommands) list(ctx context.Context, c *Call) (bot.Message, error) {
	if len(c.Args) > 0 {
		return bot.Message{}, Invalidf("request list takes no arguments")
	}
	if c.Role.Email == "" {
		return bot.Message{}, Forbiddenf("I could not find an email address on your chat profile, so I cannot tell which requests are yours")
	}
	all, err := rc.d.Approvals.List(ctx)
	if err != nil {
		return bot.Message{}, err
	}
	me, a := c.Role.Email, rc.actor(c)
	var waiting, mine []approvals.Request
	for _, r := range all {
		switch {
		case r.Requester == me || r.Owner == me:
			mine = append(mine, r)
		case r.State == approvals.Pending && rc.d.Approvals.MayApprove(a, r.Kind) && !r.ApprovedBy(me):
			waiting = append(waiting, r)
		}
	}
	v := rc.view(c)
	empty := "You have no requests. Ask for something with " + rc.d.Command + " request app NAME or " + rc.d.Command + " request change."
	m := v.List("Your requests", empty, mine)
	if len(waiting) > 0 {
		// Approvers see what waits for them first, then their own.
		w := v.List("Waiting for your approval", "", waiting)
		w.Sections = append(append(w.Sections, bot.Section{Text: "*" + m.Headline + "*"}), m.Sections...)
		w.Context = append(w.Context[:len(w.Context):len(w.Context)], m.Context...)
		w.Context = slices.Compact(w.Context)
		return w, nil
	}
	return m, nil
}

// argID reads the one request ID argument.
func (rc *requestCommands) argID(c *Call) (string, error) {
	if len(c.Args) != 1 {
		return "", Invalidf("%s takes one request ID, such as REQ-7KQ2MX", c.Command)
	}
	id := strings.ToUpper(c.Args[0])
	if !approvals.ValidID(id) {
		return "", Invalidf("%q is not a request ID; IDs look like REQ-7KQ2MX (%s request list shows yours)", clip(c.Args[0], 40), rc.d.Command)
	}
	return id, nil
}

func (rc *requestCommands) show(ctx context.Context, c *Call) (bot.Message, error) {
	id, err := rc.argID(c)
	if err != nil {
		return bot.Message{}, err
	}
	r, err := rc.d.Approvals.Get(ctx, id)
	if err != nil {
		return bot.Message{}, rc.requestError(id, err)
	}
	me := c.Role.Email
	if me == "" || (me != r.Requester && me != r.Owner && !rc.d.Approvals.MayApprove(rc.actor(c), r.Kind)) {
		return bot.Message{}, Forbiddenf("%s is not yours to see: its requester, owner and approvers can", id)
	}
	return rc.view(c).Detail(r, me == r.Requester), nil
}

func (rc *requestCommands) cancel(ctx context.Context, c *Call) (bot.Message, error) {
	id, err := rc.argID(c)
	if err != nil {
		return bot.Message{}, err
	}
	return rc.cancelID(ctx, c, id)
}

func (rc *requestCommands) cancelID(ctx context.Context, c *Call, id string) (bot.Message, error) {
	r, err := rc.d.Approvals.Cancel(ctx, id, rc.actor(c))
	if err != nil {
		return bot.Message{}, rc.requestError(id, err)
	}
	if c := r.Confirmation; c != nil && c.Outcome == "" {
		// It never reached its approvers: its confirmer's prompt goes.
		rc.withdrawConfirmation(ctx, r.ID, c.Verification, r.Requester)
		return rc.done(ctx, r, "You cancelled %s; %s is no longer asked to confirm it.", r.ID, c.By)
	}
	return rc.done(ctx, r, "You cancelled %s; the approvers' thread says so.", r.ID)
}

// click answers a button of the thread, a direct message or a shadow
// install report.
func (rc *requestCommands) click(ctx context.Context, c *Call, a *bot.Action) (bot.Message, error) {
	switch a.ID {
	case prompts.ActionShadowRequest, prompts.ActionShadowFlag:
		return rc.shadowClick(ctx, c, a)
	case prompts.ActionStepUpLink:
		// The link opens in the browser; Slack reports the click too.
		return bot.Message{}, nil
	}
	id := a.Value
	if !approvals.ValidID(id) {
		return bot.Message{}, badRequestButton()
	}
	actor := rc.actor(c)
	svc := rc.d.Approvals
	switch a.ID {
	case prompts.ActionRequestApprove:
		r, err := svc.Approve(ctx, id, actor)
		if errors.Is(err, approvals.ErrStepUpRequired) {
			return rc.stepUp(ctx, c, r)
		}
		if err != nil {
			return bot.Message{}, rc.requestError(id, err)
		}
		if r.State == approvals.Approved {
			return rc.done(ctx, r, "You approved %s: that makes %d of %d, and it is approved.", id, len(r.Approvals), r.Required())
		}
		if len(r.Approvals) >= r.Needed {
			return rc.done(ctx, r, "You approved %s (%d of %d); it still needs an approval from someone other than its owner, %s.", id, len(r.Approvals), r.Required(), r.Owner)
		}
		return rc.done(ctx, r, "You approved %s (%d of %d); it needs %d more.", id, len(r.Approvals), r.Required(), r.Required()-len(r.Approvals))
	case prompts.ActionRequestDeny, prompts.ActionRequestAsk:
		r, err := svc.Get(ctx, id)
		if err == nil {
			err = svc.CheckVoter(r, actor)
		}
		if err != nil {
			return bot.Message{}, rc.requestError(id, err)
		}
		f := rc.view(c).AskForm(r)
		if a.ID == prompts.ActionRequestDeny {
			f = rc.view(c).DenyForm(r)
		}
		return bot.Message{Form: &f, Visibility: bot.Ephemeral}, nil
	case prompts.ActionRequestAnswer:
		r, err := svc.Get(ctx, id)
		switch {
		case err != nil:
			return bot.Message{}, rc.requestError(id, err)
		case r.State != approvals.Pending:
			return bot.Message{}, rc.requestError(id, &approvals.StateError{Request: r})
		case c.Role.Email != r.Requester:
			return bot.Message{}, Forbiddenf("Only %s, who asked for %s, can answer its questions", r.Requester, id)
		case r.OpenQuestion() < 0:
			return bot.Message{}, Conflictf("%s has no open question: every question is answered", id)
		}
		f := rc.view(c).AnswerForm(r)
		return bot.Message{Form: &f, Visibility: bot.Ephemeral}, nil
	case prompts.ActionRequestDone:
		r, err := svc.MarkDone(ctx, id, actor)
		if err != nil {
			return bot.Message{}, rc.requestError(id, err)
		}
		return rc.done(ctx, r, "Marked %s installed; the next sync checks %s has it.", id, connector.Title(r.SaaS()))
	case prompts.ActionRequestCancel:
		return rc.cancelID(ctx, c, id)
	case prompts.ActionRequestKeep, prompts.ActionRequestRollBack:
		o, what := approvals.Keep, "kept: the request is done"
		if a.ID == prompts.ActionRequestRollBack {
			o, what = approvals.RollBack, "recorded as rolled back"
		}
		r, err := svc.Review(ctx, id, actor, o, "")
		if err != nil {
			return bot.Message{}, rc.requestError(id, err)
		}
		return rc.done(ctx, r, "%s %s.", id, what)
	case prompts.ActionRequestExtend:
		r, err := svc.Get(ctx, id)
		if err != nil {
			return bot.Message{}, rc.requestError(id, err)
		}
		if !r.Reviewable() {
			return bot.Message{}, rc.requestError(id, &approvals.StateError{Request: r})
		}
		f := rc.view(c).ExtendForm(r)
		return bot.Message{Form: &f, Visibility: bot.Ephemeral}, nil
	}
	return bot.Message{}, badRequestButton()
}

// shadowClick answers the shadow install report's buttons; their value
// names the installation and its SaaS (approvals.ShadowKey).
func (rc *requestCommands) shadowClick(ctx context.Context, c *Call, a *bot.Action) (bot.Message, error) {
	key, ok := approvals.ParseShadowKey(a.Value)
	if !ok {
		return bot.Message{}, badRequestButton()
	}
	sh, err := rc.d.Approvals.ShadowInstall(ctx, key)
	if err != nil {
		return bot.Message{}, rc.requestError("", err)
	}
	if a.ID == prompts.ActionShadowRequest {
		initial := approvals.Answers{approvals.FieldApp: sh.Name, approvals.FieldSaaS: sh.Key().SaaS}
		return rc.form(c, approvals.App, initial, prompts.ShadowRecord(sh.Key()))
	}
	sh, err = rc.d.Approvals.FlagShadow(ctx, key, rc.actor(c))
	if err != nil {
		return bot.Message{}, rc.requestError("", err)
	}
	m := rc.view(c).ShadowReport(sh)
	m.Delivery = bot.ReplaceOriginal
	return m, nil
}

// stepUp answers an approval that counts only after the approver signs in
// again: a one-time link to the company's sign-in.
func (rc *requestCommands) stepUp(ctx context.Context, c *Call, r approvals.Request) (bot.Message, error) {
	return stepUpLink(ctx, rc.d, c, StepUpApprove, r.ID, fmt.Sprintf("Approving %s (%s)", r.ID, clip(r.Title, 90)))
}

// Step-up actions: what a fresh sign-in lets count.
const (
	StepUpApprove          = "approve"           // an approval; target: the request id
	StepUpSeatRemove       = "seat-remove"       // a seat's Remove; target: the seat's button value
	StepUpCredentialRevoke = "credential-revoke" // a credential's revoke; target: its button value
)

// stepUpLink answers a decision that counts only after a fresh sign-in,
// with the link to it; what says what the decision is.
func stepUpLink(ctx context.Context, d Deps, c *Call, kind, target, what string) (bot.Message, error) {
	if d.StepUp == nil {
		return bot.Message{}, Unavailablef("%s needs you to sign in again, and no sign-in provider is set up here (SEATWARDEN_OIDC_ISSUER); ask an admin", what)
	}
	link, expires, err := d.StepUp(ctx, c.Role.Email, stepup.Action{Kind: kind, Target: target, Title: what})
	var refusal *stepup.Refusal
	if errors.As(err, &refusal) {
		return bot.Message{}, Forbiddenf("%s", prose.Capitalize(refusal.Why))
	}
	if err != nil {
		return bot.Message{}, err
	}
	return prompts.StepUpNeeded(what, target, link, expires, d.Policy.Location), nil
}

// submit answers the request forms and the deny, question, answer and
// extend forms.
func (rc *requestCommands) submit(ctx context.Context, c *Call, f *bot.FormSubmission) (bot.Message, error) {
	if f.Cancelled {
		return bot.Message{Sections: []bot.Section{{Text: "Nothing sent."}}, Visibility: bot.Ephemeral}, nil
	}
	svc, actor := rc.d.Approvals, rc.actor(c)
	if kind, ok := strings.CutPrefix(f.FormID, prompts.FormRequestPrefix); ok {
		k, known := approvals.Kinds[kind]
		if !known {
			return bot.Message{}, badRequestButton()
		}
		if kind == approvals.Access.Name && rc.d.Verify == nil && svc.Policy.Access.WithDefaults().ConfirmedBy(f.Values[approvals.FieldRole]) != "" {
			// Refused before anything is stored: nobody could confirm it.
			return bot.Message{}, Unavailablef("%s requests are confirmed first (access.verify_by), and confirmations are not set up here; ask an admin", f.Values[approvals.FieldRole])
		}
		var r approvals.Request
		var err error
		if shadow, isShadow := prompts.ParseShadowRecord(f.RecordID); isShadow {
			r, err = svc.SubmitRetroactive(ctx, shadow, actor, approvals.Answers(f.Values))
		} else {
			r, err = svc.Submit(ctx, kind, actor, approvals.Answers(f.Values), 0)
		}
		if fe, ok := errors.AsType[*approvals.FormError](err); ok {
			form := rc.view(c).WithErrors(rc.view(c).RequestForm(k, nil, f.RecordID), f.Values, fe)
			return bot.Message{Form: &form, Visibility: bot.Ephemeral}, nil
		}
		if err != nil {
			return bot.Message{}, rc.requestError("", err)
		}
		if r.State == approvals.Confirming {
			return rc.confirm(ctx, r)
		}
		rc.changed(ctx, r.ID)
		return rc.view(c).Submitted(r), nil
	}
	id := f.RecordID
	if !approvals.ValidID(id) {
		return bot.Message{}, badRequestButton()
	}
	var r approvals.Request
	var err error
	var line string
	switch f.FormID {
	case prompts.FormRequestDeny:
		r, err = svc.Deny(ctx, id, actor, f.Values[prompts.InputDenyReason])
		line = "You denied " + id + "; the requester has been told why."
	case prompts.FormRequestAsk:
		r, err = svc.Ask(ctx, id, actor, f.Values[prompts.InputQuestion])
		line = "Your question is in " + id + "'s thread and with its requester."
	case prompts.FormRequestAnswer:
		r, err = svc.Answer(ctx, id, actor, f.Values[prompts.InputAnswer])
		line = "Your answer is in " + id + "'s thread."
	case prompts.FormRequestExtend:
		r, err = svc.Review(ctx, id, actor, approvals.Extend, f.Values[prompts.InputUntil])
	default:
		return bot.Message{}, badRequestButton()
	}
	if fe, ok := errors.AsType[*approvals.FormError](err); ok {
		return rc.formAgain(ctx, c, f, id, fe)
	}
	if err != nil {
		return bot.Message{}, rc.requestError(id, err)
	}
	if f.FormID == prompts.FormRequestExtend {
		line = id + " is extended; you will be asked again on " + r.ReviewOn.Format("2 Jan 2006") + "."
	}
	return rc.done(ctx, r, "%s", line)
}

// formAgain shows a deny, question, answer or extend form again, as
// filled in, with the error on its field.
func (rc *requestCommands) formAgain(ctx context.Context, c *Call, f *bot.FormSubmission, id string, fe *approvals.FormError) (bot.Message, error) {
	r, err := rc.d.Approvals.Get(ctx, id)
	if err != nil {
		return bot.Message{}, rc.requestError(id, err)
	}
	v := rc.view(c)
	var form bot.Form
	switch f.FormID {
	case prompts.FormRequestDeny:
		form = v.DenyForm(r)
	case prompts.FormRequestAsk:
		form = v.AskForm(r)
	case prompts.FormRequestAnswer:
		form = v.AnswerForm(r)
	default:
		form = v.ExtendForm(r)
	}
	form = v.WithErrors(form, f.Values, fe)
	return bot.Message{Form: &form, Visibility: bot.Ephemeral}, nil
}

// done answers a transition with one private line; the thread, the
// parent and the requester hear of it through the request's outbox.
func (rc *requestCommands) done(ctx context.Context, r approvals.Request, format string, args ...any) (bot.Message, error) {
	rc.changed(ctx, r.ID)
	return bot.Message{Sections: []bot.Section{{Text: bot.EscapeText(fmt.Sprintf(format, args...))}}, Visibility: bot.Ephemeral}, nil
}

func (rc *requestCommands) changed(ctx context.Context, id string) {
	if rc.d.ApprovalChanged != nil {
		rc.d.ApprovalChanged(ctx, id)
	}
}

// requestError words the service's refusals as one line.
func (rc *requestCommands) requestError(id string, err error) error {
	if re, ok := errors.AsType[*approvals.RefusedError](err); ok {
		return Forbiddenf("Sorry, %s", re.Why)
	}
	if se, ok := errors.AsType[*approvals.StateError](err); ok {
		r := se.Request
		by := ""
		switch {
		case r.Denial != nil:
			by = " by " + r.Denial.By
		case r.State == approvals.Approved && len(r.Approvals) > 0:
			by = " by " + r.ApproverNames()
		case r.Closed != nil && r.Closed.By != "system":
			by = " by " + r.Closed.By
		}
		return Conflictf("%s is already %s%s; nothing changed", r.ID, r.State.Words(), by)
	}
	switch {
	case errors.Is(err, approvals.ErrNotFound):
		return NotFoundf("No request %s; %s request list shows yours", clip(id, 40), rc.d.Command)
	case errors.Is(err, approvals.ErrAlreadyApproved):
		return Conflictf("You already approved %s; an approval counts once", id)
	case errors.Is(err, approvals.ErrNoChannel):
		return Unavailablef("Requests are off: no approvals channel is set. An admin sets approvals.channel in the policy file")
	case errors.Is(err, approvals.ErrNoShadow):
		return NotFoundf("That installation is not on the list of unapproved installs; the next sync reports what it finds")
	}
	return err
}

func badRequestButton() *Error {
	return Invalidf("That button or form does not name a request; it may have been altered. Use the buttons in the approvals thread or your direct messages")
}

func (rc *requestCommands) actor(c *Call) approvals.Actor {
	return approvals.Actor{Email: c.Role.Email, Admin: c.Role.Admin}
}

func (rc *requestCommands) view(c *Call) prompts.Requests {
	return prompts.Requests{Location: rc.d.Approvals.Location(), Now: c.Now, Command: rc.d.Command, Approvers: rc.d.Approvals.Approvers,
		AskPeer: rc.d.Approvals.Policy.Access.AsksPeers()}
}
