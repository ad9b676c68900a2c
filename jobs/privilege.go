package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// ErrNoSeat: the member holds no paid seat in the last sync.
var ErrNoSeat = errors.New("no paid seat in the last sync")

// paidSeat is a member's paid seat in saas as the last sync and the
// review's rules judge it now, with the part of the review it is in.
func (r *Reviews) paidSeat(ctx context.Context, saas string, userID int64) (seats.Seat, *Reviews, error) {
	for _, p := range r.parts() {
		if p.saas() != connector.OrZendesk(saas) {
			continue
		}
		snap, err := p.Snapshots.LoadSnapshot(ctx, p.Service.Connector)
		if errors.Is(err, store.ErrNotFound) {
			return seats.Seat{}, nil, ErrNoSeat
		}
		if err != nil {
			return seats.Seat{}, nil, p.wrap(err)
		}
		// One member is judged, not the whole account.
		i := slices.IndexFunc(snap.Staff, func(u connector.Staff) bool { return u.ID == userID })
		if i < 0 {
			return seats.Seat{}, nil, ErrNoSeat
		}
		st := seats.NewIndex(snap, p.Rules).Evaluate(snap.Staff[i], p.Rules, r.now())
		if !st.Paid {
			return seats.Seat{}, nil, ErrNoSeat
		}
		return st, p, nil
	}
	return seats.Seat{}, nil, fmt.Errorf("no %s review to find the seat in", connector.Title(saas))
}

// SeatOwner is who answers for a member's seat in saas, never the member
// themself: the owner the policy names, else the default owner; "" when
// both are the member.
func (r *Reviews) SeatOwner(ctx context.Context, saas string, userID int64) (string, error) {
	st, p, err := r.paidSeat(ctx, saas, userID)
	if err != nil {
		return "", err
	}
	return p.privilegeOwner(st), nil
}

// TakePrivilege puts a member of this privilege review's SaaS back on the
// base role now, for why, exactly once across replicas
// (reviews.Service.TakePrivilege), in the current period. The owner
// recorded is who answers for the seat.
func (r *Reviews) TakePrivilege(ctx context.Context, saas string, userID int64, why string) (reviews.Item, error) {
	if !r.Service.Privilege {
		return reviews.Item{}, errors.New("privilege is taken by the privilege review")
	}
	st, p, err := r.paidSeat(ctx, saas, userID)
	if err != nil {
		return reviews.Item{}, err
	}
	period := r.cadence().PeriodOf(r.now(), r.Rules.Location)
	it, err := p.Service.TakePrivilege(ctx, period, st, p.privilegeOwner(st), why)
	return it, p.wrap(err)
}
