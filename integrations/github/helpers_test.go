package github_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
	"github.com/seatwarden/seatwarden/internal/syncbuf"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// Credentials are recognisable so tests can check they never leak.
const (
	ownerToken  = "ghp_SECRETowner7f3a9b0000000000000001"
	memberToken = "ghp_SECRETmember51c0de000000000000002"
	ownerLogin  = "dana-field"
	memberLogin = "priya-n"
)

// appKey is the sample app's key, made once: RSA generation is slow.
var appKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// otherKey is a key GitHub does not know for the app.
var otherKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func sampleApp() github.App {
	return github.App{
		ClientID:       githubtest.SeatwardenClientID,
		InstallationID: githubtest.SeatwardenInstallationID,
		PrivateKey:     appKey(),
	}
}

// fakeClock drives the client's waits and the emulator's clock, and
// records every wait the client asked for.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}

type harness struct {
	srv   *githubtest.Server
	clock *fakeClock
	logs  *syncbuf.Buffer
}

// newHarness starts an emulator on a fake clock shared with its clients,
// knowing an owner's and a member's token and the sample app.
func newHarness(t *testing.T, org *githubtest.Org, opts ...githubtest.Option) *harness {
	t.Helper()
	h := &harness{clock: &fakeClock{now: t0}, logs: &syncbuf.Buffer{}}
	owner, member := ownerLogin, memberLogin
	if _, ok := org.Member(ownerLogin); !ok {
		// A generated org: its first owner and first plain member.
		owner, member = "", ""
		for _, m := range org.Members {
			switch {
			case m.Role == github.RoleAdmin && owner == "":
				owner = m.Login
			case m.Role == github.RoleMember && member == "":
				member = m.Login
			}
		}
	}
	base := []githubtest.Option{
		githubtest.WithClock(h.clock.Now),
		githubtest.WithToken(ownerToken, owner),
		githubtest.WithToken(memberToken, member),
		githubtest.WithApp(githubtest.AppRegistration{
			AppID:          githubtest.SeatwardenAppID,
			ClientID:       githubtest.SeatwardenClientID,
			InstallationID: githubtest.SeatwardenInstallationID,
			PublicKey:      &appKey().PublicKey,
		}),
	}
	h.srv = githubtest.NewServer(org, append(base, opts...)...)
	t.Cleanup(h.srv.Close)
	return h
}

func sampleHarness(t *testing.T, opts ...githubtest.Option) *harness {
	return newHarness(t, githubtest.SampleOrg(t0), opts...)
}

// client builds a client on the harness clock, logging to h.logs.
func (h *harness) client(t *testing.T, auth github.Authenticator, edit ...func(*github.Config)) *github.Client {
	t.Helper()
	all := append([]func(*github.Config){func(cfg *github.Config) {
		cfg.Now = h.clock.Now
		cfg.Sleep = h.clock.Sleep
		cfg.Logger = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}}, edit...)
	c, err := h.srv.NewClient(auth, all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func (h *harness) owner(t *testing.T, edit ...func(*github.Config)) *github.Client {
	return h.client(t, github.TokenAuth(ownerToken), edit...)
}

func (h *harness) app(t *testing.T, edit ...func(*github.Config)) *github.Client {
	return h.client(t, github.AppAuth(sampleApp()), edit...)
}

func asAPIError(t *testing.T, err error) *github.APIError {
	t.Helper()
	var e *github.APIError
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *github.APIError", err, err)
	}
	return e
}

func asRateLimit(t *testing.T, err error) *github.RateLimitError {
	t.Helper()
	var e *github.RateLimitError
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *github.RateLimitError", err, err)
	}
	return e
}

// recorder is a transport that keeps every request it sends.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	next http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Clone(req.Context()))
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) requests() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func (h *harness) recording() (*recorder, func(*github.Config)) {
	rec := &recorder{next: h.srv.Client().Transport}
	return rec, func(cfg *github.Config) {
		cfg.HTTPClient = &http.Client{Transport: rec, Timeout: 10 * time.Second}
	}
}

func logins(ms []github.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Login
	}
	return out
}

func pagesFor(n int) int { return max(1, (n+99)/100) }
