package audit

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/apiclient"
	"github.com/seatwarden/seatwarden/store"
)

// Sink receives the trail: a SIEM's webhook or Splunk's HTTP Event
// Collector. Send delivers entries in order, all or none as far as the
// stream knows; a failure whose errors.Is matches connector.ErrUnavailable
// or connector.ErrRateLimited is worth retrying soon, any other is the
// receiver refusing (a wrong token, a batch it will not take).
type Sink interface {
	Send(ctx context.Context, entries []Entry) error
	// Name says where entries go, for logs and alerts, with no secret.
	Name() string
}

// Stream delivers every audit entry to the sink, at least once and in
// order: one replica at a time holds its lock, reads the trail from the
// stored cursor, sends a batch, and moves the cursor on only once the
// sink took it. A replica that dies between the two sends the batch
// again, with the same ids, for the receiver to drop.
type Stream struct {
	Trail   store.Audit
	Records store.Records
	Locks   store.Locks
	Keys    store.Idempotency // alerts once an hour across replicas
	Sink    Sink
	// Holder names this replica on the lock.
	Holder string
	// Batch is the most entries one send carries (default 500).
	Batch int
	// Poll is how often an idle stream looks for new entries (default 2 s).
	Poll time.Duration
	// Refused hears, once an hour, that the sink refuses what it is sent;
	// the stream keeps trying, slowly, and never skips an entry.
	Refused func(ctx context.Context, sink string, delivered int64, err error)
	// Observe hears after each send: how many entries went, the outcome
	// ("ok", "retry", "refused") and how far the sink is behind.
	Observe func(sent int, outcome string, lag time.Duration)
	Now     func() time.Time
	Sleep   func(ctx context.Context, d time.Duration) error
	Logger  *slog.Logger
}

// Names in the store.
const (
	cursorKind = "audit-sink"
	cursorID   = "cursor"
	lockName   = "audit-sink"
	lockTTL    = 30 * time.Second
)

// Waits between tries: a transient failure backs off from retryFirst to
// retryMost; a refusal waits refusedWait, so a broken receiver costs one
// request every few minutes, not a busy loop.
const (
	retryFirst  = time.Second
	retryMost   = 2 * time.Minute
	refusedWait = 5 * time.Minute
)

type cursor struct {
	// After is the last entry the sink took.
	After int64 `json:"after"`
}

// Delivered is the sequence number of the last entry the sink took; the
// retention job deletes nothing after it.
func Delivered(ctx context.Context, records store.Records) (int64, error) {
	rec, err := records.GetRecord(ctx, cursorKind, cursorID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var c cursor
	if err := json.Unmarshal(rec.Data, &c); err != nil {
		return 0, fmt.Errorf("audit: the sink's cursor: %w", err)
	}
	return c.After, nil
}

// Run delivers until ctx ends. While another replica holds the lock, it
// waits to take over.
func (s *Stream) Run(ctx context.Context) error {
	for {
		lock, err := s.Locks.AcquireLock(ctx, lockName, s.Holder, lockTTL)
		switch {
		case err == nil:
			err = s.deliver(ctx, lock)
			_ = s.Locks.ReleaseLock(context.WithoutCancel(ctx), lock)
			if err != nil && ctx.Err() == nil {
				s.log().WarnContext(ctx, "audit sink: delivery stopped; trying again", slog.Any("error", err))
			}
		case !errors.Is(err, store.ErrLockHeld):
			s.log().WarnContext(ctx, "audit sink: the lock could not be taken", slog.Any("error", err))
		}
		if err := s.sleep(ctx, lockTTL/2); err != nil {
			return nil // ctx ended
		}
	}
}

// deliver sends batches while this replica holds lock.
func (s *Stream) deliver(ctx context.Context, lock store.Lock) error {
	after, err := Delivered(ctx, s.Records)
	if err != nil {
		return err
	}
	wait := retryFirst
	for {
		if lock, err = s.Locks.RenewLock(ctx, lock, lockTTL); err != nil {
			return err // taken over: the other replica carries on
		}
		page, err := s.Trail.ListAudit(ctx, after, cmp.Or(s.Batch, 500))
		if err != nil {
			return err
		}
		if len(page) == 0 {
			s.observe(0, "ok", 0)
			if err := s.sleep(ctx, cmp.Or(s.Poll, 2*time.Second)); err != nil {
				return err
			}
			continue
		}
		entries := make([]Entry, len(page))
		for i, e := range page {
			entries[i] = EntryOf(e)
		}
		lag := max(s.now().Sub(page[0].At), 0)
		err = s.Sink.Send(ctx, entries)
		switch {
		case err == nil:
			after = page[len(page)-1].Seq
			if err := s.advance(ctx, after); err != nil {
				return err
			}
			s.observe(len(page), "ok", lag)
			wait = retryFirst
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, connector.ErrUnavailable) || errors.Is(err, connector.ErrRateLimited):
			s.observe(0, "retry", lag)
			s.log().WarnContext(ctx, "audit sink: not delivered; retrying", slog.String("sink", s.Sink.Name()),
				slog.Int64("from", page[0].Seq), slog.Duration("wait", wait), slog.Any("error", err))
			if err := s.hold(ctx, &lock, wait); err != nil {
				return err
			}
			wait = min(wait*2, retryMost)
		default:
			s.observe(0, "refused", lag)
			s.refused(ctx, after, err)
			if err := s.hold(ctx, &lock, refusedWait); err != nil {
				return err
			}
		}
	}
}

// hold waits d while keeping the lock, renewing it as it goes.
func (s *Stream) hold(ctx context.Context, lock *store.Lock, d time.Duration) error {
	for d > 0 {
		step := min(d, lockTTL/3)
		if err := s.sleep(ctx, step); err != nil {
			return err
		}
		d -= step
		renewed, err := s.Locks.RenewLock(ctx, *lock, lockTTL)
		if err != nil {
			return err
		}
		*lock = renewed
	}
	return nil
}

// advance moves the stored cursor to after, never back: a replica that
// lost its lock mid-send cannot undo a newer holder's progress.
func (s *Stream) advance(ctx context.Context, after int64) error {
	data, _ := json.Marshal(cursor{After: after})
	_, err := store.UpsertRecord(ctx, s.Records, cursorKind, cursorID, func(cur store.Record) ([]byte, error) {
		var c cursor
		if cur.Data != nil && json.Unmarshal(cur.Data, &c) == nil && c.After >= after {
			return nil, store.ErrSkipUpdate
		}
		return data, nil
	})
	if errors.Is(err, store.ErrSkipUpdate) {
		return nil
	}
	return err
}

// refused tells of a refusing sink once an hour across replicas.
func (s *Stream) refused(ctx context.Context, delivered int64, err error) {
	s.log().ErrorContext(ctx, "audit sink: the receiver refuses the trail; nothing is skipped, retrying every few minutes",
		slog.String("sink", s.Sink.Name()), slog.Any("error", err))
	if s.Refused == nil {
		return
	}
	if s.Keys != nil {
		first, kerr := s.Keys.ClaimKey(ctx, "audit-sink:refused:"+s.now().UTC().Format("2006-01-02T15"), 2*time.Hour)
		if kerr != nil || !first {
			return
		}
	}
	s.Refused(ctx, s.Sink.Name(), delivered, err)
}

func (s *Stream) observe(sent int, outcome string, lag time.Duration) {
	if s.Observe != nil {
		s.Observe(sent, outcome, lag)
	}
}

func (s *Stream) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Stream) sleep(ctx context.Context, d time.Duration) error {
	if s.Sleep != nil {
		return s.Sleep(ctx, d)
	}
	return apiclient.Sleep(ctx, d)
}

func (s *Stream) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}
