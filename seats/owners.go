package seats

import (
	"github.com/seatwarden/seatwarden/people"
)

// Owners is the owner rule: who answers for a seat. A seat belongs to the
// owner of its default group; a seat in no listed group (or in none) to
// the default owner. Commands, jobs and digests all ask it, so the rule
// lives here once. The zero value names nobody.
type Owners struct {
	groups  []GroupOwner
	byGroup map[string]string
	def     string
	// managerOf, when set, names the holder's manager, who answers for a
	// seat of no listed group before the default owner does.
	managerOf func(email string) string
}

// WithManagers is o with the holder's manager answering for seats of
// groups not listed (the policy's "manager: true"): managerOf names the
// manager of an email, "" when none is known, and the default owner
// answers then. Nobody answers for their own seat.
func (o Owners) WithManagers(managerOf func(email string) string) Owners {
	o.managerOf = managerOf
	return o
}

// GroupOwner names who answers for the seats of one group.
type GroupOwner struct {
	Group string
	Owner string
}

// NewOwners builds the rule from the policy's list: def answers for seats
// of groups not listed ("" leaves them unowned); a group listed twice
// keeps its first owner.
func NewOwners(def string, groups ...GroupOwner) Owners {
	o := Owners{def: def, byGroup: make(map[string]string, len(groups))}
	for _, g := range groups {
		if _, dup := o.byGroup[g.Group]; dup || g.Group == "" {
			continue
		}
		o.byGroup[g.Group] = g.Owner
		o.groups = append(o.groups, g)
	}
	return o
}

// Of returns who answers for s, or "" when the policy names nobody.
func (o Owners) Of(s Seat) string {
	if _, listed := o.byGroup[s.DefaultGroup]; !listed && o.managerOf != nil && s.User.Email != "" {
		if m := o.managerOf(s.User.Email); m != "" && !people.Same(m, s.User.Email) {
			return m
		}
	}
	return o.OfGroup(s.DefaultGroup)
}

// OfGroup returns who answers for seats whose default group is named
// group; "" (no default group) goes to the default owner.
func (o Owners) OfGroup(group string) string {
	if owner, ok := o.byGroup[group]; ok {
		return owner
	}
	return o.def
}

// Default is who answers for seats of groups not listed.
func (o Owners) Default() string { return o.def }

// GroupsOf lists the groups email answers for, in policy order.
func (o Owners) GroupsOf(email string) []string {
	var out []string
	for _, g := range o.groups {
		if people.Same(g.Owner, email) {
			out = append(out, g.Group)
		}
	}
	return out
}

// IsDefault reports whether email is the default owner.
func (o Owners) IsDefault(email string) bool { return people.Same(o.def, email) }
