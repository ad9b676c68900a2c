// Command teamsload measures `seats` typed in a Microsoft Teams 1:1 chat
// through the bot's full HTTP stack under load. A seat snapshot of -seats
// paid seats is synced into the store (the embedded bbolt file in a temp
// directory, or Redis with -redis) from the Zendesk emulator; -users people
// are added to the Bot Framework emulator (bot/teams/teamstest). Then
// -concurrency keep-alive clients post signed message activities for
// -duration, first to a bare handler that only validates the Bot
// Connector's JWT and answers 200, then to the real mux with the Teams
// adapter (JWT validation with cached keys, deduplication, the worker
// pool, the members API for the asker's email), the command router with
// access control, the Adaptive Card render and the reply posted to the
// Bot Connector emulator.
//
// Teams acknowledges the POST at once and the bot posts the answer, so
// each full-stack request has two latencies: the ack (the POST returned)
// and the reply (the reply activity reached the connector, seen by a
// reverse proxy in front of the emulator's connector). By default each
// client waits for its reply before it sends again; -rate sends at a
// fixed rate instead.
//
//	go run ./bench/teamsload                                     # embedded store, the defaults
//	go run ./bench/teamsload -redis redis://127.0.0.1:6379/0     # Redis (keys under a prefix of their own, deleted at exit)
//	go run ./bench/teamsload -rate 40                            # below the Connector limit: the stack's own latency
//	go run ./bench/teamsload -out bench/results.md -cpuprofile teams.pprof
//
// It exits 0 whatever the figures unless -strict is given (then 1 on any
// failure); 1 on a setup failure.
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
	// RedisURL selects Redis; empty uses the embedded store in a temporary
	// directory.
	RedisURL    string
	Seats       int
	Users       int
	Concurrency int
	Duration    time.Duration
	Warmup      time.Duration
	// Rate, when positive, sends that many requests a second in all, on a
	// fixed schedule; zero: each client sends again as soon as its reply
	// arrived.
	Rate float64
	Text string
	// Expect is what every reply card's text must contain; empty means the
	// seat summary's headline when Text is "seats".
	Expect string
	Out    string
	// CPUProfile, when set, receives a CPU profile of the full-stack load.
	CPUProfile string
	JSON       bool
	Strict     bool
	// Verbose sends the bot's own logs to stderr.
	Verbose bool
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("teamsload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: teamsload [flags]\n\n"+
			"`seats` typed in Teams 1:1 chats through the full HTTP stack, against a seat\n"+
			"snapshot in the embedded store or Redis, beside a bare handler that only\n"+
			"validates the Bot Connector's token.\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.RedisURL, "redis", "", "run on this Redis instead of the embedded store (keys under a prefix of their own, deleted at exit)")
	fs.IntVar(&o.Seats, "seats", 50000, "paid seats in the synced snapshot")
	fs.IntVar(&o.Users, "users", 200, "Teams users asking, each in their own 1:1 chat, in turn; every one is an admin")
	fs.IntVar(&o.Concurrency, "concurrency", 16, "clients, each with one request in flight")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "measured load per target")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "unmeasured load per target before -duration (the full stack first asks once as every user)")
	fs.Float64Var(&o.Rate, "rate", 0, "requests a second in all, on a fixed schedule (default: each client sends again once its reply arrived)")
	fs.StringVar(&o.Text, "text", "seats", "what the users type")
	fs.StringVar(&o.Expect, "expect", "", "string every reply card's text must contain (default: the seat summary's headline for -text seats)")
	fs.StringVar(&o.Out, "out", "", "append the results as a markdown table to this file")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the full-stack load (warmup included) to this file")
	fs.BoolVar(&o.JSON, "json", false, "print the results as JSON on stdout (progress goes to stderr)")
	fs.BoolVar(&o.Strict, "strict", false, "exit 1 when any request failed")
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
	case o.Users < o.Concurrency:
		// Each client needs a conversation of its own at any moment.
		return o, errors.New("-users must be at least -concurrency")
	case o.Duration <= 0:
		return o, errors.New("-duration must be positive")
	case o.Warmup < 0:
		return o, errors.New("-warmup must not be negative")
	case o.Rate < 0:
		return o, errors.New("-rate must not be negative")
	}
	return o, nil
}

func main() {
	o, err := parseOptions(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "teamsload:", err)
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
		fmt.Fprintln(os.Stderr, "teamsload:", err)
		os.Exit(1)
	}
	if o.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintln(os.Stderr, "teamsload:", err)
			os.Exit(1)
		}
	}
	if o.Strict && !rep.Pass {
		os.Exit(1)
	}
}
