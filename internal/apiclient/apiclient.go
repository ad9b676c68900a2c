// Package apiclient holds the rules every integration client shares:
// which base URLs it accepts, how much of a response body it reads, and
// how it waits as the server asks (Retry-After, sleeping until then or
// until the context ends). One copy for Zendesk and GitHub alike.
package apiclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/connector"
)

// Options are what every client is built with besides where and who:
// how it calls, retries, waits and logs. The zero value is production's.
type Options struct {
	HTTPClient *http.Client // default: a 30 s timeout
	// MaxRetries is how often a 429 or 5xx is retried (default 5;
	// negative: never).
	MaxRetries int
	// Sleep waits; the default waits on the real clock or until ctx ends.
	Sleep  func(ctx context.Context, d time.Duration) error
	Now    func() time.Time
	Logger *slog.Logger
}

// Fill sets what o leaves unset and returns the logger, named for
// product.
func (o *Options) Fill(product string) *slog.Logger {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = 5
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.Sleep == nil {
		o.Sleep = Sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return log.With(slog.String("integration", product))
}

// MaxRetryAfter bounds a Retry-After, so a server cannot park a client
// for longer than a day.
const MaxRetryAfter = 24 * time.Hour

// RetryAfter reads Retry-After as seconds or as an HTTP date, relative to
// now; ok is false when the header is absent or unreadable.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		// Compared in seconds: an absurd value must not overflow.
		return time.Duration(min(max(s, 0), int64(MaxRetryAfter/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), MaxRetryAfter), true
	}
	return 0, false
}

// Sleep waits d, or until ctx ends, whichever is first.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// BaseURL checks an API base URL: absolute http(s), a host, no
// credentials, query or fragment; the path loses its trailing "/".
// Errors start with product ("zendesk") and never echo the input, which
// might embed credentials.
func BaseURL(product, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: Config.BaseURL is not a valid URL", product)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%s: Config.BaseURL must be an absolute http or https URL, got scheme %q", product, u.Scheme)
	case u.Host == "":
		return nil, fmt.Errorf("%s: Config.BaseURL has no host", product)
	case u.User != nil:
		return nil, fmt.Errorf("%s: Config.BaseURL must not contain credentials; use Config.Auth", product)
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("%s: Config.BaseURL must not have a query or fragment", product)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// ErrBodyTooLarge: a response body longer than the client reads.
var ErrBodyTooLarge = errors.New("response body too large")

// ReadBody reads and closes resp's body, refusing one over limit bytes
// rather than holding a runaway response in memory.
func ReadBody(resp *http.Response, limit int64) ([]byte, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: over %d MiB", ErrBodyTooLarge, limit>>20)
	}
	return body, nil
}

// Kind classifies a failed call of a client that shares this error type
// (Okta, Microsoft Graph). Each kind is a sentinel for errors.Is, and
// matches the connector seam's class too.
type Kind string

func (k Kind) Error() string { return string(k) }

// Kinds.
const (
	// KindUnauthorized: 401 or a refused token; the credentials are wrong.
	KindUnauthorized Kind = "unauthorized"
	// KindForbidden: 403; the credentials lack a permission.
	KindForbidden Kind = "forbidden"
	KindNotFound  Kind = "not found"
	// KindInvalid: 400 and other 4xx.
	KindInvalid Kind = "invalid request"
	// KindRateLimited: 429 after every retry.
	KindRateLimited Kind = "rate limited"
	// KindUnavailable: 5xx or no answer after every retry.
	KindUnavailable Kind = "unavailable"
	// KindBadResponse: an answer that is not what the service sends.
	KindBadResponse Kind = "bad response"
)

var connectorKinds = map[Kind]error{
	KindUnauthorized: connector.ErrAuth, KindForbidden: connector.ErrForbidden, KindNotFound: connector.ErrNotFound,
	KindInvalid: connector.ErrInvalid, KindRateLimited: connector.ErrRateLimited, KindUnavailable: connector.ErrUnavailable,
}

// KindOf classifies an HTTP status that is an error.
func KindOf(status int) Kind {
	switch {
	case status == http.StatusUnauthorized:
		return KindUnauthorized
	case status == http.StatusForbidden:
		return KindForbidden
	case status == http.StatusNotFound:
		return KindNotFound
	case status == http.StatusTooManyRequests:
		return KindRateLimited
	case status >= 500:
		return KindUnavailable
	}
	return KindInvalid
}

// Error is a failed call: the product, its kind, the HTTP status, the
// service's own error code and message, and what to fix (Hints by kind).
type Error struct {
	Product string // "okta"
	Kind    Kind
	Status  int
	Code    string
	Message string
	// Hints says, by kind, what the operator should fix.
	Hints map[Kind]string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Product + ": " + string(e.Kind))
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
	if h := e.Hints[e.Kind]; h != "" {
		b.WriteString("; " + h)
	}
	return b.String()
}

// Is matches the kind's sentinel and the connector seam's class.
func (e *Error) Is(target error) bool {
	return target == e.Kind || (connectorKinds[e.Kind] != nil && target == connectorKinds[e.Kind])
}

// Backoff is the wait before retry try+1 of a failure that named none:
// 1 s, doubling, at most a minute.
func Backoff(try int) time.Duration {
	return min(time.Duration(1<<min(try, 6))*time.Second, time.Minute)
}
