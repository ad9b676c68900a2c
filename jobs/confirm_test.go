package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/verify"
)

// confirmingRequest is mei's admin request that her manager lee
// confirms, with the verification that asks lee, delivered.
func (f *reviewFixture) confirmingRequest(t *testing.T, j *jobs.Verify) (approvals.Request, verify.Verification) {
	t.Helper()
	ctx := t.Context()
	j.Requests = &approvals.Service{Records: f.store, Audit: f.store, Now: func() time.Time { return f.clock },
		Managers: approvals.ManagerMap{"mei@acme.example": "lee@acme.example"},
		Policy:   approvals.Policy{Channel: "C0APPROVALS", Admins: []string{"dana@acme.example"}, Access: access.Policy{VerifyBy: access.ConfirmByManager}}}
	r, err := j.Requests.Submit(ctx, approvals.Access.Name, approvals.Actor{Email: "mei@acme.example"},
		approvals.Answers{approvals.FieldRole: "admin", approvals.FieldDuration: "1h", approvals.FieldWhy: "Fix SSO"}, 0)
	if err != nil || r.State != approvals.Confirming {
		t.Fatalf("Submit: %s, %v", r.State, err)
	}
	x, err := j.Service.Start(ctx, verify.Ask{Asker: r.Requester, Person: r.Confirmation.By, Reason: "Fix SSO",
		Request: &verify.Request{ID: r.ID, What: r.Title, As: "manager"}})
	if err != nil {
		t.Fatal(err)
	}
	if x, err = j.Deliver(ctx, x); err != nil {
		t.Fatal(err)
	}
	return r, x
}

// TestConfirmationEndsTheRequest: the follow-up of a confirmation moves
// its request on once, however often it runs: confirmed → posted to its
// approvers; refused → denied, security told; unanswered → expired.
func TestConfirmationEndsTheRequest(t *testing.T) {
	tests := []struct {
		name      string
		end       func(t *testing.T, j *jobs.Verify, f *reviewFixture, x verify.Verification) verify.Verification
		wantState approvals.State
		wantPost  bool
		alerts    []string
	}{
		{"confirmed", func(t *testing.T, j *jobs.Verify, _ *reviewFixture, x verify.Verification) verify.Verification {
			x, err := j.Service.Answer(t.Context(), x.ID, "lee@acme.example", x.Code)
			if err != nil {
				t.Fatal(err)
			}
			return x
		}, approvals.Pending, true, nil},
		{"refused", func(t *testing.T, j *jobs.Verify, _ *reviewFixture, x verify.Verification) verify.Verification {
			x, err := j.Service.Answer(t.Context(), x.ID, "lee@acme.example", verify.NotMe)
			if err != nil {
				t.Fatal(err)
			}
			return x
		}, approvals.Denied, false, []string{"⚠ Access request not confirmed: mei@acme.example"}},
		{"unanswered", func(t *testing.T, j *jobs.Verify, f *reviewFixture, x verify.Verification) verify.Verification {
			f.clock = f.clock.Add(6 * time.Minute)
			expired, err := j.Service.Sweep(t.Context())
			if err != nil || len(expired) != 1 {
				t.Fatalf("sweep: %d, %v", len(expired), err)
			}
			return expired[0]
		}, approvals.Expired, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newReviewFixture(t)
			j := f.verifyJobs(t)
			var mu sync.Mutex
			var changed []string
			j.RequestChanged = func(_ context.Context, id string) {
				mu.Lock()
				defer mu.Unlock()
				changed = append(changed, id)
			}
			r, x := f.confirmingRequest(t, j)
			x = tt.end(t, j, f, x)
			for range 2 {
				if err := j.FollowUp(t.Context(), x); err != nil {
					t.Fatal(err)
				}
			}
			got, err := j.Requests.Get(t.Context(), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != tt.wantState || got.Confirmation.Verification != x.ID {
				t.Errorf("request %s, confirmation %+v; want %s by %s", got.State, got.Confirmation, tt.wantState, x.ID)
			}
			if posted := len(changed) == 1 && changed[0] == r.ID; posted != tt.wantPost {
				t.Errorf("told to post %v, want a post: %v", changed, tt.wantPost)
			}
			if alerts := f.out.headlines(securityChannel); len(alerts) != len(tt.alerts) || (len(alerts) > 0 && alerts[0] != tt.alerts[0]) {
				t.Errorf("security got %q, want %q", alerts, tt.alerts)
			}
		})
	}
}
