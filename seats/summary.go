package seats

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sort"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/store"
)

// Tally counts seats and what they cost per month.
type Tally struct {
	Seats int
	Cost  float64
}

func (t *Tally) add(s Seat) {
	t.Seats++
	t.Cost += s.MonthlyCost
}

// Summary answers "how many paid seats, how many idle, what do they cost".
type Summary struct {
	SyncedAt       time.Time
	Currency       string
	InactivityDays int
	Paid           Tally
	ByCategory     map[Category]Tally
	Active         Tally
	// Inactive is also what removing the inactive seats would save.
	Inactive      Tally
	NeverLoggedIn int
	// Free counts staff holding no paid seat, by kind.
	Free map[string]int
}

// Report is every staff member judged at one moment.
type Report struct {
	Summary Summary
	// Paid lists the paid seats, most inactive first.
	Paid []Seat
	// Free lists staff without a paid seat.
	Free []Seat
}

// Evaluate judges every staff member of snap at now.
func Evaluate(snap *store.Snapshot, p Policy, now time.Time) Report {
	ix := NewIndex(snap, p)
	all := make([]Seat, len(snap.Staff))
	for i, u := range snap.Staff {
		all[i] = ix.Evaluate(u, p, now)
	}
	return report(all, p, snap.SyncedAt)
}

// judgeAttempts bounds how often Judge starts again after saves replaced
// the snapshot under it.
const judgeAttempts = 4

// Judge is Evaluate of the stored snapshot of name, read a member at a
// time: the members are never held beside their seats, so judging a large
// account costs what its seats cost. The snapshot returned holds the rest
// (groups, memberships, where the syncs stand), without members, with
// the Base and Patched the members were read at.
func Judge(ctx context.Context, snaps store.Snapshots, name string, p Policy, now time.Time) (Report, *store.Snapshot, error) {
	for attempt := 1; ; attempt++ {
		r, snap, err := judge(ctx, snaps, name, p, now)
		if errors.Is(err, store.ErrSnapshotReplaced) && attempt < judgeAttempts {
			continue
		}
		return r, snap, err
	}
}

func judge(ctx context.Context, snaps store.Snapshots, name string, p Policy, now time.Time) (Report, *store.Snapshot, error) {
	// The head counts the members, so the seats take one allocation; a
	// save between the two reads makes the count a hint, no more.
	head, err := snaps.ReadSnapshot(ctx, name, nil)
	if err != nil {
		return Report{}, nil, err
	}
	// The stored content has the groups after the members: each seat is
	// judged on its own first, and placed in its groups once they are read.
	alone := NewIndex(&store.Snapshot{}, p)
	all := make([]Seat, 0, head.Members)
	snap, err := snaps.ReadSnapshot(ctx, name, func(u connector.Staff) error {
		all = append(all, alone.Evaluate(u, p, now))
		return nil
	})
	if err != nil {
		return Report{}, nil, err
	}
	ix := NewIndex(snap, p)
	for i := range all {
		ix.place(&all[i])
	}
	return report(all, p, snap.SyncedAt), snap, nil
}

// Patched is r with a snapshot's patches applied, each patched member
// judged at now as Judge judges them, in the groups of snap (the
// snapshot r was judged from, its members aside). whole is false when a
// patch puts a member r does not hold: one an earlier patch took out
// comes back, and one the snapshot never held is left out, which r
// cannot tell apart; the snapshot is then to be judged again.
func (r Report) Patched(snap *store.Snapshot, patches []store.MemberPatch, p Policy, now time.Time) (patched Report, whole bool) {
	byID := make(map[int64]store.MemberPatch, len(patches))
	for _, pt := range patches {
		byID[pt.ID] = pt // the later patch of a member stands
	}
	ix := NewIndex(snap, p)
	all := make([]Seat, 0, len(r.Paid)+len(r.Free))
	for _, list := range [][]Seat{r.Paid, r.Free} {
		for _, st := range list {
			pt, ok := byID[st.User.ID]
			switch {
			case !ok:
				all = append(all, st)
				continue
			case pt.Member != nil:
				all = append(all, ix.Evaluate(*pt.Member, p, now))
			}
			delete(byID, pt.ID)
		}
	}
	for _, pt := range byID {
		if pt.Member != nil {
			return r, false
		}
	}
	return report(all, p, r.Summary.SyncedAt), true
}

// report counts the judged seats and splits them, in place, into Paid and
// Free, each most inactive first.
func report(all []Seat, p Policy, syncedAt time.Time) Report {
	r := Report{Summary: newSummary(p)}
	r.Summary.SyncedAt = syncedAt
	paid := 0
	for i := range all {
		r.count(all[i])
		if all[i].Paid {
			all[paid], all[i] = all[i], all[paid]
			paid++
		}
	}
	r.Paid, r.Free = all[:paid:paid], all[paid:]
	sortMostInactiveFirst(r.Paid)
	sortMostInactiveFirst(r.Free)
	return r
}

// sortMostInactiveFirst sorts list as MostInactiveFirst orders it. A Seat
// is some 250 bytes, and a sort moves each many times: sorting small keys
// and then moving each seat once to its place is several times faster.
func sortMostInactiveFirst(list []Seat) {
	type key struct {
		days int
		id   int64
		at   int // where the seat is now; -1 once it is in its place
	}
	keys := make([]key, len(list))
	for i := range list {
		keys[i] = key{days: list[i].DaysInactive, id: list[i].User.ID, at: i}
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(cmp.Compare(b.days, a.days), cmp.Compare(a.id, b.id)) })
	// list[i] takes the seat at keys[i].at: follow each cycle of the
	// permutation, holding one seat aside.
	for i := range keys {
		if keys[i].at < 0 {
			continue
		}
		held, j := list[i], i
		for {
			from := keys[j].at
			keys[j].at = -1
			if from == i {
				list[j] = held
				break
			}
			list[j] = list[from]
			j = from
		}
	}
}

// MostInactiveFirst orders seats as Report lists them: by days inactive,
// most first, then by member id.
func MostInactiveFirst(a, b Seat) int {
	return cmp.Or(cmp.Compare(b.DaysInactive, a.DaysInactive), cmp.Compare(a.User.ID, b.User.ID))
}

func newSummary(p Policy) Summary {
	return Summary{Currency: p.Pricing.Currency, InactivityDays: p.InactivityDays,
		ByCategory: make(map[Category]Tally, len(Categories)), Free: map[string]int{}}
}

// Summarize is Evaluate's Summary of the stored snapshot of name, read a
// chunk at a time: it holds no member longer than it takes to count them.
func Summarize(ctx context.Context, snaps store.Snapshots, name string, p Policy, now time.Time) (Summary, error) {
	// The summary names no group, so the index needs none.
	ix := NewIndex(&store.Snapshot{}, p)
	r := Report{Summary: newSummary(p)}
	snap, err := snaps.ReadSnapshot(ctx, name, func(u connector.Staff) error {
		r.count(ix.Evaluate(u, p, now))
		return nil
	})
	if err != nil {
		return Summary{}, err
	}
	r.Summary.SyncedAt = snap.SyncedAt
	return r.Summary, nil
}

// count counts s in the summary.
func (r *Report) count(s Seat) {
	sum := &r.Summary
	if !s.Paid {
		sum.Free[s.Free()]++
		return
	}
	sum.Paid.add(s)
	t := sum.ByCategory[s.Category]
	t.add(s)
	sum.ByCategory[s.Category] = t
	if s.Inactive {
		sum.Inactive.add(s)
		if s.NeverLoggedIn {
			sum.NeverLoggedIn++
		}
	} else {
		sum.Active.add(s)
	}
}

// InactiveSeats returns the paid seats inactive for at least days, most
// inactive first. days below 1 uses the policy's threshold. Paid is sorted
// most inactive first, so the answer is its prefix: it shares Paid's
// memory, and callers that filter it must copy.
func (r Report) InactiveSeats(days int) []Seat {
	if days < 1 {
		days = r.Summary.InactivityDays
	}
	n := sort.Search(len(r.Paid), func(i int) bool { return r.Paid[i].DaysInactive < days })
	return r.Paid[:n:n]
}
