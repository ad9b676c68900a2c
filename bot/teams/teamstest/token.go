package teamstest

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// BotFrameworkScope is the scope a bot asks the token endpoint for.
const BotFrameworkScope = "https://api.botframework.com/.default"

// multiTenantAuthority is the tenant multi-tenant bots take tokens from.
const multiTenantAuthority = "botframework.com"

// TokenRequest is one request to the token endpoint, issued or refused.
type TokenRequest struct {
	At        time.Time
	Tenant    string // from the URL path
	GrantType string
	ClientID  string
	Scope     string
	// BasicAuth is true when the client credentials came in an
	// Authorization: Basic header rather than in the form.
	BasicAuth bool
	Status    int    // HTTP status answered
	Error     string // OAuth error answered ("invalid_client"); empty when issued
	ErrorCode int    // the AADSTS number of the error; 0 when issued
}

// TokenRequests returns the token endpoint's requests, oldest first.
func (s *Server) TokenRequests() []TokenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.tokenRequests)
}

// SetTokenDown makes the token endpoint answer 503, as during an Entra ID
// outage, until called with false.
func (s *Server) SetTokenDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenDown = down
}

// IssueToken returns a fresh access token the connector accepts, without
// an HTTP round trip, for tests that call the connector directly.
func (s *Server) IssueToken() string {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueTokenLocked(now)
}

func (s *Server) issueTokenLocked(now time.Time) string {
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	tok := "teamstest." + base64.RawURLEncoding.EncodeToString(raw)
	s.tokens[tok] = now.Add(s.tokenLifetime)
	return tok
}

// tokenValidLocked reports whether the connector accepts tok now.
func (s *Server) tokenValidLocked(tok string, now time.Time) bool {
	exp, ok := s.tokens[tok]
	return ok && now.Before(exp)
}

// entraError is an error as the Microsoft identity platform answers it.
type entraError struct {
	status int
	err    string
	code   int
	text   string
}

func (e *entraError) body(now time.Time) map[string]any {
	trace, corr := newGUID(), newGUID()
	stamp := now.UTC().Format("2006-01-02 15:04:05Z")
	return map[string]any{
		"error": e.err,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			e.code, e.text, trace, corr, stamp),
		"error_codes":    []int{e.code},
		"timestamp":      stamp,
		"trace_id":       trace,
		"correlation_id": corr,
		"error_uri":      fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", e.code),
	}
}

// serveToken answers POST /{tenant}/oauth2/v2.0/token for the client
// credentials grant, refusing what Entra ID refuses, with its error codes.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	now := s.Now()
	tenant := r.PathValue("tenant")
	req := TokenRequest{At: now, Tenant: tenant}
	var form url.Values
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err == nil {
			form = r.PostForm
		}
	}
	req.GrantType, req.ClientID, req.Scope = form.Get("grant_type"), form.Get("client_id"), form.Get("scope")
	secret := form.Get("client_secret")
	if id, pw, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: both are form-encoded inside the header.
		id, _ = url.QueryUnescape(id)
		pw, _ = url.QueryUnescape(pw)
		req.ClientID, secret, req.BasicAuth = id, pw, true
	}

	s.mu.Lock()
	var e *entraError
	if s.tokenDown {
		e = &entraError{http.StatusServiceUnavailable, "temporarily_unavailable", 90033,
			"A transient error has occurred. Please try again."}
	} else if r.Method != http.MethodPost {
		e = &entraError{http.StatusBadRequest, "invalid_request", 900561,
			"The endpoint only accepts POST requests. Received a " + r.Method + " request."}
	} else {
		e = s.checkTokenRequest(tenant, req, secret)
	}
	req.Status = http.StatusOK
	var out map[string]any
	if e != nil {
		req.Status, req.Error, req.ErrorCode = e.status, e.err, e.code
		out = e.body(now)
	} else {
		secs := int(s.tokenLifetime / time.Second)
		out = map[string]any{
			"token_type":     "Bearer",
			"expires_in":     secs,
			"ext_expires_in": secs,
			"access_token":   s.issueTokenLocked(now),
		}
	}
	s.tokenRequests = append(s.tokenRequests, req)
	s.notify()
	s.mu.Unlock()

	w.Header().Set("Cache-Control", "no-store, no-cache")
	writeJSON(w, req.Status, out)
}

// checkTokenRequest applies Entra ID's checks in its order; callers hold
// s.mu.
func (s *Server) checkTokenRequest(tenant string, req TokenRequest, secret string) *entraError {
	missing := func(param string) *entraError {
		return &entraError{http.StatusBadRequest, "invalid_request", 900144,
			"The request body must contain the following parameter: '" + param + "'."}
	}
	switch {
	case req.GrantType == "":
		return missing("grant_type")
	case req.GrantType != "client_credentials":
		return &entraError{http.StatusBadRequest, "unsupported_grant_type", 70003,
			"The app requested an unsupported grant type '" + req.GrantType + "'."}
	case req.ClientID == "":
		return missing("client_id")
	}
	knownTenant := strings.EqualFold(tenant, s.tenantID) ||
		s.multiTenant && strings.EqualFold(tenant, multiTenantAuthority)
	if !knownTenant || !strings.EqualFold(req.ClientID, s.appID) {
		directory := tenant
		if strings.EqualFold(tenant, multiTenantAuthority) {
			directory = "Bot Framework"
		}
		return &entraError{http.StatusBadRequest, "unauthorized_client", 700016,
			fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. "+
				"This can happen if the application has not been installed by the administrator of the tenant "+
				"or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
				req.ClientID, directory)}
	}
	switch {
	case secret == "":
		return &entraError{http.StatusUnauthorized, "invalid_client", 7000216,
			"'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type."}
	case secret != s.appPassword:
		return &entraError{http.StatusUnauthorized, "invalid_client", 7000215,
			"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, " +
				"not the client secret ID, for a secret added to app '" + s.appID + "'."}
	case req.Scope == "":
		return missing("scope")
	case !strings.HasSuffix(req.Scope, "/.default"):
		return &entraError{http.StatusBadRequest, "invalid_scope", 1002012,
			"The provided value for scope " + req.Scope + " is not valid. Client credential flows must have a scope value " +
				"with /.default suffixed to the resource identifier (application ID URI)."}
	case req.Scope != BotFrameworkScope:
		resource := strings.TrimSuffix(req.Scope, "/.default")
		return &entraError{http.StatusBadRequest, "invalid_resource", 500011,
			"The resource principal named " + resource + " was not found in the tenant named " + tenant + "."}
	}
	return nil
}

// newGUID is a random version-4 UUID, for trace and correlation ids.
func newGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
