package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/store"
)

// userTTL is how long a resolved email is trusted: long enough to spare
// users.info (Tier 4) on every command, short enough that a changed email
// is picked up the same day.
const userTTL = 6 * time.Hour

const userKind = "slack-user"

type cachedUser struct {
	V       int       `json:"v"`
	Email   string    `json:"email"`
	Name    string    `json:"name"`
	Fetched time.Time `json:"fetched"`
}

// userDirectory resolves Slack user ids to emails through users.info,
// cached in memory and, when records are set, in the store for every
// replica.
type userDirectory struct {
	api     *slackgo.Client
	records store.Records
	now     func() time.Time
	log     *slog.Logger

	mu    sync.Mutex
	local map[string]cachedUser
}

func (d *userDirectory) lookup(ctx context.Context, userID string) (email, name string, err error) {
	now := d.now()
	if u, ok := d.fromMemory(userID, now); ok {
		return u.Email, u.Name, nil
	}
	if d.records != nil {
		if rec, err := d.records.GetRecord(ctx, userKind, userID); err == nil {
			var u cachedUser
			if json.Unmarshal(rec.Data, &u) == nil && u.V == 1 && now.Sub(u.Fetched) < userTTL {
				d.remember(userID, u)
				return u.Email, u.Name, nil
			}
		}
	}
	info, err := d.api.GetUserInfoContext(ctx, userID)
	if err != nil {
		return "", "", fmt.Errorf("slack: users.info %s: %w", userID, err)
	}
	if info.Deleted {
		return "", "", errors.New("slack: user is deactivated")
	}
	u := d.learn(ctx, *info)
	return u.Email, u.Name, nil
}

// learn caches what Slack said about a user (from users.info, or a page
// of users.list), so their clicks need no users.info of their own.
func (d *userDirectory) learn(ctx context.Context, info slackgo.User) cachedUser {
	u := cachedUser{V: 1, Email: strings.ToLower(info.Profile.Email), Name: firstNonEmpty(info.RealName, info.Name), Fetched: d.now()}
	d.remember(info.ID, u)
	if d.records != nil {
		d.store(ctx, info.ID, u)
	}
	return u
}

func (d *userDirectory) fromMemory(userID string, now time.Time) (cachedUser, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.local[userID]
	return u, ok && now.Sub(u.Fetched) < userTTL
}

func (d *userDirectory) remember(userID string, u cachedUser) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.local == nil {
		d.local = map[string]cachedUser{}
	}
	d.local[userID] = u
}

// store writes the cache entry; losing the race to another replica is
// fine, both fetched the same answer.
func (d *userDirectory) store(ctx context.Context, userID string, u cachedUser) {
	data, _ := json.Marshal(u)
	if _, err := store.PutRecord(ctx, d.records, userKind, userID, data); err != nil {
		d.log.Warn("user cache not stored", slog.Any("error", err))
	}
}
