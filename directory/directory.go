// Package directory is the company directory as seatwarden reads it from
// an identity source (Okta, Microsoft Entra ID, Google Workspace, SCIM):
// who still works here, by every email they answer to, and who is whose
// manager. The domain owns these types; each source's integration maps its
// own users onto Person.
//
// A directory is trusted only when reading it went well: a failed, stale
// or suddenly much smaller read is never taken to mean that people left
// (Check), since acting on it could remove the seats of half the company.
package directory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/people"
)

// Status is where a person's account stands in the directory.
type Status string

// Statuses. Anything but Active means the person cannot sign in: they
// left, or are suspended.
const (
	Active      Status = "active"
	Suspended   Status = "suspended"
	Deactivated Status = "deactivated"
	Deleted     Status = "deleted"
)

// Departed reports whether s is a person who can no longer work: the
// directory deactivated, suspended or deleted them.
func (s Status) Departed() bool { return s != Active }

// Person is one person of the directory.
type Person struct {
	// ID is the source's own id for the person.
	ID string `json:"id"`
	// Emails are every address the person answers to, the primary first,
	// lower case: aliases match a Zendesk or GitHub email that differs
	// from the directory's primary one.
	Emails []string `json:"emails"`
	Name   string   `json:"name,omitempty"`
	Status Status   `json:"status"`
	// Changed is when the status last changed, when the source says.
	Changed time.Time `json:"changed,omitzero"`
	// ManagerID is the manager's id as the source gives it; Manager is
	// their primary email once resolved against the directory ("" when
	// the id names nobody in it).
	ManagerID string `json:"manager_id,omitempty"`
	Manager   string `json:"manager,omitempty"`
	// ManagerRemoved, in a partial change, says the person no longer has
	// a manager (an empty ManagerID there means "unchanged").
	ManagerRemoved bool   `json:"-"`
	Department     string `json:"department,omitempty"`
	Title          string `json:"title,omitempty"`
}

// Email is the person's primary email.
func (p Person) Email() string {
	if len(p.Emails) == 0 {
		return ""
	}
	return p.Emails[0]
}

// Snapshot is the directory as last read from one source.
type Snapshot struct {
	Source string    `json:"source"`
	ReadAt time.Time `json:"read_at"`
	// Cursor continues an incremental read where this one stopped; ""
	// when the source reads everyone every time.
	Cursor string   `json:"cursor,omitempty"`
	People []Person `json:"people"`

	// index is built once, on first use, and shared by every reader.
	index *lazyIndex
}

type lazyIndex struct {
	once     sync.Once
	ix       *Index
	leftOnce sync.Once
	left     map[string]time.Time
}

// Read is what one read of a source returned.
type Read struct {
	// People are everyone (Full) or those changed since the cursor.
	People []Person
	Full   bool
	// Cursor is where the next incremental read starts.
	Cursor string
	// Requests is how many requests the read made.
	Requests int
	// Partial: a change read whose people carry only what changed (a
	// Graph delta): an empty field, or Status "", keeps what the
	// directory had.
	Partial bool
}

// Source is an identity source: an integration implements it.
type Source interface {
	// Name names the source ("okta").
	Name() string
	// ReadPeople reads everyone when cursor is "", else who changed since
	// it, when the source can tell (a source that cannot reads everyone
	// and says Full).
	ReadPeople(ctx context.Context, cursor string) (Read, error)
}

// ReadEveryone is a full read for a source with no change feed: list
// hands each page of users to its callback and returns how many requests
// it made; person maps a user.
func ReadEveryone[U any](ctx context.Context, list func(context.Context, func([]U) error) (int, error), person func(U) Person) (Read, error) {
	r := Read{Full: true}
	n, err := list(ctx, func(users []U) error {
		for _, u := range users {
			r.People = append(r.People, person(u))
		}
		return nil
	})
	r.Requests = n
	return r, err
}

// KeepDeleted is how long people a source stopped listing stay in the
// directory as deleted, long enough for every job to act on it.
const KeepDeleted = 90 * 24 * time.Hour

// Normalize makes p's emails lower case, valid, without repeats, the
// primary first; it reports whether any email is left.
func Normalize(p *Person) bool {
	var out []string
	for _, e := range p.Emails {
		e, err := people.ParseEmail(e)
		if err == nil && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	p.Emails = out
	return len(out) > 0
}

// Merge applies a read to the previous snapshot, taking r.People over
// (a large directory is not copied): a full read replaces it,
// an incremental one replaces the people it names (by ID) and keeps the
// rest. Managers are resolved from ids to emails afterwards.
func Merge(prev *Snapshot, source string, r Read, now time.Time) *Snapshot {
	r.People = oncePerID(r.People, r.Partial, now)
	next := &Snapshot{Source: source, ReadAt: now, Cursor: r.Cursor}
	switch {
	case prev == nil:
		next.People = r.People
	case r.Full:
		// Someone a full read no longer lists was deleted; they stay, as
		// deleted, for a while, so their seats are raised.
		next.People = r.People
		listed := make(map[string]bool, len(r.People))
		for _, p := range r.People {
			listed[p.ID] = true
		}
		// A source that does not date status changes (Graph) keeps the
		// date the directory gave the change when it saw it.
		was := make(map[string]Person, len(prev.People))
		for _, p := range prev.People {
			was[p.ID] = p
		}
		for i, p := range next.People {
			if old, ok := was[p.ID]; ok && p.Changed.IsZero() {
				if old.Status == p.Status {
					next.People[i].Changed = old.Changed
				} else {
					next.People[i].Changed = now
				}
			}
		}
		for _, p := range prev.People {
			switch {
			case listed[p.ID]:
			case p.Status != Deleted:
				p.Status, p.Changed = Deleted, now
				next.People = append(next.People, p)
			case now.Sub(p.Changed) < KeepDeleted:
				next.People = append(next.People, p)
			}
		}
	default:
		changed := make(map[string]Person, len(r.People))
		for _, p := range r.People {
			changed[p.ID] = p
		}
		next.People = make([]Person, 0, len(prev.People)+len(r.People))
		for _, p := range prev.People {
			if c, ok := changed[p.ID]; ok {
				if r.Partial {
					c = overlay(p, c, now)
				}
				p = c
				delete(changed, c.ID)
			}
			next.People = append(next.People, p)
		}
		for _, p := range r.People {
			if _, new := changed[p.ID]; new {
				if p.Status == "" {
					p.Status = Active // a newcomer a change read names without a status
				}
				next.People = append(next.People, p)
			}
		}
	}
	slices.SortFunc(next.People, func(a, b Person) int { return cmp.Compare(a.ID, b.ID) })
	next.index = &lazyIndex{}
	next.resolveManagers()
	return next
}

// oncePerID keeps one entry per person of a read, in first-seen order:
// a later entry replaces an earlier one, or, in a partial read, is laid
// over it (a source may name someone twice in one round).
func oncePerID(ps []Person, partial bool, now time.Time) []Person {
	at := make(map[string]int, len(ps))
	out := ps[:0]
	for _, p := range ps {
		i, seen := at[p.ID]
		switch {
		case !seen:
			at[p.ID] = len(out)
			out = append(out, p)
		case partial:
			out[i] = overlay(out[i], p, now)
		default:
			out[i] = p
		}
	}
	return out
}

// overlay is prev with what a partial change c says changed; a status
// change without a time is dated now.
func overlay(prev, c Person, now time.Time) Person {
	if len(c.Emails) > 0 {
		prev.Emails = c.Emails
	}
	if c.Status != "" && c.Status != prev.Status {
		prev.Status, prev.Changed = c.Status, cmp.Or(c.Changed, now)
	}
	prev.Name = cmp.Or(c.Name, prev.Name)
	prev.ManagerID = cmp.Or(c.ManagerID, prev.ManagerID)
	if c.ManagerRemoved {
		prev.ManagerID = ""
	}
	prev.Department = cmp.Or(c.Department, prev.Department)
	prev.Title = cmp.Or(c.Title, prev.Title)
	return prev
}

// resolveManagers fills each person's Manager from their ManagerID: the
// id of someone in the directory, else (HR imports put them there) one
// of their emails.
func (s *Snapshot) resolveManagers() {
	byID := make(map[string]string, len(s.People))
	for _, p := range s.People {
		byID[p.ID] = p.Email()
	}
	ix := s.Index()
	for i := range s.People {
		p := &s.People[i]
		p.Manager = ""
		if p.ManagerID == "" {
			continue
		}
		if m, ok := byID[p.ManagerID]; ok {
			p.Manager = m
		} else if m, ok := ix.Find(p.ManagerID); ok {
			p.Manager = m.Email()
		}
		if p.Manager == p.Email() {
			p.Manager = "" // nobody manages themselves
		}
	}
}

// Index finds people by any of their emails.
type Index struct {
	snap    *Snapshot
	byEmail map[string]int
	// Shared are emails more than one person answers to: they find
	// nobody, since guessing could take the wrong person's seat.
	Shared map[string][]string
}

// Index is the email index of s, built on first use. s must not change
// after it is asked for.
func (s *Snapshot) Index() *Index {
	if s.index == nil {
		return s.buildIndex()
	}
	s.index.once.Do(func() { s.index.ix = s.buildIndex() })
	return s.index.ix
}

func (s *Snapshot) buildIndex() *Index {
	ix := &Index{snap: s, byEmail: make(map[string]int, len(s.People)), Shared: map[string][]string{}}
	for i, p := range s.People {
		for _, e := range p.Emails {
			if j, dup := ix.byEmail[e]; dup && j != i {
				if j >= 0 {
					ix.Shared[e] = []string{s.People[j].ID}
				}
				ix.Shared[e] = append(ix.Shared[e], p.ID)
				ix.byEmail[e] = -1
				continue
			}
			ix.byEmail[e] = i
		}
	}
	return ix
}

// Find returns the one person who answers to email.
func (ix *Index) Find(email string) (Person, bool) {
	i, ok := ix.byEmail[people.Key(email)]
	if !ok || i < 0 {
		return Person{}, false
	}
	return ix.snap.People[i], true
}

// Safety is when a read is not trusted to say who left.
type Safety struct {
	// MinShare is the least share of the last good read's active people
	// a new read may leave active (default 0.5): fewer, and the read is
	// held.
	MinShare float64
}

// HeldError says why a read was not taken: the directory keeps the last
// good read, and nobody is treated as departed because of it.
type HeldError struct{ Why string }

func (e *HeldError) Error() string { return "directory: read held back: " + e.Why }

// Check decides whether next, merged from read r, may replace prev. A
// read with nobody in it, or leaving fewer than MinShare of prev's active
// people active, is held: a filter that went wrong, a permission taken
// away or a source returning a partial list looks just like a mass
// departure, and the cost of believing it is every seat removed.
func (sf Safety) Check(prev *Snapshot, r Read, next *Snapshot) error {
	share := cmp.Or(sf.MinShare, 0.5)
	if r.Full && len(r.People) == 0 {
		return &HeldError{Why: "the source listed nobody"}
	}
	if prev == nil {
		return nil
	}
	a, b := prev.Active(), next.Active()
	if float64(b) < share*float64(a) {
		return &HeldError{Why: fmt.Sprintf("%d of the %d active people would have left at once (more than %.0f%%)", a-b, a, (1-share)*100)}
	}
	return nil
}

// Active counts the people of s who have not departed.
func (s *Snapshot) Active() int {
	n := 0
	for _, p := range s.People {
		if !p.Status.Departed() {
			n++
		}
	}
	return n
}

// Leavers maps every email of everyone who departed to when they did
// (the read's time when the source does not say), built once per
// snapshot. The map is shared: callers must not change it.
func (s *Snapshot) Leavers() map[string]time.Time {
	if s.index == nil {
		return s.leavers()
	}
	s.index.leftOnce.Do(func() { s.index.left = s.leavers() })
	return s.index.left
}

func (s *Snapshot) leavers() map[string]time.Time {
	// An email an active person answers to is theirs, whoever else
	// answered to it before (a rehire, an address given again).
	active := map[string]bool{}
	for _, p := range s.People {
		if !p.Status.Departed() {
			for _, e := range p.Emails {
				active[e] = true
			}
		}
	}
	out := map[string]time.Time{}
	for _, p := range s.People {
		if !p.Status.Departed() {
			continue
		}
		when := cmp.Or(p.Changed, s.ReadAt)
		for _, e := range p.Emails {
			if !active[e] {
				out[e] = when
			}
		}
	}
	return out
}

// Departures are the people departed in next who were not in prev, or
// were there and active: who left since the last good read.
func Departures(prev, next *Snapshot) []Person {
	was := map[string]Status{}
	if prev != nil {
		for _, p := range prev.People {
			was[p.ID] = p.Status
		}
	}
	var out []Person
	for _, p := range next.People {
		if before, seen := was[p.ID]; p.Status.Departed() && (!seen || !before.Departed()) {
			out = append(out, p)
		}
	}
	return out
}

// Describe is a person in one line for logs and chat: "Dana Lee
// <dana@acme.example>, deactivated".
func Describe(p Person) string {
	var b strings.Builder
	if p.Name != "" {
		b.WriteString(p.Name + " <" + p.Email() + ">")
	} else {
		b.WriteString(p.Email())
	}
	b.WriteString(", " + string(p.Status))
	return b.String()
}

// Sources' names, as the store and logs name them.
const (
	Okta   = "okta"
	Graph  = "graph"
	Google = "google"
	SCIM   = "scim"
)

// Title names a source for people: "Okta", "Microsoft Entra ID".
func Title(source string) string {
	switch source {
	case Okta:
		return "Okta"
	case Graph:
		return "Microsoft Entra ID"
	case Google:
		return "Google Workspace"
	case SCIM:
		return "SCIM"
	}
	return source
}
