package access_test

import (
	"slices"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/seats"
)

// TestGrantShowsInTheSnapshot: a grant's role, and the earlier one put
// back at its end, show in the stored snapshot at once, before any sync.
func TestGrantShowsInTheSnapshot(t *testing.T) {
	f := newFixture(t, bolt)
	syncer := &seats.Syncer{Source: f.roles, Connector: connector.Zendesk, Store: f.store, Account: f.emu.URL, Now: f.now}
	if _, err := syncer.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	svc := f.replica("a", nil)
	svc.Snapshot = &seats.Patcher{Store: f.store}
	who := f.user(t, priya)
	privileged := func() bool {
		t.Helper()
		snap, err := f.store.LoadSnapshot(t.Context(), connector.Zendesk)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(snap.Staff, func(s connector.Staff) bool { return s.ID == who.ID })
		if i < 0 {
			t.Fatalf("%s left the snapshot", priya)
		}
		return snap.Staff[i].Privileged && snap.Staff[i].Role == zendesk.RoleAdmin
	}
	if privileged() {
		t.Fatalf("%s is privileged before the grant", priya)
	}
	if _, err := svc.Grant(t.Context(), f.request(t, "r1", priya, time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !privileged() {
		t.Error("the snapshot does not show the grant")
	}
	f.advance(time.Hour)
	if res, err := svc.Sweep(t.Context()); err != nil || len(res.Ended) != 1 {
		t.Fatalf("sweep: %+v, %v", res, err)
	}
	if privileged() {
		t.Error("the snapshot still shows the role after the grant ended")
	}
}
