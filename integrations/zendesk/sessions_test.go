package zendesk_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

const priyaID = int64(900000000103) // a Staff agent of the sample org

func TestEndSessions(t *testing.T) {
	tests := []struct {
		name       string
		id         int64
		sessions   int // priya's live sessions before
		faults     []zendesktest.Fault
		wantKind   zendesk.ErrorKind
		wantClass  error // connector class of the error
		wantTries  int
		wantSleeps []time.Duration // exact, or nil to check only how many
		wantLeft   int             // priya's sessions after
	}{
		{name: "ends every session", id: priyaID, sessions: 3, wantTries: 1},
		{name: "none to end", id: priyaID, wantTries: 1},
		{
			name: "unknown user", id: 42, sessions: 1, wantTries: 1, wantLeft: 1,
			wantKind: zendesk.ErrNotFound, wantClass: connector.ErrNotFound,
		},
		{
			name: "503 then success", id: priyaID, sessions: 2,
			faults:    []zendesktest.Fault{{Status: 503, Times: 1}},
			wantTries: 2,
		},
		{
			name: "429 honours Retry-After", id: priyaID, sessions: 2,
			faults:     []zendesktest.Fault{{Status: 429, RetryAfter: 7 * time.Second, Times: 1}},
			wantTries:  2,
			wantSleeps: []time.Duration{7 * time.Second},
		},
		{
			name: "applied, answer lost, retried", id: priyaID, sessions: 2,
			faults:    []zendesktest.Fault{{Status: 502, AfterApply: true, Times: 1}},
			wantTries: 2,
		},
		{
			name: "5xx storm", id: priyaID, sessions: 2, wantLeft: 2,
			faults:    []zendesktest.Fault{{Status: 500}},
			wantTries: 4, // MaxRetries 3
			wantKind:  zendesk.ErrUnavailable, wantClass: connector.ErrUnavailable,
		},
		{
			name: "429 storm", id: priyaID, sessions: 2, wantLeft: 2,
			faults:    []zendesktest.Fault{{Status: 429, RetryAfter: 2 * time.Second}},
			wantTries: 4,
			wantKind:  zendesk.ErrRateLimited, wantClass: connector.ErrRateLimited,
		},
		{
			name: "403 not retried", id: priyaID, sessions: 2, wantLeft: 2,
			faults:    []zendesktest.Fault{{Status: 403, Times: 1}},
			wantTries: 1,
			wantKind:  zendesk.ErrForbidden, wantClass: connector.ErrForbidden,
		},
		{
			name: "zero id not sent", id: 0, sessions: 1, wantLeft: 1,
			wantKind: zendesk.ErrInvalid, wantClass: connector.ErrInvalid,
		},
		{
			name: "negative id not sent", id: -priyaID, sessions: 1, wantLeft: 1,
			wantKind: zendesk.ErrInvalid, wantClass: connector.ErrInvalid,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			for range tt.sessions {
				h.srv.StartSession(priyaID)
			}
			for _, f := range tt.faults {
				h.srv.InjectFault(zendesktest.EndpointUserSessions, f)
			}
			tr := &countingTransport{}
			c := h.client(t, zendesk.OAuthToken(bearerToken), func(cfg *zendesk.Config) {
				cfg.MaxRetries = 3
				cfg.HTTPClient = &http.Client{Transport: tr}
			})
			err := c.EndSessions(context.Background(), tt.id)
			checkErr(t, err, zendesk.EndpointUserSessions, tt.wantKind, tt.wantClass)
			h.checkTries(t, zendesktest.EndpointUserSessions, tt.wantTries, tt.wantSleeps)
			if n := h.srv.Sessions(priyaID); n != tt.wantLeft {
				t.Errorf("sessions left = %d, want %d", n, tt.wantLeft)
			}
			if obs := h.observations(); tt.wantKind == "" && obs[len(obs)-1].Status != http.StatusNoContent {
				t.Errorf("last attempt %+v, want 204", obs[len(obs)-1])
			}
			if tt.wantTries == 0 && len(tr.counts) != 0 {
				t.Errorf("requests sent: %v, want none", tr.counts)
			}
			if tt.wantTries > 0 {
				path := "DELETE /api/v2/users/" + itoa(tt.id) + "/sessions"
				if diff := cmp.Diff(map[string]int{path: tt.wantTries}, tr.counts); diff != "" {
					t.Errorf("requests sent (-want +got):\n%s", diff)
				}
				for _, b := range tr.bodies[path] {
					if b != "" {
						t.Errorf("DELETE sent a body: %q", b)
					}
				}
			}
			muts := h.srv.Mutations()
			for i := range muts {
				muts[i].At = time.Time{} // retries move the clock
			}
			var want []zendesktest.Mutation
			if tt.wantKind == "" && tt.sessions > 0 {
				want = append(want, zendesktest.Mutation{UserID: priyaID, Field: zendesktest.FieldSessions, From: itoa(int64(tt.sessions)), To: "0"})
			}
			if diff := cmp.Diff(want, muts); diff != "" {
				t.Errorf("mutations (-want +got):\n%s", diff)
			}
			if tt.wantKind != "" {
				return
			}
			// Again: nothing left to end, and still no error.
			if err := c.EndSessions(context.Background(), tt.id); err != nil {
				t.Errorf("second EndSessions: %v", err)
			}
			if n := len(h.srv.Mutations()); n != len(want) {
				t.Errorf("second EndSessions recorded a change: %+v", h.srv.Mutations())
			}
		})
	}
}

func TestEndSessionsNeedsWriteAccess(t *testing.T) {
	tests := []struct {
		name     string
		auth     zendesk.Auth
		wantKind zendesk.ErrorKind // "" for success
	}{
		{"admin, full scope", zendesk.OAuthClientCredentials(clientID, clientSecret), ""},
		{"admin, users:write", zendesk.OAuthClientCredentials(clientID, clientSecret, "users:write"), ""},
		{"admin, write", zendesk.OAuthClientCredentials(clientID, clientSecret, "read", "write"), ""},
		{"admin, users:read", zendesk.OAuthClientCredentials(clientID, clientSecret, "users:read"), zendesk.ErrForbidden},
		{"admin, read", zendesk.OAuthClientCredentials(clientID, clientSecret, "read"), zendesk.ErrForbidden},
		{"another agent", zendesk.APIToken("mei@acme.example", apiToken), zendesk.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			h.srv.StartSession(priyaID)
			c := zendesk.Connector{Client: h.client(t, tt.auth)}
			err := c.EndSessions(context.Background(), priyaID)
			if tt.wantKind == "" {
				if err != nil {
					t.Fatal(err)
				}
				if n := h.srv.Sessions(priyaID); n != 0 {
					t.Errorf("sessions left = %d", n)
				}
				return
			}
			if !errors.Is(err, tt.wantKind) || !errors.Is(err, connector.ErrForbidden) || !connector.Final(err) {
				t.Fatalf("err = %v, want a final %v", err, tt.wantKind)
			}
			if n := h.srv.Requests(zendesktest.EndpointUserSessions); n != 1 {
				t.Errorf("attempts = %d; a 403 must not be retried", n)
			}
			if n := h.srv.Sessions(priyaID); n != 1 {
				t.Errorf("a refused DELETE ended sessions: %d left", n)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
