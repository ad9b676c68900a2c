package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// SnapshotVersion is the schema version written in Snapshot.V. Decoding an
// unknown version is an error rather than a silent misread.
const SnapshotVersion = 1

// Snapshot is the account's staff as of the last successful sync: every
// agent and admin (paid or not), the groups, memberships and custom roles
// needed to classify them, and the export cursor the next sync resumes from.
// End users are not kept: they hold no seat.
type Snapshot struct {
	V        int       `json:"v"`
	SyncedAt time.Time `json:"synced_at"`
	// Cursor is the incremental user export's after_cursor; empty before the
	// first full sync.
	Cursor string `json:"cursor"`
	// Account identifies the Zendesk account the snapshot was taken from, so
	// pointing the bot at another account forces a full sync.
	Account     string            `json:"account"`
	Staff       []StaffUser       `json:"staff"`
	Groups      []Group           `json:"groups"`
	Memberships []GroupMembership `json:"memberships"`
	CustomRoles []CustomRole      `json:"custom_roles"`
}

// StaffUser is the part of a Zendesk user that seat rules need.
type StaffUser struct {
	ID             int64      `json:"id"`
	Name           string     `json:"name"`
	Email          string     `json:"email"`
	Role           string     `json:"role"`      // "agent" or "admin"
	RoleType       *int       `json:"role_type"` // Zendesk role_type, nil when Zendesk sends null
	CustomRoleID   *int64     `json:"custom_role_id,omitempty"`
	DefaultGroupID *int64     `json:"default_group_id,omitempty"`
	Suspended      bool       `json:"suspended"`
	TwoFactor      bool       `json:"two_factor"`
	LastLoginAt    *time.Time `json:"last_login_at"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// Group is a Zendesk group.
type Group struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Deleted bool   `json:"deleted,omitempty"`
}

// GroupMembership links an agent to a group.
type GroupMembership struct {
	UserID  int64 `json:"user_id"`
	GroupID int64 `json:"group_id"`
	Default bool  `json:"default,omitempty"`
}

// CustomRole is a Zendesk custom agent role.
type CustomRole struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	RoleType   int    `json:"role_type"`
	LightAgent bool   `json:"light_agent,omitempty"`
}

// EncodeSnapshot and DecodeSnapshot are the one place the snapshot's wire
// form is defined, shared by every backend. The stored form is the
// snapshot's revision, a newline, then its JSON: readers that only need to
// know whether the snapshot changed read the first RevisionLen bytes and
// never decode the rest, which for a large account is megabytes.
func EncodeSnapshot(s *Snapshot) ([]byte, error) {
	if s == nil {
		return nil, fmt.Errorf("store: nil snapshot")
	}
	c := *s
	c.V = SnapshotVersion
	body, err := json.Marshal(&c)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	out := make([]byte, 0, RevisionLen+1+len(body))
	out = hex.AppendEncode(out, sum[:RevisionLen/2])
	out = append(out, '\n')
	return append(out, body...), nil
}

// RevisionLen is the length of a snapshot revision: hex of the first bytes
// of the SHA-256 of its JSON, so equal snapshots have equal revisions and
// any change gives a new one.
const RevisionLen = 16

// ErrUnreadable: a stored snapshot exists but cannot be decoded (corrupt,
// or written by a newer version). The snapshot is a cache of Zendesk, so
// callers may rebuild it rather than fail forever.
var ErrUnreadable = errors.New("store: stored snapshot is unreadable")

// DecodeSnapshot parses a stored snapshot, refusing unknown versions.
func DecodeSnapshot(b []byte) (*Snapshot, error) {
	if _, err := SnapshotRevision(b); err != nil {
		return nil, err
	}
	var s Snapshot
	if err := json.Unmarshal(b[RevisionLen+1:], &s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	if s.V != SnapshotVersion {
		return nil, fmt.Errorf("%w: schema version %d is not supported (want %d)", ErrUnreadable, s.V, SnapshotVersion)
	}
	return &s, nil
}

// SnapshotRevision reads the revision at the start of a stored snapshot;
// prefix may be just its first RevisionLen+1 bytes.
func SnapshotRevision(prefix []byte) (string, error) {
	if len(prefix) < RevisionLen+1 || prefix[RevisionLen] != '\n' {
		return "", fmt.Errorf("%w: no revision header", ErrUnreadable)
	}
	rev := prefix[:RevisionLen]
	if _, err := hex.DecodeString(string(rev)); err != nil {
		return "", fmt.Errorf("%w: malformed revision header", ErrUnreadable)
	}
	return string(rev), nil
}

func sleepJitter(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d/2 + rand.N(d/2+1))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
