package config

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	// The zone database is embedded so that "timezone: Europe/Berlin" works in
	// minimal container images that ship without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// Job names, as used by run-job, the scheduler and the schedules key.
const (
	JobSync            = "sync"
	JobInactiveDigest  = "inactive-digest"
	JobTokenDigest     = "token-digest"
	JobReminders       = "reminders"
	JobAccessExpiry    = "access-expiry"
	JobPrivilegeReview = "privilege-review"
	JobVerifyExpiry    = "verify-expiry"
	JobIdentitySync    = "identity-sync"
	JobRetention       = "retention"
	JobAuditWatch      = "audit-watch"
	JobPostureDigest   = "posture-digest"
)

// JobNames returns the known job names in the order the scheduler lists them.
func JobNames() []string {
	return []string{JobSync, JobInactiveDigest, JobTokenDigest, JobReminders, JobAccessExpiry, JobPrivilegeReview, JobVerifyExpiry, JobIdentitySync, JobRetention, JobAuditWatch, JobPostureDigest}
}

// Values of github.remove_action.
const (
	GitHubRemoveCancelSeat   = "cancel-seat"
	GitHubRemoveRemoveMember = "remove-member"
)

// Values of review.on_silence and review.remove_action.
const (
	OnSilenceEscalate   = "escalate"
	OnSilenceDowngrade  = "downgrade"
	RemoveActionDemote  = "demote"
	RemoveActionSuspend = "suspend"
)

// Policy is the YAML policy file. Keys are snake_case; every key is optional
// and DefaultPolicy holds the value used when it is absent.
type Policy struct {
	Timezone       string            `yaml:"timezone" json:"timezone"`
	Command        string            `yaml:"command" json:"command"`
	Admins         []string          `yaml:"admins" json:"admins"`
	AdminChannel   string            `yaml:"admin_channel" json:"admin_channel"`
	Approvals      Approvals         `yaml:"approvals" json:"approvals"`
	InactivityDays int               `yaml:"inactivity_days" json:"inactivity_days"`
	Pricing        Pricing           `yaml:"pricing" json:"pricing"`
	NonSeatRoles   []string          `yaml:"non_seat_roles" json:"non_seat_roles"`
	Owners         []Owner           `yaml:"owners" json:"owners"`
	Review         Review            `yaml:"review" json:"review"`
	Identity       IdentityPolicy    `yaml:"identity" json:"identity"`
	Credentials    Credentials       `yaml:"credentials" json:"credentials"`
	Schedules      map[string]string `yaml:"schedules" json:"schedules"`
	Zendesk        ZendeskLimits     `yaml:"zendesk" json:"zendesk"`
	GitHub         GitHubPolicy      `yaml:"github" json:"github"`
	Jobs           JobLimits         `yaml:"jobs" json:"jobs"`
	Slack          SlackPolicy       `yaml:"slack" json:"slack"`
	Store          StorePolicy       `yaml:"store" json:"store"`
	Access         AccessPolicy      `yaml:"access" json:"access"`
	Verify         VerifyPolicy      `yaml:"verify" json:"verify"`
	StepUp         StepUpPolicy      `yaml:"step_up" json:"step_up"`
	Retention      RetentionPolicy   `yaml:"retention" json:"retention"`
	Posture        PosturePolicy     `yaml:"posture" json:"posture"`
	// Managers maps a person's email to their manager's, for access
	// requests their manager confirms (access.verify_by: manager).
	Managers map[string]string `yaml:"managers" json:"managers"`
}

// What step-up can guard (step_up.for).
const (
	StepUpAccess           = "access"            // approving an access grant
	StepUpHighRisk         = "high_risk"         // approving a high-risk request
	StepUpCredentialRevoke = "credential_revoke" // revoking a credential
	StepUpSeatRemove       = "seat_remove"       // removing a seat
)

// StepUpPolicy is which decisions need the decider to sign in again at the
// company's OpenID Connect provider, and how.
type StepUpPolicy struct {
	For []string `yaml:"for" json:"for"`
	// ACR, when set, is the authentication context the sign-in must
	// show (the token's acr), or "mfa" for a multi-factor amr.
	ACR string `yaml:"acr" json:"acr"`
}

// Who may start a caller verification, besides people named by email.
const (
	VerifyAgents = "agents" // everyone on the Zendesk staff at the last sync
	VerifyAdmins = "admins" // the policy's admins
)

// VerifyPolicy is caller verification's: who may ask, how long the
// person has to answer, where failures are reported, and the limits
// against abuse.
type VerifyPolicy struct {
	// Allowed are who may ask: agents, admins, or people by email.
	Allowed []string `yaml:"allowed" json:"allowed"`
	// AlertChannel hears of failed verifications and lockouts; the admin
	// channel when empty.
	AlertChannel string `yaml:"alert_channel" json:"alert_channel"`
	// TTL is how long the person has to answer.
	TTL Duration `yaml:"ttl" json:"ttl"`
	// PerAskerPerHour and PerPersonPerHour bound verifications started in
	// a sliding hour by one asker and about one person.
	PerAskerPerHour  int `yaml:"per_asker_per_hour" json:"per_asker_per_hour"`
	PerPersonPerHour int `yaml:"per_person_per_hour" json:"per_person_per_hour"`
	// LockoutAfter failed or unanswered verifications of one person in an
	// hour stop prompts to them for an hour.
	LockoutAfter int `yaml:"lockout_after" json:"lockout_after"`
}

// VerifyAlertChannel is where failed verifications are reported.
func (p Policy) VerifyAlertChannel() string {
	if p.Verify.AlertChannel != "" {
		return p.Verify.AlertChannel
	}
	return p.AdminChannel
}

// AccessPolicy is the policy of just-in-time privileged access: which
// roles people may ask for, for how long, and who may hold one standing.
type AccessPolicy struct {
	// MinDuration is the shortest grant.
	MinDuration Duration `yaml:"min_duration" json:"min_duration"`
	// DefaultDuration is a grant's length when the request names none.
	DefaultDuration Duration `yaml:"default_duration" json:"default_duration"`
	// WarnBefore is how long before its end the holder is warned.
	WarnBefore Duration `yaml:"warn_before" json:"warn_before"`
	// Roles are the roles people may ask for, by name as they ask for
	// them ("admin", or a custom role's name), compared without case.
	// A file that lists roles replaces the default (admin alone).
	Roles map[string]AccessRole `yaml:"roles" json:"roles"`
	// BreakGlass lets an agent take a role at once, without approval.
	BreakGlass BreakGlass `yaml:"break_glass" json:"break_glass"`
	// SelfExtension lets a holder extend a grant once without approval.
	SelfExtension SelfExtension `yaml:"self_extension" json:"self_extension"`
	// StandingAllowed are the people, by email, who may hold a privileged
	// role with no active grant.
	StandingAllowed []string `yaml:"standing_allowed" json:"standing_allowed"`
	// AccountOwner is the Zendesk account owner's email. Zendesk's API
	// does not say who the owner is and refuses to change the owner's
	// role, so the policy names them: they hold admin standing and are
	// never demoted, asked about or reported.
	AccountOwner string `yaml:"account_owner" json:"account_owner"`
	// KeepMaxDays is the longest a Keep of standing privilege lasts before
	// the privilege review asks about it again.
	KeepMaxDays int `yaml:"keep_max_days" json:"keep_max_days"`
	// VerifyBy is who confirms an access request is real before its
	// approvers see it: manager, peer or none. A role may say otherwise.
	VerifyBy string `yaml:"verify_by" json:"verify_by"`
}

// Who confirms an access request (access.verify_by).
const (
	VerifyByManager = "manager" // the requester's manager, from managers
	VerifyByPeer    = "peer"    // a colleague the requester names on the form
	VerifyByNone    = "none"
)

// AccessRole is one grantable role's rules.
type AccessRole struct {
	// MaxDuration is the longest one grant of the role lasts; default 4h.
	MaxDuration Duration `yaml:"max_duration" json:"max_duration"`
	// HighRisk grants need approvals.high_risk_approvals approvals; admin
	// always does.
	HighRisk bool `yaml:"high_risk" json:"high_risk"`
	// VerifyBy overrides access.verify_by for this role; empty keeps it.
	VerifyBy string `yaml:"verify_by" json:"verify_by"`
}

// BreakGlass is the emergency grant: at once, for at most MaxDuration,
// reviewed by an approver afterwards.
type BreakGlass struct {
	Enabled     bool     `yaml:"enabled" json:"enabled"`
	MaxDuration Duration `yaml:"max_duration" json:"max_duration"`
}

// SelfExtension lets a holder extend a grant once, by at most MaxDuration,
// without asking the approvers again.
type SelfExtension struct {
	Enabled     bool     `yaml:"enabled" json:"enabled"`
	MaxDuration Duration `yaml:"max_duration" json:"max_duration"`
}

// AccessRoleAdmin is the Zendesk admin role's name in access.roles; it is
// always high risk.
const AccessRoleAdmin = "admin"

// DefaultAccessMaxDuration is a role's max_duration when it gives none.
const DefaultAccessMaxDuration = Duration(4 * time.Hour)

// StorePolicy is what the policy demands of the store.
type StorePolicy struct {
	// RequireEncryption refuses to start without SEATWARDEN_ENCRYPTION_KEY,
	// so a deployment that must keep its data sealed cannot silently come
	// up storing it in the clear.
	RequireEncryption bool `yaml:"require_encryption" json:"require_encryption"`
}

// SlackPolicy limits which Slack workspaces the bot answers.
type SlackPolicy struct {
	// AllowedTeams are workspace (team) ids such as T0123ABCD. When set, a
	// request from any other workspace is refused before it reaches a
	// command; empty allows every workspace the app is installed in.
	AllowedTeams []string `yaml:"allowed_teams" json:"allowed_teams"`
}

// Approvals configures where access requests are approved and by whom.
type Approvals struct {
	Channel string `yaml:"channel" json:"channel"`
	// Approvers may approve every kind of request; admins always may.
	Approvers         []string `yaml:"approvers" json:"approvers"`
	HighRiskApprovals int      `yaml:"high_risk_approvals" json:"high_risk_approvals"`
	ExpireAfter       Duration `yaml:"expire_after" json:"expire_after"`
	// RemindAfter: approvers are reminded of a request pending this long,
	// at most once a day each.
	RemindAfter Duration `yaml:"remind_after" json:"remind_after"`
	// Kinds holds what is particular to one kind of request ("app",
	// "change"), by kind.
	Kinds map[string]ApprovalKind `yaml:"kinds" json:"kinds,omitempty"`
}

// ApprovalKinds are the kinds of request approvals.kinds may configure.
var ApprovalKinds = []string{"app", "change"}

// ApprovalKind is the policy of one kind of request.
type ApprovalKind struct {
	// Approvers may approve this kind, besides approvals.approvers and
	// the admins.
	Approvers []string `yaml:"approvers" json:"approvers,omitempty"`
	// HighRiskIf raises a request to high risk when any rule matches its
	// answers, whatever the form suggested.
	HighRiskIf []RiskRule `yaml:"high_risk_if" json:"high_risk_if,omitempty"`
}

// RiskRule matches a request whose answer to Field contains Contains
// (case-insensitive), e.g. {field: what, contains: sso}.
type RiskRule struct {
	Field    string `yaml:"field" json:"field"`
	Contains string `yaml:"contains" json:"contains"`
}

// Pricing is the monthly price of one seat, in Currency.
type Pricing struct {
	Agent    float64 `yaml:"agent" json:"agent"`
	Admin    float64 `yaml:"admin" json:"admin"`
	Currency string  `yaml:"currency" json:"currency"`
	// Roles prices custom roles by name; a custom role not listed costs Agent.
	Roles map[string]float64 `yaml:"roles" json:"roles,omitempty"`
}

// Owner is one item of the owners list: either Group and Owner, or Default
// (who answers for seats whose group is not listed).
type Owner struct {
	Group   string `yaml:"group" json:"group,omitempty"`
	Owner   string `yaml:"owner" json:"owner,omitempty"`
	Default string `yaml:"default" json:"default,omitempty"`
	// Manager: the seat holder's manager (from the identity source, else
	// the managers map) answers for seats of groups not listed, before
	// the default owner.
	Manager bool `yaml:"manager" json:"manager,omitempty"`
}

// String renders the item for doctor output.
func (o Owner) String() string {
	if o.Manager {
		return "manager: true"
	}
	if o.Default != "" {
		return "default: " + o.Default
	}
	return o.Group + ": " + o.Owner
}

// Review configures the periodic seat review.
type Review struct {
	KeepMaxDays     int      `yaml:"keep_max_days" json:"keep_max_days"`
	SnoozeDays      int      `yaml:"snooze_days" json:"snooze_days"`
	RemindAfter     Duration `yaml:"remind_after" json:"remind_after"`
	EscalateAfter   Duration `yaml:"escalate_after" json:"escalate_after"`
	OnSilence       string   `yaml:"on_silence" json:"on_silence"`
	RemoveAction    string   `yaml:"remove_action" json:"remove_action"`
	DowngradeRoleID int64    `yaml:"downgrade_role_id" json:"downgrade_role_id"`
}

// IdentityPolicy is what seatwarden does with what the identity source
// says.
type IdentityPolicy struct {
	// OnDeparted is what happens to the paid seat of someone the
	// directory says left: ask their owner (Remove recommended), or
	// remove or suspend it at once and tell the owner and admins.
	OnDeparted string `yaml:"on_departed" json:"on_departed"`
}

// RetentionPolicy is how long the bot keeps its own records, in days
// from when each ended; 0 keeps them for ever. The retention job deletes
// what is older, daily.
type RetentionPolicy struct {
	// AuditDays keeps audit entries (never one the SIEM has not taken).
	AuditDays int `yaml:"audit_days" json:"audit_days"`
	// ReviewsDays keeps the seat and privilege reviews of past periods.
	ReviewsDays int `yaml:"reviews_days" json:"reviews_days"`
	// RequestsDays keeps approval requests that reached their end.
	RequestsDays int `yaml:"requests_days" json:"requests_days"`
	// GrantsDays keeps just-in-time grants that ended.
	GrantsDays int `yaml:"grants_days" json:"grants_days"`
	// VerificationsDays keeps caller verifications that were answered or
	// expired.
	VerificationsDays int `yaml:"verifications_days" json:"verifications_days"`
	// PostureDays keeps the weekly posture records and the audit watch's
	// alerts (once posted).
	PostureDays int `yaml:"posture_days" json:"posture_days"`
}

// PosturePolicy is how the account's own trust is watched.
type PosturePolicy struct {
	// AlertChannel hears trust-changing events; "" is the admin channel.
	AlertChannel string `yaml:"alert_channel" json:"alert_channel,omitempty"`
	// BusinessHours, such as "Mon-Fri 08:00-18:00" in the policy's time
	// zone: changes outside them raise an alert. "" switches that off.
	BusinessHours string `yaml:"business_hours" json:"business_hours,omitempty"`
	// Watch switches the audit watch's rules: every rule is on unless
	// set to false here.
	Watch map[string]bool `yaml:"watch" json:"watch,omitempty"`
	// BulkChanges is how many changes by one person within ten minutes
	// raise an alert.
	BulkChanges int `yaml:"bulk_changes" json:"bulk_changes"`
	// MFA is what happens to privileged people without two-factor
	// authentication.
	MFA MFAPolicy `yaml:"mfa" json:"mfa"`
	// MFARequiredRoles are who must have two-factor authentication:
	// "admin" (the SaaS's administrators: Zendesk admins, GitHub owners),
	// "risky" (custom roles whose permissions change who may do what), or
	// a custom role by name or id.
	MFARequiredRoles []string `yaml:"mfa_required_roles" json:"mfa_required_roles"`
}

// MFAPolicy is the deadline for turning two-factor authentication on.
type MFAPolicy struct {
	// GraceDays is how long a person first seen without it has to turn
	// it on; they are reminded weekly. 0 sends no reminders and sets no
	// deadline.
	GraceDays int `yaml:"grace_days" json:"grace_days"`
	// OnDeadline is what happens past the deadline: escalate tells the
	// seat's owner and the admin channel; demote also takes the
	// privileged role away, as a privilege review's Make just-in-time
	// does.
	OnDeadline string `yaml:"on_deadline" json:"on_deadline"`
}

// Values of posture.mfa.on_deadline.
const (
	MFAOnDeadlineEscalate = "escalate"
	MFAOnDeadlineDemote   = "demote"
)

// Values of posture.mfa_required_roles besides custom role names.
const (
	MFARoleAdmin = "admin"
	MFARoleRisky = "risky"
)

// Values of identity.on_departed.
const (
	OnDepartedAsk     = "ask"
	OnDepartedRemove  = "remove"
	OnDepartedSuspend = "suspend"
)

// Credentials configures the credential inventory.
type Credentials struct {
	UnusedDays int `yaml:"unused_days" json:"unused_days"`
}

// ZendeskLimits bounds how hard the bot drives the Zendesk API.
type ZendeskLimits struct {
	RequestsPerMinute int      `yaml:"requests_per_minute" json:"requests_per_minute"`
	Timeout           Duration `yaml:"timeout" json:"timeout"`
	// GroupsEvery is how often the seat sync reads groups and memberships
	// again; between reads it carries them over, since they change far
	// less often than seats and on a large account cost hundreds of
	// requests. A member's default group, which decides their seat's
	// owner, is read with the member at every sync.
	GroupsEvery Duration `yaml:"groups_every" json:"groups_every"`
}

// GitHubPolicy is the policy for the GitHub organisation, when GITHUB_ORG
// is set. The top-level keys stay Zendesk's, as they always were.
type GitHubPolicy struct {
	// Pricing is a Copilot seat's monthly price by plan, in
	// pricing.currency.
	Pricing GitHubPricing `yaml:"pricing" json:"pricing"`
	// InactivityDays: a Copilot seat unused this long is inactive; 0
	// takes inactivity_days.
	InactivityDays int `yaml:"inactivity_days" json:"inactivity_days"`
	// Owners says who answers for a seat by the member's team, as owners
	// does by Zendesk group ("group" names the team).
	Owners []Owner `yaml:"owners" json:"owners"`
	// RemoveAction is what Remove does: cancel-seat ends the member's
	// Copilot seat; remove-member removes them from the organisation.
	RemoveAction string `yaml:"remove_action" json:"remove_action"`
	// RequestsPerHour paces the bot below GitHub's limit (5,000 an hour
	// for a token; an App installation gets more on larger orgs).
	RequestsPerHour int `yaml:"requests_per_hour" json:"requests_per_hour"`
}

// GitHubPricing prices Copilot seats per month.
type GitHubPricing struct {
	CopilotBusiness   float64 `yaml:"copilot_business" json:"copilot_business"`
	CopilotEnterprise float64 `yaml:"copilot_enterprise" json:"copilot_enterprise"`
}

// JobLimits bounds each scheduled job run.
type JobLimits struct {
	Timeout Duration `yaml:"timeout" json:"timeout"`
	// LockTTL is how long a job's lock outlives a replica that died while
	// running it: the longest another replica waits to take the job over.
	// A running job renews it every third of it.
	LockTTL Duration `yaml:"lock_ttl" json:"lock_ttl"`
}

// DefaultPolicy returns the policy used when no file is given; each call
// returns fresh maps and slices.
func DefaultPolicy() Policy {
	return Policy{
		Timezone:       "UTC",
		Command:        "/warden",
		InactivityDays: 30,
		Approvals: Approvals{
			HighRiskApprovals: 2,
			ExpireAfter:       Duration(168 * time.Hour),
			RemindAfter:       Duration(24 * time.Hour),
		},
		Pricing: Pricing{Agent: 115, Admin: 115, Currency: "USD"},
		Review: Review{
			KeepMaxDays:   180,
			SnoozeDays:    14,
			RemindAfter:   Duration(72 * time.Hour),
			EscalateAfter: Duration(168 * time.Hour),
			OnSilence:     OnSilenceEscalate,
			RemoveAction:  RemoveActionDemote,
		},
		Identity:    IdentityPolicy{OnDeparted: OnDepartedAsk},
		Credentials: Credentials{UnusedDays: 90},
		Schedules: map[string]string{
			JobSync:           "*/15 * * * *",
			JobInactiveDigest: "0 9 * * MON",
			JobTokenDigest:    "0 9 * * MON",
			JobReminders:      "0 * * * *",
			// Grants also end on timers between runs; the run catches
			// what a restart missed.
			JobAccessExpiry: "* * * * *",
			// Quarterly: 09:00 on the first day of January, April, July
			// and October.
			JobPrivilegeReview: "0 9 1 1,4,7,10 *",
			// Verifications also expire on timers between runs.
			JobVerifyExpiry:  "* * * * *",
			JobIdentitySync:  "*/15 * * * *",
			JobRetention:     "0 3 * * *",
			JobAuditWatch:    "*/5 * * * *",
			JobPostureDigest: "0 9 * * MON",
		},
		Zendesk: ZendeskLimits{RequestsPerMinute: 200, Timeout: Duration(30 * time.Second), GroupsEvery: Duration(6 * time.Hour)},
		GitHub: GitHubPolicy{
			// GitHub's list prices for Copilot Business and Enterprise.
			Pricing:         GitHubPricing{CopilotBusiness: 19, CopilotEnterprise: 39},
			RemoveAction:    GitHubRemoveCancelSeat,
			RequestsPerHour: 4_500,
		},
		Jobs: JobLimits{Timeout: Duration(10 * time.Minute), LockTTL: Duration(2 * time.Minute)},
		Access: AccessPolicy{
			MinDuration:     Duration(15 * time.Minute),
			DefaultDuration: Duration(time.Hour),
			WarnBefore:      Duration(10 * time.Minute),
			Roles: map[string]AccessRole{
				AccessRoleAdmin: {MaxDuration: DefaultAccessMaxDuration, HighRisk: true},
			},
			BreakGlass:    BreakGlass{MaxDuration: Duration(time.Hour)},
			SelfExtension: SelfExtension{MaxDuration: Duration(time.Hour)},
			KeepMaxDays:   90,
			VerifyBy:      VerifyByNone,
		},
		Verify: VerifyPolicy{
			Allowed: []string{VerifyAgents, VerifyAdmins}, TTL: Duration(5 * time.Minute),
			PerAskerPerHour: 20, PerPersonPerHour: 5, LockoutAfter: 3,
		},
		// Two years of the trail and the decisions behind it (audits ask
		// for one); a verification's context only matters for weeks.
		Retention: RetentionPolicy{AuditDays: 730, ReviewsDays: 730, RequestsDays: 730, GrantsDays: 730, VerificationsDays: 90, PostureDays: 730},
		Posture: PosturePolicy{BulkChanges: 20, MFA: MFAPolicy{GraceDays: 14, OnDeadline: MFAOnDeadlineEscalate},
			MFARequiredRoles: []string{MFARoleAdmin, MFARoleRisky}},
	}
}

// locations caches loaded zones: Location is called per date rendered, and
// time.LoadLocation reads the zone database each time.
var locations sync.Map // zone name → *time.Location

// Location returns the policy's time zone. Load has already checked the name;
// an unknown one (only possible for a hand-built Policy) falls back to UTC.
func (p Policy) Location() *time.Location {
	if loc, ok := locations.Load(p.Timezone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(p.Timezone)
	if err != nil {
		return time.UTC
	}
	locations.Store(p.Timezone, loc)
	return loc
}

// IsAdmin reports whether email is listed in admins (case-insensitively).
func (p Policy) IsAdmin(email string) bool {
	return slices.ContainsFunc(p.Admins, func(a string) bool { return strings.EqualFold(a, email) })
}

// sortedKeys returns m's keys in order, so problems and doctor output are
// stable from run to run.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// formatPrice prints a price without trailing zeros: 115, 55.5.
func formatPrice(f float64) string { return fmt.Sprintf("%g", f) }
