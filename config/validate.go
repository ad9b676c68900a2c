package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/seatwarden/seatwarden/people"
)

var (
	commandPattern   = regexp.MustCompile(`^/[a-z0-9_-]{1,31}$`)
	channelIDPattern = regexp.MustCompile(`^[CGD][A-Z0-9]{2,}$`)
	// A Teams channel or group chat: 19:<id>@thread.tacv2 (or .skype, .v2).
	teamsChannelIDPattern = regexp.MustCompile(`^19:[A-Za-z0-9_.\-]+@thread\.(tacv2|skype|v2)$`)
	teamIDPattern         = regexp.MustCompile(`^[TE][A-Z0-9]{2,}$`)
	currencyPattern       = regexp.MustCompile(`^[A-Z]{3}$`)
)

// validatePolicy checks the decoded policy, normalising as it goes (emails
// are lower-cased), and records problems against the keys at fault.
func (d *policyDecoder) validatePolicy(p *Policy) {
	d.hasManagers = len(p.Managers) > 0
	if p.Timezone == "" {
		d.addAt("timezone", "must be an IANA time zone such as Europe/Berlin or UTC, got \"\"")
	} else if _, err := time.LoadLocation(p.Timezone); err != nil {
		d.addAt("timezone", "must be an IANA time zone such as Europe/Berlin or UTC, got %q", p.Timezone)
	}
	if !commandPattern.MatchString(p.Command) {
		d.addAt("command", `must be "/" and 1 to 31 of a-z, 0-9, "-" or "_", such as /warden, got %q`, p.Command)
	}
	d.emails("admins", p.Admins)
	d.channelID("admin_channel", p.AdminChannel)
	for i, id := range p.Slack.AllowedTeams {
		if !teamIDPattern.MatchString(id) {
			d.addAt(fmt.Sprintf("slack.allowed_teams[%d]", i), "must be a Slack workspace ID such as T0123ABCD (in Slack: workspace settings, or the team_id of any request), got %q", id)
		}
	}

	d.channelID("approvals.channel", p.Approvals.Channel)
	d.emails("approvals.approvers", p.Approvals.Approvers)
	if p.Approvals.HighRiskApprovals < 1 {
		d.addAt("approvals.high_risk_approvals", "must be at least 1, got %d", p.Approvals.HighRiskApprovals)
	} else if n := len(p.Approvals.Approvers); n > 0 && p.Approvals.HighRiskApprovals > n {
		// Otherwise a high-risk request could never gather enough approvals.
		if d.set("approvals.high_risk_approvals") || !d.set("approvals.approvers") {
			d.addAt("approvals.high_risk_approvals", "must not exceed the number of approvals.approvers (%d), got %d", n, p.Approvals.HighRiskApprovals)
		} else {
			d.addAt("approvals.approvers", "lists %d approver(s) but approvals.high_risk_approvals needs %d; add approvers or lower high_risk_approvals", n, p.Approvals.HighRiskApprovals)
		}
	}
	d.positive("approvals.expire_after", p.Approvals.ExpireAfter)
	d.positive("approvals.remind_after", p.Approvals.RemindAfter)
	for _, kind := range sortedKeys(p.Approvals.Kinds) {
		k := p.Approvals.Kinds[kind]
		path := joinKey("approvals.kinds", kind)
		if !slices.Contains(ApprovalKinds, kind) {
			d.addAt(path, "is not a kind of request; the kinds are %s", strings.Join(ApprovalKinds, ", "))
		}
		d.emails(path+".approvers", k.Approvers)
		for i, r := range k.HighRiskIf {
			at := fmt.Sprintf("%s.high_risk_if[%d]", path, i)
			if strings.TrimSpace(r.Field) == "" || strings.TrimSpace(r.Contains) == "" {
				d.addAt(at, "needs a field and the words it contains, e.g. {field: what, contains: sso}")
			}
		}
	}

	d.intRange("inactivity_days", p.InactivityDays, 1, 3650)

	d.price("github.pricing.copilot_business", p.GitHub.Pricing.CopilotBusiness)
	d.price("github.pricing.copilot_enterprise", p.GitHub.Pricing.CopilotEnterprise)
	if p.GitHub.InactivityDays != 0 {
		d.intRange("github.inactivity_days", p.GitHub.InactivityDays, 1, 3650)
	}
	d.validateOwnersAt("github.owners", p.GitHub.Owners)
	d.oneOf("github.remove_action", p.GitHub.RemoveAction, GitHubRemoveCancelSeat, GitHubRemoveRemoveMember)
	d.intRange("github.requests_per_hour", p.GitHub.RequestsPerHour, 1, 1_000_000)

	d.price("pricing.agent", p.Pricing.Agent)
	d.price("pricing.admin", p.Pricing.Admin)
	if !currencyPattern.MatchString(p.Pricing.Currency) {
		d.addAt("pricing.currency", "must be a three-letter ISO 4217 code in capitals such as USD or EUR, got %q", p.Pricing.Currency)
	}
	d.names("non_seat_roles", p.NonSeatRoles)
	for _, role := range sortedKeys(p.Pricing.Roles) {
		path := joinKey("pricing.roles", role)
		price := p.Pricing.Roles[role]
		d.price(path, price)
		if price > 0 && slices.Contains(p.NonSeatRoles, role) {
			d.addAt(path, "is priced at %s but non_seat_roles says %q holds no paid seat; price it 0 or remove it from one list", formatPrice(price), role)
		}
	}
	d.validateOwnersAt("owners", p.Owners)

	r := &p.Review
	d.intRange("review.keep_max_days", r.KeepMaxDays, 1, 3650)
	d.intRange("review.snooze_days", r.SnoozeDays, 1, 365)
	d.positive("review.remind_after", r.RemindAfter)
	if r.RemindAfter > 0 && r.EscalateAfter <= r.RemindAfter {
		// Report it on the key the file changed, so the line points at the edit.
		if !d.set("review.escalate_after") && d.set("review.remind_after") {
			d.addAt("review.remind_after", "must be shorter than review.escalate_after (%s), got %s", r.EscalateAfter, r.RemindAfter)
		} else {
			d.addAt("review.escalate_after", "must be longer than review.remind_after (%s), got %s", r.RemindAfter, r.EscalateAfter)
		}
	}
	d.oneOf("review.on_silence", r.OnSilence, OnSilenceEscalate, OnSilenceDowngrade)
	d.oneOf("review.remove_action", r.RemoveAction, RemoveActionDemote, RemoveActionSuspend)
	if r.DowngradeRoleID < 0 {
		d.addAt("review.downgrade_role_id", "must be a Zendesk custom role ID, or 0 to demote instead, got %d", r.DowngradeRoleID)
	}

	d.oneOf("identity.on_departed", p.Identity.OnDeparted, OnDepartedAsk, OnDepartedRemove, OnDepartedSuspend)
	d.intRange("posture.bulk_changes", p.Posture.BulkChanges, 2, 10_000)
	d.intRange("posture.mfa.grace_days", p.Posture.MFA.GraceDays, 0, 365)
	d.oneOf("posture.mfa.on_deadline", p.Posture.MFA.OnDeadline, MFAOnDeadlineEscalate, MFAOnDeadlineDemote)
	for i, role := range p.Posture.MFARequiredRoles {
		if strings.TrimSpace(role) == "" {
			d.addAt(fmt.Sprintf("posture.mfa_required_roles[%d]", i), `must be "admin", "risky" or a custom role's name or id, got ""`)
		}
	}
	for path, days := range map[string]int{"retention.audit_days": p.Retention.AuditDays, "retention.reviews_days": p.Retention.ReviewsDays,
		"retention.requests_days": p.Retention.RequestsDays, "retention.grants_days": p.Retention.GrantsDays,
		"retention.verifications_days": p.Retention.VerificationsDays, "retention.posture_days": p.Retention.PostureDays} {
		if days != 0 && (days < 7 || days > 36500) {
			d.addAt(path, "must be 0 (keep for ever) or between 7 and 36500 days, got %d", days)
		}
	}
	d.intRange("credentials.unused_days", p.Credentials.UnusedDays, 1, 3650)
	d.validateSchedules(p.Schedules)
	d.intRange("zendesk.requests_per_minute", p.Zendesk.RequestsPerMinute, 1, 2500)
	d.positive("zendesk.timeout", p.Zendesk.Timeout)
	if g := time.Duration(p.Zendesk.GroupsEvery); g != 0 && (g < 15*time.Minute || g > 7*24*time.Hour) {
		d.addAt("zendesk.groups_every", "must be between 15m and 168h (0 reads groups at every sync), got %s", g)
	}
	d.positive("jobs.timeout", p.Jobs.Timeout)
	if ttl := time.Duration(p.Jobs.LockTTL); ttl < 3*time.Second || ttl > time.Hour {
		// Renewals come every third of it; under a second apart a store's
		// hiccup would cost the lock.
		d.addAt("jobs.lock_ttl", "must be between 3s and 1h, got %s", ttl)
	}
	d.validateAccess(&p.Access)
	d.validateManagers(p)
	d.validateVerify(&p.Verify)
	for i, what := range p.StepUp.For {
		d.oneOf(fmt.Sprintf("step_up.for[%d]", i), what, StepUpAccess, StepUpHighRisk, StepUpCredentialRevoke, StepUpSeatRemove)
	}
}

// validateVerify checks verify.
func (d *policyDecoder) validateVerify(v *VerifyPolicy) {
	for i, who := range v.Allowed {
		path := fmt.Sprintf("verify.allowed[%d]", i)
		switch w := strings.ToLower(strings.TrimSpace(who)); {
		case w == VerifyAgents || w == VerifyAdmins:
			v.Allowed[i] = w
		case strings.Contains(w, "@"):
			v.Allowed[i] = d.email(path, who)
		default:
			d.addAt(path, "must be agents, admins or an email address such as %s, got %q", people.Example, who)
		}
	}
	if v.AlertChannel != "" {
		d.channelID("verify.alert_channel", v.AlertChannel)
	}
	if v.TTL < Duration(time.Minute) || v.TTL > Duration(time.Hour) {
		d.addAt("verify.ttl", "must be between 1m and 1h: long enough to read a code out, short enough that a stale prompt is worthless; got %s", v.TTL)
	}
	d.intRange("verify.per_asker_per_hour", v.PerAskerPerHour, 1, 1000)
	d.intRange("verify.per_person_per_hour", v.PerPersonPerHour, 1, 100)
	d.intRange("verify.lockout_after", v.LockoutAfter, 1, 100)
}

// validateAccess checks access, filling what a listed role leaves out.
func (d *policyDecoder) validateAccess(a *AccessPolicy) {
	d.positive("access.min_duration", a.MinDuration)
	d.positive("access.default_duration", a.DefaultDuration)
	d.positive("access.warn_before", a.WarnBefore)
	d.durationAtLeast("access.default_duration", a.DefaultDuration, "access.min_duration", a.MinDuration)

	if d.set("access.roles") {
		// The file's roles replace the default ones rather than add to them:
		// listing "Team Lead" alone must not leave admin grantable.
		for name := range a.Roles {
			if !d.set(joinKey("access.roles", name)) {
				delete(a.Roles, name)
			}
		}
		if len(a.Roles) == 0 && !d.failedUnder("access.roles") {
			d.addAt("access.roles", "lists no role; list the roles people may ask for, such as admin: {max_duration: 4h}")
		}
	}
	// In file order, so a clash is reported on the later spelling.
	names := sortedKeys(a.Roles)
	slices.SortStableFunc(names, func(x, y string) int {
		return d.lines[joinKey("access.roles", x)] - d.lines[joinKey("access.roles", y)]
	})
	first := map[string]string{}
	for _, name := range names {
		path := joinKey("access.roles", name)
		r := a.Roles[name]
		folded := strings.ToLower(strings.TrimSpace(name))
		if prev, dup := first[folded]; dup {
			d.addAt(path, "%q is the same role as %q (role names are compared without case); list it once", name, prev)
			continue
		}
		first[folded] = name
		if !d.set(path+".max_duration") && r.MaxDuration == 0 {
			r.MaxDuration = DefaultAccessMaxDuration
		}
		if folded == AccessRoleAdmin {
			if d.set(path+".high_risk") && !r.HighRisk {
				d.addAt(path+".high_risk", "admin is always high risk; set it true or leave it out")
			}
			r.HighRisk = true
		}
		a.Roles[name] = r
		d.positive(path+".max_duration", r.MaxDuration)
		// The default first: it is the stronger bound unless it is itself
		// below min_duration, which is reported already.
		d.durationAtLeast(path+".max_duration", r.MaxDuration, "access.default_duration", a.DefaultDuration)
		d.durationAtLeast(path+".max_duration", r.MaxDuration, "access.min_duration", a.MinDuration)
	}

	d.positive("access.break_glass.max_duration", a.BreakGlass.MaxDuration)
	d.durationAtLeast("access.break_glass.max_duration", a.BreakGlass.MaxDuration, "access.min_duration", a.MinDuration)
	d.positive("access.self_extension.max_duration", a.SelfExtension.MaxDuration)
	d.emails("access.standing_allowed", a.StandingAllowed)
	if a.AccountOwner != "" {
		a.AccountOwner = d.email("access.account_owner", a.AccountOwner)
	}
	d.intRange("access.keep_max_days", a.KeepMaxDays, 1, 365)
	d.oneOf("access.verify_by", a.VerifyBy, VerifyByManager, VerifyByPeer, VerifyByNone)
	for _, name := range names {
		if v := a.Roles[name].VerifyBy; v != "" {
			d.oneOf(joinKey("access.roles", name)+".verify_by", v, VerifyByManager, VerifyByPeer, VerifyByNone)
		}
	}
}

// validateManagers checks managers, folding each email, and that a policy
// asking managers to confirm access requests names some.
func (d *policyDecoder) validateManagers(p *Policy) {
	folded := make(map[string]string, len(p.Managers))
	for _, who := range sortedKeys(p.Managers) {
		path := joinKey("managers", who)
		person, err := parseEmail(who)
		if err != nil {
			d.addAt(path, "must be a person's email mapped to their manager's, such as lee@example.com: %s; got %q", people.Example, who)
			continue
		}
		manager := d.email(path, p.Managers[who])
		if people.Same(person, manager) {
			d.addAt(path, "names %s as their own manager; a manager confirms someone else's request", person)
		}
		if prev, dup := folded[person]; dup && !people.Same(prev, manager) {
			d.addAt(path, "%s is listed twice, with different managers", person)
		}
		folded[person] = manager
	}
	if p.Managers != nil {
		p.Managers = folded
	}
	if len(folded) > 0 || d.directory {
		return
	}
	if p.Access.VerifyBy == VerifyByManager {
		d.addAt("access.verify_by", "is manager, and managers names nobody's manager; list them, such as managers: {lee@example.com: %s}, set up an identity source (%s), or set access.verify_by to peer or none", people.Example, IdentitySourceVars)
	}
	for _, name := range sortedKeys(p.Access.Roles) {
		if p.Access.Roles[name].VerifyBy == VerifyByManager {
			d.addAt(joinKey("access.roles", name)+".verify_by", "is manager, and managers names nobody's manager; list them, such as managers: {lee@example.com: %s}, set up an identity source (%s), or choose peer or none", people.Example, IdentitySourceVars)
		}
	}
}

// failedUnder reports whether a problem was recorded at path or below it.
func (d *policyDecoder) failedUnder(path string) bool {
	for _, p := range d.problems {
		if p.Path == path || strings.HasPrefix(p.Path, path+".") || strings.HasPrefix(p.Path, path+"[") {
			return true
		}
	}
	return false
}

// durationAtLeast reports long shorter than short, on the key the file
// changed so the line points at the edit: long's when the file set it or
// left both alone, else short's.
func (d *policyDecoder) durationAtLeast(longKey string, long Duration, shortKey string, short Duration) {
	if long <= 0 || short <= 0 || long >= short {
		return
	}
	if d.set(longKey) || !d.set(shortKey) {
		d.addAt(longKey, "must be at least %s (%s), got %s", shortKey, short, long)
	} else {
		d.addAt(shortKey, "must be at most %s (%s), got %s", longKey, long, short)
	}
}

// validateOwnersAt checks an owners list at key (owners, github.owners).
func (d *policyDecoder) validateOwnersAt(key string, owners []Owner) {
	groups := map[string]int{}
	defaultAt, managerAt := -1, -1
	for i := range owners {
		o := &owners[i]
		path := fmt.Sprintf("%s[%d]", key, i)
		o.Group = strings.TrimSpace(o.Group)
		switch {
		case o.Manager && (o.Group != "" || o.Owner != "" || o.Default != ""):
			d.addAt(path, "manager: true stands alone: the holder's manager answers for seats of groups not listed")
			continue
		case o.Manager:
			if managerAt >= 0 {
				d.addAt(path+".manager", "manager: true is already given at %s[%d]", key, managerAt)
			}
			managerAt = i
			if !d.directory && !d.hasManagers {
				d.addAt(path+".manager", "needs managers to come from somewhere: set up an identity source (%s) or list them under managers", IdentitySourceVars)
			}
			continue
		case o.Default != "" && (o.Group != "" || o.Owner != ""):
			d.addAt(path, "give either group and owner, or default, not both")
			continue
		case o.Default != "":
			if defaultAt >= 0 {
				d.addAt(path+".default", "only one default owner is allowed (already given at %s[%d])", key, defaultAt)
			}
			defaultAt = i
			o.Default = d.email(path+".default", o.Default)
		case o.Group == "" && o.Owner == "":
			d.addAt(path, "must have group and owner, or default")
		case o.Group == "":
			d.addAt(path, "owner needs a group (or write default: for the owner of unlisted groups)")
		case o.Owner == "":
			d.addAt(path, "group %q needs an owner", o.Group)
		default:
			if first, dup := groups[o.Group]; dup {
				d.addAt(path+".group", "group %q is already listed at %s[%d]", o.Group, key, first)
			} else {
				groups[o.Group] = i
			}
			o.Owner = d.email(path+".owner", o.Owner)
		}
	}
}

func (d *policyDecoder) validateSchedules(schedules map[string]string) {
	known := JobNames()
	for _, job := range sortedKeys(schedules) {
		path := joinKey("schedules", job)
		if !slices.Contains(known, job) {
			d.addAt(path, "unknown job%s; jobs are %s", suggest(job, known), strings.Join(known, ", "))
			continue
		}
		spec := strings.TrimSpace(schedules[job])
		if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
			d.addAt(path, "invalid cron spec %q: set the zone with the timezone key, not in the spec", spec)
			continue
		}
		if _, err := cron.ParseStandard(spec); err != nil {
			d.addAt(path, "invalid cron spec %q: %s", spec, err)
			continue
		}
		schedules[job] = spec
	}
}

// email validates one address and returns it lower-cased.
func (d *policyDecoder) email(path, s string) string {
	addr, err := parseEmail(s)
	if err != nil {
		d.addAt(path, "%s", err)
		return s
	}
	return addr
}

func (d *policyDecoder) emails(path string, list []string) {
	for i := range list {
		list[i] = d.email(fmt.Sprintf("%s[%d]", path, i), list[i])
	}
}

// parseEmail is people.ParseEmail with the policy's wording of the error.
func parseEmail(s string) (string, error) {
	addr, err := people.ParseEmail(s)
	if err != nil {
		return "", fmt.Errorf("must be an email address such as %s, got %q", people.Example, s)
	}
	return addr, nil
}

func (d *policyDecoder) channelID(path, id string) {
	if id != "" && !channelIDPattern.MatchString(id) && !teamsChannelIDPattern.MatchString(id) {
		d.addAt(path, "must be a Slack channel ID such as C0123ADMIN (in Slack: channel details, at the bottom) or a Teams channel ID such as 19:1a2b3c@thread.tacv2 (in Teams: the channel's \"Get link to channel\", between /channel/ and the next /, URL-decoded), got %q", id)
	}
}

func (d *policyDecoder) names(path string, list []string) {
	first := map[string]int{}
	for i, name := range list {
		item := fmt.Sprintf("%s[%d]", path, i)
		name = strings.TrimSpace(name)
		list[i] = name
		if name == "" {
			d.addAt(item, "must not be empty")
			continue
		}
		if at, dup := first[name]; dup {
			d.addAt(item, "%q is already listed at %s[%d]", name, path, at)
			continue
		}
		first[name] = i
	}
}

func (d *policyDecoder) intRange(path string, v, lo, hi int) {
	if v < lo || v > hi {
		d.addAt(path, "must be between %d and %d, got %d", lo, hi, v)
	}
}

func (d *policyDecoder) positive(path string, v Duration) {
	if v <= 0 {
		d.addAt(path, "must be longer than 0s, got %s", v)
	}
}

func (d *policyDecoder) price(path string, v float64) {
	if v < 0 {
		d.addAt(path, "must be 0 or more, got %s", formatPrice(v))
	}
}

func (d *policyDecoder) oneOf(path, v string, allowed ...string) {
	if !slices.Contains(allowed, v) {
		d.addAt(path, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
	}
}
