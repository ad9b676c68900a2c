package reviews

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/store"
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

// Purge deletes, for retention, the reviews of periods opened before the
// time given, at most limit records in all: each period's seats, its
// owners' deliveries, then the period itself, so a run cut short leaves
// the period to be finished next time. A period with a Zendesk change
// still pending is kept until the change is settled. It returns how many
// records it deleted.
func (s *Service) Purge(ctx context.Context, before time.Time, limit int) (int, error) {
	recs, err := s.Records.ListRecords(ctx, s.kind(kindReview))
	if err != nil {
		return 0, err
	}
	deleted := 0
	for _, rec := range recs {
		var rv review
		if json.Unmarshal(rec.Data, &rv) != nil || !rv.OpenedAt.Before(before) {
			continue
		}
		items, err := s.Items(ctx, rec.ID)
		if err != nil {
			return deleted, err
		}
		if slices.ContainsFunc(items, func(it Item) bool { return it.Change != nil && it.Change.Status == ChangePending }) {
			continue
		}
		for _, kind := range []string{s.itemKind(rec.ID), s.deliveryKind(rec.ID), s.ownerIndexKind(rec.ID)} {
			n, err := store.DeleteRecordsWhere(ctx, s.Records, kind, limit-deleted, func(store.Record) bool { return true })
			deleted += n
			if err != nil || deleted >= limit {
				return deleted, err
			}
		}
		if err := s.Records.DeleteRecord(ctx, s.kind(kindReview), rec.ID); err != nil {
			return deleted, err
		}
		deleted++
		if deleted >= limit {
			return deleted, nil
		}
	}
	return deleted, nil
}
