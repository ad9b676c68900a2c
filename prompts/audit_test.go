package prompts_test

import (
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/posture"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/watch"
)

// The admin channel's alert when the SIEM refuses the trail, on both
// transports.
func TestAuditSinkRefused(t *testing.T) {
	m := prompts.AuditSinkRefused("Splunk HEC https://splunk.acme.example:8088/services/collector/event", 1234,
		"splunk: forbidden (HTTP 403): Invalid token (code 4)")
	wantHeadline(t, m, "⚠ The audit trail is not reaching the SIEM")
	goldenRendered(t, m)
}

// The alert channel's message for each kind of trust-changing event, on
// both transports.
func TestTrustAlert(t *testing.T) {
	at := time.Date(2026, 12, 8, 23, 40, 0, 0, time.UTC)
	tests := []struct {
		name string
		a    watch.Alert
	}{
		{"admin granted", watch.Alert{SaaS: "zendesk", Rule: watch.RuleAdminGranted, Why: "Dana Field made Lee Park an administrator",
			Event: connector.Event{ID: "70000123", At: at, ActorName: "Dana Field", Action: "update", SourceType: "user", SourceLabel: "Lee Park",
				Change: "Role changed from Agent to Administrator", IP: "203.0.113.7"}}},
		{"app installed, no IP", watch.Alert{SaaS: "zendesk", Rule: watch.RuleAppInstalled, Why: "Omar Haddad installed the app Slack for Zendesk",
			Event: connector.Event{ID: "70000124", At: at, ActorName: "Omar Haddad", Action: "create", SourceType: "zendesk/app_market/app", SourceLabel: "Slack for Zendesk"}}},
		{"acknowledged", watch.Alert{SaaS: "zendesk", Rule: watch.RuleOutsideHours, Why: "Lee Park changed Ticket #7 at Tue 23:40, outside business hours (Mon-Fri 08:00-18:00)",
			Event:        connector.Event{ID: "70000125", At: at, ActorName: "Lee Park", Action: "update", SourceType: "ticket", SourceLabel: "Ticket #7", IP: "198.51.100.4"},
			Acknowledged: at.Add(9 * time.Hour), AcknowledgedBy: "dana@acme.example", Note: "expected: Lee covers the night shift this week"}},
		{"admin granted, reverted", watch.Alert{SaaS: "zendesk", Rule: watch.RuleAdminGranted, Why: "Dana Field made Lee Park an administrator",
			Event: connector.Event{ID: "70000126", At: at, ActorName: "Dana Field", Action: "update", SourceType: "user", SourceLabel: "Lee Park",
				Change: "Role changed from Agent to Administrator", IP: "203.0.113.7"},
			Outcome: "put lee@acme.example's earlier role back", OutcomeBy: "omar@acme.example", OutcomeAt: at.Add(time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := prompts.TrustAlert(tt.a, berlin)
			goldenRendered(t, m)
		})
	}
}

func TestWatchUnavailable(t *testing.T) {
	m := prompts.WatchUnavailable("zendesk")
	wantHeadline(t, m, "ℹ The audit watch cannot read Zendesk's audit log")
	goldenRendered(t, m)
}

// The posture as each transport shows it: a SaaS with findings, one not
// synced yet, and the credentials; and an account whose plan has no
// custom roles.
func TestPostureReport(t *testing.T) {
	lead := connector.CustomRole{ID: "360001112224", Name: "Team Lead", Members: 5, Powers: []connector.Power{connector.PowerTeamMembers}}
	ops := connector.CustomRole{ID: "77", Name: "Ops", Members: 1, Powers: []connector.Power{connector.PowerRoles, connector.PowerApps}}
	tests := map[string]posture.Report{
		"findings": {Directory: true, Tokens: true, TokensLeft: 3, DaysLeft: 145, WriteClients: 1, Apps: true, UnapprovedApps: []string{"Salesforce Sync"},
			SaaS: []posture.SaaS{
				{SaaS: "zendesk", Synced: true, Admins: 4, JustInTime: 1, Currency: "USD",
					NoMFA:    []posture.Holder{{UserID: 2, Email: "lee@acme.example", Role: "admin"}, {UserID: 9, Email: "sam@acme.example", Role: "Team Lead"}},
					Inactive: seats.Tally{Seats: 7, Cost: 805}, Departed: []string{"a@acme.example", "b@acme.example", "c@acme.example", "d@acme.example", "e@acme.example", "f@acme.example"},
					Roles: posture.RolesRead, RiskyRoles: []connector.CustomRole{lead, ops}, UnknownRoles: []string{"Team Leed"}},
				{SaaS: "github"},
			}},
		"team plan": {Tokens: true, Apps: true, SaaS: []posture.SaaS{{SaaS: "zendesk", Synced: true, Admins: 1, Currency: "USD", Roles: posture.RolesOffPlan}}},
	}
	for name, p := range tests {
		t.Run(name, func(t *testing.T) {
			m := prompts.PostureReport(p, "/warden")
			wantHeadline(t, m, "🛡 Security posture")
			goldenRendered(t, m)
		})
	}
}

// The weekly posture with what changed since last week.
func TestPostureDigest(t *testing.T) {
	r := posture.Report{Tokens: true, TokensLeft: 2, DaysLeft: 138, SaaS: []posture.SaaS{{SaaS: "zendesk", Synced: true, Admins: 2, JustInTime: 1, Currency: "USD"}}}
	now, last := r.Counts(), posture.Counts{Standing: 3, NoMFA: 1, TokensLeft: 4}
	m := prompts.PostureDigest(r, &now, &last, "/warden")
	wantHeadline(t, m, "🛡 This week's security posture")
	goldenRendered(t, m)
}

// The 2FA reminder to an admin (and to a risky role's holder when the
// deadline demotes), the notice past the deadline, and the demotion.
func TestMFAMessages(t *testing.T) {
	g := posture.Gap{SaaS: "zendesk", Email: "lee@acme.example", Role: "admin", FirstSeen: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), Deadline: time.Date(2026, 12, 21, 9, 0, 0, 0, time.UTC)}
	lead := g
	lead.Role = "Team Lead"
	for name, m := range map[string]bot.Message{
		"reminder":         prompts.MFANudge(g, berlin, false),
		"reminder_demotes": prompts.MFANudge(lead, berlin, true),
		"overdue":          prompts.MFAOverdue(g, berlin, ""),
		"overdue_refused":  prompts.MFAOverdue(g, berlin, "Taking the privilege away was refused: Zendesk refuses to change the account owner's role."),
		"demoted":          prompts.MFADemoted(lead, berlin, "/warden"),
	} {
		t.Run(name, func(t *testing.T) { goldenRendered(t, m) })
	}
}
