package zendesktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

// closedTicket is a ticket tests add closed; Zendesk takes no updates on
// one.
const closedTicket int64 = 4700

func noteBody(body string, public ...bool) string {
	c := map[string]any{"body": body}
	if len(public) > 0 {
		c["public"] = public[0]
	}
	b, err := json.Marshal(map[string]any{"ticket": map[string]any{"comment": c}})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestUpdateTicket(t *testing.T) {
	const (
		dana  = int64(900000000101) // owner, whom the bearer token acts as
		priya = int64(900000000103) // agent
	)
	endUser := SampleOrg(t0).Users[len(sampleStaff)]
	if endUser.Role != zendesk.RoleEndUser {
		t.Fatalf("user %d is not an end user", endUser.ID)
	}
	path := fmt.Sprintf("/api/v2/tickets/%d", SampleTicketSSO)
	atLimit := strings.Repeat("é", zendesk.MaxCommentBodyBytes/2)
	tests := []struct {
		name       string
		path       string
		auth       func(s *Server) string // nil: the owner's bearer token
		body       string
		wantStatus int
		wantAuthor int64
		wantPublic bool
		wantDetail string // the 422's details key
	}{
		{name: "internal note", path: path, body: noteBody("Granted admin until 17:00", false), wantStatus: 200, wantAuthor: dana},
		{name: ".json suffix", path: path + ".json", body: noteBody("note", false), wantStatus: 200, wantAuthor: dana},
		{name: "public left out is public", path: path, body: noteBody("reply"), wantStatus: 200, wantAuthor: dana, wantPublic: true},
		{name: "public comment", path: path, body: noteBody("reply", true), wantStatus: 200, wantAuthor: dana, wantPublic: true},
		{name: "solved ticket", path: fmt.Sprintf("/api/v2/tickets/%d", SampleTicketPassword), body: noteBody("note", false), wantStatus: 200, wantAuthor: dana},
		{name: "body at the limit", path: path, body: noteBody(atLimit, false), wantStatus: 200, wantAuthor: dana},
		{
			name: "an agent's API token", path: path, body: noteBody("note", false), wantStatus: 200, wantAuthor: priya,
			auth: func(*Server) string { return basic("priya@acme.example", apiToken) },
		},
		{
			name: "write scope", path: path, body: noteBody("note", false), wantStatus: 200, wantAuthor: dana,
			auth: func(s *Server) string { return scopedBearer(t, s, "write") },
		},
		{
			name: "tickets scope", path: path, body: noteBody("note", false), wantStatus: 200, wantAuthor: dana,
			auth: func(s *Server) string { return scopedBearer(t, s, "tickets") },
		},
		{
			name: "tickets:write scope", path: path, body: noteBody("note", false), wantStatus: 200, wantAuthor: dana,
			auth: func(s *Server) string { return scopedBearer(t, s, "tickets:write") },
		},
		{
			name: "read scope cannot write", path: path, body: noteBody("note", false), wantStatus: 403,
			auth: func(s *Server) string { return scopedBearer(t, s, "read") },
		},
		{
			name: "tickets:read cannot write", path: path, body: noteBody("note", false), wantStatus: 403,
			auth: func(s *Server) string { return scopedBearer(t, s, "tickets:read") },
		},
		{
			name: "users:write is another resource", path: path, body: noteBody("note", false), wantStatus: 403,
			auth: func(s *Server) string { return scopedBearer(t, s, "users:write") },
		},
		{
			name: "an end user", path: path, body: noteBody("note", false), wantStatus: 403,
			auth: func(*Server) string { return basic(endUser.Email, apiToken) },
		},
		{
			name: "unauthenticated", path: path, body: noteBody("note", false), wantStatus: 401,
			auth: func(*Server) string { return "" },
		},
		{name: "unknown ticket", path: "/api/v2/tickets/42", body: noteBody("note", false), wantStatus: 404},
		{name: "unknown ticket, .json", path: "/api/v2/tickets/42.json", body: noteBody("note", false), wantStatus: 404},
		{name: "unknown ticket, bad body", path: "/api/v2/tickets/42", body: `{`, wantStatus: 404},
		{name: "malformed JSON", path: path, body: `{"ticket":{"comment":`, wantStatus: 400},
		{name: "no ticket object", path: path, body: `{"comment":{"body":"note"}}`, wantStatus: 400},
		{name: "body not a string", path: path, body: `{"ticket":{"comment":{"body":5}}}`, wantStatus: 400},
		{name: "no body at all", path: path, wantStatus: 400},
		{name: "no comment", path: path, body: `{"ticket":{"status":"open"}}`, wantStatus: 422, wantDetail: "comment"},
		{name: "comment without body", path: path, body: `{"ticket":{"comment":{"public":false}}}`, wantStatus: 422, wantDetail: "comment"},
		{name: "empty body", path: path, body: noteBody("", false), wantStatus: 422, wantDetail: "comment"},
		{name: "blank body", path: path, body: noteBody(" \n\t", false), wantStatus: 422, wantDetail: "comment"},
		{name: "body over the limit", path: path, body: noteBody(atLimit+"x", false), wantStatus: 422, wantDetail: "comment"},
		{name: "closed ticket", path: fmt.Sprintf("/api/v2/tickets/%d", closedTicket), body: noteBody("note", false), wantStatus: 422, wantDetail: "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			s.AddTicket(zendesk.Ticket{ID: closedTicket, Subject: "Old laptop return", Status: zendesk.TicketStatusClosed, RequesterID: firstEndUserID})
			auth := "Bearer " + bearerToken
			if tt.auth != nil {
				auth = tt.auth(s)
			}
			id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(tt.path, "/api/v2/tickets/"), ".json"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			before, _ := s.Ticket(id)
			s.Advance(time.Minute)
			now := t0.Add(time.Minute)
			s.ResetCounters()

			r := do(t, s, "PUT", tt.path, tt.body, auth)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", r.status, tt.wantStatus, r.body)
			}
			if n := s.Requests(EndpointTicketsUpdate); n != 1 {
				t.Errorf("tickets_update requests = %d, want 1", n)
			}
			if n := s.Requests(EndpointTicketsShow) + s.Requests(EndpointUnknown); n != 0 {
				t.Errorf("routed elsewhere too: %d", n)
			}
			after, _ := s.Ticket(id)
			comments := s.TicketComments(id)
			if tt.wantStatus != 200 {
				if len(comments) != 0 || after != before {
					t.Errorf("a refused update changed the ticket: %+v, comments %+v", after, comments)
				}
				checkErrorBody(t, r, tt.wantDetail)
				return
			}

			var sent struct {
				Ticket struct {
					Comment struct {
						Body string `json:"body"`
					} `json:"comment"`
				} `json:"ticket"`
			}
			if err := json.Unmarshal([]byte(tt.body), &sent); err != nil {
				t.Fatal(err)
			}
			want := []TicketComment{{
				ID: firstEventID + 1, AuditID: firstEventID, AuthorID: tt.wantAuthor,
				Body: sent.Ticket.Comment.Body, Public: tt.wantPublic, CreatedAt: now,
			}}
			if diff := cmp.Diff(want, comments); diff != "" {
				t.Errorf("comments (-want +got):\n%s", diff)
			}
			wantTicket := before
			wantTicket.UpdatedAt = now
			if diff := cmp.Diff(wantTicket, after); diff != "" {
				t.Errorf("ticket (-want +got):\n%s", diff)
			}

			var resp struct {
				Ticket zendesk.Ticket `json:"ticket"`
				Audit  struct {
					ID        int64     `json:"id"`
					TicketID  int64     `json:"ticket_id"`
					AuthorID  int64     `json:"author_id"`
					CreatedAt time.Time `json:"created_at"`
					Via       struct {
						Channel string `json:"channel"`
					} `json:"via"`
					Events []struct {
						ID       int64  `json:"id"`
						Type     string `json:"type"`
						AuthorID int64  `json:"author_id"`
						Body     string `json:"body"`
						Public   bool   `json:"public"`
						AuditID  int64  `json:"audit_id"`
					} `json:"events"`
				} `json:"audit"`
			}
			if err := json.Unmarshal(r.body, &resp); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(after, resp.Ticket, cmpIgnoreURL); diff != "" {
				t.Errorf("answered ticket differs from the stored one (-stored +answered):\n%s", diff)
			}
			a := resp.Audit
			if a.ID != firstEventID || a.TicketID != id || a.AuthorID != tt.wantAuthor || !a.CreatedAt.Equal(now) || a.Via.Channel != "api" {
				t.Errorf("audit = %+v", a)
			}
			if len(a.Events) != 1 {
				t.Fatalf("audit events = %+v, want one comment", a.Events)
			}
			ev := a.Events[0]
			if ev.Type != "Comment" || ev.ID != want[0].ID || ev.AuditID != a.ID || ev.AuthorID != tt.wantAuthor ||
				ev.Body != want[0].Body || ev.Public != tt.wantPublic {
				t.Errorf("comment event = %+v", ev)
			}
		})
	}
}

// checkErrorBody checks a refusal's body is Zendesk's for its status:
// the shared bodies for 401, 403 and 404, a RecordInvalid naming
// detailKey for 422, an error envelope otherwise.
func checkErrorBody(t *testing.T, r response, detailKey string) {
	t.Helper()
	switch r.status {
	case http.StatusUnauthorized:
		if string(r.body) != bodyUnauthenticated {
			t.Errorf("401 body = %s", r.body)
		}
	case http.StatusForbidden:
		if string(r.body) != bodyForbidden {
			t.Errorf("403 body = %s", r.body)
		}
	case http.StatusNotFound:
		if string(r.body) != bodyNotFound {
			t.Errorf("404 body = %s", r.body)
		}
	case http.StatusUnprocessableEntity:
		var body struct {
			Error   string                       `json:"error"`
			Details map[string][]json.RawMessage `json:"details"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil || body.Error != "RecordInvalid" || len(body.Details[detailKey]) == 0 {
			t.Errorf("422 body = %s, want RecordInvalid with %q details", r.body, detailKey)
		}
	default:
		if m := r.json(t); m["error"] == nil {
			t.Errorf("%d body = %s", r.status, r.body)
		}
	}
}

func TestUpdateTicketCommentLimit(t *testing.T) {
	s := newTestServer(t)
	s.mu.Lock()
	for i := range maxTicketComments - 1 {
		s.comments[SampleTicketRefund] = append(s.comments[SampleTicketRefund], TicketComment{ID: int64(i + 1), Body: "earlier"})
	}
	s.mu.Unlock()
	path := fmt.Sprintf("/api/v2/tickets/%d", SampleTicketRefund)
	if r := do(t, s, "PUT", path, noteBody("the last one", false)); r.status != 200 {
		t.Fatalf("comment %d = %d %s", maxTicketComments, r.status, r.body)
	}
	r := do(t, s, "PUT", path, noteBody("one too many", false))
	if r.status != 422 {
		t.Fatalf("comment %d = %d %s, want 422", maxTicketComments+1, r.status, r.body)
	}
	checkErrorBody(t, r, "comment")
	if n := len(s.TicketComments(SampleTicketRefund)); n != maxTicketComments {
		t.Errorf("comments = %d, want %d", n, maxTicketComments)
	}
	if r := do(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", SampleTicketSSO), noteBody("another ticket", false)); r.status != 200 {
		t.Errorf("another ticket's comment = %d %s", r.status, r.body)
	}
}

func TestUpdateTicketFaults(t *testing.T) {
	path := fmt.Sprintf("/api/v2/tickets/%d", SampleTicketSSO)
	tests := []struct {
		name         string
		endpoint     string
		fault        Fault
		wantStatus   []int
		wantComments int
	}{
		{"503 once", EndpointTicketsUpdate, Fault{Status: 503, Times: 1}, []int{503, 200}, 1},
		{"429 twice", EndpointTicketsUpdate, Fault{Status: 429, RetryAfter: 3 * time.Second, Times: 2}, []int{429, 429, 200}, 1},
		{"all endpoints", AllEndpoints, Fault{Status: 500, Times: 1}, []int{500, 200}, 1},
		// The note was written; only the answer was lost.
		{"503 after applying", EndpointTicketsUpdate, Fault{Status: 503, Times: 1, AfterApply: true}, []int{503}, 1},
		{"malformed after applying", EndpointTicketsUpdate, Fault{Malformed: true, Times: 1, AfterApply: true}, []int{200}, 1},
		{"reading faults do not touch writes", EndpointTicketsShow, Fault{Status: 500}, []int{200}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			s.InjectFault(tt.endpoint, tt.fault)
			for i, want := range tt.wantStatus {
				r := do(t, s, "PUT", path, noteBody("note", false))
				if r.status != want {
					t.Fatalf("request %d = %d, want %d: %s", i+1, r.status, want, r.body)
				}
				if i == 0 && tt.fault.RetryAfter > 0 {
					if got := r.header.Get("Retry-After"); got != "3" {
						t.Errorf("Retry-After = %q", got)
					}
				}
			}
			if n := s.Requests(EndpointTicketsUpdate); n != len(tt.wantStatus) {
				t.Errorf("requests = %d, want %d", n, len(tt.wantStatus))
			}
			if n := len(s.TicketComments(SampleTicketSSO)); n != tt.wantComments {
				t.Errorf("comments = %d, want %d", n, tt.wantComments)
			}
		})
	}
}

func TestUpdateTicketConcurrent(t *testing.T) {
	s := newTestServer(t)
	tickets := []int64{SampleTicketSSO, SampleTicketRefund}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				body := strings.NewReader(noteBody(fmt.Sprintf("note %d.%d", i, j), false))
				req, err := http.NewRequest("PUT", fmt.Sprintf("%s/api/v2/tickets/%d", s.URL, tickets[i%2]), body)
				if err != nil {
					errs <- err
					return
				}
				req.Header.Set("Authorization", "Bearer "+bearerToken)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- fmt.Errorf("note %d.%d = %d", i, j, resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[int64]bool{}
	for _, id := range tickets {
		comments := s.TicketComments(id)
		if len(comments) != 40 {
			t.Errorf("ticket %d has %d comments, want 40", id, len(comments))
		}
		for _, c := range comments {
			if seen[c.ID] || seen[c.AuditID] {
				t.Errorf("id of %+v used twice", c)
			}
			seen[c.ID], seen[c.AuditID] = true, true
		}
	}
}

func TestTicketCommentsIsACopy(t *testing.T) {
	s := newTestServer(t)
	if got := s.TicketComments(SampleTicketSSO); got != nil {
		t.Errorf("comments before any = %+v", got)
	}
	if got := s.TicketComments(42); got != nil {
		t.Errorf("unknown ticket's comments = %+v", got)
	}
	do(t, s, "PUT", fmt.Sprintf("/api/v2/tickets/%d", SampleTicketSSO), noteBody("note", false))
	got := s.TicketComments(SampleTicketSSO)
	got[0].Body = "changed"
	if again := s.TicketComments(SampleTicketSSO); again[0].Body != "note" {
		t.Errorf("editing the returned slice changed the server: %+v", again)
	}
	if len(s.Mutations()) != 0 {
		t.Errorf("a comment is not a user mutation: %+v", s.Mutations())
	}
}
