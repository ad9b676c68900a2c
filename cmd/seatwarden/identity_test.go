package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/integrations/okta/oktatest"
)

// With Okta as the identity source, doctor checks it, run-job
// identity-sync reads it, and sync reads it after the seats; a wrong
// token fails with what to fix.
func TestIdentitySource(t *testing.T) {
	envs, _ := zendeskEnv(t)
	emu := oktatest.NewServer(oktatest.WithUsers(oktatest.Generated(250, time.Now())...))
	t.Cleanup(emu.Close)
	envs["OKTA_ORG_URL"], envs["OKTA_API_TOKEN"] = emu.URL, oktatest.DefaultToken
	ctx := context.Background()

	doctor := &invocation{env: envs}
	doctor.run(ctx, "doctor")
	if !strings.Contains(doctor.stdout.String(), "ok    okta     ") || !strings.Contains(doctor.stdout.String(), "answers and may read users") {
		t.Errorf("doctor:\n%s", doctor.stdout.String())
	}

	if code := (&invocation{env: envs}).run(ctx, "run-job", "identity-sync"); code != 0 {
		t.Fatalf("identity-sync: exit %d", code)
	}
	before := emu.Requests()
	if code := (&invocation{env: envs}).run(ctx, "run-job", "sync"); code != 0 {
		t.Fatalf("sync: exit %d", code)
	}
	if emu.Requests() == before {
		t.Error("sync did not read the directory")
	}

	envs["OKTA_API_TOKEN"] = "wrong"
	bad := &invocation{env: envs}
	if code := bad.run(ctx, "run-job", "identity-sync"); code == 0 || !strings.Contains(bad.stderr.String(), "check OKTA_API_TOKEN") {
		t.Errorf("a wrong token: exit %d, %s", code, bad.stderr.String())
	}
	bad = &invocation{env: envs}
	bad.run(ctx, "doctor")
	if !strings.Contains(bad.stdout.String(), "FAIL  okta     ") || !strings.Contains(bad.stdout.String(), "create a new API token") {
		t.Errorf("doctor with a wrong token:\n%s", bad.stdout.String())
	}
}
