package reviews_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/reviews"
)

// replica is the fixture's service as another replica would run it.
func (f *fixture) replica(holder string) *reviews.Service {
	svc := *f.svc
	svc.Holder = holder
	return &svc
}

// TestClaimLeasesAnOwnersDelivery: one replica sends to an owner at a
// time, whichever job of which replica asks; a dead holder's lease lapses.
func TestClaimLeasesAnOwnersDelivery(t *testing.T) {
	f := newFixture(t)
	f.svc.Lease = 2 * time.Minute
	period := reviews.PeriodOf(now, time.UTC)
	a, b := f.replica("replica-a"), f.replica("replica-b")

	d, err := a.Claim(t.Context(), period, omar)
	if err != nil || d.LeaseHolder != "replica-a" || !d.LeaseUntil.Equal(now.Add(2*time.Minute)) || d.Period != period || d.Owner != omar {
		t.Fatalf("first claim: %+v, %v", d, err)
	}
	if _, err := b.Claim(t.Context(), period, omar); !errors.Is(err, reviews.ErrBusy) {
		t.Errorf("second holder: err = %v, want ErrBusy", err)
	}
	if _, err := b.Claim(t.Context(), period, dana); err != nil {
		t.Errorf("another owner's delivery is not held: %v", err)
	}

	// The holder's other job (the digest and the reminders run side by
	// side under one holder name) waits too.
	f.clock = now.Add(time.Minute)
	if _, err := a.Claim(t.Context(), period, omar); !errors.Is(err, reviews.ErrBusy) {
		t.Errorf("the holder claiming again while it holds the lease: err = %v, want ErrBusy", err)
	}
	f.clock = d.LeaseUntil.Add(-time.Second)
	if _, err := b.Claim(t.Context(), period, omar); !errors.Is(err, reviews.ErrBusy) {
		t.Errorf("a second before the lease ends: err = %v, want ErrBusy", err)
	}
	// A replica that died holding the lease is outlived by it.
	f.clock = d.LeaseUntil
	taken, err := b.Claim(t.Context(), period, omar)
	if err != nil || taken.LeaseHolder != "replica-b" {
		t.Errorf("after the lease: %+v, %v; want replica-b to hold it", taken, err)
	}
	// What the dead holder sent is unknown from when it claimed.
	if !taken.Unsure.Equal(now) {
		t.Errorf("after a lapsed lease: unsure since %v, want %v, when the dead holder claimed", taken.Unsure, now)
	}
	if !d.Unsure.IsZero() {
		t.Errorf("a first claim is unsure since %v; nothing was sent before it", d.Unsure)
	}
	if _, err := a.Claim(t.Context(), period, omar); !errors.Is(err, reviews.ErrBusy) {
		t.Errorf("the old holder after losing the lease: err = %v, want ErrBusy", err)
	}
}

// TestDeliveredRecordsWhatWasSent: seats merge sorted and once, messages
// add up, the first send time stays and the lease is given back.
func TestDeliveredRecordsWhatWasSent(t *testing.T) {
	f := newFixture(t)
	period := reviews.PeriodOf(now, time.UTC)
	first := []reviews.Ref{{Platform: "slack", Conversation: "D1", Message: "1.0001"}}
	second := []reviews.Ref{{Platform: "slack", Conversation: "D1", Message: "1.0002"}, {Platform: "teams", Conversation: "c", Message: "m"}}

	if _, err := f.svc.Claim(t.Context(), period, omar); err != nil {
		t.Fatal(err)
	}
	d, err := f.svc.Delivered(t.Context(), period, omar, []int64{30, 10, 30, 20}, first)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Seats, []int64{10, 20, 30}) || !slices.Equal(d.Refs, first) || !d.SentAt.Equal(now) {
		t.Errorf("after the first send: %+v", d)
	}
	if d.LeaseHolder != "" || !d.LeaseUntil.IsZero() {
		t.Errorf("lease still held after Delivered: %s until %s", d.LeaseHolder, d.LeaseUntil)
	}
	if _, err := f.replica("other").Claim(t.Context(), period, omar); err != nil {
		t.Errorf("another replica after Delivered: %v", err)
	}

	f.clock = now.Add(time.Hour)
	d, err = f.svc.Delivered(t.Context(), period, omar, []int64{25, 10, 5}, second)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{5, 10, 20, 25, 30}; !slices.Equal(d.Seats, want) {
		t.Errorf("seats %v, want %v", d.Seats, want)
	}
	if want := append(slices.Clone(first), second...); !slices.Equal(d.Refs, want) {
		t.Errorf("refs %v, want %v", d.Refs, want)
	}
	if !d.SentAt.Equal(now) {
		t.Errorf("SentAt moved to %s; it is the first send", d.SentAt)
	}
	if d.LeaseHolder != "other" {
		t.Errorf("lease holder %q; Delivered releases only its own replica's lease", d.LeaseHolder)
	}
	for _, id := range []int64{5, 10, 20, 25, 30} {
		if !d.Sent(id) {
			t.Errorf("Sent(%d) = false", id)
		}
	}
	if d.Sent(15) {
		t.Error("Sent(15) = true")
	}

	stored, err := f.svc.Delivery(t.Context(), period, omar)
	if err != nil || !slices.Equal(stored.Seats, d.Seats) || !slices.Equal(stored.Refs, d.Refs) || stored.Version != d.Version {
		t.Errorf("stored delivery %+v, %v; want %+v", stored, err, d)
	}
}

// TestDeliveriesReadByOwner: an owner sent nothing has a zero delivery
// naming the period and owner; the period's list is by owner.
func TestDeliveriesReadByOwner(t *testing.T) {
	f := newFixture(t)
	period := reviews.PeriodOf(now, time.UTC)
	d, err := f.svc.Delivery(t.Context(), period, priya)
	if err != nil || d.Period != period || d.Owner != priya || d.Seats != nil || !d.SentAt.IsZero() || d.Version != 0 {
		t.Errorf("unknown owner: %+v, %v; want zero with period and owner", d, err)
	}
	if all, err := f.svc.Deliveries(t.Context(), period); err != nil || len(all) != 0 {
		t.Errorf("before any send: %v, %v", all, err)
	}

	if _, err := f.svc.Delivered(t.Context(), period, omar, []int64{1}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Delivered(t.Context(), period, dana, []int64{2, 3}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Delivered(t.Context(), "2026-W46", priya, []int64{4}, nil); err != nil {
		t.Fatal(err)
	}
	all, err := f.svc.Deliveries(t.Context(), period)
	if err != nil || len(all) != 2 {
		t.Fatalf("deliveries %v, %v; want Omar's and Dana's", all, err)
	}
	if got := all[dana]; got.Owner != dana || got.Period != period || !slices.Equal(got.Seats, []int64{2, 3}) || got.Version == 0 {
		t.Errorf("Dana's delivery %+v", got)
	}
	if got := all[omar]; !slices.Equal(got.Seats, []int64{1}) {
		t.Errorf("Omar's delivery %+v", got)
	}
}

// TestOneReplicaWinsAnOwner: of 20 replicas claiming one owner at once,
// exactly one holds the lease; the rest are told another is sending.
func TestOneReplicaWinsAnOwner(t *testing.T) {
	f := newFixture(t)
	period := reviews.PeriodOf(now, time.UTC)
	var (
		wg         sync.WaitGroup
		mu         sync.Mutex
		winners    []string
		busy, errs int
	)
	for i := range 20 {
		svc := f.replica(fmt.Sprintf("replica-%02d", i))
		wg.Go(func() {
			d, err := svc.Claim(t.Context(), period, omar)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				winners = append(winners, d.LeaseHolder)
			case errors.Is(err, reviews.ErrBusy):
				busy++
			default:
				errs++
				t.Errorf("claim: %v", err)
			}
		})
	}
	wg.Wait()
	if len(winners) != 1 || busy != 19 || errs != 0 {
		t.Fatalf("20 claims: winners %v, %d busy, %d other; want 1, 19, 0", winners, busy, errs)
	}
	d, err := f.svc.Delivery(t.Context(), period, omar)
	if err != nil || d.LeaseHolder != winners[0] {
		t.Errorf("stored lease holder %q, %v; want the winner %s", d.LeaseHolder, err, winners[0])
	}
}
