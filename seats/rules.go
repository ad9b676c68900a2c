// Package seats holds the seat rules: which Zendesk staff hold a paid seat,
// what each costs, and which are inactive. Commands and jobs both ask these
// questions, so the answers live here and nowhere else.
package seats

import (
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// Zendesk role_type values that matter to seat counting.
const (
	roleTypeLightAgent  = 1
	roleTypeContributor = 3
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
}

// Category is how a paid seat is reported.
type Category string

// Categories of paid seats. Suspended seats are their own category because
// Zendesk still bills them, which surprises most admins.
const (
	CategoryAdmin     Category = "admin"
	CategoryAgent     Category = "agent"
	CategorySuspended Category = "suspended"
)

// Categories lists the categories in report order.
var Categories = []Category{CategoryAdmin, CategoryAgent, CategorySuspended}

// Free-seat kinds: staff that hold no paid seat, and why.
const (
	FreeLightAgent  = "light agent"
	FreeContributor = "contributor"
	FreeNonSeatRole = "non-seat role"
)

// Seat is one staff member judged by the rules.
type Seat struct {
	User store.StaffUser
	// Paid is false for light agents, contributors and NonSeatRoles; Free
	// then says which.
	Paid     bool
	Free     string
	Category Category
	// RoleName is the custom role's name, or "Admin"/"Agent" without one.
	RoleName string
	Groups   []string
	// DefaultGroup names the seat's default group ("" for none, or a
	// deleted one): its owner answers for the seat (Owners).
	DefaultGroup string
	// LastActivity is the last login, or the creation time for someone who
	// never logged in (NeverLoggedIn).
	LastActivity  time.Time
	NeverLoggedIn bool
	DaysInactive  int
	Inactive      bool
	MonthlyCost   float64
}

// Index is a snapshot prepared for repeated seat questions: roles and groups
// by id, memberships by user.
type Index struct {
	roles       map[int64]store.CustomRole
	groupNames  map[int64]string
	userGroups  map[int64][]string
	nonSeatRole map[string]bool
}

// NewIndex prepares snap for Evaluate.
func NewIndex(snap *store.Snapshot, p Policy) *Index {
	ix := &Index{
		roles:       make(map[int64]store.CustomRole, len(snap.CustomRoles)),
		groupNames:  make(map[int64]string, len(snap.Groups)),
		userGroups:  make(map[int64][]string),
		nonSeatRole: make(map[string]bool, len(p.NonSeatRoles)),
	}
	for _, r := range snap.CustomRoles {
		ix.roles[r.ID] = r
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

// Evaluate judges one staff member at now.
func (ix *Index) Evaluate(u store.StaffUser, p Policy, now time.Time) Seat {
	s := Seat{User: u, Groups: ix.userGroups[u.ID], Paid: true}
	if u.DefaultGroupID != nil {
		s.DefaultGroup = ix.groupNames[*u.DefaultGroupID]
	}
	role, hasRole := store.CustomRole{}, false
	if u.CustomRoleID != nil {
		role, hasRole = ix.roles[*u.CustomRoleID]
	}
	switch {
	case hasRole:
		s.RoleName = role.Name
	case u.Role == "admin":
		s.RoleName = "Admin"
	default:
		s.RoleName = "Agent"
	}

	roleType := -1
	if u.RoleType != nil {
		roleType = *u.RoleType
	} else if hasRole {
		roleType = role.RoleType
	}
	switch {
	case u.Role == "admin":
		// Admins always hold a seat, whatever custom role they carry.
	case roleType == roleTypeLightAgent || (hasRole && role.LightAgent):
		s.Paid, s.Free = false, FreeLightAgent
	case roleType == roleTypeContributor:
		s.Paid, s.Free = false, FreeContributor
	case hasRole && ix.nonSeatRole[strings.ToLower(role.Name)]:
		s.Paid, s.Free = false, FreeNonSeatRole
	}

	switch {
	case u.Suspended:
		s.Category = CategorySuspended
	case u.Role == "admin":
		s.Category = CategoryAdmin
	default:
		s.Category = CategoryAgent
	}
	if s.Paid {
		s.MonthlyCost = p.Pricing.seatPrice(u.Role, s.RoleName, hasRole)
	}

	if u.LastLoginAt != nil {
		s.LastActivity = *u.LastLoginAt
	} else {
		s.LastActivity, s.NeverLoggedIn = u.CreatedAt, true
	}
	s.DaysInactive = CalendarDaysBetween(s.LastActivity, now, p.Location)
	s.Inactive = s.DaysInactive >= p.InactivityDays
	return s
}

func (pr Pricing) seatPrice(role, roleName string, hasRole bool) float64 {
	if role == "admin" {
		return pr.Admin
	}
	if price, ok := pr.Roles[roleName]; ok && hasRole {
		return price
	}
	return pr.Agent
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
