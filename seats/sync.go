package seats

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

// Syncer keeps one connector's seat snapshot current.
type Syncer struct {
	Source connector.StaffSource
	Store  store.Snapshots
	// Connector names the SaaS ("zendesk", "github"); its snapshot is
	// kept apart from the others'.
	Connector string
	// Account names the account within it (a Zendesk URL, a GitHub
	// organisation); a snapshot taken from another account is discarded
	// and a full sync runs.
	Account string
	// Checkpoints, when set, keeps a long full sync's progress, so a run
	// cut off by its timeout or a restart resumes where it stopped instead
	// of starting over (a 100,000-user first sync takes Zendesk's export
	// 5-10 minutes at its 10-20 requests a minute).
	Checkpoints store.Records
	Now         func() time.Time
	Logger      *slog.Logger
	// DryRun reads and judges as a sync does and saves nothing: no
	// snapshot, no checkpoint.
	DryRun bool
	// GroupsEvery is how often groups and memberships are read again;
	// between reads a sync carries them over. 0 reads them every time.
	GroupsEvery time.Duration
}

// SyncResult says what one sync did.
type SyncResult struct {
	connector.StaffSyncStats
	StaffBefore int
	StaffAfter  int
	Duration    time.Duration
	// Snapshot is what was saved.
	Snapshot *store.Snapshot
}

// A full sync's checkpoint is a head record per account (where the sync
// continues, and how many parts it has) and a part record for each
// stretch the connector reported, so a checkpoint writes only what was
// read since the one before. All are deleted when the full sync
// completes.
const (
	checkpointKind     = "sync-checkpoint"
	checkpointPartKind = "sync-checkpoint-part"
)

// Sync brings the snapshot up to date and replaces it in one write. Any
// error leaves the previous snapshot and cursor as they were, so the next
// run starts from the same place.
func (s *Syncer) Sync(ctx context.Context) (SyncResult, error) {
	now := s.now()
	name := store.ConnectorOrDefault(s.Connector)
	res, done, err := s.follow(ctx, name, now)
	if done {
		return res, err
	}
	refused := errors.Is(err, connector.ErrCursorRefused)
	res = SyncResult{}

	prev, err := s.Store.LoadSnapshot(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		prev = nil
	case errors.Is(err, store.ErrUnreadable):
		// The snapshot only caches the SaaS: rebuild it rather than fail
		// on every run.
		s.logger().WarnContext(ctx, "stored seat snapshot is unreadable; running a full sync to rebuild it", slog.String("connector", name), slog.Any("error", err))
		prev = nil
	case err != nil:
		return res, fmt.Errorf("sync %s: load snapshot: %w", name, err)
	}
	sync := connector.StaffSync{Progress: s.reportProgress(ctx, name, now)}
	if prev != nil && prev.Account == s.Account && !refused {
		sync.Prev = &prev.Roster
		res.StaffBefore = len(prev.Staff)
	}
	var kept keptCheckpoint
	if (sync.Prev == nil || sync.Prev.Cursor == "") && !refused {
		kept = s.loadCheckpoint(ctx)
		sync.Resume = kept.roster
	}
	if !s.DryRun {
		sync.Checkpoint = s.saveCheckpoint(ctx, kept)
	}
	sync.Groups = sync.Prev == nil || s.GroupsEvery <= 0 || sync.Prev.GroupsRead.IsZero() || now.Sub(sync.Prev.GroupsRead) >= s.GroupsEvery

	roster, stats, err := s.Source.SyncStaff(ctx, sync)
	stats.Restarted = stats.Restarted || refused
	res.StaffSyncStats = stats
	if stats.Restarted {
		// The refused cursor may have been a checkpoint's: never resume
		// from it again, even if the full sync that replaced it failed.
		if !s.DryRun {
			s.dropCheckpoint(ctx)
		}
		s.logger().WarnContext(ctx, "the stored sync cursor was refused; ran a full sync", slog.String("connector", name))
	}
	if err != nil {
		return res, fmt.Errorf("sync %s: %w", name, err)
	}
	if stats.Full && sync.Prev != nil {
		res.StaffBefore = 0
	}
	if stats.GroupsRead {
		roster.GroupsRead = now
	}
	if stats.GroupsFailed != "" {
		s.logger().WarnContext(ctx, "groups and memberships not read; the seats are synced with the last ones read",
			slog.String("connector", name), slog.String("why", stats.GroupsFailed))
	}

	snap := &store.Snapshot{SyncedAt: now, Connector: name, Account: s.Account, Roster: roster}
	if s.DryRun {
		res.StaffAfter, res.Snapshot, res.Duration = len(snap.Staff), snap, s.now().Sub(now)
		return res, nil
	}
	if err := s.Store.SaveSnapshot(ctx, snap); err != nil {
		return res, fmt.Errorf("sync %s: save snapshot: %w", name, err)
	}
	if stats.Full {
		s.dropCheckpoint(ctx)
	}
	res.StaffAfter = len(snap.Staff)
	res.Snapshot = snap
	res.Duration = s.now().Sub(now)
	if res.Fallback != "" {
		s.logger().LogAttrs(ctx, slog.LevelWarn, "seat sync read the costlier way", slog.String("connector", name), slog.String("why", res.Fallback))
	}
	s.logger().LogAttrs(ctx, slog.LevelInfo, "seat snapshot synced", slog.String("connector", name),
		slog.Bool("full", res.Full), slog.Bool("resumed", res.Resumed), slog.Int("requests", res.Requests),
		slog.Int("seen", res.Seen), slog.Int("staff", res.StaffAfter), slog.Int("added", res.Added),
		slog.Int("removed", res.Removed), slog.Duration("duration", res.Duration))
	return res, nil
}

// progressEvery is how often a running sync logs how far it got.
const progressEvery = 10 * time.Second

// reportProgress logs a sync's progress at most every progressEvery, so a
// first sync of a large account that takes minutes says what it is doing.
func (s *Syncer) reportProgress(ctx context.Context, name string, start time.Time) func(connector.StaffSyncStats) {
	last := start
	return func(st connector.StaffSyncStats) {
		now := s.now()
		if now.Sub(last) < progressEvery {
			return
		}
		last = now
		s.logger().LogAttrs(ctx, slog.LevelInfo, "seat sync in progress", slog.String("connector", name),
			slog.Bool("full", st.Full), slog.Int("requests", st.Requests), slog.Int("seen", st.Seen),
			slog.Int("added", st.Added), slog.Int("removed", st.Removed), slog.Duration("elapsed", now.Sub(start)))
	}
}

// checkpointID names this account's checkpoint record. Zendesk's keeps the
// id it always had (its URL), so a sync cut off before an upgrade resumes.
func (s *Syncer) checkpointID() string {
	if name := store.ConnectorOrDefault(s.Connector); name != connector.Zendesk {
		return name + ":" + s.Account
	}
	return s.Account
}

// checkpointHead is a checkpoint's head record.
type checkpointHead struct {
	V         int    `json:"v"`
	Connector string `json:"connector"`
	Account   string `json:"account"`
	Cursor    string `json:"cursor"`
	// Parts is how many part records hold the staff read up to Cursor.
	Parts int `json:"parts"`
}

// checkpointHeadVersion is checkpointHead.V. A head of the layout before
// parts (the revision header of an encoded snapshot holding every staff
// member read) still resumes.
const checkpointHeadVersion = 1

func (s *Syncer) checkpointPartID(i int) string { return fmt.Sprintf("%s#%06d", s.checkpointID(), i) }

// keptCheckpoint is what loadCheckpoint found.
type keptCheckpoint struct {
	// roster is the checkpoint's cursor and staff; nil when there is none
	// to resume from.
	roster *connector.Roster
	// parts is how many part records it has.
	parts int
	// unsaved are staff of a checkpoint of the layout before parts, to
	// be written as a part before the next one.
	unsaved []connector.Staff
}

// saveCheckpoint records a full sync's progress: each stretch the
// connector reports as the next part, then the head naming it. A part
// that cannot be saved ends checkpointing for the run, since the parts
// after it would leave a gap; the head saved before still resumes.
// Failing to save only costs a resume, so it is logged, not returned.
func (s *Syncer) saveCheckpoint(ctx context.Context, kept keptCheckpoint) func(connector.Checkpoint) {
	if s.Checkpoints == nil {
		return nil
	}
	parts, unsaved, failed := kept.parts, kept.unsaved, false
	return func(cp connector.Checkpoint) {
		if failed {
			return
		}
		if cp.First {
			s.dropCheckpoint(ctx)
			parts, unsaved = 0, nil
		}
		err := func() error {
			stretches := [][]connector.Staff{cp.Read}
			if unsaved != nil {
				stretches = [][]connector.Staff{unsaved, cp.Read}
			}
			for _, stretch := range stretches {
				if err := s.putCheckpointPart(ctx, parts, stretch); err != nil {
					return err
				}
				parts++
			}
			unsaved = nil
			head, err := json.Marshal(checkpointHead{V: checkpointHeadVersion, Connector: store.ConnectorOrDefault(s.Connector),
				Account: s.Account, Cursor: cp.Cursor, Parts: parts})
			if err != nil {
				return err
			}
			_, err = store.PutRecord(ctx, s.Checkpoints, checkpointKind, s.checkpointID(), head)
			return err
		}()
		if err != nil {
			failed = true
			s.logger().WarnContext(ctx, "sync checkpoint not saved; the run goes on without", slog.Any("error", err))
		}
	}
}

// putCheckpointPart writes part i. A part of that number left by a run
// cut off before its head named it is replaced.
func (s *Syncer) putCheckpointPart(ctx context.Context, i int, staff []connector.Staff) error {
	data, err := store.EncodeSnapshot(&store.Snapshot{Connector: s.Connector, Account: s.Account, Roster: connector.Roster{Staff: staff}})
	if err != nil {
		return err
	}
	_, err = s.Checkpoints.CreateRecord(ctx, checkpointPartKind, s.checkpointPartID(i), data)
	if errors.Is(err, store.ErrExists) {
		_, err = store.PutRecord(ctx, s.Checkpoints, checkpointPartKind, s.checkpointPartID(i), data)
	}
	return err
}

// loadCheckpoint reads this account's checkpoint, its parts gathered into
// one roster; none when it is missing, of another account or any part of
// it unreadable.
func (s *Syncer) loadCheckpoint(ctx context.Context) keptCheckpoint {
	if s.Checkpoints == nil {
		return keptCheckpoint{}
	}
	rec, err := s.Checkpoints.GetRecord(ctx, checkpointKind, s.checkpointID())
	if err != nil {
		return keptCheckpoint{}
	}
	if !bytes.HasPrefix(rec.Data, []byte("{")) {
		cp, err := store.DecodeSnapshot(rec.Data)
		if err != nil || cp.Account != s.Account || cp.Cursor == "" {
			return keptCheckpoint{}
		}
		return keptCheckpoint{roster: &cp.Roster, unsaved: cp.Staff}
	}
	var head checkpointHead
	if err := json.Unmarshal(rec.Data, &head); err != nil || head.V != checkpointHeadVersion || head.Account != s.Account || head.Cursor == "" {
		return keptCheckpoint{}
	}
	roster := &connector.Roster{Cursor: head.Cursor}
	for i := range head.Parts {
		rec, err := s.Checkpoints.GetRecord(ctx, checkpointPartKind, s.checkpointPartID(i))
		if err != nil {
			return keptCheckpoint{}
		}
		part, err := store.DecodeSnapshot(rec.Data)
		if err != nil || part.Account != s.Account {
			return keptCheckpoint{}
		}
		roster.Staff = append(roster.Staff, part.Staff...)
	}
	return keptCheckpoint{roster: roster, parts: head.Parts}
}

// dropCheckpoint deletes the checkpoint: its parts first, so that one cut
// off halfway leaves a head whose parts are missing, which no sync
// resumes from, rather than parts nothing names.
func (s *Syncer) dropCheckpoint(ctx context.Context) {
	if s.Checkpoints == nil {
		return
	}
	parts := 0
	if rec, err := s.Checkpoints.GetRecord(ctx, checkpointKind, s.checkpointID()); err == nil {
		var head checkpointHead
		if json.Unmarshal(rec.Data, &head) == nil {
			parts = head.Parts
		}
	}
	var errs []error
	// One past the head's parts: a part whose head was never written.
	for i := range parts + 1 {
		errs = append(errs, s.Checkpoints.DeleteRecord(ctx, checkpointPartKind, s.checkpointPartID(i)))
	}
	errs = append(errs, s.Checkpoints.DeleteRecord(ctx, checkpointKind, s.checkpointID()))
	if err := errors.Join(errs...); err != nil {
		s.logger().WarnContext(ctx, "sync checkpoint not deleted", slog.Any("error", err))
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

// follow is an incremental sync that never holds the account whole: the
// source says what changed since the stored cursor, and the stored
// snapshot is read a chunk at a time, merged with the changes and written
// out as the new one. done is false when it does not apply (a source
// without a change feed, a dry run, no snapshot of this account yet, or a
// refused cursor, which err then is): the sync then runs as it always
// did, as a full one after a refused cursor.
func (s *Syncer) follow(ctx context.Context, name string, now time.Time) (res SyncResult, done bool, err error) {
	follower, ok := s.Source.(connector.StaffFollower)
	if !ok || s.DryRun {
		return res, false, nil
	}
	prev, err := s.Store.ReadSnapshot(ctx, name, nil)
	if err != nil || prev.Account != s.Account || prev.Cursor == "" {
		// Missing or unreadable: the full sync's path says which.
		return res, false, nil
	}
	sync := connector.StaffSync{Progress: s.reportProgress(ctx, name, now)}
	sync.Groups = s.GroupsEvery <= 0 || prev.GroupsRead.IsZero() || now.Sub(prev.GroupsRead) >= s.GroupsEvery
	changes, stats, err := follower.FollowStaff(ctx, prev.Cursor, sync)
	if errors.Is(err, connector.ErrCursorRefused) {
		return res, false, err
	}
	res.StaffSyncStats = stats
	if err != nil {
		return res, true, fmt.Errorf("sync %s: %w", name, err)
	}
	if stats.GroupsFailed != "" {
		s.logger().WarnContext(ctx, "groups and memberships not read; the seats are synced with the last ones read",
			slog.String("connector", name), slog.String("why", stats.GroupsFailed))
	}
	head := &store.Snapshot{SyncedAt: now, Connector: name, Account: s.Account, Roster: connector.Roster{Cursor: changes.Cursor, GroupsRead: prev.GroupsRead}}
	if stats.GroupsRead {
		head.GroupsRead = now
	}
	res.StaffBefore, res.StaffAfter, res.Added, res.Removed = 0, 0, 0, 0
	err = s.Store.WriteSnapshot(ctx, head, func(put func(connector.Staff) error) error {
		return s.merge(ctx, name, changes, head, &res, put)
	})
	if err != nil {
		return res, true, fmt.Errorf("sync %s: save snapshot: %w", name, err)
	}
	res.Snapshot = head
	res.Duration = s.now().Sub(now)
	s.logger().LogAttrs(ctx, slog.LevelInfo, "seat snapshot synced", slog.String("connector", name),
		slog.Bool("full", false), slog.Int("requests", res.Requests), slog.Int("seen", res.Seen), slog.Int("staff", res.StaffAfter),
		slog.Int("added", res.Added), slog.Int("removed", res.Removed), slog.Duration("duration", res.Duration))
	return res, true, nil
}

// merge puts the stored snapshot's members with changes applied, in id
// order, and settles head's groups and memberships: the changes' when
// they were read, else the stored ones, either way only of members still
// there.
func (s *Syncer) merge(ctx context.Context, name string, changes connector.StaffChanges, head *store.Snapshot, res *SyncResult, put func(connector.Staff) error) error {
	ids := slices.Sorted(maps.Keys(changes.Changed))
	var kept []int64 // ids written, ascending
	next := 0
	emit := func(u connector.Staff) error {
		kept = append(kept, u.ID)
		res.StaffAfter++
		return put(u)
	}
	// joiners puts the members who joined with ids below limit.
	joiners := func(limit int64) error {
		for ; next < len(ids) && ids[next] < limit; next++ {
			if u := changes.Changed[ids[next]]; u != nil {
				res.Added++
				if err := emit(*u); err != nil {
					return err
				}
			}
		}
		return nil
	}
	prev, err := s.Store.ReadSnapshot(ctx, name, func(u connector.Staff) error {
		res.StaffBefore++
		if err := joiners(u.ID); err != nil {
			return err
		}
		if next < len(ids) && ids[next] == u.ID {
			next++
			changed := changes.Changed[u.ID]
			if changed == nil {
				res.Removed++
				return nil
			}
			return emit(*changed)
		}
		if changes.Refresh != nil {
			changes.Refresh(&u)
		}
		return emit(u)
	})
	if err != nil {
		return err
	}
	if err := joiners(math.MaxInt64); err != nil {
		return err
	}
	groups, memberships := prev.Groups, prev.Memberships
	if res.GroupsRead {
		groups, memberships = changes.Groups, changes.Memberships
	}
	head.Groups, head.Memberships = groups, nil
	for _, m := range memberships {
		// Memberships of people who are no longer staff are noise.
		if _, ok := slices.BinarySearch(kept, m.UserID); ok {
			head.Memberships = append(head.Memberships, m)
		}
	}
	return nil
}
