package envvars

import (
	"slices"
	"testing"
)

func TestRead(t *testing.T) {
	all, secrets := Read(func(getenv func(string) string) {
		for _, n := range []string{"ZENDESK_URL", "TOKEN", "TOKEN_FILE", "LOG_FILE", "ZENDESK_URL"} {
			getenv(n)
		}
	})
	if want := []string{"LOG_FILE", "TOKEN", "ZENDESK_URL"}; !slices.Equal(all, want) {
		t.Errorf("all = %v, want %v (LOG_FILE is a variable of its own, not a secret's file)", all, want)
	}
	if want := []string{"TOKEN"}; !slices.Equal(secrets, want) {
		t.Errorf("secrets = %v, want %v", secrets, want)
	}
}
