package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/editdist"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// Seat list paging. The pager's action id is a fixed verb; its token says
// which list ("inactive:60", "group:42"), never who may see it: the scope
// is worked out again from the clicker's role on every page.
const (
	PageSize       = 20
	PageActionID   = "seats.page"
	MaxDays        = 3650
	maxGroupName   = 255 // Zendesk's own limit on a group name
	maxOwnerFields = 20
)

// New returns a router with the help and seat commands.
func New(d Deps) (*Router, error) {
	s := newSeatCommands(d)
	defs := s.definitions()
	if d.Reviews != nil {
		defs = append(defs, newReviewCommands(d).definitions()...)
	}
	if d.Credentials != nil {
		defs = append(defs, newTokenCommands(d).definitions()...)
	}
	if d.Approvals != nil {
		defs = append(defs, newRequestCommands(d).definitions()...)
	}
	r, err := NewRouter(d, defs...)
	if err != nil {
		return nil, err
	}
	for _, c := range s.caches {
		r.onSnapshotSaved = append(r.onSnapshotSaved, c.invalidate)
	}
	return r, nil
}

// SeatCommands are the seat questions: seats, seats inactive, seats user
// and seats group. Every answer comes from the synced snapshot.
func SeatCommands(d Deps) []Definition { return newSeatCommands(d).definitions() }

func newSeatCommands(d Deps) *seatCommands {
	s := &seatCommands{d: d.withDefaults(), caches: map[string]*viewCache{}}
	for _, g := range s.d.saas() {
		dd := s.d.forSaaS(g)
		s.caches[g.Connector] = &viewCache{connector: g.Connector, day: dayIn(dd.Policy.Location), every: dd.SnapshotCheck}
		s.governed = append(s.governed, g)
	}
	return s
}

func (s *seatCommands) definitions() []Definition {
	return []Definition{
		{
			Name:        "seats",
			Usage:       "seats [SAAS]",
			Description: "Paid seats by role, active and inactive, what they cost per month, what removing the inactive ones saves, and who owns them; for every governed SaaS, or the one named.",
			Examples:    []string{"seats", "seats zendesk"},
			Access:      Admins,
			Handler:     s.summary,
			Accepts:     s.acceptsSaaS,
		},
		{
			Name:        "seats inactive",
			Aliases:     []string{"seats idle"},
			Usage:       "seats inactive [SAAS] [DAYS]",
			Description: fmt.Sprintf("The paid seats with no login (for GitHub, no Copilot activity) for DAYS days (default: the policy's threshold), most inactive first, %d per page; Zendesk's, or the governed SaaS named. Owners see the seats they answer for.", PageSize),
			Examples:    []string{"seats inactive 60", "seats inactive", "seats inactive github 60"},
			Access:      AdminsOrOwners,
			Handler:     s.inactive,
			Actions:     []ActionRoute{{ID: PageActionID, ValuePrefix: "inactive:"}},
		},
		{
			Name:        "seats user",
			Usage:       "seats user EMAIL",
			Description: "One seat: role, groups, last login, 2FA, whether it is paid, its owner and review history.",
			Examples:    []string{"seats user dana@example.com"},
			Access:      Admins,
			Handler:     s.user,
		},
		{
			Name:        "seats group",
			Usage:       "seats group NAME",
			Description: "One Zendesk group's paid seats. For admins and the group's owner.",
			Examples:    []string{"seats group Tier 2", `seats group "Tier 2"`},
			Access:      AdminsOrOwners,
			Handler:     s.group,
			Actions:     []ActionRoute{{ID: PageActionID, ValuePrefix: "group:"}},
		},
	}
}

type seatCommands struct {
	d Deps
	// governed lists the SaaS in the order answers show them, Zendesk
	// first; caches holds each one's judged snapshot.
	governed []Governed
	caches   map[string]*viewCache
}

// view is the snapshot judged on one day, with what the replies need
// worked out once: it is shared by every command until the snapshot or the
// date changes, so it is never modified after it is built.
type view struct {
	d      Deps
	snap   *store.Snapshot
	report seats.Report
	groups map[int64]string // live groups by id
	owner  map[int64]string // seat owner by user id, "" for none
	// byEmail finds a seat by lower-case email: index into Paid when ≥ 0,
	// into Free as -1-i.
	byEmail map[string]int

	// paidCost[i] is the monthly cost of Paid[:i]: the inactive lists
	// are prefixes of Paid, so their totals are one lookup.
	paidCost []float64

	ownersOnce sync.Once
	owners     bot.Section // the summary's seats-by-owner section

	groupsOnce sync.Once
	members    map[int64]groupSeats // by group id
}

// groupSeats are a group's members' seats, as indexes into the report's
// Paid and Free, in their order.
type groupSeats struct{ paid, free []int }

// membersOf returns group id's seats, indexing every group's on first use.
func (v *view) membersOf(id int64) groupSeats {
	v.groupsOnce.Do(func() {
		byUser := map[int64][]int64{}
		for _, ms := range v.snap.Memberships {
			byUser[ms.UserID] = append(byUser[ms.UserID], ms.GroupID)
		}
		v.members = map[int64]groupSeats{}
		for i := range v.report.Paid {
			for _, g := range byUser[v.report.Paid[i].User.ID] {
				gs := v.members[g]
				gs.paid = append(gs.paid, i)
				v.members[g] = gs
			}
		}
		for i := range v.report.Free {
			for _, g := range byUser[v.report.Free[i].User.ID] {
				gs := v.members[g]
				gs.free = append(gs.free, i)
				v.members[g] = gs
			}
		}
	})
	return v.members[id]
}

// load returns the view of Zendesk's current snapshot at now.
func (s *seatCommands) load(ctx context.Context, now time.Time) (*view, error) {
	return s.loadOf(ctx, s.governed[0], now)
}

// loadOf returns the view of g's current snapshot at now, from the cache
// when neither has moved on.
func (s *seatCommands) loadOf(ctx context.Context, g Governed, now time.Time) (*view, error) {
	v, err := s.caches[g.Connector].get(ctx, s.d.forSaaS(g), now)
	title := connector.Title(g.Connector)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, Unavailablef("No seat data yet: the first sync from %s is still running. Try again in a few minutes.", title)
	case errors.Is(err, store.ErrUnreadable):
		// The next sync rebuilds an unreadable snapshot.
		return nil, Unavailablef("The seat data is being rebuilt from %s. Try again in a few minutes.", title).WithCause(err)
	case err != nil:
		return nil, fmt.Errorf("commands: load the seat snapshot: %w", err)
	}
	return v, nil
}

func newView(d Deps, snap *store.Snapshot, now time.Time) *view {
	v := &view{d: d, snap: snap, report: seats.Evaluate(snap, d.Policy, now),
		groups: map[int64]string{}, owner: map[int64]string{}, byEmail: map[string]int{}}
	for _, g := range snap.Groups {
		if !g.Deleted {
			v.groups[g.ID] = g.Name
		}
	}
	v.paidCost = make([]float64, len(v.report.Paid)+1)
	for i := range v.report.Paid {
		v.paidCost[i+1] = v.paidCost[i] + v.report.Paid[i].MonthlyCost
	}
	for i, list := range [][]seats.Seat{v.report.Paid, v.report.Free} {
		for j, st := range list {
			v.owner[st.User.ID] = d.Owners.Of(st)
			at := j
			if i == 1 {
				at = -1 - j
			}
			if email := strings.ToLower(st.User.Email); email != "" {
				if _, dup := v.byEmail[email]; !dup {
					v.byEmail[email] = at
				}
			}
		}
	}
	return v
}

// ownerOf is who answers for a seat: the owner of its default group by
// name, else the policy's default owner; "" when the policy names neither.
func (v *view) ownerOf(s seats.Seat) string { return v.owner[s.User.ID] }

// seatByEmail finds a seat, paid or free, by email.
func (v *view) seatByEmail(email string) (seats.Seat, bool) {
	i, ok := v.byEmail[strings.ToLower(email)]
	switch {
	case !ok:
		return seats.Seat{}, false
	case i >= 0:
		return v.report.Paid[i], true
	default:
		return v.report.Free[-1-i], true
	}
}

func (v *view) money(amount float64) string { return seats.Money(amount, v.d.Policy.Pricing.Currency) }

func (v *view) synced() string {
	return "Snapshot synced " + v.snap.SyncedAt.In(v.d.Policy.Location).Format("Mon 2 Jan 15:04 MST") + "."
}

func (v *view) date(t time.Time) string {
	return t.In(v.d.Policy.Location).Format("Mon 2 Jan 2006")
}

// --- seats ---------------------------------------------------------------

var categoryNames = map[seats.Category]string{
	seats.CategoryAdmin:     "Admins",
	seats.CategoryAgent:     "Agents",
	seats.CategorySuspended: "Suspended",
}

// gitHubCategoryNames are GitHub's words for the same people.
var gitHubCategoryNames = map[seats.Category]string{
	seats.CategoryAdmin:     "Owners",
	seats.CategoryAgent:     "Members",
	seats.CategorySuspended: "Suspended",
}

// categoryName says a category in the words of the view's SaaS.
func (v *view) categoryName(c seats.Category) string {
	if v.snap.Connector == connector.GitHub {
		return gitHubCategoryNames[c]
	}
	return categoryNames[c]
}

// never says a seat was never used, in the SaaS's terms.
func (v *view) never() string {
	if v.snap.Connector == connector.GitHub {
		return "never used Copilot"
	}
	return "never logged in"
}

// noActivity is what an inactive seat lacks, in the SaaS's terms.
func (v *view) noActivity() string {
	if v.snap.Connector == connector.GitHub {
		return "no Copilot activity"
	}
	return "no login"
}

func (s *seatCommands) summary(ctx context.Context, c *Call) (bot.Message, error) {
	governed := s.governed
	switch len(c.Args) {
	case 0:
	case 1:
		g, err := s.saasNamed(c.Args[0])
		if err != nil {
			return bot.Message{}, err
		}
		governed = []Governed{g}
	default:
		return bot.Message{}, Invalidf("seats takes one argument, SAAS, and got %d", len(c.Args))
	}
	if len(governed) == 1 {
		v, err := s.loadOf(ctx, governed[0], c.Now)
		if err != nil {
			return bot.Message{}, err
		}
		m := s.summaryOf(v)
		if len(s.governed) > 1 {
			m.Headline = connector.Title(governed[0].Connector) + " " + strings.ToLower(m.Headline[:1]) + m.Headline[1:]
		}
		return m, nil
	}
	return s.summaryOfAll(ctx, c.Now)
}

// acceptsSaaS tells "seats github" (or "seats githb", answered with the
// governed names) from a mistyped "seats inactiv", which help answers.
func (s *seatCommands) acceptsSaaS(args []string) bool {
	if len(args) != 1 {
		return false
	}
	word := strings.ToLower(args[0])
	for _, g := range s.governed {
		if word == g.Connector {
			return true
		}
	}
	for _, sub := range []string{"inactive", "idle", "user", "group"} {
		if editdist.Levenshtein(word, sub) <= 2 {
			return false
		}
	}
	return true
}

// names lists the governed SaaS as people type them.
func (s *seatCommands) names() []string {
	out := make([]string, len(s.governed))
	for i, g := range s.governed {
		out[i] = g.Connector
	}
	return out
}

// saasNamed finds a governed SaaS by the name people type.
func (s *seatCommands) saasNamed(name string) (Governed, error) {
	return namedSaaS(name, s.governed, s.d.Command+" seats")
}

// summaryOfAll answers seats for several SaaS: the totals, then each
// SaaS's own summary under its name. A SaaS not synced yet says so in its
// place rather than hiding the others.
func (s *seatCommands) summaryOfAll(ctx context.Context, now time.Time) (bot.Message, error) {
	var (
		paid  int
		cost  float64
		money func(float64) string
		parts []bot.Section
		ctxs  []string
	)
	for _, g := range s.governed {
		title := connector.Title(g.Connector)
		v, err := s.loadOf(ctx, g, now)
		var ce *Error
		if errors.As(err, &ce) && ce.Code == Unavailable {
			parts = append(parts, bot.Section{Text: "*" + title + "*\n" + ce.Message})
			continue
		}
		if err != nil {
			return bot.Message{}, err
		}
		m := s.summaryOf(v)
		sum := v.report.Summary
		paid, cost = paid+sum.Paid.Seats, cost+sum.Paid.Cost
		if money == nil {
			money = v.money
		}
		parts = append(parts, bot.Section{Text: fmt.Sprintf("*%s* · %d paid · %s/month", title, sum.Paid.Seats, v.money(sum.Paid.Cost))})
		parts = append(parts, m.Sections...)
		for _, line := range m.Context {
			ctxs = append(ctxs, title+": "+line)
		}
	}
	if money == nil {
		money = func(a float64) string { return seats.Money(a, s.d.Policy.Pricing.Currency) }
	}
	return bot.Message{
		Headline:   fmt.Sprintf("Seats: %d paid · %s/month across %s", paid, money(cost), s.titles()),
		Visibility: bot.Ephemeral,
		Sections:   parts,
		Context:    ctxs,
	}, nil
}

// titles names the governed SaaS for people: "Zendesk and GitHub".
func (s *seatCommands) titles() string {
	names := make([]string, len(s.governed))
	for i, g := range s.governed {
		names[i] = connector.Title(g.Connector)
	}
	return prompts.JoinAnd(names)
}

// summaryOf is one SaaS's seats answer.
func (s *seatCommands) summaryOf(v *view) bot.Message {
	sum := v.report.Summary
	m := bot.Message{
		Headline:   fmt.Sprintf("Seats: %d paid · %s/month", sum.Paid.Seats, v.money(sum.Paid.Cost)),
		Visibility: bot.Ephemeral,
	}
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
			byRole.Fields = append(byRole.Fields, bot.Field{Label: v.categoryName(cat), Value: value})
		}
		activity := fmt.Sprintf("*Active:* %d (%s/month)\n*Inactive:* %d (%s/month), %s for %d+ days",
			sum.Active.Seats, v.money(sum.Active.Cost), sum.Inactive.Seats, v.money(sum.Inactive.Cost), v.noActivity(), sum.InactivityDays)
		if sum.NeverLoggedIn > 0 {
			activity += fmt.Sprintf(", %d %s", sum.NeverLoggedIn, v.never())
		}
		saving := "Every paid seat is in use."
		if sum.Inactive.Seats > 0 {
			saving = fmt.Sprintf("Removing the %d inactive %s saves *%s/month*.",
				sum.Inactive.Seats, plural(sum.Inactive.Seats, "seat", "seats"), v.money(sum.Inactive.Cost))
		}
		m.Sections = append(m.Sections, byRole, bot.Section{Text: activity}, bot.Section{Text: saving}, v.ownerSection())
	}
	var free []string
	for _, k := range freeKinds {
		if n := sum.Free[k.kind]; n > 0 {
			free = append(free, fmt.Sprintf("%d %s", n, plural(n, k.one, k.many)))
		}
	}
	if len(free) > 0 {
		m.Context = append(m.Context, "Not billed: "+strings.Join(free, ", ")+".")
	}
	inactive := escape(s.d.Command) + " seats inactive"
	if v.snap.Connector != connector.Zendesk {
		inactive += " " + v.snap.Connector
	}
	m.Context = append(m.Context, v.synced()+" The inactive seats: "+inactive)
	return m
}

// ownerSection counts paid seats per owner, most seats first; worked out
// once per view.
func (v *view) ownerSection() bot.Section {
	v.ownersOnce.Do(func() { v.owners = v.countOwners() })
	sec := v.owners
	sec.Fields = slices.Clone(sec.Fields) // the view is shared; replies are not
	return sec
}

func (v *view) countOwners() bot.Section {
	type tally struct {
		owner          string
		seats, idle    int
		cost, idleCost float64
	}
	by := map[string]*tally{}
	for _, st := range v.report.Paid {
		o := v.ownerOf(st)
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
		label := t.owner
		if label == "" {
			label = "No owner in the policy"
		}
		value := fmt.Sprintf("%d %s · %s/month", t.seats, plural(t.seats, "seat", "seats"), v.money(t.cost))
		if t.idle > 0 {
			value += fmt.Sprintf("\n%d inactive · %s/month", t.idle, v.money(t.idleCost))
		}
		sec.Fields = append(sec.Fields, bot.Field{Label: label, Value: value})
	}
	return sec
}

// --- seats inactive ------------------------------------------------------

func (s *seatCommands) inactive(ctx context.Context, c *Call) (bot.Message, error) {
	g, days, page := s.governed[0], 0, 1
	if a := c.Request.Action; a != nil {
		token, p, err := parsePageValue(a.Value)
		if err != nil {
			return bot.Message{}, err
		}
		d, ok := strings.CutPrefix(token, "inactive:")
		if !ok {
			return bot.Message{}, pageButtonError()
		}
		// Zendesk's token is what it always was ("inactive:60"); another
		// SaaS's names it ("inactive:github:60").
		if name, rest, scoped := strings.Cut(d, ":"); scoped {
			if g, err = s.saasNamed(name); err != nil || name == connector.Zendesk {
				return bot.Message{}, pageButtonError()
			}
			d = rest
		}
		if days, err = parseDays(d); err != nil {
			return bot.Message{}, pageButtonError()
		}
		page = p
	} else {
		args := c.Args
		if len(args) > 0 && len(s.governed) > 1 {
			if named, err := s.saasNamed(args[0]); err == nil {
				g, args = named, args[1:]
			}
		}
		switch len(args) {
		case 0:
		case 1:
			var err error
			if days, err = parseDays(args[0]); err != nil {
				if len(s.governed) > 1 {
					return bot.Message{}, Invalidf("DAYS must be a whole number from 1 to %d, after the SaaS if you name one (%s)", MaxDays, strings.Join(s.names(), ", "))
				}
				return bot.Message{}, err
			}
		case 2:
			if len(s.governed) > 1 {
				return bot.Message{}, Invalidf("seats inactive takes SAAS then DAYS, such as github 60, and got %s", clip(strings.Join(c.Args, " "), 40))
			}
			fallthrough
		default:
			if len(s.governed) > 1 {
				return bot.Message{}, Invalidf("seats inactive takes SAAS and DAYS, and got %d words", len(c.Args))
			}
			return bot.Message{}, Invalidf("seats inactive takes one argument, DAYS, and got %d", len(c.Args))
		}
	}
	v, err := s.loadOf(ctx, g, c.Now)
	if err != nil {
		return bot.Message{}, err
	}
	if days == 0 {
		days = v.d.Policy.InactivityDays
	}
	list := v.report.InactiveSeats(days)
	cost := v.paidCost[len(list)]
	mine := !c.Role.Admin
	if mine {
		var own []seats.Seat
		cost = 0
		for i := range list {
			if st := &list[i]; c.Role.Is(v.owner[st.User.ID]) {
				own = append(own, *st)
				cost += st.MonthlyCost
			}
		}
		list = own
	}
	m := bot.Message{Visibility: bot.Ephemeral}
	if c.Request.Action != nil {
		m.Delivery = bot.ReplaceOriginal
	}
	who := "Inactive seats"
	if mine {
		who = "Your inactive seats"
	}
	if v.snap.Connector != connector.Zendesk {
		who = strings.Replace(who, "seats", connector.Title(v.snap.Connector)+" seats", 1)
	}
	m.Headline = fmt.Sprintf("%s: %d with %s for %d+ days · %s/month", who, len(list), v.noActivity(), days, v.money(cost))
	if len(list) == 0 {
		without := "without a login"
		if v.snap.Connector == connector.GitHub {
			without = "without Copilot activity"
		}
		text := fmt.Sprintf("No paid seat has gone %d days %s.", days, without)
		if mine {
			text = fmt.Sprintf("None of the seats you answer for has gone %d days %s.", days, without)
		}
		m.Sections = []bot.Section{{Text: text}}
		m.Context = []string{v.synced()}
		return m, nil
	}
	token := fmt.Sprintf("inactive:%d", days)
	if v.snap.Connector != connector.Zendesk {
		token = fmt.Sprintf("inactive:%s:%d", v.snap.Connector, days)
	}
	first, last, pager := paginate(len(list), page, token)
	m.Pager = pager
	for _, st := range list[first:last] {
		showOwner := ""
		if !mine {
			showOwner = v.ownerOf(st)
		}
		m.Sections = append(m.Sections, bot.Section{Text: v.seatLine(st, showOwner)})
	}
	note := fmt.Sprintf("Seats %d–%d of %d, most inactive first.", first+1, last, len(list))
	if mine {
		note += " You answer for these by their default group."
		if v.snap.Connector == connector.GitHub {
			note = strings.Replace(note, "their default group", "the team their Copilot seat comes through", 1)
		}
	}
	m.Context = []string{note, v.synced()}
	return m, nil
}

// paginate clamps page to the list (it may have shrunk since the button
// was drawn) and returns the slice bounds and a pager when there is more
// than one page.
func paginate(n, page int, token string) (first, last int, p *bot.Pager) {
	pages := max(1, (n+PageSize-1)/PageSize)
	page = min(max(page, 1), pages)
	first = (page - 1) * PageSize
	last = min(first+PageSize, n)
	if pages > 1 {
		p = &bot.Pager{Page: page, Pages: pages, ActionID: PageActionID, Token: token}
	}
	return first, last, p
}

// seatLine is one seat of a list, as markup; record text is escaped.
func (v *view) seatLine(st seats.Seat, owner string) string {
	u := st.User
	head := "*" + escape(nonEmpty(u.Name, "(no name)")) + "*"
	if u.Email != "" {
		head += " · " + escape(u.Email)
	}
	parts := []string{escape(st.RoleName)}
	if u.Suspended {
		parts = append(parts, "suspended")
	}
	if len(st.Groups) > 0 {
		parts = append(parts, escape(strings.Join(st.Groups, ", ")))
	}
	if st.NeverLoggedIn {
		parts = append(parts, fmt.Sprintf("%s (added %s, %d %s ago)", v.never(), v.date(st.LastActivity), st.DaysInactive, plural(st.DaysInactive, "day", "days")))
	} else {
		last := "last login"
		if v.snap.Connector == connector.GitHub {
			last = "last Copilot activity"
		}
		parts = append(parts, fmt.Sprintf("%s %s, %d %s ago", last, v.date(st.LastActivity), st.DaysInactive, plural(st.DaysInactive, "day", "days")))
	}
	parts = append(parts, v.money(st.MonthlyCost)+"/month")
	if owner != "" {
		parts = append(parts, "owner "+escape(owner))
	}
	return head + "\n" + strings.Join(parts, " · ")
}

// parseDays accepts a plain whole number of days: no sign, no unit, no
// spaces, so "60d" or "-5" are refused rather than half-understood.
func parseDays(s string) (int, error) {
	bad := Invalidf("DAYS must be a whole number from 1 to %d", MaxDays)
	if s == "" || len(s) > 4 || strings.Trim(s, "0123456789") != "" {
		return 0, bad
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxDays {
		return 0, bad
	}
	return n, nil
}

// parsePageValue reads a pager button's value (bot.PageValue); a tampered
// one gets the page-button error.
func parsePageValue(v string) (token string, page int, err error) {
	token, page, ok := bot.ParsePageValue(v)
	if !ok {
		return "", 0, pageButtonError()
	}
	return token, page, nil
}

// pageButtonError answers a page click whose value no longer parses (a
// message drawn by an older version): run the command again.
func pageButtonError() *Error {
	return Invalidf("that page button is out of date; run the command again")
}

// --- seats user ----------------------------------------------------------

func (s *seatCommands) user(ctx context.Context, c *Call) (bot.Message, error) {
	switch len(c.Args) {
	case 0:
		return bot.Message{}, Invalidf("EMAIL is missing")
	case 1:
	default:
		return bot.Message{}, Invalidf("seats user takes one argument, EMAIL, and got %d", len(c.Args))
	}
	email, err := people.ParseEmail(c.Args[0])
	if err != nil {
		return bot.Message{}, Invalidf("%q is not an email address", clip(c.Args[0], 60))
	}
	v, err := s.load(ctx, c.Now)
	if err != nil {
		return bot.Message{}, err
	}
	// The same person's seats in the other governed SaaS, each under its
	// name; a SaaS not synced yet is left out rather than failing the
	// answer.
	var others []bot.Section
	var otherName string
	for _, g := range s.governed[1:] {
		ov, err := s.loadOf(ctx, g, c.Now)
		if err != nil {
			continue
		}
		if ost, ok := ov.seatByEmail(email); ok {
			others = append(others, ov.otherSeat(ost))
			otherName = cmp.Or(otherName, ost.User.Name)
		}
	}
	st, found := v.seatByEmail(email)
	if !found && len(others) > 0 {
		return bot.Message{Headline: "Seat: " + nonEmpty(otherName, email), Visibility: bot.Ephemeral,
			Sections: append([]bot.Section{{Text: escape(email) + " holds no Zendesk seat."}}, others...)}, nil
	}
	if !found {
		return bot.Message{}, NotFoundf("%s is not an agent or admin in Zendesk as of the last sync (%s).",
			email, v.snap.SyncedAt.In(v.d.Policy.Location).Format("Mon 2 Jan 15:04 MST"))
	}
	u := st.User
	role := "Agent"
	if u.Privileged {
		role = "Admin"
	}
	customRole := "none"
	if u.RoleID != nil {
		customRole = st.RoleName
	}
	defaultGroup := "none"
	if u.DefaultGroupID != nil {
		defaultGroup = nonEmpty(v.groups[*u.DefaultGroupID], fmt.Sprintf("deleted group %d", *u.DefaultGroupID))
	}
	lastLogin := fmt.Sprintf("%s (%d %s ago)", v.date(st.LastActivity), st.DaysInactive, plural(st.DaysInactive, "day", "days"))
	if st.NeverLoggedIn {
		lastLogin = "never (added " + v.date(st.LastActivity) + ")"
	}
	status := fmt.Sprintf("%d · active (inactive from %d)", st.DaysInactive, v.report.Summary.InactivityDays)
	if st.Inactive {
		status = fmt.Sprintf("%d · inactive (%d+)", st.DaysInactive, v.report.Summary.InactivityDays)
	}
	seat := "paid"
	cost := v.money(st.MonthlyCost)
	if !st.Paid {
		seat = "free: " + st.Free
		cost += " (" + st.Free + ")"
	}
	suspended := "no"
	if u.Suspended {
		suspended = "yes, and still billed"
		if !st.Paid {
			suspended = "yes"
		}
	}
	owner := nonEmpty(v.ownerOf(st), "nobody: the policy names no owner for this group and no default")
	m := bot.Message{
		Headline:   "Seat: " + nonEmpty(u.Name, email),
		Visibility: bot.Ephemeral,
		Sections: []bot.Section{
			{
				Text: escape(u.Email),
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
					{Label: "Owner", Value: owner},
				},
			},
			{Text: "*Review history*\nNo review yet."},
		},
		Context: []string{v.synced()},
	}
	m.Sections = append(m.Sections, others...)
	return m, nil
}

// otherSeat is a person's seat in a SaaS besides Zendesk, as one section
// under the SaaS's name.
func (v *view) otherSeat(st seats.Seat) bot.Section {
	u := st.User
	seat := "paid"
	if !st.Paid {
		seat = "none: " + st.Free
	}
	last := fmt.Sprintf("%s (%d %s ago)", v.date(st.LastActivity), st.DaysInactive, plural(st.DaysInactive, "day", "days"))
	if st.NeverLoggedIn {
		last = v.never()
	}
	fields := []bot.Field{
		{Label: "Role", Value: escape(st.RoleName)},
		{Label: "Seat", Value: seat},
		{Label: "Monthly cost", Value: v.money(st.MonthlyCost)},
		{Label: "2FA", Value: onOff(u.TwoFactor)},
	}
	if st.Paid {
		fields = append(fields,
			bot.Field{Label: "Last activity", Value: last},
			bot.Field{Label: "Owner", Value: nonEmpty(v.ownerOf(st), "nobody: the policy names no owner for this team and no default")})
	}
	return bot.Section{Text: "*" + connector.Title(v.snap.Connector) + "* · " + escape(u.Name), Fields: fields}
}

// --- seats group ---------------------------------------------------------

func (s *seatCommands) group(ctx context.Context, c *Call) (bot.Message, error) {
	var (
		name    string
		groupID int64
		page    = 1
	)
	if a := c.Request.Action; a != nil {
		token, p, err := parsePageValue(a.Value)
		if err != nil {
			return bot.Message{}, err
		}
		id, ok := strings.CutPrefix(token, "group:")
		if groupID, err = strconv.ParseInt(id, 10, 64); !ok || err != nil || groupID < 1 {
			return bot.Message{}, pageButtonError()
		}
		page = p
	} else {
		if len(c.Args) == 0 {
			return bot.Message{}, Invalidf("NAME is missing")
		}
		// Group names have spaces; the words after "group" are the name,
		// quoted or not.
		name = strings.Join(c.Args, " ")
		if utf8.RuneCountInString(name) > maxGroupName {
			return bot.Message{}, Invalidf("NAME is longer than a Zendesk group name can be (%d characters)", maxGroupName)
		}
	}
	v, err := s.load(ctx, c.Now)
	if err != nil {
		return bot.Message{}, err
	}
	var g connector.Group
	if groupID != 0 {
		found := false
		if g.Name, found = v.groups[groupID]; !found {
			return bot.Message{}, NotFoundf("That group is no longer in Zendesk.")
		}
		g.ID = groupID
	} else if g, err = v.findGroup(name); err != nil {
		return bot.Message{}, err
	}
	groupOwner := v.d.Owners.OfGroup(g.Name)
	if !c.Role.Admin && !c.Role.Is(groupOwner) {
		return bot.Message{}, Forbiddenf("Sorry, only Zendesk admins and the owner of %s can see its seats.", g.Name)
	}

	members := v.membersOf(g.ID)
	var active, idle seats.Tally
	free := map[string]int{}
	for _, i := range members.paid {
		st := &v.report.Paid[i]
		t := &active
		if st.Inactive {
			t = &idle
		}
		t.Seats++
		t.Cost += st.MonthlyCost
	}
	for _, i := range members.free {
		free[v.report.Free[i].Free]++
	}
	paid := members.paid
	m := bot.Message{
		Headline:   fmt.Sprintf("Group %s: %d paid %s · %s/month", g.Name, len(paid), plural(len(paid), "seat", "seats"), v.money(active.Cost+idle.Cost)),
		Visibility: bot.Ephemeral,
	}
	if c.Request.Action != nil {
		m.Delivery = bot.ReplaceOriginal
	}
	overview := bot.Section{Fields: []bot.Field{
		{Label: "Owner", Value: nonEmpty(groupOwner, "nobody in the policy")},
		{Label: "Active", Value: fmt.Sprintf("%d · %s/month", active.Seats, v.money(active.Cost))},
		{Label: "Inactive", Value: fmt.Sprintf("%d · %s/month, no login for %d+ days", idle.Seats, v.money(idle.Cost), v.report.Summary.InactivityDays)},
	}}
	var freeText []string
	for _, k := range freeKinds {
		if n := free[k.kind]; n > 0 {
			freeText = append(freeText, fmt.Sprintf("%d %s", n, plural(n, k.one, k.many)))
		}
	}
	if len(freeText) > 0 {
		overview.Fields = append(overview.Fields, bot.Field{Label: "Not billed", Value: strings.Join(freeText, ", ")})
	}
	m.Sections = []bot.Section{overview}
	if len(paid) == 0 {
		m.Sections = append(m.Sections, bot.Section{Text: "No paid seats in this group."})
		m.Context = []string{v.synced()}
		return m, nil
	}
	first, last, pager := paginate(len(paid), page, "group:"+strconv.FormatInt(g.ID, 10))
	m.Pager = pager
	for _, i := range paid[first:last] {
		st := v.report.Paid[i]
		// A member's seat may be answered for by someone else (owners go
		// by default group); say so where it differs.
		owner := v.ownerOf(st)
		if owner == groupOwner {
			owner = ""
		}
		m.Sections = append(m.Sections, bot.Section{Text: v.seatLine(st, owner)})
	}
	m.Context = []string{fmt.Sprintf("Seats %d–%d of %d, most inactive first.", first+1, last, len(paid)), v.synced()}
	return m, nil
}

// findGroup finds a live group by name, ignoring case and repeated spaces,
// or fails listing the closest names.
func (v *view) findGroup(name string) (connector.Group, error) {
	want := normalizeKey(strings.Fields(name)...)
	type candidate struct {
		name string
		dist int
	}
	var near []candidate
	limit := max(2, utf8.RuneCountInString(want)/3)
	for id, gname := range v.groups {
		have := normalizeKey(strings.Fields(gname)...)
		if have == want {
			return connector.Group{ID: id, Name: gname}, nil
		}
		d := editdist.Levenshtein(want, have)
		if d <= limit || (want != "" && (strings.Contains(have, want) || strings.Contains(want, have))) {
			near = append(near, candidate{gname, d})
		}
	}
	slices.SortFunc(near, func(a, b candidate) int { return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.name, b.name)) })
	msg := fmt.Sprintf("No group named %q in Zendesk.", clip(name, 60))
	if len(near) > 0 {
		var names []string
		for _, c := range near[:min(3, len(near))] {
			names = append(names, c.name)
		}
		msg += " Did you mean " + orList(names) + "?"
	}
	return connector.Group{}, NotFoundf("%s", msg)
}

func orList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

func nonEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
