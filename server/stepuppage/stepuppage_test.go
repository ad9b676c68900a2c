package stepuppage_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/integrations/oidc"
	"github.com/seatwarden/seatwarden/integrations/oidc/oidctest"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/server/stepuppage"
	"github.com/seatwarden/seatwarden/stepup"
)

const dana = "dana@acme.example"

type fixture struct {
	idp  *oidctest.Server
	bot  *httptest.Server
	svc  *stepup.Service
	mu   sync.Mutex
	done []stepup.Challenge
}

// newFixture serves the step-up pages beside an emulated provider, with
// the approval's own effect recorded rather than carried out.
func newFixture(t testing.TB, p stepup.Policy, opts ...oidctest.Option) *fixture {
	t.Helper()
	f := &fixture{}
	mux := http.NewServeMux()
	f.bot = httptest.NewServer(mux)
	t.Cleanup(f.bot.Close)
	f.idp = oidctest.NewServer(append([]oidctest.Option{oidctest.WithClient("seatwarden", "s3cret", f.bot.URL+"/stepup/callback")}, opts...)...)
	t.Cleanup(f.idp.Close)
	provider := oidc.New(oidc.Config{Issuer: f.idp.URL, ClientID: "seatwarden", ClientSecret: "s3cret", RedirectURL: f.bot.URL + "/stepup/callback"})
	st := teststores.Bolt(t, nil)
	f.svc = &stepup.Service{Store: st, Audit: st, Policy: p, Now: f.idp.Now}
	h := &stepuppage.Handler{Service: f.svc, Provider: provider, Done: func(_ context.Context, c stepup.Challenge) (string, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.done = append(f.done, c)
		return "Your approval of " + c.Action.Target + " counts.", nil
	}}
	h.Register(mux)
	return f
}

// browse opens a step-up link the way a browser does, following the
// redirects to the provider and back, and returns the last page.
func browse(t *testing.T, link string) (int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := client.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (f *fixture) begin(t testing.TB) string {
	t.Helper()
	c, err := f.svc.Begin(t.Context(), dana, stepup.Action{Kind: "approve", Target: "REQ-7KQ2MX"})
	if err != nil {
		t.Fatal(err)
	}
	return f.bot.URL + "/stepup/" + c.ID
}

func TestStepUpRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		policy stepup.Policy
		opts   []oidctest.Option
		login  func(now time.Time) oidctest.Login
		tamper func(*oidctest.Server)
		status int
		says   string
	}{
		{"a fresh sign-in by the approver", stepup.Policy{}, nil, func(time.Time) oidctest.Login { return oidctest.Login{Email: dana} }, nil,
			http.StatusOK, "Your approval of REQ-7KQ2MX counts."},
		{"signed in as someone else", stepup.Policy{}, nil, func(time.Time) oidctest.Login { return oidctest.Login{Email: "mallory@acme.example"} }, nil,
			http.StatusForbidden, "the sign-in was as mallory@acme.example, not dana@acme.example"},
		{"a stale sign-in", stepup.Policy{}, nil, func(now time.Time) oidctest.Login {
			return oidctest.Login{Email: dana, AuthTime: now.Add(-10 * time.Minute)}
		}, nil,
			http.StatusForbidden, "did not ask for the password just now"},
		{"no second factor", stepup.Policy{ACR: "mfa"}, nil, func(time.Time) oidctest.Login { return oidctest.Login{Email: dana, AMR: []string{"pwd"}} }, nil,
			http.StatusForbidden, "did not use a second factor"},
		{"a second factor", stepup.Policy{ACR: "mfa"}, nil, func(time.Time) oidctest.Login { return oidctest.Login{Email: dana, AMR: []string{"pwd", "otp"}} }, nil,
			http.StatusOK, "counts"},
		{"a cancelled sign-in", stepup.Policy{}, nil, func(time.Time) oidctest.Login { return oidctest.Login{Email: dana, Deny: true} }, nil,
			http.StatusForbidden, "cancelled or refused (access_denied)"},
		{"a token from another issuer", stepup.Policy{}, []oidctest.Option{oidctest.WithIssuer("https://evil.example.com")}, func(time.Time) oidctest.Login { return oidctest.Login{Email: dana} }, nil,
			http.StatusForbidden, "could not be verified"},
		{"a token signed with an unknown key", stepup.Policy{}, nil, func(time.Time) oidctest.Login { return oidctest.Login{Email: dana} },
			func(s *oidctest.Server) { s.SignNextWithUnknownKey() }, http.StatusForbidden, "could not be verified"},
		{"a token for another audience", stepup.Policy{}, nil, func(time.Time) oidctest.Login { return oidctest.Login{Email: dana} },
			func(s *oidctest.Server) {
				s.SetTokenTamper(func(c *oidctest.Claims) { c.Audience = []string{"other-app"} })
			}, http.StatusForbidden, "could not be verified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.policy, tt.opts...)
			f.idp.NextLogin(tt.login(f.idp.Now()))
			if tt.tamper != nil {
				tt.tamper(f.idp)
			}
			status, page := browse(t, f.begin(t))
			if status != tt.status || !strings.Contains(page, tt.says) {
				t.Fatalf("page %d:\n%s\nwant %d saying %q", status, page, tt.status, tt.says)
			}
			if want := map[bool]int{true: 1, false: 0}[tt.status == http.StatusOK]; len(f.done) != want {
				t.Errorf("%d approvals counted, want %d", len(f.done), want)
			}
			auth := f.idp.Authorizations()
			if len(auth) != 1 || auth[0].Get("prompt") != "login" || auth[0].Get("max_age") != "0" || auth[0].Get("code_challenge_method") != "S256" {
				t.Errorf("the authorization request: %v", auth)
			}
		})
	}
}

// A link works once, and a callback replayed counts nothing twice.
func TestStepUpLinkAndCallbackOnce(t *testing.T) {
	f := newFixture(t, stepup.Policy{})
	link := f.begin(t)
	f.idp.NextLogin(oidctest.Login{Email: dana})
	if status, _ := browse(t, link); status != http.StatusOK {
		t.Fatalf("first use: %d", status)
	}
	f.idp.NextLogin(oidctest.Login{Email: dana})
	if status, page := browse(t, link); status != http.StatusForbidden || !strings.Contains(page, "used already") {
		t.Errorf("the link again: %d %s", status, page)
	}
	if status, page := browse(t, f.bot.URL+"/stepup/callback?state=forged&code=x"); status != http.StatusForbidden || !strings.Contains(page, "state does not match") {
		t.Errorf("a forged callback: %d %s", status, page)
	}
	if status, _ := browse(t, f.bot.URL+"/stepup/callback"); status != http.StatusBadRequest {
		t.Errorf("a bare callback: %d", status)
	}
	if len(f.done) != 1 {
		t.Errorf("%d approvals counted, want 1", len(f.done))
	}
}

// A provider that is down when the link is opened: a page saying so, and
// the next try works once it is back.
func TestStepUpProviderDown(t *testing.T) {
	f := newFixture(t, stepup.Policy{})
	f.idp.InjectFault(oidctest.EndpointDiscovery, oidctest.Fault{Status: http.StatusServiceUnavailable, Count: 1})
	if status, page := browse(t, f.begin(t)); status != http.StatusBadGateway || !strings.Contains(page, "could not be reached") {
		t.Errorf("provider down: %d %s", status, page)
	}
	f.idp.NextLogin(oidctest.Login{Email: dana})
	if status, _ := browse(t, f.begin(t)); status != http.StatusOK {
		t.Errorf("provider back: %d", status)
	}
}
