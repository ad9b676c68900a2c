// Command verifyload measures caller verification through the bot's full
// HTTP stack: signed `/warden verify` slash commands go to the Slack
// adapter, the command router and the verify service on the store, and
// the prompt goes out through the Slack Web API emulator
// (users.lookupByEmail, chat.postMessage) before the
// command is answered. It reports the latency from the command to the
// person's direct message being posted (p50, p99, max), then starts
// -inflight verifications at once and reports the Go heap with all of
// them pending: the bot keeps nothing per verification in memory, so the
// heap stays flat however many are in flight.
//
//	go run ./bench/verifyload -n 300 -inflight 1000
//	go run ./bench/verifyload -redis ''   # the embedded store
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
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
	slackbot "github.com/seatwarden/seatwarden/bot/slack"
	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/commands"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/server"
	"github.com/seatwarden/seatwarden/verify"
)

const (
	signingSecret = "verifyload-signing-secret"
	teamID        = "T0VERIFY"
	askerID       = "U0ASKER"
	askerEmail    = "agent@acme.example"
	targetP99     = 300 * time.Millisecond
)

type options struct {
	n, inflight, concurrency int
	redisURL                 string
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 300, "verifications timed one command at a time per worker")
	flag.IntVar(&o.concurrency, "concurrency", 4, "workers sending the timed commands")
	flag.IntVar(&o.inflight, "inflight", 1000, "verifications started at once for the memory figure")
	flag.StringVar(&o.redisURL, "redis", cmp.Or(os.Getenv("REDIS_URL"), "redis://127.0.0.1:6379/0"), "Redis URL; empty for the embedded store")
	flag.Parse()
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "verifyload:", err)
		os.Exit(1)
	}
}

// person is the i-th person verified: each is asked once, so no
// per-person limit is reached.
func person(i int) (id, email string) {
	return fmt.Sprintf("U0P%06d", i), fmt.Sprintf("person%06d@acme.example", i)
}

func run(ctx context.Context, o options, out io.Writer) error {
	if o.n < 1 || o.inflight < 0 || o.concurrency < 1 {
		return errors.New("-n and -concurrency must be at least 1, -inflight at least 0")
	}
	say := func(f string, a ...any) { fmt.Fprintf(out, f, a...) }
	log := slog.New(slog.DiscardHandler)
	st, name, where, closeStore, err := benchkit.OpenStore(ctx, "verifyload", o.redisURL, log, say)
	if err != nil {
		return err
	}
	defer func() { _ = closeStore() }()

	total := o.n + o.inflight
	opts := []slacktest.Option{slacktest.WithTeam(teamID, "Acme Support"),
		slacktest.WithUser(slacktest.User{ID: askerID, Name: "agent", RealName: "Help Desk Agent", Email: askerEmail})}
	for i := range total {
		id, email := person(i)
		opts = append(opts, slacktest.WithUser(slacktest.User{ID: id, Name: strings.TrimSuffix(email, "@acme.example"), RealName: "Person " + strconv.Itoa(i), Email: email}))
	}
	slack := slacktest.NewServer(opts...)
	defer slack.Close()

	p := config.DefaultPolicy()
	p.Admins = []string{askerEmail}
	p.Verify.PerAskerPerHour = total + 1 // one asker starts them all
	vp := wiring.VerifyPolicy(p)
	svc := &verify.Service{Store: st, Audit: st, Policy: vp, Logger: log}
	api := slackgo.New(slacktest.DefaultBotToken, slackgo.OptionAPIURL(slack.APIURL()), slackgo.OptionHTTPClient(&http.Client{Timeout: 15 * time.Second}))
	job := &jobs.Verify{Service: svc, View: prompts.Verifications{Command: "/warden"}, Keys: st, Logger: log}
	router, err := commands.New(commands.Deps{
		Snapshots: st, Audit: st, Policy: wiring.SeatPolicy(p), Admins: p.Admins, Command: p.Command, Now: time.Now, Logger: log,
		Verify: svc, VerifyAllowed: verify.Askers{Admins: true}, VerifyDeliver: job.Deliver,
	})
	if err != nil {
		return err
	}
	// The emulator here has no rate model, and the figure is the stack's
	// own latency: the workspace-wide pacing of posts (300 a minute by
	// default) would only queue the prompts behind each other.
	adapter, err := slackbot.New(slackbot.Options{SigningSecret: signingSecret, API: api, Handler: router, Dedupe: st, Users: st, Logger: log,
		ResponseOrigins: []string{slack.URL}, PostsPerMinute: 1_000_000, PostBurst: 1000})
	if err != nil {
		return err
	}
	defer adapter.Close(context.Background())
	job.Notifier = adapter
	mux := server.NewMux(server.Options{Logger: log})
	adapter.Register(mux)
	srv, err := server.Listen("127.0.0.1:0", mux, log)
	if err != nil {
		return err
	}
	go func() { _ = srv.Serve() }()
	defer srv.Shutdown(context.Background())
	base := "http://" + srv.Addr() + "/slack/commands"
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	say("verifyload: %d timed verifications by %d workers, then %d at once; store %s (%s)\n", o.n, o.concurrency, o.inflight, name, where)

	// Warm the caches a first command fills (the asker's users.info).
	if _, err := command(ctx, client, base, "verify list"); err != nil {
		return err
	}
	lat := make([]time.Duration, o.n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	next := make(chan int)
	for range o.concurrency {
		wg.Go(func() {
			for i := range next {
				_, email := person(i)
				start := time.Now()
				reply, err := command(ctx, client, base, "verify "+email+" load test")
				lat[i] = time.Since(start)
				if err == nil && !strings.Contains(reply, "Read them this code") {
					err = fmt.Errorf("verify %s: %q", email, excerpt(reply))
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range o.n {
		next <- i
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d commands failed, the first: %w", len(errs), o.n, errs[0])
	}
	// Every prompt is in its person's DM by the time the command answered.
	missing := 0
	for i := range o.n {
		id, _ := person(i)
		if ch, ok := slack.DMChannel(id); !ok || len(slack.Messages(ch)) != 1 {
			missing++
		}
	}
	slices.Sort(lat)
	pct := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	say("  command → DM posted: p50 %s  p99 %s  max %s  (target p99 < %s: %s); prompts missing: %d\n",
		ms(pct(0.50)), ms(pct(0.99)), ms(lat[len(lat)-1]), targetP99, benchkit.Verdict(pct(0.99) < targetP99), missing)

	if o.inflight == 0 {
		return nil
	}
	before := heap()
	// In flight means pending at once: started by a few workers, as a help
	// desk's agents start them, and all still waiting for an answer.
	startOne := func(j int) {
		// One asker each: a help desk's agents, not one agent a
		// thousand times over (whose limit would refuse it).
		_, email := person(o.n + j)
		asker := fmt.Sprintf("agent%06d@acme.example", j)
		x, err := svc.Start(ctx, verify.Ask{Asker: asker, Person: email, Reason: "load test"})
		if err == nil {
			x, err = job.Deliver(ctx, x)
		}
		if err == nil && x.State != verify.Pending {
			err = fmt.Errorf("%s is %s, not pending", x.ID, x.State)
		}
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}
	var started sync.WaitGroup
	jobsCh := make(chan int)
	for range 16 {
		started.Go(func() {
			for j := range jobsCh {
				startOne(j)
			}
		})
	}
	for j := range o.inflight {
		jobsCh <- j
	}
	close(jobsCh)
	started.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d verifications not started, the first: %w", len(errs), o.inflight, errs[0])
	}
	after := heap()
	if path := os.Getenv("VERIFYLOAD_HEAPPROFILE"); path != "" {
		// The profile splits the heap between the bot and the Slack
		// emulator, which runs in this process and keeps every message.
		if f, err := os.Create(path); err == nil {
			_ = pprof.WriteHeapProfile(f)
			_ = f.Close()
		}
	}
	pending, err := svc.List(ctx, "", total)
	if err != nil {
		return err
	}
	n := 0
	for _, x := range pending {
		if x.State == verify.Pending {
			n++
		}
	}
	say("  %d in flight (pending in the store: %d): Go heap %s before, %s after (%+d bytes per verification, the in-process Slack emulator's stored messages included)\n",
		o.inflight, n, benchkit.BytesText(before), benchkit.BytesText(after), (int64(after)-int64(before))/int64(o.inflight))
	return nil
}

// heap is the live Go heap after a collection.
func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + " ms" }

// command sends a signed slash command as the asker and returns the
// reply's body.
func command(ctx context.Context, client *http.Client, base, text string) (string, error) {
	body := url.Values{"command": {"/warden"}, "text": {text}, "user_id": {askerID}, "user_name": {"agent"},
		"team_id": {teamID}, "channel_id": {"D0ASKER"}, "response_url": {"https://hooks.slack.com/commands/none"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base, strings.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	slacktest.SignRequest(req.Header, body, time.Now(), signingSecret)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("HTTP %d: %s", resp.StatusCode, excerpt(string(raw)))
	}
	return string(raw), nil
}

func excerpt(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
