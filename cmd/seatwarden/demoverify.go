package main

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/verify"
)

// codePattern finds the code and the verification in the reply to
// `verify`.
var (
	codePattern = regexp.MustCompile(`code: \*?(\d\d)\*?`)
	verifyID    = regexp.MustCompile(`V-[A-Z2-7]{6}`)
)

// verify is the caller-verification scene: Dana, at the help desk, takes
// a call from someone who says they are Omar and asks for an MFA reset on
// ticket 4521. She verifies by number; Omar taps the code she reads out.
// Then a caller claiming to be Priya: the real Priya taps a number she
// was not given, and security hears of it at once.
func (d *demo) verify(ctx context.Context, a *app, emu *zendesktest.Server) {
	d.say("")
	d.say("Caller verification: someone phones the help desk saying they are %s and asks for an MFA reset.", demoOwner.name)
	code, id, ok := d.startVerify(ctx, demoOwner, "ticket 4521 MFA reset by phone")
	if !ok {
		return
	}
	d.say("%s reads %s out to the caller. %s, who really is on the phone, taps it in the direct message:", demoAdmin.name, code, demoOwner.name)
	if !d.tapVerify(ctx, demoOwner, id, code) {
		return
	}
	d.awaitStatus(ctx, "✅ Verified: "+demoOwner.email)
	notes := awaitNotes(ctx, emu, zendesktest.SampleTicketSSO)
	if d.expect(len(notes) == 1 && !notes[0].Public, "the outcome is on ticket 4521 as a private note (%d notes)", len(notes)) {
		first, _, _ := strings.Cut(notes[0].Body, "\n")
		d.say("  Ticket 4521, internal note: %s", first)
	}

	d.say("")
	d.say("Another call, from someone saying they are %s. The real %s is not on the phone, and taps a number she was not given:", demoStranger.name, demoStranger.name)
	code, id, ok = d.startVerify(ctx, demoStranger, "password reset by phone")
	if !ok {
		return
	}
	wrong := "10"
	if code == wrong {
		wrong = "11"
	}
	// A number not offered is refused; the demo taps one of the decoys.
	x, err := a.verify.Service.Get(ctx, id)
	if d.expect(err == nil, "the verification is stored") {
		for _, c := range x.Choices {
			if c != code {
				wrong = c
				break
			}
		}
	}
	if !d.tapVerify(ctx, demoStranger, id, wrong) {
		return
	}
	d.awaitStatus(ctx, "⛔ Not verified: "+demoStranger.email)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var alert string
	_ = d.slackEmu.WaitUntil(wctx, func() bool {
		for _, m := range d.slackEmu.Messages(demoAdminChannel) {
			if text := messageText(m); strings.Contains(text, "⚠ Caller verification failed") {
				alert = text
				return true
			}
		}
		return false
	})
	if d.expect(alert != "", "security (the admin channel) is told of the failed verification") {
		head, _, _ := strings.Cut(alert, "\n")
		d.say("  #admins: %s", strings.TrimPrefix(head, "▍"))
	}
}

// startVerify runs `verify` as Dana about who, and returns the code and
// the verification's id from her reply.
func (d *demo) startVerify(ctx context.Context, who demoPerson, rest string) (code, id string, ok bool) {
	text := "verify " + who.email + " " + rest
	lines, err := d.slash(ctx, demoAdmin, text)
	d.say("%s › /warden %s", demoAdmin.name, text)
	if !d.expect(err == nil, "/warden verify answered: %v", err) {
		return "", "", false
	}
	for _, l := range lines {
		d.say("  │ %s", l)
	}
	reply := strings.Join(lines, "\n")
	m, n := codePattern.FindStringSubmatch(reply), verifyID.FindString(reply)
	if !d.expect(m != nil && verify.ValidID(n), "the reply shows the code and the verification") {
		return "", "", false
	}
	return m[1], n, true
}

// tapVerify waits for who's prompt and taps choice on it.
func (d *demo) tapVerify(ctx context.Context, who demoPerson, id, choice string) bool {
	return d.tapPrompt(ctx, who, "Is this you talking to the help desk?", id, choice)
}

// tapPrompt waits for who's number-matching prompt of verification id,
// whose headline ends with headline, and taps choice on it.
func (d *demo) tapPrompt(ctx context.Context, who demoPerson, headline, id, choice string) bool {
	ch, ok := d.slackEmu.DMChannel(who.slackID)
	if !d.expect(ok, "%s has a direct message from seatwarden", who.name) {
		return false
	}
	prompt, ok := d.awaitDM(ctx, ch, 10*time.Second, func(h, text string) bool {
		return strings.HasSuffix(h, headline) && strings.Contains(text, id)
	})
	if !d.expect(ok, "%s is asked to confirm", who.name) {
		return false
	}
	d.printMessage(who.name+"'s direct message", prompt)
	d.printClick(who, d.clickReply(ctx, who, ch, prompt.TS, prompts.ActionVerifyAnswers[0], prompts.VerifyValue(id, choice)), "")
	return true
}

// awaitStatus waits for Dana's status message to read headline.
func (d *demo) awaitStatus(ctx context.Context, headline string) {
	ch, ok := d.slackEmu.DMChannel(demoAdmin.slackID)
	if !d.expect(ok, "%s has a direct message from seatwarden", demoAdmin.name) {
		return
	}
	if m, ok := d.awaitDM(ctx, ch, 10*time.Second, func(h, _ string) bool { return strings.HasSuffix(h, headline) }); d.expect(ok, "%s's direct message changes to %q", demoAdmin.name, headline) {
		d.printMessage(demoAdmin.name+"'s direct message, changed in place", m)
	}
}

// awaitNotes waits up to ten seconds for a note on ticket: the follow-up
// writes it after the tap is answered.
func awaitNotes(ctx context.Context, emu *zendesktest.Server, ticket int64) []zendesktest.TicketComment {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		if notes := emu.TicketComments(ticket); len(notes) > 0 {
			return notes
		}
		select {
		case <-tick.C:
		case <-deadline:
			return nil
		case <-ctx.Done():
			return nil
		}
	}
}
