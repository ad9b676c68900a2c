package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/seatwarden/seatwarden/seats"
)

// Sync is the `sync` job: it brings each governed SaaS's seat snapshot up
// to date, then runs each of also (credential inventories, installed
// apps). A part that fails does not stop the others, so a SaaS that is
// down leaves the others' data fresh and its own as it was; the run fails
// with every part's error. done, if set, is told about each successful
// seat sync (metrics, demo output).
func Sync(syncers []*seats.Syncer, done func(context.Context, seats.SyncResult), also ...func(context.Context) error) Definition {
	return Definition{
		Name:        NameSync,
		Description: "pulls staff, groups and roles (incrementally where the SaaS allows), then credentials and installed apps, from every governed SaaS",
		Run: func(ctx context.Context, _ time.Time) error {
			var errs []error
			for _, s := range syncers {
				if ctx.Err() != nil {
					errs = append(errs, context.Cause(ctx))
					break
				}
				res, err := s.Sync(ctx)
				if err == nil && done != nil {
					done(ctx, res)
				}
				errs = append(errs, err)
			}
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
