package jobs_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

const mei = "mei@acme.example" // an agent in the Staff custom role

// accessFixture is the review fixture's synced account with the approvals
// engine and the access-expiry job over it.
type accessFixture struct {
	*reviewFixture
	chat      *thread
	approvals *jobs.Approvals
	job       *jobs.Access
	wakes     []time.Duration
}

func newAccessFixture(t *testing.T) *accessFixture {
	t.Helper()
	f := &accessFixture{reviewFixture: newReviewFixture(t), chat: newThread()}
	now := func() time.Time { return f.clock }
	svc := &approvals.Service{Records: f.store, Audit: f.store, Awaiting: f.store, Now: now, Holder: "a",
		Policy: approvals.Policy{Channel: approvalsChannel, Admins: []string{dana}, Approvers: []string{omar}, HighRiskApprovals: 2}}
	f.approvals = &jobs.Approvals{Service: svc, Notifier: f.chat, Keys: f.store}
	f.job = &jobs.Access{
		Service:   &access.Service{Store: f.store, Audit: f.store, Roles: zendesk.Connector{Client: f.zendesk(t)}, Now: now, Holder: "a"},
		Approvals: svc, Deliver: f.approvals.Deliver, Snapshots: f.store,
		Notifier: f.chat, AdminChannel: adminChannel, Keys: f.store, Command: "/warden",
		Wake: func(d time.Duration) { f.wakes = append(f.wakes, d) },
	}
	return f
}

// ask is an approved access request of who for admin, for d.
func (f *accessFixture) ask(t *testing.T, who, d string) approvals.Request {
	t.Helper()
	ctx := t.Context()
	svc := f.approvals.Service
	r, err := svc.Submit(ctx, "access", approvals.Actor{Email: who},
		approvals.Answers{approvals.FieldRole: "admin", approvals.FieldDuration: d, approvals.FieldWhy: "Fix the SSO settings"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, by := range []string{dana, omar} {
		if r, err = svc.Approve(ctx, r.ID, approvals.Actor{Email: by}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.approvals.Deliver(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *accessFixture) role(t *testing.T, email string) string {
	t.Helper()
	u, ok := f.emu.UserByEmail(email)
	if !ok {
		t.Fatalf("no %s in the emulator", email)
	}
	return u.Role
}

func (f *accessFixture) run(t *testing.T) {
	t.Helper()
	if err := f.job.Run(t.Context()); err != nil {
		t.Fatalf("access-expiry: %v", err)
	}
}

// An approved request is granted by the next run, the holder warned ten
// minutes before the end, and the role taken back at the end, each told
// once in the thread and to the holder.
func TestAccessExpiryGrantsWarnsAndEnds(t *testing.T) {
	f := newAccessFixture(t)
	outcomes := map[string]int{}
	var lags []time.Duration
	f.job.Observe = func(outcome string, lag time.Duration) {
		outcomes[outcome]++
		if lag >= 0 {
			lags = append(lags, lag)
		}
	}
	r := f.ask(t, mei, "1h")
	f.run(t)
	if got := f.role(t, mei); got != zendesk.RoleAdmin {
		t.Fatalf("after the run mei is %s, want admin", got)
	}
	if got := f.chat.headlines(mei, "You are admin in Zendesk until"); len(got) != 1 {
		t.Errorf("grant DMs = %v, want one", got)
	}
	if len(f.wakes) != 0 {
		t.Errorf("woken for a grant an hour away: %v", f.wakes)
	}
	f.run(t) // nothing new: nothing told twice
	if got := f.chat.headlines(mei, "You are admin"); len(got) != 1 {
		t.Errorf("a second run told the grant again: %v", got)
	}

	f.clock = f.clock.Add(50 * time.Minute)
	f.run(t)
	f.run(t)
	if got := f.chat.headlines(mei, "Your admin access ends at"); len(got) != 1 {
		t.Errorf("warnings = %v, want one", got)
	}
	if len(f.wakes) != 0 {
		t.Errorf("woken for an end ten minutes away (the schedule covers it): %v", f.wakes)
	}

	f.clock = f.clock.Add(9*time.Minute + 30*time.Second)
	f.run(t)
	if n := len(f.wakes); n == 0 || f.wakes[n-1] != 30*time.Second {
		t.Errorf("wakes = %v; want one in 30s, at the end", f.wakes)
	}
	f.clock = f.clock.Add(30 * time.Second)
	f.run(t)
	if got := f.role(t, mei); got != zendesk.RoleAgent {
		t.Errorf("after the end mei is %s, want agent", got)
	}
	if got := f.chat.headlines(mei, "Your admin access has ended"); len(got) != 1 {
		t.Errorf("end DMs = %v, want one", got)
	}
	if outcomes["granted"] != 1 || outcomes["ended"] != 1 || !slices.Equal(lags, []time.Duration{0}) {
		t.Errorf("observed %v with lags %v; want one granted, one ended on time", outcomes, lags)
	}
	done, err := f.approvals.Service.Get(t.Context(), r.ID)
	if err != nil || done.State != approvals.Done {
		t.Errorf("the request is %s, %v; want done", done.State, err)
	}
	replies := f.chat.threadReplies(done)
	for _, want := range []string{"🔓 Granted: mei@acme.example is admin until", "🔒 Ended: mei@acme.example no longer holds admin"} {
		n := 0
		for _, r := range replies {
			if strings.HasPrefix(r, want) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d thread replies %q, want 1 (replies: %q)", n, want, replies)
		}
	}
}

// Someone the sync does not know is refused, told why, and nothing
// changes in Zendesk.
func TestAccessExpiryRefusesAStranger(t *testing.T) {
	f := newAccessFixture(t)
	const stranger = "stranger@acme.example"
	f.ask(t, stranger, "1h")
	f.run(t)
	got := f.chat.direct[stranger]
	if i := slices.IndexFunc(got, func(m bot.Message) bool { return m.Headline == "Your admin access was not granted" }); i < 0 {
		t.Fatalf("no refusal DM: %+v", got)
	} else if !strings.Contains(got[i].Sections[0].Text, "is not on the account's staff") {
		t.Errorf("refusal says %q", got[i].Sections[0].Text)
	}
	if n := f.emu.Requests("users_update"); n != 0 {
		t.Errorf("%d user updates for a refused grant", n)
	}
}

// Asking again while holding the role extends the grant there is, once.
func TestAccessExpiryExtendsOnASecondApproval(t *testing.T) {
	f := newAccessFixture(t)
	f.ask(t, mei, "1h")
	f.run(t)
	second := f.ask(t, mei, "30m")
	f.run(t)
	f.run(t)
	g, err := f.job.Service.Get(t.Context(), access.GrantID(second.ID))
	if err == nil {
		t.Fatalf("the second request made a grant of its own: %+v", g)
	}
	grants, err := f.job.Service.List(t.Context())
	if err != nil || len(grants) != 1 {
		t.Fatalf("grants = %+v, %v; want one", grants, err)
	}
	if want := f.clock.Add(90 * time.Minute); !grants[0].End.Equal(want) || len(grants[0].Extensions) != 1 {
		t.Errorf("the grant ends %v with %d extensions; want %v and one", grants[0].End, len(grants[0].Extensions), want)
	}
	if got := f.chat.headlines(mei, "You are admin in Zendesk until"); len(got) != 2 {
		t.Errorf("grant DMs = %v; want the first and the extended end", got)
	}
}

// Break-glass: the admin channel and every approver hear of it once; a
// day without review tells the admins, once.
func TestAccessBreakGlassAnnouncedAndEscalated(t *testing.T) {
	f := newAccessFixture(t)
	f.job.Service.Policy.BreakGlass = 30 * time.Minute
	snap, err := f.store.LoadSnapshot(t.Context(), "zendesk")
	if err != nil {
		t.Fatal(err)
	}
	req, err := access.Resolve(&snap.Roster, access.Ask{RequestID: "BG-TEST01", Email: mei, RoleName: "admin", Reason: "checkout is down"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.job.Service.BreakGlass(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := f.job.AnnounceBreakGlass(t.Context(), g.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.chat.parents); n != 1 || !strings.Contains(f.chat.parents[0].Headline, "Break-glass: mei@acme.example took admin") {
		t.Errorf("admin channel: %d messages %v, want the one announcement", n, f.chat.parents)
	}
	if got := f.chat.headlines(omar, "🚨 Break-glass"); len(got) != 1 {
		t.Errorf("approver omar heard %v, want once", got)
	}
	f.clock = f.clock.Add(24*time.Hour + time.Minute)
	f.run(t)
	f.run(t)
	if got := f.chat.headlines(dana, "⏰ Not reviewed in 1 day"); len(got) != 1 {
		t.Errorf("admin dana heard %v, want the escalation once", got)
	}
}

// A role changed by hand during the grant: nothing overwritten, the
// thread and holder told, and the admin channel alerted once.
func TestAccessExpiryHeldGrantAlertsOnce(t *testing.T) {
	f := newAccessFixture(t)
	f.ask(t, mei, "1h")
	f.run(t)
	u, _ := f.emu.UserByEmail(mei)
	f.emu.UpdateUser(u.ID, func(u *zendesk.User) { u.Role, u.RoleType, u.CustomRoleID = zendesk.RoleAgent, nil, nil })
	f.clock = f.clock.Add(time.Hour)
	f.run(t)
	f.run(t)
	alerts := 0
	for _, m := range f.chat.parents {
		if strings.Contains(m.Headline, "grant needs a person") {
			alerts++
		}
	}
	if alerts != 1 {
		t.Errorf("%d admin-channel alerts, want 1", alerts)
	}
	if got := f.chat.headlines(mei, "Your admin access needs an admin"); len(got) != 1 {
		t.Errorf("holder told %v, want once", got)
	}
	if got := f.role(t, mei); got != zendesk.RoleAgent {
		t.Errorf("mei is %s: the hand-made change was overwritten", got)
	}
}

// streamedSnapshots lets the snapshot be read a chunk at a time only,
// counts the reads, and says the first replaced is replaced under it.
type streamedSnapshots struct {
	store.Snapshots
	t        *testing.T
	reads    int
	replaced int
}

func (s *streamedSnapshots) LoadSnapshot(context.Context, string) (*store.Snapshot, error) {
	s.t.Error("the snapshot was loaded whole")
	return nil, errors.New("loaded whole")
}

func (s *streamedSnapshots) ReadSnapshot(ctx context.Context, name string, member func(connector.Staff) error) (*store.Snapshot, error) {
	if member != nil {
		s.reads++
	}
	if s.replaced > 0 {
		s.replaced--
		return nil, store.ErrSnapshotReplaced
	}
	return s.Snapshots.ReadSnapshot(ctx, name, member)
}

// Someone made admin by hand between two syncs is reported to the admin
// channel once. The snapshot is read a chunk at a time, again when a save
// replaced it under the read, and not at all when its revision did not
// move.
func TestAccessWatchShadows(t *testing.T) {
	f := newAccessFixture(t)
	snaps := &streamedSnapshots{Snapshots: f.store, t: t}
	f.job.Snapshots = snaps
	if err := f.job.WatchShadows(t.Context()); err != nil { // the first look takes note
		t.Fatal(err)
	}
	if snaps.reads != 1 {
		t.Errorf("the first look read the snapshot %d times, want 1", snaps.reads)
	}
	snaps.replaced = 1
	u, _ := f.emu.UserByEmail(mei)
	f.emu.UpdateUser(u.ID, func(u *zendesk.User) { u.Role, u.RoleType, u.CustomRoleID = zendesk.RoleAdmin, nil, nil })
	f.emu.Advance(2 * time.Minute) // the export leaves out its last minute
	f.clock = f.clock.Add(2 * time.Minute)
	syncer := &seats.Syncer{Source: zendesk.Connector{Client: f.zendesk(t)}, Connector: "zendesk", Store: f.store, Account: f.emu.URL, Now: func() time.Time { return f.clock }}
	if _, err := syncer.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := f.job.WatchShadows(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	// Once replaced under the read, once read; then the same revision.
	if snaps.reads != 3 {
		t.Errorf("the snapshot was read %d times, want 3", snaps.reads)
	}
	var shadows []string
	for _, m := range f.chat.parents {
		if strings.HasPrefix(m.Headline, "⚠ Shadow admin") {
			shadows = append(shadows, m.Headline)
		}
	}
	if !slices.Equal(shadows, []string{"⚠ Shadow admin: mei@acme.example holds it without a grant"}) {
		t.Errorf("admin channel: %q, want mei once", shadows)
	}
}

// A retroactive request approved makes the role Mei holds by hand a grant:
// nothing written at its start, her Staff role put back at its end.
func TestAccessRetroactiveRequestEndsOnTime(t *testing.T) {
	f := newAccessFixture(t)
	ctx := t.Context()
	if err := f.job.WatchShadows(ctx); err != nil {
		t.Fatal(err)
	}
	u, _ := f.emu.UserByEmail(mei)
	f.emu.UpdateUser(u.ID, func(u *zendesk.User) { u.Role, u.RoleType, u.CustomRoleID = zendesk.RoleAdmin, nil, nil })
	f.emu.Advance(2 * time.Minute)
	f.clock = f.clock.Add(2 * time.Minute)
	syncer := &seats.Syncer{Source: zendesk.Connector{Client: f.zendesk(t)}, Connector: "zendesk", Store: f.store, Account: f.emu.URL, Now: func() time.Time { return f.clock }}
	if _, err := syncer.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	snap, err := f.store.LoadSnapshot(ctx, "zendesk")
	if err != nil {
		t.Fatal(err)
	}
	found, err := f.job.Service.Watch(ctx, "", access.RosterMembers(&snap.Roster))
	if err != nil || len(found) != 1 {
		t.Fatalf("Watch = %v, %v", found, err)
	}
	svc := f.approvals.Service
	r, err := svc.SubmitAccessRetroactive(ctx, found[0].ID, approvals.Actor{Email: mei}, approvals.Actor{Email: dana, Admin: true},
		approvals.Answers{approvals.FieldRole: "admin", approvals.FieldDuration: "1h", approvals.FieldWhy: "billing migration"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SubmitAccessRetroactive(ctx, found[0].ID, approvals.Actor{Email: mei}, approvals.Actor{Email: omar, Admin: true},
		approvals.Answers{approvals.FieldRole: "admin", approvals.FieldDuration: "1h", approvals.FieldWhy: "again"}); err == nil {
		t.Error("a second retroactive request for the same role was opened")
	}
	for _, by := range []string{dana, omar} {
		if r, err = svc.Approve(ctx, r.ID, approvals.Actor{Email: by}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.approvals.Deliver(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	f.emu.ResetCounters()
	f.run(t)
	g, err := f.job.Service.Get(ctx, access.GrantID(r.ID))
	if err != nil || g.State != access.Active || !g.Retroactive || g.Earlier == nil || g.Earlier.Base != "agent" {
		t.Fatalf("grant = %+v, %v; want active, retroactive, the agent role on record", g, err)
	}
	if n := f.emu.Requests(zendesk.EndpointUsersUpdate); n != 0 {
		t.Errorf("the start wrote the role %d times", n)
	}
	f.clock = g.End
	f.run(t)
	if got := f.role(t, mei); got != zendesk.RoleAgent {
		t.Errorf("after the end mei is %s, want the agent she was", got)
	}
}

// After a process's first run reads every request, later runs read only
// the queue of approved ones: a request approved then is granted from it
// and leaves it; one approved with the queue missing its entry (a replica
// died between the two) is granted by the hourly full look.
func TestAccessExpiryReadsTheApprovedQueue(t *testing.T) {
	f := newAccessFixture(t)
	ctx := t.Context()
	f.run(t) // the first run's full look
	f.ask(t, mei, "2h")
	f.run(t)
	if got := f.role(t, mei); got != zendesk.RoleAdmin {
		t.Fatalf("mei is %s after the run, want admin", got)
	}
	if ids, err := f.approvals.Service.AwaitingGrant(ctx, 10); err != nil || len(ids) != 0 {
		t.Errorf("still awaiting: %v, %v", ids, err)
	}

	r := f.ask(t, "jonas@acme.example", "1h")
	if err := f.approvals.Service.GrantSettled(ctx, r.ID); err != nil { // as if never queued
		t.Fatal(err)
	}
	f.clock = f.clock.Add(time.Minute)
	f.run(t)
	if got := f.role(t, "jonas@acme.example"); got != zendesk.RoleAgent {
		t.Fatalf("jonas is %s though his request was never queued and no full look was due", got)
	}
	f.clock = f.clock.Add(time.Hour)
	f.run(t)
	if got := f.role(t, "jonas@acme.example"); got != zendesk.RoleAdmin {
		t.Errorf("the hourly full look did not grant jonas: %s", got)
	}
}

// Preview says what a run would do at each point of a grant's life, and
// doing it changes nothing: the next real run still does it all.
func TestAccessExpiryPreview(t *testing.T) {
	f := newAccessFixture(t)
	ctx := t.Context()
	preview := func() (grant, end, warn []string) {
		t.Helper()
		p, err := f.job.Preview(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Grant {
			grant = append(grant, r.Requester)
		}
		for _, g := range p.End {
			end = append(end, g.Email)
		}
		for _, g := range p.Warn {
			warn = append(warn, g.Email)
		}
		return grant, end, warn
	}
	f.ask(t, mei, "1h")
	for range 2 {
		if grant, end, warn := preview(); !slices.Equal(grant, []string{mei}) || end != nil || warn != nil {
			t.Fatalf("approved: would grant %v, end %v, warn %v", grant, end, warn)
		}
	}
	if got := f.role(t, mei); got == zendesk.RoleAdmin {
		t.Fatal("the preview granted the role")
	}
	f.run(t)
	f.clock = f.clock.Add(51 * time.Minute)
	if grant, end, warn := preview(); grant != nil || end != nil || !slices.Equal(warn, []string{mei}) {
		t.Errorf("ten minutes before the end: would grant %v, end %v, warn %v", grant, end, warn)
	}
	f.clock = f.clock.Add(10 * time.Minute)
	if grant, end, _ := preview(); grant != nil || !slices.Equal(end, []string{mei}) {
		t.Errorf("past the end: would grant %v, end %v", grant, end)
	}
	if got := f.role(t, mei); got != zendesk.RoleAdmin || len(f.chat.headlines(mei, "Your admin access ends at")) != 0 {
		t.Fatal("the preview ended the grant or warned")
	}
	f.run(t)
	if got := f.role(t, mei); got != zendesk.RoleAgent {
		t.Errorf("the run after the previews left mei %s", got)
	}
	if grant, end, warn := preview(); grant != nil || end != nil || warn != nil {
		t.Errorf("after the run: would grant %v, end %v, warn %v", grant, end, warn)
	}
}
