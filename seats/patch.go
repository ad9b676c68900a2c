package seats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	mathrand "math/rand/v2"
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
// later. A patch rewrites only the snapshot's head, where it lists the
// changed members (store.Snapshots.PatchSnapshot), and only if no save or
// other patch replaced it meanwhile, so it never writes back an older
// snapshot and two patches do not undo each other. A sync's save
// replaces the patches: one that read the SaaS before a patch undoes it
// until the SaaS reports the change, which that sync's next run reads.
type Patcher struct {
	Store store.Snapshots
	// Patched, when set, is told each patch that changed a snapshot: the
	// revision it patched, the one it made, and what changed, so this
	// replica's readers apply it rather than read the snapshot again.
	Patched func(name, before, after string, patches []store.MemberPatch)
	// Logger has the failures of patches that outlast Show's wait.
	Logger *slog.Logger

	// underWay counts this replica's patches not landed yet.
	underWay atomic.Int64

	mu sync.Mutex
	// puts gathers, per snapshot, the patches of the moment into one
	// write of its head.
	puts map[string]*coalesce.Batcher[staffPut, struct{}]
}

// staffPut is one member's patch.
type staffPut struct {
	userID int64
	member *connector.Staff
}

// putWindow is how long a patch waits for others to share its write.
const putWindow = 50 * time.Millisecond

// patchTimeout bounds a patch with its read back: a slow one is given up
// and the next sync shows the change.
const patchTimeout = 10 * time.Second

// patchTries is how often a patch is tried again after another replica's
// patch or a save replaced the snapshot under it.
const patchTries = 20

// ErrNoSnapshot: there is no snapshot to patch; the first sync brings it.
var ErrNoSnapshot = errors.New("seats: no snapshot to patch yet")

// Show puts the member userID in name's snapshot as source reads them
// back, when source can (a connector.StaffReader): what the bot's change
// made of them. It does nothing for a nil Patcher, a source that cannot
// read a member back, or before the first sync. It waits at most
// showWait, and only when no other patch of this replica is under way:
// the read back is a SaaS request, which its limits may hold up, and
// with many changes at once each would wait in line for the others,
// holding up the decision that asked. A patch not waited for lands
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
		}).OneAtATime() // patches of one head at once would only conflict: queue them here, as one
		if p.puts == nil {
			p.puts = map[string]*coalesce.Batcher[staffPut, struct{}]{}
		}
		p.puts[name] = b
	}
	return b
}

// putAll applies puts, in order, in one patch of name's snapshot.
func (p *Patcher) putAll(ctx context.Context, name string, puts []staffPut) error {
	patches := make([]store.MemberPatch, len(puts))
	for i, put := range puts {
		patches[i] = store.MemberPatch{ID: put.userID, Member: put.member}
	}
	for try := 1; ; try++ {
		before, after, err := p.Store.PatchSnapshot(ctx, name, patches)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return ErrNoSnapshot
		case errors.Is(err, store.ErrConflict) && try < patchTries:
			// Another replica's patch landed first: patch what it made,
			// after a pause that keeps the replicas from meeting again.
			select {
			case <-ctx.Done():
				return fmt.Errorf("seats: patch %s: %w", name, ctx.Err())
			case <-time.After(time.Duration(try) * time.Duration(1+mathrand.IntN(10)) * time.Millisecond):
			}
			continue
		case err != nil:
			return fmt.Errorf("seats: patch %s: %w", name, err)
		}
		if after != before && p.Patched != nil {
			p.Patched(name, before, after, patches)
		}
		return nil
	}
}
