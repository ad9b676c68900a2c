// Package once takes a message its platform may deliver again (Slack's
// event retries, Teams' redeliveries) once across replicas. While one
// replica takes it a short lease sends other deliveries away to come
// again; once it is taken for good (answered, or queued where it outlives
// the replica) a mark drops every later delivery. Marking first would let
// a replica killed before the work was safe leave a mark behind that drops
// the message for good.
package once

import (
	"context"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// Keys are one message's two keys: Done marks it taken for good; Lease is
// held while a replica takes it.
type Keys struct{ Done, Lease string }

// State is what a delivery found.
type State int

const (
	// Take: this delivery holds the lease and takes the message.
	Take State = iota
	// Done: the message was taken for good before; drop the delivery.
	Done
	// Taking: another replica holds the lease; the delivery should come
	// again.
	Taking
)

// Begin looks at k for a delivery and, when nobody took the message or
// holds its lease, takes the lease for lease.
func Begin(ctx context.Context, s store.Idempotency, k Keys, lease time.Duration) (State, error) {
	done, err := s.KeyClaimed(ctx, k.Done)
	if err != nil {
		return 0, err
	}
	if done {
		return Done, nil
	}
	first, err := s.ClaimKey(ctx, k.Lease, lease)
	if err != nil {
		return 0, err
	}
	if !first {
		return Taking, nil
	}
	return Take, nil
}

// Mark marks the message of k taken for good, for keep.
func Mark(ctx context.Context, s store.Idempotency, k Keys, keep time.Duration) error {
	_, err := s.ClaimKey(ctx, k.Done, keep)
	return err
}
