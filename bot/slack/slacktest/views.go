package slacktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// View is a modal's or Home tab's current state.
type View struct {
	ID              string
	Type            string // "modal" or "home"
	User            string // the Home tab's user; empty for modals
	TriggerID       string // the trigger views.open exchanged; empty for Home tabs
	ExternalID      string
	CallbackID      string
	PrivateMetadata string
	Title           string // the modal title's text
	Hash            string
	Blocks          json.RawMessage // compact JSON array
	JSON            json.RawMessage // the view object as the app last sent it
	Updated         int             // views.update or re-publish count
}

type trigger struct {
	issued time.Time
	used   bool
}

// IssueTriggerID issues a trigger_id, as Slack puts into slash command
// and interaction payloads: views.open accepts it once, within
// TriggerIDLifetime on the emulator clock.
func (s *Server) IssueTriggerID() string {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	// Slack's format: "132456.7890123.abcdef".
	id := fmt.Sprintf("%d.%d.%012x", 100000+s.seq, now.Unix(), (uint64(s.seq)*0x9E3779B97F4A7C15)>>16)
	s.triggers[id] = &trigger{issued: now}
	return id
}

// ViewOpenedBy returns the modal views.open opened with trigger, as it
// stands; false while none has. It copies that view alone, so a caller
// polling for a form does not copy every view under the server's lock.
func (s *Server) ViewOpenedBy(trigger string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range slices.Backward(s.views) {
		if v.TriggerID == trigger {
			out := *v
			out.Blocks, out.JSON = slices.Clone(v.Blocks), slices.Clone(v.JSON)
			return out, true
		}
	}
	return View{}, false
}

// Views returns every view's current state, oldest first.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, len(s.views))
	for i, v := range s.views {
		out[i] = *v
		out[i].Blocks = slices.Clone(v.Blocks)
		out[i].JSON = slices.Clone(v.JSON)
	}
	return out
}

// parseView decodes and validates the view argument. Views methods report
// bad views as invalid_arguments, not invalid_blocks: that is the code in
// their method references.
func parseView(req apiRequest, want surface) (map[string]any, *apiError) {
	text := req.params["view"]
	if len(text) > MaxViewBytes {
		return nil, fail("view_too_large")
	}
	var view map[string]any
	if err := decodeJSON(text, &view); err != nil || view == nil {
		return nil, fail("invalid_arguments", "[ERROR] must be a JSON object [json-pointer:/view]")
	}
	if problems := validateView(view, want); len(problems) > 0 {
		return nil, fail("invalid_arguments", problems...)
	}
	return view, nil
}

// viewsOpen answers views.open, exchanging a trigger_id.
func (s *Server) viewsOpen(req apiRequest) (reply, *apiError) {
	if e := requireParams(req, "view"); e != nil {
		return nil, e
	}
	triggerID := req.params["trigger_id"]
	if triggerID == "" {
		triggerID = req.params["interactivity_pointer"]
	}
	if triggerID == "" {
		return nil, fail("invalid_arguments", "[ERROR] missing required field: trigger_id")
	}
	view, e := parseView(req, surfaceModal)
	if e != nil {
		return nil, e
	}
	t, ok := s.triggers[triggerID]
	switch {
	case !ok:
		return nil, fail("invalid_trigger_id")
	case t.used:
		return nil, fail("exchanged_trigger_id")
	case !req.now.Before(t.issued.Add(TriggerIDLifetime)):
		return nil, fail("expired_trigger_id")
	}
	if e := s.checkExternalIDLocked(view, ""); e != nil {
		return nil, e
	}
	t.used = true
	v := &View{ID: s.nextID("V"), TriggerID: triggerID}
	s.storeViewLocked(v, view, req.params["view"], req.now)
	s.views = append(s.views, v)
	s.notify()
	return reply{"view": s.viewJSON(v, view)}, nil
}

// viewsUpdate answers views.update by view_id or external_id, honouring
// hash.
func (s *Server) viewsUpdate(req apiRequest) (reply, *apiError) {
	if e := requireParams(req, "view"); e != nil {
		return nil, e
	}
	viewID, externalID := req.params["view_id"], req.params["external_id"]
	if viewID == "" && externalID == "" {
		return nil, fail("invalid_arguments", "[ERROR] missing required field: view_id or external_id")
	}
	var v *View
	for _, cand := range s.views {
		if viewID != "" && cand.ID == viewID || viewID == "" && cand.ExternalID == externalID {
			v = cand
			break
		}
	}
	if v == nil {
		return nil, fail("not_found")
	}
	if h := req.params["hash"]; h != "" && h != v.Hash {
		return nil, fail("hash_conflict")
	}
	want := surfaceModal
	if v.Type == "home" {
		want = surfaceHome
	}
	view, e := parseView(req, want)
	if e != nil {
		return nil, e
	}
	if e := s.checkExternalIDLocked(view, v.ID); e != nil {
		return nil, e
	}
	s.storeViewLocked(v, view, req.params["view"], req.now)
	v.Updated++
	s.notify()
	return reply{"view": s.viewJSON(v, view)}, nil
}

// viewsPublish answers views.publish: one Home tab per user, replaced on
// each publish.
func (s *Server) viewsPublish(req apiRequest) (reply, *apiError) {
	if e := requireParams(req, "user_id", "view"); e != nil {
		return nil, e
	}
	userID := req.params["user_id"]
	if u, ok := s.users[userID]; !ok || u.Deleted {
		return nil, fail("user_not_found")
	}
	view, e := parseView(req, surfaceHome)
	if e != nil {
		return nil, e
	}
	var v *View
	for _, cand := range s.views {
		if cand.Type == "home" && cand.User == userID {
			v = cand
			break
		}
	}
	if v != nil {
		if h := req.params["hash"]; h != "" && h != v.Hash {
			return nil, fail("hash_conflict")
		}
	}
	selfID := ""
	if v != nil {
		selfID = v.ID
	}
	if e := s.checkExternalIDLocked(view, selfID); e != nil {
		return nil, e
	}
	if v == nil {
		v = &View{ID: s.nextID("V"), User: userID}
		s.views = append(s.views, v)
	} else {
		v.Updated++
	}
	s.storeViewLocked(v, view, req.params["view"], req.now)
	s.notify()
	return reply{"view": s.viewJSON(v, view)}, nil
}

// checkExternalIDLocked refuses an external_id another view already has;
// as in Slack it must be unique per team.
func (s *Server) checkExternalIDLocked(view map[string]any, selfID string) *apiError {
	ext, _ := view["external_id"].(string)
	if ext == "" {
		return nil
	}
	for _, other := range s.views {
		if other.ExternalID == ext && other.ID != selfID {
			return fail("duplicate_external_id")
		}
	}
	return nil
}

func (s *Server) storeViewLocked(v *View, view map[string]any, text string, now time.Time) {
	v.Type, _ = view["type"].(string)
	v.ExternalID, _ = view["external_id"].(string)
	v.CallbackID, _ = view["callback_id"].(string)
	v.PrivateMetadata, _ = view["private_metadata"].(string)
	v.Title = ""
	if title, ok := view["title"].(map[string]any); ok {
		v.Title, _ = title["text"].(string)
	}
	v.Blocks, _ = json.Marshal(view["blocks"])
	var compact bytes.Buffer
	_ = json.Compact(&compact, []byte(text)) // parseView already decoded it
	v.JSON = compact.Bytes()
	s.seq++
	v.Hash = fmt.Sprintf("%d.%08x", now.Unix(), s.seq)
}

// viewJSON renders a view as views.* responses return it: the app's view
// plus the fields Slack adds.
func (s *Server) viewJSON(v *View, view map[string]any) map[string]any {
	out := maps.Clone(view)
	for key, zero := range map[string]any{
		"private_metadata": "", "callback_id": "", "external_id": "",
		"clear_on_close": false, "notify_on_close": false,
	} {
		if _, ok := out[key]; !ok {
			out[key] = zero
		}
	}
	out["id"] = v.ID
	out["team_id"] = s.teamID
	out["state"] = map[string]any{"values": map[string]any{}}
	out["hash"] = v.Hash
	out["root_view_id"] = v.ID
	out["previous_view_id"] = nil
	out["app_id"] = DefaultAppID
	out["bot_id"] = s.botID
	out["app_installed_team_id"] = s.teamID
	return out
}
