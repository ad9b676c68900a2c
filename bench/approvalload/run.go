package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/telemetry"
)

// The people of the benchmark's policy. The owner named in the form is not
// an approver, so the owner rule of the quorum never changes the count.
const (
	requester = "requester@bench.example"
	owner     = "owner@bench.example"
	channel   = "C0APPROVALS"
)

func approverEmail(i int) string { return fmt.Sprintf("approver%03d@bench.example", i) }

// run measures every store in turn and prints the report.
func run(ctx context.Context, o options, out, logs io.Writer) (*report, error) {
	say := func(format string, a ...any) { fmt.Fprintf(out, format, a...) }
	logOut := io.Discard
	if o.Verbose {
		logOut = logs
	}
	log, err := telemetry.NewLogger(logOut, config.DefaultLogLevel, config.DefaultLogFormat)
	if err != nil {
		return nil, err
	}
	say("approvalload: %s, %d CPUs; %s requests needing %d approvals, %d approvers each, then %d requests at once\n",
		runtime.Version(), runtime.GOMAXPROCS(0), benchkit.Commas(o.Requests), o.Needed, o.Approvers, o.Parallel)

	rep := &report{Options: o}
	stopProfile, err := benchkit.StartCPUProfile(o.CPUProfile)
	if err != nil {
		return nil, err
	}
	defer func() { _ = stopProfile() }()

	var targets []string
	if o.Embedded {
		targets = append(targets, "")
	}
	if o.RedisURL != "" {
		targets = append(targets, o.RedisURL)
	}
	for _, target := range targets {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("interrupted: %w", err)
		}
		st, name, where, closeStore, err := benchkit.OpenStore(ctx, "approvalload", target, log, say)
		if err != nil && target != "" {
			rep.RedisSkipped = err.Error()
			say("\nRedis: skipped, %v\n", err)
			continue
		}
		if err != nil {
			return rep, err
		}
		say("\n== %s: %s\n", name, where)
		f, err := measure(ctx, o, st, log, say)
		if cerr := closeStore(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		if err != nil {
			return rep, fmt.Errorf("%s: %w", name, err)
		}
		f.Store = name
		rep.Stores = append(rep.Stores, f)
	}
	if err := stopProfile(); err != nil {
		return rep, err
	}
	if o.CPUProfile != "" {
		say("\nCPU profile written to %s\n", o.CPUProfile)
	}
	rep.finish()
	rep.print(out)
	return rep, nil
}

// opCounter counts, through store.Instrument, the store operations an
// Approve makes: votes, reads, and compare-and-set writes with the ones
// that lost a race.
type opCounter struct {
	votes, reads, writes, conflicts atomic.Int64
}

func (c *opCounter) observe(op string, _ time.Duration, err error) {
	switch op {
	case "cast_vote":
		c.votes.Add(1)
	case "get_record":
		c.reads.Add(1)
	case "cas_record", "close_ballot":
		c.writes.Add(1)
		if errors.Is(err, store.ErrConflict) {
			c.conflicts.Add(1)
		}
	}
}

// take returns the counts since the last take and starts again.
func (c *opCounter) take() storeOps {
	return storeOps{Votes: c.votes.Swap(0), Reads: c.reads.Swap(0), Writes: c.writes.Swap(0), Conflicts: c.conflicts.Swap(0)}
}

// measure runs both phases on st.
func measure(ctx context.Context, o options, st store.Store, log *slog.Logger, say func(string, ...any)) (*storeFigures, error) {
	ops := &opCounter{}
	inst := store.Instrument(st, ops.observe)
	approvers := make([]string, o.Approvers)
	for i := range approvers {
		approvers[i] = approverEmail(i)
	}
	svc := &approvals.Service{
		Records: inst, Audit: inst,
		Policy: approvals.Policy{
			Location: time.UTC, Channel: channel, Approvers: approvers, HighRiskApprovals: o.Needed,
		},
		Now: time.Now, Holder: "approvalload", Logger: log,
	}
	f := &storeFigures{}
	for _, p := range []struct {
		name string
		at   int
	}{{"one at a time", 1}, {fmt.Sprintf("%d at once", o.Parallel), o.Parallel}} {
		ph, err := phase(ctx, o, svc, st, ops, p.at)
		if err != nil {
			return f, fmt.Errorf("%s: %w", p.name, err)
		}
		ph.Name = p.name
		f.Phases = append(f.Phases, ph)
		say("%-14s %s requests in %s: %s approvals, %s transitions, %s transitions/s, %s votes, %s reads, %s CAS writes; %s\n",
			p.name+":", benchkit.Commas(ph.Requests), ph.Wall.Round(time.Millisecond), benchkit.Commas(ph.Approvals),
			benchkit.Commas(ph.Transitions), ph.rate(), benchkit.Commas(int(ph.Ops.Votes)), benchkit.Commas(int(ph.Ops.Reads)),
			benchkit.Commas(int(ph.Ops.Writes)), benchkit.Verdict(len(ph.Failures) == 0))
		for _, msg := range ph.Failures {
			say("FAIL           %s\n", msg)
		}
	}
	return f, nil
}

// call is one Approve call's outcome.
type call struct {
	d          time.Duration
	won        bool // recorded an approval
	transition bool // and moved the request to approved
	refused    bool // refused: no longer pending
	err        error
}

// phase opens o.Requests requests, then has every approver approve each,
// at requests at a time, and checks what the store holds.
func phase(ctx context.Context, o options, svc *approvals.Service, st store.Store, ops *opCounter, at int) (*phaseFigures, error) {
	ids := make([]string, o.Requests)
	form := approvals.Answers{
		approvals.FieldApp:    "Customer Data Export",
		approvals.FieldWhy:    "Nightly export of customer records to the warehouse",
		approvals.FieldData:   approvals.DataCustomerPII,
		approvals.FieldScopes: "read users:read",
		approvals.FieldOwner:  owner,
		approvals.FieldReview: time.Now().UTC().AddDate(0, 0, 90).Format(time.DateOnly),
	}
	for i := range ids {
		r, err := svc.Submit(ctx, approvals.App.Name, approvals.Actor{Email: requester}, form, 0)
		if err != nil {
			return nil, fmt.Errorf("submit: %w", err)
		}
		if r.Tier != approvals.High || r.Needed != o.Needed {
			return nil, fmt.Errorf("submitted %s is %s risk needing %d, want high needing %d", r.ID, r.Tier, r.Needed, o.Needed)
		}
		ids[i] = r.ID
	}
	auditStart, err := lastAuditSeq(ctx, st)
	if err != nil {
		return nil, err
	}

	calls := make([][]call, len(ids))
	ops.take()
	start := time.Now()
	next := make(chan int)
	var workers sync.WaitGroup
	for range at {
		workers.Go(func() {
			for i := range next {
				calls[i] = approveAll(ctx, svc, ids[i], o.Approvers)
			}
		})
	}
	for i := range ids {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	workers.Wait()
	ph := &phaseFigures{Requests: len(ids), Wall: time.Since(start)}
	ph.Ops = ops.take()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return ph, ph.check(ctx, o, svc, st, ids, calls, auditStart)
}

// approveAll has every approver call Approve on id at once, released
// together so they race.
func approveAll(ctx context.Context, svc *approvals.Service, id string, approvers int) []call {
	out := make([]call, approvers)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range approvers {
		who := approvals.Actor{Email: approverEmail(i)}
		wg.Go(func() {
			<-gate
			begin := time.Now()
			r, err := svc.Approve(ctx, id, who)
			c := call{d: time.Since(begin), err: err}
			switch {
			case err == nil:
				c.won, c.transition = true, r.State == approvals.Approved
			case errors.Is(err, approvals.ErrNotPending):
				c.refused = true
			}
			out[i] = c
		})
	}
	close(gate)
	wg.Wait()
	return out
}

func lastAuditSeq(ctx context.Context, st store.Store) (int64, error) {
	var last int64
	for {
		page, err := st.ListAudit(ctx, last, 10_000)
		if err != nil {
			return 0, err
		}
		if len(page) == 0 {
			return last, nil
		}
		last = page[len(page)-1].Seq
	}
}

// check records the calls' figures and every way the phase broke an
// invariant.
func (ph *phaseFigures) check(ctx context.Context, o options, svc *approvals.Service, st store.Store, ids []string, calls [][]call, auditAfter int64) error {
	fail := func(format string, a ...any) {
		// The first few say enough; a broken invariant tends to break
		// for every request.
		if len(ph.Failures) < 10 {
			ph.Failures = append(ph.Failures, fmt.Sprintf(format, a...))
		}
		ph.Broken++
	}
	for i, id := range ids {
		won, transitions, refused := 0, 0, 0
		for _, c := range calls[i] {
			ph.Calls++
			switch {
			case c.won:
				won++
				ph.Winners = append(ph.Winners, c.d)
				if c.transition {
					transitions++
				}
			case c.refused:
				refused++
				ph.Refused = append(ph.Refused, c.d)
			default:
				ph.Errors++
				fail("%s: Approve failed: %v", id, c.err)
			}
		}
		ph.Transitions += transitions
		if won != o.Needed || transitions != 1 || refused != o.Approvers-o.Needed {
			fail("%s: %d approvals accepted, %d transitions, %d refused as not pending; want %d, 1, %d", id, won, transitions, refused, o.Needed, o.Approvers-o.Needed)
		}
		r, err := svc.Get(ctx, id)
		if err != nil {
			return err
		}
		ph.Approvals += len(r.Approvals)
		if len(r.Approvals) != o.Needed || r.State != approvals.Approved {
			fail("%s: stored %s with %d approvals, want approved with %d", id, r.State, len(r.Approvals), o.Needed)
		}
		outcome, direct := 0, 0
		for _, n := range r.Outbox {
			switch {
			case n.Kind == approvals.Reply && n.Event == approvals.EventApproved:
				outcome++
			case n.Kind == approvals.Direct:
				direct++
			}
		}
		if outcome != 1 || direct != 1 {
			fail("%s: the outbox promises the outcome %d times and the requester %d messages, want 1 and 1", id, outcome, direct)
		}
	}
	slices.Sort(ph.Winners)
	slices.Sort(ph.Refused)

	approved := map[string]int{}
	approvalEntries := map[string]int{}
	for after := auditAfter; ; {
		page, err := st.ListAudit(ctx, after, 10_000)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			id := strings.TrimPrefix(e.Subject, "request:")
			switch e.Action {
			case "approval.approved":
				approved[id]++
			case "approval.approval":
				approvalEntries[id]++
			}
		}
		after = page[len(page)-1].Seq
	}
	for _, id := range ids {
		if approved[id] != 1 || approvalEntries[id] != o.Needed {
			fail("%s: audited approval.approved %d times and approval.approval %d, want 1 and %d", id, approved[id], approvalEntries[id], o.Needed)
		}
	}
	if ph.Broken > len(ph.Failures) {
		ph.Failures = append(ph.Failures, fmt.Sprintf("… %d failures in all", ph.Broken))
	}
	return nil
}
