package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/seatwarden/seatwarden/bot/console"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
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

// dryRunDigest draws the digest each owner would get this week, from the
// snapshots and the rules, opening no review and sending nothing: the
// open seats with an owner, of every governed SaaS, one digest per owner
// as the job sends them.
func dryRunDigest(ctx context.Context, a *app, out io.Writer) error {
	now := a.now()
	loc := a.cfg.Policy.Location()
	period := a.reviews.Service.Cadence().PeriodOf(now, loc)
	byOwner := map[string][]reviews.Item{}
	seatsAsked := 0
	for _, r := range append([]*jobs.Reviews{a.reviews}, a.reviews.Also...) {
		saas := connector.Title(connector.OrZendesk(r.Service.Connector))
		snap, err := r.Snapshots.LoadSnapshot(ctx, r.Service.Connector)
		if errors.Is(err, store.ErrNotFound) {
			fmt.Fprintf(out, "%s: no seat snapshot yet (run `seatwarden run-job sync` first); its seats are left out.\n", saas)
			continue
		}
		if err != nil {
			return err
		}
		if _, opened, err := r.Service.Opened(ctx, period); err == nil && opened {
			fmt.Fprintf(out, "%s: review %s is open already; its digests show the seats still waiting, as its reminders would.\n", saas, period)
		}
		items, err := r.Service.Preview(ctx, period, seats.Evaluate(snap, r.Rules, now), r.Owners.Of)
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.State == reviews.Open && it.Owner != "" {
				byOwner[it.Owner] = append(byOwner[it.Owner], it)
				seatsAsked++
			}
		}
	}
	view := prompts.Review{Period: period, Location: loc, Currency: a.cfg.Policy.Pricing.Currency, Command: a.cfg.Policy.Command,
		Now: now, Deadline: reviews.Deadline(period, loc), SaaS: connector.Zendesk}
	for _, owner := range slices.Sorted(maps.Keys(byOwner)) {
		text, _ := console.Render(view.Digest(prompts.Digest, owner, byOwner[owner], 1))
		fmt.Fprintf(out, "── would send to %s ──\n%s\n\n", owner, text)
	}
	fmt.Fprintf(out, "%d %s would be asked about %d %s in review %s. Nothing was opened or sent.\n",
		len(byOwner), plural(len(byOwner), "owner", "owners"), seatsAsked, plural(seatsAsked, "seat", "seats"), period)
	return nil
}
