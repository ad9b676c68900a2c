package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/slack"
)

// counting answers "call N" for the Nth question, naming the answer after
// the question's text when it starts with "same:".
type counting struct{ calls atomic.Int32 }

func (c *counting) Handle(_ context.Context, req bot.Request) bot.Message {
	m := bot.Message{Headline: fmt.Sprintf("call %d", c.calls.Add(1)), Visibility: bot.Ephemeral}
	if name, ok := strings.CutPrefix(req.Text, "same:"); ok {
		m.Same = name
	}
	return m
}

// TestAnAnswerThatNamesItselfIsRenderedOnce: an answer with a name
// (bot.Message.Same) is the same answer whoever asks, so the adapter
// answers the next question with that name from the rendering it kept;
// another name, or none, is drawn afresh.
func TestAnAnswerThatNamesItselfIsRenderedOnce(t *testing.T) {
	h := &counting{}
	f := newFixture(t, func(o *slack.Options) { o.Handler = h })
	ask := func(text string) string {
		t.Helper()
		status, body := f.post(t, "/slack/commands", slashBody(text, ""), nil)
		if status != http.StatusOK {
			t.Fatalf("%q: status %d", text, status)
		}
		var msg slackgo.WebhookMessage
		if err := json.Unmarshal([]byte(body), &msg); err != nil {
			t.Fatalf("%q: %v in %s", text, err, body)
		}
		return msg.Text
	}
	for _, tc := range []struct{ text, want string }{
		{"same:seats@r1", "call 1"},
		{"same:seats@r1", "call 1"}, // kept: the handler's "call 2" is not drawn
		{"same:seats@r2", "call 3"}, // another name
		{"same:seats@r1", "call 1"},
		{"anything", "call 5"}, // no name: drawn every time
		{"anything", "call 6"},
	} {
		if got := ask(tc.text); got != tc.want {
			t.Errorf("%q answered %q, want %q", tc.text, got, tc.want)
		}
	}
}
