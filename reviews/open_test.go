package reviews_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// only is report with just the paid seats of emails, to open reviews that
// hold different seats.
func only(report seats.Report, emails ...string) seats.Report {
	report.Paid = slices.DeleteFunc(slices.Clone(report.Paid), func(s seats.Seat) bool {
		return !slices.Contains(emails, s.User.Email)
	})
	return report
}

// openAt opens the review of the week at, with the clock at at.
func (f *fixture) openAt(t *testing.T, at time.Time, report seats.Report) []reviews.Item {
	t.Helper()
	f.clock = at
	items, err := f.svc.Open(t.Context(), reviews.PeriodOf(at, time.UTC), report, ownerOf)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func emails(items []reviews.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Seat.Email)
	}
	slices.Sort(out)
	return out
}

func auditActions(t *testing.T, f *fixture, action string) []store.AuditEntry {
	t.Helper()
	entries, err := f.store.ListAudit(t.Context(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(entries, func(e store.AuditEntry) bool { return e.Action != action })
}

// TestAnswersAreTakenForThisWeekAndLast: a review takes decisions until
// two weeks after it opened; older ones and future ones are refused.
func TestAnswersAreTakenForThisWeekAndLast(t *testing.T) {
	f := newFixture(t)
	week := 7 * 24 * time.Hour
	// Each week asks about a different seat, so none is left out for
	// being open in the week before.
	w45 := f.seat(t, f.openAt(t, now.Add(-2*week), only(f.report, "tom@acme.example")), "tom@acme.example")
	w46 := f.seat(t, f.openAt(t, now.Add(-week), only(f.report, "ken@acme.example")), "ken@acme.example")
	w47 := f.seat(t, f.openAt(t, now, only(f.report, "mei@acme.example")), "mei@acme.example")
	if w45.Period != "2026-W45" || w46.Period != "2026-W46" || w47.Period != "2026-W47" {
		t.Fatalf("periods %s, %s, %s", w45.Period, w46.Period, w47.Period)
	}
	deadline := reviews.Deadline(w46.Period, time.UTC)

	tests := []struct {
		name string
		at   time.Time
		item reviews.Item
		want error
	}{
		{"three weeks back", now, w45, reviews.ErrExpired},
		{"last week's", now, w46, nil},
		{"this week's", now, w47, nil},
		{"next week's", now, reviews.Item{Period: "2026-W48", Seat: w47.Seat}, reviews.ErrExpired},
		{"last week's, just before its deadline", deadline.Add(-time.Second), w46, nil},
		{"last week's, at its deadline", deadline, w46, reviews.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.clock = tt.at
			_, err := f.svc.Decide(t.Context(), reviews.Input{Period: tt.item.Period, UserID: tt.item.Seat.UserID,
				Decision: reviews.Snooze, Actor: reviews.Actor{Email: dana, Admin: true}})
			var decided *reviews.DecidedError
			switch {
			case tt.want == nil && errors.As(err, &decided):
				// Past the window check; decided by an earlier row.
			case tt.want == nil && err != nil, tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if it, _ := f.svc.Item(t.Context(), w45.Period, w45.Seat.UserID); it.State != reviews.Open {
		t.Errorf("a decision on an ended review was recorded: %s", it.State)
	}
}

// TestOpenLeavesOutSeatsStillOpenInTheLastReview: a seat nobody answered
// last week is not asked again while that review takes answers; once it
// has ended, the seat is asked about afresh.
func TestOpenLeavesOutSeatsStillOpenInTheLastReview(t *testing.T) {
	f := newFixture(t)
	week := 7 * 24 * time.Hour
	tom := f.seat(t, f.openAt(t, now.Add(-week), only(f.report, "tom@acme.example")), "tom@acme.example")

	w47 := f.openAt(t, now, f.report)
	if slices.ContainsFunc(w47, func(it reviews.Item) bool { return it.Seat.UserID == tom.Seat.UserID }) {
		t.Error("W47 asks about Tom, still open in W46")
	}
	if len(w47) != 6 {
		t.Errorf("W47 asks about %v, want every inactive seat but Tom", emails(w47))
	}

	// W46 has ended and W47 never held Tom: W48 asks about him again.
	w48 := f.openAt(t, now.Add(week), f.report)
	again := f.seat(t, w48, "tom@acme.example")
	if again.Period != "2026-W48" || again.Owner != omar || again.State != reviews.Open {
		t.Errorf("Tom in W48: %+v", again)
	}
	if _, err := f.svc.Decide(t.Context(), reviews.Input{Period: tom.Period, UserID: tom.Seat.UserID, Decision: reviews.Snooze,
		Actor: reviews.Actor{Email: omar}}); !errors.Is(err, reviews.ErrExpired) {
		t.Errorf("answering W46 in W48: err = %v, want ErrExpired", err)
	}
	// W47's seats are still open there, so W48 holds only Tom.
	if got := emails(w48); !slices.Equal(got, []string{"tom@acme.example"}) {
		t.Errorf("W48 asks about %v, want only Tom", got)
	}
}

// TestASeatHandedOnIsStillAwaitingAnAnswer: Not mine keeps the seat open
// in last week's review, so this week's still leaves it out; the review
// after asks its new owner.
func TestASeatHandedOnIsStillAwaitingAnAnswer(t *testing.T) {
	f := newFixture(t)
	week := 7 * 24 * time.Hour
	tom := f.seat(t, f.openAt(t, now.Add(-week), only(f.report, "tom@acme.example")), "tom@acme.example")

	// Omar answers W46 a week late, handing Tom to Priya; W47 is run
	// again after that.
	f.openAt(t, now, f.report)
	if _, err := f.svc.Decide(t.Context(), reviews.Input{Period: tom.Period, UserID: tom.Seat.UserID, Decision: reviews.NotMine,
		Actor: reviews.Actor{Email: omar}, NewOwner: priya}); err != nil {
		t.Fatal(err)
	}
	w47 := f.openAt(t, now, f.report)
	if slices.ContainsFunc(w47, func(it reviews.Item) bool { return it.Seat.UserID == tom.Seat.UserID }) {
		t.Error("W47 asks about Tom, handed on but still open in W46")
	}
	// Handing on one seat leaves the owner's others with the owner.
	if hannah := f.seat(t, w47, "hannah@acme.example"); hannah.Owner != omar {
		t.Errorf("Hannah in W47 is asked of %q, want %s", hannah.Owner, omar)
	}

	again := f.seat(t, f.openAt(t, now.Add(week), f.report), "tom@acme.example")
	if again.Owner != priya || again.HandedFrom != "" {
		t.Errorf("Tom in W48: owner %q, handed from %q; want asked of %s as the seat's owner", again.Owner, again.HandedFrom, priya)
	}
}

// TestOpeningAgainCreatesNothingAndKeepsDecisions: the batch create leaves
// existing items alone, so a second run changes no decision.
func TestOpeningAgainCreatesNothingAndKeepsDecisions(t *testing.T) {
	f := newFixture(t)
	items := f.open(t)
	tom := f.seat(t, items, "tom@acme.example")
	removed, err := f.svc.Decide(t.Context(), reviews.Input{Period: tom.Period, UserID: tom.Seat.UserID, Decision: reviews.Remove,
		Actor: reviews.Actor{Email: omar}})
	if err != nil {
		t.Fatal(err)
	}

	f.clock = now.Add(time.Hour)
	again := f.open(t)
	if len(again) != len(items)-1 || slices.ContainsFunc(again, func(it reviews.Item) bool { return it.Seat.UserID == tom.Seat.UserID }) {
		t.Errorf("second Open returned %v, want the first's open items without Tom", emails(again))
	}
	got, err := f.svc.Item(t.Context(), tom.Period, tom.Seat.UserID)
	if err != nil || got.State != reviews.Removed || got.DecidedBy != omar || got.Version != removed.Version {
		t.Errorf("Tom after a second Open: %+v, %v; want the removal untouched (version %d)", got, err, removed.Version)
	}
	all, _ := f.svc.Items(t.Context(), tom.Period)
	if len(all) != len(items) {
		t.Errorf("%d items after a second Open, want %d", len(all), len(items))
	}
	if opened := auditActions(t, f, "review.opened"); len(opened) != 1 || opened[0].Detail["seats"] != "7" {
		t.Errorf("review.opened entries %+v, want one for 7 seats", opened)
	}
	// It still opened at the first run.
	if at, ok, err := f.svc.Opened(t.Context(), tom.Period); err != nil || !ok || !at.Equal(now) {
		t.Errorf("Opened = %s, %v, %v; want %s", at, ok, err, now)
	}
}

// TestOpenedSaysWhenTheReviewOpened: nothing before Open, the time of the
// first Open after.
func TestOpenedSaysWhenTheReviewOpened(t *testing.T) {
	f := newFixture(t)
	period := reviews.PeriodOf(now, time.UTC)
	if at, ok, err := f.svc.Opened(t.Context(), period); err != nil || ok || !at.IsZero() {
		t.Fatalf("before Open: %s, %v, %v; want not opened", at, ok, err)
	}
	f.open(t)
	if at, ok, err := f.svc.Opened(t.Context(), period); err != nil || !ok || !at.Equal(now) {
		t.Errorf("after Open: %s, %v, %v; want %s", at, ok, err, now)
	}
	if _, ok, _ := f.svc.Opened(t.Context(), "2026-W48"); ok {
		t.Error("another period reads as opened")
	}
}

// TestOpenRefusesABadPeriod: nothing is written for a name that is not a
// period.
func TestOpenRefusesABadPeriod(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.Open(t.Context(), "2026-W 5", f.report, ownerOf); err == nil {
		t.Fatal("Open of a bad period succeeded")
	}
	if _, ok, _ := f.svc.Opened(t.Context(), "2026-W 5"); ok {
		t.Error("a bad period was recorded as opened")
	}
}

// Retention deletes the reviews of periods opened before the cutoff,
// their seats and all; this week's stays, and so does history it lost.
func TestPurge(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	old := f.openAt(t, now, f.report)
	recent := f.openAt(t, now.AddDate(0, 0, 14), f.report)
	if len(old) == 0 || len(recent) == 0 {
		t.Fatal("nothing opened")
	}
	oldPeriod, recentPeriod := reviews.PeriodOf(now, time.UTC), reviews.PeriodOf(now.AddDate(0, 0, 14), time.UTC)
	owners := map[string]bool{}
	for _, it := range old {
		owners[it.Owner] = true
	}
	n, err := f.svc.Purge(ctx, now.AddDate(0, 0, 7), 10_000)
	if err != nil || n != len(old)+len(owners)+1 {
		t.Fatalf("purged %d, %v; want the %d seats of %s, its %d owners' indexes and the period", n, err, len(old), oldPeriod, len(owners))
	}
	if items, err := f.svc.Items(ctx, oldPeriod); err != nil || len(items) != 0 {
		t.Errorf("%s still holds %d items, %v", oldPeriod, len(items), err)
	}
	if _, opened, _ := f.svc.Opened(ctx, oldPeriod); opened {
		t.Errorf("%s still shows as opened", oldPeriod)
	}
	if items, err := f.svc.Items(ctx, recentPeriod); err != nil || len(items) != len(recent) {
		t.Errorf("%s holds %d items, %v; want %d", recentPeriod, len(items), err, len(recent))
	}
	// A run cut short by its limit finishes the period next time.
	f.openAt(t, now.AddDate(0, 0, 28), f.report)
	if n, err := f.svc.Purge(ctx, now.AddDate(0, 0, 21), 2); err != nil || n != 2 {
		t.Fatalf("a short run purged %d, %v", n, err)
	}
	if n, err := f.svc.Purge(ctx, now.AddDate(0, 0, 21), 10_000); err != nil || n != len(recent)+len(owners)+1-2 {
		t.Fatalf("the next run purged %d, %v; want the rest, %d", n, err, len(recent)+len(owners)+1-2)
	}
}

// refusingCreates is a store whose item writes fail after the first
// few calls, as a store that goes away in the middle of a large opening.
type refusingCreates struct {
	store.Store
	allowed int
	calls   int
}

func (r *refusingCreates) CreateRecords(ctx context.Context, kind string, recs []store.NewRecord) (int, error) {
	if r.calls++; r.calls > r.allowed {
		return 0, errors.New("store went away")
	}
	return r.Store.CreateRecords(ctx, kind, recs)
}

// TestALargeOpeningCutOffIsFinishedByTheNext: an opening too large for one
// write that fails half-way says so, and the next opening writes the rest,
// each seat once.
func TestALargeOpeningCutOffIsFinishedByTheNext(t *testing.T) {
	f := newFixture(t)
	const n = 25_000 // three of open's batches
	var report seats.Report
	old := now.AddDate(0, 0, -90)
	for i := range n {
		report.Paid = append(report.Paid, seats.Seat{
			User: connector.Staff{ID: int64(1_000_000 + i*7919%n), Email: fmt.Sprintf("agent%05d@acme.example", i), Role: "agent", LastActivity: &old},
			Paid: true, DaysInactive: 90, Inactive: true, MonthlyCost: 115,
		})
	}
	period := reviews.PeriodOf(now, time.UTC)
	refusing := &refusingCreates{Store: f.store, allowed: 1}
	svc := &reviews.Service{Records: refusing, Audit: f.store, Now: func() time.Time { return now }, Holder: "test"}
	if _, err := svc.Open(t.Context(), period, report, ownerOf); err == nil || !strings.Contains(err.Error(), "store went away") {
		t.Fatalf("Open over a store that went away = %v, want its error", err)
	}
	refusing.allowed = math.MaxInt
	items, err := svc.Open(t.Context(), period, report, ownerOf)
	if err != nil {
		t.Fatal(err)
	}
	all, err := svc.Items(t.Context(), period)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != n || len(all) != n {
		t.Fatalf("the second opening asks about %d seats and the period holds %d; want %d each", len(items), len(all), n)
	}
	seen := map[int64]bool{}
	for _, it := range all {
		if seen[it.Seat.UserID] || it.Version != 1 || it.State != reviews.Open {
			t.Fatalf("item %d: seen before %v, version %d, state %s", it.Seat.UserID, seen[it.Seat.UserID], it.Version, it.State)
		}
		seen[it.Seat.UserID] = true
	}
}
