package pacing

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeTime is a clock that sleeping advances.
type fakeTime struct {
	now    time.Time
	slept  []time.Duration
	cancel bool // the next sleep is interrupted
}

func (f *fakeTime) Now() time.Time { return f.now }

func (f *fakeTime) Sleep(ctx context.Context, d time.Duration) error {
	if f.cancel {
		f.cancel = false
		return context.Canceled
	}
	f.slept = append(f.slept, d)
	f.now = f.now.Add(d)
	return nil
}

// TestPostsArePacedPerChannel: a burst of three goes out at once, then one
// post per second per channel; other channels are not held up, and a
// channel left alone gets its burst back.
func TestPostsArePacedPerChannel(t *testing.T) {
	clock := &fakeTime{now: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	p := New(1, 3, clock.Now, clock.Sleep)
	ctx := context.Background()
	steps := []struct {
		name    string
		channel string
		advance time.Duration
		want    []time.Duration // every wait so far
	}{
		{"first of a burst", "C1", 0, nil},
		{"second of a burst", "C1", 0, nil},
		{"third of a burst", "C1", 0, nil},
		{"fourth waits a second", "C1", 0, []time.Duration{time.Second}},
		{"fifth waits another", "C1", 0, []time.Duration{time.Second, time.Second}},
		{"another channel goes at once", "C2", 0, []time.Duration{time.Second, time.Second}},
		{"after a quiet spell the burst is back", "C1", 5 * time.Second, []time.Duration{time.Second, time.Second}},
	}
	for _, s := range steps {
		clock.now = clock.now.Add(s.advance)
		if err := p.Wait(ctx, s.channel); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if diff := cmp.Diff(s.want, clock.slept); diff != "" {
			t.Errorf("%s: waits (-want +got):\n%s", s.name, diff)
		}
	}
}

// TestAnInterruptedWaitGivesItsSlotBack: a post abandoned while waiting
// does not delay the next one further.
func TestAnInterruptedWaitGivesItsSlotBack(t *testing.T) {
	clock := &fakeTime{now: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	p := New(1, 1, clock.Now, clock.Sleep)
	ctx := context.Background()
	if err := p.Wait(ctx, "C1"); err != nil {
		t.Fatal(err)
	}
	clock.cancel = true
	if err := p.Wait(ctx, "C1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted wait: %v", err)
	}
	if err := p.Wait(ctx, "C1"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{time.Second}, clock.slept); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

// TestIdleChannelsAreForgotten: pacing state does not grow with every
// channel the bot ever posted to.
func TestIdleChannelsAreForgotten(t *testing.T) {
	clock := &fakeTime{now: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	p := New(1, 3, clock.Now, clock.Sleep)
	for _, ch := range []string{"C1", "C2", "C3"} {
		if err := p.Wait(context.Background(), ch); err != nil {
			t.Fatal(err)
		}
	}
	clock.now = clock.now.Add(2 * Idle)
	if err := p.Wait(context.Background(), "C4"); err != nil {
		t.Fatal(err)
	}
	if got := p.Size(); got != 1 {
		t.Errorf("%d channels paced after the others went idle, want 1", got)
	}
}
