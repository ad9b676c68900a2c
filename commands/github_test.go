package commands

import (
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/seats"
)

// The GitHub organization's credentials the tests decide on.
const (
	terraformToken = "github:fine-grained-token:25381" // Dana's, org admin rights
	releaseBot     = "github:fine-grained-token:25382" // Priya's, expired
	acmeCI         = "github:app:55000002"
)

// withGitHubRegister adds the emulated GitHub organization, synced as
// seats and as a credential register, to the token fixture's commands.
func withGitHubRegister(t *testing.T, f *tokenFixture) *githubtest.Server {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return now }
	emu := githubtest.NewServer(githubtest.SampleOrg(now), githubtest.WithClock(clock),
		githubtest.WithApp(githubtest.AppRegistration{AppID: githubtest.SeatwardenAppID, InstallationID: githubtest.SeatwardenInstallationID, PublicKey: &key.PublicKey}))
	t.Cleanup(emu.Close)
	client, err := emu.NewClient(github.AppAuth(github.App{AppID: githubtest.SeatwardenAppID, InstallationID: githubtest.SeatwardenInstallationID, PrivateKey: key}))
	if err != nil {
		t.Fatal(err)
	}
	gh := github.Connector{Client: client}
	if _, err := (&seats.Syncer{Source: gh, Connector: connector.GitHub, Store: f.store, Account: "acme", Now: clock}).Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	svc := &credentials.Service{SaaS: connector.GitHub, Records: f.store, Audit: f.store, Snapshots: f.store, Connector: gh, Now: clock, Holder: "test",
		Policy: credentials.Policy{Location: f.deps.Policy.Location, UnusedDays: 90}}
	if _, err := svc.Sync(t.Context(), gh, "acme"); err != nil {
		t.Fatal(err)
	}
	g := githubGoverned(t)
	g.Credentials = svc
	f.deps.Governed = []Governed{g}
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	return emu
}

// TestTokensAcrossSaaS: with GitHub governed, tokens answers for both
// registers and says which SaaS each credential belongs to; a SaaS can be
// named; GitHub's ids carry its name.
func TestTokensAcrossSaaS(t *testing.T) {
	f := newTokenFixture(t)
	withGitHubRegister(t, f)
	for _, tc := range []struct{ name, who, text string }{
		{"overview of both", acmeAdmin, "tokens"},
		{"overview of GitHub", acmeAdmin, "tokens github"},
		{"orphans of GitHub", acmeAdmin, "tokens orphaned github"},
		{"show a fine-grained token", acmeAdmin, "tokens show " + terraformToken},
		{"show a GitHub App", acmeAdmin, "tokens show " + acmeCI},
	} {
		t.Run(tc.name, func(t *testing.T) { goldenJSON(t, ask(f.router, tc.who, tc.text)) })
	}

	t.Run("both registers in one answer", func(t *testing.T) {
		m := ask(f.router, acmeAdmin, "tokens")
		if !strings.HasSuffix(m.Headline, "across Zendesk and GitHub") {
			t.Errorf("headline %q does not say it covers both", m.Headline)
		}
		mustSay(t, m, "*Zendesk* ·", "*GitHub* ·", "API token retirement")
		if g := ask(f.router, acmeAdmin, "tokens github"); strings.Contains(g.Headline, "across") {
			t.Errorf("tokens github headline %q", g.Headline)
		}
		mustNotSay(t, ask(f.router, acmeAdmin, "tokens github"), "API token retirement")
	})

	t.Run("a bare fine-grained token id is GitHub's", func(t *testing.T) {
		m := ask(f.router, acmeAdmin, "tokens show fine-grained-token:25381")
		mustSay(t, m, "terraform-org-admin", "`"+terraformToken+"`")
	})

	refusals := []struct{ name, text, want string }{
		{"unknown SaaS", "tokens gitlab", `"gitlab" is not a governed SaaS; this bot governs zendesk, github. Example: /warden tokens github`},
		{"too many words", "tokens github zendesk", "takes at most a SaaS name"},
		{"a Zendesk kind under GitHub", "tokens show github:api-token:5501", "is not a credential ID"},
		{"unknown GitHub id", "tokens show github:app:1", "No credential github:app:1 in the register"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			if line := errorLine(t, ask(f.router, acmeAdmin, r.text)); !strings.Contains(line, r.want) {
				t.Errorf("got %q, want it to contain %q", line, r.want)
			}
		})
	}
}

// TestRevokeAGitHubToken: the Revoke button on a fine-grained token asks
// GitHub once, records who did it, and redraws the credential as revoked;
// a non-admin is refused.
func TestRevokeAGitHubToken(t *testing.T) {
	f := newTokenFixture(t)
	emu := withGitHubRegister(t, f)

	if line := errorLine(t, click(f.router, acmeLee, prompts.ActionTokenRevoke, prompts.TokenValue("", terraformToken))); !strings.Contains(line, "only admins can revoke a fine-grained token") {
		t.Errorf("non-admin revoke: %q", line)
	}
	m := click(f.router, acmeAdmin, prompts.ActionTokenRevoke, prompts.TokenValue("", terraformToken))
	mustSay(t, m, ":no_entry: Revoked by "+acmeAdmin)
	if n := emu.Requests(githubtest.EndpointRevokeTokens); n != 1 {
		t.Errorf("GitHub was asked to revoke %d times, want 1", n)
	}
	if !f.auditedSubject(t, "credential.revoked", "credential:"+terraformToken) {
		t.Error("the revoke is not in the audit trail under the GitHub token")
	}
	if line := errorLine(t, click(f.router, acmeAdmin, prompts.ActionTokenRevoke, prompts.TokenValue("", "github:app:55000002"))); !strings.Contains(line, "cannot be revoked from chat") {
		t.Errorf("revoke of a GitHub App: %q", line)
	}
	if line := errorLine(t, click(f.router, acmeAdmin, prompts.ActionTokenRevoke, "-|zendesk:fine-grained-token:25381")); !strings.Contains(line, "does not name a credential") {
		t.Errorf("a tampered button: %q", line)
	}
}

// TestClaimAGitHubToken: the claim form of a fine-grained token asks for
// GitHub permissions and refuses Zendesk scopes on that field.
func TestClaimAGitHubToken(t *testing.T) {
	f := newTokenFixture(t)
	withGitHubRegister(t, f)
	m := click(f.router, acmeAdmin, prompts.ActionTokenClaim, prompts.TokenValue("", releaseBot))
	if m.Form == nil {
		t.Fatalf("no form: %+v", m)
	}
	goldenJSON(t, m.Form)
	values := map[string]string{prompts.InputPurpose: "Publishes releases", prompts.InputScopes: "impersonate",
		prompts.InputNextReview: now.AddDate(0, 0, 30).Format(time.DateOnly)}
	bad := f.submit(acmeAdmin, prompts.FormTokenClaim, m.Form.RecordID, values)
	if bad.Form == nil || !strings.Contains(formError(bad.Form, prompts.InputScopes), "not a GitHub permission") {
		t.Errorf("a Zendesk scope on a GitHub token: %+v", bad)
	}
	values[prompts.InputScopes] = "contents:write, metadata:read"
	ok := f.submit(acmeAdmin, prompts.FormTokenClaim, m.Form.RecordID, values)
	mustSay(t, ok, "Owner: "+acmeAdmin)
	mine := ask(f.router, acmeAdmin, "tokens mine")
	mustSay(t, mine, "release-bot", "`"+releaseBot+"`")
}

// formError is the error a form shows on input id.
func formError(f *bot.Form, id string) string {
	for _, in := range f.Inputs {
		if in.ID == id {
			return in.Error
		}
	}
	return ""
}
