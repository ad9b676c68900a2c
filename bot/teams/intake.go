package teams

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/seatwarden/seatwarden/bot/internal/intake"
)

// takeActivity queues task, the answer to act, and reports whether it
// did. With an intake the activity is written to the store first, so its
// answer outlives this replica.
func (a *Adapter) takeActivity(ctx context.Context, act schema.Activity, task func(context.Context)) bool {
	if a.intake == nil {
		return a.pool.Submit(task)
	}
	id, err := a.intake.Add(ctx, act)
	if err != nil {
		a.log.WarnContext(ctx, "message refused: the store did not take it", slog.Any("error", err))
		return false
	}
	queued := a.pool.Submit(func(ctx context.Context) {
		mine, err := a.intake.Start(ctx, id)
		if err != nil {
			a.log.WarnContext(ctx, "message not answered: its intake entry could not be renewed; the sweep takes it up", slog.String("id", id), slog.Any("error", err))
			return
		}
		if mine {
			task(ctx)
			a.intakeDone(ctx, id)
		}
	})
	if !queued {
		a.intakeDone(ctx, id)
	}
	return queued
}

func (a *Adapter) intakeDone(ctx context.Context, id string) {
	if err := a.intake.Done(ctx, id); err != nil {
		a.log.WarnContext(ctx, "message still in the intake; it may be answered again", slog.String("id", id), slog.Any("error", err))
	}
}

// resumeActivity queues the answer to a message a dead replica
// acknowledged and never answered; the worker takes it, unless another
// replica has.
func (a *Adapter) resumeActivity(w intake.Work) bool {
	return a.pool.Submit(func(ctx context.Context) {
		defer a.intake.Finished(w.ID)
		var act schema.Activity
		if err := json.Unmarshal(w.Payload, &act); err != nil {
			a.log.ErrorContext(ctx, "unreadable message in the intake; dropped", slog.String("id", w.ID), slog.Any("error", err))
			a.intakeDone(ctx, w.ID)
			return
		}
		task, ok := a.answerTask(act)
		if !ok {
			a.intakeDone(ctx, w.ID)
			return
		}
		if taken, err := a.intake.Take(ctx, w.ID); err != nil || !taken {
			return
		}
		a.log.InfoContext(ctx, "answering a message a replica acknowledged and left unanswered", slog.String("id", w.ID),
			slog.Int("attempt", w.Attempts+1), slog.Duration("waited", a.opt.Now().Sub(w.Received)))
		task(ctx)
		a.intakeDone(ctx, w.ID)
	})
}
