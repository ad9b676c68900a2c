// Package workers runs a transport's background work (answers that
// outlive an HTTP acknowledgement, posts, redraws) on a fixed number of
// goroutines with a bounded queue.
package workers

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Pool runs background work on a fixed number of workers with a bounded
// queue, so a burst of requests cannot start unbounded goroutines; when the
// queue is full the caller answers "busy" instead.
type Pool struct {
	work   chan func(context.Context)
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	log    *slog.Logger

	mu     sync.RWMutex
	closed bool
}

// TaskTimeout bounds one piece of background work.
const TaskTimeout = 30 * time.Second

// New starts workers goroutines (default 32: the work waits on Zendesk
// and Slack far more than it computes, a seat change about a second for
// its batch) over a queue of queue tasks
// (default 256); Close stops them.
func New(workers, queue int, log *slog.Logger) *Pool {
	if workers == 0 {
		workers = 32
	}
	if queue == 0 {
		queue = 256
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pool{work: make(chan func(context.Context), queue), ctx: ctx, cancel: cancel, log: log}
	for range workers {
		p.wg.Go(p.run)
	}
	return p
}

func (p *Pool) run() {
	for task := range p.work {
		p.do(task)
	}
}

func (p *Pool) do(task func(context.Context)) {
	ctx, cancel := context.WithTimeout(p.ctx, TaskTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("background task panicked", slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
		}
	}()
	task(ctx)
}

// Submit queues task; false when the queue is full or the pool closed.
func (p *Pool) Submit(task func(context.Context)) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return false
	}
	select {
	case p.work <- task:
		return true
	default:
		return false
	}
}

// Close stops taking work and waits for what is queued, cancelling it when
// ctx ends first.
func (p *Pool) Close(ctx context.Context) error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.work)
	}
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		p.cancel()
		return nil
	case <-ctx.Done():
		p.cancel()
		<-done
		return ctx.Err()
	}
}
