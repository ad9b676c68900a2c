package teams

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/store"
)

// Record kinds of what the Teams transport remembers, so any replica can
// message a person or a channel proactively: the conversation references
// Teams requires, and the user ↔ email mapping the policy speaks in.
const (
	userKind         = "teams-user"         // by Teams user id (29:…)
	emailKind        = "teams-email"        // by lower-case email: which user id
	conversationKind = "teams-conversation" // by conversation id
)

// emailTTL is how long a member's email from the members API is trusted
// before it is fetched again (an address can change; a fetch per message
// would spend the per-conversation budget).
const emailTTL = 6 * time.Hour

// userRef is what is known about one person: enough to open the bot's
// 1:1 conversation with them and to say who they are.
type userRef struct {
	V           int       `json:"v"`
	ID          string    `json:"id"` // 29:…, unique per bot
	AADObjectID string    `json:"aad,omitempty"`
	Name        string    `json:"name,omitempty"`
	Email       string    `json:"email,omitempty"`
	TenantID    string    `json:"tenant,omitempty"`
	ServiceURL  string    `json:"service_url"`
	BotID       string    `json:"bot_id,omitempty"`
	BotName     string    `json:"bot_name,omitempty"`
	Personal    string    `json:"personal,omitempty"` // the bot's 1:1 conversation id, once known
	Fetched     time.Time `json:"fetched,omitzero"`   // when Email came from the members API
}

// conversationRef is a conversation the bot is in: a channel, a group chat
// or a 1:1.
type conversationRef struct {
	V          int    `json:"v"`
	ID         string `json:"id"`
	Type       string `json:"type,omitempty"` // personal, groupChat, channel
	TenantID   string `json:"tenant,omitempty"`
	TeamID     string `json:"team,omitempty"`
	ServiceURL string `json:"service_url"`
	BotID      string `json:"bot_id,omitempty"`
	BotName    string `json:"bot_name,omitempty"`
	Removed    bool   `json:"removed,omitempty"` // the bot was uninstalled here
}

// tenantRefID names the conversation record that holds a tenant's
// service URL and the bot's id there.
func tenantRefID(tenant string) string { return "tenant:" + strings.ToLower(tenant) }

// directory keeps references in the store with an in-process copy, and
// writes only what changed, so a chatty conversation costs no store write
// per message.
type directory struct {
	records store.Records

	mu            sync.Mutex
	users         map[string]userRef
	conversations map[string]conversationRef
	emails        map[string]string
}

func newDirectory(records store.Records) *directory {
	return &directory{records: records, users: map[string]userRef{}, conversations: map[string]conversationRef{}, emails: map[string]string{}}
}

func (d *directory) conversation(ctx context.Context, id string) (conversationRef, bool, error) {
	d.mu.Lock()
	c, ok := d.conversations[id]
	d.mu.Unlock()
	if ok {
		return c, true, nil
	}
	found, err := d.load(ctx, conversationKind, id, &c)
	if found {
		d.mu.Lock()
		d.conversations[id] = c
		d.mu.Unlock()
	}
	return c, found, err
}

// rememberConversation stores c when it differs from what is known.
func (d *directory) rememberConversation(ctx context.Context, c conversationRef) error {
	c.V = 1
	d.mu.Lock()
	same := d.conversations[c.ID] == c
	d.mu.Unlock()
	if same {
		return nil
	}
	if err := d.save(ctx, conversationKind, c.ID, c); err != nil {
		return err
	}
	d.mu.Lock()
	d.conversations[c.ID] = c
	d.mu.Unlock()
	return nil
}

func (d *directory) user(ctx context.Context, id string) (userRef, bool, error) {
	d.mu.Lock()
	u, ok := d.users[id]
	d.mu.Unlock()
	if ok {
		return u, true, nil
	}
	found, err := d.load(ctx, userKind, id, &u)
	if found {
		d.mu.Lock()
		d.users[id] = u
		d.mu.Unlock()
	}
	return u, found, err
}

// userByEmail finds the person with this email among those the bot has
// met (talked to it, or members of a team it is installed in).
func (d *directory) userByEmail(ctx context.Context, email string) (userRef, bool, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	d.mu.Lock()
	id, ok := d.emails[email]
	d.mu.Unlock()
	if !ok {
		var idx struct {
			User string `json:"user"`
		}
		found, err := d.load(ctx, emailKind, email, &idx)
		if err != nil || !found {
			return userRef{}, false, err
		}
		id = idx.User
	}
	u, found, err := d.user(ctx, id)
	if err != nil || !found || u.Email != email {
		return userRef{}, false, err // a stale index entry: the address moved
	}
	d.mu.Lock()
	d.emails[email] = id
	d.mu.Unlock()
	return u, true, nil
}

// rememberUser merges what an activity or the members API says about a
// person into what is known, and stores the result when it changed.
func (d *directory) rememberUser(ctx context.Context, u userRef) (userRef, error) {
	old, _, err := d.user(ctx, u.ID)
	if err != nil {
		return u, err
	}
	merged := old
	merged.V, merged.ID = 1, u.ID
	merged.AADObjectID = cmp.Or(u.AADObjectID, old.AADObjectID)
	merged.Name = cmp.Or(u.Name, old.Name)
	merged.TenantID = cmp.Or(u.TenantID, old.TenantID)
	merged.ServiceURL = cmp.Or(u.ServiceURL, old.ServiceURL)
	merged.BotID = cmp.Or(u.BotID, old.BotID)
	merged.BotName = cmp.Or(u.BotName, old.BotName)
	merged.Personal = cmp.Or(u.Personal, old.Personal)
	if u.Email != "" {
		merged.Email, merged.Fetched = strings.ToLower(u.Email), u.Fetched
	}
	if merged == old {
		return old, nil
	}
	if err := d.save(ctx, userKind, merged.ID, merged); err != nil {
		return old, err
	}
	if merged.Email != "" && merged.Email != old.Email {
		if err := d.save(ctx, emailKind, merged.Email, map[string]string{"user": merged.ID}); err != nil {
			return old, err
		}
	}
	d.mu.Lock()
	d.users[merged.ID] = merged
	if merged.Email != "" {
		d.emails[merged.Email] = merged.ID
	}
	d.mu.Unlock()
	return merged, nil
}

func (d *directory) load(ctx context.Context, kind, id string, into any) (bool, error) {
	if d.records == nil {
		return false, nil
	}
	rec, err := d.records.GetRecord(ctx, kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("teams: reading %s %s: %w", kind, id, err)
	}
	if err := json.Unmarshal(rec.Data, into); err != nil {
		return false, fmt.Errorf("teams: %s %s is unreadable: %w", kind, id, err)
	}
	return true, nil
}

func (d *directory) save(ctx context.Context, kind, id string, v any) error {
	if d.records == nil {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := store.PutRecord(ctx, d.records, kind, id, data); err != nil {
		return fmt.Errorf("teams: storing %s %s: %w", kind, id, err)
	}
	return nil
}
