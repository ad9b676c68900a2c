package commands

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
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
	emu, gh, _ := syncedGitHub(t, f.fixture)
	clock := func() time.Time { return now }
	svc := &credentials.Service{SaaS: connector.GitHub, Records: f.store, Audit: f.store, Snapshots: f.store, Connector: gh, Now: clock, Holder: "test",
		Policy: credentials.Policy{Location: f.deps.Policy.Location, UnusedDays: 90}}
	if _, err := svc.Sync(t.Context(), gh, "acme"); err != nil {
		t.Fatal(err)
	}
	g := githubGoverned(t)
	g.Credentials = svc
	f.deps.Governed = []Governed{g}
	var err error
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	return emu
}

// syncedGitHub serves the sample GitHub organization, with seatwarden's
// App installed, and syncs its seats into f's store.
func syncedGitHub(t *testing.T, f *fixture) (*githubtest.Server, github.Connector, *store.Snapshot) {
	t.Helper()
	emu, client, err := githubtest.NewAppServer(githubtest.SampleOrg(now), githubtest.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	gh := github.Connector{Client: client}
	res, err := (&seats.Syncer{Source: gh, Connector: connector.GitHub, Store: f.store, Account: "acme", Now: func() time.Time { return now }}).Sync(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return emu, gh, res.Snapshot
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
	mustSay(t, m, "⛔ Revoked by "+acmeAdmin)
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

// TestAClickRedrawsTheDigestAcrossSaaS: an owner's digest holds their
// Zendesk and Copilot seats; removing a Copilot seat cancels it in GitHub
// and redraws the whole digest, Zendesk's seats still in it, and a page
// turn shows both too.
func TestAClickRedrawsTheDigestAcrossSaaS(t *testing.T) {
	f := newReviewFixture(t)
	emu, gh, snap := syncedGitHub(t, f.fixture)
	clock := func() time.Time { return now }
	g := githubGoverned(t)
	g.Reviews = &reviews.Service{Records: f.store, Audit: f.store, Connector: connector.GitHub, Seats: gh, Now: clock, Holder: "test",
		Policy: reviews.Policy{Location: f.deps.Policy.Location, KeepMaxDays: 180}, Snapshot: &seats.Patcher{Store: f.store}}
	if _, err := g.Reviews.Open(t.Context(), f.period, seats.Evaluate(snap, g.Policy, now), func(seats.Seat) string { return acmeAdmin }); err != nil {
		t.Fatal(err)
	}
	f.deps.Governed = []Governed{g}
	var err error
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	items, err := g.Reviews.Items(t.Context(), f.period)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(items, func(it reviews.Item) bool { return it.Seat.Name == "jberg" })
	if i < 0 {
		t.Fatalf("jberg's idle Copilot seat is not in the review: %+v", items)
	}
	m := click(f.router, acmeAdmin, prompts.ActionRemove, prompts.SeatValue(connector.GitHub, f.period, items[i].Seat.UserID))
	if !strings.Contains(m.Headline, "across Zendesk and GitHub") || m.Delivery != bot.ReplaceOriginal {
		t.Fatalf("the redraw %q (delivery %v) is not the owner's one digest", m.Headline, m.Delivery)
	}
	mustSay(t, m, "*GitHub* · Member", "*Zendesk* ·", "➖ Removed by "+acmeAdmin)
	if n := emu.Requests(githubtest.EndpointCopilotRemove); n != 1 {
		t.Errorf("GitHub was asked %d times to cancel the seat, want 1", n)
	}
	// The snapshot shows the cancelled seat at once, as the next sync will.
	after, err := f.store.LoadSnapshot(t.Context(), connector.GitHub)
	if err != nil {
		t.Fatal(err)
	}
	if j := slices.IndexFunc(after.Staff, func(s connector.Staff) bool { return s.Name == "jberg" }); j < 0 || after.Staff[j].Free != connector.FreeCopilotEnding {
		t.Errorf("jberg in the snapshot after Remove: %+v", after.Staff)
	}
	if m.Pager != nil {
		page := click(f.router, acmeAdmin, prompts.ActionPage, bot.PageValue(m.Pager.Token, 2))
		if !strings.Contains(page.Headline, "across Zendesk and GitHub") {
			t.Errorf("page 2 headline %q", page.Headline)
		}
	}
}
