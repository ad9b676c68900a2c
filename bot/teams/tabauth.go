package teams

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/people"
)

// DefaultSignInKeysURL is where Microsoft Entra ID publishes the keys that
// sign the tokens Teams gives a tab (getAuthToken); tenant is the bot's.
func DefaultSignInKeysURL(tenant string) string {
	return "https://login.microsoftonline.com/" + tenant + "/discovery/v2.0/keys"
}

// TabSignIn is the tab's single sign-on as its app registration sets it
// up: Teams asks Entra ID for a token for the app on the person's behalf
// and the tab's page sends it with every request.
type TabSignIn struct {
	// AppID is the app registration's client id (TEAMS_APP_ID): a v2.0
	// token's audience.
	AppID string
	// Tenant is the directory (TEAMS_TENANT_ID): only its people are let in.
	Tenant string
	// Host is the public host (SEATWARDEN_PUBLIC_URL's): a v1.0 token's
	// audience is the app id URI api://HOST/APPID the manifest names.
	Host string
	// KeysURL publishes the signing keys (default DefaultSignInKeysURL).
	KeysURL string
	// Issuers are the accepted iss claims; default Entra ID's v2.0 and
	// v1.0 issuers for Tenant.
	Issuers    []string
	HTTPClient *http.Client
	Now        func() time.Time
}

// tabVerifier checks the token a tab sends: signature with a published
// key (go-oidc keeps and refreshes them), expiry, issuer, audience, the
// tenant and the delegated scope the manifest asks for, and reads the
// person from it.
type tabVerifier struct {
	cfg      TabSignIn
	verifier *gooidc.IDTokenVerifier
}

// TabScope is the delegated scope the app registration exposes for the
// tab, named in the manifest's webApplicationInfo.
const TabScope = "access_as_user"

// NewTabVerifier returns the verifier of cfg's tokens.
func NewTabVerifier(cfg TabSignIn) (*tabVerifier, error) {
	if cfg.AppID == "" || cfg.Tenant == "" {
		return nil, errors.New("teams: the tab's sign-in needs the app id and the tenant")
	}
	if cfg.KeysURL == "" {
		cfg.KeysURL = DefaultSignInKeysURL(cfg.Tenant)
	}
	if len(cfg.Issuers) == 0 {
		cfg.Issuers = []string{
			"https://login.microsoftonline.com/" + cfg.Tenant + "/v2.0",
			"https://sts.windows.net/" + cfg.Tenant + "/",
		}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	keys := gooidc.NewRemoteKeySet(gooidc.ClientContext(context.Background(), cfg.HTTPClient), cfg.KeysURL)
	// Issuer and audience each have two accepted values, checked below.
	v := gooidc.NewVerifier("", keys, &gooidc.Config{SkipClientIDCheck: true, SkipIssuerCheck: true, Now: cfg.Now,
		SupportedSigningAlgs: []string{gooidc.RS256}})
	return &tabVerifier{cfg: cfg, verifier: v}, nil
}

// tabClaims are what the bot reads of the token beyond the registered
// claims: who (email, else the UPN Entra ID always sends), where, and
// what for.
// The email and preferred_username claims can be set by the user or a
// guest's home tenant, so only the UPN, or in v2.0 tokens of the
// tenant's own people the preferred_username (their UPN), names someone;
// guests (another identity provider) are refused.
type tabClaims struct {
	ObjectID          string `json:"oid"`
	Tenant            string `json:"tid"`
	Scope             string `json:"scp"`
	Name              string `json:"name"`
	PreferredUsername string `json:"preferred_username"` // v2.0
	UPN               string `json:"upn"`                // v1.0
	IdentityProvider  string `json:"idp"`                // set for guests
	Account           *int   `json:"acct"`               // 1 for guests, when sent
}

// Person verifies a bearer token and names who sent it.
func (v *tabVerifier) Person(ctx context.Context, raw string) (bot.User, error) {
	tok, err := v.verifier.Verify(ctx, raw)
	if err != nil {
		return bot.User{}, &AuthError{Reason: err.Error()}
	}
	if !slices.Contains(v.cfg.Issuers, tok.Issuer) {
		return bot.User{}, &AuthError{Reason: fmt.Sprintf("issuer %q is not this tenant's", tok.Issuer)}
	}
	audiences := []string{v.cfg.AppID, "api://" + v.cfg.Host + "/" + v.cfg.AppID}
	if !slices.ContainsFunc(tok.Audience, func(a string) bool { return slices.Contains(audiences, a) }) {
		return bot.User{}, &AuthError{Reason: fmt.Sprintf("token for %q, not this app", tok.Audience)}
	}
	var c tabClaims
	if err := tok.Claims(&c); err != nil {
		return bot.User{}, &AuthError{Reason: "claims: " + err.Error()}
	}
	switch {
	case !strings.EqualFold(c.Tenant, v.cfg.Tenant):
		return bot.User{}, &AuthError{Reason: fmt.Sprintf("tenant %q is not the bot's", c.Tenant)}
	case !slices.Contains(strings.Fields(c.Scope), TabScope):
		return bot.User{}, &AuthError{Reason: fmt.Sprintf("scope %q lacks %s", c.Scope, TabScope)}
	case c.ObjectID == "":
		return bot.User{}, &AuthError{Reason: "no oid claim"}
	case (c.IdentityProvider != "" && !strings.Contains(c.IdentityProvider, v.cfg.Tenant)) || (c.Account != nil && *c.Account == 1):
		return bot.User{}, &AuthError{Reason: "a guest of the tenant; the tab is for its own people"}
	}
	email, err := people.ParseEmail(cmp.Or(c.UPN, c.PreferredUsername))
	if err != nil {
		email = ""
	}
	return bot.User{ID: c.ObjectID, Email: email, DisplayName: c.Name, TeamID: c.Tenant}, nil
}
