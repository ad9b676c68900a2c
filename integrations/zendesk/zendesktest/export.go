package zendesktest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

const (
	maxExportPage = 1000
	exportHeader  = "Zendesk-RateLimit-incremental-exports-cursor"
	// minStartTimeAge is Zendesk's rule that start_time be at least a
	// minute old.
	minStartTimeAge = time.Minute
)

type exportResponse struct {
	Users        []wireUser `json:"users"`
	AfterURL     *string    `json:"after_url"`
	AfterCursor  *string    `json:"after_cursor"`
	BeforeURL    *string    `json:"before_url"`
	BeforeCursor *string    `json:"before_cursor"`
	EndOfStream  bool       `json:"end_of_stream"`
}

// handleExport serves GET /api/v2/incremental/users/cursor. A position is
// an index into the change log; a page holds the users whose latest
// change lies after the position and before the lag cutoff, in change
// order. The after cursor is returned on every page, so polling with the
// last one yields only later changes.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request, who identity, now time.Time) {
	if !who.allows("users", false) || who.user.Role != zendesk.RoleAdmin {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	if !s.allowExport(w, now) {
		return
	}
	q := r.URL.Query()
	perPage := maxExportPage
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "InvalidValue", "per_page must be a positive number")
			return
		}
		perPage = min(n, maxExportPage)
	}

	s.mu.Lock()
	var pos, gen int // the change log's position and the generated end users'
	if c := q.Get("cursor"); c != "" {
		p, g, ok := decodeExportCursor(c)
		if !ok || p > len(s.changes) || g > s.endUsers {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "InvalidCursor", "The cursor is not valid")
			return
		}
		pos, gen = p, g
	} else {
		v := q.Get("start_time")
		if v == "" {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "InvalidValue", "start_time is required when no cursor is given")
			return
		}
		start, err := strconv.ParseInt(v, 10, 64)
		if err != nil || start < 0 {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "InvalidValue", "start_time must be a Unix timestamp in seconds")
			return
		}
		if time.Unix(start, 0).After(now.Add(-minStartTimeAge)) {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "InvalidValue",
				"Too recent start_time. Use a start_time at least one minute in the past")
			return
		}
		from := time.Unix(start, 0)
		pos = sort.Search(len(s.changes), func(i int) bool { return !s.changes[i].at.Before(from) })
		gen = s.firstEndUserFrom(from)
	}

	cutoff := now.Add(-s.exportLag)
	base := baseURL(r)
	resp := exportResponse{Users: []wireUser{}}
	startPos, startGen := pos, gen
	// The change log and the generated end users, merged in time order.
	for len(resp.Users) < perPage {
		for pos < len(s.changes) && !s.changes[pos].at.After(cutoff) && s.latest[s.index[s.changes[pos].userID]] != pos {
			pos++ // superseded by a later change of the same user
		}
		logged := pos < len(s.changes) && !s.changes[pos].at.After(cutoff)
		generated := gen < s.endUsers && !s.endUserAt(gen).After(cutoff)
		switch {
		case generated && (!logged || !s.endUserAt(gen).After(s.changes[pos].at)):
			resp.Users = append(resp.Users, toWireUser(base, s.endUser(gen)))
			gen++
		case logged:
			resp.Users = append(resp.Users, toWireUser(base, cloneUser(s.users[s.index[s.changes[pos].userID]])))
			pos++
		}
		if !logged && !generated {
			break
		}
	}
	resp.EndOfStream = !s.currentChangeBefore(pos, cutoff) && (gen >= s.endUsers || s.endUserAt(gen).After(cutoff))
	s.mu.Unlock()

	after := encodeExportCursor(pos, gen, now)
	afterURL := exportURL(base, r.URL.Path, after)
	resp.AfterCursor, resp.AfterURL = &after, &afterURL
	if startPos > 0 || startGen > 0 {
		before := encodeExportCursor(startPos, startGen, now)
		beforeURL := exportURL(base, r.URL.Path, before)
		resp.BeforeCursor, resp.BeforeURL = &before, &beforeURL
	}
	writeJSON(w, http.StatusOK, resp)
}

// currentChangeBefore reports whether a current change exists at or
// after position i and no later than cutoff. Callers hold s.mu.
func (s *Server) currentChangeBefore(i int, cutoff time.Time) bool {
	for ; i < len(s.changes); i++ {
		ch := s.changes[i]
		if ch.at.After(cutoff) {
			return false
		}
		if s.latest[s.index[ch.userID]] == i {
			return true
		}
	}
	return false
}

// allowExport applies the export's per-minute limit and writes its header;
// it answers 429 itself when exceeded.
func (s *Server) allowExport(w http.ResponseWriter, now time.Time) bool {
	limit := s.limits.ExportPerMinute
	if limit <= 0 {
		return true
	}
	s.mu.Lock()
	s.export.tick(now)
	count, resets := s.export.count, s.export.resetIn(now)
	s.mu.Unlock()
	w.Header().Set(exportHeader, fmt.Sprintf("total=%d; remaining=%d; resets=%d",
		limit, max(limit-count, 0), ceilSeconds(resets)))
	if count > limit {
		w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(resets)))
		writeError(w, http.StatusTooManyRequests, "TooManyRequests",
			"Number of allowed incremental export API requests per minute exceeded")
		return false
	}
	return true
}

// Export cursors mimic Zendesk's base64 "{unix}.0||{position}|", the
// generated end users' position after the bar.
func encodeExportCursor(pos, gen int, now time.Time) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%d.0||%d|%d", now.Unix(), pos, gen)))
}

func decodeExportCursor(c string) (pos, gen int, ok bool) {
	raw, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return 0, 0, false
	}
	_, rest, ok := strings.Cut(string(raw), "||")
	if !ok {
		return 0, 0, false
	}
	p, g, _ := strings.Cut(rest, "|")
	pos, err = strconv.Atoi(p)
	if err != nil || pos < 0 {
		return 0, 0, false
	}
	if g != "" {
		if gen, err = strconv.Atoi(g); err != nil || gen < 0 {
			return 0, 0, false
		}
	}
	return pos, gen, true
}

func exportURL(base, path, cursor string) string {
	return base + path + "?" + url.Values{"cursor": {cursor}}.Encode()
}
