// Package scimtest emulates a SCIM 2.0 service provider's Users endpoint
// over real HTTP: GET /scim/v2/Users with 1-based startIndex and count
// (capped at 100, as servers commonly do), a ListResponse with
// totalResults, a Bearer token, the enterprise extension, and injected
// faults (any status with Retry-After, malformed JSON).
package scimtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/seatwarden/seatwarden/internal/emufault"
)

// Token is the Bearer token the emulator accepts.
const Token = "scim-emulator-token"

// MaxCount is the most users a page holds, whatever count asks.
const MaxCount = 100

// User is a user as the emulator keeps it.
type User struct {
	ID, UserName, DisplayName, Email, Title, Department, ManagerID string
	Active                                                         bool
}

// Fault is an injected answer to one request.
type Fault struct {
	Status     int
	RetryAfter int
	Body       string
}

// Server is a running emulator, safe for concurrent use.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	users    []User
	requests int
	faults   emufault.Queue[Fault]
}

// NewServer starts an emulator holding users.
func NewServer(users ...User) *Server {
	s := &Server{users: slices.Clone(users)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /scim/v2/Users", s.list)
	s.Server = httptest.NewServer(mux)
	return s
}

// BaseURL is the SCIM base the bot is given.
func (s *Server) BaseURL() string { return s.URL + "/scim/v2" }

// Generated is n users, a tenth inactive, each reporting to the first of
// their hundred.
func Generated(n int) []User {
	out := make([]User, n)
	for i := range out {
		out[i] = User{ID: fmt.Sprintf("u-%06d", i), UserName: fmt.Sprintf("person%d@acme.example", i), DisplayName: "Person " + strconv.Itoa(i),
			Email: fmt.Sprintf("person%d@acme.example", i), Title: "Agent", Department: "Support",
			ManagerID: fmt.Sprintf("u-%06d", i/100*100), Active: i%10 != 9}
	}
	return out
}

// Requests is how many requests arrived.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// InjectFault answers the next times requests (0: all until cleared).
func (s *Server) InjectFault(f Fault, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.Inject("*", f, times)
}

// Deactivate sets active false, as an HR system ending employment.
func (s *Server) Deactivate(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.users {
		if s.users[i].ID == id {
			s.users[i].Active = false
			return true
		}
	}
	return false
}

func scimError(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"},
		"status": strconv.Itoa(status), "detail": detail})
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if r.Header.Get("Authorization") != "Bearer "+Token {
		scimError(w, http.StatusUnauthorized, "Authorization failure. The authorization header is invalid or missing.")
		return
	}
	if f, ok := s.faults.Take(func(string) bool { return true }); ok {
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		if f.Body != "" {
			w.WriteHeader(f.Status)
			_, _ = w.Write([]byte(f.Body))
			return
		}
		scimError(w, f.Status, "injected")
		return
	}
	q := r.URL.Query()
	start, count := 1, MaxCount
	if v := q.Get("startIndex"); v != "" {
		// RFC 7644 §3.4.2.4: a startIndex below 1 is read as 1.
		if n, err := strconv.Atoi(v); err == nil && n > 1 {
			start = n
		}
	}
	if v := q.Get("count"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			count = min(n, MaxCount)
		}
	}
	var page []map[string]any
	for i := start - 1; i < len(s.users) && len(page) < count; i++ {
		page = append(page, resource(s.users[i]))
	}
	w.Header().Set("Content-Type", "application/scim+json")
	_ = json.NewEncoder(w).Encode(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": len(s.users), "startIndex": start, "itemsPerPage": len(page), "Resources": nonNil(page)})
}

func resource(u User) map[string]any {
	m := map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"id":      u.ID, "userName": u.UserName, "displayName": u.DisplayName, "title": u.Title, "active": u.Active,
		"emails": []map[string]any{{"value": u.Email, "type": "work", "primary": true}},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": u.Department},
		"meta": map[string]any{"resourceType": "User"},
	}
	if u.ManagerID != "" {
		m["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)["manager"] = map[string]any{"value": u.ManagerID}
	}
	if strings.TrimSpace(u.Email) == "" {
		delete(m, "emails")
	}
	return m
}

func nonNil(p []map[string]any) []map[string]any {
	if p == nil {
		return []map[string]any{}
	}
	return p
}
