package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot/console"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
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
	jobs.NameTokenDigest:    dryRunTokenDigest,
	jobs.NameAccessExpiry:   dryRunAccessExpiry,
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

// dryRunTokenDigest draws the credential digests each register would
// send this week, claiming and sending nothing.
func dryRunTokenDigest(ctx context.Context, a *app, out io.Writer) error {
	n := 0
	for _, t := range a.tokenRegisters() {
		digests, err := t.Preview(ctx, a.now())
		if err != nil {
			return err
		}
		for _, d := range digests {
			to := d.Owner
			if to == credentials.AdminDigest {
				to = "the admin channel"
				if a.cfg.Policy.AdminChannel == "" {
					to += " (none is set: admin_channel in the policy, so nobody would get it)"
				}
			}
			text, _ := console.Render(d.Message)
			fmt.Fprintf(out, "── would send to %s ──\n%s\n\n", to, text)
		}
		n += len(digests)
	}
	fmt.Fprintf(out, "%d credential %s would go out, unless one went out already this week. Nothing was sent.\n", n, plural(n, "digest", "digests"))
	return nil
}

// dryRunAccessExpiry lists the grants the job would make, end and warn
// about now, changing no role and telling nobody.
func dryRunAccessExpiry(ctx context.Context, a *app, out io.Writer) error {
	p, err := a.access.Preview(ctx)
	if err != nil {
		return err
	}
	now := a.now()
	for _, r := range p.Grant {
		fmt.Fprintf(out, "would grant %s to %s for %s (request %s)\n", r.Answers[approvals.FieldRole], r.Requester, r.Answers[approvals.FieldDuration], r.ID)
	}
	for _, g := range p.End {
		fmt.Fprintf(out, "would end %s: %s's %s, due %s\n", g.ID, g.Email, g.RoleName, g.End.Format(time.RFC3339))
	}
	for _, g := range p.Warn {
		fmt.Fprintf(out, "would warn %s that %s ends in %s\n", g.Email, g.ID, access.Format(g.Left(now)))
	}
	fmt.Fprintf(out, "%d to grant, %d to end, %d to warn. Nothing was changed or sent.\n", len(p.Grant), len(p.End), len(p.Warn))
	return nil
}
