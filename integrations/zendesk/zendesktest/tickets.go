package zendesktest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

// IDs of SampleOrg's tickets.
const (
	SampleTicketSSO      int64 = 4521 // open: "SSO certificate expires tonight"
	SampleTicketRefund   int64 = 4522 // pending: "Refund for order 1182"
	SampleTicketPassword int64 = 4600 // solved: "Password reset request"
)

// addSampleTickets gives SampleOrg the few tickets access requests name,
// requested by its first end users. It draws nothing from the org's
// random sources, so the rest of SampleOrg stays as it was.
func addSampleTickets(org *Org) {
	now := org.Now
	ticket := func(id int64, subject, status string, requester int64, createdAgo, updatedAgo time.Duration) zendesk.Ticket {
		return zendesk.Ticket{
			ID: id, Subject: subject, Status: status, RequesterID: requester,
			CreatedAt: now.Add(-createdAgo), UpdatedAt: now.Add(-updatedAgo),
		}
	}
	org.Tickets = append(org.Tickets,
		ticket(SampleTicketSSO, "SSO certificate expires tonight", zendesk.TicketStatusOpen, firstEndUserID, 5*time.Hour, 40*time.Minute),
		ticket(SampleTicketRefund, "Refund for order 1182", zendesk.TicketStatusPending, firstEndUserID+1, 3*24*time.Hour, 26*time.Hour),
		ticket(SampleTicketPassword, "Password reset request", zendesk.TicketStatusSolved, firstEndUserID+2, 9*24*time.Hour, 8*24*time.Hour),
	)
}

// maxTicketComments is how many comments one ticket can hold; Zendesk
// refuses more with a 422.
const maxTicketComments = 5000

// firstEventID numbers audits and their events, apart from other IDs.
const firstEventID int64 = 7_100_000_000_001

// TicketComment is a comment written on a ticket through the API.
type TicketComment struct {
	ID       int64
	AuditID  int64 // the audit that added it
	AuthorID int64 // the user the request acted as
	Body     string
	// Public is false for an internal note, which only agents see.
	Public    bool
	CreatedAt time.Time
}

func (s *Server) loadTickets(org *Org) {
	s.comments = map[int64][]TicketComment{}
	s.nextEventID = firstEventID
	s.tickets = make(map[int64]zendesk.Ticket, len(org.Tickets))
	for _, t := range org.Tickets {
		if _, dup := s.tickets[t.ID]; dup || t.ID <= 0 {
			panic(fmt.Sprintf("zendesktest: duplicate or non-positive ticket id %d", t.ID))
		}
		t.URL = "" // each answer says where it was served from
		s.tickets[t.ID] = t
	}
}

// AddTicket creates a ticket, or replaces the one with its ID, as an
// agent creating or editing it in Zendesk's UI would: updated_at becomes
// now, a zero CreatedAt becomes now (or stays what the replaced ticket
// had) and an empty Status becomes "new". It panics on a non-positive ID.
func (s *Server) AddTicket(t zendesk.Ticket) {
	if t.ID <= 0 {
		panic(fmt.Sprintf("zendesktest: AddTicket: ticket id must be positive, got %d", t.ID))
	}
	now := s.stamp()
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
		if old, ok := s.tickets[t.ID]; ok {
			t.CreatedAt = old.CreatedAt
		}
	}
	if t.Status == "" {
		t.Status = zendesk.TicketStatusNew
	}
	t.URL = ""
	t.UpdatedAt = now
	s.tickets[t.ID] = t
}

// Ticket returns a ticket as the server has it.
func (s *Server) Ticket(id int64) (zendesk.Ticket, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[id]
	return t, ok
}

// TicketComments returns the comments written on a ticket through the
// API, oldest first: nil for an unknown ticket or one with none. The
// comment a ticket was created with is not among them.
func (s *Server) TicketComments(id int64) []TicketComment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.comments[id])
}

// Tickets returns every ticket, by ID.
func (s *Server) Tickets() []zendesk.Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]zendesk.Ticket, 0, len(s.tickets))
	for _, t := range s.tickets {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b zendesk.Ticket) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// handleShowTicket serves GET /api/v2/tickets/{id}, Zendesk's Show
// Ticket: allowed for agents and admins with the read, tickets or
// tickets:read scope.
func (s *Server) handleShowTicket(w http.ResponseWriter, r *http.Request, who identity, id int64) {
	if !who.allows("tickets", false) || !isStaff(who.user) {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	t, ok := s.Ticket(id)
	if !ok {
		writeRaw(w, http.StatusNotFound, bodyNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ticket": toWireTicket(baseURL(r), t)})
}

// handleUpdateTicket serves PUT /api/v2/tickets/{id}, Zendesk's Update
// Ticket, for the one change seatwarden makes: adding a comment, public
// unless "public" is false. Other ticket fields in the body are ignored.
// Allowed for agents and admins with the write, tickets or tickets:write
// scope; the comment's author is the user the request acts as.
func (s *Server) handleUpdateTicket(w http.ResponseWriter, r *http.Request, who identity, id int64, now time.Time) {
	if !who.allows("tickets", true) || !isStaff(who.user) {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	if _, ok := s.Ticket(id); !ok {
		writeRaw(w, http.StatusNotFound, bodyNotFound)
		return
	}
	var body struct {
		Ticket *struct {
			Comment *struct {
				Body   *string `json:"body"`
				Public *bool   `json:"public"`
			} `json:"comment"`
		} `json:"ticket"`
	}
	// Room for a body well past the comment limit, so that one is refused
	// as too long rather than as unreadable.
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil || body.Ticket == nil {
		writeError(w, http.StatusBadRequest, "BadRequest", `The request body must be JSON with a "ticket" object`)
		return
	}
	comment := body.Ticket.Comment
	switch {
	case comment == nil || comment.Body == nil || strings.TrimSpace(*comment.Body) == "":
		writeInvalidAs(w, "comment", "BlankValue", "Comment: cannot be blank")
		return
	case len(*comment.Body) > zendesk.MaxCommentBodyBytes:
		writeInvalidAs(w, "comment", "TooLong",
			fmt.Sprintf("Comment: is too long (maximum is %d bytes)", zendesk.MaxCommentBodyBytes))
		return
	}

	stamp := now.UTC().Truncate(time.Second)
	s.mu.Lock()
	t, ok := s.tickets[id]
	switch {
	case !ok:
		s.mu.Unlock()
		writeRaw(w, http.StatusNotFound, bodyNotFound)
		return
	case t.Status == zendesk.TicketStatusClosed:
		s.mu.Unlock()
		writeInvalid(w, "status", "Status: closed prevents ticket update")
		return
	case len(s.comments[id]) >= maxTicketComments:
		s.mu.Unlock()
		writeInvalid(w, "comment", fmt.Sprintf("Comment: a ticket can have at most %d comments", maxTicketComments))
		return
	}
	c := TicketComment{
		ID: s.nextEventID + 1, AuditID: s.nextEventID, AuthorID: who.user.ID,
		Body: *comment.Body, Public: comment.Public == nil || *comment.Public, CreatedAt: stamp,
	}
	s.nextEventID += 2
	s.comments[id] = append(s.comments[id], c)
	t.UpdatedAt = stamp
	s.tickets[id] = t
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"ticket": toWireTicket(baseURL(r), t),
		"audit":  toWireAudit(r, id, c),
	})
}

// wireAudit is the audit Update Ticket answers with, holding the one
// Comment event the update made.
type wireAudit struct {
	ID        int64              `json:"id"`
	TicketID  int64              `json:"ticket_id"`
	CreatedAt time.Time          `json:"created_at"`
	AuthorID  int64              `json:"author_id"`
	Metadata  map[string]any     `json:"metadata"`
	Events    []wireCommentEvent `json:"events"`
	Via       map[string]any     `json:"via"`
}

type wireCommentEvent struct {
	ID          int64  `json:"id"`
	Type        string `json:"type"`
	AuthorID    int64  `json:"author_id"`
	Body        string `json:"body"`
	HTMLBody    string `json:"html_body"`
	PlainBody   string `json:"plain_body"`
	Public      bool   `json:"public"`
	Attachments []any  `json:"attachments"`
	AuditID     int64  `json:"audit_id"`
}

func toWireAudit(r *http.Request, ticketID int64, c TicketComment) wireAudit {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return wireAudit{
		ID: c.AuditID, TicketID: ticketID, CreatedAt: c.CreatedAt, AuthorID: c.AuthorID,
		Metadata: map[string]any{
			"system": map[string]any{"client": r.UserAgent(), "ip_address": ip},
			"custom": map[string]any{},
		},
		Events: []wireCommentEvent{{
			ID: c.ID, Type: "Comment", AuthorID: c.AuthorID, Body: c.Body,
			HTMLBody: `<div class="zd-comment" dir="auto"><p>` +
				strings.ReplaceAll(html.EscapeString(c.Body), "\n", "<br>") + `</p></div>`,
			PlainBody: strings.TrimSpace(c.Body), Public: c.Public,
			Attachments: []any{}, AuditID: c.AuditID,
		}},
		Via: map[string]any{"channel": "api", "source": map[string]any{"from": map[string]any{}, "to": map[string]any{}, "rel": nil}},
	}
}

// wireTicket is a ticket as Zendesk sends it, with the fields an access
// request ignores but real payloads carry.
type wireTicket struct {
	zendesk.Ticket
	ExternalID          *string           `json:"external_id"`
	Via                 map[string]any    `json:"via"`
	Type                *string           `json:"type"`
	RawSubject          string            `json:"raw_subject"`
	Description         string            `json:"description"`
	Priority            *string           `json:"priority"`
	Recipient           *string           `json:"recipient"`
	SubmitterID         int64             `json:"submitter_id"`
	AssigneeID          *int64            `json:"assignee_id"`
	OrganizationID      *int64            `json:"organization_id"`
	GroupID             *int64            `json:"group_id"`
	CollaboratorIDs     []int64           `json:"collaborator_ids"`
	FollowerIDs         []int64           `json:"follower_ids"`
	EmailCCIDs          []int64           `json:"email_cc_ids"`
	ForumTopicID        *int64            `json:"forum_topic_id"`
	ProblemID           *int64            `json:"problem_id"`
	HasIncidents        bool              `json:"has_incidents"`
	IsPublic            bool              `json:"is_public"`
	DueAt               *time.Time        `json:"due_at"`
	Tags                []string          `json:"tags"`
	CustomFields        []map[string]any  `json:"custom_fields"`
	SatisfactionRating  map[string]string `json:"satisfaction_rating"`
	SharingAgreementIDs []int64           `json:"sharing_agreement_ids"`
	FollowupIDs         []int64           `json:"followup_ids"`
	AllowChannelback    bool              `json:"allow_channelback"`
	AllowAttachments    bool              `json:"allow_attachments"`
	FromMessagingChan   bool              `json:"from_messaging_channel"`
	GeneratedTimestamp  int64             `json:"generated_timestamp"`
}

func toWireTicket(base string, t zendesk.Ticket) wireTicket {
	t.URL = fmt.Sprintf("%s/api/v2/tickets/%d.json", base, t.ID)
	return wireTicket{
		Ticket:              t,
		Via:                 map[string]any{"channel": "web", "source": map[string]any{"from": map[string]any{}, "to": map[string]any{}, "rel": nil}},
		RawSubject:          t.Subject,
		Description:         t.Subject,
		SubmitterID:         t.RequesterID,
		CollaboratorIDs:     []int64{},
		FollowerIDs:         []int64{},
		EmailCCIDs:          []int64{},
		Tags:                []string{},
		CustomFields:        []map[string]any{},
		SatisfactionRating:  map[string]string{"score": "unoffered"},
		SharingAgreementIDs: []int64{},
		FollowupIDs:         []int64{},
		IsPublic:            true,
		AllowAttachments:    true,
		GeneratedTimestamp:  t.UpdatedAt.Unix(),
	}
}
