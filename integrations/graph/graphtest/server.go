// Package graphtest emulates Microsoft Entra ID's token endpoint and
// Microsoft Graph's users delta over real HTTP: the client credentials
// grant, GET /v1.0/users/delta with $select and $top, opaque $skiptoken
// paging and a $deltatoken that returns only what changed since (changed
// properties only, deleted users as @removed, manager as manager@delta),
// and faults (any status with Retry-After, malformed JSON, a next link
// pointing elsewhere).
package graphtest

import (
	"encoding/base64"
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

// Credentials the emulator accepts unless options change them.
const (
	Tenant       = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	ClientID     = "seatwarden-graph"
	ClientSecret = "emulator-secret"
)

// User is a directory user as the emulator keeps it.
type User struct {
	ID, DisplayName, Mail, UserPrincipalName, Department, JobTitle string
	OtherMails, ProxyAddresses                                     []string
	AccountEnabled                                                 bool
	ManagerID                                                      string

	deleted       bool
	formerManager string          // the manager a change read reports as @removed
	seq           int64           // the change that last touched the user
	changed       map[string]bool // properties that change set
}

// Fault is an injected answer to one users request.
type Fault struct {
	Status     int
	RetryAfter int // seconds; 0 sends none
	Body       string
	// ForeignNext makes a good page whose next link points elsewhere.
	ForeignNext bool
}

// Server is a running emulator, safe for concurrent use.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	users    []*User // by id
	seq      int64
	tokens   map[string]bool
	requests int
	faults   emufault.Queue[Fault]
}

// NewServer starts an emulator holding users.
func NewServer(users ...User) *Server {
	s := &Server{tokens: map[string]bool{}}
	for i := range users {
		u := users[i]
		s.users = append(s.users, &u)
	}
	slices.SortFunc(s.users, func(a, b *User) int { return strings.Compare(a.ID, b.ID) })
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.token)
	mux.HandleFunc("GET /v1.0/users/delta", s.delta)
	mux.HandleFunc("GET /v1.0/users", s.list)
	s.Server = httptest.NewServer(mux)
	return s
}

// APIURL is the Graph base URL, TokenURL the tenant's token endpoint.
func (s *Server) APIURL() string   { return s.URL + "/v1.0" }
func (s *Server) TokenURL() string { return s.URL + "/" + Tenant + "/oauth2/v2.0/token" }

// Generated is n users of acme.example, a tenth disabled, each reporting
// to the first of their hundred.
func Generated(n int) []User {
	out := make([]User, n)
	for i := range out {
		out[i] = User{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), DisplayName: "Person " + strconv.Itoa(i),
			Mail: fmt.Sprintf("person%d@acme.example", i), UserPrincipalName: fmt.Sprintf("person%d@acme.onmicrosoft.com", i),
			ProxyAddresses: []string{fmt.Sprintf("SMTP:person%d@acme.example", i), fmt.Sprintf("smtp:p%d@acme.example", i)},
			AccountEnabled: i%10 != 9, Department: "Support", JobTitle: "Agent",
			ManagerID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i/100*100)}
	}
	return out
}

// Requests is how many users requests arrived.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// InjectFault answers the next times users requests (0: all until
// ClearFaults) with f.
func (s *Server) InjectFault(f Fault, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.Inject("*", f, times)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.Clear()
}

func (s *Server) find(id string) *User {
	i, ok := slices.BinarySearchFunc(s.users, id, func(u *User, id string) int { return strings.Compare(u.ID, id) })
	if !ok {
		return nil
	}
	return s.users[i]
}

// Disable turns the account off, as an admin blocking sign-in.
func (s *Server) Disable(id string) bool {
	return s.change(id, func(u *User) []string { u.AccountEnabled = false; return []string{"accountEnabled"} })
}

// SetManager makes manager id's manager; "" removes the manager, which a
// change read reports as the former manager @removed.
func (s *Server) SetManager(id, manager string) bool {
	return s.change(id, func(u *User) []string {
		if manager == "" && u.ManagerID != "" {
			u.formerManager = u.ManagerID
		}
		u.ManagerID = manager
		return []string{"manager"}
	})
}

// Delete deletes the user: a change read reports it as @removed.
func (s *Server) Delete(id string) bool {
	return s.change(id, func(u *User) []string { u.deleted = true; return nil })
}

func (s *Server) change(id string, fn func(*User) []string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.find(id)
	if u == nil {
		return false
	}
	s.seq++
	if u.changed == nil {
		// Properties accumulate: a change read returns at least what
		// changed since its token, as Graph does.
		u.changed = map[string]bool{}
	}
	for _, p := range fn(u) {
		u.changed[p] = true
	}
	u.seq = s.seq
	return true
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if r.PathValue("tenant") != Tenant || r.PostForm.Get("grant_type") != "client_credentials" ||
		r.PostForm.Get("client_id") != ClientID || r.PostForm.Get("client_secret") != ClientSecret ||
		r.PostForm.Get("scope") != "https://graph.microsoft.com/.default" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
		return
	}
	s.mu.Lock()
	tok := "eyJ0eXAi.emulator." + strconv.Itoa(len(s.tokens)+1)
	s.tokens[tok] = true
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
}

// begin authenticates a users request and takes a fault; ok is false
// when it has been answered.
func (s *Server) begin(w http.ResponseWriter, r *http.Request) (Fault, bool) {
	s.requests++
	tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !found || !s.tokens[tok] {
		writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
		return Fault{}, false
	}
	f, faulted := s.faults.Take(func(string) bool { return true })
	if faulted && !f.ForeignNext {
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		if f.Body != "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.Status)
			_, _ = w.Write([]byte(f.Body))
			return Fault{}, false
		}
		writeError(w, f.Status, map[int]string{403: "Authorization_RequestDenied", 429: "TooManyRequests"}[f.Status], "injected")
		return Fault{}, false
	}
	return f, true
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.begin(w, r); !ok {
		return
	}
	var out []map[string]any
	for _, u := range s.users {
		if !u.deleted && len(out) < 1 {
			out = append(out, map[string]any{"id": u.ID})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"value": out})
}

// cursor is what $skiptoken and $deltatoken carry: where a full read is
// (the next user's index) and the change the session started at.
type cursor struct {
	From  int   `json:"f"`
	Top   int   `json:"t,omitempty"` // the page size the session asked for
	Since int64 `json:"s"`           // -1 for a full read
	At    int64 `json:"a"`           // the change number when the session began
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(v string) (cursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(v)
	var c cursor
	return c, err == nil && json.Unmarshal(b, &c) == nil
}

func (s *Server) delta(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.begin(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	top := 100
	if v := q.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 999 {
			writeError(w, http.StatusBadRequest, "Request_BadRequest", "Invalid page size specified: '"+v+"'. Must be between 1 and 999 inclusive.")
			return
		}
		top = n
	}
	c := cursor{Since: -1, At: s.seq}
	for _, name := range []string{"$skiptoken", "$deltatoken"} {
		if v := q.Get(name); v != "" {
			var valid bool
			if c, valid = decodeCursor(v); !valid {
				writeError(w, http.StatusBadRequest, "Request_BadRequest", "Invalid "+name)
				return
			}
			if name == "$deltatoken" {
				c = cursor{Since: c.At, At: s.seq, Top: c.Top}
			}
			if c.Top > 0 && q.Get("$top") == "" {
				top = c.Top // links carry the session's page size, as Graph's do
			}
		}
	}
	var value []map[string]any
	i := c.From
	for ; i < len(s.users) && len(value) < top; i++ {
		u := s.users[i]
		switch {
		case c.Since < 0 && !u.deleted:
			value = append(value, full(u))
		case c.Since >= 0 && u.seq > c.Since && u.deleted:
			value = append(value, map[string]any{"id": u.ID, "@removed": map[string]string{"reason": "changed"}})
		case c.Since >= 0 && u.seq > c.Since:
			value = append(value, changes(u))
		}
	}
	out := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(" + q.Get("$select") + ")", "value": value}
	base := "http://" + r.Host + "/v1.0/users/delta?"
	if i < len(s.users) {
		next := base + "$skiptoken=" + cursor{From: i, Since: c.Since, At: c.At, Top: top}.encode()
		if f.ForeignNext {
			next = "https://evil.example/v1.0/users/delta?$skiptoken=x"
		}
		out["@odata.nextLink"] = next
	} else {
		out["@odata.deltaLink"] = base + "$deltatoken=" + cursor{At: c.At, Top: top}.encode()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// full is a user with every selected property, as a full read returns it.
func full(u *User) map[string]any {
	m := map[string]any{"id": u.ID, "displayName": u.DisplayName, "mail": u.Mail, "userPrincipalName": u.UserPrincipalName,
		"otherMails": nonNil(u.OtherMails), "proxyAddresses": nonNil(u.ProxyAddresses), "accountEnabled": u.AccountEnabled,
		"department": u.Department, "jobTitle": u.JobTitle}
	if u.ManagerID != "" {
		m["manager@delta"] = []map[string]string{{"@odata.type": "#microsoft.graph.user", "id": u.ManagerID}}
	}
	return m
}

// changes is a changed user as a change read returns it: its id and
// what changed.
func changes(u *User) map[string]any {
	all := full(u)
	m := map[string]any{"id": u.ID}
	for p := range u.changed {
		if p == "manager" {
			m["manager@delta"] = all["manager@delta"]
			if u.ManagerID == "" && u.formerManager != "" {
				m["manager@delta"] = []map[string]any{{"@odata.type": "#microsoft.graph.user", "id": u.formerManager, "@removed": map[string]string{"reason": "deleted"}}}
			}
			continue
		}
		m[p] = all[p]
	}
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
