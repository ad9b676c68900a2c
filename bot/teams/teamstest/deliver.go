package teamstest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// MessageContentType is the type of an invoke response that asks the
// client to show a short message instead of changing the card.
const MessageContentType = "application/vnd.microsoft.activity.message"

// maxBotResponseBytes bounds what Deliver reads of the bot's answer.
const maxBotResponseBytes = 4 << 20

// deliverClient gives up when Teams would.
var deliverClient = &http.Client{Timeout: BotResponseTimeout}

// InvokeResponse is the bot's answer to an adaptiveCard/action invoke.
type InvokeResponse struct {
	StatusCode int             `json:"statusCode"` // 200 when the bot left it out
	Type       string          `json:"type"`       // AdaptiveCardContentType, MessageContentType, application/vnd.microsoft.error, …
	Value      json.RawMessage `json:"value"`
}

// Message is the text of a MessageContentType response, "" otherwise.
func (r InvokeResponse) Message() string {
	var text string
	if r.Type == MessageContentType {
		_ = json.Unmarshal(r.Value, &text)
	}
	return text
}

// Deliver posts an activity to the bot's messaging endpoint the way the
// Bot Connector does: JSON, with a bearer token from InboundToken for the
// activity's serviceUrl (ServiceURL when it has none). activity is
// anything that marshals to an activity; []byte and json.RawMessage go
// as they are. It returns the bot's status and body.
func (s *Server) Deliver(ctx context.Context, botURL string, activity any) (status int, body []byte, err error) {
	var payload []byte
	switch a := activity.(type) {
	case []byte:
		payload = a
	case json.RawMessage:
		payload = a
	default:
		// Teams writes "<at>" as it is, not as \u003c.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(activity); err != nil {
			return 0, nil, fmt.Errorf("teamstest: encoding the activity: %w", err)
		}
		payload = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	var probe struct {
		ServiceURL string `json:"serviceUrl"`
	}
	_ = json.Unmarshal(payload, &probe)
	serviceURL := cmp.Or(probe.ServiceURL, s.ServiceURL())

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, botURL, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, fmt.Errorf("teamstest: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+s.InboundToken(serviceURL))
	req.Header.Set("User-Agent", "Microsoft-SkypeBotApi (Microsoft-BotFramework/3.0)")
	resp, err := deliverClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("teamstest: delivering to %s: %w", botURL, err)
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxBotResponseBytes))
	if err != nil {
		return resp.StatusCode, body, fmt.Errorf("teamstest: reading the bot's answer: %w", err)
	}
	return resp.StatusCode, body, nil
}

// Click presses the Action.Execute titled title in a posted card, as user
// as: it finds the action (also inside ActionSets and Action.ShowCard
// cards; the first in document order when several share the title),
// merges the card's inputs, with inputs overriding their values, into its
// data, sends the adaptiveCard/action invoke with replyToId = the card's
// activity id and returns the bot's invoke response. When that response
// is a card, it replaces the activity's card, as Teams shows it in place.
// The card is read in its current state when the activity is known.
func (s *Server) Click(ctx context.Context, botURL string, as User, card Posted, title string, inputs map[string]string) (InvokeResponse, error) {
	conv, found, err := s.prepareClick(card, title)
	if err != nil {
		return InvokeResponse{}, err
	}
	data, err := submission(found, found.action["data"], inputs)
	if err != nil {
		return InvokeResponse{}, err
	}
	if data == nil {
		data = map[string]any{}
	}
	verb, _ := found.action["verb"].(string)
	act := s.Invoke(as, conv, card.ID, verb, data)
	if id, ok := found.action["id"].(string); ok && id != "" {
		act.Value.(map[string]any)["action"].(map[string]any)["id"] = id
	}
	status, body, err := s.Deliver(ctx, botURL, act)
	if err != nil {
		return InvokeResponse{}, err
	}
	if status != http.StatusOK {
		return InvokeResponse{}, fmt.Errorf("teamstest: the bot answered the invoke with HTTP %d: %s", status, bytes.TrimSpace(body))
	}
	var resp InvokeResponse
	if err := json.Unmarshal(body, &resp); err != nil || len(bytes.TrimSpace(body)) == 0 {
		return InvokeResponse{}, fmt.Errorf("teamstest: the bot's invoke response is not an AdaptiveCardInvokeResponse: %q", body)
	}
	if resp.StatusCode == 0 {
		resp.StatusCode = http.StatusOK
	}
	if resp.StatusCode == http.StatusOK && resp.Type == AdaptiveCardContentType {
		if v := bytes.TrimSpace(resp.Value); len(v) == 0 || v[0] != '{' {
			return resp, fmt.Errorf("teamstest: the invoke response's card is not an object: %s", resp.Value)
		}
		s.mu.Lock()
		if a := s.findActivityLocked(card.ConversationID, card.ID); a != nil && !a.deleted {
			a.replaceCard(resp.Value)
			s.notify()
		}
		s.mu.Unlock()
	}
	return resp, nil
}

// ClickFallback presses the Action.Submit fallback of the Action.Execute
// titled title, as an old client does: a message whose value is the
// fallback's data merged with the card's inputs, replyToId = the card's
// activity id. It returns the bot's status and body.
func (s *Server) ClickFallback(ctx context.Context, botURL string, as User, card Posted, title string, inputs map[string]string) (status int, body []byte, err error) {
	conv, found, err := s.prepareClick(card, title)
	if err != nil {
		return 0, nil, err
	}
	fallback, ok := found.action["fallback"].(map[string]any)
	if !ok || fallback["type"] != "Action.Submit" {
		return 0, nil, fmt.Errorf("%w: %q has no Action.Submit fallback", ErrActionNotFound, title)
	}
	// The fallback stands where the action stood: same card, same inputs.
	found.action = fallback
	data, err := submission(found, fallback["data"], inputs)
	if err != nil {
		return 0, nil, err
	}
	value, ok := data.(map[string]any)
	if !ok && data != nil {
		return 0, nil, fmt.Errorf("%w: %q's fallback data is not an object", ErrInvalidInput, title)
	}
	return s.Deliver(ctx, botURL, s.SubmitMessage(as, conv, card.ID, value))
}

// prepareClick reads the card in its current state and finds the action.
func (s *Server) prepareClick(card Posted, title string) (Conversation, foundAction, error) {
	s.mu.Lock()
	conv, known := s.conversationLocked(card.ConversationID)
	if a := s.findActivityLocked(card.ConversationID, card.ID); a != nil {
		if a.deleted {
			s.mu.Unlock()
			return Conversation{}, foundAction{}, fmt.Errorf("teamstest: activity %s was deleted", card.ID)
		}
		card = a.posted()
	}
	s.mu.Unlock()
	if !known {
		conv = Conversation{ID: card.ConversationID, Type: ConversationPersonal}
		if strings.HasPrefix(card.ConversationID, "19:") {
			base, _, _ := strings.Cut(card.ConversationID, threadSeparator)
			conv.Type, conv.ChannelID = ConversationChannel, base
		}
	}
	if len(card.Card) == 0 {
		return conv, foundAction{}, fmt.Errorf("teamstest: activity %s has no Adaptive Card", card.ID)
	}
	dec := json.NewDecoder(bytes.NewReader(card.Card))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return conv, foundAction{}, fmt.Errorf("teamstest: activity %s's card is not JSON: %w", card.ID, err)
	}
	found, ok := findExecute(root, title)
	if !ok {
		return conv, foundAction{}, fmt.Errorf("%w: %q", ErrActionNotFound, title)
	}
	return conv, found, nil
}
