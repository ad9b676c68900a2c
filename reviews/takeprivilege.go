package reviews

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// TakePrivilege puts a privileged person back on the base role now, for
// why (a deadline they let pass), as the privilege review's Make just in
// time does and decided by the bot: the seat is added to period's review
// when the review did not ask about it, asked again when it was kept or
// snoozed, and decided with the compare-and-set and outbox an owner's
// click uses, so replicas racing or a run repeated change the member
// once. A seat already made just in time, removed or changed since is
// returned as it stands.
func (s *Service) TakePrivilege(ctx context.Context, period string, st seats.Seat, owner, why string) (Item, error) {
	if !s.Privilege {
		return Item{}, errors.New("reviews: privilege is taken by the privilege review, not the seat review")
	}
	it := Item{Period: period, Seat: seatOf(st), Owner: strings.ToLower(owner), State: Open}
	it.Seat.Connector = s.connector()
	data, err := json.Marshal(it)
	if err != nil {
		return Item{}, err
	}
	if _, err := s.Records.CreateRecords(ctx, s.itemKind(period), []store.NewRecord{{ID: itemID(st.User.ID), Data: data}}); err != nil {
		return Item{}, fmt.Errorf("reviews: add %s to %s: %w", st.User.Email, period, err)
	}
	if err := s.indexOwner(ctx, period, it.Owner, st.User.ID); err != nil {
		return Item{}, err
	}
	rv, _ := json.Marshal(review{Period: period, OpenedAt: s.now(), Indexed: true})
	if _, err := s.Records.CreateRecord(ctx, s.kind(kindReview), period, rv); err != nil && !errors.Is(err, store.ErrExists) {
		return Item{}, fmt.Errorf("reviews: open %s: %w", period, err)
	}
	reopened := false
	if _, err := s.updateItem(ctx, period, st.User.ID, func(it *Item) error {
		if it.State != Kept && it.State != Snoozed {
			return store.ErrSkipUpdate
		}
		// Kept before the deadline passed: that answer did not foresee it.
		it.State, it.DecidedBy, it.DecidedAt, it.Reason, it.KeepUntil = Open, "", time.Time{}, "", time.Time{}
		reopened = true
		return nil
	}); err != nil && !errors.Is(err, store.ErrSkipUpdate) {
		return Item{}, err
	}
	if reopened {
		s.audit(ctx, "system", s.verb()+".reopened", s.subject(st.User.ID), map[string]string{"period": period, "why": why})
	}
	done, err := s.decide(ctx, Input{Period: period, UserID: st.User.ID, Decision: JustInTime, Actor: System, Reason: why})
	var decided *DecidedError
	if errors.As(err, &decided) {
		return decided.Item, nil
	}
	return done, err
}
