package main

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// storePrefix is the replicas' key prefix (redisstore's default).
const storePrefix = "sw:"

// lockWatch reads the job locks from Redis every 100 ms: who holds each,
// how soon a killed replica's locks pass to another, and whether any lock
// outlived its holder by more than its TTL.
type lockWatch struct {
	client *redis.Client
	reps   *replicas
	ttl    time.Duration

	mu       sync.Mutex
	holders  map[string]string // lock key → holder pid, at the last poll
	pending  []takeover        // locks of dead replicas not yet taken over
	measured []time.Duration   // death → another holder, per lock
	overdue  []string          // locks held by a dead replica past TTL + a tick
	seenDead map[int]bool      // deaths already turned into pending takeovers
	polls    int
}

type takeover struct {
	key  string
	pid  string
	died time.Time
}

func newLockWatch(client *redis.Client, reps *replicas, ttl time.Duration) *lockWatch {
	return &lockWatch{client: client, reps: reps, ttl: ttl, holders: map[string]string{}, seenDead: map[int]bool{}}
}

// holderPid is the pid in a lock value "<token>:<host>/<pid>/<nonce>".
func holderPid(value string) string {
	_, holder, ok := strings.Cut(value, ":")
	if !ok {
		return ""
	}
	parts := strings.Split(holder, "/")
	if len(parts) < 3 {
		return ""
	}
	return parts[len(parts)-2]
}

func (lw *lockWatch) run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		lw.poll(ctx, tick)
	}
}

func (lw *lockWatch) poll(ctx context.Context, tick time.Duration) {
	keys, err := lw.client.Keys(ctx, storePrefix+"lock:*").Result()
	if err != nil {
		return // Redis restarting or failing over; the next poll sees
	}
	now := time.Now()
	current := map[string]string{}
	if len(keys) > 0 {
		values, err := lw.client.MGet(ctx, keys...).Result()
		if err != nil {
			return
		}
		for i, v := range values {
			if s, ok := v.(string); ok {
				current[keys[i]] = holderPid(s)
			}
		}
	}
	deaths := lw.reps.deathsSoFar()

	lw.mu.Lock()
	defer lw.mu.Unlock()
	lw.polls++
	// A death's locks are those its pid held at the last poll.
	for i, d := range deaths {
		if lw.seenDead[i] {
			continue
		}
		lw.seenDead[i] = true
		pid := strconv.Itoa(d.pid)
		for key, holder := range lw.holders {
			if holder == pid {
				lw.pending = append(lw.pending, takeover{key: key, pid: pid, died: d.at})
			}
		}
	}
	kept := lw.pending[:0]
	for _, p := range lw.pending {
		holder, held := current[p.key]
		switch {
		case held && holder != p.pid:
			lw.measured = append(lw.measured, now.Sub(p.died))
		case now.Sub(p.died) > lw.ttl+tick+time.Second:
			if held {
				lw.overdue = append(lw.overdue, p.key+" held by dead pid "+p.pid+" for "+now.Sub(p.died).Round(time.Millisecond).String())
			} else {
				// Expired and not needed again yet: no one waits on it.
				lw.measured = append(lw.measured, lw.ttl)
			}
		default:
			kept = append(kept, p)
			continue
		}
	}
	lw.pending = kept
	lw.holders = current
}

// figures are the takeovers measured, the worst, and the overdue locks.
func (lw *lockWatch) figures() (n int, worst time.Duration, overdue []string) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	for _, d := range lw.measured {
		worst = max(worst, d)
	}
	return len(lw.measured), worst, append([]string(nil), lw.overdue...)
}
