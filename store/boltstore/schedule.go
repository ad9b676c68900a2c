package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/internal/check"
)

// Schedules live in two buckets: bucketDue orders entries by queue, due
// time and id (queue + NUL + 8-byte time + id), so a sweep is a short
// cursor walk from the queue's start; bucketDueIDs maps queue + NUL + id
// to the time, so an entry can be found again to move or remove it.
//
// Times are milliseconds with the sign bit flipped, so big-endian bytes
// sort as the signed numbers do.

func dueKey(queue string, ms int64, id string) []byte {
	k := make([]byte, 0, len(queue)+1+8+len(id))
	k = append(append(k, queue...), 0)
	k = binary.BigEndian.AppendUint64(k, uint64(ms)^(1<<63))
	return append(k, id...)
}

func dueIDKey(queue, id string) []byte { return append(append([]byte(queue), 0), id...) }

func queuePrefix(queue string) []byte { return append([]byte(queue), 0) }

// parseDue reads an entry of bucketDue under prefix.
func parseDue(prefix, k []byte) (store.Due, bool) {
	rest := k[len(prefix):]
	if len(rest) < 8 {
		return store.Due{}, false
	}
	ms := int64(binary.BigEndian.Uint64(rest[:8]) ^ (1 << 63))
	return store.Due{ID: string(rest[8:]), At: time.UnixMilli(ms).UTC()}, true
}

// Schedule implements store.Schedules.
func (s *Store) Schedule(ctx context.Context, queue, id string, at time.Time) error {
	if err := check.ScheduleKey(queue, id); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ms := at.UnixMilli()
	err := s.update(func(tx *bolt.Tx) error {
		due, ids := tx.Bucket(bucketDue), tx.Bucket(bucketDueIDs)
		idKey := dueIDKey(queue, id)
		if old := ids.Get(idKey); len(old) == 8 {
			if err := due.Delete(dueKey(queue, int64(binary.BigEndian.Uint64(old)), id)); err != nil {
				return err
			}
		}
		if err := ids.Put(idKey, binary.BigEndian.AppendUint64(nil, uint64(ms))); err != nil {
			return err
		}
		return due.Put(dueKey(queue, ms, id), nil)
	})
	if err != nil {
		return fmt.Errorf("boltstore: schedule %s/%s: %w", queue, id, err)
	}
	return nil
}

// DueBy implements store.Schedules.
func (s *Store) DueBy(ctx context.Context, queue string, t time.Time, limit int) ([]store.Due, error) {
	if err := check.ScheduleQueue(queue); err != nil {
		return nil, err
	}
	if err := check.DueLimit(limit); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	prefix, until := queuePrefix(queue), t.UnixMilli()
	var out []store.Due
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDue).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, _ = c.Next() {
			d, ok := parseDue(prefix, k)
			if !ok || d.At.UnixMilli() > until {
				break
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: due by %s: %w", queue, err)
	}
	return out, nil
}

// NextDue implements store.Schedules.
func (s *Store) NextDue(ctx context.Context, queue string) (store.Due, error) {
	if err := check.ScheduleQueue(queue); err != nil {
		return store.Due{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Due{}, err
	}
	prefix := queuePrefix(queue)
	var (
		next  store.Due
		found bool
	)
	err := s.view(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bucketDue).Cursor().Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) {
			next, found = parseDue(prefix, k)
		}
		return nil
	})
	switch {
	case err != nil:
		return store.Due{}, fmt.Errorf("boltstore: next due %s: %w", queue, err)
	case !found:
		return store.Due{}, store.ErrNotFound
	}
	return next, nil
}

// Unschedule implements store.Schedules.
func (s *Store) Unschedule(ctx context.Context, queue, id string) error {
	if err := check.ScheduleKey(queue, id); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.update(func(tx *bolt.Tx) error {
		ids := tx.Bucket(bucketDueIDs)
		idKey := dueIDKey(queue, id)
		old := ids.Get(idKey)
		if len(old) != 8 {
			return nil
		}
		if err := tx.Bucket(bucketDue).Delete(dueKey(queue, int64(binary.BigEndian.Uint64(old)), id)); err != nil {
			return err
		}
		return ids.Delete(idKey)
	})
	if err != nil {
		return fmt.Errorf("boltstore: unschedule %s/%s: %w", queue, id, err)
	}
	return nil
}
