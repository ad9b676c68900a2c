package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/store/redisstore"
	"github.com/seatwarden/seatwarden/telemetry"
)

// run is the whole benchmark: seed, serve, load both targets, report. It
// prints progress and the table to progress, the bot's logs (with
// o.Verbose) to logs, and returns the figures.
func run(ctx context.Context, o options, progress, logs io.Writer) (rep *report, err error) {
	say := func(format string, a ...any) { fmt.Fprintf(progress, format, a...) }
	logOut := io.Discard
	if o.Verbose {
		logOut = logs
	}
	// The bot's production logger: JSON at info, formatted for every
	// command even when nobody reads it.
	log, err := telemetry.NewLogger(logOut, config.DefaultLogLevel, config.DefaultLogFormat)
	if err != nil {
		return nil, err
	}

	redis.SetLogger(benchkit.RedisLogger{L: log})
	client, err := redisstore.NewClient(redisstore.ClientOptions{URL: o.RedisURL})
	if err != nil {
		return nil, err
	}
	prefix := benchkit.KeyPrefix("slackload")
	st := redisstore.New(client, redisstore.Options{Prefix: prefix})
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = st.Ping(pctx)
	cancel()
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("no Redis answers at %s (set -redis or REDIS_URL): %w", benchkit.Redact(o.RedisURL), err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		n, derr := benchkit.DeleteKeys(cctx, client, prefix)
		if derr != nil {
			derr = fmt.Errorf("deleting the keys under %s: %w", prefix, derr)
		} else {
			say("deleted %d keys under %s\n", n, prefix)
		}
		err = errors.Join(err, derr, st.Close())
	}()
	say("slackload: %s, %d CPUs; Redis %s, keys under %s\n", runtime.Version(), runtime.GOMAXPROCS(0), benchkit.Redact(o.RedisURL), prefix)

	policy := benchPolicy()
	say("seeding %s seats… ", benchkit.Commas(o.Seats))
	seeded, err := benchkit.Seed(ctx, st, o.Seats, wiring.SeatPolicy(policy), log)
	if err != nil {
		say("failed\n")
		return nil, err
	}
	say("done in %.1fs (%s staff, %s Zendesk requests, snapshot %s)\n",
		seeded.Duration.Seconds(), benchkit.Commas(seeded.Staff), benchkit.Commas(seeded.ZendeskRequests), benchkit.BytesText(uint64(seeded.SnapshotBytes)))
	// Twice: what finalizers keep alive through the first collection
	// (seeding's connections and what they hold) goes in the second.
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heapSeeded := ms.HeapInuse
	// What seeding held (its emulator, the synced roster) goes back to the
	// system, and the peak starts again, so the figures below are what
	// serving costs: the process then holds about what serve would.
	debug.FreeOSMemory()
	var mem serving
	mem.Measured = benchkit.ResetResidentPeak()

	policy.Admins = []string{seeded.OwnerEmail}
	full, err := startFullStack(st, policy, seeded.OwnerEmail, log)
	if err != nil {
		return nil, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if cerr := full.close(cctx); cerr != nil {
			err = errors.Join(err, fmt.Errorf("stopping the full stack: %w", cerr))
		}
	}()
	bare, err := startBare(log)
	if err != nil {
		return nil, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if cerr := bare.close(cctx); cerr != nil {
			err = errors.Join(err, fmt.Errorf("stopping the bare handler: %w", cerr))
		}
	}()

	mem.Idle = benchkit.ResidentNow()
	say("first /warden %s (judges the snapshot)… ", o.Text)
	took, err := askFirst(ctx, full, slashCommand(o.Text, full.sink.URL+"/commands/T0BENCH/0/slackload"))
	if err != nil {
		say("failed\n")
		return nil, err
	}
	mem.AfterFirst, mem.PeakFirst, mem.FirstSeconds = benchkit.ResidentNow(), benchkit.ResidentPeak(), took.Seconds()
	say("answered in %.2fs\n", took.Seconds())

	expect := o.Expect
	if expect == "" && o.Text == "seats" {
		// The summary's headline: "Seats: 50000 paid · $5,750,000/month".
		expect = fmt.Sprintf("Seats: %d paid", o.Seats)
	}
	form := slashCommand(o.Text, full.sink.URL+"/commands/T0BENCH/1/slackload")
	say("load: %d connections, %s warmup + %s per target in %d turns each, bare and full alternating, /warden %s\n",
		o.Concurrency, o.Warmup, o.Duration, o.Rounds, o.Text)
	stopProfile, err := benchkit.StartCPUProfile(o.CPUProfile)
	if err != nil {
		return nil, err
	}
	var bareRes, fullRes *loadResult
	for turn := range o.Rounds {
		spec := loadSpec{form: form, concurrency: o.Concurrency, duration: o.Duration / time.Duration(o.Rounds)}
		if turn == 0 {
			spec.warmup = o.Warmup
		}
		say("  turn %d/%d: bare handler (signature check, 200)… ", turn+1, o.Rounds)
		spec.name, spec.url, spec.check = "bare handler", bare.url(), checkBare
		r := drive(ctx, spec)
		bareRes = bareRes.merge(r)
		say("%s requests; full stack (/warden %s)… ", benchkit.Commas(r.Requests), o.Text)
		spec.name, spec.url, spec.check = "full stack", full.url(), checkReply(expect)
		r = drive(ctx, spec)
		fullRes = fullRes.merge(r)
		say("%s requests\n", benchkit.Commas(r.Requests))
		if err := ctx.Err(); err != nil {
			_ = stopProfile()
			return nil, fmt.Errorf("interrupted: %w", err)
		}
	}
	if err := stopProfile(); err != nil {
		return nil, err
	}

	mem.PeakLoad = benchkit.ResidentPeak()
	if err := benchkit.WriteHeapProfile(o.MemProfile); err != nil {
		return nil, err
	}
	runtime.ReadMemStats(&ms)
	rep = newReport(o, seeded, expect, bareRes, fullRes)
	rep.KeyPrefix = prefix
	rep.HeapInuseSeeded = heapSeeded
	rep.HeapInuse = ms.HeapInuse
	rep.MaxRSS = benchkit.MaxRSS()
	rep.Serving = mem
	rep.ResponseURLPosts = full.posts.Load()
	if o.Askers > 0 {
		say("%s people ask within %s right after another replica's sync… ", benchkit.Commas(o.Askers), o.AskWindow)
		a, err := askAfterASync(ctx, st, full, wiring.SeatPolicy(policy), seeded.PaidSeats, o.Askers, o.AskWindow)
		if err != nil {
			say("failed\n")
			return nil, err
		}
		say("done\n")
		rep.addAskers(a)
	}
	rep.print(progress)
	if o.Out != "" {
		if err := rep.appendMarkdown(o.Out); err != nil {
			return rep, err
		}
		say("appended the results to %s\n", o.Out)
	}
	return rep, nil
}

// serving is the process's resident memory once seeding's is given back:
// what the seat commands cost with the snapshot in the store.
type serving struct {
	// Measured: the kernel let the peak start again after seeding (Linux);
	// otherwise the figures are zero.
	Measured bool `json:"measured"`
	// Idle is with the stack up and nothing asked.
	Idle uint64 `json:"idle_bytes"`
	// AfterFirst is once the first question was answered (the judged view
	// built); PeakFirst the peak while it was built.
	AfterFirst   uint64  `json:"after_first_bytes"`
	PeakFirst    uint64  `json:"peak_first_bytes"`
	FirstSeconds float64 `json:"first_seconds"`
	// PeakLoad is the peak over everything after seeding, the load of both
	// targets included.
	PeakLoad uint64 `json:"peak_load_bytes"`
}

// askFirst asks the full stack until it answers in the response itself:
// the first question judges the snapshot, which for a large one takes
// longer than the adapter's ack budget, so that answer goes to a
// response_url and the next one comes from the judged view.
func askFirst(ctx context.Context, full *fullStack, form string) (time.Duration, error) {
	start := time.Now()
	client := &http.Client{Timeout: time.Minute}
	for {
		inline := false
		spec := loadSpec{form: form, url: full.url(), check: func(status int, _ http.Header, body []byte) error {
			if status != http.StatusOK {
				return fmt.Errorf("the first question: status %d: %s", status, excerpt(body))
			}
			inline = len(body) > 0
			return nil
		}}
		if err := send(ctx, client, spec, "first"); err != nil {
			return 0, err
		}
		if inline {
			return time.Since(start), nil
		}
		if time.Since(start) > 2*time.Minute {
			return 0, errors.New("the first question was not answered within 2 minutes")
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
