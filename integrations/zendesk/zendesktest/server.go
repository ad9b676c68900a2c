// Package zendesktest emulates the parts of the Zendesk Support API that
// seatwarden uses, over real HTTP, for tests and for the demo. It keeps
// Zendesk's JSON shapes, pagination, incremental export cursor semantics,
// error bodies and rate-limit headers, and adds fault injection and
// request counters.
package zendesktest

import (
	"cmp"
	"fmt"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/internal/emuclock"
	"github.com/seatwarden/seatwarden/internal/emufault"
)

// Endpoint names for Requests and InjectFault. The ones the client calls
// are the client's Observe names.
const (
	EndpointOAuthToken       = zendesk.EndpointOAuthToken
	EndpointUsersMe          = zendesk.EndpointUsersMe
	EndpointUsersUpdate      = zendesk.EndpointUsersUpdate
	EndpointIncrementalUsers = zendesk.EndpointIncrementalUsers
	EndpointGroups           = zendesk.EndpointGroups
	EndpointGroupMemberships = zendesk.EndpointGroupMemberships
	EndpointCustomRoles      = zendesk.EndpointCustomRoles
	EndpointUsersShow        = zendesk.EndpointUsersShow
	EndpointUserSessions     = zendesk.EndpointUserSessions
	EndpointUsersList        = "users_list"
	EndpointAPITokens        = zendesk.EndpointAPITokens
	EndpointOAuthClients     = zendesk.EndpointOAuthClients
	EndpointOAuthTokens      = zendesk.EndpointOAuthTokens
	EndpointOAuthTokenRevoke = zendesk.EndpointOAuthTokenRevoke
	EndpointAppInstallations = zendesk.EndpointAppInstallations
	EndpointTicketsShow      = zendesk.EndpointTicketsShow
	EndpointTicketsUpdate    = zendesk.EndpointTicketsUpdate
	EndpointUsersShowMany    = zendesk.EndpointUsersShowMany
	EndpointUsersUpdateMany  = zendesk.EndpointUsersUpdateMany
	EndpointJobStatus        = zendesk.EndpointJobStatus
	// EndpointUnknown counts requests no route matched.
	EndpointUnknown = "unknown"
	// AllEndpoints makes InjectFault affect every endpoint.
	AllEndpoints = "*"
)

// DefaultExportLag is how recent a change must be to stay out of the
// incremental export: Zendesk never returns the most recent minute.
const DefaultExportLag = time.Minute

// Limits are the emulated rate limits; 0 means unlimited.
type Limits struct {
	AccountPerMinute    int // all /api/v2 requests, fixed one-minute windows
	ExportPerMinute     int // incremental user export, fixed one-minute windows
	UserUpdatePerMinute int // PUT /api/v2/users/{id} per user profile, sliding minute
}

// DefaultLimits are used when WithLimits is not given: only Zendesk's
// per-user update limit applies.
var DefaultLimits = Limits{UserUpdatePerMinute: 5}

// Mutation is one field of a user changed through the API. Comments
// written on tickets are not mutations; TicketComments has them.
type Mutation struct {
	At     time.Time
	UserID int64
	// Field is "role", "role_type", "custom_role_id", "default_group_id" or
	// "suspended" for a user update, and FieldSessions when a DELETE ended
	// the user's sessions (From is how many there were, To "0").
	Field string
	From  string // "" for null
	To    string
}

// FieldSessions is the Mutation.Field of a DELETE that ended sessions.
const FieldSessions = "sessions"

// Option configures a Server.
type Option func(*Server)

// WithAPIToken accepts Basic auth "{email}/token:{token}". As in Zendesk,
// the token is account-wide: any active user's email may be paired with
// it, and requests act as that user.
func WithAPIToken(email, token string) Option {
	return func(s *Server) { s.apiTokens[token] = email }
}

// WithOAuthClient registers an OAuth client. Only confidential clients
// may use the client-credentials grant; their tokens act as the owner.
func WithOAuthClient(identifier, secret string, confidential bool) Option {
	return func(s *Server) {
		s.oauthClients[identifier] = oauthClient{secret: secret, confidential: confidential}
	}
}

// WithBearerToken accepts a pre-issued OAuth access token with full scope,
// acting as the owner.
func WithBearerToken(token string) Option {
	return func(s *Server) { s.tokens[token] = issuedToken{userID: 0, scopes: nil} }
}

// WithClock sets the emulator's clock (default time.Now). SetNow and
// Advance still work on top of it.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.Follow(now) }
}

// WithLimits replaces DefaultLimits.
func WithLimits(l Limits) Option {
	return func(s *Server) { s.limits = l }
}

// WithExportLag sets how recent a change must be to stay out of the
// export (default one minute on the emulator clock).
func WithExportLag(d time.Duration) Option {
	return func(s *Server) { s.exportLag = max(d, 0) }
}

// Server is a running emulator. Use URL as the client's BaseURL and call
// Close when done. It is safe for concurrent use.
type Server struct {
	*httptest.Server

	// Clock is the emulator's clock: Now, SetNow, Advance, Sleep.
	emuclock.Clock

	// Set by options before the server starts; read-only afterwards.
	apiTokens    map[string]string // token -> email it was created with
	oauthClients map[string]oauthClient
	limits       Limits
	exportLag    time.Duration
	jobDelay     time.Duration

	mu        sync.Mutex
	subdomain string
	ownerID   int64
	users     []zendesk.User // sorted by ID
	index     map[int64]int  // user ID -> position in users
	// changes is the export's change log, oldest first; a user's entry is
	// current only if latest[its position in users] points at it.
	changes     []change
	latest      []int
	groups      []zendesk.Group
	memberships []zendesk.GroupMembership // sorted by ID
	roles       []zendesk.CustomRole
	nextUserID  int64
	nextMembID  int64
	tokens      map[string]issuedToken
	requests    map[string]int
	total       int
	mutations   []Mutation
	faults      emufault.Queue[Fault]
	account     window
	export      window
	userUpdates map[int64][]time.Time
	sessions    map[int64]int // user ID -> live sessions; absent means none
	creds       credentials
	tickets     map[int64]zendesk.Ticket
	comments    map[int64][]TicketComment // ticket ID -> comments, oldest first
	nextEventID int64                     // audits and their events
	auditLogs   []zendesk.AuditLog        // the account's audit log, oldest first
	nextAuditID int64
	noAuditLog  bool // set by WithoutAuditLog
	// noCustomRoles is set by WithoutCustomRoles.
	noCustomRoles bool
	// jobs are the account's background jobs, oldest first; pendingJobs
	// counts those still queued.
	jobs        []*job
	pendingJobs int
	// endUsers are generated end users (WithEndUsers), created over the
	// three years before endUsersEnd.
	endUsers    int
	endUsersEnd time.Time
}

type oauthClient struct {
	secret       string
	confidential bool
}

type issuedToken struct {
	userID  int64    // 0 = the owner
	scopes  []string // nil = every scope
	expires time.Time
	issued  bool // by /oauth/tokens rather than WithBearerToken
}

type change struct {
	userID int64
	at     time.Time // non-decreasing along the log
}

// NewServer starts an emulator serving a copy of org.
func NewServer(org *Org, opts ...Option) *Server {
	s := &Server{
		apiTokens:    map[string]string{},
		oauthClients: map[string]oauthClient{},
		limits:       DefaultLimits,
		exportLag:    DefaultExportLag,
		jobDelay:     DefaultJobDelay,
		tokens:       map[string]issuedToken{},
		requests:     map[string]int{},
		userUpdates:  map[int64][]time.Time{},
		sessions:     map[int64]int{},
	}
	for _, o := range opts {
		o(s)
	}
	s.load(org)
	s.Server = httptest.NewServer(s)
	return s
}

func (s *Server) load(org *Org) {
	s.subdomain = org.Subdomain
	s.ownerID = org.OwnerID
	s.users = make([]zendesk.User, len(org.Users))
	copy(s.users, org.Users)
	slices.SortFunc(s.users, func(a, b zendesk.User) int { return cmp.Compare(a.ID, b.ID) })
	s.index = make(map[int64]int, len(s.users))
	for i, u := range s.users {
		if _, dup := s.index[u.ID]; dup {
			panic(fmt.Sprintf("zendesktest: duplicate user id %d", u.ID))
		}
		s.index[u.ID] = i
	}
	if s.ownerID == 0 {
		for _, u := range s.users {
			if u.Active && u.Role == zendesk.RoleAdmin {
				s.ownerID = u.ID
				break
			}
		}
	}
	if len(s.users) > 0 {
		s.nextUserID = s.users[len(s.users)-1].ID + 1
	} else {
		s.nextUserID = firstUserID
	}

	// The initial change log orders users by their last change, as the
	// real export would have recorded them.
	order := make([]int, len(s.users))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return s.users[a].UpdatedAt.Compare(s.users[b].UpdatedAt)
	})
	s.changes = make([]change, len(order))
	s.latest = make([]int, len(s.users))
	for pos, i := range order {
		s.changes[pos] = change{userID: s.users[i].ID, at: s.users[i].UpdatedAt}
		s.latest[i] = pos
	}
	// Generated end users came before anything the account records, so
	// a clock set after the start dates none of them in the future.
	s.endUsersEnd = s.Now().Add(-settleTime)
	if len(s.changes) > 0 {
		s.endUsersEnd = s.changes[0].at
	}

	s.groups = slices.Clone(org.Groups)
	slices.SortFunc(s.groups, func(a, b zendesk.Group) int { return cmp.Compare(a.ID, b.ID) })
	s.memberships = slices.Clone(org.Memberships)
	slices.SortFunc(s.memberships, func(a, b zendesk.GroupMembership) int { return cmp.Compare(a.ID, b.ID) })
	s.nextMembID = firstMembershipID
	if len(s.memberships) > 0 {
		s.nextMembID = s.memberships[len(s.memberships)-1].ID + 1
	}
	s.roles = slices.Clone(org.CustomRoles)
	s.loadCredentials(org)
	s.loadTickets(org)
}

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

// RevokeTokens invalidates every token issued by /oauth/tokens, as
// revoking them in Zendesk's Admin Center would. WithBearerToken tokens
// stay valid.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok, it := range s.tokens {
		if it.issued {
			delete(s.tokens, tok)
		}
	}
}

// Mutations returns the changes made through the API, oldest first.
func (s *Server) Mutations() []Mutation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.mutations)
}

// User returns the current state of a user.
func (s *Server) User(id int64) (zendesk.User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[id]
	if !ok {
		return zendesk.User{}, false
	}
	return cloneUser(s.users[i]), true
}

// UserByEmail returns the current state of the user with email (any
// case), as User does.
func (s *Server) UserByEmail(email string) (zendesk.User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.userByEmail(email)
	if !ok {
		return zendesk.User{}, false
	}
	return cloneUser(u), true
}

// Users returns the current state of every user, by ID.
func (s *Server) Users() []zendesk.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]zendesk.User, len(s.users))
	for i, u := range s.users {
		out[i] = cloneUser(u)
	}
	return out
}

// Memberships returns the current group memberships, by ID.
func (s *Server) Memberships() []zendesk.GroupMembership {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.memberships)
}

// UpdateUser changes a user as an admin would in Zendesk's UI: fn edits a
// copy, then updated_at and the export position move to now. It reports
// false for an unknown id.
func (s *Server) UpdateUser(id int64, fn func(*zendesk.User)) (zendesk.User, bool) {
	for {
		s.mu.Lock()
		i, ok := s.index[id]
		if !ok {
			s.mu.Unlock()
			return zendesk.User{}, false
		}
		u, version := cloneUser(s.users[i]), s.latest[i]
		s.mu.Unlock()
		// fn runs unlocked so it may call the Server; a change made
		// meanwhile (an API PUT) moves the user's change-log position, and
		// fn then runs again on the newer user instead of overwriting it.
		fn(&u)
		u.ID = id
		now := s.stamp()
		s.mu.Lock()
		if i, ok = s.index[id]; !ok {
			s.mu.Unlock()
			return zendesk.User{}, false
		}
		if s.latest[i] != version {
			s.mu.Unlock()
			continue
		}
		s.store(i, u, now)
		s.mu.Unlock()
		return cloneUser(u), true
	}
}

// AddUser creates a user as Zendesk's UI would. A zero ID gets the next
// free one; zero CreatedAt becomes now. It panics on a duplicate ID.
func (s *Server) AddUser(u zendesk.User) zendesk.User {
	now := s.stamp()
	s.mu.Lock()
	defer s.mu.Unlock()
	u = cloneUser(u)
	if u.ID == 0 {
		u.ID = s.nextUserID
	}
	if _, dup := s.index[u.ID]; dup {
		panic(fmt.Sprintf("zendesktest: AddUser: duplicate user id %d", u.ID))
	}
	if u.Role == "" {
		u.Role = zendesk.RoleEndUser
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	s.nextUserID = max(s.nextUserID, u.ID+1)

	pos, _ := slices.BinarySearchFunc(s.users, u.ID, func(x zendesk.User, id int64) int { return cmp.Compare(x.ID, id) })
	s.users = slices.Insert(s.users, pos, zendesk.User{})
	s.latest = slices.Insert(s.latest, pos, 0)
	for j := pos + 1; j < len(s.users); j++ {
		s.index[s.users[j].ID] = j
	}
	s.index[u.ID] = pos
	s.store(pos, u, now)
	if u.DefaultGroupID != nil && u.Role != zendesk.RoleEndUser {
		s.memberships = append(s.memberships, zendesk.GroupMembership{
			ID: s.nextMembID, UserID: u.ID, GroupID: *u.DefaultGroupID, Default: true,
		})
		s.nextMembID++
	}
	return cloneUser(u)
}

// DeleteUser soft-deletes a user as Zendesk does: inactive, demoted to end
// user, out of every group. It reports false for an unknown id.
func (s *Server) DeleteUser(id int64) bool {
	now := s.stamp()
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[id]
	if !ok {
		return false
	}
	u := cloneUser(s.users[i])
	u.Active = false
	u.Role = zendesk.RoleEndUser
	u.RoleType, u.CustomRoleID, u.DefaultGroupID = nil, nil, nil
	s.removeMemberships(id)
	s.store(i, u, now)
	return true
}

// RenameCustomRole renames a custom role, as an admin does in Admin
// Center: the users on it do not change, so the user export does not
// return them. It reports false for an unknown id.
func (s *Server) RenameCustomRole(id int64, name string) bool {
	now := s.stamp()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.roles {
		if s.roles[i].ID == id {
			s.roles[i].Name, s.roles[i].UpdatedAt = name, now
			return true
		}
	}
	return false
}

// StartSession is the user signing in: one more live session, until a
// DELETE /api/v2/users/{id}/sessions ends them all. It changes nothing
// else (not last_login_at: set that with UpdateUser). It reports false,
// starting nothing, for an unknown id and for users who cannot sign in
// (suspended or deleted).
func (s *Server) StartSession(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.index[id]
	if !ok || !s.users[i].Active || s.users[i].Suspended {
		return false
	}
	s.sessions[id]++
	return true
}

// Sessions is how many live sessions a user has; 0 for an unknown id.
// Changing a user's role does not end them, as in Zendesk.
func (s *Server) Sessions(id int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id]
}

// stamp is now at the second precision Zendesk timestamps have.
func (s *Server) stamp() time.Time {
	return s.Now().UTC().Truncate(time.Second)
}

// store saves u at position i as changed at now and appends it to the
// export's change log. Callers hold s.mu.
func (s *Server) store(i int, u zendesk.User, now time.Time) {
	u.UpdatedAt = now
	s.users[i] = u
	at := now
	if n := len(s.changes); n > 0 && s.changes[n-1].at.After(at) {
		// Keep the log ordered even if the clock was set back.
		at = s.changes[n-1].at
	}
	s.changes = append(s.changes, change{userID: u.ID, at: at})
	s.latest[i] = len(s.changes) - 1
}

func (s *Server) removeMemberships(userID int64) {
	s.memberships = slices.DeleteFunc(s.memberships, func(m zendesk.GroupMembership) bool {
		return m.UserID == userID
	})
}

func cloneUser(u zendesk.User) zendesk.User {
	u.RoleType = clonePtr(u.RoleType)
	u.CustomRoleID = clonePtr(u.CustomRoleID)
	u.DefaultGroupID = clonePtr(u.DefaultGroupID)
	u.LastLoginAt = clonePtr(u.LastLoginAt)
	return u
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
