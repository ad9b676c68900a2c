package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/watch"
)

// NameAuditWatch reads each SaaS's audit log for trust-changing events.
const NameAuditWatch = "audit-watch"

// Watch is the audit-watch job: each watched SaaS's log read, then every
// recorded alert not yet posted sent to the alert channel, once.
type Watch struct {
	Services []*watch.Service
	Notifier bot.Notifier
	// Channel hears the alerts: posture.alert_channel, else the admin
	// channel.
	Channel  string
	Keys     store.Idempotency
	Location *time.Location
	Logger   *slog.Logger
}

// Job is the audit-watch job.
func (w *Watch) Job() Definition {
	return Definition{
		Name:        NameAuditWatch,
		Description: "reads each SaaS's audit log and alerts on trust-changing events (posture.watch)",
		Run:         func(ctx context.Context, _ time.Time) error { return w.Run(ctx) },
	}
}

// postClaim keeps a posted alert from being posted again by a replica
// that read it before this one marked it posted.
const postClaim = 7 * 24 * time.Hour

// Run reads and posts.
func (w *Watch) Run(ctx context.Context) error {
	var errs []error
	for _, svc := range w.Services {
		res, err := svc.Run(ctx)
		switch {
		case errors.Is(err, watch.ErrUnavailable):
			w.unavailable(ctx, svc.SaaS, err)
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("audit-watch: %s: %w", svc.SaaS, err))
		default:
			w.log().InfoContext(ctx, "audit-watch: read", slog.String("saas", svc.SaaS), slog.Int("events", res.Events),
				slog.Int("requests", res.Requests), slog.Int("alerts", len(res.Raised)))
		}
		errs = append(errs, w.post(ctx, svc))
	}
	return errors.Join(errs...)
}

// post sends the alerts not yet in the channel. Each is claimed first and
// the claim released when the send fails, so the next run retries it.
func (w *Watch) post(ctx context.Context, svc *watch.Service) error {
	if w.Notifier == nil || w.Channel == "" {
		return nil
	}
	alerts, err := svc.Unposted(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range alerts {
		sent, err := sendOnce(ctx, w.Keys, "watch:post:"+a.ID, postClaim, func() error {
			_, err := w.Notifier.SendChannel(ctx, w.Channel, prompts.TrustAlert(a, w.Location))
			return err
		})
		errs = append(errs, err)
		if sent {
			errs = append(errs, svc.MarkPosted(ctx, a.ID))
		}
	}
	return errors.Join(errs...)
}

// unavailable says once that the plan has no audit log.
func (w *Watch) unavailable(ctx context.Context, saas string, err error) {
	w.log().WarnContext(ctx, "audit-watch: the audit log is not available on this plan; the watch is idle", slog.String("saas", saas), slog.Any("error", err))
	if w.Keys == nil || w.Notifier == nil || w.Channel == "" {
		return
	}
	if _, err := sendOnce(ctx, w.Keys, "watch:unavailable:"+saas, 365*24*time.Hour, func() error {
		_, err := w.Notifier.SendChannel(ctx, w.Channel, prompts.WatchUnavailable(saas))
		return err
	}); err != nil {
		w.log().WarnContext(ctx, "audit-watch: the alert channel was not told", slog.Any("error", err))
	}
}

func (w *Watch) log() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.New(slog.DiscardHandler)
}
