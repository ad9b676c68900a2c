package reviews_test

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/store"
)

// countingLists counts the listings of one period's review items.
type countingLists struct {
	store.Store
	period string
	lists  atomic.Int64
}

func (c *countingLists) ListRecords(ctx context.Context, kind string) ([]store.Record, error) {
	if strings.Contains(kind, "item") && strings.HasSuffix(kind, c.period) {
		c.lists.Add(1)
	}
	return c.Store.ListRecords(ctx, kind)
}

// TestOpenAndListReadsBackOnlyWhatItDidNotWrite: the first opening of a
// period returns the items it wrote, which are the whole period, without
// reading them back; a later one returns the whole period as it stands,
// decisions included, read back once.
func TestOpenAndListReadsBackOnlyWhatItDidNotWrite(t *testing.T) {
	f := newFixture(t)
	period := reviews.PeriodOf(f.clock, time.UTC)
	counting := &countingLists{Store: f.store, period: period}
	f.svc.Records = counting
	byID := func(items []reviews.Item) []reviews.Item {
		items = slices.Clone(items)
		slices.SortFunc(items, func(a, b reviews.Item) int { return int(a.Seat.UserID - b.Seat.UserID) })
		return items
	}

	first, err := f.svc.OpenAndList(t.Context(), period, f.report, ownerOf)
	if err != nil {
		t.Fatal(err)
	}
	if n := counting.lists.Load(); n != 0 {
		t.Errorf("the first opening read the period back %d times, want none", n)
	}
	stored, err := f.svc.Items(t.Context(), period)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) == 0 {
		t.Fatal("the sample account has no inactive seat to ask about")
	}
	if diff := cmp.Diff(byID(stored), byID(first)); diff != "" {
		t.Errorf("the first opening's items against the period's (-stored +returned):\n%s", diff)
	}

	tom := f.seat(t, first, "tom@acme.example")
	if _, err := f.svc.Decide(t.Context(), reviews.Input{Period: period, UserID: tom.Seat.UserID, Decision: reviews.Snooze,
		Actor: reviews.Actor{Email: omar}}); err != nil {
		t.Fatal(err)
	}
	counting.lists.Store(0)
	again, err := f.svc.OpenAndList(t.Context(), period, f.report, ownerOf)
	if err != nil {
		t.Fatal(err)
	}
	if n := counting.lists.Load(); n != 1 {
		t.Errorf("opening again read the period back %d times, want once", n)
	}
	if got := f.seat(t, again, "tom@acme.example"); got.State != reviews.Snoozed || len(again) != len(first) {
		t.Errorf("opening again: %d items, Tom's %s; want %d, Tom's snoozed", len(again), got.State, len(first))
	}
}
