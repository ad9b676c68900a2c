package seats

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/coalesce"
	"github.com/seatwarden/seatwarden/store"
)

// Patcher applies the bot's own confirmed changes to the stored snapshot
// at once, so the counts and answers agree with what the bot just did
// rather than with the SaaS's export, which reports a change minutes
// later. A patch and a sync's save take the same short lock, so a patch
// never writes back a snapshot older than one a sync just saved, and two
// patches do not undo each other. A sync that read its base before a
// patch and saves after it undoes the patch until the SaaS reports the
// change, which that sync's next run reads.
type Patcher struct {
	Store store.Snapshots
	Locks store.Locks
	// Saved, when set, is told after a patch is saved, so this replica's
	// readers look at once rather than at their next check.
	Saved func()
	// Logger has the failures of patches that outlast Show's wait.
	Logger *slog.Logger

	// underWay counts this replica's patches not landed yet.
	underWay atomic.Int64

	mu sync.Mutex
	// puts gathers, per snapshot, the patches of the moment into one load
	// and one save: each is the whole snapshot, so a review carrying out
	// dozens of changes a second would otherwise queue on its lock.
	puts map[string]*coalesce.Batcher[staffPut, struct{}]
}

// staffPut is one member's patch.
type staffPut struct {
	userID int64
	member *connector.Staff
}

// putWindow is how long a patch waits for others to share its save.
const putWindow = 50 * time.Millisecond

// patchTimeout bounds a patch with its read back: a slow one is given up
// and the next sync shows the change.
const patchTimeout = 10 * time.Second

// patchLockTTL bounds a patch; a patch is one load and one save.
const patchLockTTL = 30 * time.Second

// patchTries is how often a patch waits for another to finish.
const patchTries = 20

// lockSnapshot takes the short lock under which name's snapshot is
// loaded and saved by a patch, or saved by a sync, waiting a little for
// another holder; release gives it back.
func lockSnapshot(ctx context.Context, locks store.Locks, name string) (release func(), err error) {
	lockName := "snapshot-save:" + store.ConnectorOrDefault(name)
	var lock store.Lock
	for try := range patchTries {
		lock, err = locks.AcquireLock(ctx, lockName, "save-"+rand.Text()[:8], patchLockTTL)
		if !errors.Is(err, store.ErrLockHeld) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(try+1) * 25 * time.Millisecond):
		}
	}
	if err != nil {
		return nil, err
	}
	return func() { _ = locks.ReleaseLock(context.WithoutCancel(ctx), lock) }, nil
}

// ErrNoSnapshot: there is no snapshot to patch; the first sync brings it.
var ErrNoSnapshot = errors.New("seats: no snapshot to patch yet")

// Show puts the member userID in name's snapshot as source reads them
// back, when source can (a connector.StaffReader): what the bot's change
// made of them. It does nothing for a nil Patcher, a source that cannot
// read a member back, or before the first sync. It waits at most
// showWait, and only when no other patch of this replica is under way:
// at a large account's size a save of the snapshot takes seconds, and
// with many changes at once each would wait in line for the others'
// saves, holding up the decision that asked. A patch not waited for lands
// on its own (within patchTimeout, or the next sync shows the change),
// and a failure then is logged rather than returned.
func (p *Patcher) Show(ctx context.Context, name string, userID int64, source any) error {
	reader, ok := source.(connector.StaffReader)
	if p == nil || !ok {
		return nil
	}
	alone := p.underWay.Add(1) == 1
	done := make(chan error, 1)
	go func() {
		defer p.underWay.Add(-1)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), patchTimeout)
		defer cancel()
		err := p.Refresh(ctx, name, userID, reader)
		if errors.Is(err, ErrNoSnapshot) {
			err = nil
		}
		done <- err
	}()
	wait := showWait
	if !alone {
		wait = 0
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(wait):
		go func() {
			if err := <-done; err != nil {
				p.log().Warn("seats: a change does not show in the snapshot yet; the next sync will", slog.String("snapshot", name), slog.Int64("user", userID), slog.Any("error", err))
			}
		}()
		return nil
	}
}

// showWait is how long Show waits for its patch to land.
const showWait = time.Second

func (p *Patcher) log() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

// Refresh reads the member userID back from the SaaS and puts them in
// name's snapshot as read: what the bot's change made of them.
func (p *Patcher) Refresh(ctx context.Context, name string, userID int64, reader connector.StaffReader) error {
	m, staff, err := reader.StaffMember(ctx, userID)
	if err != nil {
		return fmt.Errorf("seats: read %d back: %w", userID, err)
	}
	if !staff {
		return p.Put(ctx, name, userID, nil)
	}
	return p.Put(ctx, name, userID, &m)
}

// Put makes the member userID of name's snapshot read as member, as the
// SaaS holds them after the bot's change; nil takes them out (they are no
// longer staff). A member the snapshot does not hold is left alone: a
// sync adds newcomers, with their groups.
func (p *Patcher) Put(ctx context.Context, name string, userID int64, member *connector.Staff) error {
	_, err := p.batcher(name).Do(ctx, staffPut{userID, member})
	return err
}

func (p *Patcher) batcher(name string) *coalesce.Batcher[staffPut, struct{}] {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, ok := p.puts[name]
	if !ok {
		b = coalesce.New(1000, putWindow, patchTimeout, func(ctx context.Context, puts []staffPut) ([]struct{}, []error) {
			err := p.putAll(ctx, name, puts)
			return make([]struct{}, len(puts)), slices.Repeat([]error{err}, len(puts))
		}).OneAtATime() // saves queue on the lock anyway: queue them here, as one
		if p.puts == nil {
			p.puts = map[string]*coalesce.Batcher[staffPut, struct{}]{}
		}
		p.puts[name] = b
	}
	return b
}

// putAll applies puts, in order, with one load and one save of name's
// snapshot.
func (p *Patcher) putAll(ctx context.Context, name string, puts []staffPut) error {
	release, err := lockSnapshot(ctx, p.Locks, name)
	if err != nil {
		return fmt.Errorf("seats: patch %s: %w", name, err)
	}
	defer release()

	snap, err := p.Store.LoadSnapshot(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoSnapshot
	}
	if err != nil {
		return fmt.Errorf("seats: patch %s: %w", name, err)
	}
	at := make(map[int64]int, len(snap.Staff))
	for i, s := range snap.Staff {
		at[s.ID] = i
	}
	changed, gone := false, map[int64]bool{}
	for _, put := range puts {
		i, ok := at[put.userID]
		if !ok {
			continue
		}
		changed = true
		if put.member != nil {
			snap.Staff[i] = *put.member
			delete(gone, put.userID)
		} else {
			gone[put.userID] = true
		}
	}
	if !changed {
		return nil
	}
	if len(gone) > 0 {
		snap.Staff = slices.DeleteFunc(snap.Staff, func(s connector.Staff) bool { return gone[s.ID] })
	}
	if err := p.Store.SaveSnapshot(ctx, snap); err != nil {
		return fmt.Errorf("seats: patch %s: %w", name, err)
	}
	if p.Saved != nil {
		p.Saved()
	}
	return nil
}
