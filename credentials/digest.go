package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// AdminDigest is the Digest.To of the admin channel's digest.
const AdminDigest = "#admins"

// Ref points at a posted digest message on one transport.
type Ref struct {
	Platform     string `json:"platform"`
	Conversation string `json:"conversation"`
	Message      string `json:"message"`
}

// Digest is what one recipient was sent in one period: which credentials,
// in which messages. It makes the token-digest job idempotent: a second
// run, here or on another replica, sends nothing twice.
type Digest struct {
	Period string `json:"period"`
	// To is the owner's email, or AdminDigest.
	To string `json:"to"`
	// IDs are the credentials the digest shows, in its order; clicks
	// redraw the digest from them.
	IDs         []string  `json:"ids,omitempty"`
	Refs        []Ref     `json:"refs,omitempty"`
	SentAt      time.Time `json:"sent_at,omitzero"`
	Unreachable string    `json:"unreachable,omitempty"`

	LeaseHolder string    `json:"lease_holder,omitempty"`
	LeaseUntil  time.Time `json:"lease_until,omitzero"`
}

func (s *Service) digestKind(period string) string { return s.kind("token-digest:" + period) }

// ErrBusy: another replica is sending this digest.
var ErrBusy = errors.New("credentials: another replica is sending this digest")

// Digest returns a recipient's digest of period; a zero Digest (no
// SentAt) when none was sent.
func (s *Service) Digest(ctx context.Context, period, to string) (Digest, error) {
	rec, err := s.Records.GetRecord(ctx, s.digestKind(period), to)
	if errors.Is(err, store.ErrNotFound) {
		return Digest{Period: period, To: to}, nil
	}
	if err != nil {
		return Digest{}, err
	}
	var d Digest
	if err := json.Unmarshal(rec.Data, &d); err != nil {
		return Digest{}, fmt.Errorf("credentials: unreadable digest %s: %w", to, err)
	}
	return d, nil
}

// ClaimDigest takes the lease on sending a recipient's digest with ids.
// It returns ErrBusy while another replica holds it, and store.ErrExists
// when the digest was sent already.
func (s *Service) ClaimDigest(ctx context.Context, period, to string, ids []string) error {
	now := s.now()
	return s.updateDigest(ctx, period, to, func(d *Digest) error {
		switch {
		case !d.SentAt.IsZero():
			return store.ErrExists
		case d.LeaseHolder != "" && d.LeaseHolder != s.holder() && now.Before(d.LeaseUntil):
			return ErrBusy
		}
		d.IDs = slices.Clone(ids)
		d.LeaseHolder, d.LeaseUntil = s.holder(), now.Add(s.lease())
		return nil
	})
}

// DigestSent records the messages a digest went out in and releases the
// lease; with unreachable set, it records why it could not be sent (a
// later run tries again).
func (s *Service) DigestSent(ctx context.Context, period, to string, refs []Ref, unreachable string) error {
	now := s.now()
	return s.updateDigest(ctx, period, to, func(d *Digest) error {
		if unreachable == "" {
			d.Refs, d.SentAt, d.Unreachable = append(d.Refs, refs...), now, ""
		} else {
			d.Unreachable = unreachable
		}
		d.LeaseHolder, d.LeaseUntil = "", time.Time{}
		return nil
	})
}

func (s *Service) updateDigest(ctx context.Context, period, to string, change func(*Digest) error) error {
	_, err := store.UpsertRecord(ctx, s.Records, s.digestKind(period), to, func(cur store.Record) ([]byte, error) {
		d := Digest{Period: period, To: to}
		if cur.Data != nil {
			if err := json.Unmarshal(cur.Data, &d); err != nil {
				return nil, fmt.Errorf("credentials: unreadable digest %s: %w", to, err)
			}
		}
		if err := change(&d); err != nil {
			return nil, err
		}
		return json.Marshal(d)
	})
	return err
}

// DigestItems picks, from an evaluation, what each recipient's digest
// shows: every owner gets their credentials that need attention; the
// admins get every orphan and every API token (the countdown). Items keep
// the evaluation's order.
func DigestItems(ev Evaluation) (owners map[string][]Item, admins []Item) {
	owners = map[string][]Item{}
	// Items are large and a big account's admin digest holds nearly all
	// of them: one allocation rather than a slice grown by copying.
	n := 0
	for _, it := range ev.Items {
		if it.Present && !it.Entry.State.Ended() && (it.Orphaned() || (it.Kind == APIToken && it.NeedsAttention())) {
			n++
		}
	}
	admins = make([]Item, 0, n)
	for _, it := range ev.Items {
		if !it.Present || it.Entry.State.Ended() {
			continue
		}
		if o := it.Entry.Owner; o != "" && it.NeedsAttention() {
			owners[o] = append(owners[o], it)
		}
		if it.Orphaned() || (it.Kind == APIToken && it.NeedsAttention()) {
			admins = append(admins, it)
		}
	}
	return owners, admins
}

// Pick returns the items of ev with the given ids, in ids' order; ids no
// longer in the register are left out.
func (ev Evaluation) Pick(ids []string) []Item {
	at := make(map[string]int, len(ev.Items))
	for i, it := range ev.Items {
		at[it.ID] = i
	}
	out := make([]Item, 0, len(ids))
	for _, id := range ids {
		if i, ok := at[id]; ok {
			out = append(out, ev.Items[i])
		}
	}
	return out
}

// Mine is the items owner answers for, present or ended.
func (ev Evaluation) Mine(owner string) []Item {
	owner = strings.ToLower(owner)
	var out []Item
	for _, it := range ev.Items {
		if owner != "" && it.Entry.Owner == owner {
			out = append(out, it)
		}
	}
	return out
}

// Orphans is the present items any orphan rule applies to.
func (ev Evaluation) Orphans() []Item {
	var out []Item
	for _, it := range ev.Items {
		if it.Present && !it.Entry.State.Ended() && it.Orphaned() {
			out = append(out, it)
		}
	}
	return out
}
