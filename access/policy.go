package access

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/people"
)

// Policy is what the access rules read from the operator's policy.
type Policy struct {
	// Roles are the grantable roles by name as people ask for them
	// ("admin", or a custom role's name), compared without case.
	Roles map[string]RolePolicy
	// MinDuration is the shortest grant; default 15 minutes.
	MinDuration time.Duration
	// DefaultDuration is a grant's length when the request names none.
	DefaultDuration time.Duration
	// WarnBefore is how long before its end the holder is warned.
	WarnBefore time.Duration
	// SelfExtend is how much a holder may add to a grant once without
	// approval; 0 means every extension goes to approvers.
	SelfExtend time.Duration
	// BreakGlass is the longest grant taken at once without approval; 0
	// means break-glass is off.
	BreakGlass time.Duration
	// StandingAllowed are the people, by email, allowed to hold a
	// privileged role without a grant (the account owner, a break-glass
	// account).
	StandingAllowed []string
	// AccountOwner is the SaaS account's owner, by email. Zendesk will not
	// change the owner's role, and its API does not say who the owner is,
	// so the policy does: the owner holds admin standing, is never
	// demoted, asked about in a privilege review or reported as a shadow.
	AccountOwner string
	// VerifyBy is who confirms a request is real before its approvers
	// see it, for roles that do not say otherwise.
	VerifyBy Confirmer
}

// Confirmer is who confirms an access request is real, by number
// matching with the requester, before approvers see it.
type Confirmer string

// Confirmers. None, and the zero value of Policy.VerifyBy, ask nobody;
// a role's zero value follows Policy.VerifyBy.
const (
	ConfirmByManager Confirmer = "manager" // the requester's manager
	ConfirmByPeer    Confirmer = "peer"    // a colleague the requester names
	ConfirmByNone    Confirmer = "none"
)

// ConfirmedBy is who confirms requests for role: "" when nobody does.
func (p Policy) ConfirmedBy(role string) Confirmer {
	by := p.VerifyBy
	if r, ok := p.Grantable(role); ok && r.VerifyBy != "" {
		by = r.VerifyBy
	}
	if by == ConfirmByNone {
		return ""
	}
	return by
}

// AsksPeers reports whether requests for some role are confirmed by a
// peer the requester names, so the request form asks for one.
func (p Policy) AsksPeers() bool {
	q := p.WithDefaults()
	for name := range q.Roles {
		if q.ConfirmedBy(name) == ConfirmByPeer {
			return true
		}
	}
	return false
}

// Allowance is why someone may hold a privileged role standing; "" when
// nothing allows it.
type Allowance string

// Allowances.
const (
	AllowedOwner  Allowance = "the account owner"
	AllowedPolicy Allowance = "access.standing_allowed"
	AllowedKept   Allowance = "kept"
)

// IsOwner reports whether email is the account owner's.
func (p Policy) IsOwner(email string) bool {
	return p.AccountOwner != "" && people.Same(p.AccountOwner, email)
}

// allowance is what the policy says of email holding privilege standing.
func (p Policy) allowance(email string) Allowance {
	switch {
	case p.IsOwner(email):
		return AllowedOwner
	case slices.ContainsFunc(p.StandingAllowed, func(e string) bool { return people.Same(e, email) }):
		return AllowedPolicy
	}
	return ""
}

// RolePolicy is one grantable role's rules.
type RolePolicy struct {
	// MaxDuration is the longest one grant of the role lasts.
	MaxDuration time.Duration
	// HighRisk roles need the policy's high-risk quorum of approvals;
	// admin always does.
	HighRisk bool
	// VerifyBy overrides Policy.VerifyBy for this role; "" follows it.
	VerifyBy Confirmer
}

// Defaults for what the policy leaves out.
const (
	DefaultMinDuration   = 15 * time.Minute
	DefaultGrantDuration = time.Hour
	DefaultMaxDuration   = 4 * time.Hour
	DefaultWarnBefore    = 10 * time.Minute
	RoleAdmin            = "admin"
)

// WithDefaults fills what p leaves out: admin grantable for up to four
// hours when no role is listed.
func (p Policy) WithDefaults() Policy {
	if p.MinDuration <= 0 {
		p.MinDuration = DefaultMinDuration
	}
	if p.DefaultDuration <= 0 {
		p.DefaultDuration = max(DefaultGrantDuration, p.MinDuration)
	}
	if p.WarnBefore <= 0 {
		p.WarnBefore = DefaultWarnBefore
	}
	if len(p.Roles) == 0 {
		p.Roles = map[string]RolePolicy{RoleAdmin: {MaxDuration: DefaultMaxDuration, HighRisk: true}}
	}
	roles := make(map[string]RolePolicy, len(p.Roles))
	for name, r := range p.Roles {
		if r.MaxDuration <= 0 {
			r.MaxDuration = DefaultMaxDuration
		}
		if strings.EqualFold(name, RoleAdmin) {
			r.HighRisk = true
		}
		roles[strings.ToLower(name)] = r
	}
	p.Roles = roles
	return p
}

// Grantable returns the role's rules and its name as the policy spells
// it; false when the role is not grantable.
func (p Policy) Grantable(role string) (RolePolicy, bool) {
	r, ok := p.Roles[strings.ToLower(strings.TrimSpace(role))]
	return r, ok
}

// RoleNames lists the grantable roles, admin first, for messages.
func (p Policy) RoleNames() []string {
	var names []string
	for name := range p.Roles {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		switch {
		case a == RoleAdmin:
			return -1
		case b == RoleAdmin:
			return 1
		}
		return strings.Compare(a, b)
	})
	return names
}

// CheckRole says why role cannot be granted, or nil.
func (p Policy) CheckRole(role string) error {
	if _, ok := p.Grantable(role); ok {
		return nil
	}
	if strings.TrimSpace(role) == "" {
		return fmt.Errorf("name a role to ask for: %s", strings.Join(p.RoleNames(), ", "))
	}
	return fmt.Errorf("%q is not a role you can ask for; grantable: %s", clip(role, 40), strings.Join(p.RoleNames(), ", "))
}

// CheckExtension says why a grant of role may not run for left more (what
// it has left at the moment, plus the extension), or nil: no extension
// makes a grant outlast the role's maximum from now.
func (p Policy) CheckExtension(role string, left, more time.Duration) error {
	r, ok := p.Grantable(role)
	switch {
	case !ok:
		return p.CheckRole(role)
	case more <= 0:
		return fmt.Errorf("extend by a length of time: use %s", DurationExamples)
	case left+more > r.MaxDuration:
		can := r.MaxDuration - left
		if can < time.Minute {
			return fmt.Errorf("%s may be held at most %s at a time, and this grant has %s left: it cannot be extended now", role, Format(r.MaxDuration), Format(left))
		}
		return fmt.Errorf("%s may be held at most %s at a time; with %s left, extend by %s or less", role, Format(r.MaxDuration), Format(left), Format(can))
	}
	return nil
}

// CheckBreakGlass says why role cannot be taken by break-glass for d, or
// nil.
func (p Policy) CheckBreakGlass(role string, d time.Duration) error {
	switch {
	case p.BreakGlass <= 0:
		return ErrBreakGlassOff
	case d <= 0 || d > p.BreakGlass:
		return fmt.Errorf("break-glass lasts at most %s", Format(p.BreakGlass))
	}
	return p.CheckRole(role)
}

// ErrBreakGlassOff: the policy does not allow break-glass.
var ErrBreakGlassOff = errors.New("break-glass is off: the policy's access.break_glass.enabled is false; ask with access request, or ask an admin")

// CheckDuration says why d is not a grant's length for role, or nil.
func (p Policy) CheckDuration(role string, d time.Duration) error {
	r, ok := p.Grantable(role)
	if !ok {
		return p.CheckRole(role)
	}
	switch {
	case d < p.MinDuration:
		return fmt.Errorf("%s is shorter than the shortest grant, %s; ask for %s or more", Format(d), Format(p.MinDuration), Format(p.MinDuration))
	case d > r.MaxDuration:
		return fmt.Errorf("%s is longer than %s may be held, %s; ask for %s or less", Format(d), role, Format(r.MaxDuration), Format(r.MaxDuration))
	}
	return nil
}
