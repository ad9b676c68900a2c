package config_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/config"
)

func TestManagerConfirmation(t *testing.T) {
	c, err := loadPolicy(`access:
  verify_by: manager
  roles:
    admin: {}
    Team lead: {verify_by: peer}
    Billing: {verify_by: none}
managers:
  Lee@Example.com: Dana@Example.com
  sam@example.com: dana@example.com
`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"lee@example.com": "dana@example.com", "sam@example.com": "dana@example.com"}
	if diff := cmp.Diff(want, c.Policy.Managers); diff != "" {
		t.Errorf("managers (-want +got):\n%s", diff)
	}
	if got := c.Policy.Access.VerifyBy; got != config.VerifyByManager {
		t.Errorf("access.verify_by = %q", got)
	}
	if got := c.Policy.Access.Roles["Team lead"].VerifyBy; got != config.VerifyByPeer {
		t.Errorf("Team lead's verify_by = %q", got)
	}
	if got := config.DefaultPolicy().Access.VerifyBy; got != config.VerifyByNone {
		t.Errorf("default access.verify_by = %q, want none: nobody is asked unless the policy says so", got)
	}
}

func TestManagerConfirmationProblems(t *testing.T) {
	tests := []policyCase{
		{"an unknown way", "access:\n  verify_by: boss\n",
			[]string{`policy.yaml:2: access.verify_by: must be one of manager, peer, none, got "boss"`}},
		{"an unknown way for a role", "access:\n  roles:\n    admin: {verify_by: everyone}\n",
			[]string{`policy.yaml:3: access.roles.admin.verify_by: must be one of manager, peer, none, got "everyone"`}},
		{"managers asked, none named", "access:\n  verify_by: manager\n",
			[]string{"policy.yaml:2: access.verify_by: is manager, and managers names nobody's manager"}},
		{"a role's managers asked, none named", "access:\n  roles:\n    admin: {verify_by: manager}\n",
			[]string{"policy.yaml:3: access.roles.admin.verify_by: is manager, and managers names nobody's manager"}},
		{"a person who is not an email", "managers:\n  lee: dana@example.com\n",
			[]string{`policy.yaml:2: managers.lee: must be a person's email mapped to their manager's, such as lee@example.com: dana@example.com; got "lee"`}},
		{"a manager who is not an email", "managers:\n  lee@example.com: dana\n",
			[]string{`policy.yaml:2: managers["lee@example.com"]: must be an email address such as dana@example.com, got "dana"`}},
		{"their own manager", "managers:\n  lee@example.com: LEE@example.com\n",
			[]string{`policy.yaml:2: managers["lee@example.com"]: names lee@example.com as their own manager`}},
	}
	checkPolicies(t, tests)
}

// With an identity source the directory names managers, so a policy that
// asks for them needs no managers map; each source is recognised.
func TestManagersFromTheDirectory(t *testing.T) {
	const key = `{"type": "service_account", "client_email": "sw@p.iam.gserviceaccount.com", "private_key": "-----BEGIN PRIVATE KEY-----\n"}`
	tests := []struct {
		source string
		env    map[string]string
	}{
		{"okta", map[string]string{"OKTA_ORG_URL": "https://acme.okta.com", "OKTA_API_TOKEN": "00tok"}},
		{"graph", map[string]string{"GRAPH_TENANT_ID": "72f988bf-86f1-41af-91ab-2d7cd011db47", "GRAPH_CLIENT_ID": "c", "GRAPH_CLIENT_SECRET": "s"}},
		{"google", map[string]string{"GOOGLE_ADMIN_EMAIL": "admin@acme.example", "GOOGLE_CREDENTIALS_FILE": "/run/key.json"}},
		{"scim", map[string]string{"SCIM_URL": "https://hr.example.com/scim/v2", "SCIM_TOKEN": "t"}},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			c, err := config.Load(config.LoadOptions{
				Path:     "policy.yaml",
				Getenv:   envOf(tt.env),
				ReadFile: filesOf(map[string]string{"policy.yaml": "access:\n  verify_by: manager\n", "/run/key.json": key}),
			})
			if err != nil {
				t.Fatal(err)
			}
			if c.Identity.Source() != tt.source || c.Policy.Access.VerifyBy != config.VerifyByManager {
				t.Errorf("source %q, verify_by %q", c.Identity.Source(), c.Policy.Access.VerifyBy)
			}
		})
	}
}

// manager: true in an owners list takes managers from the managers map or
// from an identity source.
func TestOwnersByManager(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"the managers map": nil,
		"the directory":    {"GRAPH_TENANT_ID": "72f988bf-86f1-41af-91ab-2d7cd011db47", "GRAPH_CLIENT_ID": "c", "GRAPH_CLIENT_SECRET": "s"},
	} {
		t.Run(name, func(t *testing.T) {
			doc := "owners:\n  - group: Tier 2\n    owner: omar@example.com\n  - manager: true\n  - default: ops@example.com\n"
			if env == nil {
				doc += "managers: {lee@example.com: dana@example.com}\n"
			}
			c, err := config.Load(config.LoadOptions{Path: "policy.yaml", Getenv: envOf(env), ReadFile: filesOf(map[string]string{"policy.yaml": doc})})
			if err != nil {
				t.Fatal(err)
			}
			if !c.Policy.Owners[1].Manager || c.Policy.Owners[1].String() != "manager: true" {
				t.Errorf("owners %+v", c.Policy.Owners)
			}
		})
	}
}

// Retention keeps each kind of record 0 (for ever) or 7 days and more: a
// typo must not delete the trail by tomorrow.
func TestRetentionBounds(t *testing.T) {
	tests := []policyCase{
		{"for ever and a year", "retention:\n  audit_days: 0\n  verifications_days: 365\n", nil},
		{"a day", "retention:\n  audit_days: 1\n", []string{"policy.yaml:2: retention.audit_days: must be 0 (keep for ever) or between 7 and 36500 days, got 1"}},
		{"negative", "retention:\n  grants_days: -30\n", []string{"policy.yaml:2: retention.grants_days: must be 0 (keep for ever) or between 7 and 36500 days, got -30"}},
	}
	checkPolicies(t, tests)
}

// The 2FA deadline's policy names what happens past it, and who must
// have 2FA.
func TestMFAPolicy(t *testing.T) {
	tests := []policyCase{
		{"demote", "posture:\n  mfa:\n    on_deadline: demote\n", nil},
		{"custom roles by name", "posture:\n  mfa_required_roles: [admin, Team Lead]\n", nil},
		{"unknown action", "posture:\n  mfa:\n    on_deadline: suspend\n",
			[]string{`policy.yaml:3: posture.mfa.on_deadline: must be one of escalate, demote, got "suspend"`}},
		{"empty role", "posture:\n  mfa_required_roles: [admin, \"\"]\n",
			[]string{`policy.yaml:2: posture.mfa_required_roles[1]: must be "admin", "risky" or a custom role's name or id, got ""`}},
		{"grace too long", "posture:\n  mfa:\n    grace_days: 400\n",
			[]string{"policy.yaml:3: posture.mfa.grace_days: must be between 0 and 365, got 400"}},
	}
	checkPolicies(t, tests)
}

// policyCase is a policy document and the problems it must have; nil
// problems: it loads.
type policyCase struct {
	name, doc string
	want      []string
}

func checkPolicies(t *testing.T, tests []policyCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == nil {
				if _, err := loadPolicy(tt.doc); err != nil {
					t.Fatal(err)
				}
				return
			}
			wantProblems(t, tt.doc, tt.want...)
		})
	}
}

// A key a release renamed says where it went.
func TestRenamedKey(t *testing.T) {
	wantProblems(t, "posture:\n  mfa_grace_days: 14\n", "policy.yaml:2: posture.mfa_grace_days: was renamed posture.mfa.grace_days; write it there")
}
