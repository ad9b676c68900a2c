package reviews

import (
	"context"
	"errors"
	"slices"
	"strings"
)

// History is one seat's reviews, newest first, at most limit: each period
// it was asked about and what became of it there. The periods are read
// from the reviews opened, newest first, one item read per period, so a
// long-running account costs limit reads once the seat's latest are found
// (at most limit+lookback periods are looked at).
func (s *Service) History(ctx context.Context, userID int64, limit int) ([]Item, error) {
	recs, err := s.Records.ListRecords(ctx, s.kind(kindReview))
	if err != nil {
		return nil, err
	}
	periods := make([]string, 0, len(recs))
	for _, r := range recs {
		periods = append(periods, r.ID)
	}
	// Periods sort as text: "2026-W47" and "2027-Q1" are zero-padded.
	slices.SortFunc(periods, func(a, b string) int { return strings.Compare(b, a) })
	var out []Item
	for i, p := range periods {
		if len(out) >= limit || i >= limit+historyLookback {
			break
		}
		it, err := s.Item(ctx, p, userID)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, it)
	}
	return out, nil
}

// historyLookback bounds how many periods without the seat History reads
// beyond limit, one store read each, since `seats user` waits on them: a
// seat not asked about in the last dozen periods shows no history.
const historyLookback = 12
