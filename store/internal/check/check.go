// Package check holds the argument rules of store.ErrInvalid, shared by
// every backend so they accept and refuse the same input.
package check

import (
	"fmt"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// RecordKey reports whether kind and id can name a record in every backend.
func RecordKey(kind, id string) error {
	if err := RecordKind(kind); err != nil {
		return err
	}
	if id == "" {
		return fmt.Errorf("%w: empty record id", store.ErrInvalid)
	}
	return nil
}

// RecordKind checks a kind alone, for ListRecords.
func RecordKind(kind string) error {
	if kind == "" {
		return fmt.Errorf("%w: empty record kind", store.ErrInvalid)
	}
	if strings.ContainsAny(kind, "{}\x00") {
		return fmt.Errorf("%w: record kind %q may not contain braces or NUL", store.ErrInvalid, kind)
	}
	return nil
}

// ScheduleKey checks a queue and id of store.Schedules.
func ScheduleKey(queue, id string) error {
	if err := ScheduleQueue(queue); err != nil {
		return err
	}
	if id == "" {
		return fmt.Errorf("%w: empty schedule id", store.ErrInvalid)
	}
	return nil
}

// ScheduleQueue checks a queue alone.
func ScheduleQueue(queue string) error {
	if queue == "" {
		return fmt.Errorf("%w: empty schedule queue", store.ErrInvalid)
	}
	if strings.ContainsAny(queue, "{}\x00") {
		return fmt.Errorf("%w: schedule queue %q may not contain braces or NUL", store.ErrInvalid, queue)
	}
	return nil
}

// DueLimit checks DueBy's limit.
func DueLimit(limit int) error {
	if limit <= 0 {
		return fmt.Errorf("%w: limit must be positive, got %d", store.ErrInvalid, limit)
	}
	return nil
}

// LockArgs checks the arguments of AcquireLock and RenewLock.
func LockArgs(name, holder string, ttl time.Duration) error {
	if name == "" {
		return fmt.Errorf("%w: empty lock name", store.ErrInvalid)
	}
	if strings.ContainsAny(name, "{}") {
		return fmt.Errorf("%w: lock name %q may not contain braces", store.ErrInvalid, name)
	}
	if holder == "" {
		return fmt.Errorf("%w: empty lock holder", store.ErrInvalid)
	}
	return TTL(ttl)
}

// TTL rejects TTLs that would expire at once.
func TTL(ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("%w: TTL must be positive, got %s", store.ErrInvalid, ttl)
	}
	// Past this, now+ttl in nanoseconds (bolt) or milliseconds (Redis PX)
	// would overflow into the past and expire at once.
	if ttl > MaxTTL {
		return fmt.Errorf("%w: TTL must be at most %s, got %s", store.ErrInvalid, MaxTTL, ttl)
	}
	return nil
}

// MaxTTL is the longest TTL the stores accept: a century.
const MaxTTL = 100 * 365 * 24 * time.Hour

// AuditLimit rejects page sizes that would silently return nothing.
func AuditLimit(limit int) error {
	if limit <= 0 {
		return fmt.Errorf("%w: audit page limit must be positive, got %d", store.ErrInvalid, limit)
	}
	return nil
}

// ClaimArgs checks the arguments of ClaimKey.
func ClaimArgs(key string, ttl time.Duration) error {
	if key == "" {
		return fmt.Errorf("%w: empty idempotency key", store.ErrInvalid)
	}
	return TTL(ttl)
}

// Ballot checks a vote of store.Ballots.
func Ballot(kind, id string, b store.Ballot) error {
	if err := RecordKey(kind, id); err != nil {
		return err
	}
	switch {
	case b.Voter == "":
		return fmt.Errorf("%w: empty voter", store.ErrInvalid)
	case b.Needed < 1:
		return fmt.Errorf("%w: a ballot needs at least one vote, got %d", store.ErrInvalid, b.Needed)
	case b.Earlier < 0 || b.EarlierOthers < 0 || b.EarlierOthers > b.Earlier:
		return fmt.Errorf("%w: earlier votes %d, of them %d not an owner's", store.ErrInvalid, b.Earlier, b.EarlierOthers)
	}
	return nil
}
