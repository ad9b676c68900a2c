package zendesk_test

import (
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

// TestConnectorSeats: the domain's seat changes become the Zendesk user
// updates they mean, and Zendesk's users read back as members.
func TestConnectorSeats(t *testing.T) {
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
			h := newHarness(t, zendesktest.SampleOrg(t0))
			c := zendesk.Connector{Client: h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))}
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

	h := newHarness(t, org)
	c := zendesk.Connector{Client: h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))}
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
