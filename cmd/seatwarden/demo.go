package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/commands"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/seats"
)

// Demo credentials of the emulated account's OAuth client. They exist only
// inside this process.
const (
	demoClientID     = "seatwarden-demo"
	demoClientSecret = "demo-client-secret"
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
	log := slog.New(slog.NewJSONHandler(logOut, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := d.run(ctx, cfg, *dataDir, *keep, log); err != nil {
		return err
	}
	return nil
}

// demo is the scripted scenario: sync a sample org, answer the seat
// question, change the org in "Zendesk", sync incrementally, answer again.
type demo struct {
	out    io.Writer
	failed []string
}

func (d *demo) say(format string, a ...any) { fmt.Fprintf(d.out, format+"\n", a...) }

// expect records a scenario check; the demo exits non-zero if any fails.
func (d *demo) expect(okay bool, format string, a ...any) {
	if !okay {
		d.failed = append(d.failed, fmt.Sprintf(format, a...))
		d.say("  ✗ "+format, a...)
	}
}

func (d *demo) run(ctx context.Context, cfg *config.Config, dataDir string, keep bool, log *slog.Logger) error {
	now := time.Now()
	org := zendesktest.SampleOrg(now)
	emu := zendesktest.NewServer(org, zendesktest.WithOAuthClient(demoClientID, demoClientSecret, true))
	defer emu.Close()

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
	if cfg.PolicyPath == "" {
		cfg.Policy.Timezone = "Europe/Berlin"
		cfg.Policy.Admins = []string{"ops@acme.example"}
	}

	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	syncs := make(chan seats.SyncResult, 4)
	a.onSync = func(r seats.SyncResult) {
		// Never block a sync on the transcript: with --keep-running the
		// scheduler goes on syncing long after the script has read.
		select {
		case syncs <- r:
		default:
		}
	}

	srvCtx, stopServer := context.WithCancel(ctx)
	defer stopServer()
	addrc := make(chan string, 1)
	served := make(chan error, 1)
	go func() { served <- a.serve(srvCtx, "127.0.0.1:0", func(addr string) { addrc <- addr }) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-served:
		return fmt.Errorf("bot did not start: %w", err)
	}
	base := "http://" + addr

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
	d.say("• Bot:     serving %s (/healthz, /readyz, /metrics); scheduler on, sync runs %q in %s", base, cfg.Policy.Schedules[jobs.NameSync], cfg.Policy.Timezone)
	d.say("")

	// On a fresh store the bot starts its first sync by itself.
	first, ok := d.awaitSync(ctx, emu, syncs, "startup sync")
	d.expect(ok && first.Full, "the bot's first sync is a full sync")
	before := d.showSeats(ctx, a)

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
			d.expect(last.Pages == 1, "an incremental sync with one change reads one export page (read %d)", last.Pages)
			d.expect(last.Removed == 1, "the demoted agent leaves the snapshot (removed %d)", last.Removed)
		}
		after := d.showSeats(ctx, a)
		d.expect(after.Paid.Seats == before.Paid.Seats-1, "paid seats drop by one (%d → %d)", before.Paid.Seats, after.Paid.Seats)
		d.expect(after.Paid.Cost < before.Paid.Cost, "monthly cost drops")
	}

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
		d.say("Still running. Try:")
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
	d.say("✓ Scenario holds: full sync, seat summary, incremental sync of a demotion, paid seats and cost down, health, readiness and metrics served.")
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
		label, kind, r.UsersSeen, plural(r.UsersSeen, "user", "users"), r.Pages, plural(r.Pages, "request", "requests"),
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

// showSeats prints what `/warden seats` answers from the snapshot.
func (d *demo) showSeats(ctx context.Context, a *app) seats.Summary {
	snap, err := a.store.LoadSnapshot(ctx)
	if err != nil {
		d.expect(false, "snapshot readable: %v", err)
		return seats.Summary{}
	}
	report := seats.Evaluate(snap, seatPolicy(a.cfg.Policy), a.now())
	admin := "an admin"
	if len(a.cfg.Policy.Admins) > 0 {
		admin = a.cfg.Policy.Admins[0]
	}
	d.say("")
	d.say("%s › %s seats", admin, a.cfg.Policy.Command)
	for _, line := range strings.Split(strings.TrimRight(commands.SeatSummaryText(report.Summary, a.cfg.Policy.Location()), "\n"), "\n") {
		d.say("  │ %s", line)
	}
	d.expect(report.Summary.Paid.Seats > 0, "the summary counts paid seats")
	return report.Summary
}

// pickInactiveAgent chooses the most inactive paid agent who is not
// suspended: the seat an admin would remove first.
func pickInactiveAgent(ctx context.Context, a *app, now time.Time) (seats.Seat, bool) {
	snap, err := a.store.LoadSnapshot(ctx)
	if err != nil {
		return seats.Seat{}, false
	}
	report := seats.Evaluate(snap, seatPolicy(a.cfg.Policy), now)
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
