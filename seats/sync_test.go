package seats_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

// now is fixed; the emulator's clock moves with Advance.
var now = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// fixture is a Zendesk emulator, a real client talking to it over HTTP,
// and a fresh embedded store.
type fixture struct {
	emu    *zendesktest.Server
	client *zendesk.Client
	store  store.Store
}

func newFixture(t testing.TB, org *zendesktest.Org) *fixture {
	t.Helper()
	emu := zendesktest.NewServer(org, zendesktest.WithBearerToken("test-token"), zendesktest.WithClock(func() time.Time { return now }))
	t.Cleanup(emu.Close)
	client, err := zendesk.New(zendesk.Config{
		BaseURL:           emu.URL,
		Auth:              zendesk.OAuthToken("test-token"),
		RequestsPerMinute: 100_000,
		MaxRetries:        2,
		Logger:            slog.New(slog.DiscardHandler),
		// Retries wait on no clock in tests.
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "sw.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &fixture{emu: emu, client: client, store: st}
}

func (f *fixture) syncer() *seats.Syncer {
	// Checkpoints, as the bot keeps them: a full sync then never holds
	// the account whole.
	return &seats.Syncer{Source: zendesk.Connector{Client: f.client}, Connector: connector.Zendesk, Store: f.store, Checkpoints: f.store, Account: f.emu.URL, Now: func() time.Time { return now }}
}

func (f *fixture) snapshot(t *testing.T) *store.Snapshot {
	t.Helper()
	snap, err := f.store.LoadSnapshot(context.Background(), connector.Zendesk)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func staffIDs(snap *store.Snapshot) map[int64]bool {
	ids := map[int64]bool{}
	for _, u := range snap.Staff {
		ids[u.ID] = true
	}
	return ids
}

// wantStaff is the emulator's own view: active agents and admins.
func wantStaff(emu *zendesktest.Server) map[int64]bool {
	ids := map[int64]bool{}
	for _, u := range emu.Users() {
		if u.Active && (u.Role == zendesk.RoleAgent || u.Role == zendesk.RoleAdmin) {
			ids[u.ID] = true
		}
	}
	return ids
}

func TestFullSyncThenNothingChanged(t *testing.T) {
	ctx := context.Background()
	org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: 2_500, Seed: 7, Now: now.Add(-time.Hour)})
	f := newFixture(t, org)

	res, err := f.syncer().Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The seats cost what they are: one page of the staff list, then one
	// export page of what changed since, whatever the end users.
	staffCount := len(wantStaff(f.emu))
	if !res.Full || res.Requests != 2 || res.Seen != staffCount {
		t.Errorf("first sync = %+v, want a full sync of the %d staff in one list page and one export page", res, staffCount)
	}
	if list, export := f.emu.Requests(zendesktest.EndpointUsersList), f.emu.Requests(zendesktest.EndpointIncrementalUsers); list != 1 || export != 1 {
		t.Errorf("list requests = %d, export requests = %d; want 1 and 1 (the export read whole would take 3)", list, export)
	}
	snap := f.snapshot(t)
	if diff := cmp.Diff(wantStaff(f.emu), staffIDs(snap)); diff != "" {
		t.Errorf("snapshot staff differ from Zendesk's (-want +got):\n%s", diff)
	}
	if snap.Cursor == "" || len(snap.Groups) == 0 || len(snap.Memberships) == 0 || snap.Connector != connector.Zendesk {
		t.Errorf("snapshot lacks cursor, groups or memberships, or its connector: cursor=%q groups=%d memberships=%d connector=%q",
			snap.Cursor, len(snap.Groups), len(snap.Memberships), snap.Connector)
	}
	for _, u := range snap.Staff {
		if u.Title() == "" || strings.HasPrefix(u.RoleName, "unknown role") || u.Paid() == (u.SeatName() == "") {
			t.Fatalf("staff %d not classified against the account's roles: %+v", u.ID, u)
		}
	}
	for _, m := range snap.Memberships {
		if !staffIDs(snap)[m.UserID] {
			t.Fatalf("membership of non-staff user %d kept", m.UserID)
		}
	}

	rev, err := f.store.SnapshotRevision(ctx, connector.Zendesk)
	if err != nil {
		t.Fatal(err)
	}
	f.emu.ResetCounters()
	res, err = f.syncer().Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Full || res.Requests != 1 || res.Seen != 0 || res.Added+res.Removed != 0 || res.StaffBefore != staffCount || res.StaffAfter != staffCount {
		t.Errorf("re-sync with nothing changed = %+v, want one empty incremental page over %d staff", res, staffCount)
	}
	// Nothing changed, so no replica judges the snapshot again.
	if again, err := f.store.SnapshotRevision(ctx, connector.Zendesk); err != nil || again != rev {
		t.Errorf("revision %q → %q (%v) after a sync that changed nothing", rev, again, err)
	}
	if diff := cmp.Diff(snap.Staff, f.snapshot(t).Staff); diff != "" {
		t.Errorf("the re-sync changed the staff (-before +after):\n%s", diff)
	}
	if got := f.emu.Requests(zendesktest.EndpointIncrementalUsers); got != 1 {
		t.Errorf("re-sync made %d users requests, want 1", got)
	}
}

func TestIncrementalSyncFollowsChanges(t *testing.T) {
	ctx := context.Background()
	org := zendesktest.SampleOrg(now.Add(-time.Hour))
	f := newFixture(t, org)
	if _, err := f.syncer().Sync(ctx); err != nil {
		t.Fatal(err)
	}
	before := f.snapshot(t)

	var agents []zendesk.User
	var endUser zendesk.User
	for _, u := range f.emu.Users() {
		switch {
		case u.Active && u.Role == zendesk.RoleAgent && !u.Suspended:
			agents = append(agents, u)
		case u.Active && u.Role == zendesk.RoleEndUser && endUser.ID == 0:
			endUser = u
		}
	}
	if len(agents) < 3 || endUser.ID == 0 {
		t.Fatalf("sample org too small: %d agents, end user %d", len(agents), endUser.ID)
	}
	demoted, deleted, suspended := agents[0], agents[1], agents[2]
	f.emu.UpdateUser(demoted.ID, func(u *zendesk.User) { u.Role = zendesk.RoleEndUser; u.CustomRoleID = nil; u.RoleType = nil })
	f.emu.DeleteUser(deleted.ID)
	f.emu.UpdateUser(suspended.ID, func(u *zendesk.User) { u.Suspended = true })
	f.emu.UpdateUser(endUser.ID, func(u *zendesk.User) { u.Role = zendesk.RoleAgent })
	// The export hides the most recent minute.
	f.emu.Advance(2 * time.Minute)

	res, err := f.syncer().Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Full || res.Requests != 1 || res.Removed != 2 || res.Added != 1 || res.Seen != 4 {
		t.Errorf("incremental sync = %+v, want 1 page, 4 users seen, 2 removed, 1 added", res)
	}
	after := f.snapshot(t)
	ids := staffIDs(after)
	for _, c := range []struct {
		name string
		id   int64
		want bool
	}{
		{"demoted agent leaves", demoted.ID, false},
		{"deleted agent leaves", deleted.ID, false},
		{"suspended agent stays (still billed)", suspended.ID, true},
		{"promoted end user joins", endUser.ID, true},
	} {
		if ids[c.id] != c.want {
			t.Errorf("%s: in snapshot = %v", c.name, ids[c.id])
		}
	}
	if got, want := len(after.Staff), len(before.Staff)-1; got != want {
		t.Errorf("staff = %d, want %d", got, want)
	}
	for _, u := range after.Staff {
		if u.ID == suspended.ID && !u.Suspended {
			t.Error("the suspension was not picked up")
		}
	}
	if after.Cursor == before.Cursor {
		t.Error("cursor did not move")
	}
	// Merged into the stored snapshot as it streamed by, the changes give
	// what a full sync of the account reads now.
	fresh := newFixture(t, org)
	fresh.emu.Close()
	fresh.client = f.client
	if _, err := (&seats.Syncer{Source: zendesk.Connector{Client: f.client}, Connector: connector.Zendesk, Store: fresh.store, Account: "another", Now: func() time.Time { return now }}).Sync(ctx); err != nil {
		t.Fatal(err)
	}
	full := fresh.snapshot(t)
	if diff := cmp.Diff(full.Staff, after.Staff); diff != "" {
		t.Errorf("merged staff differ from a full sync's (-full +merged):\n%s", diff)
	}
	if diff := cmp.Diff(full.Memberships, after.Memberships); diff != "" {
		t.Errorf("merged memberships differ from a full sync's (-full +merged):\n%s", diff)
	}
}

func TestFailedSyncLeavesThePreviousSnapshot(t *testing.T) {
	tests := []struct {
		name    string
		fault   zendesktest.Fault
		wantErr error
	}{
		{"401 bad credentials", zendesktest.Fault{Status: 401, Body: `{"error":"Couldn't authenticate you"}`}, zendesk.ErrAuth},
		{"malformed JSON", zendesktest.Fault{Malformed: true}, zendesk.ErrBadResponse},
		{"5xx storm", zendesktest.Fault{Status: 503}, zendesk.ErrUnavailable},
		{"429 storm", zendesktest.Fault{Status: 429, RetryAfter: time.Second}, zendesk.ErrRateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: 1_500, Seed: 3, Now: now.Add(-time.Hour)}))
			if _, err := f.syncer().Sync(ctx); err != nil {
				t.Fatal(err)
			}
			good := f.snapshot(t)

			// A change is waiting, and the second export page fails mid-run.
			staff := f.emu.Users()
			for _, u := range staff {
				if u.Active && u.Role == zendesk.RoleAgent {
					f.emu.UpdateUser(u.ID, func(u *zendesk.User) { u.Role = zendesk.RoleEndUser })
					break
				}
			}
			f.emu.Advance(2 * time.Minute)
			f.emu.InjectFault(zendesktest.EndpointIncrementalUsers, tt.fault)

			_, err := f.syncer().Sync(ctx)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Sync() = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(good, f.snapshot(t)); diff != "" {
				t.Errorf("a failed sync changed the snapshot (-before +after):\n%s", diff)
			}

			f.emu.ClearFaults()
			res, err := f.syncer().Sync(ctx)
			if err != nil {
				t.Fatalf("the next run did not recover: %v", err)
			}
			if res.Full || res.Removed != 1 {
				t.Errorf("recovery run = %+v, want incremental with 1 removal", res)
			}
		})
	}
}

func TestSyncResumesAfterRestartAndRestartsForAnotherAccount(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, zendesktest.SampleOrg(now.Add(-time.Hour)))
	if _, err := f.syncer().Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// A new process: a new Syncer over the same store.
	res, err := f.syncer().Sync(ctx)
	if err != nil || res.Full {
		t.Fatalf("after a restart: full=%v err=%v, want incremental", res.Full, err)
	}
	other := f.syncer()
	other.Account = "https://other.zendesk.com"
	res, err = other.Sync(ctx)
	if err != nil || !res.Full {
		t.Fatalf("for another account: full=%v err=%v, want a full sync", res.Full, err)
	}
}

// stuckSource is an export that never ends and never advances.
type stuckSource struct{ zendesk.API }

func (stuckSource) ExportUsers(context.Context, zendesk.ExportRequest) (zendesk.UserExportPage, error) {
	return zendesk.UserExportPage{AfterCursor: "same"}, nil
}

func TestSyncRefusesAnExportThatDoesNotAdvance(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, zendesktest.SampleOrg(now.Add(-time.Hour)))
	s := f.syncer()
	s.Source = zendesk.Connector{Client: stuckSource{f.client}}
	if _, err := s.Sync(ctx); err == nil {
		t.Fatal("a cursor that never advances was accepted")
	}
	if _, err := f.store.LoadSnapshot(ctx, connector.Zendesk); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a snapshot was written by a failed first sync: %v", err)
	}
}

func TestRefusedCursorRestartsAsFullSync(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, zendesktest.SampleOrg(now.Add(-time.Hour)))
	if _, err := f.syncer().Sync(ctx); err != nil {
		t.Fatal(err)
	}
	f.emu.InjectFault(zendesktest.EndpointIncrementalUsers, zendesktest.Fault{
		Status: 400, Body: `{"error":"InvalidCursor","description":"The cursor is no longer valid"}`, Times: 1,
	})
	res, err := f.syncer().Sync(ctx)
	if err != nil {
		t.Fatalf("a refused cursor should restart the sync, got %v", err)
	}
	if !res.Full {
		t.Errorf("result %+v, want a full sync", res)
	}
	if diff := cmp.Diff(wantStaff(f.emu), staffIDs(f.snapshot(t))); diff != "" {
		t.Errorf("staff after the restart (-want +got):\n%s", diff)
	}
}

// unreadable stands for a store whose snapshot no longer decodes.
type unreadable struct{ store.Store }

func (u unreadable) LoadSnapshot(context.Context, string) (*store.Snapshot, error) {
	return nil, fmt.Errorf("boltstore: %w: schema version 9", store.ErrUnreadable)
}

func (u unreadable) ReadSnapshot(context.Context, string, func(connector.Staff) error) (*store.Snapshot, error) {
	return nil, fmt.Errorf("boltstore: %w: schema version 9", store.ErrUnreadable)
}

func (u unreadable) SnapshotRevision(context.Context, string) (string, error) {
	return "", fmt.Errorf("boltstore: %w: no revision header", store.ErrUnreadable)
}

func TestUnreadableSnapshotIsRebuilt(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, zendesktest.SampleOrg(now.Add(-time.Hour)))
	s := f.syncer()
	s.Store = unreadable{f.store}
	res, err := s.Sync(ctx)
	if err != nil || !res.Full {
		t.Fatalf("full=%v err=%v, want a full sync that rebuilds the snapshot", res.Full, err)
	}
	if len(f.snapshot(t).Staff) == 0 {
		t.Error("no snapshot written")
	}
}

// failingAfter passes the first n staff list pages through, then fails.
type failingAfter struct {
	zendesk.API
	n     int
	pages int
}

func (f *failingAfter) StaffPage(ctx context.Context, after string) (zendesk.StaffPage, error) {
	if f.pages == f.n {
		return zendesk.StaffPage{}, context.DeadlineExceeded
	}
	f.pages++
	return f.API.StaffPage(ctx, after)
}

func TestFullSyncResumesFromItsCheckpoint(t *testing.T) {
	ctx := context.Background()
	// 1,150 staff: twelve pages of the staff list.
	f := newFixture(t, zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: 5_000, StaffShare: 0.25, Seed: 5, Now: now.Add(-time.Hour)}))
	if n := len(wantStaff(f.emu)); n <= 1_100 || n > 1_200 {
		t.Fatalf("%d staff, want twelve pages' worth", n)
	}

	// The first run is cut off after 11 of 12 pages (its timeout).
	cut := f.syncer()
	cut.Checkpoints = f.store
	cut.Source = zendesk.Connector{Client: &failingAfter{API: f.client, n: 11}}
	if _, err := cut.Sync(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cut-off run: %v", err)
	}
	if _, err := f.store.LoadSnapshot(ctx, connector.Zendesk); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a cut-off run wrote a snapshot: %v", err)
	}

	f.emu.ResetCounters()
	next := f.syncer()
	next.Checkpoints = f.store
	res, err := next.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The checkpoint was taken after page 10: pages 11 and 12 remain, and
	// the export from where the first run's list began.
	if !res.Full || !res.Resumed || res.Requests != 3 {
		t.Errorf("resumed run = %+v, want a full sync resumed with 2 list pages and 1 export page", res)
	}
	if diff := cmp.Diff(wantStaff(f.emu), staffIDs(f.snapshot(t))); diff != "" {
		t.Errorf("staff after resuming (-want +got):\n%s", diff)
	}
	if recs, _ := f.store.ListRecords(ctx, "sync-checkpoint"); len(recs) != 0 {
		t.Errorf("%d checkpoints left after the sync completed", len(recs))
	}
}

// TestRenamedRoleReachesUnchangedStaff: the export only returns users that
// changed, but a custom role renamed in Zendesk renames everyone on it.
func TestRenamedRoleReachesUnchangedStaff(t *testing.T) {
	ctx := context.Background()
	org := zendesktest.SampleOrg(now.Add(-time.Hour))
	for i, r := range org.CustomRoles {
		if r.ID == zendesktest.StaffRoleID {
			org.CustomRoles[i].Name = "Support Staff"
		}
	}
	f := newFixture(t, org)
	if _, err := f.syncer().Sync(ctx); err != nil {
		t.Fatal(err)
	}
	on := func(snap *store.Snapshot) (names map[string]int) {
		names = map[string]int{}
		for _, u := range snap.Staff {
			if u.RoleID != nil && *u.RoleID == zendesktest.StaffRoleID {
				names[u.RoleName]++
			}
		}
		return names
	}
	before := on(f.snapshot(t))
	if len(before) != 1 || before["Support Staff"] == 0 {
		t.Fatalf("staff on the role before: %v", before)
	}
	f.emu.RenameCustomRole(zendesktest.StaffRoleID, "Tier 1 Agent")
	res, err := f.syncer().Sync(ctx)
	if err != nil || res.Full || res.Seen != 0 {
		t.Fatalf("re-sync: %+v, %v; want an incremental sync that saw no user change", res, err)
	}
	if after := on(f.snapshot(t)); after["Tier 1 Agent"] != before["Support Staff"] || len(after) != 1 {
		t.Errorf("staff on the role after the rename: %v, want %d on Tier 1 Agent", after, before["Support Staff"])
	}
}

// TestAMembersOwnRoleTypeDecidesTheirSeat: Zendesk decides a seat by the
// user's own role_type; a re-sync that does not read the user again must
// not re-decide it from their custom role's.
func TestAMembersOwnRoleTypeDecidesTheirSeat(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, zendesktest.SampleOrg(now.Add(-time.Hour)))
	lightByOwnType := f.emu.AddUser(zendesk.User{Name: "Lee Light", Email: "lee@acme.example", Role: zendesk.RoleAgent,
		RoleType: ptr(zendesk.RoleTypeLightAgent), CustomRoleID: ptr(zendesktest.StaffRoleID), Active: true,
		CreatedAt: now.AddDate(-1, 0, 0)})
	f.emu.Advance(2 * time.Minute)
	for i, label := range []string{"the sync that reads the user", "a re-sync that does not"} {
		res, err := f.syncer().Sync(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 && res.Seen != 0 {
			t.Fatalf("the re-sync read %d users, want none", res.Seen)
		}
		for _, u := range f.snapshot(t).Staff {
			if u.ID == lightByOwnType.ID && (u.Paid() || u.Free != connector.FreeLightAgent) {
				t.Errorf("after %s: %+v, want a light agent by their own role_type", label, u)
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestLongSyncReportsProgress: a sync that runs for minutes logs how far
// it got every ten seconds, not only when it ends.
func TestLongSyncReportsProgress(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: 5_000, StaffShare: 0.25, Seed: 5, Now: now.Add(-time.Hour)}))
	var logs bytes.Buffer
	s := f.syncer()
	s.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	// Each page seems to take four seconds: 12 list pages and an export
	// page, 52 seconds.
	var mu sync.Mutex
	clock := now
	s.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(4 * time.Second) // read once a page
		return clock
	}
	if _, err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	var progress []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		if l["msg"] == "seat sync in progress" {
			progress = append(progress, l)
		}
	}
	if len(progress) < 3 || len(progress) > 5 {
		t.Fatalf("%d progress lines over 48 s, want one every 10 s:\n%s", len(progress), logs.String())
	}
	if first := progress[0]; first["requests"].(float64) < 2 || first["seen"].(float64) < 200 {
		t.Errorf("first progress line: %v", first)
	}
}

// Groups and memberships are read on their own, slower schedule: a sync
// between reads carries them over and costs no request for them; a
// failed read of them costs the seats nothing.
func TestGroupsOnTheirOwnSchedule(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, zendesktest.SampleOrg(now.Add(-time.Hour)))
	at := now
	sync := func() seats.SyncResult {
		t.Helper()
		s := f.syncer()
		s.GroupsEvery, s.Now = 6*time.Hour, func() time.Time { return at }
		res, err := s.Sync(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	groupReads := func() int {
		return f.emu.Requests(zendesktest.EndpointGroups) + f.emu.Requests(zendesktest.EndpointGroupMemberships)
	}

	if res := sync(); !res.GroupsRead || groupReads() != 2 {
		t.Fatalf("first sync: groups read %v, %d requests for them", res.GroupsRead, groupReads())
	}
	first := f.snapshot(t)
	at = at.Add(15 * time.Minute)
	if res := sync(); res.GroupsRead || groupReads() != 2 {
		t.Errorf("a sync 15 minutes later read the groups again (%d requests)", groupReads())
	}
	if got := f.snapshot(t); len(got.Groups) != len(first.Groups) || len(got.Memberships) != len(first.Memberships) || !got.GroupsRead.Equal(now) {
		t.Errorf("carried over %d groups and %d memberships (read %s), want %d and %d from %s",
			len(got.Groups), len(got.Memberships), got.GroupsRead, len(first.Groups), len(first.Memberships), now)
	}

	at = now.Add(6 * time.Hour)
	f.emu.InjectFault(zendesktest.EndpointGroupMemberships, zendesktest.Fault{Status: 403, Times: 1})
	res := sync()
	if res.GroupsRead || !strings.Contains(res.GroupsFailed, "group memberships") {
		t.Errorf("a failed membership read: %+v", res.StaffSyncStats)
	}
	if got := f.snapshot(t); len(got.Staff) != len(first.Staff) || len(got.Memberships) != len(first.Memberships) || !got.GroupsRead.Equal(now) {
		t.Errorf("after the failed read: %d staff, %d memberships, read %s", len(got.Staff), len(got.Memberships), got.GroupsRead)
	}
	at = at.Add(15 * time.Minute)
	if res := sync(); !res.GroupsRead {
		t.Errorf("the next sync did not try the groups again: %+v", res.StaffSyncStats)
	}
}

// A full sync cut off more than once resumes each time from its last
// checkpoint, whose parts hold each stretch of the staff list once; a
// sync that cannot resume (a part missing, an older layout) voids the
// checkpoint it found. Every part is gone once a sync completes.
func TestFullSyncResumesAcrossCheckpoints(t *testing.T) {
	ctx := context.Background()
	// About 3,500 staff: 35 pages of the staff list.
	org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: 14_000, StaffShare: 0.25, Seed: 11, Now: now.Add(-time.Hour)})
	const head, part = "sync-checkpoint", "sync-checkpoint-part"
	type run struct {
		before func(t *testing.T, f *fixture, s *seats.Syncer)
		cut    int // list pages read before the run is cut off; 0 runs to the end
		parts  int // part records left after it
		resume bool
		pages  int // list pages read, when it runs to the end
	}
	// dropPart makes the checkpoint unreadable: the next run starts over.
	dropPart := func(t *testing.T, f *fixture, s *seats.Syncer) {
		if err := f.store.DeleteRecord(ctx, part, s.Account+"#000001"); err != nil {
			t.Fatal(err)
		}
	}
	toOlderLayout := func(t *testing.T, f *fixture, s *seats.Syncer) { markOlderLayout(t, f, s.Account) }
	tests := []struct {
		name string
		runs []run
	}{
		{"cut twice", []run{
			{cut: 13, parts: 1},        // part 0: pages 1-10
			{cut: 12, parts: 2},        // pages 11-22 read, part 1: pages 11-20
			{resume: true, pages: -20}, // pages 21 to the end
		}},
		{"a checkpoint that cannot be resumed is voided", []run{
			{cut: 23, parts: 2},
			{before: dropPart, cut: 13, parts: 1},
			{resume: true, pages: -10},
		}},
		{"a checkpoint of an older layout starts over", []run{
			{cut: 23, parts: 2},
			{before: toOlderLayout, cut: 13, parts: 1},
			{resume: true, pages: -10},
		}},
	}
	backends := []struct {
		name string
		open func(t *testing.T) store.Store
	}{
		{"bolt", func(t *testing.T) store.Store { return teststores.Bolt(t, nil) }},
		{"redis", func(t *testing.T) store.Store { return teststores.Redis(t, "seats-checkpoint") }},
	}
	for _, b := range backends {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				f := newFixture(t, org)
				f.store = b.open(t)
				total := (len(wantStaff(f.emu)) + 99) / 100
				if total < 31 || total > 39 {
					t.Fatalf("%d list pages, want between 31 and 39", total)
				}
				for i, r := range tt.runs {
					s := f.syncer()
					s.Checkpoints = f.store
					if r.before != nil {
						r.before(t, f, s)
					}
					if r.cut > 0 {
						s.Source = zendesk.Connector{Client: &failingAfter{API: f.client, n: r.cut}}
						if _, err := s.Sync(ctx); !errors.Is(err, context.DeadlineExceeded) {
							t.Fatalf("run %d: %v, want it cut off", i+1, err)
						}
						if recs, _ := f.store.ListRecords(ctx, part); len(recs) != r.parts {
							t.Fatalf("run %d: %d checkpoint parts, want %d", i+1, len(recs), r.parts)
						}
						continue
					}
					res, err := s.Sync(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if want := total + r.pages + 1; !res.Full || res.Resumed != r.resume || res.Requests != want {
						t.Errorf("run %d = %+v, want a full sync, resumed %v, of %d requests", i+1, res, r.resume, want)
					}
				}
				if diff := cmp.Diff(wantStaff(f.emu), staffIDs(f.snapshot(t))); diff != "" {
					t.Errorf("staff after resuming (-want +got):\n%s", diff)
				}
				for _, kind := range []string{head, part} {
					if recs, _ := f.store.ListRecords(ctx, kind); len(recs) != 0 {
						t.Errorf("%d %s records left after the sync completed", len(recs), kind)
					}
				}
			})
		}
	}
}

// markOlderLayout marks account's checkpoint as one of the layout before
// its parts were known to be in id order, which no sync resumes.
func markOlderLayout(t *testing.T, f *fixture, account string) {
	t.Helper()
	ctx := context.Background()
	rec, err := f.store.GetRecord(ctx, "sync-checkpoint", account)
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(rec.Data, &h); err != nil {
		t.Fatal(err)
	}
	h["v"] = 1
	data, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutRecord(ctx, f.store, "sync-checkpoint", account, data); err != nil {
		t.Fatal(err)
	}
}
