package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/seatwarden/seatwarden/seats"
)

// Sync is the `sync` job: it brings the seat snapshot up to date, then
// runs each of also (the credential inventory). A part that fails does
// not stop the others; the run fails with every part's error. done, if
// set, is told about each successful seat sync (metrics, demo output).
func Sync(s *seats.Syncer, done func(context.Context, seats.SyncResult), also ...func(context.Context) error) Definition {
	return Definition{
		Name:        NameSync,
		Description: "pulls users, groups and roles (incrementally after the first run), then API tokens, OAuth clients and tokens and app installations, from Zendesk",
		Run: func(ctx context.Context, _ time.Time) error {
			res, err := s.Sync(ctx)
			if err == nil && done != nil {
				done(ctx, res)
			}
			errs := []error{err}
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
