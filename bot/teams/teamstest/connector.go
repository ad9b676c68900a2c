package teamstest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Connector operations, as Call.Op names them.
const (
	OpCreateConversation = "createConversation" // POST v3/conversations
	OpSendToConversation = "sendToConversation" // POST v3/conversations/{id}/activities
	OpReplyToActivity    = "replyToActivity"    // POST v3/conversations/{id}/activities/{activityId}
	OpUpdateActivity     = "updateActivity"     // PUT v3/conversations/{id}/activities/{activityId}
	OpDeleteActivity     = "deleteActivity"     // DELETE v3/conversations/{id}/activities/{activityId}
	OpGetMembers         = "getMembers"         // GET v3/conversations/{id}/members
	OpGetMember          = "getMember"          // GET v3/conversations/{id}/members/{userId}
	OpGetPagedMembers    = "getPagedMembers"    // GET v3/conversations/{id}/pagedmembers
)

// maxRequestBytes bounds what the emulator reads from one request; far
// above MaxMessageBytes so the size check, not the read, refuses.
const maxRequestBytes = 4 << 20

// Call is one request to the connector, as received and answered.
type Call struct {
	At     time.Time
	Method string
	Path   string // e.g. /amer/v3/conversations/a:1…/activities
	Op     string // OpSendToConversation, …; "" for a path the connector does not serve
	// ConversationID is the conversation in the path, or the one a
	// create conversation call answered.
	ConversationID string
	// ActivityID is the activity the call created (sends and replies, once
	// accepted), updated or deleted.
	ActivityID string
	// ReplyToID is the activity a send replies to: the path's for
	// replyToActivity, else the body's replyToId.
	ReplyToID string
	// ThreadOf is the channel message whose reply chain the path's
	// conversation id names (its ";messageid=" suffix), e.g. the card a
	// post into that thread answers; empty outside channel threads.
	ThreadOf string
	UserID   string // getMember's {userId}
	Status   int    // HTTP status answered
	// Error is the error code answered ("Throttled", "MessageSizeTooBig",
	// "MessageWritesBlocked", "ConversationNotFound", "Unauthorized", …);
	// empty on success.
	Error      string
	RetryAfter int    // seconds, on 429s
	Body       []byte // the raw request body
	// AuthValid reports whether the Authorization header carried a bearer
	// token the token endpoint issued and that had not expired.
	AuthValid bool
}

// Posted is an activity the bot posted, in its current state after
// updates and card replacements.
type Posted struct {
	ConversationID string
	ID             string
	ReplyToID      string
	// ThreadOf is the channel message in whose reply chain the activity
	// was posted (ConversationID's ";messageid=" suffix); empty for a
	// channel's top-level posts and for chats.
	ThreadOf string
	Type     string // "message"
	Text     string
	Summary  string
	// Card is the content of the activity's first Adaptive Card
	// attachment (compact JSON), nil when it has none.
	Card json.RawMessage
	// Activity is the activity as last sent (compact JSON), with any card
	// replacement from Click applied.
	Activity json.RawMessage
	At       time.Time // when it was first posted
	Updated  int       // times replaced by an update or a card returned to Click
}

// AdaptiveCardContentType is the contentType of an Adaptive Card
// attachment and the type of a card invoke response.
const AdaptiveCardContentType = "application/vnd.microsoft.card.adaptive"

// stored is a posted activity; callers hold s.mu.
type stored struct {
	conversationID string
	id             string
	replyToID      string
	at             time.Time
	typ            string
	text           string
	summary        string
	activity       json.RawMessage
	cardIndex      int // index of the first Adaptive Card in attachments; -1 when none
	card           json.RawMessage
	updated        int
	deleted        bool
}

// postedActivity is what the emulator reads from an activity the bot
// sends; everything else (including msbotbuilder-go's zero-value
// timestamps and empty objects) is kept but not interpreted.
type postedActivity struct {
	Type        string `json:"type"`
	Text        string `json:"text"`
	Summary     string `json:"summary"`
	ReplyToID   string `json:"replyToId"`
	Attachments []struct {
		ContentType string          `json:"contentType"`
		Content     json.RawMessage `json:"content"`
	} `json:"attachments"`
}

func parseActivity(body []byte) (postedActivity, bool) {
	var a postedActivity
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &a) != nil {
		return a, false
	}
	return a, true
}

func (a *stored) setContent(act postedActivity, body []byte) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err == nil {
		body = compact.Bytes()
	}
	a.activity = slices.Clone(body)
	a.typ, a.text, a.summary = cmp.Or(act.Type, "message"), act.Text, act.Summary
	a.cardIndex, a.card = -1, nil
	for i, att := range act.Attachments {
		if att.ContentType == AdaptiveCardContentType && len(att.Content) > 0 {
			compact.Reset()
			if err := json.Compact(&compact, att.Content); err == nil {
				a.cardIndex, a.card = i, slices.Clone(compact.Bytes())
			}
			break
		}
	}
}

// replaceCard swaps the card in place, in the card field and in the
// stored activity JSON, as Teams shows a card an invoke returned.
func (a *stored) replaceCard(card json.RawMessage) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, card); err == nil {
		card = compact.Bytes()
	}
	a.card = slices.Clone(card)
	a.updated++
	var act map[string]json.RawMessage
	var atts []map[string]json.RawMessage
	if json.Unmarshal(a.activity, &act) != nil || json.Unmarshal(act["attachments"], &atts) != nil ||
		a.cardIndex < 0 || a.cardIndex >= len(atts) {
		return
	}
	atts[a.cardIndex]["content"] = a.card
	act["attachments"], _ = json.Marshal(atts)
	if out, err := json.Marshal(act); err == nil {
		a.activity = out
	}
}

func (a *stored) posted() Posted {
	return Posted{
		ConversationID: a.conversationID,
		ID:             a.id,
		ReplyToID:      a.replyToID,
		ThreadOf:       threadOf(a.conversationID),
		Type:           a.typ,
		Text:           a.text,
		Summary:        a.summary,
		Card:           slices.Clone(a.card),
		Activity:       slices.Clone(a.activity),
		At:             a.at,
		Updated:        a.updated,
	}
}

// Conversation returns what the bot posted into a conversation and has
// not deleted, in post order, as Teams shows it now. A channel id without
// a thread suffix also returns the posts in its threads; "" returns every
// conversation's.
func (s *Server) Conversation(id string) []Posted {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Posted
	for _, a := range s.activities {
		if !a.deleted && conversationMatches(id, a.conversationID) {
			out = append(out, a.posted())
		}
	}
	return out
}

// threadOf is the root message a thread's conversation id names, or "".
func threadOf(conversationID string) string {
	_, root, _ := strings.Cut(conversationID, threadSeparator)
	return root
}

func conversationMatches(query, id string) bool {
	if query == "" || query == id {
		return true
	}
	base, _, _ := strings.Cut(id, threadSeparator)
	return !strings.Contains(query, threadSeparator) && base == query
}

// PostedActivity returns an activity the bot posted, by conversation and
// id, in its current state; ok is false when it is unknown or deleted.
func (s *Server) PostedActivity(conversationID, activityID string) (p Posted, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.findActivityLocked(conversationID, activityID); a != nil && !a.deleted {
		return a.posted(), true
	}
	return Posted{}, false
}

// WaitForPosted returns the first activity in a conversation (as
// Conversation selects them) that satisfies pred (nil for any), waiting
// for one to be posted or updated until ctx ends.
func (s *Server) WaitForPosted(ctx context.Context, conversationID string, pred func(Posted) bool) (Posted, error) {
	var found Posted
	err := s.WaitUntil(ctx, func() bool {
		for _, p := range s.Conversation(conversationID) {
			if pred == nil || pred(p) {
				found = p
				return true
			}
		}
		return false
	})
	if err != nil {
		return Posted{}, fmt.Errorf("teamstest: no matching activity in conversation %q: %w", conversationID, err)
	}
	return found, nil
}

// Conversations returns the personal conversations the bot created with
// create conversation, in order of first creation.
func (s *Server) Conversations() []Conversation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Conversation, 0, len(s.created))
	for _, id := range s.created {
		conv, _ := s.conversationLocked(id)
		out = append(out, conv)
	}
	return out
}

// findActivityLocked finds a posted activity; a channel activity is found
// through its thread's id or the channel's. Callers hold s.mu.
func (s *Server) findActivityLocked(conversationID, activityID string) *stored {
	want, _, _ := strings.Cut(conversationID, threadSeparator)
	for _, a := range s.activities {
		base, _, _ := strings.Cut(a.conversationID, threadSeparator)
		if a.id == activityID && base == want {
			return a
		}
	}
	return nil
}

// nextActivityIDLocked issues an activity id like a Teams message id:
// epoch milliseconds, unique within the server.
func (s *Server) nextActivityIDLocked(now time.Time) string {
	ms := max(now.UnixMilli(), s.lastID+1)
	s.lastID = ms
	return strconv.FormatInt(ms, 10)
}

// route is a parsed connector path.
type route struct {
	op             string
	conversationID string
	activityID     string
	userID         string
}

func parseRoute(r *http.Request) route {
	parts := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), connectorPrefix), "/")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil || u == "" {
			return route{}
		}
		parts[i] = u
	}
	if len(parts) < 2 || parts[0] != "v3" || parts[1] != "conversations" {
		return route{}
	}
	if len(parts) == 2 {
		if r.Method == http.MethodPost {
			return route{op: OpCreateConversation}
		}
		return route{}
	}
	rt := route{conversationID: parts[2]}
	switch {
	case len(parts) == 4 && parts[3] == "activities" && r.Method == http.MethodPost:
		rt.op = OpSendToConversation
	case len(parts) == 5 && parts[3] == "activities":
		rt.activityID = parts[4]
		switch r.Method {
		case http.MethodPost:
			rt.op = OpReplyToActivity
		case http.MethodPut:
			rt.op = OpUpdateActivity
		case http.MethodDelete:
			rt.op = OpDeleteActivity
		}
	case len(parts) == 4 && parts[3] == "members" && r.Method == http.MethodGet:
		rt.op = OpGetMembers
	case len(parts) == 5 && parts[3] == "members" && r.Method == http.MethodGet:
		rt.op, rt.userID = OpGetMember, parts[4]
	case len(parts) == 4 && parts[3] == "pagedmembers" && r.Method == http.MethodGet:
		rt.op = OpGetPagedMembers
	}
	return rt
}

// result is a connector answer.
type result struct {
	status     int
	body       any // nil: no body
	code       string
	retryAfter int
}

func connectorError(status int, code, message string) result {
	return result{status: status, code: code,
		body: map[string]any{"error": map[string]string{"code": code, "message": message}}}
}

func throttled(retryAfter int) result {
	r := connectorError(http.StatusTooManyRequests, "Throttled", "Too many requests.")
	r.retryAfter = retryAfter
	return r
}

// writesBlocked is Teams' answer to a write into the personal
// conversation of a user who blocked the bot or uninstalled the app.
func writesBlocked() result {
	return result{status: http.StatusForbidden, code: "MessageWritesBlocked",
		body: map[string]any{"errorCode": 209, "message": `{"subCode": "MessageWritesBlocked"}`}}
}

func conversationNotFound() result {
	return connectorError(http.StatusNotFound, "ConversationNotFound", "Conversation not found.")
}

func badArgument(message string) result {
	return connectorError(http.StatusBadRequest, "BadArgument", message)
}

// serveConnector answers the Bot Connector REST API under ServiceURL.
func (s *Server) serveConnector(w http.ResponseWriter, r *http.Request) {
	now := s.Now()
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes))
	rt := parseRoute(r)
	call := Call{
		At: now, Method: r.Method, Path: r.URL.Path, Op: rt.op,
		ConversationID: rt.conversationID, ThreadOf: threadOf(rt.conversationID), UserID: rt.userID, Body: body,
	}
	switch rt.op {
	case OpReplyToActivity:
		call.ReplyToID = rt.activityID
	case OpUpdateActivity, OpDeleteActivity:
		call.ActivityID = rt.activityID
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")

	s.mu.Lock()
	call.AuthValid = strings.EqualFold(scheme, "Bearer") && s.tokenValidLocked(strings.TrimSpace(token), now)
	res := s.handleConnectorLocked(rt, r.URL.Query(), body, now, &call)
	call.Status, call.Error, call.RetryAfter = res.status, res.code, res.retryAfter
	s.calls = append(s.calls, call)
	s.notify()
	s.mu.Unlock()

	if res.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(res.retryAfter))
	}
	if res.body == nil {
		w.WriteHeader(res.status)
		return
	}
	writeJSON(w, res.status, res.body)
}

// handleConnectorLocked checks auth, then injected faults, then runs the
// operation. Callers hold s.mu.
func (s *Server) handleConnectorLocked(rt route, query url.Values, body []byte, now time.Time, call *Call) result {
	if !call.AuthValid {
		// The connector's gateway answers in ASP.NET's words.
		return result{status: http.StatusUnauthorized, code: "Unauthorized",
			body: map[string]string{"message": "Authorization has been denied for this request."}}
	}
	if rt.op == "" {
		return connectorError(http.StatusNotFound, "NotFound", "No operation at "+call.Method+" "+call.Path+".")
	}
	if s.failRemaining > 0 {
		s.failRemaining--
		return connectorError(s.failStatus, "ServiceError", "Unknown")
	}
	if s.rateEvery > 0 {
		s.rateCount++
		if s.rateCount%s.rateEvery == 0 {
			return throttled(1)
		}
	}
	switch rt.op {
	case OpCreateConversation:
		return s.createConversationLocked(body, now, call)
	case OpSendToConversation, OpReplyToActivity:
		return s.sendLocked(rt, body, now, call)
	case OpUpdateActivity:
		return s.updateLocked(rt, body)
	case OpDeleteActivity:
		return s.deleteLocked(rt)
	default:
		return s.membersOpLocked(rt, query, now)
	}
}

// conversationParameters is the create conversation body.
type conversationParameters struct {
	IsGroup bool `json:"isGroup"`
	Members []struct {
		ID string `json:"id"`
	} `json:"members"`
	TenantID    string `json:"tenantId"`
	ChannelData struct {
		Tenant struct {
			ID string `json:"id"`
		} `json:"tenant"`
	} `json:"channelData"`
}

// createConversationLocked opens (or returns again) the bot's personal
// conversation with one user who has the app installed.
func (s *Server) createConversationLocked(body []byte, now time.Time, call *Call) result {
	var p conversationParameters
	if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &p) != nil {
		return badArgument("The request body is not valid ConversationParameters.")
	}
	switch {
	case p.IsGroup:
		return badArgument("Bots can't create group chats or channel conversations.")
	case len(p.Members) != 1:
		return badArgument("A personal conversation needs exactly one member.")
	}
	tenant := cmp.Or(p.TenantID, p.ChannelData.Tenant.ID)
	if tenant == "" {
		return badArgument("A tenant id is required: set channelData.tenant.id or tenantId.")
	}
	u := s.findUserLocked(p.Members[0].ID, false)
	switch {
	case u == nil:
		return connectorError(http.StatusForbidden, "Forbidden", "The user "+p.Members[0].ID+" is not known in the tenant.")
	case !strings.EqualFold(u.TenantID, tenant):
		return connectorError(http.StatusForbidden, "Forbidden", "The user is not in tenant "+tenant+".")
	case !u.Installed:
		return connectorError(http.StatusForbidden, "Forbidden", "The bot is not installed for the user.")
	}
	id := s.personalID(u.ID)
	call.ConversationID = id
	if secs, limited := s.throttledLocked("create", id, createLimits, now); limited {
		return throttled(secs)
	}
	if !slices.Contains(s.created, id) {
		s.created = append(s.created, id)
	}
	s.opened[id] = true
	return result{status: http.StatusCreated, body: map[string]string{"id": id}}
}

// sendLocked posts a new activity into a conversation, as a reply when
// the path names one.
func (s *Server) sendLocked(rt route, body []byte, now time.Time, call *Call) result {
	if !s.conversationExistsLocked(rt.conversationID) {
		return conversationNotFound()
	}
	act, ok := parseActivity(body)
	if !ok {
		return badArgument("The request body is not a valid activity.")
	}
	if call.ReplyToID == "" {
		call.ReplyToID = act.ReplyToID
	}
	if utf16Size(body) > MaxMessageBytes {
		return connectorError(http.StatusRequestEntityTooLarge, "MessageSizeTooBig", "Message size too big.")
	}
	if imageTooLarge(body) {
		return badArgument("An inline image is not Base64 or is over 1 MB.")
	}
	if s.writesBlockedLocked(rt.conversationID) {
		return writesBlocked()
	}
	if secs, limited := s.throttledLocked("send", rt.conversationID, sendLimits, now); limited {
		return throttled(secs)
	}
	id := s.nextActivityIDLocked(now)
	call.ActivityID = id
	// Typing indicators and other transient activities leave nothing to
	// show.
	if t := cmp.Or(act.Type, "message"); t == "message" {
		a := &stored{conversationID: rt.conversationID, id: id, replyToID: call.ReplyToID, at: now}
		a.setContent(act, body)
		s.activities = append(s.activities, a)
	}
	return result{status: http.StatusCreated, body: map[string]string{"id": id}}
}

// updateLocked replaces a posted activity's content.
func (s *Server) updateLocked(rt route, body []byte) result {
	if !s.conversationExistsLocked(rt.conversationID) {
		return conversationNotFound()
	}
	a := s.findActivityLocked(rt.conversationID, rt.activityID)
	if a == nil || a.deleted {
		return connectorError(http.StatusNotFound, "ActivityNotFoundInConversation", "Message does not exist in the thread.")
	}
	act, ok := parseActivity(body)
	if !ok {
		return badArgument("The request body is not a valid activity.")
	}
	if utf16Size(body) > MaxMessageBytes {
		return connectorError(http.StatusRequestEntityTooLarge, "MessageSizeTooBig", "Message size too big.")
	}
	if imageTooLarge(body) {
		return badArgument("An inline image is not Base64 or is over 1 MB.")
	}
	if s.writesBlockedLocked(rt.conversationID) {
		return writesBlocked()
	}
	a.setContent(act, body)
	a.updated++
	return result{status: http.StatusOK, body: map[string]string{"id": a.id}}
}

// deleteLocked removes a posted activity.
func (s *Server) deleteLocked(rt route) result {
	if !s.conversationExistsLocked(rt.conversationID) {
		return conversationNotFound()
	}
	a := s.findActivityLocked(rt.conversationID, rt.activityID)
	if a == nil || a.deleted {
		return connectorError(http.StatusNotFound, "ActivityNotFoundInConversation", "Message does not exist in the thread.")
	}
	if s.writesBlockedLocked(rt.conversationID) {
		return writesBlocked()
	}
	a.deleted = true
	return result{status: http.StatusOK}
}

// membersOpLocked answers the three member lookups.
func (s *Server) membersOpLocked(rt route, query url.Values, now time.Time) result {
	if !s.conversationExistsLocked(rt.conversationID) {
		return conversationNotFound()
	}
	if secs, limited := s.throttledLocked("members", rt.conversationID, memberLimits, now); limited {
		return throttled(secs)
	}
	members := s.membersLocked(rt.conversationID)
	switch rt.op {
	case OpGetMember:
		if u := s.findUserLocked(rt.userID, true); u != nil && slices.Contains(members, u) {
			return result{status: http.StatusOK, body: memberJSON(u)}
		}
		return connectorError(http.StatusNotFound, "MemberNotFoundInConversation", "Member not found in conversation.")
	case OpGetMembers:
		out := make([]map[string]any, len(members))
		for i, u := range members {
			out[i] = memberJSON(u)
		}
		return result{status: http.StatusOK, body: out}
	}
	size := DefaultPageSize
	if v := query.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return badArgument("pageSize must be a number.")
		}
		size = min(max(n, MinPageSize), MaxPageSize)
	}
	offset := 0
	if tok := query.Get("continuationToken"); tok != "" {
		var ok bool
		if offset, ok = parseContinuation(tok, rt.conversationID); !ok || offset > len(members) {
			return badArgument("The continuation token is not valid.")
		}
	}
	end := min(offset+size, len(members))
	page := make([]map[string]any, 0, end-offset)
	for _, u := range members[offset:end] {
		page = append(page, memberJSON(u))
	}
	out := map[string]any{"members": page}
	if end < len(members) {
		out["continuationToken"] = continuationToken(end, rt.conversationID)
	}
	return result{status: http.StatusOK, body: out}
}

// continuationToken is opaque to the bot: an offset bound to the
// conversation it pages through.
func continuationToken(offset int, conversationID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset) + "|" + conversationID))
}

func parseContinuation(tok, conversationID string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	n, conv, ok := strings.Cut(string(raw), "|")
	offset, err := strconv.Atoi(n)
	if !ok || err != nil || offset < 0 || conv != conversationID {
		return 0, false
	}
	return offset, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
