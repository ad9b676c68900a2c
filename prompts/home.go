package prompts

import (
	"fmt"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/internal/prose"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
)

// HomePageSize entries per page of a home: each is a section and a row of
// buttons, two Slack blocks, so a page with its headings stays well
// inside one message (50 blocks) and a Home tab (100).
const HomePageSize = 15

// ActionAccessEnd ends the holder's active grant now, from their home.
const ActionAccessEnd = "access.end"

// Home draws a person's own page: what waits for them and what they
// hold, each with its buttons. Slack shows it in the App Home, Teams in
// the personal chat, and `home` answers with it anywhere.
type Home struct {
	Location *time.Location
	Currency string
	Command  string
	Now      time.Time
}

// HomeContent is everything a person's home shows.
type HomeContent struct {
	Person string
	// Seats are the open seat decisions the person owns, each review's
	// with the view that draws it.
	Seats []HomeSeats
	// Credentials are the credentials the person owns.
	Credentials []credentials.Item
	// Waiting are requests waiting for the person's approval.
	Waiting []approvals.Request
	// Requests are the person's own requests still waiting for a
	// decision: being confirmed or with the approvers.
	Requests []approvals.Request
	// Grants are the person's live access grants.
	Grants []access.Grant
	// Admin is the account's summary, for admins only.
	Admin *HomeAdmin
}

// HomeSeats are one review's open seats, with the review's words.
type HomeSeats struct {
	Review Review
	Items  []reviews.Item
}

// HomeAdmin is what an admin's home adds: the seats and savings of every
// governed SaaS.
type HomeAdmin struct {
	Parts []HomeSaaS
}

// HomeSaaS is one governed SaaS on an admin's home.
type HomeSaaS struct {
	SaaS string
	// Summary is the last sync's count; zero SyncedAt when none has run.
	Summary seats.Summary
	// Open is how many seat decisions the current review still waits for.
	Open int
	// Saved is what the reviews confirmed freed per month, over the
	// periods Reviews counts.
	Saved   float64
	Reviews int
}

// entry is one line of a home with the heading of its group.
type entry struct {
	group   string
	section bot.Section
}

// Items counts the entries c holds, the length of the home's pages.
func (c HomeContent) Items() int {
	n := len(c.Credentials) + len(c.Waiting) + len(c.Requests) + len(c.Grants)
	for _, s := range c.Seats {
		n += len(s.Items)
	}
	return n
}

// Draw draws page of c's home. The admin summary leads the first page;
// then seat decisions, approvals, the person's requests, grants and
// credentials, most urgent first, HomePageSize to a page.
func (h Home) Draw(c HomeContent, page int) bot.Message {
	entries := h.entries(c)
	pages := max(1, (len(entries)+HomePageSize-1)/HomePageSize)
	page = min(max(page, 1), pages)
	m := bot.Message{Headline: h.headline(c), Visibility: bot.Ephemeral}
	if page == 1 {
		if c.Admin != nil {
			m.Sections = append(m.Sections, h.adminSection(*c.Admin))
		}
		if len(entries) == 0 {
			m.Sections = append(m.Sections, bot.Section{Text: "Nothing waits for you. " + h.hints()})
		}
	}
	group := ""
	for _, e := range entries[min((page-1)*HomePageSize, len(entries)):min(page*HomePageSize, len(entries))] {
		if e.group != group {
			group = e.group
			m.Sections = append(m.Sections, bot.Section{Text: "*" + group + "*"})
		}
		m.Sections = append(m.Sections, e.section)
	}
	if pages > 1 {
		m.Pager = &bot.Pager{Page: page, Pages: pages, ActionID: bot.ActionHomePage, Token: bot.HomeToken}
	}
	m.Context = append(m.Context, fmt.Sprintf("Updated %s · %s shows this page in any chat", h.Now.In(h.loc()).Format("2 Jan 15:04"), h.Command+" "+bot.HomeCommand))
	return m
}

// headline counts what waits: "3 seat decisions and 1 approval wait for you".
func (h Home) headline(c HomeContent) string {
	var open int
	for _, s := range c.Seats {
		open += len(s.Items)
	}
	var parts []string
	if open > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", open, plural(open, "seat decision", "seat decisions")))
	}
	if n := len(c.Waiting); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", n, plural(n, "approval", "approvals")))
	}
	if len(parts) == 0 {
		return "Your seatwarden home"
	}
	verb := "wait"
	if open+len(c.Waiting) == 1 {
		verb = "waits"
	}
	return fmt.Sprintf("%s %s for you", JoinAnd(parts), verb)
}

func (h Home) hints() string {
	return "Ask for a role for a while with " + h.Command + " access request, or for an app with " + h.Command + " request app NAME."
}

// entries lists c's lines in the order the home shows them.
func (h Home) entries(c HomeContent) []entry {
	out := make([]entry, 0, c.Items())
	for _, s := range c.Seats {
		r := s.Review
		r.Now = h.Now
		group := "Seats to decide"
		if r.Privilege {
			group = "Privilege to review"
		}
		for _, it := range s.Items {
			r.SaaS = it.Seat.SaaS()
			group := group
			if r.SaaS != connector.Zendesk {
				group += " in " + connector.Title(r.SaaS)
			}
			sec := r.seatSection(c.Person, it)
			sec.Text += "\nAnswer by " + r.by(r.Deadline)
			out = append(out, entry{group, sec})
		}
	}
	reqs := Requests{Location: h.Location, Now: h.Now, Command: h.Command}
	for _, r := range c.Waiting {
		out = append(out, entry{"Waiting for your approval", reqs.waitingSection(r)})
	}
	for _, r := range c.Requests {
		sec := bot.Section{Text: fmt.Sprintf("*%s* · %s\n%s · %d of %d approvals · asked %s", r.ID, bot.EscapeText(clipText(r.Title, 90)),
			prose.Capitalize(r.State.Words()), len(r.Approvals), r.Required(), reqs.on(r.CreatedAt))}
		if r.State == approvals.Pending || r.State == approvals.Confirming {
			sec.Actions = []bot.Button{cancelButton(r)}
		}
		out = append(out, entry{"Your requests", sec})
	}
	grants := Grants{Location: h.Location, Command: h.Command}
	for _, g := range c.Grants {
		sec := bot.Section{Text: fmt.Sprintf("*%s* · %s in %s\n%s", bot.EscapeText(g.RoleName), bot.EscapeText(g.ID),
			connector.Title(connector.OrZendesk(g.SaaS)), grants.standing(g, h.Now))}
		if g.State == access.Active && !revoking(g) {
			sec.Actions = []bot.Button{{ActionID: ActionAccessEnd, Label: "End now", Value: g.ID, Style: bot.StyleDanger, Confirm: &bot.Confirm{
				Title: "End " + g.RoleName + " now?", Text: "You go back to your earlier role at once and your sessions end.", Confirm: "End now", Deny: "Keep it"}}}
		}
		out = append(out, entry{"Your access", sec})
	}
	reg := Register{Location: h.Location, Now: h.Now, Command: h.Command}
	for _, it := range c.Credentials {
		out = append(out, entry{"Credentials you own", reg.section(it, standalone)})
	}
	return out
}

// adminSection is the account at a glance: per SaaS, the paid seats,
// the inactive ones and their cost, the review's open decisions and what
// the reviews saved.
func (h Home) adminSection(a HomeAdmin) bot.Section {
	lines := []string{"*The account*"}
	for _, p := range a.Parts {
		title := connector.Title(p.SaaS)
		if p.Summary.SyncedAt.IsZero() {
			lines = append(lines, title+": no sync yet")
			continue
		}
		s := p.Summary
		line := fmt.Sprintf("%s: %d paid %s, %d inactive (%s/month) · %d %s open in this review",
			title, s.Paid.Seats, plural(s.Paid.Seats, "seat", "seats"), s.Inactive.Seats, seats.Money(s.Inactive.Cost, s.Currency),
			p.Open, plural(p.Open, "decision", "decisions"))
		if p.Reviews > 0 {
			line += fmt.Sprintf(" · saved %s/month in the last %d %s", seats.Money(p.Saved, s.Currency), p.Reviews, plural(p.Reviews, "review", "reviews"))
		}
		lines = append(lines, line)
	}
	lines = append(lines, h.Command+" seats and "+h.Command+" review show the detail")
	return bot.Section{Text: strings.Join(lines, "\n")}
}

func (h Home) loc() *time.Location {
	if h.Location == nil {
		return time.UTC
	}
	return h.Location
}
