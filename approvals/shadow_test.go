package approvals_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

// Installations of the sample account.
var (
	salesforce = approvals.Installation{ID: 361234500001, Name: "Salesforce  sync", Enabled: true}
	zapier     = approvals.Installation{ID: 361234500002, Name: "Zapier Bridge", Enabled: true}
	timesheet  = approvals.Installation{ID: 361234500003, Name: "Timesheet", Enabled: false}
)

// zd and gh name an installation in Zendesk and in GitHub.
func zd(id int64) approvals.ShadowKey { return approvals.ShadowKey{SaaS: connector.Zendesk, ID: id} }
func gh(id int64) approvals.ShadowKey { return approvals.ShadowKey{SaaS: connector.GitHub, ID: id} }

func shadowIDs(shs []approvals.Shadow) []int64 {
	var ids []int64
	for _, sh := range shs {
		ids = append(ids, sh.ID)
	}
	slices.Sort(ids)
	return ids
}

func (f *fixture) installations(t *testing.T, found ...approvals.Installation) []int64 {
	t.Helper()
	check, err := f.svc.Installations(t.Context(), connector.Zendesk, found)
	if err != nil {
		t.Fatalf("Installations: %v", err)
	}
	return shadowIDs(check.Unreported)
}

func (f *fixture) shadowRecords(t *testing.T) []store.Record {
	t.Helper()
	recs, err := f.st.ListRecords(t.Context(), kindShadow)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestShadowInstalls(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	// An approved request for "Salesforce Sync" covers the installation
	// named "Salesforce  sync"; a pending one for Zapier covers nothing.
	f.approved(t, "app", appForm())
	f.submit(t, "app", agent(riley), appForm(set(approvals.FieldApp, "Zapier Bridge")))

	got := f.installations(t, salesforce, zapier, timesheet)
	if want := []int64{zapier.ID, timesheet.ID}; !slices.Equal(got, want) {
		t.Errorf("shadows %v, want %v", got, want)
	}
	sh, err := f.svc.ShadowInstall(ctx, zd(zapier.ID))
	if err != nil {
		t.Fatal(err)
	}
	if sh.Name != "Zapier Bridge" || !sh.FoundAt.Equal(now) || !sh.Report.IsZero() || sh.Version != 1 {
		t.Errorf("shadow %+v", sh)
	}
	if a := f.audit(t, "approval.shadow_found"); len(a) != 1 || a[0].Detail["count"] != "2" || a[0].Actor != "job:sync" {
		t.Errorf("audit %+v", a)
	}

	// The next sync finds the same: nothing new recorded, both still to
	// report.
	f.clock.Advance(24 * time.Hour)
	if got := f.installations(t, salesforce, zapier, timesheet); !slices.Equal(got, []int64{zapier.ID, timesheet.ID}) {
		t.Errorf("second sync: shadows %v", got)
	}
	for _, rec := range f.shadowRecords(t) {
		if rec.Version != 1 {
			t.Errorf("shadow %s rewritten: v%d", rec.ID, rec.Version)
		}
	}
	if len(f.shadowRecords(t)) != 2 {
		t.Errorf("%d shadow records, want 2", len(f.shadowRecords(t)))
	}
	if sh, _ := f.svc.ShadowInstall(ctx, zd(zapier.ID)); !sh.FoundAt.Equal(now) {
		t.Errorf("found at %v, want the first sync's %v", sh.FoundAt, now)
	}
	if a := f.audit(t, "approval.shadow_found"); len(a) != 1 {
		t.Errorf("shadow_found audited %d times, want 1", len(a))
	}

	// Reported once, it is not returned again; a failed report is, until
	// it has failed MaxAttempts times.
	ref := approvals.Ref{Platform: "slack", Conversation: "C0ADMIN", Message: "1790000000.000900"}
	reported, err := f.svc.ShadowReported(ctx, zd(zapier.ID), ref, nil)
	if err != nil || reported.Report != ref {
		t.Fatalf("ShadowReported: %+v, %v", reported, err)
	}
	if a := f.audit(t, "approval.shadow_reported"); len(a) != 1 || a[0].Detail["name"] != "Zapier Bridge" {
		t.Errorf("audit %+v", a)
	}
	for i := range approvals.MaxAttempts {
		if got := f.installations(t, salesforce, zapier, timesheet); !slices.Equal(got, []int64{timesheet.ID}) {
			t.Errorf("after %d failed reports: shadows %v, want the timesheet's", i, got)
		}
		if _, err := f.svc.ShadowReported(ctx, zd(timesheet.ID), approvals.Ref{}, errors.New("not_in_channel")); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.installations(t, salesforce, zapier, timesheet); len(got) != 0 {
		t.Errorf("shadows %v after reporting and giving up, want none", got)
	}
	if a := f.audit(t, "approval.shadow_reported"); len(a) != 1 {
		t.Errorf("failed reports audited as reported: %+v", a)
	}
	if _, err := f.svc.ShadowReported(ctx, zd(42), ref, nil); !errors.Is(err, approvals.ErrNoShadow) {
		t.Errorf("report of an unknown shadow: %v", err)
	}
}

func TestShadowCoveredLater(t *testing.T) {
	f := newFixture(t)
	if got := f.installations(t, zapier); !slices.Equal(got, []int64{zapier.ID}) {
		t.Fatalf("shadows %v", got)
	}
	// An approved request naming it, however written, covers it from the
	// next sync on.
	f.approved(t, "app", appForm(set(approvals.FieldApp, "  ZAPIER   bridge ")))
	if got := f.installations(t, zapier); len(got) != 0 {
		t.Errorf("shadows %v once approved, want none", got)
	}
}

func TestInstallVerified(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r := f.approved(t, "app", appForm())
	// Approved but not marked done: covered, nothing verified.
	f.installations(t)
	if got := f.get(t, r.ID); got.Verified != nil {
		t.Errorf("verified before done: %+v", got.Verified)
	}
	if _, err := f.svc.MarkDone(ctx, r.ID, agent(omar)); err != nil {
		t.Fatal(err)
	}
	r = f.postAll(t, r.ID)

	// The sync does not find it: said once.
	for range 3 {
		if got := f.installations(t, zapier); !slices.Equal(got, []int64{zapier.ID}) {
			t.Errorf("shadows %v", got)
		}
	}
	missing := f.get(t, r.ID)
	if missing.Verified == nil || missing.Verified.Found || !missing.Verified.At.Equal(now) {
		t.Errorf("verified %+v, want missing", missing.Verified)
	}
	wantNotices(t, notices(missing), reply(approvals.EventMissing), redraw)
	if missing.Version != r.Version+1 {
		t.Errorf("missing recorded in %d writes, want 1", missing.Version-r.Version)
	}
	missing = f.postAll(t, r.ID)

	// Installed later: found, said once.
	f.clock.Advance(24 * time.Hour)
	for range 3 {
		if got := f.installations(t, zapier, salesforce); !slices.Equal(got, []int64{zapier.ID}) {
			t.Errorf("shadows %v", got)
		}
	}
	found := f.get(t, r.ID)
	if found.Verified == nil || !found.Verified.Found || found.Verified.SaaSID != salesforce.ID || !found.Verified.At.Equal(f.clock.Now()) {
		t.Errorf("verified %+v, want found", found.Verified)
	}
	wantNotices(t, notices(found), reply(approvals.EventVerified), redraw)
	if found.Version != missing.Version+1 {
		t.Errorf("found recorded in %d writes, want 1", found.Version-missing.Version)
	}
	if got := f.audit(t, "approval.install_missing"); len(got) != 1 || got[0].Detail["installation"] != "0" {
		t.Errorf("missing audited %+v", got)
	}
	if got := f.audit(t, "approval.install_verified"); len(got) != 1 || got[0].Detail["installation"] != "361234500001" {
		t.Errorf("verified audited %+v", got)
	}

	// Found first time: verified at once, nothing missing said.
	g := newFixture(t)
	r2 := g.approved(t, "app", appForm())
	if _, err := g.svc.MarkDone(ctx, r2.ID, agent(riley)); err != nil {
		t.Fatal(err)
	}
	g.installations(t, salesforce)
	if v := g.get(t, r2.ID).Verified; v == nil || !v.Found {
		t.Errorf("verified %+v", v)
	}
	if a := g.audit(t, "approval.install_missing"); len(a) != 0 {
		t.Errorf("missing said of one found: %+v", a)
	}
}

func TestFlagShadow(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.installations(t, zapier)
	before, err := f.svc.ShadowInstall(ctx, zd(zapier.ID))
	if err != nil {
		t.Fatal(err)
	}
	// Approvers approve requests; only admins flag installations.
	for _, by := range []approvals.Actor{agent(priya), agent(ines), agent(sam)} {
		_, err := f.svc.FlagShadow(ctx, zd(zapier.ID), by)
		refusal(t, err, "only admins can flag an installation for removal")
	}
	if a := f.audit(t, "approval.refused"); len(a) != 3 || a[0].Detail["tried"] != "flag for removal" {
		t.Errorf("refusals audited %+v", a)
	}
	if sh, _ := f.svc.ShadowInstall(ctx, zd(zapier.ID)); sh.Version != before.Version || sh.Flagged != nil {
		t.Errorf("a refused flag wrote: %+v", sh)
	}

	sh, err := f.svc.FlagShadow(ctx, zd(zapier.ID), admin(" Zoe@ACME.example"))
	if err != nil {
		t.Fatal(err)
	}
	if sh.Flagged == nil || sh.Flagged.By != zoe || !sh.Flagged.At.Equal(now) || sh.Version != before.Version+1 {
		t.Errorf("flagged %+v", sh)
	}
	again, err := f.svc.FlagShadow(ctx, zd(zapier.ID), admin(dana))
	if err != nil || again.Flagged == nil || again.Flagged.By != zoe {
		t.Errorf("second flag: %+v, %v; want the first kept", again, err)
	}
	if stored, _ := f.svc.ShadowInstall(ctx, zd(zapier.ID)); stored.Version != sh.Version || again.Version != stored.Version {
		t.Errorf("second flag returned version %d; stored v%d (was v%d): want the shadow as stored", again.Version, stored.Version, sh.Version)
	}
	if a := f.audit(t, "approval.shadow_flagged"); len(a) != 1 || a[0].Actor != zoe {
		t.Errorf("audit %+v", a)
	}
	if _, err := f.svc.FlagShadow(ctx, zd(42), admin(zoe)); !errors.Is(err, approvals.ErrNoShadow) {
		t.Errorf("flag of an unknown shadow: %v", err)
	}
}

// Audit entries about installations name the installation (or the
// installations) as their subject, not a request.
func TestShadowAuditSubjects(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.installations(t, zapier)
	if _, err := f.svc.ShadowReported(ctx, zd(zapier.ID), approvals.Ref{Platform: "slack", Conversation: "C0ADMIN", Message: "1"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.FlagShadow(ctx, zd(zapier.ID), agent(sam)); err == nil {
		t.Fatal("flag by a non-admin accepted")
	}
	if _, err := f.svc.FlagShadow(ctx, zd(zapier.ID), admin(zoe)); err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"approval.shadow_found", "approval.shadow_reported", "approval.refused", "approval.shadow_flagged"} {
		a := f.audit(t, action)
		if len(a) != 1 {
			t.Errorf("%s audited %d times, want 1", action, len(a))
			continue
		}
		want := "zendesk:installation:361234500002"
		if action == "approval.shadow_found" {
			want = "zendesk:installations"
		}
		if strings.HasPrefix(a[0].Subject, "request:") || (action != "approval.shadow_found" && a[0].Subject != want) {
			t.Errorf("%s has subject %q, want %q", action, a[0].Subject, want)
		}
	}
}

func TestSubmitRetroactive(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.installations(t, zapier, timesheet)
	form := appForm(set(approvals.FieldApp, "Zapier Bridge"))

	if _, err := f.svc.SubmitRetroactive(ctx, zd(42), agent(riley), form); !errors.Is(err, approvals.ErrNoShadow) {
		t.Errorf("retroactive request for no shadow: %v", err)
	}
	// A refused form links nothing.
	if _, err := f.svc.SubmitRetroactive(ctx, zd(zapier.ID), agent(riley), appForm(set(approvals.FieldOwner, "x"))); err == nil {
		t.Error("a bad form was accepted")
	}
	if sh, _ := f.svc.ShadowInstall(ctx, zd(zapier.ID)); sh.Request != "" {
		t.Errorf("a refused form linked %s", sh.Request)
	}

	r, err := f.svc.SubmitRetroactive(ctx, zd(zapier.ID), agent(riley), form)
	if err != nil {
		t.Fatal(err)
	}
	if r.Shadow != zapier.ID || r.State != approvals.Pending || r.Kind != "app" {
		t.Errorf("request %+v", r)
	}
	// It goes to the approvals channel like any request.
	wantNotices(t, notices(r), notice{approvals.PostParent, approvals.EventSubmitted, ""})
	if sh, _ := f.svc.ShadowInstall(ctx, zd(zapier.ID)); sh.Request != r.ID {
		t.Errorf("shadow links %q, want %s", sh.Request, r.ID)
	}

	// A second while the first is open (pending, then approved) is refused.
	_, err = f.svc.SubmitRetroactive(ctx, zd(zapier.ID), agent(omar), form)
	refusal(t, err, "Zapier Bridge already has request "+r.ID+" (pending)")
	f.approve(t, r.ID, agent(priya))
	_, err = f.svc.SubmitRetroactive(ctx, zd(zapier.ID), agent(omar), form)
	refusal(t, err, "already has request "+r.ID+" (approved)")
	if recs, _ := f.st.ListRecords(ctx, kindRequest); len(recs) != 1 {
		t.Errorf("%d requests stored, want 1", len(recs))
	}

	// The approved request covers the installation by its id, whatever
	// its name says.
	if got := f.installations(t, approvals.Installation{ID: zapier.ID, Name: "Zapier Bridge v2"}, timesheet); !slices.Equal(got, []int64{timesheet.ID}) {
		t.Errorf("shadows %v once the retroactive request is approved", got)
	}

	// Once the first is final, another may be asked for.
	t2, err := f.svc.SubmitRetroactive(ctx, zd(timesheet.ID), agent(riley), appForm(set(approvals.FieldApp, "Timesheet")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Deny(ctx, t2.ID, agent(lucas), "Nobody uses it"); err != nil {
		t.Fatal(err)
	}
	t3, err := f.svc.SubmitRetroactive(ctx, zd(timesheet.ID), agent(riley), appForm(set(approvals.FieldApp, "Timesheet")))
	if err != nil {
		t.Fatalf("after the first was denied: %v", err)
	}
	if sh, _ := f.svc.ShadowInstall(ctx, zd(timesheet.ID)); sh.Request != t3.ID {
		t.Errorf("shadow links %q, want the new %s", sh.Request, t3.ID)
	}
}

// pausingRecords holds the first request creation until released, so a
// test can place a second caller in between.
type pausingRecords struct {
	store.BallotRecords
	creates  atomic.Int64
	arrived  chan struct{}
	released chan struct{}
}

func (p *pausingRecords) CreateRecord(ctx context.Context, kind, id string, data []byte) (store.Record, error) {
	if kind == kindRequest && p.creates.Add(1) == 1 {
		close(p.arrived)
		<-p.released
	}
	return p.BallotRecords.CreateRecord(ctx, kind, id, data)
}

// Two people open a retroactive request for the same installation at
// once: the check for an open request and the link are two steps, so
// without a compare-and-set between them both pass. One of them must be
// refused.
func TestSubmitRetroactiveAtOnce(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.installations(t, zapier)
	paused := &pausingRecords{BallotRecords: f.st, arrived: make(chan struct{}), released: make(chan struct{})}
	f.svc.Records = paused
	form := appForm(set(approvals.FieldApp, "Zapier Bridge"))

	var first approvals.Request
	var firstErr error
	var wg sync.WaitGroup
	wg.Go(func() { first, firstErr = f.svc.SubmitRetroactive(ctx, zd(zapier.ID), agent(riley), form) })
	<-paused.arrived // riley's request has passed the check and is being created
	second, secondErr := f.svc.SubmitRetroactive(ctx, zd(zapier.ID), agent(omar), form)
	close(paused.released)
	wg.Wait()

	if (firstErr == nil) == (secondErr == nil) {
		t.Errorf("first: %v; second: %v; want exactly one accepted", firstErr, secondErr)
	}
	recs, err := f.st.ListRecords(ctx, kindRequest)
	if err != nil {
		t.Fatal(err)
	}
	open := 0
	for _, rec := range recs {
		r, err := f.svc.Get(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !r.State.Final() {
			open++
		}
	}
	sh, _ := f.svc.ShadowInstall(ctx, zd(zapier.ID))
	if open != 1 {
		t.Errorf("%d open retroactive requests for one installation (%s, %s), shadow links %s; want 1", open, first.ID, second.ID, sh.Request)
	}
}
