package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

// Bench runs the store benchmarks against a fresh store from newStore, so
// both backends are measured by the same code: a compare-and-set update of
// one record, a lock acquire and release, an audit append, creating
// 10,000 records in one CreateRecords call, and writing and reading the
// snapshot of a 50,000-seat account. Backends run it on a clear and on a
// sealed store, so the cost of sealing is one benchstat away.
//
//	func BenchmarkStore(b *testing.B) { storetest.Bench(b, func(b *testing.B) store.Store { ... }) }
func Bench(b *testing.B, newStore func(b *testing.B) store.Store) {
	b.Run("CASUpdate", func(b *testing.B) {
		s := newStore(b)
		ctx := b.Context()
		if _, err := s.CreateRecord(ctx, "bench", "counter", []byte(`{"n":0}`)); err != nil {
			b.Fatal(err)
		}
		increment := func(cur store.Record) ([]byte, error) {
			var c struct{ N int }
			if err := json.Unmarshal(cur.Data, &c); err != nil {
				return nil, err
			}
			c.N++
			return json.Marshal(c)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := store.UpdateRecord(ctx, s, "bench", "counter", increment); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("LockAcquireRelease", func(b *testing.B) {
		s := newStore(b)
		ctx := b.Context()
		b.ReportAllocs()
		for b.Loop() {
			l, err := s.AcquireLock(ctx, "job:bench", "replica-a", time.Minute)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.ReleaseLock(ctx, l); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CreateRecords10k", func(b *testing.B) {
		const n = 10_000
		s := newStore(b)
		ctx := b.Context()
		data := []byte(`{"user":"zendesk:user:123","decision":""}`)
		b.ReportAllocs()
		for round := 0; b.Loop(); round++ {
			// Fresh ids each round, built off the clock, so every round
			// creates n records and allocs counts only the store's work.
			b.StopTimer()
			recs := make([]store.NewRecord, n)
			for i := range recs {
				recs[i] = store.NewRecord{ID: fmt.Sprintf("r%d-%05d", round, i), Data: data}
			}
			b.StartTimer()
			created, err := s.CreateRecords(ctx, "bench", recs)
			if err != nil {
				b.Fatal(err)
			}
			if created != n {
				b.Fatalf("created %d, want %d", created, n)
			}
		}
	})
	b.Run("AuditAppend", func(b *testing.B) {
		s := newStore(b)
		ctx := b.Context()
		e := store.AuditEntry{Actor: "job:sync", Action: "seat.removed", Subject: "zendesk:user:123",
			Detail: map[string]string{"reason": "inactive"}}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.AppendAudit(ctx, e); err != nil {
				b.Fatal(err)
			}
		}
	})
	const seats = 50_000
	b.Run("SnapshotSave50k", func(b *testing.B) {
		s := newStore(b)
		ctx := b.Context()
		snap := sampleSnapshot("cursor-bench", seats)
		b.ReportAllocs()
		for b.Loop() {
			if err := s.SaveSnapshot(ctx, snap); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A decision's change: one member patched, the patches folded into a
	// save every MaxPatched of them, as a busy review's changes do.
	b.Run("SnapshotPatch50k", func(b *testing.B) {
		s := newStore(b)
		ctx := b.Context()
		snap := sampleSnapshot("cursor-bench", seats)
		if err := s.SaveSnapshot(ctx, snap); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			u := snap.Staff[i%seats]
			u.Suspended = !u.Suspended
			if _, _, err := s.PatchSnapshot(ctx, connector.Zendesk, []store.MemberPatch{{ID: u.ID, Member: &u}}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("SnapshotLoad50k", func(b *testing.B) {
		s := newStore(b)
		ctx := b.Context()
		if err := s.SaveSnapshot(ctx, sampleSnapshot("cursor-bench", seats)); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.LoadSnapshot(ctx, connector.Zendesk); err != nil {
				b.Fatal(err)
			}
		}
	})
}
