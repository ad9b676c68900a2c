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

// Hold keeps the lease key, taken by Begin for lease, while the work
// runs past it (a post paced by Slack, a slow store), extending it every
// third of lease until stop is called. stop reports whether the lease was
// held throughout: false means it lapsed, or could not be extended before
// it would have, and another replica may have taken the message meanwhile.
// A failed extension is tried again at the next tick.
func Hold(ctx context.Context, s store.Idempotency, key string, lease time.Duration) (stop func() (held bool)) {
	quit := make(chan struct{})
	result := make(chan bool, 1)
	go func() {
		until := time.Now().Add(lease) // the store's clock may run ahead; the ticks leave two thirds of margin
		tick := time.NewTicker(lease / 3)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				result <- time.Now().Before(until)
				return
			case <-ctx.Done():
				result <- time.Now().Before(until) // the work ends with its context
				return
			case <-tick.C:
				extended, err := s.ExtendKey(ctx, key, lease)
				switch {
				case err == nil && extended:
					until = time.Now().Add(lease)
				case err == nil || !time.Now().Before(until):
					result <- false
					return
				}
			}
		}
	}()
	return func() bool {
		close(quit)
		return <-result
	}
}

// Mark marks the message of k taken for good, for keep.
func Mark(ctx context.Context, s store.Idempotency, k Keys, keep time.Duration) error {
	_, err := s.ClaimKey(ctx, k.Done, keep)
	return err
}
