package credentials_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/store"
)

// Members of the sample GitHub organization.
const (
	octoID  int64 = 583231 // octocat, an owner
	monaID  int64 = 583232 // mona, a member
	gone    int64 = 583299 // left the organization
	octo          = "octocat@acme.example"
	monaEml       = "mona@acme.example"
)

func gitHubSnapshot() *store.Snapshot {
	return &store.Snapshot{
		SyncedAt: now, Connector: connector.GitHub, Account: "acme",
		Roster: connector.Roster{Staff: []connector.Staff{
			{ID: octoID, Name: "The Octocat", Email: octo, Role: "admin", Privileged: true},
			{ID: monaID, Name: "Mona Lisa", Email: monaEml, Role: "member"},
		}},
	}
}

// pat is a fine-grained token acting as mona, used an hour ago, expiring
// in 60 days.
func pat(id int64, edit ...func(*credentials.Credential)) credentials.Credential {
	c := credentials.Credential{
		ID: credentials.IDOf(credentials.FineGrainedToken, id), Kind: credentials.FineGrainedToken, SaaSID: id,
		Name: "release bot", ActsAs: monaID, ActsAsName: "mona", Active: true, CreatedAt: day(-100),
		LastUsedAt: now.Add(-time.Hour), ExpiresAt: day(60), Scopes: []string{"repository:contents:write", "repository:metadata:read"},
	}
	for _, e := range edit {
		e(&c)
	}
	return c
}

func evaluateGitHub(t *testing.T, c credentials.Credential, e credentials.Entry) credentials.Item {
	t.Helper()
	entries := map[string]credentials.Entry{}
	if e.ID != "" {
		entries[e.ID] = e
	}
	inv := &credentials.Inventory{SaaS: connector.GitHub, Account: "acme", Credentials: []credentials.Credential{c}}
	ev := credentials.Evaluate(inv, entries, gitHubSnapshot(), policy, now)
	if len(ev.Items) != 1 {
		t.Fatalf("Evaluate gave %d items, want 1", len(ev.Items))
	}
	return ev.Items[0]
}

func TestEvaluateFineGrainedTokens(t *testing.T) {
	id := credentials.IDOf(credentials.FineGrainedToken, 9001)
	expires := func(days int) func(*credentials.Credential) {
		return func(c *credentials.Credential) { c.ExpiresAt = day(days) }
	}
	f := func(code credentials.FlagCode, text string) credentials.Flag {
		return credentials.Flag{Code: code, Text: text}
	}
	r := func(code credentials.ReasonCode, text string) credentials.Reason {
		return credentials.Reason{Code: code, Text: text}
	}
	ownedBy := func(owner string, scopes ...string) credentials.Entry {
		e := owned(id, owner)
		e.Scopes = scopes
		return e
	}

	tests := []struct {
		name      string
		cred      credentials.Credential
		entry     credentials.Entry
		flags     []credentials.Flag
		reasons   []credentials.Reason
		label     string
		attention bool
	}{
		{name: "owned, expiring in 60 days: nothing to say", cred: pat(9001), entry: ownedBy(monaEml), label: monaEml},
		{name: "expires in 14 days", cred: pat(9001, expires(14)), entry: ownedBy(monaEml), label: monaEml, attention: true,
			flags: []credentials.Flag{f(credentials.Expiring, "Expires on 5 Dec 2026 (14 days left): renew it or let it go")}},
		{name: "expires tomorrow", cred: pat(9001, expires(1)), entry: ownedBy(monaEml), label: monaEml, attention: true,
			flags: []credentials.Flag{f(credentials.Expiring, "Expires on 22 Nov 2026 (1 day left): renew it or let it go")}},
		{name: "expired", cred: pat(9001, expires(-3), func(c *credentials.Credential) { c.Active = false }), entry: ownedBy(monaEml), label: monaEml,
			flags: []credentials.Flag{f(credentials.Expired, "Expired on 18 Nov 2026; revoking its access tidies the organization's list")}},
		{name: "never expires", cred: pat(9001, func(c *credentials.Credential) { c.ExpiresAt = time.Time{} }), entry: ownedBy(monaEml), label: monaEml,
			flags: []credentials.Flag{f(credentials.NoExpiry, "Never expires: GitHub recommends an expiry on every fine-grained token")}},
		{name: "unclaimed", cred: pat(9001), label: monaEml, attention: true,
			reasons: []credentials.Reason{r(credentials.NoOwner, "No owner: nobody has claimed it")}},
		{name: "its owner left the organization", cred: pat(9001), entry: ownedBy("ex@acme.example"), label: monaEml, attention: true,
			reasons: []credentials.Reason{r(credentials.OwnerGone, "Its owner ex@acme.example is no longer a member of the GitHub organization")}},
		{name: "acts as someone who left, known by login only", cred: pat(9001, func(c *credentials.Credential) { c.ActsAs, c.ActsAsName = gone, "hubot" }),
			entry: ownedBy(octo), label: "GitHub user hubot", attention: true,
			reasons: []credentials.Reason{r(credentials.ActsAsGone, "It acts as GitHub user hubot, who is no longer a member of the GitHub organization")}},
		{name: "holds write where read was stated", cred: pat(9001), entry: ownedBy(monaEml, "contents:read", "metadata:read"), label: monaEml, attention: true,
			reasons: []credentials.Reason{r(credentials.BroaderScopes, "Holds repository:contents:write, more than its stated need (contents:read, metadata:read)")}},
		{name: "stated permissions cover what it holds", cred: pat(9001), entry: ownedBy(monaEml, "contents:write", "read"), label: monaEml},
		{name: "unused for 120 days", cred: pat(9001, func(c *credentials.Credential) { c.LastUsedAt = day(-120) }), entry: ownedBy(monaEml), label: monaEml, attention: true,
			reasons: []credentials.Reason{r(credentials.Unused, "Unused for 120 days (last used 24 Jul 2026)")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := evaluateGitHub(t, tt.cred, tt.entry)
			if diff := cmp.Diff(tt.flags, it.Flags); diff != "" {
				t.Errorf("flags (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.reasons, it.Reasons); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
			if it.ActsAsLabel != tt.label {
				t.Errorf("ActsAsLabel = %q, want %q", it.ActsAsLabel, tt.label)
			}
			if it.NeedsAttention() != tt.attention {
				t.Errorf("NeedsAttention() = %v, want %v", it.NeedsAttention(), tt.attention)
			}
			if it.DaysLeft != 0 || it.Has(credentials.Retiring) {
				t.Error("a GitHub token counts down to Zendesk's API token retirement")
			}
		})
	}
}

func TestKindRevocable(t *testing.T) {
	for k, want := range map[credentials.Kind]bool{
		credentials.APIToken: false, credentials.OAuthToken: true, credentials.OAuthClient: false,
		credentials.FineGrainedToken: true, credentials.App: false,
	} {
		if got := k.Revocable(); got != want {
			t.Errorf("%s.Revocable() = %v, want %v", k, got, want)
		}
	}
}

// An inventory written before connectors names each credential's number
// "zendesk_id" and has no SaaS: it reads as Zendesk's, numbers intact.
func TestInventoryWrittenBeforeConnectors(t *testing.T) {
	e := newEnv(t)
	legacy := map[string]any{
		"synced_at": now, "account": "https://acme.zendesk.com",
		"credentials": []map[string]any{
			{"id": "api-token:5501", "kind": "api-token", "zendesk_id": 5501, "name": "Legacy HR sync", "acts_as": danaID, "active": true, "created_at": day(-400)},
			{"id": "app:361234500002", "kind": "app", "zendesk_id": 361234500002, "name": "Timesheet Helper", "active": true, "created_at": day(-450)},
		},
	}
	data, err := json.Marshal(legacy)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutRecord(t.Context(), e.store, "credential-inventory", "current", data); err != nil {
		t.Fatal(err)
	}
	inv, err := e.svc.Inventory(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if inv.SaaS != connector.Zendesk {
		t.Errorf("SaaS = %q, want zendesk", inv.SaaS)
	}
	var ids []int64
	for _, c := range inv.Credentials {
		ids = append(ids, c.SaaSID)
	}
	if diff := cmp.Diff([]int64{5501, 361234500002}, ids); diff != "" {
		t.Errorf("SaaS ids (-want +got):\n%s", diff)
	}
	it, err := e.svc.Item(t.Context(), hrSync)
	if err != nil {
		t.Fatal(err)
	}
	if it.SaaSID != 5501 || !it.Present {
		t.Errorf("Item(%s) = %+v", hrSync, it.Credential)
	}
}

func TestQualifiedID(t *testing.T) {
	tests := []struct {
		in       string
		saas, id string
		ok       bool
	}{
		{"api-token:5501", "zendesk", "api-token:5501", true},
		{"zendesk:api-token:5501", "zendesk", "api-token:5501", true},
		{"app:361234500002", "zendesk", "app:361234500002", true},
		{"github:app:77", "github", "app:77", true},
		{"github:fine-grained-token:9001", "github", "fine-grained-token:9001", true},
		{"fine-grained-token:9001", "github", "fine-grained-token:9001", true},
		{"github:api-token:5501", "", "", false},        // GitHub has no API tokens
		{"zendesk:fine-grained-token:9", "", "", false}, // nor Zendesk fine-grained ones
		{"gitlab:app:1", "", "", false},
		{"github:", "", "", false},
		{"github:app:0", "", "", false},
	}
	for _, tt := range tests {
		saas, id, ok := credentials.ParseQualifiedID(tt.in)
		if saas != tt.saas || id != tt.id || ok != tt.ok {
			t.Errorf("ParseQualifiedID(%q) = %q, %q, %v; want %q, %q, %v", tt.in, saas, id, ok, tt.saas, tt.id, tt.ok)
		}
		if ok {
			if back := credentials.QualifiedID(saas, id); back != strings.TrimPrefix(tt.in, "zendesk:") && !(saas == "github" && back == "github:"+tt.in) {
				t.Errorf("QualifiedID(%q, %q) = %q, does not read back as %q", saas, id, back, tt.in)
			}
		}
	}
}
