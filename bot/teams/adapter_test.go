package teams_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/teams"
	"github.com/seatwarden/seatwarden/bot/teams/teamstest"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

// The tenant's people, as the emulator knows them.
var (
	dana = teamstest.User{ID: "29:dana", AADObjectID: "00000000-0000-0000-0000-00000000da0a", Name: "Dana Admin", Email: "Dana@Acme.example", Installed: true}
	omar = teamstest.User{ID: "29:omar", AADObjectID: "00000000-0000-0000-0000-0000000000a1", Name: "Omar Lead", Email: "omar@acme.example", Installed: true}
	lee  = teamstest.User{ID: "29:lee", AADObjectID: "00000000-0000-0000-0000-0000000000b2", Name: "Lee Agent", Email: "lee@acme.example", Installed: true}
)

const (
	supportTeam = "19:team@thread.tacv2"
	opsChannel  = "19:ops@thread.tacv2"
)

// echo answers every request with what it understood, the way the command
// router would: a typed word, a click, a form.
type echo struct {
	mu    sync.Mutex
	seen  []bot.Request
	calls atomic.Int32
}

func (e *echo) Handle(_ context.Context, req bot.Request) bot.Message {
	e.calls.Add(1)
	e.mu.Lock()
	e.seen = append(e.seen, req)
	e.mu.Unlock()
	switch {
	case req.Text == "panic":
		panic("nil snapshot")
	case req.Text == "secret":
		return bot.Message{Headline: "Only you see this", Visibility: bot.Ephemeral}
	case req.Text != "":
		return bot.Message{Headline: "You asked: " + req.Text, Sections: []bot.Section{{Text: "as " + req.User.Email}}, Visibility: bot.Visible}
	case req.Action != nil && req.Action.ID == "seat.keep":
		return bot.Message{Form: &bot.Form{ID: "seat.keep", RecordID: req.Action.Value, Title: "Keep this seat", Submit: "Keep",
			Inputs: []bot.Input{{ID: "reason", Label: "Why keep it?", Required: true}}}}
	case req.Action != nil && req.Action.ID == "seat.remove":
		if req.User.Email != "omar@acme.example" {
			return bot.Message{Sections: []bot.Section{{Text: "That seat is omar@acme.example's."}}, Visibility: bot.Ephemeral}
		}
		return digest("Removed by " + req.User.Email)
	case req.Form != nil && req.Form.Cancelled:
		return digest("Open")
	case req.Form != nil && strings.TrimSpace(req.Form.Values["reason"]) == "":
		return bot.Message{Form: &bot.Form{ID: req.Form.FormID, RecordID: req.Form.RecordID, Title: "Keep this seat",
			Inputs: []bot.Input{{ID: "reason", Label: "Why keep it?", Required: true, Error: "Say why the seat stays, e.g. on parental leave"}}}}
	case req.Form != nil:
		return digest("Kept: " + req.Form.Values["reason"])
	}
	return bot.Message{Headline: "?", Visibility: bot.Ephemeral}
}

func (e *echo) requests() []bot.Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]bot.Request(nil), e.seen...)
}

// digest is a one-seat digest whose seat shows state.
func digest(state string) bot.Message {
	return bot.Message{Headline: "1 seat to review", Delivery: bot.ReplaceOriginal, Visibility: bot.Visible,
		Sections: []bot.Section{{Text: "*Tom Reilly* — " + state, Actions: []bot.Button{
			{ActionID: "seat.keep", Label: "Keep", Value: "w47:7"},
			{ActionID: "seat.remove", Label: "Remove", Value: "w47:7", Style: bot.StyleDanger},
		}}}}
}

type harness struct {
	emu     *teamstest.Server
	adapter *teams.Adapter
	handler *echo
	url     string // the bot's messaging endpoint
	waits   *[]time.Duration
}

type option func(*teams.Options)

func newHarness(t testing.TB, opts ...option) *harness {
	t.Helper()
	return newHarnessWith(t, teamstest.Options{}, opts...)
}

func newHarnessWith(t testing.TB, emuOpts teamstest.Options, opts ...option) *harness {
	t.Helper()
	emu := teamstest.NewServer(emuOpts)
	t.Cleanup(emu.Close)
	for _, u := range []teamstest.User{dana, omar, lee} {
		emu.AddUser(u)
	}
	// A team's General channel has the team's id.
	emu.AddChannel(teamstest.Channel{ID: supportTeam, TeamID: supportTeam, TeamName: "Support", Name: "General", Members: []string{dana.ID, omar.ID, lee.ID}})
	emu.AddChannel(teamstest.Channel{ID: opsChannel, TeamID: supportTeam, TeamName: "Support", Name: "ops", Members: []string{dana.ID, omar.ID, lee.ID}})
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "teams.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	h := &harness{emu: emu, handler: &echo{}, waits: &[]time.Duration{}}
	var mu sync.Mutex
	o := teams.Options{
		AppID: emu.AppID(), AppPassword: emu.AppPassword(), TenantID: emu.TenantID(),
		OpenIDMetadataURL: emu.MetadataURL(), TokenURL: emu.TokenURL(),
		ServiceURLs: []string{emu.ServiceURL()},
		Handler:     h.handler, Records: st, Dedupe: st, Command: "/warden",
		Now: emu.Now,
		Sleep: func(_ context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			*h.waits = append(*h.waits, d)
			return nil
		},
	}
	for _, opt := range opts {
		opt(&o)
	}
	if h.adapter, err = teams.New(o); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.adapter.Close(context.Background()) })
	mux := http.NewServeMux()
	h.adapter.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/api/messages"
	return h
}

func (h *harness) deliver(t *testing.T, act any) (int, []byte) {
	t.Helper()
	status, body, err := h.emu.Deliver(t.Context(), h.url, act)
	if err != nil {
		t.Fatal(err)
	}
	return status, body
}

func (h *harness) waitPosted(t *testing.T, conversation string, pred func(teamstest.Posted) bool) teamstest.Posted {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	p, err := h.emu.WaitForPosted(ctx, conversation, pred)
	if err != nil {
		t.Fatalf("nothing posted in %s: %v", conversation, err)
	}
	return p
}

func cardText(t *testing.T, p teamstest.Posted) string {
	t.Helper()
	var card teams.Card
	if err := json.Unmarshal(p.Card, &card); err != nil {
		t.Fatalf("posted card: %v", err)
	}
	return teams.CardText(card)
}

// TestEveryActivityIsAuthenticatedFirst: any token problem is a 401, the
// handler never runs and the bot calls nobody.
func TestEveryActivityIsAuthenticatedFirst(t *testing.T) {
	h := newHarness(t)
	act := h.emu.Message(omar, h.emu.PersonalConversation(omar.ID), "seats")
	body, _ := json.Marshal(act)
	good := func() jwt.MapClaims {
		now := h.emu.Now()
		return jwt.MapClaims{"iss": "https://api.botframework.com", "aud": h.emu.AppID(), "serviceurl": h.emu.ServiceURL(),
			"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()}
	}
	with := func(k string, v any) string {
		c := good()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return "Bearer " + h.emu.SignToken(c)
	}
	otherService := h.emu.Message(omar, h.emu.PersonalConversation(omar.ID), "seats")
	otherService.ServiceURL = "https://smba.evil.example/amer/"
	otherBody, _ := json.Marshal(otherService)
	tests := []struct {
		name   string
		header string
		body   []byte
	}{
		{"missing header", "", body},
		{"not a bearer token", "Basic b21hcjpwdw==", body},
		{"garbage token", "Bearer not.a.jwt", body},
		{"wrong key", "Bearer " + h.emu.SignToken(good(), teamstest.WithForeignKey()), body},
		{"unknown key id", "Bearer " + h.emu.SignToken(good(), teamstest.WithKeyID("forged")), body},
		{"no key id", "Bearer " + h.emu.SignToken(good(), teamstest.WithKeyID("")), body},
		{"wrong audience", with("aud", "someone-elses-bot"), body},
		{"wrong issuer", with("iss", "https://sts.windows.net/evil/"), body},
		{"expired", with("exp", h.emu.Now().Add(-10*time.Minute).Unix()), body},
		{"no expiry", with("exp", nil), body},
		{"not yet valid", with("nbf", h.emu.Now().Add(10*time.Minute).Unix()), body},
		{"missing serviceurl claim", with("serviceurl", nil), body},
		{"serviceurl claim of another service", with("serviceurl", "https://smba.trafficmanager.net/emea/"), body},
		{"serviceUrl not on the allowlist", "Bearer " + h.emu.InboundToken(otherService.ServiceURL), otherBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, h.url, strings.NewReader(string(tc.body)))
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", resp.StatusCode)
			}
		})
	}
	if n := h.handler.calls.Load(); n != 0 {
		t.Errorf("the handler ran %d times for unauthenticated activities", n)
	}
	if calls := h.emu.Calls(); len(calls) != 0 {
		t.Errorf("the bot called the connector %d times for unauthenticated activities", len(calls))
	}
}

// TestBadActivitiesAreRefusedNotCrashed: an authenticated request with an
// unusable body is a 400 and changes nothing.
func TestBadActivitiesAreRefusedNotCrashed(t *testing.T) {
	h := newHarness(t)
	conv := h.emu.PersonalConversation(omar.ID)
	notObject := h.emu.SubmitMessage(omar, conv, "1", nil)
	raw, _ := json.Marshal(notObject)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	m["value"] = "approve"
	valueString, _ := json.Marshal(m)
	noType := h.emu.Message(omar, conv, "seats")
	noType.Type = ""
	tests := []struct {
		name string
		body any
	}{
		{"malformed JSON", []byte(`{"type":"message","serviceUrl":`)},
		{"value that is not an object", valueString},
		{"no type", noType},
		{"JSON that is not an object", []byte(`["message"]`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if status, _ := h.deliver(t, tc.body); status != http.StatusBadRequest {
				t.Errorf("status %d, want 400", status)
			}
		})
	}
	if n := h.handler.calls.Load(); n != 0 {
		t.Errorf("the handler ran %d times", n)
	}
}

// TestKeysAreCachedAndRefetchedOnRotation: one fetch serves many
// activities; a token signed with a new key makes the bot refetch once.
func TestKeysAreCachedAndRefetchedOnRotation(t *testing.T) {
	h := newHarness(t)
	conv := h.emu.PersonalConversation(omar.ID)
	for i := range 3 {
		if status, _ := h.deliver(t, h.emu.Message(omar, conv, fmt.Sprint("seats ", i))); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
	}
	if n := h.emu.KeysFetches(); n != 1 {
		t.Errorf("key set fetched %d times for 3 activities, want 1", n)
	}
	h.emu.RotateKey()
	if status, _ := h.deliver(t, h.emu.Message(omar, conv, "seats")); status != http.StatusOK {
		t.Fatalf("status %d after a key rotation", status)
	}
	if n := h.emu.KeysFetches(); n != 2 {
		t.Errorf("key set fetched %d times after a rotation, want 2", n)
	}
}

// TestTypedCommandsAreAnswered: in a 1:1 chat the words arrive as typed,
// with the asker's email from the members API (fetched once); in a
// channel the @mention and a habitual slash command are dropped and the
// answer goes into the thread; an answer only for the asker goes to their
// 1:1 chat.
func TestTypedCommandsAreAnswered(t *testing.T) {
	h := newHarness(t)
	personal := h.emu.PersonalConversation(omar.ID)
	h.deliver(t, h.emu.Message(omar, personal, "seats inactive 60"))
	got := h.waitPosted(t, personal.ID, nil)
	if text := cardText(t, got); !strings.Contains(text, "You asked: seats inactive 60") || !strings.Contains(text, "as omar@acme.example") {
		t.Errorf("reply:\n%s", text)
	}
	h.deliver(t, h.emu.Message(omar, personal, "seats"))
	h.waitPosted(t, personal.ID, func(p teamstest.Posted) bool { return strings.Contains(string(p.Card), "You asked: seats\"") })
	members := 0
	for _, c := range h.emu.Calls() {
		if c.Op == teamstest.OpGetMember {
			members++
		}
	}
	if members != 1 {
		t.Errorf("%d member lookups for two messages, want 1 (cached)", members)
	}

	channel := h.emu.ChannelConversation(opsChannel)
	mention := h.emu.Message(dana, channel, "/warden   seats &amp; more")
	h.deliver(t, mention)
	inThread := h.waitPosted(t, opsChannel, func(p teamstest.Posted) bool { return p.ReplyToID == mention.ID })
	if text := cardText(t, inThread); !strings.Contains(text, "You asked: seats & more") || !strings.Contains(text, "as dana@acme.example") {
		t.Errorf("channel reply:\n%s", text)
	}

	h.deliver(t, h.emu.Message(dana, channel, "secret"))
	danaDM := h.emu.PersonalConversation(dana.ID)
	h.waitPosted(t, danaDM.ID, func(p teamstest.Posted) bool { return strings.Contains(string(p.Card), "Only you see this") })
	for _, p := range h.emu.Conversation(opsChannel) {
		if strings.Contains(string(p.Card), "Only you see this") {
			t.Errorf("a private answer was posted in the channel")
		}
	}
	seen := h.handler.requests()
	if seen[0].Platform != bot.PlatformTeams || !seen[0].Conversation.Direct || seen[2].Conversation.Direct {
		t.Errorf("requests: %+v", seen)
	}
}

// TestRedeliveredMessageIsAnsweredOnce: Teams retries a message it thinks
// timed out; the bot answers it once.
func TestRedeliveredMessageIsAnsweredOnce(t *testing.T) {
	h := newHarness(t)
	act := h.emu.Message(omar, h.emu.PersonalConversation(omar.ID), "seats")
	for range 3 {
		if status, _ := h.deliver(t, act); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
	}
	h.waitPosted(t, act.Conversation.ID, nil)
	if n := h.handler.calls.Load(); n != 1 {
		t.Errorf("handled %d times, want 1", n)
	}
}

// TestHandlerPanicBecomesAnApology: the bot answers with a reference and
// keeps serving.
func TestHandlerPanicBecomesAnApology(t *testing.T) {
	h := newHarness(t)
	conv := h.emu.PersonalConversation(omar.ID)
	h.deliver(t, h.emu.Message(omar, conv, "panic"))
	got := h.waitPosted(t, conv.ID, nil)
	if !strings.Contains(cardText(t, got), "Something went wrong (ref ") {
		t.Errorf("after a panic:\n%s", cardText(t, got))
	}
}

// TestAnotherTenantIsRefused: a single-tenant bot answers its own tenant.
func TestAnotherTenantIsRefused(t *testing.T) {
	h := newHarness(t)
	act := h.emu.Message(omar, h.emu.PersonalConversation(omar.ID), "seats")
	act.Conversation.TenantID = "11111111-2222-3333-4444-555555555555"
	act.ChannelData = map[string]any{"tenant": map[string]any{"id": act.Conversation.TenantID}}
	if status, _ := h.deliver(t, act); status != http.StatusForbidden {
		t.Errorf("status %d, want 403", status)
	}
	if h.handler.calls.Load() != 0 {
		t.Error("the handler ran")
	}
}

// sendDigest posts the one-seat digest to Omar as a job would.
func (h *harness) sendDigest(t *testing.T) teamstest.Posted {
	t.Helper()
	h.deliver(t, h.emu.ConversationUpdate(omar, h.emu.ChannelConversation(opsChannel)))
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	refs, err := h.sendOnceLearned(ctx, "omar@acme.example")
	if err != nil || len(refs) != 1 {
		t.Fatalf("digest not sent: %v %v", refs, err)
	}
	p, ok := h.emu.PostedActivity(refs[0].ConversationID, refs[0].MessageID)
	if !ok {
		t.Fatalf("the reference %+v names nothing posted", refs[0])
	}
	return p
}

// sendOnceLearned sends the digest to email as soon as the bot has learned
// who that is: members are learned in the background after an install.
func (h *harness) sendOnceLearned(ctx context.Context, email string) ([]bot.MessageRef, error) {
	for {
		refs, err := h.adapter.SendDirect(ctx, email, digest("Open"))
		if !errors.Is(err, bot.ErrUnreachable) || ctx.Err() != nil {
			return refs, err
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestClicksChangeTheCardInPlace: a click is answered in the invoke
// response: the updated card for everyone, a form drawn on the card (with
// the server's validation errors visible, and Cancel putting the digest
// back), and a banner for an answer only the clicker should see.
func TestClicksChangeTheCardInPlace(t *testing.T) {
	h := newHarness(t)
	card := h.sendDigest(t)
	click := func(as teamstest.User, title string, inputs map[string]string) teamstest.InvokeResponse {
		t.Helper()
		cur, _ := h.emu.PostedActivity(card.ConversationID, card.ID)
		resp, err := h.emu.Click(t.Context(), h.url, as, cur, title, inputs)
		if err != nil {
			t.Fatalf("click %q: %v", title, err)
		}
		return resp
	}

	if resp := click(lee, "Remove", nil); resp.Message() != "That seat is omar@acme.example's." {
		t.Errorf("someone else's click: %+v", resp)
	}
	if resp := click(omar, "Keep", nil); resp.Type != teamstest.AdaptiveCardContentType {
		t.Fatalf("Keep did not draw the form: %+v", resp)
	}
	form, _ := h.emu.PostedActivity(card.ConversationID, card.ID)
	if text := cardText(t, form); !strings.Contains(text, "Why keep it?") {
		t.Fatalf("form card:\n%s", text)
	}
	click(omar, "Keep", map[string]string{"f.reason": "  "})
	withError, _ := h.emu.PostedActivity(card.ConversationID, card.ID)
	if text := cardText(t, withError); !strings.Contains(text, "Say why the seat stays") {
		t.Errorf("the field error is not on the card:\n%s", text)
	}
	click(omar, "Cancel", nil)
	back, _ := h.emu.PostedActivity(card.ConversationID, card.ID)
	if text := cardText(t, back); !strings.Contains(text, "Tom Reilly — Open") {
		t.Errorf("cancel did not put the digest back:\n%s", text)
	}
	click(omar, "Keep", nil)
	click(omar, "Keep", map[string]string{"f.reason": "parental leave"})
	kept, _ := h.emu.PostedActivity(card.ConversationID, card.ID)
	if text := cardText(t, kept); !strings.Contains(text, "Kept: parental leave") {
		t.Errorf("after Keep:\n%s", text)
	}

	var forms []*bot.FormSubmission
	for _, r := range h.handler.requests() {
		if r.Form != nil {
			forms = append(forms, r.Form)
		}
		if r.Action != nil && r.Action.Message.MessageID != card.ID {
			t.Errorf("click names message %+v, want activity %s", r.Action.Message, card.ID)
		}
	}
	if len(forms) != 3 || !forms[1].Cancelled || forms[2].Values["reason"] != "parental leave" || forms[2].RecordID != "w47:7" {
		t.Errorf("form submissions: %+v", forms)
	}
}

// TestOlderClientsSubmitAndTheCardIsUpdated: Action.Submit arrives as a
// message; the answer replaces the card with an update.
func TestOlderClientsSubmitAndTheCardIsUpdated(t *testing.T) {
	h := newHarness(t)
	card := h.sendDigest(t)
	status, _, err := h.emu.ClickFallback(t.Context(), h.url, omar, card, "Remove", nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("fallback click: %d %v", status, err)
	}
	h.waitPosted(t, card.ConversationID, func(p teamstest.Posted) bool {
		return p.ID == card.ID && strings.Contains(string(p.Card), "Removed by omar@acme.example")
	})
}

// TestDigestsReachPeopleOfAnInstalledTeam: installing the app in a team
// teaches the bot its members, so a job can DM them; the 1:1 chat is
// created once; someone unknown or who blocked the bot is unreachable.
func TestDigestsReachPeopleOfAnInstalledTeam(t *testing.T) {
	h := newHarness(t)
	ctx := t.Context()
	if _, err := h.adapter.SendDirect(ctx, "lee@acme.example", digest("Open")); !errors.Is(err, bot.ErrUnreachable) {
		t.Fatalf("before the install: %v, want unreachable", err)
	}
	h.sendDigest(t) // installs in the team, then DMs Omar
	for range 2 {
		if _, err := h.sendOnceLearned(ctx, "LEE@acme.example"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(h.emu.Conversations()); n != 2 {
		t.Errorf("%d 1:1 conversations created for two people, want 2", n)
	}
	if _, err := h.adapter.SendDirect(ctx, "ghost@acme.example", digest("Open")); !errors.Is(err, bot.ErrUnreachable) {
		t.Errorf("unknown person: %v, want unreachable", err)
	}
	h.emu.BlockUser(lee.ID)
	if _, err := h.adapter.SendDirect(ctx, "lee@acme.example", digest("Open")); !errors.Is(err, bot.ErrUnreachable) {
		t.Errorf("blocked: %v, want unreachable", err)
	}
}

// TestChannelPostsAndUpdates: an escalation goes to a channel the bot is
// in, and a job redraws a posted card.
func TestChannelPostsAndUpdates(t *testing.T) {
	h := newHarness(t)
	ctx := t.Context()
	if _, err := h.adapter.SendChannel(ctx, opsChannel, digest("Open")); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Fatalf("before the install: %v", err)
	}
	h.deliver(t, h.emu.ConversationUpdate(dana, h.emu.ChannelConversation(opsChannel)))
	refs, err := h.adapter.SendChannel(ctx, opsChannel, digest("Open"))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.adapter.Update(ctx, refs[0], digest("Removed by dana@acme.example")); err != nil {
		t.Fatal(err)
	}
	p, _ := h.emu.PostedActivity(refs[0].ConversationID, refs[0].MessageID)
	if p.Updated != 1 || !strings.Contains(cardText(t, p), "Removed by dana@acme.example") {
		t.Errorf("after the update (%d updates):\n%s", p.Updated, cardText(t, p))
	}
	if !h.adapter.OwnsChannel(opsChannel) || h.adapter.OwnsChannel("C0123ADMIN") {
		t.Error("OwnsChannel mixes up Teams and Slack ids")
	}
}

// TestSendsSurviveThrottlingAndOutages: 429s are waited out (Retry-After)
// and the message goes out once; a token endpoint that is down fails the
// send with a clear error, and sends work again when it is back.
func TestSendsSurviveThrottlingAndOutages(t *testing.T) {
	// Tokens that live 10 s are fetched for every send (x/oauth2 renews
	// them 10 s early), so the outage below is met at once.
	h := newHarnessWith(t, teamstest.Options{TokenLifetime: 10 * time.Second})
	h.sendDigest(t)
	ctx := t.Context()
	h.emu.InjectRateLimitEvery(2)
	for range 3 {
		if _, err := h.adapter.SendDirect(ctx, "omar@acme.example", digest("Open")); err != nil {
			t.Fatalf("throttled send: %v", err)
		}
	}
	h.emu.InjectRateLimitEvery(0)
	if posts := h.emu.Conversation(h.emu.PersonalConversation(omar.ID).ID); len(posts) != 4 {
		t.Errorf("%d digests in Omar's chat, want 4 (each once)", len(posts))
	}
	retried := false
	for _, w := range *h.waits {
		retried = retried || w == time.Second
	}
	if !retried {
		t.Errorf("no wait of Retry-After's 1 s among %v", *h.waits)
	}

	h.emu.SetTokenDown(true)
	_, err := h.adapter.SendDirect(ctx, "omar@acme.example", digest("Open"))
	if err == nil || !strings.Contains(err.Error(), "Bot Framework token") {
		t.Fatalf("send with the token endpoint down: %v", err)
	}
	h.emu.SetTokenDown(false)
	if _, err := h.adapter.SendDirect(ctx, "omar@acme.example", digest("Open")); err != nil {
		t.Errorf("send after the outage: %v", err)
	}
}

// TestConcurrentSendsShareOneToken: x/oauth2's cache serves every sender.
func TestConcurrentSendsShareOneToken(t *testing.T) {
	h := newHarness(t)
	h.sendDigest(t)
	h.emu.ResetCalls()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := h.adapter.SendChannel(t.Context(), opsChannel, digest("Open")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(h.emu.TokenRequests()); n != 0 {
		t.Errorf("%d token requests for 20 sends with a cached token, want 0", n)
	}
}

// TestActivitiesMustNameTenantAndTeams: an activity with no tenant, or
// from a channel other than Teams (or none), is refused before anything
// runs, even with a valid Microsoft-signed token.
func TestActivitiesMustNameTenantAndTeams(t *testing.T) {
	tests := []struct {
		name string
		edit func(*teamstest.Activity)
	}{
		{"no tenant anywhere", func(a *teamstest.Activity) { a.Conversation.TenantID, a.ChannelData = "", nil }},
		{"no channel id", func(a *teamstest.Activity) { a.ChannelID = "" }},
		{"another channel", func(a *teamstest.Activity) { a.ChannelID = "webchat" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			act := h.emu.Message(omar, h.emu.PersonalConversation(omar.ID), "seats")
			tt.edit(&act)
			if status, _ := h.deliver(t, act); status != http.StatusUnauthorized && status != http.StatusForbidden {
				t.Errorf("status %d, want a refusal", status)
			}
			if h.handler.calls.Load() != 0 {
				t.Error("the handler ran")
			}
		})
	}
}

// TestDirectoryReachesPeopleNotMet: with the company directory's Entra
// object ids, a job can DM someone who never talked to the bot and shares
// no team with it, when the app is installed for them; the person is then
// remembered, and the directory is not asked again.
func TestDirectoryReachesPeopleNotMet(t *testing.T) {
	sam := teamstest.User{ID: "29:sam", AADObjectID: "00000000-0000-0000-0000-0000000000c3", Name: "Sam Agent", Email: "sam@acme.example", Installed: true}
	kit := teamstest.User{ID: "29:kit", AADObjectID: "00000000-0000-0000-0000-0000000000d4", Name: "Kit Agent", Email: "kit@acme.example"}
	directory := map[string]string{"sam@acme.example": sam.AADObjectID, "kit@acme.example": kit.AADObjectID}
	var asked atomic.Int32
	h := newHarness(t, func(o *teams.Options) {
		o.EntraObjectID = func(_ context.Context, email string) (string, bool, error) {
			asked.Add(1)
			oid, ok := directory[email]
			return oid, ok, nil
		}
	})
	h.emu.AddUser(sam)
	h.emu.AddUser(kit)
	ctx := t.Context()
	for range 2 {
		refs, err := h.adapter.SendDirect(ctx, "sam@acme.example", digest("Open"))
		if err != nil || len(refs) != 1 || refs[0].ConversationID != h.emu.PersonalConversation(sam.ID).ID {
			t.Fatalf("to sam: %+v, %v; want his 1:1 chat", refs, err)
		}
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("the directory was asked %d times for sam, want once: he is remembered", n)
	}
	tests := []struct{ name, email string }{
		{"the app is not installed for them", "kit@acme.example"},
		{"the directory does not know them", "ghost@acme.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := h.adapter.SendDirect(ctx, tt.email, digest("Open")); !errors.Is(err, bot.ErrUnreachable) {
				t.Errorf("%s: %v, want unreachable", tt.email, err)
			}
		})
	}
}

// A message's picture shows in the card as a Base64 PNG, which Teams
// does not count towards its 40 KB limit: a picture larger than the
// limit still goes out; one over Teams' 1 MB is left out, and the message
// goes without it.
func TestChannelPicture(t *testing.T) {
	h := newHarness(t)
	ctx := t.Context()
	h.deliver(t, h.emu.ConversationUpdate(dana, h.emu.ChannelConversation(opsChannel)))
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 60_000)...)
	m := digest("Open")
	m.Image = &bot.Image{PNG: png, Name: "posture-trend.png", Title: "Security posture", Alt: "standing admins 2 → 1"}
	refs, err := h.adapter.SendChannel(ctx, opsChannel, m)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := h.emu.PostedActivity(refs[len(refs)-1].ConversationID, refs[len(refs)-1].MessageID)
	var card struct {
		Body []struct{ Type, URL, AltText string } `json:"body"`
	}
	if err := json.Unmarshal(p.Card, &card); err != nil {
		t.Fatal(err)
	}
	last := card.Body[len(card.Body)-1]
	if last.Type != "Image" || last.URL != "data:image/png;base64,"+base64.StdEncoding.EncodeToString(png) || last.AltText != "standing admins 2 → 1" {
		t.Errorf("the card's last element: %s %q, %d characters of URL", last.Type, last.AltText, len(last.URL))
	}

	m.Image.PNG = bytes.Repeat([]byte{7}, 1<<20+1)
	refs, err = h.adapter.SendChannel(ctx, opsChannel, m)
	if err != nil {
		t.Fatalf("a message with a picture over 1 MB: %v", err)
	}
	if p, _ := h.emu.PostedActivity(refs[0].ConversationID, refs[0].MessageID); strings.Contains(string(p.Card), "data:image") {
		t.Error("a picture over 1 MB went out")
	}
}
