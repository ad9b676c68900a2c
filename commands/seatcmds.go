package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	PageSize     = 20
	PageActionID = "seats.page"
	MaxDays      = 3650
	maxGroupName = 255 // Zendesk's own limit on a group name
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
	if d.Access != nil {
		defs = append(defs, newAccessCommands(d).definitions()...)
	}
	if d.Verify != nil {
		defs = append(defs, newVerifyCommands(d, s).definitions()...)
	}
	defs = append(defs, newPreviewCommands(d, s).definitions()...)
	defs = append(defs, newHomeCommands(d, s).definitions()...)
	defs = append(defs, (&whoisCommands{d: s.d, seats: s}).definitions()...)
	defs = append(defs, (&postureCommands{d: s.d, seats: s}).definitions()...)
	defs = append(defs, (&watchCommands{d: s.d}).definitions()...)
	r, err := NewRouter(d, defs...)
	if err != nil {
		return nil, err
	}
	for _, g := range s.governed {
		c, dd := s.caches[g.Connector], s.d.forSaaS(g)
		r.onSnapshotSaved = append(r.onSnapshotSaved, func() { c.refresh(dd) })
		r.onSnapshotPatched = append(r.onSnapshotPatched, func(name, before, after string, patches []store.MemberPatch) {
			if store.ConnectorOrDefault(name) == c.connector {
				c.patch(dd, before, after, patches)
			}
		})
		r.viewsSettled = append(r.viewsSettled, c.wait)
		if r.judged == nil {
			r.judged = map[string]func(context.Context, time.Time) (seats.Report, error){}
		}
		r.judged[c.connector] = func(ctx context.Context, now time.Time) (seats.Report, error) {
			v, err := c.current(ctx, dd, now)
			if err != nil {
				return seats.Report{}, err
			}
			return v.report, nil
		}
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
		s.caches[g.Connector] = &viewCache{connector: g.Connector, day: dayIn(dd.Policy.Location), every: dd.SnapshotCheck, log: s.d.Logger}
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
	d Deps
	// snap is the snapshot without its members: the report's seats hold
	// them, and a second copy was a fifth of a large account's view.
	snap   *store.Snapshot
	report seats.Report
	// base names the members the view was judged from as saved, and
	// patched the members patched since that it holds as patched; the
	// head's patches apply to it while it still lists those
	// (viewCache.catchUp).
	base    string
	patched []int64
	draw    prompts.Seats    // draws the answers from this snapshot
	groups  map[int64]string // live groups by id
	// Who answers for each seat ("" for nobody) is worked out once, since
	// the rule may ask the directory for a manager: ownerNames holds the
	// few distinct owners, paidOwner[i] the one of Paid[i], freeOwner[i]
	// of Free[i].
	ownerNames           []string
	paidOwner, freeOwner []int32
	byEmail              *emailIndex

	// paidCost[i] is the monthly cost of Paid[:i]: the inactive lists
	// are prefixes of Paid, so their totals are one lookup.
	paidCost []float64

	ownersOnce sync.Once
	owners     bot.Section // the summary's seats-by-owner section

	// key names the snapshot and day the view was judged from; the
	// summary, the same for everyone who asks, is drawn once.
	key         string
	summaryOnce sync.Once
	summaryMsg  bot.Message

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

// newView works out what the replies need from a judged report; snap is
// the rest of its snapshot, without members.
func newView(d Deps, report seats.Report, snap *store.Snapshot) *view {
	v := &view{d: d, snap: snap, report: report, draw: drawSeats(d, snap.Connector, snap.SyncedAt),
		groups: map[int64]string{}}
	for _, g := range snap.Groups {
		if !g.Deleted {
			v.groups[g.ID] = g.Name
		}
	}
	v.paidCost = make([]float64, len(v.report.Paid)+1)
	for i := range v.report.Paid {
		v.paidCost[i+1] = v.paidCost[i] + v.report.Paid[i].MonthlyCost
	}
	named := map[string]int32{}
	ownerIndex := func(st seats.Seat) int32 {
		owner := d.Owners.Of(st)
		i, ok := named[owner]
		if !ok {
			i = int32(len(v.ownerNames))
			named[owner] = i
			v.ownerNames = append(v.ownerNames, owner)
		}
		return i
	}
	v.paidOwner = make([]int32, len(v.report.Paid))
	v.freeOwner = make([]int32, len(v.report.Free))
	for i, list := range [][]seats.Seat{v.report.Paid, v.report.Free} {
		owners := v.paidOwner
		if i == 1 {
			owners = v.freeOwner
		}
		for j, st := range list {
			owners[j] = ownerIndex(st)
		}
	}
	v.byEmail = newEmailIndex(&v.report)
	return v
}

// summary is the view's seat summary, drawn on first use. Its Same names
// the view, so a transport renders it once per view too; the message is
// shared, and nobody changes it.
func (v *view) summary() bot.Message {
	v.summaryOnce.Do(func() {
		v.summaryMsg = v.draw.Summary(v.report.Summary, v.ownerSection())
		if v.key != "" {
			v.summaryMsg.Same = "seats:" + v.key
		}
	})
	return v.summaryMsg
}

// ownerOf is who answers for a seat of this view: the owner of its
// default group by name, else the policy's default owner; "" when the
// policy names neither. The seat is found where the report lists it.
func (v *view) ownerOf(s seats.Seat) string {
	list, owners := v.report.Paid, v.paidOwner
	if !s.Paid {
		list, owners = v.report.Free, v.freeOwner
	}
	if i, found := slices.BinarySearchFunc(list, s, seats.MostInactiveFirst); found {
		return v.ownerNames[owners[i]]
	}
	return ""
}

// withMembers is the view's snapshot with its members taken back from the
// seats, for readers that want the snapshot's shape (the posture report):
// they are copied, so it costs what the members cost while it is read.
func (v *view) withMembers() *store.Snapshot {
	snap := *v.snap
	snap.Staff = make([]connector.Staff, 0, len(v.report.Paid)+len(v.report.Free))
	for _, list := range [][]seats.Seat{v.report.Paid, v.report.Free} {
		for _, st := range list {
			snap.Staff = append(snap.Staff, st.User)
		}
	}
	return &snap
}

// paidOwnerOf is who answers for the paid seat Paid[i].
func (v *view) paidOwnerOf(i int) string { return v.ownerNames[v.paidOwner[i]] }

// seatByEmail finds a seat, paid or free, by email.
func (v *view) seatByEmail(email string) (seats.Seat, bool) { return v.byEmail.find(email) }

// drawSeats is what draws saas's answers under d's rules; syncedAt is
// when its snapshot was synced.
func drawSeats(d Deps, saas string, syncedAt time.Time) prompts.Seats {
	return prompts.Seats{SaaS: saas, Location: d.Policy.Location, Currency: d.Policy.Pricing.Currency,
		Command: d.Command, SyncedAt: syncedAt, Named: len(d.Governed) > 0}
}

// --- seats ---------------------------------------------------------------

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
		return v.summary(), nil
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

// summaryOfAll answers seats for several SaaS. A SaaS not synced yet
// says so in its place rather than hiding the others.
func (s *seatCommands) summaryOfAll(ctx context.Context, now time.Time) (bot.Message, error) {
	parts := make([]prompts.SeatsPart, 0, len(s.governed))
	for _, g := range s.governed {
		v, err := s.loadOf(ctx, g, now)
		var ce *Error
		if errors.As(err, &ce) && ce.Code == Unavailable {
			parts = append(parts, prompts.SeatsPart{Seats: drawSeats(s.d.forSaaS(g), g.Connector, time.Time{}), Unavailable: ce.Message})
			continue
		}
		if err != nil {
			return bot.Message{}, err
		}
		parts = append(parts, prompts.SeatsPart{Seats: v.draw, Summary: v.report.Summary, ByOwner: v.ownerSection()})
	}
	return prompts.SeatsAcross(parts), nil
}

// ownerSection is the summary's seats by owner, counted once per view.
func (v *view) ownerSection() bot.Section {
	v.ownersOnce.Do(func() { v.owners = v.draw.ByOwner(v.report.Paid, v.ownerOf) })
	sec := v.owners
	sec.Fields = slices.Clone(sec.Fields) // the view is shared; replies are not
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
			if st := &list[i]; c.Role.Is(v.paidOwnerOf(i)) {
				own = append(own, *st)
				cost += st.MonthlyCost
			}
		}
		list = own
	}
	token := fmt.Sprintf("inactive:%d", days)
	if v.snap.Connector != connector.Zendesk {
		token = fmt.Sprintf("inactive:%s:%d", v.snap.Connector, days)
	}
	first, last, pager := paginate(len(list), page, token)
	m := v.draw.Inactive(days, cost, mine, prompts.SeatPage{Seats: list[first:last], First: first, Total: len(list), OwnerOf: v.ownerOf})
	m.Pager = pager
	if c.Request.Action != nil {
		m.Delivery = bot.ReplaceOriginal
	}
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
			others = append(others, ov.draw.OtherSeat(ost, ov.ownerOf(ost)))
			otherName = cmp.Or(otherName, ost.User.Name)
		}
	}
	st, found := v.seatByEmail(email)
	if !found && len(others) > 0 {
		return v.draw.NoSeat(email, otherName, others), nil
	}
	if !found {
		return bot.Message{}, NotFoundf("%s is not an agent or admin in Zendesk as of the last sync (%s).",
			email, v.snap.SyncedAt.In(v.d.Policy.Location).Format("Mon 2 Jan 15:04 MST"))
	}
	return v.draw.User(email, st, v.ownerOf(st), v.report.Summary.InactivityDays, s.history(ctx, c, st), others), nil
}

// historyMax is how many of a seat's reviews `seats user` lists.
const historyMax = 6

// history is the seat's reviews, drawn for `seats user`; none when the
// review is not run here. A review that cannot be read is logged and
// left out rather than failing the answer.
func (s *seatCommands) history(ctx context.Context, c *Call, st seats.Seat) []string {
	if s.d.Reviews == nil {
		return nil
	}
	items, err := s.d.Reviews.History(ctx, st.User.ID, historyMax)
	if err != nil {
		s.d.Logger.WarnContext(ctx, "seats user: review history unreadable", slog.Int64("user", st.User.ID), slog.Any("error", err))
	}
	view := prompts.Review{Location: s.d.Policy.Location, Currency: s.d.Policy.Pricing.Currency, Command: s.d.Command, Now: c.Now}
	lines := make([]string, len(items))
	for i, it := range items {
		lines[i] = view.HistoryLine(it)
	}
	return lines
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
	sum := seats.Summary{InactivityDays: v.report.Summary.InactivityDays, Free: map[string]int{}}
	for _, i := range members.paid {
		st := &v.report.Paid[i]
		t := &sum.Active
		if st.Inactive {
			t = &sum.Inactive
		}
		t.Seats++
		t.Cost += st.MonthlyCost
	}
	sum.Paid = seats.Tally{Seats: sum.Active.Seats + sum.Inactive.Seats, Cost: sum.Active.Cost + sum.Inactive.Cost}
	for _, i := range members.free {
		sum.Free[v.report.Free[i].Free()]++
	}
	first, last, pager := paginate(len(members.paid), page, "group:"+strconv.FormatInt(g.ID, 10))
	list := make([]seats.Seat, 0, last-first)
	for _, i := range members.paid[first:last] {
		list = append(list, v.report.Paid[i])
	}
	m := v.draw.Group(g.Name, groupOwner, sum, prompts.SeatPage{Seats: list, First: first, Total: len(members.paid), OwnerOf: v.ownerOf})
	m.Pager = pager
	if c.Request.Action != nil {
		m.Delivery = bot.ReplaceOriginal
	}
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
