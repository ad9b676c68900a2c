package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
)

// phaseFigures are one phase's results on one store.
type phaseFigures struct {
	Name        string
	Requests    int
	Calls       int
	Approvals   int // stored, over every request
	Transitions int // calls that moved a request to approved
	// Latencies of Approve calls that recorded an approval, and of those
	// refused because the request had moved on; sorted.
	Winners, Refused []time.Duration
	Errors           int // calls that failed otherwise
	Wall             time.Duration
	// The store operations of the phase's Approve calls.
	Ops      storeOps
	Failures []string
	Broken   int
}

// storeOps count store operations: votes cast, records read, and
// compare-and-set writes with those that lost a race (and were retried).
type storeOps struct {
	Votes, Reads, Writes, Conflicts int64
}

func (ph *phaseFigures) rate() string {
	if ph.Wall <= 0 {
		return "-"
	}
	return benchkit.Rate(float64(ph.Transitions) / ph.Wall.Seconds())
}

// storeFigures are one store's results.
type storeFigures struct {
	Store  string
	Phases []*phaseFigures
}

func ms(d time.Duration) string { return benchkit.Millis(float64(d) / float64(time.Millisecond)) }

// report is the whole run.
type report struct {
	Options      options
	Stores       []*storeFigures
	RedisSkipped string
	Pass         bool
}

func (r *report) finish() {
	r.Pass = len(r.Stores) > 0
	for _, f := range r.Stores {
		for _, ph := range f.Phases {
			if len(ph.Failures) > 0 {
				r.Pass = false
			}
		}
	}
}

// print writes every store's phases as one table and the verdict.
func (r *report) print(w io.Writer) {
	o := r.Options
	fmt.Fprintf(w, "\n%s high-risk requests per phase, %d approvals needed, %d approvers pressing Approve on each at once\n",
		benchkit.Commas(o.Requests), o.Needed, o.Approvers)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-16s\t%-13s\trequests\tapprovals\ttransitions\twinners p50\tp99\tmax\trefused p50\tp99\tmax\ttransitions/s\tvotes\treads\tCAS writes\tconflicts\tresult\t\n", "store", "phase")
	for _, f := range r.Stores {
		for _, ph := range f.Phases {
			fmt.Fprintf(tw, "%-16s\t%-13s\t%s\t%s/%s\t%s/%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
				f.Store, ph.Name, benchkit.Commas(ph.Requests),
				benchkit.Commas(ph.Approvals), benchkit.Commas(ph.Requests*o.Needed),
				benchkit.Commas(ph.Transitions), benchkit.Commas(ph.Requests),
				ms(benchkit.Quantile(ph.Winners, 0.5)), ms(benchkit.Quantile(ph.Winners, 0.99)), ms(benchkit.Quantile(ph.Winners, 1)),
				ms(benchkit.Quantile(ph.Refused, 0.5)), ms(benchkit.Quantile(ph.Refused, 0.99)), ms(benchkit.Quantile(ph.Refused, 1)),
				ph.rate(), benchkit.Commas(int(ph.Ops.Votes)), benchkit.Commas(int(ph.Ops.Reads)),
				benchkit.Commas(int(ph.Ops.Writes)), benchkit.Commas(int(ph.Ops.Conflicts)),
				benchkit.Verdict(len(ph.Failures) == 0))
		}
	}
	_ = tw.Flush()
	if r.RedisSkipped != "" {
		fmt.Fprintf(w, "Redis skipped: %s\n", r.RedisSkipped)
	}
	fmt.Fprintf(w, "result: %s (per request: %d approvals stored, one transition, every other call refused as not pending, the outcome promised and audited once)\n",
		benchkit.Verdict(r.Pass), o.Needed)
}
