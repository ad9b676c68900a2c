package prompts_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/slack"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/internal/golden"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
)

func home() prompts.Home {
	return prompts.Home{Location: berlin, Currency: "USD", Command: "/warden", Now: grantNow}
}

// danaToken is an API token dana owns, with its retirement unplanned.
func danaToken() credentials.Item {
	return credentials.Item{
		Credential: credentials.Credential{ID: "api-token:5501", Kind: credentials.APIToken, SaaSID: 5501, Name: "Nightly export <csv>",
			ActsAs: 1, ActsAsEmail: dana, Active: true, CreatedAt: at(2, 9, 0)},
		SaaS: connector.Zendesk, Present: true, ActsAsLabel: dana, DaysLeft: 158,
		Entry: credentials.Entry{ID: "api-token:5501", State: credentials.Claimed, Owner: dana, Purpose: "Nightly ticket export to the warehouse"},
	}
}

// danaHome is everything dana's home shows: two seats to decide, one
// approval, her own request, an active grant and a credential.
func danaHome() prompts.HomeContent {
	waiting := lowApp()
	mine := highApp()
	mine.Requester = dana
	grant := activeGrant()
	grant.Email = dana
	return prompts.HomeContent{
		Person:      dana,
		Seats:       []prompts.HomeSeats{{Review: view(), Items: []reviews.Item{specialist(), neverLoggedIn()}}},
		Waiting:     []approvals.Request{waiting},
		Requests:    []approvals.Request{mine},
		Grants:      []access.Grant{grant},
		Credentials: []credentials.Item{danaToken()},
	}
}

// The home as each transport shows it: Slack's message and Home tab,
// Teams' card.
func TestHome(t *testing.T) {
	admin := danaHome()
	admin.Admin = &prompts.HomeAdmin{Parts: []prompts.HomeSaaS{
		{SaaS: connector.Zendesk, Summary: seats.Summary{SyncedAt: grantNow, Currency: "USD", Paid: seats.Tally{Seats: 120, Cost: 13800},
			Inactive: seats.Tally{Seats: 14, Cost: 1610}}, Open: 9, Saved: 575, Reviews: 4},
		{SaaS: connector.GitHub},
	}}
	tests := map[string]struct {
		content      prompts.HomeContent
		wantHeadline string
		want         []string
	}{
		"owner": {danaHome(), "2 seat decisions and 1 approval wait for you", []string{
			"*Seats to decide*", "*Waiting for your approval*", "*Your requests*", "*Your access*", "*Credentials you own*",
			"Answer by the end of Sun 29 Nov", "1 hour 20 minutes left", "expires in 7 days",
		}},
		"admin": {admin, "2 seat decisions and 1 approval wait for you", []string{
			"*The account*", "Zendesk: 120 paid seats, 14 inactive ($1,610/month) · 9 decisions open in this review · saved $575/month in the last 4 reviews",
			"GitHub: no sync yet",
		}},
		"nothing waits": {prompts.HomeContent{Person: dana}, "Your seatwarden home", []string{
			"Nothing waits for you. Ask for a role for a while with /warden access request",
		}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			m := home().Draw(tt.content, 1)
			wantHeadline(t, m, tt.wantHeadline)
			mustSay(t, m, tt.want...)
			goldenRendered(t, m)
			view, err := slack.RenderHome(m)
			if err != nil {
				t.Fatal(err)
			}
			golden.File(t, golden.Path(t, ".slackhome.golden.json"), indentJSON(t, view))
		})
	}
}

// Every entry keeps its buttons, and they name what the entry is about.
func TestHomeButtons(t *testing.T) {
	m := home().Draw(danaHome(), 1)
	var got []string
	for _, s := range m.Sections {
		for _, b := range s.Actions {
			got = append(got, b.ActionID+" "+b.Value)
		}
	}
	seat := prompts.SeatValue(connector.Zendesk, period, 19)
	want := []string{
		prompts.ActionKeep + " " + seat, prompts.ActionDowngrade + " " + seat, prompts.ActionRemove + " " + seat,
		prompts.ActionSnooze + " " + seat, prompts.ActionNotMine + " " + seat,
	}
	for _, w := range want {
		if !strings.Contains(strings.Join(got, "\n"), w) {
			t.Errorf("no button %q in %q", w, got)
		}
	}
	for _, w := range []string{
		prompts.ActionRequestApprove + " REQ-LWR7N2", prompts.ActionRequestDeny + " REQ-LWR7N2",
		prompts.ActionRequestCancel + " REQ-7KQ2MX", prompts.ActionAccessEnd + " g-REQ-ACC3SS",
		prompts.ActionTokenKeep + " " + prompts.TokenValue("", "api-token:5501"),
	} {
		if !strings.Contains(strings.Join(got, "\n"), w) {
			t.Errorf("no button %q in %q", w, got)
		}
	}
}

// A long home pages HomePageSize entries at a time, each page under its
// group headings, and every page fits one Slack view.
func TestHomePages(t *testing.T) {
	c := prompts.HomeContent{Person: dana, Seats: []prompts.HomeSeats{{Review: view(), Items: many(40)}}}
	for i := range 5 {
		r := lowApp()
		r.ID = fmt.Sprintf("REQ-W%05d", i)
		c.Waiting = append(c.Waiting, r)
	}
	pages := (c.Items() + prompts.HomePageSize - 1) / prompts.HomePageSize
	seen := 0
	for page := 1; page <= pages; page++ {
		m := home().Draw(c, page)
		if m.Pager == nil || m.Pager.Page != page || m.Pager.Pages != pages || m.Pager.ActionID != bot.ActionHomePage {
			t.Fatalf("page %d: pager %+v", page, m.Pager)
		}
		if !strings.HasPrefix(m.Sections[0].Text, "*") || !strings.HasSuffix(m.Sections[0].Text, "*") {
			t.Errorf("page %d starts with %q, not a group heading", page, m.Sections[0].Text)
		}
		for _, s := range m.Sections {
			if len(s.Actions) > 0 {
				seen++
			}
		}
		if _, err := slack.RenderHome(m); err != nil {
			t.Errorf("page %d: %v", page, err)
		}
	}
	if seen != c.Items() {
		t.Errorf("%d entries over %d pages, want each of %d once", seen, pages, c.Items())
	}
	if last := home().Draw(c, pages+7); last.Pager.Page != pages {
		t.Errorf("page past the end drew page %d, want the last, %d", last.Pager.Page, pages)
	}
}
