package credentials

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/seatwarden/seatwarden/connector"
)

// BenchmarkRoster200k builds the register's roster of 200,000 members,
// as a replica does once per save, and reports what it keeps
// (retained-MB: the heap it holds once built).
func BenchmarkRoster200k(b *testing.B) {
	const n = 200_000
	staff := make([]connector.Staff, n)
	for i := range staff {
		staff[i] = connector.Staff{ID: int64(900_000_000_000 + i), Email: fmt.Sprintf("agent%06d@acme.example", i), Suspended: i%50 == 0}
	}
	var kept *roster
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept = newRoster(staff)
	runtime.GC()
	runtime.ReadMemStats(&after)
	retained := float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
	runtime.KeepAlive(kept)
	b.ReportAllocs()
	for b.Loop() {
		kept = newRoster(staff)
	}
	runtime.KeepAlive(kept)
	b.ReportMetric(retained, "retained-MB")
}
