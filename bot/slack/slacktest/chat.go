package slacktest

import (
	"bytes"
	"encoding/json"
	"slices"
	"unicode/utf8"
)

// content is a message body after validation.
type content struct {
	text      string
	hasText   bool
	blocks    json.RawMessage // compact; nil when absent or empty
	hasBlocks bool
}

// checkContent validates a message body the way chat.postMessage does:
// blocks must be a JSON array of valid blocks, attachments at most
// MaxAttachments, text at most maxText characters, and something must be
// there to show. Used for chat.* and response_url posts.
func checkContent(text *string, blocks, attachments *string, maxText int) (content, *apiError) {
	var c content
	if blocks != nil {
		c.hasBlocks = true
		var list []any
		if err := decodeJSON(*blocks, &list); err != nil || list == nil {
			return c, fail("invalid_blocks_format", "[ERROR] blocks must be a JSON array [json-pointer:/blocks]")
		}
		if problems := validateBlocks(list, surfaceMessage, "/blocks"); len(problems) > 0 {
			return c, fail("invalid_blocks", problems...)
		}
		if len(list) > 0 {
			var compact bytes.Buffer
			_ = json.Compact(&compact, []byte(*blocks))
			c.blocks = compact.Bytes()
		}
	}
	hasAttachments := false
	if attachments != nil {
		var list []any
		if err := decodeJSON(*attachments, &list); err != nil || list == nil {
			return c, fail("invalid_attachments")
		}
		if len(list) > MaxAttachments {
			return c, fail("too_many_attachments")
		}
		hasAttachments = len(list) > 0
	}
	if text != nil {
		c.text, c.hasText = *text, true
		if utf8.RuneCountInString(c.text) > maxText {
			return c, fail("msg_too_long")
		}
	}
	if c.text == "" && c.blocks == nil && !hasAttachments {
		return c, fail("no_text")
	}
	return c, nil
}

// optional returns a pointer to a present argument, nil when absent.
func optional(req apiRequest, key string) *string {
	v, ok := req.params[key]
	if !ok {
		return nil
	}
	return &v
}

// channelKind classifies a conversation id by its first letter.
func channelKind(id string) byte {
	if len(id) < 2 {
		return 0
	}
	for _, r := range id[1:] {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return 0
		}
	}
	return id[0]
}

// postTargetLocked resolves chat.postMessage's channel: a conversation id,
// or a user id, which posts to the bot's DM with that user. Channel names
// are refused: the bot must use ids. Callers hold s.mu.
func (s *Server) postTargetLocked(channel string) (string, *apiError) {
	switch channelKind(channel) {
	case 'C', 'G':
		return channel, nil
	case 'D':
		if _, ok := s.dmMembers[channel]; ok {
			return channel, nil
		}
	case 'U', 'W':
		if u, ok := s.users[channel]; ok && !u.Deleted {
			id, _ := s.openConversationLocked([]string{channel})
			return id, nil
		}
	}
	return "", fail("channel_not_found")
}

// messageJSON renders a message as chat.* responses return it.
func (s *Server) messageJSON(m *Message) map[string]any {
	out := map[string]any{
		"type":   "message",
		"text":   m.Text,
		"user":   m.User,
		"ts":     m.TS,
		"team":   s.teamID,
		"bot_id": s.botID,
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if m.Blocks != nil {
		out["blocks"] = m.Blocks
	}
	return out
}

// chatPostMessage answers chat.postMessage and records the message.
func (s *Server) chatPostMessage(req apiRequest) (reply, *apiError) {
	channel, e := s.postTargetLocked(req.params["channel"])
	if e != nil {
		return nil, e
	}
	c, e := checkContent(optional(req, "text"), optional(req, "blocks"), optional(req, "attachments"), MaxMessageTextChars)
	if e != nil {
		return nil, e
	}
	meta, e := checkMetadata(optional(req, "metadata"))
	if e != nil {
		return nil, e
	}
	m := &Message{
		Channel:  channel,
		TS:       s.nextTS(req.now),
		ThreadTS: req.params["thread_ts"],
		Text:     c.text,
		Blocks:   c.blocks,
		User:     s.botUserID,
		Metadata: meta,
	}
	s.addMessageLocked(m)
	s.notify()
	return reply{"channel": channel, "ts": m.TS, "message": s.messageJSON(m)}, nil
}

// chatPostEphemeral answers chat.postEphemeral and records the message as
// ephemeral for its user.
func (s *Server) chatPostEphemeral(req apiRequest) (reply, *apiError) {
	channel, e := s.postTargetLocked(req.params["channel"])
	if e != nil {
		return nil, e
	}
	userID := req.params["user"]
	u, ok := s.users[userID]
	if userID == "" || !ok || u.Deleted {
		return nil, fail("user_not_found")
	}
	if members, isDM := s.dmMembers[channel]; isDM && !slices.Contains(members, userID) {
		return nil, fail("user_not_in_channel")
	}
	c, e := checkContent(optional(req, "text"), optional(req, "blocks"), optional(req, "attachments"), MaxMessageTextChars)
	if e != nil {
		return nil, e
	}
	m := &Message{
		Channel:   channel,
		TS:        s.nextTS(req.now),
		ThreadTS:  req.params["thread_ts"],
		Text:      c.text,
		Blocks:    c.blocks,
		Ephemeral: true,
		User:      userID,
	}
	s.addMessageLocked(m)
	s.notify()
	return reply{"message_ts": m.TS}, nil
}

// chatUpdate answers chat.update. Only the bot's own, non-ephemeral
// messages can change; as Slack's docs require, a DM is addressed by its
// D… id, never by a user id.
func (s *Server) chatUpdate(req apiRequest) (reply, *apiError) {
	channel := req.params["channel"]
	switch channelKind(channel) {
	case 'C', 'G':
	case 'D':
		if _, ok := s.dmMembers[channel]; !ok {
			return nil, fail("channel_not_found")
		}
	default:
		return nil, fail("channel_not_found")
	}
	m := s.findMessageLocked(channel, req.params["ts"])
	if m == nil || m.Ephemeral {
		return nil, fail("message_not_found")
	}
	if m.User != s.botUserID {
		return nil, fail("cant_update_message")
	}
	text, blocks := optional(req, "text"), optional(req, "blocks")
	c, e := checkContent(text, blocks, optional(req, "attachments"), MaxUpdateTextChars)
	if e != nil {
		return nil, e
	}
	if c.hasText {
		m.Text = c.text
	}
	// Slack removes the blocks when text comes without blocks; "[]" also
	// clears them.
	if c.hasBlocks || c.hasText {
		m.Blocks = c.blocks
	}
	m.Updated++
	s.notify()
	return reply{"channel": channel, "ts": m.TS, "text": m.Text, "message": s.messageJSON(m)}, nil
}
