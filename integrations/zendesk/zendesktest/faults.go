package zendesktest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault makes an endpoint misbehave.
type Fault struct {
	// Status is answered instead of the real response (0: only Latency
	// applies). Body defaults to Zendesk's body for that status; a body
	// that does not start with { or [ is sent as text/plain.
	Status int
	// RetryAfter, if positive, is sent as Retry-After (whole seconds,
	// rounded up).
	RetryAfter time.Duration
	Body       string
	// Malformed answers 200 with truncated JSON.
	Malformed bool
	// Latency delays the response; keep it small, it is a real wait.
	Latency time.Duration
	// Times is how many requests the fault affects; 0 means until
	// ClearFaults.
	Times int
	// AfterApply carries the request out before answering the fault:
	// what a caller sees when Zendesk made a change and the answer was
	// lost (a timeout, a crash, a 5xx from a proxy in between).
	AfterApply bool
}

// InjectFault queues a fault for an endpoint name (see the Endpoint
// constants; AllEndpoints matches every request). Faults apply in the
// order injected, each for its Times requests.
func (s *Server) InjectFault(endpoint string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.Inject(endpoint, f, f.Times)
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.Clear()
}

// takeFault consumes one use of the first fault for endpoint. Callers
// hold s.mu.
func (s *Server) takeFault(endpoint string) (Fault, bool) {
	return s.faults.Take(func(match string) bool { return match == endpoint || match == AllEndpoints })
}

// serveFault applies f and reports whether it answered the request.
func serveFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return true
		case <-t.C:
		}
	}
	if f.Malformed {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"users":[{"id":900000000101,"name":"Dana`))
		return true
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(f.RetryAfter)))
	}
	body := f.Body
	if body == "" {
		body = defaultErrorBody(f.Status)
	}
	if t := strings.TrimSpace(body); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(body))
	return true
}

// defaultErrorBody is what Zendesk answers for a status.
func defaultErrorBody(status int) string {
	switch status {
	case http.StatusBadRequest:
		return `{"error":"BadRequest","description":"Bad request"}`
	case http.StatusUnauthorized:
		return bodyUnauthenticated
	case http.StatusForbidden:
		return bodyForbidden
	case http.StatusNotFound:
		return bodyNotFound
	case http.StatusUnprocessableEntity:
		return `{"error":"RecordInvalid","description":"Record validation errors"}`
	case http.StatusTooManyRequests:
		return bodyRateLimited
	case http.StatusServiceUnavailable:
		return `{"error":"ServiceUnavailable","description":"Zendesk is temporarily unavailable"}`
	case http.StatusInternalServerError:
		return `{"error":"InternalServerError","description":"Something went wrong"}`
	}
	if status >= 200 && status < 300 {
		return "{}"
	}
	return `{"error":"` + strings.ReplaceAll(http.StatusText(status), " ", "") + `"}`
}

func ceilSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}
