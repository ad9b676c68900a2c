package approvals_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin on machines without a zoneinfo database

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/store"
)

var (
	berlin = mustLoad("Europe/Berlin")
	// now is a Monday morning in Berlin; dates in forms count from it.
	now = time.Date(2026, time.November, 23, 10, 0, 0, 0, berlin)
)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// People of the sample policy.
const (
	dana  = "dana@acme.example"  // admin in the policy
	omar  = "omar@acme.example"  // approver of every kind; owns the sample app
	priya = "priya@acme.example" // approver of every kind
	lucas = "lucas@acme.example" // approver of every kind
	ines  = "ines@acme.example"  // approves apps only
	chen  = "chen@acme.example"  // approves changes only
	riley = "riley@acme.example" // asks for things, approves nothing
	sam   = "sam@acme.example"   // nobody in the policy
	zoe   = "zoe@acme.example"   // an admin by role (Actor.Admin), in no list of the policy
)

const channel = "C0APPROVALS"

// The store's record kinds, as the service writes them.
const (
	kindRequest = "approval-request"
	kindShadow  = "approval-shadow"
)

func agent(email string) approvals.Actor { return approvals.Actor{Email: email} }
func admin(email string) approvals.Actor { return approvals.Actor{Email: email, Admin: true} }

// date is the calendar day d days from today in Berlin, as a form has it.
func date(d int) string { return now.AddDate(0, 0, d).Format(time.DateOnly) }

// midnight is the start of the day d days from today in Berlin.
func midnight(d int) time.Time {
	y, m, dd := now.Date()
	return time.Date(y, m, dd+d, 0, 0, 0, 0, berlin)
}

// clock is a settable clock shared by the service and the store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// openBolt is an embedded store on the test's clock.
func openBolt(t *testing.T, c *clock) store.Store { return teststores.Bolt(t, c.Now) }

// openRedis is a Redis store of the test's own.
func openRedis(t *testing.T, _ *clock) store.Store { return teststores.Redis(t, "approvals") }

// stores are the backends the concurrency tests run on.
var stores = []struct {
	name string
	open func(*testing.T, *clock) store.Store
}{{"bolt", openBolt}, {"redis", openRedis}}

// fixture is a store, a clock and the service over them.
type fixture struct {
	st    store.Store
	clock *clock
	svc   *approvals.Service
}

// samplePolicy names an admin, three approvers of every kind and one
// approver per kind; high-risk requests need two approvals.
func samplePolicy() approvals.Policy {
	return approvals.Policy{
		Location:  berlin,
		Channel:   channel,
		Admins:    []string{dana},
		Approvers: []string{omar, priya, lucas},
		Kinds: map[string]approvals.KindPolicy{
			approvals.App.Name:    {Approvers: []string{ines}},
			approvals.Change.Name: {Approvers: []string{chen}},
		},
		HighRiskApprovals: 2,
	}
}

// newFixture is the sample policy, edited, on an embedded store.
func newFixture(t *testing.T, edit ...func(*approvals.Policy)) *fixture {
	t.Helper()
	c := &clock{t: now}
	return newFixtureOn(t, c, openBolt(t, c), edit...)
}

func newFixtureOn(t *testing.T, c *clock, st store.Store, edit ...func(*approvals.Policy)) *fixture {
	t.Helper()
	p := samplePolicy()
	for _, e := range edit {
		e(&p)
	}
	f := &fixture{st: st, clock: c}
	f.svc = f.replica("replica-1", p)
	return f
}

// replica is one bot process's service over the fixture's store.
func (f *fixture) replica(holder string, p approvals.Policy) *approvals.Service {
	return &approvals.Service{Records: f.st, Audit: f.st, Policy: p, Now: f.clock.Now, Holder: holder, Lease: time.Minute}
}

// appForm is a valid low-risk app request owned by Omar, edited.
func appForm(edit ...func(approvals.Answers)) approvals.Answers {
	a := approvals.Answers{
		approvals.FieldApp:    "Salesforce Sync",
		approvals.FieldWhy:    "Agents see the account's plan next to each ticket.",
		approvals.FieldData:   approvals.DataTickets,
		approvals.FieldScopes: "read tickets:write",
		approvals.FieldOwner:  omar,
		approvals.FieldReview: date(90),
	}
	for _, e := range edit {
		e(a)
	}
	return a
}

// highApp is an app touching customer PII: high risk.
func highApp(a approvals.Answers) { a[approvals.FieldData] = approvals.DataCustomerPII }

// changeForm is a valid change the requester leaves to Suggest (low risk).
func changeForm(edit ...func(approvals.Answers)) approvals.Answers {
	a := approvals.Answers{
		approvals.FieldWhat:   "Add a Region drop-down to the ticket form",
		approvals.FieldWhy:    "Reports per region",
		approvals.FieldTier:   approvals.TierSuggest,
		approvals.FieldReview: date(30),
	}
	for _, e := range edit {
		e(a)
	}
	return a
}

func set(field, value string) func(approvals.Answers) {
	return func(a approvals.Answers) { a[field] = value }
}

// submit opens a request that must be accepted.
func (f *fixture) submit(t *testing.T, kind string, by approvals.Actor, a approvals.Answers) approvals.Request {
	t.Helper()
	r, err := f.svc.Submit(t.Context(), kind, by, a, 0)
	if err != nil {
		t.Fatalf("Submit(%s) by %s: %v", kind, by.Email, err)
	}
	return r
}

// lowApp is Riley's low-risk app request (owner Omar, needs one approval).
func (f *fixture) lowApp(t *testing.T) approvals.Request {
	t.Helper()
	return f.submit(t, approvals.App.Name, agent(riley), appForm())
}

// highApp is Riley's high-risk app request (needs two approvals).
func (f *fixture) highApp(t *testing.T) approvals.Request {
	t.Helper()
	return f.submit(t, approvals.App.Name, agent(riley), appForm(highApp))
}

// approve records an approval that must be accepted.
func (f *fixture) approve(t *testing.T, id string, a approvals.Actor) approvals.Request {
	t.Helper()
	r, err := f.svc.Approve(t.Context(), id, a)
	if err != nil {
		t.Fatalf("Approve(%s) by %s: %v", id, a.Email, err)
	}
	return r
}

// approved is Riley's request of kind, approved by Priya.
func (f *fixture) approved(t *testing.T, kind string, a approvals.Answers) approvals.Request {
	t.Helper()
	r := f.submit(t, kind, agent(riley), a)
	r = f.approve(t, r.ID, agent(priya))
	if r.State != approvals.Approved {
		t.Fatalf("%s after one approval: %s, want approved (is it low risk?)", r.ID, r.State)
	}
	return r
}

func (f *fixture) get(t *testing.T, id string) approvals.Request {
	t.Helper()
	r, err := f.svc.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return r
}

// record is the request as stored, bytes and version.
func (f *fixture) record(t *testing.T, id string) store.Record {
	t.Helper()
	rec, err := f.st.GetRecord(t.Context(), kindRequest, id)
	if err != nil {
		t.Fatalf("GetRecord(%s): %v", id, err)
	}
	return rec
}

// unchanged runs act, which must be refused, and checks that the stored
// request is byte for byte what it was.
func (f *fixture) unchanged(t *testing.T, id string, act func() error) error {
	t.Helper()
	before := f.record(t, id)
	err := act()
	if err == nil {
		t.Fatalf("accepted; want a refusal")
	}
	after := f.record(t, id)
	if after.Version != before.Version || !bytes.Equal(after.Data, before.Data) {
		t.Errorf("a refusal (%v) changed the stored request: version %d → %d\nbefore %s\nafter  %s", err, before.Version, after.Version, before.Data, after.Data)
	}
	return err
}

// nothingStored checks that no request and no shadow install was written.
func (f *fixture) nothingStored(t *testing.T) {
	t.Helper()
	for _, kind := range []string{kindRequest, kindShadow} {
		recs, err := f.st.ListRecords(t.Context(), kind)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 0 {
			t.Errorf("%d %s records written, want none", len(recs), kind)
		}
	}
}

// audit returns the audit entries with action, oldest first.
func (f *fixture) audit(t *testing.T, action string) []store.AuditEntry {
	t.Helper()
	all, err := f.st.ListAudit(t.Context(), 0, 100_000)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.AuditEntry
	for _, e := range all {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// postAll posts the request's outbox as a courier would, giving the
// parent a thread reference, and returns the request with nothing left.
func (f *fixture) postAll(t *testing.T, id string) approvals.Request {
	t.Helper()
	ctx := t.Context()
	r, token, ok, err := f.svc.TakeOutbox(ctx, id)
	if err != nil {
		t.Fatalf("TakeOutbox(%s): %v", id, err)
	}
	if !ok {
		return f.get(t, id)
	}
	for _, n := range r.Outbox {
		if r, err = f.svc.Posted(ctx, id, n.Seq, parentRef(n)); err != nil {
			t.Fatalf("Posted(%s, %d): %v", id, n.Seq, err)
		}
	}
	if _, err := f.svc.ReleaseOutbox(ctx, id, token); err != nil {
		t.Fatal(err)
	}
	return f.get(t, id)
}

func parentRef(n approvals.Notice) approvals.Ref {
	if n.Kind != approvals.PostParent {
		return approvals.Ref{}
	}
	return approvals.Ref{Platform: "slack", Conversation: channel, Message: "1790000000.000100"}
}

// notice is the part of a notice the tests compare.
type notice struct {
	Kind  approvals.NoticeKind
	Event approvals.Event
	To    string
}

func (n notice) String() string {
	if n.To != "" {
		return fmt.Sprintf("%s/%s→%s", n.Kind, n.Event, n.To)
	}
	return fmt.Sprintf("%s/%s", n.Kind, n.Event)
}

func notices(r approvals.Request) []notice {
	out := make([]notice, len(r.Outbox))
	for i, n := range r.Outbox {
		out[i] = notice{n.Kind, n.Event, n.To}
	}
	return out
}

// newNotices are the notices after seq.
func newNotices(r approvals.Request, after int) []notice {
	var out []notice
	for _, n := range r.Outbox {
		if n.Seq > after {
			out = append(out, notice{n.Kind, n.Event, n.To})
		}
	}
	return out
}

func lastSeq(r approvals.Request) int {
	if len(r.Outbox) == 0 {
		return 0
	}
	return r.Outbox[len(r.Outbox)-1].Seq
}

func wantNotices(t *testing.T, got []notice, want ...notice) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("notices %v, want %v", got, want)
	}
}

// The usual notices.
var (
	redraw = notice{approvals.Redraw, approvals.EventRedraw, ""}
)

func reply(e approvals.Event) notice { return notice{approvals.Reply, e, ""} }
func direct(e approvals.Event, to string) notice {
	return notice{approvals.Direct, e, to}
}

// The errors the service refuses with.

func formError(t *testing.T, err error) *approvals.FormError {
	t.Helper()
	var fe *approvals.FormError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T), want a *FormError", err, err)
	}
	return fe
}

func refusal(t *testing.T, err error, why string) *approvals.RefusedError {
	t.Helper()
	var re *approvals.RefusedError
	if !errors.As(err, &re) || !errors.Is(err, approvals.ErrNotAllowed) {
		t.Fatalf("error %v (%T), want a *RefusedError", err, err)
	}
	if !strings.Contains(re.Why, why) {
		t.Errorf("refused because %q, want it to say %q", re.Why, why)
	}
	return re
}

func stateError(t *testing.T, err error, state approvals.State) {
	t.Helper()
	var se *approvals.StateError
	if !errors.As(err, &se) || !errors.Is(err, approvals.ErrNotPending) {
		t.Fatalf("error %v (%T), want a *StateError", err, err)
	}
	if se.Request.State != state {
		t.Errorf("StateError says %s, want %s", se.Request.State, state)
	}
	if errors.Is(err, approvals.ErrNotAllowed) {
		t.Errorf("a StateError also reads as ErrNotAllowed")
	}
}
