package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/jobs"
)

func runJobCmd(ctx context.Context, args []string, e env) error {
	fs := newFlags("run-job", "run-job NAME\n\nRuns one job now, under its lock, and exits non-zero if it failed.\nJobs: "+strings.Join(jobs.Names, ", "), e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(e.stderr, "seatwarden run-job: name one job, e.g. seatwarden run-job sync (jobs: %s)\n", strings.Join(jobs.Names, ", "))
		return errUsage
	}
	name := fs.Arg(0)
	a, err := openApp(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	def, err := a.jobs.Lookup(name)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := a.runner.Run(ctx, def); err != nil {
		if errors.Is(err, jobs.ErrLocked) {
			return fmt.Errorf("%s is running elsewhere right now (another replica holds its lock); nothing was done", name)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "%s: ok in %s\n", name, time.Since(start).Round(time.Millisecond))
	if calls := a.metrics.ZendeskRequests(); len(calls) > 0 {
		total := 0
		var parts []string
		for _, ep := range slices.Sorted(maps.Keys(calls)) {
			total += calls[ep]
			parts = append(parts, fmt.Sprintf("%s %d", ep, calls[ep]))
		}
		fmt.Fprintf(e.stdout, "zendesk requests: %d (%s)\n", total, strings.Join(parts, ", "))
	}
	return nil
}
