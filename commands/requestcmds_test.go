package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/prompts"
)

// The approvals policy's people besides acmeAdmin (dana, its admin) and
// acmeLee (in no list of it).
const (
	acmePriya = "priya@acme.example" // the policy's approver
	acmeRiley = "riley@acme.example" // asks for things, approves nothing
)

const approvalsChannel = "C0APPROVALS"

// slackShadow is the installation the shadow tests find in Zendesk.
const slackShadow int64 = 361234500001

// zendeskShadow and githubShadow name an installation in each SaaS.
func zendeskShadow(id int64) approvals.ShadowKey {
	return approvals.ShadowKey{SaaS: connector.Zendesk, ID: id}
}

func githubShadow(id int64) approvals.ShadowKey {
	return approvals.ShadowKey{SaaS: connector.GitHub, ID: id}
}

type requestFixture struct {
	*fixture
	svc    *approvals.Service
	router *Router

	mu      sync.Mutex
	clock   time.Time
	changed []string // ids ApprovalChanged was told about
}

// newRequestFixture builds the commands over an approvals service on a
// real store; edit changes the policy first.
func newRequestFixture(t *testing.T, edit ...func(*approvals.Policy)) *requestFixture {
	t.Helper()
	f := &requestFixture{fixture: newFixture(t, nil), clock: now}
	p := approvals.Policy{
		Location: f.deps.Policy.Location, Channel: approvalsChannel,
		Admins: []string{acmeAdmin}, Approvers: []string{acmePriya}, HighRiskApprovals: 2,
	}
	for _, e := range edit {
		e(&p)
	}
	f.svc = &approvals.Service{Records: f.store, Audit: f.store, Policy: p, Now: f.now, Holder: "test"}
	f.deps.Admins = []string{acmeAdmin}
	f.deps.Now = f.now
	f.deps.Approvals = f.svc
	f.deps.ApprovalChanged = func(_ context.Context, id string) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.changed = append(f.changed, id)
	}
	var err error
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *requestFixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clock
}

func (f *requestFixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = f.clock.Add(d)
}

func (f *requestFixture) told() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.changed)
}

func (f *requestFixture) submit(who, formID, recordID string, values map[string]string) bot.Message {
	return f.router.Handle(context.Background(), bot.Request{Platform: bot.PlatformSlack, User: user(who),
		Form: &bot.FormSubmission{FormID: formID, RecordID: recordID, Values: values}})
}

// open submits a request through the service, as if its form had been
// sent; going round the commands, it tells ApprovalChanged nothing.
func (f *requestFixture) open(t *testing.T, who, kind string, values map[string]string) approvals.Request {
	t.Helper()
	r, err := f.svc.Submit(t.Context(), kind, approvals.Actor{Email: who}, approvals.Answers(values), 0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *requestFixture) get(t *testing.T, id string) approvals.Request {
	t.Helper()
	r, err := f.svc.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *requestFixture) all(t *testing.T) []approvals.Request {
	t.Helper()
	rs, err := f.svc.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// unchanged runs do, which must be refused: it returns the one-line
// ephemeral answer, and fails the test when request id was written or
// ApprovalChanged was called.
func (f *requestFixture) unchanged(t *testing.T, id string, do func() bot.Message) string {
	t.Helper()
	before, told := f.get(t, id), len(f.told())
	line := errorLine(t, do())
	if after := f.get(t, id); after.Version != before.Version {
		t.Errorf("a refused act wrote %s: v%d → v%d (%s → %s)", id, before.Version, after.Version, before.State, after.State)
	}
	if n := len(f.told()); n != told {
		t.Errorf("a refused act told ApprovalChanged %v", f.told()[told:])
	}
	return line
}

// did runs do, which must succeed with a one-line ephemeral answer and
// tell ApprovalChanged about id once.
func (f *requestFixture) did(t *testing.T, id string, do func() bot.Message) string {
	t.Helper()
	told := len(f.told())
	line := errorLine(t, do())
	if got := f.told()[told:]; !slices.Equal(got, []string{id}) {
		t.Errorf("ApprovalChanged told %v, want [%s]", got, id)
	}
	return line
}

func set(field, value string) func(map[string]string) {
	return func(v map[string]string) { v[field] = value }
}

// appValues are a good app form's answers: a low-risk app owned by its
// requester, Riley.
func appValues(edits ...func(map[string]string)) map[string]string {
	v := map[string]string{
		approvals.FieldApp: "Salesforce Sync", approvals.FieldWhy: "Account owners see their customers' tickets in Salesforce",
		approvals.FieldData: approvals.DataTickets, approvals.FieldScopes: "read", approvals.FieldOwner: acmeRiley,
		approvals.FieldReview: "2027-02-01",
	}
	for _, e := range edits {
		e(v)
	}
	return v
}

// highApp makes an app high risk: it touches customer PII.
var highApp = set(approvals.FieldData, approvals.DataCustomerPII)

func changeValues(edits ...func(map[string]string)) map[string]string {
	v := map[string]string{
		approvals.FieldWhat: "Add a Region drop-down field to the ticket form", approvals.FieldWhy: "Agents type the region by hand",
		approvals.FieldTier: approvals.TierSuggest, approvals.FieldRollback: "", approvals.FieldReview: "2027-02-01",
	}
	for _, e := range edits {
		e(v)
	}
	return v
}

// goldenRequests is goldenJSON with request ids, which are random, named
// by their place in ids.
func goldenRequests(t *testing.T, m bot.Message, ids ...string) {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i, id := range ids {
		s = strings.ReplaceAll(s, id, fmt.Sprintf("REQ-ID%04d", i+1))
	}
	goldenJSON(t, json.RawMessage(s))
}

// TestRequestForms: request app and request change open their forms, for
// anyone with an email, while the policy names an approvals channel.
func TestRequestForms(t *testing.T) {
	f := newRequestFixture(t)

	app := ask(f.router, acmeRiley, "request app Salesforce Sync")
	if app.Form == nil || app.Form.ID != prompts.FormRequestPrefix+"app" || app.Form.RecordID != "" || app.Visibility != bot.Ephemeral {
		t.Fatalf("request app did not open the app form: %+v", app)
	}
	if in := app.Form.Inputs[0]; in.ID != approvals.FieldApp || in.Initial != "Salesforce Sync" {
		t.Errorf("first input %s = %q, want the app's name", in.ID, in.Initial)
	}
	t.Run("app form", func(t *testing.T) { goldenJSON(t, app) })

	if bare := ask(f.router, acmeRiley, "request app"); bare.Form == nil || bare.Form.Inputs[0].Initial != "" {
		t.Errorf("request app without a name: %+v", bare)
	}

	change := ask(f.router, acmeLee, "request change")
	if change.Form == nil || change.Form.ID != prompts.FormRequestPrefix+"change" || change.Visibility != bot.Ephemeral {
		t.Fatalf("request change did not open the change form: %+v", change)
	}
	t.Run("change form", func(t *testing.T) { goldenJSON(t, change) })

	refusals := []struct{ name, who, text, want string }{
		{"change takes no arguments", acmeRiley, "request change extra",
			"Usage error: request change takes no arguments: the form asks what changes, e.g. /warden request change"},
		{"app name too long", acmeRiley, "request app " + strings.Repeat("a", 101),
			"Usage error: an app name is at most 100 characters; this one is 101, e.g. /warden request app Salesforce Sync"},
		{"no email on the profile", nobody, "request app Salesforce Sync",
			"I could not find an email address on your chat profile, so approvers could not tell who asked"},
		{"no email, change form", nobody, "request change",
			"I could not find an email address on your chat profile, so approvers could not tell who asked"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			got := ask(f.router, r.who, r.text)
			if got.Form != nil {
				t.Errorf("a form opened: %+v", got.Form)
			}
			if line := errorLine(t, got); !strings.HasPrefix(line, r.want) {
				t.Errorf("reply %q, want %q", line, r.want)
			}
		})
	}
	if rs := f.all(t); len(rs) != 0 {
		t.Errorf("opening forms wrote %d requests", len(rs))
	}
}

// TestRequestsOffWithoutAChannel: a policy without an approvals channel
// has nowhere to decide requests, so no form opens and no form is taken.
func TestRequestsOffWithoutAChannel(t *testing.T) {
	f := newRequestFixture(t, func(p *approvals.Policy) { p.Channel = "" })
	const off = "Requests are off: no approvals channel is set. An admin sets approvals.channel in the policy file"
	for _, text := range []string{"request app Salesforce Sync", "request change"} {
		t.Run(text, func(t *testing.T) {
			got := ask(f.router, acmeRiley, text)
			if got.Form != nil {
				t.Errorf("a form opened: %+v", got.Form)
			}
			wantLine(t, got, off)
		})
	}
	t.Run("a form sent before the channel went", func(t *testing.T) {
		wantLine(t, f.submit(acmeRiley, prompts.FormRequestPrefix+"app", "", appValues()), off)
	})
	if rs := f.all(t); len(rs) != 0 {
		t.Errorf("%d requests written", len(rs))
	}
	if got := f.told(); len(got) != 0 {
		t.Errorf("ApprovalChanged told %v", got)
	}
}

// TestSubmitRequestForm: a good form opens a pending request and says so;
// a form the request cannot take comes back with the error on its field
// and what was typed, and writes nothing.
func TestSubmitRequestForm(t *testing.T) {
	bad := []struct {
		name   string
		kind   string
		values map[string]string
		field  string
		msg    string
	}{
		{"review date in the past", "app", appValues(set(approvals.FieldReview, "2026-11-01")), approvals.FieldReview, "Pick a date after today, such as 2027-02-18"},
		{"owner not an email", "app", appValues(set(approvals.FieldOwner, "riley at acme")), approvals.FieldOwner, "An email address such as dana@example.com"},
		{"no reason", "app", appValues(set(approvals.FieldWhy, " \n ")), approvals.FieldWhy, "Required: why we need it"},
		{"high-risk change without a rollback plan", "change", changeValues(set(approvals.FieldTier, "high")), approvals.FieldRollback,
			"A high-risk change needs a rollback plan: say how to undo it"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			f := newRequestFixture(t)
			got := f.submit(acmeRiley, prompts.FormRequestPrefix+b.kind, "", b.values)
			if got.Form == nil || got.Form.ID != prompts.FormRequestPrefix+b.kind || got.Visibility != bot.Ephemeral {
				t.Fatalf("the form did not come back: %+v", got)
			}
			for _, in := range got.Form.Inputs {
				switch {
				case in.ID == b.field && in.Error != b.msg:
					t.Errorf("error on %s = %q, want %q", in.ID, in.Error, b.msg)
				case in.ID != b.field && in.Error != "":
					t.Errorf("error on %s = %q, want none", in.ID, in.Error)
				}
				if v, ok := b.values[in.ID]; ok && in.Initial != v {
					t.Errorf("input %s lost what was typed: %q, want %q", in.ID, in.Initial, v)
				}
			}
			if rs := f.all(t); len(rs) != 0 {
				t.Errorf("a refused form wrote %d requests", len(rs))
			}
			if got := f.told(); len(got) != 0 {
				t.Errorf("a refused form told ApprovalChanged %v", got)
			}
			if b.kind == "app" && b.field == approvals.FieldReview {
				goldenJSON(t, got)
			}
		})
	}

	t.Run("accepted", func(t *testing.T) {
		f := newRequestFixture(t)
		got := f.submit(acmeRiley, prompts.FormRequestPrefix+"app", "", appValues(highApp))
		rs := f.all(t)
		if len(rs) != 1 {
			t.Fatalf("%d requests stored, want 1", len(rs))
		}
		r := rs[0]
		if r.State != approvals.Pending || r.Requester != acmeRiley || r.Kind != "app" || r.Needed != 2 || r.Title != "Install Salesforce Sync" {
			t.Errorf("stored %s %s by %s needing %d: %q", r.State, r.Kind, r.Requester, r.Needed, r.Title)
		}
		if got.Headline != "Sent for approval: "+r.ID || got.Visibility != bot.Ephemeral || got.Form != nil {
			t.Errorf("reply %+v, want the Submitted message", got)
		}
		wantField(t, got, "Approvals needed", "2")
		if told := f.told(); !slices.Equal(told, []string{r.ID}) {
			t.Errorf("ApprovalChanged told %v, want [%s]", told, r.ID)
		}
		goldenRequests(t, got, r.ID)
	})

	t.Run("a change", func(t *testing.T) {
		f := newRequestFixture(t)
		got := f.submit(acmeLee, prompts.FormRequestPrefix+"change", "", changeValues(set(approvals.FieldTier, "high"), set(approvals.FieldRollback, "Rename it back")))
		rs := f.all(t)
		if len(rs) != 1 || rs[0].Tier != approvals.High || rs[0].Owner != acmeLee || got.Headline != "Sent for approval: "+rs[0].ID {
			t.Fatalf("requests %+v, reply %+v", rs, got)
		}
	})

	t.Run("a form of no kind", func(t *testing.T) {
		f := newRequestFixture(t)
		if line := errorLine(t, f.submit(acmeRiley, prompts.FormRequestPrefix+"jit", "", appValues())); line != "That form is no longer in use. Run /warden help to see what you can do." {
			t.Errorf("reply %q", line)
		}
		if rs := f.all(t); len(rs) != 0 {
			t.Errorf("%d requests written", len(rs))
		}
	})
}

// TestApproveClicks: the thread's Approve button. Approvers approve,
// never their own request; every refusal is one private line and leaves
// the request as it was.
func TestApproveClicks(t *testing.T) {
	f := newRequestFixture(t)
	high := f.open(t, acmeRiley, "app", appValues(highApp))
	own := f.open(t, acmePriya, "app", appValues(set(approvals.FieldOwner, acmePriya)))

	refusals := []struct{ name, who, id, value, want string }{
		{"self-approval", acmeRiley, high.ID, high.ID, "Sorry, you asked for " + high.ID + ", so you cannot approve or deny it; another approver has to"},
		{"self-approval by an approver", acmePriya, own.ID, own.ID, "Sorry, you asked for " + own.ID + ", so you cannot approve or deny it; another approver has to"},
		{"not an approver", acmeLee, high.ID, high.ID, "Sorry, only approvers named in the policy and admins can decide app install requests"},
		{"no email", nobody, high.ID, high.ID, "Sorry, your chat profile has no email address, so I cannot tell whether you are an approver"},
		{"tampered id", acmePriya, high.ID, "REQ-bad", "Usage error: That button or form does not name a request; it may have been altered."},
		{"not an id", acmePriya, high.ID, "x", "Usage error: That button or form does not name a request; it may have been altered."},
		{"lower-case id", acmePriya, high.ID, strings.ToLower(high.ID), "Usage error: That button or form does not name a request; it may have been altered."},
		{"unknown id", acmePriya, high.ID, "REQ-AAAAAA", "No request REQ-AAAAAA; /warden request list shows yours"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			line := f.unchanged(t, r.id, func() bot.Message { return click(f.router, r.who, prompts.ActionRequestApprove, r.value) })
			if !strings.HasPrefix(line, r.want) {
				t.Errorf("reply %q, want %q", line, r.want)
			}
		})
	}

	t.Run("high risk needs two", func(t *testing.T) {
		line := f.did(t, high.ID, func() bot.Message { return click(f.router, acmeAdmin, prompts.ActionRequestApprove, high.ID) })
		if want := "You approved " + high.ID + " (1 of 2); it needs 1 more."; line != want {
			t.Errorf("first approval: %q, want %q", line, want)
		}
		if r := f.get(t, high.ID); r.State != approvals.Pending || !r.ApprovedBy(acmeAdmin) {
			t.Errorf("after one of two: %s, approvals %+v", r.State, r.Approvals)
		}

		line = f.unchanged(t, high.ID, func() bot.Message { return click(f.router, acmeAdmin, prompts.ActionRequestApprove, high.ID) })
		if want := "You already approved " + high.ID + "; an approval counts once"; line != want {
			t.Errorf("second approval by the same person: %q, want %q", line, want)
		}

		line = f.did(t, high.ID, func() bot.Message { return click(f.router, acmePriya, prompts.ActionRequestApprove, high.ID) })
		if want := "You approved " + high.ID + ": that makes 2 of 2, and it is approved."; line != want {
			t.Errorf("second approval: %q, want %q", line, want)
		}
		if r := f.get(t, high.ID); r.State != approvals.Approved || len(r.Approvals) != 2 {
			t.Errorf("after two of two: %s, approvals %+v", r.State, r.Approvals)
		}
	})

	t.Run("the owner alone is not enough", func(t *testing.T) {
		// Priya owns what Riley asks for: her approval counts, but
		// someone else has to approve too.
		r := f.open(t, acmeRiley, "app", appValues(set(approvals.FieldOwner, acmePriya)))
		line := f.did(t, r.ID, func() bot.Message { return click(f.router, acmePriya, prompts.ActionRequestApprove, r.ID) })
		if want := "You approved " + r.ID + " (1 of 2); it still needs an approval from someone other than its owner, " + acmePriya + "."; line != want {
			t.Errorf("the owner's approval: %q, want %q", line, want)
		}
		line = f.did(t, r.ID, func() bot.Message { return click(f.router, acmeAdmin, prompts.ActionRequestApprove, r.ID) })
		if !strings.HasPrefix(line, "You approved "+r.ID) || !strings.Contains(line, "it is approved") {
			t.Errorf("the second approval: %q", line)
		}
		// Two approvals of the one needed: "2 of 1" reads as a miscount.
		if strings.Contains(line, "2 of 1") {
			t.Errorf("the second approval is counted as %q", line)
		}
	})

	t.Run("no longer pending", func(t *testing.T) {
		want := high.ID + " is already approved by " + acmeAdmin + ", " + acmePriya + "; nothing changed"
		for _, who := range []string{acmePriya, acmeAdmin, acmeLee, acmeRiley} {
			if line := f.unchanged(t, high.ID, func() bot.Message { return click(f.router, who, prompts.ActionRequestApprove, high.ID) }); line != want {
				t.Errorf("%s: %q, want %q", who, line, want)
			}
		}
	})
}

// TestDenyClicks: Deny and Ask open their forms for approvers only; a
// denial needs a reason, and a denied request takes nothing more.
func TestDenyClicks(t *testing.T) {
	f := newRequestFixture(t)
	r := f.open(t, acmeRiley, "app", appValues())

	for _, action := range []string{prompts.ActionRequestDeny, prompts.ActionRequestAsk} {
		t.Run(action, func(t *testing.T) {
			got := click(f.router, acmePriya, action, r.ID)
			want := map[string]string{prompts.ActionRequestDeny: prompts.FormRequestDeny, prompts.ActionRequestAsk: prompts.FormRequestAsk}[action]
			if got.Form == nil || got.Form.ID != want || got.Form.RecordID != r.ID || got.Visibility != bot.Ephemeral {
				t.Fatalf("an approver's click did not open %s: %+v", want, got)
			}
			goldenRequests(t, got, r.ID)
			for who, line := range map[string]string{
				acmeRiley: "Sorry, you asked for " + r.ID + ", so you cannot approve or deny it; another approver has to",
				acmeLee:   "Sorry, only approvers named in the policy and admins can decide app install requests",
			} {
				if got := f.unchanged(t, r.ID, func() bot.Message { return click(f.router, who, action, r.ID) }); got != line {
					t.Errorf("%s: %q, want %q", who, got, line)
				}
			}
			for _, v := range []string{"REQ-bad", "x"} {
				if got := f.unchanged(t, r.ID, func() bot.Message { return click(f.router, acmePriya, action, v) }); !strings.Contains(got, "does not name a request") {
					t.Errorf("%q: %q", v, got)
				}
			}
			if got := f.unchanged(t, r.ID, func() bot.Message { return click(f.router, acmePriya, action, "REQ-AAAAAA") }); got != "No request REQ-AAAAAA; /warden request list shows yours" {
				t.Errorf("unknown id: %q", got)
			}
		})
	}

	t.Run("deny without a reason", func(t *testing.T) {
		before := f.get(t, r.ID)
		got := f.submit(acmePriya, prompts.FormRequestDeny, r.ID, map[string]string{prompts.InputDenyReason: "   "})
		if got.Form == nil || got.Form.ID != prompts.FormRequestDeny || got.Form.RecordID != r.ID || len(got.Form.Inputs) != 1 {
			t.Fatalf("the deny form did not come back: %+v", got)
		}
		if in := got.Form.Inputs[0]; in.ID != prompts.InputDenyReason || in.Error != "Say why, so the requester knows what to change" || in.Initial != "   " {
			t.Errorf("reason input %+v", in)
		}
		if after := f.get(t, r.ID); after.Version != before.Version {
			t.Errorf("a denial without a reason wrote the request: v%d → v%d", before.Version, after.Version)
		}
		if told := f.told(); len(told) != 0 {
			t.Errorf("ApprovalChanged told %v", told)
		}
	})

	t.Run("deny by the requester", func(t *testing.T) {
		line := f.unchanged(t, r.ID, func() bot.Message {
			return f.submit(acmeRiley, prompts.FormRequestDeny, r.ID, map[string]string{prompts.InputDenyReason: "Changed my mind"})
		})
		if !strings.HasPrefix(line, "Sorry, you asked for "+r.ID) {
			t.Errorf("reply %q", line)
		}
	})

	t.Run("deny with a reason", func(t *testing.T) {
		line := f.did(t, r.ID, func() bot.Message {
			return f.submit(acmePriya, prompts.FormRequestDeny, r.ID, map[string]string{prompts.InputDenyReason: "We use the Salesforce connector already"})
		})
		if want := "You denied " + r.ID + "; the requester has been told why."; line != want {
			t.Errorf("reply %q, want %q", line, want)
		}
		got := f.get(t, r.ID)
		if got.State != approvals.Denied || got.Denial == nil || got.Denial.By != acmePriya || got.Denial.Text != "We use the Salesforce connector already" {
			t.Errorf("stored %s, denial %+v", got.State, got.Denial)
		}
	})

	t.Run("a denied request takes nothing more", func(t *testing.T) {
		want := r.ID + " is already denied by " + acmePriya + "; nothing changed"
		for _, action := range []string{prompts.ActionRequestApprove, prompts.ActionRequestDeny, prompts.ActionRequestAsk} {
			if line := f.unchanged(t, r.ID, func() bot.Message { return click(f.router, acmeAdmin, action, r.ID) }); line != want {
				t.Errorf("%s: %q, want %q", action, line, want)
			}
		}
		line := f.unchanged(t, r.ID, func() bot.Message {
			return f.submit(acmeAdmin, prompts.FormRequestDeny, r.ID, map[string]string{prompts.InputDenyReason: "Also no"})
		})
		if line != want {
			t.Errorf("a second denial: %q, want %q", line, want)
		}
		if line := f.unchanged(t, r.ID, func() bot.Message { return ask(f.router, acmeRiley, "request cancel "+r.ID) }); line != want {
			t.Errorf("cancel of a denied request: %q, want %q", line, want)
		}
	})
}

// TestQuestionAndAnswer: an approver asks, only the requester answers,
// from the Answer button of their direct message.
func TestQuestionAndAnswer(t *testing.T) {
	f := newRequestFixture(t)
	r := f.open(t, acmeRiley, "app", appValues())

	if line := f.unchanged(t, r.ID, func() bot.Message { return click(f.router, acmeRiley, prompts.ActionRequestAnswer, r.ID) }); line != r.ID+" has no open question: every question is answered" {
		t.Errorf("Answer before any question: %q", line)
	}

	got := f.submit(acmePriya, prompts.FormRequestAsk, r.ID, map[string]string{prompts.InputQuestion: ""})
	if got.Form == nil || got.Form.Inputs[0].Error != "Write the question for the requester" {
		t.Errorf("an empty question was taken: %+v", got)
	}
	if line := f.unchanged(t, r.ID, func() bot.Message {
		return f.submit(acmeLee, prompts.FormRequestAsk, r.ID, map[string]string{prompts.InputQuestion: "Who pays?"})
	}); !strings.HasPrefix(line, "Sorry, only approvers named in the policy") {
		t.Errorf("a question from a non-approver: %q", line)
	}

	line := f.did(t, r.ID, func() bot.Message {
		return f.submit(acmePriya, prompts.FormRequestAsk, r.ID, map[string]string{prompts.InputQuestion: "Does it need write access later?"})
	})
	if want := "Your question is in " + r.ID + "'s thread and with its requester."; line != want {
		t.Errorf("reply %q, want %q", line, want)
	}
	if q := f.get(t, r.ID); len(q.Questions) != 1 || q.Questions[0].By != acmePriya || q.OpenQuestion() != 0 || q.State != approvals.Pending {
		t.Fatalf("questions %+v", q.Questions)
	}

	for _, who := range []string{acmePriya, acmeLee, acmeAdmin} {
		if line := f.unchanged(t, r.ID, func() bot.Message { return click(f.router, who, prompts.ActionRequestAnswer, r.ID) }); line != "Only "+acmeRiley+", who asked for "+r.ID+", can answer its questions" {
			t.Errorf("%s pressed Answer: %q", who, line)
		}
	}
	form := click(f.router, acmeRiley, prompts.ActionRequestAnswer, r.ID)
	if form.Form == nil || form.Form.ID != prompts.FormRequestAnswer || form.Form.RecordID != r.ID || !strings.Contains(form.Form.Inputs[0].Hint, "Does it need write access later?") {
		t.Fatalf("Answer did not open the answer form with the question: %+v", form)
	}
	t.Run("answer form", func(t *testing.T) { goldenRequests(t, form, r.ID) })

	empty := f.submit(acmeRiley, prompts.FormRequestAnswer, r.ID, map[string]string{prompts.InputAnswer: " "})
	if empty.Form == nil || empty.Form.Inputs[0].Error != "Write your answer" {
		t.Errorf("an empty answer was taken: %+v", empty)
	}
	if line := f.unchanged(t, r.ID, func() bot.Message {
		return f.submit(acmePriya, prompts.FormRequestAnswer, r.ID, map[string]string{prompts.InputAnswer: "No"})
	}); !strings.Contains(line, "only "+acmeRiley+", who asked for "+r.ID+", can answer its questions") {
		t.Errorf("an answer from the approver: %q", line)
	}

	line = f.did(t, r.ID, func() bot.Message {
		return f.submit(acmeRiley, prompts.FormRequestAnswer, r.ID, map[string]string{prompts.InputAnswer: "No, read is all it ever needs"})
	})
	if want := "Your answer is in " + r.ID + "'s thread."; line != want {
		t.Errorf("reply %q, want %q", line, want)
	}
	answered := f.get(t, r.ID)
	if a := answered.Questions[0].Answer; a == nil || a.By != acmeRiley || a.Text != "No, read is all it ever needs" || answered.OpenQuestion() != -1 {
		t.Errorf("answer stored as %+v", answered.Questions)
	}
	if line := f.unchanged(t, r.ID, func() bot.Message { return click(f.router, acmeRiley, prompts.ActionRequestAnswer, r.ID) }); !strings.Contains(line, "has no open question") {
		t.Errorf("Answer after answering: %q", line)
	}
}

// TestCancelRequest: only the requester withdraws a pending request, by
// command or by the button of request show.
func TestCancelRequest(t *testing.T) {
	f := newRequestFixture(t)
	r := f.open(t, acmeRiley, "app", appValues())
	other := f.open(t, acmeRiley, "change", changeValues())

	for _, who := range []string{acmeLee, acmePriya, acmeAdmin} {
		want := "Sorry, only " + acmeRiley + ", who asked for " + r.ID + ", can cancel it"
		if line := f.unchanged(t, r.ID, func() bot.Message { return ask(f.router, who, "request cancel "+r.ID) }); line != want {
			t.Errorf("%s: %q, want %q", who, line, want)
		}
		if line := f.unchanged(t, r.ID, func() bot.Message { return click(f.router, who, prompts.ActionRequestCancel, r.ID) }); line != want {
			t.Errorf("%s by button: %q, want %q", who, line, want)
		}
	}
	for text, want := range map[string]string{
		"request cancel":                      "Usage error: request cancel takes one request ID, such as REQ-7KQ2MX",
		"request cancel nonsense":             `Usage error: "nonsense" is not a request ID`,
		"request cancel " + r.ID + " " + r.ID: "Usage error: request cancel takes one request ID",
		"request cancel REQ-AAAAAA":           "No request REQ-AAAAAA; /warden request list shows yours",
	} {
		if line := f.unchanged(t, r.ID, func() bot.Message { return ask(f.router, acmeRiley, text) }); !strings.HasPrefix(line, want) {
			t.Errorf("%q: %q, want %q", text, line, want)
		}
	}

	// IDs are read as typed: people write them in lower case.
	line := f.did(t, r.ID, func() bot.Message { return ask(f.router, acmeRiley, "request cancel "+strings.ToLower(r.ID)) })
	if want := "You cancelled " + r.ID + "; the approvers' thread says so."; line != want {
		t.Errorf("reply %q, want %q", line, want)
	}
	if got := f.get(t, r.ID); got.State != approvals.Cancelled || got.Closed == nil || got.Closed.By != acmeRiley {
		t.Errorf("stored %s closed by %+v", got.State, got.Closed)
	}
	if line := f.unchanged(t, r.ID, func() bot.Message { return ask(f.router, acmeRiley, "request cancel "+r.ID) }); line != r.ID+" is already cancelled by "+acmeRiley+"; nothing changed" {
		t.Errorf("second cancel: %q", line)
	}
	if line := f.unchanged(t, r.ID, func() bot.Message { return click(f.router, acmePriya, prompts.ActionRequestApprove, r.ID) }); line != r.ID+" is already cancelled by "+acmeRiley+"; nothing changed" {
		t.Errorf("approval of a cancelled request: %q", line)
	}

	f.did(t, other.ID, func() bot.Message { return click(f.router, acmeRiley, prompts.ActionRequestCancel, other.ID) })
	if got := f.get(t, other.ID); got.State != approvals.Cancelled {
		t.Errorf("the Cancel button left %s %s", other.ID, got.State)
	}
}

// TestMarkInstalled: once approved, an app is marked installed by its
// requester, owner or an approver, once.
func TestMarkInstalled(t *testing.T) {
	f := newRequestFixture(t)
	r := f.open(t, acmeRiley, "app", appValues())
	f.did(t, r.ID, func() bot.Message { return click(f.router, acmePriya, prompts.ActionRequestApprove, r.ID) })

	if line := f.unchanged(t, r.ID, func() bot.Message { return click(f.router, acmeLee, prompts.ActionRequestDone, r.ID) }); line != "Sorry, only an approver, the owner or the requester of "+r.ID+" can mark it done" {
		t.Errorf("a stranger marked it installed: %q", line)
	}
	line := f.did(t, r.ID, func() bot.Message { return click(f.router, acmeRiley, prompts.ActionRequestDone, r.ID) })
	if want := "Marked " + r.ID + " installed; the next sync checks Zendesk has it."; line != want {
		t.Errorf("reply %q, want %q", line, want)
	}
	if got := f.get(t, r.ID); got.State != approvals.Done || got.Closed == nil || got.Closed.By != acmeRiley {
		t.Errorf("stored %s, closed %+v", got.State, got.Closed)
	}
	if line := f.unchanged(t, r.ID, func() bot.Message { return click(f.router, acmePriya, prompts.ActionRequestDone, r.ID) }); line != r.ID+" is already done by "+acmeRiley+"; nothing changed" {
		t.Errorf("marked twice: %q", line)
	}
}

// TestReviewButtons: at a change's review date its owner keeps it, rolls
// it back or extends the review; nobody else but an admin may.
func TestReviewButtons(t *testing.T) {
	f := newRequestFixture(t)
	approved := func() approvals.Request {
		t.Helper()
		r := f.open(t, acmeRiley, "change", changeValues())
		if _, err := f.svc.Approve(t.Context(), r.ID, approvals.Actor{Email: acmePriya}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := approved()

	for _, action := range []string{prompts.ActionRequestKeep, prompts.ActionRequestRollBack} {
		want := "Sorry, only " + acmeRiley + ", who owns " + r.ID + ", or an admin can decide its review"
		for _, who := range []string{acmeLee, acmePriya} {
			if line := f.unchanged(t, r.ID, func() bot.Message { return click(f.router, who, action, r.ID) }); line != want {
				t.Errorf("%s by %s: %q, want %q", action, who, line, want)
			}
		}
	}

	form := click(f.router, acmeRiley, prompts.ActionRequestExtend, r.ID)
	if form.Form == nil || form.Form.ID != prompts.FormRequestExtend || form.Form.RecordID != r.ID || form.Form.Inputs[0].Initial != "2027-02-18" {
		t.Fatalf("Extend did not open its form 90 days out: %+v", form)
	}
	bad := f.submit(acmeRiley, prompts.FormRequestExtend, r.ID, map[string]string{prompts.InputUntil: "2026-11-01"})
	if bad.Form == nil || bad.Form.Inputs[0].Error != "Pick a date after today, such as 2027-02-18" || bad.Form.Inputs[0].Initial != "2026-11-01" {
		t.Errorf("a past date was taken: %+v", bad)
	}
	if line := f.unchanged(t, r.ID, func() bot.Message {
		return f.submit(acmeLee, prompts.FormRequestExtend, r.ID, map[string]string{prompts.InputUntil: "2027-03-01"})
	}); !strings.HasPrefix(line, "Sorry, only "+acmeRiley+", who owns") {
		t.Errorf("an extension by a stranger: %q", line)
	}
	line := f.did(t, r.ID, func() bot.Message {
		return f.submit(acmeRiley, prompts.FormRequestExtend, r.ID, map[string]string{prompts.InputUntil: "2027-03-01"})
	})
	if want := r.ID + " is extended; you will be asked again on 1 Mar 2027."; line != want {
		t.Errorf("reply %q, want %q", line, want)
	}
	if got := f.get(t, r.ID); got.State != approvals.Approved || got.ReviewOn.Format(time.DateOnly) != "2027-03-01" {
		t.Errorf("stored %s, review on %v", got.State, got.ReviewOn)
	}

	line = f.did(t, r.ID, func() bot.Message { return click(f.router, acmeRiley, prompts.ActionRequestKeep, r.ID) })
	if want := r.ID + " kept: the request is done."; line != want {
		t.Errorf("reply %q, want %q", line, want)
	}
	if got := f.get(t, r.ID); got.State != approvals.Done {
		t.Errorf("kept change is %s", got.State)
	}

	rolled := approved()
	line = f.did(t, rolled.ID, func() bot.Message { return click(f.router, acmeAdmin, prompts.ActionRequestRollBack, rolled.ID) })
	if want := rolled.ID + " recorded as rolled back."; line != want {
		t.Errorf("reply %q, want %q", line, want)
	}
	if got := f.get(t, rolled.ID); got.State != approvals.RolledBack || got.Closed == nil || got.Closed.By != acmeAdmin {
		t.Errorf("stored %s closed %+v", got.State, got.Closed)
	}
	if line := f.unchanged(t, rolled.ID, func() bot.Message { return click(f.router, acmeRiley, prompts.ActionRequestExtend, rolled.ID) }); line != rolled.ID+" is already rolled back by "+acmeAdmin+"; nothing changed" {
		t.Errorf("Extend after the roll-back: %q", line)
	}

	// An installed app is reviewed too; its owner keeps it once, and a
	// second click (a double click, Slack's retry) changes nothing.
	t.Run("an installed app is kept once", func(t *testing.T) {
		app := f.open(t, acmeRiley, "app", appValues())
		if _, err := f.svc.Approve(t.Context(), app.ID, approvals.Actor{Email: acmePriya}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.MarkDone(t.Context(), app.ID, approvals.Actor{Email: acmeRiley}); err != nil {
			t.Fatal(err)
		}
		if line := f.unchanged(t, app.ID, func() bot.Message { return click(f.router, acmeLee, prompts.ActionRequestKeep, app.ID) }); !strings.HasPrefix(line, "Sorry, only "+acmeRiley+", who owns") {
			t.Errorf("a stranger kept it: %q", line)
		}
		line := f.did(t, app.ID, func() bot.Message { return click(f.router, acmeRiley, prompts.ActionRequestKeep, app.ID) })
		if line != app.ID+" kept: the request is done." {
			t.Errorf("reply %q", line)
		}
		kept := f.get(t, app.ID)
		if kept.State != approvals.Done || !kept.ReviewOn.IsZero() {
			t.Errorf("kept app stored %s with review on %v", kept.State, kept.ReviewOn)
		}
		line = f.unchanged(t, app.ID, func() bot.Message { return click(f.router, acmeRiley, prompts.ActionRequestKeep, app.ID) })
		if !strings.Contains(line, "nothing changed") {
			t.Errorf("a second Keep: %q, want it refused", line)
		}
		if n := len(f.get(t, app.ID).Outbox) - len(kept.Outbox); n != 0 {
			t.Errorf("a second Keep queued %d more notices", n)
		}
	})
}

// TestShadowButtons: the report of an app installed without an approved
// request. Only admins flag it; anyone may open a retroactive request,
// which the form then carries.
func TestShadowButtons(t *testing.T) {
	f := newRequestFixture(t)
	ctx := t.Context()
	if _, err := f.svc.Installations(ctx, connector.Zendesk, []approvals.Installation{{ID: slackShadow, Name: "Slack for Zendesk Support"}}); err != nil {
		t.Fatal(err)
	}
	value := fmt.Sprint(slackShadow)
	shadow := func() approvals.Shadow {
		t.Helper()
		sh, err := f.svc.ShadowInstall(ctx, zendeskShadow(slackShadow))
		if err != nil {
			t.Fatal(err)
		}
		return sh
	}
	before := shadow()

	for _, who := range []string{acmeLee, acmePriya, acmeRiley} {
		wantLine(t, click(f.router, who, prompts.ActionShadowFlag, value), "Sorry, only admins can flag an installation for removal")
	}
	for v, want := range map[string]string{
		"abc": "does not name a request", "0": "does not name a request", "-5": "does not name a request", "REQ-AAAAAA": "does not name a request",
		"github:": "does not name a request", "slack:5": "does not name a request", "shadow:42": "does not name a request",
		"42":                      "That installation is not on the list of unapproved installs; the next sync reports what it finds",
		"github:" + value:         "That installation is not on the list of unapproved installs",
		"zendesk:" + value + "99": "That installation is not on the list of unapproved installs",
	} {
		for _, action := range []string{prompts.ActionShadowFlag, prompts.ActionShadowRequest} {
			if line := errorLine(t, click(f.router, acmeAdmin, action, v)); !strings.Contains(line, want) {
				t.Errorf("%s %q: %q, want %q", action, v, line, want)
			}
		}
	}
	if sh := shadow(); sh.Version != before.Version || sh.Flagged != nil {
		t.Errorf("refused flags wrote the shadow: %+v", sh)
	}

	flagged := click(f.router, acmeAdmin, prompts.ActionShadowFlag, value)
	if flagged.Delivery != bot.ReplaceOriginal || flagged.Headline != "App installed without an approved request: Slack for Zendesk Support" {
		t.Fatalf("flag did not redraw the report: %+v", flagged)
	}
	mustSay(t, flagged, "Flagged for removal by "+acmeAdmin)
	if slices.ContainsFunc(flagged.Buttons, func(b bot.Button) bool { return b.ActionID == prompts.ActionShadowFlag }) {
		t.Errorf("a flagged report still offers Flag: %+v", flagged.Buttons)
	}
	t.Run("flagged", func(t *testing.T) { goldenJSON(t, flagged) })
	if sh := shadow(); sh.Flagged == nil || sh.Flagged.By != acmeAdmin {
		t.Errorf("stored %+v", sh)
	}

	form := click(f.router, acmeRiley, prompts.ActionShadowRequest, value)
	if form.Form == nil || form.Form.ID != prompts.FormRequestPrefix+"app" || form.Form.RecordID != prompts.ShadowRecord(zendeskShadow(slackShadow)) {
		t.Fatalf("Open a retroactive request did not open the app form for the installation: %+v", form)
	}
	if in := form.Form.Inputs[0]; in.Initial != "Slack for Zendesk Support" {
		t.Errorf("app name %q, want the installation's", in.Initial)
	}
	if in := formInput(t, *form.Form, approvals.FieldSaaS); in.Initial != connector.Zendesk {
		t.Errorf("where = %q, want zendesk", in.Initial)
	}
	if line := errorLine(t, click(f.router, nobody, prompts.ActionShadowRequest, value)); !strings.Contains(line, "no email address") && !strings.Contains(line, "could not find an email address") {
		t.Errorf("no email: %q", line)
	}

	sent := f.submit(acmeRiley, form.Form.ID, form.Form.RecordID, appValues(set(approvals.FieldApp, "Slack for Zendesk Support")))
	rs := f.all(t)
	if len(rs) != 1 || sent.Headline != "Sent for approval: "+rs[0].ID {
		t.Fatalf("retroactive request %+v, reply %+v", rs, sent)
	}
	if k, ok := rs[0].Retroactive(); !ok || k != zendeskShadow(slackShadow) || rs[0].SaaS() != connector.Zendesk {
		t.Errorf("retroactive for %+v (%v), in %s", k, ok, rs[0].SaaS())
	}
	mustSay(t, sent, fmt.Sprintf("It is retroactive for installation %d", slackShadow))
	if told := f.told(); !slices.Equal(told, []string{rs[0].ID}) {
		t.Errorf("ApprovalChanged told %v, want [%s]", told, rs[0].ID)
	}
	if sh := shadow(); sh.Request != rs[0].ID {
		t.Errorf("the shadow links %q, want %s", sh.Request, rs[0].ID)
	}
	again := f.submit(acmeLee, form.Form.ID, form.Form.RecordID, appValues(set(approvals.FieldApp, "Slack for Zendesk Support")))
	if line := errorLine(t, again); line != "Sorry, Slack for Zendesk Support already has request "+rs[0].ID+" (pending)" {
		t.Errorf("a second retroactive request: %q", line)
	}
	if n := len(f.all(t)); n != 1 {
		t.Errorf("%d requests stored, want 1", n)
	}
}

// formInput is the form's input id.
func formInput(t *testing.T, f bot.Form, id string) bot.Input {
	t.Helper()
	for _, in := range f.Inputs {
		if in.ID == id {
			return in
		}
	}
	t.Fatalf("form %s has no input %s", f.ID, id)
	return bot.Input{}
}

// TestShadowButtonsGitHub: a GitHub App installed without an approved
// request, numbered like a Zendesk installation that is one too. The
// buttons name the GitHub one: flagging it leaves Zendesk's, and the
// retroactive request it opens is for GitHub.
func TestShadowButtonsGitHub(t *testing.T) {
	f := newRequestFixture(t)
	ctx := t.Context()
	const id int64 = 55000002
	if _, err := f.svc.Installations(ctx, connector.Zendesk, []approvals.Installation{{ID: id, Name: "Zendesk app 55000002"}}); err != nil {
		t.Fatal(err)
	}
	check, err := f.svc.Installations(ctx, connector.GitHub, []approvals.Installation{{SaaS: connector.GitHub, ID: id, Name: "acme-ci"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(check.Unreported) != 1 {
		t.Fatalf("GitHub's comparison found %+v", check.Unreported)
	}
	report := prompts.Requests{Command: "/warden"}.ShadowReport(check.Unreported[0])
	value := report.Buttons[0].Value
	if value != "github:55000002" {
		t.Fatalf("the report's buttons carry %q", value)
	}
	shadow := func(k approvals.ShadowKey) approvals.Shadow {
		t.Helper()
		sh, err := f.svc.ShadowInstall(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		return sh
	}

	clicks := []struct {
		name, who, action string
		line              string // the refusal, "" when accepted
	}{
		{"a non-admin cannot flag", acmePriya, prompts.ActionShadowFlag, "Sorry, only admins can flag an installation for removal"},
		{"an admin flags it", acmeAdmin, prompts.ActionShadowFlag, ""},
		{"again, nothing changes", acmeAdmin, prompts.ActionShadowFlag, ""},
	}
	for _, c := range clicks {
		t.Run(c.name, func(t *testing.T) {
			m := click(f.router, c.who, c.action, value)
			if c.line != "" {
				if line := errorLine(t, m); line != c.line {
					t.Errorf("reply %q, want %q", line, c.line)
				}
				return
			}
			if m.Delivery != bot.ReplaceOriginal || m.Headline != "GitHub App installed without an approved request: acme-ci" {
				t.Fatalf("flag did not redraw the report: %+v", m)
			}
			mustSay(t, m, "Flagged for removal by "+acmeAdmin, "Uninstall it in the organization's settings")
			if slices.ContainsFunc(m.Buttons, func(b bot.Button) bool { return b.ActionID == prompts.ActionShadowFlag }) {
				t.Errorf("a flagged report still offers Flag: %+v", m.Buttons)
			}
			if c.name == "an admin flags it" {
				goldenJSON(t, m)
			}
		})
	}
	if sh := shadow(githubShadow(id)); sh.Flagged == nil || sh.Flagged.By != acmeAdmin {
		t.Errorf("GitHub's shadow stored %+v", sh)
	}
	if sh := shadow(zendeskShadow(id)); sh.Flagged != nil {
		t.Errorf("flagging GitHub's installation flagged Zendesk's of the same number: %+v", sh)
	}

	form := click(f.router, acmeRiley, prompts.ActionShadowRequest, value)
	if form.Form == nil || form.Form.RecordID != "shadow:github:55000002" {
		t.Fatalf("Open a retroactive request: %+v", form)
	}
	if in := formInput(t, *form.Form, approvals.FieldApp); in.Initial != "acme-ci" {
		t.Errorf("app name %q", in.Initial)
	}
	if in := formInput(t, *form.Form, approvals.FieldSaaS); in.Initial != connector.GitHub {
		t.Errorf("where = %q, want github preset", in.Initial)
	}
	values := appValues(set(approvals.FieldApp, "acme-ci"), set(approvals.FieldSaaS, connector.GitHub), set(approvals.FieldScopes, "contents:read checks:write"))
	sent := f.submit(acmeRiley, form.Form.ID, form.Form.RecordID, values)
	rs := f.all(t)
	if len(rs) != 1 || sent.Headline != "Sent for approval: "+rs[0].ID {
		t.Fatalf("retroactive request %+v, reply %+v", rs, sent)
	}
	if k, ok := rs[0].Retroactive(); !ok || k != githubShadow(id) || rs[0].SaaS() != connector.GitHub || rs[0].Title != "Install acme-ci in GitHub" {
		t.Errorf("request for %+v (%v) in %s, %q", k, ok, rs[0].SaaS(), rs[0].Title)
	}
	mustSay(t, sent, "It is retroactive for installation 55000002, already in GitHub.")
	if sh := shadow(githubShadow(id)); sh.Request != rs[0].ID {
		t.Errorf("GitHub's shadow links %q, want %s", sh.Request, rs[0].ID)
	}
	if sh := shadow(zendeskShadow(id)); sh.Request != "" {
		t.Errorf("Zendesk's shadow of the same number links %q", sh.Request)
	}

	// Approved and marked installed, it is GitHub's sync that checks.
	f.did(t, rs[0].ID, func() bot.Message { return click(f.router, acmePriya, prompts.ActionRequestApprove, rs[0].ID) })
	line := f.did(t, rs[0].ID, func() bot.Message { return click(f.router, acmeRiley, prompts.ActionRequestDone, rs[0].ID) })
	if want := "Marked " + rs[0].ID + " installed; the next sync checks GitHub has it."; line != want {
		t.Errorf("reply %q, want %q", line, want)
	}
}

// TestRequestListAndShow: request list shows the asker's requests, and an
// approver first what waits for them; request show is for the request's
// requester, owner and approvers.
func TestRequestListAndShow(t *testing.T) {
	f := newRequestFixture(t)
	app := f.open(t, acmeRiley, "app", appValues(highApp))
	f.advance(time.Minute)
	change := f.open(t, acmeRiley, "change", changeValues())
	f.advance(time.Minute)
	own := f.open(t, acmePriya, "app", appValues(set(approvals.FieldApp, "Zapier Bridge"), set(approvals.FieldOwner, acmePriya)))
	f.advance(time.Minute)
	// Dana approved the app: it waits for Priya only.
	f.did(t, app.ID, func() bot.Message { return click(f.router, acmeAdmin, prompts.ActionRequestApprove, app.ID) })
	ids := []string{app.ID, change.ID, own.ID}

	sections := func(m bot.Message) []string {
		var out []string
		for _, s := range m.Sections {
			out = append(out, strings.SplitN(s.Text, "\n", 2)[0])
		}
		return out
	}
	title := func(r approvals.Request) string { return "*" + r.ID + "* · " + r.Title }

	lists := []struct {
		name, who string
		headline  string
		sections  []string
	}{
		{"requester", acmeRiley, "Your requests: 2", []string{title(change), title(app)}},
		{"approver", acmePriya, "Waiting for your approval: 2", []string{title(change), title(app), "*Your requests: 1*", title(own)}},
		{"admin who approved one", acmeAdmin, "Waiting for your approval: 2", []string{title(own), title(change), "*Your requests: 0*",
			"You have no requests. Ask for something with /warden request app NAME or /warden request change."}},
		{"stranger", acmeLee, "Your requests: 0", []string{"You have no requests. Ask for something with /warden request app NAME or /warden request change."}},
	}
	for _, l := range lists {
		t.Run("list "+l.name, func(t *testing.T) {
			got := ask(f.router, l.who, "request list")
			if got.Headline != l.headline || got.Visibility != bot.Ephemeral {
				t.Errorf("headline %q (%v), want %q", got.Headline, got.Visibility, l.headline)
			}
			if s := sections(got); !slices.Equal(s, l.sections) {
				t.Errorf("sections\n%q\nwant\n%q", s, l.sections)
			}
			goldenRequests(t, got, ids...)
		})
	}
	if got := ask(f.router, acmeRiley, "requests"); got.Headline != "Your requests: 2" {
		t.Errorf("the alias: %+v", got)
	}
	for text, want := range map[string]string{
		"request list extra": "Usage error: request list takes no arguments",
	} {
		if line := errorLine(t, ask(f.router, acmeRiley, text)); !strings.HasPrefix(line, want) {
			t.Errorf("%q: %q", text, line)
		}
	}
	if line := errorLine(t, ask(f.router, nobody, "request list")); !strings.HasPrefix(line, "I could not find an email address on your chat profile, so I cannot tell which requests are yours") {
		t.Errorf("no email: %q", line)
	}

	t.Run("show requester", func(t *testing.T) {
		got := ask(f.router, acmeRiley, "request show "+app.ID)
		if got.Headline != "App install request "+app.ID+": Install Salesforce Sync" || len(got.Buttons) != 1 || got.Buttons[0].ActionID != prompts.ActionRequestCancel {
			t.Errorf("the requester's view: %+v", got)
		}
		goldenRequests(t, got, ids...)
	})
	t.Run("show approver", func(t *testing.T) {
		got := ask(f.router, acmePriya, "request show "+strings.ToLower(app.ID))
		if !strings.HasPrefix(got.Headline, "App install request "+app.ID) || len(got.Buttons) != 0 {
			t.Errorf("the approver's view: %+v", got)
		}
		mustSay(t, got, acmeAdmin+" approved (1 of 2)")
		goldenRequests(t, got, ids...)
	})
	for _, s := range []struct{ name, who, text, want string }{
		{"stranger", acmeLee, "request show " + app.ID, app.ID + " is not yours to see: its requester, owner and approvers can"},
		{"no email", nobody, "request show " + app.ID, app.ID + " is not yours to see"},
		{"nonsense", acmeRiley, "request show nonsense", `Usage error: "nonsense" is not a request ID; IDs look like REQ-7KQ2MX (/warden request list shows yours), e.g. /warden request show REQ-7KQ2MX`},
		{"no id", acmeRiley, "request show", "Usage error: request show takes one request ID, such as REQ-7KQ2MX"},
		{"unknown", acmeRiley, "request show REQ-AAAAAA", "No request REQ-AAAAAA; /warden request list shows yours"},
	} {
		t.Run("show "+s.name, func(t *testing.T) {
			if line := errorLine(t, ask(f.router, s.who, s.text)); !strings.HasPrefix(line, s.want) {
				t.Errorf("reply %q, want %q", line, s.want)
			}
		})
	}
}

// TestRequestCommandsNeedTheService: without an approvals service the
// commands and the thread's buttons are not there.
func TestRequestCommandsNeedTheService(t *testing.T) {
	f := newFixture(t, nil)
	r, err := New(f.deps)
	if err != nil {
		t.Fatal(err)
	}
	if got := ask(r, acmeRiley, "request list"); got.Form != nil || strings.Contains(text(got), "Your requests") {
		t.Errorf("request list without the service: %+v", got)
	}
	if line := errorLine(t, click(r, acmeRiley, prompts.ActionRequestApprove, "REQ-AAAAAA")); !strings.Contains(line, "no longer in use") {
		t.Errorf("a thread button without the service: %q", line)
	}
}
