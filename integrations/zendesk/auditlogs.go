package zendesk

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/seatwarden/seatwarden/connector"
)

// EndpointAuditLogs is the account's audit log (Enterprise plans).
const EndpointAuditLogs = "audit_logs"

// AuditLog is one entry of the account's audit log.
type AuditLog struct {
	ID                int64     `json:"id"`
	URL               string    `json:"url,omitempty"`
	Action            string    `json:"action"` // create, destroy, exported, login, update
	ActionLabel       string    `json:"action_label,omitempty"`
	ActorID           int64     `json:"actor_id"`
	ActorName         string    `json:"actor_name"`
	SourceID          int64     `json:"source_id"`
	SourceType        string    `json:"source_type"` // user, apitoken, rule, zendesk/app_market/app, ...
	SourceLabel       string    `json:"source_label"`
	ChangeDescription string    `json:"change_description"`
	IPAddress         string    `json:"ip_address"`
	CreatedAt         time.Time `json:"created_at"`
}

// AuditLogs hands every entry created in [from, to) to page, oldest first,
// 100 a page, and returns how many requests it made. Accounts without
// audit log access (below Enterprise) answer ErrForbidden or ErrNotFound.
func (c *Client) AuditLogs(ctx context.Context, from, to time.Time, page func([]AuditLog) error) (int, error) {
	filter := url.Values{
		"filter[created_at][]": {from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339)},
		"sort":                 {"created_at"},
	}
	return eachPage(ctx, c, EndpointAuditLogs, "audit_logs", []string{"audit_logs"}, page, filter)
}

var _ connector.EventLog = Connector{}

// Events implements connector.EventLog over the account's audit log.
func (c Connector) Events(ctx context.Context, from, to time.Time, page func([]connector.Event) error) (int, error) {
	return c.Client.AuditLogs(ctx, from, to, func(logs []AuditLog) error {
		events := make([]connector.Event, len(logs))
		for i, l := range logs {
			events[i] = connector.Event{ID: strconv.FormatInt(l.ID, 10), At: l.CreatedAt, ActorID: l.ActorID, ActorName: l.ActorName,
				Action: l.Action, SourceType: l.SourceType, SourceID: l.SourceID, SourceLabel: l.SourceLabel, Change: l.ChangeDescription, IP: l.IPAddress}
		}
		return page(events)
	})
}
