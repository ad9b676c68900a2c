package connector

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Staff is one member of an account's staff as the last sync saw them:
// what the seat rules, owners and reviews read. The connector classifies
// (role name, privilege, which paid seat, why none); the domain prices and
// judges. Ids are the SaaS's own numbers: Zendesk and GitHub both number
// their users.
type Staff struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	// Role is the SaaS's base role ("agent", "admin"; "admin", "member").
	Role string `json:"role"`
	// RoleName is a custom role's name, or the SaaS's own word for the
	// role when it is not just Role capitalised (GitHub's "admin" is an
	// "Owner"); "" otherwise. Title is the name to show. Leaving the
	// common case empty keeps a large account's snapshot as small and as
	// quick to decode as it was before connectors.
	RoleName string `json:"role_name,omitempty"`
	// RoleID is the custom role, when the SaaS has one.
	RoleID *int64 `json:"custom_role_id,omitempty"`
	// Free says why the member holds no paid seat ("light agent", "no
	// Copilot seat"); "" when they hold one.
	Free string `json:"free,omitempty"`
	// Seat names the paid seat as the policy prices it when Role does not
	// ("copilot_business"); "" when the role names it (a Zendesk "agent"
	// or "admin"). SeatName is the name either way.
	Seat string `json:"seat,omitempty"`
	// DefaultGroupID is the group whose owner answers for the seat.
	DefaultGroupID *int64 `json:"default_group_id,omitempty"`
	// LastActivity is the last sign-in or use the SaaS reports (a Zendesk
	// login, Copilot's last activity); nil when never.
	LastActivity *time.Time `json:"last_login_at"`
	CreatedAt    time.Time  `json:"created_at"`
	// Privileged: the member administers the account (a Zendesk admin, a
	// GitHub organisation owner).
	Privileged bool `json:"privileged,omitempty"`
	Suspended  bool `json:"suspended"`
	TwoFactor  bool `json:"two_factor"`
}

// Why a member holds no paid seat (Staff.Free).
const (
	FreeLightAgent  = "light agent"
	FreeContributor = "contributor"
	FreeNoCopilot   = "no Copilot seat"
	// FreeCopilotEnding: the seat is cancelled and ends with the billing
	// cycle; there is nothing left to decide about it.
	FreeCopilotEnding = "Copilot seat ending"
)

// Seats a connector names for the policy to price, besides the seats a
// SaaS's roles name themselves (Zendesk's "agent" and "admin").
const (
	SeatCopilotBusiness   = "copilot_business"
	SeatCopilotEnterprise = "copilot_enterprise"
)

// Paid reports whether the member holds a paid seat.
func (s Staff) Paid() bool { return s.Free == "" }

// SeatName is the paid seat's name as the policy prices it; "" without
// one.
func (s Staff) SeatName() string {
	switch {
	case !s.Paid():
		return ""
	case s.Seat != "":
		return s.Seat
	}
	return s.Role
}

// Title is the role's name as people read it: RoleName, else Role with a
// capital ("Agent").
func (s Staff) Title() string {
	if s.RoleName != "" {
		return s.RoleName
	}
	return titles.of(s.Role)
}

// titles keeps the capitalised base roles, so judging a large account
// makes a handful of strings, not one per member.
var titles = titleCache{m: map[string]string{}}

type titleCache struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *titleCache) of(role string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.m[role]; ok {
		return t
	}
	t := role
	if r, size := utf8.DecodeRuneInString(role); size > 0 {
		t = string(unicode.ToUpper(r)) + role[size:]
	}
	if len(c.m) < 64 { // roles are few; a hostile snapshot cannot grow this
		c.m[role] = t
	}
	return t
}

// InIDOrder puts staff in id order in place, keeping the later read of a
// member read twice (a list that moved while it was read), and returns the
// slice without the earlier reads.
func InIDOrder(staff []Staff) []Staff {
	if !slices.IsSortedFunc(staff, CompareID) {
		slices.SortStableFunc(staff, CompareID)
	}
	kept := staff[:0]
	for i, u := range staff {
		if i+1 == len(staff) || staff[i+1].ID != u.ID {
			kept = append(kept, u)
		}
	}
	clear(staff[len(kept):])
	return kept
}

// CompareID orders staff by id.
func CompareID(a, b Staff) int { return cmp.Compare(a.ID, b.ID) }

// Group is a group of staff (a Zendesk group, a GitHub team).
type Group struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Deleted bool   `json:"deleted,omitempty"`
}

// Membership links a member to a group.
type Membership struct {
	UserID  int64 `json:"user_id"`
	GroupID int64 `json:"group_id"`
	Default bool  `json:"default,omitempty"`
}

// Roster is an account's staff, groups and memberships, with the point a
// later sync resumes from.
type Roster struct {
	// Cursor is the connector's own resume point ("" when it reads
	// everything every time, or before the first full sync).
	Cursor      string       `json:"cursor"`
	Staff       []Staff      `json:"staff"`
	Groups      []Group      `json:"groups"`
	Memberships []Membership `json:"memberships"`
	// GroupsRead is when Groups and Memberships were last read; a sync
	// between reads carries them over.
	GroupsRead time.Time `json:"groups_read_at,omitzero"`
}

// StaffSync is how one staff sync goes.
type StaffSync struct {
	// Prev is the roster the last sync saved; nil for the first.
	Prev *Roster
	// Resume is where a full read cut off before continues: the Cursor of
	// the last Stretch its caller kept ("" to start from the beginning).
	// Only a StaffLister's ListStaff reads it.
	Resume string
	// Progress, when set, is told what the sync has read so far after
	// each page or call, so a long one can be reported while it runs.
	Progress func(StaffSyncStats)
	// Groups asks for groups and memberships to be read again; without
	// it a connector that can keeps Prev's (for the members still
	// there), since they change far less often than seats and can cost
	// more to read.
	Groups bool
}

// Stretch is a full read's members since the one before.
type Stretch struct {
	// Cursor is where the read continues after this stretch (StaffSync's
	// Resume).
	Cursor string
	// Read are the staff read since the previous stretch (or since the
	// start, or since Resume when the read continued from it), in any
	// order. The slice is the connector's: it is valid only during the
	// call.
	Read []Staff
	// First: the read did not continue from Resume, so this stretch
	// begins it and every stretch kept before is void.
	First bool
}

// StaffSyncStats says what a staff sync read.
type StaffSyncStats struct {
	Full    bool
	Resumed bool // a full sync continued from Resume
	// Restarted: the SaaS refused the stored cursor, so a full sync ran
	// instead.
	Restarted bool
	Requests  int // pages or calls made
	Seen      int // records read (users, members, seats)
	Added     int // staff that joined the roster
	Removed   int // staff that left it
	// Fallback says why the connector read the costlier way (a list the
	// SaaS refused); "" when it did not.
	Fallback string
	// GroupsRead: groups and memberships were read this time. GroupsFailed
	// says why reading them failed; the seats were synced all the same,
	// with the last groups read.
	GroupsRead   bool
	GroupsFailed string
}

// StaffSource reads an account's staff.
type StaffSource interface {
	// SyncStaff returns the account's roster now, reading only what
	// changed since sync.Prev when it can. Any error leaves nothing half
	// done: the caller keeps the previous roster.
	SyncStaff(ctx context.Context, sync StaffSync) (Roster, StaffSyncStats, error)
}

// StaffChanges is what changed in an account's staff since a cursor: what
// a sync merges into the stored roster without holding it whole.
type StaffChanges struct {
	// Cursor is where the next sync resumes.
	Cursor string
	// Changed holds, by id, each member who joined or changed, and nil
	// for each id that is no longer staff (which may never have been).
	Changed map[int64]*Staff
	// Refresh, when set, brings a member the feed did not mention up to
	// date (a custom role renamed since they last changed).
	Refresh func(*Staff)
	// Groups and Memberships, when the stats say GroupsRead, replace the
	// roster's; otherwise the roster keeps its own.
	Groups      []Group
	Memberships []Membership
}

// StaffFollower is a StaffSource that can read only what changed since a
// roster's cursor.
type StaffFollower interface {
	StaffSource
	// FollowStaff reads what changed since cursor. sync.Groups asks for
	// groups and memberships; sync.Prev and sync.Resume are not used.
	// ErrCursorRefused when the SaaS no longer takes the cursor: a full
	// SyncStaff is then due.
	FollowStaff(ctx context.Context, cursor string, sync StaffSync) (StaffChanges, StaffSyncStats, error)
}

// StaffLister is a StaffFollower whose full read need not be held whole:
// the members go to the caller a stretch at a time as they are read, and
// what changed while they were read comes after, as changes to apply over
// them. An account of any size then costs its caller one stretch in
// memory, and a read cut off resumes after the last stretch kept.
type StaffLister interface {
	StaffFollower
	// ListStaff reads every member from the start, or from sync.Resume,
	// giving stretch each stretch as it is read; an error from stretch
	// ends the read with it. The changes returned (who joined, changed or
	// left while the stretches were read, and groups and memberships,
	// always read) apply over every stretch kept, later reads over
	// earlier ones, and their Cursor is where FollowStaff continues.
	ListStaff(ctx context.Context, sync StaffSync, stretch func(Stretch) error) (StaffChanges, StaffSyncStats, error)
}

// ErrCursorRefused: the SaaS refused a stored sync cursor (expired, or of
// another account).
var ErrCursorRefused = errors.New("connector: the sync cursor was refused")
