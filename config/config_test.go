package config_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seatwarden/seatwarden/config"
)

// envOf returns a Getenv reading only m, so tests never see the real
// environment.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// filesOf returns a ReadFile serving m, failing like os.ReadFile otherwise.
func filesOf(m map[string]string) func(string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		if s, ok := m[p]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
}

// wantProblems loads doc and checks that it fails with exactly the
// problems want, each line starting as given, in order.
func wantProblems(t *testing.T, doc string, want ...string) {
	t.Helper()
	_, err := loadPolicy(doc)
	if err == nil {
		t.Fatal("Load succeeded")
	}
	got := problemLines(t, err)
	if len(got) != len(want) {
		t.Fatalf("problems %q, want %q", got, want)
	}
	for i := range got {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %q, want it to start %q", got[i], want[i])
		}
	}
}

// loadPolicy loads doc as policy.yaml with an empty environment.
func loadPolicy(doc string) (*config.Config, error) {
	return config.Load(config.LoadOptions{
		Path:     "policy.yaml",
		Getenv:   envOf(nil),
		ReadFile: filesOf(map[string]string{"policy.yaml": doc}),
	})
}

// problemLines renders err's problems one string each, or fails the test if
// err is not an *Error.
func problemLines(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var cerr *config.Error
	if !errors.As(err, &cerr) {
		t.Fatalf("error is %T, want *config.Error: %v", err, err)
	}
	lines := make([]string, len(cerr.Problems))
	for i, p := range cerr.Problems {
		lines[i] = p.String()
	}
	return lines
}

var cmpConfig = []cmp.Option{cmpopts.IgnoreUnexported(config.Config{}), cmpopts.EquateEmpty()}

func TestLoadDefaults(t *testing.T) {
	got, err := config.Load(config.LoadOptions{Getenv: envOf(nil), ReadFile: filesOf(nil)})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := &config.Config{
		Policy: config.Policy{
			Timezone:       "UTC",
			Command:        "/warden",
			InactivityDays: 30,
			Approvals:      config.Approvals{HighRiskApprovals: 2, ExpireAfter: config.Duration(168 * time.Hour), RemindAfter: config.Duration(24 * time.Hour)},
			Pricing:        config.Pricing{Agent: 115, Admin: 115, Currency: "USD"},
			Review: config.Review{
				KeepMaxDays:   180,
				SnoozeDays:    14,
				RemindAfter:   config.Duration(72 * time.Hour),
				EscalateAfter: config.Duration(168 * time.Hour),
				OnSilence:     "escalate",
				RemoveAction:  "demote",
			},
			Identity:    config.IdentityPolicy{OnDeparted: "ask"},
			Credentials: config.Credentials{UnusedDays: 90},
			Schedules: map[string]string{
				"sync":             "*/15 * * * *",
				"inactive-digest":  "0 9 * * MON",
				"token-digest":     "0 9 * * MON",
				"reminders":        "0 * * * *",
				"access-expiry":    "* * * * *",
				"privilege-review": "0 9 1 1,4,7,10 *",
				"verify-expiry":    "* * * * *",
				"identity-sync":    "*/15 * * * *",
				"retention":        "0 3 * * *",
				"audit-watch":      "*/5 * * * *",
				"posture-digest":   "0 9 * * MON",
			},
			Zendesk: config.ZendeskLimits{RequestsPerMinute: 200, Timeout: config.Duration(30 * time.Second), GroupsEvery: config.Duration(6 * time.Hour)},
			GitHub: config.GitHubPolicy{
				Pricing:         config.GitHubPricing{CopilotBusiness: 19, CopilotEnterprise: 39},
				RemoveAction:    "cancel-seat",
				RequestsPerHour: 4500,
			},
			Jobs: config.JobLimits{Timeout: config.Duration(10 * time.Minute), LockTTL: config.Duration(2 * time.Minute)},
			Access: config.AccessPolicy{
				MinDuration:     config.Duration(15 * time.Minute),
				DefaultDuration: config.Duration(time.Hour),
				WarnBefore:      config.Duration(10 * time.Minute),
				Roles:           map[string]config.AccessRole{"admin": {MaxDuration: config.Duration(4 * time.Hour), HighRisk: true}},
				BreakGlass:      config.BreakGlass{Enabled: false, MaxDuration: config.Duration(time.Hour)},
				SelfExtension:   config.SelfExtension{Enabled: false, MaxDuration: config.Duration(time.Hour)},
				KeepMaxDays:     90,
				VerifyBy:        config.VerifyByNone,
			},
			Verify: config.VerifyPolicy{Allowed: []string{"agents", "admins"}, TTL: config.Duration(5 * time.Minute),
				PerAskerPerHour: 20, PerPersonPerHour: 5, LockoutAfter: 3},
			Retention: config.RetentionPolicy{AuditDays: 730, ReviewsDays: 730, RequestsDays: 730, GrantsDays: 730, VerificationsDays: 90, PostureDays: 730},
			Posture: config.PosturePolicy{BulkChanges: 20, MFA: config.MFAPolicy{GraceDays: 14, OnDeadline: "escalate"},
				MFARequiredRoles: []string{"admin", "risky"}},
		},
		Addr:      ":8080",
		DataDir:   "./data",
		LogLevel:  "info",
		LogFormat: "json",
		Slack:     config.Slack{APIURL: "https://slack.com/api/"},
		GitHub:    config.GitHub{APIURL: "https://api.github.com"},
		Teams: config.Teams{
			OpenIDMetadataURL: "https://login.botframework.com/v1/.well-known/openidconfiguration",
			TokenURL:          "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token",
			ServiceURLs: []string{
				"https://smba.trafficmanager.net/",
				"https://smba.infra.gcc.teams.microsoft.com/",
				"https://smba.infra.gov.teams.microsoft.us/",
				"https://smba.infra.dod.teams.microsoft.us/",
			},
		},
	}
	if diff := cmp.Diff(want, got, cmpConfig...); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(config.Default(), got, cmpConfig...); diff != "" {
		t.Errorf("Default() differs from Load with nothing set (-Default +Load):\n%s", diff)
	}
	if got.Redis.Enabled() || got.Slack.Enabled() || got.Teams.Enabled() || got.ZendeskAuthMethod() != "" {
		t.Errorf("integrations on by default: redis %v slack %v teams %v zendesk %q",
			got.Redis.Enabled(), got.Slack.Enabled(), got.Teams.Enabled(), got.ZendeskAuthMethod())
	}
	if got.Policy.Location() != time.UTC {
		t.Errorf("Location() = %v, want UTC", got.Policy.Location())
	}
}

func TestLoadInterfaceExample(t *testing.T) {
	// Read from disk through the default ReadFile, as serve would.
	const path = "testdata/interface-example.yaml"
	got, err := config.Load(config.LoadOptions{Path: path, Getenv: envOf(nil)})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := config.DefaultPolicy()
	want.Timezone = "Europe/Berlin"
	want.Admins = []string{"alice@example.com"}
	want.AdminChannel = "C0123ADMIN"
	want.Approvals.Channel = "C0456APPROVE"
	want.Approvals.Approvers = []string{"bob@example.com", "carol@example.com"}
	want.Owners = []config.Owner{
		{Group: "Tier 2", Owner: "dana@example.com"},
		{Default: "ops@example.com"},
	}
	if diff := cmp.Diff(want, got.Policy, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}
	if got.PolicyPath != path {
		t.Errorf("PolicyPath = %q, want %q", got.PolicyPath, path)
	}
	if loc := got.Policy.Location(); loc.String() != "Europe/Berlin" {
		t.Errorf("Location() = %v, want Europe/Berlin", loc)
	}
}

func TestLoadEveryKey(t *testing.T) {
	got, err := config.Load(config.LoadOptions{
		// store.require_encryption is true in the file.
		Getenv: envOf(map[string]string{"SEATWARDEN_CONFIG": "testdata/full.yaml", "SEATWARDEN_ENCRYPTION_KEY": testKey}),
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := config.Policy{
		Timezone:     "America/New_York",
		Command:      "/seats",
		Admins:       []string{"alice@example.com", "erin@example.com"},
		AdminChannel: "C0123ADMIN",
		Approvals: config.Approvals{
			Channel:           "G0456APPROVE",
			Approvers:         []string{"bob@example.com", "carol@example.com", "frank@example.com"},
			HighRiskApprovals: 3,
			ExpireAfter:       config.Duration(72 * time.Hour),
			RemindAfter:       config.Duration(12 * time.Hour),
			Kinds: map[string]config.ApprovalKind{
				"app":    {Approvers: []string{"sec@example.com"}, HighRiskIf: []config.RiskRule{{Field: "data", Contains: "customer_pii"}}},
				"change": {HighRiskIf: []config.RiskRule{{Field: "what", Contains: "sso"}}},
			},
		},
		InactivityDays: 45,
		Pricing: config.Pricing{
			Agent: 89, Admin: 150.5, Currency: "EUR",
			Roles: map[string]float64{"Light Agent": 0, "Team Lead": 120},
		},
		NonSeatRoles: []string{"Light Agent", "Contributor Plus"},
		Owners: []config.Owner{
			{Group: "Tier 2", Owner: "dana@example.com"},
			{Group: "Billing", Owner: "gil@example.com"},
			{Default: "ops@example.com"},
		},
		Review: config.Review{
			KeepMaxDays:     90,
			SnoozeDays:      7,
			RemindAfter:     config.Duration(24 * time.Hour),
			EscalateAfter:   config.Duration(96 * time.Hour),
			OnSilence:       "downgrade",
			RemoveAction:    "suspend",
			DowngradeRoleID: 360001234567,
		},
		Identity:    config.IdentityPolicy{OnDeparted: "suspend"},
		Credentials: config.Credentials{UnusedDays: 60},
		Schedules: map[string]string{
			"sync":             "*/5 * * * *",
			"inactive-digest":  "0 9 * * MON",
			"token-digest":     "0 9 * * MON",
			"reminders":        "30 * * * *",
			"access-expiry":    "*/2 * * * *",
			"privilege-review": "0 8 1 1,4,7,10 *",
			"verify-expiry":    "* * * * *",
			"retention":        "0 3 * * *",
			"audit-watch":      "*/5 * * * *",
			"posture-digest":   "0 9 * * MON",
			"identity-sync":    "*/15 * * * *",
		},
		Zendesk: config.ZendeskLimits{RequestsPerMinute: 400, Timeout: config.Duration(45 * time.Second), GroupsEvery: config.Duration(6 * time.Hour)},
		GitHub: config.GitHubPolicy{
			Pricing:         config.GitHubPricing{CopilotBusiness: 21, CopilotEnterprise: 42},
			InactivityDays:  45,
			Owners:          []config.Owner{{Group: "platform", Owner: "dana@example.com"}, {Default: "ops@example.com"}},
			RemoveAction:    config.GitHubRemoveRemoveMember,
			RequestsPerHour: 3000,
		},
		Jobs:  config.JobLimits{Timeout: config.Duration(20 * time.Minute), LockTTL: config.Duration(45 * time.Second)},
		Store: config.StorePolicy{RequireEncryption: true},
		Access: config.AccessPolicy{
			MinDuration:     config.Duration(30 * time.Minute),
			DefaultDuration: config.Duration(2 * time.Hour),
			WarnBefore:      config.Duration(15 * time.Minute),
			// The file's roles replace the default; admin keeps high risk,
			// and a role listed bare gets the default max_duration.
			Roles: map[string]config.AccessRole{
				"admin":          {MaxDuration: config.Duration(3 * time.Hour), HighRisk: true},
				"Team Lead":      {MaxDuration: config.Duration(8 * time.Hour), HighRisk: true, VerifyBy: config.VerifyByPeer},
				"billing viewer": {MaxDuration: config.Duration(4 * time.Hour)},
			},
			BreakGlass:      config.BreakGlass{Enabled: true, MaxDuration: config.Duration(45 * time.Minute)},
			SelfExtension:   config.SelfExtension{Enabled: true, MaxDuration: config.Duration(30 * time.Minute)},
			StandingAllowed: []string{"root@example.com", "breakglass@example.com"},
			KeepMaxDays:     30,
			AccountOwner:    "root@example.com",
			VerifyBy:        config.VerifyByManager,
		},
		Managers:  map[string]string{"lee@example.com": "dana@example.com"},
		Retention: config.RetentionPolicy{AuditDays: 365, ReviewsDays: 400, RequestsDays: 180, GrantsDays: 0, VerificationsDays: 30, PostureDays: 730},
		Posture: config.PosturePolicy{AlertChannel: "C0SECURITY", BusinessHours: "Mon-Fri 08:00-18:00",
			Watch: map[string]bool{"outside_hours": false}, BulkChanges: 50, MFA: config.MFAPolicy{GraceDays: 7, OnDeadline: "demote"},
			MFARequiredRoles: []string{"admin", "Team Lead"}},
		Verify: config.VerifyPolicy{Allowed: []string{"agents", "lead@example.com"}, AlertChannel: "C0SECURITY", TTL: config.Duration(3 * time.Minute),
			PerAskerPerHour: 10, PerPersonPerHour: 4, LockoutAfter: 2},
	}
	if diff := cmp.Diff(want, got.Policy); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}
	if !got.Policy.IsAdmin("ALICE@example.com") || got.Policy.IsAdmin("bob@example.com") {
		t.Errorf("IsAdmin: admins are %v", got.Policy.Admins)
	}
}

func TestLoadPolicyValid(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		check func(t *testing.T, p config.Policy)
	}{
		{"empty file", "", nil},
		{"only comments", "# nothing here yet\n   # still nothing\n", nil},
		{"document marker only", "---\n", nil},
		{"null document", "~\n", nil},
		{"sections with every key commented out", "review:\n  # snooze_days: 3\ncredentials:\n", nil},
		{"trailing empty document", "inactivity_days: 31\n---\n", func(t *testing.T, p config.Policy) {
			if p.InactivityDays != 31 {
				t.Errorf("InactivityDays = %d, want 31", p.InactivityDays)
			}
		}},
		{"quoted whole number", `inactivity_days: "45"`, func(t *testing.T, p config.Policy) {
			if p.InactivityDays != 45 {
				t.Errorf("InactivityDays = %d, want 45", p.InactivityDays)
			}
		}},
		{"emails are lower-cased", "admins: [Alice@Example.COM]\nowners:\n  - default: OPS@example.com\n", func(t *testing.T, p config.Policy) {
			if diff := cmp.Diff([]string{"alice@example.com"}, p.Admins); diff != "" {
				t.Errorf("admins (-want +got):\n%s", diff)
			}
			if p.Owners[0].Default != "ops@example.com" {
				t.Errorf("default owner = %q", p.Owners[0].Default)
			}
		}},
		{"anchors and aliases", "admins: &people [x@example.com]\napprovals:\n  approvers: *people\n  high_risk_approvals: 1\n", func(t *testing.T, p config.Policy) {
			if diff := cmp.Diff([]string{"x@example.com"}, p.Approvals.Approvers); diff != "" {
				t.Errorf("approvers (-want +got):\n%s", diff)
			}
		}},
		{"one schedule overridden", "schedules:\n  token-digest: \"0 8 * * TUE\"\n", func(t *testing.T, p config.Policy) {
			want := config.DefaultPolicy().Schedules
			want["token-digest"] = "0 8 * * TUE"
			if diff := cmp.Diff(want, p.Schedules); diff != "" {
				t.Errorf("schedules (-want +got):\n%s", diff)
			}
		}},
		{"cron descriptor", "schedules:\n  sync: \"@every 5m\"\n", nil},
		{"a bare name in a map of sections lists it with its defaults", "approvals:\n  kinds:\n    app:\n", func(t *testing.T, p config.Policy) {
			if _, ok := p.Approvals.Kinds["app"]; !ok || len(p.Approvals.Kinds) != 1 {
				t.Errorf("kinds = %+v, want app alone", p.Approvals.Kinds)
			}
		}},
		{"a bare name in a map of values keeps the default", "schedules:\n  sync:\n", func(t *testing.T, p config.Policy) {
			if got := p.Schedules["sync"]; got != "*/15 * * * *" {
				t.Errorf("schedules.sync = %q, want the default", got)
			}
		}},
		{"downgrade demotes when no role", "review:\n  on_silence: downgrade\n", nil},
		{"zero prices", "pricing:\n  agent: 0\n  admin: 0.0\n", nil},
		{"limits at their edges", "inactivity_days: 3650\nzendesk:\n  requests_per_minute: 2500\n", nil},
		{"command of 31 characters", "command: /" + strings.Repeat("a", 31), nil},
		{"longest command characters", "command: /seat-warden_2", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadPolicy(tt.doc)
			if err != nil {
				t.Fatalf("Load:\n%v", err)
			}
			if tt.check != nil {
				tt.check(t, c.Policy)
			}
		})
	}
}

func TestLoadPolicyProblems(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		// Unknown keys, at every depth, with line numbers.
		{"unknown top-level key", "inactivty_days: 30\n",
			[]string{"policy.yaml:1: inactivty_days: unknown key (did you mean inactivity_days?)"}},
		{"unknown key without a near match", "timezone: UTC\nfrobnicate: 1\n",
			[]string{"policy.yaml:2: frobnicate: unknown key"}},
		{"unknown nested key", "review:\n  keep_max_days: 90\n  snoze_days: 3\n",
			[]string{"policy.yaml:3: review.snoze_days: unknown key (did you mean snooze_days?)"}},
		{"camelCase key", "review:\n  snoozeDays: 3\n",
			[]string{"policy.yaml:2: review.snoozeDays: unknown key (did you mean snooze_days?)"}},
		{"unknown key in a list item", "owners:\n  - group: Tier 1\n    owner: a@example.com\n  - group: Tier 2\n    owner: b@example.com\n    ownr: c@example.com\n",
			[]string{"policy.yaml:6: owners[1].ownr: unknown key (did you mean owner?)"}},
		{"misspelt key in a list item", "owners:\n  - default: a@example.com\n  - grup: Tier 2\n    owner: b@example.com\n",
			[]string{
				"policy.yaml:3: owners[1].grup: unknown key (did you mean group?)",
				"policy.yaml:3: owners[1]: owner needs a group (or write default: for the owner of unlisted groups)",
			}},
		{"unknown key in a deeper section", "pricing:\n  roles:\n    Light Agent: 0\n  curency: EUR\n",
			[]string{"policy.yaml:4: pricing.curency: unknown key (did you mean currency?)"}},
		{"duplicate key", "inactivity_days: 30\ncommand: /w\ninactivity_days: 40\n",
			[]string{"policy.yaml:3: inactivity_days: duplicate key (first set on line 1)"}},
		{"merge key", "x: &base {unused_days: 5}\ncredentials:\n  <<: *base\n",
			[]string{
				"policy.yaml:1: x: unknown key",
				"policy.yaml:3: credentials: merge keys (<<) are not supported; write the keys out",
			}},

		// Type errors.
		{"whole number given a word", "inactivity_days: abc\n",
			[]string{`policy.yaml:1: inactivity_days: must be a whole number, got "abc"`}},
		{"whole number given a fraction", "review:\n  snooze_days: 1.5\n",
			[]string{`policy.yaml:2: review.snooze_days: must be a whole number, got "1.5"`}},
		{"whole number given a list", "inactivity_days: [30]\n",
			[]string{"policy.yaml:1: inactivity_days: must be a whole number, got a list"}},
		{"number given a word", "pricing:\n  agent: lots\n",
			[]string{`policy.yaml:2: pricing.agent: must be a number, got "lots"`}},
		{"number given infinity", "pricing:\n  admin: .inf\n",
			[]string{`policy.yaml:2: pricing.admin: must be a number, got ".inf"`}},
		{"duration given a plain number", "review:\n  remind_after: 72\n",
			[]string{`policy.yaml:2: review.remind_after: must be a duration with a unit, such as "72h" or "72s", got the plain number 72`}},
		{"duration given a word", "jobs:\n  timeout: soon\n",
			[]string{`policy.yaml:2: jobs.timeout: must be a duration such as "72h", "90m" or "30s", got "soon"`}},
		{"duration given a mapping", "approvals:\n  expire_after: {hours: 3}\n",
			[]string{`policy.yaml:2: approvals.expire_after: must be a duration such as "72h", got a mapping`}},
		{"section given a scalar", "review: yes\n",
			[]string{`policy.yaml:1: review: must be a mapping of keys, got "yes"`}},
		{"list given a scalar", "admins: alice@example.com\n",
			[]string{`policy.yaml:1: admins: must be a list such as [alice@example.com], got "alice@example.com"`}},
		{"list given a mapping", "non_seat_roles: {a: b}\n",
			[]string{"policy.yaml:1: non_seat_roles: must be a list, got a mapping"}},
		{"string given a mapping", "timezone: {zone: UTC}\n",
			[]string{"policy.yaml:1: timezone: must be a string, got a mapping"}},
		{"map given a list", "schedules: [sync]\n",
			[]string{"policy.yaml:1: schedules: must be a mapping of keys, got a list"}},
		{"empty list item", "admins:\n  - a@example.com\n  -\n",
			[]string{"policy.yaml:3: admins[1]: must not be empty"}},
		{"root is a list", "- a\n- b\n",
			[]string{`policy.yaml:1: the policy file must be a mapping of keys such as "inactivity_days: 30", got a list`}},
		{"root is a scalar", "hello\n",
			[]string{`policy.yaml:1: the policy file must be a mapping of keys such as "inactivity_days: 30", got "hello"`}},
		{"two documents", "inactivity_days: 30\n---\ninactivity_days: 40\n",
			[]string{"policy.yaml:2: the policy file must hold one YAML document, found another (remove the extra ---)"}},

		// Values.
		{"timezone", "timezone: Mars/Olympus_Mons\n",
			[]string{`policy.yaml:1: timezone: must be an IANA time zone such as Europe/Berlin or UTC, got "Mars/Olympus_Mons"`}},
		{"empty timezone", "timezone: \"\"\n",
			[]string{`policy.yaml:1: timezone: must be an IANA time zone such as Europe/Berlin or UTC, got ""`}},
		{"command without slash", "command: warden\n",
			[]string{`policy.yaml:1: command: must be "/" and 1 to 31 of a-z, 0-9, "-" or "_", such as /warden, got "warden"`}},
		{"command in capitals", "command: /Warden\n",
			[]string{`policy.yaml:1: command: must be "/" and 1 to 31 of a-z, 0-9, "-" or "_", such as /warden, got "/Warden"`}},
		{"command too long", "command: /" + strings.Repeat("a", 32) + "\n",
			[]string{`policy.yaml:1: command: must be "/" and 1 to 31 of a-z, 0-9, "-" or "_", such as /warden, got "/` + strings.Repeat("a", 32) + `"`}},
		{"command slash only", "command: /\n",
			[]string{`policy.yaml:1: command: must be "/" and 1 to 31 of a-z, 0-9, "-" or "_", such as /warden, got "/"`}},
		{"admin without domain", "admins: [alice]\n",
			[]string{`policy.yaml:1: admins[0]: must be an email address such as dana@example.com, got "alice"`}},
		{"admin with a display name", "admins:\n  - ok@example.com\n  - Alice <alice@example.com>\n",
			[]string{`policy.yaml:3: admins[1]: must be an email address such as dana@example.com, got "Alice <alice@example.com>"`}},
		{"two addresses in one item", "approvals:\n  approvers: [\"a@example.com, b@example.com\"]\n  high_risk_approvals: 1\n",
			[]string{`policy.yaml:2: approvals.approvers[0]: must be an email address such as dana@example.com, got "a@example.com, b@example.com"`}},
		{"workspace by name", "slack:\n  allowed_teams: [acme]\n",
			[]string{`policy.yaml:2: slack.allowed_teams[0]: must be a Slack workspace ID such as T0123ABCD (in Slack: workspace settings, or the team_id of any request), got "acme"`}},
		{"admin channel by name", "admin_channel: \"#ops\"\n",
			[]string{`policy.yaml:1: admin_channel: must be a Slack channel ID such as C0123ADMIN (in Slack: channel details, at the bottom) or a Teams channel ID such as 19:1a2b3c@thread.tacv2 (in Teams: the channel's "Get link to channel", between /channel/ and the next /, URL-decoded), got "#ops"`}},
		{"approval channel lower-case", "approvals:\n  channel: c0456\n",
			[]string{`policy.yaml:2: approvals.channel: must be a Slack channel ID such as C0123ADMIN (in Slack: channel details, at the bottom) or a Teams channel ID such as 19:1a2b3c@thread.tacv2 (in Teams: the channel's "Get link to channel", between /channel/ and the next /, URL-decoded), got "c0456"`}},
		{"no high-risk approvals", "approvals:\n  high_risk_approvals: 0\n",
			[]string{"policy.yaml:2: approvals.high_risk_approvals: must be at least 1, got 0"}},
		{"more high-risk approvals than approvers", "approvals:\n  approvers: [a@example.com, b@example.com]\n  high_risk_approvals: 3\n",
			[]string{"policy.yaml:3: approvals.high_risk_approvals: must not exceed the number of approvals.approvers (2), got 3"}},
		{"fewer approvers than the default needs", "approvals:\n  approvers: [a@example.com]\n",
			[]string{"policy.yaml:2: approvals.approvers: lists 1 approver(s) but approvals.high_risk_approvals needs 2; add approvers or lower high_risk_approvals"}},
		{"approvals never expire", "approvals:\n  expire_after: 0s\n",
			[]string{"policy.yaml:2: approvals.expire_after: must be longer than 0s, got 0s"}},
		{"an unknown kind of request", "approvals:\n  kinds:\n    laptop: {}\n",
			[]string{"policy.yaml:3: approvals.kinds.laptop: is not a kind of request; the kinds are app, change"}},
		{"a kind approver not an email", "approvals:\n  kinds:\n    app:\n      approvers: [bob]\n",
			[]string{`policy.yaml:4: approvals.kinds.app.approvers[0]: must be an email address such as dana@example.com, got "bob"`}},
		{"a risk rule without words", "approvals:\n  kinds:\n    change:\n      high_risk_if: [{field: what}]\n",
			[]string{"policy.yaml:4: approvals.kinds.change.high_risk_if[0]: needs a field and the words it contains, e.g. {field: what, contains: sso}"}},
		{"inactivity days zero", "inactivity_days: 0\n",
			[]string{"policy.yaml:1: inactivity_days: must be between 1 and 3650, got 0"}},
		{"inactivity days too many", "inactivity_days: 3651\n",
			[]string{"policy.yaml:1: inactivity_days: must be between 1 and 3650, got 3651"}},
		{"negative price", "pricing:\n  agent: -1\n  admin: -0.5\n",
			[]string{"policy.yaml:2: pricing.agent: must be 0 or more, got -1", "policy.yaml:3: pricing.admin: must be 0 or more, got -0.5"}},
		{"negative role price", "pricing:\n  roles:\n    Light Agent: -5\n",
			[]string{`policy.yaml:3: pricing.roles["Light Agent"]: must be 0 or more, got -5`}},
		{"role price given a word", "pricing:\n  roles:\n    lead: free\n",
			[]string{`policy.yaml:3: pricing.roles.lead: must be a number, got "free"`}},
		{"priced non-seat role", "pricing:\n  roles:\n    Light Agent: 10\nnon_seat_roles: [Light Agent]\n",
			[]string{`policy.yaml:3: pricing.roles["Light Agent"]: is priced at 10 but non_seat_roles says "Light Agent" holds no paid seat; price it 0 or remove it from one list`}},
		{"currency lower-case", "pricing:\n  currency: usd\n",
			[]string{`policy.yaml:2: pricing.currency: must be a three-letter ISO 4217 code in capitals such as USD or EUR, got "usd"`}},
		{"currency symbol", "pricing:\n  currency: €\n",
			[]string{`policy.yaml:2: pricing.currency: must be a three-letter ISO 4217 code in capitals such as USD or EUR, got "€"`}},
		{"non-seat role twice", "non_seat_roles: [Light, Viewer, Light]\n",
			[]string{`policy.yaml:1: non_seat_roles[2]: "Light" is already listed at non_seat_roles[0]`}},
		{"non-seat role blank", "non_seat_roles: [\" \"]\n",
			[]string{"policy.yaml:1: non_seat_roles[0]: must not be empty"}},
		{"owner group twice", "owners:\n  - group: Tier 2\n    owner: a@example.com\n  - group: Tier 2\n    owner: b@example.com\n",
			[]string{`policy.yaml:4: owners[1].group: group "Tier 2" is already listed at owners[0]`}},
		{"two default owners", "owners:\n  - default: a@example.com\n  - default: b@example.com\n",
			[]string{"policy.yaml:3: owners[1].default: only one default owner is allowed (already given at owners[0])"}},
		{"owner item with group and default", "owners:\n  - group: Tier 2\n    owner: a@example.com\n    default: b@example.com\n",
			[]string{"policy.yaml:2: owners[0]: give either group and owner, or default, not both"}},
		{"owner item without owner", "owners:\n  - group: Tier 2\n",
			[]string{`policy.yaml:2: owners[0]: group "Tier 2" needs an owner`}},
		{"owner item empty", "owners:\n  - {}\n",
			[]string{"policy.yaml:2: owners[0]: must have group and owner, or default"}},
		{"owner item a scalar", "owners:\n  - dana@example.com\n",
			[]string{`policy.yaml:2: owners[0]: must be a mapping of keys, got "dana@example.com"`}},
		{"owner not an email", "owners:\n  - group: Tier 2\n    owner: dana\n  - default: ops\n",
			[]string{
				`policy.yaml:3: owners[0].owner: must be an email address such as dana@example.com, got "dana"`,
				`policy.yaml:4: owners[1].default: must be an email address such as dana@example.com, got "ops"`,
			}},
		{"keep max days", "review:\n  keep_max_days: 0\n",
			[]string{"policy.yaml:2: review.keep_max_days: must be between 1 and 3650, got 0"}},
		{"snooze days", "review:\n  snooze_days: 400\n",
			[]string{"policy.yaml:2: review.snooze_days: must be between 1 and 365, got 400"}},
		{"remind after zero", "review:\n  remind_after: 0s\n",
			[]string{"policy.yaml:2: review.remind_after: must be longer than 0s, got 0s"}},
		{"escalate before remind", "review:\n  remind_after: 72h\n  escalate_after: 48h\n",
			[]string{"policy.yaml:3: review.escalate_after: must be longer than review.remind_after (72h), got 48h"}},
		{"escalate equal to remind", "review:\n  escalate_after: 72h\n",
			[]string{"policy.yaml:2: review.escalate_after: must be longer than review.remind_after (72h), got 72h"}},
		{"remind after past the default escalation", "review:\n  remind_after: 200h\n",
			[]string{"policy.yaml:2: review.remind_after: must be shorter than review.escalate_after (168h), got 200h"}},
		{"on silence", "review:\n  on_silence: ignore\n",
			[]string{`policy.yaml:2: review.on_silence: must be one of escalate, downgrade, got "ignore"`}},
		{"remove action", "review:\n  remove_action: delete\n",
			[]string{`policy.yaml:2: review.remove_action: must be one of demote, suspend, got "delete"`}},
		{"github remove action", "github:\n  remove_action: demote\n",
			[]string{`policy.yaml:2: github.remove_action: must be one of cancel-seat, remove-member, got "demote"`}},
		{"github owners checked like owners", "github:\n  owners:\n    - group: platform\n      owner: not-an-email\n",
			[]string{`policy.yaml:4: github.owners[0].owner: must be an email address such as dana@example.com, got "not-an-email"`}},
		{"github price", "github:\n  pricing:\n    copilot_business: -19\n",
			[]string{`policy.yaml:3: github.pricing.copilot_business: must be 0 or more, got -19`}},
		{"downgrade role id negative", "review:\n  downgrade_role_id: -1\n",
			[]string{"policy.yaml:2: review.downgrade_role_id: must be a Zendesk custom role ID, or 0 to demote instead, got -1"}},
		{"a manager entry with a group", "owners:\n  - {group: Tier 2, manager: true}\n",
			[]string{"policy.yaml:2: owners[0]: manager: true stands alone: the holder's manager answers for seats of groups not listed"}},
		{"managers from nowhere", "owners:\n  - manager: true\n",
			[]string{"policy.yaml:2: owners[0].manager: needs managers to come from somewhere: set up an identity source (OKTA_ORG_URL, GRAPH_TENANT_ID, GOOGLE_ADMIN_EMAIL or SCIM_URL) or list them under managers"}},
		{"what happens to leavers' seats", "identity:\n  on_departed: fire\n",
			[]string{`policy.yaml:2: identity.on_departed: must be one of ask, remove, suspend, got "fire"`}},
		{"unused days", "credentials:\n  unused_days: 0\n",
			[]string{"policy.yaml:2: credentials.unused_days: must be between 1 and 3650, got 0"}},
		{"cron with too few fields", "schedules:\n  sync: \"*/15 * *\"\n",
			[]string{`policy.yaml:2: schedules.sync: invalid cron spec "*/15 * *": expected exactly 5 fields, found 3: [*/15 * *]`}},
		{"cron with seconds", "schedules:\n  reminders: \"0 0 * * * *\"\n",
			[]string{`policy.yaml:2: schedules.reminders: invalid cron spec "0 0 * * * *": expected exactly 5 fields, found 6: [0 0 * * * *]`}},
		{"cron out of range", "schedules:\n  inactive-digest: \"0 25 * * MON\"\n",
			[]string{`policy.yaml:2: schedules.inactive-digest: invalid cron spec "0 25 * * MON": end of range (25) above maximum (23): 25`}},
		{"cron with its own zone", "schedules:\n  sync: \"TZ=Europe/Berlin 0 9 * * *\"\n",
			[]string{`policy.yaml:2: schedules.sync: invalid cron spec "TZ=Europe/Berlin 0 9 * * *": set the zone with the timezone key, not in the spec`}},
		{"unknown job", "schedules:\n  synk: \"* * * * *\"\n",
			[]string{"policy.yaml:2: schedules.synk: unknown job (did you mean sync?); jobs are sync, inactive-digest, token-digest, reminders, access-expiry, privilege-review, verify-expiry, identity-sync, retention, audit-watch, posture-digest"}},
		{"zendesk rate zero", "zendesk:\n  requests_per_minute: 0\n",
			[]string{"policy.yaml:2: zendesk.requests_per_minute: must be between 1 and 2500, got 0"}},
		{"zendesk rate too high", "zendesk:\n  requests_per_minute: 2501\n",
			[]string{"policy.yaml:2: zendesk.requests_per_minute: must be between 1 and 2500, got 2501"}},
		{"zendesk timeout", "zendesk:\n  timeout: 0s\n",
			[]string{"policy.yaml:2: zendesk.timeout: must be longer than 0s, got 0s"}},
		{"job timeout negative", "jobs:\n  timeout: -1m\n",
			[]string{"policy.yaml:2: jobs.timeout: must be longer than 0s, got -1m"}},
		{"job lock ttl too short", "jobs:\n  lock_ttl: 1s\n",
			[]string{"policy.yaml:2: jobs.lock_ttl: must be between 3s and 1h, got 1s"}},
		{"job lock ttl too long", "jobs:\n  lock_ttl: 2h\n",
			[]string{"policy.yaml:2: jobs.lock_ttl: must be between 3s and 1h, got 2h0m0s"}},

		// Everything at once, in file order.
		{"several problems", "review:\n  on_silence: shout\n  snoze_days: 3\ninactivity_days: abc\ntimezone: Nowhere/Town\nbogus: 1\n",
			[]string{
				`policy.yaml:2: review.on_silence: must be one of escalate, downgrade, got "shout"`,
				"policy.yaml:3: review.snoze_days: unknown key (did you mean snooze_days?)",
				`policy.yaml:4: inactivity_days: must be a whole number, got "abc"`,
				`policy.yaml:5: timezone: must be an IANA time zone such as Europe/Berlin or UTC, got "Nowhere/Town"`,
				"policy.yaml:6: bogus: unknown key",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadPolicy(tt.doc)
			if err == nil {
				t.Fatalf("Load succeeded with %+v, want problems:\n%s", c.Policy, strings.Join(tt.want, "\n"))
			}
			if diff := cmp.Diff(tt.want, problemLines(t, err)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if got, want := err.Error(), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("Error() =\n%s\nwant one problem per line:\n%s", got, want)
			}
		})
	}
}

func TestLoadPolicyProblemFields(t *testing.T) {
	_, err := loadPolicy("review:\n  snoze_days: 3\n")
	var cerr *config.Error
	if !errors.As(err, &cerr) {
		t.Fatalf("Load error %v is not a *config.Error", err)
	}
	want := []config.Problem{{
		Path:    "review.snoze_days",
		Message: "unknown key (did you mean snooze_days?)",
		Line:    2,
		File:    "policy.yaml",
	}}
	if diff := cmp.Diff(want, cerr.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestLoadPolicySyntaxError(t *testing.T) {
	_, err := loadPolicy("review:\n  snooze_days: 3\n keep_max_days: 5\n")
	var cerr *config.Error
	if !errors.As(err, &cerr) || len(cerr.Problems) != 1 {
		t.Fatalf("Load error = %v, want one problem", err)
	}
	p := cerr.Problems[0]
	if p.File != "policy.yaml" || p.Line == 0 || !strings.HasPrefix(p.Message, "invalid YAML: ") {
		t.Errorf("problem = %+v, want policy.yaml, a line, an invalid YAML message", p)
	}
	if strings.Contains(p.Message, "yaml: line") {
		t.Errorf("message %q repeats the parser's line prefix", p.Message)
	}
}

func TestLoadPolicyTabIndent(t *testing.T) {
	_, err := loadPolicy("review:\n\tsnooze_days: 3\n")
	want := []string{"policy.yaml:2: invalid YAML: found character that cannot start any token (indent with spaces: YAML does not allow tabs)"}
	if diff := cmp.Diff(want, problemLines(t, err)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestLoadPolicyFileMissing(t *testing.T) {
	tests := []struct {
		name string
		opts config.LoadOptions
		want string
	}{
		{"named by flag", config.LoadOptions{Path: "/etc/seatwarden/policy.yaml"},
			`--config: cannot read the policy file "/etc/seatwarden/policy.yaml": no such file or directory`},
		{"named by environment", config.LoadOptions{Getenv: envOf(map[string]string{"SEATWARDEN_CONFIG": "/nope.yaml"})},
			`SEATWARDEN_CONFIG: cannot read the policy file "/nope.yaml": no such file or directory`},
		{"flag wins over environment", config.LoadOptions{Path: "/a.yaml", Getenv: envOf(map[string]string{"SEATWARDEN_CONFIG": "testdata/full.yaml"})},
			`--config: cannot read the policy file "/a.yaml": no such file or directory`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opts.Getenv == nil {
				tt.opts.Getenv = envOf(nil)
			}
			tt.opts.ReadFile = func(p string) ([]byte, error) {
				return nil, &fs.PathError{Op: "open", Path: p, Err: errors.New("no such file or directory")}
			}
			_, err := config.Load(tt.opts)
			if diff := cmp.Diff([]string{tt.want}, problemLines(t, err)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadReportsFileAndEnvironmentTogether(t *testing.T) {
	_, err := config.Load(config.LoadOptions{
		Path:     "p.yaml",
		Getenv:   envOf(map[string]string{"SEATWARDEN_LOG_LEVEL": "loud"}),
		ReadFile: filesOf(map[string]string{"p.yaml": "inactivity_days: 0\n"}),
	})
	want := []string{
		"p.yaml:1: inactivity_days: must be between 1 and 3650, got 0",
		`SEATWARDEN_LOG_LEVEL: must be one of debug, info, warn, error, got "loud"`,
	}
	if diff := cmp.Diff(want, problemLines(t, err)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[string]string{"72h": "72h", "168h": "168h", "90m": "1h30m", "30s": "30s", "10m": "10m", "1h0m30s": "1h0m30s", "1.5s": "1.5s", "0s": "0s"} {
		d, err := config.ParseDuration(in)
		if err != nil {
			t.Errorf("ParseDuration(%q): %v", in, err)
			continue
		}
		if got := d.String(); got != want {
			t.Errorf("ParseDuration(%q).String() = %q, want %q", in, got, want)
		}
	}
	for _, in := range []string{"", "72", "1.5", "-3", "soon", "3 days"} {
		if _, err := config.ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) succeeded, want an error", in)
		}
	}
	if got := config.Duration(90 * time.Minute).Std(); got != 90*time.Minute {
		t.Errorf("Std() = %v", got)
	}
}

// TestTeamsChannelsAreChannels: escalations and approval threads may live
// in a Teams channel.
func TestTeamsChannelsAreChannels(t *testing.T) {
	for _, id := range []string{"19:1a2b3c4d@thread.tacv2", "19:abc-def_9.x@thread.skype", "19:meeting_1@thread.v2"} {
		policy := []byte("admin_channel: \"" + id + "\"\n")
		cfg, err := config.Load(config.LoadOptions{Path: "policy.yaml", Getenv: func(string) string { return "" },
			ReadFile: func(string) ([]byte, error) { return policy, nil }})
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		if cfg.Policy.AdminChannel != id {
			t.Errorf("admin_channel = %q, want %q", cfg.Policy.AdminChannel, id)
		}
	}
}
