// Package siemtest is a collector of the audit trail as the bot's sinks
// reach one: a webhook receiver that checks each delivery's signature and
// timestamp, and Splunk's HTTP Event Collector with its token checks and
// its answers ({"text", "code"}). It records what arrived, repeats
// included, and injects failures.
package siemtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/audit"
	"github.com/seatwarden/seatwarden/integrations/siem"
)

// Paths the collector serves.
const (
	WebhookPath = "/hooks/seatwarden"
	HECPath     = "/services/collector/event"
)

// Secret and Token are what the collector accepts.
const (
	Secret = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	Token  = "5a1b2c3d-0000-4000-8000-00000000hec0"
)

// Server is a running collector, safe for concurrent use.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	received []audit.Entry
	batches  int
	failed   int
	// failRatio of deliveries answer 503; refuse answers every delivery
	// with its status (400: the collector refuses the data).
	failRatio  float64
	keepFailed bool
	refuse     int
	rng        *rand.Rand
}

// NewServer starts a collector.
func NewServer() *Server {
	s := &Server{rng: rand.New(rand.NewPCG(1, 2))}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+WebhookPath, s.webhook)
	mux.HandleFunc("POST "+HECPath, s.hec)
	s.Server = httptest.NewServer(mux)
	return s
}

// WebhookURL and HECURL are the collector's endpoints.
func (s *Server) WebhookURL() string { return s.URL + WebhookPath }
func (s *Server) HECURL() string     { return s.URL + HECPath }

// FailRatio makes that fraction of deliveries answer 503 (after the body
// was read, as a collector that failed to store it would).
func (s *Server) FailRatio(r float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRatio = r
}

// KeepFailed makes a failing delivery keep what it carried, as a collector
// that stored a batch and then timed out answering: the sender, not
// knowing, sends it again.
func (s *Server) KeepFailed(keep bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keepFailed = keep
}

// Refuse makes every delivery answer status (0: accept again).
func (s *Server) Refuse(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = status
}

// Received is every entry taken, in arrival order, repeats included.
func (s *Server) Received() []audit.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]audit.Entry(nil), s.received...)
}

// Deliveries is how many deliveries arrived and how many of them failed.
func (s *Server) Deliveries() (all, failed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.batches, s.failed
}

// verdict decides a delivery's fate once its body is read.
func (s *Server) verdict() (status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches++
	switch {
	case s.refuse != 0:
		s.failed++
		return s.refuse
	case s.failRatio > 0 && s.rng.Float64() < s.failRatio:
		s.failed++
		return http.StatusServiceUnavailable
	}
	return http.StatusOK
}

// keepIfAsked keeps a batch a busy collector failed to acknowledge.
func (s *Server) keepIfAsked(status int, entries []audit.Entry) {
	s.mu.Lock()
	keep := s.keepFailed && status == http.StatusServiceUnavailable
	s.mu.Unlock()
	if keep {
		s.take(entries)
	}
}

func (s *Server) take(entries []audit.Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = append(s.received, entries...)
}

func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	if err := siem.Verify([]byte(Secret), r.Header.Get(siem.HeaderTimestamp), r.Header.Get(siem.HeaderSignature), body, time.Now(), 5*time.Minute); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var entries []audit.Entry
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e audit.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.ID == "" {
			http.Error(w, "a line is not an audit entry", http.StatusBadRequest)
			return
		}
		entries = append(entries, e)
	}
	if status := s.verdict(); status != http.StatusOK {
		s.keepIfAsked(status, entries)
		http.Error(w, http.StatusText(status), status)
		return
	}
	s.take(entries)
	w.WriteHeader(http.StatusNoContent)
}

func hecAnswer(w http.ResponseWriter, status int, text string, code int) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"text": text, "code": code})
}

func (s *Server) hec(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Splunk ")
	switch {
	case auth == "":
		hecAnswer(w, http.StatusUnauthorized, "Token is required", 2)
		return
	case !ok:
		hecAnswer(w, http.StatusUnauthorized, "Invalid authorization", 3)
		return
	case token != Token:
		hecAnswer(w, http.StatusForbidden, "Invalid token", 4)
		return
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 32<<20))
	var entries []audit.Entry
	for {
		var ev struct {
			Time       float64      `json:"time"`
			SourceType string       `json:"sourcetype"`
			Event      *audit.Entry `json:"event"`
		}
		err := dec.Decode(&ev)
		if err == io.EOF {
			break
		}
		if err != nil || ev.Event == nil || ev.Time == 0 {
			hecAnswer(w, http.StatusBadRequest, "Invalid data format", 6)
			return
		}
		entries = append(entries, *ev.Event)
	}
	if len(entries) == 0 {
		hecAnswer(w, http.StatusBadRequest, "No data", 5)
		return
	}
	switch status := s.verdict(); status {
	case http.StatusOK:
		s.take(entries)
		hecAnswer(w, http.StatusOK, "Success", 0)
	case http.StatusServiceUnavailable:
		hecAnswer(w, status, "Server is busy", 9)
	default:
		hecAnswer(w, status, "Invalid data format", 6)
	}
}
