// Package teamstest emulates, over real HTTP, every Microsoft endpoint a
// Teams bot talks to, for tests and for the demo:
//
//   - the Bot Framework OpenID metadata and JWKS that inbound tokens are
//     checked against (keys.go),
//   - the Entra ID client-credentials token endpoint (token.go),
//   - the Bot Connector REST API at ServiceURL() (connector.go), with
//     Teams' size limit, throttling, blocked users and error bodies,
//   - Teams itself toward the bot: signed activities posted to the bot's
//     messaging endpoint, and card clicks (activity.go, deliver.go).
//
// Every connector call is recorded with its status for assertions, and
// WaitUntil waits for the recorded state to change.
//
// Wiring a bot to it:
//
//	s := teamstest.NewServer(teamstest.Options{})
//	alice := teamstest.User{ID: "29:1alice", Name: "Alice", Installed: true}
//	s.AddUser(alice)
//	// outgoing: client credentials at s.TokenURL() with s.AppID() and
//	// s.AppPassword(); connector calls under s.ServiceURL().
//	// incoming: validate tokens against s.MetadataURL(), then
//	status, body, err := s.Deliver(ctx, botURL, s.Message(alice, s.PersonalConversation(alice.ID), "help"))
package teamstest

import (
	"cmp"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults for the emulated app registration and tenant.
const (
	DefaultAppID       = "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
	DefaultAppPassword = "teamstest~secret.0123456789abcdefghij"
	DefaultTenantID    = "0b1d2c3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
	DefaultBotName     = "seatwarden"
)

// BotFrameworkIssuer is the iss of tokens the Bot Connector sends to bots.
const BotFrameworkIssuer = "https://api.botframework.com"

// ChannelID is the channelId of every activity Teams sends.
const ChannelID = "msteams"

// connectorPrefix is the path of ServiceURL, like Teams' regional
// https://smba.trafficmanager.net/amer/.
const connectorPrefix = "/amer/"

// Options configures a Server. The zero value uses the defaults.
type Options struct {
	AppID       string // the bot's Microsoft App ID (default DefaultAppID)
	AppPassword string // its client secret (default DefaultAppPassword)
	TenantID    string // the tenant the app is registered in (default DefaultTenantID)
	BotName     string // the bot's display name (default DefaultBotName)
	// MultiTenant makes the token endpoint also issue tokens from the
	// botframework.com tenant, as for a multi-tenant app registration.
	// Single-tenant apps (the default, and the only kind Azure still
	// creates) must use their own tenant.
	MultiTenant bool
	// Now is the emulator's clock (default time.Now); Advance moves it
	// further. Token expiry, activity timestamps and the per-conversation
	// rate limits read it.
	Now func() time.Time
	// TokenLifetime is how long an issued access token is accepted
	// (default one hour, as Entra ID issues them).
	TokenLifetime time.Duration
}

// Server is a running emulator. Call Close when done. It is safe for
// concurrent use.
type Server struct {
	*httptest.Server

	// Set by NewServer; read-only afterwards.
	appID, appPassword, tenantID, botName string
	multiTenant                           bool
	tokenLifetime                         time.Duration

	clockMu sync.Mutex
	clock   func() time.Time
	offset  time.Duration

	mu sync.Mutex
	// changed is closed and replaced whenever recorded state changes, to
	// wake waiters.
	changed chan struct{}

	// Inbound auth.
	keyIndex        int // into the process-wide key pool
	metadataFetches int
	keysFetches     int

	// Token endpoint.
	tokens        map[string]time.Time // access token -> expiry
	tokenRequests []TokenRequest
	tokenDown     bool

	// Directory.
	users    map[string]*User  // 29: id -> user
	personal map[string]string // personal conversation id -> 29: id
	// opened holds the personal conversations that exist: created, or
	// made by Teams when the app was installed. Uninstalling keeps them.
	opened   map[string]bool
	channels map[string]*Channel
	blocked  map[string]bool // 29: ids

	// Connector state.
	created    []string // personal conversation ids in order of first creation
	activities []*stored
	calls      []Call
	lastID     int64 // milliseconds of the last issued activity id

	// Faults and limits.
	rateEvery       int // every n-th connector call answers 429; 0 = off
	rateCount       int
	failStatus      int // injected failure status
	failRemaining   int
	enforceLimits   bool
	conversationLog map[string][]time.Time // limit class + conversation id -> accepted calls
}

// NewServer starts an emulator.
func NewServer(opts Options) *Server {
	s := &Server{
		appID:           cmp.Or(opts.AppID, DefaultAppID),
		appPassword:     cmp.Or(opts.AppPassword, DefaultAppPassword),
		tenantID:        cmp.Or(opts.TenantID, DefaultTenantID),
		botName:         cmp.Or(opts.BotName, DefaultBotName),
		multiTenant:     opts.MultiTenant,
		tokenLifetime:   opts.TokenLifetime,
		clock:           opts.Now,
		changed:         make(chan struct{}),
		tokens:          map[string]time.Time{},
		users:           map[string]*User{},
		personal:        map[string]string{},
		opened:          map[string]bool{},
		channels:        map[string]*Channel{},
		blocked:         map[string]bool{},
		conversationLog: map[string][]time.Time{},
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.tokenLifetime <= 0 {
		s.tokenLifetime = time.Hour
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/v1/.well-known/openidconfiguration", s.serveMetadata)
	mux.HandleFunc("/v1/.well-known/keys", s.serveKeys)
	mux.HandleFunc("/{tenant}/oauth2/v2.0/token", s.serveToken)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The connector routes by hand: conversation ids carry ':', '@'
		// and ';', and ServeMux would redirect rather than refuse an
		// unclean path.
		if strings.HasPrefix(r.URL.Path, connectorPrefix) {
			s.serveConnector(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	return s
}

// AppID is the bot's Microsoft App ID: the aud of inbound tokens and the
// client_id the token endpoint accepts.
func (s *Server) AppID() string { return s.appID }

// AppPassword is the client secret the token endpoint accepts.
func (s *Server) AppPassword() string { return s.appPassword }

// TenantID is the tenant the app is registered in.
func (s *Server) TenantID() string { return s.tenantID }

// BotID is the bot's Teams id, "28:<app id>", as activities carry it in
// recipient and from.
func (s *Server) BotID() string { return "28:" + s.appID }

// BotName is the bot's display name, as @mentions show it.
func (s *Server) BotName() string { return s.botName }

// ServiceURL is the Bot Connector base URL to put in activities and
// conversation references; it ends in "/" like Teams' regional URLs.
func (s *Server) ServiceURL() string { return s.URL + connectorPrefix }

// MetadataURL is the OpenID configuration document of the Bot Connector's
// signing keys (login.botframework.com's, emulated).
func (s *Server) MetadataURL() string { return s.URL + "/v1/.well-known/openidconfiguration" }

// KeysURL is the JWKS the metadata points at.
func (s *Server) KeysURL() string { return s.URL + "/v1/.well-known/keys" }

// TokenURL is the client-credentials token endpoint of the app's tenant.
func (s *Server) TokenURL() string { return s.TokenURLFor(s.tenantID) }

// TokenURLFor is the token endpoint of another tenant, e.g.
// "botframework.com", the multi-tenant one.
func (s *Server) TokenURLFor(tenant string) string {
	return s.URL + "/" + tenant + "/oauth2/v2.0/token"
}

// Now is the emulator's current time.
func (s *Server) Now() time.Time {
	s.clockMu.Lock()
	defer s.clockMu.Unlock()
	return s.clock().Add(s.offset)
}

// Advance moves the emulator clock forward by d.
func (s *Server) Advance(d time.Duration) {
	s.clockMu.Lock()
	s.offset += d
	s.clockMu.Unlock()
	s.mu.Lock()
	s.notify()
	s.mu.Unlock()
}

// Calls returns the connector requests received, oldest first, including
// refused ones.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		c.Body = slices.Clone(c.Body)
		out[i] = c
	}
	return out
}

// ResetCalls forgets the recorded requests: connector calls, token
// requests and metadata and JWKS fetch counts. State (conversations,
// posted activities, issued tokens, faults) stays.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
	s.tokenRequests = nil
	s.metadataFetches, s.keysFetches = 0, 0
	s.notify()
}

// WaitUntil returns nil once cond holds, checking it now and after every
// change to the recorded state (calls, activities, token requests, clock),
// or ctx's error when ctx ends first. cond runs without the server's lock,
// so it may call the Server.
func (s *Server) WaitUntil(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notify wakes waiters; callers hold s.mu.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}
