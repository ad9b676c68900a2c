package prompts

import (
	"fmt"
	"time"

	"github.com/seatwarden/seatwarden/bot"
)

// StepUpNeeded answers a decision that counts only after the person
// signs in again: what it is, and a one-time link to the company's
// sign-in. target is what the decision is about, the link button's value.
func StepUpNeeded(what, target, link string, expires time.Time, loc *time.Location) bot.Message {
	if loc == nil {
		loc = time.UTC
	}
	return bot.Message{
		Sections: []bot.Section{{Text: fmt.Sprintf("%s needs you to sign in again, so it is really you. It counts once you do; the link works once, for you, until %s.",
			bot.EscapeText(what), expires.In(loc).Format("15:04"))}},
		Buttons:    []bot.Button{{ActionID: ActionStepUpLink, Label: "Sign in again", Value: target, URL: link, Style: bot.StylePrimary}},
		Visibility: bot.Ephemeral,
	}
}
