package zendesktest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

func TestSampleTickets(t *testing.T) {
	org := SampleOrg(t0)
	type row struct {
		ID      int64
		Subject string
		Status  string
	}
	var got []row
	for _, tk := range org.Tickets {
		got = append(got, row{tk.ID, tk.Subject, tk.Status})
		if u, ok := org.User(tk.RequesterID); !ok || u.Role != zendesk.RoleEndUser {
			t.Errorf("ticket %d's requester %d is not one of the org's end users", tk.ID, tk.RequesterID)
		}
		if tk.CreatedAt.IsZero() || tk.UpdatedAt.Before(tk.CreatedAt) || tk.UpdatedAt.After(t0) {
			t.Errorf("ticket %d: created %s, updated %s", tk.ID, tk.CreatedAt, tk.UpdatedAt)
		}
	}
	want := []row{
		{SampleTicketSSO, "SSO certificate expires tonight", "open"},
		{SampleTicketRefund, "Refund for order 1182", "pending"},
		{SampleTicketPassword, "Password reset request", "solved"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sample tickets (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(org.Tickets, newTestServer(t).Tickets()); diff != "" {
		t.Errorf("the server does not serve the org's tickets (-org +server):\n%s", diff)
	}
}

func TestShowTicket(t *testing.T) {
	s := newTestServer(t)
	endUser := SampleOrg(t0).Users[len(sampleStaff)]
	if endUser.Role != zendesk.RoleEndUser {
		t.Fatalf("user %d is not an end user", endUser.ID)
	}
	admin := "Bearer " + bearerToken
	scoped := func(scope string) string { return scopedBearer(t, s, scope) }
	path := fmt.Sprintf("/api/v2/tickets/%d", SampleTicketSSO)
	tests := []struct {
		name, method, path, auth string
		wantStatus               int
	}{
		{"admin", "GET", path, admin, 200},
		{".json suffix", "GET", path + ".json", admin, 200},
		{"an agent", "GET", path, basic("priya@acme.example", apiToken), 200},
		{"a light agent", "GET", path, basic("ravi@acme.example", apiToken), 200},
		{"read scope", "GET", path, scoped("read"), 200},
		{"tickets:read scope", "GET", path, scoped("tickets:read"), 200},
		{"tickets scope (read and write)", "GET", path, scoped("tickets"), 200},
		{"read with tickets:write", "GET", path, scoped("read tickets:write"), 200},
		{"tickets:write alone does not read", "GET", path, scoped("tickets:write"), 403},
		{"write alone does not read", "GET", path, scoped("write"), 403},
		{"users:read is another resource", "GET", path, scoped("users:read"), 403},
		{"an end user", "GET", path, basic(endUser.Email, apiToken), 403},
		{"unauthenticated", "GET", path, "", 401},
		{"unknown ticket", "GET", "/api/v2/tickets/42", admin, 404},
		{"unknown ticket, .json", "GET", "/api/v2/tickets/42.json", admin, 404},
		{"DELETE", "DELETE", path + ".json", admin, 405},
		{"POST", "POST", path, admin, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.ResetCounters()
			r := do(t, s, tt.method, tt.path, "", tt.auth)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", r.status, tt.wantStatus, r.body)
			}
			switch tt.wantStatus {
			case 200:
				tk := r.json(t)["ticket"].(map[string]any)
				if tk["subject"] != "SSO certificate expires tonight" || tk["status"] != "open" || tk["id"] != float64(SampleTicketSSO) {
					t.Errorf("ticket = %v", tk)
				}
			case 403:
				if string(r.body) != bodyForbidden {
					t.Errorf("403 body = %s", r.body)
				}
			case 404:
				if string(r.body) != bodyNotFound {
					t.Errorf("404 body = %s", r.body)
				}
			case 405:
				if got := r.header.Get("Allow"); got != "GET" {
					t.Errorf("Allow = %q", got)
				}
				if got := r.json(t)["error"]; got != "MethodNotAllowed" {
					t.Errorf("405 error = %v", got)
				}
			}
			if n := s.Requests(EndpointTicketsShow); n != 1 {
				t.Errorf("tickets_show requests = %d, want 1", n)
			}
			if n := s.Requests(EndpointUnknown) + s.Requests(EndpointUsersShow); n != 0 {
				t.Errorf("routed elsewhere too: %d", n)
			}
		})
	}
	if got, _ := s.Ticket(SampleTicketSSO); got.Status != zendesk.TicketStatusOpen {
		t.Errorf("a refused request changed the ticket: %+v", got)
	}
}

func TestTicketShape(t *testing.T) {
	s := newTestServer(t)
	r := do(t, s, "GET", fmt.Sprintf("/api/v2/tickets/%d.json", SampleTicketRefund), "")
	if r.status != 200 {
		t.Fatalf("status = %d: %s", r.status, r.body)
	}
	var body struct {
		Ticket map[string]json.RawMessage `json:"ticket"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	// Fields of Zendesk's TicketObject that real answers carry.
	for _, k := range []string{"id", "url", "subject", "raw_subject", "description", "status", "requester_id",
		"submitter_id", "assignee_id", "group_id", "created_at", "updated_at", "tags", "via", "custom_fields"} {
		if _, ok := body.Ticket[k]; !ok {
			t.Errorf("ticket has no %q: %s", k, r.body)
		}
	}
	var tk zendesk.Ticket
	if err := json.Unmarshal(r.body, &struct {
		Ticket *zendesk.Ticket `json:"ticket"`
	}{&tk}); err != nil {
		t.Fatal(err)
	}
	stored, _ := s.Ticket(SampleTicketRefund)
	if want := fmt.Sprintf("%s/api/v2/tickets/%d.json", s.URL, SampleTicketRefund); tk.URL != want {
		t.Errorf("url = %q, want %q", tk.URL, want)
	}
	tk.URL = ""
	if diff := cmp.Diff(stored, tk); diff != "" {
		t.Errorf("served ticket differs from the stored one (-stored +served):\n%s", diff)
	}
}

func TestAddTicket(t *testing.T) {
	s := newTestServer(t)
	s.Advance(time.Hour)
	now := t0.Add(time.Hour)
	s.AddTicket(zendesk.Ticket{ID: 5000, Subject: "VIP escalation", RequesterID: firstEndUserID})
	got, ok := s.Ticket(5000)
	want := zendesk.Ticket{ID: 5000, Subject: "VIP escalation", Status: "new", RequesterID: firstEndUserID, CreatedAt: now, UpdatedAt: now}
	if !ok {
		t.Fatal("added ticket not there")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("added ticket (-want +got):\n%s", diff)
	}
	if r := do(t, s, "GET", "/api/v2/tickets/5000", ""); r.status != 200 || r.json(t)["ticket"].(map[string]any)["subject"] != "VIP escalation" {
		t.Errorf("GET added ticket = %d %s", r.status, r.body)
	}

	// Replacing keeps when it was created and moves updated_at.
	before, _ := s.Ticket(SampleTicketSSO)
	s.Advance(time.Minute)
	s.AddTicket(zendesk.Ticket{ID: SampleTicketSSO, Subject: before.Subject, Status: zendesk.TicketStatusSolved, RequesterID: before.RequesterID})
	after, _ := s.Ticket(SampleTicketSSO)
	if after.Status != "solved" || !after.CreatedAt.Equal(before.CreatedAt) || !after.UpdatedAt.Equal(now.Add(time.Minute)) {
		t.Errorf("replaced ticket = %+v, was %+v", after, before)
	}
	if n := len(s.Tickets()); n != 4 {
		t.Errorf("tickets = %d, want 4", n)
	}

	defer func() {
		if recover() == nil {
			t.Error("AddTicket with id 0 did not panic")
		}
	}()
	s.AddTicket(zendesk.Ticket{Subject: "no id"})
}

func TestShowTicketFaults(t *testing.T) {
	path := fmt.Sprintf("/api/v2/tickets/%d", SampleTicketSSO)
	tests := []struct {
		name       string
		endpoint   string
		fault      Fault
		wantStatus []int
	}{
		{"503 once", EndpointTicketsShow, Fault{Status: 503, Times: 1}, []int{503, 200}},
		{"429 twice", EndpointTicketsShow, Fault{Status: 429, RetryAfter: 3 * time.Second, Times: 2}, []int{429, 429, 200}},
		{"all endpoints", AllEndpoints, Fault{Status: 500, Times: 1}, []int{500, 200}},
		{"malformed", EndpointTicketsShow, Fault{Malformed: true, Times: 1}, []int{200, 200}},
		{"another endpoint's fault", EndpointUsersShow, Fault{Status: 500}, []int{200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			s.InjectFault(tt.endpoint, tt.fault)
			for i, want := range tt.wantStatus {
				r := do(t, s, "GET", path, "")
				if r.status != want {
					t.Fatalf("request %d = %d, want %d: %s", i+1, r.status, want, r.body)
				}
				if i == 0 && tt.fault.RetryAfter > 0 && tt.endpoint == EndpointTicketsShow {
					if got := r.header.Get("Retry-After"); got != "3" {
						t.Errorf("Retry-After = %q", got)
					}
				}
			}
			if n := s.Requests(EndpointTicketsShow); n != len(tt.wantStatus) {
				t.Errorf("requests = %d, want %d", n, len(tt.wantStatus))
			}
		})
	}
}
