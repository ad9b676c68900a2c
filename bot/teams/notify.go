package teams

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/seatwarden/seatwarden/bot"
)

var _ bot.Notifier = (*Adapter)(nil)

// SendDirect posts msg to the person with this email in their 1:1 chat with
// the bot, one card per rendered part, and returns a reference to each part
// posted (with the error, the parts posted before it). Teams has no lookup
// by email: the bot knows the people who have talked to it or share a team
// where it is installed (see onInstall), and, with Options.EntraObjectID,
// anyone the company directory names who has the app installed; anyone
// else, and anyone who blocked or removed the bot, is bot.ErrUnreachable.
func (a *Adapter) SendDirect(ctx context.Context, email string, msg bot.Message) ([]bot.MessageRef, error) {
	cards, err := renderNotification(msg)
	if err != nil {
		return nil, err
	}
	u, found, err := a.dir.userByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	if !found {
		if u, found, err = a.meetByObjectID(ctx, email); err != nil {
			return nil, err
		}
	}
	if !found {
		return nil, fmt.Errorf("teams: nobody with email %q has talked to the bot or shares a team where it is installed: %w", email, bot.ErrUnreachable)
	}
	conversation, err := a.personalConversation(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return a.postParts(ctx, u.ServiceURL, conversation, "", cards, true)
}

// SendChannel posts msg as a new conversation in a channel (or into a
// group chat) the bot is installed in, by its Teams id (19:…).
func (a *Adapter) SendChannel(ctx context.Context, channel string, msg bot.Message) ([]bot.MessageRef, error) {
	channel = strings.TrimSpace(channel)
	if channel == "" {
		return nil, errors.New("teams: SendChannel: no conversation id")
	}
	cards, err := renderNotification(msg)
	if err != nil {
		return nil, err
	}
	c, err := a.installed(ctx, channel)
	if err != nil {
		return nil, err
	}
	return a.postParts(ctx, c.ServiceURL, channel, "", cards, false)
}

// Update replaces a card the bot posted with msg's first part, in place
// for everyone. Callers keep updatable messages to one part by paging.
func (a *Adapter) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	if ref.Platform != bot.PlatformTeams {
		return fmt.Errorf("teams: Update: a %q message reference is not Teams'", ref.Platform)
	}
	if ref.ConversationID == "" || ref.MessageID == "" {
		return errors.New("teams: Update: the message reference has no conversation or activity id")
	}
	cards, err := renderNotification(msg)
	if err != nil {
		return err
	}
	if len(cards) > 1 {
		a.log.Warn("update renders to several cards; only the first replaces the original",
			slog.String("conversation", ref.ConversationID), slog.String("activity", ref.MessageID), slog.Int("parts", len(cards)))
	}
	c, err := a.installed(ctx, baseConversation(ref.ConversationID))
	if err != nil {
		return err
	}
	return a.conn.update(ctx, c.ServiceURL, ref.ConversationID, ref.MessageID, cardActivity(cards[0].Card, cards[0].Summary))
}

// ReplyInThread posts msg under a card the bot posted, one card per
// rendered part, and references each part posted (with the error, the
// parts posted before it). In a channel the parts go into the card's reply
// chain, the conversation "<channel>;messageid=<card>". Personal and group
// chats have no reply chains, so there the parts are new messages in the
// chat that reply to the card (replyToId).
func (a *Adapter) ReplyInThread(ctx context.Context, parent bot.MessageRef, msg bot.Message) ([]bot.MessageRef, error) {
	if parent.Platform != bot.PlatformTeams {
		return nil, fmt.Errorf("teams: ReplyInThread: a %q message reference is not Teams'", parent.Platform)
	}
	if parent.ConversationID == "" || parent.MessageID == "" {
		return nil, errors.New("teams: ReplyInThread: the message reference has no conversation or activity id")
	}
	cards, err := renderNotification(msg)
	if err != nil {
		return nil, err
	}
	base := baseConversation(parent.ConversationID)
	c, err := a.installed(ctx, base)
	if err != nil {
		return nil, err
	}
	if !inChannel(c, parent.ConversationID) {
		// A reply in a 1:1 chat alerts its person, as SendDirect's post did.
		personal := c.Type == "personal" || strings.HasPrefix(base, "a:")
		return a.postParts(ctx, c.ServiceURL, base, parent.MessageID, cards, personal)
	}
	// A card already inside a reply chain is answered in that chain:
	// Teams' channel threads are one level deep.
	thread := parent.ConversationID
	if thread == base {
		thread = base + ";messageid=" + parent.MessageID
	}
	return a.postParts(ctx, c.ServiceURL, thread, "", cards, false)
}

// inChannel reports whether the conversation of the message id (c, as
// installed found it) is a team channel. A channel reached through its
// tenant's reference has no type of its own: its id says it is one.
func inChannel(c conversationRef, id string) bool {
	switch {
	case c.Type != "":
		return c.Type == "channel"
	case strings.Contains(id, ";messageid="):
		return true
	}
	return strings.HasSuffix(id, "@thread.tacv2") || strings.HasSuffix(id, "@thread.skype")
}

// OwnsChannel reports whether id is a Teams conversation id, so a
// notifier serving several transports sends there through Teams.
func (a *Adapter) OwnsChannel(id string) bool {
	return strings.HasPrefix(id, "19:") || strings.HasPrefix(id, "a:")
}

// installed is the reference of a conversation the bot is in. A channel
// the bot has not heard from is reached through its tenant's service URL
// (Teams refuses the post if the bot is not in that channel's team).
func (a *Adapter) installed(ctx context.Context, id string) (conversationRef, error) {
	c, found, err := a.dir.conversation(ctx, id)
	if err != nil {
		return c, err
	}
	if found && c.Removed {
		return c, fmt.Errorf("teams: the bot was removed from conversation %s; add the app to that team or chat again", id)
	}
	if !found && a.opt.TenantID != "" && strings.HasPrefix(id, "19:") {
		c, found, err = a.dir.conversation(ctx, tenantRefID(a.opt.TenantID))
		if err != nil {
			return c, err
		}
	}
	if !found {
		return c, fmt.Errorf("teams: the bot is not installed in conversation %s; add the app to that team or chat first", id)
	}
	return c, nil
}

// personalConversation is the bot's 1:1 chat with a user, created (Teams
// answers the existing one) and remembered when not known yet.
func (a *Adapter) personalConversation(ctx context.Context, userID string) (string, error) {
	u, found, err := a.dir.user(ctx, userID)
	if err != nil {
		return "", err
	}
	if !found {
		return "", fmt.Errorf("teams: user %s is unknown to the bot: %w", userID, bot.ErrUnreachable)
	}
	if u.Personal != "" {
		return u.Personal, nil
	}
	botID := cmp.Or(u.BotID, "28:"+a.opt.AppID)
	id, err := a.conn.createConversation(ctx, u.ServiceURL, conversationParams{
		Bot:         schema.ChannelAccount{ID: botID, Name: u.BotName},
		Members:     []schema.ChannelAccount{{ID: u.ID}},
		TenantID:    u.TenantID,
		ChannelData: map[string]any{"tenant": map[string]string{"id": u.TenantID}},
	})
	if err != nil {
		return "", err
	}
	if _, err := a.dir.rememberUser(ctx, userRef{ID: u.ID, Personal: id}); err != nil {
		a.log.Warn("1:1 conversation not remembered", slog.Any("error", err))
	}
	if err := a.dir.rememberConversation(ctx, conversationRef{ID: id, Type: "personal", TenantID: u.TenantID, ServiceURL: u.ServiceURL, BotID: botID, BotName: u.BotName}); err != nil {
		a.log.Warn("1:1 conversation not remembered", slog.Any("error", err))
	}
	return id, nil
}

// meetByObjectID opens the 1:1 chat with a person the bot has not met, by
// the Entra object id the directory gives for their email: Teams takes
// the object id as the member of a new personal conversation when the app
// is installed for the person (by them, or by an admin's app policy). The
// person is then remembered under their Teams id like anyone met.
func (a *Adapter) meetByObjectID(ctx context.Context, email string) (userRef, bool, error) {
	if a.opt.EntraObjectID == nil {
		return userRef{}, false, nil
	}
	oid, ok, err := a.opt.EntraObjectID(ctx, email)
	if err != nil || !ok {
		return userRef{}, false, err
	}
	serviceURL, botID := a.homeServiceURL(), "28:"+a.opt.AppID
	conversation, err := a.conn.createConversation(ctx, serviceURL, conversationParams{
		Bot:         schema.ChannelAccount{ID: botID},
		Members:     []schema.ChannelAccount{{ID: oid}},
		TenantID:    a.opt.TenantID,
		ChannelData: map[string]any{"tenant": map[string]string{"id": a.opt.TenantID}},
	})
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr) && (apiErr.Status == http.StatusForbidden || apiErr.Status == http.StatusNotFound):
		return userRef{}, false, nil // not installed for them: unreachable, as for anyone unmet
	case err != nil:
		return userRef{}, false, err
	}
	m, err := a.conn.member(ctx, serviceURL, conversation, oid)
	if err != nil {
		return userRef{}, false, err
	}
	u, err := a.dir.rememberUser(ctx, userRef{ID: m.ID, AADObjectID: cmp.Or(m.ObjectID, oid), Name: m.Name, Email: m.address(), Fetched: a.opt.Now(),
		TenantID: a.opt.TenantID, ServiceURL: serviceURL, BotID: botID, Personal: conversation})
	if err != nil {
		return userRef{}, false, err
	}
	if err := a.dir.rememberConversation(ctx, conversationRef{ID: conversation, Type: "personal", TenantID: a.opt.TenantID, ServiceURL: serviceURL, BotID: botID}); err != nil {
		a.log.Warn("1:1 conversation not remembered", slog.Any("error", err))
	}
	a.log.Info("met a person through the directory", slog.String("user", m.ID))
	return u, true, nil
}

// homeServiceURL is where conversations with people the bot has not met
// are created: the first trusted service URL, Microsoft's global one
// ("https://smba.trafficmanager.net/teams/") in production.
func (a *Adapter) homeServiceURL() string {
	u := a.opt.ServiceURLs[0]
	if u == "https://smba.trafficmanager.net/" {
		return u + "teams/"
	}
	return u
}

// postParts posts cards as new messages, each replying to the activity
// replyTo when set, and references each one posted.
func (a *Adapter) postParts(ctx context.Context, serviceURL, conversation, replyTo string, cards []RenderedCard, alert bool) ([]bot.MessageRef, error) {
	var refs []bot.MessageRef
	for i, c := range cards {
		act := cardActivity(c.Card, c.Summary)
		if alert {
			// A digest nobody asked for raises a notification in the feed.
			act.ChannelData = map[string]any{"notification": map[string]bool{"alert": true}}
		}
		id, err := a.conn.send(ctx, serviceURL, conversation, replyTo, act)
		if err != nil {
			return refs, fmt.Errorf("teams: part %d of %d not posted to %s: %w", i+1, len(cards), conversation, err)
		}
		refs = append(refs, bot.MessageRef{Platform: bot.PlatformTeams, ConversationID: conversation, MessageID: id})
	}
	return refs, nil
}

// renderNotification renders a message sent unasked, which must have
// something to post.
func renderNotification(msg bot.Message) ([]RenderedCard, error) {
	cards, err := RenderMessage(msg)
	if err != nil {
		return nil, err
	}
	if len(cards) == 0 {
		return nil, errors.New("teams: a form cannot be sent unasked; send a message with a button that opens it")
	}
	return cards, nil
}

// onInstall keeps the references an installation gives: the conversation,
// and for a team every member, so digests can reach people who never wrote
// to the bot. A personal install gets a welcome that says what the bot is
// for. Removal is remembered so nothing more is sent there.
func (a *Adapter) onInstall(act schema.Activity) {
	botAdded := act.Action == "add" && act.Type == "installationUpdate"
	botRemoved := act.Action == "remove" && act.Type == "installationUpdate"
	var others []schema.ChannelAccount
	for _, m := range act.MembersAdded {
		if m.ID == act.Recipient.ID {
			botAdded = true
		} else {
			others = append(others, m)
		}
	}
	for _, m := range act.MembersRemoved {
		if m.ID == act.Recipient.ID {
			botRemoved = true
		}
	}
	if botRemoved {
		a.pool.Submit(func(ctx context.Context) {
			c, found, err := a.dir.conversation(ctx, baseConversation(act.Conversation.ID))
			if err != nil || !found {
				a.log.Warn("uninstall not remembered: conversation unknown", slog.String("conversation", act.Conversation.ID), slog.Any("error", err))
				return
			}
			c.Removed = true
			if err := a.dir.rememberConversation(ctx, c); err != nil {
				a.log.Warn("uninstall not remembered", slog.Any("error", err))
			}
		})
		return
	}
	switch {
	case botAdded && teamOf(act) != "":
		a.pool.Submit(func(ctx context.Context) { a.learnMembers(ctx, act, teamOf(act)) })
	case botAdded && personal(act):
		a.pool.Submit(func(ctx context.Context) { a.welcome(ctx, act) })
	case len(others) > 0:
		a.pool.Submit(func(ctx context.Context) { a.learnMembers(ctx, act, baseConversation(act.Conversation.ID)) })
	}
}

// learnMembers stores every member of a team or chat with their email.
func (a *Adapter) learnMembers(ctx context.Context, act schema.Activity, conversation string) {
	token, learned := "", 0
	for {
		members, next, err := a.conn.pagedMembers(ctx, act.ServiceURL, conversation, token)
		if err != nil {
			a.log.Warn("team members not learned", slog.String("conversation", conversation), slog.Int("learned", learned), slog.Any("error", err))
			return
		}
		for _, m := range members {
			u := userRef{ID: m.ID, AADObjectID: m.ObjectID, Name: m.Name, Email: m.address(), Fetched: a.opt.Now(),
				TenantID: cmp.Or(m.TenantID, tenantOf(act)), ServiceURL: act.ServiceURL, BotID: act.Recipient.ID, BotName: act.Recipient.Name}
			if _, err := a.dir.rememberUser(ctx, u); err != nil {
				a.log.Warn("member not stored", slog.Any("error", err))
				return
			}
			learned++
		}
		if next == "" {
			break
		}
		token = next
	}
	a.log.Info("learned the members of a conversation the bot was added to", slog.String("conversation", conversation), slog.Int("members", learned))
}

// welcome is the first thing a person sees after installing the bot.
func (a *Adapter) welcome(ctx context.Context, act schema.Activity) {
	msg := bot.Message{
		Headline: "Hello, I'm seatwarden",
		Sections: []bot.Section{{Text: "I keep your Zendesk seats and access honest: I send seat reviews to the people who answer for them, " +
			"answer questions about paid seats, and track API tokens and app installs.\n" +
			"Type *help* to see what you can ask me. Seat review digests arrive here when you have seats to review."}},
	}
	cards, err := RenderMessage(msg)
	if err != nil {
		a.log.Error("welcome not rendered", slog.Any("error", err))
		return
	}
	if _, err := a.postParts(ctx, act.ServiceURL, act.Conversation.ID, "", cards, false); err != nil {
		a.log.Warn("welcome not posted", slog.Any("error", err))
	}
}
