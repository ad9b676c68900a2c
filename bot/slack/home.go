package slack

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"

	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/bot"
)

// homeConversation stands for the Home tab where a MessageRef names the
// message a control was on: a form opened from the Home tab carries it,
// with the home's page as the message id, so its answer redraws the home
// instead of updating a message.
const homeConversation = "home"

// homeOrigin is the Home tab showing page.
func homeOrigin(page int) bot.MessageRef {
	return bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: homeConversation, MessageID: strconv.Itoa(max(page, 1))}
}

// homePageOf reads the page back from homeOrigin; ok is false for any
// other origin.
func homePageOf(origin bot.MessageRef) (page int, ok bool) {
	if origin.ConversationID != homeConversation {
		return 0, false
	}
	page, err := strconv.Atoi(origin.MessageID)
	if err != nil || page < 1 || page > 999_999 {
		return 1, true
	}
	return page, true
}

// RenderHome renders a person's home as their Home tab: one view, whose
// private_metadata is the page shown so a click redraws the same page. A
// home over the view's limits (100 blocks, 250 kB) is an error: the
// commands page it to fit.
func RenderHome(m bot.Message) (slackgo.HomeTabViewRequest, error) {
	var none slackgo.HomeTabViewRequest
	units, err := messageUnits(m)
	if err != nil {
		return none, err
	}
	var blocks []slackgo.Block
	for _, u := range units {
		blocks = append(blocks, u...)
	}
	if len(blocks) > maxBlocksPerView {
		return none, &LimitError{Where: "home", What: "block count", Len: len(blocks), Max: maxBlocksPerView}
	}
	page := 1
	if m.Pager != nil {
		page = m.Pager.Page
	}
	view := slackgo.HomeTabViewRequest{Type: slackgo.VTHomeTab, Blocks: slackgo.Blocks{BlockSet: blocks},
		PrivateMetadata: bot.PageValue(bot.HomeToken, page)}
	raw, err := json.Marshal(view)
	if err != nil {
		return none, err
	}
	if len(raw) > maxViewBytes {
		return none, &LimitError{Where: "home", What: "view size in bytes", Len: len(raw), Max: maxViewBytes}
	}
	return view, nil
}

// homePage is the page a Home tab view shows, from its private_metadata.
func homePage(metadata string) int {
	if token, page, ok := bot.ParsePageValue(metadata); ok && token == bot.HomeToken {
		return page
	}
	return 1
}

// publishHome draws page of the person's home and publishes it as their
// Home tab. A home that cannot be drawn shows an apology with a reference
// the log also carries, so the tab never stays silently stale.
func (a *Adapter) publishHome(ctx context.Context, user bot.User, page int) {
	a.publish(ctx, user.ID, a.handle(ctx, bot.Request{Platform: bot.PlatformSlack, User: user, Action: bot.HomePage(page)}))
}

// publish shows reply as the person's Home tab.
func (a *Adapter) publish(ctx context.Context, userID string, reply bot.Message) {
	view, err := RenderHome(reply)
	if err != nil {
		ref := bot.NewRef()
		a.log.Error("home could not be rendered", slog.String("ref", ref), slog.String("user", userID), slog.Any("error", err))
		if view, err = RenderHome(bot.Apology(ref)); err != nil {
			return
		}
	}
	if _, err := a.opt.API.PublishViewContext(ctx, slackgo.PublishViewContextRequest{UserID: userID, View: view}); err != nil {
		a.log.Error("home not published", slog.String("user", userID), slog.Any("error", err))
	}
}

// answerHomeClick answers a click on the Home tab, which has no message
// to update: a page turn publishes the page; any other click opens its
// form or tells the person its answer in their messages with the bot,
// then publishes the home again, now showing what the click changed.
func (a *Adapter) answerHomeClick(ctx context.Context, req bot.Request, c click, page int) {
	reply := a.handle(ctx, req)
	if req.Action.ID == bot.ActionHomePage {
		a.publish(ctx, req.User.ID, reply)
		return
	}
	switch {
	case reply.Form != nil:
		a.openForm(ctx, *reply.Form, req.User.ID, c)
		return // the form's answer redraws the home
	case !reply.Empty() && reply.Delivery != bot.ReplaceOriginal:
		a.postDirect(ctx, req.User.ID, reply)
	}
	a.publishHome(ctx, req.User, page)
}
