package config_test

import (
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/config"
)

func TestDescribe(t *testing.T) {
	c, err := config.Load(config.LoadOptions{
		Getenv: envOf(map[string]string{
			"SEATWARDEN_CONFIG":               "policy.yaml",
			"SEATWARDEN_ADDR":                 ":9000",
			"SLACK_BOT_TOKEN_FILE":            "/run/bot",
			"SLACK_SIGNING_SECRET":            "LEAKsigning",
			"REDIS_URL":                       "redis://:LEAKredispw@r:6379",
			"SEATWARDEN_ENCRYPTION_KEY":       leakKey,
			"SEATWARDEN_ENCRYPTION_KEYS_FILE": "/run/keys",
		}),
		ReadFile: filesOf(map[string]string{
			"policy.yaml": "# review settings\nreview:\n  snooze_days: 3\nschedules:\n  sync: \"*/5 * * * *\"\npricing:\n  roles:\n    Light Agent: 0\nstore:\n  require_encryption: true\n",
			"/run/bot":    "xoxb-LEAKbot\n",
			"/run/keys":   "# retired in March\nold:" + leakOldKey + "\n",
		}),
	})
	if err != nil {
		t.Fatalf("Load:\n%v", err)
	}
	settings := c.Describe()
	byName := map[string]config.Setting{}
	for _, s := range settings {
		if _, dup := byName[s.Name]; dup {
			t.Errorf("setting %s listed twice", s.Name)
		}
		byName[s.Name] = s
		assertNoLeak(t, "setting "+s.Name, s.Value)
	}
	want := []config.Setting{
		{Name: "SEATWARDEN_CONFIG", Value: "policy.yaml", Source: config.SourceEnv, From: "SEATWARDEN_CONFIG"},
		{Name: "SEATWARDEN_ADDR", Value: ":9000", Source: config.SourceEnv, From: "SEATWARDEN_ADDR"},
		{Name: "SEATWARDEN_DATA_DIR", Value: "./data", Source: config.SourceDefault},
		{Name: "SLACK_BOT_TOKEN", Value: "set (redacted)", Source: config.SourceEnv, From: "SLACK_BOT_TOKEN_FILE"},
		{Name: "SLACK_SIGNING_SECRET", Value: "set (redacted)", Source: config.SourceEnv, From: "SLACK_SIGNING_SECRET"},
		{Name: "SLACK_APP_TOKEN", Value: "unset", Source: config.SourceDefault},
		{Name: "REDIS_URL", Value: "set (redacted)", Source: config.SourceEnv, From: "REDIS_URL"},
		{Name: "SEATWARDEN_ENCRYPTION_KEY", Value: "set (redacted)", Source: config.SourceEnv, From: "SEATWARDEN_ENCRYPTION_KEY"},
		{Name: "SEATWARDEN_ENCRYPTION_KEYS", Value: "set (redacted)", Source: config.SourceEnv, From: "SEATWARDEN_ENCRYPTION_KEYS_FILE"},
		{Name: "store.require_encryption", Value: "true", Source: config.SourceFile, From: "policy.yaml:10"},
		{Name: "TEAMS_SERVICE_URLS", Value: "https://smba.trafficmanager.net/, https://smba.infra.gcc.teams.microsoft.com/, https://smba.infra.gov.teams.microsoft.us/, https://smba.infra.dod.teams.microsoft.us/", Source: config.SourceDefault},
		{Name: "review.snooze_days", Value: "3", Source: config.SourceFile, From: "policy.yaml:3"},
		{Name: "review.keep_max_days", Value: "180", Source: config.SourceDefault},
		{Name: "review.remind_after", Value: "72h", Source: config.SourceDefault},
		{Name: "schedules.sync", Value: "*/5 * * * *", Source: config.SourceFile, From: "policy.yaml:5"},
		{Name: "schedules.reminders", Value: "0 * * * *", Source: config.SourceDefault},
		{Name: `pricing.roles["Light Agent"]`, Value: "0", Source: config.SourceFile, From: "policy.yaml:8"},
		{Name: "admins", Value: "none", Source: config.SourceDefault},
		{Name: "pricing.admin", Value: "115", Source: config.SourceDefault},
	}
	for _, w := range want {
		if diff := cmp.Diff(w, byName[w.Name]); diff != "" {
			t.Errorf("setting %s (-want +got):\n%s", w.Name, diff)
		}
	}

	// Every policy key appears, so doctor shows the whole effective policy.
	for _, key := range []string{
		"timezone", "command", "admin_channel", "approvals.channel", "approvals.approvers",
		"approvals.high_risk_approvals", "approvals.expire_after", "inactivity_days", "pricing.agent",
		"pricing.currency", "non_seat_roles", "owners", "review.escalate_after", "review.on_silence",
		"review.remove_action", "review.downgrade_role_id", "credentials.unused_days",
		"schedules.inactive-digest", "schedules.token-digest", "zendesk.requests_per_minute",
		"zendesk.timeout", "jobs.timeout", "jobs.lock_ttl", "slack.allowed_teams", "store.require_encryption",
		"access.min_duration", "access.default_duration", "access.warn_before", "access.roles.admin.max_duration",
		"access.roles.admin.high_risk", "access.break_glass.enabled", "access.break_glass.max_duration",
		"access.self_extension.enabled", "access.self_extension.max_duration", "access.standing_allowed",
		"access.keep_max_days",
	} {
		if _, ok := byName[key]; !ok {
			t.Errorf("Describe lacks %s", key)
		}
	}
}

func TestDescribeDefault(t *testing.T) {
	for _, s := range config.Default().Describe() {
		if s.Source != config.SourceDefault || s.From != "" {
			t.Errorf("%s: source %q from %q, want default", s.Name, s.Source, s.From)
		}
	}
}

func TestJobNamesMatchDefaultSchedules(t *testing.T) {
	names := config.JobNames()
	var scheduled []string
	for name := range config.DefaultPolicy().Schedules {
		scheduled = append(scheduled, name)
	}
	sort.Strings(scheduled)
	sorted := slices.Sorted(slices.Values(names))
	if diff := cmp.Diff(sorted, scheduled); diff != "" {
		t.Errorf("default schedules vs JobNames (-names +schedules):\n%s", diff)
	}
}
