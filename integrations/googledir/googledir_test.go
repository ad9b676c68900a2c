package googledir_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/integrations/googledir"
	"github.com/seatwarden/seatwarden/integrations/googledir/googletest"
	"github.com/seatwarden/seatwarden/internal/apiclient"
	"github.com/seatwarden/seatwarden/internal/teststores"
)

func newClient(t *testing.T, emu *googletest.Server, admin string) *googledir.Client {
	t.Helper()
	c, err := googledir.New(googledir.Config{Key: emu.KeyJSON(), Admin: admin, APIURL: emu.URL,
		Options: apiclient.Options{HTTPClient: &http.Client{Timeout: 5 * time.Second}, Sleep: func(context.Context, time.Duration) error { return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The service account acts as the administrator with a signed assertion;
// everyone is read 500 a page; suspended counts as departed, aliases
// find people, the manager relation resolves.
func TestReadThroughTheDirectory(t *testing.T) {
	emu := googletest.NewServer(googletest.Generated(1200)...)
	t.Cleanup(emu.Close)
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	svc := &directory.Service{Records: teststores.Bolt(t, nil), Source: googledir.Source{Client: newClient(t, emu, googletest.Admin)}, Now: func() time.Time { return now }}
	res, err := svc.Sync(t.Context())
	if err != nil || res.Requests != 3 || len(res.Snapshot.People) != 1200 || res.Snapshot.Active() != 1080 {
		t.Fatalf("read: %d requests, %d people (%d active), %v; want 3 requests", res.Requests, len(res.Snapshot.People), res.Snapshot.Active(), err)
	}
	p, _ := res.Snapshot.Index().Find("p142@acme.example")
	if p.Email() != "person142@acme.example" || p.Manager != "person100@acme.example" || p.Department != "Support" {
		t.Errorf("person 142 by an alias: %+v", p)
	}
	now = now.Add(15 * time.Minute)
	emu.Suspend("person142@acme.example")
	if res, err = svc.Sync(t.Context()); err != nil || len(res.Departed) != 1 || res.Departed[0].Status != directory.Suspended {
		t.Errorf("after a suspension: %+v, %v", res.Departed, err)
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name  string
		fault *googletest.Fault
		times int
		admin string
		want  error
		says  string
	}{
		{"an administrator delegation does not cover", nil, 0, "someone@acme.example", googledir.ErrUnauthorized, "Invalid email or User ID"},
		{"no right to read users", &googletest.Fault{Status: http.StatusForbidden, Reason: "forbidden"}, 1, googletest.Admin, googledir.ErrForbidden, "may read users"},
		{"a rate-limit storm", &googletest.Fault{Status: http.StatusForbidden, Reason: "userRateLimitExceeded"}, 0, googletest.Admin, errors.New(""), "rate limited"},
		{"a 5xx storm", &googletest.Fault{Status: http.StatusServiceUnavailable, Reason: "backendError"}, 0, googletest.Admin, googledir.ErrUnavailable, "503"},
		{"malformed JSON", &googletest.Fault{Status: http.StatusOK, Body: `{"users": [`}, 1, googletest.Admin, googledir.ErrBadResponse, "not the JSON Google sends"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := googletest.NewServer(googletest.Generated(30)...)
			t.Cleanup(emu.Close)
			if tt.fault != nil {
				emu.InjectFault(*tt.fault, tt.times)
			}
			_, err := googledir.Source{Client: newClient(t, emu, tt.admin)}.ReadPeople(t.Context(), "")
			if err == nil || !strings.Contains(err.Error(), tt.says) || (tt.want.Error() != "" && !errors.Is(err, tt.want)) {
				t.Errorf("err = %v, want %v saying %q", err, tt.want, tt.says)
			}
		})
	}
}

// Rate limits are waited out: Retry-After when Google sends one, a
// growing backoff when it answers 403 userRateLimitExceeded without.
func TestRateLimitsWaitedOut(t *testing.T) {
	tests := []struct {
		name  string
		fault googletest.Fault
		wait  func(time.Duration) bool
	}{
		{"429 with Retry-After", googletest.Fault{Status: http.StatusTooManyRequests, Reason: "rateLimitExceeded", RetryAfter: 7},
			func(d time.Duration) bool { return d == 7*time.Second }},
		{"403 userRateLimitExceeded", googletest.Fault{Status: http.StatusForbidden, Reason: "userRateLimitExceeded"},
			func(d time.Duration) bool { return d > 0 && d <= time.Minute }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := googletest.NewServer(googletest.Generated(30)...)
			t.Cleanup(emu.Close)
			emu.InjectFault(tt.fault, 2)
			var waits []time.Duration
			c, err := googledir.New(googledir.Config{Key: emu.KeyJSON(), Admin: googletest.Admin, APIURL: emu.URL,
				Options: apiclient.Options{Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}})
			if err != nil {
				t.Fatal(err)
			}
			r, err := googledir.Source{Client: c}.ReadPeople(t.Context(), "")
			if err != nil || len(r.People) != 30 || len(waits) != 2 || !tt.wait(waits[0]) {
				t.Errorf("%d people, waits %v, %v", len(r.People), waits, err)
			}
		})
	}
}

// BenchmarkReadEveryone50k reads an account of 50,000 people: 100
// requests, the bound at 500 a page.
//
//	go test -run '^$' -bench ReadEveryone50k -benchmem ./integrations/googledir/
func BenchmarkReadEveryone50k(b *testing.B) {
	emu := googletest.NewServer(googletest.Generated(50_000)...)
	defer emu.Close()
	c, err := googledir.New(googledir.Config{Key: emu.KeyJSON(), Admin: googletest.Admin, APIURL: emu.URL})
	if err != nil {
		b.Fatal(err)
	}
	var requests int
	for b.Loop() {
		r, err := googledir.Source{Client: c}.ReadPeople(b.Context(), "")
		if err != nil || len(r.People) != 50_000 {
			b.Fatalf("%d people, %v", len(r.People), err)
		}
		requests = r.Requests
	}
	b.ReportMetric(float64(requests), "requests/op")
}
