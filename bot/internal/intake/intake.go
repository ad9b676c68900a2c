// Package intake keeps work a transport has acknowledged until it is
// done. Slack never sends an acknowledged click again, and Teams never
// sends an activity again, so work held only in a replica's memory dies
// with the replica. Each piece is written to the store before it is
// acknowledged and deleted once done; a piece whose replica died (its
// lease lapsed) is taken up by another replica's sweep.
package intake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// Defaults. The lease outlives a task (the worker pool bounds each to
// 30 s), so work taken under a live lease is finished or abandoned before
// another replica may take it.
const (
	DefaultLease = 45 * time.Second
	DefaultSweep = 5 * time.Second
	// MaxAttempts: a piece taken this often without being done (it
	// kills whoever runs it, or never ends) is dropped and logged.
	MaxAttempts = 3
)

// Queue is one transport's intake.
type Queue struct {
	Records store.Records
	// Kind is the records' kind ("slack-intake").
	Kind string
	// Holder names this replica.
	Holder string
	Lease  time.Duration
	Now    func() time.Time
	Log    *slog.Logger

	mu     sync.Mutex
	handed map[string]bool // lapsed work queued for a worker here
}

// entry is one piece of work as stored.
type entry struct {
	Payload  json.RawMessage `json:"payload"`
	Holder   string          `json:"holder"`
	Until    time.Time       `json:"until"`
	Received time.Time       `json:"received"`
	Attempts int             `json:"attempts"`
}

// Work is a piece taken from the queue: run it, then call Done.
type Work struct {
	ID       string
	Payload  json.RawMessage
	Received time.Time
	// Attempts counts the replicas that took it, this one included.
	Attempts int
}

func (q *Queue) now() time.Time {
	if q.Now != nil {
		return q.Now()
	}
	return time.Now()
}

func (q *Queue) lease() time.Duration {
	if q.Lease > 0 {
		return q.Lease
	}
	return DefaultLease
}

func (q *Queue) log() *slog.Logger {
	if q.Log != nil {
		return q.Log
	}
	return slog.Default()
}

// Add writes payload to the queue, held by this replica, and returns its
// id. Acknowledge the work only once Add has returned without error.
func (q *Queue) Add(ctx context.Context, payload any) (string, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("intake: %w", err)
	}
	now := q.now()
	data, err := json.Marshal(entry{Payload: raw, Holder: q.Holder, Until: now.Add(q.lease()), Received: now, Attempts: 1})
	if err != nil {
		return "", fmt.Errorf("intake: %w", err)
	}
	id := newID()
	if _, err := q.Records.CreateRecord(ctx, q.Kind, id, data); err != nil {
		return "", fmt.Errorf("intake: %w", err)
	}
	return id, nil
}

// Start renews this replica's lease on id as its work begins (it may have
// waited in a queue meanwhile). false means another replica has taken
// it, or it is done: leave it.
func (q *Queue) Start(ctx context.Context, id string) (bool, error) {
	_, ok, err := q.take(ctx, id, func(e entry, now time.Time) bool {
		return e.Holder == q.Holder || !now.Before(e.Until)
	}, false)
	return ok, err
}

// Done removes finished work.
func (q *Queue) Done(ctx context.Context, id string) error {
	if err := q.Records.DeleteRecord(ctx, q.Kind, id); err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	return nil
}

// Lapsed lists the work whose holder's lease has run out: a replica that
// died before finishing it. It takes none of it: Take does, when a worker
// is free to run it, so a replica whose workers are stuck takes nothing.
// Work taken MaxAttempts times already is dropped and logged instead.
func (q *Queue) Lapsed(ctx context.Context) ([]Work, error) {
	recs, err := q.Records.ListRecords(ctx, q.Kind)
	if err != nil {
		return nil, fmt.Errorf("intake: %w", err)
	}
	now := q.now()
	var out []Work
	for _, r := range recs {
		var e entry
		if err := json.Unmarshal(r.Data, &e); err != nil || now.Before(e.Until) {
			continue
		}
		if e.Attempts >= MaxAttempts {
			q.log().ErrorContext(ctx, "intake: work dropped after being taken up too often without finishing",
				slog.String("kind", q.Kind), slog.String("id", r.ID), slog.Int("attempts", e.Attempts), slog.Time("received", e.Received))
			if err := q.Done(ctx, r.ID); err != nil {
				return out, err
			}
			continue
		}
		out = append(out, Work{ID: r.ID, Payload: e.Payload, Received: e.Received, Attempts: e.Attempts})
	}
	return out, nil
}

// Take leases lapsed work to this replica as a worker is about to run it.
// false means another replica took it first, or it is done.
func (q *Queue) Take(ctx context.Context, id string) (bool, error) {
	_, ok, err := q.take(ctx, id, func(e entry, now time.Time) bool { return !now.Before(e.Until) }, true)
	return ok, err
}

// take leases id to this replica when may allows, with a compare-and-set
// so two replicas never both take it.
func (q *Queue) take(ctx context.Context, id string, may func(entry, time.Time) bool, attempt bool) (Work, bool, error) {
	for {
		r, err := q.Records.GetRecord(ctx, q.Kind, id)
		if errors.Is(err, store.ErrNotFound) {
			return Work{}, false, nil
		}
		if err != nil {
			return Work{}, false, fmt.Errorf("intake: %w", err)
		}
		var e entry
		if err := json.Unmarshal(r.Data, &e); err != nil {
			return Work{}, false, fmt.Errorf("intake: %s: %w", id, err)
		}
		now := q.now()
		if !may(e, now) {
			return Work{}, false, nil
		}
		e.Holder, e.Until = q.Holder, now.Add(q.lease())
		if attempt {
			e.Attempts++
		}
		data, err := json.Marshal(e)
		if err != nil {
			return Work{}, false, err
		}
		_, err = q.Records.CompareAndSwapRecord(ctx, q.Kind, id, r.Version, data)
		switch {
		case errors.Is(err, store.ErrConflict):
			continue
		case errors.Is(err, store.ErrNotFound):
			return Work{}, false, nil
		case err != nil:
			return Work{}, false, fmt.Errorf("intake: %w", err)
		}
		return Work{ID: id, Payload: e.Payload, Received: e.Received, Attempts: e.Attempts}, true, nil
	}
}

// Sweep looks for lapsed work every interval (default DefaultSweep)
// and hands each piece to submit, which queues it for a worker (that
// calls Take, runs it, and calls Done) and reports whether it did. A
// piece handed over is not handed over again until finished is called
// with its id, so a busy replica's queue does not fill with it.
func (q *Queue) Sweep(ctx context.Context, every time.Duration, submit func(Work) bool) {
	if every <= 0 {
		every = DefaultSweep
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		work, err := q.Lapsed(ctx)
		if err != nil && ctx.Err() == nil {
			q.log().WarnContext(ctx, "intake: sweep failed; the next one tries again", slog.String("kind", q.Kind), slog.Any("error", err))
		}
		// Every replica sweeps the same list: each takes it in its own
		// order, so they share a backlog rather than race for one piece.
		mrand.Shuffle(len(work), func(i, j int) { work[i], work[j] = work[j], work[i] })
		for _, w := range work {
			if !q.hand(w.ID) {
				continue
			}
			if !submit(w) {
				q.Finished(w.ID)
			}
		}
	}
}

// hand marks id as handed to a worker; false when it already is.
func (q *Queue) hand(id string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.handed == nil {
		q.handed = map[string]bool{}
	}
	if q.handed[id] {
		return false
	}
	q.handed[id] = true
	return true
}

// Finished says the worker Sweep handed id to is done with it, whatever
// came of it.
func (q *Queue) Finished(id string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.handed, id)
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Background runs Sweep until the returned stop is called; stop waits for
// the sweep to end, or for its ctx.
func (q *Queue) Background(every time.Duration, submit func(Work) bool) (stop func(context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		q.Sweep(ctx, every, submit)
	}()
	return func(wait context.Context) {
		cancel()
		select {
		case <-swept:
		case <-wait.Done():
		}
	}
}

// Submit queues work for one of the transport's workers; false when it
// will not run (the queue is full).
type Submit func(func(context.Context)) bool

// ErrBusy: the work was not taken, since no worker would run it.
var ErrBusy = errors.New("intake: no worker free to take it")

// Accept writes payload to the queue, then hands run to a worker: the
// worker renews this replica's claim (leaving work another replica has
// taken meanwhile), runs it and removes it. Acknowledge the work only
// when Accept returns nil; on an error nothing is left queued.
func (q *Queue) Accept(ctx context.Context, payload any, submit Submit, run func(context.Context)) error {
	id, err := q.Add(ctx, payload)
	if err != nil {
		return err
	}
	queued := submit(func(ctx context.Context) {
		mine, err := q.Start(ctx, id)
		if err != nil {
			q.log().WarnContext(ctx, "intake: claim not renewed; the sweep takes the work up", slog.String("kind", q.Kind), slog.String("id", id), slog.Any("error", err))
			return
		}
		if mine {
			run(ctx)
			q.Remove(ctx, id)
		}
	})
	if !queued {
		q.Remove(ctx, id) // left behind, it would be run after its lease
		return ErrBusy
	}
	return nil
}

// Resume hands lapsed work to a worker, which takes it unless another
// replica has and runs it. run reports whether the work is finished; an
// answer that failed stays for the next sweep after its lease. It is
// Sweep's submit, bound to the transport's workers and its run.
func (q *Queue) Resume(w Work, submit Submit, run func(ctx context.Context, payload json.RawMessage) bool) bool {
	return submit(func(ctx context.Context) {
		defer q.Finished(w.ID)
		if taken, err := q.Take(ctx, w.ID); err != nil || !taken {
			return
		}
		q.log().InfoContext(ctx, "intake: taking up work a replica acknowledged and left unfinished", slog.String("kind", q.Kind),
			slog.String("id", w.ID), slog.Int("attempt", w.Attempts+1), slog.Duration("waited", q.now().Sub(w.Received)))
		if run(ctx, w.Payload) {
			q.Remove(ctx, w.ID)
		}
	})
}

// Remove removes finished work; a failure is logged, since the work stands
// done and at worst is run again after its lease.
func (q *Queue) Remove(ctx context.Context, id string) {
	if err := q.Done(ctx, id); err != nil {
		q.log().WarnContext(ctx, "intake: finished work still queued; it may be run again", slog.String("kind", q.Kind), slog.String("id", id), slog.Any("error", err))
	}
}
