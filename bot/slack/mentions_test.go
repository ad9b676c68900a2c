package slack_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
)

// mentionFixture is the adapter with people to mention besides the asker
// (U0DANA): one with a Grid id, a deactivated one, one without an email,
// and twelve more to go past the bound of ten.
func mentionFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	for _, u := range []slacktest.User{
		{ID: "U024BE7LH", Name: "priya", RealName: "Priya Raman", Email: "Priya@Example.com"},
		{ID: "W0GRIDLEE", Name: "lee", RealName: "Lee Okafor", Email: "lee@example.com"},
		{ID: "U0GONE", Name: "gone", RealName: "Former Agent", Email: "gone@example.com", Deleted: true},
		{ID: "U0NOMAIL", Name: "nomail", RealName: "Guest"},
	} {
		f.emu.AddUser(u)
	}
	for i := 1; i <= 12; i++ {
		f.emu.AddUser(slacktest.User{ID: fmt.Sprintf("U0P%02d", i), Name: fmt.Sprintf("p%02d", i), Email: fmt.Sprintf("p%02d@example.com", i)})
	}
	return f
}

// mentionLookups counts users.info calls for anyone but the asker.
func mentionLookups(emu *slacktest.Server) int {
	n := 0
	for _, c := range emu.Calls("users.info") {
		if c.Params["user"] != "U0DANA" {
			n++
		}
	}
	return n
}

// TestSlashCommandMentionsBecomeEmails: with should_escape, Slack sends
// the people in a slash command as <@U…> or <@U…|handle>; the command
// gets their emails, one users.info per person however often they are
// mentioned (and none when the command is sent again), and a person who
// cannot be resolved as @handle, without failing the command.
func TestSlashCommandMentionsBecomeEmails(t *testing.T) {
	var many, manyWant []string
	for i := 1; i <= 12; i++ {
		many = append(many, fmt.Sprintf("<@U0P%02d>", i))
		if i <= 10 {
			manyWant = append(manyWant, fmt.Sprintf("p%02d@example.com", i))
		} else {
			manyWant = append(manyWant, fmt.Sprintf("@U0P%02d", i))
		}
	}
	tests := []struct {
		name, text, want string
		setup            func(*slacktest.Server)
		// lookups is users.info calls for mentioned people after the
		// command, again after it is sent a second time: resolved people
		// are cached, failures are asked again.
		lookups, again int
	}{
		{name: "mention", text: "verify <@U024BE7LH> why", want: "verify priya@example.com why", lookups: 1, again: 1},
		{name: "mention with a label", text: "verify <@U024BE7LH|priya> why", want: "verify priya@example.com why", lookups: 1, again: 1},
		{name: "Enterprise Grid id", text: "verify <@W0GRIDLEE|lee>", want: "verify lee@example.com", lookups: 1, again: 1},
		{name: "one person twice", text: "swap <@U024BE7LH> for <@U024BE7LH|priya>", want: "swap priya@example.com for priya@example.com", lookups: 1, again: 1},
		{name: "two people", text: "swap <@U024BE7LH> for <@W0GRIDLEE>", want: "swap priya@example.com for lee@example.com", lookups: 2, again: 2},
		{name: "unknown user", text: "verify <@U0NOBODY|sam> why", want: "verify @sam why", lookups: 1, again: 2},
		{name: "unknown user without a label", text: "verify <@U0NOBODY>", want: "verify @U0NOBODY", lookups: 1, again: 2},
		{name: "deactivated user", text: "verify <@U0GONE|gone>", want: "verify @gone", lookups: 1, again: 2},
		{name: "no email on the profile", text: "verify <@U0NOMAIL|nomail>", want: "verify @nomail", lookups: 1, again: 1},
		{name: "users.info rate limited", text: "verify <@U024BE7LH|priya>", want: "verify @priya", lookups: 1, again: 2,
			setup: func(emu *slacktest.Server) { emu.InjectRateLimit("users.info", time.Second, 1) }},
		{name: "channel, group and special mentions", text: "tell <#C0SEATS|seats> <!here> <!subteam^S0OPS|@ops> <!channel> <https://x.example|x>",
			want: "tell <#C0SEATS|seats> <!here> <!subteam^S0OPS|@ops> <!channel> x"},
		{name: "a mention typed by hand", text: "verify &lt;@U024BE7LH&gt;", want: "verify <@U024BE7LH>"},
		{name: "more people than the bound", text: "notify " + strings.Join(many, " ") + " <@U0P01|p01>",
			want: "notify " + strings.Join(manyWant, " ") + " p01@example.com", lookups: 10, again: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mentionFixture(t)
			if tt.setup != nil {
				tt.setup(f.emu)
			}
			status, body := f.post(t, "/slack/commands", slashBody(tt.text, f.emu.NewResponseURL("C0SEATS", "U0DANA")), nil)
			if status != http.StatusOK || !strings.Contains(body, "as dana@example.com") {
				t.Fatalf("ack %d %s, want the command answered", status, body)
			}
			if got := f.handler.last().Text; got != tt.want {
				t.Errorf("command text %q, want %q", got, tt.want)
			}
			if got := mentionLookups(f.emu); got != tt.lookups {
				t.Errorf("users.info called %d times for mentioned people, want %d", got, tt.lookups)
			}
			f.post(t, "/slack/commands", slashBody(tt.text, ""), nil)
			if got := mentionLookups(f.emu); got != tt.again {
				t.Errorf("after the command again: users.info called %d times for mentioned people, want %d", got, tt.again)
			}
		})
	}
}

// TestEventMentionsBecomeEmails: in an app_mention the bot's own leading
// mention is dropped, as ever, without a lookup, and the people mentioned
// after it become emails; so do those in a DM.
func TestEventMentionsBecomeEmails(t *testing.T) {
	mention := func(text string) map[string]any {
		return map[string]any{"type": "app_mention", "user": "U0DANA", "text": text, "ts": "1700000000.000100", "channel": "C0SEATS", "event_ts": "1700000000.000100"}
	}
	dm := func(text string) map[string]any {
		return map[string]any{"type": "message", "channel_type": "im", "user": "U0DANA", "text": text, "ts": "1700000000.000100", "channel": "D0DANA", "event_ts": "1700000000.000100"}
	}
	tests := []struct {
		name    string
		event   map[string]any
		want    string
		lookups int
	}{
		{"app_mention", mention("<@U0SLACKBOT> verify <@U024BE7LH|priya> why"), "verify priya@example.com why", 1},
		{"app_mention, bot with a label", mention("<@U0SLACKBOT|seatwarden> verify <@U024BE7LH>"), "verify priya@example.com", 1},
		{"app_mention of the bot alone", mention("<@U0SLACKBOT> seats"), "seats", 0},
		{"app_mention of an unknown user", mention("<@U0SLACKBOT> verify <@U0NOBODY|sam>"), "verify @sam", 1},
		{"DM", dm("verify <@U024BE7LH> and <@U024BE7LH>"), "verify priya@example.com and priya@example.com", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mentionFixture(t)
			body, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": "T0001", "event_id": "EvMENTION", "event_time": 1, "event": tt.event})
			if status, _ := f.post(t, "/slack/events", string(body), nil); status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			waitFor(t, f.emu, "no reply", func() bool {
				return len(f.emu.Calls("chat.postEphemeral"))+len(f.emu.Calls("chat.postMessage")) > 0
			})
			if got := f.handler.last().Text; got != tt.want {
				t.Errorf("command text %q, want %q", got, tt.want)
			}
			if got := mentionLookups(f.emu); got != tt.lookups {
				t.Errorf("users.info called %d times for mentioned people, want %d", got, tt.lookups)
			}
		})
	}
}
