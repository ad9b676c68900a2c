package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestOperationalEndpoints(t *testing.T) {
	storeDown := errors.New("dial tcp 127.0.0.1:6379: connection refused")
	tests := []struct {
		name       string
		ready      []Check
		path       string
		wantStatus int
		wantBody   string
	}{
		{name: "healthz needs nothing", path: "/healthz", wantStatus: 200, wantBody: "ok"},
		{name: "ready when every check passes", path: "/readyz",
			ready:      []Check{{"config", func(context.Context) error { return nil }}, {"store", func(context.Context) error { return nil }}},
			wantStatus: 200, wantBody: "ready"},
		{name: "503 names the failing check and why", path: "/readyz",
			ready:      []Check{{"config", func(context.Context) error { return nil }}, {"store", func(context.Context) error { return storeDown }}},
			wantStatus: 503, wantBody: "not ready: store: dial tcp 127.0.0.1:6379: connection refused"},
		{name: "a hung check times out instead of hanging", path: "/readyz",
			ready: []Check{{"store", func(ctx context.Context) error {
				<-ctx.Done()
				return ctx.Err()
			}}},
			wantStatus: 503, wantBody: "not ready: store: context deadline exceeded"},
		{name: "metrics served", path: "/metrics", wantStatus: 200, wantBody: "metric_a 1"},
		{name: "unknown path", path: "/nope", wantStatus: 404, wantBody: "404 page not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux := NewMux(Options{
				Ready:        tt.ready,
				ReadyTimeout: 20 * time.Millisecond,
				Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					_, _ = io.WriteString(w, "metric_a 1\n")
				}),
			})
			srv := httptest.NewServer(mux)
			defer srv.Close()
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || strings.TrimSpace(string(body)) != tt.wantBody {
				t.Errorf("GET %s = %d %q, want %d %q", tt.path, resp.StatusCode, strings.TrimSpace(string(body)), tt.wantStatus, tt.wantBody)
			}
		})
	}
}

func TestListenReportsBoundPortAndShutsDown(t *testing.T) {
	s, err := Listen("127.0.0.1:0", NewMux(Options{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	resp, err := http.Get("http://" + s.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve after Shutdown = %v, want nil", err)
	}
}
