package main

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/prompts"
)

// demoApprovalsChannel is the Slack channel where approval threads live.
const demoApprovalsChannel = "C0APPROVALS"

// demoApp is the app the scene asks for.
const demoApp = "Salesforce Sync"

// approvals is the approval thread scene: Omar asks for an app that
// touches customer PII (high risk: two approvals), tries to approve it
// himself and is refused, Dana and Priya approve it in the thread, Omar
// hears of it, marks it installed, and the next sync finds it in Zendesk.
func (d *demo) approvals(ctx context.Context, a *app, emu *zendesktest.Server) {
	d.say("")
	d.say("Approval threads: the startup sync compared Zendesk's app installations with approved requests.")
	if shadows := d.slackEmu.Messages(demoAdminChannel); d.expect(len(shadows) > 0, "installations without an approved request were reported to the admin channel") {
		d.printLines(shadows[0], "without an approved request", "Installation", "installation")
		d.say("  (%d messages in the admin channel, each with Open a retroactive request and Flag for removal)", len(shadows))
	}

	d.say("")
	d.say("%s asks for an app with /warden request app %s; a form opens.", demoOwner.name, demoApp)
	views := len(d.slackEmu.Views())
	if _, _, err := d.postSlash(ctx, demoOwner, "request app "+demoApp); err != nil {
		d.expect(false, "/warden request app answered: %v", err)
		return
	}
	view, ok := d.awaitView(ctx, views)
	if !ok {
		return
	}
	review := a.now().In(a.cfg.Policy.Location()).AddDate(0, 0, 90).Format(time.DateOnly)
	d.say("  │ %s: why, data it touches: customer PII, scopes read tickets:write, owner %s, review on %s", view.Title, demoOwner.email, review)
	d.submit(ctx, demoOwner, view, map[string]string{
		approvals.FieldApp: demoApp, approvals.FieldWhy: "Sync closed tickets to the account owners' Salesforce records",
		approvals.FieldData: approvals.DataCustomerPII, approvals.FieldScopes: "read tickets:write",
		approvals.FieldOwner: demoOwner.email, approvals.FieldReview: review,
	})
	parent, ok := d.awaitNewMessage(ctx, demoApprovalsChannel, 0)
	if !ok {
		return
	}
	d.printMessage("The approvals channel", parent)
	id := requestID(messageText(parent))
	if !d.expect(approvals.ValidID(id), "the parent message names its request (%q)", id) {
		return
	}

	d.say("")
	d.say("%s presses Approve on his own request.", demoOwner.name)
	d.printClick(demoOwner, d.clickReply(ctx, demoOwner, demoApprovalsChannel, parent.TS, prompts.ActionRequestApprove, id), "you cannot approve")
	for i, who := range []demoPerson{demoAdmin, demoStranger} {
		d.say("")
		d.say("%s presses Approve.", who.name)
		d.printClick(who, d.clickReply(ctx, who, demoApprovalsChannel, parent.TS, prompts.ActionRequestApprove, id), "You approved")
		d.awaitReplies(ctx, parent.TS, i+1)
	}
	replies := d.slackEmu.Replies(demoApprovalsChannel, parent.TS)
	d.say("")
	d.say("The thread under the request:")
	for _, r := range replies {
		for _, l := range strings.Split(messageText(r), "\n") {
			d.say("  ↳ %s", l)
		}
	}
	d.expect(len(replies) == 2, "the thread has one reply per approval and no reply for the refused one (got %d)", len(replies))
	if m, ok := d.awaitMessage(ctx, demoApprovalsChannel, parent.TS, func(m slacktest.Message) bool {
		return strings.Contains(messageText(m), "Approved")
	}); ok {
		d.printLines(m, "Approved", "Approvals")
	}
	if ch, ok := d.slackEmu.DMChannel(demoOwner.slackID); d.expect(ok, "%s has a DM from seatwarden", demoOwner.name) {
		dm, ok := d.awaitDM(ctx, ch, 10*time.Second, func(headline, text string) bool {
			return strings.Contains(text, id) && strings.Contains(strings.ToLower(headline), "approved")
		})
		if d.expect(ok, "%s was told %s is approved", demoOwner.name, id) {
			d.printMessage(demoOwner.name+"'s direct message", dm)
		}
	}

	d.say("")
	d.say("%s installs %s in Zendesk and presses Mark installed; the next sync checks.", demoOwner.name, demoApp)
	d.printClick(demoOwner, d.clickReply(ctx, demoOwner, demoApprovalsChannel, parent.TS, prompts.ActionRequestDone, id), "Marked")
	d.awaitReplies(ctx, parent.TS, 3)
	emu.InstallApp(demoApp, 219999)
	def, err := a.jobs.Lookup(jobs.NameSync)
	if err == nil {
		err = a.runner.Run(ctx, def)
	}
	d.expect(err == nil, "sync runs: %v", err)
	if d.awaitReplies(ctx, parent.TS, 4) {
		replies := d.slackEmu.Replies(demoApprovalsChannel, parent.TS)
		d.say("  ↳ %s", strings.ReplaceAll(messageText(replies[len(replies)-1]), "\n", " "))
	}
	d.expectReply(ctx, demoOwner, "request list", id)
}

// requestID finds the REQ-… id in a message's text.
func requestID(text string) string {
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '\n' || r == ':' || r == '*' || r == '·' || r == '`' }) {
		if approvals.ValidID(w) {
			return w
		}
	}
	return ""
}

// clickReply presses a button and returns the bot's private answer.
func (d *demo) clickReply(ctx context.Context, who demoPerson, channel, ts, actionID, value string) []string {
	respURL := d.slackEmu.NewMessageResponseURL(channel, who.slackID, ts)
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "trigger_id": d.slackEmu.IssueTriggerID(), "response_url": respURL,
		"user":      map[string]string{"id": who.slackID, "name": strings.ToLower(strings.Fields(who.name)[0])},
		"team":      map[string]string{"id": "T0ACME"},
		"channel":   map[string]string{"id": channel},
		"container": map[string]any{"type": "message", "message_ts": ts, "channel_id": channel},
		"actions":   []map[string]string{{"block_id": "act", "action_id": actionID, "value": value, "type": "button"}},
	})
	d.interact(ctx, payload)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var lines []string
	_ = d.slackEmu.WaitUntil(wctx, func() bool {
		for _, p := range d.slackEmu.ResponseURLPosts() {
			if p.URL == respURL {
				lines, _ = blockKitText(p.Body)
				return true
			}
		}
		return false
	})
	return lines
}

func (d *demo) printClick(who demoPerson, lines []string, want string) {
	for _, l := range lines {
		d.say("  │ %s", l)
	}
	d.expect(strings.Contains(strings.Join(lines, "\n"), want), "%s's click is answered with %q", who.name, want)
}

// awaitReplies waits until the thread under ts has n replies.
func (d *demo) awaitReplies(ctx context.Context, ts string, n int) bool {
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := d.slackEmu.WaitUntil(wctx, func() bool { return len(d.slackEmu.Replies(demoApprovalsChannel, ts)) >= n })
	return d.expect(err == nil, "the thread has %d replies within 10s (has %d)", n, len(d.slackEmu.Replies(demoApprovalsChannel, ts)))
}

// awaitNewMessage waits for a top-level message in channel after the
// first seen.
func (d *demo) awaitNewMessage(ctx context.Context, channel string, seen int) (slacktest.Message, bool) {
	var got slacktest.Message
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := d.slackEmu.WaitUntil(wctx, func() bool {
		var top []slacktest.Message
		for _, m := range d.slackEmu.Messages(channel) {
			if m.ThreadTS == "" || m.ThreadTS == m.TS {
				top = append(top, m)
			}
		}
		if len(top) > seen {
			got = top[seen]
			return true
		}
		return false
	})
	return got, d.expect(err == nil, "a message reached %s within 10s", channel)
}

// awaitDM waits up to wait for a direct message in channel whose
// headline and text satisfy match.
func (d *demo) awaitDM(ctx context.Context, channel string, wait time.Duration, match func(headline, text string) bool) (slacktest.Message, bool) {
	var got slacktest.Message
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	err := d.slackEmu.WaitUntil(wctx, func() bool {
		for _, m := range d.slackEmu.Messages(channel) {
			text := messageText(m)
			headline, _, _ := strings.Cut(text, "\n")
			if match(headline, text) {
				got = m
				return true
			}
		}
		return false
	})
	return got, err == nil
}
