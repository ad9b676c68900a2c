package reviews_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// slowPatches is a store whose snapshot patches wait for release: a
// store slowed down under load.
type slowPatches struct {
	store.Snapshots
	release chan struct{}
}

func (s slowPatches) PatchSnapshot(ctx context.Context, name string, patches []store.MemberPatch) (string, string, error) {
	<-s.release
	return s.Snapshots.PatchSnapshot(ctx, name, patches)
}

// TestRemoveDoesNotWaitLongForTheSnapshot: with the snapshot's patch held
// up (a store slowed down under load), a Remove is carried out and
// answered after a short wait, and the snapshot shows the change once the
// patch lands.
func TestRemoveDoesNotWaitLongForTheSnapshot(t *testing.T) {
	f := newFixture(t)
	patched := make(chan struct{}, 1)
	release := make(chan struct{})
	f.svc.Snapshot = &seats.Patcher{Store: slowPatches{f.store, release}, Patched: func(string, string, string, []store.MemberPatch) { patched <- struct{}{} }}
	tom := f.seat(t, f.open(t), "tom@acme.example")

	removed, err := f.svc.Decide(t.Context(), reviews.Input{Period: tom.Period, UserID: tom.Seat.UserID, Decision: reviews.Remove,
		Actor: reviews.Actor{Email: omar}})
	if err != nil || removed.Change == nil || removed.Change.Status != reviews.ChangeDone {
		t.Fatalf("remove while the snapshot's patch is held up: %+v, %v; want it carried out", removed.Change, err)
	}
	if !inSnapshot(t, f, tom.Seat.UserID) {
		t.Fatal("the snapshot changed while its patch was held up")
	}

	close(release)
	select {
	case <-patched:
	case <-time.After(time.Minute):
		t.Fatal("the patch never landed once the store answered")
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
