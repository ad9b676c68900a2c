package access

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/store"
)

// BreakGlass grants r's role at once, without approval, for the policy's
// break-glass time (or less, when r asks for less), when the policy
// allows break-glass. The grant is marked for an approver's review after
// the fact; r.ID names it and must be new.
func (s *Service) BreakGlass(ctx context.Context, r Request) (Grant, error) {
	p := s.policy()
	if r.Duration <= 0 || r.Duration > p.BreakGlass {
		r.Duration = p.BreakGlass
	}
	r.BreakGlass = true
	// Due for review before the grant exists: a replica that dies right
	// after granting must not leave it unreviewed for good.
	if err := s.Store.Schedule(ctx, s.queue(queueReview), GrantID(r.ID), s.now().Add(ReviewWithin)); err != nil {
		return Grant{}, err
	}
	g, err := s.Grant(ctx, r)
	if err == nil {
		s.audit(ctx, g.Email, "access.break_glass", g, map[string]string{"role": g.RoleName, "reason": g.Reason, "until": g.End.Format(time.RFC3339)})
	}
	return g, err
}

// ReviewWithin is how long an approver has to review a break-glass grant
// before the admins are told nobody did.
const ReviewWithin = 24 * time.Hour

// Acknowledge records an approver's review of a break-glass grant. The
// holder cannot review their own.
func (s *Service) Acknowledge(ctx context.Context, id, by string) (Grant, error) {
	at := s.now().UTC()
	g, err := s.update(ctx, id, func(g *Grant) error {
		switch {
		case g.Review == nil:
			return fmt.Errorf("access: %s is not a break-glass grant; there is nothing to review", g.ID)
		case people.Same(g.Email, by):
			return fmt.Errorf("access: %s is yours, so another approver reviews it", g.ID)
		case g.Review.By != "":
			return fmt.Errorf("access: %s reviewed %s already, on %s", g.Review.By, g.ID, g.Review.At.Format("2 Jan 15:04 MST"))
		}
		g.Review.By, g.Review.At = by, at
		return nil
	})
	if err == nil {
		s.audit(ctx, by, "access.reviewed", g, map[string]string{"role": g.RoleName})
		if uerr := s.Store.Unschedule(ctx, s.queue(queueReview), g.ID); uerr != nil {
			s.log().Warn("access: unschedule a review", slog.String("grant", g.ID), slog.Any("error", uerr))
		}
	}
	return g, err
}

// Unreviewed returns the break-glass grants nobody acknowledged within
// ReviewWithin of their start, each once across replicas (they are
// marked escalated), for the admins to hear of. Only what is due is read.
func (s *Service) Unreviewed(ctx context.Context) ([]Grant, error) {
	due, err := s.Store.DueBy(ctx, s.queue(queueReview), s.now(), sweepBatch)
	if err != nil {
		return nil, err
	}
	var out []Grant
	for _, d := range due {
		marked, err := s.update(ctx, d.ID, func(cur *Grant) error {
			if cur.Review == nil || cur.Review.By != "" || cur.Review.Escalated {
				return store.ErrSkipUpdate
			}
			cur.Review.Escalated = true
			return nil
		})
		switch {
		case err == nil:
			out = append(out, marked)
		case !errors.Is(err, store.ErrSkipUpdate) && !errors.Is(err, ErrNotFound):
			return out, err
		}
		if err := s.Store.Unschedule(ctx, s.queue(queueReview), d.ID); err != nil {
			return out, err
		}
	}
	return out, nil
}
