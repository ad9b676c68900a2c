package boltstore_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	berrors "go.etcd.io/bbolt/errors"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/seal"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
	"github.com/seatwarden/seatwarden/store/storetest"
)

// fakeClock is the store time tests control; it only moves when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func openTemp(tb testing.TB, clock *fakeClock) *boltstore.Store {
	tb.Helper()
	s, err := boltstore.Open(filepath.Join(tb.TempDir(), "data", "seatwarden.db"), boltstore.Options{Now: clock.Now})
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// harness shares one fake clock between the stores it makes; the suite runs
// its subtests one at a time, so that is safe.
func harness(wrap func(store.Store) store.Store) storetest.Harness {
	clock := newFakeClock()
	return storetest.Harness{
		New:     func(t *testing.T) store.Store { return wrap(openTemp(t, clock)) },
		Advance: func(_ *testing.T, d time.Duration) { clock.Advance(d) },
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, harness(func(s store.Store) store.Store { return s }))
}

// The instrumented decorator must be invisible to callers: same suite.
func TestConformanceInstrumented(t *testing.T) {
	var mu sync.Mutex
	ops := map[string]int{}
	storetest.Run(t, harness(func(s store.Store) store.Store {
		return store.Instrument(s, func(op string, _ time.Duration, _ error) {
			mu.Lock()
			defer mu.Unlock()
			ops[op]++
		})
	}))
	for _, op := range []string{"cas_record", "acquire_lock", "claim_key", "append_audit", "load_snapshot"} {
		if ops[op] == 0 {
			t.Errorf("no %q observations during the suite", op)
		}
	}
}

func TestSecondOpenFailsWithinTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seatwarden.db")
	first, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	defer first.Close()

	const timeout = 100 * time.Millisecond
	done := make(chan error, 1)
	go func() {
		second, err := boltstore.Open(path, boltstore.Options{Timeout: timeout})
		if err == nil {
			_ = second.Close()
		}
		done <- err
	}()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("second Open did not return: the timeout is not applied")
	}
	if err == nil {
		t.Fatal("second Open of a locked file succeeded")
	}
	if !errors.Is(err, berrors.ErrTimeout) {
		t.Errorf("error %q does not wrap bbolt's ErrTimeout", err)
	}
	for _, want := range []string{path, "locked by another seatwarden process", "waited 100ms", "SEATWARDEN_DATA_DIR"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "seatwarden.db")
	clock := newFakeClock()
	ctx := t.Context()

	s, err := boltstore.Open(path, boltstore.Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	rec, err := s.CreateRecord(ctx, "review", "r1", []byte(`{"n":1}`))
	if err != nil {
		t.Fatalf("CreateRecord: %v", err)
	}
	lock, err := s.AcquireLock(ctx, "job:sync", "replica-a", time.Minute)
	if err != nil {
		t.Fatalf("AcquireLock: %v", err)
	}
	if err := s.ReleaseLock(ctx, lock); err != nil {
		t.Fatalf("ReleaseLock: %v", err)
	}
	entry, err := s.AppendAudit(ctx, store.AuditEntry{Actor: "system", Action: "boot", Subject: "bot"})
	if err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	if ok, err := s.ClaimKey(ctx, "evt", time.Hour); !ok || err != nil {
		t.Fatalf("ClaimKey = %v, %v", ok, err)
	}
	if err := s.SaveSnapshot(ctx, &store.Snapshot{Account: "acme", Roster: connector.Roster{Cursor: "c1"}}); err != nil {
		t.Fatalf("SaveSnapshot: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s, err = boltstore.Open(path, boltstore.Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if got, err := s.GetRecord(ctx, "review", "r1"); err != nil || got.Version != rec.Version || string(got.Data) != string(rec.Data) {
		t.Errorf("record after reopen = %+v, %v; want %+v", got, err, rec)
	}
	if snap, err := s.LoadSnapshot(ctx, ""); err != nil || snap.Cursor != "c1" {
		t.Errorf("snapshot after reopen = %+v, %v; want cursor c1", snap, err)
	}
	if ok, err := s.ClaimKey(ctx, "evt", time.Hour); ok || err != nil {
		t.Errorf("ClaimKey after reopen = %v, %v; want false (still claimed)", ok, err)
	}
	// Counters persist: a fencing token or Seq is never handed out twice.
	if l, err := s.AcquireLock(ctx, "job:sync", "replica-b", time.Minute); err != nil || l.Token <= lock.Token {
		t.Errorf("AcquireLock after reopen = %+v, %v; want a token above %d", l, err, lock.Token)
	}
	if e, err := s.AppendAudit(ctx, store.AuditEntry{Actor: "system", Action: "boot", Subject: "bot"}); err != nil || e.Seq <= entry.Seq {
		t.Errorf("AppendAudit after reopen = %+v, %v; want Seq above %d", e, err, entry.Seq)
	}
}

func TestExpiredIdempotencyKeysAreSwept(t *testing.T) {
	clock := newFakeClock()
	s := openTemp(t, clock)
	ctx := t.Context()
	for _, key := range []string{"a", "b", "c"} {
		if ok, err := s.ClaimKey(ctx, key, time.Minute); !ok || err != nil {
			t.Fatalf("ClaimKey(%s) = %v, %v", key, ok, err)
		}
	}
	clock.Advance(2 * time.Minute)
	// Claiming "a" again sweeps every expired key, "b" and "c" included;
	// they stay claimable, and the sweep must not have broken "a".
	for _, key := range []string{"a", "b", "c"} {
		if ok, err := s.ClaimKey(ctx, key, time.Minute); !ok || err != nil {
			t.Errorf("ClaimKey(%s) after expiry = %v, %v; want true", key, ok, err)
		}
	}
	for _, key := range []string{"a", "b", "c"} {
		if ok, err := s.ClaimKey(ctx, key, time.Minute); ok || err != nil {
			t.Errorf("ClaimKey(%s) while live = %v, %v; want false", key, ok, err)
		}
	}
}

func TestClosedStoreFailsPing(t *testing.T) {
	s := openTemp(t, newFakeClock())
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Error("Ping on a closed store succeeded")
	}
}

// ------------------------------------------------------------- benchmarks

// BenchmarkStore runs every store benchmark on a clear and on a sealed
// store: benchstat on the two names gives the cost of sealing.
func BenchmarkStore(b *testing.B) {
	for _, mode := range []struct {
		name string
		keys *seal.Keyring
	}{{"enc=clear", nil}, {"enc=sealed", storetest.Keys(b, "current")}} {
		b.Run(mode.name, func(b *testing.B) {
			storetest.Bench(b, func(b *testing.B) store.Store {
				s, err := boltstore.Open(filepath.Join(b.TempDir(), "sw.db"), boltstore.Options{Now: newFakeClock().Now, Keys: mode.keys})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = s.Close() })
				return s
			})
		})
	}
}

// The same suite on a sealed store, with an older key in the ring too.
func TestConformanceSealed(t *testing.T) {
	keys := storetest.Keys(t, "current", "older")
	clock := newFakeClock()
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) store.Store {
			s, err := boltstore.Open(filepath.Join(t.TempDir(), "sw.db"), boltstore.Options{Now: clock.Now, Keys: keys})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
		Advance: func(_ *testing.T, d time.Duration) { clock.Advance(d) },
	})
}

func TestSealing(t *testing.T) {
	storetest.RunSealing(t, storetest.SealingHarness{New: func(t *testing.T) storetest.Backing {
		path := filepath.Join(t.TempDir(), "sw.db")
		return storetest.Backing{
			Open: func(keys *seal.Keyring, rekey bool) (store.SealingStore, error) {
				s, err := boltstore.Open(path, boltstore.Options{Keys: keys, Rekey: rekey})
				if err != nil {
					return nil, err
				}
				t.Cleanup(func() { _ = s.Close() })
				return s, nil
			},
			Dump: func(t *testing.T) []byte {
				raw, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				return raw
			},
		}
	}})
}

// A one-pass reader (audit export) reads the trail whole and in order
// while its pages are released from memory behind it, and appends that
// grow (and remap) the file between reads do not upset it.
func TestOnePassReadsTheWholeTrail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seatwarden.db")
	s, err := boltstore.Open(path, boltstore.Options{OnePass: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	const n = 5000
	for i := range n {
		if _, err := s.AppendAudit(ctx, store.AuditEntry{Actor: "dana@acme.example", Action: "seat.kept", Subject: strings.Repeat("x", i%300)}); err != nil {
			t.Fatal(err)
		}
		if i%997 == 0 { // read while the file grows
			if _, err := s.ListAudit(ctx, 0, 100); err != nil {
				t.Fatal(err)
			}
		}
	}
	var after int64
	for {
		page, err := s.ListAudit(ctx, after, 700)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			if e.Seq != after+1 || len(e.Subject) != int(e.Seq-1)%300 {
				t.Fatalf("entry %d after %d: %q", e.Seq, after, e.Subject)
			}
			after = e.Seq
		}
		if len(page) < 700 {
			break
		}
	}
	if after != n {
		t.Errorf("read %d entries, want %d", after, n)
	}
}

// A save deletes the chunks that saves cut off over an hour ago left
// behind, and nothing else: not a save still writing, not another
// connector's, not a name it did not make.
func TestASaveSweepsOnlyAbandonedChunks(t *testing.T) {
	clock := newFakeClock()
	s := openTemp(t, clock)
	ctx := t.Context()
	gen := func(age time.Duration, tail string) string {
		return fmt.Sprintf("%016x", uint64(clock.Now().Add(-age).UnixNano())) + tail
	}
	abandoned, writing, other := gen(2*time.Hour, "abandone"), gen(10*time.Minute, "writing1"), gen(3*time.Hour, "othercon")
	var gone, kept []string
	for i := range 3 {
		gone = append(gone, store.SnapshotChunkName(connector.Zendesk, abandoned, i))
	}
	for i := range 2 {
		kept = append(kept, store.SnapshotChunkName(connector.Zendesk, writing, i))
	}
	kept = append(kept, store.SnapshotChunkName(connector.GitHub, other, 0), "zendesk/not-a-chunk")
	for _, name := range slices.Concat(gone, kept) {
		if err := s.PutSnapshotChunk(ctx, name, []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}

	snap := &store.Snapshot{Connector: connector.Zendesk, Account: "acme", Roster: connector.Roster{Staff: []connector.Staff{{ID: 1, Email: "a@acme.example"}}}}
	if err := s.SaveSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	for _, name := range gone {
		if _, err := s.SnapshotChunk(ctx, name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("abandoned chunk %s: %v, want it swept", name, err)
		}
	}
	for _, name := range kept {
		if _, err := s.SnapshotChunk(ctx, name); err != nil {
			t.Errorf("chunk %s: %v, want it left", name, err)
		}
	}
	if got, err := s.LoadSnapshot(ctx, connector.Zendesk); err != nil || len(got.Staff) != 1 {
		t.Errorf("the save: %v, %+v", err, got)
	}
}
