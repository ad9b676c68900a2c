// Package httpwait holds what every integration client's retry loop
// needs to wait as the server asks: reading Retry-After and sleeping
// until then or until the context ends. One reading of the header for
// Zendesk and GitHub alike.
package httpwait

import (
	"context"
	"net/http"
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
