package slacktest

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"
)

// authTest answers auth.test with the bot's identity.
func (s *Server) authTest(apiRequest) (reply, *apiError) {
	return reply{
		"url":                   "https://" + s.domain() + ".slack.com/",
		"team":                  s.teamName,
		"user":                  s.botName,
		"team_id":               s.teamID,
		"user_id":               s.botUserID,
		"bot_id":                s.botID,
		"is_enterprise_install": false,
	}, nil
}

// usersInfo answers users.info; deactivated users are still found, with
// deleted set.
func (s *Server) usersInfo(req apiRequest) (reply, *apiError) {
	if e := requireParams(req, "user"); e != nil {
		return nil, e
	}
	u, ok := s.users[req.params["user"]]
	if !ok {
		return nil, fail("user_not_found")
	}
	return reply{"user": s.userJSON(u, req.now, req.params["include_locale"] == "true")}, nil
}

// usersLookupByEmail answers users.lookupByEmail; as in Slack,
// deactivated users are not found.
func (s *Server) usersLookupByEmail(req apiRequest) (reply, *apiError) {
	if e := requireParams(req, "email"); e != nil {
		return nil, e
	}
	email := req.params["email"]
	for _, u := range s.sortedUsers() {
		if u.Email != "" && strings.EqualFold(u.Email, email) && !u.Deleted {
			return reply{"user": s.userJSON(u, req.now, false)}, nil
		}
	}
	return nil, fail("users_not_found")
}

// usersList answers users.list a page at a time, deactivated members
// included as in Slack; the cursor is the id the next page starts at.
// Without a limit (or above MaxUsersListLimit) a page holds
// MaxUsersListLimit members.
func (s *Server) usersList(req apiRequest) (reply, *apiError) {
	limit := MaxUsersListLimit
	if v := req.params["limit"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fail("invalid_limit")
		}
		if n > 0 {
			limit = min(n, MaxUsersListLimit)
		}
	}
	all := s.sortedUsers()
	start := 0
	if cursor := req.params["cursor"]; cursor != "" {
		from, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil {
			return nil, fail("invalid_cursor")
		}
		start, _ = slices.BinarySearchFunc(all, string(from), func(u User, id string) int { return strings.Compare(u.ID, id) })
	}
	end := min(start+limit, len(all))
	members := make([]map[string]any, 0, end-start)
	for _, u := range all[start:end] {
		members = append(members, s.userJSON(u, req.now, req.params["include_locale"] == "true"))
	}
	next := ""
	if end < len(all) {
		next = base64.RawURLEncoding.EncodeToString([]byte(all[end].ID))
	}
	return reply{"members": members, "cache_ts": req.now.Unix(), "response_metadata": map[string]any{"next_cursor": next}}, nil
}

func (s *Server) sortedUsers() []User {
	ids := make([]string, 0, len(s.users))
	for id := range s.users {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]User, len(ids))
	for i, id := range ids {
		out[i] = s.users[id]
	}
	return out
}

// userJSON renders a user object with the fields slack.User decodes.
func (s *Server) userJSON(u User, now time.Time, withLocale bool) map[string]any {
	profile := map[string]any{
		"real_name":               u.RealName,
		"real_name_normalized":    u.RealName,
		"display_name":            u.Name,
		"display_name_normalized": u.Name,
		"team":                    s.teamID,
	}
	if u.Email != "" {
		profile["email"] = u.Email
	}
	if u.ID == s.botUserID {
		profile["bot_id"] = s.botID
		profile["api_app_id"] = DefaultAppID
	}
	out := map[string]any{
		"id":                  u.ID,
		"team_id":             s.teamID,
		"name":                u.Name,
		"deleted":             u.Deleted,
		"real_name":           u.RealName,
		"profile":             profile,
		"is_admin":            false,
		"is_owner":            false,
		"is_primary_owner":    false,
		"is_restricted":       false,
		"is_ultra_restricted": false,
		"is_bot":              u.IsBot,
		"is_app_user":         false,
		"updated":             now.Unix(),
	}
	if u.TZ != "" {
		out["tz"] = u.TZ
		label, offset := u.TZ, 0
		if loc, err := time.LoadLocation(u.TZ); err == nil {
			label, offset = now.In(loc).Zone()
		}
		out["tz_label"] = label
		out["tz_offset"] = offset
	}
	if withLocale {
		out["locale"] = "en-US"
	}
	return out
}

// conversationsOpen answers conversations.open: one user gives a DM, two
// to MaxConversationUsers an MPIM, and the same set of users always gets
// the same id.
func (s *Server) conversationsOpen(req apiRequest) (reply, *apiError) {
	if ch := req.params["channel"]; ch != "" {
		members, ok := s.dmMembers[ch]
		if !ok {
			return nil, fail("channel_not_found")
		}
		return reply{"channel": s.conversationJSON(ch, members, req), "no_op": true, "already_open": true}, nil
	}
	var users []string
	for _, u := range strings.Split(req.params["users"], ",") {
		if u = strings.TrimSpace(u); u != "" && !slices.Contains(users, u) {
			users = append(users, u)
		}
	}
	switch {
	case len(users) == 0:
		return nil, fail("users_list_not_supplied")
	case len(users) > MaxConversationUsers:
		return nil, fail("too_many_users")
	}
	for _, id := range users {
		u, ok := s.users[id]
		if !ok {
			return nil, fail("user_not_found")
		}
		if u.Deleted {
			return nil, fail("user_disabled")
		}
	}
	id, existed := s.openConversationLocked(users)
	out := reply{"channel": s.conversationJSON(id, s.dmMembers[id], req)}
	if existed {
		out["no_op"] = true
		out["already_open"] = true
	}
	return out, nil
}

// DMChannel returns the id of the bot's direct conversation with user,
// once conversations.open or a chat.postMessage to the user id opened it.
func (s *Server) DMChannel(user string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.dms[user]
	return id, ok
}

// OpenDM returns the id of user's DM with the bot, opening it when there
// is none, as Slack has one open before a person can write to the bot:
// the channel a message.im event from them carries.
func (s *Server) OpenDM(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := s.openConversationLocked([]string{user})
	return id
}

// DirectChannels returns the ids of every one-to-one conversation between
// the bot and user, for counting what a person received. As in Slack there
// is at most one; a slice lets callers count without assuming so.
func (s *Server) DirectChannels(user string) []string {
	if id, ok := s.DMChannel(user); ok {
		return []string{id}
	}
	return nil
}

// openConversationLocked returns the DM or MPIM for a set of users,
// creating it the first time. Callers hold s.mu.
func (s *Server) openConversationLocked(users []string) (id string, existed bool) {
	sorted := slices.Sorted(slices.Values(users))
	key := strings.Join(sorted, ",")
	if id, ok := s.dms[key]; ok {
		return id, true
	}
	prefix := "D"
	if len(sorted) > 1 {
		prefix = "G"
	}
	id = s.nextID(prefix)
	s.dms[key] = id
	s.dmMembers[id] = sorted
	return id, false
}

func (s *Server) conversationJSON(id string, members []string, req apiRequest) map[string]any {
	if req.params["return_im"] != "true" {
		return map[string]any{"id": id}
	}
	out := map[string]any{
		"id":      id,
		"created": req.now.Unix(),
		"is_open": true,
	}
	if len(members) == 1 {
		out["is_im"] = true
		out["user"] = members[0]
	} else {
		out["is_mpim"] = true
		out["members"] = members
	}
	return out
}
