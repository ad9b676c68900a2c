package reviews

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/seatwarden/seatwarden/store"
)

// An owner's digest is a few dozen of a period's items; reading all of
// them (hundreds of thousands at the largest accounts) to redraw it after
// every click made each decision cost the whole period. Each period keeps
// an index of the seats every owner was ever asked about: a superset of
// their digest (a seat handed on stays in the old owner's list), which
// the digest's own rule then narrows.

// ownerIndex is one owner's seats in a period, sorted.
type ownerIndex struct {
	Seats []int64 `json:"seats"`
}

func (s *Service) ownerIndexKind(period string) string { return s.kind("review-owner-items:" + period) }

// indexOwners adds items to their owners' indexes. A period's first
// open writes every owner's index in one batch; a later one merges into
// what is there. It is idempotent, so a repeated open indexes every
// asked item again harmlessly.
func (s *Service) indexOwners(ctx context.Context, period string, items []Item) error {
	byOwner := map[string][]int64{}
	for _, it := range items {
		if it.Owner != "" {
			byOwner[it.Owner] = append(byOwner[it.Owner], it.Seat.UserID)
		}
	}
	recs := make([]store.NewRecord, 0, len(byOwner))
	for owner, ids := range byOwner {
		slices.Sort(ids)
		data, err := json.Marshal(ownerIndex{Seats: slices.Compact(ids)})
		if err != nil {
			return err
		}
		recs = append(recs, store.NewRecord{ID: owner, Data: data})
	}
	created, err := s.Records.CreateRecords(ctx, s.ownerIndexKind(period), recs)
	if err != nil {
		return fmt.Errorf("reviews: index the owners of %s: %w", period, err)
	}
	if created == len(recs) {
		return nil
	}
	for owner, ids := range byOwner {
		if err := s.indexOwner(ctx, period, owner, ids...); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) indexOwner(ctx context.Context, period, owner string, ids ...int64) error {
	if owner == "" {
		return nil
	}
	_, err := store.UpsertRecord(ctx, s.Records, s.ownerIndexKind(period), owner, func(cur store.Record) ([]byte, error) {
		var ix ownerIndex
		if cur.Data != nil {
			if err := json.Unmarshal(cur.Data, &ix); err != nil {
				return nil, err
			}
		}
		grown := false
		for _, id := range ids {
			if i, found := slices.BinarySearch(ix.Seats, id); !found {
				ix.Seats, grown = slices.Insert(ix.Seats, i, id), true
			}
		}
		if !grown && cur.Data != nil {
			return nil, store.ErrSkipUpdate
		}
		return json.Marshal(ix)
	})
	if errors.Is(err, store.ErrSkipUpdate) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reviews: index %s's seats in %s: %w", owner, period, err)
	}
	return nil
}

// OwnerItems returns the items of period that owner was ever asked about:
// every item of their digest, and maybe seats they handed on since. It
// reads only those, when the period keeps the index; a period opened
// before it did is read whole.
func (s *Service) OwnerItems(ctx context.Context, period, owner string) ([]Item, error) {
	indexed, err := s.indexed(ctx, period)
	if err != nil {
		return nil, err
	}
	if !indexed {
		all, err := s.Items(ctx, period)
		if err != nil {
			return nil, err
		}
		return slices.DeleteFunc(all, func(it Item) bool { return it.Owner != owner && it.HandedFrom != owner }), nil
	}
	rec, err := s.Records.GetRecord(ctx, s.ownerIndexKind(period), owner)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ix ownerIndex
	if err := json.Unmarshal(rec.Data, &ix); err != nil {
		return nil, fmt.Errorf("reviews: %s's seats in %s: %w", owner, period, err)
	}
	return s.itemsByID(ctx, period, ix.Seats)
}

// itemsByID reads period's items with these ids in one read, in the
// order given; an id whose item is gone (purged) is left out.
func (s *Service) itemsByID(ctx context.Context, period string, ids []int64) ([]Item, error) {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = itemID(id)
	}
	recs, err := s.Records.GetRecords(ctx, s.itemKind(period), keys)
	if err != nil {
		return nil, err
	}
	return s.decodeItems(recs)
}

// indexed reports whether period keeps the owner index: set when the
// period opened, after its first items were indexed.
func (s *Service) indexed(ctx context.Context, period string) (bool, error) {
	_, indexed, err := s.reviewState(ctx, period)
	return indexed, err
}

// reviewState reports whether period has opened, and whether it keeps
// the owner index.
func (s *Service) reviewState(ctx context.Context, period string) (opened, indexed bool, err error) {
	rec, err := s.Records.GetRecord(ctx, s.kind(kindReview), period)
	if errors.Is(err, store.ErrNotFound) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	var rv review
	if err := json.Unmarshal(rec.Data, &rv); err != nil {
		return false, false, fmt.Errorf("reviews: review %s: %w", period, err)
	}
	return true, rv.Indexed, nil
}
