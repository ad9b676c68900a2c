package zendesk

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/connector"
)

// ErrorKind classifies a failed call. Each kind is also a sentinel error, so
// callers write errors.Is(err, zendesk.ErrAuth).
type ErrorKind string

// Error implements error so that kinds can be used as sentinels.
func (k ErrorKind) Error() string { return "zendesk: " + string(k) }

// Sentinel kinds of *Error.
const (
	// ErrAuth: 401, or the OAuth token endpoint refused the credentials.
	ErrAuth ErrorKind = "authentication failed"
	// ErrForbidden: 403, the credentials lack the role, scope or plan feature.
	ErrForbidden ErrorKind = "forbidden"
	// ErrNotFound: 404.
	ErrNotFound ErrorKind = "not found"
	// ErrRateLimited: 429 still returned after all retries.
	ErrRateLimited ErrorKind = "rate limited"
	// ErrUnavailable: 5xx, timeouts or transport errors after all retries.
	ErrUnavailable ErrorKind = "unavailable"
	// ErrBadResponse: a 2xx whose body is not the JSON shape the endpoint documents.
	ErrBadResponse ErrorKind = "bad response"
	// ErrInvalid: 400, 422 and other client errors (409, 405, ...); also
	// requests the client refuses to send.
	ErrInvalid ErrorKind = "invalid request"
)

// maxErrorBody bounds Error.Body so that a large HTML error page does not
// end up in logs.
const maxErrorBody = 2 << 10

// Error is returned by every Client method for failures that Zendesk (or the
// network) caused.
type Error struct {
	Kind     ErrorKind
	Status   int    // HTTP status; 0 when no response was received
	Endpoint string // low-cardinality endpoint name, e.g. "users_update"
	// Code is Zendesk's machine-readable error ("RecordNotFound",
	// "Couldn't authenticate you", an error object's title, ...).
	Code        string
	Description string
	Body        string // raw response body, trimmed to 2 KiB
	// RetryAfter is the wait Zendesk asked for on the last 429/503.
	RetryAfter time.Duration
	// Err is the underlying cause for transport and decoding failures.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("zendesk: ")
	if e.Endpoint != "" {
		b.WriteString(e.Endpoint)
		b.WriteString(": ")
	}
	b.WriteString(string(e.Kind))
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	if e.Description != "" && e.Description != e.Code {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Is reports whether target is this error's kind, or the connector class
// that kind belongs to.
func (e *Error) Is(target error) bool {
	if k, ok := target.(ErrorKind); ok {
		return k == e.Kind
	}
	return target != nil && target == connectorClass[e.Kind]
}

// connectorClass is how the domain reads each kind.
var connectorClass = map[ErrorKind]error{
	ErrAuth:        connector.ErrAuth,
	ErrForbidden:   connector.ErrForbidden,
	ErrNotFound:    connector.ErrNotFound,
	ErrRateLimited: connector.ErrRateLimited,
	ErrUnavailable: connector.ErrUnavailable,
	// A body that is not what the endpoint documents is Zendesk having a
	// bad moment more often than a contract change: worth a retry.
	ErrBadResponse: connector.ErrUnavailable,
	ErrInvalid:     connector.ErrInvalid,
}

// Refusal is what Zendesk answered in a few words, never its body.
func (e *Error) Refusal() string {
	if e.Status == 0 {
		return ""
	}
	text := fmt.Sprintf("Zendesk answered HTTP %d", e.Status)
	if e.Code != "" {
		code := []rune(e.Code)
		if len(code) > 60 {
			code = append(code[:59], '…')
		}
		text += " (" + string(code) + ")"
	}
	return text
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// kindForStatus maps a non-2xx status to a kind.
func kindForStatus(status int) ErrorKind {
	switch {
	case status == http.StatusUnauthorized:
		return ErrAuth
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 500:
		return ErrUnavailable
	case status >= 400:
		return ErrInvalid
	default:
		// 1xx/3xx that the HTTP client did not resolve.
		return ErrBadResponse
	}
}

// newStatusError builds the error for a non-2xx response.
func newStatusError(endpoint string, status int, body []byte, retryAfter time.Duration) *Error {
	code, desc := parseErrorBody(body)
	return &Error{
		Kind:        kindForStatus(status),
		Status:      status,
		Endpoint:    endpoint,
		Code:        code,
		Description: desc,
		Body:        trimBody(body),
		RetryAfter:  retryAfter,
	}
}

func badResponse(endpoint string, status int, body []byte, cause error) *Error {
	return &Error{
		Kind:     ErrBadResponse,
		Status:   status,
		Endpoint: endpoint,
		Body:     trimBody(body),
		Err:      cause,
	}
}

func trimBody(body []byte) string {
	if len(body) <= maxErrorBody {
		return string(body)
	}
	cut := maxErrorBody
	for cut > 0 && !utf8.RuneStart(body[cut]) {
		cut--
	}
	return string(body[:cut])
}

// errorEnvelope covers every error body shape Zendesk is known to send:
// {"error":"X","description":"Y","details":{...}}, {"error":{"title","message"}},
// JSON:API {"errors":[{code,title,detail}]} and OAuth's error_description.
type errorEnvelope struct {
	Error            json.RawMessage            `json:"error"`
	Description      json.RawMessage            `json:"description"`
	Details          map[string]json.RawMessage `json:"details"`
	Errors           []jsonAPIError             `json:"errors"`
	ErrorDescription string                     `json:"error_description"`
	Message          string                     `json:"message"`
}

// isErrorEnvelope reports whether body is a JSON object holding only
// errorEnvelope's keys: an error body, as opposed to a resource or a page
// of them.
func isErrorEnvelope(body []byte) bool {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil || len(obj) == 0 {
		return false
	}
	for k := range obj {
		switch k {
		case "error", "description", "details", "errors", "error_description", "message":
		default:
			return false
		}
	}
	return true
}

type jsonAPIError struct {
	Code   string `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

type errorObject struct {
	Title   string `json:"title"`
	Message string `json:"message"`
}

type detailItem struct {
	Error       string `json:"error"`
	Type        string `json:"type"`
	Description string `json:"description"`
}

// parseErrorBody extracts a code and a human description from any of the
// envelopes; bodies that are not JSON become the description verbatim.
func parseErrorBody(body []byte) (code, desc string) {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return "", ""
	}
	var env errorEnvelope
	if !strings.HasPrefix(trimmed, "{") || json.Unmarshal(body, &env) != nil {
		return "", oneLine(trimmed, 300)
	}

	if len(env.Error) > 0 {
		var s string
		var obj errorObject
		switch {
		case json.Unmarshal(env.Error, &s) == nil:
			code = s
		case json.Unmarshal(env.Error, &obj) == nil:
			code, desc = obj.Title, obj.Message
		}
	}
	if d := rawString(env.Description); d != "" {
		desc = d
	}
	if desc == "" {
		desc = env.ErrorDescription
	}
	if desc == "" {
		desc = env.Message
	}
	if len(env.Errors) > 0 {
		var parts []string
		for _, e := range env.Errors {
			if code == "" {
				code = firstNonEmpty(e.Code, e.Title)
			}
			if d := firstNonEmpty(e.Detail, e.Title); d != "" {
				parts = append(parts, d)
			}
		}
		if desc == "" {
			desc = strings.Join(parts, "; ")
		}
	}
	if details := formatDetails(env.Details); details != "" {
		if desc == "" {
			desc = details
		} else {
			desc += " (" + details + ")"
		}
	}
	return code, desc
}

// formatDetails renders RecordInvalid details as "field: description; ...",
// in field order so messages are stable.
func formatDetails(details map[string]json.RawMessage) string {
	if len(details) == 0 {
		return ""
	}
	fields := make([]string, 0, len(details))
	for f := range details {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var parts []string
	for _, f := range fields {
		raw := details[f]
		var items []detailItem
		var strs []string
		switch {
		case json.Unmarshal(raw, &items) == nil:
			for _, it := range items {
				parts = append(parts, f+": "+firstNonEmpty(it.Description, it.Error, it.Type))
			}
		case json.Unmarshal(raw, &strs) == nil:
			for _, s := range strs {
				parts = append(parts, f+": "+s)
			}
		default:
			if s := rawString(raw); s != "" {
				parts = append(parts, f+": "+s)
			}
		}
	}
	return strings.Join(parts, "; ")
}

func rawString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// oneLine collapses whitespace and bounds the length of a plain-text body.
func oneLine(s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
