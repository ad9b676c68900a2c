// Package oktatest emulates an Okta org's users API over real HTTP, for
// tests, benchmarks and the demo: GET /api/v1/users with the search and
// filter expressions seatwarden sends, limit and the opaque after cursor,
// two Link header lines, SSWS tokens, and a per-minute rate limit with
// Okta's X-Rate-Limit-* headers and E0000047 refusals. Faults (any status
// and body, malformed JSON, a next link pointing elsewhere) are injected
// per request.
package oktatest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/integrations/okta"
	"github.com/seatwarden/seatwarden/internal/emuclock"
	"github.com/seatwarden/seatwarden/internal/emufault"
)

// DefaultToken is the API token the emulator accepts unless WithToken
// changes it.
const DefaultToken = "00okta-emulator-token"

// DefaultRateLimit is the users list's requests per minute unless
// WithRateLimit changes it: Okta does not publish one figure for every
// plan, and 600 is a common one.
const DefaultRateLimit = 600

// Fault is an injected answer to one request.
type Fault struct {
	Status int
	// Body is sent as is; empty sends Okta's error body for Status.
	Body string
	// ForeignNext makes a good page whose next link points at another
	// host.
	ForeignNext bool
}

// Server is a running emulator. It is safe for concurrent use.
type Server struct {
	*httptest.Server
	emuclock.Clock

	token string
	limit int
	mux   *http.ServeMux

	mu       sync.Mutex
	users    []okta.User // by id
	requests int
	window   time.Time // start of the rate-limit minute
	used     int
	faults   emufault.Queue[Fault]
}

// Option configures a server.
type Option func(*Server)

// WithToken sets the accepted API token.
func WithToken(t string) Option { return func(s *Server) { s.token = t } }

// WithRateLimit sets the users list's requests per minute (0: no limit).
func WithRateLimit(perMinute int) Option { return func(s *Server) { s.limit = perMinute } }

// WithClock sets the emulator's clock.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.Follow(now) } }

// WithUsers adds users.
func WithUsers(us ...okta.User) Option {
	return func(s *Server) { s.users = append(s.users, us...) }
}

// NewServer starts an emulator.
func NewServer(opts ...Option) *Server {
	s := &Server{token: DefaultToken, limit: DefaultRateLimit}
	for _, o := range opts {
		o(s)
	}
	slices.SortFunc(s.users, func(a, b okta.User) int { return strings.Compare(a.ID, b.ID) })
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /api/v1/users", s.listUsers)
	s.Server = httptest.NewServer(s)
	return s
}

// ServeHTTP serves the emulated API, so it can also be mounted elsewhere
// (seatwarden emulate okta).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Generated is n people of acme.example, ids in order, a tenth of them
// deactivated, each reporting to the first of their hundred.
func Generated(n int, at time.Time) []okta.User {
	out := make([]okta.User, n)
	for i := range out {
		status := okta.StatusActive
		if i%10 == 9 {
			status = okta.StatusDeprovisioned
		}
		changed := at.Add(-time.Duration(i%1000) * time.Hour)
		out[i] = okta.User{ID: fmt.Sprintf("00u%07d", i), Status: status, StatusChanged: &changed, LastUpdated: changed,
			Profile: okta.Profile{Login: fmt.Sprintf("person%d@acme.example", i), Email: fmt.Sprintf("person%d@acme.example", i),
				FirstName: "Person", LastName: strconv.Itoa(i), Department: "Support", Title: "Agent",
				ManagerID: fmt.Sprintf("00u%07d", i/100*100)}}
	}
	return out
}

// Users returns every user as the emulator holds them, by id.
func (s *Server) Users() []okta.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.users)
}

// Requests is how many requests reached the users list.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// InjectFault answers the next times requests (0: every one until
// ClearFaults) with f.
func (s *Server) InjectFault(f Fault, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.Inject("*", f, times)
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.Clear()
}

// Update changes the user id with fn, stamping lastUpdated (and
// statusChanged when the status changed) with the emulator's clock; it
// reports whether the user exists.
func (s *Server) Update(id string, fn func(*okta.User)) bool {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := slices.BinarySearchFunc(s.users, id, func(u okta.User, id string) int { return strings.Compare(u.ID, id) })
	if !ok {
		return false
	}
	before := s.users[i].Status
	fn(&s.users[i])
	s.users[i].LastUpdated = now
	if s.users[i].Status != before {
		s.users[i].StatusChanged = &now
	}
	return true
}

// Deactivate deprovisions the user id, as an admin deactivating them.
func (s *Server) Deactivate(id string) bool {
	return s.Update(id, func(u *okta.User) { u.Status = okta.StatusDeprovisioned })
}

// Delete removes the user id: Okta forgets deleted users.
func (s *Server) Delete(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := slices.BinarySearchFunc(s.users, id, func(u okta.User, id string) int { return strings.Compare(u.ID, id) })
	if ok {
		s.users = slices.Delete(s.users, i, i+1)
	}
	return ok
}

// errorBody is Okta's error object.
func errorBody(code, summary string) string {
	b, _ := json.Marshal(map[string]any{"errorCode": code, "errorSummary": summary, "errorLink": code,
		"errorId": "oae" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36), "errorCauses": []any{}})
	return string(b)
}

func writeError(w http.ResponseWriter, status int, code, summary string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(errorBody(code, summary)))
}

var defaultErrors = map[int][2]string{
	http.StatusBadRequest:          {"E0000001", "Api validation failed"},
	http.StatusUnauthorized:        {"E0000011", "Invalid token provided"},
	http.StatusForbidden:           {"E0000006", "You do not have permission to perform the requested action"},
	http.StatusNotFound:            {"E0000007", "Not found"},
	http.StatusTooManyRequests:     {"E0000047", "API call exceeded rate limit due to too many requests."},
	http.StatusInternalServerError: {"E0000009", "Internal Server Error"},
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	w.Header().Set("X-Okta-Request-Id", "emu-"+strconv.Itoa(s.requests))
	if r.Header.Get("Authorization") != "SSWS "+s.token {
		writeError(w, http.StatusUnauthorized, "E0000011", "Invalid token provided")
		return
	}
	if s.limit > 0 {
		if now.Sub(s.window) >= time.Minute {
			s.window, s.used = now, 0
		}
		reset := s.window.Add(time.Minute).Unix()
		h := w.Header()
		h.Set("X-Rate-Limit-Limit", strconv.Itoa(s.limit))
		h.Set("X-Rate-Limit-Reset", strconv.FormatInt(reset, 10))
		if s.used >= s.limit {
			h.Set("X-Rate-Limit-Remaining", "0")
			writeError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
			return
		}
		s.used++
		h.Set("X-Rate-Limit-Remaining", strconv.Itoa(s.limit-s.used))
	}
	f, faulted := s.faults.Take(func(string) bool { return true })
	if faulted && !f.ForeignNext {
		body := f.Body
		if body == "" {
			d := defaultErrors[f.Status]
			body = errorBody(d[0], d[1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(body))
		return
	}
	q := r.URL.Query()
	match, ok := matcher(q.Get("search"), q.Get("filter"))
	if !ok {
		writeError(w, http.StatusBadRequest, "E0000031", "Invalid search criteria.")
		return
	}
	limit := okta.MaxPageSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: limit")
			return
		}
		limit = min(n, okta.MaxPageSize)
	}
	after := ""
	if v := q.Get("after"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: after")
			return
		}
		after = string(b)
	}
	start, _ := slices.BinarySearchFunc(s.users, after, func(u okta.User, id string) int {
		if strings.Compare(u.ID, id) <= 0 {
			return -1
		}
		return 1
	})
	page := make([]okta.User, 0, limit)
	more := false
	for _, u := range s.users[start:] {
		if !match(u) {
			continue
		}
		if len(page) == limit {
			more = true
			break
		}
		page = append(page, u)
	}
	self := *r.URL
	self.Scheme, self.Host = "http", r.Host
	w.Header().Add("Link", "<"+self.String()+`>; rel="self"`)
	if more {
		next := self
		nq := next.Query()
		nq.Set("after", base64.RawURLEncoding.EncodeToString([]byte(page[len(page)-1].ID)))
		nq.Set("limit", strconv.Itoa(limit))
		next.RawQuery = nq.Encode()
		if faulted && f.ForeignNext {
			next.Host = "evil.example"
		}
		w.Header().Add("Link", "<"+next.String()+`>; rel="next"`)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(page)
}

var (
	statusClause  = regexp.MustCompile(`^status eq "([A-Z_]+)"$`)
	updatedClause = regexp.MustCompile(`^lastUpdated gt "([0-9T:.\-]+Z)"$`)
	emailClause   = regexp.MustCompile(`^profile\.email eq "([^"]+)"$`)
)

// matcher reads the expressions seatwarden sends: status clauses joined
// by "or", lastUpdated gt, profile.email eq (search, values matched
// without case) and status eq (filter). With neither, Okta's default
// list leaves deactivated users out; with either, they are in.
func matcher(search, filter string) (func(okta.User) bool, bool) {
	switch {
	case search != "" && filter != "":
		return nil, false
	case filter != "":
		m := statusClause.FindStringSubmatch(filter)
		if m == nil {
			return nil, false
		}
		return func(u okta.User) bool { return u.Status == m[1] }, true
	case search == "":
		return func(u okta.User) bool { return u.Status != okta.StatusDeprovisioned }, true
	}
	if m := updatedClause.FindStringSubmatch(search); m != nil {
		t, err := time.Parse(okta.TimeFormat, m[1])
		if err != nil {
			return nil, false
		}
		return func(u okta.User) bool { return u.LastUpdated.After(t) }, true
	}
	if m := emailClause.FindStringSubmatch(search); m != nil {
		return func(u okta.User) bool { return strings.EqualFold(u.Profile.Email, m[1]) }, true
	}
	statuses := map[string]bool{}
	for _, clause := range strings.Split(search, " or ") {
		m := statusClause.FindStringSubmatch(strings.TrimSpace(clause))
		if m == nil {
			return nil, false
		}
		statuses[strings.ToUpper(m[1])] = true
	}
	return func(u okta.User) bool { return statuses[u.Status] }, true
}
