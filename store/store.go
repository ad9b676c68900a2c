// Package store defines what seatwarden persists, in domain terms, and the
// contract every implementation keeps. Two implementations exist: Redis
// (store/redisstore, for several replicas) and an embedded bbolt file
// (store/boltstore, the single-replica default). One conformance suite
// (store/storetest) runs against both, so a feature written against these
// interfaces behaves the same on either.
package store

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/seatwarden/seatwarden/connector"
)

// Errors every implementation returns, so callers can branch with errors.Is.
var (
	// ErrNotFound: the record, snapshot or key does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrExists: Create found a record already there.
	ErrExists = errors.New("store: already exists")
	// ErrConflict: a compare-and-set lost to a concurrent writer, or Update
	// gave up after its retry bound.
	ErrConflict = errors.New("store: version conflict")
	// ErrLockHeld: another holder owns the lock and its TTL has not run out.
	ErrLockHeld = errors.New("store: lock held by another holder")
	// ErrNotLockHolder: release or renew by someone who does not hold the
	// lock (or whose hold expired and was taken over).
	ErrNotLockHolder = errors.New("store: not the lock holder")
	// ErrUnconfirmed: the write was made, but fewer replicas than asked
	// confirmed it in time, so a failover could lose it. Callers treat
	// it as failed; an append (the audit trail) stands all the same.
	ErrUnconfirmed = errors.New("store: the write reached too few replicas")
	// ErrSkipUpdate may be returned by an Update modifier to leave the record
	// untouched; Update then returns the current record and this error.
	ErrSkipUpdate = errors.New("store: update skipped")
)

// Store is everything the bot persists.
type Store interface {
	Snapshots
	Locks
	Idempotency
	Audit
	Records
	Ballots
	Schedules

	// Ping reports whether the backend answers; /readyz and doctor use it.
	Ping(ctx context.Context) error
	// Backend names the implementation ("redis" or "bolt") for logs and doctor.
	Backend() string
	Close() error
}

// Snapshots hold each connector's seat snapshot from its last successful
// sync together with its sync cursor. Save replaces both atomically: a
// reader sees the old snapshot or the new one, never a mix, and a sync that
// fails before Save leaves the previous snapshot and cursor intact. One
// connector's snapshot never touches another's.
type Snapshots interface {
	// LoadSnapshot returns connector's snapshot ("" is Zendesk);
	// ErrNotFound before its first successful sync.
	LoadSnapshot(ctx context.Context, connector string) (*Snapshot, error)
	// SaveSnapshot replaces the snapshot of s.Connector.
	SaveSnapshot(ctx context.Context, s *Snapshot) error
	// ReadSnapshot reads connector's snapshot without holding it whole:
	// member is given each member in id order, and the snapshot returned
	// holds the rest, Members counting them. A nil member reads only where
	// the syncs stand, how many members there are and the patches since
	// they were saved (no members, groups or memberships): the head alone,
	// a few bytes when unpatched.
	// ErrSnapshotReplaced when a save replaced it while it was read.
	ReadSnapshot(ctx context.Context, connector string, member func(connector.Staff) error) (*Snapshot, error)
	// WriteSnapshot replaces the snapshot of head.Connector with one
	// whose members staff puts in id order, without holding it whole;
	// head's Groups and Memberships are read after staff returns. Any
	// error, or a cut-off, leaves the previous snapshot as it was.
	WriteSnapshot(ctx context.Context, head *Snapshot, staff StaffWriter) error
	// SnapshotRevision names connector's stored snapshot without reading
	// it: equal snapshots have equal revisions and every change gives a
	// new one, so readers can keep a decoded copy and check it cheaply.
	// ErrNotFound before the first save; ErrUnreadable for a corrupt one.
	SnapshotRevision(ctx context.Context, connector string) (string, error)
	// PatchSnapshot changes members of connector's snapshot without
	// writing it again: each patch puts a member as they now read, or
	// takes one out (a nil Member). A member the snapshot does not hold is
	// left alone. The patches are kept beside the members, read with them
	// by every reader, and folded in by the next save, which replaces
	// them; a snapshot holding as many patches as it keeps is written
	// again with them in it. It returns the revision it patched and the
	// one it made, so a reader holding the first can apply the patches
	// itself. ErrConflict when a save or another patch replaced the
	// snapshot while it was patched (patching again patches the new one);
	// ErrNotFound before the first save.
	PatchSnapshot(ctx context.Context, connector string, patches []MemberPatch) (before, after string, err error)
}

// MemberPatch is one member's change in a patched snapshot: Member as
// they now read, or nil when they are no longer staff.
type MemberPatch struct {
	ID     int64            `json:"id"`
	Member *connector.Staff `json:"member,omitempty"`
}

// Lock is a held job lock. Token is a fencing token: it strictly increases
// with every successful acquisition of the same lock name, so work guarded
// by an older token can be told apart from work of the current holder.
type Lock struct {
	Name      string
	Holder    string
	Token     int64
	ExpiresAt time.Time
}

// Locks keep a job to one replica at a time.
type Locks interface {
	// AcquireLock takes name for holder for ttl. It returns ErrLockHeld while
	// another holder's lock is live. Re-acquiring by the same holder is also
	// refused: a holder extends with RenewLock.
	AcquireLock(ctx context.Context, name, holder string, ttl time.Duration) (Lock, error)
	// RenewLock extends a held lock; ErrNotLockHolder when l is no longer
	// the live hold (expired, taken over, released).
	RenewLock(ctx context.Context, l Lock, ttl time.Duration) (Lock, error)
	// ReleaseLock frees the lock only if l is still the live hold (same
	// holder and token); otherwise ErrNotLockHolder and nothing changes.
	ReleaseLock(ctx context.Context, l Lock) error
}

// Idempotency remembers that something was done, so a retry or a second
// replica does not do it again.
type Idempotency interface {
	// ClaimKey records key for ttl. It reports true to the first caller and
	// false to every later one while the key lives.
	ClaimKey(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// ReleaseKey forgets a claimed key, so the next ClaimKey wins: for a
	// side effect that failed after its claim and is to be tried again.
	// Releasing a key nobody holds is not an error.
	ReleaseKey(ctx context.Context, key string) error
	// KeyClaimed reports whether key is claimed now, claiming nothing.
	KeyClaimed(ctx context.Context, key string) (bool, error)
	// ExtendKey keeps a claimed key for ttl from now: a lease held for
	// work that may outlast it. It reports false when key is not claimed
	// (it lapsed or was released), and then claims nothing. A claim names
	// no holder, so a holder extends well within its ttl.
	ExtendKey(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// AuditEntry is one line of the append-only audit trail.
type AuditEntry struct {
	// Seq orders the trail; it is set by the store on append and strictly
	// increases. Callers leave it zero.
	Seq     int64             `json:"seq"`
	At      time.Time         `json:"at"`
	Actor   string            `json:"actor"`   // who: an email, or "system"/"job:sync"
	Action  string            `json:"action"`  // what, as a stable verb: "seat.removed"
	Subject string            `json:"subject"` // on what: "zendesk:user:123"
	Detail  map[string]string `json:"detail,omitempty"`
}

// Audit is an append-only trail: entries are never changed, and only
// retention removes the oldest. An entry keeps its Seq for life, however
// many before it were removed.
type Audit interface {
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// AppendAuditOnce appends e unless an entry was appended under key
	// before, in one step: a fact that several paths may come to record
	// (a revoke the replica that made it and the sync that finds it gone
	// both report) is in the trail once, whichever says it first and
	// whatever becomes of the others. appended is false when key was
	// there. Keys are kept as long as the store, under a blind name when
	// it seals, as idempotency keys are.
	AppendAuditOnce(ctx context.Context, key string, e AuditEntry) (entry AuditEntry, appended bool, err error)
	// ListAudit returns up to limit entries with Seq > after, oldest first.
	ListAudit(ctx context.Context, after int64, limit int) ([]AuditEntry, error)
	// TrimAudit removes up to limit of the oldest entries, none with Seq
	// above through, and returns how many it removed.
	TrimAudit(ctx context.Context, through int64, limit int) (int, error)
}

// Record is a generic versioned JSON document. Version starts at 1 on
// Create and increases by one on every successful write; compare-and-set
// writes name the version they read.
type Record struct {
	Kind      string
	ID        string
	Version   int64
	Data      []byte // JSON
	UpdatedAt time.Time
	// Votes are the votes of the record's ballot (see Ballots) cast since
	// its data was last written, in the order cast; nil when there are
	// none. The next writer folds them into the data it writes: its
	// compare-and-set names the version it read, which counts them.
	Votes []Vote
}

// NewRecord is one record for CreateRecords.
type NewRecord struct {
	ID   string
	Data []byte
}

// Records are what the review, credential and approval features build on.
type Records interface {
	// GetRecord returns ErrNotFound when absent.
	GetRecord(ctx context.Context, kind, id string) (Record, error)
	// GetRecords returns the records of kind with these ids that exist,
	// in the order of ids, in one read (a Redis round trip): for the few
	// dozen a page of a digest shows. Absent ids are left out.
	GetRecords(ctx context.Context, kind string, ids []string) ([]Record, error)
	// CreateRecord writes version 1; ErrExists when the id is taken, so only
	// one of several racing creators wins.
	CreateRecord(ctx context.Context, kind, id string, data []byte) (Record, error)
	// CreateRecords creates each record that does not exist yet, as
	// CreateRecord would, and leaves existing ones untouched. It returns
	// how many it created. Records are created in batches: on an error
	// some may have been created, and repeating the call is safe.
	CreateRecords(ctx context.Context, kind string, recs []NewRecord) (created int, err error)
	// CompareAndSwapRecord writes data only if the stored version equals
	// version; ErrConflict otherwise, ErrNotFound when absent. The votes
	// the record held at version are taken as folded into data.
	CompareAndSwapRecord(ctx context.Context, kind, id string, version int64, data []byte) (Record, error)
	// ListRecords returns every record of kind, ordered by id.
	ListRecords(ctx context.Context, kind string) ([]Record, error)
	// DeleteRecord removes a record; deleting an absent one is not an error.
	DeleteRecord(ctx context.Context, kind, id string) error
}

// Vote is one counted vote of a record's ballot.
type Vote struct {
	// Seq numbers the ballot's votes in the order cast, after those the
	// record's data held before it had a ballot (Ballot.Earlier).
	Seq int64
	// Data is what the caller keeps of the vote (who, when), sealed at
	// rest like a record's data.
	Data []byte
	// Closed: this vote completed the quorum and closed the ballot.
	Closed bool
}

// Ballot is one vote to cast and the rule the ballot closes by.
type Ballot struct {
	// Voter names who votes; each voter is counted once. A sealed store
	// keeps only a blind name of it.
	Voter string
	Data  []byte
	// Needed votes close the ballot, provided at least one of them is
	// not an owner's.
	Needed int
	// Owner: the voter owns what is voted on; owners alone never close a
	// ballot.
	Owner bool
	// Earlier counts the votes the record's data held before it had a
	// ballot (written by a release without ballots), EarlierOthers those
	// of them not by an owner. The first vote starts the count from them;
	// later ones ignore them.
	Earlier, EarlierOthers int
}

// Errors of CastVote. Either comes with the record as it stands; the vote
// changed nothing.
var (
	// ErrVoted: the voter's vote was counted before.
	ErrVoted = errors.New("store: already voted")
	// ErrBallotClosed: a vote completed the quorum, or CloseBallot ran.
	ErrBallotClosed = errors.New("store: ballot closed")
)

// Ballots take votes on records. A vote is counted, and the one that
// completes the quorum closes the ballot, in one atomic step that reads
// nothing of the record's data (sealed in a sealed store), so any number
// of voters racing on one record neither conflict nor retry, and exactly
// one vote closes it. A vote changes the record's version and Votes, never
// its Data. A ballot is open from the record's creation until a vote or
// CloseBallot closes it.
type Ballots interface {
	// CastVote counts b on the ballot of record (kind, id) and returns the
	// record as the vote left it; ErrVoted or ErrBallotClosed with the
	// record as it stands; ErrNotFound when absent.
	CastVote(ctx context.Context, kind, id string, b Ballot) (Record, error)
	// CloseBallot is CompareAndSwapRecord that also closes the record's
	// ballot: for a write that ends the voting otherwise (a denial, an
	// expiry), so no vote counts after it.
	CloseBallot(ctx context.Context, kind, id string, version int64, data []byte) (Record, error)
}

// BallotRecords are records that take votes, as approval requests do.
type BallotRecords interface {
	Records
	Ballots
}

// Due is one entry of a schedule: an id and when it is due.
type Due struct {
	ID string
	At time.Time // in milliseconds, UTC, as every backend keeps it
}

// Schedules are due-time indexes: ids with the time each falls due, read
// back in due order, so a sweep reads only what is due however many
// entries wait. A queue's ids are stored in the clear, sealed store or
// not, and so must hold no personal data (the random id of a record does).
type Schedules interface {
	// Schedule sets id's due time in queue, moving it if it was there.
	Schedule(ctx context.Context, queue, id string, at time.Time) error
	// DueBy returns up to limit entries of queue due at or before t,
	// earliest first (ties by id).
	DueBy(ctx context.Context, queue string, t time.Time, limit int) ([]Due, error)
	// NextDue returns queue's earliest entry; ErrNotFound when empty.
	NextDue(ctx context.Context, queue string) (Due, error)
	// Unschedule removes id from queue; removing an absent id is not an
	// error.
	Unschedule(ctx context.Context, queue, id string) error
}

// DueTime is t as schedules keep it: milliseconds, UTC.
func DueTime(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()).UTC() }

// Modifier computes a record's new data from its current state. It must do
// no I/O: it may run several times when writers race.
type Modifier func(current Record) ([]byte, error)

// UpdateRecord reads, modifies and compare-and-swaps a record, retrying on
// ErrConflict with jittered backoff up to a bound. It returns the record as
// written, or ErrConflict when every attempt lost a race.
func UpdateRecord(ctx context.Context, r Records, kind, id string, modify Modifier) (Record, error) {
	return update(ctx, r, kind, id, func(cur Record) ([]byte, casFunc, error) {
		data, err := modify(cur)
		return data, r.CompareAndSwapRecord, err
	})
}

// BallotModifier is a Modifier that also says whether the data it returns
// ends the record's voting.
type BallotModifier func(current Record) (data []byte, closeBallot bool, err error)

// UpdateBallotRecord is UpdateRecord for a record that takes votes: a
// write that ends the voting closes the ballot in the same step.
func UpdateBallotRecord(ctx context.Context, r BallotRecords, kind, id string, modify BallotModifier) (Record, error) {
	return update(ctx, r, kind, id, func(cur Record) ([]byte, casFunc, error) {
		data, closeBallot, err := modify(cur)
		if closeBallot {
			return data, r.CloseBallot, err
		}
		return data, r.CompareAndSwapRecord, err
	})
}

type casFunc func(ctx context.Context, kind, id string, version int64, data []byte) (Record, error)

func update(ctx context.Context, r Records, kind, id string, modify func(Record) ([]byte, casFunc, error)) (Record, error) {
	const attempts = 64
	backoff := time.Millisecond
	for range attempts {
		cur, err := r.GetRecord(ctx, kind, id)
		if err != nil {
			return Record{}, err
		}
		next, write, err := modify(cur)
		if errors.Is(err, ErrSkipUpdate) {
			return cur, err
		}
		if err != nil {
			return Record{}, err
		}
		written, err := write(ctx, kind, id, cur.Version, next)
		if !errors.Is(err, ErrConflict) {
			return written, err
		}
		if err := sleepJitter(ctx, backoff); err != nil {
			return Record{}, err
		}
		backoff = min(backoff*2, 50*time.Millisecond)
	}
	return Record{}, ErrConflict
}

// UpsertRecord is UpdateRecord for a record that may not exist yet: modify
// sees a zero Record (nil Data) when it is absent, and the result is
// created, or compare-and-swapped if another writer created it first.
func UpsertRecord(ctx context.Context, r Records, kind, id string, modify Modifier) (Record, error) {
	for range 8 {
		rec, err := UpdateRecord(ctx, r, kind, id, modify)
		if !errors.Is(err, ErrNotFound) {
			return rec, err
		}
		data, err := modify(Record{Kind: kind, ID: id})
		if err != nil {
			return Record{}, err
		}
		rec, err = r.CreateRecord(ctx, kind, id, data)
		if !errors.Is(err, ErrExists) {
			return rec, err
		}
		// Created by someone else in between: update it instead.
	}
	return Record{}, ErrConflict
}

// PutRecord writes data whether or not the record exists, for caches and
// checkpoints where the last writer may win.
func PutRecord(ctx context.Context, r Records, kind, id string, data []byte) (Record, error) {
	return UpsertRecord(ctx, r, kind, id, func(Record) ([]byte, error) { return data, nil })
}

// DeleteRecordsWhere deletes the records of kind that match, at most
// limit of them, and returns how many it deleted. A record is deleted
// only if its version is unchanged when read again just before, so one a
// writer touched since the listing is left for next time; it is meant
// for records past their end, which nothing writes any more.
func DeleteRecordsWhere(ctx context.Context, r Records, kind string, limit int, match func(Record) bool) (int, error) {
	recs, err := r.ListRecords(ctx, kind)
	if err != nil {
		return 0, err
	}
	deleted := 0
	for _, rec := range recs {
		if deleted >= limit {
			break
		}
		if err := ctx.Err(); err != nil {
			return deleted, err
		}
		if !match(rec) {
			continue
		}
		cur, err := r.GetRecord(ctx, kind, rec.ID)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return deleted, err
		}
		if cur.Version != rec.Version {
			continue
		}
		if err := r.DeleteRecord(ctx, kind, rec.ID); err != nil {
			return deleted, err
		}
		deleted++
	}
	return deleted, nil
}

// RecordAudit appends e to the trail, logging what the caller cannot act on:
// a failed append (the action stands, its entry does not), or one no
// replica confirmed yet (the entry stands unless a failover loses it).
// An empty actor is "system".
func RecordAudit(ctx context.Context, a Audit, log *slog.Logger, e AuditEntry) {
	if a == nil {
		return
	}
	if e.Actor == "" {
		e.Actor = "system"
	}
	_, err := a.AppendAudit(ctx, e)
	logAuditFailure(ctx, log, e, err)
}

// RecordAuditOnce is RecordAudit of an entry appended once under key
// (Audit.AppendAuditOnce): whoever else records it too, it is in the
// trail once, and a failed append may be tried again by anyone.
// It returns the append's error, so a caller that marked the entry owed
// knows whether it may clear the mark.
func RecordAuditOnce(ctx context.Context, a Audit, log *slog.Logger, key string, e AuditEntry) error {
	if a == nil {
		return nil
	}
	if e.Actor == "" {
		e.Actor = "system"
	}
	_, _, err := a.AppendAuditOnce(ctx, key, e)
	logAuditFailure(ctx, log, e, err)
	return err
}

func logAuditFailure(ctx context.Context, log *slog.Logger, e AuditEntry, err error) {
	switch {
	case errors.Is(err, ErrUnconfirmed):
		log.WarnContext(ctx, "audit entry written; no replica has confirmed it yet", slog.String("action", e.Action), slog.Any("error", err))
	case err != nil:
		log.ErrorContext(ctx, "audit entry not written", slog.String("action", e.Action), slog.Any("error", err))
	}
}
