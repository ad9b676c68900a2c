package jobs

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/store"
)

// NameIdentitySync reads the identity source.
const NameIdentitySync = "identity-sync"

// heldAlertEvery is how often a read that keeps being held is told again.
const heldAlertEvery = 24 * time.Hour

// Identity keeps the company directory: it reads the identity source,
// keeps what it can trust, and tells the admin channel, once a day, when
// a read was held back.
type Identity struct {
	Directory *directory.Service
	// Notifier and AdminChannel hear of held reads; nil or "" only logs.
	Notifier     bot.Notifier
	AdminChannel string
	Location     *time.Location
	// Keys make each alert go out once across replicas.
	Keys store.Idempotency
	// Approvals and Access, when set, say what else a newly departed
	// person holds (places in the approvals policy, approvals on open
	// requests, live grants); the admin channel hears it once.
	Approvals *approvals.Service
	Access    *access.Service
	Command   string
	// Raise, when set, puts the seats of people who left to their owners
	// at once (Reviews.RaiseLeavers), after every good read.
	Raise func(ctx context.Context, left func(email string) (reviews.Left, bool)) error
	// Observe, when set, counts each run's outcome ("ok", "held",
	// "failed"), the people kept and the requests made.
	Observe func(outcome string, people, requests int)
	Logger  *slog.Logger
}

func (i *Identity) log() *slog.Logger {
	if i.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return i.Logger
}

func (i *Identity) observe(outcome string, people, requests int) {
	if i.Observe != nil {
		i.Observe(outcome, people, requests)
	}
}

// Job is the identity-sync job.
func (i *Identity) Job() Definition {
	return Definition{
		Name:        NameIdentitySync,
		Description: "reads the identity source: who still works here, by every email, and who is whose manager",
		Run:         func(ctx context.Context, _ time.Time) error { return i.Run(ctx) },
	}
}

// Run reads the source once.
func (i *Identity) Run(ctx context.Context) error {
	source := i.Directory.Source.Name()
	res, err := i.Directory.Sync(ctx)
	var held *directory.HeldError
	switch {
	case errors.As(err, &held):
		i.observe("held", 0, res.Requests)
		i.log().ErrorContext(ctx, "identity-sync: read held back; the last good read still counts", slog.String("source", source), slog.String("why", held.Why))
		return errors.Join(err, i.alertHeld(ctx, source, held.Why))
	case err != nil:
		i.observe("failed", 0, res.Requests)
		return err
	}
	i.observe("ok", len(res.Snapshot.People), res.Requests)
	for email, ids := range res.Shared {
		i.log().WarnContext(ctx, "identity-sync: several people answer to one email; it finds nobody", slog.String("email", email), slog.Any("ids", ids))
	}
	i.log().InfoContext(ctx, "identity-sync: read", slog.String("source", source), slog.Bool("full", res.Full),
		slog.Int("people", len(res.Snapshot.People)), slog.Int("active", res.Snapshot.Active()),
		slog.Int("departed", len(res.Departed)), slog.Int("requests", res.Requests))
	errs := []error{i.reportLeavers(ctx, source, res.Snapshot)}
	if i.Raise != nil {
		errs = append(errs, i.Raise(ctx, leaversOf(res.Snapshot)))
	}
	return errors.Join(errs...)
}

// reportLeavers tells the admin channel, once per departure across
// replicas, what each person who left still holds besides seats, when
// they hold anything. Every run looks at everyone departed, not only who
// left since the last read, so a report a failed run did not send goes
// out with the next.
func (i *Identity) reportLeavers(ctx context.Context, source string, snap *directory.Snapshot) error {
	if i.Notifier == nil || i.AdminChannel == "" || (i.Approvals == nil && i.Access == nil) {
		return nil
	}
	var requests []approvals.Request
	var grants []access.Grant
	var err error
	if i.Approvals != nil {
		if requests, err = i.Approvals.List(ctx); err != nil {
			return err
		}
	}
	if i.Access != nil {
		if grants, err = i.Access.List(ctx); err != nil {
			return err
		}
	}
	left := snap.Leavers()
	var errs []error
	for _, p := range snap.People {
		if !p.Status.Departed() || !slices.ContainsFunc(p.Emails, func(e string) bool { return !left[e].IsZero() }) {
			continue // not departed, or their emails are someone active's now
		}
		h := i.holds(p, requests, grants)
		if len(h.Roles)+len(h.Approved)+len(h.Grants) == 0 {
			continue
		}
		h.Source = source
		_, err := sendOnce(ctx, i.Keys, "identity:leaver:"+source+":"+p.ID+":"+p.Changed.UTC().Format(time.RFC3339), 90*24*time.Hour, func() error {
			_, err := i.Notifier.SendChannel(ctx, i.AdminChannel, prompts.LeaverReport(h, i.Command, i.Location))
			return err
		})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// holds is what p holds besides seats: places in the approvals policy,
// approvals on requests still open, live grants.
func (i *Identity) holds(p directory.Person, requests []approvals.Request, grants []access.Grant) prompts.LeaverHolds {
	h := prompts.LeaverHolds{Person: p}
	mine := func(email string) bool {
		return slices.ContainsFunc(p.Emails, func(e string) bool { return people.Same(e, email) })
	}
	if i.Approvals != nil {
		pol := i.Approvals.Policy
		if slices.ContainsFunc(pol.Admins, mine) {
			h.Roles = append(h.Roles, "an admin of approvals")
		}
		if slices.ContainsFunc(pol.Approvers, mine) {
			h.Roles = append(h.Roles, "an approver of every request")
		}
		for _, name := range slices.Sorted(maps.Keys(pol.Kinds)) {
			if slices.ContainsFunc(pol.Kinds[name].Approvers, mine) {
				h.Roles = append(h.Roles, "an approver of "+strings.ToLower(approvals.KindOf(name).Noun)+" requests")
			}
		}
	}
	for _, r := range requests {
		if r.State == approvals.Pending && slices.ContainsFunc(p.Emails, r.ApprovedBy) {
			h.Approved = append(h.Approved, r.ID)
		}
	}
	for _, g := range grants {
		if g.State.Live() && mine(g.Email) {
			h.Grants = append(h.Grants, g.ID)
		}
	}
	return h
}

// leaversOf answers, for an email, whether the directory says its person
// left, and how: every email they answered to finds them.
func leaversOf(snap *directory.Snapshot) func(email string) (reviews.Left, bool) {
	ix := snap.Index()
	return func(email string) (reviews.Left, bool) {
		p, ok := ix.Find(email)
		if !ok || !p.Status.Departed() {
			return reviews.Left{}, false
		}
		return reviews.Left{Source: snap.Source, Status: string(p.Status), At: p.Changed}, true
	}
}

// alertHeld tells the admin channel of a held read, once a day across
// replicas.
func (i *Identity) alertHeld(ctx context.Context, source, why string) error {
	if i.Notifier == nil || i.AdminChannel == "" {
		return nil
	}
	if i.Keys != nil {
		now := time.Now()
		if i.Directory.Now != nil {
			now = i.Directory.Now()
		}
		day := now.UTC().Format(time.DateOnly)
		first, err := i.Keys.ClaimKey(ctx, "identity:held:"+source+":"+day, heldAlertEvery+time.Hour)
		if err != nil || !first {
			return err
		}
	}
	var last time.Time
	if snap, err := i.Directory.Load(ctx); err == nil {
		last = snap.ReadAt
	}
	_, err := i.Notifier.SendChannel(ctx, i.AdminChannel, prompts.DirectoryHeld(source, why, last, i.Location))
	return err
}
