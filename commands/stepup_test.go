package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/stepup"
)

// With step-up on high-risk approvals, Approve answers with a one-time
// sign-in link and counts nothing; without a provider it says so.
func TestApproveNeedsStepUp(t *testing.T) {
	f := newRequestFixture(t, func(p *approvals.Policy) { p.StepUp = approvals.StepUp{HighRisk: true} })
	high := f.open(t, acmeRiley, "app", appValues(highApp))
	line := errorLine(t, click(f.router, acmePriya, prompts.ActionRequestApprove, high.ID))
	if !strings.Contains(line, "needs you to sign in again, and no sign-in provider is set up here") {
		t.Errorf("without a provider: %q", line)
	}
	var started []stepup.Action
	f.deps.StepUp = func(_ context.Context, who string, a stepup.Action) (string, time.Time, error) {
		if who != acmePriya {
			t.Errorf("step-up for %s", who)
		}
		started = append(started, a)
		return "https://bot.example.com/stepup/abc", now.Add(5 * time.Minute), nil
	}
	var err error
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	m := click(f.router, acmePriya, prompts.ActionRequestApprove, high.ID)
	if len(m.Buttons) != 1 || m.Buttons[0].URL != "https://bot.example.com/stepup/abc" || !strings.Contains(text(m), "needs you to sign in again") {
		t.Fatalf("the step-up answer: %+v", m)
	}
	if len(started) != 1 || started[0] != (stepup.Action{Kind: StepUpApprove, Target: high.ID, Title: "Approving " + high.ID + " (" + high.Title + ")"}) {
		t.Errorf("step-ups started: %+v", started)
	}
	if got := f.get(t, high.ID); len(got.Approvals) != 0 {
		t.Errorf("the click counted before the sign-in: %+v", got.Approvals)
	}
	// Slack reports a click on the link button too; it needs no answer.
	if got := click(f.router, acmePriya, prompts.ActionStepUpLink, high.ID); len(got.Sections) != 0 || got.Headline != "" {
		t.Errorf("the link click answered %+v", got)
	}
}

// fakeStepUp records the step-ups started and answers with a link.
func fakeStepUp(started *[]stepup.Action) func(context.Context, string, stepup.Action) (string, time.Time, error) {
	return func(_ context.Context, _ string, a stepup.Action) (string, time.Time, error) {
		*started = append(*started, a)
		return "https://bot.example.com/stepup/xyz", now.Add(5 * time.Minute), nil
	}
}

// A seat's Remove, with step-up on seat removal, answers with the link and
// removes nothing yet.
func TestRemoveNeedsStepUp(t *testing.T) {
	f := newReviewFixture(t)
	f.svc.Policy.StepUpRemove = true
	var started []stepup.Action
	f.deps.StepUp = fakeStepUp(&started)
	var err error
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	tom := f.seat(t, "tom@acme.example")
	m := click(f.router, acmeOmar, prompts.ActionRemove, tom)
	if len(m.Buttons) != 1 || !strings.Contains(text(m), "Removing Tom Reilly's seat needs you to sign in again") {
		t.Fatalf("the answer: %+v", m)
	}
	if len(started) != 1 || started[0].Kind != StepUpSeatRemove || started[0].Target != tom {
		t.Errorf("step-ups: %+v", started)
	}
	if n := f.emu.Requests("users_update"); n != 0 {
		t.Errorf("%d Zendesk changes before the sign-in", n)
	}
}

// An admin's revoke, with step-up on revokes, answers with the link and
// revokes nothing yet.
func TestRevokeNeedsStepUp(t *testing.T) {
	f := newTokenFixture(t)
	f.svc.Policy.StepUpRevoke = true
	var started []stepup.Action
	f.deps.StepUp = fakeStepUp(&started)
	var err error
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	value := prompts.TokenValue("", mobileTom)
	m := click(f.router, acmeAdmin, prompts.ActionTokenRevoke, value)
	if len(m.Buttons) != 1 || !strings.Contains(text(m), "needs you to sign in again") {
		t.Fatalf("the answer: %+v", m)
	}
	if len(started) != 1 || started[0].Kind != StepUpCredentialRevoke || started[0].Target != value {
		t.Errorf("step-ups: %+v", started)
	}
	if n := len(f.emu.RevokedOAuthTokens()); n != 0 {
		t.Errorf("%d tokens revoked before the sign-in", n)
	}
}
