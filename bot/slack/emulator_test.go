package slack_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/slack"
	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
)

// Whatever the renderer produces, the strict emulator (which rejects what
// Slack rejects) accepts when it is sent through slack-go.
func TestRenderedMessagesAreAcceptedBySlack(t *testing.T) {
	srv := slacktest.NewServer()
	defer srv.Close()
	api := slackgo.New(slacktest.DefaultBotToken, slackgo.OptionAPIURL(srv.APIURL()))

	var many []bot.Section
	for i := range 180 {
		many = append(many, bot.Section{
			Text:   fmt.Sprintf("*Agent %d* <mailto:a%d@example.com|a%d@example.com> %s", i, i, i, strings.Repeat("é", 40)),
			Fields: []bot.Field{{Label: "Role", Value: "Agent"}, {Label: "Last login", Value: "never"}},
			Button: &bot.Button{ActionID: "seat.keep", Label: "Keep", Value: fmt.Sprint(i)},
		})
	}
	messages := map[string]bot.Message{
		"long list": {Headline: "Inactive seats", Sections: many, Context: []string{"30+ days"},
			Buttons: []bot.Button{{ActionID: "seat.remove_all", Label: "Remove all", Style: bot.StyleDanger,
				Confirm: &bot.Confirm{Title: "Remove?", Text: "This demotes 180 agents.", Confirm: "Remove", Deny: "Cancel"}}},
			Pager: &bot.Pager{Page: 2, Pages: 4, ActionID: "seats.page", Token: "inactive:30"}},
		"over every limit": {Headline: strings.Repeat("H", 400), Sections: []bot.Section{{Text: strings.Repeat("x", 9000),
			Fields: make([]bot.Field, 23)}}, Context: make([]string, 14)},
		"one line": {Headline: "Unknown command", Sections: []bot.Section{{Text: "Try `/warden seats inactive 60`."}}},
	}
	for name, m := range messages {
		t.Run(name, func(t *testing.T) {
			out, err := slack.RenderMessage(m)
			if err != nil {
				t.Fatal(err)
			}
			for i, rm := range out {
				if _, _, err := api.PostMessageContext(context.Background(), "C0123SEATS",
					slackgo.MsgOptionText(rm.Text, false), slackgo.MsgOptionBlocks(rm.Blocks...)); err != nil {
					t.Errorf("message %d of %d rejected: %v", i+1, len(out), err)
				}
			}
		})
	}

	view, err := slack.RenderForm(bot.Form{ID: "seat.keep", RecordID: "rev-1:42", Title: "Keep this seat", Submit: "Keep",
		Inputs: []bot.Input{
			{ID: "reason", Label: "Why keep it?", Kind: bot.InputMultiline, Required: true, MaxLength: 500},
			{ID: "until", Label: "Keep until", Kind: bot.InputDate, Initial: "2027-05-01"},
			{ID: "owner", Label: "Owner", Kind: bot.InputSelect, Options: []bot.Option{{Label: "Dana", Value: "dana"}, {Label: "Ops", Value: "ops"}}},
			{ID: "note", Label: "Note", Kind: bot.InputText},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.OpenViewContext(context.Background(), srv.IssueTriggerID(), view); err != nil {
		t.Errorf("form rejected by views.open: %v", err)
	}
}
