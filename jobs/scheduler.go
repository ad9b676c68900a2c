package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Scheduler triggers jobs on their cron schedules in the policy's time zone.
// Cron only triggers: locking, timeouts and metrics are the Runner's.
type Scheduler struct {
	cron   *cron.Cron
	runner *Runner
	log    *slog.Logger

	// base is the context runs start from; Stop cancels it only when the
	// grace period runs out, so in-flight runs normally finish.
	base   context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	entries []Entry

	// extra tracks runs started by RunNow and RunAfter, which Stop waits
	// for too; stopping tells a RunAfter still waiting not to start.
	extra    sync.WaitGroup
	stopping chan struct{}
	stopOnce sync.Once

	// wakes are the pending WakeAfter runs, one per job, by when due.
	wakes map[string]time.Time
}

// Entry is one scheduled job.
type Entry struct {
	Name, Spec, Description string
	id                      cron.EntryID
}

// NewScheduler makes a scheduler; add jobs, then Start.
func NewScheduler(loc *time.Location, r *Runner, log *slog.Logger) *Scheduler {
	if loc == nil {
		loc = time.UTC
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cl := cronLogger{log}
	base, cancel := context.WithCancel(context.Background())
	return &Scheduler{
		// SkipIfStillRunning outside Recover: in cron v3.0.1 a panic under
		// SkipIfStillRunning would otherwise leak its token and skip the job
		// forever. New's default chain does not recover panics at all.
		cron:     cron.New(cron.WithLocation(loc), cron.WithLogger(cl), cron.WithChain(cron.SkipIfStillRunning(cl), cron.Recover(cl))),
		runner:   r,
		log:      log,
		base:     base,
		cancel:   cancel,
		stopping: make(chan struct{}),
	}
}

// Add schedules def on spec (five fields or a descriptor such as @hourly).
func (s *Scheduler) Add(spec string, def Definition) error {
	id, err := s.cron.AddFunc(spec, func() {
		// Errors are logged and counted by the Runner; ErrLocked is routine.
		_ = s.runner.Run(s.base, def)
	})
	if err != nil {
		return fmt.Errorf("jobs: schedule %s %q: %w", def.Name, spec, err)
	}
	s.mu.Lock()
	s.entries = append(s.entries, Entry{Name: def.Name, Spec: spec, Description: def.Description, id: id})
	s.mu.Unlock()
	return nil
}

// Start begins triggering jobs in the background.
func (s *Scheduler) Start() {
	s.cron.Start()
	for _, e := range s.Entries() {
		s.log.Info("job scheduled", slog.String("job", e.Name), slog.String("spec", e.Spec), slog.Time("next", s.Next(e.Name)))
	}
}

// RunNow starts one run of def in the background, as a trigger would: on
// the scheduler's context, under the same lock, and waited for by Stop.
func (s *Scheduler) RunNow(def Definition) {
	s.extra.Go(func() { _ = s.runner.Run(s.base, def) })
}

// RunAfter runs def once, d from now, unless Stop comes first: for work
// that can only be picked up once a lease held by a process that is gone
// has run out.
func (s *Scheduler) RunAfter(def Definition, d time.Duration) {
	s.extra.Go(func() {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			_ = s.runner.Run(s.base, def)
		case <-s.stopping:
		}
	})
}

// WakeAfter runs def once, d from now, unless a wake of def is already
// due by then: a job that asks to be woken after every run (access-expiry,
// at the next grant's end) keeps one pending wake, not one per run.
func (s *Scheduler) WakeAfter(def Definition, d time.Duration) {
	at := time.Now().Add(d)
	s.mu.Lock()
	if s.wakes == nil {
		s.wakes = map[string]time.Time{}
	}
	if due, ok := s.wakes[def.Name]; ok && !due.After(at) {
		s.mu.Unlock()
		return
	}
	s.wakes[def.Name] = at
	s.mu.Unlock()
	s.extra.Go(func() {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.stopping:
			return
		}
		s.mu.Lock()
		if s.wakes[def.Name] != at {
			s.mu.Unlock()
			return // a sooner wake replaced this one and has run
		}
		delete(s.wakes, def.Name)
		s.mu.Unlock()
		_ = s.runner.Run(s.base, def)
	})
}

// Stop stops triggering and waits for running jobs to finish. When ctx ends
// first, running jobs are cancelled and Stop returns ctx's error once they
// have returned.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() { close(s.stopping) })
	cronDone := s.cron.Stop()
	done := make(chan struct{})
	go func() {
		<-cronDone.Done()
		s.extra.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
		s.cancel()
		<-done
		return fmt.Errorf("jobs: running jobs cancelled at shutdown: %w", ctx.Err())
	}
}

// Entries lists the scheduled jobs in the order they were added.
func (s *Scheduler) Entries() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.entries)
}

// Next is when name runs next (zero before Start or for an unknown name).
func (s *Scheduler) Next(name string) time.Time {
	for _, e := range s.Entries() {
		if e.Name == name {
			return s.cron.Entry(e.id).Next
		}
	}
	return time.Time{}
}

// NextRun computes spec's next run after t in loc, for help text and tests
// (cron itself has no injectable clock).
func NextRun(spec string, after time.Time, loc *time.Location) (time.Time, error) {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return time.Time{}, err
	}
	if loc == nil {
		loc = time.UTC
	}
	return sched.Next(after.In(loc)), nil
}

// cronLogger adapts slog to cron's logger (Info and Error with key/values).
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, slog.Any("error", err))...)
}

// ErrUnknownJob is returned for a job name outside the contract.
var ErrUnknownJob = errors.New("unknown job")
