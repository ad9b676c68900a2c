package zendesktest

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

// scopedBearer issues a client-credentials token with the given scopes.
func scopedBearer(t *testing.T, s *Server, scope string) string {
	t.Helper()
	r := do(t, s, "POST", "/oauth/tokens", jsonText(t, map[string]any{
		"grant_type": "client_credentials", "client_id": clientID, "client_secret": clientSecret, "scope": scope,
	}), "")
	if r.status != 201 {
		t.Fatalf("token grant = %d %s", r.status, r.body)
	}
	return "Bearer " + r.json(t)["access_token"].(string)
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCredentialRoutesAccess(t *testing.T) {
	s := newTestServer(t)
	admin := "Bearer " + bearerToken
	agent := basic("priya@acme.example", apiToken)
	usersRead := scopedBearer(t, s, "users:read")
	appsRead := scopedBearer(t, s, "apps:read")
	read := scopedBearer(t, s, "read")
	tests := []struct {
		name, method, path, auth string
		wantStatus               int
	}{
		{"api tokens as admin", "GET", "/api/v2/api_tokens.json?include_users=true", admin, 200},
		{"api tokens as agent", "GET", "/api/v2/api_tokens", agent, 403},
		{"api tokens without read scope", "GET", "/api/v2/api_tokens", usersRead, 403},
		{"oauth clients as admin", "GET", "/api/v2/oauth/clients.json", admin, 200},
		{"oauth clients as agent", "GET", "/api/v2/oauth/clients", agent, 403},
		{"oauth tokens as admin", "GET", "/api/v2/oauth/tokens.json?all=true", admin, 200},
		{"oauth tokens as agent", "GET", "/api/v2/oauth/tokens?all=true", agent, 403},
		{"oauth tokens without read scope", "GET", "/api/v2/oauth/tokens", usersRead, 403},
		{"installations as admin", "GET", "/api/v2/apps/installations.json?include=app", admin, 200},
		{"installations as agent", "GET", "/api/v2/apps/installations", agent, 200},
		{"installations with apps:read", "GET", "/api/v2/apps/installations", appsRead, 200},
		{"installations without apps scope", "GET", "/api/v2/apps/installations", usersRead, 403},
		{"revoke as agent", "DELETE", "/api/v2/oauth/tokens/880002", agent, 403},
		{"revoke with read only", "DELETE", "/api/v2/oauth/tokens/880002.json", read, 403},
		{"revoke wrong method", "GET", "/api/v2/oauth/tokens/880002", admin, 405},
		{"revoke unauthenticated", "DELETE", "/api/v2/oauth/tokens/880002", "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, tt.method, tt.path, "", tt.auth)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", r.status, tt.wantStatus, r.body)
			}
			if tt.wantStatus == 403 && string(r.body) != bodyForbidden {
				t.Errorf("403 body = %s", r.body)
			}
		})
	}
	if n := len(s.OAuthTokens()); n != 6 {
		t.Errorf("refused revokes removed tokens: %d left", n)
	}
}

func TestAPITokenList(t *testing.T) {
	s := newTestServer(t)
	var withUsers, without struct {
		APITokens []map[string]any `json:"api_tokens"`
	}
	if err := json.Unmarshal(do(t, s, "GET", "/api/v2/api_tokens?include_users=true", "").body, &withUsers); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(do(t, s, "GET", "/api/v2/api_tokens", "").body, &without); err != nil {
		t.Fatal(err)
	}
	if len(withUsers.APITokens) != 5 || len(without.APITokens) != 5 {
		t.Fatalf("tokens = %d and %d, want 5", len(withUsers.APITokens), len(without.APITokens))
	}
	grace := withUsers.APITokens[2]
	if grace["description"] != "Old reporting script" || grace["user_name"] != "Grace Lin" || grace["user_email"] != "grace@acme.example" {
		t.Errorf("deleted agent's token = %v", grace)
	}
	for i, tok := range without.APITokens {
		if _, ok := tok["user_name"]; ok {
			t.Errorf("user_name sent without include_users: %v", tok)
		}
		full, _ := withUsers.APITokens[i]["token"].(string)
		visible, _ := tok["visible_token"].(string)
		if len(full) < 20 || !strings.HasPrefix(visible, full[:visibleTokenLen]) {
			t.Errorf("token %q, visible_token %q", full, visible)
		}
	}

	s.DisableAPITokens()
	if r := do(t, s, "GET", "/api/v2/api_tokens.json", ""); r.status != 404 || string(r.body) != bodyNotFound {
		t.Errorf("disabled token access = %d %s", r.status, r.body)
	}
	if got := s.Requests(EndpointAPITokens); got != 3 {
		t.Errorf("api_tokens requests = %d", got)
	}
}

func TestOAuthTokenList(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		query string
		want  []int64
	}{
		{"", []int64{880001, 880006}}, // the caller's (Dana's) own tokens
		{"all=true", []int64{880001, 880002, 880003, 880004, 880005, 880006}},
		{"all=true&client_id=7702", []int64{880002, 880003, 880006}},
		{"client_id=7702", []int64{880006}},
		{"all=true&page[size]=2", []int64{880001, 880002}},
		{"all=true&page=2&per_page=4", []int64{880005, 880006}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := do(t, s, "GET", "/api/v2/oauth/tokens?"+tt.query, "")
			var page struct {
				Tokens []map[string]any `json:"tokens"`
			}
			if err := json.Unmarshal(r.body, &page); err != nil {
				t.Fatalf("%d %s: %v", r.status, r.body, err)
			}
			var got []int64
			for _, tok := range page.Tokens {
				got = append(got, int64(tok["id"].(float64)))
				if v, _ := tok["token"].(string); len(v) != listedTokenLen {
					t.Errorf("token %v shows %q, want its first %d characters", tok["id"], v, listedTokenLen)
				}
				if v, _ := tok["refresh_token"].(string); v == "" {
					t.Errorf("token %v has no refresh_token", tok["id"])
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("token ids (-want +got):\n%s", diff)
			}
		})
	}
	if r := do(t, s, "GET", "/api/v2/oauth/tokens?client_id=x", ""); r.status != 400 {
		t.Errorf("bad client_id = %d", r.status)
	}
}

func TestRevokeOAuthToken(t *testing.T) {
	s := newTestServer(t)
	s.InjectFault(EndpointOAuthTokenRevoke, Fault{Status: 422, Times: 1})
	if r := do(t, s, "DELETE", "/api/v2/oauth/tokens/880004", ""); r.status != 422 {
		t.Fatalf("faulted revoke = %d", r.status)
	}
	r := do(t, s, "DELETE", "/api/v2/oauth/tokens/880004.json", "")
	if r.status != 204 || len(r.body) != 0 {
		t.Fatalf("revoke = %d %q", r.status, r.body)
	}
	if r := do(t, s, "DELETE", "/api/v2/oauth/tokens/880004", ""); r.status != 404 || string(r.body) != bodyNotFound {
		t.Errorf("second revoke = %d %s", r.status, r.body)
	}
	if r := do(t, s, "DELETE", "/api/v2/oauth/tokens/880005", ""); r.status != 204 {
		t.Errorf("revoke = %d", r.status)
	}
	for _, tok := range s.OAuthTokens() {
		if tok.ID == 880004 || tok.ID == 880005 {
			t.Errorf("revoked token %d still listed", tok.ID)
		}
	}
	if diff := cmp.Diff([]int64{880004, 880005}, s.RevokedOAuthTokens()); diff != "" {
		t.Errorf("revoked (-want +got):\n%s", diff)
	}
	if got := s.Requests(EndpointOAuthTokenRevoke); got != 4 {
		t.Errorf("revoke requests = %d", got)
	}
}

func TestInstallationList(t *testing.T) {
	s := newTestServer(t)
	var page struct {
		Installations []struct {
			zendesk.AppInstallation
			Settings map[string]any `json:"settings"`
		} `json:"installations"`
	}
	r := do(t, s, "GET", "/api/v2/apps/installations", "")
	if err := json.Unmarshal(r.body, &page); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range page.Installations {
		n, _ := in.Settings["name"].(string)
		if n == "" {
			n, _ = in.Settings["title"].(string)
		}
		names = append(names, n)
	}
	want := []string{"Slack for Zendesk Support", "Timesheet Helper", "Answer Bot Analytics", "Legacy CTI Connector"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("installations (-want +got):\n%s", diff)
	}
	if key, _ := page.Installations[1].Settings["api_key"].(string); key == "" {
		t.Error("Timesheet Helper's settings lack the api_key the client must drop")
	}
	if _, ok := page.Installations[3].Settings["name"]; ok || page.Installations[3].Enabled {
		t.Errorf("Legacy CTI Connector = %+v, want disabled and named by title only", page.Installations[3])
	}
}

func TestCredentialServerMethods(t *testing.T) {
	s := newTestServer(t)
	at := t0.Add(-90 * time.Minute)
	if !s.UseAPIToken(5503, at) || s.UseAPIToken(1, at) {
		t.Error("UseAPIToken: wrong found result")
	}
	if !s.DeleteAPIToken(5505) || s.DeleteAPIToken(5505) {
		t.Error("DeleteAPIToken: wrong found result")
	}
	var ids []int64
	for _, tok := range s.APITokens() {
		ids = append(ids, tok.ID)
		if tok.ID == 5503 && !tok.LastUsedAt.Equal(at) {
			t.Errorf("last used = %v, want %v", tok.LastUsedAt, at)
		}
	}
	if diff := cmp.Diff([]int64{5501, 5502, 5503, 5504}, ids); diff != "" {
		t.Errorf("api tokens (-want +got):\n%s", diff)
	}

	added := s.AddOAuthToken(SeedOAuthToken{
		OAuthTokenInfo: zendesk.OAuthTokenInfo{ClientID: 7701, UserID: 900000000103, Scopes: []string{"read"}},
		Token:          "fresh-token-value",
	})
	if added.ID != 880007 || !added.CreatedAt.Equal(t0) {
		t.Errorf("added = %+v", added)
	}
	if !s.UseOAuthToken(880007, at) || s.UseOAuthToken(42, at) {
		t.Error("UseOAuthToken: wrong found result")
	}
	toks := s.OAuthTokens()
	last := toks[len(toks)-1]
	if last.ID != 880007 || last.UsedAt == nil || !last.UsedAt.Equal(at) {
		t.Errorf("last token = %+v", last)
	}
	// Returned values are copies.
	toks[0].Scopes[0] = "mutated"
	if s.OAuthTokens()[0].Scopes[0] == "mutated" {
		t.Error("OAuthTokens shares its slices with the server")
	}
	defer func() {
		if recover() == nil {
			t.Error("AddOAuthToken accepted a duplicate id")
		}
	}()
	s.AddOAuthToken(SeedOAuthToken{OAuthTokenInfo: zendesk.OAuthTokenInfo{ID: 880001}})
}

func TestSampleCredentials(t *testing.T) {
	org := SampleOrg(t0)
	daysAgo := func(p *time.Time) int {
		if p == nil {
			return -1
		}
		return int(t0.Sub(*p).Hours() / 24)
	}
	type apiRow struct {
		ID     int64
		Desc   string
		User   int64
		Used   int
		Active bool
	}
	var apiRows []apiRow
	for _, tok := range org.APITokens {
		apiRows = append(apiRows, apiRow{tok.ID, tok.Description, tok.UserID, daysAgo(tok.LastUsedAt), tok.Active})
	}
	wantAPI := []apiRow{
		{5501, "Legacy HR sync", 900000000101, 3, true},
		{5502, "Zapier ticket export", 900000000102, 24, true},
		{5503, "Old reporting script", 900000000116, 150, true},
		{5504, "Billing reconciler", 900000000101, 1, true},
		{5505, "Chat migration 2023", 900000000102, 200, false},
	}
	if diff := cmp.Diff(wantAPI, apiRows); diff != "" {
		t.Errorf("api tokens (-want +got):\n%s", diff)
	}
	if grace, _ := org.User(900000000116); grace.Active {
		t.Error("the old reporting script's owner should be a deleted agent")
	}

	type tokenRow struct {
		ID, Client, User int64
		Scopes           string
		Used             int
	}
	var tokenRows []tokenRow
	for _, tok := range org.OAuthTokens {
		tokenRows = append(tokenRows, tokenRow{tok.ID, tok.ClientID, tok.UserID, strings.Join(tok.Scopes, " "), daysAgo(tok.UsedAt)})
	}
	wantTokens := []tokenRow{
		{880001, 7701, 900000000101, "read users:write", 0},
		{880002, 7702, 900000000102, "read", 1},
		{880003, 7702, 900000000102, "read write", 40},
		{880004, 7703, 900000000108, "read write", 100},
		{880005, 7703, 900000000111, "read", 70},
		{880006, 7702, 900000000101, "impersonate read", -1},
	}
	if diff := cmp.Diff(wantTokens, tokenRows); diff != "" {
		t.Errorf("oauth tokens (-want +got):\n%s", diff)
	}
	if hannah, _ := org.User(900000000111); !hannah.Suspended {
		t.Error("token 880005 should act as a suspended agent")
	}

	var clients []string
	for _, c := range org.OAuthClients {
		clients = append(clients, c.Identifier+"/"+c.Kind)
	}
	if diff := cmp.Diff([]string{"seat_governor/confidential", "reporting_dashboard/confidential", "mobile_helpdesk/public"}, clients); diff != "" {
		t.Errorf("clients (-want +got):\n%s", diff)
	}
	for _, in := range org.Installations {
		if in.Enabled != (in.Name != "Legacy CTI Connector") {
			t.Errorf("%s enabled = %t", in.Name, in.Enabled)
		}
	}
}

func TestGenerateCredentials(t *testing.T) {
	cfg := GenerateConfig{Users: 5000, Seed: 9, Now: t0, APITokens: 1000, OAuthClients: 500, OAuthTokens: 20_000, Installations: 40}
	start := time.Now()
	org := GenerateOrg(cfg)
	elapsed := time.Since(start)
	// Generous even under the race detector on a shared machine.
	if elapsed > 5*time.Second {
		t.Errorf("generating took %s", elapsed)
	}
	t.Logf("generated 256 API tokens, 500 clients, 20,000 tokens in %s", elapsed)
	if len(org.APITokens) != MaxAPITokens || len(org.OAuthClients) != 500 || len(org.OAuthTokens) != 20_000 || len(org.Installations) != 40 {
		t.Fatalf("counts = %d api, %d clients, %d tokens, %d installs",
			len(org.APITokens), len(org.OAuthClients), len(org.OAuthTokens), len(org.Installations))
	}
	plain := GenerateOrg(GenerateConfig{Users: 5000, Seed: 9, Now: t0})
	if diff := cmp.Diff(plain.Users, org.Users); diff != "" {
		t.Errorf("asking for credentials changed the users:\n%s", diff)
	}

	clients := map[int64]bool{}
	identifiers := map[string]bool{}
	for _, c := range org.OAuthClients {
		clients[c.ID] = true
		if identifiers[c.Identifier] {
			t.Errorf("duplicate identifier %s", c.Identifier)
		}
		identifiers[c.Identifier] = true
		if _, ok := org.User(c.UserID); !ok {
			t.Errorf("client %d owned by unknown user %d", c.ID, c.UserID)
		}
	}
	var never, recent, nearMonth, stale, suspendedActors, impersonate int
	for _, tok := range org.OAuthTokens {
		u, ok := org.User(tok.UserID)
		if !ok || !clients[tok.ClientID] {
			t.Fatalf("token %+v refers to an unknown user or client", tok)
		}
		if u.Suspended {
			suspendedActors++
		}
		if slices.Contains(tok.Scopes, "impersonate") {
			impersonate++
		}
		switch {
		case tok.UsedAt == nil:
			never++
		case tok.UsedAt.After(t0) || tok.UsedAt.Before(tok.CreatedAt):
			t.Fatalf("token %d used at %s, created %s", tok.ID, tok.UsedAt, tok.CreatedAt)
		case t0.Sub(*tok.UsedAt) > 90*24*time.Hour:
			stale++
		case t0.Sub(*tok.UsedAt) >= 20*24*time.Hour && t0.Sub(*tok.UsedAt) <= 31*24*time.Hour:
			nearMonth++
		case t0.Sub(*tok.UsedAt) < 8*24*time.Hour:
			recent++
		}
	}
	for name, n := range map[string]int{"never used": never, "recent": recent, "20-30 days": nearMonth,
		"over 90 days": stale, "acting as suspended users": suspendedActors, "impersonate": impersonate} {
		if n < 100 {
			t.Errorf("%d tokens %s; want a realistic share of 20,000", n, name)
		}
	}
	orphans := 0
	for _, tok := range org.APITokens {
		if u, _ := org.User(tok.UserID); !u.Active {
			orphans++
		}
	}
	if orphans == 0 {
		t.Error("no API token belongs to a deleted user")
	}
	if diff := cmp.Diff(org, GenerateOrg(cfg)); diff != "" {
		t.Errorf("same seed, different credentials:\n%s", diff)
	}
}

func TestGeneratedTokensPaginate(t *testing.T) {
	org := GenerateOrg(GenerateConfig{Users: 1000, Seed: 4, Now: t0, OAuthTokens: 250})
	s := newOrgServer(t, org)
	var got int
	q := "all=true&page[size]=100"
	for range 10 {
		r := do(t, s, "GET", "/api/v2/oauth/tokens?"+q, "")
		var p struct {
			Tokens []zendesk.OAuthTokenInfo `json:"tokens"`
			Meta   struct {
				HasMore     bool   `json:"has_more"`
				AfterCursor string `json:"after_cursor"`
			} `json:"meta"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		got += len(p.Tokens)
		if !p.Meta.HasMore {
			break
		}
		q = "all=true&page[size]=100&page[after]=" + url.QueryEscape(p.Meta.AfterCursor)
	}
	if got != 250 || s.Requests(EndpointOAuthTokens) != 3 {
		t.Errorf("listed %d tokens in %d requests, want 250 in 3", got, s.Requests(EndpointOAuthTokens))
	}
}
