package config_test

import (
	"os"
	"strings"
	"testing"

	"github.com/seatwarden/seatwarden/config"
)

// The policy example README.md shows is a policy the bot takes, with the
// environment it names.
func TestReadmePolicyExampleLoads(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	start := strings.Index(s, "### Policy file")
	open := strings.Index(s[start:], "```yaml\n")
	if start < 0 || open < 0 {
		t.Fatal("README.md has no policy example under ### Policy file")
	}
	body := s[start+open+len("```yaml\n"):]
	body = body[:strings.Index(body, "```")]
	_, err = config.Load(config.LoadOptions{
		Path: "policy.yaml",
		Getenv: envOf(map[string]string{
			"SEATWARDEN_ENCRYPTION_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
			"SEATWARDEN_OIDC_ISSUER":    "https://login.example.com", "SEATWARDEN_OIDC_CLIENT_ID": "seatwarden",
			"SEATWARDEN_OIDC_CLIENT_SECRET": "s", "SEATWARDEN_PUBLIC_URL": "https://seatwarden.example.com",
		}),
		ReadFile: filesOf(map[string]string{"policy.yaml": body}),
	})
	if err != nil {
		t.Errorf("README.md's policy example does not load:\n%v", err)
	}
}
