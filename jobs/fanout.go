package jobs

import (
	"context"
	"errors"
	"sync"
)

// forEach calls fn with each key on at most workers goroutines (default
// 8), handing out no more keys once ctx ends. The transports pace each
// conversation, so sending to several owners at once is safe.
func forEach[K any](ctx context.Context, workers int, keys []K, fn func(key K)) {
	if workers <= 0 {
		workers = 8
	}
	work := make(chan K)
	var wg sync.WaitGroup
	for range min(workers, max(len(keys), 1)) {
		wg.Go(func() {
			for k := range work {
				fn(k)
			}
		})
	}
	for _, k := range keys {
		select {
		case work <- k:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
}

// forEachErr is forEach for work that can fail: it returns every key's
// error, joined.
func forEachErr[K any](ctx context.Context, workers int, keys []K, fn func(key K) error) error {
	var mu sync.Mutex
	var errs []error
	forEach(ctx, workers, keys, func(k K) {
		if err := fn(k); err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	})
	return errors.Join(errs...)
}
