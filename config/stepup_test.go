package config_test

import (
	"strings"
	"testing"

	"github.com/seatwarden/seatwarden/config"
)

func TestStepUp(t *testing.T) {
	provider := map[string]string{
		"SEATWARDEN_CONFIG":             "/etc/policy.yaml",
		"SEATWARDEN_OIDC_ISSUER":        "https://login.example.com",
		"SEATWARDEN_OIDC_CLIENT_ID":     "seatwarden",
		"SEATWARDEN_OIDC_CLIENT_SECRET": "s3cret",
		"SEATWARDEN_PUBLIC_URL":         "https://bot.example.com/",
	}
	policy := "step_up:\n  for: [access, high_risk]\n  acr: mfa\n"
	c, err := config.Load(config.LoadOptions{Getenv: envOf(provider), ReadFile: filesOf(map[string]string{"/etc/policy.yaml": policy})})
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicURL != "https://bot.example.com" || !c.OIDC.Enabled() || c.OIDC.ClientSecret.Value() != "s3cret" || strings.Join(c.Policy.StepUp.For, ",") != "access,high_risk" {
		t.Errorf("config = %+v %+v", c.PublicURL, c.OIDC)
	}

	_, err = config.Load(config.LoadOptions{Getenv: envOf(map[string]string{"SEATWARDEN_CONFIG": "/etc/policy.yaml"}), ReadFile: filesOf(map[string]string{"/etc/policy.yaml": policy})})
	if got := problemLines(t, err); len(got) != 1 || !strings.HasPrefix(got[0], "SEATWARDEN_OIDC_ISSUER: the policy asks for step-up (step_up.for: access, high_risk), which needs the company's OpenID Connect provider") {
		t.Errorf("step-up without a provider: %q", got)
	}
	_, err = loadPolicy("step_up:\n  for: [approvals]\n")
	if got := problemLines(t, err); len(got) == 0 || !strings.Contains(got[0], "step_up.for[0]: must be one of access, high_risk, credential_revoke, seat_remove") {
		t.Errorf("an unknown step-up: %q", got)
	}
}
