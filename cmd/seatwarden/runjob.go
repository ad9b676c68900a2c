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
	"github.com/seatwarden/seatwarden/prompts"
)

func runJobCmd(ctx context.Context, args []string, e env) error {
	fs := newFlags("run-job", "run-job NAME [--dry-run]\n\nRuns one job now, under its lock, and exits non-zero if it failed.\nJobs: "+strings.Join(jobs.Names, ", ")+
		"\nWith --dry-run ("+strings.Join(slices.Sorted(maps.Keys(dryRuns)), ", ")+") it prints what the job would save and send, and saves and sends nothing.", e)
	dryRun := fs.Bool("dry-run", false, "print what the job would save and send; save and send nothing")
	// The job's name may come before its flags: run-job sync --dry-run.
	name, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, rest = args[0], args[1:]
	}
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	words := fs.Args()
	if name == "" && len(words) > 0 {
		name, words = words[0], words[1:]
	}
	if name == "" || len(words) > 0 {
		fmt.Fprintf(e.stderr, "seatwarden run-job: name one job, e.g. seatwarden run-job sync (jobs: %s)\n", strings.Join(jobs.Names, ", "))
		return errUsage
	}
	dry, canDry := dryRuns[name]
	if *dryRun && !canDry {
		fmt.Fprintf(e.stderr, "seatwarden run-job: --dry-run shows %s only; %s would have to be run to see what it does (preview one message with the chat command preview)\n",
			prompts.JoinAnd(slices.Sorted(maps.Keys(dryRuns))), name)
		return errUsage
	}
	a, err := openApp(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	if *dryRun {
		return dry(ctx, a, e.stdout)
	}
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
