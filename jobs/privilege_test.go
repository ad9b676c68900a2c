package jobs_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/reviews"
)

// quarterStart is when the privilege review runs: 09:00 on 1 January.
var quarterStart = time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)

// privilege is one replica's privilege review, asking about Omar (admin)
// and Lucas (Team Lead) as the people holding privilege standing.
func (f *reviewFixture) privilege(t *testing.T, holder string) *jobs.Reviews {
	r := f.reviews(t, holder)
	r.Service.Privilege = true
	r.Service.Policy.KeepMaxDays = 90
	r.Standing = func(context.Context) (map[int64]bool, error) {
		out := map[int64]bool{}
		for _, e := range []string{omar, "lucas@acme.example"} {
			u, _ := f.emu.UserByEmail(e)
			out[u.ID] = true
		}
		return out, nil
	}
	return r
}

// TestPrivilegeReviewAsksEachOwnerOnceAQuarter: two replicas running the
// job at once send one digest per owner; it names the job it is.
func TestPrivilegeReviewAsksEachOwnerOnceAQuarter(t *testing.T) {
	f := newReviewFixture(t)
	f.clock = quarterStart
	replicas := []*jobs.Reviews{f.privilege(t, "replica-a"), f.privilege(t, "replica-b")}
	if name := replicas[0].DigestJob().Name; name != jobs.NamePrivilegeReview {
		t.Errorf("job name = %s", name)
	}
	var wg sync.WaitGroup
	for _, r := range replicas {
		wg.Go(func() {
			if err := r.DigestJob().Run(context.Background(), f.clock); err != nil {
				t.Errorf("privilege-review: %v", err)
			}
		})
	}
	wg.Wait()
	f.run(t, replicas[0].DigestJob())

	// Omar owns Tier 2, so he answers for Lucas; his own admin rights,
	// in Tier 2 too, go to Dana, the default owner.
	got := f.out.headlines(omar)
	if len(got) != 1 || got[0] != "Privilege review: 1 person holds a privileged role with no grant" {
		t.Fatalf("Omar got %q, want one privilege digest", got)
	}
	if got := f.out.headlines(dana); len(got) != 1 || !strings.Contains(fmt.Sprint(f.out.direct[dana][0].Sections), "Omar Haddad") {
		t.Errorf("Dana got %q, want a digest asking about Omar", got)
	}
	text := fmt.Sprint(f.out.direct[omar][0].Sections)
	for _, want := range []string{"Lucas Moreau", "Team Lead", "Make just-in-time"} {
		if !strings.Contains(text, want) {
			t.Errorf("the digest lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Snooze") || strings.Contains(text, "Downgrade") {
		t.Errorf("the privilege digest offers a seat review's choice:\n%s", text)
	}
	// The seat review of the same days is untouched.
	if items, _ := f.reviews(t, "x").Service.Items(t.Context(), reviews.PeriodOf(f.clock, time.UTC)); len(items) != 0 {
		t.Errorf("the seat review holds %d items", len(items))
	}
}

// TestPrivilegeSilenceIsEscalatedNeverActedOn: an owner's silence is
// reminded after three days and escalated after seven, and nobody's role
// changes without an answer, even past the review's deadline.
func TestPrivilegeSilenceIsEscalatedNeverActedOn(t *testing.T) {
	f := newReviewFixture(t)
	f.clock = quarterStart
	r := f.privilege(t, "a")
	r.Service.Policy.DowngradeOnSilence = false
	f.run(t, r.DigestJob())
	for _, s := range []struct {
		after        time.Duration
		omar, admins int
	}{
		{71 * time.Hour, 1, 0},
		{72 * time.Hour, 2, 0},
		{168 * time.Hour, 2, 2},
		{200 * 24 * time.Hour, 2, 2},
	} {
		f.clock = quarterStart.Add(s.after)
		f.run(t, r.RemindersJob())
		if got := [2]int{len(f.out.headlines(omar)), len(f.out.headlines(adminChannel))}; got != [2]int{s.omar, s.admins} {
			t.Errorf("after %s: omar, admins got %v messages, want %v", s.after, got, [2]int{s.omar, s.admins})
		}
	}
	if got := f.out.headlines(adminChannel); !slices.Contains(got, "No answer from omar@acme.example on standing privilege: 1 person") {
		t.Errorf("escalations = %q", got)
	}
	for _, e := range []string{omar, "lucas@acme.example"} {
		if u, _ := f.emu.UserByEmail(e); u.Role == zendesk.RoleAgent && u.CustomRoleID == nil {
			t.Errorf("%s was demoted without an answer", e)
		}
	}
}
