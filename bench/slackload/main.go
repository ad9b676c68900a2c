// Command slackload measures `/warden seats` through the bot's full HTTP
// stack under load: a seat snapshot of -seats paid seats is synced into
// Redis from the Zendesk emulator, then signed slash commands are sent by
// -concurrency keep-alive connections for -duration, first to a bare
// handler that only verifies Slack's signature and answers 200, then to the
// real mux with the Slack adapter, the command router and the instrumented
// Redis store. It prints throughput and latency percentiles for both and
// judges the full stack against the targets: p99 under 20 ms and at least
// half the bare handler's throughput.
//
//	go run ./bench/slackload -seats 50000
//	make bench-slack SLACKLOAD_FLAGS='-concurrency 32 -out bench/results.md'
//
// The keys it writes carry a prefix of their own and are deleted at exit.
// It exits 0 whatever the figures unless -strict is given; 1 on a setup
// failure.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// options are the command line.
type options struct {
	RedisURL    string
	Seats       int
	Concurrency int
	Duration    time.Duration
	Warmup      time.Duration
	// Rounds: the two targets take turns (bare, full, bare, full…), each
	// measured for Duration/Rounds a turn, so a machine that drifts
	// weighs on both alike.
	Rounds int
	// Askers ask at once, within AskWindow, right after another replica
	// saved a new snapshot; 0 skips that phase.
	Askers    int
	AskWindow time.Duration
	Text      string
	// Expect is what every full-stack reply must contain; empty means the
	// seat summary's headline when Text is "seats", else any JSON reply.
	Expect string
	Out    string
	// CPUProfile, when set, receives a CPU profile of the full-stack load.
	CPUProfile string
	// MemProfile, when set, receives the live heap after the full-stack
	// load.
	MemProfile string
	JSON       bool
	Strict     bool
	// Verbose sends the bot's own logs to stderr.
	Verbose bool
}

// Targets the full stack is judged against: its throughput at least 0.7
// of the bare signature check's, run in turns.
const (
	targetP99   = 20 * time.Millisecond
	targetRatio = 0.7
)

func defaultRedisURL() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("slackload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: slackload [flags]\n\n"+
			"Signed /warden seats through the full HTTP stack against a seat snapshot in\n"+
			"Redis, beside a bare handler that only verifies the signature.\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.RedisURL, "redis", defaultRedisURL(), "Redis URL (default: $REDIS_URL, else redis://127.0.0.1:6379/0)")
	fs.IntVar(&o.Seats, "seats", 50000, "paid seats in the synced snapshot")
	fs.IntVar(&o.Concurrency, "concurrency", 16, "connections, each sending one request at a time")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "measured load per target")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "unmeasured load per target before -duration")
	fs.IntVar(&o.Rounds, "rounds", 2, "turns each target takes, bare and full alternating, sharing -duration")
	fs.IntVar(&o.Askers, "askers", 5000, "people asking seats right after another replica's sync (0: skip; needs -text seats)")
	fs.DurationVar(&o.AskWindow, "ask-window", time.Second, "the window the askers' questions are spread over")
	fs.StringVar(&o.Text, "text", "seats", "the command's text after /warden")
	fs.StringVar(&o.Expect, "expect", "", "string every full-stack reply must contain (default: the seat summary's headline for -text seats)")
	fs.StringVar(&o.Out, "out", "", "append the results as a markdown table to this file")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the full-stack load (warmup included) to this file")
	fs.StringVar(&o.MemProfile, "memprofile", "", "write the live heap after the full-stack load to this file")
	fs.BoolVar(&o.JSON, "json", false, "print the results as JSON on stdout (progress goes to stderr)")
	fs.BoolVar(&o.Strict, "strict", false, "exit 1 when a target is missed")
	fs.BoolVar(&o.Verbose, "v", false, "also print the bot's logs (JSON) on stderr")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case o.Seats < 1:
		return o, errors.New("-seats must be at least 1")
	case o.Concurrency < 1:
		return o, errors.New("-concurrency must be at least 1")
	case o.Duration <= 0:
		return o, errors.New("-duration must be positive")
	case o.Warmup < 0:
		return o, errors.New("-warmup must not be negative")
	case o.Rounds < 1:
		return o, errors.New("-rounds must be at least 1")
	case o.Askers < 0:
		return o, errors.New("-askers must not be negative")
	case o.Askers > 0 && o.AskWindow <= 0:
		return o, errors.New("-ask-window must be positive")
	case o.Askers > 0 && o.Text != "seats":
		return o, errors.New("-askers needs -text seats (set -askers 0 for another command)")
	}
	return o, nil
}

func main() {
	o, err := parseOptions(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "slackload:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	out, progress := io.Writer(os.Stdout), io.Writer(os.Stdout)
	if o.JSON {
		progress = os.Stderr
	}
	rep, err := run(ctx, o, progress, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "slackload:", err)
		os.Exit(1)
	}
	if o.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintln(os.Stderr, "slackload:", err)
			os.Exit(1)
		}
	}
	if o.Strict && !rep.Pass {
		os.Exit(1)
	}
}
