package access

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/connector"
)

// Standing is one person who holds a privileged role without a grant:
// standing privilege, which just-in-time access is meant to replace.
type Standing struct {
	Staff    connector.Staff
	RoleName string
	// Allowed says why they may hold it; "" when nothing does.
	Allowed Allowance
	// Keep is the privilege review's Keep, when Allowed is AllowedKept.
	Keep *Keep
}

// Keep is a person's standing privilege kept by someone who answers for
// it, in a privilege review or on a shadow report: why, by whom, until
// when.
type Keep struct {
	Until  time.Time
	By     string
	Reason string
}

// Keeps reads the Keeps in force by user id; the privilege review holds
// them. Nil means none.
type Keeps func(ctx context.Context) (map[int64]Keep, error)

// keeps are the Keeps in force, none without a reader.
func (s *Service) keeps(ctx context.Context) (map[int64]Keep, error) {
	if s.Keeps == nil {
		return nil, nil
	}
	return s.Keeps(ctx)
}

// Standing lists who holds a privileged role, as the last sync saw the
// account, with no live grant of it: every admin, and everyone in a
// custom role the policy lets people ask for. Those nothing allows come
// first; the account owner, the policy's list and kept reviews after.
func (s *Service) Standing(ctx context.Context, roster *connector.Roster) ([]Standing, error) {
	if roster == nil {
		return nil, nil
	}
	grants, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	keeps, err := s.keeps(ctx)
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
		sd := Standing{Staff: st, RoleName: role, Allowed: p.allowance(st.Email)}
		if k, ok := keeps[st.ID]; ok && sd.Allowed == "" {
			sd.Allowed, sd.Keep = AllowedKept, &k
		}
		out = append(out, sd)
	}
	slices.SortFunc(out, func(a, b Standing) int {
		if (a.Allowed == "") != (b.Allowed == "") {
			if a.Allowed == "" {
				return -1
			}
			return 1
		}
		return cmp.Or(strings.Compare(a.RoleName, b.RoleName), strings.Compare(a.Staff.Email, b.Staff.Email))
	})
	return out, nil
}
