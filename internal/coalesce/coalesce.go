// Package coalesce gathers calls made at about the same time into one
// batch, for APIs that answer many items in one request for the price of
// one: Zendesk reads and changes up to a hundred users a request under a
// limit of a few hundred requests a minute, so a hundred clicks carried
// out one request each would wait minutes where one batch takes a second.
package coalesce

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// Batcher runs the items handed to Do in batches of at most Max, each
// batch started Window after its first item arrived, or at once when it
// is full.
type Batcher[In, Out any] struct {
	max     int
	window  time.Duration
	timeout time.Duration
	run     func(ctx context.Context, ins []In) ([]Out, []error)

	// serial: one batch at a time; what arrives meanwhile goes in the
	// next, which starts as soon as this one ends (a group commit).
	serial bool

	mu       sync.Mutex
	pending  []*call[In, Out]
	timer    *time.Timer
	inFlight bool // a serial batcher's batch is running
}

// ErrNoAnswer: the batch's run returned no result for an item, a bug in
// run rather than a failure of what it called.
var ErrNoAnswer = errors.New("coalesce: the batch gave no answer for this item")

type call[In, Out any] struct {
	in   In
	out  Out
	err  error
	done chan struct{}
}

// New makes a Batcher. run answers a batch: one result and one error per
// item, in the items' order; it gets a context of its own bounded by
// timeout, since the callers waiting on a batch may give up one by one
// and none of them should cut the others off.
func New[In, Out any](size int, window, timeout time.Duration, run func(ctx context.Context, ins []In) ([]Out, []error)) *Batcher[In, Out] {
	return &Batcher[In, Out]{max: max(size, 1), window: window, timeout: timeout, run: run}
}

// OneAtATime makes b run one batch at a time, for work that cannot
// overlap anyway (a save under a lock, a compare-and-set of one value):
// what arrives while a batch runs waits for it and then goes at once, in
// one batch rather than many queued behind the lock or conflicting.
// Call it before the first Do.
func (b *Batcher[In, Out]) OneAtATime() *Batcher[In, Out] {
	b.serial = true
	return b
}

// Do adds in to the next batch and waits for its answer or for ctx. A
// caller that gives up leaves its item in the batch: whatever it asked
// may still be done.
func (b *Batcher[In, Out]) Do(ctx context.Context, in In) (Out, error) {
	c := &call[In, Out]{in: in, done: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, c)
	switch {
	case len(b.pending) >= b.max:
		b.startLocked()
	case len(b.pending) == 1:
		b.timer = time.AfterFunc(b.window, b.due)
	}
	b.mu.Unlock()
	select {
	case <-c.done:
		return c.out, c.err
	case <-ctx.Done():
		var zero Out
		return zero, ctx.Err()
	}
}

// due starts the batch whose window has passed.
func (b *Batcher[In, Out]) due() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.startLocked()
}

// startLocked starts a batch of up to max pending items, unless b runs
// one at a time and one is running: then it starts when that one ends.
func (b *Batcher[In, Out]) startLocked() {
	if b.serial && b.inFlight {
		return
	}
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	n := min(len(b.pending), b.max)
	if n == 0 {
		return
	}
	batch := b.pending[:n:n]
	b.pending = slices.Clone(b.pending[n:])
	if len(b.pending) > 0 && !b.serial {
		b.timer = time.AfterFunc(b.window, b.due)
	}
	if !b.serial {
		go b.flush(batch)
		return
	}
	b.inFlight = true
	go func() {
		b.flush(batch)
		b.mu.Lock()
		defer b.mu.Unlock()
		b.inFlight = false
		if len(b.pending) > 0 {
			b.startLocked()
		}
	}()
}

func (b *Batcher[In, Out]) flush(batch []*call[In, Out]) {
	ins := make([]In, len(batch))
	for i, c := range batch {
		ins[i] = c.in
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	outs, errs := b.run(ctx, ins)
	for i, c := range batch {
		switch {
		case i < len(errs) && errs[i] != nil:
			c.err = errs[i]
		case i < len(outs):
			c.out = outs[i]
		default:
			c.err = ErrNoAnswer
		}
		close(c.done)
	}
}
