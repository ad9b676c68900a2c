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

// figures are one target's results as reported. Reply figures are the
// full stack's only.
type figures struct {
	Target         string   `json:"target"`
	Requests       int      `json:"requests"`
	Errors         int      `json:"errors"`
	Throughput     float64  `json:"throughput_rps"`
	AckP50         float64  `json:"ack_p50_ms"`
	AckP90         float64  `json:"ack_p90_ms"`
	AckP99         float64  `json:"ack_p99_ms"`
	AckMax         float64  `json:"ack_max_ms"`
	ReplyP50       float64  `json:"reply_p50_ms,omitempty"`
	ReplyP90       float64  `json:"reply_p90_ms,omitempty"`
	ReplyP99       float64  `json:"reply_p99_ms,omitempty"`
	ReplyMax       float64  `json:"reply_max_ms,omitempty"`
	WarmupRequests int      `json:"warmup_requests"`
	WarmupErrors   int      `json:"warmup_errors"`
	ErrorSamples   []string `json:"error_samples,omitempty"`

	replies bool
}

func newFigures(r *loadResult, replies bool) figures {
	f := figures{
		Target: r.Target, Requests: r.Requests, Errors: r.Errors, Throughput: r.Throughput(),
		AckP50: ms(r.ack.percentile(0.50)), AckP90: ms(r.ack.percentile(0.90)), AckP99: ms(r.ack.percentile(0.99)), AckMax: ms(r.ack.max()),
		WarmupRequests: r.WarmupRequests, WarmupErrors: r.WarmupErrors, ErrorSamples: r.Samples,
		replies: replies,
	}
	if replies {
		f.ReplyP50, f.ReplyP90, f.ReplyP99, f.ReplyMax = ms(r.reply.percentile(0.50)), ms(r.reply.percentile(0.90)), ms(r.reply.percentile(0.99)), ms(r.reply.max())
	}
	return f
}

// ackLatencies are p50, p90, p99 and max of the acks joined by sep;
// dashes when no request succeeded.
func (f figures) ackLatencies(sep string) string {
	if f.Requests == f.Errors {
		return dashes(4, sep)
	}
	return strings.Join([]string{benchkit.Millis(f.AckP50), benchkit.Millis(f.AckP90), benchkit.Millis(f.AckP99), benchkit.Millis(f.AckMax)}, sep)
}

// replyLatencies are the same for the replies; dashes for the bare
// handler, which posts none.
func (f figures) replyLatencies(sep string) string {
	if !f.replies || f.Requests == f.Errors {
		return dashes(4, sep)
	}
	return strings.Join([]string{benchkit.Millis(f.ReplyP50), benchkit.Millis(f.ReplyP90), benchkit.Millis(f.ReplyP99), benchkit.Millis(f.ReplyMax)}, sep)
}

func dashes(n int, sep string) string {
	d := make([]string, n)
	for i := range d {
		d[i] = "-"
	}
	return strings.Join(d, sep)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// firstContacts is the run's pass of one request as every user.
type firstContacts struct {
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Seconds  float64 `json:"seconds"`
}

// report is a run's results, printed as a table or as JSON.
type report struct {
	At              time.Time `json:"at"`
	GoVersion       string    `json:"go_version"`
	Platform        string    `json:"platform"`
	CPUs            int       `json:"cpus"`
	Revision        string    `json:"revision,omitempty"`
	Store           string    `json:"store"`
	KeyPrefix       string    `json:"key_prefix,omitempty"`
	Seats           int       `json:"seats"`
	Staff           int       `json:"staff"`
	SnapshotBytes   int       `json:"snapshot_bytes"`
	ZendeskRequests int       `json:"seed_zendesk_requests"`
	SeedSeconds     float64   `json:"seed_seconds"`
	Users           int       `json:"users"`
	Concurrency     int       `json:"concurrency"`
	Rate            float64   `json:"rate_rps,omitempty"`
	DurationSeconds float64   `json:"duration_seconds"`
	WarmupSeconds   float64   `json:"warmup_seconds"`
	Text            string    `json:"text"`
	Expect          string    `json:"expect"`
	// FirstContacts asked once as every user before the full stack's
	// warmup, so the bot had every email cached when measuring began.
	FirstContacts firstContacts `json:"first_contacts"`
	Bare          figures       `json:"bare"`
	Full          figures       `json:"full"`
	// MemberLookups are the bot's email lookups during the window: zero
	// when every user's email was cached.
	MemberLookups int64 `json:"member_lookups_in_window"`
	// ConnectorSends are the activities the bot posted during the window.
	ConnectorSends int64 `json:"connector_sends_in_window"`
	// StrayReplies are posts no request waited for (a retry, or a reply
	// after its request gave up), over the whole run.
	StrayReplies int64 `json:"stray_replies"`
	// CycleSeconds is how long it took, on average, to come back to the
	// same user: the per-conversation pacing (a burst of 7, then one every
	// 2 s) cannot delay a reply when it is at least 2 s.
	CycleSeconds float64 `json:"user_cycle_seconds"`
	// Pass: no request failed, first contacts included, and the window
	// made no email lookup.
	Pass            bool   `json:"pass"`
	HeapInuseSeeded uint64 `json:"heap_inuse_after_seed_bytes"`
	HeapInuse       uint64 `json:"heap_inuse_after_run_bytes"`
	MaxRSS          uint64 `json:"max_rss_bytes"`
}

func newReport(o options, s benchkit.SeedResult, storeName, expect string, bare, full *loadResult) *report {
	r := &report{
		At:              time.Now().UTC().Truncate(time.Second),
		GoVersion:       runtime.Version(),
		Platform:        runtime.GOOS + "/" + runtime.GOARCH,
		CPUs:            runtime.GOMAXPROCS(0),
		Revision:        benchkit.Revision(),
		Store:           storeName,
		Seats:           s.PaidSeats,
		Staff:           s.Staff,
		SnapshotBytes:   s.SnapshotBytes,
		ZendeskRequests: s.ZendeskRequests,
		SeedSeconds:     s.Duration.Seconds(),
		Users:           o.Users,
		Concurrency:     o.Concurrency,
		Rate:            o.Rate,
		DurationSeconds: o.Duration.Seconds(),
		WarmupSeconds:   o.Warmup.Seconds(),
		Text:            o.Text,
		Expect:          expect,
		FirstContacts:   firstContacts{Requests: full.FirstContacts, Errors: full.FirstContactErrors, Seconds: full.FirstContactElapsed.Seconds()},
		Bare:            newFigures(bare, false),
		Full:            newFigures(full, true),
		MemberLookups:   full.MemberLookups,
		ConnectorSends:  full.Sends,
		StrayReplies:    full.StrayReplies,
	}
	if r.Full.Throughput > 0 {
		r.CycleSeconds = float64(o.Users) / r.Full.Throughput
	}
	r.Pass = r.Full.Requests > r.Full.Errors && r.Full.Errors == 0 && r.Full.WarmupErrors == 0 &&
		r.FirstContacts.Errors == 0 && r.FirstContacts.Requests == o.Users &&
		r.Bare.Errors == 0 && r.MemberLookups == 0
	return r
}

func (r *report) loadText() string {
	if r.Rate > 0 {
		return fmt.Sprintf("%d clients at %s requests/s in all", r.Concurrency, benchkit.Rate(r.Rate))
	}
	return fmt.Sprintf("%d clients, each waiting for its reply", r.Concurrency)
}

func (r *report) print(w io.Writer) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-12s\trequests\terrors\treq/s\tack p50\tp90\tp99\tmax\treply p50\tp90\tp99\tmax\t\n", "target")
	for _, f := range []figures{r.Bare, r.Full} {
		fmt.Fprintf(tw, "%-12s\t%s\t%s\t%s\t%s\t%s\t\n", f.Target, benchkit.Commas(f.Requests), benchkit.Commas(f.Errors), benchkit.Rate(f.Throughput), f.ackLatencies("\t"), f.replyLatencies("\t"))
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
	fmt.Fprintf(w, "first contacts        %s users in %.1fs, %s errors (the members API looked each email up once; not measured)\n",
		benchkit.Commas(r.FirstContacts.Requests), r.FirstContacts.Seconds, benchkit.Commas(r.FirstContacts.Errors))
	fmt.Fprintf(w, "in the window         %s email lookups, %s replies posted; %s stray replies in the run\n",
		benchkit.Commas(int(r.MemberLookups)), benchkit.Commas(int(r.ConnectorSends)), benchkit.Commas(int(r.StrayReplies)))
	fmt.Fprintf(w, "user cycle            %.1fs between two requests of one user", r.CycleSeconds)
	if r.CycleSeconds > 0 && r.CycleSeconds < 2 {
		fmt.Fprintf(w, " (under 2 s: per-conversation pacing may have delayed replies; raise -users)")
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "full-stack errors     %s  %s\n", benchkit.Commas(r.Full.Errors), benchkit.Verdict(r.Full.Errors == 0))
	fmt.Fprintf(w, "result: %s\n", benchkit.Verdict(r.Pass))
	fmt.Fprintf(w, "go heap in use %s after seeding, %s after the run; max RSS %s (whole process: seeding, emulators, load generator)\n",
		benchkit.BytesText(r.HeapInuseSeeded), benchkit.BytesText(r.HeapInuse), benchkit.BytesText(r.MaxRSS))
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
	fmt.Fprintf(&b, "\n### teamsload %s · %s · %s seats · %s users · %s · %s (+%s warmup) · %s %s, %d CPUs%s\n\n",
		r.At.Format("2006-01-02 15:04 MST"), r.Store, benchkit.Commas(r.Seats), benchkit.Commas(r.Users), r.loadText(),
		time.Duration(r.DurationSeconds*float64(time.Second)), time.Duration(r.WarmupSeconds*float64(time.Second)),
		r.GoVersion, r.Platform, r.CPUs, rev)
	b.WriteString("| target | requests | errors | req/s | ack p50 | ack p90 | ack p99 | ack max | reply p50 | reply p90 | reply p99 | reply max |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, t := range []figures{r.Bare, r.Full} {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", t.Target, benchkit.Commas(t.Requests), benchkit.Commas(t.Errors), benchkit.Rate(t.Throughput), t.ackLatencies(" | "), t.replyLatencies(" | "))
	}
	fmt.Fprintf(&b, "\nfirst contacts %s users in %.1fs · email lookups in the window %s · stray replies %s · user cycle %.1fs · result **%s** · heap in use after the run %s · max RSS %s\n",
		benchkit.Commas(r.FirstContacts.Requests), r.FirstContacts.Seconds, benchkit.Commas(int(r.MemberLookups)), benchkit.Commas(int(r.StrayReplies)),
		r.CycleSeconds, benchkit.Verdict(r.Pass), benchkit.BytesText(r.HeapInuse), benchkit.BytesText(r.MaxRSS))
	if _, err := io.WriteString(f, b.String()); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
