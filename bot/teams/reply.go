package teams

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/seatwarden/seatwarden/bot"
)

// Invoke response types of Universal Actions.
const (
	invokeCardType    = ContentTypeAdaptiveCard
	invokeMessageType = "application/vnd.microsoft.activity.message"
	invokeErrorType   = "application/vnd.microsoft.error"
)

// invokeResponse is the body that answers an adaptiveCard/action invoke.
type invokeResponse struct {
	StatusCode int    `json:"statusCode"`
	Type       string `json:"type"`
	Value      any    `json:"value"`
}

// maxToast is how much of a reply fits the banner Teams shows on a card.
const maxToast = 500

// onInvoke answers a card click (Action.Execute) in the HTTP response
// itself: the updated card replaces the clicked one for everyone, a form
// is drawn on the card, and one-line answers (errors, "already decided")
// show as a banner to the person who clicked.
func (a *Adapter) onInvoke(w http.ResponseWriter, r *http.Request, act schema.Activity) {
	if act.Name != "adaptiveCard/action" {
		writeInvoke(w, invokeResponse{StatusCode: http.StatusNotImplemented, Type: invokeErrorType,
			Value: map[string]string{"code": "NotImplemented", "message": "seatwarden does not handle " + act.Name}})
		return
	}
	action, _ := act.Value["action"].(map[string]any)
	verb, _ := action["verb"].(string)
	data, _ := action["data"].(map[string]any)
	sub, err := ParseSubmission(verb, data)
	if err != nil {
		a.log.Warn("unusable card action", slog.Any("error", err))
		writeInvoke(w, invokeResponse{StatusCode: http.StatusBadRequest, Type: invokeErrorType,
			Value: map[string]string{"code": "BadRequest", "message": "This button's data is not seatwarden's; the card may be outdated."}})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), a.opt.InvokeBudget)
	defer cancel()
	reply := a.handle(ctx, act, a.submissionRequest(act, sub))
	resp, rest := a.invokeAnswer(reply)
	writeInvoke(w, resp)
	if len(rest) > 0 {
		a.pool.Submit(func(ctx context.Context) { a.postCards(ctx, act, rest) })
	}
}

// invokeAnswer is the invoke response for reply and any further cards to
// post after it.
func (a *Adapter) invokeAnswer(reply bot.Message) (invokeResponse, []RenderedCard) {
	if reply.Form != nil {
		card, err := RenderForm(*reply.Form)
		if err != nil {
			return a.failed(err), nil
		}
		return invokeResponse{StatusCode: http.StatusOK, Type: invokeCardType, Value: card}, nil
	}
	cards, err := RenderMessage(reply)
	if err != nil {
		return a.failed(err), nil
	}
	switch {
	case len(cards) == 0:
		return toast("Done."), nil
	case cards[0].ReplaceOriginal:
		return invokeResponse{StatusCode: http.StatusOK, Type: invokeCardType, Value: cards[0].Card}, cards[1:]
	case cards[0].Ephemeral && len(cards) == 1:
		return toast(CardText(cards[0].Card)), nil
	}
	// A new message: posted below, the card stays as it was.
	return toast(cards[0].Summary), cards
}

func (a *Adapter) failed(err error) invokeResponse {
	ref := bot.NewRef()
	a.log.Error("reply could not be rendered", slog.String("ref", ref), slog.Any("error", err))
	return toast(bot.Apology(ref).Headline)
}

func toast(text string) invokeResponse {
	text = trimPlain(strings.TrimSpace(text), maxToast)
	return invokeResponse{StatusCode: http.StatusOK, Type: invokeMessageType, Value: text}
}

func writeInvoke(w http.ResponseWriter, resp invokeResponse) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK) // the card's fate is in statusCode; the HTTP call succeeded
	_ = json.NewEncoder(w).Encode(resp)
}

// deliverReply posts the answer to a typed command. In a channel or group
// chat, answers only the asker should see go to their 1:1 chat with the
// bot (Teams has no ephemeral messages); the rest answer in the thread.
func (a *Adapter) deliverReply(ctx context.Context, act schema.Activity, reply bot.Message) {
	var cards []RenderedCard
	if reply.Form != nil {
		form, err := RenderForm(*reply.Form)
		if err != nil {
			a.postCards(ctx, act, a.apologyCards(err))
			return
		}
		cards = append(cards, RenderedCard{Card: form, Summary: reply.Form.Title, Ephemeral: true})
	}
	rendered, err := RenderMessage(reply)
	if err != nil {
		rendered = a.apologyCards(err)
	}
	a.postCards(ctx, act, append(cards, rendered...))
}

// deliverSubmit answers an Action.Submit from a client without Universal
// Actions: what an invoke response would have drawn on the card is put on
// it with an update instead.
func (a *Adapter) deliverSubmit(ctx context.Context, act schema.Activity, reply bot.Message) {
	resp, rest := a.invokeAnswer(reply)
	if resp.Type == invokeCardType && act.ReplyToID != "" {
		if err := a.conn.update(ctx, act.ServiceURL, act.Conversation.ID, act.ReplyToID, cardActivity(resp.Value, "")); err != nil {
			a.log.Error("card not updated", slog.String("conversation", act.Conversation.ID), slog.Any("error", err))
		}
		a.postCards(ctx, act, rest)
		return
	}
	if text, ok := resp.Value.(string); ok && resp.Type == invokeMessageType && len(rest) == 0 {
		rest = []RenderedCard{{Card: textCard(text), Summary: text, Ephemeral: true}}
	}
	a.postCards(ctx, act, rest)
}

// postCards posts cards in answer to act.
func (a *Adapter) postCards(ctx context.Context, act schema.Activity, cards []RenderedCard) {
	for _, c := range cards {
		conversation, replyTo := act.Conversation.ID, act.ID
		if personal(act) {
			replyTo = ""
		} else if c.Ephemeral {
			dm, err := a.personalConversation(ctx, act.From.ID)
			if err == nil {
				conversation, replyTo = dm, ""
			} else {
				a.log.Warn("private answer posted in the thread: no 1:1 chat with the asker", slog.Any("error", err))
			}
		}
		if _, err := a.conn.send(ctx, act.ServiceURL, conversation, replyTo, cardActivity(c.Card, c.Summary)); err != nil {
			a.log.Error("reply not posted", slog.String("conversation", conversation), slog.Any("error", err))
			return
		}
	}
}

func (a *Adapter) apologyCards(err error) []RenderedCard {
	ref := bot.NewRef()
	a.log.Error("reply could not be rendered", slog.String("ref", ref), slog.Any("error", err))
	cards, _ := RenderMessage(bot.Apology(ref))
	return cards
}

// cardActivity is a message carrying one Adaptive Card. It has no text:
// Teams splits a message with text and a card into two activities, and the
// second could not be updated.
func cardActivity(card any, summary string) outgoing {
	return outgoing{Type: "message", Summary: summary,
		Attachments: []attachment{{ContentType: ContentTypeAdaptiveCard, Content: card}}}
}

// textCard is a card of one line of text.
func textCard(text string) Card {
	cards, err := RenderMessage(bot.Message{Sections: []bot.Section{{Text: bot.EscapeText(text)}}})
	if err != nil || len(cards) == 0 {
		return nil
	}
	return cards[0].Card
}
