// Package jobs owns the scheduled jobs: their names and schedules, the
// per-job store lock that keeps a job to one replica, per-run timeouts, and
// the cron scheduler that triggers them. A job itself is a plain function of
// (context, time) so it runs the same from cron, from `run-job` and from a
// test with a fixed clock.
package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// Job names: the operator contract (`run-job NAME`, `schedules:` keys).
const (
	NameSync           = "sync"
	NameInactiveDigest = "inactive-digest"
	NameTokenDigest    = "token-digest"
	NameReminders      = "reminders"
)

// Names lists every job name in the contract, in display order.
var Names = []string{NameSync, NameInactiveDigest, NameTokenDigest, NameReminders, NameAccessExpiry, NamePrivilegeReview, NameVerifyExpiry, NameIdentitySync, NameRetention, NameAuditWatch, NamePostureDigest}

// Definition is one job.
type Definition struct {
	Name        string
	Description string
	// Run does one run. now is the run's logical time: tests pass a fixed
	// one; the scheduler passes the time the run started.
	Run func(ctx context.Context, now time.Time) error
	// Concurrent jobs take no job lock: they lease each piece of work
	// themselves, so replicas may run them at once, and a replica that
	// dies mid-run holds nothing up but its own leases (access-expiry:
	// a dead replica's job lock would stall every grant's end for the
	// lock's two minutes).
	Concurrent bool
}

// Run results passed to Runner.Observe.
const (
	ResultOK      = "ok"
	ResultError   = "error"
	ResultSkipped = "skipped"
)

// ErrLocked means another replica (or another run-job) holds the job's lock.
var ErrLocked = errors.New("jobs: another replica is running this job")

// Runner runs a job once under its store lock and a timeout.
type Runner struct {
	Locks store.Locks
	// Holder identifies this process in locks; NewHolderID makes one.
	Holder  string
	Timeout time.Duration
	// LockTTL is how long the lock outlives a replica that dies mid-run;
	// a running job renews it every LockTTL/3. Default 2 minutes.
	LockTTL time.Duration
	Now     func() time.Time
	Logger  *slog.Logger
	// Observe receives every run's result (ResultOK, ResultError, ResultSkipped).
	Observe func(job, result string, d time.Duration)
}

// Causes a run's context is cancelled with.
var (
	errTimedOut = errors.New("jobs: run timed out")
	// ErrLockLost: the run's lock expired or was taken over (a long pause,
	// a store outage), so another replica may be running the job; the run
	// is cancelled rather than race it.
	ErrLockLost = errors.New("jobs: lost the job lock")
)

type fencingKey struct{}

// FencingToken is the token of the lock the running job holds, for writes
// that must be refused to a holder that has been superseded.
func FencingToken(ctx context.Context) (int64, bool) {
	t, ok := ctx.Value(fencingKey{}).(int64)
	return t, ok
}

// Run runs def once. It returns ErrLocked without running when the lock is
// held elsewhere; a panic in the job becomes an error, and the lock is
// released either way.
func (r *Runner) Run(ctx context.Context, def Definition) (err error) {
	start := r.now()
	log := r.logger().With(slog.String("job", def.Name))
	if def.Concurrent {
		return r.runUnlocked(ctx, def, start, log)
	}
	ttl := cmp.Or(r.LockTTL, 2*time.Minute)

	lock, err := r.Locks.AcquireLock(ctx, "job:"+def.Name, r.Holder, ttl)
	if errors.Is(err, store.ErrLockHeld) {
		log.Info("job skipped: another replica holds its lock")
		r.observe(def.Name, ResultSkipped, 0)
		return ErrLocked
	}
	if err != nil {
		r.observe(def.Name, ResultError, r.now().Sub(start))
		return fmt.Errorf("jobs: %s: take lock: %w", def.Name, err)
	}
	log = log.With(slog.Int64("fencing_token", lock.Token))

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	runCtx, cancelTimeout := context.WithTimeoutCause(runCtx, r.Timeout, errTimedOut)
	defer cancelTimeout()
	held := make(chan store.Lock, 1)
	go func() { held <- r.keepLock(runCtx, lock, ttl, cancel, log) }()
	defer func() {
		cancel(nil)
		lock := <-held
		// Release even when ctx is already cancelled (shutdown), briefly.
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer rcancel()
		if rerr := r.Locks.ReleaseLock(rctx, lock); rerr != nil && !errors.Is(rerr, store.ErrNotLockHolder) {
			log.Warn("job lock not released; it expires on its own", slog.Any("error", rerr))
		}
	}()

	log.Info("job started")
	// The run's writes through a store.Fenced are refused once the lock
	// is another's, even before keepLock notices (a frozen process wakes
	// and writes at once).
	fencedCtx := store.WithFence(context.WithValue(runCtx, fencingKey{}, lock.Token), r.Locks, lock, ttl)
	err = runRecovering(fencedCtx, def, start)
	d := r.now().Sub(start)
	if err != nil {
		switch cause := context.Cause(runCtx); {
		case errors.Is(cause, errTimedOut):
			err = fmt.Errorf("jobs: %s: timed out after %s: %w", def.Name, r.Timeout, err)
		case errors.Is(cause, ErrLockLost):
			err = fmt.Errorf("jobs: %s: %w: %w", def.Name, ErrLockLost, err)
		}
		log.Error("job failed", slog.Duration("duration", d), slog.Any("error", err))
		r.observe(def.Name, ResultError, d)
		return err
	}
	log.Info("job finished", slog.Duration("duration", d))
	r.observe(def.Name, ResultOK, d)
	return nil
}

// runUnlocked runs a concurrent job under its timeout alone.
func (r *Runner) runUnlocked(ctx context.Context, def Definition, start time.Time, log *slog.Logger) error {
	runCtx, cancel := context.WithTimeoutCause(ctx, r.Timeout, errTimedOut)
	defer cancel()
	err := runRecovering(runCtx, def, start)
	d := r.now().Sub(start)
	if err != nil {
		if errors.Is(context.Cause(runCtx), errTimedOut) {
			err = fmt.Errorf("jobs: %s: timed out after %s: %w", def.Name, r.Timeout, err)
		}
		log.Error("job failed", slog.Duration("duration", d), slog.Any("error", err))
		r.observe(def.Name, ResultError, d)
		return err
	}
	log.Debug("job finished", slog.Duration("duration", d))
	r.observe(def.Name, ResultOK, d)
	return nil
}

// keepLock renews the lock every ttl/3 until ctx ends, and cancels the run
// when the lock is lost. It returns the lock as last renewed.
func (r *Runner) keepLock(ctx context.Context, lock store.Lock, ttl time.Duration, cancel context.CancelCauseFunc, log *slog.Logger) store.Lock {
	t := time.NewTicker(ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return lock
		case <-t.C:
		}
		renewed, err := r.Locks.RenewLock(ctx, lock, ttl)
		switch {
		case err == nil:
			lock = renewed
		case errors.Is(err, store.ErrNotLockHolder):
			log.Error("job lock lost; cancelling the run")
			cancel(ErrLockLost)
			return lock
		case ctx.Err() != nil:
			return lock
		default:
			// A store hiccup: the lock is still ours until its TTL; try
			// again next tick, and past the TTL renew reports the loss.
			log.Warn("job lock not renewed", slog.Any("error", err))
		}
	}
}

func runRecovering(ctx context.Context, def Definition, now time.Time) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("jobs: %s panicked: %v\n%s", def.Name, p, debug.Stack())
		}
	}()
	return def.Run(ctx, now)
}

func (r *Runner) observe(job, result string, d time.Duration) {
	if r.Observe != nil {
		r.Observe(job, result, d)
	}
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// NewHolderID names this process for job locks: host, pid and start time,
// readable in an operator's `redis-cli GET`.
func NewHolderID() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	return host + "/" + strconv.Itoa(os.Getpid()) + "/" + strconv.FormatInt(time.Now().UnixNano(), 36)
}
