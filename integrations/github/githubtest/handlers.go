package githubtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/integrations/github"
)

// Documentation links GitHub puts in error bodies.
const (
	docsREST            = "https://docs.github.com/rest"
	docsPrimaryLimit    = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits"
	docsSecondaryLimit  = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
	docsMembers         = "https://docs.github.com/rest/orgs/members"
	docsCopilot         = "https://docs.github.com/rest/copilot/copilot-user-management"
	docsPATs            = "https://docs.github.com/rest/orgs/personal-access-tokens"
	docsAppToken        = "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app"
	supportedAPIVersion = "2022-11-28"
)

// Default and largest page sizes of the emulated listings.
const (
	defaultPerPage        = 30
	defaultSeatsPerPage   = 50
	maxPerPage            = 100
	maxSelectedUsernames  = 100
	maxPatIDs             = 100
	maxRequestBody        = 1 << 20
	secondaryLimitMessage = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID %s."
)

type route struct {
	endpoint       string
	resource       string
	login          string // users, memberships, a member's seat
	userID         int64  // user by id
	installationID int64  // app_token
	// linkPath is where pagination links point: GitHub links org member
	// pages by the org's numeric id.
	linkPath string
	// noOrg: the path names another org.
	noOrg bool
}

// routeFor maps a request to an endpoint. An unsupported method on a known
// path is unknown, which GitHub answers 404.
func (s *Server) routeFor(r *http.Request) route {
	p := strings.TrimRight(r.URL.Path, "/")
	if p == s.graphqlPath() {
		if r.Method != http.MethodPost {
			return route{endpoint: EndpointUnknown, resource: ResourceCore}
		}
		return route{endpoint: EndpointGraphQL, resource: ResourceGraphQL}
	}
	rest, ok := strings.CutPrefix(p, s.prefix)
	if !ok {
		return route{endpoint: EndpointUnknown, resource: ResourceCore}
	}
	seg := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	rt := route{endpoint: EndpointUnknown, resource: ResourceCore}
	want := func(method, endpoint string) bool {
		if r.Method != method {
			return false
		}
		rt.endpoint = endpoint
		return true
	}
	orgSeg := func() {
		switch seg[0] {
		case "orgs":
			rt.noOrg = !strings.EqualFold(seg[1], s.org.Login)
		case "organizations":
			rt.noOrg = seg[1] != strconv.FormatInt(s.org.ID, 10)
		}
	}
	switch {
	case len(seg) == 2 && seg[0] == "users":
		rt.login = seg[1]
		want(http.MethodGet, EndpointUser)
	case len(seg) == 2 && seg[0] == "user":
		// GitHub answers 404 for an id that is not a number.
		if id, err := strconv.ParseInt(seg[1], 10, 64); err == nil && want(http.MethodGet, EndpointUserByID) {
			rt.userID = id
		}
	case len(seg) == 4 && seg[0] == "app" && seg[1] == "installations" && seg[3] == "access_tokens":
		if id, err := strconv.ParseInt(seg[2], 10, 64); err == nil && want(http.MethodPost, EndpointAppToken) {
			rt.installationID = id
		}
	case len(seg) >= 2 && (seg[0] == "orgs" || seg[0] == "organizations"):
		orgSeg()
		tail := strings.Join(seg[2:], "/")
		switch {
		case tail == "" && seg[0] == "orgs":
			want(http.MethodGet, EndpointOrg)
		case tail == "members":
			if want(http.MethodGet, EndpointMembers) {
				rt.linkPath = fmt.Sprintf("%s/organizations/%d/members", s.prefix, s.org.ID)
			}
		case len(seg) == 4 && seg[2] == "memberships" && seg[0] == "orgs":
			rt.login = seg[3]
			_ = want(http.MethodGet, EndpointMembershipGet) || want(http.MethodPut, EndpointMembershipSet) ||
				want(http.MethodDelete, EndpointMembershipRemove)
		case tail == "copilot/billing/seats":
			want(http.MethodGet, EndpointCopilotSeats)
		case len(seg) == 5 && seg[0] == "orgs" && seg[2] == "members" && seg[4] == "copilot":
			rt.login = seg[3]
			want(http.MethodGet, EndpointMemberCopilotSeat)
		case tail == "copilot/billing/selected_users" && seg[0] == "orgs":
			want(http.MethodDelete, EndpointCopilotRemove)
		case tail == "personal-access-tokens":
			_ = want(http.MethodGet, EndpointFineGrainedTokens) || (seg[0] == "orgs" && want(http.MethodPost, EndpointRevokeTokens))
		case tail == "installations":
			want(http.MethodGet, EndpointInstallations)
		}
	}
	return rt
}

// graphqlPath is /graphql, or /api/graphql beside /api/v3.
func (s *Server) graphqlPath() string {
	if p, ok := strings.CutSuffix(s.prefix, "/v3"); ok {
		return p + "/graphql"
	}
	return s.prefix + "/graphql"
}

// identity is who a request acts as.
type identity struct {
	login        string // a personal access token's user
	app          bool   // an installation token
	installation int64
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt := s.routeFor(r)
	now := s.Now()

	s.mu.Lock()
	s.total++
	s.requests[rt.endpoint]++
	s.nextRequestID++
	reqID := fmt.Sprintf("C0DE:%04X:%06X:%06X:%08X", s.nextRequestID%0xFFFF, s.nextRequestID, s.nextRequestID*7, now.Unix())
	fault, faulted := s.takeFault(rt.endpoint, r.URL.Path)
	st := s.budgetFor(rt.resource, now).state(now)
	s.mu.Unlock()

	h := w.Header()
	h.Set("X-GitHub-Request-Id", reqID)
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	setRateHeaders(h, rt.resource, st)

	if faulted && s.serveFault(w, r, rt, fault, now, reqID) {
		return
	}
	if r.Header.Get("User-Agent") == "" {
		writeMessage(w, http.StatusForbidden, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header.", docsREST)
		return
	}
	if v := r.Header.Get("X-GitHub-Api-Version"); v != "" && v != supportedAPIVersion {
		writeMessage(w, http.StatusBadRequest, fmt.Sprintf("API version %s is not supported.", v), docsREST)
		return
	}
	h.Set("X-GitHub-Api-Version-Selected", supportedAPIVersion)
	switch rt.endpoint {
	case EndpointUnknown:
		writeMessage(w, http.StatusNotFound, "Not Found", docsREST)
		return
	case EndpointAppToken:
		s.handleAppToken(w, r, rt, now)
		return
	}

	who, ok := s.authenticate(r, now)
	if !ok {
		msg := "Bad credentials"
		if r.Header.Get("Authorization") == "" {
			msg = "Requires authentication"
		}
		writeMessage(w, http.StatusUnauthorized, msg, docsREST)
		return
	}
	s.mu.Lock()
	st, spent := s.budgetFor(rt.resource, now).spend(now)
	s.mu.Unlock()
	setRateHeaders(h, rt.resource, st)
	if !spent {
		s.writePrimaryLimit(w, rt, who)
		return
	}
	if rt.noOrg {
		writeMessage(w, http.StatusNotFound, "Not Found", docsREST)
		return
	}

	switch rt.endpoint {
	case EndpointOrg:
		s.handleOrg(w, r, who)
	case EndpointMembers:
		s.handleMembers(w, r, rt, who)
	case EndpointUser:
		s.handleUser(w, r, rt.login)
	case EndpointUserByID:
		s.handleUserByID(w, r, rt.userID)
	case EndpointMembershipGet:
		s.handleMembership(w, r, rt.login)
	case EndpointMembershipSet:
		s.handleSetMembership(w, r, rt.login, who, now)
	case EndpointMembershipRemove:
		s.handleRemoveMembership(w, rt.login, who, now)
	case EndpointCopilotSeats:
		s.handleSeats(w, r, who, now)
	case EndpointMemberCopilotSeat:
		s.handleMemberSeat(w, r, rt.login, who, now)
	case EndpointCopilotRemove:
		s.handleRemoveSeats(w, r, who, now)
	case EndpointFineGrainedTokens:
		s.handleTokens(w, r, who, now)
	case EndpointRevokeTokens:
		s.handleRevokeTokens(w, r, who, now)
	case EndpointInstallations:
		s.handleInstallations(w, r, who)
	case EndpointGraphQL:
		s.handleGraphQL(w, r)
	}
}

// authenticate accepts "Bearer" and "token" schemes with a registered
// personal access token or an unexpired installation token.
func (s *Server) authenticate(r *http.Request, now time.Time) (identity, bool) {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	cred = strings.TrimSpace(cred)
	if cred == "" || (!strings.EqualFold(scheme, "bearer") && !strings.EqualFold(scheme, "token")) {
		return identity{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if login, ok := s.pats[cred]; ok {
		return identity{login: login}, true
	}
	if it, ok := s.issued[cred]; ok && now.Before(it.expires) {
		return identity{app: true, installation: it.installationID}, true
	}
	return identity{}, false
}

// owner reports whether who may act as an org owner: an owner's token, or
// the installation (the emulator grants it every permission it asks for).
func (s *Server) owner(who identity) bool {
	if who.app {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.memberIndex(who.login)
	return i >= 0 && s.org.Members[i].Role == github.RoleAdmin
}

func (s *Server) requireOwner(w http.ResponseWriter, who identity, docs string) bool {
	if s.owner(who) {
		return true
	}
	writeMessage(w, http.StatusForbidden, "You must be an organization owner to do that.", docs)
	return false
}

// writePrimaryLimit answers an exhausted budget as GitHub does: 403 for
// REST, a 200 whose errors say RATE_LIMITED for GraphQL.
func (s *Server) writePrimaryLimit(w http.ResponseWriter, rt route, who identity) {
	subject := "user ID " + who.login
	if who.app {
		subject = fmt.Sprintf("installation ID %d", who.installation)
	}
	if rt.resource == ResourceGraphQL {
		writeJSON(w, http.StatusOK, map[string]any{"errors": []map[string]any{{
			"type":    "RATE_LIMITED",
			"message": "API rate limit already exceeded for " + subject + ".",
		}}})
		return
	}
	writeMessage(w, http.StatusForbidden, "API rate limit exceeded for "+subject+".", docsPrimaryLimit)
}

// budget is a resource's hourly window.
type budget struct {
	limit int
	used  int
	reset time.Time
}

type budgetState struct {
	limit, remaining, used int
	reset                  time.Time
}

// budgetFor returns a resource's budget. Callers hold s.mu.
func (s *Server) budgetFor(resource string, now time.Time) *budget {
	b := s.budgets[resource]
	if b == nil {
		b = &budget{limit: DefaultRateLimit}
		s.budgets[resource] = b
	}
	b.roll(now)
	return b
}

func (b *budget) roll(now time.Time) {
	if b.reset.IsZero() || !now.Before(b.reset) {
		b.used, b.reset = 0, now.Truncate(time.Second).Add(time.Hour)
	}
}

func (b *budget) state(time.Time) budgetState {
	return budgetState{limit: b.limit, remaining: max(b.limit-b.used, 0), used: b.used, reset: b.reset}
}

// spend takes one request from the budget; false when none is left.
func (b *budget) spend(now time.Time) (budgetState, bool) {
	b.roll(now)
	if b.used >= b.limit {
		return b.state(now), false
	}
	b.used++
	return b.state(now), true
}

func setRateHeaders(h http.Header, resource string, st budgetState) {
	h.Set("X-Ratelimit-Limit", strconv.Itoa(st.limit))
	h.Set("X-Ratelimit-Remaining", strconv.Itoa(st.remaining))
	h.Set("X-Ratelimit-Reset", strconv.FormatInt(st.reset.Unix(), 10))
	h.Set("X-Ratelimit-Used", strconv.Itoa(st.used))
	h.Set("X-Ratelimit-Resource", resource)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeMessage(w, http.StatusInternalServerError, "Server Error", docsREST)
		return
	}
	writeRaw(w, status, body)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeMessage writes GitHub's error envelope.
func writeMessage(w http.ResponseWriter, status int, message, docs string) {
	writeJSON(w, status, map[string]string{
		"message":           message,
		"documentation_url": docs,
		"status":            strconv.Itoa(status),
	})
}

// writeValidation writes a 422 "Validation Failed" naming the field.
func writeValidation(w http.ResponseWriter, resource, field, code, value, docs string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"message":           "Validation Failed",
		"errors":            []map[string]string{{"resource": resource, "field": field, "code": code, "value": value}},
		"documentation_url": docs,
		"status":            "422",
	})
}

func base(r *http.Request) string { return "http://" + r.Host }

// pageParams reads page and per_page as GitHub does: out-of-range values
// fall back to the defaults, per_page is capped at 100.
func pageParams(q url.Values, def int) (page, per int) {
	page, per = 1, def
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n >= 1 {
		page = n
	}
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n >= 1 {
		per = min(n, maxPerPage)
	}
	return page, per
}

// pageBounds is the slice of total items on page.
func pageBounds(page, per, total int) (lo, hi int) {
	lo = min((page-1)*per, total)
	return lo, min(lo+per, total)
}

// setLink writes GitHub's Link header for a page of total items.
func setLink(w http.ResponseWriter, r *http.Request, linkPath string, page, per, total int) {
	last := max(1, (total+per-1)/per)
	if linkPath == "" {
		linkPath = r.URL.Path
	}
	at := func(p int) string {
		q := r.URL.Query()
		q.Set("per_page", strconv.Itoa(per))
		q.Set("page", strconv.Itoa(p))
		return fmt.Sprintf("<%s%s?%s>", base(r), linkPath, q.Encode())
	}
	var links []string
	if page > 1 {
		links = append(links, at(min(page-1, last))+`; rel="prev"`)
	}
	if page < last {
		links = append(links, at(page+1)+`; rel="next"`, at(last)+`; rel="last"`)
	}
	if page > 1 {
		links = append(links, at(1)+`; rel="first"`)
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
}

// Wire shapes: GitHub's fields, including the many the client ignores.

type wireSimpleUser struct {
	Login             string `json:"login"`
	ID                int64  `json:"id"`
	NodeID            string `json:"node_id"`
	AvatarURL         string `json:"avatar_url"`
	GravatarID        string `json:"gravatar_id"`
	URL               string `json:"url"`
	HTMLURL           string `json:"html_url"`
	FollowersURL      string `json:"followers_url"`
	FollowingURL      string `json:"following_url"`
	GistsURL          string `json:"gists_url"`
	StarredURL        string `json:"starred_url"`
	SubscriptionsURL  string `json:"subscriptions_url"`
	OrganizationsURL  string `json:"organizations_url"`
	ReposURL          string `json:"repos_url"`
	EventsURL         string `json:"events_url"`
	ReceivedEventsURL string `json:"received_events_url"`
	Type              string `json:"type"`
	UserViewType      string `json:"user_view_type"`
	SiteAdmin         bool   `json:"site_admin"`
}

func simpleUser(b string, login string, id int64) wireSimpleUser {
	u := b + "/users/" + login
	return wireSimpleUser{
		Login: login, ID: id, NodeID: nodeID("User", id),
		AvatarURL:         fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", id),
		URL:               u,
		HTMLURL:           "https://github.com/" + login,
		FollowersURL:      u + "/followers",
		FollowingURL:      u + "/following{/other_user}",
		GistsURL:          u + "/gists{/gist_id}",
		StarredURL:        u + "/starred{/owner}{/repo}",
		SubscriptionsURL:  u + "/subscriptions",
		OrganizationsURL:  u + "/orgs",
		ReposURL:          u + "/repos",
		EventsURL:         u + "/events{/privacy}",
		ReceivedEventsURL: u + "/received_events",
		Type:              "User",
		UserViewType:      "public",
	}
}

func nodeID(kind string, id int64) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "04:%s%d", kind, id))
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) apiBase(r *http.Request) string { return base(r) + s.prefix }

func (s *Server) wireOrg(r *http.Request) map[string]any {
	b := s.apiBase(r)
	login := s.org.Login
	u := b + "/orgs/" + login
	return map[string]any{
		"login": login, "id": s.org.ID, "node_id": nodeID("Organization", s.org.ID),
		"url": u, "repos_url": u + "/repos", "events_url": u + "/events", "hooks_url": u + "/hooks",
		"issues_url": u + "/issues", "members_url": u + "/members{/member}",
		"public_members_url": u + "/public_members{/member}",
		"avatar_url":         fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", s.org.ID),
		"description":        nil,
	}
}

func (s *Server) handleOrg(w http.ResponseWriter, r *http.Request, who identity) {
	isOwner := s.owner(who)
	s.mu.Lock()
	out := s.wireOrg(r)
	out["name"] = nullIfEmpty(s.org.Name)
	out["company"] = nil
	out["blog"] = ""
	out["location"] = nil
	out["email"] = nil
	out["twitter_username"] = nil
	out["is_verified"] = s.org.VerifiedDomain != ""
	out["has_organization_projects"] = true
	out["has_repository_projects"] = true
	out["public_repos"] = 12
	out["public_gists"] = 0
	out["followers"] = 0
	out["following"] = 0
	out["html_url"] = "https://github.com/" + s.org.Login
	out["type"] = "Organization"
	out["created_at"] = ts(s.org.Now.AddDate(-6, 0, 0))
	out["updated_at"] = ts(s.org.Now.AddDate(0, 0, -3))
	out["archived_at"] = nil
	if isOwner {
		out["total_private_repos"] = 40
		out["owned_private_repos"] = 40
		out["two_factor_requirement_enabled"] = false
		out["members_can_create_repositories"] = false
		out["plan"] = map[string]any{
			"name": s.org.Plan, "space": 976562499, "private_repos": 999999,
			"filled_seats": len(s.org.Members), "seats": len(s.org.Members) + 10,
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleMembers(w http.ResponseWriter, r *http.Request, rt route, who identity) {
	q := r.URL.Query()
	role := q.Get("role")
	if role == "" {
		role = "all"
	}
	filter := q.Get("filter")
	if filter == "" {
		filter = "all"
	}
	switch {
	case role != "all" && role != github.RoleAdmin && role != github.RoleMember:
		writeValidation(w, "Member", "role", "invalid", role, docsMembers)
		return
	case filter != "all" && filter != "2fa_disabled" && filter != "2fa_insecure":
		writeValidation(w, "Member", "filter", "invalid", filter, docsMembers)
		return
	case filter != "all" && !s.owner(who):
		// What GitHub answers a non-owner asking for this filter.
		writeMessage(w, http.StatusUnprocessableEntity, "Only owners can use this filter.", docsMembers)
		return
	}
	page, per := pageParams(q, defaultPerPage)
	b := base(r) + s.prefix
	s.mu.Lock()
	match := s.org.Members
	if role != "all" || filter != "all" {
		match = nil
		for _, m := range s.org.Members {
			if role != "all" && m.Role != role {
				continue
			}
			// The emulator knows 2FA on or off; an insecure method
			// counts as on.
			if filter == "2fa_disabled" && m.TwoFactor || filter == "2fa_insecure" {
				continue
			}
			match = append(match, m)
		}
	}
	lo, hi := pageBounds(page, per, len(match))
	out := make([]wireSimpleUser, 0, hi-lo)
	for _, m := range match[lo:hi] {
		out = append(out, simpleUser(b, m.Login, m.ID))
	}
	total := len(match)
	s.mu.Unlock()
	setLink(w, r, rt.linkPath, page, per, total)
	writeJSON(w, http.StatusOK, out)
}

// user finds a current or former member. Callers hold s.mu.
func (s *Server) user(login string) (Member, bool) {
	if i := s.memberIndex(login); i >= 0 {
		return s.org.Members[i], true
	}
	m, ok := s.former[strings.ToLower(login)]
	return m, ok
}

func (s *Server) handleUser(w http.ResponseWriter, r *http.Request, login string) {
	s.mu.Lock()
	m, ok := s.user(login)
	s.mu.Unlock()
	if !ok {
		writeMessage(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/users/users#get-a-user")
		return
	}
	writeJSON(w, http.StatusOK, s.wireUser(r, m))
}

// userByID finds a current or former member by id. Callers hold s.mu.
func (s *Server) userByID(id int64) (Member, bool) {
	for _, m := range s.org.Members {
		if m.ID == id {
			return m, true
		}
	}
	for _, m := range s.former {
		if m.ID == id {
			return m, true
		}
	}
	return Member{}, false
}

// handleUserByID answers with the same profile as GET /users/{username}:
// a removed member is still a GitHub user.
func (s *Server) handleUserByID(w http.ResponseWriter, r *http.Request, id int64) {
	s.mu.Lock()
	m, ok := s.userByID(id)
	s.mu.Unlock()
	if !ok {
		writeMessage(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/users/users#get-a-user-using-their-id")
		return
	}
	writeJSON(w, http.StatusOK, s.wireUser(r, m))
}

// wireUser is a user's public profile, by login or by id.
type wireUser struct {
	wireSimpleUser
	Name            any    `json:"name"`
	Company         any    `json:"company"`
	Blog            string `json:"blog"`
	Location        any    `json:"location"`
	Email           any    `json:"email"`
	Hireable        any    `json:"hireable"`
	Bio             any    `json:"bio"`
	TwitterUsername any    `json:"twitter_username"`
	NotificationEml any    `json:"notification_email"`
	PublicRepos     int    `json:"public_repos"`
	PublicGists     int    `json:"public_gists"`
	Followers       int    `json:"followers"`
	Following       int    `json:"following"`
	CreatedAt       string `json:"created_at"`
	UpdatedAt       string `json:"updated_at"`
}

func (s *Server) wireUser(r *http.Request, m Member) wireUser {
	return wireUser{
		wireSimpleUser: simpleUser(s.apiBase(r), m.Login, m.ID),
		Name:           nullIfEmpty(m.Name),
		Email:          nullIfEmpty(m.Email),
		PublicRepos:    int(m.ID % 17),
		Followers:      int(m.ID % 11),
		CreatedAt:      ts(m.CreatedAt),
		UpdatedAt:      ts(m.CreatedAt.AddDate(0, 0, 30)),
	}
}

func (s *Server) wireMembership(r *http.Request, m Member, state, role string) map[string]any {
	b := s.apiBase(r)
	return map[string]any{
		"url":              b + "/orgs/" + s.org.Login + "/memberships/" + m.Login,
		"state":            state,
		"role":             role,
		"organization_url": b + "/orgs/" + s.org.Login,
		"organization":     s.wireOrg(r),
		"user":             simpleUser(b, m.Login, m.ID),
	}
}

func (s *Server) handleMembership(w http.ResponseWriter, r *http.Request, login string) {
	s.mu.Lock()
	var out map[string]any
	if i := s.memberIndex(login); i >= 0 {
		m := s.org.Members[i]
		out = s.wireMembership(r, m, github.StateActive, m.Role)
	} else if role, ok := s.invites[strings.ToLower(login)]; ok {
		m, _ := s.user(login)
		out = s.wireMembership(r, m, github.StatePending, role)
	}
	s.mu.Unlock()
	if out == nil {
		writeMessage(w, http.StatusNotFound, "Not Found", docsMembers+"#get-organization-membership-for-a-user")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleSetMembership(w http.ResponseWriter, r *http.Request, login string, who identity, now time.Time) {
	if !s.requireOwner(w, who, docsMembers) {
		return
	}
	var body struct {
		Role *string `json:"role"`
	}
	if err := decodeBody(w, r, &body); err != nil {
		return
	}
	role := github.RoleMember
	if body.Role != nil {
		role = *body.Role
	}
	if role != github.RoleAdmin && role != github.RoleMember {
		writeValidation(w, "Membership", "role", "invalid", role, docsMembers+"#set-organization-membership-for-a-user")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.memberIndex(login); i >= 0 {
		m := &s.org.Members[i]
		if m.Role != role {
			s.record(Mutation{At: now, Kind: "role", Login: m.Login, From: m.Role, To: role})
			m.Role = role
		}
		writeJSON(w, http.StatusOK, s.wireMembership(r, *m, github.StateActive, role))
		return
	}
	m, ok := s.user(login)
	if !ok {
		writeMessage(w, http.StatusNotFound, "Not Found", docsMembers)
		return
	}
	// Someone not in the org is invited; they join when they accept.
	s.invites[strings.ToLower(login)] = role
	s.record(Mutation{At: now, Kind: "invite", Login: m.Login, To: role})
	writeJSON(w, http.StatusOK, s.wireMembership(r, m, github.StatePending, role))
}

func (s *Server) handleRemoveMembership(w http.ResponseWriter, login string, who identity, now time.Time) {
	if !s.requireOwner(w, who, docsMembers) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(login)
	i := s.memberIndex(login)
	if i < 0 {
		if _, ok := s.invites[key]; ok {
			delete(s.invites, key)
			s.record(Mutation{At: now, Kind: "cancel_invite", Login: login})
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeMessage(w, http.StatusNotFound, "Not Found", docsMembers+"#remove-organization-membership-for-a-user")
		return
	}
	m := s.org.Members[i]
	s.org.Members = slices.Delete(s.org.Members, i, i+1)
	s.former[key] = m
	s.record(Mutation{At: now, Kind: "remove_member", Login: m.Login, From: m.Role})
	// Copilot access ends at once, billing at the end of the cycle: the
	// seat stays listed, pending cancellation.
	if j := s.seatIndex(login); j >= 0 && s.org.CopilotSeats[j].PendingCancellationDate == "" {
		s.cancelSeat(j, now)
	}
	// Their tokens no longer reach the org.
	s.org.Tokens = slices.DeleteFunc(s.org.Tokens, func(t FineGrainedToken) bool {
		return strings.EqualFold(t.Owner, m.Login)
	})
	s.reindex()
	w.WriteHeader(http.StatusNoContent)
}

// cancelSeat sets seat j pending cancellation at the start of the next
// billing cycle (the emulator's cycles are calendar months). Callers hold
// s.mu.
func (s *Server) cancelSeat(j int, now time.Time) {
	seat := &s.org.CopilotSeats[j]
	u := now.UTC()
	seat.PendingCancellationDate = time.Date(u.Year(), u.Month()+1, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	seat.UpdatedAt = now
	s.record(Mutation{At: now, Kind: "cancel_seat", Login: seat.Login, To: seat.PendingCancellationDate})
}

// billedSeats are the seats still billed on now's date. Callers hold s.mu.
func (s *Server) billedSeats(now time.Time) []CopilotSeat {
	out := make([]CopilotSeat, 0, len(s.org.CopilotSeats))
	for _, st := range s.org.CopilotSeats {
		if billed(st, now) {
			out = append(out, st)
		}
	}
	return out
}

// billed reports whether st is still billed on now's date: a cancelled
// seat leaves on its pending cancellation date.
func billed(st CopilotSeat, now time.Time) bool {
	return st.PendingCancellationDate == "" || st.PendingCancellationDate > now.UTC().Format(time.DateOnly)
}

// wireSeat is a seat as GitHub shows it, in the list and on its own.
// Callers hold s.mu.
func (s *Server) wireSeat(b string, st CopilotSeat) map[string]any {
	m, _ := s.user(st.Login)
	var team any
	if st.Team != "" {
		for _, t := range s.org.Teams {
			if t.Slug == st.Team {
				team = map[string]any{
					"id": t.ID, "node_id": nodeID("Team", t.ID), "name": t.Name, "slug": t.Slug,
					"url":          fmt.Sprintf("%s/teams/%d", b, t.ID),
					"html_url":     "https://github.com/orgs/" + s.org.Login + "/teams/" + t.Slug,
					"description":  nil,
					"privacy":      "closed",
					"permission":   "pull",
					"members_url":  fmt.Sprintf("%s/teams/%d/members{/member}", b, t.ID),
					"parent":       nil,
					"notification": "notifications_enabled",
				}
			}
		}
	}
	return map[string]any{
		"created_at":                ts(st.CreatedAt),
		"updated_at":                ts(st.UpdatedAt),
		"pending_cancellation_date": nullIfEmpty(st.PendingCancellationDate),
		"last_activity_at":          tsPtr(st.LastActivityAt),
		"last_activity_editor":      nullIfEmpty(st.LastActivityEditor),
		"last_authenticated_at":     tsPtr(st.LastAuthenticatedAt),
		"plan_type":                 st.PlanType,
		"assignee":                  simpleUser(b, st.Login, m.ID),
		"assigning_team":            team,
	}
}

func (s *Server) handleSeats(w http.ResponseWriter, r *http.Request, who identity, now time.Time) {
	if !s.requireOwner(w, who, docsCopilot) {
		return
	}
	page, per := pageParams(r.URL.Query(), defaultSeatsPerPage)
	b := s.apiBase(r)
	s.mu.Lock()
	seats := s.billedSeats(now)
	lo, hi := pageBounds(page, per, len(seats))
	out := make([]map[string]any, 0, hi-lo)
	for _, st := range seats[lo:hi] {
		out = append(out, s.wireSeat(b, st))
	}
	s.mu.Unlock()
	setLink(w, r, "", page, per, len(seats))
	writeJSON(w, http.StatusOK, map[string]any{"total_seats": len(seats), "seats": out})
}

// handleMemberSeat serves one member's seat, owner-only like the list. A
// non-member, a member without a seat and a seat past its cancellation
// date are 404; a pending invitation is 422, as GitHub documents.
func (s *Server) handleMemberSeat(w http.ResponseWriter, r *http.Request, login string, who identity, now time.Time) {
	if !s.requireOwner(w, who, docsCopilot) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.memberIndex(login) < 0 {
		if _, ok := s.invites[strings.ToLower(login)]; ok {
			writeMessage(w, http.StatusUnprocessableEntity, "User has a pending organization invitation.", docsCopilot)
			return
		}
		writeMessage(w, http.StatusNotFound, "Not Found", docsCopilot)
		return
	}
	j := s.seatIndex(login)
	if j < 0 || !billed(s.org.CopilotSeats[j], now) {
		writeMessage(w, http.StatusNotFound, "Not Found", docsCopilot)
		return
	}
	writeJSON(w, http.StatusOK, s.wireSeat(s.apiBase(r), s.org.CopilotSeats[j]))
}

func (s *Server) handleRemoveSeats(w http.ResponseWriter, r *http.Request, who identity, now time.Time) {
	if !s.requireOwner(w, who, docsCopilot) {
		return
	}
	var body struct {
		SelectedUsernames []string `json:"selected_usernames"`
	}
	if err := decodeBody(w, r, &body); err != nil {
		return
	}
	if n := len(body.SelectedUsernames); n == 0 || n > maxSelectedUsernames {
		writeValidation(w, "Copilot", "selected_usernames", "invalid", strconv.Itoa(n), docsCopilot)
		return
	}
	s.mu.Lock()
	cancelled := 0
	for _, login := range body.SelectedUsernames {
		j := s.seatIndex(login)
		if j < 0 || s.memberIndex(login) < 0 {
			continue
		}
		st := s.org.CopilotSeats[j]
		// A seat that comes through a team stays while the team grants it.
		if st.PendingCancellationDate != "" || st.Team != "" {
			continue
		}
		s.cancelSeat(j, now)
		cancelled++
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int{"seats_cancelled": cancelled})
}

func (s *Server) requireApp(w http.ResponseWriter, who identity) bool {
	if who.app {
		return true
	}
	writeMessage(w, http.StatusForbidden, "Resource not accessible by personal access token", docsPATs)
	return false
}

func (s *Server) handleTokens(w http.ResponseWriter, r *http.Request, who identity, now time.Time) {
	if !s.requireApp(w, who) {
		return
	}
	page, per := pageParams(r.URL.Query(), defaultPerPage)
	b := s.apiBase(r)
	s.mu.Lock()
	lo, hi := pageBounds(page, per, len(s.org.Tokens))
	out := make([]map[string]any, 0, hi-lo)
	for _, t := range s.org.Tokens[lo:hi] {
		m, _ := s.user(t.Owner)
		perms := map[string]map[string]string{}
		if len(t.OrgPermissions) > 0 {
			perms["organization"] = t.OrgPermissions
		}
		if len(t.RepoPermissions) > 0 {
			perms["repository"] = t.RepoPermissions
		}
		if len(t.OtherPermissions) > 0 {
			perms["other"] = t.OtherPermissions
		}
		out = append(out, map[string]any{
			"id":                   t.ID,
			"owner":                simpleUser(b, t.Owner, m.ID),
			"repository_selection": t.RepositorySelection,
			"repositories_url":     fmt.Sprintf("%s/organizations/%d/personal-access-tokens/%d/repositories", b, s.org.ID, t.ID),
			"permissions":          perms,
			"access_granted_at":    ts(t.AccessGrantedAt),
			"token_id":             t.TokenID,
			"token_name":           t.Name,
			"token_expired":        t.ExpiresAt != nil && !now.Before(*t.ExpiresAt),
			"token_expires_at":     tsPtr(t.ExpiresAt),
			"token_last_used_at":   tsPtr(t.LastUsedAt),
		})
	}
	total := len(s.org.Tokens)
	s.mu.Unlock()
	setLink(w, r, "", page, per, total)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleRevokeTokens(w http.ResponseWriter, r *http.Request, who identity, now time.Time) {
	if !s.requireApp(w, who) {
		return
	}
	var body struct {
		Action string  `json:"action"`
		PatIDs []int64 `json:"pat_ids"`
	}
	if err := decodeBody(w, r, &body); err != nil {
		return
	}
	if body.Action != "revoke" {
		writeValidation(w, "PersonalAccessToken", "action", "invalid", body.Action, docsPATs)
		return
	}
	if n := len(body.PatIDs); n == 0 || n > maxPatIDs {
		writeValidation(w, "PersonalAccessToken", "pat_ids", "invalid", strconv.Itoa(n), docsPATs)
		return
	}
	s.mu.Lock()
	// GitHub documents a 404 for this endpoint; the emulator answers it
	// when an id is not a grant of the org (never was, or already
	// revoked), checking every id first so that a refused request revokes
	// none.
	unknown := slices.ContainsFunc(body.PatIDs, func(id int64) bool { return s.tokenIndex(id) < 0 })
	if !unknown {
		for _, id := range body.PatIDs {
			i := s.tokenIndex(id)
			if i < 0 {
				continue // listed twice
			}
			s.record(Mutation{At: now, Kind: "revoke_token", Login: s.org.Tokens[i].Owner, ID: id})
			s.org.Tokens = slices.Delete(s.org.Tokens, i, i+1)
		}
	}
	s.mu.Unlock()
	if unknown {
		writeMessage(w, http.StatusNotFound, "Not Found", docsPATs)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{})
}

// tokenIndex finds a fine-grained token grant by id, -1 when the org has
// none. Callers hold s.mu.
func (s *Server) tokenIndex(id int64) int {
	return slices.IndexFunc(s.org.Tokens, func(t FineGrainedToken) bool { return t.ID == id })
}

func (s *Server) handleInstallations(w http.ResponseWriter, r *http.Request, who identity) {
	if !s.requireOwner(w, who, "https://docs.github.com/rest/orgs/orgs#list-app-installations-for-an-organization") {
		return
	}
	page, per := pageParams(r.URL.Query(), defaultPerPage)
	b := s.apiBase(r)
	s.mu.Lock()
	lo, hi := pageBounds(page, per, len(s.org.Installations))
	out := make([]map[string]any, 0, hi-lo)
	for _, in := range s.org.Installations[lo:hi] {
		var suspendedBy any
		if in.SuspendedAt != nil && len(s.org.Members) > 0 {
			suspendedBy = simpleUser(b, s.org.Members[0].Login, s.org.Members[0].ID)
		}
		account := s.wireOrg(r)
		account["type"] = "Organization"
		out = append(out, map[string]any{
			"id":                        in.ID,
			"client_id":                 fmt.Sprintf("Iv23li%010d", in.AppID),
			"account":                   account,
			"repository_selection":      in.RepositorySelection,
			"access_tokens_url":         fmt.Sprintf("%s/app/installations/%d/access_tokens", b, in.ID),
			"repositories_url":          b + "/installation/repositories",
			"html_url":                  fmt.Sprintf("https://github.com/organizations/%s/settings/installations/%d", s.org.Login, in.ID),
			"app_id":                    in.AppID,
			"app_slug":                  in.AppSlug,
			"target_id":                 s.org.ID,
			"target_type":               "Organization",
			"permissions":               in.Permissions,
			"events":                    in.Events,
			"created_at":                ts(in.CreatedAt),
			"updated_at":                ts(in.UpdatedAt),
			"single_file_name":          nil,
			"has_multiple_single_files": false,
			"single_file_paths":         []string{},
			"suspended_by":              suspendedBy,
			"suspended_at":              tsPtr(in.SuspendedAt),
		})
	}
	total := len(s.org.Installations)
	s.mu.Unlock()
	setLink(w, r, "", page, per, total)
	writeJSON(w, http.StatusOK, map[string]any{"total_count": total, "installations": out})
}

// decodeBody reads a JSON body, answering 400 as GitHub does when it is
// not JSON.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody)).Decode(v)
	if err != nil {
		writeMessage(w, http.StatusBadRequest, "Problems parsing JSON", docsREST)
	}
	return err
}
