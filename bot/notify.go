package bot

import (
	"context"
	"errors"
	"time"
)

// Notifier sends messages nobody asked for: digests, reminders and
// escalations from jobs. Each transport implements it; jobs and commands
// see only this.
type Notifier interface {
	// SendDirect posts msg to the person with this email in a one-to-one
	// conversation with the bot. A message the transport splits returns
	// one reference per part, in order. ErrUnreachable means the transport
	// knows nobody by that email.
	SendDirect(ctx context.Context, email string, msg Message) ([]MessageRef, error)
	// SendChannel posts msg to a channel by the transport's id.
	SendChannel(ctx context.Context, channel string, msg Message) ([]MessageRef, error)
	// Update replaces a posted message with msg, in place for everyone.
	Update(ctx context.Context, ref MessageRef, msg Message) error
	// ReplyInThread posts msg as a reply in the thread of parent, a message
	// the bot posted (a reference SendChannel or SendDirect returned). A
	// message that splits posts every part into the thread, in order.
	ReplyInThread(ctx context.Context, parent MessageRef, msg Message) ([]MessageRef, error)
}

// DirectPreparer is a Notifier that can get ready to message many people
// more cheaply than one at a time (Slack finds them all in one pass over
// the workspace's members). A job about to send to many calls it first;
// an error only means SendDirect finds people one by one.
type DirectPreparer interface {
	PrepareDirect(ctx context.Context, emails []string) error
}

// PrepareDirect readies n for messaging emails when it can get ready.
func PrepareDirect(ctx context.Context, n Notifier, emails []string) error {
	if p, ok := n.(DirectPreparer); ok {
		return p.PrepareDirect(ctx, emails)
	}
	return nil
}

// ErrUnreachable: the transport cannot reach that person (no account by
// that email, or they never installed the bot). Retrying will not help
// until someone acts.
var ErrUnreachable = errors.New("bot: person not reachable on this transport")

// Place is where a notification was sent: exactly one of a channel
// (SendChannel), the thread of a message (ReplyInThread) or a person's
// direct conversation (SendDirect, by email).
type Place struct {
	Channel string
	Thread  MessageRef
	Direct  string
}

// Finder is a Notifier that can find what it posted by Message.Key. A
// sender that cannot tell whether an earlier send went out (the replica
// that sent it died before recording it, or the answer never came) asks
// first, and posts only when nothing is found.
type Finder interface {
	// FindPosted returns the parts of the message with key that the bot
	// posted to place since the given time, in order; none when it
	// posted nothing there.
	FindPosted(ctx context.Context, place Place, key string, since time.Time) ([]MessageRef, error)
}

// FindPosted asks n for the message with key in place. A transport that
// cannot find its posts finds nothing, and the caller sends again: at
// least once rather than never.
func FindPosted(ctx context.Context, n Notifier, place Place, key string, since time.Time) ([]MessageRef, error) {
	if f, ok := n.(Finder); ok && key != "" {
		return f.FindPosted(ctx, place, key, since)
	}
	return nil, nil
}
