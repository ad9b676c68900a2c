package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"time"

	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
	"github.com/seatwarden/seatwarden/seats"
)

// demoGitHub is the demo's GitHub organisation: the emulator's sample
// org, whose people are the Zendesk sample account's, governed as
// seatwarden's GitHub App with a key made for the run.
type demoGitHub struct {
	*githubtest.Server
	org *githubtest.Org
}

func newDemoGitHub(cfg *config.Config, now time.Time) (*demoGitHub, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	org := githubtest.SampleOrg(now)
	emu := githubtest.NewServer(org, githubtest.WithApp(githubtest.AppRegistration{
		AppID: githubtest.SeatwardenAppID, InstallationID: githubtest.SeatwardenInstallationID, PublicKey: &key.PublicKey}))
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	cfg.GitHub = config.GitHub{Org: emu.OrgLogin(), APIURL: emu.APIURL(), AppID: githubtest.SeatwardenAppID,
		AppInstallationID: githubtest.SeatwardenInstallationID, AppPrivateKey: config.NewSecret(string(pemKey))}
	if cfg.PolicyPath == "" {
		cfg.Policy.GitHub.Owners = []config.Owner{{Group: "Engineering", Owner: demoOwner.email}, {Default: demoAdmin.email}}
		// The emulator answers at once; pacing would only slow the demo.
		cfg.Policy.GitHub.RequestsPerHour = 1_000_000
	}
	return &demoGitHub{Server: emu, org: org}, nil
}

// awaitGitHubSync reports the GitHub part of a sync.
func (d *demo) awaitGitHubSync(ctx context.Context, gh *demoGitHub, syncs <-chan seats.SyncResult) {
	var r seats.SyncResult
	select {
	case r = <-syncs:
	case <-time.After(30 * time.Second):
		d.expect(false, "the GitHub sync finished within 30s")
		return
	case <-ctx.Done():
		return
	}
	paid := 0
	for _, s := range r.Snapshot.Staff {
		if s.Paid() {
			paid++
		}
	}
	d.say("[job sync] GitHub: %d members read in %d requests (members, owners, without 2FA, Copilot seats, verified emails); %d Copilot seats paid; %s",
		r.Seen, gh.TotalRequests(), paid, r.Duration.Round(time.Millisecond))
	d.expect(r.StaffAfter == len(gh.org.Members), "every GitHub member is in GitHub's snapshot (%d of %d)", r.StaffAfter, len(gh.org.Members))
}
