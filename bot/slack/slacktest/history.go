package slacktest

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// History pages: Slack's default and the most it returns at once.
const (
	HistoryDefaultLimit = 100
	HistoryMaxLimit     = 999
	// MaxMetadataBytes is the most message metadata Slack documents
	// (event_type and event_payload together, as JSON).
	MaxMetadataBytes = 8000
)

// checkMetadata validates chat.postMessage's metadata: JSON with an
// event_type and an event_payload object, as Slack requires.
func checkMetadata(raw *string) (json.RawMessage, *apiError) {
	if raw == nil || strings.TrimSpace(*raw) == "" {
		return nil, nil
	}
	if len(*raw) > MaxMetadataBytes {
		return nil, fail("metadata_too_large")
	}
	var m struct {
		EventType    string          `json:"event_type"`
		EventPayload json.RawMessage `json:"event_payload"`
	}
	if err := json.Unmarshal([]byte(*raw), &m); err != nil {
		return nil, fail("invalid_metadata_format")
	}
	var payload map[string]any
	if m.EventType == "" || json.Unmarshal(m.EventPayload, &payload) != nil || payload == nil {
		return nil, fail("invalid_metadata_schema")
	}
	out, _ := json.Marshal(m)
	return out, nil
}

// conversationsHistory answers conversations.history: the channel's
// messages newest first, thread replies left out as Slack does, between
// oldest and latest, a page at a time. Metadata comes back only when
// include_all_metadata asks for it.
func (s *Server) conversationsHistory(req apiRequest) (reply, *apiError) {
	channel := req.params["channel"]
	if e := s.readableLocked(channel); e != nil {
		return nil, e
	}
	var in []*Message
	for _, m := range s.byChannel[channel] {
		if !m.Ephemeral && (m.ThreadTS == "" || m.ThreadTS == m.TS) {
			in = append(in, m)
		}
	}
	slices.Reverse(in)
	return s.historyPage(req, in)
}

// conversationsReplies answers conversations.replies: the thread's parent
// then its replies, oldest first.
func (s *Server) conversationsReplies(req apiRequest) (reply, *apiError) {
	channel, ts := req.params["channel"], req.params["ts"]
	if e := s.readableLocked(channel); e != nil {
		return nil, e
	}
	if ts == "" {
		return nil, fail("invalid_arguments")
	}
	parent := s.findMessageLocked(channel, ts)
	if parent == nil || parent.Ephemeral {
		return nil, fail("thread_not_found")
	}
	in := []*Message{parent}
	for _, m := range s.byChannel[channel] {
		if m.ThreadTS == ts && m.TS != ts && !m.Ephemeral {
			in = append(in, m)
		}
	}
	return s.historyPage(req, in)
}

// readableLocked: a channel the bot can read, or Slack's error for it.
func (s *Server) readableLocked(channel string) *apiError {
	switch channelKind(channel) {
	case 'C', 'G':
		return nil
	case 'D':
		if _, ok := s.dmMembers[channel]; ok {
			return nil
		}
	}
	return fail("channel_not_found")
}

// historyPage filters msgs (in the order they are returned) by oldest and
// latest and returns the page the cursor points at.
func (s *Server) historyPage(req apiRequest, msgs []*Message) (reply, *apiError) {
	limit := HistoryDefaultLimit
	if v := req.params["limit"]; v != "" && v != "0" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fail("invalid_limit")
		}
		limit = min(n, HistoryMaxLimit)
	}
	inclusive := req.params["inclusive"] == "1" || req.params["inclusive"] == "true"
	oldest, latest := tsMicros(req.params["oldest"]), tsMicros(req.params["latest"])
	var in []*Message
	for _, m := range msgs {
		at := tsMicros(m.TS)
		switch {
		case oldest > 0 && (at < oldest || at == oldest && !inclusive):
		case latest > 0 && (at > latest || at == latest && !inclusive):
		default:
			in = append(in, m)
		}
	}
	start := 0
	if c := req.params["cursor"]; c != "" {
		n, err := readCursor(c)
		if err != nil || n < 0 || n > len(in) {
			return nil, fail("invalid_cursor")
		}
		start = n
	}
	end := min(start+limit, len(in))
	withMeta := req.params["include_all_metadata"] == "1" || req.params["include_all_metadata"] == "true"
	out := make([]map[string]any, 0, end-start)
	for _, m := range in[start:end] {
		j := s.messageJSON(m)
		if withMeta && m.Metadata != nil {
			j["metadata"] = m.Metadata
		}
		out = append(out, j)
	}
	r := reply{"messages": out, "has_more": end < len(in)}
	if end < len(in) {
		r["response_metadata"] = map[string]any{"next_cursor": cursorAt(end)}
	}
	return r, nil
}

// tsMicros reads a message ts ("1712345678.000123") as microseconds; 0
// for none or a malformed one.
func tsMicros(ts string) int64 {
	secs, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return 0
	}
	frac = (frac + "000000")[:6]
	us, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0
	}
	return s*1e6 + us
}

// Cursors are opaque base64, as Slack's are; here they hold an offset.
func cursorAt(offset int) string {
	return base64.StdEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

func readCursor(c string) (int, error) {
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return 0, err
	}
	n, ok := strings.CutPrefix(string(b), "offset:")
	if !ok {
		return 0, strconv.ErrSyntax
	}
	return strconv.Atoi(n)
}
