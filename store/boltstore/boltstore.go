// Package boltstore implements store.Store on an embedded bbolt file: the
// single-replica default, with no server to run.
//
// bbolt allows one writer at a time, and every compare-and-set below reads
// and writes inside one db.Update transaction, so the check and the write
// cannot be separated by another writer. bbolt has no TTLs: lock and
// idempotency expiry are judged against Options.Now when read.
package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/seal"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/internal/check"
)

// Options tune Open. The zero value is ready to use.
type Options struct {
	// Timeout bounds the wait for the file lock another process holds.
	// Default 2s; bbolt would otherwise wait forever.
	Timeout time.Duration
	// Now is the clock lock and idempotency expiry are judged by. Default
	// time.Now; tests inject a fake clock.
	Now func() time.Time
	// Keys seal what the store holds (see store.Codec); nil keeps it in
	// the clear. Open refuses a sealed file without them.
	Keys *seal.Keyring
	// Rekey opens the file for `store rekey` alone: how values are
	// stored is not decided, and only the store.Sealing methods may be
	// used.
	Rekey bool
	// NoSync skips the fsync of each commit: for bulk loads that can be
	// redone (benchmarks seeding millions of entries), never for the
	// bot's own store, where a crash could lose acknowledged writes.
	NoSync bool
	// OnePass is for a process that reads the audit trail once from end
	// to end (audit export): each page read is released from resident
	// memory, which stays flat however long the trail.
	OnePass bool
}

const defaultTimeout = 2 * time.Second

// Bucket names, one per concern.
var (
	bucketSnapshot = []byte("snapshot")
	// bucketSnapshotChunks holds the snapshots' chunks by chunk name
	// (store.SnapshotChunkName); bucketSnapshot holds their heads.
	bucketSnapshotChunks = []byte("snapshot_chunks")
	bucketLocks          = []byte("locks")
	bucketFences         = []byte("fences")
	bucketIdempotency    = []byte("idempotency")
	// bucketIdemExpiry indexes idempotency keys by expiry (8-byte big-endian
	// unix nanos + key), so expired keys are swept by a short cursor walk
	// instead of a scan of every key.
	bucketIdemExpiry = []byte("idempotency_expiry")
	bucketAudit      = []byte("audit")
	// bucketAuditOnce holds the keys AppendAuditOnce appended under,
	// each with its entry's Seq.
	bucketAuditOnce = []byte("audit_once")
	// bucketRecords holds every record under kind + NUL + id, so one kind's
	// records are a contiguous, id-ordered key range.
	bucketRecords = []byte("records")
	// bucketMeta holds the sealing marker.
	bucketMeta = []byte("meta")
	// bucketDue and bucketDueIDs hold the schedules (see schedule.go).
	bucketDue    = []byte("due")
	bucketDueIDs = []byte("due_ids")

	allBuckets = [][]byte{
		bucketSnapshot, bucketSnapshotChunks, bucketLocks, bucketFences, bucketIdempotency,
		bucketIdemExpiry, bucketAudit, bucketAuditOnce, bucketRecords, bucketMeta,
		bucketDue, bucketDueIDs,
	}

	markerKey = []byte("sealing")

	snapshotCurrent = "current"
)

// sweepBatch bounds how many expired idempotency keys one ClaimKey removes,
// so a claim after a long idle period stays cheap.
const sweepBatch = 64

// Store is a store.Store backed by one bbolt file.
type Store struct {
	// mu guards db against Compact, which replaces the file: every
	// transaction holds it for reading.
	mu    sync.RWMutex
	db    *bolt.DB
	path  string
	now   func() time.Time
	codec *store.Codec
	// onePass: see Options.OnePass.
	onePass bool
}

func (s *Store) view(fn func(*bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.db.View(fn)
}

// update runs fn in a write transaction, then releases the file's mapped
// pages from resident memory: a commit reads pages through the mapping
// (the values beside those it rewrites among them), so a snapshot written
// a chunk at a time, or a checkpoint a part at a time, would otherwise
// stay resident whole, as a one-pass read would. The pages stay in the
// page cache, and a later read faults back in what it needs; next to the
// commit's sync the release costs nothing measurable.
func (s *Store) update(fn func(*bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	err := s.db.Update(fn)
	_ = s.db.View(func(tx *bolt.Tx) error {
		releaseMapped(tx)
		return nil
	})
	return err
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database at path, creating its parent
// directory with mode 0700 because the file holds staff data.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("boltstore: create data directory: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, NoSync: opts.NoSync})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("store: %s is locked by another seatwarden process (waited %s); stop that process or point SEATWARDEN_DATA_DIR elsewhere: %w",
			path, opts.Timeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("boltstore: initialise %s: %w", path, err)
	}
	s := &Store{db: db, path: path, now: opts.Now, onePass: opts.OnePass}
	if !opts.Rekey {
		if s.codec, err = store.OpenCodec(context.Background(), s, opts.Keys); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return s, nil
}

// Sealed implements store.Sealing.
func (s *Store) Sealed() (bool, string) { return s.codec.Sealed(), s.codec.KeyID() }

// Backend implements store.Store.
func (s *Store) Backend() string { return "bolt" }

// Close releases the file lock. Closing twice is harmless.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("boltstore: close %s: %w", s.path, err)
	}
	return nil
}

// Ping reports whether the database is open and readable.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.view(func(*bolt.Tx) error { return nil }); err != nil {
		return fmt.Errorf("boltstore: ping: %w", err)
	}
	return nil
}

// --- snapshot ---

// snapshotKey is connector's key in the snapshot bucket: Zendesk's is the
// one the single snapshot always had.
func snapshotKey(connector string) []byte {
	return []byte(snapshotCurrent + store.SnapshotSlot(connector))
}

// LoadSnapshot implements store.Snapshots.
func (s *Store) LoadSnapshot(ctx context.Context, connector string) (*store.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.codec.LoadSnapshot(ctx, s, connector)
}

// ReadSnapshot implements store.Snapshots.
func (s *Store) ReadSnapshot(ctx context.Context, connector string, member func(connector.Staff) error) (*store.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.codec.ReadSnapshot(ctx, s, connector, member)
}

// LoadSnapshotHead implements store.SnapshotChunks.
func (s *Store) LoadSnapshotHead(ctx context.Context, connector string) ([]byte, error) {
	var raw []byte
	err := s.view(func(tx *bolt.Tx) error {
		// Bolt's bytes are only valid inside the transaction.
		raw = bytes.Clone(tx.Bucket(bucketSnapshot).Get(snapshotKey(connector)))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: load snapshot: %w", err)
	}
	if raw == nil {
		return nil, store.ErrNotFound
	}
	return raw, nil
}

// SnapshotChunk implements store.SnapshotChunks. Each chunk is read in a
// transaction of its own: a reader that held one across its caller's
// work could block a writer's remap of the file. Its pages are released
// from resident memory once copied, as a one-pass read's are, or reading
// a snapshot would leave all of it resident in the mapping.
func (s *Store) SnapshotChunk(ctx context.Context, name string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var raw []byte
	err := s.view(func(tx *bolt.Tx) error {
		raw = bytes.Clone(tx.Bucket(bucketSnapshotChunks).Get([]byte(name)))
		releaseMapped(tx)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: load snapshot chunk: %w", err)
	}
	if raw == nil {
		return nil, store.ErrNotFound
	}
	return raw, nil
}

// PutSnapshotChunk implements store.SnapshotChunks, one transaction a
// chunk, so a write holds no more than a chunk's pages in memory.
func (s *Store) PutSnapshotChunk(ctx context.Context, name string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSnapshotChunks).Put([]byte(name), data)
	})
	if err != nil {
		return fmt.Errorf("boltstore: save snapshot chunk: %w", err)
	}
	return nil
}

// abandonedAfter is how old a generation no head names must be before a
// save sweeps it: older than any save in progress, so only what a crash
// left behind.
const abandonedAfter = time.Hour

// SwapSnapshotHead implements store.SnapshotChunks: the head's Put is the
// atomic switch. The same transaction sweeps chunks that crashed saves
// left behind.
func (s *Store) SwapSnapshotHead(ctx context.Context, connector string, head []byte, chunks []string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var replaced []byte
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSnapshot)
		replaced = bytes.Clone(b.Get(snapshotKey(connector)))
		if err := b.Put(snapshotKey(connector), head); err != nil {
			return err
		}
		return sweepAbandonedChunks(tx.Bucket(bucketSnapshotChunks), connector, chunks, s.now())
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: save snapshot: %w", err)
	}
	return replaced, nil
}

// ReplaceSnapshotHead implements store.SnapshotChunks.
func (s *Store) ReplaceSnapshotHead(ctx context.Context, connector string, old, head []byte, _ []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSnapshot)
		if !bytes.Equal(b.Get(snapshotKey(connector)), old) {
			return store.ErrConflict
		}
		return b.Put(snapshotKey(connector), head)
	})
	if err != nil {
		return fmt.Errorf("boltstore: patch snapshot: %w", err)
	}
	return nil
}

// PatchSnapshot implements store.Snapshots.
func (s *Store) PatchSnapshot(ctx context.Context, connector string, patches []store.MemberPatch) (before, after string, err error) {
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	return s.codec.PatchSnapshot(ctx, s, connector, patches)
}

// sweepAbandonedChunks deletes connector's chunks of generations older
// than abandonedAfter, except those of keep. It reads one key of each
// generation and skips the rest: reading every chunk's key faulted in
// nearly every page of the chunks, which sit beside their keys, so each
// save held a snapshot's worth of the file resident until its commit.
func sweepAbandonedChunks(b *bolt.Bucket, connector string, keep []string, now time.Time) error {
	keepGen := ""
	if len(keep) > 0 {
		keepGen = path.Dir(keep[0])
	}
	prefix := []byte(store.SnapshotChunkPrefix(connector))
	var stale [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); {
		name := string(k)
		born, ok := store.SnapshotChunkBorn(name)
		if !ok { // not a chunk name of ours: leave it
			k, _ = c.Next()
			continue
		}
		gen := path.Dir(name)
		genPrefix := []byte(gen + "/")
		if gen == keepGen || now.Sub(born) <= abandonedAfter {
			k, _ = c.Seek(append(genPrefix, 0xff)) // past this generation's chunks
			continue
		}
		for ; k != nil && bytes.HasPrefix(k, genPrefix); k, _ = c.Next() {
			stale = append(stale, bytes.Clone(k))
		}
	}
	for _, k := range stale {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// DropSnapshotChunks implements store.SnapshotChunks, dropChunksPerTx
// chunks a transaction: one transaction deleting a whole generation held
// about as much of the file resident as the generation's size until it
// committed (11 MB at 50,000 members), where a few chunks at a time, each
// released after its commit, hold a few megabytes.
func (s *Store) DropSnapshotChunks(ctx context.Context, names []string) error {
	for batch := range slices.Chunk(names, dropChunksPerTx) {
		err := s.update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketSnapshotChunks)
			for _, name := range batch {
				if err := b.Delete([]byte(name)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("boltstore: drop snapshot chunks: %w", err)
		}
	}
	return nil
}

// dropChunksPerTx is how many chunks DropSnapshotChunks deletes in one
// transaction: 2 MiB of them.
const dropChunksPerTx = 4

// SnapshotRevision implements store.Snapshots from the value's first
// bytes, read in place without copying or decoding the rest.
func (s *Store) SnapshotRevision(ctx context.Context, connector string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var (
		rev   string
		found bool
		rerr  error
	)
	err := s.view(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketSnapshot).Get(snapshotKey(connector))
		if raw == nil {
			return nil
		}
		found = true
		rev, rerr = store.SnapshotRevision(raw[:min(len(raw), store.RevisionLen+1)])
		return nil
	})
	switch {
	case err != nil:
		return "", fmt.Errorf("boltstore: snapshot revision: %w", err)
	case !found:
		return "", store.ErrNotFound
	}
	return rev, rerr
}

// SaveSnapshot implements store.Snapshots.
func (s *Store) SaveSnapshot(ctx context.Context, snap *store.Snapshot) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.codec.SaveSnapshot(ctx, s, snap)
}

// WriteSnapshot implements store.Snapshots.
func (s *Store) WriteSnapshot(ctx context.Context, head *store.Snapshot, staff store.StaffWriter) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.codec.WriteSnapshot(ctx, s, head, staff)
}

// --- locks ---

// lockValue is a lock's stored form; the fencing counter lives apart in
// bucketFences so it survives release.
type lockValue struct {
	Holder    string    `json:"holder"`
	Token     int64     `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (s *Store) readLock(b *bolt.Bucket, name string) (lockValue, bool, error) {
	raw := b.Get([]byte(name))
	if raw == nil {
		return lockValue{}, false, nil
	}
	var v lockValue
	if err := json.Unmarshal(raw, &v); err != nil {
		return lockValue{}, false, fmt.Errorf("decode lock %q: %w", name, err)
	}
	return v, true, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

// AcquireLock implements store.Locks.
func (s *Store) AcquireLock(ctx context.Context, name, holder string, ttl time.Duration) (store.Lock, error) {
	if err := check.LockArgs(name, holder, ttl); err != nil {
		return store.Lock{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Lock{}, err
	}
	var lock store.Lock
	err := s.update(func(tx *bolt.Tx) error {
		now := s.now()
		locks := tx.Bucket(bucketLocks)
		cur, found, err := s.readLock(locks, name)
		if err != nil {
			return err
		}
		if found && now.Before(cur.ExpiresAt) {
			return store.ErrLockHeld
		}
		fences := tx.Bucket(bucketFences)
		var token int64 = 1
		if raw := fences.Get([]byte(name)); len(raw) == 8 {
			token = int64(binary.BigEndian.Uint64(raw)) + 1
		}
		if err := fences.Put([]byte(name), binary.BigEndian.AppendUint64(nil, uint64(token))); err != nil {
			return err
		}
		v := lockValue{Holder: holder, Token: token, ExpiresAt: now.Add(ttl)}
		if err := putJSON(locks, []byte(name), v); err != nil {
			return err
		}
		lock = store.Lock{Name: name, Holder: holder, Token: token, ExpiresAt: v.ExpiresAt}
		return nil
	})
	if errors.Is(err, store.ErrLockHeld) {
		return store.Lock{}, err
	}
	if err != nil {
		return store.Lock{}, fmt.Errorf("boltstore: acquire lock %q: %w", name, err)
	}
	return lock, nil
}

// liveHold returns the stored lock when l is still its live hold, else
// ErrNotLockHolder. An expired hold counts as lost even before anyone takes
// over, matching Redis, where the key is gone at expiry.
func (s *Store) liveHold(locks *bolt.Bucket, l store.Lock, now time.Time) (lockValue, error) {
	cur, found, err := s.readLock(locks, l.Name)
	if err != nil {
		return lockValue{}, err
	}
	if !found || cur.Holder != l.Holder || cur.Token != l.Token || !now.Before(cur.ExpiresAt) {
		return lockValue{}, store.ErrNotLockHolder
	}
	return cur, nil
}

// RenewLock implements store.Locks.
func (s *Store) RenewLock(ctx context.Context, l store.Lock, ttl time.Duration) (store.Lock, error) {
	if err := check.LockArgs(l.Name, l.Holder, ttl); err != nil {
		return store.Lock{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Lock{}, err
	}
	var renewed store.Lock
	err := s.update(func(tx *bolt.Tx) error {
		now := s.now()
		locks := tx.Bucket(bucketLocks)
		cur, err := s.liveHold(locks, l, now)
		if err != nil {
			return err
		}
		cur.ExpiresAt = now.Add(ttl)
		if err := putJSON(locks, []byte(l.Name), cur); err != nil {
			return err
		}
		renewed = store.Lock{Name: l.Name, Holder: cur.Holder, Token: cur.Token, ExpiresAt: cur.ExpiresAt}
		return nil
	})
	if errors.Is(err, store.ErrNotLockHolder) {
		return store.Lock{}, err
	}
	if err != nil {
		return store.Lock{}, fmt.Errorf("boltstore: renew lock %q: %w", l.Name, err)
	}
	return renewed, nil
}

// ReleaseLock implements store.Locks.
func (s *Store) ReleaseLock(ctx context.Context, l store.Lock) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.update(func(tx *bolt.Tx) error {
		locks := tx.Bucket(bucketLocks)
		if _, err := s.liveHold(locks, l, s.now()); err != nil {
			return err
		}
		return locks.Delete([]byte(l.Name))
	})
	if errors.Is(err, store.ErrNotLockHolder) {
		return err
	}
	if err != nil {
		return fmt.Errorf("boltstore: release lock %q: %w", l.Name, err)
	}
	return nil
}

// --- idempotency ---

func expiryIndexKey(expiry int64, key []byte) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(key)), uint64(expiry))
	return append(k, key...)
}

// ReleaseKey implements store.Idempotency.
func (s *Store) ReleaseKey(ctx context.Context, key string) error {
	if err := check.ClaimArgs(key, time.Second); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		keys := tx.Bucket(bucketIdempotency)
		k := []byte(s.codec.ClaimName(key))
		raw := keys.Get(k)
		if len(raw) != 8 {
			return nil
		}
		if err := tx.Bucket(bucketIdemExpiry).Delete(expiryIndexKey(int64(binary.BigEndian.Uint64(raw)), k)); err != nil {
			return err
		}
		return keys.Delete(k)
	})
}

// KeyClaimed implements store.Idempotency; an expired key not yet swept
// is not claimed.
func (s *Store) KeyClaimed(ctx context.Context, key string) (bool, error) {
	if err := check.ClaimArgs(key, time.Second); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	claimed := false
	err := s.view(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketIdempotency).Get([]byte(s.codec.ClaimName(key)))
		claimed = len(raw) == 8 && s.now().UnixNano() < int64(binary.BigEndian.Uint64(raw))
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("boltstore: read key %q: %w", key, err)
	}
	return claimed, nil
}

// ClaimKey implements store.Idempotency. Keys store their expiry as unix
// nanoseconds; a key whose expiry has passed is free to claim again.
func (s *Store) ClaimKey(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := check.ClaimArgs(key, ttl); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	claimed := false
	err := s.update(func(tx *bolt.Tx) error {
		now := s.now().UnixNano()
		keys := tx.Bucket(bucketIdempotency)
		byExpiry := tx.Bucket(bucketIdemExpiry)
		if err := sweepExpiredKeys(keys, byExpiry, now); err != nil {
			return err
		}
		k := []byte(s.codec.ClaimName(key))
		if raw := keys.Get(k); len(raw) == 8 {
			expiry := int64(binary.BigEndian.Uint64(raw))
			if now < expiry {
				return nil
			}
			// Expired but not yet swept: drop its index entry before reuse.
			if err := byExpiry.Delete(expiryIndexKey(expiry, k)); err != nil {
				return err
			}
		}
		if err := putExpiry(keys, byExpiry, k, now+int64(ttl)); err != nil {
			return err
		}
		claimed = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("boltstore: claim key %q: %w", key, err)
	}
	return claimed, nil
}

// ExtendKey implements store.Idempotency: a live key gets its new expiry,
// moved in the expiry index; an expired one is left to the sweep.
func (s *Store) ExtendKey(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := check.ClaimArgs(key, ttl); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	extended := false
	err := s.update(func(tx *bolt.Tx) error {
		now := s.now().UnixNano()
		keys := tx.Bucket(bucketIdempotency)
		byExpiry := tx.Bucket(bucketIdemExpiry)
		k := []byte(s.codec.ClaimName(key))
		raw := keys.Get(k)
		if len(raw) != 8 || now >= int64(binary.BigEndian.Uint64(raw)) {
			return nil
		}
		if err := byExpiry.Delete(expiryIndexKey(int64(binary.BigEndian.Uint64(raw)), k)); err != nil {
			return err
		}
		if err := putExpiry(keys, byExpiry, k, now+int64(ttl)); err != nil {
			return err
		}
		extended = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("boltstore: extend key %q: %w", key, err)
	}
	return extended, nil
}

// putExpiry claims key k until expiry (unix nanoseconds), in its bucket
// and in the expiry index the sweep reads.
func putExpiry(keys, byExpiry *bolt.Bucket, k []byte, expiry int64) error {
	if err := keys.Put(k, binary.BigEndian.AppendUint64(nil, uint64(expiry))); err != nil {
		return err
	}
	return byExpiry.Put(expiryIndexKey(expiry, k), nil)
}

// sweepExpiredKeys deletes up to sweepBatch keys whose expiry is at or
// before now, oldest first.
func sweepExpiredKeys(keys, byExpiry *bolt.Bucket, now int64) error {
	type entry struct{ indexKey, key []byte }
	var expired []entry
	c := byExpiry.Cursor()
	for k, _ := c.First(); k != nil && len(expired) < sweepBatch; k, _ = c.Next() {
		if len(k) < 8 || int64(binary.BigEndian.Uint64(k[:8])) > now {
			break
		}
		expired = append(expired, entry{bytes.Clone(k), bytes.Clone(k[8:])})
	}
	// Deleting while iterating a bolt cursor skips entries, so collect first.
	for _, e := range expired {
		if err := byExpiry.Delete(e.indexKey); err != nil {
			return err
		}
		if err := keys.Delete(e.key); err != nil {
			return err
		}
	}
	return nil
}

// --- audit ---

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// AppendAudit implements store.Audit. Seq comes from the bucket's
// NextSequence, which only ever grows, and is the big-endian key, so a
// cursor walks the trail in order. A zero At is stamped with Options.Now.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return store.AuditEntry{}, err
	}
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		e, err = s.appendAudit(tx, e)
		return err
	})
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("boltstore: append audit: %w", err)
	}
	return e, nil
}

// appendAudit appends e in tx and returns it with its Seq.
func (s *Store) appendAudit(tx *bolt.Tx, e store.AuditEntry) (store.AuditEntry, error) {
	b := tx.Bucket(bucketAudit)
	// Keys only ever grow: full pages, not the half-full ones a split
	// leaves by default, halve the trail's file and its reads.
	b.FillPercent = 0.95
	seq, err := b.NextSequence()
	if err != nil {
		return e, err
	}
	e.Seq = int64(seq)
	if e.At.IsZero() {
		e.At = s.now().UTC()
	}
	raw, err := s.codec.EncodeAudit(e)
	if err != nil {
		return e, err
	}
	return e, b.Put(seqKey(seq), raw)
}

// AppendAuditOnce implements store.Audit in one transaction.
func (s *Store) AppendAuditOnce(ctx context.Context, key string, e store.AuditEntry) (store.AuditEntry, bool, error) {
	if key == "" {
		return store.AuditEntry{}, false, errors.New("boltstore: append audit once: empty key")
	}
	if err := ctx.Err(); err != nil {
		return store.AuditEntry{}, false, err
	}
	appended := false
	err := s.update(func(tx *bolt.Tx) error {
		once := tx.Bucket(bucketAuditOnce)
		name := []byte(s.codec.ClaimName(key))
		if once.Get(name) != nil {
			return nil
		}
		var err error
		if e, err = s.appendAudit(tx, e); err != nil {
			return err
		}
		appended = true
		return once.Put(name, seqKey(uint64(e.Seq)))
	})
	if err != nil {
		return store.AuditEntry{}, false, fmt.Errorf("boltstore: append audit: %w", err)
	}
	if !appended {
		return store.AuditEntry{}, false, nil
	}
	return e, true, nil
}

// TrimAudit implements store.Audit. The bucket's sequence is kept, so
// entries appended later go on from it.
func (s *Store) TrimAudit(ctx context.Context, through int64, limit int) (int, error) {
	if err := check.AuditLimit(limit); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	removed := 0
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		// Keys are gathered first: deleting under a cursor can skip the
		// key after each deleted one.
		var keys [][]byte
		c := b.Cursor()
		for k, _ := c.First(); k != nil && len(keys) < limit && int64(binary.BigEndian.Uint64(k)) <= through; k, _ = c.Next() {
			keys = append(keys, slices.Clone(k))
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		removed = len(keys)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("boltstore: trim audit: %w", err)
	}
	return removed, nil
}

// ListAudit implements store.Audit.
func (s *Store) ListAudit(ctx context.Context, after int64, limit int) ([]store.AuditEntry, error) {
	if err := check.AuditLimit(limit); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	after = max(after, 0)
	var out []store.AuditEntry
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.Seek(seqKey(uint64(after) + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			e, err := s.codec.DecodeAudit(v)
			if err != nil {
				return fmt.Errorf("decode audit entry %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, e)
		}
		if s.onePass {
			releaseMapped(tx)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: list audit: %w", err)
	}
	return out, nil
}

// --- records ---

// Records are stored as a fixed header followed by the data:
//
//	byte 0      format: recordFormat, or ballotFormat once voted on
//	bytes 1-8   version, big-endian
//	bytes 9-16  UpdatedAt, unix nanoseconds, big-endian
//	ballotFormat only: a uvarint length and the ballot (see ballot.go)
//	then        data
const (
	recordFormat    = 1
	ballotFormat    = 2
	recordHeaderLen = 17
)

func recordKey(kind, name string) []byte {
	k := make([]byte, 0, len(kind)+1+len(name))
	k = append(k, kind...)
	k = append(k, 0)
	return append(k, name...)
}

// encodeRecord is where r is stored and its stored form, its data sealed
// when the store seals.
func (s *Store) encodeRecord(r store.Record) (key, value []byte) {
	name := s.codec.RecordName(r.Kind, r.ID)
	return recordKey(r.Kind, name), s.recordValue(name, r)
}

// recordValue is r's stored form under its name, its data sealed when the
// store seals.
func (s *Store) recordValue(name string, r store.Record) []byte {
	return recordBytes(r.Version, r.UpdatedAt.UnixNano(), s.codec.SealRecord(r.Kind, name, r.ID, r.Data))
}

// key is where record (kind, id) is stored.
func (s *Store) key(kind, id string) []byte { return recordKey(kind, s.codec.RecordName(kind, id)) }

func recordBytes(version, updatedAt int64, stored []byte) []byte {
	b := make([]byte, recordHeaderLen, recordHeaderLen+len(stored))
	b[0] = recordFormat
	binary.BigEndian.PutUint64(b[1:9], uint64(version))
	binary.BigEndian.PutUint64(b[9:17], uint64(updatedAt))
	return append(b, stored...)
}

// decodeRecord reads the record stored under kind and name.
func (s *Store) decodeRecord(kind, name string, raw []byte) (store.Record, error) {
	sr, err := parseStored(raw)
	if err != nil {
		return store.Record{}, fmt.Errorf("record %s/%s: %w", kind, name, err)
	}
	return s.openStored(kind, name, sr)
}

// openStored opens a parsed record: its data, and its votes not yet
// folded into the data.
func (s *Store) openStored(kind, name string, sr storedRecord) (store.Record, error) {
	id, data, err := s.codec.OpenRecord(kind, name, sr.data)
	if err != nil {
		return store.Record{}, err
	}
	votes, err := sr.ballot.votes(s.codec, kind, name)
	if err != nil {
		return store.Record{}, err
	}
	return store.Record{
		Kind:      kind,
		ID:        id,
		Version:   sr.version,
		UpdatedAt: time.Unix(0, sr.updatedAt).UTC(),
		Data:      cloneData(data),
		Votes:     votes,
	}, nil
}

// cloneData copies bytes out of (or into) bolt's memory, which is only
// valid inside a transaction, and normalises empty data to nil.
func cloneData(data []byte) []byte {
	if len(data) == 0 {
		return nil
	}
	return bytes.Clone(data)
}

// stamp is the UpdatedAt a write records, already in the precision and zone
// it reads back with, so a write's result equals a later read.
func (s *Store) stamp() time.Time { return time.Unix(0, s.now().UnixNano()).UTC() }

// GetRecords implements store.Records in one read transaction.
func (s *Store) GetRecords(ctx context.Context, kind string, ids []string) ([]store.Record, error) {
	for _, id := range ids {
		if err := check.RecordKey(kind, id); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]store.Record, 0, len(ids))
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		for _, id := range ids {
			name := s.codec.RecordName(kind, id)
			raw := b.Get(recordKey(kind, name))
			if raw == nil {
				continue
			}
			rec, err := s.decodeRecord(kind, name, raw)
			if err != nil {
				return err
			}
			out = append(out, rec)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: get records: %w", err)
	}
	return out, nil
}

// GetRecord implements store.Records.
func (s *Store) GetRecord(ctx context.Context, kind, id string) (store.Record, error) {
	if err := check.RecordKey(kind, id); err != nil {
		return store.Record{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Record{}, err
	}
	var rec store.Record
	err := s.view(func(tx *bolt.Tx) error {
		name := s.codec.RecordName(kind, id)
		raw := tx.Bucket(bucketRecords).Get(recordKey(kind, name))
		if raw == nil {
			return store.ErrNotFound
		}
		var err error
		rec, err = s.decodeRecord(kind, name, raw)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.Record{}, err
	}
	if err != nil {
		return store.Record{}, fmt.Errorf("boltstore: get record: %w", err)
	}
	return rec, nil
}

// CreateRecord implements store.Records.
func (s *Store) CreateRecord(ctx context.Context, kind, id string, data []byte) (store.Record, error) {
	if err := check.RecordKey(kind, id); err != nil {
		return store.Record{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Record{}, err
	}
	rec := store.Record{Kind: kind, ID: id, Version: 1, Data: cloneData(data)}
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		rec.UpdatedAt = s.stamp()
		key, value := s.encodeRecord(rec)
		if b.Get(key) != nil {
			return store.ErrExists
		}
		return b.Put(key, value)
	})
	if errors.Is(err, store.ErrExists) {
		return store.Record{}, err
	}
	if err != nil {
		return store.Record{}, fmt.Errorf("boltstore: create record %s/%s: %w", kind, id, err)
	}
	return rec, nil
}

// createChunk bounds the records one CreateRecords transaction writes:
// bbolt fsyncs once per transaction, so batching is what makes a large
// create fast, while a bounded chunk keeps any one transaction from
// holding the single write lock for seconds.
const createChunk = 5000

// CreateRecords implements store.Records. The whole call is put in key
// order first and then written a chunk at a time: bbolt fills pages far
// better in key order than in the random order blind names have, and
// chunks that follow one another in key order each fall past every key
// the chunks before wrote, so a chunk only looks its keys up when a key
// stored before the call falls inside its range. Each chunk is encoded
// (and sealed) before its transaction, so the single writer is held only
// for the writes. The sort is stable: of a duplicate id the first
// occurrence is written.
func (s *Store) CreateRecords(ctx context.Context, kind string, recs []store.NewRecord) (int, error) {
	if err := check.RecordKind(kind); err != nil {
		return 0, err
	}
	type named struct {
		name string
		key  []byte
		rec  *store.NewRecord
	}
	order := make([]named, len(recs))
	for i := range recs {
		if err := check.RecordKey(kind, recs[i].ID); err != nil {
			return 0, err
		}
		name := s.codec.RecordName(kind, recs[i].ID)
		order[i] = named{name: name, key: recordKey(kind, name), rec: &recs[i]}
	}
	slices.SortStableFunc(order, func(a, b named) int { return bytes.Compare(a.key, b.key) })
	// Drop the later occurrences of an id here, once, so no chunk has to
	// look across its edge for them.
	order = slices.CompactFunc(order, func(a, b named) bool { return bytes.Equal(a.key, b.key) })
	created := 0
	for chunk := range slices.Chunk(order, createChunk) {
		if err := ctx.Err(); err != nil {
			return created, err
		}
		stamp := s.stamp()
		values := make([][]byte, len(chunk))
		for i, c := range chunk {
			values[i] = s.recordValue(c.name, store.Record{Kind: kind, ID: c.rec.ID, Version: 1, Data: c.rec.Data, UpdatedAt: stamp})
		}
		n := 0
		err := s.update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketRecords)
			// When no stored key falls between the chunk's first and
			// last (a new period's items), none of its keys is stored,
			// and looking each one up was a third of the write.
			next, _ := b.Cursor().Seek(chunk[0].key)
			lookUp := next != nil && bytes.Compare(next, chunk[len(chunk)-1].key) <= 0
			for i, c := range chunk {
				if lookUp && b.Get(c.key) != nil {
					continue
				}
				if err := b.Put(c.key, values[i]); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return created, fmt.Errorf("boltstore: create records %s: %w", kind, err)
		}
		created += n
	}
	return created, nil
}

// CompareAndSwapRecord implements store.Records.
func (s *Store) CompareAndSwapRecord(ctx context.Context, kind, id string, version int64, data []byte) (store.Record, error) {
	return s.compareAndSwap(ctx, kind, id, version, data, false)
}

// CloseBallot implements store.Ballots.
func (s *Store) CloseBallot(ctx context.Context, kind, id string, version int64, data []byte) (store.Record, error) {
	return s.compareAndSwap(ctx, kind, id, version, data, true)
}

func (s *Store) compareAndSwap(ctx context.Context, kind, id string, version int64, data []byte, closeBallot bool) (store.Record, error) {
	if err := check.RecordKey(kind, id); err != nil {
		return store.Record{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Record{}, err
	}
	var rec store.Record
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRecords)
		name := s.codec.RecordName(kind, id)
		key := recordKey(kind, name)
		raw := b.Get(key)
		if raw == nil {
			return store.ErrNotFound
		}
		// The version and the ballot are in the clear: a compare-and-set
		// opens nothing.
		sr, err := parseStored(raw)
		if err != nil {
			return fmt.Errorf("record %s/%s: %w", kind, id, err)
		}
		if sr.version != version {
			return store.ErrConflict
		}
		sr.ballot.fold()
		if closeBallot {
			sr.ballot = sr.ballot.close()
		}
		rec = store.Record{Kind: kind, ID: id, Version: version + 1, Data: cloneData(data), UpdatedAt: s.stamp()}
		sr.version, sr.updatedAt = rec.Version, rec.UpdatedAt.UnixNano()
		sr.data = s.codec.SealRecord(kind, name, id, data)
		value, err := sr.bytes()
		if err != nil {
			return err
		}
		return b.Put(key, value)
	})
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		return store.Record{}, err
	}
	if err != nil {
		return store.Record{}, fmt.Errorf("boltstore: compare-and-swap record %s/%s: %w", kind, id, err)
	}
	return rec, nil
}

// ListRecords implements store.Records.
func (s *Store) ListRecords(ctx context.Context, kind string) ([]store.Record, error) {
	if err := check.RecordKind(kind); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	prefix := recordKey(kind, "")
	var out []store.Record
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRecords).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			rec, err := s.decodeRecord(kind, string(k[len(prefix):]), v)
			if err != nil {
				return err
			}
			out = append(out, rec)
		}
		return nil
	})
	s.codec.SortRecords(out)
	if err != nil {
		return nil, fmt.Errorf("boltstore: list records %s: %w", kind, err)
	}
	return out, nil
}

// DeleteRecord implements store.Records.
func (s *Store) DeleteRecord(ctx context.Context, kind, id string) error {
	if err := check.RecordKey(kind, id); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRecords).Delete(s.key(kind, id))
	})
	if err != nil {
		return fmt.Errorf("boltstore: delete record %s/%s: %w", kind, id, err)
	}
	return nil
}
