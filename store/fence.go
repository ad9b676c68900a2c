package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/connector"
)

// ErrFenced: a write made for a job run whose lock is no longer its own
// (it expired while the process was frozen or cut off from the store,
// and another replica may be running the job), refused before it is made.
var ErrFenced = errors.New("store: the job's lock is no longer held; write refused")

// fence is a job run's lock, as the writes made for the run check it.
type fence struct {
	locks Locks
	ttl   time.Duration

	mu   sync.Mutex
	lock Lock
}

type fenceKey struct{}

// WithFence marks ctx as a run holding lock (taken for ttl): a store
// wrapped with Fenced makes a write for ctx only while the lock is still
// the live hold, renewing it as it checks. A replica frozen past its
// lock's TTL (a long GC pause, a stopped VM, a partition) thus wakes to
// refused writes instead of overwriting what the job's next holder did.
func WithFence(ctx context.Context, locks Locks, lock Lock, ttl time.Duration) context.Context {
	return context.WithValue(ctx, fenceKey{}, &fence{locks: locks, ttl: ttl, lock: lock})
}

// check renews the run's lock, which fails once the lock is another's.
func (f *fence) check(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	renewed, err := f.locks.RenewLock(ctx, f.lock, f.ttl)
	if errors.Is(err, ErrNotLockHolder) {
		return fmt.Errorf("%w (%s, token %d)", ErrFenced, f.lock.Name, f.lock.Token)
	}
	if err != nil {
		return err
	}
	f.lock = renewed
	return nil
}

// Fenced wraps s so that its writes made for a context from WithFence are
// refused with ErrFenced once that run's lock is lost. Writes for any
// other context, and every read, pass straight through.
func Fenced(s Store) Store { return &fenced{Store: s} }

type fenced struct{ Store }

func checkFence(ctx context.Context) error {
	if f, ok := ctx.Value(fenceKey{}).(*fence); ok {
		return f.check(ctx)
	}
	return nil
}

func (f *fenced) SaveSnapshot(ctx context.Context, s *Snapshot) error {
	if err := checkFence(ctx); err != nil {
		return err
	}
	return f.Store.SaveSnapshot(ctx, s)
}

// WriteSnapshot checks before the members are written and again before
// the new snapshot replaces the old: a long write can outlive the lock.
func (f *fenced) WriteSnapshot(ctx context.Context, head *Snapshot, staff StaffWriter) error {
	if err := checkFence(ctx); err != nil {
		return err
	}
	return f.Store.WriteSnapshot(ctx, head, func(put func(connector.Staff) error) error {
		if err := staff(put); err != nil {
			return err
		}
		return checkFence(ctx)
	})
}

func (f *fenced) ClaimKey(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := checkFence(ctx); err != nil {
		return false, err
	}
	return f.Store.ClaimKey(ctx, key, ttl)
}

func (f *fenced) ExtendKey(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := checkFence(ctx); err != nil {
		return false, err
	}
	return f.Store.ExtendKey(ctx, key, ttl)
}

func (f *fenced) AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	if err := checkFence(ctx); err != nil {
		return AuditEntry{}, err
	}
	return f.Store.AppendAudit(ctx, e)
}

func (f *fenced) AppendAuditOnce(ctx context.Context, key string, e AuditEntry) (AuditEntry, bool, error) {
	if err := checkFence(ctx); err != nil {
		return AuditEntry{}, false, err
	}
	return f.Store.AppendAuditOnce(ctx, key, e)
}

func (f *fenced) CreateRecord(ctx context.Context, kind, id string, data []byte) (Record, error) {
	if err := checkFence(ctx); err != nil {
		return Record{}, err
	}
	return f.Store.CreateRecord(ctx, kind, id, data)
}

func (f *fenced) CreateRecords(ctx context.Context, kind string, recs []NewRecord) (int, error) {
	if err := checkFence(ctx); err != nil {
		return 0, err
	}
	return f.Store.CreateRecords(ctx, kind, recs)
}

func (f *fenced) CompareAndSwapRecord(ctx context.Context, kind, id string, version int64, data []byte) (Record, error) {
	if err := checkFence(ctx); err != nil {
		return Record{}, err
	}
	return f.Store.CompareAndSwapRecord(ctx, kind, id, version, data)
}

func (f *fenced) DeleteRecord(ctx context.Context, kind, id string) error {
	if err := checkFence(ctx); err != nil {
		return err
	}
	return f.Store.DeleteRecord(ctx, kind, id)
}
