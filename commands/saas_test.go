package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// githubSnapshot is a GitHub organisation as its connector syncs it: five
// members, three with Copilot seats (one idle for months), one owner.
func githubSnapshot() *store.Snapshot {
	daysAgo := func(d int) *time.Time { t := now.AddDate(0, 0, -d); return &t }
	created := now.AddDate(-1, 0, 0)
	team := func(id int64) *int64 { return &id }
	return &store.Snapshot{
		SyncedAt: now.Add(-10 * time.Minute), Connector: connector.GitHub, Account: "acme",
		Roster: connector.Roster{
			Groups: []connector.Group{{ID: 1, Name: "platform"}, {ID: 2, Name: "support-tools"}},
			Memberships: []connector.Membership{
				{UserID: 11, GroupID: 1, Default: true}, {UserID: 12, GroupID: 1, Default: true}, {UserID: 13, GroupID: 2, Default: true},
			},
			Staff: []connector.Staff{
				{ID: 11, Name: "Grace Owner", Email: dana, Role: "admin", RoleName: "Owner", Privileged: true,
					Seat: "copilot_business", DefaultGroupID: team(1), TwoFactor: true, LastActivity: daysAgo(1), CreatedAt: created},
				{ID: 12, Name: "Idle Coder", Email: "idle@example.com", Role: "member", RoleName: "Member",
					Seat: "copilot_enterprise", DefaultGroupID: team(1), TwoFactor: true, LastActivity: daysAgo(75), CreatedAt: created},
				{ID: 13, Name: "Tools Dev", Email: "tools@example.com", Role: "member", RoleName: "Member",
					Seat: "copilot_business", DefaultGroupID: team(2), TwoFactor: true, LastActivity: daysAgo(3), CreatedAt: created},
				{ID: 14, Name: "No Copilot", Email: "nocopilot@example.com", Role: "member", RoleName: "Member",
					Free: connector.FreeNoCopilot, TwoFactor: false, LastActivity: nil, CreatedAt: created},
				{ID: 15, Name: "Other Owner", Email: "other@example.com", Role: "admin", RoleName: "Owner", Privileged: true,
					Free: connector.FreeNoCopilot, TwoFactor: true, CreatedAt: created},
			},
		},
	}
}

func githubGoverned(t testing.TB) Governed {
	p := testPolicy(t)
	p.Pricing.Seats = map[string]float64{"copilot_business": 19, "copilot_enterprise": 39}
	return Governed{Connector: connector.GitHub, Policy: p,
		Owners: seats.NewOwners(ops, seats.GroupOwner{Group: "platform", Owner: dana})}
}

// bothSaaSRouter answers for Zendesk's fixture account and the GitHub
// organisation of githubSnapshot, both synced.
func bothSaaSRouter(t *testing.T) *Router {
	t.Helper()
	f := newFixture(t, fixtureSnapshot())
	if err := f.store.SaveSnapshot(context.Background(), githubSnapshot()); err != nil {
		t.Fatal(err)
	}
	f.deps.Governed = []Governed{githubGoverned(t)}
	return f.router(t)
}

// TestSeatsAcrossSaaS: with GitHub governed beside Zendesk, seats answers
// for both and says which SaaS each number belongs to; a SaaS can be named.
func TestSeatsAcrossSaaS(t *testing.T) {
	r := bothSaaSRouter(t)
	tests := []struct {
		name, text string
		check      func(t *testing.T, m bot.Message)
	}{
		{"both", "seats", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Seats: 33 paid · $3,616/month across Zendesk and GitHub")
			mustSay(t, m, "*Zendesk* · 30 paid · $3,539/month", "*GitHub* · 3 paid · $77/month",
				"Removing the 1 inactive seat saves *$39/month*.", "GitHub: Not billed: 2 members without a Copilot seat.")
		}},
		{"github named", "seats github", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "GitHub seats: 3 paid · $77/month")
			mustNotSay(t, m, "Zendesk", "Fox Mulder")
		}},
		{"zendesk named, in capitals", "seats ZENDESK", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Zendesk seats: 30 paid · $3,539/month")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ask(r, admin, tt.text)
			tt.check(t, m)
			goldenJSON(t, m)
		})
	}

	t.Run("an unknown SaaS is named with the governed ones", func(t *testing.T) {
		got := errorLine(t, ask(r, admin, "seats githb"))
		want := `Usage error: "githb" is not a governed SaaS; this bot governs zendesk, github. Example: /warden seats github`
		if !strings.HasPrefix(got, want) {
			t.Errorf("got %q, want it to start with %q", got, want)
		}
	})
	t.Run("a mistyped subcommand is not taken for a SaaS", func(t *testing.T) {
		if got := errorLine(t, ask(r, admin, "seats inactiv")); !strings.Contains(got, "Did you mean `/warden seats inactive`?") {
			t.Errorf("seats inactiv answered %q, want the subcommand suggested", got)
		}
	})
}

// TestSeatsWhileOneSaaSHasNotSynced: a SaaS with no snapshot yet says so
// in its place; the others still answer.
func TestSeatsWhileOneSaaSHasNotSynced(t *testing.T) {
	f := newFixture(t, fixtureSnapshot())
	f.deps.Governed = []Governed{githubGoverned(t)}
	m := ask(f.router(t), admin, "seats")
	wantHeadline(t, m, "Seats: 30 paid · $3,539/month across Zendesk and GitHub")
	mustSay(t, m, "*GitHub*\nNo seat data yet: the first sync from GitHub is still running. Try again in a few minutes.")
	if got := errorLine(t, ask(f.router(t), admin, "seats github")); !strings.Contains(got, "first sync from GitHub") {
		t.Errorf("seats github before its first sync: %q", got)
	}
}

// TestInactiveSeatsOfAnotherSaaS: seats inactive github lists GitHub's
// idle Copilot seats in GitHub's words, for admins all of them and for an
// owner those of their team; its pager names GitHub's list.
func TestInactiveSeatsOfAnotherSaaS(t *testing.T) {
	r := bothSaaSRouter(t)

	m := ask(r, admin, "seats inactive github")
	wantHeadline(t, m, "Inactive GitHub seats: 1 with no Copilot activity for 30+ days · $39/month")
	mustSay(t, m, "*Idle Coder* · idle@example.com\nMember · platform · last Copilot activity Sun 6 Sep 2026, 75 days ago · $39/month · owner dana@example.com")
	goldenJSON(t, m)

	if m := ask(r, dana, "seats inactive github 60"); m.Headline != "Your inactive GitHub seats: 1 with no Copilot activity for 60+ days · $39/month" {
		t.Errorf("the team's owner: %q", m.Headline)
	}
	if m := ask(r, admin, "seats inactive github 90"); !strings.Contains(text(m), "No paid seat has gone 90 days without Copilot activity.") {
		t.Errorf("none that idle: %s", text(m))
	}
	// Zendesk's list reads as it always did.
	wantHeadline(t, ask(r, admin, "seats inactive 60"), "Inactive seats: 14 with no login for 60+ days · $1,664/month")
	for _, tt := range []struct{ text, want string }{
		{"seats inactive gitlab", "DAYS must be a whole number from 1 to 3650, after the SaaS if you name one (zendesk, github)"},
		{"seats inactive 60 github", "seats inactive takes SAAS then DAYS, such as github 60"},
	} {
		if got := errorLine(t, ask(r, admin, tt.text)); !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.text, got, tt.want)
		}
	}
	if got := errorLine(t, click(r, admin, PageActionID, bot.PageValue("inactive:zendesk:30", 2))); !strings.Contains(got, "button") {
		t.Errorf("Zendesk's list written with its name: %q", got)
	}
}

// TestSeatUserAcrossSaaS: seats user shows a person's seat in every
// governed SaaS they hold one in, each under its name.
func TestSeatUserAcrossSaaS(t *testing.T) {
	r := bothSaaSRouter(t)
	tests := []struct {
		name, email string
		check       func(t *testing.T, m bot.Message)
	}{
		{"both", dana, func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Seat: Dana Scully")
			mustSay(t, m, "*GitHub* · Grace Owner")
			wantField(t, m, "Custom role", "Staff")
		}},
		{"github only", "idle@example.com", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Seat: Idle Coder")
			mustSay(t, m, "idle@example.com holds no Zendesk seat.", "*GitHub* · Idle Coder")
			wantField(t, m, "Owner", dana)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ask(r, admin, "seats user "+tt.email)
			tt.check(t, m)
			goldenJSON(t, m)
		})
	}
	if got := errorLine(t, ask(r, admin, "seats user nobody@example.com")); !strings.Contains(got, "is not an agent or admin in Zendesk") {
		t.Errorf("nobody: %q", got)
	}
}
