package reviews_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/reviews"
)

func userIDs(items []reviews.Item) []int64 {
	out := make([]int64, 0, len(items))
	for _, it := range items {
		out = append(out, it.Seat.UserID)
	}
	slices.Sort(out)
	return out
}

// An owner's items are read without the rest of the period: exactly
// the seats they were asked about, a seat handed on in both the new
// owner's list and (until the digest's rule drops it) the old one's; a
// period opened before the index is read whole and gives the same.
func TestOwnerItems(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	items := f.open(t)
	period := reviews.PeriodOf(now, time.UTC)
	want := func(owner string) []int64 {
		var out []int64
		for _, it := range items {
			if it.Owner == owner {
				out = append(out, it.Seat.UserID)
			}
		}
		slices.Sort(out)
		return out
	}
	for _, owner := range []string{omar, dana, priya} {
		got, err := f.svc.OwnerItems(ctx, period, owner)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(userIDs(got), want(owner)) {
			t.Errorf("%s: items %v, want %v", owner, userIDs(got), want(owner))
		}
	}

	tom := f.seat(t, items, "tom@acme.example")
	if _, err := f.svc.Decide(ctx, reviews.Input{Period: period, UserID: tom.Seat.UserID, Decision: reviews.NotMine,
		Actor: reviews.Actor{Email: omar}, NewOwner: priya}); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.OwnerItems(ctx, period, priya)
	if err != nil || !slices.Equal(userIDs(got), []int64{tom.Seat.UserID}) || got[0].Owner != priya {
		t.Errorf("priya after the hand-over: %+v, %v; want Tom's seat, now hers", got, err)
	}
	got, err = f.svc.OwnerItems(ctx, period, omar)
	if err != nil || !slices.Contains(userIDs(got), tom.Seat.UserID) {
		t.Errorf("omar after the hand-over: %v, %v; want Tom's seat still listed (his digest shows it handed on)", userIDs(got), err)
	}

	// A period opened before there was an index.
	rec, err := f.store.GetRecord(ctx, "review", period)
	if err != nil {
		t.Fatal(err)
	}
	var rv map[string]any
	_ = json.Unmarshal(rec.Data, &rv)
	delete(rv, "indexed")
	data, _ := json.Marshal(rv)
	if _, err := f.store.CompareAndSwapRecord(ctx, "review", period, rec.Version, data); err != nil {
		t.Fatal(err)
	}
	unindexed, err := f.svc.OwnerItems(ctx, period, omar)
	if err != nil || !slices.Equal(userIDs(unindexed), userIDs(got)) {
		t.Errorf("omar in a period without the index: %v, %v; want %v", userIDs(unindexed), err, userIDs(got))
	}
}
