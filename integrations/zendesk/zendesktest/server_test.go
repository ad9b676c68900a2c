package zendesktest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

const (
	apiToken     = "api-token-1"
	bearerToken  = "bearer-token-1"
	clientID     = "seatwarden"
	clientSecret = "client-secret-1"
)

// newTestServer starts a SampleOrg server frozen at t0 with every kind of
// credential.
func newTestServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	return newOrgServer(t, SampleOrg(t0), opts...)
}

func newOrgServer(t *testing.T, org *Org, opts ...Option) *Server {
	t.Helper()
	base := []Option{
		WithAPIToken("dana@acme.example", apiToken),
		WithBearerToken(bearerToken),
		WithOAuthClient(clientID, clientSecret, true),
		WithOAuthClient("public-app", "public-secret", false),
	}
	s := NewServer(org, append(base, opts...)...)
	s.SetNow(t0)
	t.Cleanup(s.Close)
	return s
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request with the bearer token unless auth overrides it.
func do(t *testing.T, s *Server, method, path string, body string, auth ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if len(auth) > 0 {
		if auth[0] != "" {
			req.Header.Set("Authorization", auth[0])
		}
	} else {
		req.Header.Set("Authorization", "Bearer "+bearerToken)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func basic(email, token string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(email+"/token:"+token))
}

func TestAuthentication(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		name       string
		auth       string
		wantStatus int
		wantEmail  string
	}{
		{"bearer", "Bearer " + bearerToken, 200, "dana@acme.example"},
		{"api token with its email", basic("dana@acme.example", apiToken), 200, "dana@acme.example"},
		{"api token is account-wide", basic("priya@acme.example", apiToken), 200, "priya@acme.example"},
		{"api token unknown email", basic("nobody@acme.example", apiToken), 401, ""},
		{"api token wrong token", basic("dana@acme.example", "nope"), 401, ""},
		{"password basic auth", "Basic " + base64.StdEncoding.EncodeToString([]byte("dana@acme.example:"+apiToken)), 401, ""},
		{"suspended user", basic("hannah@acme.example", apiToken), 401, ""},
		{"deleted user", basic("grace@acme.example", apiToken), 401, ""},
		{"wrong bearer", "Bearer nope", 401, ""},
		{"no header", "", 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, "GET", "/api/v2/users/me.json", "", tt.auth)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", r.status, tt.wantStatus, r.body)
			}
			if tt.wantStatus == 401 {
				if got := string(r.body); got != `{"error":"Couldn't authenticate you"}` {
					t.Errorf("401 body = %s", got)
				}
				return
			}
			user := r.json(t)["user"].(map[string]any)
			if user["email"] != tt.wantEmail {
				t.Errorf("me = %v, want %s", user["email"], tt.wantEmail)
			}
		})
	}
}

func TestOAuthTokens(t *testing.T) {
	s := newTestServer(t)
	form := func(v url.Values) string { return v.Encode() }
	jsonBody := func(v map[string]any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantError  string
		wantScope  string
	}{
		{name: "json body", wantStatus: 201, wantScope: "read write",
			body: (jsonBody(map[string]any{"grant_type": "client_credentials", "client_id": clientID, "client_secret": clientSecret, "scope": "read write"}))},
		{name: "form body", wantStatus: 201, wantScope: "read",
			body: (form(url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {clientSecret}, "scope": {"read"}}))},
		{name: "wrong secret", wantStatus: 401, wantError: "invalid_client",
			body: (form(url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {"nope"}}))},
		{name: "unknown client", wantStatus: 401, wantError: "invalid_client",
			body: (form(url.Values{"grant_type": {"client_credentials"}, "client_id": {"nobody"}, "client_secret": {"x"}}))},
		{name: "public client", wantStatus: 400, wantError: "unauthorized_client",
			body: (form(url.Values{"grant_type": {"client_credentials"}, "client_id": {"public-app"}, "client_secret": {"public-secret"}}))},
		{name: "password grant", wantStatus: 400, wantError: "unsupported_grant_type",
			body: (form(url.Values{"grant_type": {"password"}, "client_id": {clientID}, "client_secret": {clientSecret}}))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctype := "application/x-www-form-urlencoded"
			if strings.HasPrefix(tt.body, "{") {
				ctype = "application/json"
			}
			resp, err := http.Post(s.URL+"/oauth/tokens", ctype, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %v", resp.StatusCode, tt.wantStatus, got)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q", ct)
			}
			if tt.wantError != "" {
				if got["error"] != tt.wantError {
					t.Errorf("error = %v, want %s", got["error"], tt.wantError)
				}
				return
			}
			if got["scope"] != tt.wantScope || got["token_type"] != "bearer" {
				t.Errorf("token response = %v", got)
			}
			tok := got["access_token"].(string)
			if r := do(t, s, "GET", "/api/v2/users/me", "", "Bearer "+tok); r.status != 200 {
				t.Errorf("issued token rejected: %d %s", r.status, r.body)
			}
		})
	}
	if got := s.Requests(EndpointOAuthToken); got != len(tests) {
		t.Errorf("oauth_token requests = %d, want %d", got, len(tests))
	}
}

func TestReadOnlyTokenCannotWrite(t *testing.T) {
	s := newTestServer(t)
	resp, err := http.PostForm(s.URL+"/oauth/tokens", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {clientSecret}, "scope": {"users:read"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	auth := "Bearer " + tok.AccessToken
	if r := do(t, s, "GET", "/api/v2/users/me", "", auth); r.status != 200 {
		t.Errorf("users:read GET me = %d", r.status)
	}
	if r := do(t, s, "PUT", "/api/v2/users/900000000103", `{"user":{"suspended":true}}`, auth); r.status != 403 {
		t.Errorf("users:read PUT = %d, want 403", r.status)
	}
	if r := do(t, s, "GET", "/api/v2/groups", "", auth); r.status != 403 {
		t.Errorf("users:read GET groups = %d, want 403 (groups need the broad read scope)", r.status)
	}
}

func TestUserShapes(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		name string
		path string
		want map[string]any // subset of the user object
	}{
		{"agent", "/api/v2/users/900000000103.json", map[string]any{
			"id": float64(900000000103), "name": "Priya Natarajan", "role": "agent", "role_type": float64(0),
			"custom_role_id": float64(StaffRoleID), "default_group_id": float64(Tier1GroupID),
			"active": true, "suspended": false, "ticket_restriction": "groups",
			"url": s.URL + "/api/v2/users/900000000103.json",
		}},
		{"end user has nulls", "/api/v2/users/900000001001", map[string]any{
			"role": "end-user", "role_type": nil, "custom_role_id": nil, "default_group_id": nil,
			"organization_id": nil, "external_id": nil,
		}},
		{"never logged in", "/api/v2/users/900000000109", map[string]any{"last_login_at": nil}},
		{"deleted", "/api/v2/users/900000000116", map[string]any{"active": false, "role": "end-user"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, "GET", tt.path, "")
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			user := r.json(t)["user"].(map[string]any)
			got := map[string]any{}
			for k := range tt.want {
				v, ok := user[k]
				if !ok {
					t.Errorf("field %q missing", k)
				}
				got[k] = v
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("user fields (-want +got):\n%s", diff)
			}
		})
	}
	r := do(t, s, "GET", "/api/v2/users/42", "")
	if r.status != 404 || string(r.body) != `{"error":"RecordNotFound","description":"Not found"}` {
		t.Errorf("missing user = %d %s", r.status, r.body)
	}
	if r := do(t, s, "GET", "/api/v2/nothing-here", ""); r.status != 404 {
		t.Errorf("unknown route = %d", r.status)
	}
	if r.header.Get("X-Rate-Limit") == "" || r.header.Get("X-Rate-Limit-Remaining") == "" {
		t.Errorf("rate headers missing: %v", r.header)
	}
}

// exportPage is the decoded export response.
type exportPage struct {
	Users []struct {
		ID   int64  `json:"id"`
		Role string `json:"role"`
	} `json:"users"`
	AfterCursor  *string `json:"after_cursor"`
	AfterURL     *string `json:"after_url"`
	BeforeCursor *string `json:"before_cursor"`
	EndOfStream  bool    `json:"end_of_stream"`
}

func exportGet(t *testing.T, s *Server, query string) (exportPage, response) {
	t.Helper()
	r := do(t, s, "GET", "/api/v2/incremental/users/cursor.json?"+query, "")
	var p exportPage
	if r.status == 200 {
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
	}
	return p, r
}

func ids(p exportPage) []int64 {
	out := []int64{}
	for _, u := range p.Users {
		out = append(out, u.ID)
	}
	return out
}

func TestExportValidation(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		name     string
		query    string
		wantDesc string
	}{
		{"no start_time", "per_page=10", "start_time is required when no cursor is given"},
		{"start_time now", "start_time=" + strconv.FormatInt(t0.Unix(), 10), "Too recent start_time. Use a start_time at least one minute in the past"},
		{"start_time 59s ago", "start_time=" + strconv.FormatInt(t0.Add(-59*time.Second).Unix(), 10), "Too recent start_time. Use a start_time at least one minute in the past"},
		{"garbage cursor", "cursor=bm90LWEtY3Vyc29y", "The cursor is not valid"},
		{"per_page zero", "start_time=0&per_page=0", "per_page must be a positive number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, r := exportGet(t, s, tt.query)
			if r.status != 400 {
				t.Fatalf("status = %d, want 400: %s", r.status, r.body)
			}
			if got := r.json(t); got["description"] != tt.wantDesc || got["error"] == nil {
				t.Errorf("body = %v", got)
			}
		})
	}
	if _, r := exportGet(t, s, "start_time="+strconv.FormatInt(t0.Add(-time.Minute).Unix(), 10)); r.status != 200 {
		t.Errorf("start_time exactly a minute ago = %d %s", r.status, r.body)
	}
	if r := do(t, s, "GET", "/api/v2/incremental/users/cursor?start_time=0", "", basic("priya@acme.example", apiToken)); r.status != 403 {
		t.Errorf("agent export = %d, want 403 (admins only)", r.status)
	}
}

// exportAll reads the whole export from the start, at most ten pages,
// checking every page has an after cursor and no user comes twice.
func exportAll(t *testing.T, s *Server) ([]exportPage, map[int64]bool) {
	t.Helper()
	seen := map[int64]bool{}
	query := "start_time=0"
	var pages []exportPage
	for range 10 {
		p, r := exportGet(t, s, query)
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		for _, u := range p.Users {
			if seen[u.ID] {
				t.Fatalf("user %d exported twice", u.ID)
			}
			seen[u.ID] = true
		}
		pages = append(pages, p)
		if p.AfterCursor == nil || *p.AfterCursor == "" || p.AfterURL == nil {
			t.Fatalf("page %d has no after cursor", len(pages))
		}
		if p.EndOfStream {
			break
		}
		query = "cursor=" + url.QueryEscape(*p.AfterCursor)
	}
	return pages, seen
}

func TestExportPagingAndRepoll(t *testing.T) {
	org := GenerateOrg(GenerateConfig{Users: 2500, Seed: 7, Now: t0})
	s := newOrgServer(t, org)

	pages, seen := exportAll(t, s)
	var sizes []int
	for _, p := range pages {
		sizes = append(sizes, len(p.Users))
	}
	if diff := cmp.Diff([]int{1000, 1000, 500}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	if len(seen) != len(org.Users) {
		t.Errorf("exported %d users, org has %d", len(seen), len(org.Users))
	}
	if pages[0].BeforeCursor != nil || pages[1].BeforeCursor == nil {
		t.Errorf("before_cursor: first page %v, second page %v", pages[0].BeforeCursor, pages[1].BeforeCursor)
	}
	if s.Requests(EndpointIncrementalUsers) != 3 {
		t.Errorf("export requests = %d, want 3", s.Requests(EndpointIncrementalUsers))
	}

	last := *pages[len(pages)-1].AfterCursor
	t.Run("re-poll with nothing changed", func(t *testing.T) {
		s.ResetCounters()
		p, _ := exportGet(t, s, "cursor="+url.QueryEscape(last))
		if len(p.Users) != 0 || !p.EndOfStream || p.AfterCursor == nil {
			t.Errorf("re-poll = %+v", p)
		}
		if s.Requests(EndpointIncrementalUsers) != 1 {
			t.Errorf("requests = %d", s.Requests(EndpointIncrementalUsers))
		}
	})

	t.Run("changes appear once, in change order, after the lag", func(t *testing.T) {
		a, b := org.Users[10].ID, org.Users[20].ID
		s.UpdateUser(b, func(u *zendesk.User) { u.Suspended = true })
		s.Advance(time.Second)
		s.UpdateUser(a, func(u *zendesk.User) { u.Suspended = true })
		s.Advance(time.Second)
		s.UpdateUser(b, func(u *zendesk.User) { u.Suspended = false })
		added := s.AddUser(zendesk.User{Name: "New Hire", Email: "new@acme.example", Role: zendesk.RoleAgent})
		s.DeleteUser(org.Users[30].ID)

		p, _ := exportGet(t, s, "cursor="+url.QueryEscape(last))
		if len(p.Users) != 0 || !p.EndOfStream {
			t.Fatalf("changes inside the last minute were exported: %v", ids(p))
		}
		s.Advance(DefaultExportLag)
		p, _ = exportGet(t, s, "cursor="+url.QueryEscape(last))
		want := []int64{a, b, added.ID, org.Users[30].ID}
		if diff := cmp.Diff(want, ids(p)); diff != "" {
			t.Errorf("changed users (-want +got):\n%s", diff)
		}
		if !p.EndOfStream {
			t.Error("end_of_stream = false")
		}
		if got := p.Users[3].Role; got != zendesk.RoleEndUser {
			t.Errorf("deleted user role = %s", got)
		}
		again, _ := exportGet(t, s, "cursor="+url.QueryEscape(*p.AfterCursor))
		if len(again.Users) != 0 || !again.EndOfStream {
			t.Errorf("second re-poll = %v", ids(again))
		}
	})
}

func TestExportStartTime(t *testing.T) {
	org := SampleOrg(t0)
	s := newOrgServer(t, org)
	since := t0.Add(-30 * 24 * time.Hour)
	p, _ := exportGet(t, s, "start_time="+strconv.FormatInt(since.Unix(), 10))
	want := 0
	for _, u := range org.Users {
		if !u.UpdatedAt.Before(since) {
			want++
		}
	}
	if len(p.Users) != want || want == 0 {
		t.Errorf("users updated since %s = %d, want %d", since, len(p.Users), want)
	}
}

func TestGroupMembershipPagination(t *testing.T) {
	org := GenerateOrg(GenerateConfig{Users: 20000, Seed: 3, Now: t0})
	s := newOrgServer(t, org)
	if len(org.Memberships) <= 100 {
		t.Fatalf("want more than one page of memberships, got %d", len(org.Memberships))
	}

	t.Run("cursor", func(t *testing.T) {
		var got []int64
		q := "page[size]=100"
		for range 1000 {
			r := do(t, s, "GET", "/api/v2/group_memberships.json?"+q, "")
			var p struct {
				Memberships []zendesk.GroupMembership `json:"group_memberships"`
				Meta        struct {
					HasMore     bool   `json:"has_more"`
					AfterCursor string `json:"after_cursor"`
				} `json:"meta"`
				Links struct {
					Next *string `json:"next"`
				} `json:"links"`
			}
			if err := json.Unmarshal(r.body, &p); err != nil {
				t.Fatal(err)
			}
			for _, m := range p.Memberships {
				got = append(got, m.ID)
			}
			if !p.Meta.HasMore {
				if p.Links.Next != nil {
					t.Errorf("links.next on the last page: %s", *p.Links.Next)
				}
				break
			}
			if p.Links.Next == nil {
				t.Fatal("links.next missing while has_more")
			}
			q = "page[size]=100&page[after]=" + url.QueryEscape(p.Meta.AfterCursor)
		}
		var want []int64
		for _, m := range org.Memberships {
			want = append(want, m.ID)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("membership ids (-want +got):\n%s", diff)
		}
	})

	t.Run("offset", func(t *testing.T) {
		r := do(t, s, "GET", "/api/v2/group_memberships?page=2&per_page=50", "")
		m := r.json(t)
		if m["count"] != float64(len(org.Memberships)) {
			t.Errorf("count = %v", m["count"])
		}
		if next, _ := m["next_page"].(string); !strings.Contains(next, "page=3") {
			t.Errorf("next_page = %v", m["next_page"])
		}
		if prev, _ := m["previous_page"].(string); !strings.Contains(prev, "page=1") {
			t.Errorf("previous_page = %v", m["previous_page"])
		}
		if n := len(m["group_memberships"].([]any)); n != 50 {
			t.Errorf("page size = %d", n)
		}
	})

	tests := []struct{ name, query, wantDesc string }{
		{"offset beyond 10000 records", "page=101&per_page=100", "Offset pagination is limited to the first 10000 records. Use cursor pagination instead."},
		{"page size over 100", "page[size]=101", "page[size] must be between 1 and 100"},
		{"bad cursor", "page[after]=zzz", "page[after] is not a valid cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, "GET", "/api/v2/group_memberships?"+tt.query, "")
			if r.status != 400 || r.json(t)["description"] != tt.wantDesc {
				t.Errorf("= %d %s", r.status, r.body)
			}
		})
	}
}

func TestGroupsAndCustomRoles(t *testing.T) {
	s := newTestServer(t)
	r := do(t, s, "GET", "/api/v2/groups?page[size]=2", "")
	var groups struct {
		Groups []zendesk.Group `json:"groups"`
		Meta   struct {
			HasMore bool `json:"has_more"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(r.body, &groups); err != nil {
		t.Fatal(err)
	}
	if len(groups.Groups) != 2 || !groups.Meta.HasMore || groups.Groups[0].Name != "Tier 1" {
		t.Errorf("groups page = %+v", groups)
	}

	r = do(t, s, "GET", "/api/v2/custom_roles.json", "")
	var roles struct {
		CustomRoles []zendesk.CustomRole `json:"custom_roles"`
	}
	if err := json.Unmarshal(r.body, &roles); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, cr := range roles.CustomRoles {
		counts[cr.Name] = cr.MemberCount
		if cr.Name == "Light Agent" && (cr.RoleType != 1 || !cr.Configuration.LightAgent) {
			t.Errorf("light agent role = %+v", cr)
		}
	}
	want := map[string]int{"Light Agent": 3, "Staff": 8, "Contributor": 1, "Team Lead": 1}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("team_member_count (-want +got):\n%s", diff)
	}
}

func TestListUsersFilters(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		query string
		want  int
	}{
		{"role=admin", 2},
		{"role[]=agent&role[]=admin", 15},
		{"role=agent&permission_set=" + strconv.FormatInt(LightAgentRoleID, 10), 3},
		{"role=end-user&page[size]=100", 100},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := do(t, s, "GET", "/api/v2/users?"+tt.query, "")
			if n := len(r.json(t)["users"].([]any)); n != tt.want {
				t.Errorf("users = %d, want %d", n, tt.want)
			}
		})
	}
}

func TestUpdateUser(t *testing.T) {
	const (
		priya = int64(900000000103) // Staff agent in Tier 1
		ravi  = int64(900000000113) // light agent
		dana  = int64(900000000101) // owner
	)
	tests := []struct {
		name       string
		id         int64
		body       string
		wantStatus int
		check      func(t *testing.T, u zendesk.User)
		wantMut    []Mutation
	}{
		{
			name: "downgrade to end user", id: priya, body: `{"user":{"role":"end-user"}}`, wantStatus: 200,
			check: func(t *testing.T, u zendesk.User) {
				if u.Role != "end-user" || u.RoleType != nil || u.CustomRoleID != nil || u.DefaultGroupID != nil {
					t.Errorf("user = %+v", u)
				}
			},
			wantMut: []Mutation{
				{Field: "role", From: "agent", To: "end-user"},
				{Field: "role_type", From: "0", To: ""},
				{Field: "custom_role_id", From: fmt.Sprint(StaffRoleID), To: ""},
				{Field: "default_group_id", From: fmt.Sprint(Tier1GroupID), To: ""},
			},
		},
		{
			name: "make light agent", id: priya, body: fmt.Sprintf(`{"user":{"role":"agent","custom_role_id":%d}}`, LightAgentRoleID), wantStatus: 200,
			check: func(t *testing.T, u zendesk.User) {
				if u.RoleType == nil || *u.RoleType != zendesk.RoleTypeLightAgent {
					t.Errorf("role_type = %v", u.RoleType)
				}
			},
			wantMut: []Mutation{
				{Field: "role_type", From: "0", To: "1"},
				{Field: "custom_role_id", From: fmt.Sprint(StaffRoleID), To: fmt.Sprint(LightAgentRoleID)},
			},
		},
		{
			name: "suspend and unsuspend in one body is just the last value", id: ravi, body: `{"user":{"suspended":true}}`, wantStatus: 200,
			wantMut: []Mutation{{Field: "suspended", From: "false", To: "true"}},
		},
		{name: "no change", id: ravi, body: `{"user":{"suspended":false}}`, wantStatus: 200},
		{name: "bad role", id: priya, body: `{"user":{"role":"superuser"}}`, wantStatus: 422},
		{name: "unknown custom role", id: priya, body: `{"user":{"custom_role_id":1}}`, wantStatus: 422},
		{name: "owner cannot be demoted", id: dana, body: `{"user":{"role":"end-user"}}`, wantStatus: 422},
		{name: "no user object", id: priya, body: `{"role":"end-user"}`, wantStatus: 400},
		{name: "missing user", id: 1, body: `{"user":{"suspended":true}}`, wantStatus: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			before := len(s.Memberships())
			r := do(t, s, "PUT", fmt.Sprintf("/api/v2/users/%d.json", tt.id), tt.body)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", r.status, tt.wantStatus, r.body)
			}
			if tt.wantStatus != 200 {
				if len(s.Mutations()) != 0 {
					t.Errorf("failed update recorded mutations: %v", s.Mutations())
				}
				if m := r.json(t); m["error"] == nil {
					t.Errorf("error body = %s", r.body)
				}
				return
			}
			var body struct {
				User zendesk.User `json:"user"`
			}
			if err := json.Unmarshal(r.body, &body); err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, body.User)
			}
			stored, _ := s.User(tt.id)
			if diff := cmp.Diff(stored, body.User, cmpIgnoreURL); diff != "" {
				t.Errorf("response differs from stored user:\n%s", diff)
			}
			var got []Mutation
			for _, m := range s.Mutations() {
				if m.UserID != tt.id || !m.At.Equal(t0) {
					t.Errorf("mutation %+v: want user %d at %s", m, tt.id, t0)
				}
				m.UserID, m.At = 0, time.Time{}
				got = append(got, m)
			}
			if diff := cmp.Diff(tt.wantMut, got); diff != "" {
				t.Errorf("mutations (-want +got):\n%s", diff)
			}
			if len(tt.wantMut) > 0 && !body.User.UpdatedAt.Equal(t0) {
				t.Errorf("updated_at = %s, want %s", body.User.UpdatedAt, t0)
			}
			if tt.name == "downgrade to end user" && len(s.Memberships()) != before-1 {
				t.Errorf("memberships %d -> %d, want one removed", before, len(s.Memberships()))
			}
		})
	}
}

var cmpIgnoreURL = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".URL" }, cmp.Ignore())

func TestUserUpdateLimit(t *testing.T) {
	s := newTestServer(t)
	path := "/api/v2/users/900000000103"
	for i := range 5 {
		r := do(t, s, "PUT", path, `{"user":{"suspended":`+strconv.FormatBool(i%2 == 0)+`}}`)
		if r.status != 200 {
			t.Fatalf("update %d = %d", i+1, r.status)
		}
		want := fmt.Sprintf("total=5; remaining=%d; resets=60", 4-i)
		if got := r.header.Get(updateLimitHeader); got != want {
			t.Errorf("update %d header = %q, want %q", i+1, got, want)
		}
	}
	r := do(t, s, "PUT", path, `{"user":{"suspended":true}}`)
	if r.status != 429 || r.header.Get("Retry-After") != "60" {
		t.Fatalf("6th update = %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	if r := do(t, s, "PUT", "/api/v2/users/900000000104", `{"user":{"suspended":true}}`); r.status != 200 {
		t.Errorf("another user's update = %d; the limit is per user", r.status)
	}
	s.Advance(time.Minute)
	if r := do(t, s, "PUT", path, `{"user":{"suspended":true}}`); r.status != 200 {
		t.Errorf("update after a minute = %d", r.status)
	}
}

func TestAccountAndExportLimits(t *testing.T) {
	s := newTestServer(t, WithLimits(Limits{AccountPerMinute: 3, ExportPerMinute: 1}))
	s.SetNow(t0.Add(15 * time.Second))
	var statuses, remaining []string
	for range 4 {
		r := do(t, s, "GET", "/api/v2/users/me", "")
		statuses = append(statuses, strconv.Itoa(r.status))
		remaining = append(remaining, r.header.Get("X-Rate-Limit-Remaining"))
		if r.status == 429 && (r.header.Get("Retry-After") != "45" || r.header.Get("Ratelimit-Reset") != "45") {
			t.Errorf("429 headers = %v", r.header)
		}
	}
	if diff := cmp.Diff([]string{"200", "200", "200", "429"}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"2", "1", "0", "0"}, remaining); diff != "" {
		t.Errorf("X-Rate-Limit-Remaining (-want +got):\n%s", diff)
	}

	s.Advance(time.Minute)
	_, r := exportGet(t, s, "start_time=0")
	if got := r.header.Get(exportHeader); r.status != 200 || got != "total=1; remaining=0; resets=45" {
		t.Errorf("first export = %d, header %q", r.status, got)
	}
	if _, r := exportGet(t, s, "start_time=0"); r.status != 429 {
		t.Errorf("second export in the minute = %d, want 429", r.status)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name       string
		endpoint   string
		fault      Fault
		wantStatus []int
		wantBody   string
		wantHeader string
	}{
		{"503 twice", EndpointUsersMe, Fault{Status: 503, Times: 2}, []int{503, 503, 200}, "", ""},
		{"429 with Retry-After", EndpointUsersMe, Fault{Status: 429, RetryAfter: 1500 * time.Millisecond, Times: 1}, []int{429, 200}, bodyRateLimited, "2"},
		{"plain text body", EndpointUsersMe, Fault{Status: 429, Body: "You have exceeded the rate limit", Times: 1}, []int{429, 200}, "You have exceeded the rate limit", ""},
		{"all endpoints until cleared", AllEndpoints, Fault{Status: 500}, []int{500, 500, 500}, `{"error":"InternalServerError","description":"Something went wrong"}`, ""},
		{"other endpoint unaffected", EndpointGroups, Fault{Status: 500}, []int{200}, "", ""},
		{"malformed", EndpointUsersMe, Fault{Malformed: true, Times: 1}, []int{200, 200}, `{"users":[{"id":900000000101,"name":"Dana`, ""},
		{"latency only", EndpointUsersMe, Fault{Latency: 5 * time.Millisecond, Times: 1}, []int{200}, "", ""},
		{"default body for other statuses", EndpointUsersMe, Fault{Status: 502, Times: 1}, []int{502}, `{"error":"BadGateway"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			s.InjectFault(tt.endpoint, tt.fault)
			for i, want := range tt.wantStatus {
				r := do(t, s, "GET", "/api/v2/users/me", "")
				if r.status != want {
					t.Fatalf("request %d = %d, want %d", i+1, r.status, want)
				}
				if i == 0 && tt.wantBody != "" && string(r.body) != tt.wantBody {
					t.Errorf("body = %s, want %s", r.body, tt.wantBody)
				}
				if i == 0 && r.header.Get("Retry-After") != tt.wantHeader {
					t.Errorf("Retry-After = %q, want %q", r.header.Get("Retry-After"), tt.wantHeader)
				}
			}
			s.ClearFaults()
			if r := do(t, s, "GET", "/api/v2/users/me", ""); r.status != 200 {
				t.Errorf("after ClearFaults = %d", r.status)
			}
		})
	}
}

func TestCounters(t *testing.T) {
	s := newTestServer(t)
	do(t, s, "GET", "/api/v2/users/me", "")
	do(t, s, "GET", "/api/v2/users/me.json", "", "")
	do(t, s, "GET", "/api/v2/groups", "")
	do(t, s, "GET", "/api/v2/nothing", "")
	got := map[string]int{}
	for _, e := range []string{EndpointUsersMe, EndpointGroups, EndpointUnknown, EndpointIncrementalUsers} {
		got[e] = s.Requests(e)
	}
	want := map[string]int{EndpointUsersMe: 2, EndpointGroups: 1, EndpointUnknown: 1, EndpointIncrementalUsers: 0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if s.TotalRequests() != 4 {
		t.Errorf("total = %d", s.TotalRequests())
	}
	s.ResetCounters()
	if s.TotalRequests() != 0 || s.Requests(EndpointUsersMe) != 0 {
		t.Error("ResetCounters left counts")
	}
}

func TestConcurrentUse(t *testing.T) {
	s := newTestServer(t)
	send := func(method, path, body string) error {
		req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+bearerToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, err = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 200 {
			return fmt.Errorf("%s %s = %d", method, path, resp.StatusCode)
		}
		return err
	}
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			var err error
			for j := range 10 {
				id := int64(900000001001 + i*10 + j)
				if e := send("PUT", fmt.Sprintf("/api/v2/users/%d", id), `{"user":{"suspended":true}}`); e != nil && err == nil {
					err = e
				}
				if e := send("GET", "/api/v2/incremental/users/cursor?start_time=0&per_page=50", ""); e != nil && err == nil {
					err = e
				}
				s.UpdateUser(id, func(u *zendesk.User) { u.Name += "!" })
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := len(s.Mutations()); got != 80 {
		t.Errorf("mutations = %d, want 80", got)
	}
}

// Generated end users: the whole export and the end-user list hold them,
// the staff list does not, and they cost nothing stored.
func TestGeneratedEndUsers(t *testing.T) {
	s := newTestServer(t, WithEndUsers(2_500))
	stored := len(s.Users())

	_, exported := exportAll(t, s)
	if len(exported) != stored+2_500 || !exported[EndUserBase] || !exported[EndUserBase+2_499] {
		t.Errorf("exported %d users, want %d stored and 2,500 generated", len(exported), stored)
	}

	count := func(query string) int {
		n := 0
		for path := "/api/v2/users?page[size]=100&" + query; path != ""; {
			r := do(t, s, http.MethodGet, path, "")
			var page struct {
				Users []struct{ Role string }
				Meta  struct {
					HasMore     bool   `json:"has_more"`
					AfterCursor string `json:"after_cursor"`
				}
			}
			if err := json.Unmarshal(r.body, &page); err != nil || r.status != 200 {
				t.Fatalf("%s: %d %s", path, r.status, r.body)
			}
			n += len(page.Users)
			path = ""
			if page.Meta.HasMore {
				path = "/api/v2/users?page[size]=100&" + query + "&page[after]=" + url.QueryEscape(page.Meta.AfterCursor)
			}
		}
		return n
	}
	staff := 0
	for _, u := range s.Users() {
		if u.Role != zendesk.RoleEndUser {
			staff++
		}
	}
	if got := count("role[]=agent&role[]=admin"); got != staff {
		t.Errorf("the staff list holds %d users, want the %d staff", got, staff)
	}
	if got := count("role=end-user"); got != stored-staff+2_500 {
		t.Errorf("the end-user list holds %d users, want %d", got, stored-staff+2_500)
	}
}
