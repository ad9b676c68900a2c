package oidctest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// TestTamperedTokens checks that each bad token is one a correct relying
// party refuses: go-oidc for what it verifies, the nonce by comparing it
// with the one sent, as the relying party must.
func TestTamperedTokens(t *testing.T) {
	tests := []struct {
		name    string
		opts    []Option
		prepare func(*Server)
		wantErr string // in go-oidc's error; "" when Verify passes
		check   func(t *testing.T, tok *oidc.IDToken, nonce string)
	}{
		{
			name:    "another audience",
			prepare: tamper(func(c *Claims) { c.Audience = []string{otherID} }),
			wantErr: "expected audience",
		},
		{
			name:    "another issuer",
			prepare: tamper(func(c *Claims) { c.Issuer = "https://login.evil.example" }),
			wantErr: "issued by a different provider",
		},
		{
			name:    "issuer claimed by WithIssuer",
			opts:    []Option{WithIssuer("https://login.evil.example")},
			wantErr: "issued by a different provider",
		},
		{
			name:    "expired",
			prepare: tamper(func(c *Claims) { c.Expiry = c.IssuedAt.Add(-time.Second) }),
			wantErr: "token is expired",
		},
		{
			name:    "exp of the wrong type",
			prepare: tamper(func(c *Claims) { c.Extra = map[string]any{"exp": "tomorrow"} }),
			wantErr: "failed to unmarshal claims",
		},
		{
			name:    "signed by a key not in the JWKS",
			prepare: func(s *Server) { s.SignNextWithUnknownKey() },
			wantErr: "failed to verify id token signature",
		},
		{
			name:    "another nonce",
			prepare: tamper(func(c *Claims) { c.Nonce = "replayed-nonce" }),
			check: func(t *testing.T, tok *oidc.IDToken, nonce string) {
				if tok.Nonce == nonce {
					t.Errorf("nonce %q was not changed", tok.Nonce)
				}
			},
		},
		{
			name:    "email not verified",
			prepare: tamper(func(c *Claims) { c.EmailVerified = false }),
			check: func(t *testing.T, tok *oidc.IDToken, _ string) {
				var claims struct {
					Verified *bool `json:"email_verified"`
				}
				if err := tok.Claims(&claims); err != nil || claims.Verified == nil || *claims.Verified {
					t.Errorf("email_verified = %v (%v), want false", claims.Verified, err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, tt.opts...)
			if tt.prepare != nil {
				tt.prepare(s)
			}
			raw, nonce := idTokenFor(t, s, Login{Email: "dana@acme.example"})
			v := verifierFor(t, s)
			tok, err := v.Verify(context.Background(), raw)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Verify: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Verify: %v, want an error with %q", err, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, tok, nonce)
			}

			// Only the tampered token is bad: with the tamper gone the
			// next one verifies.
			s.SetTokenTamper(nil)
			if len(tt.opts) == 0 {
				raw, _ = idTokenFor(t, s, Login{Email: "dana@acme.example"})
				if _, err := v.Verify(context.Background(), raw); err != nil {
					t.Errorf("the next token: %v", err)
				}
			}
		})
	}
}

func tamper(fn func(*Claims)) func(*Server) {
	return func(s *Server) { s.SetTokenTamper(fn) }
}

// TestExpiredByTheClock: an untampered token expires by the emulator
// clock a verifier shares.
func TestExpiredByTheClock(t *testing.T) {
	s := newTestServer(t)
	raw, _ := idTokenFor(t, s, Login{Email: "dana@acme.example"})
	v := verifierFor(t, s)
	s.Advance(IDTokenLifetime + time.Second)
	var expired *oidc.TokenExpiredError
	if _, err := v.Verify(context.Background(), raw); !errors.As(err, &expired) {
		t.Errorf("Verify after exp: %v, want a TokenExpiredError", err)
	}
}
