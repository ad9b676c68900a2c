package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
)

// figures are one target's results as reported.
type figures struct {
	Target         string   `json:"target"`
	Requests       int      `json:"requests"`
	Errors         int      `json:"errors"`
	Throughput     float64  `json:"throughput_rps"`
	P50            float64  `json:"p50_ms"`
	P90            float64  `json:"p90_ms"`
	P99            float64  `json:"p99_ms"`
	Max            float64  `json:"max_ms"`
	WarmupRequests int      `json:"warmup_requests"`
	WarmupErrors   int      `json:"warmup_errors"`
	ErrorSamples   []string `json:"error_samples,omitempty"`

	p99 time.Duration
}

func newFigures(r *loadResult) figures {
	return figures{
		Target: r.Target, Requests: r.Requests, Errors: r.Errors, Throughput: r.Throughput(),
		P50: ms(r.Percentile(0.50)), P90: ms(r.Percentile(0.90)), P99: ms(r.Percentile(0.99)), Max: ms(r.Max()),
		WarmupRequests: r.WarmupRequests, WarmupErrors: r.WarmupErrors, ErrorSamples: r.Samples,
		p99: r.Percentile(0.99),
	}
}

// latencies are p50, p90, p99 and max joined by sep; dashes when no
// request succeeded.
func (f figures) latencies(sep string) string {
	if f.Requests == f.Errors {
		return strings.Join([]string{"-", "-", "-", "-"}, sep)
	}
	return strings.Join([]string{benchkit.Millis(f.P50), benchkit.Millis(f.P90), benchkit.Millis(f.P99), benchkit.Millis(f.Max)}, sep)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// report is a run's results, printed as a table or as JSON.
type report struct {
	At              time.Time `json:"at"`
	GoVersion       string    `json:"go_version"`
	Platform        string    `json:"platform"`
	CPUs            int       `json:"cpus"`
	Revision        string    `json:"revision,omitempty"`
	KeyPrefix       string    `json:"key_prefix"`
	Seats           int       `json:"seats"`
	Staff           int       `json:"staff"`
	SnapshotBytes   int       `json:"snapshot_bytes"`
	ZendeskRequests int       `json:"seed_zendesk_requests"`
	SeedSeconds     float64   `json:"seed_seconds"`
	Concurrency     int       `json:"concurrency"`
	DurationSeconds float64   `json:"duration_seconds"`
	WarmupSeconds   float64   `json:"warmup_seconds"`
	Text            string    `json:"text"`
	Expect          string    `json:"expect,omitempty"`
	Bare            figures   `json:"bare"`
	Full            figures   `json:"full"`
	// Ratio is the full stack's throughput over the bare handler's.
	Ratio       float64 `json:"throughput_ratio"`
	TargetP99   float64 `json:"target_p99_ms"`
	TargetRatio float64 `json:"target_ratio"`
	P99Pass     bool    `json:"p99_pass"`
	RatioPass   bool    `json:"ratio_pass"`
	// Pass: both targets met and no full-stack request failed.
	Pass bool `json:"pass"`
	// ResponseURLPosts counts full-stack answers that missed the adapter's
	// ack budget and were posted to response_url instead.
	ResponseURLPosts int64   `json:"response_url_posts"`
	HeapInuseSeeded  uint64  `json:"heap_inuse_after_seed_bytes"`
	HeapInuse        uint64  `json:"heap_inuse_after_run_bytes"`
	MaxRSS           uint64  `json:"max_rss_bytes"`
	Serving          serving `json:"serving_rss"`
	Rounds           int     `json:"rounds"`
	// Askers: people asking right after another replica's sync; nil
	// when skipped.
	Askers *askers `json:"askers,omitempty"`
}

// addAskers adds the askers' phase: it passes when every one of them was
// answered inline.
func (r *report) addAskers(a askers) {
	r.Askers = &a
	r.Pass = r.Pass && a.Pass()
}

func newReport(o options, s benchkit.SeedResult, expect string, bare, full *loadResult) *report {
	r := &report{
		At:              time.Now().UTC().Truncate(time.Second),
		GoVersion:       runtime.Version(),
		Platform:        runtime.GOOS + "/" + runtime.GOARCH,
		CPUs:            runtime.GOMAXPROCS(0),
		Revision:        benchkit.Revision(),
		Seats:           s.PaidSeats,
		Staff:           s.Staff,
		SnapshotBytes:   s.SnapshotBytes,
		ZendeskRequests: s.ZendeskRequests,
		SeedSeconds:     s.Duration.Seconds(),
		Concurrency:     o.Concurrency,
		DurationSeconds: o.Duration.Seconds(),
		WarmupSeconds:   o.Warmup.Seconds(),
		Text:            o.Text,
		Rounds:          o.Rounds,
		Expect:          expect,
		Bare:            newFigures(bare),
		Full:            newFigures(full),
		TargetP99:       ms(targetP99),
		TargetRatio:     targetRatio,
	}
	if r.Bare.Throughput > 0 {
		r.Ratio = r.Full.Throughput / r.Bare.Throughput
	}
	r.P99Pass = r.Full.Requests > r.Full.Errors && r.Full.p99 < targetP99
	r.RatioPass = r.Ratio >= targetRatio
	r.Pass = r.P99Pass && r.RatioPass && r.Full.Errors == 0
	return r
}

func (r *report) print(w io.Writer) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-12s\trequests\terrors\treq/s\tp50\tp90\tp99\tmax\t\n", "target")
	for _, f := range []figures{r.Bare, r.Full} {
		fmt.Fprintf(tw, "%-12s\t%s\t%s\t%s\t%s\t\n", f.Target, benchkit.Commas(f.Requests), benchkit.Commas(f.Errors), benchkit.Rate(f.Throughput), f.latencies("\t"))
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	for _, f := range []figures{r.Bare, r.Full} {
		if len(f.ErrorSamples) == 0 {
			continue
		}
		fmt.Fprintf(w, "first errors, %s (%s in the window, %s in the warmup):\n", f.Target, benchkit.Commas(f.Errors), benchkit.Commas(f.WarmupErrors))
		for _, s := range f.ErrorSamples {
			fmt.Fprintf(w, "  - %s\n", s)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "full/bare throughput  %.3f  (target ≥ %.2f)  %s\n", r.Ratio, r.TargetRatio, benchkit.Verdict(r.RatioPass))
	fmt.Fprintf(w, "full-stack p99        %s  (target < %s)  %s\n", strings.Fields(r.Full.latencies(" "))[2], benchkit.Millis(r.TargetP99), benchkit.Verdict(r.P99Pass))
	fmt.Fprintf(w, "full-stack errors     %s  %s\n", benchkit.Commas(r.Full.Errors), benchkit.Verdict(r.Full.Errors == 0))
	if r.ResponseURLPosts > 0 {
		fmt.Fprintf(w, "  %s answers missed the 2 s ack budget and went to response_url\n", benchkit.Commas(int(r.ResponseURLPosts)))
	}
	if a := r.Askers; a != nil {
		fmt.Fprintf(w, "askers after a sync  %s within %s: %s inline (%s from the new snapshot), %s busy, %s late, %s errors; p50 %s, p99 %s, max %s; new snapshot answered %.2fs after the save  %s\n",
			benchkit.Commas(a.Askers), time.Duration(a.OverSeconds*float64(time.Second)), benchkit.Commas(a.Inline), benchkit.Commas(a.FromNew),
			benchkit.Commas(a.Busy), benchkit.Commas(a.Late), benchkit.Commas(a.Errors), benchkit.Millis(a.P50), benchkit.Millis(a.P99), benchkit.Millis(a.Max), a.NewAfter, benchkit.Verdict(a.Pass()))
		for _, s := range a.Sample {
			fmt.Fprintf(w, "  - %s\n", s)
		}
	}
	fmt.Fprintf(w, "result: %s\n", benchkit.Verdict(r.Pass))
	fmt.Fprintf(w, "go heap in use %s after seeding, %s after the run; max RSS %s (whole process: seeding, emulators, load generator)\n",
		benchkit.BytesText(r.HeapInuseSeeded), benchkit.BytesText(r.HeapInuse), benchkit.BytesText(r.MaxRSS))
	if m := r.Serving; m.Measured {
		fmt.Fprintf(w, "RSS once seeding's memory was given back: %s idle; %s after the first question (%.2fs, peak %s while judging); peak %s under load\n",
			benchkit.BytesText(m.Idle), benchkit.BytesText(m.AfterFirst), m.FirstSeconds, benchkit.BytesText(m.PeakFirst), benchkit.BytesText(m.PeakLoad))
	}
}

// appendMarkdown adds the run to a results file, creating it if needed.
func (r *report) appendMarkdown(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	var b strings.Builder
	rev := ""
	if r.Revision != "" {
		rev = " · " + r.Revision
	}
	fmt.Fprintf(&b, "\n### slackload %s · %s seats · %d connections · %s (+%s warmup) · %s %s, %d CPUs%s\n\n",
		r.At.Format("2006-01-02 15:04 MST"), benchkit.Commas(r.Seats), r.Concurrency,
		time.Duration(r.DurationSeconds*float64(time.Second)), time.Duration(r.WarmupSeconds*float64(time.Second)),
		r.GoVersion, r.Platform, r.CPUs, rev)
	b.WriteString("| target | requests | errors | req/s | p50 | p90 | p99 | max |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, t := range []figures{r.Bare, r.Full} {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", t.Target, benchkit.Commas(t.Requests), benchkit.Commas(t.Errors), benchkit.Rate(t.Throughput), t.latencies(" | "))
	}
	fmt.Fprintf(&b, "\nfull/bare throughput %.3f (target ≥ %.2f): **%s** · full-stack p99 %s (target < %s): **%s** · full-stack errors %s · result **%s** · heap in use after the run %s · max RSS %s\n",
		r.Ratio, r.TargetRatio, benchkit.Verdict(r.RatioPass), benchkit.Millis(r.Full.P99), benchkit.Millis(r.TargetP99), benchkit.Verdict(r.P99Pass),
		benchkit.Commas(r.Full.Errors), benchkit.Verdict(r.Pass), benchkit.BytesText(r.HeapInuse), benchkit.BytesText(r.MaxRSS))
	if a := r.Askers; a != nil {
		fmt.Fprintf(&b, "\n%s people asking within %s right after another replica's sync: %s answered inline (%s from the new snapshot), %s busy, %s late, %s errors, p99 %s\n",
			benchkit.Commas(a.Askers), time.Duration(a.OverSeconds*float64(time.Second)), benchkit.Commas(a.Inline), benchkit.Commas(a.FromNew),
			benchkit.Commas(a.Busy), benchkit.Commas(a.Late), benchkit.Commas(a.Errors), benchkit.Millis(a.P99))
	}
	if _, err := io.WriteString(f, b.String()); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
