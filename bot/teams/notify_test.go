package teams_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/teams"
	"github.com/seatwarden/seatwarden/bot/teams/teamstest"
)

// groupChat is a chat of three without a team: it has no reply chains.
const groupChat = "19:chat@thread.v2"

// longDigest is a digest of n seats with long notes, which splits into
// several cards.
func longDigest(n int) bot.Message {
	m := bot.Message{Headline: fmt.Sprintf("%d seats to review", n), Visibility: bot.Visible}
	for i := range n {
		m.Sections = append(m.Sections, bot.Section{Text: fmt.Sprintf("*Agent %03d* · ", i+1) + strings.Repeat("last seen on the help centre, not in the agent workspace. ", 40)})
	}
	return m
}

// sends are the connector's accepted sends and replies, in order.
func sends(emu *teamstest.Server) []teamstest.Call {
	var out []teamstest.Call
	for _, c := range emu.Calls() {
		if (c.Op == teamstest.OpSendToConversation || c.Op == teamstest.OpReplyToActivity) && c.Error == "" {
			out = append(out, c)
		}
	}
	return out
}

// TestReplyInThread: under a channel post every part goes into the post's
// reply chain ("<channel>;messageid=<post>"); chats have no reply chains,
// so there the parts are new messages that reply to the post.
func TestReplyInThread(t *testing.T) {
	if cards, err := teams.RenderMessage(longDigest(12)); err != nil || len(cards) < 2 {
		t.Fatalf("the long digest renders to %d cards (%v); the test needs it to split", len(cards), err)
	}
	tests := []struct {
		name string
		// post is the parent: what the bot posted first.
		post func(t *testing.T, h *harness) bot.MessageRef
		msg  bot.Message
		// thread: the replies go into the parent's reply chain; otherwise
		// they reply to it in its conversation.
		thread bool
	}{
		{name: "in a channel", thread: true, msg: digest("Open"),
			post: func(t *testing.T, h *harness) bot.MessageRef {
				h.deliver(t, h.emu.ConversationUpdate(dana, h.emu.ChannelConversation(opsChannel)))
				return sent(h.adapter.SendChannel(t.Context(), opsChannel, digest("Open")))(t)
			}},
		{name: "a message that splits, in a channel", thread: true, msg: longDigest(12),
			post: func(t *testing.T, h *harness) bot.MessageRef {
				h.deliver(t, h.emu.ConversationUpdate(dana, h.emu.ChannelConversation(opsChannel)))
				return sent(h.adapter.SendChannel(t.Context(), opsChannel, digest("Open")))(t)
			}},
		{name: "in a 1:1 chat", msg: longDigest(12),
			post: func(t *testing.T, h *harness) bot.MessageRef {
				card := h.sendDigest(t)
				return bot.MessageRef{Platform: bot.PlatformTeams, ConversationID: card.ConversationID, MessageID: card.ID}
			}},
		{name: "in a group chat", msg: digest("Open"),
			post: func(t *testing.T, h *harness) bot.MessageRef {
				h.emu.AddChannel(teamstest.Channel{ID: groupChat, Name: "Seat admins", Members: []string{dana.ID, omar.ID, lee.ID}})
				h.deliver(t, h.emu.ConversationUpdate(dana, h.emu.ChannelConversation(groupChat)))
				return sent(h.adapter.SendChannel(t.Context(), groupChat, digest("Open")))(t)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			parent := tt.post(t, h)
			h.emu.ResetCalls()
			refs, err := h.adapter.ReplyInThread(t.Context(), parent, tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			cards, _ := teams.RenderMessage(tt.msg)
			calls := sends(h.emu)
			if len(refs) != len(cards) || len(calls) != len(cards) {
				t.Fatalf("%d refs and %d posts for %d cards", len(refs), len(calls), len(cards))
			}
			want := parent.ConversationID
			if tt.thread {
				want = parent.ConversationID + ";messageid=" + parent.MessageID
			}
			for i, ref := range refs {
				c := calls[i]
				if ref != (bot.MessageRef{Platform: bot.PlatformTeams, ConversationID: want, MessageID: c.ActivityID}) {
					t.Errorf("ref %d = %+v, want activity %s in %s", i, ref, c.ActivityID, want)
				}
				p, ok := h.emu.PostedActivity(ref.ConversationID, ref.MessageID)
				if !ok {
					t.Fatalf("ref %d names nothing posted", i)
				}
				if tt.thread {
					if c.Op != teamstest.OpSendToConversation || c.ConversationID != want || c.ThreadOf != parent.MessageID || p.ThreadOf != parent.MessageID {
						t.Errorf("part %d: %s to %s (thread of %q, posted in the thread of %q); want a send into the reply chain of %s",
							i, c.Op, c.ConversationID, c.ThreadOf, p.ThreadOf, parent.MessageID)
					}
				} else if c.Op != teamstest.OpReplyToActivity || c.ConversationID != parent.ConversationID || c.ReplyToID != parent.MessageID ||
					p.ReplyToID != parent.MessageID || p.ThreadOf != "" || !strings.Contains(string(p.Activity), `"replyToId":"`+parent.MessageID+`"`) {
					t.Errorf("part %d: %s to %s replying to %q (posted: %+v); want a reply to %s in the chat", i, c.Op, c.ConversationID, c.ReplyToID, p, parent.MessageID)
				}
			}
			if len(cards) > 1 {
				last, _ := h.emu.PostedActivity(refs[1].ConversationID, refs[1].MessageID)
				if !strings.HasSuffix(last.Summary, "(part 2 of 2)") {
					t.Errorf("second part's summary %q", last.Summary)
				}
			}
		})
	}
}

// TestReplyInThreadStaysInTheReplyChain: answering a reply that is itself
// in a channel's reply chain posts into the same chain, the only level
// Teams has.
func TestReplyInThreadStaysInTheReplyChain(t *testing.T) {
	h := newHarness(t)
	h.deliver(t, h.emu.ConversationUpdate(dana, h.emu.ChannelConversation(opsChannel)))
	parent := sent(h.adapter.SendChannel(t.Context(), opsChannel, digest("Open")))(t)
	first, err := h.adapter.ReplyInThread(t.Context(), parent, digest("Kept"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := h.adapter.ReplyInThread(t.Context(), first[0], digest("Removed"))
	if err != nil {
		t.Fatal(err)
	}
	thread := opsChannel + ";messageid=" + parent.MessageID
	if first[0].ConversationID != thread || second[0].ConversationID != thread {
		t.Errorf("replies in %s and %s, want both in %s", first[0].ConversationID, second[0].ConversationID, thread)
	}
	if got := h.emu.Conversation(thread); len(got) != 2 {
		t.Errorf("%d posts in the reply chain, want 2", len(got))
	}
}

func TestReplyInThreadErrors(t *testing.T) {
	h := newHarness(t)
	h.deliver(t, h.emu.ConversationUpdate(dana, h.emu.ChannelConversation(opsChannel)))
	parent := sent(h.adapter.SendChannel(t.Context(), opsChannel, digest("Open")))(t)
	tests := []struct {
		name    string
		parent  bot.MessageRef
		msg     bot.Message
		wantErr string
	}{
		{name: "another platform's message", parent: bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: opsChannel, MessageID: parent.MessageID}, msg: digest("Open"), wantErr: "not Teams'"},
		{name: "no activity id", parent: bot.MessageRef{Platform: bot.PlatformTeams, ConversationID: opsChannel}, msg: digest("Open"), wantErr: "no conversation or activity id"},
		{name: "no conversation", parent: bot.MessageRef{Platform: bot.PlatformTeams, MessageID: parent.MessageID}, msg: digest("Open"), wantErr: "no conversation or activity id"},
		{name: "a conversation the bot is not in", parent: bot.MessageRef{Platform: bot.PlatformTeams, ConversationID: "a:1nobody", MessageID: "1"}, msg: digest("Open"), wantErr: "not installed"},
		{name: "form alone", parent: parent, msg: bot.Message{Form: &bot.Form{ID: "f", Title: "F"}}, wantErr: "form cannot be sent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.emu.ResetCalls()
			refs, err := h.adapter.ReplyInThread(t.Context(), tt.parent, tt.msg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			// Only writes count: the install's member list is read in the
			// background and may land at any time.
			writes := slices.DeleteFunc(h.emu.Calls(), func(c teamstest.Call) bool {
				return c.Op == teamstest.OpGetMembers || c.Op == teamstest.OpGetPagedMembers || c.Op == teamstest.OpGetMember
			})
			if len(refs) != 0 || len(writes) != 0 {
				t.Errorf("refs %v and connector writes %v after an error, want none", refs, writes)
			}
		})
	}
	if got := h.emu.Conversation(opsChannel); len(got) != 1 {
		t.Errorf("%d posts in the channel, want only the parent", len(got))
	}
}

// sent is the first reference of a send that must succeed.
func sent(refs []bot.MessageRef, err error) func(*testing.T) bot.MessageRef {
	return func(t *testing.T) bot.MessageRef {
		t.Helper()
		if err != nil || len(refs) == 0 {
			t.Fatalf("send: %v %v", refs, err)
		}
		return refs[0]
	}
}
