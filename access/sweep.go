package access

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// SweepResult is what one sweep did.
type SweepResult struct {
	// Ended, Held and Failing are the grants the sweep ended, held for a
	// person, or could not end this time.
	Ended, Held []Grant
	Failing     []Grant
	// Alerts are grants whose end failed AlertAfter times, each reported
	// once: the admins must hear of them.
	Alerts []Grant
	// Read is how many due entries the sweep read.
	Read int
}

// Sweep ends every grant due by now and finishes changes a dead replica
// left, reading only what is due. Run it under the job lock; it is safe
// without one too, since every change is leased.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	due, err := s.Store.DueBy(ctx, s.queue(queueExpiry), s.now(), sweepBatch)
	if err != nil {
		return res, err
	}
	res.Read = len(due)
	var errs []error
	for _, d := range due {
		before, err := s.Get(ctx, d.ID)
		if errors.Is(err, ErrNotFound) {
			s.unschedule(ctx, d.ID)
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		g, err := s.sweepOne(ctx, before)
		if err != nil && g.ID == "" {
			errs = append(errs, err)
			continue
		}
		// Each end is reported by one sweep only, though two replicas'
		// sweeps may both see it happen.
		switch {
		case g.State == Ended && before.State != Ended && s.firstReport(ctx, g):
			res.Ended = append(res.Ended, g)
		case g.State == Held && before.State != Held && s.firstReport(ctx, g):
			res.Held = append(res.Held, g)
		case (g.State == Active || g.State == Pending) && g.Change != nil && g.Change.Error != "":
			res.Failing = append(res.Failing, g)
			if a, ok := s.claimAlert(ctx, g); ok {
				res.Alerts = append(res.Alerts, a)
			}
		}
	}
	return res, errors.Join(errs...)
}

// firstReport claims the report of g's state for one sweep.
func (s *Service) firstReport(ctx context.Context, g Grant) bool {
	first, err := s.Store.ClaimKey(ctx, s.queue("access-reported:")+string(g.State)+":"+g.ID, 30*24*time.Hour)
	if err != nil {
		s.log().Warn("access: claim a report", slog.String("grant", g.ID), slog.Any("error", err))
		return true // better told twice than not at all; the thread dedups
	}
	return first
}

// sweepOne ends a due grant, or finishes its change in flight.
func (s *Service) sweepOne(ctx context.Context, g Grant) (Grant, error) {
	switch {
	case g.State == Active && g.Change == nil && s.now().Before(g.End):
		// Due early (a grant scheduled before it was made, by a replica
		// that lost the race to make it): due again at its end.
		return g, s.schedule(ctx, g)
	case g.State == Active && g.Change == nil:
		return s.Revoke(ctx, g.ID, "system", "expired")
	case g.Change != nil:
		return s.carryOut(ctx, g.ID)
	default:
		s.unschedule(ctx, g.ID) // ended, held or failed: nothing is due
		return g, nil
	}
}

// claimAlert marks a failing change as alerted once it has failed
// AlertAfter times; it reports true to the one caller that marks it.
func (s *Service) claimAlert(ctx context.Context, g Grant) (Grant, bool) {
	if g.Change.Attempts < s.alertAfter() || g.Change.Alerted {
		return g, false
	}
	after, err := s.update(ctx, g.ID, func(cur *Grant) error {
		if cur.Change == nil || cur.Change.Alerted {
			return store.ErrSkipUpdate
		}
		cur.Change.Alerted = true
		return nil
	})
	if err != nil {
		return g, false
	}
	return after, true
}

// NextDue is when the next grant falls due (or a failed change is retried),
// for a timer to wake the sweep on time; ok is false when none is.
func (s *Service) NextDue(ctx context.Context) (time.Time, bool, error) {
	d, err := s.Store.NextDue(ctx, s.queue(queueExpiry))
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, false, nil
	}
	return d.At, err == nil, err
}

// DueWarnings returns the active grants whose holders are due a warning
// that the end is near. Tell them (idempotently), then call Warned; a
// replica that dies in between leaves the warning for the next run.
func (s *Service) DueWarnings(ctx context.Context) ([]Grant, error) {
	due, err := s.Store.DueBy(ctx, s.queue(queueWarn), s.now(), sweepBatch)
	if err != nil {
		return nil, err
	}
	var out []Grant
	for _, d := range due {
		g, err := s.Get(ctx, d.ID)
		switch {
		case err == nil && g.State == Active:
			out = append(out, g)
		case err == nil || errors.Is(err, ErrNotFound):
			if err := s.Warned(ctx, d.ID); err != nil {
				return out, err
			}
		default:
			return out, err
		}
	}
	return out, nil
}

// Preview is what a sweep at now would do, read without changing
// anything: the live grants due to end, and the active ones whose holders
// are due a warning.
func (s *Service) Preview(ctx context.Context) (ending, warn []Grant, err error) {
	for _, q := range []struct {
		queue string
		into  *[]Grant
		want  func(Grant) bool
	}{
		{queueExpiry, &ending, func(g Grant) bool { return g.State == Active || g.State == Pending }},
		{queueWarn, &warn, func(g Grant) bool { return g.State == Active }},
	} {
		due, err := s.Store.DueBy(ctx, s.queue(q.queue), s.now(), sweepBatch)
		if err != nil {
			return nil, nil, err
		}
		for _, d := range due {
			g, err := s.Get(ctx, d.ID)
			switch {
			case errors.Is(err, ErrNotFound):
			case err != nil:
				return nil, nil, err
			case q.want(g):
				*q.into = append(*q.into, g)
			}
		}
	}
	return ending, warn, nil
}

// Warned takes a grant's warning off the queue once its holder was told.
func (s *Service) Warned(ctx context.Context, id string) error {
	return s.Store.Unschedule(ctx, s.queue(queueWarn), id)
}
