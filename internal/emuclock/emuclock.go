// Package emuclock is the clock the SaaS emulators share: the wall clock
// (or one a test gives), moved forward by Advance or frozen by SetNow, so a
// test can step an emulated account through days without sleeping.
package emuclock

import (
	"context"
	"sync"
	"time"
)

// Clock is an emulator's clock. Its zero value follows time.Now.
type Clock struct {
	mu     sync.Mutex
	base   func() time.Time
	offset time.Duration
	fixed  *time.Time
}

// Follow makes the clock read now (plus what Advance added) instead of
// time.Now.
func (c *Clock) Follow(now func() time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base = now
}

// Now is the emulator's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fixed != nil {
		return *c.fixed
	}
	if c.base == nil {
		return time.Now().Add(c.offset)
	}
	return c.base().Add(c.offset)
}

// SetNow freezes the emulator clock at t.
func (c *Clock) SetNow(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fixed = &t
}

// Advance moves the emulator clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fixed != nil {
		t := c.fixed.Add(d)
		c.fixed = &t
		return
	}
	c.offset += d
}

// Sleep advances the clock by d instead of waiting, for a client sharing
// the emulator's clock. It returns ctx.Err() when ctx has ended.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.Advance(d)
	}
	return nil
}
