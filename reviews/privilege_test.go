package reviews_test

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/store"
)

const (
	lucas = "lucas@acme.example" // a Team Lead, a grantable custom role
)

// privilegeFixture is the sample account with a privilege review beside
// the seat review, on the same store.
func privilegeFixture(t *testing.T) (*fixture, *reviews.Service) {
	t.Helper()
	f := newFixture(t)
	svc := *f.svc
	svc.Privilege = true
	return f, &svc
}

// standing names the sample account's people who hold privilege standing:
// Omar (admin) and Lucas (Team Lead).
func (f *fixture) standing(t *testing.T, emails ...string) map[int64]bool {
	t.Helper()
	out := map[int64]bool{}
	for _, e := range emails {
		u, ok := f.emu.UserByEmail(e)
		if !ok {
			t.Fatalf("no user %s", e)
		}
		out[u.ID] = true
	}
	return out
}

func TestQuarterlyPeriods(t *testing.T) {
	tests := []struct {
		at           time.Time
		want         string
		live         []string
		lapsed, prev string
	}{
		{time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC), "2027-Q1", []string{"2027-Q1", "2026-Q4"}, "2026-Q3", "2026-Q4"},
		{time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC), "2026-Q4", []string{"2026-Q4", "2026-Q3"}, "2026-Q2", "2026-Q3"},
		{time.Date(2027, 5, 31, 23, 0, 0, 0, time.UTC), "2027-Q2", []string{"2027-Q2", "2027-Q1"}, "2026-Q4", "2027-Q1"},
	}
	for _, tt := range tests {
		got := reviews.Quarterly.PeriodOf(tt.at, time.UTC)
		if got != tt.want {
			t.Errorf("PeriodOf(%s) = %s, want %s", tt.at, got, tt.want)
		}
		if live := reviews.Quarterly.LivePeriods(tt.at, time.UTC); len(live) != 2 || live[0] != tt.live[0] || live[1] != tt.live[1] {
			t.Errorf("LivePeriods(%s) = %v, want %v", tt.at, live, tt.live)
		}
		if l := reviews.Quarterly.Lapsed(tt.at, time.UTC); l != tt.lapsed {
			t.Errorf("Lapsed(%s) = %s, want %s", tt.at, l, tt.lapsed)
		}
		start, _ := reviews.PeriodStart(got, time.UTC)
		if p := reviews.Quarterly.Previous(start, time.UTC); p != tt.prev {
			t.Errorf("Previous(%s) = %s, want %s", got, p, tt.prev)
		}
	}
	if d := reviews.Deadline("2027-Q1", time.UTC); !d.Equal(time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Deadline(2027-Q1) = %s, want the end of the next quarter", d)
	}
	for _, bad := range []string{"2027-Q0", "2027-Q5", "2027-q1", "1999-Q1", "2027-Q12", "27-Q1"} {
		if reviews.Quarterly.Valid(bad) {
			t.Errorf("Quarterly.Valid(%q) = true", bad)
		}
	}
	if reviews.ValidPeriod("2027-Q1") {
		t.Error("a quarter passes as a seat review's week")
	}
}

// TestPrivilegeReviewAsksAboutStandingPeopleOnly: the privilege review
// holds the people named standing, with their role, under their seat's
// owner; the seat review beside it is untouched.
func TestPrivilegeReviewAsksAboutStandingPeopleOnly(t *testing.T) {
	f, svc := privilegeFixture(t)
	period := reviews.Quarterly.PeriodOf(f.clock, time.UTC)
	items, err := svc.OpenStanding(t.Context(), period, f.report, f.standing(t, omar, lucas), ownerOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 {
		t.Fatalf("asked about %d people, want Omar and Lucas", len(items))
	}
	lead := f.seat(t, items, lucas)
	if lead.Seat.RoleName != "Team Lead" || lead.Seat.RoleID != strconv.FormatInt(zendesktest.TeamLeadRoleID, 10) || lead.Owner != omar {
		t.Errorf("Lucas's item = %+v, want the Team Lead role under Omar (Tier 2's owner)", lead)
	}
	if seatsAsked, _ := f.svc.Items(t.Context(), period); len(seatsAsked) != 0 {
		t.Errorf("the seat review holds %d items of the privilege review", len(seatsAsked))
	}
	if _, err := f.svc.OpenStanding(t.Context(), period, f.report, nil, ownerOf); err == nil {
		t.Error("the seat review opened a privilege review")
	}
}

// TestMakeJustInTimePutsTheBaseRoleBackOnce: 20 owners' clicks at once
// give one decision and one role change in Zendesk; the seat stays, so
// nothing is counted saved.
func TestMakeJustInTimePutsTheBaseRoleBackOnce(t *testing.T) {
	f, svc := privilegeFixture(t)
	period := reviews.Quarterly.PeriodOf(f.clock, time.UTC)
	items, err := svc.OpenStanding(t.Context(), period, f.report, f.standing(t, omar), ownerOf)
	if err != nil {
		t.Fatal(err)
	}
	it := f.seat(t, items, omar)
	if _, err := svc.Decide(t.Context(), reviews.Input{Period: period, UserID: it.Seat.UserID, Decision: reviews.Keep, Actor: reviews.Actor{Email: omar, Admin: true},
		Reason: "I need it", KeepUntil: f.clock.AddDate(0, 0, 30)}); !errors.Is(err, reviews.ErrOwnPrivilege) {
		t.Errorf("Omar keeping his own admin rights: err = %v", err)
	}
	f.emu.ResetCounters()
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 20 {
		wg.Go(func() {
			_, err := svc.Decide(t.Context(), reviews.Input{Period: period, UserID: it.Seat.UserID, Decision: reviews.JustInTime, Actor: reviews.Actor{Email: dana, Admin: true}})
			var decided *reviews.DecidedError
			switch {
			case err == nil:
				mu.Lock()
				won++
				mu.Unlock()
			case !errors.As(err, &decided):
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d decisions won, want 1", won)
	}
	if n := f.emu.Requests(zendesk.EndpointUsersUpdate); n != 1 {
		t.Errorf("%d role changes sent to Zendesk, want 1", n)
	}
	u, _ := f.emu.UserByEmail(omar)
	if u.Role != zendesk.RoleAgent {
		t.Errorf("Omar is %s in Zendesk, want agent", u.Role)
	}
	got, err := svc.Item(t.Context(), period, it.Seat.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != reviews.MadeJustInTime || got.Change.Status != reviews.ChangeDone || got.Saving() != 0 {
		t.Errorf("item = %s, change %+v, saving %v; want just-in-time, done, nothing saved", got.State, got.Change, got.Saving())
	}
	if sum, _ := svc.Progress(t.Context(), period); sum.JustInTime != 1 || sum.Saved != 0 {
		t.Errorf("progress = %+v", sum)
	}
	entries, _ := f.store.ListAudit(t.Context(), 0, 1000)
	if !hasAction(entries, "privilege.just-in-time") || !hasAction(entries, "privilege.made_just_in_time") {
		t.Errorf("audit trail lacks the decision or its change: %v", entries)
	}
}

// TestPrivilegeReviewLeavesARoleChangedByHand: a person whose role changed
// in Zendesk after the review asked is left as they are.
func TestPrivilegeReviewLeavesARoleChangedByHand(t *testing.T) {
	f, svc := privilegeFixture(t)
	period := reviews.Quarterly.PeriodOf(f.clock, time.UTC)
	items, err := svc.OpenStanding(t.Context(), period, f.report, f.standing(t, lucas), ownerOf)
	if err != nil {
		t.Fatal(err)
	}
	it := f.seat(t, items, lucas)
	f.emu.UpdateUser(it.Seat.UserID, func(u *zendesk.User) { u.Role = zendesk.RoleAdmin; u.CustomRoleID = nil })
	got, err := svc.Decide(t.Context(), reviews.Input{Period: period, UserID: it.Seat.UserID, Decision: reviews.JustInTime, Actor: reviews.Actor{Email: omar}})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != reviews.Changed || got.Note == "" {
		t.Errorf("item = %s (%q), want left as changed", got.State, got.Note)
	}
	if u, _ := f.emu.User(it.Seat.UserID); u.Role != zendesk.RoleAdmin {
		t.Errorf("Lucas was changed to %s", u.Role)
	}
}

// TestKeepOfStandingPrivilegeLastsUntilItsDate: a Keep is remembered with
// its reason, leaves the person out of the next review until its date,
// and is refused past keep_max_days; Snooze and Downgrade are not the
// privilege review's.
func TestKeepOfStandingPrivilegeLastsUntilItsDate(t *testing.T) {
	f, svc := privilegeFixture(t)
	svc.Policy.KeepMaxDays = 90
	period := reviews.Quarterly.PeriodOf(f.clock, time.UTC)
	standing := f.standing(t, omar, lucas)
	items, err := svc.OpenStanding(t.Context(), period, f.report, standing, ownerOf)
	if err != nil {
		t.Fatal(err)
	}
	omarItem := f.seat(t, items, omar)
	for _, d := range []reviews.Decision{reviews.Snooze, reviews.Downgrade} {
		if _, err := svc.Decide(t.Context(), reviews.Input{Period: period, UserID: omarItem.Seat.UserID, Decision: d, Actor: reviews.Actor{Email: dana, Admin: true}}); err == nil {
			t.Errorf("%s was taken by the privilege review", d)
		}
	}
	var fe *reviews.FieldError
	_, err = svc.Decide(t.Context(), reviews.Input{Period: period, UserID: omarItem.Seat.UserID, Decision: reviews.Keep, Actor: reviews.Actor{Email: dana, Admin: true},
		Reason: "runs billing", KeepUntil: f.clock.AddDate(0, 0, 120)})
	if !errors.As(err, &fe) || fe.Field != "keep_until" {
		t.Errorf("a Keep past keep_max_days: err = %v, want a keep_until field error", err)
	}
	until := f.clock.AddDate(0, 0, 60)
	if _, err := svc.Decide(t.Context(), reviews.Input{Period: period, UserID: omarItem.Seat.UserID, Decision: reviews.Keep, Actor: reviews.Actor{Email: dana, Admin: true},
		Reason: "runs billing", KeepUntil: until}); err != nil {
		t.Fatal(err)
	}
	keeps, err := svc.Keeps(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if k := keeps[omarItem.Seat.UserID]; k.Reason != "runs billing" || k.By != dana || !k.Until.Equal(until) {
		t.Errorf("keep = %+v", k)
	}
	if seatKeeps, _ := f.svc.Keeps(t.Context()); len(seatKeeps) != 0 {
		t.Errorf("the seat review shares the privilege review's keeps: %v", seatKeeps)
	}
	// Next quarter Omar's keep has ended, so he is asked again; Lucas,
	// unanswered, is still open in this quarter's review, so he is not.
	f.clock = f.clock.AddDate(0, 3, 0)
	next, err := svc.OpenStanding(t.Context(), reviews.Quarterly.PeriodOf(f.clock, time.UTC), f.report, standing, ownerOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(next) != 1 || next[0].Seat.Email != omar {
		t.Errorf("next quarter asked about %v, want Omar alone", next)
	}
}

// TestKeepOutsideAReview: an admin keeps a privilege found by the sync;
// others may not, and the same rules as a review's Keep apply.
func TestKeepOutsideAReview(t *testing.T) {
	f, svc := privilegeFixture(t)
	u, _ := f.emu.UserByEmail(lucas)
	admin := reviews.Actor{Email: dana, Admin: true}
	if err := svc.KeepOutside(t.Context(), u.ID, lucas, reviews.Actor{Email: omar}, "covers nights", f.clock.AddDate(0, 0, 10)); !errors.Is(err, reviews.ErrNotAllowed) {
		t.Errorf("a non-admin's keep: err = %v", err)
	}
	var fe *reviews.FieldError
	if err := svc.KeepOutside(t.Context(), u.ID, lucas, admin, " ", f.clock.AddDate(0, 0, 10)); !errors.As(err, &fe) || fe.Field != "reason" {
		t.Errorf("a keep without a reason: err = %v", err)
	}
	if err := svc.KeepOutside(t.Context(), u.ID, lucas, admin, "covers nights", f.clock.AddDate(0, 0, 10)); err != nil {
		t.Fatal(err)
	}
	keeps, _ := svc.Keeps(t.Context())
	if keeps[u.ID].Reason != "covers nights" {
		t.Errorf("keeps = %v", keeps)
	}
	f.clock = f.clock.AddDate(0, 0, 11)
	if keeps, _ := svc.Keeps(t.Context()); len(keeps) != 0 {
		t.Errorf("a keep outlived its date: %v", keeps)
	}
}

func hasAction(entries []store.AuditEntry, action string) bool {
	for _, e := range entries {
		if e.Action == action {
			return true
		}
	}
	return false
}

// With step-up on seat removal, a Remove counts only once the decider
// has signed in again; what a sign-in would not change is refused first.
func TestRemoveNeedsStepUp(t *testing.T) {
	f := newFixture(t)
	f.svc.Policy.StepUpRemove = true
	items := f.open(t)
	tom := f.seat(t, items, "tom@acme.example")
	in := reviews.Input{Period: tom.Period, UserID: tom.Seat.UserID, Decision: reviews.Remove, Actor: reviews.Actor{Email: priya}}
	if _, err := f.svc.Decide(t.Context(), in); !errors.Is(err, reviews.ErrNotAllowed) {
		t.Errorf("a stranger's Remove: %v, want refused before any sign-in", err)
	}
	in.Actor = reviews.Actor{Email: omar}
	got, err := f.svc.Decide(t.Context(), in)
	if !errors.Is(err, reviews.ErrStepUpRequired) || got.Seat.Email != "tom@acme.example" {
		t.Fatalf("the owner's Remove: %v", err)
	}
	if it, _ := f.svc.Item(t.Context(), tom.Period, tom.Seat.UserID); it.State != reviews.Open {
		t.Fatalf("a Remove counted before the sign-in: %s", it.State)
	}
	in.Reauthenticated = true
	if got, err = f.svc.Decide(t.Context(), in); err != nil || got.State != reviews.Removed {
		t.Errorf("after the sign-in: %s, %v", got.State, err)
	}
	// Keep, Snooze and the rest need no sign-in.
	hannah := f.seat(t, items, "hannah@acme.example")
	if _, err := f.svc.Decide(t.Context(), reviews.Input{Period: hannah.Period, UserID: hannah.Seat.UserID, Decision: reviews.Snooze, Actor: reviews.Actor{Email: omar}}); err != nil {
		t.Errorf("a Snooze: %v", err)
	}
}
