package access

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/people"
)

// Ask is an approved request for a role, as the approvals engine holds it.
type Ask struct {
	RequestID  string
	Email      string
	RoleName   string
	Duration   time.Duration
	Reason     string
	Ticket     string
	ApprovedBy []string
}

// Resolve turns an approved ask into a grant's Request: the person by
// email and the role by name, as the last sync saw the account. Admin is
// the SaaS's admin role; any other name is a custom role some staff
// member holds, which is how the sync knows its id.
func Resolve(roster *connector.Roster, a Ask) (Request, error) {
	if roster == nil {
		return Request{}, fmt.Errorf("the account has not been synced yet, so %s cannot be found", a.Email)
	}
	var person *connector.Staff
	for i, s := range roster.Staff {
		if people.Same(s.Email, a.Email) {
			person = &roster.Staff[i]
			break
		}
	}
	if person == nil {
		return Request{}, fmt.Errorf("%s is not on the account's staff: only agents can be given a privileged role", a.Email)
	}
	role, err := roleNamed(roster, a.RoleName)
	if err != nil {
		return Request{}, err
	}
	return Request{
		ID: a.RequestID, UserID: person.ID, Email: person.Email, Name: person.Name,
		RoleName: a.RoleName, Role: role, Duration: a.Duration,
		Reason: a.Reason, Ticket: a.Ticket, ApprovedBy: a.ApprovedBy,
	}, nil
}

func roleNamed(roster *connector.Roster, name string) (connector.Role, error) {
	if strings.EqualFold(name, RoleAdmin) {
		return connector.Role{Base: RoleAdmin}, nil
	}
	for _, s := range roster.Staff {
		if s.RoleID != nil && strings.EqualFold(s.RoleName, name) {
			return connector.Role{Base: s.Role, ID: strconv.FormatInt(*s.RoleID, 10)}, nil
		}
	}
	return connector.Role{}, fmt.Errorf("no one holds the custom role %q, so its id is not known; check the name in the policy against the account's roles", name)
}
