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
	if err := a.intake.Accept(ctx, act, a.pool.Submit, task); err != nil {
		a.log.WarnContext(ctx, "message refused: busy, or the store did not take it", slog.Any("error", err))
		return false
	}
	return true
}

// resumeActivity queues the answer to a message a dead replica
// acknowledged and never answered.
func (a *Adapter) resumeActivity(w intake.Work) bool {
	return a.intake.Resume(w, a.pool.Submit, func(ctx context.Context, payload json.RawMessage) bool {
		var act schema.Activity
		if err := json.Unmarshal(payload, &act); err != nil {
			a.log.ErrorContext(ctx, "unreadable message in the intake; dropped", slog.String("id", w.ID), slog.Any("error", err))
			return true
		}
		if task, ok := a.answerTask(act); ok {
			task(ctx)
		}
		return true
	})
}
