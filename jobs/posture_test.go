package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
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
	if !strings.Contains(strings.Join(got[0].Context, " "), "The first weekly posture") {
		t.Errorf("the first week: %+v", got[0].Context)
	}
	if line := got[1].Sections[0].Text; line != "*Since last week:* admins without 2FA 1 → 0." {
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
