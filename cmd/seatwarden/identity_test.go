package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/integrations/googledir/googletest"
	"github.com/seatwarden/seatwarden/integrations/graph/graphtest"
	"github.com/seatwarden/seatwarden/integrations/okta/oktatest"
	"github.com/seatwarden/seatwarden/integrations/scim/scimtest"
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

// TestEmulatorsServeWhatDoctorReads: each directory emulator prints the
// variables that make it the identity source, and doctor reads it
// through them.
func TestEmulatorsServeWhatDoctorReads(t *testing.T) {
	key := filepath.Join(t.TempDir(), "google-key.json")
	tests := []struct {
		args   []string
		export *regexp.Regexp
		row    string
	}{
		{[]string{"okta", "--addr", "127.0.0.1:0", "--people", "50"}, regexp.MustCompile(`export (OKTA_ORG_URL=\S+ OKTA_API_TOKEN=\S+)\n`), "ok    okta     "},
		{[]string{"graph", "--people", "50"}, regexp.MustCompile(`export (GRAPH_TENANT_ID=.+)\n`), "ok    graph    "},
		{[]string{"google", "--people", "50", "--key", key}, regexp.MustCompile(`export (GOOGLE_CREDENTIALS_FILE=.+)\n`), "ok    google   "},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			ctx, stop := context.WithCancel(context.Background())
			emu := &invocation{}
			done := make(chan int, 1)
			go func() { done <- emu.run(ctx, append([]string{"emulate"}, tt.args...)...) }()
			waitFor(t, func() bool { return tt.export.MatchString(emu.stdout.String()) })
			envs, _ := zendeskEnv(t)
			for _, kv := range strings.Fields(tt.export.FindStringSubmatch(emu.stdout.String())[1]) {
				k, v, _ := strings.Cut(kv, "=")
				envs[k] = v
			}
			inv := &invocation{env: envs}
			inv.run(context.Background(), "doctor")
			if !strings.Contains(inv.stdout.String(), tt.row) {
				t.Errorf("doctor against emulate %s:\n%s%s", tt.args[0], inv.stdout.String(), inv.stderr.String())
			}
			stop()
			if code := <-done; code != 0 {
				t.Errorf("emulate %s exit %d after Ctrl-C: %s", tt.args[0], code, emu.stderr.String())
			}
		})
	}
}

// Microsoft Graph as the identity source: doctor gets a token and reads
// a user; identity-sync reads the directory through the delta query.
func TestGraphAsTheIdentitySource(t *testing.T) {
	envs, _ := zendeskEnv(t)
	emu := graphtest.NewServer(graphtest.Generated(120)...)
	t.Cleanup(emu.Close)
	envs["GRAPH_TENANT_ID"], envs["GRAPH_CLIENT_ID"], envs["GRAPH_CLIENT_SECRET"] = graphtest.Tenant, graphtest.ClientID, graphtest.ClientSecret
	envs["GRAPH_API_URL"], envs["GRAPH_TOKEN_URL"] = emu.APIURL(), emu.TokenURL()
	ctx := context.Background()
	doctor := &invocation{env: envs}
	doctor.run(ctx, "doctor")
	if !strings.Contains(doctor.stdout.String(), "ok    graph    tenant "+graphtest.Tenant+" answers and may read users") {
		t.Errorf("doctor:\n%s", doctor.stdout.String())
	}
	if code := (&invocation{env: envs}).run(ctx, "run-job", "identity-sync"); code != 0 {
		t.Fatalf("identity-sync: exit %d", code)
	}
	envs["GRAPH_CLIENT_SECRET"] = "expired"
	bad := &invocation{env: envs}
	bad.run(ctx, "doctor")
	if !strings.Contains(bad.stdout.String(), "FAIL  graph ") || !strings.Contains(bad.stdout.String(), "fix: check the app registration's client id and secret") {
		t.Errorf("doctor with a wrong secret:\n%s", bad.stdout.String())
	}
}

// A SCIM 2.0 server as the identity source: doctor reads a user and
// identity-sync reads everyone.
func TestSCIMAsTheIdentitySource(t *testing.T) {
	envs, _ := zendeskEnv(t)
	emu := scimtest.NewServer(scimtest.Generated(150)...)
	t.Cleanup(emu.Close)
	envs["SCIM_URL"], envs["SCIM_TOKEN"] = emu.BaseURL(), scimtest.Token
	ctx := context.Background()
	doctor := &invocation{env: envs}
	doctor.run(ctx, "doctor")
	if !strings.Contains(doctor.stdout.String(), "ok    scim     "+emu.BaseURL()+" answers and may read users") {
		t.Errorf("doctor:\n%s", doctor.stdout.String())
	}
	if code := (&invocation{env: envs}).run(ctx, "run-job", "identity-sync"); code != 0 {
		t.Fatalf("identity-sync: exit %d", code)
	}
	if n := emu.Requests(); n < 3 {
		t.Errorf("%d requests to the SCIM server, want the probe and two pages", n)
	}
}

// Google Workspace is read as a service account acting as an
// administrator, with the key from a file.
func TestGoogleAsTheIdentitySource(t *testing.T) {
	envs, _ := zendeskEnv(t)
	emu := googletest.NewServer(googletest.Generated(600)...)
	t.Cleanup(emu.Close)
	keyFile := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(keyFile, emu.KeyJSON(), 0o600); err != nil {
		t.Fatal(err)
	}
	envs["GOOGLE_CREDENTIALS_FILE"], envs["GOOGLE_ADMIN_EMAIL"], envs["GOOGLE_API_URL"] = keyFile, googletest.Admin, emu.URL
	ctx := context.Background()
	doctor := &invocation{env: envs}
	doctor.run(ctx, "doctor")
	if !strings.Contains(doctor.stdout.String(), "ok    google   Google Workspace as "+googletest.Admin+" answers and may read users") {
		t.Errorf("doctor:\n%s", doctor.stdout.String())
	}
	if code := (&invocation{env: envs}).run(ctx, "run-job", "identity-sync"); code != 0 {
		t.Fatalf("identity-sync: exit %d", code)
	}
	if n := emu.Requests(); n != 3 {
		t.Errorf("%d users requests, want the probe and two pages of 500", n)
	}

	envs["GOOGLE_ADMIN_EMAIL"] = "someone-else@acme.example"
	doctor = &invocation{env: envs}
	doctor.run(ctx, "doctor")
	if out := doctor.stdout.String(); !strings.Contains(out, "FAIL  google") || !strings.Contains(out, "Domain-wide delegation") {
		t.Errorf("doctor with an administrator the key may not act as:\n%s", out)
	}
}
