package main

import (
	"context"
	"strings"
	"testing"

	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/internal/envvars"
)

// TestHelpListsFlagsAndEnvironment: every command's --help says what it
// takes, and the commands that read the environment list it.
func TestHelpListsFlagsAndEnvironment(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"serve", "--help"}, []string{"Usage: seatwarden serve", "Flags:", "-config", "Environment:", "SEATWARDEN_ADDR", "ZENDESK_URL", "SLACK_BOT_TOKEN", "SEATWARDEN_OIDC_ISSUER"}},
		{[]string{"run-job", "--help"}, []string{"Jobs: ", "Environment:", "ZENDESK_URL", "REDIS_URL"}},
		{[]string{"doctor", "-h"}, []string{"Creates no store file", "Environment:", "TEAMS_APP_ID"}},
		{[]string{"demo", "--help"}, []string{"-keep-running", "Environment:", "SEATWARDEN_LOG_LEVEL"}},
		{[]string{"console", "--help"}, []string{"-as", "Environment:", "ZENDESK_URL"}},
		{[]string{"store", "rekey", "--help"}, []string{"Environment:", "SEATWARDEN_ENCRYPTION_KEY"}},
		{[]string{"emulate", "zendesk", "--help"}, []string{"-users", "Flags:"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			inv := &invocation{}
			if code := inv.run(context.Background(), tt.args...); code != 0 {
				t.Fatalf("exit %d; stderr:\n%s", code, inv.stderr.String())
			}
			out := inv.stderr.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("help lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestEnvironmentHelpComplete: every variable the config loader reads is
// in the help's environment list.
func TestEnvironmentHelpComplete(t *testing.T) {
	read, _ := envvars.Read(func(getenv func(string) string) {
		_, _ = config.Load(config.LoadOptions{Getenv: getenv})
	})
	var listed strings.Builder
	for _, v := range environment {
		listed.WriteString(v.names + " ")
	}
	for _, name := range read {
		if !strings.Contains(listed.String(), name) {
			t.Errorf("%s is read but not in the --help environment list", name)
		}
	}
	if len(read) < 20 {
		t.Errorf("only %d variables recorded", len(read))
	}
}
