package access

import (
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/prose"
)

// State is where a grant stands.
type State string

// Grant states. A grant is Pending until the SaaS confirms the role,
// Active until its end, then Ended once the SaaS confirms the earlier
// role. Held grants wait for a person: the role was changed by hand
// during the grant, or the SaaS refused to put it back. Failed grants
// never took effect.
const (
	Pending State = "pending"
	Active  State = "active"
	Held    State = "held"
	Ended   State = "ended"
	Failed  State = "failed"
)

// Live reports whether the grant holds, or may soon hold, the role.
func (s State) Live() bool { return s == Pending || s == Active || s == Held }

// Op is what a change in flight does.
type Op string

// Changes a grant makes in the SaaS.
const (
	OpGrant  Op = "grant"
	OpRevoke Op = "revoke"
)

// Change is a grant's change in flight: the replica holding its lease
// makes it; after the lease any replica may, and one that finds the
// change already made records it as done.
type Change struct {
	Op          Op        `json:"op"`
	LeaseHolder string    `json:"lease_holder,omitempty"`
	LeaseUntil  time.Time `json:"lease_until,omitzero"`
	Attempts    int       `json:"attempts"`
	Error       string    `json:"error,omitempty"`
	// Alerted: the admins were told this change keeps failing.
	Alerted bool `json:"alerted,omitempty"`
	// By and Why say who ends the grant and why ("expired", "revoked").
	By  string `json:"by,omitempty"`
	Why string `json:"why,omitempty"`
}

// Grant is one person's just-in-time hold of a privileged role.
type Grant struct {
	ID   string `json:"id"`
	SaaS string `json:"saas"`
	// RequestID is the approval request the grant carries out; "" for
	// break-glass.
	RequestID string `json:"request_id,omitempty"`

	UserID int64  `json:"user_id"`
	Email  string `json:"email"`
	Name   string `json:"name"`

	// RoleName is the role as asked for ("admin", a custom role's name);
	// Role is what the SaaS is set to.
	RoleName string         `json:"role_name"`
	Role     connector.Role `json:"role"`
	// Earlier is the role before the grant, read from the SaaS just
	// before the change, and put back at the end.
	Earlier *connector.Role `json:"earlier,omitempty"`

	Duration   time.Duration `json:"duration"`
	Reason     string        `json:"reason"`
	Ticket     string        `json:"ticket,omitempty"`
	ApprovedBy []string      `json:"approved_by,omitempty"`
	BreakGlass bool          `json:"break_glass,omitempty"`
	// Retroactive: the grant covers a role the person already held
	// without one, found by the sync; its end puts Earlier back.
	Retroactive bool `json:"retroactive,omitempty"`
	// Review is an approver's look at a break-glass grant after the fact.
	Review *Review `json:"review,omitempty"`
	// Extensions are the times the grant was extended, oldest first.
	Extensions []Extension `json:"extensions,omitempty"`

	State     State     `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	Start     time.Time `json:"start,omitzero"`
	End       time.Time `json:"end,omitzero"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
	EndedBy   string    `json:"ended_by,omitempty"`
	// Note says, in words, why a grant is held, failed or ended early.
	Note   string  `json:"note,omitempty"`
	Change *Change `json:"change,omitempty"`
}

// Review is the after-the-fact review of a break-glass grant.
type Review struct {
	// By and At are the approver who acknowledged it, and when; empty
	// until then.
	By string    `json:"by,omitempty"`
	At time.Time `json:"at,omitzero"`
	// Escalated: nobody acknowledged it in time, and the admins were
	// told.
	Escalated bool `json:"escalated,omitempty"`
}

// Extension is one extension of a grant.
type Extension struct {
	By  string        `json:"by"`
	At  time.Time     `json:"at"`
	Add time.Duration `json:"add"`
	// Self: the holder extended it without approval, as the policy
	// allows once.
	Self bool `json:"self,omitempty"`
	// RequestID is the approval request that asked for it; one request
	// extends a grant once.
	RequestID string `json:"request_id,omitempty"`
}

// SelfExtended reports whether the holder already extended g themselves.
func (g Grant) SelfExtended() bool {
	for _, e := range g.Extensions {
		if e.Self {
			return true
		}
	}
	return false
}

// Left is how long an active grant still runs at now.
func (g Grant) Left(now time.Time) time.Duration {
	if g.State != Active || !now.Before(g.End) {
		return 0
	}
	return g.End.Sub(now)
}

// EndedText says how an ended grant ended, in a sentence for its thread,
// its holder and whoever ended it: "Ended early by dana@acme.example;
// back to agent in Zendesk, with sessions ended."
func (g Grant) EndedText() string {
	earlier := "the earlier role"
	if g.Earlier != nil {
		earlier = g.Earlier.Base
	}
	how := "Ended on time"
	if g.EndedBy != "" && g.EndedBy != "system" {
		how = "Ended early by " + g.EndedBy
	}
	text := how + "; back to " + earlier + " in " + connector.Title(connector.OrZendesk(g.SaaS)) + ", with sessions ended."
	if g.Note != "" {
		text += " " + prose.Sentence(g.Note)
	}
	return text
}
