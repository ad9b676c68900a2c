package store

import (
	"context"
	"time"

	"github.com/seatwarden/seatwarden/connector"
)

// Instrument wraps s so that observe learns the duration and outcome of
// every backend operation, named in snake_case ("load_snapshot",
// "cas_record", "acquire_lock", ...), for the store-latency metric. Results
// and errors pass through unchanged, so errors.Is on ErrNotFound,
// ErrConflict, ErrLockHeld and the rest keeps working. Backend and Close are
// not timed: they are not per-request operations. A nil observe returns s.
func Instrument(s Store, observe func(op string, d time.Duration, err error)) Store {
	if observe == nil {
		return s
	}
	return &instrumented{next: s, observe: observe}
}

type instrumented struct {
	next    Store
	observe func(op string, d time.Duration, err error)
}

// timed runs op and reports it; generic so every method stays one line.
func timed[T any](i *instrumented, op string, call func() (T, error)) (T, error) {
	start := time.Now()
	v, err := call()
	i.observe(op, time.Since(start), err)
	return v, err
}

func (i *instrumented) timedErr(op string, call func() error) error {
	_, err := timed(i, op, func() (struct{}, error) { return struct{}{}, call() })
	return err
}

func (i *instrumented) LoadSnapshot(ctx context.Context, connector string) (*Snapshot, error) {
	return timed(i, "load_snapshot", func() (*Snapshot, error) { return i.next.LoadSnapshot(ctx, connector) })
}

func (i *instrumented) SnapshotRevision(ctx context.Context, connector string) (string, error) {
	return timed(i, "snapshot_revision", func() (string, error) { return i.next.SnapshotRevision(ctx, connector) })
}

func (i *instrumented) PatchSnapshot(ctx context.Context, connector string, patches []MemberPatch) (before, after string, err error) {
	err = i.timedErr("patch_snapshot", func() error {
		before, after, err = i.next.PatchSnapshot(ctx, connector, patches)
		return err
	})
	return before, after, err
}

func (i *instrumented) SaveSnapshot(ctx context.Context, s *Snapshot) error {
	return i.timedErr("save_snapshot", func() error { return i.next.SaveSnapshot(ctx, s) })
}

func (i *instrumented) ReadSnapshot(ctx context.Context, name string, member func(connector.Staff) error) (*Snapshot, error) {
	return timed(i, "read_snapshot", func() (*Snapshot, error) { return i.next.ReadSnapshot(ctx, name, member) })
}

func (i *instrumented) WriteSnapshot(ctx context.Context, head *Snapshot, staff StaffWriter) error {
	return i.timedErr("write_snapshot", func() error { return i.next.WriteSnapshot(ctx, head, staff) })
}

func (i *instrumented) AcquireLock(ctx context.Context, name, holder string, ttl time.Duration) (Lock, error) {
	return timed(i, "acquire_lock", func() (Lock, error) { return i.next.AcquireLock(ctx, name, holder, ttl) })
}

func (i *instrumented) RenewLock(ctx context.Context, l Lock, ttl time.Duration) (Lock, error) {
	return timed(i, "renew_lock", func() (Lock, error) { return i.next.RenewLock(ctx, l, ttl) })
}

func (i *instrumented) ReleaseLock(ctx context.Context, l Lock) error {
	return i.timedErr("release_lock", func() error { return i.next.ReleaseLock(ctx, l) })
}

func (i *instrumented) ClaimKey(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return timed(i, "claim_key", func() (bool, error) { return i.next.ClaimKey(ctx, key, ttl) })
}

func (i *instrumented) KeyClaimed(ctx context.Context, key string) (bool, error) {
	return timed(i, "key_claimed", func() (bool, error) { return i.next.KeyClaimed(ctx, key) })
}

func (i *instrumented) ExtendKey(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return timed(i, "extend_key", func() (bool, error) { return i.next.ExtendKey(ctx, key, ttl) })
}

func (i *instrumented) ReleaseKey(ctx context.Context, key string) error {
	return i.timedErr("release_key", func() error { return i.next.ReleaseKey(ctx, key) })
}

func (i *instrumented) AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	return timed(i, "append_audit", func() (AuditEntry, error) { return i.next.AppendAudit(ctx, e) })
}

func (i *instrumented) AppendAuditOnce(ctx context.Context, key string, e AuditEntry) (entry AuditEntry, appended bool, err error) {
	err = i.timedErr("append_audit_once", func() error {
		entry, appended, err = i.next.AppendAuditOnce(ctx, key, e)
		return err
	})
	return entry, appended, err
}

func (i *instrumented) TrimAudit(ctx context.Context, through int64, limit int) (int, error) {
	return timed(i, "trim_audit", func() (int, error) { return i.next.TrimAudit(ctx, through, limit) })
}

func (i *instrumented) ListAudit(ctx context.Context, after int64, limit int) ([]AuditEntry, error) {
	return timed(i, "list_audit", func() ([]AuditEntry, error) { return i.next.ListAudit(ctx, after, limit) })
}

func (i *instrumented) GetRecords(ctx context.Context, kind string, ids []string) ([]Record, error) {
	return timed(i, "get_records", func() ([]Record, error) { return i.next.GetRecords(ctx, kind, ids) })
}

func (i *instrumented) GetRecord(ctx context.Context, kind, id string) (Record, error) {
	return timed(i, "get_record", func() (Record, error) { return i.next.GetRecord(ctx, kind, id) })
}

func (i *instrumented) CreateRecord(ctx context.Context, kind, id string, data []byte) (Record, error) {
	return timed(i, "create_record", func() (Record, error) { return i.next.CreateRecord(ctx, kind, id, data) })
}

func (i *instrumented) CreateRecords(ctx context.Context, kind string, recs []NewRecord) (int, error) {
	return timed(i, "create_records", func() (int, error) { return i.next.CreateRecords(ctx, kind, recs) })
}

func (i *instrumented) CompareAndSwapRecord(ctx context.Context, kind, id string, version int64, data []byte) (Record, error) {
	return timed(i, "cas_record", func() (Record, error) {
		return i.next.CompareAndSwapRecord(ctx, kind, id, version, data)
	})
}

func (i *instrumented) CastVote(ctx context.Context, kind, id string, b Ballot) (Record, error) {
	return timed(i, "cast_vote", func() (Record, error) { return i.next.CastVote(ctx, kind, id, b) })
}

func (i *instrumented) CloseBallot(ctx context.Context, kind, id string, version int64, data []byte) (Record, error) {
	return timed(i, "close_ballot", func() (Record, error) { return i.next.CloseBallot(ctx, kind, id, version, data) })
}

func (i *instrumented) ListRecords(ctx context.Context, kind string) ([]Record, error) {
	return timed(i, "list_records", func() ([]Record, error) { return i.next.ListRecords(ctx, kind) })
}

func (i *instrumented) DeleteRecord(ctx context.Context, kind, id string) error {
	return i.timedErr("delete_record", func() error { return i.next.DeleteRecord(ctx, kind, id) })
}

func (i *instrumented) Schedule(ctx context.Context, queue, id string, at time.Time) error {
	return i.timedErr("schedule", func() error { return i.next.Schedule(ctx, queue, id, at) })
}

func (i *instrumented) DueBy(ctx context.Context, queue string, t time.Time, limit int) ([]Due, error) {
	return timed(i, "due_by", func() ([]Due, error) { return i.next.DueBy(ctx, queue, t, limit) })
}

func (i *instrumented) NextDue(ctx context.Context, queue string) (Due, error) {
	return timed(i, "next_due", func() (Due, error) { return i.next.NextDue(ctx, queue) })
}

func (i *instrumented) Unschedule(ctx context.Context, queue, id string) error {
	return i.timedErr("unschedule", func() error { return i.next.Unschedule(ctx, queue, id) })
}

func (i *instrumented) Ping(ctx context.Context) error {
	return i.timedErr("ping", func() error { return i.next.Ping(ctx) })
}

func (i *instrumented) Backend() string { return i.next.Backend() }

func (i *instrumented) Close() error { return i.next.Close() }
