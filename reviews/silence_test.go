package reviews_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/reviews"
)

// TestSilenceLeavesSeatsOpenUntilTheDeadlineOrWhenThePolicySaysSo: Lapse
// decides nothing before the deadline, nor when the policy leaves
// unanswered seats to the admins.
func TestSilenceLeavesSeatsOpenUntilTheDeadlineOrWhenThePolicySaysSo(t *testing.T) {
	deadline := reviews.Deadline(reviews.PeriodOf(now, time.UTC), time.UTC)
	tests := []struct {
		name      string
		downgrade bool
		at        time.Time
	}{
		{"before the deadline", true, deadline.Add(-time.Second)},
		{"the day the review opened", true, now},
		{"policy leaves them open", false, deadline},
		{"policy leaves them open, weeks later", false, deadline.AddDate(0, 0, 21)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			items := f.open(t)
			f.svc.Policy.DowngradeOnSilence = tt.downgrade
			f.emu.ResetCounters()
			f.clock = tt.at
			got, err := f.svc.Lapse(t.Context(), items[0].Period)
			if err != nil || len(got) != 0 {
				t.Fatalf("Lapse: %d decided, %v; want none", len(got), err)
			}
			sum, _ := f.svc.Progress(t.Context(), items[0].Period)
			if sum.Open != len(items) {
				t.Errorf("%d of %d seats still open", sum.Open, len(items))
			}
			if n := f.emu.Requests(zendesktest.EndpointUsersUpdate); n != 0 {
				t.Errorf("%d Zendesk updates", n)
			}
		})
	}
}

// TestSilenceDowngradesUnansweredSeatsAtTheDeadline: with the policy's
// on_silence downgrade, every seat still open at the deadline is
// downgraded as the bot's decision and carried out in Zendesk; answered
// seats are left alone, and a second run decides nothing more.
func TestSilenceDowngradesUnansweredSeatsAtTheDeadline(t *testing.T) {
	f := newFixture(t)
	f.svc.Policy.DowngradeOnSilence = true
	items := f.open(t)
	period := items[0].Period
	ken := f.seat(t, items, "ken@acme.example")
	kept, err := f.svc.Decide(t.Context(), reviews.Input{Period: period, UserID: ken.Seat.UserID, Decision: reviews.Keep,
		Actor: reviews.Actor{Email: dana}, Reason: "starts Monday", KeepUntil: now.AddDate(0, 0, 30)})
	if err != nil {
		t.Fatal(err)
	}

	f.clock = reviews.Deadline(period, time.UTC)
	f.emu.ResetCounters()
	lapsed, err := f.svc.Lapse(t.Context(), period)
	if err != nil {
		t.Fatal(err)
	}
	if len(lapsed) != len(items)-1 {
		t.Errorf("Lapse decided %v, want every seat but Ken", emails(lapsed))
	}
	for _, it := range lapsed {
		if it.State != reviews.Downgraded || it.DecidedBy != reviews.System.Email || it.DecidedBy != "seatwarden" ||
			!it.DecidedAt.Equal(f.clock) || it.Change == nil || it.Change.Status != reviews.ChangeDone {
			t.Errorf("%s: %+v change %+v; want downgraded by seatwarden and done", it.Seat.Email, it, it.Change)
		}
		if u, _ := f.emu.User(it.Seat.UserID); u.Role != zendesk.RoleEndUser {
			t.Errorf("%s is %s in Zendesk, want end-user", it.Seat.Email, u.Role)
		}
	}
	if n := f.emu.Requests(zendesktest.EndpointUsersUpdate); n != len(lapsed) {
		t.Errorf("%d Zendesk updates for %d seats", n, len(lapsed))
	}
	if got, _ := f.svc.Item(t.Context(), period, ken.Seat.UserID); got.State != reviews.Kept || got.Version != kept.Version {
		t.Errorf("Ken, answered before the deadline: %+v", got)
	}
	if u, _ := f.emu.User(ken.Seat.UserID); u.Role != zendesk.RoleAgent {
		t.Errorf("Ken is %s in Zendesk, want agent still", u.Role)
	}
	trail := auditActions(t, f, "seat.downgrade")
	if len(trail) != len(lapsed) {
		t.Errorf("%d seat.downgrade audit entries, want %d", len(trail), len(lapsed))
	}
	for _, e := range trail {
		if e.Actor != "seatwarden" {
			t.Errorf("audit %s by %q, want seatwarden", e.Action, e.Actor)
		}
	}

	sum, _ := f.svc.Progress(t.Context(), period)
	if sum.Open != 0 || sum.Downgraded != len(lapsed) || sum.Kept != 1 || sum.Pending != 0 {
		t.Errorf("progress after Lapse: %+v", sum)
	}

	f.clock = f.clock.Add(time.Hour)
	f.emu.ResetCounters()
	again, err := f.svc.Lapse(t.Context(), period)
	if err != nil || len(again) != 0 {
		t.Errorf("second Lapse decided %v, %v; want nothing", emails(again), err)
	}
	if n := f.emu.TotalRequests(); n != 0 {
		t.Errorf("second Lapse made %d Zendesk requests", n)
	}
}

// TestAChangeRefusedForGoodIsReportedOnce: a change Zendesk refuses (403
// or 422) fails at once and is listed by Unreported until an admin has
// been told.
func TestAChangeRefusedForGoodIsReportedOnce(t *testing.T) {
	for _, status := range []int{http.StatusForbidden, http.StatusUnprocessableEntity} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			f := newFixture(t)
			f.svc.Policy.DowngradeOnSilence = true
			items := f.open(t)
			period := items[0].Period
			if list, err := f.svc.Unreported(t.Context(), period); err != nil || len(list) != 0 {
				t.Fatalf("before any change: %v, %v", emails(list), err)
			}
			// Only the first update is refused; the rest go through.
			f.emu.InjectFault(zendesktest.EndpointUsersUpdate, zendesktest.Fault{Status: status, Times: 1})
			f.clock = reviews.Deadline(period, time.UTC)
			lapsed, err := f.svc.Lapse(t.Context(), period)
			if err != nil || len(lapsed) != len(items) {
				t.Fatalf("Lapse: %d of %d decided, %v", len(lapsed), len(items), err)
			}

			list, err := f.svc.Unreported(t.Context(), period)
			if err != nil || len(list) != 1 {
				t.Fatalf("Unreported: %v, %v; want the one refused change", emails(list), err)
			}
			refused := list[0]
			if c := refused.Change; c.Status != reviews.ChangeFailed || c.Attempts != 1 || !strings.HasPrefix(refused.Note, "Zendesk refused the change") {
				t.Errorf("refused item %+v change %+v; want failed after one attempt", refused, c)
			}
			if u, _ := f.emu.User(refused.Seat.UserID); u.Role == zendesk.RoleEndUser {
				t.Errorf("%s was demoted although Zendesk refused", refused.Seat.Email)
			}
			if again, _ := f.svc.Unreported(t.Context(), period); len(again) != 1 {
				t.Errorf("listed %d times before MarkReported, want still 1", len(again))
			}
			if sum, _ := f.svc.Progress(t.Context(), period); sum.Failed != 1 || sum.Downgraded != len(items) {
				t.Errorf("progress %+v", sum)
			}

			f.clock = f.clock.Add(time.Minute)
			if err := f.svc.MarkReported(t.Context(), period, refused.Seat.UserID); err != nil {
				t.Fatal(err)
			}
			if after, _ := f.svc.Unreported(t.Context(), period); len(after) != 0 {
				t.Errorf("after MarkReported: %v", emails(after))
			}
			if it, _ := f.svc.Item(t.Context(), period, refused.Seat.UserID); !it.Change.ReportedAt.Equal(f.clock) || it.Change.Status != reviews.ChangeFailed {
				t.Errorf("reported item change %+v", it.Change)
			}
			// Resume does not retry what failed for good.
			if done, failed, err := f.svc.Resume(t.Context(), period); err != nil || done != 0 || len(failed) != 0 {
				t.Errorf("Resume: %d done, %v failed, %v", done, emails(failed), err)
			}
		})
	}
}
