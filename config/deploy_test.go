package config_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/internal/envvars"
)

// secretsRead are the secrets Load reads.
func secretsRead() []string {
	_, secrets := envvars.Read(func(getenv func(string) string) {
		_, _ = config.Load(config.LoadOptions{Getenv: getenv, ReadFile: filesOf(nil)})
	})
	return secrets
}

// TestSecretExampleListsEverySecret: the example Kubernetes Secret names
// every secret the bot reads, set or commented out, so an operator
// filling it in misses none.
func TestSecretExampleListsEverySecret(t *testing.T) {
	data, err := os.ReadFile("../deploy/kubernetes/secret.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	secrets := secretsRead()
	if len(secrets) < 10 {
		t.Fatalf("found only %v read as secrets; the recording getenv misses some", secrets)
	}
	for _, name := range secrets {
		if !regexp.MustCompile(`(?m)^\s*#?\s*` + name + `:`).Match(data) {
			t.Errorf("deploy/kubernetes/secret.example.yaml does not name %s", name)
		}
	}
}
