package github

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/connector"
)

// ErrorKind classifies a failed call. Each kind is also a sentinel, so
// callers write errors.Is(err, github.ErrNotFound).
type ErrorKind string

// Error implements error so that kinds can be used as sentinels.
func (k ErrorKind) Error() string { return "github: " + string(k) }

// Sentinel kinds. *APIError and *RateLimitError match them with errors.Is.
const (
	// ErrUnauthorized: 401, the token or App credentials were rejected.
	ErrUnauthorized ErrorKind = "unauthorized"
	// ErrForbidden: 403 that is not a rate limit; the credentials lack
	// the role, scope, permission or plan.
	ErrForbidden ErrorKind = "forbidden"
	// ErrNotFound: 404. GitHub also answers 404 for what the
	// credentials may not see.
	ErrNotFound ErrorKind = "not found"
	// ErrInvalid: 422 and other 4xx; also requests the client refuses to
	// send (a bad login, an unknown role).
	ErrInvalid ErrorKind = "invalid request"
	// ErrRateLimited: a primary or secondary rate limit the client would
	// not, or could no longer, wait out.
	ErrRateLimited ErrorKind = "rate limited"
	// ErrUnavailable: 5xx, timeouts or transport errors after all retries.
	ErrUnavailable ErrorKind = "unavailable"
	// ErrBadResponse: a 2xx whose body is not the JSON the endpoint
	// documents, or a pagination link that cannot be followed.
	ErrBadResponse ErrorKind = "bad response"
	// ErrAlreadyGone: a removal found nothing to remove (404 on DELETE).
	// It also matches ErrNotFound.
	ErrAlreadyGone ErrorKind = "already gone"
	// ErrAppAuthRequired: the endpoint can only be called by a GitHub App
	// and the client authenticates with a token. It also matches
	// ErrForbidden. No request is sent.
	ErrAppAuthRequired ErrorKind = "GitHub App authentication required"
)

// parentKind makes the narrower kinds match the broader ones.
var parentKind = map[ErrorKind]ErrorKind{
	ErrAlreadyGone:     ErrNotFound,
	ErrAppAuthRequired: ErrForbidden,
}

// connectorClass is how the domain reads each kind.
var connectorClass = map[ErrorKind]error{
	ErrUnauthorized:    connector.ErrAuth,
	ErrForbidden:       connector.ErrForbidden,
	ErrAppAuthRequired: connector.ErrForbidden,
	ErrNotFound:        connector.ErrNotFound,
	ErrAlreadyGone:     connector.ErrNotFound,
	ErrInvalid:         connector.ErrInvalid,
	ErrRateLimited:     connector.ErrRateLimited,
	ErrUnavailable:     connector.ErrUnavailable,
	// A body that is not what the endpoint documents is more often a bad
	// moment than a contract change: worth a later retry.
	ErrBadResponse: connector.ErrUnavailable,
}

func kindIs(k ErrorKind, target error) bool {
	if target == nil {
		return false
	}
	for cur := k; cur != ""; cur = parentKind[cur] {
		if target == error(cur) {
			return true
		}
	}
	return target == connectorClass[k]
}

// APIError is a failed call that is not a rate limit: GitHub's answer, a
// transport failure after retries, or a request the client refused to send.
// It never holds a credential or a response body.
type APIError struct {
	Kind   ErrorKind
	Status int // HTTP status; 0 when no response was received
	Method string
	// Path is the request path without query, e.g. /orgs/acme/members.
	Path string
	// Message and DocumentationURL are GitHub's "message" and
	// "documentation_url", or the client's own words when it refused.
	Message          string
	DocumentationURL string
	// Errors are the field errors of a 422.
	Errors []FieldError
	// RequestID is X-GitHub-Request-Id, what GitHub Support asks for.
	RequestID string
	// Err is the cause of transport and decoding failures.
	Err error
}

// FieldError is one entry of a 422's "errors".
type FieldError struct {
	Resource string `json:"resource"`
	Field    string `json:"field"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("github: ")
	if e.Method != "" || e.Path != "" {
		b.WriteString(strings.TrimSpace(e.Method + " " + e.Path))
		b.WriteString(": ")
	}
	b.WriteString(string(e.Kind))
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, fe := range e.Errors {
		b.WriteString("; ")
		b.WriteString(fe.String())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (fe FieldError) String() string {
	parts := make([]string, 0, 3)
	if fe.Field != "" {
		parts = append(parts, fe.Field)
	}
	if fe.Code != "" {
		parts = append(parts, fe.Code)
	}
	if fe.Message != "" {
		parts = append(parts, fe.Message)
	}
	return strings.Join(parts, " ")
}

// Is matches the error's kind, broader kinds, and the connector class.
func (e *APIError) Is(target error) bool { return kindIs(e.Kind, target) }

// Unwrap returns the cause, if any.
func (e *APIError) Unwrap() error { return e.Err }

// Refusal is what GitHub answered in a few words, never its body.
func (e *APIError) Refusal() string {
	if e.Status == 0 {
		if e.Kind == ErrAppAuthRequired {
			// The client's own words, saying what only an App may do.
			return cmp.Or(e.Message, "needs GitHub App authentication")
		}
		return ""
	}
	text := fmt.Sprintf("GitHub answered HTTP %d", e.Status)
	if e.Message != "" {
		text += " (" + oneLine(e.Message, 60) + ")"
	}
	return text
}

// RateLimitError is a rate limit the client did not wait out: the wait
// was longer than Config.MaxWait, would pass the context's deadline, or
// the retries ran out. It matches ErrRateLimited.
type RateLimitError struct {
	// Secondary: a secondary (abuse) limit rather than the hourly budget.
	Secondary bool
	// Status is GitHub's answer (403 or 429); 0 when the client refused
	// to send because an earlier answer already said to wait.
	Status int
	Method string
	Path   string
	// Message is GitHub's "message".
	Message string
	// Resource, Limit, Remaining and Used are the x-ratelimit-* headers.
	Resource  string
	Limit     int
	Remaining int
	Used      int
	// Reset is when GitHub said the limit lifts; zero when unknown.
	Reset time.Time
	// Wait is how long waiting would have taken.
	Wait time.Duration
	// Reason says why the client gave up.
	Reason string
}

func (e *RateLimitError) Error() string {
	kind := "primary rate limit"
	if e.Secondary {
		kind = "secondary rate limit"
	}
	var b strings.Builder
	b.WriteString("github: ")
	if e.Method != "" || e.Path != "" {
		b.WriteString(strings.TrimSpace(e.Method + " " + e.Path))
		b.WriteString(": ")
	}
	b.WriteString(kind)
	if e.Resource != "" {
		fmt.Fprintf(&b, " (%s)", e.Resource)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Wait > 0 {
		fmt.Fprintf(&b, ": lifts in %s", e.Wait.Round(time.Second))
	}
	if !e.Reset.IsZero() {
		fmt.Fprintf(&b, " at %s", e.Reset.UTC().Format(time.RFC3339))
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Is matches ErrRateLimited and connector.ErrRateLimited.
func (e *RateLimitError) Is(target error) bool { return kindIs(ErrRateLimited, target) }

// Refusal is what GitHub answered in a few words.
func (e *RateLimitError) Refusal() string {
	if e.Secondary {
		return "GitHub's secondary rate limit"
	}
	return "GitHub's rate limit"
}

// GraphQLError is a GraphQL response whose "errors" the client could not
// read as "no such user". It matches ErrForbidden for FORBIDDEN errors and
// ErrInvalid otherwise.
type GraphQLError struct {
	Errors []GraphQLErrorEntry
}

// GraphQLErrorEntry is one entry of a GraphQL "errors".
type GraphQLErrorEntry struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Path    []any  `json:"path"`
}

func (e *GraphQLError) Error() string {
	var parts []string
	for _, ge := range e.Errors {
		p := oneLine(ge.Message, 200)
		if ge.Type != "" {
			p = ge.Type + ": " + p
		}
		parts = append(parts, p)
	}
	return "github: graphql: " + strings.Join(parts, "; ")
}

// Is matches ErrForbidden when GitHub refused a field, else ErrInvalid.
func (e *GraphQLError) Is(target error) bool {
	for _, ge := range e.Errors {
		if ge.Type == "FORBIDDEN" {
			return kindIs(ErrForbidden, target)
		}
	}
	return kindIs(ErrInvalid, target)
}

// kindForStatus maps a non-2xx status that is not a rate limit to a kind.
func kindForStatus(status int) ErrorKind {
	switch {
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
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
		// 1xx/3xx the HTTP client did not resolve.
		return ErrBadResponse
	}
}

// errorBody is GitHub's error envelope.
type errorBody struct {
	Message          string       `json:"message"`
	DocumentationURL string       `json:"documentation_url"`
	Errors           []FieldError `json:"errors"`
}

// parseErrorBody reads GitHub's envelope. A body that is not JSON (a proxy's
// HTML page) gives a message only when it is short plain text, so an HTML
// page never ends up in an error.
func parseErrorBody(body []byte) errorBody {
	var eb errorBody
	trimmed := strings.TrimSpace(string(body))
	if strings.HasPrefix(trimmed, "{") {
		if json.Unmarshal(body, &eb) == nil {
			eb.Message = oneLine(eb.Message, 300)
			return eb
		}
		// Some 422s list "errors" as plain strings: keep the message.
		var loose struct {
			Message          string `json:"message"`
			DocumentationURL string `json:"documentation_url"`
		}
		if json.Unmarshal(body, &loose) == nil {
			return errorBody{Message: oneLine(loose.Message, 300), DocumentationURL: loose.DocumentationURL}
		}
		return errorBody{}
	}
	if trimmed != "" && !strings.HasPrefix(trimmed, "<") && len(trimmed) <= 300 {
		return errorBody{Message: oneLine(trimmed, 300)}
	}
	return errorBody{}
}

// oneLine collapses whitespace and bounds the length.
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
