// Package wiring translates the operator's policy file (package config)
// into each domain package's own policy type, so neither config nor the
// domain imports the other. The binary and the load programs share it.
package wiring

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/stepup"
	"github.com/seatwarden/seatwarden/verify"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/editdist"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/watch"
)

// SeatPolicy is the part of the policy the seat rules read.
func SeatPolicy(p config.Policy) seats.Policy {
	return seats.Policy{
		InactivityDays: p.InactivityDays,
		Location:       p.Location(),
		Pricing: seats.Pricing{
			Agent:    p.Pricing.Agent,
			Admin:    p.Pricing.Admin,
			Currency: p.Pricing.Currency,
			Roles:    p.Pricing.Roles,
		},
		NonSeatRoles: p.NonSeatRoles,
	}
}

// SeatOwners is the policy's owners list as the owner rule. The file lists
// group owners and at most one default in any order; a later default
// replaces an earlier one.
func SeatOwners(p config.Policy) seats.Owners { return owners(p.Owners) }

// GitHubSeatPolicy is the seat rules for the GitHub organisation: Copilot
// seats priced by plan in the policy's currency, inactive after
// github.inactivity_days (inactivity_days when unset).
func GitHubSeatPolicy(p config.Policy) seats.Policy {
	return seats.Policy{
		InactivityDays: cmp.Or(p.GitHub.InactivityDays, p.InactivityDays),
		Location:       p.Location(),
		Pricing: seats.Pricing{
			Currency: p.Pricing.Currency,
			Seats: map[string]float64{
				connector.SeatCopilotBusiness:   p.GitHub.Pricing.CopilotBusiness,
				connector.SeatCopilotEnterprise: p.GitHub.Pricing.CopilotEnterprise,
			},
		},
	}
}

// GitHubOwners is github.owners as the owner rule, by the seat's team.
func GitHubOwners(p config.Policy) seats.Owners { return owners(p.GitHub.Owners) }

// ByManager reports whether the holder's manager answers for seats of
// groups an owners list does not name: when the list says manager: true,
// and, with a company directory, as the fallback when the list names no
// default owner either, rather than leave the seat unowned.
func ByManager(list []config.Owner, directory bool) bool {
	if slices.ContainsFunc(list, func(o config.Owner) bool { return o.Manager }) {
		return true
	}
	return directory && !slices.ContainsFunc(list, func(o config.Owner) bool { return o.Default != "" })
}

func owners(list []config.Owner) seats.Owners {
	var (
		def    string
		groups []seats.GroupOwner
	)
	for _, item := range list {
		if item.Default != "" {
			def = item.Default
			continue
		}
		groups = append(groups, seats.GroupOwner{Group: item.Group, Owner: item.Owner})
	}
	return seats.NewOwners(def, groups...)
}

// ReviewPolicy is Zendesk's seat review: Remove demotes or suspends as
// review.remove_action says, Downgrade moves to review.downgrade_role_id,
// and review.on_silence may downgrade unanswered seats.
func ReviewPolicy(p config.Policy) reviews.Policy {
	removeAction := reviews.ChangeDemote
	if p.Review.RemoveAction == config.RemoveActionSuspend {
		removeAction = reviews.ChangeSuspend
	}
	return reviews.Policy{
		Location:           p.Location(),
		KeepMaxDays:        p.Review.KeepMaxDays,
		SnoozeDays:         p.Review.SnoozeDays,
		RemoveAction:       removeAction,
		DowngradeRoleID:    p.Review.DowngradeRoleID,
		DowngradeOnSilence: p.Review.OnSilence == config.OnSilenceDowngrade,
		StepUpRemove:       slices.Contains(p.StepUp.For, config.StepUpSeatRemove),
	}
}

// GitHubReviewPolicy is the review of Copilot seats: Remove frees the
// seat as github.remove_action says (the connector's business), and a
// Copilot seat has no downgrade, so unanswered seats are escalated
// whatever review.on_silence says.
func GitHubReviewPolicy(p config.Policy) reviews.Policy {
	return reviews.Policy{
		Location:     p.Location(),
		KeepMaxDays:  p.Review.KeepMaxDays,
		SnoozeDays:   p.Review.SnoozeDays,
		RemoveAction: reviews.ChangeDemote,
		StepUpRemove: slices.Contains(p.StepUp.For, config.StepUpSeatRemove),
	}
}

// AccessPolicy is the policy of just-in-time privileged access: the roles
// of access.roles by their names lower-cased, and the grant lengths.
// WithDefaults fills what a hand-built policy leaves out and keeps admin
// high risk. access.break_glass, access.self_extension,
// access.standing_allowed and access.keep_max_days have no place in
// access.Policy (yet), so they are not carried here.
func AccessPolicy(p config.Policy) access.Policy {
	a := p.Access
	var roles map[string]access.RolePolicy
	if len(a.Roles) > 0 {
		roles = make(map[string]access.RolePolicy, len(a.Roles))
		for name, r := range a.Roles {
			roles[strings.ToLower(strings.TrimSpace(name))] = access.RolePolicy{
				MaxDuration: r.MaxDuration.Std(),
				HighRisk:    r.HighRisk,
				VerifyBy:    access.Confirmer(r.VerifyBy),
			}
		}
	}
	ap := access.Policy{
		Roles:           roles,
		MinDuration:     a.MinDuration.Std(),
		DefaultDuration: a.DefaultDuration.Std(),
		WarnBefore:      a.WarnBefore.Std(),
		StandingAllowed: a.StandingAllowed,
		AccountOwner:    a.AccountOwner,
		VerifyBy:        access.Confirmer(a.VerifyBy),
	}
	if a.SelfExtension.Enabled {
		ap.SelfExtend = a.SelfExtension.MaxDuration.Std()
	}
	if a.BreakGlass.Enabled {
		ap.BreakGlass = a.BreakGlass.MaxDuration.Std()
	}
	return ap.WithDefaults()
}

// VerifyPolicy is caller verification's part of the policy.
func VerifyPolicy(p config.Policy) verify.Policy {
	v := p.Verify
	return verify.Policy{TTL: v.TTL.Std(), PerAsker: v.PerAskerPerHour, PerPerson: v.PerPersonPerHour, LockoutAfter: v.LockoutAfter}
}

// VerifyAskers is who may start a caller verification.
func VerifyAskers(p config.Policy) verify.Askers {
	var a verify.Askers
	for _, who := range p.Verify.Allowed {
		switch who {
		case config.VerifyAgents:
			a.Agents = true
		case config.VerifyAdmins:
			a.Admins = true
		default:
			a.People = append(a.People, who)
		}
	}
	return a
}

// ApprovalStepUp is which approvals count only after a fresh sign-in.
func ApprovalStepUp(p config.Policy) approvals.StepUp {
	return approvals.StepUp{
		Access:   slices.Contains(p.StepUp.For, config.StepUpAccess),
		HighRisk: slices.Contains(p.StepUp.For, config.StepUpHighRisk),
	}
}

// StepUpPolicy is how fresh and how strong a step-up sign-in must be.
func StepUpPolicy(p config.Policy) stepup.Policy { return stepup.Policy{ACR: p.StepUp.ACR} }

// WatchPolicy is posture's audit-watch rules in the watch's terms. Its
// errors name the policy key.
func WatchPolicy(p config.Policy) (watch.Policy, error) {
	wp := watch.Policy{Off: map[string]bool{}, Bulk: p.Posture.BulkChanges, Location: p.Location()}
	for rule, on := range p.Posture.Watch {
		if !slices.Contains(watch.Rules, rule) {
			hint := ""
			if near, ok := editdist.Closest(rule, watch.Rules); ok {
				hint = fmt.Sprintf(" (did you mean %s?)", near)
			}
			return watch.Policy{}, fmt.Errorf("posture.watch.%s: unknown rule%s; rules are %s", rule, hint, strings.Join(watch.Rules, ", "))
		}
		wp.Off[rule] = !on
	}
	if h := strings.TrimSpace(p.Posture.BusinessHours); h != "" {
		hours, err := watch.ParseHours(h)
		if err != nil {
			return watch.Policy{}, fmt.Errorf("posture.business_hours: %w", err)
		}
		wp.Hours = hours
	}
	return wp, nil
}
