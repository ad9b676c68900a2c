// Command approvalload measures approval decisions under contention: many
// approvers pressing Approve on the same high-risk request at once, as a
// busy approvals channel does, through approvals.Service over the real
// stores.
//
// On each store (the embedded bbolt file in a temporary directory, then
// Redis under a key prefix of the run's own, deleted afterwards) it opens
// -requests high-risk app requests that need -needed approvals from a
// policy of -approvers approvers, and has every approver call Approve on
// each request concurrently:
//
//   - one request at a time, so the figures are those of one contended
//     request;
//   - then -parallel requests at once, so requests contend with each
//     other for the store too.
//
// Every Approve call is timed. A call that records an approval is a
// winner; the one whose approval completes the quorum is the transition
// to approved; the rest are refused because the request is no longer
// pending. It reports, per store and phase, the approvals stored, the
// transitions, the latency of winners and of refused calls (p50, p99,
// max), transitions a second, and the store operations the calls made:
// votes (one atomic step each, store.Ballots), reads of the request, and
// compare-and-set writes with their conflicts (none: an approval writes
// only its vote).
//
// It checks, for every request: exactly -needed approvals stored and the
// request approved; exactly one call saw the transition; every other call
// refused with approvals.ErrNotPending; the outbox promises the outcome
// once (one "approved" reply, one message to the requester); the audit
// trail has one approval.approved entry. It exits 1 when any check fails.
//
//	go run ./bench/approvalload                   # embedded store, then Redis at 127.0.0.1:6379 if it answers
//	go run ./bench/approvalload -redis ''         # embedded store only
//	go run ./bench/approvalload -embedded=false   # Redis only
//	go run ./bench/approvalload -requests 1000 -approvers 100 -parallel 32
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// options are the command line.
type options struct {
	Requests  int
	Approvers int
	Needed    int
	Parallel  int
	Embedded  bool
	// RedisURL is the second store; empty runs the embedded store only.
	RedisURL   string
	CPUProfile string
	Verbose    bool
}

const defaultRedisURL = "redis://127.0.0.1:6379/0"

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("approvalload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: approvalload [flags]\n\n"+
			"Concurrent approvals of high-risk requests through approvals.Service,\n"+
			"on the embedded store and on Redis.\n\n")
		fs.PrintDefaults()
	}
	fs.IntVar(&o.Requests, "requests", 200, "high-risk requests per phase")
	fs.IntVar(&o.Approvers, "approvers", 50, "approvers in the policy; every one presses Approve on every request")
	fs.IntVar(&o.Needed, "needed", 2, "approvals a high-risk request needs (the policy's high_risk_approvals)")
	fs.IntVar(&o.Parallel, "parallel", 8, "requests approved at once in the second phase")
	fs.BoolVar(&o.Embedded, "embedded", true, "run on the embedded store")
	fs.StringVar(&o.RedisURL, "redis", defaultRedisURL, "also run on this Redis, keys under a prefix of their own, deleted at exit (empty: embedded store only)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the approval phases to this file")
	fs.BoolVar(&o.Verbose, "v", false, "also print the service's logs (JSON) on stderr")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case o.Requests < 1:
		return o, errors.New("-requests must be at least 1")
	case o.Needed < 1:
		return o, errors.New("-needed must be at least 1")
	case o.Approvers < o.Needed:
		return o, fmt.Errorf("-approvers must be at least -needed (%d), or no request could be approved", o.Needed)
	case o.Parallel < 1:
		return o, errors.New("-parallel must be at least 1")
	case !o.Embedded && o.RedisURL == "":
		return o, errors.New("no store: -embedded=false needs -redis")
	}
	return o, nil
}

func main() {
	o, err := parseOptions(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "approvalload:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "approvalload:", err)
		os.Exit(1)
	}
	if !rep.Pass {
		os.Exit(1)
	}
}
