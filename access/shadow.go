package access

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

// Shadow is someone who became privileged outside seatwarden: admin, or a
// grantable custom role, with no live grant and no place on the policy's
// standing list. Each is reported once.
type Shadow struct {
	ID       string         `json:"id"`
	UserID   int64          `json:"user_id"`
	Email    string         `json:"email"`
	Name     string         `json:"name"`
	RoleName string         `json:"role_name"`
	Role     connector.Role `json:"role"`
	// Earlier is the role the last sync saw; nil for someone who was not
	// on the staff then.
	Earlier *connector.Role `json:"earlier,omitempty"`
	FoundAt time.Time       `json:"found_at"`
	// RevertedBy and RevertedAt say who put the earlier role back.
	RevertedBy string    `json:"reverted_by,omitempty"`
	RevertedAt time.Time `json:"reverted_at,omitzero"`
	// Request is the retroactive access request RequestedBy opened for it.
	Request     string `json:"request,omitempty"`
	RequestedBy string `json:"requested_by,omitempty"`
	// KeptBy kept the role as standing privilege until KeptUntil, for
	// KeptReason.
	KeptBy     string    `json:"kept_by,omitempty"`
	KeptUntil  time.Time `json:"kept_until,omitzero"`
	KeptReason string    `json:"kept_reason,omitempty"`
}

// Settled says what was done about a shadow, "" while nothing was: its
// report's buttons are for one choice.
func (sh Shadow) Settled() string {
	switch {
	case sh.RevertedBy != "":
		return sh.RevertedBy + " put the earlier role back"
	case sh.KeptBy != "":
		return sh.KeptBy + " kept it as standing privilege"
	case sh.Request != "":
		return sh.RequestedBy + " opened retroactive request " + sh.Request
	}
	return ""
}

// Revertible reports whether the earlier role is one seatwarden puts
// back (and so one a retroactive grant's end puts back): an agent's, with
// or without a custom role.
func (sh Shadow) Revertible() bool {
	return sh.Earlier != nil && (sh.Earlier.Base == "agent" || sh.Earlier.Base == RoleAdmin)
}

// ErrSettled: something was already done about a shadow.
var ErrSettled = errors.New("already settled")

// settle records, with a compare-and-set, what was done about a shadow,
// unless something already was.
func (s *Service) settleShadow(ctx context.Context, id string, change func(*Shadow)) (Shadow, error) {
	var out Shadow
	_, err := store.UpdateRecord(ctx, s.Store, s.queue(kindShadow), id, func(cur store.Record) ([]byte, error) {
		if err := json.Unmarshal(cur.Data, &out); err != nil {
			return nil, err
		}
		if why := out.Settled(); why != "" {
			return nil, fmt.Errorf("%w: %s", ErrSettled, why)
		}
		change(&out)
		return json.Marshal(out)
	})
	if errors.Is(err, store.ErrNotFound) {
		return out, fmt.Errorf("%w: no shadow %q", ErrNotFound, id)
	}
	return out, err
}

// LinkRequest records the retroactive access request by opened for a
// shadow.
func (s *Service) LinkRequest(ctx context.Context, id, requestID, by string) (Shadow, error) {
	sh, err := s.settleShadow(ctx, id, func(sh *Shadow) { sh.Request, sh.RequestedBy = requestID, by })
	if err == nil {
		s.auditShadowChoice(ctx, by, "access.shadow_request_opened", sh, map[string]string{"request": requestID})
	}
	return sh, err
}

// KeepShadow records that by kept a shadow's role as standing privilege
// until until, for reason; the privilege review holds the Keep itself.
func (s *Service) KeepShadow(ctx context.Context, id, by, reason string, until time.Time) (Shadow, error) {
	sh, err := s.settleShadow(ctx, id, func(sh *Shadow) { sh.KeptBy, sh.KeptUntil, sh.KeptReason = by, until, reason })
	if err == nil {
		s.auditShadowChoice(ctx, by, "access.shadow_kept", sh, map[string]string{"until": until.Format(time.DateOnly), "reason": reason})
	}
	return sh, err
}

func (s *Service) auditShadowChoice(ctx context.Context, by, action string, sh Shadow, detail map[string]string) {
	if s.Audit == nil {
		return
	}
	detail["email"], detail["role"] = sh.Email, sh.RoleName
	store.RecordAudit(ctx, s.Audit, s.log(), store.AuditEntry{Actor: by, Action: action, Subject: "access:shadow:" + sh.ID, Detail: detail})
}

const (
	kindRoles  = "access-roles"
	kindShadow = "access-shadow"
	rolesID    = "roster"
)

// Members gives each member of a roster to member in turn, stopping at
// the first error member returns: a snapshot read a chunk at a time, or
// a roster held whole (RosterMembers).
type Members func(member func(connector.Staff) error) error

// RosterMembers are the members of a roster held whole.
func RosterMembers(roster *connector.Roster) Members {
	return func(member func(connector.Staff) error) error {
		if roster == nil {
			return nil
		}
		for _, st := range roster.Staff {
			if err := member(st); err != nil {
				return err
			}
		}
		return nil
	}
}

// Watch compares the privileged people among members with the roles the
// last call saw, and returns those newly privileged without a grant or
// the policy's leave, each once (a replica that repeats the call finds
// them reported). The first call only takes note of the roles.
//
// revision names what members hold (a snapshot's revision; "" when
// unknown): a call given the revision the last one took note of reads
// nothing, since the roles cannot have changed. Members are read once,
// one at a time; what is kept of them is each one's id and role.
func (s *Service) Watch(ctx context.Context, revision string, members Members) ([]Shadow, error) {
	now := s.now().UTC()
	prev, first, err := s.rolesSeen(ctx)
	if err != nil {
		return nil, err
	}
	if !first && revision != "" && prev.Revision == revision {
		return nil, nil
	}
	p := s.policy()
	cur := rolesSeen{V: rolesSeenVersion, Revision: revision}
	index := map[connector.Role]uint32{}
	var changed []Shadow // privileged now, in a role they did not hold before
	err = members(func(st connector.Staff) error {
		role := staffRole(st)
		i, ok := index[role]
		if !ok {
			i = uint32(len(cur.Roles))
			index[role] = i
			cur.Roles = append(cur.Roles, role)
		}
		cur.IDs, cur.Role = append(cur.IDs, st.ID), append(cur.Role, i)
		name := privilegedRole(p, st)
		if first || name == "" {
			return nil
		}
		earlier, known := prev.role(st.ID)
		if known && earlier == role {
			return nil
		}
		sh := Shadow{ID: fmt.Sprintf("%d-%d", st.ID, now.Unix()), UserID: st.ID, Email: st.Email, Name: st.Name,
			RoleName: name, Role: role, FoundAt: now}
		if known {
			sh.Earlier = &earlier
		}
		changed = append(changed, sh)
		return nil
	})
	if err != nil {
		return nil, err
	}
	cur.settle()
	if !first && prev.Revision == revision && prev.sameRoles(cur) {
		return nil, nil
	}
	var found []Shadow
	if len(changed) > 0 {
		if found, err = s.recordShadows(ctx, changed); err != nil {
			return found, err
		}
	}
	// Written whenever the revision moved, roles changed or not, so the
	// next call on the same snapshot reads nothing.
	data, err := json.Marshal(cur)
	if err != nil {
		return found, err
	}
	if _, err := store.PutRecord(ctx, s.Store, s.queue(kindRoles), rolesID, data); err != nil {
		return found, err
	}
	return found, nil
}

// rolesSeen are the roles a Watch took note of, kept compact: each
// distinct role once, and for each member, in id order, the index of
// theirs. The map of every member's role kept before cost about ten
// times as much, stored and in memory.
type rolesSeen struct {
	V int `json:"v"`
	// Revision names the snapshot the roles were read from; "" when
	// unknown.
	Revision string           `json:"revision,omitempty"`
	Roles    []connector.Role `json:"roles"`
	IDs      []int64          `json:"ids"`
	// Role holds, for each of IDs, an index into Roles.
	Role []uint32 `json:"role"`
}

// rolesSeenVersion is rolesSeen.V; a record without one is the map of
// member id to role written before, upgraded as it is read.
const rolesSeenVersion = 2

// rolesSeen reads the roles the last Watch took note of; first when none
// did.
func (s *Service) rolesSeen(ctx context.Context) (seen rolesSeen, first bool, err error) {
	rec, err := s.Store.GetRecord(ctx, s.queue(kindRoles), rolesID)
	if errors.Is(err, store.ErrNotFound) {
		return rolesSeen{}, true, nil
	}
	if err != nil {
		return rolesSeen{}, false, err
	}
	if err := json.Unmarshal(rec.Data, &seen); err != nil {
		return rolesSeen{}, false, fmt.Errorf("access: the roles last seen: %w", err)
	}
	switch seen.V {
	case rolesSeenVersion:
		if len(seen.Role) != len(seen.IDs) {
			return rolesSeen{}, false, errors.New("access: the roles last seen: ids and roles do not line up")
		}
		for _, i := range seen.Role {
			if int(i) >= len(seen.Roles) {
				return rolesSeen{}, false, fmt.Errorf("access: the roles last seen: role %d of %d", i, len(seen.Roles))
			}
		}
		seen.settle()
		return seen, false, nil
	case 0:
		var byID map[string]connector.Role
		if err := json.Unmarshal(rec.Data, &byID); err != nil {
			return rolesSeen{}, false, fmt.Errorf("access: the roles last seen: %w", err)
		}
		return upgradeRolesSeen(byID)
	}
	return rolesSeen{}, false, fmt.Errorf("access: the roles last seen: version %d is not supported (want %d)", seen.V, rolesSeenVersion)
}

// upgradeRolesSeen is the map of member id to role written before
// rolesSeen, in its shape.
func upgradeRolesSeen(byID map[string]connector.Role) (rolesSeen, bool, error) {
	seen := rolesSeen{V: rolesSeenVersion}
	index := map[connector.Role]uint32{}
	for key, role := range byID {
		id, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			return rolesSeen{}, false, fmt.Errorf("access: the roles last seen: member %q: %w", key, err)
		}
		i, ok := index[role]
		if !ok {
			i = uint32(len(seen.Roles))
			index[role] = i
			seen.Roles = append(seen.Roles, role)
		}
		seen.IDs, seen.Role = append(seen.IDs, id), append(seen.Role, i)
	}
	seen.settle()
	return seen, false, nil
}

// settle puts the members in id order (a snapshot's already are), the
// last of an id given twice kept.
func (r *rolesSeen) settle() {
	if slices.IsSorted(r.IDs) {
		return
	}
	order := make([]int, len(r.IDs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(r.IDs[a], r.IDs[b]) })
	ids, roles := make([]int64, 0, len(order)), make([]uint32, 0, len(order))
	for k, i := range order {
		if k+1 < len(order) && r.IDs[order[k+1]] == r.IDs[i] {
			continue
		}
		ids, roles = append(ids, r.IDs[i]), append(roles, r.Role[i])
	}
	r.IDs, r.Role = ids, roles
}

// role is the role member id held; known is false for someone who was
// not on the staff.
func (r *rolesSeen) role(id int64) (role connector.Role, known bool) {
	i, ok := slices.BinarySearch(r.IDs, id)
	if !ok {
		return connector.Role{}, false
	}
	return r.Roles[r.Role[i]], true
}

// sameRoles reports whether r and o hold the same members in the same
// roles.
func (r *rolesSeen) sameRoles(o rolesSeen) bool {
	if !slices.Equal(r.IDs, o.IDs) {
		return false
	}
	for i := range r.Role {
		if r.Roles[r.Role[i]] != o.Roles[o.Role[i]] {
			return false
		}
	}
	return true
}

// staffRole is a staff member's role as a grant would set it.
func staffRole(st connector.Staff) connector.Role {
	r := connector.Role{Base: st.Role}
	if st.RoleID != nil {
		r.ID = strconv.FormatInt(*st.RoleID, 10)
	}
	return r
}

// recordShadows records (once) as shadows those of changed with no live
// grant of their role and no standing leave.
func (s *Service) recordShadows(ctx context.Context, changed []Shadow) ([]Shadow, error) {
	p := s.policy()
	grants, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	keeps, err := s.keeps(ctx)
	if err != nil {
		return nil, err
	}
	var out []Shadow
	for _, sh := range changed {
		if _, kept := keeps[sh.UserID]; kept || p.allowance(sh.Email) != "" ||
			slices.ContainsFunc(grants, func(g Grant) bool { return g.UserID == sh.UserID && g.RoleName == sh.RoleName && g.State.Live() }) {
			continue
		}
		data, err := json.Marshal(sh)
		if err != nil {
			return out, err
		}
		if _, err := s.Store.CreateRecord(ctx, s.queue(kindShadow), sh.ID, data); errors.Is(err, store.ErrExists) {
			continue
		} else if err != nil {
			return out, err
		}
		s.auditShadow(ctx, sh)
		out = append(out, sh)
	}
	return out, nil
}

// privilegedRole is the privileged role st holds, as the policy names it,
// or "".
func privilegedRole(p Policy, st connector.Staff) string {
	switch {
	case st.Privileged:
		return RoleAdmin
	case st.RoleName != "":
		if _, ok := p.Grantable(st.RoleName); ok {
			return strings.ToLower(st.RoleName)
		}
	}
	return ""
}

func (s *Service) auditShadow(ctx context.Context, sh Shadow) {
	if s.Audit == nil {
		return
	}
	detail := map[string]string{"email": sh.Email, "role": sh.RoleName}
	if sh.Earlier != nil {
		detail["earlier"] = sh.Earlier.String()
	}
	store.RecordAudit(ctx, s.Audit, s.log(), store.AuditEntry{Actor: "job:sync", Action: "access.shadow_found", Subject: "access:shadow:" + sh.ID, Detail: detail})
}

// Reverted reports whether the earlier role was put back.
func (sh Shadow) Reverted() bool { return sh.RevertedBy != "" }

// GetShadow returns one reported shadow.
func (s *Service) GetShadow(ctx context.Context, id string) (Shadow, error) {
	rec, err := s.Store.GetRecord(ctx, s.queue(kindShadow), id)
	if errors.Is(err, store.ErrNotFound) {
		return Shadow{}, fmt.Errorf("%w: no shadow %q", ErrNotFound, id)
	}
	if err != nil {
		return Shadow{}, err
	}
	var sh Shadow
	return sh, json.Unmarshal(rec.Data, &sh)
}

// LatestShadow is the newest report of userID becoming privileged outside
// seatwarden: what an alert about the same change acts on. ErrNotFound
// when no sync has seen such a change of theirs yet.
func (s *Service) LatestShadow(ctx context.Context, userID int64) (Shadow, error) {
	recs, err := s.Store.ListRecords(ctx, s.queue(kindShadow))
	if err != nil {
		return Shadow{}, err
	}
	var latest Shadow
	for _, rec := range recs {
		var sh Shadow
		if json.Unmarshal(rec.Data, &sh) == nil && sh.UserID == userID && sh.FoundAt.After(latest.FoundAt) {
			latest = sh
		}
	}
	if latest.ID == "" {
		return Shadow{}, fmt.Errorf("%w: no sync has seen user %d become privileged", ErrNotFound, userID)
	}
	return latest, nil
}

// ErrNotReverted: a shadow's earlier role is not put back, and why.
var ErrNotReverted = errors.New("not put back")

// RevertShadow puts a shadow's earlier role back in the SaaS, reads it
// back, and records who did it. Only a role a grant could set (an agent,
// with or without a custom role) is put back; someone who was an end
// user, or not on the staff, is for a person to demote in the SaaS.
func (s *Service) RevertShadow(ctx context.Context, id, by string) (Shadow, error) {
	sh, err := s.GetShadow(ctx, id)
	switch {
	case err != nil:
		return sh, err
	case sh.Reverted():
		return sh, fmt.Errorf("%w: %s put %s's earlier role back already", ErrNotReverted, sh.RevertedBy, sh.Email)
	case sh.KeptBy != "":
		// A retroactive request leaves the revert open: if it is denied,
		// the role still has to go.
		return sh, fmt.Errorf("%w: %s kept it as standing privilege until %s", ErrNotReverted, sh.KeptBy, sh.KeptUntil.Format(time.DateOnly))
	case s.policy().IsOwner(sh.Email):
		return sh, fmt.Errorf("%w: %s is the account owner, whose role %s does not let anyone change", ErrNotReverted, sh.Email, connector.Title(s.saas()))
	case !sh.Revertible():
		return sh, fmt.Errorf("%w: %s was not an agent before, so seatwarden does not pick their role: change it in %s", ErrNotReverted, sh.Email, connector.Title(s.saas()))
	}
	callCtx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	m, err := s.Roles.Member(callCtx, sh.UserID)
	if err != nil {
		return sh, err
	}
	if cur := m.CurrentRole(); cur != sh.Role && cur != *sh.Earlier {
		return sh, fmt.Errorf("%w: %s is %s in %s now, not %s as reported: changed again, so left as it is", ErrNotReverted, sh.Email, cur.String(), connector.Title(s.saas()), sh.RoleName)
	}
	if err := s.Roles.SetRole(callCtx, sh.UserID, *sh.Earlier); err != nil {
		return sh, err
	}
	if err := s.confirmRole(callCtx, sh.UserID, *sh.Earlier); err != nil {
		return sh, err
	}
	s.refreshSnapshot(ctx, sh.UserID)
	at := s.now().UTC()
	var out Shadow
	_, err = store.UpdateRecord(ctx, s.Store, s.queue(kindShadow), id, func(cur store.Record) ([]byte, error) {
		if err := json.Unmarshal(cur.Data, &out); err != nil {
			return nil, err
		}
		if out.Reverted() {
			return nil, store.ErrSkipUpdate
		}
		out.RevertedBy, out.RevertedAt = by, at
		return json.Marshal(out)
	})
	if err != nil && !errors.Is(err, store.ErrSkipUpdate) {
		return out, err
	}
	if s.Audit != nil {
		_, _ = s.Audit.AppendAudit(ctx, store.AuditEntry{Actor: by, Action: "access.shadow_reverted", Subject: "access:shadow:" + id,
			Detail: map[string]string{"email": sh.Email, "role": sh.RoleName, "restored": sh.Earlier.String()}})
	}
	return out, nil
}
