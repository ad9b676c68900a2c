package reviews

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// Ref points at a message the bot posted, on one transport. Reviews keep
// them to update digests in place; what they mean is the transport's
// business.
type Ref struct {
	Platform     string `json:"platform"`
	Conversation string `json:"conversation"`
	Message      string `json:"message"`
}

// Delivery is what one owner was sent in one period: which seats, in which
// messages, and when they were reminded, escalated or warned. It makes
// sending idempotent: a seat is sent to its owner once per period however
// often the jobs run.
type Delivery struct {
	Period string `json:"period"`
	Owner  string `json:"owner"`
	// Seats were sent to Owner, sorted.
	Seats []int64 `json:"seats,omitempty"`
	// Refs are the digest messages, oldest first.
	Refs   []Ref     `json:"refs,omitempty"`
	SentAt time.Time `json:"sent_at,omitzero"`
	// Unreachable says why the owner could not be sent anything.
	Unreachable string `json:"unreachable,omitempty"`

	RemindedAt     time.Time `json:"reminded_at,omitzero"`
	EscalatedAt    time.Time `json:"escalated_at,omitzero"`
	EscalationRefs []Ref     `json:"escalation_refs,omitempty"`
	WarnedAt       time.Time `json:"warned_at,omitzero"`

	// LeaseHolder and LeaseUntil: a replica is sending to this owner now.
	LeaseHolder string    `json:"lease_holder,omitempty"`
	LeaseUntil  time.Time `json:"lease_until,omitzero"`
	// Unsure is when a send began whose outcome is not known: its
	// replica died holding the lease, or the transport never answered.
	// The next send looks for what it may have posted first.
	Unsure time.Time `json:"unsure,omitzero"`

	Version int64 `json:"-"`
}

// Sent reports whether seat userID was sent to the owner.
func (d Delivery) Sent(userID int64) bool {
	_, ok := slices.BinarySearch(d.Seats, userID)
	return ok
}

func (s *Service) deliveryKind(period string) string { return s.kind("review-owner:" + period) }

// Deliveries returns period's deliveries by owner.
func (s *Service) Deliveries(ctx context.Context, period string) (map[string]Delivery, error) {
	recs, err := s.Records.ListRecords(ctx, s.deliveryKind(period))
	if err != nil {
		return nil, err
	}
	out := make(map[string]Delivery, len(recs))
	for _, r := range recs {
		d, err := decodeDelivery(r)
		if err != nil {
			return nil, err
		}
		out[d.Owner] = d
	}
	return out, nil
}

// Delivery returns one owner's delivery; a zero Delivery when nothing was
// sent yet.
func (s *Service) Delivery(ctx context.Context, period, owner string) (Delivery, error) {
	rec, err := s.Records.GetRecord(ctx, s.deliveryKind(period), owner)
	if errors.Is(err, store.ErrNotFound) {
		return Delivery{Period: period, Owner: owner}, nil
	}
	if err != nil {
		return Delivery{}, err
	}
	return decodeDelivery(rec)
}

func decodeDelivery(r store.Record) (Delivery, error) {
	var d Delivery
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return Delivery{}, fmt.Errorf("reviews: unreadable delivery %s: %w", r.ID, err)
	}
	d.Version = r.Version
	return d, nil
}

// ErrBusy: another replica holds the owner's delivery lease.
var ErrBusy = errors.New("reviews: another replica is sending to this owner")

// Claim takes the lease on an owner's delivery for this replica, so two
// runs never send to one owner at once. Release it with Deliver (or
// Release, when nothing was sent). A replica that dies holding it is
// outlived after the lease.
func (s *Service) Claim(ctx context.Context, period, owner string) (Delivery, error) {
	now := s.now()
	return s.UpdateDelivery(ctx, period, owner, func(d *Delivery) error {
		// Held is held, by this replica too: its digest job and its
		// reminders job run side by side under one holder name, and each
		// must wait for the other's send.
		if d.LeaseHolder != "" && now.Before(d.LeaseUntil) {
			return ErrBusy
		}
		if d.LeaseHolder != "" && d.Unsure.IsZero() { // its holder died sending
			d.Unsure = d.LeaseUntil.Add(-s.lease())
		}
		d.LeaseHolder, d.LeaseUntil = s.holder(), now.Add(s.lease())
		return nil
	})
}

// Release gives the lease back and applies change (nil for none).
func (s *Service) Release(ctx context.Context, period, owner string, change func(*Delivery)) (Delivery, error) {
	return s.UpdateDelivery(ctx, period, owner, func(d *Delivery) error {
		if change != nil {
			change(d)
		}
		if d.LeaseHolder == s.holder() {
			d.LeaseHolder, d.LeaseUntil = "", time.Time{}
		}
		return nil
	})
}

// Delivered records seats as sent to the owner in refs, and releases the
// lease.
func (s *Service) Delivered(ctx context.Context, period, owner string, seats []int64, refs []Ref) (Delivery, error) {
	now := s.now()
	return s.Release(ctx, period, owner, func(d *Delivery) {
		for _, id := range seats {
			if i, found := slices.BinarySearch(d.Seats, id); !found {
				d.Seats = slices.Insert(d.Seats, i, id)
			}
		}
		d.Refs = append(d.Refs, refs...)
		if d.SentAt.IsZero() {
			d.SentAt = now
		}
		d.Unreachable, d.Unsure = "", time.Time{}
	})
}

// UpdateDelivery applies change to an owner's delivery with a
// compare-and-set, creating it when absent.
func (s *Service) UpdateDelivery(ctx context.Context, period, owner string, change func(*Delivery) error) (Delivery, error) {
	var out Delivery
	rec, err := store.UpsertRecord(ctx, s.Records, s.deliveryKind(period), owner, func(cur store.Record) ([]byte, error) {
		d := Delivery{Period: period, Owner: owner}
		if cur.Data != nil {
			if err := json.Unmarshal(cur.Data, &d); err != nil {
				return nil, fmt.Errorf("reviews: unreadable delivery %s: %w", owner, err)
			}
		}
		d.Seats = slices.Clone(d.Seats)
		d.Refs = slices.Clone(d.Refs)
		d.EscalationRefs = slices.Clone(d.EscalationRefs)
		if err := change(&d); err != nil {
			return nil, err
		}
		out = d
		return json.Marshal(d)
	})
	if err != nil {
		return Delivery{}, err
	}
	out.Version = rec.Version
	return out, nil
}

func (s *Service) holder() string {
	if s.Holder == "" {
		return "seatwarden"
	}
	return s.Holder
}

func (s *Service) lease() time.Duration {
	if s.Lease <= 0 {
		return time.Minute
	}
	return s.Lease
}

// SendFailed records a send that failed at sendAt: an owner the
// transport cannot reach, or (any other error) a send that may have
// posted without saying so, which the next send looks for.
func (d *Delivery) SendFailed(err error, unreachable bool, sendAt time.Time) {
	switch {
	case unreachable:
		d.Unreachable = err.Error()
	case d.Unsure.IsZero():
		d.Unsure = sendAt
	}
}
