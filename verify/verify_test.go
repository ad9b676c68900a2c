package verify_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/internal/emuclock"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/verify"
)

const (
	agent  = "priya@acme.example" // the help-desk agent asking
	caller = "mei@acme.example"   // the person the caller claims to be
)

var start = time.Date(2026, 12, 7, 10, 40, 0, 0, time.UTC)

type fixture struct {
	clock emuclock.Clock
	store store.Store
	svc   *verify.Service
}

func stores() map[string]func(testing.TB) store.Store {
	return map[string]func(testing.TB) store.Store{
		"bolt":  func(tb testing.TB) store.Store { return teststores.Bolt(tb, nil) },
		"redis": func(tb testing.TB) store.Store { return teststores.Redis(tb, "verify") },
	}
}

func newFixture(t testing.TB, st func(testing.TB) store.Store) *fixture {
	f := &fixture{store: st(t)}
	f.clock.SetNow(start)
	f.svc = &verify.Service{Store: f.store, Audit: f.store, Now: f.clock.Now}
	return f
}

func (f *fixture) start(t testing.TB, person string) verify.Verification {
	t.Helper()
	v, err := f.svc.Start(t.Context(), verify.Ask{Asker: agent, Person: person, Reason: "password reset by phone"})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wrong is a choice that is not the code.
func wrong(v verify.Verification) string {
	for _, c := range v.Choices {
		if c != v.Code {
			return c
		}
	}
	panic("no wrong choice")
}

func TestStartDrawsACode(t *testing.T) {
	f := newFixture(t, stores()["bolt"])
	seen := map[string]bool{}
	for i := range 50 {
		f.clock.Advance(time.Second)
		// A fresh asker and person each time, so no hourly limit is reached.
		v, err := f.svc.Start(t.Context(), verify.Ask{Asker: fmt.Sprintf("agent%d@acme.example", i), Person: fmt.Sprintf("p%d@acme.example", i)})
		if err != nil {
			t.Fatal(err)
		}
		if !verify.ValidID(v.ID) || len(v.Code) != 2 || len(v.Choices) != 3 || v.State != verify.Pending || !v.ExpiresAt.Equal(f.clock.Now().Add(5*time.Minute)) {
			t.Fatalf("verification = %+v", v)
		}
		n := 0
		for _, c := range v.Choices {
			if c == v.Code {
				n++
			}
			if len(c) != 2 {
				t.Errorf("choice %q is not two digits", c)
			}
		}
		if n != 1 || v.Choices[0] == v.Choices[1] || v.Choices[1] == v.Choices[2] || v.Choices[0] == v.Choices[2] {
			t.Errorf("choices %v with code %s: want three distinct, the code once", v.Choices, v.Code)
		}
		seen[v.Code] = true
	}
	if len(seen) < 10 {
		t.Errorf("50 codes took only %d values", len(seen))
	}
}

func TestAnswers(t *testing.T) {
	for name, st := range stores() {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, st)
			ctx := t.Context()
			tests := []struct {
				name   string
				answer func(verify.Verification) string
				want   verify.State
			}{
				{"the right number", func(v verify.Verification) string { return v.Code }, verify.Verified},
				{"a wrong number", wrong, verify.Denied},
				{"this wasn't me", func(verify.Verification) string { return verify.NotMe }, verify.Denied},
			}
			for i, tt := range tests {
				v := f.start(t, fmt.Sprintf("person%d@acme.example", i))
				if _, err := f.svc.Answer(ctx, v.ID, "someone@acme.example", v.Code); !errors.Is(err, verify.ErrNotYours) {
					t.Errorf("%s: a stranger's tap: %v", tt.name, err)
				}
				if _, err := f.svc.Answer(ctx, v.ID, v.Person, "00"); err == nil {
					t.Errorf("%s: a number not offered was taken", tt.name)
				}
				o, err := f.svc.Answer(ctx, v.ID, strings.ToUpper(v.Person), tt.answer(v))
				if err != nil || o.State != tt.want || o.AnsweredAt.IsZero() {
					t.Errorf("%s: outcome %+v, %v; want %s", tt.name, o, err, tt.want)
				}
				var decided *verify.DecidedError
				if _, err := f.svc.Answer(ctx, v.ID, v.Person, v.Code); !errors.As(err, &decided) {
					t.Errorf("%s: a second tap: %v", tt.name, err)
				}
			}
			if _, ok, _ := f.svc.NextDue(ctx); ok {
				t.Error("answered verifications are still due to expire")
			}
		})
	}
}

// Twenty taps at once, right and wrong: one decides.
func TestConcurrentTapsDecideOnce(t *testing.T) {
	for name, st := range stores() {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, st)
			v := f.start(t, caller)
			var won atomic.Int32
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					choice := v.Code
					if i%2 == 1 {
						choice = wrong(v)
					}
					_, err := f.svc.Answer(context.Background(), v.ID, caller, choice)
					var decided *verify.DecidedError
					switch {
					case err == nil:
						won.Add(1)
					case !errors.As(err, &decided):
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if won.Load() != 1 {
				t.Errorf("%d taps decided, want 1", won.Load())
			}
		})
	}
}

// No answer within the TTL expires it; a sweep reads only what is due; a
// tap after the TTL finds it expired.
func TestExpiry(t *testing.T) {
	for name, st := range stores() {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, st)
			ctx := t.Context()
			v := f.start(t, caller)
			late := f.start(t, "jonas@acme.example")
			if at, ok, err := f.svc.NextDue(ctx); err != nil || !ok || !at.Equal(v.ExpiresAt) {
				t.Errorf("NextDue = %v, %v, %v", at, ok, err)
			}
			f.clock.Advance(4 * time.Minute)
			if got, err := f.svc.Sweep(ctx); err != nil || len(got) != 0 {
				t.Fatalf("an early sweep = %v, %v", got, err)
			}
			f.clock.Advance(time.Minute)
			o, err := f.svc.Answer(ctx, late.ID, late.Person, late.Code)
			if err != nil || o.State != verify.Expired {
				t.Errorf("a tap at the TTL = %+v, %v; want expired", o, err)
			}
			got, err := f.svc.Sweep(ctx)
			if err != nil || len(got) != 1 || got[0].ID != v.ID || got[0].State != verify.Expired {
				t.Fatalf("sweep = %+v, %v", got, err)
			}
			if got, _ := f.svc.Sweep(ctx); len(got) != 0 {
				t.Errorf("a second sweep expired %d more", len(got))
			}
		})
	}
}

// Limits: per person and per asker in a sliding hour, with when they
// reset; three failures in an hour lock the person out for an hour.
func TestLimitsAndLockout(t *testing.T) {
	f := newFixture(t, stores()["bolt"])
	ctx := t.Context()
	for i := range 5 {
		f.clock.Advance(time.Minute)
		v := f.start(t, caller)
		if _, err := f.svc.Answer(ctx, v.ID, caller, v.Code); err != nil {
			t.Fatal(err, i)
		}
	}
	_, err := f.svc.Start(ctx, verify.Ask{Asker: agent, Person: caller})
	var limit *verify.LimitError
	if !errors.As(err, &limit) || limit.Of != caller || limit.Limit != 5 || !limit.Reset.Equal(start.Add(time.Minute+time.Hour)) {
		t.Fatalf("a sixth verification of mei: %v (%+v)", err, limit)
	}
	f.clock.SetNow(start.Add(time.Minute + time.Hour))
	f.start(t, caller)

	// The asker's own limit.
	f.svc.Policy.PerAsker = 2
	f.clock.Advance(2 * time.Hour)
	f.start(t, "a@acme.example")
	f.start(t, "b@acme.example")
	if _, err := f.svc.Start(ctx, verify.Ask{Asker: agent, Person: "c@acme.example"}); !errors.As(err, &limit) || limit.Of != "you" {
		t.Errorf("past the asker's limit: %v", err)
	}

	// Three failed verifications of jonas in an hour lock him out.
	f.svc.Policy.PerAsker = 100
	f.clock.Advance(2 * time.Hour)
	const jonas = "jonas@acme.example"
	var last verify.Verification
	for range 3 {
		v := f.start(t, jonas)
		if last, err = f.svc.Answer(ctx, v.ID, jonas, verify.NotMe); err != nil {
			t.Fatal(err)
		}
	}
	if !last.LockedOut.Equal(f.clock.Now().Add(time.Hour)) {
		t.Fatalf("the third failure: locked until %v", last.LockedOut)
	}
	var locked *verify.LockedError
	if _, err := f.svc.Start(ctx, verify.Ask{Asker: agent, Person: jonas}); !errors.As(err, &locked) || !locked.Until.Equal(last.LockedOut) {
		t.Errorf("verifying a locked-out person: %v", err)
	}
	f.clock.Advance(time.Hour)
	f.start(t, jonas)
}

func TestStartRefusals(t *testing.T) {
	f := newFixture(t, stores()["bolt"])
	tests := []struct {
		name string
		ask  verify.Ask
		want string
	}{
		{"yourself", verify.Ask{Asker: agent, Person: "Priya@ACME.example"}, "cannot verify yourself"},
		{"not an email", verify.Ask{Asker: agent, Person: "mei"}, "name the person by email"},
		{"no asker email", verify.Ask{Person: caller}, "could not find an email address on your chat profile"},
		{"a long reason", verify.Ask{Asker: agent, Person: caller, Reason: strings.Repeat("x", 201)}, "under 200 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.svc.Start(t.Context(), tt.ask); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start = %v, want %q", err, tt.want)
			}
		})
	}
	if all, _ := f.svc.List(t.Context(), "", 10); len(all) != 0 {
		t.Errorf("refusals left %d records", len(all))
	}
}

type notes struct {
	mu    sync.Mutex
	calls int
	err   error
}

func (n *notes) AddInternalNote(_ context.Context, _ int64, _ string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls++
	return n.err
}

// The outcome is written to the ticket once, by whichever replica claims
// it; a failure leaves it due, a final refusal says why.
func TestNoteWrittenOnce(t *testing.T) {
	f := newFixture(t, stores()["redis"])
	ctx := t.Context()
	v, err := f.svc.Start(ctx, verify.Ask{Asker: agent, Person: caller, Ticket: 1234})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Answer(ctx, v.ID, caller, v.Code); err != nil {
		t.Fatal(err)
	}
	body := func(v verify.Verification) string { return "verified " + v.Person }
	final := func(error) bool { return false }
	down := &notes{err: errors.New("503")}
	if got, err := f.svc.WriteNote(ctx, v.ID, down, body, final); err == nil || !got.NoteDue() {
		t.Fatalf("a failed write: %+v, %v; want it still due", got, err)
	}
	n := &notes{}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { _, _ = f.svc.WriteNote(context.Background(), v.ID, n, body, final) })
	}
	wg.Wait()
	if n.calls != 1 {
		t.Errorf("%d notes written, want 1", n.calls)
	}
	if got, _ := f.svc.Get(ctx, v.ID); !got.NoteWritten() {
		t.Errorf("note state %q", got.Note)
	}
}

// An ending's follow-up is queued for the sweep until done.
func TestFollowUps(t *testing.T) {
	f := newFixture(t, stores()["bolt"])
	ctx := t.Context()
	v := f.start(t, caller)
	if _, err := f.svc.Answer(ctx, v.ID, caller, v.Code); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.FollowUps(ctx, 10); len(got) != 0 {
		t.Errorf("the follow-up is the answering replica's for a while, yet the sweep has %d", len(got))
	}
	f.clock.Advance(time.Minute)
	got, err := f.svc.FollowUps(ctx, 10)
	if err != nil || len(got) != 1 || got[0].ID != v.ID {
		t.Fatalf("follow-ups = %v, %v", got, err)
	}
	if err := f.svc.Done(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.FollowUps(ctx, 10); len(got) != 0 {
		t.Errorf("done, yet still queued: %v", got)
	}
}

func TestAskers(t *testing.T) {
	agent := func() bool { return true }
	notAgent := func() bool { return false }
	tests := []struct {
		name    string
		askers  verify.Askers
		email   string
		admin   bool
		isAgent func() bool
		want    bool
	}{
		{"the default takes agents", verify.Askers{}, "a@x.example", false, agent, true},
		{"the default takes admins", verify.Askers{}, "a@x.example", true, notAgent, true},
		{"the default refuses others", verify.Askers{}, "a@x.example", false, notAgent, false},
		{"admins only refuse agents", verify.Askers{Admins: true}, "a@x.example", false, agent, false},
		{"named people", verify.Askers{People: []string{"Lee@X.example"}}, "lee@x.example", false, notAgent, true},
		{"nobody without an email", verify.Askers{Agents: true}, "", true, agent, false},
	}
	for _, tt := range tests {
		if got := tt.askers.Allows(tt.email, tt.admin, tt.isAgent); got != tt.want {
			t.Errorf("%s: Allows = %v", tt.name, got)
		}
	}
}

// A confirmer who refuses or ignores access requests is not under
// suspicion: their refusals do not lock them out of caller verification.
// A withdrawn confirmation ends with nothing counted and cannot be tapped.
func TestConfirmationsDoNotLockOut(t *testing.T) {
	f := newFixture(t, stores()["bolt"])
	ctx := t.Context()
	const lee = "lee@acme.example"
	for i := range 3 {
		v, err := f.svc.Start(ctx, verify.Ask{Asker: agent, Person: lee, Request: &verify.Request{ID: "REQ-AAAAA" + string(rune('A'+i)), What: "Access as admin", As: "manager"}})
		if err != nil {
			t.Fatal(err)
		}
		if v, err = f.svc.Answer(ctx, v.ID, lee, verify.NotMe); err != nil || v.State != verify.Denied || !v.LockedOut.IsZero() {
			t.Fatalf("refusal %d: %s, locked out %v, %v", i, v.State, v.LockedOut, err)
		}
	}
	v := f.start(t, lee)
	w, err := f.svc.Withdraw(ctx, v.ID, agent)
	if err != nil || w.State != verify.Withdrawn {
		t.Fatalf("Withdraw: %s, %v", w.State, err)
	}
	var decided *verify.DecidedError
	if _, err := f.svc.Answer(ctx, v.ID, lee, v.Code); !errors.As(err, &decided) {
		t.Errorf("a tap on a withdrawn verification: %v", err)
	}
	if _, err := f.svc.Withdraw(ctx, v.ID, agent); !errors.As(err, &decided) {
		t.Errorf("withdrawn twice: %v", err)
	}
	if ups, err := f.svc.FollowUps(ctx, 10); err != nil || len(ups) != 0 {
		t.Errorf("follow-ups before the grace: %d, %v", len(ups), err)
	}
}

// Retention deletes verifications that ended and were followed up before
// the cutoff; a pending one, or one whose follow-up is not done, stays.
func TestPurge(t *testing.T) {
	f := newFixture(t, stores()["bolt"])
	ctx := t.Context()
	answered := f.start(t, "p1@acme.example")
	if _, err := f.svc.Answer(ctx, answered.ID, answered.Person, answered.Code); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Done(ctx, answered.ID); err != nil {
		t.Fatal(err)
	}
	notFollowedUp := f.start(t, "p2@acme.example")
	if _, err := f.svc.Answer(ctx, notFollowedUp.ID, notFollowedUp.Person, verify.NotMe); err != nil {
		t.Fatal(err)
	}
	pending := f.start(t, "p3@acme.example")
	f.clock.Advance(time.Minute)
	recent := f.start(t, "p4@acme.example")
	if _, err := f.svc.Answer(ctx, recent.ID, recent.Person, recent.Code); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Done(ctx, recent.ID); err != nil {
		t.Fatal(err)
	}
	n, err := f.svc.Purge(ctx, f.clock.Now().Add(-30*time.Second), 100)
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v; want the one answered and followed up before the cutoff", n, err)
	}
	if _, err := f.svc.Get(ctx, answered.ID); !errors.Is(err, verify.ErrNotFound) {
		t.Errorf("the purged one: %v", err)
	}
	for _, v := range []verify.Verification{notFollowedUp, pending, recent} {
		if _, err := f.svc.Get(ctx, v.ID); err != nil {
			t.Errorf("%s should stay: %v", v.ID, err)
		}
	}
}
