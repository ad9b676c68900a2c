// Package redisstore implements store.Store on Redis (standalone, Sentinel
// or Cluster), for running several replicas against one shared state.
//
// Multi-step operations run as Lua scripts, which Redis executes
// atomically. Every key one script touches shares a hash tag, so the script
// stays on one Cluster slot:
//
//	<prefix>lock:{<name>}         lock value "<token>:<holder>", PX TTL
//	<prefix>fence:{<name>}        fencing counter for that lock, never expires
//	<prefix>rec:{<kind>}:<id>     record hash: v (version), d (data), u (UpdatedAt),
//	                              and once voted on, its ballot (see ballot.go)
//	<prefix>recidx:{<kind>}       sorted set of the kind's ids, all score 0 (lex order)
//	<prefix>idem:<key>            idempotency marker, PX TTL
//	<prefix>audit                 audit list; an entry's Seq is its 1-based index
//	                              plus the count retention removed from its head:
//	{<prefix>audit}:trimmed       that count (the tag puts it on the list's slot)
//	<prefix>snapshot              snapshot head (":<connector>" after it for other SaaS)
//	<prefix>snapchunk:<name>      one chunk of a snapshot (store.SnapshotChunkName)
//	<prefix>sealing               the sealing marker, when the store is sealed
//
// In a sealed store (see store.Codec) ids and idempotency keys are blind
// names and every data field, audit entry and snapshot body is sealed.
package redisstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/seal"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/internal/check"
)

// Options tune New. The zero value is ready to use.
type Options struct {
	// Prefix starts every key, so several deployments (or tests) can share
	// one Redis. Default "sw:".
	Prefix string
	// Keys seal what the store holds (see store.Codec); nil keeps it in
	// the clear. A sealed store is refused without them.
	Keys *seal.Keyring
	// Rekey opens the store for `store rekey` alone: how values are
	// stored is not decided, and only the store.Sealing methods may be
	// used.
	Rekey bool
	// WaitReplicas makes a write count only once that many replicas have
	// it (Redis WAIT, on the write's own connection): a failover then
	// cannot lose a write the bot acknowledged, since Sentinel promotes a
	// replica that has it. A write no replica confirms within WaitTimeout
	// fails with ErrNotReplicated. 0 (the default) does not wait; a
	// Cluster client does not wait either.
	WaitReplicas int
	// WaitTimeout bounds the wait; default one second.
	WaitTimeout time.Duration
}

// ErrNotReplicated is store.ErrUnconfirmed: Redis took a write but fewer
// replicas than Options.WaitReplicas confirmed it in time, so a failover
// could lose it; the caller treats it as failed. A create, claim or lock
// is taken back first; other writes may still stand: every write the
// store makes is either idempotent or a compare-and-set, so trying again
// is safe.
var ErrNotReplicated = store.ErrUnconfirmed

const defaultPrefix = "sw:"

// Store is a store.Store backed by Redis.
type Store struct {
	client redis.UniversalClient
	prefix string
	opts   Options

	// How values are stored is decided from the marker on first use
	// (OpenCodec), so New does no I/O; Open decides at once.
	codecMu    sync.Mutex
	codecReady atomic.Bool
	codec      *store.Codec
}

var _ store.Store = (*Store)(nil)

// New returns a Store using client; the Store owns the client and closes it
// on Close. It does no I/O: whether the store is sealed is read on first
// use, and an operation on a store that cannot be opened with opts.Keys
// fails with the reason. Open checks at once.
func New(client redis.UniversalClient, opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = defaultPrefix
	}
	return &Store{client: client, prefix: opts.Prefix, opts: opts}
}

// Open is New, then Ping, then the sealing decision, so a store that is
// down, sealed without a key, or in the clear with one is refused here.
func Open(ctx context.Context, client redis.UniversalClient, opts Options) (*Store, error) {
	s := New(client, opts)
	// Writes no replica confirms yet (one resyncing after a failover) do
	// not keep the bot from starting: readiness says no until they do.
	if err := s.Ping(ctx); err != nil && !errors.Is(err, ErrNotReplicated) {
		return nil, err
	}
	if !opts.Rekey {
		if _, err := s.sealing(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

var errRekeyOnly = errors.New("redisstore: store opened for rekey only")

// sealing returns the store's codec, deciding it on first use.
func (s *Store) sealing(ctx context.Context) (*store.Codec, error) {
	if s.codecReady.Load() {
		return s.codec, nil
	}
	if s.opts.Rekey {
		return nil, errRekeyOnly
	}
	s.codecMu.Lock()
	defer s.codecMu.Unlock()
	if s.codecReady.Load() {
		return s.codec, nil
	}
	c, err := store.OpenCodec(ctx, s, s.opts.Keys)
	if err != nil {
		return nil, err
	}
	s.codec = c
	s.codecReady.Store(true)
	return c, nil
}

// Sealed implements store.Sealing; before the first operation of a
// store from New it is not known yet, and reported as not sealed.
func (s *Store) Sealed() (bool, string) {
	if !s.codecReady.Load() {
		return false, ""
	}
	return s.codec.Sealed(), s.codec.KeyID()
}

// writer is what one write runs on, and done finishes it: with
// WaitReplicas, the write and its WAIT share one connection, since WAIT
// counts the replicas that have that connection's writes.
func (s *Store) writer() (w redis.Cmdable, done func(ctx context.Context, err error) error) {
	client, ok := s.client.(*redis.Client)
	if s.opts.WaitReplicas <= 0 || !ok {
		return s.client, func(_ context.Context, err error) error { return err }
	}
	conn := client.Conn()
	return conn, func(ctx context.Context, err error) error {
		defer conn.Close()
		if err != nil {
			return err
		}
		n, err := conn.Wait(ctx, s.opts.WaitReplicas, cmp.Or(s.opts.WaitTimeout, time.Second)).Result()
		switch {
		case err != nil:
			// The write was made; only its replication is unconfirmed.
			return fmt.Errorf("%w: WAIT failed: %v", ErrNotReplicated, err)
		case n < int64(s.opts.WaitReplicas):
			return fmt.Errorf("%w: %d of %d", ErrNotReplicated, n, s.opts.WaitReplicas)
		}
		return nil
	}
}

// undo takes back a write no replica confirmed, which the caller is told
// failed: without waiting for replicas, since they are what is missing,
// and best effort, since the write may already be lost with the master.
func (s *Store) undo(ctx context.Context, write func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	_ = write(ctx)
}

// Backend implements store.Store.
func (s *Store) Backend() string { return "redis" }

// Close closes the client.
func (s *Store) Close() error {
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("redisstore: close: %w", err)
	}
	return nil
}

// Ping implements store.Store: a write, not only a PING, since a Redis
// can answer and still refuse every write (a replica after a failover
// says READONLY, a failed snapshot MISCONF, a full memory OOM), and a
// replica that cannot write must not be ready for decisions. The key
// expires by itself.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redisstore: ping: %w", err)
	}
	w, done := s.writer()
	err := done(ctx, w.Set(ctx, s.prefix+"ready", stamp().UnixNano(), 10*time.Second).Err())
	if errors.Is(err, ErrNotReplicated) {
		return fmt.Errorf("redisstore: Redis takes writes but no replica confirms them (REDIS_WAIT_REPLICAS): %w", err)
	}
	if err != nil {
		return fmt.Errorf("redisstore: Redis answers but refuses writes: %w", err)
	}
	return nil
}

// Key names. The part inside braces is the Cluster hash tag.
func (s *Store) snapshotKey(connector string) string {
	return s.prefix + "snapshot" + store.SnapshotSlot(connector)
}
func (s *Store) lockKey(name string) string  { return s.prefix + "lock:{" + name + "}" }
func (s *Store) fenceKey(name string) string { return s.prefix + "fence:{" + name + "}" }
func (s *Store) idemKey(key string) string   { return s.prefix + "idem:" + key }
func (s *Store) auditKey() string            { return s.prefix + "audit" }
func (s *Store) auditTrimmedKey() string     { return "{" + s.prefix + "audit}:trimmed" }
func (s *Store) auditOnceKey() string        { return "{" + s.prefix + "audit}:once" }
func (s *Store) recordKey(kind, id string) string {
	return s.prefix + "rec:{" + kind + "}:" + id
}
func (s *Store) recordIndexKey(kind string) string { return s.prefix + "recidx:{" + kind + "}" }

// ttlMillis converts a TTL to PX milliseconds, rounding up so a sub-
// millisecond remainder never shortens the hold.
func ttlMillis(ttl time.Duration) int64 {
	return int64((ttl + time.Millisecond - 1) / time.Millisecond)
}

// --- snapshot ---

// LoadSnapshot implements store.Snapshots.
func (s *Store) LoadSnapshot(ctx context.Context, connector string) (*store.Snapshot, error) {
	c, err := s.sealing(ctx)
	if err != nil {
		return nil, err
	}
	return c.LoadSnapshot(ctx, s, connector)
}

// ReadSnapshot implements store.Snapshots.
func (s *Store) ReadSnapshot(ctx context.Context, connector string, member func(connector.Staff) error) (*store.Snapshot, error) {
	c, err := s.sealing(ctx)
	if err != nil {
		return nil, err
	}
	return c.ReadSnapshot(ctx, s, connector, member)
}

func (s *Store) chunkKey(name string) string { return s.prefix + "snapchunk:" + name }

// LoadSnapshotHead implements store.SnapshotChunks.
func (s *Store) LoadSnapshotHead(ctx context.Context, connector string) ([]byte, error) {
	raw, err := s.client.Get(ctx, s.snapshotKey(connector)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("redisstore: load snapshot: %w", err)
	}
	return raw, nil
}

// SnapshotChunk implements store.SnapshotChunks.
func (s *Store) SnapshotChunk(ctx context.Context, name string) ([]byte, error) {
	raw, err := s.client.Get(ctx, s.chunkKey(name)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("redisstore: load snapshot chunk: %w", err)
	}
	return raw, nil
}

// unsavedChunkTTL is how long a chunk lives before its head is switched
// to: a save cut off by a crash leaves nothing behind for longer.
const unsavedChunkTTL = time.Hour

// replacedChunkTTL is how long a replaced generation's chunks stay, so a
// reader halfway through it finishes rather than starting again.
const replacedChunkTTL = time.Minute

// PutSnapshotChunk implements store.SnapshotChunks.
func (s *Store) PutSnapshotChunk(ctx context.Context, name string, data []byte) error {
	if err := s.client.Set(ctx, s.chunkKey(name), data, unsavedChunkTTL).Err(); err != nil {
		return fmt.Errorf("redisstore: save snapshot chunk: %w", err)
	}
	return nil
}

// SwapSnapshotHead implements store.SnapshotChunks: the chunks are made
// to last, then one SET (returning the value it replaced) switches.
func (s *Store) SwapSnapshotHead(ctx context.Context, connector string, head []byte, chunks []string) ([]byte, error) {
	if err := s.persistChunks(ctx, chunks); err != nil {
		return nil, err
	}
	replaced, err := s.client.SetArgs(ctx, s.snapshotKey(connector), head, redis.SetArgs{Get: true}).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("redisstore: save snapshot: %w", err)
	}
	return replaced, nil
}

// persistChunks makes a generation's chunks last, before a head names
// them. A generation never switched to is dropped by its writer.
func (s *Store) persistChunks(ctx context.Context, chunks []string) error {
	if len(chunks) == 0 {
		return nil
	}
	if _, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, name := range chunks {
			p.Persist(ctx, s.chunkKey(name))
		}
		return nil
	}); err != nil {
		return fmt.Errorf("redisstore: save snapshot chunks: %w", err)
	}
	return nil
}

// replaceHeadScript: KEYS head; ARGV old, new. Sets new only while the
// head is old: 1 when it did.
var replaceHeadScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
`)

// ReplaceSnapshotHead implements store.SnapshotChunks: the chunks are
// made to last, then one script switches.
func (s *Store) ReplaceSnapshotHead(ctx context.Context, connector string, old, head []byte, chunks []string) error {
	if err := s.persistChunks(ctx, chunks); err != nil {
		return err
	}
	n, err := replaceHeadScript.Run(ctx, s.client, []string{s.snapshotKey(connector)}, old, head).Int()
	if err != nil {
		return fmt.Errorf("redisstore: patch snapshot: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("redisstore: patch snapshot: %w", store.ErrConflict)
	}
	return nil
}

// PatchSnapshot implements store.Snapshots.
func (s *Store) PatchSnapshot(ctx context.Context, connector string, patches []store.MemberPatch) (before, after string, err error) {
	c, err := s.sealing(ctx)
	if err != nil {
		return "", "", err
	}
	return c.PatchSnapshot(ctx, s, connector, patches)
}

// DropSnapshotChunks implements store.SnapshotChunks: the chunks expire
// a little later, for readers still on them. One command a key, so the
// keys need not share a Cluster slot.
func (s *Store) DropSnapshotChunks(ctx context.Context, names []string) error {
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, name := range names {
			p.Expire(ctx, s.chunkKey(name), replacedChunkTTL)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redisstore: drop snapshot chunks: %w", err)
	}
	return nil
}

// SnapshotRevision implements store.Snapshots by reading only the
// revision header: GETRANGE leaves the megabytes of JSON on the server.
func (s *Store) SnapshotRevision(ctx context.Context, connector string) (string, error) {
	head, err := s.client.GetRange(ctx, s.snapshotKey(connector), 0, store.RevisionLen).Bytes()
	if err != nil {
		return "", fmt.Errorf("redisstore: snapshot revision: %w", err)
	}
	if len(head) == 0 {
		// GETRANGE answers "" for a missing key; a stored snapshot is
		// never empty.
		return "", store.ErrNotFound
	}
	return store.SnapshotRevision(head)
}

// SaveSnapshot implements store.Snapshots.
func (s *Store) SaveSnapshot(ctx context.Context, snap *store.Snapshot) error {
	c, err := s.sealing(ctx)
	if err != nil {
		return err
	}
	return c.SaveSnapshot(ctx, s, snap)
}

// WriteSnapshot implements store.Snapshots.
func (s *Store) WriteSnapshot(ctx context.Context, head *store.Snapshot, staff store.StaffWriter) error {
	c, err := s.sealing(ctx)
	if err != nil {
		return err
	}
	return c.WriteSnapshot(ctx, s, head, staff)
}

// --- locks ---

// lockValue is what the lock key holds: the token first, because it never
// contains the separator, so any holder string round-trips.
func lockValue(token int64, holder string) string {
	return strconv.FormatInt(token, 10) + ":" + holder
}

// acquireScript: KEYS lock, fence; ARGV holder, ttl ms. Returns the new
// fencing token, or 0 while the lock is held.
var acquireScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local token = redis.call('INCR', KEYS[2])
-- %d: plain concatenation would print large tokens in exponent form.
redis.call('SET', KEYS[1], string.format('%d', token) .. ':' .. ARGV[1], 'PX', ARGV[2])
return token
`)

// renewScript: KEYS lock; ARGV expected value, ttl ms. Returns 1 when
// renewed, 0 when the caller is not the live holder.
var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

// releaseScript: KEYS lock; ARGV expected value. Returns 1 when released.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// AcquireLock implements store.Locks. Expiry is the key's PX TTL; the
// returned ExpiresAt is the client's estimate of it.
func (s *Store) AcquireLock(ctx context.Context, name, holder string, ttl time.Duration) (store.Lock, error) {
	if err := check.LockArgs(name, holder, ttl); err != nil {
		return store.Lock{}, err
	}
	start := time.Now()
	w, done := s.writer()
	token, err := acquireScript.Run(ctx, w,
		[]string{s.lockKey(name), s.fenceKey(name)}, holder, ttlMillis(ttl)).Int64()
	if err = done(ctx, err); err != nil {
		if token != 0 && errors.Is(err, ErrNotReplicated) {
			// Told it failed, the caller never releases it: a lock left
			// on the master would hold the job until its TTL.
			s.undo(ctx, func(ctx context.Context) error {
				return releaseScript.Run(ctx, s.client, []string{s.lockKey(name)}, lockValue(token, holder)).Err()
			})
		}
		return store.Lock{}, fmt.Errorf("redisstore: acquire lock %q: %w", name, err)
	}
	if token == 0 {
		return store.Lock{}, store.ErrLockHeld
	}
	// Measured from before the call: the key may have expired earlier than
	// a later reading would claim, never later.
	return store.Lock{Name: name, Holder: holder, Token: token, ExpiresAt: start.Add(ttl)}, nil
}

// RenewLock implements store.Locks.
func (s *Store) RenewLock(ctx context.Context, l store.Lock, ttl time.Duration) (store.Lock, error) {
	if err := check.LockArgs(l.Name, l.Holder, ttl); err != nil {
		return store.Lock{}, err
	}
	start := time.Now()
	w, done := s.writer()
	ok, err := renewScript.Run(ctx, w,
		[]string{s.lockKey(l.Name)}, lockValue(l.Token, l.Holder), ttlMillis(ttl)).Int64()
	if err = done(ctx, err); err != nil {
		return store.Lock{}, fmt.Errorf("redisstore: renew lock %q: %w", l.Name, err)
	}
	if ok != 1 {
		return store.Lock{}, store.ErrNotLockHolder
	}
	l.ExpiresAt = start.Add(ttl)
	return l, nil
}

// ReleaseLock implements store.Locks.
func (s *Store) ReleaseLock(ctx context.Context, l store.Lock) error {
	ok, err := releaseScript.Run(ctx, s.client,
		[]string{s.lockKey(l.Name)}, lockValue(l.Token, l.Holder)).Int64()
	if err != nil {
		return fmt.Errorf("redisstore: release lock %q: %w", l.Name, err)
	}
	if ok != 1 {
		return store.ErrNotLockHolder
	}
	return nil
}

// --- idempotency ---

// ClaimKey implements store.Idempotency with SET NX PX: Redis both decides
// the winner and expires the key.
func (s *Store) ClaimKey(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := check.ClaimArgs(key, ttl); err != nil {
		return false, err
	}
	c, err := s.sealing(ctx)
	if err != nil {
		return false, err
	}
	ttl = time.Duration(ttlMillis(ttl)) * time.Millisecond
	w, done := s.writer()
	name := s.idemKey(c.ClaimName(key))
	claimed, err := w.SetNX(ctx, name, 1, ttl).Result()
	if err = done(ctx, err); err != nil {
		if claimed && errors.Is(err, ErrNotReplicated) {
			// The caller hears the claim failed and will try again; a
			// claim left on the master would refuse that try.
			s.undo(ctx, func(ctx context.Context) error { return s.client.Del(ctx, name).Err() })
		}
		return false, fmt.Errorf("redisstore: claim key %q: %w", key, err)
	}
	return claimed, nil
}

// KeyClaimed implements store.Idempotency.
func (s *Store) KeyClaimed(ctx context.Context, key string) (bool, error) {
	if err := check.ClaimArgs(key, time.Second); err != nil {
		return false, err
	}
	c, err := s.sealing(ctx)
	if err != nil {
		return false, err
	}
	n, err := s.client.Exists(ctx, s.idemKey(c.ClaimName(key))).Result()
	if err != nil {
		return false, fmt.Errorf("redisstore: read key %q: %w", key, err)
	}
	return n == 1, nil
}

// ReleaseKey implements store.Idempotency.
func (s *Store) ReleaseKey(ctx context.Context, key string) error {
	if err := check.ClaimArgs(key, time.Second); err != nil {
		return err
	}
	c, err := s.sealing(ctx)
	if err != nil {
		return err
	}
	if err := s.client.Del(ctx, s.idemKey(c.ClaimName(key))).Err(); err != nil {
		return fmt.Errorf("redisstore: release key %q: %w", key, err)
	}
	return nil
}

// ExtendKey implements store.Idempotency: PEXPIRE sets a live key's TTL
// and answers 0 for a key that is gone.
func (s *Store) ExtendKey(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := check.ClaimArgs(key, ttl); err != nil {
		return false, err
	}
	c, err := s.sealing(ctx)
	if err != nil {
		return false, err
	}
	w, done := s.writer()
	extended, err := w.PExpire(ctx, s.idemKey(c.ClaimName(key)), time.Duration(ttlMillis(ttl))*time.Millisecond).Result()
	if err = done(ctx, err); err != nil {
		return false, fmt.Errorf("redisstore: extend key %q: %w", key, err)
	}
	return extended, nil
}

// --- audit ---

// AppendAudit implements store.Audit. RPUSH returns the list's new length,
// which is the entry's 1-based position: a strictly increasing Seq assigned
// atomically by one command. Seq is therefore not stored in the entry but
// derived from the position on read; the trail is never trimmed, so
// positions never shift. A zero At is stamped with the client's clock.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	c, err := s.sealing(ctx)
	if err != nil {
		return store.AuditEntry{}, err
	}
	e.Seq = 0
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	raw, err := c.EncodeAudit(e)
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("redisstore: encode audit entry: %w", err)
	}
	w, done := s.writer()
	n, err := appendAuditScript.Run(ctx, w, []string{s.auditKey(), s.auditTrimmedKey()}, raw).Int64()
	if err = done(ctx, err); err != nil {
		return store.AuditEntry{}, fmt.Errorf("redisstore: append audit: %w", err)
	}
	e.Seq = n
	return e, nil
}

// AppendAuditOnce implements store.Audit with one script: the key's
// check, the append and the key's note.
func (s *Store) AppendAuditOnce(ctx context.Context, key string, e store.AuditEntry) (store.AuditEntry, bool, error) {
	if key == "" {
		return store.AuditEntry{}, false, errors.New("redisstore: append audit once: empty key")
	}
	c, err := s.sealing(ctx)
	if err != nil {
		return store.AuditEntry{}, false, err
	}
	e.Seq = 0
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	raw, err := c.EncodeAudit(e)
	if err != nil {
		return store.AuditEntry{}, false, fmt.Errorf("redisstore: encode audit entry: %w", err)
	}
	w, done := s.writer()
	n, err := appendAuditOnceScript.Run(ctx, w, []string{s.auditKey(), s.auditTrimmedKey(), s.auditOnceKey()}, raw, c.ClaimName(key)).Int64()
	if err = done(ctx, err); err != nil {
		return store.AuditEntry{}, false, fmt.Errorf("redisstore: append audit: %w", err)
	}
	if n < 0 {
		return store.AuditEntry{}, false, nil
	}
	e.Seq = n
	return e, true, nil
}

// appendAuditOnceScript: KEYS audit, trimmed, once; ARGV entry, key.
// Returns its Seq, or -1 when key was appended under before.
var appendAuditOnceScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[3], ARGV[2]) == 1 then
  return -1
end
local n = redis.call('RPUSH', KEYS[1], ARGV[1]) + tonumber(redis.call('GET', KEYS[2]) or '0')
redis.call('HSET', KEYS[3], ARGV[2], n)
return n
`)

// appendAuditScript: KEYS audit, trimmed; ARGV entry. Returns its Seq.
var appendAuditScript = redis.NewScript(`
local n = redis.call('RPUSH', KEYS[1], ARGV[1])
return n + tonumber(redis.call('GET', KEYS[2]) or '0')
`)

// listAuditScript: KEYS audit, trimmed; ARGV after, limit. Returns the
// Seq of the first entry and the entries.
var listAuditScript = redis.NewScript(`
local t = tonumber(redis.call('GET', KEYS[2]) or '0')
local len = redis.call('LLEN', KEYS[1])
local start = math.max(tonumber(ARGV[1]) - t, 0)
if start >= len then
  return {0, {}}
end
return {t + start + 1, redis.call('LRANGE', KEYS[1], start, math.min(start + tonumber(ARGV[2]), len) - 1)}
`)

// trimAuditScript: KEYS audit, trimmed; ARGV through, limit. Removes up to
// limit entries from the head, none past Seq through; returns how many.
var trimAuditScript = redis.NewScript(`
local t = tonumber(redis.call('GET', KEYS[2]) or '0')
local n = math.min(tonumber(ARGV[1]) - t, tonumber(ARGV[2]), redis.call('LLEN', KEYS[1]))
if n <= 0 then
  return 0
end
redis.call('LTRIM', KEYS[1], n, -1)
redis.call('INCRBY', KEYS[2], n)
return n
`)

// TrimAudit implements store.Audit.
func (s *Store) TrimAudit(ctx context.Context, through int64, limit int) (int, error) {
	if err := check.AuditLimit(limit); err != nil {
		return 0, err
	}
	n, err := trimAuditScript.Run(ctx, s.client, []string{s.auditKey(), s.auditTrimmedKey()}, through, limit).Int()
	if err != nil {
		return 0, fmt.Errorf("redisstore: trim audit: %w", err)
	}
	return n, nil
}

// ListAudit implements store.Audit: entries with Seq > after start at list
// index after.
func (s *Store) ListAudit(ctx context.Context, after int64, limit int) ([]store.AuditEntry, error) {
	if err := check.AuditLimit(limit); err != nil {
		return nil, err
	}
	c, err := s.sealing(ctx)
	if err != nil {
		return nil, err
	}
	after = max(after, 0)
	res, err := listAuditScript.Run(ctx, s.client, []string{s.auditKey(), s.auditTrimmedKey()}, after, limit).Slice()
	if err != nil {
		return nil, fmt.Errorf("redisstore: list audit: %w", err)
	}
	if len(res) != 2 {
		return nil, fmt.Errorf("redisstore: list audit: an answer of %d parts", len(res))
	}
	first, ok := res[0].(int64)
	raws, ok2 := res[1].([]any)
	if !ok || !ok2 {
		return nil, errors.New("redisstore: list audit: an answer of another shape")
	}
	out := make([]store.AuditEntry, 0, len(raws))
	for i, raw := range raws {
		str, _ := raw.(string)
		e, err := c.DecodeAudit([]byte(str))
		if err != nil {
			return nil, fmt.Errorf("redisstore: decode audit entry %d: %w", first+int64(i), err)
		}
		e.Seq = first + int64(i)
		out = append(out, e)
	}
	return out, nil
}

// --- records ---

// createScript creates records of one kind that do not exist yet: KEYS
// the kind's index, then the records; ARGV updated-at, then each record's
// id and data. Returns how many it created. A record is checked after the
// ones before it are written, so of an id given twice the first stands.
var createScript = redis.NewScript(`
local created = {}
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    redis.call('HSET', KEYS[i], 'v', 1, 'd', ARGV[2 * i - 1], 'u', ARGV[1])
    created[#created + 1] = 0
    created[#created + 1] = ARGV[2 * i - 2]
  end
end
if #created > 0 then
  redis.call('ZADD', KEYS[1], unpack(created))
end
return #created / 2
`)

// casScript: KEYS record; ARGV expected version, data, updated-at, "1" to
// close the ballot. Returns the new version, -1 when absent, -2 on a
// version mismatch. The votes not yet folded are folded into data now:
// their data goes, their voters stay counted.
var casScript = redis.NewScript(`
local v = redis.call('HGET', KEYS[1], 'v')
if not v then
  return -1
end
if v ~= ARGV[1] then
  return -2
end
local t = redis.call('HMGET', KEYS[1], 'n', 'f')
local n, f = tonumber(t[1]), tonumber(t[2])
if n and n > f then
  for i = f + 1, n do
    redis.call('HDEL', KEYS[1], 'p:' .. i)
  end
  redis.call('HSET', KEYS[1], 'f', n)
end
if ARGV[4] == '1' and redis.call('HEXISTS', KEYS[1], 'c') == 0 then
  redis.call('HSET', KEYS[1], 'c', 0)
end
redis.call('HSET', KEYS[1], 'd', ARGV[2], 'u', ARGV[3])
return redis.call('HINCRBY', KEYS[1], 'v', 1)
`)

// deleteScript: KEYS record, index; ARGV id.
var deleteScript = redis.NewScript(`
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`)

// stamp is the UpdatedAt a write records, already in the precision and zone
// it reads back with, so a write's result equals a later read.
func stamp() time.Time { return time.Unix(0, time.Now().UnixNano()).UTC() }

// parseRecord builds a Record from the fields of the hash stored under
// kind and name.
func parseRecord(c *store.Codec, kind, name string, fields map[string]string) (store.Record, error) {
	vs, ok1 := fields["v"]
	ds, ok2 := fields["d"]
	us, ok3 := fields["u"]
	if !ok1 || !ok2 || !ok3 {
		return store.Record{}, fmt.Errorf("record %s/%s: missing fields", kind, name)
	}
	v, err := strconv.ParseInt(vs, 10, 64)
	if err != nil {
		return store.Record{}, fmt.Errorf("record %s/%s: version: %w", kind, name, err)
	}
	u, err := strconv.ParseInt(us, 10, 64)
	if err != nil {
		return store.Record{}, fmt.Errorf("record %s/%s: updated-at: %w", kind, name, err)
	}
	id, d, err := c.OpenRecord(kind, name, []byte(ds))
	if err != nil {
		return store.Record{}, err
	}
	votes, err := parseVotes(c, kind, name, fields)
	if err != nil {
		return store.Record{}, err
	}
	return store.Record{Kind: kind, ID: id, Version: v, Data: d, UpdatedAt: time.Unix(0, u).UTC(), Votes: votes}, nil
}

// GetRecord implements store.Records.
func (s *Store) GetRecord(ctx context.Context, kind, id string) (store.Record, error) {
	if err := check.RecordKey(kind, id); err != nil {
		return store.Record{}, err
	}
	c, err := s.sealing(ctx)
	if err != nil {
		return store.Record{}, err
	}
	name := c.RecordName(kind, id)
	fields, err := s.client.HGetAll(ctx, s.recordKey(kind, name)).Result()
	if err != nil {
		return store.Record{}, fmt.Errorf("redisstore: get record %s/%s: %w", kind, id, err)
	}
	if len(fields) == 0 {
		return store.Record{}, store.ErrNotFound
	}
	rec, err := parseRecord(c, kind, name, fields)
	if err != nil {
		return store.Record{}, fmt.Errorf("redisstore: get %w", err)
	}
	return rec, nil
}

// GetRecords implements store.Records with one pipeline of HGETALLs.
func (s *Store) GetRecords(ctx context.Context, kind string, ids []string) ([]store.Record, error) {
	for _, id := range ids {
		if err := check.RecordKey(kind, id); err != nil {
			return nil, err
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	c, err := s.sealing(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = c.RecordName(kind, id)
	}
	out, err := s.readRecords(ctx, c, kind, names)
	if err != nil {
		return nil, fmt.Errorf("redisstore: get records of %s: %w", kind, err)
	}
	return out, nil
}

// readRecords reads the records of kind with these stored names in one
// pipeline (all keys share the kind's slot), leaving out those gone.
func (s *Store) readRecords(ctx context.Context, c *store.Codec, kind string, names []string) ([]store.Record, error) {
	cmds := make([]*redis.MapStringStringCmd, len(names))
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, name := range names {
			cmds[i] = p.HGetAll(ctx, s.recordKey(kind, name))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]store.Record, 0, len(names))
	for i, cmd := range cmds {
		fields := cmd.Val()
		if len(fields) == 0 {
			continue
		}
		rec, err := parseRecord(c, kind, names[i], fields)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// CreateRecord implements store.Records.
func (s *Store) CreateRecord(ctx context.Context, kind, id string, data []byte) (store.Record, error) {
	if err := check.RecordKey(kind, id); err != nil {
		return store.Record{}, err
	}
	c, err := s.sealing(ctx)
	if err != nil {
		return store.Record{}, err
	}
	name := c.RecordName(kind, id)
	now := stamp()
	w, done := s.writer()
	created, err := createScript.Run(ctx, w,
		[]string{s.recordIndexKey(kind), s.recordKey(kind, name)}, now.UnixNano(), name, c.SealRecord(kind, name, id, data)).Int64()
	if err = done(ctx, err); err != nil {
		if created == 1 && errors.Is(err, ErrNotReplicated) {
			// The caller hears the create failed; a record left on the
			// master would be acted on all the same (or block a retry).
			s.undo(ctx, func(ctx context.Context) error {
				return deleteScript.Run(ctx, s.client, []string{s.recordKey(kind, name), s.recordIndexKey(kind)}, name).Err()
			})
		}
		return store.Record{}, fmt.Errorf("redisstore: create record %s/%s: %w", kind, id, err)
	}
	if created != 1 {
		return store.Record{}, store.ErrExists
	}
	return store.Record{Kind: kind, ID: id, Version: 1, Data: cloneData(data), UpdatedAt: now}, nil
}

// createPipeline bounds the records one round trip carries, so a large
// batch neither builds one huge request and reply in memory nor keeps the
// connection busy for long at a time; createBatch bounds the records one
// createScript call writes, so no call holds Redis, which runs one
// script at a time, for more than a moment (some hundreds of microseconds).
const (
	createPipeline = 1000
	createBatch    = 100
)

// CreateRecords implements store.Records by pipelining createScript, a
// hundred records a call (a call per record cost Redis more in running
// the script than in the writes), whose keys share the kind's hash tag,
// so each pipeline goes to one node. Commands run in order, so a duplicate id later in recs finds the
// earlier one created; only a NOSCRIPT resend (see createChunk) can
// reorder them.
func (s *Store) CreateRecords(ctx context.Context, kind string, recs []store.NewRecord) (int, error) {
	if err := check.RecordKind(kind); err != nil {
		return 0, err
	}
	for _, r := range recs {
		if err := check.RecordKey(kind, r.ID); err != nil {
			return 0, err
		}
	}
	c, err := s.sealing(ctx)
	if err != nil {
		return 0, err
	}
	created := 0
	for chunk := range slices.Chunk(recs, createPipeline) {
		if err := ctx.Err(); err != nil {
			return created, err
		}
		w, done := s.writer()
		n, err := s.createChunk(ctx, w, c, kind, chunk)
		created += n
		if err = done(ctx, err); err != nil {
			return created, fmt.Errorf("redisstore: create records %s: %w", kind, err)
		}
	}
	return created, nil
}

// createChunk runs createScript for recs, createBatch at a time, in one
// pipeline and counts the records created. A pipeline cannot fall back
// from EVALSHA to EVAL per command as Script.Run does, so when the script
// is not cached (a fresh or restarted server, SCRIPT FLUSH) the script is
// loaded and only the batches that failed with NOSCRIPT are sent again;
// the others ran.
func (s *Store) createChunk(ctx context.Context, w redis.Cmdable, c *store.Codec, kind string, recs []store.NewRecord) (int, error) {
	index := s.recordIndexKey(kind)
	now := stamp().UnixNano()
	batches := slices.Collect(slices.Chunk(recs, createBatch))
	created := 0
	for attempt := 0; ; attempt++ {
		cmds := make([]*redis.Cmd, len(batches))
		_, perr := w.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, batch := range batches {
				keys := make([]string, 1, 1+len(batch))
				keys[0] = index
				args := make([]any, 1, 1+2*len(batch))
				args[0] = now
				for _, r := range batch {
					name := c.RecordName(kind, r.ID)
					keys = append(keys, s.recordKey(kind, name))
					args = append(args, name, c.SealRecord(kind, name, r.ID, r.Data))
				}
				cmds[i] = p.EvalSha(ctx, createScript.Hash(), keys, args...)
			}
			return nil
		})
		var (
			unscripted [][]store.NewRecord
			firstErr   error
		)
		for i, cmd := range cmds {
			n, err := cmd.Int64()
			switch {
			case err == nil:
				created += int(n)
			case isNoScript(err):
				unscripted = append(unscripted, batches[i])
			case firstErr == nil:
				firstErr = err
			}
		}
		if firstErr == nil && perr != nil && !isNoScript(perr) {
			firstErr = perr
		}
		switch {
		case firstErr != nil:
			return created, firstErr
		case len(unscripted) == 0:
			return created, nil
		case attempt > 0:
			// Loaded a moment ago and gone again: something keeps
			// flushing the cache, and looping would not help.
			return created, fmt.Errorf("create script missing right after SCRIPT LOAD: %w", redis.ErrNoScript)
		}
		if err := createScript.Load(ctx, s.client).Err(); err != nil {
			return created, fmt.Errorf("load create script: %w", err)
		}
		batches = unscripted
	}
}

func isNoScript(err error) bool { return redis.HasErrorPrefix(err, "NOSCRIPT") }

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
	c, err := s.sealing(ctx)
	if err != nil {
		return store.Record{}, err
	}
	now := stamp()
	name := c.RecordName(kind, id)
	w, done := s.writer()
	next, err := casScript.Run(ctx, w,
		[]string{s.recordKey(kind, name)}, strconv.FormatInt(version, 10), c.SealRecord(kind, name, id, data), now.UnixNano(), flag(closeBallot)).Int64()
	if err = done(ctx, err); err != nil {
		return store.Record{}, fmt.Errorf("redisstore: compare-and-swap record %s/%s: %w", kind, id, err)
	}
	switch next {
	case -1:
		return store.Record{}, store.ErrNotFound
	case -2:
		return store.Record{}, store.ErrConflict
	}
	return store.Record{Kind: kind, ID: id, Version: next, Data: cloneData(data), UpdatedAt: now}, nil
}

// ListRecords implements store.Records. The index gives the ids in byte
// order; one pipeline (all keys share the kind's slot) then reads the
// records. A record deleted between the two steps is left out.
func (s *Store) ListRecords(ctx context.Context, kind string) ([]store.Record, error) {
	if err := check.RecordKind(kind); err != nil {
		return nil, err
	}
	c, err := s.sealing(ctx)
	if err != nil {
		return nil, err
	}
	names, err := s.client.ZRange(ctx, s.recordIndexKey(kind), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: list records %s: %w", kind, err)
	}
	if len(names) == 0 {
		return nil, nil
	}
	out, err := s.readRecords(ctx, c, kind, names)
	if err != nil {
		return nil, fmt.Errorf("redisstore: list records %s: %w", kind, err)
	}
	c.SortRecords(out)
	return out, nil
}

// DeleteRecord implements store.Records.
func (s *Store) DeleteRecord(ctx context.Context, kind, id string) error {
	if err := check.RecordKey(kind, id); err != nil {
		return err
	}
	c, err := s.sealing(ctx)
	if err != nil {
		return err
	}
	name := c.RecordName(kind, id)
	w, done := s.writer()
	err = done(ctx, deleteScript.Run(ctx, w,
		[]string{s.recordKey(kind, name), s.recordIndexKey(kind)}, name).Err())
	if err != nil {
		return fmt.Errorf("redisstore: delete record %s/%s: %w", kind, id, err)
	}
	return nil
}

// cloneData copies the caller's bytes so the returned Record does not alias
// them, and normalises empty data to nil as reads do.
func cloneData(data []byte) []byte {
	if len(data) == 0 {
		return nil
	}
	return append([]byte(nil), data...)
}
