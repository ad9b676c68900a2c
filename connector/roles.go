package connector

import "context"

// Power is something a custom role lets its holders do that changes who
// may do what in the account: the reason a role counts as privileged.
type Power string

// Powers a connector reads from a custom role's configuration.
const (
	// PowerAdmin: the role is an administrator's (Zendesk's admin and
	// billing-admin role types).
	PowerAdmin Power = "administers the account"
	// PowerTeamMembers: holders add and change other staff and their
	// roles.
	PowerTeamMembers Power = "manages team members and their roles"
	// PowerRoles: holders edit custom roles, their own excepted.
	PowerRoles Power = "edits custom roles"
	// PowerApps: holders install apps and manage channels and API access.
	PowerApps Power = "manages apps, channels and API access"
)

// CustomRole is a role an account defines besides the SaaS's own, with
// the powers that make it risky; a role with none is an ordinary one.
type CustomRole struct {
	// ID is the SaaS's id, as Staff.RoleID and Role.ID name it.
	ID      string
	Name    string
	Members int
	Powers  []Power
}

// Risky reports whether holding the role is holding privilege.
func (r CustomRole) Risky() bool { return len(r.Powers) > 0 }

// Roles reads an account's custom roles.
type Roles interface {
	// CustomRoles lists every custom role with its powers. An account
	// whose plan has no custom roles answers with an error matching
	// ErrForbidden or ErrNotFound, so "not on this plan" differs from
	// "none defined".
	CustomRoles(ctx context.Context) ([]CustomRole, error)
}
