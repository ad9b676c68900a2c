// Command reviewload measures the seat review at scale, in three parts:
//
//  1. digests: a -seats snapshot with -inactive of them idle across -owners
//     owners; open the review (one item per idle seat in the store), then
//     build and render every owner's digest as Block Kit. Wall time and peak
//     heap, against the targets of 2 s and 300 MB.
//
//  2. delivery: the same review sent by the inactive-digest job to every
//     owner through the Slack adapter and the Slack emulator under Slack's
//     rate model (slacktest.WithTierRateLimits: each method's tier, and
//     chat.postMessage's 1 a second per channel and 300 a minute across
//     the workspace, each after a burst), with the adapter's own pacing and
//     slack-go's retries as the app configures them; -ratelimit injects
//     429s on top. Every owner must get exactly one digest (none lost,
//     none doubled) and Slack must refuse none as invalid_blocks. Each
//     digest is a DM to its owner's own channel, so the limit that binds
//     is the workspace's; the achieved rate is printed beside the fastest
//     the model allows, against a target of 90%. -owners sets how many:
//     the default 300 takes about a minute, -owners 2000 about seven.
//
//  3. clicks: -clicks people press Remove on one seat at once, through the
//     command router, the review service and the Zendesk emulator over
//     HTTP, for -rounds seats. Exactly one Zendesk change per seat; the
//     decision latency's p50 and p99.
//
//     go run ./bench/reviewload
//     go run ./bench/reviewload -redis redis://127.0.0.1:6379/0
//     go run ./bench/reviewload -phases digests -seats 200000 -owners 2000
//
// It exits 1 when a correctness check fails or, with -strict, when a
// target is missed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

type options struct {
	Seats     int
	Inactive  float64
	Owners    int
	RateLimit int
	Clicks    int
	Rounds    int
	RedisURL  string
	Strict    bool
	// Phases are the parts to run, of digests, delivery and clicks.
	Phases map[string]bool
	// CPUProfile receives a CPU profile of the digests part.
	CPUProfile string
	// Cold judges the snapshot inside the digest's time instead of taking
	// the seats from the replica's seat view.
	Cold bool
}

const (
	targetDigestWall = 2 * time.Second
	targetDigestHeap = 300 << 20
	// targetDeliveryShare is the share of the rate Slack's limits allow
	// that delivery must reach.
	targetDeliveryShare = 0.9
)

func main() {
	var o options
	flag.IntVar(&o.Seats, "seats", 100_000, "paid seats in the snapshot")
	flag.Float64Var(&o.Inactive, "inactive", 0.30, "share of the seats that are inactive")
	flag.IntVar(&o.Owners, "owners", 300, "owners the inactive seats are spread over, each sent one digest (300 take about a minute at Slack's limits)")
	flag.IntVar(&o.RateLimit, "ratelimit", 0, "also answer one chat.postMessage in this many with 429, beyond Slack's limits (0: none)")
	flag.IntVar(&o.Clicks, "clicks", 100, "concurrent Remove clicks per seat")
	flag.IntVar(&o.Rounds, "rounds", 20, "seats clicked (each by -clicks people at once)")
	flag.StringVar(&o.RedisURL, "redis", "", "run on this Redis instead of the embedded store (keys under a prefix of their own, deleted at exit)")
	flag.BoolVar(&o.Strict, "strict", false, "exit 1 when a target is missed")
	flag.BoolVar(&o.Cold, "cold", false, "digests: judge the snapshot inside the digest's time, as a replica holding no seat view does, rather than open from the view")
	flag.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the digests part to this file")
	phases := flag.String("phases", "digests,delivery,clicks", "the parts to run, comma-separated")
	flag.Parse()
	o.Phases = map[string]bool{}
	for _, p := range strings.Split(*phases, ",") {
		switch p = strings.TrimSpace(p); p {
		case "digests", "delivery", "clicks":
			o.Phases[p] = true
		default:
			fmt.Fprintf(os.Stderr, "reviewload: no phase %q (digests, delivery, clicks)\n", p)
			os.Exit(2)
		}
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "reviewload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	env, err := newEnv(ctx, o)
	if err != nil {
		return err
	}
	defer env.close()
	fmt.Printf("store: %s; %d paid seats, %.0f%% inactive, %d owners\n\n", env.store.Backend(), o.Seats, o.Inactive*100, o.Owners)

	var failed []string
	if o.Phases["digests"] {
		d, err := env.digests(ctx)
		if err != nil {
			return fmt.Errorf("digests: %w", err)
		}
		fmt.Printf("1. digests: opened %d items and rendered %d digests (%d Block Kit messages, %d blocks) in %s; peak heap %d MB, allocated %d MB\n",
			d.items, d.owners, d.messages, d.blocks, d.wall.Round(time.Millisecond), d.peakHeap>>20, d.allocated>>20)
		fmt.Printf("   open the review %s · list and group the items %s · build and render %s\n",
			d.open.Round(time.Millisecond), d.list.Round(time.Millisecond), d.render.Round(time.Millisecond))
		if d.view > 0 {
			fmt.Printf("   the seats from the replica's seat view, judged once per snapshot before the digest in %s (-cold: judged inside the digest)\n", d.view.Round(time.Millisecond))
		} else {
			fmt.Printf("   the seats judged from the snapshot inside the digest, as a replica holding no seat view does\n")
		}
		fmt.Printf("   one owner's digest read for a click's redraw: p50 %s, p99 %s (its seats only, not the period's %d)\n",
			d.ownerRead50.Round(time.Microsecond), d.ownerRead99.Round(time.Microsecond), d.items)
		if d.wall > targetDigestWall || d.peakHeap > targetDigestHeap {
			failed = append(failed, fmt.Sprintf("digests: %s and %d MB, target under %s and %d MB", d.wall.Round(time.Millisecond), d.peakHeap>>20, targetDigestWall, targetDigestHeap>>20))
		}
	}

	if o.Phases["delivery"] {
		s, err := env.delivery(ctx)
		if err != nil {
			return fmt.Errorf("delivery: %w", err)
		}
		fmt.Printf("\n2. delivery: %d digests to %d owners, the job done in %s; first post to last %s: %.2f messages/s, %.0f%% of the %.2f/s Slack's limits allow (%s binds: at best %s)\n",
			s.messages, s.owners, s.wall.Round(time.Millisecond), s.sending.Round(time.Millisecond), s.achieved(), 100*s.share(), s.allowed(), s.binds, s.fastest.Round(time.Millisecond))
		fmt.Printf("   exactly once %d, lost %d, doubled %d; %d Web API calls (%d users.list pages, %d users.lookupByEmail, %d conversations.open), %d answered 429, %d invalid_blocks\n",
			s.exactlyOnce, s.lost, s.doubled, s.calls, s.pages, s.lookups, s.opens, s.limited, s.invalid)
		if s.exactlyOnce != s.owners || s.invalid > 0 {
			return fmt.Errorf("delivery: %d of %d delivered exactly once (%d lost, %d doubled), %d invalid_blocks", s.exactlyOnce, s.owners, s.lost, s.doubled, s.invalid)
		}
		if s.share() < targetDeliveryShare {
			failed = append(failed, fmt.Sprintf("delivery: %.0f%% of the rate Slack's limits allow, target %.0f%%", 100*s.share(), 100*targetDeliveryShare))
		}
	}

	if o.Phases["clicks"] {
		c, err := env.clicks(ctx)
		if err != nil {
			return fmt.Errorf("clicks: %w", err)
		}
		fmt.Printf("\n3. clicks: %d seats × %d concurrent Remove clicks: %d Zendesk changes (want %d), %d decisions, %d told \"already decided\"; decision latency p50 %s, p99 %s, max %s\n",
			c.rounds, c.clicks, c.updates, c.rounds, c.decided, c.already, c.p50.Round(10*time.Microsecond), c.p99.Round(10*time.Microsecond), c.max.Round(10*time.Microsecond))
		if c.updates != c.rounds || c.decided != c.rounds {
			return fmt.Errorf("clicks: %d Zendesk changes and %d decisions for %d seats", c.updates, c.decided, c.rounds)
		}
	}

	if len(failed) > 0 {
		fmt.Println("\ntargets missed:")
		for _, f := range failed {
			fmt.Println("  " + f)
		}
		if o.Strict {
			os.Exit(1)
		}
		return nil
	}
	fmt.Println("\nall targets met")
	return nil
}
