package github

import (
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Authenticator adds credentials to each attempt of a request. Build one
// with TokenAuth or AppAuth; tests may supply their own. Printing the
// built-in ones with any fmt verb never shows a secret.
type Authenticator interface {
	// Authorize sets the Authorization header on one attempt.
	Authorize(ctx context.Context, req *http.Request) error
	// Renew is called when GitHub answered 401 to req. It drops a cached
	// credential if req carried it and reports whether one retry with a
	// fresh credential could succeed.
	Renew(rejected *http.Request) bool
	// IsApp reports whether requests act as a GitHub App installation,
	// which some endpoints require.
	IsApp() bool
}

// binder is implemented by authenticators that need the client's
// transport (App auth fetches installation tokens through it).
type binder interface {
	bind(c *Client) (Authenticator, error)
}

const redacted = "[redacted]"

// TokenAuth authenticates with a personal access token (classic or
// fine-grained) or an OAuth token, sent as "Authorization: Bearer".
func TokenAuth(token string) Authenticator { return &tokenAuth{token: token} }

type tokenAuth struct{ token string }

func (a *tokenAuth) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "github.TokenAuth{token: %s}", redacted)
}

func (a *tokenAuth) bind(*Client) (Authenticator, error) {
	if a.token == "" {
		return nil, errors.New("github: TokenAuth: the token is empty")
	}
	return a, nil
}

func (a *tokenAuth) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+a.token)
	return nil
}

func (a *tokenAuth) Renew(*http.Request) bool { return false }
func (a *tokenAuth) IsApp() bool              { return false }

// App identifies a GitHub App installation.
type App struct {
	// ClientID ("Iv23…") or AppID names the app as the JWT's issuer.
	// GitHub recommends the client ID; AppID is used when it is empty.
	ClientID string
	AppID    int64
	// InstallationID is the app's installation on the organization.
	InstallationID int64
	// PrivateKey signs the JWTs; see ParseAppPrivateKey.
	PrivateKey *rsa.PrivateKey
}

// AppAuth authenticates as a GitHub App installation: it signs an RS256
// JWT with the app's key, exchanges it for an installation token, caches
// the token until shortly before it expires (one fetch shared by
// concurrent callers) and fetches a new one once when GitHub answers 401.
func AppAuth(app App) Authenticator { return &appAuth{app: app} }

// Timing of App credentials.
const (
	// jwtBackdate protects against clock drift, as GitHub recommends.
	jwtBackdate = 60 * time.Second
	// jwtLifetime keeps exp under GitHub's ten-minute maximum with a
	// minute to spare for drift.
	jwtLifetime = 9 * time.Minute
	// tokenRefreshMargin renews an installation token this long before it
	// expires, so a long call never carries an expired one.
	tokenRefreshMargin = 5 * time.Minute
)

type appAuth struct{ app App }

func (a *appAuth) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "github.AppAuth{client_id: %s, app_id: %d, installation_id: %d, private_key: %s}",
		a.app.ClientID, a.app.AppID, a.app.InstallationID, redacted)
}

func (a *appAuth) issuer() string {
	if a.app.ClientID != "" {
		return a.app.ClientID
	}
	return strconv.FormatInt(a.app.AppID, 10)
}

func (a *appAuth) bind(c *Client) (Authenticator, error) {
	switch {
	case a.app.ClientID == "" && a.app.AppID <= 0:
		return nil, errors.New("github: AppAuth needs the app's client ID or app ID")
	case a.app.InstallationID <= 0:
		return nil, errors.New("github: AppAuth needs the installation ID")
	case a.app.PrivateKey == nil:
		return nil, errors.New("github: AppAuth needs the app's private key")
	}
	if err := a.app.PrivateKey.Validate(); err != nil {
		return nil, errors.New("github: AppAuth: the private key is not a valid RSA key")
	}
	return &installationAuth{
		c:        c,
		app:      a,
		jwt:      &jwtAuth{app: a, now: c.now},
		fetching: make(chan struct{}, 1),
	}, nil
}

// The unbound value is never used to authorize: New binds it first.
func (a *appAuth) Authorize(context.Context, *http.Request) error {
	return errors.New("github: AppAuth must be passed to github.New")
}
func (a *appAuth) Renew(*http.Request) bool { return false }
func (a *appAuth) IsApp() bool              { return true }

// jwtAuth authenticates as the app itself, for the token exchange. Each
// attempt gets a fresh JWT, so a retry after a long wait is not refused
// for an expired one.
type jwtAuth struct {
	app *appAuth
	now func() time.Time
}

func (a *jwtAuth) Format(f fmt.State, _ rune) { fmt.Fprint(f, redacted) }

func (a *jwtAuth) Authorize(_ context.Context, req *http.Request) error {
	now := a.now()
	claims := jwt.RegisteredClaims{
		Issuer:    a.app.issuer(),
		IssuedAt:  jwt.NewNumericDate(now.Add(-jwtBackdate)),
		ExpiresAt: jwt.NewNumericDate(now.Add(jwtLifetime)),
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(a.app.app.PrivateKey)
	if err != nil {
		// The signer's errors do not carry key material, but say only
		// what failed.
		return errors.New("github: signing the GitHub App JWT failed")
	}
	req.Header.Set("Authorization", "Bearer "+signed)
	return nil
}

func (a *jwtAuth) Renew(*http.Request) bool { return false }
func (a *jwtAuth) IsApp() bool              { return true }

// installationAuth caches one installation token.
type installationAuth struct {
	c   *Client
	app *appAuth
	jwt *jwtAuth

	// fetching admits one token fetch at a time; waiting for it honours
	// the caller's context, which a mutex would not.
	fetching chan struct{}

	mu      sync.Mutex // guards token, expires, renewAt
	token   string
	expires time.Time
	renewAt time.Time
}

func (a *installationAuth) Format(f fmt.State, _ rune) { fmt.Fprint(f, a.app) }

func (a *installationAuth) IsApp() bool { return true }

func (a *installationAuth) cached(now time.Time) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" && now.Before(a.renewAt) {
		return a.token
	}
	return ""
}

func (a *installationAuth) Authorize(ctx context.Context, req *http.Request) error {
	tok, err := a.installationToken(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

func (a *installationAuth) installationToken(ctx context.Context) (string, error) {
	if tok := a.cached(a.c.now()); tok != "" {
		return tok, nil
	}
	select {
	case a.fetching <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("github: %s: %w", EndpointAppToken, ctx.Err())
	}
	defer func() { <-a.fetching }()
	// Another caller may have fetched while this one waited its turn.
	if tok := a.cached(a.c.now()); tok != "" {
		return tok, nil
	}
	tok, expires, err := a.fetch(ctx)
	if err != nil {
		return "", err
	}
	now := a.c.now()
	margin := min(tokenRefreshMargin, expires.Sub(now)/2)
	a.mu.Lock()
	a.token, a.expires, a.renewAt = tok, expires, expires.Add(-margin)
	a.mu.Unlock()
	return tok, nil
}

// fetch exchanges a JWT for an installation token. Its response body holds
// the token, so neither the body nor a decoding error's text is kept.
func (a *installationAuth) fetch(ctx context.Context) (string, time.Time, error) {
	u := a.c.baseURL.JoinPath("app", "installations", strconv.FormatInt(a.app.app.InstallationID, 10), "access_tokens")
	res, err := a.c.do(ctx, call{
		endpoint: EndpointAppToken,
		method:   http.MethodPost,
		url:      u.String(),
		// The app's own bucket, so an installation's spent budget does
		// not hold its token renewal.
		resource: "app",
		auth:     a.jwt,
		secret:   true,
	})
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Kind == ErrNotFound {
			apiErr.Message = fmt.Sprintf("installation %d of this app not found: %s", a.app.app.InstallationID, apiErr.Message)
		}
		return "", time.Time{}, err
	}
	var out struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if json.Unmarshal(res.body, &out) != nil || out.Token == "" || out.ExpiresAt.IsZero() {
		return "", time.Time{}, &APIError{
			Kind: ErrBadResponse, Status: res.status, Method: http.MethodPost, Path: u.Path,
			Message: `response lacks "token" or "expires_at"`,
		}
	}
	return out.Token, out.ExpiresAt, nil
}

// Renew drops the cached token if it is the one GitHub rejected; a
// concurrent call may already have replaced it.
func (a *installationAuth) Renew(rejected *http.Request) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" && rejected.Header.Get("Authorization") == "Bearer "+a.token {
		a.token = ""
	}
	return true
}

// ParseAppPrivateKey reads a GitHub App's private key: PEM, PKCS#1 ("RSA
// PRIVATE KEY", what GitHub issues) or PKCS#8 ("PRIVATE KEY") holding an
// RSA key. Anything else (not PEM, encrypted, another key type) gets an
// error that says which, and never the key's contents.
func ParseAppPrivateKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("github: App private key is not PEM; expected the .pem file GitHub issued, beginning with -----BEGIN RSA PRIVATE KEY-----")
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" || block.Headers["Proc-Type"] == "4,ENCRYPTED" {
		return nil, errors.New("github: App private key is encrypted; GitHub issues unencrypted keys, use the file as downloaded")
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("github: App private key: the RSA PRIVATE KEY block is not a valid PKCS#1 key")
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("github: App private key: the PRIVATE KEY block is not a valid PKCS#8 key")
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("github: App private key is a %s key; GitHub Apps sign with RSA", keyKind(k))
		}
		key = rk
	default:
		return nil, fmt.Errorf("github: App private key: PEM block is %q, not an RSA private key", block.Type)
	}
	if err := key.Validate(); err != nil {
		return nil, errors.New("github: App private key fails RSA validation")
	}
	return key, nil
}

func keyKind(k any) string {
	switch k.(type) {
	case *ecdsa.PrivateKey:
		return "ECDSA"
	case ed25519.PrivateKey:
		return "Ed25519"
	case *ecdh.PrivateKey:
		return "ECDH"
	}
	return "non-RSA"
}
