package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/store"
)

func testSchedules(t *testing.T, h Harness) {
	const queue = "access-expiry"
	base := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	at := func(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }
	due := func(id string, sec int) store.Due { return store.Due{ID: id, At: at(sec)} }
	dueBy := func(t *testing.T, s store.Store, q string, sec, limit int) []store.Due {
		t.Helper()
		got, err := s.DueBy(t.Context(), q, at(sec), limit)
		if err != nil {
			t.Fatalf("DueBy: %v", err)
		}
		return got
	}
	schedule := func(t *testing.T, s store.Store, q, id string, when time.Time) {
		t.Helper()
		if err := s.Schedule(t.Context(), q, id, when); err != nil {
			t.Fatalf("Schedule(%s, %s): %v", q, id, err)
		}
	}

	t.Run("an empty queue has nothing due", func(t *testing.T) {
		s := h.New(t)
		if got := dueBy(t, s, queue, 1e6, 10); len(got) != 0 {
			t.Errorf("DueBy = %v, want nothing", got)
		}
		if _, err := s.NextDue(t.Context(), queue); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("NextDue: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("due entries come earliest first, up to the limit", func(t *testing.T) {
		s := h.New(t)
		schedule(t, s, queue, "g3", at(3))
		schedule(t, s, queue, "g1", at(1))
		schedule(t, s, queue, "g2", at(2))
		if diff := cmp.Diff([]store.Due{due("g1", 1), due("g2", 2)}, dueBy(t, s, queue, 2, 10)); diff != "" {
			t.Errorf("DueBy(2s) (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]store.Due{due("g1", 1)}, dueBy(t, s, queue, 10, 1)); diff != "" {
			t.Errorf("DueBy limit 1 (-want +got):\n%s", diff)
		}
		next, err := s.NextDue(t.Context(), queue)
		if err != nil || next != due("g1", 1) {
			t.Errorf("NextDue = %v, %v; want g1 at 1s", next, err)
		}
	})

	t.Run("scheduling again moves the entry", func(t *testing.T) {
		s := h.New(t)
		schedule(t, s, queue, "g1", at(1))
		schedule(t, s, queue, "g2", at(2))
		schedule(t, s, queue, "g1", at(5))
		if diff := cmp.Diff([]store.Due{due("g2", 2), due("g1", 5)}, dueBy(t, s, queue, 10, 10)); diff != "" {
			t.Errorf("after moving g1 to 5s (-want +got):\n%s", diff)
		}
	})

	t.Run("ties go by id; times keep milliseconds, also before 1970", func(t *testing.T) {
		s := h.New(t)
		when := base.Add(1500*time.Millisecond + 999*time.Microsecond)
		schedule(t, s, queue, "b", when)
		schedule(t, s, queue, "a", when)
		old := time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC)
		schedule(t, s, queue, "moon", old)
		want := []store.Due{{ID: "moon", At: old}, {ID: "a", At: store.DueTime(when)}, {ID: "b", At: store.DueTime(when)}}
		if diff := cmp.Diff(want, dueBy(t, s, queue, 10, 10)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("unschedule removes; removing an absent id is fine", func(t *testing.T) {
		s := h.New(t)
		schedule(t, s, queue, "g1", at(1))
		schedule(t, s, queue, "g2", at(2))
		for _, id := range []string{"g1", "g1", "never"} {
			if err := s.Unschedule(t.Context(), queue, id); err != nil {
				t.Fatalf("Unschedule(%s): %v", id, err)
			}
		}
		if diff := cmp.Diff([]store.Due{due("g2", 2)}, dueBy(t, s, queue, 10, 10)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("queues are apart", func(t *testing.T) {
		s := h.New(t)
		schedule(t, s, queue, "g1", at(1))
		schedule(t, s, queue+"-warn", "g1", at(0))
		schedule(t, s, "access", "g9", at(0)) // a prefix of the other queues' names
		if diff := cmp.Diff([]store.Due{due("g1", 1)}, dueBy(t, s, queue, 10, 10)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("10 due among 2,000 are found", func(t *testing.T) {
		s := h.New(t)
		for i := range 2_000 {
			sec := 3600 + i
			if i < 10 {
				sec = i
			}
			schedule(t, s, queue, fmt.Sprintf("g%05d", i), at(sec))
		}
		if got := dueBy(t, s, queue, 60, 100); len(got) != 10 || got[9] != due("g00009", 9) {
			t.Errorf("DueBy = %d entries (last %v); want g00000…g00009", len(got), got[len(got)-1])
		}
	})

	t.Run("concurrent schedules of one id leave one entry", func(t *testing.T) {
		s := h.New(t)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				if err := s.Schedule(t.Context(), queue, "g1", at(i)); err != nil {
					t.Errorf("Schedule: %v", err)
				}
			})
		}
		wg.Wait()
		if got := dueBy(t, s, queue, 100, 100); len(got) != 1 {
			t.Errorf("DueBy = %v; want one entry for g1", got)
		}
	})

	t.Run("invalid arguments are rejected", func(t *testing.T) {
		s := h.New(t)
		ctx := t.Context()
		for name, err := range map[string]error{
			"empty queue":      s.Schedule(ctx, "", "g1", base),
			"empty id":         s.Schedule(ctx, queue, "", base),
			"queue with brace": s.Schedule(ctx, "a{b}", "g1", base),
			"unschedule empty": s.Unschedule(ctx, queue, ""),
		} {
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: err = %v, want ErrInvalid", name, err)
			}
		}
		if _, err := s.DueBy(ctx, queue, base, 0); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("DueBy limit 0: err = %v, want ErrInvalid", err)
		}
		if _, err := s.NextDue(ctx, ""); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("NextDue empty queue: err = %v, want ErrInvalid", err)
		}
	})
}
