package zendesktest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStartSession(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		name string
		id   int64
		want bool
	}{
		{"agent", 900000000103, true},
		{"suspended agent cannot sign in", 900000000111, false},
		{"deleted agent cannot sign in", 900000000116, false},
		{"unknown user", 42, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.StartSession(tt.id); got != tt.want {
				t.Fatalf("StartSession = %t, want %t", got, tt.want)
			}
			want := 0
			if tt.want {
				want = 1
			}
			if n := s.Sessions(tt.id); n != want {
				t.Errorf("Sessions = %d, want %d", n, want)
			}
		})
	}
	if len(s.Mutations()) != 0 || s.TotalRequests() != 0 {
		t.Errorf("signing in is not an API change: %d mutations, %d requests", len(s.Mutations()), s.TotalRequests())
	}
}

func TestEndSessions(t *testing.T) {
	const (
		dana  = int64(900000000101) // owner
		priya = int64(900000000103) // Staff agent
		mei   = int64(900000000105) // Staff agent
	)
	agent := func(email string) string { return basic(email, apiToken) }
	tests := []struct {
		name       string
		method     string
		path       string
		auth       func(s *Server) string // nil: the owner's bearer token
		sessions   int                    // priya's before the request
		wantStatus int
		wantLeft   int // priya's after
		wantMut    []Mutation
	}{
		{
			name: "admin ends every session", method: "DELETE", path: fmt.Sprintf("/api/v2/users/%d/sessions", priya),
			sessions: 3, wantStatus: 204,
			wantMut: []Mutation{{UserID: priya, Field: FieldSessions, From: "3", To: "0"}},
		},
		{
			name: ".json suffix", method: "DELETE", path: fmt.Sprintf("/api/v2/users/%d/sessions.json", priya),
			sessions: 1, wantStatus: 204,
			wantMut: []Mutation{{UserID: priya, Field: FieldSessions, From: "1", To: "0"}},
		},
		{
			name: "no sessions: 204, nothing recorded", method: "DELETE", path: fmt.Sprintf("/api/v2/users/%d/sessions", priya),
			wantStatus: 204,
		},
		{
			name: "users:write is enough", method: "DELETE", path: fmt.Sprintf("/api/v2/users/%d/sessions", priya),
			auth: func(s *Server) string { return scopedBearer(t, s, "users:write") }, sessions: 2, wantStatus: 204,
			wantMut: []Mutation{{UserID: priya, Field: FieldSessions, From: "2", To: "0"}},
		},
		{
			name: "write is enough", method: "DELETE", path: fmt.Sprintf("/api/v2/users/%d/sessions", priya),
			auth: func(s *Server) string { return scopedBearer(t, s, "read write") }, sessions: 2, wantStatus: 204,
			wantMut: []Mutation{{UserID: priya, Field: FieldSessions, From: "2", To: "0"}},
		},
		{
			name: "an agent signs themselves out", method: "DELETE", path: fmt.Sprintf("/api/v2/users/%d/sessions", priya),
			auth: func(*Server) string { return agent("priya@acme.example") }, sessions: 1, wantStatus: 204,
			wantMut: []Mutation{{UserID: priya, Field: FieldSessions, From: "1", To: "0"}},
		},
		{
			name: "an agent cannot sign others out", method: "DELETE", path: fmt.Sprintf("/api/v2/users/%d/sessions", priya),
			auth: func(*Server) string { return agent("mei@acme.example") }, sessions: 1, wantStatus: 403, wantLeft: 1,
		},
		{
			name: "users:read is not enough", method: "DELETE", path: fmt.Sprintf("/api/v2/users/%d/sessions", priya),
			auth: func(s *Server) string { return scopedBearer(t, s, "users:read") }, sessions: 1, wantStatus: 403, wantLeft: 1,
		},
		{
			name: "read is not enough", method: "DELETE", path: fmt.Sprintf("/api/v2/users/%d/sessions", priya),
			auth: func(s *Server) string { return scopedBearer(t, s, "read") }, sessions: 1, wantStatus: 403, wantLeft: 1,
		},
		{
			name: "unauthenticated", method: "DELETE", path: fmt.Sprintf("/api/v2/users/%d/sessions", priya),
			auth: func(*Server) string { return "" }, sessions: 1, wantStatus: 401, wantLeft: 1,
		},
		{
			name: "unknown user", method: "DELETE", path: "/api/v2/users/42/sessions",
			sessions: 1, wantStatus: 404, wantLeft: 1,
		},
		{
			name: "listing sessions is not emulated", method: "GET", path: fmt.Sprintf("/api/v2/users/%d/sessions", priya),
			sessions: 1, wantStatus: 405, wantLeft: 1,
		},
		{
			name: "PUT", method: "PUT", path: fmt.Sprintf("/api/v2/users/%d/sessions", priya),
			sessions: 1, wantStatus: 405, wantLeft: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			for range tt.sessions {
				s.StartSession(priya)
			}
			s.StartSession(mei)
			s.StartSession(dana)
			var auth []string
			if tt.auth != nil {
				auth = []string{tt.auth(s)}
			}
			r := do(t, s, tt.method, tt.path, "", auth...)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", r.status, tt.wantStatus, r.body)
			}
			switch tt.wantStatus {
			case 204:
				if len(r.body) != 0 {
					t.Errorf("204 with a body: %q", r.body)
				}
			case 405:
				if got := r.header.Get("Allow"); got != "DELETE" {
					t.Errorf("Allow = %q", got)
				}
			case 404:
				if string(r.body) != bodyNotFound {
					t.Errorf("404 body = %s", r.body)
				}
			case 403:
				if string(r.body) != bodyForbidden {
					t.Errorf("403 body = %s", r.body)
				}
			}
			if n := s.Sessions(priya); n != tt.wantLeft {
				t.Errorf("priya's sessions = %d, want %d", n, tt.wantLeft)
			}
			if s.Sessions(mei) != 1 || s.Sessions(dana) != 1 {
				t.Errorf("other users' sessions changed: mei %d, dana %d", s.Sessions(mei), s.Sessions(dana))
			}
			var got []Mutation
			for _, m := range s.Mutations() {
				if !m.At.Equal(t0) {
					t.Errorf("mutation %+v: want it at %s", m, t0)
				}
				m.At = time.Time{}
				got = append(got, m)
			}
			if diff := cmp.Diff(tt.wantMut, got); diff != "" {
				t.Errorf("mutations (-want +got):\n%s", diff)
			}
			if n := s.Requests(EndpointUserSessions); n != 1 {
				t.Errorf("users_sessions requests = %d, want 1", n)
			}
			if n := s.Requests(EndpointUsersShow) + s.Requests(EndpointUsersUpdate); n != 0 {
				t.Errorf("routed as a user show or update too: %d", n)
			}
		})
	}
}

func TestEndSessionsAgainAndCounted(t *testing.T) {
	s := newTestServer(t)
	const priya = int64(900000000103)
	path := fmt.Sprintf("/api/v2/users/%d/sessions", priya)
	s.StartSession(priya)
	s.StartSession(priya)
	for i := range 2 {
		if r := do(t, s, "DELETE", path, ""); r.status != 204 {
			t.Fatalf("DELETE %d = %d %s", i+1, r.status, r.body)
		}
	}
	if n := s.Requests(EndpointUserSessions); n != 2 {
		t.Errorf("requests = %d, want 2: every request counts", n)
	}
	if n := len(s.Mutations()); n != 1 {
		t.Errorf("mutations = %+v, want one: only the DELETE that ended sessions", s.Mutations())
	}
	// Signing in again after being signed out.
	s.StartSession(priya)
	if r := do(t, s, "DELETE", path, ""); r.status != 204 || s.Sessions(priya) != 0 {
		t.Errorf("third DELETE = %d, sessions left %d", r.status, s.Sessions(priya))
	}
	if n := len(s.Mutations()); n != 2 {
		t.Errorf("mutations = %d, want 2", n)
	}
}

func TestRoleChangeKeepsSessions(t *testing.T) {
	s := newTestServer(t)
	const priya = int64(900000000103)
	s.StartSession(priya)
	s.StartSession(priya)
	for _, body := range []string{
		`{"user":{"role":"admin"}}`,
		fmt.Sprintf(`{"user":{"role":"agent","custom_role_id":%d}}`, LightAgentRoleID),
		`{"user":{"role":"agent","custom_role_id":null}}`,
	} {
		if r := do(t, s, "PUT", fmt.Sprintf("/api/v2/users/%d", priya), body); r.status != 200 {
			t.Fatalf("PUT %s = %d %s", body, r.status, r.body)
		}
		if n := s.Sessions(priya); n != 2 {
			t.Fatalf("after %s: sessions = %d, want 2; Zendesk does not end them on a role change", body, n)
		}
	}
	for _, m := range s.Mutations() {
		if m.Field == FieldSessions {
			t.Errorf("a role change recorded %+v", m)
		}
	}
}

func TestEndSessionsFaults(t *testing.T) {
	const priya = int64(900000000103)
	path := fmt.Sprintf("/api/v2/users/%d/sessions", priya)
	tests := []struct {
		name       string
		endpoint   string
		fault      Fault
		wantStatus []int
		wantHeader string // Retry-After of the first answer
		wantLeft   int    // sessions after the first answer
	}{
		{"503 once", EndpointUserSessions, Fault{Status: 503, Times: 1}, []int{503, 204}, "", 2},
		{"429 with Retry-After", EndpointUserSessions, Fault{Status: 429, RetryAfter: 7 * time.Second, Times: 1}, []int{429, 204}, "7", 2},
		{"all endpoints", AllEndpoints, Fault{Status: 500, Times: 1}, []int{500, 204}, "", 2},
		{"applied, answer lost", EndpointUserSessions, Fault{Status: 502, AfterApply: true, Times: 1}, []int{502, 204}, "", 0},
		{"another endpoint's fault", EndpointUsersUpdate, Fault{Status: 500}, []int{204}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			s.StartSession(priya)
			s.StartSession(priya)
			s.InjectFault(tt.endpoint, tt.fault)
			for i, want := range tt.wantStatus {
				r := do(t, s, "DELETE", path, "")
				if r.status != want {
					t.Fatalf("request %d = %d, want %d: %s", i+1, r.status, want, r.body)
				}
				if i > 0 {
					continue
				}
				if got := r.header.Get("Retry-After"); got != tt.wantHeader {
					t.Errorf("Retry-After = %q, want %q", got, tt.wantHeader)
				}
				if n := s.Sessions(priya); n != tt.wantLeft {
					t.Errorf("sessions after the first answer = %d, want %d", n, tt.wantLeft)
				}
			}
			if n := s.Sessions(priya); n != 0 {
				t.Errorf("sessions at the end = %d", n)
			}
			if n := s.Requests(EndpointUserSessions); n != len(tt.wantStatus) {
				t.Errorf("requests = %d, want %d", n, len(tt.wantStatus))
			}
			if n := len(s.Mutations()); n != 1 {
				t.Errorf("mutations = %+v, want one", s.Mutations())
			}
		})
	}
}
