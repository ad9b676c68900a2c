package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/store"
)

// Access runs the access-expiry job: it grants the access requests that
// were approved, ends the grants that are due (finishing what a replica
// that died left), warns holders before the end, and tells each request's
// thread and requester what happened through the request's outbox, so
// every message goes out once.
type Access struct {
	Service   *access.Service
	Approvals *approvals.Service
	// Deliver posts a request's outbox (Approvals.Deliver); nil leaves
	// outboxes for the approvals courier.
	Deliver func(ctx context.Context, requestID string) error
	// Snapshots give the account's staff as the last sync saw them, to
	// find the person and the role a request names.
	Snapshots store.Snapshots
	// Notifier and AdminChannel carry alerts about grants that did not
	// end; nil when no chat transport is set up.
	Notifier     bot.Notifier
	AdminChannel string
	Command      string
	// Keys make each alert go out once across replicas.
	Keys store.Idempotency
	// Wake, when set, is asked to run the job again after d, when the
	// next grant falls due, so grants end within seconds of their end
	// rather than at the next minute.
	Wake func(d time.Duration)
	// Observe, when set, counts each grant's outcome ("granted", "ended",
	// "held", "refused", "end_failed"); lag is how long after its end an
	// expired grant was confirmed over, negative otherwise.
	Observe func(outcome string, lag time.Duration)
	Logger  *slog.Logger

	// lastScan is when this process last read every request for approved
	// ones (unix nanoseconds): the queue of approved requests is read on
	// every run, every request only now and then.
	lastScan atomic.Int64
}

// fullScanEvery is how often the job reads every request rather than
// only the queue of approved ones: what a replica that died between
// approving and queueing left behind is granted within it.
const fullScanEvery = time.Hour

func (a *Access) observe(outcome string, lag time.Duration) {
	if a.Observe != nil {
		a.Observe(outcome, lag)
	}
}

// NameAccessExpiry is the job's contract name.
const NameAccessExpiry = "access-expiry"

func (a *Access) log() *slog.Logger {
	if a.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Logger
}

// Job is the access-expiry job.
func (a *Access) Job() Definition {
	return Definition{
		Name:        NameAccessExpiry,
		Description: "grants approved access requests, ends grants that reached their end, warns holders before it",
		Run:         func(ctx context.Context, _ time.Time) error { return a.Run(ctx) },
		// Every grant's change is leased: replicas sweep at once safely,
		// and a dead one's job lock cannot hold up the ends due.
		Concurrent: true,
	}
}

// Run does one pass.
func (a *Access) Run(ctx context.Context) error {
	errs := []error{a.grantApproved(ctx)}
	res, err := a.Service.Sweep(ctx)
	errs = append(errs, err)
	for _, g := range res.Ended {
		lag := time.Duration(-1)
		if g.EndedBy == "system" {
			lag = g.EndedAt.Sub(g.End)
		}
		a.observe("ended", lag)
		errs = append(errs, a.tell(ctx, g, approvals.EventGrantEnded, g.EndedBy, g.EndedText()))
	}
	for range res.Failing {
		a.observe("end_failed", -1)
	}
	for _, g := range res.Held {
		a.observe("held", -1)
		errs = append(errs, a.tell(ctx, g, approvals.EventGrantHeld, "system", g.Note), a.Alert(ctx, g))
	}
	for _, g := range res.Alerts {
		errs = append(errs, a.Alert(ctx, g))
	}
	late, err := a.Service.Unreviewed(ctx)
	errs = append(errs, err)
	for _, g := range late {
		errs = append(errs, a.escalate(ctx, g))
	}
	warnings, err := a.Service.DueWarnings(ctx)
	errs = append(errs, err)
	for _, g := range warnings {
		if err := a.tell(ctx, g, approvals.EventGrantEnding, "system", g.End.Format(time.RFC3339)); err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, a.Service.Warned(ctx, g.ID))
	}
	a.wake(ctx)
	if len(res.Ended)+len(res.Held)+len(res.Failing) > 0 {
		a.log().Info("access-expiry: swept", slog.Int("ended", len(res.Ended)), slog.Int("held", len(res.Held)), slog.Int("failing", len(res.Failing)))
	}
	return errors.Join(errs...)
}

// AccessPreview is what one pass of the job would do now.
type AccessPreview struct {
	// Grant are the approved requests it would grant.
	Grant []approvals.Request
	// End and Warn are the grants it would end and whose holders it
	// would warn.
	End, Warn []access.Grant
}

// Preview reads what one pass would do, doing none of it: no role
// changes, no messages, no queue taken.
func (a *Access) Preview(ctx context.Context) (AccessPreview, error) {
	var p AccessPreview
	reqs, err := a.Approvals.List(ctx)
	if err != nil {
		return p, err
	}
	for _, r := range reqs {
		if awaitingGrant(r) {
			p.Grant = append(p.Grant, r)
		}
	}
	p.End, p.Warn, err = a.Service.Preview(ctx)
	return p, err
}

// awaitingGrant: r is an approved access request whose grant (or why
// there is none) has not been told.
func awaitingGrant(r approvals.Request) bool {
	return r.Kind == approvals.Access.Name && r.State == approvals.Approved && !told(r, approvals.EventGranted, approvals.EventGrantRefused)
}

// grantApproved grants every approved access request that has no grant
// yet: those on the approvals' queue of approved requests, and now and
// then (at a process's first run, then hourly) every request. Grant is
// idempotent by request, so a request granted by another replica (or by
// the approval's own click) is only told once.
func (a *Access) grantApproved(ctx context.Context) error {
	now := a.Service.Clock()
	if last := a.lastScan.Load(); a.Approvals.Awaiting == nil || last == 0 || now.Sub(time.Unix(0, last)) >= fullScanEvery {
		a.lastScan.Store(now.UnixNano())
		return a.grantAll(ctx)
	}
	ids, err := a.Approvals.AwaitingGrant(ctx, 100)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		r, err := a.Approvals.Get(ctx, id)
		switch {
		case errors.Is(err, approvals.ErrNotFound):
			errs = append(errs, a.Approvals.GrantSettled(ctx, id))
			continue
		case err != nil:
			errs = append(errs, err)
			continue
		}
		errs = append(errs, a.grantOne(ctx, r))
	}
	return errors.Join(errs...)
}

// grantAll reads every request for approved ones with no grant told.
func (a *Access) grantAll(ctx context.Context) error {
	reqs, err := a.Approvals.List(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range reqs {
		if awaitingGrant(r) {
			errs = append(errs, a.grantOne(ctx, r))
		}
	}
	return errors.Join(errs...)
}

// grantOne grants r if it awaits a grant, and takes it off the queue once
// the grant, or why there is none, is told.
func (a *Access) grantOne(ctx context.Context, r approvals.Request) error {
	if awaitingGrant(r) {
		if err := a.GrantRequest(ctx, r); err != nil {
			return err // the SaaS did not answer: it stays queued
		}
		// Told, unless another replica holds the grant's change: then it
		// stays queued until that one tells it.
		var err error
		if r, err = a.Approvals.Get(ctx, r.ID); err != nil || awaitingGrant(r) {
			return err
		}
	}
	return a.Approvals.GrantSettled(ctx, r.ID)
}

func told(r approvals.Request, es ...approvals.Event) bool {
	return slices.ContainsFunc(r.Told, func(t approvals.Event) bool { return slices.Contains(es, t) })
}

// GrantRequest grants approved request r and tells its thread and
// requester: granted until the end, or why not. A SaaS that is down
// leaves it for the next run.
func (a *Access) GrantRequest(ctx context.Context, r approvals.Request) error {
	d, err := time.ParseDuration(r.Answers[approvals.FieldDuration])
	if err != nil {
		return a.refuse(ctx, r, "the request's duration is unreadable: "+err.Error())
	}
	var roster *connector.Roster
	if snap, err := a.Snapshots.LoadSnapshot(ctx, connector.Zendesk); err == nil {
		roster = &snap.Roster
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	req, err := access.Resolve(roster, access.Ask{
		RequestID: r.ID, Email: r.Requester, RoleName: r.Answers[approvals.FieldRole], Duration: d,
		Reason: r.Answers[approvals.FieldWhy], Ticket: r.Answers[approvals.FieldTicket], ApprovedBy: approvals.MarkNames(r.Approvals),
	})
	if err != nil {
		return a.refuse(ctx, r, err.Error())
	}
	if r.AccessShadow != "" {
		// Retroactive: what the report found held is the grant; its end
		// puts back what the person held before.
		sh, err := a.Service.GetShadow(ctx, r.AccessShadow)
		switch {
		case errors.Is(err, access.ErrNotFound):
			return a.refuse(ctx, r, "the report it was opened from is gone, so the role to put back at the end is not known")
		case err != nil:
			return err
		case !sh.Revertible():
			return a.refuse(ctx, r, sh.Email+" was not an agent before, so there is no earlier role to put back at the end")
		}
		req.Retroactive, req.Earlier = true, sh.Earlier
	}
	g, err := a.Service.Grant(ctx, req)
	switch {
	case errors.Is(err, access.ErrOpen) && g.State == access.Active && g.UserID == req.UserID:
		// Asked again while holding it: approved, the request extends
		// the grant there is.
		ext, err := a.Service.Extend(ctx, g.ID, strings.Join(req.ApprovedBy, ", "), d, r.ID)
		if err != nil {
			return a.refuse(ctx, r, err.Error())
		}
		return a.tellRequest(ctx, r.ID, approvals.EventGranted, "system", ext.End.Format(time.RFC3339), "extended")
	case errors.Is(err, access.ErrOpen):
		return a.refuse(ctx, r, strings.TrimPrefix(err.Error(), access.ErrOpen.Error()+": "))
	case g.State == access.Active:
		return a.tellRequest(ctx, r.ID, approvals.EventGranted, "system", g.End.Format(time.RFC3339), "granted")
	case g.State == access.Failed:
		return a.tellRequest(ctx, r.ID, approvals.EventGrantRefused, "system", g.Note, "refused")
	case err != nil && g.ID == "":
		// Refused before anything was stored (a duration the policy no
		// longer allows): nothing will change on a retry.
		return a.refuse(ctx, r, err.Error())
	}
	return err // pending: the SaaS did not answer; the sweep retries it
}

func (a *Access) refuse(ctx context.Context, r approvals.Request, why string) error {
	return a.tellRequest(ctx, r.ID, approvals.EventGrantRefused, "system", why, "refused")
}

// tell tells the request behind grant g, if it has one (break-glass
// grants have none).
func (a *Access) tell(ctx context.Context, g access.Grant, e approvals.Event, by, text string) error {
	if g.RequestID == "" {
		return nil
	}
	return a.tellRequest(ctx, g.RequestID, e, by, text, "")
}

// tellRequest tells request id of e; outcome, when not empty, is
// counted by whichever replica tells it.
func (a *Access) tellRequest(ctx context.Context, id string, e approvals.Event, by, text, outcome string) error {
	_, told, err := a.Approvals.TellGrant(ctx, id, e, approvals.Mark{By: by, Text: text})
	if err != nil {
		return fmt.Errorf("access-expiry: tell %s of %s: %w", id, e, err)
	}
	if outcome != "" && told {
		a.observe(outcome, -1)
	}
	if a.Deliver == nil {
		return nil
	}
	if err := a.Deliver(ctx, id); err != nil && !errors.Is(err, ErrNoTransport) {
		return err
	}
	return nil
}

// WatchShadows compares the privileged people of the last sync with the
// sync before and tells the admin channel of each one who became
// privileged without a grant (Watch finds each once). It runs as part of
// the sync job, and reads the snapshot a chunk at a time, only when its
// revision moved since the last look.
func (a *Access) WatchShadows(ctx context.Context) error {
	var found []access.Shadow
	var err error
	for attempt := 1; ; attempt++ {
		var rev string
		rev, err = a.Snapshots.SnapshotRevision(ctx, connector.Zendesk)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found, err = a.Service.Watch(ctx, rev, func(member func(connector.Staff) error) error {
			_, err := a.Snapshots.ReadSnapshot(ctx, connector.Zendesk, member)
			return err
		})
		// A patch saved the snapshot while it was read: read the new one.
		if !errors.Is(err, store.ErrSnapshotReplaced) || attempt == watchAttempts {
			break
		}
	}
	errs := []error{err}
	for _, sh := range found {
		if a.Notifier == nil || a.AdminChannel == "" {
			a.log().Warn("access: privileged without a grant, and no admin channel to tell", slog.String("email", sh.Email), slog.String("role", sh.RoleName))
			continue
		}
		_, sendErr := a.Notifier.SendChannel(ctx, a.AdminChannel, a.view().Shadow(sh))
		errs = append(errs, sendErr)
	}
	return errors.Join(errs...)
}

// watchAttempts bounds how often WatchShadows reads the snapshot again
// after saves replaced it under the read.
const watchAttempts = 3

// AnnounceBreakGlass tells the admin channel and every approver of access
// requests that someone took a role by break-glass, once across replicas
// and retries.
func (a *Access) AnnounceBreakGlass(ctx context.Context, id string) error {
	g, err := a.Service.Get(ctx, id)
	if err != nil || !g.BreakGlass {
		return err
	}
	if a.Notifier == nil {
		a.log().Warn("access: break-glass taken and no chat transport to tell approvers", slog.String("grant", g.ID), slog.String("holder", g.Email))
		return nil
	}
	if a.Keys != nil {
		first, err := a.Keys.ClaimKey(ctx, "access:break-glass:"+g.ID, 30*24*time.Hour)
		if err != nil || !first {
			return err
		}
	}
	msg := a.view().BreakGlass(g)
	var errs []error
	if a.AdminChannel != "" {
		_, err := a.Notifier.SendChannel(ctx, a.AdminChannel, msg)
		errs = append(errs, err)
	}
	for _, who := range a.Approvals.Approvers(approvals.Access.Name) {
		if people.Same(who, g.Email) {
			continue
		}
		if _, err := a.Notifier.SendDirect(ctx, who, msg); err != nil && !errors.Is(err, bot.ErrUnreachable) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// escalate tells the admin channel and the admins that nobody reviewed a
// break-glass grant in time (Unreviewed returns each once).
func (a *Access) escalate(ctx context.Context, g access.Grant) error {
	if a.Notifier == nil {
		a.log().Warn("access: a break-glass grant went unreviewed", slog.String("grant", g.ID))
		return nil
	}
	msg := a.view().Unreviewed(g, access.ReviewWithin)
	var errs []error
	if a.AdminChannel != "" {
		_, err := a.Notifier.SendChannel(ctx, a.AdminChannel, msg)
		errs = append(errs, err)
	}
	for _, who := range a.Approvals.Policy.Admins {
		if _, err := a.Notifier.SendDirect(ctx, who, msg); err != nil && !errors.Is(err, bot.ErrUnreachable) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (a *Access) view() prompts.Grants {
	return prompts.Grants{Location: a.Approvals.Location(), Command: a.Command}
}

// Alert posts a grant that did not end to the admin channel, once for
// each way it did not: held for a person, or still failing.
func (a *Access) Alert(ctx context.Context, g access.Grant) error {
	what := "failing"
	if g.State == access.Held {
		what = "held"
	}
	if a.Notifier == nil || a.AdminChannel == "" {
		a.log().Warn("access-expiry: a grant needs an admin, and no admin channel is set", slog.String("grant", g.ID), slog.String("state", string(g.State)))
		return nil
	}
	if a.Keys != nil {
		first, err := a.Keys.ClaimKey(ctx, "access:alert:"+what+":"+g.ID, 30*24*time.Hour)
		if err != nil || !first {
			return err
		}
	}
	_, err := a.Notifier.SendChannel(ctx, a.AdminChannel, a.view().Alert(g))
	return err
}

// wake arms the next run for the next due grant within the next minute;
// later ones are the schedule's.
func (a *Access) wake(ctx context.Context) {
	if a.Wake == nil {
		return
	}
	at, ok, err := a.Service.NextDue(ctx)
	if err != nil || !ok {
		return
	}
	d := at.Sub(a.Service.Clock())
	switch {
	case d >= time.Minute:
		return // the schedule's next run comes first
	case d <= 0:
		// Due already, yet left after this run: its change is leased by
		// another replica, or failed and waits for its retry. Look again
		// in a second rather than spin.
		d = time.Second
	}
	a.Wake(d)
}
