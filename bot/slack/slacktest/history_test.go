package slacktest

import (
	"slices"
	"testing"

	"github.com/slack-go/slack"
)

func TestPostMessageMetadata(t *testing.T) {
	tests := []struct {
		name    string
		meta    slack.SlackMetadata
		wantErr string
	}{
		{"event type and payload", slack.SlackMetadata{EventType: "t", EventPayload: map[string]any{"key": "k"}}, ""},
		{"no event type", slack.SlackMetadata{EventPayload: map[string]any{"key": "k"}}, "invalid_metadata_schema"},
		{"no payload", slack.SlackMetadata{EventType: "t"}, "invalid_metadata_schema"},
		{"too large", slack.SlackMetadata{EventType: "t", EventPayload: map[string]any{"k": string(make([]byte, MaxMetadataBytes))}}, "metadata_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			_, _, err := newClient(s).PostMessageContext(t.Context(), "C0GENERAL", slack.MsgOptionText("x", false), slack.MsgOptionMetadata(tt.meta))
			if errCode(err) != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if n := len(s.Messages("")); (err == nil) != (n == 1) {
				t.Errorf("recorded %d messages", n)
			}
		})
	}
}

// History is newest first without thread replies, and returns metadata
// only when asked; replies are the parent then the thread, oldest
// first; both page by cursor and filter by oldest.
func TestConversationsHistoryAndReplies(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	ctx := t.Context()
	post := func(text, thread string) string {
		opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionMetadata(slack.SlackMetadata{EventType: "t", EventPayload: map[string]any{"text": text}})}
		if thread != "" {
			opts = append(opts, slack.MsgOptionTS(thread))
		}
		_, ts, err := api.PostMessageContext(ctx, "C0GENERAL", opts...)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	first := post("one", "")
	post("two", "")
	post("reply a", first)
	post("reply b", first)
	post("three", "")
	if _, err := api.PostEphemeralContext(ctx, "C0GENERAL", alice, slack.MsgOptionText("only alice", false)); err != nil {
		t.Fatal(err)
	}

	texts := func(msgs []slack.Message) (out []string) {
		for _, m := range msgs {
			out = append(out, m.Text)
		}
		return out
	}
	h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C0GENERAL"})
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(h.Messages); !slices.Equal(got, []string{"three", "two", "one"}) {
		t.Errorf("history = %q, want newest first without replies or ephemeral messages", got)
	}
	if h.Messages[0].Metadata.EventType != "" {
		t.Errorf("metadata returned without include_all_metadata: %+v", h.Messages[0].Metadata)
	}

	var paged []string
	cursor := ""
	for {
		h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: "C0GENERAL", Limit: 2, Cursor: cursor, Oldest: first, IncludeAllMetadata: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range h.Messages {
			paged = append(paged, m.Metadata.EventPayload["text"].(string))
		}
		if cursor = h.ResponseMetaData.NextCursor; cursor == "" {
			break
		}
	}
	if !slices.Equal(paged, []string{"three", "two"}) {
		t.Errorf("history after the first message, two a page, by metadata = %q, want three, two", paged)
	}

	replies, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "C0GENERAL", Timestamp: first})
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(replies); !slices.Equal(got, []string{"one", "reply a", "reply b"}) {
		t.Errorf("replies = %q, want the parent then the thread", got)
	}
	if _, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "C0GENERAL", Timestamp: "1.000001"}); errCode(err) != "thread_not_found" {
		t.Errorf("replies of no message: %v, want thread_not_found", err)
	}
	if _, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "D0NOTOPEN"}); errCode(err) != "channel_not_found" {
		t.Errorf("history of an unopened DM: %v, want channel_not_found", err)
	}
	if _, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C0GENERAL", Cursor: "not-a-cursor"}); errCode(err) != "invalid_cursor" {
		t.Errorf("history with a made-up cursor: %v, want invalid_cursor", err)
	}
}
