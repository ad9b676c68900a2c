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
	if len(started) != 1 || started[0] != (stepup.Action{Kind: StepUpApprove, Target: high.ID, Title: high.Title}) {
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
