// Package githubtest emulates the parts of GitHub's REST and GraphQL APIs
// that seatwarden uses, over real HTTP, for tests and for the demo. It
// serves an in-memory org with GitHub's JSON shapes, Link pagination,
// error bodies and x-ratelimit-* headers; checks tokens and GitHub App
// JWTs and issues expiring installation tokens; keeps a rate budget;
// applies mutations to its state; and adds fault injection and request
// counters.
package githubtest

import (
	"cmp"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/internal/emuclock"
	"github.com/seatwarden/seatwarden/internal/emufault"
)

// Endpoint names for Requests and InjectFault: the client's Observe names.
const (
	EndpointOrg               = github.EndpointOrg
	EndpointMembers           = github.EndpointMembers
	EndpointUser              = github.EndpointUser
	EndpointUserByID          = github.EndpointUserByID
	EndpointMembershipGet     = github.EndpointMembershipGet
	EndpointMembershipSet     = github.EndpointMembershipSet
	EndpointMembershipRemove  = github.EndpointMembershipRemove
	EndpointCopilotSeats      = github.EndpointCopilotSeats
	EndpointMemberCopilotSeat = github.EndpointMemberCopilotSeat
	EndpointCopilotRemove     = github.EndpointCopilotRemove
	EndpointFineGrainedTokens = github.EndpointFineGrainedTokens
	EndpointRevokeTokens      = github.EndpointRevokeTokens
	EndpointInstallations     = github.EndpointInstallations
	EndpointAppToken          = github.EndpointAppToken
	EndpointGraphQL           = github.EndpointGraphQL
	// EndpointUnknown counts requests no route matched.
	EndpointUnknown = "unknown"
	// AllEndpoints makes InjectFault affect every request.
	AllEndpoints = "*"
)

// Rate-limit resources.
const (
	ResourceCore    = "core"
	ResourceGraphQL = "graphql"
)

// Defaults of a Server.
const (
	// DefaultRateLimit is the hourly budget of each resource: what a
	// personal access token gets.
	DefaultRateLimit = 5000
	// DefaultInstallationTokenTTL is how long GitHub's installation
	// tokens live.
	DefaultInstallationTokenTTL = time.Hour
)

// AppRegistration is a GitHub App the emulator knows, installed on the org.
type AppRegistration struct {
	AppID    int64
	ClientID string
	// InstallationID is its installation on the org; it must be one of
	// the org's Installations.
	InstallationID int64
	PublicKey      *rsa.PublicKey
}

// Mutation is one change made through the API.
type Mutation struct {
	At time.Time
	// Kind is "role", "invite", "remove_member", "cancel_invite",
	// "cancel_seat" or "revoke_token".
	Kind  string
	Login string
	ID    int64 // the token grant for revoke_token
	From  string
	To    string
}

// Option configures a Server.
type Option func(*Server)

// WithToken accepts a personal access token acting as login: an org owner
// if login is an admin member, a plain member otherwise.
func WithToken(token, login string) Option {
	return func(s *Server) { s.pats[token] = login }
}

// WithApp registers a GitHub App whose JWTs the emulator verifies.
func WithApp(app AppRegistration) Option {
	return func(s *Server) { s.apps = append(s.apps, app) }
}

// WithInstallationTokenTTL sets how long issued installation tokens live
// (default one hour).
func WithInstallationTokenTTL(d time.Duration) Option {
	return func(s *Server) { s.tokenTTL = d }
}

// WithClock sets the emulator's clock (default time.Now). SetNow and
// Advance still work on top of it.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.Follow(now) }
}

// WithRateLimit sets a resource's hourly budget (ResourceCore or
// ResourceGraphQL; default 5,000 each).
func WithRateLimit(resource string, limit int) Option {
	return func(s *Server) { s.limits[resource] = limit }
}

// WithAPIPrefix serves the REST API under prefix, as GitHub Enterprise
// Server does under /api/v3; GraphQL then answers at /api/graphql.
func WithAPIPrefix(prefix string) Option {
	return func(s *Server) { s.prefix = strings.TrimRight(prefix, "/") }
}

// Server is a running emulator. Use APIURL as the client's BaseURL and
// call Close when done. It is safe for concurrent use.
type Server struct {
	*httptest.Server

	// Clock is the emulator's clock: Now, SetNow, Advance, Sleep.
	emuclock.Clock

	// Set by options before the server starts; read-only afterwards.
	pats     map[string]string // token -> login
	apps     []AppRegistration
	tokenTTL time.Duration
	limits   map[string]int
	prefix   string

	mu            sync.Mutex
	org           Org               // Members, CopilotSeats, Tokens, Installations are the live state
	memberAt      map[string]int    // lower(login) -> position in org.Members
	seatAt        map[string]int    // lower(login) -> position in org.CopilotSeats
	former        map[string]Member // lower(login) -> removed member, still a GitHub user
	invites       map[string]string // lower(login) -> role of a pending invitation
	issued        map[string]issuedToken
	budgets       map[string]*budget
	requests      map[string]int
	total         int
	faults        emufault.Queue[Fault]
	mutations     []Mutation
	nextRequestID int
}

type issuedToken struct {
	installationID int64
	expires        time.Time
}

// NewServer starts an emulator serving a copy of org.
func NewServer(org *Org, opts ...Option) *Server {
	s := &Server{
		pats:     map[string]string{},
		tokenTTL: DefaultInstallationTokenTTL,
		limits:   map[string]int{ResourceCore: DefaultRateLimit, ResourceGraphQL: DefaultRateLimit},
		former:   map[string]Member{},
		invites:  map[string]string{},
		issued:   map[string]issuedToken{},
		budgets:  map[string]*budget{},
		requests: map[string]int{},
	}
	for _, o := range opts {
		o(s)
	}
	s.load(org)
	s.Server = httptest.NewServer(s)
	return s
}

func (s *Server) load(org *Org) {
	s.org = *org
	s.org.Members = slices.Clone(org.Members)
	for i := range s.org.Members {
		s.org.Members[i].VerifiedEmails = slices.Clone(s.org.Members[i].VerifiedEmails)
	}
	slices.SortFunc(s.org.Members, func(a, b Member) int { return cmp.Compare(a.ID, b.ID) })
	s.org.Teams = slices.Clone(org.Teams)
	s.org.CopilotSeats = slices.Clone(org.CopilotSeats)
	s.org.Tokens = slices.Clone(org.Tokens)
	slices.SortFunc(s.org.Tokens, func(a, b FineGrainedToken) int { return cmp.Compare(a.ID, b.ID) })
	s.org.Installations = slices.Clone(org.Installations)
	for res, limit := range s.limits {
		s.budgets[res] = &budget{limit: limit}
	}
	s.reindex()
	if len(s.memberAt) != len(s.org.Members) {
		panic("githubtest: duplicate member login")
	}
	if len(s.seatAt) != len(s.org.CopilotSeats) {
		panic(fmt.Sprintf("githubtest: %d seats for %d distinct logins", len(s.org.CopilotSeats), len(s.seatAt)))
	}
}

// reindex rebuilds the login indexes after members or seats change.
// Callers hold s.mu (or own s, in load).
func (s *Server) reindex() {
	s.memberAt = make(map[string]int, len(s.org.Members))
	for i, m := range s.org.Members {
		s.memberAt[strings.ToLower(m.Login)] = i
	}
	s.seatAt = make(map[string]int, len(s.org.CopilotSeats))
	for i, st := range s.org.CopilotSeats {
		s.seatAt[strings.ToLower(st.Login)] = i
	}
}

// APIURL is the REST base URL to give the client.
func (s *Server) APIURL() string { return s.URL + s.prefix }

// OrgLogin is the emulated org's login.
func (s *Server) OrgLogin() string { return s.org.Login }

// Requests is the number of requests received for an endpoint, including
// rejected and faulted ones.
func (s *Server) Requests(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[endpoint]
}

// TotalRequests is the number of requests received.
func (s *Server) TotalRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// ResetCounters zeroes the request counters.
func (s *Server) ResetCounters() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.requests)
	s.total = 0
}

// Mutations returns the changes made through the API, oldest first.
func (s *Server) Mutations() []Mutation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.mutations)
}

// Member returns a current member by login.
func (s *Server) Member(login string) (Member, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.memberIndex(login)
	if i < 0 {
		return Member{}, false
	}
	return s.org.Members[i], true
}

// Members returns the current members, by id.
func (s *Server) Members() []Member {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.org.Members)
}

// CopilotSeat returns a login's seat as stored, including one pending
// cancellation.
func (s *Server) CopilotSeat(login string) (CopilotSeat, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.seatIndex(login)
	if i < 0 {
		return CopilotSeat{}, false
	}
	return s.org.CopilotSeats[i], true
}

// Tokens returns the fine-grained tokens with access, by grant id.
func (s *Server) Tokens() []FineGrainedToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.org.Tokens)
}

// Invitation returns the role of a pending invitation.
func (s *Server) Invitation(login string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	role, ok := s.invites[strings.ToLower(login)]
	return role, ok
}

// UpdateSeat changes a seat as Copilot use would (new activity); fn edits
// the stored seat. It reports false for a login without a seat.
func (s *Server) UpdateSeat(login string, fn func(*CopilotSeat)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.seatIndex(login)
	if i < 0 {
		return false
	}
	fn(&s.org.CopilotSeats[i])
	return true
}

// RevokeInstallationTokens invalidates every issued installation token,
// as GitHub does when an app's tokens are revoked.
func (s *Server) RevokeInstallationTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.issued)
}

// SetRateRemaining makes a resource's budget have remaining requests left
// in a window that resets after resetIn.
func (s *Server) SetRateRemaining(resource string, remaining int, resetIn time.Duration) {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.budgets[resource]
	if b == nil {
		b = &budget{limit: DefaultRateLimit}
		s.budgets[resource] = b
	}
	b.reset = now.Add(resetIn).Truncate(time.Second)
	b.used = max(b.limit-remaining, 0)
}

// NewClient returns a client for the emulated org, authenticating with
// auth. It shares the emulator's clock and its waits advance that clock
// instead of sleeping; edit may change the config (a recording sleeper,
// retries) before github.New.
func (s *Server) NewClient(auth github.Authenticator, edit ...func(*github.Config)) (*github.Client, error) {
	hc := *s.Client()
	hc.Timeout = 10 * time.Second
	cfg := github.Config{
		BaseURL:    s.APIURL(),
		Org:        s.org.Login,
		HTTPClient: &hc,
		Auth:       auth,
		Now:        s.Now,
		Sleep:      s.Sleep,
	}
	for _, e := range edit {
		e(&cfg)
	}
	return github.New(cfg)
}

// memberIndex finds a current member. Callers hold s.mu.
func (s *Server) memberIndex(login string) int {
	if i, ok := s.memberAt[strings.ToLower(login)]; ok {
		return i
	}
	return -1
}

// seatIndex finds a stored seat. Callers hold s.mu.
func (s *Server) seatIndex(login string) int {
	if i, ok := s.seatAt[strings.ToLower(login)]; ok {
		return i
	}
	return -1
}

func (s *Server) record(m Mutation) { s.mutations = append(s.mutations, m) }

// NewAppServer serves org with seatwarden's GitHub App installed on it
// under a fresh key, and returns a client authenticated as that App: what
// the bot runs as in production, in one call for tests and benchmarks.
func NewAppServer(org *Org, opts ...Option) (*Server, *github.Client, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	reg := AppRegistration{AppID: SeatwardenAppID, InstallationID: SeatwardenInstallationID, PublicKey: &key.PublicKey}
	s := NewServer(org, append(opts, WithApp(reg))...)
	client, err := s.NewClient(github.AppAuth(github.App{AppID: SeatwardenAppID, InstallationID: SeatwardenInstallationID, PrivateKey: key}))
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, client, nil
}
