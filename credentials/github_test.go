package credentials_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
	"github.com/seatwarden/seatwarden/seats"
)

// gitHubRegister is the GitHub organization's register beside Zendesk's
// in env's store: the emulated org synced as seats and as credentials.
type gitHubRegister struct {
	emu *githubtest.Server
	gh  github.Connector
	svc func(holder string) *credentials.Service
}

func newGitHubRegister(t *testing.T, e *env) *gitHubRegister {
	t.Helper()
	emu, client, err := githubtest.NewAppServer(githubtest.SampleOrg(now), githubtest.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	gh := github.Connector{Client: client}
	if _, err := (&seats.Syncer{Source: gh, Store: e.store, Connector: connector.GitHub, Account: "acme", Now: e.clock.Now}).Sync(t.Context()); err != nil {
		t.Fatalf("GitHub seat sync: %v", err)
	}
	return &gitHubRegister{emu: emu, gh: gh, svc: func(holder string) *credentials.Service {
		s := e.service(holder)
		s.SaaS, s.Connector = connector.GitHub, gh
		return s
	}}
}

// TestGitHubRegisterBesideZendesk: fine-grained tokens and GitHub Apps
// are a register of their own in the same store; the rules read GitHub's
// members; a revoke reaches GitHub once however many click; neither
// register sees the other's entries, digests or audit subjects.
func TestGitHubRegisterBesideZendesk(t *testing.T) {
	e := newEnv(t)
	e.sync(t)
	g := newGitHubRegister(t, e)
	svc := g.svc("a")

	res, err := svc.Sync(t.Context(), g.gh, "acme")
	if err != nil {
		t.Fatalf("GitHub credential sync: %v", err)
	}
	if res.Counts[credentials.FineGrainedToken] != 4 || res.Counts[credentials.App] != 3 || len(res.Counts) != 2 {
		t.Errorf("counts %v, want 4 fine-grained tokens and 3 apps only", res.Counts)
	}
	ev, err := svc.Evaluate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]credentials.Item{}
	for _, it := range ev.Items {
		byName[it.Name] = it
		if it.SaaS != connector.GitHub || !strings.HasPrefix(it.QualifiedID(), "github:") {
			t.Errorf("%s: SaaS %q, qualified id %q", it.Name, it.SaaS, it.QualifiedID())
		}
	}
	release := byName["release-bot"]
	if !release.Has(credentials.Expired) {
		t.Errorf("release-bot expired 10 days ago; flags %+v", release.Flags)
	}
	if old := byName["old-migration"]; !old.Has(credentials.NoExpiry) || !hasReason(old, credentials.Unused) {
		t.Errorf("old-migration never expires and is unused for 200 days; got %+v %+v", old.Flags, old.Reasons)
	}
	if app := byName["legacy-deploy"]; app.Kind != credentials.App || app.Active {
		t.Errorf("legacy-deploy is a suspended GitHub App; got %+v", app.Credential)
	}

	// Zendesk's register is untouched by GitHub's sync.
	zd, err := e.svc.Evaluate(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range zd.Items {
		if it.SaaS != connector.Zendesk || it.Kind == credentials.FineGrainedToken {
			t.Errorf("Zendesk's register holds %s of %s", it.ID, it.SaaS)
		}
	}

	// Claim and revoke the org-admin token: its permissions read as GitHub's.
	admin := byName["terraform-org-admin"]
	if _, err := svc.Claim(t.Context(), admin.ID, credentials.Actor{Email: dana}, credentials.Claim{
		Purpose: "Terraform manages the org", Scopes: []string{"impersonate"}, NextReview: now.AddDate(0, 0, 30),
	}); err == nil || !strings.Contains(err.Error(), "not a GitHub permission") {
		t.Errorf("a Zendesk scope on a GitHub token: %v, want a GitHub permission error", err)
	}
	it, err := svc.Claim(t.Context(), admin.ID, credentials.Actor{Email: dana}, credentials.Claim{
		Purpose: "Terraform manages the org", Scopes: []string{"members:write", "metadata:read"}, NextReview: now.AddDate(0, 0, 30),
	})
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	if !hasReason(it, credentials.BroaderScopes) || it.Entry.Account == nil || *it.Entry.Account != (connector.Account{Connector: connector.GitHub, ID: "acme"}) {
		t.Errorf("claimed: reasons %+v, entry account %+v; want administration:write flagged, github:acme", it.Reasons, it.Entry.Account)
	}
	if _, err := e.svc.Item(t.Context(), admin.ID); err == nil {
		t.Error("Zendesk's register answers for a GitHub token")
	}

	replicas := []*credentials.Service{svc, g.svc("b")}
	var wg sync.WaitGroup
	outcomes := make(chan credentials.RevokeOutcome, 20)
	for i := range 20 {
		wg.Go(func() {
			_, out, err := replicas[i%2].Revoke(t.Context(), admin.ID, credentials.Actor{Email: omar, Admin: true})
			if err != nil {
				t.Errorf("Revoke: %v", err)
			}
			outcomes <- out
		})
	}
	wg.Wait()
	close(outcomes)
	revoked := 0
	for o := range outcomes {
		if o == credentials.RevokedNow {
			revoked++
		}
	}
	if revoked != 1 || g.emu.Requests(githubtest.EndpointRevokeTokens) != 1 {
		t.Errorf("%d clicks revoked it, GitHub was asked %d times; want once each", revoked, g.emu.Requests(githubtest.EndpointRevokeTokens))
	}
	for _, tok := range g.emu.Tokens() {
		if tok.ID == admin.SaaSID {
			t.Error("the token still has access to the organization")
		}
	}
	audit := e.audit(t, "credential.revoked")
	if len(audit) != 1 || audit[0].Subject != "credential:github:"+admin.ID {
		t.Errorf("audit %+v, want one credential.revoked of credential:github:%s", audit, admin.ID)
	}

	// The next sync finds the token gone; the entry stays revoked.
	e.clock.Set(now.Add(time.Hour))
	if _, err := svc.Sync(t.Context(), g.gh, "acme"); err != nil {
		t.Fatal(err)
	}
	if it, err := svc.Item(t.Context(), admin.ID); err != nil || it.Entry.State != credentials.Revoked {
		t.Errorf("after the next sync: %+v, %v; want revoked", it.Entry, err)
	}
}

func hasReason(it credentials.Item, code credentials.ReasonCode) bool {
	for _, r := range it.Reasons {
		if r.Code == code {
			return true
		}
	}
	return false
}
