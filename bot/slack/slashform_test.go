package slack_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/slack"
	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/prompts"
)

// formCommand answers every command as request app does: with the app
// request form, and with line beside it when set.
type formCommand struct {
	line string
	mu   sync.Mutex
	seen []bot.Request
}

func (h *formCommand) Handle(_ context.Context, req bot.Request) bot.Message {
	h.mu.Lock()
	h.seen = append(h.seen, req)
	h.mu.Unlock()
	f := prompts.Requests{Command: "/warden"}.RequestForm(approvals.App, approvals.Answers{approvals.FieldApp: strings.TrimPrefix(req.Text, "request app ")}, "")
	return bot.Message{Form: &f, Headline: h.line, Visibility: bot.Ephemeral}
}

func (h *formCommand) requests() []bot.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]bot.Request(nil), h.seen...)
}

// slashWithTrigger is a slash command body carrying trigger, as Slack
// issues one with every command.
func slashWithTrigger(text, responseURL, trigger string) string {
	return url.Values{"command": {"/warden"}, "text": {text}, "user_id": {"U0DANA"}, "user_name": {"dana"},
		"team_id": {"T0001"}, "channel_id": {"C0SEATS"}, "response_url": {responseURL}, "trigger_id": {trigger}}.Encode()
}

// TestSlashCommandOpensItsForm: a command whose answer is a form (request
// app NAME, tokens claim ID) opens it as a modal with the command's own
// trigger_id; there is no message to post besides.
func TestSlashCommandOpensItsForm(t *testing.T) {
	h := &formCommand{}
	f := newFixture(t, func(o *slack.Options) { o.Handler = h })
	trigger := f.emu.IssueTriggerID()
	respURL := f.emu.NewResponseURL("C0SEATS", "U0DANA")

	status, body := f.post(t, "/slack/commands", slashWithTrigger("request app Salesforce Sync", respURL, trigger), nil)
	if status != 200 || strings.TrimSpace(body) != "" {
		t.Fatalf("ack %d %q, want an empty 200: the form is the answer", status, body)
	}
	waitFor(t, f.emu, "no modal opened", func() bool { return len(f.emu.Views()) == 1 })
	v := f.emu.Views()[0]
	if v.Type != "modal" || v.TriggerID != trigger || v.CallbackID != prompts.FormRequestPrefix+"app" || v.Title != "Request an app install" {
		t.Errorf("view: type %q, trigger %q, callback %q, title %q; want a modal from trigger %q", v.Type, v.TriggerID, v.CallbackID, v.Title, trigger)
	}
	if v.PrivateMetadata != "" {
		t.Errorf("private_metadata %q: a slash command has no message to update", v.PrivateMetadata)
	}
	if !strings.Contains(string(v.Blocks), "Salesforce Sync") {
		t.Errorf("the app's name typed in the command is not in the form: %s", v.Blocks)
	}
	if open := f.emu.Calls("views.open"); len(open) != 1 || open[0].Params["trigger_id"] != trigger {
		t.Errorf("views.open calls %+v, want one with the command's trigger_id", open)
	}
	if seen := h.requests(); len(seen) != 1 || seen[0].Text != "request app Salesforce Sync" || seen[0].User.Email != "dana@example.com" {
		t.Errorf("the handler saw %+v", seen)
	}
	// Give a stray post time to arrive before saying there was none.
	time.Sleep(50 * time.Millisecond)
	if posts := f.emu.ResponseURLPosts(); len(posts) != 0 {
		t.Errorf("response_url posts %+v for an answer that was only a form", posts)
	}
	if n := len(f.emu.Calls("chat.postMessage")) + len(f.emu.Calls("chat.postEphemeral")); n != 0 {
		t.Errorf("%d messages posted for an answer that was only a form", n)
	}
}

// TestSlashCommandFormWithALine: a line beside the form is the command's
// answer, and the form opens too.
func TestSlashCommandFormWithALine(t *testing.T) {
	h := &formCommand{line: "Fill in the form to ask for it"}
	f := newFixture(t, func(o *slack.Options) { o.Handler = h })
	trigger := f.emu.IssueTriggerID()
	status, body := f.post(t, "/slack/commands", slashWithTrigger("request app Zapier", f.emu.NewResponseURL("C0SEATS", "U0DANA"), trigger), nil)
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	var msg slackgo.WebhookMessage
	if err := json.Unmarshal([]byte(body), &msg); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	if msg.ResponseType != "ephemeral" || msg.Text != "Fill in the form to ask for it" {
		t.Errorf("answer %+v", msg)
	}
	waitFor(t, f.emu, "no modal opened", func() bool { return len(f.emu.Views()) == 1 })
	if v := f.emu.Views()[0]; v.TriggerID != trigger {
		t.Errorf("modal opened with trigger %q, want %q", v.TriggerID, trigger)
	}
}

// TestSlashCommandFormThatCannotOpen: a trigger_id Slack no longer takes
// (the answer came too late) leaves no modal, and the person is told.
func TestSlashCommandFormThatCannotOpen(t *testing.T) {
	h := &formCommand{}
	f := newFixture(t, func(o *slack.Options) { o.Handler = h })
	trigger := f.emu.IssueTriggerID()
	f.emu.Advance(slacktest.TriggerIDLifetime + time.Second)
	f.post(t, "/slack/commands", slashWithTrigger("request app Zapier", f.emu.NewResponseURL("C0SEATS", "U0DANA"), trigger), nil)
	waitFor(t, f.emu, "the person was not told", func() bool { return len(f.emu.ResponseURLPosts()) == 1 })
	p := f.emu.ResponseURLPosts()[0]
	if p.ResponseType != "ephemeral" || !strings.Contains(p.Text, "could not open") {
		t.Errorf("response_url post %+v", p)
	}
	// They typed a command: there is no button to click again.
	if strings.Contains(p.Text, "click") {
		t.Errorf("after a slash command the person is told %q", p.Text)
	}
	if n := len(f.emu.Views()); n != 0 {
		t.Errorf("%d modals opened with an expired trigger", n)
	}
}
