package prompts

import (
	"fmt"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
)

// Overview is the reply to `tokens`: each register counted by kind and
// state, the orphans by kind, and Zendesk's API token countdown. With
// several SaaS each has its own part, headed by its name.
func (r Register) Overview(evs ...credentials.Evaluation) bot.Message {
	m := bot.Message{Headline: "Credential register", Visibility: bot.Ephemeral}
	var total, orphans int
	var titles []string
	for _, ev := range evs {
		n, o, sections := r.overview(ev, len(evs) > 1)
		total, orphans = total+n, orphans+o
		m.Sections = append(m.Sections, sections...)
		titles = append(titles, connector.Title(saasOf(ev)))
	}
	register, across := "Credential register", ""
	switch {
	case len(evs) > 1:
		across = " across " + JoinAnd(titles)
	case len(evs) == 1 && saasOf(evs[0]) != connector.Zendesk:
		register = titles[0] + " credential register"
	}
	m.Headline = fmt.Sprintf("%s: %d %s, %d orphaned%s", register, total, plural(total, "credential", "credentials"), orphans, across)
	if len(evs) > 0 && evs[0].Inventory != nil {
		hint := r.Command + " tokens orphaned lists the orphans; " + r.Command + " tokens show ID shows one."
		if len(evs) > 1 {
			hint = r.Command + " tokens " + saasOf(evs[len(evs)-1]) + " shows one SaaS; " + hint
		}
		m.Context = append(m.Context, "Synced "+evs[0].Inventory.SyncedAt.In(r.loc()).Format("2 Jan 2006 15:04")+". "+hint)
	}
	return m
}

// saasOf is the SaaS an evaluation's inventory was read from.
func saasOf(ev credentials.Evaluation) string {
	if ev.Inventory == nil {
		return connector.Zendesk
	}
	return connector.OrZendesk(ev.Inventory.SaaS)
}

// overview is one register's part of Overview: its credentials, its
// orphans and its sections, headed by its SaaS's name when headed.
func (r Register) overview(ev credentials.Evaluation, headed bool) (total, orphans int, sections []bot.Section) {
	saas := saasOf(ev)
	sum := ev.Summarize(r.loc())
	var fields []bot.Field
	for _, k := range credentials.KindsOf(saas) {
		byState := sum.ByKind[k]
		n := 0
		var parts []string
		for _, st := range credentials.States {
			if c := byState[st]; c > 0 {
				n += c
				parts = append(parts, fmt.Sprintf("%d %s", c, st))
			}
		}
		total += n
		orphans += sum.Orphaned[k]
		value := "none"
		if n > 0 {
			value = fmt.Sprintf("%d: %s", n, strings.Join(parts, ", "))
			if o := sum.Orphaned[k]; o > 0 {
				value += fmt.Sprintf(" · %d orphaned", o)
			}
		}
		fields = append(fields, bot.Field{Label: kindTitle(k), Value: value})
	}
	first := bot.Section{Fields: fields}
	if headed {
		first.Text = fmt.Sprintf("*%s* · %d %s, %d orphaned", connector.Title(saas), total, plural(total, "credential", "credentials"), orphans)
	}
	sections = append(sections, first)
	if saas == connector.Zendesk {
		sections = append(sections, r.countdown(sum.APITokens))
	}
	if inv := ev.Inventory; inv != nil {
		for _, k := range credentials.KindsOf(saas) {
			if p := inv.Problems[k]; p != "" {
				sections = append(sections, bot.Section{Text: fmt.Sprintf("⚠ %s could not be read at the last sync: %s. The list shows what the sync before found.", kindTitle(k), bot.EscapeText(p))})
			}
		}
	}
	return total, orphans, sections
}

func kindTitle(k credentials.Kind) string {
	switch k {
	case credentials.App:
		return "Apps"
	}
	l := k.Label()
	return strings.ToUpper(l[:1]) + l[1:] + "s"
}

// List draws page of a credential list (`tokens orphaned`, `tokens mine`).
func (r Register) List(list string, items []credentials.Item, page int) bot.Message {
	m := bot.Message{Visibility: bot.Ephemeral}
	kind, _, _ := ParseList(list)
	switch kind {
	case ListOrphaned:
		m.Headline = fmt.Sprintf("Orphaned credentials: %d", len(items))
		if len(items) == 0 {
			m.Sections = []bot.Section{{Text: "No orphans: every credential has an active owner, acts as an active user, was used lately and is within its review date."}}
		}
	default:
		m.Headline = fmt.Sprintf("Your credentials: %d", len(items))
		if len(items) == 0 {
			m.Sections = []bot.Section{{Text: "You own no credentials in the register. Claim one from a digest's Claim button or with " + r.Command + " tokens claim ID."}}
		}
	}
	m.Sections = append(m.Sections, r.page(items, page, list, &m)...)
	return m
}

// Detail is the reply to `tokens show ID`: one credential with its whole
// register entry.
func (r Register) Detail(it credentials.Item) bot.Message {
	m := bot.Message{Headline: fmt.Sprintf("%s: %s", it.Kind.Label(), clipText(it.Name, 80)), Visibility: bot.Ephemeral}
	m.Sections = append(m.Sections, r.section(it, standalone))
	e := it.Entry
	var fields []bot.Field
	add := func(label, value string) {
		if value != "" {
			fields = append(fields, bot.Field{Label: label, Value: value})
		}
	}
	add("State", string(e.State))
	add("Owner", nonEmpty(e.Owner, "nobody"))
	add("Purpose", e.Purpose)
	add("Scopes needed", strings.Join(e.Scopes, ", "))
	if !e.LastReview.IsZero() {
		add("Last review", r.date(e.LastReview))
	}
	if !e.NextReview.IsZero() {
		add("Next review", r.date(e.NextReview))
	}
	add("Retire when", e.RetireWhen)
	if it.Kind == credentials.APIToken && it.Present && it.Active {
		add("Zendesk turns it off", fmt.Sprintf("30 Apr 2027 (%d %s)", it.DaysLeft, plural(it.DaysLeft, "day", "days")))
	}
	if !it.ExpiresAt.IsZero() {
		add("Expires", r.date(it.ExpiresAt))
	}
	m.Sections = append(m.Sections, bot.Section{Fields: fields})
	if !it.Present && !e.State.Ended() {
		m.Context = append(m.Context, "Not found in "+connector.Title(it.SaaS)+" at the last sync.")
	}
	return m
}

func nonEmpty(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

// ClaimForm asks what a credential is for. Filled with the current claim
// when there is one.
func (r Register) ClaimForm(where string, it credentials.Item) bot.Form {
	today := r.Now.In(r.loc())
	e := it.Entry
	next := today.AddDate(0, 0, 90).Format(time.DateOnly)
	if !e.NextReview.IsZero() && e.NextReview.After(r.Now) {
		next = e.NextReview.In(r.loc()).Format(time.DateOnly)
	}
	scopes := strings.Join(e.Scopes, ", ")
	scopeHint := "Comma-separated, e.g. read, users:write. Only OAuth tokens carry scopes; a token holding more is flagged"
	if it.Kind == credentials.FineGrainedToken {
		scopeHint = "Comma-separated GitHub permissions, e.g. contents:read, members:read; a token holding more is flagged"
	}
	if it.Kind.Revocable() && scopes == "" {
		scopes = strings.Join(it.Scopes, ", ")
	}
	retire := e.RetireWhen
	if retire == "" && it.Kind == credentials.APIToken {
		retire = "by 2027-04-30, when Zendesk turns API tokens off"
	}
	inputs := []bot.Input{
		{ID: InputPurpose, Label: "What is " + clipText(it.Name, 50) + " for?", Hint: "e.g. nightly export of tickets to the data warehouse",
			Kind: bot.InputMultiline, Required: true, MaxLength: 500, Initial: e.Purpose},
	}
	if it.Kind.Revocable() {
		inputs = append(inputs, bot.Input{ID: InputScopes, Label: "Scopes it needs", Hint: scopeHint, Kind: bot.InputText, Required: true, MaxLength: 200, Initial: scopes})
	}
	inputs = append(inputs,
		bot.Input{ID: InputNextReview, Label: "Review it again on", Kind: bot.InputDate, Required: true, Initial: next,
			Hint: fmt.Sprintf("At most %d days from today (%s)", credentials.MaxReviewDays, today.AddDate(0, 0, credentials.MaxReviewDays).Format(time.DateOnly))},
		bot.Input{ID: InputRetireWhen, Label: "Retire it when", Hint: "A date or an event, e.g. when the HR sync moves to OAuth",
			Kind: bot.InputText, MaxLength: 200, Initial: retire},
	)
	return bot.Form{ID: FormTokenClaim, RecordID: TokenValue(where, it.QualifiedID()), Title: "Claim this credential", Submit: "Claim", Inputs: inputs}
}

// KeepForm asks until when a credential stays before its next review.
func (r Register) KeepForm(where string, it credentials.Item) bot.Form {
	today := r.Now.In(r.loc())
	return bot.Form{
		ID: FormTokenKeep, RecordID: TokenValue(where, it.QualifiedID()), Title: "Keep this credential", Submit: "Keep",
		Inputs: []bot.Input{{ID: InputTokenKeep, Label: "Keep " + clipText(it.Name, 50) + " until", Kind: bot.InputDate, Required: true,
			Initial: today.AddDate(0, 0, 90).Format(time.DateOnly),
			Hint:    fmt.Sprintf("It is reviewed again then; at most %d days from today", credentials.MaxReviewDays)}},
	}
}

// MigrateForm asks how and by when an API token moves to OAuth.
func (r Register) MigrateForm(where string, it credentials.Item) bot.Form {
	today := r.Now.In(r.loc())
	last := credentials.APITokenRetirement.AddDate(0, 0, -1)
	deadline := today.AddDate(0, 0, 60)
	if deadline.After(last) {
		deadline = last
	}
	return bot.Form{
		ID: FormTokenMigrate, RecordID: TokenValue(where, it.QualifiedID()), Title: "Move to OAuth", Submit: "Save plan",
		Inputs: []bot.Input{
			{ID: InputPlan, Label: "How does " + clipText(it.Name, 50) + " move to OAuth?", Kind: bot.InputMultiline, Required: true, MaxLength: 500,
				Hint: "e.g. the HR sync gets its own OAuth client with users:read; then this token is deleted"},
			{ID: InputDeadline, Label: "Done by", Kind: bot.InputDate, Required: true, Initial: deadline.Format(time.DateOnly),
				Hint: "Before 30 Apr 2027, when Zendesk turns API tokens off; you are reminded two weeks before"},
		},
	}
}

// RevokeLine is the one-line answer to a revoke that changes nothing on
// the message: refused by Zendesk, or another click's revoke in flight.
func (r Register) RevokeLine(it credentials.Item, outcome credentials.RevokeOutcome) string {
	switch outcome {
	case credentials.Refused:
		return fmt.Sprintf("%s did not revoke %s; it stays active in the register. %s", connector.Title(it.SaaS), it.Name, it.Entry.Note)
	case credentials.InProgress:
		return fmt.Sprintf("%s is already being revoked; the message updates when %s answers", it.Name, connector.Title(it.SaaS))
	case credentials.AlreadyRevoked:
		return fmt.Sprintf("%s was already revoked", it.Name)
	}
	return ""
}
