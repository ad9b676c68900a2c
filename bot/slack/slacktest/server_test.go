package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/slack-go/slack"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

const (
	alice = "U0ALICE01"
	bob   = "U0BOB0001"
	gone  = "U0GONE001"
)

// newTestServer starts a server frozen at t0 (Advance moves it) with
// three members, one of them deactivated.
func newTestServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	base := []Option{
		WithClock(func() time.Time { return t0 }),
		WithUser(User{ID: alice, Name: "alice", RealName: "Alice Liddell", Email: "alice@example.com", TZ: "Europe/Berlin"}),
		WithUser(User{ID: bob, Name: "bob", RealName: "Bob Builder", Email: "bob@example.com"}),
		WithUser(User{ID: gone, Name: "gone", RealName: "Gone Person", Email: "gone@example.com", Deleted: true}),
	}
	s := NewServer(append(base, opts...)...)
	t.Cleanup(s.Close)
	return s
}

func newClient(s *Server) *slack.Client {
	return slack.New(DefaultBotToken, slack.OptionAPIURL(s.APIURL()))
}

// errCode is the Slack error code in err, "" for nil, or err's text for
// errors that are not Slack API errors.
func errCode(err error) string {
	if err == nil {
		return ""
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return err.Error()
}

// errMessages is response_metadata.messages of a Slack API error.
func errMessages(err error) []string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.ResponseMetadata.Messages
	}
	return nil
}

// rawCall posts a request to a Web API method without slack-go.
func rawCall(t *testing.T, s *Server, method, contentType, auth, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.APIURL()+method, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: body is not JSON: %v\n%s", method, err, raw)
	}
	return resp.StatusCode, out
}

func TestAuthTest(t *testing.T) {
	s := newTestServer(t,
		WithBotToken("xoxb-1-custom"),
		WithTeam("T0ACME0001", "Acme Corp"),
		WithBotUser("U0WARDEN1", "B0WARDEN1", "warden"),
	)
	tests := []struct {
		name    string
		token   string
		want    *slack.AuthTestResponse
		wantErr string
	}{
		{
			name:  "configured token",
			token: "xoxb-1-custom",
			want: &slack.AuthTestResponse{
				URL: "https://acmecorp.slack.com/", Team: "Acme Corp", User: "warden",
				TeamID: "T0ACME0001", UserID: "U0WARDEN1", BotID: "B0WARDEN1",
			},
		},
		{name: "wrong token", token: "xoxb-other", wantErr: "invalid_auth"},
		{name: "no token", token: "", wantErr: "not_authed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := slack.New(tt.token, slack.OptionAPIURL(s.APIURL()))
			got, err := api.AuthTestContext(t.Context())
			if errCode(err) != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(slack.AuthTestResponse{}, "Header")); diff != "" {
				t.Errorf("auth.test (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequestParsingAndAuth(t *testing.T) {
	s := newTestServer(t)
	bearer := "Bearer " + DefaultBotToken
	tests := []struct {
		name        string
		method      string
		contentType string
		auth        string
		body        string
		wantStatus  int
		wantErr     string // "" means ok:true
	}{
		{"form token", "auth.test", "application/x-www-form-urlencoded", "", "token=" + DefaultBotToken, 200, ""},
		{"bearer header with form", "auth.test", "application/x-www-form-urlencoded", bearer, "a=b", 200, ""},
		{"bearer header with JSON", "auth.test", "application/json; charset=utf-8", bearer, `{}`, 200, ""},
		{"JSON body cannot carry the token", "auth.test", "application/json", "", `{"token":"` + DefaultBotToken + `"}`, 200, "not_authed"},
		{"basic auth is a bad credential", "auth.test", "application/x-www-form-urlencoded", "Basic eDp5", "a=b", 200, "invalid_auth"},
		{"wrong bearer", "auth.test", "application/json", "Bearer xoxb-nope", `{}`, 200, "invalid_auth"},
		{"body without content type", "auth.test", "", bearer, "a=b", 200, "missing_post_type"},
		{"unsupported content type", "auth.test", "application/xml", bearer, "<a/>", 200, "invalid_post_type"},
		{"bad charset", "auth.test", "application/json; charset=koi8-r", bearer, `{}`, 200, "invalid_charset"},
		{"malformed JSON", "auth.test", "application/json", bearer, `{"a":`, 200, "invalid_json"},
		{"unknown method", "chat.frobnicate", "application/json", bearer, `{}`, 404, "unknown_method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := rawCall(t, s, tt.method, tt.contentType, tt.auth, tt.body)
			if status != tt.wantStatus {
				t.Errorf("status = %d, want %d", status, tt.wantStatus)
			}
			wantOK := tt.wantErr == ""
			if body["ok"] != wantOK || (!wantOK && body["error"] != tt.wantErr) {
				t.Errorf("body = %v, want ok=%v error=%q", body, wantOK, tt.wantErr)
			}
		})
	}
}

func TestUsersInfo(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	tests := []struct {
		name    string
		user    string
		want    func(u *slack.User) []any // fields to compare, in order
		wantVal []any
		wantErr string
	}{
		{
			name: "member",
			user: alice,
			want: func(u *slack.User) []any {
				return []any{u.ID, u.TeamID, u.Name, u.RealName, u.Profile.Email, u.TZ, u.TZOffset, u.Deleted, u.IsBot}
			},
			wantVal: []any{alice, DefaultTeamID, "alice", "Alice Liddell", "alice@example.com", "Europe/Berlin", 3600, false, false},
		},
		{
			name:    "deactivated member is still found",
			user:    gone,
			want:    func(u *slack.User) []any { return []any{u.ID, u.Deleted} },
			wantVal: []any{gone, true},
		},
		{
			name:    "the bot itself",
			user:    DefaultBotUserID,
			want:    func(u *slack.User) []any { return []any{u.Name, u.IsBot, u.Profile.BotID} },
			wantVal: []any{DefaultBotName, true, DefaultBotID},
		},
		{name: "unknown", user: "U0NOBODY1", wantErr: "user_not_found"},
		{name: "empty", user: "", wantErr: "invalid_arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := api.GetUserInfoContext(t.Context(), tt.user)
			if errCode(err) != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if tt.want == nil {
				return
			}
			if diff := cmp.Diff(tt.wantVal, tt.want(u)); diff != "" {
				t.Errorf("user fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUsersLookupByEmail(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	s.AddUser(User{ID: "U0CAROL01", Name: "carol", Email: "carol@example.com"})
	// Deactivating bob after start must hide him, as in Slack.
	s.AddUser(User{ID: bob, Name: "bob", Email: "bob@example.com", Deleted: true})

	tests := []struct {
		email   string
		wantID  string
		wantErr string
	}{
		{email: "alice@example.com", wantID: alice},
		{email: "ALICE@Example.com", wantID: alice},
		{email: "carol@example.com", wantID: "U0CAROL01"},
		{email: "nobody@example.com", wantErr: "users_not_found"},
		{email: "gone@example.com", wantErr: "users_not_found"},
		{email: "bob@example.com", wantErr: "users_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			u, err := api.GetUserByEmailContext(t.Context(), tt.email)
			if errCode(err) != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if err == nil && u.ID != tt.wantID {
				t.Errorf("id = %q, want %q", u.ID, tt.wantID)
			}
		})
	}
}

func TestConversationsOpen(t *testing.T) {
	s := newTestServer(t, WithUser(User{ID: "U0CAROL01", Name: "carol"}))
	api := newClient(s)
	open := func(users ...string) (*slack.Channel, bool, error) {
		ch, _, already, err := api.OpenConversationContext(t.Context(), &slack.OpenConversationParameters{Users: users})
		return ch, already, err
	}

	dmAlice, already, err := open(alice)
	if err != nil || already || !strings.HasPrefix(dmAlice.ID, "D") {
		t.Fatalf("first open = %+v, already_open=%v, %v; want a new D… id", dmAlice, already, err)
	}
	again, already, err := open(alice)
	if err != nil || !already || again.ID != dmAlice.ID {
		t.Fatalf("second open = %q, already_open=%v, %v; want %q, true", again.ID, already, err, dmAlice.ID)
	}
	dmBob, _, err := open(bob)
	if err != nil || dmBob.ID == dmAlice.ID {
		t.Fatalf("open(bob) = %q, %v; want an id other than %q", dmBob.ID, err, dmAlice.ID)
	}
	mpim1, _, err := open(alice, bob)
	if err != nil || !strings.HasPrefix(mpim1.ID, "G") {
		t.Fatalf("open(alice, bob) = %q, %v; want a G… id", mpim1.ID, err)
	}
	mpim2, _, err := open(bob, alice)
	if err != nil || mpim2.ID != mpim1.ID {
		t.Fatalf("open(bob, alice) = %q, %v; want the same id %q", mpim2.ID, err, mpim1.ID)
	}

	full, _, _, err := api.OpenConversationContext(t.Context(), &slack.OpenConversationParameters{Users: []string{alice}, ReturnIM: true})
	if err != nil || full.ID != dmAlice.ID || !full.IsIM || full.User != alice {
		t.Fatalf("return_im = %+v, %v; want the full IM object for %s", full, err, alice)
	}
	resumed, _, already, err := api.OpenConversationContext(t.Context(), &slack.OpenConversationParameters{ChannelID: dmAlice.ID})
	if err != nil || resumed.ID != dmAlice.ID || !already {
		t.Fatalf("resume by channel = %+v, already_open=%v, %v", resumed, already, err)
	}
	if _, _, _, err := api.OpenConversationContext(t.Context(), &slack.OpenConversationParameters{ChannelID: "D0NOTOPEN"}); errCode(err) != "channel_not_found" {
		t.Errorf("resume unknown channel: err = %v, want channel_not_found", err)
	}

	nine := []string{alice, bob, "U0CAROL01", "U1", "U2", "U3", "U4", "U5", "U6"}
	errTests := []struct {
		name    string
		users   []string
		wantErr string
	}{
		{"unknown user", []string{"U0NOBODY1"}, "user_not_found"},
		{"deactivated user", []string{gone}, "user_disabled"},
		{"too many users", nine, "too_many_users"},
		{"no users", nil, "users_list_not_supplied"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := open(tt.users...); errCode(err) != tt.wantErr {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestInjectedRateLimit(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	s.InjectRateLimit("chat.postMessage", 1500*time.Millisecond, 2)

	for i := range 2 {
		_, _, err := api.PostMessageContext(t.Context(), "C0GENERAL", slack.MsgOptionText("hi", false))
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) {
			t.Fatalf("call %d: err = %v, want *slack.RateLimitedError", i, err)
		}
		if rl.RetryAfter != 2*time.Second {
			t.Errorf("call %d: RetryAfter = %v, want 2s (rounded up)", i, rl.RetryAfter)
		}
	}
	// Other methods are unaffected, and the injection runs out.
	if _, err := api.AuthTestContext(t.Context()); err != nil {
		t.Fatalf("auth.test during chat.postMessage limit: %v", err)
	}
	if _, _, err := api.PostMessageContext(t.Context(), "C0GENERAL", slack.MsgOptionText("hi", false)); err != nil {
		t.Fatalf("third post: %v", err)
	}
	if got := len(s.Calls("chat.postMessage")); got != 3 {
		t.Errorf("recorded %d chat.postMessage calls, want 3 (rate-limited ones included)", got)
	}
	if got := len(s.Messages("C0GENERAL")); got != 1 {
		t.Errorf("%d messages recorded, want 1", got)
	}

	s.InjectRateLimit(AllMethods, 30*time.Second, 1)
	_, err := api.AuthTestContext(t.Context())
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 30*time.Second {
		t.Fatalf("AllMethods injection: err = %v, want RateLimitedError{30s}", err)
	}
}

// TestInjectedRateLimitEvery: every n-th call is refused, before the
// method runs, so a refused chat.postMessage posts nothing.
func TestInjectedRateLimitEvery(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	s.InjectRateLimitEvery("chat.postMessage", 500*time.Millisecond, 3)
	s.InjectRateLimit("chat.postMessage", time.Second, 1) // refused first, not counted

	var refused []int
	for i := range 7 {
		_, _, err := api.PostMessageContext(t.Context(), "C0GENERAL", slack.MsgOptionText("hi", false))
		var rl *slack.RateLimitedError
		switch {
		case errors.As(err, &rl):
			if rl.RetryAfter != time.Second {
				t.Errorf("call %d: RetryAfter = %v, want 1s (rounded up)", i, rl.RetryAfter)
			}
			refused = append(refused, i)
		case err != nil:
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if diff := cmp.Diff([]int{0, 3, 6}, refused); diff != "" {
		t.Errorf("refused calls (-want +got):\n%s", diff)
	}
	if got := len(s.Messages("C0GENERAL")); got != 4 {
		t.Errorf("%d messages recorded, want 4 (one per accepted call)", got)
	}
	var answered []string
	for _, c := range s.Calls("chat.postMessage") {
		answered = append(answered, fmt.Sprint(c.Status, " ", c.Error))
	}
	if diff := cmp.Diff([]string{"429 ratelimited", "200 ", "200 ", "429 ratelimited", "200 ", "200 ", "429 ratelimited"}, answered); diff != "" {
		t.Errorf("calls' answers (-want +got):\n%s", diff)
	}
	if _, err := api.AuthTestContext(t.Context()); err != nil {
		t.Errorf("auth.test is not chat.postMessage: %v", err)
	}

	s.InjectRateLimitEvery("chat.postMessage", 0, 0)
	for i := range 3 {
		if _, _, err := api.PostMessageContext(t.Context(), "C0GENERAL", slack.MsgOptionText("hi", false)); err != nil {
			t.Fatalf("call %d after stopping: %v", i, err)
		}
	}

	s.InjectRateLimitEvery(AllMethods, 0, 2)
	_, err1 := api.AuthTestContext(t.Context())
	_, err2 := api.GetUserInfoContext(t.Context(), alice)
	var rl *slack.RateLimitedError
	if err1 != nil || !errors.As(err2, &rl) || rl.RetryAfter != 0 {
		t.Errorf("AllMethods every 2: %v, %v; want the second call refused with Retry-After 0", err1, err2)
	}
}

func TestDMChannel(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	if id, ok := s.DMChannel(alice); ok {
		t.Fatalf("DMChannel before any DM = %q", id)
	}
	ch, _, _, err := api.OpenConversationContext(t.Context(), &slack.OpenConversationParameters{Users: []string{alice}})
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := s.DMChannel(alice); !ok || id != ch.ID {
		t.Errorf("DMChannel(alice) = %q, %v; want %q", id, ok, ch.ID)
	}
	posted, _, err := api.PostMessageContext(t.Context(), bob, slack.MsgOptionText("psst", false))
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := s.DMChannel(bob); !ok || id != posted {
		t.Errorf("DMChannel(bob) = %q, %v; want %q, where the post to his user id went", id, ok, posted)
	}
	if _, _, _, err := api.OpenConversationContext(t.Context(), &slack.OpenConversationParameters{Users: []string{alice, bob}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{ch.ID}, s.DirectChannels(alice)); diff != "" {
		t.Errorf("DirectChannels(alice), a group DM aside (-want +got):\n%s", diff)
	}
	if got := s.DirectChannels(gone); got != nil {
		t.Errorf("DirectChannels of someone never messaged = %v", got)
	}
}

func TestPerMinuteRateLimit(t *testing.T) {
	s := newTestServer(t, WithRateLimit("users.info", 2))
	api := newClient(s)
	call := func() error {
		_, err := api.GetUserInfoContext(t.Context(), alice)
		return err
	}
	retryAfter := func(err error) time.Duration {
		t.Helper()
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) {
			t.Fatalf("err = %v, want *slack.RateLimitedError", err)
		}
		return rl.RetryAfter
	}

	for i := range 2 {
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := retryAfter(call()); got != time.Minute {
		t.Errorf("RetryAfter = %v, want 1m", got)
	}
	s.Advance(20 * time.Second)
	if got := retryAfter(call()); got != 40*time.Second {
		t.Errorf("RetryAfter after 20s = %v, want 40s", got)
	}
	if _, err := api.GetUserByEmailContext(t.Context(), "alice@example.com"); err != nil {
		t.Errorf("another method during the limit: %v", err)
	}
	s.Advance(40 * time.Second)
	if err := call(); err != nil {
		t.Fatalf("call in the next window: %v", err)
	}
}

func TestTierRateLimits(t *testing.T) {
	s := newTestServer(t, WithTierRateLimits(), WithRateLimit("users.info", 0))
	api := newClient(s)
	_, ts, err := api.PostMessageContext(t.Context(), "C0GENERAL", slack.MsgOptionText("v0", false))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, _, _, err := api.UpdateMessageContext(t.Context(), "C0GENERAL", ts, slack.MsgOptionText("v", false)); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	_, _, _, err = api.UpdateMessageContext(t.Context(), "C0GENERAL", ts, slack.MsgOptionText("v", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("51st chat.update in a minute: err = %v, want *slack.RateLimitedError (Tier 3)", err)
	}
	// WithRateLimit(…, 0) lifts users.info's Tier 4 limit.
	for i := range 101 {
		if _, err := api.GetUserInfoContext(t.Context(), alice); err != nil {
			t.Fatalf("users.info %d: %v", i, err)
		}
	}
}

func TestCallsRecordFormAndJSONAlike(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	section := slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*hi*", false, false), nil, nil)
	if _, _, err := api.PostMessageContext(t.Context(), "C0GENERAL", slack.MsgOptionText("hi", false), slack.MsgOptionBlocks(section)); err != nil {
		t.Fatal(err)
	}
	trigger := s.IssueTriggerID()
	if _, err := api.OpenViewContext(t.Context(), trigger, modal("Hello", section)); err != nil {
		t.Fatal(err)
	}

	post := s.Calls("chat.postMessage")
	if len(post) != 1 {
		t.Fatalf("chat.postMessage calls = %d, want 1", len(post))
	}
	if _, ok := post[0].Params["token"]; ok {
		t.Error("Params kept the token")
	}
	if post[0].Params["channel"] != "C0GENERAL" || post[0].Params["text"] != "hi" || !post[0].At.Equal(t0) {
		t.Errorf("chat.postMessage call = %+v", post[0])
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(post[0].Params["blocks"]), &blocks); err != nil || len(blocks) != 1 || blocks[0]["type"] != "section" {
		t.Errorf("form blocks param = %q (%v), want a JSON array with one section", post[0].Params["blocks"], err)
	}

	open := s.Calls("views.open")
	if len(open) != 1 || open[0].Params["trigger_id"] != trigger {
		t.Fatalf("views.open calls = %+v", open)
	}
	var view map[string]any
	if err := json.Unmarshal([]byte(open[0].Params["view"]), &view); err != nil || view["type"] != "modal" {
		t.Errorf("JSON view param = %q (%v), want the view object's JSON", open[0].Params["view"], err)
	}
	if got := len(s.Calls("")); got != 2 {
		t.Errorf("Calls(\"\") = %d calls, want 2", got)
	}
}

func TestWaitForMessage(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)

	type result struct {
		m   Message
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := s.WaitForMessage(t.Context(), "C0GENERAL", func(m Message) bool { return m.Text == "v2" })
		done <- result{m, err}
	}()
	_, ts, err := api.PostMessageContext(t.Context(), "C0GENERAL", slack.MsgOptionText("v1", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessageContext(t.Context(), "C0GENERAL", ts, slack.MsgOptionText("v2", false)); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.m.TS != ts || r.m.Updated != 1 {
		t.Fatalf("WaitForMessage = %+v, %v; want ts %s updated once", r.m, r.err, ts)
	}

	// An existing match returns at once; "" matches any channel.
	if m, err := s.WaitForMessage(t.Context(), "", nil); err != nil || m.TS != ts {
		t.Errorf("WaitForMessage(any) = %+v, %v", m, err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = s.WaitForMessage(ctx, "C0OTHER01", nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("WaitForMessage with a cancelled context: err = %v, want context.Canceled", err)
	}
}

// Posts are paced per channel: a burst goes through, the next post to the
// same channel waits for the second to turn, another channel is not held
// up, and the bucket refills with time.
func TestChannelPacing(t *testing.T) {
	s := newTestServer(t, WithChannelPacing(1, 3))
	api := newClient(s)
	post := func(channel string) error {
		_, _, err := api.PostMessageContext(t.Context(), channel, slack.MsgOptionText("hi", false))
		return err
	}
	for i := range 3 {
		if err := post("C0GENERAL"); err != nil {
			t.Fatalf("post %d of the burst: %v", i+1, err)
		}
	}
	var rl *slack.RateLimitedError
	if err := post("C0GENERAL"); !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("the fourth post at once: %v, want rate limited for a second", err)
	}
	if err := post("C0RANDOM"); err != nil {
		t.Errorf("another channel: %v", err)
	}
	s.Advance(time.Second)
	if err := post("C0GENERAL"); err != nil {
		t.Errorf("a second later: %v", err)
	}
}

// chat.postMessage's workspace-wide limit is a bucket over every channel:
// a burst, then its rate, whatever the channels; a post to a user id is
// paced with the direct conversation it lands in.
func TestWorkspacePosting(t *testing.T) {
	s := newTestServer(t, WithWorkspacePosting(120, 4), WithChannelPacing(1, 2))
	api := newClient(s)
	post := func(channel string) error {
		_, _, err := api.PostMessageContext(t.Context(), channel, slack.MsgOptionText("hi", false))
		return err
	}
	for i := range 4 {
		if err := post(fmt.Sprintf("C0CHAN%d", i)); err != nil {
			t.Fatalf("post %d of the burst: %v", i+1, err)
		}
	}
	var rl *slack.RateLimitedError
	if err := post("C0OTHER"); !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("the fifth post at once, to a fresh channel: %v, want rate limited for a second", err)
	}
	s.Advance(500 * time.Millisecond) // 120 a minute: one more each half second
	if err := post("C0OTHER"); err != nil {
		t.Fatalf("half a second later: %v", err)
	}
	if err := post("C0OTHER"); !errors.As(err, &rl) {
		t.Fatalf("the next at once: %v, want rate limited", err)
	}

	s.Advance(10 * time.Second)
	for i, channel := range []string{alice, alice} {
		if err := post(channel); err != nil {
			t.Fatalf("post %d to Alice: %v", i+1, err)
		}
	}
	dm, _ := s.DMChannel(alice)
	if err := post(dm); !errors.As(err, &rl) {
		t.Errorf("a third post to Alice's DM by its id: %v, want her DM's pacing to apply", err)
	}
	refused := 0
	for _, c := range s.Calls("chat.postMessage") {
		if c.Status == http.StatusTooManyRequests {
			refused++
		}
	}
	if got := len(s.Messages("")); got != 7 || refused != 3 {
		t.Errorf("%d messages posted and %d refused, want 7 and 3", got, refused)
	}
}

// users.list pages through every member, deactivated ones included, as
// slack-go reads it.
func TestUsersList(t *testing.T) {
	s := newTestServer(t)
	for i := range 7 {
		s.AddUser(User{ID: fmt.Sprintf("U1%02d", i), Name: fmt.Sprint("u", i), Email: fmt.Sprintf("u%d@example.com", i)})
	}
	for _, limit := range []int{1, 3, 200} {
		users, err := newClient(s).GetUsersContext(t.Context(), slack.GetUsersOptionLimit(limit))
		if err != nil {
			t.Fatalf("limit %d: %v", limit, err)
		}
		var ids []string
		for _, u := range users {
			ids = append(ids, u.ID)
		}
		want := []string{"U0ALICE01", "U0BOB0001", "U0GONE001", "U0SLACKBOT", "U100", "U101", "U102", "U103", "U104", "U105", "U106"}
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Errorf("limit %d: members (-want +got):\n%s", limit, diff)
		}
		if pages, wantPages := len(s.Calls("users.list")), (len(want)+limit-1)/limit; pages != wantPages {
			t.Errorf("limit %d: %d pages, want %d", limit, pages, wantPages)
		}
		s.mu.Lock()
		s.calls = nil
		s.mu.Unlock()
	}
	if code, out := rawCall(t, s, "users.list", "application/x-www-form-urlencoded", "Bearer "+DefaultBotToken, "cursor=%%%"); code != 200 || out["error"] == nil {
		t.Errorf("a bad cursor: %d %v, want an error", code, out)
	}
}
