package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/watch"
)

// oneEvent is an audit log holding one event.
type oneEvent connector.Event

func (e oneEvent) Events(_ context.Context, from, to time.Time, page func([]connector.Event) error) (int, error) {
	if ev := connector.Event(e); !ev.At.Before(from) && ev.At.Before(to) {
		return 1, page([]connector.Event{ev})
	}
	return 1, nil
}

// An admin acknowledges an alert with what they found; the alert shows it
// for everyone, once; others may not.
func TestAcknowledgeAnAlert(t *testing.T) {
	f := newAccessFixture(t)
	svc := &watch.Service{SaaS: "zendesk", Store: f.store, Audit: f.store, Now: f.now,
		Log: oneEvent{ID: "70000123", At: f.now().Add(-time.Hour), ActorID: 7, ActorName: "Lee Park", Action: "create", SourceType: "apitoken", SourceLabel: "Reporting"}}
	res, err := svc.Run(t.Context())
	if err != nil || len(res.Raised) != 1 {
		t.Fatalf("raised %+v, %v", res.Raised, err)
	}
	id := res.Raised[0].ID
	f.deps.Watch = svc
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	if got := errorLine(t, click(f.router, acmeMei, prompts.ActionWatchAck, id)); !strings.Contains(got, "admins") {
		t.Errorf("an agent's click: %q", got)
	}
	form := click(f.router, acmeAdmin, prompts.ActionWatchAck, id)
	if form.Form == nil || form.Form.ID != prompts.FormWatchAck || form.Form.RecordID != id {
		t.Fatalf("no form: %+v", form)
	}
	submit := func(note string) bot.Message {
		return f.router.Handle(context.Background(), bot.Request{Platform: bot.PlatformSlack, User: user(acmeAdmin),
			Form: &bot.FormSubmission{FormID: prompts.FormWatchAck, RecordID: id, Values: map[string]string{prompts.InputAckNote: note}}})
	}
	if again := submit("  "); again.Form == nil || !strings.Contains(again.Form.Inputs[0].Error, "what you found") {
		t.Errorf("an empty note: %+v", again)
	}
	done := submit("expected: the reporting job's new token, Lee told us")
	if done.Delivery != bot.ReplaceOriginal || !strings.Contains(text(done), "Acknowledged by "+acmeAdmin) || len(done.Sections[2].Actions) != 0 {
		t.Errorf("after acknowledging:\n%s", text(done))
	}
	second := submit("something else")
	if !strings.Contains(text(second), "Lee told us") || strings.Contains(text(second), "something else") {
		t.Errorf("a second acknowledgement changed the first:\n%s", text(second))
	}
	trail, _ := f.store.ListAudit(t.Context(), 0, 1000)
	if last := trail[len(trail)-1]; last.Action != "watch.acknowledged" || last.Actor != acmeAdmin || last.Subject != "watch-alert:"+id {
		t.Errorf("audited as %+v", last)
	}
}

// alertOn raises one audit-watch alert for event and routes its buttons.
func (f *accessFixture) alertOn(t *testing.T, e connector.Event) watch.Alert {
	t.Helper()
	svc := &watch.Service{SaaS: "zendesk", Store: f.store, Audit: f.store, Now: f.now, Log: oneEvent(e)}
	res, err := svc.Run(t.Context())
	if err != nil || len(res.Raised) != 1 {
		t.Fatalf("raised %+v, %v", res.Raised, err)
	}
	f.deps.Watch = svc
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	return res.Raised[0]
}

// buttonsOf are the action ids of a message's buttons.
func buttonsOf(m bot.Message) []string {
	var ids []string
	for _, s := range m.Sections {
		for _, b := range s.Actions {
			ids = append(ids, b.ActionID)
		}
	}
	return ids
}

// An alert that someone was made admin offers Revert and Open a
// retroactive request, acting on the report the sync raised for the same
// change; what was done shows on the alert, once.
func TestAlertRemedies(t *testing.T) {
	granted := func(f *accessFixture, userID int64) connector.Event {
		return connector.Event{ID: "70000200", At: f.now().Add(-time.Minute), ActorID: 7, ActorName: "Omar Haddad", Action: "update",
			SourceType: "user", SourceID: userID, SourceLabel: "Mei Tanaka", Change: "Role changed from Agent to Administrator"}
	}
	t.Run("retroactive request", func(t *testing.T) {
		f := newAccessFixture(t)
		f.shadowMei(t)
		a := f.alertOn(t, granted(f, f.member(t, acmeMei).ID))
		if got := buttonsOf(prompts.TrustAlert(a, time.UTC)); strings.Join(got, " ") != "watch.ack watch.retro watch.revert" {
			t.Fatalf("buttons %v", got)
		}
		form := click(f.router, acmeAdmin, prompts.ActionWatchRetro, a.ID)
		if form.Form == nil || form.Form.ID != prompts.FormWatchRetro || form.Form.RecordID != a.ID {
			t.Fatalf("no form: %+v", form)
		}
		submit := func(values map[string]string) bot.Message {
			return f.router.Handle(context.Background(), bot.Request{Platform: bot.PlatformSlack, User: user(acmeAdmin),
				Form: &bot.FormSubmission{FormID: prompts.FormWatchRetro, RecordID: a.ID, Values: values}})
		}
		if bad := submit(map[string]string{approvals.FieldDuration: "2 weeks", approvals.FieldWhy: "billing migration"}); bad.Form == nil || bad.Form.ID != prompts.FormWatchRetro {
			t.Errorf("a bad duration: %+v", bad)
		}
		m := submit(map[string]string{approvals.FieldDuration: "2h", approvals.FieldWhy: "covering the billing migration"})
		if m.Delivery != bot.ReplaceOriginal || !strings.Contains(text(m), acmeAdmin+" opened retroactive request REQ-") {
			t.Fatalf("after the form:\n%s", text(m))
		}
		if got := buttonsOf(m); strings.Join(got, " ") != "watch.ack" {
			t.Errorf("buttons after the request: %v", got)
		}
		if again := click(f.router, acmeAdmin, prompts.ActionWatchRetro, a.ID); !strings.Contains(text(again), "opened retroactive request") || again.Form != nil {
			t.Errorf("a second click: %+v", again)
		}
	})
	t.Run("revert", func(t *testing.T) {
		f := newAccessFixture(t)
		f.shadowMei(t)
		a := f.alertOn(t, granted(f, f.member(t, acmeMei).ID))
		if got := errorLine(t, click(f.router, acmeMei, prompts.ActionWatchRevert, a.ID)); !strings.Contains(got, "admins") {
			t.Errorf("an agent's click: %q", got)
		}
		m := click(f.router, acmeAdmin, prompts.ActionWatchRevert, a.ID)
		if m.Delivery != bot.ReplaceOriginal || !strings.Contains(text(m), acmeAdmin+" put mei@acme.example's earlier role back") {
			t.Fatalf("after the revert:\n%s", text(m))
		}
		if u := f.member(t, acmeMei); u.Role != zendesk.RoleAgent {
			t.Errorf("after the revert Mei is %s", u.Role)
		}
		trail, _ := f.store.ListAudit(t.Context(), 0, 1000)
		if last := trail[len(trail)-1]; last.Action != "watch.settled" || last.Actor != acmeAdmin {
			t.Errorf("audited as %+v", last)
		}
	})
	t.Run("before the sync saw it", func(t *testing.T) {
		f := newAccessFixture(t)
		a := f.alertOn(t, granted(f, f.member(t, acmeMei).ID))
		if got := errorLine(t, click(f.router, acmeAdmin, prompts.ActionWatchRevert, a.ID)); !strings.Contains(got, "The sync has not seen Mei Tanaka's new role yet") {
			t.Errorf("revert too early: %q", got)
		}
	})
	t.Run("an app installed", func(t *testing.T) {
		f := newAccessFixture(t)
		a := f.alertOn(t, connector.Event{ID: "70000300", At: f.now().Add(-time.Minute), ActorName: "Omar Haddad", Action: "create",
			SourceType: "zendesk/app_market/app", SourceID: 424242, SourceLabel: "Salesforce Sync"})
		if got := buttonsOf(prompts.TrustAlert(a, time.UTC)); strings.Join(got, " ") != "watch.ack watch.retro" {
			t.Fatalf("buttons %v", got)
		}
		if got := errorLine(t, click(f.router, acmeAdmin, prompts.ActionWatchRetro, a.ID)); !strings.Contains(got, "has not recorded Salesforce Sync") {
			t.Errorf("before the sync: %q", got)
		}
		// The sync records it under another id than the log's: found by name.
		if _, err := f.svc.Installations(t.Context(), "zendesk", []approvals.Installation{{ID: 77, Name: "Salesforce Sync", Enabled: true}}); err != nil {
			t.Fatal(err)
		}
		form := click(f.router, acmeAdmin, prompts.ActionWatchRetro, a.ID)
		if form.Form == nil || form.Form.RecordID != prompts.ShadowRecord(approvals.ShadowKey{SaaS: "zendesk", ID: 77}) {
			t.Errorf("the app request form: %+v", form)
		}
	})
}
