// Command ha proves seatwarden's high-availability promises against the
// real thing: three `seatwarden serve` processes on a Redis with an
// append-only file, two replicas and a Sentinel, driven through signed Slack
// requests and Teams activities while replicas are SIGKILLed, Redis is
// restarted and failed over, and Zendesk and Slack storm. The verdict is
// read from the emulators' own records and the store, never from the
// bot's word, and the run exits 1 on any violation.
//
//	go run ./bench/ha                 # two minutes (make ha)
//	go run ./bench/ha -duration 45s   # the CI run
//
// Everything runs on loopback; every process it starts is stopped at
// exit, Ctrl-C included. It needs Debian's redis-server (redis-sentinel
// is the same binary) and runs from the repository's root.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type options struct {
	Duration  time.Duration
	Staff     int
	Seed      uint64
	Replicas  int
	Approvers int
	Reviewers int
	LockTTL   time.Duration
	Settle    time.Duration
	Dir       string
	Keep      bool
	// NoFaults drives the traffic without the fault schedule: what the
	// replicas can do, to tell it apart from what the faults cost.
	NoFaults bool
	// Profile takes a CPU profile of every replica during the traffic.
	Profile bool
}

func main() {
	var o options
	flag.DurationVar(&o.Duration, "duration", 2*time.Minute, "how long the traffic and the faults run")
	flag.IntVar(&o.Staff, "staff", 30_000, "team members in the emulated Zendesk account (a group of about 40 per owner)")
	flag.Uint64Var(&o.Seed, "seed", 1, "seed of the generated account")
	flag.IntVar(&o.Replicas, "replicas", 3, "seatwarden serve processes")
	flag.IntVar(&o.Approvers, "approvers", 50, "approvers pressing Approve at once on every request")
	flag.IntVar(&o.Reviewers, "reviewers", 24, "people pressing seat-review decisions at once")
	flag.DurationVar(&o.LockTTL, "lock-ttl", 10*time.Second, "the replicas' jobs.lock_ttl")
	flag.DurationVar(&o.Settle, "settle", 3*time.Minute, "longest wait, after the faults, for decisions still being carried out")
	flag.StringVar(&o.Dir, "dir", "", "where logs and Redis data go (default: a temporary directory, removed unless -keep)")
	flag.BoolVar(&o.Keep, "keep", false, "keep the directory with every process's log")
	flag.BoolVar(&o.Profile, "profile", false, "take a CPU profile of every replica over the traffic's middle, into the run's directory (with -keep or -dir), for go tool pprof")
	flag.BoolVar(&o.NoFaults, "no-faults", false, "drive the traffic without the fault schedule, to measure what the replicas can do (not a proof: the verdict still runs)")
	flag.Parse()
	if o.Duration < 10*time.Second || o.Staff < 100 || o.Replicas < 2 || o.Approvers < 2 || o.Reviewers < 1 {
		fmt.Fprintln(os.Stderr, "ha: -duration must be 10s or more, -staff 100 or more, -replicas and -approvers 2 or more, e.g. -duration 45s -staff 5000")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	violations, err := run(ctx, o, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ha:", err)
		os.Exit(1)
	}
	if violations > 0 {
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) (int, error) {
	say := func(format string, a ...any) { fmt.Fprintf(out, format+"\n", a...) }
	dir := o.Dir
	keep := o.Keep || o.Dir != "" || o.Profile
	if dir == "" {
		tmp, err := os.MkdirTemp("", "seatwarden-ha-")
		if err != nil {
			return 0, err
		}
		dir = tmp
		defer func() {
			if !keep {
				os.RemoveAll(tmp)
			}
		}()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	ps := newProcs(dir)
	defer ps.stopAll()

	start := time.Now()
	say("ha: building seatwarden")
	bin, err := buildBinary(ctx, dir)
	if err != nil {
		return 0, err
	}
	rt, err := startRedis(ctx, ps, dir)
	if err != nil {
		return 0, err
	}
	say("ha: Redis %s (master), %s and %s (replicas), append-only, Sentinel at %s", rt.addr(0), rt.addr(1), rt.addr(2), rt.sentinelAddr())
	w := newWorld(o.Staff, o.Seed, o.Approvers)
	defer w.close()
	policy := dir + "/policy.yaml"
	if err := w.writePolicy(policy, o.LockTTL); err != nil {
		return 0, err
	}
	say("ha: Zendesk %d team members in %d groups at %s; Slack at %s; Teams at %s", len(w.org.Users), len(w.org.Groups), w.zd.URL, w.slack.URL, w.teams.URL)
	reps, err := startReplicas(ctx, ps, bin, w.replicaEnv(rt, policy), o.Replicas, o.Profile)
	if err != nil {
		return 0, fmt.Errorf("%w (logs in %s)", err, dir)
	}
	say("ha: %d replicas ready in %s", o.Replicas, time.Since(start).Round(time.Second))

	d := newDriver(w, reps)
	last, stable := -1, time.Now()
	// Slack paces a workspace's posts at a few hundred a minute, so the
	// digests take about a third of a second an owner at best.
	firstDigests := max(3*time.Minute, time.Duration(len(w.owners))*time.Second/2)
	err = waitFor(ctx, firstDigests, "the first sync and the seat-review digests", func() bool {
		n := d.digestsPosted()
		if n != last {
			last, stable = n, time.Now()
			say("ha: %d owners have their digest", n)
		}
		return n > 0 && time.Since(stable) > 3*time.Second
	})
	if err != nil {
		return 0, fmt.Errorf("%w (logs in %s)", err, dir)
	}

	lockClient := rt.client()
	defer lockClient.Close()
	locks := newLockWatch(lockClient, reps, o.LockTTL)
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go locks.run(watchCtx, 3*time.Second)

	if o.NoFaults {
		say("ha: driving traffic for %s without faults", o.Duration)
	} else {
		say("ha: driving traffic for %s with the fault schedule", o.Duration)
	}
	faults := newFaultLog()
	var fo failoverFigures
	runStart := time.Now()
	driveCtx, stopDriving := context.WithTimeout(ctx, o.Duration)
	done := make(chan struct{})
	workers := 0
	launch := func(fn func()) {
		workers++
		go func() { fn(); done <- struct{}{} }()
	}
	for range o.Reviewers {
		launch(func() { d.reviewer(driveCtx) })
	}
	for i := range 2 {
		launch(func() { d.approvalRequests(driveCtx, i) })
	}
	launch(func() { d.seatQuestions(driveCtx) })
	launch(func() { d.teamsQuestions(driveCtx, ctx) })
	launch(func() { d.directMessages(driveCtx, ctx, w.chatter) })
	launch(func() { d.accessGrants(driveCtx) })
	launch(func() { d.credentialDecisions(driveCtx) })
	if !o.NoFaults {
		launch(func() { injectFaults(driveCtx, o.Duration, defaultSchedule, o.LockTTL, w, rt, reps, faults, &fo) })
	}
	launch(func() { progress(driveCtx, say, d, reps, runStart) })
	if o.Profile {
		// The middle of the traffic: past the first presses, before the
		// end.
		launch(func() {
			sleep(driveCtx, o.Duration/4)
			for _, path := range reps.profile(driveCtx, dir, o.Duration/2) {
				say("ha: CPU profile %s", path)
			}
		})
	}
	for range workers {
		<-done
	}
	stopDriving()
	elapsed := time.Since(runStart)
	d.traffic = [2]time.Time{runStart, runStart.Add(elapsed)}
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}

	say("ha: settling: every replica back, decisions carried out")
	if err := reps.restartDown(); err != nil {
		return 0, err
	}
	for i := range reps.ports {
		if err := reps.awaitReady(ctx, i, 60*time.Second); err != nil {
			return 0, fmt.Errorf("%w: %s (logs in %s)", err, readyz(ctx, reps, i), dir)
		}
	}
	settled := settle(ctx, w, rt, o.Settle)
	lateDone := make(chan struct{})
	go func() { d.lateRetries.Wait(); close(lateDone) }()
	select {
	case <-lateDone:
	case <-time.After(time.Minute):
		return 0, errors.New("the late deliveries of DM events did not finish within a minute")
	}
	stopWatch()

	v, err := judge(ctx, w, rt, reps, d)
	if err != nil {
		return 0, err
	}
	report(out, o, d, v, faults, locks, fo, elapsed, settled)
	if v.total() > 0 {
		keep = true // the evidence of a failed run
	}
	if keep {
		say("logs: %s", dir)
	}
	return v.total(), nil
}

// progress prints a line every ten seconds while the traffic runs.
func progress(ctx context.Context, say func(string, ...any), d *driver, reps *replicas, start time.Time) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		el := time.Since(start).Seconds()
		say("ha: %3.0fs  %d decisions (%.0f/s), %d questions, %d refused, %d of %d replicas up",
			el, d.decisions.Load(), float64(d.decisions.Load())/el, d.questions.Load(), d.refused.Load(), reps.up(), len(reps.ports))
	}
}
