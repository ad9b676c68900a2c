package jobs

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/seats"
)

// Sync is the `sync` job: it brings each governed SaaS's seat snapshot up
// to date, all at once (each waits on its own SaaS, so one slow SaaS does
// not use up the job's time for the others), then runs each of also
// (credential inventories, installed apps). A part that fails does not
// stop the others, so a SaaS that is down leaves the others' data fresh
// and its own as it was; the run fails with every part's error. done, if
// set, is told about each successful seat sync (metrics, demo output),
// from the sync's own goroutine.
func Sync(syncers []*seats.Syncer, done func(context.Context, seats.SyncResult), also ...func(context.Context) error) Definition {
	return Definition{
		Name:        NameSync,
		Description: "pulls staff, groups and roles (incrementally where the SaaS allows), then credentials and installed apps, from every governed SaaS",
		Run: func(ctx context.Context, _ time.Time) error {
			errs := make([]error, len(syncers))
			var wg sync.WaitGroup
			for i, s := range syncers {
				wg.Go(func() {
					res, err := s.Sync(ctx)
					if err == nil && done != nil {
						done(ctx, res)
					}
					errs[i] = err
				})
			}
			wg.Wait()
			for _, part := range also {
				if ctx.Err() != nil {
					// A part skipped is not a success.
					errs = append(errs, context.Cause(ctx))
					break
				}
				errs = append(errs, part(ctx))
			}
			return errors.Join(errs...)
		},
	}
}
