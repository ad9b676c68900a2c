package okta_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/integrations/okta"
	"github.com/seatwarden/seatwarden/integrations/okta/oktatest"
	"github.com/seatwarden/seatwarden/internal/apiclient"
)

var start = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

// fixture is an emulated org and a client sharing its clock, so waits
// for the rate limit pass in no time.
type fixture struct {
	emu    *oktatest.Server
	client *okta.Client
}

func newFixture(t *testing.T, users []okta.User, opts ...oktatest.Option) *fixture {
	t.Helper()
	emu := oktatest.NewServer(append([]oktatest.Option{oktatest.WithUsers(users...)}, opts...)...)
	emu.SetNow(start)
	t.Cleanup(emu.Close)
	c, err := okta.New(okta.Config{OrgURL: emu.URL, Token: oktatest.DefaultToken,
		Options: apiclient.Options{Sleep: emu.Sleep, Now: emu.Now, HTTPClient: &http.Client{Timeout: 5 * time.Second}}})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{emu: emu, client: c}
}

func (f *fixture) read(t *testing.T, cursor string) directory.Read {
	t.Helper()
	r, err := okta.Source{Client: f.client}.ReadPeople(t.Context(), cursor)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A full read lists everyone, the deactivated too, at the paging bound:
// 1,000 people in 5 requests.
func TestReadEveryone(t *testing.T) {
	f := newFixture(t, oktatest.Generated(1000, start))
	r := f.read(t, "")
	if !r.Full || len(r.People) != 1000 || r.Requests != 5 {
		t.Fatalf("read %d people in %d requests (full %v), want 1000 in 5", len(r.People), r.Requests, r.Full)
	}
	byStatus := map[directory.Status]int{}
	for _, p := range r.People {
		byStatus[p.Status]++
	}
	if byStatus[directory.Deactivated] != 100 || byStatus[directory.Active] != 900 {
		t.Errorf("statuses %v", byStatus)
	}
	p := r.People[123]
	if p.ID != "00u0000123" || p.Email() != "person123@acme.example" || p.Name != "Person 123" || p.ManagerID != "00u0000100" || p.Department != "Support" {
		t.Errorf("person 123: %+v", p)
	}
}

// After a full read, a change read asks only for who changed since, with
// a minute's overlap for Okta's index lag.
func TestReadChanges(t *testing.T) {
	f := newFixture(t, oktatest.Generated(500, start.Add(-48*time.Hour)))
	first := f.read(t, "")
	f.emu.Advance(15 * time.Minute)
	f.emu.Deactivate("00u0000042")
	f.emu.Update("00u0000007", func(u *okta.User) { u.Profile.Title = "Team lead" })
	before := f.emu.Requests()
	r := f.read(t, first.Cursor)
	if r.Full || f.emu.Requests()-before != 1 || !slices.Equal(ids(r.People), []string{"00u0000007", "00u0000042"}) {
		t.Errorf("change read: full %v, %d requests, people %v", r.Full, f.emu.Requests()-before, ids(r.People))
	}
	if r.People[1].Status != directory.Deactivated {
		t.Errorf("deactivated person read as %s", r.People[1].Status)
	}
	if got := f.read(t, "not a time"); !got.Full || len(got.People) != 500 {
		t.Errorf("a cursor it did not write: full %v, %d people; want a full read", got.Full, len(got.People))
	}
}

func ids(ps []directory.Person) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// Okta's limit: when a page empties the bucket the client waits for the
// reset before the next, and a 429 waits and tries again; nothing is
// lost.
func TestRateLimits(t *testing.T) {
	f := newFixture(t, oktatest.Generated(1000, start), oktatest.WithRateLimit(2))
	began := f.emu.Now()
	r := f.read(t, "")
	if len(r.People) != 1000 || r.Requests != 5 {
		t.Errorf("read %d people in %d requests", len(r.People), r.Requests)
	}
	if waited := f.emu.Now().Sub(began); waited < 2*time.Minute {
		t.Errorf("5 pages at 2 a minute took %s of emulated time, want at least two resets", waited)
	}

	f.emu.InjectFault(oktatest.Fault{Status: http.StatusTooManyRequests}, 2)
	f.emu.InjectFault(oktatest.Fault{Status: http.StatusServiceUnavailable}, 1)
	if r := f.read(t, ""); len(r.People) != 1000 {
		t.Errorf("after 429s and a 503: %d people", len(r.People))
	}
}

// Failures are typed, say what to fix, and never pass for an empty
// directory.
func TestFailures(t *testing.T) {
	tests := []struct {
		name  string
		fault oktatest.Fault
		times int
		token string
		want  error
		says  string
	}{
		{"wrong token", oktatest.Fault{}, 0, "wrong", okta.ErrUnauthorized, "check OKTA_API_TOKEN"},
		{"no permission", oktatest.Fault{Status: http.StatusForbidden}, 1, "", okta.ErrForbidden, "needs a role that can read users"},
		{"5xx storm", oktatest.Fault{Status: http.StatusInternalServerError}, 0, "", okta.ErrUnavailable, "E0000009"},
		{"malformed JSON", oktatest.Fault{Status: http.StatusOK, Body: `[{"id": "00u1",`}, 1, "", okta.ErrBadResponse, "not the JSON Okta sends"},
		{"next link elsewhere", oktatest.Fault{ForeignNext: true}, 1, "", okta.ErrBadResponse, "points outside the org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, oktatest.Generated(300, start))
			if tt.token != "" {
				var err error
				if f.client, err = okta.New(okta.Config{OrgURL: f.emu.URL, Token: tt.token,
					Options: apiclient.Options{Sleep: f.emu.Sleep, Now: f.emu.Now}}); err != nil {
					t.Fatal(err)
				}
			}
			if tt.times > 0 || tt.fault.Status != 0 {
				f.emu.InjectFault(tt.fault, tt.times)
			}
			_, err := okta.Source{Client: f.client}.ReadPeople(t.Context(), "")
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("err = %v, want %v saying %q", err, tt.want, tt.says)
			}
		})
	}
	f := newFixture(t, nil)
	f.emu.InjectFault(oktatest.Fault{Status: http.StatusForbidden}, 1)
	if _, err := (okta.Source{Client: f.client}).ReadPeople(t.Context(), ""); !errors.Is(err, connector.ErrForbidden) {
		t.Errorf("a 403 is not the connector's ErrForbidden: %v", err)
	}
}

func TestConfig(t *testing.T) {
	for _, c := range []okta.Config{
		{OrgURL: "acme.okta.com", Token: "t"},
		{OrgURL: "https://acme.okta.com", Token: " "},
		{OrgURL: "https://user:pass@acme.okta.com", Token: "t"},
	} {
		if _, err := okta.New(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// BenchmarkReadEveryone50k reads an org of 50,000 people whole, as the
// first identity-sync does: the requests are the paging bound, 250.
//
//	go test -run '^$' -bench ReadEveryone50k -benchmem ./integrations/okta/
func BenchmarkReadEveryone50k(b *testing.B) {
	emu := oktatest.NewServer(oktatest.WithUsers(oktatest.Generated(50_000, start)...), oktatest.WithRateLimit(0))
	defer emu.Close()
	c, err := okta.New(okta.Config{OrgURL: emu.URL, Token: oktatest.DefaultToken})
	if err != nil {
		b.Fatal(err)
	}
	var requests int
	for b.Loop() {
		r, err := okta.Source{Client: c}.ReadPeople(b.Context(), "")
		if err != nil || len(r.People) != 50_000 {
			b.Fatalf("%d people, %v", len(r.People), err)
		}
		requests = r.Requests
	}
	b.ReportMetric(float64(requests), "requests/op")
}
