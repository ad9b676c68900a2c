package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
)

// review is the seat review scene: the weekly digest goes out, Omar keeps
// a seat with a reason (a form), Dana removes one (carried out in
// Zendesk), and Dana reads the review's progress.
func (d *demo) review(ctx context.Context, a *app, emu *zendesktest.Server) {
	d.say("")
	d.say("Seat review: the inactive-digest job (Mondays 09:00) runs now and sends each owner one digest.")
	def, err := a.jobs.Lookup(jobs.NameInactiveDigest)
	if err == nil {
		err = a.runner.Run(ctx, def)
	}
	if !d.expect(err == nil, "inactive-digest runs: %v", err) {
		return
	}
	omarDM, omarDigest, ok := d.digestOf(demoOwner)
	if !ok {
		return
	}
	_, danaDigest, ok := d.digestOf(demoAdmin)
	if !ok {
		return
	}
	d.printMessage(demoOwner.name+"'s DM from seatwarden", omarDigest)
	d.expect(strings.Contains(messageText(danaDigest), "Seat review: "), "Dana gets a digest of the seats she answers for")

	period := reviews.PeriodOf(a.now(), a.cfg.Policy.Location())
	items, err := a.reviews.Service.Items(ctx, period)
	if !d.expect(err == nil, "the review's items are readable: %v", err) {
		return
	}
	seatOf := func(email string) (reviews.Item, bool) {
		i := slices.IndexFunc(items, func(it reviews.Item) bool { return it.Seat.Email == email })
		if i < 0 {
			d.expect(false, "%s is in the review", email)
			return reviews.Item{}, false
		}
		return items[i], true
	}

	hannah, ok := seatOf("hannah@acme.example")
	if !ok {
		return
	}
	d.say("")
	d.say("%s presses Keep on %s's seat; a form asks why and until when.", demoOwner.name, hannah.Seat.Name)
	views := len(d.slackEmu.Views())
	d.click(ctx, demoOwner, omarDM, omarDigest.TS, prompts.ActionKeep, prompts.SeatValue(connector.Zendesk, period, hannah.Seat.UserID))
	view, ok := d.awaitView(ctx, views)
	if !ok {
		return
	}
	until := a.now().In(a.cfg.Policy.Location()).AddDate(0, 0, 90).Format(time.DateOnly)
	const reason = "On parental leave until March; she keeps her queue"
	d.say("  │ %s: %q, ask again on %s", view.Title, reason, until)
	d.submit(ctx, demoOwner, view, map[string]string{prompts.InputReason: reason, prompts.InputKeepUntil: until})
	updated, ok := d.awaitMessage(ctx, omarDM, omarDigest.TS, func(m slacktest.Message) bool { return strings.Contains(messageText(m), "Kept by") })
	if ok {
		d.printMessage("The digest, updated in place", updated)
	}

	aisha, ok := seatOf("aisha@acme.example")
	if !ok {
		return
	}
	danaDM, _ := d.slackEmu.DMChannel(demoAdmin.slackID)
	d.say("")
	d.say("%s presses Remove on %s's seat (%d days without a login) and confirms.", demoAdmin.name, aisha.Seat.Name, aisha.Seat.DaysInactive)
	d.click(ctx, demoAdmin, danaDM, danaDigest.TS, prompts.ActionRemove, prompts.SeatValue(connector.Zendesk, period, aisha.Seat.UserID))
	removed, ok := d.awaitMessage(ctx, danaDM, danaDigest.TS, func(m slacktest.Message) bool { return strings.Contains(messageText(m), "Removed by") })
	if ok {
		for _, l := range strings.Split(messageText(removed), "\n") {
			if strings.Contains(l, "Removed by") || strings.Contains(l, aisha.Seat.Name) {
				d.say("  │ %s", l)
			}
		}
	}
	u, _ := emu.User(aisha.Seat.UserID)
	d.expect(u.Role == zendesk.RoleEndUser, "Zendesk now has %s as an end user (role %q)", aisha.Seat.Name, u.Role)
	d.say("  In Zendesk, %s is now an %s: the paid seat is free.", aisha.Seat.Name, u.Role)

	d.expectReply(ctx, demoAdmin, "review", "Removed")
}

// digestOf finds the one Zendesk seat review digest who was sent in
// their DM.
func (d *demo) digestOf(who demoPerson) (string, slacktest.Message, bool) {
	return d.reviewDigestOf(who, "Seat review: ")
}

// reviewDigestOf finds the one digest saying title among who's DMs.
func (d *demo) reviewDigestOf(who demoPerson, title string) (string, slacktest.Message, bool) {
	ch, ok := d.slackEmu.DMChannel(who.slackID)
	if !d.expect(ok, "%s has a DM from seatwarden", who.name) {
		return "", slacktest.Message{}, false
	}
	var found []slacktest.Message
	for _, m := range d.slackEmu.Messages(ch) {
		if strings.Contains(messageText(m), title) {
			found = append(found, m)
		}
	}
	if !d.expect(len(found) == 1, "%s got one %q digest (got %d)", who.name, strings.TrimSuffix(title, ": "), len(found)) {
		return "", slacktest.Message{}, false
	}
	return ch, found[0], true
}

func (d *demo) printMessage(title string, m slacktest.Message) {
	d.say("")
	d.say("%s:", title)
	for _, l := range strings.Split(messageText(m), "\n") {
		d.say("  │ %s", l)
	}
}

// messageText is a posted message as the demo prints it.
func messageText(m slacktest.Message) string {
	raw, _ := json.Marshal(map[string]any{"text": m.Text, "blocks": m.Blocks})
	lines, err := blockKitText(raw)
	if err != nil {
		return m.Text
	}
	return strings.Join(lines, "\n")
}

// click posts a signed block_actions payload, as Slack does when who
// presses a button of the message at ts.
func (d *demo) click(ctx context.Context, who demoPerson, channel, ts, actionID, value string) {
	d.clickAnswered(ctx, who, channel, ts, actionID, value, d.slackEmu.NewMessageResponseURL(channel, who.slackID, ts))
}

// clickAnswered is click with the response_url the answer goes to.
func (d *demo) clickAnswered(ctx context.Context, who demoPerson, channel, ts, actionID, value, responseURL string) {
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "trigger_id": d.slackEmu.IssueTriggerID(),
		"response_url": responseURL,
		"user":         map[string]string{"id": who.slackID, "name": strings.ToLower(strings.Fields(who.name)[0])},
		"team":         map[string]string{"id": "T0ACME"},
		"channel":      map[string]string{"id": channel},
		"container":    map[string]any{"type": "message", "message_ts": ts, "channel_id": channel},
		"actions":      []map[string]string{{"block_id": "sec1.act", "action_id": actionID, "value": value, "type": "button"}},
	})
	d.interact(ctx, payload)
}

// submit posts a signed view_submission of view with values by input id.
func (d *demo) submit(ctx context.Context, who demoPerson, view slacktest.View, values map[string]string) {
	state := map[string]any{}
	for id, v := range values {
		kind, key := "plain_text_input", "value"
		switch id {
		case prompts.InputKeepUntil, prompts.InputNextReview, prompts.InputDeadline, approvals.FieldReview, prompts.InputUntil:
			kind, key = "datepicker", "selected_date"
		case approvals.FieldData, approvals.FieldTier:
			state[id] = map[string]any{id: map[string]any{"type": "static_select", "selected_option": map[string]string{"value": v}}}
			continue
		}
		state[id] = map[string]any{id: map[string]string{"type": kind, key: v}}
	}
	payload, _ := json.Marshal(map[string]any{
		"type": "view_submission", "user": map[string]string{"id": who.slackID}, "team": map[string]string{"id": "T0ACME"},
		"view": map[string]any{"id": view.ID, "type": "modal", "callback_id": view.CallbackID, "private_metadata": view.PrivateMetadata,
			"state": map[string]any{"values": state}},
	})
	d.interact(ctx, payload)
}

func (d *demo) interact(ctx context.Context, payload []byte) {
	body := url.Values{"payload": {string(payload)}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.base+"/slack/interactions", strings.NewReader(body))
	if err != nil {
		d.expect(false, "interaction request: %v", err)
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	slacktest.SignRequest(req.Header, body, time.Now(), demoSigningSecret)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		d.expect(false, "interaction posted: %v", err)
		return
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	d.expect(resp.StatusCode == http.StatusOK && !strings.Contains(string(raw), `"errors"`), "interaction accepted: HTTP %d %s", resp.StatusCode, strings.TrimSpace(string(raw)))
}

// awaitView waits for the modal opened after the first seen views.
func (d *demo) awaitView(ctx context.Context, seen int) (slacktest.View, bool) {
	var v slacktest.View
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := d.slackEmu.WaitUntil(wctx, func() bool {
		if views := d.slackEmu.Views(); len(views) > seen {
			v = views[len(views)-1]
			return true
		}
		return false
	})
	return v, d.expect(err == nil, "a form opened within 10s")
}

// awaitMessage waits until the message at ts satisfies cond.
func (d *demo) awaitMessage(ctx context.Context, channel, ts string, cond func(slacktest.Message) bool) (slacktest.Message, bool) {
	var got slacktest.Message
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := d.slackEmu.WaitUntil(wctx, func() bool {
		for _, m := range d.slackEmu.Messages(channel) {
			if m.TS == ts && cond(m) {
				got = m
				return true
			}
		}
		return false
	})
	return got, d.expect(err == nil, "the digest in %s changed in place within 10s", channel)
}
