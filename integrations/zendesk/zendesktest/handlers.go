package zendesktest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

// Bodies Zendesk sends for common failures.
const (
	bodyUnauthenticated = `{"error":"Couldn't authenticate you"}`
	bodyNotFound        = `{"error":"RecordNotFound","description":"Not found"}`
	bodyForbidden       = `{"error":"Forbidden","description":"You do not have access to this page. Please contact the account owner of this help desk for further help."}`
	bodyRateLimited     = `{"error":"APIRateLimitExceeded","description":"Number of allowed API requests per minute exceeded"}`
)

// shownAccountLimit is the X-Rate-Limit reported when no account limit is
// emulated (Enterprise's 700).
const shownAccountLimit = 700

type route struct {
	endpoint   string
	userID     int64  // for users_show, users_update and users_sessions
	tokenID    int64  // for oauth_token_revoke
	ticketID   int64  // for tickets_show and tickets_update
	jobID      string // for job_status
	api        bool   // under /api/v2, so it counts against the account limit
	badMethod  bool
	allowedFor string
}

// routeFor maps a request to an endpoint name. The .json suffix is
// optional, as in Zendesk.
func routeFor(r *http.Request) route {
	p := strings.TrimSuffix(strings.TrimRight(r.URL.Path, "/"), ".json")
	method := r.Method
	want := func(endpoint, allowed string) route {
		return route{endpoint: endpoint, api: strings.HasPrefix(p, "/api/v2/"), badMethod: method != allowed, allowedFor: allowed}
	}
	switch p {
	case "/oauth/tokens":
		return want(EndpointOAuthToken, http.MethodPost)
	case "/api/v2/users/me":
		return want(EndpointUsersMe, http.MethodGet)
	case "/api/v2/users":
		return want(EndpointUsersList, http.MethodGet)
	case "/api/v2/users/show_many":
		return want(EndpointUsersShowMany, http.MethodGet)
	case "/api/v2/users/update_many":
		return want(EndpointUsersUpdateMany, http.MethodPut)
	case "/api/v2/incremental/users/cursor":
		return want(EndpointIncrementalUsers, http.MethodGet)
	case "/api/v2/groups":
		return want(EndpointGroups, http.MethodGet)
	case "/api/v2/group_memberships":
		return want(EndpointGroupMemberships, http.MethodGet)
	case "/api/v2/custom_roles":
		return want(EndpointCustomRoles, http.MethodGet)
	case "/api/v2/api_tokens":
		return want(EndpointAPITokens, http.MethodGet)
	case "/api/v2/oauth/clients":
		return want(EndpointOAuthClients, http.MethodGet)
	case "/api/v2/oauth/tokens":
		return want(EndpointOAuthTokens, http.MethodGet)
	case "/api/v2/apps/installations":
		return want(EndpointAppInstallations, http.MethodGet)
	case "/api/v2/audit_logs":
		return want(EndpointAuditLogs, http.MethodGet)
	}
	if rest, ok := strings.CutPrefix(p, "/api/v2/oauth/tokens/"); ok {
		if id, err := strconv.ParseInt(rest, 10, 64); err == nil && id > 0 {
			rt := want(EndpointOAuthTokenRevoke, http.MethodDelete)
			rt.tokenID = id
			return rt
		}
	}
	if rest, ok := strings.CutPrefix(p, "/api/v2/job_statuses/"); ok && rest != "" && !strings.Contains(rest, "/") {
		rt := want(EndpointJobStatus, http.MethodGet)
		rt.jobID = rest
		return rt
	}
	if rest, ok := strings.CutPrefix(p, "/api/v2/tickets/"); ok {
		if id, err := strconv.ParseInt(rest, 10, 64); err == nil && id > 0 {
			var rt route
			switch method {
			case http.MethodPut:
				rt = want(EndpointTicketsUpdate, http.MethodPut)
			default:
				rt = want(EndpointTicketsShow, http.MethodGet)
			}
			rt.ticketID = id
			return rt
		}
	}
	if rest, ok := strings.CutPrefix(p, "/api/v2/users/"); ok {
		if idStr, ok := strings.CutSuffix(rest, "/sessions"); ok {
			if id, err := strconv.ParseInt(idStr, 10, 64); err == nil && id > 0 {
				rt := want(EndpointUserSessions, http.MethodDelete)
				rt.userID = id
				return rt
			}
		}
		if id, err := strconv.ParseInt(rest, 10, 64); err == nil && id > 0 {
			var rt route
			switch method {
			case http.MethodPut:
				rt = want(EndpointUsersUpdate, http.MethodPut)
			default:
				rt = want(EndpointUsersShow, http.MethodGet)
			}
			rt.userID = id
			return rt
		}
	}
	return route{endpoint: EndpointUnknown, api: strings.HasPrefix(p, "/api/v2/")}
}

// identity is who a request acts as.
type identity struct {
	user   zendesk.User
	scopes []string // nil = every scope (API tokens, pre-issued tokens)
}

// allows applies OAuth scopes: read/write, or resource-scoped
// "users:read"; groups and custom roles have no resource scope.
func (id identity) allows(resource string, write bool) bool {
	if id.scopes == nil {
		return true
	}
	access := "read"
	if write {
		access = "write"
	}
	for _, sc := range id.scopes {
		if sc == access {
			return true
		}
		if resource != "" && (sc == resource || sc == resource+":"+access) {
			return true
		}
	}
	return false
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt := routeFor(r)
	now := s.Now()

	s.mu.Lock()
	s.total++
	s.requests[rt.endpoint]++
	s.runDueJobs(now)
	acct := s.tickAccount(now, rt.api)
	fault, faulted := s.takeFault(rt.endpoint)
	s.mu.Unlock()

	h := w.Header()
	// The account's own clock, as Zendesk's Date header gives it; a sync
	// reads it to know where its export starts.
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	h.Set("X-Rate-Limit", strconv.Itoa(acct.limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(acct.remaining))
	if s.limits.AccountPerMinute > 0 {
		h.Set("Ratelimit-Limit", strconv.Itoa(acct.limit))
		h.Set("Ratelimit-Remaining", strconv.Itoa(acct.remaining))
		h.Set("Ratelimit-Reset", strconv.Itoa(ceilSeconds(acct.resetIn)))
	}

	if faulted && fault.AfterApply {
		// Zendesk did the work; the caller only sees the fault.
		s.route(httptest.NewRecorder(), r, rt, acct, now)
		fault.AfterApply = false
	}
	if faulted && serveFault(w, r, fault) {
		return
	}
	s.route(w, r, rt, acct, now)
}

// route serves a request that no fault answered.
func (s *Server) route(w http.ResponseWriter, r *http.Request, rt route, acct accountState, now time.Time) {
	h := w.Header()
	switch {
	case rt.endpoint == EndpointUnknown:
		writeRaw(w, http.StatusNotFound, bodyNotFound)
		return
	case rt.badMethod:
		h.Set("Allow", rt.allowedFor)
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "Method not allowed")
		return
	case rt.endpoint == EndpointOAuthToken:
		s.handleToken(w, r, now)
		return
	}

	who, ok := s.authenticate(r, now)
	if !ok {
		writeRaw(w, http.StatusUnauthorized, bodyUnauthenticated)
		return
	}
	if acct.exceeded {
		h.Set("Retry-After", strconv.Itoa(ceilSeconds(acct.resetIn)))
		writeRaw(w, http.StatusTooManyRequests, bodyRateLimited)
		return
	}

	switch rt.endpoint {
	case EndpointUsersMe:
		s.handleMe(w, r, who)
	case EndpointUsersShow:
		s.handleShowUser(w, r, who, rt.userID)
	case EndpointUsersUpdate:
		s.handleUpdateUser(w, r, who, rt.userID, now)
	case EndpointUserSessions:
		s.handleEndSessions(w, who, rt.userID, now)
	case EndpointUsersShowMany:
		s.handleShowMany(w, r, who)
	case EndpointUsersUpdateMany:
		s.handleUpdateMany(w, r, who, now)
	case EndpointJobStatus:
		s.handleJobStatus(w, who, rt.jobID, now)
	case EndpointUsersList:
		s.handleListUsers(w, r, who)
	case EndpointIncrementalUsers:
		s.handleExport(w, r, who, now)
	case EndpointGroups:
		s.handleGroups(w, r, who)
	case EndpointGroupMemberships:
		s.handleMemberships(w, r, who)
	case EndpointCustomRoles:
		s.handleCustomRoles(w, r, who)
	case EndpointAPITokens:
		s.handleAPITokens(w, r, who)
	case EndpointOAuthClients:
		s.handleOAuthClients(w, r, who)
	case EndpointOAuthTokens:
		s.handleOAuthTokens(w, r, who)
	case EndpointOAuthTokenRevoke:
		s.handleRevokeOAuthToken(w, who, rt.tokenID)
	case EndpointAppInstallations:
		s.handleInstallations(w, who)
	case EndpointAuditLogs:
		s.handleAuditLogs(w, r, who)
	case EndpointTicketsShow:
		s.handleShowTicket(w, r, who, rt.ticketID)
	case EndpointTicketsUpdate:
		s.handleUpdateTicket(w, r, who, rt.ticketID, now)
	}
}

type accountState struct {
	limit, remaining int
	resetIn          time.Duration
	exceeded         bool
}

// tickAccount counts an /api/v2 request in the account window. Callers
// hold s.mu.
func (s *Server) tickAccount(now time.Time, count bool) accountState {
	limit := s.limits.AccountPerMinute
	if count {
		s.account.tick(now)
	} else {
		s.account.roll(now)
	}
	st := accountState{resetIn: s.account.resetIn(now)}
	if limit <= 0 {
		// Unlimited: never report an empty budget, which would make
		// clients hold off.
		st.limit, st.remaining = shownAccountLimit, max(shownAccountLimit-s.account.count, 1)
		return st
	}
	st.limit, st.remaining = limit, max(limit-s.account.count, 0)
	st.exceeded = count && s.account.count > limit
	return st
}

// window counts requests in fixed one-minute windows.
type window struct {
	start time.Time
	count int
}

func (w *window) roll(now time.Time) {
	if start := now.Truncate(time.Minute); !start.Equal(w.start) {
		w.start, w.count = start, 0
	}
}

func (w *window) tick(now time.Time) {
	w.roll(now)
	w.count++
}

func (w *window) resetIn(now time.Time) time.Duration {
	return w.start.Add(time.Minute).Sub(now)
}

// authenticate checks the Authorization header. Suspended and deleted
// users cannot authenticate.
func (s *Server) authenticate(r *http.Request, now time.Time) (identity, bool) {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	cred = strings.TrimSpace(cred)
	var who identity
	s.mu.Lock()
	defer s.mu.Unlock()
	switch strings.ToLower(scheme) {
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return identity{}, false
		}
		user, token, _ := strings.Cut(string(raw), ":")
		email, isToken := strings.CutSuffix(user, "/token")
		if !isToken || token == "" {
			return identity{}, false
		}
		if _, ok := s.apiTokens[token]; !ok {
			return identity{}, false
		}
		u, ok := s.userByEmail(email)
		if !ok {
			return identity{}, false
		}
		who.user = u
	case "bearer":
		tok, ok := s.tokens[cred]
		if !ok || cred == "" || (!tok.expires.IsZero() && !now.Before(tok.expires)) {
			return identity{}, false
		}
		id := tok.userID
		if id == 0 {
			id = s.ownerID
		}
		i, ok := s.index[id]
		if !ok {
			return identity{}, false
		}
		who.user, who.scopes = s.users[i], tok.scopes
	default:
		return identity{}, false
	}
	if !who.user.Active || who.user.Suspended {
		return identity{}, false
	}
	who.user = cloneUser(who.user)
	return who, true
}

func (s *Server) userByEmail(email string) (zendesk.User, bool) {
	for _, u := range s.users {
		if strings.EqualFold(u.Email, email) {
			return u, true
		}
	}
	return zendesk.User{}, false
}

func isStaff(u zendesk.User) bool {
	return u.Role == zendesk.RoleAgent || u.Role == zendesk.RoleAdmin
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, who identity) {
	if !who.allows("users", false) {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": toWireUser(baseURL(r), who.user)})
}

func (s *Server) handleShowUser(w http.ResponseWriter, r *http.Request, who identity, id int64) {
	if !who.allows("users", false) {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	u, ok := s.User(id)
	if !ok {
		writeRaw(w, http.StatusNotFound, bodyNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": toWireUser(baseURL(r), u)})
}

// handleToken serves POST /oauth/tokens: only the client-credentials grant
// of confidential clients, with JSON or form bodies.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request, now time.Time) {
	var p struct {
		GrantType    string          `json:"grant_type"`
		ClientID     string          `json:"client_id"`
		ClientSecret string          `json:"client_secret"`
		Scope        string          `json:"scope"`
		ExpiresIn    json.RawMessage `json:"expires_in"`
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "application/json" {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&p); err != nil {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request body is not valid JSON.")
			return
		}
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request body could not be parsed.")
			return
		}
		p.GrantType, p.ClientID = r.PostForm.Get("grant_type"), r.PostForm.Get("client_id")
		p.ClientSecret, p.Scope = r.PostForm.Get("client_secret"), r.PostForm.Get("scope")
		if v := r.PostForm.Get("expires_in"); v != "" {
			p.ExpiresIn = json.RawMessage(v)
		}
	}
	if id, secret, ok := r.BasicAuth(); ok && p.ClientID == "" {
		p.ClientID, p.ClientSecret = id, secret
	}

	if p.GrantType != "client_credentials" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type",
			"The authorization grant type is not supported by the authorization server.")
		return
	}
	client, ok := s.oauthClients[p.ClientID]
	if !ok || p.ClientSecret == "" || client.secret != p.ClientSecret {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client",
			"Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.")
		return
	}
	if !client.confidential {
		writeOAuthError(w, http.StatusBadRequest, "unauthorized_client",
			"The client is not authorized to perform this request using this method.")
		return
	}
	scopes := strings.Fields(p.Scope)
	if len(scopes) == 0 {
		scopes = []string{"read", "write"}
	}
	tok := issuedToken{scopes: scopes, issued: true}
	resp := map[string]any{
		"access_token": "zdt_" + rand.Text(),
		"token_type":   "bearer",
		"scope":        strings.Join(scopes, " "),
	}
	if len(p.ExpiresIn) > 0 {
		secs, err := strconv.Atoi(strings.Trim(string(p.ExpiresIn), `"`))
		if err != nil || secs <= 300 || secs >= 172800 {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request",
				"expires_in must be more than 300 and less than 172800 seconds.")
			return
		}
		tok.expires = now.Add(time.Duration(secs) * time.Second)
		resp["expires_in"] = secs
	}
	s.mu.Lock()
	s.tokens[resp["access_token"].(string)] = tok
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, resp)
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
		return
	}
	writeRaw(w, status, string(body))
}

func writeRaw(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// writeError writes Zendesk's usual {"error","description"} envelope.
func writeError(w http.ResponseWriter, status int, code, desc string) {
	body := map[string]string{"error": code}
	if desc != "" {
		body["description"] = desc
	}
	writeJSON(w, status, body)
}

// writeInvalid writes a 422 RecordInvalid with field details.
func writeInvalid(w http.ResponseWriter, field, desc string) {
	writeInvalidAs(w, field, "InvalidValue", desc)
}

// writeInvalidAs is writeInvalid with the detail's own error code, such as
// BlankValue.
func writeInvalidAs(w http.ResponseWriter, field, code, desc string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"error":       "RecordInvalid",
		"description": "Record validation errors",
		"details": map[string]any{
			field: []map[string]string{{"error": code, "description": desc}},
		},
	})
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// wireUser is a user as Zendesk sends it, with the profile fields seat
// governance ignores but real payloads carry.
type wireUser struct {
	zendesk.User
	RestrictedAgent     bool           `json:"restricted_agent"`
	TicketRestriction   *string        `json:"ticket_restriction"`
	OrganizationID      *int64         `json:"organization_id"`
	ExternalID          *string        `json:"external_id"`
	Alias               *string        `json:"alias"`
	Phone               *string        `json:"phone"`
	Moderator           bool           `json:"moderator"`
	OnlyPrivateComments bool           `json:"only_private_comments"`
	ChatOnly            bool           `json:"chat_only"`
	Shared              bool           `json:"shared"`
	SharedAgent         bool           `json:"shared_agent"`
	Verified            bool           `json:"verified"`
	Locale              string         `json:"locale"`
	LocaleID            int            `json:"locale_id"`
	TimeZone            string         `json:"time_zone"`
	IANATimeZone        string         `json:"iana_time_zone"`
	Tags                []string       `json:"tags"`
	UserFields          map[string]any `json:"user_fields"`
}

func toWireUser(base string, u zendesk.User) wireUser {
	u.URL = fmt.Sprintf("%s/api/v2/users/%d.json", base, u.ID)
	w := wireUser{
		User:       u,
		Verified:   true,
		Locale:     "en-US",
		LocaleID:   1,
		TimeZone:   "Amsterdam",
		Tags:       []string{},
		UserFields: map[string]any{},
	}
	w.IANATimeZone = "Europe/Amsterdam"
	switch u.Role {
	case zendesk.RoleAdmin:
		w.Moderator = true
	case zendesk.RoleAgent:
		w.RestrictedAgent = true
		w.TicketRestriction = ptr("groups")
		w.OnlyPrivateComments = u.RoleType != nil && *u.RoleType == zendesk.RoleTypeLightAgent
	default:
		w.RestrictedAgent = true
		w.TicketRestriction = ptr("requested")
	}
	return w
}
