// Package slacktest emulates the parts of the Slack Web API that seatwarden
// calls, over real HTTP, for tests and for the demo. It answers at
// <base>/api/<method> the way github.com/slack-go/slack calls it (form or
// JSON bodies, token as a bearer header or a form field), keeps Slack's
// response shapes and error codes, validates Block Kit payloads against the
// documented limits (limits.go), issues trigger_ids and response_urls with
// Slack's lifetimes and budgets, answers 429 with Retry-After, and records
// every call, message, response_url post and view for assertions.
//
// Point slack-go at it with
//
//	api := slack.New(slacktest.DefaultBotToken, slack.OptionAPIURL(s.APIURL()))
package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults for the emulated workspace and app.
const (
	DefaultBotToken  = "xoxb-slacktest-token"
	DefaultTeamID    = "T0SLACKTST"
	DefaultTeamName  = "Slacktest Workspace"
	DefaultBotUserID = "U0SLACKBOT"
	DefaultBotID     = "B0SLACKBOT"
	DefaultBotName   = "seatwarden"
	DefaultAppID     = "A0SLACKAPP"
)

// AllMethods makes InjectRateLimit affect every method.
const AllMethods = "*"

// User is a workspace member as users.info and users.lookupByEmail see it.
type User struct {
	ID       string // "U…" or "W…"
	Name     string // the handle
	RealName string
	Email    string
	Deleted  bool // deactivated: users.lookupByEmail no longer finds them
	IsBot    bool
	TZ       string // IANA zone, e.g. "Europe/Berlin"
}

// Call is one request to a Web API method, as received.
type Call struct {
	Method string
	// Params holds the request's arguments flattened to strings: form and
	// query values as sent, JSON values as their JSON text unless they are
	// strings (so "blocks" and "view" are JSON either way). The token is
	// left out.
	Params map[string]string
	Body   []byte
	At     time.Time
	// Status is the HTTP status answered: 200, 429 when rate limited, 404
	// for an unknown method.
	Status int
	// Error is the error code answered ("ratelimited", "invalid_blocks"),
	// empty when the call succeeded.
	Error string
}

// Message is a message's current state, after any chat.update or
// replace_original.
type Message struct {
	Channel  string
	TS       string
	ThreadTS string
	Text     string
	Blocks   json.RawMessage // compact JSON array; nil when the message has none
	// Ephemeral messages are seen by one user only and cannot be changed
	// with chat.update.
	Ephemeral bool
	// User is who the message is for when Ephemeral; otherwise who posted
	// it (the bot's user id for everything the app posted).
	User    string
	Updated int // times the content was replaced
	// Metadata is the message metadata it was posted with (event_type and
	// event_payload), compact JSON; nil when none.
	Metadata json.RawMessage
}

// Option configures a Server.
type Option func(*Server)

// WithBotToken sets the only token the Web API accepts (default
// DefaultBotToken).
func WithBotToken(token string) Option {
	return func(s *Server) { s.token = token }
}

// WithTeam sets the workspace's id and name.
func WithTeam(id, name string) Option {
	return func(s *Server) { s.teamID, s.teamName = id, name }
}

// WithBotUser sets the app's bot user id, bot id and handle, which
// auth.test reports and posted messages carry.
func WithBotUser(userID, botID, name string) Option {
	return func(s *Server) { s.botUserID, s.botID, s.botName = userID, botID, name }
}

// WithUser adds a workspace member.
func WithUser(u User) Option {
	return func(s *Server) { s.pendingUsers = append(s.pendingUsers, u) }
}

// WithRateLimit answers 429 once a method is called more than perMinute
// times in a one-minute window on the emulator clock. 0 means unlimited
// and overrides WithTierRateLimits for that method.
func WithRateLimit(method string, perMinute int) Option {
	return func(s *Server) { s.perMinute[method] = max(perMinute, 0) }
}

// WithTierRateLimits applies Slack's rate-limit model: the minimum of each
// method's documented tier (see tierLimits), and chat.postMessage's
// special limits, about one message a second per channel with short
// bursts (WithChannelPacing at 1 a second, bursts of DefaultChannelBurst)
// and a workspace-wide limit of several hundred a minute
// (WithWorkspacePosting at DefaultWorkspacePostsPerMinute, bursts of
// DefaultWorkspacePostBurst). WithRateLimit still overrides a method's
// tier.
func WithTierRateLimits() Option {
	return func(s *Server) {
		s.tiers = true
		if s.channelRate == 0 {
			s.channelRate, s.channelBurst = 1, DefaultChannelBurst
		}
		if s.workspaceRate == 0 {
			s.workspaceRate, s.workspaceBurst = DefaultWorkspacePostsPerMinute/60.0, DefaultWorkspacePostBurst
		}
	}
}

// DefaultChannelBurst is how many posts to one channel WithTierRateLimits
// lets through at once before the one-a-second pacing applies: Slack says
// short bursts are tolerated without a number; this keeps them short.
const DefaultChannelBurst = 3

// chat.postMessage's workspace-wide limit as WithTierRateLimits models it.
// Slack documents "several hundred messages per minute" with "generous
// burst behavior" and no numbers; the model takes the low end, 300 a
// minute, and bursts of 30 (six seconds' worth).
const (
	DefaultWorkspacePostsPerMinute = 300
	DefaultWorkspacePostBurst      = 30
)

// WithWorkspacePosting answers chat.postMessage with 429 once the app has
// posted more than burst messages across the workspace with perMinute
// more allowed each minute (a token bucket on the emulator clock), as
// Slack limits an app's posting workspace-wide besides per channel.
func WithWorkspacePosting(perMinute float64, burst int) Option {
	return func(s *Server) { s.workspaceRate, s.workspaceBurst = perMinute/60, max(burst, 1) }
}

// WithChannelPacing answers chat.postMessage with 429 once a channel has
// had more than burst posts with perSecond more allowed each second (a
// token bucket per channel, on the emulator clock), as Slack paces posts
// per channel; the bot's own pacer must keep below it.
func WithChannelPacing(perSecond float64, burst int) Option {
	return func(s *Server) { s.channelRate, s.channelBurst = perSecond, max(burst, 1) }
}

// WithClock sets the emulator's clock (default time.Now). Advance moves it
// further.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.clock = now }
}

// Server is a running emulator. Call Close when done. It is safe for
// concurrent use.
type Server struct {
	*httptest.Server

	clockMu sync.Mutex
	clock   func() time.Time
	offset  time.Duration

	// Set by options before the server starts; read-only afterwards.
	token        string
	teamID       string
	teamName     string
	botUserID    string
	botID        string
	botName      string
	perMinute    map[string]int
	tiers        bool
	channelRate  float64 // posts a second per channel; 0: unpaced
	channelBurst int
	// workspaceRate is chat.postMessage's posts a second across the
	// workspace; 0: unlimited.
	workspaceRate  float64
	workspaceBurst int
	pendingUsers   []User

	mu sync.Mutex
	// changed is closed and replaced whenever recorded state changes, to
	// wake waiters.
	changed      chan struct{}
	users        map[string]User
	calls        []Call
	messages     []*Message            // post order, across channels
	byChannel    map[string][]*Message // the same, per channel, for lookups
	lastTS       int64                 // microseconds of the last issued ts, to keep ts unique
	dms          map[string]string     // sorted member ids joined by "," -> conversation id
	dmMembers    map[string][]string   // conversation id -> member ids
	triggers     map[string]*trigger
	views        []*View
	files        []*File
	responseURLs map[string]*responseURL // path -> state
	posts        []ResponseURLPost
	windows      map[string]*rateWindow
	buckets      map[string]*bucket // channel -> its posting allowance
	workspace    *bucket            // the workspace's posting allowance
	injected     map[string][]*injection
	periodic     map[string]*periodicInjection
	seq          int // for ids

	sockets sockets
}

// bucket is a channel's allowance of posts: tokens refill at the pacing
// rate up to the burst.
type bucket struct {
	tokens float64
	at     time.Time
}

type rateWindow struct {
	start time.Time
	count int
}

type injection struct {
	retryAfter time.Duration
	remaining  int
}

type periodicInjection struct {
	retryAfter time.Duration
	every      int
	calls      int
}

// NewServer starts an emulator.
func NewServer(opts ...Option) *Server {
	s := &Server{
		clock:        time.Now,
		token:        DefaultBotToken,
		teamID:       DefaultTeamID,
		teamName:     DefaultTeamName,
		botUserID:    DefaultBotUserID,
		botID:        DefaultBotID,
		botName:      DefaultBotName,
		perMinute:    map[string]int{},
		changed:      make(chan struct{}),
		users:        map[string]User{},
		dms:          map[string]string{},
		dmMembers:    map[string][]string{},
		triggers:     map[string]*trigger{},
		responseURLs: map[string]*responseURL{},
		windows:      map[string]*rateWindow{},
		buckets:      map[string]*bucket{},
		injected:     map[string][]*injection{},
		periodic:     map[string]*periodicInjection{},
	}
	for _, o := range opts {
		o(s)
	}
	s.sockets.init()
	if s.tiers {
		for method, n := range tierLimits() {
			if _, set := s.perMinute[method]; !set {
				s.perMinute[method] = n
			}
		}
	}
	s.users[s.botUserID] = User{ID: s.botUserID, Name: s.botName, RealName: s.botName, IsBot: true}
	for _, u := range s.pendingUsers {
		s.addUserLocked(u)
	}
	s.pendingUsers = nil

	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("/actions/", s.serveResponseURL)
	mux.HandleFunc("POST /upload/v1/{id}", s.serveUpload)
	mux.HandleFunc("GET /link/", s.serveSocket)
	s.Server = httptest.NewServer(mux)
	return s
}

// APIURL is the base URL to pass to slack.OptionAPIURL; it ends in "/"
// because slack-go appends the method name to it.
func (s *Server) APIURL() string { return s.URL + "/api/" }

// TeamID is the emulated workspace's id.
func (s *Server) TeamID() string { return s.teamID }

// BotUserID is the app's bot user id.
func (s *Server) BotUserID() string { return s.botUserID }

// Now is the emulator's current time.
func (s *Server) Now() time.Time {
	s.clockMu.Lock()
	defer s.clockMu.Unlock()
	return s.clock().Add(s.offset)
}

// Advance moves the emulator clock forward by d.
func (s *Server) Advance(d time.Duration) {
	s.clockMu.Lock()
	defer s.clockMu.Unlock()
	s.offset += d
}

// AddUser adds a workspace member, or replaces the one with the same id
// (e.g. to deactivate them). It panics on an empty id.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUserLocked(u)
}

func (s *Server) addUserLocked(u User) {
	if u.ID == "" {
		panic("slacktest: user without an ID")
	}
	s.users[u.ID] = u
}

// InjectRateLimit makes the next times calls to method (or to every
// method, with AllMethods) answer HTTP 429 with Retry-After set to
// retryAfter, rounded up to whole seconds as Slack sends it.
func (s *Server) InjectRateLimit(method string, retryAfter time.Duration, times int) {
	if times <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.injected[method] = append(s.injected[method], &injection{retryAfter: retryAfter, remaining: times})
}

// InjectRateLimitEvery makes every every-th call to method (or to any
// method, with AllMethods) from now on answer HTTP 429 with Retry-After
// set to retryAfter, rounded up to whole seconds as Slack sends it: a
// steady share of refusals, as a busy workspace gives. Calls refused by
// InjectRateLimit do not count. every <= 0 stops it.
func (s *Server) InjectRateLimitEvery(method string, retryAfter time.Duration, every int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if every <= 0 {
		delete(s.periodic, method)
		return
	}
	s.periodic[method] = &periodicInjection{retryAfter: retryAfter, every: every}
}

// Calls returns the requests received for method, oldest first, including
// rejected and rate-limited ones; "" returns every call.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			c.Params = maps.Clone(c.Params)
			c.Body = slices.Clone(c.Body)
			out = append(out, c)
		}
	}
	return out
}

// Messages returns the current messages in a channel in post order,
// ephemeral ones included and deleted ones left out; "" returns every
// channel's.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesLocked(channel)
}

func (s *Server) messagesLocked(channel string) []Message {
	in := s.messages
	if channel != "" {
		in = s.byChannel[channel]
	}
	out := make([]Message, 0, len(in))
	for _, m := range in {
		out = append(out, cloneMessage(*m))
	}
	return out
}

// Replies returns the replies in the thread of the message parentTS in
// channel (those posted with its ts as thread_ts), in post order, without
// the parent itself.
func (s *Server) Replies(channel, parentTS string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.byChannel[channel] {
		if m.ThreadTS == parentTS && m.TS != parentTS {
			out = append(out, cloneMessage(*m))
		}
	}
	return out
}

// PostUserMessage records a message a person wrote, e.g. the one a bot
// later answers in a thread. The bot cannot chat.update it.
func (s *Server) PostUserMessage(channel, user, text string) Message {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &Message{Channel: channel, TS: s.nextTS(now), Text: text, User: user}
	s.addMessageLocked(m)
	s.notify()
	return cloneMessage(*m)
}

// WaitUntil returns nil once cond holds, checking it now and after every
// change to the recorded state (calls, messages, views, response_url
// posts), or ctx's error when ctx ends first. cond runs without the
// server's lock, so it may call the Server.
func (s *Server) WaitUntil(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitForMessage returns the first message in channel ("" for any) that
// satisfies pred (nil for any), waiting for one to be posted or updated
// until ctx ends.
func (s *Server) WaitForMessage(ctx context.Context, channel string, pred func(Message) bool) (Message, error) {
	var found Message
	err := s.WaitUntil(ctx, func() bool {
		for _, m := range s.Messages(channel) {
			if pred == nil || pred(m) {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		return Message{}, fmt.Errorf("slacktest: no matching message in channel %q: %w", channel, err)
	}
	return found, nil
}

// notify wakes waiters; callers hold s.mu.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// nextTS issues a message timestamp from the clock, unique within the
// server as Slack's are within a channel; callers hold s.mu.
func (s *Server) nextTS(now time.Time) string {
	micros := max(now.UnixMicro(), s.lastTS+1)
	s.lastTS = micros
	return fmt.Sprintf("%d.%06d", micros/1e6, micros%1e6)
}

// nextID issues an id like Slack's: a type letter and upper-case
// alphanumerics; callers hold s.mu.
func (s *Server) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%08X", prefix, s.seq)
}

// findMessageLocked finds a channel's message by ts, newest first: the
// messages updated are most often recent ones.
func (s *Server) findMessageLocked(channel, ts string) *Message {
	for _, m := range slices.Backward(s.byChannel[channel]) {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

// addMessageLocked records a posted message.
func (s *Server) addMessageLocked(m *Message) {
	s.messages = append(s.messages, m)
	if s.byChannel == nil {
		s.byChannel = map[string][]*Message{}
	}
	s.byChannel[m.Channel] = append(s.byChannel[m.Channel], m)
}

// deleteMessageLocked forgets a deleted message.
func (s *Server) deleteMessageLocked(m *Message) {
	gone := func(x *Message) bool { return x == m }
	s.messages = slices.DeleteFunc(s.messages, gone)
	s.byChannel[m.Channel] = slices.DeleteFunc(s.byChannel[m.Channel], gone)
}

func cloneMessage(m Message) Message {
	m.Blocks = slices.Clone(m.Blocks)
	m.Metadata = slices.Clone(m.Metadata)
	return m
}

// domain is the workspace's subdomain as auth.test reports it.
func (s *Server) domain() string {
	var b strings.Builder
	for _, r := range strings.ToLower(s.teamName) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return strings.ToLower(s.teamID)
	}
	return b.String()
}
