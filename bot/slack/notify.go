package slack

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/bot"
)

var (
	_ bot.Notifier       = (*Adapter)(nil)
	_ bot.DirectPreparer = (*Adapter)(nil)
	_ bot.Finder         = (*Adapter)(nil)
)

// SendDirect posts msg to the person with this email in their direct
// conversation with the bot, one message per rendered part, and returns a
// reference to each part posted. When a part fails, the references of the
// parts already posted come back with the error, so the caller knows what
// the person saw. Nobody in the workspace with that email, or a
// deactivated account, is bot.ErrUnreachable.
//
// The message is posted as it renders whatever its Visibility: a direct
// conversation is private anyway. A message that is only a Form is an
// error, since a modal opens only in answer to a click.
func (a *Adapter) SendDirect(ctx context.Context, email string, msg bot.Message) ([]bot.MessageRef, error) {
	out, err := renderNotification(msg)
	if err != nil {
		return nil, err
	}
	target, err := a.directTarget(ctx, email)
	if err != nil {
		return nil, err
	}
	refs, err := a.postParts(ctx, target, out, msg.Key)
	if err != nil && len(refs) == 0 {
		switch code := slackError(err); code {
		case "channel_not_found", "user_not_found", "user_disabled", "cannot_dm_bot":
			return nil, fmt.Errorf("slack: cannot message %s (%s): %w", email, code, bot.ErrUnreachable)
		}
	}
	if err == nil && msg.Image != nil {
		a.shareImage(ctx, refs[0].ConversationID, *msg.Image) // a file is shared to the DM's own id
	}
	return refs, err
}

// PrepareDirect implements bot.DirectPreparer: before a job messages many
// people, it finds them all in one pass over the workspace's members
// (users.list, Tier 2, 200 a page) rather than one users.lookupByEmail
// (Tier 3: 50 a minute) each, which would hold a digest to a thousand
// owners to twenty minutes. Who they are is cached for their clicks too. A few people are looked up one by one, as
// SendDirect does; anyone the pass misses is too.
func (a *Adapter) PrepareDirect(ctx context.Context, emails []string) error {
	now := a.opt.Now()
	want := map[string]bool{}
	for _, e := range emails {
		if key := emailKey(e); key != "" {
			if _, ok := a.dms.get(key, now); !ok {
				want[key] = true
			}
		}
	}
	if len(want) < sweepFrom {
		return nil
	}
	// A page takes as long as lookupsPerPage lookups (20 a minute against
	// 50), so in a workspace far larger than the list the pass stops after
	// as many pages as the lookups would have taken, and whoever it has
	// not found yet is looked up after all: never much slower than
	// lookups alone.
	budget := int(math.Ceil(float64(len(want)) / lookupsPerPage))
	p := a.opt.API.GetUsersPaginated(slackgo.GetUsersOptionLimit(usersPage), slackgo.GetUsersOptionIncludeLocale(false))
	for pages := 0; pages < budget; {
		next, err := p.Next(ctx)
		var limited *slackgo.RateLimitedError
		switch {
		case p.Done(err):
			return nil
		case errors.As(err, &limited):
			if err := a.sleep(ctx, limited.RetryAfter); err != nil {
				return err
			}
			continue
		case err != nil:
			return fmt.Errorf("slack: users.list: %w", err)
		}
		p, pages = next, pages+1
		for _, u := range p.Users {
			if key := emailKey(u.Profile.Email); want[key] && !u.Deleted && !u.IsBot {
				a.dms.put(key, u.ID, now)
				// The people a job messages are the ones who click next:
				// knowing them now spares a users.info (Tier 4) per
				// person when they do.
				a.users.learn(ctx, u)
			}
		}
	}
	return nil
}

// sweepFrom is the number of people to find from which one pass over
// every member beats a lookup each: a minute of Tier 3 lookups. usersPage
// is the page Slack advises for users.list; lookupsPerPage how many Tier 3
// lookups (50 a minute) take the time of one Tier 2 page (20 a minute).
const (
	sweepFrom      = 50
	usersPage      = 200
	lookupsPerPage = 50.0 / 20
)

func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// SendChannel posts msg to a channel by id (C…, G… or D…), as SendDirect
// does to a person.
func (a *Adapter) SendChannel(ctx context.Context, channel string, msg bot.Message) ([]bot.MessageRef, error) {
	if strings.TrimSpace(channel) == "" {
		return nil, errors.New("slack: SendChannel: no channel id")
	}
	out, err := renderNotification(msg)
	if err != nil {
		return nil, err
	}
	refs, err := a.postParts(ctx, channel, out, msg.Key)
	if err == nil && msg.Image != nil {
		a.shareImage(ctx, channel, *msg.Image)
	}
	return refs, err
}

// shareImage shares a message's picture in the channel as a file, after
// the message. The message already went out and says what matters, so a
// failed upload is logged, never an error a caller would retry (and post
// the message twice for).
func (a *Adapter) shareImage(ctx context.Context, channel string, img bot.Image) {
	_, err := a.opt.API.UploadFileContext(ctx, slackgo.UploadFileParameters{
		Reader: bytes.NewReader(img.PNG), FileSize: len(img.PNG), Filename: cmp.Or(img.Name, "image.png"),
		Title: img.Title, AltTxt: img.Alt, Channel: channel,
	})
	if err != nil {
		a.log.WarnContext(ctx, "slack: the message's picture was not shared; the message stands without it",
			slog.String("channel", channel), slog.String("file", img.Name), slog.Any("error", err))
	}
}

// Update replaces a message the bot posted (a reference SendDirect,
// SendChannel, an Action or a FormSubmission gave) with msg, in place for
// everyone. A message holds one rendered part only: when msg would split,
// the first part replaces it and the rest is dropped (and logged), so
// callers keep updatable messages within one part by paging them
// (bot.Pager) rather than letting them split.
func (a *Adapter) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	if ref.Platform != bot.PlatformSlack {
		return fmt.Errorf("slack: Update: a %q message reference is not Slack's", ref.Platform)
	}
	if ref.ConversationID == "" || ref.MessageID == "" {
		return errors.New("slack: Update: the message reference has no channel or ts")
	}
	out, err := renderNotification(msg)
	if err != nil {
		return err
	}
	if len(out) > 1 {
		a.log.Warn("update renders to several messages; only the first replaces the original",
			slog.String("channel", ref.ConversationID), slog.String("ts", ref.MessageID), slog.Int("parts", len(out)))
	}
	if err := a.updateMessage(ctx, ref.ConversationID, ref.MessageID, out[0]); err != nil {
		return fmt.Errorf("slack: chat.update %s %s: %w", ref.ConversationID, ref.MessageID, err)
	}
	return nil
}

// ReplyInThread posts msg as replies in the thread of a message the bot
// posted (chat.postMessage with thread_ts), one reply per rendered part,
// and references each reply posted; with an error, the replies posted
// before it, as SendDirect does.
func (a *Adapter) ReplyInThread(ctx context.Context, parent bot.MessageRef, msg bot.Message) ([]bot.MessageRef, error) {
	if parent.Platform != bot.PlatformSlack {
		return nil, fmt.Errorf("slack: ReplyInThread: a %q message reference is not Slack's", parent.Platform)
	}
	if parent.ConversationID == "" || parent.MessageID == "" {
		return nil, errors.New("slack: ReplyInThread: the message reference has no channel or ts")
	}
	out, err := renderNotification(msg)
	if err != nil {
		return nil, err
	}
	return a.postParts(ctx, parent.ConversationID, out, msg.Key, slackgo.MsgOptionTS(parent.MessageID))
}

// renderNotification renders a message sent unasked, which must have
// something to post.
func renderNotification(msg bot.Message) ([]RenderedMessage, error) {
	out, err := RenderMessage(msg)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("slack: a form cannot be sent unasked; send a message with a button that opens it")
	}
	return out, nil
}

// postParts posts rendered parts in order and references each one posted.
// A key tags every part (FindPosted finds them by it); extra options go
// with every part (a thread_ts keeps them all in one thread).
func (a *Adapter) postParts(ctx context.Context, channel string, out []RenderedMessage, key string, extra ...slackgo.MsgOption) ([]bot.MessageRef, error) {
	var refs []bot.MessageRef
	for i, rm := range out {
		opts := append(msgOptions(rm), extra...)
		if key != "" {
			opts = append(opts, slackgo.MsgOptionMetadata(keyMetadata(key, i)))
		}
		posted, ts, err := a.postMessage(ctx, channel, opts...)
		if err != nil {
			return refs, fmt.Errorf("slack: part %d of %d not posted to %s: %w", i+1, len(out), channel, err)
		}
		refs = append(refs, bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: firstNonEmpty(posted, channel), MessageID: ts})
	}
	return refs, nil
}

// directTarget is where a DM to the person with this email goes: their
// user id, which chat.postMessage takes for their DM with the bot (opening
// it if need be), so no conversations.open (Tier 3) is spent per person,
// and their posts are paced under one key. The person is found with
// users.lookupByEmail (Tier 3) unless PrepareDirect found them. Answers
// are cached; failures are not.
func (a *Adapter) directTarget(ctx context.Context, email string) (string, error) {
	key := emailKey(email)
	if key == "" {
		return "", fmt.Errorf("slack: no email to send to: %w", bot.ErrUnreachable)
	}
	if target, ok := a.dms.get(key, a.opt.Now()); ok {
		return target, nil
	}
	u, err := a.opt.API.GetUserByEmailContext(ctx, key)
	if err != nil {
		if slackError(err) == "users_not_found" {
			return "", fmt.Errorf("slack: nobody in the workspace has the email %s: %w", email, bot.ErrUnreachable)
		}
		return "", fmt.Errorf("slack: users.lookupByEmail %s: %w", email, err)
	}
	if u.Deleted {
		return "", fmt.Errorf("slack: the account with the email %s is deactivated: %w", email, bot.ErrUnreachable)
	}
	a.dms.put(key, u.ID, a.opt.Now())
	return u.ID, nil
}

// slackError is the Web API error code in err, or "".
func slackError(err error) string {
	var e slackgo.SlackErrorResponse
	if errors.As(err, &e) {
		return e.Err
	}
	return ""
}

// A person's DM channel id does not change, but the person an email
// belongs to can; entries are trusted as long as resolved emails are.
const (
	dmTTL     = userTTL
	dmEntries = 4096
)

// dmCache maps emails to user ids, where DMs are posted, bounded in size
// and age.
type dmCache struct {
	mu      sync.Mutex
	max     int // 0 means dmEntries
	entries map[string]dmEntry
}

type dmEntry struct {
	channel string
	added   time.Time
}

func (c *dmCache) get(email string, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[email]
	if !ok || now.Sub(e.added) >= dmTTL {
		return "", false
	}
	return e.channel, true
}

// put remembers a channel; when full it drops expired entries and, if
// none were, the oldest.
func (c *dmCache) put(email, channel string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]dmEntry{}
	}
	limit := c.max
	if limit <= 0 {
		limit = dmEntries
	}
	if _, ok := c.entries[email]; !ok && len(c.entries) >= limit {
		var oldest string
		var oldestAt time.Time
		for k, e := range c.entries {
			if now.Sub(e.added) >= dmTTL {
				delete(c.entries, k)
			} else if oldest == "" || e.added.Before(oldestAt) {
				oldest, oldestAt = k, e.added
			}
		}
		if len(c.entries) >= limit {
			delete(c.entries, oldest)
		}
	}
	c.entries[email] = dmEntry{channel: channel, added: now}
}

// size is how many emails are cached, for tests.
func (c *dmCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
