package seats_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

// BenchmarkFullSync10k syncs a 10,000-user account over real HTTP into the
// embedded store. bench/sync.sh measures 100,000 users with the emulator in
// a process of its own, so its peak RSS is the bot's alone.
func BenchmarkFullSync10k(b *testing.B) {
	ctx := context.Background()
	f := newFixture(b, zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: 10_000, Seed: 1, Now: now.Add(-time.Hour)}))
	i := 0
	for b.Loop() {
		s := f.syncer()
		// Another account name on every run forces a full sync.
		s.Account = f.emu.URL + "#" + strconv.Itoa(i)
		i++
		if res, err := s.Sync(ctx); err != nil || !res.Full {
			b.Fatalf("full=%v err=%v", res.Full, err)
		}
	}
	b.ReportMetric(float64(f.emu.TotalRequests())/float64(i), "requests/op")
}

// BenchmarkResyncNoChanges is the every-15-minutes case: nothing changed.
func BenchmarkResyncNoChanges(b *testing.B) {
	ctx := context.Background()
	f := newFixture(b, zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: 10_000, Seed: 1, Now: now.Add(-time.Hour)}))
	if _, err := f.syncer().Sync(ctx); err != nil {
		b.Fatal(err)
	}
	f.emu.ResetCounters()
	n := 0
	for b.Loop() {
		if res, err := f.syncer().Sync(ctx); err != nil || res.Full || res.Requests != 1 {
			b.Fatalf("%+v %v", res, err)
		}
		n++
	}
	b.ReportMetric(float64(f.emu.Requests(zendesktest.EndpointIncrementalUsers))/float64(n), "users-requests/op")
}
