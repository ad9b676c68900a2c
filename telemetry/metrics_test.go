package telemetry

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/store"
)

// exposition scrapes m the way Prometheus does.
func exposition(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Result().Body)
	return string(b)
}

func TestMetricsExposition(t *testing.T) {
	m := New()
	for _, err := range []error{nil, store.ErrNotFound, fmt.Errorf("wrapped: %w", store.ErrLockHeld), errors.New("redis: i/o timeout")} {
		m.ObserveStore("get_record", time.Millisecond, err)
	}
	m.ObserveJob("sync", "ok", 2*time.Second)
	m.ObserveJob("sync", "skipped", 0)
	m.ObserveZendesk("incremental_users", 200, 50*time.Millisecond)
	m.ObserveZendesk("incremental_users", 429, 10*time.Millisecond)
	m.ObserveZendesk("groups", 0, time.Second)
	m.SetSnapshot(time.Unix(1_790_000_000, 0), 40, 7)
	m.ObserveAccess("granted", -1)
	m.ObserveAccess("ended", 1500*time.Millisecond)
	m.ObserveAccess("ended", -1) // revoked early: no lag

	out := exposition(t, m)
	for _, want := range []string{
		`seatwarden_store_operation_duration_seconds_count{op="get_record",result="ok"} 1`,
		`seatwarden_store_operation_duration_seconds_count{op="get_record",result="refused"} 2`,
		`seatwarden_store_operation_duration_seconds_count{op="get_record",result="error"} 1`,
		`seatwarden_job_runs_total{job="sync",result="ok"} 1`,
		`seatwarden_job_runs_total{job="sync",result="skipped"} 1`,
		// A skipped run has no duration worth recording.
		`seatwarden_job_duration_seconds_count{job="sync"} 1`,
		`seatwarden_zendesk_requests_total{endpoint="incremental_users",status="429"} 1`,
		`seatwarden_zendesk_requests_total{endpoint="groups",status="0"} 1`,
		`seatwarden_paid_seats{activity="inactive"} 7`,
		`seatwarden_snapshot_synced_timestamp_seconds 1.79e+09`,
		`seatwarden_access_grants_total{outcome="ended"} 2`,
		`seatwarden_access_grants_total{outcome="granted"} 1`,
		`seatwarden_access_end_lag_seconds_count 1`,
		`seatwarden_access_end_lag_seconds_bucket{le="2"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
	if diff := cmp.Diff(map[string]int{"incremental_users": 2, "groups": 1}, m.ZendeskRequests()); diff != "" {
		t.Errorf("ZendeskRequests (-want +got):\n%s", diff)
	}
}

func TestNewLogger(t *testing.T) {
	var b strings.Builder
	log, err := NewLogger(&b, "warn", "json")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hidden")
	log.Warn("shown", slog.Int("n", 1))
	if strings.Contains(b.String(), "hidden") || !strings.Contains(b.String(), `"msg":"shown","n":1`) {
		t.Errorf("log output %q", b.String())
	}
	for _, bad := range [][2]string{{"loud", "json"}, {"info", "xml"}} {
		if _, err := NewLogger(&b, bad[0], bad[1]); err == nil {
			t.Errorf("NewLogger(%q, %q) accepted", bad[0], bad[1])
		}
	}
}
