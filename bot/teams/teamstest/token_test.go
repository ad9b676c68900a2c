package teamstest_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/seatwarden/seatwarden/bot/teams/teamstest"
)

func tokenForm(s *teamstest.Server, change func(url.Values)) string {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {s.AppID()},
		"client_secret": {s.AppPassword()},
		"scope":         {teamstest.BotFrameworkScope},
	}
	if change != nil {
		change(form)
	}
	return form.Encode()
}

func TestTokenEndpoint(t *testing.T) {
	const formType = "application/x-www-form-urlencoded"
	tests := []struct {
		name        string
		multiTenant bool
		method      string
		tenant      string // "" = the app's
		change      func(url.Values)
		down        bool
		wantStatus  int
		wantError   string
		wantAADSTS  string
	}{
		{name: "issued", wantStatus: 200},
		{name: "multi-tenant app from botframework.com", multiTenant: true, tenant: "botframework.com", wantStatus: 200},
		{
			name: "single-tenant app from botframework.com", tenant: "botframework.com",
			wantStatus: 400, wantError: "unauthorized_client", wantAADSTS: "AADSTS700016: Application with identifier",
		},
		{
			name: "another tenant", tenant: "11111111-2222-4333-8444-555555555555",
			wantStatus: 400, wantError: "unauthorized_client", wantAADSTS: "AADSTS700016",
		},
		{
			name: "unknown client", change: func(f url.Values) { f.Set("client_id", "99999999-0000-4000-8000-000000000000") },
			wantStatus: 400, wantError: "unauthorized_client", wantAADSTS: "AADSTS700016",
		},
		{
			name: "wrong secret", change: func(f url.Values) { f.Set("client_secret", "guess") },
			wantStatus: 401, wantError: "invalid_client", wantAADSTS: "AADSTS7000215: Invalid client secret provided",
		},
		{
			name: "no secret", change: func(f url.Values) { f.Del("client_secret") },
			wantStatus: 401, wantError: "invalid_client", wantAADSTS: "AADSTS7000216",
		},
		{
			name: "no grant type", change: func(f url.Values) { f.Del("grant_type") },
			wantStatus: 400, wantError: "invalid_request", wantAADSTS: "AADSTS900144",
		},
		{
			name: "password grant", change: func(f url.Values) { f.Set("grant_type", "password") },
			wantStatus: 400, wantError: "unsupported_grant_type", wantAADSTS: "AADSTS70003",
		},
		{
			name: "scope without .default", change: func(f url.Values) { f.Set("scope", "https://api.botframework.com") },
			wantStatus: 400, wantError: "invalid_scope", wantAADSTS: "AADSTS1002012",
		},
		{
			name: "another resource", change: func(f url.Values) { f.Set("scope", "https://graph.microsoft.com/.default") },
			wantStatus: 400, wantError: "invalid_resource", wantAADSTS: "AADSTS500011",
		},
		{name: "GET", method: http.MethodGet, wantStatus: 400, wantError: "invalid_request", wantAADSTS: "AADSTS900561"},
		{name: "Entra ID down", down: true, wantStatus: 503, wantError: "temporarily_unavailable", wantAADSTS: "AADSTS90033"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := teamstest.NewServer(teamstest.Options{MultiTenant: tt.multiTenant, Now: func() time.Time { return t0 }})
			t.Cleanup(s.Close)
			s.SetTokenDown(tt.down)
			tokenURL := s.TokenURL()
			if tt.tenant != "" {
				tokenURL = s.TokenURLFor(tt.tenant)
			}
			resp, body := call(t, cmpOr(tt.method, http.MethodPost), tokenURL, "", formType, tokenForm(s, tt.change))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %v", resp.StatusCode, tt.wantStatus, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			reqs := s.TokenRequests()
			if len(reqs) != 1 || reqs[0].Status != tt.wantStatus || reqs[0].Error != tt.wantError {
				t.Errorf("TokenRequests = %+v, want one with status %d error %q", reqs, tt.wantStatus, tt.wantError)
			}
			if tt.wantError != "" {
				desc, _ := body["error_description"].(string)
				if body["error"] != tt.wantError || !strings.HasPrefix(desc, tt.wantAADSTS) {
					t.Errorf("error = %v, error_description = %q; want %s, %s…", body["error"], desc, tt.wantError, tt.wantAADSTS)
				}
				if codes, _ := body["error_codes"].([]any); len(codes) != 1 {
					t.Errorf("error_codes = %v", body["error_codes"])
				}
				return
			}
			if body["token_type"] != "Bearer" || body["expires_in"] != float64(3600) || body["ext_expires_in"] != float64(3600) {
				t.Errorf("token response = %v", body)
			}
			tok, _ := body["access_token"].(string)
			if tok == "" {
				t.Fatal("no access_token")
			}
			s.AddUser(alice)
			r, _ := call(t, http.MethodGet, s.ServiceURL()+"v3/conversations/"+s.PersonalConversation(alice.ID).ID+"/members/"+alice.ID, "Bearer "+tok, "", "")
			if r.StatusCode != http.StatusOK {
				t.Errorf("the connector answers the issued token with %d", r.StatusCode)
			}
		})
	}
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// The project's outgoing auth uses x/oauth2's client credentials flow;
// it needs a JSON Content-Type to read the answer, and tries HTTP Basic
// credentials first.
func TestTokenThroughOAuth2ClientCredentials(t *testing.T) {
	s := teamstest.NewServer(teamstest.Options{TokenLifetime: 10 * time.Minute})
	t.Cleanup(s.Close)
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInParams, oauth2.AuthStyleInHeader} {
		cfg := clientcredentials.Config{
			ClientID: s.AppID(), ClientSecret: s.AppPassword(), TokenURL: s.TokenURL(),
			Scopes: []string{teamstest.BotFrameworkScope}, AuthStyle: style,
		}
		tok, err := cfg.Token(context.Background())
		if err != nil {
			t.Fatalf("auth style %d: %v", style, err)
		}
		if tok.AccessToken == "" || tok.TokenType != "Bearer" || time.Until(tok.Expiry) > 10*time.Minute {
			t.Errorf("auth style %d: token = %+v", style, tok)
		}
	}
	reqs := s.TokenRequests()
	if len(reqs) != 2 || reqs[0].BasicAuth || !reqs[1].BasicAuth {
		t.Errorf("TokenRequests = %+v, want one form and one basic", reqs)
	}
}

func TestTokenExpiry(t *testing.T) {
	s := newTestServer(t)
	tok := s.IssueToken()
	path := s.ServiceURL() + "v3/conversations/" + s.PersonalConversation(alice.ID).ID + "/members/" + alice.ID
	if r, _ := call(t, http.MethodGet, path, "Bearer "+tok, "", ""); r.StatusCode != http.StatusOK {
		t.Fatalf("fresh token: status %d", r.StatusCode)
	}
	s.Advance(time.Hour)
	r, body := call(t, http.MethodGet, path, "Bearer "+tok, "", "")
	if r.StatusCode != http.StatusUnauthorized || body["message"] != "Authorization has been denied for this request." {
		t.Errorf("expired token: status %d body %v, want 401", r.StatusCode, body)
	}
}
