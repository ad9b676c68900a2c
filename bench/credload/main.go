// Command credload measures the credential inventory at Zendesk's scale:
// an account with 256 API tokens (Zendesk's cap), 500 OAuth clients,
// 20,000 OAuth tokens and 50 app installations, served over real HTTP by
// the Zendesk emulator and read by the bot's Zendesk client authenticated
// with an API token.
//
// On each store (the embedded bbolt file in a temporary directory, then
// Redis under a key prefix of the run's own), a seat sync first writes the
// snapshot the orphan rules judge owners by; then it times:
//
//   - the credential sync (credentials.Service.Sync): Zendesk requests per
//     endpoint against the pagination lower bound
//     1 + ceil(clients/100) + ceil(tokens/100) + 1, wall time, credentials
//     a second, the stored inventory's size and the peak heap;
//   - -claims claims through the service, as clicks in chat make them, so
//     the register has entries to join (their latency is reported too),
//     and a second sync over those entries;
//   - the evaluation, -evals times: Service.Evaluate (the stored inventory,
//     the register entries and the seat snapshot joined and judged), then
//     Summarize and DigestItems, median and p99; and once on a fresh
//     service, which must decode the inventory first.
//
// It reports the orphans found per kind, the API tokens left before
// Zendesk retires them, the process's peak RSS and the heap after.
//
//	go run ./bench/credload                   # embedded store, then Redis at 127.0.0.1:6379 if it answers
//	go run ./bench/credload -redis ''         # embedded store only
//	go run ./bench/credload -embedded=false   # Redis only
//	go run ./bench/credload -rpm 700          # the client paced at Zendesk Enterprise's 700 requests/minute
//	go run ./bench/credload -cpuprofile cred.pprof
//
// It exits 1 when a check fails (a count differs from the generated
// account, or more requests than the lower bound) with -strict, and on a
// setup failure.
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
	Users         int
	APITokens     int
	OAuthClients  int
	OAuthTokens   int
	Installations int
	Seed          uint64
	// RPM is the account's rate limit in the emulator and the client's
	// budget; 0 leaves both unlimited.
	RPM    int
	Claims int
	Evals  int
	// Embedded runs on the embedded store first.
	Embedded bool
	// RedisURL is the second store; empty runs the embedded store only.
	RedisURL string
	// CPUProfile receives a CPU profile of the measured parts on every
	// store.
	CPUProfile string
	Strict     bool
	Verbose    bool
}

const defaultRedisURL = "redis://127.0.0.1:6379/0"

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("credload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: credload [flags]\n\n"+
			"Credential inventory sync and orphan evaluation against the Zendesk emulator,\n"+
			"on the embedded store and on Redis.\n\n")
		fs.PrintDefaults()
	}
	fs.IntVar(&o.Users, "users", 5_000, "users in the generated account (4% staff)")
	fs.IntVar(&o.APITokens, "api-tokens", 256, "API tokens (Zendesk allows at most 256)")
	fs.IntVar(&o.OAuthClients, "oauth-clients", 500, "OAuth clients")
	fs.IntVar(&o.OAuthTokens, "oauth-tokens", 20_000, "OAuth access tokens")
	fs.IntVar(&o.Installations, "apps", 50, "app installations")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the generated account")
	fs.IntVar(&o.RPM, "rpm", 0, "account rate limit in requests/minute, in the emulator and as the client's budget (0: unlimited; Zendesk Enterprise is 700)")
	fs.IntVar(&o.Claims, "claims", 200, "credentials claimed through the service before the re-sync and the evaluation")
	fs.IntVar(&o.Evals, "evals", 20, "evaluations timed per store")
	fs.BoolVar(&o.Embedded, "embedded", true, "run on the embedded store (-embedded=false runs Redis alone, so the max RSS is its own)")
	fs.StringVar(&o.RedisURL, "redis", defaultRedisURL, "also run on this Redis, keys under a prefix of their own, deleted at exit (empty: embedded store only)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the syncs and evaluations to this file")
	fs.BoolVar(&o.Strict, "strict", false, "exit 1 when a check fails")
	fs.BoolVar(&o.Verbose, "v", false, "also print the bot's logs (JSON) on stderr")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case o.Users < 100:
		return o, errors.New("-users must be at least 100, so the account has admins to own credentials")
	case o.APITokens < 0 || o.OAuthClients < 0 || o.OAuthTokens < 0 || o.Installations < 0:
		return o, errors.New("credential counts must not be negative")
	case o.RPM < 0:
		return o, errors.New("-rpm must not be negative")
	case o.Claims < 0:
		return o, errors.New("-claims must not be negative")
	case !o.Embedded && o.RedisURL == "":
		return o, errors.New("no store: -embedded=false needs -redis")
	case o.Evals < 1:
		return o, errors.New("-evals must be at least 1")
	}
	return o, nil
}

func main() {
	o, err := parseOptions(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "credload:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "credload:", err)
		os.Exit(1)
	}
	if o.Strict && !rep.Pass {
		os.Exit(1)
	}
}
