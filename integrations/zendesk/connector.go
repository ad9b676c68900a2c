package zendesk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/connector"
)

// Connector is the Zendesk account as the domain sees it: it maps the
// wire types above to the connector package's, and nothing else.
type Connector struct {
	Client API
	// Batch, when set, gathers the reads and seat changes of concurrent
	// decisions into shared requests (see Batch); nil sends one request
	// each.
	Batch *Batch
	// MaxPages bounds one staff sync's export pages, so a cursor that
	// never ends cannot loop forever; 0 means 10,000 pages (ten million
	// changes).
	MaxPages int
}

// API is the part of the Zendesk API the connector calls; *Client
// implements it.
type API interface {
	GetUser(ctx context.Context, id int64) (User, error)
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (User, error)
	EndSessions(ctx context.Context, id int64) error
	ExportUsers(ctx context.Context, req ExportRequest) (UserExportPage, error)
	StaffPage(ctx context.Context, after string) (StaffPage, error)
	Groups(ctx context.Context) ([]Group, error)
	GroupMemberships(ctx context.Context) ([]GroupMembership, error)
	CustomRoles(ctx context.Context) ([]CustomRole, error)
	APITokens(ctx context.Context) ([]APITokenInfo, error)
	OAuthClients(ctx context.Context) ([]OAuthClient, error)
	OAuthTokens(ctx context.Context) ([]OAuthTokenInfo, error)
	AppInstallations(ctx context.Context) ([]AppInstallation, error)
	RevokeOAuthToken(ctx context.Context, id int64) error
	GetTicket(ctx context.Context, id int64) (Ticket, error)
	AddInternalNote(ctx context.Context, ticketID int64, body string) error
	AuditLogs(ctx context.Context, from, to time.Time, page func([]AuditLog) error) (int, error)
}

var (
	_ API                   = (*Client)(nil)
	_ connector.Seats       = Connector{}
	_ connector.Credentials = Connector{}
	_ connector.Roles       = Connector{}
)

// Credential kinds as the register names them.
const (
	KindAPIToken    = "api-token"
	KindOAuthToken  = "oauth-token"
	KindOAuthClient = "oauth-client"
	KindApp         = "app"
)

// Member reads one user by id.
func (c Connector) Member(ctx context.Context, id int64) (connector.Member, error) {
	u, err := c.user(ctx, id)
	if err != nil {
		return connector.Member{}, err
	}
	return member(u), nil
}

// ChangeSeat demotes (Remove), suspends, downgrades to a custom role, or
// puts an admin or custom-role agent back on the plain agent role
// (Unprivilege), as SetRole does.
func (c Connector) ChangeSeat(ctx context.Context, id int64, change connector.SeatChange) error {
	var upd UserUpdate
	switch change.Kind {
	case connector.Remove:
		// An end user holds no seat; the user, their tickets and history
		// stay.
		upd.Role = ptr(RoleEndUser)
	case connector.Suspend:
		upd.Suspended = ptr(true)
	case connector.Downgrade:
		role, err := strconv.ParseInt(change.Role, 10, 64)
		if err != nil || role <= 0 {
			return &Error{Kind: ErrInvalid, Endpoint: EndpointUsersUpdate,
				Description: fmt.Sprintf("a downgrade needs a custom role id, got %q", change.Role)}
		}
		upd.Role, upd.CustomRoleID = ptr(RoleAgent), ptr(role)
	case connector.Unprivilege:
		return c.SetRole(ctx, id, connector.Role{Base: RoleAgent})
	default:
		return &Error{Kind: ErrInvalid, Endpoint: EndpointUsersUpdate, Description: fmt.Sprintf("unknown seat change %q", change.Kind)}
	}
	if c.Batch != nil {
		return c.Batch.Update(ctx, id, upd)
	}
	_, err := c.Client.UpdateUser(ctx, id, upd)
	return err
}

// user reads one user, in a batch when the connector has one.
func (c Connector) user(ctx context.Context, id int64) (User, error) {
	if c.Batch != nil {
		return c.Batch.User(ctx, id)
	}
	return c.Client.GetUser(ctx, id)
}

// StaffMember is the member as Zendesk holds them now, classified as a
// sync classifies them: one read of the user and one of the custom roles,
// on the ordinary limit, where the export reports a change only minutes
// later. Zendesk decides some of a change itself (an agent taken off a
// custom role lands on the account's default one), so after the bot's
// change the member is read back rather than guessed. An end user, or a
// deleted or suspended-and-inactive user, is no longer staff.
func (c Connector) StaffMember(ctx context.Context, id int64) (connector.Staff, bool, error) {
	u, err := c.user(ctx, id)
	if errors.Is(err, connector.ErrNotFound) {
		return connector.Staff{}, false, nil // deleted: no longer staff
	}
	if err != nil {
		return connector.Staff{}, false, err
	}
	if !isStaff(u) {
		return connector.Staff{}, false, nil
	}
	roles, err := c.rolesByID(ctx)
	if err != nil {
		return connector.Staff{}, false, err
	}
	return staffOf(u, roles), true, nil
}

// SetRole puts a member on role, for a grant of privilege and for putting
// the member back afterwards. Base is "admin" or "agent"; anything else is
// refused before a request is sent, since a grant never demotes to end
// user. An admin is sent only role admin: Zendesk drops the custom role
// itself, so role.ID is not sent. An agent with role.ID goes onto that
// custom role; an agent without one is sent custom_role_id null, so a
// custom role they hold is cleared (on accounts with custom roles Zendesk
// puts them on its default agent role). Zendesk refuses to change the
// account owner's role; that is an ErrInvalid error. SetRole does not end
// the member's sessions; EndSessions does.
func (c Connector) SetRole(ctx context.Context, id int64, role connector.Role) error {
	var upd UserUpdate
	switch role.Base {
	case RoleAdmin:
		upd.Role = ptr(RoleAdmin)
	case RoleAgent:
		upd.Role = ptr(RoleAgent)
		if role.ID == "" {
			upd.ClearCustomRole = true
			break
		}
		custom, err := strconv.ParseInt(role.ID, 10, 64)
		if err != nil || custom <= 0 {
			return &Error{Kind: ErrInvalid, Endpoint: EndpointUsersUpdate,
				Description: fmt.Sprintf("a custom role id is a positive number, got %q", role.ID)}
		}
		upd.CustomRoleID = ptr(custom)
	default:
		return &Error{Kind: ErrInvalid, Endpoint: EndpointUsersUpdate,
			Description: fmt.Sprintf("a role is set to %q or %q, got %q", RoleAdmin, RoleAgent, role.Base)}
	}
	_, err := c.Client.UpdateUser(ctx, id, upd)
	return err
}

// EndSessions signs a member out of Zendesk everywhere, so a role they
// lost stops applying at once rather than when their session ends.
func (c Connector) EndSessions(ctx context.Context, id int64) error {
	return c.Client.EndSessions(ctx, id)
}

// Ticket reads the ticket an access request names, for approvers to see
// its subject. A ticket that is not there is an error matching
// connector.ErrNotFound.
func (c Connector) Ticket(ctx context.Context, id int64) (connector.Ticket, error) {
	t, err := c.Client.GetTicket(ctx, id)
	if err != nil {
		return connector.Ticket{}, err
	}
	return connector.Ticket{ID: t.ID, Subject: t.Subject, Status: t.Status}, nil
}

// AddInternalNote writes a private note on the ticket an access request
// names, so the ticket's history says what the bot did. The requester and
// CCs do not see it. A ticket that is not there is an error matching
// connector.ErrNotFound; a blank or over-long body, or a ticket Zendesk
// will not take a comment on (a closed one), one matching
// connector.ErrInvalid.
func (c Connector) AddInternalNote(ctx context.Context, ticketID int64, body string) error {
	return c.Client.AddInternalNote(ctx, ticketID, body)
}

func member(u User) connector.Member {
	m := connector.Member{
		ID:           u.ID,
		Email:        u.Email,
		Name:         u.Name,
		Role:         u.Role,
		HasSeat:      u.Role == RoleAgent || u.Role == RoleAdmin,
		Privileged:   u.Role == RoleAdmin,
		Suspended:    u.Suspended,
		LastActivity: u.LastLoginAt,
	}
	if u.CustomRoleID != nil {
		m.RoleID = strconv.FormatInt(*u.CustomRoleID, 10)
	}
	return m
}

func ptr[T any](v T) *T { return &v }

// ListCredentials reads API tokens, OAuth tokens, OAuth clients and app
// installations. Zendesk says when a token was used, not a client: the
// register counts a client used when its tokens are.
func (c Connector) ListCredentials(ctx context.Context) []connector.CredentialList {
	apiTokens := connector.CredentialList{Kind: KindAPIToken}
	switch tokens, err := c.Client.APITokens(ctx); {
	case errors.Is(err, ErrNotFound):
		apiTokens.Off = true
	case err != nil:
		apiTokens.Err = err
	default:
		for _, t := range tokens {
			apiTokens.Credentials = append(apiTokens.Credentials, apiTokenCredential(t))
		}
	}

	clients, clientErr := c.Client.OAuthClients(ctx)
	names := make(map[int64]string, len(clients))
	for _, cl := range clients {
		names[cl.ID] = cl.Name
	}
	oauthTokens := connector.CredentialList{Kind: KindOAuthToken}
	if tokens, err := c.Client.OAuthTokens(ctx); err != nil {
		oauthTokens.Err = err
	} else {
		for _, t := range tokens {
			oauthTokens.Credentials = append(oauthTokens.Credentials, oauthTokenCredential(t, names[t.ClientID]))
		}
	}
	oauthClients := connector.CredentialList{Kind: KindOAuthClient, Err: clientErr}
	if clientErr == nil {
		for _, cl := range clients {
			oauthClients.Credentials = append(oauthClients.Credentials, connector.Credential{
				Kind: KindOAuthClient, ID: cl.ID, Name: cmp.Or(cl.Name, cl.Identifier),
				ActsAs: cl.UserID, Active: true, Created: cl.CreatedAt,
			})
		}
	}

	apps := connector.CredentialList{Kind: KindApp}
	if installs, err := c.Client.AppInstallations(ctx); err != nil {
		apps.Err = err
	} else {
		for _, a := range installs {
			apps.Credentials = append(apps.Credentials, connector.Credential{
				Kind: KindApp, ID: a.ID, Name: cmp.Or(a.Name, fmt.Sprintf("app %d", a.AppID)),
				Active: a.Enabled, Created: a.CreatedAt,
			})
		}
	}
	return []connector.CredentialList{apiTokens, oauthTokens, oauthClients, apps}
}

// RevokeCredential revokes an OAuth token. Zendesk's API revokes no other
// kind: API tokens are deleted in Admin Center, apps uninstalled there.
func (c Connector) RevokeCredential(ctx context.Context, kind string, id int64) error {
	if kind != KindOAuthToken {
		return &Error{Kind: ErrInvalid, Endpoint: EndpointOAuthTokenRevoke, Description: fmt.Sprintf("Zendesk's API cannot revoke a %s", kind)}
	}
	return c.Client.RevokeOAuthToken(ctx, id)
}

func apiTokenCredential(t APITokenInfo) connector.Credential {
	c := connector.Credential{
		Kind: KindAPIToken, ID: t.ID, Name: cmp.Or(strings.TrimSpace(t.Description), "(no description)"),
		ActsAs: t.UserID, ActsAsName: t.UserName, ActsAsEmail: strings.ToLower(t.UserEmail),
		Active: t.Active, Created: t.CreatedAt,
	}
	if t.AssignedUserID != nil && *t.AssignedUserID > 0 && *t.AssignedUserID != t.UserID {
		// Assigned to someone else: it acts as them, not as its creator.
		c.ActsAs, c.ActsAsName, c.ActsAsEmail = *t.AssignedUserID, "", ""
	}
	if t.LastUsedAt != nil {
		c.LastUsed = *t.LastUsedAt
	}
	return c
}

func oauthTokenCredential(t OAuthTokenInfo, client string) connector.Credential {
	c := connector.Credential{
		Kind: KindOAuthToken, ID: t.ID, Name: cmp.Or(client, fmt.Sprintf("client %d", t.ClientID)),
		ActsAs: t.UserID, Client: t.ClientID, Scopes: slices.Clone(t.Scopes), Active: true, Created: t.CreatedAt,
	}
	if t.UsedAt != nil {
		c.LastUsed = *t.UsedAt
	}
	if t.ExpiresAt != nil {
		c.Expires = *t.ExpiresAt
	}
	return c
}

// rolesByID are the account's custom roles by id; none on a plan without
// them, where every agent is a plain agent.
func (c Connector) rolesByID(ctx context.Context) (map[int64]CustomRole, error) {
	read := c.Client.CustomRoles
	if c.Batch != nil {
		read = c.Batch.CustomRoles
	}
	list, err := read(ctx)
	if errors.Is(err, ErrForbidden) || errors.Is(err, ErrNotFound) {
		return map[int64]CustomRole{}, nil
	}
	if err != nil {
		return nil, err
	}
	roles := make(map[int64]CustomRole, len(list))
	for _, r := range list {
		roles[r.ID] = r
	}
	return roles, nil
}

// CustomRoles implements connector.Roles: each custom role with the
// powers its configuration grants. A plan without custom roles answers
// with Zendesk's refusal.
func (c Connector) CustomRoles(ctx context.Context) ([]connector.CustomRole, error) {
	list, err := c.Client.CustomRoles(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]connector.CustomRole, len(list))
	for i, r := range list {
		out[i] = connector.CustomRole{ID: strconv.FormatInt(r.ID, 10), Name: r.Name, Members: r.MemberCount, Powers: powersOf(r)}
	}
	return out, nil
}

// powersOf reads what a custom role lets its holders do to the account's
// trust. Security and sign-in settings stay with Zendesk's own admins; no
// custom role grants them.
func powersOf(r CustomRole) []connector.Power {
	var out []connector.Power
	cfg := r.Configuration
	if r.RoleType == RoleTypeAdmin || r.RoleType == RoleTypeBillingAdmin {
		out = append(out, connector.PowerAdmin)
	}
	if cfg.ManageTeamMembers != "" && cfg.ManageTeamMembers != "readonly" && cfg.ManageTeamMembers != "none" {
		out = append(out, connector.PowerTeamMembers)
	}
	if cfg.ManageRoles != "" && cfg.ManageRoles != "none" {
		out = append(out, connector.PowerRoles)
	}
	if cfg.ManageExtensionsAndChannels {
		out = append(out, connector.PowerApps)
	}
	return out
}
