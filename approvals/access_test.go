package approvals_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

// accessForm is a valid ask for admin for two hours, edited.
func accessForm(edit ...func(approvals.Answers)) approvals.Answers {
	a := approvals.Answers{
		approvals.FieldRole:     "admin",
		approvals.FieldDuration: "2h",
		approvals.FieldWhy:      "Fix the SSO settings after the IdP change",
	}
	for _, e := range edit {
		e(a)
	}
	return a
}

// withTeamLead lets people ask for the Team Lead custom role too.
func withTeamLead(p *approvals.Policy) {
	p.Access = access.Policy{Roles: map[string]access.RolePolicy{"admin": {MaxDuration: 4 * time.Hour}, "Team Lead": {MaxDuration: 8 * time.Hour}}}
}

func TestAccessRequests(t *testing.T) {
	tests := []struct {
		name      string
		answers   approvals.Answers
		wantTitle string
		wantTier  approvals.Tier
		wantNeed  int
		wantTkt   string
	}{
		{"admin is high risk", accessForm(), "Access as admin for 2 hours", approvals.High, 2, ""},
		{"a custom role by any case", accessForm(set(approvals.FieldRole, "TEAM LEAD"), set(approvals.FieldDuration, "90 minutes")),
			"Access as team lead for 1 hour 30 minutes", approvals.Low, 1, ""},
		{"no duration takes the default", accessForm(set(approvals.FieldDuration, "")), "Access as admin for 1 hour", approvals.High, 2, ""},
		{"a ticket by number", accessForm(set(approvals.FieldTicket, "#4521")), "Access as admin for 2 hours", approvals.High, 2, "4521"},
		{"a ticket by link", accessForm(set(approvals.FieldTicket, "https://acme.zendesk.com/agent/tickets/4521")), "Access as admin for 2 hours", approvals.High, 2, "4521"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, withTeamLead)
			r := f.submit(t, "access", agent(riley), tt.answers)
			if r.Title != tt.wantTitle || r.Tier != tt.wantTier || r.Needed != tt.wantNeed || r.Answers[approvals.FieldTicket] != tt.wantTkt {
				t.Errorf("request = %q, %s, needs %d, ticket %q; want %q, %s, %d, %q", r.Title, r.Tier, r.Needed, r.Answers[approvals.FieldTicket],
					tt.wantTitle, tt.wantTier, tt.wantNeed, tt.wantTkt)
			}
			if approvals.KindOf(r.Kind).Next != approvals.AwaitGrant {
				t.Error("an approved access request does not wait for its grant")
			}
		})
	}
}

func TestAccessRequestFieldErrors(t *testing.T) {
	tests := []struct {
		name    string
		answers approvals.Answers
		field   string
		msg     string
	}{
		{"role missing", accessForm(set(approvals.FieldRole, "")), approvals.FieldRole, "Required: role"},
		{"role not grantable", accessForm(set(approvals.FieldRole, "owner")), approvals.FieldRole, `"owner" is not a role you can ask for; grantable: admin, team lead`},
		{"two weeks", accessForm(set(approvals.FieldDuration, "2 weeks")), approvals.FieldDuration, `"2 weeks" is not a duration: use minutes, hours or days`},
		{"zero", accessForm(set(approvals.FieldDuration, "0")), approvals.FieldDuration, `"0" is not a length of time`},
		{"negative", accessForm(set(approvals.FieldDuration, "-2h")), approvals.FieldDuration, `"-2h" is not a length of time`},
		{"over the role's maximum", accessForm(set(approvals.FieldDuration, "5h")), approvals.FieldDuration, "5 hours is longer than admin may be held, 4 hours; ask for 4 hours or less"},
		{"under the minimum", accessForm(set(approvals.FieldDuration, "5m")), approvals.FieldDuration, "5 minutes is shorter than the shortest grant, 15 minutes"},
		{"reason missing", accessForm(set(approvals.FieldWhy, " ")), approvals.FieldWhy, "Required: why you need it"},
		{"a ticket that is not one", accessForm(set(approvals.FieldTicket, "the SSO one")), approvals.FieldTicket, "A ticket number such as 1234"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, withTeamLead)
			_, err := f.svc.Submit(t.Context(), "access", agent(riley), tt.answers, 0)
			var fe *approvals.FormError
			if !errors.As(err, &fe) || !strings.HasPrefix(fe.On(tt.field), tt.msg) {
				t.Fatalf("Submit: %v; want %s: %q", err, tt.field, tt.msg)
			}
			if list, _ := f.svc.List(t.Context()); len(list) != 0 {
				t.Errorf("a refused form left %d requests behind", len(list))
			}
		})
	}
}

// A ticket named on the form is looked up in Zendesk: a wrong number is
// refused on its field, and approvers see the subject of a right one; a
// Zendesk that does not answer leaves it unchecked, never the request.
func TestAccessRequestTickets(t *testing.T) {
	emu := zendesktest.NewServer(zendesktest.SampleOrg(now), zendesktest.WithOAuthClient("approvals", "secret", true))
	t.Cleanup(emu.Close)
	client, err := zendesk.New(zendesk.Config{BaseURL: emu.URL, Auth: zendesk.OAuthClientCredentials("approvals", "secret"),
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, RequestsPerMinute: 100_000,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, withTeamLead)
	f.svc.Tickets = zendesk.Connector{Client: client}

	r := f.submit(t, "access", agent(riley), accessForm(set(approvals.FieldTicket, "#4521")))
	if r.Ticket == nil || r.Ticket.Subject != "SSO certificate expires tonight" || r.Ticket.Status != "open" {
		t.Errorf("ticket = %+v, want 4521 with its subject and status", r.Ticket)
	}

	_, err = f.svc.Submit(t.Context(), "access", agent(riley), accessForm(set(approvals.FieldTicket, "99999")), 0)
	var fe *approvals.FormError
	if !errors.As(err, &fe) || fe.On(approvals.FieldTicket) != "No ticket 99999 in Zendesk: check the number, or leave it empty" {
		t.Errorf("a ticket that does not exist: %v", err)
	}

	emu.InjectFault(zendesktest.EndpointTicketsShow, zendesktest.Fault{Status: http.StatusServiceUnavailable})
	r = f.submit(t, "access", agent(sam), accessForm(set(approvals.FieldTicket, "4522")))
	if r.Ticket == nil || r.Ticket.ID != 4522 || r.Ticket.Subject != "" {
		t.Errorf("with Zendesk down: ticket = %+v, want 4522 unchecked", r.Ticket)
	}
}

func TestAccessRequestOnePendingPerRole(t *testing.T) {
	f := newFixture(t, withTeamLead)
	first := f.submit(t, "access", agent(riley), accessForm())
	_, err := f.svc.Submit(t.Context(), "access", agent(riley), accessForm(set(approvals.FieldDuration, "1h")), 0)
	var fe *approvals.FormError
	want := "You asked for admin already: " + first.ID + " is pending. Wait for it, or withdraw it with request cancel " + first.ID
	if !errors.As(err, &fe) || fe.On(approvals.FieldRole) != want {
		t.Errorf("a second pending request: %v; want %q", err, want)
	}
	// Another role, or another person, is a request of its own.
	f.submit(t, "access", agent(riley), accessForm(set(approvals.FieldRole, "team lead")))
	f.submit(t, "access", agent(sam), accessForm())
	if _, err := f.svc.Cancel(t.Context(), first.ID, agent(riley)); err != nil {
		t.Fatal(err)
	}
	f.submit(t, "access", agent(riley), accessForm())
}
