package prompts_test

import (
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/seats"
)

// TestSeatLines: a seat of an inactive list says, in its SaaS's words,
// when it was last used or that it never was, and who answers for it
// unless the list is the reader's own.
func TestSeatLines(t *testing.T) {
	ownedByDana := func(seats.Seat) string { return dana }
	tests := []struct {
		name string
		saas string
		seat seats.Seat
		mine bool
		want string
	}{
		{"zendesk seat never logged in", connector.Zendesk,
			seats.Seat{User: connector.Staff{Name: "Nora Never", Email: "nora@example.com", RoleName: "Agent", CreatedAt: at(18, 9, 0).AddDate(0, 0, -30)},
				Groups: []string{"Tier 1", "Billing"}, NeverLoggedIn: true, DaysInactive: 30, MonthlyCost: 115},
			false,
			"*Nora Never* · nora@example.com\nAgent · Tier 1, Billing · never logged in (added Mon 19 Oct 2026, 30 days ago) · $115/month · owner dana@example.com"},
		{"copilot seat last used yesterday", connector.GitHub,
			seats.Seat{User: connector.Staff{Name: "Gus Hub", Email: "gus@example.com", RoleName: "Member", LastActivity: ptr(at(17, 16, 30))},
				Groups: []string{"platform"}, DaysInactive: 1, MonthlyCost: 19},
			false,
			"*Gus Hub* · gus@example.com\nMember · platform · last Copilot activity Tue 17 Nov 2026, 1 day ago · $19/month · owner dana@example.com"},
		{"copilot seat never used, in the owner's own list", connector.GitHub,
			seats.Seat{User: connector.Staff{Name: "Ida <bot>", RoleName: "Member", CreatedAt: at(18, 8, 0).AddDate(0, 0, -45)},
				NeverLoggedIn: true, DaysInactive: 45, MonthlyCost: 39},
			true,
			"*Ida &lt;bot&gt;*\nMember · never used Copilot (added Sun 4 Oct 2026, 45 days ago) · $39/month"},
		{"suspended zendesk seat without a name", connector.Zendesk,
			seats.Seat{User: connector.Staff{Email: "old@example.com", Suspended: true, RoleName: "Admin", LastActivity: ptr(at(18, 9, 0).AddDate(0, -4, 0))},
				DaysInactive: 123, MonthlyCost: 115},
			false,
			"*(no name)* · old@example.com\nAdmin · suspended · last login Sat 18 Jul 2026, 123 days ago · $115/month · owner dana@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := prompts.Seats{SaaS: tt.saas, Location: berlin, Currency: "USD", Command: "/warden", SyncedAt: now.Add(-time.Hour)}
			m := v.Inactive(1, tt.seat.MonthlyCost, tt.mine, prompts.SeatPage{Seats: []seats.Seat{tt.seat}, Total: 1, OwnerOf: ownedByDana})
			if len(m.Sections) != 1 {
				t.Fatalf("%d sections, want the seat's line alone", len(m.Sections))
			}
			if got := m.Sections[0].Text; got != tt.want {
				t.Errorf("seat line\n got: %q\nwant: %q", got, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
