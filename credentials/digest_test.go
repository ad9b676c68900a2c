package credentials_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/store"
)

const period = "2026-W47"

func TestDigestIsSentOnce(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	ids := []string{hrSync, zapierExport}

	if d, err := e.svc.Digest(ctx, period, dana); err != nil || !d.SentAt.IsZero() || d.To != dana || d.Period != period {
		t.Fatalf("Digest before sending = %+v, %v", d, err)
	}
	if err := e.svc.ClaimDigest(ctx, period, dana, ids); err != nil {
		t.Fatalf("ClaimDigest: %v", err)
	}

	// Another replica, within the lease: busy.
	other := e.service("other")
	if err := other.ClaimDigest(ctx, period, dana, ids); !errors.Is(err, credentials.ErrBusy) {
		t.Errorf("ClaimDigest by another holder within the lease: %v, want ErrBusy", err)
	}
	// Other recipients and periods are independent.
	if err := other.ClaimDigest(ctx, period, credentials.AdminDigest, ids); err != nil {
		t.Errorf("ClaimDigest of the admins' digest: %v", err)
	}
	if err := other.ClaimDigest(ctx, "2026-W48", dana, ids); err != nil {
		t.Errorf("ClaimDigest of next week's digest: %v", err)
	}

	refs := []credentials.Ref{{Platform: "slack", Conversation: "D123", Message: "1700000000.000100"}}
	e.clock.Set(now.Add(10 * time.Second))
	if err := e.svc.DigestSent(ctx, period, dana, refs, ""); err != nil {
		t.Fatalf("DigestSent: %v", err)
	}
	d, err := e.svc.Digest(ctx, period, dana)
	if err != nil {
		t.Fatal(err)
	}
	want := credentials.Digest{Period: period, To: dana, IDs: ids, Refs: refs, SentAt: now.Add(10 * time.Second)}
	if diff := cmp.Diff(want, d, cmpTimes); diff != "" {
		t.Errorf("digest (-want +got):\n%s", diff)
	}

	for _, svc := range []*credentials.Service{e.svc, other} {
		if err := svc.ClaimDigest(ctx, period, dana, ids); !errors.Is(err, store.ErrExists) {
			t.Errorf("ClaimDigest after it was sent (%s): %v, want store.ErrExists", svc.Holder, err)
		}
	}
	// A later run far beyond the lease still sends nothing twice.
	e.clock.Set(now.Add(48 * time.Hour))
	if err := other.ClaimDigest(ctx, period, dana, ids); !errors.Is(err, store.ErrExists) {
		t.Errorf("ClaimDigest two days later: %v, want store.ErrExists", err)
	}
}

var cmpTimes = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func TestDigestLease(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	other := e.service("other")
	if err := e.svc.ClaimDigest(ctx, period, dana, []string{hrSync}); err != nil {
		t.Fatal(err)
	}
	// The same replica may take its own lease again (a rerun after a crash).
	if err := e.svc.ClaimDigest(ctx, period, dana, []string{hrSync, billingRecon}); err != nil {
		t.Errorf("ClaimDigest again by its holder: %v", err)
	}
	e.clock.Set(now.Add(59 * time.Second))
	if err := other.ClaimDigest(ctx, period, dana, nil); !errors.Is(err, credentials.ErrBusy) {
		t.Errorf("ClaimDigest at 59s: %v, want ErrBusy", err)
	}
	// Once the lease ran out, another replica takes over with its ids.
	e.clock.Set(now.Add(time.Minute))
	if err := other.ClaimDigest(ctx, period, dana, []string{zapierExport}); err != nil {
		t.Fatalf("ClaimDigest after the lease: %v", err)
	}
	d, err := e.svc.Digest(ctx, period, dana)
	if err != nil {
		t.Fatal(err)
	}
	if d.LeaseHolder != "other" || !slices.Equal(d.IDs, []string{zapierExport}) || !d.LeaseUntil.Equal(now.Add(2*time.Minute)) {
		t.Errorf("digest = %+v", d)
	}
}

func TestDigestUnreachable(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	if err := e.svc.ClaimDigest(ctx, period, grace, []string{oldReporting}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DigestSent(ctx, period, grace, nil, "no chat user with this email"); err != nil {
		t.Fatal(err)
	}
	d, err := e.svc.Digest(ctx, period, grace)
	if err != nil {
		t.Fatal(err)
	}
	if !d.SentAt.IsZero() || d.Unreachable != "no chat user with this email" || d.LeaseHolder != "" {
		t.Errorf("digest = %+v", d)
	}
	// Not sent, lease released: a later run, anywhere, tries again.
	if err := e.service("other").ClaimDigest(ctx, period, grace, []string{oldReporting}); err != nil {
		t.Errorf("ClaimDigest after an unreachable run: %v", err)
	}
	if err := e.svc.DigestSent(ctx, period, grace, []credentials.Ref{{Platform: "teams", Conversation: "c", Message: "m"}}, ""); err != nil {
		t.Fatal(err)
	}
	if d, _ := e.svc.Digest(ctx, period, grace); d.SentAt.IsZero() || d.Unreachable != "" || len(d.Refs) != 1 {
		t.Errorf("digest = %+v", d)
	}
}

func TestDigestItems(t *testing.T) {
	migrating := owned("api-token:3", omar)
	migrating.State, migrating.Migration = credentials.Migrating, &credentials.Migration{Plan: "p", Deadline: day(100)}
	migratingDue := owned("api-token:4", omar)
	migratingDue.State, migratingDue.Migration = credentials.Migrating, &credentials.Migration{Plan: "p", Deadline: day(7)}
	toRetire := owned("api-token:5", dana)
	toRetire.State = credentials.ToRetire
	overdue := owned("oauth-token:12", omar)
	overdue.NextReview = day(-1)

	inv := &credentials.Inventory{Credentials: []credentials.Credential{
		cred(credentials.APIToken, 1), // Dana's, no plan: owner and admins
		cred(credentials.APIToken, 2), // unowned: an orphan, admins only
		cred(credentials.APIToken, 3), // Omar's, migrating, not due: nobody
		cred(credentials.APIToken, 4), // Omar's, migration due: owner and admins
		cred(credentials.APIToken, 5), // Dana's, to retire: nobody
		cred(credentials.APIToken, 6, func(c *credentials.Credential) { c.Active = false }), // Dana's, deactivated: nobody
		cred(credentials.OAuthToken, 10),  // Dana's, fine: nobody
		cred(credentials.OAuthToken, 11),  // Hannah's (suspended): owner and admins
		cred(credentials.OAuthToken, 12),  // Omar's, review overdue: owner and admins
		cred(credentials.App, 20),         // unowned app: admins
		cred(credentials.OAuthClient, 30), // Dana's, fine
	}}
	entries := map[string]credentials.Entry{
		"api-token:1":     owned("api-token:1", dana),
		"api-token:3":     migrating,
		"api-token:4":     migratingDue,
		"api-token:5":     toRetire,
		"api-token:6":     owned("api-token:6", dana),
		"oauth-token:10":  owned("oauth-token:10", dana),
		"oauth-token:11":  owned("oauth-token:11", hannah),
		"oauth-token:12":  overdue,
		"oauth-client:30": owned("oauth-client:30", dana),
		"oauth-token:99":  {ID: "oauth-token:99", State: credentials.Revoked, Owner: dana}, // ended: nobody
	}
	ev := credentials.Evaluate(inv, entries, staffSnapshot(), policy, now)
	owners, admins := credentials.DigestItems(ev)

	ids := func(items []credentials.Item) []string {
		out := []string{}
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	gotOwners := map[string][]string{}
	for o, items := range owners {
		gotOwners[o] = ids(items)
	}
	wantOwners := map[string][]string{
		dana:   {"api-token:1"},
		omar:   {"api-token:4", "oauth-token:12"},
		hannah: {"oauth-token:11"},
	}
	if diff := cmp.Diff(wantOwners, gotOwners); diff != "" {
		t.Errorf("owner digests (-want +got):\n%s", diff)
	}
	wantAdmins := []string{"api-token:1", "api-token:2", "api-token:4", "oauth-token:11", "oauth-token:12", "app:20"}
	if diff := cmp.Diff(wantAdmins, ids(admins)); diff != "" {
		t.Errorf("admin digest (-want +got):\n%s", diff)
	}
}
