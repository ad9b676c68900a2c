package coalesce_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/seatwarden/seatwarden/internal/coalesce"
)

// recorder is a run that doubles each item and keeps the batches it saw.
type recorder struct {
	mu      sync.Mutex
	batches [][]int
	fail    map[int]error
}

func (r *recorder) run(_ context.Context, ins []int) ([]int, []error) {
	r.mu.Lock()
	r.batches = append(r.batches, slices.Clone(ins))
	r.mu.Unlock()
	outs, errs := make([]int, len(ins)), make([]error, len(ins))
	for i, in := range ins {
		outs[i], errs[i] = in*2, r.fail[in]
	}
	return outs, errs
}

func TestCallsTogetherShareABatch(t *testing.T) {
	tests := []struct {
		name    string
		calls   int
		max     int
		batches []int // sizes, in any order
	}{
		{"one call waits out the window alone", 1, 100, []int{1}},
		{"calls within the window share one batch", 7, 100, []int{7}},
		{"a full batch goes at once, the rest after the window", 25, 10, []int{10, 10, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := &recorder{}
				b := coalesce.New(tt.max, 50*time.Millisecond, time.Second, r.run)
				var wg sync.WaitGroup
				for i := range tt.calls {
					wg.Go(func() {
						got, err := b.Do(t.Context(), i)
						if err != nil || got != 2*i {
							t.Errorf("Do(%d) = %d, %v; want %d", i, got, err, 2*i)
						}
					})
				}
				wg.Wait()
				var sizes []int
				for _, batch := range r.batches {
					sizes = append(sizes, len(batch))
				}
				slices.Sort(sizes)
				want := slices.Sorted(slices.Values(tt.batches))
				if !slices.Equal(sizes, want) {
					t.Errorf("batch sizes %v, want %v", sizes, want)
				}
			})
		})
	}
}

func TestBatchWaitsForItsWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{}
		b := coalesce.New(100, 50*time.Millisecond, time.Second, r.run)
		start := time.Now()
		if _, err := b.Do(t.Context(), 1); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != 50*time.Millisecond {
			t.Errorf("answered after %v, want the 50ms window", waited)
		}
	})
}

func TestEachCallGetsItsOwnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		refused := errors.New("refused")
		r := &recorder{fail: map[int]error{2: refused}}
		b := coalesce.New(100, 10*time.Millisecond, time.Second, r.run)
		errs := make([]error, 4)
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() { _, errs[i] = b.Do(t.Context(), i) })
		}
		wg.Wait()
		for i, err := range errs {
			if want := r.fail[i]; !errors.Is(err, want) || (want == nil && err != nil) {
				t.Errorf("item %d: %v, want %v", i, err, want)
			}
		}
	})
}

func TestACallerWhoGivesUpDoesNotCutOffTheOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var cutOff []error
		slow := func(ctx context.Context, ins []int) ([]int, []error) {
			time.Sleep(time.Second)
			cutOff = append(cutOff, ctx.Err())
			return ins, make([]error, len(ins))
		}
		b := coalesce.New(100, 10*time.Millisecond, time.Minute, slow)
		impatient, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, err := b.Do(impatient, 1); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("impatient caller: %v, want its deadline", err)
			}
		})
		wg.Go(func() {
			if got, err := b.Do(t.Context(), 2); err != nil || got != 2 {
				t.Errorf("patient caller: %d, %v", got, err)
			}
		})
		wg.Wait()
		if len(cutOff) != 1 || cutOff[0] != nil {
			t.Errorf("the batch's context after the impatient caller left: %v, want one batch, not cut off", cutOff)
		}
	})
}

func TestShortAnswerIsAnErrorNotAZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		short := func(_ context.Context, ins []int) ([]int, []error) { return ins[:1], nil }
		b := coalesce.New(2, time.Second, time.Second, short)
		var wg sync.WaitGroup
		var failed int
		var mu sync.Mutex
		for i := range 2 {
			wg.Go(func() {
				if _, err := b.Do(t.Context(), i); errors.Is(err, coalesce.ErrNoAnswer) {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if failed != 1 {
			t.Errorf("%d calls without an answer got ErrNoAnswer, want 1", failed)
		}
	})
}

func ExampleBatcher() {
	double := func(_ context.Context, ins []int) ([]int, []error) {
		out := make([]int, len(ins))
		for i, v := range ins {
			out[i] = 2 * v
		}
		return out, nil
	}
	b := coalesce.New(100, time.Millisecond, time.Second, double)
	v, err := b.Do(context.Background(), 21)
	fmt.Println(v, err)
	// Output: 42 <nil>
}

// TestOneAtATimeGathersWhatArrivesMeanwhile: while a batch runs, the
// calls that arrive wait for it and then go together, never two batches
// at once.
func TestOneAtATimeGathersWhatArrivesMeanwhile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var running, most int
		var sizes []int
		slow := func(_ context.Context, ins []int) ([]int, []error) {
			mu.Lock()
			running++
			most = max(most, running)
			sizes = append(sizes, len(ins))
			mu.Unlock()
			time.Sleep(time.Second)
			mu.Lock()
			running--
			mu.Unlock()
			return ins, nil
		}
		b := coalesce.New(100, 10*time.Millisecond, time.Minute, slow).OneAtATime()
		var wg sync.WaitGroup
		wg.Go(func() { _, _ = b.Do(t.Context(), 0) })
		time.Sleep(100 * time.Millisecond) // the first batch is running
		for i := range 30 {
			wg.Go(func() { _, _ = b.Do(t.Context(), i+1) })
			time.Sleep(20 * time.Millisecond) // past the window each time
		}
		wg.Wait()
		if most != 1 || !slices.Equal(sizes, []int{1, 30}) {
			t.Errorf("batches %v, at most %d at once; want [1 30], one at a time", sizes, most)
		}
	})
}
