package approvals_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
)

// mei is Riley's manager in the confirming policies.
const mei = "mei@acme.example"

// confirmedBy makes every access request wait for by: Riley's manager is
// Mei; Team Lead requests need nobody.
func confirmedBy(by access.Confirmer) func(*approvals.Policy) {
	return func(p *approvals.Policy) {
		p.Access = access.Policy{VerifyBy: by, Roles: map[string]access.RolePolicy{
			"admin":     {MaxDuration: 4 * time.Hour},
			"team lead": {MaxDuration: 8 * time.Hour, VerifyBy: access.ConfirmByNone},
		}}
	}
}

func withManagers(f *fixture) {
	f.svc.Managers = approvals.ManagerMap{riley: mei, "mei@acme.example": ""}
}

func TestConfirmationBeforeApprovers(t *testing.T) {
	tests := []struct {
		name      string
		by        access.Confirmer
		answers   approvals.Answers
		wantState approvals.State
		wantBy    string
	}{
		{"the manager confirms", access.ConfirmByManager, accessForm(), approvals.Confirming, mei},
		{"a named peer confirms", access.ConfirmByPeer, accessForm(set(approvals.FieldPeer, "Omar@ACME.example")), approvals.Confirming, omar},
		{"a role that asks nobody", access.ConfirmByManager, accessForm(set(approvals.FieldRole, "team lead")), approvals.Pending, ""},
		{"a policy that asks nobody", "", accessForm(), approvals.Pending, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, confirmedBy(tt.by))
			withManagers(f)
			r := f.submit(t, approvals.Access.Name, agent(riley), tt.answers)
			if r.State != tt.wantState {
				t.Fatalf("state %s, want %s", r.State, tt.wantState)
			}
			if tt.wantBy == "" {
				wantNotices(t, notices(r), notice{approvals.PostParent, approvals.EventSubmitted, ""})
				if r.Confirmation != nil {
					t.Errorf("confirmation %+v, want none", r.Confirmation)
				}
				return
			}
			// Nothing reaches the approvals channel until it is confirmed.
			wantNotices(t, notices(r))
			if r.Confirmation == nil || r.Confirmation.By != tt.wantBy || r.Confirmation.As != tt.by {
				t.Errorf("confirmation %+v, want by %s as %s", r.Confirmation, tt.wantBy, tt.by)
			}
			if err := f.svc.CheckVoter(r, agent(omar)); !errors.Is(err, approvals.ErrNotPending) {
				t.Errorf("an approver may vote on a request awaiting confirmation: %v", err)
			}
		})
	}
}

func TestConfirmationRefusedOnTheForm(t *testing.T) {
	tests := []struct {
		name    string
		by      access.Confirmer
		who     string
		answers approvals.Answers
		field   string
		msg     string
	}{
		{"no manager known", access.ConfirmByManager, sam, accessForm(), approvals.FieldRole,
			"Your manager confirms admin requests before approvers see them, and I do not know who your manager is; ask an admin to add you under managers in the policy"},
		{"no peer named", access.ConfirmByPeer, riley, accessForm(), approvals.FieldPeer,
			"Required: a colleague confirms admin requests before approvers see them; name one by email, such as dana@example.com"},
		{"a peer who is not an email", access.ConfirmByPeer, riley, accessForm(set(approvals.FieldPeer, "omar")), approvals.FieldPeer,
			"An email address such as dana@example.com"},
		{"yourself as the peer", access.ConfirmByPeer, riley, accessForm(set(approvals.FieldPeer, "RILEY@acme.example")), approvals.FieldPeer,
			"Name a colleague, not yourself: someone else confirms that you asked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, confirmedBy(tt.by))
			withManagers(f)
			_, err := f.svc.Submit(t.Context(), approvals.Access.Name, agent(tt.who), tt.answers, 0)
			fe := formError(t, err)
			if len(fe.Fields) != 1 || fe.Fields[0].Field != tt.field || fe.Fields[0].Message != tt.msg {
				t.Errorf("errors %+v, want %s: %q", fe.Fields, tt.field, tt.msg)
			}
			f.nothingStored(t)
		})
	}
}

// An admin opening a retroactive request in someone's name vouches for
// it: nobody confirms it, even for a role a peer confirms, and the form
// (which has no peer input) is not refused for the peer it lacks.
func TestRetroactiveAccessIsNotConfirmed(t *testing.T) {
	f := newFixture(t, confirmedBy(access.ConfirmByPeer))
	withManagers(f)
	r, err := f.svc.SubmitAccessRetroactive(t.Context(), "shadow-1", agent(riley), admin(dana), accessForm())
	if err != nil {
		t.Fatal(err)
	}
	if r.State != approvals.Pending || r.Confirmation != nil {
		t.Errorf("state %s, confirmation %+v; want it pending for its approvers", r.State, r.Confirmation)
	}
	wantNotices(t, notices(r), notice{approvals.PostParent, approvals.EventSubmitted, ""})
}

// A peer named for a role no peer confirms is dropped, not shown.
func TestPeerDroppedWhenNotAsked(t *testing.T) {
	f := newFixture(t, confirmedBy(""))
	r := f.submit(t, approvals.Access.Name, agent(riley), accessForm(set(approvals.FieldPeer, omar)))
	if got := r.Answers[approvals.FieldPeer]; got != "" {
		t.Errorf("peer answer kept: %q", got)
	}
}

func TestEndConfirmation(t *testing.T) {
	tests := []struct {
		outcome   approvals.ConfirmOutcome
		why       string
		wantState approvals.State
		want      []notice
		check     func(t *testing.T, r approvals.Request)
	}{
		{approvals.Confirmed, "", approvals.Pending, []notice{{approvals.PostParent, approvals.EventSubmitted, ""}}, nil},
		{approvals.Refused, "Mei said Riley did not ask", approvals.Denied, nil, func(t *testing.T, r approvals.Request) {
			if r.Denial == nil || r.Denial.By != mei || r.Denial.Text != "Mei said Riley did not ask" {
				t.Errorf("denial %+v, want Mei's with why", r.Denial)
			}
		}},
		{approvals.Unconfirmed, "Mei did not answer in time", approvals.Expired, nil, func(t *testing.T, r approvals.Request) {
			if r.Closed == nil || r.Closed.By != "system" || r.Closed.Text != "Mei did not answer in time" {
				t.Errorf("closed %+v, want the system's with why", r.Closed)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.outcome), func(t *testing.T) {
			f := newFixture(t, confirmedBy(access.ConfirmByManager))
			withManagers(f)
			r := f.submit(t, approvals.Access.Name, agent(riley), accessForm())
			got, ended, err := f.svc.EndConfirmation(t.Context(), r.ID, tt.outcome, "V-ABCDEF", tt.why)
			if err != nil || !ended {
				t.Fatalf("EndConfirmation: ended %v, %v", ended, err)
			}
			if got.State != tt.wantState || got.Confirmation.Outcome != tt.outcome || got.Confirmation.Verification != "V-ABCDEF" {
				t.Errorf("after %s: %s, %+v", tt.outcome, got.State, got.Confirmation)
			}
			wantNotices(t, notices(got), tt.want...)
			if tt.check != nil {
				tt.check(t, got)
			}
			if n := len(f.audit(t, "approval."+string(tt.outcome))); n != 1 {
				t.Errorf("%d approval.%s audit entries, want 1", n, tt.outcome)
			}
			// Told again (a second replica's follow-up), nothing changes.
			again, ended, err := f.svc.EndConfirmation(t.Context(), r.ID, approvals.Confirmed, "V-ABCDEF", "")
			if err != nil || ended || again.Version != got.Version || again.State != got.State {
				t.Errorf("a second ending: %s v%d (was v%d), %v", again.State, again.Version, got.Version, err)
			}
		})
	}
}

// A confirmed request is approved as any other, but not by its
// confirmer: one person both vouching and deciding is one check, not two.
func TestConfirmedRequestIsApprovedAsUsual(t *testing.T) {
	f := newFixture(t, confirmedBy(access.ConfirmByPeer))
	r := f.submit(t, approvals.Access.Name, agent(riley), accessForm(set(approvals.FieldPeer, lucas)))
	if _, err := f.svc.ConfirmationAsked(t.Context(), r.ID, "V-ABCDEF"); err != nil {
		t.Fatal(err)
	}
	// Another verification's ending, naming this request, changes nothing.
	if got, ended, err := f.svc.EndConfirmation(t.Context(), r.ID, approvals.Confirmed, "V-ZZZZZZ", ""); err != nil || ended || got.State != approvals.Confirming {
		t.Fatalf("ended by another verification: %s, %v, %v", got.State, ended, err)
	}
	if _, _, err := f.svc.EndConfirmation(t.Context(), r.ID, approvals.Confirmed, "V-ABCDEF", ""); err != nil {
		t.Fatal(err)
	}
	f.postAll(t, r.ID)
	refusal(t, f.unchanged(t, r.ID, func() error { _, err := f.svc.Approve(t.Context(), r.ID, agent(lucas)); return err }),
		"you confirmed that riley@acme.example asked for "+r.ID+", so another approver decides it")
	f.approve(t, r.ID, agent(omar))
	if got := f.approve(t, r.ID, agent(priya)); got.State != approvals.Approved {
		t.Errorf("state %s after two approvals, want approved", got.State)
	}
}

func TestOneRequestAwaitingConfirmationPerRole(t *testing.T) {
	f := newFixture(t, confirmedBy(access.ConfirmByManager))
	withManagers(f)
	r := f.submit(t, approvals.Access.Name, agent(riley), accessForm())
	_, err := f.svc.Submit(t.Context(), approvals.Access.Name, agent(riley), accessForm(), 0)
	if fe := formError(t, err); fe.Fields[0].Field != approvals.FieldRole {
		t.Errorf("second request refused on %s, want the role", fe.Fields[0].Field)
	}
	// Withdrawn before its manager answers: no thread to tell, and the
	// manager's answer afterwards changes nothing.
	cancelled, err := f.svc.Cancel(t.Context(), r.ID, agent(riley))
	if err != nil || cancelled.State != approvals.Cancelled {
		t.Fatalf("Cancel: %s, %v", cancelled.State, err)
	}
	wantNotices(t, notices(cancelled))
	if after, _, err := f.svc.EndConfirmation(t.Context(), r.ID, approvals.Confirmed, "V-ABCDEF", ""); err != nil || after.State != approvals.Cancelled {
		t.Errorf("confirmed after the cancel: %s, %v", after.State, err)
	}
}

func TestUnconfirmedRequestExpires(t *testing.T) {
	f := newFixture(t, confirmedBy(access.ConfirmByManager))
	withManagers(f)
	r := f.submit(t, approvals.Access.Name, agent(riley), accessForm())
	f.clock.Advance(8 * 24 * time.Hour)
	sw, err := f.svc.Sweep(t.Context())
	if err != nil || len(sw.Expired) != 1 {
		t.Fatalf("sweep expired %v, %v; want the unconfirmed request", sw.Expired, err)
	}
	got, err := f.svc.Expire(t.Context(), r.ID)
	if err != nil || got.State != approvals.Expired {
		t.Fatalf("Expire: %s, %v", got.State, err)
	}
	// No thread was ever posted: the requester alone hears of it.
	wantNotices(t, notices(got), direct(approvals.EventExpired, riley))
}

// Replicas told of the same ending at once end it once.
func TestEndConfirmationRace(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			c := &clock{t: now}
			f := newFixtureOn(t, c, s.open(t, c), confirmedBy(access.ConfirmByManager))
			withManagers(f)
			r := f.submit(t, approvals.Access.Name, agent(riley), accessForm())
			var wg sync.WaitGroup
			for i := range 8 {
				svc := f.replica("replica-"+string(rune('a'+i)), f.svc.Policy)
				outcome := approvals.Confirmed
				if i%2 == 1 {
					outcome = approvals.Refused
				}
				wg.Go(func() {
					if _, _, err := svc.EndConfirmation(t.Context(), r.ID, outcome, "V-ABCDEF", "why"); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			got := f.get(t, r.ID)
			posts := 0
			for _, n := range got.Outbox {
				if n.Kind == approvals.PostParent {
					posts++
				}
			}
			ended := len(f.audit(t, "approval.confirmed")) + len(f.audit(t, "approval.refused"))
			if ended != 1 || posts > 1 || (got.State == approvals.Pending) != (posts == 1) {
				t.Errorf("state %s, %d parents queued, %d endings audited; want one ending", got.State, posts, ended)
			}
		})
	}
}

// A manager who left names nobody, though the policy's map still lists
// them: the directory's word wins over a stale list.
func TestManagersWhoLeft(t *testing.T) {
	m := approvals.NotLeavers(approvals.ManagerSources{approvals.ManagerMap{}, approvals.ManagerMap{"alice@acme.example": "bob@acme.example", "sam@acme.example": "dana@acme.example"}},
		leavers{"bob@acme.example": now.Add(-time.Hour)})
	if got, ok, err := m.ManagerOf(t.Context(), "alice@acme.example"); ok || err != nil || got != "" {
		t.Errorf("alice's manager who left: %q, %v, %v", got, ok, err)
	}
	if got, ok, _ := m.ManagerOf(t.Context(), "sam@acme.example"); !ok || got != "dana@acme.example" {
		t.Errorf("sam's manager: %q, %v", got, ok)
	}
}
