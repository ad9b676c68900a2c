package seats

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/store"
)

func ptr[T any](v T) *T { return &v }

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestCalendarDaysBetween(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	newYork := mustLoc(t, "America/New_York")
	tests := []struct {
		name     string
		from, to string
		loc      *time.Location
		want     int
	}{
		{"same instant", "2026-11-20T10:00:00Z", "2026-11-20T10:00:00Z", time.UTC, 0},
		{"later the same day", "2026-11-20T00:01:00Z", "2026-11-20T23:59:00Z", time.UTC, 0},
		{"one minute across midnight is a calendar day", "2026-11-19T23:59:00Z", "2026-11-20T00:00:00Z", time.UTC, 1},
		{"exactly 30 days", "2026-10-21T09:00:00Z", "2026-11-20T09:00:00Z", time.UTC, 30},
		{"30 days less a minute is still 30 calendar days", "2026-10-21T09:01:00Z", "2026-11-20T09:00:00Z", time.UTC, 30},
		// 23:30 UTC is already the next day in Berlin.
		{"login late UTC evening counts from Berlin's date", "2026-11-19T23:30:00Z", "2026-11-20T10:00:00Z", berlin, 0},
		{"same instants in UTC are a day apart", "2026-11-19T23:30:00Z", "2026-11-20T10:00:00Z", time.UTC, 1},
		// 2026-03-08 has 23 hours in New York.
		{"across a DST change", "2026-03-07T12:00:00-05:00", "2026-03-09T12:00:00-04:00", newYork, 2},
		{"future login (clock skew) is zero", "2026-11-21T00:00:00Z", "2026-11-20T00:00:00Z", time.UTC, 0},
		{"nil location means UTC", "2026-11-19T23:30:00Z", "2026-11-20T00:30:00Z", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, _ := time.Parse(time.RFC3339, tt.from)
			to, _ := time.Parse(time.RFC3339, tt.to)
			if got := CalendarDaysBetween(from, to, tt.loc); got != tt.want {
				t.Errorf("CalendarDaysBetween(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestEvaluateSeat(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	daysAgo := func(d int) *time.Time { v := now.AddDate(0, 0, -d); return &v }
	// The Zendesk connector classifies each user as a sync would; the
	// seat rules price and judge what it says.
	staffOf := zendesk.StaffOf([]zendesk.CustomRole{
		{ID: 10, Name: "Staff", RoleType: 0},
		{ID: 11, Name: "Light Agent", RoleType: 1, Configuration: zendesk.CustomRoleConfig{LightAgent: true}},
		{ID: 12, Name: "Contributor", RoleType: 3},
		{ID: 13, Name: "Read Only Auditor", RoleType: 0},
		{ID: 14, Name: "Tier 3 Specialist", RoleType: 0},
	})
	snap := &store.Snapshot{Roster: connector.Roster{
		Groups:      []connector.Group{{ID: 1, Name: "Tier 2"}, {ID: 2, Name: "Billing"}, {ID: 3, Name: "Gone", Deleted: true}},
		Memberships: []connector.Membership{{UserID: 7, GroupID: 2}, {UserID: 7, GroupID: 1}, {UserID: 7, GroupID: 3}},
	}}
	policy := Policy{
		InactivityDays: 30,
		Location:       time.UTC,
		Pricing:        Pricing{Agent: 115, Admin: 150, Currency: "USD", Roles: map[string]float64{"Tier 3 Specialist": 169}},
		NonSeatRoles:   []string{"read only auditor"},
	}
	created := now.AddDate(-1, 0, 0)
	tests := []struct {
		name string
		user zendesk.User
		want Seat
		// What the seat says of its member's own record.
		role, free string
		last       time.Time
	}{
		{
			name: "active admin",
			user: zendesk.User{ID: 1, Role: "admin", LastLoginAt: daysAgo(2), CreatedAt: created},
			want: Seat{Paid: true, Category: CategoryAdmin, DaysInactive: 2, MonthlyCost: 150},
			role: "Admin", last: *daysAgo(2),
		},
		{
			name: "agent exactly at the threshold is inactive",
			user: zendesk.User{ID: 2, Role: "agent", CustomRoleID: ptr[int64](10), LastLoginAt: daysAgo(30), CreatedAt: created},
			want: Seat{Paid: true, Category: CategoryAgent, DaysInactive: 30, Inactive: true, MonthlyCost: 115},
			role: "Staff", last: *daysAgo(30),
		},
		{
			name: "agent one day short of the threshold is active",
			user: zendesk.User{ID: 3, Role: "agent", LastLoginAt: daysAgo(29), CreatedAt: created},
			want: Seat{Paid: true, Category: CategoryAgent, DaysInactive: 29, MonthlyCost: 115},
			role: "Agent", last: *daysAgo(29),
		},
		{
			name: "never logged in counts from created_at",
			user: zendesk.User{ID: 4, Role: "agent", LastLoginAt: nil, CreatedAt: *daysAgo(45)},
			want: Seat{Paid: true, Category: CategoryAgent, NeverLoggedIn: true, DaysInactive: 45, Inactive: true, MonthlyCost: 115},
			role: "Agent", last: *daysAgo(45),
		},
		{
			name: "never logged in but created recently is active",
			user: zendesk.User{ID: 5, Role: "agent", CreatedAt: *daysAgo(3)},
			want: Seat{Paid: true, Category: CategoryAgent, NeverLoggedIn: true, DaysInactive: 3, MonthlyCost: 115},
			role: "Agent", last: *daysAgo(3),
		},
		{
			name: "suspended agent still holds a paid seat",
			user: zendesk.User{ID: 6, Role: "agent", Suspended: true, LastLoginAt: daysAgo(200), CreatedAt: created},
			want: Seat{Paid: true, Category: CategorySuspended, DaysInactive: 200, Inactive: true, MonthlyCost: 115},
			role: "Agent", last: *daysAgo(200),
		},
		{
			name: "groups are named and sorted, deleted groups dropped",
			user: zendesk.User{ID: 7, Role: "agent", LastLoginAt: daysAgo(1), CreatedAt: created},
			want: Seat{Paid: true, Category: CategoryAgent, Groups: []string{"Billing", "Tier 2"}, DaysInactive: 1, MonthlyCost: 115},
			role: "Agent", last: *daysAgo(1),
		},
		{
			name: "light agent by role_type holds no seat",
			user: zendesk.User{ID: 8, Role: "agent", RoleType: ptr(1), CustomRoleID: ptr[int64](11), LastLoginAt: daysAgo(90), CreatedAt: created},
			want: Seat{Category: CategoryAgent, DaysInactive: 90, Inactive: true},
			free: FreeLightAgent, role: "Light Agent", last: *daysAgo(90),
		},
		{
			name: "light agent known only through its custom role (role_type null)",
			user: zendesk.User{ID: 9, Role: "agent", CustomRoleID: ptr[int64](11), LastLoginAt: daysAgo(1), CreatedAt: created},
			want: Seat{Category: CategoryAgent, DaysInactive: 1},
			free: FreeLightAgent, role: "Light Agent", last: *daysAgo(1),
		},
		{
			name: "contributor holds no seat",
			user: zendesk.User{ID: 10, Role: "agent", RoleType: ptr(3), CustomRoleID: ptr[int64](12), LastLoginAt: daysAgo(1), CreatedAt: created},
			want: Seat{Category: CategoryAgent, DaysInactive: 1},
			free: FreeContributor, role: "Contributor", last: *daysAgo(1),
		},
		{
			name: "policy non-seat role matches case-insensitively",
			user: zendesk.User{ID: 11, Role: "agent", RoleType: ptr(0), CustomRoleID: ptr[int64](13), LastLoginAt: daysAgo(1), CreatedAt: created},
			want: Seat{Category: CategoryAgent, DaysInactive: 1},
			free: FreeNonSeatRole, role: "Read Only Auditor", last: *daysAgo(1),
		},
		{
			name: "custom role price overrides the agent price",
			user: zendesk.User{ID: 12, Role: "agent", CustomRoleID: ptr[int64](14), LastLoginAt: daysAgo(1), CreatedAt: created},
			want: Seat{Paid: true, Category: CategoryAgent, DaysInactive: 1, MonthlyCost: 169},
			role: "Tier 3 Specialist", last: *daysAgo(1),
		},
		{
			name: "admin on a light-agent role still holds a seat at the admin price",
			user: zendesk.User{ID: 13, Role: "admin", RoleType: ptr(1), CustomRoleID: ptr[int64](11), LastLoginAt: daysAgo(1), CreatedAt: created},
			want: Seat{Paid: true, Category: CategoryAdmin, DaysInactive: 1, MonthlyCost: 150},
			role: "Light Agent", last: *daysAgo(1),
		},
		{
			name: "unknown custom role id is priced as the plain role and says so",
			user: zendesk.User{ID: 14, Role: "agent", CustomRoleID: ptr[int64](999), LastLoginAt: daysAgo(1), CreatedAt: created},
			want: Seat{Paid: true, Category: CategoryAgent, DaysInactive: 1, MonthlyCost: 115},
			role: "unknown role 999", last: *daysAgo(1),
		},
	}
	ix := NewIndex(snap, policy)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.user.Active = true
			staff := staffOf(tt.user)
			got := ix.Evaluate(staff, policy, now)
			tt.want.User = staff
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Evaluate mismatch (-want +got):\n%s", diff)
			}
			if got.RoleName() != tt.role || got.Free() != tt.free || !got.LastActivity().Equal(tt.last) {
				t.Errorf("role %q, free %q, last activity %s; want %q, %q, %s", got.RoleName(), got.Free(), got.LastActivity(), tt.role, tt.free, tt.last)
			}
		})
	}
}

func TestEvaluateInactivityInPolicyTimezone(t *testing.T) {
	// The check runs at 09:00 Berlin time; the agent last logged in at
	// 23:30 UTC thirty days earlier, which was already the next day in Berlin.
	berlin := mustLoc(t, "Europe/Berlin")
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, berlin)
	login := time.Date(2026, 10, 20, 23, 30, 0, 0, time.UTC)
	u := connector.Staff{ID: 1, Role: "agent", RoleName: "Agent", Seat: "agent", LastActivity: &login}
	snap := &store.Snapshot{Roster: connector.Roster{Staff: []connector.Staff{u}}}

	for _, tt := range []struct {
		loc          *time.Location
		wantDays     int
		wantInactive bool
	}{
		{time.UTC, 31, true},
		{berlin, 30, false},
	} {
		p := Policy{InactivityDays: 31, Location: tt.loc}
		got := NewIndex(snap, p).Evaluate(u, p, now)
		if got.DaysInactive != tt.wantDays || got.Inactive != tt.wantInactive {
			t.Errorf("in %s: days=%d inactive=%v, want days=%d inactive=%v", tt.loc, got.DaysInactive, got.Inactive, tt.wantDays, tt.wantInactive)
		}
	}
}

func TestEvaluateSummary(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	at := func(d int) *time.Time { v := now.AddDate(0, 0, -d); return &v }
	staffOf := zendesk.StaffOf([]zendesk.CustomRole{{ID: 11, Name: "Light Agent", RoleType: 1, Configuration: zendesk.CustomRoleConfig{LightAgent: true}}})
	snap := &store.Snapshot{SyncedAt: now.Add(-5 * time.Minute)}
	for _, u := range []zendesk.User{
		{ID: 1, Role: "admin", LastLoginAt: at(1)},
		{ID: 2, Role: "admin", LastLoginAt: at(60)},
		{ID: 3, Role: "agent", LastLoginAt: at(5)},
		{ID: 4, Role: "agent", LastLoginAt: at(40)},
		{ID: 5, Role: "agent", CreatedAt: *at(100)},
		{ID: 6, Role: "agent", Suspended: true, LastLoginAt: at(300)},
		{ID: 7, Role: "agent", CustomRoleID: ptr[int64](11), LastLoginAt: at(500)},
	} {
		snap.Staff = append(snap.Staff, staffOf(u))
	}
	p := Policy{InactivityDays: 30, Location: time.UTC, Pricing: Pricing{Agent: 100, Admin: 200, Currency: "EUR"}}
	r := Evaluate(snap, p, now)

	want := Summary{
		SyncedAt:       snap.SyncedAt,
		Currency:       "EUR",
		InactivityDays: 30,
		Paid:           Tally{6, 800},
		ByCategory: map[Category]Tally{
			CategoryAdmin:     {2, 400},
			CategoryAgent:     {3, 300},
			CategorySuspended: {1, 100},
		},
		Active:        Tally{2, 300},
		Inactive:      Tally{4, 500},
		NeverLoggedIn: 1,
		Free:          map[string]int{FreeLightAgent: 1},
	}
	if diff := cmp.Diff(want, r.Summary); diff != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", diff)
	}
	var order []int64
	for _, s := range r.Paid {
		order = append(order, s.User.ID)
	}
	if diff := cmp.Diff([]int64{6, 5, 2, 4, 3, 1}, order); diff != "" {
		t.Errorf("paid seats not ordered most inactive first (-want +got):\n%s", diff)
	}
	var inactive60 []int64
	for _, s := range r.InactiveSeats(60) {
		inactive60 = append(inactive60, s.User.ID)
	}
	if diff := cmp.Diff([]int64{6, 5, 2}, inactive60); diff != "" {
		t.Errorf("InactiveSeats(60) (-want +got):\n%s", diff)
	}
	if got := len(r.InactiveSeats(0)); got != 4 {
		t.Errorf("InactiveSeats(0) uses the policy threshold: got %d seats, want 4", got)
	}
}
