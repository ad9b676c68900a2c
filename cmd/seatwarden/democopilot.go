package main

import (
	"context"
	"slices"
	"strings"

	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
)

// copilotReview is the Copilot seat scene: the same inactive-digest run
// put the idle Copilot seats Dana answers for into her one digest, beside
// her Zendesk seats; she removes one and GitHub cancels it.
func (d *demo) copilotReview(ctx context.Context, a *app, gh *demoGitHub) {
	if a.gitHubReviews == nil {
		return
	}
	d.say("")
	d.say("GitHub is governed too: the same digest holds the idle Copilot seats of the teams each owner answers for, each line saying its SaaS.")
	dm, digest, ok := d.reviewDigestOf(demoAdmin, "across Zendesk and GitHub")
	if !ok {
		return
	}
	d.printMessage(demoAdmin.name+"'s one digest, both SaaS", digest)
	period := reviews.PeriodOf(a.now(), a.cfg.Policy.Location())
	items, err := a.gitHubReviews.Service.Items(ctx, period)
	if !d.expect(err == nil, "the Copilot review's items are readable: %v", err) {
		return
	}
	i := slices.IndexFunc(items, func(it reviews.Item) bool { return it.Seat.Name == "jberg" })
	if !d.expect(i >= 0, "jberg's idle Copilot seat is in the review") {
		return
	}
	jberg := items[i]
	d.say("")
	d.say("%s presses Remove on %s's Copilot seat (%d days without Copilot activity) and confirms.", demoAdmin.name, jberg.Seat.Name, jberg.Seat.DaysInactive)
	d.click(ctx, demoAdmin, dm, digest.TS, prompts.ActionRemove, prompts.SeatValue(connector.GitHub, period, jberg.Seat.UserID))
	// The digest already shows the Zendesk seat Dana removed: wait for one more.
	already := strings.Count(messageText(digest), "Removed by")
	removed, ok := d.awaitMessage(ctx, dm, digest.TS, func(m slacktest.Message) bool { return strings.Count(messageText(m), "Removed by") > already })
	if ok {
		lines := strings.Split(messageText(removed), "\n")
		for i, l := range lines {
			if strings.Contains(l, "Removed by") && i >= 2 && strings.HasPrefix(lines[i-2], jberg.Seat.Name+" ") {
				d.say("  │ %s", lines[i-2])
				d.say("  │ %s", l)
			}
		}
	}
	d.expect(gh.Requests(githubtest.EndpointCopilotRemove) == 1, "GitHub was asked once to cancel the seat (asked %d times)", gh.Requests(githubtest.EndpointCopilotRemove))
	seat, err := a.github.MemberCopilotSeat(ctx, jberg.Seat.Name)
	if d.expect(err == nil && seat.PendingCancellationDate != "", "GitHub has %s's seat pending cancellation (%+v, %v)", jberg.Seat.Name, seat.PendingCancellationDate, err) {
		d.say("  In GitHub, %s's Copilot seat is cancelled: it stops being billed after %s.", jberg.Seat.Name, seat.PendingCancellationDate)
	}
}
