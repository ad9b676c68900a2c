package credentials

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

// ReasonCode names an orphan rule.
type ReasonCode string

// Orphan rules. Each makes a credential an orphan; Reason.Text says why
// in words shown to people.
const (
	NoOwner       ReasonCode = "no-owner"
	OwnerGone     ReasonCode = "owner-gone"
	ActsAsGone    ReasonCode = "acts-as-gone"
	Unused        ReasonCode = "unused"
	BroaderScopes ReasonCode = "broader-scopes"
	ReviewOverdue ReasonCode = "review-overdue"
)

// Reason is one orphan rule a credential breaks.
type Reason struct {
	Code ReasonCode
	Text string
}

// FlagCode names a warning that is not an orphan rule.
type FlagCode string

// Flags. Every API token is Retiring; one unused 20 days or more is
// AutoDeactivation; one Zendesk already deactivated is Deactivated; a
// migration whose deadline is within two weeks or past is MigrationDue.
// A fine-grained token that expires within two weeks is Expiring, one
// past its expiry Expired, one that never expires NoExpiry.
const (
	Retiring         FlagCode = "retiring"
	AutoDeactivation FlagCode = "auto-deactivation"
	Deactivated      FlagCode = "deactivated"
	MigrationDue     FlagCode = "migration-due"
	Expiring         FlagCode = "expiring"
	Expired          FlagCode = "expired"
	NoExpiry         FlagCode = "no-expiry"
)

// expiringDays: a token expiring this soon needs its owner to renew or
// retire it.
const expiringDays = 14

// Flag is one warning about a credential.
type Flag struct {
	Code FlagCode
	Text string
}

// Item is one credential as the register shows it: what its SaaS says,
// what people said, and what is wrong with it.
type Item struct {
	Credential
	// SaaS is the connector the credential lives in.
	SaaS  string
	Entry Entry
	// Present: the last sync found it in its SaaS.
	Present bool
	Reasons []Reason
	Flags   []Flag
	// DaysLeft is an API token's days until APITokenRetirement.
	DaysLeft int
	// ActsAsLabel names the user it acts as: their email when the
	// snapshot or the SaaS gave one, else "Zendesk user ID" or "GitHub
	// user LOGIN"; "" for apps.
	ActsAsLabel string
}

// QualifiedID names the item across the governed SaaS.
func (it Item) QualifiedID() string { return QualifiedID(it.SaaS, it.ID) }

// Orphaned reports whether any orphan rule applies.
func (it Item) Orphaned() bool { return len(it.Reasons) > 0 }

// Has reports whether the item carries flag f.
func (it Item) Has(f FlagCode) bool {
	return slices.ContainsFunc(it.Flags, func(x Flag) bool { return x.Code == f })
}

// NeedsAttention reports whether the owner (or, for an orphan, an admin)
// has something to do: an orphan rule, an API token nobody has planned
// the retirement of, an auto-deactivation or expiry about to happen, or
// a migration whose deadline is near.
func (it Item) NeedsAttention() bool {
	if it.Entry.State.Ended() || !it.Present {
		return false
	}
	if it.Orphaned() || it.Has(AutoDeactivation) || it.Has(MigrationDue) || it.Has(Expiring) {
		return true
	}
	return it.Kind == APIToken && it.Active && it.Entry.State != Migrating && it.Entry.State != ToRetire
}

// Evaluation is the register at one moment.
type Evaluation struct {
	At        time.Time
	Inventory *Inventory
	Items     []Item // inventory order, then ended entries by id
}

// Evaluate joins the inventory, the register entries and the seat
// snapshot (who is still an active agent or admin) into the register.
// snap may be nil before the first seat sync: owner and acting-user rules
// then cannot tell and do not apply.
func Evaluate(inv *Inventory, entries map[string]Entry, snap *store.Snapshot, p Policy, now time.Time) Evaluation {
	var staff *roster
	if snap != nil {
		staff = newRoster(snap.Staff)
	}
	return evaluate(inv, entries, newStaffIndex(staff, nil, inv.SaaS), p, now)
}

// evaluate is Evaluate with the staff known as staff says, the
// directory's departures included.
func evaluate(inv *Inventory, entries map[string]Entry, staff staffIndex, p Policy, now time.Time) Evaluation {
	if p.Location == nil {
		p.Location = time.UTC
	}
	if p.UnusedDays <= 0 {
		p.UnusedDays = 90
	}
	ev := Evaluation{At: now, Inventory: inv, Items: make([]Item, 0, len(inv.Credentials))}
	seen := make(map[string]bool, len(entries))
	for _, c := range inv.Credentials {
		e, ok := entries[c.ID]
		if !ok {
			e = Entry{ID: c.ID, State: Unclaimed}
		}
		seen[c.ID] = true
		it := Item{Credential: c, SaaS: staff.saas, Entry: e, Present: true}
		if c.ActsAs != 0 {
			it.ActsAsLabel = actsAsLabel(c, staff)
		}
		judge(&it, staff, p, now)
		ev.Items = append(ev.Items, it)
	}
	var ended []Item
	for id, e := range entries {
		if seen[id] {
			continue
		}
		k, saasID, ok := ParseID(id)
		if !ok {
			continue
		}
		ended = append(ended, Item{Credential: Credential{ID: id, Kind: k, SaaSID: saasID, Name: e.Name}, SaaS: staff.saas, Entry: e})
	}
	slices.SortFunc(ended, func(a, b Item) int { return strings.Compare(a.ID, b.ID) })
	ev.Items = append(ev.Items, ended...)
	return ev
}

// staffIndex answers "is this person still staff": an active agent or
// admin in Zendesk, a member of the organization in GitHub.
type staffIndex struct {
	saas string
	// The SaaS's words, worked out once rather than per credential: how a
	// user id is named ("Zendesk user "), and the reasons' formats saying
	// someone is no longer staff ("… a Zendesk agent or admin").
	userWords, ownerGone, actsAsGone string
	// staff are the members as synced, nil before the first sync (the
	// rules that need them then do not apply); patched are the changes
	// the bot made since, which stand over them.
	staff   *roster
	patched *roster
	// departed are the directory's leavers by email, with when they left.
	departed map[string]time.Time
}

// staffMember is what the rules need of a member.
type staffMember struct {
	email     string
	suspended bool
}

// roster is a set of members by id and by email, in any case. gone are
// ids a patch took out.
type roster struct {
	byID    map[int64]staffMember
	byEmail map[string]int64
	gone    map[int64]bool
}

func newRoster(staff []connector.Staff) *roster {
	r := &roster{byID: make(map[int64]staffMember, len(staff)), byEmail: make(map[string]int64, len(staff))}
	for _, u := range staff {
		r.add(u)
	}
	return r
}

func (r *roster) add(u connector.Staff) {
	r.byID[u.ID] = staffMember{email: u.Email, suspended: u.Suspended}
	if u.Email != "" {
		r.byEmail[strings.ToLower(u.Email)] = u.ID
	}
}

// patchRoster is the roster of patches: the members put, and those gone.
func patchRoster(patches []store.MemberPatch) *roster {
	if len(patches) == 0 {
		return nil
	}
	r := &roster{byID: map[int64]staffMember{}, byEmail: map[string]int64{}, gone: map[int64]bool{}}
	for _, p := range patches {
		if p.Member == nil {
			r.gone[p.ID] = true
		} else {
			r.add(*p.Member)
		}
	}
	return r
}

func newStaffIndex(staff, patched *roster, saas string) staffIndex {
	ix := staffIndex{saas: connector.OrZendesk(saas), staff: staff, patched: patched}
	words := "a " + connector.Title(ix.saas) + " agent or admin"
	if ix.saas == connector.GitHub {
		words = "a member of the GitHub organization"
	}
	ix.userWords = connector.Title(ix.saas) + " user "
	ix.ownerGone, ix.actsAsGone = "Its owner %s is no longer "+words, "It acts as %s, who is no longer "+words
	return ix
}

// known reports whether the staff are known (a sync has run).
func (ix staffIndex) known() bool { return ix.staff != nil }

// byID is the member with id, as patched.
func (ix staffIndex) byID(id int64) (staffMember, bool) {
	if !ix.known() {
		return staffMember{}, false
	}
	if p := ix.patched; p != nil {
		if m, ok := p.byID[id]; ok {
			return m, true
		}
		if p.gone[id] {
			return staffMember{}, false
		}
	}
	m, ok := ix.staff.byID[id]
	return m, ok
}

// byEmail is the member with email, in any case, as patched: a member
// a patch changed is found only by the email the patch gave them.
func (ix staffIndex) byEmail(email string) (staffMember, bool) {
	if !ix.known() {
		return staffMember{}, false
	}
	email = strings.ToLower(email)
	if p := ix.patched; p != nil {
		if id, ok := p.byEmail[email]; ok {
			return p.byID[id], true
		}
	}
	id, ok := ix.staff.byEmail[email]
	if !ok {
		return staffMember{}, false
	}
	if p := ix.patched; p != nil {
		if _, changed := p.byID[id]; changed || p.gone[id] {
			return staffMember{}, false
		}
	}
	return ix.staff.byID[id], true
}

// judge applies the orphan rules and flags to one present credential.
func judge(it *Item, staff staffIndex, p Policy, now time.Time) {
	e := it.Entry
	if e.State.Ended() {
		return
	}
	add := func(code ReasonCode, format string, args ...any) {
		it.Reasons = append(it.Reasons, Reason{Code: code, Text: fmt.Sprintf(format, args...)})
	}
	flag := func(code FlagCode, format string, args ...any) {
		it.Flags = append(it.Flags, Flag{Code: code, Text: fmt.Sprintf(format, args...)})
	}
	today := dateIn(now, p.Location)

	switch {
	case e.Owner == "" && it.Kind == App:
		add(NoOwner, "Installed with no owner: nobody answers for what it can reach")
	case e.Owner == "":
		add(NoOwner, "No owner: nobody has claimed it")
	case !staff.departed[e.Owner].IsZero():
		add(OwnerGone, "Its owner %s left on %s", e.Owner, staff.departed[e.Owner].In(p.Location).Format("2 Jan 2006"))
	case staff.known():
		if u, ok := staff.byEmail(e.Owner); !ok {
			add(OwnerGone, staff.ownerGone, e.Owner)
		} else if u.suspended {
			add(OwnerGone, "Its owner %s is suspended in %s", e.Owner, connector.Title(staff.saas))
		}
	}
	if it.ActsAs != 0 && staff.known() {
		who := it.ActsAsLabel
		if u, ok := staff.byID(it.ActsAs); !ok {
			add(ActsAsGone, staff.actsAsGone, who)
		} else if u.suspended {
			add(ActsAsGone, "It acts as %s, who is suspended", who)
		}
	}
	if it.Kind != App && it.Active {
		last := it.lastSeen()
		if days := int(today.Sub(dateIn(last, p.Location)).Hours() / 24); days >= p.UnusedDays {
			if it.LastUsedAt.IsZero() {
				add(Unused, "Never used in the %d days since it was created", days)
			} else {
				add(Unused, "Unused for %d days (last used %s)", days, last.In(p.Location).Format("2 Jan 2006"))
			}
		}
	}
	if it.Kind.scoped() && len(e.Scopes) > 0 {
		if extra := broader(it.Scopes, e.Scopes); len(extra) > 0 {
			add(BroaderScopes, "Holds %s, more than its stated need (%s)", strings.Join(extra, ", "), strings.Join(e.Scopes, ", "))
		}
	}
	if !e.NextReview.IsZero() && !dateIn(e.NextReview, p.Location).After(today) {
		add(ReviewOverdue, "Its review was due on %s", e.NextReview.In(p.Location).Format("2 Jan 2006"))
	}

	if it.Kind == APIToken {
		it.DaysLeft = max(0, int(APITokenRetirement.Sub(today).Hours()/24))
		// A token Zendesk turned off already has no countdown left to it.
		if it.Active {
			flag(Retiring, "Zendesk deactivates every API token on 30 Apr 2027: %d %s left", it.DaysLeft, plural(it.DaysLeft, "day", "days"))
		}
		switch idle := int(today.Sub(dateIn(it.lastSeen(), p.Location)).Hours() / 24); {
		case !it.Active:
			if gone := dateIn(it.lastSeen(), p.Location).AddDate(0, 0, autoDeactivateDays+deleteAfterDays); gone.After(today) {
				flag(Deactivated, "Deactivated by Zendesk; it is deleted around %s", gone.Format("2 Jan 2006"))
			} else {
				flag(Deactivated, "Deactivated by Zendesk and due to be deleted")
			}
		case idle >= autoDeactivateDays:
			// Still on past the rule: Zendesk may turn it off any day. The
			// days unused are said once, by the unused reason when it is there.
			said := slices.ContainsFunc(it.Reasons, func(r Reason) bool { return r.Code == Unused })
			if said {
				flag(AutoDeactivation, "Past the %d days unused after which Zendesk turns tokens off: it can be deactivated any day", autoDeactivateDays)
			} else {
				flag(AutoDeactivation, "Unused for %d days, past the %d after which Zendesk turns unused tokens off: it can be deactivated any day", idle, autoDeactivateDays)
			}
		case idle >= warnDeactivateDays:
			off := dateIn(it.lastSeen(), p.Location).AddDate(0, 0, autoDeactivateDays)
			flag(AutoDeactivation, "About to be auto-deactivated: unused for %d days, Zendesk turns it off around %s", idle, off.Format("2 Jan 2006"))
		}
	}
	if it.Kind == FineGrainedToken {
		expiry(it, today, p.Location, flag)
	}
	if m := e.Migration; m != nil && e.State == Migrating {
		if left := int(dateIn(m.Deadline, p.Location).Sub(today).Hours() / 24); left <= 14 {
			if left < 0 {
				flag(MigrationDue, "The move to OAuth was due on %s", m.Deadline.In(p.Location).Format("2 Jan 2006"))
			} else {
				flag(MigrationDue, "The move to OAuth is due on %s (%d %s left)", m.Deadline.In(p.Location).Format("2 Jan 2006"), left, plural(left, "day", "days"))
			}
		}
	}
}

// expiry flags a fine-grained token's expiry: past, near, or never.
func expiry(it *Item, today time.Time, loc *time.Location, flag func(FlagCode, string, ...any)) {
	if it.ExpiresAt.IsZero() {
		flag(NoExpiry, "Never expires: GitHub recommends an expiry on every fine-grained token")
		return
	}
	day := dateIn(it.ExpiresAt, loc)
	switch left := int(day.Sub(today).Hours() / 24); {
	case !it.Active || left < 0:
		flag(Expired, "Expired on %s; revoking its access tidies the organization's list", day.Format("2 Jan 2006"))
	case left <= expiringDays:
		flag(Expiring, "Expires on %s (%d %s left): renew it or let it go", day.Format("2 Jan 2006"), left, plural(left, "day", "days"))
	}
}

// actsAsLabel names the user a credential acts as.
func actsAsLabel(c Credential, staff staffIndex) string {
	if u, ok := staff.byID(c.ActsAs); ok && u.email != "" {
		return u.email
	}
	if c.ActsAsEmail != "" {
		return c.ActsAsEmail
	}
	if c.ActsAsName != "" && staff.saas == connector.GitHub {
		return staff.userWords + c.ActsAsName
	}
	return staff.userWords + strconv.FormatInt(c.ActsAs, 10)
}

// broader is the scopes of held that stated does not cover. A stated
// scope covers the held ones it ends ("read" covers "users:read";
// "contents:write" covers GitHub's "repository:contents:write").
func broader(held, stated []string) []string {
	var extra []string
	for _, h := range held {
		if !slices.ContainsFunc(stated, func(s string) bool { return covers(s, h) }) {
			extra = append(extra, h)
		}
	}
	return extra
}

func covers(stated, held string) bool {
	stated, held = strings.ToLower(strings.TrimSpace(stated)), strings.ToLower(strings.TrimSpace(held))
	return stated == held || (stated != "" && strings.HasSuffix(held, ":"+stated))
}

// dateIn is t's calendar date in loc, as midnight UTC, for counting days.
func dateIn(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Summary counts the register for `tokens`.
type Summary struct {
	// ByKind counts present credentials by kind and state.
	ByKind   map[Kind]map[State]int
	Orphaned map[Kind]int
	// APITokens is the retirement countdown.
	APITokens Countdown
}

// Countdown is where the account stands on API token retirement.
type Countdown struct {
	DaysLeft int
	// Remaining are the API tokens still in Zendesk (active or not).
	Remaining int
	Active    int
	// UsedRecently were used in the last 30 days: something breaks when
	// they go.
	UsedRecently []Item
	// Owners counts the remaining tokens by owner ("" for nobody).
	Owners    map[string]int
	Migrating int
	ToRetire  int
	Disabled  bool // token access is off in the account
}

// Summarize counts an evaluation.
func (ev Evaluation) Summarize(loc *time.Location) Summary {
	if loc == nil {
		loc = time.UTC
	}
	sum := Summary{ByKind: map[Kind]map[State]int{}, Orphaned: map[Kind]int{}, APITokens: Countdown{Owners: map[string]int{}}}
	today := dateIn(ev.At, loc)
	sum.APITokens.DaysLeft = max(0, int(APITokenRetirement.Sub(today).Hours()/24))
	if ev.Inventory != nil {
		sum.APITokens.Disabled = ev.Inventory.APITokensDisabled
	}
	for _, it := range ev.Items {
		if sum.ByKind[it.Kind] == nil {
			sum.ByKind[it.Kind] = map[State]int{}
		}
		sum.ByKind[it.Kind][it.Entry.State]++
		if !it.Present {
			continue
		}
		if it.Orphaned() {
			sum.Orphaned[it.Kind]++
		}
		if it.Kind != APIToken {
			continue
		}
		c := &sum.APITokens
		c.Remaining++
		c.Owners[it.Entry.Owner]++
		if it.Active {
			c.Active++
		}
		switch it.Entry.State {
		case Migrating:
			c.Migrating++
		case ToRetire:
			c.ToRetire++
		}
		if !it.LastUsedAt.IsZero() && today.Sub(dateIn(it.LastUsedAt, loc)) <= 30*24*time.Hour {
			c.UsedRecently = append(c.UsedRecently, it)
		}
	}
	return sum
}
