package jobs_test

import (
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/verify"
)

const securityChannel = "C0SECURITY"

// verifyJobs is caller verification's messages over the outbox, with
// notes written to the emulated Zendesk.
func (f *reviewFixture) verifyJobs(t *testing.T) *jobs.Verify {
	return &jobs.Verify{
		Service:      &verify.Service{Store: f.store, Audit: f.store, Now: func() time.Time { return f.clock }},
		Notifier:     f.out,
		AlertChannel: securityChannel,
		View:         prompts.Verifications{Location: time.UTC, Command: "/warden"},
		Notes:        zendesk.Connector{Client: f.zendesk(t)},
		NoteFinal:    connector.Final,
		Keys:         f.store,
	}
}

func (f *reviewFixture) startVerify(t *testing.T, j *jobs.Verify, person string, ticket int64) verify.Verification {
	t.Helper()
	x, err := j.Service.Start(t.Context(), verify.Ask{Asker: priya, Person: person, Reason: "MFA reset by phone", Ticket: ticket})
	if err != nil {
		t.Fatal(err)
	}
	if x, err = j.Deliver(t.Context(), x); err != nil {
		t.Fatal(err)
	}
	if x.State == verify.Pending {
		if err := j.ShowAsker(t.Context(), x.ID); err != nil {
			t.Fatal(err)
		}
		if x, err = j.Service.Get(t.Context(), x.ID); err != nil {
			t.Fatal(err)
		}
	}
	return x
}

// A denied verification: both messages redrawn, security told once, the
// outcome written to the ticket once, however often the follow-up runs.
func TestVerifyFollowUpOnce(t *testing.T) {
	f := newReviewFixture(t)
	j := f.verifyJobs(t)
	ctx := t.Context()
	x := f.startVerify(t, j, "mei@acme.example", zendesktest.SampleTicketSSO)
	if got := f.out.headlines("mei@acme.example"); len(got) != 1 || got[0] != "Is this you talking to the help desk?" {
		t.Fatalf("the person got %q", got)
	}
	if got := f.out.headlines(priya); len(got) != 1 || got[0] != "Verifying mei@acme.example: read them "+x.Code {
		t.Fatalf("the asker got %q", got)
	}
	if x.PersonRef == nil || x.AskerRef == nil {
		t.Fatalf("refs not recorded: %+v", x)
	}
	x, err := j.Service.Answer(ctx, x.ID, "mei@acme.example", verify.NotMe)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := j.FollowUp(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.out.headlines(securityChannel); len(got) != 1 || got[0] != "⚠ Caller verification failed: mei@acme.example" {
		t.Errorf("security got %q, want one alert", got)
	}
	if n := f.out.updates[bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: x.PersonRef.Conversation, MessageID: x.PersonRef.Message}]; n < 1 {
		t.Errorf("the person's prompt was not redrawn")
	}
	notes := f.emu.TicketComments(zendesktest.SampleTicketSSO)
	if len(notes) != 1 || notes[0].Public || !strings.Contains(notes[0].Body, "NOT verified: they said they were not talking to the help desk") {
		t.Errorf("ticket notes = %+v, want one private note of the outcome", notes)
	}
	if got, _ := j.Service.Get(ctx, x.ID); !got.Told || !got.NoteWritten() {
		t.Errorf("after the follow-up: told %v, note %q", got.Told, got.Note)
	}
}

// A person with no chat account: nothing sent, the verification says so.
func TestVerifyUnreachable(t *testing.T) {
	f := newReviewFixture(t)
	j := f.verifyJobs(t)
	f.out.fail["nobody@acme.example"] = bot.ErrUnreachable
	x := f.startVerify(t, j, "nobody@acme.example", 0)
	if x.State != verify.Unreachable || len(f.out.headlines(priya)) != 0 {
		t.Errorf("unreachable: state %s, asker got %q", x.State, f.out.headlines(priya))
	}
}

// Unanswered prompts expire at the TTL in the job's run; the third
// failure in an hour locks the person out, and security hears of both.
func TestVerifyExpiryAndLockout(t *testing.T) {
	f := newReviewFixture(t)
	j := f.verifyJobs(t)
	ctx := t.Context()
	for range 3 {
		f.startVerify(t, j, "jonas@acme.example", 0)
	}
	f.clock = f.clock.Add(4 * time.Minute)
	if err := j.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.out.headlines(securityChannel); len(got) != 0 {
		t.Fatalf("security told before the TTL: %q", got)
	}
	f.clock = f.clock.Add(time.Minute)
	if err := j.Run(ctx); err != nil {
		t.Fatal(err)
	}
	got := f.out.headlines(securityChannel)
	if len(got) != 1 || got[0] != "⚠ Verification prompts paused for jonas@acme.example" {
		t.Errorf("security got %q, want the lockout once", got)
	}
	all, _ := j.Service.List(ctx, "", 10)
	for _, x := range all {
		if x.State != verify.Expired || !x.Told {
			t.Errorf("%s is %s (told %v) after the TTL", x.ID, x.State, x.Told)
		}
	}
	if _, err := j.Service.Start(ctx, verify.Ask{Asker: priya, Person: "jonas@acme.example"}); err == nil {
		t.Error("a locked-out person was asked again")
	}
}

// The asker's status message posted after the person already answered
// shows the outcome, not the code.
func TestVerifyShowAskerAfterTheAnswer(t *testing.T) {
	f := newReviewFixture(t)
	j := f.verifyJobs(t)
	ctx := t.Context()
	x, err := j.Service.Start(ctx, verify.Ask{Asker: priya, Person: "mei@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	if x, err = j.Deliver(ctx, x); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Service.Answer(ctx, x.ID, "mei@acme.example", x.Code); err != nil {
		t.Fatal(err)
	}
	if err := j.ShowAsker(ctx, x.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.out.headlines(priya); len(got) != 1 || got[0] != "✅ Verified: mei@acme.example" {
		t.Errorf("the asker got %q", got)
	}
}
