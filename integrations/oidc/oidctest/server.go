// Package oidctest emulates a company's OpenID Connect provider over real
// HTTP, for tests and for the demo of step-up re-authentication: an
// approver signs in again at the provider before a high-risk approval
// counts. It speaks the real wire formats (OpenID Connect Core 1.0 and
// Discovery 1.0, RFC 6749 authorization code grant, RFC 7636 PKCE with
// S256 only, RFC 7517 JWKS) so a stock relying party, such as
// github.com/coreos/go-oidc with golang.org/x/oauth2, works against it
// unchanged.
//
// Nobody types a password: a test scripts who signs in at the next
// authorization request with NextLogin, including a stale auth_time, an
// acr or amr, or a refusal. Key rotation, tampered ID tokens, fault
// injection and request counters cover the failures a relying party must
// survive or refuse.
//
// The issuer is the server's URL:
//
//	s := oidctest.NewServer(oidctest.WithClient("seatwarden", "s3cret", "https://bot.example/oidc/callback"))
//	defer s.Close()
//	provider, err := oidc.NewProvider(ctx, s.URL)
package oidctest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/internal/emuclock"
	"github.com/seatwarden/seatwarden/internal/emufault"
)

// Endpoint names for Requests and InjectFault.
const (
	EndpointDiscovery = "discovery" // GET /.well-known/openid-configuration
	EndpointJWKS      = "jwks"      // GET /keys
	EndpointAuthorize = "authorize" // GET or POST /authorize
	EndpointToken     = "token"     // POST /token
	// EndpointUnknown counts requests no route matched.
	EndpointUnknown = "unknown"
	// AllEndpoints makes InjectFault affect every request.
	AllEndpoints = "*"
)

// Paths of the endpoints, relative to the issuer.
const (
	PathDiscovery = "/.well-known/openid-configuration"
	PathJWKS      = "/keys"
	PathAuthorize = "/authorize"
	PathToken     = "/token"
)

// Lifetimes, on the emulator clock.
const (
	// CodeLifetime is how long an authorization code can be redeemed;
	// RFC 6749 recommends at most ten minutes, providers use far less.
	CodeLifetime = 60 * time.Second
	// IDTokenLifetime is exp minus iat of an ID token.
	IDTokenLifetime = 10 * time.Minute
	// AccessTokenLifetime is the expires_in of the token response.
	AccessTokenLifetime = time.Hour
)

// DefaultACRValues is what discovery lists as acr_values_supported unless
// WithACRValues replaces it: the phishing-resistant levels registered by
// OpenID EAP ACR Values 1.0. Login.ACR is reported as scripted whether or
// not it is listed.
var DefaultACRValues = []string{"phr", "phrh"}

// Login is one scripted sign-in at the provider: who signs in at an
// authorization request, and how.
type Login struct {
	// Email is the email claim, sent with email_verified true when the
	// client asked for the email scope.
	Email string
	// Subject is the sub claim; empty derives a stable one from Email, as
	// a provider's opaque user id would be.
	Subject string
	// AuthTime is when the user authenticated; zero is the moment of the
	// authorization request on the emulator clock. It is reported as is
	// even when the client sent prompt=login or max_age, so a test can
	// script the stale sign-in a relying party must refuse.
	AuthTime time.Time
	// ACR and AMR become the acr and amr claims when set.
	ACR string
	AMR []string
	// Deny is the user refusing, or failing, to sign in: the provider
	// redirects back with error=access_denied.
	Deny bool
}

// Option configures a Server.
type Option func(*Server)

// WithClient registers a confidential client and the redirect URIs it may
// use, compared exactly as OpenID Connect requires. Several clients may be
// registered.
func WithClient(id, secret string, redirectURIs ...string) Option {
	if id == "" || secret == "" || len(redirectURIs) == 0 {
		panic("oidctest: WithClient needs an id, a secret and at least one redirect URI")
	}
	return func(s *Server) {
		s.clients[id] = client{secret: secret, redirectURIs: slices.Clone(redirectURIs)}
	}
}

// WithClock sets the emulator's clock (default time.Now). SetNow and
// Advance still work on top of it.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.Follow(now) }
}

// WithIssuer makes ID tokens claim iss instead of the server's URL, while
// discovery still names the real issuer: a token from another provider,
// which a relying party must refuse.
func WithIssuer(iss string) Option {
	return func(s *Server) { s.tokenIssuer = iss }
}

// WithACRValues replaces DefaultACRValues in discovery.
func WithACRValues(values ...string) Option {
	return func(s *Server) { s.acrValues = slices.Clone(values) }
}

// Server is a running emulator; its URL is the issuer. Call Close when
// done. It is safe for concurrent use.
type Server struct {
	*httptest.Server

	// Clock is the emulator's clock: Now, SetNow, Advance, Sleep. Codes
	// and ID tokens expire by it.
	emuclock.Clock

	// Set before the server starts; read-only afterwards.
	issuer      string
	tokenIssuer string // iss written into ID tokens
	clients     map[string]client
	acrValues   []string

	mu             sync.Mutex
	keys           []*signingKey // published; the last one signs
	logins         []Login       // scripted, next first
	authorizations []url.Values
	codes          map[string]*authCode
	requests       map[string]int
	faults         emufault.Queue[Fault]
	tamper         func(*Claims)
	unknownKeyNext bool
	strayKey       *signingKey // signs the token SignNextWithUnknownKey asked for
}

type client struct {
	secret       string
	redirectURIs []string
}

// authCode is an issued authorization code and what the token request
// must match.
type authCode struct {
	clientID    string
	redirectURI string
	challenge   string
	nonce       string
	scopes      []string
	login       Login // Subject and AuthTime resolved
	issued      time.Time
	used        bool
}

// NewServer starts an emulator with a fresh RSA signing key.
func NewServer(opts ...Option) *Server {
	s := &Server{
		clients:   map[string]client{},
		acrValues: DefaultACRValues,
		codes:     map[string]*authCode{},
		requests:  map[string]int{},
	}
	for _, o := range opts {
		o(s)
	}
	s.keys = []*signingKey{newSigningKey()}
	// The issuer is known before the first request can arrive, so
	// handlers never read fields written after the server started.
	s.Server = httptest.NewUnstartedServer(s)
	s.issuer = "http://" + s.Listener.Addr().String()
	if s.tokenIssuer == "" {
		s.tokenIssuer = s.issuer
	}
	s.Start()
	return s
}

// Issuer is the issuer identifier: the server's URL, without a trailing
// slash.
func (s *Server) Issuer() string { return s.issuer }

// NextLogin queues a sign-in for the next authorization request that gets
// as far as signing in; each such request takes one. Requests refused
// for their parameters take none.
func (s *Server) NextLogin(l Login) {
	if l.Email == "" && l.Subject == "" {
		panic("oidctest: NextLogin needs an Email or a Subject")
	}
	l.AMR = slices.Clone(l.AMR)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logins = append(s.logins, l)
}

// PendingLogins is how many scripted sign-ins no request has taken yet.
func (s *Server) PendingLogins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.logins)
}

// Authorizations returns the parameters of every authorization request
// received, oldest first, including refused and faulted ones: what the
// client sent.
func (s *Server) Authorizations() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]url.Values, len(s.authorizations))
	for i, v := range s.authorizations {
		out[i] = cloneValues(v)
	}
	return out
}

// Requests is the number of requests received for an endpoint, including
// refused and faulted ones.
func (s *Server) Requests(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[endpoint]
}

// ResetCounters zeroes the request counters and forgets the recorded
// authorization requests.
func (s *Server) ResetCounters() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.requests)
	s.authorizations = nil
}

// subjectFor is the sub a provider would keep for an email: opaque and
// stable across runs, so tests can expect it.
func subjectFor(email string) string {
	sum := sha256.Sum256([]byte("oidctest:" + strings.ToLower(email)))
	return hex.EncodeToString(sum[:10])
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func (c client) allows(redirectURI string) bool {
	return slices.Contains(c.redirectURIs, redirectURI)
}
