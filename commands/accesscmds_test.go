package commands

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// The sample account's people the access tests use besides acmeAdmin
// (dana, admin), acmePriya (approver) and acmeLee (neither).
const (
	acmeMei    = "mei@acme.example"    // an agent in the Staff custom role
	acmeTom    = "tom@acme.example"    // an agent
	acmeHannah = "hannah@acme.example" // a suspended agent
)

// accessFixture is the request fixture with the emulated sample account
// and an access service over the same store.
type accessFixture struct {
	*requestFixture
	emu    *zendesktest.Server
	access *access.Service
}

// newAccessFixture builds the commands with requests and access; edit
// changes the approvals policy (and its access part) first.
func newAccessFixture(t *testing.T, edit ...func(*approvals.Policy)) *accessFixture {
	t.Helper()
	f := &accessFixture{requestFixture: newRequestFixture(t, edit...)}
	f.emu = zendesktest.NewServer(zendesktest.SampleOrg(now), zendesktest.WithOAuthClient("cmd", "secret", true),
		zendesktest.WithClock(f.now))
	t.Cleanup(f.emu.Close)
	zd, err := zendesk.New(zendesk.Config{BaseURL: f.emu.URL, Auth: zendesk.OAuthClientCredentials("cmd", "secret"),
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, RequestsPerMinute: 100_000,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	f.access = &access.Service{Store: f.store, Audit: f.store, Roles: zendesk.Connector{Client: zd}, Now: f.now, Holder: "test",
		Policy: f.svc.Policy.Access}
	f.deps.Access = f.access
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *accessFixture) setClock(at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = at
}

// member is a person of the emulated account as Zendesk has them now.
func (f *accessFixture) member(t *testing.T, email string) zendesk.User {
	t.Helper()
	u, ok := f.emu.UserByEmail(email)
	if !ok {
		t.Fatalf("no %s in the emulator", email)
	}
	return u
}

// grantDirect grants who admin for d as approved request id, without an
// approval request behind it.
func (f *accessFixture) grantDirect(t *testing.T, id, who string, d time.Duration) access.Grant {
	t.Helper()
	u := f.member(t, who)
	g, err := f.access.Grant(t.Context(), access.Request{ID: id, UserID: u.ID, Email: u.Email, Name: u.Name,
		RoleName: "admin", Role: connector.Role{Base: zendesk.RoleAdmin}, Duration: d,
		Reason: "Fix the SSO settings", ApprovedBy: []string{acmeAdmin, acmePriya}})
	if err != nil && g.State != access.Failed {
		t.Fatal(err)
	}
	return g
}

// grantApproved asks for admin for d as who, has dana and priya approve
// it, and grants it: what the access-expiry job does.
func (f *accessFixture) grantApproved(t *testing.T, who, d string) (approvals.Request, access.Grant) {
	t.Helper()
	ctx := t.Context()
	r := f.open(t, who, approvals.Access.Name, map[string]string{
		approvals.FieldRole: "admin", approvals.FieldDuration: d, approvals.FieldWhy: "Fix the SSO settings <after> the IdP change & more",
		approvals.FieldTicket: "4521"})
	for _, by := range []string{acmeAdmin, acmePriya} {
		var err error
		if r, err = f.svc.Approve(ctx, r.ID, approvals.Actor{Email: by}); err != nil {
			t.Fatal(err)
		}
	}
	dur, err := time.ParseDuration(r.Answers[approvals.FieldDuration])
	if err != nil {
		t.Fatal(err)
	}
	u := f.member(t, who)
	g, err := f.access.Grant(ctx, access.Request{ID: r.ID, UserID: u.ID, Email: u.Email, Name: u.Name,
		RoleName: "admin", Role: connector.Role{Base: zendesk.RoleAdmin}, Duration: dur,
		Reason: r.Answers[approvals.FieldWhy], Ticket: r.Answers[approvals.FieldTicket], ApprovedBy: approvals.MarkNames(r.Approvals)})
	if err != nil || g.State != access.Active {
		t.Fatalf("grant = %+v, %v", g, err)
	}
	return r, g
}

func (f *accessFixture) grant(t *testing.T, id string) access.Grant {
	t.Helper()
	g, err := f.access.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// grantLines are the ids a grant list shows, in order.
func grantLines(m bot.Message) []string {
	var ids []string
	for _, s := range m.Sections {
		if id, _, ok := strings.Cut(strings.TrimPrefix(s.Text, "*"), "*"); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// TestAccessList: holders see their own grants in any state, newest
// first; approvers and admins also see everyone's open grants and those
// ended in the last week.
func TestAccessList(t *testing.T) {
	f := newAccessFixture(t)
	ctx := t.Context()
	f.setClock(now.Add(-10 * 24 * time.Hour))
	old := f.grantDirect(t, "REQ-TQMAAA", acmeTom, time.Hour)
	if _, err := f.access.Revoke(ctx, old.ID, "system", "expired"); err != nil {
		t.Fatal(err)
	}
	f.setClock(now.Add(-time.Hour))
	r, mine := f.grantApproved(t, acmeMei, "2h")
	f.setClock(now.Add(-30 * time.Minute))
	priyas := f.grantDirect(t, "REQ-PRYAAA", acmePriya, time.Hour)
	f.setClock(now.Add(-20 * time.Minute))
	if _, err := f.access.Revoke(ctx, priyas.ID, acmeAdmin, "revoked"); err != nil {
		t.Fatal(err)
	}
	f.setClock(now.Add(-10 * time.Minute))
	failed := f.grantDirect(t, "REQ-HANAAA", acmeHannah, time.Hour)
	f.setClock(now)
	if failed.State != access.Failed {
		t.Fatalf("hannah's grant is %s, want failed (she is suspended)", failed.State)
	}

	tests := []struct {
		name, who string
		want      []string
	}{
		{"holder", acmeMei, []string{mine.ID}},
		{"holder of an old grant", acmeTom, []string{old.ID}},
		{"admin", acmeAdmin, []string{failed.ID, priyas.ID, mine.ID}},
		{"approver", acmePriya, []string{failed.ID, priyas.ID, mine.ID}},
		{"stranger", acmeLee, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ask(f.router, tt.who, "access list")
			if m.Visibility != bot.Ephemeral {
				t.Errorf("visibility %v", m.Visibility)
			}
			if got := grantLines(m); !slices.Equal(got, tt.want) {
				t.Errorf("grants listed %q, want %q\n%s", got, tt.want, text(m))
			}
		})
	}
	t.Run("holder's line", func(t *testing.T) {
		m := ask(f.router, acmeMei, "access list")
		mustSay(t, m, "*"+mine.ID+"* · mei@acme.example · admin\nActive · 1 hour left · ends 20 Nov 2026 12:00")
		goldenRequests(t, m, r.ID)
	})
	t.Run("admin's list", func(t *testing.T) {
		goldenRequests(t, ask(f.router, acmeAdmin, "access list"), r.ID)
	})
	for _, s := range []struct{ name, who, text, want string }{
		{"no email", nobody, "access list", "I could not find an email address on your chat profile, so I cannot tell which grants are yours"},
		{"arguments", acmeMei, "access list mine", "Usage error: access list takes no arguments, e.g. /warden access list"},
	} {
		t.Run(s.name, func(t *testing.T) { wantLine(t, ask(f.router, s.who, s.text), s.want) })
	}
}

// TestAccessShow: the holder, approvers and admins see a grant; anyone
// else is refused, and ids that name no grant are not found.
func TestAccessShow(t *testing.T) {
	f := newAccessFixture(t)
	r, g := f.grantApproved(t, acmeMei, "2h")
	for _, who := range []string{acmeMei, acmeAdmin, acmePriya} {
		t.Run("seen by "+who, func(t *testing.T) {
			m := ask(f.router, who, "access show "+g.ID)
			if m.Headline != "Access grant "+g.ID+": mei@acme.example as admin" || m.Visibility != bot.Ephemeral {
				t.Fatalf("access show: %+v", m)
			}
			mustSay(t, m, "Mei Tanaka (mei@acme.example)", "dana@acme.example and priya@acme.example",
				"*Reason*\nFix the SSO settings &lt;after&gt; the IdP change &amp; more")
		})
	}
	t.Run("detail", func(t *testing.T) { goldenRequests(t, ask(f.router, acmeMei, "access show "+g.ID), r.ID) })
	t.Run("any case, or the request's id", func(t *testing.T) {
		for _, id := range []string{strings.ToLower(g.ID), r.ID, strings.ToLower(r.ID)} {
			if m := ask(f.router, acmeMei, "access show "+id); m.Headline != "Access grant "+g.ID+": mei@acme.example as admin" {
				t.Errorf("access show %s: %+v", id, m)
			}
		}
	})
	notFound := func(id string) string {
		return `No access grant "` + id + `"; access list shows yours with their IDs, e.g. /warden access list`
	}
	for _, s := range []struct{ name, who, text, want string }{
		{"stranger", acmeLee, "access show " + g.ID, g.ID + " is not yours to see: its holder, approvers and admins can"},
		{"another agent", acmeTom, "access show " + g.ID, g.ID + " is not yours to see: its holder, approvers and admins can"},
		{"no email", nobody, "access show " + g.ID, g.ID + " is not yours to see: its holder, approvers and admins can"},
		{"unknown", acmeAdmin, "access show g-REQ-ZZZZZZ", notFound("g-REQ-ZZZZZZ")},
		{"tampered", acmeAdmin, "access show g-<script>", notFound("g-<script>")},
		{"not an id", acmeAdmin, "access show admin", notFound("admin")},
		{"no id", acmeAdmin, "access show", "Usage error: access show takes one grant ID, such as g-REQ-7KQ2MX, e.g. /warden access show g-REQ-7KQ2MX"},
	} {
		t.Run(s.name, func(t *testing.T) { wantLine(t, ask(f.router, s.who, s.text), s.want) })
	}
}

// TestAccessRevoke: the holder or an admin ends a grant now; Zendesk has
// the earlier role back, the request's thread and requester are told.
// Anyone else, and a grant no longer active, are refused and change
// nothing; a Zendesk failure leaves the end queued.
func TestAccessRevoke(t *testing.T) {
	f := newAccessFixture(t)
	ctx := t.Context()
	meiBefore := f.member(t, acmeMei)
	r, g := f.grantApproved(t, acmeMei, "2h")
	f.emu.StartSession(meiBefore.ID)
	f.setClock(now.Add(20 * time.Minute))

	refused := func(t *testing.T, who, text, want string) {
		t.Helper()
		told := len(f.told())
		wantLine(t, ask(f.router, who, text), want)
		if n := len(f.told()); n != told {
			t.Errorf("a refusal told ApprovalChanged %v", f.told()[told:])
		}
	}
	for _, s := range []struct{ name, who string }{{"stranger", acmeLee}, {"approver", acmePriya}, {"no email", nobody}} {
		t.Run(s.name, func(t *testing.T) {
			refused(t, s.who, "access revoke "+g.ID, "Only the holder, mei@acme.example, and admins can revoke "+g.ID)
			if cur := f.grant(t, g.ID); cur.State != access.Active || cur.Change != nil {
				t.Errorf("after a refused revoke the grant is %s with change %+v", cur.State, cur.Change)
			}
			if u := f.member(t, acmeMei); u.Role != zendesk.RoleAdmin {
				t.Errorf("after a refused revoke mei is %s", u.Role)
			}
		})
	}
	t.Run("tampered id", func(t *testing.T) {
		refused(t, acmeAdmin, "access revoke g-<script>", `No access grant "g-<script>"; access list shows yours with their IDs, e.g. /warden access list`)
	})

	t.Run("holder", func(t *testing.T) {
		told := len(f.told())
		m := ask(f.router, acmeMei, "access revoke "+g.ID)
		if m.Headline != "Ended "+g.ID+": mei@acme.example no longer holds admin" || m.Visibility != bot.Ephemeral {
			t.Fatalf("revoke: %+v", m)
		}
		const ended = "Ended early by mei@acme.example; back to agent in Zendesk, with sessions ended."
		mustSay(t, m, ended, "The thread of request "+r.ID+" says so, and mei@acme.example hears of it.")
		goldenRequests(t, m, r.ID)

		u := f.member(t, acmeMei)
		if u.Role != zendesk.RoleAgent || u.CustomRoleID == nil || meiBefore.CustomRoleID == nil || *u.CustomRoleID != *meiBefore.CustomRoleID {
			t.Errorf("after revoke mei is %s (custom role %v), want agent in %v again", u.Role, u.CustomRoleID, meiBefore.CustomRoleID)
		}
		if n := f.emu.Sessions(u.ID); n != 0 {
			t.Errorf("mei has %d sessions left", n)
		}
		cur := f.grant(t, g.ID)
		if cur.State != access.Ended || cur.EndedBy != acmeMei || !cur.EndedAt.Equal(now.Add(20*time.Minute)) {
			t.Errorf("grant after revoke: %s by %q at %v", cur.State, cur.EndedBy, cur.EndedAt)
		}
		req := f.get(t, r.ID)
		if req.State != approvals.Done || !slices.Contains(req.Told, approvals.EventGrantEnded) || req.Closed == nil ||
			req.Closed.By != acmeMei || req.Closed.Text != ended {
			t.Errorf("request after revoke: %s, told %v, closed %+v", req.State, req.Told, req.Closed)
		}
		if got := f.told()[told:]; !slices.Equal(got, []string{r.ID}) {
			t.Errorf("ApprovalChanged told %v, want [%s]", got, r.ID)
		}
	})

	t.Run("ended", func(t *testing.T) {
		refused(t, acmeMei, "access revoke "+g.ID, g.ID+" is already ended; nothing to revoke")
	})

	t.Run("failed", func(t *testing.T) {
		failed := f.grantDirect(t, "REQ-HANAAA", acmeHannah, time.Hour)
		refused(t, acmeAdmin, "access revoke "+failed.ID, failed.ID+" failed: the role was never granted, so there is nothing to revoke")
	})

	t.Run("admin, Zendesk down", func(t *testing.T) {
		tom := f.grantDirect(t, "REQ-TQMAAA", acmeTom, time.Hour)
		f.emu.InjectFault(zendesktest.EndpointUsersUpdate, zendesktest.Fault{Status: http.StatusServiceUnavailable})
		refused(t, acmeAdmin, "access revoke "+tom.ID,
			"Zendesk did not take admin back just now, so tom@acme.example still holds it; the end is queued and will be retried automatically (/warden access show "+tom.ID+" follows it)")
		cur := f.grant(t, tom.ID)
		if cur.State != access.Active || cur.Change == nil || cur.Change.Op != access.OpRevoke || cur.Change.By != acmeAdmin || cur.Change.Error == "" {
			t.Errorf("after a failed revoke the grant is %s with change %+v; want active, its end queued", cur.State, cur.Change)
		}
		if u := f.member(t, acmeTom); u.Role != zendesk.RoleAdmin {
			t.Errorf("tom is %s while Zendesk is down", u.Role)
		}

		// Zendesk is back: the sweep finishes the end the admin asked for.
		f.emu.ClearFaults()
		f.setClock(now.Add(time.Hour))
		if res, err := f.access.Sweep(ctx); err != nil || len(res.Ended) != 1 || res.Ended[0].EndedBy != acmeAdmin {
			t.Errorf("sweep after Zendesk is back: %+v, %v", res, err)
		}
		if u := f.member(t, acmeTom); u.Role != zendesk.RoleAgent {
			t.Errorf("after the sweep tom is %s", u.Role)
		}
	})
}

// TestAccessRequest: access request opens the access form, filled in
// with the role and duration typed; ones the policy does not take are
// refused in one line with an example, and nothing is written.
func TestAccessRequest(t *testing.T) {
	f := newAccessFixture(t)
	form := ask(f.router, acmeMei, "access request admin 2h")
	if form.Form == nil || form.Form.ID != prompts.FormRequestPrefix+approvals.Access.Name || form.Form.RecordID != "" || form.Visibility != bot.Ephemeral {
		t.Fatalf("access request did not open the access form: %+v", form)
	}
	t.Run("form", func(t *testing.T) { goldenJSON(t, form) })

	initial := func(m bot.Message) map[string]string {
		out := map[string]string{}
		if m.Form != nil {
			for _, in := range m.Form.Inputs {
				out[in.ID] = in.Initial
			}
		}
		return out
	}
	forms := []struct{ name, text, role, duration string }{
		{"role and duration", "access request admin 2h", "admin", "2h"},
		{"in words, any case", "access request ADMIN 90 minutes", "admin", "1h30m"},
		{"role only", "access request admin", "admin", ""},
		{"nothing typed", "access request", "", ""},
		{"as request access", "request access admin 45m", "admin", "45m"},
	}
	for _, tt := range forms {
		t.Run(tt.name, func(t *testing.T) {
			m := ask(f.router, acmeMei, tt.text)
			if m.Form == nil || m.Form.ID != prompts.FormRequestPrefix+"access" {
				t.Fatalf("%s: no access form: %+v", tt.text, m)
			}
			if got := initial(m); got[approvals.FieldRole] != tt.role || got[approvals.FieldDuration] != tt.duration {
				t.Errorf("form starts with role %q, duration %q; want %q, %q", got[approvals.FieldRole], got[approvals.FieldDuration], tt.role, tt.duration)
			}
		})
	}

	refusals := []struct{ name, who, text, want string }{
		{"not a duration", acmeMei, "access request admin 2 weeks",
			`Usage error: "2 weeks" is not a duration: use minutes, hours or days, such as 30m, 2h, 1h30m or 1d, e.g. /warden access request admin 2h`},
		{"too long", acmeMei, "access request admin 8h",
			"Usage error: 8 hours is longer than admin may be held, 4 hours; ask for 4 hours or less, e.g. /warden access request admin 2h"},
		{"too long, as request access", acmeMei, "request access admin 1 day",
			"Usage error: 1 day is longer than admin may be held, 4 hours; ask for 4 hours or less, e.g. /warden access request admin 2h"},
		{"too short", acmeMei, "access request admin 5m",
			"Usage error: 5 minutes is shorter than the shortest grant, 15 minutes; ask for 15 minutes or more, e.g. /warden access request admin 2h"},
		{"not grantable", acmeMei, "access request owner 2h",
			`Usage error: "owner" is not a role you can ask for; grantable: admin, e.g. /warden access request admin 2h`},
		{"markup", acmeMei, "access request <!here> 2h",
			`Usage error: "<!here>" is not a role you can ask for; grantable: admin, e.g. /warden access request admin 2h`},
		{"no email", nobody, "access request admin 2h",
			"I could not find an email address on your chat profile, so approvers could not tell who asked"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			got := ask(f.router, r.who, r.text)
			if got.Form != nil {
				t.Errorf("a form opened: %+v", got.Form)
			}
			wantLine(t, got, r.want)
		})
	}
	if rs := f.all(t); len(rs) != 0 {
		t.Errorf("opening forms wrote %d requests", len(rs))
	}

	t.Run("sent", func(t *testing.T) {
		values := initial(form)
		values[approvals.FieldWhy] = "Fix the SSO settings"
		sent := f.submit(acmeMei, form.Form.ID, form.Form.RecordID, values)
		rs := f.all(t)
		if len(rs) != 1 || sent.Headline != "Sent for approval: "+rs[0].ID {
			t.Fatalf("sending the form: %+v, requests %+v", sent, rs)
		}
		if r := rs[0]; r.Kind != approvals.Access.Name || r.Requester != acmeMei || r.Answers[approvals.FieldDuration] != "2h0m0s" || r.Tier != approvals.High {
			t.Errorf("request %+v", r)
		}
	})
}

// TestAccessRequestCustomRole: a custom role's name may have spaces, and
// the example in errors is one the policy takes.
func TestAccessRequestCustomRole(t *testing.T) {
	f := newAccessFixture(t, func(p *approvals.Policy) {
		p.Access = access.Policy{Roles: map[string]access.RolePolicy{"Team Lead": {MaxDuration: time.Hour}}}
	})
	m := ask(f.router, acmeMei, "access request team lead 30m")
	if m.Form == nil || m.Form.Inputs[0].Initial != "team lead" || m.Form.Inputs[1].Initial != "30m" {
		t.Fatalf("access request team lead 30m: %+v", m)
	}
	if m := ask(f.router, acmeMei, `access request "Team Lead"`); m.Form == nil || m.Form.Inputs[0].Initial != "team lead" {
		t.Errorf(`access request "Team Lead": %+v`, m)
	}
	wantLine(t, ask(f.router, acmeMei, "access request admin 2h"),
		`Usage error: "admin" is not a role you can ask for; grantable: team lead, e.g. /warden access request "team lead" 1h`)
	wantLine(t, ask(f.router, acmeMei, "access request team lead 2 weeks"),
		`Usage error: "2 weeks" is not a duration: use minutes, hours or days, such as 30m, 2h, 1h30m or 1d, e.g. /warden access request "team lead" 1h`)
}

// TestAccessCommandsNeedTheService: without the access service the access
// commands are not there; without approvals access request is not.
func TestAccessCommandsNeedTheService(t *testing.T) {
	none, err := New(newFixture(t, nil).deps)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"access list", "access request admin 2h", "request access"} {
		if got := ask(none, acmeAdmin, text); !strings.HasPrefix(errorLine(t, got), "Unknown command") {
			t.Errorf("%s without the service: %+v", text, got)
		}
	}

	f := newAccessFixture(t)
	f.deps.Approvals = nil
	r, err := New(f.deps)
	if err != nil {
		t.Fatal(err)
	}
	if got := ask(r, acmeMei, "access request admin 2h"); got.Form != nil || !strings.HasPrefix(errorLine(t, got), "Unknown command") {
		t.Errorf("access request without approvals: %+v", got)
	}
	if got := ask(r, acmeMei, "access list"); got.Headline != "Access grants: 0" {
		t.Errorf("access list without approvals: %+v", got)
	}
}

// TestAccessHelp: help lists the access commands, each with its usage,
// description and examples.
func TestAccessHelp(t *testing.T) {
	f := newAccessFixture(t)
	m := ask(f.router, acmeLee, "help access")
	usages, unknown := helpCommands(m)
	want := []string{"access request [ROLE] [DURATION]", "access list", "access show ID", "access extend ID DURATION", "access break-glass ROLE REASON", "access revoke ID"}
	if !slices.Equal(usages, want) || unknown != "" {
		t.Errorf("help access lists %q (unknown %q), want %q", usages, unknown, want)
	}
	goldenJSON(t, m)
}

func TestAccessExtend(t *testing.T) {
	// The policy lets holders add up to 30 minutes once themselves.
	f := newAccessFixture(t, func(p *approvals.Policy) { p.Access.SelfExtend = 30 * time.Minute })
	f.access.Policy.SelfExtend = 30 * time.Minute
	r, g := f.grantApproved(t, acmeMei, "1h")

	refusals := []struct{ name, who, text, want string }{
		{"not the holder", acmeAdmin, "access extend " + g.ID + " 15m", "Only the holder, mei@acme.example, can extend " + g.ID + "; anyone else asks for their own grant with /warden access request"},
		{"no duration", acmeMei, "access extend " + g.ID, "Usage error: access extend takes a grant ID and how much longer, e.g. /warden access extend g-REQ-7KQ2MX 30m"},
		{"two weeks", acmeMei, "access extend " + g.ID + " 2 weeks", `Usage error: "2 weeks" is not a duration: use minutes, hours or days, such as 30m, 2h, 1h30m or 1d, e.g. /warden access extend ` + g.ID + ` 30m`},
		{"tampered id", acmeMei, "access extend g-<x> 15m", `No access grant "g-<x>"; access list shows yours with their IDs, e.g. /warden access list`},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			wantLine(t, ask(f.router, tt.who, tt.text), tt.want)
			if cur := f.grant(t, g.ID); !cur.End.Equal(g.End) {
				t.Errorf("a refused extension moved the end to %v", cur.End)
			}
		})
	}
	t.Run("self, within the policy", func(t *testing.T) {
		m := ask(f.router, acmeMei, "access extend "+g.ID+" 20m")
		if !strings.HasPrefix(m.Headline, "Extended "+g.ID+" by 20 minutes: you hold admin until") {
			t.Fatalf("extend: %+v", m)
		}
		goldenRequests(t, m, r.ID)
		if cur := f.grant(t, g.ID); !cur.End.Equal(g.End.Add(20*time.Minute)) || !cur.SelfExtended() {
			t.Errorf("after the extension the grant ends %v (self-extended %v)", cur.End, cur.SelfExtended())
		}
		if req := f.get(t, r.ID); !slices.Contains(req.Told, approvals.EventGrantExtended) {
			t.Errorf("the request was not told: %v", req.Told)
		}
	})
	t.Run("a second time goes to approvers", func(t *testing.T) {
		m := ask(f.router, acmeMei, "access extend "+g.ID+" 20m")
		if m.Form == nil || m.Form.Title != "Request an access grant" {
			t.Fatalf("a second extension did not open the request form: %+v", m)
		}
	})
}

func TestAccessBreakGlass(t *testing.T) {
	f := newAccessFixture(t)
	// The account as a sync saw it, to find the person breaking the glass.
	syncer := &seats.Syncer{Source: f.access.Roles.(zendesk.Connector), Connector: connector.Zendesk, Store: f.store, Account: f.emu.URL, Now: f.now}
	if _, err := syncer.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	var announced []string
	f.deps.BrokeGlass = func(_ context.Context, id string) { announced = append(announced, id) }
	var err error
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	const breakGlass = "access break-glass admin checkout is down and SSO must be reconfigured"
	wantLine(t, ask(f.router, acmeMei, breakGlass), access.ErrBreakGlassOff.Error())

	f.access.Policy.BreakGlass = 30 * time.Minute
	for _, tt := range []struct{ name, text, want string }{
		{"no reason", "access break-glass admin", "Usage error: access break-glass takes a role and why, e.g. /warden access break-glass admin checkout is down and the SSO app must be reconfigured"},
		{"a reason too short to review", "access break-glass admin now", "Usage error: say why you break the glass, in a sentence: approvers review it, e.g. /warden access break-glass admin checkout is down and the SSO app must be reconfigured"},
		{"not grantable", "access break-glass owner because I can", `Usage error: "owner" is not a role you can ask for; grantable: admin, e.g. /warden access break-glass admin checkout is down and the SSO app must be reconfigured`},
	} {
		t.Run(tt.name, func(t *testing.T) { wantLine(t, ask(f.router, acmeMei, tt.text), tt.want) })
	}

	// The store failing is the bot's trouble, not a usage error: an
	// apology with a reference, and no internal error shown.
	working := f.access.Store
	f.access.Store = unschedulable{working}
	failed := errorLine(t, ask(f.router, acmeMei, breakGlass))
	if !refLine.MatchString(failed) {
		t.Errorf("break-glass with the store failing: %q, want an apology with a reference", failed)
	}
	f.access.Store = working

	m := ask(f.router, acmeMei, breakGlass)
	if !strings.HasPrefix(m.Headline, "You are admin in Zendesk until") || !strings.HasSuffix(m.Headline, ": break-glass") {
		t.Fatalf("break-glass: %+v", m)
	}
	if u := f.member(t, acmeMei); u.Role != zendesk.RoleAdmin {
		t.Errorf("after break-glass mei is %s", u.Role)
	}
	if len(announced) != 1 || !strings.HasPrefix(announced[0], "g-BG-") {
		t.Fatalf("announced %v, want one break-glass grant", announced)
	}
	id := announced[0]
	goldenRequests(t, m, strings.TrimPrefix(id, "g-"))
	for _, who := range []string{acmeMei, acmeLee} { // the holder, and someone else who is no approver
		wantLine(t, click(f.router, who, prompts.ActionAccessReview, id), "Only approvers of access requests and admins review break-glass grants")
	}
	reviewed := click(f.router, acmePriya, prompts.ActionAccessReview, strings.ToLower(id))
	if reviewed.Delivery != bot.ReplaceOriginal || len(reviewed.Buttons) != 0 || !strings.Contains(text(reviewed), "Reviewed by priya@acme.example") {
		t.Errorf("review: %+v", reviewed)
	}
}

// FuzzAccessRequest: whatever follows access request, the bot opens the
// form (for a grantable role and a duration the policy takes) or answers
// with one line, and never panics.
func FuzzAccessRequest(f *testing.F) {
	for _, s := range []string{"", "admin", "admin 2h", "team lead 90 minutes", `"team lead" 1d`, "admin 2 weeks", "owner 2h", "admin -1h", "<!here> 2h", "admin 1h30m extra"} {
		f.Add(s)
	}
	st := newFixture(f, nil)
	p := approvals.Policy{Location: time.UTC, Channel: approvalsChannel, Admins: []string{acmeAdmin},
		Access: access.Policy{Roles: map[string]access.RolePolicy{"admin": {MaxDuration: 4 * time.Hour}, "team lead": {}}}}
	st.deps.Approvals = &approvals.Service{Records: st.store, Audit: st.store, Policy: p, Now: func() time.Time { return now }}
	st.deps.Access = &access.Service{Store: st.store, Policy: p.Access}
	r, err := New(st.deps)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, args string) {
		m := ask(r, acmeMei, "access request "+args)
		if m.Form != nil {
			return
		}
		if m.Visibility != bot.Ephemeral || len(m.Sections) != 1 || strings.Contains(m.Sections[0].Text, "\n") {
			t.Fatalf("access request %q: neither a form nor one private line: %+v", args, m)
		}
	})
}

func TestAccessStanding(t *testing.T) {
	f := newAccessFixture(t)
	f.access.Policy.StandingAllowed = []string{"OMAR@acme.example"}
	f.access.Policy.AccountOwner = "dana@acme.example"
	f.access.Policy.Roles = map[string]access.RolePolicy{"admin": {}, "team lead": {}}
	wantLine(t, ask(f.router, acmeAdmin, "access standing"), "No sync has run yet, so I do not know who holds which role; the first sync runs at start-up")
	syncer := &seats.Syncer{Source: f.access.Roles.(zendesk.Connector), Connector: connector.Zendesk, Store: f.store, Account: f.emu.URL, Now: f.now}
	if _, err := syncer.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Mei holds admin by a grant: not standing.
	f.grantDirect(t, "REQ-STAND1", acmeMei, time.Hour)
	if _, err := syncer.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	m := ask(f.router, acmeAdmin, "access standing")
	if !strings.HasPrefix(m.Headline, "Standing privilege: ") {
		t.Fatalf("standing: %+v", m)
	}
	all := text(m)
	for _, want := range []string{"*Nothing allows it.*", "• lucas@acme.example · team lead\n*Allowed.*",
		"• dana@acme.example · admin · the account owner", "• omar@acme.example · admin · listed in access.standing_allowed"} {
		if !strings.Contains(all, want) {
			t.Errorf("standing lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, acmeMei) {
		t.Errorf("mei holds admin by a grant, yet is listed:\n%s", all)
	}
	goldenJSON(t, m)

	// A Keep from the privilege review allows it until its date, with why.
	lucas, _ := f.emu.UserByEmail("lucas@acme.example")
	f.access.Keeps = func(context.Context) (map[int64]access.Keep, error) {
		return map[int64]access.Keep{lucas.ID: {Until: f.now().AddDate(0, 0, 30), By: "omar@acme.example", Reason: "runs the night shift"}}, nil
	}
	if all := text(ask(f.router, acmeAdmin, "access standing")); !strings.Contains(all, "• lucas@acme.example · team lead · kept by omar@acme.example until ") ||
		!strings.Contains(all, ": runs the night shift") || strings.Contains(all, "Nothing allows it") {
		t.Errorf("a kept Team Lead:\n%s", all)
	}
	wantLine(t, ask(f.router, acmeMei, "access standing"), `Sorry, "access standing" is only for Zendesk admins. Ask one of them if you need it.`)
}

// shadowMei makes Mei admin by hand and has the sync report her: the id
// of her shadow report.
func (f *accessFixture) shadowMei(t *testing.T) string {
	t.Helper()
	syncer := &seats.Syncer{Source: f.access.Roles.(zendesk.Connector), Connector: connector.Zendesk, Store: f.store, Account: f.emu.URL, Now: f.now}
	if _, err := syncer.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	snap, err := f.store.LoadSnapshot(t.Context(), connector.Zendesk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.access.Watch(t.Context(), "", access.RosterMembers(&snap.Roster)); err != nil {
		t.Fatal(err)
	}
	mei := f.member(t, acmeMei)
	f.emu.UpdateUser(mei.ID, func(u *zendesk.User) { u.Role, u.RoleType, u.CustomRoleID = zendesk.RoleAdmin, nil, nil })
	f.emu.Advance(2 * time.Minute)
	f.setClock(now.Add(2 * time.Minute))
	if _, err := syncer.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if snap, err = f.store.LoadSnapshot(t.Context(), connector.Zendesk); err != nil {
		t.Fatal(err)
	}
	found, err := f.access.Watch(t.Context(), "", access.RosterMembers(&snap.Roster))
	if err != nil || len(found) != 1 {
		t.Fatalf("Watch = %+v, %v; want mei", found, err)
	}
	return found[0].ID
}

// The shadow-admin report's button puts the earlier role back, for admins.
func TestShadowRevert(t *testing.T) {
	f := newAccessFixture(t)
	id := f.shadowMei(t)

	wantLine(t, click(f.router, acmeMei, prompts.ActionShadowRevert, id), `Sorry, "access standing" is only for Zendesk admins. Ask one of them if you need it.`)
	wantLine(t, click(f.router, acmeAdmin, prompts.ActionShadowRevert, "1-<x>"), "Usage error: That button does not name a report; it may have been altered. /warden access standing shows who holds privilege now, e.g. /warden access standing")
	m := click(f.router, acmeAdmin, prompts.ActionShadowRevert, id)
	if m.Delivery != bot.ReplaceOriginal || len(m.Buttons) != 0 || !strings.Contains(text(m), "dana@acme.example put the earlier role back") {
		t.Fatalf("revert: %+v", m)
	}
	if u := f.member(t, acmeMei); u.Role != zendesk.RoleAgent {
		t.Errorf("after the revert mei is %s", u.Role)
	}
	wantLine(t, click(f.router, acmeAdmin, prompts.ActionShadowRevert, id), "dana@acme.example put mei@acme.example's earlier role back already")
}

// Open a retroactive request: an admin's form opens an access request in
// Mei's name for the role she holds, linked to the report, once.
func TestShadowRetroactiveRequest(t *testing.T) {
	f := newAccessFixture(t)
	id := f.shadowMei(t)
	form := click(f.router, acmeAdmin, prompts.ActionAccessShadowRequest, id)
	if form.Form == nil || form.Form.ID != prompts.FormAccessShadowRequest || form.Form.RecordID != id {
		t.Fatalf("no form: %+v", form)
	}
	submit := func(values map[string]string) bot.Message {
		return f.router.Handle(context.Background(), bot.Request{Platform: bot.PlatformSlack, User: user(acmeAdmin),
			Form: &bot.FormSubmission{FormID: prompts.FormAccessShadowRequest, RecordID: id, Values: values}})
	}
	bad := submit(map[string]string{approvals.FieldDuration: "2 weeks", approvals.FieldWhy: "covering the billing migration"})
	if bad.Form == nil || !strings.Contains(bad.Form.Inputs[0].Error, "use minutes, hours or days") {
		t.Errorf("a bad duration: %+v", bad.Form)
	}
	m := submit(map[string]string{approvals.FieldDuration: "2h", approvals.FieldWhy: "covering the billing migration"})
	if m.Delivery != bot.ReplaceOriginal || !strings.Contains(text(m), "dana@acme.example opened retroactive request REQ-") {
		t.Fatalf("after the form:\n%s", text(m))
	}
	reqs, err := f.svc.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var opened []approvals.Request
	for _, r := range reqs {
		if r.AccessShadow == id {
			opened = append(opened, r)
		}
	}
	if len(opened) != 1 || opened[0].Requester != acmeMei || opened[0].OpenedBy != acmeAdmin || opened[0].Answers[approvals.FieldRole] != "admin" {
		t.Fatalf("requests = %+v, want one in Mei's name opened by Dana", opened)
	}
	goldenRequests(t, m, opened[0].ID)
	wantLine(t, click(f.router, acmeAdmin, prompts.ActionAccessShadowRequest, id), "Already settled: dana@acme.example opened retroactive request "+opened[0].ID)
	// Denied, the role must still be put back: the revert stays open.
	if m := click(f.router, acmeAdmin, prompts.ActionShadowRevert, id); !strings.Contains(text(m), "put the earlier role back") {
		t.Errorf("revert after a retroactive request: %s", text(m))
	}
}

// Keep as standing: the privilege review holds the Keep, the report says
// who kept it until when, and a second choice is refused.
func TestShadowKeepAsStanding(t *testing.T) {
	f := newAccessFixture(t)
	priv := &reviews.Service{Records: f.store, Audit: f.store, Privilege: true, Now: f.now, Policy: reviews.Policy{KeepMaxDays: 90}}
	f.deps.PrivilegeReviews = priv
	var err error
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	id := f.shadowMei(t)
	form := click(f.router, acmeAdmin, prompts.ActionAccessShadowKeep, id)
	if form.Form == nil || form.Form.ID != prompts.FormAccessShadowKeep {
		t.Fatalf("no form: %+v", form)
	}
	submit := func(reason, until string) bot.Message {
		return f.router.Handle(context.Background(), bot.Request{Platform: bot.PlatformSlack, User: user(acmeAdmin),
			Form: &bot.FormSubmission{FormID: prompts.FormAccessShadowKeep, RecordID: id, Values: map[string]string{prompts.InputReason: reason, prompts.InputKeepUntil: until}}})
	}
	for _, b := range []struct{ reason, until, field string }{
		{"", "2026-12-01", prompts.InputReason},
		{"audit", "next month", prompts.InputKeepUntil},
		{"audit", "2027-06-01", prompts.InputKeepUntil},
	} {
		got := submit(b.reason, b.until)
		if got.Form == nil || !slices.ContainsFunc(got.Form.Inputs, func(in bot.Input) bool { return in.ID == b.field && in.Error != "" }) {
			t.Errorf("keep %q until %q: %+v", b.reason, b.until, got.Form)
		}
	}
	m := submit("runs the audit export", "2026-12-15")
	if !strings.Contains(text(m), "Kept as standing privilege by dana@acme.example until 15 Dec 2026: runs the audit export") || len(m.Buttons) != 0 {
		t.Fatalf("after keep:\n%s", text(m))
	}
	keeps, _ := priv.Keeps(t.Context())
	if k := keeps[f.member(t, acmeMei).ID]; k.Reason != "runs the audit export" || k.By != acmeAdmin {
		t.Errorf("keeps = %+v", keeps)
	}
	wantLine(t, click(f.router, acmeAdmin, prompts.ActionShadowRevert, id), "dana@acme.example kept it as standing privilege until 2026-12-15")
	wantLine(t, click(f.router, acmeMei, prompts.ActionAccessShadowKeep, id), `Sorry, "access standing" is only for Zendesk admins. Ask one of them if you need it.`)
}

// unschedulable is a store whose due-time writes fail.
type unschedulable struct{ store.Store }

func (unschedulable) Schedule(context.Context, string, string, time.Time) error {
	return errors.New("redis: connection reset")
}
