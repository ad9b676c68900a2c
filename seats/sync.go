package seats

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/store"
)

// Source is what a sync reads from Zendesk; *zendesk.Client implements it.
type Source interface {
	ExportUsers(ctx context.Context, req zendesk.ExportRequest) (zendesk.UserExportPage, error)
	Groups(ctx context.Context) ([]zendesk.Group, error)
	GroupMemberships(ctx context.Context) ([]zendesk.GroupMembership, error)
	CustomRoles(ctx context.Context) ([]zendesk.CustomRole, error)
}

// Syncer keeps the seat snapshot current.
type Syncer struct {
	Source Source
	Store  store.Snapshots
	// Account names the Zendesk account (its URL); a snapshot taken from
	// another account is discarded and a full sync runs.
	Account string
	Now     func() time.Time
	Logger  *slog.Logger
	// MaxPages bounds one run's export pages, so a cursor that never ends
	// cannot loop forever; 0 means 10,000 pages (ten million changes).
	MaxPages int
}

// SyncResult says what one sync did.
type SyncResult struct {
	Full        bool
	Pages       int // export requests made
	UsersSeen   int // users in the export pages (created or changed)
	StaffBefore int
	StaffAfter  int
	Added       int // staff that joined the snapshot
	Removed     int // staff that left it (demoted to end-user or deleted)
	Duration    time.Duration
}

// Sync pulls what changed since the stored cursor (everything on the first
// run) and replaces the snapshot in one write. Any error leaves the previous
// snapshot and cursor as they were, so the next run starts from the same
// place.
func (s *Syncer) Sync(ctx context.Context) (SyncResult, error) {
	now := s.now()
	var res SyncResult

	prev, err := s.Store.LoadSnapshot(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
		prev = nil
	case err != nil:
		return res, fmt.Errorf("sync: load snapshot: %w", err)
	}
	res.Full = prev == nil || prev.Cursor == "" || prev.Account != s.Account

	staff := make(map[int64]store.StaffUser)
	if !res.Full {
		for _, u := range prev.Staff {
			staff[u.ID] = u
		}
	}
	res.StaffBefore = len(staff)

	roles, err := s.Source.CustomRoles(ctx)
	if err != nil {
		return res, fmt.Errorf("sync: custom roles: %w", err)
	}
	groups, err := s.Source.Groups(ctx)
	if err != nil {
		return res, fmt.Errorf("sync: groups: %w", err)
	}
	memberships, err := s.Source.GroupMemberships(ctx)
	if err != nil {
		return res, fmt.Errorf("sync: group memberships: %w", err)
	}

	req := zendesk.ExportRequest{StartTime: time.Unix(0, 0)}
	cursor := ""
	if !res.Full {
		req, cursor = zendesk.ExportRequest{Cursor: prev.Cursor}, prev.Cursor
	}
	maxPages := cmp.Or(s.MaxPages, 10_000)
	for {
		if res.Pages == maxPages {
			return res, fmt.Errorf("sync: user export did not end after %d pages", maxPages)
		}
		page, err := s.Source.ExportUsers(ctx, req)
		if err != nil {
			return res, fmt.Errorf("sync: user export page %d: %w", res.Pages+1, err)
		}
		res.Pages++
		res.UsersSeen += len(page.Users)
		for _, u := range page.Users {
			_, had := staff[u.ID]
			if isStaff(u) {
				staff[u.ID] = staffUser(u)
				if !had {
					res.Added++
				}
			} else if had {
				delete(staff, u.ID)
				res.Removed++
			}
		}
		if page.AfterCursor != "" {
			cursor = page.AfterCursor
		}
		if page.EndOfStream {
			break
		}
		if page.AfterCursor == "" || page.AfterCursor == req.Cursor {
			return res, fmt.Errorf("sync: user export page %d did not advance the cursor", res.Pages)
		}
		req = zendesk.ExportRequest{Cursor: page.AfterCursor}
	}
	if cursor == "" {
		return res, errors.New("sync: user export returned no cursor to resume from")
	}

	snap := &store.Snapshot{
		SyncedAt: now,
		Cursor:   cursor,
		Account:  s.Account,
		Staff:    make([]store.StaffUser, 0, len(staff)),
	}
	for _, u := range staff {
		snap.Staff = append(snap.Staff, u)
	}
	slices.SortFunc(snap.Staff, func(a, b store.StaffUser) int { return cmp.Compare(a.ID, b.ID) })
	for _, r := range roles {
		snap.CustomRoles = append(snap.CustomRoles, store.CustomRole{
			ID: r.ID, Name: r.Name, RoleType: r.RoleType, LightAgent: r.Configuration.LightAgent,
		})
	}
	for _, g := range groups {
		snap.Groups = append(snap.Groups, store.Group{ID: g.ID, Name: g.Name, Deleted: g.Deleted})
	}
	for _, m := range memberships {
		// Memberships of people who are no longer staff are noise.
		if _, ok := staff[m.UserID]; ok {
			snap.Memberships = append(snap.Memberships, store.GroupMembership{UserID: m.UserID, GroupID: m.GroupID, Default: m.Default})
		}
	}
	if err := s.Store.SaveSnapshot(ctx, snap); err != nil {
		return res, fmt.Errorf("sync: save snapshot: %w", err)
	}
	res.StaffAfter = len(snap.Staff)
	res.Duration = s.now().Sub(now)
	s.logger().LogAttrs(ctx, slog.LevelInfo, "seat snapshot synced",
		slog.Bool("full", res.Full), slog.Int("pages", res.Pages), slog.Int("users_seen", res.UsersSeen),
		slog.Int("staff", res.StaffAfter), slog.Int("added", res.Added), slog.Int("removed", res.Removed),
		slog.Duration("duration", res.Duration))
	return res, nil
}

// isStaff: agents and admins that are not deleted. Suspended staff stay:
// Zendesk still bills their seats.
func isStaff(u zendesk.User) bool {
	return u.Active && (u.Role == zendesk.RoleAgent || u.Role == zendesk.RoleAdmin)
}

func staffUser(u zendesk.User) store.StaffUser {
	return store.StaffUser{
		ID:             u.ID,
		Name:           u.Name,
		Email:          u.Email,
		Role:           u.Role,
		RoleType:       u.RoleType,
		CustomRoleID:   u.CustomRoleID,
		DefaultGroupID: u.DefaultGroupID,
		Suspended:      u.Suspended,
		TwoFactor:      u.TwoFactor,
		LastLoginAt:    u.LastLoginAt,
		CreatedAt:      u.CreatedAt,
		UpdatedAt:      u.UpdatedAt,
	}
}

func (s *Syncer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Syncer) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}
