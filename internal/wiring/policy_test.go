package wiring_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/reviews"
)

func TestSeatOwnersFollowTheOwnersList(t *testing.T) {
	p := config.DefaultPolicy()
	p.Owners = []config.Owner{
		{Group: "Tier 2", Owner: "dana@example.com"},
		{Default: "ops@example.com"}, // the default may come anywhere in the list
		{Group: "Billing", Owner: "bill@example.com"},
	}
	owners := wiring.SeatOwners(p)
	for group, want := range map[string]string{"Tier 2": "dana@example.com", "Billing": "bill@example.com", "Tier 1": "ops@example.com", "": "ops@example.com"} {
		if got := owners.OfGroup(group); got != want {
			t.Errorf("OfGroup(%q) = %q, want %q", group, got, want)
		}
	}
}

// The holder's manager answers for seats no group names when the list
// says so, and, with a directory, when nothing else would.
func TestManagersAnswerForUnlistedSeats(t *testing.T) {
	group := config.Owner{Group: "Tier 2", Owner: "dana@example.com"}
	tests := []struct {
		name      string
		list      []config.Owner
		directory bool
		want      bool
	}{
		{"manager: true", []config.Owner{group, {Manager: true}, {Default: "ops@example.com"}}, false, true},
		{"a default owner and no directory", []config.Owner{group, {Default: "ops@example.com"}}, false, false},
		{"a default owner with a directory", []config.Owner{group, {Default: "ops@example.com"}}, true, false},
		{"no default, no directory", []config.Owner{group}, false, false},
		{"no default, with a directory: the fallback", []config.Owner{group}, true, true},
		{"no owners at all, with a directory", nil, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wiring.ByManager(tt.list, tt.directory); got != tt.want {
				t.Errorf("ByManager = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSeatPolicyCarriesEveryRule(t *testing.T) {
	p := config.DefaultPolicy()
	p.Timezone = "Europe/Berlin"
	p.InactivityDays = 45
	p.Pricing.Agent, p.Pricing.Admin, p.Pricing.Currency = 89, 149, "EUR"
	p.Pricing.Roles = map[string]float64{"Team lead": 99}
	p.NonSeatRoles = []string{"Billing viewer"}
	got := wiring.SeatPolicy(p)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	switch {
	case got.InactivityDays != 45, got.Location.String() != berlin.String(),
		got.Pricing.Agent != 89, got.Pricing.Admin != 149, got.Pricing.Currency != "EUR",
		got.Pricing.Roles["Team lead"] != 99, len(got.NonSeatRoles) != 1 || got.NonSeatRoles[0] != "Billing viewer":
		t.Errorf("SeatPolicy(%+v) = %+v", p, got)
	}
}

func TestReviewPolicies(t *testing.T) {
	p := config.DefaultPolicy()
	p.Review.RemoveAction, p.Review.OnSilence, p.Review.DowngradeRoleID = config.RemoveActionSuspend, config.OnSilenceDowngrade, 360001
	zd := wiring.ReviewPolicy(p)
	if zd.RemoveAction != reviews.ChangeSuspend || !zd.DowngradeOnSilence || zd.DowngradeRoleID != 360001 || zd.KeepMaxDays != 180 {
		t.Errorf("Zendesk's review policy: %+v", zd)
	}
	gh := wiring.GitHubReviewPolicy(p)
	if gh.RemoveAction != reviews.ChangeDemote || gh.DowngradeOnSilence || gh.DowngradeRoleID != 0 {
		t.Errorf("GitHub's review policy %+v: Remove frees the seat, and nothing is ever downgraded", gh)
	}
}

func TestAccessPolicy(t *testing.T) {
	const (
		minute = config.Duration(time.Minute)
		hour   = config.Duration(time.Hour)
	)
	tests := []struct {
		name   string
		access func(a *config.AccessPolicy) // edits the default section
		policy *config.Policy               // a hand-built policy instead
		want   access.Policy
	}{
		{name: "defaults",
			want: access.Policy{
				Roles:       map[string]access.RolePolicy{"admin": {MaxDuration: 4 * time.Hour, HighRisk: true}},
				MinDuration: 15 * time.Minute, DefaultDuration: time.Hour, WarnBefore: 10 * time.Minute, VerifyBy: access.ConfirmByNone,
			}},
		{name: "every duration carried",
			access: func(a *config.AccessPolicy) {
				a.MinDuration, a.DefaultDuration, a.WarnBefore = 30*minute, 2*hour, 5*minute
				a.Roles = map[string]config.AccessRole{"admin": {MaxDuration: 3 * hour, HighRisk: true}}
			},
			want: access.Policy{
				Roles:       map[string]access.RolePolicy{"admin": {MaxDuration: 3 * time.Hour, HighRisk: true}},
				MinDuration: 30 * time.Minute, DefaultDuration: 2 * time.Hour, WarnBefore: 5 * time.Minute, VerifyBy: access.ConfirmByNone,
			}},
		{name: "self-extension and break-glass carried only when enabled",
			access: func(a *config.AccessPolicy) {
				a.SelfExtension = config.SelfExtension{Enabled: true, MaxDuration: 30 * minute}
				a.BreakGlass = config.BreakGlass{Enabled: false, MaxDuration: hour}
			},
			want: access.Policy{
				Roles:       map[string]access.RolePolicy{"admin": {MaxDuration: 4 * time.Hour, HighRisk: true}},
				MinDuration: 15 * time.Minute, DefaultDuration: time.Hour, WarnBefore: 10 * time.Minute, VerifyBy: access.ConfirmByNone,
				SelfExtend: 30 * time.Minute,
			}},
		{name: "role names lower-cased and trimmed, high risk from the key",
			access: func(a *config.AccessPolicy) {
				a.Roles = map[string]config.AccessRole{
					"Team Lead":        {MaxDuration: 8 * hour, HighRisk: true},
					" Billing Viewer ": {MaxDuration: 2 * hour},
				}
			},
			want: access.Policy{
				Roles: map[string]access.RolePolicy{
					"team lead":      {MaxDuration: 8 * time.Hour, HighRisk: true},
					"billing viewer": {MaxDuration: 2 * time.Hour},
				},
				MinDuration: 15 * time.Minute, DefaultDuration: time.Hour, WarnBefore: 10 * time.Minute, VerifyBy: access.ConfirmByNone,
			}},
		{name: "admin in any case is high risk",
			access: func(a *config.AccessPolicy) {
				a.Roles = map[string]config.AccessRole{"Admin": {MaxDuration: 2 * hour}}
			},
			want: access.Policy{
				Roles:       map[string]access.RolePolicy{"admin": {MaxDuration: 2 * time.Hour, HighRisk: true}},
				MinDuration: 15 * time.Minute, DefaultDuration: time.Hour, WarnBefore: 10 * time.Minute, VerifyBy: access.ConfirmByNone,
			}},
		{name: "who confirms carried, by role",
			access: func(a *config.AccessPolicy) {
				a.VerifyBy = config.VerifyByManager
				a.Roles = map[string]config.AccessRole{"admin": {MaxDuration: 2 * hour, VerifyBy: config.VerifyByPeer}, "billing": {MaxDuration: hour}}
			},
			want: access.Policy{
				Roles: map[string]access.RolePolicy{
					"admin":   {MaxDuration: 2 * time.Hour, HighRisk: true, VerifyBy: access.ConfirmByPeer},
					"billing": {MaxDuration: time.Hour},
				},
				MinDuration: 15 * time.Minute, DefaultDuration: time.Hour, WarnBefore: 10 * time.Minute, VerifyBy: access.ConfirmByManager,
			}},
		{name: "a hand-built policy without an access section gets access's defaults",
			policy: &config.Policy{},
			want: access.Policy{
				Roles:       map[string]access.RolePolicy{"admin": {MaxDuration: access.DefaultMaxDuration, HighRisk: true}},
				MinDuration: access.DefaultMinDuration, DefaultDuration: access.DefaultGrantDuration, WarnBefore: access.DefaultWarnBefore,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := config.DefaultPolicy()
			if tt.policy != nil {
				p = *tt.policy
			}
			if tt.access != nil {
				tt.access(&p.Access)
			}
			got := wiring.AccessPolicy(p)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("AccessPolicy (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAccessPolicyFromFile: roles as the file spells them are granted as
// people ask for them, in any case.
func TestAccessPolicyFromFile(t *testing.T) {
	doc := []byte("access:\n  roles:\n    Team Lead: {max_duration: 2h}\n")
	cfg, err := config.Load(config.LoadOptions{Path: "policy.yaml", Getenv: func(string) string { return "" },
		ReadFile: func(string) ([]byte, error) { return doc, nil }})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	p := wiring.AccessPolicy(cfg.Policy)
	if r, ok := p.Grantable("TEAM LEAD"); !ok || r.MaxDuration != 2*time.Hour || r.HighRisk {
		t.Errorf("Grantable(TEAM LEAD) = %+v, %v; want 2h, not high risk", r, ok)
	}
	if _, ok := p.Grantable("admin"); ok {
		t.Error("admin is grantable, but the file's roles leave it out")
	}
}

// posture's watch keys are checked when the bot starts, naming the key.
func TestWatchPolicy(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*config.Policy)
		error string
	}{
		{"the defaults", func(*config.Policy) {}, ""},
		{"a rule switched off, business hours", func(p *config.Policy) {
			p.Posture.Watch = map[string]bool{"outside_hours": false}
			p.Posture.BusinessHours = "Mon-Fri 08:00-18:00"
		}, ""},
		{"a rule misspelt", func(p *config.Policy) { p.Posture.Watch = map[string]bool{"admin_grant": false} },
			"posture.watch.admin_grant: unknown rule (did you mean admin_granted?); rules are admin_granted, "},
		{"hours unreadable", func(p *config.Policy) { p.Posture.BusinessHours = "9 to 5" },
			`posture.business_hours: must be days and hours such as "Mon-Fri 08:00-18:00", got "9 to 5"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := config.DefaultPolicy()
			tt.edit(&p)
			wp, err := wiring.WatchPolicy(p)
			switch {
			case tt.error == "" && (err != nil || wp.Bulk != 20):
				t.Errorf("%+v, %v", wp, err)
			case tt.error != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.error)):
				t.Errorf("err = %v, want it to start %q", err, tt.error)
			}
		})
	}
}
