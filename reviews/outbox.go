package reviews

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

// errNotOurs: another replica holds the change's lease, or it is finished.
var errNotOurs = errors.New("reviews: change not ours to carry out")

// carryOut makes an item's pending Zendesk change, once: it takes the
// item's lease with a compare-and-set, checks the seat is still as the
// digest showed it, makes the change and records the outcome. It returns
// the item as it stands afterwards.
func (s *Service) carryOut(ctx context.Context, period string, userID int64) (Item, error) {
	now := s.now()
	timeout, holder := s.changeTimeout(), s.holder()
	lease := timeout + changeLeaseMargin
	it, err := s.updateItem(ctx, period, userID, func(it *Item) error {
		c := it.Change
		if c == nil || c.Status != ChangePending || (c.LeaseHolder != "" && now.Before(c.LeaseUntil)) {
			return errNotOurs
		}
		c.LeaseHolder, c.LeaseUntil = holder, now.Add(lease)
		c.Attempts++
		return nil
	})
	if errors.Is(err, errNotOurs) {
		cur, gerr := s.Item(ctx, period, userID)
		if gerr != nil {
			return Item{}, gerr
		}
		return cur, nil
	}
	if err != nil {
		return Item{}, err
	}

	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	note, reached, err := s.stillAsShown(callCtx, it)
	if err == nil && note == "" && !reached {
		err = s.applyChange(callCtx, it)
	}
	if err != nil {
		return s.changeFailed(ctx, it, err)
	}
	doneAt := s.now()
	after, err := s.updateItem(ctx, period, userID, func(cur *Item) error {
		c := cur.Change
		c.LeaseHolder, c.LeaseUntil, c.Error = "", time.Time{}, ""
		if note != "" {
			cur.State, cur.Note, c.Status = Changed, note, ChangeSkipped
			return nil
		}
		c.Status, c.DoneAt = ChangeDone, doneAt
		return nil
	})
	if err != nil {
		return Item{}, err
	}
	if note == "" {
		s.patchSnapshot(ctx, after)
	}
	switch detail := map[string]string{"period": period, "saves_per_month": fmt.Sprintf("%.2f", after.Seat.MonthlyCost)}; {
	case note != "":
		s.audit(ctx, "system", "seat.change_skipped", s.subject(userID), map[string]string{"period": period, "why": note})
	case reached:
		detail["confirmed"] = "the seat was found as the decision asked, after an interrupted attempt"
		s.audit(ctx, after.DecidedBy, doneAction[after.Change.Kind], s.subject(userID), detail)
	default:
		s.audit(ctx, after.DecidedBy, doneAction[after.Change.Kind], s.subject(userID), detail)
	}
	return after, nil
}

// changeLeaseMargin is how long a change's lease outlives its call: room
// to record the outcome once the call returns.
const changeLeaseMargin = 5 * time.Second

// DefaultChangeTimeout bounds a seat change's call unless ChangeTimeout
// says otherwise.
const DefaultChangeTimeout = 15 * time.Second

// ChangeLease is how long a seat change stays with the replica making it
// by default: after it, any replica may finish the change.
const ChangeLease = DefaultChangeTimeout + changeLeaseMargin

func (s *Service) changeTimeout() time.Duration {
	if s.ChangeTimeout <= 0 {
		return DefaultChangeTimeout
	}
	return s.ChangeTimeout
}

// doneAction is the audit verb of a change Zendesk confirmed.
var doneAction = map[ChangeKind]string{ChangeDemote: "seat.demoted", ChangeSuspend: "seat.suspended", ChangeLightAgent: "seat.downgraded",
	ChangeBaseRole: "privilege.made_just_in_time"}

// stillAsShown checks the member against the digest; a non-empty note
// says why the decision no longer applies. reached says the seat is
// already as the decision asked after an earlier attempt of this change,
// which may have made it and been cut off before saying so (a crash, a
// lost answer): the decision did it, and keeps its author and saving.
func (s *Service) stillAsShown(ctx context.Context, it Item) (note string, reached bool, err error) {
	m, err := s.Seats.Member(ctx, it.Seat.UserID)
	switch {
	case errors.Is(err, connector.ErrNotFound):
		return "no longer in Zendesk", false, nil
	case err != nil:
		return "", false, err
	}
	shown := it.Seat
	// A login after the digest answers a question about inactivity; the
	// privilege review asks about the role, whatever the activity.
	if !s.Privilege && m.LastActivity != nil && (shown.NeverLoggedIn || m.LastActivity.After(shown.LastActivity)) {
		return "logged in on " + m.LastActivity.In(s.policy().Location).Format("Mon 2 Jan") + ", after the review asked", false, nil
	}
	asked := changeReached(it, m)
	if asked && it.Change.Attempts > 1 {
		return "", true, nil
	}
	switch {
	case !m.HasSeat:
		return "already " + m.Role + " in " + connector.Title(shown.SaaS()), false, nil
	case s.Privilege && (m.Role != shown.Role || m.RoleID != shown.RoleID):
		return "now " + connector.Role{Base: m.Role, ID: m.RoleID}.String() + " in " + connector.Title(shown.SaaS()) + ", no longer the role the review asked about", false, nil
	case asked && it.Change.Kind == ChangeSuspend:
		return "already suspended in Zendesk", false, nil
	case asked && it.Change.Kind == ChangeLightAgent:
		return "already a light agent in Zendesk", false, nil
	}
	return "", false, nil
}

// changeReached reports whether the member is as the item's change asks.
func changeReached(it Item, m connector.Member) bool {
	switch c := it.Change; c.Kind {
	case ChangeBaseRole:
		return m.HasSeat && !m.Privileged && m.RoleID != it.Seat.RoleID
	case ChangeDemote:
		return !m.HasSeat
	case ChangeSuspend:
		return m.Suspended
	case ChangeLightAgent:
		return m.RoleID != "" && m.RoleID == strconv.FormatInt(c.RoleID, 10)
	}
	return false
}

// seatChange is what a decision's change asks of the connector.
var seatChange = map[ChangeKind]connector.ChangeKind{
	ChangeDemote:     connector.Remove,
	ChangeSuspend:    connector.Suspend,
	ChangeLightAgent: connector.Downgrade,
	ChangeBaseRole:   connector.Unprivilege,
}

func (s *Service) applyChange(ctx context.Context, it Item) error {
	change, err := seatChangeOf(it)
	if err != nil {
		return err
	}
	return s.Seats.ChangeSeat(ctx, it.Seat.UserID, change)
}

// seatChangeOf is the connector's change an item's decision asks for.
func seatChangeOf(it Item) (connector.SeatChange, error) {
	c := it.Change
	kind, ok := seatChange[c.Kind]
	if !ok {
		return connector.SeatChange{}, fmt.Errorf("reviews: unknown change %q", c.Kind)
	}
	change := connector.SeatChange{Kind: kind}
	if kind == connector.Downgrade {
		change.Role = strconv.FormatInt(c.RoleID, 10)
	}
	return change, nil
}

// patchSnapshot shows a change carried out in the stored snapshot, so
// the counts agree with what the decision did; the patcher bounds the
// wait, and a failure only leaves the change for the next sync to show,
// so it is logged.
func (s *Service) patchSnapshot(ctx context.Context, it Item) {
	if err := s.Snapshot.Show(ctx, s.connector(), it.Seat.UserID, s.Seats); err != nil {
		s.log().WarnContext(ctx, "reviews: the snapshot does not show a change yet; the next sync will", slog.Int64("user", it.Seat.UserID), slog.Any("error", err))
	}
}

// changeFailed records a failed attempt and frees the lease for the next;
// after the last attempt the change is marked failed.
func (s *Service) changeFailed(ctx context.Context, it Item, cause error) (Item, error) {
	maxAttempts := s.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 5
	}
	// A refusal that no retry can change ends the change at once.
	final := connector.Final(cause)
	cur, err := s.updateItem(ctx, it.Period, it.Seat.UserID, func(cur *Item) error {
		c := cur.Change
		c.LeaseHolder, c.LeaseUntil = "", time.Time{}
		c.Error = oneLine(cause.Error())
		if final || c.Attempts >= maxAttempts {
			c.Status = ChangeFailed
			cur.Note = "Zendesk refused the change: " + c.Error
		}
		return nil
	})
	if err != nil {
		return Item{}, errors.Join(cause, err)
	}
	if cur.Change.Status == ChangeFailed {
		s.audit(ctx, "system", "seat.change_failed", s.subject(it.Seat.UserID), map[string]string{"period": it.Period, "error": cur.Change.Error})
	}
	return cur, cause
}

// Resume carries out every pending change of the given periods, after a
// crash or a Zendesk outage. It returns how many it finished and the items
// that failed for good this time, for an admin to be told.
func (s *Service) Resume(ctx context.Context, periods ...string) (done int, failed []Item, err error) {
	for _, period := range periods {
		items, err := s.Items(ctx, period)
		if err != nil {
			return done, failed, err
		}
		d, f, err := s.ResumeItems(ctx, items)
		done, failed = done+d, append(failed, f...)
		if err != nil {
			return done, failed, err
		}
	}
	return done, failed, nil
}

// ResumeItems is Resume for items already read: it carries out those
// whose change is pending and returns them as they stand afterwards in
// place of the stale copies, with how many it finished and which failed
// for good this time.
func (s *Service) ResumeItems(ctx context.Context, items []Item) (done int, failed []Item, err error) {
	for i, it := range items {
		if it.Change == nil || it.Change.Status != ChangePending {
			continue
		}
		after, err := s.carryOut(ctx, it.Period, it.Seat.UserID)
		if after.Version != 0 {
			items[i] = after
		}
		switch {
		case after.Change != nil && after.Change.Status == ChangeFailed:
			failed = append(failed, after)
		case err == nil && after.Change != nil && after.Change.Status != ChangePending:
			done++
		}
		if ctx.Err() != nil {
			return done, failed, ctx.Err()
		}
	}
	return done, failed, nil
}

// updateItem applies change to the stored item with a compare-and-set.
func (s *Service) updateItem(ctx context.Context, period string, userID int64, change func(*Item) error) (Item, error) {
	var out Item
	rec, err := store.UpdateRecord(ctx, s.Records, s.itemKind(period), itemID(userID), func(cur store.Record) ([]byte, error) {
		it, err := s.decodeItem(cur.Data, cur.Version)
		if err != nil {
			return nil, err
		}
		if it.Change != nil {
			c := *it.Change // never share the pointer between attempts
			it.Change = &c
		}
		if err := change(&it); err != nil {
			return nil, err
		}
		out = it
		return json.Marshal(it)
	})
	if err != nil {
		return Item{}, err
	}
	out.Version = rec.Version
	return out, nil
}

// Summary is a period's progress.
type Summary struct {
	Period                                                  string
	Asked, Open, Kept, Downgraded, Removed, Snoozed, Handed int
	Changed                                                 int // the seat changed before the decision could be carried out
	Pending, Failed                                         int // Zendesk changes not yet confirmed, and given up
	JustInTime                                              int // privilege taken away, the seat kept
	// Saved is the monthly cost of the seats Zendesk confirmed freed.
	Saved float64
	// Owners with open items, by email, and how many each.
	Waiting map[string]int
}

// Progress counts a period's decisions and savings.
func (s *Service) Progress(ctx context.Context, period string) (Summary, error) {
	items, err := s.Items(ctx, period)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Period: period, Asked: len(items), Waiting: map[string]int{}}
	for _, it := range items {
		switch it.State {
		case Open:
			sum.Open++
			sum.Waiting[it.Owner]++
		case Kept:
			sum.Kept++
		case Downgraded:
			sum.Downgraded++
		case Removed:
			sum.Removed++
		case Snoozed:
			sum.Snoozed++
		case MadeJustInTime:
			sum.JustInTime++
		case Changed:
			sum.Changed++
		}
		if it.HandedFrom != "" {
			sum.Handed++
		}
		if c := it.Change; c != nil {
			switch c.Status {
			case ChangePending:
				sum.Pending++
			case ChangeFailed:
				sum.Failed++
			}
		}
		sum.Saved += it.Saving()
	}
	return sum, nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
