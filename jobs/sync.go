package jobs

import (
	"context"
	"time"

	"github.com/seatwarden/seatwarden/seats"
)

// Sync is the `sync` job: it brings the seat snapshot up to date. done, if
// set, is told about each successful run (metrics, demo output).
func Sync(s *seats.Syncer, done func(context.Context, seats.SyncResult)) Definition {
	return Definition{
		Name:        NameSync,
		Description: "pulls users, groups and roles from Zendesk into the seat snapshot (incrementally after the first run)",
		Run: func(ctx context.Context, _ time.Time) error {
			res, err := s.Sync(ctx)
			if err != nil {
				return err
			}
			if done != nil {
				done(ctx, res)
			}
			return nil
		},
	}
}
