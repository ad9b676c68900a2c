package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/okta"
	"github.com/seatwarden/seatwarden/integrations/okta/oktatest"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
)

// newDemoOkta is the company's Okta org: everyone on the emulated Zendesk
// account's staff, active, with Priya reporting to Lee as the policy
// says.
func newDemoOkta(org *zendesktest.Org, now time.Time) *oktatest.Server {
	var users []okta.User
	ids := map[string]string{}
	for i, u := range org.Users {
		if u.Role == zendesk.RoleEndUser || u.Email == "" {
			continue
		}
		id := fmt.Sprintf("00u%07d", i)
		ids[u.Email] = id
		users = append(users, okta.User{ID: id, Status: okta.StatusActive, LastUpdated: now.Add(-24 * time.Hour),
			Profile: okta.Profile{Login: u.Email, Email: u.Email, DisplayName: u.Name, Department: "Support"}})
	}
	for i := range users {
		if users[i].Profile.Email == demoStranger.email {
			users[i].Profile.ManagerID = ids[demoManager.email]
		}
	}
	return oktatest.NewServer(oktatest.WithUsers(users...))
}

// leavers is the directory scene: someone is deactivated in Okta, the next
// identity-sync puts their still-active Zendesk seat to its owner at once,
// and the owner removes it from that message.
func (d *demo) leavers(ctx context.Context, a *app, ok *oktatest.Server, emu *zendesktest.Server) {
	if a.identity == nil {
		return
	}
	leaver, found := pickActiveAgent(ctx, a)
	if !d.expect(found, "the sample account has an active agent who is nobody in the demo") {
		return
	}
	d.say("")
	d.say("Okta is the identity source: identity-sync reads the company directory every 15 minutes (and with every sync).")
	d.say("In Okta, an admin deactivates %s <%s>, who logged in to Zendesk %d days ago.", leaver.User.Name, leaver.User.Email, leaver.DaysInactive)
	var id string
	for _, u := range ok.Users() {
		if strings.EqualFold(u.Profile.Email, leaver.User.Email) {
			id = u.ID
		}
	}
	if !d.expect(ok.Deactivate(id), "Okta knows %s", leaver.User.Email) {
		return
	}
	def, err := a.jobs.Lookup(jobs.NameIdentitySync)
	if !d.expect(err == nil, "identity-sync is registered") {
		return
	}
	start := time.Now()
	err = a.runner.Run(ctx, def)
	for errors.Is(err, jobs.ErrLocked) && time.Since(start) < 10*time.Second {
		time.Sleep(10 * time.Millisecond)
		err = a.runner.Run(ctx, def)
	}
	if !d.expect(err == nil, "identity-sync runs: %v", err) {
		return
	}
	period := reviews.PeriodOf(a.now(), a.cfg.Policy.Location())
	it, err := a.reviews.Service.Item(ctx, period, leaver.User.ID)
	if !d.expect(err == nil && it.Left != nil, "the leaver's seat is open in this week's review, marked as left (%v)", err) {
		return
	}
	owner := demoAdmin
	if it.Owner == demoOwner.email {
		owner = demoOwner
	}
	dm, msg, found := d.reviewDigestOf(owner, "Still paid for people who left")
	if !found {
		return
	}
	d.say("%s later, %s has it, active though the seat is:", time.Since(start).Round(time.Millisecond), owner.name)
	d.printMessage(owner.name+"'s message", msg)
	d.say("")
	d.say("%s presses Remove and confirms.", owner.name)
	d.click(ctx, owner, dm, msg.TS, prompts.ActionRemove, prompts.SeatValue(connector.Zendesk, period, leaver.User.ID))
	if _, done := d.awaitMessage(ctx, dm, msg.TS, func(m slacktest.Message) bool { return strings.Contains(messageText(m), "Removed by "+owner.email) }); !done {
		return
	}
	u, _ := emu.UserByEmail(leaver.User.Email)
	d.expect(u.Role == zendesk.RoleEndUser, "in Zendesk %s is an end user now (role %s)", leaver.User.Name, u.Role)
	d.say("  In Zendesk, %s is an end user: the paid seat is free.", leaver.User.Name)
	d.expectReply(ctx, demoAdmin, "whois "+leaver.User.Email, "deactivated")
}

// pickActiveAgent is a paid, active agent who is none of the demo's
// people, so removing them changes no other scene.
func pickActiveAgent(ctx context.Context, a *app) (seats.Seat, bool) {
	snap, err := a.store.LoadSnapshot(ctx, connector.Zendesk)
	if err != nil {
		return seats.Seat{}, false
	}
	cast := []string{demoAdmin.email, demoOwner.email, demoStranger.email, demoManager.email}
	report := seats.Evaluate(snap, wiring.SeatPolicy(a.cfg.Policy), a.now())
	i := slices.IndexFunc(report.Paid, func(s seats.Seat) bool {
		return !s.Inactive && s.Category == seats.CategoryAgent && !slices.Contains(cast, s.User.Email)
	})
	if i < 0 {
		return seats.Seat{}, false
	}
	return report.Paid[i], true
}
