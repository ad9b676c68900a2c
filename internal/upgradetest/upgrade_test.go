// Package upgradetest checks that a store written by the release before
// connectors (version 1 snapshots, one Zendesk account) reads correctly
// and loses nothing. testdata/v1-zendesk.db was written by that release:
// a seat sync of zendesktest's sample account at 2026-11-30 09:00 UTC, the
// week's review opened with a Keep and a Remove decided, and the
// credential inventory with one OAuth token claimed.
package upgradetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

var written = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

const account = "https://acme.zendesk.com"

func openV1(t *testing.T) *boltstore.Store {
	t.Helper()
	raw, err := os.ReadFile("testdata/v1-zendesk.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "seatwarden.db")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := boltstore.Open(path, boltstore.Options{Now: func() time.Time { return written }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func emulator(t *testing.T) (*zendesktest.Server, *zendesk.Client) {
	t.Helper()
	emu := zendesktest.NewServer(zendesktest.SampleOrg(written.Add(-time.Hour)), zendesktest.WithBearerToken("t"),
		zendesktest.WithClock(func() time.Time { return written }))
	t.Cleanup(emu.Close)
	zd, err := zendesk.New(zendesk.Config{BaseURL: emu.URL, Auth: zendesk.OAuthToken("t"), RequestsPerMinute: 100_000,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	return emu, zd
}

// TestVersion1SnapshotReadsAsTheConnectorWouldWriteIt: the upgraded
// snapshot classifies every member exactly as a fresh sync by the Zendesk
// connector does, so nothing about seats, prices or owners shifts.
func TestVersion1SnapshotReadsAsTheConnectorWouldWriteIt(t *testing.T) {
	old := openV1(t)
	got, err := old.LoadSnapshot(t.Context(), connector.Zendesk)
	if err != nil {
		t.Fatalf("the version 1 snapshot does not read: %v", err)
	}
	if got.V != store.SnapshotVersion || got.Connector != connector.Zendesk || got.Account != account || got.Cursor == "" {
		t.Errorf("upgraded snapshot: v=%d connector=%q account=%q cursor=%q", got.V, got.Connector, got.Account, got.Cursor)
	}

	_, zd := emulator(t)
	fresh, err := boltstore.Open(filepath.Join(t.TempDir(), "fresh.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	res, err := (&seats.Syncer{Source: zendesk.Connector{Client: zd}, Store: fresh, Connector: connector.Zendesk, Account: account,
		Now: func() time.Time { return written }}).Sync(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := res.Snapshot
	// The cursor is the emulator's own position, read either way; when
	// groups were last read is the sync's, which the old format had not.
	ignore := cmpopts.IgnoreFields(store.Snapshot{}, "SyncedAt", "V")
	roster := cmpopts.IgnoreFields(connector.Roster{}, "Cursor", "GroupsRead")
	if diff := cmp.Diff(want, got, ignore, roster, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("upgraded snapshot differs from a fresh sync of the same account (-fresh +upgraded):\n%s", diff)
	}

	// The same judgement either way.
	rules := seats.Policy{InactivityDays: 30, Location: time.UTC, Pricing: seats.Pricing{Agent: 115, Admin: 115}}
	if a, b := seats.Evaluate(got, rules, written).Summary, seats.Evaluate(want, rules, written).Summary; !cmp.Equal(a, b, cmpopts.IgnoreFields(seats.Summary{}, "SyncedAt")) {
		t.Errorf("summaries differ:\nupgraded %+v\nfresh    %+v", a, b)
	}
}

// TestVersion1StoreNeedsNoResync: the next sync after the upgrade goes on
// from the stored cursor, one export page, no full read.
func TestVersion1StoreNeedsNoResync(t *testing.T) {
	old := openV1(t)
	emu, zd := emulator(t)
	res, err := (&seats.Syncer{Source: zendesk.Connector{Client: zd}, Store: old, Connector: connector.Zendesk, Account: account,
		Now: func() time.Time { return written.Add(time.Hour) }}).Sync(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.Full || res.Requests != 1 || emu.Requests(zendesktest.EndpointIncrementalUsers) != 1 {
		t.Errorf("first sync after the upgrade: %+v, %d export requests; want an incremental sync of one page", res.StaffSyncStats, emu.Requests(zendesktest.EndpointIncrementalUsers))
	}
}

// TestVersion1ReviewsAndRegisterKeepEverything: the week's review and the
// credential register read as they were written.
func TestVersion1ReviewsAndRegisterKeepEverything(t *testing.T) {
	old := openV1(t)
	period := reviews.PeriodOf(written, time.UTC)
	svc := &reviews.Service{Records: old, Audit: old, Now: func() time.Time { return written }, Policy: reviews.Policy{Location: time.UTC}}
	items, err := svc.Items(t.Context(), period)
	if err != nil {
		t.Fatal(err)
	}
	states := map[reviews.State]int{}
	for _, it := range items {
		states[it.State]++
		if it.Seat.UserID == 0 || it.Seat.Email == "" || it.Owner != "dana@acme.example" {
			t.Errorf("item lost its seat or owner: %+v", it)
		}
		switch it.State {
		case reviews.Kept:
			if it.Reason != "covers the night shift" || it.DecidedBy != "dana@acme.example" {
				t.Errorf("the Keep lost its reason or author: %+v", it)
			}
		case reviews.Removed:
			if it.Change == nil || it.Change.Status != reviews.ChangeDone || it.Saving() == 0 {
				t.Errorf("the Remove lost its change or saving: %+v", it)
			}
		}
	}
	if want := map[reviews.State]int{reviews.Open: 5, reviews.Kept: 1, reviews.Removed: 1}; !cmp.Equal(states, want) {
		t.Errorf("item states %v, want %v", states, want)
	}

	creds := &credentials.Service{Records: old, Audit: old, Snapshots: old, Now: func() time.Time { return written },
		Policy: credentials.Policy{Location: time.UTC, UnusedDays: 90}}
	it, err := creds.Item(t.Context(), "oauth-token:880003")
	if err != nil {
		t.Fatal(err)
	}
	if it.Entry.State != credentials.Claimed || it.Entry.Owner != "omar@acme.example" || it.Entry.Purpose != "SLA dashboards" || !it.Present {
		t.Errorf("the claimed token: %+v", it)
	}
	trail, err := old.ListAudit(t.Context(), 0, 100)
	if err != nil || len(trail) < 3 {
		t.Errorf("audit trail: %d entries, %v", len(trail), err)
	}
}
