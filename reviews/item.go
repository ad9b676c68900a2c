package reviews

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/seatwarden/seatwarden/connector"
)

// State is where a review item stands.
type State string

// Item states. Open items await the owner (a seat handed on with Not
// mine stays open, asked of its new owner); the rest are decisions, except
// Changed: the seat changed in Zendesk after the digest, so nothing was
// done.
const (
	Open       State = "open"
	Kept       State = "kept"
	Downgraded State = "downgraded"
	Removed    State = "removed"
	Snoozed    State = "snoozed"
	Changed    State = "changed"
	// MadeJustInTime: a privilege review put the person back on the base
	// role; they ask for the privileged one when they need it.
	MadeJustInTime State = "just-in-time"
)

// Decision is what an owner chose for a seat.
type Decision string

// Decisions.
const (
	Keep      Decision = "keep"
	Downgrade Decision = "downgrade"
	Remove    Decision = "remove"
	Snooze    Decision = "snooze"
	NotMine   Decision = "not-mine"
	// JustInTime is the privilege review's: back to the base role now.
	JustInTime Decision = "just-in-time"
)

var decisionState = map[Decision]State{Keep: Kept, Downgrade: Downgraded, Remove: Removed, Snooze: Snoozed, NotMine: Open, JustInTime: MadeJustInTime}

// decisions are what each review offers: a seat is kept, downgraded,
// removed or snoozed; standing privilege is kept, made just-in-time or
// its seat removed.
var decisions = map[bool][]Decision{
	false: {Keep, Downgrade, Remove, Snooze, NotMine},
	true:  {Keep, JustInTime, Remove, NotMine},
}

// ChangeStatus is where a decision's Zendesk change stands.
type ChangeStatus string

// Change statuses.
const (
	ChangePending ChangeStatus = "pending" // recorded, not yet confirmed by Zendesk
	ChangeDone    ChangeStatus = "done"    // Zendesk confirmed it
	ChangeSkipped ChangeStatus = "skipped" // the seat changed since the digest
	ChangeFailed  ChangeStatus = "failed"  // gave up after the last attempt
)

// ChangeKind is the Zendesk change a decision makes.
type ChangeKind string

// Change kinds.
const (
	ChangeDemote     ChangeKind = "demote"      // role end-user: frees the seat
	ChangeSuspend    ChangeKind = "suspend"     // suspended: frees the seat
	ChangeLightAgent ChangeKind = "light-agent" // the policy's light-agent role
	ChangeBaseRole   ChangeKind = "base-role"   // the base role: privilege taken, seat kept
)

// Change is the outbox entry of a decision that changes Zendesk.
type Change struct {
	Kind     ChangeKind   `json:"kind"`
	RoleID   int64        `json:"role_id,omitempty"` // ChangeLightAgent
	Status   ChangeStatus `json:"status"`
	Attempts int          `json:"attempts,omitempty"`
	Error    string       `json:"error,omitempty"`
	// LeaseUntil and LeaseHolder: who may make the Zendesk call now. A
	// lease outlives a crash only by its length.
	LeaseUntil  time.Time `json:"lease_until,omitzero"`
	LeaseHolder string    `json:"lease_holder,omitempty"`
	DoneAt      time.Time `json:"done_at,omitzero"`
	// ReportedAt: an admin was told the change failed.
	ReportedAt time.Time `json:"reported_at,omitzero"`
}

// Seat is the seat as the digest showed it.
type Seat struct {
	// Connector names the SaaS the seat is in; items written before
	// connectors were named are Zendesk's (decodeItem says so).
	Connector string `json:"connector,omitempty"`
	UserID    int64  `json:"user_id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Role      string `json:"role"` // agent or admin
	RoleName  string `json:"role_name"`
	// RoleID is the custom role the privilege review asked about.
	RoleID        string    `json:"role_id,omitempty"`
	Groups        []string  `json:"groups,omitempty"`
	LastActivity  time.Time `json:"last_activity"`
	NeverLoggedIn bool      `json:"never_logged_in,omitempty"`
	DaysInactive  int       `json:"days_inactive"`
	Suspended     bool      `json:"suspended,omitempty"`
	MonthlyCost   float64   `json:"monthly_cost"`
}

// Item is one seat in one period's review.
type Item struct {
	Period string `json:"period"`
	Seat   Seat   `json:"seat"`
	Owner  string `json:"owner"` // email; "" when the policy names nobody
	State  State  `json:"state"`

	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
	Reason    string    `json:"reason,omitempty"`
	KeepUntil time.Time `json:"keep_until,omitzero"`
	// HandedFrom, HandedBy and HandedAt: the seat was handed to Owner
	// with Not mine.
	HandedFrom string    `json:"handed_from,omitempty"`
	HandedBy   string    `json:"handed_by,omitempty"`
	HandedAt   time.Time `json:"handed_at,omitzero"`
	Change     *Change   `json:"change,omitempty"`
	// Note says what happened when it is not what was decided: the seat
	// changed in Zendesk, or Zendesk refused.
	Note string `json:"note,omitempty"`
	// Left: the company directory says the seat's holder left, and the
	// seat was raised at once rather than at the next digest.
	Left *Left `json:"left,omitempty"`

	// Version is the store's version of the item, for the caller's
	// information; it is not stored in the data.
	Version int64 `json:"-"`
}

// Left is what the directory says of a seat holder who left.
type Left struct {
	// Source names the identity source ("okta").
	Source string `json:"source"`
	// Status is the directory's word: suspended, deactivated or deleted.
	Status string    `json:"status"`
	At     time.Time `json:"at,omitzero"`
}

// Saving is the monthly amount the item's decision saved: the seat's cost
// once Zendesk confirmed it was freed, else zero. Taking privilege away
// keeps the seat, so saves nothing.
func (it Item) Saving() float64 {
	if it.Change != nil && it.Change.Status == ChangeDone && it.Change.Kind != ChangeBaseRole {
		return it.Seat.MonthlyCost
	}
	return 0
}

// Unreported reports whether the item's change failed for good and no
// admin has been told yet.
func (it Item) Unreported() bool {
	return it.Change != nil && it.Change.Status == ChangeFailed && it.Change.ReportedAt.IsZero()
}

// Record kinds and ids. Items of one period share a kind so one listing
// reads the period. Each SaaS's review keeps its records under kinds of
// its own; Zendesk's keep the kinds they had before connectors.
const kindReview = "review"

// kind names a record kind in this service's SaaS.
// SaaS is the SaaS the seat is in; items written before connectors were
// Zendesk's.
func (s Seat) SaaS() string { return connector.OrZendesk(s.Connector) }

// kind names a record kind of this review: the privilege review's kinds
// are its own, beside the seat review's.
func (s *Service) kind(base string) string {
	if s.Privilege {
		base = "privilege-" + base
	}
	return connector.Kind(s.connector(), base)
}

func (s *Service) itemKind(period string) string { return s.kind("review-item:" + period) }

// connector is the SaaS this review's seats belong to.
func (s *Service) connector() string { return connector.OrZendesk(s.Connector) }
func itemID(userID int64) string     { return strconv.FormatInt(userID, 10) }

func (s *Service) decodeItem(data []byte, version int64) (Item, error) {
	var it Item
	if err := json.Unmarshal(data, &it); err != nil {
		return Item{}, fmt.Errorf("reviews: unreadable item: %w", err)
	}
	it.Version = version
	if it.Seat.Connector == "" {
		it.Seat.Connector = s.connector()
	}
	return it, nil
}
