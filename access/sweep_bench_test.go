package access_test

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/store"
)

// BenchmarkSweep: 100,000 stored grants, of which 10 fall due. A sweep
// must read the 10, not the 100,000: records-read/op counts the store
// reads one sweep makes, and each sweep really ends its 10 grants in the
// emulated Zendesk (4 API calls each).
func BenchmarkSweep(b *testing.B) {
	for name, open := range map[string]func(testing.TB) store.Store{
		"bolt":  bolt,
		"redis": func(tb testing.TB) store.Store { return teststores.Redis(tb, "access-bench") },
	} {
		b.Run(name+"/grants=100000/due=10", func(b *testing.B) {
			var reads atomic.Int64
			f := newFixture(b, func(tb testing.TB) store.Store {
				return store.Instrument(open(tb), func(op string, _ time.Duration, _ error) {
					switch op {
					case "get_record", "list_records", "due_by":
						reads.Add(1)
					}
				})
			})
			svc := f.replica("a", nil)
			seedBackground(b, f.store, 100_000, start.Add(30*24*time.Hour))
			agents := []string{priya, "lucas@acme.example", "mei@acme.example", "jonas@acme.example", "aisha@acme.example",
				"tom@acme.example", "sofia@acme.example", "ken@acme.example", "ravi@acme.example", "elena@acme.example"}
			round := 0
			var read int64
			for b.Loop() {
				b.StopTimer()
				round++
				for _, email := range agents {
					if _, err := svc.Grant(b.Context(), f.request(b, fmt.Sprintf("bench-%d-%s", round, email), email, 15*time.Minute)); err != nil {
						b.Fatal(err)
					}
				}
				f.advance(15 * time.Minute)
				reads.Store(0)
				b.StartTimer()
				res, err := svc.Sweep(b.Context())
				if err != nil || len(res.Ended) != len(agents) {
					b.Fatalf("sweep ended %d of %d: %v", len(res.Ended), len(agents), err)
				}
				read += reads.Load()
			}
			b.ReportMetric(float64(read)/float64(round), "records-read/op")
		})
	}
}

// seedBackground stores n active grants of made-up people, due at end.
func seedBackground(b *testing.B, st store.Store, n int, end time.Time) {
	b.Helper()
	recs := make([]store.NewRecord, n)
	for i := range recs {
		g := access.Grant{ID: fmt.Sprintf("g-seed-%06d", i), SaaS: connector.Zendesk, UserID: int64(1_000_000 + i),
			Email: fmt.Sprintf("seed%06d@example.com", i), RoleName: "admin", Role: connector.Role{Base: "admin"},
			Earlier: &connector.Role{Base: "agent"}, Duration: time.Hour, State: access.Active, Start: start, End: end}
		data, _ := json.Marshal(g)
		recs[i] = store.NewRecord{ID: g.ID, Data: data}
	}
	if _, err := st.CreateRecords(b.Context(), "access-grant", recs); err != nil {
		b.Fatal(err)
	}
	for _, r := range recs {
		if err := st.Schedule(b.Context(), "access-expiry", r.ID, end); err != nil {
			b.Fatal(err)
		}
	}
}
