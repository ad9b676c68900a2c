package teamstest

import (
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"slices"
	"strings"
)

// Conversation types, as conversation.conversationType carries them.
const (
	ConversationPersonal  = "personal"
	ConversationChannel   = "channel"
	ConversationGroupChat = "groupChat"
)

// threadSeparator joins a channel id and the id of a thread's root
// message into the thread's conversation id.
const threadSeparator = ";messageid="

// User is a person in the tenant.
type User struct {
	ID          string // "29:…"; Teams user ids are unique per bot
	AADObjectID string // Entra ID object id (GUID)
	Name        string
	// GivenName and Surname default to Name split at its first space.
	GivenName string
	Surname   string
	Email     string
	UPN       string
	TenantID  string // default the server's
	// Installed means the app is installed for the user: their personal
	// conversation with the bot exists and can be created by the bot.
	Installed bool
}

// Channel is a team channel, or a group chat when TeamID is empty.
type Channel struct {
	ID       string // "19:…@thread.tacv2"; a team's General channel has the team's id
	TeamID   string // "19:…@thread.tacv2"
	TeamName string
	Name     string
	Members  []string // user ids ("29:…")
}

// Conversation is where an activity happens, as the activity builders
// need it.
type Conversation struct {
	ID        string // "a:…" personal; "19:…" channel or chat, with ";messageid=<root>" inside a thread
	Type      string // ConversationPersonal, ConversationChannel or ConversationGroupChat
	TenantID  string
	Name      string // the channel's or chat's name
	TeamID    string // channel conversations only
	TeamName  string
	ChannelID string // channel and chat conversations: ID without the thread suffix
	UserID    string // personal conversations: the user
}

// Thread is the conversation of the thread under the channel message
// rootID, where replies to that message go.
func (c Conversation) Thread(rootID string) Conversation {
	if c.ChannelID == "" {
		return c
	}
	c.ID = c.ChannelID + threadSeparator + rootID
	return c
}

// AddUser adds a person to the tenant, or replaces the one with the same
// id (e.g. to uninstall the app for them). It panics on an empty id.
func (s *Server) AddUser(u User) {
	if u.ID == "" {
		panic("teamstest: user without an ID")
	}
	if u.TenantID == "" {
		u.TenantID = s.tenantID
	}
	if u.GivenName == "" && u.Surname == "" {
		u.GivenName, u.Surname, _ = strings.Cut(u.Name, " ")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = &u
	id := s.personalID(u.ID)
	s.personal[id] = u.ID
	if u.Installed {
		s.opened[id] = true
	}
	s.notify()
}

// AddChannel adds a team channel or group chat, or replaces the one with
// the same id. It panics on an empty id.
func (s *Server) AddChannel(c Channel) {
	if c.ID == "" {
		panic("teamstest: channel without an ID")
	}
	c.Members = slices.Clone(c.Members)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[c.ID] = &c
	s.notify()
}

// BlockUser makes every write into the user's personal conversation
// answer 403 MessageWritesBlocked, as when the user blocked the bot.
func (s *Server) BlockUser(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[id] = true
}

// UnblockUser undoes BlockUser.
func (s *Server) UnblockUser(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, id)
}

// PersonalConversation is the bot's 1:1 conversation with a user: the id
// Teams puts in the user's messages and create conversation returns.
func (s *Server) PersonalConversation(userID string) Conversation {
	s.mu.Lock()
	defer s.mu.Unlock()
	tenant := s.tenantID
	if u := s.users[userID]; u != nil {
		tenant = u.TenantID
	}
	return Conversation{ID: s.personalID(userID), Type: ConversationPersonal, TenantID: tenant, UserID: userID}
}

// ChannelConversation is the conversation of a channel or group chat
// added with AddChannel; Thread narrows it to one thread. It panics on an
// unknown channel.
func (s *Server) ChannelConversation(channelID string) Conversation {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channelID]
	if c == nil {
		panic("teamstest: unknown channel " + channelID)
	}
	return s.channelConversationLocked(c)
}

func (s *Server) channelConversationLocked(c *Channel) Conversation {
	conv := Conversation{
		ID: c.ID, Type: ConversationChannel, TenantID: s.tenantID, Name: c.Name,
		TeamID: c.TeamID, TeamName: c.TeamName, ChannelID: c.ID,
	}
	if c.TeamID == "" {
		conv.Type = ConversationGroupChat
	}
	return conv
}

// conversationLocked describes a conversation id the connector knows;
// ok is false for unknown ids. Callers hold s.mu.
func (s *Server) conversationLocked(id string) (conv Conversation, ok bool) {
	if userID, isPersonal := s.personal[id]; isPersonal {
		u := s.users[userID]
		return Conversation{ID: id, Type: ConversationPersonal, TenantID: u.TenantID, UserID: userID}, true
	}
	base, root, threaded := strings.Cut(id, threadSeparator)
	if c := s.channels[base]; c != nil {
		conv = s.channelConversationLocked(c)
		if threaded {
			conv = conv.Thread(root)
		}
		return conv, true
	}
	return Conversation{}, false
}

// conversationExistsLocked reports whether the connector accepts calls
// for id: a known channel or chat, or the personal conversation of a user
// who has (or once had) the app installed.
func (s *Server) conversationExistsLocked(id string) bool {
	conv, ok := s.conversationLocked(id)
	if !ok {
		return false
	}
	if conv.Type == ConversationPersonal {
		return s.opened[id]
	}
	return true
}

// writesBlockedLocked reports whether writes into conversation id answer
// MessageWritesBlocked: a personal conversation whose user blocked the
// bot or uninstalled the app.
func (s *Server) writesBlockedLocked(id string) bool {
	userID, ok := s.personal[id]
	if !ok {
		return false
	}
	return s.blocked[userID] || !s.users[userID].Installed
}

// membersLocked lists a conversation's people in roster order.
func (s *Server) membersLocked(id string) []*User {
	conv, ok := s.conversationLocked(id)
	if !ok {
		return nil
	}
	if conv.Type == ConversationPersonal {
		return []*User{s.users[conv.UserID]}
	}
	var out []*User
	for _, m := range s.channels[conv.ChannelID].Members {
		if u := s.users[m]; u != nil {
			out = append(out, u)
		}
	}
	return out
}

// findUserLocked looks a user up the ways Teams accepts: the 29: id or
// the Entra object id (both for create conversation and member lookups),
// and the UPN when allowUPN (member lookups only).
func (s *Server) findUserLocked(key string, allowUPN bool) *User {
	if u := s.users[key]; u != nil {
		return u
	}
	for _, id := range slices.Sorted(maps.Keys(s.users)) {
		u := s.users[id]
		if u.AADObjectID != "" && strings.EqualFold(u.AADObjectID, key) ||
			allowUPN && u.UPN != "" && strings.EqualFold(u.UPN, key) {
			return u
		}
	}
	return nil
}

// personalID derives the user's personal conversation id, stable across
// calls as Teams' is.
func (s *Server) personalID(userID string) string {
	sum := sha256.Sum256([]byte(s.appID + "|" + userID))
	return "a:1" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// memberJSON is a user as the member endpoints return them
// (TeamsChannelAccount).
func memberJSON(u *User) map[string]any {
	return map[string]any{
		"id":                u.ID,
		"objectId":          u.AADObjectID,
		"name":              u.Name,
		"givenName":         u.GivenName,
		"surname":           u.Surname,
		"email":             u.Email,
		"userPrincipalName": u.UPN,
		"tenantId":          u.TenantID,
		"userRole":          "user",
	}
}
