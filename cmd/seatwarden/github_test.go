package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

const gitHubOwnerToken = "ghp_TESTowner00000000000000000000000001"

// appKey is made once: RSA key generation is slow.
var appKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// gitHubEnv adds an emulated GitHub organisation, governed as seatwarden's
// GitHub App with its key in a file, to a Zendesk environment.
func gitHubEnv(t *testing.T, envs map[string]string) *githubtest.Server {
	t.Helper()
	emu := githubtest.NewServer(githubtest.SampleOrg(time.Now()),
		githubtest.WithToken(gitHubOwnerToken, "dana-field"),
		githubtest.WithApp(githubtest.AppRegistration{AppID: githubtest.SeatwardenAppID,
			InstallationID: githubtest.SeatwardenInstallationID, PublicKey: &appKey().PublicKey}))
	t.Cleanup(emu.Close)
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(appKey())})
	if err := os.WriteFile(keyFile, pemKey, 0o600); err != nil {
		t.Fatal(err)
	}
	envs["GITHUB_ORG"] = emu.OrgLogin()
	envs["GITHUB_API_URL"] = emu.APIURL()
	envs["GITHUB_APP_ID"] = strconv.FormatInt(githubtest.SeatwardenAppID, 10)
	envs["GITHUB_APP_INSTALLATION_ID"] = strconv.FormatInt(githubtest.SeatwardenInstallationID, 10)
	envs["GITHUB_APP_PRIVATE_KEY_FILE"] = keyFile
	return emu
}

// TestRunJobSyncGovernsGitHubToo: one sync job keeps both snapshots, each
// in its place, and GitHub being down leaves Zendesk's fresh.
func TestRunJobSyncGovernsGitHubToo(t *testing.T) {
	envs, _ := zendeskEnv(t)
	gh := gitHubEnv(t, envs)
	inv := &invocation{env: envs}
	if code := inv.run(context.Background(), "run-job", "sync"); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, inv.stderr.String())
	}
	open := func() *boltstore.Store {
		st, err := boltstore.Open(filepath.Join(envs["SEATWARDEN_DATA_DIR"], "seatwarden.db"), boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := open()
	ghSnap, err := st.LoadSnapshot(context.Background(), connector.GitHub)
	if err != nil || ghSnap.Account != "acme" || len(ghSnap.Staff) != 8 {
		t.Fatalf("GitHub snapshot: %+v, %v", ghSnap, err)
	}
	zdSnap, err := st.LoadSnapshot(context.Background(), connector.Zendesk)
	if err != nil || len(zdSnap.Staff) == 0 {
		t.Fatalf("Zendesk snapshot: %v", err)
	}
	zdSynced := zdSnap.SyncedAt
	st.Close()

	gh.InjectFault("*", githubtest.Fault{Kind: githubtest.FaultServerError, Status: 503})
	inv = &invocation{env: envs}
	if code := inv.run(context.Background(), "run-job", "sync"); code != 1 || !strings.Contains(inv.stderr.String(), "sync github") {
		t.Fatalf("GitHub down: exit %d; stderr:\n%s", code, inv.stderr.String())
	}
	st = open()
	defer st.Close()
	if z, err := st.LoadSnapshot(context.Background(), connector.Zendesk); err != nil || !z.SyncedAt.After(zdSynced) {
		t.Errorf("Zendesk's snapshot was not refreshed while GitHub was down: %v", err)
	}
	if g, err := st.LoadSnapshot(context.Background(), connector.GitHub); err != nil || !g.SyncedAt.Equal(ghSnap.SyncedAt) {
		t.Errorf("GitHub's snapshot changed while GitHub was down: %v", err)
	}
}

func TestDoctorChecksGitHub(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(notPEM, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		edit     func(map[string]string)
		wantCode int
		want     []string
	}{
		{"as the App", nil, 0, []string{"ok    github   organisation acme reachable as GitHub App 990001, installation 55000001; 5 Copilot seats"}},
		{"with an owner's token", func(e map[string]string) {
			delete(e, "GITHUB_APP_ID")
			delete(e, "GITHUB_APP_INSTALLATION_ID")
			delete(e, "GITHUB_APP_PRIVATE_KEY_FILE")
			e["GITHUB_TOKEN"] = gitHubOwnerToken
		}, 0, []string{"ok    github   organisation acme reachable as a token", "fine-grained tokens need a GitHub App"}},
		{"a key that is not PEM", func(e map[string]string) { e["GITHUB_APP_PRIVATE_KEY_FILE"] = notPEM }, 1,
			[]string{"FAIL  github   GITHUB_APP_PRIVATE_KEY_FILE:"}},
		{"an org the credentials cannot see", func(e map[string]string) { e["GITHUB_ORG"] = "someone-else" }, 1,
			[]string{"FAIL  github", "fix: check GITHUB_ORG"}},
		{"a token GitHub rejects", func(e map[string]string) {
			delete(e, "GITHUB_APP_ID")
			delete(e, "GITHUB_APP_INSTALLATION_ID")
			delete(e, "GITHUB_APP_PRIVATE_KEY_FILE")
			e["GITHUB_TOKEN"] = "ghp_revoked"
		}, 1, []string{"FAIL  github", "fix: GitHub rejected the credentials"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			envs, _ := zendeskEnv(t)
			gitHubEnv(t, envs)
			withEnv(envs, reachEnv(t))
			if tt.edit != nil {
				tt.edit(envs)
			}
			inv := &invocation{env: envs}
			code := inv.run(context.Background(), "doctor")
			out := inv.stdout.String()
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; output:\n%s%s", code, tt.wantCode, out, inv.stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			keyBody := base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PrivateKey(appKey()))[:40]
			if strings.Contains(out+inv.stderr.String(), gitHubOwnerToken) || strings.Contains(out, keyBody) {
				t.Errorf("doctor printed a secret:\n%s", out)
			}
		})
	}
	t.Run("skipped when GitHub is not governed", func(t *testing.T) {
		envs, _ := zendeskEnv(t)
		inv := &invocation{env: envs}
		inv.run(context.Background(), "doctor")
		if !strings.Contains(inv.stdout.String(), "skip  github   GITHUB_ORG not set") {
			t.Errorf("output:\n%s", inv.stdout.String())
		}
	})
}

var exportLine = regexp.MustCompile(`or as the App: export (.+)\n`)

// TestEmulateGitHubServesWhatDoctorReads: emulate github prints the
// variables that point the bot at it, as the App with a key it wrote, and
// doctor reads the organisation through them.
func TestEmulateGitHubServesWhatDoctorReads(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	emu := &invocation{}
	done := make(chan int, 1)
	go func() { done <- emu.run(ctx, "emulate", "github", "--addr", "127.0.0.1:0", "--app-key", keyFile) }()
	waitFor(t, func() bool { return exportLine.MatchString(emu.stdout.String()) })

	envs, _ := zendeskEnv(t)
	withEnv(envs, reachEnv(t))
	for _, kv := range strings.Fields(exportLine.FindStringSubmatch(emu.stdout.String())[1]) {
		k, v, _ := strings.Cut(kv, "=")
		envs[k] = v
	}
	inv := &invocation{env: envs}
	if code := inv.run(context.Background(), "doctor"); code != 0 || !strings.Contains(inv.stdout.String(), "ok    github   organisation acme reachable as GitHub App") {
		t.Errorf("doctor against emulate github: exit %d\n%s%s", code, inv.stdout.String(), inv.stderr.String())
	}
	stop()
	if code := <-done; code != 0 {
		t.Errorf("emulate github exit %d after Ctrl-C: %s", code, emu.stderr.String())
	}
}
