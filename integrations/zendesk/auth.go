package zendesk

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Auth is how the client authenticates. Build one with
// OAuthClientCredentials (recommended), OAuthToken or APIToken. Printing an
// Auth with any fmt verb never shows its secret.
type Auth interface {
	newAuthorizer(c *Client) (authorizer, error)
	isAPIToken() bool
}

// authorizer adds credentials to one attempt of a request.
type authorizer interface {
	authorize(ctx context.Context, req *http.Request) error
	// renew drops a cached credential that Zendesk rejected, so the next
	// attempt fetches a fresh one; it reports whether a retry can help.
	renew(rejected *http.Request) bool
}

const redacted = "[redacted]"

// defaultOAuthScopes are requested when OAuthClientCredentials gets none.
var defaultOAuthScopes = []string{"read", "write"}

// OAuthClientCredentials authenticates with the client-credentials grant of
// a confidential OAuth client; clientID is the client's "identifier". The
// token is fetched once, cached and shared by concurrent calls. Without
// scopes it asks for "read write".
func OAuthClientCredentials(clientID, clientSecret string, scopes ...string) Auth {
	if len(scopes) == 0 {
		scopes = defaultOAuthScopes
	}
	return &clientCredentialsAuth{
		clientID: clientID,
		secret:   clientSecret,
		scopes:   append([]string(nil), scopes...),
	}
}

// OAuthToken authenticates with a pre-issued OAuth access token.
func OAuthToken(token string) Auth { return &bearerAuth{token: token} }

// APIToken authenticates with a legacy API token ("{email}/token:{token}").
// Zendesk permanently deactivates API tokens on 2027-04-30, so New logs a
// warning when this is used.
func APIToken(email, token string) Auth { return &apiTokenAuth{email: email, token: token} }

type clientCredentialsAuth struct {
	clientID string
	secret   string
	scopes   []string
}

func (a *clientCredentialsAuth) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "zendesk.OAuthClientCredentials{client_id: %s, secret: %s, scopes: %s}",
		a.clientID, redacted, strings.Join(a.scopes, " "))
}

func (a *clientCredentialsAuth) isAPIToken() bool { return false }

func (a *clientCredentialsAuth) newAuthorizer(c *Client) (authorizer, error) {
	if a.clientID == "" || a.secret == "" {
		return nil, errors.New("zendesk: OAuth client credentials need a client id and a secret")
	}
	cfg := &clientcredentials.Config{
		ClientID:     a.clientID,
		ClientSecret: a.secret,
		TokenURL:     c.baseURL.JoinPath("oauth", "tokens").String(),
		Scopes:       a.scopes,
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	// Token requests run through the same budget and retry path as API
	// calls, on the caller's context, so a caller that gives up stops the
	// fetch too.
	return &clientCredentialsAuthorizer{
		cfg:       cfg,
		tokenHTTP: &http.Client{Transport: &tokenTransport{c: c}},
		fetching:  make(chan struct{}, 1),
	}, nil
}

// clientCredentialsAuthorizer caches one access token. x/oauth2's own
// reusable source would fetch on a context fixed at construction, which no
// caller could cancel; here each fetch runs on the asking call's context,
// and concurrent callers share one fetch.
type clientCredentialsAuthorizer struct {
	cfg       *clientcredentials.Config
	tokenHTTP *http.Client

	// fetching admits one token fetch at a time; waiting for it honours
	// the caller's context, which a mutex would not.
	fetching chan struct{}

	mu  sync.Mutex // guards tok
	tok *oauth2.Token
}

func (a *clientCredentialsAuthorizer) cached() *oauth2.Token {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok.Valid() {
		return a.tok
	}
	return nil
}

func (a *clientCredentialsAuthorizer) token(ctx context.Context) (*oauth2.Token, error) {
	if tok := a.cached(); tok != nil {
		return tok, nil
	}
	select {
	case a.fetching <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("zendesk: %s: %w", EndpointOAuthToken, ctx.Err())
	}
	defer func() { <-a.fetching }()
	// Another caller may have fetched while this one waited its turn.
	if tok := a.cached(); tok != nil {
		return tok, nil
	}
	tok, err := a.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, a.tokenHTTP))
	if err != nil {
		return nil, tokenError(err)
	}
	a.mu.Lock()
	a.tok = tok
	a.mu.Unlock()
	return tok, nil
}

func (a *clientCredentialsAuthorizer) authorize(ctx context.Context, req *http.Request) error {
	tok, err := a.token(ctx)
	if err != nil {
		return err
	}
	tok.SetAuthHeader(req)
	return nil
}

// renew drops the cached token if it is the one Zendesk rejected, so the
// retry fetches a fresh one; a concurrent call may already have renewed it.
func (a *clientCredentialsAuthorizer) renew(rejected *http.Request) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok != nil && rejected.Header.Get("Authorization") == a.tok.Type()+" "+a.tok.AccessToken {
		a.tok = nil
	}
	return true
}

// tokenError converts a failure of the token endpoint into an *Error.
func tokenError(err error) error {
	var zerr *Error
	if errors.As(err, &zerr) {
		return zerr
	}
	var rerr *oauth2.RetrieveError
	if errors.As(err, &rerr) && rerr.Response != nil {
		e := newStatusError(EndpointOAuthToken, rerr.Response.StatusCode, rerr.Body, 0)
		if e.Kind == ErrInvalid || e.Kind == ErrForbidden || e.Kind == ErrNotFound {
			// The token endpoint answers 400/401/403 for unknown clients,
			// wrong secrets and public clients alike.
			e.Kind = ErrAuth
		}
		if e.Code == "" {
			e.Code = rerr.ErrorCode
		}
		if e.Description == "" {
			e.Description = rerr.ErrorDescription
		}
		return e
	}
	return &Error{Kind: ErrBadResponse, Endpoint: EndpointOAuthToken, Err: err}
}

// tokenTransport sends oauth2's token requests through Client.send.
type tokenTransport struct{ c *Client }

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("zendesk: %s: reading request body: %w", EndpointOAuthToken, err)
		}
	}
	build := func(ctx context.Context) (*http.Request, error) {
		r := req.Clone(ctx)
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		return r, nil
	}
	res, err := t.c.send(req.Context(), EndpointOAuthToken, EndpointOAuthToken, nil, build)
	if err != nil {
		return nil, err
	}
	return res.httpResponse(req), nil
}

type bearerAuth struct{ token string }

func (a *bearerAuth) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "zendesk.OAuthToken{token: %s}", redacted)
}

func (a *bearerAuth) isAPIToken() bool { return false }

func (a *bearerAuth) newAuthorizer(*Client) (authorizer, error) {
	if a.token == "" {
		return nil, errors.New("zendesk: OAuth token is empty")
	}
	return &staticAuthorizer{header: "Bearer " + a.token}, nil
}

type apiTokenAuth struct {
	email string
	token string
}

func (a *apiTokenAuth) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "zendesk.APIToken{email: %s, token: %s}", a.email, redacted)
}

func (a *apiTokenAuth) isAPIToken() bool { return true }

func (a *apiTokenAuth) newAuthorizer(*Client) (authorizer, error) {
	if a.email == "" || a.token == "" {
		return nil, errors.New("zendesk: API token auth needs an email and a token")
	}
	creds := base64.StdEncoding.EncodeToString([]byte(a.email + "/token:" + a.token))
	return &staticAuthorizer{header: "Basic " + creds}, nil
}

type staticAuthorizer struct{ header string }

func (a *staticAuthorizer) Format(f fmt.State, _ rune) { fmt.Fprint(f, redacted) }

func (a *staticAuthorizer) authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", a.header)
	return nil
}

func (a *staticAuthorizer) renew(*http.Request) bool { return false }
