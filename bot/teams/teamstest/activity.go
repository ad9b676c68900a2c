package teamstest

import "cmp"

// InvokeNameAdaptiveCardAction is the name of the invoke an Action.Execute
// click sends.
const InvokeNameAdaptiveCardAction = "adaptiveCard/action"

// Account is a ChannelAccount as Teams sends it: a user ("29:…") or the
// bot ("28:<app id>").
type Account struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
}

// ConversationAccount is an activity's conversation.
type ConversationAccount struct {
	// IsGroup is sent for channels and group chats and left out for
	// personal conversations.
	IsGroup          bool   `json:"isGroup,omitempty"`
	ConversationType string `json:"conversationType"`
	TenantID         string `json:"tenantId,omitempty"`
	ID               string `json:"id"`
	Name             string `json:"name,omitempty"`
}

// Activity is an activity as Teams posts it to the bot's messaging
// endpoint. The builders fill it the way Teams does; tests may change
// fields before Deliver to send what Teams would not.
type Activity struct {
	Type           string              `json:"type"`
	ID             string              `json:"id"`
	Name           string              `json:"name,omitempty"`
	Timestamp      string              `json:"timestamp"`
	LocalTimestamp string              `json:"localTimestamp,omitempty"`
	ServiceURL     string              `json:"serviceUrl"`
	ChannelID      string              `json:"channelId"`
	From           Account             `json:"from"`
	Conversation   ConversationAccount `json:"conversation"`
	Recipient      Account             `json:"recipient"`
	TextFormat     string              `json:"textFormat,omitempty"`
	Text           string              `json:"text,omitempty"`
	ReplyToID      string              `json:"replyToId,omitempty"`
	Value          any                 `json:"value,omitempty"`
	Action         string              `json:"action,omitempty"` // installationUpdate: "add" or "remove"
	MembersAdded   []Account           `json:"membersAdded,omitempty"`
	Entities       []map[string]any    `json:"entities,omitempty"`
	ChannelData    map[string]any      `json:"channelData,omitempty"`
	Locale         string              `json:"locale,omitempty"`
}

// Message is a message from a user: in a personal conversation as typed;
// in a channel or group chat with the bot @mentioned in front, as Teams
// only delivers those, with the mention entity. A channel conversation
// without a thread starts a new thread whose root is this message.
func (s *Server) Message(from User, conv Conversation, text string) Activity {
	a := s.newActivity("message", from, conv, "")
	a.TextFormat = "plain"
	a.Text = text
	if conv.Type == ConversationPersonal {
		a.Entities = []map[string]any{{
			"type": "clientInfo", "locale": "en-US", "country": "US",
			"platform": "Web", "timezone": "Europe/Berlin",
		}}
		return a
	}
	if a.Conversation.ID == conv.ChannelID && conv.Type == ConversationChannel {
		a.Conversation.ID = conv.Thread(a.ID).ID
	}
	mention := "<at>" + s.botName + "</at>"
	a.Text = mention + " " + text
	a.Entities = []map[string]any{{
		"type":      "mention",
		"mentioned": map[string]any{"id": s.BotID(), "name": s.botName},
		"text":      mention,
	}}
	return a
}

// ConversationUpdate is the event Teams sends when the app is installed:
// the bot in membersAdded. For a channel conversation it comes from the
// team (its General channel, whose id is the team's) with channelData.team.
func (s *Server) ConversationUpdate(from User, conv Conversation) Activity {
	if conv.TeamID != "" {
		conv.ID, conv.ChannelID, conv.Name = conv.TeamID, conv.TeamID, ""
	}
	a := s.newActivity("conversationUpdate", from, conv, "")
	a.MembersAdded = []Account{{ID: s.BotID()}}
	if conv.TeamID != "" {
		// The install event is about the team, not one channel.
		delete(a.ChannelData, "channel")
		a.ChannelData["eventType"] = "teamMemberAdded"
	}
	return a
}

// InstallationUpdate is the installationUpdate Teams sends beside the
// conversationUpdate when the app is installed ("add") or removed
// ("remove").
func (s *Server) InstallationUpdate(from User, conv Conversation, action string) Activity {
	if conv.TeamID != "" {
		conv.ID, conv.ChannelID, conv.Name = conv.TeamID, conv.TeamID, ""
	}
	a := s.newActivity("installationUpdate", from, conv, "")
	a.Action = action
	return a
}

// Invoke is the adaptiveCard/action invoke an Action.Execute click sends:
// value.action carries the verb and the data merged with the card's
// inputs, replyToId the id of the activity holding the card.
func (s *Server) Invoke(from User, conv Conversation, replyToID, verb string, data any) Activity {
	a := s.newActivity("invoke", from, conv, "f:")
	a.Name = InvokeNameAdaptiveCardAction
	a.ReplyToID = replyToID
	a.Value = map[string]any{
		"action":  map[string]any{"type": "Action.Execute", "verb": verb, "data": data},
		"trigger": "manual",
	}
	return a
}

// SubmitMessage is the message an Action.Submit click sends (the
// fallback of every Action.Execute): no text, value = the submitted data,
// replyToId the id of the activity holding the card.
func (s *Server) SubmitMessage(from User, conv Conversation, replyToID string, data map[string]any) Activity {
	a := s.newActivity("message", from, conv, "")
	a.ReplyToID = replyToID
	a.Value = data
	return a
}

// newActivity fills what every activity from Teams carries.
func (s *Server) newActivity(typ string, from User, conv Conversation, idPrefix string) Activity {
	now := s.Now()
	s.mu.Lock()
	id := idPrefix + s.nextActivityIDLocked(now)
	s.mu.Unlock()
	tenant := cmp.Or(conv.TenantID, from.TenantID, s.tenantID)
	a := Activity{
		Type:           typ,
		ID:             id,
		Timestamp:      now.UTC().Format("2006-01-02T15:04:05.000Z"),
		LocalTimestamp: now.Format("2006-01-02T15:04:05.000-07:00"),
		ServiceURL:     s.ServiceURL(),
		ChannelID:      ChannelID,
		From:           Account{ID: from.ID, Name: from.Name, AADObjectID: from.AADObjectID},
		Conversation: ConversationAccount{
			ConversationType: cmp.Or(conv.Type, ConversationPersonal),
			TenantID:         tenant,
			ID:               conv.ID,
		},
		Recipient:   Account{ID: s.BotID(), Name: s.botName},
		ChannelData: map[string]any{"tenant": map[string]any{"id": tenant}},
		Locale:      "en-US",
	}
	if conv.Type == ConversationChannel || conv.Type == ConversationGroupChat {
		a.Conversation.IsGroup = true
	}
	if conv.Type == ConversationChannel {
		team := map[string]any{"id": conv.TeamID}
		if conv.TeamName != "" {
			team["name"] = conv.TeamName
		}
		a.ChannelData["team"] = team
		a.ChannelData["channel"] = map[string]any{"id": conv.ChannelID}
	}
	return a
}
