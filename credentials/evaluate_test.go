package credentials_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/store"
)

// staffSnapshot is a seat snapshot in which Dana, Omar and Priya are
// active, Hannah is suspended and Grace is gone.
func staffSnapshot() *store.Snapshot {
	return &store.Snapshot{
		SyncedAt: now, Connector: connector.Zendesk, Account: "https://acme.zendesk.com",
		Roster: connector.Roster{Staff: []connector.Staff{
			{ID: danaID, Name: "Dana Field", Email: dana, Role: "admin", Seat: "admin", Privileged: true},
			{ID: omarID, Name: "Omar Haddad", Email: "Omar@Acme.example", Role: "admin", Seat: "admin", Privileged: true},
			{ID: priyaID, Name: "Priya Natarajan", Email: priya, Role: "agent", Seat: "agent"},
			{ID: hannahID, Name: "Hannah Weiss", Email: hannah, Role: "agent", Seat: "agent", Suspended: true},
		}},
	}
}

var policy = credentials.Policy{Location: berlin, UnusedDays: 90}

// cred is a credential of kind k, active, created a year ago and used an
// hour ago, acting as Dana (apps act as nobody).
func cred(k credentials.Kind, id int64, edit ...func(*credentials.Credential)) credentials.Credential {
	c := credentials.Credential{
		ID: credentials.IDOf(k, id), Kind: k, SaaSID: id, Name: "Nightly export",
		ActsAs: danaID, Active: true, CreatedAt: day(-365), LastUsedAt: now.Add(-time.Hour),
	}
	if k == credentials.App {
		c.ActsAs, c.LastUsedAt = 0, time.Time{}
	}
	if k == credentials.OAuthToken {
		c.Scopes = []string{"read"}
	}
	for _, e := range edit {
		e(&c)
	}
	return c
}

func owned(id, owner string) credentials.Entry {
	return credentials.Entry{ID: id, State: credentials.Claimed, Owner: owner, Purpose: "export", NextReview: day(60)}
}

// evaluateOne evaluates one credential with its entry (none when the
// entry has no ID).
func evaluateOne(t *testing.T, c credentials.Credential, e credentials.Entry, snap *store.Snapshot, p credentials.Policy) credentials.Item {
	t.Helper()
	entries := map[string]credentials.Entry{}
	if e.ID != "" {
		entries[e.ID] = e
	}
	ev := credentials.Evaluate(&credentials.Inventory{Credentials: []credentials.Credential{c}}, entries, snap, p, now)
	if len(ev.Items) != 1 {
		t.Fatalf("Evaluate gave %d items, want 1", len(ev.Items))
	}
	return ev.Items[0]
}

func TestEvaluateOrphanRules(t *testing.T) {
	api := func(edit ...func(*credentials.Credential)) credentials.Credential {
		return cred(credentials.APIToken, 5501, edit...)
	}
	id := credentials.IDOf(credentials.APIToken, 5501)
	lastUsed := func(days int) func(*credentials.Credential) {
		return func(c *credentials.Credential) { c.LastUsedAt = day(-days) }
	}
	neverUsed := func(createdDays int) func(*credentials.Credential) {
		return func(c *credentials.Credential) { c.LastUsedAt, c.CreatedAt = time.Time{}, day(-createdDays) }
	}
	actsAs := func(uid int64, email string) func(*credentials.Credential) {
		return func(c *credentials.Credential) { c.ActsAs, c.ActsAsEmail = uid, email }
	}
	reviewDue := func(d int) credentials.Entry {
		e := owned(id, dana)
		e.NextReview = day(d)
		return e
	}
	r := func(code credentials.ReasonCode, text string) credentials.Reason {
		return credentials.Reason{Code: code, Text: text}
	}

	tests := []struct {
		name   string
		cred   credentials.Credential
		entry  credentials.Entry
		nilSn  bool
		policy *credentials.Policy
		want   []credentials.Reason
	}{
		{name: "owned by an active admin, in use: no orphan", cred: api(), entry: owned(id, dana)},
		{name: "owner matched case-insensitively against the snapshot", cred: api(), entry: owned(id, "omar@acme.example")},
		{name: "nobody claimed it", cred: api(),
			want: []credentials.Reason{r(credentials.NoOwner, "No owner: nobody has claimed it")}},
		{name: "app installed with no owner", cred: cred(credentials.App, 361234500002),
			want: []credentials.Reason{r(credentials.NoOwner, "Installed with no owner: nobody answers for what it can reach")}},
		{name: "owner suspended", cred: api(), entry: owned(id, hannah),
			want: []credentials.Reason{r(credentials.OwnerGone, "Its owner hannah@acme.example is suspended in Zendesk")}},
		{name: "owner deleted: not in the snapshot", cred: api(), entry: owned(id, grace),
			want: []credentials.Reason{r(credentials.OwnerGone, "Its owner grace@acme.example is no longer a Zendesk agent or admin")}},
		{name: "acts as a suspended agent", cred: api(actsAs(hannahID, "")), entry: owned(id, dana),
			want: []credentials.Reason{r(credentials.ActsAsGone, "It acts as hannah@acme.example, who is suspended")}},
		{name: "acts as someone no longer staff, named by Zendesk's email", cred: api(actsAs(graceID, grace)), entry: owned(id, dana),
			want: []credentials.Reason{r(credentials.ActsAsGone, "It acts as grace@acme.example, who is no longer a Zendesk agent or admin")}},
		{name: "acts as someone no longer staff, named by id", cred: api(actsAs(graceID, "")), entry: owned(id, dana),
			want: []credentials.Reason{r(credentials.ActsAsGone, "It acts as Zendesk user 900000000116, who is no longer a Zendesk agent or admin")}},
		{name: "owner and acting user both gone", cred: api(actsAs(graceID, grace)), entry: owned(id, grace),
			want: []credentials.Reason{
				r(credentials.OwnerGone, "Its owner grace@acme.example is no longer a Zendesk agent or admin"),
				r(credentials.ActsAsGone, "It acts as grace@acme.example, who is no longer a Zendesk agent or admin"),
			}},
		{name: "no snapshot yet: owner rules cannot tell", cred: api(actsAs(graceID, grace)), entry: owned(id, grace), nilSn: true},
		{name: "no snapshot yet: a missing owner still counts", cred: api(), nilSn: true,
			want: []credentials.Reason{r(credentials.NoOwner, "No owner: nobody has claimed it")}},
		{name: "unused exactly UnusedDays", cred: api(lastUsed(90)), entry: owned(id, dana),
			want: []credentials.Reason{r(credentials.Unused, "Unused for 90 days (last used 23 Aug 2026)")}},
		{name: "unused one day less than UnusedDays", cred: api(lastUsed(89)), entry: owned(id, dana)},
		{name: "unused counts Berlin calendar days", entry: owned(id, dana),
			// 22 Aug 23:30 UTC is already 23 Aug in Berlin: 90 days, not 91.
			cred: api(func(c *credentials.Credential) { c.LastUsedAt = time.Date(2026, 8, 22, 23, 30, 0, 0, time.UTC) }),
			want: []credentials.Reason{r(credentials.Unused, "Unused for 90 days (last used 23 Aug 2026)")}},
		{name: "never used counts from creation", cred: api(neverUsed(90)), entry: owned(id, dana),
			want: []credentials.Reason{r(credentials.Unused, "Never used in the 90 days since it was created")}},
		{name: "never used but created recently", cred: api(neverUsed(89)), entry: owned(id, dana)},
		{name: "policy's UnusedDays applies", cred: api(lastUsed(30)), entry: owned(id, dana),
			policy: &credentials.Policy{Location: berlin, UnusedDays: 30},
			want:   []credentials.Reason{r(credentials.Unused, "Unused for 30 days (last used 22 Oct 2026)")}},
		{name: "zero UnusedDays means 90", cred: api(lastUsed(89)), entry: owned(id, dana),
			policy: &credentials.Policy{Location: berlin}},
		{name: "a deactivated token is not also unused", cred: api(lastUsed(200), func(c *credentials.Credential) { c.Active = false }), entry: owned(id, dana)},
		{name: "apps have no usage to judge", cred: cred(credentials.App, 361234500002, func(c *credentials.Credential) { c.CreatedAt = day(-1000) }),
			entry: owned("app:361234500002", dana)},
		{name: "OAuth client unused", cred: cred(credentials.OAuthClient, 7702, func(c *credentials.Credential) { c.LastUsedAt = day(-120) }),
			entry: owned("oauth-client:7702", dana),
			want:  []credentials.Reason{r(credentials.Unused, "Unused for 120 days (last used 24 Jul 2026)")}},
		{name: "review due yesterday", cred: api(), entry: reviewDue(-1),
			want: []credentials.Reason{r(credentials.ReviewOverdue, "Its review was due on 20 Nov 2026")}},
		{name: "review due today counts as overdue", cred: api(), entry: reviewDue(0),
			want: []credentials.Reason{r(credentials.ReviewOverdue, "Its review was due on 21 Nov 2026")}},
		{name: "review due tomorrow", cred: api(), entry: reviewDue(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := staffSnapshot()
			if tt.nilSn {
				snap = nil
			}
			p := policy
			if tt.policy != nil {
				p = *tt.policy
			}
			it := evaluateOne(t, tt.cred, tt.entry, snap, p)
			if diff := cmp.Diff(tt.want, it.Reasons); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
			if it.Orphaned() != (len(tt.want) > 0) {
				t.Errorf("Orphaned() = %v with reasons %v", it.Orphaned(), it.Reasons)
			}
		})
	}
}

func TestEvaluateActsAsLabel(t *testing.T) {
	tests := []struct {
		name string
		cred credentials.Credential
		snap *store.Snapshot
		want string
	}{
		{"email from the snapshot", cred(credentials.APIToken, 1, func(c *credentials.Credential) { c.ActsAsEmail = "old@acme.example" }), staffSnapshot(), dana},
		{"email from Zendesk when not staff", cred(credentials.APIToken, 1, func(c *credentials.Credential) { c.ActsAs, c.ActsAsEmail = graceID, grace }), staffSnapshot(), grace},
		{"email from Zendesk without a snapshot", cred(credentials.APIToken, 1, func(c *credentials.Credential) { c.ActsAsEmail = "x@acme.example" }), nil, "x@acme.example"},
		{"id when nobody knows the email", cred(credentials.OAuthToken, 1), nil, "Zendesk user 900000000101"},
		{"apps act as nobody", cred(credentials.App, 1), staffSnapshot(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := evaluateOne(t, tt.cred, credentials.Entry{}, tt.snap, policy).ActsAsLabel; got != tt.want {
				t.Errorf("ActsAsLabel = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEvaluateBroaderScopes(t *testing.T) {
	tests := []struct {
		held, stated []string
		want         string // the reason's text; "" for none
	}{
		{[]string{"read"}, []string{"read"}, ""},
		{[]string{"users:read"}, []string{"read"}, ""},
		{[]string{"read", "users:read", "tickets:read"}, []string{"read"}, ""},
		{[]string{"users:write"}, []string{"write"}, ""},
		// A bare resource is no Zendesk scope (claims refuse it), so it
		// covers nothing.
		{[]string{"users:read", "users:write"}, []string{"users"}, "Holds users:read, users:write, more than its stated need (users)"},
		{[]string{"Users:Read"}, []string{" READ "}, ""},
		{[]string{"read", "write"}, []string{"read"}, "Holds write, more than its stated need (read)"},
		{[]string{"impersonate", "read"}, []string{"read"}, "Holds impersonate, more than its stated need (read)"},
		{[]string{"impersonate", "read", "write"}, []string{"read"}, "Holds impersonate, write, more than its stated need (read)"},
		{[]string{"users:write"}, []string{"read"}, "Holds users:write, more than its stated need (read)"},
		{[]string{"tickets:read"}, []string{"users:read"}, "Holds tickets:read, more than its stated need (users:read)"},
		{[]string{"read"}, []string{"users:read", "tickets:read"}, "Holds read, more than its stated need (users:read, tickets:read)"},
		{[]string{"users"}, []string{"read"}, "Holds users, more than its stated need (read)"},
		{[]string{"read", "write"}, nil, ""}, // nothing stated: nothing to compare
	}
	for _, tt := range tests {
		name := strings.Join(tt.held, "+") + " vs " + strings.Join(tt.stated, "+")
		t.Run(name, func(t *testing.T) {
			c := cred(credentials.OAuthToken, 880001, func(c *credentials.Credential) { c.Scopes = tt.held })
			e := owned(c.ID, dana)
			e.Scopes = tt.stated
			it := evaluateOne(t, c, e, staffSnapshot(), policy)
			var got string
			for _, r := range it.Reasons {
				if r.Code == credentials.BroaderScopes {
					got = r.Text
				} else {
					t.Errorf("unexpected reason %v", r)
				}
			}
			if got != tt.want {
				t.Errorf("broader-scopes reason = %q, want %q", got, tt.want)
			}
		})
	}

	t.Run("only OAuth tokens are compared", func(t *testing.T) {
		c := cred(credentials.OAuthClient, 7701, func(c *credentials.Credential) { c.Scopes = []string{"write"} })
		e := owned(c.ID, dana)
		e.Scopes = []string{"read"}
		if it := evaluateOne(t, c, e, staffSnapshot(), policy); it.Orphaned() {
			t.Errorf("OAuth client judged by scopes: %v", it.Reasons)
		}
	})
}

func TestEvaluateFlags(t *testing.T) {
	api := func(edit ...func(*credentials.Credential)) credentials.Credential {
		return cred(credentials.APIToken, 5501, edit...)
	}
	id := credentials.IDOf(credentials.APIToken, 5501)
	lastUsed := func(days int) func(*credentials.Credential) {
		return func(c *credentials.Credential) { c.LastUsedAt = day(-days) }
	}
	inactive := func(c *credentials.Credential) { c.Active = false }
	migrating := func(deadline int) credentials.Entry {
		e := owned(id, dana)
		e.State = credentials.Migrating
		e.Migration = &credentials.Migration{Plan: "own OAuth client", Deadline: day(deadline)}
		return e
	}
	retiring := credentials.Flag{Code: credentials.Retiring, Text: "Zendesk deactivates every API token on 30 Apr 2027: 160 days left"}
	f := func(code credentials.FlagCode, text string) credentials.Flag {
		return credentials.Flag{Code: code, Text: text}
	}

	tests := []struct {
		name  string
		cred  credentials.Credential
		entry credentials.Entry
		want  []credentials.Flag
	}{
		{name: "every API token counts down to 30 Apr 2027", cred: api(), entry: owned(id, dana),
			want: []credentials.Flag{retiring}},
		{name: "unused 19 days", cred: api(lastUsed(19)), entry: owned(id, dana),
			want: []credentials.Flag{retiring}},
		{name: "unused 20 days: about to be auto-deactivated", cred: api(lastUsed(20)), entry: owned(id, dana),
			want: []credentials.Flag{retiring, f(credentials.AutoDeactivation,
				"About to be auto-deactivated: unused for 20 days, Zendesk turns it off around 1 Dec 2026")}},
		{name: "unused 21 days: about to be auto-deactivated", cred: api(lastUsed(21)), entry: owned(id, dana),
			want: []credentials.Flag{retiring, f(credentials.AutoDeactivation,
				"About to be auto-deactivated: unused for 21 days, Zendesk turns it off around 30 Nov 2026")}},
		{name: "unused 35 days: past Zendesk's 30", cred: api(lastUsed(35)), entry: owned(id, dana),
			want: []credentials.Flag{retiring, f(credentials.AutoDeactivation,
				"Unused for 35 days, past the 30 after which Zendesk turns unused tokens off: it can be deactivated any day")}},
		{name: "never used, created 25 days ago", entry: owned(id, dana),
			cred: api(func(c *credentials.Credential) { c.LastUsedAt, c.CreatedAt = time.Time{}, day(-25) }),
			want: []credentials.Flag{retiring, f(credentials.AutoDeactivation,
				"About to be auto-deactivated: unused for 25 days, Zendesk turns it off around 26 Nov 2026")}},
		// Turned off already, it has no retirement countdown.
		{name: "deactivated by Zendesk, deleted 90 days after its last use", cred: api(lastUsed(50), inactive), entry: owned(id, dana),
			want: []credentials.Flag{f(credentials.Deactivated, "Deactivated by Zendesk; it is deleted around 31 Dec 2026")}},
		{name: "deactivated by Zendesk, deletion date passed", cred: api(lastUsed(100), inactive), entry: owned(id, dana),
			want: []credentials.Flag{f(credentials.Deactivated, "Deactivated by Zendesk and due to be deleted")}},
		{name: "migration due in 14 days", cred: api(), entry: migrating(14),
			want: []credentials.Flag{retiring, f(credentials.MigrationDue, "The move to OAuth is due on 5 Dec 2026 (14 days left)")}},
		{name: "migration due tomorrow", cred: api(), entry: migrating(1),
			want: []credentials.Flag{retiring, f(credentials.MigrationDue, "The move to OAuth is due on 22 Nov 2026 (1 day left)")}},
		{name: "migration due today", cred: api(), entry: migrating(0),
			want: []credentials.Flag{retiring, f(credentials.MigrationDue, "The move to OAuth is due on 21 Nov 2026 (0 days left)")}},
		{name: "migration overdue", cred: api(), entry: migrating(-1),
			want: []credentials.Flag{retiring, f(credentials.MigrationDue, "The move to OAuth was due on 20 Nov 2026")}},
		{name: "migration due in 15 days", cred: api(), entry: migrating(15),
			want: []credentials.Flag{retiring}},
		{name: "a plan without the migrating state is not due", cred: api(), entry: func() credentials.Entry {
			e := migrating(1)
			e.State = credentials.Claimed
			return e
		}(), want: []credentials.Flag{retiring}},
		{name: "OAuth tokens do not retire", cred: cred(credentials.OAuthToken, 880001, lastUsed(25)), entry: owned("oauth-token:880001", dana)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := evaluateOne(t, tt.cred, tt.entry, staffSnapshot(), policy)
			if diff := cmp.Diff(tt.want, it.Flags); diff != "" {
				t.Errorf("flags (-want +got):\n%s", diff)
			}
			wantDays := 0
			if tt.cred.Kind == credentials.APIToken {
				wantDays = 160
			}
			if it.DaysLeft != wantDays {
				t.Errorf("DaysLeft = %d, want %d", it.DaysLeft, wantDays)
			}
			for _, fl := range tt.want {
				if !it.Has(fl.Code) {
					t.Errorf("Has(%s) = false", fl.Code)
				}
			}
		})
	}
}

func TestEvaluateDaysLeft(t *testing.T) {
	tests := []struct {
		at   time.Time
		want int
	}{
		{now, 160},
		// Late on 29 Apr in Berlin is still one day before.
		{time.Date(2027, 4, 29, 23, 30, 0, 0, berlin), 1},
		{time.Date(2027, 4, 30, 0, 30, 0, 0, berlin), 0},
		{time.Date(2027, 6, 1, 12, 0, 0, 0, berlin), 0},
	}
	for _, tt := range tests {
		inv := &credentials.Inventory{Credentials: []credentials.Credential{cred(credentials.APIToken, 1)}}
		ev := credentials.Evaluate(inv, nil, staffSnapshot(), policy, tt.at)
		if got := ev.Items[0].DaysLeft; got != tt.want {
			t.Errorf("at %s: DaysLeft = %d, want %d", tt.at, got, tt.want)
		}
		if got := ev.Summarize(berlin).APITokens.DaysLeft; got != tt.want {
			t.Errorf("at %s: Summarize DaysLeft = %d, want %d", tt.at, got, tt.want)
		}
	}
}

func TestEvaluateEndedEntries(t *testing.T) {
	gone := func(c credentials.Credential, s credentials.State) credentials.Entry {
		e := owned(c.ID, grace) // an orphan if it still counted
		e.State, e.EndedAt, e.NextReview = s, day(-3), day(-10)
		return e
	}
	for _, s := range []credentials.State{credentials.Revoked, credentials.Gone} {
		t.Run("present but "+string(s), func(t *testing.T) {
			c := cred(credentials.APIToken, 5501, func(c *credentials.Credential) { c.LastUsedAt = day(-200) })
			it := evaluateOne(t, c, gone(c, s), staffSnapshot(), policy)
			if len(it.Reasons) != 0 || len(it.Flags) != 0 {
				t.Errorf("ended entry judged: reasons %v, flags %v", it.Reasons, it.Flags)
			}
			if it.NeedsAttention() {
				t.Error("ended entry needs attention")
			}
		})
	}

	t.Run("entries without a credential follow the inventory, by id", func(t *testing.T) {
		inv := &credentials.Inventory{Credentials: []credentials.Credential{
			cred(credentials.APIToken, 5501), cred(credentials.OAuthToken, 880001),
		}}
		entries := map[string]credentials.Entry{
			"oauth-token:880009": {ID: "oauth-token:880009", State: credentials.Revoked, Owner: dana, Name: "Reporting Dashboard", EndedAt: day(-1)},
			"api-token:5599":     {ID: "api-token:5599", State: credentials.Gone, Owner: grace, Name: "Old script", EndedAt: day(-2)},
			"api-token:5501":     owned("api-token:5501", dana),
			"not-an-id":          {ID: "not-an-id", State: credentials.Gone},
		}
		ev := credentials.Evaluate(inv, entries, staffSnapshot(), policy, now)
		var ids []string
		for _, it := range ev.Items {
			ids = append(ids, it.ID)
		}
		want := []string{"api-token:5501", "oauth-token:880001", "api-token:5599", "oauth-token:880009"}
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Fatalf("items (-want +got):\n%s", diff)
		}
		ended := ev.Items[3]
		if ended.Present || ended.Kind != credentials.OAuthToken || ended.SaaSID != 880009 || ended.Name != "Reporting Dashboard" ||
			ended.Entry.State != credentials.Revoked || ended.Entry.Owner != dana {
			t.Errorf("ended item = %+v", ended)
		}
		for _, it := range ev.Items[2:] {
			if it.Orphaned() || len(it.Flags) > 0 || it.NeedsAttention() {
				t.Errorf("%s: ended item judged: %v %v", it.ID, it.Reasons, it.Flags)
			}
		}
		if !ev.Items[0].Present || ev.Items[0].Entry.Owner != dana {
			t.Errorf("present item = %+v", ev.Items[0])
		}
		if ev.Items[1].Entry.State != credentials.Unclaimed || ev.Items[1].Entry.ID != "oauth-token:880001" {
			t.Errorf("credential without an entry: entry = %+v, want a fresh unclaimed one", ev.Items[1].Entry)
		}
	})
}

func TestNeedsAttention(t *testing.T) {
	id := "api-token:5501"
	withState := func(s credentials.State) credentials.Entry {
		e := owned(id, dana)
		e.State = s
		return e
	}
	tests := []struct {
		name  string
		cred  credentials.Credential
		entry credentials.Entry
		want  bool
	}{
		{"an owned API token nobody planned the retirement of", cred(credentials.APIToken, 5501), owned(id, dana), true},
		{"an API token migrating, not due", cred(credentials.APIToken, 5501), func() credentials.Entry {
			e := withState(credentials.Migrating)
			e.Migration = &credentials.Migration{Plan: "p", Deadline: day(60)}
			return e
		}(), false},
		{"an API token to retire", cred(credentials.APIToken, 5501), withState(credentials.ToRetire), false},
		{"a deactivated API token", cred(credentials.APIToken, 5501, func(c *credentials.Credential) { c.Active = false }), owned(id, dana), false},
		{"an owned OAuth token in use", cred(credentials.OAuthToken, 1), owned("oauth-token:1", dana), false},
		{"an orphaned OAuth token", cred(credentials.OAuthToken, 1), credentials.Entry{}, true},
		{"an OAuth token with an overdue review", cred(credentials.OAuthToken, 1), func() credentials.Entry {
			e := owned("oauth-token:1", dana)
			e.NextReview = day(0)
			return e
		}(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := evaluateOne(t, tt.cred, tt.entry, staffSnapshot(), policy).NeedsAttention(); got != tt.want {
				t.Errorf("NeedsAttention() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	inv := &credentials.Inventory{Credentials: []credentials.Credential{
		cred(credentials.APIToken, 1), // Dana's, used an hour ago
		cred(credentials.APIToken, 2, func(c *credentials.Credential) { c.LastUsedAt = day(-30) }),                   // Omar's, migrating
		cred(credentials.APIToken, 3, func(c *credentials.Credential) { c.LastUsedAt = day(-31) }),                   // to retire
		cred(credentials.APIToken, 4, func(c *credentials.Credential) { c.LastUsedAt, c.Active = day(-100), false }), // unclaimed, deactivated
		cred(credentials.APIToken, 5, func(c *credentials.Credential) { c.LastUsedAt = time.Time{} }),                // unclaimed, never used
		cred(credentials.OAuthToken, 10),
		cred(credentials.OAuthToken, 11),
		cred(credentials.OAuthClient, 20),
		cred(credentials.App, 30),
	}}
	migrating := owned("api-token:2", omar)
	migrating.State, migrating.Migration = credentials.Migrating, &credentials.Migration{Plan: "p", Deadline: day(100)}
	toRetire := owned("api-token:3", dana)
	toRetire.State = credentials.ToRetire
	entries := map[string]credentials.Entry{
		"api-token:1":    owned("api-token:1", dana),
		"api-token:2":    migrating,
		"api-token:3":    toRetire,
		"oauth-token:10": owned("oauth-token:10", dana),
		"oauth-client:20": func() credentials.Entry {
			e := owned("oauth-client:20", grace) // owner gone
			return e
		}(),
		"app:30":          owned("app:30", priya),
		"api-token:9":     {ID: "api-token:9", State: credentials.Gone, Name: "gone"},
		"oauth-token:12":  {ID: "oauth-token:12", State: credentials.Revoked, Name: "revoked"},
		"oauth-token:013": {ID: "oauth-token:013", State: credentials.Revoked}, // not a register id: left out
	}
	inv.APITokensDisabled = false
	ev := credentials.Evaluate(inv, entries, staffSnapshot(), policy, now)
	sum := ev.Summarize(berlin)

	wantByKind := map[credentials.Kind]map[credentials.State]int{
		credentials.APIToken:    {credentials.Claimed: 1, credentials.Migrating: 1, credentials.ToRetire: 1, credentials.Unclaimed: 2, credentials.Gone: 1},
		credentials.OAuthToken:  {credentials.Claimed: 1, credentials.Unclaimed: 1, credentials.Revoked: 1},
		credentials.OAuthClient: {credentials.Claimed: 1},
		credentials.App:         {credentials.Claimed: 1},
	}
	if diff := cmp.Diff(wantByKind, sum.ByKind); diff != "" {
		t.Errorf("ByKind (-want +got):\n%s", diff)
	}
	wantOrphaned := map[credentials.Kind]int{credentials.APIToken: 2, credentials.OAuthToken: 1, credentials.OAuthClient: 1}
	if diff := cmp.Diff(wantOrphaned, sum.Orphaned); diff != "" {
		t.Errorf("Orphaned (-want +got):\n%s", diff)
	}
	c := sum.APITokens
	if c.DaysLeft != 160 || c.Remaining != 5 || c.Active != 4 || c.Migrating != 1 || c.ToRetire != 1 || c.Disabled {
		t.Errorf("countdown = %+v", c)
	}
	if diff := cmp.Diff(map[string]int{dana: 2, omar: 1, "": 2}, c.Owners); diff != "" {
		t.Errorf("Owners (-want +got):\n%s", diff)
	}
	var recent []string
	for _, it := range c.UsedRecently {
		recent = append(recent, it.ID)
	}
	// Used within the last 30 days; never used is not "recently".
	if diff := cmp.Diff([]string{"api-token:1", "api-token:2"}, recent); diff != "" {
		t.Errorf("UsedRecently (-want +got):\n%s", diff)
	}

	t.Run("token access disabled", func(t *testing.T) {
		ev := credentials.Evaluate(&credentials.Inventory{APITokensDisabled: true}, nil, nil, policy, now)
		sum := ev.Summarize(nil)
		if !sum.APITokens.Disabled || sum.APITokens.Remaining != 0 || sum.APITokens.DaysLeft != 160 {
			t.Errorf("countdown = %+v", sum.APITokens)
		}
	})
}

func TestEvaluationViews(t *testing.T) {
	inv := &credentials.Inventory{Credentials: []credentials.Credential{
		cred(credentials.APIToken, 1), cred(credentials.APIToken, 2), cred(credentials.OAuthToken, 3),
	}}
	entries := map[string]credentials.Entry{
		"api-token:1":   owned("api-token:1", dana),
		"oauth-token:3": owned("oauth-token:3", dana),
		"oauth-token:4": {ID: "oauth-token:4", State: credentials.Revoked, Owner: dana},
	}
	ev := credentials.Evaluate(inv, entries, staffSnapshot(), policy, now)
	ids := func(items []credentials.Item) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	if got, want := ids(ev.Mine("Dana@Acme.example")), []string{"api-token:1", "oauth-token:3", "oauth-token:4"}; !slices.Equal(got, want) {
		t.Errorf("Mine = %v, want %v", got, want)
	}
	if got := ids(ev.Mine("")); got != nil {
		t.Errorf("Mine(\"\") = %v, want none", got)
	}
	if got, want := ids(ev.Orphans()), []string{"api-token:2"}; !slices.Equal(got, want) {
		t.Errorf("Orphans = %v, want %v", got, want)
	}
	if got, want := ids(ev.Pick([]string{"oauth-token:3", "api-token:99", "api-token:1"})), []string{"oauth-token:3", "api-token:1"}; !slices.Equal(got, want) {
		t.Errorf("Pick = %v, want %v", got, want)
	}
}

func TestParseID(t *testing.T) {
	for _, k := range credentials.Kinds {
		id := credentials.IDOf(k, 5501)
		if gk, gid, ok := credentials.ParseID(id); !ok || gk != k || gid != 5501 {
			t.Errorf("ParseID(%q) = %v %v %v", id, gk, gid, ok)
		}
	}
	for _, bad := range []string{"", "api-token", "api-token:", "api-token:0", "api-token:05501", "api-token:-1",
		"api-token:+1", "token:5501", "api-token:55 01", "api-token:99999999999999999999"} {
		if _, _, ok := credentials.ParseID(bad); ok {
			t.Errorf("ParseID(%q) accepted", bad)
		}
	}
}

func TestParseScopes(t *testing.T) {
	got := credentials.ParseScopes("Read, users:write\ttickets:read\nread ,")
	if want := []string{"read", "users:write", "tickets:read"}; !slices.Equal(got, want) {
		t.Errorf("ParseScopes = %v, want %v", got, want)
	}
}

// TestAPITokenLinesAgree: across every state an API token can be in, what
// its lines say never contradicts itself: a token Zendesk turned off has
// no countdown and no warning that it is about to be turned off; an
// active one is not called deactivated; its days unused are said once.
func TestAPITokenLinesAgree(t *testing.T) {
	for _, active := range []bool{true, false} {
		for _, idle := range []int{0, 10, 25, 29, 30, 35, 89, 90, 150, 400} {
			for _, never := range []bool{false, true} {
				c := cred(credentials.APIToken, 5501, func(c *credentials.Credential) {
					c.Active, c.LastUsedAt, c.CreatedAt = active, day(-idle), day(-idle)
					if never {
						c.LastUsedAt = time.Time{}
					}
				})
				it := evaluateOne(t, c, owned(credentials.IDOf(credentials.APIToken, 5501), dana), staffSnapshot(), policy)
				var lines []string
				for _, r := range it.Reasons {
					lines = append(lines, r.Text)
				}
				for _, f := range it.Flags {
					lines = append(lines, f.Text)
				}
				all := strings.Join(lines, "\n")
				name := fmt.Sprintf("active %v, unused %d days, never used %v", active, idle, never)
				switch {
				case !active && (strings.Contains(all, "days left") || strings.Contains(all, "auto-deactivated") || strings.Contains(all, "can be deactivated")):
					t.Errorf("%s: a deactivated token is counted down or warned of deactivation:\n%s", name, all)
				case active && strings.Contains(all, "Deactivated by Zendesk"):
					t.Errorf("%s: an active token is called deactivated:\n%s", name, all)
				case strings.Count(all, fmt.Sprintf("%d days", idle)) > 1 && idle > 0:
					t.Errorf("%s: the days unused are said more than once:\n%s", name, all)
				}
			}
		}
	}
}
