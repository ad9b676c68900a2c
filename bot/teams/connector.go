package teams

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/time/rate"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/internal/pacing"
)

// botFrameworkScope is what the bot's client-credentials token is for.
const botFrameworkScope = "https://api.botframework.com/.default"

// Teams' limits on a bot's calls: 50 a second per app per tenant, and per
// conversation 7 a second, 8 in two, 60 in thirty and 1,800 an hour. A
// bucket of 7 refilled at one every two seconds stays inside all four.
const (
	globalRate        = rate.Limit(50)
	conversationRate  = rate.Limit(0.5)
	conversationBurst = 7
	maxAttempts       = 5
	maxRetryWait      = 30 * time.Second
)

// APIError is a Bot Connector call that failed for good.
type APIError struct {
	Op      string // e.g. "send to conversation"
	Status  int
	Code    string // the error body's code or subCode, e.g. MessageWritesBlocked
	Message string
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("teams: %s: HTTP %d", e.Op, e.Status)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Unwrap makes a person who blocked or removed the bot, or a user the
// bot cannot reach, bot.ErrUnreachable.
func (e *APIError) Unwrap() error {
	if e.Code == "MessageWritesBlocked" || (e.Op == "create conversation" && (e.Status == http.StatusForbidden || e.Status == http.StatusNotFound)) {
		return bot.ErrUnreachable
	}
	return nil
}

// ErrServiceURLRefused: the service URL is not on the allowlist, so the
// bot's token is not sent there.
var ErrServiceURLRefused = errors.New("teams: service URL is not on the allowlist (TEAMS_SERVICE_URLS)")

// connector is the bot's client of the Bot Connector REST API: it
// authenticates with a client-credentials token (x/oauth2 caches it until
// it expires and is safe under concurrent sends), paces each conversation
// and the app, retries 429/412/502/503/504 and token failures, keeps the
// activity ids the API returns, and never sends its token to a service URL
// off the allowlist. msbotbuilder-go's client can do none of that reliably
// (it discards activity ids, panics when the token endpoint is down and
// races on its token cache), so only its schema types are used.
type connector struct {
	http        *http.Client
	tokens      oauth2.TokenSource
	serviceURLs []string
	global      *rate.Limiter
	pacer       *pacing.Pacer
	sleep       func(context.Context, time.Duration) error
	log         *slog.Logger
}

type connectorOptions struct {
	AppID, AppPassword, TokenURL string
	ServiceURLs                  []string
	HTTPClient                   *http.Client
	Now                          func() time.Time
	Sleep                        func(context.Context, time.Duration) error
	Logger                       *slog.Logger
}

func newConnector(o connectorOptions) *connector {
	cc := clientcredentials.Config{
		ClientID:     o.AppID,
		ClientSecret: o.AppPassword,
		TokenURL:     o.TokenURL,
		Scopes:       []string{botFrameworkScope},
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	// The token source outlives any one request, so it fetches on a
	// background context with the bounded client.
	tctx := context.WithValue(context.Background(), oauth2.HTTPClient, o.HTTPClient)
	sleep := o.Sleep
	if sleep == nil {
		sleep = pacing.Sleep
	}
	return &connector{
		http:        o.HTTPClient,
		tokens:      oauth2.ReuseTokenSource(nil, cc.TokenSource(tctx)),
		serviceURLs: o.ServiceURLs,
		global:      rate.NewLimiter(globalRate, int(globalRate)),
		pacer:       pacing.New(conversationRate, conversationBurst, o.Now, sleep),
		sleep:       sleep,
		log:         o.Logger,
	}
}

// allowed reports whether the bot may send its token to serviceURL.
func (c *connector) allowed(serviceURL string) bool {
	u, err := url.Parse(serviceURL)
	if err != nil || u.Host == "" || u.User != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return false
	}
	s := serviceURL
	if !strings.HasSuffix(s, "/") {
		s += "/"
	}
	for _, prefix := range c.serviceURLs {
		if strings.HasPrefix(strings.ToLower(s), strings.ToLower(prefix)) {
			return true
		}
	}
	return false
}

// outgoing is an activity the bot sends. It is the project's own lean
// shape: msbotbuilder-go's schema.Activity writes zero timestamps and
// empty objects into every payload, which count against Teams' 40 KB.
type outgoing struct {
	Type         string                      `json:"type"`
	ID           string                      `json:"id,omitempty"`
	From         *schema.ChannelAccount      `json:"from,omitempty"`
	Recipient    *schema.ChannelAccount      `json:"recipient,omitempty"`
	Conversation *schema.ConversationAccount `json:"conversation,omitempty"`
	ReplyToID    string                      `json:"replyToId,omitempty"`
	Text         string                      `json:"text,omitempty"`
	TextFormat   string                      `json:"textFormat,omitempty"`
	Summary      string                      `json:"summary,omitempty"`
	Attachments  []attachment                `json:"attachments,omitempty"`
	ChannelData  map[string]any              `json:"channelData,omitempty"`
}

type attachment struct {
	ContentType string `json:"contentType"`
	Content     any    `json:"content"`
}

// conversationParams creates a 1:1 conversation with a user.
type conversationParams struct {
	IsGroup     bool                    `json:"isGroup"`
	Bot         schema.ChannelAccount   `json:"bot"`
	Members     []schema.ChannelAccount `json:"members"`
	TenantID    string                  `json:"tenantId,omitempty"`
	ChannelData map[string]any          `json:"channelData,omitempty"`
}

// member is a conversation member as the members API describes one.
type member struct {
	ID                string `json:"id"`
	ObjectID          string `json:"objectId"`
	Name              string `json:"name"`
	Email             string `json:"email"`
	UserPrincipalName string `json:"userPrincipalName"`
	TenantID          string `json:"tenantId"`
	UserRole          string `json:"userRole"`
}

func (m member) address() string {
	return strings.ToLower(strings.TrimSpace(cmp.Or(m.Email, m.UserPrincipalName)))
}

// send posts a new activity into a conversation, or into the thread of
// replyTo when set, and returns its id.
func (c *connector) send(ctx context.Context, serviceURL, conversationID, replyTo string, act outgoing) (string, error) {
	path := "v3/conversations/" + url.PathEscape(conversationID) + "/activities"
	if replyTo != "" {
		path += "/" + url.PathEscape(replyTo)
		act.ReplyToID = replyTo
	}
	var res struct {
		ID string `json:"id"`
	}
	if err := c.call(ctx, "send to conversation", http.MethodPost, serviceURL, path, conversationID, act, &res); err != nil {
		return "", err
	}
	return res.ID, nil
}

// update replaces a posted activity.
func (c *connector) update(ctx context.Context, serviceURL, conversationID, activityID string, act outgoing) error {
	act.ID = activityID
	path := "v3/conversations/" + url.PathEscape(conversationID) + "/activities/" + url.PathEscape(activityID)
	return c.call(ctx, "update activity", http.MethodPut, serviceURL, path, conversationID, act, nil)
}

// createConversation opens (or finds: Teams answers the same id again) the
// bot's 1:1 conversation with a user.
func (c *connector) createConversation(ctx context.Context, serviceURL string, p conversationParams) (string, error) {
	var res schema.ConversationResourceResponse
	if err := c.call(ctx, "create conversation", http.MethodPost, serviceURL, "v3/conversations", "", p, &res); err != nil {
		return "", err
	}
	if res.ID == "" {
		return "", &APIError{Op: "create conversation", Status: http.StatusOK, Message: "no conversation id in the answer"}
	}
	return res.ID, nil
}

// member fetches one member of a conversation (with their email).
func (c *connector) member(ctx context.Context, serviceURL, conversationID, userID string) (member, error) {
	var m member
	path := "v3/conversations/" + url.PathEscape(conversationID) + "/members/" + url.PathEscape(userID)
	err := c.call(ctx, "get member", http.MethodGet, serviceURL, path, "", nil, &m)
	return m, err
}

// pagedMembers fetches one page of a conversation's (or team's) members.
func (c *connector) pagedMembers(ctx context.Context, serviceURL, conversationID, continuation string) ([]member, string, error) {
	q := url.Values{"pageSize": {"500"}}
	if continuation != "" {
		q.Set("continuationToken", continuation)
	}
	var res struct {
		ContinuationToken string   `json:"continuationToken"`
		Members           []member `json:"members"`
	}
	path := "v3/conversations/" + url.PathEscape(conversationID) + "/pagedmembers?" + q.Encode()
	err := c.call(ctx, "get paged members", http.MethodGet, serviceURL, path, "", nil, &res)
	return res.Members, res.ContinuationToken, err
}

// call makes one API call with pacing and retries. conversation, when
// set, is paced per Teams' per-conversation limits.
func (c *connector) call(ctx context.Context, op, method, serviceURL, path, conversation string, body, into any) error {
	if !c.allowed(serviceURL) {
		return fmt.Errorf("%w: %s", ErrServiceURLRefused, serviceURL)
	}
	endpoint := strings.TrimSuffix(serviceURL, "/") + "/" + path
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("teams: %s: %w", op, err)
		}
	}
	var last error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		if conversation != "" {
			if err := c.pacer.Wait(ctx, conversation); err != nil {
				return err
			}
		}
		if err := c.global.Wait(ctx); err != nil {
			return err
		}
		wait, err := c.once(ctx, op, method, endpoint, payload, into)
		if err == nil {
			return nil
		}
		last = err
		if wait < 0 || attempt == maxAttempts {
			break
		}
		if wait == 0 {
			wait = backoff(attempt)
		}
		c.log.Warn("Bot Connector call failed; retrying", slog.String("op", op), slog.Int("attempt", attempt), slog.Duration("wait", wait), slog.Any("error", err))
		if err := c.sleep(ctx, wait); err != nil {
			return last
		}
	}
	return last
}

// once makes one attempt. wait < 0: do not retry; 0: retry after backoff;
// > 0: retry after that long (Retry-After).
func (c *connector) once(ctx context.Context, op, method, endpoint string, payload []byte, into any) (time.Duration, error) {
	tok, err := c.tokens.Token()
	if err != nil {
		return 0, fmt.Errorf("teams: %s: Bot Framework token: %w", op, tokenError(err))
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, endpoint, rd)
	if err != nil {
		return -1, fmt.Errorf("teams: %s: %w", op, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return -1, ctx.Err()
		}
		return 0, fmt.Errorf("teams: %s: %w", op, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if into != nil && len(bytes.TrimSpace(raw)) > 0 {
			if err := json.Unmarshal(raw, into); err != nil {
				return -1, fmt.Errorf("teams: %s: unreadable answer: %w", op, err)
			}
		}
		return 0, nil
	}
	apiErr := &APIError{Op: op, Status: resp.StatusCode}
	apiErr.Code, apiErr.Message = errorBody(raw)
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusPreconditionFailed, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return retryAfter(resp.Header.Get("Retry-After")), apiErr
	}
	return -1, apiErr
}

// errorBody reads the code and message of the Connector's error bodies:
// {"error":{"code","message"}} or Teams' {"errorCode":209,"message":"{\"subCode\":…}"}.
func errorBody(raw []byte) (code, message string) {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
		ErrorCode any    `json:"errorCode"`
		Message   string `json:"message"`
	}
	if json.Unmarshal(raw, &e) != nil {
		return "", strings.TrimSpace(string(raw[:min(len(raw), 200)]))
	}
	if e.Error.Code != "" || e.Error.Message != "" {
		return e.Error.Code, e.Error.Message
	}
	var inner struct {
		SubCode string `json:"subCode"`
	}
	if json.Unmarshal([]byte(e.Message), &inner) == nil && inner.SubCode != "" {
		return inner.SubCode, e.Message
	}
	return "", e.Message
}

// tokenError keeps the token endpoint's verdict but not its body, which
// can echo request parameters.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorCode != "" {
			return fmt.Errorf("token endpoint refused: %s (HTTP %d)", re.ErrorCode, re.Response.StatusCode)
		}
		return fmt.Errorf("token endpoint answered HTTP %d", re.Response.StatusCode)
	}
	return err
}

func retryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return min(max(time.Duration(s)*time.Second, time.Second), maxRetryWait)
	}
	return 0
}

// backoff is capped exponential backoff with full jitter.
func backoff(attempt int) time.Duration {
	ceiling := min(time.Duration(1<<attempt)*250*time.Millisecond, 8*time.Second)
	return ceiling/2 + rand.N(ceiling/2+1)
}
