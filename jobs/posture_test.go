package jobs_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/posture"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// The weekly posture goes to the admin channel once a week, and from the
// second week on says what changed since the last.
func TestPostureDigest(t *testing.T) {
	st := teststores.Bolt(t, nil)
	out := newOutbox()
	admins := []connector.Staff{{ID: 1, Email: "dana@acme.example", Privileged: true, TwoFactor: true}, {ID: 2, Email: "lee@acme.example", Privileged: true}}
	snap := &store.Snapshot{Connector: connector.Zendesk, Roster: connector.Roster{Staff: admins}}
	job := &jobs.PostureDigest{Records: st, Keys: st, Notifier: out, Channel: adminChannel, Command: "/warden", Location: time.UTC,
		Sources: posture.Sources{SaaS: []string{connector.Zendesk},
			Seats: func(context.Context, string) (*store.Snapshot, seats.Tally, string, bool, error) {
				return snap, seats.Tally{Seats: 3, Cost: 345}, "USD", true, nil
			}}}
	monday := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for range 2 { // run-job twice in a week: one digest
		if err := job.Run(t.Context(), monday); err != nil {
			t.Fatal(err)
		}
	}
	snap.Staff[1].TwoFactor = true // Lee turned 2FA on
	if err := job.Run(t.Context(), monday.AddDate(0, 0, 7)); err != nil {
		t.Fatal(err)
	}
	got := out.channel[adminChannel]
	if len(got) != 2 {
		t.Fatalf("%d digests, want one a week", len(got))
	}
	if !strings.Contains(strings.Join(got[0].Context, " "), "The first weekly posture") || got[0].Image != nil {
		t.Errorf("the first week: %+v, picture %v", got[0].Context, got[0].Image != nil)
	}
	if img := got[1].Image; img == nil || !bytes.HasPrefix(img.PNG, []byte("\x89PNG")) ||
		img.Alt != "Security posture, the last 2 weeks: standing admins 2 → 2, privileged without 2FA 1 → 0, inactive paid seats 3 → 3, API tokens 0 → 0" {
		t.Errorf("the second week's picture: %v", img != nil && len(img.PNG) > 0)
		if img != nil {
			t.Logf("alt text: %s", img.Alt)
		}
	}
	if line := got[1].Sections[0].Text; line != "*Since last week:* privileged people without 2FA 1 → 0." {
		t.Errorf("the second week: %q", line)
	}
}

// An admin without 2FA is reminded once a week until the deadline; past
// it the admin channel hears once; once it is on, the reminders stop.
func TestMFAReminders(t *testing.T) {
	st := teststores.Bolt(t, nil)
	out := newOutbox()
	snap := &store.Snapshot{Connector: connector.Zendesk, Roster: connector.Roster{Staff: []connector.Staff{
		{ID: 1, Email: "dana@acme.example", Privileged: true, TwoFactor: true}, {ID: 2, Email: "lee@acme.example", Privileged: true}}}}
	job := &jobs.PostureDigest{Records: st, Keys: st, Notifier: out, Channel: adminChannel, Command: "/warden", Location: time.UTC, GraceDays: 14,
		Sources: posture.Sources{SaaS: []string{connector.Zendesk},
			Seats: func(context.Context, string) (*store.Snapshot, seats.Tally, string, bool, error) {
				return snap, seats.Tally{}, "USD", true, nil
			}}}
	monday := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{monday, monday.Add(time.Hour), monday.AddDate(0, 0, 7), monday.AddDate(0, 0, 14), monday.AddDate(0, 0, 21)} {
		if err := job.Run(t.Context(), at); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(out.direct["lee@acme.example"]); n != 4 {
		t.Errorf("Lee was reminded %d times in four weeks, want 4", n)
	}
	if !strings.Contains(out.direct["lee@acme.example"][0].Headline, "by 21 Dec 2026") {
		t.Errorf("the reminder: %q", out.direct["lee@acme.example"][0].Headline)
	}
	var overdue int
	for _, m := range out.channel[adminChannel] {
		if strings.Contains(m.Headline, "still has no two-factor authentication") {
			overdue++
		}
	}
	if overdue != 1 {
		t.Errorf("the admins heard %d times of the missed deadline, want once", overdue)
	}
	snap.Staff[1].TwoFactor = true
	if err := job.Run(t.Context(), monday.AddDate(0, 0, 28)); err != nil {
		t.Fatal(err)
	}
	if n := len(out.direct["lee@acme.example"]); n != 4 {
		t.Errorf("reminded after turning 2FA on: %d", n)
	}
}

// postureOf is the posture-digest job over the review fixture's account:
// its synced snapshot, Zendesk's custom roles, the seat owners, and the
// privilege review that takes privilege away.
func (f *reviewFixture) postureOf(t *testing.T, holder, onDeadline string) *jobs.PostureDigest {
	seatReview, privilege := f.reviews(t, holder), f.privilege(t, holder)
	return &jobs.PostureDigest{Records: f.store, Keys: f.store, Notifier: f.out, Channel: adminChannel, Command: "/warden", Location: time.UTC,
		GraceDays: 14, OnDeadline: onDeadline, Owner: seatReview.SeatOwner, Demote: privilege.TakePrivilege,
		Sources: posture.Sources{SaaS: []string{connector.Zendesk},
			Roles: map[string]connector.Roles{connector.Zendesk: zendesk.Connector{Client: f.zendesk(t)}},
			Seats: func(ctx context.Context, saas string) (*store.Snapshot, seats.Tally, string, bool, error) {
				snap, err := f.store.LoadSnapshot(ctx, saas)
				return snap, seats.Tally{}, "USD", err == nil, err
			}}}
}

// Past the deadline with posture.mfa.on_deadline: demote, a risky custom
// role's holder without 2FA goes back to a plain agent, once, however many
// replicas run the job; they, their seat's owner and the admin channel
// hear it once each, and the reminders stop.
func TestMFADeadlineDemotes(t *testing.T) {
	f := newReviewFixture(t)
	lucas, _ := f.emu.UserByEmail("lucas@acme.example") // Team Lead, no 2FA; Omar owns Tier 2
	replicas := []*jobs.PostureDigest{f.postureOf(t, "replica-a", jobs.MFADemote), f.postureOf(t, "replica-b", jobs.MFADemote)}
	if err := replicas[0].Run(t.Context(), f.clock); err != nil {
		t.Fatal(err)
	}
	if got := f.out.headlines("lucas@acme.example"); len(got) != 1 || !strings.Contains(strings.Join(f.out.direct["lucas@acme.example"][0].Context, " "), "taken away") {
		t.Fatalf("Lucas got %q; want one reminder saying the deadline takes the role away", got)
	}

	f.clock = f.clock.AddDate(0, 0, 14)
	var wg sync.WaitGroup
	for _, r := range replicas {
		wg.Go(func() {
			if err := r.Run(context.Background(), f.clock); err != nil {
				t.Errorf("posture-digest: %v", err)
			}
		})
	}
	wg.Wait()
	if u, _ := f.emu.User(lucas.ID); u.CustomRoleID != nil && *u.CustomRoleID == zendesktest.TeamLeadRoleID {
		t.Fatalf("Lucas still holds Team Lead: %+v", u)
	}
	var changes int
	for _, m := range f.emu.Mutations() {
		if m.UserID == lucas.ID && m.Field == "custom_role_id" {
			changes++
		}
	}
	if changes != 1 {
		t.Errorf("Lucas's role changed %d times, want once", changes)
	}
	for _, who := range []string{"lucas@acme.example", omar, adminChannel} {
		var demoted int
		for _, h := range f.out.headlines(who) {
			if strings.HasPrefix(h, "🔒 lucas@acme.example lost the Team Lead role in Zendesk") {
				demoted++
			}
		}
		if demoted != 1 {
			t.Errorf("%s heard of the demotion %d times, want once: %q", who, demoted, f.out.headlines(who))
		}
	}

	f.clock = f.clock.AddDate(0, 0, 7)
	before := len(f.out.headlines("lucas@acme.example"))
	if err := replicas[0].Run(t.Context(), f.clock); err != nil {
		t.Fatal(err)
	}
	if got := f.out.headlines("lucas@acme.example"); len(got) != before {
		t.Errorf("Lucas heard more after losing the role: %q", got[before:])
	}
}

// With posture.mfa.on_deadline: escalate, past the deadline the seat's
// owner and the admin channel hear once, and nobody's role changes.
func TestMFADeadlineEscalates(t *testing.T) {
	f := newReviewFixture(t)
	job := f.postureOf(t, "replica-a", jobs.MFAEscalate)
	for _, at := range []time.Time{f.clock, f.clock.AddDate(0, 0, 14), f.clock.AddDate(0, 0, 21)} {
		f.clock = at
		if err := job.Run(t.Context(), at); err != nil {
			t.Fatal(err)
		}
	}
	for _, who := range []string{omar, adminChannel} {
		var overdue int
		for _, h := range f.out.headlines(who) {
			if h == "🔓 lucas@acme.example still has no two-factor authentication in Zendesk" {
				overdue++
			}
		}
		if overdue != 1 {
			t.Errorf("%s heard %d times of the missed deadline, want once", who, overdue)
		}
	}
	for _, m := range f.emu.Mutations() {
		t.Errorf("escalating changed Zendesk: %+v", m)
	}
}

// Retention deletes the weekly posture records past it, and only those.
func TestPurgePostureWeeks(t *testing.T) {
	st := teststores.Bolt(t, nil)
	snap := &store.Snapshot{Connector: connector.Zendesk, Roster: connector.Roster{Staff: []connector.Staff{{ID: 1, Email: "dana@acme.example", Privileged: true, TwoFactor: true}}}}
	job := &jobs.PostureDigest{Records: st, Keys: st, Location: time.UTC,
		Sources: posture.Sources{SaaS: []string{connector.Zendesk},
			Seats: func(context.Context, string) (*store.Snapshot, seats.Tally, string, bool, error) {
				return snap, seats.Tally{}, "USD", true, nil
			}}}
	monday := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for w := range 3 {
		if err := job.Run(t.Context(), monday.AddDate(0, 0, 7*w)); err != nil {
			t.Fatal(err)
		}
	}
	// Every record was written just now by the store's clock: none is past
	// a retention that ends a day ago, all are past one that ends tomorrow.
	if n, err := job.Purge(t.Context(), time.Now().AddDate(0, 0, -1), 100); err != nil || n != 0 {
		t.Errorf("purged %d, %v; want none", n, err)
	}
	if n, err := job.Purge(t.Context(), time.Now().AddDate(0, 0, 1), 100); err != nil || n != 3 {
		t.Errorf("purged %d, %v; want the 3 weeks", n, err)
	}
}
