package zendesk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/internal/syncbuf"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// Credentials are recognisable so tests can check they never leak.
const (
	clientID     = "seatwarden-bot"
	clientSecret = "cs-SECRET-7f3a9b"
	apiToken     = "at-SECRET-51c0de"
	bearerToken  = "bt-SECRET-e4d2aa"
	ownerEmail   = "dana@acme.example"
	ownerID      = int64(900000000101)
)

// fakeClock drives both the client's waits and the emulator's clock, and
// records every wait the client asked for.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}

type observation struct {
	Endpoint string
	Status   int
}

type harness struct {
	srv   *zendesktest.Server
	clock *fakeClock
	logs  *syncbuf.Buffer

	mu  sync.Mutex
	obs []observation
}

func (h *harness) observations() []observation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.obs)
}

// checkTries checks that a call to endpoint was tried tries times, waited
// wantSleeps between them (nil: any waits, one fewer than the tries) and
// was observed once per try.
// checkErr checks a call's error against the kind and connector class a
// case wants ("" and nil: success), and that a failure names endpoint
// (and Zendesk's RecordNotFound code when not found).
func checkErr(t *testing.T, err error, endpoint string, wantKind zendesk.ErrorKind, wantClass error) {
	t.Helper()
	switch {
	case wantKind == "" && err != nil:
		t.Fatalf("%s: %v", endpoint, err)
	case wantKind != "" && !errors.Is(err, wantKind):
		t.Fatalf("err = %v, want %v", err, wantKind)
	case wantClass != nil && !errors.Is(err, wantClass):
		t.Errorf("err = %v, want connector class %v", err, wantClass)
	}
	if err == nil {
		return
	}
	zerr := asError(t, err)
	if zerr.Endpoint != endpoint {
		t.Errorf("Endpoint = %q", zerr.Endpoint)
	}
	if wantKind == zendesk.ErrNotFound && zerr.Code != "RecordNotFound" {
		t.Errorf("Code = %q", zerr.Code)
	}
}

func (h *harness) checkTries(t *testing.T, endpoint string, tries int, wantSleeps []time.Duration) {
	t.Helper()
	if n := h.srv.Requests(endpoint); n != tries {
		t.Errorf("attempts = %d, want %d", n, tries)
	}
	sleeps := h.clock.Sleeps()
	if wantSleeps != nil {
		if diff := cmp.Diff(wantSleeps, sleeps); diff != "" {
			t.Errorf("waits (-want +got):\n%s", diff)
		}
	} else if len(sleeps) != max(tries-1, 0) {
		t.Errorf("waits = %v, want %d", sleeps, max(tries-1, 0))
	}
	obs := h.observations()
	if len(obs) != tries {
		t.Errorf("Observe calls = %d, want %d", len(obs), tries)
	}
	for _, o := range obs {
		if o.Endpoint != endpoint {
			t.Errorf("observed %+v", o)
		}
	}
}

// newHarness starts an emulator on a fake clock shared with the client.
func newHarness(t *testing.T, org *zendesktest.Org, opts ...zendesktest.Option) *harness {
	t.Helper()
	h := &harness{clock: &fakeClock{now: t0}, logs: &syncbuf.Buffer{}}
	base := []zendesktest.Option{
		zendesktest.WithClock(h.clock.Now),
		zendesktest.WithOAuthClient(clientID, clientSecret, true),
		zendesktest.WithOAuthClient("public-app", clientSecret, false),
		zendesktest.WithAPIToken(ownerEmail, apiToken),
		zendesktest.WithBearerToken(bearerToken),
	}
	h.srv = zendesktest.NewServer(org, append(base, opts...)...)
	t.Cleanup(h.srv.Close)
	return h
}

// client builds a client for the harness; edit adjusts the config.
func (h *harness) client(t *testing.T, auth zendesk.Auth, edit ...func(*zendesk.Config)) *zendesk.Client {
	t.Helper()
	cfg := zendesk.Config{
		BaseURL:           h.srv.URL,
		Auth:              auth,
		RequestsPerMinute: 100_000,
		MaxBackoff:        4 * time.Second,
		Logger:            slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Observe: func(endpoint string, status int, _ time.Duration) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.obs = append(h.obs, observation{endpoint, status})
		},
		Now:   h.clock.Now,
		Sleep: h.clock.Sleep,
	}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := zendesk.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sampleHarness(t *testing.T, opts ...zendesktest.Option) *harness {
	return newHarness(t, zendesktest.SampleOrg(t0), opts...)
}

func asError(t *testing.T, err error) *zendesk.Error {
	t.Helper()
	var zerr *zendesk.Error
	if !errors.As(err, &zerr) {
		t.Fatalf("error %v (%T) is not a *zendesk.Error", err, err)
	}
	return zerr
}

func TestNewValidatesConfig(t *testing.T) {
	auth := zendesk.OAuthToken("t")
	tests := []struct {
		name    string
		cfg     zendesk.Config
		wantErr string
	}{
		{"no base url", zendesk.Config{Auth: auth}, "BaseURL is required"},
		{"relative", zendesk.Config{BaseURL: "acme.zendesk.com", Auth: auth}, "absolute http or https"},
		{"ftp", zendesk.Config{BaseURL: "ftp://acme.zendesk.com", Auth: auth}, "absolute http or https"},
		{"api path", zendesk.Config{BaseURL: "https://acme.zendesk.com/api/v2", Auth: auth}, "without /api/v2"},
		{"credentials in url", zendesk.Config{BaseURL: "https://u:" + apiToken + "@acme.zendesk.com", Auth: auth}, "must not contain credentials"},
		{"unparseable", zendesk.Config{BaseURL: "https://acme.zendesk.com/%zz" + apiToken, Auth: auth}, "not a valid URL"},
		{"no auth", zendesk.Config{BaseURL: "https://acme.zendesk.com"}, "Auth is required"},
		{"empty token", zendesk.Config{BaseURL: "https://acme.zendesk.com", Auth: zendesk.OAuthToken("")}, "token is empty"},
		{"empty secret", zendesk.Config{BaseURL: "https://acme.zendesk.com", Auth: zendesk.OAuthClientCredentials("id", "")}, "client id and a secret"},
		{"ok with trailing slash", zendesk.Config{BaseURL: "https://acme.zendesk.com/", Auth: auth}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := zendesk.New(tt.cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("New error = %v, want it to mention %q", err, tt.wantErr)
			case err != nil && strings.Contains(err.Error(), apiToken):
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
}

func TestAuthModes(t *testing.T) {
	tests := []struct {
		name      string
		auth      zendesk.Auth
		wantEmail string
		wantCode  string // for failures
	}{
		{"oauth client credentials", zendesk.OAuthClientCredentials(clientID, clientSecret), ownerEmail, ""},
		{"oauth client credentials, resource scopes", zendesk.OAuthClientCredentials(clientID, clientSecret, "users:read", "read"), ownerEmail, ""},
		{"oauth token", zendesk.OAuthToken(bearerToken), ownerEmail, ""},
		{"api token", zendesk.APIToken(ownerEmail, apiToken), ownerEmail, ""},
		{"api token as another agent", zendesk.APIToken("priya@acme.example", apiToken), "priya@acme.example", ""},
		{"wrong client secret", zendesk.OAuthClientCredentials(clientID, "wrong-"+clientSecret), "", "invalid_client"},
		{"public client", zendesk.OAuthClientCredentials("public-app", clientSecret), "", "unauthorized_client"},
		{"revoked oauth token", zendesk.OAuthToken("wrong-" + bearerToken), "", "Couldn't authenticate you"},
		{"wrong api token", zendesk.APIToken(ownerEmail, "wrong-"+apiToken), "", "Couldn't authenticate you"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			me, err := h.client(t, tt.auth).Me(context.Background())
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Me: %v", err)
				}
				if me.Email != tt.wantEmail {
					t.Errorf("Me = %s, want %s", me.Email, tt.wantEmail)
				}
				return
			}
			if !errors.Is(err, zendesk.ErrAuth) {
				t.Fatalf("Me error = %v, want ErrAuth", err)
			}
			zerr := asError(t, err)
			if zerr.Code != tt.wantCode || zerr.Body == "" {
				t.Errorf("error code %q body %q, want code %q and Zendesk's body", zerr.Code, zerr.Body, tt.wantCode)
			}
			if h.srv.TotalRequests() != 1 {
				t.Errorf("requests = %d; authentication failures must not be retried", h.srv.TotalRequests())
			}
		})
	}
}

func TestUnauthorizedCarriesZendeskBody(t *testing.T) {
	h := sampleHarness(t)
	_, err := h.client(t, zendesk.OAuthToken("nope")).Groups(context.Background())
	want := &zendesk.Error{
		Kind:     zendesk.ErrAuth,
		Status:   401,
		Endpoint: zendesk.EndpointGroups,
		Code:     "Couldn't authenticate you",
		Body:     `{"error":"Couldn't authenticate you"}`,
	}
	if diff := cmp.Diff(want, asError(t, err)); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

// countingTransport counts token requests to show they use the
// configured HTTP client.
type countingTransport struct {
	mu     sync.Mutex
	counts map[string]int
	bodies map[string][]string
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	c.mu.Lock()
	if c.counts == nil {
		c.counts, c.bodies = map[string]int{}, map[string][]string{}
	}
	key := req.Method + " " + req.URL.Path
	c.counts[key]++
	c.bodies[key] = append(c.bodies[key], string(body))
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func TestClientCredentialsTokenFetchedOnce(t *testing.T) {
	h := sampleHarness(t)
	tr := &countingTransport{}
	c := h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret), func(cfg *zendesk.Config) {
		cfg.HTTPClient = &http.Client{Transport: tr, Timeout: 5 * time.Second}
	})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			if _, err := c.Me(context.Background()); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := h.srv.Requests(zendesktest.EndpointOAuthToken); got != 1 {
		t.Errorf("token requests at the server = %d, want 1", got)
	}
	if got := tr.counts["POST /oauth/tokens"]; got != 1 {
		t.Errorf("token requests through the configured HTTP client = %d, want 1", got)
	}
	if got := tr.counts["GET /api/v2/users/me"]; got != 20 {
		t.Errorf("API requests through the configured HTTP client = %d, want 20", got)
	}
	tokenObs := 0
	for _, o := range h.observations() {
		if o.Endpoint == zendesk.EndpointOAuthToken {
			tokenObs++
		}
	}
	if tokenObs != 1 {
		t.Errorf("Observe saw %d token requests, want 1", tokenObs)
	}
	body := tr.bodies["POST /oauth/tokens"][0]
	for _, want := range []string{"grant_type=client_credentials", "client_id=" + clientID, "scope=read+write"} {
		if !strings.Contains(body, want) {
			t.Errorf("token request body %q lacks %q", body, want)
		}
	}
}

func TestRevokedTokenIsRenewedOnce(t *testing.T) {
	h := sampleHarness(t)
	c := h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))
	ctx := context.Background()
	if _, err := c.Me(ctx); err != nil {
		t.Fatal(err)
	}
	h.srv.RevokeTokens()
	if _, err := c.Me(ctx); err != nil {
		t.Fatalf("Me after revocation: %v", err)
	}
	want := []observation{
		{zendesk.EndpointOAuthToken, 201},
		{zendesk.EndpointUsersMe, 200},
		{zendesk.EndpointUsersMe, 401},
		{zendesk.EndpointOAuthToken, 201},
		{zendesk.EndpointUsersMe, 200},
	}
	if diff := cmp.Diff(want, h.observations()); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}

	// A client whose credentials were withdrawn gets ErrAuth, not a loop.
	h.srv.RevokeTokens()
	h.srv.InjectFault(zendesktest.EndpointOAuthToken, zendesktest.Fault{Status: 401, Body: `{"error":"invalid_client"}`})
	if _, err := c.Me(ctx); !errors.Is(err, zendesk.ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
}

func TestTokenRequestRetried(t *testing.T) {
	h := sampleHarness(t)
	h.srv.InjectFault(zendesktest.EndpointOAuthToken, zendesktest.Fault{Status: 503, Times: 1})
	if _, err := h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret)).Me(context.Background()); err != nil {
		t.Fatalf("Me: %v", err)
	}
	want := []observation{
		{zendesk.EndpointOAuthToken, 503},
		{zendesk.EndpointOAuthToken, 201},
		{zendesk.EndpointUsersMe, 200},
	}
	if diff := cmp.Diff(want, h.observations()); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
}

func TestGroupsAndMembershipsPaginate(t *testing.T) {
	org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: 20_000, Seed: 9, Now: t0})
	h := newHarness(t, org)
	c := h.client(t, zendesk.OAuthToken(bearerToken))
	ctx := context.Background()

	groups, err := c.Groups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	memberships, err := c.GroupMemberships(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(org.Groups, groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(org.Memberships, memberships); diff != "" {
		t.Errorf("memberships (-want +got):\n%s", diff)
	}
	pages := func(n int) int { return (n + 99) / 100 }
	if got, want := h.srv.Requests(zendesktest.EndpointGroupMemberships), pages(len(org.Memberships)); got != want || want < 2 {
		t.Errorf("membership requests = %d, want %d", got, want)
	}
	if got, want := h.srv.Requests(zendesktest.EndpointGroups), pages(len(org.Groups)); got != want {
		t.Errorf("group requests = %d, want %d", got, want)
	}
}

func TestPaginationThatDoesNotAdvance(t *testing.T) {
	stuck := `{"groups":[{"id":1,"name":"Loop"}],"meta":{"has_more":true,"after_cursor":"same"},"links":{}}`
	tests := []struct {
		name string
		body string
	}{
		{"repeated cursor", stuck},
		{"no cursor", `{"groups":[],"meta":{"has_more":true,"after_cursor":null}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			h.srv.InjectFault(zendesktest.EndpointGroups, zendesktest.Fault{Status: 200, Body: tt.body})
			_, err := h.client(t, zendesk.OAuthToken(bearerToken)).Groups(context.Background())
			if !errors.Is(err, zendesk.ErrBadResponse) {
				t.Fatalf("err = %v, want ErrBadResponse", err)
			}
			if n := h.srv.Requests(zendesktest.EndpointGroups); n > 2 {
				t.Errorf("requests = %d; a stuck cursor must stop the loop", n)
			}
		})
	}
}

// exportAll runs a full sync and returns the pages and the final cursor.
func exportAll(t *testing.T, c *zendesk.Client, req zendesk.ExportRequest) ([]zendesk.UserExportPage, string) {
	t.Helper()
	var pages []zendesk.UserExportPage
	for {
		page, err := c.ExportUsers(context.Background(), req)
		if err != nil {
			t.Fatalf("ExportUsers after %d pages: %v", len(pages), err)
		}
		pages = append(pages, page)
		if page.EndOfStream {
			return pages, page.AfterCursor
		}
		req = zendesk.ExportRequest{Cursor: page.AfterCursor, PerPage: req.PerPage}
	}
}

func TestExportUsersPaging(t *testing.T) {
	tests := []struct {
		users, perPage int
		wantRequests   int
	}{
		{users: 2500, wantRequests: 3},
		{users: 2500, perPage: 5000, wantRequests: 3}, // capped at 1,000
		{users: 1000, wantRequests: 1},
		{users: 250, perPage: 100, wantRequests: 3},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d users per_page %d", tt.users, tt.perPage), func(t *testing.T) {
			org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: tt.users, Seed: 5, Now: t0})
			h := newHarness(t, org)
			c := h.client(t, zendesk.OAuthToken(bearerToken))
			pages, cursor := exportAll(t, c, zendesk.ExportRequest{StartTime: time.Unix(0, 0), PerPage: tt.perPage})

			got := map[int64]bool{}
			for _, p := range pages {
				for _, u := range p.Users {
					got[u.ID] = true
				}
			}
			if len(got) != tt.users {
				t.Errorf("exported %d distinct users, want %d", len(got), tt.users)
			}
			if n := h.srv.Requests(zendesktest.EndpointIncrementalUsers); n != tt.wantRequests {
				t.Errorf("export requests = %d, want %d", n, tt.wantRequests)
			}
			if cursor == "" {
				t.Fatal("last page has no cursor")
			}

			// Nothing changed: one request, no users.
			h.srv.ResetCounters()
			again, _ := exportAll(t, c, zendesk.ExportRequest{Cursor: cursor})
			if len(again) != 1 || len(again[0].Users) != 0 || h.srv.TotalRequests() != 1 {
				t.Errorf("re-poll: %d pages, %d users, %d requests", len(again), len(again[0].Users), h.srv.TotalRequests())
			}
		})
	}
}

func TestExportUsers100k(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("exports 100,000 users; runs without -short and -race")
	}
	org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: 100_000, Seed: 1, Now: t0})
	h := newHarness(t, org)
	c := h.client(t, zendesk.OAuthToken(bearerToken))
	pages, _ := exportAll(t, c, zendesk.ExportRequest{})
	total := 0
	for _, p := range pages {
		total += len(p.Users)
	}
	if total != 100_000 || len(pages) != 100 || h.srv.Requests(zendesktest.EndpointIncrementalUsers) != 100 {
		t.Errorf("users %d, pages %d, requests %d; want 100000, 100, 100",
			total, len(pages), h.srv.Requests(zendesktest.EndpointIncrementalUsers))
	}
}

func TestExportSeesChangesAfterLag(t *testing.T) {
	h := sampleHarness(t)
	c := h.client(t, zendesk.OAuthToken(bearerToken))
	_, cursor := exportAll(t, c, zendesk.ExportRequest{StartTime: t0.Add(-24 * time.Hour * 3650)})

	priya := int64(900000000103)
	if _, err := c.UpdateUser(context.Background(), priya, zendesk.UserUpdate{Role: ptr(zendesk.RoleEndUser)}); err != nil {
		t.Fatal(err)
	}
	pages, cursor2 := exportAll(t, c, zendesk.ExportRequest{Cursor: cursor})
	if len(pages[0].Users) != 0 {
		t.Fatalf("a change from the last minute was exported")
	}
	if cursor2 == "" {
		t.Fatal("empty page lost the cursor")
	}
	h.clock.Sleep(context.Background(), zendesktest.DefaultExportLag)
	pages, _ = exportAll(t, c, zendesk.ExportRequest{Cursor: cursor2})
	if len(pages) != 1 || len(pages[0].Users) != 1 || pages[0].Users[0].Role != zendesk.RoleEndUser {
		t.Errorf("re-poll after the lag = %+v", pages)
	}
}

func TestExportRejects(t *testing.T) {
	tests := []struct {
		name     string
		req      zendesk.ExportRequest
		wantKind zendesk.ErrorKind
		wantDesc string
	}{
		{"start time too recent", zendesk.ExportRequest{StartTime: t0.Add(-10 * time.Second)}, zendesk.ErrInvalid,
			"Too recent start_time. Use a start_time at least one minute in the past"},
		{"negative per_page", zendesk.ExportRequest{PerPage: -1}, zendesk.ErrInvalid, "per_page must not be negative, got -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			_, err := h.client(t, zendesk.OAuthToken(bearerToken)).ExportUsers(context.Background(), tt.req)
			if !errors.Is(err, tt.wantKind) {
				t.Fatalf("err = %v, want %v", err, tt.wantKind)
			}
			if got := asError(t, err).Description; got != tt.wantDesc {
				t.Errorf("description = %q, want %q", got, tt.wantDesc)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name       string
		faults     []zendesktest.Fault
		wantKind   zendesk.ErrorKind // "" for success
		wantSleeps []time.Duration   // exact, or nil to check bounds only
		wantTries  int
	}{
		{
			name:       "429 honours Retry-After",
			faults:     []zendesktest.Fault{{Status: 429, RetryAfter: 7 * time.Second, Times: 1}},
			wantSleeps: []time.Duration{7 * time.Second},
			wantTries:  2,
		},
		{
			name:       "429 without Retry-After waits a minute",
			faults:     []zendesktest.Fault{{Status: 429, Body: "You have exceeded the rate limit for updating a single unique user", Times: 1}},
			wantSleeps: []time.Duration{60 * time.Second},
			wantTries:  2,
		},
		{
			name:      "503 then success",
			faults:    []zendesktest.Fault{{Status: 503, Times: 1}},
			wantTries: 2,
		},
		{
			name:       "503 with a long Retry-After",
			faults:     []zendesktest.Fault{{Status: 503, RetryAfter: 45 * time.Second, Times: 1}},
			wantSleeps: []time.Duration{45 * time.Second},
			wantTries:  2,
		},
		{
			name:      "5xx storm",
			faults:    []zendesktest.Fault{{Status: 500}},
			wantKind:  zendesk.ErrUnavailable,
			wantTries: 4, // MaxRetries 3
		},
		{
			name:      "429 storm",
			faults:    []zendesktest.Fault{{Status: 429, RetryAfter: 2 * time.Second}},
			wantKind:  zendesk.ErrRateLimited,
			wantTries: 4,
		},
		{
			name:      "malformed JSON is not retried",
			faults:    []zendesktest.Fault{{Malformed: true, Times: 1}},
			wantKind:  zendesk.ErrBadResponse,
			wantTries: 1,
		},
		{
			name:      "unexpected shape",
			faults:    []zendesktest.Fault{{Status: 200, Body: `{"users":[]}`, Times: 1}},
			wantKind:  zendesk.ErrBadResponse,
			wantTries: 1,
		},
		{name: "404 not retried", faults: []zendesktest.Fault{{Status: 404, Times: 1}}, wantKind: zendesk.ErrNotFound, wantTries: 1},
		{name: "403 not retried", faults: []zendesktest.Fault{{Status: 403, Times: 1}}, wantKind: zendesk.ErrForbidden, wantTries: 1},
		{name: "422 not retried", faults: []zendesktest.Fault{{Status: 422, Times: 1}}, wantKind: zendesk.ErrInvalid, wantTries: 1},
		{name: "400 not retried", faults: []zendesktest.Fault{{Status: 400, Times: 1}}, wantKind: zendesk.ErrInvalid, wantTries: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			for _, f := range tt.faults {
				h.srv.InjectFault(zendesktest.EndpointUsersMe, f)
			}
			c := h.client(t, zendesk.OAuthToken(bearerToken), func(cfg *zendesk.Config) { cfg.MaxRetries = 3 })
			me, err := c.Me(context.Background())
			switch {
			case tt.wantKind == "" && err != nil:
				t.Fatalf("Me: %v", err)
			case tt.wantKind == "" && me.ID != ownerID:
				t.Errorf("Me = %d", me.ID)
			case tt.wantKind != "" && !errors.Is(err, tt.wantKind):
				t.Fatalf("err = %v, want %v", err, tt.wantKind)
			}
			if got := h.srv.Requests(zendesktest.EndpointUsersMe); got != tt.wantTries {
				t.Errorf("attempts = %d, want %d", got, tt.wantTries)
			}
			if got := len(h.observations()); got != tt.wantTries {
				t.Errorf("Observe calls = %d, want %d", got, tt.wantTries)
			}
			sleeps := h.clock.Sleeps()
			if tt.wantSleeps != nil {
				if diff := cmp.Diff(tt.wantSleeps, sleeps); diff != "" {
					t.Errorf("waits (-want +got):\n%s", diff)
				}
			} else if len(sleeps) != tt.wantTries-1 {
				t.Errorf("waits = %v, want %d", sleeps, tt.wantTries-1)
			}
			if tt.wantSleeps == nil {
				for _, d := range sleeps {
					if d <= 0 || d > 4*time.Second && tt.wantKind != zendesk.ErrRateLimited {
						t.Errorf("backoff %s outside (0, MaxBackoff]", d)
					}
				}
			}
			if err != nil {
				zerr := asError(t, err)
				if zerr.Endpoint != zendesk.EndpointUsersMe {
					t.Errorf("Endpoint = %q", zerr.Endpoint)
				}
				if tt.wantKind == zendesk.ErrRateLimited && zerr.RetryAfter != 2*time.Second {
					t.Errorf("RetryAfter = %s", zerr.RetryAfter)
				}
			}
		})
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	h := sampleHarness(t)
	h.srv.InjectFault(zendesktest.EndpointGroups, zendesktest.Fault{Status: 502})
	c := h.client(t, zendesk.OAuthToken(bearerToken), func(cfg *zendesk.Config) {
		cfg.MaxRetries = 8
		cfg.MaxBackoff = 10 * time.Second
	})
	_, err := c.Groups(context.Background())
	if !errors.Is(err, zendesk.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	sleeps := h.clock.Sleeps()
	if len(sleeps) != 8 {
		t.Fatalf("waits = %v", sleeps)
	}
	for i, d := range sleeps {
		ceiling := min(time.Second<<i, 10*time.Second)
		if d < ceiling/2 || d > ceiling {
			t.Errorf("wait %d = %s, want within [%s, %s]", i, d, ceiling/2, ceiling)
		}
	}
}

// flakyTransport fails the first n requests with a transport error.
type flakyTransport struct {
	mu sync.Mutex
	n  int
}

func (f *flakyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	fail := f.n > 0
	f.n--
	f.mu.Unlock()
	if fail {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, errors.New("connection reset by peer")
	}
	return http.DefaultTransport.RoundTrip(req)
}

func TestTransportErrors(t *testing.T) {
	tests := []struct {
		name     string
		failures int
		wantErr  bool
	}{
		{"recovered", 2, false},
		{"gave up", 100, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			c := h.client(t, zendesk.OAuthToken(bearerToken), func(cfg *zendesk.Config) {
				cfg.HTTPClient = &http.Client{Transport: &flakyTransport{n: tt.failures}}
				cfg.MaxRetries = 3
			})
			_, err := c.Me(context.Background())
			if !tt.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				want := []observation{{zendesk.EndpointUsersMe, 0}, {zendesk.EndpointUsersMe, 0}, {zendesk.EndpointUsersMe, 200}}
				if diff := cmp.Diff(want, h.observations()); diff != "" {
					t.Errorf("attempts (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, zendesk.ErrUnavailable) || asError(t, err).Status != 0 || len(h.observations()) != 4 {
				t.Errorf("err = %v after %d attempts", err, len(h.observations()))
			}
		})
	}
}

func TestTimeoutIsRetried(t *testing.T) {
	h := sampleHarness(t)
	// The emulator stops waiting as soon as the client hangs up, so the
	// long latency costs only the client's timeout.
	h.srv.InjectFault(zendesktest.EndpointUsersMe, zendesktest.Fault{Latency: time.Minute, Times: 1})
	c := h.client(t, zendesk.OAuthToken(bearerToken), func(cfg *zendesk.Config) {
		cfg.HTTPClient = &http.Client{Timeout: 500 * time.Millisecond}
	})
	if _, err := c.Me(context.Background()); err != nil {
		t.Fatalf("Me: %v", err)
	}
	want := []observation{{zendesk.EndpointUsersMe, 0}, {zendesk.EndpointUsersMe, 200}}
	if diff := cmp.Diff(want, h.observations()); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
}

func TestContextCancelledWhileWaiting(t *testing.T) {
	h := sampleHarness(t)
	h.srv.InjectFault(zendesktest.EndpointUsersMe, zendesktest.Fault{Status: 429, RetryAfter: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	c := h.client(t, zendesk.OAuthToken(bearerToken), func(cfg *zendesk.Config) {
		cfg.Sleep = func(ctx context.Context, d time.Duration) error {
			cancel() // the caller gives up during the wait
			<-ctx.Done()
			return ctx.Err()
		}
	})
	_, err := c.Me(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := h.srv.Requests(zendesktest.EndpointUsersMe); n != 1 {
		t.Errorf("attempts = %d, want 1", n)
	}
}

func TestUpdateUser(t *testing.T) {
	tests := []struct {
		name     string
		id       int64
		upd      zendesk.UserUpdate
		check    func(t *testing.T, u zendesk.User)
		wantKind zendesk.ErrorKind
	}{
		{
			name: "downgrade", id: 900000000103, upd: zendesk.UserUpdate{Role: ptr(zendesk.RoleEndUser)},
			check: func(t *testing.T, u zendesk.User) {
				if u.Role != zendesk.RoleEndUser || u.CustomRoleID != nil {
					t.Errorf("user = %+v", u)
				}
			},
		},
		{
			name: "light agent", id: 900000000103,
			upd: zendesk.UserUpdate{Role: ptr(zendesk.RoleAgent), CustomRoleID: ptr(zendesktest.LightAgentRoleID)},
			check: func(t *testing.T, u zendesk.User) {
				if u.RoleType == nil || *u.RoleType != zendesk.RoleTypeLightAgent {
					t.Errorf("role_type = %v", u.RoleType)
				}
			},
		},
		{
			name: "unsuspend sends false", id: 900000000111, upd: zendesk.UserUpdate{Suspended: ptr(false)},
			check: func(t *testing.T, u zendesk.User) {
				if u.Suspended {
					t.Error("still suspended")
				}
			},
		},
		{
			name: "end-user with a custom role is refused locally", id: 900000000103,
			upd:      zendesk.UserUpdate{Role: ptr(zendesk.RoleEndUser), CustomRoleID: ptr(zendesktest.StaffRoleID)},
			wantKind: zendesk.ErrInvalid,
		},
		{name: "invalid role", id: 900000000103, upd: zendesk.UserUpdate{Role: ptr("owner")}, wantKind: zendesk.ErrInvalid},
		{name: "unknown user", id: 42, upd: zendesk.UserUpdate{Suspended: ptr(true)}, wantKind: zendesk.ErrNotFound},
		{name: "bad id", id: 0, upd: zendesk.UserUpdate{Suspended: ptr(true)}, wantKind: zendesk.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			u, err := h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret)).UpdateUser(context.Background(), tt.id, tt.upd)
			if tt.wantKind != "" {
				if !errors.Is(err, tt.wantKind) {
					t.Fatalf("err = %v, want %v", err, tt.wantKind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, u)
			stored, _ := h.srv.User(tt.id)
			if diff := cmp.Diff(stored, u, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".URL" }, cmp.Ignore())); diff != "" {
				t.Errorf("returned user differs from the server's (-server +returned):\n%s", diff)
			}
		})
	}
}

// TestUserUpdateJSON: the exact bodies UpdateUser sends; only
// ClearCustomRole sends a null.
func TestUserUpdateJSON(t *testing.T) {
	tests := []struct {
		name    string
		upd     zendesk.UserUpdate
		want    string
		wantErr bool
	}{
		{"nothing", zendesk.UserUpdate{}, `{"user":{}}`, false},
		{"role", zendesk.UserUpdate{Role: ptr(zendesk.RoleAdmin)}, `{"user":{"role":"admin"}}`, false},
		{"custom role", zendesk.UserUpdate{Role: ptr(zendesk.RoleAgent), CustomRoleID: ptr(zendesktest.LightAgentRoleID)},
			`{"user":{"role":"agent","custom_role_id":360001112223}}`, false},
		{"clear the custom role", zendesk.UserUpdate{Role: ptr(zendesk.RoleAgent), ClearCustomRole: true},
			`{"user":{"role":"agent","custom_role_id":null}}`, false},
		{"clear alone", zendesk.UserUpdate{ClearCustomRole: true}, `{"user":{"custom_role_id":null}}`, false},
		{"clear with suspended", zendesk.UserUpdate{Suspended: ptr(false), ClearCustomRole: true},
			`{"user":{"suspended":false,"custom_role_id":null}}`, false},
		{"set and clear", zendesk.UserUpdate{CustomRoleID: ptr(zendesktest.StaffRoleID), ClearCustomRole: true}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(struct {
				User zendesk.UserUpdate `json:"user"`
			}{tt.upd})
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Marshal = %s, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("body = %s, want %s", got, tt.want)
			}
			// A pointer marshals the same.
			if p, err := json.Marshal(&tt.upd); err != nil || `{"user":`+string(p)+`}` != tt.want {
				t.Errorf("Marshal(&upd) = %s, %v", p, err)
			}
		})
	}

	h := sampleHarness(t)
	tr := &countingTransport{}
	c := h.client(t, zendesk.OAuthToken(bearerToken), func(cfg *zendesk.Config) { cfg.HTTPClient = &http.Client{Transport: tr} })
	_, err := c.UpdateUser(context.Background(), 900000000104, zendesk.UserUpdate{CustomRoleID: ptr(zendesktest.StaffRoleID), ClearCustomRole: true})
	if !errors.Is(err, zendesk.ErrInvalid) {
		t.Errorf("set and clear: err = %v, want ErrInvalid", err)
	}
	// Lucas is a Team Lead agent: null puts him on the account's default
	// agent role, where leaving custom_role_id out would keep Team Lead.
	u, err := c.UpdateUser(context.Background(), 900000000104, zendesk.UserUpdate{Role: ptr(zendesk.RoleAgent), ClearCustomRole: true})
	if err != nil {
		t.Fatal(err)
	}
	if u.CustomRoleID == nil || *u.CustomRoleID != zendesktest.StaffRoleID {
		t.Errorf("custom_role_id = %v, want the default agent role %d", u.CustomRoleID, zendesktest.StaffRoleID)
	}
	want := map[string][]string{"PUT /api/v2/users/900000000104": {`{"user":{"role":"agent","custom_role_id":null}}`}}
	if diff := cmp.Diff(want, tr.bodies); diff != "" {
		t.Errorf("requests sent (-want +got):\n%s", diff)
	}
}

func TestInvalidErrorDetails(t *testing.T) {
	h := sampleHarness(t)
	_, err := h.client(t, zendesk.OAuthToken(bearerToken)).UpdateUser(context.Background(), 900000000103, zendesk.UserUpdate{Role: ptr("owner")})
	zerr := asError(t, err)
	if zerr.Status != 422 || zerr.Code != "RecordInvalid" || zerr.Description != "Record validation errors (role: Role: is not valid)" {
		t.Errorf("error = %+v", zerr)
	}
}

func TestUpdateRetryResendsBody(t *testing.T) {
	h := sampleHarness(t)
	h.srv.InjectFault(zendesktest.EndpointUsersUpdate, zendesktest.Fault{Status: 503, Times: 1})
	tr := &countingTransport{}
	c := h.client(t, zendesk.OAuthToken(bearerToken), func(cfg *zendesk.Config) {
		cfg.HTTPClient = &http.Client{Transport: tr}
	})
	if _, err := c.UpdateUser(context.Background(), 900000000103, zendesk.UserUpdate{Suspended: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	want := []string{`{"user":{"suspended":true}}`, `{"user":{"suspended":true}}`}
	if diff := cmp.Diff(want, tr.bodies["PUT /api/v2/users/900000000103"]); diff != "" {
		t.Errorf("request bodies (-want +got):\n%s", diff)
	}
	muts := h.srv.Mutations()
	if len(muts) != 1 || muts[0].Field != "suspended" || muts[0].To != "true" {
		t.Errorf("mutations = %+v", muts)
	}
}

func TestPerUserUpdateLimitHoldsOnlyThatUser(t *testing.T) {
	h := sampleHarness(t) // Zendesk's default: 5 updates per user per minute
	c := h.client(t, zendesk.OAuthToken(bearerToken))
	ctx := context.Background()
	for i := range 6 {
		if _, err := c.UpdateUser(ctx, 900000000103, zendesk.UserUpdate{Suspended: ptr(i%2 == 0)}); err != nil {
			t.Fatalf("update %d: %v", i+1, err)
		}
	}
	// The 5th answer said remaining=0, so the 6th waited instead of
	// collecting a 429.
	if diff := cmp.Diff([]time.Duration{time.Minute}, h.clock.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	for _, o := range h.observations() {
		if o.Status != 200 {
			t.Errorf("attempt %+v; want no 429", o)
		}
	}
	if _, err := c.UpdateUser(ctx, 900000000104, zendesk.UserUpdate{Suspended: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if n := len(h.clock.Sleeps()); n != 1 {
		t.Errorf("another user's update waited: %v", h.clock.Sleeps())
	}
}

func TestAccountRateHeadersHoldRequests(t *testing.T) {
	h := sampleHarness(t, zendesktest.WithLimits(zendesktest.Limits{AccountPerMinute: 3}))
	h.clock.Set(t0.Add(20 * time.Second))
	c := h.client(t, zendesk.OAuthToken(bearerToken))
	for range 5 {
		if _, err := c.Me(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]time.Duration{40 * time.Second}, h.clock.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	for _, o := range h.observations() {
		if o.Status != 200 {
			t.Errorf("attempt %+v; the client should hold instead of hitting 429", o)
		}
	}
}

func TestExportLimitHoldsExports(t *testing.T) {
	org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: 2500, Seed: 5, Now: t0})
	h := newHarness(t, org, zendesktest.WithLimits(zendesktest.Limits{ExportPerMinute: 2}))
	c := h.client(t, zendesk.OAuthToken(bearerToken))
	exportAll(t, c, zendesk.ExportRequest{StartTime: time.Unix(0, 0)})
	if diff := cmp.Diff([]time.Duration{time.Minute}, h.clock.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if n := h.srv.Requests(zendesktest.EndpointIncrementalUsers); n != 3 {
		t.Errorf("export requests = %d, want 3 (no 429s)", n)
	}
}

func TestClientSideBudget(t *testing.T) {
	h := sampleHarness(t)
	c := h.client(t, zendesk.OAuthToken(bearerToken), func(cfg *zendesk.Config) { cfg.RequestsPerMinute = 60 })
	for range 12 {
		if _, err := c.Me(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// Burst of 10 (ten seconds' worth), then one request per second.
	if diff := cmp.Diff([]time.Duration{time.Second, time.Second}, h.clock.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestCustomRoles(t *testing.T) {
	tests := []struct {
		name      string
		fault     *zendesktest.Fault
		wantRoles int
		wantKind  zendesk.ErrorKind
	}{
		{name: "enterprise", wantRoles: 4},
		{name: "plan without custom roles: 403", fault: &zendesktest.Fault{Status: 403}, wantKind: zendesk.ErrForbidden},
		{name: "plan without custom roles: 404", fault: &zendesktest.Fault{Status: 404}, wantKind: zendesk.ErrNotFound},
		{name: "401 is still an error", fault: &zendesktest.Fault{Status: 401}, wantKind: zendesk.ErrAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := sampleHarness(t)
			if tt.fault != nil {
				h.srv.InjectFault(zendesktest.EndpointCustomRoles, *tt.fault)
			}
			roles, err := h.client(t, zendesk.OAuthToken(bearerToken)).CustomRoles(context.Background())
			if tt.wantKind != "" {
				if !errors.Is(err, tt.wantKind) {
					t.Fatalf("err = %v, want %v", err, tt.wantKind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if roles == nil || len(roles) != tt.wantRoles {
				t.Errorf("roles = %v, want %d (non-nil)", roles, tt.wantRoles)
			}
		})
	}
}

func TestAPITokenWarningLoggedOnce(t *testing.T) {
	h := sampleHarness(t)
	c := h.client(t, zendesk.APIToken(ownerEmail, apiToken))
	for range 3 {
		if _, err := c.Me(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	logs := h.logs.String()
	if n := strings.Count(logs, "2027-04-30"); n != 1 {
		t.Fatalf("retirement warning logged %d times:\n%s", n, logs)
	}
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "2027-04-30") {
			for _, want := range []string{"level=WARN", "ZENDESK_OAUTH_CLIENT_ID", "ZENDESK_OAUTH_CLIENT_SECRET"} {
				if !strings.Contains(line, want) {
					t.Errorf("warning %q lacks %q", line, want)
				}
			}
		}
	}
	h2 := sampleHarness(t)
	h2.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))
	if strings.Contains(h2.logs.String(), "2027-04-30") {
		t.Error("warning logged for OAuth")
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	h := sampleHarness(t)
	h.srv.InjectFault(zendesktest.AllEndpoints, zendesktest.Fault{Status: 503, Times: 2})
	auths := []zendesk.Auth{
		zendesk.OAuthClientCredentials(clientID, clientSecret),
		zendesk.OAuthClientCredentials(clientID, "wrong-"+clientSecret),
		zendesk.OAuthToken(bearerToken),
		zendesk.OAuthToken("wrong-" + bearerToken),
		zendesk.APIToken(ownerEmail, apiToken),
		zendesk.APIToken(ownerEmail, "wrong-"+apiToken),
	}
	var printed strings.Builder
	for _, auth := range auths {
		cfg := zendesk.Config{BaseURL: h.srv.URL, Auth: auth}
		c := h.client(t, auth)
		_, err := c.Me(context.Background())
		_, err2 := c.UpdateUser(context.Background(), 900000000103, zendesk.UserUpdate{Role: ptr("bogus")})
		for _, v := range []any{auth, cfg, &cfg, c, err, err2} {
			fmt.Fprintf(&printed, "%v %+v %#v\n", v, v, v)
		}
		if err != nil {
			printed.WriteString(err.Error())
		}
	}
	out := printed.String() + h.logs.String()
	for _, secret := range []string{clientSecret, apiToken, bearerToken,
		"Basic ", // the encoded API token credentials
	} {
		if strings.Contains(out, secret) {
			t.Errorf("output contains %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "[redacted]") {
		t.Error("expected redacted placeholders in printed auth values")
	}
}

func ptr[T any](v T) *T { return &v }

func TestGetUser(t *testing.T) {
	h := sampleHarness(t)
	c := h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))
	u, err := c.GetUser(context.Background(), 900000000103)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := h.srv.User(900000000103)
	if diff := cmp.Diff(stored, u, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".URL" }, cmp.Ignore())); diff != "" {
		t.Errorf("GetUser differs from the server's user (-server +returned):\n%s", diff)
	}
	for _, tt := range []struct {
		id   int64
		want zendesk.ErrorKind
	}{{42, zendesk.ErrNotFound}, {0, zendesk.ErrInvalid}} {
		if _, err := c.GetUser(context.Background(), tt.id); !errors.Is(err, tt.want) {
			t.Errorf("GetUser(%d) = %v, want %v", tt.id, err, tt.want)
		}
	}
}
