package githubtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FaultKind is how a faulted request is answered.
type FaultKind int

// Fault kinds.
const (
	// FaultServerError answers a 5xx (Status, default 502).
	FaultServerError FaultKind = iota + 1
	// FaultPrimaryRateLimit answers the hourly budget exhausted: 403
	// (Status 429 allowed) with x-ratelimit-remaining 0 and a reset
	// ResetAfter from now; GraphQL gets a 200 whose errors say
	// RATE_LIMITED.
	FaultPrimaryRateLimit
	// FaultSecondaryRateLimit answers a secondary limit: 403 (Status 429
	// allowed), with Retry-After when RetryAfter is set.
	FaultSecondaryRateLimit
	// FaultSlow waits Latency, then answers normally.
	FaultSlow
	// FaultMalformed answers 200 with truncated JSON.
	FaultMalformed
	// FaultStatus answers Status with GitHub's body for it.
	FaultStatus
)

// Fault makes requests misbehave.
type Fault struct {
	Kind   FaultKind
	Status int
	// RetryAfter is sent as Retry-After (whole seconds, rounded up): for
	// secondary limits and 5xx.
	RetryAfter time.Duration
	// ResetAfter puts a primary limit's reset this far ahead (default one
	// minute).
	ResetAfter time.Duration
	// Latency delays the answer of any kind; it is a real wait, keep it
	// small.
	Latency time.Duration
	// Times is how many requests the fault affects; 0 means until
	// ClearFaults.
	Times int
}

// InjectFault queues a fault for the requests match selects: an endpoint
// name (see the Endpoint constants), a path prefix starting with "/"
// (such as "/orgs/acme/members"), or AllEndpoints. Faults apply in the
// order injected, each for its Times requests.
func (s *Server) InjectFault(match string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.Inject(match, f, f.Times)
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.Clear()
}

// takeFault consumes one use of the first fault matching the request.
// Callers hold s.mu.
func (s *Server) takeFault(endpoint, path string) (Fault, bool) {
	return s.faults.Take(func(match string) bool {
		return match == AllEndpoints || match == endpoint || (strings.HasPrefix(match, "/") && strings.HasPrefix(path, match))
	})
}

// serveFault applies f and reports whether it answered the request.
func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, rt route, f Fault, now time.Time, reqID string) bool {
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return true
		case <-t.C:
		}
	}
	h := w.Header()
	switch f.Kind {
	case FaultServerError:
		status := f.Status
		if status < 500 {
			status = http.StatusBadGateway
		}
		if f.RetryAfter > 0 {
			h.Set("Retry-After", strconv.Itoa(ceilSeconds(f.RetryAfter)))
		}
		if status == http.StatusInternalServerError {
			writeMessage(w, status, "Server Error", "")
			return true
		}
		// GitHub's edge answers 502/503/504 with an HTML page.
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, "<html><body><h1>%d %s</h1><p>Unicorn! GitHub is having a moment.</p></body></html>", status, http.StatusText(status))
		return true

	case FaultPrimaryRateLimit:
		reset := f.ResetAfter
		if reset <= 0 {
			reset = time.Minute
		}
		h.Set("X-Ratelimit-Remaining", "0")
		h.Set("X-Ratelimit-Reset", strconv.FormatInt(now.Add(reset).Unix(), 10))
		if limit, _ := strconv.Atoi(h.Get("X-Ratelimit-Limit")); limit > 0 {
			h.Set("X-Ratelimit-Used", strconv.Itoa(limit))
		}
		if rt.resource == ResourceGraphQL && f.Status == 0 {
			writeJSON(w, http.StatusOK, map[string]any{"errors": []map[string]any{{
				"type": "RATE_LIMITED", "message": "API rate limit already exceeded for user ID 1.",
			}}})
			return true
		}
		writeMessage(w, limitStatus(f.Status), "API rate limit exceeded for user ID 1.", docsPrimaryLimit)
		return true

	case FaultSecondaryRateLimit:
		if f.RetryAfter > 0 {
			h.Set("Retry-After", strconv.Itoa(ceilSeconds(f.RetryAfter)))
		}
		writeMessage(w, limitStatus(f.Status), fmt.Sprintf(secondaryLimitMessage, reqID), docsSecondaryLimit)
		return true

	case FaultMalformed:
		h.Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`[{"login":"dana-field","id":5100001,"node_id":"MDQ6VXNlcjUxMDAwMDE=","type":"Us`))
		return true

	case FaultStatus:
		if f.RetryAfter > 0 {
			h.Set("Retry-After", strconv.Itoa(ceilSeconds(f.RetryAfter)))
		}
		writeMessage(w, f.Status, statusMessage(f.Status), docsREST)
		return true
	}
	return false // FaultSlow, or an unknown kind: answer normally
}

func limitStatus(status int) int {
	if status == http.StatusTooManyRequests {
		return status
	}
	return http.StatusForbidden
}

// statusMessage is GitHub's message for a status.
func statusMessage(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "Bad credentials"
	case http.StatusForbidden:
		return "Resource not accessible by integration"
	case http.StatusNotFound:
		return "Not Found"
	case http.StatusUnprocessableEntity:
		return "Validation Failed"
	}
	return http.StatusText(status)
}

func ceilSeconds(d time.Duration) int {
	return max(int((d+time.Second-1)/time.Second), 1)
}
