package jobs

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/internal/trendchart"
	"github.com/seatwarden/seatwarden/people"
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
	// has to turn it on (posture.mfa.grace_days); 0 sends no reminders.
	GraceDays int
	// OnDeadline is what happens past the deadline (posture.mfa.
	// on_deadline): MFAEscalate (or "") tells the seat's owner and the
	// admin channel; MFADemote takes the privilege away through Demote,
	// and escalates when it cannot.
	OnDeadline string
	// Owner names who answers for a member's seat, never the member; nil
	// (or "") tells only the admin channel.
	Owner func(ctx context.Context, saas string, userID int64) (string, error)
	// Demote takes a member's privilege away for why, exactly once across
	// replicas (the privilege review's TakePrivilege); nil escalates.
	Demote func(ctx context.Context, saas string, userID int64, why string) (reviews.Item, error)
	Logger *slog.Logger
}

// What happens past the 2FA deadline.
const (
	MFAEscalate = "escalate"
	MFADemote   = "demote"
)

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
	errs = append(errs, p.post(ctx, r, counts, last, week, now))
	return errors.Join(errs...)
}

// post sends the digest once a week, with the trend picture when there
// are weeks to compare.
func (p *PostureDigest) post(ctx context.Context, r posture.Report, counts posture.Counts, last *posture.Counts, week string, now time.Time) error {
	_, err := sendOnce(ctx, p.Keys, "posture-digest:"+week, 8*24*time.Hour, func() error {
		msg := prompts.PostureDigest(r, &counts, last, p.Command)
		img, err := p.trend(ctx, now)
		if err != nil {
			p.log().WarnContext(ctx, "posture-digest: no trend picture this week; the numbers go out alone", slog.Any("error", err))
		}
		msg.Image = img
		_, err = p.Notifier.SendChannel(ctx, p.Channel, msg)
		return err
	})
	return err
}

// trendWeeks is how many weeks the trend picture shows.
const trendWeeks = 8

// trend draws the kept weeks, up to trendWeeks back from now's; nil
// before two weeks are kept.
func (p *PostureDigest) trend(ctx context.Context, now time.Time) (*bot.Image, error) {
	loc := cmp.Or(p.Location, time.UTC)
	var labels []string
	var weeks []posture.Counts
	for back := trendWeeks - 1; back >= 0; back-- {
		at := now.AddDate(0, 0, -7*back).In(loc)
		c, err := p.week(ctx, reviews.PeriodOf(at, loc))
		if err != nil {
			return nil, err
		}
		if c == nil {
			continue
		}
		monday := at.AddDate(0, 0, -((int(at.Weekday()) + 6) % 7))
		labels, weeks = append(labels, monday.Format("2 Jan")), append(weeks, *c)
	}
	if len(weeks) < 2 {
		return nil, nil
	}
	series := []trendchart.Series{
		{Name: "standing admins", Values: countsOf(weeks, func(c posture.Counts) int { return c.Standing })},
		{Name: "privileged without 2FA", Values: countsOf(weeks, func(c posture.Counts) int { return c.NoMFA })},
		{Name: "inactive paid seats", Values: countsOf(weeks, func(c posture.Counts) int { return c.Inactive })},
		{Name: "API tokens", Values: countsOf(weeks, func(c posture.Counts) int { return c.TokensLeft })},
	}
	if p.Sources.Directory != nil {
		series = append(series, trendchart.Series{Name: "leavers holding seats", Values: countsOf(weeks, func(c posture.Counts) int { return c.Departed })})
	}
	title := fmt.Sprintf("Security posture, the last %d weeks", len(weeks))
	png, err := trendchart.PNG(title, labels, series)
	if err != nil {
		return nil, err
	}
	return &bot.Image{PNG: png, Name: "posture-trend.png", Title: title,
		Alt: fmt.Sprintf("%s: %s", title, trendWords(series))}, nil
}

// trendWords says what the picture shows, for screen readers: each
// count's first and last value.
func trendWords(series []trendchart.Series) string {
	words := make([]string, len(series))
	for i, s := range series {
		words[i] = fmt.Sprintf("%s %d → %d", s.Name, int(s.Values[0]), int(s.Values[len(s.Values)-1]))
	}
	return strings.Join(words, ", ")
}

func countsOf(weeks []posture.Counts, count func(posture.Counts) int) []float64 {
	out := make([]float64, len(weeks))
	for i, c := range weeks {
		out[i] = float64(count(c))
	}
	return out
}

// nudge reminds, once a week, each privileged person without 2FA; past
// their deadline it escalates or demotes, as the policy says.
func (p *PostureDigest) nudge(ctx context.Context, r posture.Report, week string, now time.Time) error {
	gaps, err := posture.Gaps(ctx, p.Records, r, p.GraceDays, now)
	if err != nil || p.Notifier == nil {
		return err
	}
	var errs []error
	for _, g := range gaps {
		if g.Overdue(now) {
			demoted, err := p.pastDeadline(ctx, g)
			errs = append(errs, err)
			if demoted {
				continue // nothing left to remind them of
			}
		}
		_, err := sendOnce(ctx, p.Keys, "mfa-nudge:"+week+":"+gapID(g), 8*24*time.Hour, func() error {
			return p.direct(ctx, g.Email, prompts.MFANudge(g, p.Location, p.demotes()))
		})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (p *PostureDigest) demotes() bool { return p.OnDeadline == MFADemote && p.Demote != nil }

// gapID names a gap in idempotency keys: the SaaS and the person.
func gapID(g posture.Gap) string { return g.SaaS + ":" + g.Email }

// pastDeadline acts on a gap past its deadline: with demote, the
// privilege is taken away and the person, their seat's owner and the
// admin channel are told once each; otherwise, or when it cannot be
// taken, the owner and the admin channel are told once. It reports
// whether the privilege is gone.
func (p *PostureDigest) pastDeadline(ctx context.Context, g posture.Gap) (bool, error) {
	owner, err := p.owner(ctx, g)
	if err != nil {
		return false, err
	}
	deadline := g.Deadline.UTC().Format(time.DateOnly)
	key := "mfa-overdue:" + gapID(g) + ":" + deadline
	note := ""
	if p.demotes() && g.UserID != 0 {
		it, err := p.Demote(ctx, g.SaaS, g.UserID, "no two-factor authentication by "+deadline)
		switch {
		case err != nil:
			note = "Taking the privilege away failed (" + err.Error() + "); the next weekly check tries again."
			p.log().ErrorContext(ctx, "posture-digest: could not take privilege away past the 2FA deadline", slog.String("who", g.Email), slog.Any("error", err))
		case it.State == reviews.MadeJustInTime && it.Change != nil && it.Change.Status == reviews.ChangeDone:
			msg := prompts.MFADemoted(g, p.Location, p.Command)
			return true, p.tell(ctx, "mfa-demoted:"+gapID(g)+":"+deadline, g.Email, owner, msg, true)
		case it.State == reviews.MadeJustInTime && it.Change != nil && it.Change.Status == reviews.ChangePending:
			return false, nil // recorded; the reminders job carries it out, the next check tells
		case it.State == reviews.MadeJustInTime && it.Change != nil:
			note = fmt.Sprintf("Taking the privilege away was refused: %s.", cmp.Or(it.Note, "the change failed"))
		default:
			note = fmt.Sprintf("The privilege review already decided about them this period (%s), so nothing more was done.", it.State)
		}
	}
	return false, p.tell(ctx, key, g.Email, owner, prompts.MFAOverdue(g, p.Location, note), false)
}

// owner is who answers for the gap's seat; "" when nobody but the person
// does, or the seat is gone since.
func (p *PostureDigest) owner(ctx context.Context, g posture.Gap) (string, error) {
	if p.Owner == nil || g.UserID == 0 {
		return "", nil
	}
	owner, err := p.Owner(ctx, g.SaaS, g.UserID)
	if errors.Is(err, ErrNoSeat) {
		return "", nil
	}
	return owner, err
}

// tell sends msg once each to the admin channel, the owner and, with
// person, the person themself; each audience has its own key, released
// when its send fails, so a retry sends only what did not arrive.
func (p *PostureDigest) tell(ctx context.Context, key, email, owner string, msg bot.Message, person bool) error {
	var errs []error
	send := func(audience string, deliver func() error) {
		_, err := sendOnce(ctx, p.Keys, key+":"+audience, 400*24*time.Hour, deliver)
		errs = append(errs, err)
	}
	if p.Channel != "" {
		send("admins", func() error {
			_, err := p.Notifier.SendChannel(ctx, p.Channel, msg)
			return err
		})
	}
	if owner != "" && !people.Same(owner, email) {
		send("owner", func() error { return p.direct(ctx, owner, msg) })
	}
	if person {
		send("person", func() error { return p.direct(ctx, email, msg) })
	}
	return errors.Join(errs...)
}

// direct sends a direct message; someone the transport cannot reach is
// not retried (the admin channel hears it all anyway).
func (p *PostureDigest) direct(ctx context.Context, email string, msg bot.Message) error {
	_, err := p.Notifier.SendDirect(ctx, email, msg)
	if errors.Is(err, bot.ErrUnreachable) {
		return nil
	}
	return err
}

// Purge deletes up to limit weekly posture records last written before
// before, and says how many it deleted.
func (p *PostureDigest) Purge(ctx context.Context, before time.Time, limit int) (int, error) {
	return store.DeleteRecordsWhere(ctx, p.Records, kindPostureWeek, limit, func(rec store.Record) bool { return rec.UpdatedAt.Before(before) })
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
