package prompts

import (
	"fmt"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/watch"
)

// The acknowledgement of an alert: its button, form and note; and what
// can be done about the change itself: put it back, or open the request
// that should have come first.
const (
	ActionWatchAck    = "watch.ack"
	ActionWatchRevert = "watch.revert"
	ActionWatchRetro  = "watch.retro"
	FormWatchRetro    = "watch.retro"
	FormWatchAck      = "watch.ack"
	InputAckNote      = "note"
	// MaxAckNote bounds the note; the alert keeps it.
	MaxAckNote = 500
)

// ruleTitles name each audit-watch rule for people.
var ruleTitles = map[string]string{
	watch.RuleAdminGranted:      "Admin rights granted",
	watch.RuleRoleChanged:       "A role's permissions changed",
	watch.RuleCredentialCreated: "A credential created",
	watch.RuleAppInstalled:      "An app installed",
	watch.RuleUserReactivated:   "A user reactivated",
	watch.RuleSecuritySettings:  "Security settings changed",
	watch.RuleBulkChanges:       "Many changes at once",
	watch.RuleOutsideHours:      "A change outside business hours",
	watch.RuleDepartedActor:     "A change by someone who left",
	watch.RuleUngrantedActor:    "A change by an admin without a grant",
}

// TrustAlert is the alert channel's message for a trust-changing event
// in a SaaS's audit log: what happened, who, when, from where.
func TrustAlert(a watch.Alert, loc *time.Location) bot.Message {
	e := a.Event
	what := e.SourceLabel
	if e.Change != "" {
		what += ": " + e.Change
	}
	fields := []bot.Field{
		{Label: "Who", Value: bot.EscapeText(orDash(e.ActorName))},
		{Label: "What", Value: bot.EscapeText(orDash(strings.TrimPrefix(what, ": ")))},
		{Label: "When", Value: e.At.In(orUTC(loc)).Format("Mon 2 Jan 2006 15:04 MST")},
		{Label: "From", Value: bot.EscapeText(orDash(e.IP))},
	}
	sections := []bot.Section{{Text: bot.EscapeText(a.Why) + "."}, {Fields: fields}}
	if a.Outcome != "" {
		sections = append(sections, bot.Section{Text: fmt.Sprintf("↩ %s %s at %s.", bot.EscapeText(a.OutcomeBy), bot.EscapeText(a.Outcome),
			a.OutcomeAt.In(orUTC(loc)).Format("2 Jan 15:04"))})
	}
	var buttons []bot.Button
	if a.Acknowledged.IsZero() {
		buttons = append(buttons, bot.Button{ActionID: ActionWatchAck, Label: "Acknowledge", Value: a.ID})
	} else {
		sections = append(sections, bot.Section{Text: fmt.Sprintf("✅ Acknowledged by %s at %s: %s", bot.EscapeText(a.AcknowledgedBy),
			a.Acknowledged.In(orUTC(loc)).Format("2 Jan 15:04"), bot.EscapeText(a.Note))})
	}
	if a.Outcome == "" {
		buttons = append(buttons, remedies(a)...)
	}
	if len(buttons) > 0 {
		sections = append(sections, bot.Section{Actions: buttons})
	}
	return bot.Message{
		Headline:   fmt.Sprintf("🚨 %s in %s", ruleTitles[a.Rule], connector.Title(a.SaaS)),
		Sections:   sections,
		Context:    []string{fmt.Sprintf("From %s's audit log (%s %s #%s). Rule posture.watch.%s.", connector.Title(a.SaaS), e.Action, e.SourceType, e.ID, a.Rule)},
		Visibility: bot.Visible,
	}
}

// remedies are the buttons that act on an alert's change: an admin
// granted outside seatwarden can be put back or asked for after the fact
// (as the standing-privilege report offers), an app installed without a
// request asked for after the fact.
func remedies(a watch.Alert) []bot.Button {
	retro := bot.Button{ActionID: ActionWatchRetro, Label: "Open a retroactive request", Value: a.ID}
	switch a.Rule {
	case watch.RuleAdminGranted:
		who := orDash(a.Event.SourceLabel)
		return []bot.Button{retro, {ActionID: ActionWatchRevert, Label: "Revert", Value: a.ID, Style: bot.StyleDanger,
			Confirm: &bot.Confirm{Title: "Put the earlier role back?", Text: bot.EscapeText(who) + " goes back to the role they held before, in " + connector.Title(a.SaaS) + ".",
				Confirm: "Put it back", Deny: "Cancel"}}}
	case watch.RuleAppInstalled:
		return []bot.Button{retro}
	}
	return nil
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// WatchUnavailable tells the alert channel, once, that a SaaS's plan has
// no audit log for the watch to read.
func WatchUnavailable(saas string) bot.Message {
	return bot.Message{
		Headline: fmt.Sprintf("ℹ The audit watch cannot read %s's audit log", connector.Title(saas)),
		Sections: []bot.Section{{Text: fmt.Sprintf("%s answers that the audit log is not available on this plan (Zendesk: Enterprise plans only), "+
			"so trust-changing events there are not watched. Everything else works as before.", connector.Title(saas))}},
		Context:    []string{"seatwarden doctor shows the same. If the plan changes, nothing needs to be done: the next run reads the log."},
		Visibility: bot.Visible,
	}
}

// AckForm asks what the acknowledger found.
func AckForm(a watch.Alert) bot.Form {
	return bot.Form{ID: FormWatchAck, RecordID: a.ID, Title: "Acknowledge the alert", Submit: "Acknowledge",
		Inputs: []bot.Input{{ID: InputAckNote, Label: "What did you find?", Kind: bot.InputMultiline, Required: true, MaxLength: MaxAckNote,
			Hint: "Such as: expected, Lee covers the weekend on-call; or: not expected, the token is revoked"}}}
}
