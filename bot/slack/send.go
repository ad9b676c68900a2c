package slack

import (
	"context"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"
	"golang.org/x/time/rate"
)

// Slack asks apps to post about one message per second per channel,
// tolerating short bursts; 429s with Retry-After (which slack-go waits out)
// are for when that is not enough.
const (
	defaultChannelRate  = rate.Limit(1)
	defaultChannelBurst = 3
	pacerIdle           = time.Minute // a channel's pacing is forgotten after this
)

// channelPacer spaces the bot's posts to each conversation, so a digest
// run or a busy channel waits its turn here instead of earning 429s that
// would slow every post to the workspace.
type channelPacer struct {
	limit rate.Limit
	burst int
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu       sync.Mutex
	channels map[string]*pacedChannel
	swept    time.Time
}

type pacedChannel struct {
	lim  *rate.Limiter
	used time.Time
}

func newChannelPacer(limit rate.Limit, burst int, now func() time.Time, sleep func(context.Context, time.Duration) error) *channelPacer {
	if limit <= 0 {
		limit = defaultChannelRate
	}
	if burst <= 0 {
		burst = defaultChannelBurst
	}
	if sleep == nil {
		sleep = sleepContext
	}
	return &channelPacer{limit: limit, burst: burst, now: now, sleep: sleep, channels: map[string]*pacedChannel{}}
}

// wait returns when a post to channel may go out, or ctx's error.
func (p *channelPacer) wait(ctx context.Context, channel string) error {
	now := p.now()
	p.mu.Lock()
	c := p.channels[channel]
	if c == nil {
		c = &pacedChannel{lim: rate.NewLimiter(p.limit, p.burst)}
		p.channels[channel] = c
	}
	c.used = now
	r := c.lim.ReserveN(now, 1)
	p.sweepLocked(now)
	p.mu.Unlock()

	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if err := p.sleep(ctx, d); err != nil {
		r.CancelAt(p.now()) // give the slot back to the next post
		return err
	}
	return nil
}

// sweepLocked forgets channels idle long enough to have a full burst again.
func (p *channelPacer) sweepLocked(now time.Time) {
	if now.Sub(p.swept) < pacerIdle {
		return
	}
	p.swept = now
	for ch, c := range p.channels {
		if now.Sub(c.used) > pacerIdle {
			delete(p.channels, ch)
		}
	}
}

// size is how many channels are being paced, for tests.
func (p *channelPacer) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.channels)
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// postMessage posts to a channel at the channel's pace and returns the
// conversation Slack posted in (a DM's D… id when channel is a user id) and
// the message's ts.
func (a *Adapter) postMessage(ctx context.Context, channel string, opts ...slackgo.MsgOption) (posted, ts string, err error) {
	if err := a.pacer.wait(ctx, channel); err != nil {
		return "", "", err
	}
	return a.opt.API.PostMessageContext(ctx, channel, opts...)
}

// updateMessage replaces a posted message's text and blocks, paced with
// the channel's posts.
func (a *Adapter) updateMessage(ctx context.Context, channel, ts string, rm RenderedMessage) error {
	if err := a.pacer.wait(ctx, channel); err != nil {
		return err
	}
	_, _, _, err := a.opt.API.UpdateMessageContext(ctx, channel, ts, msgOptions(rm)...)
	return err
}

// msgOptions are a rendered message's text and blocks for chat.*.
func msgOptions(rm RenderedMessage) []slackgo.MsgOption {
	return []slackgo.MsgOption{slackgo.MsgOptionText(rm.Text, false), slackgo.MsgOptionBlocks(rm.Blocks...)}
}

// postEphemeral shows a message to one person in a channel, paced with the
// channel's other posts.
func (a *Adapter) postEphemeral(ctx context.Context, channel, user string, opts ...slackgo.MsgOption) error {
	if err := a.pacer.wait(ctx, channel); err != nil {
		return err
	}
	_, err := a.opt.API.PostEphemeralContext(ctx, channel, user, opts...)
	return err
}
