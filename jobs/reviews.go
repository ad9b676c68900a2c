package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// Reviews sends the seat review: the `inactive-digest` job opens the
// period's review and sends each owner one digest; the `reminders` job
// sends what is still unsent (seats handed on, owners a send failed for),
// reminds, escalates, applies on_silence, finishes Zendesk changes left
// pending and tells admins about those that failed.
//
// The reviews of the other governed SaaS (Also) share its messages: an
// owner gets one digest, reminder or escalation a period with the seats
// of every SaaS they answer for. Each SaaS keeps its own review records,
// rules and owners; a digest's delivery is recorded in each SaaS it holds
// seats of, under each one's lease, so two replicas never both send it.
type Reviews struct {
	Service   *reviews.Service
	Snapshots store.Snapshots
	Rules     seats.Policy
	// Judged, when set, is the SaaS's seats judged at now by Rules as the
	// replica already holds them (the seat commands' view,
	// commands.Router.JudgedSeats), so opening a review does not judge
	// the snapshot again; ok false, or nil, judges the snapshot.
	Judged func(ctx context.Context, connector string, now time.Time) (report seats.Report, ok bool, err error)
	// Owners says who answers for each seat.
	Owners seats.Owners
	// Notifier sends the messages; nil means no chat transport is set up.
	Notifier bot.Notifier
	// AdminChannel receives escalations and failed changes.
	AdminChannel  string
	RemindAfter   time.Duration // default 72h
	EscalateAfter time.Duration // default 168h
	Command       string
	// Workers bounds the owners sent to at once (default 8); the
	// transport paces each conversation.
	Workers int
	Logger  *slog.Logger

	// OnLeavers, when set, is done at once to the paid seats of people
	// who left, instead of asking their owners: LeaversRemove removes
	// them as Remove does, LeaversSuspend suspends them (a SaaS that
	// cannot suspend removes). The owner and the admin channel are told,
	// once (Keys).
	OnLeavers string
	Keys      store.Idempotency

	// Also are the other governed SaaS's reviews, whose seats join this
	// review's messages; their own Notifier and timings are not used.
	Also []*Reviews

	// Standing makes this the privilege review (Service.Privilege): it
	// names, by user id, the people who hold a privileged role with
	// nothing allowing it, whom the review asks about.
	Standing func(ctx context.Context) (map[int64]bool, error)
}

// NamePrivilegeReview is the privilege review's contract name.
const NamePrivilegeReview = "privilege-review"

// cadence is how often the review opens.
func (r *Reviews) cadence() reviews.Cadence { return r.Service.Cadence() }

// noun is the review's name in logs.
func (r *Reviews) noun() string {
	if r.Service.Privilege {
		return "privilege review"
	}
	return "seat review"
}

// parts are the reviews whose seats share this review's messages: this
// one first, then Also.
func (r *Reviews) parts() []*Reviews { return append([]*Reviews{r}, r.Also...) }

// saas names the SaaS of a review.
func (r *Reviews) saas() string { return connector.OrZendesk(r.Service.Connector) }

// partsOf are the reviews items belong to, each once, in parts order.
func (r *Reviews) partsOf(items []reviews.Item) []*Reviews {
	var out []*Reviews
	for _, p := range r.parts() {
		if slices.ContainsFunc(items, func(it reviews.Item) bool { return it.Seat.SaaS() == p.saas() }) {
			out = append(out, p)
		}
	}
	return out
}

// of is the items of p's SaaS among items.
func (p *Reviews) of(items []reviews.Item) []reviews.Item {
	var out []reviews.Item
	for _, it := range items {
		if it.Seat.SaaS() == p.saas() {
			out = append(out, it)
		}
	}
	return out
}

// items are the period's items of every part.
func (r *Reviews) items(ctx context.Context, period string) ([]reviews.Item, error) {
	var all []reviews.Item
	for _, p := range r.parts() {
		items, err := p.Service.Items(ctx, period)
		if err != nil {
			return nil, p.wrap(err)
		}
		all = append(all, items...)
	}
	return all, nil
}

// wrap names a review's SaaS in its error when it is not Zendesk's.
func (r *Reviews) wrap(err error) error { return inSaaS(r.saas(), err) }

// inSaaS names the SaaS an error came from, unless it is Zendesk's: the
// one every job served before other SaaS, whose errors read as they did.
func inSaaS(saas string, err error) error {
	if err == nil || saas == "" || saas == connector.Zendesk {
		return err
	}
	return fmt.Errorf("%s: %w", connector.Title(saas), err)
}

// ErrNoTransport: the review opened but nothing can be sent.
var ErrNoTransport = errors.New("no chat transport is configured (set SLACK_BOT_TOKEN), so no digest was sent; the review is open and `review` shows it")

// DigestJob is the `inactive-digest` job, or the privilege review's
// `privilege-review`.
func (r *Reviews) DigestJob() Definition {
	if r.Service.Privilege {
		return Definition{
			Name:        NamePrivilegeReview,
			Description: "opens this quarter's privilege review and asks each owner about the people holding a privileged role standing: keep, make just-in-time, or remove",
			Run:         r.digest,
		}
	}
	return Definition{
		Name:        NameInactiveDigest,
		Description: "opens this period's seat review and sends each owner one digest of their inactive paid seats",
		Run:         r.digest,
	}
}

// RemindersJob is the `reminders` job.
func (r *Reviews) RemindersJob() Definition {
	return Definition{
		Name:        NameReminders,
		Description: "sends unsent digests, reminds silent owners, escalates to the admin channel, finishes pending Zendesk changes",
		Run:         r.reminders,
	}
}

func (r *Reviews) digest(ctx context.Context, now time.Time) error {
	period := r.cadence().PeriodOf(now, r.Rules.Location)
	// One SaaS not synced yet must not hold up the others' digests.
	var (
		errs   []error
		all    []reviews.Item
		opened int
	)
	for _, p := range r.parts() {
		items, err := p.open(ctx, period, now)
		if err != nil {
			errs = append(errs, p.wrap(err))
			continue
		}
		all = append(all, items...)
		opened++
	}
	if opened == 0 {
		return errors.Join(errs...)
	}
	if r.Notifier == nil {
		return errors.Join(append(errs, ErrNoTransport)...)
	}
	return errors.Join(append(errs, r.send(ctx, period, all, now))...)
}

// open opens the period's review of this SaaS's inactive seats and
// returns every item of the period.
func (r *Reviews) open(ctx context.Context, period string, now time.Time) ([]reviews.Item, error) {
	report, err := r.judge(ctx, now)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errors.New("no seat snapshot yet: run `seatwarden run-job sync` first")
	}
	if err != nil {
		return nil, err
	}
	var items []reviews.Item
	if r.Service.Privilege {
		standing, serr := r.Standing(ctx)
		if serr != nil {
			return nil, serr
		}
		items, err = r.Service.OpenStandingAndList(ctx, period, report, standing, r.privilegeOwner)
	} else {
		items, err = r.Service.OpenAndList(ctx, period, report, r.Owners.Of)
	}
	if err != nil {
		return nil, err
	}
	open := 0
	for _, it := range items {
		if it.State == reviews.Open {
			open++
		}
	}
	r.log().InfoContext(ctx, r.noun()+" open", slog.String("saas", r.saas()), slog.String("period", period), slog.Int("open_seats", open))
	return items, nil
}

// judge is the SaaS's seats judged at now: as the replica holds them
// (Judged), else read and judged from the snapshot.
func (r *Reviews) judge(ctx context.Context, now time.Time) (seats.Report, error) {
	if r.Judged != nil {
		if report, ok, err := r.Judged(ctx, r.Service.Connector, now); ok {
			return report, err
		}
	}
	report, _, err := seats.Judge(ctx, r.Snapshots, r.Service.Connector, r.Rules, now)
	return report, err
}

// privilegeOwner answers for a person's standing privilege: their seat's
// owner, or when that is the person themself the default owner, or when
// that is them too nobody (the review logs it; admins see it in `review
// privilege`).
func (r *Reviews) privilegeOwner(st seats.Seat) string {
	for _, owner := range []string{r.Owners.Of(st), r.Owners.Default()} {
		if owner != "" && !people.Same(owner, st.User.Email) {
			return owner
		}
	}
	return ""
}

func (r *Reviews) reminders(ctx context.Context, now time.Time) error {
	var errs []error
	for _, period := range r.cadence().LivePeriods(now, r.Rules.Location) {
		opened := false
		for _, p := range r.parts() {
			_, ok, err := p.Service.Opened(ctx, period)
			errs = append(errs, p.wrap(err))
			opened = opened || ok
		}
		if opened {
			errs = append(errs, r.remindPeriod(ctx, period, now))
		}
	}
	// The period before the live ones has just passed its deadline.
	past := r.cadence().Lapsed(now, r.Rules.Location)
	for _, p := range r.parts() {
		if lapsed, err := p.Service.Lapse(ctx, past); err != nil {
			errs = append(errs, p.wrap(err))
		} else if len(lapsed) > 0 {
			r.log().InfoContext(ctx, "unanswered seats downgraded", slog.String("saas", p.saas()), slog.String("period", past), slog.Int("seats", len(lapsed)))
			// Lapse carried the downgrades out; what failed is reported.
			errs = append(errs, r.finishChanges(ctx, p, past, lapsed))
		}
	}
	return errors.Join(errs...)
}

// remindPeriod reads the period once and does everything the hourly run
// owes it from that one read.
func (r *Reviews) remindPeriod(ctx context.Context, period string, now time.Time) error {
	var all []reviews.Item
	for _, p := range r.parts() {
		items, err := p.Service.Items(ctx, period)
		if err == nil {
			// finishChanges updates the items it carries out in place.
			err = r.finishChanges(ctx, p, period, items)
		}
		if err != nil {
			return p.wrap(err)
		}
		all = append(all, items...)
	}
	if r.Notifier == nil {
		return ErrNoTransport
	}
	// One owner's failed send must not hold up everyone's reminders.
	errs := []error{r.send(ctx, period, all, now)}
	byOwner := groupByOwner(all)
	deliveries, err := r.deliveries(ctx, period)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for owner, d := range deliveries {
		items := byOwner[owner]
		if (d.SentAt.IsZero() && d.Unreachable == "") || !slices.ContainsFunc(items, isOpen) {
			continue
		}
		switch {
		case d.SentAt.IsZero() && d.EscalatedAt.IsZero():
			// Nobody can reach the owner in chat: the admins decide now
			// rather than after a week of silence nobody could break.
			errs = append(errs, r.escalate(ctx, period, owner, items, now))
		case d.SentAt.IsZero():
		case !now.Before(d.SentAt.Add(r.escalateAfter())) && d.EscalatedAt.IsZero():
			errs = append(errs, r.escalate(ctx, period, owner, items, now))
		case !now.Before(d.SentAt.Add(r.remindAfter())) && d.RemindedAt.IsZero() && d.EscalatedAt.IsZero():
			errs = append(errs, r.remind(ctx, period, owner, items, now))
		}
	}
	return errors.Join(errs...)
}

func isOpen(it reviews.Item) bool { return it.State == reviews.Open }

// deliveriesBySaaS reads each SaaS's deliveries of the period, by owner.
func (r *Reviews) deliveriesBySaaS(ctx context.Context, period string) (map[string]map[string]reviews.Delivery, error) {
	out := make(map[string]map[string]reviews.Delivery, len(r.Also)+1)
	for _, p := range r.parts() {
		ds, err := p.Service.Deliveries(ctx, period)
		if err != nil {
			return nil, p.wrap(err)
		}
		out[p.saas()] = ds
	}
	return out, nil
}

// deliveries are the period's deliveries by owner, each merged across
// the SaaS the owner was sent seats of: sent when the first was, reminded
// or escalated when any was (one message does it for all).
func (r *Reviews) deliveries(ctx context.Context, period string) (map[string]reviews.Delivery, error) {
	bySaaS, err := r.deliveriesBySaaS(ctx, period)
	if err != nil {
		return nil, err
	}
	out := map[string]reviews.Delivery{}
	for _, p := range r.parts() {
		for owner, d := range bySaaS[p.saas()] {
			if cur, ok := out[owner]; ok {
				d = mergeDelivery(cur, d)
			}
			out[owner] = d
		}
	}
	return out, nil
}

// mergeDelivery is two SaaS's deliveries of one owner as one.
func mergeDelivery(a, b reviews.Delivery) reviews.Delivery {
	first := func(x, y time.Time) time.Time {
		if x.IsZero() || (!y.IsZero() && y.Before(x)) {
			return y
		}
		return x
	}
	a.SentAt = first(a.SentAt, b.SentAt)
	a.RemindedAt = first(a.RemindedAt, b.RemindedAt)
	a.EscalatedAt = first(a.EscalatedAt, b.EscalatedAt)
	a.WarnedAt = first(a.WarnedAt, b.WarnedAt)
	a.Unreachable = cmp.Or(a.Unreachable, b.Unreachable)
	return a
}

// send delivers every open seat not yet sent to its owner: the period's
// digests on the first run, later only seats handed on or owners a send
// failed for. Each owner is claimed first, so two runs never both send.
func (r *Reviews) send(ctx context.Context, period string, all []reviews.Item, now time.Time) error {
	byOwner := groupByOwner(all)
	bySaaS, err := r.deliveriesBySaaS(ctx, period)
	if err != nil {
		return err
	}
	sent := func(owner string, it reviews.Item) bool {
		return bySaaS[it.Seat.SaaS()][owner].Sent(it.Seat.UserID)
	}
	var owners []string
	for owner, items := range byOwner {
		if owner != "" && slices.ContainsFunc(items, func(it reviews.Item) bool { return isOpen(it) && !sent(owner, it) }) {
			owners = append(owners, owner)
		}
	}
	if n := len(byOwner[""]); n > 0 {
		r.log().WarnContext(ctx, "seats with no owner are not sent to anyone: name a default owner in the policy's owners list", slog.Int("seats", n))
	}
	slices.Sort(owners)
	digests := prompts.DigestsByOwner(all)
	if err := bot.PrepareDirect(ctx, r.Notifier, owners); err != nil {
		r.log().WarnContext(ctx, "the owners were not looked up at once; each digest looks its owner up", slog.Any("error", err))
	}

	var (
		mu                  sync.Mutex
		sentTo, unreachable int
		errs                []error
	)
	forEach(ctx, r.Workers, owners, func(owner string) {
		ok, err := r.sendOwner(ctx, period, owner, digests[owner], now)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case errors.Is(err, bot.ErrUnreachable):
			unreachable++
		case err != nil:
			errs = append(errs, err)
		case ok:
			sentTo++
		}
	})
	if len(owners) > 0 {
		r.log().InfoContext(ctx, r.noun()+" digests sent", slog.String("period", period), slog.Int("owners", sentTo),
			slog.Int("unreachable", unreachable), slog.Int("failed", len(errs)))
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d digests not sent (the next reminders run tries again): %w", len(errs), len(owners), errors.Join(errs...))
	}
	return nil
}

// sendOwner sends one owner their digest of items (read just before, in
// digest order); ok is false when another run had it or had sent it
// meanwhile.
func (r *Reviews) sendOwner(ctx context.Context, period, owner string, items []reviews.Item, now time.Time) (bool, error) {
	held, err := r.claim(ctx, period, owner, items)
	if errors.Is(err, reviews.ErrBusy) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var unsent []int64
	handed, leavers := true, true
	for _, h := range held {
		for _, it := range h.part.of(items) {
			if isOpen(it) && it.Owner == owner && !h.delivery.Sent(it.Seat.UserID) {
				unsent = append(unsent, it.Seat.UserID)
				handed = handed && it.HandedFrom != ""
				leavers = leavers && it.Left != nil
			}
		}
	}
	if len(unsent) == 0 {
		return false, r.release(ctx, period, owner, held, nil)
	}
	occ := prompts.Digest
	switch {
	case handed:
		occ = prompts.Handed
	case leavers:
		occ = prompts.Leavers
	}
	// Digests already sent this period number the key, so a later one
	// (seats handed on) is told from the first.
	sends := 0
	for _, h := range held {
		sends += len(h.delivery.Refs)
	}
	send := r.sender(ctx, held, fmt.Sprintf("review/%s/%s/digest-%d", period, owner, sends))
	refs, err := send(bot.Place{Direct: owner}, r.view(period, now).Digest(occ, owner, items, 1))
	if err != nil && len(refs) == 0 {
		rerr := r.release(ctx, period, owner, held, func(d *reviews.Delivery) {
			d.SendFailed(err, errors.Is(err, bot.ErrUnreachable), now)
		})
		if errors.Is(err, bot.ErrUnreachable) {
			r.log().WarnContext(ctx, "seat owner not reachable in chat; their seats wait for the escalation", slog.String("owner", owner), slog.Any("error", err))
		}
		return false, errors.Join(fmt.Errorf("digest to %s: %w", owner, err), rerr)
	}
	// Part of a message posted is a message delivered: sending it again
	// would repeat what the owner already has.
	var derrs []error
	for _, h := range held {
		if _, derr := h.part.Service.Delivered(ctx, period, owner, idsOf(h.part.of(items)), toReviewRefs(refs)); derr != nil {
			derrs = append(derrs, h.part.wrap(derr))
		}
	}
	return true, errors.Join(derrs...)
}

// hold is one SaaS's delivery of an owner's digest, claimed.
type hold struct {
	part     *Reviews
	delivery reviews.Delivery
}

// claim takes the lease on owner's delivery in every SaaS items are of.
// When another replica holds any, those taken are given back and
// reviews.ErrBusy returned: one replica sends the whole digest.
func (r *Reviews) claim(ctx context.Context, period, owner string, items []reviews.Item) ([]hold, error) {
	var held []hold
	for _, p := range r.partsOf(items) {
		d, err := p.Service.Claim(ctx, period, owner)
		if err != nil {
			return nil, errors.Join(p.wrap(err), r.release(ctx, period, owner, held, nil))
		}
		held = append(held, hold{part: p, delivery: d})
	}
	return held, nil
}

// release gives back the leases of held, recording change in each.
func (r *Reviews) release(ctx context.Context, period, owner string, held []hold, change func(*reviews.Delivery)) error {
	var errs []error
	for _, h := range held {
		if _, err := h.part.Service.Release(ctx, period, owner, change); err != nil {
			errs = append(errs, h.part.wrap(err))
		}
	}
	return errors.Join(errs...)
}

func (r *Reviews) remind(ctx context.Context, period, owner string, items []reviews.Item, now time.Time) error {
	return r.once(ctx, period, owner, items, "reminder", func(d *reviews.Delivery) bool { return d.RemindedAt.IsZero() }, func(send sender) (func(*reviews.Delivery), error) {
		refs, err := send(bot.Place{Direct: owner}, r.view(period, now).Digest(prompts.Reminder, owner, openFirst(items), 1))
		if err != nil && len(refs) == 0 {
			return nil, fmt.Errorf("reminder to %s: %w", owner, err)
		}
		return func(d *reviews.Delivery) { d.RemindedAt, d.Refs = now, append(d.Refs, toReviewRefs(refs)...) }, nil
	})
}

// escalate puts an owner's silence to the admins, or, when the policy
// downgrades silent seats, warns the owner a last time.
func (r *Reviews) escalate(ctx context.Context, period, owner string, items []reviews.Item, now time.Time) error {
	if r.Service.Policy.DowngradeOnSilence {
		return r.once(ctx, period, owner, items, "warning", func(d *reviews.Delivery) bool { return d.EscalatedAt.IsZero() }, func(send sender) (func(*reviews.Delivery), error) {
			refs, err := send(bot.Place{Direct: owner}, r.view(period, now).Digest(prompts.Warning, owner, openFirst(items), 1))
			if err != nil && len(refs) == 0 {
				return nil, fmt.Errorf("last warning to %s: %w", owner, err)
			}
			return func(d *reviews.Delivery) {
				d.EscalatedAt, d.WarnedAt, d.Refs = now, now, append(d.Refs, toReviewRefs(refs)...)
			}, nil
		})
	}
	if r.AdminChannel == "" {
		r.log().WarnContext(ctx, "an owner did not answer but admin_channel is not set, so nobody was told", slog.String("owner", owner))
		return nil
	}
	return r.once(ctx, period, owner, items, "escalation", func(d *reviews.Delivery) bool { return d.EscalatedAt.IsZero() }, func(send sender) (func(*reviews.Delivery), error) {
		refs, err := send(bot.Place{Channel: r.AdminChannel}, r.view(period, now).Digest(prompts.Escalation, owner, openFirst(items), 1))
		if err != nil && len(refs) == 0 {
			return nil, fmt.Errorf("escalation of %s: %w", owner, err)
		}
		return func(d *reviews.Delivery) {
			d.EscalatedAt, d.EscalationRefs = now, append(d.EscalationRefs, toReviewRefs(refs)...)
		}, nil
	})
}

// once sends under the owner's leases, in every SaaS items are of, when
// due still holds, and records what the send returns in each. kind names
// the message in its key (once per period).
func (r *Reviews) once(ctx context.Context, period, owner string, items []reviews.Item, kind string, due func(*reviews.Delivery) bool, send func(sender) (func(*reviews.Delivery), error)) error {
	held, err := r.claim(ctx, period, owner, items)
	if errors.Is(err, reviews.ErrBusy) {
		return nil
	}
	if err != nil {
		return err
	}
	var merged reviews.Delivery // what due reads: when sent, reminded, escalated
	for _, h := range held {
		merged = mergeDelivery(merged, h.delivery)
	}
	if len(held) == 0 || !due(&merged) {
		return r.release(ctx, period, owner, held, nil)
	}
	sendAt := r.now()
	record, err := send(r.sender(ctx, held, "review/"+period+"/"+owner+"/"+kind))
	change := func(d *reviews.Delivery) {
		if err != nil {
			d.SendFailed(err, errors.Is(err, bot.ErrUnreachable), sendAt)
			return
		}
		if record != nil {
			record(d)
		}
		d.Unsure = time.Time{}
	}
	return errors.Join(err, r.release(ctx, period, owner, held, change))
}

// sender sends one message of an owner's delivery.
type sender func(place bot.Place, msg bot.Message) ([]bot.MessageRef, error)

// sender sends under key. When an earlier send's outcome is not known
// (its replica died holding the lease, or no answer came), it first
// looks for what that send posted, and returns it instead of posting it
// again.
func (r *Reviews) sender(ctx context.Context, held []hold, key string) sender {
	var since time.Time
	for _, h := range held {
		if t := h.delivery.Unsure; !t.IsZero() && (since.IsZero() || t.Before(since)) {
			since = t
		}
	}
	return func(place bot.Place, msg bot.Message) ([]bot.MessageRef, error) {
		msg.Key = key
		if !since.IsZero() {
			refs, err := bot.FindPosted(ctx, r.Notifier, place, key, since)
			if err != nil {
				return nil, fmt.Errorf("looking for what an interrupted send posted: %w", err)
			}
			if len(refs) > 0 {
				r.log().InfoContext(ctx, "found what an interrupted send posted; not sent again", slog.String("key", key))
				return refs, nil
			}
		}
		if place.Channel != "" {
			return r.Notifier.SendChannel(ctx, place.Channel, msg)
		}
		return r.Notifier.SendDirect(ctx, place.Direct, msg)
	}
}

// finishChanges carries out the changes of p's items left pending (a
// crash, an outage), updating items in place, and tells the admin channel
// about those that failed for good.
func (r *Reviews) finishChanges(ctx context.Context, p *Reviews, period string, items []reviews.Item) error {
	done, _, err := p.Service.ResumeItems(ctx, items)
	if err != nil {
		return err
	}
	if done > 0 {
		r.log().InfoContext(ctx, "pending seat changes carried out", slog.String("saas", p.saas()), slog.String("period", period), slog.Int("changes", done))
	}
	var failed []reviews.Item
	for _, it := range items {
		if it.Unreported() {
			failed = append(failed, it)
		}
	}
	if len(failed) == 0 || r.Notifier == nil || r.AdminChannel == "" {
		return nil
	}
	if _, err := r.Notifier.SendChannel(ctx, r.AdminChannel, p.view(period, r.now()).FailedChanges(failed)); err != nil {
		return fmt.Errorf("failed changes not reported: %w", err)
	}
	for _, it := range failed {
		if err := p.Service.MarkReported(ctx, period, it.Seat.UserID); err != nil {
			return err
		}
	}
	return nil
}

// Changed follows a decision: it redraws the owners' posted digests
// (except the clicked message, which the reply redraws) and sends seats
// handed to a new owner at once rather than at the next reminders run.
func (r *Reviews) Changed(ctx context.Context, period string, except bot.MessageRef, owners ...string) {
	if r.Notifier == nil {
		return
	}
	for _, owner := range owners {
		items, err := r.ownerItems(ctx, period, owner)
		if err != nil {
			r.log().WarnContext(ctx, "digest not redrawn after a decision", slog.String("owner", owner), slog.Any("error", err))
			continue
		}
		r.refresh(ctx, period, owner, items, except)
		if _, err := r.sendOwner(ctx, period, owner, items, r.now()); err != nil {
			r.log().WarnContext(ctx, "seats handed on not sent yet; the reminders job tries again", slog.String("owner", owner), slog.Any("error", err))
		}
	}
}

// ownerItems is owner's digest in every SaaS, read without the rest of
// the period.
func (r *Reviews) ownerItems(ctx context.Context, period, owner string) ([]reviews.Item, error) {
	var all []reviews.Item
	for _, p := range r.parts() {
		items, err := p.Service.OwnerItems(ctx, period, owner)
		if err != nil {
			return nil, p.wrap(err)
		}
		all = append(all, items...)
	}
	return prompts.OwnerItems(all, owner), nil
}

// refresh redraws every posted copy of an owner's digest (their digest,
// reminders and any escalation) with items, so each shows the decision.
// Failures are logged: the decision stands either way.
func (r *Reviews) refresh(ctx context.Context, period, owner string, items []reviews.Item, except bot.MessageRef) {
	// A digest spanning SaaS is recorded in each: redraw each copy once.
	var refs, escalations []reviews.Ref
	for _, p := range r.parts() {
		d, err := p.Service.Delivery(ctx, period, owner)
		if err != nil {
			r.log().WarnContext(ctx, "digest not redrawn", slog.Any("error", p.wrap(err)))
			return
		}
		refs, escalations = append(refs, d.Refs...), append(escalations, d.EscalationRefs...)
	}
	v := r.view(period, r.now())
	redrawn := map[bot.MessageRef]bool{except: true}
	update := func(refs []reviews.Ref, occ prompts.Occasion) {
		for _, ref := range refs {
			mr := bot.MessageRef{Platform: bot.Platform(ref.Platform), ConversationID: ref.Conversation, MessageID: ref.Message}
			if redrawn[mr] {
				continue
			}
			redrawn[mr] = true
			if err := r.Notifier.Update(ctx, mr, v.Digest(occ, owner, items, 1)); err != nil {
				r.log().WarnContext(ctx, "digest copy not updated", slog.String("owner", owner), slog.Any("error", err))
			}
		}
	}
	update(refs, prompts.Digest)
	update(escalations, prompts.Escalation)
}

// groupByOwner splits items by the owner asked about them, each in digest
// order.
func groupByOwner(items []reviews.Item) map[string][]reviews.Item {
	out := make(map[string][]reviews.Item)
	for _, it := range items {
		out[it.Owner] = append(out[it.Owner], it)
	}
	for _, list := range out {
		prompts.Sort(list)
	}
	return out
}

// openFirst is items with the waiting seats first, for reminders, so the
// first page is what still needs an answer.
func openFirst(items []reviews.Item) []reviews.Item {
	out := slices.Clone(items)
	slices.SortStableFunc(out, func(a, b reviews.Item) int {
		switch ao, bo := isOpen(a), isOpen(b); {
		case ao == bo:
			return 0
		case ao:
			return -1
		}
		return 1
	})
	return out
}

func (r *Reviews) view(period string, now time.Time) prompts.Review {
	return prompts.Review{
		Period: period, Location: r.Rules.Location, Currency: r.Rules.Pricing.Currency, Command: r.Command,
		Now: now, Deadline: reviews.Deadline(period, r.Rules.Location), SaaS: connector.OrZendesk(r.Service.Connector),
		Privilege: r.Service.Privilege,
	}
}

func idsOf(items []reviews.Item) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.Seat.UserID
	}
	return out
}

func toReviewRefs(refs []bot.MessageRef) []reviews.Ref {
	out := make([]reviews.Ref, len(refs))
	for i, ref := range refs {
		out[i] = reviews.Ref{Platform: string(ref.Platform), Conversation: ref.ConversationID, Message: ref.MessageID}
	}
	return out
}

func (r *Reviews) now() time.Time {
	if r.Service.Now != nil {
		return r.Service.Now()
	}
	return time.Now()
}

func (r *Reviews) remindAfter() time.Duration   { return orDefault(r.RemindAfter, 72*time.Hour) }
func (r *Reviews) escalateAfter() time.Duration { return orDefault(r.EscalateAfter, 168*time.Hour) }

func (r *Reviews) log() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// DigestPreview is the digest one owner would get, drawn, not sent.
type DigestPreview struct {
	Owner   string
	Message bot.Message
}

// Preview draws the digests the job would send now, from each SaaS's
// snapshot and rules, opening no review and sending nothing: one per
// owner with open seats, as send picks them. missing names the SaaS
// with no snapshot yet, whose seats are left out.
func (r *Reviews) Preview(ctx context.Context, now time.Time) (period string, out []DigestPreview, missing []string, err error) {
	period = r.cadence().PeriodOf(now, r.Rules.Location)
	var all []reviews.Item
	for _, p := range r.parts() {
		report, err := p.judge(ctx, now)
		if errors.Is(err, store.ErrNotFound) {
			missing = append(missing, p.saas())
			continue
		}
		if err != nil {
			return period, nil, nil, p.wrap(err)
		}
		items, err := p.Service.Preview(ctx, period, report, p.Owners.Of)
		if err != nil {
			return period, nil, nil, p.wrap(err)
		}
		all = append(all, items...)
	}
	view := r.view(period, now)
	digests := prompts.DigestsByOwner(all)
	for owner, items := range groupByOwner(all) {
		if owner != "" && slices.ContainsFunc(items, isOpen) {
			out = append(out, DigestPreview{Owner: owner, Message: view.Digest(prompts.Digest, owner, digests[owner], 1)})
		}
	}
	slices.SortFunc(out, func(a, b DigestPreview) int { return strings.Compare(a.Owner, b.Owner) })
	return period, out, missing, nil
}

// RaiseLeavers puts the paid seats of people who left, as left names
// them by email, to their owners at once in this period's review of every
// SaaS, and sends each owner what they have not been sent yet: the same
// items, buttons and exactly-once changes as the weekly digest. Seats of
// a SaaS not synced yet wait for its first sync.
func (r *Reviews) RaiseLeavers(ctx context.Context, left func(email string) (reviews.Left, bool)) error {
	now := r.now()
	period := r.cadence().PeriodOf(now, r.Rules.Location)
	raised := 0
	for _, p := range r.parts() {
		report, err := p.judge(ctx, now)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return p.wrap(err)
		}
		byID := map[int64]reviews.Left{}
		for _, st := range report.Paid {
			if l, ok := left(st.User.Email); ok && st.User.Email != "" {
				byID[st.User.ID] = l
			}
		}
		items, err := p.Service.OpenLeavers(ctx, period, report, byID, p.Owners.Of)
		if err != nil {
			return p.wrap(err)
		}
		if r.OnLeavers != "" {
			if err := r.actOnLeavers(ctx, p, period, items, now); err != nil {
				return err
			}
			continue
		}
		raised += len(items)
	}
	if raised == 0 {
		return nil
	}
	if r.Notifier == nil {
		return errors.New("seats of people who left are open in the review, but no chat transport is configured to ask their owners")
	}
	all, err := r.items(ctx, period)
	if err != nil {
		return err
	}
	return r.send(ctx, period, all, now)
}

// What OnLeavers does.
const (
	LeaversRemove  = "remove"
	LeaversSuspend = "suspend"
)

// actOnLeavers removes or suspends the leavers' seats of part p at once,
// as the policy says, and tells each seat's owner and the admin channel,
// once across replicas. A seat someone decided meanwhile is left as they
// decided.
func (r *Reviews) actOnLeavers(ctx context.Context, p *Reviews, period string, items []reviews.Item, now time.Time) error {
	var kind reviews.ChangeKind // Remove's own change
	if r.OnLeavers == LeaversSuspend && p.saas() == connector.Zendesk {
		kind = reviews.ChangeSuspend // only Zendesk suspends
	}
	var errs []error
	for _, it := range items {
		_, err := p.Service.Decide(ctx, reviews.Input{Period: period, UserID: it.Seat.UserID, Decision: reviews.Remove,
			Actor: reviews.System, RemoveAs: kind})
		if err != nil && !errors.As(err, new(*reviews.DecidedError)) {
			// A change the SaaS did not take yet is recorded and retried
			// by the reminders job; anything else is this run's failure.
			if got, gerr := p.Service.Item(ctx, period, it.Seat.UserID); gerr != nil || got.State == reviews.Open {
				errs = append(errs, p.wrap(err))
			}
		}
	}
	// Every seat the bot removed for a leaver this period is told, once:
	// a run that died between the change and the notice leaves it to the
	// next.
	all, err := p.Service.Items(ctx, period)
	if err != nil {
		return errors.Join(append(errs, p.wrap(err))...)
	}
	for _, it := range all {
		if it.Left == nil || it.DecidedBy != reviews.System.Email || it.State != reviews.Removed {
			continue
		}
		errs = append(errs, r.tellLeaverActed(ctx, p, period, it, now))
	}
	return errors.Join(errs...)
}

// tellLeaverActed tells the seat's owner and the admin channel that a
// leaver's seat was removed or suspended, once across replicas.
func (r *Reviews) tellLeaverActed(ctx context.Context, p *Reviews, period string, it reviews.Item, now time.Time) error {
	if r.Notifier == nil {
		r.log().WarnContext(ctx, "a leaver's seat was changed but no chat transport is set up to tell anyone", slog.String("seat", it.Seat.Email))
		return nil
	}
	// One key per audience, each released when its send fails, so the
	// next run retries only what did not arrive.
	tell := func(audience string, send func() error) error {
		_, err := sendOnce(ctx, r.Keys, fmt.Sprintf("leavers:acted:%s:%s:%d:%s", p.saas(), period, it.Seat.UserID, audience), 30*24*time.Hour, send)
		return err
	}
	msg := r.view(period, now).LeaverActed(it)
	var errs []error
	if it.Owner != "" {
		errs = append(errs, tell("owner", func() error {
			if _, err := r.Notifier.SendDirect(ctx, it.Owner, msg); err != nil && !errors.Is(err, bot.ErrUnreachable) {
				return err
			}
			return nil
		}))
	}
	if r.AdminChannel != "" {
		errs = append(errs, tell("admins", func() error {
			_, err := r.Notifier.SendChannel(ctx, r.AdminChannel, msg)
			return err
		}))
	}
	return errors.Join(errs...)
}
