package slack

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/internal/intake"
)

// queued is a click or an event as the intake keeps it: everything
// its answer needs but a click's trigger_id, which lapses in 3 seconds
// anyway. An event has its id and the text as Slack sent it.
type queued struct {
	Request     bot.Request    `json:"request"`
	ResponseURL string         `json:"response_url,omitempty"`
	Origin      bot.MessageRef `json:"origin,omitzero"`
	EventID     string         `json:"event_id,omitempty"`
	Text        string         `json:"text,omitempty"`
}

// takeClick queues a click's answer and returns the acknowledgement:
// nil, or a busy note when it cannot be taken. With an intake the click
// is written to the store first, so it outlives this replica; a store
// that cannot take it gets the same busy note, and nothing is queued.
func (a *Adapter) takeClick(ctx context.Context, req bot.Request, c click) any {
	answer := func(ctx context.Context) { a.answerClick(ctx, req, c) }
	if a.intake == nil {
		if !a.pool.Submit(answer) {
			return busyReply()
		}
		return nil
	}
	if err := a.intake.Accept(ctx, queued{Request: req, ResponseURL: c.responseURL, Origin: c.origin}, a.pool.Submit, answer); err != nil {
		a.log.WarnContext(ctx, "click refused: busy, or the store did not take it", slog.String("user", req.User.ID), slog.Any("error", err))
		return busyReply()
	}
	return nil
}

// resumeClick queues the answer to a click or event a dead replica
// acknowledged and never answered. A click's trigger_id has lapsed, so a
// form it opens is refused with the usual note to press again.
func (a *Adapter) resumeClick(w intake.Work) bool {
	return a.intake.Resume(w, a.pool.Submit, func(ctx context.Context, payload json.RawMessage) bool {
		var q queued
		if err := json.Unmarshal(payload, &q); err != nil {
			a.log.ErrorContext(ctx, "unreadable click in the intake; dropped", slog.String("id", w.ID), slog.Any("error", err))
			return true
		}
		if q.EventID == "" {
			a.answerClick(ctx, q.Request, click{responseURL: q.ResponseURL, origin: q.Origin})
			return true
		}
		// The replica that kept it may have posted the answer before it
		// died: look first.
		if err := a.answerEvent(ctx, q.Request, q.Text, q.EventID, true); err != nil {
			return false // tried again after its lease
		}
		a.markAnswered(ctx, q.EventID)
		return true
	})
}

// handoff is an event's answer running past the acknowledgement budget:
// the event is put in the intake before it is acknowledged, and whichever
// of the answer and the intake write ends last takes it out again.
type handoff struct {
	mu       sync.Mutex
	id       string
	finished bool
}

// keep writes the event to the intake unless its answer finished
// meanwhile; false when the store did not take it.
func (h *handoff) keep(ctx context.Context, a *Adapter, eventID string, req bot.Request, text string) bool {
	id, err := a.intake.Add(ctx, queued{Request: req, EventID: eventID, Text: text})
	if err != nil {
		a.log.WarnContext(ctx, "slow event not kept in the intake; Slack is asked to deliver it again", slog.String("event_id", eventID), slog.Any("error", err))
		return false
	}
	h.mu.Lock()
	done := h.finished
	h.id = id
	h.mu.Unlock()
	if done {
		a.intake.Remove(ctx, id)
	}
	return true
}

// finish says the answer was posted, and takes the
// event out of the intake when keep put it there.
func (h *handoff) finish(ctx context.Context, a *Adapter) {
	h.mu.Lock()
	h.finished = true
	id := h.id
	h.mu.Unlock()
	if id != "" {
		a.intake.Remove(ctx, id)
	}
}
