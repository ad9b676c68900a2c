package approvals_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
)

func TestApproveWho(t *testing.T) {
	tests := []struct {
		name string
		kind string
		by   approvals.Actor
		why  string // of the refusal; "" when allowed
	}{
		{"an approver of every kind", "app", agent(priya), ""},
		{"an approver, written as chat has it", "app", agent(" Priya@ACME.example "), ""},
		{"an admin of the policy", "change", agent(dana), ""},
		{"a Zendesk admin the policy does not name", "change", admin(zoe), ""},
		{"the app approver on an app", "app", agent(ines), ""},
		{"the change approver on a change", "change", agent(chen), ""},
		{"the app approver on a change", "change", agent(ines), "only approvers named in the policy and admins can decide change requests"},
		{"the change approver on an app", "app", agent(chen), "only approvers named in the policy and admins can decide app install requests"},
		{"someone the policy does not name", "app", agent(sam), "only approvers named in the policy"},
		{"the requester", "app", agent(riley), "you asked for"},
		{"the requester as an admin", "app", admin(riley), "so you cannot approve or deny it"},
		{"no email", "app", admin(""), "no email address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			form := appForm()
			if tt.kind == "change" {
				form = changeForm()
			}
			r := f.submit(t, tt.kind, agent(riley), form)
			if tt.why == "" {
				got := f.approve(t, r.ID, tt.by)
				if got.State != approvals.Approved || len(got.Approvals) != 1 || got.Approvals[0].By != strings.ToLower(strings.TrimSpace(tt.by.Email)) {
					t.Errorf("state %s, approvals %+v", got.State, got.Approvals)
				}
				if err := f.svc.CheckVoter(r, tt.by); err != nil {
					t.Errorf("CheckVoter on the pending request: %v", err)
				}
				return
			}
			err := f.unchanged(t, r.ID, func() error { _, err := f.svc.Approve(t.Context(), r.ID, tt.by); return err })
			refusal(t, err, tt.why)
			if err := f.svc.CheckVoter(r, tt.by); err == nil {
				t.Error("CheckVoter allows what Approve refuses")
			}
			a := f.audit(t, "approval.refused")
			if len(a) != 1 || a[0].Detail["tried"] != "approve" || a[0].Subject != "request:"+r.ID || a[0].Detail["why"] == "" {
				t.Errorf("refusal audited as %+v, want one approval.refused", a)
			}
			if a := f.audit(t, "approval.approval"); len(a) != 0 {
				t.Errorf("a refused approval was audited as one: %+v", a)
			}
		})
	}
}

func TestApproveSelfApprovalByAnApprover(t *testing.T) {
	f := newFixture(t)
	// Priya is an approver, and asks for something herself.
	r := f.submit(t, "app", agent(priya), appForm(highApp))
	err := f.unchanged(t, r.ID, func() error { _, err := f.svc.Approve(t.Context(), r.ID, agent(priya)); return err })
	refusal(t, err, "you asked for "+r.ID+", so you cannot approve or deny it")
	if a := f.audit(t, "approval.refused"); len(a) != 1 || a[0].Actor != priya {
		t.Errorf("audit %+v", a)
	}
}

func TestApproveQuorum(t *testing.T) {
	t.Run("low risk: one approval decides", func(t *testing.T) {
		f := newFixture(t)
		r := f.lowApp(t)
		f.clock.Advance(90 * time.Minute)
		got := f.approve(t, r.ID, agent(priya))
		if got.State != approvals.Approved || !got.DecidedAt.Equal(f.clock.Now()) || !got.ApprovedBy(priya) || !got.Quorum() {
			t.Errorf("state %s decided %v approvals %+v", got.State, got.DecidedAt, got.Approvals)
		}
		wantNotices(t, newNotices(got, 1), reply(approvals.EventApproved), redraw, direct(approvals.EventApproved, riley))
		if n := got.Outbox[1]; n.Count != 1 || n.Mark.By != priya {
			t.Errorf("outcome reply %+v", n)
		}
		if got := f.audit(t, "approval.approval"); len(got) != 1 || got[0].Actor != priya || got[0].Detail["count"] != "1 of 1" {
			t.Errorf("approval audited %+v", got)
		}
		if got := f.audit(t, "approval.approved"); len(got) != 1 || got[0].Actor != "system" || got[0].Detail["approvers"] != priya {
			t.Errorf("transition audited %+v", got)
		}
		if stored := f.get(t, r.ID); stored.Version != got.Version || stored.State != approvals.Approved {
			t.Errorf("stored %s v%d, returned v%d", stored.State, stored.Version, got.Version)
		}
	})

	t.Run("high risk: the second approval decides", func(t *testing.T) {
		f := newFixture(t)
		r := f.highApp(t)
		first := f.approve(t, r.ID, agent(priya))
		if first.State != approvals.Pending || len(first.Approvals) != 1 || first.Quorum() {
			t.Fatalf("after one of two: %s, %d approvals", first.State, len(first.Approvals))
		}
		wantNotices(t, newNotices(first, 1), reply(approvals.EventApproval), redraw)
		if first.Outbox[1].Count != 1 {
			t.Errorf("approval reply counts %d", first.Outbox[1].Count)
		}
		if a := f.audit(t, "approval.approved"); len(a) != 0 {
			t.Errorf("approved after one of two: %+v", a)
		}
		second := f.approve(t, r.ID, agent(lucas))
		if second.State != approvals.Approved || len(second.Approvals) != 2 {
			t.Fatalf("after two of two: %s, %d approvals", second.State, len(second.Approvals))
		}
		// A redraw of its own, though the first still waits: that one may
		// be drawing the older state already.
		wantNotices(t, newNotices(second, lastSeq(first)), reply(approvals.EventApproved), redraw, direct(approvals.EventApproved, riley))
		if !second.Superseded(first.Outbox[2].Seq) || second.Superseded(second.Outbox[len(second.Outbox)-2].Seq) {
			t.Errorf("the first redraw should be superseded by the second, and the second by nothing: %+v", second.Outbox)
		}
		if a := f.audit(t, "approval.approval"); len(a) != 2 || a[1].Detail["count"] != "2 of 2" {
			t.Errorf("approvals audited %+v", a)
		}
		if a := f.audit(t, "approval.approved"); len(a) != 1 || a[0].Detail["approvers"] != priya+", "+lucas {
			t.Errorf("transition audited %+v", a)
		}
	})

	t.Run("the same approver twice", func(t *testing.T) {
		f := newFixture(t)
		r := f.highApp(t)
		f.approve(t, r.ID, agent(priya))
		err := f.unchanged(t, r.ID, func() error { _, err := f.svc.Approve(t.Context(), r.ID, agent(" PRIYA@acme.example")); return err })
		if !errors.Is(err, approvals.ErrAlreadyApproved) {
			t.Errorf("error %v, want ErrAlreadyApproved", err)
		}
		if a := f.audit(t, "approval.approval"); len(a) != 1 {
			t.Errorf("%d approvals audited, want 1", len(a))
		}
	})

	t.Run("the owner alone does not approve a low-risk request", func(t *testing.T) {
		f := newFixture(t)
		r := f.lowApp(t) // owned by Omar, an approver
		got := f.approve(t, r.ID, agent(omar))
		if got.State != approvals.Pending || len(got.Approvals) != 1 || got.Quorum() {
			t.Fatalf("after the owner's approval: %s, %d approvals; want still pending", got.State, len(got.Approvals))
		}
		wantNotices(t, newNotices(got, 1), reply(approvals.EventApproval), redraw)
		if a := f.audit(t, "approval.approved"); len(a) != 0 {
			t.Errorf("approved by its owner alone: %+v", a)
		}
		got = f.approve(t, r.ID, agent(ines))
		if got.State != approvals.Approved || len(got.Approvals) != 2 {
			t.Errorf("after another approver: %s, %d approvals; want approved", got.State, len(got.Approvals))
		}
	})

	t.Run("the owner and one other approve a high-risk request", func(t *testing.T) {
		f := newFixture(t)
		r := f.highApp(t)
		f.approve(t, r.ID, agent(omar))
		if got := f.approve(t, r.ID, agent(dana)); got.State != approvals.Approved {
			t.Errorf("owner + admin on a request needing two: %s", got.State)
		}
	})
}

func TestApproveNotPending(t *testing.T) {
	tests := []struct {
		name  string
		state approvals.State
		end   func(t *testing.T, f *fixture, id string)
	}{
		{"denied", approvals.Denied, func(t *testing.T, f *fixture, id string) {
			if _, err := f.svc.Deny(t.Context(), id, agent(lucas), "No budget"); err != nil {
				t.Fatal(err)
			}
		}},
		{"expired", approvals.Expired, func(t *testing.T, f *fixture, id string) {
			f.clock.Advance(8 * 24 * time.Hour)
			if _, err := f.svc.Expire(t.Context(), id); err != nil {
				t.Fatal(err)
			}
		}},
		{"cancelled", approvals.Cancelled, func(t *testing.T, f *fixture, id string) {
			if _, err := f.svc.Cancel(t.Context(), id, agent(riley)); err != nil {
				t.Fatal(err)
			}
		}},
		{"approved", approvals.Approved, func(t *testing.T, f *fixture, id string) {
			f.approve(t, id, agent(lucas))
		}},
		{"done", approvals.Done, func(t *testing.T, f *fixture, id string) {
			f.approve(t, id, agent(lucas))
			if _, err := f.svc.MarkDone(t.Context(), id, agent(riley)); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.lowApp(t)
			tt.end(t, f, r.ID)
			refusedBefore := len(f.audit(t, "approval.refused"))
			err := f.unchanged(t, r.ID, func() error { _, err := f.svc.Approve(t.Context(), r.ID, agent(priya)); return err })
			stateError(t, err, tt.state)
			// So does someone who may not approve at all: the state is
			// what they meet first.
			err = f.unchanged(t, r.ID, func() error { _, err := f.svc.Approve(t.Context(), r.ID, agent(sam)); return err })
			stateError(t, err, tt.state)
			if n := len(f.audit(t, "approval.refused")); n != refusedBefore {
				t.Errorf("a request that moved on was audited as a refusal (%d → %d)", refusedBefore, n)
			}
			if err := f.svc.CheckVoter(f.get(t, r.ID), agent(priya)); !errors.Is(err, approvals.ErrNotPending) {
				t.Errorf("CheckVoter: %v", err)
			}
		})
	}
}

func TestApproveUnknownRequest(t *testing.T) {
	f := newFixture(t)
	r := f.lowApp(t)
	for _, id := range []string{
		// Tampered with: the alphabet has no I, O, 0 or 1.
		"", "REQ-", r.ID + "X", " " + r.ID, "req-" + r.ID[4:], "REQ-ABCDE1", "REQ-ABCDEI", "REQ-../../",
		// Well formed, never issued.
		"REQ-ZZZZZZ", "REQ-222222",
	} {
		if id == r.ID {
			continue
		}
		_, err := f.svc.Approve(t.Context(), id, agent(priya))
		if !errors.Is(err, approvals.ErrNotFound) {
			t.Errorf("Approve(%q): %v, want ErrNotFound", id, err)
		}
		if _, err := f.svc.Get(t.Context(), id); !errors.Is(err, approvals.ErrNotFound) {
			t.Errorf("Get(%q): %v, want ErrNotFound", id, err)
		}
	}
	if got := f.get(t, r.ID); got.Version != 1 {
		t.Errorf("the real request changed: v%d", got.Version)
	}
	if a := f.audit(t, "approval.refused"); len(a) != 0 {
		t.Errorf("audited %+v", a)
	}
}

// Fifty approvers press Approve at once on a request that needs two, on
// two replicas: two approvals are kept, the request moves to approved
// once, and the outcome is promised once.
func TestFiftyApproversAtOnce(t *testing.T) {
	for _, backend := range stores {
		t.Run(backend.name, func(t *testing.T) {
			c := &clock{t: now}
			var approvers []string
			for i := range 50 {
				approvers = append(approvers, fmt.Sprintf("approver%02d@acme.example", i))
			}
			f := newFixtureOn(t, c, backend.open(t, c), func(p *approvals.Policy) {
				p.Admins, p.Approvers, p.Kinds = nil, approvers, nil
			})
			replicas := []*approvals.Service{f.svc, f.replica("replica-2", f.svc.Policy)}
			ctx := t.Context()
			r := f.submit(t, "app", agent(riley), appForm(highApp, set(approvals.FieldOwner, sam)))
			if r.Needed != 2 {
				t.Fatalf("needs %d, want 2", r.Needed)
			}

			errs := make([]error, len(approvers))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, who := range approvers {
				svc := replicas[i%2]
				wg.Go(func() {
					<-start
					_, errs[i] = svc.Approve(ctx, r.ID, agent(who))
				})
			}
			close(start)
			wg.Wait()

			won, lost := 0, 0
			for i, err := range errs {
				var se *approvals.StateError
				switch {
				case err == nil:
					won++
				case errors.As(err, &se) && errors.Is(err, approvals.ErrNotPending) && se.Request.State == approvals.Approved:
					lost++
				default:
					t.Errorf("%s: %v", approvers[i], err)
				}
			}
			if won != 2 || lost != 48 {
				t.Errorf("%d approvals accepted, %d refused as no longer pending; want 2 and 48", won, lost)
			}
			stored := f.get(t, r.ID)
			if len(stored.Approvals) != 2 || stored.State != approvals.Approved || stored.Approvals[0].By == stored.Approvals[1].By {
				t.Errorf("stored: %s with approvals %+v; want approved by two", stored.State, stored.Approvals)
			}
			count := map[notice]int{}
			for _, n := range notices(stored) {
				count[n]++
			}
			if count[reply(approvals.EventApproved)] != 1 || count[direct(approvals.EventApproved, riley)] != 1 ||
				count[reply(approvals.EventApproval)] != 1 || count[redraw] != 2 || len(stored.Outbox) != 6 {
				t.Errorf("outbox %v; want the parent, one approval reply, one outcome reply, a redraw after each, one message to the requester", notices(stored))
			}
			for i := 1; i < len(stored.Outbox); i++ {
				if stored.Outbox[i].Seq <= stored.Outbox[i-1].Seq {
					t.Errorf("notices out of order: %+v", stored.Outbox)
				}
			}
			if a := f.audit(t, "approval.approved"); len(a) != 1 {
				t.Errorf("approval.approved audited %d times, want 1", len(a))
			}
			if a := f.audit(t, "approval.approval"); len(a) != 2 {
				t.Errorf("approval.approval audited %d times, want 2", len(a))
			}
			if a := f.audit(t, "approval.refused"); len(a) != 0 {
				t.Errorf("losing a race was audited as a refusal %d times", len(a))
			}
		})
	}
}

// leavers is a directory that says who left.
type leavers map[string]time.Time

func (l leavers) Departed(context.Context) (map[string]time.Time, error) { return l, nil }

// Someone the directory says left approves nothing and is asked nothing,
// though the policy still lists them, admin or approver.
func TestLeaversApproveNothing(t *testing.T) {
	f := newFixture(t)
	f.svc.Leavers = leavers{priya: now.Add(-time.Hour), dana: now.Add(-time.Hour)}
	if got := f.svc.Approvers("app"); slices.Contains(got, priya) || slices.Contains(got, dana) || !slices.Contains(got, ines) {
		t.Errorf("approvers of apps %v: want ines, not priya or dana", got)
	}
	r := f.submit(t, "app", agent(riley), appForm())
	for _, who := range []approvals.Actor{agent(priya), admin(dana)} {
		err := f.unchanged(t, r.ID, func() error { _, err := f.svc.Approve(t.Context(), r.ID, who); return err })
		refusal(t, err, "only approvers named in the policy and admins")
	}
	if got := f.approve(t, r.ID, agent(ines)); got.State != approvals.Approved {
		t.Errorf("ines's approval: %s", got.State)
	}
}

// Retention deletes requests that reached their end before the cutoff;
// a pending or approved one, or one that ended since, stays.
func TestPurge(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	denied, cancelled, pending, approved := f.lowApp(t), f.lowApp(t), f.lowApp(t), f.lowApp(t)
	if _, err := f.svc.Deny(ctx, denied.ID, agent(lucas), "No budget"); err != nil {
		t.Fatal(err)
	}
	f.approve(t, approved.ID, agent(lucas))
	f.clock.Advance(48 * time.Hour)
	if _, err := f.svc.Cancel(ctx, cancelled.ID, agent(riley)); err != nil {
		t.Fatal(err)
	}
	n, err := f.svc.Purge(ctx, f.clock.Now().Add(-24*time.Hour), 100)
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v; want the request denied two days ago", n, err)
	}
	if _, err := f.svc.Get(ctx, denied.ID); err == nil {
		t.Error("the denied request is still there")
	}
	for _, r := range []approvals.Request{cancelled, pending, approved} {
		if _, err := f.svc.Get(ctx, r.ID); err != nil {
			t.Errorf("%s should stay: %v", r.ID, err)
		}
	}
}
