package zendesk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/internal/apiclient"
)

const (
	// maxResponseBody guards against a runaway body; a 1,000-user export
	// page is a few MiB.
	maxResponseBody = 64 << 20
	// baseBackoff is the first retry delay before jitter.
	baseBackoff = time.Second
	// defaultRetryAfter is used when a 429 carries no Retry-After, which
	// Zendesk's per-user update limit is known to do.
	defaultRetryAfter = 60 * time.Second
	// rateWindow is the length of Zendesk's account rate window; it bounds
	// a hold when "remaining: 0" comes without a reset time.
	rateWindow = time.Minute
	// globalHold is the hold key that applies to every request.
	globalHold = ""
)

// result is the final response of send: a 2xx, or the last non-2xx after
// retries ran out or were not allowed.
type result struct {
	status     int
	header     http.Header
	body       []byte
	retryAfter time.Duration
}

// httpResponse turns a result back into a response for oauth2.
func (r *result) httpResponse(req *http.Request) *http.Response {
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", r.status, http.StatusText(r.status)),
		StatusCode:    r.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        r.header,
		Body:          io.NopCloser(bytes.NewReader(r.body)),
		ContentLength: int64(len(r.body)),
		Request:       req,
	}
}

// send is the one path every HTTP request takes: it waits for the rate
// budget and any rate-limit hold, builds a fresh request per attempt,
// authorizes it, reads and closes the body, reports the attempt to Observe
// and retries 429, 5xx and transport errors with backoff. It returns an
// error only for transport failures after the last retry, cancellation,
// and authorization failures; HTTP error statuses come back as a result.
func (c *Client) send(ctx context.Context, endpoint, holdKey string, auth authorizer, build func(context.Context) (*http.Request, error)) (*result, error) {
	renewed := false
	for attempt := 0; ; attempt++ {
		if err := c.waitTurn(ctx, holdKey); err != nil {
			return nil, fmt.Errorf("zendesk: %s: %w", endpoint, err)
		}
		req, err := build(ctx)
		if err != nil {
			return nil, fmt.Errorf("zendesk: %s: building request: %w", endpoint, err)
		}
		if auth != nil {
			if err := auth.authorize(ctx, req); err != nil {
				return nil, err
			}
		}

		start := time.Now()
		resp, err := c.hc.Do(req)
		var body []byte
		if err == nil {
			body, err = apiclient.ReadBody(resp, maxResponseBody)
		}
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		c.observe(endpoint, status, time.Since(start))

		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, fmt.Errorf("zendesk: %s: %w", endpoint, ctxErr)
			}
			if errors.Is(err, apiclient.ErrBodyTooLarge) {
				return nil, badResponse(endpoint, status, nil, err)
			}
			if attempt >= c.maxRetries {
				return nil, &Error{Kind: ErrUnavailable, Status: status, Endpoint: endpoint, Err: err}
			}
			delay := c.backoff(attempt)
			c.log.DebugContext(ctx, "zendesk: retrying after transport error",
				"endpoint", endpoint, "attempt", attempt+1, "delay", delay, "error", err)
			if err := c.sleep(ctx, delay); err != nil {
				return nil, fmt.Errorf("zendesk: %s: %w", endpoint, err)
			}
			continue
		}

		c.noteRateHeaders(resp.Header, holdKey)
		res := &result{status: status, header: resp.Header, body: body}
		switch {
		case status >= 200 && status < 300:
			return res, nil

		case status == http.StatusTooManyRequests:
			wait, ok := apiclient.RetryAfter(resp.Header, c.now())
			if !ok {
				wait = defaultRetryAfter
			}
			res.retryAfter = wait
			if attempt >= c.maxRetries {
				return res, nil
			}
			// Retry-After: 0 would retry back to back; never wait less than
			// the backoff.
			wait = max(wait, c.backoff(attempt))
			// A hold rather than a private sleep, so concurrent calls to
			// the same limit wait too instead of collecting more 429s. A
			// 429 that names no endpoint limit is the account's limit and
			// holds every request.
			key := globalHold
			if hasEndpointLimitHeader(resp.Header) {
				key = holdKey
			}
			c.hold(key, wait)
			c.log.WarnContext(ctx, "zendesk: rate limited, waiting",
				"endpoint", endpoint, "attempt", attempt+1, "retry_after", wait)

		case status >= 500:
			delay := c.backoff(attempt)
			if wait, ok := apiclient.RetryAfter(resp.Header, c.now()); ok {
				res.retryAfter = wait
				delay = max(delay, wait)
			}
			if attempt >= c.maxRetries {
				return res, nil
			}
			c.log.DebugContext(ctx, "zendesk: retrying after server error",
				"endpoint", endpoint, "status", status, "attempt", attempt+1, "delay", delay)
			if err := c.sleep(ctx, delay); err != nil {
				return nil, fmt.Errorf("zendesk: %s: %w", endpoint, err)
			}

		case status == http.StatusUnauthorized && auth != nil && !renewed && auth.renew(req):
			// A cached OAuth token may have been revoked; one retry with a
			// fresh token, not counted against MaxRetries.
			renewed = true
			attempt--

		default:
			return res, nil
		}
	}
}

// backoff is exponential with equal jitter, capped at MaxBackoff.
func (c *Client) backoff(attempt int) time.Duration {
	d := baseBackoff << min(attempt, 30)
	if d <= 0 || d > c.maxBackoff {
		d = c.maxBackoff
	}
	half := d / 2
	return half + rand.N(half+1)
}

// waitTurn blocks until no hold applies to key and the client-side budget
// has room. It sleeps at most once per step so an injected sleeper that
// does not advance the clock cannot loop forever.
func (c *Client) waitTurn(ctx context.Context, key string) error {
	now := c.now()
	// A hold may be extended while we sleep (another call's 429); look
	// again, a bounded number of times in case the clock does not move.
	for range 8 {
		until := c.holdUntil(key, now)
		if !until.After(now) {
			break
		}
		if err := c.sleep(ctx, until.Sub(now)); err != nil {
			return err
		}
		now = c.now()
	}
	r := c.limiter.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		if err := c.sleep(ctx, d); err != nil {
			r.CancelAt(now)
			return err
		}
	}
	return nil
}

// hasEndpointLimitHeader reports whether a response carries an
// endpoint-specific limit (Zendesk-RateLimit-<name>), as opposed to only
// the account-wide X-Rate-Limit headers.
func hasEndpointLimitHeader(h http.Header) bool {
	for name := range h {
		if strings.HasPrefix(strings.ToLower(name), "zendesk-ratelimit-") {
			return true
		}
	}
	return false
}

// hold makes requests under key (or all requests, for globalHold) wait
// for d from now. Holds only ever extend.
func (c *Client) hold(key string, d time.Duration) {
	until := c.now().Add(d)
	c.mu.Lock()
	defer c.mu.Unlock()
	if until.After(c.holds[key]) {
		c.holds[key] = until
	}
}

func (c *Client) holdUntil(key string, now time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	until := c.holds[globalHold]
	if t := c.holds[key]; t.After(until) {
		until = t
	}
	for k, t := range c.holds {
		if !t.After(now) {
			delete(c.holds, k)
		}
	}
	return until
}

// noteRateHeaders turns "nothing left in this window" headers into holds:
// the account headers hold every request, an endpoint's
// Zendesk-RateLimit-* header holds requests under the same key.
func (c *Client) noteRateHeaders(h http.Header, key string) {
	accountEmpty := h.Get("X-Rate-Limit-Remaining") == "0" || h.Get("Ratelimit-Remaining") == "0"
	if accountEmpty {
		reset := rateWindow
		if s, err := strconv.Atoi(strings.TrimSpace(h.Get("Ratelimit-Reset"))); err == nil && s >= 0 {
			reset = time.Duration(s) * time.Second
		}
		c.hold(globalHold, reset)
		c.log.Info("zendesk: account rate budget exhausted, holding requests", "for", reset)
	}
	for name, values := range h {
		if !strings.HasPrefix(strings.ToLower(name), "zendesk-ratelimit-") || len(values) == 0 {
			continue
		}
		remaining, resets, ok := parseRateLimitHeader(values[0])
		if ok && remaining == 0 {
			c.hold(key, resets)
			c.log.Debug("zendesk: endpoint rate budget exhausted, holding requests",
				"limit", strings.ToLower(name), "for", resets)
		}
	}
}

// parseRateLimitHeader reads "total=N; remaining=R; resets=S".
func parseRateLimitHeader(v string) (remaining int, resets time.Duration, ok bool) {
	haveRemaining, haveResets := false, false
	for part := range strings.SplitSeq(v, ";") {
		k, val, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil || n < 0 {
			continue
		}
		switch strings.ToLower(k) {
		case "remaining":
			remaining, haveRemaining = n, true
		case "resets":
			resets, haveResets = time.Duration(n)*time.Second, true
		}
	}
	return remaining, resets, haveRemaining && haveResets
}
