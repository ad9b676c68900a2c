package zendesk_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

// closedTicket is added closed: Zendesk takes no more comments on it.
const closedTicket int64 = 4700

func addClosedTicket(h *harness) {
	h.srv.AddTicket(zendesk.Ticket{ID: closedTicket, Subject: "Old laptop return", Status: zendesk.TicketStatusClosed, RequesterID: ownerID})
}

// wantNoteRequest is the body AddInternalNote sends for body.
func wantNoteRequest(t *testing.T, body string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": body, "public": false}}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAddInternalNote(t *testing.T) {
	const note = "Seatwarden granted priya@acme.example admin until 17:00 UTC (approved by omar@acme.example)."
	// Two bytes a rune: the limit is in bytes, not characters.
	atLimit := strings.Repeat("é", zendesk.MaxCommentBodyBytes/2)
	tests := []struct {
		name       string
		id         int64
		body       string
		faults     []zendesktest.Fault
		wantKind   zendesk.ErrorKind // "" for success
		wantClass  error             // connector class of the error
		wantCode   string            // Zendesk's error code, when it answered one
		wantTries  int
		wantSleeps []time.Duration // exact, or nil to check only how many
		wantNotes  int             // notes on the ticket afterwards
	}{
		{name: "writes one private note", id: zendesktest.SampleTicketSSO, body: note, wantTries: 1, wantNotes: 1},
		{name: "solved ticket", id: zendesktest.SampleTicketPassword, body: note, wantTries: 1, wantNotes: 1},
		{name: "multi-line note", id: zendesktest.SampleTicketSSO, body: "Granted.\n<b>Not HTML</b> & so on", wantTries: 1, wantNotes: 1},
		{name: "body at the limit", id: zendesktest.SampleTicketSSO, body: atLimit, wantTries: 1, wantNotes: 1},
		{
			name: "not found", id: 42, body: note, wantTries: 1,
			wantKind: zendesk.ErrNotFound, wantClass: connector.ErrNotFound, wantCode: "RecordNotFound",
		},
		{
			name: "closed ticket: 422 not retried", id: closedTicket, body: note, wantTries: 1,
			wantKind: zendesk.ErrInvalid, wantClass: connector.ErrInvalid, wantCode: "RecordInvalid",
		},
		{
			name: "422 for an empty comment is final", id: zendesktest.SampleTicketSSO, body: note,
			faults: []zendesktest.Fault{{Status: 422, Times: 1,
				Body: `{"error":"RecordInvalid","description":"Record validation errors","details":{"comment":[{"error":"BlankValue","description":"Comment: cannot be blank"}]}}`}},
			wantTries: 1,
			wantKind:  zendesk.ErrInvalid, wantClass: connector.ErrInvalid, wantCode: "RecordInvalid",
		},
		{
			name: "429 honours Retry-After", id: zendesktest.SampleTicketRefund, body: note,
			faults:     []zendesktest.Fault{{Status: 429, RetryAfter: 7 * time.Second, Times: 1}},
			wantTries:  2,
			wantSleeps: []time.Duration{7 * time.Second},
			wantNotes:  1,
		},
		{
			name: "503 then success", id: zendesktest.SampleTicketSSO, body: note,
			faults:    []zendesktest.Fault{{Status: 503, Times: 1}},
			wantTries: 2, wantNotes: 1,
		},
		{
			// A note is not idempotent: the answer to a write Zendesk made
			// was lost, and the retry writes it again.
			name: "503 after Zendesk wrote it: written twice", id: zendesktest.SampleTicketSSO, body: note,
			faults:    []zendesktest.Fault{{Status: 503, Times: 1, AfterApply: true}},
			wantTries: 2, wantNotes: 2,
		},
		{
			// The answer is not needed; a 200 means the note is there.
			name: "unreadable 200 is still written", id: zendesktest.SampleTicketSSO, body: note,
			faults:    []zendesktest.Fault{{Malformed: true, AfterApply: true, Times: 1}},
			wantTries: 1, wantNotes: 1,
		},
		{
			name: "5xx storm", id: zendesktest.SampleTicketSSO, body: note,
			faults:    []zendesktest.Fault{{Status: 500}},
			wantTries: 4, // MaxRetries 3
			wantKind:  zendesk.ErrUnavailable, wantClass: connector.ErrUnavailable,
		},
		{
			name: "403 not retried", id: zendesktest.SampleTicketSSO, body: note,
			faults:    []zendesktest.Fault{{Status: 403, Times: 1}},
			wantTries: 1,
			wantKind:  zendesk.ErrForbidden, wantClass: connector.ErrForbidden, wantCode: "Forbidden",
		},
		{
			name: "over-long body not sent", id: zendesktest.SampleTicketSSO, body: atLimit + "x",
			wantKind: zendesk.ErrInvalid, wantClass: connector.ErrInvalid,
		},
		{
			name: "empty body not sent", id: zendesktest.SampleTicketSSO, body: "",
			wantKind: zendesk.ErrInvalid, wantClass: connector.ErrInvalid,
		},
		{
			name: "blank body not sent", id: zendesktest.SampleTicketSSO, body: " \n\t ",
			wantKind: zendesk.ErrInvalid, wantClass: connector.ErrInvalid,
		},
		{
			name: "zero id not sent", id: 0, body: note,
			wantKind: zendesk.ErrInvalid, wantClass: connector.ErrInvalid,
		},
		{
			name: "negative id not sent", id: -zendesktest.SampleTicketSSO, body: note,
			wantKind: zendesk.ErrInvalid, wantClass: connector.ErrInvalid,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			addClosedTicket(h)
			for _, f := range tt.faults {
				h.srv.InjectFault(zendesktest.EndpointTicketsUpdate, f)
			}
			before, _ := h.srv.Ticket(tt.id)
			tr := &countingTransport{}
			c := h.client(t, zendesk.OAuthToken(bearerToken), func(cfg *zendesk.Config) {
				cfg.MaxRetries = 3
				cfg.HTTPClient = &http.Client{Transport: tr}
			})
			err := c.AddInternalNote(context.Background(), tt.id, tt.body)
			checkErr(t, err, zendesk.EndpointTicketsUpdate, tt.wantKind, tt.wantClass)
			if err != nil && tt.wantCode != "" {
				if code := asError(t, err).Code; code != tt.wantCode {
					t.Errorf("Code = %q, want %q", code, tt.wantCode)
				}
			}
			h.checkTries(t, zendesktest.EndpointTicketsUpdate, tt.wantTries, tt.wantSleeps)

			notes := h.srv.TicketComments(tt.id)
			if len(notes) != tt.wantNotes {
				t.Fatalf("notes on the ticket = %d, want %d: %+v", len(notes), tt.wantNotes, notes)
			}
			for _, n := range notes {
				if n.Body != tt.body || n.Public || n.AuthorID != ownerID {
					t.Errorf("note = %+v, want a private note by %d saying %q", n, ownerID, tt.body)
				}
			}
			after, _ := h.srv.Ticket(tt.id)
			if tt.wantNotes > 0 && !after.UpdatedAt.Equal(notes[len(notes)-1].CreatedAt) {
				t.Errorf("updated_at = %s, want the note's %s", after.UpdatedAt, notes[len(notes)-1].CreatedAt)
			}
			if tt.wantNotes == 0 && after != before {
				t.Errorf("ticket changed without a note: %+v -> %+v", before, after)
			}

			if tt.wantTries == 0 {
				if len(tr.counts) != 0 {
					t.Errorf("requests sent: %v, want none", tr.counts)
				}
				return
			}
			path := "PUT /api/v2/tickets/" + itoa(tt.id)
			if diff := cmp.Diff(map[string]int{path: tt.wantTries}, tr.counts); diff != "" {
				t.Errorf("requests sent (-want +got):\n%s", diff)
			}
			for i, b := range tr.bodies[path] {
				if b != wantNoteRequest(t, tt.body) {
					t.Errorf("request %d body = %.200s", i+1, b)
				}
			}
			if len(h.srv.Mutations()) != 0 {
				t.Errorf("a note changed a user: %+v", h.srv.Mutations())
			}
		})
	}
}

func TestAddInternalNoteNeedsWriteAccess(t *testing.T) {
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
		name       string
		auth       zendesk.Auth
		wantAuthor string // email of the note's author; "" when refused
	}{
		{"admin, full scope", creds(), ownerEmail},
		{"admin, tickets:write", creds("tickets:write"), ownerEmail},
		{"admin, write", creds("write"), ownerEmail},
		{"admin, tickets", creds("tickets"), ownerEmail},
		{"an agent's API token", zendesk.APIToken("mei@acme.example", apiToken), "mei@acme.example"},
		{"admin, read", creds("read"), ""},
		{"admin, tickets:read", creds("tickets:read"), ""},
		{"admin, read and users:write", creds("read", "users:write"), ""},
		{"an end user", zendesk.APIToken(endUser.Email, apiToken), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			c := h.client(t, tt.auth)
			err := c.AddInternalNote(context.Background(), zendesktest.SampleTicketSSO, "checked access")
			notes := h.srv.TicketComments(zendesktest.SampleTicketSSO)
			if tt.wantAuthor == "" {
				if !errors.Is(err, zendesk.ErrForbidden) || !errors.Is(err, connector.ErrForbidden) || !connector.Final(err) {
					t.Fatalf("err = %v, want a final ErrForbidden", err)
				}
				if n := h.srv.Requests(zendesktest.EndpointTicketsUpdate); n != 1 {
					t.Errorf("attempts = %d; a 403 must not be retried", n)
				}
				if len(notes) != 0 {
					t.Errorf("a refused note was written: %+v", notes)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			author, _ := h.srv.UserByEmail(tt.wantAuthor)
			if len(notes) != 1 || notes[0].AuthorID != author.ID || notes[0].Public {
				t.Errorf("notes = %+v, want one private note by %d", notes, author.ID)
			}
		})
	}
}

// The interface the domain uses to leave a note on a request's ticket;
// the domain owns it, the connector meets it.
var _ interface {
	AddInternalNote(ctx context.Context, ticketID int64, body string) error
} = zendesk.Connector{}

func TestConnectorAddInternalNote(t *testing.T) {
	h := sampleHarness(t)
	addClosedTicket(h)
	c := zendesk.Connector{Client: h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret, "read", "tickets:write"))}
	tests := []struct {
		name      string
		id        int64
		body      string
		wantClass error // nil for success
	}{
		{"open ticket", zendesktest.SampleTicketSSO, "Access granted until 17:00 UTC.", nil},
		{"pending ticket", zendesktest.SampleTicketRefund, "Access ended.", nil},
		{"not there", 4523, "Access granted.", connector.ErrNotFound},
		{"closed", closedTicket, "Access granted.", connector.ErrInvalid},
		{"blank", zendesktest.SampleTicketSSO, "  ", connector.ErrInvalid},
		{"not a ticket number", 0, "Access granted.", connector.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(h.srv.TicketComments(tt.id))
			err := c.AddInternalNote(t.Context(), tt.id, tt.body)
			after := h.srv.TicketComments(tt.id)
			if tt.wantClass != nil {
				if !errors.Is(err, tt.wantClass) {
					t.Fatalf("err = %v, want %v", err, tt.wantClass)
				}
				if len(after) != before {
					t.Errorf("a refused note was written: %+v", after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(after) != before+1 {
				t.Fatalf("notes = %+v, want one more", after)
			}
			if n := after[len(after)-1]; n.Body != tt.body || n.Public || n.AuthorID != ownerID {
				t.Errorf("note = %+v", n)
			}
		})
	}
}
