package main

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/verify"
)

// demoGrant is how long the scene's grant lasts: the demo's policy lets
// grants be this short, so the automatic end happens while you watch.
const demoGrant = 6 * time.Second

// demoAccessPolicy makes admin grantable for as little as demoGrant, Omar
// an approver of access requests beside the admins, and Lee the manager
// who confirms Priya's requests first.
func demoAccessPolicy(p *config.Policy) {
	p.Access.MinDuration = config.Duration(demoGrant)
	p.Access.VerifyBy = config.VerifyByManager
	p.Managers = map[string]string{demoStranger.email: demoManager.email}
	if p.Approvals.Kinds == nil {
		p.Approvals.Kinds = map[string]config.ApprovalKind{}
	}
	p.Approvals.Kinds[approvals.Access.Name] = config.ApprovalKind{Approvers: []string{demoOwner.email}}
}

// confirmRequest is the manager's confirmation of the request requester
// just sent: the requester's direct message has the code, which she tells
// her manager, who taps it; only then does the request reach approvers.
func (d *demo) confirmRequest(ctx context.Context, requester, manager demoPerson) bool {
	// The direct message goes out after the form's answer: wait for it.
	var ch string
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_ = d.slackEmu.WaitUntil(wctx, func() bool {
		c, ok := d.slackEmu.DMChannel(requester.slackID)
		ch = c
		return ok
	})
	if !d.expect(ch != "", "%s has a direct message from seatwarden", requester.name) {
		return false
	}
	status, ok := d.awaitDM(ctx, ch, 10*time.Second, func(headline, _ string) bool { return strings.Contains(headline, "the code") })
	if !d.expect(ok, "%s gets the code to tell %s (access.verify_by: manager)", requester.name, manager.name) {
		return false
	}
	d.say("Her manager confirms first (access.verify_by: manager); nothing reaches the approvers yet.")
	d.printMessage(requester.name+"'s direct message", status)
	text := messageText(status)
	code, id := confirmCode.FindStringSubmatch(text), verifyID.FindString(text)
	if !d.expect(code != nil && verify.ValidID(id), "the message names the code and the verification") {
		return false
	}
	d.say("%s tells %s %s in person; %s taps it:", requester.name, manager.name, code[1], manager.name)
	return d.tapPrompt(ctx, manager, "ask for this?", id, code[1])
}

// confirmCode finds the code in the requester's confirmation message.
var confirmCode = regexp.MustCompile(`the code (\d\d)`)

// access is the just-in-time scene: Priya, an agent, asks for admin for a
// few seconds; Lee, her manager, confirms she asked; Dana and Omar approve in the thread; Zendesk makes her
// admin at once and she is told until when; at the end the bot puts her
// Staff role back by itself, ends her Zendesk sessions and says so.
func (d *demo) access(ctx context.Context, a *app, emu *zendesktest.Server) {
	who := demoStranger
	before, ok := emu.UserByEmail(who.email)
	if !d.expect(ok && before.Role == zendesk.RoleAgent, "%s is an agent in Zendesk", who.name) {
		return
	}
	emu.StartSession(before.ID)
	d.say("")
	d.say("Just-in-time access: nobody holds admin by default. %s, an agent signed in to Zendesk, asks with /warden access request admin %s.", who.name, demoGrant)
	views := len(d.slackEmu.Views())
	if _, _, err := d.postSlash(ctx, who, "access request admin "+demoGrant.String()); err != nil {
		d.expect(false, "/warden access request answered: %v", err)
		return
	}
	view, ok := d.awaitView(ctx, views)
	if !ok {
		return
	}
	d.say("  │ %s: role admin, for %s, why: rotate the SSO certificate", view.Title, demoGrant)
	seen := len(d.topMessages(demoApprovalsChannel))
	d.submit(ctx, who, view, map[string]string{
		approvals.FieldRole: "admin", approvals.FieldDuration: demoGrant.String(), approvals.FieldWhy: "Rotate the SSO certificate before it expires tonight",
	})
	if !d.confirmRequest(ctx, who, demoManager) {
		return
	}
	parent, ok := d.awaitNewMessage(ctx, demoApprovalsChannel, seen)
	if !ok {
		return
	}
	d.printLines(parent, "Access grant request", "Risk", "high")
	id := requestID(messageText(parent))
	if !d.expect(approvals.ValidID(id), "the parent message names its request (%q)", id) {
		return
	}
	for i, approver := range []demoPerson{demoAdmin, demoOwner} {
		d.say("%s presses Approve. Access grants count only after a fresh sign-in (step_up.for: access):", approver.name)
		d.approveWithStepUp(ctx, approver, parent.TS, id)
		d.awaitReplies(ctx, parent.TS, i+1)
	}
	ch, ok := d.slackEmu.DMChannel(who.slackID)
	if !d.expect(ok, "%s has a DM from seatwarden", who.name) {
		return
	}
	if dm, ok := d.awaitDM(ctx, ch, 10*time.Second, func(headline, _ string) bool { return strings.Contains(headline, "You are admin") }); d.expect(ok, "%s is told she is admin, and until when", who.name) {
		d.printMessage(who.name+"'s direct message", dm)
	}
	if u, _ := emu.UserByEmail(who.email); d.expect(u.Role == zendesk.RoleAdmin, "in Zendesk %s is admin now (is %s)", who.name, u.Role) {
		d.say("In Zendesk %s is admin; her Staff role is on record to be put back.", who.name)
	}

	d.say("")
	d.say("Nobody does anything. %s later the bot takes admin back by itself:", demoGrant)
	if dm, ok := d.awaitDM(ctx, ch, demoGrant+15*time.Second, func(headline, _ string) bool { return strings.Contains(headline, "Your admin access has ended") }); d.expect(ok, "%s is told her admin access ended", who.name) {
		d.printMessage(who.name+"'s direct message", dm)
	}
	after, _ := emu.UserByEmail(who.email)
	restored := after.Role == zendesk.RoleAgent && after.CustomRoleID != nil && before.CustomRoleID != nil && *after.CustomRoleID == *before.CustomRoleID
	d.expect(restored, "in Zendesk %s is the Staff agent she was (role %s)", who.name, after.Role)
	d.expect(emu.Sessions(before.ID) == 0, "her Zendesk sessions were ended with the grant (%d left)", emu.Sessions(before.ID))
	d.say("In Zendesk %s is a Staff agent again and signed out.", who.name)
	if d.awaitReplies(ctx, parent.TS, 4) {
		for _, r := range d.slackEmu.Replies(demoApprovalsChannel, parent.TS)[2:] {
			headline, _, _ := strings.Cut(messageText(r), "\n")
			d.say("  ↳ %s", headline)
		}
	}
	d.expectReply(ctx, who, "access list", "Ended on time")
}

// topMessages are the top-level messages of channel.
func (d *demo) topMessages(channel string) []string {
	var out []string
	for _, m := range d.slackEmu.Messages(channel) {
		if m.ThreadTS == "" || m.ThreadTS == m.TS {
			out = append(out, m.TS)
		}
	}
	return out
}
