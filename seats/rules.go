// Package seats holds the seat rules: which Zendesk staff hold a paid seat,
// what each costs, and which are inactive. Commands and jobs both ask these
// questions, so the answers live here and nowhere else.
package seats

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

// Policy is the part of the operator's policy the seat rules read.
type Policy struct {
	// InactivityDays: a seat with no login for this many calendar days (in
	// Location) is inactive.
	InactivityDays int
	Location       *time.Location
	Pricing        Pricing
	// NonSeatRoles names custom roles that hold no paid seat besides the
	// light-agent and contributor roles Zendesk already exempts.
	NonSeatRoles []string
}

// Pricing is the monthly cost of one seat, in Currency.
type Pricing struct {
	Agent    float64
	Admin    float64
	Currency string
	// Roles overrides Agent for agents on the named custom role.
	Roles map[string]float64
	// Seats prices the seats other connectors name ("copilot_business").
	Seats map[string]float64
}

// Category is how a paid seat is reported. It is a byte, not a word: a
// large account's view holds one per member.
type Category uint8

// Categories of paid seats. Suspended seats are their own category because
// Zendesk still bills them, which surprises most admins.
const (
	CategoryAgent Category = iota
	CategoryAdmin
	CategorySuspended
)

// String names the category as logs and tests read it.
func (c Category) String() string {
	switch c {
	case CategoryAgent:
		return "agent"
	case CategoryAdmin:
		return "admin"
	case CategorySuspended:
		return "suspended"
	}
	return fmt.Sprintf("Category(%d)", uint8(c))
}

// Categories lists the categories in report order.
var Categories = []Category{CategoryAdmin, CategoryAgent, CategorySuspended}

// Free-seat kinds: staff that hold no paid seat, and why. The connector
// says most; the policy's non-seat roles are the seat rules' own.
const (
	FreeLightAgent    = connector.FreeLightAgent
	FreeContributor   = connector.FreeContributor
	FreeNoCopilot     = connector.FreeNoCopilot
	FreeCopilotEnding = connector.FreeCopilotEnding
	FreeNonSeatRole   = "non-seat role"
)

// Seat is one staff member judged by the rules. A large account's view
// holds a Seat per member, so what the member's own record says (the
// role's name, why a seat is free, the last activity) is read from User
// by the methods below, not copied.
type Seat struct {
	User   connector.Staff
	Groups []string
	// DefaultGroup names the seat's default group ("" for none, or a
	// deleted one): its owner answers for the seat (Owners).
	DefaultGroup string
	DaysInactive int
	MonthlyCost  float64
	Category     Category
	// Paid is false for staff the connector says hold no paid seat and
	// for NonSeatRoles; Free then says why.
	Paid bool
	// NeverLoggedIn: LastActivity is the creation time.
	NeverLoggedIn bool
	Inactive      bool
}

// RoleName is the custom role's name, or "Admin"/"Agent" without one.
func (s Seat) RoleName() string { return s.User.Title() }

// Free says why a seat is not paid: the connector says it holds no paid
// seat, or its role is one of the policy's NonSeatRoles (the only reason
// a seat the connector calls paid is judged free); "" when it is paid.
func (s Seat) Free() string {
	if !s.Paid && s.User.Paid() {
		return FreeNonSeatRole
	}
	return s.User.Free
}

// LastActivity is the last login, or the creation time for someone who
// never logged in (NeverLoggedIn).
func (s Seat) LastActivity() time.Time {
	if s.User.LastActivity != nil {
		return *s.User.LastActivity
	}
	return s.User.CreatedAt
}

// Index is a snapshot prepared for repeated seat questions: group names
// by id and memberships by user.
type Index struct {
	groupNames  map[int64]string
	userGroups  map[int64][]string
	nonSeatRole map[string]bool
}

// NewIndex prepares snap for Evaluate.
func NewIndex(snap *store.Snapshot, p Policy) *Index {
	ix := &Index{
		groupNames:  make(map[int64]string, len(snap.Groups)),
		userGroups:  make(map[int64][]string),
		nonSeatRole: make(map[string]bool, len(p.NonSeatRoles)),
	}
	for _, g := range snap.Groups {
		if !g.Deleted {
			ix.groupNames[g.ID] = g.Name
		}
	}
	for _, m := range snap.Memberships {
		if name, ok := ix.groupNames[m.GroupID]; ok {
			ix.userGroups[m.UserID] = append(ix.userGroups[m.UserID], name)
		}
	}
	for uid := range ix.userGroups {
		slices.Sort(ix.userGroups[uid])
	}
	for _, n := range p.NonSeatRoles {
		ix.nonSeatRole[strings.ToLower(n)] = true
	}
	return ix
}

// place names s's groups and default group, the only part of a seat's
// judgement the groups decide.
func (ix *Index) place(s *Seat) {
	s.Groups, s.DefaultGroup = ix.userGroups[s.User.ID], ""
	if s.User.DefaultGroupID != nil {
		s.DefaultGroup = ix.groupNames[*s.User.DefaultGroupID]
	}
}

// Evaluate judges one staff member at now.
func (ix *Index) Evaluate(u connector.Staff, p Policy, now time.Time) Seat {
	s := Seat{User: u, Paid: u.Paid(), NeverLoggedIn: u.LastActivity == nil}
	ix.place(&s)
	// Admins always hold a seat, whatever custom role they carry.
	if s.Paid && !u.Privileged && u.RoleID != nil && ix.nonSeatRole[strings.ToLower(u.Title())] {
		s.Paid = false
	}

	switch {
	case u.Suspended:
		s.Category = CategorySuspended
	case u.Privileged:
		s.Category = CategoryAdmin
	default:
		s.Category = CategoryAgent
	}
	if s.Paid {
		s.MonthlyCost = p.Pricing.seatPrice(u)
	}
	s.DaysInactive = CalendarDaysBetween(s.LastActivity(), now, p.Location)
	s.Inactive = s.DaysInactive >= p.InactivityDays
	return s
}

func (pr Pricing) seatPrice(u connector.Staff) float64 {
	switch seat := u.SeatName(); seat {
	case "admin":
		return pr.Admin
	case "agent":
		if price, ok := pr.Roles[u.RoleName]; ok && u.RoleID != nil {
			return price
		}
		return pr.Agent
	default:
		return pr.Seats[seat]
	}
}

// CalendarDaysBetween counts the calendar days from from's date to to's date
// in loc. Inactivity is counted in days as people read a calendar in the
// policy's time zone, so a login at 23:30 on Monday and a check at 00:10 on
// Tuesday are one day apart. A from after to counts as zero.
func CalendarDaysBetween(from, to time.Time, loc *time.Location) int {
	if loc == nil {
		loc = time.UTC
	}
	if !from.Before(to) {
		return 0
	}
	fy, fm, fd := from.In(loc).Date()
	ty, tm, td := to.In(loc).Date()
	// Dates rebuilt in UTC are exactly 24h apart per day, whatever DST did.
	a := time.Date(fy, fm, fd, 0, 0, 0, 0, time.UTC)
	b := time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a) / (24 * time.Hour))
}
