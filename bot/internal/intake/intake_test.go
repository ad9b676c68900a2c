package intake_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot/internal/intake"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/store"
)

var stores = map[string]func(*testing.T) store.Store{
	"bolt":  func(t *testing.T) store.Store { return teststores.Bolt(t, nil) },
	"redis": func(t *testing.T) store.Store { return teststores.Redis(t, "intake") },
}

type clock struct{ at atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.at.Load()) }
func (c *clock) advance(d time.Duration) { c.at.Add(int64(d)) }

func replica(st store.Records, c *clock, name string) *intake.Queue {
	return &intake.Queue{Records: st, Kind: "test-intake", Holder: name, Lease: time.Minute, Now: c.now}
}

// Work stays with the replica that took it in while its lease lives; once
// the lease lapses one other replica takes it, and the first one, waking,
// leaves it alone. Done removes it.
func TestIntakeHandsOverWorkOfADeadReplica(t *testing.T) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, c := open(t), &clock{}
			c.advance(time.Hour)
			one, two := replica(st, c, "one"), replica(st, c, "two")
			id, err := one.Add(ctx, map[string]string{"click": "seat.keep"})
			if err != nil {
				t.Fatal(err)
			}
			if w, err := two.Lapsed(ctx); err != nil || len(w) != 0 {
				t.Fatalf("lapsed while the lease lives: %v, %v", w, err)
			}
			if ok, err := two.Take(ctx, id); err != nil || ok {
				t.Fatalf("another replica took work under a live lease: %v, %v", ok, err)
			}
			c.advance(30 * time.Second)
			if ok, err := one.Start(ctx, id); err != nil || !ok {
				t.Fatalf("its own replica could not start it: %v, %v", ok, err)
			}
			c.advance(61 * time.Second) // Start renewed the lease; now it lapses
			w, err := two.Lapsed(ctx)
			if err != nil || len(w) != 1 || w[0].ID != id || string(w[0].Payload) != `{"click":"seat.keep"}` || w[0].Attempts != 1 {
				t.Fatalf("lapsed = %+v, %v; want the work, taken once", w, err)
			}
			if ok, err := two.Take(ctx, id); err != nil || !ok {
				t.Fatalf("taking lapsed work: %v, %v", ok, err)
			}
			if ok, err := one.Start(ctx, id); err != nil || ok {
				t.Errorf("the first replica, waking, started work another had taken: %v, %v", ok, err)
			}
			if err := two.Done(ctx, id); err != nil {
				t.Fatal(err)
			}
			c.advance(time.Hour)
			if w, err := one.Lapsed(ctx); err != nil || len(w) != 0 {
				t.Errorf("lapsed after done: %v, %v", w, err)
			}
			if ok, err := one.Take(ctx, id); err != nil || ok {
				t.Errorf("took finished work: %v, %v", ok, err)
			}
		})
	}
}

// Of many replicas taking one piece of lapsed work at once, one gets it.
func TestIntakeLapsedWorkIsTakenOnce(t *testing.T) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, c := open(t), &clock{}
			id, err := replica(st, c, "dead").Add(ctx, "work")
			if err != nil {
				t.Fatal(err)
			}
			c.advance(2 * time.Minute)
			var won atomic.Int32
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					ok, err := replica(st, c, string(rune('a'+i))).Take(ctx, id)
					if err != nil {
						t.Error(err)
					}
					if ok {
						won.Add(1)
					}
				})
			}
			wg.Wait()
			if won.Load() != 1 {
				t.Errorf("%d replicas took the work, want 1", won.Load())
			}
		})
	}
}

// Work that keeps killing whoever takes it is dropped after MaxAttempts.
func TestIntakeDropsWorkThatNeverFinishes(t *testing.T) {
	ctx := context.Background()
	st, c := teststores.Bolt(t, nil), &clock{}
	q := replica(st, c, "one")
	id, err := q.Add(ctx, "poison")
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 2; attempt <= intake.MaxAttempts; attempt++ {
		c.advance(2 * time.Minute)
		if ok, err := replica(st, c, "next").Take(ctx, id); err != nil || !ok {
			t.Fatalf("attempt %d: %v, %v", attempt, ok, err)
		}
	}
	c.advance(2 * time.Minute)
	if w, err := q.Lapsed(ctx); err != nil || len(w) != 0 {
		t.Errorf("lapsed after %d attempts: %v, %v; want it dropped", intake.MaxAttempts, w, err)
	}
	if recs, err := st.ListRecords(ctx, "test-intake"); err != nil || len(recs) != 0 {
		t.Errorf("%d entries left (%v), want none", len(recs), err)
	}
}

// Sweep hands lapsed work to a worker once, not at every tick while the
// worker has not got to it.
func TestSweepHandsWorkOverOnce(t *testing.T) {
	st, c := teststores.Bolt(t, nil), &clock{}
	if _, err := replica(st, c, "dead").Add(t.Context(), "work"); err != nil {
		t.Fatal(err)
	}
	c.advance(2 * time.Minute)
	listed := make(chan struct{}, 100)
	q := replica(listing{st, listed}, c, "live")
	ctx, cancel := context.WithCancel(t.Context())
	handed := make(chan intake.Work, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		q.Sweep(ctx, time.Millisecond, func(w intake.Work) bool { handed <- w; return true })
	}()
	w := <-handed
	// Many sweeps pass without Finished: nothing more is handed over.
	for range 20 {
		<-listed
	}
	select {
	case again := <-handed:
		t.Fatalf("handed over again before it finished: %+v", again)
	default:
	}
	q.Finished(w.ID)
	<-handed // lapsed still (nobody took it), so handed over again
	cancel()
	<-done
}

// listing signals every list of the intake: one per sweep.
type listing struct {
	store.Records
	listed chan struct{}
}

func (l listing) ListRecords(ctx context.Context, kind string) ([]store.Record, error) {
	recs, err := l.Records.ListRecords(ctx, kind)
	select {
	case l.listed <- struct{}{}:
	default:
	}
	return recs, err
}
