package credentials

import (
	"strconv"
	"strings"
	"time"
)

// Kind is a kind of credential.
type Kind string

// Kinds, in the order the register lists them.
const (
	APIToken    Kind = "api-token"
	OAuthToken  Kind = "oauth-token"
	OAuthClient Kind = "oauth-client"
	App         Kind = "app"
)

// Kinds lists every kind in register order.
var Kinds = []Kind{APIToken, OAuthToken, OAuthClient, App}

// Label names a kind for people: "API token".
func (k Kind) Label() string {
	switch k {
	case APIToken:
		return "API token"
	case OAuthToken:
		return "OAuth token"
	case OAuthClient:
		return "OAuth client"
	case App:
		return "app"
	}
	return string(k)
}

// APITokenRetirement is the day Zendesk permanently deactivates every API
// token.
var APITokenRetirement = time.Date(2027, time.April, 30, 0, 0, 0, 0, time.UTC)

// Zendesk deactivates an API token unused for autoDeactivateDays and
// deletes it 60 days later; one unused for warnDeactivateDays is about to
// go.
const (
	autoDeactivateDays = 30
	warnDeactivateDays = 20
	deleteAfterDays    = 60
)

// Credential is what the last sync saw of one credential in Zendesk.
type Credential struct {
	// ID names the credential in the register, commands and buttons:
	// its kind and Zendesk id, "api-token:5501".
	ID        string `json:"id"`
	Kind      Kind   `json:"kind"`
	ZendeskID int64  `json:"zendesk_id"`
	// Name is the API token's description, the client's or app's name;
	// an OAuth token is named by its client.
	Name string `json:"name"`
	// ActsAs is the Zendesk user the credential acts as (API tokens: the
	// assigned user, else the creator; OAuth: the token's or client's
	// user). 0 for apps.
	ActsAs      int64  `json:"acts_as,omitempty"`
	ActsAsName  string `json:"acts_as_name,omitempty"`
	ActsAsEmail string `json:"acts_as_email,omitempty"`
	// Client is an OAuth token's client.
	Client int64    `json:"client,omitempty"`
	Scopes []string `json:"scopes,omitempty"`
	// Active: an API token Zendesk has not deactivated, an enabled app.
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	// LastUsedAt is zero when Zendesk never saw it used (or, for apps and
	// clients without tokens, does not say).
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
}

// IDOf is the register id of a Zendesk credential.
func IDOf(k Kind, zendeskID int64) string {
	return string(k) + ":" + strconv.FormatInt(zendeskID, 10)
}

// ParseID reads a register id strictly: a known kind, a colon and a
// positive decimal id without leading zeros, as IDOf writes it.
func ParseID(id string) (Kind, int64, bool) {
	k, n, ok := strings.Cut(id, ":")
	if !ok || !knownKind(Kind(k)) || n == "" || n[0] == '0' || len(n) > 19 || strings.Trim(n, "0123456789") != "" {
		return "", 0, false
	}
	v, err := strconv.ParseInt(n, 10, 64)
	if err != nil || v <= 0 {
		return "", 0, false
	}
	return Kind(k), v, true
}

func knownKind(k Kind) bool {
	for _, known := range Kinds {
		if k == known {
			return true
		}
	}
	return false
}

// lastSeen is when the credential was last used, or created when never.
func (c Credential) lastSeen() time.Time {
	if !c.LastUsedAt.IsZero() {
		return c.LastUsedAt
	}
	return c.CreatedAt
}
