package graph_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/integrations/graph"
	"github.com/seatwarden/seatwarden/integrations/graph/graphtest"
	"github.com/seatwarden/seatwarden/internal/apiclient"
	"github.com/seatwarden/seatwarden/internal/teststores"
)

func newClient(t *testing.T, emu *graphtest.Server, edit ...func(*graph.Config)) *graph.Client {
	t.Helper()
	c := graph.Config{TenantID: graphtest.Tenant, ClientID: graphtest.ClientID, ClientSecret: graphtest.ClientSecret, APIURL: emu.APIURL(), TokenURL: emu.TokenURL(),
		Options: apiclient.Options{HTTPClient: &http.Client{Timeout: 5 * time.Second}, Sleep: func(_ context.Context, _ time.Duration) error { return nil }}}
	for _, e := range edit {
		e(&c)
	}
	client, err := graph.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// A full read is the paging bound; an unchanged re-read is one request;
// a change read brings only what changed, which the directory merges
// into what it has.
func TestDeltaThroughTheDirectory(t *testing.T) {
	emu := graphtest.NewServer(graphtest.Generated(2500)...)
	t.Cleanup(emu.Close)
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	svc := &directory.Service{Records: teststores.Bolt(t, nil), Source: graph.Source{Client: newClient(t, emu)}, Now: func() time.Time { return now }}
	ctx := t.Context()
	res, err := svc.Sync(ctx)
	if err != nil || !res.Full || res.Requests != 3 || len(res.Snapshot.People) != 2500 || res.Snapshot.Active() != 2250 {
		t.Fatalf("first read: %d requests, %d people (%d active), %v; want 3 requests for 2500", res.Requests, len(res.Snapshot.People), res.Snapshot.Active(), err)
	}
	p, _ := res.Snapshot.Index().Find("p42@acme.example")
	if p.ID == "" || p.Email() != "person42@acme.example" || p.Manager != "person0@acme.example" || p.Title != "Agent" {
		t.Errorf("person 42 found by an alias: %+v", p)
	}

	now = now.Add(15 * time.Minute)
	if res, err = svc.Sync(ctx); err != nil || res.Full || res.Requests != 1 || len(res.Departed) != 0 {
		t.Errorf("an unchanged re-read: %+v, %v; want one request", res, err)
	}

	now = now.Add(15 * time.Minute)
	emu.Disable("00000000-0000-4000-8000-000000000042")
	emu.Delete("00000000-0000-4000-8000-000000000043")
	emu.SetManager("00000000-0000-4000-8000-000000000044", "00000000-0000-4000-8000-000000000042")
	res, err = svc.Sync(ctx)
	if err != nil || res.Requests != 1 {
		t.Fatalf("a change read: %v, %d requests", err, res.Requests)
	}
	departed := map[string]directory.Status{}
	for _, p := range res.Departed {
		departed[p.Email()] = p.Status
	}
	if departed["person42@acme.example"] != directory.Suspended || departed["person43@acme.example"] != directory.Deleted || len(departed) != 2 {
		t.Errorf("departed %v", departed)
	}
	p44, _ := res.Snapshot.Index().Find("person44@acme.example")
	if p44.Manager != "person42@acme.example" || p44.Status != directory.Active || p44.Email() != "person44@acme.example" {
		t.Errorf("person 44 after a manager change: %+v", p44)
	}

	now = now.Add(15 * time.Minute)
	emu.SetManager("00000000-0000-4000-8000-000000000045", "")
	if res, err = svc.Sync(ctx); err != nil || res.Full {
		t.Fatalf("a change read: %v", err)
	}
	p45, _ := res.Snapshot.Index().Find("person45@acme.example")
	p44, _ = res.Snapshot.Index().Find("person44@acme.example")
	if p45.Manager != "" || p45.ManagerID != "" || p45.Name == "" || p44.Manager != "person42@acme.example" {
		t.Errorf("after person 45's manager was removed: 45 %+v, 44 %+v", p45, p44)
	}
}

// Failures are typed and say what to fix; a storm of 429s is waited out.
func TestFailures(t *testing.T) {
	tests := []struct {
		name  string
		fault *graphtest.Fault
		times int
		edit  func(*graph.Config)
		want  error
		says  string
	}{
		{"a wrong secret", nil, 0, func(c *graph.Config) { c.ClientSecret = "nope" }, graph.ErrUnauthorized, "AADSTS7000215"},
		{"no permission", &graphtest.Fault{Status: http.StatusForbidden}, 1, nil, connector.ErrForbidden, "User.Read.All"},
		{"5xx storm", &graphtest.Fault{Status: http.StatusServiceUnavailable}, 0, nil, graph.ErrUnavailable, "503"},
		{"malformed JSON", &graphtest.Fault{Status: http.StatusOK, Body: `{"value": [`}, 1, nil, graph.ErrBadResponse, "not the JSON Graph sends"},
		{"a next link elsewhere", &graphtest.Fault{ForeignNext: true}, 1, nil, graph.ErrBadResponse, "outside Graph's users delta"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := graphtest.NewServer(graphtest.Generated(300)...)
			t.Cleanup(emu.Close)
			if tt.fault != nil {
				emu.InjectFault(*tt.fault, tt.times)
			}
			var edits []func(*graph.Config)
			if tt.edit != nil {
				edits = append(edits, tt.edit)
			}
			_, err := graph.Source{Client: newClient(t, emu, append(edits, func(c *graph.Config) { c.PageSize = 100 })...)}.ReadPeople(t.Context(), "")
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("err = %v, want %v saying %q", err, tt.want, tt.says)
			}
		})
	}
	emu := graphtest.NewServer(graphtest.Generated(300)...)
	t.Cleanup(emu.Close)
	emu.InjectFault(graphtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 3}, 3)
	var waited []time.Duration
	client := newClient(t, emu, func(c *graph.Config) {
		c.Sleep = func(_ context.Context, d time.Duration) error { waited = append(waited, d); return nil }
	})
	if r, err := (graph.Source{Client: client}).ReadPeople(t.Context(), ""); err != nil || len(r.People) != 300 {
		t.Errorf("after three 429s: %d people, %v", len(r.People), err)
	}
	if !slices.Equal(waited, []time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second}) {
		t.Errorf("waited %v, want Retry-After's 3s three times", waited)
	}
}

// BenchmarkReadEveryone50k reads a tenant of 50,000 people whole: 51
// requests, the bound at 999 a page.
//
//	go test -run '^$' -bench ReadEveryone50k -benchmem ./integrations/graph/
func BenchmarkReadEveryone50k(b *testing.B) {
	emu := graphtest.NewServer(graphtest.Generated(50_000)...)
	defer emu.Close()
	client, err := graph.New(graph.Config{TenantID: graphtest.Tenant, ClientID: graphtest.ClientID, ClientSecret: graphtest.ClientSecret,
		APIURL: emu.APIURL(), TokenURL: emu.TokenURL()})
	if err != nil {
		b.Fatal(err)
	}
	var requests int
	for b.Loop() {
		r, err := graph.Source{Client: client}.ReadPeople(b.Context(), "")
		if err != nil || len(r.People) != 50_000 {
			b.Fatalf("%d people, %v", len(r.People), err)
		}
		requests = r.Requests
	}
	b.ReportMetric(float64(requests), "requests/op")
}
