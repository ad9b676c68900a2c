package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/oidc/oidctest"
	"github.com/seatwarden/seatwarden/integrations/okta/oktatest"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/telemetry"
)

// Demo credentials of the emulated accounts. They exist only inside this
// process.
const (
	demoClientID      = "seatwarden-demo"
	demoClientSecret  = "demo-client-secret"
	demoSigningSecret = "demo-slack-signing-secret"
)

// demoPerson is someone in the demo's Slack workspace.
type demoPerson struct{ slackID, name, email string }

var (
	demoAdmin    = demoPerson{"U0DANA", "Dana Field", "dana@acme.example"}
	demoOwner    = demoPerson{"U0OMAR", "Omar Haddad", "omar@acme.example"}
	demoStranger = demoPerson{"U0PRIYA", "Priya Natarajan", "priya@acme.example"}
	// demoManager is Priya's manager, who confirms her access requests.
	demoManager = demoPerson{"U0LEE", "Lee Okafor", "lee@acme.example"}
)

func demoCmd(ctx context.Context, args []string, e env) error {
	fs := newFlags("demo", "demo [--keep-running] [--data-dir DIR]\n\nRuns the bot against a built-in Zendesk emulator with a sample account and prints what happens.", e)
	keep := fs.Bool("keep-running", false, "leave the bot and the emulator running and print how to reach them")
	dataDir := fs.String("data-dir", "", "where the embedded store keeps its file (default: a temporary directory, removed afterwards)")
	verbose := fs.Bool("v", false, "also print the bot's JSON logs")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(e)
	if err != nil {
		return err
	}
	d := &demo{out: e.stdout}
	logOut := io.Discard
	if *verbose {
		logOut = e.stderr
	}
	log, err := telemetry.NewLogger(logOut, "info", "json")
	if err != nil {
		return err
	}
	if err := d.run(ctx, cfg, *dataDir, *keep, log); err != nil {
		return err
	}
	return nil
}

// demo is the scripted scenario: sync a sample org, answer the seat
// question, change the org in "Zendesk", sync incrementally, answer again.
type demo struct {
	out      io.Writer
	failed   []string
	base     string
	slackEmu *slacktest.Server
	// idp is the company's emulated sign-in, for step-up.
	idp *oidctest.Server
}

func (d *demo) say(format string, a ...any) { fmt.Fprintf(d.out, format+"\n", a...) }

// expect records a scenario check; the demo exits non-zero if any fails.
// It returns okay, so a scene can stop at a failed step.
func (d *demo) expect(okay bool, format string, a ...any) bool {
	if !okay {
		d.failed = append(d.failed, fmt.Sprintf(format, a...))
		d.say("  ✗ "+format, a...)
	}
	return okay
}

func (d *demo) run(ctx context.Context, cfg *config.Config, dataDir string, keep bool, log *slog.Logger) error {
	now := time.Now()
	org := zendesktest.SampleOrg(now)
	emu := zendesktest.NewServer(org, zendesktest.WithOAuthClient(demoClientID, demoClientSecret, true))
	defer emu.Close()
	var people []slacktest.Option
	for _, p := range []demoPerson{demoAdmin, demoOwner, demoStranger, demoManager} {
		people = append(people, slacktest.WithUser(slacktest.User{ID: p.slackID, Name: strings.ToLower(strings.Fields(p.name)[0]), RealName: p.name, Email: p.email}))
	}
	sl := slacktest.NewServer(append(people, slacktest.WithTeam("T0ACME", "Acme Support"))...)
	defer sl.Close()
	d.slackEmu = sl

	if dataDir == "" {
		tmp, err := os.MkdirTemp("", "seatwarden-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dataDir = tmp
	}
	// The demo is self-contained: whatever the environment says about
	// Zendesk or Redis, it talks to the emulator and the embedded store.
	cfg.Zendesk = config.Zendesk{URL: emu.URL, OAuthClientID: demoClientID, OAuthClientSecret: config.NewSecret(demoClientSecret)}
	cfg.Redis = config.Redis{}
	cfg.DataDir = dataDir
	cfg.Slack = config.Slack{BotToken: config.NewSecret(slacktest.DefaultBotToken), SigningSecret: config.NewSecret(demoSigningSecret), APIURL: sl.APIURL()}
	tm := newDemoTeams(cfg)
	defer tm.Close()
	oktaEmu := newDemoOkta(org, now)
	defer oktaEmu.Close()
	cfg.Identity = config.Identity{OktaURL: oktaEmu.URL, OktaToken: config.NewSecret(oktatest.DefaultToken)}
	gh, err := newDemoGitHub(cfg, now)
	if err != nil {
		return err
	}
	defer gh.Close()
	// Step-up sends approvers to the sign-in and back to the bot's public
	// address, which must be known before the bot starts: take a free port.
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	d.idp = oidctest.NewServer(oidctest.WithClient(demoOIDCClient, demoOIDCSecret, "http://"+addr+"/stepup/callback"))
	defer d.idp.Close()
	cfg.PublicURL = "http://" + addr
	cfg.OIDC = config.OIDC{Issuer: d.idp.URL, ClientID: demoOIDCClient, ClientSecret: config.NewSecret(demoOIDCSecret)}
	if cfg.PolicyPath == "" {
		cfg.Policy.Timezone = "Europe/Berlin"
		cfg.Policy.Admins = []string{demoAdmin.email}
		cfg.Policy.Owners = []config.Owner{{Group: "Tier 2", Owner: demoOwner.email}, {Default: demoAdmin.email}}
		cfg.Policy.AdminChannel = demoAdminChannel
		cfg.Policy.Approvals.Channel = demoApprovalsChannel
		cfg.Policy.Approvals.Approvers = []string{demoStranger.email}
		demoAccessPolicy(&cfg.Policy)
		// Access grants count only after the approver signs in again,
		// with a second factor.
		cfg.Policy.StepUp = config.StepUpPolicy{For: []string{config.StepUpAccess}, ACR: "mfa"}
	}

	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	syncs := make(chan seats.SyncResult, 4)
	ghSyncs := make(chan seats.SyncResult, 4)
	a.onSync = func(r seats.SyncResult) {
		// Never block a sync on the transcript: with --keep-running the
		// scheduler goes on syncing long after the script has read.
		to := syncs
		if r.Snapshot.Connector == connector.GitHub {
			to = ghSyncs
		}
		select {
		case to <- r:
		default:
		}
	}

	srvCtx, stopServer := context.WithCancel(ctx)
	defer stopServer()
	addrc := make(chan string, 1)
	served := make(chan error, 1)
	go func() { served <- a.serve(srvCtx, addr, func(addr string) { addrc <- addr }) }()
	select {
	case addr = <-addrc:
	case err := <-served:
		return fmt.Errorf("bot did not start: %w", err)
	}
	base := "http://" + addr
	d.base = base

	staffCount, endUsers := 0, 0
	for _, u := range org.Users {
		if u.Role == zendesk.RoleEndUser {
			endUsers++
		} else {
			staffCount++
		}
	}
	d.say("seatwarden demo: the real bot on this machine, no accounts needed")
	d.say("")
	d.say("• Zendesk: emulated account %q with %d users (%d staff, %d end users) at %s", org.Subdomain, len(org.Users), staffCount, endUsers, emu.URL)
	d.say("• Store:   embedded file in %s", dataDir)
	d.say("• Slack:   emulated workspace %q at %s; %s is an admin, %s owns Tier 2, %s is neither", "Acme Support", sl.URL, demoAdmin.name, demoOwner.name, demoStranger.name)
	d.say("• Teams:   emulated tenant with team %q (Bot Framework OpenID metadata, token endpoint and Connector) at %s", "Support", tm.URL)
	d.say("• GitHub:  emulated organisation %q with %d members and %d Copilot seats at %s, governed as seatwarden's GitHub App", gh.OrgLogin(), len(gh.org.Members), len(gh.org.CopilotSeats), gh.APIURL())
	d.say("• Okta:    emulated org with %d people, the company directory, at %s", len(oktaEmu.Users()), oktaEmu.URL)
	d.say("• Bot:     serving %s (/slack/commands, /api/messages, /healthz, /readyz, /metrics); scheduler on, sync runs %q in %s", base, cfg.Policy.Schedules[jobs.NameSync], cfg.Policy.Timezone)
	d.say("")

	// On a fresh store the bot starts its first sync by itself.
	first, ok := d.awaitSync(ctx, emu, syncs, "startup sync")
	d.expect(ok && first.Full, "the bot's first sync is a full sync")
	d.awaitGitHubSync(ctx, gh, ghSyncs)
	before := d.summary(ctx, a)
	d.say("")
	d.say("Slack, through signed requests to %s/slack/commands:", base)
	d.expectReply(ctx, demoAdmin, "seats", "Paid seats")
	d.expectReply(ctx, demoOwner, "seats inactive", "Tier 2")
	d.expectReply(ctx, demoStranger, "seats", "admins")
	d.expectReply(ctx, demoAdmin, "seats inactive abc", "e.g. /warden seats inactive")
	d.expectReply(ctx, demoAdmin, "seats user tom@acme.example", "Tom Reilly")
	d.expectReply(ctx, demoAdmin, "seats github", "GitHub seats: 5 paid")
	d.expectReply(ctx, demoAdmin, "seats gitlab", "this bot governs zendesk, github")

	victim, ok := pickInactiveAgent(ctx, a, now)
	d.expect(ok, "the sample account has an inactive agent to demote")
	if ok {
		d.say("")
		d.say("In Zendesk, an admin demotes %s <%s> (%s, last seen %d days ago) to end user.", victim.User.Name, victim.User.Email, victim.RoleName, victim.DaysInactive)
		emu.UpdateUser(victim.User.ID, func(u *zendesk.User) { u.Role = zendesk.RoleEndUser; u.CustomRoleID = nil; u.RoleType = nil })
		// Zendesk's export never returns the most recent minute: let two
		// minutes pass on the emulator's clock.
		emu.Advance(2 * time.Minute)
		d.say("Two minutes later the scheduled sync runs again.")
		d.expect(runSoon(ctx, a) == nil, "the scheduled sync runs")
		if last, ok := d.awaitSync(ctx, emu, syncs, "scheduled sync"); ok {
			d.expect(!last.Full, "the second sync is incremental")
			d.expect(last.Requests == 1, "an incremental sync with one change reads one export page (read %d)", last.Requests)
			d.expect(last.Removed == 1, "the demoted agent leaves the snapshot (removed %d)", last.Removed)
		}
		d.expectReply(ctx, demoAdmin, "seats", "Paid seats")
		after := d.summary(ctx, a)
		d.expect(after.Paid.Seats == before.Paid.Seats-1, "paid seats drop by one (%d → %d)", before.Paid.Seats, after.Paid.Seats)
		d.expect(after.Paid.Cost < before.Paid.Cost, "monthly cost drops")
	}

	d.review(ctx, a, emu)
	d.copilotReview(ctx, a, gh)
	d.tokens(ctx, a, emu, gh)
	d.approvals(ctx, a, emu)
	d.access(ctx, a, emu)
	d.verify(ctx, a, emu)
	d.leavers(ctx, a, oktaEmu, emu)
	d.say("")
	d.say("The account's security posture, each finding with what fixes it:")
	d.expectReply(ctx, demoAdmin, "posture", "1 risky custom role: Team Lead")
	d.teamsScene(ctx, a, tm)

	d.say("")
	d.say("Operations endpoints, over HTTP:")
	for _, path := range []string{"/healthz", "/readyz"} {
		status, body := httpGet(ctx, base+path)
		d.say("  GET %-8s → %d %s", path, status, strings.TrimSpace(body))
		d.expect(status == http.StatusOK, "GET %s answers 200", path)
	}
	status, body := httpGet(ctx, base+"/metrics")
	d.expect(status == http.StatusOK, "GET /metrics answers 200")
	for _, want := range []string{`seatwarden_job_runs_total{job="sync",result="ok"}`, `seatwarden_zendesk_requests_total{endpoint="incremental_users",status="200"}`, `seatwarden_paid_seats{activity="inactive"}`} {
		line := metricLine(body, want)
		d.expect(line != "", "/metrics has %s", want)
		if line != "" {
			d.say("  GET /metrics  → %s", line)
		}
	}

	if keep {
		d.say("")
		d.say("Still running. Ask the bot as %s (the snippet signs the request at the moment you paste it):", demoAdmin.name)
		body := url.Values{"command": {"/warden"}, "text": {"seats inactive 60"}, "user_id": {demoAdmin.slackID},
			"team_id": {"T0ACME"}, "channel_id": {"C0SEATS"}, "response_url": {sl.NewResponseURL("C0SEATS", demoAdmin.slackID)}}.Encode()
		d.say("  body='%s'; ts=$(date +%%s); sig=$(printf 'v0:%%s:%%s' \"$ts\" \"$body\" | openssl dgst -sha256 -hmac '%s' | sed 's/^.* //'); curl -s %s/slack/commands -H \"X-Slack-Request-Timestamp: $ts\" -H \"X-Slack-Signature: v0=$sig\" --data \"$body\"",
			body, demoSigningSecret, base)
		d.say("Or look around:")
		d.say("  curl -s %s/readyz", base)
		d.say("  curl -s %s/metrics | grep ^seatwarden_", base)
		d.say("  ZENDESK_URL=%s ZENDESK_OAUTH_CLIENT_ID=%s ZENDESK_OAUTH_CLIENT_SECRET=%s SEATWARDEN_DATA_DIR=$(mktemp -d) seatwarden doctor", emu.URL, demoClientID, demoClientSecret)
		d.say("Press Ctrl-C to stop.")
		<-ctx.Done()
	}
	stopServer()
	if err := <-served; err != nil {
		d.failed = append(d.failed, "clean shutdown: "+err.Error())
	}

	d.say("")
	if len(d.failed) > 0 {
		return fmt.Errorf("the scenario did not hold:\n%s", strings.Join(d.failed, "\n"))
	}
	d.say("✓ Scenario holds: full sync of Zendesk and of a GitHub organisation as its App; seat questions answered in Slack for an admin, an owner and a stranger, across both SaaS and for GitHub alone, and an unknown SaaS named with the governed ones; a bad argument explained; incremental sync of a demotion; paid seats and cost down; a seat review with a digest per owner, a Keep with its reason and a Remove carried out in Zendesk; idle Copilot seats in the same digest as Zendesk's and a Remove that cancels the seat in GitHub once; the credential register with its orphan digest, a claim and an OAuth token revoked in Zendesk; GitHub's register beside it and a fine-grained token's access revoked in GitHub; an app request refused to its own requester, approved by two approvers in its thread, marked installed and found by the next sync; an admin request confirmed by the requester's manager by number matching, approved after step-up sign-ins, granted in Zendesk and taken back on time; a caller verified by number and a wrong number that alerts security; someone deactivated in Okta whose active seat reached its owner at the next identity-sync and was removed from that message; the security posture naming a risky custom role; the same commands on Teams in a chat and a channel, and a Keep answered on a Teams card; health, readiness and metrics served.")
	return nil
}

// runSoon runs the sync job, waiting out the moment in which the startup
// run has reported but not yet released its lock.
func runSoon(ctx context.Context, a *app) error {
	def, err := a.jobs.Lookup(jobs.NameSync)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := a.runner.Run(ctx, def)
		if !errors.Is(err, jobs.ErrLocked) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// awaitSync waits for the next sync to finish and prints what it did and
// which Zendesk calls it made.
func (d *demo) awaitSync(ctx context.Context, emu *zendesktest.Server, syncs <-chan seats.SyncResult, label string) (seats.SyncResult, bool) {
	var r seats.SyncResult
	select {
	case r = <-syncs:
	case <-time.After(30 * time.Second):
		d.expect(false, "%s finished within 30s", label)
		return r, false
	case <-ctx.Done():
		return r, false
	}
	kind := "incremental"
	if r.Full {
		kind = "full"
	}
	d.say("[job sync] %s: %s, %d %s read in %d export %s; %d staff in the snapshot (%+d); %s",
		label, kind, r.Seen, plural(r.Seen, "user", "users"), r.Requests, plural(r.Requests, "request", "requests"),
		r.StaffAfter, r.StaffAfter-r.StaffBefore, r.Duration.Round(time.Millisecond))
	var calls []string
	for _, ep := range []string{"oauth_token", "custom_roles", "groups", "group_memberships", "incremental_users"} {
		if n := emu.Requests(ep); n > 0 {
			calls = append(calls, fmt.Sprintf("%s %d", ep, n))
		}
	}
	d.say("           Zendesk calls so far: %s", strings.Join(calls, ", "))
	return r, true
}

// summary evaluates the snapshot directly, to check the answers against.
func (d *demo) summary(ctx context.Context, a *app) seats.Summary {
	snap, err := a.store.LoadSnapshot(ctx, connector.Zendesk)
	if err != nil {
		d.expect(false, "snapshot readable: %v", err)
		return seats.Summary{}
	}
	sum := seats.Evaluate(snap, wiring.SeatPolicy(a.cfg.Policy), a.now()).Summary
	d.expect(sum.Paid.Seats > 0, "the snapshot counts paid seats")
	return sum
}

// expectReply sends a signed slash command as who and checks the reply
// mentions want.
func (d *demo) expectReply(ctx context.Context, who demoPerson, text, want string) {
	lines, err := d.slash(ctx, who, text)
	d.say("")
	d.say("%s › /warden %s", who.name, text)
	if err != nil {
		d.expect(false, "/warden %s answered: %v", text, err)
		return
	}
	for _, l := range lines {
		d.say("  │ %s", l)
	}
	d.expect(strings.Contains(strings.Join(lines, "\n"), want), "/warden %s as %s mentions %q", text, who.name, want)
}

// slash posts a slash command as Slack would (form body, signed with the
// signing secret) and returns the reply as text: from the HTTP response,
// or from response_url when the bot answered there.
func (d *demo) slash(ctx context.Context, who demoPerson, text string) ([]string, error) {
	respURL, raw, err := d.postSlash(ctx, who, text)
	if err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(string(raw))) > 0 {
		return blockKitText(raw)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var posted []byte
	err = d.slackEmu.WaitUntil(wctx, func() bool {
		for _, p := range d.slackEmu.ResponseURLPosts() {
			if p.URL == respURL {
				posted = p.Body
				return true
			}
		}
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("no answer within 10s: %w", err)
	}
	return blockKitText(posted)
}

// postSlash posts a slash command and returns its response_url and the
// HTTP answer's body (empty when the bot answers later, or opens a form).
func (d *demo) postSlash(ctx context.Context, who demoPerson, text string) (string, []byte, error) {
	respURL := d.slackEmu.NewResponseURL("C0SEATS", who.slackID)
	body := url.Values{
		"command": {"/warden"}, "text": {text}, "user_id": {who.slackID}, "user_name": {strings.ToLower(strings.Fields(who.name)[0])},
		"team_id": {"T0ACME"}, "channel_id": {"C0SEATS"}, "channel_name": {"support-leads"},
		"response_url": {respURL}, "trigger_id": {d.slackEmu.IssueTriggerID()},
	}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.base+"/slack/commands", strings.NewReader(body))
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	slacktest.SignRequest(req.Header, body, time.Now(), demoSigningSecret)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	return respURL, raw, nil
}

// pickInactiveAgent chooses the most inactive paid agent who is not
// suspended: the seat an admin would remove first.
func pickInactiveAgent(ctx context.Context, a *app, now time.Time) (seats.Seat, bool) {
	snap, err := a.store.LoadSnapshot(ctx, connector.Zendesk)
	if err != nil {
		return seats.Seat{}, false
	}
	report := seats.Evaluate(snap, wiring.SeatPolicy(a.cfg.Policy), now)
	i := slices.IndexFunc(report.Paid, func(s seats.Seat) bool {
		return s.Inactive && s.Category == seats.CategoryAgent && !s.NeverLoggedIn
	})
	if i < 0 {
		return seats.Seat{}, false
	}
	return report.Paid[i], true
}

func httpGet(ctx context.Context, url string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err.Error()
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp.StatusCode, string(b)
}

// metricLine finds the sample line of a series in exposition text.
func metricLine(body, series string) string {
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, series+" ") {
			return line
		}
	}
	return ""
}
