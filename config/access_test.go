package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/config"
)

func hours(h float64) config.Duration { return config.Duration(time.Duration(h * float64(time.Hour))) }

func TestAccessDefaults(t *testing.T) {
	want := config.AccessPolicy{
		MinDuration:     config.Duration(15 * time.Minute),
		DefaultDuration: hours(1),
		WarnBefore:      config.Duration(10 * time.Minute),
		Roles:           map[string]config.AccessRole{"admin": {MaxDuration: hours(4), HighRisk: true}},
		BreakGlass:      config.BreakGlass{Enabled: false, MaxDuration: hours(1)},
		SelfExtension:   config.SelfExtension{Enabled: false, MaxDuration: hours(1)},
		KeepMaxDays:     90,
		VerifyBy:        config.VerifyByNone,
	}
	if diff := cmp.Diff(want, config.DefaultPolicy().Access); diff != "" {
		t.Errorf("DefaultPolicy().Access (-want +got):\n%s", diff)
	}
	// A section whose keys are all commented out keeps every default.
	c, err := loadPolicy("access:\n  # min_duration: 5m\n")
	if err != nil {
		t.Fatalf("Load:\n%v", err)
	}
	if diff := cmp.Diff(want, c.Policy.Access); diff != "" {
		t.Errorf("empty access section (-want +got):\n%s", diff)
	}
	// Each call returns a fresh map.
	config.DefaultPolicy().Access.Roles["admin"] = config.AccessRole{}
	if config.DefaultPolicy().Access.Roles["admin"].MaxDuration != hours(4) {
		t.Error("DefaultPolicy shares its roles map between calls")
	}
}

func TestAccessPolicyValid(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want func(*config.AccessPolicy) // edits the defaults into what the file gives
	}{
		{"listed roles replace the default admin",
			"access:\n  roles:\n    Team Lead: {max_duration: 2h}\n",
			func(a *config.AccessPolicy) {
				a.Roles = map[string]config.AccessRole{"Team Lead": {MaxDuration: hours(2)}}
			}},
		{"admin listed with only some keys keeps the other defaults",
			"access:\n  roles:\n    admin: {max_duration: 2h}\n    deploy: {high_risk: true}\n",
			func(a *config.AccessPolicy) {
				a.Roles = map[string]config.AccessRole{"admin": {MaxDuration: hours(2), HighRisk: true}, "deploy": {MaxDuration: hours(4), HighRisk: true}}
			}},
		{"admin in another case is still high risk",
			"access:\n  roles:\n    Admin: {max_duration: 2h}\n",
			func(a *config.AccessPolicy) {
				a.Roles = map[string]config.AccessRole{"Admin": {MaxDuration: hours(2), HighRisk: true}}
			}},
		{"admin high risk said out loud",
			"access:\n  roles:\n    admin: {high_risk: true}\n", nil},
		{"a role listed bare gets the defaults",
			"access:\n  roles:\n    deploy:\n    admin:\n",
			func(a *config.AccessPolicy) {
				a.Roles = map[string]config.AccessRole{"admin": {MaxDuration: hours(4), HighRisk: true}, "deploy": {MaxDuration: hours(4)}}
			}},
		{"roles left empty keep the default", "access:\n  roles:\n", nil},
		{"every bound equal",
			"access:\n  min_duration: 30m\n  default_duration: 30m\n  roles:\n    admin: {max_duration: 30m}\n  break_glass: {max_duration: 30m}\n",
			func(a *config.AccessPolicy) {
				a.MinDuration, a.DefaultDuration, a.BreakGlass.MaxDuration = hours(0.5), hours(0.5), hours(0.5)
				a.Roles = map[string]config.AccessRole{"admin": {MaxDuration: hours(0.5), HighRisk: true}}
			}},
		{"warn_before may exceed the shortest grant",
			"access:\n  warn_before: 1h\n",
			func(a *config.AccessPolicy) { a.WarnBefore = hours(1) }},
		{"standing emails are lower-cased",
			"access:\n  standing_allowed: [Root@Example.COM]\n",
			func(a *config.AccessPolicy) { a.StandingAllowed = []string{"root@example.com"} }},
		{"the account owner, lower-cased",
			"access:\n  account_owner: Dana@Example.COM\n",
			func(a *config.AccessPolicy) { a.AccountOwner = "dana@example.com" }},
		{"keep_max_days at its edges",
			"access:\n  keep_max_days: 365\n",
			func(a *config.AccessPolicy) { a.KeepMaxDays = 365 }},
		{"break glass and self-extension on",
			"access:\n  break_glass:\n    enabled: true\n  self_extension:\n    enabled: true\n    max_duration: 2h\n",
			func(a *config.AccessPolicy) {
				a.BreakGlass.Enabled = true
				a.SelfExtension = config.SelfExtension{Enabled: true, MaxDuration: hours(2)}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadPolicy(tt.doc)
			if err != nil {
				t.Fatalf("Load:\n%v", err)
			}
			want := config.DefaultPolicy().Access
			if tt.want != nil {
				tt.want(&want)
			}
			if diff := cmp.Diff(want, c.Policy.Access); diff != "" {
				t.Errorf("access (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAccessPolicyProblems(t *testing.T) {
	const emailHint = "must be an email address such as dana@example.com"
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		// Unknown keys, with the nearest known one.
		{"misspelt section", "acess:\n  min_duration: 1h\n",
			[]string{"policy.yaml:1: acess: unknown key (did you mean access?)"}},
		{"misspelt key", "access:\n  min_duraton: 10m\n",
			[]string{"policy.yaml:2: access.min_duraton: unknown key (did you mean min_duration?)"}},
		{"dashes for underscores", "access:\n  break-glass:\n    enabled: true\n",
			[]string{"policy.yaml:2: access.break-glass: unknown key (did you mean break_glass?)"}},
		{"camelCase key", "access:\n  selfExtension: {enabled: true}\n",
			[]string{"policy.yaml:2: access.selfExtension: unknown key (did you mean self_extension?)"}},
		{"misspelt key in a role", "access:\n  roles:\n    admin:\n      max_duraton: 2h\n",
			[]string{"policy.yaml:4: access.roles.admin.max_duraton: unknown key (did you mean max_duration?)"}},
		{"misspelt key in break glass", "access:\n  break_glass:\n    max_durations: 2h\n",
			[]string{"policy.yaml:3: access.break_glass.max_durations: unknown key (did you mean max_duration?)"}},

		// Types.
		{"duration without a unit", "access:\n  min_duration: 15\n",
			[]string{`policy.yaml:2: access.min_duration: must be a duration with a unit, such as "15h" or "15s", got the plain number 15`}},
		{"enabled given a word", "access:\n  break_glass:\n    enabled: yes\n",
			[]string{`policy.yaml:3: access.break_glass.enabled: must be true or false, got "yes"`}},
		{"roles given a list", "access:\n  roles: [admin]\n",
			[]string{"policy.yaml:2: access.roles: must be a mapping of keys, got a list"}},
		{"standing given one address", "access:\n  standing_allowed: root@example.com\n",
			[]string{`policy.yaml:2: access.standing_allowed: must be a list such as [root@example.com], got "root@example.com"`}},

		// Durations.
		{"min duration zero", "access:\n  min_duration: 0s\n",
			[]string{"policy.yaml:2: access.min_duration: must be longer than 0s, got 0s"}},
		{"default duration negative", "access:\n  default_duration: -1h\n",
			[]string{"policy.yaml:2: access.default_duration: must be longer than 0s, got -1h"}},
		{"warn before zero", "access:\n  warn_before: 0s\n",
			[]string{"policy.yaml:2: access.warn_before: must be longer than 0s, got 0s"}},
		{"default shorter than the minimum", "access:\n  default_duration: 10m\n",
			[]string{"policy.yaml:2: access.default_duration: must be at least access.min_duration (15m), got 10m"}},
		{"minimum past the default", "access:\n  min_duration: 2h\n",
			[]string{"policy.yaml:2: access.min_duration: must be at most access.default_duration (1h), got 2h"}},
		{"minimum and default past the default role's max", "access:\n  min_duration: 5h\n  default_duration: 5h\n",
			[]string{
				"policy.yaml:2: access.min_duration: must be at most access.roles.admin.max_duration (4h), got 5h",
				"policy.yaml:3: access.default_duration: must be at most access.roles.admin.max_duration (4h), got 5h",
			}},
		{"role max shorter than the minimum", "access:\n  roles:\n    deploy: {max_duration: 10m}\n",
			[]string{"policy.yaml:3: access.roles.deploy.max_duration: must be at least access.default_duration (1h), got 10m"}},
		{"role max shorter than the minimum, default shorter still", "access:\n  min_duration: 20m\n  default_duration: 15m\n  roles:\n    deploy: {max_duration: 18m}\n",
			[]string{
				"policy.yaml:3: access.default_duration: must be at least access.min_duration (20m), got 15m",
				"policy.yaml:5: access.roles.deploy.max_duration: must be at least access.min_duration (20m), got 18m",
			}},
		{"role max shorter than the default", "access:\n  roles:\n    Team Lead:\n      max_duration: 30m\n",
			[]string{`policy.yaml:4: access.roles["Team Lead"].max_duration: must be at least access.default_duration (1h), got 30m`}},
		{"role max zero", "access:\n  roles:\n    Team Lead: {max_duration: 0s}\n",
			[]string{`policy.yaml:3: access.roles["Team Lead"].max_duration: must be longer than 0s, got 0s`}},
		{"break glass shorter than the minimum", "access:\n  break_glass:\n    enabled: true\n    max_duration: 10m\n",
			[]string{"policy.yaml:4: access.break_glass.max_duration: must be at least access.min_duration (15m), got 10m"}},
		{"break glass zero", "access:\n  break_glass:\n    max_duration: 0s\n",
			[]string{"policy.yaml:3: access.break_glass.max_duration: must be longer than 0s, got 0s"}},
		{"self-extension zero", "access:\n  self_extension:\n    enabled: true\n    max_duration: 0s\n",
			[]string{"policy.yaml:4: access.self_extension.max_duration: must be longer than 0s, got 0s"}},

		// Roles.
		{"no roles", "access:\n  roles: {}\n",
			[]string{"policy.yaml:2: access.roles: lists no role; list the roles people may ask for, such as admin: {max_duration: 4h}"}},
		{"empty role name", "access:\n  roles:\n    \" \": {}\n",
			[]string{`policy.yaml:3: access.roles[" "]: keys must not be empty`}},
		{"the same role in two cases", "access:\n  roles:\n    Admin: {}\n    deploy: {}\n    ADMIN: {}\n",
			[]string{`policy.yaml:5: access.roles.ADMIN: "ADMIN" is the same role as "Admin" (role names are compared without case); list it once`}},
		{"the same role twice", "access:\n  roles:\n    deploy: {}\n    deploy: {}\n",
			[]string{"policy.yaml:4: access.roles.deploy: duplicate key (first set on line 3)"}},
		{"admin not high risk", "access:\n  roles:\n    admin: {high_risk: false}\n",
			[]string{"policy.yaml:3: access.roles.admin.high_risk: admin is always high risk; set it true or leave it out"}},

		// People and days.
		{"standing not an email", "access:\n  standing_allowed:\n    - ok@example.com\n    - root\n",
			[]string{`policy.yaml:4: access.standing_allowed[1]: ` + emailHint + `, got "root"`}},
		{"account owner not an email", "access:\n  account_owner: dana\n",
			[]string{`policy.yaml:2: access.account_owner: ` + emailHint + `, got "dana"`}},
		{"keep max days zero", "access:\n  keep_max_days: 0\n",
			[]string{"policy.yaml:2: access.keep_max_days: must be between 1 and 365, got 0"}},
		{"keep max days past a year", "access:\n  keep_max_days: 366\n",
			[]string{"policy.yaml:2: access.keep_max_days: must be between 1 and 365, got 366"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadPolicy(tt.doc)
			if err == nil {
				t.Fatalf("Load succeeded with %+v, want problems:\n%s", c.Policy.Access, strings.Join(tt.want, "\n"))
			}
			if diff := cmp.Diff(tt.want, problemLines(t, err)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDescribeAccess(t *testing.T) {
	c, err := loadPolicy("access:\n  min_duration: 30m\n  roles:\n    Team Lead:\n      max_duration: 2h\n  standing_allowed: [root@example.com]\n")
	if err != nil {
		t.Fatalf("Load:\n%v", err)
	}
	byName := map[string]config.Setting{}
	for _, s := range c.Describe() {
		byName[s.Name] = s
	}
	want := []config.Setting{
		{Name: "access.min_duration", Value: "30m", Source: config.SourceFile, From: "policy.yaml:2"},
		{Name: "access.default_duration", Value: "1h", Source: config.SourceDefault},
		{Name: "access.warn_before", Value: "10m", Source: config.SourceDefault},
		{Name: `access.roles["Team Lead"].max_duration`, Value: "2h", Source: config.SourceFile, From: "policy.yaml:5"},
		{Name: `access.roles["Team Lead"].high_risk`, Value: "false", Source: config.SourceDefault},
		{Name: "access.break_glass.enabled", Value: "false", Source: config.SourceDefault},
		{Name: "access.break_glass.max_duration", Value: "1h", Source: config.SourceDefault},
		{Name: "access.self_extension.enabled", Value: "false", Source: config.SourceDefault},
		{Name: "access.self_extension.max_duration", Value: "1h", Source: config.SourceDefault},
		{Name: "access.standing_allowed", Value: "root@example.com", Source: config.SourceFile, From: "policy.yaml:6"},
		{Name: "access.keep_max_days", Value: "90", Source: config.SourceDefault},
	}
	for _, w := range want {
		if diff := cmp.Diff(w, byName[w.Name]); diff != "" {
			t.Errorf("setting %s (-want +got):\n%s", w.Name, diff)
		}
	}
	// The file's roles replace the default: admin is not listed.
	for name := range byName {
		if strings.HasPrefix(name, "access.roles.admin") {
			t.Errorf("Describe lists %s, but the file's roles leave admin out", name)
		}
	}

	defaults := map[string]string{}
	for _, s := range config.Default().Describe() {
		defaults[s.Name] = s.Value
	}
	for key, value := range map[string]string{
		"access.min_duration": "15m", "access.default_duration": "1h", "access.warn_before": "10m",
		"access.roles.admin.max_duration": "4h", "access.roles.admin.high_risk": "true",
		"access.break_glass.enabled": "false", "access.break_glass.max_duration": "1h",
		"access.self_extension.enabled": "false", "access.self_extension.max_duration": "1h",
		"access.standing_allowed": "none", "access.keep_max_days": "90", "access.account_owner": "",
	} {
		if got, ok := defaults[key]; !ok || got != value {
			t.Errorf("default Describe: %s = %q (listed %v), want %q", key, got, ok, value)
		}
	}
}
