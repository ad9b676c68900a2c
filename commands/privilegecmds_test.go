package commands

import (
	"strings"
	"testing"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
)

// privilegeFixture is the review fixture with this quarter's privilege
// review open beside the week's seat review: Omar's admin rights asked of
// Dana, Lucas's Team Lead role asked of Omar.
type privilegeFixture struct {
	*reviewFixture
	priv    *reviews.Service
	quarter string
}

func newPrivilegeFixture(t *testing.T) *privilegeFixture {
	t.Helper()
	f := &privilegeFixture{reviewFixture: newReviewFixture(t)}
	svc := *f.svc
	svc.Privilege, svc.Policy.KeepMaxDays = true, 90
	f.priv = &svc
	f.deps.PrivilegeReviews = f.priv
	f.quarter = reviews.Quarterly.PeriodOf(now, f.deps.Policy.Location)
	snap, err := f.store.LoadSnapshot(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	standing := map[int64]bool{}
	for _, e := range []string{acmeOmar, "lucas@acme.example"} {
		u, _ := f.emu.UserByEmail(e)
		standing[u.ID] = true
	}
	report := seats.Evaluate(snap, f.deps.Policy, now)
	if _, err := f.priv.OpenStanding(t.Context(), f.quarter, report, standing, func(s seats.Seat) string {
		if s.User.Email == acmeOmar {
			return acmeAdmin
		}
		return acmeOmar
	}); err != nil {
		t.Fatal(err)
	}
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *privilegeFixture) person(t *testing.T, email string) string {
	t.Helper()
	u, ok := f.emu.UserByEmail(email)
	if !ok {
		t.Fatalf("no user %s", email)
	}
	return prompts.SeatValue("", f.quarter, u.ID)
}

// TestMakeJustInTimeFromTheDigest: the owner's click puts the base role
// back in Zendesk and redraws the privilege digest, once.
func TestMakeJustInTimeFromTheDigest(t *testing.T) {
	f := newPrivilegeFixture(t)
	lucas := f.person(t, "lucas@acme.example")
	got := click(f.router, acmeOmar, prompts.ActionJustInTime, lucas)
	if !strings.HasPrefix(got.Headline, "Privilege review: ") || !strings.Contains(text(got), "Made just-in-time by omar@acme.example at 11:00 — a plain agent in Zendesk now") {
		t.Fatalf("after Make just-in-time:\n%s\n%s", got.Headline, text(got))
	}
	goldenJSON(t, got)
	u, _ := f.emu.UserByEmail("lucas@acme.example")
	if u.Role != zendesk.RoleAgent || u.CustomRoleID == nil || *u.CustomRoleID == zendesktest.TeamLeadRoleID {
		t.Errorf("Lucas is %s with custom role %v, want the default agent role", u.Role, u.CustomRoleID)
	}
	if line := errorLine(t, click(f.router, acmeAdmin, prompts.ActionJustInTime, lucas)); !strings.HasPrefix(line, "Already decided: Made just-in-time by omar@acme.example") {
		t.Errorf("a second click: %q", line)
	}
	if n := f.emu.Requests(zendesktest.EndpointUsersUpdate); n != 1 {
		t.Errorf("%d role changes, want 1", n)
	}
}

// TestKeepStandingPrivilege: Keep opens the privilege's form; the answer is
// held to access.keep_max_days.
func TestKeepStandingPrivilege(t *testing.T) {
	f := newPrivilegeFixture(t)
	lucas := f.person(t, "lucas@acme.example")
	form := click(f.router, acmeOmar, prompts.ActionKeep, lucas)
	if form.Form == nil || form.Form.Title != "Keep this privilege" || form.Form.RecordID != lucas {
		t.Fatalf("Keep did not open the privilege form: %+v", form)
	}
	far := f.submit(acmeOmar, prompts.FormKeep, lucas, map[string]string{prompts.InputReason: "runs nights", prompts.InputKeepUntil: "2027-06-01"})
	if far.Form == nil || !strings.Contains(far.Form.Inputs[1].Error, "within 90 days") {
		t.Errorf("a keep past 90 days: %+v", far.Form)
	}
	done := f.submit(acmeOmar, prompts.FormKeep, lucas, map[string]string{prompts.InputReason: "runs nights", prompts.InputKeepUntil: "2027-01-15"})
	if !strings.Contains(text(done), "Kept by omar@acme.example at 11:00 until 15 Jan 2027: runs nights") {
		t.Errorf("after Keep:\n%s", text(done))
	}
	keeps, _ := f.priv.Keeps(t.Context())
	if len(keeps) != 1 {
		t.Errorf("keeps = %v", keeps)
	}
}

// TestPrivilegeClicksThatChangeNothing: a seat review's choices on a
// privilege button, the privilege's on a seat button, one's own
// privilege, and the review command.
func TestPrivilegeClicksThatChangeNothing(t *testing.T) {
	f := newPrivilegeFixture(t)
	omar, lucas := f.person(t, acmeOmar), f.person(t, "lucas@acme.example")
	tests := []struct {
		name, who, action, value, want string
	}{
		{"snooze on a privilege", acmeOmar, prompts.ActionSnooze, lucas, "button does not name a seat"},
		{"downgrade on a privilege", acmeOmar, prompts.ActionDowngrade, lucas, "button does not name a seat"},
		{"just-in-time on a seat", acmeOmar, prompts.ActionJustInTime, f.seat(t, "tom@acme.example"), "button does not name a seat"},
		{"one's own privilege", acmeOmar, prompts.ActionJustInTime, omar, "Nobody decides their own privilege"},
		{"someone else's", "priya@acme.example", prompts.ActionJustInTime, lucas, "Only the seat's owner (omar@acme.example) or an admin"},
		{"an ended quarter", acmeOmar, prompts.ActionJustInTime, strings.Replace(lucas, f.quarter, "2025-Q1", 1), "Review 2025-Q1 has ended"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if line := errorLine(t, click(f.router, tt.who, tt.action, tt.value)); !strings.Contains(line, tt.want) {
				t.Errorf("reply %q, want it to say %q", line, tt.want)
			}
		})
	}
	if n := f.emu.Requests(zendesktest.EndpointUsersUpdate); n != 0 {
		t.Errorf("refused clicks made %d Zendesk changes", n)
	}
	sum := ask(f.router, acmeAdmin, "review privilege")
	if sum.Headline != "Privilege review "+f.quarter || !strings.Contains(text(sum), "Waiting for") {
		t.Errorf("review privilege:\n%s\n%s", sum.Headline, text(sum))
	}
	goldenJSON(t, sum)
	if line := errorLine(t, ask(f.router, acmeAdmin, "review privilege 2026-W47")); !strings.Contains(line, "PERIOD is a quarter such as "+f.quarter) {
		t.Errorf("a week for the privilege review: %q", line)
	}
}
