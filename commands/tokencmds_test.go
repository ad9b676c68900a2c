package commands

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// The sample account's credentials the tests decide on.
const (
	hrSync       = "api-token:5501"     // Dana's, used 3 days ago
	oldScript    = "api-token:5503"     // created by Grace, who was deleted
	dashboardRW  = "oauth-token:880003" // Omar's, read+write, idle 40 days
	mobileTom    = "oauth-token:880004" // acts as Tom, idle 100 days
	timesheetApp = "app:361234500002"
)

type tokenFixture struct {
	*fixture
	emu    *zendesktest.Server
	svc    *credentials.Service
	router *Router
}

// newTokenFixture syncs the sample account's seats and credentials into a
// real store and builds the commands over them.
func newTokenFixture(t *testing.T) *tokenFixture {
	t.Helper()
	f := &tokenFixture{fixture: newFixture(t, nil)}
	f.emu = zendesktest.NewServer(zendesktest.SampleOrg(now), zendesktest.WithOAuthClient("cmd", "secret", true),
		zendesktest.WithClock(func() time.Time { return now }))
	t.Cleanup(f.emu.Close)
	zd, err := zendesk.New(zendesk.Config{BaseURL: f.emu.URL, Auth: zendesk.OAuthClientCredentials("cmd", "secret"),
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, RequestsPerMinute: 100_000, MaxRetries: -1,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return now }
	if _, err := (&seats.Syncer{Source: zendesk.Connector{Client: zd}, Connector: connector.Zendesk, Store: f.store, Account: f.emu.URL, Now: clock}).Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.svc = &credentials.Service{Records: f.store, Audit: f.store, Snapshots: f.store, Connector: zendesk.Connector{Client: zd}, Now: clock, Holder: "test",
		Policy: credentials.Policy{Location: f.deps.Policy.Location, UnusedDays: 90}}
	if _, err := f.svc.Sync(t.Context(), zendesk.Connector{Client: zd}, f.emu.URL); err != nil {
		t.Fatal(err)
	}
	f.deps.Admins = []string{acmeAdmin}
	f.deps.Owners = seats.NewOwners(acmeAdmin, seats.GroupOwner{Group: "Tier 2", Owner: acmeOmar})
	f.deps.Credentials = f.svc
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *tokenFixture) submit(who, formID, recordID string, values map[string]string) bot.Message {
	return f.router.Handle(context.Background(), bot.Request{Platform: bot.PlatformSlack, User: user(who),
		Form: &bot.FormSubmission{FormID: formID, RecordID: recordID, Values: values}})
}

// audited reports whether the trail holds action on credential id.
func (f *tokenFixture) audited(t *testing.T, action, id string) bool {
	t.Helper()
	return f.auditedSubject(t, action, "credential:"+id)
}

// auditedSubject reports whether the trail holds action on subject.
func (f *tokenFixture) auditedSubject(t *testing.T, action, subject string) bool {
	t.Helper()
	entries, err := f.store.ListAudit(t.Context(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(entries, func(e store.AuditEntry) bool { return e.Action == action && e.Subject == subject })
}

// TestTokensAnswers: the register's questions, as admins and owners see
// them, and what everyone else is told.
func TestTokensAnswers(t *testing.T) {
	f := newTokenFixture(t)
	for _, tc := range []struct{ name, who, text string }{
		{"overview", acmeAdmin, "tokens"},
		{"orphaned", acmeAdmin, "tokens orphaned"},
		{"show an API token", acmeAdmin, "tokens show " + hrSync},
		{"show an app", acmeAdmin, "tokens show " + timesheetApp},
		{"mine before claiming", acmeOmar, "tokens mine"},
	} {
		t.Run(tc.name, func(t *testing.T) { goldenJSON(t, ask(f.router, tc.who, tc.text)) })
	}

	refusals := []struct{ name, who, text, want string }{
		{"overview is for admins", acmeLee, "tokens", `"tokens" is only for Zendesk admins`},
		{"orphans are for admins", acmeLee, "tokens orphaned", `"tokens orphaned" is only for Zendesk admins`},
		{"show of someone else's", acmeLee, "tokens show " + hrSync, "is not yours"},
		{"not an id", acmeAdmin, "tokens show 5501", `"5501" is not a credential ID`},
		{"unknown kind", acmeAdmin, "tokens show ssh-key:1", "is not a credential ID"},
		{"leading zero", acmeAdmin, "tokens show api-token:05501", "is not a credential ID"},
		{"unknown id", acmeAdmin, "tokens show api-token:999", "No credential api-token:999 in the register"},
		{"two ids", acmeAdmin, "tokens claim api-token:5501 api-token:5502", "takes one credential ID"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			line := errorLine(t, ask(f.router, r.who, r.text))
			if !strings.Contains(line, r.want) {
				t.Errorf("got %q, want it to contain %q", line, r.want)
			}
		})
	}
}

// TestClaimForm: claiming asks what the credential is for; every bad
// field is an error on that field and writes nothing; a good claim names
// the owner and shows in their tokens mine.
func TestClaimForm(t *testing.T) {
	f := newTokenFixture(t)
	form := ask(f.router, acmeOmar, "tokens claim "+dashboardRW)
	if form.Form == nil || form.Form.ID != prompts.FormTokenClaim {
		t.Fatalf("tokens claim did not open the claim form: %+v", form)
	}
	t.Run("form", func(t *testing.T) { goldenJSON(t, form) })
	record := form.Form.RecordID

	good := map[string]string{prompts.InputPurpose: "SLA dashboards for the support leads", prompts.InputScopes: "read",
		prompts.InputNextReview: "2027-02-01", prompts.InputRetireWhen: "when the dashboards move to Explore"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for key, val := range good {
			m[key] = val
		}
		m[k] = v
		return m
	}
	bad := []struct {
		name   string
		values map[string]string
		field  string
	}{
		{"empty purpose", with(prompts.InputPurpose, "  "), prompts.InputPurpose},
		{"review date in the past", with(prompts.InputNextReview, "2026-11-01"), prompts.InputNextReview},
		{"review date today", with(prompts.InputNextReview, "2026-11-20"), prompts.InputNextReview},
		{"review date more than 365 days out", with(prompts.InputNextReview, "2027-11-30"), prompts.InputNextReview},
		{"not a date", with(prompts.InputNextReview, "next spring"), prompts.InputNextReview},
		{"no scopes for an OAuth token", with(prompts.InputScopes, ""), prompts.InputScopes},
		{"not a scope", with(prompts.InputScopes, "everything"), prompts.InputScopes},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			got := f.submit(acmeOmar, prompts.FormTokenClaim, record, b.values)
			if got.Form == nil {
				t.Fatalf("no form with the error: %+v", got)
			}
			for _, in := range got.Form.Inputs {
				if (in.Error != "") != (in.ID == b.field) {
					t.Errorf("input %s: error %q", in.ID, in.Error)
				}
				if v, ok := b.values[in.ID]; ok && in.Initial != v {
					t.Errorf("input %s lost what was typed: %q, want %q", in.ID, in.Initial, v)
				}
			}
			if recs, _ := f.store.ListRecords(t.Context(), "credential"); len(recs) != 0 {
				t.Errorf("a refused claim wrote %d register entries", len(recs))
			}
		})
	}
	t.Run("error", func(t *testing.T) { goldenJSON(t, f.submit(acmeOmar, prompts.FormTokenClaim, record, bad[2].values)) })

	claimed := f.submit(acmeOmar, prompts.FormTokenClaim, record, good)
	if claimed.Delivery != bot.ReplaceOriginal || !strings.Contains(text(claimed), "Owner: omar@acme.example") {
		t.Fatalf("claim did not redraw the credential with its owner: %s", text(claimed))
	}
	t.Run("claimed", func(t *testing.T) { goldenJSON(t, claimed) })
	if !f.audited(t, "credential.claimed", dashboardRW) {
		t.Error("claim not audited")
	}
	if mine := ask(f.router, acmeOmar, "tokens mine"); !strings.Contains(text(mine), dashboardRW) {
		t.Errorf("tokens mine does not list the claimed token: %s", text(mine))
	}
	// It holds write, more than the stated read: an orphan rule.
	if it, _ := f.svc.Item(t.Context(), dashboardRW); !slices.ContainsFunc(it.Reasons, func(r credentials.Reason) bool { return r.Code == credentials.BroaderScopes }) {
		t.Errorf("a token holding write with read stated is not flagged: %+v", it.Reasons)
	}
	// Someone else cannot take it over; an admin can.
	if line := errorLine(t, ask(f.router, acmeLee, "tokens claim "+dashboardRW)); !strings.Contains(line, "omar@acme.example owns") {
		t.Errorf("takeover by a stranger: %q", line)
	}
	if got := ask(f.router, acmeAdmin, "tokens claim "+dashboardRW); got.Form == nil {
		t.Errorf("an admin cannot reclaim: %+v", got)
	}
}

// TestRevoke: only admins revoke OAuth tokens, Zendesk's refusal is shown
// and changes nothing, a token already gone is "already revoked", and an
// API token is marked to retire with the Admin Center steps.
func TestRevoke(t *testing.T) {
	f := newTokenFixture(t)
	value := prompts.TokenValue("", mobileTom)

	t.Run("non-admin refused and audited", func(t *testing.T) {
		line := errorLine(t, click(f.router, acmeOmar, prompts.ActionTokenRevoke, value))
		if !strings.Contains(line, "only admins can revoke") {
			t.Errorf("got %q", line)
		}
		if !f.audited(t, "credential.revoke.refused", mobileTom) {
			t.Error("refusal not audited")
		}
		if n := len(f.emu.RevokedOAuthTokens()); n != 0 {
			t.Errorf("%d tokens revoked in Zendesk", n)
		}
	})
	t.Run("Zendesk refuses", func(t *testing.T) {
		f.emu.InjectFault(zendesktest.EndpointOAuthTokenRevoke, zendesktest.Fault{Status: http.StatusForbidden, Times: 1})
		got := click(f.router, acmeAdmin, prompts.ActionTokenRevoke, value)
		if !strings.Contains(text(got), "Zendesk did not revoke it") || strings.Contains(text(got), "Revoked by") {
			t.Errorf("refusal not shown on the message: %s", text(got))
		}
		if it, _ := f.svc.Item(t.Context(), mobileTom); it.Entry.State.Ended() {
			t.Errorf("register ended a token Zendesk kept: %s", it.Entry.State)
		}
		goldenJSON(t, got)
	})
	t.Run("admin revokes", func(t *testing.T) {
		got := click(f.router, acmeAdmin, prompts.ActionTokenRevoke, value)
		if got.Delivery != bot.ReplaceOriginal || !strings.Contains(text(got), "Revoked by dana@acme.example") {
			t.Errorf("revoke not shown in place: %s", text(got))
		}
		if ids := f.emu.RevokedOAuthTokens(); len(ids) != 1 || ids[0] != 880004 {
			t.Errorf("Zendesk revoked %v", ids)
		}
		goldenJSON(t, got)
	})
	t.Run("again is already revoked", func(t *testing.T) {
		got := click(f.router, acmeAdmin, prompts.ActionTokenRevoke, value)
		if !strings.Contains(text(got), "Revoked by") || len(got.Sections[0].Actions) != 0 {
			t.Errorf("second revoke: %s", text(got))
		}
		if n := len(f.emu.RevokedOAuthTokens()); n != 1 {
			t.Errorf("Zendesk asked %d times", n)
		}
	})
	t.Run("API token retire", func(t *testing.T) {
		got := click(f.router, acmeAdmin, prompts.ActionTokenRevoke, prompts.TokenValue("", oldScript))
		if !strings.Contains(text(got), "Admin Center") {
			t.Errorf("no Admin Center steps: %s", text(got))
		}
		goldenJSON(t, got)
	})
	t.Run("tampered", func(t *testing.T) {
		for _, v := range []string{"", mobileTom, "-|oauth-token:0", "2026-W47:eve@x|" + mobileTom + "x", "1999-W01:dana@acme.example|" + mobileTom} {
			if line := errorLine(t, click(f.router, acmeAdmin, prompts.ActionTokenRevoke, v)); !strings.Contains(line, "does not name a credential") {
				t.Errorf("%q: %q", v, line)
			}
		}
	})
}
