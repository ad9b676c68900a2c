package zendesktest

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

const updateLimitHeader = "Zendesk-RateLimit-create-update-user"

// handleUpdateUser serves PUT /api/v2/users/{id} for the fields seat
// governance writes: role, custom_role_id and suspended.
func (s *Server) handleUpdateUser(w http.ResponseWriter, r *http.Request, who identity, id int64, now time.Time) {
	if !who.allows("users", true) {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	if _, ok := s.User(id); !ok {
		writeRaw(w, http.StatusNotFound, bodyNotFound)
		return
	}
	if !s.allowUserUpdate(w, id, now) {
		return
	}

	var body struct {
		User map[string]json.RawMessage `json:"user"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil || body.User == nil {
		writeError(w, http.StatusBadRequest, "BadRequest", `The request body must be JSON with a "user" object`)
		return
	}
	upd, uerr := parseUserChange(body.User)
	if uerr != nil {
		writeUpdateError(w, uerr)
		return
	}
	s.mu.Lock()
	out, uerr := s.applyUserChange(who.user, id, upd, clientIP(r), now.UTC().Truncate(time.Second))
	s.mu.Unlock()
	if uerr != nil {
		writeUpdateError(w, uerr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": toWireUser(baseURL(r), out)})
}

// userChange is a parsed "user" object of an update: the fields seat
// governance writes.
type userChange struct {
	role       *string
	customRole **int64 // set: the key was present; *nil: null
	suspended  *bool
}

// updateError is why a user update was refused. status is what
// PUT /api/v2/users/{id} answers (403, 404 or 422); field and desc are a
// 422's details, and desc a failed job result's.
type updateError struct {
	status int
	field  string
	desc   string
}

func invalidField(field, desc string) *updateError {
	return &updateError{status: http.StatusUnprocessableEntity, field: field, desc: desc}
}

var (
	errUpdateForbidden = &updateError{status: http.StatusForbidden, desc: "You do not have access to update this user"}
	errUpdateNotFound  = &updateError{status: http.StatusNotFound, desc: "Not found"}
)

// writeUpdateError answers a refused single-user update.
func writeUpdateError(w http.ResponseWriter, e *updateError) {
	switch e.status {
	case http.StatusForbidden:
		writeRaw(w, http.StatusForbidden, bodyForbidden)
	case http.StatusNotFound:
		writeRaw(w, http.StatusNotFound, bodyNotFound)
	default:
		writeInvalid(w, e.field, e.desc)
	}
}

// parseUserChange reads a "user" object; other keys are ignored.
func parseUserChange(fields map[string]json.RawMessage) (userChange, *updateError) {
	var upd userChange
	if raw, ok := fields["role"]; ok {
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return userChange{}, invalidField("role", "Role: is not valid")
		}
		upd.role = &v
	}
	if raw, ok := fields["custom_role_id"]; ok {
		var v *int64
		if json.Unmarshal(raw, &v) != nil {
			return userChange{}, invalidField("custom_role_id", "Custom role: is not valid")
		}
		upd.customRole = &v
	}
	if raw, ok := fields["suspended"]; ok {
		var v bool
		if json.Unmarshal(raw, &v) != nil {
			return userChange{}, invalidField("suspended", "Suspended: is not valid")
		}
		upd.suspended = &v
	}
	return upd, nil
}

// applyUserChange makes actor's change to user id at stamp, recording
// the audit log entries and a Mutation for each field whose value
// changes, and returns the user as stored. Both PUT /api/v2/users/{id}
// and update_many jobs use it. Callers hold s.mu.
func (s *Server) applyUserChange(actor zendesk.User, id int64, upd userChange, ip string, stamp time.Time) (zendesk.User, *updateError) {
	i, ok := s.index[id]
	if !ok {
		return zendesk.User{}, errUpdateNotFound
	}
	cur := s.users[i]
	if actor.Role != zendesk.RoleAdmin && (isStaff(cur) || (upd.role != nil && *upd.role != zendesk.RoleEndUser)) {
		// Agents may only edit end users.
		return zendesk.User{}, errUpdateForbidden
	}
	next := cloneUser(cur)
	role := cur.Role
	if upd.role != nil {
		switch *upd.role {
		case zendesk.RoleEndUser, zendesk.RoleAgent, zendesk.RoleAdmin:
			role = *upd.role
		default:
			return zendesk.User{}, invalidField("role", "Role: is not valid")
		}
		if id == s.ownerID && role != cur.Role {
			return zendesk.User{}, invalidField("role", "Role: The account owner's role cannot be changed")
		}
	}
	var newRole *zendesk.CustomRole
	if upd.customRole != nil && *upd.customRole != nil {
		idx := slices.IndexFunc(s.roles, func(cr zendesk.CustomRole) bool { return cr.ID == **upd.customRole })
		if idx < 0 {
			return zendesk.User{}, invalidField("custom_role_id", "Custom role: is not valid")
		}
		newRole = &s.roles[idx]
		if role == zendesk.RoleEndUser {
			// Zendesk makes an end user with a custom role an agent.
			role = zendesk.RoleAgent
		}
	}
	next.Role = role
	switch role {
	case zendesk.RoleEndUser:
		next.RoleType, next.CustomRoleID, next.DefaultGroupID = nil, nil, nil
	case zendesk.RoleAdmin:
		next.RoleType, next.CustomRoleID = ptr(zendesk.RoleTypeAdmin), nil
	case zendesk.RoleAgent:
		switch {
		case newRole != nil:
			next.RoleType, next.CustomRoleID = ptr(newRole.RoleType), ptr(newRole.ID)
		case cur.Role != zendesk.RoleAgent || (upd.customRole != nil && *upd.customRole == nil):
			next.RoleType, next.CustomRoleID = s.defaultAgentRole()
		}
	}
	if upd.suspended != nil {
		next.Suspended = *upd.suspended
	}

	changes := diffUser(cur, next)
	if len(changes) > 0 {
		if next.Role == zendesk.RoleEndUser {
			s.removeMemberships(id)
		}
		s.auditUserChanges(actor, cur, next, ip, stamp)
		s.store(i, next, stamp)
		for _, c := range changes {
			c.At, c.UserID = stamp, id
			s.mutations = append(s.mutations, c)
		}
	}
	return cloneUser(s.users[i]), nil
}

// handleEndSessions serves DELETE /api/v2/users/{id}/sessions: 204 with
// no body, whether the user had sessions or not. Admins may sign anyone
// out, other users only themselves. A role change through
// handleUpdateUser leaves sessions alone, as Zendesk does.
func (s *Server) handleEndSessions(w http.ResponseWriter, who identity, id int64, now time.Time) {
	if !who.allows("users", true) {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	stamp := now.UTC().Truncate(time.Second)
	s.mu.Lock()
	if _, ok := s.index[id]; !ok {
		s.mu.Unlock()
		writeRaw(w, http.StatusNotFound, bodyNotFound)
		return
	}
	if who.user.Role != zendesk.RoleAdmin && who.user.ID != id {
		s.mu.Unlock()
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	if n := s.sessions[id]; n > 0 {
		delete(s.sessions, id)
		s.mutations = append(s.mutations, Mutation{
			At: stamp, UserID: id, Field: FieldSessions, From: strconv.Itoa(n), To: "0",
		})
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// defaultAgentRole is what a new agent gets: the first custom agent role
// (role_type 0), or a plain agent on plans without custom roles.
func (s *Server) defaultAgentRole() (*int, *int64) {
	for _, cr := range s.roles {
		if cr.RoleType == zendesk.RoleTypeCustomAgent {
			return ptr(cr.RoleType), ptr(cr.ID)
		}
	}
	return ptr(zendesk.RoleTypeCustomAgent), nil
}

// allowUserUpdate applies the per-user-profile update limit (sliding
// minute) and writes its header; it answers 429 itself when exceeded.
func (s *Server) allowUserUpdate(w http.ResponseWriter, id int64, now time.Time) bool {
	limit := s.limits.UserUpdatePerMinute
	if limit <= 0 {
		return true
	}
	s.mu.Lock()
	recent := slices.DeleteFunc(s.userUpdates[id], func(t time.Time) bool { return !t.After(now.Add(-time.Minute)) })
	allowed := len(recent) < limit
	if allowed {
		recent = append(recent, now)
	}
	s.userUpdates[id] = recent
	resets := recent[0].Add(time.Minute).Sub(now)
	remaining := limit - len(recent)
	s.mu.Unlock()

	w.Header().Set(updateLimitHeader,
		"total="+strconv.Itoa(limit)+"; remaining="+strconv.Itoa(remaining)+"; resets="+strconv.Itoa(ceilSeconds(resets)))
	if !allowed {
		w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(resets)))
		writeError(w, http.StatusTooManyRequests, "TooManyRequests",
			"You have exceeded the rate limit for updating a single unique user. Please wait before updating this user again.")
	}
	return allowed
}

// diffUser lists the seat-relevant fields that differ.
func diffUser(a, b zendesk.User) []Mutation {
	var out []Mutation
	add := func(field, from, to string) {
		if from != to {
			out = append(out, Mutation{Field: field, From: from, To: to})
		}
	}
	add("role", a.Role, b.Role)
	add("role_type", fmtIntPtr(a.RoleType), fmtIntPtr(b.RoleType))
	add("custom_role_id", fmtInt64Ptr(a.CustomRoleID), fmtInt64Ptr(b.CustomRoleID))
	add("default_group_id", fmtInt64Ptr(a.DefaultGroupID), fmtInt64Ptr(b.DefaultGroupID))
	add("suspended", strconv.FormatBool(a.Suspended), strconv.FormatBool(b.Suspended))
	return out
}

func fmtIntPtr(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func fmtInt64Ptr(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

// handleListUsers serves GET /api/v2/users with the role, role[] and
// permission_set filters and both pagination styles.
func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request, who identity) {
	if !who.allows("users", false) || !isStaff(who.user) {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	q := r.URL.Query()
	roles := slices.Concat(q["role[]"], q["role"])
	var permissionSet int64
	if v := q.Get("permission_set"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "InvalidParameter", "permission_set must be a custom role id")
			return
		}
		permissionSet = n
	}
	match := func(u zendesk.User) bool {
		if len(roles) > 0 && !slices.Contains(roles, u.Role) {
			return false
		}
		return permissionSet == 0 || (u.CustomRoleID != nil && *u.CustomRoleID == permissionSet)
	}

	s.mu.Lock()
	// Generated end users follow the stored users: their ids are higher.
	generated := 0
	if match(zendesk.User{Role: zendesk.RoleEndUser}) {
		generated = s.endUsers
	}
	if generated == 0 { // the general path pages through generated end users too
		if page, sel, ok := s.pageForward(r, q, match); ok {
			s.mu.Unlock()
			writeList(w, r, "users", page, sel)
			return
		}
	}
	var matched []int
	for i, u := range s.users {
		if match(u) {
			matched = append(matched, i)
		}
	}
	user := func(k int) zendesk.User {
		if k < len(matched) {
			return cloneUser(s.users[matched[k]])
		}
		return s.endUser(k - len(matched))
	}
	sel, err := selectPage(q, len(matched)+generated, func(k int) int64 {
		if k < len(matched) {
			return s.users[matched[k]].ID
		}
		return EndUserBase + int64(k-len(matched))
	})
	var page []wireUser
	if err == nil {
		base := baseURL(r)
		page = make([]wireUser, 0, sel.hi-sel.lo)
		for k := sel.lo; k < sel.hi; k++ {
			page = append(page, toWireUser(base, user(k)))
		}
	}
	s.mu.Unlock()
	if err != nil {
		writeJSON(w, http.StatusBadRequest, err)
		return
	}
	writeList(w, r, "users", page, sel)
}

// pageForward answers a cursor page read forwards (the first page, or
// page[after]) by scanning the stored users from the cursor on, rather
// than matching all of them first: a sync's staff list at 200,000 seats
// would otherwise cost the emulator the whole account per page. ok is
// false for anything else (offset paging, page[before], a bad cursor or
// size), which the general path answers. Callers hold s.mu.
func (s *Server) pageForward(r *http.Request, q url.Values, match func(zendesk.User) bool) ([]wireUser, pageSel, bool) {
	if !q.Has("page[size]") && q.Get("page[after]") == "" || q.Get("page[before]") != "" {
		return nil, pageSel{}, false
	}
	size := maxPageSize
	if v := q.Get("page[size]"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			return nil, pageSel{}, false
		}
		size = n
	}
	start := 0
	if after := q.Get("page[after]"); after != "" {
		id, ok := decodeListCursor(after)
		if !ok {
			return nil, pageSel{}, false
		}
		start = sort.Search(len(s.users), func(i int) bool { return s.users[i].ID > id })
	}
	var hits []int
	for i := start; i < len(s.users) && len(hits) <= size; i++ {
		if match(s.users[i]) {
			hits = append(hits, i)
		}
	}
	more := len(hits) > size
	hits = hits[:min(len(hits), size)]
	base := baseURL(r)
	page := make([]wireUser, 0, len(hits))
	for _, i := range hits {
		page = append(page, toWireUser(base, cloneUser(s.users[i])))
	}
	// lo and hi only place the page for writeList's links: one before it
	// when it did not start at the beginning, one after it when there is.
	sel := pageSel{cursorMode: true, size: size, hasMore: more, total: len(hits)}
	if start > 0 {
		sel.lo, sel.hi, sel.total = 1, 1+len(hits), 1+len(hits)
	} else {
		sel.hi = len(hits)
	}
	if more {
		sel.total++
	}
	if len(hits) > 0 {
		sel.beforeCursor = encodeListCursor(s.users[hits[0]].ID)
		sel.afterCursor = encodeListCursor(s.users[hits[len(hits)-1]].ID)
	}
	return page, sel, true
}

// clientIP is the caller's address as Zendesk's audit log records it.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
