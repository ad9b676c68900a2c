package zendesk_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

// TestConnectorSeats: the domain's seat changes become the Zendesk user
// updates they mean, and Zendesk's users read back as members, one
// request each or in shared batches alike.
func TestConnectorSeats(t *testing.T) {
	for _, batched := range []bool{false, true} {
		t.Run(map[bool]string{false: "one request each", true: "batched"}[batched], func(t *testing.T) { testConnectorSeats(t, batched) })
	}
}

func testConnectorSeats(t *testing.T, batched bool) {
	connect := func(t *testing.T, h *harness) zendesk.Connector {
		client := h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))
		c := zendesk.Connector{Client: client}
		if batched {
			c.Batch = zendesk.NewBatch(client, time.Millisecond)
		}
		return c
	}
	org := zendesktest.SampleOrg(t0)
	var agent, admin zendesk.User
	for _, u := range org.Staff() {
		switch {
		case u.Role == zendesk.RoleAgent && !u.Suspended && (u.CustomRoleID == nil || *u.CustomRoleID == zendesktest.StaffRoleID) && agent.ID == 0:
			agent = u
		case u.Role == zendesk.RoleAdmin && admin.ID == 0:
			admin = u
		}
	}
	if agent.ID == 0 || admin.ID == 0 {
		t.Fatal("the sample org has no plain agent or no admin")
	}
	id := func(u zendesk.User) int64 { return u.ID }
	light := strconv.FormatInt(zendesktest.LightAgentRoleID, 10)

	tests := []struct {
		name   string
		change connector.SeatChange
		check  func(t *testing.T, m connector.Member)
	}{
		{"remove demotes to end user", connector.SeatChange{Kind: connector.Remove}, func(t *testing.T, m connector.Member) {
			if m.HasSeat || m.Role != zendesk.RoleEndUser {
				t.Errorf("after Remove: %+v, want an end user without a seat", m)
			}
		}},
		{"suspend", connector.SeatChange{Kind: connector.Suspend}, func(t *testing.T, m connector.Member) {
			if !m.Suspended || !m.HasSeat {
				t.Errorf("after Suspend: %+v, want suspended, seat still billed", m)
			}
		}},
		{"downgrade to the light-agent role", connector.SeatChange{Kind: connector.Downgrade, Role: light}, func(t *testing.T, m connector.Member) {
			if m.RoleID != light || m.Role != zendesk.RoleAgent {
				t.Errorf("after Downgrade: %+v, want agent on role %s", m, light)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := connect(t, newHarness(t, zendesktest.SampleOrg(t0)))
			before, err := c.Member(t.Context(), id(agent))
			if err != nil {
				t.Fatal(err)
			}
			if !before.HasSeat || before.Privileged || before.Email != agent.Email || before.ID != agent.ID {
				t.Fatalf("before: %+v, want %s's paid seat", before, agent.Email)
			}
			if err := c.ChangeSeat(t.Context(), id(agent), tt.change); err != nil {
				t.Fatal(err)
			}
			after, err := c.Member(t.Context(), id(agent))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, after)
		})
	}

	c := connect(t, newHarness(t, org))
	if m, err := c.Member(t.Context(), id(admin)); err != nil || !m.Privileged || !m.HasSeat {
		t.Errorf("admin: %+v, %v; want a privileged seat", m, err)
	}
	refusals := []struct {
		name   string
		id     int64
		change connector.SeatChange
		class  error
	}{
		{"a user that is not there", 999999999, connector.SeatChange{Kind: connector.Remove}, connector.ErrNotFound},
		{"an id that is not one", -1, connector.SeatChange{Kind: connector.Remove}, connector.ErrInvalid},
		{"a downgrade without a role", id(agent), connector.SeatChange{Kind: connector.Downgrade}, connector.ErrInvalid},
		{"a change it does not know", id(agent), connector.SeatChange{Kind: "promote"}, connector.ErrInvalid},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			err := c.ChangeSeat(t.Context(), tt.id, tt.change)
			if !errors.Is(err, tt.class) {
				t.Errorf("ChangeSeat = %v, want %v", err, tt.class)
			}
			if connector.Final(err) != (tt.class == connector.ErrInvalid) {
				t.Errorf("Final(%v) = %v", err, connector.Final(err))
			}
		})
	}
}

// TestConnectorCredentials: every kind comes back as its own list, and only
// OAuth tokens can be revoked through Zendesk's API.
func TestConnectorCredentials(t *testing.T) {
	h := newHarness(t, zendesktest.SampleOrg(t0))
	c := zendesk.Connector{Client: h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))}
	lists := c.ListCredentials(t.Context())
	var kinds []string
	var oauthToken int64
	for _, l := range lists {
		kinds = append(kinds, l.Kind)
		if l.Err != nil || l.Off || len(l.Credentials) == 0 {
			t.Errorf("%s: %d credentials, off=%v, err=%v; the sample account has some", l.Kind, len(l.Credentials), l.Off, l.Err)
		}
		for _, cred := range l.Credentials {
			if cred.Kind != l.Kind || cred.ID <= 0 || cred.Name == "" || cred.Created.IsZero() {
				t.Errorf("%s: incomplete credential %+v", l.Kind, cred)
			}
			if l.Kind == zendesk.KindOAuthToken && oauthToken == 0 {
				oauthToken = cred.ID
			}
		}
	}
	if want := []string{zendesk.KindAPIToken, zendesk.KindOAuthToken, zendesk.KindOAuthClient, zendesk.KindApp}; !slices.Equal(kinds, want) {
		t.Errorf("kinds %v, want %v", kinds, want)
	}
	if err := c.RevokeCredential(t.Context(), zendesk.KindAPIToken, 1); !errors.Is(err, connector.ErrInvalid) {
		t.Errorf("revoking an API token: %v, want ErrInvalid (Zendesk's API cannot)", err)
	}
	if err := c.RevokeCredential(t.Context(), zendesk.KindOAuthToken, oauthToken); err != nil {
		t.Fatalf("revoking OAuth token %d: %v", oauthToken, err)
	}
	if err := c.RevokeCredential(t.Context(), zendesk.KindOAuthToken, oauthToken); !errors.Is(err, connector.ErrNotFound) {
		t.Errorf("revoking it again: %v, want ErrNotFound", err)
	}
}

// The interface just-in-time access drives; the domain owns it, the
// connector meets it.
var _ interface {
	Member(ctx context.Context, id int64) (connector.Member, error)
	SetRole(ctx context.Context, id int64, role connector.Role) error
	EndSessions(ctx context.Context, id int64) error
} = zendesk.Connector{}

// TestConnectorSetRole: each role a grant sets, or puts back, becomes the
// user update it means, and reads back as that role.
func TestConnectorSetRole(t *testing.T) {
	const (
		omar  = int64(900000000102) // admin, not the owner
		priya = int64(900000000103) // agent on Staff
		lucas = int64(900000000104) // agent on Team Lead
	)
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	noCustomRoles := func() *zendesktest.Org {
		org := zendesktest.SampleOrg(t0)
		org.CustomRoles = nil
		return org
	}
	tests := []struct {
		name     string
		org      func() *zendesktest.Org // nil: the sample org
		id       int64
		role     connector.Role
		wantBody string
		want     connector.Role
		roleType int
	}{
		{
			name: "agent to admin", id: priya, role: connector.Role{Base: "admin"},
			wantBody: `{"user":{"role":"admin"}}`,
			want:     connector.Role{Base: "admin"}, roleType: zendesk.RoleTypeAdmin,
		},
		{
			name: "admin ignores a custom role", id: priya, role: connector.Role{Base: "admin", ID: itoa(zendesktest.TeamLeadRoleID)},
			wantBody: `{"user":{"role":"admin"}}`,
			want:     connector.Role{Base: "admin"}, roleType: zendesk.RoleTypeAdmin,
		},
		{
			name: "admin to agent on a custom role", id: omar, role: connector.Role{Base: "agent", ID: itoa(zendesktest.LightAgentRoleID)},
			wantBody: `{"user":{"role":"agent","custom_role_id":360001112223}}`,
			want:     connector.Role{Base: "agent", ID: itoa(zendesktest.LightAgentRoleID)}, roleType: zendesk.RoleTypeLightAgent,
		},
		{
			name: "agent to another custom role", id: priya, role: connector.Role{Base: "agent", ID: itoa(zendesktest.TeamLeadRoleID)},
			wantBody: `{"user":{"role":"agent","custom_role_id":360001112226}}`,
			want:     connector.Role{Base: "agent", ID: itoa(zendesktest.TeamLeadRoleID)}, roleType: zendesk.RoleTypeCustomAgent,
		},
		{
			name: "admin to plain agent, no custom roles on the plan", org: noCustomRoles, id: omar, role: connector.Role{Base: "agent"},
			wantBody: `{"user":{"role":"agent","custom_role_id":null}}`,
			want:     connector.Role{Base: "agent"}, roleType: zendesk.RoleTypeCustomAgent,
		},
		{
			// Zendesk puts an agent whose custom role is cleared on the
			// account's default agent role; without the null Team Lead
			// would stay.
			name: "custom role cleared", id: lucas, role: connector.Role{Base: "agent"},
			wantBody: `{"user":{"role":"agent","custom_role_id":null}}`,
			want:     connector.Role{Base: "agent", ID: itoa(zendesktest.StaffRoleID)}, roleType: zendesk.RoleTypeCustomAgent,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			org := zendesktest.SampleOrg(t0)
			if tt.org != nil {
				org = tt.org()
			}
			h := newHarness(t, org)
			tr := &countingTransport{}
			c := zendesk.Connector{Client: h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret), func(cfg *zendesk.Config) {
				cfg.HTTPClient = &http.Client{Transport: tr}
			})}
			if err := c.SetRole(t.Context(), tt.id, tt.role); err != nil {
				t.Fatal(err)
			}
			path := "PUT /api/v2/users/" + itoa(tt.id)
			if diff := cmp.Diff([]string{tt.wantBody}, tr.bodies[path]); diff != "" {
				t.Errorf("request bodies (-want +got):\n%s", diff)
			}
			m, err := c.Member(t.Context(), tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.CurrentRole(); got != tt.want {
				t.Errorf("role = %+v, want %+v", got, tt.want)
			}
			if m.Privileged != (tt.want.Base == "admin") || !m.HasSeat {
				t.Errorf("member = %+v", m)
			}
			u, _ := h.srv.User(tt.id)
			if u.RoleType == nil || *u.RoleType != tt.roleType {
				t.Errorf("role_type = %v, want %d", u.RoleType, tt.roleType)
			}
		})
	}
}

// TestConnectorSetRoleRoundTrip: a grant's role goes back to what
// CurrentRole read before it.
func TestConnectorSetRoleRoundTrip(t *testing.T) {
	for _, id := range []int64{900000000103, 900000000104, 900000000113, 900000000102} {
		t.Run(strconv.FormatInt(id, 10), func(t *testing.T) {
			h := newHarness(t, zendesktest.SampleOrg(t0))
			c := zendesk.Connector{Client: h.client(t, zendesk.OAuthToken(bearerToken))}
			before, err := c.Member(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			grant := connector.Role{Base: "admin"}
			if before.Role == "admin" {
				grant = connector.Role{Base: "agent", ID: strconv.FormatInt(zendesktest.StaffRoleID, 10)}
			}
			if err := c.SetRole(t.Context(), id, grant); err != nil {
				t.Fatal(err)
			}
			if err := c.SetRole(t.Context(), id, before.CurrentRole()); err != nil {
				t.Fatal(err)
			}
			after, err := c.Member(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if after.CurrentRole() != before.CurrentRole() {
				t.Errorf("role after the round trip = %+v, want %+v", after.CurrentRole(), before.CurrentRole())
			}
		})
	}
}

func TestConnectorSetRoleRefused(t *testing.T) {
	const priya = int64(900000000103)
	tests := []struct {
		name     string
		id       int64
		role     connector.Role
		wantKind zendesk.ErrorKind
		wantSent bool   // the request reached Zendesk
		mention  string // in the error
	}{
		{name: "end user", id: priya, role: connector.Role{Base: "end-user"}, wantKind: zendesk.ErrInvalid, mention: `"end-user"`},
		{name: "no base", id: priya, role: connector.Role{}, wantKind: zendesk.ErrInvalid, mention: `got ""`},
		{name: "unknown base", id: priya, role: connector.Role{Base: "owner"}, wantKind: zendesk.ErrInvalid, mention: `"owner"`},
		{name: "custom role id not a number", id: priya, role: connector.Role{Base: "agent", ID: "Light Agent"}, wantKind: zendesk.ErrInvalid, mention: `"Light Agent"`},
		{name: "custom role id zero", id: priya, role: connector.Role{Base: "agent", ID: "0"}, wantKind: zendesk.ErrInvalid, mention: `"0"`},
		{name: "custom role id negative", id: priya, role: connector.Role{Base: "agent", ID: "-360001112223"}, wantKind: zendesk.ErrInvalid},
		{name: "bad user id", id: 0, role: connector.Role{Base: "admin"}, wantKind: zendesk.ErrInvalid},
		{name: "the account owner", id: ownerID, role: connector.Role{Base: "agent"}, wantKind: zendesk.ErrInvalid, wantSent: true, mention: "owner"},
		{name: "a custom role the account lacks", id: priya, role: connector.Role{Base: "agent", ID: "1"}, wantKind: zendesk.ErrInvalid, wantSent: true},
		{name: "a user that is not there", id: 42, role: connector.Role{Base: "admin"}, wantKind: zendesk.ErrNotFound, wantSent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, zendesktest.SampleOrg(t0))
			c := zendesk.Connector{Client: h.client(t, zendesk.OAuthToken(bearerToken))}
			err := c.SetRole(t.Context(), tt.id, tt.role)
			if !errors.Is(err, tt.wantKind) {
				t.Fatalf("SetRole = %v, want %v", err, tt.wantKind)
			}
			if connector.Final(err) != (tt.wantKind == zendesk.ErrInvalid) {
				t.Errorf("Final(%v) = %v", err, connector.Final(err))
			}
			if zerr := asError(t, err); zerr.Endpoint != zendesk.EndpointUsersUpdate {
				t.Errorf("Endpoint = %q", zerr.Endpoint)
			}
			if tt.mention != "" && !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %s", err, tt.mention)
			}
			sent := h.srv.Requests(zendesktest.EndpointUsersUpdate)
			if want := map[bool]int{false: 0, true: 1}[tt.wantSent]; sent != want {
				t.Errorf("requests = %d, want %d", sent, want)
			}
			if muts := h.srv.Mutations(); len(muts) != 0 {
				t.Errorf("a refused change changed %+v", muts)
			}
		})
	}
}

// TestConnectorRoleChangeKeepsSessions: Zendesk leaves a user signed in
// through a role change, so ending sessions is the caller's own step.
func TestConnectorRoleChangeKeepsSessions(t *testing.T) {
	const priya = int64(900000000103)
	h := newHarness(t, zendesktest.SampleOrg(t0))
	h.srv.StartSession(priya)
	h.srv.StartSession(priya)
	c := zendesk.Connector{Client: h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret, "users:read", "users:write"))}
	if err := c.SetRole(t.Context(), priya, connector.Role{Base: "admin"}); err != nil {
		t.Fatal(err)
	}
	if n := h.srv.Sessions(priya); n != 2 {
		t.Fatalf("sessions after the grant = %d, want 2", n)
	}
	if err := c.SetRole(t.Context(), priya, connector.Role{Base: "agent", ID: strconv.FormatInt(zendesktest.StaffRoleID, 10)}); err != nil {
		t.Fatal(err)
	}
	if n := h.srv.Sessions(priya); n != 2 {
		t.Fatalf("sessions after the revert = %d, want 2", n)
	}
	if err := c.EndSessions(t.Context(), priya); err != nil {
		t.Fatal(err)
	}
	if n := h.srv.Sessions(priya); n != 0 {
		t.Errorf("sessions after EndSessions = %d", n)
	}
	var fields []string
	for _, m := range h.srv.Mutations() {
		if m.UserID != priya {
			t.Errorf("mutation of another user: %+v", m)
		}
		fields = append(fields, m.Field)
	}
	want := []string{"role", "role_type", "custom_role_id", "role", "role_type", "custom_role_id", zendesktest.FieldSessions}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("mutations (-want +got):\n%s", diff)
	}
	if err := c.EndSessions(t.Context(), 42); !errors.Is(err, connector.ErrNotFound) {
		t.Errorf("EndSessions of a user that is not there = %v, want ErrNotFound", err)
	}
}

// TestStaffMemberAgreesWithTheNextSync: a member read back at once after
// a change is what a full sync reads from Zendesk once the export reports
// it, so the snapshot patched at once and the next sync agree.
func TestStaffMemberAgreesWithTheNextSync(t *testing.T) {
	org := zendesktest.SampleOrg(t0)
	var agent, admin zendesk.User
	for _, u := range org.Staff() {
		switch {
		case u.Role == zendesk.RoleAgent && !u.Suspended && u.CustomRoleID != nil && *u.CustomRoleID == zendesktest.StaffRoleID && agent.ID == 0:
			agent = u
		case u.Role == zendesk.RoleAdmin && u.ID != org.OwnerID && admin.ID == 0:
			admin = u // Zendesk refuses to change the owner's role
		}
	}
	light := strconv.FormatInt(zendesktest.LightAgentRoleID, 10)
	tests := []struct {
		name   string
		who    zendesk.User
		change connector.SeatChange
	}{
		{"remove", agent, connector.SeatChange{Kind: connector.Remove}},
		{"suspend", agent, connector.SeatChange{Kind: connector.Suspend}},
		{"downgrade to the light-agent role", agent, connector.SeatChange{Kind: connector.Downgrade, Role: light}},
		{"an admin made a plain agent", admin, connector.SeatChange{Kind: connector.Unprivilege}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, zendesktest.SampleOrg(t0))
			c := zendesk.Connector{Client: h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))}
			staffOf := func(r connector.Roster) (connector.Staff, bool) {
				i := slices.IndexFunc(r.Staff, func(s connector.Staff) bool { return s.ID == tt.who.ID })
				if i < 0 {
					return connector.Staff{}, false
				}
				return r.Staff[i], true
			}
			before, _, err := c.SyncStaff(t.Context(), connector.StaffSync{})
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := staffOf(before); !ok {
				t.Fatalf("%s is not staff before the change", tt.who.Email)
			}
			if err := c.ChangeSeat(t.Context(), tt.who.ID, tt.change); err != nil {
				t.Fatal(err)
			}
			applied, kept, err := c.StaffMember(t.Context(), tt.who.ID)
			if err != nil {
				t.Fatal(err)
			}
			// The export reports a change only once it is a minute old.
			h.clock.Set(h.clock.Now().Add(2 * time.Minute))
			after, _, err := c.SyncStaff(t.Context(), connector.StaffSync{})
			if err != nil {
				t.Fatal(err)
			}
			synced, stillStaff := staffOf(after)
			if kept != stillStaff {
				t.Fatalf("read back as staff: %v; the sync finds them staff: %v", kept, stillStaff)
			}
			if diff := cmp.Diff(synced, applied); kept && diff != "" {
				t.Errorf("the member read back and the next sync disagree (-sync +read):\n%s", diff)
			}
		})
	}
}

// TestConnectorCustomRoles: each custom role's configuration becomes the
// powers that make it risky; a plan without custom roles is told apart
// from one with none, and its staff still sync as plain agents.
func TestConnectorCustomRoles(t *testing.T) {
	t.Run("enterprise", func(t *testing.T) {
		h := newHarness(t, zendesktest.SampleOrg(t0))
		c := zendesk.Connector{Client: h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))}
		roles, err := c.CustomRoles(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]connector.Power{}
		for _, r := range roles {
			got[r.Name] = r.Powers
		}
		want := map[string][]connector.Power{"Light Agent": nil, "Staff": nil, "Contributor": nil,
			"Team Lead": {connector.PowerTeamMembers}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("powers by role (-want +got):\n%s", diff)
		}
	})
	t.Run("every power", func(t *testing.T) {
		org := zendesktest.SampleOrg(t0)
		org.CustomRoles = append(org.CustomRoles, zendesk.CustomRole{ID: 77, Name: "Ops admin", RoleType: zendesk.RoleTypeBillingAdmin,
			Configuration: zendesk.CustomRoleConfig{ManageTeamMembers: "readonly", ManageRoles: "all-except-self", ManageExtensionsAndChannels: true}})
		h := newHarness(t, org)
		c := zendesk.Connector{Client: h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))}
		roles, err := c.CustomRoles(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(roles, func(r connector.CustomRole) bool { return r.ID == "77" })
		want := []connector.Power{connector.PowerAdmin, connector.PowerRoles, connector.PowerApps}
		if i < 0 || !slices.Equal(roles[i].Powers, want) || !roles[i].Risky() {
			t.Errorf("Ops admin = %+v, want powers %v", roles, want)
		}
	})
	t.Run("plan without custom roles", func(t *testing.T) {
		h := newHarness(t, zendesktest.SampleOrg(t0), zendesktest.WithoutCustomRoles())
		c := zendesk.Connector{Client: h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))}
		if _, err := c.CustomRoles(t.Context()); !errors.Is(err, connector.ErrForbidden) {
			t.Errorf("custom roles: %v, want ErrForbidden", err)
		}
		roster, _, err := c.SyncStaff(t.Context(), connector.StaffSync{})
		if err != nil || len(roster.Staff) == 0 {
			t.Fatalf("sync without custom roles: %d staff, %v", len(roster.Staff), err)
		}
	})
}

// The first sync reads the seats through the staff list: someone demoted
// to end user before it is simply not on the list; one demoted after it
// leaves with the next sync, which follows the export. A list Zendesk
// refuses falls back to the whole export, and says so.
func TestSyncStaffReadsTheStaffList(t *testing.T) {
	staffIDs := func(r connector.Roster) map[int64]bool {
		out := map[int64]bool{}
		for _, s := range r.Staff {
			out[s.ID] = true
		}
		return out
	}
	t.Run("demoted before and after", func(t *testing.T) {
		h := newHarness(t, zendesktest.SampleOrg(t0), zendesktest.WithEndUsers(5_000))
		c := zendesk.Connector{Client: h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))}
		priya, _ := h.srv.UserByEmail("priya@acme.example")
		mei, _ := h.srv.UserByEmail("mei@acme.example")
		h.srv.UpdateUser(priya.ID, func(u *zendesk.User) { u.Role, u.RoleType, u.CustomRoleID = zendesk.RoleEndUser, nil, nil })
		_ = h.clock.Sleep(t.Context(), 2*time.Minute)

		first, stats, err := c.SyncStaff(t.Context(), connector.StaffSync{})
		if err != nil {
			t.Fatal(err)
		}
		if staffIDs(first)[priya.ID] || !staffIDs(first)[mei.ID] {
			t.Errorf("first sync: Priya (demoted) listed %v, Mei listed %v", staffIDs(first)[priya.ID], staffIDs(first)[mei.ID])
		}
		if list, export := h.srv.Requests(zendesktest.EndpointUsersList), h.srv.Requests(zendesktest.EndpointIncrementalUsers); list != 1 || export != 1 || stats.Fallback != "" {
			t.Errorf("first sync: %d list and %d export requests, fallback %q; want 1 and 1 whatever the 5,000 end users", list, export, stats.Fallback)
		}

		h.srv.UpdateUser(mei.ID, func(u *zendesk.User) { u.Role, u.RoleType, u.CustomRoleID = zendesk.RoleEndUser, nil, nil })
		_ = h.clock.Sleep(t.Context(), 2*time.Minute)
		next, stats, err := c.SyncStaff(t.Context(), connector.StaffSync{Prev: &first})
		if err != nil {
			t.Fatal(err)
		}
		if staffIDs(next)[mei.ID] || stats.Full || stats.Removed != 1 || len(next.Staff) != len(first.Staff)-1 {
			t.Errorf("next sync: Mei listed %v, stats %+v", staffIDs(next)[mei.ID], stats)
		}
	})
	t.Run("list refused", func(t *testing.T) {
		h := newHarness(t, zendesktest.SampleOrg(t0), zendesktest.WithEndUsers(2_500))
		h.srv.InjectFault(zendesktest.EndpointUsersList, zendesktest.Fault{Status: 400, Times: 1})
		c := zendesk.Connector{Client: h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))}
		roster, stats, err := c.SyncStaff(t.Context(), connector.StaffSync{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stats.Fallback, "role-filtered user list") || h.srv.Requests(zendesktest.EndpointIncrementalUsers) != 3 || len(roster.Staff) == 0 {
			t.Errorf("fallback %q, %d export requests, %d staff; want the whole export in 3 pages", stats.Fallback,
				h.srv.Requests(zendesktest.EndpointIncrementalUsers), len(roster.Staff))
		}
	})
}

// A full sync's checkpoints each carry only the pages read since the one
// before, so together they hold every staff member read once; a sync
// resumed from one carries on from there and its checkpoints follow on.
// TestListStaffGivesEachStretchOnce: a full read gives out the staff list
// ten pages at a time, the last pages as a stretch of their own, and a
// read resumed from any stretch's cursor gives only what comes after it.
func TestListStaffGivesEachStretchOnce(t *testing.T) {
	// About 2,500 staff: 25 pages of the staff list.
	org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: 10_000, StaffShare: 0.25, Seed: 7, Now: t0.Add(-time.Hour)})
	h := newHarness(t, org)
	c := zendesk.Connector{Client: h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))}
	whole, _, err := c.SyncStaff(t.Context(), connector.StaffSync{})
	if err != nil {
		t.Fatal(err)
	}
	pages := (len(whole.Staff) + 99) / 100
	if pages < 21 || pages > 29 {
		t.Fatalf("%d staff, want between 21 and 29 pages' worth", len(whole.Staff))
	}
	ids := func(staff []connector.Staff) []int64 {
		out := make([]int64, len(staff))
		for i, s := range staff {
			out[i] = s.ID
		}
		return out
	}
	type stretch struct {
		cursor string
		read   []int64
		first  bool
	}
	run := func(resume string) (connector.StaffChanges, connector.StaffSyncStats, []stretch) {
		t.Helper()
		var got []stretch
		changes, stats, err := c.ListStaff(t.Context(), connector.StaffSync{Resume: resume}, func(s connector.Stretch) error {
			got = append(got, stretch{s.Cursor, ids(s.Read), s.First})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return changes, stats, got
	}

	changes, stats, stretches := run("")
	if len(stretches) != 3 {
		t.Fatalf("%d stretches over %d pages, want 3 (pages 1-10, 11-20 and the rest)", len(stretches), pages)
	}
	var read []int64
	for i, s := range stretches {
		want := ids(whole.Staff[i*1000 : min((i+1)*1000, len(whole.Staff))])
		if diff := cmp.Diff(want, s.read); diff != "" || s.first != (i == 0) {
			t.Errorf("stretch %d: first %v, read (-want +got):\n%s", i, s.first, diff)
		}
		read = append(read, s.read...)
	}
	if diff := cmp.Diff(ids(whole.Staff), read); diff != "" {
		t.Errorf("staff of the stretches (-want +got):\n%s", diff)
	}
	if !stats.Full || stats.Resumed || stats.Requests != pages+1 || len(changes.Changed) != 0 || changes.Cursor == "" || !stats.GroupsRead {
		t.Errorf("a fresh read: stats %+v, %d changes, cursor %q; want %d list pages and an export page, no changes, groups read", stats, len(changes.Changed), changes.Cursor, pages)
	}

	tests := []struct {
		name      string
		from      int // the stretch resumed after
		requests  int // list pages left, and one export page
		stretches []stretch
	}{
		{"after the first", 0, pages - 10 + 1, []stretch{{stretches[1].cursor, stretches[1].read, false}, {stretches[2].cursor, stretches[2].read, false}}},
		{"after the second", 1, pages - 20 + 1, []stretch{{stretches[2].cursor, stretches[2].read, false}}},
		{"after the list ended", 2, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stats, got := run(stretches[tt.from].cursor)
			if !stats.Full || !stats.Resumed || stats.Requests != tt.requests {
				t.Errorf("stats %+v, want a resumed full read of %d requests", stats, tt.requests)
			}
			if diff := cmp.Diff(tt.stretches, got, cmp.AllowUnexported(stretch{})); diff != "" {
				t.Errorf("stretches (-want +got):\n%s", diff)
			}
		})
	}
}
