package slack_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/slack"
	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/internal/syncbuf"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

const signingSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// sign adds Slack's signature headers: v0=hex(HMAC-SHA256(secret, "v0:ts:body")).
func sign(req *http.Request, body string, ts time.Time, secret string) {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	req.Header.Set("X-Slack-Request-Timestamp", stamp)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}

// echo answers every request with what it understood, and can be slowed or
// made to panic.
type echo struct {
	mu    sync.Mutex
	seen  []bot.Request
	delay time.Duration
	calls atomic.Int32
}

func (e *echo) Handle(ctx context.Context, req bot.Request) bot.Message {
	e.calls.Add(1)
	e.mu.Lock()
	e.seen = append(e.seen, req)
	delay := e.delay
	e.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
		}
	}
	switch {
	case req.Text == "panic":
		panic("nil snapshot")
	case req.Form != nil && req.Form.Values["reason"] == "store down":
		return bot.Message{Sections: []bot.Section{{Text: "Something went wrong (ref R2D2) &amp; nothing was saved"}}, Visibility: bot.Ephemeral, KeepFormOpen: true}
	case req.Form != nil && req.Form.Values["reason"] == "":
		return bot.Message{Form: &bot.Form{ID: req.Form.FormID, Title: "Keep", Inputs: []bot.Input{{ID: "reason", Label: "Reason", Error: "Say why the seat stays, e.g. on parental leave"}}}}
	case req.Form != nil && req.Form.FormID == "seat.keep":
		// Replaces the digest card the form was opened from; "many"
		// makes the answer long enough to split.
		m := bot.Message{Headline: "Kept " + req.Form.RecordID + ": " + req.Form.Values["reason"], Delivery: bot.ReplaceOriginal, Visibility: bot.Visible}
		if req.Form.Values["reason"] == "many" {
			for i := range 60 {
				m.Sections = append(m.Sections, bot.Section{Text: fmt.Sprint("Seat ", i)})
			}
		}
		return m
	case req.Action != nil && strings.HasPrefix(req.Action.ID, "seat.keep_form"):
		m := bot.Message{Form: &bot.Form{ID: "seat.keep", RecordID: req.Action.Value, Title: "Keep this seat", Submit: "Keep",
			Inputs: []bot.Input{{ID: "reason", Label: "Why keep it?", Required: true}}}}
		if req.Action.ID == "seat.keep_form_note" {
			m.Headline, m.Visibility = "Say why in the form", bot.Ephemeral
		}
		return m
	case req.Action != nil:
		return bot.Message{Headline: "Kept by " + req.User.Email, Delivery: bot.ReplaceOriginal, Visibility: bot.Visible}
	}
	return bot.Message{Headline: "You said " + req.Text + " as " + req.User.Email, Visibility: bot.Ephemeral}
}

// count is how many handled requests said text.
func (e *echo) count(text string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, r := range e.seen {
		if r.Text == text {
			n++
		}
	}
	return n
}

func (e *echo) last() bot.Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.seen[len(e.seen)-1]
}

type fixture struct {
	adapter *slack.Adapter
	emu     *slacktest.Server
	handler *echo
	server  *httptest.Server
}

func newFixture(t *testing.T, configure ...func(*slack.Options)) *fixture {
	t.Helper()
	emu := slacktest.NewServer(slacktest.WithUser(slacktest.User{ID: "U0DANA", Name: "dana", RealName: "Dana Field", Email: "Dana@Example.com"}))
	t.Cleanup(emu.Close)
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "sw.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &echo{}
	opts := slack.Options{
		SigningSecret: signingSecret,
		API:           slackgo.New(slacktest.DefaultBotToken, slackgo.OptionAPIURL(emu.APIURL())),
		Handler:       h,
		Dedupe:        st,
		Users:         st,
		AckBudget:     200 * time.Millisecond,
		// The emulator serves response_urls on its own host.
		ResponseOrigins: []string{emu.URL},
	}
	for _, c := range configure {
		c(&opts)
	}
	a, err := slack.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		_ = a.Close(context.Background())
	})
	return &fixture{emu: emu, handler: h, server: srv, adapter: a}
}

func (f *fixture) post(t *testing.T, path, body string, edit func(*http.Request)) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.server.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sign(req, body, time.Now(), signingSecret)
	if edit != nil {
		edit(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func slashBody(text, responseURL string) string {
	return url.Values{"command": {"/warden"}, "text": {text}, "user_id": {"U0DANA"}, "user_name": {"dana"},
		"team_id": {"T0001"}, "channel_id": {"C0SEATS"}, "response_url": {responseURL}, "trigger_id": {"1.2.3"}}.Encode()
}

func TestRequestsNotFromSlackAreRefused(t *testing.T) {
	f := newFixture(t)
	body := slashBody("seats", "")
	tests := []struct {
		name   string
		body   string
		edit   func(*http.Request)
		status int
	}{
		{"forged signature", body, func(r *http.Request) { sign(r, body, time.Now(), "not-the-secret") }, 401},
		{"tampered body", body + "&text=other", func(r *http.Request) { sign(r, body, time.Now(), signingSecret) }, 401},
		{"stale timestamp", body, func(r *http.Request) { sign(r, body, time.Now().Add(-6*time.Minute), signingSecret) }, 401},
		{"future timestamp", body, func(r *http.Request) { sign(r, body, time.Now().Add(6*time.Minute), signingSecret) }, 401},
		{"no signature", body, func(r *http.Request) { r.Header.Del("X-Slack-Signature") }, 401},
		{"no timestamp", body, func(r *http.Request) { r.Header.Del("X-Slack-Request-Timestamp") }, 401},
		{"body over 1 MiB", strings.Repeat("a", 1<<20+1), nil, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _ := f.post(t, "/slack/commands", tt.body, tt.edit)
			if status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
		})
	}
	if n := f.handler.calls.Load(); n != 0 {
		t.Errorf("the handler ran %d times for refused requests", n)
	}
}

func TestMalformedPayloadsGet400(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ path, body string }{
		{"/slack/commands", "%zz"},
		{"/slack/commands", "text=seats"}, // no user
		{"/slack/interactions", "payload=%7Bnot-json"},
		{"/slack/events", `{"type":`},
	} {
		if status, _ := f.post(t, tc.path, tc.body, nil); status != http.StatusBadRequest {
			t.Errorf("POST %s %q: status %d, want 400", tc.path, tc.body, status)
		}
	}
}

func TestSlashCommandIsAnsweredInTheResponse(t *testing.T) {
	f := newFixture(t)
	start := time.Now()
	status, body := f.post(t, "/slack/commands", slashBody("seats inactive 60", f.emu.NewResponseURL("C0SEATS", "U0DANA")), nil)
	if status != 200 || time.Since(start) > 3*time.Second {
		t.Fatalf("status %d after %s", status, time.Since(start))
	}
	var msg slackgo.WebhookMessage
	if err := json.Unmarshal([]byte(body), &msg); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	// The email comes from users.info, lower-cased.
	if msg.ResponseType != "ephemeral" || msg.Text != "You said seats inactive 60 as dana@example.com" {
		t.Errorf("reply %+v", msg)
	}
	req := f.handler.last()
	if req.Platform != bot.PlatformSlack || req.User.ID != "U0DANA" || req.User.TeamID != "T0001" || req.Conversation.ID != "C0SEATS" {
		t.Errorf("request %+v", req)
	}
	// A second command uses the cached email, not users.info again.
	f.post(t, "/slack/commands", slashBody("help", ""), nil)
	if n := len(f.emu.Calls("users.info")); n != 1 {
		t.Errorf("users.info called %d times, want 1 (cached)", n)
	}
}

func TestSlowAnswersGoToResponseURL(t *testing.T) {
	f := newFixture(t)
	f.handler.delay = 500 * time.Millisecond
	respURL := f.emu.NewResponseURL("C0SEATS", "U0DANA")
	start := time.Now()
	status, body := f.post(t, "/slack/commands", slashBody("seats", respURL), nil)
	if status != 200 || body != "" {
		t.Fatalf("ack: %d %q, want an empty 200", status, body)
	}
	if took := time.Since(start); took > 400*time.Millisecond {
		t.Errorf("ack took %s, longer than the budget", took)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.emu.WaitUntil(ctx, func() bool { return len(f.emu.ResponseURLPosts()) == 1 }); err != nil {
		t.Fatalf("no response_url post: %v", err)
	}
	if p := f.emu.ResponseURLPosts()[0]; p.Status != 200 || !strings.Contains(p.Text, "You said seats") {
		t.Errorf("response_url post %+v", p)
	}
}

func TestPanicIsAnsweredWithAReference(t *testing.T) {
	f := newFixture(t)
	_, body := f.post(t, "/slack/commands", slashBody("panic", ""), nil)
	if !strings.Contains(body, "Something went wrong (ref ") {
		t.Errorf("reply %q", body)
	}
}

func TestButtonClickReplacesTheMessage(t *testing.T) {
	f := newFixture(t)
	ts := f.emu.PostUserMessage("C0SEATS", "U0BOT", "digest").TS
	respURL := f.emu.NewMessageResponseURL("C0SEATS", "U0DANA", ts)
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]string{"id": "U0DANA", "name": "dana"}, "team": map[string]string{"id": "T0001"},
		"channel": map[string]string{"id": "C0SEATS"}, "container": map[string]string{"message_ts": ts},
		"response_url": respURL, "actions": []map[string]string{{"block_id": "sec0", "action_id": "seat.keep", "value": "rev-1:42", "type": "button"}},
	})
	status, _ := f.post(t, "/slack/interactions", url.Values{"payload": {string(payload)}}.Encode(), nil)
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.emu.WaitUntil(ctx, func() bool { return len(f.emu.ResponseURLPosts()) == 1 }); err != nil {
		t.Fatal(err)
	}
	if p := f.emu.ResponseURLPosts()[0]; !p.ReplaceOriginal || !strings.Contains(p.Text, "Kept by dana@example.com") {
		t.Errorf("post %+v", p)
	}
	a := f.handler.last().Action
	if a == nil || a.ID != "seat.keep" || a.Value != "rev-1:42" || a.Message.MessageID != ts {
		t.Errorf("action %+v", a)
	}
}

func TestFormErrorsComeBackInline(t *testing.T) {
	f := newFixture(t)
	payload, _ := json.Marshal(map[string]any{
		"type": "view_submission", "user": map[string]string{"id": "U0DANA"}, "team": map[string]string{"id": "T0001"},
		"view": map[string]any{"callback_id": "seat.keep", "private_metadata": "rev-1:42",
			"state": map[string]any{"values": map[string]any{"reason": map[string]any{"reason": map[string]string{"type": "plain_text_input", "value": ""}}}}},
	})
	_, body := f.post(t, "/slack/interactions", url.Values{"payload": {string(payload)}}.Encode(), nil)
	var resp struct {
		Action string            `json:"response_action"`
		Errors map[string]string `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil || resp.Action != "errors" || !strings.Contains(resp.Errors["reason"], "Say why") {
		t.Errorf("view_submission reply %q (%v)", body, err)
	}
}

// A submission that failed keeps its form open with the failure under
// the first input, so what was typed is not lost; nothing is posted.
func TestFailedFormStaysOpen(t *testing.T) {
	f := newFixture(t)
	_, body := f.post(t, "/slack/interactions", submitBody("seat.keep", "rev-1:42", "store down"), nil)
	var resp struct {
		Action string            `json:"response_action"`
		Errors map[string]string `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil || resp.Action != "errors" ||
		resp.Errors["reason"] != "Something went wrong (ref R2D2) & nothing was saved" {
		t.Errorf("view_submission reply %q (%v), want the failure under the reason input", body, err)
	}
	if posted := f.emu.Messages(""); len(posted) != 0 {
		t.Errorf("posted %d messages, want none: the form says it", len(posted))
	}
}

func TestEvents(t *testing.T) {
	f := newFixture(t)
	status, body := f.post(t, "/slack/events", `{"type":"url_verification","token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}`, nil)
	if status != 200 || body != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("url_verification: %d %q", status, body)
	}

	mention := `{"type":"event_callback","team_id":"T0001","event_id":"Ev0001","event_time":1,"event":{"type":"app_mention","user":"U0DANA","text":"<@U0BOT> seats","ts":"1700000000.000100","channel":"C0SEATS","event_ts":"1700000000.000100"}}`
	for retry := range 3 {
		status, _ := f.post(t, "/slack/events", mention, func(r *http.Request) {
			if retry > 0 {
				r.Header.Set("X-Slack-Retry-Num", strconv.Itoa(retry))
			}
		})
		if status != 200 {
			t.Fatalf("event delivery %d: status %d", retry, status)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.emu.WaitUntil(ctx, func() bool { return len(f.emu.Calls("chat.postEphemeral"))+len(f.emu.Calls("chat.postMessage")) >= 1 }); err != nil {
		t.Fatal(err)
	}
	if n := f.handler.calls.Load(); n != 1 {
		t.Errorf("an event delivered three times was handled %d times, want 1", n)
	}
	if got := f.handler.last().Text; got != "seats" {
		t.Errorf("mention text %q, want the words after the mention", got)
	}
}

// TestBusyEventIsDeliveredAgain: an event that finds the queue full is
// answered 503 and not claimed, so Slack's retry of it is taken; claiming
// it and dropping it would lose it, since the retry would be a duplicate.
func TestBusyEventIsDeliveredAgain(t *testing.T) {
	f := newFixture(t, func(o *slack.Options) { o.Workers, o.Queue = 1, 1 })
	f.handler.mu.Lock()
	f.handler.delay = 2 * time.Second
	f.handler.mu.Unlock()
	event := func(id string) string {
		return fmt.Sprintf(`{"type":"event_callback","team_id":"T0001","event_id":%q,"event_time":1,"event":{"type":"message","channel_type":"im","user":"U0DANA","text":%q,"ts":"1.2","channel":"D0DANA"}}`, id, id)
	}
	refused := ""
	for i := range 5 {
		id := fmt.Sprintf("Ev%02d", i)
		status, _ := f.post(t, "/slack/events", event(id), nil)
		if status == http.StatusServiceUnavailable {
			refused = id
			break
		}
		if status != http.StatusOK {
			t.Fatalf("event %s: status %d", id, status)
		}
	}
	if refused == "" {
		t.Fatal("five events on one worker and a queue of one were all taken")
	}
	f.handler.mu.Lock()
	f.handler.delay = 0
	f.handler.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		status, _ := f.post(t, "/slack/events", event(refused), func(r *http.Request) { r.Header.Set("X-Slack-Retry-Num", "1") })
		if status == http.StatusOK {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the retry of %s is still refused: %d", refused, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := f.emu.WaitUntil(ctx, func() bool { return f.handler.count(refused) == 1 }); err != nil {
		t.Fatalf("the retried event was handled %d times, want 1", f.handler.count(refused))
	}
}

// TestEventOfADeadReplicaIsAnsweredOnRetry: a replica that took an event
// and died before answering leaves only its lease; Slack's retries are told
// to come again until the lease lapses, and the next one is answered, once.
func TestEventOfADeadReplicaIsAnsweredOnRetry(t *testing.T) {
	var dedupe store.Idempotency
	f := newFixture(t, func(o *slack.Options) { o.EventLease = 300 * time.Millisecond; dedupe = o.Dedupe })
	if _, err := dedupe.ClaimKey(t.Context(), "slack:event:EvDead:answering", 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	event := `{"type":"event_callback","team_id":"T0001","event_id":"EvDead","event_time":1,"event":{"type":"message","channel_type":"im","user":"U0DANA","text":"EvDead","ts":"1.2","channel":"U0DANA"}}`
	retry := func(n int) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("X-Slack-Retry-Num", strconv.Itoa(n)) }
	}
	if status, _ := f.post(t, "/slack/events", event, retry(1)); status != http.StatusServiceUnavailable {
		t.Fatalf("a retry while the dead replica's lease lives: %d, want 503 (come again)", status)
	}
	deadline := time.Now().Add(10 * time.Second)
	for n := 2; ; n++ {
		status, _ := f.post(t, "/slack/events", event, retry(n))
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("retry %d: %d, want 200 once the lease lapsed", n, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := f.handler.count("EvDead"); n != 1 {
		t.Errorf("the event was answered %d times, want 1", n)
	}
	if status, _ := f.post(t, "/slack/events", event, retry(9)); status != http.StatusOK || f.handler.count("EvDead") != 1 {
		t.Errorf("a retry after the answer: %d, answered %d times; want 200 and still once", status, f.handler.count("EvDead"))
	}
}

// TestASlowAnswerKeepsItsEventFromOtherReplicas: an answer that runs past
// the event's lease (Slack pacing the posts, a slow store) keeps the
// lease, so Slack's retry meanwhile is told to come again instead of
// being answered by a second replica.
func TestASlowAnswerKeepsItsEventFromOtherReplicas(t *testing.T) {
	const lease = 600 * time.Millisecond
	f := newFixture(t, func(o *slack.Options) { o.EventLease = lease })
	f.handler.delay = 5 * lease
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	event := `{"type":"event_callback","team_id":"T0001","event_id":"EvSlow","event_time":1,"event":{"type":"message","channel_type":"im","user":"U0DANA","text":"EvSlow","ts":"1.2","channel":"D0DANA"}}`
	if status, _ := f.post(t, "/slack/events", event, nil); status != http.StatusOK {
		t.Fatalf("first delivery: %d", status)
	}
	if err := f.emu.WaitUntil(ctx, func() bool { return f.handler.count("EvSlow") == 1 }); err != nil {
		t.Fatal("the first delivery was not taken")
	}
	time.Sleep(2 * lease) // the answer runs on, past its first lease
	status, _ := f.post(t, "/slack/events", event, func(r *http.Request) { r.Header.Set("X-Slack-Retry-Num", "1") })
	if status != http.StatusServiceUnavailable {
		t.Errorf("Slack's retry while the answer runs: %d, want 503 (come again)", status)
	}
	if n := f.handler.count("EvSlow"); n != 1 {
		t.Errorf("the event was taken %d times, want 1", n)
	}
}

// TestEventAnsweredByADeadReplicaIsNotAnsweredAgain: a replica that
// posted an event's answer and died before marking the event answered
// leaves the answer in the conversation; Slack's retry, taken once the
// replica's lease lapses, finds it there and answers nothing twice.
func TestEventAnsweredByADeadReplicaIsNotAnsweredAgain(t *testing.T) {
	var dedupe store.Idempotency
	f := newFixture(t, func(o *slack.Options) { dedupe = o.Dedupe })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	dm, _, _, err := slackgo.New(slacktest.DefaultBotToken, slackgo.OptionAPIURL(f.emu.APIURL())).OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{"U0DANA"}})
	if err != nil {
		t.Fatal(err)
	}
	event := fmt.Sprintf(`{"type":"event_callback","team_id":"T0001","event_id":"EvPosted","event_time":1,"event":{"type":"message","channel_type":"im","user":"U0DANA","text":"EvPosted","ts":"1.2","channel":%q}}`, dm.ID)
	if status, _ := f.post(t, "/slack/events", event, nil); status != http.StatusOK {
		t.Fatalf("first delivery: %d", status)
	}
	if err := f.emu.WaitUntil(ctx, func() bool { return len(f.emu.Messages(dm.ID)) == 1 }); err != nil {
		t.Fatal("the first delivery was not answered")
	}
	// The replica dies after posting, before marking the event answered.
	if err := dedupe.ReleaseKey(ctx, "slack:event:EvPosted"); err != nil {
		t.Fatal(err)
	}
	if status, _ := f.post(t, "/slack/events", event, func(r *http.Request) { r.Header.Set("X-Slack-Retry-Num", "1") }); status != http.StatusOK {
		t.Fatalf("Slack's retry: %d", status)
	}
	if err := f.emu.WaitUntil(ctx, func() bool { return len(f.emu.Calls("conversations.history")) > 0 }); err != nil {
		t.Fatal("the retry did not look for the earlier answer")
	}
	if n := f.handler.count("EvPosted"); n != 1 {
		t.Errorf("the event was handled %d times, want 1", n)
	}
	if n := len(f.emu.Messages(dm.ID)); n != 1 {
		t.Errorf("%d answers in the DM, want 1", n)
	}
	if status, _ := f.post(t, "/slack/events", event, func(r *http.Request) { r.Header.Set("X-Slack-Retry-Num", "2") }); status != http.StatusOK || f.handler.count("EvPosted") != 1 {
		t.Errorf("a later retry: %d, handled %d times; want 200 and still once", status, f.handler.count("EvPosted"))
	}
}

// loadingDedupe is a dedupe store that, while down, takes an event's
// lease and nothing else: Redis restarting just after a delivery took the
// lease, refusing writes while it loads its data.
type loadingDedupe struct {
	store.Idempotency
	down atomic.Bool
}

var errLoading = errors.New("LOADING Redis is loading the dataset in memory")

func (d *loadingDedupe) ClaimKey(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if d.down.Load() && !strings.HasSuffix(key, ":answering") {
		return false, errLoading
	}
	return d.Idempotency.ClaimKey(ctx, key, ttl)
}

func (d *loadingDedupe) ReleaseKey(ctx context.Context, key string) error {
	if d.down.Load() {
		return errLoading
	}
	return d.Idempotency.ReleaseKey(ctx, key)
}

// TestAnEventWhoseAttemptWasNotRecordedIsAnsweredOnce: a delivery that
// took the event's lease but could not record that it is answering it
// (the store went away between the two) answers nothing and asks Slack
// to deliver it again, which is answered once. Answering then left
// nothing that told the retry to look for the answer first, so it was
// posted twice (found by the HA harness at a Redis restart).
func TestAnEventWhoseAttemptWasNotRecordedIsAnsweredOnce(t *testing.T) {
	dedupe := &loadingDedupe{}
	var bare store.Idempotency
	f := newFixture(t, func(o *slack.Options) { bare, dedupe.Idempotency = o.Dedupe, o.Dedupe; o.Dedupe = dedupe })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	dm, _, _, err := slackgo.New(slacktest.DefaultBotToken, slackgo.OptionAPIURL(f.emu.APIURL())).OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{"U0DANA"}})
	if err != nil {
		t.Fatal(err)
	}
	event := fmt.Sprintf(`{"type":"event_callback","team_id":"T0001","event_id":"EvLoading","event_time":1,"event":{"type":"message","channel_type":"im","user":"U0DANA","text":"EvLoading","ts":"1.2","channel":%q}}`, dm.ID)

	dedupe.down.Store(true)
	if status, _ := f.post(t, "/slack/events", event, nil); status < 500 {
		t.Errorf("first delivery: %d, want a 5xx so Slack delivers it again", status)
	}
	dedupe.down.Store(false)
	// The lease the first delivery could not release lapses.
	if err := bare.ReleaseKey(ctx, "slack:event:EvLoading:answering"); err != nil {
		t.Fatal(err)
	}
	if status, _ := f.post(t, "/slack/events", event, func(r *http.Request) { r.Header.Set("X-Slack-Retry-Num", "1") }); status != http.StatusOK {
		t.Fatalf("Slack's retry: %d", status)
	}
	if err := f.emu.WaitUntil(ctx, func() bool { return len(f.emu.Messages(dm.ID)) >= 1 }); err != nil {
		t.Fatal("the event was never answered")
	}
	if n := len(f.emu.Messages(dm.ID)); n != 1 {
		t.Errorf("%d answers in the DM, want 1", n)
	}
}

// TestUnknownWorkspacesAreRefused: with slack.allowed_teams set, a signed
// request from any other workspace never reaches a command; the person is
// told why in one line.
func TestUnknownWorkspacesAreRefused(t *testing.T) {
	f := newFixture(t, func(o *slack.Options) { o.AllowedTeams = []string{"T0ACME", "E0GRID"} })
	slash := func(team, enterprise string) string {
		v, _ := url.ParseQuery(slashBody("seats", ""))
		v.Set("team_id", team)
		if enterprise != "" {
			v.Set("enterprise_id", enterprise)
		}
		return v.Encode()
	}
	click := func(team string) string {
		payload := fmt.Sprintf(`{"type":"block_actions","team":{"id":%q},"user":{"id":"U0DANA"},"channel":{"id":"C0SEATS"},"container":{"message_ts":"1.2"},"response_url":"","actions":[{"block_id":"sec0","action_id":"seat.keep","value":"r1","type":"button"}]}`, team)
		return url.Values{"payload": {payload}}.Encode()
	}
	event := func(team string) string {
		return fmt.Sprintf(`{"type":"event_callback","team_id":%q,"event_id":"Ev-%s","event_time":1,"event":{"type":"app_mention","user":"U0DANA","text":"<@U0BOT> seats","ts":"1.2","channel":"C0SEATS","event_ts":"1.2"}}`, team, team)
	}
	tests := []struct {
		name, path, body string
		wantReply        string
	}{
		{"slash command from another workspace", "/slack/commands", slash("T0OTHER", ""),
			"seatwarden does not answer this workspace (T0OTHER). An admin can add it to slack.allowed_teams in the policy, e.g. allowed_teams: [T0OTHER]."},
		{"click from another workspace", "/slack/interactions", click("T0OTHER"), ""},
		{"event from another workspace", "/slack/events", event("T0OTHER"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := f.post(t, tt.path, tt.body, nil)
			if status != http.StatusOK {
				t.Fatalf("status %d, want 200 (Slack retries anything else)", status)
			}
			if tt.wantReply != "" {
				var msg slackgo.WebhookMessage
				if err := json.Unmarshal([]byte(body), &msg); err != nil || msg.Text != tt.wantReply || msg.ResponseType != "ephemeral" {
					t.Errorf("reply %s, want ephemeral %q", body, tt.wantReply)
				}
			}
		})
	}
	if n := f.handler.calls.Load(); n != 0 {
		t.Fatalf("the handler ran %d times for refused workspaces", n)
	}

	// An allowed workspace, and a workspace of an allowed Grid org, get in.
	for _, body := range []string{slash("T0ACME", ""), slash("T0GRIDWS", "E0GRID")} {
		if status, reply := f.post(t, "/slack/commands", body, nil); status != 200 || !strings.Contains(reply, "You said seats") {
			t.Errorf("allowed workspace: %d %s", status, reply)
		}
	}
}

// clickBody is a signed-ready block_actions body for a click on a button
// of the message at ts in channel.
func clickBody(channel, ts, triggerID, responseURL, actionID, value string, ephemeral bool) string {
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "trigger_id": triggerID, "response_url": responseURL,
		"user": map[string]string{"id": "U0DANA", "name": "dana"}, "team": map[string]string{"id": "T0001"},
		"channel":   map[string]string{"id": channel},
		"container": map[string]any{"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": ephemeral},
		"actions":   []map[string]string{{"block_id": "sec0.act", "action_id": actionID, "value": value, "type": "button"}},
	})
	return url.Values{"payload": {string(payload)}}.Encode()
}

// submitBody is a view_submission body for a form with one "reason" input.
func submitBody(formID, metadata, reason string) string {
	payload, _ := json.Marshal(map[string]any{
		"type": "view_submission", "user": map[string]string{"id": "U0DANA"}, "team": map[string]string{"id": "T0001"},
		"view": map[string]any{"id": "V0FORM", "type": "modal", "callback_id": formID, "private_metadata": metadata,
			"state": map[string]any{"values": map[string]any{"reason": map[string]any{"reason": map[string]string{"type": "plain_text_input", "value": reason}}}}},
	})
	return url.Values{"payload": {string(payload)}}.Encode()
}

// unpaced lifts the pacing per channel and across the workspace, which has
// its own tests and would only slow these down.
func unpaced(o *slack.Options) {
	o.ChannelRate, o.ChannelBurst, o.PostsPerMinute, o.PostBurst = 1000, 100, 60_000, 100
}

func waitFor(t *testing.T, emu *slacktest.Server, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := emu.WaitUntil(ctx, cond); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestClickOpensAFormWhoseAnswerUpdatesTheCard: a digest button that needs
// a reason opens a modal with the click's trigger_id; the modal carries
// the card, and the submission's answer replaces that card in place.
func TestClickOpensAFormWhoseAnswerUpdatesTheCard(t *testing.T) {
	f := newFixture(t, unpaced)
	refs, err := f.adapter.SendChannel(t.Context(), "C0SEATS", bot.Message{Headline: "Your seat review", Visibility: bot.Visible,
		Sections: []bot.Section{{Text: "*Agent 007*", Actions: []bot.Button{{ActionID: "seat.keep_form", Label: "Keep", Value: "rev-7:007"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	card := refs[0]

	trigger := f.emu.IssueTriggerID()
	respURL := f.emu.NewMessageResponseURL("C0SEATS", "U0DANA", card.MessageID)
	if status, body := f.post(t, "/slack/interactions", clickBody("C0SEATS", card.MessageID, trigger, respURL, "seat.keep_form", "rev-7:007", false), nil); status != 200 || body != "" {
		t.Fatalf("click ack: %d %q", status, body)
	}
	waitFor(t, f.emu, "no modal opened", func() bool { return len(f.emu.Views()) == 1 })
	v := f.emu.Views()[0]
	wantMeta := "sw1|C0SEATS|" + card.MessageID + "|rev-7:007"
	if v.TriggerID != trigger || v.CallbackID != "seat.keep" || v.PrivateMetadata != wantMeta || v.Title != "Keep this seat" {
		t.Errorf("view: trigger %q, callback %q, metadata %q, title %q; want %q, seat.keep, %q", v.TriggerID, v.CallbackID, v.PrivateMetadata, v.Title, trigger, wantMeta)
	}

	tests := []struct {
		reason    string
		wantText  string
		wantAfter int // further parts posted after the card
	}{
		{"on parental leave", "Kept rev-7:007: on parental leave", 0},
		{"many", "Kept rev-7:007: many", 1},
	}
	for i, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			if status, body := f.post(t, "/slack/interactions", submitBody(v.CallbackID, v.PrivateMetadata, tt.reason), nil); status != 200 || body != "" {
				t.Fatalf("submission ack: %d %q, want an empty 200 that closes the modal", status, body)
			}
			sub := f.handler.last().Form
			if sub == nil || sub.RecordID != "rev-7:007" || sub.Origin != card {
				t.Fatalf("submission %+v, want record rev-7:007 from %+v", sub, card)
			}
			waitFor(t, f.emu, "the card was not updated", func() bool {
				m := f.emu.Messages("C0SEATS")
				return len(m) == 1+tt.wantAfter && m[0].Updated == i+1
			})
			msgs := f.emu.Messages("C0SEATS")
			if msgs[0].TS != card.MessageID || msgs[0].Text != tt.wantText {
				t.Errorf("card %+v, want %q", msgs[0], tt.wantText)
			}
			for _, m := range msgs[1:] {
				if m.Updated != 0 || !strings.Contains(m.Text, "(part 2 of 2)") {
					t.Errorf("further part %+v", m)
				}
			}
		})
	}
	if n := len(f.emu.Calls("conversations.open")); n != 0 {
		t.Errorf("conversations.open called %d times: the answer went to a DM, not the card", n)
	}
	if posts := f.emu.ResponseURLPosts(); len(posts) != 0 {
		t.Errorf("response_url posts %+v for a reply that was only a form", posts)
	}
}

// TestRateLimitedUpdateIsWaitedOut: when Slack answers chat.update 429
// for a while, the card is updated in place once Slack lets it, rather
// than the answer posted again as a second message.
func TestRateLimitedUpdateIsWaitedOut(t *testing.T) {
	f := newFixture(t, unpaced)
	refs, err := f.adapter.SendChannel(t.Context(), "C0SEATS", bot.Message{Headline: "Your seat review", Visibility: bot.Visible,
		Sections: []bot.Section{{Text: "*Agent 007*", Actions: []bot.Button{{ActionID: "seat.keep_form", Label: "Keep", Value: "rev-7:007"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	card := refs[0]
	f.emu.InjectRateLimit("chat.update", time.Second, 2)
	meta := "sw1|C0SEATS|" + card.MessageID + "|rev-7:007"
	if status, _ := f.post(t, "/slack/interactions", submitBody("seat.keep", meta, "on parental leave"), nil); status != 200 {
		t.Fatalf("submission: %d", status)
	}
	waitFor(t, f.emu, "the card was not updated", func() bool {
		m := f.emu.Messages("")
		return len(m) == 1 && m[0].Updated == 1
	})
	if calls := len(f.emu.Calls("chat.update")); calls != 3 {
		t.Errorf("chat.update called %d times, want 3 (two 429s, then the update)", calls)
	}
}

// TestFormAndContentFromOneClick: a reply with a form and content opens
// the form and posts the content as any click's reply.
func TestFormAndContentFromOneClick(t *testing.T) {
	f := newFixture(t)
	ts := f.emu.PostUserMessage("C0SEATS", "U0BOT", "digest").TS
	respURL := f.emu.NewMessageResponseURL("C0SEATS", "U0DANA", ts)
	f.post(t, "/slack/interactions", clickBody("C0SEATS", ts, f.emu.IssueTriggerID(), respURL, "seat.keep_form_note", "r1", false), nil)
	waitFor(t, f.emu, "no modal and no post", func() bool { return len(f.emu.Views()) == 1 && len(f.emu.ResponseURLPosts()) == 1 })
	if p := f.emu.ResponseURLPosts()[0]; p.ResponseType != "ephemeral" || p.Text != "Say why in the form" {
		t.Errorf("response_url post %+v", p)
	}
}

// TestFormFromAnEphemeralMessageHasNoOrigin: chat.update cannot reach an
// ephemeral message, so the modal does not point at one.
func TestFormFromAnEphemeralMessageHasNoOrigin(t *testing.T) {
	f := newFixture(t)
	f.post(t, "/slack/interactions", clickBody("C0SEATS", "1700000000.000100", f.emu.IssueTriggerID(), f.emu.NewResponseURL("C0SEATS", "U0DANA"), "seat.keep_form", "rev-7:007", true), nil)
	waitFor(t, f.emu, "no modal opened", func() bool { return len(f.emu.Views()) == 1 })
	if got := f.emu.Views()[0].PrivateMetadata; got != "rev-7:007" {
		t.Errorf("private_metadata %q, want the bare record id", got)
	}
}

// TestFormThatCannotOpenSaysSo: a trigger_id Slack no longer takes leaves
// no modal, so the person is told to click again.
func TestFormThatCannotOpenSaysSo(t *testing.T) {
	tests := []struct {
		name    string
		trigger func(*testing.T, *slacktest.Server) string
	}{
		{"expired trigger", func(_ *testing.T, emu *slacktest.Server) string {
			id := emu.IssueTriggerID()
			emu.Advance(slacktest.TriggerIDLifetime + time.Second)
			return id
		}},
		{"trigger already used", func(t *testing.T, emu *slacktest.Server) string {
			id := emu.IssueTriggerID()
			view := slackgo.ModalViewRequest{Type: slackgo.VTModal, Title: slackgo.NewTextBlockObject(slackgo.PlainTextType, "Other", false, false),
				Blocks: slackgo.Blocks{BlockSet: []slackgo.Block{slackgo.NewDividerBlock()}}}
			if _, err := slackgo.New(slacktest.DefaultBotToken, slackgo.OptionAPIURL(emu.APIURL())).OpenViewContext(t.Context(), id, view); err != nil {
				t.Fatal(err)
			}
			return id
		}},
		{"no trigger", func(*testing.T, *slacktest.Server) string { return "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			trigger := tt.trigger(t, f.emu)
			views := len(f.emu.Views())
			ts := f.emu.PostUserMessage("C0SEATS", "U0BOT", "digest").TS
			respURL := f.emu.NewMessageResponseURL("C0SEATS", "U0DANA", ts)
			f.post(t, "/slack/interactions", clickBody("C0SEATS", ts, trigger, respURL, "seat.keep_form", "r1", false), nil)
			waitFor(t, f.emu, "the person was not told", func() bool { return len(f.emu.ResponseURLPosts()) == 1 })
			p := f.emu.ResponseURLPosts()[0]
			if p.ResponseType != "ephemeral" || p.ReplaceOriginal || !strings.Contains(p.Text, "could not open") || !strings.Contains(p.Text, "click") {
				t.Errorf("response_url post %+v, want an ephemeral line saying to click again", p)
			}
			if got := len(f.emu.Views()); got != views {
				t.Errorf("%d views, want %d", got, views)
			}
		})
	}
}

// TestFormSubmissionWithoutAnOriginToUpdate: private_metadata from a form
// opened by a slash command, from before origins were packed, or tampered
// with, is the record id; such answers, answers that do not replace, and
// answers whose card is gone go to the person's DM.
func TestFormSubmissionWithoutAnOriginToUpdate(t *testing.T) {
	f := newFixture(t, unpaced)
	userMsg := f.emu.PostUserMessage("C0SEATS", "U0DANA", "not the bot's").TS
	tests := []struct {
		name       string
		formID     string
		metadata   string
		wantRecord string
		wantOrigin bool
		wantDM     string
	}{
		{"bare record id", "seat.keep", "rev-1:42", "rev-1:42", false, "Kept rev-1:42: because"},
		{"tampered ts", "seat.keep", "sw1|C0SEATS|now|rev-1:42", "sw1|C0SEATS|now|rev-1:42", false, "Kept sw1|C0SEATS|now|rev-1:42: because"},
		{"truncated", "seat.keep", "sw1|C0SEATS|17000", "sw1|C0SEATS|17000", false, "Kept sw1|C0SEATS|17000: because"},
		{"wrapped record id", "seat.keep", "sw1|||sw1|x", "sw1|x", false, "Kept sw1|x: because"},
		{"answer that does not replace", "seat.note", "sw1|C0SEATS|" + userMsg + "|r2", "r2", true, "You said  as dana@example.com"},
		{"card that cannot be updated", "seat.keep", "sw1|C0SEATS|" + userMsg + "|r3", "r3", true, "Kept r3: because"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := f.post(t, "/slack/interactions", submitBody(tt.formID, tt.metadata, "because"), nil); status != 200 || body != "" {
				t.Fatalf("ack %d %q", status, body)
			}
			sub := f.handler.last().Form
			if sub == nil || sub.RecordID != tt.wantRecord || (sub.Origin != bot.MessageRef{}) != tt.wantOrigin {
				t.Fatalf("submission %+v, want record %q, origin %v", sub, tt.wantRecord, tt.wantOrigin)
			}
			waitFor(t, f.emu, "no DM", func() bool {
				dm, ok := f.emu.DMChannel("U0DANA")
				if !ok {
					return false
				}
				for _, m := range f.emu.Messages(dm) {
					if m.Text == tt.wantDM {
						return true
					}
				}
				return false
			})
		})
	}
	if m := f.emu.Messages("C0SEATS"); len(m) != 1 || m[0].Updated != 0 {
		t.Errorf("channel messages %+v, want the person's message untouched", m)
	}
}

// TestResponseURLsElsewhereAreRefused: a signed request whose response_url
// names any host but Slack's (here, an internal service) gets nothing
// posted there; the refusal is logged.
func TestResponseURLsElsewhereAreRefused(t *testing.T) {
	var hits atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	t.Cleanup(internal.Close)
	logs := &syncbuf.Buffer{}
	f := newFixture(t, func(o *slack.Options) { o.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	f.handler.delay = 500 * time.Millisecond // past the ack budget: the answer goes to response_url

	for _, target := range []string{internal.URL + "/hook", "https://user:pw@hooks.slack.com/commands/1", "not a url"} {
		status, _ := f.post(t, "/slack/commands", slashBody("seats", target), nil)
		if status != 200 {
			t.Fatalf("%s: status %d", target, status)
		}
	}
	// Close waits for the answers still being worked on.
	if err := f.adapter.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logs.String(), "response_url refused"); n != 3 {
		t.Fatalf("%d refusals logged, want 3:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "pw@") {
		t.Error("a refused response_url's credentials reached the log")
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the internal service got %d requests", n)
	}
}
