package access

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/people"
)

// Standing is one person who holds a privileged role without a grant:
// standing privilege, which just-in-time access is meant to replace.
type Standing struct {
	Staff    connector.Staff
	RoleName string
	// Allowed: the policy lists them in access.standing_allowed.
	Allowed bool
}

// Standing lists who holds a privileged role, as the last sync saw the
// account, with no live grant of it: every admin, and everyone in a
// custom role the policy lets people ask for. Those the policy allows to
// hold it come last.
func (s *Service) Standing(ctx context.Context, roster *connector.Roster) ([]Standing, error) {
	if roster == nil {
		return nil, nil
	}
	grants, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	granted := map[int64][]string{}
	for _, g := range grants {
		if g.State.Live() {
			granted[g.UserID] = append(granted[g.UserID], g.RoleName)
		}
	}
	p := s.policy()
	var out []Standing
	for _, st := range roster.Staff {
		role := privilegedRole(p, st)
		if role == "" || slices.Contains(granted[st.ID], role) {
			continue
		}
		out = append(out, Standing{Staff: st, RoleName: role,
			Allowed: slices.ContainsFunc(p.StandingAllowed, func(e string) bool { return people.Same(e, st.Email) })})
	}
	slices.SortFunc(out, func(a, b Standing) int {
		if a.Allowed != b.Allowed {
			if a.Allowed {
				return 1
			}
			return -1
		}
		return cmp.Or(strings.Compare(a.RoleName, b.RoleName), strings.Compare(a.Staff.Email, b.Staff.Email))
	})
	return out, nil
}
