package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
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

	st, where, prefix, closeStore, err := openStore(ctx, o.RedisURL, log, say)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, closeStore()) }()
	storeName := "embedded (bbolt)"
	if o.RedisURL != "" {
		storeName = "Redis"
	}
	say("teamsload: %s, %d CPUs; store %s\n", runtime.Version(), runtime.GOMAXPROCS(0), where)

	policy := benchPolicy()
	say("seeding %s seats… ", benchkit.Commas(o.Seats))
	seeded, err := benchkit.Seed(ctx, st, o.Seats, wiring.SeatPolicy(policy), log)
	if err != nil {
		say("failed\n")
		return nil, err
	}
	say("done in %.1fs (%s staff, %s Zendesk requests, snapshot %s)\n",
		seeded.Duration.Seconds(), benchkit.Commas(seeded.Staff), benchkit.Commas(seeded.ZendeskRequests), benchkit.BytesText(uint64(seeded.SnapshotBytes)))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heapSeeded := ms.HeapInuse

	// Every load user is an admin, so `seats` answers them the summary.
	policy.Admins = []string{seeded.OwnerEmail}
	for n := 1; n <= o.Users; n++ {
		policy.Admins = append(policy.Admins, loadEmail(n))
	}
	full, err := startFullStack(st, policy, o.Users, log)
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
	keys, err := fetchKeys(ctx, full.emu.MetadataURL())
	if err != nil {
		return nil, err
	}
	bare, err := startBare(bareHandler(keys, full.emu.AppID()), log)
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

	expect := o.Expect
	if expect == "" {
		expect = "Seats:"
		if o.Text == "seats" {
			// The summary's headline: "Seats: 50000 paid · $5,750,000/month".
			expect = fmt.Sprintf("Seats: %d paid", o.Seats)
		}
	}
	acts := full.activities(o.Users, o.Text)
	pace := "each waiting for its reply"
	if o.Rate > 0 {
		pace = fmt.Sprintf("%s requests/s in all", benchkit.Rate(o.Rate))
	}
	say("load: %d clients (%s), %s users, %s warmup + %s per target, %q in 1:1 chats\n",
		o.Concurrency, pace, benchkit.Commas(o.Users), o.Warmup, o.Duration, o.Text)
	spec := loadSpec{acts: acts, concurrency: o.Concurrency, warmup: o.Warmup, duration: o.Duration, rate: o.Rate}

	say("  bare handler (token validation, 200)… ")
	spec.name, spec.url = "bare handler", bare.url()
	bareRes := drive(ctx, spec)
	say("%s requests\n", benchkit.Commas(bareRes.Requests))
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err)
	}

	say("  full stack (%q, after one request as each of the %s users)… ", o.Text, benchkit.Commas(o.Users))
	spec.name, spec.url, spec.proxy, spec.expect, spec.firstContacts = "full stack", full.url(), full.proxy, expect, true
	stopProfile, err := benchkit.StartCPUProfile(o.CPUProfile)
	if err != nil {
		return nil, err
	}
	fullRes := drive(ctx, spec)
	if err := stopProfile(); err != nil {
		return nil, err
	}
	say("%s requests\n", benchkit.Commas(fullRes.Requests))
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err)
	}

	runtime.ReadMemStats(&ms)
	rep = newReport(o, seeded, storeName, expect, bareRes, fullRes)
	rep.KeyPrefix = prefix
	rep.HeapInuseSeeded = heapSeeded
	rep.HeapInuse = ms.HeapInuse
	rep.MaxRSS = benchkit.MaxRSS()
	rep.print(progress)
	if o.Out != "" {
		if err := rep.appendMarkdown(o.Out); err != nil {
			return rep, err
		}
		say("appended the results to %s\n", o.Out)
	}
	return rep, nil
}

// openStore opens Redis under a key prefix of the run's own when redisURL
// is set, else the embedded store in a temporary directory. closeStore
// deletes what the run wrote: the keys under the prefix, or the directory.
func openStore(ctx context.Context, redisURL string, log *slog.Logger, say func(string, ...any)) (st store.Store, where, prefix string, closeStore func() error, err error) {
	if redisURL == "" {
		dir, err := os.MkdirTemp("", "teamsload-")
		if err != nil {
			return nil, "", "", nil, err
		}
		path := filepath.Join(dir, "seatwarden.db")
		bs, err := boltstore.Open(path, boltstore.Options{Timeout: 2 * time.Second})
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, "", "", nil, err
		}
		return bs, "embedded file " + path, "", func() error {
			return errors.Join(bs.Close(), os.RemoveAll(dir))
		}, nil
	}

	redis.SetLogger(benchkit.RedisLogger{L: log})
	client, err := redisstore.NewClient(redisstore.ClientOptions{URL: redisURL})
	if err != nil {
		return nil, "", "", nil, err
	}
	prefix = benchkit.KeyPrefix("teamsload")
	rs := redisstore.New(client, redisstore.Options{Prefix: prefix})
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = rs.Ping(pctx)
	cancel()
	if err != nil {
		_ = rs.Close()
		return nil, "", "", nil, fmt.Errorf("no Redis answers at %s: %w", benchkit.Redact(redisURL), err)
	}
	return rs, fmt.Sprintf("Redis %s, keys under %s", benchkit.Redact(redisURL), prefix), prefix, func() error {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		n, derr := benchkit.DeleteKeys(cctx, client, prefix)
		if derr != nil {
			derr = fmt.Errorf("deleting the keys under %s: %w", prefix, derr)
		} else {
			say("deleted %d keys under %s\n", n, prefix)
		}
		return errors.Join(derr, rs.Close())
	}, nil
}
