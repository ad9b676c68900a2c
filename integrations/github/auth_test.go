package github_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
)

func TestAppAuthSignsAGitHubJWT(t *testing.T) {
	tests := []struct {
		name    string
		app     github.App
		wantIss string
	}{
		{"client ID as issuer", sampleApp(), githubtest.SeatwardenClientID},
		{"app ID as issuer", github.App{AppID: githubtest.SeatwardenAppID, InstallationID: githubtest.SeatwardenInstallationID, PrivateKey: appKey()},
			strconv.FormatInt(githubtest.SeatwardenAppID, 10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			rec, useRec := h.recording()
			c := h.client(t, github.AppAuth(tt.app), useRec)
			if !c.IsApp() {
				t.Error("IsApp = false for App auth")
			}
			if _, err := c.Installations(t.Context()); err != nil {
				t.Fatal(err)
			}
			reqs := rec.requests()
			if len(reqs) != 2 || !strings.HasSuffix(reqs[0].URL.Path, "/app/installations/55000001/access_tokens") {
				t.Fatalf("requests: %d, first %s", len(reqs), reqs[0].URL.Path)
			}
			raw := strings.TrimPrefix(reqs[0].Header.Get("Authorization"), "Bearer ")
			var claims jwt.RegisteredClaims
			tok, err := jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return &appKey().PublicKey, nil },
				jwt.WithTimeFunc(h.clock.Now))
			if err != nil || tok.Method.Alg() != "RS256" {
				t.Fatalf("JWT: %v (alg %v)", err, tok.Method)
			}
			if claims.Issuer != tt.wantIss {
				t.Errorf("iss = %q, want %q", claims.Issuer, tt.wantIss)
			}
			if got := claims.IssuedAt.Time; !got.Equal(t0.Add(-60 * time.Second)) {
				t.Errorf("iat = %s, want 60 s before now", got)
			}
			if exp := claims.ExpiresAt.Sub(t0); exp <= 0 || exp > 10*time.Minute {
				t.Errorf("exp is %s ahead, want at most 10 min", exp)
			}
			api := reqs[1].Header.Get("Authorization")
			if !strings.HasPrefix(api, "Bearer ghs_") {
				t.Errorf("API request is not authorized with the installation token")
			}
		})
	}
}

func TestInstallationTokenFetchedOnceForConcurrentCalls(t *testing.T) {
	h := sampleHarness(t)
	c := h.app(t)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			if _, err := c.Members(t.Context(), ""); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := h.srv.Requests(githubtest.EndpointAppToken); n != 1 {
		t.Errorf("%d token fetches, want 1", n)
	}
	if n := h.srv.Requests(githubtest.EndpointMembers); n != 32 {
		t.Errorf("%d member requests, want 32", n)
	}
}

func TestInstallationTokenRenewal(t *testing.T) {
	tests := []struct {
		name        string
		between     func(h *harness)
		wantFetches int
		wantOrgReqs int
	}{
		{"still fresh", func(h *harness) { h.clock.Advance(50 * time.Minute) }, 1, 2},
		{"shortly before expiry", func(h *harness) { h.clock.Advance(56 * time.Minute) }, 2, 2},
		{"after expiry", func(h *harness) { h.clock.Advance(2 * time.Hour) }, 2, 2},
		// GitHub revoked it: one 401, a new token, the retry succeeds.
		{"revoked", func(h *harness) { h.srv.RevokeInstallationTokens() }, 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			c := h.app(t)
			if _, err := c.Org(t.Context()); err != nil {
				t.Fatal(err)
			}
			tt.between(h)
			if _, err := c.Org(t.Context()); err != nil {
				t.Fatal(err)
			}
			if n := h.srv.Requests(githubtest.EndpointAppToken); n != tt.wantFetches {
				t.Errorf("%d token fetches, want %d", n, tt.wantFetches)
			}
			if n := h.srv.Requests(githubtest.EndpointOrg); n != tt.wantOrgReqs {
				t.Errorf("%d org requests, want %d", n, tt.wantOrgReqs)
			}
		})
	}
}

func TestAppAuthFailures(t *testing.T) {
	tests := []struct {
		name     string
		app      github.App
		opts     []githubtest.Option
		want     error
		wantText string
	}{
		{"key GitHub does not know", github.App{ClientID: githubtest.SeatwardenClientID, InstallationID: githubtest.SeatwardenInstallationID, PrivateKey: otherKey()},
			nil, github.ErrUnauthorized, "JSON web token could not be decoded"},
		{"unknown app", github.App{ClientID: "Iv23liNobody", InstallationID: githubtest.SeatwardenInstallationID, PrivateKey: appKey()},
			nil, github.ErrUnauthorized, "Integration not found"},
		{"installation of another app", github.App{ClientID: githubtest.SeatwardenClientID, InstallationID: 55000002, PrivateKey: appKey()},
			nil, github.ErrNotFound, "installation 55000002"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t, tt.opts...)
			c := h.client(t, github.AppAuth(tt.app))
			_, err := c.Members(t.Context(), "")
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("error = %v, want %v containing %q", err, tt.want, tt.wantText)
			}
			if n := h.srv.Requests(githubtest.EndpointMembers); n != 0 {
				t.Errorf("%d member requests without a token", n)
			}
			if n := h.srv.Requests(githubtest.EndpointAppToken); n != 1 {
				t.Errorf("%d token requests; a refused JWT is not retried", n)
			}
		})
	}
}

func TestTokenExchangeRetriesServerErrors(t *testing.T) {
	h := sampleHarness(t)
	h.srv.InjectFault(githubtest.EndpointAppToken, githubtest.Fault{Kind: githubtest.FaultServerError, Times: 2})
	if _, err := h.app(t).Org(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := h.srv.Requests(githubtest.EndpointAppToken); n != 3 {
		t.Errorf("%d token requests, want 3", n)
	}
}

func TestFineGrainedTokenEndpointsNeedAnApp(t *testing.T) {
	h := sampleHarness(t)
	tokenClient := h.owner(t)
	if tokenClient.IsApp() {
		t.Fatal("IsApp = true for token auth")
	}
	_, listErr := tokenClient.FineGrainedTokens(t.Context())
	revokeErr := tokenClient.RevokeFineGrainedTokens(t.Context(), []int64{25381})
	for _, err := range []error{listErr, revokeErr} {
		if !errors.Is(err, github.ErrAppAuthRequired) || !errors.Is(err, github.ErrForbidden) ||
			!errors.Is(err, connector.ErrForbidden) || !strings.Contains(err.Error(), "GitHub App") {
			t.Errorf("error = %v, want ErrAppAuthRequired", err)
		}
	}
	if n := h.srv.TotalRequests(); n != 0 {
		t.Errorf("%d requests sent; the client must refuse without calling GitHub", n)
	}

	tokens, err := h.app(t).FineGrainedTokens(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(tokens) != 4 {
		t.Fatalf("app lists %d tokens, want 4", len(tokens))
	}
	byName := map[string]github.FineGrainedToken{}
	for _, tk := range tokens {
		byName[tk.TokenName] = tk
	}
	if tk := byName["release-bot"]; !tk.TokenExpired || tk.TokenExpiresAt == nil || tk.Owner.Login != "priya-n" {
		t.Errorf("expired token = %+v", tk)
	}
	if tk := byName["old-migration"]; tk.TokenExpiresAt != nil || tk.TokenLastUsedAt == nil ||
		t0.Sub(*tk.TokenLastUsedAt) < 199*24*time.Hour || tk.Permissions.Repository["contents"] != "read" {
		t.Errorf("stale token = %+v", tk)
	}
	if tk := byName["terraform-org-admin"]; tk.Permissions.Organization["members"] != "write" || tk.ID != 25381 {
		t.Errorf("org-admin token = %+v", tk)
	}
}

func pemOf(typ string, der []byte, headers map[string]string) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: der})
}

func TestParseAppPrivateKey(t *testing.T) {
	key := appKey()
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPKCS8, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := x509.MarshalPKCS1PrivateKey(key)
	pub := x509.MarshalPKCS1PublicKey(&key.PublicKey)

	tests := []struct {
		name    string
		pem     []byte
		wantErr string
	}{
		{"PKCS#1 as GitHub issues", pemOf("RSA PRIVATE KEY", pkcs1, nil), ""},
		{"PKCS#8", pemOf("PRIVATE KEY", pkcs8, nil), ""},
		{"with text around it", append(append([]byte("downloaded from GitHub\n"), pemOf("RSA PRIVATE KEY", pkcs1, nil)...), "\n"...), ""},
		{"not PEM", []byte("ghp_notakey"), "not PEM"},
		{"empty", nil, "not PEM"},
		{"base64 without armour", []byte("MIIEowIBAAKCAQEA"), "not PEM"},
		{"encrypted PKCS#8", pemOf("ENCRYPTED PRIVATE KEY", pkcs8, nil), "encrypted"},
		{"encrypted PKCS#1", pemOf("RSA PRIVATE KEY", pkcs1, map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00000000000000000000000000000000"}), "encrypted"},
		{"EC key in PKCS#8", pemOf("PRIVATE KEY", ecPKCS8, nil), "ECDSA key"},
		{"EC key", pemOf("EC PRIVATE KEY", ecDER, nil), `"EC PRIVATE KEY"`},
		{"public key", pemOf("RSA PUBLIC KEY", pub, nil), `"RSA PUBLIC KEY"`},
		{"OpenSSH key", pemOf("OPENSSH PRIVATE KEY", []byte("openssh-key-v1"), nil), `"OPENSSH PRIVATE KEY"`},
		{"truncated PKCS#1", pemOf("RSA PRIVATE KEY", pkcs1[:200], nil), "not a valid PKCS#1"},
		{"PKCS#1 bytes labelled PKCS#8", pemOf("PRIVATE KEY", pkcs1, nil), "not a valid PKCS#8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := github.ParseAppPrivateKey(tt.pem)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseAppPrivateKey: %v", err)
				}
				if !got.Equal(key) {
					t.Error("parsed a different key")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "MII") {
				t.Errorf("error quotes key material: %v", err)
			}
		})
	}
}
