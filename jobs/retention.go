package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/seatwarden/seatwarden/audit"
	"github.com/seatwarden/seatwarden/store"
)

// NameRetention deletes the bot's own records past their retention.
const NameRetention = "retention"

// Purger deletes one kind of record that ended before a time: What names
// it in the audit trail ("verifications"), Days is how long it is kept
// (0: for ever), Purge deletes up to limit and says how many it did.
type Purger struct {
	What  string
	Days  int
	Purge func(ctx context.Context, before time.Time, limit int) (int, error)
}

// Retention is the retention job: each purger in batches, then the audit
// trail, whose oldest entries go only once the SIEM has them. What it
// deleted is itself audited.
type Retention struct {
	Trail   store.Audit
	Records store.Records
	// AuditDays keeps the trail (0: for ever); Sink says a SIEM takes it,
	// so nothing it lacks is removed.
	AuditDays int
	Sink      bool
	Purgers   []Purger
	Logger    *slog.Logger
}

// purgeBatch is how many records one purge call deletes.
const purgeBatch = 500

// Job is the retention job.
func (r *Retention) Job() Definition {
	return Definition{
		Name:        NameRetention,
		Description: "deletes the bot's own records past their retention (retention.*_days), the audit trail only once the SIEM has it",
		Run:         r.Run,
	}
}

// Run deletes what is past its retention at now.
func (r *Retention) Run(ctx context.Context, now time.Time) error {
	var errs []error
	for _, p := range r.Purgers {
		if p.Days <= 0 {
			continue
		}
		before := now.AddDate(0, 0, -p.Days)
		total := 0
		for {
			n, err := p.Purge(ctx, before, purgeBatch)
			total += n
			if err != nil {
				errs = append(errs, fmt.Errorf("retention: %s: %w", p.What, err))
				break
			}
			if n < purgeBatch {
				break
			}
		}
		errs = append(errs, r.record(ctx, p.What, total, before))
	}
	if r.AuditDays > 0 {
		before := now.AddDate(0, 0, -r.AuditDays)
		n, err := audit.Trim(ctx, r.Trail, r.Records, r.Sink, before)
		if err != nil {
			errs = append(errs, fmt.Errorf("retention: the audit trail: %w", err))
		}
		errs = append(errs, r.record(ctx, "audit entries", n, before))
	}
	return errors.Join(errs...)
}

// record puts what was deleted in the audit trail and the log.
func (r *Retention) record(ctx context.Context, what string, n int, before time.Time) error {
	if n == 0 {
		return nil
	}
	r.log().InfoContext(ctx, "retention: deleted", slog.String("what", what), slog.Int("count", n), slog.Time("older_than", before))
	_, err := r.Trail.AppendAudit(ctx, store.AuditEntry{Actor: "job:" + NameRetention, Action: "retention.deleted", Subject: what,
		Detail: map[string]string{"count": strconv.Itoa(n), "older_than": before.UTC().Format(time.RFC3339)}})
	return err
}

func (r *Retention) log() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}
