package zendesk

import (
	"context"
	"fmt"
	"strconv"

	"github.com/seatwarden/seatwarden/connector"
)

// Connector is the Zendesk account as the domain sees it: it maps the
// wire types above to the connector package's, and nothing else.
type Connector struct {
	Client *Client
}

var _ connector.Seats = Connector{}

// Member reads one user by id.
func (c Connector) Member(ctx context.Context, id string) (connector.Member, error) {
	uid, err := userID(id)
	if err != nil {
		return connector.Member{}, err
	}
	u, err := c.Client.GetUser(ctx, uid)
	if err != nil {
		return connector.Member{}, err
	}
	return member(u), nil
}

// ChangeSeat demotes (Remove), suspends or downgrades to a custom role.
func (c Connector) ChangeSeat(ctx context.Context, id string, change connector.SeatChange) error {
	uid, err := userID(id)
	if err != nil {
		return err
	}
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
	default:
		return &Error{Kind: ErrInvalid, Endpoint: EndpointUsersUpdate, Description: fmt.Sprintf("unknown seat change %q", change.Kind)}
	}
	_, err = c.Client.UpdateUser(ctx, uid, upd)
	return err
}

func member(u User) connector.Member {
	m := connector.Member{
		ID:           strconv.FormatInt(u.ID, 10),
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

func userID(id string) (int64, error) {
	uid, err := strconv.ParseInt(id, 10, 64)
	if err != nil || uid <= 0 {
		return 0, &Error{Kind: ErrInvalid, Endpoint: EndpointUsersShow, Description: fmt.Sprintf("a Zendesk user id is a positive number, got %q", id)}
	}
	return uid, nil
}

func ptr[T any](v T) *T { return &v }
