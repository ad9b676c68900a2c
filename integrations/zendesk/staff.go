package zendesk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/seatwarden/seatwarden/connector"
)

var _ connector.StaffSource = Connector{}

// checkpointEvery is how many export pages pass between checkpoints of a
// full sync.
const checkpointEvery = 10

// SyncStaff reads the account's agents and admins: the incremental user
// export from the previous roster's cursor (everything on the first run,
// or from a checkpoint), then groups, memberships and custom roles, which
// the export does not cover and which name each member's role and groups.
// A cursor Zendesk refuses (expired, or from another account) starts a
// full sync rather than failing every run.
func (c Connector) SyncStaff(ctx context.Context, sync connector.StaffSync) (connector.Roster, connector.StaffSyncStats, error) {
	var stats connector.StaffSyncStats
	byID, err := c.rolesByID(ctx)
	if err != nil {
		return connector.Roster{}, stats, fmt.Errorf("custom roles: %w", err)
	}
	groups, err := c.Client.Groups(ctx)
	if err != nil {
		return connector.Roster{}, stats, fmt.Errorf("groups: %w", err)
	}
	memberships, err := c.Client.GroupMemberships(ctx)
	if err != nil {
		return connector.Roster{}, stats, fmt.Errorf("group memberships: %w", err)
	}

	full := sync.Prev == nil || sync.Prev.Cursor == ""
	staff, cursor, err := c.export(ctx, sync, full, byID, &stats)
	if errors.Is(err, ErrInvalid) && stats.Requests == 1 && (!full || stats.Resumed) {
		stats = connector.StaffSyncStats{Restarted: true}
		staff, cursor, err = c.export(ctx, connector.StaffSync{Checkpoint: sync.Checkpoint}, true, byID, &stats)
	}
	if err != nil {
		return connector.Roster{}, stats, err
	}
	// A custom role may have been renamed since a member last changed:
	// name everyone's role as it is now. Whether it holds a seat was
	// settled by the member's own role_type when the export last read
	// them, as Zendesk itself decides it.
	for id, s := range staff {
		nameRole(&s, byID)
		staff[id] = s
	}

	roster := connector.Roster{Cursor: cursor, Staff: sortedStaff(staff)}
	for _, g := range groups {
		roster.Groups = append(roster.Groups, connector.Group{ID: g.ID, Name: g.Name, Deleted: g.Deleted})
	}
	for _, m := range memberships {
		// Memberships of people who are no longer staff are noise.
		if _, ok := staff[m.UserID]; ok {
			roster.Memberships = append(roster.Memberships, connector.Membership{UserID: m.UserID, GroupID: m.GroupID, Default: m.Default})
		}
	}
	return roster, stats, nil
}

// export reads the user export from the previous roster's cursor (or a
// checkpoint, or the beginning) to its end, and returns the staff it
// leaves and the cursor to resume from next time.
func (c Connector) export(ctx context.Context, sync connector.StaffSync, full bool, roles map[int64]CustomRole, stats *connector.StaffSyncStats) (map[int64]connector.Staff, string, error) {
	stats.Full = full
	staff := make(map[int64]connector.Staff)
	req := ExportRequest{StartTime: time.Unix(0, 0)}
	from := sync.Prev
	if full {
		from = sync.Resume
		if from != nil && from.Cursor == "" {
			from = nil
		}
		stats.Resumed = from != nil
	}
	if from != nil {
		for _, u := range from.Staff {
			staff[u.ID] = u
		}
		req = ExportRequest{Cursor: from.Cursor}
	}
	cursor := req.Cursor

	maxPages := cmp.Or(c.MaxPages, 10_000)
	for {
		if stats.Requests == maxPages {
			return nil, "", fmt.Errorf("user export did not end after %d pages", maxPages)
		}
		page, err := c.Client.ExportUsers(ctx, req)
		stats.Requests++
		if err != nil {
			return nil, "", fmt.Errorf("user export page %d: %w", stats.Requests, err)
		}
		stats.Seen += len(page.Users)
		for _, u := range page.Users {
			_, had := staff[u.ID]
			if isStaff(u) {
				staff[u.ID] = staffOf(u, roles)
				if !had {
					stats.Added++
				}
			} else if had {
				delete(staff, u.ID)
				stats.Removed++
			}
		}
		if sync.Progress != nil {
			sync.Progress(*stats)
		}
		if page.AfterCursor != "" {
			cursor = page.AfterCursor
		}
		if page.EndOfStream {
			break
		}
		if page.AfterCursor == "" || page.AfterCursor == req.Cursor {
			return nil, "", fmt.Errorf("user export page %d did not advance the cursor", stats.Requests)
		}
		req = ExportRequest{Cursor: page.AfterCursor}
		if full && sync.Checkpoint != nil && stats.Requests%checkpointEvery == 0 {
			sync.Checkpoint(connector.Roster{Cursor: cursor, Staff: sortedStaff(staff)})
		}
	}
	if cursor == "" {
		return nil, "", errors.New("user export returned no cursor to resume from")
	}
	return staff, cursor, nil
}

// isStaff: agents and admins that are not deleted. Suspended staff stay:
// Zendesk still bills their seats.
func isStaff(u User) bool {
	return u.Active && (u.Role == RoleAgent || u.Role == RoleAdmin)
}

func staffOf(u User, roles map[int64]CustomRole) connector.Staff {
	s := connector.Staff{
		ID:             u.ID,
		Name:           u.Name,
		Email:          u.Email,
		Role:           u.Role,
		RoleID:         u.CustomRoleID,
		DefaultGroupID: u.DefaultGroupID,
		Suspended:      u.Suspended,
		TwoFactor:      u.TwoFactor,
		LastActivity:   u.LastLoginAt,
		CreatedAt:      u.CreatedAt,
	}
	classify(&s, u.RoleType, roles)
	return s
}

// classify names a member's role and says which seat they hold. Admins
// always hold one, whatever custom role they carry; light agents and
// contributors hold none. roleType is the user's own role_type when the
// export just read it; without it the custom role's decides, and a member
// with neither keeps what their last change said.
func classify(s *connector.Staff, roleType *int, roles map[int64]CustomRole) {
	role, hasRole := CustomRole{}, false
	if s.RoleID != nil {
		role, hasRole = roles[*s.RoleID]
	}
	s.Privileged = s.Role == RoleAdmin
	nameRole(s, roles)
	rt, known := -1, true
	switch {
	case roleType != nil:
		rt = *roleType
	case hasRole:
		rt = role.RoleType
	default:
		known = false
	}
	switch {
	case s.Privileged:
		s.Free = ""
	case rt == RoleTypeLightAgent || (hasRole && role.Configuration.LightAgent):
		s.Free = connector.FreeLightAgent
	case rt == RoleTypeContributor:
		s.Free = connector.FreeContributor
	case known:
		s.Free = ""
	}
	// A paid seat is named by the role, "agent" or "admin".
	s.Seat = ""
}

// nameRole names a member's custom role as the account has it now.
func nameRole(s *connector.Staff, roles map[int64]CustomRole) {
	if s.RoleID == nil {
		s.RoleName = "" // "Agent" or "Admin": the role itself
		return
	}
	if role, ok := roles[*s.RoleID]; ok {
		s.RoleName = role.Name
		return
	}
	// The role was deleted, or the sync could not read it.
	s.RoleName = fmt.Sprintf("unknown role %d", *s.RoleID)
}

func sortedStaff(staff map[int64]connector.Staff) []connector.Staff {
	out := make([]connector.Staff, 0, len(staff))
	for _, u := range staff {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b connector.Staff) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// StaffOf classifies users as a sync would against roles, for tools that
// build rosters without one (load programs, fixtures).
func StaffOf(roles []CustomRole) func(User) connector.Staff {
	byID := make(map[int64]CustomRole, len(roles))
	for _, r := range roles {
		byID[r.ID] = r
	}
	return func(u User) connector.Staff { return staffOf(u, byID) }
}
