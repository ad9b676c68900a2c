package jobs

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "jobs.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

type observed struct {
	mu      sync.Mutex
	results []string
}

func (o *observed) observe(job, result string, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.results = append(o.results, job+":"+result)
}

func (o *observed) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.results...)
}

func TestRunnerRun(t *testing.T) {
	errBoom := errors.New("zendesk: unavailable")
	tests := []struct {
		name       string
		run        func(ctx context.Context, now time.Time) error
		heldBy     string // another holder owns the lock before the run
		timeout    time.Duration
		wantErr    string
		wantResult string
		wantRan    bool
	}{
		{name: "runs and succeeds", run: func(context.Context, time.Time) error { return nil },
			wantResult: "ok", wantRan: true},
		{name: "job error is returned", run: func(context.Context, time.Time) error { return errBoom },
			wantErr: "zendesk: unavailable", wantResult: "error", wantRan: true},
		{name: "skipped while another replica holds the lock", run: func(context.Context, time.Time) error { return nil },
			heldBy: "replica-b", wantErr: ErrLocked.Error(), wantResult: "skipped"},
		{name: "a panic becomes an error", run: func(context.Context, time.Time) error { panic("nil map") },
			wantErr: "jobs: sync panicked: nil map", wantResult: "error", wantRan: true},
		{name: "a run past its timeout is cancelled", timeout: 10 * time.Millisecond,
			run: func(ctx context.Context, _ time.Time) error {
				<-ctx.Done()
				return ctx.Err()
			},
			wantErr: "jobs: sync: timed out after 10ms", wantResult: "error", wantRan: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			ctx := context.Background()
			if tt.heldBy != "" {
				if _, err := st.AcquireLock(ctx, "job:sync", tt.heldBy, time.Hour); err != nil {
					t.Fatal(err)
				}
			}
			var obs observed
			r := &Runner{Locks: st, Holder: "replica-a", Timeout: time.Minute, Observe: obs.observe}
			if tt.timeout > 0 {
				r.Timeout = tt.timeout
			}
			ran := false
			err := r.Run(ctx, Definition{Name: NameSync, Run: func(ctx context.Context, now time.Time) error {
				ran = true
				return tt.run(ctx, now)
			}})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Run() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Run() = %v, want an error containing %q", err, tt.wantErr)
			}
			if ran != tt.wantRan {
				t.Errorf("job ran = %v, want %v", ran, tt.wantRan)
			}
			if got := obs.list(); len(got) != 1 || got[0] != "sync:"+tt.wantResult {
				t.Errorf("observed %v, want [sync:%s]", got, tt.wantResult)
			}
			if tt.heldBy != "" {
				return
			}
			// Whatever happened, the lock is free again for the next run.
			l, err := st.AcquireLock(ctx, "job:sync", "replica-c", time.Minute)
			if err != nil {
				t.Fatalf("lock not released after the run: %v", err)
			}
			_ = st.ReleaseLock(ctx, l)
		})
	}
}

func TestRunnerOneReplicaAtATime(t *testing.T) {
	st := openStore(t)
	release := make(chan struct{})
	started := make(chan struct{})
	var runs atomic.Int32
	def := Definition{Name: NameSync, Run: func(context.Context, time.Time) error {
		runs.Add(1)
		close(started)
		<-release
		return nil
	}}
	a := &Runner{Locks: st, Holder: "replica-a", Timeout: time.Minute}
	b := &Runner{Locks: st, Holder: "replica-b", Timeout: time.Minute}
	done := make(chan error, 1)
	go func() { done <- a.Run(context.Background(), def) }()
	<-started
	if err := b.Run(context.Background(), def); !errors.Is(err, ErrLocked) {
		t.Errorf("second replica's run = %v, want ErrLocked", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 1 {
		t.Errorf("job ran %d times, want 1", runs.Load())
	}
}

// A concurrent job runs on every replica at once, and a lock some other
// holder left (a replica that died) does not stop it.
func TestRunnerConcurrentJobTakesNoLock(t *testing.T) {
	st := openStore(t)
	if _, err := st.AcquireLock(context.Background(), "job:"+NameAccessExpiry, "dead-replica", time.Hour); err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	both := make(chan struct{})
	def := Definition{Name: NameAccessExpiry, Concurrent: true, Run: func(context.Context, time.Time) error {
		if runs.Add(1) == 2 {
			close(both)
		}
		<-both
		return nil
	}}
	obs := &observed{}
	var wg sync.WaitGroup
	for _, holder := range []string{"replica-a", "replica-b"} {
		r := &Runner{Locks: st, Holder: holder, Timeout: time.Minute, Observe: obs.observe}
		wg.Go(func() {
			if err := r.Run(context.Background(), def); err != nil {
				t.Errorf("%s: %v", holder, err)
			}
		})
	}
	wg.Wait()
	if got := obs.list(); len(got) != 2 || got[0] != NameAccessExpiry+":ok" || got[1] != NameAccessExpiry+":ok" {
		t.Errorf("observed %v, want two ok runs", got)
	}
}

func TestRegistry(t *testing.T) {
	noop := func(context.Context, time.Time) error { return nil }
	if _, err := NewRegistry(Definition{Name: "backup", Run: noop}); err == nil || !strings.Contains(err.Error(), `"backup" is not a job name`) {
		t.Errorf("a name outside the contract: %v", err)
	}
	if _, err := NewRegistry(Definition{Name: NameSync, Run: noop}, Definition{Name: NameSync, Run: noop}); err == nil || !strings.Contains(err.Error(), "registered twice") {
		t.Errorf("a duplicate name: %v", err)
	}
	if _, err := NewRegistry(Definition{Name: NameSync}); err == nil || !strings.Contains(err.Error(), "no Run function") {
		t.Errorf("a job without Run: %v", err)
	}
	r, err := NewRegistry(Definition{Name: NameSync, Run: noop})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, wantErr string }{
		{NameSync, ""},
		{NameReminders, `"reminders" is not available in this version yet (available: sync)`},
		{"synk", `unknown job: "synk" (jobs: sync)`},
	}
	for _, tt := range tests {
		_, err := r.Lookup(tt.name)
		if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("Lookup(%q) = %v, want %q", tt.name, err, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrUnknownJob) {
			t.Errorf("Lookup(%q) error is not ErrUnknownJob", tt.name)
		}
	}
}

func TestNextRunUsesThePolicyTimezone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// Monday 2026-11-23 08:30 UTC is 09:30 in Berlin: this week's Berlin
	// run has passed, the UTC one has not.
	after := time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)
	tests := []struct {
		spec string
		loc  *time.Location
		want time.Time
	}{
		{"0 9 * * MON", berlin, time.Date(2026, 11, 30, 9, 0, 0, 0, berlin)},
		{"0 9 * * MON", time.UTC, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)},
		{"*/15 * * * *", time.UTC, time.Date(2026, 11, 23, 8, 45, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := NextRun(tt.spec, after, tt.loc)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(tt.want) {
			t.Errorf("NextRun(%q, %s, %s) = %s, want %s", tt.spec, after, tt.loc, got, tt.want)
		}
	}
	if _, err := NextRun("*/15 * *", after, time.UTC); err == nil {
		t.Error("a three-field spec parsed")
	}
}

// memLocks is an in-process lock table for scheduler tests that run inside
// a synctest bubble, where the file store's own timers would not belong.
type memLocks struct {
	mu    sync.Mutex
	held  map[string]store.Lock
	token int64
}

func (m *memLocks) AcquireLock(_ context.Context, name, holder string, ttl time.Duration) (store.Lock, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.held[name]; ok && time.Now().Before(l.ExpiresAt) {
		return store.Lock{}, store.ErrLockHeld
	}
	m.token++
	l := store.Lock{Name: name, Holder: holder, Token: m.token, ExpiresAt: time.Now().Add(ttl)}
	m.held[name] = l
	return l, nil
}

func (m *memLocks) RenewLock(_ context.Context, l store.Lock, ttl time.Duration) (store.Lock, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.held[l.Name]
	if !ok || cur.Holder != l.Holder || cur.Token != l.Token || !time.Now().Before(cur.ExpiresAt) {
		return store.Lock{}, store.ErrNotLockHolder
	}
	cur.ExpiresAt = time.Now().Add(ttl)
	m.held[l.Name] = cur
	return cur, nil
}

// steal hands the lock to another holder, as if this one had paused past
// its TTL and another replica had taken over.
func (m *memLocks) steal(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.token++
	m.held[name] = store.Lock{Name: name, Holder: "replica-z", Token: m.token, ExpiresAt: time.Now().Add(time.Hour)}
}

func (m *memLocks) ReleaseLock(_ context.Context, l store.Lock) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.held[l.Name] != l {
		return store.ErrNotLockHolder
	}
	delete(m.held, l.Name)
	return nil
}

func TestSchedulerTriggersAndStopWaitsForRunningJobs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var obs observed
		r := &Runner{Locks: &memLocks{held: map[string]store.Lock{}}, Holder: "a", Timeout: time.Hour, Observe: obs.observe}
		s := NewScheduler(time.UTC, r, nil)

		var runs atomic.Int32
		finished := atomic.Bool{}
		err := s.Add("*/15 * * * *", Definition{Name: NameSync, Run: func(ctx context.Context, _ time.Time) error {
			if runs.Add(1) == 2 {
				// The second run is still working when Stop is called.
				time.Sleep(5 * time.Minute)
				finished.Store(true)
			}
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Add("every minute", Definition{Name: NameReminders, Run: func(context.Context, time.Time) error { return nil }}); err == nil {
			t.Error("a bad spec was accepted")
		}
		s.Start()
		time.Sleep(31 * time.Minute) // virtual: two quarter-hour triggers
		synctest.Wait()
		if got := runs.Load(); got != 2 {
			t.Fatalf("runs after 31 minutes = %d, want 2", got)
		}
		if err := s.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !finished.Load() {
			t.Error("Stop returned before the running job finished")
		}
		if got := obs.list(); len(got) != 2 || got[0] != "sync:ok" || got[1] != "sync:ok" {
			t.Errorf("observed %v, want two ok runs", got)
		}
	})
}

func TestSchedulerStopCancelsJobsPastTheGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &Runner{Locks: &memLocks{held: map[string]store.Lock{}}, Holder: "a", Timeout: time.Hour}
		s := NewScheduler(time.UTC, r, nil)
		cancelled := atomic.Bool{}
		if err := s.Add("@every 1m", Definition{Name: NameSync, Run: func(ctx context.Context, _ time.Time) error {
			<-ctx.Done()
			cancelled.Store(true)
			return ctx.Err()
		}}); err != nil {
			t.Fatal(err)
		}
		s.Start()
		time.Sleep(90 * time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err == nil || !strings.Contains(err.Error(), "cancelled at shutdown") {
			t.Errorf("Stop past its grace = %v, want a cancellation error", err)
		}
		if !cancelled.Load() {
			t.Error("the running job was not cancelled")
		}
	})
}

func TestRunnerKeepsItsLockAliveAndStopsWhenItIsLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		locks := &memLocks{held: map[string]store.Lock{}}
		a := &Runner{Locks: locks, Holder: "replica-a", Timeout: time.Hour, LockTTL: time.Minute}
		b := &Runner{Locks: locks, Holder: "replica-b", Timeout: time.Hour, LockTTL: time.Minute}
		// The job's goroutine writes it while the test reads it: atomic,
		// since waiting in a bubble orders nothing for the race detector.
		var token atomic.Int64
		lost := make(chan error, 1)
		long := Definition{Name: NameSync, Run: func(ctx context.Context, _ time.Time) error {
			tok, _ := FencingToken(ctx)
			token.Store(tok)
			select {
			case <-time.After(10 * time.Minute):
				return nil
			case <-ctx.Done():
				lost <- context.Cause(ctx)
				return ctx.Err()
			}
		}}
		done := make(chan error, 1)
		go func() { done <- a.Run(context.Background(), long) }()

		// Five TTLs later the renewed lock still keeps replica b out.
		time.Sleep(5 * time.Minute)
		if err := b.Run(context.Background(), Definition{Name: NameSync, Run: func(context.Context, time.Time) error { return nil }}); !errors.Is(err, ErrLocked) {
			t.Fatalf("while a renews its lock, b's run = %v, want ErrLocked", err)
		}
		if token.Load() == 0 {
			t.Error("the job saw no fencing token")
		}

		locks.steal("job:sync")
		err := <-done
		if !errors.Is(err, ErrLockLost) {
			t.Errorf("run after losing its lock = %v, want ErrLockLost", err)
		}
		if cause := <-lost; !errors.Is(cause, ErrLockLost) {
			t.Errorf("the job's context was cancelled by %v, want ErrLockLost", cause)
		}
		// The thief's lock survives a's release attempt.
		if l := locks.held["job:sync"]; l.Holder != "replica-z" {
			t.Errorf("lock now held by %q, want the replica that took it over", l.Holder)
		}
	})
}

// TestAJobsWritesStopWhenItsLockIsLost: a run whose lock another replica
// has taken (it paused past the TTL) has its next write refused at once,
// before its renewal notices, so it cannot overwrite the new holder's work.
func TestAJobsWritesStopWhenItsLockIsLost(t *testing.T) {
	for name, st := range map[string]store.Store{"bolt": teststores.Bolt(t, nil), "redis": teststores.Redis(t, "jobs")} {
		t.Run(name, func(t *testing.T) {
			locks := &memLocks{held: map[string]store.Lock{}}
			fenced := store.Fenced(st)
			r := &Runner{Locks: locks, Holder: "replica-a", Timeout: time.Minute, LockTTL: time.Minute}
			var before, after error
			err := r.Run(t.Context(), Definition{Name: NameSync, Run: func(ctx context.Context, _ time.Time) error {
				_, before = fenced.CreateRecord(ctx, "fence-test", "before", []byte(`{}`))
				locks.steal("job:sync")
				_, after = fenced.CreateRecord(ctx, "fence-test", "after", []byte(`{}`))
				return after
			}})
			if before != nil {
				t.Fatalf("write while holding the lock: %v", before)
			}
			if !errors.Is(after, store.ErrFenced) || !errors.Is(err, store.ErrFenced) {
				t.Errorf("write after the lock was taken over = %v (run: %v), want ErrFenced", after, err)
			}
			if _, err := st.GetRecord(t.Context(), "fence-test", "after"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the refused write is in the store: %v", err)
			}
			// Outside a run nothing is fenced.
			if _, err := fenced.CreateRecord(t.Context(), "fence-test", "request", []byte(`{}`)); err != nil {
				t.Errorf("a write outside any job run: %v", err)
			}
		})
	}
}

func TestStopWaitsForRunNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &Runner{Locks: &memLocks{held: map[string]store.Lock{}}, Holder: "a", Timeout: time.Hour}
		s := NewScheduler(time.UTC, r, nil)
		s.Start()
		finished := atomic.Bool{}
		s.RunNow(Definition{Name: NameSync, Run: func(context.Context, time.Time) error {
			time.Sleep(3 * time.Minute)
			finished.Store(true)
			return nil
		}})
		synctest.Wait()
		if err := s.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !finished.Load() {
			t.Error("Stop returned before the RunNow run finished")
		}
	})
}

// TestRunAfter: a run scheduled for later starts when its time comes, and
// one Stop overtakes never starts and does not hold Stop up.
func TestRunAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &Runner{Locks: &memLocks{held: map[string]store.Lock{}}, Holder: "a", Timeout: time.Hour}
		s := NewScheduler(time.UTC, r, nil)
		s.Start()
		var ran atomic.Int32
		def := Definition{Name: NameReminders, Run: func(context.Context, time.Time) error { ran.Add(1); return nil }}
		s.RunAfter(def, 20*time.Second)
		s.RunAfter(def, time.Hour)
		time.Sleep(19 * time.Second)
		synctest.Wait()
		if n := ran.Load(); n != 0 {
			t.Fatalf("ran %d times before its time", n)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if n := ran.Load(); n != 1 {
			t.Fatalf("ran %d times after 21 s, want 1", n)
		}
		start := time.Now()
		if err := s.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited > time.Second || ran.Load() != 1 {
			t.Errorf("Stop waited %s and the hour-later run ran: %d runs", waited, ran.Load())
		}
	})
}

// A job woken after every run keeps one pending wake: the soonest.
func TestSchedulerWakeAfterKeepsTheSoonest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var runs atomic.Int32
		def := Definition{Name: NameAccessExpiry, Concurrent: true, Run: func(context.Context, time.Time) error {
			runs.Add(1)
			return nil
		}}
		s := NewScheduler(time.UTC, &Runner{Holder: "a", Timeout: time.Minute}, nil)
		s.WakeAfter(def, 30*time.Second)
		s.WakeAfter(def, 10*time.Second) // sooner: replaces the first
		s.WakeAfter(def, 20*time.Second) // later than the pending one: ignored
		time.Sleep(10*time.Second + time.Millisecond)
		synctest.Wait()
		if n := runs.Load(); n != 1 {
			t.Fatalf("%d runs at 10s, want 1", n)
		}
		time.Sleep(30 * time.Second)
		synctest.Wait()
		if n := runs.Load(); n != 1 {
			t.Errorf("%d runs by 40s, want still 1: the replaced wakes must not run", n)
		}
		s.WakeAfter(def, time.Second) // after a run, a new wake is taken
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if n := runs.Load(); n != 2 {
			t.Errorf("%d runs, want 2", n)
		}
		if err := s.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
