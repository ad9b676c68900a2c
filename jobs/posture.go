package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/posture"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/store"
)

// NamePostureDigest posts the weekly posture to the admin channel.
const NamePostureDigest = "posture-digest"

// PostureDigest is the posture-digest job: the posture now, compared with
// last week's (kept as a weekly record), posted once a week.
type PostureDigest struct {
	Sources  posture.Sources
	Records  store.Records
	Keys     store.Idempotency
	Notifier bot.Notifier
	Channel  string
	Command  string
	Location *time.Location
	// GraceDays is how long a privileged person first seen without 2FA
	// has to turn it on (posture.mfa_grace_days); 0 sends no reminders.
	GraceDays int
	Logger    *slog.Logger
}

const kindPostureWeek = "posture-week"

// Job is the posture-digest job.
func (p *PostureDigest) Job() Definition {
	return Definition{
		Name:        NamePostureDigest,
		Description: "posts the week's security posture to the admin channel, with what changed since last week",
		Run:         p.Run,
	}
}

// Run reads the posture, keeps this week's numbers and posts the digest,
// once a week across replicas.
func (p *PostureDigest) Run(ctx context.Context, now time.Time) error {
	r, err := posture.Gather(ctx, p.Sources)
	if err != nil {
		return err
	}
	counts := r.Counts()
	week := reviews.PeriodOf(now, p.Location)
	data, err := json.Marshal(counts)
	if err != nil {
		return err
	}
	if _, err := store.UpsertRecord(ctx, p.Records, kindPostureWeek, week, func(store.Record) ([]byte, error) { return data, nil }); err != nil {
		return fmt.Errorf("posture-digest: keep the week's numbers: %w", err)
	}
	last, err := p.week(ctx, reviews.PeriodOf(now.AddDate(0, 0, -7), p.Location))
	if err != nil {
		return err
	}
	var errs []error
	if p.GraceDays > 0 {
		errs = append(errs, p.nudge(ctx, r, week, now))
	}
	if p.Notifier == nil || p.Channel == "" {
		p.log().WarnContext(ctx, "posture-digest: no admin channel or chat transport to post to; the numbers are kept")
		return errors.Join(errs...)
	}
	errs = append(errs, p.post(ctx, r, counts, last, week))
	return errors.Join(errs...)
}

// post sends the digest once a week.
func (p *PostureDigest) post(ctx context.Context, r posture.Report, counts posture.Counts, last *posture.Counts, week string) error {
	_, err := sendOnce(ctx, p.Keys, "posture-digest:"+week, 8*24*time.Hour, func() error {
		_, err := p.Notifier.SendChannel(ctx, p.Channel, prompts.PostureDigest(r, &counts, last, p.Command))
		return err
	})
	return err
}

// nudge reminds, once a week, each privileged person without 2FA, and
// tells the admin channel once when one is past the deadline.
func (p *PostureDigest) nudge(ctx context.Context, r posture.Report, week string, now time.Time) error {
	gaps, err := posture.Gaps(ctx, p.Records, r, p.GraceDays, now)
	if err != nil || p.Notifier == nil {
		return err
	}
	var errs []error
	send := func(key string, ttl time.Duration, deliver func() error) {
		_, err := sendOnce(ctx, p.Keys, key, ttl, deliver)
		errs = append(errs, err)
	}
	for _, g := range gaps {
		id := g.SaaS + ":" + g.Email
		send("mfa-nudge:"+week+":"+id, 8*24*time.Hour, func() error {
			_, err := p.Notifier.SendDirect(ctx, g.Email, prompts.MFANudge(g, p.Location))
			if errors.Is(err, bot.ErrUnreachable) {
				return nil // the overdue notice still reaches the admins
			}
			return err
		})
		if g.Overdue(now) && p.Channel != "" {
			send("mfa-overdue:"+id+":"+g.Deadline.Format(time.DateOnly), 400*24*time.Hour, func() error {
				_, err := p.Notifier.SendChannel(ctx, p.Channel, prompts.MFAOverdue(g, p.Location))
				return err
			})
		}
	}
	return errors.Join(errs...)
}

// week is a kept week's numbers; nil when none was kept.
func (p *PostureDigest) week(ctx context.Context, id string) (*posture.Counts, error) {
	rec, err := p.Records.GetRecord(ctx, kindPostureWeek, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var c posture.Counts
	if err := json.Unmarshal(rec.Data, &c); err != nil {
		return nil, fmt.Errorf("posture-digest: unreadable week %s: %w", id, err)
	}
	return &c, nil
}

func (p *PostureDigest) log() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.New(slog.DiscardHandler)
}
