// Package github is a client for the parts of GitHub's REST and GraphQL
// APIs that govern an organization's seats and credentials:
//
//   - Org: the organization itself (login, id, name, plan); the health
//     check that the configured org exists and the credentials see it.
//   - Members, MembersWithout2FA, User, UserByID, Membership: who is in
//     the org, as owner (admin) or member, who has no two-factor
//     authentication, and each person's public profile (name, public
//     email, created), by login or by the id that survives a rename.
//   - SetMembershipRole, RemoveMember: change a member's role, remove them.
//   - CopilotSeats, MemberCopilotSeat, RemoveCopilotSeats: the Copilot
//     Business/Enterprise seats being billed, with last activity, one
//     member's seat, and cancelling seats.
//   - FineGrainedTokens, RevokeFineGrainedTokens: the fine-grained personal
//     access tokens that can reach the org, and revoking that access.
//     GitHub allows these only to GitHub Apps: with token auth the client
//     returns ErrAppAuthRequired without calling GitHub.
//   - Installations: the GitHub Apps installed on the org.
//   - VerifiedDomainEmails: members' emails on the org's verified
//     domains, which GitHub exposes only through GraphQL; how a GitHub
//     login is matched to a person in other systems.
//
// Copilot seat management and the fine-grained token endpoints are in
// public preview at GitHub, so every type tolerates fields it does not
// know.
//
// Authentication is a token (TokenAuth) or a GitHub App installation
// (AppAuth). Every call goes through one transport path that sends
// GitHub's versioning headers, follows Link pagination to the end, honours
// primary and secondary rate limits, retries 5xx and transport failures
// with capped, jittered backoff, and returns typed errors that never hold a
// credential.
package github

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/seatwarden/seatwarden/internal/apiclient"
)

// Endpoint names passed to Config.Observe. They are fixed so metrics stay
// low-cardinality; the emulator counts requests by the same names.
const (
	EndpointOrg               = "org"
	EndpointMembers           = "members"
	EndpointUser              = "user"
	EndpointUserByID          = "user_by_id"
	EndpointMembershipGet     = "membership_get"
	EndpointMembershipSet     = "membership_set"
	EndpointMembershipRemove  = "membership_remove"
	EndpointCopilotSeats      = "copilot_seats"
	EndpointMemberCopilotSeat = "copilot_member_seat"
	EndpointCopilotRemove     = "copilot_remove"
	EndpointFineGrainedTokens = "pat_list"
	EndpointRevokeTokens      = "pat_revoke"
	EndpointInstallations     = "installations"
	EndpointAppToken          = "app_token"
	EndpointGraphQL           = "graphql"
)

// Defaults applied by New.
const (
	DefaultBaseURL    = "https://api.github.com"
	DefaultUserAgent  = "seatwarden-github"
	DefaultTimeout    = 30 * time.Second
	DefaultMaxRetries = 5
	DefaultMaxBackoff = 30 * time.Second
	// DefaultMaxWait is the longest rate-limit wait the client sleeps
	// through; a longer one returns *RateLimitError at once.
	DefaultMaxWait = 2 * time.Minute
	// DefaultMaxPages bounds one listing: 500,000 items at 100 a page.
	DefaultMaxPages = 5000
	// APIVersion is sent as X-GitHub-Api-Version.
	APIVersion = "2022-11-28"
	// pageSize is GitHub's largest per_page.
	pageSize = 100
	// batchSize bounds the logins or ids sent in one request.
	batchSize = 100
)

// Config configures a Client. Zero values get the documented defaults.
type Config struct {
	// BaseURL is the REST API root: https://api.github.com (default), or
	// https://HOST/api/v3 for GitHub Enterprise Server.
	BaseURL string
	// Org is the organization's login. Required.
	Org string
	// HTTPClient sends every request. Default: a client with a 30 s timeout.
	HTTPClient *http.Client
	// Auth is TokenAuth or AppAuth. Required.
	Auth Authenticator
	// UserAgent, which GitHub requires. Default "seatwarden-github".
	UserAgent string

	// MaxRetries bounds retries per request (rate limits, 5xx, transport
	// errors). 0 means 5; negative disables retries.
	MaxRetries int
	// MaxBackoff caps one backoff delay after a 5xx. Default 30 s.
	MaxBackoff time.Duration
	// MaxWait is the longest rate-limit wait slept through. Default 2 min.
	MaxWait time.Duration
	// MaxPages bounds the pages of one listing. Default 5,000.
	MaxPages int
	// RequestsPerSecond, if positive, paces requests client-side; Burst
	// requests may go at once before the pace applies (default one
	// second's worth). Over any hour at most RequestsPerSecond*3600 +
	// Burst are sent.
	RequestsPerSecond float64
	Burst             int

	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Observe, if set, is called once per HTTP attempt with the endpoint
	// name, the status (0 for a transport error) and the duration.
	Observe func(endpoint string, status int, d time.Duration)

	// Now and Sleep replace the clock behind rate-limit waits, backoff,
	// JWTs and token expiry, so tests run without real waiting. Sleep must
	// return ctx.Err() when ctx ends first. Defaults: time.Now and a timer.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client calls GitHub for one organization. It is safe for concurrent use.
type Client struct {
	baseURL    *url.URL
	graphqlURL string
	org        string
	hc         *http.Client
	auth       Authenticator
	userAgent  string
	limiter    *rate.Limiter
	maxRetries int
	maxBackoff time.Duration
	maxWait    time.Duration
	maxPages   int
	log        *slog.Logger
	observeFn  func(string, int, time.Duration)
	now        func() time.Time
	sleep      func(context.Context, time.Duration) error

	mu    sync.Mutex
	holds map[string]hold // rate-limit resource ("" = every request) -> hold
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.Org) == "" {
		return nil, errors.New("github: Config.Org is required")
	}
	if !validName(cfg.Org) {
		return nil, fmt.Errorf("github: Config.Org %q is not an organization login", cfg.Org)
	}
	if cfg.Auth == nil {
		return nil, errors.New("github: Config.Auth is required (TokenAuth or AppAuth)")
	}
	c := &Client{
		baseURL:    base,
		graphqlURL: graphqlURL(base),
		org:        cfg.Org,
		hc:         cfg.HTTPClient,
		userAgent:  cfg.UserAgent,
		maxRetries: cfg.MaxRetries,
		maxBackoff: cfg.MaxBackoff,
		maxWait:    cfg.MaxWait,
		maxPages:   cfg.MaxPages,
		log:        cfg.Logger,
		observeFn:  cfg.Observe,
		now:        cfg.Now,
		sleep:      cfg.Sleep,
		holds:      map[string]hold{},
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: DefaultTimeout}
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.maxBackoff <= 0 {
		c.maxBackoff = DefaultMaxBackoff
	}
	if c.maxWait <= 0 {
		c.maxWait = DefaultMaxWait
	}
	if c.maxPages <= 0 {
		c.maxPages = DefaultMaxPages
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = apiclient.Sleep
	}
	if cfg.RequestsPerSecond > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(cfg.RequestsPerSecond), cmp.Or(cfg.Burst, max(1, int(cfg.RequestsPerSecond))))
	}
	c.auth = cfg.Auth
	if b, ok := cfg.Auth.(binder); ok {
		if c.auth, err = b.bind(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Format keeps credentials out of any printed form of a Client.
func (c *Client) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "github.Client{base_url: %s, org: %s, app: %t}", c.baseURL, c.org, c.IsApp())
}

// OrgLogin is the organization the client governs.
func (c *Client) OrgLogin() string { return c.org }

// IsApp reports whether the client authenticates as a GitHub App
// installation, which the fine-grained token endpoints require.
func (c *Client) IsApp() bool { return c.auth.IsApp() }

func parseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		raw = DefaultBaseURL
	}
	return apiclient.BaseURL("github", raw)
}

// graphqlURL is https://api.github.com/graphql, or https://HOST/api/graphql
// beside a GitHub Enterprise Server's /api/v3.
func graphqlURL(base *url.URL) string {
	u := *base
	if p, ok := strings.CutSuffix(u.Path, "/api/v3"); ok {
		u.Path = p + "/api/graphql"
	} else {
		u.Path += "/graphql"
	}
	return u.String()
}

// validName accepts GitHub logins and org names, including Enterprise
// Managed Users' "name_shortcode"; anything that could change a URL's
// path is refused before it is sent.
var validName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$`).MatchString

func (c *Client) checkLogin(endpoint, method, path, login string) error {
	if validName(login) && login != "." && login != ".." {
		return nil
	}
	return &APIError{Kind: ErrInvalid, Method: method, Path: path,
		Message: fmt.Sprintf("%s: %q is not a GitHub login", endpoint, login)}
}

func (c *Client) observe(endpoint string, status int, d time.Duration) {
	if c.observeFn != nil {
		c.observeFn(endpoint, status, d)
	}
}

// url builds an absolute REST URL from path segments.
func (c *Client) url(query url.Values, segments ...string) string {
	u := c.baseURL.JoinPath(segments...)
	u.RawQuery = query.Encode()
	return u.String()
}

// call describes one API request.
type call struct {
	endpoint string
	method   string
	url      string // absolute
	body     []byte // JSON, resent on every attempt
	// resource is the rate-limit bucket ("core", "graphql").
	resource string
	// graphql: a 200 may still be a rate limit.
	graphql bool
	// secret: the response carries credentials; it is never decoded into
	// an error.
	secret bool
	// auth overrides the client's authenticator (the JWT for the token
	// exchange).
	auth Authenticator
}

// response is a 2xx answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends cl and returns a 2xx response; any other status becomes an
// *APIError or *RateLimitError.
func (c *Client) do(ctx context.Context, cl call) (*response, error) {
	if cl.resource == "" {
		cl.resource = "core"
	}
	if cl.auth == nil {
		cl.auth = c.auth
	}
	res, err := c.send(ctx, cl)
	if err != nil {
		return nil, err
	}
	// A GraphQL rate limit comes as a 200: the limit decides, not the status.
	if res.limit == nil && res.status >= 200 && res.status <= 299 {
		return &response{status: res.status, header: res.header, body: res.body}, nil
	}
	return nil, c.statusError(cl, res)
}

// statusError builds the error for a final non-2xx answer.
func (c *Client) statusError(cl call, res *result) error {
	if res.limit != nil {
		return res.limit
	}
	eb := parseErrorBody(res.body)
	if cl.secret && !bytes.HasPrefix(bytes.TrimSpace(res.body), []byte("{")) {
		// Only GitHub's JSON envelope is read from an endpoint whose
		// answers carry credentials.
		eb = errorBody{}
	}
	return &APIError{
		Kind:             kindForStatus(res.status),
		Status:           res.status,
		Method:           cl.method,
		Path:             pathOf(cl.url),
		Message:          eb.Message,
		DocumentationURL: eb.DocumentationURL,
		Errors:           eb.Errors,
		RequestID:        res.header.Get("X-GitHub-Request-Id"),
	}
}

// getJSON fetches one resource into out.
func (c *Client) getJSON(ctx context.Context, endpoint, target string, out any) error {
	res, err := c.do(ctx, call{endpoint: endpoint, method: http.MethodGet, url: target})
	if err != nil {
		return err
	}
	return decode(endpoint, http.MethodGet, target, res, out)
}

// sendJSON sends body as JSON and decodes a non-empty answer into out.
func (c *Client) sendJSON(ctx context.Context, endpoint, method, target string, body, out any) (*response, error) {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return nil, &APIError{Kind: ErrInvalid, Method: method, Path: pathOf(target), Err: err}
		}
	}
	res, err := c.do(ctx, call{endpoint: endpoint, method: method, url: target, body: raw})
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := decode(endpoint, method, target, res, out); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func decode(endpoint, method, target string, res *response, out any) error {
	if err := json.Unmarshal(res.body, out); err != nil {
		return &APIError{Kind: ErrBadResponse, Status: res.status, Method: method, Path: pathOf(target),
			Message: endpoint + ": response is not the JSON GitHub documents", Err: jsonCause(err)}
	}
	return nil
}

// shapeError is the client's own account of a body that decoded but is
// not the documented shape; it quotes nothing from the body.
type shapeError string

func (e shapeError) Error() string { return string(e) }

// jsonCause keeps a decoding error's kind and offset, which say what went
// wrong without quoting the body.
func jsonCause(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var shape shapeError
	switch {
	case errors.As(err, &shape):
		return shape
	case errors.As(err, &syn):
		return fmt.Errorf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Errorf("field %q: got JSON %s, want %s", typ.Field, typ.Value, typ.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("truncated JSON")
	}
	return errors.New("malformed JSON")
}

func pathOf(target string) string {
	if u, err := url.Parse(target); err == nil {
		return u.Path
	}
	return ""
}

// listAll follows Link pagination from first to the end. It refuses a next
// link on another host (it would carry the credentials there), one it has
// already fetched (a loop), and more than MaxPages pages.
func listAll[T any](ctx context.Context, c *Client, endpoint, first string, items func(body []byte) ([]T, error)) ([]T, error) {
	var all []T
	seen := map[string]bool{}
	next := first
	for page := 1; ; page++ {
		if page > c.maxPages {
			return nil, &APIError{Kind: ErrBadResponse, Method: http.MethodGet, Path: pathOf(first),
				Message: fmt.Sprintf("%s: more than %d pages; raise Config.MaxPages if the organization is that large", endpoint, c.maxPages)}
		}
		seen[next] = true
		res, err := c.do(ctx, call{endpoint: endpoint, method: http.MethodGet, url: next})
		if err != nil {
			return nil, err
		}
		got, err := items(res.body)
		if err != nil {
			return nil, &APIError{Kind: ErrBadResponse, Status: res.status, Method: http.MethodGet, Path: pathOf(next),
				Message: endpoint + ": response is not the JSON GitHub documents", Err: jsonCause(err)}
		}
		all = append(all, got...)

		link, ok := nextLink(res.header.Values("Link"))
		if !ok {
			return all, nil
		}
		nextURL, err := c.checkNext(link)
		if err != nil {
			return nil, &APIError{Kind: ErrBadResponse, Status: res.status, Method: http.MethodGet, Path: pathOf(next),
				Message: endpoint + ": " + err.Error()}
		}
		if seen[nextURL] {
			return nil, &APIError{Kind: ErrBadResponse, Status: res.status, Method: http.MethodGet, Path: pathOf(next),
				Message: endpoint + `: the Link header's rel="next" does not advance`}
		}
		next = nextURL
	}
}

// checkNext resolves a next link against the base URL and refuses one on
// another scheme or host.
func (c *Client) checkNext(link string) (string, error) {
	u, err := c.baseURL.Parse(link)
	if err != nil {
		return "", errors.New(`the Link header's rel="next" is not a URL`)
	}
	if !strings.EqualFold(u.Scheme, c.baseURL.Scheme) || !strings.EqualFold(u.Host, c.baseURL.Host) {
		return "", fmt.Errorf(`the Link header's rel="next" points at %s://%s, not the API host`, u.Scheme, u.Host)
	}
	u.Fragment = ""
	return u.String(), nil
}

// nextLink finds rel="next" in Link headers:
// <https://api.github.com/…&page=2>; rel="next", <…>; rel="last".
func nextLink(values []string) (string, bool) {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			target, params, ok := strings.Cut(part, ";")
			if !ok {
				continue
			}
			target = strings.TrimSpace(target)
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for p := range strings.SplitSeq(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if !strings.EqualFold(strings.TrimSpace(k), "rel") {
					continue
				}
				for rel := range strings.FieldsSeq(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(rel, "next") {
						return target[1 : len(target)-1], true
					}
				}
			}
		}
	}
	return "", false
}

// arrayItems decodes a page that is a JSON array.
func arrayItems[T any](body []byte) ([]T, error) {
	var items []T
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, err
	}
	if items == nil && !bytes.Equal(bytes.TrimSpace(body), []byte("[]")) {
		return nil, shapeError("not an array")
	}
	return items, nil
}
