package seats

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/store"
)

// recording is a store that notes the lock and save calls it sees, in
// order.
type recording struct {
	store.Store
	mu  sync.Mutex
	log []string
}

func (r *recording) note(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, s)
}

func (r *recording) AcquireLock(ctx context.Context, name, holder string, ttl time.Duration) (store.Lock, error) {
	l, err := r.Store.AcquireLock(ctx, name, holder, ttl)
	if err == nil {
		r.note("lock " + name)
	}
	return l, err
}

func (r *recording) ReleaseLock(ctx context.Context, l store.Lock) error {
	r.note("release " + l.Name)
	return r.Store.ReleaseLock(ctx, l)
}

func (r *recording) SaveSnapshot(ctx context.Context, s *store.Snapshot) error {
	r.note("save")
	return r.Store.SaveSnapshot(ctx, s)
}

// TestSyncSavesUnderThePatchLock: a sync's save takes the lock patches
// take, so a patch's load and save cannot straddle it; while a patch holds
// it, the save waits and gives up with the context rather than saving.
func TestSyncSavesUnderThePatchLock(t *testing.T) {
	rec := &recording{Store: teststores.Bolt(t, nil)}
	s := &Syncer{Store: rec, Locks: rec}
	snap := &store.Snapshot{SyncedAt: time.Now(), Connector: connector.Zendesk, Roster: connector.Roster{Cursor: "c"}}
	if err := s.save(t.Context(), connector.Zendesk, snap); err != nil {
		t.Fatal(err)
	}
	want := []string{"lock snapshot-save:zendesk", "save", "release snapshot-save:zendesk"}
	if !slices.Equal(rec.log, want) {
		t.Errorf("calls %q, want %q", rec.log, want)
	}

	release, err := lockSnapshot(t.Context(), rec, connector.Zendesk)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	rec.log = nil
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.save(ctx, connector.Zendesk, snap); !errors.Is(err, context.Canceled) {
		t.Errorf("a save while a patch holds the lock: %v, want it to wait (and give up with its context)", err)
	}
	if slices.Contains(rec.log, "save") {
		t.Error("the sync saved while a patch held the lock")
	}
}
