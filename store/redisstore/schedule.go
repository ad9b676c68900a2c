package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/internal/check"
)

// A schedule is one sorted set, <prefix>due:{<queue>}, scored by the due
// time in unix milliseconds (exact in a float64 for any date this code
// will see); Redis orders equal scores by member, so ties go by id.
func (s *Store) dueKey(queue string) string { return s.prefix + "due:{" + queue + "}" }

// Schedule implements store.Schedules: ZADD moves a member already there.
func (s *Store) Schedule(ctx context.Context, queue, id string, at time.Time) error {
	if err := check.ScheduleKey(queue, id); err != nil {
		return err
	}
	err := s.client.ZAdd(ctx, s.dueKey(queue), redis.Z{Score: float64(at.UnixMilli()), Member: id}).Err()
	if err != nil {
		return fmt.Errorf("redisstore: schedule %s/%s: %w", queue, id, err)
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
	zs, err := s.client.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{
		Key: s.dueKey(queue), ByScore: true, Start: "-inf", Stop: strconv.FormatInt(t.UnixMilli(), 10), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: due by %s: %w", queue, err)
	}
	return dues(zs), nil
}

// NextDue implements store.Schedules.
func (s *Store) NextDue(ctx context.Context, queue string) (store.Due, error) {
	if err := check.ScheduleQueue(queue); err != nil {
		return store.Due{}, err
	}
	zs, err := s.client.ZRangeWithScores(ctx, s.dueKey(queue), 0, 0).Result()
	if err != nil {
		return store.Due{}, fmt.Errorf("redisstore: next due %s: %w", queue, err)
	}
	if len(zs) == 0 {
		return store.Due{}, store.ErrNotFound
	}
	return dues(zs)[0], nil
}

// Unschedule implements store.Schedules.
func (s *Store) Unschedule(ctx context.Context, queue, id string) error {
	if err := check.ScheduleKey(queue, id); err != nil {
		return err
	}
	if err := s.client.ZRem(ctx, s.dueKey(queue), id).Err(); err != nil {
		return fmt.Errorf("redisstore: unschedule %s/%s: %w", queue, id, err)
	}
	return nil
}

func dues(zs []redis.Z) []store.Due {
	out := make([]store.Due, len(zs))
	for i, z := range zs {
		id, _ := z.Member.(string)
		out[i] = store.Due{ID: id, At: time.UnixMilli(int64(z.Score)).UTC()}
	}
	return out
}
