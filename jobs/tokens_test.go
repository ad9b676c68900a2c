package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// tokens is one replica's credential jobs over the review fixture's
// account and store.
func (f *reviewFixture) tokens(t *testing.T, holder string) *jobs.Tokens {
	now := func() time.Time { return f.clock }
	zd := f.zendesk(t)
	return &jobs.Tokens{
		Service: &credentials.Service{Records: f.store, Audit: f.store, Snapshots: f.store, Connector: zendesk.Connector{Client: zd}, Now: now, Holder: holder,
			Policy: credentials.Policy{Location: time.UTC, UnusedDays: 90}},
		Source:       zendesk.Connector{Client: zd},
		Account:      f.emu.URL,
		Notifier:     f.out,
		AdminChannel: adminChannel,
		Location:     time.UTC,
		Command:      "/warden",
	}
}

// TestSyncAlsoTakesTheCredentialInventory: the sync job runs the seat
// sync and the inventory, and a failing part does not stop the other.
func TestSyncAlsoTakesTheCredentialInventory(t *testing.T) {
	f := newReviewFixture(t)
	tk := f.tokens(t, "a")
	syncer := &seats.Syncer{Source: zendesk.Connector{Client: f.zendesk(t)}, Connector: connector.Zendesk, Store: f.store, Account: f.emu.URL, Now: func() time.Time { return f.clock }}
	failing := func(context.Context) error { return fmt.Errorf("boom") }
	err := jobs.Sync([]*seats.Syncer{syncer}, nil, failing, tk.Inventory).Run(t.Context(), f.clock)
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("the failing part's error is lost: %v", err)
	}
	inv, err := tk.Service.Inventory(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := inv.Count(credentials.APIToken); got != 5 {
		t.Errorf("inventory after a partly failed sync holds %d API tokens, want 5", got)
	}
}

// downSource is a SaaS that does not answer.
type downSource struct{}

func (downSource) SyncStaff(context.Context, connector.StaffSync) (connector.Roster, connector.StaffSyncStats, error) {
	return connector.Roster{}, connector.StaffSyncStats{}, fmt.Errorf("github: %w", connector.ErrUnavailable)
}

// TestSyncOfOneSaaSDoesNotWaitOnAnother: a SaaS that is down, listed
// first or last, leaves its own snapshot as it was and the others'
// fresh, and the run still fails so the operator hears of it.
func TestSyncOfOneSaaSDoesNotWaitOnAnother(t *testing.T) {
	for _, downFirst := range []bool{true, false} {
		f := newReviewFixture(t)
		prev := &store.Snapshot{Connector: connector.GitHub, Account: "acme", SyncedAt: f.clock.Add(-time.Hour),
			Roster: connector.Roster{Staff: []connector.Staff{{ID: 7, Email: "octo@acme.example", Seat: "copilot_business"}}}}
		if err := f.store.SaveSnapshot(t.Context(), prev); err != nil {
			t.Fatal(err)
		}
		later := f.clock.Add(time.Hour)
		zd := &seats.Syncer{Source: zendesk.Connector{Client: f.zendesk(t)}, Connector: connector.Zendesk, Store: f.store, Account: f.emu.URL, Now: func() time.Time { return later }}
		gh := &seats.Syncer{Source: downSource{}, Connector: connector.GitHub, Store: f.store, Account: "acme", Now: func() time.Time { return later }}
		order := []*seats.Syncer{zd, gh}
		if downFirst {
			order = []*seats.Syncer{gh, zd}
		}
		var (
			mu     sync.Mutex
			synced []string
		)
		err := jobs.Sync(order, func(_ context.Context, r seats.SyncResult) {
			mu.Lock()
			defer mu.Unlock()
			synced = append(synced, r.Snapshot.Connector)
		}).Run(t.Context(), later)
		if !errors.Is(err, connector.ErrUnavailable) {
			t.Errorf("down first=%v: the run's error %v does not say GitHub is unavailable", downFirst, err)
		}
		if len(synced) != 1 || synced[0] != connector.Zendesk {
			t.Errorf("down first=%v: synced %v, want Zendesk alone", downFirst, synced)
		}
		zdSnap, err := f.store.LoadSnapshot(t.Context(), connector.Zendesk)
		if err != nil || !zdSnap.SyncedAt.Equal(later) {
			t.Errorf("down first=%v: Zendesk's snapshot %v, %v; want the fresh one", downFirst, zdSnap, err)
		}
		ghSnap, err := f.store.LoadSnapshot(t.Context(), connector.GitHub)
		if err != nil || !ghSnap.SyncedAt.Equal(prev.SyncedAt) || len(ghSnap.Staff) != 1 {
			t.Errorf("down first=%v: GitHub's snapshot %+v, %v; want the previous one untouched", downFirst, ghSnap, err)
		}
	}
}

// TestTokenDigestGoesOutOncePerPeriod: owners get their credentials that
// need attention and the admin channel the orphans with the countdown,
// once per week whatever the number of runs and replicas.
func TestTokenDigestGoesOutOncePerPeriod(t *testing.T) {
	f := newReviewFixture(t)
	tk := f.tokens(t, "a")
	if err := tk.Inventory(t.Context()); err != nil {
		t.Fatal(err)
	}
	a := credentials.Actor{Email: omar}
	tomorrow := f.clock.AddDate(0, 0, 60)
	if _, err := tk.Service.Claim(t.Context(), "api-token:5502", a, credentials.Claim{Purpose: "Zapier export of solved tickets", NextReview: tomorrow}); err != nil {
		t.Fatal(err)
	}
	if _, err := tk.Service.Claim(t.Context(), "oauth-token:880002", a, credentials.Claim{Purpose: "SLA dashboards", Scopes: []string{"read"}, NextReview: tomorrow}); err != nil {
		t.Fatal(err)
	}

	replicas := []*jobs.Tokens{tk, f.tokens(t, "b")}
	var wg sync.WaitGroup
	for _, r := range replicas {
		wg.Go(func() {
			if err := r.DigestJob().Run(context.Background(), f.clock); err != nil {
				t.Errorf("token-digest: %v", err)
			}
		})
	}
	wg.Wait()
	f.run(t, tk.DigestJob())

	got := f.out.headlines(omar)
	if len(got) != 1 || got[0] != "Your Zendesk credentials: 1 needs your attention" {
		t.Fatalf("omar got %q, want one digest with the API token only", got)
	}
	omarText := fmt.Sprint(f.out.direct[omar][0].Sections)
	if !strings.Contains(omarText, "Zapier ticket export") || strings.Contains(omarText, "oauth-token:880002") {
		t.Errorf("omar's digest: %s", omarText)
	}
	admin := f.out.headlines(adminChannel)
	if len(admin) != 1 || !strings.HasPrefix(admin[0], "Credential register: ") || !strings.Contains(admin[0], "5 API tokens left") {
		t.Fatalf("admin channel got %q", admin)
	}
	adminText := fmt.Sprint(f.out.channel[adminChannel][0].Sections)
	for _, want := range []string{"Used in the last 30 days", "Old reporting script", "no longer a Zendesk agent or admin", "Owners: nobody 4, omar@acme.example 1"} {
		if !strings.Contains(adminText, want) {
			t.Errorf("admin digest lacks %q", want)
		}
	}
	if got := f.out.headlines("priya@acme.example"); len(got) != 0 {
		t.Errorf("priya owns nothing but got %q", got)
	}
}

// TestTokenDigestRetriesUnreachableOwners: an owner the transport cannot
// reach is retried by the next run; the others are not sent twice.
func TestTokenDigestRetriesUnreachableOwners(t *testing.T) {
	f := newReviewFixture(t)
	tk := f.tokens(t, "a")
	if err := tk.Inventory(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := tk.Service.Claim(t.Context(), "api-token:5502", credentials.Actor{Email: omar}, credentials.Claim{Purpose: "export", NextReview: f.clock.AddDate(0, 0, 30)}); err != nil {
		t.Fatal(err)
	}
	f.out.fail[omar] = fmt.Errorf("no DM: %w", bot.ErrUnreachable)
	f.run(t, tk.DigestJob())
	delete(f.out.fail, omar)
	f.run(t, tk.DigestJob())
	if got := f.out.headlines(omar); len(got) != 1 {
		t.Errorf("omar got %q after being unreachable once", got)
	}
	if got := f.out.headlines(adminChannel); len(got) != 1 {
		t.Errorf("admin channel got %d digests", len(got))
	}
}
