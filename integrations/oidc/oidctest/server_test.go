package oidctest

import (
	"context"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"
)

func TestDiscovery(t *testing.T) {
	s := newTestServer(t, WithACRValues("urn:example:mfa"))
	if strings.HasSuffix(s.URL, "/") || s.Issuer() != s.URL {
		t.Fatalf("issuer %q, URL %q", s.Issuer(), s.URL)
	}
	res := get(t, s.URL+PathDiscovery)
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, Content-Type %q", res.status, res.header.Get("Content-Type"))
	}
	doc := res.json(t)
	tests := []struct {
		field string
		want  any
	}{
		{"issuer", s.URL},
		{"authorization_endpoint", s.URL + "/authorize"},
		{"token_endpoint", s.URL + "/token"},
		{"jwks_uri", s.URL + "/keys"},
		{"response_types_supported", []any{"code"}},
		{"subject_types_supported", []any{"public"}},
		{"id_token_signing_alg_values_supported", []any{"RS256"}},
		{"code_challenge_methods_supported", []any{"S256"}},
		{"token_endpoint_auth_methods_supported", []any{"client_secret_basic", "client_secret_post"}},
		{"acr_values_supported", []any{"urn:example:mfa"}},
		{"request_uri_parameter_supported", false},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, doc[tt.field]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.field, diff)
		}
	}
	for _, field := range []string{"scopes_supported", "claims_supported"} {
		if _, ok := doc[field].([]any); !ok {
			t.Errorf("%s = %v, want a list", field, doc[field])
		}
	}
	for _, claim := range []string{"sub", "email", "email_verified", "auth_time", "acr", "amr", "nonce"} {
		if !slices.Contains(doc["claims_supported"].([]any), any(claim)) {
			t.Errorf("claims_supported lacks %s", claim)
		}
	}

	// A stock relying party accepts the document.
	provider, err := oidc.NewProvider(context.Background(), s.URL)
	if err != nil {
		t.Fatal(err)
	}
	if ep := provider.Endpoint(); ep.AuthURL != s.URL+"/authorize" || ep.TokenURL != s.URL+"/token" {
		t.Errorf("endpoint %+v", ep)
	}
	if s.Requests(EndpointDiscovery) != 2 {
		t.Errorf("discovery requests = %d, want 2", s.Requests(EndpointDiscovery))
	}
}

func TestJWKS(t *testing.T) {
	s := newTestServer(t)
	res := get(t, s.URL+PathJWKS)
	if res.status != http.StatusOK {
		t.Fatalf("status %d", res.status)
	}
	keys, _ := res.json(t)["keys"].([]any)
	if len(keys) != 1 {
		t.Fatalf("keys = %v", keys)
	}
	k := keys[0].(map[string]any)
	for field, want := range map[string]string{"kty": "RSA", "alg": "RS256", "use": "sig", "e": "AQAB", "kid": s.KeyIDs()[0]} {
		if k[field] != want {
			t.Errorf("%s = %v, want %s", field, k[field], want)
		}
	}
	n, err := base64.RawURLEncoding.DecodeString(k["n"].(string))
	if err != nil || new(big.Int).SetBytes(n).BitLen() != 2048 {
		t.Errorf("n is not a 2048-bit base64url modulus: %v", err)
	}
}

func TestCodeFlow(t *testing.T) {
	stale := t0.Add(-2 * time.Hour)
	tests := []struct {
		name   string
		login  Login
		change func(url.Values) // to the authorization request
		auth   clientAuth
		// what the ID token must say
		wantSub      string
		wantEmail    string
		wantAuthTime time.Time
		wantACR      string
		wantAMR      []string
	}{
		{
			name:         "basic client auth, defaults",
			login:        Login{Email: "dana@acme.example"},
			auth:         basicAuth,
			wantSub:      subjectFor("dana@acme.example"),
			wantEmail:    "dana@acme.example",
			wantAuthTime: t0,
		},
		{
			name:         "post client auth, scripted subject and mfa",
			login:        Login{Email: "priya@acme.example", Subject: "00u1priya", ACR: "phr", AMR: []string{"pwd", "hwk"}},
			auth:         postAuth,
			wantSub:      "00u1priya",
			wantEmail:    "priya@acme.example",
			wantAuthTime: t0,
			wantACR:      "phr",
			wantAMR:      []string{"pwd", "hwk"},
		},
		{
			name:  "prompt=login and max_age: a stale auth_time is reported as is",
			login: Login{Email: "dana@acme.example", AuthTime: stale},
			change: func(v url.Values) {
				v.Set("prompt", "login")
				v.Set("max_age", "300")
				v.Set("acr_values", "phr")
			},
			auth:         basicAuth,
			wantSub:      subjectFor("dana@acme.example"),
			wantEmail:    "dana@acme.example",
			wantAuthTime: stale,
		},
		{
			name:         "no email scope, no email claim",
			login:        Login{Email: "dana@acme.example"},
			change:       func(v url.Values) { v.Set("scope", "openid") },
			auth:         basicAuth,
			wantSub:      subjectFor("dana@acme.example"),
			wantAuthTime: t0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			p := newPKCE()
			params := authRequest(p)
			if tt.change != nil {
				tt.change(params)
			}
			s.NextLogin(tt.login)

			res := authorize(t, s, params)
			if res.status != http.StatusFound {
				t.Fatalf("authorize: status %d, body %s", res.status, res.body)
			}
			back := res.location(t)
			if got := back.Scheme + "://" + back.Host + back.Path; got != callback {
				t.Fatalf("redirected to %s, want %s", got, callback)
			}
			q := back.Query()
			if q.Get("state") != params.Get("state") || q.Get("iss") != s.URL || q.Get("code") == "" || q.Has("error") {
				t.Fatalf("redirect query %v", q)
			}
			if diff := cmp.Diff([]url.Values{params}, s.Authorizations()); diff != "" {
				t.Errorf("recorded authorization (-want +got):\n%s", diff)
			}
			if s.PendingLogins() != 0 {
				t.Errorf("the scripted login was not taken")
			}

			s.Advance(5 * time.Second) // the browser comes back to the bot
			tok := exchange(t, s, codeGrant(q.Get("code"), p), tt.auth)
			if tok.status != http.StatusOK {
				t.Fatalf("token: status %d, body %s", tok.status, tok.body)
			}
			if cc := tok.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q", cc)
			}
			body := tok.json(t)
			if body["token_type"] != "Bearer" || body["access_token"] == "" || body["expires_in"] != float64(3600) {
				t.Errorf("token response %v", body)
			}

			idToken, err := verifierFor(t, s).Verify(context.Background(), body["id_token"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if err := idToken.VerifyAccessToken(body["access_token"].(string)); err != nil {
				t.Errorf("at_hash: %v", err)
			}
			var claims struct {
				Email         string   `json:"email"`
				EmailVerified *bool    `json:"email_verified"`
				AuthTime      int64    `json:"auth_time"`
				ACR           string   `json:"acr"`
				AMR           []string `json:"amr"`
			}
			if err := idToken.Claims(&claims); err != nil {
				t.Fatal(err)
			}
			iat := t0.Add(5 * time.Second)
			checks := []struct {
				what      string
				got, want any
			}{
				{"iss", idToken.Issuer, s.URL},
				{"sub", idToken.Subject, tt.wantSub},
				{"aud", idToken.Audience, []string{clientID}},
				{"nonce", idToken.Nonce, params.Get("nonce")},
				{"iat", idToken.IssuedAt.UTC(), iat},
				{"exp", idToken.Expiry.UTC(), iat.Add(10 * time.Minute)},
				{"auth_time", time.Unix(claims.AuthTime, 0).UTC(), tt.wantAuthTime},
				{"email", claims.Email, tt.wantEmail},
				{"email_verified", claims.EmailVerified != nil && *claims.EmailVerified, tt.wantEmail != ""},
				{"acr", claims.ACR, tt.wantACR},
				{"amr", claims.AMR, tt.wantAMR},
			}
			for _, c := range checks {
				if diff := cmp.Diff(c.want, c.got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", c.what, diff)
				}
			}
		})
	}
}

// TestOAuth2Client runs the flow the way the bot is likely to: x/oauth2
// for the requests, go-oidc for the token.
func TestOAuth2Client(t *testing.T) {
	s := newTestServer(t)
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	conf := oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		Endpoint:     provider.Endpoint(),
		RedirectURL:  callback,
		Scopes:       []string{oidc.ScopeOpenID, "email"},
	}
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		conf.Endpoint.AuthStyle = style
		verifier := oauth2.GenerateVerifier()
		s.NextLogin(Login{Email: "dana@acme.example", AMR: []string{"pwd", "otp"}})
		res := get(t, conf.AuthCodeURL("st4te", oidc.Nonce("n0nce"), oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "login")))
		q := res.location(t).Query()
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("auth style %d: %v", style, err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idToken, err := provider.Verifier(&oidc.Config{ClientID: clientID, Now: s.Now}).Verify(ctx, raw)
		if err != nil {
			t.Fatalf("auth style %d: %v", style, err)
		}
		if idToken.Nonce != "n0nce" || idToken.VerifyAccessToken(tok.AccessToken) != nil {
			t.Errorf("auth style %d: nonce %q", style, idToken.Nonce)
		}
	}
}

func TestKeyRotation(t *testing.T) {
	s := newTestServer(t)
	ctx := context.Background()
	before, _ := idTokenFor(t, s, Login{Email: "dana@acme.example"})
	longLived := verifierFor(t, s)
	if _, err := longLived.Verify(ctx, before); err != nil {
		t.Fatal(err)
	}
	oldKID := s.KeyIDs()[0]

	s.Rotate()
	after, _ := idTokenFor(t, s, Login{Email: "dana@acme.example"})
	if ids := s.KeyIDs(); len(ids) != 2 || ids[1] != oldKID {
		t.Fatalf("published kids %v, want the new one then %s", ids, oldKID)
	}
	steps := []struct {
		name     string
		verifier *oidc.IDTokenVerifier
		token    string
		wantOK   bool
	}{
		// The long-lived verifier misses the new kid and fetches the JWKS.
		{"token from the new key", longLived, after, true},
		{"token from before, old key still published", verifierFor(t, s), before, true},
	}
	for _, st := range steps {
		if _, err := st.verifier.Verify(ctx, st.token); (err == nil) != st.wantOK {
			t.Errorf("%s: err = %v", st.name, err)
		}
	}

	s.DropOldKeys()
	if ids := s.KeyIDs(); len(ids) != 1 || ids[0] == oldKID {
		t.Fatalf("published kids %v after DropOldKeys", ids)
	}
	fresh := verifierFor(t, s)
	if _, err := fresh.Verify(ctx, before); err == nil {
		t.Error("a token signed by a dropped key still verifies")
	}
	if _, err := fresh.Verify(ctx, after); err != nil {
		t.Errorf("the current key's token: %v", err)
	}
}
