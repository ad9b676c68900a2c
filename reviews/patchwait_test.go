package reviews_test

import (
	"slices"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
)

// TestRemoveDoesNotWaitInLineForTheSnapshot: with the snapshot's save
// lock held elsewhere (another replica saving a large account), a Remove
// is carried out and answered without waiting for it, and the snapshot
// shows the change once the lock is free.
func TestRemoveDoesNotWaitInLineForTheSnapshot(t *testing.T) {
	f := newFixture(t)
	saved := make(chan struct{}, 1)
	f.svc.Snapshot = &seats.Patcher{Store: f.store, Locks: f.store, Saved: func() { saved <- struct{}{} }}
	tom := f.seat(t, f.open(t), "tom@acme.example")
	lock, err := f.store.AcquireLock(t.Context(), "snapshot-save:"+connector.Zendesk, "another-replica", time.Minute)
	if err != nil {
		t.Fatal(err)
	}

	removed, err := f.svc.Decide(t.Context(), reviews.Input{Period: tom.Period, UserID: tom.Seat.UserID, Decision: reviews.Remove,
		Actor: reviews.Actor{Email: omar}})
	if err != nil || removed.Change == nil || removed.Change.Status != reviews.ChangeDone {
		t.Fatalf("remove while the snapshot is locked: %+v, %v; want it carried out", removed.Change, err)
	}
	if !inSnapshot(t, f, tom.Seat.UserID) {
		t.Fatal("the snapshot changed while another replica held its lock")
	}

	if err := f.store.ReleaseLock(t.Context(), lock); err != nil {
		t.Fatal(err)
	}
	select {
	case <-saved:
	case <-time.After(time.Minute):
		t.Fatal("the patch never landed after the lock was freed")
	}
	if inSnapshot(t, f, tom.Seat.UserID) {
		t.Error("the snapshot still holds Tom as staff after the patch")
	}
}

// inSnapshot reports whether the stored snapshot still holds userID as
// staff.
func inSnapshot(t *testing.T, f *fixture, userID int64) bool {
	t.Helper()
	snap, err := f.store.LoadSnapshot(t.Context(), connector.Zendesk)
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(snap.Staff, func(s connector.Staff) bool { return s.ID == userID })
}
