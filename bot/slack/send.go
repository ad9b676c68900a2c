package slack

import (
	"context"
	"errors"
	"time"

	slackgo "github.com/slack-go/slack"
	"golang.org/x/time/rate"
)

// Slack asks apps to post about one message per second per channel,
// tolerating short bursts, and several hundred a minute across the
// workspace; 429s with Retry-After (which slack-go waits out) are for when
// that is not enough. The workspace's burst is kept below what Slack's
// "generous burst behavior" is modelled as (slacktest, 30), so posts that
// arrive bunched by the network still find room.
const (
	defaultChannelRate    = rate.Limit(1)
	defaultChannelBurst   = 3
	defaultPostsPerMinute = 300
	defaultPostBurst      = 20
)

// workspaceKey is the one key of the workspace-wide pacer.
const workspaceKey = ""

func channelRate(perSecond float64) rate.Limit {
	if perSecond <= 0 {
		return defaultChannelRate
	}
	return rate.Limit(perSecond)
}

// postMessage posts to a channel at the channel's pace and returns the
// conversation Slack posted in (a DM's D… id when channel is a user id) and
// the message's ts.
func (a *Adapter) postMessage(ctx context.Context, channel string, opts ...slackgo.MsgOption) (posted, ts string, err error) {
	err = a.paced(ctx, channel, func() error {
		if err := a.posts.Wait(ctx, workspaceKey); err != nil {
			return err
		}
		var err error
		posted, ts, err = a.opt.API.PostMessageContext(ctx, channel, opts...)
		return err
	})
	return posted, ts, err
}

// updateMessage replaces a posted message's text and blocks, paced with
// the channel's posts.
func (a *Adapter) updateMessage(ctx context.Context, channel, ts string, rm RenderedMessage) error {
	return a.paced(ctx, channel, func() error {
		_, _, _, err := a.opt.API.UpdateMessageContext(ctx, channel, ts, msgOptions(rm)...)
		return err
	})
}

// rateLimitedTries is how many times a post that Slack keeps answering
// 429 is tried, each after the Retry-After Slack gave, beyond the HTTP
// client's own retries. Giving up early costs more than waiting: a reply
// whose update failed is posted again as a new message, which the person
// then sees twice.
const rateLimitedTries = 6

// maxRateLimitWait is the longest Retry-After waited out here; a longer
// one is the caller's (a job's next run, the person's next click).
const maxRateLimitWait = 5 * time.Second

// paced calls send at the channel's pace, and again after Slack's
// Retry-After while Slack answers 429 with a short one, until ctx ends.
func (a *Adapter) paced(ctx context.Context, channel string, send func() error) error {
	for try := 1; ; try++ {
		if err := a.pacer.Wait(ctx, channel); err != nil {
			return err
		}
		err := send()
		var limited *slackgo.RateLimitedError
		if !errors.As(err, &limited) || limited.RetryAfter > maxRateLimitWait || try == rateLimitedTries {
			return err
		}
		t := time.NewTimer(max(limited.RetryAfter, time.Second))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// msgOptions are a rendered message's text and blocks for chat.*.
func msgOptions(rm RenderedMessage) []slackgo.MsgOption {
	return []slackgo.MsgOption{slackgo.MsgOptionText(rm.Text, false), slackgo.MsgOptionBlocks(rm.Blocks...)}
}

// postEphemeral shows a message to one person in a channel, paced with the
// channel's other posts.
func (a *Adapter) postEphemeral(ctx context.Context, channel, user string, opts ...slackgo.MsgOption) error {
	return a.paced(ctx, channel, func() error {
		_, err := a.opt.API.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	})
}
