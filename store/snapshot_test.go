package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
)

func TestDecodeSnapshotRefusesWhatItCannotRead(t *testing.T) {
	for _, raw := range []string{
		``,
		`{"v":1,"staff":[]}`, // no revision header
		"0123456789abcdef\n{\"v\":1",
		"0123456789abcdef\n{\"v\":3,\"staff\":[]}",
		"0123456789abcdef\n[]",
		"not-a-hex-value!\n{\"v\":1}",
	} {
		if _, err := DecodeSnapshot([]byte(raw)); !errors.Is(err, ErrUnreadable) {
			t.Errorf("DecodeSnapshot(%s) = %v, want ErrUnreadable", raw, err)
		}
	}
	b, err := EncodeSnapshot(&Snapshot{Roster: connector.Roster{Cursor: "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := DecodeSnapshot(b); err != nil || s.Cursor != "c" {
		t.Errorf("round trip: %+v, %v", s, err)
	}
}

func TestSnapshotRevisionFollowsContent(t *testing.T) {
	rev := func(s *Snapshot) string {
		t.Helper()
		b, err := EncodeSnapshot(s)
		if err != nil {
			t.Fatal(err)
		}
		r, err := SnapshotRevision(b[:RevisionLen+1])
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := rev(&Snapshot{Roster: connector.Roster{Cursor: "c"}}), rev(&Snapshot{Roster: connector.Roster{Cursor: "c"}})
	if a != b || len(a) != RevisionLen {
		t.Errorf("equal snapshots: revisions %q and %q, want equal and %d long", a, b, RevisionLen)
	}
	if c := rev(&Snapshot{Roster: connector.Roster{Cursor: "d"}, SyncedAt: time.Unix(1e9, 0)}); c != a {
		t.Errorf("a later sync that found nothing new changed the revision %q → %q", a, c)
	}
	if c := rev(&Snapshot{Roster: connector.Roster{Cursor: "c", Staff: []connector.Staff{{ID: 1}}}}); c == a {
		t.Errorf("a changed snapshot kept revision %q", c)
	}
	// The stored JSON is still one object with everything in it.
	stored, err := EncodeSnapshot(&Snapshot{SyncedAt: time.Unix(1e9, 0).UTC(), Account: "acme", Roster: connector.Roster{Cursor: "d", Staff: []connector.Staff{{ID: 1}}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeSnapshot(stored)
	if err != nil || got.Cursor != "d" || got.Account != "acme" || len(got.Staff) != 1 || !got.SyncedAt.Equal(time.Unix(1e9, 0)) {
		t.Errorf("decoded %+v, %v", got, err)
	}
}

type memRecords struct {
	Records
	recs map[string]Record
}

func (m *memRecords) GetRecord(_ context.Context, kind, id string) (Record, error) {
	r, ok := m.recs[kind+"/"+id]
	if !ok {
		return Record{}, ErrNotFound
	}
	return r, nil
}

func (m *memRecords) CreateRecord(_ context.Context, kind, id string, data []byte) (Record, error) {
	if _, ok := m.recs[kind+"/"+id]; ok {
		return Record{}, ErrExists
	}
	r := Record{Kind: kind, ID: id, Version: 1, Data: data}
	m.recs[kind+"/"+id] = r
	return r, nil
}

func (m *memRecords) CreateRecords(ctx context.Context, kind string, recs []NewRecord) (int, error) {
	created := 0
	for _, r := range recs {
		if _, err := m.CreateRecord(ctx, kind, r.ID, r.Data); err == nil {
			created++
		}
	}
	return created, nil
}

func (m *memRecords) CompareAndSwapRecord(_ context.Context, kind, id string, version int64, data []byte) (Record, error) {
	r, ok := m.recs[kind+"/"+id]
	if !ok {
		return Record{}, ErrNotFound
	}
	if r.Version != version {
		return Record{}, ErrConflict
	}
	r.Version++
	r.Data = data
	m.recs[kind+"/"+id] = r
	return r, nil
}

func TestPutRecordCreatesThenReplaces(t *testing.T) {
	m := &memRecords{recs: map[string]Record{}}
	for i, data := range []string{`{"n":1}`, `{"n":2}`} {
		r, err := PutRecord(t.Context(), m, "cache", "u1", []byte(data))
		if err != nil || string(r.Data) != data || r.Version != int64(i+1) {
			t.Fatalf("put %d: %+v %v", i, r, err)
		}
	}
}

func TestUpsertRecordCreatesThenModifies(t *testing.T) {
	m := &memRecords{recs: map[string]Record{}}
	count := func(cur Record) ([]byte, error) {
		if cur.Data == nil {
			return []byte("1"), nil
		}
		return []byte(string(cur.Data) + "+1"), nil
	}
	for i, want := range []string{"1", "1+1", "1+1+1"} {
		r, err := UpsertRecord(t.Context(), m, "memory", "u1", count)
		if err != nil || string(r.Data) != want || r.Version != int64(i+1) {
			t.Fatalf("upsert %d: %+v %v, want %q", i, r, err, want)
		}
	}
}
