package config_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/config"
)

func TestVerifyPolicy(t *testing.T) {
	c, err := loadPolicy("admin_channel: C0ADMIN\nverify:\n  allowed: [ADMINS, Lead@Example.com]\n  ttl: 2m\n")
	if err != nil {
		t.Fatal(err)
	}
	want := config.DefaultPolicy().Verify
	want.Allowed, want.TTL = []string{"admins", "lead@example.com"}, config.Duration(2*time.Minute)
	if diff := cmp.Diff(want, c.Policy.Verify); diff != "" {
		t.Errorf("verify (-want +got):\n%s", diff)
	}
	if got := c.Policy.VerifyAlertChannel(); got != "C0ADMIN" {
		t.Errorf("alert channel = %q, want the admin channel", got)
	}
}

func TestVerifyPolicyProblems(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"who may ask", "verify:\n  allowed: [agents, everyone]\n",
			[]string{`policy.yaml:2: verify.allowed[1]: must be agents, admins or an email address such as dana@example.com, got "everyone"`}},
		{"a bad email", "verify:\n  allowed: [lead@]\n",
			[]string{`policy.yaml:2: verify.allowed[0]: must be an email address such as dana@example.com, got "lead@"`}},
		{"a ttl too short", "verify:\n  ttl: 20s\n",
			[]string{"policy.yaml:2: verify.ttl: must be between 1m and 1h: long enough to read a code out, short enough that a stale prompt is worthless; got 20s"}},
		{"a ttl too long", "verify:\n  ttl: 2h\n",
			[]string{"policy.yaml:2: verify.ttl: must be between 1m and 1h: long enough to read a code out, short enough that a stale prompt is worthless; got 2h"}},
		{"no lockout", "verify:\n  lockout_after: 0\n",
			[]string{"policy.yaml:2: verify.lockout_after: must be between 1 and 100, got 0"}},
		{"a bad channel", "verify:\n  alert_channel: security\n",
			[]string{`policy.yaml:2: verify.alert_channel: must be a Slack channel ID such as C0123ADMIN`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantProblems(t, tt.doc, tt.want...)
		})
	}
}
