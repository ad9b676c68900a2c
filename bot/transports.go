package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Transport is one chat platform's Notifier in Transports. Owns, when
// set, recognises the platform's channel ids, so a channel named in the
// policy is posted to through the platform it belongs to.
type Transport struct {
	Platform Platform
	Notifier Notifier
	Owns     func(channel string) bool
}

// Transports sends through several chat platforms at once (Slack and
// Teams): a person is reached on the first platform, in order, that knows
// them; a channel through the platform that owns its id (else the first
// without an Owns); an update or a thread reply through the platform of
// its reference.
type Transports []Transport

var (
	_ Notifier       = Transports(nil)
	_ DirectPreparer = Transports(nil)
	_ Finder         = Transports(nil)
)

// SendDirect tries each platform in order and stops at the first that
// knows the person, whether its send succeeds or fails (a failure is
// retried later on the same platform rather than sent twice elsewhere).
func (ts Transports) SendDirect(ctx context.Context, email string, msg Message) ([]MessageRef, error) {
	var errs []error
	for _, t := range ts {
		refs, err := t.Notifier.SendDirect(ctx, email, msg)
		if !errors.Is(err, ErrUnreachable) {
			return refs, err
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("no chat transport is configured: %w", ErrUnreachable)
	}
	return nil, errors.Join(errs...)
}

// PrepareDirect readies every platform that can get ready for many
// people at once, since any of them may be the one that knows a person.
func (ts Transports) PrepareDirect(ctx context.Context, emails []string) error {
	var errs []error
	for _, t := range ts {
		if err := PrepareDirect(ctx, t.Notifier, emails); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", t.Platform, err))
		}
	}
	return errors.Join(errs...)
}

// SendChannel posts through the platform that owns channel.
func (ts Transports) SendChannel(ctx context.Context, channel string, msg Message) ([]MessageRef, error) {
	t, ok := ts.owner(channel)
	if !ok {
		return nil, fmt.Errorf("no chat transport takes channel %q", channel)
	}
	return t.Notifier.SendChannel(ctx, channel, msg)
}

// Update goes to the platform the message was posted on.
func (ts Transports) Update(ctx context.Context, ref MessageRef, msg Message) error {
	for _, t := range ts {
		if t.Platform == ref.Platform {
			return t.Notifier.Update(ctx, ref, msg)
		}
	}
	return fmt.Errorf("no chat transport for a %q message", ref.Platform)
}

// ReplyInThread goes to the platform the parent message was posted on.
func (ts Transports) ReplyInThread(ctx context.Context, parent MessageRef, msg Message) ([]MessageRef, error) {
	for _, t := range ts {
		if t.Platform == parent.Platform {
			return t.Notifier.ReplyInThread(ctx, parent, msg)
		}
	}
	return nil, fmt.Errorf("no chat transport for a reply to a %q message", parent.Platform)
}

func (ts Transports) owner(channel string) (Transport, bool) {
	for _, t := range ts {
		if t.Owns != nil && t.Owns(channel) {
			return t, true
		}
	}
	for _, t := range ts {
		if t.Owns == nil {
			return t, true
		}
	}
	return Transport{}, false
}

// FindPosted asks the platform the send went through: the one that owns
// the channel, the one of the thread's parent, or, for a person, each
// platform that can look.
func (ts Transports) FindPosted(ctx context.Context, place Place, key string, since time.Time) ([]MessageRef, error) {
	switch {
	case place.Channel != "":
		t, ok := ts.owner(place.Channel)
		if !ok {
			return nil, fmt.Errorf("no chat transport takes channel %q", place.Channel)
		}
		return FindPosted(ctx, t.Notifier, place, key, since)
	case place.Thread.MessageID != "":
		for _, t := range ts {
			if t.Platform == place.Thread.Platform {
				return FindPosted(ctx, t.Notifier, place, key, since)
			}
		}
		return nil, fmt.Errorf("no chat transport for a %q thread", place.Thread.Platform)
	}
	// A person's message went to one platform; the others simply
	// hold nothing with key.
	for _, t := range ts {
		refs, err := FindPosted(ctx, t.Notifier, place, key, since)
		switch {
		case errors.Is(err, ErrUnreachable):
		case err != nil || len(refs) > 0:
			return refs, err
		}
	}
	return nil, nil
}
