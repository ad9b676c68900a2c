package console

import (
	"context"
	"strconv"

	"github.com/seatwarden/seatwarden/bot"
)

// Notifier is the console as the bot's chat transport: what the bot posts
// to a channel or sends to someone on its own (an approval thread, a
// digest, a direct message) is printed in the terminal under a line saying
// where it went, with its buttons numbered like a reply's. Everyone is in
// this one terminal, so with /as any of them can press them: an approval
// can be played through as on Slack.
func (s *Shell) Notifier() bot.Notifier { return (*notifier)(s) }

type notifier Shell

func (n *notifier) shell() *Shell { return (*Shell)(n) }

// post prints msg as a new message in conversation, described by where.
func (n *notifier) post(conversation, where string, msg bot.Message) []bot.MessageRef {
	s := n.shell()
	s.mu.Lock()
	s.replies++
	id := strconv.Itoa(s.replies)
	if s.posted == nil {
		s.posted = map[string]string{}
	}
	s.posted[id] = where
	s.mu.Unlock()
	ref := bot.MessageRef{Platform: bot.PlatformConsole, ConversationID: conversation, MessageID: id}
	s.display("── "+where+" · message "+id+" ──", ref, msg)
	return []bot.MessageRef{ref}
}

// SendDirect prints a direct message to email.
func (n *notifier) SendDirect(_ context.Context, email string, msg bot.Message) ([]bot.MessageRef, error) {
	return n.post("dm:"+email, "direct message to "+email, msg), nil
}

// SendChannel prints a post in channel.
func (n *notifier) SendChannel(_ context.Context, channel string, msg bot.Message) ([]bot.MessageRef, error) {
	return n.post(channel, "posted in "+channel, msg), nil
}

// ReplyInThread prints a reply under a message posted before.
func (n *notifier) ReplyInThread(_ context.Context, parent bot.MessageRef, msg bot.Message) ([]bot.MessageRef, error) {
	return n.post(parent.ConversationID, "reply in the thread of message "+parent.MessageID, msg), nil
}

// Update prints a posted message as it reads now; its buttons replace the
// numbered ones.
func (n *notifier) Update(_ context.Context, ref bot.MessageRef, msg bot.Message) error {
	s := n.shell()
	s.mu.Lock()
	where, ok := s.posted[ref.MessageID]
	s.mu.Unlock()
	if !ok {
		where = "a reply"
	}
	s.display("── message "+ref.MessageID+" ("+where+") now reads ──", ref, msg)
	return nil
}
