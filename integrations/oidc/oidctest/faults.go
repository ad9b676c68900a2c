package oidctest

import (
	"encoding/json"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault makes an endpoint misbehave.
type Fault struct {
	// Status is answered instead of the real response (0: only Delay
	// applies).
	Status int
	// RetryAfter, if positive, is sent as Retry-After (whole seconds,
	// rounded up).
	RetryAfter time.Duration
	// Body replaces the default body for Status: an OAuth error object
	// at the token endpoint, an error page at authorize, plain text
	// elsewhere, as a proxy in front of the provider would send. A body
	// starting with { or [ is sent as JSON, anything else as text.
	Body string
	// Delay holds the response back; it is a real wait, keep it small.
	// A client that gives up first sees its own timeout.
	Delay time.Duration
	// Count is how many requests the fault affects; 0 means until
	// ClearFaults.
	Count int
}

// InjectFault queues a fault for an endpoint name (see the Endpoint
// constants; AllEndpoints matches every request). Faults apply in the
// order injected, each for its Count requests.
func (s *Server) InjectFault(endpoint string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.Inject(endpoint, f, f.Count)
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.Clear()
}

// takeFaultLocked consumes one use of the first fault for endpoint.
// Callers hold s.mu.
func (s *Server) takeFaultLocked(endpoint string) (Fault, bool) {
	return s.faults.Take(func(match string) bool { return match == endpoint || match == AllEndpoints })
}

// serveFault applies f and reports whether it answered the request.
func serveFault(w http.ResponseWriter, r *http.Request, endpoint string, f Fault) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return true
		case <-t.C:
		}
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(ceilSeconds(f.RetryAfter)))
	}
	body := f.Body
	if body == "" {
		body = defaultFaultBody(endpoint, f.Status)
	}
	switch t := strings.TrimSpace(body); {
	case strings.HasPrefix(t, "{"), strings.HasPrefix(t, "["):
		w.Header().Set("Content-Type", "application/json")
	case strings.HasPrefix(t, "<"):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	if endpoint == EndpointToken {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(body))
	return true
}

// defaultFaultBody is what a provider, or the proxy in front of it,
// answers with a status.
func defaultFaultBody(endpoint string, status int) string {
	text := http.StatusText(status)
	switch endpoint {
	case EndpointToken:
		code := "server_error"
		switch {
		case status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests:
			code = "temporarily_unavailable"
		case status < 500:
			code = "invalid_request"
		}
		b, _ := json.Marshal(map[string]string{"error": code, "error_description": text})
		return string(b)
	case EndpointAuthorize:
		return errorPage(text)
	}
	return text + "\n"
}

func errorPage(msg string) string {
	m := html.EscapeString(msg)
	return "<!doctype html>\n<html><head><title>Sign-in error</title></head><body><h1>Sign-in error</h1><p>" + m + "</p></body></html>\n"
}

func ceilSeconds(d time.Duration) int {
	return max(int((d+time.Second-1)/time.Second), 1)
}
