package prompts

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/prose"
)

// Grants draws what the admin channel hears of just-in-time grants.
type Grants struct {
	Location *time.Location
	Command  string
}

func (v Grants) stamp(t time.Time) string { return t.In(v.loc()).Format("2 Jan 2006 15:04") }
func (v Grants) date(t time.Time) string  { return t.In(v.loc()).Format("2 Jan 2006") }

func (v Grants) loc() *time.Location {
	if v.Location == nil {
		return time.UTC
	}
	return v.Location
}

// Alert tells the admins that a grant's end needs them: it is held (the
// role was changed by hand, or the SaaS refused to put it back), or the
// SaaS keeps failing and the role is still held past its end.
func (v Grants) Alert(g access.Grant) bot.Message {
	esc := bot.EscapeText
	saas := connector.Title(g.SaaS)
	m := bot.Message{Visibility: bot.Visible}
	var text string
	switch {
	case g.State == access.Held:
		m.Headline = fmt.Sprintf("⚠ %s's %s grant needs a person", g.Email, g.RoleName)
		text = esc(g.Note) + "\nDecide in " + saas + " what role they should have; seatwarden will not change it."
	default:
		m.Headline = fmt.Sprintf("🚨 %s still holds %s past the grant's end", g.Email, g.RoleName)
		text = fmt.Sprintf("Taking it back failed %d times: %s\nseatwarden keeps trying; if %s stays down, take the role back by hand.", g.Change.Attempts, esc(g.Change.Error), saas)
	}
	m.Sections = []bot.Section{{Text: text, Fields: []bot.Field{
		{Label: "Grant", Value: g.ID},
		{Label: "Ended", Value: v.stamp(g.End)},
	}}}
	m.Context = []string{v.Command + " request show " + g.RequestID}
	return m
}

// on is "on 23 Nov 2026 at 13:09", for the end of a sentence.
func (v Grants) on(t time.Time) string {
	loc := v.Location
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	return "on " + t.Format("2 Jan 2006") + " at " + t.Format("15:04")
}

// revoking reports whether an active grant's end is in flight.
func revoking(g access.Grant) bool {
	return g.State == access.Active && g.Change != nil && g.Change.Op == access.OpRevoke
}

// List is the answer to `access list`: one short section per grant, in
// the order given (newest first), each with who holds what, where it
// stands, the time left of an active grant and its end.
func (v Grants) List(grants []access.Grant, now time.Time) bot.Message {
	esc := bot.EscapeText
	m := bot.Message{Headline: fmt.Sprintf("Access grants: %d", len(grants)), Visibility: bot.Ephemeral}
	if len(grants) == 0 {
		m.Sections = []bot.Section{{Text: "No access grants to show. Ask for a role for a while with " +
			esc(v.Command) + " access request ROLE DURATION, such as " + esc(v.Command) + " access request admin 2h."}}
		return m
	}
	for _, g := range grants[:min(len(grants), listMax)] {
		m.Sections = append(m.Sections, bot.Section{Text: fmt.Sprintf("*%s* · %s · %s\n%s",
			esc(g.ID), esc(g.Email), esc(g.RoleName), v.standing(g, now))})
	}
	if more := len(grants) - listMax; more > 0 {
		m.Context = append(m.Context, fmt.Sprintf("…and %d more", more))
	}
	m.Context = append(m.Context, v.Command+" access show ID shows one")
	return m
}

// standing is a grant's state in one line of a list.
func (v Grants) standing(g access.Grant, now time.Time) string {
	saas := connector.Title(connector.OrZendesk(g.SaaS))
	switch {
	case g.State == access.Pending:
		return fmt.Sprintf("Pending: waiting for %s to confirm · asked for %s", saas, access.Format(g.Duration))
	case revoking(g):
		return fmt.Sprintf("Active, being ended: %s is taking the role back · was to end %s", saas, v.stamp(g.End))
	case g.State == access.Active:
		left := "ends now"
		if l := g.Left(now); l > 0 {
			left = access.Format(l) + " left"
		}
		return fmt.Sprintf("Active · %s · ends %s", left, v.stamp(g.End))
	case g.State == access.Held:
		return "Held: the end needs a person · was to end " + v.stamp(g.End)
	case g.State == access.Ended:
		how := "on time"
		if g.EndedBy != "" && g.EndedBy != "system" {
			how = "early by " + bot.EscapeText(g.EndedBy)
		}
		return fmt.Sprintf("Ended %s %s", how, v.on(g.EndedAt))
	case g.State == access.Failed:
		return "Not granted · asked " + v.on(g.CreatedAt)
	}
	return bot.EscapeText(string(g.State))
}

// Detail is the answer to `access show ID`: one grant, where it stands
// and everything on record about it.
func (v Grants) Detail(g access.Grant, now time.Time) bot.Message {
	esc := bot.EscapeText
	m := bot.Message{
		Headline:   fmt.Sprintf("Access grant %s: %s as %s", g.ID, g.Email, g.RoleName),
		Sections:   []bot.Section{{Text: strings.Join(v.stateLines(g, now), "\n")}, {Fields: v.facts(g)}},
		Visibility: bot.Ephemeral,
	}
	if g.Reason != "" {
		m.Sections = append(m.Sections, bot.Section{Text: "*Reason*\n" + esc(clipKeepLines(g.Reason, 1000))})
	}
	m.Context = []string{"Grant " + g.ID + " · asked " + v.on(g.CreatedAt)}
	if g.State == access.Active && !revoking(g) {
		m.Context = append(m.Context, v.Command+" access revoke "+g.ID+" ends it now")
	}
	if g.RequestID != "" {
		m.Context = append(m.Context, v.Command+" request show "+g.RequestID+" shows its request")
	}
	return m
}

// stateLines say where a grant stands, and what happens next.
func (v Grants) stateLines(g access.Grant, now time.Time) []string {
	esc := bot.EscapeText
	saas := connector.Title(connector.OrZendesk(g.SaaS))
	var lines []string
	switch {
	case g.State == access.Pending:
		lines = append(lines, fmt.Sprintf("⌛ Pending: %s has not confirmed the role yet; seatwarden keeps trying.", saas))
	case revoking(g):
		by := "on time"
		if b := g.Change.By; b != "" && b != "system" {
			by = "by " + esc(b)
		}
		lines = append(lines, fmt.Sprintf("⌛ Being ended %s: %s is taking %s back.", by, saas, esc(g.RoleName)))
	case g.State == access.Active:
		left := "it ends now"
		if l := g.Left(now); l > 0 {
			left = access.Format(l) + " left"
		}
		lines = append(lines, fmt.Sprintf("🔓 Active: %s is %s in %s until %s, %s. It is taken back then, with their sessions ended.",
			esc(g.Email), esc(g.RoleName), saas, v.stamp(g.End), left))
	case g.State == access.Held:
		lines = append(lines, "⚠ Held: the end needs a person. "+esc(prose.Sentence(g.Note)),
			"Decide in "+saas+" what role they should have; seatwarden will not change it.")
	case g.State == access.Ended:
		lines = append(lines, "🔒 "+esc(g.EndedText()))
	case g.State == access.Failed:
		lines = append(lines, "⛔ Not granted: "+esc(strings.TrimRight(g.Note, "."))+".", "Nothing was changed in "+saas+".")
	default:
		lines = append(lines, esc(string(g.State)))
	}
	if c := g.Change; c != nil && c.Error != "" {
		lines = append(lines, fmt.Sprintf("⚠ The last of %d attempts failed: %s. seatwarden retries automatically.", c.Attempts, esc(c.Error)))
	}
	return lines
}

// facts are a grant's fields: who, what, who approved it and when it
// began and ends.
func (v Grants) facts(g access.Grant) []bot.Field {
	holder := g.Email
	if g.Name != "" {
		holder = g.Name + " (" + g.Email + ")"
	}
	role := g.RoleName
	if g.Role.ID != "" {
		role += " (custom role " + g.Role.ID + ")"
	}
	fs := []bot.Field{{Label: "Holder", Value: holder}, {Label: "Role", Value: role}}
	if g.Earlier != nil {
		fs = append(fs, bot.Field{Label: "Earlier role", Value: g.Earlier.String()})
	}
	fs = append(fs, bot.Field{Label: "Asked for", Value: access.Format(g.Duration)})
	switch {
	case g.BreakGlass:
		fs = append(fs, bot.Field{Label: "Approved by", Value: "nobody beforehand: break-glass"})
	case len(g.ApprovedBy) > 0:
		fs = append(fs, bot.Field{Label: "Approved by", Value: joinNames(g.ApprovedBy, "and")})
	}
	if g.Ticket != "" {
		fs = append(fs, bot.Field{Label: "Ticket", Value: g.Ticket})
	}
	if !g.Start.IsZero() {
		fs = append(fs, bot.Field{Label: "Started", Value: v.stamp(g.Start)})
	}
	switch g.State {
	case access.Active:
		fs = append(fs, bot.Field{Label: "Ends", Value: v.stamp(g.End)})
	case access.Held:
		fs = append(fs, bot.Field{Label: "Was to end", Value: v.stamp(g.End)})
	case access.Ended:
		fs = append(fs, bot.Field{Label: "Ended", Value: v.stamp(g.EndedAt)})
		by := "seatwarden, on time"
		if g.EndedBy != "" && g.EndedBy != "system" {
			by = g.EndedBy
		}
		fs = append(fs, bot.Field{Label: "Ended by", Value: by})
	}
	if g.RequestID != "" {
		fs = append(fs, bot.Field{Label: "Request", Value: g.RequestID})
	}
	return fs
}

// Revoked confirms `access revoke` to whoever ran it: the grant ended,
// held for a person because the role could not be put back, or being
// ended by another attempt already under way.
func (v Grants) Revoked(g access.Grant) bot.Message {
	esc := bot.EscapeText
	saas := connector.Title(connector.OrZendesk(g.SaaS))
	m := bot.Message{Visibility: bot.Ephemeral}
	var lines []string
	switch g.State {
	case access.Ended:
		m.Headline = fmt.Sprintf("Ended %s: %s no longer holds %s", g.ID, g.Email, g.RoleName)
		lines = append(lines, esc(g.EndedText()))
		if g.RequestID != "" {
			lines = append(lines, "The thread of request "+esc(g.RequestID)+" says so, and "+esc(g.Email)+" hears of it.")
		}
	case access.Held:
		m.Headline = fmt.Sprintf("⚠ %s needs a person: %s was not taken back", g.ID, g.RoleName)
		lines = append(lines, esc(prose.Sentence(g.Note)), "Decide in "+saas+" what role "+esc(g.Email)+" should have; seatwarden will not change it.")
	default:
		m.Headline = fmt.Sprintf("Ending %s: taking %s back from %s", g.ID, g.RoleName, g.Email)
		lines = append(lines, "Another attempt to end it is under way; "+saas+" confirms it within seconds.")
	}
	m.Sections = []bot.Section{{Text: strings.Join(lines, "\n")}}
	m.Context = []string{v.Command + " access show " + g.ID}
	return m
}

// Extended confirms a self-extension to the holder.
func (v Grants) Extended(g access.Grant) bot.Message {
	last := g.Extensions[len(g.Extensions)-1]
	text := "The policy lets a holder extend a grant once; more time after this goes to approvers."
	if g.RequestID != "" {
		text += " The thread of request " + bot.EscapeText(g.RequestID) + " says so."
	}
	return bot.Message{
		Visibility: bot.Ephemeral,
		Headline:   fmt.Sprintf("Extended %s by %s: you hold %s until %s", g.ID, access.Format(last.Add), g.RoleName, v.stamp(g.End)),
		Sections:   []bot.Section{{Text: text}},
		Context:    []string{v.Command + " access show " + g.ID},
	}
}

// Access grants' controls.
const (
	// ActionAccessReview acknowledges a break-glass grant after the fact.
	ActionAccessReview = "access.review"
	// ActionShadowRevert puts a shadow admin's earlier role back.
	ActionShadowRevert = "access.shadow_revert"
	// ActionAccessShadowRequest opens a retroactive access request for a
	// shadow, in the holder's name; FormAccessShadowRequest is its form.
	ActionAccessShadowRequest = "access.shadow_request"
	FormAccessShadowRequest   = "access.shadow_request"
	// ActionAccessShadowKeep keeps a shadow's role as standing privilege,
	// with a reason and an end date; FormAccessShadowKeep is its form.
	ActionAccessShadowKeep = "access.shadow_keep"
	FormAccessShadowKeep   = "access.shadow_keep"
)

// BreakGlass tells the admin channel and every approver that someone took
// a role at once, without approval: who, which role, why and until when,
// with Reviewed for an approver to acknowledge it.
func (v Grants) BreakGlass(g access.Grant) bot.Message {
	esc := bot.EscapeText
	m := bot.Message{
		Visibility: bot.Visible,
		Headline:   fmt.Sprintf("🚨 Break-glass: %s took %s without approval", g.Email, g.RoleName),
		Sections: []bot.Section{{
			Text: "*Why:* " + esc(g.Reason) + "\nIt ends by itself at " + v.stamp(g.End) + ". An approver reviews it: press *Reviewed* once you have looked at what was done.",
			Fields: []bot.Field{
				{Label: "Grant", Value: g.ID},
				{Label: "In", Value: connector.Title(connector.OrZendesk(g.SaaS))},
				{Label: "Until", Value: v.stamp(g.End)},
			},
		}},
		Context: []string{v.Command + " access show " + g.ID + " · " + v.Command + " access revoke " + g.ID + " ends it now"},
	}
	if g.Review != nil && g.Review.By != "" {
		m.Sections = append(m.Sections, bot.Section{Text: fmt.Sprintf("✅ Reviewed by %s on %s", esc(g.Review.By), v.stamp(g.Review.At))})
		return m
	}
	m.Buttons = []bot.Button{{ActionID: ActionAccessReview, Label: "Reviewed", Value: g.ID, Style: bot.StylePrimary}}
	return m
}

// Unreviewed tells the admins a break-glass grant went without review.
func (v Grants) Unreviewed(g access.Grant, after time.Duration) bot.Message {
	m := v.BreakGlass(g)
	m.Headline = fmt.Sprintf("⏰ Not reviewed in %s: %s's break-glass %s", access.Format(after), g.Email, g.RoleName)
	return m
}

// BrokeGlass confirms a break-glass grant to the person who took it.
func (v Grants) BrokeGlass(g access.Grant) bot.Message {
	return bot.Message{
		Visibility: bot.Ephemeral,
		Headline:   fmt.Sprintf("You are %s in %s until %s: break-glass", g.RoleName, connector.Title(connector.OrZendesk(g.SaaS)), v.stamp(g.End)),
		Sections: []bot.Section{{Text: "Every approver and the admin channel were told, with your reason; an approver reviews what was done. " +
			"It ends by itself then, with your sessions ended."}},
		Context: []string{v.Command + " access revoke " + g.ID + " ends it sooner"},
	}
}

// standingShown bounds the people access standing lists by name.
const standingShown = 30

// Standing lists the people holding a privileged role without a grant:
// those nothing allows first, each with what to do, then those allowed,
// each with why.
func (v Grants) Standing(list []access.Standing) bot.Message {
	esc := bot.EscapeText
	m := bot.Message{Visibility: bot.Ephemeral, Context: []string{v.Command + " access request asks for a role for a while"}}
	var notAllowed, allowed []string
	for _, s := range list {
		line := "• " + esc(s.Staff.Email) + " · " + esc(s.RoleName)
		if s.Staff.Suspended {
			line += " · suspended"
		}
		switch s.Allowed {
		case "":
			notAllowed = append(notAllowed, line)
			continue
		case access.AllowedKept:
			line += " · kept by " + esc(s.Keep.By) + " until " + v.date(s.Keep.Until) + ": " + esc(s.Keep.Reason)
		case access.AllowedPolicy:
			line += " · listed in " + string(s.Allowed)
		default:
			line += " · " + string(s.Allowed)
		}
		allowed = append(allowed, line)
	}
	switch {
	case len(list) == 0:
		m.Headline = "No standing privilege: nobody holds a privileged role without a grant"
		return m
	case len(notAllowed) == 0:
		m.Headline = fmt.Sprintf("Standing privilege: %d, each allowed", len(list))
	default:
		m.Headline = fmt.Sprintf("Standing privilege: %d %s a privileged role without a grant", len(notAllowed), plural(len(notAllowed), "person holds", "people hold"))
		m.Sections = append(m.Sections, bot.Section{Text: "*Nothing allows it.* The privilege review asks their owners each quarter; or make it just-in-time now: demote them in Zendesk and let them ask with " +
			esc(v.Command) + " access request when they need it.\n" + strings.Join(clipLines(notAllowed), "\n")})
	}
	if len(allowed) > 0 {
		m.Sections = append(m.Sections, bot.Section{Text: "*Allowed.*\n" + strings.Join(clipLines(allowed), "\n")})
	}
	return m
}

// clipLines keeps the first standingShown lines and says how many more.
func clipLines(lines []string) []string {
	if len(lines) <= standingShown {
		return lines
	}
	return append(lines[:standingShown:standingShown], fmt.Sprintf("…and %d more", len(lines)-standingShown))
}

// Shadow tells the admin channel of someone the sync found privileged
// without a grant: who, which role, what they had before, and what to do.
func (v Grants) Shadow(sh access.Shadow) bot.Message {
	esc := bot.EscapeText
	earlier := "not on the staff at the last sync"
	if sh.Earlier != nil {
		earlier = sh.Earlier.String()
	}
	m := bot.Message{
		Visibility: bot.Visible,
		Headline:   fmt.Sprintf("⚠ Shadow %s: %s holds it without a grant", sh.RoleName, sh.Email),
		Sections: []bot.Section{{
			Text: fmt.Sprintf("The sync found %s is %s in Zendesk with no grant behind it, no kept review and no place in access.standing_allowed. "+
				"Put their earlier role back (they ask with %s access request when they need it), open a retroactive request so approvers can make it a grant that ends on time, "+
				"or keep it as standing privilege with a reason and an end date.",
				esc(cmp.Or(sh.Name, sh.Email)), esc(sh.RoleName), esc(v.Command)),
			Fields: []bot.Field{
				{Label: "Before", Value: earlier},
				{Label: "Found", Value: v.stamp(sh.FoundAt)},
			},
		}},
		Context: []string{v.Command + " access standing lists everyone holding privilege without a grant"},
	}
	switch {
	case sh.Reverted():
		m.Sections = append(m.Sections, bot.Section{Text: fmt.Sprintf("↩ %s put the earlier role back on %s.", esc(sh.RevertedBy), v.stamp(sh.RevertedAt))})
		return m
	case sh.KeptBy != "":
		m.Sections = append(m.Sections, bot.Section{Text: fmt.Sprintf("✅ Kept as standing privilege by %s until %s: %s. The privilege review asks about it again after that.",
			esc(sh.KeptBy), v.date(sh.KeptUntil), esc(sh.KeptReason))})
		return m
	case sh.Request != "":
		m.Sections = append(m.Sections, bot.Section{Text: fmt.Sprintf("📝 %s opened retroactive request %s: approved, what %s holds becomes a grant that ends on time; denied, put the earlier role back here.",
			esc(sh.RequestedBy), esc(sh.Request), esc(cmp.Or(sh.Name, sh.Email)))})
	}
	if !sh.Revertible() {
		return m
	}
	m.Buttons = append(m.Buttons, bot.Button{ActionID: ActionShadowRevert, Label: "Put the earlier role back", Value: sh.ID, Style: bot.StyleDanger,
		Confirm: &bot.Confirm{Title: "Put " + earlier + " back?", Text: sh.Email + " loses " + sh.RoleName + " in Zendesk now; they can ask for it with " + v.Command + " access request.",
			Confirm: "Put it back", Deny: "Not now"}})
	if sh.Request == "" {
		m.Buttons = append(m.Buttons,
			bot.Button{ActionID: ActionAccessShadowRequest, Label: "Open a retroactive request", Value: sh.ID},
			bot.Button{ActionID: ActionAccessShadowKeep, Label: "Keep as standing", Value: sh.ID})
	}
	return m
}

// ShadowRequestForm asks how long a shadow's role is to be held and why,
// for a retroactive access request in the holder's name.
func (v Grants) ShadowRequestForm(sh access.Shadow, defaultDuration time.Duration) bot.Form {
	return bot.Form{
		ID: FormAccessShadowRequest, RecordID: sh.ID,
		Title: "Retroactive request", Submit: "Send for approval",
		Inputs: []bot.Input{
			{ID: approvals.FieldDuration, Label: "How long " + clipText(cmp.Or(sh.Name, sh.Email), 60) + " keeps " + sh.RoleName, Kind: bot.InputText, MaxLength: 40,
				Initial: access.Format(defaultDuration), Hint: "Such as 2h or 1d, within the role's maximum; the earlier role is put back at the end"},
			{ID: approvals.FieldWhy, Label: "Why they hold it", Kind: bot.InputMultiline, Required: true, MaxLength: 1000,
				Hint: "Approvers read this in the request's thread"},
			{ID: approvals.FieldTicket, Label: "Ticket", Kind: bot.InputText, MaxLength: 300, Hint: "Optional: the Zendesk ticket number or link"},
		},
	}
}

// ShadowKeepForm asks why a shadow's role stays standing and until when.
func (v Grants) ShadowKeepForm(sh access.Shadow, now time.Time, keepMaxDays int) bot.Form {
	today := now.In(v.loc())
	return bot.Form{
		ID: FormAccessShadowKeep, RecordID: sh.ID,
		Title: "Keep as standing privilege", Submit: "Keep",
		Inputs: []bot.Input{
			{ID: InputReason, Label: "Why does " + clipText(cmp.Or(sh.Name, sh.Email), 60) + " hold " + sh.RoleName + " standing?", Kind: bot.InputMultiline,
				Required: true, MaxLength: 500, Hint: "e.g. runs billing and the security settings"},
			{ID: InputKeepUntil, Label: "Ask again on", Kind: bot.InputDate, Required: true, Initial: today.AddDate(0, 0, min(30, keepMaxDays)).Format(time.DateOnly),
				Hint: fmt.Sprintf("At most %d days from today (%s)", keepMaxDays, today.AddDate(0, 0, keepMaxDays).Format(time.DateOnly))},
		},
	}
}
