package reviews

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// Policy is the review part of the policy.
type Policy struct {
	Location        *time.Location
	KeepMaxDays     int        // longest a Keep lasts (default 180)
	SnoozeDays      int        // how long Snooze skips a seat (default 14)
	RemoveAction    ChangeKind // ChangeDemote (default) or ChangeSuspend
	DowngradeRoleID int64      // the light-agent role; 0 downgrades by demoting
	// DowngradeOnSilence: at a review's deadline its unanswered seats are
	// downgraded (policy review.on_silence: downgrade) rather than left to
	// the admins the reminders escalated them to.
	DowngradeOnSilence bool
	// StepUpRemove: a Remove counts only after the decider signs in again
	// (step_up.for: seat_remove).
	StepUpRemove bool
}

// Service runs seat reviews over the store and Zendesk.
type Service struct {
	Records store.Records
	Audit   store.Audit
	// Connector names the SaaS whose seats this review asks about ("" is
	// Zendesk); each SaaS has a review of its own.
	Connector string
	// Privilege makes this the privilege review: quarterly, of the people
	// who hold a privileged role standing, each kept (with a reason and an
	// end date), made just-in-time or removed. Its records are its own.
	Privilege bool
	// Seats carries out decisions in the governed account.
	Seats  connector.Seats
	Policy Policy
	Now    func() time.Time
	// Holder names this replica in leases.
	Holder string
	// MaxAttempts bounds the tries of a Zendesk change before it is
	// marked failed and an admin is told (default 5).
	MaxAttempts int
	// Lease is how long a replica may take over sending an owner's
	// messages before another may (default 1 minute).
	Lease time.Duration
	// ChangeTimeout bounds one call that changes a seat (default 15 s).
	// The change's lease outlives it by a few seconds, so a replica that
	// dies mid-call holds the change up for seconds, not a minute.
	ChangeTimeout time.Duration
	// Snapshot, when set, shows each change carried out in the stored
	// snapshot at once, so counts agree with what was just done.
	Snapshot *seats.Patcher
	Logger   *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Cadence is how often the review opens: weekly, or quarterly for the
// privilege review.
func (s *Service) Cadence() Cadence {
	if s.Privilege {
		return Quarterly
	}
	return Weekly
}

func (s *Service) policy() Policy {
	p := s.Policy
	if p.Location == nil {
		p.Location = time.UTC
	}
	if p.KeepMaxDays <= 0 {
		p.KeepMaxDays = 180
	}
	if p.SnoozeDays <= 0 {
		p.SnoozeDays = 14
	}
	if p.RemoveAction == "" {
		p.RemoveAction = ChangeDemote
	}
	return p
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Errors of Decide, for errors.Is.
var (
	ErrNotFound   = errors.New("reviews: no such seat in this review")
	ErrNotAllowed = errors.New("reviews: only the seat's owner or an admin may decide")
	ErrExpired    = errors.New("reviews: that review period has ended")
	// ErrOwnPrivilege: nobody decides their own standing privilege, not
	// even an admin.
	ErrOwnPrivilege = errors.New("reviews: nobody decides their own privilege")
)

// NotAllowedError: the actor is neither the seat's owner nor an admin. It
// carries the item so the answer can say who owns the seat now (the
// actor may have handed it on).
type NotAllowedError struct{ Item Item }

func (e *NotAllowedError) Error() string { return ErrNotAllowed.Error() }

// Is makes errors.Is(err, ErrNotAllowed) true.
func (e *NotAllowedError) Is(target error) bool { return target == ErrNotAllowed }

// DecidedError: the item was decided already (by someone else, or by the
// same person clicking twice).
type DecidedError struct{ Item Item }

func (e *DecidedError) Error() string {
	return fmt.Sprintf("reviews: already %s by %s", e.Item.State, e.Item.DecidedBy)
}

// FieldError is a form value the decision cannot take.
type FieldError struct{ Field, Message string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// memory is what outlives a period for one seat: a Keep until a date
// (with why and by whom), a Snooze, a new owner.
type memory struct {
	KeepUntil   time.Time `json:"keep_until,omitzero"`
	KeptBy      string    `json:"kept_by,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	SnoozeUntil time.Time `json:"snooze_until,omitzero"`
	Owner       string    `json:"owner,omitempty"`
}

const kindMemory = "seat-memory"

func (s *Service) memories(ctx context.Context) (map[int64]memory, error) {
	recs, err := s.Records.ListRecords(ctx, s.kind(kindMemory))
	if err != nil {
		return nil, err
	}
	out := make(map[int64]memory, len(recs))
	for _, r := range recs {
		id, err := strconv.ParseInt(r.ID, 10, 64)
		var m memory
		if err != nil || json.Unmarshal(r.Data, &m) != nil {
			continue // a record this version cannot read asks about the seat again
		}
		out[id] = m
	}
	return out, nil
}

// review is the period's record: when it opened.
type review struct {
	Period   string    `json:"period"`
	OpenedAt time.Time `json:"opened_at"`
	// Indexed: every item of the period is in its owner's index
	// (OwnerItems); false for periods opened before there was one.
	Indexed bool `json:"indexed,omitempty"`
}

// Open puts every inactive paid seat of report to its owner for period,
// except those kept or snoozed past now and those still awaiting an answer
// in the previous period's review. ownerOf is the policy's owner of a seat
// (by its default group); a seat handed on with Not mine goes to its new
// owner. Opening again is safe: items already there are left as they are,
// so a second run, on this replica or another, adds only seats that became
// inactive since. It returns the open items of the seats it put to owners
// now, new or left from an earlier run.
func (s *Service) Open(ctx context.Context, period string, report seats.Report, ownerOf func(seats.Seat) string) ([]Item, error) {
	items, _, err := s.open(ctx, period, report, func(st seats.Seat) bool { return st.Inactive }, ownerOf)
	return items, err
}

// OpenAndList is Open, returning every item of the period rather than
// those it put to owners now: the items it wrote when they are all the
// period holds (its first opening), else the period read back. A large
// account's first digest then costs no second read of what was just
// written.
func (s *Service) OpenAndList(ctx context.Context, period string, report seats.Report, ownerOf func(seats.Seat) string) ([]Item, error) {
	_, all, err := s.open(ctx, period, report, func(st seats.Seat) bool { return st.Inactive }, ownerOf)
	return s.orRead(ctx, period, all, err)
}

// OpenStandingAndList is OpenStanding, returning every item of the
// period as OpenAndList does.
func (s *Service) OpenStandingAndList(ctx context.Context, period string, report seats.Report, standing map[int64]bool, ownerOf func(seats.Seat) string) ([]Item, error) {
	if !s.Privilege {
		return nil, errors.New("reviews: OpenStanding is the privilege review's")
	}
	_, all, err := s.open(ctx, period, report, func(st seats.Seat) bool { return standing[st.User.ID] }, ownerOf)
	return s.orRead(ctx, period, all, err)
}

// orRead is an opening's items of the whole period: all when it had them
// at hand, else the period read now.
func (s *Service) orRead(ctx context.Context, period string, all []Item, err error) ([]Item, error) {
	if err != nil || all != nil {
		return all, err
	}
	return s.Items(ctx, period)
}

// OpenStanding opens the privilege review of period: the paid seats of
// report whose holders standing names (by user id) are put to their
// owners, by the same rules as Open's. standing is who holds a privileged
// role with no grant and no leave to; the access rules decide that.
// Nobody answers for their own privilege: ownerOf must name someone else
// (the caller falls back to the default owner), or nobody.
func (s *Service) OpenStanding(ctx context.Context, period string, report seats.Report, standing map[int64]bool, ownerOf func(seats.Seat) string) ([]Item, error) {
	if !s.Privilege {
		return nil, errors.New("reviews: OpenStanding is the privilege review's")
	}
	items, _, err := s.open(ctx, period, report, func(st seats.Seat) bool { return standing[st.User.ID] }, ownerOf)
	return items, err
}

// Preview is what opening period's review would put to owners now, read
// and judged as Open does, with nothing written: the items of a period
// opened already, else the seats Open would ask about.
func (s *Service) Preview(ctx context.Context, period string, report seats.Report, ownerOf func(seats.Seat) string) ([]Item, error) {
	if _, opened, err := s.Opened(ctx, period); err != nil || opened {
		if err != nil {
			return nil, err
		}
		return s.Items(ctx, period)
	}
	return s.toAsk(ctx, period, report, func(st seats.Seat) bool { return st.Inactive }, ownerOf)
}

// toAsk are the seats of report a review of period asks about: those ask
// picks, not kept or snoozed, not still waiting in the previous period,
// each with its owner.
func (s *Service) toAsk(ctx context.Context, period string, report seats.Report, ask func(seats.Seat) bool, ownerOf func(seats.Seat) string) ([]Item, error) {
	cad, loc := s.Cadence(), s.policy().Location
	start, ok := cad.Start(period, loc)
	if !ok {
		return nil, fmt.Errorf("reviews: bad period %q", period)
	}
	now := s.now()
	mem, err := s.memories(ctx)
	if err != nil {
		return nil, err
	}
	waiting, err := s.openSeats(ctx, cad.Previous(start, loc))
	if err != nil {
		return nil, err
	}
	// The seats are picked first and the items made after: an Item is
	// large, and growing the list item by item copied it over and over (a
	// fifth of opening 66,667 items).
	var picked []int
	for i, st := range report.Paid {
		if !ask(st) || waiting[st.User.ID] {
			continue
		}
		if m := mem[st.User.ID]; now.Before(m.KeepUntil) || now.Before(m.SnoozeUntil) {
			continue
		}
		picked = append(picked, i)
	}
	var asked []Item // nil when none, which open tells from none yet read
	if len(picked) > 0 {
		asked = make([]Item, 0, len(picked))
	}
	for _, i := range picked {
		st, m := report.Paid[i], mem[report.Paid[i].User.ID]
		owner := strings.ToLower(m.Owner)
		if owner == "" {
			owner = strings.ToLower(ownerOf(st))
		}
		it := Item{Period: period, Seat: seatOf(st), Owner: owner, State: Open}
		it.Seat.Connector = s.connector()
		asked = append(asked, it)
	}
	return asked, nil
}

// open opens period's review of the seats ask picks and returns the open
// items of those it put to owners now, and every item of the period when
// it has them at hand (nil when not): those it wrote when no opening
// finished before it (one cut off before it finished may have left items
// this one did not ask about; the reminders send those), or the period
// it read back.
func (s *Service) open(ctx context.Context, period string, report seats.Report, ask func(seats.Seat) bool, ownerOf func(seats.Seat) string) (asked, all []Item, err error) {
	now := s.now()
	asked, err = s.toAsk(ctx, period, report, ask, ownerOf)
	if err != nil {
		return nil, nil, err
	}
	created, err := s.createItems(ctx, period, asked)
	if err != nil {
		return nil, nil, fmt.Errorf("reviews: open %s: %w", period, err)
	}
	for i := range asked {
		asked[i].Version = 1
	}
	// A period opened and indexed already has its asked items indexed,
	// unless this open created some; one opened before the index stays
	// without it.
	opened, indexed, err := s.reviewState(ctx, period)
	if err != nil {
		return nil, nil, err
	}
	if !opened || indexed && created > 0 {
		if err := s.indexOwners(ctx, period, asked); err != nil {
			return nil, nil, err
		}
	}
	rv, _ := json.Marshal(review{Period: period, OpenedAt: now, Indexed: true})
	if _, err := s.Records.CreateRecord(ctx, s.kind(kindReview), period, rv); err != nil && !errors.Is(err, store.ErrExists) {
		return nil, nil, fmt.Errorf("reviews: open %s: %w", period, err)
	}
	if created > 0 {
		s.audit(ctx, "system", s.verb()+".opened", "review:"+period, map[string]string{"seats": strconv.Itoa(created)})
	}
	if created == len(asked) {
		// Every item is new, so none was decided yet: no need to read the
		// period back, which for a large account is the slowest step.
		if !opened {
			return asked, asked, nil
		}
		return asked, nil, nil
	}
	all, err = s.Items(ctx, period)
	if err != nil {
		return nil, nil, err
	}
	ids := make(map[int64]bool, len(asked))
	for _, it := range asked {
		ids[it.Seat.UserID] = true
	}
	open := make([]Item, 0, len(asked))
	for _, it := range all {
		if it.State == Open && ids[it.Seat.UserID] {
			open = append(open, it)
		}
	}
	return open, all, nil
}

// itemBatch is how many items open hands the store at a time.
const itemBatch = 10_000

// createItems writes items as period's and says how many were new. The
// next batch is marshalled while the store writes the last: on Redis the
// writes are mostly Redis's own time, on the other core, which the
// marshalling used to wait behind. The batches go in id order, so each
// batch's ids follow the last one's: a store that keeps its keys in order
// need not look for them among those it has just written.
func (s *Service) createItems(ctx context.Context, period string, items []Item) (int, error) {
	ids := make([]string, len(items))
	order := make([]int, len(items))
	for i := range items {
		ids[i], order[i] = itemID(items[i].Seat.UserID), i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(ids[a], ids[b]) })

	type batch struct {
		recs []store.NewRecord
		err  error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, 1)
	go func() {
		defer close(batches)
		for part := range slices.Chunk(order, itemBatch) {
			b := batch{recs: make([]store.NewRecord, len(part))}
			for j, i := range part {
				data, err := json.Marshal(items[i])
				if err != nil {
					b = batch{err: err}
					break
				}
				b.recs[j] = store.NewRecord{ID: ids[i], Data: data}
			}
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
			if b.err != nil {
				return
			}
		}
	}()
	created := 0
	for b := range batches {
		if b.err != nil {
			return created, b.err
		}
		n, err := s.Records.CreateRecords(ctx, s.itemKind(period), b.recs)
		created += n
		if err != nil {
			return created, err
		}
	}
	return created, ctx.Err()
}

// verb is the review's word in audit actions: "review.opened",
// "privilege_review.opened".
func (s *Service) verb() string {
	if s.Privilege {
		return "privilege_review"
	}
	return "review"
}

// openSeats are the seats still awaiting an answer in period.
func (s *Service) openSeats(ctx context.Context, period string) (map[int64]bool, error) {
	items, err := s.Items(ctx, period)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool)
	for _, it := range items {
		if it.State == Open {
			out[it.Seat.UserID] = true
		}
	}
	return out, nil
}

// Opened reports when period's review opened; ok is false when it has not.
func (s *Service) Opened(ctx context.Context, period string) (at time.Time, ok bool, err error) {
	rec, err := s.Records.GetRecord(ctx, s.kind(kindReview), period)
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	var rv review
	if err := json.Unmarshal(rec.Data, &rv); err != nil {
		return time.Time{}, false, fmt.Errorf("reviews: unreadable review %s: %w", period, err)
	}
	return rv.OpenedAt, true, nil
}

func seatOf(st seats.Seat) Seat {
	var roleID string
	if st.User.RoleID != nil {
		roleID = strconv.FormatInt(*st.User.RoleID, 10)
	}
	return Seat{
		UserID: st.User.ID, Name: st.User.Name, Email: strings.ToLower(st.User.Email), Role: st.User.Role,
		RoleName: st.RoleName(), RoleID: roleID, Groups: st.Groups, LastActivity: st.LastActivity(), NeverLoggedIn: st.NeverLoggedIn,
		DaysInactive: st.DaysInactive, Suspended: st.User.Suspended, MonthlyCost: st.MonthlyCost,
	}
}

// Items returns every item of period, by user id.
func (s *Service) Items(ctx context.Context, period string) ([]Item, error) {
	recs, err := s.Records.ListRecords(ctx, s.itemKind(period))
	if err != nil {
		return nil, err
	}
	return s.decodeItems(recs)
}

// decodeItems decodes item records, in their order.
func (s *Service) decodeItems(recs []store.Record) ([]Item, error) {
	out := make([]Item, 0, len(recs))
	for _, r := range recs {
		it, err := s.decodeItem(r.Data, r.Version)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// Item returns one seat's item in period.
func (s *Service) Item(ctx context.Context, period string, userID int64) (Item, error) {
	rec, err := s.Records.GetRecord(ctx, s.itemKind(period), itemID(userID))
	if errors.Is(err, store.ErrNotFound) {
		return Item{}, ErrNotFound
	}
	if err != nil {
		return Item{}, err
	}
	return s.decodeItem(rec.Data, rec.Version)
}

// Actor is who decides.
type Actor struct {
	Email string
	Admin bool
}

// System is the actor of what the bot decides itself (on_silence).
var System = Actor{Email: "seatwarden", Admin: true}

// Input is one decision.
type Input struct {
	Period   string
	UserID   int64
	Decision Decision
	Actor    Actor
	// Reason and KeepUntil are Keep's form; NewOwner is Not mine's.
	Reason    string
	KeepUntil time.Time
	NewOwner  string
	// Reauthenticated: the actor has just signed in again (step-up).
	Reauthenticated bool
	// RemoveAs, when set, is Remove's change instead of the policy's
	// remove_action: the seats of leavers, suspended at once by policy.
	RemoveAs ChangeKind
}

// ErrStepUpRequired: the decision counts only after the decider signs in
// again; Decide with Reauthenticated carries it out then.
var ErrStepUpRequired = errors.New("reviews: removing a seat needs the decider to sign in again")

// Decide records a decision with a compare-and-set on the item, so of
// concurrent clicks exactly one wins; the others get a *DecidedError
// naming the winner. Keep, Snooze and Not mine are complete when Decide
// returns. Downgrade and Remove are recorded with their Zendesk change
// pending and carried out before Decide returns when Zendesk answers;
// if it does not, the item says so and Resume retries.
func (s *Service) Decide(ctx context.Context, in Input) (Item, error) {
	if !slices.Contains(s.Cadence().LivePeriods(s.now(), s.policy().Location), in.Period) {
		return Item{}, ErrExpired
	}
	return s.decide(ctx, in)
}

func (s *Service) decide(ctx context.Context, in Input) (Item, error) {
	p := s.policy()
	now := s.now()
	state, ok := decisionState[in.Decision]
	if !ok || !slices.Contains(decisions[s.Privilege], in.Decision) {
		return Item{}, fmt.Errorf("reviews: %q is not a decision of this review", in.Decision)
	}
	actor := people.Key(in.Actor.Email)
	if err := validate(in, p, now); err != nil {
		return Item{}, err
	}
	if in.Decision == Remove && p.StepUpRemove && !in.Reauthenticated && in.Actor != System {
		// Refused now for what a sign-in would not change, so nobody
		// signs in again for a decision they may not make.
		it, err := s.Item(ctx, in.Period, in.UserID)
		switch {
		case err != nil:
			return Item{}, err
		case it.State != Open:
			return Item{}, &DecidedError{Item: it}
		case s.Privilege && people.Same(actor, it.Seat.Email):
			return Item{}, ErrOwnPrivilege
		case !in.Actor.Admin && (actor == "" || actor != it.Owner):
			return Item{}, &NotAllowedError{Item: it}
		}
		return it, ErrStepUpRequired
	}

	var decided Item
	rec, err := store.UpdateRecord(ctx, s.Records, s.itemKind(in.Period), itemID(in.UserID), func(cur store.Record) ([]byte, error) {
		it, err := s.decodeItem(cur.Data, cur.Version)
		if err != nil {
			return nil, err
		}
		if it.State != Open {
			return nil, &DecidedError{Item: it}
		}
		if s.Privilege && people.Same(actor, it.Seat.Email) {
			return nil, ErrOwnPrivilege
		}
		if !in.Actor.Admin && (actor == "" || actor != it.Owner) {
			return nil, &NotAllowedError{Item: it}
		}
		if in.Decision == NotMine {
			if people.Same(in.NewOwner, it.Owner) {
				return nil, &FieldError{"new_owner", it.Owner + " already answers for this seat; name someone else"}
			}
			if s.Privilege && people.Same(in.NewOwner, it.Seat.Email) {
				return nil, &FieldError{"new_owner", "Nobody answers for their own privilege; name someone else"}
			}
			// The seat stays open, now asked of its new owner.
			if err := s.indexOwner(ctx, in.Period, people.Key(in.NewOwner), in.UserID); err != nil {
				return nil, err
			}
			it.HandedFrom, it.HandedBy, it.HandedAt = it.Owner, actor, now
			it.Owner = people.Key(in.NewOwner)
			decided = it
			return json.Marshal(it)
		}
		it.State, it.DecidedBy, it.DecidedAt = state, actor, now
		switch in.Decision {
		case Keep:
			it.Reason = strings.TrimSpace(in.Reason)
			it.KeepUntil = in.KeepUntil
		case Snooze:
			it.KeepUntil = now.AddDate(0, 0, p.SnoozeDays)
		case Remove:
			it.Change = &Change{Kind: cmp.Or(in.RemoveAs, p.RemoveAction), Status: ChangePending}
		case JustInTime:
			it.Change = &Change{Kind: ChangeBaseRole, Status: ChangePending}
			it.Reason = strings.TrimSpace(in.Reason) // the bot's, when it decides

		case Downgrade:
			it.Change = &Change{Kind: ChangeDemote, Status: ChangePending}
			if p.DowngradeRoleID > 0 {
				it.Change = &Change{Kind: ChangeLightAgent, RoleID: p.DowngradeRoleID, Status: ChangePending}
			}
		}
		decided = it
		return json.Marshal(it)
	})
	var already *DecidedError
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Item{}, ErrNotFound
	case errors.As(err, &already) && already.Item.Change != nil && already.Item.Change.Status == ChangePending:
		// Decided, its change still pending: a replica died between the
		// two, or Zendesk failed. This click (a second press, or the
		// intake's replay of the first) finishes it rather than leaving it
		// to the next reminders run; carryOut leaves it alone while another
		// replica's lease holds.
		if after, cerr := s.carryOut(ctx, in.Period, in.UserID); cerr == nil && after.Version != 0 {
			already.Item = after
		}
		return Item{}, already
	case err != nil:
		return Item{}, err
	}
	decided.Version = rec.Version

	detail := map[string]string{"period": in.Period, "decision": string(in.Decision)}
	if decided.Reason != "" {
		detail["reason"] = decided.Reason
	}
	if !decided.KeepUntil.IsZero() {
		detail["until"] = decided.KeepUntil.In(p.Location).Format(time.DateOnly)
	}
	if in.Decision == NotMine {
		detail["to"] = decided.Owner
	}
	if in.Reauthenticated {
		detail["reauthenticated"] = "true"
	}
	s.audit(ctx, actor, s.decisionAction(in.Decision), s.subject(in.UserID), detail)
	if err := s.remember(ctx, decided); err != nil {
		return decided, err
	}
	if decided.Change == nil {
		return decided, nil
	}
	done, err := s.carryOut(ctx, in.Period, in.UserID)
	if err != nil {
		// Recorded and pending: the caller shows the item as it stands.
		s.log().Warn("seat change not carried out yet; it will be retried", slog.String("period", in.Period), slog.Int64("user", in.UserID), slog.Any("error", err))
		if done.Version == 0 {
			done = decided // the store failed after the decision was written
		}
	}
	return done, nil
}

// validate checks the form values of a decision before anything is written.
func validate(in Input, p Policy, now time.Time) error {
	switch in.Decision {
	case Keep:
		if strings.TrimSpace(in.Reason) == "" {
			return &FieldError{"reason", "Say why the seat stays, e.g. on parental leave until March"}
		}
		if len(in.Reason) > 500 {
			return &FieldError{"reason", "Keep the reason under 500 characters"}
		}
		today := dateIn(now, p.Location)
		until := dateIn(in.KeepUntil, p.Location)
		latest := today.AddDate(0, 0, p.KeepMaxDays)
		switch {
		case in.KeepUntil.IsZero():
			return &FieldError{"keep_until", "Pick the date to ask again, e.g. " + today.AddDate(0, 0, 90).Format(time.DateOnly)}
		case !until.After(today):
			return &FieldError{"keep_until", "Pick a date after today"}
		case until.After(latest):
			return &FieldError{"keep_until", fmt.Sprintf("Pick a date within %d days (by %s)", p.KeepMaxDays, latest.Format(time.DateOnly))}
		}
	case NotMine:
		if _, err := people.ParseEmail(in.NewOwner); err != nil {
			return &FieldError{"new_owner", "Name who answers for this seat by email, e.g. lead@example.com"}
		}
	}
	return nil
}

// dateIn is t's calendar date in loc, as midnight UTC, for comparing dates.
func dateIn(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// remember carries a decision into later periods.
func (s *Service) remember(ctx context.Context, it Item) error {
	var change func(*memory)
	switch it.State {
	case Kept:
		change = func(m *memory) { m.KeepUntil, m.KeptBy, m.Reason = it.KeepUntil, it.DecidedBy, it.Reason }
	case Snoozed:
		change = func(m *memory) { m.SnoozeUntil = it.KeepUntil }
	case Open:
		if it.HandedFrom == "" {
			return nil
		}
		change = func(m *memory) { m.Owner = it.Owner }
	default:
		return nil
	}
	_, err := store.UpsertRecord(ctx, s.Records, s.kind(kindMemory), itemID(it.Seat.UserID), func(cur store.Record) ([]byte, error) {
		var m memory
		if cur.Data != nil {
			_ = json.Unmarshal(cur.Data, &m) // unreadable: start afresh
		}
		change(&m)
		return json.Marshal(m)
	})
	return err
}

// decisionAction is a decision's audit action: "seat.keep", or for the
// privilege review "privilege.keep".
func (s *Service) decisionAction(d Decision) string {
	if s.Privilege {
		return "privilege." + string(d)
	}
	return "seat." + string(d)
}

// KeepRecord is a Keep in force: who kept the seat (or the privilege),
// why, and until when.
type KeepRecord struct {
	Until  time.Time
	By     string
	Reason string
}

// Keeps are the Keeps still in force at now, by user id: in the privilege
// review, the people whose standing privilege someone answered for.
func (s *Service) Keeps(ctx context.Context) (map[int64]KeepRecord, error) {
	mem, err := s.memories(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make(map[int64]KeepRecord)
	for id, m := range mem {
		if now.Before(m.KeepUntil) {
			out[id] = KeepRecord{Until: m.KeepUntil, By: m.KeptBy, Reason: m.Reason}
		}
	}
	return out, nil
}

// KeepOutside records a Keep made outside a review (an admin keeping a
// privilege found by the sync as standing), by the same rules as a
// review's Keep: a reason, and an end date within the policy's maximum.
// The next review leaves the person out until then.
func (s *Service) KeepOutside(ctx context.Context, userID int64, email string, actor Actor, reason string, until time.Time) error {
	if !actor.Admin {
		return ErrNotAllowed
	}
	in := Input{UserID: userID, Decision: Keep, Actor: actor, Reason: reason, KeepUntil: until}
	if err := validate(in, s.policy(), s.now()); err != nil {
		return err
	}
	it := Item{Seat: Seat{UserID: userID, Email: email}, State: Kept, DecidedBy: people.Key(actor.Email),
		Reason: strings.TrimSpace(reason), KeepUntil: until}
	if err := s.remember(ctx, it); err != nil {
		return err
	}
	s.audit(ctx, it.DecidedBy, s.decisionAction(Keep), s.subject(userID), map[string]string{
		"email": email, "reason": it.Reason, "until": until.In(s.policy().Location).Format(time.DateOnly)})
	return nil
}

func (s *Service) subject(userID int64) string {
	return s.connector() + ":user:" + strconv.FormatInt(userID, 10)
}

func (s *Service) audit(ctx context.Context, actor, action, subject string, detail map[string]string) {
	store.RecordAudit(ctx, s.Audit, s.log(), store.AuditEntry{At: s.now(), Actor: actor, Action: action, Subject: subject, Detail: detail})
}
