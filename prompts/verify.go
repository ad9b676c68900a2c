package prompts

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/verify"
)

// ActionVerifyAnswer prefixes the action ids of a verification prompt's
// buttons; their value is "<id>:<number>" or "<id>:not-me". Each button
// has its own id (ActionVerifyAnswers), as Slack wants in one row.
const ActionVerifyAnswer = "verify.answer"

// ActionVerifyAnswers are the action ids of a prompt's buttons, in order:
// the three numbers, then This wasn't me.
var ActionVerifyAnswers = []string{ActionVerifyAnswer + ".1", ActionVerifyAnswer + ".2", ActionVerifyAnswer + ".3", ActionVerifyAnswer + ".no"}

// VerifyValue is the value of a verification prompt's button.
func VerifyValue(id, choice string) string { return id + ":" + choice }

// ParseVerifyValue reads a VerifyValue back, strictly.
func ParseVerifyValue(v string) (id, choice string, ok bool) {
	id, choice, found := strings.Cut(v, ":")
	if !found || !verify.ValidID(id) {
		return "", "", false
	}
	if choice == verify.NotMe || (len(choice) == 2 && strings.Trim(choice, "0123456789") == "") {
		return id, choice, true
	}
	return "", "", false
}

// Verifications draws caller verification's messages.
type Verifications struct {
	Location *time.Location
	// Command is the slash command shown in hints ("/warden").
	Command string
}

func (v Verifications) loc() *time.Location {
	if v.Location == nil {
		return time.UTC
	}
	return v.Location
}

func (v Verifications) clock(t time.Time) string { return t.In(v.loc()).Format("15:04") }
func (v Verifications) stamp(t time.Time) string { return t.In(v.loc()).Format("2 Jan 2006 15:04") }

// why is the reason as a clause, or nothing.
func why(x verify.Verification) string {
	if x.Reason == "" {
		return ""
	}
	return " (" + bot.EscapeText(x.Reason) + ")"
}

// Prompt asks the person, in a direct message, to tap the number the
// asker reads to them.
func (v Verifications) Prompt(x verify.Verification) bot.Message {
	if x.Request != nil {
		return v.confirmPrompt(x)
	}
	buttons := make([]bot.Button, 0, len(x.Choices)+1)
	for i, c := range x.Choices {
		buttons = append(buttons, bot.Button{ActionID: ActionVerifyAnswers[min(i, 2)], Label: c, Value: VerifyValue(x.ID, c)})
	}
	buttons = append(buttons, bot.Button{ActionID: ActionVerifyAnswers[3], Label: "This wasn't me", Value: VerifyValue(x.ID, verify.NotMe), Style: bot.StyleDanger,
		Confirm: &bot.Confirm{Title: "Not you?", Text: "Security is told that someone asked the help desk in your name.", Confirm: "This wasn't me", Deny: "Go back"}})
	return bot.Message{
		Headline: "Is this you talking to the help desk?",
		Sections: []bot.Section{{Text: fmt.Sprintf("%s is checking that the person they are helping right now is you%s. "+
			"If you are on a call or in a chat with them, tap the number they read to you. If you are not, tap *This wasn't me*: security will look into it.",
			bot.EscapeText(x.Asker), why(x))}},
		Buttons:    buttons,
		Context:    []string{fmt.Sprintf("Verification %s · answer by %s · never tap a number you were not given", x.ID, v.clock(x.ExpiresAt))},
		Visibility: bot.Visible,
	}
}

// Answered is the person's prompt once it is over: what happened, and
// no buttons, so it cannot be tapped again.
func (v Verifications) Answered(x verify.Verification) bot.Message {
	if x.Request != nil {
		return v.confirmAnswered(x)
	}
	var line string
	switch {
	case x.State == verify.Verified:
		line = fmt.Sprintf("✅ Confirmed at %s: you tapped the number %s read to you.", v.clock(x.AnsweredAt), bot.EscapeText(x.Asker))
	case x.State == verify.Denied && x.Answer == verify.NotMe:
		line = fmt.Sprintf("⛔ You said this wasn't you, at %s. Security has been told; %s gets no confirmation.", v.clock(x.AnsweredAt), bot.EscapeText(x.Asker))
	case x.State == verify.Denied:
		line = fmt.Sprintf("⛔ That was not the number %s read out, at %s. Security has been told.", bot.EscapeText(x.Asker), v.clock(x.AnsweredAt))
	case x.State == verify.Expired:
		line = fmt.Sprintf("⌛ Expired at %s with no answer; nothing was confirmed.", v.clock(x.ExpiresAt))
	case x.State == verify.Withdrawn:
		line = fmt.Sprintf("➖ Withdrawn by %s: there is nothing to confirm.", bot.EscapeText(x.Asker))
	default:
		return v.Prompt(x)
	}
	return bot.Message{
		Headline:   "Is this you talking to the help desk?",
		Sections:   []bot.Section{{Text: line}},
		Context:    []string{"Verification " + x.ID},
		Visibility: bot.Visible,
	}
}

// Status is the asker's view, in their direct messages: the code to read
// out while it is pending, then the outcome, redrawn in place.
func (v Verifications) Status(x verify.Verification) bot.Message {
	if x.Request != nil {
		return v.confirmStatus(x)
	}
	person := bot.EscapeText(x.Person)
	m := bot.Message{Context: []string{"Verification " + x.ID + " · " + v.Command + " verify show " + x.ID}, Visibility: bot.Visible}
	switch x.State {
	case verify.Pending:
		m.Headline = "Verifying " + x.Person + ": read them " + x.Code
		m.Sections = []bot.Section{{Text: fmt.Sprintf("I asked %s in a direct message%s. Read them this code: *%s*. "+
			"They tap it to confirm it is them; this message changes when they answer, or at %s if they do not.", person, why(x), x.Code, v.clock(x.ExpiresAt))}}
	case verify.Verified:
		m.Headline = "✅ Verified: " + x.Person
		m.Sections = []bot.Section{{Text: fmt.Sprintf("%s tapped the right number at %s: you are talking to them.", person, v.clock(x.AnsweredAt))}}
	case verify.Denied:
		m.Headline = "⛔ Not verified: " + x.Person
		what := "tapped a different number"
		if x.Answer == verify.NotMe {
			what = "said they are not talking to you"
		}
		m.Sections = []bot.Section{{Text: fmt.Sprintf("%s %s at %s. Do not act on this contact's request; security has been told.", person, what, v.clock(x.AnsweredAt))}}
	case verify.Expired:
		m.Headline = "⌛ Not verified: " + x.Person
		m.Sections = []bot.Section{{Text: fmt.Sprintf("%s did not answer by %s. Treat the contact as unverified; ask again, or verify them another way.", person, v.clock(x.ExpiresAt))}}
	case verify.Unreachable:
		m.Headline = "Not sent: " + x.Person + " cannot be reached in chat"
		m.Sections = []bot.Section{{Text: unreachableHint(person)}}
	case verify.Withdrawn:
		m.Headline = "➖ Withdrawn: " + x.Person
		m.Sections = []bot.Section{{Text: fmt.Sprintf("The verification of %s was withdrawn before they answered; nothing was confirmed.", person)}}
	}
	if x.Ticket != 0 {
		m.Context = append(m.Context, fmt.Sprintf("ticket #%d", x.Ticket))
	}
	return m
}

func unreachableHint(person string) string {
	return person + " has no Slack or Teams account I can message, so no prompt was sent. " +
		"Verify them another way: call back on the number in the company directory, or ask their manager to confirm."
}

// Started is the private reply to `verify`: where the prompt went and the
// code, which the asker's direct message repeats and keeps up to date.
func (v Verifications) Started(x verify.Verification) bot.Message {
	if x.State == verify.Unreachable {
		return bot.Message{Sections: []bot.Section{{Text: unreachableHint(bot.EscapeText(x.Person))}}, Visibility: bot.Ephemeral}
	}
	return bot.Message{
		Sections: []bot.Section{{Text: fmt.Sprintf("Asked %s to confirm. Read them this code: *%s*. The outcome comes to your direct messages with me (verification %s).",
			bot.EscapeText(x.Person), x.Code, x.ID)}},
		Visibility: bot.Ephemeral,
	}
}

// Alert tells security of a verification that failed: who asked, about
// whom, why, when, and what the person answered.
func (v Verifications) Alert(x verify.Verification) bot.Message {
	if x.Request != nil {
		return v.confirmAlert(x)
	}
	what := "tapped a number that was not the code"
	if x.Answer == verify.NotMe {
		what = "said they were not talking to the help desk"
	}
	fields := []bot.Field{
		{Label: "Asked by", Value: x.Asker},
		{Label: "About", Value: x.Person},
		{Label: "Why", Value: cmp.Or(x.Reason, "(no reason given)")},
		{Label: "Asked at", Value: v.stamp(x.CreatedAt)},
	}
	if x.Ticket != 0 {
		fields = append(fields, bot.Field{Label: "Ticket", Value: fmt.Sprintf("#%d", x.Ticket)})
	}
	return bot.Message{
		Headline: "⚠ Caller verification failed: " + x.Person,
		Sections: []bot.Section{{Text: fmt.Sprintf("%s %s at %s. Someone may be impersonating them to the help desk.",
			bot.EscapeText(x.Person), what, v.clock(x.AnsweredAt)), Fields: fields}},
		Context:    []string{v.Command + " verify show " + x.ID},
		Visibility: bot.Visible,
	}
}

// LockedOut tells security that a person failed after verifications in
// an hour and gets no more prompts until until.
func (v Verifications) LockedOut(x verify.Verification, until time.Time, after int) bot.Message {
	return bot.Message{
		Headline: "⚠ Verification prompts paused for " + x.Person,
		Sections: []bot.Section{{Text: fmt.Sprintf("%s failed or ignored %d verifications within an hour, the last asked by %s. "+
			"They get no more prompts until %s, so repeated requests cannot wear them down.",
			bot.EscapeText(x.Person), after, bot.EscapeText(x.Asker), v.clock(until))}},
		Context:    []string{v.Command + " verify list shows recent verifications"},
		Visibility: bot.Visible,
	}
}

// NoteBody is the internal note written to the ticket: plain text, as
// Zendesk shows it.
func (v Verifications) NoteBody(x verify.Verification) string {
	outcome := map[verify.State]string{
		verify.Verified: "verified: they tapped the code read to them",
		verify.Denied:   "NOT verified: they tapped a different number",
		verify.Expired:  "NOT verified: no answer in time",
	}[x.State]
	if x.State == verify.Denied && x.Answer == verify.NotMe {
		outcome = "NOT verified: they said they were not talking to the help desk"
	}
	lines := []string{
		fmt.Sprintf("Caller verification %s by seatwarden: %s %s.", x.ID, x.Person, outcome),
		fmt.Sprintf("Asked by %s at %s.", x.Asker, v.stamp(x.CreatedAt)),
	}
	if x.Reason != "" {
		lines = append(lines, "Reason: "+x.Reason)
	}
	return strings.Join(lines, "\n")
}

// Detail answers `verify show ID`.
func (v Verifications) Detail(x verify.Verification) bot.Message {
	fields := []bot.Field{
		{Label: "Asked by", Value: x.Asker},
		{Label: "About", Value: x.Person},
		{Label: "Why", Value: cmp.Or(x.Reason, "(no reason given)")},
		{Label: "Asked at", Value: v.stamp(x.CreatedAt)},
		{Label: "Outcome", Value: v.outcome(x)},
	}
	if x.Request != nil {
		fields[0].Label, fields[1].Label = "Requested by", "Confirmer"
		fields = append(fields, bot.Field{Label: "Confirms", Value: x.Request.ID + ": " + x.Request.What})
	}
	if x.Ticket != 0 {
		note := "to be written"
		switch {
		case x.NoteWritten():
			note = "written as an internal note"
		case x.Note != "" && !x.NoteDue():
			note = x.Note
		}
		fields = append(fields, bot.Field{Label: "Ticket", Value: fmt.Sprintf("#%d, %s", x.Ticket, note)})
	}
	return bot.Message{Headline: "Verification " + x.ID, Sections: []bot.Section{{Fields: fields}}, Visibility: bot.Ephemeral}
}

// outcome is one short line of where a verification stands.
func (v Verifications) outcome(x verify.Verification) string {
	switch x.State {
	case verify.Pending:
		return "waiting for an answer until " + v.clock(x.ExpiresAt)
	case verify.Verified:
		return "verified at " + v.clock(x.AnsweredAt)
	case verify.Denied:
		if x.Answer == verify.NotMe {
			return "denied at " + v.clock(x.AnsweredAt) + ": \"this wasn't me\""
		}
		return "denied at " + v.clock(x.AnsweredAt) + ": a wrong number"
	case verify.Expired:
		return "expired at " + v.clock(x.ExpiresAt) + " with no answer"
	case verify.Unreachable:
		return "not sent: no chat account to ask"
	case verify.Withdrawn:
		return "withdrawn before an answer"
	}
	return string(x.State)
}

// List answers `verify list`: recent verifications, newest first.
func (v Verifications) List(xs []verify.Verification, everyone bool) bot.Message {
	whose := "Your verifications"
	if everyone {
		whose = "Recent verifications"
	}
	if len(xs) == 0 {
		return bot.Message{Sections: []bot.Section{{Text: fmt.Sprintf("No verifications yet. Start one with %s verify EMAIL REASON", v.Command)}}, Visibility: bot.Ephemeral}
	}
	lines := make([]string, 0, len(xs))
	for _, x := range xs {
		line := fmt.Sprintf("• %s · %s · %s · %s", x.ID, v.stamp(x.CreatedAt), bot.EscapeText(x.Person), v.outcome(x))
		if everyone {
			line += " · asked by " + bot.EscapeText(x.Asker)
		}
		lines = append(lines, line)
	}
	return bot.Message{
		Headline:   fmt.Sprintf("%s: %d, newest first", whose, len(xs)),
		Sections:   []bot.Section{{Text: strings.Join(lines, "\n")}},
		Context:    []string{v.Command + " verify show ID has the details"},
		Visibility: bot.Ephemeral,
	}
}
