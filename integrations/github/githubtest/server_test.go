package githubtest_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

const (
	ownerToken  = "ghp_owner_test_token"
	memberToken = "ghp_member_test_token"
)

var appKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func newServer(t *testing.T, org *githubtest.Org, opts ...githubtest.Option) *githubtest.Server {
	t.Helper()
	base := []githubtest.Option{
		githubtest.WithToken(ownerToken, "dana-field"),
		githubtest.WithToken(memberToken, "priya-n"),
		githubtest.WithApp(githubtest.AppRegistration{
			AppID: githubtest.SeatwardenAppID, ClientID: githubtest.SeatwardenClientID,
			InstallationID: githubtest.SeatwardenInstallationID, PublicKey: &appKey().PublicKey,
		}),
	}
	srv := githubtest.NewServer(org, append(base, opts...)...)
	srv.SetNow(t0)
	t.Cleanup(srv.Close)
	return srv
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("body %q: %v", a.body, err)
	}
	return v
}

// do sends a request as a well-behaved client would, with token as the
// bearer credential ("" for none).
func do(t *testing.T, srv *githubtest.Server, method, path, token string, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	target := path
	if !strings.HasPrefix(path, "http") {
		target = srv.URL + path
	}
	req, err := http.NewRequestWithContext(t.Context(), method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "githubtest-test")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: raw}
}

func TestRateLimitHeadersOnEveryResponse(t *testing.T) {
	srv := newServer(t, githubtest.SampleOrg(t0))
	for _, tc := range []struct {
		method, path, token string
		status              int
	}{
		{"GET", "/orgs/acme", ownerToken, 200},
		{"GET", "/orgs/acme", "", 401},
		{"GET", "/orgs/acme", "ghp_wrong", 401},
		{"GET", "/orgs/other", ownerToken, 404},
		{"GET", "/nowhere", ownerToken, 404},
		{"PATCH", "/orgs/acme", ownerToken, 404},
		{"GET", "/orgs/acme/copilot/billing/seats", memberToken, 403},
		{"GET", "/orgs/acme/members?role=owners", ownerToken, 422},
		{"GET", "/user/5100002", memberToken, 200},
		{"GET", "/user/424242", ownerToken, 404},
		{"GET", "/user/omarh", ownerToken, 404},
		{"GET", "/orgs/acme/members/priya-n/copilot", ownerToken, 200},
		{"GET", "/orgs/acme/members/priya-n/copilot", memberToken, 403},
		{"GET", "/orgs/acme/members/tomreilly/copilot", ownerToken, 404},
		{"GET", "/orgs/other/members/priya-n/copilot", ownerToken, 404},
		{"DELETE", "/orgs/acme/members/priya-n/copilot", ownerToken, 404},
	} {
		a := do(t, srv, tc.method, tc.path, tc.token, nil)
		if a.status != tc.status {
			t.Errorf("%s %s: %d, want %d (%s)", tc.method, tc.path, a.status, tc.status, a.body)
		}
		for _, h := range []string{"X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset", "X-Ratelimit-Used", "X-Ratelimit-Resource", "X-Github-Request-Id"} {
			if a.header.Get(h) == "" {
				t.Errorf("%s %s: no %s", tc.method, tc.path, h)
			}
		}
		if a.status >= 400 {
			if v := a.json(t); v["message"] == "" || v["documentation_url"] == nil {
				t.Errorf("%s %s: error body %s is not GitHub's shape", tc.method, tc.path, a.body)
			}
		}
	}
	a := do(t, srv, "GET", "/orgs/acme", "", nil)
	if msg := a.json(t)["message"]; msg != "Requires authentication" {
		t.Errorf("no token: message %q", msg)
	}
	a = do(t, srv, "GET", "/orgs/acme", "ghp_wrong", nil)
	if msg := a.json(t)["message"]; msg != "Bad credentials" {
		t.Errorf("bad token: message %q", msg)
	}
}

func TestRequestsWithoutUserAgentAreRefused(t *testing.T) {
	srv := newServer(t, githubtest.SampleOrg(t0))
	req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/orgs/acme", nil)
	req.Header.Set("Authorization", "Bearer "+ownerToken)
	req.Header.Set("User-Agent", "")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("no User-Agent: %d, want 403", resp.StatusCode)
	}
}

func TestLinkPagination(t *testing.T) {
	srv := newServer(t, githubtest.Generate(250, 0, 1, t0))
	a := do(t, srv, "GET", "/orgs/acme/members?per_page=500", ownerToken, nil)
	var page []map[string]any
	if err := json.Unmarshal(a.body, &page); err != nil {
		t.Fatal(err)
	}
	if len(page) != 100 {
		t.Errorf("per_page=500 gave %d, want the 100 cap", len(page))
	}
	link := a.header.Get("Link")
	want := fmt.Sprintf(`<%s/organizations/%d/members?page=2&per_page=100>; rel="next", <%s/organizations/%d/members?page=3&per_page=100>; rel="last"`,
		srv.URL, githubtest.SampleOrgID, srv.URL, githubtest.SampleOrgID)
	if link != want {
		t.Errorf("Link =\n %s\nwant\n %s", link, want)
	}
	// GitHub's links name the org by id; they must be followable.
	a = do(t, srv, "GET", fmt.Sprintf("%s/organizations/%d/members?page=3&per_page=100", srv.URL, githubtest.SampleOrgID), ownerToken, nil)
	if err := json.Unmarshal(a.body, &page); err != nil || len(page) != 50 {
		t.Fatalf("last page: %d members, %v", len(page), err)
	}
	if l := a.header.Get("Link"); strings.Contains(l, `rel="next"`) || !strings.Contains(l, `rel="prev"`) || !strings.Contains(l, `rel="first"`) {
		t.Errorf("last page Link = %s", l)
	}
	a = do(t, srv, "GET", "/orgs/acme/members?page=99", ownerToken, nil)
	if strings.TrimSpace(string(a.body)) != "[]" {
		t.Errorf("page past the end = %s, want []", a.body)
	}
	// Defaults: 30 a page, and 50 for Copilot seats.
	a = do(t, srv, "GET", "/orgs/acme/members", ownerToken, nil)
	if err := json.Unmarshal(a.body, &page); err != nil || len(page) != 30 {
		t.Errorf("default page size %d", len(page))
	}
}

func signJWT(t *testing.T, key any, method jwt.SigningMethod, iss string, iat, exp time.Time) string {
	t.Helper()
	claims := jwt.MapClaims{"iss": iss}
	if !iat.IsZero() {
		claims["iat"] = iat.Unix()
	}
	if !exp.IsZero() {
		claims["exp"] = exp.Unix()
	}
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAppTokenExchangeChecksTheJWT(t *testing.T) {
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	good := func() (time.Time, time.Time) { return t0.Add(-time.Minute), t0.Add(9 * time.Minute) }
	iat, exp := good()
	path := fmt.Sprintf("/app/installations/%d/access_tokens", githubtest.SeatwardenInstallationID)
	tests := []struct {
		name   string
		jwt    string
		path   string
		status int
		msg    string
	}{
		{"valid, client ID", signJWT(t, appKey(), jwt.SigningMethodRS256, githubtest.SeatwardenClientID, iat, exp), path, 201, ""},
		{"valid, app ID", signJWT(t, appKey(), jwt.SigningMethodRS256, strconv.FormatInt(githubtest.SeatwardenAppID, 10), iat, exp), path, 201, ""},
		{"exp too far ahead", signJWT(t, appKey(), jwt.SigningMethodRS256, githubtest.SeatwardenClientID, iat, t0.Add(11*time.Minute)), path, 401, "too far in the future"},
		{"expired", signJWT(t, appKey(), jwt.SigningMethodRS256, githubtest.SeatwardenClientID, t0.Add(-20*time.Minute), t0.Add(-time.Minute)), path, 401, "'Expiration time'"},
		{"iat in the future", signJWT(t, appKey(), jwt.SigningMethodRS256, githubtest.SeatwardenClientID, t0.Add(time.Minute), exp), path, 401, "'Issued at'"},
		{"no exp", signJWT(t, appKey(), jwt.SigningMethodRS256, githubtest.SeatwardenClientID, iat, time.Time{}), path, 401, "Missing 'expiration time'"},
		{"wrong key", signJWT(t, other, jwt.SigningMethodRS256, githubtest.SeatwardenClientID, iat, exp), path, 401, "could not be decoded"},
		{"HS256", signJWT(t, []byte("secret"), jwt.SigningMethodHS256, githubtest.SeatwardenClientID, iat, exp), path, 401, "could not be decoded"},
		{"unknown app", signJWT(t, appKey(), jwt.SigningMethodRS256, "Iv23liSomeoneElse", iat, exp), path, 401, "Integration not found"},
		{"not a JWT", ownerToken, path, 401, "could not be decoded"},
		{"another installation", signJWT(t, appKey(), jwt.SigningMethodRS256, githubtest.SeatwardenClientID, iat, exp), "/app/installations/55000002/access_tokens", 404, "Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, githubtest.SampleOrg(t0))
			a := do(t, srv, "POST", tt.path, tt.jwt, nil)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.body)
			}
			v := a.json(t)
			if tt.status != 201 {
				if msg, _ := v["message"].(string); !strings.Contains(msg, tt.msg) {
					t.Errorf("message %q, want it to contain %q", msg, tt.msg)
				}
				return
			}
			token, _ := v["token"].(string)
			if !strings.HasPrefix(token, "ghs_") || v["expires_at"] != "2026-11-02T10:00:00Z" {
				t.Fatalf("token answer = %s", a.body)
			}
			// The installation token works until it expires, then not.
			if got := do(t, srv, "GET", "/orgs/acme/personal-access-tokens", token, nil); got.status != 200 {
				t.Errorf("installation token: %d %s", got.status, got.body)
			}
			srv.Advance(time.Hour)
			if got := do(t, srv, "GET", "/orgs/acme", token, nil); got.status != 401 {
				t.Errorf("expired installation token: %d", got.status)
			}
		})
	}
}

func TestSuspendedInstallationGetsNoToken(t *testing.T) {
	org := githubtest.SampleOrg(t0)
	srv := newServer(t, org, githubtest.WithApp(githubtest.AppRegistration{
		AppID: 990003, ClientID: "Iv23liLegacy", InstallationID: 55000003, PublicKey: &appKey().PublicKey,
	}))
	a := do(t, srv, "POST", "/app/installations/55000003/access_tokens",
		signJWT(t, appKey(), jwt.SigningMethodRS256, "Iv23liLegacy", t0.Add(-time.Minute), t0.Add(5*time.Minute)), nil)
	if a.status != http.StatusForbidden {
		t.Errorf("suspended installation: %d %s", a.status, a.body)
	}
}

func TestPATEndpointsRefuseTokensThatAreNotAnApp(t *testing.T) {
	srv := newServer(t, githubtest.SampleOrg(t0))
	for _, tc := range []struct{ method, path string }{
		{"GET", "/orgs/acme/personal-access-tokens"},
		{"POST", "/orgs/acme/personal-access-tokens"},
	} {
		a := do(t, srv, tc.method, tc.path, ownerToken, map[string]any{"action": "revoke", "pat_ids": []int{25381}})
		if a.status != http.StatusForbidden || a.json(t)["message"] != "Resource not accessible by personal access token" {
			t.Errorf("%s %s with an owner's PAT: %d %s", tc.method, tc.path, a.status, a.body)
		}
	}
	if n := len(srv.Tokens()); n != 4 {
		t.Errorf("%d tokens left, want 4", n)
	}
}

// installationToken exchanges a JWT of the sample app for an
// installation token.
func installationToken(t *testing.T, srv *githubtest.Server) string {
	t.Helper()
	path := fmt.Sprintf("/app/installations/%d/access_tokens", githubtest.SeatwardenInstallationID)
	a := do(t, srv, "POST", path, signJWT(t, appKey(), jwt.SigningMethodRS256, githubtest.SeatwardenClientID,
		t0.Add(-time.Minute), t0.Add(5*time.Minute)), nil)
	token, _ := a.json(t)["token"].(string)
	if a.status != http.StatusCreated || token == "" {
		t.Fatalf("installation token: %d %s", a.status, a.body)
	}
	return token
}

// TestRevokingTokenGrants: known grants are revoked (202); a request
// naming a grant the org does not have is answered 404 and revokes none.
func TestRevokingTokenGrants(t *testing.T) {
	tests := []struct {
		name        string
		patIDs      []int64
		status      int
		grantsAfter int
	}{
		{"known grants", []int64{25381, 25382}, http.StatusAccepted, 2},
		{"an unknown grant", []int64{99999}, http.StatusNotFound, 4},
		{"known and unknown", []int64{25381, 99999}, http.StatusNotFound, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, githubtest.SampleOrg(t0))
			a := do(t, srv, "POST", "/orgs/acme/personal-access-tokens", installationToken(t, srv),
				map[string]any{"action": "revoke", "pat_ids": tt.patIDs})
			if a.status != tt.status {
				t.Errorf("status %d, want %d: %s", a.status, tt.status, a.body)
			}
			if tt.status == http.StatusNotFound && a.json(t)["message"] != "Not Found" {
				t.Errorf("404 body %s, want GitHub's Not Found", a.body)
			}
			if n := len(srv.Tokens()); n != tt.grantsAfter {
				t.Errorf("%d grants left, want %d", n, tt.grantsAfter)
			}
		})
	}
}

// TestTokenGrantsListEveryPermissionCategory: organization, repository
// and other permissions each come under their own key.
func TestTokenGrantsListEveryPermissionCategory(t *testing.T) {
	org := githubtest.SampleOrg(t0)
	org.Tokens = []githubtest.FineGrainedToken{{
		ID: 25390, TokenID: 1200009, Owner: "mei-tanaka", RepositorySelection: "none",
		OrgPermissions: map[string]string{"members": "read"}, RepoPermissions: map[string]string{"metadata": "read"},
		OtherPermissions: map[string]string{"gpg_keys": "write"}, AccessGrantedAt: t0,
	}}
	srv := newServer(t, org)
	a := do(t, srv, "GET", "/orgs/acme/personal-access-tokens", installationToken(t, srv), nil)
	var grants []struct {
		Permissions map[string]map[string]string `json:"permissions"`
		LastUsedAt  *string                      `json:"token_last_used_at"`
		ExpiresAt   *string                      `json:"token_expires_at"`
	}
	if err := json.Unmarshal(a.body, &grants); err != nil || len(grants) != 1 {
		t.Fatalf("grants %s: %v", a.body, err)
	}
	want := map[string]map[string]string{
		"organization": {"members": "read"}, "repository": {"metadata": "read"}, "other": {"gpg_keys": "write"},
	}
	if g := grants[0]; !reflect.DeepEqual(g.Permissions, want) || g.LastUsedAt != nil || g.ExpiresAt != nil {
		t.Errorf("grant %s, want every category, never used, no expiry (nulls)", a.body)
	}
}

func TestBudgetExhaustion(t *testing.T) {
	srv := newServer(t, githubtest.SampleOrg(t0), githubtest.WithRateLimit(githubtest.ResourceCore, 3))
	for i := range 3 {
		a := do(t, srv, "GET", "/orgs/acme", ownerToken, nil)
		if a.status != 200 || a.header.Get("X-Ratelimit-Remaining") != strconv.Itoa(2-i) || a.header.Get("X-Ratelimit-Used") != strconv.Itoa(i+1) {
			t.Fatalf("request %d: %d remaining=%s used=%s", i+1, a.status, a.header.Get("X-Ratelimit-Remaining"), a.header.Get("X-Ratelimit-Used"))
		}
	}
	a := do(t, srv, "GET", "/orgs/acme", ownerToken, nil)
	if a.status != http.StatusForbidden || a.header.Get("X-Ratelimit-Remaining") != "0" ||
		a.header.Get("X-Ratelimit-Reset") != strconv.FormatInt(t0.Add(time.Hour).Unix(), 10) {
		t.Fatalf("over budget: %d %v", a.status, a.header)
	}
	if msg, _ := a.json(t)["message"].(string); !strings.HasPrefix(msg, "API rate limit exceeded") {
		t.Errorf("message %q", msg)
	}
	// GraphQL has its own budget.
	if g := do(t, srv, "POST", "/graphql", ownerToken, map[string]any{"query": "{ user(login: \"omarh\") { login } }"}); g.status != 200 ||
		g.header.Get("X-Ratelimit-Resource") != "graphql" {
		t.Errorf("graphql while core is spent: %d %s", g.status, g.header.Get("X-Ratelimit-Resource"))
	}
	srv.Advance(time.Hour)
	if a := do(t, srv, "GET", "/orgs/acme", ownerToken, nil); a.status != 200 {
		t.Errorf("after the reset: %d", a.status)
	}
}

func TestFaultInjection(t *testing.T) {
	tests := []struct {
		name     string
		match    string
		fault    githubtest.Fault
		path     string
		status   int
		header   string
		value    string
		affected int // of 3 requests to path
	}{
		{"by endpoint, once", githubtest.EndpointMembers, githubtest.Fault{Kind: githubtest.FaultServerError, Times: 1},
			"/orgs/acme/members", 502, "", "", 1},
		{"by path prefix, twice", "/orgs/acme/members", githubtest.Fault{Kind: githubtest.FaultSecondaryRateLimit, RetryAfter: 1500 * time.Millisecond, Times: 2},
			"/orgs/acme/members", 403, "Retry-After", "2", 2},
		{"path prefix not matching", "/orgs/acme/installations", githubtest.Fault{Kind: githubtest.FaultServerError},
			"/orgs/acme/members", 200, "", "", 0},
		{"every endpoint until cleared", githubtest.AllEndpoints, githubtest.Fault{Kind: githubtest.FaultPrimaryRateLimit, Status: 429, ResetAfter: 90 * time.Second},
			"/orgs/acme/members", 429, "X-Ratelimit-Remaining", "0", 3},
		{"malformed", githubtest.EndpointMembers, githubtest.Fault{Kind: githubtest.FaultMalformed, Times: 1},
			"/orgs/acme/members", 200, "", "", 1},
		{"status", githubtest.EndpointMembers, githubtest.Fault{Kind: githubtest.FaultStatus, Status: 404, Times: 1},
			"/orgs/acme/members", 404, "", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, githubtest.SampleOrg(t0))
			srv.InjectFault(tt.match, tt.fault)
			affected := 0
			for range 3 {
				a := do(t, srv, "GET", tt.path, ownerToken, nil)
				var v any
				normal := a.status == 200 && json.Unmarshal(a.body, &v) == nil
				if normal {
					continue
				}
				affected++
				if a.status != tt.status {
					t.Errorf("status %d, want %d", a.status, tt.status)
				}
				if tt.header != "" && a.header.Get(tt.header) != tt.value {
					t.Errorf("%s = %q, want %q", tt.header, a.header.Get(tt.header), tt.value)
				}
			}
			if affected != tt.affected {
				t.Errorf("%d requests faulted, want %d", affected, tt.affected)
			}
			if n := srv.Requests(githubtest.EndpointMembers); n != 3 {
				t.Errorf("counted %d requests, want 3", n)
			}
		})
	}
}

func TestSlowFault(t *testing.T) {
	srv := newServer(t, githubtest.SampleOrg(t0))
	srv.InjectFault(githubtest.EndpointOrg, githubtest.Fault{Kind: githubtest.FaultSlow, Latency: 50 * time.Millisecond, Times: 1})
	start := time.Now()
	if a := do(t, srv, "GET", "/orgs/acme", ownerToken, nil); a.status != 200 {
		t.Fatalf("slow answer: %d", a.status)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answered in %s, before the latency", d)
	}
}

func TestGraphQLAnswersTheClientsQueryShape(t *testing.T) {
	srv := newServer(t, githubtest.SampleOrg(t0))
	query := `query($org: String!, $l0: String!, $l1: String!) {
		u0: user(login: $l0) { login organizationVerifiedDomainEmails(login: $org) }
		u1: user(login: $l1) { login organizationVerifiedDomainEmails(login: $org) }
	}`
	a := do(t, srv, "POST", "/graphql", memberToken, map[string]any{
		"query": query, "variables": map[string]any{"org": "acme", "l0": "omarh", "l1": "ghost"},
	})
	var got struct {
		Data map[string]*struct {
			Login                            string
			OrganizationVerifiedDomainEmails []string
		}
		Errors []struct {
			Type    string
			Path    []string
			Message string
		}
	}
	if err := json.Unmarshal(a.body, &got); err != nil {
		t.Fatalf("%s: %v", a.body, err)
	}
	if u := got.Data["u0"]; u == nil || u.Login != "omarh" || len(u.OrganizationVerifiedDomainEmails) != 1 || u.OrganizationVerifiedDomainEmails[0] != "omar@acme.example" {
		t.Errorf("u0 = %+v", got.Data["u0"])
	}
	if got.Data["u1"] != nil || len(got.Errors) != 1 || got.Errors[0].Type != "NOT_FOUND" || got.Errors[0].Path[0] != "u1" {
		t.Errorf("unknown login: data %v errors %+v", got.Data["u1"], got.Errors)
	}
	// Another org's verified domains give nothing.
	a = do(t, srv, "POST", "/graphql", memberToken, map[string]any{
		"query": `{ user(login: "omarh") { organizationVerifiedDomainEmails(login: "globex") } }`,
	})
	if !strings.Contains(string(a.body), `"organizationVerifiedDomainEmails":[]`) {
		t.Errorf("other org: %s", a.body)
	}
}

func TestGraphQLRefusesWhatItDoesNotKnow(t *testing.T) {
	srv := newServer(t, githubtest.SampleOrg(t0))
	tests := []struct {
		name, query string
		vars        map[string]any
		want        string
	}{
		{"unknown user field", `{ user(login: "omarh") { login emails } }`, nil, "Field 'emails' doesn't exist on type 'User'"},
		{"unknown root field", `{ viewer { login } }`, nil, "Field 'viewer' doesn't exist on type 'Query'"},
		{"unused variable", `query($org: String!, $l0: String!) { user(login: $l0) { login } }`, map[string]any{"org": "acme", "l0": "omarh"}, "Variable $org is declared by anonymous query but not used"},
		{"undeclared variable", `{ user(login: $l0) { login } }`, map[string]any{"l0": "omarh"}, "Variable $l0 is used by anonymous query but not declared"},
		{"missing argument", `{ user(login: "omarh") { organizationVerifiedDomainEmails } }`, nil, "missing required arguments: login"},
		{"no selection", `{ user(login: "omarh") }`, nil, "Field must have selections"},
		{"missing variable value", `query($l0: String!) { user(login: $l0) { login } }`, nil, "provided invalid value"},
		{"mutation", `mutation { removeOutsideCollaborator(input: {}) { clientMutationId } }`, nil, "only queries"},
		{"syntax", `{ user(login: "omarh") { login }`, nil, "Parse error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, srv, "POST", "/graphql", ownerToken, map[string]any{"query": tt.query, "variables": tt.vars})
			if a.status != 200 || !strings.Contains(string(a.body), tt.want) {
				t.Errorf("%d %s\nwant an error containing %q", a.status, a.body, tt.want)
			}
			if strings.Contains(string(a.body), `"data"`) {
				t.Errorf("a refused query answered data: %s", a.body)
			}
		})
	}
}

func TestSingleLookupsAnswerTheListShapes(t *testing.T) {
	srv := newServer(t, githubtest.SampleOrg(t0))
	byLogin := do(t, srv, "GET", "/users/lucasmoreau", ownerToken, nil)
	byID := do(t, srv, "GET", "/user/5100004", ownerToken, nil)
	if byID.status != 200 || string(byID.body) != string(byLogin.body) {
		t.Errorf("GET /user/5100004 = %d %s\nwant GET /users/lucasmoreau's %s", byID.status, byID.body, byLogin.body)
	}

	var list struct {
		Seats []json.RawMessage `json:"seats"`
	}
	if err := json.Unmarshal(do(t, srv, "GET", "/orgs/acme/copilot/billing/seats", ownerToken, nil).body, &list); err != nil {
		t.Fatal(err)
	}
	seat := do(t, srv, "GET", "/orgs/acme/members/lucasmoreau/copilot", ownerToken, nil)
	if seat.status != 200 || string(seat.body) != string(list.Seats[1]) {
		t.Errorf("member seat = %d %s\nwant the list's entry %s", seat.status, seat.body, list.Seats[1])
	}
	if team, _ := seat.json(t)["assigning_team"].(map[string]any); team["slug"] != "engineering" {
		t.Errorf("assigning_team = %v", seat.json(t)["assigning_team"])
	}
}

func TestMemberSeatFollowsCancellationAndMembership(t *testing.T) {
	srv := newServer(t, githubtest.SampleOrg(t0))
	if a := do(t, srv, "DELETE", "/orgs/acme/copilot/billing/selected_users", ownerToken,
		map[string]any{"selected_usernames": []string{"mei-tanaka"}}); a.status != 200 {
		t.Fatalf("cancel: %d %s", a.status, a.body)
	}
	a := do(t, srv, "GET", "/orgs/acme/members/mei-tanaka/copilot", ownerToken, nil)
	if a.status != 200 || a.json(t)["pending_cancellation_date"] != "2026-12-01" {
		t.Errorf("cancelled seat: %d %s", a.status, a.body)
	}
	srv.Advance(30 * 24 * time.Hour)
	if a := do(t, srv, "GET", "/orgs/acme/members/mei-tanaka/copilot", ownerToken, nil); a.status != 404 {
		t.Errorf("past its cancellation date: %d %s", a.status, a.body)
	}

	// Removed, the person is still a user but has no seat here; invited
	// back, GitHub answers 422 until they accept.
	if a := do(t, srv, "DELETE", "/orgs/acme/memberships/jberg", ownerToken, nil); a.status != 204 {
		t.Fatalf("remove: %d %s", a.status, a.body)
	}
	if a := do(t, srv, "GET", "/user/5100006", ownerToken, nil); a.status != 200 || a.json(t)["login"] != "jberg" {
		t.Errorf("removed member by id: %d %s", a.status, a.body)
	}
	if a := do(t, srv, "GET", "/orgs/acme/members/jberg/copilot", ownerToken, nil); a.status != 404 {
		t.Errorf("removed member's seat: %d %s", a.status, a.body)
	}
	if a := do(t, srv, "PUT", "/orgs/acme/memberships/jberg", ownerToken, map[string]string{"role": "member"}); a.status != 200 {
		t.Fatalf("invite: %d %s", a.status, a.body)
	}
	if a := do(t, srv, "GET", "/orgs/acme/members/jberg/copilot", ownerToken, nil); a.status != 422 {
		t.Errorf("invited member's seat: %d %s", a.status, a.body)
	}
	if n := srv.Requests(githubtest.EndpointMemberCopilotSeat); n != 4 {
		t.Errorf("counted %d seat requests, want 4", n)
	}
	if n := srv.Requests(githubtest.EndpointUserByID); n != 1 {
		t.Errorf("counted %d user-by-id requests, want 1", n)
	}
}
