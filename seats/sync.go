package seats

import (
	"cmp"
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
	// Checkpoints, when set, keeps a full sync's progress: the staff it has
	// read, a stretch at a time, so that a source that can give them out as
	// it reads (a connector.StaffLister) is never held whole, and a run cut
	// off by its timeout or a restart resumes where it stopped instead of
	// starting over.
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

// A full sync's checkpoint is a head record per account (where the read
// continues, and how many parts it has) and a part record for each
// stretch the connector gave, in id order, so a checkpoint writes only
// what was read since the one before and the snapshot is written from the
// parts one at a time. All are deleted when the full sync completes.
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
	if lister, ok := s.Source.(connector.StaffLister); ok && s.Checkpoints != nil && !s.DryRun {
		return s.list(ctx, name, now, lister, refused)
	}
	res = SyncResult{}

	prev, err := s.Store.LoadSnapshot(ctx, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		prev = nil
	case errors.Is(err, store.ErrUnreadable):
		s.warnUnreadable(ctx, name, err)
		prev = nil
	case err != nil:
		return res, fmt.Errorf("sync %s: load snapshot: %w", name, err)
	}
	sync := connector.StaffSync{Progress: s.reportProgress(ctx, name, now)}
	if prev != nil && prev.Account == s.Account && !refused {
		sync.Prev = &prev.Roster
		res.StaffBefore = len(prev.Staff)
	}
	sync.Groups = sync.Prev == nil || s.GroupsEvery <= 0 || sync.Prev.GroupsRead.IsZero() || now.Sub(sync.Prev.GroupsRead) >= s.GroupsEvery

	roster, stats, err := s.Source.SyncStaff(ctx, sync)
	stats.Restarted = stats.Restarted || refused
	res.StaffSyncStats = stats
	if stats.Restarted {
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
	s.warnGroups(ctx, name, stats)

	snap := &store.Snapshot{SyncedAt: now, Connector: name, Account: s.Account, Roster: roster}
	if s.DryRun {
		res.StaffAfter, res.Snapshot, res.Duration = len(snap.Staff), snap, s.now().Sub(now)
		return res, nil
	}
	if err := s.Store.SaveSnapshot(ctx, snap); err != nil {
		return res, fmt.Errorf("sync %s: save snapshot: %w", name, err)
	}
	res.StaffAfter = len(snap.Staff)
	return s.synced(ctx, res, snap, now), nil
}

// list is a full sync that never holds the account whole: each stretch the
// lister reads is kept as the checkpoint's next part as it comes, and the
// snapshot is written from the parts, one at a time, with what changed
// while they were read merged in. A run cut off resumes after the last
// part kept.
func (s *Syncer) list(ctx context.Context, name string, now time.Time, lister connector.StaffLister, refused bool) (SyncResult, error) {
	var res SyncResult
	if _, err := s.Store.SnapshotRevision(ctx, name); errors.Is(err, store.ErrUnreadable) {
		s.warnUnreadable(ctx, name, err)
	}
	head := s.loadCheckpoint(ctx)
	sync := connector.StaffSync{Progress: s.reportProgress(ctx, name, now), Groups: true, Resume: head.Cursor}
	keep, began := s.keepStretch(ctx, &head), false
	changes, stats, err := lister.ListStaff(ctx, sync, func(st connector.Stretch) error {
		began = began || st.First
		return keep(st)
	})
	stats.Restarted = stats.Restarted || refused
	res.StaffSyncStats = stats
	if refused {
		s.logger().WarnContext(ctx, "the stored sync cursor was refused; ran a full sync", slog.String("connector", name))
	}
	if err != nil {
		return res, fmt.Errorf("sync %s: %w", name, err)
	}
	if !stats.Resumed && !began {
		// Nothing was kept this run (the whole export came as changes):
		// the checkpoint found is no part of this read.
		head = checkpointHead{}
	}
	s.warnGroups(ctx, name, stats)
	if changes.Changed == nil {
		changes.Changed = map[int64]*connector.Staff{}
	}
	late := map[int64]connector.Staff{}
	for _, u := range head.Late {
		late[u.ID] = u // a later read over an earlier
	}
	for id, u := range late {
		// The export read them later still.
		if _, ok := changes.Changed[id]; !ok {
			if changes.Refresh != nil {
				changes.Refresh(&u)
			}
			changes.Changed[id] = &u
		}
	}

	snap := &store.Snapshot{SyncedAt: now, Connector: name, Account: s.Account, Roster: connector.Roster{Cursor: changes.Cursor}}
	if stats.GroupsRead {
		snap.GroupsRead = now
	}
	err = s.Store.WriteSnapshot(ctx, snap, func(put func(connector.Staff) error) error {
		kept, err := merge(changes, &res, put, s.checkpointParts(ctx, head.Parts))
		if err != nil {
			return err
		}
		setGroups(snap, changes.Groups, changes.Memberships, kept)
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("sync %s: save snapshot: %w", name, err)
	}
	s.dropCheckpoint(ctx)
	// Everyone is new to a full sync; those the list read and the export
	// then saw leave stay counted as removed.
	res.Added, res.StaffBefore = res.StaffAfter, 0
	return s.synced(ctx, res, snap, now), nil
}

// synced finishes a sync that saved snap, and logs it.
func (s *Syncer) synced(ctx context.Context, res SyncResult, snap *store.Snapshot, start time.Time) SyncResult {
	res.Snapshot = snap
	res.Duration = s.now().Sub(start)
	name := snap.Connector
	if res.Fallback != "" {
		s.logger().LogAttrs(ctx, slog.LevelWarn, "seat sync read the costlier way", slog.String("connector", name), slog.String("why", res.Fallback))
	}
	s.logger().LogAttrs(ctx, slog.LevelInfo, "seat snapshot synced", slog.String("connector", name),
		slog.Bool("full", res.Full), slog.Bool("resumed", res.Resumed), slog.Int("requests", res.Requests),
		slog.Int("seen", res.Seen), slog.Int("staff", res.StaffAfter), slog.Int("added", res.Added),
		slog.Int("removed", res.Removed), slog.Duration("duration", res.Duration))
	return res
}

func (s *Syncer) warnUnreadable(ctx context.Context, name string, err error) {
	// The snapshot only caches the SaaS: rebuild it rather than fail on
	// every run.
	s.logger().WarnContext(ctx, "stored seat snapshot is unreadable; running a full sync to rebuild it", slog.String("connector", name), slog.Any("error", err))
}

func (s *Syncer) warnGroups(ctx context.Context, name string, stats connector.StaffSyncStats) {
	if stats.GroupsFailed != "" {
		s.logger().WarnContext(ctx, "groups and memberships not read; the seats are synced with the last ones read",
			slog.String("connector", name), slog.String("why", stats.GroupsFailed))
	}
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
	// Cursor is where the read continues (StaffSync.Resume).
	Cursor string `json:"cursor"`
	// Parts is how many part records hold the staff read up to Cursor:
	// each in id order, and each after the one before.
	Parts int `json:"parts"`
	// Last is the highest id the parts hold.
	Last int64 `json:"last,omitempty"`
	// Late are members read after a part of higher ids (a list not in id
	// order, or one that moved while it was read), in the order read:
	// they join the snapshot as changes, a later read over an earlier.
	Late []connector.Staff `json:"late,omitempty"`
}

// checkpointHeadVersion is checkpointHead.V. A checkpoint of an older
// layout is not resumed: its parts are not known to be in order, so the
// full sync starts over.
const checkpointHeadVersion = 2

func (s *Syncer) checkpointPartID(i int) string { return fmt.Sprintf("%s#%06d", s.checkpointID(), i) }

// keepStretch keeps each stretch the lister reads as the checkpoint's
// next part, in id order, then the head naming it. A failed write ends the
// sync: unlike a snapshot's, the part is the only copy of what it holds.
func (s *Syncer) keepStretch(ctx context.Context, head *checkpointHead) func(connector.Stretch) error {
	return func(st connector.Stretch) error {
		if st.First {
			s.dropCheckpoint(ctx)
			*head = checkpointHead{}
		}
		part := connector.InIDOrder(slices.Clone(st.Read))
		after, found := slices.BinarySearchFunc(part, head.Last, byStaffID)
		if found {
			after++
		}
		head.Late = append(head.Late, part[:after]...)
		if part = part[after:]; len(part) > 0 {
			if err := s.putCheckpointPart(ctx, head.Parts, part); err != nil {
				return fmt.Errorf("keep checkpoint part %d: %w", head.Parts, err)
			}
			head.Parts++
			head.Last = part[len(part)-1].ID
		}
		head.V, head.Connector, head.Account, head.Cursor = checkpointHeadVersion, store.ConnectorOrDefault(s.Connector), s.Account, st.Cursor
		data, err := json.Marshal(head)
		if err == nil {
			_, err = store.PutRecord(ctx, s.Checkpoints, checkpointKind, s.checkpointID(), data)
		}
		if err != nil {
			return fmt.Errorf("keep checkpoint: %w", err)
		}
		return nil
	}
}

func byStaffID(s connector.Staff, id int64) int { return cmp.Compare(s.ID, id) }

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

// checkpointPart reads part i.
func (s *Syncer) checkpointPart(ctx context.Context, i int) ([]connector.Staff, error) {
	rec, err := s.Checkpoints.GetRecord(ctx, checkpointPartKind, s.checkpointPartID(i))
	if err != nil {
		return nil, fmt.Errorf("checkpoint part %d: %w", i, err)
	}
	part, err := store.DecodeSnapshot(rec.Data)
	if err == nil && part.Account != s.Account {
		err = errors.New("of another account")
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint part %d: %w", i, err)
	}
	return part.Staff, nil
}

// checkpointParts gives each member of the checkpoint's first n parts, in
// id order, holding one part at a time.
func (s *Syncer) checkpointParts(ctx context.Context, n int) func(func(connector.Staff) error) error {
	return func(member func(connector.Staff) error) error {
		for i := range n {
			part, err := s.checkpointPart(ctx, i)
			if err != nil {
				return err
			}
			for _, u := range part {
				if err := member(u); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// loadCheckpoint reads this account's checkpoint head; an empty one when
// there is none to resume from: missing, of another account or layout, or
// any of its parts unreadable.
func (s *Syncer) loadCheckpoint(ctx context.Context) checkpointHead {
	rec, err := s.Checkpoints.GetRecord(ctx, checkpointKind, s.checkpointID())
	if err != nil {
		return checkpointHead{}
	}
	var head checkpointHead
	if err := json.Unmarshal(rec.Data, &head); err != nil || head.V != checkpointHeadVersion || head.Account != s.Account || head.Cursor == "" {
		return checkpointHead{}
	}
	for i := range head.Parts {
		if _, err := s.checkpointPart(ctx, i); err != nil {
			return checkpointHead{}
		}
	}
	return head
}

// dropCheckpoint deletes the checkpoint: its parts first, so that one cut
// off halfway leaves a head whose parts are missing, which no sync
// resumes from, rather than parts nothing names.
func (s *Syncer) dropCheckpoint(ctx context.Context) {
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
	s.warnGroups(ctx, name, stats)
	head := &store.Snapshot{SyncedAt: now, Connector: name, Account: s.Account, Roster: connector.Roster{Cursor: changes.Cursor, GroupsRead: prev.GroupsRead}}
	if stats.GroupsRead {
		head.GroupsRead = now
	}
	res.StaffBefore, res.StaffAfter, res.Added, res.Removed = 0, 0, 0, 0
	err = s.Store.WriteSnapshot(ctx, head, func(put func(connector.Staff) error) error {
		var prev *store.Snapshot
		kept, err := merge(changes, &res, put, func(member func(connector.Staff) error) error {
			var err error
			prev, err = s.Store.ReadSnapshot(ctx, name, member)
			return err
		})
		if err != nil {
			return err
		}
		groups, memberships := prev.Groups, prev.Memberships
		if res.GroupsRead {
			groups, memberships = changes.Groups, changes.Memberships
		}
		setGroups(head, groups, memberships, kept)
		return nil
	})
	if err != nil {
		return res, true, fmt.Errorf("sync %s: save snapshot: %w", name, err)
	}
	return s.synced(ctx, res, head, now), true, nil
}

// merge puts the members each gives, in id order, with changes applied,
// and returns the ids it put, ascending. res counts the members each gave
// (StaffBefore), those it put (StaffAfter), and of those the changes
// added and removed.
func merge(changes connector.StaffChanges, res *SyncResult, put func(connector.Staff) error, each func(member func(connector.Staff) error) error) ([]int64, error) {
	ids := slices.Sorted(maps.Keys(changes.Changed))
	var kept []int64
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
	err := each(func(u connector.Staff) error {
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
		return nil, err
	}
	if err := joiners(math.MaxInt64); err != nil {
		return nil, err
	}
	return kept, nil
}

// setGroups gives snap the groups and the memberships of its members
// (kept, ascending): those of people who are no longer staff are noise.
func setGroups(snap *store.Snapshot, groups []connector.Group, memberships []connector.Membership, kept []int64) {
	snap.Groups, snap.Memberships = groups, nil
	for _, m := range memberships {
		if _, ok := slices.BinarySearch(kept, m.UserID); ok {
			snap.Memberships = append(snap.Memberships, m)
		}
	}
}
