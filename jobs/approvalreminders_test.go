package jobs_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/store"
)

// Approvers of the approval tests besides dana, the policy's admin.
const (
	priya = "priya@acme.example"
	lucas = "lucas@acme.example"
)

// headlines are the headlines of the direct messages to email that start
// with prefix.
func (t *thread) headlines(email, prefix string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, m := range t.direct[email] {
		if strings.HasPrefix(m.Headline, prefix) {
			out = append(out, m.Headline)
		}
	}
	return out
}

// threadReplies are the headlines of the replies in request r's thread.
func (t *thread) threadReplies(r approvals.Request) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, m := range t.replies[r.Thread.Message] {
		out = append(out, m.Headline)
	}
	return out
}

// reminders are the approver reminders sent to email, each as the
// request ids it lists.
func (t *thread) reminders(email string) [][]string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out [][]string
	for _, m := range t.direct[email] {
		if !strings.HasSuffix(m.Headline, "waiting for your approval") {
			continue
		}
		var ids []string
		for _, s := range m.Sections {
			id, _, _ := strings.Cut(strings.TrimPrefix(s.Text, "*"), "*")
			ids = append(ids, id)
		}
		slices.Sort(ids)
		out = append(out, ids)
	}
	return out
}

func (f *approvalFixture) run(t *testing.T, a *jobs.Approvals) {
	t.Helper()
	if err := a.Reminders(t.Context(), f.now()); err != nil {
		t.Fatalf("reminders: %v", err)
	}
}

func get(t *testing.T, a *jobs.Approvals, id string) approvals.Request {
	t.Helper()
	r, err := a.Service.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func sorted(ids ...string) []string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return ids
}

// A pending request expires at its expiry, not a second before: the
// thread says so, the parent is redrawn, the requester is told, once.
func TestRemindersExpireAtExpiresAt(t *testing.T) {
	f := newApprovalFixture(t, boltFor(t))
	ctx := t.Context()
	a := f.replica("replica-1", nil)
	r := submit(t, a.Service, approvals.DataTickets)
	if err := a.Deliver(ctx, r.ID); err != nil {
		t.Fatal(err)
	}

	f.advance(r.ExpiresAt.Sub(f.now()) - time.Second)
	f.run(t, a)
	if got := get(t, a, r.ID); got.State != approvals.Pending {
		t.Fatalf("a second before its expiry the request is %s", got.State)
	}
	if got := f.chat.counts(omar); got != [4]int{1, 0, 0, 0} {
		t.Errorf("before the expiry: parents, replies, redraws, DMs = %v, want the parent only", got)
	}

	f.advance(time.Second)
	for range 2 { // the second run finds nothing more to do
		f.run(t, a)
	}
	got := get(t, a, r.ID)
	if got.State != approvals.Expired || !got.DecidedAt.Equal(r.ExpiresAt) || len(got.Outbox) != 0 {
		t.Errorf("stored %s decided %v with %d notices left; want expired at %v and none", got.State, got.DecidedAt, len(got.Outbox), r.ExpiresAt)
	}
	if counts := f.chat.counts(omar); counts != [4]int{1, 1, 1, 1} {
		t.Errorf("after the expiry: parents, replies, redraws, DMs = %v, want one of each", counts)
	}
	if h := f.chat.threadReplies(got); len(h) != 1 || h[0] != "⏱ Expired after 7 days without enough approvals" {
		t.Errorf("thread replies %q", h)
	}
	if h := f.chat.headlines(omar, ""); len(h) != 1 || h[0] != "Your request "+r.ID+" expired" {
		t.Errorf("the requester was told %q", h)
	}
	again := get(t, a, r.ID)
	if again.Version != got.Version {
		t.Errorf("the second run wrote the request: v%d → v%d", got.Version, again.Version)
	}
}

// Each approver hears once a day, in one message, of every pending
// request waiting for them: never of their own, nor of one they approved.
func TestApproversAreRemindedOnceADay(t *testing.T) {
	f := newApprovalFixture(t, boltFor(t))
	ctx := t.Context()
	// Omar, who asks for both, is an approver too.
	a := f.replica("replica-1", []string{omar, priya, lucas})
	low := submit(t, a.Service, approvals.DataTickets)
	f.advance(time.Minute)
	high := submit(t, a.Service, approvals.DataCustomerPII)
	if _, err := a.Service.Approve(ctx, high.ID, approvals.Actor{Email: priya}); err != nil {
		t.Fatal(err)
	}
	if got := get(t, a, high.ID); got.State != approvals.Pending {
		t.Fatalf("one of two approvals left it %s", got.State)
	}
	everyone := []string{dana, omar, priya, lucas}
	want := func(stage string, w map[string][][]string) {
		t.Helper()
		for _, who := range everyone {
			if got := f.chat.reminders(who); !slices.EqualFunc(got, w[who], slices.Equal) {
				t.Errorf("%s: %s was reminded of %v, want %v", stage, who, got, w[who])
			}
		}
	}

	// Not before remind_after (24h) has passed for a request.
	f.advance(24*time.Hour - 2*time.Minute)
	f.run(t, a)
	want("after 23h58m", nil)

	both, lowOnly := sorted(low.ID, high.ID), []string{low.ID}
	f.advance(2 * time.Minute) // both are 24 hours old
	f.run(t, a)
	day1 := map[string][][]string{dana: {both}, lucas: {both}, priya: {lowOnly}}
	want("after 24h", day1)

	f.advance(time.Hour)
	f.run(t, a)
	want("later the same day", day1)

	f.advance(23 * time.Hour)
	f.run(t, a)
	want("the next day", map[string][][]string{dana: {both, both}, lucas: {both, both}, priya: {lowOnly, lowOnly}})

	// Each reminder is one message to an approver, not one per request.
	for _, who := range []string{dana, lucas} {
		if h := f.chat.headlines(who, ""); len(h) != 2 || h[0] != "2 requests waiting for your approval" {
			t.Errorf("%s got %q", who, h)
		}
	}
	if h := f.chat.headlines(omar, ""); len(h) != 0 {
		t.Errorf("the requester, an approver, got %q", h)
	}
}

// An approved change's owner is asked on its review date to keep it,
// roll it back or extend the review: not before, and once.
func TestReviewDateAsksTheOwnerOnce(t *testing.T) {
	f := newApprovalFixture(t, boltFor(t))
	ctx := t.Context()
	a := f.replica("replica-1", []string{priya})
	r, err := a.Service.Submit(ctx, approvals.Change.Name, approvals.Actor{Email: omar}, approvals.Answers{
		approvals.FieldWhat: "Add a Region drop-down field to the ticket form", approvals.FieldWhy: "Agents type the region by hand",
		approvals.FieldTier: approvals.TierSuggest, approvals.FieldReview: "2026-11-30",
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != approvals.Change.Name || r.Owner != omar {
		t.Fatalf("request %s owned by %s", r.Kind, r.Owner)
	}
	if _, err := a.Service.Approve(ctx, r.ID, approvals.Actor{Email: priya}); err != nil {
		t.Fatal(err)
	}
	f.run(t, a)
	const due = "Review time for "

	reviewOn := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	f.advance(reviewOn.Sub(f.now()) - time.Second)
	f.run(t, a)
	if h := f.chat.headlines(omar, due); len(h) != 0 {
		t.Fatalf("asked before the review date: %q", h)
	}

	f.advance(time.Second)
	for range 2 {
		f.run(t, a)
	}
	f.advance(24 * time.Hour)
	f.run(t, a)
	if h := f.chat.headlines(omar, due); len(h) != 1 || h[0] != due+r.ID+": keep, roll back or extend?" {
		t.Errorf("the owner got %q, want one review question", h)
	}
	got := get(t, a, r.ID)
	if !got.ReviewSent.Equal(reviewOn) || got.State != approvals.Approved || len(got.Outbox) != 0 {
		t.Errorf("stored %s, review sent %v, %d notices left", got.State, got.ReviewSent, len(got.Outbox))
	}
	f.chat.mu.Lock()
	msg := f.chat.direct[omar][len(f.chat.direct[omar])-1]
	f.chat.mu.Unlock()
	var buttons []string
	for _, b := range msg.Buttons {
		buttons = append(buttons, b.Label)
	}
	if !slices.Equal(buttons, []string{"Keep", "Roll back", "Extend"}) {
		t.Errorf("review question offers %q", buttons)
	}
	for _, who := range []string{dana, priya} {
		if h := f.chat.headlines(who, due); len(h) != 0 {
			t.Errorf("%s, not the owner, was asked: %q", who, h)
		}
	}
}

// An installed app's owner is asked at its review date too: the app form
// asks for a review date and an owner who "answers for it at review".
func TestReviewDateAsksTheOwnerOfAnInstalledApp(t *testing.T) {
	f := newApprovalFixture(t, boltFor(t))
	ctx := t.Context()
	a := f.replica("replica-1", []string{priya})
	r := submit(t, a.Service, approvals.DataTickets) // review on 2027-01-15
	if _, err := a.Service.Approve(ctx, r.ID, approvals.Actor{Email: priya}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Service.MarkDone(ctx, r.ID, approvals.Actor{Email: omar}); err != nil {
		t.Fatal(err)
	}
	f.run(t, a)
	f.advance(time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC).Sub(f.now()))
	f.run(t, a)
	f.run(t, a)
	if h := f.chat.headlines(omar, "Review time for "); len(h) != 1 {
		t.Errorf("on its review date the installed app's owner was asked %d times (%q), want once", len(h), h)
	}
}

// channelled is the thread transport that also keeps which channel each
// post went to, so the admin channel's reports can be told from the
// approvals channel's parents.
type channelled struct {
	*thread
	mu sync.Mutex
	to map[string][]bot.Message
}

func (c *channelled) SendChannel(ctx context.Context, channel string, msg bot.Message) ([]bot.MessageRef, error) {
	c.mu.Lock()
	c.to[channel] = append(c.to[channel], msg)
	c.mu.Unlock()
	return c.thread.SendChannel(ctx, channel, msg)
}

func (c *channelled) headlines(channel string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.to[channel] {
		out = append(out, m.Headline)
	}
	slices.Sort(out)
	return out
}

// The sync compares Zendesk's installations with approved requests: an
// installation nobody asked for is reported to the admin channel once,
// and an app marked installed is verified when Zendesk has it, said once
// in its thread.
func TestInstallationsAreReportedAndVerified(t *testing.T) {
	rf := newReviewFixture(t)
	ctx := t.Context()
	tk := rf.tokens(t, "replica-1")
	if err := tk.Inventory(ctx); err != nil {
		t.Fatal(err)
	}
	f := newApprovalFixture(t, rf.store)
	chat := &channelled{thread: f.chat, to: map[string][]bot.Message{}}
	a := f.replica("replica-1", []string{priya})
	a.Notifier, a.Inventories, a.AdminChannel = chat, []*credentials.Service{tk.Service}, adminChannel
	syncNow := func() {
		t.Helper()
		if err := tk.Inventory(ctx); err != nil {
			t.Fatal(err)
		}
		if err := a.Installations(ctx); err != nil {
			t.Fatalf("installations: %v", err)
		}
	}
	// installed asks for app, has it approved and marks it installed.
	installed := func(app string) approvals.Request {
		t.Helper()
		answers := approvals.Answers{}
		for k, v := range appAnswers {
			answers[k] = v
		}
		answers[approvals.FieldApp], answers[approvals.FieldData] = app, approvals.DataTickets
		r, err := a.Service.Submit(ctx, approvals.App.Name, approvals.Actor{Email: omar}, answers, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Service.Approve(ctx, r.ID, approvals.Actor{Email: priya}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Service.MarkDone(ctx, r.ID, approvals.Actor{Email: omar}); err != nil {
			t.Fatal(err)
		}
		if err := a.Deliver(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		return get(t, a, r.ID)
	}
	// Named as people type it, not as Zendesk has it.
	timesheet := installed("  timesheet   HELPER ")
	router := installed("Region Router")
	repliesBefore := map[string]int{timesheet.ID: len(f.chat.threadReplies(timesheet)), router.ID: len(f.chat.threadReplies(router))}
	newReplies := func(r approvals.Request) []string { return f.chat.threadReplies(r)[repliesBefore[r.ID]:] }

	shadows := []string{
		"App installed without an approved request: Answer Bot Analytics",
		"App installed without an approved request: Legacy CTI Connector",
		"App installed without an approved request: Slack for Zendesk Support",
	}
	for run := range 2 {
		if err := a.Installations(ctx); err != nil {
			t.Fatalf("installations: %v", err)
		}
		if got := chat.headlines(adminChannel); !slices.Equal(got, shadows) {
			t.Errorf("run %d: admin channel got %q, want each installation without an approved request once", run+1, got)
		}
		if got := newReplies(timesheet); !slices.Equal(got, []string{"✅ Verified in Zendesk"}) {
			t.Errorf("run %d: the installed app's thread got %q, want it verified once", run+1, got)
		}
		if got := newReplies(router); !slices.Equal(got, []string{"⚠ Not found in Zendesk"}) {
			t.Errorf("run %d: the missing app's thread got %q, want it missing once", run+1, got)
		}
	}
	if v := get(t, a, timesheet.ID).Verified; v == nil || !v.Found || v.SaaSID != 361234500002 {
		t.Errorf("timesheet verified as %+v", v)
	}
	chat.mu.Lock()
	reports := slices.Clone(chat.to[adminChannel])
	chat.mu.Unlock()
	for _, want := range []string{"Answer Bot Analytics", "Slack for Zendesk Support"} {
		if !slices.ContainsFunc(reports, func(m bot.Message) bool {
			return slices.ContainsFunc(m.Buttons, func(b bot.Button) bool { return b.ActionID == "shadow.request" }) && strings.HasSuffix(m.Headline, want)
		}) {
			t.Errorf("the report of %s offers no retroactive request", want)
		}
	}

	// Someone installs it in Zendesk: the next sync finds it.
	rf.emu.InstallApp("Region Router", 219001)
	for range 2 {
		syncNow()
	}
	if got := newReplies(router); !slices.Equal(got, []string{"⚠ Not found in Zendesk", "✅ Verified in Zendesk"}) {
		t.Errorf("after the install the thread got %q, want it verified once", got)
	}
	if v := get(t, a, router.ID).Verified; v == nil || !v.Found || v.SaaSID != 361234500005 {
		t.Errorf("router verified as %+v", v)
	}
	if got := chat.headlines(adminChannel); !slices.Equal(got, shadows) {
		t.Errorf("the approved install was reported: %q", got)
	}
}

// githubApps is a GitHub organisation's installed apps, as its connector
// lists them.
type githubApps []connector.Credential

func (g githubApps) ListCredentials(context.Context) []connector.CredentialList {
	return []connector.CredentialList{{Kind: string(credentials.App), Credentials: g}}
}

func (githubApps) RevokeCredential(context.Context, string, int64) error { return connector.ErrInvalid }

// brokenRecords cannot read a record.
type brokenRecords struct{ store.Records }

func (brokenRecords) GetRecord(context.Context, string, string) (store.Record, error) {
	return store.Record{}, errors.New("disk on fire")
}

// Each governed SaaS's installations are compared with the requests for
// apps in it: a GitHub App numbered like a Zendesk app is a shadow
// install of its own, reported once beside Zendesk's; an approved GitHub
// request covers its app in GitHub only; and one SaaS failing does not
// stop the other.
func TestInstallationsOfEachSaaS(t *testing.T) {
	const timesheetID = 361234500002 // Zendesk's Timesheet Helper
	hubApps := githubApps{
		{Kind: string(credentials.App), ID: timesheetID, Name: "acme-ci", Active: true},
		{Kind: string(credentials.App), ID: 55000003, Name: "legacy-deploy", Active: true},
		{Kind: string(credentials.App), ID: 55000004, Name: "timesheet-helper", Active: true},
	}
	tests := []struct {
		name   string
		broken string // the SaaS whose register cannot be read
		// reports are the admin channel's headlines that must be there
		// once; absent, that must not.
		reports, absent []string
		err             string
	}{
		{"both", "", []string{
			"GitHub App installed without an approved request: acme-ci",
			"GitHub App installed without an approved request: timesheet-helper",
			"App installed without an approved request: Timesheet Helper",
		}, []string{"GitHub App installed without an approved request: legacy-deploy"}, ""},
		{"GitHub's register unreadable", connector.GitHub, []string{
			"App installed without an approved request: Timesheet Helper",
		}, []string{"GitHub App installed without an approved request: acme-ci"}, "GitHub installations: disk on fire"},
		{"Zendesk's register unreadable", connector.Zendesk, []string{
			"GitHub App installed without an approved request: acme-ci",
		}, []string{"App installed without an approved request: Timesheet Helper"}, "Zendesk installations: disk on fire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rf := newReviewFixture(t)
			ctx := t.Context()
			tk := rf.tokens(t, "replica-1")
			if err := tk.Inventory(ctx); err != nil {
				t.Fatal(err)
			}
			hub := &credentials.Service{Records: rf.store, Audit: rf.store, Snapshots: rf.store, SaaS: connector.GitHub,
				Connector: hubApps, Now: func() time.Time { return rf.clock }, Policy: credentials.Policy{Location: time.UTC, UnusedDays: 90}}
			if _, err := hub.Sync(ctx, hubApps, "acme"); err != nil {
				t.Fatal(err)
			}
			switch tt.broken {
			case connector.GitHub:
				hub.Records = brokenRecords{rf.store}
			case connector.Zendesk:
				tk.Service.Records = brokenRecords{rf.store}
			}
			f := newApprovalFixture(t, rf.store)
			chat := &channelled{thread: f.chat, to: map[string][]bot.Message{}}
			a := f.replica("replica-1", []string{priya})
			a.Notifier, a.AdminChannel = chat, adminChannel
			a.Inventories = []*credentials.Service{hub, tk.Service}
			// An approved request for legacy-deploy in GitHub.
			answers := approvals.Answers{approvals.FieldSaaS: connector.GitHub, approvals.FieldData: approvals.DataNone}
			for k, v := range appAnswers {
				answers[k] = v
			}
			answers[approvals.FieldApp], answers[approvals.FieldScopes] = "Legacy Deploy", "contents:write"
			r, err := a.Service.Submit(ctx, approvals.App.Name, approvals.Actor{Email: omar}, answers, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Service.Approve(ctx, r.ID, approvals.Actor{Email: priya}); err != nil {
				t.Fatal(err)
			}

			var first []string
			for run := range 2 {
				err := a.Installations(ctx)
				if tt.err == "" && err != nil {
					t.Fatalf("run %d: %v", run+1, err)
				}
				if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
					t.Errorf("run %d: error %v, want %q", run+1, err, tt.err)
				}
				got := chat.headlines(adminChannel)
				if run == 0 {
					first = got
				} else if !slices.Equal(got, first) {
					t.Errorf("the second run reported again: %q, after %q", got, first)
				}
			}
			got := chat.headlines(adminChannel)
			for _, want := range tt.reports {
				if n := countOf(got, want); n != 1 {
					t.Errorf("%q reported %d times, want once (all: %q)", want, n, got)
				}
			}
			for _, no := range tt.absent {
				if slices.Contains(got, no) {
					t.Errorf("%q reported", no)
				}
			}
			// The buttons tell the installations of the same number apart.
			chat.mu.Lock()
			reports := slices.Clone(chat.to[adminChannel])
			chat.mu.Unlock()
			for _, m := range reports {
				want := "361234500002"
				if strings.HasPrefix(m.Headline, "GitHub App") {
					want = "github:361234500002"
				}
				if strings.HasSuffix(m.Headline, ": acme-ci") || strings.HasSuffix(m.Headline, ": Timesheet Helper") {
					if len(m.Buttons) == 0 || m.Buttons[0].Value != want {
						t.Errorf("%q offers %+v, want buttons for %s", m.Headline, m.Buttons, want)
					}
				}
			}
		})
	}
}

func countOf(all []string, s string) int {
	n := 0
	for _, a := range all {
		if a == s {
			n++
		}
	}
	return n
}

// Also runs each part after the definition, in order, whatever the others
// returned, and the run fails with every error.
func TestAlsoRunsEveryPart(t *testing.T) {
	errDef, errFirst, errLast := errors.New("review reminders failed"), errors.New("first part failed"), errors.New("last part failed")
	var ran []string
	at := time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC)
	step := func(name string, err error) func(context.Context, time.Time) error {
		return func(_ context.Context, now time.Time) error {
			if !now.Equal(at) {
				t.Errorf("%s ran at %v, want the run's %v", name, now, at)
			}
			ran = append(ran, name)
			return err
		}
	}
	def := jobs.Definition{Name: jobs.NameReminders, Description: "reminders", Run: step("definition", errDef)}
	got := jobs.Also(def, step("first", errFirst), step("middle", nil), step("last", errLast))
	if got.Name != def.Name || got.Description != def.Description {
		t.Errorf("Also renamed the job: %+v", got)
	}
	err := got.Run(t.Context(), at)
	for _, want := range []error{errDef, errFirst, errLast} {
		if !errors.Is(err, want) {
			t.Errorf("run error %v does not hold %v", err, want)
		}
	}
	if want := []string{"definition", "first", "middle", "last"}; !slices.Equal(ran, want) {
		t.Errorf("ran %v, want %v", ran, want)
	}

	ran = nil
	ok := jobs.Also(jobs.Definition{Name: jobs.NameReminders, Run: step("definition", nil)}, step("first", nil))
	if err := ok.Run(t.Context(), at); err != nil || len(ran) != 2 {
		t.Errorf("a run where everything succeeds: %v, ran %v", err, ran)
	}
}

// A run cut short (shutdown, or the job lock lost) skips the parts left;
// the run must then fail, or the runner records a run that did not do
// its work as a success.
func TestAlsoFailsWhenPartsAreSkipped(t *testing.T) {
	ctx, cancel := context.WithCancelCause(t.Context())
	lost := errors.New("lock lost")
	ran := false
	def := jobs.Definition{Name: jobs.NameReminders, Run: func(context.Context, time.Time) error {
		cancel(lost)
		return nil
	}}
	err := jobs.Also(def, func(context.Context, time.Time) error { ran = true; return nil }).Run(ctx, time.Now())
	if ran {
		t.Fatal("a part ran after the run was cancelled")
	}
	if !errors.Is(err, lost) {
		t.Errorf("a run whose part was skipped returned %v, want the cancellation's cause", err)
	}
}
