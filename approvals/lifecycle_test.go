package approvals_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
)

func TestDeny(t *testing.T) {
	t.Run("one denial ends it", func(t *testing.T) {
		f := newFixture(t)
		r := f.highApp(t)
		first := f.approve(t, r.ID, agent(priya))
		f.clock.Advance(time.Hour)
		got, err := f.svc.Deny(t.Context(), r.ID, agent(lucas), "  PII needs a DPA first  ")
		if err != nil {
			t.Fatal(err)
		}
		if got.State != approvals.Denied || got.Denial == nil || got.Denial.By != lucas || got.Denial.Text != "PII needs a DPA first" ||
			!got.DecidedAt.Equal(f.clock.Now()) || len(got.Approvals) != 1 {
			t.Errorf("denied request %+v", got)
		}
		wantNotices(t, newNotices(got, lastSeq(first)), reply(approvals.EventDenied), redraw, direct(approvals.EventDenied, riley))
		if a := f.audit(t, "approval.denied"); len(a) != 1 || a[0].Actor != lucas || a[0].Detail["reason"] != "PII needs a DPA first" {
			t.Errorf("audit %+v", a)
		}
		err = f.unchanged(t, r.ID, func() error { _, err := f.svc.Approve(t.Context(), r.ID, agent(dana)); return err })
		stateError(t, err, approvals.Denied)
		err = f.unchanged(t, r.ID, func() error { _, err := f.svc.Deny(t.Context(), r.ID, agent(dana), "Also no"); return err })
		stateError(t, err, approvals.Denied)
	})

	t.Run("notices of a denial", func(t *testing.T) {
		f := newFixture(t)
		r := f.postAll(t, f.lowApp(t).ID)
		got, err := f.svc.Deny(t.Context(), r.ID, admin(zoe), "Use the existing integration")
		if err != nil {
			t.Fatal(err)
		}
		wantNotices(t, notices(got), reply(approvals.EventDenied), redraw, direct(approvals.EventDenied, riley))
		if n := got.Outbox[0]; n.Mark.Text != "Use the existing integration" || n.Mark.By != zoe {
			t.Errorf("reply %+v", n)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		f := newFixture(t)
		r := f.lowApp(t)
		for _, tc := range []struct {
			by     approvals.Actor
			reason string
			check  func(t *testing.T, err error)
		}{
			{agent(priya), "", func(t *testing.T, err error) {
				if formError(t, err).On(approvals.FieldReason) != "Say why, so the requester knows what to change" {
					t.Errorf("%v", err)
				}
			}},
			{agent(priya), " \n ", func(t *testing.T, err error) { formError(t, err) }},
			{agent(priya), strings.Repeat("x", 1001), func(t *testing.T, err error) {
				if formError(t, err).On(approvals.FieldReason) != "At most 1000 characters; this is 1001" {
					t.Errorf("%v", err)
				}
			}},
			{agent(riley), "Changed my mind", func(t *testing.T, err error) { refusal(t, err, "you asked for") }},
			{agent(sam), "No", func(t *testing.T, err error) { refusal(t, err, "only approvers") }},
			{agent(chen), "No", func(t *testing.T, err error) { refusal(t, err, "only approvers") }},
		} {
			err := f.unchanged(t, r.ID, func() error { _, err := f.svc.Deny(t.Context(), r.ID, tc.by, tc.reason); return err })
			tc.check(t, err)
		}
		if a := f.audit(t, "approval.refused"); len(a) != 3 || a[0].Detail["tried"] != "deny" {
			t.Errorf("refusals audited %+v; want the three refused people, not the form errors", a)
		}
		if _, err := f.svc.Deny(t.Context(), "REQ-ZZZZZZ", agent(priya), "No"); !errors.Is(err, approvals.ErrNotFound) {
			t.Errorf("deny of an unknown request: %v", err)
		}
	})
}

func TestAskAndAnswer(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r := f.postAll(t, f.highApp(t).ID)

	for _, tc := range []struct {
		by  approvals.Actor
		why string
	}{
		{agent(riley), "you asked for"},
		{agent(sam), "only approvers"},
		{agent(chen), "only approvers"},
	} {
		err := f.unchanged(t, r.ID, func() error { _, err := f.svc.Ask(ctx, r.ID, tc.by, "Why?"); return err })
		refusal(t, err, tc.why)
	}
	for _, q := range []string{"", "  ", strings.Repeat("?", 1001)} {
		err := f.unchanged(t, r.ID, func() error { _, err := f.svc.Ask(ctx, r.ID, agent(priya), q); return err })
		if formError(t, err).On(approvals.FieldQuestion) == "" {
			t.Errorf("Ask(%.10q): %v", q, err)
		}
	}

	// The requester cannot answer before anyone asks.
	err := f.unchanged(t, r.ID, func() error { _, err := f.svc.Answer(ctx, r.ID, agent(riley), "Because"); return err })
	refusal(t, err, r.ID+" has no open question to answer")

	asked, err := f.svc.Ask(ctx, r.ID, agent(priya), "  Which fields does it read?  ")
	if err != nil {
		t.Fatal(err)
	}
	if len(asked.Questions) != 1 || asked.Questions[0].Text != "Which fields does it read?" || asked.Questions[0].By != priya ||
		asked.Questions[0].Answer != nil || asked.OpenQuestion() != 0 || asked.State != approvals.Pending {
		t.Errorf("questions %+v", asked.Questions)
	}
	wantNotices(t, notices(asked), reply(approvals.EventQuestion), redraw, direct(approvals.EventQuestion, riley))
	if a := f.audit(t, "approval.question"); len(a) != 1 || a[0].Detail["question"] != "Which fields does it read?" {
		t.Errorf("audit %+v", a)
	}

	for _, tc := range []struct {
		by  approvals.Actor
		why string
	}{
		{agent(priya), "only " + riley + ", who asked for " + r.ID + ", can answer"},
		{admin(dana), "only " + riley},
		{agent(omar), "only " + riley}, // the owner is not the requester
	} {
		err := f.unchanged(t, r.ID, func() error { _, err := f.svc.Answer(ctx, r.ID, tc.by, "Because"); return err })
		refusal(t, err, tc.why)
	}
	for _, a := range []string{"", strings.Repeat("a", 2001)} {
		err := f.unchanged(t, r.ID, func() error { _, err := f.svc.Answer(ctx, r.ID, agent(riley), a); return err })
		formError(t, err)
	}

	f.clock.Advance(time.Hour)
	answered, err := f.svc.Answer(ctx, r.ID, agent(" RILEY@acme.example"), " Account name and plan ")
	if err != nil {
		t.Fatal(err)
	}
	q := answered.Questions[0]
	if q.Answer == nil || q.Answer.Text != "Account name and plan" || q.Answer.By != riley || !q.Answer.At.Equal(f.clock.Now()) || answered.OpenQuestion() != -1 {
		t.Errorf("question after the answer %+v", q)
	}
	wantNotices(t, newNotices(answered, lastSeq(asked)), reply(approvals.EventAnswer), redraw)
	if a := f.audit(t, "approval.answer"); len(a) != 1 || a[0].Actor != riley {
		t.Errorf("audit %+v", a)
	}
	err = f.unchanged(t, r.ID, func() error { _, err := f.svc.Answer(ctx, r.ID, agent(riley), "More"); return err })
	refusal(t, err, "no open question")

	// Two questions are answered oldest first.
	for _, by := range []string{lucas, dana} {
		if _, err := f.svc.Ask(ctx, r.ID, agent(by), "From "+by+"?"); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.svc.Answer(ctx, r.ID, agent(riley), "To the first")
	if err != nil {
		t.Fatal(err)
	}
	if got.Questions[1].Answer == nil || got.Questions[2].Answer != nil || got.OpenQuestion() != 2 {
		t.Errorf("after answering one of two: %+v", got.Questions)
	}

	// Nothing is asked or answered once the request is decided.
	f.approve(t, r.ID, agent(priya))
	f.approve(t, r.ID, agent(lucas))
	err = f.unchanged(t, r.ID, func() error { _, err := f.svc.Ask(ctx, r.ID, agent(dana), "Late?"); return err })
	stateError(t, err, approvals.Approved)
	err = f.unchanged(t, r.ID, func() error { _, err := f.svc.Answer(ctx, r.ID, agent(riley), "Late"); return err })
	stateError(t, err, approvals.Approved)
}

func TestCancel(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r := f.postAll(t, f.lowApp(t).ID)
	for _, by := range []approvals.Actor{admin(dana), agent(omar), agent(priya), agent("")} {
		err := f.unchanged(t, r.ID, func() error { _, err := f.svc.Cancel(ctx, r.ID, by); return err })
		refusal(t, err, "only "+riley+", who asked for "+r.ID+", can cancel it")
	}
	if a := f.audit(t, "approval.refused"); len(a) != 4 || a[0].Detail["tried"] != "cancel" {
		t.Errorf("refusals audited %+v", a)
	}
	got, err := f.svc.Cancel(ctx, r.ID, agent(riley))
	if err != nil {
		t.Fatal(err)
	}
	if got.State != approvals.Cancelled || got.Closed == nil || got.Closed.By != riley || !got.DecidedAt.Equal(now) {
		t.Errorf("cancelled %+v", got)
	}
	// The requester cancelled it: nobody needs a message about it.
	wantNotices(t, notices(got), reply(approvals.EventCancelled), redraw)
	if a := f.audit(t, "approval.cancelled"); len(a) != 1 {
		t.Errorf("audit %+v", a)
	}
	err = f.unchanged(t, r.ID, func() error { _, err := f.svc.Cancel(ctx, r.ID, agent(riley)); return err })
	stateError(t, err, approvals.Cancelled)

	approved := f.approved(t, "app", appForm())
	err = f.unchanged(t, approved.ID, func() error { _, err := f.svc.Cancel(ctx, approved.ID, agent(riley)); return err })
	stateError(t, err, approvals.Approved)
}

func TestMarkDone(t *testing.T) {
	for _, by := range []approvals.Actor{agent(riley), agent(omar), agent(priya), agent(lucas), agent(ines), admin(zoe)} {
		t.Run(by.Email, func(t *testing.T) {
			f := newFixture(t)
			r := f.postAll(t, f.approved(t, "app", appForm()).ID)
			f.clock.Advance(24 * time.Hour)
			got, err := f.svc.MarkDone(t.Context(), r.ID, by)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != approvals.Done || got.Closed == nil || got.Closed.By != by.Email || !got.Closed.At.Equal(f.clock.Now()) {
				t.Errorf("done %+v", got)
			}
			wantNotices(t, notices(got), reply(approvals.EventDone), redraw)
			if a := f.audit(t, "approval.done"); len(a) != 1 || a[0].Actor != by.Email {
				t.Errorf("audit %+v", a)
			}
			err = f.unchanged(t, r.ID, func() error { _, err := f.svc.MarkDone(t.Context(), r.ID, by); return err })
			stateError(t, err, approvals.Done)
		})
	}

	t.Run("refusals", func(t *testing.T) {
		f := newFixture(t)
		ctx := t.Context()
		pending := f.lowApp(t)
		err := f.unchanged(t, pending.ID, func() error { _, err := f.svc.MarkDone(ctx, pending.ID, agent(riley)); return err })
		stateError(t, err, approvals.Pending)

		change := f.approved(t, "change", changeForm())
		err = f.unchanged(t, change.ID, func() error { _, err := f.svc.MarkDone(ctx, change.ID, agent(riley)); return err })
		stateError(t, err, approvals.Approved)

		app := f.approved(t, "app", appForm())
		for _, by := range []approvals.Actor{agent(sam), agent(chen), agent("")} {
			err := f.unchanged(t, app.ID, func() error { _, err := f.svc.MarkDone(ctx, app.ID, by); return err })
			refusal(t, err, "only an approver, the owner or the requester of "+app.ID+" can mark it done")
		}
	})
}

func TestReview(t *testing.T) {
	// approvedChange is Riley's change (Riley owns it: the form names no
	// owner), approved, with its messages posted.
	approvedChange := func(t *testing.T) (*fixture, approvals.Request) {
		f := newFixture(t)
		r := f.postAll(t, f.approved(t, "change", changeForm()).ID)
		f.clock.Set(midnight(30).Add(9 * time.Hour))
		return f, r
	}
	tests := []struct {
		name    string
		by      approvals.Actor
		outcome approvals.Outcome
		until   string
		state   approvals.State
		event   approvals.Event
	}{
		{"the owner keeps it", agent(riley), approvals.Keep, "", approvals.Done, approvals.EventKept},
		{"an admin rolls it back", admin(zoe), approvals.RollBack, "", approvals.RolledBack, approvals.EventRolled},
		{"the owner extends it", agent(riley), approvals.Extend, " " + date(120) + " ", approvals.Approved, approvals.EventExtended},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, r := approvedChange(t)
			if _, err := f.svc.AskReview(t.Context(), r.ID); err != nil {
				t.Fatal(err)
			}
			r = f.postAll(t, r.ID)
			if r.ReviewSent.IsZero() {
				t.Fatal("review not asked")
			}
			got, err := f.svc.Review(t.Context(), r.ID, tt.by, tt.outcome, tt.until)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != tt.state {
				t.Errorf("state %s, want %s", got.State, tt.state)
			}
			wantNotices(t, notices(got), reply(tt.event), redraw)
			if a := f.audit(t, "approval."+string(tt.outcome)); len(a) != 1 || a[0].Actor != tt.by.Email {
				t.Errorf("audit %+v", a)
			}
			switch tt.outcome {
			case approvals.Extend:
				if !got.ReviewOn.Equal(midnight(120)) || !got.ReviewSent.IsZero() || got.Closed != nil || got.Outbox[0].Mark.Text != date(120) {
					t.Errorf("extended: review on %v, sent %v, closed %+v, reply %+v", got.ReviewOn, got.ReviewSent, got.Closed, got.Outbox[0])
				}
			default:
				if got.Closed == nil || got.Closed.By != tt.by.Email {
					t.Errorf("closed %+v", got.Closed)
				}
				err := f.unchanged(t, r.ID, func() error { _, err := f.svc.Review(t.Context(), r.ID, tt.by, approvals.Keep, ""); return err })
				stateError(t, err, tt.state)
			}
		})
	}

	t.Run("refusals", func(t *testing.T) {
		f, r := approvedChange(t)
		ctx := t.Context()
		for _, by := range []approvals.Actor{agent(priya), agent(dana), agent(chen), agent("")} {
			err := f.unchanged(t, r.ID, func() error { _, err := f.svc.Review(ctx, r.ID, by, approvals.Keep, ""); return err })
			refusal(t, err, "only "+riley+", who owns "+r.ID+", or an admin can decide its review")
		}
		today := f.svc.Today().Format(time.DateOnly)
		example := f.svc.Today().AddDate(0, 0, 90).Format(time.DateOnly)
		for until, msg := range map[string]string{
			"":           "Pick the next review date",
			"  ":         "Pick the next review date",
			"in a month": "Not a date; pick one such as " + example,
			today:        "Pick a date after today",
			"2026-12-01": "Pick a date after today", // before today, which is the review date
			f.svc.Today().AddDate(0, 0, 366).Format(time.DateOnly): "Pick a date within 365 days",
		} {
			err := f.unchanged(t, r.ID, func() error { _, err := f.svc.Review(ctx, r.ID, agent(riley), approvals.Extend, until); return err })
			if got := formError(t, err).On(approvals.FieldUntil); !strings.HasPrefix(got, msg) {
				t.Errorf("extend to %q: %q, want %q", until, got, msg)
			}
		}
		err := f.unchanged(t, r.ID, func() error { _, err := f.svc.Review(ctx, r.ID, agent(riley), "forget", ""); return err })
		if err == nil || !strings.Contains(err.Error(), `no review outcome "forget"`) {
			t.Errorf("unknown outcome: %v", err)
		}

		app := f.approved(t, "app", appForm())
		err = f.unchanged(t, app.ID, func() error { _, err := f.svc.Review(ctx, app.ID, admin(zoe), approvals.Keep, ""); return err })
		stateError(t, err, approvals.Approved)
		pending := f.submit(t, "change", agent(riley), changeForm(set(approvals.FieldReview, date(60))))
		err = f.unchanged(t, pending.ID, func() error {
			_, err := f.svc.Review(ctx, pending.ID, agent(riley), approvals.RollBack, "")
			return err
		})
		stateError(t, err, approvals.Pending)
	})
}

func TestExpire(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r := f.postAll(t, f.highApp(t).ID)
	r = f.postAll(t, f.approve(t, r.ID, agent(priya)).ID)

	f.clock.Set(r.ExpiresAt.Add(-time.Second))
	got, err := f.svc.Expire(ctx, r.ID)
	if err != nil || got.State != approvals.Pending || got.Version != r.Version {
		t.Errorf("a second before expiry: %s v%d, %v; want pending, unchanged", got.State, got.Version, err)
	}

	f.clock.Set(r.ExpiresAt)
	got, err = f.svc.Expire(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != approvals.Expired || got.Closed == nil || got.Closed.By != "system" || !got.DecidedAt.Equal(r.ExpiresAt) {
		t.Errorf("expired %+v", got)
	}
	wantNotices(t, notices(got), reply(approvals.EventExpired), redraw, direct(approvals.EventExpired, riley))
	if a := f.audit(t, "approval.expired"); len(a) != 1 || a[0].Detail["approvals"] != priya {
		t.Errorf("audit %+v", a)
	}

	f.clock.Advance(time.Hour)
	again, err := f.svc.Expire(ctx, r.ID)
	if err != nil || again.Version != got.Version || again.State != approvals.Expired {
		t.Errorf("second Expire: %s v%d (was v%d), %v", again.State, again.Version, got.Version, err)
	}
	if a := f.audit(t, "approval.expired"); len(a) != 1 {
		t.Errorf("expired audited %d times", len(a))
	}

	// A request decided in time never expires.
	approved := f.approved(t, "app", appForm())
	f.clock.Set(approved.ExpiresAt.Add(time.Hour))
	if got, err := f.svc.Expire(ctx, approved.ID); err != nil || got.State != approvals.Approved || got.Version != approved.Version {
		t.Errorf("Expire of an approved request: %s v%d, %v", got.State, got.Version, err)
	}
	if _, err := f.svc.Expire(ctx, "REQ-ZZZZZZ"); !errors.Is(err, approvals.ErrNotFound) {
		t.Errorf("Expire of an unknown request: %v", err)
	}
}

func TestAskReview(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r := f.postAll(t, f.approved(t, "change", changeForm()).ID)

	f.clock.Set(midnight(30).Add(-time.Nanosecond))
	if got, err := f.svc.AskReview(ctx, r.ID); err != nil || !got.ReviewSent.IsZero() || got.Version != r.Version {
		t.Errorf("before the review date: sent %v v%d, %v", got.ReviewSent, got.Version, err)
	}
	f.clock.Set(midnight(30))
	got, err := f.svc.AskReview(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ReviewSent.Equal(midnight(30)) {
		t.Errorf("review sent %v", got.ReviewSent)
	}
	// Riley owns the change: the form names no other owner.
	wantNotices(t, notices(got), direct(approvals.EventReviewDue, riley))
	f.clock.Advance(48 * time.Hour)
	again, err := f.svc.AskReview(ctx, r.ID)
	if err != nil || again.Version != got.Version || len(again.Outbox) != 1 {
		t.Errorf("asked twice: v%d → v%d, %d notices, %v", got.Version, again.Version, len(again.Outbox), err)
	}
	if a := f.audit(t, "approval.review_due"); len(a) != 1 || a[0].Detail["owner"] != riley {
		t.Errorf("audit %+v", a)
	}

	pending := f.submit(t, "change", agent(riley), changeForm(set(approvals.FieldReview, date(100))))
	f.clock.Set(midnight(101))
	if got, err := f.svc.AskReview(ctx, pending.ID); err != nil || !got.ReviewSent.IsZero() {
		t.Errorf("review of a pending request asked: %v, %v", got.ReviewSent, err)
	}
}

func TestSweep(t *testing.T) {
	f := newFixture(t, func(p *approvals.Policy) { p.RemindAfter = 6 * time.Hour })
	ctx := t.Context()

	// Monday 10:00: an old request that will expire, and an approved
	// change whose review date comes.
	old := f.postAll(t, f.lowApp(t).ID)
	change := f.postAll(t, f.approved(t, "change", changeForm(set(approvals.FieldReview, date(7)))).ID)
	approvedApp := f.postAll(t, f.approved(t, "app", appForm(set(approvals.FieldReview, date(7)))).ID)

	// A day later: Riley's high-risk app, approved once by Priya, and
	// Priya's own request.
	f.clock.Advance(24 * time.Hour)
	high := f.postAll(t, f.highApp(t).ID)
	high = f.approve(t, high.ID, agent(priya)) // its outbox waits
	own := f.postAll(t, f.submit(t, "change", agent(priya), changeForm()).ID)

	// Monday a week later, 9:00: one more, not due for reminders yet at
	// 10:00, when old has expired.
	f.clock.Set(now.Add(7*24*time.Hour - time.Hour))
	f.postAll(t, f.lowApp(t).ID)
	f.clock.Set(now.Add(7 * 24 * time.Hour))
	sw, err := f.svc.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sw.Outboxes, []string{high.ID}) {
		t.Errorf("outboxes %v, want %s", sw.Outboxes, high.ID)
	}
	if !slices.Equal(sw.Expired, []string{old.ID}) {
		t.Errorf("expired %v, want %s", sw.Expired, old.ID)
	}
	if !slices.Equal(sw.ReviewDue, []string{change.ID}) {
		t.Errorf("review due %v, want %s (the app's review is not a change's)", sw.ReviewDue, change.ID)
	}
	ids := func(rs []approvals.Request) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		slices.Sort(out)
		return out
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	want := map[string][]string{
		// high (Priya approved it) and own (Priya asked) are not hers.
		priya: nil,
		// The app approver sees apps only; the change approver changes.
		ines: {high.ID},
		chen: {own.ID},
		omar: sorted(high.ID, own.ID), lucas: sorted(high.ID, own.ID), dana: sorted(high.ID, own.ID),
	}
	for who, w := range want {
		if got := ids(sw.Remind[who]); !slices.Equal(got, w) {
			t.Errorf("remind %s of %v, want %v", who, got, w)
		}
	}
	for who := range sw.Remind {
		if _, ok := want[who]; !ok {
			t.Errorf("reminds %s, who approves nothing", who)
		}
	}
	if _, ok := sw.Remind[riley]; ok {
		t.Error("reminds the requester")
	}

	// The job acts on it; the next sweep finds the expiry and the review
	// done, and their messages waiting.
	for _, id := range sw.Expired {
		if _, err := f.svc.Expire(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range sw.ReviewDue {
		if _, err := f.svc.AskReview(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	sw, err = f.svc.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sw.Expired) != 0 || len(sw.ReviewDue) != 0 || !slices.Equal(sorted(sw.Outboxes...), sorted(old.ID, change.ID, high.ID)) {
		t.Errorf("second sweep: expired %v, review due %v, outboxes %v", sw.Expired, sw.ReviewDue, sw.Outboxes)
	}
	if slices.Contains(sw.Outboxes, approvedApp.ID) {
		t.Errorf("the approved app's review date queued something")
	}
}
