package credentials

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/connector"
)

// Kind is a kind of credential.
type Kind string

// Kinds, in the order the register lists them.
const (
	APIToken    Kind = "api-token"
	OAuthToken  Kind = "oauth-token"
	OAuthClient Kind = "oauth-client"
	// FineGrainedToken is a GitHub fine-grained personal access token
	// with access to the organization.
	FineGrainedToken Kind = "fine-grained-token"
	App              Kind = "app"
)

// Kinds lists every kind in register order.
var Kinds = []Kind{APIToken, OAuthToken, OAuthClient, FineGrainedToken, App}

// KindsOf lists the kinds of credential a SaaS has, in register order.
func KindsOf(saas string) []Kind {
	if saas == connector.GitHub {
		return []Kind{FineGrainedToken, App}
	}
	return []Kind{APIToken, OAuthToken, OAuthClient, App}
}

// Revocable reports whether chat can revoke a credential of this kind
// through its SaaS's API.
func (k Kind) Revocable() bool { return k == OAuthToken || k == FineGrainedToken }

// scoped reports whether the kind holds scopes its owner must state, so
// holding more than stated can be flagged.
func (k Kind) scoped() bool { return k.Revocable() }

// Label names a kind for people: "API token".
func (k Kind) Label() string {
	switch k {
	case APIToken:
		return "API token"
	case OAuthToken:
		return "OAuth token"
	case OAuthClient:
		return "OAuth client"
	case FineGrainedToken:
		return "fine-grained token"
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

// Credential is what the last sync saw of one credential in its SaaS.
type Credential struct {
	// ID names the credential in the register, commands and buttons:
	// its kind and its id in the SaaS, "api-token:5501".
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// SaaSID is the SaaS's own number for it. Inventories written before
	// connectors call it "zendesk_id"; see legacyCredential.
	SaaSID int64 `json:"saas_id"`
	// Name is the API token's description, the client's or app's name;
	// an OAuth token is named by its client.
	Name string `json:"name"`
	// ActsAs is the user the credential acts as (Zendesk API tokens: the
	// assigned user, else the creator; OAuth: the token's or client's
	// user; GitHub tokens: their owner). 0 for apps.
	ActsAs      int64  `json:"acts_as,omitempty"`
	ActsAsName  string `json:"acts_as_name,omitempty"`
	ActsAsEmail string `json:"acts_as_email,omitempty"`
	// Client is an OAuth token's client.
	Client int64    `json:"client,omitempty"`
	Scopes []string `json:"scopes,omitempty"`
	// Active: a token its SaaS has not deactivated or let expire, an
	// enabled app.
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	// LastUsedAt is zero when the SaaS never saw it used (or, for apps and
	// clients without tokens, does not say).
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
}

// IDOf is the register id of a credential the SaaS numbers saasID.
func IDOf(k Kind, saasID int64) string {
	return string(k) + ":" + strconv.FormatInt(saasID, 10)
}

// QualifiedID names a credential across the governed SaaS, as people type it and
// buttons carry it: "github:fine-grained-token:9001". Zendesk's stand
// alone ("api-token:5501"), as they did before connectors.
func QualifiedID(saas, id string) string {
	if saas == "" || saas == connector.Zendesk {
		return id
	}
	return saas + ":" + id
}

// ParseQualifiedID reads a QualifiedID strictly, and also "zendesk:api-token:5501". A
// bare fine-grained token is GitHub's: only GitHub has them.
func ParseQualifiedID(ref string) (saas, id string, ok bool) {
	saas, ref, named := connector.CutName(ref)
	k, _, ok := ParseID(ref)
	switch {
	case !ok:
		return "", "", false
	case !named && k == FineGrainedToken:
		saas = connector.GitHub
	case !named:
		saas = connector.Zendesk
	}
	if !slices.Contains(KindsOf(saas), k) {
		return "", "", false
	}
	return saas, ref, true
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
