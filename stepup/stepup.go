// Package stepup is step-up re-authentication: before a high-risk
// decision counts, the person making it signs in again at the company's
// OpenID Connect provider, proving it is them at that moment and not
// whoever holds their unlocked chat session.
//
// A challenge is one such proof for one decision: a one-time link for one
// person that expires in minutes, with the OAuth state, nonce and PKCE
// verifier of its sign-in. The package keeps challenges and judges the
// provider's answer; the HTTP pages and the OIDC exchange are the caller's.
package stepup

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/store"
)

// Action is the decision a challenge guards, carried out once the person
// has signed in again: its kind ("approve") and what it is about.
type Action struct {
	Kind   string `json:"kind"`
	Target string `json:"target"`
	// Title says what it is, for the pages.
	Title string `json:"title,omitempty"`
}

// Challenge is one step-up for one person and one action.
type Challenge struct {
	ID     string `json:"id"`
	Who    string `json:"who"`
	Action Action `json:"action"`
	// State, Nonce and Verifier are the sign-in's: the OAuth state ties
	// the provider's answer to this challenge, the nonce ties the ID token
	// to this sign-in, and the PKCE verifier ties the code exchange to the
	// browser that started it.
	State     string    `json:"state"`
	Nonce     string    `json:"nonce"`
	Verifier  string    `json:"verifier"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// OpenedAt is when the link was opened; a link works once.
	OpenedAt time.Time `json:"opened_at,omitzero"`
	// DoneAt is when the sign-in was accepted; Refused says why it was not.
	DoneAt  time.Time `json:"done_at,omitzero"`
	Refused string    `json:"refused,omitempty"`

	Version int64 `json:"-"`
}

// Done reports whether the sign-in was accepted.
func (c Challenge) Done() bool { return !c.DoneAt.IsZero() }

// CodeChallenge is the PKCE S256 challenge of the verifier.
func (c Challenge) CodeChallenge() string {
	sum := sha256.Sum256([]byte(c.Verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Claims are what the provider's verified ID token says of the sign-in.
type Claims struct {
	Email    string
	Nonce    string
	AuthTime time.Time
	ACR      string
	AMR      []string
}

// Policy is how fresh and how strong a sign-in must be.
type Policy struct {
	// TTL is how long a link works; default 5 minutes.
	TTL time.Duration
	// MaxAge is how long before the answer the sign-in may have happened;
	// default 2 minutes.
	MaxAge time.Duration
	// ACR, when set, is the acr the token must carry; "mfa" accepts any
	// token whose amr shows a second factor instead.
	ACR string
}

// Defaults.
const (
	DefaultTTL    = 5 * time.Minute
	DefaultMaxAge = 2 * time.Minute
	// clockSkew is how far the provider's clock may be ahead of ours.
	clockSkew = 30 * time.Second
)

func (p Policy) withDefaults() Policy {
	if p.TTL <= 0 {
		p.TTL = DefaultTTL
	}
	if p.MaxAge <= 0 {
		p.MaxAge = DefaultMaxAge
	}
	return p
}

// multiFactor are the amr values (RFC 8176) that show a second factor.
var multiFactor = []string{"mfa", "otp", "hwk", "swk", "sms", "fido", "face", "fpt", "iris", "retina", "vbm", "sc", "pin"}

// Service keeps challenges in the store.
type Service struct {
	Store  store.Store
	Audit  store.Audit
	Policy Policy
	Now    func() time.Time
	Logger *slog.Logger
}

// Refusal is why a link or a sign-in was not accepted, worded for the
// page that says so.
type Refusal struct{ Why string }

func (r *Refusal) Error() string { return "step-up refused: " + r.Why }

// ErrNotFound: no challenge has that link or state.
var ErrNotFound = errors.New("stepup: no such challenge")

const (
	kindChallenge = "stepup"
	kindState     = "stepup-state"
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// token is 32 random bytes, URL-safe: unguessable ids, states, nonces
// and verifiers (a PKCE verifier is 43 to 128 of these characters).
func token() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// Begin records a challenge for who to prove themself before action.
func (s *Service) Begin(ctx context.Context, who string, a Action) (Challenge, error) {
	email, err := people.ParseEmail(who)
	if err != nil {
		return Challenge{}, &Refusal{"your chat profile has no email address, so the sign-in cannot be matched to you"}
	}
	now, p := s.now(), s.Policy.withDefaults()
	c := Challenge{ID: token(), Who: email, Action: a, State: token(), Nonce: token(), Verifier: token(),
		CreatedAt: now, ExpiresAt: now.Add(p.TTL)}
	data, err := json.Marshal(c)
	if err != nil {
		return Challenge{}, err
	}
	// The state names the challenge for the callback; both expire with it.
	if _, err := s.Store.CreateRecord(ctx, kindState, c.State, []byte(c.ID)); err != nil {
		return Challenge{}, err
	}
	rec, err := s.Store.CreateRecord(ctx, kindChallenge, c.ID, data)
	if err != nil {
		return Challenge{}, err
	}
	c.Version = rec.Version
	s.audit(ctx, email, "stepup.started", c, nil)
	return c, nil
}

// Open takes the link for the browser that opened it: a link works once,
// until it expires. Who opened it is the sign-in's to prove.
func (s *Service) Open(ctx context.Context, id string) (Challenge, error) {
	now := s.now()
	return s.update(ctx, id, func(c *Challenge) error {
		switch {
		case c.Done():
			return &Refusal{"this link was used already; the decision it was for is recorded"}
		case c.Refused != "":
			return &Refusal{"this link was refused: " + c.Refused + ". Click the button in chat again for a new one"}
		case !c.OpenedAt.IsZero():
			return &Refusal{"this link was opened already, and works once. Click the button in chat again for a new one"}
		case !now.Before(c.ExpiresAt):
			return &Refusal{"this link has expired; links work for a few minutes. Click the button in chat again for a new one"}
		}
		c.OpenedAt = now
		return nil
	})
}

// Complete judges the provider's verified answer for the challenge its
// state named (ByState): it must come
// for an opened, unexpired challenge, name its person, carry its nonce,
// be a fresh sign-in and, when the policy says, a multi-factor one. Only
// then is the challenge done, once; the caller carries out its action.
func (s *Service) Complete(ctx context.Context, found Challenge, cl Claims) (Challenge, error) {
	now, p := s.now(), s.Policy.withDefaults()
	var why string
	c, err := s.update(ctx, found.ID, func(c *Challenge) error {
		switch {
		case c.Done():
			return &Refusal{"this sign-in was used already"}
		case c.Refused != "":
			return &Refusal{"this step-up was refused already: " + c.Refused}
		case c.OpenedAt.IsZero():
			return &Refusal{"this sign-in did not start from seatwarden's link"}
		case !now.Before(c.ExpiresAt.Add(p.MaxAge)):
			// The sign-in may take a minute past the link's own TTL.
			why = "the step-up expired before the sign-in came back"
		case !people.Same(cl.Email, c.Who):
			why = fmt.Sprintf("the sign-in was as %s, not %s, who clicked", cl.Email, c.Who)
		case cl.Nonce != c.Nonce:
			why = "the ID token's nonce does not match this sign-in"
		case cl.AuthTime.IsZero() || now.Sub(cl.AuthTime) > p.MaxAge || cl.AuthTime.After(now.Add(clockSkew)):
			why = fmt.Sprintf("the provider did not ask for the password just now (signed in at %s); a step-up needs a fresh sign-in", cl.AuthTime.Format(time.RFC3339))
		case p.ACR != "" && !strong(p.ACR, cl):
			why = "the sign-in did not use a second factor, which the policy requires"
		}
		if why != "" {
			c.Refused = why
			return nil
		}
		c.DoneAt = now
		return nil
	})
	if err != nil {
		return c, err
	}
	if why != "" {
		s.audit(ctx, c.Who, "stepup.refused", c, map[string]string{"why": why, "signed_in_as": cl.Email})
		return c, &Refusal{why}
	}
	s.audit(ctx, c.Who, "stepup.done", c, map[string]string{"auth_time": cl.AuthTime.Format(time.RFC3339), "acr": cl.ACR})
	return c, nil
}

// strong reports whether the sign-in meets the policy's acr: that exact
// acr, or for "mfa" any second factor in the amr.
func strong(acr string, cl Claims) bool {
	if acr == "mfa" {
		return slices.ContainsFunc(cl.AMR, func(m string) bool { return slices.Contains(multiFactor, m) }) || cl.ACR == acr
	}
	return cl.ACR == acr
}

// ByState returns the challenge a sign-in's state names.
func (s *Service) ByState(ctx context.Context, state string) (Challenge, error) {
	rec, err := s.Store.GetRecord(ctx, kindState, state)
	if errors.Is(err, store.ErrNotFound) {
		return Challenge{}, &Refusal{"this sign-in does not answer any step-up seatwarden started (the state does not match); start again from the button in chat"}
	}
	if err != nil {
		return Challenge{}, err
	}
	return s.Get(ctx, string(rec.Data))
}

// Get returns one challenge.
func (s *Service) Get(ctx context.Context, id string) (Challenge, error) {
	rec, err := s.Store.GetRecord(ctx, kindChallenge, id)
	if errors.Is(err, store.ErrNotFound) {
		return Challenge{}, ErrNotFound
	}
	if err != nil {
		return Challenge{}, err
	}
	return decode(rec)
}

func decode(rec store.Record) (Challenge, error) {
	var c Challenge
	if err := json.Unmarshal(rec.Data, &c); err != nil {
		return Challenge{}, fmt.Errorf("stepup: unreadable challenge: %w", err)
	}
	c.Version = rec.Version
	return c, nil
}

func (s *Service) update(ctx context.Context, id string, change func(*Challenge) error) (Challenge, error) {
	var out Challenge
	rec, err := store.UpdateRecord(ctx, s.Store, kindChallenge, id, func(cur store.Record) ([]byte, error) {
		c, err := decode(cur)
		if err != nil {
			return nil, err
		}
		out = c
		if err := change(&c); err != nil {
			return nil, err
		}
		out = c
		return json.Marshal(c)
	})
	if errors.Is(err, store.ErrNotFound) {
		return Challenge{}, &Refusal{"this link is not one seatwarden made, or it is gone; click the button in chat again for a new one"}
	}
	if err != nil {
		return out, err
	}
	out.Version = rec.Version
	return out, nil
}

func (s *Service) audit(ctx context.Context, actor, action string, c Challenge, detail map[string]string) {
	if s.Audit == nil {
		return
	}
	if detail == nil {
		detail = map[string]string{}
	}
	detail["for"] = c.Action.Kind + " " + c.Action.Target
	store.RecordAudit(ctx, s.Audit, s.log(), store.AuditEntry{Actor: actor, Action: action, Subject: "stepup:" + c.Action.Target, Detail: detail})
}
