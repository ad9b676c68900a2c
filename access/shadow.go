package access

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
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
	if _, err := s.Audit.AppendAudit(ctx, store.AuditEntry{Actor: by, Action: action, Subject: "access:shadow:" + sh.ID, Detail: detail}); err != nil {
		s.log().Error("access: audit", slog.String("action", action), slog.Any("error", err))
	}
}

const (
	kindRoles  = "access-roles"
	kindShadow = "access-shadow"
	rolesID    = "roster"
)

// Watch compares the privileged people in roster with the roles the last
// call saw, and returns those newly privileged without a grant or the
// policy's leave, each once (a replica that repeats the call finds them
// reported). The first call only takes note of the roles.
func (s *Service) Watch(ctx context.Context, roster *connector.Roster) ([]Shadow, error) {
	if roster == nil {
		return nil, nil
	}
	now := s.now().UTC()
	roles := make(map[string]connector.Role, len(roster.Staff))
	for _, st := range roster.Staff {
		roles[strconv.FormatInt(st.ID, 10)] = staffRole(st)
	}
	rec, err := s.Store.GetRecord(ctx, s.queue(kindRoles), rolesID)
	first := errors.Is(err, store.ErrNotFound)
	if err != nil && !first {
		return nil, err
	}
	var prev map[string]connector.Role
	if !first {
		if err := json.Unmarshal(rec.Data, &prev); err != nil {
			return nil, fmt.Errorf("access: the roles last seen: %w", err)
		}
	}
	if maps.Equal(prev, roles) {
		return nil, nil
	}
	var found []Shadow
	if !first {
		if found, err = s.newlyPrivileged(ctx, roster, prev, now); err != nil {
			return nil, err
		}
	}
	data, err := json.Marshal(roles)
	if err != nil {
		return found, err
	}
	if _, err := store.PutRecord(ctx, s.Store, s.queue(kindRoles), rolesID, data); err != nil {
		return found, err
	}
	return found, nil
}

// staffRole is a staff member's role as a grant would set it.
func staffRole(st connector.Staff) connector.Role {
	r := connector.Role{Base: st.Role}
	if st.RoleID != nil {
		r.ID = strconv.FormatInt(*st.RoleID, 10)
	}
	return r
}

// newlyPrivileged are the roster's privileged people whose role changed
// since prev, with no live grant of it and no standing leave, recorded
// (once) as shadows.
func (s *Service) newlyPrivileged(ctx context.Context, roster *connector.Roster, prev map[string]connector.Role, now time.Time) ([]Shadow, error) {
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
	for _, st := range roster.Staff {
		role := privilegedRole(p, st)
		cur := staffRole(st)
		earlier, known := prev[strconv.FormatInt(st.ID, 10)]
		if role == "" || (known && earlier == cur) {
			continue
		}
		if _, kept := keeps[st.ID]; kept || p.allowance(st.Email) != "" ||
			slices.ContainsFunc(grants, func(g Grant) bool { return g.UserID == st.ID && g.RoleName == role && g.State.Live() }) {
			continue
		}
		sh := Shadow{ID: fmt.Sprintf("%d-%d", st.ID, now.Unix()), UserID: st.ID, Email: st.Email, Name: st.Name,
			RoleName: role, Role: cur, FoundAt: now}
		if known {
			sh.Earlier = &earlier
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
	if _, err := s.Audit.AppendAudit(ctx, store.AuditEntry{Actor: "job:sync", Action: "access.shadow_found", Subject: "access:shadow:" + sh.ID, Detail: detail}); err != nil {
		s.log().Error("access: audit", slog.String("action", "access.shadow_found"), slog.Any("error", err))
	}
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
