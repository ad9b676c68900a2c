package once_test

import (
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/seatwarden/seatwarden/bot/internal/once"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

// TestADeliveryIsTakenOnce: the first delivery takes the message, others
// come again while it holds the lease, and once it is marked taken every
// delivery is dropped; a lease that lapsed unmarked lets the next one
// take it.
func TestADeliveryIsTakenOnce(t *testing.T) {
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "once.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ctx := t.Context()
	begin := func(k once.Keys, lease time.Duration, want once.State) {
		t.Helper()
		if got, err := once.Begin(ctx, st, k, lease); err != nil || got != want {
			t.Fatalf("Begin(%s) = %v, %v; want %v", k.Done, got, err, want)
		}
	}
	kept := once.Keys{Done: "m1", Lease: "m1:lease"}
	begin(kept, time.Minute, once.Take)
	begin(kept, time.Minute, once.Taking)
	if err := once.Mark(ctx, st, kept, time.Hour); err != nil {
		t.Fatal(err)
	}
	begin(kept, time.Minute, once.Done)

	died := once.Keys{Done: "m2", Lease: "m2:lease"}
	begin(died, 50*time.Millisecond, once.Take) // its taker dies unmarked
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := once.Begin(ctx, st, died, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if got == once.Take {
			break
		}
		if got != once.Taking || time.Now().After(deadline) {
			t.Fatalf("after the lease lapsed: %v, want Take", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAHeldLeaseOutlivesItsLength: work that runs past its lease keeps it,
// so a redelivery meanwhile is sent away to come again rather than taken
// by a second replica; a lease lost meanwhile is reported.
func TestAHeldLeaseOutlivesItsLength(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st, err := boltstore.Open(filepath.Join(t.TempDir(), "once.db"), boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		ctx := t.Context()
		const lease = 30 * time.Second
		k := once.Keys{Done: "e1", Lease: "e1:lease"}
		if got, err := once.Begin(ctx, st, k, lease); err != nil || got != once.Take {
			t.Fatalf("Begin = %v, %v; want Take", got, err)
		}
		stop := once.Hold(ctx, st, k.Lease, lease)
		time.Sleep(3 * lease) // the answer is paced by Slack
		if got, err := once.Begin(ctx, st, k, lease); err != nil || got != once.Taking {
			t.Fatalf("a redelivery while the lease is held: %v, %v; want Taking", got, err)
		}
		if !stop() {
			t.Error("stop reports the lease lost; it was held")
		}

		lost := once.Keys{Done: "e2", Lease: "e2:lease"}
		if got, err := once.Begin(ctx, st, lost, lease); err != nil || got != once.Take {
			t.Fatalf("Begin = %v, %v; want Take", got, err)
		}
		stop = once.Hold(ctx, st, lost.Lease, lease)
		if err := st.ReleaseKey(ctx, lost.Lease); err != nil { // as if it lapsed
			t.Fatal(err)
		}
		time.Sleep(lease)
		if stop() {
			t.Error("stop reports the lease held; it was lost")
		}
	})
}
