package github_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
)

func TestNewValidatesConfig(t *testing.T) {
	auth := github.TokenAuth(ownerToken)
	tests := []struct {
		name string
		cfg  github.Config
		want string // substring of the error; "" = valid
	}{
		{"defaults", github.Config{Org: "acme", Auth: auth}, ""},
		{"GHES", github.Config{BaseURL: "https://ghe.example.com/api/v3/", Org: "acme", Auth: auth}, ""},
		{"no org", github.Config{Auth: auth}, "Config.Org is required"},
		{"org with slash", github.Config{Org: "acme/../x", Auth: auth}, "not an organization login"},
		{"no auth", github.Config{Org: "acme"}, "Config.Auth is required"},
		{"relative URL", github.Config{BaseURL: "api.github.com", Org: "acme", Auth: auth}, "absolute http or https"},
		{"ftp", github.Config{BaseURL: "ftp://api.github.com", Org: "acme", Auth: auth}, "absolute http or https"},
		{"credentials in URL", github.Config{BaseURL: "https://x:" + ownerToken + "@api.github.com", Org: "acme", Auth: auth}, "must not contain credentials"},
		{"query", github.Config{BaseURL: "https://api.github.com?x=1", Org: "acme", Auth: auth}, "query or fragment"},
		{"empty token", github.Config{Org: "acme", Auth: github.TokenAuth("")}, "token is empty"},
		{"app without installation", github.Config{Org: "acme", Auth: github.AppAuth(github.App{AppID: 1, PrivateKey: appKey()})}, "installation ID"},
		{"app without key", github.Config{Org: "acme", Auth: github.AppAuth(github.App{AppID: 1, InstallationID: 2})}, "private key"},
		{"app without id", github.Config{Org: "acme", Auth: github.AppAuth(github.App{InstallationID: 2, PrivateKey: appKey()})}, "client ID or app ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := github.New(tt.cfg)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if c.OrgLogin() != "acme" {
					t.Errorf("OrgLogin = %q", c.OrgLogin())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), ownerToken) {
				t.Errorf("error leaks the token: %v", err)
			}
		})
	}
}

func TestEveryRequestCarriesGitHubHeaders(t *testing.T) {
	h := sampleHarness(t)
	rec, useRec := h.recording()
	for _, c := range []*github.Client{
		h.owner(t, useRec, func(cfg *github.Config) { cfg.UserAgent = "seatwarden-test/1.0" }),
		h.app(t, useRec, func(cfg *github.Config) { cfg.UserAgent = "seatwarden-test/1.0" }),
	} {
		if _, err := c.Org(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := c.VerifiedDomainEmails(t.Context(), []string{ownerLogin}); err != nil {
			t.Fatal(err)
		}
	}
	reqs := rec.requests()
	if len(reqs) != 5 { // org + graphql, twice, and one token exchange
		t.Fatalf("sent %d requests, want 5", len(reqs))
	}
	for _, r := range reqs {
		for header, want := range map[string]string{
			"Accept":               "application/vnd.github+json",
			"X-GitHub-Api-Version": "2022-11-28",
			"User-Agent":           "seatwarden-test/1.0",
		} {
			if got := r.Header.Get(header); got != want {
				t.Errorf("%s %s: %s = %q, want %q", r.Method, r.URL.Path, header, got, want)
			}
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			t.Errorf("%s %s: Authorization is not a Bearer credential", r.Method, r.URL.Path)
		}
	}
}

func TestOrg(t *testing.T) {
	h := sampleHarness(t)
	org, err := h.owner(t).Org(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if org.Login != "acme" || org.ID != githubtest.SampleOrgID || org.Name != "Acme" {
		t.Errorf("Org = %+v", org)
	}
	if org.Plan == nil || org.Plan.Name != "enterprise" {
		t.Errorf("owner sees plan %+v, want enterprise", org.Plan)
	}
	member, err := h.client(t, github.TokenAuth(memberToken)).Org(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if member.Plan != nil {
		t.Errorf("a member sees plan %+v; GitHub shows it to owners only", member.Plan)
	}
}

func TestOrgNotFoundNamesTheOrg(t *testing.T) {
	h := sampleHarness(t)
	c := h.owner(t, func(cfg *github.Config) { cfg.Org = "acme-typo" })
	_, err := c.Org(t.Context())
	if !errors.Is(err, github.ErrNotFound) || !errors.Is(err, connector.ErrNotFound) {
		t.Fatalf("Org error = %v, want ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), `"acme-typo"`) {
		t.Errorf("error %q does not name the org", err)
	}
	if e := asAPIError(t, err); e.Status != http.StatusNotFound || e.Message != "Not Found" {
		t.Errorf("APIError = %+v", e)
	}
}

func TestUserAndMembership(t *testing.T) {
	h := sampleHarness(t)
	c := h.owner(t)
	ctx := t.Context()

	omar, err := c.User(ctx, "omarh")
	if err != nil {
		t.Fatal(err)
	}
	if omar.Name != "Omar Haddad" || omar.Email != "omar.haddad@example.com" || omar.ID == 0 || omar.CreatedAt.IsZero() {
		t.Errorf("User(omarh) = %+v", omar)
	}
	dana, err := c.User(ctx, ownerLogin)
	if err != nil {
		t.Fatal(err)
	}
	if dana.Email != "" {
		t.Errorf("a user without a public email has Email %q, want empty", dana.Email)
	}
	if _, err := c.User(ctx, "no-such-user"); !errors.Is(err, github.ErrNotFound) {
		t.Errorf("User(no-such-user) error = %v, want ErrNotFound", err)
	}

	m, err := c.Membership(ctx, "omarh")
	if err != nil {
		t.Fatal(err)
	}
	if m.State != github.StateActive || m.Role != github.RoleAdmin || m.User.Login != "omarh" || m.Organization.Login != "acme" {
		t.Errorf("Membership(omarh) = %+v", m)
	}
	if _, err := c.Membership(ctx, "no-such-user"); !errors.Is(err, github.ErrNotFound) {
		t.Errorf("Membership(no-such-user) error = %v, want ErrNotFound", err)
	}
}

func TestRefusesBadInputWithoutCalling(t *testing.T) {
	h := sampleHarness(t)
	c := h.owner(t)
	ctx := t.Context()
	calls := []struct {
		name string
		run  func() error
	}{
		{"user path traversal", func() error { _, err := c.User(ctx, "../orgs/acme"); return err }},
		{"membership slash", func() error { _, err := c.Membership(ctx, "a/b"); return err }},
		{"empty login", func() error { return c.RemoveMember(ctx, "") }},
		{"unknown role", func() error { _, err := c.SetMembershipRole(ctx, "jberg", "owner"); return err }},
		{"members role", func() error { _, err := c.Members(ctx, "owners"); return err }},
		{"seat login", func() error { _, err := c.RemoveCopilotSeats(ctx, []string{"ok", "no spaces"}); return err }},
		{"member seat login", func() error { _, err := c.MemberCopilotSeat(ctx, "../copilot"); return err }},
		{"user id", func() error { _, err := c.UserByID(ctx, 0); return err }},
		{"graphql login", func() error { _, err := c.VerifiedDomainEmails(ctx, []string{"x?y"}); return err }},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); !errors.Is(err, github.ErrInvalid) || !errors.Is(err, connector.ErrInvalid) {
				t.Errorf("error = %v, want ErrInvalid", err)
			}
		})
	}
	if n := h.srv.TotalRequests(); n != 0 {
		t.Errorf("%d requests sent for refused input", n)
	}
}

func TestPagingFollowsLinksToTheEnd(t *testing.T) {
	org := githubtest.Generate(250, 120, 7, t0)
	for i := range 230 {
		org.Tokens = append(org.Tokens, githubtest.FineGrainedToken{
			ID: int64(900000 + i), TokenID: int64(800000 + i), Owner: org.Members[i].Login,
			Name: fmt.Sprintf("t%d", i), RepositorySelection: "all", AccessGrantedAt: t0.AddDate(0, 0, -1),
		})
	}
	admins, no2FA := 0, 0
	for _, m := range org.Members {
		if m.Role == github.RoleAdmin {
			admins++
		}
		if !m.TwoFactor {
			no2FA++
		}
	}
	h := newHarness(t, org)
	owner, app := h.owner(t), h.app(t)
	ctx := t.Context()

	tests := []struct {
		name     string
		endpoint string
		run      func() (int, error)
		want     int
	}{
		{"members", githubtest.EndpointMembers, func() (int, error) { m, err := owner.Members(ctx, ""); return len(m), err }, 250},
		{"owners", githubtest.EndpointMembers, func() (int, error) { m, err := owner.Members(ctx, github.RoleAdmin); return len(m), err }, admins},
		{"plain members", githubtest.EndpointMembers, func() (int, error) { m, err := owner.Members(ctx, github.RoleMember); return len(m), err }, 250 - admins},
		{"without 2FA", githubtest.EndpointMembers, func() (int, error) { m, err := owner.MembersWithout2FA(ctx); return len(m), err }, no2FA},
		{"copilot seats", githubtest.EndpointCopilotSeats, func() (int, error) {
			s, err := owner.CopilotSeats(ctx)
			if err == nil && s.TotalSeats != len(s.Seats) {
				err = fmt.Errorf("TotalSeats %d, listed %d", s.TotalSeats, len(s.Seats))
			}
			return len(s.Seats), err
		}, 120},
		{"fine-grained tokens", githubtest.EndpointFineGrainedTokens, func() (int, error) { tk, err := app.FineGrainedTokens(ctx); return len(tk), err }, 235},
		{"installations", githubtest.EndpointInstallations, func() (int, error) { in, err := owner.Installations(ctx); return len(in), err }, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.srv.ResetCounters()
			got, err := tt.run()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("listed %d, want %d", got, tt.want)
			}
			// Exactly the lower bound: 100 a page, no extra request.
			if n := h.srv.Requests(tt.endpoint); n != pagesFor(tt.want) {
				t.Errorf("%d requests to %s, want %d", n, tt.endpoint, pagesFor(tt.want))
			}
		})
	}

	all, err := owner.Members(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	got := logins(all)
	if !slices.IsSorted(ids(all)) || len(slices.Compact(slices.Clone(got))) != 250 {
		t.Errorf("members are not the 250 distinct members in order")
	}
}

func ids(ms []github.Member) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func TestLargeOrgPaging(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("20,000 members: too slow under -short or the race detector")
	}
	h := newHarness(t, githubtest.Generate(20000, 5000, 1, t0))
	c := h.owner(t)
	members, err := c.Members(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	seats, err := c.CopilotSeats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 20000 || len(seats.Seats) != 5000 || seats.TotalSeats != 5000 {
		t.Fatalf("listed %d members and %d seats (total %d)", len(members), len(seats.Seats), seats.TotalSeats)
	}
	if m, s := h.srv.Requests(githubtest.EndpointMembers), h.srv.Requests(githubtest.EndpointCopilotSeats); m != 200 || s != 50 {
		t.Errorf("requests: %d member pages, %d seat pages; want 200 and 50", m, s)
	}
}

// linkServer answers every GET with a one-member page whose Link points
// where next says.
func linkServer(t *testing.T, next func(r *http.Request) string) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if l := next(r); l != "" {
			w.Header().Set("Link", l)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `[{"login":"m%d","id":%d}]`, n.Load(), n.Load())
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestPaginationGuards(t *testing.T) {
	tests := []struct {
		name      string
		link      func(srv *httptest.Server, r *http.Request) string
		maxPages  int
		wantPages int32
		wantErr   string
	}{
		{"another host", func(_ *httptest.Server, _ *http.Request) string {
			return `<https://evil.example.com/orgs/acme/members?page=2>; rel="next"`
		}, 0, 1, "not the API host"},
		{"another scheme", func(srv *httptest.Server, _ *http.Request) string {
			return `<` + strings.Replace(srv.URL, "http://", "https://", 1) + `/orgs/acme/members?page=2>; rel="next"`
		}, 0, 1, "not the API host"},
		{"does not advance", func(srv *httptest.Server, r *http.Request) string {
			return `<` + srv.URL + r.URL.RequestURI() + `>; rel="next"`
		}, 0, 1, "does not advance"},
		{"loops back", func(srv *httptest.Server, r *http.Request) string {
			if r.URL.Query().Get("page") == "2" {
				return `<` + srv.URL + `/orgs/acme/members?per_page=100&role=all>; rel="next"`
			}
			return `<` + srv.URL + `/orgs/acme/members?page=2>; rel="next"`
		}, 0, 2, "does not advance"},
		{"never ends", func(srv *httptest.Server, r *http.Request) string {
			page, _ := strconv.Atoi(r.URL.Query().Get("page"))
			return fmt.Sprintf(`<%s/orgs/acme/members?page=%d>; rel="next"`, srv.URL, max(page, 1)+1)
		}, 3, 3, "more than 3 pages"},
		{"last page", func(srv *httptest.Server, _ *http.Request) string {
			return `<` + srv.URL + `/orgs/acme/members?page=1>; rel="prev", <` + srv.URL + `/orgs/acme/members?page=1>; rel="first"`
		}, 0, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv *httptest.Server
			srv, n := linkServer(t, func(r *http.Request) string { return tt.link(srv, r) })
			c, err := github.New(github.Config{BaseURL: srv.URL, Org: "acme", Auth: github.TokenAuth(ownerToken), MaxPages: tt.maxPages})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Members(t.Context(), "")
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else {
				if !errors.Is(err, github.ErrBadResponse) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want ErrBadResponse containing %q", err, tt.wantErr)
				}
			}
			if got := n.Load(); got != tt.wantPages {
				t.Errorf("fetched %d pages, want %d", got, tt.wantPages)
			}
		})
	}
}

func TestEnterpriseServerBaseURL(t *testing.T) {
	h := newHarness(t, githubtest.Generate(150, 10, 3, t0), githubtest.WithAPIPrefix("/api/v3"))
	c := h.owner(t)
	members, err := c.Members(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 150 || h.srv.Requests(githubtest.EndpointMembers) != 2 {
		t.Errorf("listed %d members in %d requests", len(members), h.srv.Requests(githubtest.EndpointMembers))
	}
	emails, err := c.VerifiedDomainEmails(t.Context(), logins(members[:3]))
	if err != nil {
		t.Fatal(err)
	}
	if len(emails) != 3 || h.srv.Requests(githubtest.EndpointGraphQL) != 1 {
		t.Errorf("GraphQL beside /api/v3: %d answers, %d requests", len(emails), h.srv.Requests(githubtest.EndpointGraphQL))
	}
	app := h.app(t)
	if _, err := app.FineGrainedTokens(t.Context()); err != nil {
		t.Errorf("App token exchange under /api/v3: %v", err)
	}
}

func TestObserveSeesEveryAttempt(t *testing.T) {
	h := sampleHarness(t)
	h.srv.InjectFault(githubtest.EndpointOrg, githubtest.Fault{Kind: githubtest.FaultServerError, Times: 1})
	type obs struct {
		endpoint string
		status   int
	}
	var got []obs
	c := h.owner(t, func(cfg *github.Config) {
		cfg.Observe = func(endpoint string, status int, _ time.Duration) { got = append(got, obs{endpoint, status}) }
	})
	if _, err := c.Org(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := []obs{{github.EndpointOrg, 502}, {github.EndpointOrg, 200}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(obs{})); diff != "" {
		t.Errorf("observations (-want +got):\n%s", diff)
	}
}

func TestUnknownFieldsTolerated(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orgs/acme/copilot/billing/seats", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"total_seats":1,"new_top_level":{"x":[1,2]},"seats":[{
			"created_at":"2026-01-15T10:30:00Z","updated_at":null,"pending_cancellation_date":null,
			"last_activity_at":"2026-10-30T08:00:00-07:00","last_activity_editor":"vscode/1.96",
			"last_authenticated_at":null,"plan_type":"business","premium_requests":{"used":3},
			"assignee":{"login":"octocat","id":1,"type":"User","user_view_type":"public","brand_new":true},
			"assigning_team":null,"future":[{"nested":{"deep":1}}]}]}`)
	})
	mux.HandleFunc("GET /orgs/acme/installations", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"total_count":1,"installations":[{"id":5,"app_id":6,"app_slug":"x",
			"account":{"login":"acme","id":9,"type":"Organization","extra":1},
			"permissions":{"members":"read"},"events":[],"created_at":"2026-01-01T00:00:00Z",
			"updated_at":"2026-01-01T00:00:00Z","suspended_at":null,"new_field":"v"}]}`)
	})
	mux.HandleFunc("GET /users/octocat", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"login":"octocat","id":1,"name":null,"email":null,"created_at":"2011-01-25T18:44:36Z","plan":{"name":"pro"},"ldap_dn":"x"}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := github.New(github.Config{BaseURL: srv.URL, Org: "acme", Auth: github.TokenAuth(ownerToken)})
	if err != nil {
		t.Fatal(err)
	}
	seats, err := c.CopilotSeats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	s := seats.Seats[0]
	if s.Assignee == nil || s.Assignee.Login != "octocat" || s.LastActivityAt == nil || s.LastAuthenticatedAt != nil ||
		s.PendingCancellationDate != "" || s.UpdatedAt != nil || s.AssigningTeam != nil {
		t.Errorf("seat = %+v", s)
	}
	ins, err := c.Installations(t.Context())
	if err != nil || len(ins) != 1 || ins[0].AppSlug != "x" || ins[0].SuspendedAt != nil {
		t.Errorf("installations = %+v, %v", ins, err)
	}
	u, err := c.User(t.Context(), "octocat")
	if err != nil || u.Name != "" || u.Email != "" {
		t.Errorf("user = %+v, %v", u, err)
	}
}

func TestUndocumentedShapeSaysWhatIsMissing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"seats":[]}`)
	}))
	t.Cleanup(srv.Close)
	c, err := github.New(github.Config{BaseURL: srv.URL, Org: "acme", Auth: github.TokenAuth(ownerToken)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CopilotSeats(t.Context())
	if !errors.Is(err, github.ErrBadResponse) || !strings.Contains(err.Error(), `lacks "total_seats"`) {
		t.Errorf("error = %v", err)
	}
}

func TestMalformedJSONIsAnErrorNotAPanic(t *testing.T) {
	h := sampleHarness(t)
	owner, app := h.owner(t), h.app(t)
	ctx := t.Context()
	calls := []struct {
		endpoint string
		run      func() error
	}{
		{githubtest.EndpointOrg, func() error { _, err := owner.Org(ctx); return err }},
		{githubtest.EndpointMembers, func() error { _, err := owner.Members(ctx, ""); return err }},
		{githubtest.EndpointUser, func() error { _, err := owner.User(ctx, "omarh"); return err }},
		{githubtest.EndpointUserByID, func() error { _, err := owner.UserByID(ctx, 5100002); return err }},
		{githubtest.EndpointMemberCopilotSeat, func() error { _, err := owner.MemberCopilotSeat(ctx, "priya-n"); return err }},
		{githubtest.EndpointCopilotSeats, func() error { _, err := owner.CopilotSeats(ctx); return err }},
		{githubtest.EndpointCopilotRemove, func() error { _, err := owner.RemoveCopilotSeats(ctx, []string{"mei-tanaka"}); return err }},
		{githubtest.EndpointFineGrainedTokens, func() error { _, err := app.FineGrainedTokens(ctx); return err }},
		{githubtest.EndpointInstallations, func() error { _, err := owner.Installations(ctx); return err }},
		{githubtest.EndpointGraphQL, func() error { _, err := owner.VerifiedDomainEmails(ctx, []string{"omarh"}); return err }},
	}
	for _, tc := range calls {
		t.Run(tc.endpoint, func(t *testing.T) {
			h.srv.InjectFault(tc.endpoint, githubtest.Fault{Kind: githubtest.FaultMalformed, Times: 1})
			err := tc.run()
			if !errors.Is(err, github.ErrBadResponse) || !errors.Is(err, connector.ErrUnavailable) {
				t.Fatalf("error = %v, want ErrBadResponse", err)
			}
			if strings.Contains(err.Error(), "dana-field") {
				t.Errorf("error quotes the body: %v", err)
			}
		})
	}
	// The token exchange's body is never quoted either.
	h2 := sampleHarness(t)
	h2.srv.InjectFault(githubtest.EndpointAppToken, githubtest.Fault{Kind: githubtest.FaultMalformed, Times: 1})
	if _, err := h2.app(t).Installations(ctx); !errors.Is(err, github.ErrBadResponse) {
		t.Errorf("malformed token exchange: %v", err)
	}
}

func TestTimeoutIsRetried(t *testing.T) {
	h := sampleHarness(t)
	h.srv.InjectFault(githubtest.EndpointOrg, githubtest.Fault{Kind: githubtest.FaultSlow, Latency: 300 * time.Millisecond, Times: 1})
	c := h.owner(t, func(cfg *github.Config) {
		cfg.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond}
	})
	if _, err := c.Org(t.Context()); err != nil {
		t.Fatalf("Org after a timeout: %v", err)
	}
	if n := h.srv.Requests(githubtest.EndpointOrg); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestContextCancelledWhileWaiting(t *testing.T) {
	h := sampleHarness(t)
	h.srv.InjectFault(githubtest.EndpointOrg, githubtest.Fault{Kind: githubtest.FaultSecondaryRateLimit, RetryAfter: 30 * time.Second})
	ctx, cancel := context.WithCancel(t.Context())
	c := h.owner(t, func(cfg *github.Config) {
		cfg.Sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	})
	if _, err := c.Org(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}
