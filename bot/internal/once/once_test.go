package once_test

import (
	"path/filepath"
	"testing"
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
