// Command accessload measures how late just-in-time grants end: it
// grants -grants emulated Zendesk agents admin with ends spread over
// -spread, runs -replicas replicas of the access-expiry job on one Redis
// (each with its own store client, Zendesk client and scheduler, woken at
// the next end as serve does), stops one replica abruptly at -kill-after
// (its scheduler and everything it was doing is cancelled, leases and
// all, as a killed process leaves them), and reports, from the stored
// grants, the lag from each grant's end to Zendesk confirming the earlier
// role: p50, p99 and max. The verdict is read from the emulator: every
// agent back to the role they had, one role change and one sessions
// DELETE per end.
//
//	go run ./bench/accessload -grants 200 -replicas 2
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/store/redisstore"
)

type options struct {
	grants, replicas  int
	spread, killAfter time.Duration
	redisURL          string
}

func main() {
	var o options
	flag.IntVar(&o.grants, "grants", 200, "grants to make and end")
	flag.IntVar(&o.replicas, "replicas", 2, "replicas running access-expiry")
	flag.DurationVar(&o.spread, "spread", 20*time.Second, "ends are spread over this long, starting 5s after the grants")
	flag.DurationVar(&o.killAfter, "kill-after", 12*time.Second, "stop the last replica abruptly this long into the run (0: never)")
	flag.StringVar(&o.redisURL, "redis", cmp.Or(os.Getenv("REDIS_URL"), "redis://127.0.0.1:6379/0"), "Redis URL")
	flag.Parse()
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "accessload:", err)
		os.Exit(1)
	}
}

const clientID, clientSecret = "accessload", "accessload-secret"

// replica is one bot process: its own clients, services and scheduler.
type replica struct {
	store *redisstore.Store
	job   *jobs.Access
	sched *jobs.Scheduler
	stop  context.CancelFunc
}

func run(ctx context.Context, o options, out io.Writer) error {
	if o.grants < 1 || o.replicas < 1 {
		return errors.New("-grants and -replicas must be at least 1")
	}
	redis.SetLogger(benchkit.RedisLogger{L: slog.New(slog.DiscardHandler)})
	org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: max(2000, o.grants*40), Seed: 7})
	emu := zendesktest.NewServer(org, zendesktest.WithOAuthClient(clientID, clientSecret, true))
	defer emu.Close()
	var agents []zendesk.User
	for _, u := range emu.Users() {
		if u.Active && !u.Suspended && u.Role == zendesk.RoleAgent && len(agents) < o.grants {
			agents = append(agents, u)
		}
	}
	if len(agents) < o.grants {
		return fmt.Errorf("the emulated account has %d agents, fewer than -grants %d", len(agents), o.grants)
	}
	prefix := benchkit.KeyPrefix("accessload")
	defer func() {
		if client, err := redisstore.NewClient(redisstore.ClientOptions{URL: o.redisURL}); err == nil {
			_, _ = benchkit.DeleteKeys(context.WithoutCancel(ctx), client, prefix)
			_ = client.Close()
		}
	}()
	policy := access.Policy{MinDuration: time.Second, Roles: map[string]access.RolePolicy{access.RoleAdmin: {MaxDuration: time.Hour}}}

	replicas := make([]*replica, o.replicas)
	for i := range replicas {
		r, err := newReplica(ctx, o.redisURL, prefix, emu.URL, fmt.Sprintf("replica-%d", i+1), policy)
		if err != nil {
			return err
		}
		replicas[i] = r
		defer r.store.Close()
	}
	fmt.Fprintf(out, "accessload: %d grants, ends spread over %s, %d replicas on Redis %s; the last stopped abruptly after %s\n",
		o.grants, o.spread, o.replicas, benchkit.Redact(o.redisURL), o.killAfter)

	start := time.Now()
	first := replicas[0].job.Service
	for i, u := range agents {
		d := 5*time.Second + time.Duration(i)*o.spread/time.Duration(o.grants)
		_, err := first.Grant(ctx, access.Request{ID: fmt.Sprintf("load-%04d", i), UserID: u.ID, Email: u.Email, Name: u.Name,
			RoleName: access.RoleAdmin, Role: connector.Role{Base: zendesk.RoleAdmin}, Duration: d, Reason: "load"})
		if err != nil {
			return fmt.Errorf("grant %s: %w", u.Email, err)
		}
		emu.StartSession(u.ID)
	}
	fmt.Fprintf(out, "granted %d in %s\n", o.grants, time.Since(start).Round(time.Millisecond))
	for _, r := range replicas {
		r.sched.Start()
		def := r.job.Job()
		r.sched.RunNow(def)
	}
	if o.killAfter > 0 && o.replicas > 1 {
		time.AfterFunc(o.killAfter, func() {
			last := replicas[len(replicas)-1]
			last.stop()
			fmt.Fprintf(out, "stopped %s abruptly at %s\n", last.job.Service.Holder, time.Since(start).Round(time.Millisecond))
		})
	}

	// Wait until every grant has ended, or long past the last end.
	deadline := start.Add(5*time.Second + o.spread + time.Minute)
	var grants []access.Grant
	for {
		var err error
		grants, err = first.List(ctx)
		if err != nil {
			return err
		}
		if ended(grants) == len(grants) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, r := range replicas[:len(replicas)-1] {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = r.sched.Stop(sctx)
		cancel()
	}

	var lags []time.Duration
	for _, g := range grants {
		if g.State == access.Ended {
			lags = append(lags, g.EndedAt.Sub(g.End))
		}
	}
	slices.Sort(lags)
	roles, sessions := 0, 0
	for _, m := range emu.Mutations() {
		switch m.Field {
		case "role":
			roles++
		case zendesktest.FieldSessions:
			sessions++
		}
	}
	restored := 0
	for _, a := range agents {
		if u, ok := emu.User(a.ID); ok && u.Role == a.Role && ptrEq(u.CustomRoleID, a.CustomRoleID) {
			restored++
		}
	}
	fmt.Fprintf(out, "ended %d of %d; lag from the end to Zendesk confirming: p50 %s, p99 %s, max %s\n",
		len(lags), len(grants), quantile(lags, 0.5), quantile(lags, 0.99), quantile(lags, 1))
	fmt.Fprintf(out, "Zendesk saw %d role changes (want %d: one grant and one end each) and %d session ends (want %d); %d of %d agents have their earlier role\n",
		roles, 2*o.grants, sessions, o.grants, restored, o.grants)
	ok := len(lags) == o.grants && roles == 2*o.grants && sessions == o.grants && restored == o.grants && quantile(lags, 0.99) < 5*time.Second
	fmt.Fprintf(out, "verdict: %s (every grant ended once, p99 under 5s)\n", benchkit.Verdict(ok))
	if !ok {
		return errors.New("verdict failed")
	}
	return nil
}

func newReplica(ctx context.Context, redisURL, prefix, zendeskURL, holder string, p access.Policy) (*replica, error) {
	client, err := redisstore.NewClient(redisstore.ClientOptions{URL: redisURL})
	if err != nil {
		return nil, err
	}
	st, err := redisstore.Open(ctx, client, redisstore.Options{Prefix: prefix})
	if err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("open the store on %s: %w", benchkit.Redact(redisURL), err)
	}
	zd, err := zendesk.New(zendesk.Config{BaseURL: zendeskURL, Auth: zendesk.OAuthClientCredentials(clientID, clientSecret),
		HTTPClient: &http.Client{Timeout: 10 * time.Second}, RequestsPerMinute: 100_000})
	if err != nil {
		return nil, err
	}
	svc := &access.Service{Store: st, Audit: st, Roles: zendesk.Connector{Client: zd}, Policy: p, Holder: holder}
	job := &jobs.Access{Service: svc, Snapshots: st,
		Approvals: &approvals.Service{Records: st, Audit: st, Holder: holder}}
	runner := &jobs.Runner{Locks: st, Holder: holder, Timeout: time.Minute}
	sched := jobs.NewScheduler(time.UTC, runner, nil)
	def := job.Job()
	if err := sched.Add("* * * * *", def); err != nil {
		return nil, err
	}
	job.Wake = func(d time.Duration) { sched.WakeAfter(def, d) }
	r := &replica{store: st, job: job, sched: sched}
	r.stop = func() {
		// Cancel in-flight runs at once, as a killed process would stop.
		dead, cancel := context.WithCancel(context.Background())
		cancel()
		_ = sched.Stop(dead)
	}
	return r, nil
}

func ended(gs []access.Grant) int {
	n := 0
	for _, g := range gs {
		if g.State == access.Ended {
			n++
		}
	}
	return n
}

func ptrEq(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))].Round(time.Millisecond)
}
