package zendesktest

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

// EndpointAuditLogs is the account's audit log.
const EndpointAuditLogs = zendesk.EndpointAuditLogs

// WithoutAuditLog makes the account one without audit log access (below
// Enterprise): the endpoint answers 403, as Zendesk does.
func WithoutAuditLog() Option {
	return func(s *Server) { s.noAuditLog = true }
}

// WithoutCustomRoles makes the account one on a plan without custom roles
// (Team, Growth, Professional): the custom role list answers 403, as
// Zendesk does, and every agent is a plain agent.
func WithoutCustomRoles() Option {
	return func(s *Server) { s.noCustomRoles = true }
}

// AddAuditLog appends an entry to the account's audit log, as Zendesk
// records a change made elsewhere (an app installed, a token created, a
// setting changed); ID, URL and CreatedAt are filled in when zero.
func (s *Server) AddAuditLog(e zendesk.AuditLog) zendesk.AuditLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.CreatedAt.IsZero() {
		e.CreatedAt = s.Now().UTC().Truncate(time.Second)
	}
	return s.recordAuditLocked(e)
}

// AuditLogs is the account's audit log, oldest first.
func (s *Server) AuditLogs() []zendesk.AuditLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.auditLogs)
}

// GenerateAuditLogs appends n entries one second apart from start, by
// the owner, as a busy account's log would read: sign-ins and updates of
// tickets and rules, with a trust-changing event every 1,000th.
func (s *Server) GenerateAuditLogs(n int, start time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	owner := s.users[s.index[s.ownerID]]
	for i := range n {
		e := zendesk.AuditLog{ActorID: owner.ID, ActorName: owner.Name, IPAddress: "203.0.113.7", CreatedAt: start.Add(time.Duration(i) * time.Second).UTC()}
		switch {
		case i%1000 == 999:
			e.Action, e.SourceType, e.SourceID, e.SourceLabel = "create", "apitoken", int64(9000+i), "Token "+strconv.Itoa(i)
			e.ChangeDescription = "API token created"
		case i%3 == 0:
			e.Action, e.SourceType, e.SourceID, e.SourceLabel = "login", "user", owner.ID, owner.Name
			e.ChangeDescription = "Signed in"
		default:
			e.Action, e.SourceType, e.SourceID, e.SourceLabel = "update", "ticket", int64(100000+i), "Ticket #"+strconv.Itoa(100000+i)
			e.ChangeDescription = "Status changed from open to solved"
		}
		s.recordAuditLocked(e)
	}
}

// recordAuditLocked appends e with the next id. Callers hold s.mu.
func (s *Server) recordAuditLocked(e zendesk.AuditLog) zendesk.AuditLog {
	s.nextAuditID++
	if e.ID == 0 {
		e.ID = 70_000_000 + s.nextAuditID
	}
	e.ActionLabel = map[string]string{"create": "Created", "update": "Updated", "destroy": "Deleted", "login": "Signed in", "exported": "Exported"}[e.Action]
	s.auditLogs = append(s.auditLogs, e)
	return e
}

// auditUserChanges records a user update in the audit log, one entry per
// change people read there: the role and the suspension. Callers hold
// s.mu.
func (s *Server) auditUserChanges(actor, before, after zendesk.User, ip string, at time.Time) {
	entry := func(change string) {
		s.recordAuditLocked(zendesk.AuditLog{Action: "update", ActorID: actor.ID, ActorName: actor.Name, SourceID: after.ID,
			SourceType: "user", SourceLabel: after.Name, ChangeDescription: change, IPAddress: ip, CreatedAt: at})
	}
	if from, to := s.roleLabel(before), s.roleLabel(after); from != to {
		entry(fmt.Sprintf("Role changed from %s to %s", from, to))
	}
	if before.Suspended != after.Suspended {
		entry(fmt.Sprintf("Suspended changed from %t to %t", before.Suspended, after.Suspended))
	}
}

// roleLabel names a user's role as the audit log does: End-user,
// Administrator, or the agent's custom role (Agent without one).
func (s *Server) roleLabel(u zendesk.User) string {
	switch u.Role {
	case zendesk.RoleEndUser:
		return "End-user"
	case zendesk.RoleAdmin:
		return "Administrator"
	}
	if u.CustomRoleID != nil {
		if i := slices.IndexFunc(s.roles, func(cr zendesk.CustomRole) bool { return cr.ID == *u.CustomRoleID }); i >= 0 {
			return s.roles[i].Name
		}
	}
	return "Agent"
}

// handleAuditLogs serves GET /api/v2/audit_logs: admins only, on an
// account with audit log access; filter[created_at] twice (start, end),
// sort created_at or -created_at (the default), cursor paging.
func (s *Server) handleAuditLogs(w http.ResponseWriter, r *http.Request, who identity) {
	if s.noAuditLog || !who.allows("auditlogs", false) || who.user.Role != zendesk.RoleAdmin {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	q := r.URL.Query()
	var from, to time.Time
	if window := q["filter[created_at][]"]; len(window) > 0 {
		if len(window) != 2 {
			writeInvalid(w, "filter[created_at]", "filter[created_at] must be given twice: the start and the end")
			return
		}
		var err1, err2 error
		from, err1 = time.Parse(time.RFC3339, window[0])
		to, err2 = time.Parse(time.RFC3339, window[1])
		if err1 != nil || err2 != nil {
			writeInvalid(w, "filter[created_at]", "filter[created_at] must be ISO 8601 times")
			return
		}
	}
	s.mu.Lock()
	// The log is kept in the order entries were made, which is time
	// order: the window is found by binary search, not a scan.
	logs := s.auditLogs
	if !from.IsZero() {
		lo := sort.Search(len(logs), func(i int) bool { return !logs[i].CreatedAt.Before(from) })
		hi := sort.Search(len(logs), func(i int) bool { return !logs[i].CreatedAt.Before(to) })
		logs = logs[lo:max(lo, hi)]
	}
	if v := q.Get("filter[source_type]"); v != "" {
		logs = slices.DeleteFunc(slices.Clone(logs), func(e zendesk.AuditLog) bool { return e.SourceType != v })
	}
	sortAsc := q.Get("sort") == "created_at"
	if !sortAsc {
		logs = slices.Clone(logs)
	}
	s.mu.Unlock()
	idAt := func(i int) int64 { return logs[i].ID }
	if !sortAsc { // newest first, Zendesk's default
		slices.Reverse(logs)
		idAt = func(i int) int64 { return -logs[i].ID }
	}
	sel, apiErr := selectPage(q, len(logs), idAt)
	if apiErr != nil {
		writeJSON(w, http.StatusBadRequest, apiErr)
		return
	}
	base := baseURL(r)
	page := slices.Clone(logs[sel.lo:sel.hi])
	for i := range page {
		page[i].URL = fmt.Sprintf("%s/api/v2/audit_logs/%d.json", base, page[i].ID)
	}
	writeList(w, r, "audit_logs", page, sel)
}
