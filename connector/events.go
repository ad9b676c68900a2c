package connector

import (
	"context"
	"time"
)

// Event is one entry of a SaaS's own audit log: who changed what, when
// and from where.
type Event struct {
	ID        string
	At        time.Time
	ActorID   int64
	ActorName string
	// Action is create, update, destroy, login or exported.
	Action string
	// SourceType is what kind of thing changed, in the SaaS's words
	// ("user", "apitoken", "zendesk/app_market/app").
	SourceType  string
	SourceID    int64
	SourceLabel string
	// Change is the SaaS's description ("Role changed from Agent to
	// Administrator").
	Change string
	IP     string
}

// EventLog reads a SaaS's audit log.
type EventLog interface {
	// Events hands every event in [from, to) to page, oldest first, a
	// page at a time, and returns how many requests it made. A plan
	// without an audit log answers an error matching ErrForbidden or
	// ErrNotFound.
	Events(ctx context.Context, from, to time.Time, page func([]Event) error) (int, error)
}
