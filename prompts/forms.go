package prompts

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/reviews"
)

// Form inputs.
const (
	InputReason    = "reason"
	InputKeepUntil = "keep_until"
	InputNewOwner  = "new_owner"
)

// KeepForm asks why a seat stays and until when. The date defaults to 90
// days out, within the policy's maximum.
func (r Review) KeepForm(it reviews.Item, keepMaxDays int) bot.Form {
	today := r.Now.In(r.loc())
	initial := today.AddDate(0, 0, min(90, keepMaxDays))
	title, why, hint := "Keep this seat", "Why does "+clipName(it)+" keep a paid seat?", "e.g. on parental leave until March"
	if r.Privilege {
		title, why, hint = "Keep this privilege", "Why does "+clipName(it)+" hold "+cmp.Or(it.Seat.RoleName, it.Seat.Role)+" standing?", "e.g. runs billing and the security settings"
	}
	return bot.Form{
		ID:       FormKeep,
		RecordID: SeatValue(it.Seat.Connector, it.Period, it.Seat.UserID),
		Title:    title,
		Submit:   "Keep",
		Inputs: []bot.Input{
			{ID: InputReason, Label: why, Hint: hint,
				Kind: bot.InputMultiline, Required: true, MaxLength: 500},
			{ID: InputKeepUntil, Label: "Ask again on", Kind: bot.InputDate, Required: true, Initial: initial.Format(time.DateOnly),
				Hint: fmt.Sprintf("At most %d days from today (%s)", keepMaxDays, today.AddDate(0, 0, keepMaxDays).Format(time.DateOnly))},
		},
	}
}

// NotMineForm asks who answers for a seat instead.
func (r Review) NotMineForm(it reviews.Item) bot.Form {
	return bot.Form{
		ID:       FormNotMine,
		RecordID: SeatValue(it.Seat.Connector, it.Period, it.Seat.UserID),
		Title:    "Hand this seat on",
		Submit:   "Hand on",
		Inputs: []bot.Input{
			{ID: InputNewOwner, Label: "Who answers for " + clipName(it) + "?", Hint: "Their email, e.g. lead@example.com; they get the seat in their digest",
				Kind: bot.InputText, Required: true, MaxLength: 254},
		},
	}
}

// clipName keeps a seat's name short enough for a form label.
func clipName(it reviews.Item) string {
	n := []rune(cmp.Or(it.Seat.Name, it.Seat.Email, "this person"))
	if len(n) > 60 {
		return string(n[:59]) + "…"
	}
	return string(n)
}

// FailedChanges tells the admin channel about decisions Zendesk would not
// carry out after the last retry.
func (r Review) FailedChanges(items []reviews.Item) bot.Message {
	m := bot.Message{
		Headline:   fmt.Sprintf("%d seat %s could not be carried out in Zendesk", len(items), plural(len(items), "change", "changes")),
		Visibility: bot.Visible,
	}
	for _, it := range items {
		verb := "remove"
		if it.State == reviews.Downgraded {
			verb = "downgrade"
		}
		m.Sections = append(m.Sections, bot.Section{Text: fmt.Sprintf("*%s* · %s: %s decided to %s it %s; after %d %s: %s",
			bot.EscapeText(cmp.Or(it.Seat.Name, "(no name)")), bot.EscapeText(it.Seat.Email), bot.EscapeText(it.DecidedBy), verb,
			r.when(it.DecidedAt), it.Change.Attempts, plural(it.Change.Attempts, "attempt", "attempts"), bot.EscapeText(it.Change.Error))})
	}
	m.Context = []string{"Make the change in Zendesk's Admin Center, or check the API credentials' rights. Review " + r.Period + "."}
	return m
}

// Summary is the reply to `review`: how far a period's review has got.
func (r Review) Summary(s reviews.Summary, opened time.Time) bot.Message {
	if r.Privilege {
		return r.privilegeSummary(s, opened)
	}
	m := bot.Message{Headline: r.words().review + " " + s.Period, Visibility: bot.Ephemeral}
	if s.Asked == 0 {
		m.Sections = []bot.Section{{Text: "No seats were asked about in this review."}}
		if opened.IsZero() {
			m.Sections[0].Text = "This review has not opened yet. It opens when the inactive-digest job runs (Mondays 09:00 by default), or now with `seatwarden run-job inactive-digest`."
		}
		return m
	}
	m.Sections = append(m.Sections, bot.Section{Fields: []bot.Field{
		{Label: "Asked", Value: fmt.Sprint(s.Asked)},
		{Label: "Waiting", Value: fmt.Sprint(s.Open)},
		{Label: "Kept", Value: fmt.Sprint(s.Kept)},
		{Label: "Snoozed", Value: fmt.Sprint(s.Snoozed)},
		{Label: "Removed", Value: fmt.Sprint(s.Removed)},
		{Label: "Downgraded", Value: fmt.Sprint(s.Downgraded)},
		{Label: "Pending in " + r.words().title, Value: fmt.Sprint(s.Pending)},
		{Label: "Failed", Value: fmt.Sprint(s.Failed)},
		{Label: "Changed meanwhile", Value: fmt.Sprint(s.Changed)},
		{Label: "Saved", Value: r.money(s.Saved) + "/month"},
	}})
	r.waitingFor(&m, s)
	ctx := "Saved counts only seats Zendesk confirmed freed."
	if !opened.IsZero() {
		ctx = "Opened " + r.when(opened) + "; answers are taken until " + r.by(r.Deadline) + ". " + ctx
	}
	m.Context = []string{ctx}
	return m
}

// privilegeSummary is the reply to `review privilege`.
func (r Review) privilegeSummary(s reviews.Summary, opened time.Time) bot.Message {
	m := bot.Message{Headline: "Privilege review " + s.Period, Visibility: bot.Ephemeral}
	if s.Asked == 0 {
		m.Sections = []bot.Section{{Text: "Nobody with standing privilege was asked about in this review."}}
		if opened.IsZero() {
			m.Sections[0].Text = "This review has not opened yet. It opens when the privilege-review job runs (09:00 on the first day of each quarter by default), or now with `seatwarden run-job privilege-review`."
		}
		return m
	}
	m.Sections = append(m.Sections, bot.Section{Fields: []bot.Field{
		{Label: "Asked", Value: fmt.Sprint(s.Asked)},
		{Label: "Waiting", Value: fmt.Sprint(s.Open)},
		{Label: "Kept", Value: fmt.Sprint(s.Kept)},
		{Label: "Made just-in-time", Value: fmt.Sprint(s.JustInTime)},
		{Label: "Removed", Value: fmt.Sprint(s.Removed)},
		{Label: "Pending in " + r.words().title, Value: fmt.Sprint(s.Pending)},
		{Label: "Failed", Value: fmt.Sprint(s.Failed)},
		{Label: "Changed meanwhile", Value: fmt.Sprint(s.Changed)},
	}})
	r.waitingFor(&m, s)
	if !opened.IsZero() {
		m.Context = []string{"Opened " + r.when(opened) + "; answers are taken until " + r.by(r.Deadline) + "."}
	}
	return m
}

// waitingFor adds who the review waits for, the most waiting first.
func (r Review) waitingFor(m *bot.Message, s reviews.Summary) {
	if len(s.Waiting) > 0 {
		type owner struct {
			email string
			n     int
		}
		var owners []owner
		for e, n := range s.Waiting {
			owners = append(owners, owner{e, n})
		}
		sortOwners := func(a, b owner) int { return cmp.Or(cmp.Compare(b.n, a.n), strings.Compare(a.email, b.email)) }
		slices.SortFunc(owners, sortOwners)
		var lines []string
		for i, o := range owners {
			if i == 10 {
				lines = append(lines, fmt.Sprintf("…and %d more", len(owners)-10))
				break
			}
			lines = append(lines, fmt.Sprintf("%s: %d", bot.EscapeText(cmp.Or(o.email, "(no owner)")), o.n))
		}
		m.Sections = append(m.Sections, bot.Section{Text: "*Waiting for*\n" + strings.Join(lines, "\n")})
	}
}
