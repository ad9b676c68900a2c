package zendesktest

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
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

func (s *Server) loadTickets(org *Org) {
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
