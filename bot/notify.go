package bot

import (
	"context"
	"errors"
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
