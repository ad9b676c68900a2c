package config_test

import (
	"os"
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/seatwarden/seatwarden/config"
)

// secretsRead are the secrets Load reads: the variables it also reads as
// NAME_FILE.
func secretsRead(t *testing.T) []string {
	t.Helper()
	var mu sync.Mutex
	read := map[string]bool{}
	_, _ = config.Load(config.LoadOptions{Getenv: func(k string) string {
		mu.Lock()
		defer mu.Unlock()
		read[k] = true
		return ""
	}, ReadFile: filesOf(nil)})
	var out []string
	for k := range read {
		if read[k+"_FILE"] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// TestSecretExampleListsEverySecret: the example Kubernetes Secret names
// every secret the bot reads, set or commented out, so an operator
// filling it in misses none.
func TestSecretExampleListsEverySecret(t *testing.T) {
	data, err := os.ReadFile("../deploy/kubernetes/secret.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	secrets := secretsRead(t)
	if len(secrets) < 10 {
		t.Fatalf("found only %v read as secrets; the recording getenv misses some", secrets)
	}
	for _, name := range secrets {
		if !regexp.MustCompile(`(?m)^\s*#?\s*` + name + `:`).Match(data) {
			t.Errorf("deploy/kubernetes/secret.example.yaml does not name %s", name)
		}
	}
}
