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
// synced yet, and the credentials.
func TestPostureReport(t *testing.T) {
	p := posture.Report{Directory: true, Tokens: true, TokensLeft: 3, DaysLeft: 145, WriteClients: 1, SaaS: []posture.SaaS{
		{SaaS: "zendesk", Synced: true, Admins: 4, JustInTime: 1, NoMFA: []string{"lee@acme.example", "sam@acme.example"}, Currency: "USD",
			Inactive: seats.Tally{Seats: 7, Cost: 805}, Departed: []string{"a@acme.example", "b@acme.example", "c@acme.example", "d@acme.example", "e@acme.example", "f@acme.example"}},
		{SaaS: "github"},
	}}
	m := prompts.PostureReport(p, "/warden")
	wantHeadline(t, m, "🛡 Security posture")
	goldenRendered(t, m)
}

// The weekly posture with what changed since last week.
func TestPostureDigest(t *testing.T) {
	r := posture.Report{Tokens: true, TokensLeft: 2, DaysLeft: 138, SaaS: []posture.SaaS{{SaaS: "zendesk", Synced: true, Admins: 2, JustInTime: 1, Currency: "USD"}}}
	now, last := r.Counts(), posture.Counts{Standing: 3, NoMFA: 1, TokensLeft: 4}
	m := prompts.PostureDigest(r, &now, &last, "/warden")
	wantHeadline(t, m, "🛡 This week's security posture")
	goldenRendered(t, m)
}

// The 2FA reminder to an admin, and the admin channel's notice past the
// deadline.
func TestMFAMessages(t *testing.T) {
	g := posture.Gap{SaaS: "zendesk", Email: "lee@acme.example", FirstSeen: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), Deadline: time.Date(2026, 12, 21, 9, 0, 0, 0, time.UTC)}
	for name, m := range map[string]bot.Message{"reminder": prompts.MFANudge(g, berlin), "overdue": prompts.MFAOverdue(g, berlin)} {
		t.Run(name, func(t *testing.T) { goldenRendered(t, m) })
	}
}
