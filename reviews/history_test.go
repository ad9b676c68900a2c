package reviews_test

import (
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/reviews"
)

// TestHistory: a seat's reviews, newest first, each as it ended; periods
// that did not ask about it are skipped; limit bounds the answer.
func TestHistory(t *testing.T) {
	f := newFixture(t)
	first := f.open(t)
	tom := f.seat(t, first, "tom@acme.example")
	w47 := reviews.PeriodOf(f.clock, time.UTC)
	if _, err := f.svc.Decide(t.Context(), reviews.Input{Period: w47, UserID: tom.Seat.UserID, Decision: reviews.Snooze, Actor: reviews.Actor{Email: omar}}); err != nil {
		t.Fatal(err)
	}
	// Three weeks on, the snooze is over and Tom is asked again.
	f.clock = f.clock.AddDate(0, 0, 21)
	w50 := reviews.PeriodOf(f.clock, time.UTC)
	f.seat(t, f.open(t), "tom@acme.example")

	got, err := f.svc.History(t.Context(), tom.Seat.UserID, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Period != w50 || got[0].State != reviews.Open || got[1].Period != w47 || got[1].State != reviews.Snoozed {
		t.Fatalf("history = %+v, want %s open then %s snoozed", got, w50, w47)
	}
	if one, err := f.svc.History(t.Context(), tom.Seat.UserID, 1); err != nil || len(one) != 1 || one[0].Period != w50 {
		t.Errorf("limit 1: %+v, %v", one, err)
	}
	if none, err := f.svc.History(t.Context(), 424242, 5); err != nil || len(none) != 0 {
		t.Errorf("a seat never asked about: %+v, %v", none, err)
	}
}
