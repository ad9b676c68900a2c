package approvals_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
)

func TestOutboxOrder(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r := f.highApp(t)
	f.approve(t, r.ID, agent(priya))
	if _, err := f.svc.Ask(ctx, r.ID, agent(lucas), "Which fields?"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Answer(ctx, r.ID, agent(riley), "Names"); err != nil {
		t.Fatal(err)
	}
	got := f.approve(t, r.ID, agent(dana))
	wantNotices(t, notices(got),
		notice{approvals.PostParent, approvals.EventSubmitted, ""},
		reply(approvals.EventApproval), redraw,
		reply(approvals.EventQuestion), redraw, direct(approvals.EventQuestion, riley),
		reply(approvals.EventAnswer), redraw,
		reply(approvals.EventApproved), redraw, direct(approvals.EventApproved, riley),
	)
	for i, n := range got.Outbox {
		if n.Seq != i+1 {
			t.Errorf("notice %d has seq %d, want %d", i, n.Seq, i+1)
		}
	}
	if got.NextNotice != len(got.Outbox) {
		t.Errorf("next notice %d after %d notices", got.NextNotice, len(got.Outbox))
	}
	if n := got.Outbox[1]; n.Mark.By != priya || n.Count != 1 {
		t.Errorf("approval reply %+v", n)
	}
	if n := got.Outbox[8]; n.Event != approvals.EventApproved || n.Mark.By != dana || n.Count != 2 {
		t.Errorf("outcome reply %+v", n)
	}

	// Seq keeps growing after notices are posted and removed.
	posted := f.postAll(t, r.ID)
	if len(posted.Outbox) != 0 || posted.Thread.IsZero() {
		t.Fatalf("after posting: %d notices, thread %+v", len(posted.Outbox), posted.Thread)
	}
	done, err := f.svc.MarkDone(ctx, r.ID, agent(riley))
	if err != nil {
		t.Fatal(err)
	}
	if done.Outbox[0].Seq != len(got.Outbox)+1 || done.Outbox[1].Seq != len(got.Outbox)+2 {
		t.Errorf("notices after the posted ones: %+v", done.Outbox)
	}
}

// Every transition queues a redraw; a courier skips one with a later
// redraw behind it, since that one draws the newer state.
func TestRedrawSuperseded(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r := f.postAll(t, f.highApp(t).ID)
	f.approve(t, r.ID, agent(priya))
	if _, err := f.svc.Ask(ctx, r.ID, agent(lucas), "Which fields?"); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Deny(ctx, r.ID, agent(dana), "No DPA")
	if err != nil {
		t.Fatal(err)
	}
	var redraws []int
	for _, n := range got.Outbox {
		if n.Kind == approvals.Redraw {
			redraws = append(redraws, n.Seq)
		}
	}
	if len(redraws) != 3 {
		t.Fatalf("redraws %v, want one per transition", redraws)
	}
	for i, seq := range redraws {
		if last := i == len(redraws)-1; got.Superseded(seq) == last {
			t.Errorf("redraw %d (seq %d): superseded %v", i, seq, !last)
		}
	}
	// Only a redraw supersedes: the denial's message to the requester
	// comes after the last redraw.
	last := redraws[len(redraws)-1]
	if got.Outbox[len(got.Outbox)-1].Seq <= last || got.Superseded(last) {
		t.Errorf("the last redraw superseded by %+v", got.Outbox[len(got.Outbox)-1])
	}

	// A later redraw that failed still supersedes an earlier one: the
	// next courier tries it again.
	taken, _, ok, err := f.svc.TakeOutbox(ctx, r.ID)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, err := f.svc.Failed(ctx, r.ID, last, errors.New("timeout"), false); err != nil {
		t.Fatal(err)
	}
	if after := f.get(t, r.ID); !after.Superseded(redraws[0]) || len(after.Outbox) != len(taken.Outbox) {
		t.Errorf("after a failed redraw: %+v", after.Outbox)
	}
}

func TestTakeOutbox(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	one := f.svc
	two := f.replica("replica-2", f.svc.Policy)
	r := f.lowApp(t)

	got, first, ok, err := one.TakeOutbox(ctx, r.ID)
	if err != nil || !ok {
		t.Fatalf("first take: %v, %v", ok, err)
	}
	if !strings.HasPrefix(first, "replica-1/") || got.Courier != first || !got.CourierUntil.Equal(now.Add(time.Minute)) || len(got.Outbox) != 1 {
		t.Errorf("taken with token %q: courier %q until %v, %d notices", first, got.Courier, got.CourierUntil, len(got.Outbox))
	}
	leased := f.record(t, r.ID)

	for _, at := range []time.Duration{0, 30 * time.Second, time.Minute - time.Nanosecond} {
		f.clock.Set(now.Add(at))
		got, token, ok, err := two.TakeOutbox(ctx, r.ID)
		if err != nil || ok || token != "" {
			t.Errorf("another replica's take %s into the lease: %v, %q, %v; want refused", at, ok, token, err)
		}
		if got.Courier != first || len(got.Outbox) != 1 {
			t.Errorf("a refused take returns %+v; want the request as stored", got)
		}
		if rec := f.record(t, r.ID); rec.Version != leased.Version {
			t.Errorf("a refused take wrote v%d", rec.Version)
		}
	}

	// The lease runs out; the other replica takes over.
	f.clock.Set(now.Add(time.Minute))
	got, second, ok, err := two.TakeOutbox(ctx, r.ID)
	if err != nil || !ok || !strings.HasPrefix(second, "replica-2/") || got.Courier != second || !got.CourierUntil.Equal(now.Add(2*time.Minute)) {
		t.Fatalf("take after the lease ran out: %v, %v, courier %q until %v", ok, err, got.Courier, got.CourierUntil)
	}
	// The first courier's release no longer ends anything.
	if more, err := one.ReleaseOutbox(ctx, r.ID, first); err != nil || more {
		t.Errorf("stale release: %v, %v", more, err)
	}
	if got := f.get(t, r.ID); got.Courier != second {
		t.Errorf("a stale release ended the live lease: courier %q", got.Courier)
	}
	if more, err := two.ReleaseOutbox(ctx, r.ID, second); err != nil || !more {
		t.Errorf("release of the live lease with the parent still unposted: %v, %v; want more", more, err)
	}
	if got := f.get(t, r.ID); got.Courier != "" || !got.CourierUntil.IsZero() {
		t.Errorf("after release: courier %q until %v", got.Courier, got.CourierUntil)
	}

	t.Run("nothing to post", func(t *testing.T) {
		r := f.postAll(t, f.lowApp(t).ID)
		before := f.record(t, r.ID)
		if _, _, ok, err := two.TakeOutbox(ctx, r.ID); ok || err != nil {
			t.Errorf("take of an empty outbox: %v, %v", ok, err)
		}
		if after := f.record(t, r.ID); after.Version != before.Version {
			t.Error("an empty take wrote")
		}
		if _, _, _, err := two.TakeOutbox(ctx, "REQ-ZZZZZZ"); !errors.Is(err, approvals.ErrNotFound) {
			t.Errorf("take of an unknown request: %v", err)
		}
	})
}

func TestPosted(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r := f.lowApp(t)
	if _, _, ok, err := f.svc.TakeOutbox(ctx, r.ID); !ok || err != nil {
		t.Fatal(ok, err)
	}
	ref := approvals.Ref{Platform: "slack", Conversation: channel, Message: "1790000000.000100"}
	got, err := f.svc.Posted(ctx, r.ID, 1, ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.Thread != ref || len(got.Outbox) != 0 {
		t.Errorf("after posting the parent: thread %+v, %d notices", got.Thread, len(got.Outbox))
	}

	// A reply's reference is not the thread.
	got = f.approve(t, r.ID, agent(priya))
	other := approvals.Ref{Platform: "slack", Conversation: channel, Message: "1790000000.000200"}
	got, err = f.svc.Posted(ctx, r.ID, got.Outbox[0].Seq, other)
	if err != nil {
		t.Fatal(err)
	}
	if got.Thread != ref {
		t.Errorf("thread %+v after posting a reply, want %+v", got.Thread, ref)
	}
	wantNotices(t, notices(got), redraw, direct(approvals.EventApproved, riley))

	t.Run("a parent posted without a reference leaves no thread", func(t *testing.T) {
		r := f.lowApp(t)
		got, err := f.svc.Posted(ctx, r.ID, 1, approvals.Ref{})
		if err != nil || !got.Thread.IsZero() || len(got.Outbox) != 0 {
			t.Errorf("thread %+v, %d notices, %v", got.Thread, len(got.Outbox), err)
		}
	})
}

// A courier that posted a notice another courier posted and removed
// first (its lease ran out mid-way) is told nothing is wrong: the notice
// is gone either way.
func TestPostedTwiceIsHarmless(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r := f.lowApp(t)
	ref := approvals.Ref{Platform: "slack", Conversation: channel, Message: "1790000000.000100"}
	first, err := f.svc.Posted(ctx, r.ID, 1, ref)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.Posted(ctx, r.ID, 1, ref)
	if err != nil {
		t.Errorf("Posted of a notice already removed: %v; want nil", err)
	}
	if again.Version != first.Version || again.Thread != ref {
		t.Errorf("second Posted returned v%d thread %+v; want the request as stored (v%d)", again.Version, again.Thread, first.Version)
	}
}

func TestFailed(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r := f.postAll(t, f.lowApp(t).ID)
	r = f.approve(t, r.ID, agent(priya)) // reply, redraw, direct
	replySeq, directSeq := r.Outbox[0].Seq, r.Outbox[2].Seq

	for i := 1; i < approvals.MaxAttempts; i++ {
		gaveUp, err := f.svc.Failed(ctx, r.ID, replySeq, errors.New("slack: ratelimited"), false)
		if err != nil || gaveUp {
			t.Fatalf("failure %d: gave up %v, %v", i, gaveUp, err)
		}
		n := f.get(t, r.ID).Outbox[0]
		if n.Attempts != i || n.Error != "slack: ratelimited" || n.Seq != replySeq {
			t.Errorf("after %d failures: %+v", i, n)
		}
	}
	if a := f.audit(t, "approval.notice_dropped"); len(a) != 0 {
		t.Errorf("dropped before giving up: %+v", a)
	}
	gaveUp, err := f.svc.Failed(ctx, r.ID, replySeq, errors.New("slack: channel_not_found"), false)
	if err != nil || !gaveUp {
		t.Fatalf("failure %d: gave up %v, %v", approvals.MaxAttempts, gaveUp, err)
	}
	wantNotices(t, notices(f.get(t, r.ID)), redraw, direct(approvals.EventApproved, riley))

	// Someone on no chat transport is given up at once.
	gaveUp, err = f.svc.Failed(ctx, r.ID, directSeq, errors.New("not on any transport"), true)
	if err != nil || !gaveUp {
		t.Fatalf("unreachable: gave up %v, %v", gaveUp, err)
	}
	wantNotices(t, notices(f.get(t, r.ID)), redraw)

	a := f.audit(t, "approval.notice_dropped")
	if len(a) != 2 {
		t.Fatalf("dropped notices audited %+v, want 2", a)
	}
	if d := a[0].Detail; d["kind"] != "reply" || d["event"] != "approved" || d["error"] != "slack: channel_not_found" || a[0].Subject != "request:"+r.ID {
		t.Errorf("first drop audited as %+v", a[0])
	}
	if d := a[1].Detail; d["kind"] != "direct" || d["to"] != riley || d["error"] != "not on any transport" {
		t.Errorf("second drop audited as %+v", a[1])
	}

	// A notice already gone is nothing to fail.
	before := f.record(t, r.ID)
	if gaveUp, err := f.svc.Failed(ctx, r.ID, replySeq, errors.New("late"), true); gaveUp || err != nil {
		t.Errorf("Failed of a removed notice: %v, %v", gaveUp, err)
	}
	if after := f.record(t, r.ID); after.Version != before.Version {
		t.Error("Failed of a removed notice wrote")
	}
	if a := f.audit(t, "approval.notice_dropped"); len(a) != 2 {
		t.Errorf("%d drops audited, want 2", len(a))
	}
}

func TestReleaseOutbox(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r := f.highApp(t)

	// Everything taken is posted: nothing more.
	if got := f.postAll(t, r.ID); got.Courier != "" || !got.CourierUntil.IsZero() {
		t.Errorf("lease after release: %q until %v", got.Courier, got.CourierUntil)
	}

	// A transition while the courier posts: the release says so.
	f.approve(t, r.ID, agent(priya))
	taken, token, ok, err := f.svc.TakeOutbox(ctx, r.ID)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	for _, n := range taken.Outbox {
		if _, err := f.svc.Posted(ctx, r.ID, n.Seq, approvals.Ref{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Ask(ctx, r.ID, agent(lucas), "Which fields?"); err != nil {
		t.Fatal(err)
	}
	more, err := f.svc.ReleaseOutbox(ctx, r.ID, token)
	if err != nil || !more {
		t.Errorf("release with a question queued meanwhile: %v, %v; want more", more, err)
	}

	// A notice that failed is the next run's, not more for this one.
	taken, token, ok, err = f.svc.TakeOutbox(ctx, r.ID)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	for _, n := range taken.Outbox {
		if n.Kind == approvals.Direct {
			if _, err := f.svc.Failed(ctx, r.ID, n.Seq, errors.New("timeout"), false); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := f.svc.Posted(ctx, r.ID, n.Seq, approvals.Ref{}); err != nil {
			t.Fatal(err)
		}
	}
	more, err = f.svc.ReleaseOutbox(ctx, r.ID, token)
	if err != nil || more {
		t.Errorf("release with only a failed notice left: %v, %v; want no more", more, err)
	}

	// Only the courier holding the lease releases it.
	_, token, ok, err = f.svc.TakeOutbox(ctx, r.ID)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	other := f.replica("replica-2", f.svc.Policy)
	before := f.record(t, r.ID)
	for _, wrong := range []string{"", "replica-1", "replica-2/" + token[len("replica-1/"):], token + "x"} {
		if more, err := other.ReleaseOutbox(ctx, r.ID, wrong); more || err != nil {
			t.Errorf("release with token %q: %v, %v", wrong, more, err)
		}
		if more, err := f.svc.ReleaseOutbox(ctx, r.ID, wrong); more || err != nil {
			t.Errorf("release by the same replica with token %q: %v, %v", wrong, more, err)
		}
	}
	if after := f.record(t, r.ID); after.Version != before.Version {
		t.Error("a release without the lease's token wrote")
	}
}

// Two replicas (one store, their own holders) race for an outbox: one
// posts it.
func TestReplicasRaceForTheOutbox(t *testing.T) {
	for _, backend := range stores {
		t.Run(backend.name, func(t *testing.T) {
			c := &clock{t: now}
			f := newFixtureOn(t, c, backend.open(t, c))
			replicas := []*approvals.Service{f.svc, f.replica("replica-2", f.svc.Policy)}
			ctx := t.Context()
			for range 20 {
				r := f.lowApp(t)
				var wins [2]bool
				var errs [2]error
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i, svc := range replicas {
					wg.Go(func() {
						<-start
						_, _, wins[i], errs[i] = svc.TakeOutbox(ctx, r.ID)
					})
				}
				close(start)
				wg.Wait()
				if errs[0] != nil || errs[1] != nil {
					t.Fatalf("%v", errs)
				}
				if wins[0] == wins[1] {
					t.Errorf("%s: replicas took it %v; want exactly one", r.ID, wins)
				}
				winner := "replica-1"
				if wins[1] {
					winner = "replica-2"
				}
				if got := f.get(t, r.ID); !strings.HasPrefix(got.Courier, winner+"/") {
					t.Errorf("%s: courier %q, winner %s", r.ID, got.Courier, winner)
				}
			}
		})
	}
}

// One replica posts a request's outbox once at a time: two clicks on a
// request each start a courier in the same process (same holder), and the
// second must not post what the first is posting.
func TestOneReplicaTakesAnOutboxOnce(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r := f.lowApp(t)
	_, first, ok, err := f.svc.TakeOutbox(ctx, r.ID)
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	f.clock.Advance(time.Second)
	if _, token, ok, err := f.svc.TakeOutbox(ctx, r.ID); ok || err != nil || token != "" {
		t.Errorf("second take by the same replica while its lease is live: %v, %q, %v; want refused", ok, token, err)
	}
	// The first courier releases; the next take gets a token of its own.
	if _, err := f.svc.ReleaseOutbox(ctx, r.ID, first); err != nil {
		t.Fatal(err)
	}
	_, next, ok, err := f.svc.TakeOutbox(ctx, r.ID)
	if !ok || err != nil || next == first {
		t.Errorf("take after release: %v, %v, token %q (first %q)", ok, err, next, first)
	}
}

// A redraw draws the request as it is when posted, so one waiting is
// enough for later transitions, but not one a courier has already taken:
// it may be drawn already. Here the courier took [reply, redraw] for the
// first approval and drew the parent ("1 of 2"); the second approval
// then lands before the courier reports the redraw posted. Unless the
// approval queued a redraw of its own, the parent keeps saying "pending,
// 1 of 2" while the thread says approved.
func TestRedrawTakenByACourierIsNotReused(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r := f.postAll(t, f.highApp(t).ID)
	f.approve(t, r.ID, agent(priya))

	taken, token, ok, err := f.svc.TakeOutbox(ctx, r.ID)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	wantNotices(t, notices(taken), reply(approvals.EventApproval), redraw)
	if _, err := f.svc.Posted(ctx, r.ID, taken.Outbox[0].Seq, approvals.Ref{}); err != nil {
		t.Fatal(err)
	}
	// The courier draws the parent from what it holds now (one approval)
	// and sends it; meanwhile the second approval lands.
	approved := f.approve(t, r.ID, agent(lucas))
	if approved.State != approvals.Approved {
		t.Fatalf("state %s", approved.State)
	}
	if _, err := f.svc.Posted(ctx, r.ID, taken.Outbox[1].Seq, approvals.Ref{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ReleaseOutbox(ctx, r.ID, token); err != nil {
		t.Fatal(err)
	}
	left := f.get(t, r.ID)
	if !slices.Contains(notices(left), redraw) {
		t.Errorf("outbox %v after the approval: no redraw left, so the parent is never drawn approved", notices(left))
	}
}
