package apiclient

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Get describes how one product's JSON GETs are made and judged; GetJSON
// runs them with the retries every directory API needs.
type Get struct {
	// Client sends the requests (an oauth2 client where a token is
	// needed); Header is set on each.
	Client  *http.Client
	Header  http.Header
	MaxBody int64
	// Fail builds the product's error of a kind.
	Fail func(kind Kind, status int, message string) *Error
	// Answer judges a non-200 answer: the error it is, and whether to wait
	// it out and try again (a rate limit, a 5xx).
	Answer func(resp *http.Response, body []byte) (err error, retry bool)
	// Refused turns a transport error no retry fixes (a token endpoint
	// refusing the credentials) into the error to return; nil retries
	// every transport error.
	Refused func(error) error
	// Wait is how long the server asks to wait after resp, when it says;
	// nil reads Retry-After.
	Wait func(resp *http.Response) (time.Duration, bool)
	// Paced waits, after a 200, as long as Wait says: the rate limit's
	// bucket is empty, and the next page would be refused.
	Paced bool
	// NotJSON names the body in the error when it does not decode, such
	// as "the users page is not the JSON Okta sends".
	NotJSON string
}

// Retryable reports whether an answer with this status is waited out by
// default: 429 and 5xx.
func Retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// GetJSON GETs u into out, waiting out what g says to and trying a
// failure at most MaxRetries more times. It returns the answer (body
// read) and how many requests it made.
func (o *Options) GetJSON(ctx context.Context, log *slog.Logger, u *url.URL, g Get, out any) (*http.Response, int, error) {
	wait := g.Wait
	if wait == nil {
		wait = func(resp *http.Response) (time.Duration, bool) { return RetryAfter(resp.Header, o.Now()) }
	}
	for try := 0; ; try++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, try, err
		}
		for k, v := range g.Header {
			req.Header[k] = v
		}
		resp, err := g.Client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, try + 1, ctx.Err()
			}
			if g.Refused != nil {
				if final := g.Refused(err); final != nil {
					return nil, try + 1, final
				}
			}
			if try >= o.MaxRetries {
				return nil, try + 1, g.Fail(KindUnavailable, 0, err.Error())
			}
			if err := o.Sleep(ctx, Backoff(try)); err != nil {
				return nil, try + 1, err
			}
			continue
		}
		body, err := ReadBody(resp, g.MaxBody)
		if err != nil {
			return nil, try + 1, g.Fail(KindBadResponse, resp.StatusCode, err.Error())
		}
		if resp.StatusCode != http.StatusOK {
			failure, retry := g.Answer(resp, body)
			if !retry || try >= o.MaxRetries {
				return nil, try + 1, failure
			}
			d, ok := wait(resp)
			if !ok {
				d = Backoff(try)
			}
			log.WarnContext(ctx, "waiting before trying again", slog.Int("status", resp.StatusCode), slog.Duration("wait", d))
			if err := o.Sleep(ctx, d); err != nil {
				return nil, try + 1, err
			}
			continue
		}
		if err := json.Unmarshal(body, out); err != nil {
			return nil, try + 1, g.Fail(KindBadResponse, resp.StatusCode, g.NotJSON+": "+err.Error())
		}
		if d, ok := wait(resp); g.Paced && ok && d > 0 {
			if err := o.Sleep(ctx, d); err != nil {
				return nil, try + 1, err
			}
		}
		return resp, try + 1, nil
	}
}
