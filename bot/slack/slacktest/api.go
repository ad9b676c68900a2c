package slacktest

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxRequestBytes bounds what the emulator reads from one request.
const maxRequestBytes = 8 << 20

// apiError is a logical Web API error: HTTP 200 with ok:false.
type apiError struct {
	code     string
	messages []string // response_metadata.messages
}

func fail(code string, messages ...string) *apiError {
	return &apiError{code: code, messages: messages}
}

// reply is a successful method's fields besides "ok".
type reply map[string]any

// apiRequest is a parsed Web API request.
type apiRequest struct {
	params map[string]string
	token  string
	// wrongScheme marks an Authorization header that is not a bearer
	// token: a bad credential rather than a missing one.
	wrongScheme bool
	now         time.Time
}

// serveAPI answers POST or GET <base>/api/<method>.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"ok": false, "error": "method_not_allowed"})
		return
	}
	method := r.PathValue("method")
	now := s.Now()
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes))
	req, parseErr := parseAPIRequest(r, body)
	req.now = now

	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: method, Params: req.params, Body: body, At: now})
	call := &s.calls[len(s.calls)-1]
	status, out, retryAfter := s.handleLocked(method, req, parseErr)
	call.Status = status
	call.Error, _ = out["error"].(string)
	s.notify()
	s.mu.Unlock()

	if retryAfter >= 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	writeJSON(w, status, out)
}

// handleLocked runs one call; retryAfter is -1 unless the call was rate
// limited. Callers hold s.mu.
func (s *Server) handleLocked(method string, req apiRequest, parseErr *apiError) (status int, out map[string]any, retryAfter int) {
	handler := s.methodHandler(method)
	if handler == nil {
		return http.StatusNotFound, errorBody(fail("unknown_method")), -1
	}
	if parseErr != nil {
		return http.StatusOK, errorBody(parseErr), -1
	}
	if req.token == "" && !req.wrongScheme {
		return http.StatusOK, errorBody(fail("not_authed")), -1
	}
	if method == "apps.connections.open" {
		// The method checks its own token: it wants the app-level one.
	} else if req.wrongScheme || req.token != s.token {
		return http.StatusOK, errorBody(fail("invalid_auth")), -1
	}
	if secs, limited := s.rateLimitedLocked(method, req.now); limited {
		return http.StatusTooManyRequests, errorBody(fail("ratelimited")), secs
	}
	if method == "chat.postMessage" {
		if secs, limited := s.pacedLocked(req.params["channel"], req.now); limited {
			return http.StatusTooManyRequests, errorBody(fail("ratelimited")), secs
		}
		if secs, limited := s.workspacePacedLocked(req.now); limited {
			return http.StatusTooManyRequests, errorBody(fail("ratelimited")), secs
		}
		s.takeLocked(req.params["channel"])
	}
	res, apiErr := handler(req)
	if apiErr != nil {
		return http.StatusOK, errorBody(apiErr), -1
	}
	out = map[string]any{"ok": true}
	for k, v := range res {
		out[k] = v
	}
	return http.StatusOK, out, -1
}

func (s *Server) methodHandler(method string) func(apiRequest) (reply, *apiError) {
	switch method {
	case "auth.test":
		return s.authTest
	case "users.info":
		return s.usersInfo
	case "users.lookupByEmail":
		return s.usersLookupByEmail
	case "users.list":
		return s.usersList
	case "conversations.open":
		return s.conversationsOpen
	case "conversations.history":
		return s.conversationsHistory
	case "conversations.replies":
		return s.conversationsReplies
	case "chat.postMessage":
		return s.chatPostMessage
	case "chat.postEphemeral":
		return s.chatPostEphemeral
	case "chat.update":
		return s.chatUpdate
	case "views.open":
		return s.viewsOpen
	case "views.update":
		return s.viewsUpdate
	case "views.publish":
		return s.viewsPublish
	case "apps.connections.open":
		return s.appsConnectionsOpen
	case "files.getUploadURLExternal":
		return s.filesGetUploadURLExternal
	case "files.completeUploadExternal":
		return s.filesCompleteUploadExternal
	}
	return nil
}

// rateLimitedLocked applies injected 429s first, one-off then periodic,
// then the per-minute window, which counts only calls that were let
// through. A limited call is refused before the method runs, so nothing
// it asked for happens, as with Slack.
func (s *Server) rateLimitedLocked(method string, now time.Time) (retryAfterSecs int, limited bool) {
	for _, key := range []string{method, AllMethods} {
		for _, inj := range s.injected[key] {
			if inj.remaining > 0 {
				inj.remaining--
				return ceilSeconds(inj.retryAfter), true
			}
		}
	}
	for _, key := range []string{method, AllMethods} {
		if p := s.periodic[key]; p != nil {
			p.calls++
			if p.calls%p.every == 0 {
				return ceilSeconds(p.retryAfter), true
			}
		}
	}
	limit := s.perMinute[method]
	if limit <= 0 {
		return 0, false
	}
	win := s.windows[method]
	if win == nil || !now.Before(win.start.Add(time.Minute)) {
		win = &rateWindow{start: now}
		s.windows[method] = win
	}
	if win.count >= limit {
		return max(ceilSeconds(win.start.Add(time.Minute).Sub(now)), 1), true
	}
	win.count++
	return 0, false
}

// pacedLocked applies the per-channel pacing of posts (WithChannelPacing):
// a post needs a token of its channel's bucket, or is refused with the
// seconds until one is back. The token is taken only once every limit let
// the post through (takeLocked), since a refused post is not posted. A
// post to a user id is paced with their direct conversation. Callers hold
// s.mu.
func (s *Server) pacedLocked(channel string, now time.Time) (retryAfterSecs int, limited bool) {
	if s.channelRate <= 0 || channel == "" {
		return 0, false
	}
	key := s.paceKeyLocked(channel)
	b := s.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(s.channelBurst), at: now}
		s.buckets[key] = b
	}
	return b.refill(now, s.channelRate, s.channelBurst)
}

// workspacePacedLocked applies chat.postMessage's workspace-wide limit
// (WithWorkspacePosting) the same way. Callers hold s.mu.
func (s *Server) workspacePacedLocked(now time.Time) (retryAfterSecs int, limited bool) {
	if s.workspaceRate <= 0 {
		return 0, false
	}
	if s.workspace == nil {
		s.workspace = &bucket{tokens: float64(s.workspaceBurst), at: now}
	}
	return s.workspace.refill(now, s.workspaceRate, s.workspaceBurst)
}

// takeLocked takes the tokens of a post let through. Callers hold s.mu.
func (s *Server) takeLocked(channel string) {
	if b := s.buckets[s.paceKeyLocked(channel)]; b != nil && s.channelRate > 0 {
		b.tokens--
	}
	if s.workspace != nil {
		s.workspace.tokens--
	}
}

// paceKeyLocked is the conversation a post to channel lands in, for
// pacing: a user id and the direct conversation with that user are one.
func (s *Server) paceKeyLocked(channel string) string {
	if members, ok := s.dmMembers[channel]; ok && len(members) == 1 {
		return members[0]
	}
	return channel
}

// refill brings the bucket up to now at rate a second, up to burst, and
// reports how long until it holds a whole token when it does not.
func (b *bucket) refill(now time.Time, rate float64, burst int) (retryAfterSecs int, limited bool) {
	b.tokens = min(float64(burst), b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	if b.tokens < 1 {
		return max(int(math.Ceil((1-b.tokens)/rate)), 1), true
	}
	return 0, false
}

func ceilSeconds(d time.Duration) int {
	return int(math.Ceil(max(d, 0).Seconds()))
}

// parseAPIRequest reads a method's arguments the ways Slack accepts them:
// query string, form body, multipart form or JSON body. As in Slack, a
// JSON body cannot carry the token; it must come as a bearer header.
func parseAPIRequest(r *http.Request, body []byte) (apiRequest, *apiError) {
	req := apiRequest{params: map[string]string{}}
	for k, vs := range r.URL.Query() {
		req.params[k] = vs[0]
	}
	if len(body) > 0 {
		ctype := r.Header.Get("Content-Type")
		if ctype == "" {
			return req, fail("missing_post_type")
		}
		mediaType, mparams, err := mime.ParseMediaType(ctype)
		if err != nil {
			return req, fail("invalid_post_type")
		}
		if cs, ok := mparams["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "iso-8859-1") {
			return req, fail("invalid_charset")
		}
		switch mediaType {
		case "application/json":
			if apiErr := flattenJSON(body, req.params); apiErr != nil {
				return req, apiErr
			}
			delete(req.params, "token")
		case "application/x-www-form-urlencoded", "text/plain":
			values, err := url.ParseQuery(string(body))
			if err != nil {
				return req, fail("invalid_form_data")
			}
			for k, vs := range values {
				req.params[k] = vs[0]
			}
		case "multipart/form-data":
			form, err := multipart.NewReader(bytes.NewReader(body), mparams["boundary"]).ReadForm(maxRequestBytes)
			if err != nil {
				return req, fail("invalid_form_data")
			}
			for k, vs := range form.Value {
				req.params[k] = vs[0]
			}
			_ = form.RemoveAll()
		default:
			return req, fail("invalid_post_type")
		}
	}
	formToken := req.params["token"]
	delete(req.params, "token")

	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		req.wrongScheme = !strings.EqualFold(scheme, "Bearer")
		req.token = strings.TrimSpace(tok)
		return req, nil
	}
	req.token = formToken
	return req, nil
}

// flattenJSON stores a JSON object's fields as strings: strings as they
// are, everything else as compact JSON text, so later code reads "blocks"
// and "view" the same way whether they came as form or JSON.
func flattenJSON(body []byte, into map[string]string) *apiError {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return fail("invalid_json")
	}
	for k, raw := range obj {
		var str string
		if err := json.Unmarshal(raw, &str); err == nil {
			into[k] = str
			continue
		}
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			continue
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return fail("invalid_json")
		}
		into[k] = compact.String()
	}
	return nil
}

// decodeJSON decodes a JSON argument keeping numbers as json.Number, as
// the validators expect.
func decodeJSON(text string, into any) error {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		return err
	}
	if dec.More() {
		return io.ErrUnexpectedEOF
	}
	return nil
}

func errorBody(e *apiError) map[string]any {
	out := map[string]any{"ok": false, "error": e.code}
	if len(e.messages) > 0 {
		out["response_metadata"] = map[string]any{"messages": e.messages}
	}
	return out
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

// requireParams answers invalid_arguments for missing required arguments,
// as Slack does.
func requireParams(req apiRequest, names ...string) *apiError {
	var missing []string
	for _, n := range names {
		if req.params[n] == "" {
			missing = append(missing, "[ERROR] missing required field: "+n)
		}
	}
	if len(missing) > 0 {
		return fail("invalid_arguments", missing...)
	}
	return nil
}
