package access_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/store"
)

// watchedMember is one member of a synthetic roster.
func watchedMember(id int64) connector.Staff {
	return connector.Staff{ID: id, Email: fmt.Sprintf("m%d@acme.example", id), Name: fmt.Sprintf("Member %d", id), Role: "agent"}
}

// teamLead is in the custom role the fixture's policy lets people ask for.
func teamLead(st connector.Staff) connector.Staff {
	id := int64(9)
	st.RoleID, st.RoleName = &id, "Team Lead"
	return st
}

func admin(st connector.Staff) connector.Staff {
	st.Role, st.Privileged = "admin", true
	return st
}

// Watch reads the members once, one at a time, only when the revision
// moved, and finds each member newly privileged by hand once, with the
// role they held before; the roles it keeps cost a few bytes a member.
func TestWatchReadsWhatChanged(t *testing.T) {
	const members = 2_000
	base := func() []connector.Staff {
		out := make([]connector.Staff, members)
		for i := range out {
			out[i] = watchedMember(int64(i + 1))
		}
		return out
	}
	type step struct {
		name     string
		revision string
		roster   func() []connector.Staff
		read     bool
		found    map[int64]string // member: the role before, "none" when not staff then
	}
	promoted := func() []connector.Staff { r := base(); r[6] = admin(r[6]); return r }
	steps := []step{
		{name: "the first look takes note", revision: "r1", roster: base, read: true},
		{name: "the same revision reads nothing", revision: "r1", roster: base},
		{name: "made admin by hand", revision: "r2", roster: promoted, read: true, found: map[int64]string{7: "agent"}},
		{name: "a new revision, no role changed", revision: "r3", roster: promoted, read: true},
		{name: "a newcomer in a grantable role, out of order, revision unknown", revision: "", roster: func() []connector.Staff {
			r := append(promoted(), teamLead(watchedMember(members+10)))
			slices.Reverse(r)
			return r
		}, read: true, found: map[int64]string{members + 10: "none"}},
		{name: "put back by hand, then made team lead", revision: "r4", roster: func() []connector.Staff {
			r := base()
			r[99] = teamLead(r[99])
			return r
		}, read: true, found: map[int64]string{100: "agent"}},
	}
	for name, open := range map[string]func(testing.TB) store.Store{
		"bolt":  bolt,
		"redis": func(tb testing.TB) store.Store { return teststores.Redis(tb, "access-watch") },
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, open)
			svc := f.replica("a", nil)
			for _, s := range steps {
				f.advance(time.Minute)
				read := false
				found, err := svc.Watch(t.Context(), s.revision, func(member func(connector.Staff) error) error {
					read = true
					return access.RosterMembers(&connector.Roster{Staff: s.roster()})(member)
				})
				if err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				if got := earlierRoles(found); read != s.read || !cmp.Equal(s.found, got, cmpopts.EquateEmpty()) {
					t.Errorf("%s: read %v, found %v; want read %v, found %v", s.name, read, got, s.read, s.found)
				}
			}
			rec, err := f.store.GetRecord(t.Context(), "access-roles", "roster")
			if err != nil {
				t.Fatal(err)
			}
			// The map of member id to role written before took over 20.
			if per := len(rec.Data) / members; per > 12 {
				t.Errorf("the roles seen cost %d bytes a member stored, want at most 12", per)
			}
		})
	}
}

// The roles seen as the map of member id to role written before still
// read: what they say is what the next look compares with.
func TestWatchReadsTheRolesMapWrittenBefore(t *testing.T) {
	f := newFixture(t, bolt)
	svc := f.replica("a", nil)
	if _, err := f.store.CreateRecord(t.Context(), "access-roles", "roster",
		[]byte(`{"1":{"base":"agent"},"2":{"base":"agent","id":"9"},"3":{"base":"admin"}}`)); err != nil {
		t.Fatal(err)
	}
	roster := &connector.Roster{Staff: []connector.Staff{
		admin(watchedMember(1)), teamLead(watchedMember(2)), admin(watchedMember(3)), admin(watchedMember(4)),
	}}
	found, err := svc.Watch(t.Context(), "r1", access.RosterMembers(roster))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := earlierRoles(found), map[int64]string{1: "agent", 4: "none"}; !cmp.Equal(want, got) {
		t.Errorf("found %v, want %v", got, want)
	}
	if again, err := svc.Watch(t.Context(), "r2", access.RosterMembers(roster)); err != nil || len(again) != 0 {
		t.Errorf("the next look = %v, %v; want nothing new", again, err)
	}
}

// A failed read takes note of nothing: the next look compares with the
// roles before it.
func TestWatchFailedReadKeepsTheRolesSeen(t *testing.T) {
	f := newFixture(t, bolt)
	svc := f.replica("a", nil)
	roster := &connector.Roster{Staff: []connector.Staff{watchedMember(1), watchedMember(2)}}
	if _, err := svc.Watch(t.Context(), "r1", access.RosterMembers(roster)); err != nil {
		t.Fatal(err)
	}
	roster.Staff[1] = admin(roster.Staff[1])
	cut := errors.New("the read was cut off")
	_, err := svc.Watch(t.Context(), "r2", func(member func(connector.Staff) error) error {
		if err := member(roster.Staff[0]); err != nil {
			return err
		}
		return cut
	})
	if !errors.Is(err, cut) {
		t.Fatalf("Watch = %v, want the read's error", err)
	}
	found, err := svc.Watch(t.Context(), "r2", access.RosterMembers(roster))
	if err != nil || len(found) != 1 || found[0].UserID != 2 {
		t.Errorf("the next look = %+v, %v; want member 2 found", found, err)
	}
}

// earlierRoles are the roles found shadows held before, by member: "none"
// for one who was not staff then.
func earlierRoles(found []access.Shadow) map[int64]string {
	out := map[int64]string{}
	for _, sh := range found {
		out[sh.UserID] = "none"
		if sh.Earlier != nil {
			out[sh.UserID] = sh.Earlier.String()
		}
	}
	return out
}
