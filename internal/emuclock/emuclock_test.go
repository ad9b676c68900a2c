package emuclock_test

import (
	"context"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/internal/emuclock"
)

func TestClock(t *testing.T) {
	base := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var c emuclock.Clock
	c.Follow(func() time.Time { return base })
	steps := []struct {
		name string
		do   func()
		want time.Time
	}{
		{"follows its base", func() {}, base},
		{"advances", func() { c.Advance(time.Hour) }, base.Add(time.Hour)},
		{"sleeping advances", func() { _ = c.Sleep(context.Background(), 30*time.Minute) }, base.Add(90 * time.Minute)},
		{"freezes", func() { c.SetNow(base.AddDate(0, 0, 3)) }, base.AddDate(0, 0, 3)},
		{"advances while frozen", func() { c.Advance(24 * time.Hour) }, base.AddDate(0, 0, 4)},
	}
	for _, s := range steps {
		s.do()
		if got := c.Now(); !got.Equal(s.want) {
			t.Errorf("%s: Now() = %v, want %v", s.name, got, s.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Hour); err == nil || !c.Now().Equal(base.AddDate(0, 0, 4)) {
		t.Errorf("a cancelled sleep: %v, clock %v", err, c.Now())
	}
}
