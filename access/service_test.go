package access_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/internal/emuclock"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/store"
)

const clientID, clientSecret = "access-test", "access-secret"

var start = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// fixture is one emulated Zendesk account and one store, with replicas of
// the access service on them that share a clock.
type fixture struct {
	clock emuclock.Clock
	emu   *zendesktest.Server
	store store.Store
	roles zendesk.Connector
}

func newFixture(t testing.TB, st func(testing.TB) store.Store) *fixture {
	t.Helper()
	f := &fixture{}
	f.clock.SetNow(start)
	f.emu = zendesktest.NewServer(zendesktest.SampleOrg(start), zendesktest.WithOAuthClient(clientID, clientSecret, true),
		zendesktest.WithClock(f.now))
	t.Cleanup(f.emu.Close)
	client, err := zendesk.New(zendesk.Config{
		BaseURL: f.emu.URL, Auth: zendesk.OAuthClientCredentials(clientID, clientSecret),
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, RequestsPerMinute: 100_000,
		Sleep: func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.roles = zendesk.Connector{Client: client}
	f.store = st(t)
	return f
}

func bolt(tb testing.TB) store.Store { return teststores.Bolt(tb, nil) }

func (f *fixture) now() time.Time          { return f.clock.Now() }
func (f *fixture) advance(d time.Duration) { f.clock.Advance(d) }

// replica is one replica's access service.
func (f *fixture) replica(holder string, roles access.Roles) *access.Service {
	if roles == nil {
		roles = f.roles
	}
	return &access.Service{Store: f.store, Audit: f.store, Roles: roles, Now: f.now, Holder: holder,
		Policy: access.Policy{Roles: map[string]access.RolePolicy{"admin": {MaxDuration: 4 * time.Hour}, "team lead": {}}}}
}

func (f *fixture) user(t testing.TB, email string) zendesk.User {
	t.Helper()
	u, ok := f.emu.UserByEmail(email)
	if !ok {
		t.Fatalf("no user %s in the emulator", email)
	}
	return u
}

// request is an approved ask of email for role.
func (f *fixture) request(t testing.TB, id, email string, d time.Duration) access.Request {
	u := f.user(t, email)
	return access.Request{ID: id, UserID: u.ID, Email: u.Email, Name: u.Name, RoleName: "admin",
		Role: connector.Role{Base: zendesk.RoleAdmin}, Duration: d, Reason: "fix the SSO settings", ApprovedBy: []string{"omar@acme.example"}}
}

// roleChanges counts the user's role writes in the emulator.
func (f *fixture) roleChanges(id int64) (roles, sessions int) {
	for _, m := range f.emu.Mutations() {
		switch {
		case m.UserID != id:
		case m.Field == "role":
			roles++
		case m.Field == zendesktest.FieldSessions:
			sessions++
		}
	}
	return roles, sessions
}

const priya = "priya@acme.example" // an agent in the Staff custom role

func TestGrantThenEndOnTime(t *testing.T) {
	for name, st := range map[string]func(testing.TB) store.Store{
		"bolt":  bolt,
		"redis": func(tb testing.TB) store.Store { return teststores.Redis(tb, "access") },
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, st)
			svc := f.replica("a", nil)
			before := f.user(t, priya)
			f.emu.StartSession(before.ID)

			g, err := svc.Grant(t.Context(), f.request(t, "r1", priya, time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if g.State != access.Active || !g.End.Equal(start.Add(time.Hour)) || g.Earlier == nil || *g.Earlier != (connector.Role{Base: "agent", ID: fmt.Sprint(zendesktest.StaffRoleID)}) {
				t.Fatalf("grant = %+v; want active until 11:00, the Staff agent role on record", g)
			}
			if u := f.user(t, priya); u.Role != zendesk.RoleAdmin {
				t.Fatalf("in Zendesk priya is %s, want admin", u.Role)
			}
			if at, ok, err := svc.NextDue(t.Context()); err != nil || !ok || !at.Equal(g.End) {
				t.Errorf("NextDue = %v, %v, %v; want the grant's end", at, ok, err)
			}

			f.advance(59 * time.Minute)
			if res, err := svc.Sweep(t.Context()); err != nil || len(res.Ended) != 0 {
				t.Fatalf("a sweep before the end = %+v, %v; want nothing ended", res, err)
			}
			f.advance(time.Minute)
			res, err := svc.Sweep(t.Context())
			if err != nil || len(res.Ended) != 1 || res.Read != 1 {
				t.Fatalf("sweep at the end = %+v, %v; want the grant ended after reading one entry", res, err)
			}
			after := f.user(t, priya)
			if after.Role != zendesk.RoleAgent || after.CustomRoleID == nil || *after.CustomRoleID != zendesktest.StaffRoleID {
				t.Errorf("after the end priya is %s (custom role %v), want the Staff agent she was", after.Role, after.CustomRoleID)
			}
			if n := f.emu.Sessions(before.ID); n != 0 {
				t.Errorf("%d sessions still live after the end", n)
			}
			if roles, sessions := f.roleChanges(before.ID); roles != 2 || sessions != 1 {
				t.Errorf("Zendesk saw %d role writes and %d session ends; want 2 and 1", roles, sessions)
			}
			ended, err := svc.Get(t.Context(), g.ID)
			if err != nil || ended.State != access.Ended || ended.EndedBy != "system" {
				t.Errorf("grant after the end = %+v, %v", ended, err)
			}
			entries, err := f.store.ListAudit(t.Context(), 0, 10)
			if err != nil || len(entries) != 2 || entries[0].Action != "access.granted" || entries[1].Action != "access.ended" {
				t.Errorf("audit = %+v, %v; want access.granted then access.ended", entries, err)
			}
			if _, ok, _ := svc.NextDue(t.Context()); ok {
				t.Error("something is still due after the grant ended")
			}
		})
	}
}

// Fifty approvers' clicks, on two replicas, make one grant and one role
// change.
func TestManyApprovalsGrantOnce(t *testing.T) {
	f := newFixture(t, bolt)
	replicas := []*access.Service{f.replica("a", nil), f.replica("b", nil)}
	req := f.request(t, "r1", priya, time.Hour)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if _, err := replicas[i%2].Grant(t.Context(), req); err != nil {
				t.Errorf("Grant: %v", err)
			}
		})
	}
	wg.Wait()
	if roles, _ := f.roleChanges(req.UserID); roles != 1 {
		t.Errorf("Zendesk saw %d role writes, want 1", roles)
	}
	grants, err := replicas[0].List(t.Context())
	if err != nil || len(grants) != 1 || grants[0].State != access.Active {
		t.Errorf("grants = %+v, %v; want one active", grants, err)
	}
}

// Two replicas sweeping at the end: one role write and one sessions
// DELETE.
func TestTwoSweepersEndOnce(t *testing.T) {
	f := newFixture(t, bolt)
	a, b := f.replica("a", nil), f.replica("b", nil)
	g, err := a.Grant(t.Context(), f.request(t, "r1", priya, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	f.emu.StartSession(g.UserID)
	f.advance(time.Hour)
	var (
		wg       sync.WaitGroup
		reported atomic.Int32
	)
	for _, svc := range []*access.Service{a, b, a, b} {
		wg.Go(func() {
			res, err := svc.Sweep(t.Context())
			if err != nil {
				t.Errorf("Sweep: %v", err)
			}
			reported.Add(int32(len(res.Ended)))
		})
	}
	wg.Wait()
	if n := reported.Load(); n != 1 {
		t.Errorf("the end was reported by %d sweeps, want 1", n)
	}
	if roles, sessions := f.roleChanges(g.UserID); roles != 2 || sessions != 1 {
		t.Errorf("Zendesk saw %d role writes and %d session ends; want 2 (grant, end) and 1", roles, sessions)
	}
	if n := f.emu.Requests(zendesktest.EndpointUserSessions); n != 1 {
		t.Errorf("%d sessions DELETEs, want 1", n)
	}
}

// cutAfterSet makes the role change and then loses the answer, as a
// replica killed between the change and its record would.
type cutAfterSet struct {
	access.Roles
	cut bool
}

func (c *cutAfterSet) SetRole(ctx context.Context, id int64, r connector.Role) error {
	if err := c.Roles.SetRole(ctx, id, r); err != nil {
		return err
	}
	if c.cut {
		return context.Canceled
	}
	return nil
}

// The replica that granted dies after Zendesk made the change; another
// finishes the grant after the lease, without a second change, and ends
// it on time.
func TestAReplicaDiesMidGrant(t *testing.T) {
	f := newFixture(t, bolt)
	dying := f.replica("a", &cutAfterSet{Roles: f.roles, cut: true})
	req := f.request(t, "r1", priya, time.Hour)
	if g, err := dying.Grant(t.Context(), req); err == nil || g.State != access.Pending {
		t.Fatalf("the dying replica's Grant = %+v, %v; want pending and an error", g, err)
	}
	survivor := f.replica("b", nil)
	if res, _ := survivor.Sweep(t.Context()); len(res.Ended) != 0 {
		t.Fatalf("the survivor acted within the lease: %+v", res)
	}
	f.advance(access.ChangeLease(0))
	if _, err := survivor.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	g, err := survivor.Get(t.Context(), access.GrantID("r1"))
	if err != nil || g.State != access.Active {
		t.Fatalf("after the survivor's sweep the grant is %+v, %v; want active", g, err)
	}
	if roles, _ := f.roleChanges(req.UserID); roles != 1 {
		t.Errorf("Zendesk saw %d role writes, want the one the dead replica made", roles)
	}
	f.advance(time.Hour)
	if res, err := survivor.Sweep(t.Context()); err != nil || len(res.Ended) != 1 {
		t.Errorf("the end = %+v, %v; want the grant ended by the survivor", res, err)
	}
}

// scheduleFails is a store whose schedule write fails, as when the
// replica dies or Redis goes away between a grant's two writes.
type scheduleFails struct{ store.Store }

func (scheduleFails) Schedule(context.Context, string, string, time.Time) error {
	return errors.New("redis: connection reset")
}

// A grant whose due time could not be written is not written either, so
// nothing stays pending that no sweep would finish; asked again, it is
// made and ends on time. A due time met early (a replica that lost the
// race to make the grant scheduled one) ends nothing before its end.
func TestAGrantIsScheduledBeforeItIsWritten(t *testing.T) {
	f := newFixture(t, bolt)
	broken := f.replica("a", nil)
	broken.Store = scheduleFails{f.store}
	req := f.request(t, "r1", priya, time.Hour)
	if _, err := broken.Grant(t.Context(), req); err == nil {
		t.Fatal("Grant succeeded though its due time was not written")
	}
	if _, err := broken.Get(t.Context(), access.GrantID("r1")); !errors.Is(err, access.ErrNotFound) {
		t.Fatalf("the grant was written without its due time: %v", err)
	}
	svc := f.replica("b", nil)
	g, err := svc.Grant(t.Context(), req)
	if err != nil || g.State != access.Active {
		t.Fatalf("asked again: %+v, %v; want active", g, err)
	}
	if err := f.store.Schedule(t.Context(), "access-expiry", g.ID, f.now()); err != nil {
		t.Fatal(err)
	}
	if res, err := svc.Sweep(t.Context()); err != nil || len(res.Ended) != 0 {
		t.Fatalf("a sweep meeting an early due time = %+v, %v; want nothing ended", res, err)
	}
	if at, ok, err := svc.NextDue(t.Context()); err != nil || !ok || !at.Equal(g.End) {
		t.Errorf("NextDue = %v, %v, %v; want the grant's end again", at, ok, err)
	}
}

// A role changed by hand during the grant is left alone, and the grant
// held for a person.
func TestARoleChangedByHandIsNotOverwritten(t *testing.T) {
	f := newFixture(t, bolt)
	svc := f.replica("a", nil)
	g, err := svc.Grant(t.Context(), f.request(t, "r1", priya, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	f.emu.UpdateUser(g.UserID, func(u *zendesk.User) {
		u.Role, u.RoleType, u.CustomRoleID = zendesk.RoleAgent, new(zendesk.RoleTypeCustomAgent), new(zendesktest.TeamLeadRoleID)
	})
	f.advance(time.Hour)
	res, err := svc.Sweep(t.Context())
	if err != nil || len(res.Held) != 1 {
		t.Fatalf("sweep = %+v, %v; want the grant held", res, err)
	}
	if !strings.Contains(res.Held[0].Note, "changed by hand") {
		t.Errorf("note = %q", res.Held[0].Note)
	}
	if u := f.user(t, priya); u.CustomRoleID == nil || *u.CustomRoleID != zendesktest.TeamLeadRoleID {
		t.Errorf("the hand-made role was overwritten: %+v", u)
	}
	if res, _ := svc.Sweep(t.Context()); res.Read != 0 {
		t.Errorf("a held grant is still due: %+v", res)
	}
}

// Zendesk down at the end: the end is retried with backoff, the admins
// are alerted once after the third failure, and the grant is recorded
// ended only when Zendesk confirms.
func TestZendeskDownAtTheEnd(t *testing.T) {
	f := newFixture(t, bolt)
	svc := f.replica("a", nil)
	g, err := svc.Grant(t.Context(), f.request(t, "r1", priya, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	f.advance(time.Hour)
	f.emu.InjectFault(zendesktest.EndpointUsersUpdate, zendesktest.Fault{Status: http.StatusServiceUnavailable})
	alerts := 0
	for attempt := 1; attempt <= 5; attempt++ {
		res, _ := svc.Sweep(t.Context())
		if len(res.Failing) != 1 || len(res.Ended) != 0 {
			t.Fatalf("attempt %d: sweep = %+v; want the grant failing, not ended", attempt, res)
		}
		alerts += len(res.Alerts)
		if attempt == 3 && len(res.Alerts) != 1 {
			t.Errorf("attempt 3 raised %d alerts, want 1", len(res.Alerts))
		}
		f.advance(5 * time.Minute)
	}
	if alerts != 1 {
		t.Errorf("%d alerts over five failures, want 1", alerts)
	}
	if cur, _ := svc.Get(t.Context(), g.ID); cur.State != access.Active {
		t.Errorf("while Zendesk is down the grant is %s, want active", cur.State)
	}
	f.emu.ClearFaults()
	if res, err := svc.Sweep(t.Context()); err != nil || len(res.Ended) != 1 {
		t.Errorf("after Zendesk is back: %+v, %v; want the grant ended", res, err)
	}
}

func TestGrantRefusals(t *testing.T) {
	f := newFixture(t, bolt)
	svc := f.replica("a", nil)
	svc.Policy.AccountOwner = "Dana@acme.example"
	svc.Policy.Roles = map[string]access.RolePolicy{"admin": {}, "team lead": {}}
	ctx := t.Context()
	if _, err := svc.Grant(ctx, f.request(t, "r1", priya, time.Hour)); err != nil {
		t.Fatal(err)
	}
	endUser := func() zendesk.User {
		for _, u := range f.emu.Users() {
			if u.Role == zendesk.RoleEndUser {
				return u
			}
		}
		t.Fatal("no end user in the sample org")
		return zendesk.User{}
	}()
	tests := []struct {
		name string
		req  access.Request
		want string
	}{
		{"a second grant of the role", f.request(t, "r2", priya, time.Hour), "priya@acme.example already holds admin (grant g-r1)"},
		{"an end user", access.Request{ID: "r3", UserID: endUser.ID, Email: endUser.Email, RoleName: "admin", Role: connector.Role{Base: "admin"}, Duration: time.Hour},
			"an end-user, not an agent"},
		{"the account owner", f.request(t, "r4", "dana@acme.example", time.Hour), "cannot be made admin: the account owner"},
		{"too long", f.request(t, "r5", "mei@acme.example", 5*time.Hour), "longer than admin may be held, 4 hours"},
		{"too short", f.request(t, "r6", "mei@acme.example", 5*time.Minute), "shorter than the shortest grant"},
		{"not grantable", access.Request{ID: "r7", UserID: 1, Email: "mei@acme.example", RoleName: "owner", Role: connector.Role{Base: "admin"}, Duration: time.Hour},
			`"owner" is not a role you can ask for`},
		{"the account owner, to a custom role", access.Request{ID: "r8", UserID: f.user(t, "dana@acme.example").ID, Email: "dana@acme.example", RoleName: "team lead",
			Role: connector.Role{Base: "agent", ID: strconv.FormatInt(zendesktest.TeamLeadRoleID, 10)}, Duration: time.Hour}, "the account owner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Grant(ctx, tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Grant = %v; want %q", err, tt.want)
			}
		})
	}
	if _, err := svc.Revoke(ctx, "g-nope", "omar@acme.example", "revoked"); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("revoke of an unknown grant: %v", err)
	}
	if _, err := svc.Revoke(ctx, access.GrantID("r3"), "omar@acme.example", "revoked"); err == nil || !strings.Contains(err.Error(), "is failed") {
		t.Errorf("revoke of a failed grant: %v", err)
	}
}

func TestRevokeNow(t *testing.T) {
	f := newFixture(t, bolt)
	svc := f.replica("a", nil)
	g, err := svc.Grant(t.Context(), f.request(t, "r1", priya, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	f.advance(10 * time.Minute)
	g, err = svc.Revoke(t.Context(), g.ID, "priya@acme.example", "revoked")
	if err != nil || g.State != access.Ended || g.EndedBy != "priya@acme.example" {
		t.Fatalf("Revoke = %+v, %v", g, err)
	}
	if _, err := svc.Revoke(t.Context(), g.ID, "priya@acme.example", "revoked"); err == nil || !strings.Contains(err.Error(), "is ended") {
		t.Errorf("a second revoke: %v", err)
	}
	if u := f.user(t, priya); u.Role != zendesk.RoleAgent {
		t.Errorf("after revoke priya is %s", u.Role)
	}
}

func TestExtend(t *testing.T) {
	f := newFixture(t, bolt)
	svc := f.replica("a", nil)
	svc.Policy.SelfExtend = 30 * time.Minute
	ctx := t.Context()
	g, err := svc.Grant(ctx, f.request(t, "r1", priya, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		more      time.Duration
		requestID string
		wantEnd   time.Duration // from start, "" when refused
		want      string        // the error, "" when extended
	}{
		{"self, over the self limit", 45 * time.Minute, "", 0, "you may add at most 30 minutes yourself"},
		{"self, once", 30 * time.Minute, "", 90 * time.Minute, ""},
		{"self, twice", 15 * time.Minute, "", 0, "you extended g-r1 yourself once already"},
		{"approved", time.Hour, "r9", 150 * time.Minute, ""},
		{"the same approval again changes nothing", time.Hour, "r9", 150 * time.Minute, ""},
		{"past the role's maximum from now", 2 * time.Hour, "r10", 0, "admin may be held at most 4 hours at a time; with 2 hours 30 minutes left, extend by 1 hour 30 minutes or less"},
	}
	for _, tt := range tests {
		ext, err := svc.Extend(ctx, g.ID, "priya@acme.example", tt.more, tt.requestID)
		switch {
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		case tt.want != "" && tt.requestID == "" && !errors.Is(err, access.ErrSelfExtend):
			t.Errorf("%s: %v is not ErrSelfExtend", tt.name, err)
		case tt.want == "" && (err != nil || !ext.End.Equal(start.Add(tt.wantEnd))):
			t.Errorf("%s: end %v, %v; want %v", tt.name, ext.End, err, start.Add(tt.wantEnd))
		}
	}
	if at, _, _ := svc.NextDue(ctx); !at.Equal(start.Add(150 * time.Minute)) {
		t.Errorf("the end is due at %v, want the extended end", at)
	}
	f.advance(time.Hour)
	if res, _ := svc.Sweep(ctx); len(res.Ended) != 0 {
		t.Error("the grant ended at its first end, not its extended one")
	}
}

func TestBreakGlass(t *testing.T) {
	f := newFixture(t, bolt)
	svc := f.replica("a", nil)
	ctx := t.Context()
	req := f.request(t, "bg-1", priya, 0)
	if _, err := svc.BreakGlass(ctx, req); !errors.Is(err, access.ErrBreakGlassOff) {
		t.Fatalf("break-glass with the policy off: %v", err)
	}
	svc.Policy.BreakGlass = 30 * time.Minute
	req.Duration = 2 * time.Hour // asks for more than break-glass allows: gets its maximum
	g, err := svc.BreakGlass(ctx, req)
	if err != nil || g.State != access.Active || !g.BreakGlass || g.Review == nil || !g.End.Equal(start.Add(30*time.Minute)) {
		t.Fatalf("BreakGlass = %+v, %v; want active for 30 minutes, awaiting review", g, err)
	}
	if _, err := svc.Acknowledge(ctx, g.ID, "priya@acme.example"); err == nil || !strings.Contains(err.Error(), "another approver reviews it") {
		t.Errorf("the holder acknowledged their own: %v", err)
	}
	f.advance(25 * time.Hour)
	late, err := svc.Unreviewed(ctx)
	if err != nil || len(late) != 1 || !late[0].Review.Escalated {
		t.Fatalf("Unreviewed = %+v, %v; want the grant, escalated", late, err)
	}
	if again, _ := svc.Unreviewed(ctx); len(again) != 0 {
		t.Errorf("escalated twice: %+v", again)
	}
	ack, err := svc.Acknowledge(ctx, g.ID, "dana@acme.example")
	if err != nil || ack.Review.By != "dana@acme.example" {
		t.Errorf("Acknowledge = %+v, %v", ack.Review, err)
	}
	if _, err := svc.Acknowledge(ctx, g.ID, "omar@acme.example"); err == nil || !strings.Contains(err.Error(), "reviewed") {
		t.Errorf("a second review: %v", err)
	}
}

// The sync's roster is watched: someone made admin by hand, with no grant
// and no standing leave, is found once; a grant or the policy's leave
// explains it; the first look only takes note.
func TestWatchFindsShadowAdmins(t *testing.T) {
	f := newFixture(t, bolt)
	svc := f.replica("a", nil)
	svc.Policy.StandingAllowed = []string{"jonas@acme.example"}
	tom := f.user(t, "tom@acme.example")
	svc.Keeps = func(context.Context) (map[int64]access.Keep, error) {
		return map[int64]access.Keep{tom.ID: {Until: f.now().Add(24 * time.Hour), By: "dana@acme.example", Reason: "audit week"}}, nil
	}
	ctx := t.Context()
	roster := func() *connector.Roster {
		var r connector.Roster
		for _, u := range f.emu.Users() {
			if u.Role == zendesk.RoleEndUser {
				continue
			}
			st := connector.Staff{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, RoleID: u.CustomRoleID, Privileged: u.Role == zendesk.RoleAdmin}
			r.Staff = append(r.Staff, st)
		}
		return &r
	}
	if got, err := svc.Watch(ctx, "", access.RosterMembers(roster())); err != nil || len(got) != 0 {
		t.Fatalf("the first look = %v, %v; want nothing reported", got, err)
	}
	promote := func(email string) {
		u := f.user(t, email)
		f.emu.UpdateUser(u.ID, func(u *zendesk.User) { u.Role, u.RoleType, u.CustomRoleID = zendesk.RoleAdmin, nil, nil })
	}
	promote("mei@acme.example")   // by hand: a shadow admin
	promote("jonas@acme.example") // allowed by the policy
	promote("tom@acme.example")   // kept by a privilege review
	if _, err := svc.Grant(ctx, f.request(t, "r1", priya, time.Hour)); err != nil {
		t.Fatal(err) // priya is admin by a grant
	}
	found, err := svc.Watch(ctx, "", access.RosterMembers(roster()))
	if err != nil || len(found) != 1 || found[0].Email != "mei@acme.example" || found[0].RoleName != "admin" ||
		found[0].Earlier == nil || found[0].Earlier.Base != "agent" {
		t.Fatalf("Watch = %+v, %v; want mei, admin, earlier an agent", found, err)
	}
	if again, err := svc.Watch(ctx, "", access.RosterMembers(roster())); err != nil || len(again) != 0 {
		t.Errorf("a second look = %v, %v; want nothing new", again, err)
	}

	// The account owner's role is never put back.
	svc.Policy.AccountOwner = "mei@acme.example"
	if _, err := svc.RevertShadow(ctx, found[0].ID, "dana@acme.example"); !errors.Is(err, access.ErrNotReverted) || !strings.Contains(err.Error(), "account owner") {
		t.Errorf("a revert of the account owner: %v", err)
	}
	svc.Policy.AccountOwner = ""

	// An admin puts mei's earlier role back from the report, once.
	sh, err := svc.RevertShadow(ctx, found[0].ID, "dana@acme.example")
	if err != nil || sh.RevertedBy != "dana@acme.example" {
		t.Fatalf("RevertShadow = %+v, %v", sh, err)
	}
	if u := f.user(t, "mei@acme.example"); u.Role != zendesk.RoleAgent || u.CustomRoleID == nil || *u.CustomRoleID != zendesktest.StaffRoleID {
		t.Errorf("after the revert mei is %s (custom role %v), want the Staff agent she was", u.Role, u.CustomRoleID)
	}
	if _, err := svc.RevertShadow(ctx, found[0].ID, "omar@acme.example"); !errors.Is(err, access.ErrNotReverted) || !strings.Contains(err.Error(), "already") {
		t.Errorf("a second revert: %v", err)
	}
	if _, err := svc.RevertShadow(ctx, "1-2", "dana@acme.example"); !errors.Is(err, access.ErrNotFound) {
		t.Errorf("an unknown shadow: %v", err)
	}
}

// A retroactive grant covers a role already held by hand: nothing is
// written to Zendesk when it starts, and its end puts the role from before
// back. One whose role changed again since the report is refused.
func TestRetroactiveGrant(t *testing.T) {
	f := newFixture(t, bolt)
	svc := f.replica("a", nil)
	ctx := t.Context()
	staff := connector.Role{Base: "agent", ID: strconv.FormatInt(zendesktest.StaffRoleID, 10)}
	mei := f.user(t, "mei@acme.example")
	f.emu.UpdateUser(mei.ID, func(u *zendesk.User) { u.Role, u.RoleType, u.CustomRoleID = zendesk.RoleAdmin, nil, nil })

	req := f.request(t, "r1", "mei@acme.example", time.Hour)
	if _, err := svc.Grant(ctx, req); err == nil || !strings.Contains(err.Error(), "already admin") {
		t.Fatalf("an ordinary grant of a role held: %v", err)
	}
	req.ID, req.Retroactive = "r2", true
	if _, err := svc.Grant(ctx, req); err == nil {
		t.Fatal("a retroactive grant with no earlier role was taken")
	}
	req.Earlier = &staff
	before, _ := f.roleChanges(mei.ID)
	g, err := svc.Grant(ctx, req)
	if err != nil || g.State != access.Active || !g.Retroactive || *g.Earlier != staff {
		t.Fatalf("retroactive grant = %+v, %v", g, err)
	}
	if after, _ := f.roleChanges(mei.ID); after != before {
		t.Errorf("a retroactive grant wrote the role %d times", after-before)
	}
	f.advance(time.Hour)
	if res, err := svc.Sweep(ctx); err != nil || len(res.Ended) != 1 {
		t.Fatalf("sweep = %+v, %v", res, err)
	}
	if u := f.user(t, "mei@acme.example"); u.Role != zendesk.RoleAgent || u.CustomRoleID == nil || *u.CustomRoleID != zendesktest.StaffRoleID {
		t.Errorf("after the end mei is %s (custom role %v), want the Staff agent she was", u.Role, u.CustomRoleID)
	}

	// Changed again since the report: neither the role found nor the one
	// before it.
	jonas := f.user(t, "jonas@acme.example")
	f.emu.UpdateUser(jonas.ID, func(u *zendesk.User) { u.CustomRoleID = ptr(zendesktest.TeamLeadRoleID) })
	changed := f.request(t, "r3", "jonas@acme.example", time.Hour)
	changed.Retroactive, changed.Earlier = true, &staff
	if g, _ := svc.Grant(ctx, changed); g.State != access.Failed || !strings.Contains(g.Note, "changed since") {
		t.Errorf("a role changed since the report: %+v", g)
	}
}
func ptr[T any](v T) *T { return &v }

// Retention deletes grants that ended before the cutoff; live and
// recently ended grants stay.
func TestPurge(t *testing.T) {
	f := newFixture(t, bolt)
	svc := f.replica("a", nil)
	ctx := t.Context()
	old, err := svc.Grant(ctx, f.request(t, "r1", priya, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	f.advance(time.Hour)
	if res, err := svc.Sweep(ctx); err != nil || len(res.Ended) != 1 {
		t.Fatalf("sweep = %+v, %v; want the grant ended", res, err)
	}
	f.advance(24 * time.Hour)
	live, err := svc.Grant(ctx, f.request(t, "r2", priya, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	n, err := svc.Purge(ctx, f.now().Add(-time.Hour), 100)
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v; want the grant that ended a day ago", n, err)
	}
	if _, err := svc.Get(ctx, old.ID); err == nil {
		t.Error("the ended grant is still there")
	}
	if _, err := svc.Get(ctx, live.ID); err != nil {
		t.Errorf("the live grant: %v", err)
	}
}
