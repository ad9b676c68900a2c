package commands

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/verify"
)

// confirm starts the confirmation an access request waits for: its
// requester's manager or a named peer gets three numbers in a direct
// message, and the requester's reply has the code to tell them. When the
// confirmer cannot be asked, the request ends at once, saying why, so
// nothing waits on a prompt that was never sent.
func (rc *requestCommands) confirm(ctx context.Context, r approvals.Request) (bot.Message, error) {
	who := r.Confirmation.By
	var x verify.Verification
	fail := func(why string, err error) (bot.Message, error) {
		// A prompt that may have gone out is withdrawn, so nobody answers
		// for a request that has ended.
		rc.withdrawConfirmation(ctx, r.ID, x.ID, r.Requester)
		if _, _, e := rc.d.Approvals.EndConfirmation(ctx, r.ID, approvals.Unconfirmed, x.ID, why); e != nil {
			rc.d.Logger.WarnContext(ctx, "approvals: an unconfirmable request was left awaiting confirmation; it expires on its own",
				slog.String("request", r.ID), slog.Any("error", e))
		}
		return bot.Message{}, err
	}
	if rc.d.Verify == nil { // submit refuses first; a guard, not a path
		return fail("confirmations are not set up", Unavailablef("%s needs %s to confirm it, and confirmations are not set up here; ask an admin", r.ID, who))
	}
	x, err := rc.d.Verify.Start(ctx, verify.Ask{
		Asker: r.Requester, Person: who, Reason: clip(r.Answers[approvals.FieldWhy], verify.MaxReason),
		Request: &verify.Request{ID: r.ID, What: r.Title, As: string(r.Confirmation.As)},
	})
	var (
		limit  *verify.LimitError
		locked *verify.LockedError
	)
	at := func(t time.Time) string { return t.In(rc.d.Policy.Location).Format("15:04") }
	switch {
	case errors.As(err, &limit) && limit.Of == "you":
		return fail("the requester reached the hourly limit of confirmations",
			Conflictf("%s is not sent: you have started %d verifications in the last hour, the most allowed; ask again after %s", r.ID, limit.Limit, at(limit.Reset)))
	case errors.As(err, &limit):
		return fail(who+" was asked too often in the last hour",
			Conflictf("%s is not sent: %s has had %d prompts to confirm or verify in the last hour, the most allowed; ask again after %s", r.ID, who, limit.Limit, at(limit.Reset)))
	case errors.As(err, &locked):
		return fail(who+" gets no prompts for now",
			Conflictf("%s is not sent: %s failed or ignored several prompts this hour and gets none until %s; ask again then, or ask an admin", r.ID, who, at(locked.Until)))
	case err != nil:
		return fail("the confirmation could not start", err)
	}
	if _, err := rc.d.Approvals.ConfirmationAsked(ctx, r.ID, x.ID); err != nil {
		return fail("the confirmation could not be recorded", err)
	}
	if rc.d.VerifyDeliver != nil {
		if x, err = rc.d.VerifyDeliver(ctx, x); err != nil {
			return fail("the prompt to "+who+" could not be sent",
				Unavailablef("%s is not sent: I could not message %s just now; ask again in a moment", r.ID, who).WithCause(err))
		}
	}
	view := prompts.Verifications{Location: rc.d.Policy.Location, Command: rc.d.Command}
	if x.State == verify.Unreachable {
		return fail(who+" cannot be reached in chat", Invalidf("%s", view.Status(x).Sections[0].Text))
	}
	if rc.d.VerifyStarted != nil {
		rc.d.VerifyStarted(ctx, x)
	}
	return view.ConfirmationStarted(x), nil
}

// withdrawConfirmation withdraws the verification asking a request's
// confirmer, if one is pending, and redraws its messages.
func (rc *requestCommands) withdrawConfirmation(ctx context.Context, request, verification, by string) {
	if verification == "" || rc.d.Verify == nil {
		return
	}
	x, err := rc.d.Verify.Withdraw(ctx, verification, by)
	if err != nil {
		if _, ended := errors.AsType[*verify.DecidedError](err); !ended {
			rc.d.Logger.WarnContext(ctx, "verify: the confirmation of a request that ended was not withdrawn; it expires on its own",
				slog.String("request", request), slog.String("verification", verification), slog.Any("error", err))
		}
		return
	}
	if rc.d.VerifyEnded != nil {
		rc.d.VerifyEnded(ctx, x)
	}
}
