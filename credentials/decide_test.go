package credentials_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/store"
)

func synced(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.sync(t)
	return e
}

func fieldError(t *testing.T, err error, field string) *credentials.FieldError {
	t.Helper()
	var fe *credentials.FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T), want a *FieldError on %s", err, err, field)
	}
	if fe.Field != field {
		t.Fatalf("FieldError on %q (%s), want %q", fe.Field, fe.Message, field)
	}
	return fe
}

func notAllowed(t *testing.T, err error) *credentials.NotAllowedError {
	t.Helper()
	var na *credentials.NotAllowedError
	if !errors.As(err, &na) || !errors.Is(err, credentials.ErrNotAllowed) {
		t.Fatalf("error %v (%T), want a *NotAllowedError", err, err)
	}
	return na
}

func TestClaimValidation(t *testing.T) {
	form := func(edit func(*credentials.Claim)) credentials.Claim {
		c := credentials.Claim{Purpose: "Nightly export", Scopes: []string{"read"}, NextReview: day(90)}
		edit(&c)
		return c
	}
	tests := []struct {
		name  string
		id    string
		claim credentials.Claim
		field string
		msg   string // part of the message
	}{
		{"empty purpose", hrSync, form(func(c *credentials.Claim) { c.Purpose = "  " }), credentials.FieldPurpose, "Say what it is for"},
		{"purpose too long", hrSync, form(func(c *credentials.Claim) { c.Purpose = strings.Repeat("x", 501) }), credentials.FieldPurpose, "under 500"},
		{"no review date", hrSync, form(func(c *credentials.Claim) { c.NextReview = time.Time{} }), credentials.FieldNextReview, "Pick a date, e.g. 2027-02-19"},
		{"review date in the past", hrSync, form(func(c *credentials.Claim) { c.NextReview = day(-1) }), credentials.FieldNextReview, "after today"},
		{"review date today", hrSync, form(func(c *credentials.Claim) { c.NextReview = day(0) }), credentials.FieldNextReview, "after today"},
		{"review date 366 days out", hrSync, form(func(c *credentials.Claim) { c.NextReview = day(366) }), credentials.FieldNextReview, "within 365 days (by 2027-11-21)"},
		{"retirement trigger too long", hrSync, form(func(c *credentials.Claim) { c.RetireWhen = strings.Repeat("x", 201) }), credentials.FieldRetireWhen, "under 200"},
		{"OAuth token without scopes", seatGovToken, form(func(c *credentials.Claim) { c.Scopes = nil }), credentials.FieldScopes, "Name the scopes"},
		{"OAuth token with an invalid scope", seatGovToken, form(func(c *credentials.Claim) { c.Scopes = []string{"read", "admin"} }), credentials.FieldScopes, `"admin" is not a Zendesk scope`},
		{"resource scope with an invalid access", seatGovToken, form(func(c *credentials.Claim) { c.Scopes = []string{"users:delete"} }), credentials.FieldScopes, "not a Zendesk scope"},
		{"resource scope without an access", seatGovToken, form(func(c *credentials.Claim) { c.Scopes = []string{"users"} }), credentials.FieldScopes, "not a Zendesk scope"},
		{"invalid scope on an API token too", hrSync, form(func(c *credentials.Claim) { c.Scopes = []string{"tickets:read:all"} }), credentials.FieldScopes, "not a Zendesk scope"},
	}
	e := synced(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Claim(t.Context(), tt.id, admin(dana), tt.claim)
			fe := fieldError(t, err, tt.field)
			if !strings.Contains(fe.Message, tt.msg) {
				t.Errorf("message %q, want it to mention %q", fe.Message, tt.msg)
			}
			if e.entryStored(t, tt.id) {
				t.Error("a refused claim wrote an entry")
			}
		})
	}
	if a := e.audit(t, "credential.claimed"); len(a) != 0 {
		t.Errorf("refused claims audited: %+v", a)
	}

	t.Run("boundaries that pass", func(t *testing.T) {
		for _, c := range []credentials.Claim{
			{Purpose: "p", NextReview: day(1)},
			{Purpose: "p", NextReview: day(365)},
			// Late tomorrow in Berlin is still tomorrow.
			{Purpose: "p", NextReview: time.Date(2026, 11, 22, 23, 30, 0, 0, berlin)},
			{Purpose: "p", NextReview: day(30), Scopes: []string{"read", "write", "impersonate", "tickets:read", "help_center:write", "Users:Read"}},
		} {
			if err := e.svc.ValidateClaim(credentials.OAuthToken, c); len(c.Scopes) > 0 && err != nil {
				t.Errorf("ValidateClaim(%+v): %v", c, err)
			}
			if err := e.svc.ValidateClaim(credentials.APIToken, c); err != nil {
				t.Errorf("ValidateClaim(%+v): %v", c, err)
			}
		}
	})
}

func TestClaim(t *testing.T) {
	t.Run("anyone may claim an unowned credential", func(t *testing.T) {
		e := synced(t)
		claim := credentials.Claim{Purpose: " Nightly export ", NextReview: day(90), RetireWhen: " when HR moves to OAuth "}
		it, err := e.svc.Claim(t.Context(), hrSync, agent(" Priya@Acme.example "), claim)
		if err != nil {
			t.Fatal(err)
		}
		en := it.Entry
		if en.State != credentials.Claimed || en.Owner != priya || en.Purpose != "Nightly export" || en.RetireWhen != "when HR moves to OAuth" ||
			!en.NextReview.Equal(day(90)) || !en.LastReview.Equal(now) || !en.ClaimedAt.Equal(now) || en.DecidedBy != priya || en.Name != "Legacy HR sync" {
			t.Errorf("entry = %+v", en)
		}
		if slices.ContainsFunc(it.Reasons, func(r credentials.Reason) bool { return r.Code == credentials.NoOwner }) {
			t.Errorf("claimed credential still has no owner: %v", it.Reasons)
		}
		a := e.audit(t, "credential.claimed")
		if len(a) != 1 || a[0].Actor != priya || a[0].Subject != "credential:"+hrSync || a[0].Detail["purpose"] != "Nightly export" ||
			a[0].Detail["next_review"] != "2027-02-19" || a[0].Detail["retire_when"] != "when HR moves to OAuth" || a[0].Detail["from"] != "" {
			t.Errorf("audit = %+v", a)
		}
	})

	t.Run("an OAuth token's claim states its scopes", func(t *testing.T) {
		e := synced(t)
		// It holds impersonate and read; stating only read flags it.
		it, err := e.svc.Claim(t.Context(), reportingImp, admin(dana), credentials.Claim{Purpose: "dashboards", Scopes: []string{"read"}, NextReview: day(30)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(it.Entry.Scopes, []string{"read"}) {
			t.Errorf("scopes = %v", it.Entry.Scopes)
		}
		want := credentials.Reason{Code: credentials.BroaderScopes, Text: "Holds impersonate, more than its stated need (read)"}
		if !slices.Contains(it.Reasons, want) {
			t.Errorf("reasons %v, want %v", it.Reasons, want)
		}
		if a := e.audit(t, "credential.claimed"); len(a) != 1 || a[0].Detail["scopes"] != "read" {
			t.Errorf("audit = %+v", a)
		}
	})

	t.Run("the owner may update the claim", func(t *testing.T) {
		e := synced(t)
		e.claim(t, hrSync, agent(priya))
		it, err := e.svc.Claim(t.Context(), hrSync, agent(priya), credentials.Claim{Purpose: "changed", NextReview: day(10)})
		if err != nil {
			t.Fatal(err)
		}
		if it.Entry.Purpose != "changed" || it.Entry.Owner != priya {
			t.Errorf("entry = %+v", it.Entry)
		}
	})

	t.Run("the same claim again is recorded once", func(t *testing.T) {
		e := synced(t)
		first := e.claim(t, reportingImp, agent(priya))
		e.clock.Set(now.Add(time.Minute)) // the form sent twice, or replayed after its replica died
		again := e.claim(t, reportingImp, agent(priya))
		if !again.Entry.ClaimedAt.Equal(first.Entry.ClaimedAt) || again.Entry.Owner != priya {
			t.Errorf("entry after the same claim again = %+v", again.Entry)
		}
		if a := e.audit(t, "credential.claimed"); len(a) != 1 {
			t.Errorf("%d claim audits, want 1", len(a))
		}
	})

	t.Run("someone else's credential: refused to a non-admin", func(t *testing.T) {
		e := synced(t)
		e.claim(t, hrSync, agent(priya))
		_, err := e.svc.Claim(t.Context(), hrSync, agent(lucas), validClaim(hrSync))
		na := notAllowed(t, err)
		if !strings.Contains(na.Why, priya) {
			t.Errorf("Why = %q, want it to name the owner", na.Why)
		}
		if it := e.item(t, hrSync); it.Entry.Owner != priya {
			t.Errorf("owner = %s after a refused claim", it.Entry.Owner)
		}
		if a := e.audit(t, "credential.claimed"); len(a) != 1 {
			t.Errorf("%d claim audits, want 1", len(a))
		}
	})

	t.Run("someone else's credential: an admin takes it over, audited with from", func(t *testing.T) {
		e := synced(t)
		e.claim(t, hrSync, agent(priya))
		it := e.claim(t, hrSync, admin(omar))
		if it.Entry.Owner != omar {
			t.Errorf("owner = %s", it.Entry.Owner)
		}
		a := e.audit(t, "credential.claimed")
		if len(a) != 2 || a[1].Actor != omar || a[1].Detail["from"] != priya {
			t.Errorf("audit = %+v", a)
		}
	})

	t.Run("anyone may take over from a suspended owner", func(t *testing.T) {
		e := synced(t)
		e.claim(t, hrSync, agent(hannah)) // Hannah is suspended
		it := e.claim(t, hrSync, agent(priya))
		if it.Entry.Owner != priya {
			t.Errorf("owner = %s", it.Entry.Owner)
		}
		if a := e.audit(t, "credential.claimed"); len(a) != 2 || a[1].Detail["from"] != hannah {
			t.Errorf("audit = %+v", a)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		e := synced(t)
		if _, err := e.svc.Claim(t.Context(), hrSync, credentials.Actor{Email: "", Admin: true}, validClaim(hrSync)); err == nil {
			t.Error("claim without an email accepted")
		} else {
			notAllowed(t, err)
		}
		for _, id := range []string{"api-token:9999", "api-token:0", "nonsense", ""} {
			if _, err := e.svc.Claim(t.Context(), id, admin(dana), validClaim(id)); !errors.Is(err, credentials.ErrNotFound) {
				t.Errorf("Claim(%q): %v, want ErrNotFound", id, err)
			}
		}
		if e.entryStored(t, hrSync) {
			t.Error("refused claims wrote an entry")
		}
	})
}

func TestConcurrentClaims(t *testing.T) {
	e := synced(t)
	actors := []credentials.Actor{agent(priya), agent(lucas)}
	errs := make([]error, len(actors))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, a := range actors {
		wg.Go(func() {
			<-start
			_, errs[i] = e.svc.Claim(t.Context(), hrSync, a, validClaim(hrSync))
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("both claims succeeded")
			}
			winner = i
		default:
			notAllowed(t, err)
		}
	}
	if winner < 0 {
		t.Fatalf("no claim succeeded: %v", errs)
	}
	if it := e.item(t, hrSync); it.Entry.Owner != actors[winner].Email {
		t.Errorf("owner = %s, winner %s", it.Entry.Owner, actors[winner].Email)
	}
	if a := e.audit(t, "credential.claimed"); len(a) != 1 || a[0].Actor != actors[winner].Email {
		t.Errorf("audit = %+v", a)
	}
}

func TestKeepUntil(t *testing.T) {
	e := synced(t)
	if _, err := e.svc.KeepUntil(t.Context(), hrSync, admin(dana), day(30)); !errors.Is(err, credentials.ErrNoOwner) {
		t.Errorf("KeepUntil of an unowned credential: %v, want ErrNoOwner", err)
	}
	e.claim(t, hrSync, agent(priya))
	e.clock.Set(now.Add(time.Hour))

	_, err := e.svc.KeepUntil(t.Context(), hrSync, agent(lucas), day(30))
	notAllowed(t, err)
	for _, d := range []time.Time{{}, day(0), day(-5), day(366)} {
		_, err := e.svc.KeepUntil(t.Context(), hrSync, agent(priya), d)
		fieldError(t, err, credentials.FieldKeepUntil)
	}

	it, err := e.svc.KeepUntil(t.Context(), hrSync, agent(priya), day(30))
	if err != nil {
		t.Fatal(err)
	}
	if !it.Entry.NextReview.Equal(day(30)) || !it.Entry.LastReview.Equal(now.Add(time.Hour)) || it.Entry.DecidedBy != priya {
		t.Errorf("entry = %+v", it.Entry)
	}
	if _, err := e.svc.KeepUntil(t.Context(), hrSync, admin(omar), day(365)); err != nil {
		t.Errorf("an admin's KeepUntil: %v", err)
	}
	a := e.audit(t, "credential.kept")
	if len(a) != 2 || a[0].Actor != priya || a[0].Detail["until"] != "2026-12-21" || a[1].Actor != omar {
		t.Errorf("audit = %+v", a)
	}
}

func TestMigrate(t *testing.T) {
	e := synced(t)
	plan := "The HR sync gets its own OAuth client with users:read"
	e.claim(t, seatGovToken, admin(dana))
	_, err := e.svc.Migrate(t.Context(), seatGovToken, admin(dana), plan, day(30))
	if na := notAllowed(t, err); !strings.Contains(na.Why, "only API tokens") {
		t.Errorf("Why = %q", na.Why)
	}
	if _, err := e.svc.Migrate(t.Context(), hrSync, admin(dana), plan, day(30)); !errors.Is(err, credentials.ErrNoOwner) {
		t.Errorf("Migrate of an unowned token: %v, want ErrNoOwner", err)
	}

	e.claim(t, hrSync, agent(priya))
	notAllowed(t, func() error { _, err := e.svc.Migrate(t.Context(), hrSync, agent(lucas), plan, day(30)); return err }())
	fieldError(t, func() error { _, err := e.svc.Migrate(t.Context(), hrSync, agent(priya), " ", day(30)); return err }(), credentials.FieldPlan)
	fieldError(t, func() error {
		_, err := e.svc.Migrate(t.Context(), hrSync, agent(priya), strings.Repeat("p", 501), day(30))
		return err
	}(), credentials.FieldPlan)
	for _, d := range []time.Time{{}, day(-1), day(0)} {
		_, err := e.svc.Migrate(t.Context(), hrSync, agent(priya), plan, d)
		fieldError(t, err, credentials.FieldDeadline)
	}
	for _, d := range []time.Time{time.Date(2027, 4, 30, 9, 0, 0, 0, berlin), time.Date(2027, 5, 15, 9, 0, 0, 0, berlin)} {
		_, err := e.svc.Migrate(t.Context(), hrSync, agent(priya), plan, d)
		fe := fieldError(t, err, credentials.FieldDeadline)
		if !strings.Contains(fe.Message, "before 30 Apr 2027") || !strings.Contains(fe.Message, "2027-04-29") {
			t.Errorf("message %q", fe.Message)
		}
	}
	if a := e.audit(t, "credential.migrating"); len(a) != 0 {
		t.Fatalf("refused migrations audited: %+v", a)
	}

	last := time.Date(2027, 4, 29, 18, 0, 0, 0, berlin)
	it, err := e.svc.Migrate(t.Context(), hrSync, agent(priya), " "+plan+" ", last)
	if err != nil {
		t.Fatal(err)
	}
	if it.Entry.State != credentials.Migrating || it.Entry.Migration == nil || it.Entry.Migration.Plan != plan || !it.Entry.Migration.Deadline.Equal(last) {
		t.Errorf("entry = %+v", it.Entry)
	}
	if it.NeedsAttention() {
		t.Errorf("a planned migration far from its deadline needs attention: %v %v", it.Reasons, it.Flags)
	}
	a := e.audit(t, "credential.migrating")
	if len(a) != 1 || a[0].Actor != priya || a[0].Detail["plan"] != plan || a[0].Detail["deadline"] != "2027-04-29" {
		t.Errorf("audit = %+v", a)
	}

	// Two weeks before the deadline it is due.
	e.clock.Set(time.Date(2027, 4, 15, 10, 0, 0, 0, berlin))
	if it := e.item(t, hrSync); !it.Has(credentials.MigrationDue) || !it.NeedsAttention() {
		t.Errorf("flags %v", it.Flags)
	}
}

func TestRevokeOAuthToken(t *testing.T) {
	e := synced(t)
	e.claim(t, seatGovToken, agent(priya))
	e.clock.Set(now.Add(time.Minute))

	it, out, err := e.svc.Revoke(t.Context(), seatGovToken, admin(dana))
	if err != nil || out != credentials.RevokedNow {
		t.Fatalf("Revoke = %v, %v; want RevokedNow", out, err)
	}
	if got := e.emu.RevokedOAuthTokens(); !slices.Equal(got, []int64{880001}) {
		t.Errorf("Zendesk revoked %v", got)
	}
	if it.Entry.State != credentials.Revoked || !it.Entry.EndedAt.Equal(now.Add(time.Minute)) || it.Entry.DecidedBy != dana ||
		it.Entry.Revoking != nil || it.Entry.Owner != priya {
		t.Errorf("entry = %+v", it.Entry)
	}
	a := e.audit(t, "credential.revoked")
	if len(a) != 1 || a[0].Actor != dana || a[0].Subject != "credential:"+seatGovToken || a[0].Detail["zendesk"] != "" {
		t.Errorf("audit = %+v", a)
	}

	// Again: already revoked, no second call.
	if _, out, err := e.svc.Revoke(t.Context(), seatGovToken, admin(dana)); err != nil || out != credentials.AlreadyRevoked {
		t.Errorf("second Revoke = %v, %v; want AlreadyRevoked", out, err)
	}
	if n := e.emu.Requests(zendesktest.EndpointOAuthTokenRevoke); n != 1 {
		t.Errorf("%d revoke requests, want 1", n)
	}

	// The next sync no longer finds it; the entry stays revoked.
	res := e.sync(t)
	if res.Counts[credentials.OAuthToken] != 5 || len(res.Ended) != 0 {
		t.Errorf("sync after revoke: counts %v, ended %v", res.Counts, res.Ended)
	}
	if it := e.item(t, seatGovToken); it.Present || it.Entry.State != credentials.Revoked || it.Name != "Seat Governor" {
		t.Errorf("after sync: present %v, state %s, name %q", it.Present, it.Entry.State, it.Name)
	}
	if _, out, err := e.svc.Revoke(t.Context(), seatGovToken, admin(dana)); err != nil || out != credentials.AlreadyRevoked {
		t.Errorf("Revoke after sync = %v, %v; want AlreadyRevoked", out, err)
	}
}

func TestRevokeAlreadyGoneInZendesk(t *testing.T) {
	e := synced(t)
	// Someone revoked it in Zendesk since the last sync.
	if err := e.client.RevokeOAuthToken(t.Context(), 880002); err != nil {
		t.Fatal(err)
	}
	it, out, err := e.svc.Revoke(t.Context(), reportingToken, admin(dana))
	if err != nil || out != credentials.AlreadyRevoked {
		t.Fatalf("Revoke = %v, %v; want AlreadyRevoked", out, err)
	}
	if it.Entry.State != credentials.Revoked {
		t.Errorf("state %s", it.Entry.State)
	}
	if a := e.audit(t, "credential.revoked"); len(a) != 1 || a[0].Detail["zendesk"] != "already gone" {
		t.Errorf("audit = %+v", a)
	}
}

func TestRevokeOAuthTokenByNonAdmin(t *testing.T) {
	e := synced(t)
	e.claim(t, seatGovToken, agent(priya))
	_, _, err := e.svc.Revoke(t.Context(), seatGovToken, agent(priya)) // even its owner
	na := notAllowed(t, err)
	if !strings.Contains(na.Why, "only admins") {
		t.Errorf("Why = %q", na.Why)
	}
	if n := e.emu.Requests(zendesktest.EndpointOAuthTokenRevoke); n != 0 {
		t.Errorf("%d revoke requests reached Zendesk", n)
	}
	a := e.audit(t, "credential.revoke.refused")
	if len(a) != 1 || a[0].Actor != priya || a[0].Subject != "credential:"+seatGovToken {
		t.Errorf("audit = %+v", a)
	}
	if it := e.item(t, seatGovToken); it.Entry.State != credentials.Claimed || it.Entry.Revoking != nil {
		t.Errorf("entry = %+v", it.Entry)
	}
}

func TestRevokeRefusedByZendesk(t *testing.T) {
	tests := []struct {
		status int
		note   string
	}{
		{403, "Zendesk did not revoke it on 21 Nov 2026 10:00: Zendesk answered HTTP 403 (Forbidden)"},
		{422, "Zendesk did not revoke it on 21 Nov 2026 10:00: Zendesk answered HTTP 422 (RecordInvalid)"},
		{500, "Zendesk did not revoke it on 21 Nov 2026 10:00: Zendesk answered HTTP 500"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("HTTP %d", tt.status), func(t *testing.T) {
			e := synced(t)
			e.emu.InjectFault(zendesktest.EndpointOAuthTokenRevoke, zendesktest.Fault{Status: tt.status})
			it, out, err := e.svc.Revoke(t.Context(), reportingToken, admin(dana))
			if err != nil || out != credentials.Refused {
				t.Fatalf("Revoke = %v, %v; want Refused", out, err)
			}
			if !strings.HasPrefix(it.Entry.Note, tt.note) {
				t.Errorf("Note = %q, want %q", it.Entry.Note, tt.note)
			}
			if it.Entry.State != credentials.Unclaimed || it.Entry.Revoking != nil || !it.Present {
				t.Errorf("entry = %+v", it.Entry)
			}
			if len(e.emu.RevokedOAuthTokens()) != 0 || !slices.ContainsFunc(e.emu.OAuthTokens(), func(x zendesk.OAuthTokenInfo) bool { return x.ID == 880002 }) {
				t.Error("the token is no longer listed")
			}
			if a := e.audit(t, "credential.revoke.failed"); len(a) != 1 || !strings.HasPrefix(a[0].Detail["error"], "Zendesk answered HTTP") {
				t.Errorf("audit = %+v", a)
			}
			if a := e.audit(t, "credential.revoked"); len(a) != 0 {
				t.Errorf("audited as revoked: %+v", a)
			}

			// Once Zendesk agrees, a retry revokes it and clears the note.
			e.emu.ClearFaults()
			it, out, err = e.svc.Revoke(t.Context(), reportingToken, admin(dana))
			if err != nil || out != credentials.RevokedNow {
				t.Fatalf("retry = %v, %v; want RevokedNow", out, err)
			}
			if it.Entry.State != credentials.Revoked || it.Entry.Note != "" {
				t.Errorf("entry = %+v", it.Entry)
			}
		})
	}
}

func TestRevokeAPITokenMarksItToRetire(t *testing.T) {
	e := synced(t)
	e.claim(t, hrSync, agent(priya))
	e.claim(t, billingRecon, agent(priya))

	// A non-owner who is not an admin may not.
	_, _, err := e.svc.Revoke(t.Context(), hrSync, agent(lucas))
	notAllowed(t, err)
	// Nor may anyone but an admin retire an unowned one.
	_, _, err = e.svc.Revoke(t.Context(), zapierExport, agent(lucas))
	if na := notAllowed(t, err); !strings.Contains(na.Why, "claim it first") {
		t.Errorf("Why = %q", na.Why)
	}

	it, out, err := e.svc.Revoke(t.Context(), hrSync, agent(priya))
	if err != nil || out != credentials.MarkedToRetire {
		t.Fatalf("owner's Revoke = %v, %v", out, err)
	}
	if it.Entry.State != credentials.ToRetire || it.Entry.DecidedBy != priya || !it.Present {
		t.Errorf("entry = %+v", it.Entry)
	}
	if it.NeedsAttention() {
		t.Error("a token marked to retire still needs attention")
	}
	for _, id := range []string{billingRecon, zapierExport} { // owned by someone else; unowned
		if _, out, err := e.svc.Revoke(t.Context(), id, admin(omar)); err != nil || out != credentials.MarkedToRetire {
			t.Errorf("admin's Revoke(%s) = %v, %v", id, out, err)
		}
	}
	// Marking again changes nothing.
	if _, out, err := e.svc.Revoke(t.Context(), hrSync, admin(omar)); err != nil || out != credentials.MarkedToRetire {
		t.Errorf("second Revoke = %v, %v", out, err)
	}
	if it := e.item(t, hrSync); it.Entry.DecidedBy != priya {
		t.Errorf("second mark changed the entry: %+v", it.Entry)
	}
	a := e.audit(t, "credential.to-retire")
	if len(a) != 3 || a[0].Actor != priya || a[1].Actor != omar {
		t.Errorf("audit = %+v", a)
	}
	if n := e.emu.Requests(zendesktest.EndpointOAuthTokenRevoke); n != 0 || len(e.emu.APITokens()) != 5 {
		t.Errorf("Zendesk was called: %d revokes, %d tokens left", n, len(e.emu.APITokens()))
	}
}

func TestRevokeOtherKinds(t *testing.T) {
	e := synced(t)
	for _, id := range []string{reportingApp, timesheetApp} {
		if _, _, err := e.svc.Revoke(t.Context(), id, admin(dana)); !errors.Is(err, credentials.ErrNotRevocable) {
			t.Errorf("Revoke(%s): %v, want ErrNotRevocable", id, err)
		}
	}
	if _, _, err := e.svc.Revoke(t.Context(), "oauth-token:1", admin(dana)); !errors.Is(err, credentials.ErrNotFound) {
		t.Errorf("Revoke of an unknown token: %v, want ErrNotFound", err)
	}
}

// TestConcurrentRevokes: twenty clicks on the same token reach Zendesk
// once, and none of them fails.
func TestConcurrentRevokes(t *testing.T) {
	for _, replicas := range []int{1, 4} {
		t.Run(fmt.Sprintf("%d replicas", replicas), func(t *testing.T) {
			e := synced(t)
			svcs := []*credentials.Service{e.svc}
			for i := 1; i < replicas; i++ {
				svcs = append(svcs, e.service(fmt.Sprintf("replica-%d", i)))
			}
			outcomes := make([]credentials.RevokeOutcome, 20)
			errs := make([]error, 20)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					<-start
					_, outcomes[i], errs[i] = svcs[i%len(svcs)].Revoke(t.Context(), reportingToken, admin(dana))
				})
			}
			close(start)
			wg.Wait()

			revokedNow := 0
			for i, err := range errs {
				if err != nil {
					t.Errorf("call %d: %v", i, err)
				}
				switch outcomes[i] {
				case credentials.RevokedNow:
					revokedNow++
				case credentials.AlreadyRevoked, credentials.InProgress:
				default:
					t.Errorf("call %d: outcome %v", i, outcomes[i])
				}
			}
			if n := e.emu.Requests(zendesktest.EndpointOAuthTokenRevoke); n != 1 {
				t.Errorf("%d DELETEs reached Zendesk, want 1", n)
			}
			if revokedNow != 1 {
				t.Errorf("%d calls revoked it, want 1", revokedNow)
			}
			if it := e.item(t, reportingToken); it.Entry.State != credentials.Revoked || it.Entry.Revoking != nil {
				t.Errorf("entry = %+v", it.Entry)
			}
		})
	}
}

func TestRevokeLeaseOfACrashedReplica(t *testing.T) {
	e := synced(t)
	// A replica took the lease, then died before calling Zendesk.
	lease := credentials.Entry{ID: reportingToken, State: credentials.Unclaimed,
		Revoking: &credentials.Lease{By: dana, Holder: "crashed", LeaseUntil: now.Add(time.Minute)}}
	data, err := json.Marshal(lease)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CreateRecord(t.Context(), "credential", reportingToken, data); err != nil {
		t.Fatal(err)
	}
	if it := e.item(t, reportingToken); it.Entry.Revoking == nil || it.Entry.Revoking.Holder != "crashed" {
		t.Fatalf("lease = %+v", it.Entry.Revoking)
	}
	if _, out, err := e.svc.Revoke(t.Context(), reportingToken, admin(omar)); err != nil || out != credentials.InProgress {
		t.Errorf("Revoke within the lease = %v, %v; want InProgress", out, err)
	}
	if n := e.emu.Requests(zendesktest.EndpointOAuthTokenRevoke); n != 0 {
		t.Errorf("%d revoke requests within the lease", n)
	}
	e.clock.Set(now.Add(2 * time.Minute))
	if _, out, err := e.svc.Revoke(t.Context(), reportingToken, admin(omar)); err != nil || out != credentials.RevokedNow {
		t.Errorf("Revoke after the lease = %v, %v; want RevokedNow", out, err)
	}
}

// crashedRevoke stores a revoke lease of dana's, taken by a replica that
// died before recording its revoke.
func (e *env) crashedRevoke(t *testing.T, id string) {
	t.Helper()
	data, err := json.Marshal(credentials.Entry{ID: id, State: credentials.Unclaimed,
		Revoking: &credentials.Lease{By: dana, Holder: "crashed", LeaseUntil: now.Add(time.Minute)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CreateRecord(t.Context(), "credential", id, data); err != nil {
		t.Fatal(err)
	}
}

// TestARevokeLeftUndoneIsFinished: an admin's revoke whose replica died
// after the click was answered is carried out once its lease lapses, in
// the admin's name, whether the replica died before calling Zendesk or
// after; a live lease is left to its replica.
func TestARevokeLeftUndoneIsFinished(t *testing.T) {
	tests := []struct {
		name string
		// revokedInZendesk: the replica died after Zendesk revoked it.
		revokedInZendesk bool
		wantDetail       map[string]string
		wantDeletes      int
	}{
		{"died before calling Zendesk", false, map[string]string{"finished_by": "job:sync"}, 1},
		{"died after Zendesk revoked it", true, map[string]string{"recorded_by": "job:sync", "zendesk": "gone"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := synced(t)
			e.crashedRevoke(t, reportingToken)
			if tt.revokedInZendesk {
				if err := e.client.RevokeOAuthToken(t.Context(), 880002); err != nil {
					t.Fatal(err)
				}
			}
			finish := func() int {
				t.Helper()
				return e.sync(t).Finished
			}
			if n := finish(); !tt.revokedInZendesk && (n != 0 || e.item(t, reportingToken).Entry.State.Ended()) {
				t.Fatalf("a live lease was taken over: %d finished", n)
			}
			e.clock.Set(now.Add(2 * time.Minute))
			finish()
			finish() // a second pass finds nothing to do

			if got := e.emu.RevokedOAuthTokens(); !slices.Equal(got, []int64{880002}) {
				t.Errorf("Zendesk revoked %v, want [880002]", got)
			}
			if n := e.emu.Requests(zendesktest.EndpointOAuthTokenRevoke); n != tt.wantDeletes {
				t.Errorf("%d DELETEs reached Zendesk, want %d", n, tt.wantDeletes)
			}
			if it := e.item(t, reportingToken); it.Entry.State != credentials.Revoked || it.Entry.DecidedBy != dana || it.Entry.Revoking != nil {
				t.Errorf("entry = %+v", it.Entry)
			}
			a := e.audit(t, "credential.revoked")
			if len(a) != 1 || a[0].Actor != dana || !maps.Equal(a[0].Detail, tt.wantDetail) {
				t.Errorf("audit = %+v, want one entry by %s with %v", a, dana, tt.wantDetail)
			}
			if g := e.audit(t, "credential.gone"); len(g) != 0 {
				t.Errorf("a revoked token also audited as gone: %+v", g)
			}
		})
	}
}

// syncingConnector runs the credential sync of another replica while
// Zendesk answers a revoke, so the sync sees the token gone first.
type syncingConnector struct {
	zendesk.Connector
	sync func()
}

func (c syncingConnector) RevokeCredential(ctx context.Context, kind string, id int64) error {
	err := c.Connector.RevokeCredential(ctx, kind, id)
	c.sync()
	return err
}

// TestARevokeTheSyncRecordedFirstIsAuditedOnce: the sync that finds the
// token gone between Zendesk's answer and the replica's record records
// the revoke; the replica does not record it again.
func TestARevokeTheSyncRecordedFirstIsAuditedOnce(t *testing.T) {
	e := synced(t)
	e.svc.Connector = syncingConnector{zendesk.Connector{Client: e.client}, func() { e.service("other").Sync(t.Context(), zendesk.Connector{Client: e.client}, e.emu.URL) }}
	if _, _, err := e.svc.Revoke(t.Context(), reportingToken, admin(dana)); err != nil {
		t.Fatal(err)
	}
	if a := e.audit(t, "credential.revoked"); len(a) != 1 || a[0].Actor != dana {
		t.Errorf("audit = %+v, want one revoke by %s", a, dana)
	}
	if it := e.item(t, reportingToken); it.Entry.State != credentials.Revoked {
		t.Errorf("state %s, want revoked", it.Entry.State)
	}
}

// unconfirmedRevokeRecord fails the write that records a revoke, as a
// Redis whose replica does not confirm it in a failover does: the write
// may have landed or not.
type unconfirmedRevokeRecord struct {
	store.Store
	landed bool
}

func (u unconfirmedRevokeRecord) CompareAndSwapRecord(ctx context.Context, kind, id string, version int64, data []byte) (store.Record, error) {
	if !strings.Contains(string(data), `"state":"revoked"`) {
		return u.Store.CompareAndSwapRecord(ctx, kind, id, version, data)
	}
	if u.landed {
		if _, err := u.Store.CompareAndSwapRecord(ctx, kind, id, version, data); err != nil {
			return store.Record{}, err
		}
	}
	return store.Record{}, errors.New("store: the write reached too few replicas: 0 of 1")
}

// TestARevokeWhoseRecordFailedIsAuditedOnce: when Zendesk revoked a token
// and the register's record of it failed, landed or not, the trail says
// so once, and the sync that finds the token gone does not say it again.
func TestARevokeWhoseRecordFailedIsAuditedOnce(t *testing.T) {
	for _, landed := range []bool{true, false} {
		t.Run(fmt.Sprintf("the write landed: %v", landed), func(t *testing.T) {
			e := synced(t)
			e.svc.Records = unconfirmedRevokeRecord{Store: e.store, landed: landed}
			if _, _, err := e.svc.Revoke(t.Context(), reportingToken, admin(dana)); err == nil {
				t.Fatal("Revoke reported success though its record failed")
			}
			e.svc.Records = e.store
			e.clock.Set(now.Add(2 * time.Minute)) // past the revoke's lease
			e.sync(t)
			if got := e.emu.RevokedOAuthTokens(); !slices.Equal(got, []int64{880002}) {
				t.Errorf("Zendesk revoked %v, want [880002]", got)
			}
			if a := e.audit(t, "credential.revoked"); len(a) != 1 || a[0].Actor != dana {
				t.Errorf("audit = %+v, want one revoke by %s", a, dana)
			}
			if it := e.item(t, reportingToken); it.Entry.State != credentials.Revoked {
				t.Errorf("state %s, want revoked", it.Entry.State)
			}
		})
	}
}

// refusedAudit is an audit trail that refuses every append: a replica
// dying as it writes the entry, or Redis between masters.
type refusedAudit struct{ store.Audit }

func (refusedAudit) AppendAudit(context.Context, store.AuditEntry) (store.AuditEntry, error) {
	return store.AuditEntry{}, errors.New("redisstore: append audit: redis: Conn is in a bad state: EOF")
}

func (refusedAudit) AppendAuditOnce(context.Context, string, store.AuditEntry) (store.AuditEntry, bool, error) {
	return store.AuditEntry{}, false, errors.New("redisstore: append audit: redis: Conn is in a bad state: EOF")
}

// TestARevokeWhoseAuditFailedIsAuditedByTheNextToSayIt: when Zendesk
// revoked a token and neither the entry in the trail nor the register's
// record of it was written (the replica died right there), the sync that
// finds the revoke left under way says so, once.
func TestARevokeWhoseAuditFailedIsAuditedByTheNextToSayIt(t *testing.T) {
	e := synced(t)
	e.svc.Records = unconfirmedRevokeRecord{Store: e.store}
	e.svc.Audit = refusedAudit{e.store}
	if _, _, err := e.svc.Revoke(t.Context(), reportingToken, admin(dana)); err == nil {
		t.Fatal("Revoke reported success though its record failed")
	}
	e.svc.Records, e.svc.Audit = e.store, e.store
	e.clock.Set(now.Add(2 * time.Minute)) // past the revoke's lease
	e.sync(t)
	if a := e.audit(t, "credential.revoked"); len(a) != 1 || a[0].Actor != dana {
		t.Errorf("audit = %+v, want one revoke by %s", a, dana)
	}
	if it := e.item(t, reportingToken); it.Entry.State != credentials.Revoked {
		t.Errorf("state %s, want revoked", it.Entry.State)
	}
}

// TestARevokeRecordedWithoutItsEntryIsAuditedByTheSync: a replica that
// recorded a revoke and died (or met a refusing trail) before its
// credential.revoked entry leaves the revoke marked as owed one, and the
// sync job writes it, once.
func TestARevokeRecordedWithoutItsEntryIsAuditedByTheSync(t *testing.T) {
	e := synced(t)
	e.svc.Audit = refusedAudit{e.store}
	if _, out, err := e.svc.Revoke(t.Context(), reportingToken, admin(dana)); err != nil || out != credentials.RevokedNow {
		t.Fatalf("Revoke = %v, %v; want revoked", out, err)
	}
	if it := e.item(t, reportingToken); it.Entry.State != credentials.Revoked || !it.Entry.AuditPending {
		t.Fatalf("after the refused entry: state %s, owed %v; want revoked and owed", it.Entry.State, it.Entry.AuditPending)
	}
	e.svc.Audit = e.store
	for range 2 { // the job runs again: nothing more
		e.sync(t)
	}
	if a := e.audit(t, "credential.revoked"); len(a) != 1 || a[0].Actor != dana {
		t.Errorf("audit = %+v, want one revoke by %s", a, dana)
	}
	if it := e.item(t, reportingToken); it.Entry.AuditPending {
		t.Error("the revoke is still marked as owed its entry")
	}
}

// With step-up on revokes, an admin's revoke counts only once they have
// signed in again; a non-admin is refused before any sign-in.
func TestRevokeNeedsStepUp(t *testing.T) {
	e := synced(t)
	e.svc.Policy.StepUpRevoke = true
	if _, _, err := e.svc.Revoke(t.Context(), seatGovToken, agent(priya)); errors.Is(err, credentials.ErrStepUpRequired) || err == nil {
		t.Errorf("a non-admin's revoke: %v, want refused", err)
	}
	if _, _, err := e.svc.Revoke(t.Context(), seatGovToken, admin(dana)); !errors.Is(err, credentials.ErrStepUpRequired) {
		t.Fatalf("an admin's revoke: %v", err)
	}
	if n := e.emu.Requests(zendesktest.EndpointOAuthTokenRevoke); n != 0 {
		t.Fatalf("%d revoke requests before the sign-in", n)
	}
	a := admin(dana)
	a.Reauthenticated = true
	if _, out, err := e.svc.Revoke(t.Context(), seatGovToken, a); err != nil || out != credentials.RevokedNow {
		t.Errorf("after the sign-in: %v, %v", out, err)
	}
}

// leavers is a directory that says who left.
type leavers struct {
	left map[string]time.Time
	err  error
}

func (l leavers) Departed(context.Context) (map[string]time.Time, error) { return l.left, l.err }

// A credential whose owner the directory says left is an orphan at once,
// though the SaaS still shows them; a directory that cannot be read
// changes nothing.
func TestOwnerLeftPerTheDirectory(t *testing.T) {
	e := synced(t)
	ctx := t.Context()
	if _, err := e.svc.Claim(ctx, hrSync, agent(priya), credentials.Claim{Purpose: "Nightly export", NextReview: day(90)}); err != nil {
		t.Fatal(err)
	}
	reasons := func() []credentials.Reason {
		t.Helper()
		ev, err := e.svc.Evaluate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(ev.Items, func(it credentials.Item) bool { return it.ID == hrSync })
		return ev.Items[i].Reasons
	}
	if r := reasons(); slices.ContainsFunc(r, func(r credentials.Reason) bool { return r.Code == credentials.OwnerGone }) {
		t.Fatalf("before the directory says anything: %v", r)
	}
	e.svc.Directory = leavers{left: map[string]time.Time{priya: now.AddDate(0, 0, -3)}}
	want := credentials.Reason{Code: credentials.OwnerGone, Text: "Its owner " + priya + " left on " + now.AddDate(0, 0, -3).Format("2 Jan 2006")}
	if r := reasons(); !slices.Contains(r, want) {
		t.Errorf("reasons %v, want %v", r, want)
	}
	e.svc.Directory = leavers{err: errors.New("store down")}
	if r := reasons(); slices.ContainsFunc(r, func(r credentials.Reason) bool { return r.Code == credentials.OwnerGone }) {
		t.Errorf("an unreadable directory made the owner gone: %v", r)
	}
}
