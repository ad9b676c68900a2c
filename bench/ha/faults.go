package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

// faultLog counts the faults injected and keeps what was measured of them.
type faultLog struct {
	mu     sync.Mutex
	counts map[string]int
	order  []string
	notes  []string
	errs   []string
}

func newFaultLog() *faultLog { return &faultLog{counts: map[string]int{}} }

func (f *faultLog) add(kind string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.counts[kind] == 0 {
		f.order = append(f.order, kind)
	}
	f.counts[kind]++
}

func (f *faultLog) note(format string, a ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notes = append(f.notes, fmt.Sprintf(format, a...))
}

// fail records a fault the harness could not inject: the run is then not
// the proof it claims to be.
func (f *faultLog) fail(format string, a ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, a...))
}

// schedule is when each one-off fault happens, as a share of the run.
type schedule struct {
	zendesk5xx, redisRestart, slack429, zendesk429, failover, freeze float64
	storm                                                            time.Duration
	killEvery, downFor                                               time.Duration
}

var defaultSchedule = schedule{
	zendesk5xx: 0.15, redisRestart: 0.30, slack429: 0.40, zendesk429: 0.50, failover: 0.65, freeze: 0.75,
	storm: 4 * time.Second, killEvery: 4 * time.Second, downFor: 1500 * time.Millisecond,
}

// injectFaults runs the fault schedule over a run of length total.
func injectFaults(ctx context.Context, total time.Duration, s schedule, lockTTL time.Duration, w *world, r *redisTopology, reps *replicas, log *faultLog, failover *failoverFigures) {
	var wg sync.WaitGroup
	at := func(share float64, fn func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sleep(ctx, time.Duration(share*float64(total)))
			if ctx.Err() == nil {
				fn()
			}
		}()
	}
	at(s.zendesk5xx, func() {
		w.zd.InjectFault(zendesktest.AllEndpoints, zendesktest.Fault{Status: http.StatusServiceUnavailable})
		log.add("Zendesk 503 storm")
		sleep(ctx, s.storm)
		w.zd.ClearFaults()
	})
	at(s.zendesk429, func() {
		w.zd.InjectFault(zendesktest.AllEndpoints, zendesktest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Second})
		log.add("Zendesk 429 storm")
		sleep(ctx, s.storm)
		w.zd.ClearFaults()
	})
	at(s.slack429, func() {
		for _, m := range []string{"chat.postMessage", "chat.update", "views.open"} {
			w.slack.InjectRateLimit(m, time.Second, 25)
		}
		log.add("Slack 429 burst")
	})
	at(s.redisRestart, func() {
		away, err := r.restartMaster(ctx)
		if err != nil {
			log.fail("Redis restart: %v", err)
			return
		}
		log.add("Redis master restart")
		log.note("Redis master restarted (append-only file kept): away %s", away.Round(time.Millisecond))
	})
	at(s.failover, func() {
		watch, stop := watchReadiness(ctx, reps)
		took, err := r.failover(ctx)
		if err != nil {
			stop()
			log.fail("Sentinel failover: %v", err)
			return
		}
		log.add("Sentinel failover")
		// Every replica writes again once /readyz (which writes a key)
		// answers 200 on all of them.
		_ = waitFor(ctx, 60*time.Second, "replicas ready after the failover", func() bool { return watch.allReady() })
		stop()
		failover.promoted = took
		failover.allReady = watch.sinceStart()
		failover.refused = watch.notReady()
	})
	at(s.freeze, func() {
		// Past the job locks' TTL, so the replica wakes to locks another
		// replica holds now, with its job runs still going.
		if reps.freeze(ctx, lockTTL+5*time.Second) {
			log.add("replica frozen past the lock TTL (SIGSTOP, SIGCONT)")
		}
	})
	// Kill a replica every killEvery; it comes back after downFor.
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(s.killEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if _, ok := reps.kill(); ok {
				log.add("replica SIGKILL")
			}
			sleep(ctx, s.downFor)
			if err := reps.restartDown(); err != nil {
				log.fail("replica restart: %v", err)
			}
		}
	}()
	wg.Wait()
	w.zd.ClearFaults()
}

// failoverFigures are what the failover cost.
type failoverFigures struct {
	promoted time.Duration // SENTINEL FAILOVER until the new master took a write
	allReady time.Duration // until every replica's /readyz said 200 again
	refused  int           // /readyz answers other than 200 meanwhile
}

// readinessWatch polls every replica's /readyz every 100 ms.
type readinessWatch struct {
	reps  *replicas
	start time.Time
	mu    sync.Mutex
	ready map[int]bool
	bad   int
	seen  bool // a round found a replica not ready
}

func watchReadiness(ctx context.Context, reps *replicas) (*readinessWatch, func()) {
	w := &readinessWatch{reps: reps, start: time.Now(), ready: map[int]bool{}}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		client := &http.Client{Timeout: time.Second}
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			for i := range reps.ports {
				status := httpStatus(ctx, client, reps.base(i)+"/readyz")
				w.mu.Lock()
				w.ready[i] = status == http.StatusOK
				if status == http.StatusServiceUnavailable {
					w.bad++
					w.seen = true
				}
				w.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return w, func() { cancel(); <-done }
}

// allReady: every replica answered 200 in the last round, after at least
// one round in which one did not (or a second has passed).
func (w *readinessWatch) allReady() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.seen && time.Since(w.start) < time.Second {
		return false
	}
	for i := range w.reps.ports {
		if !w.ready[i] {
			return false
		}
	}
	return true
}

func (w *readinessWatch) sinceStart() time.Duration { return time.Since(w.start) }

func (w *readinessWatch) notReady() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bad
}
