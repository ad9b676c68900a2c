package main

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
)

// demoAdminChannel is the Slack channel of escalations and the admins'
// credential digest.
const demoAdminChannel = "C0ADMINS"

// The sample account's credentials the scene decides on.
const (
	demoClaimed = "oauth-token:880003" // Reporting Dashboard, read and write, idle 40 days
	demoRevoked = "oauth-token:880004" // Mobile Helpdesk, acts as Tom, idle 100 days
)

// tokens is the credential register scene: the sync took the inventory,
// the token-digest job posts the orphans and the API token countdown to
// the admin channel, Omar claims a token from it (a form), and Dana
// revokes another in Zendesk after confirming.
func (d *demo) tokens(ctx context.Context, a *app, emu *zendesktest.Server, gh *demoGitHub) {
	d.say("")
	d.say("Credential register: the sync also took every API token, OAuth client and token, and app installation.")
	d.expectReply(ctx, demoAdmin, "tokens", "API token retirement")
	d.expectReply(ctx, demoOwner, "tokens orphaned", "only for Zendesk admins")

	d.say("")
	d.say("The token-digest job (Mondays 09:00) runs now: the orphans and the countdown go to the admin channel.")
	before := len(d.slackEmu.Messages(demoAdminChannel))
	def, err := a.jobs.Lookup(jobs.NameTokenDigest)
	if err == nil {
		err = a.runner.Run(ctx, def)
	}
	if !d.expect(err == nil, "token-digest runs: %v", err) {
		return
	}
	msgs := d.slackEmu.Messages(demoAdminChannel)[before:]
	want := len(a.tokenRegisters())
	if !d.expect(len(msgs) == want, "the admin channel got one credential digest per register (got %d, want %d)", len(msgs), want) {
		return
	}
	digest := msgs[0]
	d.printExcerpt("The admin channel", digest, []string{"Credential register", "API token retirement", "Used in the last 30 days", "Owners:", "Mobile Helpdesk", "Reporting Dashboard", "oauth-token:880004", "oauth-token:880003", "Unused for 100", "acts as hannah"})

	where := prompts.TokenDigest(connector.Zendesk, reviews.PeriodOf(a.now(), a.cfg.Policy.Location()), "#admins")
	d.say("")
	d.say("%s presses Claim on the Reporting Dashboard token that holds read and write; a form asks what it is for.", demoOwner.name)
	views := len(d.slackEmu.Views())
	d.click(ctx, demoOwner, demoAdminChannel, digest.TS, prompts.ActionTokenClaim, prompts.TokenValue(where, demoClaimed))
	view, ok := d.awaitView(ctx, views)
	if !ok {
		return
	}
	review := a.now().In(a.cfg.Policy.Location()).AddDate(0, 0, 90).Format(time.DateOnly)
	const purpose = "SLA dashboards for the support leads"
	d.say("  │ %s: %q, needs scope read, review on %s", view.Title, purpose, review)
	d.submit(ctx, demoOwner, view, map[string]string{prompts.InputPurpose: purpose, prompts.InputScopes: "read",
		prompts.InputNextReview: review, prompts.InputRetireWhen: "when the dashboards move to Explore"})
	if m, ok := d.awaitMessage(ctx, demoAdminChannel, digest.TS, func(m slacktest.Message) bool {
		return strings.Contains(messageText(m), "Owner: "+demoOwner.email)
	}); ok {
		d.printLines(m, "oauth-token:880003", "Owner: "+demoOwner.email, "more than its stated need")
	}

	d.say("")
	d.say("%s presses Revoke on the Mobile Helpdesk token (acts as Tom, unused for 100 days) and confirms.", demoAdmin.name)
	d.click(ctx, demoAdmin, demoAdminChannel, digest.TS, prompts.ActionTokenRevoke, prompts.TokenValue(where, demoRevoked))
	if m, ok := d.awaitMessage(ctx, demoAdminChannel, digest.TS, func(m slacktest.Message) bool {
		return strings.Contains(messageText(m), "Revoked by "+demoAdmin.email)
	}); ok {
		d.printLines(m, "oauth-token:880004", "Revoked by")
	}
	d.expect(slices.Contains(emu.RevokedOAuthTokens(), 880004), "Zendesk revoked OAuth token 880004 (revoked: %v)", emu.RevokedOAuthTokens())
	d.say("  In Zendesk, the Mobile Helpdesk token no longer exists.")
	d.expectReply(ctx, demoOwner, "tokens mine", "Reporting Dashboard")
	if len(msgs) > 1 {
		d.gitHubTokens(ctx, a, gh, msgs[1])
	}
}

// gitHubTokens is the GitHub register's part of the scene: its digest
// lists the fine-grained tokens and GitHub Apps nobody answers for, and
// Dana revokes the access of a token unused for 200 days that never
// expires.
func (d *demo) gitHubTokens(ctx context.Context, a *app, gh *demoGitHub, digest slacktest.Message) {
	d.printExcerpt("The GitHub register's digest, beside it", digest, []string{"GitHub credential register", "old-migration", "Never expires", "Unused for 200", "release-bot", "Expired on", "legacy-deploy"})
	where := prompts.TokenDigest(connector.GitHub, reviews.PeriodOf(a.now(), a.cfg.Policy.Location()), "#admins")
	const oldMigration = "github:fine-grained-token:25383"
	d.say("")
	d.say("%s presses Revoke on old-migration (Jonas's, unused for 200 days, no expiry) and confirms.", demoAdmin.name)
	d.click(ctx, demoAdmin, demoAdminChannel, digest.TS, prompts.ActionTokenRevoke, prompts.TokenValue(where, oldMigration))
	if m, ok := d.awaitMessage(ctx, demoAdminChannel, digest.TS, func(m slacktest.Message) bool {
		return strings.Contains(messageText(m), "Revoked by "+demoAdmin.email)
	}); ok {
		d.printLines(m, oldMigration, "Revoked by")
	}
	d.expect(gh.Requests(githubtest.EndpointRevokeTokens) == 1, "GitHub was asked once to revoke the token (asked %d times)", gh.Requests(githubtest.EndpointRevokeTokens))
	d.expect(!slices.ContainsFunc(gh.Tokens(), func(t githubtest.FineGrainedToken) bool { return t.Name == "old-migration" }), "old-migration no longer reaches the organization")
	d.say("  In GitHub, old-migration no longer has access to the organization.")
	d.expectReply(ctx, demoAdmin, "tokens github", "Fine-grained tokens")
}

// printExcerpt prints the first lines of m and those containing any of
// keys, so a long digest reads in a screenful.
func (d *demo) printExcerpt(title string, m slacktest.Message, keys []string) {
	d.say("")
	d.say("%s:", title)
	lines := strings.Split(messageText(m), "\n")
	shown := 0
	for i, l := range lines {
		if i < 2 || slices.ContainsFunc(keys, func(k string) bool { return strings.Contains(l, k) }) {
			d.say("  │ %s", l)
			shown++
		}
	}
	if shown < len(lines) {
		d.say("  │ … (%d more lines)", len(lines)-shown)
	}
}

// printLines prints the lines of m that contain any of keys.
func (d *demo) printLines(m slacktest.Message, keys ...string) {
	for _, l := range strings.Split(messageText(m), "\n") {
		if slices.ContainsFunc(keys, func(k string) bool { return strings.Contains(l, k) }) {
			d.say("  │ %s", l)
		}
	}
}
