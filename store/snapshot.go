package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/seatwarden/seatwarden/connector"
)

// SnapshotVersion is the schema version written in Snapshot.V. Decoding an
// unknown version is an error rather than a silent misread; version 1 (one
// Zendesk account, Zendesk's role types) is upgraded on read, in
// upgradeV1 and nowhere else.
const SnapshotVersion = 2

// Snapshot is one governed account's staff as of its last successful sync:
// every member who can hold a seat (paid or not), the groups and
// memberships that say who owns their seats, and the point the next sync
// resumes from. End users are not kept: they hold no seat.
type Snapshot struct {
	V        int       `json:"v"`
	SyncedAt time.Time `json:"synced_at"`
	// Connector names the SaaS ("zendesk", "github"); each has its own
	// snapshot.
	Connector string `json:"connector"`
	// Account identifies the account within the SaaS (a Zendesk URL, a
	// GitHub organisation), so pointing the bot at another account forces
	// a full sync.
	Account string `json:"account"`
	connector.Roster
	// Members is how many members the stored snapshot holds, as
	// ReadSnapshot finds them counted before the first, so a reader can
	// size what it builds from them; it is not part of the content.
	Members int `json:"-"`
	// Base names the members as a save wrote them, and Patched the
	// patches read with them since (Snapshots.PatchSnapshot), in id
	// order: a reader that keeps what it made of the members at Base
	// applies Patched rather than read them all again. Within a base,
	// patches only gather; a save of the same content keeps the base and
	// drops them, so a reader holding a patch the head no longer lists
	// reads the members again. ReadSnapshot sets them (the patches it
	// applied, when it reads members); neither is part of the content.
	Base    string        `json:"-"`
	Patched []MemberPatch `json:"-"`
}

// ConnectorOrDefault is the snapshot's connector; snapshots from before
// connectors were named are Zendesk's.
func ConnectorOrDefault(name string) string {
	if name == "" {
		return connector.Zendesk
	}
	return name
}

// SnapshotSlot is the suffix of the key a backend keeps name's snapshot
// under: Zendesk's stays where the single snapshot always was ("", so no
// data moves), the others go beside it (":github").
func SnapshotSlot(name string) string {
	if name = ConnectorOrDefault(name); name == connector.Zendesk {
		return ""
	}
	return ":" + name
}

// EncodeSnapshot and DecodeSnapshot are the one place the snapshot's clear
// wire form is defined; backends go through their Codec, which seals it
// when configured. The stored form is the snapshot's revision, a newline,
// then its JSON: readers that only need to know whether the snapshot
// changed read the first RevisionLen bytes and never decode the rest,
// which for a large account is megabytes.
func EncodeSnapshot(s *Snapshot) ([]byte, error) { return (*Codec)(nil).EncodeSnapshot(s) }

// snapshotContent is what a snapshot says about the account: what its
// revision is a digest of.
type snapshotContent struct {
	V           int                    `json:"v"`
	Connector   string                 `json:"connector"`
	Account     string                 `json:"account"`
	Staff       []connector.Staff      `json:"staff"`
	Groups      []connector.Group      `json:"groups"`
	Memberships []connector.Membership `json:"memberships"`
}

// snapshotProgress is where the syncs stand: it changes at every sync
// whether or not the account did.
type snapshotProgress struct {
	SyncedAt   time.Time `json:"synced_at"`
	Cursor     string    `json:"cursor"`
	GroupsRead time.Time `json:"groups_read_at,omitzero"`
}

// encodeSnapshot is the clear stored form of s: the revision, a newline,
// then its JSON at the current version. The JSON begins with what the
// snapshot says about the account, the revision's input (digest's), and
// ends with where the syncs stand, outside it: a sync that changed
// nothing keeps the revision, so no replica judges the snapshot again. A
// decoder reads the JSON as one object. It is written into one buffer, so
// a large account's snapshot is not copied whole on its way out.
func encodeSnapshot(s *Snapshot, digest func([]byte) []byte) ([]byte, error) {
	if s == nil {
		return nil, fmt.Errorf("store: nil snapshot")
	}
	var buf bytes.Buffer
	buf.Write(make([]byte, RevisionLen+1)) // the header, filled in below
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(snapshotContent{V: SnapshotVersion, Connector: ConnectorOrDefault(s.Connector), Account: s.Account,
		Staff: s.Staff, Groups: s.Groups, Memberships: s.Memberships}); err != nil {
		return nil, err
	}
	content := buf.Bytes()[RevisionLen+1 : buf.Len()-1] // without the encoder's newline
	sum := digest(content)
	buf.Truncate(buf.Len() - 2) // the newline and the closing brace
	progress, err := json.Marshal(snapshotProgress{SyncedAt: s.SyncedAt, Cursor: s.Cursor, GroupsRead: s.GroupsRead})
	if err != nil {
		return nil, err
	}
	buf.WriteByte(',')
	buf.Write(progress[1:])
	out := buf.Bytes()
	hex.Encode(out[:RevisionLen], sum[:RevisionLen/2])
	out[RevisionLen] = '\n'
	return out, nil
}

// RevisionLen is the length of a snapshot revision: hex of the first bytes
// of the SHA-256 of what it says about the account, so snapshots of the
// same account state have equal revisions, whenever synced, and any change
// gives a new one.
const RevisionLen = 16

// ErrUnreadable: a stored snapshot exists but cannot be decoded (corrupt,
// or written by a newer version). The snapshot is a cache of Zendesk, so
// callers may rebuild it rather than fail forever.
var ErrUnreadable = errors.New("store: stored snapshot is unreadable")

// DecodeSnapshot parses a stored clear snapshot, refusing unknown versions.
func DecodeSnapshot(b []byte) (*Snapshot, error) { return (*Codec)(nil).DecodeSnapshot(b) }

func decodeSnapshotJSON(body []byte) (*Snapshot, error) {
	var s Snapshot
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	switch s.V {
	case SnapshotVersion:
	case 1:
		if err := upgradeV1(&s, body); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
		}
	default:
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

// upgradeV1 completes a version 1 snapshot decoded into the current shape.
// Version 1 held one Zendesk account and left classifying its staff to the
// seat rules, from Zendesk's role_type and custom roles; the current
// version holds the classification the connector made. This is that
// classification as version 1 meant it, frozen: the live one is the
// Zendesk connector's.
func upgradeV1(s *Snapshot, body []byte) error {
	var v1 struct {
		Staff []struct {
			RoleType *int `json:"role_type"`
		} `json:"staff"`
		CustomRoles []struct {
			ID         int64  `json:"id"`
			Name       string `json:"name"`
			RoleType   int    `json:"role_type"`
			LightAgent bool   `json:"light_agent"`
		} `json:"custom_roles"`
	}
	if err := json.Unmarshal(body, &v1); err != nil {
		return err
	}
	if len(v1.Staff) != len(s.Staff) {
		return errors.New("version 1 staff do not line up")
	}
	type role struct {
		name       string
		roleType   int
		lightAgent bool
	}
	roles := make(map[int64]role, len(v1.CustomRoles))
	for _, r := range v1.CustomRoles {
		roles[r.ID] = role{r.Name, r.RoleType, r.LightAgent}
	}
	const lightAgent, contributor = 1, 3 // Zendesk role_type values
	for i := range s.Staff {
		u := &s.Staff[i]
		r, hasRole := role{}, false
		if u.RoleID != nil {
			r, hasRole = roles[*u.RoleID]
		}
		roleType := -1
		if t := v1.Staff[i].RoleType; t != nil {
			roleType = *t
		} else if hasRole {
			roleType = r.roleType
		}
		u.Privileged = u.Role == "admin"
		switch {
		case hasRole:
			u.RoleName = r.name
		case u.RoleID != nil:
			u.RoleName = fmt.Sprintf("unknown role %d", *u.RoleID)
		}
		switch {
		case u.Privileged:
		case roleType == lightAgent || (hasRole && r.lightAgent):
			u.Free = connector.FreeLightAgent
		case roleType == contributor:
			u.Free = connector.FreeContributor
		}
	}
	s.V, s.Connector = SnapshotVersion, connector.Zendesk
	return nil
}

// PatchedIDs are the members patches change, in id order.
func PatchedIDs(patches []MemberPatch) []int64 {
	ids := make([]int64, 0, len(patches))
	for _, p := range patches {
		ids = append(ids, p.ID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// StillPatched reports whether a head listing patched still holds every
// patch of the members applied (in id order): within one base patches
// only gather, so one missing means a save dropped them and what was
// made with them is to be made again.
func StillPatched(applied []int64, patched []MemberPatch) bool {
	for _, id := range applied {
		if _, ok := slices.BinarySearchFunc(patched, id, func(p MemberPatch, id int64) int { return cmp.Compare(p.ID, id) }); !ok {
			return false
		}
	}
	return true
}
