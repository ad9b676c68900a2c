package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/audit"
	"github.com/seatwarden/seatwarden/integrations/siem/siemtest"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

// audit export writes the trail in the window asked for, in either
// format; bad input gets one line with an example and exit 2.
func TestAuditExport(t *testing.T) {
	envs, _ := zendeskEnv(t)
	ctx := context.Background()
	st, err := boltstore.Open(filepath.Join(envs["SEATWARDEN_DATA_DIR"], "seatwarden.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for i := range 30 {
		if _, err := st.AppendAudit(ctx, store.AuditEntry{At: day.AddDate(0, 0, i), Actor: "dana@acme.example", Action: "seat.kept",
			Subject: fmt.Sprintf("zendesk:user:%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	inv := &invocation{env: envs}
	if code := inv.run(ctx, "audit", "export", "--since", "2026-11-10", "--until", "2026-11-20T00:00:00Z"); code != 0 {
		t.Fatalf("exit %d: %s", code, inv.stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(inv.stdout.String()), "\n")
	var first struct {
		ID string    `json:"id"`
		At time.Time `json:"at"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || len(lines) != 10 || !first.At.Equal(day.AddDate(0, 0, 9)) || first.ID != "sw-10" {
		t.Errorf("%d lines, the first %s: %v", len(lines), lines[0], err)
	}
	if !strings.Contains(inv.stderr.String(), "audit export: 10 entries written in") {
		t.Errorf("stderr: %s", inv.stderr.String())
	}
	csv := &invocation{env: envs}
	if code := csv.run(ctx, "audit", "export", "--format", "csv"); code != 0 || strings.Count(csv.stdout.String(), "\n") != 31 ||
		!strings.HasPrefix(csv.stdout.String(), "id,seq,at,actor,action,subject,detail\n") {
		t.Errorf("csv: exit %d:\n%.200s", code, csv.stdout.String())
	}

	tests := []struct {
		name string
		args []string
		says string
	}{
		{"a time that is not one", []string{"export", "--since", "last tuesday"}, `--since "last tuesday" is not a time: use a date (2026-12-01), a time (2026-12-01T09:00:00Z) or a time ago (36h, 7d)`},
		{"since after until", []string{"export", "--since", "2026-12-01", "--until", "2026-11-01"}, "is not before --until"},
		{"an unknown format", []string{"export", "--format", "xml"}, `unknown format "xml": use jsonl or csv, e.g. --format csv`},
		{"no subcommand", nil, "the one audit command is export, e.g. seatwarden audit export --since 7d --format csv > audit.csv"},
		{"another subcommand", []string{"import"}, "the one audit command is export"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &invocation{env: envs}
			code := inv.run(ctx, append([]string{"audit"}, tt.args...)...)
			if code != 2 || !strings.Contains(inv.stderr.String(), tt.says) || strings.Count(strings.TrimSpace(inv.stderr.String()), "\n") != 0 {
				t.Errorf("exit %d, stderr %q; want 2 and one line saying %q", code, inv.stderr.String(), tt.says)
			}
		})
	}
}

// serve streams the audit trail to the SIEM: what the trail holds reaches
// a signed webhook, the metrics count it, and the cursor is kept for the
// next start.
func TestServeStreamsTheAuditTrail(t *testing.T) {
	envs, _ := zendeskEnv(t)
	path := filepath.Join(envs["SEATWARDEN_DATA_DIR"], "seatwarden.db")
	st, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"seat.kept", "seat.removed", "credential.revoked"} {
		if _, err := st.AppendAudit(context.Background(), store.AuditEntry{Actor: "dana@acme.example", Action: action, Subject: "zendesk:user:7"}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	collector := siemtest.NewServer()
	t.Cleanup(collector.Close)
	envs["SEATWARDEN_ADDR"], envs["SEATWARDEN_LOG_LEVEL"] = "127.0.0.1:0", "info"
	envs["SEATWARDEN_AUDIT_SINK"], envs["SEATWARDEN_AUDIT_SINK_SECRET"] = collector.WebhookURL(), siemtest.Secret
	inv := &invocation{env: envs}
	ctx, stop := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	go func() { exited <- inv.run(ctx, "serve") }()
	for deadline := time.Now().Add(10 * time.Second); !slices.ContainsFunc(collector.Received(), func(e audit.Entry) bool { return e.Action == "credential.revoked" }); {
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("nothing reached the collector; stderr:\n%s", inv.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The delivery is counted once the collector's answer is back, a
	// moment after the collector holds the entries.
	m := addrInLog.FindStringSubmatch(inv.stderr.String())
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get("http://" + m[1] + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(metrics), `seatwarden_audit_sink_deliveries_total{outcome="ok"}`) {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("no delivery counted in /metrics")
			break
		}
	}
	stop()
	if code := <-exited; code != 0 {
		t.Fatalf("serve exited %d: %s", code, inv.stderr.String())
	}
	st, err = boltstore.Open(path, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got := collector.Received()
	if after, err := audit.Delivered(context.Background(), st); err != nil || after != got[len(got)-1].Seq {
		t.Errorf("cursor at %d, %v; the collector has up to %d", after, err, got[len(got)-1].Seq)
	}
}
