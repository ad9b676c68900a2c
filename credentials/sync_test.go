package credentials_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/store"
)

func counts(api, oauthTokens, clients, apps int) map[credentials.Kind]int {
	return map[credentials.Kind]int{
		credentials.APIToken: api, credentials.OAuthToken: oauthTokens, credentials.OAuthClient: clients, credentials.App: apps,
	}
}

func TestSyncReadsEveryKind(t *testing.T) {
	e := newEnv(t)
	res := e.sync(t)
	if diff := cmp.Diff(counts(5, 6, 3, 4), res.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if len(res.Problems) != 0 || len(res.Ended) != 0 {
		t.Errorf("problems %v, ended %v", res.Problems, res.Ended)
	}

	inv, err := e.svc.Inventory(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !inv.SyncedAt.Equal(now) || inv.Account != e.emu.URL || inv.APITokensDisabled {
		t.Errorf("inventory header: synced %s, account %q, disabled %v", inv.SyncedAt, inv.Account, inv.APITokensDisabled)
	}
	var ids []string
	for _, c := range inv.Credentials {
		ids = append(ids, c.ID)
	}
	want := []string{hrSync, zapierExport, oldReporting, billingRecon, chatMigration,
		seatGovToken, reportingToken, "oauth-token:880003", "oauth-token:880004", mobileHannah, reportingImp,
		"oauth-client:7701", reportingApp, "oauth-client:7703",
		"app:361234500001", timesheetApp, "app:361234500003", "app:361234500004"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("inventory order (-want +got):\n%s", diff)
	}

	byID := map[string]credentials.Credential{}
	for _, c := range inv.Credentials {
		byID[c.ID] = c
	}
	if c := byID[oldReporting]; c.Name != "Old reporting script" || c.ActsAs != graceID || c.ActsAsEmail != grace || !c.Active {
		t.Errorf("API token = %+v", c)
	}
	if c := byID[chatMigration]; c.Active {
		t.Errorf("deactivated API token read as active")
	}
	if c := byID[reportingImp]; c.Name != "Reporting Dashboard" || c.Client != 7702 || c.ActsAs != danaID ||
		!slices.Equal(c.Scopes, []string{"impersonate", "read"}) || !c.LastUsedAt.IsZero() {
		t.Errorf("OAuth token = %+v", c)
	}
	// A client is last used when its most recent token was.
	if c := byID[reportingApp]; c.LastUsedAt.IsZero() || !c.LastUsedAt.Equal(byID[reportingToken].LastUsedAt) {
		t.Errorf("OAuth client last used %s, want its token's %s", c.LastUsedAt, byID[reportingToken].LastUsedAt)
	}
	if c := byID["app:361234500004"]; c.Name != "Legacy CTI Connector" || c.Active {
		t.Errorf("app = %+v", c)
	}

	// The sample's register: who acts as whom, and what is wrong.
	ev, err := e.svc.Evaluate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string][]credentials.ReasonCode{}
	for _, it := range ev.Items {
		for _, r := range it.Reasons {
			reasons[it.ID] = append(reasons[it.ID], r.Code)
		}
	}
	for id, want := range map[string][]credentials.ReasonCode{
		oldReporting: {credentials.NoOwner, credentials.ActsAsGone, credentials.Unused},
		mobileHannah: {credentials.NoOwner, credentials.ActsAsGone},
		hrSync:       {credentials.NoOwner},
		timesheetApp: {credentials.NoOwner},
	} {
		if !slices.Equal(reasons[id], want) {
			t.Errorf("%s: reasons %v, want %v", id, reasons[id], want)
		}
	}
}

// TestSyncStoresNoSecrets: the emulator serves token values, prefixes,
// refresh tokens, client secrets and app settings as Zendesk does; none
// of them may reach the store.
func TestSyncStoresNoSecrets(t *testing.T) {
	e := newEnv(t)
	e.sync(t)
	e.claim(t, seatGovToken, admin(dana))

	var secrets []string
	for _, tok := range e.org.APITokens {
		secrets = append(secrets, tok.Token, tok.Token[:6])
	}
	for _, tok := range e.org.OAuthTokens {
		secrets = append(secrets, tok.Token, tok.Token[:10], tok.RefreshToken)
	}
	for _, c := range e.org.OAuthClients {
		secrets = append(secrets, c.Secret)
	}
	for _, in := range e.org.Installations {
		for _, k := range []string{"api_key", "sip_password"} {
			if v, ok := in.Settings[k].(string); ok {
				secrets = append(secrets, v)
			}
		}
	}
	if len(secrets) < 30 {
		t.Fatalf("only %d secrets in the sample", len(secrets))
	}
	for _, s := range secrets {
		if len(s) < 6 {
			t.Fatalf("secret %q too short to look for", s)
		}
	}

	rec, err := e.store.GetRecord(t.Context(), "credential-inventory", "current")
	if err != nil {
		t.Fatal(err)
	}
	stored := [][]byte{rec.Data}
	entries, err := e.store.ListRecords(t.Context(), "credential")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range entries {
		stored = append(stored, r.Data)
	}
	audit, err := e.store.ListAudit(t.Context(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range audit {
		stored = append(stored, []byte(a.Actor+a.Subject+strings.Join(slices.Collect(mapValues(a.Detail)), " ")))
	}
	for _, data := range stored {
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("stored record holds secret %q…", s[:4])
			}
		}
		for _, field := range []string{`"token"`, `"refresh_token"`, `"secret"`, `"api_key"`, `"settings"`, `"visible_token"`} {
			if bytes.Contains(data, []byte(field)) {
				t.Errorf("stored record has a %s field", field)
			}
		}
	}
}

func mapValues(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

func TestSyncAPITokensDisabled(t *testing.T) {
	e := newEnv(t)
	e.emu.DisableAPITokens()
	res, err := e.svc.Sync(t.Context(), zendesk.Connector{Client: e.client}, e.emu.URL)
	if err != nil {
		t.Fatalf("Sync with token access off: %v", err)
	}
	if diff := cmp.Diff(counts(0, 6, 3, 4), res.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if len(res.Problems) != 0 {
		t.Errorf("problems %v: token access off is not a failure", res.Problems)
	}
	inv, err := e.svc.Inventory(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !inv.APITokensDisabled {
		t.Error("APITokensDisabled = false")
	}
	ev, err := e.svc.Evaluate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if sum := ev.Summarize(berlin); !sum.APITokens.Disabled || sum.APITokens.Remaining != 0 {
		t.Errorf("countdown = %+v", sum.APITokens)
	}
}

func TestSyncKeepsAKindThatCannotBeRead(t *testing.T) {
	e := newEnv(t)
	e.sync(t)
	before, err := e.svc.Inventory(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	prevTokens := credentialsOf(before, credentials.OAuthToken)
	prevClient := find(t, before, reportingApp)

	// Meanwhile: one API token deleted, another used, an OAuth token
	// issued; and the OAuth token list answers 500 beyond the retries.
	e.emu.DeleteAPIToken(5503)
	e.emu.UseAPIToken(5502, now.Add(-time.Hour))
	e.emu.AddOAuthToken(zendesktest.SeedOAuthToken{OAuthTokenInfo: oauthTokenInfo(880050, 7701, danaID)})
	e.emu.InjectFault(zendesktest.EndpointOAuthTokens, zendesktest.Fault{Status: 500})

	res, err := e.svc.Sync(t.Context(), zendesk.Connector{Client: e.client}, e.emu.URL)
	if err == nil {
		t.Fatal("Sync returned no error with OAuth tokens unreadable")
	}
	if !strings.Contains(err.Error(), "OAuth token") {
		t.Errorf("error %q does not name the kind", err)
	}
	want := map[credentials.Kind]string{credentials.OAuthToken: "Zendesk did not answer; the next run tries again"}
	if diff := cmp.Diff(want, res.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(counts(4, 6, 3, 4), res.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}

	after, err := e.svc.Inventory(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, after.Problems); diff != "" {
		t.Errorf("inventory problems (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(prevTokens, credentialsOf(after, credentials.OAuthToken)); diff != "" {
		t.Errorf("OAuth tokens not kept from the previous sync (-want +got):\n%s", diff)
	}
	if _, ok := findOK(after, oldReporting); ok {
		t.Error("deleted API token still in the inventory")
	}
	if c := find(t, after, zapierExport); !c.LastUsedAt.Equal(now.Add(-time.Hour).UTC().Truncate(time.Second)) {
		t.Errorf("API token last used %s, not updated", c.LastUsedAt)
	}
	// The clients were read, but their last use comes from their tokens:
	// the kept ones still tell it.
	if c := find(t, after, reportingApp); !c.LastUsedAt.Equal(prevClient.LastUsedAt) {
		t.Errorf("OAuth client last used %s, want %s kept from its tokens", c.LastUsedAt, prevClient.LastUsedAt)
	}
	ev, err := e.svc.Evaluate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range ev.Items {
		if it.Kind == credentials.OAuthClient && slices.ContainsFunc(it.Reasons, func(r credentials.Reason) bool { return r.Code == credentials.Unused }) &&
			!prevHasUnused(t, before, it.ID) {
			t.Errorf("%s became unused because its tokens could not be read: %v", it.ID, it.Reasons)
		}
	}

	// The next sync that can read them replaces them and clears the problem.
	e.emu.ClearFaults()
	res = e.sync(t)
	if len(res.Problems) != 0 || res.Counts[credentials.OAuthToken] != 7 {
		t.Errorf("after recovery: problems %v, counts %v", res.Problems, res.Counts)
	}
}

func prevHasUnused(t *testing.T, inv *credentials.Inventory, id string) bool {
	t.Helper()
	ev := credentials.Evaluate(inv, nil, nil, policy, now)
	for _, it := range ev.Items {
		if it.ID == id {
			return slices.ContainsFunc(it.Reasons, func(r credentials.Reason) bool { return r.Code == credentials.Unused })
		}
	}
	return false
}

func TestSyncNothingReadable(t *testing.T) {
	e := newEnv(t)
	e.sync(t)
	e.claim(t, hrSync, admin(dana))
	before, err := e.store.GetRecord(t.Context(), "credential-inventory", "current")
	if err != nil {
		t.Fatal(err)
	}
	e.emu.InjectFault(zendesktest.AllEndpoints, zendesktest.Fault{Status: 500})

	res, err := e.svc.Sync(t.Context(), zendesk.Connector{Client: e.client}, e.emu.URL)
	if err == nil {
		t.Fatal("Sync returned no error with nothing readable")
	}
	if len(res.Ended) != 0 {
		t.Errorf("ended %v", res.Ended)
	}
	after, err := e.store.GetRecord(t.Context(), "credential-inventory", "current")
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != before.Version || !bytes.Equal(after.Data, before.Data) {
		t.Error("the previous inventory was replaced")
	}
	if it := e.item(t, hrSync); it.Entry.State != credentials.Claimed || !it.Present {
		t.Errorf("claimed token after a failed sync: %s, present %v", it.Entry.State, it.Present)
	}
}

func TestSyncEndsCredentialsGoneFromZendesk(t *testing.T) {
	e := newEnv(t)
	e.sync(t)
	e.claim(t, hrSync, admin(dana))
	e.claim(t, zapierExport, agent(omar))
	if _, out, err := e.svc.Revoke(t.Context(), zapierExport, agent(omar)); err != nil || out != credentials.MarkedToRetire {
		t.Fatalf("Revoke API token = %v, %v", out, err)
	}
	e.claim(t, billingRecon, admin(dana)) // stays

	e.clock.Set(now.Add(24 * time.Hour))
	e.emu.DeleteAPIToken(5501)
	e.emu.DeleteAPIToken(5502)
	e.emu.DeleteAPIToken(5503) // nobody claimed it: nothing to end
	res := e.sync(t)
	if diff := cmp.Diff([]string{hrSync, zapierExport}, res.Ended); diff != "" {
		t.Errorf("ended (-want +got):\n%s", diff)
	}

	later := now.Add(24 * time.Hour)
	for id, want := range map[string]credentials.State{hrSync: credentials.Gone, zapierExport: credentials.Gone, billingRecon: credentials.Claimed} {
		it := e.item(t, id)
		if it.Entry.State != want {
			t.Errorf("%s: state %s, want %s", id, it.Entry.State, want)
		}
		if want == credentials.Gone && (it.Present || !it.Entry.EndedAt.Equal(later) || it.Name == "") {
			t.Errorf("%s: present %v, ended at %s, name %q", id, it.Present, it.Entry.EndedAt, it.Name)
		}
	}
	gone, retired := e.audit(t, "credential.gone"), e.audit(t, "credential.retired")
	if len(gone) != 1 || gone[0].Subject != "credential:"+hrSync || gone[0].Actor != "job:sync" || gone[0].Detail["was"] != "claimed" {
		t.Errorf("credential.gone audit = %+v", gone)
	}
	if len(retired) != 1 || retired[0].Subject != "credential:"+zapierExport || retired[0].Actor != "job:sync" || retired[0].Detail["was"] != "to-retire" {
		t.Errorf("credential.retired audit = %+v", retired)
	}

	// Ended ones are shown, but nothing more can be decided.
	if _, err := e.svc.Claim(t.Context(), hrSync, admin(dana), validClaim(hrSync)); !errors.Is(err, credentials.ErrEnded) {
		t.Errorf("Claim of a gone token: %v, want ErrEnded", err)
	}
	if _, _, err := e.svc.Revoke(t.Context(), zapierExport, admin(dana)); !errors.Is(err, credentials.ErrEnded) {
		t.Errorf("Revoke of a gone API token: %v, want ErrEnded", err)
	}

	// A second sync ends nothing more.
	if res := e.sync(t); len(res.Ended) != 0 {
		t.Errorf("second sync ended %v", res.Ended)
	}
	if n := len(e.audit(t, "credential.gone")) + len(e.audit(t, "credential.retired")); n != 2 {
		t.Errorf("%d end audits after the second sync, want 2", n)
	}
}

func TestSyncKeepsEntriesOfAKindThatCannotBeRead(t *testing.T) {
	e := newEnv(t)
	e.sync(t)
	e.claim(t, seatGovToken, admin(dana))
	e.emu.InjectFault(zendesktest.EndpointOAuthTokens, zendesktest.Fault{Status: 500})
	res, err := e.svc.Sync(t.Context(), zendesk.Connector{Client: e.client}, e.emu.URL)
	if err == nil {
		t.Fatal("no error")
	}
	if len(res.Ended) != 0 {
		t.Errorf("ended %v while OAuth tokens were unreadable", res.Ended)
	}
	if it := e.item(t, seatGovToken); it.Entry.State != credentials.Claimed || !it.Present {
		t.Errorf("state %s, present %v", it.Entry.State, it.Present)
	}
}

// TestSyncPaginationLowerBound: an account at Zendesk's limits is read in
// the fewest requests the page sizes allow: one for the 256 API tokens,
// five pages of 100 clients, 200 pages of 100 OAuth tokens and one for
// the apps.
func TestSyncPaginationLowerBound(t *testing.T) {
	if testing.Short() {
		t.Skip("20,000 OAuth tokens")
	}
	org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{
		Users: 400, Seed: 11, Now: now,
		APITokens: 256, OAuthClients: 500, OAuthTokens: 20_000,
	})
	owner, ok := org.User(org.OwnerID)
	if !ok {
		t.Fatal("generated org has no owner")
	}
	e := newEnvWith(t, org, owner.Email)
	e.emu.ResetCounters()
	res := e.sync(t)
	if diff := cmp.Diff(counts(256, 20_000, 500, 0), res.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	got := map[string]int{}
	total := 0
	for _, ep := range []string{zendesktest.EndpointAPITokens, zendesktest.EndpointOAuthClients, zendesktest.EndpointOAuthTokens, zendesktest.EndpointAppInstallations} {
		got[ep] = e.emu.Requests(ep)
		total += got[ep]
	}
	want := map[string]int{zendesktest.EndpointAPITokens: 1, zendesktest.EndpointOAuthClients: 5, zendesktest.EndpointOAuthTokens: 200, zendesktest.EndpointAppInstallations: 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if total != 207 || e.emu.TotalRequests() != 207 {
		t.Errorf("%d credential requests, %d in all; want 207", total, e.emu.TotalRequests())
	}
}

func TestSyncAnotherAccountStartsOver(t *testing.T) {
	e := newEnv(t)
	e.sync(t)
	e.emu.InjectFault(zendesktest.EndpointOAuthTokens, zendesktest.Fault{Status: 500})
	res, err := e.svc.Sync(t.Context(), zendesk.Connector{Client: e.client}, "https://other.zendesk.com")
	if err == nil {
		t.Fatal("no error")
	}
	// Nothing of the other account's OAuth tokens is kept.
	if res.Counts[credentials.OAuthToken] != 0 {
		t.Errorf("kept %d OAuth tokens of another account", res.Counts[credentials.OAuthToken])
	}
}

func TestInventoryBeforeFirstSync(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.Inventory(t.Context()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Inventory: %v, want store.ErrNotFound", err)
	}
	if _, err := e.svc.Evaluate(t.Context()); !errors.Is(err, credentials.ErrNoInventory) {
		t.Errorf("Evaluate: %v, want ErrNoInventory", err)
	}
	if _, err := e.svc.Item(t.Context(), hrSync); !errors.Is(err, credentials.ErrNoInventory) {
		t.Errorf("Item: %v, want ErrNoInventory", err)
	}
}

func credentialsOf(inv *credentials.Inventory, k credentials.Kind) []credentials.Credential {
	var out []credentials.Credential
	for _, c := range inv.Credentials {
		if c.Kind == k {
			out = append(out, c)
		}
	}
	return out
}

func findOK(inv *credentials.Inventory, id string) (credentials.Credential, bool) {
	for _, c := range inv.Credentials {
		if c.ID == id {
			return c, true
		}
	}
	return credentials.Credential{}, false
}

func find(t *testing.T, inv *credentials.Inventory, id string) credentials.Credential {
	t.Helper()
	c, ok := findOK(inv, id)
	if !ok {
		t.Fatalf("%s not in the inventory", id)
	}
	return c
}
