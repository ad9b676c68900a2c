// Package googletest emulates Google's OAuth token endpoint for service
// accounts (the JWT bearer grant, the assertion verified against the
// service account's key, domain-wide delegation to one administrator)
// and the Admin SDK Directory API's users.list (customer my_customer,
// maxResults up to 500, nextPageToken), with faults, including Google's
// 403 userRateLimitExceeded.
package googletest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/seatwarden/seatwarden/internal/emufault"
)

// The service account and the administrator it may act as.
const (
	ServiceAccount = "seatwarden@acme-directory.iam.gserviceaccount.com"
	Admin          = "directory-reader@acme.example"
	Scope          = "https://www.googleapis.com/auth/admin.directory.user.readonly"
)

// User is a user as the emulator keeps it.
type User struct {
	ID, PrimaryEmail, FullName, Manager, Title, Department string
	Aliases                                                []string
	Suspended, Archived                                    bool
}

// Fault is an injected answer to one users request.
type Fault struct {
	Status     int
	Reason     string // errors[].reason, such as userRateLimitExceeded
	RetryAfter int
	Body       string
}

// Server is a running emulator, safe for concurrent use.
type Server struct {
	*httptest.Server
	key *rsa.PrivateKey

	mu       sync.Mutex
	users    []User
	tokens   map[string]bool
	requests int
	faults   emufault.Queue[Fault]
}

// NewServer starts an emulator holding users, with a fresh key for the
// service account.
func NewServer(users ...User) *Server {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	s := &Server{key: key, users: slices.Clone(users), tokens: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("GET /admin/directory/v1/users", s.list)
	s.Server = httptest.NewServer(mux)
	return s
}

// KeyJSON is the service account's JSON key, as the Cloud console gives
// it, with token_uri pointing at the emulator.
func (s *Server) KeyJSON() []byte {
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(s.key))})
	b, _ := json.MarshalIndent(map[string]string{"type": "service_account", "project_id": "acme-directory",
		"private_key_id": "emulator-key-1", "private_key": string(pemKey), "client_email": ServiceAccount,
		"client_id": "100000000000000000001", "token_uri": s.URL + "/token"}, "", "  ")
	return b
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// Generated is n users of acme.example, a tenth suspended, each managed
// by the first of their hundred.
func Generated(n int) []User {
	out := make([]User, n)
	for i := range out {
		out[i] = User{ID: fmt.Sprintf("1%020d", i), PrimaryEmail: fmt.Sprintf("person%d@acme.example", i), FullName: "Person " + strconv.Itoa(i),
			Aliases: []string{fmt.Sprintf("p%d@acme.example", i)}, Manager: fmt.Sprintf("person%d@acme.example", i/100*100),
			Title: "Agent", Department: "Support", Suspended: i%10 == 9}
	}
	return out
}

// Requests is how many users requests arrived.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// InjectFault answers the next times users requests (0: all).
func (s *Server) InjectFault(f Fault, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.Inject("*", f, times)
}

// Suspend suspends the user with primaryEmail.
func (s *Server) Suspend(email string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.users {
		if s.users[i].PrimaryEmail == email {
			s.users[i].Suspended = true
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func googleError(w http.ResponseWriter, status int, reason, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": status, "message": msg,
		"errors": []map[string]string{{"domain": "global", "reason": reason, "message": msg}}}})
}

// token answers the JWT bearer grant: the assertion must be signed with
// the service account's key, for this endpoint, now, for the directory
// scope, and act as the delegated administrator.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	refuse := func(desc string) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": desc})
	}
	if r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "Invalid grant_type"})
		return
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(r.PostForm.Get("assertion"), claims, func(*jwt.Token) (any, error) { return &s.key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(s.URL+"/token"), jwt.WithIssuer(ServiceAccount), jwt.WithExpirationRequired())
	switch {
	case err != nil:
		refuse("Invalid JWT Signature.")
		return
	case claims["scope"] != Scope:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unauthorized_client", "error_description": "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested."})
		return
	case claims["sub"] != Admin:
		refuse("Invalid email or User ID")
		return
	}
	s.mu.Lock()
	tok := "ya29.emulator-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	s.tokens[tok] = true
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": 3599, "token_type": "Bearer"})
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	tok, ok := cutBearer(r.Header.Get("Authorization"))
	if !ok || !s.tokens[tok] {
		googleError(w, http.StatusUnauthorized, "authError", "Invalid Credentials")
		return
	}
	if f, faulted := s.faults.Take(func(string) bool { return true }); faulted {
		if f.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		}
		if f.Body != "" {
			w.WriteHeader(f.Status)
			_, _ = w.Write([]byte(f.Body))
			return
		}
		googleError(w, f.Status, f.Reason, "injected")
		return
	}
	q := r.URL.Query()
	if q.Get("customer") != "my_customer" && q.Get("domain") == "" {
		googleError(w, http.StatusBadRequest, "badRequest", "Bad Request")
		return
	}
	max := 100
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			googleError(w, http.StatusBadRequest, "invalid", "Invalid value for maxResults")
			return
		}
		max = n
	}
	from := 0
	if v := q.Get("pageToken"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > len(s.users) {
			googleError(w, http.StatusBadRequest, "invalid", "Invalid page token")
			return
		}
		from = n
	}
	var page []map[string]any
	i := from
	for ; i < len(s.users) && len(page) < max; i++ {
		page = append(page, resource(s.users[i]))
	}
	out := map[string]any{"kind": "admin#directory#users", "etag": `"emulator"`, "users": page}
	if i < len(s.users) {
		out["nextPageToken"] = strconv.Itoa(i)
	}
	writeJSON(w, http.StatusOK, out)
}

func cutBearer(h string) (string, bool) {
	const p = "Bearer "
	if len(h) > len(p) && h[:len(p)] == p {
		return h[len(p):], true
	}
	return "", false
}

func resource(u User) map[string]any {
	m := map[string]any{"kind": "admin#directory#user", "id": u.ID, "primaryEmail": u.PrimaryEmail,
		"name": map[string]string{"fullName": u.FullName}, "suspended": u.Suspended, "archived": u.Archived,
		"emails":        []map[string]any{{"address": u.PrimaryEmail, "primary": true}},
		"organizations": []map[string]any{{"primary": true, "title": u.Title, "department": u.Department}}}
	if len(u.Aliases) > 0 {
		m["aliases"] = u.Aliases
	}
	if u.Manager != "" {
		m["relations"] = []map[string]string{{"type": "manager", "value": u.Manager}}
	}
	return m
}
