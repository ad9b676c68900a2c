package zendesk_test

import (
	"context"

	"net/http"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

// BenchmarkFirstSync reads a first seat snapshot of the two account
// shapes that matter, both ways, under Zendesk's real limits on a
// simulated clock (waiting them out for real would take hours): the
// account-wide 400 requests a minute of a Professional plan, and the
// export's own 10 a minute. It reports requests, the simulated wall time
// and the real one.
//
//	go test -run '^$' -bench FirstSync -benchtime 1x ./integrations/zendesk/
func BenchmarkFirstSync(b *testing.B) {
	shapes := []struct {
		name         string
		stored       int     // users stored (staff and some end users)
		staffShare   float64 // of stored
		generatedEnd int     // end users generated on demand
	}{
		{"30k_users_1.1k_staff", 30_000, 0.0375, 0},
		{"2M_users_2k_staff", 2_000, 1, 1_998_000},
	}
	for _, sh := range shapes {
		for _, path := range []string{"staff-list", "whole-export"} {
			b.Run(sh.name+"/"+path, func(b *testing.B) {
				for b.Loop() {
					firstSync(b, sh.stored, sh.staffShare, sh.generatedEnd, path == "whole-export")
				}
			})
		}
	}
}

func firstSync(b *testing.B, stored int, staffShare float64, generated int, wholeExport bool) {
	b.Helper()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := &fakeClock{now: start}
	org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: stored, StaffShare: staffShare, Seed: 11, Now: start.Add(-time.Hour)})
	srv := zendesktest.NewServer(org, zendesktest.WithClock(clock.Now), zendesktest.WithOAuthClient(clientID, clientSecret, true),
		zendesktest.WithEndUsers(generated), zendesktest.WithLimits(zendesktest.Limits{AccountPerMinute: 400, ExportPerMinute: 10, UserUpdatePerMinute: 5}))
	defer srv.Close()
	if wholeExport {
		srv.InjectFault(zendesktest.EndpointUsersList, zendesktest.Fault{Status: 400, Times: 1})
	}
	c, err := zendesk.New(zendesk.Config{BaseURL: srv.URL, Auth: zendesk.OAuthClientCredentials(clientID, clientSecret),
		HTTPClient: &http.Client{Timeout: 30 * time.Second}, RequestsPerMinute: 400, Now: clock.Now, Sleep: clock.Sleep})
	if err != nil {
		b.Fatal(err)
	}
	began := time.Now()
	roster, stats, err := zendesk.Connector{Client: c}.SyncStaff(context.Background(), connector.StaffSync{})
	if err != nil {
		b.Fatal(err)
	}
	if (stats.Fallback != "") != wholeExport {
		b.Fatalf("fallback %q", stats.Fallback)
	}
	b.ReportMetric(float64(len(roster.Staff)), "seats")
	b.ReportMetric(float64(stats.Requests), "sync-requests")
	b.ReportMetric(clock.Now().Sub(start).Seconds(), "simulated-s")
	b.ReportMetric(time.Since(began).Seconds(), "real-s")
	b.Logf("%d seats: %d requests (%d list, %d export), %s simulated, %s real", len(roster.Staff), stats.Requests,
		srv.Requests(zendesktest.EndpointUsersList), srv.Requests(zendesktest.EndpointIncrementalUsers),
		clock.Now().Sub(start).Round(time.Second), time.Since(began).Round(time.Millisecond))
}
