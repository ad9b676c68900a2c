package slacktest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

// rawBlock sends arbitrary block JSON through slack-go, to reach the
// emulator's validation with payloads slack-go's builders would not make.
type rawBlock string

func (b rawBlock) BlockType() slack.MessageBlockType { return "raw" }
func (b rawBlock) ID() string                        { return "" }
func (b rawBlock) MarshalJSON() ([]byte, error)      { return []byte(b), nil }

func dividers(n int) []slack.Block {
	out := make([]slack.Block, n)
	for i := range out {
		out[i] = slack.NewDividerBlock()
	}
	return out
}

func mrkdwnSection(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)
}

func TestPostMessage(t *testing.T) {
	tests := []struct {
		name         string
		channel      string
		opts         []slack.MsgOption
		wantErr      string
		wantMsgMatch string // a substring of one response_metadata message
		wantChannel  string // "" means the channel given; "D" means a DM
	}{
		{name: "text", channel: "C0GENERAL", opts: []slack.MsgOption{slack.MsgOptionText("hello", false)}},
		{name: "blocks only", channel: "C0GENERAL", opts: []slack.MsgOption{slack.MsgOptionBlocks(mrkdwnSection("*hi*"))}},
		{name: "50 blocks", channel: "C0GENERAL", opts: []slack.MsgOption{slack.MsgOptionBlocks(dividers(50)...)}},
		{
			name: "51 blocks", channel: "C0GENERAL",
			opts:    []slack.MsgOption{slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(dividers(51)...)},
			wantErr: "invalid_blocks", wantMsgMatch: "[json-pointer:/blocks]",
		},
		{
			name: "unknown block type", channel: "C0GENERAL",
			opts:    []slack.MsgOption{slack.MsgOptionBlocks(rawBlock(`{"type":"carousel_of_doom"}`))},
			wantErr: "invalid_blocks", wantMsgMatch: "[json-pointer:/blocks/0/type]",
		},
		{name: "40,000 characters", channel: "C0GENERAL", opts: []slack.MsgOption{slack.MsgOptionText(strings.Repeat("a", MaxMessageTextChars), false)}},
		{
			name: "40,001 characters", channel: "C0GENERAL",
			opts:    []slack.MsgOption{slack.MsgOptionText(strings.Repeat("a", MaxMessageTextChars+1), false)},
			wantErr: "msg_too_long",
		},
		{name: "nothing to show", channel: "C0GENERAL", opts: []slack.MsgOption{slack.MsgOptionText("", false)}, wantErr: "no_text"},
		{name: "channel name instead of id", channel: "#general", opts: []slack.MsgOption{slack.MsgOptionText("x", false)}, wantErr: "channel_not_found"},
		{name: "unopened DM", channel: "D0NOTOPEN", opts: []slack.MsgOption{slack.MsgOptionText("x", false)}, wantErr: "channel_not_found"},
		{name: "user id posts to the DM", channel: alice, opts: []slack.MsgOption{slack.MsgOptionText("psst", false)}, wantChannel: "D"},
		{name: "deactivated user", channel: gone, opts: []slack.MsgOption{slack.MsgOptionText("x", false)}, wantErr: "channel_not_found"},
		{name: "unknown user", channel: "U0NOBODY1", opts: []slack.MsgOption{slack.MsgOptionText("x", false)}, wantErr: "channel_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			api := newClient(s)
			channel, ts, err := api.PostMessageContext(t.Context(), tt.channel, tt.opts...)
			if errCode(err) != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if tt.wantMsgMatch != "" && !containsSubstring(errMessages(err), tt.wantMsgMatch) {
				t.Errorf("response_metadata.messages = %q, want one containing %q", errMessages(err), tt.wantMsgMatch)
			}
			if err != nil {
				if got := s.Messages(""); len(got) != 0 {
					t.Errorf("a rejected post recorded messages: %+v", got)
				}
				return
			}
			switch tt.wantChannel {
			case "":
				if channel != tt.channel {
					t.Errorf("channel = %q, want %q", channel, tt.channel)
				}
			case "D":
				ch, _, _, err := api.OpenConversationContext(t.Context(), &slack.OpenConversationParameters{Users: []string{tt.channel}})
				if err != nil || channel != ch.ID || !strings.HasPrefix(channel, "D") {
					t.Errorf("channel = %q, want the DM id from conversations.open (%+v, %v)", channel, ch, err)
				}
			}
			msgs := s.Messages(channel)
			if len(msgs) != 1 || msgs[0].TS != ts || msgs[0].User != DefaultBotUserID || msgs[0].Ephemeral {
				t.Errorf("recorded %+v, want one bot message with ts %s", msgs, ts)
			}
		})
	}
}

func containsSubstring(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestPostMessageRecordsContentAndThread(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	section := mrkdwnSection("*parent*")
	_, parentTS, err := api.PostMessageContext(t.Context(), "C0GENERAL", slack.MsgOptionText("parent", false), slack.MsgOptionBlocks(section))
	if err != nil {
		t.Fatal(err)
	}
	_, replyTS, err := api.PostMessageContext(t.Context(), "C0GENERAL", slack.MsgOptionText("reply", false), slack.MsgOptionTS(parentTS))
	if err != nil {
		t.Fatal(err)
	}
	wantBlocks, _ := json.Marshal([]slack.Block{section})
	want := []Message{
		{Channel: "C0GENERAL", TS: parentTS, Text: "parent", Blocks: wantBlocks, User: DefaultBotUserID},
		{Channel: "C0GENERAL", TS: replyTS, ThreadTS: parentTS, Text: "reply", User: DefaultBotUserID},
	}
	if diff := cmp.Diff(want, s.Messages("C0GENERAL")); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if parentTS == replyTS {
		t.Errorf("two messages share ts %s on a frozen clock", parentTS)
	}
	if diff := cmp.Diff(want[1:], s.Replies("C0GENERAL", parentTS)); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
	if got := s.Replies("C0OTHER", parentTS); len(got) != 0 {
		t.Errorf("replies in another channel: %+v", got)
	}
}

func TestPostMessageWithResponse(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	_, ts, msg, err := api.PostMessageWithResponseContext(t.Context(), "C0GENERAL",
		slack.MsgOptionText("hi", false), slack.MsgOptionBlocks(mrkdwnSection("*hi*")), slack.MsgOptionTS("1700000000.000100"))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Timestamp != ts || msg.ThreadTimestamp != "1700000000.000100" || msg.Text != "hi" || msg.BotID != DefaultBotID || len(msg.Blocks.BlockSet) != 1 {
		t.Errorf("message in response = %+v", msg.Msg)
	}
}

func TestPostEphemeral(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	dm, _, _, err := api.OpenConversationContext(t.Context(), &slack.OpenConversationParameters{Users: []string{alice}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		channel string
		user    string
		text    string
		wantErr string
	}{
		{name: "in a channel", channel: "C0GENERAL", user: bob, text: "only you"},
		{name: "in the user's DM", channel: dm.ID, user: alice, text: "only you"},
		{name: "no user", channel: "C0GENERAL", user: "", text: "x", wantErr: "user_not_found"},
		{name: "unknown user", channel: "C0GENERAL", user: "U0NOBODY1", text: "x", wantErr: "user_not_found"},
		{name: "user not in the DM", channel: dm.ID, user: bob, text: "x", wantErr: "user_not_in_channel"},
		{name: "too long", channel: "C0GENERAL", user: bob, text: strings.Repeat("a", MaxMessageTextChars+1), wantErr: "msg_too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := api.PostEphemeralContext(t.Context(), tt.channel, tt.user, slack.MsgOptionText(tt.text, false))
			if errCode(err) != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if ts == "" {
				t.Fatal("no message_ts returned")
			}
			m, err := s.WaitForMessage(t.Context(), tt.channel, func(m Message) bool { return m.TS == ts })
			if err != nil || !m.Ephemeral || m.User != tt.user || m.Text != tt.text {
				t.Errorf("recorded %+v, %v; want an ephemeral message for %s", m, err, tt.user)
			}
		})
	}
}

func TestUpdateMessage(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	post := func(channel, text string, opts ...slack.MsgOption) (string, string) {
		t.Helper()
		ch, ts, err := api.PostMessageContext(t.Context(), channel, append([]slack.MsgOption{slack.MsgOptionText(text, false)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		return ch, ts
	}
	_, botTS := post("C0GENERAL", "bot says", slack.MsgOptionBlocks(mrkdwnSection("*bot*")))
	dm, dmTS := post(alice, "dm says")
	ephTS, err := api.PostEphemeralContext(t.Context(), "C0GENERAL", bob, slack.MsgOptionText("psst", false))
	if err != nil {
		t.Fatal(err)
	}
	userTS := s.PostUserMessage("C0GENERAL", bob, "a person wrote this").TS

	tests := []struct {
		name       string
		channel    string
		ts         string
		opts       []slack.MsgOption
		wantErr    string
		wantText   string
		wantBlocks bool
	}{
		{name: "unknown ts", channel: "C0GENERAL", ts: "1.000001", opts: []slack.MsgOption{slack.MsgOptionText("x", false)}, wantErr: "message_not_found"},
		{name: "right ts, wrong channel", channel: "C0RANDOM1", ts: botTS, opts: []slack.MsgOption{slack.MsgOptionText("x", false)}, wantErr: "message_not_found"},
		{name: "user id instead of the DM id", channel: alice, ts: dmTS, opts: []slack.MsgOption{slack.MsgOptionText("x", false)}, wantErr: "channel_not_found"},
		{name: "ephemeral message", channel: "C0GENERAL", ts: ephTS, opts: []slack.MsgOption{slack.MsgOptionText("x", false)}, wantErr: "message_not_found"},
		{name: "someone else's message", channel: "C0GENERAL", ts: userTS, opts: []slack.MsgOption{slack.MsgOptionText("x", false)}, wantErr: "cant_update_message"},
		{name: "over the update limit", channel: "C0GENERAL", ts: botTS, opts: []slack.MsgOption{slack.MsgOptionText(strings.Repeat("a", MaxUpdateTextChars+1), false)}, wantErr: "msg_too_long"},
		{name: "51 blocks", channel: "C0GENERAL", ts: botTS, opts: []slack.MsgOption{slack.MsgOptionBlocks(dividers(51)...)}, wantErr: "invalid_blocks"},
		{name: "new blocks keep text", channel: "C0GENERAL", ts: botTS, opts: []slack.MsgOption{slack.MsgOptionBlocks(mrkdwnSection("*v2*"))}, wantText: "bot says", wantBlocks: true},
		{name: "text without blocks removes blocks", channel: "C0GENERAL", ts: botTS, opts: []slack.MsgOption{slack.MsgOptionText("v3", false)}, wantText: "v3"},
		{name: "DM by its D id", channel: dm, ts: dmTS, opts: []slack.MsgOption{slack.MsgOptionText("dm v2", false)}, wantText: "dm v2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Messages("")
			ch, ts, text, err := api.UpdateMessageContext(t.Context(), tt.channel, tt.ts, tt.opts...)
			if errCode(err) != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if err != nil {
				if diff := cmp.Diff(before, s.Messages("")); diff != "" {
					t.Errorf("a rejected update changed messages (-before +after):\n%s", diff)
				}
				return
			}
			if ch != tt.channel || ts != tt.ts || text != tt.wantText {
				t.Errorf("update returned (%q, %q, %q), want (%q, %q, %q)", ch, ts, text, tt.channel, tt.ts, tt.wantText)
			}
			m, err := s.WaitForMessage(t.Context(), tt.channel, func(m Message) bool { return m.TS == tt.ts })
			if err != nil || m.Text != tt.wantText || (m.Blocks != nil) != tt.wantBlocks {
				t.Errorf("message now %+v (%v); want text %q, blocks %v", m, err, tt.wantText, tt.wantBlocks)
			}
		})
	}
	if m, _ := s.WaitForMessage(t.Context(), "C0GENERAL", func(m Message) bool { return m.TS == botTS }); m.Updated != 2 {
		t.Errorf("Updated = %d, want 2", m.Updated)
	}
}

// TestPostMessageRawBodies covers encodings slack-go does not produce: a
// JSON body and malformed blocks.
func TestPostMessageRawBodies(t *testing.T) {
	s := newTestServer(t)
	bearer := "Bearer " + DefaultBotToken
	tests := []struct {
		name        string
		contentType string
		body        string
		wantErr     string
	}{
		{"JSON body", "application/json; charset=utf-8", `{"channel":"C0GENERAL","text":"hi","blocks":[{"type":"divider"}]}`, ""},
		{"form blocks not an array", "application/x-www-form-urlencoded", `channel=C0GENERAL&text=x&blocks=%7B%22type%22%3A%22divider%22%7D`, "invalid_blocks_format"},
		{"JSON blocks not JSON", "application/json", `{"channel":"C0GENERAL","text":"x","blocks":"nope"}`, "invalid_blocks_format"},
		{"attachments over the limit", "application/json", `{"channel":"C0GENERAL","attachments":[` + strings.Repeat(`{"text":"a"},`, MaxAttachments) + `{"text":"a"}]}`, "too_many_attachments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body := rawCall(t, s, "chat.postMessage", tt.contentType, bearer, tt.body)
			wantOK := tt.wantErr == ""
			if body["ok"] != wantOK || (!wantOK && body["error"] != tt.wantErr) {
				t.Errorf("body = %v, want ok=%v error=%q", body, wantOK, tt.wantErr)
			}
		})
	}
	msgs := s.Messages("C0GENERAL")
	if len(msgs) != 1 || string(msgs[0].Blocks) != `[{"type":"divider"}]` {
		t.Errorf("messages = %+v, want the JSON-body post with its blocks", msgs)
	}
}
