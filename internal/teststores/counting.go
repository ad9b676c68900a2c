package teststores

import (
	"context"
	"sync/atomic"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

// CountingSnapshots counts the reads of a snapshot's members: every
// LoadSnapshot, and every ReadSnapshot given a member func (a read of
// the head alone costs a few bytes and is not counted).
type CountingSnapshots struct {
	store.Snapshots
	Reads atomic.Int64
}

func (c *CountingSnapshots) LoadSnapshot(ctx context.Context, name string) (*store.Snapshot, error) {
	c.Reads.Add(1)
	return c.Snapshots.LoadSnapshot(ctx, name)
}

func (c *CountingSnapshots) ReadSnapshot(ctx context.Context, name string, member func(connector.Staff) error) (*store.Snapshot, error) {
	if member != nil {
		c.Reads.Add(1)
	}
	return c.Snapshots.ReadSnapshot(ctx, name, member)
}
