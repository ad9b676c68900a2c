package okta

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/seatwarden/seatwarden/connector"
)

// ErrorKind classifies a failed call; each kind is a sentinel for
// errors.Is.
type ErrorKind string

func (k ErrorKind) Error() string { return "okta: " + string(k) }

// Kinds.
const (
	// ErrUnauthorized: 401, the API token is wrong, revoked or expired.
	ErrUnauthorized ErrorKind = "unauthorized"
	// ErrForbidden: 403, the token's admin may not read users.
	ErrForbidden ErrorKind = "forbidden"
	ErrNotFound  ErrorKind = "not found"
	// ErrInvalid: 400 and other 4xx, such as a search Okta refuses.
	ErrInvalid ErrorKind = "invalid request"
	// ErrRateLimited: 429 after every retry.
	ErrRateLimited ErrorKind = "rate limited"
	// ErrUnavailable: 5xx or no answer after every retry.
	ErrUnavailable ErrorKind = "unavailable"
	// ErrBadResponse: an answer that is not what Okta sends.
	ErrBadResponse ErrorKind = "bad response"
)

// connectorKinds map onto the domain's kinds, so callers that speak
// only the connector seam can tell them apart too.
var connectorKinds = map[ErrorKind]error{
	ErrUnauthorized: connector.ErrAuth, ErrForbidden: connector.ErrForbidden, ErrNotFound: connector.ErrNotFound,
	ErrInvalid: connector.ErrInvalid, ErrRateLimited: connector.ErrRateLimited, ErrUnavailable: connector.ErrUnavailable,
}

// Error is a failed call: its kind, HTTP status, Okta's errorCode and
// summary.
type Error struct {
	Kind    ErrorKind
	Status  int
	Code    string // errorCode, such as E0000011
	Message string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("okta: " + string(e.Kind))
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.Status)
		if e.Code != "" {
			b.WriteString(" " + e.Code)
		}
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	switch e.Kind {
	case ErrUnauthorized:
		b.WriteString("; check OKTA_API_TOKEN: Okta refuses it")
	case ErrForbidden:
		b.WriteString("; the token's admin needs a role that can read users (Read-only Administrator is enough)")
	}
	return b.String()
}

// Is matches the kind's sentinel and the connector seam's.
func (e *Error) Is(target error) bool {
	return target == e.Kind || (connectorKinds[e.Kind] != nil && target == connectorKinds[e.Kind])
}

// errorOf reads Okta's error body: errorCode and errorSummary.
func errorOf(resp *http.Response, body []byte) *Error {
	var b struct {
		Code    string `json:"errorCode"`
		Summary string `json:"errorSummary"`
	}
	_ = json.Unmarshal(body, &b)
	e := &Error{Status: resp.StatusCode, Code: b.Code, Message: b.Summary}
	switch s := resp.StatusCode; {
	case s == http.StatusUnauthorized:
		e.Kind = ErrUnauthorized
	case s == http.StatusForbidden:
		e.Kind = ErrForbidden
	case s == http.StatusNotFound:
		e.Kind = ErrNotFound
	case s == http.StatusTooManyRequests:
		e.Kind = ErrRateLimited
	case s >= 500:
		e.Kind = ErrUnavailable
	default:
		e.Kind = ErrInvalid
	}
	return e
}
