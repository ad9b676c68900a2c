package reviews

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// OpenLeavers puts to their owners, in period, the paid seats of report
// whose holders left (by user id, what the directory says), whatever
// their activity and whatever was kept or snoozed before: a seat of
// someone who left is asked about at once. A seat already open in period
// is marked as left, one kept or snoozed before they left is asked about
// again, and one removed or changed is left alone. Like Open it is
// safe to repeat, on any replica. It returns the open items of the
// leavers' seats.
func (s *Service) OpenLeavers(ctx context.Context, period string, report seats.Report, left map[int64]Left, ownerOf func(seats.Seat) string) ([]Item, error) {
	if len(left) == 0 {
		return nil, nil
	}
	if s.Privilege {
		return nil, errors.New("reviews: leavers' seats are the seat review's, not the privilege review's")
	}
	mem, err := s.memories(ctx)
	if err != nil {
		return nil, err
	}
	var recs []store.NewRecord
	var wanted []int64
	var leavers []Item
	for _, st := range report.Paid {
		l, ok := left[st.User.ID]
		if !ok {
			continue
		}
		owner := strings.ToLower(mem[st.User.ID].Owner)
		if owner == "" {
			owner = strings.ToLower(ownerOf(st))
		}
		it := Item{Period: period, Seat: seatOf(st), Owner: owner, State: Open, Left: &l}
		it.Seat.Connector = s.connector()
		data, err := json.Marshal(it)
		if err != nil {
			return nil, err
		}
		recs = append(recs, store.NewRecord{ID: itemID(st.User.ID), Data: data})
		wanted = append(wanted, st.User.ID)
		leavers = append(leavers, it)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	created, err := s.Records.CreateRecords(ctx, s.itemKind(period), recs)
	if err != nil {
		return nil, fmt.Errorf("reviews: open leavers' seats in %s: %w", period, err)
	}
	if err := s.indexOwners(ctx, period, leavers); err != nil {
		return nil, err
	}
	rv, _ := json.Marshal(review{Period: period, OpenedAt: s.now(), Indexed: true})
	if _, err := s.Records.CreateRecord(ctx, s.kind(kindReview), period, rv); err != nil && !errors.Is(err, store.ErrExists) {
		return nil, fmt.Errorf("reviews: open %s: %w", period, err)
	}
	if created > 0 {
		s.audit(ctx, "system", s.verb()+".leavers_opened", "review:"+period, map[string]string{"seats": strconv.Itoa(created)})
	}
	var out []Item
	for _, id := range wanted {
		l := left[id]
		reopened := false
		it, err := s.updateItem(ctx, period, id, func(it *Item) error {
			switch {
			case it.Left != nil:
				return store.ErrSkipUpdate
			case it.State == Kept || it.State == Snoozed:
				// Kept or snoozed while they still worked here: that
				// answer was about someone who has since left.
				it.State, it.DecidedBy, it.DecidedAt, it.Reason, it.KeepUntil = Open, "", time.Time{}, "", time.Time{}
				reopened = true
			case it.State != Open:
				return store.ErrSkipUpdate // removed or changed already
			}
			it.Left = &l
			return nil
		})
		if reopened {
			s.audit(ctx, "system", s.verb()+".reopened", "seat:"+strconv.FormatInt(id, 10), map[string]string{"period": period, "why": "left the company"})
		}
		if errors.Is(err, store.ErrSkipUpdate) {
			if it, err = s.Item(ctx, period, id); err != nil {
				return out, err
			}
		} else if err != nil {
			return out, err
		}
		if it.State == Open {
			out = append(out, it)
		}
	}
	return out, nil
}
