package verify

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// activity is one asker's or one person's last hour: the verifications
// started and, for a person, those that failed, and a lockout. It holds
// at most a limit's worth of times, so it stays small.
type activity struct {
	Started     []time.Time `json:"started,omitempty"`
	Failed      []time.Time `json:"failed,omitempty"`
	LockedUntil time.Time   `json:"locked_until,omitzero"`
}

// prune drops what is older than the window.
func (a *activity) prune(now time.Time) {
	keep := func(ts []time.Time) []time.Time {
		return slices.DeleteFunc(slices.Clone(ts), func(t time.Time) bool { return !t.After(now.Add(-window)) })
	}
	a.Started, a.Failed = keep(a.Started), keep(a.Failed)
}

// take counts one more verification started in who's log (a sliding
// hour), refusing past limit, or while a person is locked out. of names
// whose limit it is in the error.
func (s *Service) take(ctx context.Context, kind, who string, limit int, now time.Time, of string, person bool) error {
	_, err := store.UpsertRecord(ctx, s.Store, kind, who, func(cur store.Record) ([]byte, error) {
		var a activity
		if cur.Data != nil {
			_ = json.Unmarshal(cur.Data, &a) // unreadable: start afresh
		}
		a.prune(now)
		if person && now.Before(a.LockedUntil) {
			return nil, &LockedError{Person: who, Until: a.LockedUntil}
		}
		if len(a.Started) >= limit {
			return nil, &LimitError{Of: of, Limit: limit, Reset: a.Started[len(a.Started)-limit].Add(window)}
		}
		a.Started = append(a.Started, now)
		return json.Marshal(a)
	})
	return err
}

// failed counts a failed verification of person; the one that reaches
// the policy's count locks them out for an hour and reports it (once).
func (s *Service) failed(ctx context.Context, person string, now time.Time) (lockedUntil time.Time, err error) {
	after := s.policy().LockoutAfter
	_, err = store.UpsertRecord(ctx, s.Store, kindPersonLog, person, func(cur store.Record) ([]byte, error) {
		lockedUntil = time.Time{}
		var a activity
		if cur.Data != nil {
			_ = json.Unmarshal(cur.Data, &a)
		}
		a.prune(now)
		a.Failed = append(a.Failed, now)
		if len(a.Failed) >= after && !now.Before(a.LockedUntil) {
			a.LockedUntil = now.Add(window)
			a.Failed = nil // the lockout answers for these
			lockedUntil = a.LockedUntil
		}
		return json.Marshal(a)
	})
	return lockedUntil, err
}
