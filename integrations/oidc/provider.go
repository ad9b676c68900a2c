// Package oidc is the company's OpenID Connect provider as seatwarden
// uses it: a relying party that asks for a fresh sign-in (step-up) and
// verifies the ID token that comes back, with coreos/go-oidc for the
// token's issuer, audience, signature (from the provider's published
// keys) and expiry, and x/oauth2 for the code exchange with PKCE.
package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/seatwarden/seatwarden/stepup"
)

// Config is the provider and this client's registration with it.
type Config struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is SEATWARDEN_PUBLIC_URL/stepup/callback, registered
	// with the provider.
	RedirectURL string
	// HTTPClient reaches the provider; nil means one with a 10 s timeout.
	HTTPClient *http.Client
}

// Provider asks for fresh sign-ins and verifies their answers. It reads
// the provider's discovery document on first use and again after a
// failure, so a provider that is down at startup does not stop the bot.
type Provider struct {
	cfg    Config
	client *http.Client

	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *gooidc.IDTokenVerifier
}

// New returns a provider; nothing is read until it is used (Discover
// reads the discovery document now, for startup and doctor).
func New(c Config) *Provider {
	client := c.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Provider{cfg: c, client: client}
}

// Discover reads the provider's discovery document. A provider that does
// not answer, or whose document names another issuer, is an error.
func (p *Provider) Discover(ctx context.Context) error {
	_, _, err := p.discovered(ctx)
	return err
}

func (p *Provider) discovered(ctx context.Context) (*oauth2.Config, *gooidc.IDTokenVerifier, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.oauth != nil {
		return p.oauth, p.verifier, nil
	}
	d, err := gooidc.NewProvider(gooidc.ClientContext(ctx, p.client), p.cfg.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("oidc: the provider's discovery document at %s/.well-known/openid-configuration: %w", strings.TrimRight(p.cfg.Issuer, "/"), err)
	}
	p.oauth = &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, RedirectURL: p.cfg.RedirectURL, Endpoint: d.Endpoint(),
		// email: the sign-in is matched to the approver by email.
		Scopes: []string{gooidc.ScopeOpenID, "email"}}
	p.verifier = d.Verifier(&gooidc.Config{ClientID: p.cfg.ClientID})
	return p.oauth, p.verifier, nil
}

// AuthURL is the authorization request of a fresh sign-in: prompt=login
// and max_age=0 ask the provider to check the password (and its second
// factor) now, whatever session the browser has.
func (p *Provider) AuthURL(ctx context.Context, state, nonce, codeChallenge string) (string, error) {
	oc, _, err := p.discovered(ctx)
	if err != nil {
		return "", err
	}
	return oc.AuthCodeURL(state, gooidc.Nonce(nonce),
		oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("max_age", "0"),
		oauth2.SetAuthURLParam("code_challenge", codeChallenge), oauth2.SetAuthURLParam("code_challenge_method", "S256")), nil
}

// ErrUnverified: the provider answered, but not with a token to trust.
var ErrUnverified = errors.New("oidc: the ID token was not verified")

// Exchange trades the code for tokens, with the PKCE verifier, and
// verifies the ID token: issuer, audience, signature and expiry here; the
// nonce, freshness and strength are the step-up's to judge.
func (p *Provider) Exchange(ctx context.Context, code, verifier string) (stepup.Claims, error) {
	oc, idv, err := p.discovered(ctx)
	if err != nil {
		return stepup.Claims{}, err
	}
	ctx = gooidc.ClientContext(ctx, p.client)
	tok, err := oc.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return stepup.Claims{}, fmt.Errorf("oidc: code exchange: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return stepup.Claims{}, fmt.Errorf("%w: the token response has no id_token", ErrUnverified)
	}
	idt, err := idv.Verify(ctx, raw)
	if err != nil {
		return stepup.Claims{}, fmt.Errorf("%w: %w", ErrUnverified, err)
	}
	var c struct {
		Email         string   `json:"email"`
		EmailVerified *bool    `json:"email_verified"`
		AuthTime      int64    `json:"auth_time"`
		ACR           string   `json:"acr"`
		AMR           []string `json:"amr"`
	}
	if err := idt.Claims(&c); err != nil {
		return stepup.Claims{}, fmt.Errorf("%w: its claims: %w", ErrUnverified, err)
	}
	if c.EmailVerified != nil && !*c.EmailVerified {
		// An address the provider has not verified names nobody.
		return stepup.Claims{}, fmt.Errorf("%w: the provider has not verified the email %s", ErrUnverified, c.Email)
	}
	out := stepup.Claims{Email: c.Email, Nonce: idt.Nonce, ACR: c.ACR, AMR: c.AMR}
	if c.AuthTime > 0 {
		out.AuthTime = time.Unix(c.AuthTime, 0).UTC()
	}
	return out, nil
}
