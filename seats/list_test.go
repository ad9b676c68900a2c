package seats_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/seats"
)

// scriptedLister gives out stretches and changes as a script says: a
// full read whose list is in no particular order.
type scriptedLister struct {
	stretches []connector.Stretch // their cursors distinct
	changes   map[int64]*connector.Staff
	cutAt     int // the stretch at which the read is cut off; 0 never
}

func (l scriptedLister) ListStaff(_ context.Context, sync connector.StaffSync, stretch func(connector.Stretch) error) (connector.StaffChanges, connector.StaffSyncStats, error) {
	stats := connector.StaffSyncStats{Full: true}
	from := 0
	if sync.Resume != "" {
		from = 1 + slices.IndexFunc(l.stretches, func(s connector.Stretch) bool { return s.Cursor == sync.Resume })
		stats.Resumed = true
	}
	for i := from; i < len(l.stretches); i++ {
		if i == l.cutAt && l.cutAt > 0 {
			return connector.StaffChanges{}, stats, context.DeadlineExceeded
		}
		st := l.stretches[i]
		st.First = i == 0
		if err := stretch(st); err != nil {
			return connector.StaffChanges{}, stats, err
		}
	}
	return connector.StaffChanges{Cursor: "export-cursor", Changed: maps.Clone(l.changes)}, stats, nil
}

func (scriptedLister) FollowStaff(context.Context, string, connector.StaffSync) (connector.StaffChanges, connector.StaffSyncStats, error) {
	return connector.StaffChanges{}, connector.StaffSyncStats{}, errors.New("not followed: each test starts without a snapshot")
}

func (scriptedLister) SyncStaff(context.Context, connector.StaffSync) (connector.Roster, connector.StaffSyncStats, error) {
	return connector.Roster{}, connector.StaffSyncStats{}, errors.New("not read whole: the syncer lists")
}

func member(id int64, name string) connector.Staff {
	return connector.Staff{ID: id, Name: name, Role: "agent"}
}

// A full sync writes the snapshot in id order whatever order the list
// came in: a member read again stands as last read, one read after higher
// ids joins in its place, and the export's changes stand over both, also
// when the read was cut off after the stretches that read them.
func TestListedSyncKeepsEveryReadInIDOrder(t *testing.T) {
	stretches := []connector.Stretch{
		{Cursor: "c1", Read: []connector.Staff{member(5, "e"), member(1, "a"), member(4, "d"), member(3, "c"), member(1, "a again")}},
		{Cursor: "c2", Read: []connector.Staff{member(2, "b"), member(9, "i")}},        // 2 late
		{Cursor: "c3", Read: []connector.Staff{member(3, "c again"), member(10, "j")}}, // 3 late, read twice
	}
	changes := map[int64]*connector.Staff{
		4:  nil,                         // left while the list was read
		9:  ptr(member(9, "i changed")), // changed
		2:  ptr(member(2, "b changed")), // read late, then changed
		11: ptr(member(11, "k")),        // joined
	}
	want := []connector.Staff{member(1, "a again"), member(2, "b changed"), member(3, "c again"), member(5, "e"),
		member(9, "i changed"), member(10, "j"), member(11, "k")}
	tests := []struct {
		name  string
		cutAt []int // runs cut off before the stretch named, then one to the end
	}{
		{"in one run", nil},
		{"cut off after the late stretch", []int{2}},
		{"cut off twice", []int{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			st := teststores.Bolt(t, nil)
			syncer := func(cutAt int) *seats.Syncer {
				return &seats.Syncer{Source: scriptedLister{stretches, changes, cutAt}, Connector: connector.Zendesk,
					Store: st, Checkpoints: st, Account: "https://acme.zendesk.com", Now: func() time.Time { return now }}
			}
			for _, cut := range tt.cutAt {
				if _, err := syncer(cut).Sync(ctx); !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("run cut at stretch %d: %v, want it cut off", cut, err)
				}
			}
			res, err := syncer(0).Sync(ctx)
			if err != nil {
				t.Fatal(err)
			}
			snap, err := st.LoadSnapshot(ctx, connector.Zendesk)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, snap.Staff); diff != "" {
				t.Errorf("snapshot (-want +got):\n%s", diff)
			}
			if !res.Full || res.Resumed != (len(tt.cutAt) > 0) || res.StaffAfter != len(want) || res.Added != len(want) || res.Removed != 1 || snap.Cursor != "export-cursor" {
				t.Errorf("result %+v, cursor %q", res, snap.Cursor)
			}
			for _, kind := range []string{"sync-checkpoint", "sync-checkpoint-part"} {
				if recs, _ := st.ListRecords(ctx, kind); len(recs) != 0 {
					t.Errorf("%d %s records left", len(recs), kind)
				}
			}
		})
	}
}

// A list Zendesk refuses is read from the whole export; a checkpoint it
// cannot resume plays no part in it and is gone after.
func TestRefusedListIgnoresACheckpointItCannotResume(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t, zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: 5_000, StaffShare: 0.25, Seed: 5, Now: now.Add(-time.Hour)}))
	cut := f.syncer()
	cut.Source = zendesk.Connector{Client: &failingAfter{API: f.client, n: 11}}
	if _, err := cut.Sync(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cut-off run: %v", err)
	}
	if recs, _ := f.store.ListRecords(ctx, "sync-checkpoint-part"); len(recs) != 1 {
		t.Fatalf("%d checkpoint parts after the cut-off, want 1", len(recs))
	}
	markOlderLayout(t, f, cut.Account)

	f.emu.InjectFault(zendesktest.EndpointUsersList, zendesktest.Fault{Status: 400, Times: 1})
	res, err := f.syncer().Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Fallback, "role-filtered user list") || res.Resumed {
		t.Errorf("result %+v, want the whole export read afresh", res)
	}
	if diff := cmp.Diff(wantStaff(f.emu), staffIDs(f.snapshot(t))); diff != "" {
		t.Errorf("staff (-want +got):\n%s", diff)
	}
	for _, kind := range []string{"sync-checkpoint", "sync-checkpoint-part"} {
		if recs, _ := f.store.ListRecords(ctx, kind); len(recs) != 0 {
			t.Errorf("%d %s records left", len(recs), kind)
		}
	}
}
