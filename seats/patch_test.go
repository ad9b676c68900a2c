package seats_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

func patchStores() map[string]func(t *testing.T) store.Store {
	return map[string]func(t *testing.T) store.Store{
		"bolt":  func(t *testing.T) store.Store { return teststores.Bolt(t, time.Now) },
		"redis": func(t *testing.T) store.Store { return teststores.Redis(t, "patch") },
	}
}

func staffSnapshot(n int) *store.Snapshot {
	snap := &store.Snapshot{SyncedAt: now, Connector: connector.Zendesk, Account: "https://acme.zendesk.com"}
	for i := range n {
		snap.Staff = append(snap.Staff, connector.Staff{ID: int64(i + 1), Email: fmt.Sprintf("agent%d@acme.example", i+1), Role: "agent"})
	}
	snap.Cursor = "c1"
	return snap
}

// TestPatch: a change shows in the stored snapshot, one member at a time:
// kept and changed, or taken out; a member the snapshot does not hold and
// a store with no snapshot are left alone. Patches at once all land,
// sharing their writes of the snapshot's head.
func TestPatch(t *testing.T) {
	for name, open := range patchStores() {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			var saves atomic.Int64
			p := &seats.Patcher{Store: st, Patched: func(string, string, string, []store.MemberPatch) { saves.Add(1) }}
			suspended := &connector.Staff{ID: 1, Email: "agent1@acme.example", Role: "agent", Suspended: true}
			if err := p.Put(ctx, connector.Zendesk, 1, suspended); !errors.Is(err, seats.ErrNoSnapshot) {
				t.Fatalf("no snapshot: %v", err)
			}
			if err := st.SaveSnapshot(ctx, staffSnapshot(40)); err != nil {
				t.Fatal(err)
			}
			if err := p.Put(ctx, connector.Zendesk, 1, suspended); err != nil || saves.Load() != 1 {
				t.Fatalf("suspend: %v (saved %d)", err, saves.Load())
			}
			stranger := &connector.Staff{ID: 999, Email: "stranger@acme.example", Role: "agent"}
			if err := p.Put(ctx, connector.Zendesk, 999, stranger); err != nil {
				t.Fatalf("a member not held: %v", err)
			}
			var wg sync.WaitGroup
			for id := int64(2); id <= 21; id++ {
				wg.Go(func() {
					if err := p.Put(ctx, connector.Zendesk, id, nil); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if n := saves.Load() - 1; n >= 20 {
				t.Errorf("20 patches at once saved the snapshot %d times, want them to share saves", n)
			}
			snap, err := st.LoadSnapshot(ctx, connector.Zendesk)
			if err != nil {
				t.Fatal(err)
			}
			if len(snap.Staff) != 20 || snap.Staff[0].ID != 1 || !snap.Staff[0].Suspended || snap.Staff[1].ID != 22 || snap.Cursor != "c1" {
				t.Errorf("after the patches: %d staff, first %+v, cursor %q; want 20 left, 1 suspended, the cursor kept", len(snap.Staff), snap.Staff[0], snap.Cursor)
			}
		})
	}
}

// suspendedReadBack reads every member back as suspended: what a
// Suspend decision made of them.
type suspendedReadBack struct{}

func (suspendedReadBack) StaffMember(_ context.Context, id int64) (connector.Staff, bool, error) {
	return connector.Staff{ID: id, Email: fmt.Sprintf("agent%d@acme.example", id), Role: "agent", Suspended: true}, true, nil
}

// heldReadBack is a read back that waits for release: a SaaS slow to
// answer.
type heldReadBack struct{ release chan struct{} }

func (h heldReadBack) StaffMember(ctx context.Context, id int64) (connector.Staff, bool, error) {
	<-h.release
	return suspendedReadBack{}.StaffMember(ctx, id)
}

// TestShowWaitsOnlyForTheOnlyPatchUnderWay: a decision waits (a little)
// for its change to show in the snapshot only when no other patch is
// under way; with one in line, waiting would hold the decision up for the
// others, so it returns at once and its patch lands on its own.
func TestShowWaitsOnlyForTheOnlyPatchUnderWay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		st := teststores.Bolt(t, time.Now)
		if err := st.SaveSnapshot(ctx, staffSnapshot(3)); err != nil {
			t.Fatal(err)
		}
		patched := make(chan struct{}, 2)
		p := &seats.Patcher{Store: st, Patched: func(string, string, string, []store.MemberPatch) { patched <- struct{}{} }}
		slow := heldReadBack{make(chan struct{})}
		firstWaited := make(chan time.Duration, 1)
		go func() {
			start := time.Now()
			_ = p.Show(ctx, connector.Zendesk, 1, slow)
			firstWaited <- time.Since(start)
		}()
		synctest.Wait()
		start := time.Now()
		if err := p.Show(ctx, connector.Zendesk, 2, suspendedReadBack{}); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("a patch with another under way waited %s, want none", waited)
		}
		if waited := <-firstWaited; waited == 0 {
			t.Error("the only patch under way did not wait for its save")
		}
		close(slow.release)
		for { // both land, in one patch or two
			<-patched
			snap, err := st.LoadSnapshot(ctx, connector.Zendesk)
			if err != nil {
				t.Fatal(err)
			}
			if snap.Staff[0].Suspended && snap.Staff[1].Suspended {
				break
			}
		}
	})
}
