package commands

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/verify"
)

// confirmFixture is the request fixture whose access requests are
// confirmed first: mei's and tom's manager is lee; Team Lead requests
// are confirmed by a colleague the requester names.
type confirmFixture struct {
	*requestFixture
	verify      *verify.Service
	mu          sync.Mutex
	delivered   []verify.Verification
	started     []verify.Verification
	unreachable map[string]bool
	// sendFails makes every prompt fail to send.
	sendFails bool
}

func newConfirmFixture(t *testing.T, vp verify.Policy) *confirmFixture {
	t.Helper()
	f := &confirmFixture{unreachable: map[string]bool{}}
	f.requestFixture = newRequestFixture(t, func(p *approvals.Policy) {
		p.Access = access.Policy{VerifyBy: access.ConfirmByManager, Roles: map[string]access.RolePolicy{
			"admin":     {MaxDuration: 4 * time.Hour},
			"team lead": {MaxDuration: 8 * time.Hour, VerifyBy: access.ConfirmByPeer},
		}}
	})
	f.svc.Managers = approvals.ManagerMap{acmeMei: acmeLee, acmeTom: acmeLee}
	f.verify = &verify.Service{Store: f.store, Audit: f.store, Policy: vp, Now: f.now}
	f.deps.Verify = f.verify
	f.deps.Access = &access.Service{Store: f.store, Audit: f.store, Policy: f.svc.Policy.Access, Now: f.now}
	f.deps.VerifyDeliver = func(ctx context.Context, x verify.Verification) (verify.Verification, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.unreachable[x.Person] {
			return f.verify.Undeliverable(ctx, x.ID)
		}
		f.delivered = append(f.delivered, x)
		if f.sendFails {
			return x, errors.New("slack: chat.postMessage: ratelimited")
		}
		return x, nil
	}
	f.deps.VerifyStarted = func(_ context.Context, x verify.Verification) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.started = append(f.started, x)
	}
	var err error
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	return f
}

func adminForm() map[string]string {
	return map[string]string{approvals.FieldRole: "admin", approvals.FieldDuration: "2h", approvals.FieldWhy: "Fix the SSO settings after the IdP change"}
}

// only returns the one request stored, failing when there is not one.
func (f *confirmFixture) only(t *testing.T) approvals.Request {
	t.Helper()
	all, err := f.svc.List(t.Context())
	if err != nil || len(all) != 1 {
		t.Fatalf("requests %d, %v; want one", len(all), err)
	}
	return all[0]
}

// TestManagerConfirmsAccessRequest: a request the policy has the manager
// confirm is not posted; the manager gets the prompt, the requester the
// code, and the manager's tap is the usual verification answer.
func TestManagerConfirmsAccessRequest(t *testing.T) {
	f := newConfirmFixture(t, verify.Policy{})
	m := f.submit(acmeMei, prompts.FormRequestPrefix+approvals.Access.Name, "", adminForm())
	r := f.only(t)
	if r.State != approvals.Confirming || len(r.Outbox) != 0 || len(f.told()) != 0 {
		t.Fatalf("request %s with %d notices, told %v; want it waiting, unposted", r.State, len(r.Outbox), f.told())
	}
	if len(f.delivered) != 1 || len(f.started) != 1 {
		t.Fatalf("delivered %d, started %d; want the manager's prompt and the requester's status", len(f.delivered), len(f.started))
	}
	x := f.delivered[0]
	if x.Asker != acmeMei || x.Person != acmeLee || x.Request == nil || x.Request.ID != r.ID || x.Request.As != "manager" || x.Request.What != r.Title {
		t.Errorf("verification = %+v, request %+v", x, x.Request)
	}
	if m.Visibility != bot.Ephemeral || !strings.Contains(text(m), r.ID+" waits for lee@acme.example (your manager) to confirm that you asked. Tell them this code: *"+x.Code+"*") {
		t.Errorf("reply:\n%s", text(m))
	}
	// The requester cannot answer for the manager; the manager can.
	if line := errorLine(t, click(f.router, acmeMei, prompts.ActionVerifyAnswers[0], prompts.VerifyValue(x.ID, x.Code))); !strings.Contains(line, "Only lee@acme.example, who was asked, can answer this") {
		t.Errorf("the requester tapping: %q", line)
	}
	got := click(f.router, acmeLee, prompts.ActionVerifyAnswers[0], prompts.VerifyValue(x.ID, x.Code))
	if !strings.Contains(text(got), "goes to its approvers now") || len(got.Buttons) != 0 {
		t.Errorf("the manager's prompt after the tap:\n%s", text(got))
	}
	// A second request for the role waits for the first.
	again := f.submit(acmeMei, prompts.FormRequestPrefix+approvals.Access.Name, "", adminForm())
	if again.Form == nil || !strings.Contains(again.Form.Inputs[0].Error, "is pending") {
		t.Errorf("a second request: %+v", again)
	}
}

// TestCancelWithdrawsTheConfirmation: a request cancelled before its
// manager answered takes the manager's prompt with it.
func TestCancelWithdrawsTheConfirmation(t *testing.T) {
	f := newConfirmFixture(t, verify.Policy{})
	f.submit(acmeMei, prompts.FormRequestPrefix+approvals.Access.Name, "", adminForm())
	r := f.only(t)
	if r.Confirmation.Verification != f.delivered[0].ID {
		t.Fatalf("the request records verification %q, want %s", r.Confirmation.Verification, f.delivered[0].ID)
	}
	line := errorLine(t, ask(f.router, acmeMei, "request cancel "+r.ID))
	if want := "You cancelled " + r.ID + "; lee@acme.example is no longer asked to confirm it."; line != want {
		t.Errorf("reply %q, want %q", line, want)
	}
	x, err := f.verify.Get(t.Context(), f.delivered[0].ID)
	if err != nil || x.State != verify.Withdrawn {
		t.Errorf("the manager's verification is %s, %v; want withdrawn", x.State, err)
	}
	got := click(f.router, acmeLee, prompts.ActionVerifyAnswers[0], prompts.VerifyValue(x.ID, x.Code))
	if !strings.Contains(text(got), "is withdrawn: there is nothing to confirm") {
		t.Errorf("the manager tapping afterwards:\n%s", text(got))
	}
}

// TestConfirmationCannotStart: when the confirmer cannot be asked, the
// requester hears why in one line and the request ends at once, saying
// so, rather than waiting for a prompt nobody got.
func TestConfirmationCannotStart(t *testing.T) {
	tests := []struct {
		name    string
		policy  verify.Policy
		prepare func(t *testing.T, f *confirmFixture)
		want    string
		why     string
	}{
		{"the manager has no chat account", verify.Policy{}, func(_ *testing.T, f *confirmFixture) { f.unreachable[acmeLee] = true },
			"lee@acme.example has no Slack or Teams account I can message, so they cannot confirm", "lee@acme.example cannot be reached in chat"},
		{"the prompt could not be sent", verify.Policy{}, func(_ *testing.T, f *confirmFixture) { f.sendFails = true },
			"I could not message lee@acme.example just now; ask again in a moment", "the prompt to lee@acme.example could not be sent"},
		{"the manager was asked too often", verify.Policy{PerPerson: 1}, func(t *testing.T, f *confirmFixture) {
			if _, err := f.verify.Start(t.Context(), verify.Ask{Asker: acmePriya, Person: acmeLee}); err != nil {
				t.Fatal(err)
			}
		}, "lee@acme.example has had 1 prompts to confirm or verify in the last hour, the most allowed; ask again after 12:00", "lee@acme.example was asked too often in the last hour"},
		{"the requester started too many", verify.Policy{PerAsker: 1}, func(t *testing.T, f *confirmFixture) {
			if _, err := f.verify.Start(t.Context(), verify.Ask{Asker: acmeMei, Person: acmePriya}); err != nil {
				t.Fatal(err)
			}
		}, "you have started 1 verifications in the last hour, the most allowed", "the requester reached the hourly limit of confirmations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newConfirmFixture(t, tt.policy)
			tt.prepare(t, f)
			line := errorLine(t, f.submit(acmeMei, prompts.FormRequestPrefix+approvals.Access.Name, "", adminForm()))
			if !strings.Contains(line, tt.want) {
				t.Errorf("reply %q, want it to say %q", line, tt.want)
			}
			r := f.only(t)
			if r.State != approvals.Expired || r.Confirmation.Outcome != approvals.Unconfirmed || r.Confirmation.Why != tt.why {
				t.Errorf("request %s, confirmation %+v; want it ended: %s", r.State, r.Confirmation, tt.why)
			}
			// A prompt that went out is withdrawn with it.
			for _, x := range f.delivered {
				if got, _ := f.verify.Get(t.Context(), x.ID); got.State != verify.Withdrawn {
					t.Errorf("the prompt %s is %s, want withdrawn", x.ID, got.State)
				}
			}
			// Ended, it does not stand in the way of asking again.
			if _, err := f.svc.Submit(t.Context(), approvals.Access.Name, approvals.Actor{Email: acmeMei}, adminForm(), 0); err != nil {
				t.Errorf("asking again: %v", err)
			}
		})
	}
}

// TestPeerConfirmation: the form asks who confirms when a role needs a
// peer, and a request for it names one.
func TestPeerConfirmation(t *testing.T) {
	f := newConfirmFixture(t, verify.Policy{})
	form := ask(f.router, acmeMei, "access request")
	if form.Form == nil || !slices.ContainsFunc(form.Form.Inputs, func(in bot.Input) bool { return in.ID == approvals.FieldPeer }) {
		t.Fatalf("the access form has no peer input: %+v", form.Form)
	}
	values := map[string]string{approvals.FieldRole: "team lead", approvals.FieldDuration: "2h", approvals.FieldWhy: "Cover the queue"}
	again := f.submit(acmeMei, prompts.FormRequestPrefix+approvals.Access.Name, "", values)
	if again.Form == nil || !strings.Contains(formErrors(again.Form), "Required: a colleague confirms team lead requests") {
		t.Fatalf("no peer named: %+v", again)
	}
	values[approvals.FieldPeer] = acmePriya
	m := f.submit(acmeMei, prompts.FormRequestPrefix+approvals.Access.Name, "", values)
	if !strings.Contains(text(m), "(the colleague you named)") || len(f.delivered) != 1 || f.delivered[0].Person != acmePriya {
		t.Errorf("reply %s; delivered %+v", text(m), f.delivered)
	}
}

func formErrors(f *bot.Form) string {
	var errs []string
	for _, in := range f.Inputs {
		if in.Error != "" {
			errs = append(errs, in.Error)
		}
	}
	return strings.Join(errs, "; ")
}
