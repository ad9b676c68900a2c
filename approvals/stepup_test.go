package approvals_test

import (
	"errors"
	"testing"

	"github.com/seatwarden/seatwarden/approvals"
)

// With step-up for access grants and high-risk requests, an approver's
// click counts only once they have signed in again; the mark says so. A
// low-risk request is approved as before.
func TestStepUpApprovals(t *testing.T) {
	f := newFixture(t, withTeamLead, func(p *approvals.Policy) { p.StepUp = approvals.StepUp{Access: true, HighRisk: true} })
	ctx := t.Context()
	tests := []struct {
		name    string
		r       approvals.Request
		stepped bool
	}{
		{"an access grant", f.submit(t, "access", agent(riley), accessForm(set(approvals.FieldRole, "team lead"))), true},
		{"a high-risk app", f.highApp(t), true},
		{"a low-risk app", f.lowApp(t), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.svc.NeedsStepUp(tt.r); got != tt.stepped {
				t.Fatalf("NeedsStepUp = %v, want %v", got, tt.stepped)
			}
			r, err := f.svc.Approve(ctx, tt.r.ID, agent(omar))
			if !tt.stepped {
				if err != nil || len(r.Approvals) != 1 || r.Approvals[0].StepUp {
					t.Errorf("a low-risk approval: %+v, %v", r.Approvals, err)
				}
				return
			}
			if !errors.Is(err, approvals.ErrStepUpRequired) || len(f.get(t, tt.r.ID).Approvals) != 0 {
				t.Fatalf("an approval without step-up: %v; approvals %v", err, f.get(t, tt.r.ID).Approvals)
			}
			r, err = f.svc.ApproveReauthenticated(ctx, tt.r.ID, agent(omar))
			if err != nil || len(r.Approvals) != 1 || !r.Approvals[0].StepUp {
				t.Errorf("after step-up: %+v, %v", r.Approvals, err)
			}
			// Separation of duties holds after step-up too.
			if _, err := f.svc.ApproveReauthenticated(ctx, tt.r.ID, agent(tt.r.Requester)); err == nil {
				t.Error("the requester approved after signing in again")
			}
		})
	}
}
