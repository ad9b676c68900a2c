package posture_test

import (
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/posture"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

var now = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

func snapshot() *store.Snapshot {
	return &store.Snapshot{Connector: connector.Zendesk, Roster: connector.Roster{Staff: []connector.Staff{
		{ID: 1, Email: "dana@acme.example", Privileged: true, TwoFactor: true},
		{ID: 2, Email: "Lee@Acme.example", Privileged: true},
		{ID: 3, Email: "mei@acme.example"},                                    // an agent on a grant, without 2FA
		{ID: 4, Email: "sam@acme.example", Privileged: true, Suspended: true}, // suspended: holds nothing
		{ID: 5, Email: "old@acme.example"},                                    // left, paid seat
		{ID: 6, Email: "light@acme.example", Free: connector.FreeLightAgent},  // left, no paid seat
	}}}
}

// A grant's holder counts as a just-in-time admin whether or not the
// snapshot saw the role; suspended staff count for nothing; people who
// left count only while they hold a paid seat.
func TestPart(t *testing.T) {
	leavers := map[string]time.Time{"old@acme.example": now, "light@acme.example": now}
	p := posture.Part(snapshot(), seats.Tally{Seats: 2, Cost: 230}, "USD", map[int64]bool{3: true}, leavers)
	if p.Admins != 3 || p.JustInTime != 1 || p.Standing() != 2 {
		t.Errorf("admins %d, just in time %d, standing %d; want 3, 1, 2", p.Admins, p.JustInTime, p.Standing())
	}
	if len(p.NoMFA) != 2 || p.NoMFA[0] != "Lee@Acme.example" || p.NoMFA[1] != "mei@acme.example" {
		t.Errorf("without 2FA: %v", p.NoMFA)
	}
	if len(p.Departed) != 1 || p.Departed[0] != "old@acme.example" {
		t.Errorf("departed: %v", p.Departed)
	}
	c := posture.Report{SaaS: []posture.SaaS{p}}.Counts()
	if c.Standing != 2 || c.JustInTime != 1 || c.NoMFA != 2 || c.Inactive != 2 || c.InactiveCost != 230 || c.Departed != 1 {
		t.Errorf("counts %+v", c)
	}
}

// A gap keeps its first deadline across weeks and is forgotten once
// closed; a SaaS not synced yet keeps its gaps as they are.
func TestGaps(t *testing.T) {
	st := teststores.Bolt(t, nil)
	ctx := t.Context()
	p := posture.Part(snapshot(), seats.Tally{}, "USD", nil, nil)
	r := posture.Report{SaaS: []posture.SaaS{p}}
	first, err := posture.Gaps(ctx, st, r, 14, now)
	if err != nil || len(first) != 1 || !first[0].Deadline.Equal(now.AddDate(0, 0, 14)) || first[0].Overdue(now) {
		t.Fatalf("first: %+v, %v", first, err)
	}
	later, err := posture.Gaps(ctx, st, r, 14, now.AddDate(0, 0, 15))
	if err != nil || len(later) != 1 || !later[0].Deadline.Equal(first[0].Deadline) || !later[0].Overdue(now.AddDate(0, 0, 15)) {
		t.Fatalf("a fortnight later: %+v, %v", later, err)
	}
	if gaps, err := posture.Gaps(ctx, st, posture.Report{SaaS: []posture.SaaS{{SaaS: connector.Zendesk}}}, 14, now); err != nil || len(gaps) != 0 {
		t.Fatalf("not synced: %+v, %v", gaps, err)
	}
	closed := posture.Report{SaaS: []posture.SaaS{{SaaS: connector.Zendesk, Synced: true}}}
	if _, err := posture.Gaps(ctx, st, closed, 14, now.AddDate(0, 0, 16)); err != nil {
		t.Fatal(err)
	}
	again, err := posture.Gaps(ctx, st, r, 14, now.AddDate(0, 0, 30))
	if err != nil || len(again) != 1 || !again[0].Deadline.Equal(now.AddDate(0, 0, 44)) {
		t.Errorf("a new gap after closing: %+v, %v", again, err)
	}
}
