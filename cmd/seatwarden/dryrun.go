package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/seatwarden/seatwarden/bot/console"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// dryRuns are the jobs run-job --dry-run can show without doing: what
// they would read, save and send, printed, with nothing saved or sent.
var dryRuns = map[string]func(ctx context.Context, a *app, out io.Writer) error{
	jobs.NameSync:           dryRunSync,
	jobs.NameInactiveDigest: dryRunDigest,
}

// dryRunSync reads every governed SaaS as the sync does and says what
// it would save.
func dryRunSync(ctx context.Context, a *app, out io.Writer) error {
	for _, s := range a.syncers {
		dry := *s
		dry.DryRun = true
		name := connector.Title(store.ConnectorOrDefault(s.Connector))
		res, err := dry.Sync(ctx)
		if err != nil {
			return err
		}
		rules := wiring.SeatPolicy(a.cfg.Policy)
		if s.Connector == connector.GitHub {
			rules = wiring.GitHubSeatPolicy(a.cfg.Policy)
		}
		paid := seats.Evaluate(res.Snapshot, rules, a.now()).Summary.Paid.Seats
		kind := "incremental"
		if res.Full {
			kind = "full"
		}
		fmt.Fprintf(out, "%s: a %s sync read %d records in %d requests and would save %d staff (%d joined, %d left; %d before), %d paid seats. Nothing was saved.\n",
			name, kind, res.Seen, res.Requests, res.StaffAfter, res.Added, res.Removed, res.StaffBefore, paid)
	}
	return nil
}

// dryRunDigest draws the digest each owner would get this week, as the
// job would pick and draw it, opening no review and sending nothing.
func dryRunDigest(ctx context.Context, a *app, out io.Writer) error {
	period, digests, missing, err := a.reviews.Preview(ctx, a.now())
	if err != nil {
		return err
	}
	for _, saas := range missing {
		fmt.Fprintf(out, "%s: no seat snapshot yet (run `seatwarden run-job sync` first); its seats are left out.\n", connector.Title(saas))
	}
	if len(missing) == len(a.syncers) {
		return errors.New("no seat snapshot yet: run `seatwarden run-job sync` first")
	}
	for _, d := range digests {
		text, _ := console.Render(d.Message)
		fmt.Fprintf(out, "── would send to %s ──\n%s\n\n", d.Owner, text)
	}
	fmt.Fprintf(out, "%d %s would get a digest for review %s. Nothing was opened or sent.\n",
		len(digests), plural(len(digests), "owner", "owners"), period)
	return nil
}
