// Package okta reads people from Okta's Management API as an identity
// source: the users list with its search expressions, cursor paging by
// Link headers, and Okta's per-endpoint rate limits (X-Rate-Limit-*
// headers; a 429 waits until the reset). It authenticates with an API
// token (SSWS) and maps users onto the directory's Person.
package okta

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/internal/apiclient"
)

// Limits of the users list.
const (
	// MaxPageSize is the most users Okta returns in one page.
	MaxPageSize = 200
	// maxBody bounds one page's body: 200 users are well under 2 MiB.
	maxBody = 16 << 20
	// resetSlack is added to X-Rate-Limit-Reset: Okta's windows are not
	// aligned with the clock, and waking a moment late costs nothing.
	resetSlack = time.Second
)

// Config is how to reach one Okta org.
type Config struct {
	// OrgURL is the org's base URL, such as https://acme.okta.com.
	OrgURL string
	// Token is an API token (sent as SSWS).
	Token string
	// PageSize is the users per page (default and most MaxPageSize).
	PageSize int
	apiclient.Options
}

// Client is an Okta Management API client.
type Client struct {
	cfg  Config
	base *url.URL
	log  *slog.Logger
}

// New checks c and returns a client.
func New(c Config) (*Client, error) {
	base, err := apiclient.BaseURL("okta", c.OrgURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.Token) == "" {
		return nil, errors.New("okta: an API token is required (OKTA_API_TOKEN)")
	}
	if c.PageSize <= 0 || c.PageSize > MaxPageSize {
		c.PageSize = MaxPageSize
	}
	log := c.Options.Fill("okta")
	return &Client{cfg: c, base: base, log: log}, nil
}

// User is an Okta user, the fields seatwarden reads.
type User struct {
	ID            string     `json:"id"`
	Status        string     `json:"status"`
	StatusChanged *time.Time `json:"statusChanged"`
	LastUpdated   time.Time  `json:"lastUpdated"`
	Profile       Profile    `json:"profile"`
}

// Profile is the user's base profile attributes seatwarden reads.
type Profile struct {
	Login       string `json:"login"`
	Email       string `json:"email"`
	SecondEmail string `json:"secondEmail"`
	FirstName   string `json:"firstName"`
	LastName    string `json:"lastName"`
	DisplayName string `json:"displayName"`
	Title       string `json:"title"`
	Department  string `json:"department"`
	ManagerID   string `json:"managerId"`
	Manager     string `json:"manager"`
}

// User statuses.
const (
	StatusActive        = "ACTIVE"
	StatusSuspended     = "SUSPENDED"
	StatusDeprovisioned = "DEPROVISIONED"
)

// Statuses are every status a user can have; a search naming them all
// lists everyone, the deactivated too (the plain list leaves them out).
var Statuses = []string{"STAGED", "PROVISIONED", StatusActive, "RECOVERY", "LOCKED_OUT", "PASSWORD_EXPIRED", StatusSuspended, StatusDeprovisioned}

// ListUsers pages through the users matching search ("" for Okta's
// default list), calling page with each page in order. It returns how
// many requests it made.
func (c *Client) ListUsers(ctx context.Context, search string, page func([]User) error) (requests int, err error) {
	q := url.Values{"limit": {strconv.Itoa(c.cfg.PageSize)}}
	if search != "" {
		q.Set("search", search)
	}
	next := c.base.JoinPath("api", "v1", "users")
	next.RawQuery = q.Encode()
	for next != nil {
		var users []User
		resp, n, err := c.get(ctx, next, &users)
		requests += n
		if err != nil {
			return requests, err
		}
		if err := page(users); err != nil {
			return requests, err
		}
		if next, err = c.nextLink(resp.Header); err != nil {
			return requests, err
		}
	}
	return requests, nil
}

// nextLink is the rel="next" link of a page, which must point back at
// the org: a link elsewhere would send the token there.
func (c *Client) nextLink(h http.Header) (*url.URL, error) {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			if !ok || !strings.Contains(strings.ReplaceAll(params, " ", ""), `rel="next"`) {
				continue
			}
			u, err := url.Parse(strings.Trim(strings.TrimSpace(target), "<>"))
			if err != nil || u.Scheme != c.base.Scheme || u.Host != c.base.Host || !strings.HasPrefix(u.Path, c.base.Path+"/api/v1/users") {
				return nil, fail(ErrBadResponse, 0, "the next page's link points outside the org's users list")
			}
			return u, nil
		}
	}
	return nil, nil
}

// get GETs u into out, waiting out rate limits and retrying 5xx. It
// returns the response (body read) and how many requests it made.
func (c *Client) get(ctx context.Context, u *url.URL, out any) (*http.Response, int, error) {
	return c.cfg.GetJSON(ctx, c.log, u, apiclient.Get{
		Client: c.cfg.HTTPClient, MaxBody: maxBody, Fail: fail,
		Header: http.Header{"Authorization": {"SSWS " + c.cfg.Token}, "Accept": {"application/json"}, "User-Agent": {"seatwarden"}},
		Answer: func(resp *http.Response, body []byte) (error, bool) {
			return errorOf(resp, body), apiclient.Retryable(resp.StatusCode)
		},
		Wait: c.rateWait, Paced: true,
		NotJSON: "the users page is not the JSON Okta sends",
	}, out)
}

// rateWait reads the rate-limit headers: when the bucket is empty (or
// the request was refused), how long until it resets.
func (c *Client) rateWait(resp *http.Response) (time.Duration, bool) {
	remaining, err := strconv.Atoi(resp.Header.Get("X-Rate-Limit-Remaining"))
	if err != nil || (remaining > 0 && resp.StatusCode != http.StatusTooManyRequests) {
		return 0, false
	}
	reset, err := strconv.ParseInt(resp.Header.Get("X-Rate-Limit-Reset"), 10, 64)
	if err != nil {
		if d, ok := apiclient.RetryAfter(resp.Header, c.cfg.Now()); ok {
			return d, true
		}
		return 0, false
	}
	wait := time.Unix(reset, 0).Sub(c.cfg.Now()) + resetSlack
	return min(max(wait, resetSlack), apiclient.MaxRetryAfter), true
}

// Search expressions the source uses.

// SearchEveryone lists every user, deactivated ones included.
func SearchEveryone() string {
	parts := make([]string, len(Statuses))
	for i, s := range Statuses {
		parts[i] = fmt.Sprintf("status eq %q", s)
	}
	return strings.Join(parts, " or ")
}

// SearchUpdatedSince lists the users changed after t.
func SearchUpdatedSince(t time.Time) string {
	return fmt.Sprintf("lastUpdated gt %q", t.UTC().Format(TimeFormat))
}

// TimeFormat is how Okta writes times in search expressions.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// Probe reads one user, to show the org answers and the token may read
// users (doctor).
func (c *Client) Probe(ctx context.Context) error {
	u := c.base.JoinPath("api", "v1", "users")
	u.RawQuery = url.Values{"limit": {"1"}}.Encode()
	var users []User
	_, _, err := c.get(ctx, u, &users)
	return err
}
