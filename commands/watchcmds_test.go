package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
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
