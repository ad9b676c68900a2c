package prompts

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/seats"
)

// Seats draws the seat commands' answers (seats, seats inactive, seats
// user, seats group) from one SaaS's judged snapshot. The commands decide
// what to show and who may see it; Seats only words it.
type Seats struct {
	// SaaS is the connector whose seats are drawn ("zendesk", "github");
	// it sets the words.
	SaaS     string
	Location *time.Location
	Currency string
	// Command is the slash command shown in hints ("/warden").
	Command string
	// SyncedAt is when the snapshot was synced: every answer says how old
	// its data is.
	SyncedAt time.Time
	// Named puts the SaaS's name in a summary's headline, for a bot that
	// governs more than one.
	Named bool
}

// seatWords are how the seat answers speak of one SaaS's seats, beyond
// the review's words.
type seatWords struct {
	reviewWords
	// noActivity is what an inactive seat lacks; without, the same after
	// "gone 60 days".
	noActivity, without string
	// ownedBy is what makes an owner answer for a seat.
	ownedBy    string
	categories map[seats.Category]string
}

var seatWordsOf = map[string]seatWords{
	connector.Zendesk: {reviewWords: wordsOf[connector.Zendesk], noActivity: "no login", without: "without a login", ownedBy: "their default group",
		categories: map[seats.Category]string{seats.CategoryAdmin: "Admins", seats.CategoryAgent: "Agents", seats.CategorySuspended: "Suspended"}},
	// GitHub's words for the same people: an organization has owners
	// and members.
	connector.GitHub: {reviewWords: wordsOf[connector.GitHub], noActivity: "no Copilot activity", without: "without Copilot activity", ownedBy: "the team their Copilot seat comes through",
		categories: map[seats.Category]string{seats.CategoryAdmin: "Owners", seats.CategoryAgent: "Members", seats.CategorySuspended: "Suspended"}},
}

// freeKinds names the staff who hold no paid seat, in report order.
var freeKinds = []struct{ kind, one, many string }{
	{seats.FreeLightAgent, "light agent", "light agents"},
	{seats.FreeContributor, "contributor", "contributors"},
	{seats.FreeNonSeatRole, "agent on a non-seat role", "agents on non-seat roles"},
	{seats.FreeNoCopilot, "member without a Copilot seat", "members without a Copilot seat"},
	{seats.FreeCopilotEnding, "Copilot seat ending with the billing cycle", "Copilot seats ending with the billing cycle"},
}

// maxOwnerFields caps the seats-by-owner section: a large account's
// owners past it are counted, not listed, so the summary stays readable.
const maxOwnerFields = 20

func (v Seats) words() seatWords {
	if w, ok := seatWordsOf[v.SaaS]; ok {
		return w
	}
	return seatWordsOf[connector.Zendesk]
}

func (v Seats) loc() *time.Location         { return cmp.Or(v.Location, time.UTC) }
func (v Seats) money(amount float64) string { return seats.Money(amount, v.Currency) }
func (v Seats) date(t time.Time) string     { return t.In(v.loc()).Format("Mon 2 Jan 2006") }

func (v Seats) synced() string {
	return "Snapshot synced " + v.SyncedAt.In(v.loc()).Format("Mon 2 Jan 15:04 MST") + "."
}

// daysAgo is "12 days ago", "1 day ago", "0 days ago".
func daysAgo(days int) string { return strconv.Itoa(days) + " " + plural(days, "day", "days") + " ago" }

// freeCounts says how many staff hold no paid seat, by kind:
// ["2 light agents", "1 contributor"]; nil when none.
func freeCounts(free map[string]int) []string {
	var out []string
	for _, k := range freeKinds {
		if n := free[k.kind]; n > 0 {
			out = append(out, fmt.Sprintf("%d %s", n, plural(n, k.one, k.many)))
		}
	}
	return out
}

// Summary draws one SaaS's seats answer; byOwner is its seats-by-owner
// section, drawn by ByOwner.
func (v Seats) Summary(sum seats.Summary, byOwner bot.Section) bot.Message {
	what := "Seats"
	if v.Named {
		what = connector.Title(v.SaaS) + " seats"
	}
	m := bot.Message{
		Headline:   fmt.Sprintf("%s: %d paid · %s/month", what, sum.Paid.Seats, v.money(sum.Paid.Cost)),
		Visibility: bot.Ephemeral,
	}
	w := v.words()
	if sum.Paid.Seats == 0 {
		m.Sections = append(m.Sections, bot.Section{Text: "No paid seats in the snapshot."})
	} else {
		byRole := bot.Section{Text: "*Paid seats by role*"}
		for _, cat := range seats.Categories {
			t := sum.ByCategory[cat]
			if t.Seats == 0 {
				continue
			}
			value := fmt.Sprintf("%d · %s/month", t.Seats, v.money(t.Cost))
			if cat == seats.CategorySuspended {
				value += ", still billed"
			}
			byRole.Fields = append(byRole.Fields, bot.Field{Label: w.categories[cat], Value: value})
		}
		activity := fmt.Sprintf("*Active:* %d (%s/month)\n*Inactive:* %d (%s/month), %s for %d+ days",
			sum.Active.Seats, v.money(sum.Active.Cost), sum.Inactive.Seats, v.money(sum.Inactive.Cost), w.noActivity, sum.InactivityDays)
		if sum.NeverLoggedIn > 0 {
			activity += fmt.Sprintf(", %d %s", sum.NeverLoggedIn, w.never)
		}
		saving := "Every paid seat is in use."
		if sum.Inactive.Seats > 0 {
			saving = fmt.Sprintf("Removing the %d inactive %s saves *%s/month*.",
				sum.Inactive.Seats, plural(sum.Inactive.Seats, "seat", "seats"), v.money(sum.Inactive.Cost))
		}
		m.Sections = append(m.Sections, byRole, bot.Section{Text: activity}, bot.Section{Text: saving}, byOwner)
	}
	if free := freeCounts(sum.Free); len(free) > 0 {
		m.Context = append(m.Context, "Not billed: "+strings.Join(free, ", ")+".")
	}
	inactive := bot.EscapeText(v.Command) + " seats inactive"
	if v.SaaS != connector.Zendesk {
		inactive += " " + v.SaaS
	}
	m.Context = append(m.Context, v.synced()+" The inactive seats: "+inactive)
	return m
}

// ByOwner draws the paid seats per owner, most seats first; ownerOf says
// who answers for a seat ("" nobody). It counts every paid seat, so
// callers that draw it often keep it.
func (v Seats) ByOwner(paid []seats.Seat, ownerOf func(seats.Seat) string) bot.Section {
	type tally struct {
		owner          string
		seats, idle    int
		cost, idleCost float64
	}
	by := map[string]*tally{}
	for _, st := range paid {
		o := ownerOf(st)
		t := by[o]
		if t == nil {
			t = &tally{owner: o}
			by[o] = t
		}
		t.seats++
		t.cost += st.MonthlyCost
		if st.Inactive {
			t.idle++
			t.idleCost += st.MonthlyCost
		}
	}
	list := make([]*tally, 0, len(by))
	for _, t := range by {
		list = append(list, t)
	}
	slices.SortFunc(list, func(a, b *tally) int {
		return cmp.Or(cmp.Compare(b.seats, a.seats), cmp.Compare(a.owner, b.owner))
	})
	sec := bot.Section{Text: "*Seats by owner*"}
	for i, t := range list {
		if i == maxOwnerFields {
			sec.Text += fmt.Sprintf(" (the %d with most seats; %d more not shown)", maxOwnerFields, len(list)-maxOwnerFields)
			break
		}
		value := fmt.Sprintf("%d %s · %s/month", t.seats, plural(t.seats, "seat", "seats"), v.money(t.cost))
		if t.idle > 0 {
			value += fmt.Sprintf("\n%d inactive · %s/month", t.idle, v.money(t.idleCost))
		}
		sec.Fields = append(sec.Fields, bot.Field{Label: nonEmpty(t.owner, "No owner in the policy"), Value: value})
	}
	return sec
}

// SeatsPart is one SaaS's part of the seats answer across SaaS.
type SeatsPart struct {
	// Seats draws the part; its SaaS names it.
	Seats   Seats
	Summary seats.Summary
	// ByOwner is the SaaS's seats-by-owner section, drawn by ByOwner.
	ByOwner bot.Section
	// Unavailable, when not "", is why the SaaS has no seats to show yet;
	// it stands in their place rather than hiding the other SaaS.
	Unavailable string
}

// SeatsAcross draws the seats answer for several SaaS: the totals, then
// each SaaS's own summary under its name. The totals are in the currency
// of the first SaaS shown (of the first SaaS when none is).
func SeatsAcross(parts []SeatsPart) bot.Message {
	var (
		totals Seats
		paid   int
		cost   float64
		titles []string
		secs   []bot.Section
		ctxs   []string
	)
	if i := slices.IndexFunc(parts, func(p SeatsPart) bool { return p.Unavailable == "" }); i >= 0 {
		totals = parts[i].Seats
	} else if len(parts) > 0 {
		totals = parts[0].Seats
	}
	for _, p := range parts {
		title := connector.Title(p.Seats.SaaS)
		titles = append(titles, title)
		if p.Unavailable != "" {
			secs = append(secs, bot.Section{Text: "*" + title + "*\n" + p.Unavailable})
			continue
		}
		m := p.Seats.Summary(p.Summary, p.ByOwner)
		sum := p.Summary
		paid, cost = paid+sum.Paid.Seats, cost+sum.Paid.Cost
		secs = append(secs, bot.Section{Text: fmt.Sprintf("*%s* · %d paid · %s/month", title, sum.Paid.Seats, p.Seats.money(sum.Paid.Cost))})
		secs = append(secs, m.Sections...)
		for _, line := range m.Context {
			ctxs = append(ctxs, title+": "+line)
		}
	}
	return bot.Message{
		Headline:   fmt.Sprintf("Seats: %d paid · %s/month across %s", paid, totals.money(cost), JoinAnd(titles)),
		Visibility: bot.Ephemeral,
		Sections:   secs,
		Context:    ctxs,
	}
}

// SeatPage is one page of a list of seats, most inactive first.
type SeatPage struct {
	// Seats are the page's seats; First is the first one's place in the
	// whole list of Total.
	Seats        []seats.Seat
	First, Total int
	// OwnerOf says who answers for a seat ("" nobody); nil shows no owner.
	OwnerOf func(seats.Seat) string
}

// lines appends the page's seats to out, each with its owner unless it
// is shown already, as except.
func (v Seats) lines(out []bot.Section, p SeatPage, except string) []bot.Section {
	for _, st := range p.Seats {
		owner := ""
		if p.OwnerOf != nil {
			owner = p.OwnerOf(st)
		}
		if owner == except {
			owner = ""
		}
		out = append(out, bot.Section{Text: v.seatLine(st, owner)})
	}
	return out
}

// place says which seats of the list the page shows.
func (p SeatPage) place() string {
	return fmt.Sprintf("Seats %d–%d of %d, most inactive first.", p.First+1, p.First+len(p.Seats), p.Total)
}

// seatLine is one seat of a list, as markup, with its owner when owner is
// not ""; record text is escaped.
func (v Seats) seatLine(st seats.Seat, owner string) string {
	u := st.User
	w := v.words()
	head := "*" + bot.EscapeText(nonEmpty(u.Name, "(no name)")) + "*"
	if u.Email != "" {
		head += " · " + bot.EscapeText(u.Email)
	}
	// Lists draw hundreds of these: one slice, and concatenation rather
	// than fmt, keep a line to a handful of allocations.
	parts := make([]string, 0, 6)
	parts = append(parts, bot.EscapeText(st.RoleName()))
	if u.Suspended {
		parts = append(parts, "suspended")
	}
	if len(st.Groups) > 0 {
		parts = append(parts, bot.EscapeText(strings.Join(st.Groups, ", ")))
	}
	if st.NeverLoggedIn {
		parts = append(parts, w.never+" (added "+v.date(st.LastActivity())+", "+daysAgo(st.DaysInactive)+")")
	} else {
		parts = append(parts, w.last+" "+v.date(st.LastActivity())+", "+daysAgo(st.DaysInactive))
	}
	parts = append(parts, v.money(st.MonthlyCost)+"/month")
	if owner != "" {
		parts = append(parts, "owner "+bot.EscapeText(owner))
	}
	return head + "\n" + strings.Join(parts, " · ")
}

// Inactive draws a page of the paid seats inactive for days or more; cost
// is what the whole list costs a month. mine: the list holds only the
// seats the reader answers for, so it shows no owners.
func (v Seats) Inactive(days int, cost float64, mine bool, page SeatPage) bot.Message {
	w := v.words()
	who := "Inactive seats"
	if mine {
		who = "Your inactive seats"
	}
	if v.SaaS != connector.Zendesk {
		who = strings.Replace(who, "seats", connector.Title(v.SaaS)+" seats", 1)
	}
	m := bot.Message{
		Headline:   fmt.Sprintf("%s: %d with %s for %d+ days · %s/month", who, page.Total, w.noActivity, days, v.money(cost)),
		Visibility: bot.Ephemeral,
	}
	if page.Total == 0 {
		text := fmt.Sprintf("No paid seat has gone %d days %s.", days, w.without)
		if mine {
			text = fmt.Sprintf("None of the seats you answer for has gone %d days %s.", days, w.without)
		}
		m.Sections = []bot.Section{{Text: text}}
		m.Context = []string{v.synced()}
		return m
	}
	if mine {
		page.OwnerOf = nil
	}
	m.Sections = v.lines(make([]bot.Section, 0, len(page.Seats)), page, "")
	note := page.place()
	if mine {
		note += " You answer for these by " + w.ownedBy + "."
	}
	m.Context = []string{note, v.synced()}
	return m
}

// Group draws a group's seats: owner answers for the group ("" nobody),
// sum counts its members' seats and page is a page of its paid ones. A
// member's seat may be answered for by someone else (owners go by default
// group); its line says so where it differs.
func (v Seats) Group(name, owner string, sum seats.Summary, page SeatPage) bot.Message {
	m := bot.Message{
		Headline:   fmt.Sprintf("Group %s: %d paid %s · %s/month", name, sum.Paid.Seats, plural(sum.Paid.Seats, "seat", "seats"), v.money(sum.Paid.Cost)),
		Visibility: bot.Ephemeral,
	}
	overview := bot.Section{Fields: []bot.Field{
		{Label: "Owner", Value: nonEmpty(owner, "nobody in the policy")},
		{Label: "Active", Value: fmt.Sprintf("%d · %s/month", sum.Active.Seats, v.money(sum.Active.Cost))},
		{Label: "Inactive", Value: fmt.Sprintf("%d · %s/month, %s for %d+ days", sum.Inactive.Seats, v.money(sum.Inactive.Cost), v.words().noActivity, sum.InactivityDays)},
	}}
	if free := freeCounts(sum.Free); len(free) > 0 {
		overview.Fields = append(overview.Fields, bot.Field{Label: "Not billed", Value: strings.Join(free, ", ")})
	}
	m.Sections = append(make([]bot.Section, 0, 2+len(page.Seats)), overview)
	if page.Total == 0 {
		m.Sections = append(m.Sections, bot.Section{Text: "No paid seats in this group."})
		m.Context = []string{v.synced()}
		return m
	}
	m.Sections = v.lines(m.Sections, page, owner)
	m.Context = []string{page.place(), v.synced()}
	return m
}

// User draws one person's seat: email is the address asked about, owner
// who answers for the seat ("" nobody), inactivityDays the policy's
// threshold and others the person's seats in the other SaaS, drawn by
// OtherSeat.
// history is the seat's reviews as Review.HistoryLine draws them, newest
// first; none says it was never reviewed.
func (v Seats) User(email string, st seats.Seat, owner string, inactivityDays int, history []string, others []bot.Section) bot.Message {
	u := st.User
	role := "Agent"
	if u.Privileged {
		role = "Admin"
	}
	customRole := "none"
	if u.RoleID != nil {
		customRole = st.RoleName()
	}
	defaultGroup := "none"
	if u.DefaultGroupID != nil {
		defaultGroup = nonEmpty(st.DefaultGroup, fmt.Sprintf("deleted group %d", *u.DefaultGroupID))
	}
	lastLogin := fmt.Sprintf("%s (%s)", v.date(st.LastActivity()), daysAgo(st.DaysInactive))
	if st.NeverLoggedIn {
		lastLogin = "never (added " + v.date(st.LastActivity()) + ")"
	}
	status := fmt.Sprintf("%d · active (inactive from %d)", st.DaysInactive, inactivityDays)
	if st.Inactive {
		status = fmt.Sprintf("%d · inactive (%d+)", st.DaysInactive, inactivityDays)
	}
	seat := "paid"
	cost := v.money(st.MonthlyCost)
	if !st.Paid {
		seat = "free: " + st.Free()
		cost += " (" + st.Free() + ")"
	}
	suspended := "no"
	if u.Suspended {
		suspended = "yes, and still billed"
		if !st.Paid {
			suspended = "yes"
		}
	}
	m := bot.Message{
		Headline:   "Seat: " + nonEmpty(u.Name, email),
		Visibility: bot.Ephemeral,
		Sections: []bot.Section{
			{
				Text: bot.EscapeText(u.Email),
				Fields: []bot.Field{
					{Label: "Role", Value: role},
					{Label: "Custom role", Value: customRole},
					{Label: "Groups", Value: nonEmpty(strings.Join(st.Groups, ", "), "none")},
					{Label: "Default group", Value: defaultGroup},
					{Label: "Last login", Value: lastLogin},
					{Label: "Days inactive", Value: status},
					{Label: "2FA", Value: onOff(u.TwoFactor)},
					{Label: "Suspended", Value: suspended},
					{Label: "Seat", Value: seat},
					{Label: "Monthly cost", Value: cost},
					{Label: "Owner", Value: nonEmpty(owner, "nobody: the policy names no owner for this group and no default")},
				},
			},
			{Text: "*Review history*\n" + nonEmpty(strings.Join(history, "\n"), "Never asked about in a review.")},
		},
		Context: []string{v.synced()},
	}
	m.Sections = append(m.Sections, others...)
	return m
}

// NoSeat draws the answer for a person who holds no seat in this SaaS but
// does in others: name is theirs as another SaaS knows it, others their
// seats there, drawn by OtherSeat.
func (v Seats) NoSeat(email, name string, others []bot.Section) bot.Message {
	return bot.Message{Headline: "Seat: " + nonEmpty(name, email), Visibility: bot.Ephemeral,
		Sections: append([]bot.Section{{Text: bot.EscapeText(email) + " holds no " + connector.Title(v.SaaS) + " seat."}}, others...)}
}

// OtherSeat is a person's seat in a SaaS besides Zendesk, as one section
// under the SaaS's name; owner answers for it ("" nobody).
func (v Seats) OtherSeat(st seats.Seat, owner string) bot.Section {
	u := st.User
	seat := "paid"
	if !st.Paid {
		seat = "none: " + st.Free()
	}
	last := fmt.Sprintf("%s (%s)", v.date(st.LastActivity()), daysAgo(st.DaysInactive))
	if st.NeverLoggedIn {
		last = v.words().never
	}
	fields := []bot.Field{
		{Label: "Role", Value: bot.EscapeText(st.RoleName())},
		{Label: "Seat", Value: seat},
		{Label: "Monthly cost", Value: v.money(st.MonthlyCost)},
		{Label: "2FA", Value: onOff(u.TwoFactor)},
	}
	if st.Paid {
		fields = append(fields,
			bot.Field{Label: "Last activity", Value: last},
			bot.Field{Label: "Owner", Value: nonEmpty(owner, "nobody: the policy names no owner for this team and no default")})
	}
	return bot.Section{Text: "*" + connector.Title(v.SaaS) + "* · " + bot.EscapeText(u.Name), Fields: fields}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
