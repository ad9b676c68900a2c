package prompts_test

import (
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
)

// The admin channel's alert when a directory read is held back, with and
// without an earlier good read, on both transports.
func TestDirectoryHeld(t *testing.T) {
	for name, last := range map[string]time.Time{"after a good read": at(23, 9, 15), "first read": {}} {
		t.Run(name, func(t *testing.T) {
			m := prompts.DirectoryHeld("okta", "120 of the 300 active people would have left at once (more than 50%)", last, berlin)
			wantHeadline(t, m, "⚠ The Okta directory read was held back")
			goldenRendered(t, m)
		})
	}
}

// whois as each transport shows it: a person the directory knows, with a
// seat, credentials and a grant; one it does not know.
func TestWhois(t *testing.T) {
	mei := directory.Person{ID: "00u2", Name: "Mei Tanaka", Emails: []string{"mei.tanaka@example.com", "mei@example.com"},
		Status: directory.Suspended, Changed: at(20, 17, 30), Manager: dana, Department: "Support", Title: "Agent <Tier 2>"}
	lastLogin := at(1, 9, 0)
	seat := prompts.Seats{SaaS: connector.Zendesk, Location: berlin, Currency: "USD", Command: "/warden"}.OtherSeat(
		seats.Seat{User: connector.Staff{ID: 9001, Name: "Mei Tanaka", Email: "mei@example.com", TwoFactor: true, RoleName: "Staff", LastActivity: &lastLogin},
			Paid: true, DaysInactive: 17, MonthlyCost: 115}, dana)
	grant := activeGrant()
	tests := map[string]prompts.WhoisFacts{
		"known": {Email: "mei@example.com", Source: directory.Okta, Person: &mei, ReadAt: at(23, 11, 30), Seats: []bot.Section{seat},
			Credentials: []credentials.Item{danaToken()}, Grants: []access.Grant{grant}},
		"unknown": {Email: "ghost@example.com", Source: directory.Okta, ReadAt: at(23, 11, 30)},
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			m := prompts.Whois{Location: berlin, Command: "/warden", Now: grantNow}.Draw(f)
			goldenRendered(t, m)
		})
	}
}

// What the owner and the admins hear when the policy removed or suspended
// a leaver's seat at once.
func TestLeaverActed(t *testing.T) {
	for name, kind := range map[string]reviews.ChangeKind{"removed": reviews.ChangeDemote, "suspended": reviews.ChangeSuspend} {
		t.Run(name, func(t *testing.T) {
			it := specialist()
			it.State, it.DecidedBy, it.DecidedAt = reviews.Removed, reviews.System.Email, at(18, 10, 0)
			it.Left = &reviews.Left{Source: "okta", Status: "deactivated", At: at(18, 9, 0)}
			it.Change = &reviews.Change{Kind: kind, Status: reviews.ChangeDone, Attempts: 1, DoneAt: at(18, 10, 0)}
			m := view().LeaverActed(it)
			goldenRendered(t, m)
		})
	}
}

// What the admin channel hears of a leaver who still holds access.
func TestLeaverReport(t *testing.T) {
	h := prompts.LeaverHolds{Source: directory.Okta,
		Person: directory.Person{ID: "00u2", Name: "Omar Haddad", Emails: []string{"omar@example.com"}, Status: directory.Suspended, Changed: at(18, 9, 0)},
		Roles:  []string{"an approver of every request", "an approver of app install requests"}, Approved: []string{"REQ-7KQ2MX"}, Grants: []string{"g-REQ-ACC3SS"}}
	m := prompts.LeaverReport(h, "/warden", berlin)
	wantHeadline(t, m, "🚪 Omar Haddad left (suspended in Okta on 18 Nov 2026) and still holds access")
	goldenRendered(t, m)
}
