package github

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/internal/apiclient"
)

const (
	// maxResponseBody guards against a runaway body; a page of 100 seats
	// is well under 1 MiB.
	maxResponseBody = 32 << 20
	// baseBackoff is the first retry delay after a 5xx, before jitter.
	baseBackoff = time.Second
	// secondaryBaseWait is GitHub's "wait at least one minute" for a
	// secondary limit that names no wait; it doubles on each repeat.
	secondaryBaseWait = time.Minute
	// minRateWait keeps a reset that has already passed from retrying
	// back to back.
	minRateWait = time.Second
	// globalHold is the hold key every request waits for: secondary
	// limits span GitHub's resources.
	globalHold = ""
)

// result is the final answer of send: a 2xx, or the last non-2xx after
// retries ran out or were not allowed.
type result struct {
	status int
	header http.Header
	body   []byte
	// limit is set when the answer was a rate limit the client gave up on.
	limit *RateLimitError
}

// hold is a rate limit in force: no request under its key before until.
type hold struct {
	until time.Time
	info  RateLimitError // what said so, for the error when not waited out
}

// send is the one path every request takes: it waits out holds and the
// client-side pace, builds a fresh request per attempt (so the body is
// resent), authorizes it, reads and closes the body, reports the attempt
// to Observe, and retries rate limits, 5xx and transport errors. It
// returns an error for transport failures after the last retry,
// cancellation, authorization failures and holds not waited out; other
// answers come back as a result, with limit set for a rate limit the
// client gave up on.
func (c *Client) send(ctx context.Context, cl call) (*result, error) {
	renewed := false
	secondaryHits := 0
	for attempt := 0; ; attempt++ {
		if err := c.waitTurn(ctx, cl); err != nil {
			return nil, err
		}
		req, err := c.build(ctx, cl)
		if err != nil {
			return nil, err
		}
		if cl.auth != nil {
			if err := cl.auth.Authorize(ctx, req); err != nil {
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
		c.observe(cl.endpoint, status, time.Since(start))

		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, fmt.Errorf("github: %s %s: %w", cl.method, pathOf(cl.url), ctxErr)
			}
			// *url.Error repeats the URL, which holds no secret; keep only
			// the cause so errors read the same on every attempt.
			cause := unwrapURLError(err)
			if errors.Is(err, apiclient.ErrBodyTooLarge) || attempt >= c.maxRetries {
				kind := ErrUnavailable
				if errors.Is(err, apiclient.ErrBodyTooLarge) {
					kind = ErrBadResponse
				}
				return nil, &APIError{Kind: kind, Status: status, Method: cl.method, Path: pathOf(cl.url), Err: cause}
			}
			delay := c.backoff(attempt)
			c.log.DebugContext(ctx, "github: retrying after transport error",
				"endpoint", cl.endpoint, "attempt", attempt+1, "delay", delay, "error", cause)
			if err := c.sleep(ctx, delay); err != nil {
				return nil, fmt.Errorf("github: %s %s: %w", cl.method, pathOf(cl.url), err)
			}
			continue
		}

		res := &result{status: status, header: resp.Header, body: body}
		info := c.rateInfo(cl, resp.Header)
		c.noteBudget(ctx, cl, status, info)

		switch lim := c.classify(cl, status, resp.Header, body); {
		case lim == limitNone && status >= 200 && status < 300:
			return res, nil

		case lim != limitNone:
			info.Status = status
			info.Message = parseErrorBody(body).Message
			if cl.graphql && info.Message == "" {
				info.Message = graphqlMessage(body)
			}
			var wait time.Duration
			switch {
			case lim == limitSecondary:
				info.Secondary = true
				secondaryHits++
				wait = c.secondaryWait(resp.Header, info, secondaryHits)
			case info.Reset.IsZero():
				wait = secondaryBaseWait
			default:
				wait = max(info.Reset.Sub(c.now()), minRateWait)
			}
			info.Wait = wait
			// A hold rather than a private sleep, so concurrent calls wait
			// too instead of collecting more refusals; it stands when this
			// call gives up, since GitHub may ban clients that keep asking.
			key := globalHold
			if lim == limitPrimary {
				key = cl.resource
			}
			c.hold(key, wait+jitter(), info)
			if reason := c.cannotWait(ctx, wait); reason != "" || attempt >= c.maxRetries {
				if reason == "" {
					reason = fmt.Sprintf("still limited after %d retries", c.maxRetries)
				}
				info.Reason = reason
				res.limit = &info
				return res, nil
			}
			c.log.WarnContext(ctx, "github: rate limited, waiting",
				"endpoint", cl.endpoint, "secondary", info.Secondary, "attempt", attempt+1, "wait", wait)

		case status >= 500:
			delay := c.backoff(attempt)
			if ra, ok := apiclient.RetryAfter(resp.Header, c.now()); ok {
				delay = max(delay, ra)
			}
			if attempt >= c.maxRetries {
				return res, nil
			}
			if reason := c.cannotWait(ctx, delay); reason != "" {
				return res, nil
			}
			c.log.DebugContext(ctx, "github: retrying after server error",
				"endpoint", cl.endpoint, "status", status, "attempt", attempt+1, "delay", delay)
			if err := c.sleep(ctx, delay); err != nil {
				return nil, fmt.Errorf("github: %s %s: %w", cl.method, pathOf(cl.url), err)
			}

		case status == http.StatusUnauthorized && cl.auth != nil && !renewed && cl.auth.Renew(req):
			// An installation token may have been revoked or expired
			// early: one retry with a fresh one, not counted as a retry.
			renewed = true
			attempt--

		default:
			return res, nil
		}
	}
}

func (c *Client) build(ctx context.Context, cl call) (*http.Request, error) {
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, cl.url, body)
	if err != nil {
		return nil, &APIError{Kind: ErrInvalid, Method: cl.method, Path: pathOf(cl.url), Message: "building the request failed"}
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", APIVersion)
	req.Header.Set("User-Agent", c.userAgent)
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

type limitKind int

const (
	limitNone limitKind = iota
	limitPrimary
	limitSecondary
)

// classify reads GitHub's rate-limit signals: a 403 or 429 with
// x-ratelimit-remaining 0 is the primary limit; a 403 or 429 with
// Retry-After, or saying "secondary rate limit", is a secondary one; a 429
// that says neither is treated as secondary. GraphQL reports an exhausted
// budget as a 200 whose errors say RATE_LIMITED.
func (c *Client) classify(cl call, status int, h http.Header, body []byte) limitKind {
	remainingZero := strings.TrimSpace(h.Get("X-Ratelimit-Remaining")) == "0"
	switch status {
	case http.StatusForbidden, http.StatusTooManyRequests:
		eb := parseErrorBody(body)
		switch {
		case h.Get("Retry-After") != "" || mentionsSecondary(eb):
			return limitSecondary
		case remainingZero:
			return limitPrimary
		case status == http.StatusTooManyRequests:
			return limitSecondary
		}
	case http.StatusOK:
		if cl.graphql && graphqlRateLimited(body) {
			if remainingZero {
				return limitPrimary
			}
			return limitSecondary
		}
	}
	return limitNone
}

func mentionsSecondary(eb errorBody) bool {
	msg := strings.ToLower(eb.Message)
	doc := strings.ToLower(eb.DocumentationURL)
	return strings.Contains(msg, "secondary rate limit") || strings.Contains(msg, "abuse") ||
		strings.Contains(doc, "secondary-rate-limits") || strings.Contains(doc, "abuse-rate-limits")
}

// graphqlRateLimited reports a GraphQL answer whose errors include
// RATE_LIMITED.
func graphqlRateLimited(body []byte) bool {
	var env struct {
		Errors []GraphQLErrorEntry `json:"errors"`
	}
	if json.Unmarshal(body, &env) != nil {
		return false
	}
	for _, e := range env.Errors {
		if e.Type == "RATE_LIMITED" {
			return true
		}
	}
	return false
}

func graphqlMessage(body []byte) string {
	var env struct {
		Errors []GraphQLErrorEntry `json:"errors"`
	}
	if json.Unmarshal(body, &env) != nil || len(env.Errors) == 0 {
		return ""
	}
	return oneLine(env.Errors[0].Message, 300)
}

// secondaryWait follows GitHub's guidance: Retry-After when present; else
// the reset time when x-ratelimit-remaining is 0; else at least a minute,
// doubling on each repeat.
func (c *Client) secondaryWait(h http.Header, info RateLimitError, hits int) time.Duration {
	if ra, ok := apiclient.RetryAfter(h, c.now()); ok {
		return max(ra, minRateWait)
	}
	if info.Remaining == 0 && !info.Reset.IsZero() && h.Get("X-Ratelimit-Remaining") != "" {
		return max(info.Reset.Sub(c.now()), minRateWait)
	}
	return secondaryBaseWait << min(hits-1, 10)
}

// cannotWait says why a wait of d is not slept through, or "".
func (c *Client) cannotWait(ctx context.Context, d time.Duration) string {
	if d > c.maxWait {
		return fmt.Sprintf("longer than the %s the client waits", c.maxWait)
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return "the wait would pass the context's deadline"
	}
	return ""
}

// rateInfo reads the x-ratelimit-* headers.
func (c *Client) rateInfo(cl call, h http.Header) RateLimitError {
	info := RateLimitError{
		Method:    cl.method,
		Path:      pathOf(cl.url),
		Resource:  h.Get("X-Ratelimit-Resource"),
		Limit:     headerInt(h, "X-Ratelimit-Limit"),
		Remaining: headerInt(h, "X-Ratelimit-Remaining"),
		Used:      headerInt(h, "X-Ratelimit-Used"),
	}
	if info.Resource == "" {
		info.Resource = cl.resource
	}
	if s := headerInt(h, "X-Ratelimit-Reset"); s > 0 {
		info.Reset = time.Unix(int64(s), 0)
	}
	return info
}

// noteBudget turns a successful answer that spent the last of the budget
// into a hold, so the next call waits (or is told how long) instead of
// being refused by GitHub.
func (c *Client) noteBudget(ctx context.Context, cl call, status int, info RateLimitError) {
	if status < 200 || status > 299 || info.Reset.IsZero() || info.Remaining != 0 || info.Limit == 0 {
		return
	}
	wait := info.Reset.Sub(c.now())
	if wait <= 0 {
		return
	}
	info.Wait = wait
	c.hold(cl.resource, wait, info)
	c.log.InfoContext(ctx, "github: rate budget spent, holding requests", "resource", cl.resource, "for", wait)
}

func headerInt(h http.Header, name string) int {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get(name)))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func unwrapURLError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) && uerr.Err != nil {
		return uerr.Err
	}
	return err
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

// maxJitter bounds the jitter added to rate-limit waits.
const maxJitter = time.Second

// jitter spreads the retries of replicas that were limited together.
func jitter() time.Duration { return rand.N(maxJitter) }

// waitTurn blocks until no hold applies to the call and the client-side
// pace has room. A hold longer than MaxWait, or past the context's
// deadline, returns *RateLimitError without sending. It sleeps a bounded
// number of times so an injected sleeper that does not move the clock
// cannot loop forever.
func (c *Client) waitTurn(ctx context.Context, cl call) error {
	for range 8 {
		now := c.now()
		h, ok := c.holdFor(cl.resource, now)
		if !ok {
			break
		}
		wait := h.until.Sub(now)
		// The hold includes jitter the decision to wait did not count.
		if reason := c.cannotWait(ctx, max(wait-maxJitter, 0)); reason != "" {
			info := h.info
			info.Status, info.Method, info.Path = 0, cl.method, pathOf(cl.url)
			info.Wait, info.Reason = wait, "not sent: "+reason
			return &info
		}
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("github: %s %s: %w", cl.method, pathOf(cl.url), err)
		}
	}
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			return fmt.Errorf("github: %s %s: %w", cl.method, pathOf(cl.url), err)
		}
	}
	return ctx.Err()
}

// hold makes requests under key (every request, for globalHold) wait d
// from now. Holds only ever extend.
func (c *Client) hold(key string, d time.Duration, info RateLimitError) {
	until := c.now().Add(d)
	c.mu.Lock()
	defer c.mu.Unlock()
	if until.After(c.holds[key].until) {
		c.holds[key] = hold{until: until, info: info}
	}
}

// holdFor returns the latest hold in force for resource.
func (c *Client) holdFor(resource string, now time.Time) (hold, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, h := range c.holds {
		if !h.until.After(now) {
			delete(c.holds, k)
		}
	}
	h, ok := c.holds[globalHold]
	if r, rok := c.holds[resource]; rok && (!ok || r.until.After(h.until)) {
		h, ok = r, true
	}
	return h, ok
}
