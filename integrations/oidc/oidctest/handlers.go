package oidctest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxFormBytes bounds what the emulator reads of a form body.
const maxFormBytes = 64 << 10

// ServeHTTP counts the request, records authorization requests, applies
// injected faults, then answers as the provider would.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	endpoint := endpointFor(r.URL.Path)
	var params url.Values
	var parseErr string
	if endpoint == EndpointAuthorize || endpoint == EndpointToken {
		params, parseErr = readParams(w, r, endpoint)
	}

	s.mu.Lock()
	s.requests[endpoint]++
	if endpoint == EndpointAuthorize {
		s.authorizations = append(s.authorizations, cloneValues(params))
	}
	fault, faulted := s.takeFaultLocked(endpoint)
	s.mu.Unlock()

	if faulted && serveFault(w, r, endpoint, fault) {
		return
	}
	switch endpoint {
	case EndpointDiscovery:
		if allowMethods(w, r, http.MethodGet, http.MethodHead) {
			writeJSON(w, http.StatusOK, s.discovery())
		}
	case EndpointJWKS:
		if allowMethods(w, r, http.MethodGet, http.MethodHead) {
			s.mu.Lock()
			keys := s.publishedKeysLocked()
			s.mu.Unlock()
			writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
		}
	case EndpointAuthorize:
		if allowMethods(w, r, http.MethodGet, http.MethodPost) {
			s.authorize(w, params, parseErr)
		}
	case EndpointToken:
		if allowMethods(w, r, http.MethodPost) {
			s.token(w, r, params, parseErr)
		}
	default:
		http.NotFound(w, r)
	}
}

func endpointFor(path string) string {
	switch path {
	case PathDiscovery:
		return EndpointDiscovery
	case PathJWKS:
		return EndpointJWKS
	case PathAuthorize:
		return EndpointAuthorize
	case PathToken:
		return EndpointToken
	}
	return EndpointUnknown
}

// readParams reads an OAuth request's parameters: the query of a GET, the
// form body of a POST (the token endpoint reads only the body, as RFC
// 6749 sends them there). parseErr describes a body that is not a form.
func readParams(w http.ResponseWriter, r *http.Request, endpoint string) (params url.Values, parseErr string) {
	if r.Method != http.MethodPost {
		if endpoint == EndpointToken {
			return url.Values{}, ""
		}
		return r.URL.Query(), ""
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "application/x-www-form-urlencoded" {
		return url.Values{}, "the body must be application/x-www-form-urlencoded"
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return url.Values{}, "the body is not a valid form"
	}
	return r.PostForm, ""
}

// allowMethods answers 405 unless r uses one of methods.
func allowMethods(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	if slices.Contains(methods, r.Method) {
		return true
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	return false
}

// discovery is the provider metadata of OpenID Connect Discovery 1.0.
func (s *Server) discovery() map[string]any {
	return map[string]any{
		"issuer":                                s.issuer,
		"authorization_endpoint":                s.issuer + PathAuthorize,
		"token_endpoint":                        s.issuer + PathToken,
		"jwks_uri":                              s.issuer + PathJWKS,
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "email"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"claims_supported": []string{
			"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce",
			"acr", "amr", "at_hash", "email", "email_verified",
		},
		"acr_values_supported":                           s.acrValues,
		"prompt_values_supported":                        []string{"none", "login"},
		"claims_parameter_supported":                     false,
		"request_parameter_supported":                    false,
		"request_uri_parameter_supported":                false, // Discovery's default is true
		"authorization_response_iss_parameter_supported": true,
	}
}

// authorize handles the authorization request (OpenID Connect Core
// 3.1.2). Problems with the client or its redirect URI get an error page:
// redirecting to an unverified URI would make the provider an open
// redirector. Every other problem goes back to the client as RFC 6749
// 4.1.2.1 says.
func (s *Server) authorize(w http.ResponseWriter, params url.Values, parseErr string) {
	if parseErr != "" {
		writePage(w, http.StatusBadRequest, parseErr)
		return
	}
	clientID := params.Get("client_id")
	c, ok := s.clients[clientID]
	switch {
	case len(params["client_id"]) != 1 || clientID == "":
		writePage(w, http.StatusBadRequest, "client_id is missing or repeated")
		return
	case !ok:
		writePage(w, http.StatusBadRequest, "client_id is not a registered client")
		return
	}
	redirectURI := params.Get("redirect_uri")
	if len(params["redirect_uri"]) != 1 || !c.allows(redirectURI) {
		writePage(w, http.StatusBadRequest, "redirect_uri is not registered for this client")
		return
	}
	back := redirect{uri: redirectURI, state: params.Get("state"), issuer: s.issuer}

	for name, vs := range params {
		if len(vs) > 1 {
			back.fail(w, "invalid_request", name+" is repeated")
			return
		}
	}
	scopes := strings.Fields(params.Get("scope"))
	prompts := strings.Fields(params.Get("prompt"))
	method := params.Get("code_challenge_method")
	challenge := params.Get("code_challenge")
	switch {
	case params.Has("request"):
		back.fail(w, "request_not_supported", "request objects are not supported")
	case params.Has("request_uri"):
		back.fail(w, "request_uri_not_supported", "request_uri is not supported")
	case params.Get("response_type") == "":
		back.fail(w, "invalid_request", "response_type is required")
	case params.Get("response_type") != "code":
		back.fail(w, "unsupported_response_type", "only response_type=code is supported")
	case params.Has("response_mode") && params.Get("response_mode") != "query":
		back.fail(w, "invalid_request", "only response_mode=query is supported")
	case !slices.Contains(scopes, "openid"):
		back.fail(w, "invalid_scope", "scope must include openid")
	case params.Get("state") == "":
		back.fail(w, "invalid_request", "state is required")
	case params.Get("nonce") == "":
		// Core makes nonce optional for the code flow; requiring it keeps
		// a relying party honest about binding the token to its request.
		back.fail(w, "invalid_request", "nonce is required")
	case challenge == "":
		back.fail(w, "invalid_request", "code challenge required")
	case method != "S256":
		back.fail(w, "invalid_request", "transform algorithm not supported")
	case !isS256Challenge(challenge):
		back.fail(w, "invalid_request", "code_challenge is not a base64url SHA-256 digest")
	case slices.Contains(prompts, "none") && len(prompts) > 1:
		back.fail(w, "invalid_request", "prompt=none cannot be combined with other values")
	case params.Has("max_age") && !isNonNegativeInt(params.Get("max_age")):
		back.fail(w, "invalid_request", "max_age must be a non-negative integer")
	default:
		s.signIn(w, back, clientID, params, scopes, slices.Contains(prompts, "none"))
	}
}

// signIn takes the next scripted login and issues a code for it.
func (s *Server) signIn(w http.ResponseWriter, back redirect, clientID string, params url.Values, scopes []string, promptNone bool) {
	now := s.Now()
	s.mu.Lock()
	if len(s.logins) == 0 {
		s.mu.Unlock()
		if promptNone {
			// Without a session there is nobody to sign in silently.
			back.fail(w, "login_required", "the user is not signed in")
			return
		}
		writePage(w, http.StatusBadRequest, "no login scripted")
		return
	}
	login := s.logins[0]
	s.logins = s.logins[1:]
	if login.Deny {
		s.mu.Unlock()
		back.fail(w, "access_denied", "the user did not sign in")
		return
	}
	if login.Subject == "" {
		login.Subject = subjectFor(login.Email)
	}
	if login.AuthTime.IsZero() {
		login.AuthTime = now
	}
	code := randomToken()
	s.codes[code] = &authCode{
		clientID:    clientID,
		redirectURI: back.uri,
		challenge:   params.Get("code_challenge"),
		nonce:       params.Get("nonce"),
		scopes:      scopes,
		login:       login,
		issued:      now,
	}
	s.mu.Unlock()
	back.succeed(w, code)
}

// redirect sends the authorization response back to the client.
type redirect struct {
	uri    string
	state  string
	issuer string
}

func (b redirect) succeed(w http.ResponseWriter, code string) {
	b.send(w, url.Values{"code": {code}})
}

func (b redirect) fail(w http.ResponseWriter, code, description string) {
	b.send(w, url.Values{"error": {code}, "error_description": {description}})
}

// send adds state and iss (RFC 9207, against mix-up attacks) and keeps any
// query the registered redirect URI has.
func (b redirect) send(w http.ResponseWriter, params url.Values) {
	u, err := url.Parse(b.uri)
	if err != nil {
		writePage(w, http.StatusBadRequest, "redirect_uri is not a valid URI")
		return
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	if b.state != "" {
		q.Set("state", b.state)
	}
	q.Set("iss", b.issuer)
	u.RawQuery = q.Encode()
	w.Header().Set("Location", u.String())
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

// tokenError is an RFC 6749 5.2 error response.
type tokenError struct {
	status      int
	code        string
	description string
	basic       bool // ask for Basic credentials in WWW-Authenticate
}

func badRequest(code, description string) *tokenError {
	return &tokenError{status: http.StatusBadRequest, code: code, description: description}
}

// token handles the token request (RFC 6749 4.1.3, RFC 7636 4.5).
func (s *Server) token(w http.ResponseWriter, r *http.Request, form url.Values, parseErr string) {
	res, terr := s.exchange(r, form, parseErr)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if terr != nil {
		if terr.basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="oidctest", error="`+terr.code+`"`)
		}
		writeJSON(w, terr.status, map[string]string{"error": terr.code, "error_description": terr.description})
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) exchange(r *http.Request, form url.Values, parseErr string) (map[string]any, *tokenError) {
	if parseErr != "" {
		return nil, badRequest("invalid_request", parseErr)
	}
	for name, vs := range form {
		if len(vs) > 1 {
			return nil, badRequest("invalid_request", name+" is repeated")
		}
	}
	clientID, terr := s.authenticateClient(r, form)
	if terr != nil {
		return nil, terr
	}
	switch form.Get("grant_type") {
	case "":
		return nil, badRequest("invalid_request", "grant_type is required")
	case "authorization_code":
	default:
		return nil, badRequest("unsupported_grant_type", "only authorization_code is supported")
	}
	code, redirectURI, verifier := form.Get("code"), form.Get("redirect_uri"), form.Get("code_verifier")
	switch {
	case code == "":
		return nil, badRequest("invalid_request", "code is required")
	case redirectURI == "":
		return nil, badRequest("invalid_request", "redirect_uri is required: the authorization request had one")
	case verifier == "":
		return nil, badRequest("invalid_request", "code_verifier is required")
	case !isVerifier(verifier):
		return nil, badRequest("invalid_request", "code_verifier must be 43 to 128 unreserved characters")
	}

	now := s.Now()
	s.mu.Lock()
	rec := s.codes[code]
	switch {
	case rec == nil:
		s.mu.Unlock()
		return nil, badRequest("invalid_grant", "the code is not valid")
	case rec.clientID != clientID:
		// Not consumed: another client must not be able to spoil it.
		s.mu.Unlock()
		return nil, badRequest("invalid_grant", "the code was issued to another client")
	case rec.used:
		s.mu.Unlock()
		return nil, badRequest("invalid_grant", "the code has already been used")
	}
	// Any attempt by its client uses the code up, so a stolen code cannot
	// be tried against verifiers.
	rec.used = true
	s.mu.Unlock()

	switch {
	case !now.Before(rec.issued.Add(CodeLifetime)):
		return nil, badRequest("invalid_grant", "the code has expired")
	case redirectURI != rec.redirectURI:
		return nil, badRequest("invalid_grant", "redirect_uri does not match the authorization request")
	case subtle.ConstantTimeCompare([]byte(s256(verifier)), []byte(rec.challenge)) != 1:
		return nil, badRequest("invalid_grant", "code_verifier does not match the code_challenge")
	}

	accessToken := randomToken()
	idToken, err := s.sign(s.claimsFor(rec, accessToken, now))
	if err != nil {
		return nil, &tokenError{status: http.StatusInternalServerError, code: "server_error", description: "signing the ID token failed"}
	}
	return map[string]any{
		"access_token": accessToken,
		"token_type":   "Bearer",
		"expires_in":   int(AccessTokenLifetime / time.Second),
		"id_token":     idToken,
		"scope":        strings.Join(rec.scopes, " "),
	}, nil
}

// authenticateClient checks client_secret_basic or client_secret_post,
// never both at once (RFC 6749 2.3).
func (s *Server) authenticateClient(r *http.Request, form url.Values) (string, *tokenError) {
	unauthorized := func(description string) *tokenError {
		// RFC 6749 asks for 401 with a challenge when the client used
		// the Authorization header; HTTP asks for the challenge on any
		// 401, so every invalid_client gets it.
		return &tokenError{status: http.StatusUnauthorized, code: "invalid_client", description: description, basic: true}
	}
	var id, secret string
	if r.Header.Get("Authorization") != "" {
		user, pass, ok := r.BasicAuth()
		if !ok {
			return "", unauthorized("the Authorization header is not Basic credentials")
		}
		// RFC 6749 2.3.1 form-encodes both halves before Basic encoding.
		var err1, err2 error
		id, err1 = url.QueryUnescape(user)
		secret, err2 = url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return "", unauthorized("the Basic credentials are not form-encoded")
		}
		if form.Has("client_secret") {
			return "", badRequest("invalid_request", "use one client authentication method, not two")
		}
		if form.Has("client_id") && form.Get("client_id") != id {
			return "", badRequest("invalid_request", "client_id does not match the Basic credentials")
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
		if id == "" || secret == "" {
			return "", unauthorized("client authentication is required")
		}
	}
	c, ok := s.clients[id]
	if !ok || subtle.ConstantTimeCompare([]byte(secret), []byte(c.secret)) != 1 {
		return "", unauthorized("client authentication failed")
	}
	return id, nil
}

// s256 is the S256 code challenge of a verifier (RFC 7636 4.2).
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// isS256Challenge reports whether c can be an S256 challenge: 32 bytes in
// unpadded base64url.
func isS256Challenge(c string) bool {
	b, err := base64.RawURLEncoding.DecodeString(c)
	return err == nil && len(b) == sha256.Size
}

// isVerifier applies RFC 7636 4.1: 43 to 128 characters of
// [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
func isVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, c := range v {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

func isNonNegativeInt(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n >= 0
}

// randomToken is an unguessable code or access token.
func randomToken() string {
	return rand.Text() + rand.Text()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writePage is the page a user's browser would show instead of going
// back to the client.
func writePage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(errorPage(msg)))
}
