package slack_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/slack"
	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
)

const (
	danaID    = "U0DANA"
	danaEmail = "dana@example.com"
)

// newNotifier is an adapter used only to send, against emu. retries > 0
// lets slack-go wait out 429s, as the app configures it.
func newNotifier(t *testing.T, emu *slacktest.Server, retries int) *slack.Adapter {
	t.Helper()
	opts := []slackgo.Option{slackgo.OptionAPIURL(emu.APIURL())}
	if retries > 0 {
		opts = append(opts, slackgo.OptionRetry(retries))
	}
	a, err := slack.New(slack.Options{
		API:     slackgo.New(slacktest.DefaultBotToken, opts...),
		Handler: &echo{},
		// Pacing has its own tests; here it would only slow them down.
		ChannelRate:    1000,
		ChannelBurst:   100,
		PostsPerMinute: 60_000,
		PostBurst:      100,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	return a
}

func newNotifyEmulator(t *testing.T) *slacktest.Server {
	t.Helper()
	emu := slacktest.NewServer(
		slacktest.WithUser(slacktest.User{ID: danaID, Name: "dana", RealName: "Dana Field", Email: "Dana@Example.com"}),
		slacktest.WithUser(slacktest.User{ID: "U0GONE", Name: "gone", Email: "gone@example.com", Deleted: true}),
	)
	t.Cleanup(emu.Close)
	return emu
}

// seatDigest is a review digest of n seats, each with its row of actions.
func seatDigest(n int) bot.Message {
	m := bot.Message{Headline: fmt.Sprintf("Your seat review: %d inactive seats", n), Visibility: bot.Visible}
	for i := range n {
		seat := fmt.Sprintf("rev-7:%03d", i+1)
		m.Sections = append(m.Sections, bot.Section{
			Text: fmt.Sprintf("*Agent %03d* · last login %d days ago", i+1, 30+i),
			Actions: []bot.Button{
				{ActionID: "seat.keep", Label: "Keep", Value: seat, Style: bot.StylePrimary},
				{ActionID: "seat.remove", Label: "Remove", Value: seat, Style: bot.StyleDanger, Confirm: &bot.Confirm{Text: "Remove this seat?"}},
				{ActionID: "seat.snooze", Label: "Snooze", Value: seat},
			},
		})
	}
	return m
}

func TestSendDirect(t *testing.T) {
	tests := []struct {
		name        string
		email       string
		msg         bot.Message
		unreachable bool // errors.Is(err, bot.ErrUnreachable)
		wantErr     string
		wantParts   int
	}{
		{name: "one part", email: danaEmail, msg: seatDigest(3), wantParts: 1},
		{name: "email in another case", email: " DANA@example.COM ", msg: seatDigest(1), wantParts: 1},
		// 1 header + 30 × 2 blocks: two messages, both in the DM.
		{name: "split message", email: danaEmail, msg: seatDigest(30), wantParts: 2},
		{name: "ephemeral is posted normally", email: danaEmail, msg: bot.Message{Headline: "Reminder", Visibility: bot.Ephemeral}, wantParts: 1},
		{name: "nobody with that email", email: "nobody@example.com", msg: seatDigest(1), unreachable: true, wantErr: "nobody@example.com"},
		{name: "deactivated account", email: "gone@example.com", msg: seatDigest(1), unreachable: true, wantErr: "gone@example.com"},
		{name: "no email", email: "", msg: seatDigest(1), unreachable: true},
		{name: "message that does not render", email: danaEmail, msg: bot.Message{}, wantErr: "empty message"},
		{name: "form alone", email: danaEmail, msg: bot.Message{Form: &bot.Form{ID: "f", Title: "F"}}, wantErr: "form cannot be sent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := newNotifyEmulator(t)
			a := newNotifier(t, emu, 0)
			refs, err := a.SendDirect(t.Context(), tt.email, tt.msg)
			if tt.wantErr != "" || tt.unreachable {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || errors.Is(err, bot.ErrUnreachable) != tt.unreachable {
					t.Fatalf("err = %v; want one containing %q, unreachable %v", err, tt.wantErr, tt.unreachable)
				}
				if len(refs) != 0 || len(emu.Messages("")) != 0 {
					t.Errorf("refs %v and %d messages after an error, want none", refs, len(emu.Messages("")))
				}
				if tt.wantErr != "" && !tt.unreachable && len(emu.Calls("")) != 0 {
					t.Errorf("%d Web API calls for a message that cannot be sent, want none", len(emu.Calls("")))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			dm, ok := emu.DMChannel(danaID)
			if !ok {
				t.Fatal("no DM with Dana was opened")
			}
			msgs := emu.Messages(dm)
			if len(refs) != tt.wantParts || len(msgs) != tt.wantParts {
				t.Fatalf("%d refs and %d messages in the DM, want %d", len(refs), len(msgs), tt.wantParts)
			}
			for i, ref := range refs {
				want := bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: dm, MessageID: msgs[i].TS}
				if ref != want {
					t.Errorf("ref %d = %+v, want %+v", i, ref, want)
				}
				if msgs[i].Ephemeral || msgs[i].User != emu.BotUserID() {
					t.Errorf("message %d: ephemeral %v, from %s; want a normal post by the bot", i, msgs[i].Ephemeral, msgs[i].User)
				}
			}
		})
	}
}

// TestSendDirectCachesTheConversation: the lookup is made once per person,
// and the DM is opened by the first post; failures are not remembered, so
// a person who joins later is reached.
func TestSendDirectCachesTheConversation(t *testing.T) {
	emu := newNotifyEmulator(t)
	a := newNotifier(t, emu, 0)
	for i := range 3 {
		if _, err := a.SendDirect(t.Context(), danaEmail, seatDigest(1)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if l, o := len(emu.Calls("users.lookupByEmail")), len(emu.Calls("conversations.open")); l != 1 || o != 0 {
		t.Errorf("%d lookups and %d conversations.open for three DMs to one person, want 1 and none (a post to the user id opens the DM)", l, o)
	}
	for _, post := range emu.Calls("chat.postMessage") {
		if post.Params["channel"] != danaID {
			t.Errorf("a post went to %q, want Dana's user id, which Slack takes for her DM", post.Params["channel"])
		}
	}

	for range 2 {
		if _, err := a.SendDirect(t.Context(), "new@example.com", seatDigest(1)); !errors.Is(err, bot.ErrUnreachable) {
			t.Fatalf("err = %v, want ErrUnreachable", err)
		}
	}
	emu.AddUser(slacktest.User{ID: "U0NEW", Name: "new", Email: "new@example.com"})
	refs, err := a.SendDirect(t.Context(), "new@example.com", seatDigest(1))
	if err != nil || len(refs) != 1 {
		t.Fatalf("after joining: %v, %v", refs, err)
	}
	if n := len(emu.Calls("users.lookupByEmail")); n != 4 {
		t.Errorf("%d lookups, want 4 (1 for Dana, then 3 for the newcomer: misses are not cached)", n)
	}
}

// TestSendDirectUnderRateLimits: 50 people, one in ten calls of every
// method refused with 429. slack-go waits each out and retries; since
// Slack refuses a rate-limited post before posting, everyone gets the
// digest exactly once.
func TestSendDirectUnderRateLimits(t *testing.T) {
	emu := newNotifyEmulator(t)
	const people = 50
	for i := range people {
		emu.AddUser(slacktest.User{ID: fmt.Sprintf("U0P%03d", i), Name: fmt.Sprint("p", i), Email: fmt.Sprintf("p%03d@example.com", i)})
	}
	methods := []string{"users.lookupByEmail", "chat.postMessage"}
	for _, m := range methods {
		emu.InjectRateLimitEvery(m, 0, 10)
	}
	a := newNotifier(t, emu, 3)

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	refs := make([][]bot.MessageRef, people)
	errs := make([]error, people)
	var wg sync.WaitGroup
	for i := range people {
		wg.Go(func() {
			refs[i], errs[i] = a.SendDirect(ctx, fmt.Sprintf("p%03d@example.com", i), seatDigest(2))
		})
	}
	wg.Wait()

	for i := range people {
		user := fmt.Sprintf("U0P%03d", i)
		if errs[i] != nil {
			t.Errorf("%s: %v", user, errs[i])
			continue
		}
		dm, ok := emu.DMChannel(user)
		if !ok {
			t.Errorf("%s: no DM opened", user)
			continue
		}
		msgs := emu.Messages(dm)
		if len(msgs) != 1 || len(refs[i]) != 1 || refs[i][0].MessageID != msgs[0].TS {
			t.Errorf("%s: %d messages in the DM and refs %v, want exactly one", user, len(msgs), refs[i])
		}
	}
	// 50 accepted calls with one in ten refused take at least 55.
	for _, m := range methods {
		if n := len(emu.Calls(m)); n < people+people/10 {
			t.Errorf("%s: %d calls, want at least %d (the refused ones retried)", m, n, people+people/10)
		}
	}
}

// TestSendReturnsThePartsPosted: when a later part fails, the caller gets
// the parts already posted along with the error.
func TestSendReturnsThePartsPosted(t *testing.T) {
	emu := newNotifyEmulator(t)
	a := newNotifier(t, emu, 0) // no retries: the 429 is the failure
	emu.InjectRateLimitEvery("chat.postMessage", 30*time.Second, 2)
	refs, err := a.SendChannel(t.Context(), "C0SEATS", seatDigest(30))
	var rl *slackgo.RateLimitedError
	if !errors.As(err, &rl) || !strings.Contains(err.Error(), "part 2 of 2") {
		t.Fatalf("err = %v, want a 429 on part 2 of 2", err)
	}
	msgs := emu.Messages("C0SEATS")
	if len(refs) != 1 || len(msgs) != 1 || refs[0] != (bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: "C0SEATS", MessageID: msgs[0].TS}) {
		t.Errorf("refs %v for messages %v, want the first part's", refs, msgs)
	}
}

func TestSendChannel(t *testing.T) {
	emu := newNotifyEmulator(t)
	a := newNotifier(t, emu, 0)
	refs, err := a.SendChannel(t.Context(), "C0SEATS", seatDigest(30))
	if err != nil {
		t.Fatal(err)
	}
	msgs := emu.Messages("C0SEATS")
	if len(refs) != 2 || len(msgs) != 2 {
		t.Fatalf("%d refs and %d messages, want 2 and 2", len(refs), len(msgs))
	}
	for i := range refs {
		if refs[i].MessageID != msgs[i].TS || refs[i].ConversationID != "C0SEATS" {
			t.Errorf("ref %d = %+v, want message %s in C0SEATS", i, refs[i], msgs[i].TS)
		}
	}
	if !strings.HasSuffix(msgs[1].Text, "(part 2 of 2)") {
		t.Errorf("second part's text %q", msgs[1].Text)
	}
	for _, bad := range []string{"", "  "} {
		if _, err := a.SendChannel(t.Context(), bad, seatDigest(1)); err == nil {
			t.Errorf("SendChannel(%q) sent", bad)
		}
	}
}

func TestUpdate(t *testing.T) {
	emu := newNotifyEmulator(t)
	a := newNotifier(t, emu, 0)
	refs, err := a.SendDirect(t.Context(), danaEmail, seatDigest(3))
	if err != nil {
		t.Fatal(err)
	}
	ref := refs[0]
	user := emu.PostUserMessage("C0SEATS", danaID, "a person's message")

	t.Run("replaces the message in place", func(t *testing.T) {
		kept := bot.Message{Headline: "Agent 001 kept", Sections: []bot.Section{{Text: "Kept by Dana until 2027-05-01."}}, Visibility: bot.Visible}
		if err := a.Update(t.Context(), ref, kept); err != nil {
			t.Fatal(err)
		}
		msgs := emu.Messages(ref.ConversationID)
		if len(msgs) != 1 || msgs[0].TS != ref.MessageID || msgs[0].Updated != 1 || msgs[0].Text != "Agent 001 kept" || !strings.Contains(string(msgs[0].Blocks), "Kept by Dana") {
			t.Errorf("messages after the update: %+v", msgs)
		}
	})
	t.Run("a message that would split keeps its first part", func(t *testing.T) {
		if err := a.Update(t.Context(), ref, seatDigest(30)); err != nil {
			t.Fatal(err)
		}
		msgs := emu.Messages(ref.ConversationID)
		if len(msgs) != 1 || msgs[0].Updated != 2 || !strings.Contains(string(msgs[0].Blocks), "Agent 024") || strings.Contains(string(msgs[0].Blocks), "Agent 025") {
			t.Errorf("want the one message holding seats 1 to 24; got %d messages", len(msgs))
		}
	})

	errTests := []struct {
		name    string
		ref     bot.MessageRef
		msg     bot.Message
		wantErr string
	}{
		{"another platform's message", bot.MessageRef{Platform: bot.PlatformTeams, ConversationID: ref.ConversationID, MessageID: ref.MessageID}, seatDigest(1), "not Slack's"},
		{"no ts", bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: ref.ConversationID}, seatDigest(1), "no channel or ts"},
		{"no such message", bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: ref.ConversationID, MessageID: "1.000001"}, seatDigest(1), "message_not_found"},
		{"a person's message", bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: "C0SEATS", MessageID: user.TS}, seatDigest(1), "cant_update_message"},
		{"message that does not render", ref, bot.Message{}, "empty message"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			if err := a.Update(t.Context(), tt.ref, tt.msg); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	if got := emu.Messages(ref.ConversationID)[0].Updated; got != 2 {
		t.Errorf("the message was updated %d times, want 2 (failed updates change nothing)", got)
	}
}

// TestReplyInThread: every part of a reply lands in the parent's thread
// (thread_ts = the parent's ts), in order, and the references name the
// replies themselves.
func TestReplyInThread(t *testing.T) {
	tests := []struct {
		name      string
		direct    bool // the parent is a DM rather than a channel post
		msg       bot.Message
		wantParts int
	}{
		{name: "one part under a channel post", msg: seatDigest(3), wantParts: 1},
		{name: "a message that splits posts both parts in the thread", msg: seatDigest(30), wantParts: 2},
		{name: "under a direct message", direct: true, msg: seatDigest(1), wantParts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := newNotifyEmulator(t)
			a := newNotifier(t, emu, 0)
			var parents []bot.MessageRef
			var err error
			if tt.direct {
				parents, err = a.SendDirect(t.Context(), danaEmail, seatDigest(1))
			} else {
				parents, err = a.SendChannel(t.Context(), "C0SEATS", seatDigest(1))
			}
			if err != nil {
				t.Fatal(err)
			}
			parent := parents[0]
			refs, err := a.ReplyInThread(t.Context(), parent, tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			replies := emu.Replies(parent.ConversationID, parent.MessageID)
			if len(refs) != tt.wantParts || len(replies) != tt.wantParts {
				t.Fatalf("%d refs and %d replies in the thread, want %d", len(refs), len(replies), tt.wantParts)
			}
			for i, ref := range refs {
				want := bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: parent.ConversationID, MessageID: replies[i].TS}
				if ref != want || replies[i].ThreadTS != parent.MessageID || replies[i].TS == parent.MessageID {
					t.Errorf("reply %d: ref %+v for %+v, want %+v in the thread of %s", i, ref, replies[i], want, parent.MessageID)
				}
			}
			if tt.wantParts > 1 && !strings.HasSuffix(replies[1].Text, "(part 2 of 2)") {
				t.Errorf("second reply's text %q, want the second part", replies[1].Text)
			}
			if n := len(emu.Messages(parent.ConversationID)); n != 1+tt.wantParts {
				t.Errorf("%d messages in %s, want the parent and %d replies", n, parent.ConversationID, tt.wantParts)
			}
		})
	}
}

// TestReplyInThreadErrors: a reference that is not a Slack message posts
// nothing; Slack's refusal comes back wrapped with its error code.
func TestReplyInThreadErrors(t *testing.T) {
	tests := []struct {
		name      string
		parent    bot.MessageRef
		msg       bot.Message
		wantErr   string
		wantSlack string // the Web API error code, when Slack refused
	}{
		{name: "another platform's message", parent: bot.MessageRef{Platform: bot.PlatformTeams, ConversationID: "C0SEATS", MessageID: "1700000000.000100"}, msg: seatDigest(1), wantErr: "not Slack's"},
		{name: "no ts", parent: bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: "C0SEATS"}, msg: seatDigest(1), wantErr: "no channel or ts"},
		{name: "no channel", parent: bot.MessageRef{Platform: bot.PlatformSlack, MessageID: "1700000000.000100"}, msg: seatDigest(1), wantErr: "no channel or ts"},
		{name: "form alone", parent: bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: "C0SEATS", MessageID: "1700000000.000100"}, msg: bot.Message{Form: &bot.Form{ID: "f", Title: "F"}}, wantErr: "form cannot be sent"},
		{name: "a channel Slack does not know", parent: bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: "D0NOSUCH", MessageID: "1700000000.000100"}, msg: seatDigest(1),
			wantErr: "part 1 of 1 not posted to D0NOSUCH", wantSlack: "channel_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := newNotifyEmulator(t)
			a := newNotifier(t, emu, 0)
			refs, err := a.ReplyInThread(t.Context(), tt.parent, tt.msg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			var se slackgo.SlackErrorResponse
			if tt.wantSlack != "" && (!errors.As(err, &se) || se.Err != tt.wantSlack) {
				t.Errorf("err = %v, want Slack's %s wrapped", err, tt.wantSlack)
			}
			if tt.wantSlack == "" && len(emu.Calls("chat.postMessage")) != 0 {
				t.Errorf("%d chat.postMessage calls for a reply that cannot be sent, want none", len(emu.Calls("chat.postMessage")))
			}
			if len(refs) != 0 || len(emu.Messages("")) != 0 {
				t.Errorf("refs %v and %d messages after an error, want none", refs, len(emu.Messages("")))
			}
		})
	}
}

// A message's picture is shared in the channel as a file after the
// message (files.getUploadURLExternal, the upload, then
// files.completeUploadExternal); when Slack will not take it, the message
// stands alone and the send still succeeds, so nobody retries it.
func TestSendChannelSharesPicture(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 4000)...)
	digest := bot.Message{Headline: "This week's security posture", Sections: []bot.Section{{Text: "Nothing changed."}}, Visibility: bot.Visible,
		Image: &bot.Image{PNG: png, Name: "posture-trend.png", Title: "Security posture, the last 2 weeks", Alt: "standing admins 2 → 1"}}

	emu := newNotifyEmulator(t)
	if _, err := newNotifier(t, emu, 0).SendChannel(t.Context(), "C0ADMINS", digest); err != nil {
		t.Fatal(err)
	}
	files := emu.Files()
	if len(files) != 1 || !files[0].Complete || files[0].Channel != "C0ADMINS" || !bytes.Equal(files[0].Data, png) ||
		files[0].Title != "Security posture, the last 2 weeks" || files[0].AltText != "standing admins 2 → 1" || files[0].Name != "posture-trend.png" {
		t.Fatalf("files = %+v", files)
	}
	if msgs := emu.Messages("C0ADMINS"); len(msgs) != 1 {
		t.Errorf("%d messages, want the digest once", len(msgs))
	}

	refused := newNotifyEmulator(t)
	refused.InjectRateLimit("files.getUploadURLExternal", time.Second, 5)
	if _, err := newNotifier(t, refused, 0).SendChannel(t.Context(), "C0ADMINS", digest); err != nil {
		t.Fatalf("a refused picture failed the send: %v", err)
	}
	if msgs, files := refused.Messages("C0ADMINS"), refused.Files(); len(msgs) != 1 || len(files) != 0 {
		t.Errorf("%d messages and %d files, want the digest alone", len(msgs), len(files))
	}
}

// The adapter paces its posts to a channel below Slack's pacing, so a run
// of digests to one channel meets no 429 and every post arrives once.
// (The emulator tolerates one post more of burst than the adapter uses,
// as Slack tolerates short bursts: arrival jitter is not a refusal.)
func TestPostsStayWithinChannelPacing(t *testing.T) {
	emu := slacktest.NewServer(slacktest.WithChannelPacing(20, 4))
	t.Cleanup(emu.Close)
	a, err := slack.New(slack.Options{API: slackgo.New(slacktest.DefaultBotToken, slackgo.OptionAPIURL(emu.APIURL())),
		Handler: &echo{}, ChannelRate: 20, ChannelBurst: 3, PostsPerMinute: 60_000, PostBurst: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	for i := range 30 {
		if _, err := a.SendChannel(t.Context(), "C0ADMINS", bot.Message{Headline: fmt.Sprintf("Digest %d", i+1), Visibility: bot.Visible}); err != nil {
			t.Fatalf("post %d: %v", i+1, err)
		}
	}
	if n := len(emu.Messages("C0ADMINS")); n != 30 {
		t.Errorf("%d messages, want 30", n)
	}
	for _, c := range emu.Calls("chat.postMessage") {
		if c.Status == 429 {
			t.Errorf("a post was refused: the adapter outran the channel's pacing")
			break
		}
	}
}

// fakeClock is a clock that sleeping advances, shared by the adapter's
// pacing and the emulator's limits.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return ctx.Err()
}

// people adds n members to emu and returns their emails.
func people(emu *slacktest.Server, n int) []string {
	emails := make([]string, n)
	for i := range emails {
		emails[i] = fmt.Sprintf("owner%04d@example.com", i)
		emu.AddUser(slacktest.User{ID: fmt.Sprintf("U1%05d", i), Name: fmt.Sprint("owner", i), Email: emails[i]})
	}
	return emails
}

// Before messaging many people, PrepareDirect finds them in one pass over
// the members (users.list) instead of a Tier 3 lookup each; a few are
// still looked up one by one, and so is anyone a pass cut short (never
// longer than the lookups would take) did not reach.
func TestPrepareDirect(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		people, others         int // to message, and other members listed before them
		wantPages, wantLookups int
	}{
		{"many people: one pass", 250, 0, 2, 0}, // 250 members and 3 others: two pages of 200
		{"a few: a lookup each", 10, 0, 0, 10},
		// 51 to find (50 and one nobody has) are worth 21 pages: the pass
		// stops there, before reaching them.
		{"a workspace far larger than the list", 50, 4500, 21, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu := newNotifyEmulator(t)
			for i := range tc.others {
				emu.AddUser(slacktest.User{ID: fmt.Sprintf("U0X%05d", i), Name: fmt.Sprint("other", i), Email: fmt.Sprintf("other%05d@example.com", i)})
			}
			emails := people(emu, tc.people)
			a := newNotifier(t, emu, 0)
			if err := a.PrepareDirect(t.Context(), append(emails, "nobody@example.com")); err != nil {
				t.Fatal(err)
			}
			for _, email := range emails {
				if _, err := a.SendDirect(t.Context(), email, seatDigest(1)); err != nil {
					t.Fatalf("%s: %v", email, err)
				}
			}
			pages, lookups, opens := len(emu.Calls("users.list")), len(emu.Calls("users.lookupByEmail")), len(emu.Calls("conversations.open"))
			if pages != tc.wantPages || lookups != tc.wantLookups || opens != 0 {
				t.Errorf("%d users.list pages, %d lookups, %d conversations.open; want %d, %d, none", pages, lookups, opens, tc.wantPages, tc.wantLookups)
			}
			for i := range tc.people {
				dm, ok := emu.DMChannel(fmt.Sprintf("U1%05d", i))
				if n := len(emu.Messages(dm)); !ok || n != 1 {
					t.Errorf("%s got %d messages, want 1", emails[i], n)
				}
			}
			if _, err := a.SendDirect(t.Context(), "nobody@example.com", seatDigest(1)); !errors.Is(err, bot.ErrUnreachable) {
				t.Errorf("someone the pass did not find: %v, want ErrUnreachable", err)
			}
		})
	}
}

// The people a digest went to are known when they click: the pass over
// the members that found them also tells their email, so a command from
// one of them costs no users.info.
func TestPreparedPeopleNeedNoLookupWhenTheyAsk(t *testing.T) {
	f := newFixture(t)
	emails := append(people(f.emu, 60), "dana@example.com")
	if err := f.adapter.PrepareDirect(t.Context(), emails); err != nil {
		t.Fatal(err)
	}
	status, body := f.post(t, "/slack/commands", slashBody("seats", f.emu.NewMessageResponseURL("C0SEATS", "U0DANA", "")), nil)
	if status != 200 || !strings.Contains(body, "as dana@example.com") {
		t.Fatalf("answer %d %q, want it to know Dana", status, body)
	}
	if n := len(f.emu.Calls("users.info")); n != 0 {
		t.Errorf("%d users.info calls, want none", n)
	}
}

// A digest to every owner, each in their own DM, meets chat.postMessage's
// workspace-wide limit, not the per-channel one. The adapter paces its
// posts across the workspace, so Slack refuses none, and delivers at 90%
// or more of the fastest the limit allows (on the emulator's clock, which
// the pacing's sleeps advance).
func TestDigestsToManyKeepToTheWorkspaceLimit(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)}
	emu := slacktest.NewServer(slacktest.WithClock(clock.Now), slacktest.WithTierRateLimits())
	t.Cleanup(emu.Close)
	const owners = 400
	emails := people(emu, owners)
	a, err := slack.New(slack.Options{
		API:     slackgo.New(slacktest.DefaultBotToken, slackgo.OptionAPIURL(emu.APIURL())), // no retries: a 429 fails
		Handler: &echo{}, Now: clock.Now, Sleep: clock.Sleep,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close(context.Background()) })

	start := clock.Now()
	if err := a.PrepareDirect(t.Context(), emails); err != nil {
		t.Fatal(err)
	}
	for _, email := range emails {
		if _, err := a.SendDirect(t.Context(), email, seatDigest(3)); err != nil {
			t.Fatalf("%s: %v", email, err)
		}
	}
	took := clock.Now().Sub(start)

	for _, c := range emu.Calls("") {
		if c.Status == 429 {
			t.Fatalf("Slack refused a %s: the adapter outran its limits", c.Method)
		}
	}
	for i := range owners {
		dm, _ := emu.DMChannel(fmt.Sprintf("U1%05d", i))
		if n := len(emu.Messages(dm)); n != 1 {
			t.Errorf("%s got %d digests, want 1", emails[i], n)
		}
	}
	perSecond := slacktest.DefaultWorkspacePostsPerMinute / 60.0
	fastest := time.Duration(float64(owners-slacktest.DefaultWorkspacePostBurst) / perSecond * float64(time.Second))
	if share := fastest.Seconds() / took.Seconds(); share < 0.9 {
		t.Errorf("%d digests took %s; the limit allows %s, so %.0f%% of the allowed rate, want 90%% or more", owners, took, fastest, 100*share)
	}
}
