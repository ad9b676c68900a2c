package github_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
)

// between is a wait the client may choose: at least lo, under lo+spread.
type between struct{ lo, spread time.Duration }

func (b between) holds(d time.Duration) bool { return d >= b.lo && d < b.lo+b.spread }

const jitterSpread = time.Second

func TestRateLimitsAreWaitedOut(t *testing.T) {
	tests := []struct {
		name   string
		faults []githubtest.Fault
		// waits the client sleeps, in order
		waits []between
	}{
		{"primary 403 waits until reset", []githubtest.Fault{
			{Kind: githubtest.FaultPrimaryRateLimit, ResetAfter: 30 * time.Second, Times: 1},
		}, []between{{30 * time.Second, jitterSpread}}},
		{"primary 429 waits until reset", []githubtest.Fault{
			{Kind: githubtest.FaultPrimaryRateLimit, Status: http.StatusTooManyRequests, ResetAfter: 45 * time.Second, Times: 1},
		}, []between{{45 * time.Second, jitterSpread}}},
		{"secondary 403 honours Retry-After", []githubtest.Fault{
			{Kind: githubtest.FaultSecondaryRateLimit, RetryAfter: 10 * time.Second, Times: 1},
		}, []between{{10 * time.Second, jitterSpread}}},
		{"secondary 429 honours Retry-After", []githubtest.Fault{
			{Kind: githubtest.FaultSecondaryRateLimit, Status: http.StatusTooManyRequests, RetryAfter: 5 * time.Second, Times: 1},
		}, []between{{5 * time.Second, jitterSpread}}},
		{"secondary without Retry-After waits a minute", []githubtest.Fault{
			{Kind: githubtest.FaultSecondaryRateLimit, Times: 1},
		}, []between{{time.Minute, jitterSpread}}},
		{"repeated secondary backs off exponentially", []githubtest.Fault{
			{Kind: githubtest.FaultSecondaryRateLimit, Times: 2},
		}, []between{{time.Minute, jitterSpread}, {2 * time.Minute, jitterSpread}}},
		{"5xx retried with backoff", []githubtest.Fault{
			{Kind: githubtest.FaultServerError, Times: 1},
			{Kind: githubtest.FaultServerError, Status: http.StatusInternalServerError, Times: 1},
		}, []between{{500 * time.Millisecond, 501 * time.Millisecond}, {time.Second, time.Second + time.Millisecond}}},
		{"503 honours Retry-After", []githubtest.Fault{
			{Kind: githubtest.FaultServerError, Status: http.StatusServiceUnavailable, RetryAfter: 7 * time.Second, Times: 1},
		}, []between{{7 * time.Second, time.Millisecond}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			for _, f := range tt.faults {
				h.srv.InjectFault(githubtest.EndpointMembers, f)
			}
			members, err := h.owner(t).Members(t.Context(), "")
			if err != nil {
				t.Fatalf("Members: %v", err)
			}
			if len(members) != 8 {
				t.Errorf("listed %d members, want 8", len(members))
			}
			if n, want := h.srv.Requests(githubtest.EndpointMembers), 1+len(tt.waits); n != want {
				t.Errorf("%d requests, want %d", n, want)
			}
			sleeps := h.clock.Sleeps()
			if len(sleeps) != len(tt.waits) {
				t.Fatalf("slept %v, want %d waits", sleeps, len(tt.waits))
			}
			for i, w := range tt.waits {
				if !w.holds(sleeps[i]) {
					t.Errorf("wait %d = %s, want [%s, %s)", i, sleeps[i], w.lo, w.lo+w.spread)
				}
			}
		})
	}
}

func TestRateLimitGiveUpReturnsTypedError(t *testing.T) {
	tests := []struct {
		name      string
		fault     githubtest.Fault
		edit      func(*github.Config)
		ctx       func(context.Context) (context.Context, context.CancelFunc)
		secondary bool
		requests  int
		sleeps    int
		reason    string
	}{
		{"primary reset an hour away", githubtest.Fault{Kind: githubtest.FaultPrimaryRateLimit, ResetAfter: time.Hour},
			nil, nil, false, 1, 0, "longer than the 2m0s"},
		{"primary reset past a smaller MaxWait", githubtest.Fault{Kind: githubtest.FaultPrimaryRateLimit, ResetAfter: 90 * time.Second},
			func(cfg *github.Config) { cfg.MaxWait = time.Minute }, nil, false, 1, 0, "longer than the 1m0s"},
		{"secondary asking for ten minutes", githubtest.Fault{Kind: githubtest.FaultSecondaryRateLimit, RetryAfter: 10 * time.Minute},
			nil, nil, true, 1, 0, "longer than"},
		{"secondary without Retry-After, again and again", githubtest.Fault{Kind: githubtest.FaultSecondaryRateLimit},
			nil, nil, true, 3, 2, "longer than"}, // 1 min, 2 min, then 4 min is too long
		{"wait past the context deadline", githubtest.Fault{Kind: githubtest.FaultSecondaryRateLimit, RetryAfter: 30 * time.Second},
			nil, func(ctx context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeout(ctx, 5*time.Second)
			}, true, 1, 0, "context's deadline"},
		{"retries run out", githubtest.Fault{Kind: githubtest.FaultSecondaryRateLimit, RetryAfter: time.Second},
			func(cfg *github.Config) { cfg.MaxRetries = 2 }, nil, true, 3, 2, "after 2 retries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			h.srv.InjectFault(githubtest.EndpointMembers, tt.fault)
			var edits []func(*github.Config)
			if tt.edit != nil {
				edits = append(edits, tt.edit)
			}
			c := h.owner(t, edits...)
			ctx := t.Context()
			if tt.ctx != nil {
				var cancel context.CancelFunc
				ctx, cancel = tt.ctx(ctx)
				defer cancel()
			}
			_, err := c.Members(ctx, "")
			if !errors.Is(err, github.ErrRateLimited) || !errors.Is(err, connector.ErrRateLimited) {
				t.Fatalf("error = %v, want ErrRateLimited", err)
			}
			rl := asRateLimit(t, err)
			if rl.Secondary != tt.secondary || rl.Wait <= 0 || !strings.Contains(rl.Reason, tt.reason) {
				t.Errorf("RateLimitError = %+v, want secondary=%t and reason containing %q", rl, tt.secondary, tt.reason)
			}
			if rl.Status != http.StatusForbidden || rl.Path != "/orgs/acme/members" || rl.Message == "" {
				t.Errorf("RateLimitError lacks GitHub's answer: %+v", rl)
			}
			if n := h.srv.Requests(githubtest.EndpointMembers); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if s := h.clock.Sleeps(); len(s) != tt.sleeps {
				t.Errorf("slept %v, want %d sleeps", s, tt.sleeps)
			}
		})
	}
}

func TestPrimaryLimitHoldsLaterCallsWithoutSending(t *testing.T) {
	h := sampleHarness(t)
	h.srv.InjectFault(githubtest.EndpointMembers, githubtest.Fault{Kind: githubtest.FaultPrimaryRateLimit, ResetAfter: time.Hour, Times: 1})
	c := h.owner(t)
	if _, err := c.Members(t.Context(), ""); !errors.Is(err, github.ErrRateLimited) {
		t.Fatalf("first call: %v", err)
	}
	// GitHub said an hour: asking again before then is refused here.
	_, err := c.Org(t.Context())
	rl := asRateLimit(t, err)
	if rl.Status != 0 || !strings.HasPrefix(rl.Reason, "not sent") {
		t.Errorf("second call: %+v, want refused before sending", rl)
	}
	if n := h.srv.TotalRequests(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	h.clock.Advance(time.Hour + 2*time.Second)
	if _, err := c.Org(t.Context()); err != nil {
		t.Errorf("after the reset: %v", err)
	}
}

func TestSpentBudgetHoldsTheNextCall(t *testing.T) {
	tests := []struct {
		name    string
		maxWait time.Duration
		wantErr bool
	}{
		{"reset beyond MaxWait fails fast", 0, true},
		{"reset within MaxWait is waited for", time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			h.srv.SetRateRemaining(githubtest.ResourceCore, 1, 30*time.Minute)
			c := h.owner(t, func(cfg *github.Config) { cfg.MaxWait = tt.maxWait })
			if _, err := c.Org(t.Context()); err != nil {
				t.Fatalf("last request of the budget: %v", err)
			}
			_, err := c.Org(t.Context())
			if tt.wantErr {
				if rl := asRateLimit(t, err); rl.Secondary || rl.Remaining != 0 || rl.Resource != "core" {
					t.Errorf("RateLimitError = %+v", rl)
				}
				if n := h.srv.Requests(githubtest.EndpointOrg); n != 1 {
					t.Errorf("%d requests; the spent budget should stop the second", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("second call: %v", err)
			}
			if s := h.clock.Sleeps(); len(s) != 1 || s[0] < 29*time.Minute || s[0] > 30*time.Minute {
				t.Errorf("slept %v, want about 30 min", s)
			}
			if n := h.srv.Requests(githubtest.EndpointOrg); n != 2 {
				t.Errorf("%d requests, want 2 (no refused one)", n)
			}
		})
	}
}

func TestEmulatorBudgetExhaustionIsHonoured(t *testing.T) {
	// The emulator's own budget, not an injected fault: three requests an
	// hour, a 250-member listing needs three, so the fourth call waits.
	h := newHarness(t, githubtest.Generate(250, 0, 5, t0), githubtest.WithRateLimit(githubtest.ResourceCore, 3))
	c := h.owner(t, func(cfg *github.Config) { cfg.MaxWait = 2 * time.Hour })
	if _, err := c.Members(t.Context(), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Org(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s := h.clock.Sleeps(); len(s) != 1 || s[0] < 59*time.Minute {
		t.Errorf("slept %v, want the rest of the hour", s)
	}
	if n := h.srv.TotalRequests(); n != 4 {
		t.Errorf("%d requests, want 4 (none refused by GitHub)", n)
	}
}

func TestServerErrorsGiveUpAfterMaxRetries(t *testing.T) {
	h := sampleHarness(t)
	h.srv.InjectFault(githubtest.EndpointOrg, githubtest.Fault{Kind: githubtest.FaultServerError})
	_, err := h.owner(t).Org(t.Context())
	if !errors.Is(err, github.ErrUnavailable) || !errors.Is(err, connector.ErrUnavailable) {
		t.Fatalf("error = %v, want ErrUnavailable", err)
	}
	e := asAPIError(t, err)
	if e.Status != http.StatusBadGateway || strings.Contains(e.Error(), "<html") {
		t.Errorf("APIError = %+v; want 502 without the HTML page", e)
	}
	if n := h.srv.Requests(githubtest.EndpointOrg); n != github.DefaultMaxRetries+1 {
		t.Errorf("%d requests, want %d", n, github.DefaultMaxRetries+1)
	}
	for _, s := range h.clock.Sleeps() {
		if s > github.DefaultMaxBackoff {
			t.Errorf("backoff %s exceeds the cap", s)
		}
	}
}

func TestGraphQLRateLimitIsWaitedOut(t *testing.T) {
	h := sampleHarness(t)
	h.srv.InjectFault(githubtest.EndpointGraphQL, githubtest.Fault{Kind: githubtest.FaultPrimaryRateLimit, ResetAfter: 20 * time.Second, Times: 1})
	emails, err := h.owner(t).VerifiedDomainEmails(t.Context(), []string{"omarh"})
	if err != nil {
		t.Fatal(err)
	}
	if got := emails["omarh"]; len(got) != 1 || got[0] != "omar@acme.example" {
		t.Errorf("emails = %v", emails)
	}
	if s := h.clock.Sleeps(); len(s) != 1 || !(between{20 * time.Second, jitterSpread}).holds(s[0]) {
		t.Errorf("slept %v, want ~20s", s)
	}
}

func TestForbiddenIsNotARateLimit(t *testing.T) {
	h := sampleHarness(t)
	c := h.client(t, github.TokenAuth(memberToken))
	_, err := c.CopilotSeats(t.Context())
	if !errors.Is(err, github.ErrForbidden) || errors.Is(err, github.ErrRateLimited) || !connector.Final(err) {
		t.Fatalf("error = %v, want a final ErrForbidden", err)
	}
	if n := h.srv.Requests(githubtest.EndpointCopilotSeats); n != 1 || len(h.clock.Sleeps()) != 0 {
		t.Errorf("%d requests and sleeps %v; a plain 403 is not retried", n, h.clock.Sleeps())
	}
}

func TestGraphQLRateLimitGiveUpIsARateLimitError(t *testing.T) {
	h := sampleHarness(t)
	h.srv.InjectFault(githubtest.EndpointGraphQL, githubtest.Fault{Kind: githubtest.FaultPrimaryRateLimit, ResetAfter: time.Hour})
	_, err := h.owner(t).VerifiedDomainEmails(t.Context(), []string{"omarh"})
	rl := asRateLimit(t, err)
	if rl.Secondary || rl.Status != http.StatusOK || rl.Resource != "graphql" || !strings.Contains(rl.Message, "rate limit") {
		t.Errorf("RateLimitError = %+v", rl)
	}
	// REST has its own budget and is not held by GraphQL's.
	if _, err := h.owner(t).Org(t.Context()); err != nil {
		t.Errorf("REST while GraphQL is limited: %v", err)
	}
}
