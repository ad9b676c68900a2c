package github

import "time"

// Roles of organization members, as the membership endpoints name them:
// "admin" is an organization owner.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// Membership states.
const (
	StateActive  = "active"
	StatePending = "pending" // invited, not yet accepted
)

// Organization is GET /orgs/{org}.
type Organization struct {
	Login string `json:"login"`
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	// Plan is shown to owners (and Apps with the permission); nil else.
	Plan *Plan `json:"plan"`
}

// Plan is an organization's plan.
type Plan struct {
	Name         string `json:"name"`
	Seats        int    `json:"seats"`
	FilledSeats  int    `json:"filled_seats"`
	PrivateRepos int64  `json:"private_repos"`
}

// Account is the short form GitHub embeds for a user or organization.
type Account struct {
	Login string `json:"login"`
	ID    int64  `json:"id"`
	// Type is "User", "Organization", "Bot", or for a seat's assignee
	// also "Team".
	Type string `json:"type"`
}

// Member is one entry of GET /orgs/{org}/members. The list carries no
// name, email or role: see User, Membership and Members' role filter.
type Member struct {
	Login     string `json:"login"`
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	SiteAdmin bool   `json:"site_admin"`
}

// User is GET /users/{username} or GET /user/{account_id}.
type User struct {
	Login string `json:"login"`
	ID    int64  `json:"id"`
	Type  string `json:"type"`
	Name  string `json:"name"`
	// Email is the public profile email; "" when the user shows none.
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Membership is GET or PUT /orgs/{org}/memberships/{username}.
type Membership struct {
	// State is StateActive or StatePending.
	State string `json:"state"`
	// Role is RoleAdmin or RoleMember.
	Role         string  `json:"role"`
	User         Account `json:"user"`
	Organization Account `json:"organization"`
}

// CopilotSeatList is GET /orgs/{org}/copilot/billing/seats, all pages.
type CopilotSeatList struct {
	// TotalSeats is GitHub's count of billed seats, from the first page.
	TotalSeats int
	Seats      []CopilotSeat
}

// CopilotSeat is one seat being billed: active, or pending cancellation
// at the start of the next billing cycle. It is an entry of the seat list
// and the answer of GET /orgs/{org}/members/{username}/copilot.
type CopilotSeat struct {
	// Assignee is nil when GitHub sends null; Type "User" for a person.
	Assignee *Account `json:"assignee"`
	// AssigningTeam is the team the seat comes through; nil for a seat
	// assigned to the person directly.
	AssigningTeam *Team `json:"assigning_team"`
	// PendingCancellationDate is "YYYY-MM-DD" once the seat is cancelled,
	// the start of the next billing cycle; "" while it is active.
	PendingCancellationDate string     `json:"pending_cancellation_date"`
	LastActivityAt          *time.Time `json:"last_activity_at"`
	LastActivityEditor      string     `json:"last_activity_editor"`
	LastAuthenticatedAt     *time.Time `json:"last_authenticated_at"`
	CreatedAt               time.Time  `json:"created_at"`
	UpdatedAt               *time.Time `json:"updated_at"`
	// PlanType is "business" or "enterprise" (or "unknown").
	PlanType string `json:"plan_type"`
}

// Team is the short form of a team.
type Team struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// FineGrainedToken is one entry of GET /orgs/{org}/personal-access-tokens:
// a fine-grained personal access token granted access to the org. ID is
// the grant's id, what RevokeFineGrainedTokens takes; TokenID is the
// token's own.
type FineGrainedToken struct {
	ID                  int64            `json:"id"`
	Owner               Account          `json:"owner"`
	RepositorySelection string           `json:"repository_selection"`
	Permissions         TokenPermissions `json:"permissions"`
	AccessGrantedAt     time.Time        `json:"access_granted_at"`
	TokenID             int64            `json:"token_id"`
	TokenName           string           `json:"token_name"`
	TokenExpired        bool             `json:"token_expired"`
	// TokenExpiresAt is nil for a token without expiry.
	TokenExpiresAt *time.Time `json:"token_expires_at"`
	// TokenLastUsedAt is nil when never used.
	TokenLastUsedAt *time.Time `json:"token_last_used_at"`
}

// TokenPermissions are a token's permissions by kind, e.g.
// Organization["members"] = "read".
type TokenPermissions struct {
	Organization map[string]string `json:"organization"`
	Repository   map[string]string `json:"repository"`
	Other        map[string]string `json:"other"`
}

// Installation is one GitHub App installed on the org.
type Installation struct {
	ID                  int64             `json:"id"`
	AppID               int64             `json:"app_id"`
	AppSlug             string            `json:"app_slug"`
	Account             Account           `json:"account"`
	RepositorySelection string            `json:"repository_selection"`
	Permissions         map[string]string `json:"permissions"`
	Events              []string          `json:"events"`
	CreatedAt           time.Time         `json:"created_at"`
	UpdatedAt           time.Time         `json:"updated_at"`
	// SuspendedAt is nil unless the installation is suspended.
	SuspendedAt *time.Time `json:"suspended_at"`
}
