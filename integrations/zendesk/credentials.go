package zendesk

import "time"

// The credentials an account has issued: legacy API tokens, OAuth clients
// and their tokens, and installed apps. The types keep only what
// identifies a credential: Zendesk returns token prefixes, refresh tokens,
// client secrets and app settings (which may hold third-party API keys)
// with them, and those fields have no place here, so decoding drops them
// and nothing downstream can store, log or show them.

// APITokenInfo describes a legacy API token (GET /api/v2/api_tokens with
// include_users=true). Zendesk deactivates every API token on 2027-04-30.
type APITokenInfo struct {
	ID          int64     `json:"id"`
	Description string    `json:"description"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// LastUsedAt is Zendesk's last_used (not last_used_at); nil when the
	// token was never used.
	LastUsedAt *time.Time `json:"last_used"`
	// UserID, UserName and UserEmail name the admin who created it.
	UserID    int64  `json:"user_id"`
	UserName  string `json:"user_name"`
	UserEmail string `json:"user_email"`
	// AssignedUserID is the agent or admin the token is assigned to, if
	// any.
	AssignedUserID *int64 `json:"assigned_user_id"`
}

// OAuthClient is an OAuth client registered in the account
// (GET /api/v2/oauth/clients).
type OAuthClient struct {
	ID int64 `json:"id"`
	// Identifier is the client_id used in OAuth flows.
	Identifier  string `json:"identifier"`
	Name        string `json:"name"`
	Kind        string `json:"kind"` // "public" or "confidential"
	Company     string `json:"company"`
	Description string `json:"description"`
	// UserID is the admin who created the client; client-credentials
	// tokens act as this user.
	UserID    int64     `json:"user_id"`
	Global    bool      `json:"global"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// OAuthTokenInfo describes an issued OAuth access token
// (GET /api/v2/oauth/tokens?all=true).
type OAuthTokenInfo struct {
	ID int64 `json:"id"`
	// ClientID is the numeric id of the OAuthClient that holds it.
	ClientID int64 `json:"client_id"`
	// UserID is the user the token acts as.
	UserID    int64      `json:"user_id"`
	Scopes    []string   `json:"scopes"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	// UsedAt is the latest authentication with the token; nil when never
	// used.
	UsedAt                *time.Time `json:"used_at"`
	RefreshTokenExpiresAt *time.Time `json:"refresh_token_expires_at"`
}

// AppInstallation is an app installed in the account
// (GET /api/v2/apps/installations).
type AppInstallation struct {
	ID      int64  `json:"id"`
	AppID   int64  `json:"app_id"`
	Product string `json:"product"`
	Enabled bool   `json:"enabled"`
	Paid    bool   `json:"paid"`
	// Name is the installation's settings.name (its title when name is
	// empty). The rest of settings is never decoded: it may hold secrets.
	Name      string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}
