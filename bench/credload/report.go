package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
	"github.com/seatwarden/seatwarden/credentials"
)

// storeFigures are one store's results.
type storeFigures struct {
	Store string

	Staff        int
	SeatRequests int
	SeatSync     time.Duration

	// The first credential sync.
	Requests       map[string]int // per endpoint
	Limited        int            // answered 429 (and retried)
	Sync           time.Duration
	SyncPeakHeap   uint64
	Counts         map[credentials.Kind]int
	Problems       map[credentials.Kind]string
	InventoryBytes int

	Claims             int
	ClaimP50, ClaimP99 time.Duration

	// The second sync, with the claims' entries in the register.
	Resync         time.Duration
	ResyncRequests int

	// Service.Evaluate, then Summarize and DigestItems.
	EvalP50, EvalP99     time.Duration
	DigestP50, DigestP99 time.Duration
	FreshEval            time.Duration
	EvalPeakHeap         uint64
	Items, Entries       int
	Orphaned             map[credentials.Kind]int
	Countdown            credentials.Countdown
	DigestOwners         int
	AdminItems           int

	HeapAfter uint64
	// The process's peak RSS before and after the first credential sync,
	// after the claims and the re-sync, and at the end.
	RSSBeforeSync, RSSAfterSync, RSSAfterClaims, MaxRSS uint64

	Failures []string
}

func (f *storeFigures) total() int {
	n := 0
	for _, v := range f.Requests {
		n += v
	}
	return n
}

func (f *storeFigures) credentialCount() int {
	n := 0
	for _, v := range f.Counts {
		n += v
	}
	return n
}

// check records every way the run differs from the generated account or
// exceeds the lower bound.
func (f *storeFigures) check(acct *account, o options) {
	fail := func(format string, a ...any) { f.Failures = append(f.Failures, fmt.Sprintf(format, a...)) }
	for _, k := range credentials.Kinds {
		if f.Counts[k] != acct.counts[k] {
			fail("%d %ss in the inventory, %d in the account", f.Counts[k], k.Label(), acct.counts[k])
		}
		if p := f.Problems[k]; p != "" {
			fail("%ss: %s", k.Label(), p)
		}
	}
	if f.total() > acct.lowerBound() || f.ResyncRequests > acct.lowerBound() {
		fail("%d and %d requests for the two syncs, lower bound %d", f.total(), f.ResyncRequests, acct.lowerBound())
	}
	if want := min(o.Claims, f.credentialCount()); f.Claims != want || f.Entries != want {
		fail("%d claims made and %d register entries, want %d", f.Claims, f.Entries, want)
	}
	if f.Items != f.credentialCount() {
		fail("the register shows %d items for %d credentials", f.Items, f.credentialCount())
	}
}

func perSecond(n int, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return benchkit.Commas(int(float64(n)/d.Seconds() + 0.5))
}

func ms(d time.Duration) string { return benchkit.Millis(float64(d) / float64(time.Millisecond)) }

// print writes one store's results.
func (f *storeFigures) print(w io.Writer, acct *account) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-18s\tcredentials\trequests\tlower bound\t\n", "endpoint")
	kinds := map[string]credentials.Kind{
		"api_tokens": credentials.APIToken, "oauth_clients": credentials.OAuthClient,
		"oauth_tokens": credentials.OAuthToken, "app_installations": credentials.App,
	}
	for _, e := range credentialEndpoints {
		fmt.Fprintf(tw, "%-18s\t%s\t%s\t%s\t\n", e, benchkit.Commas(f.Counts[kinds[e]]), benchkit.Commas(f.Requests[e]), benchkit.Commas(acct.bound[e]))
	}
	for _, e := range slices.Sorted(maps.Keys(f.Requests)) {
		if !slices.Contains(credentialEndpoints, e) {
			fmt.Fprintf(tw, "%-18s\t\t%s\t0\t\n", e, benchkit.Commas(f.Requests[e]))
		}
	}
	fmt.Fprintf(tw, "%-18s\t%s\t%s\t%s\t\n", "total", benchkit.Commas(f.credentialCount()), benchkit.Commas(f.total()), benchkit.Commas(acct.lowerBound()))
	_ = tw.Flush()
	fmt.Fprintln(w)

	fmt.Fprintf(w, "requests              %s of %s  %s", benchkit.Commas(f.total()), benchkit.Commas(acct.lowerBound()), benchkit.Verdict(f.total() <= acct.lowerBound()))
	if f.Limited > 0 {
		fmt.Fprintf(w, " (%d answered 429 and retried)", f.Limited)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "credential sync       %s, %s credentials/s, peak heap %s; inventory stored as %s of JSON\n",
		ms(f.Sync), perSecond(f.credentialCount(), f.Sync), benchkit.BytesText(f.SyncPeakHeap), benchkit.BytesText(uint64(f.InventoryBytes)))
	if f.Claims > 0 {
		fmt.Fprintf(w, "claims                %s through the service, latency p50 %s, p99 %s\n", benchkit.Commas(f.Claims), ms(f.ClaimP50), ms(f.ClaimP99))
	}
	fmt.Fprintf(w, "re-sync               %s with %s register entries, %s requests\n", ms(f.Resync), benchkit.Commas(f.Entries), benchkit.Commas(f.ResyncRequests))
	fmt.Fprintf(w, "evaluate              p50 %s, p99 %s (Service.Evaluate: read and join %s items); summarize + digest items p50 %s, p99 %s; peak heap %s\n",
		ms(f.EvalP50), ms(f.EvalP99), benchkit.Commas(f.Items), ms(f.DigestP50), ms(f.DigestP99), benchkit.BytesText(f.EvalPeakHeap))
	fmt.Fprintf(w, "evaluate, fresh       %s (decodes the stored inventory first, as another replica or a restart does)\n", ms(f.FreshEval))
	var orphans []string
	total := 0
	for _, k := range credentials.Kinds {
		orphans = append(orphans, fmt.Sprintf("%s %s of %s", k.Label()+"s", benchkit.Commas(f.Orphaned[k]), benchkit.Commas(f.Counts[k])))
		total += f.Orphaned[k]
	}
	fmt.Fprintf(w, "orphans               %s: %s\n", benchkit.Commas(total), strings.Join(orphans, ", "))
	c := f.Countdown
	fmt.Fprintf(w, "API tokens left       %s (%s active, %s used in the last 30 days, %s claimed), %s days before Zendesk retires them\n",
		benchkit.Commas(c.Remaining), benchkit.Commas(c.Active), benchkit.Commas(len(c.UsedRecently)), benchkit.Commas(c.Remaining-c.Owners[""]), benchkit.Commas(c.DaysLeft))
	fmt.Fprintf(w, "digests               %s owners with something to do, %s items in the admins' digest\n", benchkit.Commas(f.DigestOwners), benchkit.Commas(f.AdminItems))
	fmt.Fprintf(w, "memory                go heap in use after %s; max RSS %s before the credential sync, %s after it, %s after the claims and re-sync, %s at the end (whole process: generation, emulator, client, store)\n",
		benchkit.BytesText(f.HeapAfter), benchkit.BytesText(f.RSSBeforeSync), benchkit.BytesText(f.RSSAfterSync), benchkit.BytesText(f.RSSAfterClaims), benchkit.BytesText(f.MaxRSS))
	for _, msg := range f.Failures {
		fmt.Fprintf(w, "FAIL                  %s\n", msg)
	}
}

// report is the whole run.
type report struct {
	Options      options
	Account      *account
	Stores       []*storeFigures
	RedisSkipped string
	Pass         bool
}

func (r *report) finish() {
	r.Pass = len(r.Stores) > 0
	for _, f := range r.Stores {
		if len(f.Failures) > 0 {
			r.Pass = false
		}
	}
}

// print writes the stores side by side and the verdict.
func (r *report) print(w io.Writer) {
	a := r.Account
	fmt.Fprintf(w, "\n%s API tokens, %s OAuth clients, %s OAuth tokens, %s apps; %s staff; ",
		benchkit.Commas(a.counts[credentials.APIToken]), benchkit.Commas(a.counts[credentials.OAuthClient]),
		benchkit.Commas(a.counts[credentials.OAuthToken]), benchkit.Commas(a.counts[credentials.App]), benchkit.Commas(a.staff))
	if r.Options.RPM > 0 {
		fmt.Fprintf(w, "account limit %s/min\n", benchkit.Commas(r.Options.RPM))
	} else {
		fmt.Fprintf(w, "no account limit\n")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-17s\trequests\tbound\tsync\tcred/s\tinventory\tre-sync\tclaim p50\teval p50\teval p99\tfresh eval\tsync heap\tmax RSS\t\n", "store")
	for _, f := range r.Stores {
		fmt.Fprintf(tw, "%-17s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", f.Store,
			benchkit.Commas(f.total()), benchkit.Commas(a.lowerBound()), ms(f.Sync), perSecond(f.credentialCount(), f.Sync),
			benchkit.BytesText(uint64(f.InventoryBytes)), ms(f.Resync), ms(f.ClaimP50), ms(f.EvalP50), ms(f.EvalP99), ms(f.FreshEval),
			benchkit.BytesText(f.SyncPeakHeap), benchkit.BytesText(f.MaxRSS))
	}
	_ = tw.Flush()
	if r.RedisSkipped != "" {
		fmt.Fprintf(w, "Redis skipped: %s\n", r.RedisSkipped)
	}
	if o := r.Options; o.RPM > 0 {
		burst, rate := max(1, o.RPM/6), float64(o.RPM)/60
		fmt.Fprintf(w, "at %s requests/minute the client's budget (a burst of %d, then %.1f a second) holds a %d-request sync for at least %.1fs with the burst left, %.1fs once it is spent\n",
			benchkit.Commas(o.RPM), burst, rate, a.lowerBound(), float64(max(a.lowerBound()-burst, 0))/rate, float64(a.lowerBound())/rate)
	}
	fmt.Fprintf(w, "result: %s (every credential read, requests at the lower bound, every claim in the register)\n", benchkit.Verdict(r.Pass))
}
