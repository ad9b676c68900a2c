package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

// failingStore answers every call with err, so the test sees whether the
// decorator hands back exactly what the backend returned.
type failingStore struct{ err error }

func (f failingStore) LoadSnapshot(context.Context, string) (*store.Snapshot, error) {
	return nil, f.err
}
func (f failingStore) SaveSnapshot(context.Context, *store.Snapshot) error      { return f.err }
func (f failingStore) SnapshotRevision(context.Context, string) (string, error) { return "", f.err }
func (f failingStore) AppendAuditOnce(context.Context, string, store.AuditEntry) (store.AuditEntry, bool, error) {
	return store.AuditEntry{}, false, f.err
}
func (f failingStore) PatchSnapshot(context.Context, string, []store.MemberPatch) (string, string, error) {
	return "", "", f.err
}
func (f failingStore) ReadSnapshot(context.Context, string, func(connector.Staff) error) (*store.Snapshot, error) {
	return nil, f.err
}
func (f failingStore) WriteSnapshot(context.Context, *store.Snapshot, store.StaffWriter) error {
	return f.err
}
func (f failingStore) AcquireLock(context.Context, string, string, time.Duration) (store.Lock, error) {
	return store.Lock{}, f.err
}
func (f failingStore) RenewLock(context.Context, store.Lock, time.Duration) (store.Lock, error) {
	return store.Lock{}, f.err
}
func (f failingStore) ReleaseLock(context.Context, store.Lock) error { return f.err }
func (f failingStore) ClaimKey(context.Context, string, time.Duration) (bool, error) {
	return false, f.err
}
func (f failingStore) ReleaseKey(context.Context, string) error { return f.err }
func (f failingStore) ExtendKey(context.Context, string, time.Duration) (bool, error) {
	return false, f.err
}
func (f failingStore) KeyClaimed(context.Context, string) (bool, error) { return false, f.err }
func (f failingStore) TrimAudit(context.Context, int64, int) (int, error) {
	return 0, f.err
}
func (f failingStore) AppendAudit(context.Context, store.AuditEntry) (store.AuditEntry, error) {
	return store.AuditEntry{}, f.err
}
func (f failingStore) ListAudit(context.Context, int64, int) ([]store.AuditEntry, error) {
	return nil, f.err
}
func (f failingStore) GetRecord(context.Context, string, string) (store.Record, error) {
	return store.Record{}, f.err
}
func (f failingStore) CreateRecord(context.Context, string, string, []byte) (store.Record, error) {
	return store.Record{}, f.err
}
func (f failingStore) CreateRecords(context.Context, string, []store.NewRecord) (int, error) {
	return 0, f.err
}
func (f failingStore) CompareAndSwapRecord(context.Context, string, string, int64, []byte) (store.Record, error) {
	return store.Record{}, f.err
}
func (f failingStore) CastVote(context.Context, string, string, store.Ballot) (store.Record, error) {
	return store.Record{}, f.err
}
func (f failingStore) CloseBallot(context.Context, string, string, int64, []byte) (store.Record, error) {
	return store.Record{}, f.err
}
func (f failingStore) GetRecords(context.Context, string, []string) ([]store.Record, error) {
	return nil, f.err
}
func (f failingStore) ListRecords(context.Context, string) ([]store.Record, error) { return nil, f.err }
func (f failingStore) DeleteRecord(context.Context, string, string) error          { return f.err }
func (f failingStore) Schedule(context.Context, string, string, time.Time) error   { return f.err }
func (f failingStore) DueBy(context.Context, string, time.Time, int) ([]store.Due, error) {
	return nil, f.err
}
func (f failingStore) NextDue(context.Context, string) (store.Due, error) { return store.Due{}, f.err }
func (f failingStore) Unschedule(context.Context, string, string) error   { return f.err }
func (f failingStore) Ping(context.Context) error                         { return f.err }
func (f failingStore) Backend() string                                    { return "failing" }
func (f failingStore) Close() error                                       { return nil }

func TestInstrumentReportsEveryOperation(t *testing.T) {
	type observation struct {
		op  string
		err error
	}
	backendErrs := []error{store.ErrNotFound, store.ErrConflict, store.ErrLockHeld, store.ErrNotLockHolder, nil}
	for _, backendErr := range backendErrs {
		var seen []observation
		s := store.Instrument(failingStore{err: backendErr}, func(op string, d time.Duration, err error) {
			if d < 0 {
				t.Errorf("%s: negative duration %s", op, d)
			}
			seen = append(seen, observation{op, err})
		})
		ctx := t.Context()
		calls := []struct {
			op   string
			call func() error
		}{
			{"load_snapshot", func() error { _, err := s.LoadSnapshot(ctx, ""); return err }},
			{"save_snapshot", func() error { return s.SaveSnapshot(ctx, &store.Snapshot{}) }},
			{"acquire_lock", func() error { _, err := s.AcquireLock(ctx, "n", "h", time.Second); return err }},
			{"renew_lock", func() error { _, err := s.RenewLock(ctx, store.Lock{}, time.Second); return err }},
			{"release_lock", func() error { return s.ReleaseLock(ctx, store.Lock{}) }},
			{"claim_key", func() error { _, err := s.ClaimKey(ctx, "k", time.Second); return err }},
			{"key_claimed", func() error { _, err := s.KeyClaimed(ctx, "k"); return err }},
			{"append_audit", func() error { _, err := s.AppendAudit(ctx, store.AuditEntry{}); return err }},
			{"list_audit", func() error { _, err := s.ListAudit(ctx, 0, 1); return err }},
			{"get_record", func() error { _, err := s.GetRecord(ctx, "k", "i"); return err }},
			{"create_record", func() error { _, err := s.CreateRecord(ctx, "k", "i", nil); return err }},
			{"create_records", func() error {
				_, err := s.CreateRecords(ctx, "k", []store.NewRecord{{ID: "i"}})
				return err
			}},
			{"cas_record", func() error { _, err := s.CompareAndSwapRecord(ctx, "k", "i", 1, nil); return err }},
			{"cast_vote", func() error {
				_, err := s.CastVote(ctx, "k", "i", store.Ballot{Voter: "v", Needed: 1})
				return err
			}},
			{"close_ballot", func() error { _, err := s.CloseBallot(ctx, "k", "i", 1, nil); return err }},
			{"list_records", func() error { _, err := s.ListRecords(ctx, "k"); return err }},
			{"delete_record", func() error { return s.DeleteRecord(ctx, "k", "i") }},
			{"schedule", func() error { return s.Schedule(ctx, "q", "i", time.Time{}) }},
			{"due_by", func() error { _, err := s.DueBy(ctx, "q", time.Time{}, 1); return err }},
			{"next_due", func() error { _, err := s.NextDue(ctx, "q"); return err }},
			{"unschedule", func() error { return s.Unschedule(ctx, "q", "i") }},
			{"ping", func() error { return s.Ping(ctx) }},
		}
		var want []observation
		for _, c := range calls {
			// Identity, not just errors.Is: the error must not be rewrapped.
			if err := c.call(); err != backendErr {
				t.Errorf("%s returned %v, want the backend's %v unchanged", c.op, err, backendErr)
			}
			want = append(want, observation{c.op, backendErr})
		}
		if s.Backend() != "failing" {
			t.Errorf("Backend() = %q, want the wrapped store's", s.Backend())
		}
		opts := cmp.Comparer(func(a, b error) bool { return a == b })
		if diff := cmp.Diff(want, seen, cmp.AllowUnexported(observation{}), opts); diff != "" {
			t.Errorf("backend error %v: observations (-want +got):\n%s", backendErr, diff)
		}
	}
}

func TestInstrumentWithoutObserverIsTheStore(t *testing.T) {
	s := failingStore{}
	if got := store.Instrument(s, nil); got != store.Store(s) {
		t.Errorf("Instrument(s, nil) = %v, want s itself", got)
	}
}

func TestUpdateRecordThroughInstrumentTimesEachStep(t *testing.T) {
	var ops []string
	s := store.Instrument(failingStore{err: store.ErrNotFound}, func(op string, _ time.Duration, _ error) {
		ops = append(ops, op)
	})
	_, err := store.UpdateRecord(t.Context(), s, "k", "i", func(store.Record) ([]byte, error) { return nil, nil })
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpdateRecord: err = %v, want ErrNotFound", err)
	}
	if diff := cmp.Diff([]string{"get_record"}, ops); diff != "" {
		t.Errorf("observed ops (-want +got):\n%s", diff)
	}
}
