package prompts

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/reviews"
)

// Credential controls: fixed verbs; values carry only "<where>|<id>",
// where names the message the button is on (a digest, or "-" for a
// single credential's view) so a decision redraws it, and id is the
// credential's qualified id (credentials.QualifiedID).
const (
	ActionTokenClaim   = "token.claim"
	ActionTokenKeep    = "token.keep"
	ActionTokenRevoke  = "token.revoke"
	ActionTokenMigrate = "token.migrate"
	// ActionTokenPage turns a credential list's page; its token is a
	// digest's TokenDigest or a list's name ("orphaned", "mine").
	ActionTokenPage = "token.page"

	FormTokenClaim   = "token.claim"
	FormTokenKeep    = "token.keep"
	FormTokenMigrate = "token.migrate"

	// Inputs of the credential forms.
	InputPurpose    = credentials.FieldPurpose
	InputScopes     = credentials.FieldScopes
	InputNextReview = credentials.FieldNextReview
	InputRetireWhen = credentials.FieldRetireWhen
	InputTokenKeep  = credentials.FieldKeepUntil
	InputPlan       = credentials.FieldPlan
	InputDeadline   = credentials.FieldDeadline

	// TokenPageSize credentials per page: each is a section of text and a
	// row of up to four buttons.
	TokenPageSize = 10

	// standalone is the "where" of a button on a single credential's view.
	standalone = "-"
)

// Lists a credential page token can name besides digests: of every
// register, or of one SaaS's (ListOf).
const (
	ListOrphaned = "orphaned"
	ListMine     = "mine"
)

// ListOf is the page token of a list of one SaaS's register:
// "orphaned:github".
func ListOf(list, saas string) string { return list + ":" + saas }

// ParseList reads a list's page token: the list, and its SaaS ("" for
// every register).
func ParseList(token string) (list, saas string, ok bool) {
	list, saas, named := strings.Cut(token, ":")
	if list != ListOrphaned && list != ListMine {
		return "", "", false
	}
	if named && !connector.Known(saas) {
		return "", "", false
	}
	return list, saas, true
}

// TokenValue is the value of a credential's buttons and its forms' record
// id: where the button is ("-", or a digest's token) and the credential's
// qualified id.
func TokenValue(where, qualifiedID string) string {
	return cmp.Or(where, standalone) + "|" + qualifiedID
}

// ParseTokenValue reads a TokenValue back, strictly: where ("" for a
// single credential's view), the credential's SaaS and its register id.
func ParseTokenValue(v string) (where, saas, id string, ok bool) {
	where, ref, found := strings.Cut(v, "|")
	if !found {
		return "", "", "", false
	}
	saas, id, valid := credentials.ParseQualifiedID(ref)
	if !valid {
		return "", "", "", false
	}
	if where == standalone {
		return "", saas, id, true
	}
	if digestSaaS, _, _, valid := ParseTokenDigest(where); !valid || digestSaaS != saas {
		return "", "", "", false
	}
	return where, saas, id, true
}

// TokenDigest is the token of one recipient's credential digest of a
// SaaS: "2026-W47:dana@acme.example" for Zendesk's (as before
// connectors), "github:2026-W47:dana@acme.example" for another's.
func TokenDigest(saas, period, to string) string {
	if saas == "" || saas == connector.Zendesk {
		return period + ":" + to
	}
	return saas + ":" + period + ":" + to
}

// ParseTokenDigest reads a TokenDigest back.
func ParseTokenDigest(token string) (saas, period, to string, ok bool) {
	saas, token, named := connector.CutName(token)
	if !named {
		saas = connector.Zendesk
	}
	period, to, found := strings.Cut(token, ":")
	if !found || !reviews.ValidPeriod(period) {
		return "", "", "", false
	}
	if to != credentials.AdminDigest && (!strings.Contains(to, "@") || strings.ContainsAny(to, " :|")) {
		return "", "", "", false
	}
	return saas, period, to, true
}

// Register draws the credential register's messages.
type Register struct {
	// SaaS is the register a digest is drawn from ("" is Zendesk); items
	// carry their own.
	SaaS     string
	Location *time.Location
	Now      time.Time
	// Command is the slash command shown in hints ("/warden").
	Command string
}

func (r Register) saas() string { return connector.OrZendesk(r.SaaS) }

func (r Register) loc() *time.Location {
	if r.Location == nil {
		return time.UTC
	}
	return r.Location
}

func (r Register) date(t time.Time) string { return t.In(r.loc()).Format("2 Jan 2006") }

// Digest draws page of a recipient's credential digest (an owner's, or
// the admins' when to is credentials.AdminDigest). items are the digest's
// credentials as they stand now; sum is the register's summary, for the
// admins' countdown.
func (r Register) Digest(period, to string, items []credentials.Item, sum credentials.Summary, page int) bot.Message {
	token := TokenDigest(r.saas(), period, to)
	m := bot.Message{Visibility: bot.Visible}
	waiting := 0
	for _, it := range items {
		if it.NeedsAttention() {
			waiting++
		}
	}
	switch title := connector.Title(r.saas()); {
	case r.saas() != connector.Zendesk && to == credentials.AdminDigest:
		m.Headline = fmt.Sprintf("%s credential register: %d %s", title, len(items), plural(len(items), "needs attention", "need attention"))
		m.Sections = append(m.Sections, bot.Section{Text: "Credentials nobody answers for, or that outlived their owner, their user or their review. " +
			"*Claim* one to own it, *Keep until* a date, or *Revoke* a token's access (admins)."})
	case r.saas() != connector.Zendesk:
		m.Headline = fmt.Sprintf("Your %s credentials: %d %s your attention", title, waiting, plural(waiting, "needs", "need"))
		m.Sections = append(m.Sections, bot.Section{Text: "You own these " + kindWords(r.saas()) + " in the credential register. " +
			"*Keep until* a date what still needs to stay, and renew or let go what is about to expire."})
	case to == credentials.AdminDigest:
		m.Headline = fmt.Sprintf("Credential register: %d %s, %d API %s left, %d %s to 30 Apr 2027",
			len(items), plural(len(items), "needs attention", "need attention"),
			sum.APITokens.Remaining, plural(sum.APITokens.Remaining, "token", "tokens"),
			sum.APITokens.DaysLeft, plural(sum.APITokens.DaysLeft, "day", "days"))
		m.Sections = append(m.Sections, bot.Section{Text: "Credentials nobody answers for, or that outlived their owner, their user or their review. " +
			"*Claim* one to own it, *Keep until* a date, *Revoke* an OAuth token (admins), *Retire* an API token, or plan its *Migrate to OAuth*."})
		m.Sections = append(m.Sections, r.countdown(sum.APITokens))
	default:
		m.Headline = fmt.Sprintf("Your Zendesk credentials: %d %s your attention", waiting, plural(waiting, "needs", "need"))
		m.Sections = append(m.Sections, bot.Section{Text: "You own these API tokens, OAuth tokens and apps in the credential register. " +
			"Zendesk turns every API token off on 30 Apr 2027: plan each one's *Migrate to OAuth* or *Retire* it, and *Keep until* a date what still needs to stay."})
	}
	m.Sections = append(m.Sections, r.page(items, page, token, &m)...)
	m.Context = append(m.Context, fmt.Sprintf("Digest %s · %d of %d waiting · %s tokens show ID for the details", period, waiting, len(items), r.Command))
	return m
}

// page is one page of items as sections; it sets m's pager.
func (r Register) page(items []credentials.Item, page int, token string, m *bot.Message) []bot.Section {
	pages := max(1, (len(items)+TokenPageSize-1)/TokenPageSize)
	page = min(max(page, 1), pages)
	first, last := (page-1)*TokenPageSize, min(page*TokenPageSize, len(items))
	where := standalone
	if _, _, _, ok := ParseTokenDigest(token); ok {
		where = token
	}
	var out []bot.Section
	for _, it := range items[first:last] {
		out = append(out, r.section(it, where))
	}
	if pages > 1 {
		m.Pager = &bot.Pager{Page: page, Pages: pages, ActionID: ActionTokenPage, Token: token}
	}
	return out
}

func (r Register) countdown(c credentials.Countdown) bot.Section {
	if c.Disabled {
		return bot.Section{Text: "*API tokens:* token access is turned off in this account, so none can be used. Nothing to retire."}
	}
	lines := []string{fmt.Sprintf("*API token retirement:* %d %s left, %d active, %d migrating to OAuth, %d marked to retire; %d %s to 30 Apr 2027.",
		c.Remaining, plural(c.Remaining, "token", "tokens"), c.Active, c.Migrating, c.ToRetire, c.DaysLeft, plural(c.DaysLeft, "day", "days"))}
	if n := len(c.UsedRecently); n > 0 {
		var names []string
		for i, it := range c.UsedRecently {
			if i == 5 {
				names = append(names, fmt.Sprintf("and %d more", n-5))
				break
			}
			names = append(names, bot.EscapeText(it.Name)+" ("+bot.EscapeText(cmp.Or(it.Entry.Owner, "no owner"))+")")
		}
		lines = append(lines, fmt.Sprintf("Used in the last 30 days, so something breaks when %s: %s.", plural(n, "it goes", "they go"), strings.Join(names, ", ")))
	}
	if len(c.Owners) > 0 {
		type owner struct {
			email string
			n     int
		}
		var owners []owner
		for e, n := range c.Owners {
			owners = append(owners, owner{e, n})
		}
		slices.SortFunc(owners, func(a, b owner) int { return cmp.Or(cmp.Compare(b.n, a.n), strings.Compare(a.email, b.email)) })
		var parts []string
		for i, o := range owners {
			if i == 8 {
				parts = append(parts, fmt.Sprintf("%d more", len(owners)-8))
				break
			}
			parts = append(parts, fmt.Sprintf("%s %d", bot.EscapeText(cmp.Or(o.email, "nobody")), o.n))
		}
		lines = append(lines, "Owners: "+strings.Join(parts, ", ")+".")
	}
	return bot.Section{Text: strings.Join(lines, "\n")}
}

// section is one credential: what it is, who owns it, what is wrong, and
// its buttons (or how it ended).
func (r Register) section(it credentials.Item, where string) bot.Section {
	lines := []string{r.title(it)}
	if f := r.facts(it); f != "" {
		lines = append(lines, f)
	}
	e := it.Entry
	if e.Owner != "" {
		owner := "Owner: " + bot.EscapeText(e.Owner)
		if e.Purpose != "" {
			owner += " · " + bot.EscapeText(clipText(e.Purpose, 120))
		}
		lines = append(lines, owner)
	}
	if e.State == credentials.Migrating && e.Migration != nil {
		lines = append(lines, fmt.Sprintf("🔄 Moving to OAuth by %s: %s", r.date(e.Migration.Deadline), bot.EscapeText(clipText(e.Migration.Plan, 120))))
	}
	for _, rs := range it.Reasons {
		lines = append(lines, "⚠ "+bot.EscapeText(rs.Text))
	}
	for _, f := range it.Flags {
		sym := "⌛"
		if f.Code == credentials.AutoDeactivation || f.Code == credentials.MigrationDue {
			sym = "🚨"
		}
		lines = append(lines, sym+" "+bot.EscapeText(f.Text))
	}
	if e.Note != "" {
		lines = append(lines, "❌ "+bot.EscapeText(e.Note))
	}
	sec := bot.Section{}
	if outcome := r.Outcome(it); outcome != "" {
		lines = append(lines, outcome)
	}
	if !e.State.Ended() && it.Present {
		sec.Actions = r.buttons(it, where)
	}
	sec.Text = strings.Join(lines, "\n")
	return sec
}

func (r Register) title(it credentials.Item) string {
	return fmt.Sprintf("*%s* · %s `%s`", bot.EscapeText(clipText(it.Name, 80)), it.Kind.Label(), it.QualifiedID())
}

// facts is the credential's line of facts: who it acts as, its scopes,
// when it was created and last used.
func (r Register) facts(it credentials.Item) string {
	var facts []string
	if it.ActsAsLabel != "" {
		facts = append(facts, "acts as "+bot.EscapeText(it.ActsAsLabel))
	}
	if len(it.Scopes) > 0 {
		facts = append(facts, "scopes "+bot.EscapeText(strings.Join(it.Scopes, ", ")))
	}
	if !it.Present {
		return strings.Join(facts, " · ")
	}
	if !it.CreatedAt.IsZero() {
		facts = append(facts, "created "+r.date(it.CreatedAt))
	}
	switch {
	case it.Kind == credentials.App:
		if !it.Active {
			facts = append(facts, "disabled")
		}
	case it.LastUsedAt.IsZero():
		facts = append(facts, "never used")
	default:
		days := int(r.Now.Sub(it.LastUsedAt).Hours() / 24)
		facts = append(facts, fmt.Sprintf("last used %s (%s)", r.date(it.LastUsedAt), ago(days)))
	}
	return strings.Join(facts, " · ")
}

func ago(days int) string {
	switch {
	case days <= 0:
		return "today"
	case days == 1:
		return "yesterday"
	}
	return fmt.Sprintf("%d days ago", days)
}

// Outcome is the line saying how a credential's last decision stands,
// or "" when there is nothing to add to its facts.
func (r Register) Outcome(it credentials.Item) string {
	e := it.Entry
	by := bot.EscapeText(e.DecidedBy)
	switch e.State {
	case credentials.Revoked:
		return fmt.Sprintf("⛔ Revoked by %s on %s", by, r.date(e.EndedAt))
	case credentials.Gone:
		return fmt.Sprintf("➖ Gone from %s since %s", connector.Title(it.SaaS), r.date(e.EndedAt))
	case credentials.ToRetire:
		return fmt.Sprintf("🗑 Marked to retire by %s on %s. Delete it in Admin Center (Apps and integrations > APIs > Zendesk API, then the token's menu > Delete); the next sync that no longer finds it records it retired.", by, r.date(e.DecidedAt))
	}
	if e.Revoking != nil {
		return "⌛ Being revoked by " + bot.EscapeText(e.Revoking.By)
	}
	if !e.NextReview.IsZero() && e.Owner != "" {
		return fmt.Sprintf("✅ Reviewed by %s on %s; next review %s", by, r.date(e.LastReview), r.date(e.NextReview))
	}
	return ""
}

func (r Register) buttons(it credentials.Item, where string) []bot.Button {
	v := TokenValue(where, it.QualifiedID())
	claim := "Claim"
	if it.Entry.Owner != "" {
		claim = "Edit claim"
	}
	bs := []bot.Button{{ActionID: ActionTokenClaim, Label: claim, Value: v, Style: bot.StylePrimary}}
	if it.Entry.Owner != "" {
		bs = append(bs, bot.Button{ActionID: ActionTokenKeep, Label: "Keep until", Value: v})
	}
	name := clipText(it.Name, 60)
	switch it.Kind {
	case credentials.FineGrainedToken:
		bs = append(bs, bot.Button{ActionID: ActionTokenRevoke, Label: "Revoke", Value: v, Style: bot.StyleDanger, Confirm: &bot.Confirm{
			Title: "Revoke this token's access?", Text: "GitHub stops letting the " + name + " token reach the organization at once; whatever uses it breaks until its owner is granted a new one. Only admins can revoke.",
			Confirm: "Revoke", Deny: "Cancel"}})
	case credentials.OAuthToken:
		bs = append(bs, bot.Button{ActionID: ActionTokenRevoke, Label: "Revoke", Value: v, Style: bot.StyleDanger, Confirm: &bot.Confirm{
			Title: "Revoke this OAuth token?", Text: "Zendesk stops accepting the " + name + " token at once; whatever uses it breaks until it gets a new one. Only admins can revoke.",
			Confirm: "Revoke", Deny: "Cancel"}})
	case credentials.APIToken:
		if it.Entry.State != credentials.ToRetire {
			bs = append(bs, bot.Button{ActionID: ActionTokenRevoke, Label: "Retire", Value: v, Style: bot.StyleDanger, Confirm: &bot.Confirm{
				Title: "Retire this API token?", Text: "Zendesk has no API to delete API tokens: you get the Admin Center steps, and the register tracks " + name + " until it is gone.",
				Confirm: "Retire", Deny: "Cancel"}})
		}
		if it.Entry.State != credentials.Migrating && it.Entry.Owner != "" {
			bs = append(bs, bot.Button{ActionID: ActionTokenMigrate, Label: "Migrate to OAuth", Value: v})
		}
	}
	return bs
}

// kindWords names a SaaS's kinds of credential in a sentence.
func kindWords(saas string) string {
	if saas == connector.GitHub {
		return "fine-grained tokens and GitHub Apps"
	}
	return "API tokens, OAuth tokens and apps"
}

func clipText(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}
