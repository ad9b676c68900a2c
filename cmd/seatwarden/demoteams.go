package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot/teams"
	"github.com/seatwarden/seatwarden/bot/teams/teamstest"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
)

// The demo's Teams tenant: the same three people, and a Support team with
// an #ops channel.
const (
	demoTeam       = "19:support-general@thread.tacv2" // a team's General channel has the team's id
	demoOpsChannel = "19:support-ops@thread.tacv2"
)

func demoTeamsUser(p demoPerson) teamstest.User {
	return teamstest.User{ID: "29:" + strings.ToLower(p.slackID), AADObjectID: "00000000-0000-4000-8000-0000" + strings.ToLower(p.slackID[len(p.slackID)-4:]) + "0000",
		Name: p.name, Email: p.email, Installed: true}
}

// newDemoTeams starts the Bot Framework emulator with the demo's people
// and points the Teams settings at it.
func newDemoTeams(cfg *config.Config) *teamstest.Server {
	emu := teamstest.NewServer(teamstest.Options{BotName: "seatwarden"})
	var ids []string
	for _, p := range []demoPerson{demoAdmin, demoOwner, demoStranger} {
		u := demoTeamsUser(p)
		emu.AddUser(u)
		ids = append(ids, u.ID)
	}
	emu.AddChannel(teamstest.Channel{ID: demoTeam, TeamID: demoTeam, TeamName: "Support", Name: "General", Members: ids})
	emu.AddChannel(teamstest.Channel{ID: demoOpsChannel, TeamID: demoTeam, TeamName: "Support", Name: "ops", Members: ids})
	cfg.Teams = config.Teams{AppID: emu.AppID(), AppPassword: config.NewSecret(emu.AppPassword()), TenantID: emu.TenantID(),
		OpenIDMetadataURL: emu.MetadataURL(), TokenURL: emu.TokenURL(), ServiceURLs: []string{emu.ServiceURL()}}
	return emu
}

// teamsScene is the scenario on Teams: the app is installed in a team,
// the same commands are typed in a 1:1 chat and in a channel, and Dana
// answers a seat review card with Keep, whose form is drawn on the card.
func (d *demo) teamsScene(ctx context.Context, a *app, emu *teamstest.Server) {
	endpoint := d.base + "/api/messages"
	d.say("")
	d.say("Microsoft Teams, through activities signed like the Bot Connector's (RS256, keys from the emulated OpenID metadata) to %s:", endpoint)
	status, _, err := emu.Deliver(ctx, endpoint, emu.ConversationUpdate(demoTeamsUser(demoAdmin), emu.ChannelConversation(demoTeam)))
	d.expect(err == nil && status == 200, "the install in team Support is accepted (HTTP %d, %v)", status, err)
	d.say("  %s adds seatwarden to the team Support; the bot learns its members so digests can reach them.", demoAdmin.name)

	d.teamsAsk(ctx, emu, demoOwner, emu.PersonalConversation(demoTeamsUser(demoOwner).ID), "seats inactive", "Tier 2")
	d.teamsAsk(ctx, emu, demoAdmin, emu.ChannelConversation(demoOpsChannel), "seats", "Paid seats")
	d.teamsAsk(ctx, emu, demoStranger, emu.PersonalConversation(demoTeamsUser(demoStranger).ID), "seats", "admins")
	d.teamsAsk(ctx, emu, demoAdmin, emu.PersonalConversation(demoTeamsUser(demoAdmin).ID), "seats inactive abc", "e.g. /warden seats inactive")
	d.teamsAsk(ctx, emu, demoAdmin, emu.PersonalConversation(demoTeamsUser(demoAdmin).ID), "tokens", "API token retirement")

	// Dana's digest, as the inactive-digest job sends it to someone who
	// uses Teams.
	period := reviews.PeriodOf(a.now(), a.cfg.Policy.Location())
	items, err := a.reviews.Service.Items(ctx, period)
	if !d.expect(err == nil, "the review's items are readable: %v", err) {
		return
	}
	mine := slices.DeleteFunc(slices.Clone(items), func(it reviews.Item) bool { return it.Owner != demoAdmin.email })
	open := slices.IndexFunc(mine, func(it reviews.Item) bool { return it.State == reviews.Open })
	if !d.expect(open >= 0, "Dana has a seat still waiting for an answer") {
		return
	}
	seat := mine[open].Seat
	view := prompts.Review{Period: period, Location: a.cfg.Policy.Location(), Currency: a.cfg.Policy.Pricing.Currency, Command: a.cfg.Policy.Command,
		Now: a.now(), Deadline: reviews.Deadline(period, a.cfg.Policy.Location())}
	refs, err := a.teams.SendDirect(ctx, demoAdmin.email, view.Digest(prompts.Digest, demoAdmin.email, mine, 1))
	if !d.expect(err == nil && len(refs) == 1, "Dana's digest is posted in her Teams chat: %v", err) {
		return
	}
	card, ok := emu.PostedActivity(refs[0].ConversationID, refs[0].MessageID)
	if !d.expect(ok, "the digest card is in Dana's chat") {
		return
	}
	d.printCard(demoAdmin.name+"'s chat with seatwarden in Teams", card)

	d.say("")
	d.say("%s presses Keep on %s's seat: the card turns into the form (Action.Execute, answered in the invoke response).", demoAdmin.name, seat.Name)
	dana := demoTeamsUser(demoAdmin)
	resp, err := d.teamsClick(ctx, emu, dana, card, "Keep", seat.Name, nil)
	if !d.expect(err == nil && resp.Type == teamstest.AdaptiveCardContentType, "Keep draws the form on the card (%v)", err) {
		return
	}
	card, _ = emu.PostedActivity(card.ConversationID, card.ID)
	d.printCard("The card now", card)
	until := a.now().In(a.cfg.Policy.Location()).AddDate(0, 0, 60).Format(time.DateOnly)
	const reason = "Covers the weekend rota from January"
	d.say("  │ %s answers %q, ask again on %s, and submits.", demoAdmin.name, reason, until)
	resp, err = emu.Click(ctx, endpoint, dana, card, formSubmitTitle(card), map[string]string{"f." + prompts.InputReason: reason, "f." + prompts.InputKeepUntil: until})
	if !d.expect(err == nil && resp.Type == teamstest.AdaptiveCardContentType, "the form's answer redraws the digest card (%v, %s)", err, resp.Message()) {
		return
	}
	card, _ = emu.PostedActivity(card.ConversationID, card.ID)
	text := cardText(card)
	d.expect(strings.Contains(text, "Kept by "+demoAdmin.email), "the card says who kept the seat")
	d.say("")
	d.say("The card, changed in place for everyone who sees it:")
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "Kept by") || strings.Contains(l, seat.Name) {
			d.say("  │ %s", l)
		}
	}
	it, err := a.reviews.Service.Item(ctx, period, seat.UserID)
	d.expect(err == nil && it.State == reviews.Kept, "the review records %s's seat as kept (%v)", seat.Name, err)
}

// formSubmitTitle is the title of a form card's submit button: the first
// action that is not Cancel.
func formSubmitTitle(p teamstest.Posted) string {
	var card struct {
		Body []struct {
			Type    string `json:"type"`
			Actions []struct {
				Title string `json:"title"`
			} `json:"actions"`
		} `json:"body"`
		Actions []struct {
			Title string `json:"title"`
		} `json:"actions"`
	}
	_ = json.Unmarshal(p.Card, &card)
	titles := []string{}
	for _, b := range card.Body {
		for _, a := range b.Actions {
			titles = append(titles, a.Title)
		}
	}
	for _, a := range card.Actions {
		titles = append(titles, a.Title)
	}
	for _, title := range titles {
		if title != "Cancel" {
			return title
		}
	}
	return "Submit"
}

// teamsAsk types text in a Teams conversation as who and checks the card
// the bot answers with mentions want.
func (d *demo) teamsAsk(ctx context.Context, emu *teamstest.Server, who demoPerson, conv teamstest.Conversation, text, want string) {
	act := emu.Message(demoTeamsUser(who), conv, text)
	before := len(emu.Conversation(""))
	where := "in a 1:1 chat"
	if conv.Type != teamstest.ConversationPersonal {
		where = "in #ops, @mentioning the bot"
	}
	d.say("")
	d.say("%s › %s (%s)", who.name, text, where)
	status, _, err := emu.Deliver(ctx, d.base+"/api/messages", act)
	if !d.expect(err == nil && status == 200, "the message is accepted (HTTP %d, %v)", status, err) {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var reply teamstest.Posted
	err = emu.WaitUntil(wctx, func() bool {
		if posted := emu.Conversation(""); len(posted) > before {
			reply = posted[len(posted)-1]
			return true
		}
		return false
	})
	if !d.expect(err == nil, "the bot answers %q within 10s", text) {
		return
	}
	lines := strings.Split(cardText(reply), "\n")
	for _, l := range lines {
		d.say("  │ %s", l)
	}
	d.expect(strings.Contains(strings.Join(lines, "\n"), want), "%q on Teams as %s mentions %q", text, who.name, want)
}

// teamsClick presses the button titled title in the section about seat.
func (d *demo) teamsClick(ctx context.Context, emu *teamstest.Server, as teamstest.User, card teamstest.Posted, title, seat string, inputs map[string]string) (teamstest.InvokeResponse, error) {
	// The digest has one Keep per seat; Click presses the first, so the
	// card is narrowed to the seat's section first.
	narrowed := card
	narrowed.Card = sectionAbout(card.Card, seat)
	return emu.Click(ctx, d.base+"/api/messages", as, narrowed, title, inputs)
}

// sectionAbout keeps, of a card's body, only the elements from the one
// mentioning seat to the next text block, so its buttons come first.
func sectionAbout(raw json.RawMessage, seat string) json.RawMessage {
	var card map[string]any
	if json.Unmarshal(raw, &card) != nil {
		return raw
	}
	body, _ := card["body"].([]any)
	start := slices.IndexFunc(body, func(el any) bool {
		b, _ := json.Marshal(el)
		return strings.Contains(string(b), seat)
	})
	if start < 0 {
		return raw
	}
	card["body"] = body[start:]
	out, _ := json.Marshal(card)
	return out
}

func (d *demo) printCard(title string, p teamstest.Posted) {
	d.say("")
	d.say("%s:", title)
	for _, l := range strings.Split(cardText(p), "\n") {
		d.say("  │ %s", l)
	}
}

// cardText is a posted card as Teams shows it, in text.
func cardText(p teamstest.Posted) string {
	var card teams.Card
	if err := json.Unmarshal(p.Card, &card); err != nil {
		return p.Summary
	}
	return teams.CardText(card)
}
