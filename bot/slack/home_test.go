package slack_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/slack"
	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
)

// homeHandler draws a three-page home and answers the clicks a home's
// buttons make: a form, a redraw of the clicked message, a refusal.
type homeHandler struct {
	mu   sync.Mutex
	seen []bot.Request
}

func (h *homeHandler) Handle(_ context.Context, req bot.Request) bot.Message {
	h.mu.Lock()
	h.seen = append(h.seen, req)
	h.mu.Unlock()
	switch {
	case req.Form != nil:
		return bot.Message{Headline: "Kept " + req.Form.RecordID, Delivery: bot.ReplaceOriginal, Visibility: bot.Visible}
	case req.Action == nil:
		return bot.Message{Headline: "You said " + req.Text}
	case req.Action.ID == bot.ActionHomePage:
		_, page, _ := bot.ParsePageValue(req.Action.Value)
		return bot.Message{Headline: "Your home, page " + req.Action.Value, Delivery: bot.ReplaceOriginal,
			Sections: []bot.Section{{Text: "*Agent 007* · last login 40 days ago", Actions: []bot.Button{
				{ActionID: "seat.keep_form", Label: "Keep", Value: "rev-7:007"},
				{ActionID: "seat.remove", Label: "Remove", Value: "rev-7:007", Style: bot.StyleDanger},
			}}},
			Pager: &bot.Pager{Page: page, Pages: 3, ActionID: bot.ActionHomePage, Token: bot.HomeToken}}
	case req.Action.ID == "seat.keep_form":
		return bot.Message{Form: &bot.Form{ID: "seat.keep", RecordID: req.Action.Value, Title: "Keep this seat", Submit: "Keep",
			Inputs: []bot.Input{{ID: "reason", Label: "Why keep it?", Required: true}}}}
	case req.Action.ID == "seat.remove":
		return bot.Message{Headline: "Removed 007", Delivery: bot.ReplaceOriginal, Visibility: bot.Visible}
	}
	return bot.Message{Sections: []bot.Section{{Text: "Already decided: kept by ops@example.com"}}}
}

func (h *homeHandler) requests() []bot.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]bot.Request(nil), h.seen...)
}

func homeFixture(t *testing.T) (*fixture, *homeHandler) {
	h := &homeHandler{}
	return newFixture(t, unpaced, func(o *slack.Options) { o.Handler = h }), h
}

// homeClickBody is a block_actions body for a button on the Home tab
// showing the page in metadata.
func homeClickBody(triggerID, metadata, actionID, value string) string {
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "trigger_id": triggerID,
		"user": map[string]string{"id": "U0DANA", "name": "dana"}, "team": map[string]string{"id": "T0001"},
		"container": map[string]any{"type": "view", "view_id": "V0HOME"},
		"view":      map[string]any{"id": "V0HOME", "type": "home", "private_metadata": metadata, "hash": "1.1"},
		"actions":   []map[string]string{{"block_id": "sec0.act", "action_id": actionID, "value": value, "type": "button"}},
	})
	return url.Values{"payload": {string(payload)}}.Encode()
}

// published is the Home tab's metadata after n publishes, once there are.
func published(t *testing.T, emu *slacktest.Server, n int) slacktest.View {
	t.Helper()
	waitFor(t, emu, "home not published", func() bool { return len(emu.Calls("views.publish")) >= n })
	for _, v := range emu.Views() {
		if v.Type == "home" && v.User == "U0DANA" {
			return v
		}
	}
	t.Fatal("no Home tab for U0DANA")
	return slacktest.View{}
}

// Opening the Home tab publishes the person's home; the Messages tab
// draws nothing.
func TestOpeningTheHomeTabPublishesTheHome(t *testing.T) {
	f, h := homeFixture(t)
	messages := `{"type":"event_callback","team_id":"T0001","event_id":"EvMSG","event_time":1,"event":{"type":"app_home_opened","user":"U0DANA","channel":"D0DANA","tab":"messages","event_ts":"1700000000.000100"}}`
	home := `{"type":"event_callback","team_id":"T0001","event_id":"EvHOME","event_time":2,"event":{"type":"app_home_opened","user":"U0DANA","channel":"D0DANA","tab":"home","event_ts":"1700000000.000200"}}`
	for _, body := range []string{messages, home} {
		if status, _ := f.post(t, "/slack/events", body, nil); status != 200 {
			t.Fatalf("event: status %d", status)
		}
	}
	v := published(t, f.emu, 1)
	if v.PrivateMetadata != "home:1" || !strings.Contains(string(v.Blocks), "Your home, page home:1") {
		t.Errorf("home view metadata %q, blocks %s", v.PrivateMetadata, v.Blocks)
	}
	reqs := h.requests()
	if len(reqs) != 1 || reqs[0].Action == nil || reqs[0].Action.ID != bot.ActionHomePage || reqs[0].User.Email != "dana@example.com" {
		t.Errorf("handler saw %+v, want one home page request as dana", reqs)
	}
	if n := len(f.emu.Calls("views.publish")); n != 1 {
		t.Errorf("%d publishes, want 1 (the Messages tab draws nothing)", n)
	}
}

// Clicks on the Home tab: a page turn publishes that page; a decision is
// carried out and the same page published again; a refusal goes to the
// person's messages; a form opened from the home redraws it when answered.
func TestHomeTabClicks(t *testing.T) {
	f, h := homeFixture(t)
	post := func(body string) {
		t.Helper()
		if status, resp := f.post(t, "/slack/interactions", body, nil); status != 200 || resp != "" {
			t.Fatalf("ack: %d %q", status, resp)
		}
	}

	post(homeClickBody(f.emu.IssueTriggerID(), "home:1", bot.ActionHomePage, "home:2"))
	if v := published(t, f.emu, 1); v.PrivateMetadata != "home:2" {
		t.Errorf("after Next: metadata %q, want home:2", v.PrivateMetadata)
	}

	post(homeClickBody(f.emu.IssueTriggerID(), "home:2", "seat.remove", "rev-7:007"))
	if v := published(t, f.emu, 2); v.PrivateMetadata != "home:2" {
		t.Errorf("after Remove: metadata %q, want the same page, home:2", v.PrivateMetadata)
	}
	if a := h.requests()[1].Action; a == nil || a.ID != "seat.remove" || a.Message != (bot.MessageRef{}) {
		t.Errorf("Remove reached the handler as %+v, want no message to replace", a)
	}
	if n := len(f.emu.Calls("chat.postMessage")) + len(f.emu.Calls("chat.update")); n != 0 {
		t.Errorf("%d messages posted or updated for a click whose answer is the home itself", n)
	}

	post(homeClickBody(f.emu.IssueTriggerID(), "home:2", "seat.snooze", "rev-7:007"))
	published(t, f.emu, 3)
	waitFor(t, f.emu, "the refusal was not told", func() bool { return len(f.emu.Calls("chat.postMessage")) == 1 })
	dm, _ := f.emu.DMChannel("U0DANA")
	if msgs := f.emu.Messages(dm); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Already decided") {
		t.Errorf("DM %+v, want the refusal", msgs)
	}

	post(homeClickBody(f.emu.IssueTriggerID(), "home:2", "seat.keep_form", "rev-7:007"))
	waitFor(t, f.emu, "no form opened", func() bool { return len(f.emu.Views()) == 2 })
	var form slacktest.View
	for _, v := range f.emu.Views() {
		if v.Type == "modal" {
			form = v
		}
	}
	if form.PrivateMetadata != "sw1|home|2|rev-7:007" {
		t.Errorf("form metadata %q, want the home's page and the record", form.PrivateMetadata)
	}
	post(submitBody(form.CallbackID, form.PrivateMetadata, "on leave"))
	published(t, f.emu, 4)
	reqs := h.requests()
	last := reqs[len(reqs)-1]
	if last.Action == nil || last.Action.Value != "home:2" {
		t.Errorf("after the form the home drew %+v, want page 2", last.Action)
	}
	if n := len(f.emu.Calls("chat.postMessage")); n != 1 {
		t.Errorf("%d posts, want only the earlier refusal: the form's answer is the redrawn home", n)
	}
}

// A home too big for one view is an error, never a view Slack refuses.
func TestRenderHomeLimits(t *testing.T) {
	var m bot.Message
	for range 60 {
		m.Sections = append(m.Sections, bot.Section{Text: "seat", Actions: []bot.Button{{ActionID: "a", Label: "Keep", Value: "1"}}})
	}
	if _, err := slack.RenderHome(m); err == nil {
		t.Error("120 blocks rendered as one Home tab")
	}
	m.Sections = m.Sections[:40]
	m.Pager = &bot.Pager{Page: 2, Pages: 3, ActionID: bot.ActionHomePage, Token: bot.HomeToken}
	view, err := slack.RenderHome(m)
	if err != nil {
		t.Fatal(err)
	}
	if view.Type != "home" || view.PrivateMetadata != "home:2" || len(view.Blocks.BlockSet) != 40*2+3 { // the page line, Previous and Next
		t.Errorf("view type %q, metadata %q, %d blocks", view.Type, view.PrivateMetadata, len(view.Blocks.BlockSet))
	}
}
