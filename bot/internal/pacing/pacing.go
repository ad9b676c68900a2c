// Package pacing spaces a bot's posts per conversation, so a digest run or
// a busy channel waits its turn in the bot instead of earning 429s that
// would slow every post the app makes. Slack asks for about one message per
// second per channel; Teams allows a few per second per thread and fewer
// over longer windows. Both transports pace with it.
package pacing

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Idle is how long a conversation's pacing is remembered after its last
// post; by then its burst is full again.
const Idle = time.Minute

// Pacer holds one token bucket per conversation.
type Pacer struct {
	limit rate.Limit
	burst int
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	keys  map[string]*paced
	swept time.Time
}

type paced struct {
	lim  *rate.Limiter
	used time.Time
}

// New paces each key at limit per second with bursts of burst. now and
// sleep are the clock (nil: the real one); tests pass a fake that sleeping
// advances.
func New(limit rate.Limit, burst int, now func() time.Time, sleep func(context.Context, time.Duration) error) *Pacer {
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = Sleep
	}
	return &Pacer{limit: limit, burst: max(burst, 1), now: now, sleep: sleep, keys: map[string]*paced{}}
}

// Wait returns when a post to key may go out, or ctx's error.
func (p *Pacer) Wait(ctx context.Context, key string) error {
	now := p.now()
	p.mu.Lock()
	c := p.keys[key]
	if c == nil {
		c = &paced{lim: rate.NewLimiter(p.limit, p.burst)}
		p.keys[key] = c
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

// sweepLocked forgets keys idle long enough to have a full burst again.
func (p *Pacer) sweepLocked(now time.Time) {
	if now.Sub(p.swept) < Idle {
		return
	}
	p.swept = now
	for k, c := range p.keys {
		if now.Sub(c.used) > Idle {
			delete(p.keys, k)
		}
	}
}

// Size is how many keys are being paced.
func (p *Pacer) Size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.keys)
}

// Sleep waits d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
