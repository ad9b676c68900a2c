package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
)

// report prints the run's one table: operations, faults, measurements,
// violations by kind, and the verdict.
func report(out io.Writer, o options, d *driver, v *verdict, faults *faultLog, locks *lockWatch, fo failoverFigures, elapsed, settled time.Duration) {
	p := func(format string, a ...any) { fmt.Fprintf(out, format+"\n", a...) }
	row := func(what string, value any) { p("  %-66s %v", what, value) }
	p("")
	p("seatwarden HA run: %d replicas, Redis with an append-only file, two replicas and a Sentinel; %s of traffic and faults; %s, %d CPUs, %s",
		o.Replicas, elapsed.Round(time.Second), runtime.Version(), runtime.NumCPU(), benchkit.Revision())
	p("")
	p("operations")
	decisions := d.decisions.Load()
	row("decisions acknowledged (review clicks and forms, approval votes, credential revokes and claims)", fmt.Sprintf("%s (%.0f a second)", benchkit.Commas(int(decisions)), float64(decisions)/elapsed.Seconds()))
	for _, r := range v.rates {
		row(r[0], r[1])
	}
	for _, a := range []struct {
		what string
		l    *latencies
	}{{"review clicks", &d.clickAcks}, {"Keep forms", &d.formAcks}, {"approval votes", &d.voteAcks}, {"credential revokes and claims", &d.credentialAcks}} {
		if n, p50, p99 := a.l.figures(); n > 0 {
			row("acknowledged in, "+a.what+" (p50 / p99)", fmt.Sprintf("%s / %s", benchkit.Millis(p50), benchkit.Millis(p99)))
		}
	}
	row("seat questions answered (Slack and Teams)", benchkit.Commas(int(d.questions.Load())))
	row("requests no replica acknowledged (all refused, 5xx, cut off)", benchkit.Commas(int(d.refused.Load())))
	for _, k := range v.order {
		row(k, benchkit.Commas(v.counts[k]))
	}
	p("")
	p("faults injected")
	faults.mu.Lock()
	for _, k := range faults.order {
		row(k, faults.counts[k])
	}
	for _, n := range faults.notes {
		p("  %s", n)
	}
	for _, e := range faults.errs {
		p("  NOT INJECTED: %s", e)
	}
	faults.mu.Unlock()
	p("")
	p("measured")
	n, worst, overdue := locks.figures()
	row(fmt.Sprintf("job locks of killed replicas taken over (TTL %s, tick 3s)", o.LockTTL), fmt.Sprintf("%d, slowest %s", n, worst.Round(10*time.Millisecond)))
	if fo.promoted > 0 {
		row("Sentinel failover: new master takes writes after", fo.promoted.Round(10*time.Millisecond))
		row("Sentinel failover: every replica ready again after", fo.allReady.Round(10*time.Millisecond))
		row("Sentinel failover: /readyz answers 503 meanwhile", fo.refused)
	}
	row("settling after the faults (decisions still being carried out)", settled.Round(100*time.Millisecond))
	for _, o := range overdue {
		v.violate("job lock held by a dead replica past its TTL", "%s", o)
	}
	if len(faults.errs) > 0 {
		v.violate("fault not injected", "%d of the schedule's faults", len(faults.errs))
	}
	p("")
	p("violations")
	kinds := make([]string, 0, len(v.violations))
	for k := range v.violations {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	if len(kinds) == 0 {
		p("  none")
	}
	for _, k := range kinds {
		list := v.violations[k]
		row(k, len(list))
		for _, e := range list[:min(3, len(list))] {
			p("      e.g. %s", e)
		}
	}
	p("")
	if v.total() == 0 {
		p("verdict: PASS — nothing lost, nothing doubled")
	} else {
		p("verdict: FAIL — %d violations", v.total())
	}
}

// latencies are how long requests took, for percentiles.
type latencies struct {
	mu   sync.Mutex
	took []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.took = append(l.took, d)
	l.mu.Unlock()
}

// figures are the count and the p50 and p99 in milliseconds.
func (l *latencies) figures() (n int, p50, p99 float64) {
	l.mu.Lock()
	s := slices.Sorted(slices.Values(l.took))
	l.mu.Unlock()
	ms := func(q float64) float64 { return float64(benchkit.Quantile(s, q)) / float64(time.Millisecond) }
	return len(s), ms(0.50), ms(0.99)
}
