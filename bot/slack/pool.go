package slack

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// pool runs background work on a fixed number of workers with a bounded
// queue, so a burst of requests cannot start unbounded goroutines; when the
// queue is full the caller answers "busy" instead.
type pool struct {
	work   chan func(context.Context)
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	log    *slog.Logger

	mu     sync.RWMutex
	closed bool
}

// taskTimeout bounds one piece of background work.
const taskTimeout = 30 * time.Second

func newPool(workers, queue int, log *slog.Logger) *pool {
	if workers == 0 {
		workers = 8
	}
	if queue == 0 {
		queue = 256
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &pool{work: make(chan func(context.Context), queue), ctx: ctx, cancel: cancel, log: log}
	for range workers {
		p.wg.Go(p.run)
	}
	return p
}

func (p *pool) run() {
	for task := range p.work {
		p.do(task)
	}
}

func (p *pool) do(task func(context.Context)) {
	ctx, cancel := context.WithTimeout(p.ctx, taskTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("background task panicked", slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
		}
	}()
	task(ctx)
}

// submit queues task; false when the queue is full or the pool closed.
func (p *pool) submit(task func(context.Context)) bool {
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

// close stops taking work and waits for what is queued, cancelling it when
// ctx ends first.
func (p *pool) close(ctx context.Context) error {
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
