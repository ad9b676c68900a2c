package seats_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// TestJudgeReadsWhatEvaluateJudges: judging the stored snapshot a member at
// a time gives the report judging it whole gives, groups and default
// groups included although the stored content has them after the
// members, and hands back the rest of the snapshot without the members.
func TestJudgeReadsWhatEvaluateJudges(t *testing.T) {
	policy, snap := judgeFixture()
	want := seats.Evaluate(snap, policy, now)
	if len(want.Paid) != 4 || len(want.Free) != 2 || want.Paid[0].DefaultGroup != "Billing" {
		t.Fatalf("the fixture judges %d paid, %d free, first in %q; the test expects 4, 2, Billing", len(want.Paid), len(want.Free), want.Paid[0].DefaultGroup)
	}
	for name, open := range patchStores() {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			if err := st.SaveSnapshot(t.Context(), snap); err != nil {
				t.Fatal(err)
			}
			got, head, err := seats.Judge(t.Context(), st, connector.Zendesk, policy, now)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("report (-Evaluate +Judge):\n%s", diff)
			}
			wantHead := *snap
			wantHead.Staff, wantHead.Members = nil, len(snap.Staff)
			// Unpatched, the members were saved as the snapshot's revision.
			if wantHead.Base, err = st.SnapshotRevision(t.Context(), connector.Zendesk); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&wantHead, head, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(store.Snapshot{}, "V")); diff != "" {
				t.Errorf("snapshot returned (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPatchedReportIsThePatchedSnapshotJudged: a report with a snapshot's
// patches applied says what judging the patched snapshot says, or, for a
// member put back that the report no longer holds, asks for that.
func TestPatchedReportIsThePatchedSnapshotJudged(t *testing.T) {
	policy, snap := judgeFixture()
	at := func(days int) *time.Time { v := now.AddDate(0, 0, -days); return &v }
	member := func(id int64, change func(*connector.Staff)) *connector.Staff {
		i := slices.IndexFunc(snap.Staff, func(u connector.Staff) bool { return u.ID == id })
		u := snap.Staff[i]
		change(&u)
		return &u
	}
	cases := []struct {
		name    string
		patches []store.MemberPatch
		whole   bool
	}{
		{"an inactive agent logs in", []store.MemberPatch{{ID: 2, Member: member(2, func(u *connector.Staff) { u.LastActivity = at(0) })}}, true},
		{"an agent is no longer staff", []store.MemberPatch{{ID: 3}}, true},
		{"an admin is downgraded to a light agent", []store.MemberPatch{{ID: 1, Member: member(1, func(u *connector.Staff) {
			u.Role, u.Privileged, u.Free = "agent", false, "light agent"
		})}}, true},
		{"the later patch of a member stands", []store.MemberPatch{
			{ID: 6, Member: member(6, func(u *connector.Staff) { u.Suspended = false })},
			{ID: 6, Member: member(6, func(u *connector.Staff) { u.Suspended = true; u.Name = "Fi" })},
		}, true},
		{"a member never held is taken out: nothing changes", []store.MemberPatch{{ID: 99}}, true},
		{"a member the report does not hold is put", []store.MemberPatch{{ID: 99, Member: &connector.Staff{ID: 99, Role: "agent"}}}, false},
	}
	base := seats.Evaluate(snap, policy, now)
	rest := *snap
	rest.Staff = nil
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, whole := base.Patched(&rest, c.patches, policy, now)
			if whole != c.whole {
				t.Fatalf("whole = %v, want %v", whole, c.whole)
			}
			if !whole {
				return
			}
			patched := *snap
			patched.Staff = nil
			for _, u := range snap.Staff {
				var last *store.MemberPatch
				for i := range c.patches {
					if c.patches[i].ID == u.ID {
						last = &c.patches[i]
					}
				}
				switch {
				case last == nil:
					patched.Staff = append(patched.Staff, u)
				case last.Member != nil:
					patched.Staff = append(patched.Staff, *last.Member)
				}
			}
			if diff := cmp.Diff(seats.Evaluate(&patched, policy, now), got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("patched report (-the patched snapshot judged +Patched):\n%s", diff)
			}
		})
	}
}

// judgeFixture is a small account whose seats cover each judgement:
// admin, agents active and not, never logged in, a non-seat role, a free
// seat, a suspended member, groups live and deleted.
func judgeFixture() (seats.Policy, *store.Snapshot) {
	policy := seats.Policy{InactivityDays: 30, Location: time.UTC, NonSeatRoles: []string{"Contractor"},
		Pricing: seats.Pricing{Agent: 100, Admin: 200, Currency: "EUR"}}
	at := func(days int) *time.Time { v := now.AddDate(0, 0, -days); return &v }
	group := func(id int64) *int64 { return &id }
	contractor := int64(7)
	snap := &store.Snapshot{SyncedAt: now.Add(-time.Hour), Connector: connector.Zendesk, Account: "https://acme.zendesk.com",
		Roster: connector.Roster{Cursor: "c9",
			Staff: []connector.Staff{
				{ID: 1, Email: "ada@acme.example", Role: "admin", Privileged: true, LastActivity: at(2), DefaultGroupID: group(10)},
				{ID: 2, Email: "bo@acme.example", Role: "agent", LastActivity: at(90), DefaultGroupID: group(11)},
				{ID: 3, Email: "cy@acme.example", Role: "agent", CreatedAt: now.AddDate(0, 0, -45)},
				{ID: 4, Email: "di@acme.example", Role: "agent", RoleName: "Contractor", RoleID: &contractor, LastActivity: at(1)},
				{ID: 5, Email: "ed@acme.example", Role: "agent", Free: "light agent", LastActivity: at(400), DefaultGroupID: group(12)},
				{ID: 6, Email: "fi@acme.example", Role: "agent", Suspended: true, LastActivity: at(30), DefaultGroupID: group(10)},
			},
			Groups: []connector.Group{{ID: 10, Name: "Tier 1"}, {ID: 11, Name: "Billing"}, {ID: 12, Name: "Gone", Deleted: true}},
			Memberships: []connector.Membership{
				{UserID: 1, GroupID: 10, Default: true}, {UserID: 1, GroupID: 11},
				{UserID: 2, GroupID: 11, Default: true}, {UserID: 5, GroupID: 12, Default: true}, {UserID: 6, GroupID: 10},
			}}}
	return policy, snap
}

// TestReportListsMostInactiveFirst: however the members come, the report
// lists the paid and the free seats by days inactive, most first, then by
// id.
func TestReportListsMostInactiveFirst(t *testing.T) {
	policy := seats.Policy{InactivityDays: 30, Location: time.UTC, Pricing: seats.Pricing{Agent: 100, Admin: 100}}
	snap := &store.Snapshot{SyncedAt: now}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		last := now.AddDate(0, 0, -rng.IntN(60))
		u := connector.Staff{ID: int64(rng.IntN(1_000_000)) + 1, Role: "agent", LastActivity: &last}
		if i%7 == 0 {
			u.Free = connector.FreeLightAgent
		}
		snap.Staff = append(snap.Staff, u)
	}
	r := seats.Evaluate(snap, policy, now)
	if len(r.Paid)+len(r.Free) != len(snap.Staff) {
		t.Fatalf("%d paid + %d free seats of %d members", len(r.Paid), len(r.Free), len(snap.Staff))
	}
	for name, list := range map[string][]seats.Seat{"paid": r.Paid, "free": r.Free} {
		if !slices.IsSortedFunc(list, seats.MostInactiveFirst) {
			t.Errorf("the %s seats are not most inactive first", name)
		}
	}
	ids := func(list []seats.Seat) (out []int64) {
		for _, s := range list {
			out = append(out, s.User.ID)
		}
		return out
	}
	var want []int64
	for _, u := range snap.Staff {
		want = append(want, u.ID)
	}
	got := append(ids(r.Paid), ids(r.Free)...)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Error("the report lost or repeated a member")
	}
}
