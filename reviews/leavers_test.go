package reviews_test

import (
	"slices"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
)

// A leaver's seat is asked about at once, active or not; one already open
// is marked as left, one snoozed before they left is asked about again,
// one removed stays removed, and asking again creates nothing.
func TestOpenLeavers(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	period := reviews.PeriodOf(now, time.UTC)
	items := f.open(t)
	tom := f.seat(t, items, "tom@acme.example")
	if _, err := f.svc.Decide(ctx, reviews.Input{Period: period, UserID: tom.Seat.UserID, Decision: reviews.Snooze, Actor: reviews.Actor{Email: omar}}); err != nil {
		t.Fatal(err)
	}
	open := items[0]
	if open.Seat.UserID == tom.Seat.UserID {
		open = items[1]
	}
	var active seats.Seat
	for _, st := range f.report.Paid {
		if !st.Inactive {
			active = st
			break
		}
	}
	if active.User.ID == 0 {
		t.Fatal("no active paid seat in the sample")
	}
	left := reviews.Left{Source: "okta", Status: "deactivated", At: now.Add(-time.Hour)}
	byID := map[int64]reviews.Left{tom.Seat.UserID: left, open.Seat.UserID: left, active.User.ID: left}
	for range 2 {
		got, err := f.svc.OpenLeavers(ctx, period, f.report, byID, ownerOf)
		if err != nil {
			t.Fatal(err)
		}
		ids := []int64{}
		for _, it := range got {
			if it.Left == nil || *it.Left != left || it.State != reviews.Open {
				t.Errorf("item %+v", it)
			}
			ids = append(ids, it.Seat.UserID)
		}
		slices.Sort(ids)
		want := []int64{open.Seat.UserID, active.User.ID, tom.Seat.UserID}
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Errorf("raised %v, want the open, the active and the snoozed seat %v", ids, want)
		}
	}
	if got, _ := f.svc.Item(ctx, period, tom.Seat.UserID); got.State != reviews.Open || got.Left == nil || got.DecidedBy != "" {
		t.Errorf("the seat snoozed before tom left: %+v; want it asked about again", got)
	}
	if n := len(auditActions(t, f, "review.reopened")); n != 1 {
		t.Errorf("%d reopened audit entries, want 1", n)
	}
	// A seat removed before the holder left stays removed.
	removedSeat := items[2]
	if _, err := f.svc.Decide(ctx, reviews.Input{Period: period, UserID: removedSeat.Seat.UserID, Decision: reviews.Remove, Actor: reviews.Actor{Email: omar, Admin: true}}); err != nil {
		t.Fatal(err)
	}
	if got, err := f.svc.OpenLeavers(ctx, period, f.report, map[int64]reviews.Left{removedSeat.Seat.UserID: left}, ownerOf); err != nil || len(got) != 0 {
		t.Errorf("a removed seat raised again: %+v, %v", got, err)
	}
	if n := len(auditActions(t, f, "review.leavers_opened")); n != 1 {
		t.Errorf("%d leavers_opened audit entries, want 1", n)
	}
}
