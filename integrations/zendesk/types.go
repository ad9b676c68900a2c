package zendesk

import (
	"encoding/json"
	"errors"
	"time"
)

// User is a Zendesk user as the API returns it. Fields Zendesk sends as
// null are pointers.
type User struct {
	ID             int64      `json:"id"`
	URL            string     `json:"url,omitempty"`
	Name           string     `json:"name"`
	Email          string     `json:"email"`
	Role           string     `json:"role"` // "end-user", "agent", "admin"
	RoleType       *int       `json:"role_type"`
	CustomRoleID   *int64     `json:"custom_role_id"`
	DefaultGroupID *int64     `json:"default_group_id"`
	Active         bool       `json:"active"`
	Suspended      bool       `json:"suspended"`
	TwoFactor      bool       `json:"two_factor_auth_enabled"`
	LastLoginAt    *time.Time `json:"last_login_at"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// Role values of User.Role.
const (
	RoleEndUser = "end-user"
	RoleAgent   = "agent"
	RoleAdmin   = "admin"
)

// Role types of User.RoleType and CustomRole.RoleType.
const (
	RoleTypeCustomAgent  = 0
	RoleTypeLightAgent   = 1
	RoleTypeChatAgent    = 2
	RoleTypeContributor  = 3
	RoleTypeAdmin        = 4
	RoleTypeBillingAdmin = 5
)

// UserUpdate is a partial update for PUT /api/v2/users/{id}. Pointer fields
// are sent only when set, so false and zero values can be sent on purpose.
type UserUpdate struct {
	Role         *string `json:"role,omitempty"`
	CustomRoleID *int64  `json:"custom_role_id,omitempty"`
	Suspended    *bool   `json:"suspended,omitempty"`
	// ClearCustomRole sends "custom_role_id": null, taking an agent off
	// their custom role (Zendesk then gives them the account's default
	// agent role, if it has custom roles). It cannot go with CustomRoleID.
	ClearCustomRole bool `json:"-"`
}

// MarshalJSON writes the fields that are set, and "custom_role_id": null
// when ClearCustomRole asks for it.
func (u UserUpdate) MarshalJSON() ([]byte, error) {
	// plain has UserUpdate's fields but not this method, so encoding it
	// does not recurse.
	type plain UserUpdate
	if !u.ClearCustomRole {
		return json.Marshal(plain(u))
	}
	if u.CustomRoleID != nil {
		return nil, errors.New("zendesk: a user update cannot both set and clear custom_role_id")
	}
	return json.Marshal(struct {
		plain
		// Shallower than plain's field of the same name, so it wins, and
		// without omitempty, so nil is sent as null.
		CustomRoleID *int64 `json:"custom_role_id"`
	}{plain: plain(u)})
}

// Group is a Zendesk group.
type Group struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Default   bool      `json:"default"`
	Deleted   bool      `json:"deleted"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// GroupMembership links an agent to a group.
type GroupMembership struct {
	ID      int64 `json:"id"`
	UserID  int64 `json:"user_id"`
	GroupID int64 `json:"group_id"`
	Default bool  `json:"default"`
}

// CustomRole is a custom agent role (Enterprise plans).
type CustomRole struct {
	ID            int64            `json:"id"`
	Name          string           `json:"name"`
	Description   string           `json:"description"`
	RoleType      int              `json:"role_type"`
	MemberCount   int              `json:"team_member_count"`
	Configuration CustomRoleConfig `json:"configuration"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
}

// CustomRoleConfig holds the configuration keys the bot reads: what seat
// the role holds, and the powers that make it privileged.
type CustomRoleConfig struct {
	LightAgent bool `json:"light_agent"`
	// ManageTeamMembers is "all-with-self-restriction" when holders may
	// change other staff and their role assignments, else "readonly" or
	// "none".
	ManageTeamMembers string `json:"manage_team_members,omitempty"`
	// ManageRoles is "all-except-self" when holders may edit custom roles,
	// else "none".
	ManageRoles string `json:"manage_roles,omitempty"`
	// ManageExtensionsAndChannels lets holders install apps and manage
	// channels, API access among them.
	ManageExtensionsAndChannels bool `json:"manage_extensions_and_channels"`
}

// ExportRequest asks for one page of the incremental user export. The
// first request of a full sync sets StartTime; every later one sets Cursor.
type ExportRequest struct {
	Cursor    string
	StartTime time.Time
	PerPage   int // 0 means the maximum, 1000
}

// UserExportPage is one page of GET /api/v2/incremental/users/cursor.
type UserExportPage struct {
	Users       []User `json:"users"`
	AfterCursor string `json:"after_cursor"`
	EndOfStream bool   `json:"end_of_stream"`
}

// Ticket is a Zendesk ticket as Show Ticket returns it, reduced to what
// says which ticket it is and where it stands; comments, custom fields and
// the rest of the ticket are dropped while decoding.
type Ticket struct {
	ID          int64     `json:"id"`
	URL         string    `json:"url,omitempty"`
	Subject     string    `json:"subject"`
	Status      string    `json:"status"` // see the TicketStatus constants
	RequesterID int64     `json:"requester_id"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Values of Ticket.Status. On accounts with custom ticket statuses it is
// the status's category, one of these still.
const (
	TicketStatusNew     = "new"
	TicketStatusOpen    = "open"
	TicketStatusPending = "pending"
	TicketStatusHold    = "hold"
	TicketStatusSolved  = "solved"
	TicketStatusClosed  = "closed"
)
