package slack

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/internal/intake"
)

// queuedClick is a click as the intake keeps it: everything its answer
// needs but the trigger_id, which lapses in 3 seconds anyway.
type queuedClick struct {
	Request     bot.Request    `json:"request"`
	ResponseURL string         `json:"response_url"`
	Origin      bot.MessageRef `json:"origin"`
}

// takeClick queues a click's answer and returns the acknowledgement:
// nil, or a busy note when it cannot be taken. With an intake the click
// is written to the store first, so it outlives this replica; a store
// that cannot take it gets the same busy note, and nothing is queued.
func (a *Adapter) takeClick(ctx context.Context, req bot.Request, c click) any {
	if a.intake == nil {
		if !a.pool.Submit(func(ctx context.Context) { a.answerClick(ctx, req, c) }) {
			return busyReply()
		}
		return nil
	}
	id, err := a.intake.Add(ctx, queuedClick{Request: req, ResponseURL: c.responseURL, Origin: c.origin})
	if err != nil {
		a.log.WarnContext(ctx, "click refused: the store did not take it", slog.String("user", req.User.ID), slog.Any("error", err))
		return busyReply()
	}
	if !a.pool.Submit(func(ctx context.Context) { a.answerQueued(ctx, id, req, c) }) {
		if err := a.intake.Done(ctx, id); err != nil {
			// Left in the store, it is answered after its lease: the
			// person hears twice rather than never.
			a.log.WarnContext(ctx, "busy click left in the intake", slog.String("id", id), slog.Any("error", err))
		}
		return busyReply()
	}
	return nil
}

// answerQueued answers a click from the intake, unless another replica
// has taken it meanwhile, and removes it once answered.
func (a *Adapter) answerQueued(ctx context.Context, id string, req bot.Request, c click) {
	mine, err := a.intake.Start(ctx, id)
	if err != nil {
		a.log.WarnContext(ctx, "click not answered: its intake entry could not be renewed; the sweep takes it up", slog.String("id", id), slog.Any("error", err))
		return
	}
	if !mine {
		return
	}
	a.answerClick(ctx, req, c)
	if err := a.intake.Done(ctx, id); err != nil {
		a.log.WarnContext(ctx, "answered click still in the intake; it may be answered again", slog.String("id", id), slog.Any("error", err))
	}
}

// resumeClick queues the answer to a click a dead replica acknowledged
// and never answered; the worker takes it, unless another replica has.
// Its trigger_id has lapsed, so a form it opens is refused with the usual
// note to press again.
func (a *Adapter) resumeClick(w intake.Work) bool {
	return a.pool.Submit(func(ctx context.Context) {
		defer a.intake.Finished(w.ID)
		var q queuedClick
		if err := json.Unmarshal(w.Payload, &q); err != nil {
			a.log.ErrorContext(ctx, "unreadable click in the intake; dropped", slog.String("id", w.ID), slog.Any("error", err))
			_ = a.intake.Done(ctx, w.ID)
			return
		}
		taken, err := a.intake.Take(ctx, w.ID)
		if err != nil || !taken {
			return
		}
		a.log.InfoContext(ctx, "answering a click a replica acknowledged and left unanswered", slog.String("id", w.ID),
			slog.Int("attempt", w.Attempts+1), slog.Duration("waited", a.opt.Now().Sub(w.Received)))
		a.answerClick(ctx, q.Request, click{responseURL: q.ResponseURL, origin: q.Origin})
		if err := a.intake.Done(ctx, w.ID); err != nil {
			a.log.WarnContext(ctx, "answered click still in the intake; it may be answered again", slog.String("id", w.ID), slog.Any("error", err))
		}
	})
}
