package slacktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// ResponseURLPost is one POST to a response_url, accepted or not.
type ResponseURLPost struct {
	URL             string
	Channel         string // where the URL's interaction happened
	User            string // who triggered it
	ResponseType    string // "ephemeral" (also when omitted) or "in_channel"
	ReplaceOriginal bool
	DeleteOriginal  bool
	Text            string
	ThreadTS        string
	Blocks          json.RawMessage // compact; nil when absent
	Body            []byte
	At              time.Time
	Status          int    // HTTP status answered
	Error           string // error answered; empty when accepted
}

type responseURL struct {
	url     string
	channel string
	user    string
	// originalTS is the message the interaction came from; empty for
	// slash commands, whose "original" is the last message posted through
	// the URL.
	originalTS string
	lastTS     string
	issued     time.Time
	uses       int
}

// NewResponseURL issues a response_url like the one in a slash command
// payload from user in channel. It accepts ResponseURLMaxUses posts
// within ResponseURLLifetime on the emulator clock.
func (s *Server) NewResponseURL(channel, user string) string {
	return s.newResponseURL(channel, user, "")
}

// NewMessageResponseURL issues a response_url like the one in a
// block_actions payload for a click on the message at messageTS;
// replace_original and delete_original act on that message.
func (s *Server) NewMessageResponseURL(channel, user, messageTS string) string {
	return s.newResponseURL(channel, user, messageTS)
}

func (s *Server) newResponseURL(channel, user, originalTS string) string {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	path := fmt.Sprintf("/actions/%s/%d/%016x", s.teamID, 100000+s.seq, uint64(s.seq)*0x9E3779B97F4A7C15)
	u := &responseURL{url: s.URL + path, channel: channel, user: user, originalTS: originalTS, issued: now}
	s.responseURLs[path] = u
	return u.url
}

// ResponseURLPosts returns every post to a response_url, oldest first.
func (s *Server) ResponseURLPosts() []ResponseURLPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.posts)
	for i := range out {
		out[i].Blocks = slices.Clone(out[i].Blocks)
		out[i].Body = slices.Clone(out[i].Body)
	}
	return out
}

// responsePayload is what an app may POST to a response_url.
type responsePayload struct {
	Text            *string         `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	Attachments     json.RawMessage `json:"attachments"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

// serveResponseURL answers POSTs to issued response_urls.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"ok": false, "error": "method_not_allowed"})
		return
	}
	now := s.Now()
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes))

	s.mu.Lock()
	post := ResponseURLPost{URL: s.URL + r.URL.Path, Body: body, At: now}
	status, apiErr := s.respondLocked(r.URL.Path, body, now, &post)
	post.Status = status
	if apiErr != nil {
		post.Error = apiErr.code
	}
	s.posts = append(s.posts, post)
	s.notify()
	s.mu.Unlock()

	if apiErr != nil {
		writeJSON(w, status, errorBody(apiErr))
		return
	}
	writeJSON(w, status, map[string]any{"ok": true})
}

// respondLocked applies one response_url post. Only accepted posts use up
// the URL's budget. Callers hold s.mu.
func (s *Server) respondLocked(path string, body []byte, now time.Time, post *ResponseURLPost) (int, *apiError) {
	u, ok := s.responseURLs[path]
	if !ok {
		return http.StatusNotFound, fail("no_service")
	}
	post.Channel, post.User = u.channel, u.user
	if !now.Before(u.issued.Add(ResponseURLLifetime)) {
		return http.StatusNotFound, fail("expired_url")
	}
	if u.uses >= ResponseURLMaxUses {
		return http.StatusNotFound, fail("used_url")
	}

	var p responsePayload
	if err := json.Unmarshal(body, &p); err != nil {
		return http.StatusBadRequest, fail("invalid_payload")
	}
	switch p.ResponseType {
	case "":
		p.ResponseType = "ephemeral"
	case "ephemeral", "in_channel":
	default:
		return http.StatusBadRequest, fail("invalid_response_type")
	}
	post.ResponseType, post.ReplaceOriginal, post.DeleteOriginal = p.ResponseType, p.ReplaceOriginal, p.DeleteOriginal
	post.ThreadTS = p.ThreadTS
	if p.Text != nil {
		post.Text = *p.Text
	}

	target := u.originalTS
	if target == "" {
		target = u.lastTS
	}
	if p.DeleteOriginal {
		m := s.findMessageLocked(u.channel, target)
		if m == nil {
			return http.StatusNotFound, fail("message_not_found")
		}
		s.deleteMessageLocked(m)
		u.uses++
		return http.StatusOK, nil
	}

	c, apiErr := checkContent(p.Text, jsonArg(p.Blocks), jsonArg(p.Attachments), MaxMessageTextChars)
	if apiErr != nil {
		return http.StatusBadRequest, apiErr
	}
	post.Blocks = c.blocks

	if p.ReplaceOriginal {
		// Visibility is fixed for a message's life, so response_type does
		// not apply to a replacement.
		if m := s.findMessageLocked(u.channel, target); m != nil {
			m.Text, m.Blocks = c.text, c.blocks
			m.Updated++
			u.uses++
			return http.StatusOK, nil
		}
	}
	m := &Message{Channel: u.channel, TS: s.nextTS(now), ThreadTS: p.ThreadTS, Text: c.text, Blocks: c.blocks}
	if p.ResponseType == "in_channel" {
		m.User = s.botUserID
	} else {
		m.Ephemeral, m.User = true, u.user
	}
	s.addMessageLocked(m)
	u.lastTS = m.TS
	u.uses++
	return http.StatusOK, nil
}

// jsonArg turns an optional JSON field into checkContent's argument form;
// null counts as absent, as slack-go sends "blocks":null with no blocks.
func jsonArg(raw json.RawMessage) *string {
	if len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil
	}
	s := string(raw)
	return &s
}
