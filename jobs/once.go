package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// sendOnce delivers something at most once across replicas while it
// succeeds: key is claimed first (for ttl), and released when deliver
// fails, so the next run tries again. Without keys it just delivers.
// It reports whether this call delivered.
func sendOnce(ctx context.Context, keys store.Idempotency, key string, ttl time.Duration, deliver func() error) (bool, error) {
	if keys != nil {
		first, err := keys.ClaimKey(ctx, key, ttl)
		if err != nil || !first {
			return false, err
		}
	}
	if err := deliver(); err != nil {
		if keys != nil {
			err = errors.Join(err, keys.ReleaseKey(context.WithoutCancel(ctx), key))
		}
		return false, err
	}
	return true, nil
}
