package oidctest

import (
	"cmp"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAuthorizeRefusals(t *testing.T) {
	dana := &Login{Email: "dana@acme.example"}
	tests := []struct {
		name   string
		login  *Login // scripted before the request; nil scripts none
		change func(url.Values)
		// Either an error page (no redirect) containing wantPage, or a
		// redirect to the client with error=wantError.
		wantPage  string
		wantError string
		// wantNoState is a redirect without state: the request had none.
		wantNoState bool
		// wantTaken is whether the scripted login was used up.
		wantTaken bool
	}{
		{name: "unregistered redirect_uri", login: dana, change: set("redirect_uri", "https://evil.example/cb"), wantPage: "redirect_uri is not registered"},
		{name: "another client's redirect_uri", login: dana, change: set("redirect_uri", otherBack), wantPage: "redirect_uri is not registered"},
		{name: "redirect_uri not exactly registered", login: dana, change: set("redirect_uri", callback+"/"), wantPage: "redirect_uri is not registered"},
		{name: "missing redirect_uri", login: dana, change: del("redirect_uri"), wantPage: "redirect_uri is not registered"},
		{name: "unknown client", login: dana, change: set("client_id", "nobody"), wantPage: "not a registered client"},
		{name: "missing client_id", login: dana, change: del("client_id"), wantPage: "client_id is missing"},
		{name: "repeated parameter", login: dana, change: func(v url.Values) { v.Add("nonce", "again") }, wantError: "invalid_request"},
		{name: "response_type token", login: dana, change: set("response_type", "token"), wantError: "unsupported_response_type"},
		{name: "missing response_type", login: dana, change: del("response_type"), wantError: "invalid_request"},
		{name: "fragment response mode", login: dana, change: set("response_mode", "fragment"), wantError: "invalid_request"},
		{name: "no openid scope", login: dana, change: set("scope", "email"), wantError: "invalid_scope"},
		{name: "missing state", login: dana, change: del("state"), wantError: "invalid_request", wantNoState: true},
		{name: "missing nonce", login: dana, change: del("nonce"), wantError: "invalid_request"},
		{name: "missing code_challenge", login: dana, change: del("code_challenge"), wantError: "invalid_request"},
		{name: "missing code_challenge_method", login: dana, change: del("code_challenge_method"), wantError: "invalid_request"},
		{name: "plain code_challenge_method", login: dana, change: set("code_challenge_method", "plain"), wantError: "invalid_request"},
		{name: "challenge not a SHA-256 digest", login: dana, change: set("code_challenge", "too-short"), wantError: "invalid_request"},
		{name: "prompt none with login", login: dana, change: set("prompt", "none login"), wantError: "invalid_request"},
		{name: "negative max_age", login: dana, change: set("max_age", "-1"), wantError: "invalid_request"},
		{name: "request object", login: dana, change: set("request", "eyJhbGciOiJub25lIn0.e30."), wantError: "request_not_supported"},
		{name: "no login scripted", wantPage: "no login scripted"},
		{name: "prompt none and nobody signed in", change: set("prompt", "none"), wantError: "login_required"},
		{name: "denied", login: &Login{Email: "dana@acme.example", Deny: true}, wantError: "access_denied", wantTaken: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			params := authRequest(newPKCE())
			if tt.change != nil {
				tt.change(params)
			}
			if tt.login != nil {
				s.NextLogin(*tt.login)
			}
			res := authorize(t, s, params)

			if tt.wantPage != "" {
				if res.status != http.StatusBadRequest || res.header.Get("Location") != "" {
					t.Fatalf("status %d, Location %q; want an error page", res.status, res.header.Get("Location"))
				}
				if !strings.Contains(string(res.body), tt.wantPage) {
					t.Errorf("page %s lacks %q", res.body, tt.wantPage)
				}
			} else {
				if res.status != http.StatusFound {
					t.Fatalf("status %d, body %s; want a redirect", res.status, res.body)
				}
				back := res.location(t)
				q := back.Query()
				if got := back.Scheme + "://" + back.Host + back.Path; got != callback {
					t.Errorf("redirected to %s", got)
				}
				if q.Get("error") != tt.wantError || q.Has("code") {
					t.Errorf("redirect query %v, want error=%s", q, tt.wantError)
				}
				if wantState := params.Get("state"); q.Get("state") != wantState || (tt.wantNoState && q.Has("state")) {
					t.Errorf("state %q, want %q", q.Get("state"), wantState)
				}
			}
			if taken := tt.login != nil && s.PendingLogins() == 0; taken != tt.wantTaken {
				t.Errorf("login taken = %v, want %v", taken, tt.wantTaken)
			}
			if got := s.Authorizations(); len(got) != 1 {
				t.Errorf("%d authorizations recorded, want 1", len(got))
			}
		})
	}
}

func set(name, value string) func(url.Values) {
	return func(v url.Values) { v.Set(name, value) }
}

func del(name string) func(url.Values) {
	return func(v url.Values) { v.Del(name) }
}

func TestTokenRefusals(t *testing.T) {
	// Each case gets a fresh code, then may change the clock or redeem
	// the code first (before), and sends form with auth.
	tests := []struct {
		name       string
		before     func(t *testing.T, s *Server, form url.Values)
		change     func(url.Values)
		auth       clientAuth
		method     string // default POST
		ctype      string // default form
		wantStatus int
		wantError  string // "" for success
	}{
		{name: "good, just before expiry", before: advance(CodeLifetime - time.Second), auth: basicAuth, wantStatus: 200},
		{name: "wrong code_verifier", change: set("code_verifier", newPKCE().verifier), auth: basicAuth, wantStatus: 400, wantError: "invalid_grant"},
		{name: "code reused", before: redeem, auth: basicAuth, wantStatus: 400, wantError: "invalid_grant"},
		{name: "code expired", before: advance(CodeLifetime), auth: basicAuth, wantStatus: 400, wantError: "invalid_grant"},
		{name: "unknown code", change: set("code", "forged"), auth: basicAuth, wantStatus: 400, wantError: "invalid_grant"},
		{name: "redirect_uri mismatch", change: set("redirect_uri", otherBack), auth: basicAuth, wantStatus: 400, wantError: "invalid_grant"},
		{name: "missing redirect_uri", change: del("redirect_uri"), auth: basicAuth, wantStatus: 400, wantError: "invalid_request"},
		{name: "missing code_verifier", change: del("code_verifier"), auth: basicAuth, wantStatus: 400, wantError: "invalid_request"},
		{name: "code_verifier too short", change: set("code_verifier", "abc"), auth: basicAuth, wantStatus: 400, wantError: "invalid_request"},
		{name: "missing code", change: del("code"), auth: basicAuth, wantStatus: 400, wantError: "invalid_request"},
		{name: "missing grant_type", change: del("grant_type"), auth: basicAuth, wantStatus: 400, wantError: "invalid_request"},
		{name: "password grant", change: set("grant_type", "password"), auth: basicAuth, wantStatus: 400, wantError: "unsupported_grant_type"},
		{name: "wrong secret, basic", auth: clientAuth{"basic", clientID, "nope"}, wantStatus: 401, wantError: "invalid_client"},
		{name: "wrong secret, post", auth: clientAuth{"post", clientID, "nope"}, wantStatus: 401, wantError: "invalid_client"},
		{name: "unknown client", auth: clientAuth{"basic", "nobody", clientSecret}, wantStatus: 401, wantError: "invalid_client"},
		{name: "no client authentication", auth: clientAuth{style: "none"}, wantStatus: 401, wantError: "invalid_client"},
		{name: "both basic and post", change: set("client_secret", clientSecret), auth: basicAuth, wantStatus: 400, wantError: "invalid_request"},
		{name: "another client's code", auth: clientAuth{"basic", otherID, otherSecret}, wantStatus: 400, wantError: "invalid_grant"},
		{name: "JSON body", auth: basicAuth, ctype: "application/json", wantStatus: 400, wantError: "invalid_request"},
		{name: "GET", auth: basicAuth, method: http.MethodGet, wantStatus: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			code, p, _ := codeFor(t, s, Login{Email: "dana@acme.example"})
			form := codeGrant(code, p)
			if tt.before != nil {
				tt.before(t, s, form)
			}
			if tt.change != nil {
				tt.change(form)
			}
			var res response
			if tt.method == "" && tt.ctype == "" {
				res = exchange(t, s, form, tt.auth)
			} else {
				req, err := http.NewRequest(cmp.Or(tt.method, http.MethodPost), s.URL+PathToken+"?"+form.Encode(), strings.NewReader(`{"code":"`+code+`"}`))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", cmp.Or(tt.ctype, "application/x-www-form-urlencoded"))
				req.SetBasicAuth(tt.auth.id, tt.auth.secret)
				res = send(t, req)
			}
			if res.status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", res.status, tt.wantStatus, res.body)
			}
			if tt.wantStatus == 405 {
				if res.header.Get("Allow") != http.MethodPost {
					t.Errorf("Allow = %q", res.header.Get("Allow"))
				}
				return
			}
			body := res.json(t)
			if got, _ := body["error"].(string); got != tt.wantError {
				t.Errorf("error = %q, want %q (%s)", got, tt.wantError, body["error_description"])
			}
			if tt.wantError != "" && body["id_token"] != nil {
				t.Errorf("an error with an id_token: %v", body)
			}
			if res.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q", res.header.Get("Cache-Control"))
			}
			if tt.wantStatus == http.StatusUnauthorized && !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("WWW-Authenticate = %q", res.header.Get("WWW-Authenticate"))
			}
		})
	}
}

func advance(d time.Duration) func(*testing.T, *Server, url.Values) {
	return func(_ *testing.T, s *Server, _ url.Values) { s.Advance(d) }
}

// redeem spends the code once, successfully.
func redeem(t *testing.T, s *Server, form url.Values) {
	t.Helper()
	if res := exchange(t, s, form, basicAuth); res.status != http.StatusOK {
		t.Fatalf("first redemption: status %d, body %s", res.status, res.body)
	}
}

// TestCodeSpentByFailedAttempt: a wrong verifier uses the code up, so the
// right one cannot follow; another client's attempt does not.
func TestCodeSpentByFailedAttempt(t *testing.T) {
	s := newTestServer(t)
	code, p, _ := codeFor(t, s, Login{Email: "dana@acme.example"})
	steps := []struct {
		name       string
		form       url.Values
		auth       clientAuth
		wantStatus int
	}{
		{"another client", codeGrant(code, p), clientAuth{"basic", otherID, otherSecret}, 400},
		{"the right client", codeGrant(code, p), basicAuth, 200},
	}
	for _, st := range steps {
		if res := exchange(t, s, st.form, st.auth); res.status != st.wantStatus {
			t.Errorf("%s: status %d, want %d (%s)", st.name, res.status, st.wantStatus, res.body)
		}
	}

	code, p, _ = codeFor(t, s, Login{Email: "dana@acme.example"})
	wrong := codeGrant(code, p)
	wrong.Set("code_verifier", newPKCE().verifier)
	for i, form := range []url.Values{wrong, codeGrant(code, p)} {
		if res := exchange(t, s, form, basicAuth); res.status != http.StatusBadRequest {
			t.Errorf("attempt %d: status %d, want 400", i+1, res.status)
		}
	}
}
