package main

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// TestProfilerServesOnItsOwnAddress: SEATWARDEN_DEBUG_ADDR's listener
// answers Go's profiler endpoints, and stops.
func TestProfilerServesOnItsOwnAddress(t *testing.T) {
	addr, stop, err := startProfiler("127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/debug/pprof/": "goroutine", "/debug/pprof/heap?debug=1": "heap profile"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, %.80q; want 200 with %q", path, resp.StatusCode, body, want)
		}
	}
	if err := stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + addr + "/debug/pprof/"); err == nil {
		t.Error("the profiler still answers after stop")
	}
	if _, _, err := startProfiler("256.0.0.1:1", slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "SEATWARDEN_DEBUG_ADDR") {
		t.Errorf("an address that cannot be listened on: %v, want an error naming the setting", err)
	}
}
