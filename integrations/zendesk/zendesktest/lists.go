package zendesktest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

const (
	maxPageSize = 100
	// maxOffsetRecords is where Zendesk stops serving offset pagination.
	maxOffsetRecords = 10000
)

// apiError is a Zendesk error body.
type apiError struct {
	Error       string `json:"error"`
	Description string `json:"description,omitempty"`
}

// pageSel is the part [lo, hi) of an ID-ordered list a request asked for.
type pageSel struct {
	lo, hi, total int
	cursorMode    bool
	// cursor mode
	size                      int
	hasMore                   bool
	afterCursor, beforeCursor string
	// offset mode
	page, perPage int
}

// selectPage reads cursor (page[size], page[after], page[before]) or
// offset (page, per_page) parameters for a list of n items ordered by ID.
func selectPage(q url.Values, n int, idAt func(int) int64) (pageSel, *apiError) {
	sel := pageSel{total: n}
	after, before := q.Get("page[after]"), q.Get("page[before]")
	if q.Has("page[size]") || after != "" || before != "" {
		sel.cursorMode = true
		sel.size = maxPageSize
		if v := q.Get("page[size]"); v != "" {
			size, err := strconv.Atoi(v)
			if err != nil || size < 1 || size > maxPageSize {
				return sel, &apiError{"InvalidPaginationParameter", fmt.Sprintf("page[size] must be between 1 and %d", maxPageSize)}
			}
			sel.size = size
		}
		search := func(id int64) int { return sort.Search(n, func(i int) bool { return idAt(i) > id }) }
		switch {
		case after != "":
			id, ok := decodeListCursor(after)
			if !ok {
				return sel, &apiError{"InvalidPaginationParameter", "page[after] is not a valid cursor"}
			}
			sel.lo = search(id)
			sel.hi = min(sel.lo+sel.size, n)
			sel.hasMore = sel.hi < n
		case before != "":
			id, ok := decodeListCursor(before)
			if !ok {
				return sel, &apiError{"InvalidPaginationParameter", "page[before] is not a valid cursor"}
			}
			sel.hi = search(id - 1)
			sel.lo = max(sel.hi-sel.size, 0)
			sel.hasMore = sel.lo > 0
		default:
			sel.hi = min(sel.size, n)
			sel.hasMore = sel.hi < n
		}
		if sel.hi > sel.lo {
			sel.beforeCursor = encodeListCursor(idAt(sel.lo))
			sel.afterCursor = encodeListCursor(idAt(sel.hi - 1))
		}
		return sel, nil
	}

	sel.page, sel.perPage = 1, maxPageSize
	if v := q.Get("page"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 {
			return sel, &apiError{"InvalidPaginationParameter", "page must be a positive number"}
		}
		sel.page = p
	}
	if v := q.Get("per_page"); v != "" {
		pp, err := strconv.Atoi(v)
		if err != nil || pp < 1 {
			return sel, &apiError{"InvalidPaginationParameter", "per_page must be a positive number"}
		}
		sel.perPage = min(pp, maxPageSize)
	}
	offset := (sel.page - 1) * sel.perPage
	if offset >= maxOffsetRecords {
		return sel, &apiError{"InvalidPaginationParameter",
			"Offset pagination is limited to the first 10000 records. Use cursor pagination instead."}
	}
	sel.lo = min(offset, n)
	sel.hi = min(offset+sel.perPage, n)
	return sel, nil
}

// writeList answers a list with Zendesk's meta/links (cursor) or
// next_page/previous_page/count (offset).
func writeList(w http.ResponseWriter, r *http.Request, key string, items any, sel pageSel) {
	body := map[string]any{key: items}
	link := func(set map[string]string) string {
		q := r.URL.Query()
		for _, k := range []string{"page[after]", "page[before]", "page", "per_page"} {
			q.Del(k)
		}
		for k, v := range set {
			q.Set(k, v)
		}
		return baseURL(r) + r.URL.Path + "?" + q.Encode()
	}
	if sel.cursorMode {
		meta := map[string]any{"has_more": sel.hasMore, "after_cursor": nilIfEmpty(sel.afterCursor), "before_cursor": nilIfEmpty(sel.beforeCursor)}
		links := map[string]any{"next": nil, "prev": nil}
		size := strconv.Itoa(sel.size)
		if sel.afterCursor != "" && sel.hi < sel.total {
			links["next"] = link(map[string]string{"page[after]": sel.afterCursor, "page[size]": size})
		}
		if sel.beforeCursor != "" && sel.lo > 0 {
			links["prev"] = link(map[string]string{"page[before]": sel.beforeCursor, "page[size]": size})
		}
		body["meta"], body["links"] = meta, links
	} else {
		body["count"] = sel.total
		body["next_page"], body["previous_page"] = nil, nil
		perPage := strconv.Itoa(sel.perPage)
		if sel.hi < sel.total {
			body["next_page"] = link(map[string]string{"page": strconv.Itoa(sel.page + 1), "per_page": perPage})
		}
		if sel.page > 1 {
			body["previous_page"] = link(map[string]string{"page": strconv.Itoa(sel.page - 1), "per_page": perPage})
		}
	}
	writeJSON(w, http.StatusOK, body)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// List cursors look like Zendesk's: base64 of {"o":"id","v":...}.
func encodeListCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"o":"id","v":"%d"}`, id)))
}

func decodeListCursor(c string) (int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	var v struct {
		O string `json:"o"`
		V string `json:"v"`
	}
	if json.Unmarshal(raw, &v) != nil || v.O != "id" {
		return 0, false
	}
	id, err := strconv.ParseInt(v.V, 10, 64)
	return id, err == nil
}

type wireGroup struct {
	zendesk.Group
	URL         string `json:"url"`
	Description string `json:"description"`
	IsPublic    bool   `json:"is_public"`
}

func (s *Server) handleGroups(w http.ResponseWriter, r *http.Request, who identity) {
	if !who.allows("", false) || !isStaff(who.user) {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	s.mu.Lock()
	groups := make([]zendesk.Group, 0, len(s.groups))
	for _, g := range s.groups {
		if !g.Deleted || r.URL.Query().Get("exclude_deleted") != "true" {
			groups = append(groups, g)
		}
	}
	s.mu.Unlock()
	sel, err := selectPage(r.URL.Query(), len(groups), func(i int) int64 { return groups[i].ID })
	if err != nil {
		writeJSON(w, http.StatusBadRequest, err)
		return
	}
	base := baseURL(r)
	page := make([]wireGroup, 0, sel.hi-sel.lo)
	for _, g := range groups[sel.lo:sel.hi] {
		page = append(page, wireGroup{Group: g, URL: fmt.Sprintf("%s/api/v2/groups/%d.json", base, g.ID), IsPublic: true})
	}
	writeList(w, r, "groups", page, sel)
}

type wireMembership struct {
	zendesk.GroupMembership
	URL string `json:"url"`
}

func (s *Server) handleMemberships(w http.ResponseWriter, r *http.Request, who identity) {
	if !who.allows("", false) || !isStaff(who.user) {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	s.mu.Lock()
	sel, err := selectPage(r.URL.Query(), len(s.memberships), func(i int) int64 { return s.memberships[i].ID })
	var page []wireMembership
	if err == nil {
		base := baseURL(r)
		page = make([]wireMembership, 0, sel.hi-sel.lo)
		for _, m := range s.memberships[sel.lo:sel.hi] {
			page = append(page, wireMembership{GroupMembership: m, URL: fmt.Sprintf("%s/api/v2/group_memberships/%d.json", base, m.ID)})
		}
	}
	s.mu.Unlock()
	if err != nil {
		writeJSON(w, http.StatusBadRequest, err)
		return
	}
	writeList(w, r, "group_memberships", page, sel)
}

// handleCustomRoles serves the unpaginated custom role list with live
// team_member_count values.
func (s *Server) handleCustomRoles(w http.ResponseWriter, r *http.Request, who identity) {
	if s.noCustomRoles || !who.allows("", false) || !isStaff(who.user) {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	s.mu.Lock()
	counts := map[int64]int{}
	for _, u := range s.users {
		if u.Active && u.Role == zendesk.RoleAgent && u.CustomRoleID != nil {
			counts[*u.CustomRoleID]++
		}
	}
	roles := make([]zendesk.CustomRole, len(s.roles))
	for i, cr := range s.roles {
		cr.MemberCount = counts[cr.ID]
		roles[i] = cr
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"custom_roles": roles, "next_page": nil, "previous_page": nil, "count": len(roles),
	})
}
