package stepup_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/internal/emuclock"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/stepup"
)

const dana = "dana@acme.example"

var start = time.Date(2026, 12, 7, 10, 40, 0, 0, time.UTC)

func newService(t *testing.T, p stepup.Policy) (*stepup.Service, *emuclock.Clock) {
	clock := &emuclock.Clock{}
	clock.SetNow(start)
	st := teststores.Bolt(t, nil)
	return &stepup.Service{Store: st, Audit: st, Policy: p, Now: clock.Now}, clock
}

var approve = stepup.Action{Kind: "approve", Target: "REQ-7KQ2MX", Title: "Access as admin for 2 hours"}

func TestLinkWorksOnce(t *testing.T) {
	svc, clock := newService(t, stepup.Policy{})
	ctx := t.Context()
	c, err := svc.Begin(ctx, "Dana@acme.example", approve)
	if err != nil {
		t.Fatal(err)
	}
	if c.Who != dana || len(c.ID) < 40 || c.State == c.Nonce || len(c.Verifier) < 43 || len(c.CodeChallenge()) != 43 {
		t.Fatalf("challenge = %+v", c)
	}
	if _, err := svc.Open(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	var r *stepup.Refusal
	if _, err := svc.Open(ctx, c.ID); !errors.As(err, &r) || !strings.Contains(r.Why, "works once") {
		t.Errorf("a second open: %v", err)
	}
	late, _ := svc.Begin(ctx, dana, approve)
	clock.Advance(5 * time.Minute)
	if _, err := svc.Open(ctx, late.ID); !errors.As(err, &r) || !strings.Contains(r.Why, "expired") {
		t.Errorf("an expired link: %v", err)
	}
	if _, err := svc.Open(ctx, "not-a-link"); !errors.As(err, &r) {
		t.Errorf("an unknown link: %v", err)
	}
}

func TestComplete(t *testing.T) {
	tests := []struct {
		name   string
		policy stepup.Policy
		claims func(c stepup.Challenge, now time.Time) stepup.Claims
		opened bool
		state  func(c stepup.Challenge) string
		want   string // "" for accepted
	}{
		{"a fresh sign-in by the approver", stepup.Policy{}, fresh, true, nil, ""},
		{"someone else signed in", stepup.Policy{}, func(c stepup.Challenge, now time.Time) stepup.Claims {
			cl := fresh(c, now)
			cl.Email = "omar@acme.example"
			return cl
		}, true, nil, "the sign-in was as omar@acme.example, not dana@acme.example"},
		{"a nonce from another sign-in", stepup.Policy{}, func(c stepup.Challenge, now time.Time) stepup.Claims {
			cl := fresh(c, now)
			cl.Nonce = "x"
			return cl
		}, true, nil, "nonce does not match"},
		{"a stale sign-in", stepup.Policy{}, func(c stepup.Challenge, now time.Time) stepup.Claims {
			cl := fresh(c, now)
			cl.AuthTime = now.Add(-3 * time.Minute)
			return cl
		}, true, nil, "did not ask for the password just now"},
		{"no second factor when the policy wants one", stepup.Policy{ACR: "mfa"}, fresh, true, nil, "did not use a second factor"},
		{"a second factor", stepup.Policy{ACR: "mfa"}, func(c stepup.Challenge, now time.Time) stepup.Claims {
			cl := fresh(c, now)
			cl.AMR = []string{"pwd", "otp"}
			return cl
		}, true, nil, ""},
		{"an exact acr", stepup.Policy{ACR: "urn:acme:loa:3"}, func(c stepup.Challenge, now time.Time) stepup.Claims {
			cl := fresh(c, now)
			cl.ACR = "urn:acme:loa:3"
			return cl
		}, true, nil, ""},
		{"a link never opened", stepup.Policy{}, fresh, false, nil, "did not start from seatwarden's link"},
		{"a forged state", stepup.Policy{}, fresh, true, func(stepup.Challenge) string { return "forged" }, "the state does not match"},
		{"a swapped state", stepup.Policy{}, fresh, true, func(c stepup.Challenge) string { return c.Nonce }, "the state does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc, clock := newService(t, tt.policy)
			ctx := t.Context()
			c, err := svc.Begin(ctx, dana, approve)
			if err != nil {
				t.Fatal(err)
			}
			if tt.opened {
				if _, err := svc.Open(ctx, c.ID); err != nil {
					t.Fatal(err)
				}
			}
			clock.Advance(20 * time.Second)
			state := c.State
			if tt.state != nil {
				state = tt.state(c)
			}
			got, err := complete(ctx, svc, state, tt.claims(c, clock.Now()))
			if tt.want == "" {
				if err != nil || !got.Done() {
					t.Fatalf("Complete = %+v, %v; want accepted", got, err)
				}
				var r *stepup.Refusal
				if _, err := complete(ctx, svc, state, tt.claims(c, clock.Now())); !errors.As(err, &r) || !strings.Contains(r.Why, "used already") {
					t.Errorf("a replayed answer: %v", err)
				}
				return
			}
			var r *stepup.Refusal
			if !errors.As(err, &r) || !strings.Contains(r.Why, tt.want) || got.Done() {
				t.Errorf("Complete = %+v, %v; want refused with %q", got, err, tt.want)
			}
		})
	}
}

func fresh(c stepup.Challenge, now time.Time) stepup.Claims {
	return stepup.Claims{Email: c.Who, Nonce: c.Nonce, AuthTime: now.Add(-10 * time.Second)}
}

// complete answers a sign-in as the callback does: the challenge its state
// names, then the judgement.
func complete(ctx context.Context, svc *stepup.Service, state string, cl stepup.Claims) (stepup.Challenge, error) {
	c, err := svc.ByState(ctx, state)
	if err != nil {
		return c, err
	}
	return svc.Complete(ctx, c, cl)
}
