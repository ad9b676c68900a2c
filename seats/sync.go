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
	// Checkpoints, when set, keeps a long full sync's progress, so a run
	// cut off by its timeout or a restart resumes where it stopped instead
	// of starting over (a 100,000-user first sync takes Zendesk's export
	// 5-10 minutes at its 10-20 requests a minute).
	Checkpoints store.Records
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
	Resumed     bool // a full sync continued from a checkpoint
	Pages       int  // export requests made
	UsersSeen   int  // users in the export pages (created or changed)
	StaffBefore int
	StaffAfter  int
	Added       int // staff that joined the snapshot
	Removed     int // staff that left it (demoted to end-user or deleted)
	Duration    time.Duration
	// Snapshot is what was saved.
	Snapshot *store.Snapshot
}

// Checkpoint record: one per account, deleted when its full sync completes.
const (
	checkpointKind  = "sync-checkpoint"
	checkpointEvery = 10 // export pages between checkpoints
)

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
	case errors.Is(err, store.ErrUnreadable):
		// The snapshot only caches Zendesk: rebuild it rather than fail
		// on every run.
		s.logger().WarnContext(ctx, "stored seat snapshot is unreadable; running a full sync to rebuild it", slog.Any("error", err))
		prev = nil
	case err != nil:
		return res, fmt.Errorf("sync: load snapshot: %w", err)
	}

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

	full := prev == nil || prev.Cursor == "" || prev.Account != s.Account
	staff, cursor, err := s.export(ctx, prev, full, &res)
	if errors.Is(err, zendesk.ErrInvalid) && res.Pages == 1 && (!full || res.Resumed) {
		// Zendesk refused the stored cursor itself (expired or from
		// elsewhere): start over from the beginning rather than fail on
		// every run.
		s.logger().WarnContext(ctx, "Zendesk refused the stored export cursor; starting a full sync", slog.Any("error", err))
		s.dropCheckpoint(ctx)
		res = SyncResult{}
		staff, cursor, err = s.export(ctx, nil, true, &res)
	}
	if err != nil {
		return res, err
	}

	snap := &store.Snapshot{
		SyncedAt: now,
		Cursor:   cursor,
		Account:  s.Account,
		Staff:    sortedStaff(staff),
	}
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
	if res.Full {
		s.dropCheckpoint(ctx)
	}
	res.StaffAfter = len(snap.Staff)
	res.Snapshot = snap
	res.Duration = s.now().Sub(now)
	s.logger().LogAttrs(ctx, slog.LevelInfo, "seat snapshot synced",
		slog.Bool("full", res.Full), slog.Bool("resumed", res.Resumed), slog.Int("pages", res.Pages),
		slog.Int("users_seen", res.UsersSeen), slog.Int("staff", res.StaffAfter), slog.Int("added", res.Added),
		slog.Int("removed", res.Removed), slog.Duration("duration", res.Duration))
	return res, nil
}

// export reads the user export from prev's cursor (or a checkpoint, or the
// beginning) to its end and returns the staff it leaves and the cursor to
// resume from next time.
func (s *Syncer) export(ctx context.Context, prev *store.Snapshot, full bool, res *SyncResult) (map[int64]store.StaffUser, string, error) {
	res.Full = full
	staff := make(map[int64]store.StaffUser)
	req := zendesk.ExportRequest{StartTime: time.Unix(0, 0)}
	from := prev
	if full {
		from = s.loadCheckpoint(ctx)
		res.Resumed = from != nil
	}
	if from != nil {
		for _, u := range from.Staff {
			staff[u.ID] = u
		}
		req = zendesk.ExportRequest{Cursor: from.Cursor}
	}
	if !full {
		res.StaffBefore = len(staff)
	}
	cursor := req.Cursor

	maxPages := cmp.Or(s.MaxPages, 10_000)
	for {
		if res.Pages == maxPages {
			return nil, "", fmt.Errorf("sync: user export did not end after %d pages", maxPages)
		}
		page, err := s.Source.ExportUsers(ctx, req)
		if err != nil {
			res.Pages++
			return nil, "", fmt.Errorf("sync: user export page %d: %w", res.Pages, err)
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
			return nil, "", fmt.Errorf("sync: user export page %d did not advance the cursor", res.Pages)
		}
		req = zendesk.ExportRequest{Cursor: page.AfterCursor}
		if full && res.Pages%checkpointEvery == 0 {
			s.saveCheckpoint(ctx, staff, cursor)
		}
	}
	if cursor == "" {
		return nil, "", errors.New("sync: user export returned no cursor to resume from")
	}
	return staff, cursor, nil
}

func sortedStaff(staff map[int64]store.StaffUser) []store.StaffUser {
	out := make([]store.StaffUser, 0, len(staff))
	for _, u := range staff {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b store.StaffUser) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// saveCheckpoint records a full sync's progress. Failing to save one only
// costs a resume, so it is logged, not returned.
func (s *Syncer) saveCheckpoint(ctx context.Context, staff map[int64]store.StaffUser, cursor string) {
	if s.Checkpoints == nil {
		return
	}
	data, err := store.EncodeSnapshot(&store.Snapshot{Cursor: cursor, Account: s.Account, Staff: sortedStaff(staff)})
	if err == nil {
		_, err = store.PutRecord(ctx, s.Checkpoints, checkpointKind, s.Account, data)
	}
	if err != nil {
		s.logger().WarnContext(ctx, "sync checkpoint not saved", slog.Any("error", err))
	}
}

func (s *Syncer) loadCheckpoint(ctx context.Context) *store.Snapshot {
	if s.Checkpoints == nil {
		return nil
	}
	rec, err := s.Checkpoints.GetRecord(ctx, checkpointKind, s.Account)
	if err != nil {
		return nil
	}
	cp, err := store.DecodeSnapshot(rec.Data)
	if err != nil || cp.Account != s.Account || cp.Cursor == "" {
		return nil
	}
	return cp
}

func (s *Syncer) dropCheckpoint(ctx context.Context) {
	if s.Checkpoints == nil {
		return
	}
	if err := s.Checkpoints.DeleteRecord(ctx, checkpointKind, s.Account); err != nil {
		s.logger().WarnContext(ctx, "sync checkpoint not deleted", slog.Any("error", err))
	}
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
