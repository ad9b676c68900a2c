// Package zendesk is a client for the parts of the Zendesk Support API that
// govern agent seats and credentials: the authenticated user, the
// incremental user export, groups, group memberships, custom roles, user
// updates and ending a user's sessions; the account's legacy API tokens,
// OAuth clients, OAuth tokens (with revocation) and app installations; and
// the ticket an access request names: reading it and writing an internal
// note on it.
//
// Credential listings keep only what identifies a credential. Token
// values, refresh tokens, client secrets and app settings are dropped while
// decoding and are kept out of every *Error built from those endpoints.
//
// Every call goes through one transport path that keeps a client-side rate
// budget, honours Zendesk's rate-limit headers and Retry-After, and retries
// 429, 5xx and transport failures with capped, jittered backoff.
package zendesk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/seatwarden/seatwarden/internal/apiclient"
)

// Endpoint names passed to Config.Observe and used in Error.Endpoint. They
// are fixed so metrics stay low-cardinality.
const (
	EndpointUsersMe          = "users_me"
	EndpointUsersUpdate      = "users_update"
	EndpointUsersShow        = "users_show"
	EndpointUsersList        = "users_list"
	EndpointUserSessions     = "users_sessions"
	EndpointIncrementalUsers = "incremental_users"
	EndpointGroups           = "groups"
	EndpointGroupMemberships = "group_memberships"
	EndpointCustomRoles      = "custom_roles"
	EndpointOAuthToken       = "oauth_token"
	EndpointAPITokens        = "api_tokens"
	EndpointOAuthClients     = "oauth_clients"
	EndpointOAuthTokens      = "oauth_tokens"
	EndpointOAuthTokenRevoke = "oauth_token_revoke"
	EndpointAppInstallations = "app_installations"
	EndpointTicketsShow      = "tickets_show"
	EndpointTicketsUpdate    = "tickets_update"
	EndpointUsersShowMany    = "users_show_many"
	EndpointUsersUpdateMany  = "users_update_many"
	EndpointJobStatus        = "job_status"
)

// Defaults applied by New.
const (
	DefaultTimeout           = 30 * time.Second
	DefaultRequestsPerMinute = 200 // the lowest plan's account limit
	DefaultMaxRetries        = 5
	DefaultMaxBackoff        = 30 * time.Second
	// MaxExportPageSize is the largest per_page of the incremental export.
	MaxExportPageSize = 1000
	// listPageSize is the largest page[size] of cursor-paginated lists.
	listPageSize = 100
	// MaxCommentBodyBytes is the longest comment body AddInternalNote
	// sends, in bytes of UTF-8. Zendesk's API reference documents no size
	// for a comment body (only at most 5,000 comments per ticket); an
	// answer on Zendesk's community forum puts it at about 65,000
	// characters depending on encoding and markup, so 64 KiB is the
	// practical limit. A longer body is refused before sending, not left
	// for Zendesk to cut or refuse.
	MaxCommentBodyBytes = 64 << 10
)

// Config configures a Client. Zero values get the documented defaults.
type Config struct {
	// BaseURL is the account URL, e.g. https://acme.zendesk.com, without
	// /api/v2.
	BaseURL string
	// HTTPClient sends every request, including OAuth token requests.
	// Default: a client with a 30 s timeout.
	HTTPClient *http.Client
	Auth       Auth
	// RequestsPerMinute is the client-side budget. Default 200.
	RequestsPerMinute int
	// MaxRetries bounds retries per call. 0 means 5; negative disables
	// retries.
	MaxRetries int
	// MaxBackoff caps one backoff delay (not a Retry-After). Default 30 s.
	MaxBackoff time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Observe, if set, is called once per HTTP attempt with the endpoint
	// name, the status (0 for a transport error) and the duration.
	Observe func(endpoint string, status int, d time.Duration)

	// Now and Sleep replace the clock behind the rate budget, rate-limit
	// holds and retry waits, so tests can run Retry-After and backoff
	// without real waiting. Sleep must return ctx.Err() when ctx ends
	// first. Defaults: time.Now and a timer.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client calls the Zendesk Support API. It is safe for concurrent use.
type Client struct {
	baseURL    *url.URL
	hc         *http.Client
	auth       authorizer
	limiter    *rate.Limiter
	maxRetries int
	maxBackoff time.Duration
	log        *slog.Logger
	observeFn  func(string, int, time.Duration)
	now        func() time.Time
	sleep      func(context.Context, time.Duration) error

	mu    sync.Mutex
	holds map[string]time.Time // hold key -> no requests before
}

// New validates cfg and returns a Client. With APIToken auth it logs one
// warning about the API token retirement.
func New(cfg Config) (*Client, error) {
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.Auth == nil {
		return nil, errors.New("zendesk: Config.Auth is required")
	}
	c := &Client{
		baseURL:    base,
		hc:         cfg.HTTPClient,
		maxRetries: cfg.MaxRetries,
		maxBackoff: cfg.MaxBackoff,
		log:        cfg.Logger,
		observeFn:  cfg.Observe,
		now:        cfg.Now,
		sleep:      cfg.Sleep,
		holds:      make(map[string]time.Time),
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: DefaultTimeout}
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
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = apiclient.Sleep
	}
	rpm := cfg.RequestsPerMinute
	if rpm <= 0 {
		rpm = DefaultRequestsPerMinute
	}
	// A burst of ten seconds' worth lets a short sync start at once while
	// the sustained rate stays within the minute budget.
	c.limiter = rate.NewLimiter(rate.Limit(float64(rpm)/60), max(1, rpm/6))

	c.auth, err = cfg.Auth.newAuthorizer(c)
	if err != nil {
		return nil, err
	}
	if cfg.Auth.isAPIToken() {
		c.log.Warn("zendesk: authenticating with an API token; Zendesk permanently deactivates API tokens on 2027-04-30. " +
			"Switch to an OAuth client: set ZENDESK_OAUTH_CLIENT_ID and ZENDESK_OAUTH_CLIENT_SECRET")
	}
	return c, nil
}

// Format keeps credentials out of any printed form of a Client.
func (c *Client) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "zendesk.Client{base_url: %s}", c.baseURL)
}

func parseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("zendesk: Config.BaseURL is required")
	}
	u, err := apiclient.BaseURL("zendesk", raw)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(u.Path, "/api/v2") {
		return nil, errors.New("zendesk: Config.BaseURL must be the account URL without /api/v2")
	}
	return u, nil
}

func (c *Client) observe(endpoint string, status int, d time.Duration) {
	if c.observeFn != nil {
		c.observeFn(endpoint, status, d)
	}
}

// call describes one API request.
type call struct {
	endpoint string
	method   string
	path     []string // segments after /api/v2
	query    url.Values
	body     []byte
	holdKey  string // defaults to endpoint
}

// do sends a call and decodes a 2xx body into out. Non-2xx statuses
// become *Error.
func (c *Client) do(ctx context.Context, cl call, out any) error {
	_, err := c.doHeader(ctx, cl, out)
	return err
}

// doHeader is do, returning the answer's headers too.
func (c *Client) doHeader(ctx context.Context, cl call, out any) (http.Header, error) {
	u := c.baseURL.JoinPath(append([]string{"api", "v2"}, cl.path...)...)
	u.RawQuery = cl.query.Encode()
	target := u.String()
	build := func(ctx context.Context) (*http.Request, error) {
		var body io.Reader
		if cl.body != nil {
			body = bytes.NewReader(cl.body)
		}
		req, err := http.NewRequestWithContext(ctx, cl.method, target, body)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", "seatwarden-zendesk")
		if cl.body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, nil
	}
	holdKey := cl.holdKey
	if holdKey == "" {
		holdKey = cl.endpoint
	}
	res, err := c.send(ctx, cl.endpoint, holdKey, c.auth, build)
	if err != nil {
		return nil, err
	}
	secret := carriesSecrets(cl.endpoint)
	if res.status < 200 || res.status > 299 {
		body := res.body
		if secret && !isErrorEnvelope(body) {
			// Whatever answered is not one of Zendesk's error bodies, so it
			// could be credential material; the status alone must do.
			body = nil
		}
		return res.header, newStatusError(cl.endpoint, res.status, body, res.retryAfter)
	}
	if out == nil {
		return res.header, nil
	}
	if err := json.Unmarshal(res.body, out); err != nil {
		body := res.body
		if secret {
			body = nil
		}
		return res.header, badResponse(cl.endpoint, res.status, body, err)
	}
	return res.header, nil
}

// Me returns the user the credentials act as.
func (c *Client) Me(ctx context.Context) (User, error) {
	var out struct {
		User *User `json:"user"`
	}
	err := c.do(ctx, call{endpoint: EndpointUsersMe, method: http.MethodGet, path: []string{"users", "me"}}, &out)
	if err != nil {
		return User{}, err
	}
	if out.User == nil {
		return User{}, badResponse(EndpointUsersMe, http.StatusOK, nil, errors.New(`response has no "user"`))
	}
	return *out.User, nil
}

// GetUser returns one user as Zendesk has it now; ErrNotFound when the
// user was deleted.
func (c *Client) GetUser(ctx context.Context, id int64) (User, error) {
	if id <= 0 {
		return User{}, &Error{Kind: ErrInvalid, Endpoint: EndpointUsersShow,
			Description: fmt.Sprintf("user id must be positive, got %d", id)}
	}
	var out struct {
		User *User `json:"user"`
	}
	err := c.do(ctx, call{endpoint: EndpointUsersShow, method: http.MethodGet, path: []string{"users", strconv.FormatInt(id, 10)}}, &out)
	if err != nil {
		return User{}, err
	}
	if out.User == nil {
		return User{}, badResponse(EndpointUsersShow, http.StatusOK, nil, errors.New(`response has no "user"`))
	}
	return *out.User, nil
}

// ExportUsers fetches one page of the cursor-based incremental user
// export. The first request of a sync sets req.StartTime (zero means from
// the beginning); later ones pass the previous page's AfterCursor. Keep
// the last AfterCursor, also when EndOfStream is true: polling with it
// later returns only users changed since.
func (c *Client) ExportUsers(ctx context.Context, req ExportRequest) (UserExportPage, error) {
	perPage := req.PerPage
	switch {
	case perPage < 0:
		return UserExportPage{}, &Error{Kind: ErrInvalid, Endpoint: EndpointIncrementalUsers,
			Description: fmt.Sprintf("per_page must not be negative, got %d", perPage)}
	case perPage == 0 || perPage > MaxExportPageSize:
		perPage = MaxExportPageSize
	}
	q := url.Values{"per_page": {strconv.Itoa(perPage)}}
	if req.Cursor != "" {
		q.Set("cursor", req.Cursor)
	} else {
		start := int64(0)
		if !req.StartTime.IsZero() {
			start = max(req.StartTime.Unix(), 0)
		}
		q.Set("start_time", strconv.FormatInt(start, 10))
	}

	var out struct {
		Users       *[]User `json:"users"`
		AfterCursor *string `json:"after_cursor"`
		EndOfStream *bool   `json:"end_of_stream"`
	}
	err := c.do(ctx, call{
		endpoint: EndpointIncrementalUsers,
		method:   http.MethodGet,
		path:     []string{"incremental", "users", "cursor"},
		query:    q,
	}, &out)
	if err != nil {
		return UserExportPage{}, err
	}
	if out.Users == nil || out.EndOfStream == nil {
		return UserExportPage{}, badResponse(EndpointIncrementalUsers, http.StatusOK, nil,
			errors.New(`response lacks "users" or "end_of_stream"`))
	}
	page := UserExportPage{Users: *out.Users, EndOfStream: *out.EndOfStream}
	if out.AfterCursor != nil {
		page.AfterCursor = *out.AfterCursor
	}
	if !page.EndOfStream && (page.AfterCursor == "" || page.AfterCursor == req.Cursor) {
		return UserExportPage{}, badResponse(EndpointIncrementalUsers, http.StatusOK, nil,
			errors.New("export cursor did not advance"))
	}
	return page, nil
}

// Groups returns every group, following cursor pagination.
func (c *Client) Groups(ctx context.Context) ([]Group, error) {
	return listAll[Group](ctx, c, EndpointGroups, "groups", []string{"groups"})
}

// GroupMemberships returns every group membership, following cursor
// pagination.
func (c *Client) GroupMemberships(ctx context.Context) ([]GroupMembership, error) {
	return listAll[GroupMembership](ctx, c, EndpointGroupMemberships, "group_memberships", []string{"group_memberships"})
}

// listAll follows cursor pagination (page[size], meta.has_more,
// page[after]) and returns every item. Values in extra (filters such as
// all=true) are sent with every page; they cannot override the
// pagination parameters.
func listAll[T any](ctx context.Context, c *Client, endpoint, key string, path []string, extra ...url.Values) ([]T, error) {
	var all []T
	_, err := eachPage(ctx, c, endpoint, key, path, func(items []T) error {
		all = append(all, items...)
		return nil
	}, extra...)
	if err != nil {
		return nil, err
	}
	return all, nil
}

// eachPage follows cursor pagination, handing each page to page as it
// arrives so memory holds one page, and refuses a cursor that does not
// advance, which would otherwise loop forever. It returns how many
// requests it made.
func eachPage[T any](ctx context.Context, c *Client, endpoint, key string, path []string, page func([]T) error, extra ...url.Values) (int, error) {
	seen := map[string]bool{}
	after := ""
	for requests := 1; ; requests++ {
		q := url.Values{}
		for _, vs := range extra {
			for k, v := range vs {
				q[k] = append(q[k], v...)
			}
		}
		q.Set("page[size]", strconv.Itoa(listPageSize))
		q.Del("page[after]")
		if after != "" {
			q.Set("page[after]", after)
		}
		var raw map[string]json.RawMessage
		if err := c.do(ctx, call{endpoint: endpoint, method: http.MethodGet, path: path, query: q}, &raw); err != nil {
			return requests, err
		}
		itemsRaw, ok := raw[key]
		if !ok {
			return requests, badResponse(endpoint, http.StatusOK, nil, fmt.Errorf("response has no %q", key))
		}
		var items []T
		if err := json.Unmarshal(itemsRaw, &items); err != nil {
			return requests, badResponse(endpoint, http.StatusOK, nil, err)
		}
		if err := page(items); err != nil {
			return requests, err
		}

		var meta struct {
			HasMore     bool   `json:"has_more"`
			AfterCursor string `json:"after_cursor"`
		}
		if m, ok := raw["meta"]; ok {
			if err := json.Unmarshal(m, &meta); err != nil {
				return requests, badResponse(endpoint, http.StatusOK, nil, fmt.Errorf("decoding meta: %w", err))
			}
		}
		if !meta.HasMore {
			return requests, nil
		}
		if meta.AfterCursor == "" || seen[meta.AfterCursor] {
			return requests, badResponse(endpoint, http.StatusOK, nil, errors.New("pagination cursor did not advance"))
		}
		seen[meta.AfterCursor] = true
		after = meta.AfterCursor
	}
}

// StaffPage is one page of the account's agents and admins.
type StaffPage struct {
	Users []User
	// After is the next page's cursor; "" after the last page.
	After string
	// At is when Zendesk answered, by its own clock (the Date header);
	// zero when it sent none.
	At time.Time
}

// StaffPage reads one page of the account's agents and admins, custom
// roles and light agents included (GET /api/v2/users?role[]=agent&
// role[]=admin, cursor paged, 100 a page): what a seat snapshot costs
// whatever the number of end users, on the account's ordinary limit.
// after is the previous page's After, "" for the first.
func (c *Client) StaffPage(ctx context.Context, after string) (StaffPage, error) {
	q := url.Values{"role[]": {RoleAgent, RoleAdmin}, "page[size]": {strconv.Itoa(listPageSize)}}
	if after != "" {
		q.Set("page[after]", after)
	}
	var out struct {
		Users *[]User `json:"users"`
		Meta  struct {
			HasMore     bool   `json:"has_more"`
			AfterCursor string `json:"after_cursor"`
		} `json:"meta"`
	}
	h, err := c.doHeader(ctx, call{endpoint: EndpointUsersList, method: http.MethodGet, path: []string{"users"}, query: q}, &out)
	if err != nil {
		return StaffPage{}, err
	}
	if out.Users == nil {
		return StaffPage{}, badResponse(EndpointUsersList, http.StatusOK, nil, errors.New(`response has no "users"`))
	}
	page := StaffPage{Users: *out.Users}
	if out.Meta.HasMore {
		if out.Meta.AfterCursor == "" || out.Meta.AfterCursor == after {
			return StaffPage{}, badResponse(EndpointUsersList, http.StatusOK, nil, errors.New("pagination cursor did not advance"))
		}
		page.After = out.Meta.AfterCursor
	}
	if at, err := http.ParseTime(h.Get("Date")); err == nil {
		page.At = at
	}
	return page, nil
}

// CustomRoles returns the account's custom agent roles. Plans without
// custom roles answer 403 or 404, returned as ErrForbidden or ErrNotFound
// so a caller can tell "not on this plan" from "none defined".
func (c *Client) CustomRoles(ctx context.Context) ([]CustomRole, error) {
	var out struct {
		CustomRoles *[]CustomRole `json:"custom_roles"`
	}
	err := c.do(ctx, call{endpoint: EndpointCustomRoles, method: http.MethodGet, path: []string{"custom_roles"}}, &out)
	if err != nil {
		return nil, err
	}
	if out.CustomRoles == nil {
		return nil, badResponse(EndpointCustomRoles, http.StatusOK, nil, errors.New(`response has no "custom_roles"`))
	}
	return *out.CustomRoles, nil
}

// UpdateUser applies a partial update to one user and returns the user as
// Zendesk stored it.
func (c *Client) UpdateUser(ctx context.Context, id int64, upd UserUpdate) (User, error) {
	if id <= 0 {
		return User{}, &Error{Kind: ErrInvalid, Endpoint: EndpointUsersUpdate,
			Description: fmt.Sprintf("user id must be positive, got %d", id)}
	}
	if upd.CustomRoleID != nil && upd.ClearCustomRole {
		return User{}, &Error{Kind: ErrInvalid, Endpoint: EndpointUsersUpdate,
			Description: "an update cannot both set and clear custom_role_id"}
	}
	if upd.Role != nil && *upd.Role == RoleEndUser && upd.CustomRoleID != nil {
		// Zendesk turns an end user with a custom role into an agent, the
		// opposite of what a downgrade means.
		return User{}, &Error{Kind: ErrInvalid, Endpoint: EndpointUsersUpdate,
			Description: "a downgrade to end-user must not set custom_role_id"}
	}
	body, err := json.Marshal(struct {
		User UserUpdate `json:"user"`
	}{upd})
	if err != nil {
		return User{}, fmt.Errorf("zendesk: %s: encoding body: %w", EndpointUsersUpdate, err)
	}
	idStr := strconv.FormatInt(id, 10)
	var out struct {
		User *User `json:"user"`
	}
	err = c.do(ctx, call{
		endpoint: EndpointUsersUpdate,
		method:   http.MethodPut,
		path:     []string{"users", idStr},
		body:     body,
		// Zendesk limits updates per user profile, so a hold for one user
		// must not stall updates of others.
		holdKey: EndpointUsersUpdate + ":" + idStr,
	}, &out)
	if err != nil {
		return User{}, err
	}
	if out.User == nil {
		return User{}, badResponse(EndpointUsersUpdate, http.StatusOK, nil, errors.New(`response has no "user"`))
	}
	return *out.User, nil
}

// EndSessions signs a user out everywhere: DELETE
// /api/v2/users/{id}/sessions ends every session the user has, and Zendesk
// answers 204 whether there were any or not, so a retried DELETE whose
// first attempt succeeded unseen is harmless. A user that is not there
// yields an error satisfying errors.Is(err, ErrNotFound). Changing a
// user's role does not end their sessions; call this after it when the
// change must take effect at once.
func (c *Client) EndSessions(ctx context.Context, id int64) error {
	if id <= 0 {
		return &Error{Kind: ErrInvalid, Endpoint: EndpointUserSessions,
			Description: fmt.Sprintf("user id must be positive, got %d", id)}
	}
	idStr := strconv.FormatInt(id, 10)
	return c.do(ctx, call{
		endpoint: EndpointUserSessions,
		method:   http.MethodDelete,
		path:     []string{"users", idStr, "sessions"},
		// A hold after one user's 429 must not stall signing out others.
		holdKey: EndpointUserSessions + ":" + idStr,
	}, nil)
}

// GetTicket returns one ticket: GET /api/v2/tickets/{id}, Zendesk's Show
// Ticket, which agents and admins may call with the read or tickets:read
// scope (write and tickets:write alone do not read). A ticket that is not
// there, or was deleted, yields an error satisfying errors.Is(err,
// ErrNotFound); an agent whose role does not let them see the ticket gets
// ErrForbidden. A non-positive id is refused as ErrInvalid without a
// request.
func (c *Client) GetTicket(ctx context.Context, id int64) (Ticket, error) {
	if id <= 0 {
		return Ticket{}, &Error{Kind: ErrInvalid, Endpoint: EndpointTicketsShow,
			Description: fmt.Sprintf("ticket id must be positive, got %d", id)}
	}
	var out struct {
		Ticket *Ticket `json:"ticket"`
	}
	err := c.do(ctx, call{endpoint: EndpointTicketsShow, method: http.MethodGet, path: []string{"tickets", strconv.FormatInt(id, 10)}}, &out)
	if err != nil {
		return Ticket{}, err
	}
	if out.Ticket == nil {
		return Ticket{}, badResponse(EndpointTicketsShow, http.StatusOK, nil, errors.New(`response has no "ticket"`))
	}
	return *out.Ticket, nil
}

// AddInternalNote adds a private comment, an internal note that agents see
// and the requester and CCs do not, to a ticket: PUT
// /api/v2/tickets/{id} with {"ticket":{"comment":{"body":...,"public":false}}},
// Zendesk's Update Ticket. Only agents and admins may call it, with the
// write, tickets or tickets:write scope; the note's author is the user the
// credentials act as. A ticket that is not there, or was deleted, yields
// an error satisfying errors.Is(err, ErrNotFound); a ticket Zendesk will
// not take the comment on (a closed one, one at its 5,000 comments) yields
// ErrInvalid; an agent whose role does not reach the ticket gets
// ErrForbidden. An empty or blank body, a body over MaxCommentBodyBytes
// and a non-positive id are refused as ErrInvalid without a request.
//
// Zendesk has no idempotency key for ticket updates, so the note is not
// idempotent: when a 5xx or a lost answer followed an attempt Zendesk
// carried out, the retry writes the note a second time.
func (c *Client) AddInternalNote(ctx context.Context, ticketID int64, body string) error {
	if ticketID <= 0 {
		return &Error{Kind: ErrInvalid, Endpoint: EndpointTicketsUpdate,
			Description: fmt.Sprintf("ticket id must be positive, got %d", ticketID)}
	}
	if strings.TrimSpace(body) == "" {
		// Whether Zendesk refuses a blank comment or takes the update
		// without one is not documented; either way no note would appear.
		return &Error{Kind: ErrInvalid, Endpoint: EndpointTicketsUpdate,
			Description: "an internal note needs a body"}
	}
	if len(body) > MaxCommentBodyBytes {
		return &Error{Kind: ErrInvalid, Endpoint: EndpointTicketsUpdate,
			Description: fmt.Sprintf("an internal note is at most %d bytes, got %d", MaxCommentBodyBytes, len(body))}
	}
	var upd struct {
		Ticket struct {
			Comment struct {
				Body string `json:"body"`
				// Always sent: left out, the comment takes the
				// visibility the ticket was created with, mostly public.
				Public bool `json:"public"`
			} `json:"comment"`
		} `json:"ticket"`
	}
	upd.Ticket.Comment.Body = body
	payload, err := json.Marshal(upd)
	if err != nil {
		return fmt.Errorf("zendesk: %s: encoding body: %w", EndpointTicketsUpdate, err)
	}
	idStr := strconv.FormatInt(ticketID, 10)
	// The answer is not decoded: a 2xx means Zendesk stored the note, and
	// an unreadable answer must not read as a failure a caller retries.
	return c.do(ctx, call{
		endpoint: EndpointTicketsUpdate,
		method:   http.MethodPut,
		path:     []string{"tickets", idStr},
		body:     payload,
		// Zendesk limits updates per ticket and user, so a hold for one
		// ticket must not stall notes on others.
		holdKey: EndpointTicketsUpdate + ":" + idStr,
	}, nil)
}
