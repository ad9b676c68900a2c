package zendesktest

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

// MaxAPITokens is the most API tokens Zendesk allows in one account.
const MaxAPITokens = 256

// visibleTokenLen and listedTokenLen are how much of a token Zendesk shows:
// Admin Center's truncated visible_token, and the 10-character token prefix
// of the OAuth token list.
const (
	visibleTokenLen = 6
	listedTokenLen  = 10
)

// SeedAPIToken is a legacy API token as the emulator stores it: the record
// the client decodes plus the secret values Zendesk sends beside it, which
// the emulator serves so tests can check the client drops them.
type SeedAPIToken struct {
	zendesk.APITokenInfo
	// Token is the full token value, served as "token" as in Zendesk's
	// OpenAPI example; visible_token is its first characters.
	Token string
}

// SeedOAuthClient is an OAuth client as the emulator stores it.
type SeedOAuthClient struct {
	zendesk.OAuthClient
	// Secret is served as "secret". Zendesk shows the full value only at
	// creation, but any part of it must stay out of the client's types.
	Secret      string
	RedirectURI []string
}

// SeedOAuthToken is an issued OAuth access token as the emulator stores
// it. Listing serves the first 10 characters of Token, as Zendesk does,
// and RefreshToken in full.
type SeedOAuthToken struct {
	zendesk.OAuthTokenInfo
	Token        string
	RefreshToken string
}

// SeedInstallation is an installed app as the emulator stores it.
// Settings is served as the installation's settings, app secrets such as
// "api_key" included. The embedded Name is served as settings.name when
// Settings has neither a name nor a title; give only a title to emulate
// an installation that has no name.
type SeedInstallation struct {
	zendesk.AppInstallation
	Settings map[string]any
}

// credentials is the emulator's credential register. Each list is sorted
// by ID; guarded by Server.mu.
type credentials struct {
	apiTokensOff  bool
	apiTokens     []SeedAPIToken
	oauthClients  []SeedOAuthClient
	oauthTokens   []SeedOAuthToken
	installations []SeedInstallation
	revoked       []int64 // revoked through the API, in order
	nextTokenID   int64
}

func (s *Server) loadCredentials(org *Org) {
	c := &s.creds
	c.apiTokens = make([]SeedAPIToken, len(org.APITokens))
	for i, t := range org.APITokens {
		c.apiTokens[i] = cloneSeedAPIToken(t)
	}
	slices.SortFunc(c.apiTokens, func(a, b SeedAPIToken) int { return cmp.Compare(a.ID, b.ID) })
	c.oauthClients = make([]SeedOAuthClient, len(org.OAuthClients))
	for i, cl := range org.OAuthClients {
		cl.RedirectURI = slices.Clone(cl.RedirectURI)
		c.oauthClients[i] = cl
	}
	slices.SortFunc(c.oauthClients, func(a, b SeedOAuthClient) int { return cmp.Compare(a.ID, b.ID) })
	c.oauthTokens = make([]SeedOAuthToken, len(org.OAuthTokens))
	for i, t := range org.OAuthTokens {
		c.oauthTokens[i] = cloneSeedOAuthToken(t)
	}
	slices.SortFunc(c.oauthTokens, func(a, b SeedOAuthToken) int { return cmp.Compare(a.ID, b.ID) })
	c.installations = make([]SeedInstallation, len(org.Installations))
	for i, in := range org.Installations {
		in.Settings = maps.Clone(in.Settings)
		c.installations[i] = in
	}
	slices.SortFunc(c.installations, func(a, b SeedInstallation) int { return cmp.Compare(a.ID, b.ID) })
	c.nextTokenID = firstOAuthTokenID
	if n := len(c.oauthTokens); n > 0 {
		c.nextTokenID = c.oauthTokens[n-1].ID + 1
	}
}

// DisableAPITokens turns token access off for the account: the API token
// list then answers 404, as Zendesk does.
func (s *Server) DisableAPITokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.creds.apiTokensOff = true
}

// APITokens returns the API tokens as the list serves them with
// include_users=true, by ID.
func (s *Server) APITokens() []zendesk.APITokenInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]zendesk.APITokenInfo, len(s.creds.apiTokens))
	for i, t := range s.creds.apiTokens {
		out[i] = s.apiTokenView(t, true).APITokenInfo
	}
	return out
}

// DeleteAPIToken deletes an API token as an admin would in Admin Center
// (Zendesk has no API for it). It reports false for an unknown id.
func (s *Server) DeleteAPIToken(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := findByID(s.creds.apiTokens, id, func(t SeedAPIToken) int64 { return t.ID })
	if ok {
		s.creds.apiTokens = slices.Delete(s.creds.apiTokens, i, i+1)
	}
	return ok
}

// UseAPIToken records an authentication with an API token at at. It
// reports false for an unknown id.
func (s *Server) UseAPIToken(id int64, at time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := findByID(s.creds.apiTokens, id, func(t SeedAPIToken) int64 { return t.ID })
	if ok {
		s.creds.apiTokens[i].LastUsedAt = ptr(at.UTC().Truncate(time.Second))
	}
	return ok
}

// OAuthTokens returns the OAuth tokens as the list serves them, by ID.
func (s *Server) OAuthTokens() []zendesk.OAuthTokenInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]zendesk.OAuthTokenInfo, len(s.creds.oauthTokens))
	for i, t := range s.creds.oauthTokens {
		out[i] = cloneSeedOAuthToken(t).OAuthTokenInfo
	}
	return out
}

// UseOAuthToken records an authentication with an OAuth token at at. It
// reports false for an unknown id.
func (s *Server) UseOAuthToken(id int64, at time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := findByID(s.creds.oauthTokens, id, func(t SeedOAuthToken) int64 { return t.ID })
	if ok {
		s.creds.oauthTokens[i].UsedAt = ptr(at.UTC().Truncate(time.Second))
	}
	return ok
}

// AddOAuthToken issues a token as an OAuth flow would. A zero ID gets the
// next free one; zero CreatedAt becomes now. It panics on a duplicate ID.
func (s *Server) AddOAuthToken(t SeedOAuthToken) zendesk.OAuthTokenInfo {
	now := s.stamp()
	s.mu.Lock()
	defer s.mu.Unlock()
	t = cloneSeedOAuthToken(t)
	if t.ID == 0 {
		t.ID = s.creds.nextTokenID
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	pos, dup := findByID(s.creds.oauthTokens, t.ID, func(x SeedOAuthToken) int64 { return x.ID })
	if dup {
		panic(fmt.Sprintf("zendesktest: AddOAuthToken: duplicate token id %d", t.ID))
	}
	s.creds.oauthTokens = slices.Insert(s.creds.oauthTokens, pos, t)
	s.creds.nextTokenID = max(s.creds.nextTokenID, t.ID+1)
	return cloneSeedOAuthToken(t).OAuthTokenInfo
}

// RevokedOAuthTokens returns the ids of the tokens revoked through the
// API, in the order they were revoked.
func (s *Server) RevokedOAuthTokens() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.creds.revoked)
}

// findByID binary-searches a list sorted by ID.
func findByID[T any](list []T, id int64, idOf func(T) int64) (int, bool) {
	return slices.BinarySearchFunc(list, id, func(x T, id int64) int { return cmp.Compare(idOf(x), id) })
}

func cloneSeedAPIToken(t SeedAPIToken) SeedAPIToken {
	t.LastUsedAt = clonePtr(t.LastUsedAt)
	t.AssignedUserID = clonePtr(t.AssignedUserID)
	return t
}

func cloneSeedOAuthToken(t SeedOAuthToken) SeedOAuthToken {
	t.Scopes = slices.Clone(t.Scopes)
	t.ExpiresAt = clonePtr(t.ExpiresAt)
	t.UsedAt = clonePtr(t.UsedAt)
	t.RefreshTokenExpiresAt = clonePtr(t.RefreshTokenExpiresAt)
	return t
}

// The wire types are the JSON Zendesk sends, secrets included.

type wireAPIToken struct {
	zendesk.APITokenInfo
	// Shadow the embedded fields so that without include_users the keys
	// are left out rather than sent empty.
	UserName     string `json:"user_name,omitempty"`
	UserEmail    string `json:"user_email,omitempty"`
	Token        string `json:"token"`
	VisibleToken string `json:"visible_token"`
	URL          string `json:"url,omitempty"`
}

type wireOAuthClient struct {
	zendesk.OAuthClient
	URL         string   `json:"url"`
	Secret      string   `json:"secret"`
	RedirectURI []string `json:"redirect_uri"`
	LogoURL     *string  `json:"logo_url"`
}

type wireOAuthToken struct {
	zendesk.OAuthTokenInfo
	URL          string `json:"url"`
	Token        string `json:"token"`
	RefreshToken string `json:"refresh_token"`
}

type wireInstallation struct {
	zendesk.AppInstallation
	Settings            map[string]any   `json:"settings"`
	SettingsObjects     []map[string]any `json:"settings_objects"`
	RoleRestrictions    []int64          `json:"role_restrictions"`
	GroupRestrictions   []int64          `json:"group_restrictions"`
	PendingInstallation bool             `json:"pending_installation"`
	PendingJobID        *string          `json:"pending_job_id"`
	RecurringPayment    bool             `json:"recurring_payment"`
	Servable            bool             `json:"servable"`
	Collapsible         bool             `json:"collapsible"`
	Updated             string           `json:"updated"`
}

// apiTokenView is what the list serves for t: with includeUsers the
// creator's name and email come from the user table, as in Zendesk.
// Callers hold s.mu.
func (s *Server) apiTokenView(t SeedAPIToken, includeUsers bool) wireAPIToken {
	t = cloneSeedAPIToken(t)
	var name, email string
	if includeUsers {
		name, email = t.UserName, t.UserEmail
		if i, ok := s.index[t.UserID]; ok {
			name, email = s.users[i].Name, s.users[i].Email
		}
	}
	t.UserName, t.UserEmail = name, email
	return wireAPIToken{
		APITokenInfo: t.APITokenInfo,
		UserName:     name,
		UserEmail:    email,
		Token:        t.Token,
		VisibleToken: prefix(t.Token, visibleTokenLen) + "…",
	}
}

func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// handleAPITokens serves GET /api/v2/api_tokens: admins only, not
// paginated, 404 when token access is off.
func (s *Server) handleAPITokens(w http.ResponseWriter, r *http.Request, who identity) {
	if !who.allows("", false) || who.user.Role != zendesk.RoleAdmin {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	includeUsers := r.URL.Query().Get("include_users") == "true"
	base := baseURL(r)
	s.mu.Lock()
	if s.creds.apiTokensOff {
		s.mu.Unlock()
		writeRaw(w, http.StatusNotFound, bodyNotFound)
		return
	}
	tokens := make([]wireAPIToken, len(s.creds.apiTokens))
	for i, t := range s.creds.apiTokens {
		tokens[i] = s.apiTokenView(t, includeUsers)
		tokens[i].URL = fmt.Sprintf("%s/api/v2/api_tokens/%d.json", base, t.ID)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"api_tokens": tokens})
}

// handleOAuthClients serves GET /api/v2/oauth/clients: admins only, both
// pagination styles.
func (s *Server) handleOAuthClients(w http.ResponseWriter, r *http.Request, who identity) {
	if !who.allows("", false) || who.user.Role != zendesk.RoleAdmin {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	base := baseURL(r)
	s.mu.Lock()
	clients := s.creds.oauthClients
	sel, err := selectPage(r.URL.Query(), len(clients), func(i int) int64 { return clients[i].ID })
	var page []wireOAuthClient
	if err == nil {
		page = make([]wireOAuthClient, 0, sel.hi-sel.lo)
		for _, c := range clients[sel.lo:sel.hi] {
			page = append(page, wireOAuthClient{
				OAuthClient: c.OAuthClient,
				URL:         fmt.Sprintf("%s/api/v2/oauth/clients/%d.json", base, c.ID),
				Secret:      c.Secret,
				RedirectURI: append([]string{}, c.RedirectURI...),
			})
		}
	}
	s.mu.Unlock()
	if err != nil {
		writeJSON(w, http.StatusBadRequest, err)
		return
	}
	writeList(w, r, "clients", page, sel)
}

// handleOAuthTokens serves GET /api/v2/oauth/tokens: admins only; the
// caller's own tokens unless all=true; an optional client_id filter; both
// pagination styles.
func (s *Server) handleOAuthTokens(w http.ResponseWriter, r *http.Request, who identity) {
	if !who.allows("", false) || who.user.Role != zendesk.RoleAdmin {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	q := r.URL.Query()
	all := q.Get("all") == "true"
	var clientID int64
	if v := q.Get("client_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			writeError(w, http.StatusBadRequest, "InvalidParameter", "client_id must be an OAuth client id")
			return
		}
		clientID = n
	}
	base := baseURL(r)
	s.mu.Lock()
	tokens := s.creds.oauthTokens
	var matched []int
	for i, t := range tokens {
		if (all || t.UserID == who.user.ID) && (clientID == 0 || t.ClientID == clientID) {
			matched = append(matched, i)
		}
	}
	sel, err := selectPage(q, len(matched), func(k int) int64 { return tokens[matched[k]].ID })
	var page []wireOAuthToken
	if err == nil {
		page = make([]wireOAuthToken, 0, sel.hi-sel.lo)
		for _, i := range matched[sel.lo:sel.hi] {
			t := cloneSeedOAuthToken(tokens[i])
			page = append(page, wireOAuthToken{
				OAuthTokenInfo: t.OAuthTokenInfo,
				URL:            fmt.Sprintf("%s/api/v2/oauth/tokens/%d.json", base, t.ID),
				Token:          prefix(t.Token, listedTokenLen),
				RefreshToken:   t.RefreshToken,
			})
		}
	}
	s.mu.Unlock()
	if err != nil {
		writeJSON(w, http.StatusBadRequest, err)
		return
	}
	writeList(w, r, "tokens", page, sel)
}

// handleRevokeOAuthToken serves DELETE /api/v2/oauth/tokens/{id}: admins
// only, 204 with no body.
func (s *Server) handleRevokeOAuthToken(w http.ResponseWriter, who identity, id int64) {
	if !who.allows("", true) || who.user.Role != zendesk.RoleAdmin {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	s.mu.Lock()
	i, ok := findByID(s.creds.oauthTokens, id, func(t SeedOAuthToken) int64 { return t.ID })
	if ok {
		s.creds.oauthTokens = slices.Delete(s.creds.oauthTokens, i, i+1)
		s.creds.revoked = append(s.creds.revoked, id)
	}
	s.mu.Unlock()
	if !ok {
		writeRaw(w, http.StatusNotFound, bodyNotFound)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleInstallations serves GET /api/v2/apps/installations to agents and
// admins, unpaginated. include=app is accepted and ignored.
func (s *Server) handleInstallations(w http.ResponseWriter, who identity) {
	if !who.allows("apps", false) || !isStaff(who.user) {
		writeRaw(w, http.StatusForbidden, bodyForbidden)
		return
	}
	s.mu.Lock()
	out := make([]wireInstallation, len(s.creds.installations))
	for i, in := range s.creds.installations {
		out[i] = toWireInstallation(in)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"installations": out})
}

func toWireInstallation(in SeedInstallation) wireInstallation {
	settings := maps.Clone(in.Settings)
	if settings == nil {
		settings = map[string]any{}
	}
	_, hasName := settings["name"]
	_, hasTitle := settings["title"]
	if !hasName && !hasTitle && in.Name != "" {
		settings["name"] = in.Name
	}
	// settings_objects repeats every setting, secrets included, as
	// Zendesk does.
	objects := make([]map[string]any, 0, len(settings))
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		objects = append(objects, map[string]any{"name": k, "value": settings[k]})
	}
	return wireInstallation{
		AppInstallation:   in.AppInstallation,
		Settings:          settings,
		SettingsObjects:   objects,
		GroupRestrictions: []int64{},
		Servable:          true,
		Collapsible:       true,
		Updated:           in.UpdatedAt.UTC().Format("20060102150405"),
	}
}

// InstallApp installs an app as an admin would in the Marketplace: an
// enabled installation named name, with the next free id, created now.
func (s *Server) InstallApp(name string, appID int64) zendesk.AppInstallation {
	now := s.stamp()
	s.mu.Lock()
	defer s.mu.Unlock()
	id := firstInstallationID
	if n := len(s.creds.installations); n > 0 {
		id = s.creds.installations[n-1].ID + 1
	}
	in := SeedInstallation{
		AppInstallation: zendesk.AppInstallation{ID: id, AppID: appID, Product: "support", Enabled: true, Name: name, CreatedAt: now, UpdatedAt: now},
		Settings:        map[string]any{"name": name},
	}
	s.creds.installations = append(s.creds.installations, in)
	return in.AppInstallation
}
