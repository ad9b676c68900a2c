package credentials

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/connector"
)

// State is where a credential stands in the register.
type State string

// States. A credential nobody claimed is Unclaimed; claiming makes it
// Claimed; an API token with a migration plan is Migrating; one its owner
// or an admin decided to retire is ToRetire until a sync shows it gone;
// an OAuth token revoked through the API is Revoked; a credential that
// vanished from its SaaS otherwise is Gone.
const (
	Unclaimed State = "unclaimed"
	Claimed   State = "claimed"
	Migrating State = "migrating"
	ToRetire  State = "to-retire"
	Revoked   State = "revoked"
	Gone      State = "gone"
)

// States lists every state in the order counts are shown.
var States = []State{Unclaimed, Claimed, Migrating, ToRetire, Revoked, Gone}

// Ended reports whether the credential no longer exists in its SaaS, so
// nothing more can be decided about it.
func (s State) Ended() bool { return s == Revoked || s == Gone }

// Entry is what people said about one credential: the register's own
// part. It exists only once someone claimed or decided something.
type Entry struct {
	ID    string `json:"id"`
	State State  `json:"state"`
	// Account says where the credential lives: its SaaS and the account
	// in it. Entries written before connectors have none and are
	// Zendesk's. A pointer: the register evaluates tens of thousands of
	// entries at a time.
	Account *connector.Account `json:"account,omitempty"`
	// Owner answers for the credential, by email; "" is nobody.
	Owner     string    `json:"owner,omitempty"`
	ClaimedAt time.Time `json:"claimed_at,omitzero"`
	Purpose   string    `json:"purpose,omitempty"`
	// Scopes are the scopes the owner says the purpose needs; an OAuth
	// token holding more is flagged.
	Scopes     []string  `json:"scopes,omitempty"`
	LastReview time.Time `json:"last_review,omitzero"`
	NextReview time.Time `json:"next_review,omitzero"`
	// RetireWhen is the retirement trigger: a date or an event ("when the
	// HR sync moves to OAuth").
	RetireWhen string `json:"retire_when,omitempty"`

	// Migration is an API token's plan to move to OAuth.
	Migration *Migration `json:"migration,omitempty"`

	// Decided says who made the last decision and when.
	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`

	// Revoking: an admin's revoke is being carried out by Holder until
	// LeaseUntil; a crash is outlived by the lease.
	Revoking *Lease `json:"revoking,omitempty"`
	// AuditPending: the revoke is recorded and its credential.revoked
	// entry may not be in the trail yet. It is written with the revoke,
	// so a replica that dies before the entry leaves it for the sync job
	// to write.
	AuditPending bool `json:"audit_pending,omitempty"`
	// Note says what went wrong last, e.g. the SaaS refused a revoke.
	Note string `json:"note,omitempty"`

	// EndedAt is when the credential was revoked or found gone.
	EndedAt time.Time `json:"ended_at,omitzero"`
	// Name is the credential's name when last seen, so a gone one can
	// still be shown.
	Name string `json:"name,omitempty"`

	// Version is the store's version, not stored in the data.
	Version int64 `json:"-"`
}

// Migration is an API token's move to OAuth.
type Migration struct {
	Plan     string    `json:"plan"`
	Deadline time.Time `json:"deadline"`
	// RemindedAt: the owner was reminded the deadline is near.
	RemindedAt time.Time `json:"reminded_at,omitzero"`
}

// Lease is a replica's hold on a call to the SaaS.
type Lease struct {
	By         string    `json:"by"`
	Holder     string    `json:"holder"`
	LeaseUntil time.Time `json:"lease_until"`
}

// Record kinds: one inventory and one entry per decided credential. A
// marker per credential whose revoke the audit trail holds was written
// before entries were appended once by key; those written are still read.
const (
	kindInventory     = "credential-inventory"
	inventoryID       = "current"
	kindEntry         = "credential"
	kindRevokeAudited = "credential-revoke-audited"
)

func decodeEntry(data []byte, version int64) (Entry, error) {
	var e Entry
	if err := json.Unmarshal(data, &e); err != nil {
		return Entry{}, fmt.Errorf("credentials: unreadable register entry: %w", err)
	}
	e.Version = version
	return e, nil
}

// claimed reports whether the entry already records c as who's claim.
func (e *Entry) claimed(who string, c Claim) bool {
	return e.State != Unclaimed && e.Owner == who && e.Purpose == strings.TrimSpace(c.Purpose) &&
		slices.Equal(e.Scopes, c.Scopes) && e.NextReview.Equal(c.NextReview) && e.RetireWhen == strings.TrimSpace(c.RetireWhen)
}
