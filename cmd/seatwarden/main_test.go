package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/internal/syncbuf"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

// invocation runs the binary's entry point with its own environment.
type invocation struct {
	env            map[string]string
	stdout, stderr syncbuf.Buffer
}

func (inv *invocation) run(ctx context.Context, args ...string) int {
	return run(ctx, args, env{stdout: &inv.stdout, stderr: &inv.stderr, getenv: func(k string) string { return inv.env[k] }})
}

const (
	testClientID     = "seatwarden-test"
	testClientSecret = "s3cret-never-printed"
)

// zendeskEnv starts an emulated account and returns the environment that
// points the bot at it with a fresh data directory.
func zendeskEnv(t *testing.T) (map[string]string, *zendesktest.Server) {
	t.Helper()
	emu := zendesktest.NewServer(zendesktest.SampleOrg(time.Now()), zendesktest.WithOAuthClient(testClientID, testClientSecret, true))
	t.Cleanup(emu.Close)
	return map[string]string{
		"ZENDESK_URL":                 emu.URL,
		"ZENDESK_OAUTH_CLIENT_ID":     testClientID,
		"ZENDESK_OAUTH_CLIENT_SECRET": testClientSecret,
		"SEATWARDEN_DATA_DIR":         t.TempDir(),
		"SEATWARDEN_LOG_LEVEL":        "warn",
	}, emu
}

func TestUsageAndBadInput(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int
		wantStderr string
	}{
		{"no command", nil, nil, 2, "Usage:"},
		{"a typo of a command", []string{"serv"}, nil, 2, `seatwarden: unknown command "serv"; did you mean "serve"? Run "seatwarden help" for every command.`},
		{"an unknown command", []string{"frobnicate"}, nil, 2, `seatwarden: unknown command "frobnicate". Run "seatwarden help" for every command.`},
		{"run-job without a name", []string{"run-job"}, nil, 2, "name one job, e.g. seatwarden run-job sync"},
		{"unknown flag", []string{"doctor", "--verbose"}, nil, 2, "flag provided but not defined: -verbose"},
		{"emulate needs a system", []string{"emulate"}, nil, 2, "Usage: seatwarden emulate zendesk"},
		{"emulate github with seats but no members", []string{"emulate", "github", "--seats", "5"}, nil, 2, "--seats needs --members"},
		{"missing policy file", []string{"--config", "/nonexistent/policy.yaml", "run-job", "sync"}, nil, 1, "/nonexistent/policy.yaml"},
		{"--config after the command", []string{"run-job", "--config", "/nonexistent/after.yaml", "sync"}, nil, 1, "/nonexistent/after.yaml"},
		{"bad env value names the variable", []string{"run-job", "sync"}, map[string]string{"SEATWARDEN_LOG_FORMAT": "xml"}, 1, "SEATWARDEN_LOG_FORMAT"},
		{"serve without Zendesk says what to set", []string{"serve"}, map[string]string{"SEATWARDEN_DATA_DIR": "-"}, 1, "ZENDESK_URL"},
		{"half an OAuth pair", []string{"run-job", "sync"}, map[string]string{"ZENDESK_URL": "https://acme.zendesk.com", "ZENDESK_OAUTH_CLIENT_ID": "x"}, 1, "ZENDESK_OAUTH_CLIENT_SECRET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &invocation{env: tt.env}
			code := inv.run(context.Background(), tt.args...)
			if code != tt.wantCode || !strings.Contains(inv.stderr.String(), tt.wantStderr) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", code, inv.stderr.String(), tt.wantCode, tt.wantStderr)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	inv := &invocation{}
	if code := inv.run(context.Background(), "version"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !regexp.MustCompile(`^seatwarden \S+ \(commit \S+, go1\.\d+`).MatchString(inv.stdout.String()) {
		t.Errorf("version output %q", inv.stdout.String())
	}
}

func TestRunJobSync(t *testing.T) {
	envs, emu := zendeskEnv(t)
	inv := &invocation{env: envs}
	if code := inv.run(context.Background(), "run-job", "sync"); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, inv.stderr.String())
	}
	out := inv.stdout.String()
	if !strings.HasPrefix(out, "sync: ok in ") || !strings.Contains(out, "incremental_users 1") || !strings.Contains(out, "oauth_tokens 1") {
		t.Errorf("stdout:\n%s", out)
	}
	if emu.Requests(zendesktest.EndpointIncrementalUsers) != 1 {
		t.Errorf("export requests = %d, want 1", emu.Requests(zendesktest.EndpointIncrementalUsers))
	}

	inv = &invocation{env: envs}
	if code := inv.run(context.Background(), "run-job", "token-digest"); code != 1 || !strings.Contains(inv.stderr.String(), "no chat transport is configured") {
		t.Errorf("run-job token-digest without a transport: exit %d, stderr %s", code, inv.stderr.String())
	}
	inv = &invocation{env: envs}
	if code := inv.run(context.Background(), "run-job", "inactive-digest"); code != 1 || !strings.Contains(inv.stderr.String(), "no chat transport is configured") {
		t.Errorf("run-job inactive-digest without Slack: exit %d, stderr %s", code, inv.stderr.String())
	}

	st, err := boltstore.Open(filepath.Join(envs["SEATWARDEN_DATA_DIR"], "seatwarden.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	snap, err := st.LoadSnapshot(context.Background(), connector.Zendesk)
	if err != nil || len(snap.Staff) == 0 {
		t.Fatalf("no snapshot after run-job sync: %v", err)
	}
	// The job lock was released on exit.
	if _, err := st.AcquireLock(context.Background(), "job:sync", "test", time.Minute); err != nil {
		t.Errorf("lock still held after run-job: %v", err)
	}
}

func TestRunJobKeepsSnapshotWhenZendeskFails(t *testing.T) {
	envs, emu := zendeskEnv(t)
	inv := &invocation{env: envs}
	if code := inv.run(context.Background(), "run-job", "sync"); code != 0 {
		t.Fatalf("first sync: exit %d; %s", code, inv.stderr.String())
	}
	emu.InjectFault(zendesktest.EndpointIncrementalUsers, zendesktest.Fault{Malformed: true})
	inv = &invocation{env: envs}
	code := inv.run(context.Background(), "run-job", "sync")
	if code != 1 || !strings.Contains(inv.stderr.String(), "sync zendesk: user export page 1") {
		t.Fatalf("malformed export: exit %d, stderr:\n%s", code, inv.stderr.String())
	}
	st, err := boltstore.Open(filepath.Join(envs["SEATWARDEN_DATA_DIR"], "seatwarden.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.LoadSnapshot(context.Background(), connector.Zendesk); err != nil {
		t.Errorf("the previous snapshot is gone: %v", err)
	}
}

func TestDoctor(t *testing.T) {
	slackSrv := slacktest.NewServer()
	defer slackSrv.Close()
	teamsToken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("client_secret") != "teams-pass" {
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "t", "token_type": "Bearer", "expires_in": 3600})
	}))
	defer teamsToken.Close()

	tests := []struct {
		name     string
		env      map[string]string
		wantCode int
		want     []string
	}{
		{
			name:     "everything configured and working",
			env:      map[string]string{"SLACK_BOT_TOKEN": slacktest.DefaultBotToken, "SLACK_SIGNING_SECRET": "sign", "SLACK_API_URL": "", "TEAMS_APP_ID": "app", "TEAMS_APP_PASSWORD": "teams-pass", "TEAMS_TENANT_ID": "tenant", "TEAMS_TOKEN_URL": teamsToken.URL},
			wantCode: 0,
			want:     []string{"ok    config ", "ok    store    no embedded store yet: serve creates ", "ok    zendesk  ", "ok    reach    1 admin; people are reached on Slack and Teams", "(admin) via oauth-client-credentials", "ok    slack    bot @", "ok    teams    Bot Framework token issued"},
		},
		{
			name:     "Socket Mode with a working app token",
			env:      map[string]string{"SLACK_BOT_TOKEN": slacktest.DefaultBotToken, "SLACK_APP_TOKEN": slacktest.DefaultAppToken, "SLACK_API_URL": ""},
			wantCode: 0,
			want:     []string{"ok    slack    bot @", "Socket Mode (app token accepted)"},
		},
		{
			name:     "Socket Mode with a refused app token",
			env:      map[string]string{"SLACK_BOT_TOKEN": slacktest.DefaultBotToken, "SLACK_APP_TOKEN": "xapp-1-revoked", "SLACK_API_URL": ""},
			wantCode: 1,
			want:     []string{"FAIL  slack    apps.connections.open: invalid_auth — fix: check SLACK_APP_TOKEN"},
		},
		{
			name:     "chat transports off are skipped, and nobody can be reached",
			env:      map[string]string{"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": "", "SLACK_API_URL": ""},
			wantCode: 1,
			want: []string{"skip  slack    SLACK_BOT_TOKEN not set", "skip  teams    TEAMS_APP_ID not set",
				"FAIL  reach    no Slack or Teams is set up: nobody can be asked, told or answered — fix: set SLACK_BOT_TOKEN"},
		},
		{
			name:     "no admins",
			env:      map[string]string{"SLACK_BOT_TOKEN": slacktest.DefaultBotToken, "SLACK_SIGNING_SECRET": "sign", "SLACK_API_URL": "", "SEATWARDEN_CONFIG": ""},
			wantCode: 1,
			want:     []string{"FAIL  reach    the policy names no admins"},
		},
		{
			name:     "wrong Zendesk secret",
			env:      map[string]string{"ZENDESK_OAUTH_CLIENT_SECRET": "wrong"},
			wantCode: 1,
			want:     []string{"FAIL  zendesk", "fix: Zendesk rejected the credentials: check ZENDESK_OAUTH_CLIENT_ID and ZENDESK_OAUTH_CLIENT_SECRET"},
		},
		{
			name:     "Zendesk unreachable",
			env:      map[string]string{"ZENDESK_URL": "http://127.0.0.1:1"},
			wantCode: 1,
			want:     []string{"FAIL  zendesk", "fix: check ZENDESK_URL"},
		},
		{
			name:     "no Zendesk URL",
			env:      map[string]string{"ZENDESK_URL": "", "ZENDESK_OAUTH_CLIENT_ID": "", "ZENDESK_OAUTH_CLIENT_SECRET": ""},
			wantCode: 1,
			want:     []string{"FAIL  zendesk", "ZENDESK_URL"},
		},
		{
			name:     "wrong Teams password",
			env:      map[string]string{"TEAMS_APP_ID": "app", "TEAMS_APP_PASSWORD": "nope", "TEAMS_TENANT_ID": "tenant", "TEAMS_TOKEN_URL": teamsToken.URL},
			wantCode: 1,
			want:     []string{"FAIL  teams    Bot Framework token: invalid_client (HTTP 401)"},
		},
		{
			name:     "Redis that does not answer",
			env:      map[string]string{"REDIS_URL": "redis://:hunter2-redis@127.0.0.1:1/0"},
			wantCode: 1,
			want:     []string{"FAIL  store", "fix: check REDIS_URL"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			envs, _ := zendeskEnv(t)
			envs["SEATWARDEN_CONFIG"] = writePolicy(t, "admins: [dana@acme.example]\n")
			for k, v := range tt.env {
				envs[k] = v
			}
			if _, ok := tt.env["SLACK_API_URL"]; ok {
				envs["SLACK_API_URL"] = slackSrv.APIURL()
			}
			inv := &invocation{env: envs}
			code := inv.run(context.Background(), "doctor")
			out := inv.stdout.String()
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; output:\n%s%s", code, tt.wantCode, out, inv.stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			// Doctor looks; it creates nothing.
			if entries, err := os.ReadDir(envs["SEATWARDEN_DATA_DIR"]); err == nil && len(entries) > 0 {
				t.Errorf("doctor wrote to the data directory: %v", entries)
			}
			for _, secret := range []string{testClientSecret, "teams-pass", "hunter2-redis", "xoxb-test"} {
				if strings.Contains(out+inv.stderr.String(), secret) {
					t.Errorf("doctor printed a secret (%s):\n%s", secret, out)
				}
			}
		})
	}
}

var addrInLog = regexp.MustCompile(`"msg":"seatwarden serving","addr":"([^"]+)"`)

func TestServeAnswersAndShutsDownCleanly(t *testing.T) {
	envs, _ := zendeskEnv(t)
	envs["SEATWARDEN_ADDR"] = "127.0.0.1:0"
	envs["SEATWARDEN_LOG_LEVEL"] = "info"
	inv := &invocation{env: envs}
	ctx, stop := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	go func() { exited <- inv.run(ctx, "serve") }()

	var base string
	deadline := time.Now().Add(10 * time.Second)
	for base == "" && time.Now().Before(deadline) {
		if m := addrInLog.FindStringSubmatch(inv.stderr.String()); m != nil {
			base = "http://" + m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if base == "" {
		stop()
		t.Fatalf("serve did not start; stderr:\n%s", inv.stderr.String())
	}
	// The first sync starts by itself on a fresh store; readiness holds.
	waitFor(t, func() bool { return strings.Contains(inv.stderr.String(), `"msg":"seat snapshot synced"`) })
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", path, resp.StatusCode)
		}
	}

	stop() // what SIGTERM does through signal.NotifyContext
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("serve exited %d after shutdown; stderr:\n%s", code, inv.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(inv.stderr.String(), `"msg":"stopped cleanly"`) {
		t.Errorf("no clean stop logged:\n%s", inv.stderr.String())
	}
	if strings.Contains(inv.stderr.String(), testClientSecret) {
		t.Error("a secret reached the log")
	}
	st, err := boltstore.Open(filepath.Join(envs["SEATWARDEN_DATA_DIR"], "seatwarden.db"), boltstore.Options{})
	if err != nil {
		t.Fatalf("store still held after shutdown: %v", err)
	}
	defer st.Close()
	if _, err := st.LoadSnapshot(context.Background(), connector.Zendesk); err != nil {
		t.Errorf("no snapshot after the startup sync: %v", err)
	}
	if _, err := st.AcquireLock(context.Background(), "job:sync", "test", time.Minute); err != nil {
		t.Errorf("job lock not released at shutdown: %v", err)
	}
}

func TestDemoScenarioHolds(t *testing.T) {
	inv := &invocation{env: map[string]string{}}
	code := inv.run(context.Background(), "demo")
	out := inv.stdout.String()
	if code != 0 {
		t.Fatalf("demo exit %d\nstdout:\n%s\nstderr:\n%s", code, out, inv.stderr.String())
	}
	for _, want := range []string{
		"[job sync] startup sync: full",
		"Dana Field › /warden seats",
		"[job sync] GitHub: 8 members read",
		"▍Seats: 16 paid · $1,360/month across Zendesk and GitHub",
		"│ Zendesk · 11 paid · $1,265/month",
		"▍GitHub seats: 5 paid · $95/month",
		"▍Seat review: 8 inactive seats across Zendesk and GitHub, $632/month",
		"│ GitHub · Member · last Copilot activity",
		"In GitHub, old-migration no longer has access to the organization",
		"In GitHub, jberg's Copilot seat is cancelled",
		"\"gitlab\" is not a governed SaaS; this bot governs zendesk, github",
		"Sorry, \"seats\" is only for Zendesk admins",
		"Usage error: DAYS must be a whole number",
		"scheduled sync: incremental, 1 user read in 1 export request",
		"│ Zendesk · 10 paid · $1,150/month",
		"GET /readyz  → 200 ready",
		"✓ Scenario holds",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("transcript lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, demoClientSecret) {
		t.Error("the transcript shows the client secret")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var _ store.Store = (*boltstore.Store)(nil)

// TestServeOverSocketMode: with SLACK_APP_TOKEN, serve connects out to
// Slack and answers a slash command in the acknowledgement; the Slack HTTP
// endpoints are not mounted.
func TestServeOverSocketMode(t *testing.T) {
	envs, _ := zendeskEnv(t)
	sl := slacktest.NewServer(slacktest.WithUser(slacktest.User{ID: "U0DANA", Name: "dana", RealName: "Dana Field", Email: "dana@acme.example"}))
	t.Cleanup(sl.Close)
	envs["SEATWARDEN_ADDR"] = "127.0.0.1:0"
	envs["SEATWARDEN_LOG_LEVEL"] = "info"
	envs["SLACK_BOT_TOKEN"] = slacktest.DefaultBotToken
	envs["SLACK_APP_TOKEN"] = slacktest.DefaultAppToken
	envs["SLACK_API_URL"] = sl.APIURL()
	envs["SEATWARDEN_CONFIG"] = writePolicy(t, "admins: [dana@acme.example]\n")
	inv := &invocation{env: envs}
	ctx, stop := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	go func() { exited <- inv.run(ctx, "serve") }()
	defer func() {
		stop()
		select {
		case code := <-exited:
			if code != 0 {
				t.Errorf("serve exited %d; stderr:\n%s", code, inv.stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	}()

	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sl.WaitSocket(wctx); err != nil {
		t.Fatalf("no Socket Mode connection; stderr:\n%s", inv.stderr.String())
	}
	waitFor(t, func() bool { return strings.Contains(inv.stderr.String(), `"msg":"seat snapshot synced"`) })
	ack, err := sl.SendEnvelope(ctx, slacktest.EnvelopeSlashCommand, map[string]string{
		"command": "/warden", "text": "seats", "user_id": "U0DANA", "team_id": sl.TeamID(), "channel_id": "C0SEATS",
		"response_url": sl.NewResponseURL("C0SEATS", "U0DANA")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ack), "Seats: 11 paid") {
		t.Errorf("ack %s, want the seat summary", ack)
	}
	m := addrInLog.FindStringSubmatch(inv.stderr.String())
	if m == nil {
		t.Fatal("no address logged")
	}
	resp, err := http.Post("http://"+m[1]+"/slack/commands", "application/x-www-form-urlencoded", strings.NewReader("text=seats"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /slack/commands in Socket Mode = %d, want 404", resp.StatusCode)
	}
}

// reachEnv is what makes a deployment reach people, for doctor: an admin
// in the policy, and an emulated Slack workspace to reach them on.
func reachEnv(t *testing.T) map[string]string {
	t.Helper()
	srv := slacktest.NewServer()
	t.Cleanup(srv.Close)
	return map[string]string{
		"SLACK_BOT_TOKEN": slacktest.DefaultBotToken, "SLACK_SIGNING_SECRET": "sign", "SLACK_API_URL": srv.APIURL(),
		"SEATWARDEN_CONFIG": writePolicy(t, "admins: [dana@acme.example]\n"),
	}
}

// withEnv adds more to envs.
func withEnv(envs, more map[string]string) {
	for k, v := range more {
		envs[k] = v
	}
}

func writePolicy(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
