package approvals_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/store"
)

// opCounter counts the store operations a service makes.
type opCounter struct {
	mu  sync.Mutex
	ops map[string]int
}

func (c *opCounter) observe(op string, _ time.Duration, _ error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops[op]++
}

func approverNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("approver%02d@acme.example", i)
	}
	return out
}

// Fifty approvers press Approve at once, each twice, on two replicas, on
// a request that needs all fifty: every approver is counted once (a
// second press is refused as a repeat, or once approved as too late),
// exactly one call moves the request to approved, and no call writes the
// request with a compare-and-set: each is one read and at most one vote,
// never a retry.
func TestEveryApprovalCountedOnce(t *testing.T) {
	const approvers = 50
	for _, backend := range stores {
		t.Run(backend.name, func(t *testing.T) {
			c := &clock{t: now}
			names := approverNames(approvers)
			ops := &opCounter{ops: map[string]int{}}
			st := store.Instrument(backend.open(t, c), ops.observe)
			f := newFixtureOn(t, c, st, func(p *approvals.Policy) {
				p.Admins, p.Approvers, p.Kinds, p.HighRiskApprovals = nil, names, nil, approvers
			})
			replicas := []*approvals.Service{f.svc, f.replica("replica-2", f.svc.Policy)}
			r := f.submit(t, "app", agent(riley), appForm(highApp, set(approvals.FieldOwner, sam)))
			ops.ops = map[string]int{}

			type result struct {
				who string
				r   approvals.Request
				err error
			}
			results := make([]result, 2*approvers)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range results {
				who := names[i%approvers]
				wg.Go(func() {
					<-start
					got, err := replicas[i%2].Approve(t.Context(), r.ID, agent(who))
					results[i] = result{who, got, err}
				})
			}
			close(start)
			wg.Wait()
			ops.mu.Lock()
			used := maps.Clone(ops.ops)
			ops.mu.Unlock()

			accepted, transitions := map[string]int{}, 0
			for _, res := range results {
				switch {
				case res.err == nil:
					accepted[res.who]++
					if res.r.State == approvals.Approved {
						transitions++
					}
				case !errors.Is(res.err, approvals.ErrAlreadyApproved) && !errors.Is(res.err, approvals.ErrNotPending):
					t.Errorf("%s: %v", res.who, res.err)
				}
			}
			if len(accepted) != approvers || transitions != 1 {
				t.Errorf("%d approvers accepted, %d transitions; want all %d, one transition", len(accepted), transitions, approvers)
			}
			for who, n := range accepted {
				if n != 1 {
					t.Errorf("%s accepted %d times", who, n)
				}
			}
			stored := f.get(t, r.ID)
			if got := approvals.MarkNames(stored.Approvals); len(got) != approvers || len(slices.Compact(slices.Sorted(slices.Values(got)))) != approvers || stored.State != approvals.Approved {
				t.Errorf("stored %s with %d approvals (%d distinct); want approved with %d", stored.State, len(got), len(slices.Compact(slices.Sorted(slices.Values(got)))), approvers)
			}
			count := map[notice]int{}
			for _, n := range notices(stored) {
				count[n]++
			}
			if count[reply(approvals.EventApproval)] != approvers-1 || count[reply(approvals.EventApproved)] != 1 || count[direct(approvals.EventApproved, riley)] != 1 {
				t.Errorf("outbox promises %d approval replies, %d outcomes, %d messages to the requester; want %d, 1, 1",
					count[reply(approvals.EventApproval)], count[reply(approvals.EventApproved)], count[direct(approvals.EventApproved, riley)], approvers-1)
			}
			if a := f.audit(t, "approval.approval"); len(a) != approvers {
				t.Errorf("approval.approval audited %d times, want %d", len(a), approvers)
			}
			if a := f.audit(t, "approval.approved"); len(a) != 1 {
				t.Errorf("approval.approved audited %d times, want 1", len(a))
			}
			if used["cas_record"] != 0 || used["get_record"] > len(results) || used["cast_vote"] > len(results) {
				t.Errorf("store operations %v; want at most one read and one vote per call, no compare-and-set", used)
			}

			// The next write (the courier taking the outbox) stores what
			// readers saw: the same approvals and notices.
			if _, _, ok, err := f.svc.TakeOutbox(t.Context(), r.ID); err != nil || !ok {
				t.Fatalf("TakeOutbox: %v, %v", ok, err)
			}
			written := f.get(t, r.ID)
			if !slices.Equal(written.Approvals, stored.Approvals) || !slices.Equal(notices(written), notices(stored)) || !written.DecidedAt.Equal(stored.DecidedAt) {
				t.Errorf("after the write: %d approvals, outbox %v; want what was read before: %d, %v", len(written.Approvals), notices(written), len(stored.Approvals), notices(stored))
			}
			if rec := f.record(t, r.ID); rec.Votes != nil {
				t.Errorf("%d votes left unfolded after a write", len(rec.Votes))
			}
		})
	}
}

// A denial racing approvals ends the voting: the request ends approved
// or denied, never both, and every approval accepted is in it, none
// counted after the denial.
func TestDenialRacingApprovals(t *testing.T) {
	const approvers = 20
	for _, backend := range stores {
		t.Run(backend.name, func(t *testing.T) {
			c := &clock{t: now}
			names := approverNames(approvers + 1)
			f := newFixtureOn(t, c, backend.open(t, c), func(p *approvals.Policy) {
				p.Admins, p.Approvers, p.Kinds, p.HighRiskApprovals = nil, names, nil, approvers
			})
			for round := range 5 {
				r := f.submit(t, "app", agent(riley), appForm(highApp, set(approvals.FieldOwner, sam)))
				accepted := make([]bool, approvers)
				var denied bool
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range approvers {
					wg.Go(func() {
						<-start
						_, err := f.svc.Approve(t.Context(), r.ID, agent(names[i]))
						accepted[i] = err == nil
						if err != nil && !errors.Is(err, approvals.ErrNotPending) {
							t.Errorf("approve: %v", err)
						}
					})
				}
				wg.Go(func() {
					<-start
					_, err := f.svc.Deny(t.Context(), r.ID, agent(names[approvers]), "Not now")
					denied = err == nil
					if err != nil && !errors.Is(err, approvals.ErrNotPending) {
						t.Errorf("deny: %v", err)
					}
				})
				close(start)
				wg.Wait()

				stored := f.get(t, r.ID)
				var want []string
				for i, ok := range accepted {
					if ok {
						want = append(want, names[i])
					}
				}
				got := slices.Sorted(slices.Values(approvals.MarkNames(stored.Approvals)))
				if !slices.Equal(got, want) {
					t.Errorf("round %d: stored approvals %v, want the accepted %v", round, got, want)
				}
				switch {
				case denied && stored.State != approvals.Denied, !denied && stored.State != approvals.Approved:
					t.Errorf("round %d: denial accepted %t, stored %s", round, denied, stored.State)
				case !denied && len(want) != approvers:
					t.Errorf("round %d: approved with %d approvals, want %d", round, len(want), approvers)
				}
			}
		})
	}
}

// A request pending with an approval written before approvals were votes
// (the approval in its data, no ballot) counts it: the next approval
// completes a quorum of two, and an owner's earlier approval still needs
// another approver's.
func TestApprovalsWrittenBeforeBallots(t *testing.T) {
	for _, tc := range []struct {
		name    string
		earlier string // who approved before the upgrade
		then    []string
		want    approvals.State
	}{
		{"another's approval counts", priya, []string{lucas}, approvals.Approved},
		{"the owner's needs another's", omar, []string{lucas}, approvals.Approved},
	} {
		for _, backend := range stores {
			t.Run(tc.name+"/"+backend.name, func(t *testing.T) {
				c := &clock{t: now}
				f := newFixtureOn(t, c, backend.open(t, c))
				r := f.highApp(t) // owner Omar, needs two
				// As the release before ballots wrote an approval: into
				// the request's data, with a compare-and-set.
				rec := f.record(t, r.ID)
				var old map[string]any
				if err := json.Unmarshal(rec.Data, &old); err != nil {
					t.Fatal(err)
				}
				old["approvals"] = []map[string]any{{"by": tc.earlier, "at": now.Add(-time.Hour)}}
				data, err := json.Marshal(old)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.st.CompareAndSwapRecord(t.Context(), kindRequest, r.ID, rec.Version, data); err != nil {
					t.Fatal(err)
				}
				f.svc = f.replica("upgraded", f.svc.Policy) // a process of the new release, which knows no request yet
				if _, err := f.svc.Approve(t.Context(), r.ID, agent(tc.earlier)); !errors.Is(err, approvals.ErrAlreadyApproved) {
					t.Errorf("the earlier approver again: %v, want ErrAlreadyApproved", err)
				}
				var got approvals.Request
				for _, who := range tc.then {
					got = f.approve(t, r.ID, agent(who))
				}
				if got.State != tc.want || len(got.Approvals) != 1+len(tc.then) || got.Approvals[0].By != tc.earlier {
					t.Errorf("after %v: %s with approvals %v; want %s, the earlier approval first", tc.then, got.State, approvals.MarkNames(got.Approvals), tc.want)
				}
				if a := f.audit(t, "approval.approved"); len(a) != 1 {
					t.Errorf("approval.approved audited %d times, want 1", len(a))
				}
			})
		}
	}
}

// An approval on the replica that opened the request, or has read it
// pending, is one store operation besides the audit trail: the vote. A
// replica that has not seen the request reads it once first.
func TestApprovalIsOneVote(t *testing.T) {
	for _, backend := range stores {
		t.Run(backend.name, func(t *testing.T) {
			c := &clock{t: now}
			ops := &opCounter{ops: map[string]int{}}
			f := newFixtureOn(t, c, store.Instrument(backend.open(t, c), ops.observe))
			other := f.replica("replica-2", f.svc.Policy)
			r := f.highApp(t)
			for _, step := range []struct {
				svc  *approvals.Service
				who  string
				want map[string]int
			}{
				{f.svc, priya, map[string]int{"cast_vote": 1, "append_audit": 1}},
				{other, lucas, map[string]int{"get_record": 1, "cast_vote": 1, "append_audit": 2}},
			} {
				ops.mu.Lock()
				ops.ops = map[string]int{}
				ops.mu.Unlock()
				if _, err := step.svc.Approve(t.Context(), r.ID, agent(step.who)); err != nil {
					t.Fatal(err)
				}
				ops.mu.Lock()
				got := maps.Clone(ops.ops)
				ops.mu.Unlock()
				if !maps.Equal(got, step.want) {
					t.Errorf("%s's approval: store operations %v, want %v", step.who, got, step.want)
				}
			}
			if got := f.get(t, r.ID); got.State != approvals.Approved {
				t.Errorf("after two approvals: %s", got.State)
			}
		})
	}
}

// While a deployment rolls, a replica of the release before ballots may
// deny a request without closing its ballot; a vote that gets in after
// does not count, and its approver hears the request is decided.
func TestVoteAfterAReplicaWithoutBallotsDecided(t *testing.T) {
	for _, backend := range stores {
		t.Run(backend.name, func(t *testing.T) {
			c := &clock{t: now}
			f := newFixtureOn(t, c, backend.open(t, c))
			r := f.lowApp(t) // this replica has seen it pending
			rec := f.record(t, r.ID)
			var old map[string]any
			if err := json.Unmarshal(rec.Data, &old); err != nil {
				t.Fatal(err)
			}
			old["state"], old["denial"] = "denied", map[string]any{"by": lucas, "at": now, "text": "No"}
			data, err := json.Marshal(old)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.st.CompareAndSwapRecord(t.Context(), kindRequest, r.ID, rec.Version, data); err != nil {
				t.Fatal(err)
			}
			_, err = f.svc.Approve(t.Context(), r.ID, agent(priya))
			var se *approvals.StateError
			if !errors.As(err, &se) || se.Request.State != approvals.Denied {
				t.Errorf("Approve after the denial: %v, want the request denied", err)
			}
			if got := f.get(t, r.ID); got.State != approvals.Denied || len(got.Approvals) != 0 {
				t.Errorf("stored %s with approvals %v; want denied with none", got.State, approvals.MarkNames(got.Approvals))
			}
			if a := f.audit(t, "approval.approval"); len(a) != 0 {
				t.Errorf("the uncounted approval was audited: %+v", a)
			}
		})
	}
}
