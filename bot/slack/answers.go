package slack

import (
	"encoding/json"
	"sync"

	"github.com/seatwarden/seatwarden/bot"
)

// answerCache keeps the rendering of answers that name themselves
// (bot.Message.Same), so the next person asking the same question is
// answered without drawing it again: the seat summary everyone asks for
// after a sync, say. It holds a few; when full it starts again, since the
// names change only when the data behind them does.
type answerCache struct {
	mu sync.Mutex
	m  map[string]rendered
}

// answerCacheSize bounds the answers kept: a few per governed SaaS and day.
const answerCacheSize = 64

// rendered is an answer as Slack takes it: its messages, and the first
// as a slash command's acknowledgement, encoded. Both are shared between
// the answers given from the cache: nobody changes them.
type rendered struct {
	out []RenderedMessage
	ack json.RawMessage
}

func (c *answerCache) get(same string) (rendered, bool) {
	if same == "" {
		return rendered{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.m[same]
	return r, ok
}

func (c *answerCache) put(same string, r rendered) {
	if same == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= answerCacheSize {
		c.m = make(map[string]rendered, answerCacheSize)
	}
	c.m[same] = r
}

// renderAnswer renders reply, from the cache when it names itself and was
// rendered before; a rendering that failed (answered with an apology) is
// not kept.
func (a *Adapter) renderAnswer(reply bot.Message) rendered {
	if r, ok := a.answers.get(reply.Same); ok {
		return r
	}
	out, err := a.render(reply)
	r := rendered{out: out}
	if len(out) > 0 {
		// One too long for a Socket Mode acknowledgement goes to
		// response_url there, which takes the unencoded reply.
		if ack, merr := json.Marshal(webhookMessage(out[0])); merr == nil && len(ack) < maxSocketAck {
			// With the newline json.Encoder ends a value with, so it is
			// written as it is, shared by every answer.
			r.ack = append(ack, '\n')
		}
	}
	if err == nil {
		a.answers.put(reply.Same, r)
	}
	return r
}
