package okta

import (
	"encoding/json"
	"net/http"

	"github.com/seatwarden/seatwarden/internal/apiclient"
)

// Error is a failed call; errors.Is matches its kind (ErrUnauthorized
// and the rest) and the connector seam's class.
type Error = apiclient.Error

// Kinds of failure, for errors.Is.
const (
	ErrUnauthorized = apiclient.KindUnauthorized
	ErrForbidden    = apiclient.KindForbidden
	ErrNotFound     = apiclient.KindNotFound
	ErrInvalid      = apiclient.KindInvalid
	ErrRateLimited  = apiclient.KindRateLimited
	ErrUnavailable  = apiclient.KindUnavailable
	ErrBadResponse  = apiclient.KindBadResponse
)

// hints say what to fix.
var hints = map[apiclient.Kind]string{
	ErrUnauthorized: "check OKTA_API_TOKEN: Okta refuses it",
	ErrForbidden:    "the token's admin needs a role that can read users (Read-only Administrator is enough)",
}

// fail is an error of kind with message.
func fail(kind apiclient.Kind, status int, message string) *Error {
	return &Error{Product: "okta", Kind: kind, Status: status, Message: message, Hints: hints}
}

// errorOf reads Okta's error body: errorCode and errorSummary.
func errorOf(resp *http.Response, body []byte) *Error {
	var b struct {
		Code    string `json:"errorCode"`
		Summary string `json:"errorSummary"`
	}
	_ = json.Unmarshal(body, &b)
	e := fail(apiclient.KindOf(resp.StatusCode), resp.StatusCode, b.Summary)
	e.Code = b.Code
	return e
}
