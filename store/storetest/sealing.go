package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/seal"
	"github.com/seatwarden/seatwarden/store"
)

// Backing is one backing store (a file, a key prefix) that a test opens
// again and again with different keys.
type Backing struct {
	// Open opens the backing store with keys, as the bot would; rekey
	// opens it for store.Rekey alone. Open fails as the backend's own
	// open does: a sealed store without keys, a clear one holding data
	// with keys. The caller closes one before opening the next.
	Open func(keys *seal.Keyring, rekey bool) (store.SealingStore, error)
	// Dump returns every byte the backing store holds, names included.
	Dump func(t *testing.T) []byte
}

// SealingHarness adapts one backend to RunSealing.
type SealingHarness struct {
	// New returns a fresh, empty backing store of the test's own.
	New func(t *testing.T) Backing
}

// Key is a test key named id, the same on every call.
func Key(id string) seal.Key {
	secret := sha256.Sum256([]byte("storetest key " + id))
	k, err := seal.NewKey(id, secret[:])
	if err != nil {
		panic(err)
	}
	return k
}

// Keys is a ring sealing under current and reading older too.
func Keys(t testing.TB, current string, older ...string) *seal.Keyring {
	t.Helper()
	var keys []seal.Key
	for _, id := range older {
		keys = append(keys, Key(id))
	}
	r, err := seal.NewKeyring(Key(current), keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The personal data written by fill, which a sealed store must never hold
// in the clear.
const (
	personEmail = "aisha.bello@example.com"
	personName  = "Aisha Bello"
	answerText  = "keeps the seat for the Q3 migration"
)

// fill writes one of everything a store holds, personal data included,
// and returns what it wrote for later comparison.
type filled struct {
	record   store.Record
	audit    []store.AuditEntry
	snapshot *store.Snapshot
}

func fill(t *testing.T, s store.Store) filled {
	t.Helper()
	ctx := t.Context()
	var f filled
	var err error
	f.record, err = s.CreateRecord(ctx, "review-owner:2026-W49", personEmail, []byte(`{"owner":"`+personEmail+`","answer":"`+answerText+`"}`))
	if err != nil {
		t.Fatalf("CreateRecord: %v", err)
	}
	if _, err := s.CreateRecords(ctx, "review-item:2026-W49", []store.NewRecord{
		{ID: "zendesk:user:1", Data: []byte(`{"name":"` + personName + `"}`)},
		{ID: "zendesk:user:2", Data: nil},
	}); err != nil {
		t.Fatalf("CreateRecords: %v", err)
	}
	e, err := s.AppendAudit(ctx, store.AuditEntry{Actor: personEmail, Action: "seat.kept", Subject: "zendesk:user:1",
		Detail: map[string]string{"reason": answerText}})
	if err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	f.audit = append(f.audit, e)
	f.snapshot = sampleSnapshot("cursor-9", 3)
	f.snapshot.Staff[0].Name, f.snapshot.Staff[0].Email = personName, personEmail
	if err := s.SaveSnapshot(ctx, f.snapshot); err != nil {
		t.Fatalf("SaveSnapshot: %v", err)
	}
	if ok, err := s.ClaimKey(ctx, "approvals:remind:2026-12-05:"+personEmail, time.Hour); err != nil || !ok {
		t.Fatalf("ClaimKey = %v, %v", ok, err)
	}
	return f
}

// check reads back what fill wrote.
func (f filled) check(t *testing.T, s store.Store) {
	t.Helper()
	ctx := t.Context()
	got, err := s.GetRecord(ctx, f.record.Kind, f.record.ID)
	if err != nil {
		t.Fatalf("GetRecord: %v", err)
	}
	if diff := cmp.Diff(f.record, got); diff != "" {
		t.Errorf("record changed (-wrote +read):\n%s", diff)
	}
	items, err := s.ListRecords(ctx, "review-item:2026-W49")
	if err != nil || len(items) != 2 || items[0].ID != "zendesk:user:1" || items[1].ID != "zendesk:user:2" || items[1].Data != nil {
		t.Errorf("ListRecords = %+v, %v; want zendesk:user:1 and zendesk:user:2 (no data), in that order", items, err)
	}
	audit, err := s.ListAudit(ctx, 0, 10)
	if err != nil {
		t.Fatalf("ListAudit: %v", err)
	}
	if diff := cmp.Diff(f.audit, audit); diff != "" {
		t.Errorf("audit changed (-wrote +read):\n%s", diff)
	}
	snap, err := s.LoadSnapshot(ctx, connector.Zendesk)
	if err != nil {
		t.Fatalf("LoadSnapshot: %v", err)
	}
	if snap.Staff[0].Email != personEmail || len(snap.Staff) != 3 || snap.Cursor != "cursor-9" {
		t.Errorf("snapshot changed: %d staff, first %q, cursor %q", len(snap.Staff), snap.Staff[0].Email, snap.Cursor)
	}
	if ok, err := s.ClaimKey(ctx, "approvals:remind:2026-12-05:"+personEmail, time.Hour); err != nil || ok {
		t.Errorf("ClaimKey of the claimed key = %v, %v; want false: the claim was lost", ok, err)
	}
}

// RunSealing checks encryption at rest and rotation on one backend.
func RunSealing(t *testing.T, h SealingHarness) {
	open := func(t *testing.T, b Backing, keys *seal.Keyring, rekey bool) store.SealingStore {
		t.Helper()
		s, err := b.Open(keys, rekey)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return s
	}
	rekey := func(t *testing.T, b Backing, keys *seal.Keyring) store.RekeyReport {
		t.Helper()
		s := open(t, b, keys, true)
		defer s.Close()
		report, err := store.Rekey(t.Context(), s, keys, nil)
		if err != nil {
			t.Fatalf("Rekey: %v", err)
		}
		return report
	}

	t.Run("a sealed store holds no personal data in the clear", func(t *testing.T) {
		b := h.New(t)
		s := open(t, b, Keys(t, "a"), false)
		fill(t, s).check(t, s)
		s.Close()
		dump := b.Dump(t)
		for _, secret := range []string{personEmail, personName, answerText, "agent2@example.com", "Agent 2", "cursor-9"} {
			if bytes.Contains(dump, []byte(secret)) {
				t.Errorf("the stored bytes hold %q in the clear", secret)
			}
		}
	})

	t.Run("a sealed store is refused without its key", func(t *testing.T) {
		b := h.New(t)
		s := open(t, b, Keys(t, "a"), false)
		fill(t, s)
		s.Close()
		if s, err := b.Open(nil, false); !errors.Is(err, store.ErrKeyRequired) {
			if s != nil {
				s.Close()
			}
			t.Fatalf("open without a key: err = %v, want ErrKeyRequired", err)
		}
		var unknown *seal.UnknownKeyError
		if s, err := b.Open(Keys(t, "b"), false); !errors.As(err, &unknown) || unknown.ID != "a" {
			if s != nil {
				s.Close()
			}
			t.Fatalf("open with another key: err = %v, want one naming key %q", err, "a")
		}
	})

	t.Run("a clear store is sealed by rekey, and refused with a key until then", func(t *testing.T) {
		b := h.New(t)
		s := open(t, b, nil, false)
		f := fill(t, s)
		s.Close()
		if s, err := b.Open(Keys(t, "a"), false); !errors.Is(err, store.ErrClearData) {
			if s != nil {
				s.Close()
			}
			t.Fatalf("open a clear store with a key: err = %v, want ErrClearData", err)
		}
		// The snapshot is two values: its head and its one chunk.
		report := rekey(t, b, Keys(t, "a"))
		if !report.Sealed || report.Found[""] != 6 || report.Replaced != 7 || report.Raced != 0 {
			t.Errorf("report = %+v; want sealed, 6 clear values found, 7 replaced (one claim moved)", report)
		}
		s = open(t, b, Keys(t, "a"), false)
		defer s.Close()
		f.check(t, s)
		if bytes.Contains(b.Dump(t), []byte(personEmail)) {
			t.Error("the email is still in the clear after rekey")
		}
	})

	t.Run("keys rotate: old ones read, rekey re-seals, resumes and repeats", func(t *testing.T) {
		b := h.New(t)
		s := open(t, b, Keys(t, "a"), false)
		f := fill(t, s)
		s.Close()

		// The new key with the old one still accepted: everything reads,
		// and new writes are under the new key.
		s = open(t, b, Keys(t, "b", "a"), false)
		f.check(t, s)
		if _, err := s.CreateRecord(t.Context(), "approval-request", "r1", []byte(`{"by":"`+personEmail+`"}`)); err != nil {
			t.Fatal(err)
		}
		s.Close()

		// A rekey interrupted after the marker leaves values under "a":
		// without that key they fail naming it, never as empty records.
		interrupted := open(t, b, Keys(t, "b", "a"), true)
		_, err := store.Rekey(t.Context(), failingReseal{interrupted}, Keys(t, "b", "a"), nil)
		interrupted.Close()
		if err == nil {
			t.Fatal("the interrupted rekey reported success")
		}
		s = open(t, b, Keys(t, "b"), false)
		_, err = s.GetRecord(t.Context(), f.record.Kind, f.record.ID)
		var unknown *seal.UnknownKeyError
		if !errors.As(err, &unknown) || unknown.ID != "a" {
			t.Errorf("reading a value under a dropped key: err = %v, want one naming key %q", err, "a")
		}
		s.Close()

		report := rekey(t, b, Keys(t, "b", "a"))
		if report.Found["a"] != 6 || report.Found["b"] != 1 || report.Replaced != 6 || report.Sealed {
			t.Errorf("rekey = %+v; want 6 values found under a and re-sealed, 1 already under b", report)
		}
		if again := rekey(t, b, Keys(t, "b", "a")); again.Replaced != 0 || again.Found["b"] != 7 {
			t.Errorf("a second rekey = %+v; want nothing left to do", again)
		}
		s = open(t, b, Keys(t, "b"), false)
		defer s.Close()
		f.check(t, s)
	})

	t.Run("votes are sealed, and move and rotate with their record", func(t *testing.T) {
		b := h.New(t)
		ctx := t.Context()
		const kind, id, second = "approval-request", "REQ-1", "second.voter@example.com"
		ballot := func(who string) store.Ballot {
			return store.Ballot{Voter: who, Data: []byte(`{"by":"` + who + `"}`), Needed: 3}
		}
		s := open(t, b, nil, false)
		mustCreate(t, s, kind, id, counterJSON(0))
		first, err := s.CastVote(ctx, kind, id, ballot(personEmail))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CompareAndSwapRecord(ctx, kind, id, first.Version, counterJSON(1)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CastVote(ctx, kind, id, ballot(second)); err != nil {
			t.Fatal(err)
		}
		s.Close()
		check := func(t *testing.T, s store.Store) {
			t.Helper()
			rec := mustGet(t, s, kind, id)
			if string(rec.Data) != string(counterJSON(1)) || len(rec.Votes) != 1 || rec.Votes[0].Seq != 2 || string(rec.Votes[0].Data) != `{"by":"`+second+`"}` {
				t.Errorf("record %s with votes %+v; want the folded data and the second vote", rec.Data, rec.Votes)
			}
			for _, who := range []string{personEmail, second} {
				if _, err := s.CastVote(ctx, kind, id, ballot(who)); !errors.Is(err, store.ErrVoted) {
					t.Errorf("%s votes again: err = %v, want ErrVoted", who, err)
				}
			}
		}

		if report := rekey(t, b, Keys(t, "a")); report.Found[""] != 2 || report.Replaced != 1 {
			t.Errorf("sealing = %+v; want the record's data and its unfolded vote found in the clear, one record replaced", report)
		}
		for _, secret := range []string{personEmail, second} {
			if bytes.Contains(b.Dump(t), []byte(secret)) {
				t.Errorf("the stored bytes hold %q in the clear after sealing", secret)
			}
		}
		s = open(t, b, Keys(t, "a"), false)
		check(t, s)
		s.Close()

		if report := rekey(t, b, Keys(t, "b", "a")); report.Found["a"] != 2 || report.Replaced != 1 {
			t.Errorf("rotation = %+v; want the data and the vote found under a, one record replaced", report)
		}
		s = open(t, b, Keys(t, "b"), false)
		defer s.Close()
		check(t, s)
		closing, err := s.CastVote(ctx, kind, id, ballot("third.voter@example.com"))
		if err != nil || len(closing.Votes) != 2 || !closing.Votes[1].Closed || closing.Votes[1].Seq != 3 {
			t.Errorf("the third vote: %+v, %v; want it counted third and closing", closing.Votes, err)
		}
	})

	t.Run("a sealed value moved to another record fails authentication", func(t *testing.T) {
		b := h.New(t)
		s := open(t, b, Keys(t, "a"), false)
		defer s.Close()
		ctx := t.Context()
		for _, id := range []string{"x", "y"} {
			if _, err := s.CreateRecord(ctx, "k", id, []byte(`{"id":"`+id+`"}`)); err != nil {
				t.Fatal(err)
			}
		}
		var stored []store.StoredValue
		if _, err := s.Reseal(ctx, func(v store.StoredValue) (*store.Replacement, error) {
			if v.Part == store.PartRecord {
				stored = append(stored, v)
			}
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(stored) != 2 {
			t.Fatalf("Reseal visited %d records, want 2", len(stored))
		}
		if _, err := s.Reseal(ctx, func(v store.StoredValue) (*store.Replacement, error) {
			if v.Part == store.PartRecord && v.Name == stored[0].Name {
				return &store.Replacement{Data: stored[1].Data}, nil
			}
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		_, errX := s.GetRecord(ctx, "k", "x")
		_, errY := s.GetRecord(ctx, "k", "y")
		if errX == nil && errY == nil || !errors.Is(errors.Join(errX, errY), seal.ErrTampered) {
			t.Errorf("after swapping sealed data: x: %v, y: %v; want one to fail with ErrTampered", errX, errY)
		}
	})

	t.Run("rekey while replicas write loses no update", func(t *testing.T) {
		b := h.New(t)
		s := open(t, b, Keys(t, "a"), false)
		ctx := t.Context()
		const records, writers, rounds = 300, 4, 25
		recs := make([]store.NewRecord, records)
		for i := range recs {
			recs[i] = store.NewRecord{ID: fmt.Sprintf("user%03d@example.com", i), Data: []byte(`{"n":0}`)}
		}
		if _, err := s.CreateRecords(ctx, "counter", recs); err != nil {
			t.Fatal(err)
		}
		s.Close()

		keys := Keys(t, "b", "a")
		s = open(t, b, keys, false)
		defer s.Close()
		var wg sync.WaitGroup
		errs := make(chan error, writers+1)
		for w := range writers {
			wg.Go(func() {
				for r := range rounds {
					id := recs[(w*rounds+r*7)%records].ID
					if _, err := store.UpdateRecord(ctx, s, "counter", id, increment); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		// The same handle, as on the embedded file (one process holds it);
		// on Redis it is one more client of the same keys.
		var report store.RekeyReport
		wg.Go(func() {
			var err error
			if report, err = store.Rekey(ctx, s, keys, nil); err != nil {
				errs <- err
			}
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		total := 0
		list, err := s.ListRecords(ctx, "counter")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list {
			var c counter
			if err := json.Unmarshal(r.Data, &c); err != nil {
				t.Fatal(err)
			}
			total += c.N
		}
		if total != writers*rounds || len(list) != records {
			t.Errorf("after rekey under load: %d records, counts sum to %d; want %d and %d", len(list), total, records, writers*rounds)
		}
		// A value the rekey lost to a writer was rewritten under the
		// writer's current key, so nothing is left under the old one.
		if again, err := store.Rekey(ctx, s, keys, nil); err != nil || again.Found["a"] != 0 || again.Replaced != 0 {
			t.Errorf("second rekey = %+v, %v (first raced %d); want nothing left under a", again, err, report.Raced)
		}
	})
}

// failingReseal is a backend whose walk fails at once, as a rekey killed
// after re-sealing the marker would leave it.
type failingReseal struct{ store.Sealing }

func (failingReseal) Reseal(context.Context, store.ResealFunc) (store.ResealCounts, error) {
	return store.ResealCounts{}, errors.New("interrupted")
}
