package seats

import (
	"cmp"
	"context"
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
	r := Report{Summary: Summary{
		SyncedAt:       snap.SyncedAt,
		Currency:       p.Pricing.Currency,
		InactivityDays: p.InactivityDays,
		ByCategory:     make(map[Category]Tally, len(Categories)),
		Free:           map[string]int{},
	},
		// Nearly every staff member holds a paid seat: one allocation
		// instead of a dozen growing copies of a large slice.
		Paid: make([]Seat, 0, len(snap.Staff))}
	for _, u := range snap.Staff {
		r.add(ix.Evaluate(u, p, now), true)
	}
	byInactivity := func(a, b Seat) int {
		return cmp.Or(cmp.Compare(b.DaysInactive, a.DaysInactive), cmp.Compare(a.User.ID, b.User.ID))
	}
	slices.SortFunc(r.Paid, byInactivity)
	slices.SortFunc(r.Free, byInactivity)
	return r
}

// Summarize is Evaluate's Summary of the stored snapshot of name, read a
// chunk at a time: it holds no member longer than it takes to count them.
func Summarize(ctx context.Context, snaps store.Snapshots, name string, p Policy, now time.Time) (Summary, error) {
	// The summary names no group, so the index needs none.
	ix := NewIndex(&store.Snapshot{}, p)
	var r Report
	r.Summary = Summary{Currency: p.Pricing.Currency, InactivityDays: p.InactivityDays,
		ByCategory: make(map[Category]Tally, len(Categories)), Free: map[string]int{}}
	snap, err := snaps.ReadSnapshot(ctx, name, func(u connector.Staff) error {
		r.add(ix.Evaluate(u, p, now), false)
		return nil
	})
	if err != nil {
		return Summary{}, err
	}
	r.Summary.SyncedAt = snap.SyncedAt
	return r.Summary, nil
}

// add counts s in the summary, and keeps it in Paid or Free when keep.
func (r *Report) add(s Seat, keep bool) {
	sum := &r.Summary
	if !s.Paid {
		if keep {
			r.Free = append(r.Free, s)
		}
		sum.Free[s.Free]++
		return
	}
	if keep {
		r.Paid = append(r.Paid, s)
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
