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
type viewCache struct {
	day func(time.Time) string

	mu       sync.Mutex // held while rebuilding, so one decode serves every waiter
	revision string
	date     string
	view     *view
}

// dayIn returns the calendar date of a moment in loc: the unit seat
// inactivity is counted in.
func dayIn(loc *time.Location) func(time.Time) string {
	return func(t time.Time) string { return t.In(loc).Format(time.DateOnly) }
}

func (c *viewCache) get(ctx context.Context, d Deps, now time.Time) (*view, error) {
	rev, err := d.Snapshots.SnapshotRevision(ctx)
	if err != nil {
		return nil, err
	}
	date := c.day(now)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.view != nil && c.revision == rev && c.date == date {
		return c.view, nil
	}
	snap, err := d.Snapshots.LoadSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	v := newView(d, snap, now)
	// Keyed by the revision read before loading: if a sync saved in
	// between, the next command sees a new revision and loads again.
	c.revision, c.date, c.view = rev, date, v
	return v, nil
}
