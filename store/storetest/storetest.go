// Package storetest is the conformance suite every store.Store
// implementation passes, so features behave the same on each backend.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

// Harness adapts one backend to the suite.
type Harness struct {
	// New returns a fresh, isolated, empty store and arranges (t.Cleanup)
	// for it to be closed and its data removed.
	New func(t *testing.T) store.Store
	// Advance makes d of store time pass for stores made by New: a fake
	// clock moves, or real time is waited out. Subtests run one at a time,
	// so moving a clock shared by several stores is fine.
	Advance func(t *testing.T, d time.Duration)
}

// TTLs and polling bounds. Short TTLs are tens of milliseconds so a backend
// on real time (Redis) spends little time waiting; assertions that a hold is
// still live use longTTL so machine load cannot make them flaky.
const (
	shortTTL = 50 * time.Millisecond
	// renewedFromTTL is the TTL a renewal test starts from: short enough to
	// wait out, long enough that the renewal right after acquiring cannot
	// miss it.
	renewedFromTTL = 500 * time.Millisecond
	longTTL        = time.Minute
	pollStep       = 10 * time.Millisecond
	pollTimeout    = 10 * time.Second
)

// Run runs the whole suite against h.
func Run(t *testing.T, h Harness) {
	t.Run("Records", func(t *testing.T) { testRecords(t, h) })
	t.Run("Ballots", func(t *testing.T) { testBallots(t, h) })
	t.Run("Locks", func(t *testing.T) { testLocks(t, h) })
	t.Run("Idempotency", func(t *testing.T) { testIdempotency(t, h) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, h) })
	t.Run("Snapshot", func(t *testing.T) { testSnapshot(t, h) })
	t.Run("Schedules", func(t *testing.T) { testSchedules(t, h) })
	t.Run("Ping", func(t *testing.T) {
		s := h.New(t)
		if err := s.Ping(t.Context()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		if s.Backend() == "" {
			t.Error("Backend() is empty")
		}
	})
}

// eventually polls cond, letting step of store time pass between tries,
// until it holds or pollTimeout of real time has gone.
func eventually(t *testing.T, h Harness, step time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(pollTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not the case after %s", what, pollTimeout)
		}
		h.Advance(t, step)
	}
}

// ---------------------------------------------------------------- records

const kind = "review"

type counter struct {
	N int `json:"n"`
}

// increment is a Modifier adding one to a counter record.
func increment(cur store.Record) ([]byte, error) {
	var c counter
	if err := json.Unmarshal(cur.Data, &c); err != nil {
		return nil, err
	}
	c.N++
	return json.Marshal(c)
}

func counterJSON(n int) []byte {
	b, _ := json.Marshal(counter{N: n})
	return b
}

func mustCreate(t *testing.T, s store.Store, kind, id string, data []byte) store.Record {
	t.Helper()
	r, err := s.CreateRecord(t.Context(), kind, id, data)
	if err != nil {
		t.Fatalf("CreateRecord(%s, %s): %v", kind, id, err)
	}
	return r
}

func mustGet(t *testing.T, s store.Store, kind, id string) store.Record {
	t.Helper()
	r, err := s.GetRecord(t.Context(), kind, id)
	if err != nil {
		t.Fatalf("GetRecord(%s, %s): %v", kind, id, err)
	}
	return r
}

func testRecords(t *testing.T, h Harness) {
	t.Run("get absent is ErrNotFound", func(t *testing.T) {
		s := h.New(t)
		if _, err := s.GetRecord(t.Context(), kind, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetRecord absent: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("create then get", func(t *testing.T) {
		s := h.New(t)
		data := []byte(`{"reviewer":"ana@example.com","note":"zwölf ✓"}`)
		created := mustCreate(t, s, kind, "r1", data)
		want := store.Record{Kind: kind, ID: "r1", Version: 1, Data: data, UpdatedAt: created.UpdatedAt}
		if diff := cmp.Diff(want, created); diff != "" {
			t.Errorf("CreateRecord result (-want +got):\n%s", diff)
		}
		if created.UpdatedAt.IsZero() {
			t.Error("CreateRecord: UpdatedAt is zero")
		}
		if diff := cmp.Diff(created, mustGet(t, s, kind, "r1")); diff != "" {
			t.Errorf("GetRecord after create (-created +got):\n%s", diff)
		}
	})

	t.Run("get many reads those that exist, in the order asked", func(t *testing.T) {
		s := h.New(t)
		r1 := mustCreate(t, s, kind, "r1", counterJSON(1))
		r3 := mustCreate(t, s, kind, "r3", counterJSON(3))
		mustCreate(t, s, "other-kind", "r2", counterJSON(2))
		got, err := s.GetRecords(t.Context(), kind, []string{"r3", "r2", "nope", "r1"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]store.Record{r3, r1}, got); diff != "" {
			t.Errorf("GetRecords (-want +got):\n%s", diff)
		}
		if got, err := s.GetRecords(t.Context(), kind, nil); err != nil || len(got) != 0 {
			t.Errorf("GetRecords of no ids = %v, %v; want none", got, err)
		}
		if _, err := s.GetRecords(t.Context(), kind, []string{"r1", ""}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("GetRecords with an empty id: err = %v, want ErrInvalid", err)
		}
	})

	t.Run("create twice is ErrExists and keeps the first", func(t *testing.T) {
		s := h.New(t)
		first := mustCreate(t, s, kind, "r1", counterJSON(1))
		if _, err := s.CreateRecord(t.Context(), kind, "r1", counterJSON(2)); !errors.Is(err, store.ErrExists) {
			t.Fatalf("second CreateRecord: err = %v, want ErrExists", err)
		}
		if diff := cmp.Diff(first, mustGet(t, s, kind, "r1")); diff != "" {
			t.Errorf("record after refused create (-first +got):\n%s", diff)
		}
	})

	t.Run("compare and swap", func(t *testing.T) {
		// Each case starts from record "r" at version 2 holding n=1.
		cases := []struct {
			name        string
			id          string
			version     int64
			wantErr     error
			wantVersion int64
		}{
			{name: "current version writes", id: "r", version: 2, wantVersion: 3},
			{name: "stale version conflicts", id: "r", version: 1, wantErr: store.ErrConflict},
			{name: "future version conflicts", id: "r", version: 3, wantErr: store.ErrConflict},
			{name: "absent record", id: "missing", version: 1, wantErr: store.ErrNotFound},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				s := h.New(t)
				v1 := mustCreate(t, s, kind, "r", counterJSON(0))
				before, err := s.CompareAndSwapRecord(t.Context(), kind, "r", v1.Version, counterJSON(1))
				if err != nil {
					t.Fatalf("setup CompareAndSwapRecord: %v", err)
				}
				if before.Version != 2 {
					t.Fatalf("setup: version = %d, want 2", before.Version)
				}

				got, err := s.CompareAndSwapRecord(t.Context(), kind, tc.id, tc.version, counterJSON(99))
				if tc.wantErr != nil {
					if !errors.Is(err, tc.wantErr) {
						t.Fatalf("CompareAndSwapRecord: err = %v, want %v", err, tc.wantErr)
					}
					if diff := cmp.Diff(before, mustGet(t, s, kind, "r")); diff != "" {
						t.Errorf("refused swap wrote something (-before +after):\n%s", diff)
					}
					return
				}
				if err != nil {
					t.Fatalf("CompareAndSwapRecord: %v", err)
				}
				want := store.Record{Kind: kind, ID: tc.id, Version: tc.wantVersion, Data: counterJSON(99), UpdatedAt: got.UpdatedAt}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("CompareAndSwapRecord result (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(got, mustGet(t, s, kind, tc.id)); diff != "" {
					t.Errorf("GetRecord after swap (-swapped +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("list is ordered by id and per kind", func(t *testing.T) {
		s := h.New(t)
		for _, id := range []string{"b", "a", "c", "aa", "B"} {
			mustCreate(t, s, kind, id, counterJSON(len(id)))
		}
		mustCreate(t, s, "credential", "a", counterJSON(7))
		mustCreate(t, s, "reviewer", "z", counterJSON(8)) // a kind sharing a prefix

		got, err := s.ListRecords(t.Context(), kind)
		if err != nil {
			t.Fatalf("ListRecords: %v", err)
		}
		var ids []string
		for _, r := range got {
			if r.Kind != kind {
				t.Errorf("ListRecords(%s) returned kind %q", kind, r.Kind)
			}
			if diff := cmp.Diff(mustGet(t, s, kind, r.ID), r); diff != "" {
				t.Errorf("listed record %s differs from GetRecord (-get +list):\n%s", r.ID, diff)
			}
			ids = append(ids, r.ID)
		}
		if diff := cmp.Diff([]string{"B", "a", "aa", "b", "c"}, ids); diff != "" {
			t.Errorf("ListRecords ids (-want +got):\n%s", diff)
		}

		empty, err := s.ListRecords(t.Context(), "approval")
		if err != nil {
			t.Fatalf("ListRecords of an unused kind: %v", err)
		}
		if len(empty) != 0 {
			t.Errorf("ListRecords of an unused kind = %v, want none", empty)
		}
	})

	t.Run("delete", func(t *testing.T) {
		s := h.New(t)
		mustCreate(t, s, kind, "keep", counterJSON(1))
		mustCreate(t, s, kind, "gone", counterJSON(2))
		if err := s.DeleteRecord(t.Context(), kind, "gone"); err != nil {
			t.Fatalf("DeleteRecord: %v", err)
		}
		if _, err := s.GetRecord(t.Context(), kind, "gone"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetRecord after delete: err = %v, want ErrNotFound", err)
		}
		list, err := s.ListRecords(t.Context(), kind)
		if err != nil {
			t.Fatalf("ListRecords: %v", err)
		}
		if len(list) != 1 || list[0].ID != "keep" {
			t.Errorf("ListRecords after delete = %v, want only \"keep\"", list)
		}
		if err := s.DeleteRecord(t.Context(), kind, "gone"); err != nil {
			t.Errorf("DeleteRecord of an absent record: %v, want nil", err)
		}
		if again := mustCreate(t, s, kind, "gone", counterJSON(3)); again.Version != 1 {
			t.Errorf("re-created record version = %d, want 1", again.Version)
		}
	})

	t.Run("invalid keys are rejected", func(t *testing.T) {
		s := h.New(t)
		cases := []struct{ name, kind, id string }{
			{"empty kind", "", "x"},
			{"empty id", kind, ""},
			{"kind with brace", "re{view}", "x"},
			{"kind with NUL", "re\x00view", "x"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := s.CreateRecord(t.Context(), tc.kind, tc.id, nil); !errors.Is(err, store.ErrInvalid) {
					t.Errorf("CreateRecord: err = %v, want ErrInvalid", err)
				}
				if _, err := s.GetRecord(t.Context(), tc.kind, tc.id); !errors.Is(err, store.ErrInvalid) {
					t.Errorf("GetRecord: err = %v, want ErrInvalid", err)
				}
			})
		}
	})

	t.Run("concurrent UpdateRecord loses no update", func(t *testing.T) {
		s := h.New(t)
		mustCreate(t, s, kind, "counter", counterJSON(0))
		const writers = 50
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				if _, err := store.UpdateRecord(t.Context(), s, kind, "counter", increment); err != nil {
					t.Errorf("UpdateRecord: %v", err)
				}
			})
		}
		wg.Wait()

		got := mustGet(t, s, kind, "counter")
		var c counter
		if err := json.Unmarshal(got.Data, &c); err != nil {
			t.Fatalf("decode counter: %v", err)
		}
		if c.N != writers || got.Version != writers+1 {
			t.Errorf("after %d increments: counter = %d, version = %d; want %d, %d", writers, c.N, got.Version, writers, writers+1)
		}
	})

	t.Run("racing creators: exactly one wins", func(t *testing.T) {
		s := h.New(t)
		const creators = 20
		var wg sync.WaitGroup
		results := make([]error, creators)
		for i := range creators {
			wg.Go(func() {
				_, results[i] = s.CreateRecord(t.Context(), kind, "contested", counterJSON(i))
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range results {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrExists):
				t.Errorf("CreateRecord: unexpected error %v", err)
			}
		}
		if wins != 1 {
			t.Errorf("%d creators won, want exactly 1", wins)
		}
	})

	t.Run("CreateRecords", func(t *testing.T) { testCreateRecords(t, h) })

	t.Run("UpdateRecord skip leaves the record", func(t *testing.T) {
		s := h.New(t)
		before := mustCreate(t, s, kind, "r", counterJSON(5))
		got, err := store.UpdateRecord(t.Context(), s, kind, "r", func(store.Record) ([]byte, error) {
			return nil, store.ErrSkipUpdate
		})
		if !errors.Is(err, store.ErrSkipUpdate) {
			t.Fatalf("UpdateRecord: err = %v, want ErrSkipUpdate", err)
		}
		if diff := cmp.Diff(before, got); diff != "" {
			t.Errorf("skipped update result (-before +got):\n%s", diff)
		}
		if diff := cmp.Diff(before, mustGet(t, s, kind, "r")); diff != "" {
			t.Errorf("skipped update changed the record (-before +after):\n%s", diff)
		}
	})
}

func mustList(t *testing.T, s store.Store, kind string) []store.Record {
	t.Helper()
	list, err := s.ListRecords(t.Context(), kind)
	if err != nil {
		t.Fatalf("ListRecords(%s): %v", kind, err)
	}
	return list
}

func itemID(i int) string { return fmt.Sprintf("item-%05d", i) }

// newRecords returns records for ids from..to-1 (descending when to < from),
// each holding its number, so whichever caller creates it the data is known.
func newRecords(from, to int) []store.NewRecord {
	var recs []store.NewRecord
	step := 1
	if to < from {
		step = -1
	}
	for i := from; i != to; i += step {
		recs = append(recs, store.NewRecord{ID: itemID(i), Data: counterJSON(i)})
	}
	return recs
}

func testCreateRecords(t *testing.T, h Harness) {
	t.Run("creates the absent, leaves the existing", func(t *testing.T) {
		s := h.New(t)
		v1 := mustCreate(t, s, kind, "b", counterJSON(1))
		existing, err := s.CompareAndSwapRecord(t.Context(), kind, "b", v1.Version, counterJSON(2))
		if err != nil {
			t.Fatalf("setup CompareAndSwapRecord: %v", err)
		}
		n, err := s.CreateRecords(t.Context(), kind, []store.NewRecord{
			{ID: "a", Data: counterJSON(10)},
			{ID: "b", Data: counterJSON(20)},
			{ID: "c", Data: counterJSON(30)},
			{ID: "d"},
		})
		if err != nil || n != 3 {
			t.Fatalf("CreateRecords = %d, %v; want 3, nil", n, err)
		}
		if diff := cmp.Diff(existing, mustGet(t, s, kind, "b")); diff != "" {
			t.Errorf("existing record changed (-before +after):\n%s", diff)
		}
		for id, data := range map[string][]byte{"a": counterJSON(10), "c": counterJSON(30), "d": nil} {
			got := mustGet(t, s, kind, id)
			want := store.Record{Kind: kind, ID: id, Version: 1, Data: data, UpdatedAt: got.UpdatedAt}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("created record %s (-want +got):\n%s", id, diff)
			}
			if got.UpdatedAt.IsZero() {
				t.Errorf("created record %s: UpdatedAt is zero", id)
			}
		}
		var ids []string
		for _, r := range mustList(t, s, kind) {
			ids = append(ids, r.ID)
		}
		if diff := cmp.Diff([]string{"a", "b", "c", "d"}, ids); diff != "" {
			t.Errorf("ListRecords ids (-want +got):\n%s", diff)
		}

		// Repeating the call, as after a partial failure, creates nothing.
		n, err = s.CreateRecords(t.Context(), kind, []store.NewRecord{{ID: "a"}, {ID: "c"}})
		if err != nil || n != 0 {
			t.Errorf("repeated CreateRecords = %d, %v; want 0, nil", n, err)
		}
		if got := mustGet(t, s, kind, "a"); got.Version != 1 || string(got.Data) != string(counterJSON(10)) {
			t.Errorf("record a after a repeated create = %+v, want version 1 with its first data", got)
		}
	})

	t.Run("a duplicate id within one call creates once", func(t *testing.T) {
		s := h.New(t)
		n, err := s.CreateRecords(t.Context(), kind, []store.NewRecord{
			{ID: "x", Data: counterJSON(1)},
			{ID: "y", Data: counterJSON(2)},
			{ID: "x", Data: counterJSON(3)},
			{ID: "x", Data: counterJSON(4)},
		})
		if err != nil || n != 2 {
			t.Fatalf("CreateRecords = %d, %v; want 2, nil", n, err)
		}
		list := mustList(t, s, kind)
		if len(list) != 2 || list[0].ID != "x" || list[1].ID != "y" {
			t.Fatalf("ListRecords = %v, want x and y", list)
		}
		if list[0].Version != 1 {
			t.Errorf("record x version = %d, want 1", list[0].Version)
		}
	})

	t.Run("a large call in no order creates each absent id once, its first data", func(t *testing.T) {
		s := h.New(t)
		// Several batches' worth, shuffled as a period's items come, with
		// records stored before the call among them and ids repeated
		// far apart, so a repeat falls in another batch than its first.
		const n = 12_000
		for _, i := range []int{3, 5_000, 11_999} {
			mustCreate(t, s, kind, itemID(i), counterJSON(-1))
		}
		recs := newRecords(0, n)
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
		for i := 0; i < n; i += 1_000 {
			recs = append(recs, store.NewRecord{ID: itemID(i), Data: counterJSON(-2)})
		}
		created, err := s.CreateRecords(t.Context(), kind, recs)
		if err != nil || created != n-3 {
			t.Fatalf("CreateRecords = %d, %v; want %d, nil", created, err, n-3)
		}
		list := mustList(t, s, kind)
		if len(list) != n {
			t.Fatalf("ListRecords: %d records, want %d", len(list), n)
		}
		for i, r := range list {
			want := counterJSON(i)
			if i == 3 || i == 5_000 || i == 11_999 {
				want = counterJSON(-1)
			}
			if r.ID != itemID(i) || r.Version != 1 || string(r.Data) != string(want) {
				t.Fatalf("record %d = %s v%d %s; want %s v1 %s", i, r.ID, r.Version, r.Data, itemID(i), want)
			}
		}
	})

	t.Run("an invalid key writes nothing", func(t *testing.T) {
		cases := []struct {
			name, kind string
			recs       []store.NewRecord
		}{
			{"empty id last", kind, []store.NewRecord{{ID: "ok1"}, {ID: "ok2"}, {ID: ""}}},
			{"empty id first", kind, []store.NewRecord{{ID: ""}, {ID: "ok1"}}},
			{"kind with brace", "re{view}", []store.NewRecord{{ID: "ok1"}}},
			{"empty kind", "", []store.NewRecord{{ID: "ok1"}}},
			{"empty kind, no records", "", nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				s := h.New(t)
				n, err := s.CreateRecords(t.Context(), tc.kind, tc.recs)
				if !errors.Is(err, store.ErrInvalid) || n != 0 {
					t.Fatalf("CreateRecords = %d, %v; want 0, ErrInvalid", n, err)
				}
				if list := mustList(t, s, kind); len(list) != 0 {
					t.Errorf("refused CreateRecords wrote %v", list)
				}
			})
		}
	})

	t.Run("no records", func(t *testing.T) {
		s := h.New(t)
		if n, err := s.CreateRecords(t.Context(), kind, nil); err != nil || n != 0 {
			t.Errorf("CreateRecords(nil) = %d, %v; want 0, nil", n, err)
		}
	})

	t.Run("concurrent overlapping callers create each record once", func(t *testing.T) {
		s := h.New(t)
		// Big enough to span several batches in either backend; the second
		// caller walks its range backwards so the two meet in the overlap.
		const perCaller, overlap = 6000, 3000
		calls := [][]store.NewRecord{
			newRecords(0, perCaller),
			newRecords(2*perCaller-overlap-1, perCaller-overlap-1),
		}
		distinct := 2*perCaller - overlap
		created := make([]int, len(calls))
		var wg sync.WaitGroup
		for i, recs := range calls {
			wg.Go(func() {
				var err error
				if created[i], err = s.CreateRecords(t.Context(), kind, recs); err != nil {
					t.Errorf("CreateRecords caller %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if total := created[0] + created[1]; total != distinct {
			t.Errorf("created %d + %d = %d, want %d distinct ids", created[0], created[1], total, distinct)
		}
		list := mustList(t, s, kind)
		if len(list) != distinct {
			t.Fatalf("ListRecords: %d records, want %d", len(list), distinct)
		}
		for i, r := range list {
			if r.ID != itemID(i) || r.Version != 1 || string(r.Data) != string(counterJSON(i)) {
				t.Fatalf("record %d = %s v%d %s; want %s v1 %s", i, r.ID, r.Version, r.Data, itemID(i), counterJSON(i))
			}
		}
	})
}

// ------------------------------------------------------------------ locks

const lockName = "job:sync"

func mustAcquire(t *testing.T, s store.Store, name, holder string, ttl time.Duration) store.Lock {
	t.Helper()
	l, err := s.AcquireLock(t.Context(), name, holder, ttl)
	if err != nil {
		t.Fatalf("AcquireLock(%s, %s): %v", name, holder, err)
	}
	return l
}

func wantLockHeld(t *testing.T, s store.Store, name, holder string) {
	t.Helper()
	if l, err := s.AcquireLock(t.Context(), name, holder, longTTL); !errors.Is(err, store.ErrLockHeld) {
		t.Fatalf("AcquireLock(%s, %s) = %+v, %v; want ErrLockHeld", name, holder, l, err)
	}
}

func testLocks(t *testing.T, h Harness) {
	t.Run("held lock is refused to everyone", func(t *testing.T) {
		s := h.New(t)
		a := mustAcquire(t, s, lockName, "replica-a", longTTL)
		if a.Name != lockName || a.Holder != "replica-a" || a.Token <= 0 || a.ExpiresAt.IsZero() {
			t.Errorf("AcquireLock = %+v; want name, holder, a positive token and an expiry", a)
		}
		wantLockHeld(t, s, lockName, "replica-b")
		// The same holder too: extending is RenewLock's job.
		wantLockHeld(t, s, lockName, "replica-a")
		// Other names are independent.
		mustAcquire(t, s, "job:report", "replica-b", longTTL)
	})

	t.Run("expired lock is taken over with a larger token", func(t *testing.T) {
		s := h.New(t)
		a := mustAcquire(t, s, lockName, "replica-a", shortTTL)
		var b store.Lock
		eventually(t, h, pollStep, "lock free after its TTL", func() bool {
			l, err := s.AcquireLock(t.Context(), lockName, "replica-b", longTTL)
			if errors.Is(err, store.ErrLockHeld) {
				return false
			}
			if err != nil {
				t.Fatalf("AcquireLock after expiry: %v", err)
			}
			b = l
			return true
		})
		if b.Token <= a.Token {
			t.Errorf("takeover token %d is not larger than the expired hold's %d", b.Token, a.Token)
		}
		// The old holder's stale lock no longer counts for anything.
		if err := s.ReleaseLock(t.Context(), a); !errors.Is(err, store.ErrNotLockHolder) {
			t.Errorf("ReleaseLock with the stale hold: err = %v, want ErrNotLockHolder", err)
		}
		if _, err := s.RenewLock(t.Context(), a, longTTL); !errors.Is(err, store.ErrNotLockHolder) {
			t.Errorf("RenewLock with the stale hold: err = %v, want ErrNotLockHolder", err)
		}
		wantLockHeld(t, s, lockName, "replica-c")
		if err := s.ReleaseLock(t.Context(), b); err != nil {
			t.Errorf("ReleaseLock by the new holder: %v", err)
		}
	})

	t.Run("release only by the holder", func(t *testing.T) {
		s := h.New(t)
		a := mustAcquire(t, s, lockName, "replica-a", longTTL)
		forged := []struct {
			name string
			lock store.Lock
		}{
			{"wrong holder", store.Lock{Name: lockName, Holder: "replica-b", Token: a.Token}},
			{"wrong token", store.Lock{Name: lockName, Holder: a.Holder, Token: a.Token + 1}},
			{"other lock name", store.Lock{Name: "job:other", Holder: a.Holder, Token: a.Token}},
		}
		for _, f := range forged {
			if err := s.ReleaseLock(t.Context(), f.lock); !errors.Is(err, store.ErrNotLockHolder) {
				t.Errorf("ReleaseLock(%s): err = %v, want ErrNotLockHolder", f.name, err)
			}
		}
		wantLockHeld(t, s, lockName, "replica-c")

		if err := s.ReleaseLock(t.Context(), a); err != nil {
			t.Fatalf("ReleaseLock by the holder: %v", err)
		}
		if err := s.ReleaseLock(t.Context(), a); !errors.Is(err, store.ErrNotLockHolder) {
			t.Errorf("second ReleaseLock: err = %v, want ErrNotLockHolder", err)
		}
		c := mustAcquire(t, s, lockName, "replica-c", longTTL)
		if c.Token <= a.Token {
			t.Errorf("token after release %d is not larger than %d", c.Token, a.Token)
		}
	})

	t.Run("renew by the holder extends the hold", func(t *testing.T) {
		s := h.New(t)
		a := mustAcquire(t, s, lockName, "replica-a", renewedFromTTL)
		renewed, err := s.RenewLock(t.Context(), a, longTTL)
		if err != nil {
			t.Fatalf("RenewLock: %v", err)
		}
		if renewed.Token != a.Token || renewed.Holder != a.Holder || renewed.Name != a.Name {
			t.Errorf("RenewLock = %+v; want the same name, holder and token as %+v", renewed, a)
		}
		if !renewed.ExpiresAt.After(a.ExpiresAt) {
			t.Errorf("renewed expiry %v is not after the original %v", renewed.ExpiresAt, a.ExpiresAt)
		}
		h.Advance(t, renewedFromTTL+100*time.Millisecond)
		wantLockHeld(t, s, lockName, "replica-b")
		if err := s.ReleaseLock(t.Context(), renewed); err != nil {
			t.Errorf("ReleaseLock with the renewed hold: %v", err)
		}
	})

	t.Run("renew after expiry is refused", func(t *testing.T) {
		s := h.New(t)
		a := mustAcquire(t, s, lockName, "replica-a", shortTTL)
		h.Advance(t, shortTTL)
		// Each try that still finds the hold live extends it by shortTTL,
		// so wait twice that between tries.
		eventually(t, h, 2*shortTTL, "renew refused after expiry", func() bool {
			_, err := s.RenewLock(t.Context(), a, shortTTL)
			if err != nil && !errors.Is(err, store.ErrNotLockHolder) {
				t.Fatalf("RenewLock: %v", err)
			}
			return err != nil
		})
	})

	t.Run("concurrent acquirers: exactly one wins", func(t *testing.T) {
		s := h.New(t)
		const acquirers = 20
		results := make([]error, acquirers)
		var wg sync.WaitGroup
		for i := range acquirers {
			wg.Go(func() {
				_, results[i] = s.AcquireLock(t.Context(), lockName, fmt.Sprintf("replica-%d", i), longTTL)
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range results {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrLockHeld):
				t.Errorf("AcquireLock: unexpected error %v", err)
			}
		}
		if wins != 1 {
			t.Errorf("%d acquirers won, want exactly 1", wins)
		}
	})

	t.Run("tokens strictly increase", func(t *testing.T) {
		s := h.New(t)
		var last int64
		for i := range 5 {
			l := mustAcquire(t, s, lockName, fmt.Sprintf("replica-%d", i), longTTL)
			if l.Token <= last {
				t.Fatalf("acquisition %d: token %d not larger than %d", i, l.Token, last)
			}
			last = l.Token
			if err := s.ReleaseLock(t.Context(), l); err != nil {
				t.Fatalf("ReleaseLock: %v", err)
			}
		}
	})

	t.Run("invalid arguments are rejected", func(t *testing.T) {
		s := h.New(t)
		cases := []struct {
			name         string
			lock, holder string
			ttl          time.Duration
		}{
			{"empty name", "", "replica-a", longTTL},
			{"name with braces", "job:{sync}", "replica-a", longTTL},
			{"empty holder", lockName, "", longTTL},
			{"zero TTL", lockName, "replica-a", 0},
			{"negative TTL", lockName, "replica-a", -time.Second},
			// now+ttl would overflow into the past and expire at once.
			{"TTL past a century", lockName, "replica-a", 200 * 365 * 24 * time.Hour},
		}
		for _, tc := range cases {
			if _, err := s.AcquireLock(t.Context(), tc.lock, tc.holder, tc.ttl); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("AcquireLock(%s): err = %v, want ErrInvalid", tc.name, err)
			}
		}
		if _, err := s.ClaimKey(t.Context(), "idem:huge-ttl", 1<<62); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("ClaimKey with an overflowing TTL: err = %v, want ErrInvalid", err)
		}
	})
}

// ------------------------------------------------------------ idempotency

func testIdempotency(t *testing.T, h Harness) {
	claim := func(t *testing.T, s store.Store, key string, ttl time.Duration) bool {
		t.Helper()
		ok, err := s.ClaimKey(t.Context(), key, ttl)
		if err != nil {
			t.Fatalf("ClaimKey(%s): %v", key, err)
		}
		return ok
	}

	t.Run("first claim wins, later ones do not", func(t *testing.T) {
		s := h.New(t)
		for i, want := range []bool{true, false, false} {
			if got := claim(t, s, "slack:evt:1", longTTL); got != want {
				t.Errorf("claim %d = %v, want %v", i+1, got, want)
			}
		}
		if !claim(t, s, "slack:evt:2", longTTL) {
			t.Error("claim of another key = false, want true")
		}
	})

	t.Run("claimable again after TTL", func(t *testing.T) {
		s := h.New(t)
		if !claim(t, s, "slack:evt:1", shortTTL) {
			t.Fatal("first claim = false, want true")
		}
		eventually(t, h, pollStep, "key claimable after its TTL", func() bool {
			return claim(t, s, "slack:evt:1", longTTL)
		})
		if claim(t, s, "slack:evt:1", longTTL) {
			t.Error("claim right after the re-claim = true, want false")
		}
	})

	t.Run("a claim is seen without claiming", func(t *testing.T) {
		s := h.New(t)
		seen := func(key string) bool {
			t.Helper()
			ok, err := s.KeyClaimed(t.Context(), key)
			if err != nil {
				t.Fatalf("KeyClaimed(%s): %v", key, err)
			}
			return ok
		}
		if seen("slack:evt:done:1") {
			t.Fatal("an unclaimed key is seen as claimed")
		}
		if !claim(t, s, "slack:evt:done:1", shortTTL) {
			t.Fatal("looking at a key claimed it")
		}
		if !seen("slack:evt:done:1") {
			t.Error("a claimed key is not seen")
		}
		eventually(t, h, pollStep, "a key no longer seen after its TTL", func() bool { return !seen("slack:evt:done:1") })
		if _, err := s.KeyClaimed(t.Context(), ""); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("KeyClaimed(empty key): err = %v, want ErrInvalid", err)
		}
	})

	t.Run("a released key is claimed again, once", func(t *testing.T) {
		s := h.New(t)
		if !claim(t, s, "leavers:acted:1", longTTL) {
			t.Fatal("first claim = false, want true")
		}
		if err := s.ReleaseKey(t.Context(), "leavers:acted:1"); err != nil {
			t.Fatal(err)
		}
		if !claim(t, s, "leavers:acted:1", longTTL) || claim(t, s, "leavers:acted:1", longTTL) {
			t.Error("after a release: want one claim to win again, then none")
		}
		if err := s.ReleaseKey(t.Context(), "never-claimed"); err != nil {
			t.Errorf("releasing a key nobody holds: %v", err)
		}
		if err := s.ReleaseKey(t.Context(), ""); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("ReleaseKey(empty key): err = %v, want ErrInvalid", err)
		}
	})

	t.Run("an extended claim outlives its first ttl; a lapsed one is not extended", func(t *testing.T) {
		s := h.New(t)
		extend := func(key string, ttl time.Duration) bool {
			t.Helper()
			ok, err := s.ExtendKey(t.Context(), key, ttl)
			if err != nil {
				t.Fatalf("ExtendKey(%s): %v", key, err)
			}
			return ok
		}
		if !claim(t, s, "slack:evt:lease:1", renewedFromTTL) || !extend("slack:evt:lease:1", longTTL) {
			t.Fatal("a live claim was not extended")
		}
		h.Advance(t, 2*renewedFromTTL)
		if claim(t, s, "slack:evt:lease:1", longTTL) {
			t.Error("an extended claim was taken after its first ttl")
		}

		if !claim(t, s, "slack:evt:lease:2", shortTTL) {
			t.Fatal("first claim = false, want true")
		}
		eventually(t, h, pollStep, "key claimable after its TTL", func() bool {
			ok, err := s.KeyClaimed(t.Context(), "slack:evt:lease:2")
			return err == nil && !ok
		})
		if extend("slack:evt:lease:2", longTTL) {
			t.Error("a lapsed claim was extended")
		}
		if !claim(t, s, "slack:evt:lease:2", longTTL) {
			t.Error("extending a lapsed claim claimed it")
		}
		if err := s.ReleaseKey(t.Context(), "slack:evt:lease:2"); err != nil {
			t.Fatal(err)
		}
		if extend("slack:evt:lease:2", longTTL) || extend("never-claimed", longTTL) {
			t.Error("a released or never claimed key was extended")
		}
		if _, err := s.ExtendKey(t.Context(), "", longTTL); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("ExtendKey(empty key): err = %v, want ErrInvalid", err)
		}
		if _, err := s.ExtendKey(t.Context(), "k", 0); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("ExtendKey(zero TTL): err = %v, want ErrInvalid", err)
		}
	})

	t.Run("concurrent claims: exactly one wins", func(t *testing.T) {
		s := h.New(t)
		const claimers = 20
		results := make([]bool, claimers)
		var wg sync.WaitGroup
		for i := range claimers {
			wg.Go(func() {
				ok, err := s.ClaimKey(t.Context(), "teams:activity:9", longTTL)
				if err != nil {
					t.Errorf("ClaimKey: %v", err)
				}
				results[i] = ok
			})
		}
		wg.Wait()
		wins := 0
		for _, ok := range results {
			if ok {
				wins++
			}
		}
		if wins != 1 {
			t.Errorf("%d claims won, want exactly 1", wins)
		}
	})

	t.Run("invalid arguments are rejected", func(t *testing.T) {
		s := h.New(t)
		if _, err := s.ClaimKey(t.Context(), "", longTTL); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("ClaimKey(empty key): err = %v, want ErrInvalid", err)
		}
		if _, err := s.ClaimKey(t.Context(), "k", 0); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("ClaimKey(zero TTL): err = %v, want ErrInvalid", err)
		}
	})
}

// ------------------------------------------------------------------ audit

func listAll(t *testing.T, s store.Store) []store.AuditEntry {
	t.Helper()
	all, err := s.ListAudit(t.Context(), 0, 10_000)
	if err != nil {
		t.Fatalf("ListAudit: %v", err)
	}
	return all
}

func appendEntries(t *testing.T, s store.Store, n int) []store.AuditEntry {
	t.Helper()
	base := time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)
	var out []store.AuditEntry
	for i := range n {
		e := store.AuditEntry{
			At:      base.Add(time.Duration(i) * time.Minute),
			Actor:   "ana@example.com",
			Action:  "seat.removed",
			Subject: fmt.Sprintf("zendesk:user:%d", 100+i),
			Detail:  map[string]string{"reason": "inactive", "i": fmt.Sprint(i)},
		}
		got, err := s.AppendAudit(t.Context(), e)
		if err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
		e.Seq = got.Seq
		if diff := cmp.Diff(e, got); diff != "" {
			t.Errorf("AppendAudit result (-want +got):\n%s", diff)
		}
		out = append(out, got)
	}
	return out
}

func testAudit(t *testing.T, h Harness) {
	t.Run("an entry appended once under a key is in the trail once", func(t *testing.T) {
		s := h.New(t)
		ctx := t.Context()
		entry := func(actor string) store.AuditEntry {
			return store.AuditEntry{At: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Actor: actor, Action: "credential.revoked", Subject: "credential:oauth-token:7"}
		}
		before := appendEntries(t, s, 1)
		// The replica that revoked it, the intake's replay of the click
		// and the sync all come to say so, some at once.
		var wg sync.WaitGroup
		var appended atomic.Int64
		for _, actor := range []string{"ada@acme.example", "ada@acme.example", "job:sync", "ada@acme.example"} {
			wg.Go(func() {
				e, ok, err := s.AppendAuditOnce(ctx, "credential.revoked:credential:oauth-token:7", entry(actor))
				if err != nil {
					t.Errorf("AppendAuditOnce: %v", err)
				}
				if ok {
					appended.Add(1)
					if e.Seq <= before[0].Seq {
						t.Errorf("appended with Seq %d, want after %d", e.Seq, before[0].Seq)
					}
				}
			})
		}
		wg.Wait()
		if n := appended.Load(); n != 1 {
			t.Errorf("appended %d times, want once", n)
		}
		if _, ok, err := s.AppendAuditOnce(ctx, "credential.revoked:credential:oauth-token:8", entry("job:sync")); err != nil || !ok {
			t.Errorf("another key: appended %v, %v; want appended", ok, err)
		}
		all := listAll(t, s)
		if len(all) != 3 || all[1].Subject != "credential:oauth-token:7" || all[2].Actor != "job:sync" {
			t.Errorf("the trail: %+v; want the first entry, one for token 7 and one for token 8", all)
		}
		if _, _, err := s.AppendAuditOnce(ctx, "", entry("job:sync")); err == nil {
			t.Error("an empty key was taken")
		}
	})

	t.Run("empty trail", func(t *testing.T) {
		s := h.New(t)
		if all := listAll(t, s); len(all) != 0 {
			t.Errorf("ListAudit on an empty trail = %v, want none", all)
		}
	})

	t.Run("retention trims the oldest; the rest keep their Seq", func(t *testing.T) {
		s := h.New(t)
		ctx := t.Context()
		appended := appendEntries(t, s, 10)
		seqs := func(es []store.AuditEntry) []int64 {
			var out []int64
			for _, e := range es {
				out = append(out, e.Seq)
			}
			return out
		}
		first := appended[0].Seq
		steps := []struct {
			name           string
			through        int64
			limit, removed int
			left           []int64
		}{
			{"through the fourth", first + 3, 100, 4, seqs(appended[4:])},
			{"at most three", first + 100, 3, 3, seqs(appended[7:])},
			{"nothing older than what is left", first + 3, 100, 0, seqs(appended[7:])},
			{"everything", first + 100, 100, 3, nil},
		}
		for _, st := range steps {
			n, err := s.TrimAudit(ctx, st.through, st.limit)
			if err != nil || n != st.removed {
				t.Fatalf("%s: removed %d, %v; want %d", st.name, n, err, st.removed)
			}
			if got := seqs(listAll(t, s)); !slices.Equal(got, st.left) {
				t.Fatalf("%s: left %v, want %v", st.name, got, st.left)
			}
		}
		e, err := s.AppendAudit(ctx, store.AuditEntry{Actor: "ana@example.com", Action: "seat.kept", Subject: "zendesk:user:1"})
		if err != nil || e.Seq != appended[9].Seq+1 {
			t.Fatalf("append after trimming everything: Seq %d, %v; want %d", e.Seq, err, appended[9].Seq+1)
		}
		if got, err := s.ListAudit(ctx, appended[9].Seq, 10); err != nil || len(got) != 1 || got[0].Seq != e.Seq || got[0].Subject != "zendesk:user:1" {
			t.Errorf("list after the trim: %+v, %v", got, err)
		}
		if _, err := s.TrimAudit(ctx, 1, 0); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("TrimAudit with limit 0: %v, want ErrInvalid", err)
		}
	})

	t.Run("appends racing a trim keep every Seq once and in order", func(t *testing.T) {
		s := h.New(t)
		ctx := t.Context()
		appendEntries(t, s, 50)
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 25 {
					if _, err := s.AppendAudit(ctx, store.AuditEntry{Actor: "ana@example.com", Action: "seat.kept", Subject: "s"}); err != nil {
						t.Error(err)
					}
				}
			})
		}
		var removed int
		wg.Go(func() {
			for range 10 {
				n, err := s.TrimAudit(ctx, math.MaxInt64, 7)
				if err != nil {
					t.Error(err)
				}
				removed += n
			}
		})
		wg.Wait()
		all := listAll(t, s)
		if len(all) != 150-removed || removed == 0 {
			t.Fatalf("%d entries left after %d were removed, want %d", len(all), removed, 150-removed)
		}
		for i := 1; i < len(all); i++ {
			if all[i].Seq != all[i-1].Seq+1 {
				t.Fatalf("Seq %d follows %d", all[i].Seq, all[i-1].Seq)
			}
		}
	})

	t.Run("entries come back in append order with increasing Seq", func(t *testing.T) {
		s := h.New(t)
		appended := appendEntries(t, s, 5)
		for i := 1; i < len(appended); i++ {
			if appended[i].Seq <= appended[i-1].Seq {
				t.Errorf("Seq %d after %d: not strictly increasing", appended[i].Seq, appended[i-1].Seq)
			}
		}
		if appended[0].Seq <= 0 {
			t.Errorf("first Seq = %d, want positive", appended[0].Seq)
		}
		if diff := cmp.Diff(appended, listAll(t, s)); diff != "" {
			t.Errorf("ListAudit (-appended +listed):\n%s", diff)
		}
	})

	t.Run("zero At is stamped", func(t *testing.T) {
		s := h.New(t)
		got, err := s.AppendAudit(t.Context(), store.AuditEntry{Actor: "system", Action: "sync.done", Subject: "zendesk"})
		if err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
		if got.At.IsZero() {
			t.Error("AppendAudit left At zero")
		}
	})

	t.Run("paging", func(t *testing.T) {
		s := h.New(t)
		all := appendEntries(t, s, 5)
		cases := []struct {
			name  string
			after int64
			limit int
			want  []store.AuditEntry
		}{
			{"first page", 0, 2, all[0:2]},
			{"middle page", all[1].Seq, 2, all[2:4]},
			{"last partial page", all[3].Seq, 10, all[4:]},
			{"after the end", all[4].Seq, 10, nil},
			{"negative after is the start", -5, 1, all[0:1]},
			{"huge limit", 0, math.MaxInt, all},
			{"huge after", math.MaxInt64 - 1, 10, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.ListAudit(t.Context(), tc.after, tc.limit)
				if err != nil {
					t.Fatalf("ListAudit(%d, %d): %v", tc.after, tc.limit, err)
				}
				if len(got) == 0 && len(tc.want) == 0 {
					return
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("ListAudit(%d, %d) (-want +got):\n%s", tc.after, tc.limit, diff)
				}
			})
		}

		// Walking page by page with the last Seq seen visits everything once.
		var walked []store.AuditEntry
		var after int64
		for range len(all) + 1 {
			page, err := s.ListAudit(t.Context(), after, 2)
			if err != nil {
				t.Fatalf("ListAudit: %v", err)
			}
			if len(page) == 0 {
				break
			}
			walked = append(walked, page...)
			after = page[len(page)-1].Seq
		}
		if diff := cmp.Diff(all, walked); diff != "" {
			t.Errorf("paged walk (-all +walked):\n%s", diff)
		}

		if _, err := s.ListAudit(t.Context(), 0, 0); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("ListAudit with limit 0: err = %v, want ErrInvalid", err)
		}
	})

	t.Run("concurrent appends lose nothing", func(t *testing.T) {
		s := h.New(t)
		const writers = 50
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				_, err := s.AppendAudit(t.Context(), store.AuditEntry{
					Actor: "job:sync", Action: "seat.checked", Subject: fmt.Sprintf("zendesk:user:%d", i),
				})
				if err != nil {
					t.Errorf("AppendAudit: %v", err)
				}
			})
		}
		wg.Wait()

		all := listAll(t, s)
		if len(all) != writers {
			t.Fatalf("ListAudit returned %d entries, want %d", len(all), writers)
		}
		subjects := make(map[string]bool)
		for i, e := range all {
			if i > 0 && e.Seq <= all[i-1].Seq {
				t.Errorf("Seq %d after %d: not strictly increasing", e.Seq, all[i-1].Seq)
			}
			subjects[e.Subject] = true
		}
		if len(subjects) != writers {
			t.Errorf("%d distinct subjects, want %d", len(subjects), writers)
		}
	})
}

// --------------------------------------------------------------- snapshot

func sampleSnapshot(cursor string, staff int) *store.Snapshot {
	customRole := int64(360001)
	group := int64(77)
	login := time.Date(2026, 2, 1, 8, 30, 0, 0, time.UTC)
	s := &store.Snapshot{
		SyncedAt:  time.Date(2026, 2, 2, 3, 4, 5, 6000, time.UTC),
		Connector: connector.Zendesk,
		Account:   "acme",
		Roster: connector.Roster{
			Cursor: cursor,
			Groups: []connector.Group{{ID: 77, Name: "Support"}, {ID: 78, Name: "Old", Deleted: true}},
			Memberships: []connector.Membership{
				{UserID: 1, GroupID: 77, Default: true},
				{UserID: 2, GroupID: 78},
			},
		},
	}
	for i := range staff {
		u := connector.Staff{
			ID:        int64(i + 1),
			Name:      fmt.Sprintf("Agent %d", i+1),
			Email:     fmt.Sprintf("agent%d@example.com", i+1),
			Role:      "agent",
			RoleName:  "Agent",
			Seat:      "agent",
			CreatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		}
		if i%2 == 0 {
			u.RoleID, u.RoleName, u.Seat, u.Free = &customRole, "Light", "", connector.FreeLightAgent
			u.DefaultGroupID = &group
			u.LastActivity = &login
			u.TwoFactor = true
		} else {
			u.Role, u.RoleName, u.Seat, u.Privileged = "admin", "Admin", "admin", true
			u.Suspended = true
		}
		s.Staff = append(s.Staff, u)
	}
	return s
}

func testSnapshot(t *testing.T, h Harness) {
	t.Run("load before any save is ErrNotFound", func(t *testing.T) {
		s := h.New(t)
		if _, err := s.LoadSnapshot(t.Context(), connector.Zendesk); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("LoadSnapshot: err = %v, want ErrNotFound", err)
		}
		if _, err := s.SnapshotRevision(t.Context(), connector.Zendesk); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("SnapshotRevision: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("revision changes with the content, not with a save", func(t *testing.T) {
		s := h.New(t)
		revision := func() string {
			t.Helper()
			rev, err := s.SnapshotRevision(t.Context(), connector.Zendesk)
			if err != nil {
				t.Fatalf("SnapshotRevision: %v", err)
			}
			return rev
		}
		if err := s.SaveSnapshot(t.Context(), sampleSnapshot("cursor-1", 4)); err != nil {
			t.Fatal(err)
		}
		first := revision()
		if err := s.SaveSnapshot(t.Context(), sampleSnapshot("cursor-1", 4)); err != nil {
			t.Fatal(err)
		}
		if again := revision(); again != first {
			t.Errorf("saving the same snapshot again changed the revision %q → %q", first, again)
		}
		// A later sync that found nothing new: its time and cursor move,
		// the account did not, and nobody judges it again.
		later := sampleSnapshot("cursor-2", 4)
		later.SyncedAt, later.GroupsRead = later.SyncedAt.Add(15*time.Minute), later.SyncedAt
		if err := s.SaveSnapshot(t.Context(), later); err != nil {
			t.Fatal(err)
		}
		if again := revision(); again != first {
			t.Errorf("a sync that changed nothing changed the revision %q → %q", first, again)
		}
		if got, err := s.LoadSnapshot(t.Context(), connector.Zendesk); err != nil || got.Cursor != "cursor-2" || !got.SyncedAt.Equal(later.SyncedAt) {
			t.Errorf("the later sync's progress was not kept: %v, %v", got, err)
		}
		if err := s.SaveSnapshot(t.Context(), sampleSnapshot("cursor-2", 5)); err != nil {
			t.Fatal(err)
		}
		if next := revision(); next == first {
			t.Errorf("a different snapshot kept revision %q", first)
		}
	})

	t.Run("round trip and whole replacement", func(t *testing.T) {
		s := h.New(t)
		first := sampleSnapshot("cursor-1", 4)
		if err := s.SaveSnapshot(t.Context(), first); err != nil {
			t.Fatalf("SaveSnapshot: %v", err)
		}
		got, err := s.LoadSnapshot(t.Context(), connector.Zendesk)
		if err != nil {
			t.Fatalf("LoadSnapshot: %v", err)
		}
		want := *first
		want.V = store.SnapshotVersion
		if diff := cmp.Diff(&want, got); diff != "" {
			t.Errorf("LoadSnapshot after first save (-want +got):\n%s", diff)
		}

		// Fewer staff, no groups: nothing of the first may survive.
		second := sampleSnapshot("cursor-2", 1)
		second.Account = "acme-eu"
		second.Groups = nil
		if err := s.SaveSnapshot(t.Context(), second); err != nil {
			t.Fatalf("second SaveSnapshot: %v", err)
		}
		got, err = s.LoadSnapshot(t.Context(), connector.Zendesk)
		if err != nil {
			t.Fatalf("LoadSnapshot: %v", err)
		}
		want = *second
		want.V = store.SnapshotVersion
		if diff := cmp.Diff(&want, got); diff != "" {
			t.Errorf("LoadSnapshot after second save (-want +got):\n%s", diff)
		}
	})

	t.Run("each connector has its own snapshot", func(t *testing.T) {
		s := h.New(t)
		zd := sampleSnapshot("cursor-zd", 3)
		gh := sampleSnapshot("", 2)
		gh.Connector, gh.Account = connector.GitHub, "acme"
		for _, snap := range []*store.Snapshot{zd, gh} {
			if err := s.SaveSnapshot(t.Context(), snap); err != nil {
				t.Fatal(err)
			}
		}
		for _, want := range []*store.Snapshot{zd, gh} {
			got, err := s.LoadSnapshot(t.Context(), want.Connector)
			if err != nil {
				t.Fatalf("LoadSnapshot(%s): %v", want.Connector, err)
			}
			w := *want
			w.V = store.SnapshotVersion
			if diff := cmp.Diff(&w, got); diff != "" {
				t.Errorf("%s snapshot (-want +got):\n%s", want.Connector, diff)
			}
		}
		zdRev, _ := s.SnapshotRevision(t.Context(), connector.Zendesk)
		ghRev, _ := s.SnapshotRevision(t.Context(), connector.GitHub)
		if zdRev == ghRev || zdRev == "" {
			t.Errorf("revisions %q and %q: each snapshot has its own", zdRev, ghRev)
		}
		if _, err := s.LoadSnapshot(t.Context(), "okta"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a connector never saved: err = %v, want ErrNotFound", err)
		}
		// "" is Zendesk, the only connector before they were named.
		if got, err := s.LoadSnapshot(t.Context(), ""); err != nil || got.Cursor != "cursor-zd" {
			t.Errorf(`LoadSnapshot("") = %v, %v; want Zendesk's`, got, err)
		}
	})

	t.Run("snapshots stream in chunks", func(t *testing.T) { testSnapshotChunks(t, h) })
	t.Run("patches", func(t *testing.T) { testSnapshotPatches(t, h) })

	t.Run("nil snapshot is refused", func(t *testing.T) {
		s := h.New(t)
		if err := s.SaveSnapshot(t.Context(), nil); err == nil {
			t.Fatal("SaveSnapshot(nil) succeeded")
		}
		if _, err := s.LoadSnapshot(t.Context(), connector.Zendesk); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("LoadSnapshot after a refused save: err = %v, want ErrNotFound", err)
		}
	})
}

// largeSnapshot has enough members to fill several chunks.
// testSnapshotPatches: a patch changes what every reader reads, and the
// revision, without a save; a save replaces the patches.
func testSnapshotPatches(t *testing.T, h Harness) {
	ctx := t.Context()
	patched := func(base *store.Snapshot, patches ...store.MemberPatch) *store.Snapshot {
		want := *base
		want.V = store.SnapshotVersion
		want.Staff = nil
		for _, u := range base.Staff {
			i := slices.IndexFunc(patches, func(p store.MemberPatch) bool { return p.ID == u.ID })
			switch {
			case i < 0:
				want.Staff = append(want.Staff, u)
			case patches[i].Member != nil:
				want.Staff = append(want.Staff, *patches[i].Member)
			}
		}
		return &want
	}
	renamed := func(base *store.Snapshot, id int64, name string) *connector.Staff {
		u := base.Staff[id-1]
		u.Name = name
		return &u
	}
	revision := func(s store.Store) string {
		t.Helper()
		rev, err := s.SnapshotRevision(ctx, connector.Zendesk)
		if err != nil {
			t.Fatalf("SnapshotRevision: %v", err)
		}
		return rev
	}
	check := func(s store.Store, want *store.Snapshot) {
		t.Helper()
		got, err := s.LoadSnapshot(ctx, connector.Zendesk)
		if err != nil {
			t.Fatalf("LoadSnapshot: %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("LoadSnapshot (-want +got):\n%s", diff)
		}
		var streamed []connector.Staff
		if _, err := s.ReadSnapshot(ctx, connector.Zendesk, func(u connector.Staff) error {
			streamed = append(streamed, u)
			return nil
		}); err != nil {
			t.Fatalf("ReadSnapshot: %v", err)
		}
		if diff := cmp.Diff(want.Staff, streamed); diff != "" {
			t.Errorf("ReadSnapshot's members (-want +got):\n%s", diff)
		}
	}

	t.Run("a patch is read by every reader and names a new revision", func(t *testing.T) {
		s := h.New(t)
		base := sampleSnapshot("cursor-1", 5)
		if err := s.SaveSnapshot(ctx, base); err != nil {
			t.Fatal(err)
		}
		first := revision(s)
		one := []store.MemberPatch{{ID: 2, Member: renamed(base, 2, "Renamed")}, {ID: 4}, {ID: 99, Member: &connector.Staff{ID: 99, Name: "Newcomer"}}}
		before, after, err := s.PatchSnapshot(ctx, connector.Zendesk, one)
		if err != nil {
			t.Fatalf("PatchSnapshot: %v", err)
		}
		if before != first || after == first || revision(s) != after {
			t.Errorf("revisions: before %q after %q stored %q; want before %q and a new one stored", before, after, revision(s), first)
		}
		// 99 is not a member: a patch never adds one.
		check(s, patched(base, one...))
		// The head alone says what the members were saved as, and the patches.
		head, err := s.ReadSnapshot(ctx, connector.Zendesk, nil)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, p := range head.Patched {
			ids = append(ids, p.ID)
		}
		if head.Base != first || !slices.Equal(ids, []int64{2, 4, 99}) || head.Patched[0].Member.Name != "Renamed" {
			t.Errorf("the head alone: base %q, patches of %v; want base %q and patches of 2, 4 and 99", head.Base, ids, first)
		}

		// A second patch builds on the first; the same patch again changes nothing.
		two := []store.MemberPatch{{ID: 2, Member: renamed(base, 2, "Renamed again")}, {ID: 1}}
		b2, a2, err := s.PatchSnapshot(ctx, connector.Zendesk, two)
		if err != nil || b2 != after || a2 == after {
			t.Fatalf("second PatchSnapshot = %q, %q, %v; want %q and a new revision", b2, a2, err, after)
		}
		check(s, patched(base, append(slices.Clone(two), one[1:]...)...))
		if b3, a3, err := s.PatchSnapshot(ctx, connector.Zendesk, two); err != nil || b3 != a2 || a3 != a2 {
			t.Errorf("the same patch again = %q, %q, %v; want the revision kept (%q)", b3, a3, err, a2)
		}

		// A save replaces the patches.
		if err := s.SaveSnapshot(ctx, base); err != nil {
			t.Fatal(err)
		}
		if revision(s) != first {
			t.Errorf("saving the first snapshot again: revision %q, want %q", revision(s), first)
		}
		want := *base
		want.V = store.SnapshotVersion
		check(s, &want)
	})

	t.Run("a patch of a member not its own is refused", func(t *testing.T) {
		s := h.New(t)
		base := sampleSnapshot("cursor-1", 2)
		if err := s.SaveSnapshot(ctx, base); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.PatchSnapshot(ctx, connector.Zendesk, []store.MemberPatch{{ID: 1, Member: &base.Staff[1]}}); err == nil {
			t.Error("a patch of member 1 holding member 2 was taken")
		}
		want := *base
		want.V = store.SnapshotVersion
		check(s, &want)
	})

	t.Run("nothing to patch before the first save", func(t *testing.T) {
		s := h.New(t)
		if _, _, err := s.PatchSnapshot(ctx, connector.Zendesk, []store.MemberPatch{{ID: 1}}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("PatchSnapshot before a save: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("a full snapshot is written again with its patches in it", func(t *testing.T) {
		s := h.New(t)
		base := sampleSnapshot("cursor-1", store.MaxPatched+3)
		if err := s.SaveSnapshot(ctx, base); err != nil {
			t.Fatal(err)
		}
		var all []store.MemberPatch
		for id := int64(1); id <= store.MaxPatched; id++ {
			all = append(all, store.MemberPatch{ID: id, Member: renamed(base, id, "Patched")})
		}
		if _, _, err := s.PatchSnapshot(ctx, connector.Zendesk, all); err != nil {
			t.Fatalf("PatchSnapshot of %d members: %v", len(all), err)
		}
		for _, more := range []store.MemberPatch{{ID: store.MaxPatched + 1}, {ID: store.MaxPatched + 2, Member: renamed(base, store.MaxPatched+2, "Patched")}} {
			before, after, err := s.PatchSnapshot(ctx, connector.Zendesk, []store.MemberPatch{more})
			if err != nil || after == before || revision(s) != after {
				t.Fatalf("patching member %d beyond the limit = %q, %q, %v; stored %q", more.ID, before, after, err, revision(s))
			}
			all = append(all, more)
		}
		check(s, patched(base, all...))
	})

	t.Run("a patch made while a save writes is carried onto it", func(t *testing.T) {
		s := h.New(t)
		base := sampleSnapshot("cursor-1", 4)
		if err := s.SaveSnapshot(ctx, base); err != nil {
			t.Fatal(err)
		}
		early := []store.MemberPatch{{ID: 1, Member: renamed(base, 1, "Before the sync")}}
		if _, _, err := s.PatchSnapshot(ctx, connector.Zendesk, early); err != nil {
			t.Fatal(err)
		}
		// The sync reads the SaaS (member 1 as the SaaS has it) and,
		// while it writes, a decision patches member 3.
		late := []store.MemberPatch{{ID: 3}}
		next := sampleSnapshot("cursor-2", 4)
		writeWhilePatching(t, s, next, late, false)
		check(s, patched(next, late...))
	})

	t.Run("patches folded in while a save writes are carried onto it", func(t *testing.T) {
		s := h.New(t)
		n := store.MaxPatched + 5
		base := sampleSnapshot("cursor-1", n)
		if err := s.SaveSnapshot(ctx, base); err != nil {
			t.Fatal(err)
		}
		next := sampleSnapshot("cursor-2", n)
		var late []store.MemberPatch
		for id := int64(1); id <= store.MaxPatched+2; id++ {
			late = append(late, store.MemberPatch{ID: id, Member: renamed(next, id, "Patched while the sync wrote")})
		}
		// One at a time, so the head fills and is written again with
		// them in it, before the sync switches.
		writeWhilePatching(t, s, next, late, true)
		check(s, patched(next, late...))
	})

	t.Run("patches at once each land", func(t *testing.T) {
		s := h.New(t)
		base := sampleSnapshot("cursor-1", 8)
		if err := s.SaveSnapshot(ctx, base); err != nil {
			t.Fatal(err)
		}
		// Each patch is retried on a conflict, as a caller would.
		var wg sync.WaitGroup
		for id := int64(1); id <= 8; id++ {
			wg.Go(func() {
				for {
					_, _, err := s.PatchSnapshot(ctx, connector.Zendesk, []store.MemberPatch{{ID: id, Member: renamed(base, id, "Patched")}})
					if !errors.Is(err, store.ErrConflict) {
						if err != nil {
							t.Errorf("PatchSnapshot(%d): %v", id, err)
						}
						return
					}
				}
			})
		}
		wg.Wait()
		got, err := s.LoadSnapshot(ctx, connector.Zendesk)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range got.Staff {
			if u.Name != "Patched" {
				t.Errorf("member %d reads %q: a patch was lost", u.ID, u.Name)
			}
		}
	})
}

// writeWhilePatching writes next as a sync does and, after its first
// member, patches late (one patch each when oneByOne), as decisions made
// while a sync writes do.
func writeWhilePatching(t *testing.T, s store.Store, next *store.Snapshot, late []store.MemberPatch, oneByOne bool) {
	t.Helper()
	ctx := t.Context()
	head := *next
	head.Staff = nil
	patch := func() error {
		if !oneByOne {
			_, _, err := s.PatchSnapshot(ctx, connector.Zendesk, late)
			return err
		}
		for _, p := range late {
			if _, _, err := s.PatchSnapshot(ctx, connector.Zendesk, []store.MemberPatch{p}); err != nil {
				return err
			}
		}
		return nil
	}
	err := s.WriteSnapshot(ctx, &head, func(put func(connector.Staff) error) error {
		for i, u := range next.Staff {
			if i == 1 {
				if err := patch(); err != nil {
					return err
				}
			}
			if err := put(u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("WriteSnapshot: %v", err)
	}
}

func largeSnapshot(cursor string, staff int) *store.Snapshot {
	s := sampleSnapshot(cursor, staff)
	for i := range s.Staff {
		s.Staff[i].Name = fmt.Sprintf("Agent %d with a name long enough to fill chunks sooner", i+1)
	}
	return s
}

// writeUntil writes snap's members through WriteSnapshot and fails with
// errCutOff after n of them.
func writeUntil(ctx context.Context, s store.Store, snap *store.Snapshot, n int) error {
	return s.WriteSnapshot(ctx, snap, func(put func(connector.Staff) error) error {
		for i, u := range snap.Staff {
			if i == n {
				return errCutOff
			}
			if err := put(u); err != nil {
				return err
			}
		}
		return nil
	})
}

var errCutOff = errors.New("cut off")

func testSnapshotChunks(t *testing.T, h Harness) {
	const members = 6000 // about three chunks
	mustLoad := func(t *testing.T, s store.Store) *store.Snapshot {
		t.Helper()
		got, err := s.LoadSnapshot(t.Context(), connector.Zendesk)
		if err != nil {
			t.Fatalf("LoadSnapshot: %v", err)
		}
		return got
	}
	revision := func(t *testing.T, s store.Store) string {
		t.Helper()
		rev, err := s.SnapshotRevision(t.Context(), connector.Zendesk)
		if err != nil {
			t.Fatalf("SnapshotRevision: %v", err)
		}
		return rev
	}

	t.Run("streamed in and out, member by member", func(t *testing.T) {
		s := h.New(t)
		want := largeSnapshot("cursor-1", members)
		if err := writeUntil(t.Context(), s, want, -1); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		got, err := s.ReadSnapshot(t.Context(), connector.Zendesk, func(u connector.Staff) error {
			ids = append(ids, u.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != members || ids[0] != 1 || ids[members-1] != members || got.Cursor != "cursor-1" || len(got.Memberships) != 2 || got.Staff != nil {
			t.Errorf("read %d members (%v...), cursor %q, %d memberships, %d held", len(ids), ids[:min(3, len(ids))], got.Cursor, len(got.Memberships), len(got.Staff))
		}
		w := *want
		w.V = store.SnapshotVersion
		if diff := cmp.Diff(&w, mustLoad(t, s)); diff != "" {
			t.Errorf("LoadSnapshot (-want +got):\n%s", diff)
		}
		head, err := s.ReadSnapshot(t.Context(), connector.Zendesk, nil)
		if err != nil || head.Cursor != "cursor-1" || head.Account != "acme" || head.Staff != nil || head.Memberships != nil {
			t.Errorf("the head alone: %+v, %v", head, err)
		}
	})

	t.Run("members out of order are refused", func(t *testing.T) {
		s := h.New(t)
		snap := sampleSnapshot("cursor-1", 3)
		snap.Staff[0], snap.Staff[2] = snap.Staff[2], snap.Staff[0]
		if err := s.SaveSnapshot(t.Context(), snap); err == nil {
			t.Error("a snapshot with members out of id order was saved")
		}
	})

	cutOffs := []struct {
		name string
		save func(ctx context.Context, s store.Store, snap *store.Snapshot) error
	}{
		{"the members fail half-way", func(ctx context.Context, s store.Store, snap *store.Snapshot) error {
			return writeUntil(ctx, s, snap, members/2)
		}},
		{"the context ends half-way", func(ctx context.Context, s store.Store, snap *store.Snapshot) error {
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			return s.WriteSnapshot(ctx, snap, func(put func(connector.Staff) error) error {
				for i, u := range snap.Staff {
					if i == members/2 {
						cancel()
					}
					if err := put(u); err != nil {
						return err
					}
				}
				return nil
			})
		}},
	}
	for _, c := range cutOffs {
		t.Run("a save cut off leaves the previous snapshot: "+c.name, func(t *testing.T) {
			s := h.New(t)
			before := largeSnapshot("cursor-1", members)
			if err := s.SaveSnapshot(t.Context(), before); err != nil {
				t.Fatal(err)
			}
			rev := revision(t, s)
			next := largeSnapshot("cursor-2", members+10)
			if err := c.save(t.Context(), s, next); err == nil {
				t.Fatal("the cut-off save reported success")
			}
			if got := revision(t, s); got != rev {
				t.Errorf("revision %q → %q after a save that failed", rev, got)
			}
			w := *before
			w.V = store.SnapshotVersion
			if diff := cmp.Diff(&w, mustLoad(t, s)); diff != "" {
				t.Errorf("after the cut-off save (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("a save while a reader is half-way never mixes the two", func(t *testing.T) {
		s := h.New(t)
		if err := s.SaveSnapshot(t.Context(), largeSnapshot("cursor-1", members)); err != nil {
			t.Fatal(err)
		}
		read, saved := 0, false
		got, err := s.ReadSnapshot(t.Context(), connector.Zendesk, func(u connector.Staff) error {
			read++
			if !saved {
				saved = true
				if err := s.SaveSnapshot(t.Context(), largeSnapshot("cursor-2", 7)); err != nil {
					return err
				}
			}
			return nil
		})
		switch {
		case errors.Is(err, store.ErrSnapshotReplaced):
		case err != nil:
			t.Fatalf("ReadSnapshot: %v", err)
		case read != members || got.Cursor != "cursor-1":
			t.Errorf("read %d members with cursor %q; want all %d of the snapshot the read began on", read, got.Cursor, members)
		}
		if got := mustLoad(t, s); len(got.Staff) != 7 || got.Cursor != "cursor-2" {
			t.Errorf("after the save: %d members, cursor %q; want the new snapshot", len(got.Staff), got.Cursor)
		}
	})

	t.Run("the layout before chunks reads, keeps its revision and is replaced by chunks", func(t *testing.T) {
		s := h.New(t)
		chunks, ok := s.(store.SnapshotChunks)
		if !ok {
			t.Skip("the backend does not store snapshots in chunks")
		}
		if sealing, ok := s.(store.Sealing); ok {
			if sealed, _ := sealing.Sealed(); sealed {
				t.Skip("the single-value layout is written here in the clear")
			}
		}
		old := largeSnapshot("cursor-1", members)
		raw, err := store.EncodeSnapshot(old)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := chunks.SwapSnapshotHead(t.Context(), connector.Zendesk, raw, nil); err != nil {
			t.Fatal(err)
		}
		oldRev := revision(t, s)
		w := *old
		w.V = store.SnapshotVersion
		if diff := cmp.Diff(&w, mustLoad(t, s)); diff != "" {
			t.Errorf("the single-value snapshot (-want +got):\n%s", diff)
		}
		n := 0
		if _, err := s.ReadSnapshot(t.Context(), connector.Zendesk, func(connector.Staff) error { n++; return nil }); err != nil || n != members {
			t.Errorf("streaming the single-value snapshot: %d members, %v", n, err)
		}
		// The same account synced again: chunks now, the same revision,
		// so nobody judges it again.
		again := largeSnapshot("cursor-2", members)
		if err := s.SaveSnapshot(t.Context(), again); err != nil {
			t.Fatal(err)
		}
		if rev := revision(t, s); rev != oldRev {
			t.Errorf("revision %q → %q when the layout changed and the content did not", oldRev, rev)
		}
		if got := mustLoad(t, s); got.Cursor != "cursor-2" || len(got.Staff) != members {
			t.Errorf("after the save: cursor %q, %d members", got.Cursor, len(got.Staff))
		}
	})
}
