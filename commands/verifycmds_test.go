package commands

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/verify"
)

// verifyFixture is the synced sample account with caller verification;
// delivered keeps what would have been sent, ended what taps ended.
type verifyFixture struct {
	*reviewFixture
	svc         *verify.Service
	mu          sync.Mutex
	delivered   []verify.Verification
	ended       []verify.Verification
	unreachable map[string]bool
}

func newVerifyFixture(t *testing.T, allowed verify.Askers) *verifyFixture {
	t.Helper()
	f := &verifyFixture{reviewFixture: newReviewFixture(t), unreachable: map[string]bool{}}
	f.svc = &verify.Service{Store: f.store, Audit: f.store, Now: func() time.Time { return now }}
	f.deps.Verify, f.deps.VerifyAllowed = f.svc, allowed
	f.deps.VerifyDeliver = func(ctx context.Context, x verify.Verification) (verify.Verification, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.unreachable[x.Person] {
			return f.svc.Undeliverable(ctx, x.ID)
		}
		f.delivered = append(f.delivered, x)
		return x, nil
	}
	f.deps.VerifyEnded = func(_ context.Context, x verify.Verification) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.ended = append(f.ended, x)
	}
	var err error
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	return f
}

// acmeMeiV is the person the caller claims to be.
const acmeMeiV = "mei@acme.example"

// TestVerifyACaller: an agent's verify sends the prompt and shows the
// code; the person's right tap verifies, is redrawn without buttons and
// reaches the follow-up; a second tap changes nothing.
func TestVerifyACaller(t *testing.T) {
	f := newVerifyFixture(t, verify.Askers{})
	m := ask(f.router, acmePriya, "verify mei@acme.example ticket #4521 resetting MFA by phone")
	if len(f.delivered) != 1 || m.Visibility != bot.Ephemeral {
		t.Fatalf("verify: %+v (delivered %d)", m, len(f.delivered))
	}
	x := f.delivered[0]
	if x.Person != acmeMeiV || x.Asker != acmePriya || x.Ticket != 4521 || x.Reason != "resetting MFA by phone" {
		t.Errorf("verification = %+v", x)
	}
	if !strings.Contains(text(m), "Read them this code: *"+x.Code+"*") {
		t.Errorf("the reply does not show the code:\n%s", text(m))
	}
	if line := errorLine(t, click(f.router, acmePriya, prompts.ActionVerifyAnswers[0], prompts.VerifyValue(x.ID, x.Code))); !strings.Contains(line, "Only mei@acme.example, who was asked, can answer this") {
		t.Errorf("the asker tapping: %q", line)
	}
	got := click(f.router, acmeMeiV, prompts.ActionVerifyAnswers[0], prompts.VerifyValue(x.ID, x.Code))
	if got.Delivery != bot.ReplaceOriginal || len(got.Buttons) != 0 || !strings.Contains(text(got), "✅ Confirmed") {
		t.Fatalf("after the tap: %+v", got)
	}
	if len(f.ended) != 1 || f.ended[0].State != verify.Verified {
		t.Errorf("ended = %+v", f.ended)
	}
	again := click(f.router, acmeMeiV, prompts.ActionVerifyAnswers[0], prompts.VerifyValue(x.ID, verify.NotMe))
	if !strings.Contains(text(again), "✅ Confirmed") || len(f.ended) != 1 {
		t.Errorf("a second tap: %s (ended %d)", text(again), len(f.ended))
	}
	show := ask(f.router, acmePriya, "verify show "+strings.ToLower(x.ID))
	if !strings.Contains(text(show), "verified at") {
		t.Errorf("verify show:\n%s", text(show))
	}
	if line := errorLine(t, ask(f.router, "jonas@acme.example", "verify show "+x.ID)); !strings.Contains(line, "No verification "+x.ID+" of yours") {
		t.Errorf("someone else's show: %q", line)
	}
	if l := ask(f.router, acmeAdmin, "verify list"); !strings.Contains(text(l), "asked by priya@acme.example") {
		t.Errorf("an admin's list:\n%s", text(l))
	}
	if l := ask(f.router, acmePriya, "verify list"); !strings.HasPrefix(l.Headline, "Your verifications: 1") {
		t.Errorf("the asker's list: %s", l.Headline)
	}
}

func TestVerifyRefusals(t *testing.T) {
	f := newVerifyFixture(t, verify.Askers{})
	f.unreachable["jonas@acme.example"] = true
	tests := []struct{ name, who, text, want string }{
		{"no one named", acmePriya, "verify", "name the person to verify"},
		{"not an email", acmePriya, "verify mei", `"mei" is not an email address`},
		{"a mention not resolved", acmePriya, "verify @mei", "I could not tell who @mei is; name them by email"},
		{"yourself", acmePriya, "verify Priya@acme.example", "you cannot verify yourself"},
		{"a bad ticket", acmePriya, "verify mei@acme.example ticket abc", `a ticket is a number such as 4521, got "abc"`},
		{"a long reason", acmePriya, "verify mei@acme.example " + strings.Repeat("word ", 50), "keep the reason under 200 characters"},
		{"not an agent", "someone@elsewhere.example", "verify mei@acme.example", "Verifying callers is for Zendesk agents and admins"},
		{"an unknown id", acmePriya, "verify show V-AAAAAA", "No verification V-AAAAAA of yours"},
		{"a tampered tap", acmeMeiV, "", "That button does not name a verification"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ask(f.router, tt.who, tt.text)
			if tt.text == "" {
				m = click(f.router, tt.who, prompts.ActionVerifyAnswers[0], "V-AAAAAA:4")
			}
			line := errorLine(t, m)
			if !strings.Contains(line, tt.want) {
				t.Errorf("reply %q, want it to say %q", line, tt.want)
			}
			if !strings.Contains(line, "e.g.") && strings.HasPrefix(tt.text, "verify mei") && tt.name != "not an agent" {
				t.Errorf("no example in %q", line)
			}
		})
	}
	if m := ask(f.router, acmePriya, "verify jonas@acme.example"); !strings.Contains(text(m), "has no Slack or Teams account I can message") {
		t.Errorf("an unreachable person: %s", text(m))
	}
	if len(f.delivered) != 0 {
		t.Errorf("refusals delivered %d prompts", len(f.delivered))
	}
}

// Limits are answered with when they reset.
func TestVerifyLimits(t *testing.T) {
	f := newVerifyFixture(t, verify.Askers{})
	f.svc.Policy.PerPerson = 1
	ask(f.router, acmePriya, "verify mei@acme.example")
	line := errorLine(t, ask(f.router, acmePriya, "verify mei@acme.example"))
	if !strings.Contains(line, "mei@acme.example has been asked 1 times in the last hour, the most allowed; ask again after ") {
		t.Errorf("past the limit: %q", line)
	}
}

// verify.allowed can name people by email and leave agents out.
func TestVerifyAllowed(t *testing.T) {
	f := newVerifyFixture(t, verify.Askers{Admins: true, People: []string{"lee@acme.example"}})
	if line := errorLine(t, ask(f.router, acmePriya, "verify mei@acme.example")); !strings.Contains(line, "policy verify.allowed") {
		t.Errorf("an agent when only admins and lee may: %q", line)
	}
	for _, who := range []string{acmeAdmin, "lee@acme.example"} {
		if m := ask(f.router, who, "verify mei@acme.example"); !strings.Contains(text(m), "Read them this code") {
			t.Errorf("%s: %s", who, text(m))
		}
	}
}
