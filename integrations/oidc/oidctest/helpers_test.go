package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

const (
	clientID     = "seatwarden"
	clientSecret = "s3cret"
	callback     = "https://bot.example/oidc/callback"
	otherID      = "other-app"
	otherSecret  = "other-s3cret"
	otherBack    = "https://other.example/callback"
)

// newTestServer starts an emulator frozen at t0 with two clients.
func newTestServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	base := []Option{
		WithClient(clientID, clientSecret, callback),
		WithClient(otherID, otherSecret, otherBack),
	}
	s := NewServer(append(base, opts...)...)
	s.SetNow(t0)
	t.Cleanup(s.Close)
	return s
}

// browser follows nothing and keeps no cookies: each redirect is looked at
// by hand, as the bot's callback would receive it.
var browser = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

// pkce is a verifier and its S256 challenge, computed here rather than by
// the package under test.
type pkce struct{ verifier, challenge string }

func newPKCE() pkce {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(v))
	return pkce{verifier: v, challenge: base64.RawURLEncoding.EncodeToString(sum[:])}
}

// authRequest is what a well-behaved relying party sends.
func authRequest(p pkce) url.Values {
	return url.Values{
		"client_id":             {clientID},
		"redirect_uri":          {callback},
		"response_type":         {"code"},
		"scope":                 {"openid email"},
		"state":                 {"state-" + rand.Text()},
		"nonce":                 {"nonce-" + rand.Text()},
		"code_challenge":        {p.challenge},
		"code_challenge_method": {"S256"},
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) location(t *testing.T) *url.URL {
	t.Helper()
	loc := r.header.Get("Location")
	if loc == "" {
		t.Fatalf("no Location; status %d, body %s", r.status, r.body)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

func send(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func get(t *testing.T, rawURL string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return send(t, req)
}

// authorize sends the browser to the authorization endpoint.
func authorize(t *testing.T, s *Server, params url.Values) response {
	t.Helper()
	return get(t, s.URL+PathAuthorize+"?"+params.Encode())
}

// How a token request authenticates the client.
type clientAuth struct {
	style  string // "basic", "post" or "none"
	id     string
	secret string
}

var (
	basicAuth = clientAuth{"basic", clientID, clientSecret}
	postAuth  = clientAuth{"post", clientID, clientSecret}
)

// exchange posts a token request.
func exchange(t *testing.T, s *Server, form url.Values, auth clientAuth) response {
	t.Helper()
	form = cloneValues(form)
	if auth.style == "post" {
		form.Set("client_id", auth.id)
		form.Set("client_secret", auth.secret)
	}
	req, err := http.NewRequest(http.MethodPost, s.URL+PathToken, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth.style == "basic" {
		req.SetBasicAuth(url.QueryEscape(auth.id), url.QueryEscape(auth.secret))
	}
	return send(t, req)
}

// codeGrant is the token request for a code got with p.
func codeGrant(code string, p pkce) url.Values {
	return url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {callback},
		"code_verifier": {p.verifier},
	}
}

// codeFor signs login in and returns the code, the PKCE pair and the
// authorization request.
func codeFor(t *testing.T, s *Server, login Login) (string, pkce, url.Values) {
	t.Helper()
	p := newPKCE()
	params := authRequest(p)
	s.NextLogin(login)
	res := authorize(t, s, params)
	if res.status != http.StatusFound {
		t.Fatalf("authorize: status %d, body %s", res.status, res.body)
	}
	q := res.location(t).Query()
	if q.Get("code") == "" {
		t.Fatalf("authorize: no code in %s", res.header.Get("Location"))
	}
	return q.Get("code"), p, params
}

// idTokenFor runs the whole flow for login and returns the raw ID token
// and the nonce sent.
func idTokenFor(t *testing.T, s *Server, login Login) (string, string) {
	t.Helper()
	code, p, params := codeFor(t, s, login)
	res := exchange(t, s, codeGrant(code, p), basicAuth)
	if res.status != http.StatusOK {
		t.Fatalf("token: status %d, body %s", res.status, res.body)
	}
	raw, _ := res.json(t)["id_token"].(string)
	if raw == "" {
		t.Fatalf("token: no id_token in %s", res.body)
	}
	return raw, params.Get("nonce")
}

// verifierFor discovers s afresh, as a relying party starting up would,
// so it holds no cached keys.
func verifierFor(t *testing.T, s *Server) *oidc.IDTokenVerifier {
	t.Helper()
	provider, err := oidc.NewProvider(context.Background(), s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return provider.Verifier(&oidc.Config{ClientID: clientID, Now: s.Now})
}
