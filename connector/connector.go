// Package connector is the seam between seatwarden's domain and the SaaS
// it governs. The domain owns these types and interfaces; each integration
// (integrations/zendesk, integrations/github) implements them by mapping
// its own wire types, so the rules about seats, reviews and credentials
// are written once and a second SaaS adds an integration, not a branch in
// every package. It is its own package, rather than part of seats or
// credentials, because seats, reviews, credentials and approvals all speak
// it and none of them owns the others.
package connector

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// Names of the connectors seatwarden knows.
const (
	Zendesk = "zendesk"
	GitHub  = "github"
)

// Names lists the connectors seatwarden knows.
var Names = []string{Zendesk, GitHub}

// OrZendesk reads a stored connector name: "" is Zendesk, the one SaaS
// there was when data without a name was written.
func OrZendesk(name string) string {
	if name == "" {
		return Zendesk
	}
	return name
}

// Kind names a stored record kind (or schedule queue) of saas: Zendesk's
// keep the names they had before there were connectors, the others'
// are prefixed with the connector's name ("github:review-item:…").
func Kind(saas, base string) string {
	if saas = OrZendesk(saas); saas != Zendesk {
		return saas + ":" + base
	}
	return base
}

// Known reports whether name is a connector seatwarden knows.
func Known(name string) bool { return slices.Contains(Names, name) }

// CutName cuts a leading "NAME:" off s when NAME is a known connector's:
// another SaaS's ids, buttons and tokens carry their SaaS's name in front
// ("github:fine-grained-token:7"), Zendesk's mostly do not. Otherwise
// found is false and rest is s.
func CutName(s string) (name, rest string, found bool) {
	if pre, after, ok := strings.Cut(s, ":"); ok && Known(pre) {
		return pre, after, true
	}
	return "", s, false
}

// Title is how people read a connector's name: "Zendesk", "GitHub".
func Title(name string) string {
	switch name {
	case Zendesk:
		return "Zendesk"
	case GitHub:
		return "GitHub"
	}
	return name
}

// Account names one governed account: the connector and the account in
// it (a Zendesk account's URL, a GitHub organisation), so two SaaS, or two
// accounts of one, live side by side in one store.
type Account struct {
	Connector string `json:"connector"`
	ID        string `json:"account"`
}

// String is "zendesk:https://acme.zendesk.com".
func (a Account) String() string { return a.Connector + ":" + a.ID }

// ParseAccount reads what String writes.
func ParseAccount(s string) (Account, bool) {
	c, id, ok := strings.Cut(s, ":")
	if !ok || c == "" || id == "" {
		return Account{}, false
	}
	return Account{Connector: c, ID: id}, true
}

// Classes of failure every connector's errors match with errors.Is, so
// the domain decides what to do (retry, give up, tell an admin) without
// knowing which SaaS answered.
var (
	// ErrNotFound: the member, credential or account is not there.
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the connector's credentials lack the right, scope or
	// plan feature; no retry helps.
	ErrForbidden = errors.New("forbidden")
	// ErrInvalid: the SaaS refused the request as invalid; no retry helps.
	ErrInvalid = errors.New("refused as invalid")
	// ErrAuth: the SaaS rejected the connector's credentials.
	ErrAuth = errors.New("authentication failed")
	// ErrRateLimited: still rate limited after the client's retries.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable: the SaaS did not answer, or answered 5xx, after the
	// client's retries.
	ErrUnavailable = errors.New("unavailable")
)

// Refusal is implemented by an integration's errors to say what the SaaS
// answered in a few words people may read ("Zendesk answered HTTP 403
// (Forbidden)"), never a response body; "" when it has nothing to say.
type Refusal interface {
	Refusal() string
}

// RefusalText is err's Refusal when it has one.
func RefusalText(err error) string {
	var r Refusal
	if errors.As(err, &r) {
		return r.Refusal()
	}
	return ""
}

// Final reports whether err is a refusal no retry can change.
func Final(err error) bool { return errors.Is(err, ErrForbidden) || errors.Is(err, ErrInvalid) }

// Member is one staff member as the SaaS sees them now: what a seat
// change checks before it acts.
type Member struct {
	// ID is the member's id in the SaaS.
	ID    int64
	Email string
	Name  string
	// Role is the SaaS's own role name ("agent", "admin", "end-user";
	// "admin", "member").
	Role string
	// RoleID is a custom role's id, "" without one.
	RoleID string
	// HasSeat: the member holds the paid seat a change frees (a Zendesk
	// agent or admin, a GitHub Copilot seat not pending cancellation).
	HasSeat    bool
	Privileged bool
	Suspended  bool
	// LastActivity is nil when the SaaS never saw the member active.
	LastActivity *time.Time
}

// Role is a member's role as a grant of privilege sets it and later puts
// it back: the SaaS's base role ("admin", "agent") and, when the SaaS has
// custom roles, one of them by id ("" for none).
type Role struct {
	Base string `json:"base"`
	ID   string `json:"id,omitempty"`
}

// String names the role as messages and the audit trail say it: "agent",
// or "agent (custom role 360001112224)".
func (r Role) String() string {
	if r.ID != "" {
		return r.Base + " (custom role " + r.ID + ")"
	}
	return r.Base
}

// CurrentRole is the member's role as a Role.
func (m Member) CurrentRole() Role { return Role{Base: m.Role, ID: m.RoleID} }

// Ticket is a help-desk ticket as a request names it: an access request
// says which ticket it is for, and approvers see its subject.
type Ticket struct {
	ID      int64  `json:"id"`
	Subject string `json:"subject"`
	Status  string `json:"status"` // "new", "open", "pending", "hold", "solved", "closed"
}

// ChangeKind is what a seat change does.
type ChangeKind string

// Seat changes.
const (
	// Remove frees the seat (Zendesk: demote to end user; GitHub: cancel
	// the Copilot seat).
	Remove ChangeKind = "remove"
	// Suspend keeps the member but blocks sign-in.
	Suspend ChangeKind = "suspend"
	// Downgrade moves the member to a cheaper role (SeatChange.Role).
	Downgrade ChangeKind = "downgrade"
	// Unprivilege takes a privileged role away and keeps the seat: the
	// member goes back to the SaaS's base role (Zendesk: agent, with no
	// custom role).
	Unprivilege ChangeKind = "unprivilege"
)

// SeatChange is one change to one member's seat.
type SeatChange struct {
	Kind ChangeKind
	// Role is the role a Downgrade moves to, by id.
	Role string
}

// StaffReader reads one member as a sync records them, so a change the
// bot made can show in the stored snapshot at once instead of when the
// next sync reads it.
type StaffReader interface {
	// StaffMember is the member now; false when they are no longer staff
	// (a Zendesk end user holds no seat).
	StaffMember(ctx context.Context, id int64) (Staff, bool, error)
}

// Seats reads and changes members' seats.
type Seats interface {
	// Member reads one member now; ErrNotFound when gone.
	Member(ctx context.Context, id int64) (Member, error)
	// ChangeSeat makes change; an error matches one of the classes above.
	ChangeSeat(ctx context.Context, id int64, change SeatChange) error
}
