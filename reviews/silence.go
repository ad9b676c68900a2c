package reviews

import (
	"context"
	"errors"
	"slices"
)

// Lapse applies the policy to seats nobody answered for once period's
// review is past its deadline: with DowngradeOnSilence each is downgraded
// as the bot's own decision, carried out like any other; otherwise they
// are left open, the escalation having put them to the admins. It is safe
// to call again and returns the items it decided this time.
func (s *Service) Lapse(ctx context.Context, period string) ([]Item, error) {
	p := s.policy()
	if !p.DowngradeOnSilence || s.now().Before(Deadline(period, p.Location)) {
		return nil, nil
	}
	items, err := s.Items(ctx, period)
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, it := range items {
		if it.State != Open {
			continue
		}
		got, err := s.decide(ctx, Input{Period: period, UserID: it.Seat.UserID, Decision: Downgrade, Actor: System,
			Reason: "no answer by the review's deadline"})
		var decided *DecidedError
		switch {
		case errors.As(err, &decided):
			continue // answered meanwhile
		case err != nil:
			return out, err
		}
		out = append(out, got)
	}
	return out, nil
}

// Unreported returns period's changes that failed for good and no admin
// has been told about yet.
func (s *Service) Unreported(ctx context.Context, period string) ([]Item, error) {
	items, err := s.Items(ctx, period)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(items, func(it Item) bool { return !it.Unreported() }), nil
}

// MarkReported records that an admin was told about a failed change.
func (s *Service) MarkReported(ctx context.Context, period string, userID int64) error {
	now := s.now()
	_, err := s.updateItem(ctx, period, userID, func(it *Item) error {
		if it.Change != nil {
			it.Change.ReportedAt = now
		}
		return nil
	})
	return err
}
