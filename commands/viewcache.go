package commands

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
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
// check interval. A sync on another replica is seen within that interval
// and judged in the background, one rebuild at a time, while the view
// before it keeps answering: nobody waits in line behind a decode. On the
// replica that synced, refresh judges the new snapshot before the sync
// job moves on, so the next command there has it.
type viewCache struct {
	// connector is the SaaS whose snapshot this caches.
	connector string
	day       func(time.Time) string
	every     time.Duration

	mu       sync.Mutex // held while building the first view, so one decode serves every waiter
	revision string
	date     string
	checked  time.Time // when revision was last read from the store
	view     *view
	// rebuilding: a background rebuild is running; pending waits for it.
	rebuilding bool
	pending    sync.WaitGroup
	// log hears a background rebuild that failed; the old view answers on.
	log *slog.Logger
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
	switch {
	case c.view != nil && c.revision == rev && c.date == date:
		c.checked = now
		return c.view, nil
	case c.view != nil && c.date == date:
		// Another replica synced: judge it in the background and answer
		// from what is known meanwhile.
		c.checked = now
		if !c.rebuilding {
			c.rebuilding = true
			c.pending.Add(1)
			go c.rebuild(d, rev, date, now)
		}
		return c.view, nil
	}
	return c.build(ctx, d, rev, date, now)
}

// build loads and judges the snapshot read at rev; callers hold c.mu.
func (c *viewCache) build(ctx context.Context, d Deps, rev, date string, now time.Time) (*view, error) {
	v, err := c.judge(ctx, d, rev, date, now)
	if err != nil {
		return nil, err
	}
	// Keyed by the revision read before loading: if a sync saved in
	// between, the next check sees a new revision and loads again.
	c.revision, c.date, c.view, c.checked = rev, date, v, now
	return v, nil
}

// judge loads the snapshot, whose revision was rev before it was read,
// and judges it at now, on date.
func (c *viewCache) judge(ctx context.Context, d Deps, rev, date string, now time.Time) (*view, error) {
	report, snap, err := seats.Judge(ctx, d.Snapshots, c.connector, d.Policy, now)
	if err != nil {
		return nil, err
	}
	v := newView(d, report, snap)
	v.base, v.patched = snap.Base, store.PatchedIDs(snap.Patched)
	c.name(ctx, d, v, rev, date)
	return v, nil
}

// catchUp is the view as it stands with the patches made to the
// snapshot since it was judged, whose revision is now rev: the patched
// members judged again, the rest kept. It is nil when the snapshot was
// saved since, or a patch puts back a member the view no longer holds:
// then the snapshot is judged again.
func (c *viewCache) catchUp(ctx context.Context, d Deps, rev, date string, now time.Time) (*view, error) {
	c.mu.Lock()
	v := c.view
	if v == nil || v.base == "" || c.date != date {
		v = nil
	}
	c.mu.Unlock()
	if v == nil {
		return nil, nil
	}
	head, err := d.Snapshots.ReadSnapshot(ctx, c.connector, nil)
	if err != nil || head.Base != v.base || !store.StillPatched(v.patched, head.Patched) {
		return nil, err
	}
	next := v.withPatches(d, head.Patched, store.PatchedIDs(head.Patched), now)
	if next != nil {
		c.name(ctx, d, next, rev, date)
	}
	return next, nil
}

// withPatches is v with patches applied at now, holding as patched the
// members held; nil when v cannot tell what they make of it
// (seats.Report.Patched), and the snapshot is to be judged again.
func (v *view) withPatches(d Deps, patches []store.MemberPatch, held []int64, now time.Time) *view {
	report, whole := v.report.Patched(v.snap, patches, d.Policy, now)
	if !whole {
		return nil
	}
	next := newView(d, report, v.snap)
	next.base, next.patched = v.base, held
	return next
}

// rebuild judges revision rev off the command's path and puts it in place.
func (c *viewCache) rebuild(d Deps, rev, date string, now time.Time) {
	defer c.pending.Done()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, err := c.next(ctx, d, rev, date, now)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rebuilding = false
	if err != nil {
		c.failed(err)
		return
	}
	if c.date == date {
		c.revision, c.view, c.checked = rev, v, now
	}
}

// next is the view of revision rev: the view held caught up with the
// patches made since, or the snapshot judged again.
func (c *viewCache) next(ctx context.Context, d Deps, rev, date string, now time.Time) (*view, error) {
	v, err := c.catchUp(ctx, d, rev, date, now)
	if v == nil && err == nil {
		v, err = c.judge(ctx, d, rev, date, now)
	}
	return v, err
}

// failed makes the next command look again after a snapshot could not
// be judged, while the last view answers; callers hold c.mu.
func (c *viewCache) failed(err error) {
	c.checked = time.Time{}
	if c.log != nil {
		c.log.Warn("the new seat snapshot could not be judged; the last one answers", slog.String("connector", c.connector), slog.Any("error", err))
	}
}

// name gives v, judged on date from the snapshot whose revision was rev
// before it was read, a key that two views share only when they say the
// same: the revision is the digest of the snapshot's content. A save
// while it was read leaves the view without one.
func (c *viewCache) name(ctx context.Context, d Deps, v *view, rev, date string) {
	if after, err := d.Snapshots.SnapshotRevision(ctx, c.connector); err == nil && after == rev {
		v.key = c.connector + "@" + rev + "/" + date
	}
}

// refresh judges the snapshot this process just saved before returning,
// unless its revision is the one already judged, so the replica that
// synced never answers from the old view. The judging happens outside
// the lock: commands meanwhile answer from the last view. With nothing
// judged yet today the next command reads it.
func (c *viewCache) refresh(d Deps) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	now := d.Now()
	c.mu.Lock()
	if c.view == nil || c.date != c.day(now) {
		c.checked = time.Time{}
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	if _, err := c.current(ctx, d, now); err != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.failed(err)
	}
}

// patch applies a patch this process made to the snapshot, from
// revision before to after, to the view judged at before: the changed
// members are judged again and the rest kept, so the replica that made
// a change answers from it at once without judging the snapshot again.
// Any other view is looked at again by the next command.
func (c *viewCache) patch(d Deps, before, after string, patches []store.MemberPatch) {
	now := d.Now()
	date := c.day(now)
	c.mu.Lock()
	v := c.view
	applies := v != nil && c.revision == before && c.date == date
	if !applies {
		c.checked = time.Time{}
	}
	c.mu.Unlock()
	if !applies {
		return
	}
	held := slices.Concat(v.patched, store.PatchedIDs(patches))
	slices.Sort(held)
	// Built before the lock is taken: commands answer from v meanwhile.
	next := v.withPatches(d, patches, slices.Compact(held), now)
	c.mu.Lock()
	defer c.mu.Unlock()
	if next == nil || c.view != v || c.revision != before || c.date != date {
		c.checked = time.Time{}
		return
	}
	next.key = c.connector + "@" + after + "/" + date
	c.revision, c.view, c.checked = after, next, now
}

// current is the view of the snapshot as it stands now, for a job that
// must not act on a view a sync has moved past (get answers from the last
// view while the next is judged): the cached view when the store's
// revision is still its own, else the snapshot judged now, outside the
// lock, which then answers the commands too unless another view took its
// place meanwhile.
func (c *viewCache) current(ctx context.Context, d Deps, now time.Time) (*view, error) {
	date := c.day(now)
	rev, err := d.Snapshots.SnapshotRevision(ctx, c.connector)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	seen := c.view
	if seen != nil && c.revision == rev && c.date == date {
		c.checked = now
		c.mu.Unlock()
		return seen, nil
	}
	c.mu.Unlock()
	v, err := c.next(ctx, d, rev, date, now)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.view == seen {
		c.revision, c.date, c.view, c.checked = rev, date, v, now
	}
	return v, nil
}

// wait returns once no background rebuild runs.
func (c *viewCache) wait() { c.pending.Wait() }
