package commands

import (
	"context"
	"sync"
	"time"
)

// viewCache keeps the judged snapshot between commands. Decoding and
// judging a large account's snapshot takes far longer than answering from
// it, and it changes only when a sync saves a new one or the calendar day
// turns (inactivity is counted in days), so each command asks the store for
// the snapshot's revision, a few bytes, and rebuilds only when that or the
// day differs.
//
// Even the revision is a store round trip; at hundreds of commands a
// second it is most of a command's cost, so it is asked at most once per
// check interval. A sync on another replica is seen within that interval;
// on this one, Invalidate makes the next command look at once.
type viewCache struct {
	// connector is the SaaS whose snapshot this caches.
	connector string
	day       func(time.Time) string
	every     time.Duration

	mu       sync.Mutex // held while rebuilding, so one decode serves every waiter
	revision string
	date     string
	checked  time.Time // when revision was last read from the store
	view     *view
}

// DefaultSnapshotCheck is how often commands ask the store whether the
// snapshot changed.
const DefaultSnapshotCheck = time.Second

// dayIn returns the calendar date of a moment in loc: the unit seat
// inactivity is counted in.
func dayIn(loc *time.Location) func(time.Time) string {
	return func(t time.Time) string { return t.In(loc).Format(time.DateOnly) }
}

func (c *viewCache) get(ctx context.Context, d Deps, now time.Time) (*view, error) {
	date := c.day(now)
	c.mu.Lock()
	fresh := c.view != nil && c.date == date && now.Sub(c.checked) < c.every && !now.Before(c.checked)
	v := c.view
	c.mu.Unlock()
	if fresh {
		return v, nil
	}

	rev, err := d.Snapshots.SnapshotRevision(ctx, c.connector)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.view != nil && c.revision == rev && c.date == date {
		c.checked = now
		return c.view, nil
	}
	snap, err := d.Snapshots.LoadSnapshot(ctx, c.connector)
	if err != nil {
		return nil, err
	}
	v = newView(d, snap, now)
	// Keyed by the revision read before loading: if a sync saved in
	// between, the next check sees a new revision and loads again.
	c.revision, c.date, c.view, c.checked = rev, date, v, now
	return v, nil
}

// invalidate makes the next command ask the store for the revision.
func (c *viewCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checked = time.Time{}
}
