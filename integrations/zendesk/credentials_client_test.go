package zendesk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

func TestCredentialLists(t *testing.T) {
	org := zendesktest.SampleOrg(t0)
	h := newHarness(t, org)
	c := h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))
	ctx := context.Background()

	var wantClients []zendesk.OAuthClient
	for _, cl := range org.OAuthClients {
		wantClients = append(wantClients, cl.OAuthClient)
	}
	var wantInstalls []zendesk.AppInstallation
	for _, in := range org.Installations {
		wantInstalls = append(wantInstalls, in.AppInstallation)
	}
	tests := []struct {
		name     string
		endpoint string
		list     func() (any, error)
		want     any
	}{
		{"api tokens", zendesk.EndpointAPITokens,
			func() (any, error) { return c.APITokens(ctx) }, h.srv.APITokens()},
		{"oauth clients", zendesk.EndpointOAuthClients,
			func() (any, error) { return c.OAuthClients(ctx) }, wantClients},
		{"oauth tokens", zendesk.EndpointOAuthTokens,
			func() (any, error) { return c.OAuthTokens(ctx) }, h.srv.OAuthTokens()},
		{"app installations", zendesk.EndpointAppInstallations,
			func() (any, error) { return c.AppInstallations(ctx) }, wantInstalls},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.list()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decoded list (-want +got):\n%s", diff)
			}
			if n := h.srv.Requests(tt.endpoint); n != 1 {
				t.Errorf("requests = %d, want 1", n)
			}
		})
	}

	// Spot checks on values the inventory relies on.
	tokens, _ := c.APITokens(ctx)
	if tokens[2].UserName != "Grace Lin" || tokens[2].LastUsedAt == nil || tokens[4].Active {
		t.Errorf("api tokens = %+v", tokens)
	}
	installs, _ := c.AppInstallations(ctx)
	if installs[3].Name != "Legacy CTI Connector" {
		t.Errorf("title fallback: name = %q", installs[3].Name)
	}
}

func TestLargeCredentialListsPaginate(t *testing.T) {
	org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{
		Users: 2000, Seed: 11, Now: t0, APITokens: 300, OAuthClients: 500, OAuthTokens: 20_000,
	})
	h := newHarness(t, org)
	c := h.client(t, zendesk.OAuthToken(bearerToken))
	ctx := context.Background()

	tokens, err := c.OAuthTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clients, err := c.OAuthClients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	apiTokens, err := c.APITokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{
		"tokens": len(tokens), "token requests": h.srv.Requests(zendesktest.EndpointOAuthTokens),
		"clients": len(clients), "client requests": h.srv.Requests(zendesktest.EndpointOAuthClients),
		"api tokens": len(apiTokens), "api token requests": h.srv.Requests(zendesktest.EndpointAPITokens),
	}
	want := map[string]int{
		"tokens": 20_000, "token requests": 200,
		"clients": 500, "client requests": 5,
		"api tokens": zendesktest.MaxAPITokens, "api token requests": 1,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for i := 1; i < len(tokens); i++ {
		if tokens[i].ID <= tokens[i-1].ID {
			t.Fatalf("tokens out of order or repeated at %d: %d after %d", i, tokens[i].ID, tokens[i-1].ID)
		}
	}
}

func TestAPITokensDisabled(t *testing.T) {
	h := sampleHarness(t)
	h.srv.DisableAPITokens()
	_, err := h.client(t, zendesk.OAuthToken(bearerToken)).APITokens(context.Background())
	if !errors.Is(err, zendesk.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if zerr := asError(t, err); zerr.Code != "RecordNotFound" || zerr.Endpoint != zendesk.EndpointAPITokens {
		t.Errorf("error = %+v", zerr)
	}
	if n := h.srv.Requests(zendesktest.EndpointAPITokens); n != 1 {
		t.Errorf("requests = %d; a 404 must not be retried", n)
	}
}

func TestCredentialsForbidden(t *testing.T) {
	tests := []struct {
		name     string
		auth     zendesk.Auth
		wantKind map[string]zendesk.ErrorKind // by endpoint; absent means success
	}{
		{
			name: "agent",
			auth: zendesk.APIToken("priya@acme.example", apiToken),
			wantKind: map[string]zendesk.ErrorKind{
				zendesk.EndpointAPITokens:        zendesk.ErrForbidden,
				zendesk.EndpointOAuthClients:     zendesk.ErrForbidden,
				zendesk.EndpointOAuthTokens:      zendesk.ErrForbidden,
				zendesk.EndpointOAuthTokenRevoke: zendesk.ErrForbidden,
			},
		},
		{
			name: "admin with only users scopes",
			auth: zendesk.OAuthClientCredentials(clientID, clientSecret, "users:read", "users:write"),
			wantKind: map[string]zendesk.ErrorKind{
				zendesk.EndpointAPITokens:        zendesk.ErrForbidden,
				zendesk.EndpointOAuthClients:     zendesk.ErrForbidden,
				zendesk.EndpointOAuthTokens:      zendesk.ErrForbidden,
				zendesk.EndpointOAuthTokenRevoke: zendesk.ErrForbidden,
				zendesk.EndpointAppInstallations: zendesk.ErrForbidden,
			},
		},
		{
			name: "admin with read only",
			auth: zendesk.OAuthClientCredentials(clientID, clientSecret, "read"),
			wantKind: map[string]zendesk.ErrorKind{
				zendesk.EndpointOAuthTokenRevoke: zendesk.ErrForbidden,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			c := h.client(t, tt.auth)
			ctx := context.Background()
			calls := map[string]func() error{
				zendesk.EndpointAPITokens:        func() error { _, err := c.APITokens(ctx); return err },
				zendesk.EndpointOAuthClients:     func() error { _, err := c.OAuthClients(ctx); return err },
				zendesk.EndpointOAuthTokens:      func() error { _, err := c.OAuthTokens(ctx); return err },
				zendesk.EndpointAppInstallations: func() error { _, err := c.AppInstallations(ctx); return err },
				zendesk.EndpointOAuthTokenRevoke: func() error { return c.RevokeOAuthToken(ctx, 880002) },
			}
			for endpoint, call := range calls {
				err := call()
				want, fails := tt.wantKind[endpoint]
				switch {
				case !fails && err != nil:
					t.Errorf("%s: %v", endpoint, err)
				case fails && !errors.Is(err, want):
					t.Errorf("%s: err = %v, want %v", endpoint, err, want)
				}
			}
			if n := len(h.srv.OAuthTokens()); n != 6 {
				t.Errorf("%d tokens left; a refused revoke must not remove one", n)
			}
		})
	}
}

func TestRevokeOAuthToken(t *testing.T) {
	tests := []struct {
		name        string
		id          int64
		fault       *zendesktest.Fault
		wantKind    zendesk.ErrorKind
		wantRevoked bool
		wantReqs    int
	}{
		{name: "revoked", id: 880004, wantRevoked: true, wantReqs: 1},
		{name: "unknown token", id: 42, wantKind: zendesk.ErrNotFound, wantReqs: 1},
		{name: "refused: 403", id: 880004, fault: &zendesktest.Fault{Status: 403, Times: 1}, wantKind: zendesk.ErrForbidden, wantReqs: 1},
		{name: "refused: 422", id: 880004, fault: &zendesktest.Fault{Status: 422, Times: 1}, wantKind: zendesk.ErrInvalid, wantReqs: 1},
		{name: "503 retried", id: 880004, fault: &zendesktest.Fault{Status: 503, Times: 1}, wantRevoked: true, wantReqs: 2},
		{name: "zero id not sent", id: 0, wantKind: zendesk.ErrInvalid},
		{name: "negative id not sent", id: -880004, wantKind: zendesk.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			if tt.fault != nil {
				h.srv.InjectFault(zendesktest.EndpointOAuthTokenRevoke, *tt.fault)
			}
			c := h.client(t, zendesk.OAuthToken(bearerToken))
			ctx := context.Background()
			err := c.RevokeOAuthToken(ctx, tt.id)
			switch {
			case tt.wantKind == "" && err != nil:
				t.Fatalf("RevokeOAuthToken: %v", err)
			case tt.wantKind != "" && !errors.Is(err, tt.wantKind):
				t.Fatalf("err = %v, want %v", err, tt.wantKind)
			}
			if n := h.srv.Requests(zendesktest.EndpointOAuthTokenRevoke); n != tt.wantReqs {
				t.Errorf("requests = %d, want %d", n, tt.wantReqs)
			}
			tokens, err := c.OAuthTokens(ctx)
			if err != nil {
				t.Fatal(err)
			}
			listed := false
			for _, tok := range tokens {
				listed = listed || tok.ID == tt.id
			}
			if tt.id == 880004 && listed == tt.wantRevoked {
				t.Errorf("token %d listed = %t after revoke", tt.id, listed)
			}
			if !tt.wantRevoked {
				return
			}
			if diff := cmp.Diff([]int64{tt.id}, h.srv.RevokedOAuthTokens()); diff != "" {
				t.Errorf("revoked (-want +got):\n%s", diff)
			}
			// Again: the token is gone, which callers read as done.
			if err := c.RevokeOAuthToken(ctx, tt.id); !errors.Is(err, zendesk.ErrNotFound) {
				t.Errorf("second revoke = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestOAuthTokensRetryRateLimitMidList(t *testing.T) {
	org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: 500, Seed: 2, Now: t0, OAuthTokens: 250})
	h := newHarness(t, org)
	// The first page passes (a fault with no status changes nothing); the
	// second is refused once with Retry-After.
	h.srv.InjectFault(zendesktest.EndpointOAuthTokens, zendesktest.Fault{Times: 1})
	h.srv.InjectFault(zendesktest.EndpointOAuthTokens, zendesktest.Fault{Status: 429, RetryAfter: 7 * time.Second, Times: 1})
	c := h.client(t, zendesk.OAuthToken(bearerToken))
	tokens, err := c.OAuthTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tokens) != 250 {
		t.Errorf("tokens = %d, want 250", len(tokens))
	}
	want := []observation{
		{zendesk.EndpointOAuthTokens, 200}, {zendesk.EndpointOAuthTokens, 429},
		{zendesk.EndpointOAuthTokens, 200}, {zendesk.EndpointOAuthTokens, 200},
	}
	if diff := cmp.Diff(want, h.observations()); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{7 * time.Second}, h.clock.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

// servedSecrets are the secret values the emulator sends for org's
// credentials, in the form it sends them.
func servedSecrets(org *zendesktest.Org) []string {
	var out []string
	for _, t := range org.APITokens {
		out = append(out, t.Token, t.Token[:6])
	}
	for _, c := range org.OAuthClients {
		out = append(out, c.Secret)
	}
	for _, t := range org.OAuthTokens {
		out = append(out, t.Token[:10], t.RefreshToken)
	}
	for _, in := range org.Installations {
		for k, v := range in.Settings {
			if s, ok := v.(string); ok && k != "name" && k != "title" {
				out = append(out, s)
			}
		}
	}
	return out
}

func TestCredentialSecretsNeverDecoded(t *testing.T) {
	org := zendesktest.SampleOrg(t0)
	h := newHarness(t, org)
	c := h.client(t, zendesk.OAuthToken(bearerToken))
	ctx := context.Background()
	secrets := servedSecrets(org)

	// The emulator does serve every secret, so the check below means
	// something.
	var raw strings.Builder
	for _, path := range []string{"/api/v2/api_tokens?include_users=true", "/api/v2/oauth/clients", "/api/v2/oauth/tokens?all=true", "/api/v2/apps/installations"} {
		req, _ := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+bearerToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		raw.Write(b)
	}
	for _, s := range secrets {
		if !strings.Contains(raw.String(), s) {
			t.Fatalf("the emulator did not serve %q", s)
		}
	}

	apiTokens, err1 := c.APITokens(ctx)
	clients, err2 := c.OAuthClients(ctx)
	tokens, err3 := c.OAuthTokens(ctx)
	installs, err4 := c.AppInstallations(ctx)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{"api tokens": apiTokens, "oauth clients": clients, "oauth tokens": tokens, "installations": installs} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		printed := string(b) + fmt.Sprintf("%+v %#v", v, v)
		for _, s := range secrets {
			if strings.Contains(printed, s) {
				t.Errorf("decoded %s contain the secret %q", name, s)
			}
		}
	}
}

func TestCredentialErrorsCarryNoSecrets(t *testing.T) {
	org := zendesktest.SampleOrg(t0)
	secret := org.OAuthTokens[0].RefreshToken
	page := fmt.Sprintf(`{"tokens":[{"id":1,"refresh_token":%q}]}`, secret)
	tests := []struct {
		name     string
		endpoint string
		fault    zendesktest.Fault
		call     func(*zendesk.Client) error
		wantKind zendesk.ErrorKind
		wantBody string
	}{
		{
			name: "error status with a page as its body", endpoint: zendesktest.EndpointOAuthTokens,
			fault:    zendesktest.Fault{Status: 400, Body: page},
			call:     func(c *zendesk.Client) error { _, err := c.OAuthTokens(context.Background()); return err },
			wantKind: zendesk.ErrInvalid,
		},
		{
			name: "plain text error body", endpoint: zendesktest.EndpointAppInstallations,
			fault:    zendesktest.Fault{Status: 409, Body: "conflict: api_key=" + secret},
			call:     func(c *zendesk.Client) error { _, err := c.AppInstallations(context.Background()); return err },
			wantKind: zendesk.ErrInvalid,
		},
		{
			name: "undecodable 200", endpoint: zendesktest.EndpointAPITokens,
			fault:    zendesktest.Fault{Status: 200, Body: `{"api_tokens":{"token":"` + secret + `"}}`},
			call:     func(c *zendesk.Client) error { _, err := c.APITokens(context.Background()); return err },
			wantKind: zendesk.ErrBadResponse,
		},
		{
			name: "200 without the list key", endpoint: zendesktest.EndpointAppInstallations,
			fault:    zendesktest.Fault{Status: 200, Body: `{"installation":{"settings":{"api_key":"` + secret + `"}}}`},
			call:     func(c *zendesk.Client) error { _, err := c.AppInstallations(context.Background()); return err },
			wantKind: zendesk.ErrBadResponse,
		},
		{
			name: "undecodable page", endpoint: zendesktest.EndpointOAuthClients,
			fault:    zendesktest.Fault{Status: 200, Body: `{"clients":{"secret":"` + secret + `"}}`},
			call:     func(c *zendesk.Client) error { _, err := c.OAuthClients(context.Background()); return err },
			wantKind: zendesk.ErrBadResponse,
		},
		{
			name: "error envelope is kept", endpoint: zendesktest.EndpointOAuthTokenRevoke,
			fault:    zendesktest.Fault{Status: 422},
			call:     func(c *zendesk.Client) error { return c.RevokeOAuthToken(context.Background(), 880001) },
			wantKind: zendesk.ErrInvalid,
			wantBody: `{"error":"RecordInvalid","description":"Record validation errors"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, org)
			h.srv.InjectFault(tt.endpoint, tt.fault)
			err := tt.call(h.client(t, zendesk.OAuthToken(bearerToken)))
			if !errors.Is(err, tt.wantKind) {
				t.Fatalf("err = %v, want %v", err, tt.wantKind)
			}
			zerr := asError(t, err)
			if zerr.Body != tt.wantBody {
				t.Errorf("Body = %q, want %q", zerr.Body, tt.wantBody)
			}
			if printed := fmt.Sprintf("%v %+v", err, zerr); strings.Contains(printed, secret) {
				t.Errorf("error shows the secret: %s", printed)
			}
		})
	}
}

func TestAppInstallationDecoding(t *testing.T) {
	tests := []struct {
		name     string
		json     string
		wantName string
		wantErr  bool
	}{
		{"name", `{"id":1,"settings":{"name":"Jira","title":"Jira Cloud"}}`, "Jira", false},
		{"title when name is empty", `{"id":1,"settings":{"name":"","title":"Jira Cloud"}}`, "Jira Cloud", false},
		{"title when name is missing", `{"id":1,"settings":{"title":"Jira Cloud"}}`, "Jira Cloud", false},
		{"title when name is not a string", `{"id":1,"settings":{"name":7,"title":"Jira Cloud"}}`, "Jira Cloud", false},
		{"no settings", `{"id":1}`, "", false},
		{"null settings", `{"id":1,"settings":null}`, "", false},
		{"settings not an object", `{"id":1,"settings":"x"}`, "", false},
		{"bad field type", `{"id":"1"}`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in zendesk.AppInstallation
			err := json.Unmarshal([]byte(tt.json), &in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %t", err, tt.wantErr)
			}
			if err == nil && (in.ID != 1 || in.Name != tt.wantName) {
				t.Errorf("decoded %+v, want id 1 and name %q", in, tt.wantName)
			}
		})
	}
}
