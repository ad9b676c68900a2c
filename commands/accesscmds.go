package commands

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/store"
)

// accessCommands are just-in-time access's commands: ask for a role for a
// while (the approvals form of kind access), see grants, and end one
// early. Granting and taking back on time are the access-expiry job's.
type accessCommands struct {
	d Deps
	// requests opens the access form; nil without an approvals service,
	// which leaves access request out.
	requests *requestCommands
}

// recentlyEnded is how far back approvers and admins see other people's
// ended grants in access list.
const recentlyEnded = 7 * 24 * time.Hour

func newAccessCommands(d Deps) *accessCommands {
	ac := &accessCommands{d: d.withDefaults()}
	if d.Approvals != nil {
		ac.requests = newRequestCommands(d)
	}
	return ac
}

func (ac *accessCommands) definitions() []Definition {
	var defs []Definition
	if ac.requests != nil {
		defs = append(defs, Definition{
			Name:        "access request",
			Aliases:     []string{"request access"},
			Usage:       "access request [ROLE] [DURATION]",
			Description: "Asks for a privileged role in Zendesk for a while: opens a form (role, how long, why, an optional ticket); approvers decide in the approvals channel. Once approved the role is granted at once and taken back at the end, with sessions ended.",
			Examples:    []string{"access request admin 2h", "access request"},
			Access:      Everyone,
			Handler:     ac.request,
		})
	}
	return append(defs,
		Definition{
			Name:        "access list",
			Usage:       "access list",
			Description: "Your access grants, newest first: pending, active with the time left, held and ended. Approvers and admins also see everyone's open grants and those ended in the last 7 days.",
			Examples:    []string{"access list"},
			Access:      Everyone,
			Handler:     ac.list,
		},
		Definition{
			Name:        "access show",
			Usage:       "access show ID",
			Description: "One grant: who holds which role and the role before it, why, the ticket, who approved it, when it began and ends or ended, and who ended it. For its holder, approvers and admins.",
			Examples:    []string{"access show g-REQ-7KQ2MX"},
			Access:      Everyone,
			Handler:     ac.show,
		},
		Definition{
			Name:        "access extend",
			Usage:       "access extend ID DURATION",
			Description: "Asks for more time on your active grant: added at once when the policy lets holders extend once by that much, else a request that approvers decide, like the first.",
			Examples:    []string{"access extend g-REQ-7KQ2MX 30m"},
			Access:      Everyone,
			Handler:     ac.extend,
		},
		Definition{
			Name:        "access standing",
			Usage:       "access standing",
			Description: "Standing privilege: everyone who holds admin, or a custom role people can ask for, without a grant, as the last sync saw the account; those the policy does not allow first, with what to do.",
			Examples:    []string{"access standing"},
			Access:      Admins,
			Handler:     ac.standing,
			// The shadow-admin report's choices: put the earlier role back,
			// open a retroactive request, keep it as standing.
			Actions: []ActionRoute{{ID: prompts.ActionShadowRevert}, {ID: prompts.ActionAccessShadowRequest}, {ID: prompts.ActionAccessShadowKeep}},
			Forms:   []string{prompts.FormAccessShadowRequest, prompts.FormAccessShadowKeep},
		},
		Definition{
			Name:        "access break-glass",
			Usage:       "access break-glass ROLE REASON",
			Description: "Takes a role at once, without approval, when the policy allows break-glass, for at most its break-glass time; every approver and the admin channel are told, and an approver reviews it afterwards.",
			Examples:    []string{"access break-glass admin checkout is down and the SSO app must be reconfigured"},
			Access:      Everyone,
			Handler:     ac.breakGlass,
			Actions:     []ActionRoute{{ID: prompts.ActionAccessReview}},
			// Who may review is the service's business (not the holder).
			ControlAccess: Everyone,
		},
		Definition{
			Name:        "access revoke",
			Usage:       "access revoke ID",
			Description: "Ends an active grant now: Zendesk gets the earlier role back and the holder's sessions are ended. For the holder and admins.",
			Examples:    []string{"access revoke g-REQ-7KQ2MX"},
			Access:      Everyone,
			Handler:     ac.revoke,
			// End now, on the holder's home.
			Actions: []ActionRoute{{ID: prompts.ActionAccessEnd}},
		},
	)
}

// request opens the access request form, with the role and duration typed
// filled in; ones the policy does not take are refused in one line first.
func (ac *accessCommands) request(_ context.Context, c *Call) (bot.Message, error) {
	p := ac.d.Approvals.Policy.Access.WithDefaults()
	initial := approvals.Answers{}
	if len(c.Args) > 0 {
		role, rest := roleArg(p, c.Args)
		if err := p.CheckRole(role); err != nil {
			return bot.Message{}, Invalidf("%s", err.Error()).WithExample(accessExample(p, ""))
		}
		role = strings.ToLower(strings.TrimSpace(role))
		initial[approvals.FieldRole] = role
		if len(rest) > 0 {
			d, err := access.ParseDuration(strings.Join(rest, " "))
			if err == nil {
				err = p.CheckDuration(role, d)
			}
			if err != nil {
				return bot.Message{}, Invalidf("%s", err.Error()).WithExample(accessExample(p, role))
			}
			initial[approvals.FieldDuration] = shortDuration(d)
		}
	}
	return ac.requests.form(c, approvals.Access, initial, "")
}

// roleArg splits the words after access request into the role (the
// longest leading words the policy grants, so a custom role's name may
// have spaces) and the duration's words; when no leading words name a
// grantable role, the first word is taken for the role.
func roleArg(p access.Policy, args []string) (role string, rest []string) {
	for n := len(args); n > 0; n-- {
		if name := strings.Join(args[:n], " "); p.CheckRole(name) == nil {
			return name, args[n:]
		}
	}
	return args[0], args[1:]
}

// accessExample is an access request the policy takes, for errors: role
// (or the first grantable one) for two hours, or for the policy's default
// when two hours is out of bounds.
func accessExample(p access.Policy, role string) string {
	if role == "" {
		role = p.RoleNames()[0]
	}
	d := 2 * time.Hour
	if p.CheckDuration(role, d) != nil {
		d = p.DefaultDuration
		if r, _ := p.Grantable(role); p.CheckDuration(role, d) != nil {
			d = r.MaxDuration
		}
	}
	if strings.Contains(role, " ") {
		role = `"` + role + `"`
	}
	return "access request " + role + " " + shortDuration(d)
}

// shortDuration writes d as people type it: 2h, 1h30m, 45m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// list shows the asker's grants; approvers and admins also see every
// open grant and those that ended lately.
func (ac *accessCommands) list(ctx context.Context, c *Call) (bot.Message, error) {
	if len(c.Args) > 0 {
		return bot.Message{}, Invalidf("access list takes no arguments")
	}
	me := c.Role.Email
	if me == "" {
		return bot.Message{}, Forbiddenf("I could not find an email address on your chat profile, so I cannot tell which grants are yours")
	}
	all, err := ac.d.Access.List(ctx)
	if err != nil {
		return bot.Message{}, err
	}
	oversees, since := ac.oversees(c), c.Now.Add(-recentlyEnded)
	var shown []access.Grant
	for _, g := range all {
		if people.Same(g.Email, me) || (oversees && (g.State.Live() || cmp.Or(g.EndedAt, g.CreatedAt).After(since))) {
			shown = append(shown, g)
		}
	}
	slices.SortStableFunc(shown, func(a, b access.Grant) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
	})
	return ac.view(c).List(shown, c.Now), nil
}

func (ac *accessCommands) show(ctx context.Context, c *Call) (bot.Message, error) {
	g, err := ac.grant(ctx, c)
	if err != nil {
		return bot.Message{}, err
	}
	me := c.Role.Email
	approved := slices.ContainsFunc(g.ApprovedBy, func(a string) bool { return people.Same(a, me) })
	if me == "" || (!people.Same(g.Email, me) && !approved && !ac.oversees(c)) {
		return bot.Message{}, Forbiddenf("%s is not yours to see: its holder, approvers and admins can", g.ID)
	}
	return ac.view(c).Detail(g, c.Now), nil
}

// revoke ends an active grant now, and tells its request's thread and
// requester.
// standing lists standing privilege from the last sync.
func (ac *accessCommands) standing(ctx context.Context, c *Call) (bot.Message, error) {
	switch req := c.Request; {
	case req.Action != nil && req.Action.ID == prompts.ActionShadowRevert:
		return ac.revertShadow(ctx, c, req.Action)
	case req.Action != nil:
		return ac.shadowChoice(ctx, c, req.Action)
	case req.Form != nil:
		return ac.shadowForm(ctx, c, req.Form)
	}
	if len(c.Args) > 0 {
		return bot.Message{}, Invalidf("access standing takes no arguments").WithExample("access standing")
	}
	snap, err := ac.d.Snapshots.LoadSnapshot(ctx, connector.Zendesk)
	if errors.Is(err, store.ErrNotFound) {
		return bot.Message{}, Unavailablef("No sync has run yet, so I do not know who holds which role; the first sync runs at start-up")
	}
	if err != nil {
		return bot.Message{}, err
	}
	list, err := ac.d.Access.Standing(ctx, &snap.Roster)
	if err != nil {
		return bot.Message{}, err
	}
	return ac.view(c).Standing(list), nil
}

// shadowIDPattern is a shadow's id: the user's id and when it was found.
var shadowIDPattern = regexp.MustCompile(`^[0-9]{1,19}-[0-9]{1,19}$`)

// revertShadow puts a shadow admin's earlier role back, from the report.
func (ac *accessCommands) revertShadow(ctx context.Context, c *Call, a *bot.Action) (bot.Message, error) {
	if !shadowIDPattern.MatchString(a.Value) {
		return bot.Message{}, Invalidf("That button does not name a report; it may have been altered. %s access standing shows who holds privilege now", ac.d.Command)
	}
	sh, err := ac.d.Access.RevertShadow(ctx, a.Value, c.Role.Email)
	switch {
	case errors.Is(err, access.ErrNotFound):
		return bot.Message{}, NotFoundf("That report is gone; %s access standing shows who holds privilege now", ac.d.Command)
	case errors.Is(err, access.ErrNotReverted):
		return bot.Message{}, Conflictf("%s", strings.TrimPrefix(err.Error(), access.ErrNotReverted.Error()+": "))
	case err != nil && connector.Final(err):
		return bot.Message{}, Conflictf("Zendesk refused to put the role back: %s", err.Error())
	case err != nil:
		return bot.Message{}, Unavailablef("Zendesk did not take the change just now; press the button again in a moment").WithCause(err)
	}
	m := ac.view(c).Shadow(sh)
	m.Delivery = bot.ReplaceOriginal
	return m, nil
}

// shadowOf reads the shadow a report's button or form names, refusing
// one already settled or whose earlier role seatwarden does not put back.
func (ac *accessCommands) shadowOf(ctx context.Context, id string) (access.Shadow, error) {
	if !shadowIDPattern.MatchString(id) {
		return access.Shadow{}, Invalidf("That button does not name a report; it may have been altered. %s access standing shows who holds privilege now", ac.d.Command)
	}
	sh, err := ac.d.Access.GetShadow(ctx, id)
	switch {
	case errors.Is(err, access.ErrNotFound):
		return sh, NotFoundf("That report is gone; %s access standing shows who holds privilege now", ac.d.Command)
	case err != nil:
		return sh, err
	case sh.Reverted() || sh.KeptBy != "" || sh.Request != "":
		return sh, Conflictf("Already settled: %s", sh.Settled())
	case !sh.Revertible():
		return sh, Conflictf("%s was not an agent before, so there is no earlier role to come back to: change their role in Zendesk", sh.Email)
	}
	return sh, nil
}

// shadowChoice opens the form of a shadow report's retroactive request or
// keep.
func (ac *accessCommands) shadowChoice(ctx context.Context, c *Call, a *bot.Action) (bot.Message, error) {
	sh, err := ac.shadowOf(ctx, a.Value)
	if err != nil {
		return bot.Message{}, err
	}
	var form bot.Form
	switch a.ID {
	case prompts.ActionAccessShadowRequest:
		if ac.d.Approvals == nil {
			return bot.Message{}, Unavailablef("Approvals are not set up here, so no request can be opened")
		}
		form = ac.view(c).ShadowRequestForm(sh, ac.d.Access.Policy.WithDefaults().DefaultDuration)
	case prompts.ActionAccessShadowKeep:
		if ac.d.PrivilegeReviews == nil {
			return bot.Message{}, Unavailablef("The privilege review is not run here, so there is nothing to keep it in")
		}
		form = ac.view(c).ShadowKeepForm(sh, c.Now, ac.keepMaxDays())
	default:
		return bot.Message{}, Invalidf("That button does not name a report; it may have been altered")
	}
	return bot.Message{Form: &form, Visibility: bot.Ephemeral}, nil
}

// shadowForm answers a shadow report's retroactive request and keep forms
// and redraws the report.
func (ac *accessCommands) shadowForm(ctx context.Context, c *Call, f *bot.FormSubmission) (bot.Message, error) {
	if f.Cancelled {
		return bot.Message{Sections: []bot.Section{{Text: "Nothing done."}}, Visibility: bot.Ephemeral}, nil
	}
	sh, err := ac.shadowOf(ctx, f.RecordID)
	if err != nil {
		return bot.Message{}, err
	}
	v, by := ac.view(c), c.Role.Email
	again := func(form bot.Form, fe *approvals.FormError) (bot.Message, error) {
		form = prompts.Requests{}.WithErrors(form, f.Values, fe)
		return bot.Message{Form: &form, Visibility: bot.Ephemeral}, nil
	}
	switch f.FormID {
	case prompts.FormAccessShadowRequest:
		var fe *approvals.FormError
		var r approvals.Request
		if sh, r, fe, err = ac.requestForShadow(ctx, c, sh, f.Values); fe != nil {
			return again(v.ShadowRequestForm(sh, ac.d.Access.Policy.WithDefaults().DefaultDuration), fe)
		}
		if r.ID != "" && err != nil {
			// The request stands and its thread is posted; only the
			// report does not say so.
			return bot.Message{Sections: []bot.Section{{Text: bot.EscapeText(fmt.Sprintf("Request %s is open for approval; the report could not be updated (%v).", r.ID, err))}},
				Visibility: bot.Ephemeral}, nil
		}
		if err != nil {
			return bot.Message{}, err
		}
	case prompts.FormAccessShadowKeep:
		reason, loc := f.Values[prompts.InputReason], cmp.Or(v.Location, time.UTC)
		until, perr := time.ParseInLocation(time.DateOnly, strings.TrimSpace(f.Values[prompts.InputKeepUntil]), loc)
		if perr != nil {
			return again(v.ShadowKeepForm(sh, c.Now, ac.keepMaxDays()), &approvals.FormError{Fields: []approvals.FieldError{
				{Field: prompts.InputKeepUntil, Message: "Pick a date such as " + c.Now.In(loc).AddDate(0, 0, 30).Format(time.DateOnly)}}})
		}
		err := ac.d.PrivilegeReviews.KeepOutside(ctx, sh.UserID, sh.Email, reviews.Actor{Email: by, Admin: c.Role.Admin}, reason, until)
		if fe, ok := errors.AsType[*reviews.FieldError](err); ok {
			return again(v.ShadowKeepForm(sh, c.Now, ac.keepMaxDays()), &approvals.FormError{Fields: []approvals.FieldError{{Field: fe.Field, Message: fe.Message}}})
		}
		if err != nil {
			return bot.Message{}, err
		}
		if sh, err = ac.d.Access.KeepShadow(ctx, sh.ID, by, strings.TrimSpace(reason), until); err != nil {
			return bot.Message{}, err
		}
	default:
		return bot.Message{}, Invalidf("That form does not name a report; open it again from the report")
	}
	m := v.Shadow(sh)
	m.Delivery = bot.ReplaceOriginal
	return m, nil
}

// requestForShadow opens the retroactive access request of a shadow, in
// its holder's name, from the form's values, and links it to the shadow.
// A form error comes back to show on the form; an error with a request
// means the request stands but the shadow does not say so yet.
func (ac *accessCommands) requestForShadow(ctx context.Context, c *Call, sh access.Shadow, values map[string]string) (access.Shadow, approvals.Request, *approvals.FormError, error) {
	by := c.Role.Email
	answers := approvals.Answers{approvals.FieldRole: sh.RoleName, approvals.FieldDuration: values[approvals.FieldDuration],
		approvals.FieldWhy: values[approvals.FieldWhy], approvals.FieldTicket: values[approvals.FieldTicket]}
	r, err := ac.d.Approvals.SubmitAccessRetroactive(ctx, sh.ID, approvals.Actor{Email: sh.Email}, approvals.Actor{Email: by, Admin: c.Role.Admin}, answers)
	if fe, ok := errors.AsType[*approvals.FormError](err); ok {
		return sh, approvals.Request{}, fe, nil
	}
	if err != nil {
		return sh, approvals.Request{}, nil, err
	}
	if ac.d.ApprovalChanged != nil {
		ac.d.ApprovalChanged(ctx, r.ID)
	}
	linked, err := ac.d.Access.LinkRequest(ctx, sh.ID, r.ID, by)
	if err != nil {
		return sh, r, nil, err
	}
	return linked, r, nil, nil
}

// keepMaxDays is the longest a Keep of standing privilege lasts.
func (ac *accessCommands) keepMaxDays() int {
	if n := ac.d.PrivilegeReviews.Policy.KeepMaxDays; n > 0 {
		return n
	}
	return 90
}

// breakGlass grants a role at once when the policy allows it; the
// approvers and the admin channel hear of it through BrokeGlass.
func (ac *accessCommands) breakGlass(ctx context.Context, c *Call) (bot.Message, error) {
	if a := c.Request.Action; a != nil {
		return ac.review(ctx, c, a)
	}
	p := ac.d.Access.Policy.WithDefaults()
	if p.BreakGlass <= 0 {
		return bot.Message{}, Forbiddenf("%s", access.ErrBreakGlassOff.Error())
	}
	const example = "access break-glass admin checkout is down and the SSO app must be reconfigured"
	if len(c.Args) < 2 {
		return bot.Message{}, Invalidf("access break-glass takes a role and why").WithExample(example)
	}
	role, rest := roleArg(p, c.Args)
	if err := p.CheckRole(role); err != nil {
		return bot.Message{}, Invalidf("%s", err.Error()).WithExample(example)
	}
	reason := strings.TrimSpace(strings.Join(rest, " "))
	if len(reason) < 10 {
		return bot.Message{}, Invalidf("say why you break the glass, in a sentence: approvers review it").WithExample(example)
	}
	me := c.Role.Email
	if me == "" {
		return bot.Message{}, Forbiddenf("I could not find an email address on your chat profile, so I cannot tell who takes the role")
	}
	snap, err := ac.d.Snapshots.LoadSnapshot(ctx, connector.Zendesk)
	var roster *connector.Roster
	if err == nil {
		roster = &snap.Roster
	}
	req, err := access.Resolve(roster, access.Ask{RequestID: breakGlassPrefix + breakGlassID(), Email: me, RoleName: strings.ToLower(role), Reason: clip(reason, 1000)})
	if err != nil {
		return bot.Message{}, Invalidf("%s", err.Error())
	}
	g, err := ac.d.Access.BreakGlass(ctx, req)
	var refused *access.Refusal
	switch {
	case err != nil && g.ID == "" && errors.As(err, &refused):
		return bot.Message{}, Invalidf("%s", strings.TrimPrefix(err.Error(), "access: ")).WithExample(example)
	case err != nil && g.ID == "":
		// The store or Zendesk failed before any grant existed: an
		// apology with a reference, never the internal error as if the
		// person had typed something wrong.
		return bot.Message{}, fmt.Errorf("access: break-glass: %w", err)
	}
	if g.ID != "" && ac.d.BrokeGlass != nil {
		ac.d.BrokeGlass(ctx, g.ID)
	}
	if g.State != access.Active {
		return bot.Message{}, Unavailablef("%s is not %s: %s", me, g.RoleName, cmp.Or(g.Note, "Zendesk did not confirm it; it is retried automatically")).WithCause(err)
	}
	return ac.view(c).BrokeGlass(g), nil
}

// review acknowledges a break-glass grant from its announcement.
func (ac *accessCommands) review(ctx context.Context, c *Call, a *bot.Action) (bot.Message, error) {
	id, ok := parseGrantID(a.Value)
	if !ok {
		return bot.Message{}, badRequestButton()
	}
	if !ac.oversees(c) {
		return bot.Message{}, Forbiddenf("Only approvers of access requests and admins review break-glass grants")
	}
	g, err := ac.d.Access.Acknowledge(ctx, id, c.Role.Email)
	if err != nil {
		return bot.Message{}, Conflictf("%s", strings.TrimPrefix(err.Error(), "access: "))
	}
	m := ac.view(c).BreakGlass(g)
	m.Delivery = bot.ReplaceOriginal
	return m, nil
}

// extend adds time to the caller's grant: at once when the policy allows
// a self-extension of that much, else through the access form, whose
// approval extends the grant (the access-expiry job does it).
func (ac *accessCommands) extend(ctx context.Context, c *Call) (bot.Message, error) {
	if len(c.Args) < 2 {
		return bot.Message{}, Invalidf("access extend takes a grant ID and how much longer").WithExample("access extend g-REQ-7KQ2MX 30m")
	}
	more, err := access.ParseDuration(strings.Join(c.Args[1:], " "))
	if err != nil {
		return bot.Message{}, Invalidf("%s", err.Error()).WithExample("access extend " + clip(c.Args[0], 40) + " 30m")
	}
	c.Args = c.Args[:1]
	g, err := ac.grant(ctx, c)
	if err != nil {
		return bot.Message{}, err
	}
	me := c.Role.Email
	if me == "" || !people.Same(g.Email, me) {
		return bot.Message{}, Forbiddenf("Only the holder, %s, can extend %s; anyone else asks for their own grant with %s access request", g.Email, g.ID, ac.d.Command)
	}
	if g.State != access.Active {
		return bot.Message{}, notActive(g)
	}
	ext, err := ac.d.Access.Extend(ctx, g.ID, me, more, "")
	switch {
	case err == nil:
		ac.tell(ctx, ext, approvals.EventGrantExtended, me, ext.End.Format(time.RFC3339))
		return ac.view(c).Extended(ext), nil
	case !errors.Is(err, access.ErrSelfExtend) || ac.requests == nil:
		return bot.Message{}, Invalidf("%s", strings.TrimPrefix(err.Error(), "access: ")).WithExample("access extend " + g.ID + " 30m")
	}
	// Approvers decide: the same form as the first request, filled in.
	return ac.requests.form(c, approvals.Access, approvals.Answers{
		approvals.FieldRole: g.RoleName, approvals.FieldDuration: shortDuration(more),
		approvals.FieldWhy: "More time on " + g.ID + ": " + g.Reason,
	}, "")
}

func (ac *accessCommands) revoke(ctx context.Context, c *Call) (bot.Message, error) {
	if a := c.Request.Action; a != nil {
		named := *c
		named.Args = []string{a.Value}
		c = &named
	}
	g, err := ac.grant(ctx, c)
	if err != nil {
		return bot.Message{}, err
	}
	me := c.Role.Email
	if me == "" || (!people.Same(g.Email, me) && !c.Role.Admin) {
		return bot.Message{}, Forbiddenf("Only the holder, %s, and admins can revoke %s", g.Email, g.ID)
	}
	if g.State != access.Active {
		return bot.Message{}, notActive(g)
	}
	g, err = ac.d.Access.Revoke(ctx, g.ID, me, "revoked")
	switch {
	case err != nil && g.ID != "" && g.State != access.Active:
		// It moved on meanwhile: ended on time, or by someone else.
		return bot.Message{}, notActive(g)
	case err != nil && g.State == access.Active:
		saas := connector.Title(connector.OrZendesk(g.SaaS))
		return bot.Message{}, Unavailablef("%s did not take %s back just now, so %s still holds it; the end is queued and will be retried automatically (%s access show %s follows it)",
			saas, g.RoleName, g.Email, ac.d.Command, g.ID).WithCause(err)
	case err != nil:
		return bot.Message{}, err
	}
	switch g.State {
	case access.Ended:
		ac.tell(ctx, g, approvals.EventGrantEnded, me, g.EndedText())
	case access.Held:
		ac.tell(ctx, g, approvals.EventGrantHeld, "system", g.Note)
	}
	return ac.view(c).Revoked(g), nil
}

// notActive says why a grant that is not active cannot be revoked.
func notActive(g access.Grant) error {
	saas := connector.Title(connector.OrZendesk(g.SaaS))
	switch g.State {
	case access.Ended:
		return Conflictf("%s is already ended; nothing to revoke", g.ID)
	case access.Failed:
		return Conflictf("%s failed: the role was never granted, so there is nothing to revoke", g.ID)
	case access.Held:
		return Conflictf("%s is held: its end needs a person to decide in %s, so there is nothing to revoke from chat", g.ID, saas)
	case access.Pending:
		return Conflictf("%s is pending: %s has not confirmed the role yet; revoke it once it is active", g.ID, saas)
	}
	return Conflictf("%s is %s; only an active grant can be revoked", g.ID, g.State)
}

// tell tells the request behind g, if it has one, what became of the
// grant, and has the thread and direct message posted. The grant is
// already ended, so a failure is logged rather than answered.
func (ac *accessCommands) tell(ctx context.Context, g access.Grant, e approvals.Event, by, text string) {
	if g.RequestID == "" || ac.d.Approvals == nil {
		return
	}
	if _, _, err := ac.d.Approvals.TellGrant(ctx, g.RequestID, e, approvals.Mark{By: by, Text: text}); err != nil {
		ac.d.Logger.ErrorContext(ctx, "access: the request was not told of its grant", slog.String("grant", g.ID),
			slog.String("request", g.RequestID), slog.String("event", string(e)), slog.Any("error", err))
		return
	}
	if ac.d.ApprovalChanged != nil {
		ac.d.ApprovalChanged(ctx, g.RequestID)
	}
}

// grantIDPattern is the part after "g-" of a grant id not made from a
// request id.
var grantIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,62}$`)

// parseGrantID reads a grant id as people type it: g-REQ-7KQ2MX in any
// case, or the request id REQ-7KQ2MX its grant carries out.
func parseGrantID(s string) (string, bool) {
	if up := strings.ToUpper(s); approvals.ValidID(up) {
		return access.GrantID(up), true
	}
	if len(s) < 2 || !strings.EqualFold(s[:2], "g-") {
		return "", false
	}
	rest := s[2:]
	if up := strings.ToUpper(rest); approvals.ValidID(up) {
		return access.GrantID(up), true
	}
	if up := strings.ToUpper(rest); strings.HasPrefix(up, breakGlassPrefix) && grantIDPattern.MatchString(up) {
		return access.GrantID(up), true
	}
	if grantIDPattern.MatchString(rest) {
		return "g-" + rest, true
	}
	return "", false
}

// breakGlassPrefix starts the request part of a break-glass grant's id,
// which no approval request has: g-BG-7Q2XK4.
const breakGlassPrefix = "BG-"

// grant reads the one grant ID argument and the grant it names.
func (ac *accessCommands) grant(ctx context.Context, c *Call) (access.Grant, error) {
	if len(c.Args) != 1 {
		return access.Grant{}, Invalidf("%s takes one grant ID, such as g-REQ-7KQ2MX", c.Command)
	}
	notFound := NotFoundf("No access grant %q; access list shows yours with their IDs", clip(c.Args[0], 40)).WithExample("access list")
	id, ok := parseGrantID(c.Args[0])
	if !ok {
		return access.Grant{}, notFound
	}
	g, err := ac.d.Access.Get(ctx, id)
	if errors.Is(err, access.ErrNotFound) {
		return access.Grant{}, notFound
	}
	return g, err
}

// oversees reports whether the asker sees everyone's grants: admins and
// the approvers of access requests.
func (ac *accessCommands) oversees(c *Call) bool {
	if c.Role.Admin {
		return true
	}
	return ac.d.Approvals != nil && c.Role.Email != "" &&
		ac.d.Approvals.MayApprove(approvals.Actor{Email: c.Role.Email, Admin: c.Role.Admin}, approvals.Access.Name)
}

func (ac *accessCommands) view(_ *Call) prompts.Grants {
	loc := ac.d.Policy.Location
	if ac.d.Approvals != nil {
		loc = ac.d.Approvals.Location()
	}
	return prompts.Grants{Location: loc, Command: ac.d.Command}
}

// breakGlassID names a break-glass grant: nothing else is asked, so the
// grant makes up its own id (base32, like request ids).
func breakGlassID() string { return strings.ToUpper(rand.Text()[:6]) }
