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

var _ connector.StaffLister = Connector{}

// stretchPages is how many staff list pages a full read's stretch covers:
// a thousand staff at most, so a caller that keeps each stretch holds no
// more than that at once however large the account is, and a cut-off
// loses at most this many pages.
const stretchPages = 10

// exportOverlap is how far before the staff list began its export
// starts: Zendesk takes a start_time only a minute old or more, and a
// change read twice is applied twice to the same effect.
const exportOverlap = 2 * time.Minute

// SyncStaff reads the account's agents and admins and returns them whole.
// The first sync reads them through the role-filtered user list, which
// costs what the seats cost however many end users the account has; every
// later one follows the incremental user export from the previous
// roster's cursor, which costs what changed. Custom roles, which name each
// member's role, are read every time (one request); groups and
// memberships, which the export does not cover either, after the seats and
// only when sync.Groups asks (see addGroups). A cursor Zendesk refuses
// (expired, or from another account) starts a full sync rather than
// failing every run; a list Zendesk refuses falls back to reading the
// whole export, and says why in the stats. ListStaff is the same full read
// without holding it.
//
// The list always wins the first read: its pages hold 100 users against
// the export's 1,000, but the list is on the account's ordinary limit
// (200 to 2,500 a minute) and the export on its own 10 to 20, and an
// account has at least as many users as seats, so the list's wall time
// is at most half the export's even with no end users at all.
func (c Connector) SyncStaff(ctx context.Context, sync connector.StaffSync) (connector.Roster, connector.StaffSyncStats, error) {
	var stats connector.StaffSyncStats
	byID, err := c.rolesByID(ctx)
	if err != nil {
		return connector.Roster{}, stats, fmt.Errorf("custom roles: %w", err)
	}

	var staff []connector.Staff
	var cursor string
	if full := sync.Prev == nil || sync.Prev.Cursor == ""; full {
		staff, cursor, err = c.readAll(ctx, sync, byID, &stats)
	} else {
		changed := map[int64]*connector.Staff{}
		cursor, err = c.follow(ctx, sync, ExportRequest{Cursor: sync.Prev.Cursor}, collectChanges(changed, byID), &stats)
		switch {
		case errors.Is(err, ErrInvalid) && stats.Requests == 1:
			stats = connector.StaffSyncStats{Restarted: true}
			staff, cursor, err = c.readAll(ctx, connector.StaffSync{Progress: sync.Progress}, byID, &stats)
		case err == nil:
			staff = applyChanges(settle(slices.Clone(sync.Prev.Staff), nil), changed, &stats)
		}
	}
	if err != nil {
		return connector.Roster{}, stats, err
	}
	// A custom role may have been renamed since a member last changed:
	// name everyone's role as it is now. Whether it holds a seat was
	// settled by the member's own role_type when the export last read
	// them, as Zendesk itself decides it.
	for i := range staff {
		nameRole(&staff[i], byID)
	}

	roster := connector.Roster{Cursor: cursor, Staff: staff}
	c.addGroups(ctx, sync, &roster, &stats)
	return roster, stats, nil
}

// ListStaff implements connector.StaffLister: the full read SyncStaff
// makes, its staff list given out a stretch of stretchPages pages at a
// time, then the export from shortly before the list began as changes,
// then custom roles' names for every member and groups and memberships.
// A list Zendesk refuses falls back to the whole export, every member of
// which is then a change, and says why in the stats.
func (c Connector) ListStaff(ctx context.Context, sync connector.StaffSync, stretch func(connector.Stretch) error) (connector.StaffChanges, connector.StaffSyncStats, error) {
	stats := connector.StaffSyncStats{Full: true}
	byID, err := c.rolesByID(ctx)
	if err != nil {
		return connector.StaffChanges{}, stats, fmt.Errorf("custom roles: %w", err)
	}
	start, err := c.listStaff(ctx, sync, byID, &stats, stretch)
	if errors.Is(err, errListRefused) {
		start, err = time.Unix(0, 0), nil
	}
	if err != nil {
		return connector.StaffChanges{}, stats, err
	}
	changed := map[int64]*connector.Staff{}
	cursor, err := c.follow(ctx, sync, ExportRequest{StartTime: start}, collectChanges(changed, byID), &stats)
	if err != nil {
		return connector.StaffChanges{}, stats, err
	}
	return c.staffChanges(ctx, cursor, changed, byID, true, &stats), stats, nil
}

// staffChanges is what an export read says changed, with custom roles'
// names for everyone else and, when groups asks, the groups and
// memberships read after it: a failed read of those says why in stats and
// costs the seats nothing.
func (c Connector) staffChanges(ctx context.Context, cursor string, changed map[int64]*connector.Staff, roles map[int64]CustomRole, groups bool, stats *connector.StaffSyncStats) connector.StaffChanges {
	changes := connector.StaffChanges{Cursor: cursor, Changed: changed,
		// A custom role may have been renamed since a member was last
		// read (by an earlier sync, or into a stretch an earlier run
		// kept): name everyone's role as it is now.
		Refresh: func(s *connector.Staff) { nameRole(s, roles) }}
	if groups {
		var err error
		changes.Groups, changes.Memberships, err = c.readGroups(ctx)
		if err != nil {
			stats.GroupsFailed = err.Error()
		} else {
			stats.GroupsRead = true
		}
	}
	return changes
}

// addGroups gives the roster its groups and memberships, read after the
// seats so a failure costs the seats nothing: read again when sync asks
// (or nothing was read before), else carried over from the previous
// roster. A failed read keeps the previous ones and says why in stats.
// roster.Staff is in id order.
func (c Connector) addGroups(ctx context.Context, sync connector.StaffSync, roster *connector.Roster, stats *connector.StaffSyncStats) {
	groups, memberships := []connector.Group(nil), []connector.Membership(nil)
	if sync.Prev != nil {
		groups, memberships, roster.GroupsRead = sync.Prev.Groups, sync.Prev.Memberships, sync.Prev.GroupsRead
	}
	if sync.Groups || sync.Prev == nil || sync.Prev.GroupsRead.IsZero() && len(sync.Prev.Groups) == 0 {
		read, readMemberships, err := c.readGroups(ctx)
		if err != nil {
			stats.GroupsFailed = err.Error()
		} else {
			groups, memberships, stats.GroupsRead = read, readMemberships, true
		}
	}
	roster.Groups = groups
	for _, m := range memberships {
		// Memberships of people who are no longer staff are noise.
		if _, ok := slices.BinarySearchFunc(roster.Staff, m.UserID, byStaffID); ok {
			roster.Memberships = append(roster.Memberships, m)
		}
	}
}

func byStaffID(s connector.Staff, id int64) int { return cmp.Compare(s.ID, id) }

// readGroups reads every group and membership.
func (c Connector) readGroups(ctx context.Context) ([]connector.Group, []connector.Membership, error) {
	groups, err := c.Client.Groups(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("groups: %w", err)
	}
	memberships, err := c.Client.GroupMemberships(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("group memberships: %w", err)
	}
	out := make([]connector.Group, len(groups))
	for i, g := range groups {
		out[i] = connector.Group{ID: g.ID, Name: g.Name, Deleted: g.Deleted}
	}
	ms := make([]connector.Membership, len(memberships))
	for i, m := range memberships {
		ms[i] = connector.Membership{UserID: m.UserID, GroupID: m.GroupID, Default: m.Default}
	}
	return out, ms, nil
}

// listCursor is where a full read continues: where its export starts
// and the staff list's next page, "" once the list has been read whole.
func listCursor(start time.Time, after string) string {
	return "list:" + strconv.FormatInt(start.Unix(), 10) + ":" + after
}

func parseListCursor(v string) (start time.Time, after string, ok bool) {
	rest, ok := strings.CutPrefix(v, "list:")
	if !ok {
		return time.Time{}, "", false
	}
	secs, after, ok := strings.Cut(rest, ":")
	n, err := strconv.ParseInt(secs, 10, 64)
	if !ok || err != nil {
		return time.Time{}, "", false
	}
	return time.Unix(n, 0), after, true
}

// errListRefused: Zendesk refused the role-filtered list's first page, and
// stats.Fallback says so; the whole export is read instead.
var errListRefused = errors.New("zendesk: the role-filtered user list was refused")

// listStaff reads every agent and admin through the role-filtered list,
// from sync.Resume when it is a list cursor, giving stretch what each
// stretchPages pages read and then what the last pages read, and returns
// when the export that follows should start: shortly before the list
// began, so a change made while the list was read is not lost.
func (c Connector) listStaff(ctx context.Context, sync connector.StaffSync, roles map[int64]CustomRole, stats *connector.StaffSyncStats, stretch func(connector.Stretch) error) (time.Time, error) {
	stats.Full = true
	var start time.Time
	after, done := "", false
	if st, a, ok := parseListCursor(sync.Resume); ok {
		start, after, done, stats.Resumed = st, a, a == "", true
	}
	first := !stats.Resumed
	var read []connector.Staff
	maxPages := cmp.Or(c.MaxPages, 10_000)
	for !done {
		if stats.Requests == maxPages {
			return start, fmt.Errorf("staff list did not end after %d pages", maxPages)
		}
		page, err := c.Client.StaffPage(ctx, after)
		stats.Requests++
		if errors.Is(err, ErrInvalid) && stats.Requests == 1 && !stats.Resumed {
			stats.Fallback = "Zendesk refused the role-filtered user list (" + connector.RefusalText(err) + "), so the whole user export was read instead"
			return start, errListRefused
		}
		if err != nil {
			return start, fmt.Errorf("staff list page %d: %w", stats.Requests, err)
		}
		if start.IsZero() {
			start = cmp.Or(page.At, time.Now()).Add(-exportOverlap).Truncate(time.Second)
		}
		stats.Seen += len(page.Users)
		for _, u := range page.Users {
			if isStaff(u) {
				read = append(read, staffOf(u, roles))
				stats.Added++
			}
		}
		if sync.Progress != nil {
			sync.Progress(*stats)
		}
		after, done = page.After, page.After == ""
		if done || stats.Requests%stretchPages == 0 {
			if err := stretch(connector.Stretch{Cursor: listCursor(start, after), Read: read, First: first}); err != nil {
				return start, err
			}
			read, first = read[:0], false
		}
	}
	return start, nil
}

// readAll reads every agent and admin as listStaff does, then follows the
// export from where it says, and returns the staff in id order and the
// export's cursor. When Zendesk refuses the list, it reads the whole
// export instead.
//
// The staff are kept as one slice, appended to as pages come and put in
// id order once: a map of full records cost twice that, and the sorted
// copy it needed more again.
func (c Connector) readAll(ctx context.Context, sync connector.StaffSync, roles map[int64]CustomRole, stats *connector.StaffSyncStats) ([]connector.Staff, string, error) {
	var staff []connector.Staff
	start, err := c.listStaff(ctx, connector.StaffSync{Progress: sync.Progress}, roles, stats, func(s connector.Stretch) error {
		staff = append(staff, s.Read...)
		return nil
	})
	if errors.Is(err, errListRefused) {
		changed := map[int64]*connector.Staff{}
		cursor, err := c.follow(ctx, sync, ExportRequest{StartTime: time.Unix(0, 0)}, collectChanges(changed, roles), stats)
		if err != nil {
			return nil, "", err
		}
		return applyChanges(nil, changed, stats), cursor, nil
	}
	if err != nil {
		return nil, "", err
	}
	staff = settle(staff, stats)
	changed := map[int64]*connector.Staff{}
	cursor, err := c.follow(ctx, sync, ExportRequest{StartTime: start}, collectChanges(changed, roles), stats)
	if err != nil {
		return nil, "", err
	}
	return applyChanges(staff, changed, stats), cursor, nil
}

// settle puts staff in id order as connector.InIDOrder does, and takes
// each earlier read it drops off stats' count of staff added (stats may be
// nil).
func settle(staff []connector.Staff, stats *connector.StaffSyncStats) []connector.Staff {
	read := len(staff)
	staff = connector.InIDOrder(staff)
	if stats != nil {
		stats.Added -= read - len(staff)
	}
	return staff
}

// collectChanges gathers what the export says into changed, by id: the
// member as they are now, or nil for someone who is not staff. The
// export after a list or from a cursor reports what changed, so this
// stays small; only the fallback that reads the whole export holds every
// member here.
func collectChanges(changed map[int64]*connector.Staff, roles map[int64]CustomRole) func(User) {
	return func(u User) {
		if isStaff(u) {
			s := staffOf(u, roles)
			changed[u.ID] = &s
		} else {
			changed[u.ID] = nil
		}
	}
}

// applyChanges applies changed to staff, which is in id order, and keeps
// that order: a member changed in place, one gone removed, one joined
// inserted; stats count who joined and who left.
func applyChanges(staff []connector.Staff, changed map[int64]*connector.Staff, stats *connector.StaffSyncStats) []connector.Staff {
	gone := map[int64]bool{}
	read := len(staff)
	for id, u := range changed {
		i, found := slices.BinarySearchFunc(staff[:read], id, byStaffID)
		switch {
		case found && u != nil:
			staff[i] = *u
		case found:
			gone[id] = true
			stats.Removed++
		case u != nil:
			staff = append(staff, *u)
			stats.Added++
		}
	}
	if len(gone) > 0 {
		staff = slices.DeleteFunc(staff, func(u connector.Staff) bool { return gone[u.ID] })
	}
	if len(staff) > read-len(gone) {
		slices.SortFunc(staff, connector.CompareID)
	}
	return staff
}

// FollowStaff implements connector.StaffFollower: the export from cursor,
// and custom roles (one request), groups and memberships when asked.
func (c Connector) FollowStaff(ctx context.Context, cursor string, sync connector.StaffSync) (connector.StaffChanges, connector.StaffSyncStats, error) {
	var stats connector.StaffSyncStats
	byID, err := c.rolesByID(ctx)
	if err != nil {
		return connector.StaffChanges{}, stats, fmt.Errorf("custom roles: %w", err)
	}
	changed := map[int64]*connector.Staff{}
	next, err := c.follow(ctx, sync, ExportRequest{Cursor: cursor}, collectChanges(changed, byID), &stats)
	if errors.Is(err, ErrInvalid) && stats.Requests == 1 {
		return connector.StaffChanges{}, stats, fmt.Errorf("%w: %w", connector.ErrCursorRefused, err)
	}
	if err != nil {
		return connector.StaffChanges{}, stats, err
	}
	return c.staffChanges(ctx, next, changed, byID, sync.Groups, &stats), stats, nil
}

// follow reads the user export from req to its end, giving apply each
// user it reports, and returns the cursor to resume from next time.
func (c Connector) follow(ctx context.Context, sync connector.StaffSync, req ExportRequest, apply func(User), stats *connector.StaffSyncStats) (string, error) {
	cursor := req.Cursor
	maxPages := cmp.Or(c.MaxPages, 10_000)
	for pages := 0; ; pages++ {
		if pages == maxPages {
			return "", fmt.Errorf("user export did not end after %d pages", maxPages)
		}
		page, err := c.Client.ExportUsers(ctx, req)
		stats.Requests++
		if err != nil {
			return "", fmt.Errorf("user export page %d: %w", pages+1, err)
		}
		stats.Seen += len(page.Users)
		for _, u := range page.Users {
			apply(u)
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
			return "", fmt.Errorf("user export page %d did not advance the cursor", pages+1)
		}
		req = ExportRequest{Cursor: page.AfterCursor}
	}
	if cursor == "" {
		return "", errors.New("user export returned no cursor to resume from")
	}
	return cursor, nil
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

// StaffOf classifies users as a sync would against roles, for tools that
// build rosters without one (load programs, fixtures).
func StaffOf(roles []CustomRole) func(User) connector.Staff {
	byID := make(map[int64]CustomRole, len(roles))
	for _, r := range roles {
		byID[r.ID] = r
	}
	return func(u User) connector.Staff { return staffOf(u, byID) }
}
