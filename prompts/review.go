package prompts

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
)

// Review controls: fixed verbs; values carry only "<period>:<user id>".
// The period names the review: a week the seat review's, a quarter the
// privilege review's.
const (
	ActionKeep      = "review.keep"
	ActionDowngrade = "review.downgrade"
	ActionRemove    = "review.remove"
	ActionSnooze    = "review.snooze"
	ActionNotMine   = "review.notmine"
	// ActionJustInTime is the privilege review's: back to the base role.
	ActionJustInTime = "review.just-in-time"
	// ActionPage turns a digest's page; its token is "<period>:<owner>".
	ActionPage = "review.page"

	FormKeep    = "review.keep"
	FormNotMine = "review.notmine"

	// DigestPageSize seats per digest page: two blocks each in Slack and
	// a card well inside Teams' 28 KB, with room for the header and pager.
	DigestPageSize = 10
)

// SeatValue is the value of a seat's buttons and its forms' record id:
// "2026-W47:1204" for a Zendesk seat (as it always was, so buttons already
// posted keep working), "2026-W47:github:583231" for another SaaS's.
func SeatValue(saas, period string, userID int64) string {
	id := strconv.FormatInt(userID, 10)
	if saas == "" || saas == connector.Zendesk {
		return period + ":" + id
	}
	return period + ":" + saas + ":" + id
}

// ParseSeatValue reads a SeatValue back, strictly: a tampered value is
// refused rather than half-understood.
func ParseSeatValue(v string) (saas, period string, userID int64, ok bool) {
	period, rest, found := strings.Cut(v, ":")
	saas, id, named := connector.CutName(rest)
	switch {
	case !named:
		saas = connector.Zendesk
	case saas == connector.Zendesk:
		// Zendesk's own seats are never written with its name.
		return "", "", 0, false
	}
	// A leading zero is refused too: "007" would name the seat SeatValue
	// writes as "7", and only SeatValue's own spelling is accepted.
	if _, known := reviews.CadenceOf(period); !found || !known || id == "" || id[0] == '0' || len(id) > 19 || strings.Trim(id, "0123456789") != "" {
		return "", "", 0, false
	}
	userID, err := strconv.ParseInt(id, 10, 64)
	if err != nil || userID <= 0 {
		return "", "", 0, false
	}
	return saas, period, userID, true
}

// DigestToken is the pager token of one owner's digest.
// Like SeatValue, a Zendesk digest's token is what it always was
// ("2026-W47:dana@acme.example"), another SaaS's carries its name
// ("2026-W47:github:dana@acme.example").
func DigestToken(saas, period, owner string) string {
	if saas == "" || saas == connector.Zendesk {
		return period + ":" + owner
	}
	return period + ":" + saas + ":" + owner
}

// ParseDigestToken reads a DigestToken back.
func ParseDigestToken(token string) (saas, period, owner string, ok bool) {
	period, owner, found := strings.Cut(token, ":")
	saas, owner, named := connector.CutName(owner)
	switch {
	case !named:
		saas = connector.Zendesk
	case saas == connector.Zendesk:
		return "", "", "", false
	}
	if _, known := reviews.CadenceOf(period); !found || !known || !strings.Contains(owner, "@") || strings.ContainsAny(owner, " :") {
		return "", "", "", false
	}
	return saas, period, owner, true
}

// Occasion is why a digest is sent; it changes only the headline and the
// small print.
type Occasion int

// Occasions.
const (
	Digest     Occasion = iota // the period's digest, or an update after a click
	Handed                     // seats someone handed to this owner
	Reminder                   // the owner has not answered
	Escalation                 // to the admin channel: the owner did not answer
	Warning                    // the last warning before on_silence downgrades
	Leavers                    // seats of people the directory says left, raised at once
)

// Review draws one period's review messages.
type Review struct {
	Period   string
	Location *time.Location
	Currency string
	// Command is the slash command shown in hints ("/warden").
	Command string
	// Now is the time the message is drawn at.
	Now time.Time
	// Deadline is when the review stops taking answers.
	Deadline time.Time
	// SaaS is the SaaS whose seats the review asks about ("" is
	// Zendesk); it sets the words. A digest takes it from its seats.
	SaaS string
	// Privilege draws the privilege review: people holding a privileged
	// role standing, each kept, made just-in-time or removed.
	Privilege bool

	// across are the SaaS a digest spans when more than one.
	across []string
}

// reviewWords are how a review speaks of one SaaS's seats.
type reviewWords struct {
	title, review, seats, inactive, last, never, remove string
	// downgrade: the SaaS has a cheaper seat to move to.
	downgrade bool
}

var wordsOf = map[string]reviewWords{
	connector.Zendesk: {title: "Zendesk", review: "Seat review", seats: "paid Zendesk seats", inactive: "have had no login for a while",
		last: "last login", never: "never logged in", remove: "stops being an agent in Zendesk, which frees the paid seat", downgrade: true},
	connector.GitHub: {title: "GitHub", review: "Copilot seat review", seats: "Copilot seats", inactive: "have had no Copilot activity for a while",
		last: "last Copilot activity", never: "never used Copilot", remove: "loses the Copilot seat, which stops being billed after this billing cycle"},
}

func (r Review) words() reviewWords { return wordsFor(r.SaaS) }

// wordsFor are the words of one SaaS's seats; "" is Zendesk's.
func wordsFor(saas string) reviewWords {
	if w, ok := wordsOf[saas]; ok {
		return w
	}
	return wordsOf[connector.Zendesk]
}

// saasOfItems is the SaaS of each item, in connector order, once each: an
// owner's digest holds the seats of every SaaS they answer for.
func saasOfItems(items []reviews.Item) []string {
	var seen [8]bool // by index in connector.Names
	n := 0
	for _, it := range items {
		i := slices.Index(connector.Names, it.Seat.SaaS())
		if i >= 0 && i < len(seen) && !seen[i] {
			seen[i] = true
			n++
		}
	}
	if n == 1 {
		// The common case, a digest of one SaaS: no list to build.
		for i, ok := range seen {
			if ok {
				return connector.Names[i : i+1]
			}
		}
	}
	out := make([]string, 0, n)
	for i, ok := range seen {
		if ok {
			out = append(out, connector.Names[i])
		}
	}
	return out
}

// Sort puts items in digest order: most inactive first, then by name and
// id, so a page shows the same seats however often it is drawn.
func Sort(items []reviews.Item) {
	slices.SortFunc(items, func(a, b reviews.Item) int {
		return cmp.Or(
			cmp.Compare(b.Seat.DaysInactive, a.Seat.DaysInactive),
			compareFold(a.Seat.Name, b.Seat.Name),
			cmp.Compare(a.Seat.UserID, b.Seat.UserID))
	})
}

// compareFold orders a and b as their lower-case forms would, without
// allocating them: a digest sorts on every click and delivery.
func compareFold(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if c := cmp.Compare(unicode.ToLower(ra), unicode.ToLower(rb)); c != 0 {
			return c
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// OwnerItems are the items of owner's digest: the seats they answer for,
// and those they handed on that still wait, sorted with Sort.
func OwnerItems(all []reviews.Item, owner string) []reviews.Item {
	var out []reviews.Item
	for _, it := range all {
		if slices.Contains(digestOwners(it), owner) {
			out = append(out, it)
		}
	}
	Sort(out)
	return out
}

// DigestsByOwner is OwnerItems of every owner at once, in one pass over
// all, so delivering a period's digests is linear in its items.
func DigestsByOwner(all []reviews.Item) map[string][]reviews.Item {
	sizes := map[string]int{}
	for _, it := range all {
		for _, owner := range digestOwners(it) {
			sizes[owner]++
		}
	}
	out := make(map[string][]reviews.Item, len(sizes))
	for owner, n := range sizes {
		out[owner] = make([]reviews.Item, 0, n)
	}
	for _, it := range all {
		for _, owner := range digestOwners(it) {
			out[owner] = append(out[owner], it)
		}
	}
	for _, items := range out {
		Sort(items)
	}
	return out
}

// digestOwners are whose digests show an item: its owner's, and while it
// waits, that of whoever handed it on.
func digestOwners(it reviews.Item) []string {
	if it.HandedFrom != "" && it.HandedFrom != it.Owner && it.State == reviews.Open {
		return []string{it.Owner, it.HandedFrom}
	}
	return []string{it.Owner}
}

// PageOf is the page of a sorted digest that shows seat userID (1 when it
// is not there).
func PageOf(items []reviews.Item, userID int64) int {
	i := slices.IndexFunc(items, func(it reviews.Item) bool { return it.Seat.UserID == userID })
	return max(i, 0)/DigestPageSize + 1
}

// Digest draws page of owner's digest. items are every item of the owner
// in the period, sorted with Sort; decided seats show what was decided and
// by whom instead of buttons.
//
// One digest holds the seats of every SaaS the owner answers for: all of
// one SaaS, it speaks that SaaS's words; spanning several, it says which
// each seat is in.
func (r Review) Digest(occ Occasion, owner string, items []reviews.Item, page int) bot.Message {
	// A digest spanning SaaS pages under Zendesk's token, the review the
	// others join.
	tokenSaaS := connector.Zendesk
	switch in := saasOfItems(items); {
	case len(in) == 1:
		r.SaaS, tokenSaaS = in[0], in[0]
	case len(in) > 1:
		r.across = in
	}
	pages := max(1, (len(items)+DigestPageSize-1)/DigestPageSize)
	page = min(max(page, 1), pages)
	first, last := (page-1)*DigestPageSize, min(page*DigestPageSize, len(items))

	var open int
	var openCost, cost, saved float64
	for _, it := range items {
		cost += it.Seat.MonthlyCost
		saved += it.Saving()
		if it.State == reviews.Open && it.Owner == owner {
			open++
			openCost += it.Seat.MonthlyCost
		}
	}
	m := bot.Message{
		Headline:   r.headline(occ, owner, len(items), cost, open, openCost),
		Visibility: bot.Visible,
	}
	m.Sections = append(m.Sections, bot.Section{Text: r.intro(occ, owner, open)})
	for _, it := range items[first:last] {
		m.Sections = append(m.Sections, r.seatSection(owner, it))
	}
	m.Context = append(m.Context, r.progress(len(items), open, saved))
	if pages > 1 {
		m.Pager = &bot.Pager{Page: page, Pages: pages, ActionID: ActionPage, Token: DigestToken(tokenSaaS, r.Period, owner)}
	}
	return m
}

func (r Review) headline(occ Occasion, owner string, n int, cost float64, open int, openCost float64) string {
	if r.Privilege {
		return r.privilegeHeadline(occ, owner, n, open)
	}
	seatsWord := plural(n, "inactive seat", "inactive seats")
	switch occ {
	case Handed:
		return fmt.Sprintf("Seats handed to you for review: %d waiting, %s/month", open, r.money(openCost))
	case Reminder:
		return fmt.Sprintf("Reminder: %d %s still waiting for you, %s/month", open, plural(open, "seat", "seats"), r.money(openCost))
	case Escalation:
		return fmt.Sprintf("No answer from %s: %d %s, %s/month", owner, open, plural(open, "seat", "seats"), r.money(openCost))
	case Warning:
		return fmt.Sprintf("Last call: %d %s will be downgraded on %s", open, plural(open, "seat", "seats"), r.day(r.Deadline))
	case Leavers:
		return fmt.Sprintf("Still paid for people who left: %d %s, %s/month", open, plural(open, "seat", "seats"), r.money(openCost))
	}
	if r.across != nil {
		return fmt.Sprintf("Seat review: %d %s across %s, %s/month", n, seatsWord, JoinAnd(r.titles()), r.money(cost))
	}
	return fmt.Sprintf("%s: %d %s, %s/month", r.words().review, n, seatsWord, r.money(cost))
}

// titles names the SaaS a digest spans.
func (r Review) titles() []string {
	out := make([]string, len(r.across))
	for i, saas := range r.across {
		out[i] = connector.Title(saas)
	}
	return out
}

func (r Review) intro(occ Occasion, owner string, open int) string {
	if r.Privilege {
		return r.privilegeIntro(occ, owner)
	}
	if r.across != nil {
		return r.introAcross(occ, owner, open)
	}
	w := r.words()
	choose := "For each, choose *Keep* (with a reason and a date to ask again), *Downgrade*, *Remove* (frees the paid seat in Zendesk), *Snooze*, or *Not mine* to hand it to whoever answers for it."
	if !w.downgrade {
		choose = fmt.Sprintf("For each, choose *Keep* (with a reason and a date to ask again), *Remove* (frees the paid seat in %s), *Snooze*, or *Not mine* to hand it to whoever answers for it.", w.title)
	}
	switch occ {
	case Escalation:
		return fmt.Sprintf("%s did not answer for these paid seats. Admins can decide here; each choice is carried out in %s and shows in %s's digest too.", bot.EscapeText(owner), w.title, bot.EscapeText(owner))
	case Warning:
		return fmt.Sprintf("Nobody has answered for %d %s. Unless you choose by %s, the policy downgrades %s.", open, plural(open, "seat", "seats"), r.by(r.Deadline), plural(open, "it", "them"))
	case Reminder:
		return "These " + w.seats + " are still waiting for your answer. " + choose
	case Leavers:
		return "The company directory says the people marked 🚪 left, but their " + w.seats + " are still paid, and you answer for them. " + choose
	}
	return "These " + w.seats + " " + w.inactive + " and you answer for them. " + choose
}

func (r Review) progress(n, open int, saved float64) string {
	parts := []string{fmt.Sprintf("Review %s", r.Period)}
	if open > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d waiting", open, n), "answer by "+r.by(r.Deadline))
	} else {
		parts = append(parts, fmt.Sprintf("all %d answered", n))
	}
	if saved > 0 {
		parts = append(parts, "saved "+r.money(saved)+"/month")
	}
	return strings.Join(parts, " · ")
}

// introAcross is the intro of a digest spanning several SaaS: what each
// SaaS's seats have in common, and what can be chosen where.
func (r Review) introAcross(occ Occasion, owner string, open int) string {
	var what []string
	downgrade := false
	for _, saas := range r.across {
		w := wordsFor(saas)
		what = append(what, w.seats+" that "+w.inactive)
		downgrade = downgrade || w.downgrade
	}
	choose := "For each, choose *Keep* (with a reason and a date to ask again), *Remove*, *Snooze*, or *Not mine* to hand it to whoever answers for it; each line says which SaaS the seat is in."
	if downgrade {
		choose = "For each, choose *Keep* (with a reason and a date to ask again), *Downgrade* (Zendesk), *Remove*, *Snooze*, or *Not mine* to hand it to whoever answers for it; each line says which SaaS the seat is in."
	}
	switch occ {
	case Escalation:
		return fmt.Sprintf("%s did not answer for these paid seats. Admins can decide here; each choice is carried out in the seat's SaaS and shows in %s's digest too.", bot.EscapeText(owner), bot.EscapeText(owner))
	case Warning:
		return fmt.Sprintf("Nobody has answered for %d %s. Unless you choose by %s, the policy downgrades the Zendesk ones.", open, plural(open, "seat", "seats"), r.by(r.Deadline))
	case Reminder:
		return "These seats are still waiting for your answer. " + choose
	case Leavers:
		return "The company directory says the people marked 🚪 left, but their seats are still paid, and you answer for them. " + choose
	}
	return "You answer for these " + JoinAnd(what) + ". " + choose
}

// seatSection is one seat: who, what it is, and either its buttons or
// what was decided.
func (r Review) seatSection(owner string, it reviews.Item) bot.Section {
	if r.across != nil {
		// A digest spanning SaaS speaks of each seat in its own SaaS's words.
		r.SaaS = it.Seat.SaaS()
	}
	s := it.Seat
	head := "*" + bot.EscapeText(cmp.Or(s.Name, "(no name)")) + "*"
	if s.Email != "" {
		head += " · " + bot.EscapeText(s.Email)
	}
	facts := make([]string, 0, 5)
	if r.across != nil {
		facts = append(facts, "*"+r.words().title+"*")
	}
	facts = append(facts, bot.EscapeText(cmp.Or(s.RoleName, s.Role)))
	if len(s.Groups) > 0 {
		facts = append(facts, bot.EscapeText(strings.Join(s.Groups, ", ")))
	}
	days := fmt.Sprintf("%d %s", s.DaysInactive, plural(s.DaysInactive, "day", "days"))
	if s.NeverLoggedIn {
		facts = append(facts, r.words().never+" (added "+r.date(s.LastActivity)+", "+days+" ago)")
	} else {
		facts = append(facts, r.words().last+" "+r.date(s.LastActivity)+", "+days+" ago")
	}
	facts = append(facts, r.money(s.MonthlyCost)+"/month")
	lines := []string{head, strings.Join(facts, " · ")}
	if s.Suspended {
		lines = append(lines, "⚠ Suspended in Zendesk but still a paid seat")
	}
	if l := it.Left; l != nil && it.State == reviews.Open {
		line := "🚪 Left the company: " + bot.EscapeText(l.Status) + " in " + directory.Title(l.Source)
		if !l.At.IsZero() {
			line += " on " + r.date(l.At)
		}
		lines = append(lines, line+" · Remove is recommended")
	}
	sec := bot.Section{}
	switch {
	case it.State == reviews.Open && it.Owner != owner:
		lines = append(lines, "➡ Handed to "+bot.EscapeText(it.Owner)+" by "+bot.EscapeText(it.HandedBy)+" "+r.when(it.HandedAt))
	case it.State == reviews.Open:
		if it.HandedFrom != "" {
			lines = append(lines, "Handed to you by "+bot.EscapeText(it.HandedBy)+" "+r.when(it.HandedAt))
		}
		sec.Actions = r.buttons(it)
	default:
		lines = append(lines, r.Outcome(it))
	}
	sec.Text = strings.Join(lines, "\n")
	return sec
}

func (r Review) buttons(it reviews.Item) []bot.Button {
	v := SeatValue(it.Seat.Connector, it.Period, it.Seat.UserID)
	name := cmp.Or(it.Seat.Name, it.Seat.Email)
	w := r.words()
	if r.Privilege {
		return []bot.Button{
			{ActionID: ActionKeep, Label: "Keep", Value: v, Style: bot.StylePrimary},
			{ActionID: ActionJustInTime, Label: "Make just-in-time", Value: v, Confirm: &bot.Confirm{
				Title: "Make this just-in-time?", Text: name + " goes back to a plain agent in " + w.title + " now and asks with " + r.Command + " access request when they need more.",
				Confirm: "Make just-in-time", Deny: "Cancel"}},
			{ActionID: ActionRemove, Label: "Remove", Value: v, Style: bot.StyleDanger, Confirm: &bot.Confirm{
				Title: "Remove this seat?", Text: name + " " + w.remove + ".", Confirm: "Remove", Deny: "Cancel"}},
			{ActionID: ActionNotMine, Label: "Not mine", Value: v},
		}
	}
	buttons := make([]bot.Button, 0, 5) // one allocation for a digest's most common row
	buttons = append(buttons, bot.Button{ActionID: ActionKeep, Label: "Keep", Value: v, Style: bot.StylePrimary})
	if w.downgrade {
		buttons = append(buttons, bot.Button{ActionID: ActionDowngrade, Label: "Downgrade", Value: v, Confirm: &bot.Confirm{
			Title: "Downgrade this seat?", Text: name + " loses the paid agent seat in Zendesk.", Confirm: "Downgrade", Deny: "Cancel"}})
	}
	return append(buttons,
		bot.Button{ActionID: ActionRemove, Label: "Remove", Value: v, Style: bot.StyleDanger, Confirm: &bot.Confirm{
			Title: "Remove this seat?", Text: name + " " + w.remove + ".", Confirm: "Remove", Deny: "Cancel"}},
		bot.Button{ActionID: ActionSnooze, Label: "Snooze", Value: v},
		bot.Button{ActionID: ActionNotMine, Label: "Not mine", Value: v},
	)
}

// LeaverActed tells an owner and the admins that the seat of someone who
// left was removed or suspended at once, as the policy says.
func (r Review) LeaverActed(it reviews.Item) bot.Message {
	r.SaaS = it.Seat.SaaS()
	verb := "Removed"
	if it.Change != nil && it.Change.Kind == reviews.ChangeSuspend {
		verb = "Suspended"
	}
	return bot.Message{
		Headline: fmt.Sprintf("%s the %s seat of someone who left: %s", verb, r.words().title, cmp.Or(it.Seat.Name, it.Seat.Email)),
		Sections: []bot.Section{r.seatSection(it.Owner, it)},
		Context: []string{"The policy's identity.on_departed does this at once for people the company directory says left; " +
			r.Command + " whois " + it.Seat.Email + " shows what else they hold."},
		Visibility: bot.Visible,
	}
}

// Outcome is the line that replaces a decided seat's buttons, e.g.
// "Removed by dana@acme.example on Tue 17 Nov at 10:42 — saves $115/month".
func (r Review) Outcome(it reviews.Item) string {
	by := bot.EscapeText(it.DecidedBy)
	at := r.when(it.DecidedAt)
	switch it.State {
	case reviews.Kept:
		line := fmt.Sprintf("✅ Kept by %s %s until %s", by, at, r.date(it.KeepUntil))
		if it.Reason != "" {
			line += ": " + bot.EscapeText(it.Reason)
		}
		return line
	case reviews.Snoozed:
		return fmt.Sprintf("💤 Snoozed by %s %s until %s", by, at, r.date(it.KeepUntil))
	case reviews.Changed:
		return "ℹ Nothing done: " + bot.EscapeText(it.Note)
	case reviews.Removed, reviews.Downgraded, reviews.MadeJustInTime:
		verb, done := "Removed", "saves "+r.money(it.Seat.MonthlyCost)+"/month"
		switch it.State {
		case reviews.Downgraded:
			verb = "Downgraded"
		case reviews.MadeJustInTime:
			verb, done = "Made just-in-time", "a plain agent in "+r.words().title+" now; they ask when they need more"
		}
		if it.State == reviews.Removed && it.Change != nil && it.Change.Kind == reviews.ChangeSuspend {
			verb = "Suspended"
		}
		switch {
		case it.DecidedBy == reviews.System.Email && it.Left != nil:
			by = "seatwarden (they left the company)"
		case it.DecidedBy == reviews.System.Email:
			by = "seatwarden (no answer in time)"
		}
		c := it.Change
		switch {
		case c == nil || c.Status == reviews.ChangeDone:
			return fmt.Sprintf("➖ %s by %s %s — %s", verb, by, at, done)
		case c.Status == reviews.ChangeFailed:
			return fmt.Sprintf("❌ %s by %s %s failed: %s. An admin has been told.", verb, by, at, bot.EscapeText(it.Note))
		case c.Attempts > 1 || c.Error != "":
			return fmt.Sprintf("⌛ %s by %s %s — %s did not take it yet (%s); retrying", verb, by, at, r.words().title, bot.EscapeText(c.Error))
		default:
			return fmt.Sprintf("⌛ %s by %s %s — being carried out in %s", verb, by, at, r.words().title)
		}
	}
	return string(it.State)
}

// HistoryLine is one review of a seat in its history: the period and
// what became of it there.
func (r Review) HistoryLine(it reviews.Item) string {
	if it.State == reviews.Open {
		return fmt.Sprintf("%s · ⌛ asked %s; no answer yet", it.Period, bot.EscapeText(it.Owner))
	}
	return it.Period + " · " + r.Outcome(it)
}

// privilegeHeadline is the privilege review's headline.
func (r Review) privilegeHeadline(occ Occasion, owner string, n, open int) string {
	people := func(n int) string { return fmt.Sprintf("%d %s", n, plural(n, "person", "people")) }
	switch occ {
	case Handed:
		return fmt.Sprintf("Standing privilege handed to you for review: %s waiting", people(open))
	case Reminder, Warning:
		return fmt.Sprintf("Reminder: %s with standing privilege still waiting for you", people(open))
	case Escalation:
		return fmt.Sprintf("No answer from %s on standing privilege: %s", owner, people(open))
	}
	return fmt.Sprintf("Privilege review: %s %s a privileged role with no grant", people(n), plural(n, "holds", "hold"))
}

// privilegeIntro is the privilege review's intro.
func (r Review) privilegeIntro(occ Occasion, owner string) string {
	w := r.words()
	choose := "For each, choose *Keep* (with a reason and a date to ask again), *Make just-in-time* (back to a plain agent now; they ask with " +
		bot.EscapeText(r.Command) + " access request when they need more), *Remove* (frees the paid seat in " + w.title + "), or *Not mine* to hand them to whoever answers for them."
	switch occ {
	case Escalation:
		return fmt.Sprintf("%s did not answer for these people's standing privilege. Admins can decide here; each choice is carried out in %s and shows in %s's digest too.",
			bot.EscapeText(owner), w.title, bot.EscapeText(owner))
	case Reminder, Warning:
		return "These people still hold a privileged role with no grant, waiting for your answer. " + choose
	}
	return "These people hold a privileged role in " + w.title + " with no grant behind it, and you answer for them. " + choose
}

func (r Review) money(v float64) string { return seats.Money(v, r.Currency) }

func (r Review) loc() *time.Location {
	if r.Location == nil {
		return time.UTC
	}
	return r.Location
}

func (r Review) date(t time.Time) string { return t.In(r.loc()).Format("2 Jan 2006") }
func (r Review) day(t time.Time) string  { return t.In(r.loc()).Format("Mon 2 Jan") }

// when is "on Tue 17 Nov at 10:42", or "at 10:42" today.
func (r Review) when(t time.Time) string {
	t = t.In(r.loc())
	if y, m, d := t.Date(); !r.Now.IsZero() {
		if ny, nm, nd := r.Now.In(r.loc()).Date(); ny == y && nm == m && nd == d {
			return "at " + t.Format("15:04")
		}
	}
	return "on " + t.Format("Mon 2 Jan") + " at " + t.Format("15:04")
}

// by is a deadline after "by": "Mon 30 Nov at 00:00", or "10:42 today";
// when's "on"/"at" would read "by on Mon 30 Nov".
func (r Review) by(t time.Time) string {
	local := t.In(r.loc())
	if h, m, sec := local.Clock(); h == 0 && m == 0 && sec == 0 {
		// A deadline at midnight reads as the end of the day before it.
		return "the end of " + local.Add(-time.Second).Format("Mon 2 Jan")
	}
	w := r.when(t)
	if hm, today := strings.CutPrefix(w, "at "); today {
		return hm + " today"
	}
	return strings.TrimPrefix(w, "on ")
}

// JoinAnd lists names for people: "Zendesk", "Zendesk and GitHub",
// "Zendesk, GitHub and Okta".
func JoinAnd(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
