package prompts

import (
	"cmp"
	"fmt"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/verify"
)

// An access request's confirmation is a verification the other way
// round: the requester (the asker) reads the code to their manager or a
// peer (the person asked), who taps it. These draw its messages.

// asWhom says why the confirmer was asked, from the requester's side.
func asWhom(x verify.Verification) string {
	if x.Request.As == "peer" {
		return "the colleague they named"
	}
	return "their manager"
}

func (v Verifications) confirmPrompt(x verify.Verification) bot.Message {
	requester := bot.EscapeText(x.Asker)
	buttons := make([]bot.Button, 0, len(x.Choices)+1)
	for i, c := range x.Choices {
		buttons = append(buttons, bot.Button{ActionID: ActionVerifyAnswers[min(i, 2)], Label: c, Value: VerifyValue(x.ID, c)})
	}
	buttons = append(buttons, bot.Button{ActionID: ActionVerifyAnswers[3], Label: "I don't know about this", Value: VerifyValue(x.ID, verify.NotMe), Style: bot.StyleDanger,
		Confirm: &bot.Confirm{Title: "Not a request you know of?", Text: "The request is denied and security is told that someone asked in " + x.Asker + "'s name.", Confirm: "Deny it", Deny: "Go back"}})
	return bot.Message{
		Headline: "Did " + x.Asker + " ask for this?",
		Sections: []bot.Section{{Text: fmt.Sprintf("%s asks for *%s*%s, and you are asked, as %s, to confirm it is really them. "+
			"Ask them for their code (call them, or ask in person) and tap the number they tell you. "+
			"If you do not know about this request, tap *I don't know about this*: it is denied and security is told.",
			requester, bot.EscapeText(x.Request.What), why(x), asWhom(x))}},
		Buttons:    buttons,
		Context:    []string{fmt.Sprintf("Request %s · verification %s · answer by %s · never tap a number you were not given", x.Request.ID, x.ID, v.clock(x.ExpiresAt))},
		Visibility: bot.Visible,
	}
}

func (v Verifications) confirmAnswered(x verify.Verification) bot.Message {
	requester, id := bot.EscapeText(x.Asker), x.Request.ID
	var line string
	switch {
	case x.State == verify.Verified:
		line = fmt.Sprintf("✅ Confirmed at %s: you tapped %s's code. %s goes to its approvers now.", v.clock(x.AnsweredAt), requester, id)
	case x.State == verify.Denied && x.Answer == verify.NotMe:
		line = fmt.Sprintf("⛔ You said you do not know about this, at %s. %s is denied and security has been told.", v.clock(x.AnsweredAt), id)
	case x.State == verify.Denied:
		line = fmt.Sprintf("⛔ That was not %s's code, at %s. %s is denied and security has been told.", requester, v.clock(x.AnsweredAt), id)
	case x.State == verify.Expired:
		line = fmt.Sprintf("⌛ Expired at %s with no answer; %s did not go to its approvers.", v.clock(x.ExpiresAt), id)
	case x.State == verify.Withdrawn:
		line = fmt.Sprintf("➖ %s is withdrawn: there is nothing to confirm.", id)
	default:
		return v.confirmPrompt(x)
	}
	return bot.Message{
		Headline:   "Did " + x.Asker + " ask for this?",
		Sections:   []bot.Section{{Text: line}},
		Context:    []string{"Request " + id + " · verification " + x.ID},
		Visibility: bot.Visible,
	}
}

func (v Verifications) confirmStatus(x verify.Verification) bot.Message {
	confirmer, id := bot.EscapeText(x.Person), x.Request.ID
	as := "as your manager"
	if x.Request.As == "peer" {
		as = "as the colleague you named"
	}
	again := v.Command + " access request"
	m := bot.Message{Context: []string{"Request " + id + " · verification " + x.ID + " · " + v.Command + " request show " + id}, Visibility: bot.Visible}
	switch x.State {
	case verify.Pending:
		m.Headline = id + ": tell " + x.Person + " the code " + x.Code
		m.Sections = []bot.Section{{Text: fmt.Sprintf("*%s* goes to its approvers once %s confirms, %s, that you asked. "+
			"They have three numbers in a direct message from me: tell them *%s*, by phone or in person. "+
			"This message changes when they answer, or at %s if they do not.", bot.EscapeText(x.Request.What), confirmer, as, x.Code, v.clock(x.ExpiresAt))}}
	case verify.Verified:
		m.Headline = "✅ " + id + " confirmed by " + x.Person
		m.Sections = []bot.Section{{Text: fmt.Sprintf("%s tapped your code at %s. Its approvers decide next; I tell you when they do.", confirmer, v.clock(x.AnsweredAt))}}
	case verify.Denied:
		m.Headline = "⛔ " + id + " denied: " + x.Person + " did not confirm it"
		what := "tapped a different number"
		if x.Answer == verify.NotMe {
			what = "said they do not know about it"
		}
		m.Sections = []bot.Section{{Text: fmt.Sprintf("%s %s at %s, so the request is denied and security has been told. If that is a mistake, talk to them and ask again with %s.",
			confirmer, what, v.clock(x.AnsweredAt), again)}}
	case verify.Expired:
		m.Headline = "⌛ " + id + " ended: " + x.Person + " did not confirm in time"
		m.Sections = []bot.Section{{Text: fmt.Sprintf("%s did not answer by %s, so the request did not reach its approvers. Ask again with %s when they can answer.",
			confirmer, v.clock(x.ExpiresAt), again)}}
	case verify.Unreachable:
		m.Headline = id + " ended: " + x.Person + " cannot be reached in chat"
		m.Sections = []bot.Section{{Text: confirmUnreachable(x)}}
	case verify.Withdrawn:
		m.Headline = "➖ " + id + " withdrawn"
		m.Sections = []bot.Section{{Text: fmt.Sprintf("%s was not asked to confirm it any more; it did not go to its approvers.", confirmer)}}
	}
	return m
}

func confirmUnreachable(x verify.Verification) string {
	return fmt.Sprintf("%s has no Slack or Teams account I can message, so they cannot confirm %s and it did not go to its approvers. "+
		"Ask an admin to check who confirms your requests (managers in the policy), or name another colleague.", bot.EscapeText(x.Person), x.Request.ID)
}

// ConfirmationStarted is the private reply to an access request that
// waits for its confirmer: the code to tell them, which the requester's
// direct message repeats and keeps up to date.
func (v Verifications) ConfirmationStarted(x verify.Verification) bot.Message {
	as := "your manager"
	if x.Request.As == "peer" {
		as = "the colleague you named"
	}
	return bot.Message{
		Sections: []bot.Section{{Text: fmt.Sprintf("%s waits for %s (%s) to confirm that you asked. Tell them this code: *%s*, by phone or in person; "+
			"they tap it in the direct message I sent them, by %s. Then it goes to its approvers.",
			x.Request.ID, bot.EscapeText(x.Person), as, x.Code, v.clock(x.ExpiresAt))}},
		Visibility: bot.Ephemeral,
	}
}

func (v Verifications) confirmAlert(x verify.Verification) bot.Message {
	relation := "manager"
	if x.Request.As == "peer" {
		relation = "named colleague"
	}
	what := "tapped a number that was not the requester's code"
	if x.Answer == verify.NotMe {
		what = "said they do not know about it"
	}
	return bot.Message{
		Headline: "⚠ Access request not confirmed: " + x.Asker,
		Sections: []bot.Section{{Text: fmt.Sprintf("%s, %s's %s, %s at %s. %s is denied; someone may be asking for privilege in %s's name.",
			bot.EscapeText(x.Person), bot.EscapeText(x.Asker), relation, what, v.clock(x.AnsweredAt), x.Request.ID, bot.EscapeText(x.Asker)),
			Fields: []bot.Field{
				{Label: "Requested by", Value: x.Asker},
				{Label: "Asks for", Value: x.Request.What},
				{Label: "Confirmer", Value: x.Person},
				{Label: "Why", Value: cmp.Or(x.Reason, "(no reason given)")},
				{Label: "Asked at", Value: v.stamp(x.CreatedAt)},
			}}},
		Context:    []string{v.Command + " request show " + x.Request.ID + " · " + v.Command + " verify show " + x.ID},
		Visibility: bot.Visible,
	}
}
