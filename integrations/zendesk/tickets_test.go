package zendesk_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

func TestGetTicket(t *testing.T) {
	tests := []struct {
		name       string
		id         int64
		faults     []zendesktest.Fault
		wantKind   zendesk.ErrorKind // "" for success
		wantClass  error             // connector class of the error
		wantTries  int
		wantSleeps []time.Duration // exact, or nil to check only how many
	}{
		{name: "found", id: zendesktest.SampleTicketSSO, wantTries: 1},
		{name: "solved ticket", id: zendesktest.SampleTicketPassword, wantTries: 1},
		{
			name: "not found", id: 42, wantTries: 1,
			wantKind: zendesk.ErrNotFound, wantClass: connector.ErrNotFound,
		},
		{
			name: "503 then success", id: zendesktest.SampleTicketSSO,
			faults:    []zendesktest.Fault{{Status: 503, Times: 1}},
			wantTries: 2,
		},
		{
			name: "429 honours Retry-After", id: zendesktest.SampleTicketRefund,
			faults:     []zendesktest.Fault{{Status: 429, RetryAfter: 7 * time.Second, Times: 1}},
			wantTries:  2,
			wantSleeps: []time.Duration{7 * time.Second},
		},
		{
			// Not retried here; the domain reads it as Zendesk unavailable.
			name: "malformed body", id: zendesktest.SampleTicketSSO,
			faults:    []zendesktest.Fault{{Malformed: true, Times: 1}},
			wantTries: 1,
			wantKind:  zendesk.ErrBadResponse, wantClass: connector.ErrUnavailable,
		},
		{
			name: "5xx storm", id: zendesktest.SampleTicketSSO,
			faults:    []zendesktest.Fault{{Status: 500}},
			wantTries: 4, // MaxRetries 3
			wantKind:  zendesk.ErrUnavailable, wantClass: connector.ErrUnavailable,
		},
		{
			name: "403 not retried", id: zendesktest.SampleTicketSSO,
			faults:    []zendesktest.Fault{{Status: 403, Times: 1}},
			wantTries: 1,
			wantKind:  zendesk.ErrForbidden, wantClass: connector.ErrForbidden,
		},
		{
			name: "zero id not sent", id: 0,
			wantKind: zendesk.ErrInvalid, wantClass: connector.ErrInvalid,
		},
		{
			name: "negative id not sent", id: -zendesktest.SampleTicketSSO,
			wantKind: zendesk.ErrInvalid, wantClass: connector.ErrInvalid,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			for _, f := range tt.faults {
				h.srv.InjectFault(zendesktest.EndpointTicketsShow, f)
			}
			tr := &countingTransport{}
			c := h.client(t, zendesk.OAuthToken(bearerToken), func(cfg *zendesk.Config) {
				cfg.MaxRetries = 3
				cfg.HTTPClient = &http.Client{Transport: tr}
			})
			got, err := c.GetTicket(context.Background(), tt.id)
			checkErr(t, err, zendesk.EndpointTicketsShow, tt.wantKind, tt.wantClass)
			if err != nil {
				if got != (zendesk.Ticket{}) {
					t.Errorf("a failed GetTicket returned %+v", got)
				}
			} else {
				stored, _ := h.srv.Ticket(tt.id)
				if want := h.srv.URL + "/api/v2/tickets/" + itoa(tt.id) + ".json"; got.URL != want {
					t.Errorf("URL = %q, want %q", got.URL, want)
				}
				got.URL = ""
				if diff := cmp.Diff(stored, got); diff != "" {
					t.Errorf("GetTicket differs from the server's ticket (-server +returned):\n%s", diff)
				}
			}
			h.checkTries(t, zendesktest.EndpointTicketsShow, tt.wantTries, tt.wantSleeps)
			if tt.wantTries == 0 {
				if len(tr.counts) != 0 {
					t.Errorf("requests sent: %v, want none", tr.counts)
				}
				return
			}
			path := "GET /api/v2/tickets/" + itoa(tt.id)
			if diff := cmp.Diff(map[string]int{path: tt.wantTries}, tr.counts); diff != "" {
				t.Errorf("requests sent (-want +got):\n%s", diff)
			}
			if len(h.srv.Mutations()) != 0 {
				t.Errorf("reading a ticket changed something: %+v", h.srv.Mutations())
			}
		})
	}
}

func TestGetTicketNeedsReadAccess(t *testing.T) {
	var endUser zendesk.User
	for _, u := range zendesktest.SampleOrg(t0).Users {
		if u.Role == zendesk.RoleEndUser && u.Active {
			endUser = u
			break
		}
	}
	creds := func(scopes ...string) zendesk.Auth {
		return zendesk.OAuthClientCredentials(clientID, clientSecret, scopes...)
	}
	tests := []struct {
		name     string
		auth     zendesk.Auth
		wantKind zendesk.ErrorKind // "" for success
	}{
		{"admin, full scope", creds(), ""},
		{"admin, tickets:read", creds("tickets:read"), ""},
		{"admin, read", creds("read"), ""},
		{"admin, read and users:write", creds("read", "users:write"), ""},
		{"an agent's API token", zendesk.APIToken("mei@acme.example", apiToken), ""},
		{"admin, tickets:write", creds("tickets:write"), zendesk.ErrForbidden},
		{"admin, write", creds("write"), zendesk.ErrForbidden},
		{"admin, users:read", creds("users:read"), zendesk.ErrForbidden},
		{"an end user", zendesk.APIToken(endUser.Email, apiToken), zendesk.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			c := h.client(t, tt.auth)
			got, err := c.GetTicket(context.Background(), zendesktest.SampleTicketSSO)
			if tt.wantKind == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got.Subject != "SSO certificate expires tonight" {
					t.Errorf("ticket = %+v", got)
				}
				return
			}
			if !errors.Is(err, tt.wantKind) || !errors.Is(err, connector.ErrForbidden) || !connector.Final(err) {
				t.Fatalf("err = %v, want a final %v", err, tt.wantKind)
			}
			if n := h.srv.Requests(zendesktest.EndpointTicketsShow); n != 1 {
				t.Errorf("attempts = %d; a 403 must not be retried", n)
			}
		})
	}
}

func TestConnectorTicket(t *testing.T) {
	h := sampleHarness(t)
	h.srv.AddTicket(zendesk.Ticket{ID: 5000, Subject: "Billing admin access for audit", Status: zendesk.TicketStatusHold, RequesterID: ownerID})
	c := zendesk.Connector{Client: h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret, "read"))}
	tests := []struct {
		name      string
		id        int64
		want      connector.Ticket
		wantClass error
	}{
		{"open", zendesktest.SampleTicketSSO, connector.Ticket{ID: 4521, Subject: "SSO certificate expires tonight", Status: "open"}, nil},
		{"pending", zendesktest.SampleTicketRefund, connector.Ticket{ID: 4522, Subject: "Refund for order 1182", Status: "pending"}, nil},
		{"solved", zendesktest.SampleTicketPassword, connector.Ticket{ID: 4600, Subject: "Password reset request", Status: "solved"}, nil},
		{"added", 5000, connector.Ticket{ID: 5000, Subject: "Billing admin access for audit", Status: "hold"}, nil},
		{"not there", 4523, connector.Ticket{}, connector.ErrNotFound},
		{"not a ticket number", 0, connector.Ticket{}, connector.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Ticket(t.Context(), tt.id)
			if tt.wantClass == nil && err != nil {
				t.Fatal(err)
			}
			if tt.wantClass != nil && !errors.Is(err, tt.wantClass) {
				t.Fatalf("err = %v, want %v", err, tt.wantClass)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Ticket (-want +got):\n%s", diff)
			}
		})
	}
}
