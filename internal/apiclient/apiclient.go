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
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

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
