package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/bot"
)

// keyEvent is the metadata event type of a message sent with a key: its
// payload holds the key and which part of the message it is.
const keyEvent = "seatwarden_notification"

func keyMetadata(key string, part int) slackgo.SlackMetadata {
	return slackgo.SlackMetadata{EventType: keyEvent, EventPayload: map[string]any{"key": key, "part": part}}
}

// Finding reads history a page at a time; findPages bounds how far back
// it reads before it gives up rather than spend a Tier 3 method's
// minute on one lookup.
const (
	findPage  = 200
	findPages = 5
)

// FindPosted implements bot.Finder: it reads the place's history since
// the send (conversations.history, or conversations.replies for a
// thread) with metadata, and returns the bot's parts tagged with key, in
// part order. A person's place is their DM with the bot, opened by
// conversations.open (which opens nothing new when one exists).
func (a *Adapter) FindPosted(ctx context.Context, place bot.Place, key string, since time.Time) ([]bot.MessageRef, error) {
	// A minute's margin: the clocks of the replica that sent and of
	// Slack need not agree.
	oldest := fmt.Sprintf("%d.000000", since.Add(-time.Minute).Unix())
	var read func(cursor string) ([]slackgo.Message, string, error)
	channel := place.Channel
	switch {
	case place.Channel != "":
	case place.Thread.MessageID != "":
		channel = place.Thread.ConversationID
		read = func(cursor string) ([]slackgo.Message, string, error) {
			var msgs []slackgo.Message
			var next string
			err := a.paced(ctx, channel, func() (err error) {
				msgs, _, next, err = a.opt.API.GetConversationRepliesContext(ctx, &slackgo.GetConversationRepliesParameters{
					ChannelID: channel, Timestamp: place.Thread.MessageID, Cursor: cursor, Limit: findPage,
					Oldest: oldest, Inclusive: true, IncludeAllMetadata: true,
				})
				return err
			})
			return msgs, next, err
		}
	case place.Direct != "":
		user, err := a.directTarget(ctx, place.Direct)
		if err != nil {
			return nil, err
		}
		ch, _, _, err := a.opt.API.OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
		if err != nil {
			return nil, fmt.Errorf("slack: conversations.open for %s: %w", place.Direct, err)
		}
		channel = ch.ID
	default:
		return nil, errors.New("slack: FindPosted: no place to look")
	}
	if read == nil {
		read = func(cursor string) ([]slackgo.Message, string, error) {
			var r *slackgo.GetConversationHistoryResponse
			err := a.paced(ctx, channel, func() (err error) {
				r, err = a.opt.API.GetConversationHistoryContext(ctx, &slackgo.GetConversationHistoryParameters{
					ChannelID: channel, Cursor: cursor, Limit: findPage, Oldest: oldest, Inclusive: true, IncludeAllMetadata: true,
				})
				return err
			})
			if err != nil {
				return nil, "", err
			}
			return r.Messages, r.ResponseMetaData.NextCursor, nil
		}
	}

	type part struct {
		n   int
		ref bot.MessageRef
	}
	var found []part
	cursor := ""
	for page := 0; ; page++ {
		if page == findPages {
			// Sending again may show it twice; not sending may never
			// show it. Twice is the lesser harm.
			a.log.WarnContext(ctx, "slack: too many messages since the send to look for it; it is sent again",
				slog.String("channel", channel), slog.String("key", key), slog.Int("read", findPage*findPages))
			return nil, nil
		}
		msgs, next, err := read(cursor)
		if err != nil {
			return nil, fmt.Errorf("slack: looking for %q in %s: %w", key, channel, err)
		}
		for _, m := range msgs {
			if n, ok := keyPart(m.Metadata, key); ok {
				found = append(found, part{n, bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: channel, MessageID: m.Timestamp}})
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	slices.SortFunc(found, func(x, y part) int { return x.n - y.n })
	refs := make([]bot.MessageRef, len(found))
	for i, p := range found {
		refs[i] = p.ref
	}
	return refs, nil
}

// keyPart reports whether metadata tags a part of the message with key,
// and which part.
func keyPart(m slackgo.SlackMetadata, key string) (int, bool) {
	if m.EventType != keyEvent || m.EventPayload["key"] != key {
		return 0, false
	}
	switch n := m.EventPayload["part"].(type) {
	case float64:
		return int(n), true
	case string:
		i, err := strconv.Atoi(n)
		return i, err == nil
	}
	return 0, true
}
