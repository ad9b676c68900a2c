package posture_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
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
	p := posture.Part(snapshot(), seats.Tally{Seats: 2, Cost: 230}, "USD", map[int64]bool{3: true}, leavers, posture.MFARule{Admins: true})
	if p.Admins != 3 || p.JustInTime != 1 || p.Standing() != 2 {
		t.Errorf("admins %d, just in time %d, standing %d; want 3, 1, 2", p.Admins, p.JustInTime, p.Standing())
	}
	if len(p.NoMFA) != 2 || p.NoMFA[0].Email != "Lee@Acme.example" || p.NoMFA[1].Email != "mei@acme.example" || p.NoMFA[1].UserID != 3 {
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
	p := posture.Part(snapshot(), seats.Tally{}, "USD", nil, nil, posture.MFARule{Admins: true})
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

// Who must have 2FA: the policy's words read against the account's
// custom roles, and the names that match none.
func TestNewMFARule(t *testing.T) {
	roles := []connector.CustomRole{
		{ID: "10", Name: "Team Lead", Powers: []connector.Power{connector.PowerTeamMembers}},
		{ID: "11", Name: "Staff"},
		{ID: "12", Name: "Ops", Powers: []connector.Power{connector.PowerApps}},
	}
	tests := []struct {
		name     string
		required []string
		admins   bool
		roles    map[int64]string
		unknown  []string
	}{
		{"default: admins and risky roles", nil, true, map[int64]string{10: "Team Lead", 12: "Ops"}, nil},
		{"admins only", []string{"admin"}, true, map[int64]string{}, nil},
		{"a role by name, any case, and by id", []string{"staff", "12"}, false, map[int64]string{11: "Staff", 12: "Ops"}, nil},
		{"a typo", []string{"admin", "Team Leed"}, true, map[int64]string{}, []string{"Team Leed"}},
		{"nothing on a plan without roles", []string{"risky"}, false, map[int64]string{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			against := roles
			if tt.name == "nothing on a plan without roles" {
				against = nil
			}
			rule, unknown := posture.NewMFARule(tt.required, against)
			if rule.Admins != tt.admins || !maps.Equal(rule.Roles, tt.roles) || !slices.Equal(unknown, tt.unknown) {
				t.Errorf("rule %+v, unknown %v; want admins %v, roles %v, unknown %v", rule, unknown, tt.admins, tt.roles, tt.unknown)
			}
		})
	}
}

type fakeRoles struct {
	roles []connector.CustomRole
	err   error
}

func (f fakeRoles) CustomRoles(context.Context) ([]connector.CustomRole, error) {
	return f.roles, f.err
}

// The posture reads the custom roles: a risky role's holders must have
// 2FA; a plan without custom roles says so rather than failing; any other
// failure to read them is the posture's failure.
func TestGatherRoles(t *testing.T) {
	lead := int64(10)
	snap := snapshot()
	snap.Staff = append(snap.Staff, connector.Staff{ID: 7, Email: "lead@acme.example", RoleID: &lead})
	seatsOf := func(context.Context, string) (*store.Snapshot, seats.Tally, string, bool, error) {
		return snap, seats.Tally{}, "USD", true, nil
	}
	risky := []connector.CustomRole{{ID: "10", Name: "Team Lead", Members: 1, Powers: []connector.Power{connector.PowerTeamMembers}}}
	tests := []struct {
		name      string
		reader    connector.Roles
		wantState posture.RolesState
		wantNoMFA []string
		wantErr   bool
	}{
		{"risky role", fakeRoles{roles: risky}, posture.RolesRead, []string{"Lee@Acme.example", "lead@acme.example"}, false},
		{"team plan", fakeRoles{err: fmt.Errorf("custom_roles: %w", connector.ErrForbidden)}, posture.RolesOffPlan, []string{"Lee@Acme.example"}, false},
		{"no reader", nil, posture.RolesUnread, []string{"Lee@Acme.example"}, false},
		{"outage", fakeRoles{err: connector.ErrUnavailable}, 0, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := posture.Sources{SaaS: []string{connector.Zendesk}, Seats: seatsOf}
			if tt.reader != nil {
				src.Roles = map[string]connector.Roles{connector.Zendesk: tt.reader}
			}
			r, err := posture.Gather(t.Context(), src)
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range r.SaaS[0].NoMFA {
				got = append(got, h.Email)
			}
			if r.SaaS[0].Roles != tt.wantState || !slices.Equal(got, tt.wantNoMFA) {
				t.Errorf("roles %v, without 2FA %v; want %v, %v", r.SaaS[0].Roles, got, tt.wantState, tt.wantNoMFA)
			}
			if tt.wantState == posture.RolesRead && (len(r.SaaS[0].RiskyRoles) != 1 || r.Counts().RiskyRoles != 1) {
				t.Errorf("risky roles %+v", r.SaaS[0].RiskyRoles)
			}
		})
	}
}
