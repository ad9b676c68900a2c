// Command reviewload measures the seat review at scale, in three parts:
//
//  1. digests: a -seats snapshot with -inactive of them idle across -owners
//     owners; open the review (one item per idle seat in the store), then
//     build and render every owner's digest as Block Kit. Wall time and peak
//     heap, against the targets of 2 s and 300 MB.
//
//  2. delivery: the same review sent by the inactive-digest job to every
//     owner through the Slack adapter and the Slack emulator, with one
//     chat.postMessage in -ratelimit answered 429. Every owner must get
//     exactly one digest and Slack must refuse none as invalid_blocks;
//     the achieved send rate is printed beside Slack's documented one
//     message per second per channel.
//
//  3. clicks: -clicks people press Remove on one seat at once, through the
//     command router, the review service and the Zendesk emulator over
//     HTTP, for -rounds seats. Exactly one Zendesk change per seat; the
//     decision latency's p50 and p99.
//
//     go run ./bench/reviewload
//     go run ./bench/reviewload -redis redis://127.0.0.1:6379/0
//
// It exits 1 when a correctness check fails or, with -strict, when a
// target is missed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
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
	// CPUProfile receives a CPU profile of the digests part.
	CPUProfile string
}

const (
	targetDigestWall = 2 * time.Second
	targetDigestHeap = 300 << 20
)

func main() {
	var o options
	flag.IntVar(&o.Seats, "seats", 100_000, "paid seats in the snapshot")
	flag.Float64Var(&o.Inactive, "inactive", 0.30, "share of the seats that are inactive")
	flag.IntVar(&o.Owners, "owners", 1_000, "owners the inactive seats are spread over")
	flag.IntVar(&o.RateLimit, "ratelimit", 10, "answer one chat.postMessage in this many with 429 (0: none)")
	flag.IntVar(&o.Clicks, "clicks", 100, "concurrent Remove clicks per seat")
	flag.IntVar(&o.Rounds, "rounds", 20, "seats clicked (each by -clicks people at once)")
	flag.StringVar(&o.RedisURL, "redis", "", "run on this Redis instead of the embedded store (keys under a prefix of their own, deleted at exit)")
	flag.BoolVar(&o.Strict, "strict", false, "exit 1 when a target is missed")
	flag.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the digests part to this file")
	flag.Parse()
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
	d, err := env.digests(ctx)
	if err != nil {
		return fmt.Errorf("digests: %w", err)
	}
	fmt.Printf("1. digests: opened %d items and rendered %d digests (%d Block Kit messages, %d blocks) in %s; peak heap %d MB, allocated %d MB\n",
		d.items, d.owners, d.messages, d.blocks, d.wall.Round(time.Millisecond), d.peakHeap>>20, d.allocated>>20)
	fmt.Printf("   open the review %s · list and group the items %s · build and render %s\n",
		d.open.Round(time.Millisecond), d.list.Round(time.Millisecond), d.render.Round(time.Millisecond))
	if d.wall > targetDigestWall || d.peakHeap > targetDigestHeap {
		failed = append(failed, fmt.Sprintf("digests: %s and %d MB, target under %s and %d MB", d.wall.Round(time.Millisecond), d.peakHeap>>20, targetDigestWall, targetDigestHeap>>20))
	}

	s, err := env.delivery(ctx)
	if err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	fmt.Printf("\n2. delivery: %d of %d owners got exactly one digest in %s (%.0f messages/s); %d chat.postMessage calls, %d answered 429, %d invalid_blocks, %d owners with more than one\n",
		s.exactlyOnce, s.owners, s.wall.Round(time.Millisecond), s.rate, s.calls, s.limited, s.invalid, s.duplicated)
	fmt.Printf("   Slack's documented limit is about 1 message per second per channel; every digest goes to its own DM channel, so the limit that binds is the workspace's (\"several hundred per minute\"), which the 429s stand in for\n")
	if s.exactlyOnce != s.owners || s.invalid > 0 {
		return fmt.Errorf("delivery: %d of %d delivered exactly once, %d invalid_blocks", s.exactlyOnce, s.owners, s.invalid)
	}

	c, err := env.clicks(ctx)
	if err != nil {
		return fmt.Errorf("clicks: %w", err)
	}
	fmt.Printf("\n3. clicks: %d seats × %d concurrent Remove clicks: %d Zendesk changes (want %d), %d decisions, %d told \"already decided\"; decision latency p50 %s, p99 %s, max %s\n",
		c.rounds, c.clicks, c.updates, c.rounds, c.decided, c.already, c.p50.Round(10*time.Microsecond), c.p99.Round(10*time.Microsecond), c.max.Round(10*time.Microsecond))
	if c.updates != c.rounds || c.decided != c.rounds {
		return fmt.Errorf("clicks: %d Zendesk changes and %d decisions for %d seats", c.updates, c.decided, c.rounds)
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
