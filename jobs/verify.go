package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/verify"
)

// NameVerifyExpiry is the job that expires unanswered verifications and
// finishes the follow-up of ended ones.
const NameVerifyExpiry = "verify-expiry"

// Verify carries caller verification's messages: the prompt to the person
// and the code to the asker, and, when a verification ends, both redrawn,
// security told of a failure or a lockout, and the outcome written to the
// ticket.
type Verify struct {
	Service *verify.Service
	// Notifier sends the messages; nil when no chat transport is set up.
	Notifier bot.Notifier
	// AlertChannel hears of failed verifications and lockouts.
	AlertChannel string
	View         prompts.Verifications
	// Notes writes outcomes to tickets; nil leaves tickets alone.
	Notes verify.Notes
	// NoteFinal says which refusals of a note no retry changes.
	NoteFinal func(error) bool
	// Keys make each alert go out once across replicas.
	Keys store.Idempotency
	// Wake, when set, is asked to run the job again after d, when the
	// next verification expires, so the asker hears within seconds.
	Wake func(d time.Duration)
	// Requests ends the access requests that confirmations are for, and
	// RequestChanged posts what an ending promised (a confirmed request's
	// thread); nil Requests leaves them to expire.
	Requests       *approvals.Service
	RequestChanged func(ctx context.Context, id string)
	Logger         *slog.Logger
}

func (j *Verify) log() *slog.Logger {
	if j.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return j.Logger
}

// ErrNoChat: nothing can be sent, so nobody can be asked.
var ErrNoChat = errors.New("no chat transport is configured (set SLACK_BOT_TOKEN or the Teams app), so nobody can be asked")

// Deliver sends a started verification's prompt to the person and
// records where. A person no transport knows ends it as unreachable,
// which the returned verification says. The asker's status message is
// ShowAsker's: posting to one conversation is paced to a message a
// second, so it stays off the command's path.
func (j *Verify) Deliver(ctx context.Context, x verify.Verification) (verify.Verification, error) {
	if j.Notifier == nil {
		_, err := j.Service.Undeliverable(ctx, x.ID)
		return x, errors.Join(ErrNoChat, err)
	}
	refs, err := j.Notifier.SendDirect(ctx, x.Person, j.View.Prompt(x))
	if errors.Is(err, bot.ErrUnreachable) {
		return j.Service.Undeliverable(ctx, x.ID)
	}
	if err != nil && len(refs) == 0 {
		return x, fmt.Errorf("the prompt to %s was not sent: %w", x.Person, err)
	}
	x, err = j.Service.PromptSent(ctx, x.ID, firstRef(refs))
	j.wake(ctx)
	return x, err
}

// ShowAsker posts the asker's status message (the code, then the outcome
// in place) and records where. A verification that ended meanwhile, before
// its follow-up could find this message, is redrawn at once.
func (j *Verify) ShowAsker(ctx context.Context, id string) error {
	x, err := j.Service.Get(ctx, id)
	if err != nil || j.Notifier == nil || x.State == verify.Unreachable {
		return err
	}
	refs, err := j.Notifier.SendDirect(ctx, x.Asker, j.View.Status(x))
	if err != nil && len(refs) == 0 {
		return fmt.Errorf("the status message to %s was not sent: %w", x.Asker, err)
	}
	after, err := j.Service.StatusSent(ctx, id, firstRef(refs))
	if err != nil {
		return err
	}
	if after.State != x.State {
		return j.Notifier.Update(ctx, refs[0], j.View.Status(after))
	}
	return nil
}

func firstRef(refs []bot.MessageRef) *verify.Ref {
	if len(refs) == 0 {
		return nil
	}
	r := refs[0]
	return &verify.Ref{Platform: string(r.Platform), Conversation: r.ConversationID, Message: r.MessageID}
}

func messageRef(r *verify.Ref) bot.MessageRef {
	return bot.MessageRef{Platform: bot.Platform(r.Platform), ConversationID: r.Conversation, MessageID: r.Message}
}

// FollowUp finishes an ended verification: both messages redrawn in
// place, security told of a denial and of a lockout (each once), and the
// outcome written to its ticket. Done only when all of it is.
func (j *Verify) FollowUp(ctx context.Context, x verify.Verification) error {
	var errs []error
	if x.Request != nil {
		errs = append(errs, j.endRequest(ctx, x))
	}
	if j.Notifier != nil {
		if x.PersonRef != nil {
			errs = append(errs, j.Notifier.Update(ctx, messageRef(x.PersonRef), j.View.Answered(x)))
		}
		if x.AskerRef != nil {
			errs = append(errs, j.Notifier.Update(ctx, messageRef(x.AskerRef), j.View.Status(x)))
		}
		if x.State == verify.Denied {
			errs = append(errs, j.alert(ctx, "verify:alert:"+x.ID, j.View.Alert(x)))
		}
		if !x.LockedOut.IsZero() {
			after := j.Service.Policy.WithDefaults().LockoutAfter
			errs = append(errs, j.alert(ctx, "verify:lockout:"+x.ID, j.View.LockedOut(x, x.LockedOut, after)))
		}
	}
	if x.NoteDue() && j.Notes != nil {
		final := j.NoteFinal
		if final == nil {
			final = func(error) bool { return false }
		}
		_, err := j.Service.WriteNote(ctx, x.ID, j.Notes, j.View.NoteBody, final)
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("verification %s: %w", x.ID, err)
	}
	return j.Service.Done(ctx, x.ID)
}

// endRequest carries a confirmation's outcome to its access request: a
// confirmed request goes to its approvers, a refused one is denied, an
// unanswered one expires. Ending it is a compare-and-set, so a follow-up
// run again by another replica changes nothing.
func (j *Verify) endRequest(ctx context.Context, x verify.Verification) error {
	if j.Requests == nil {
		return nil
	}
	var (
		outcome approvals.ConfirmOutcome
		why     string
	)
	switch x.State {
	case verify.Verified:
		outcome = approvals.Confirmed
	case verify.Denied:
		outcome, why = approvals.Refused, "tapped a number that was not the requester's code; security was told"
		if x.Answer == verify.NotMe {
			outcome, why = approvals.Refused, "said they do not know about this request; security was told"
		}
	case verify.Expired:
		outcome, why = approvals.Unconfirmed, x.Person+" did not confirm in time"
	case verify.Unreachable:
		outcome, why = approvals.Unconfirmed, x.Person+" cannot be reached in chat"
	default:
		return nil
	}
	r, ended, err := j.Requests.EndConfirmation(ctx, x.Request.ID, outcome, x.ID, why)
	if errors.Is(err, approvals.ErrNotFound) {
		return nil // gone: nothing waits on it
	}
	if err != nil {
		return fmt.Errorf("request %s: %w", x.Request.ID, err)
	}
	if ended && len(r.Outbox) > 0 && j.RequestChanged != nil {
		j.RequestChanged(ctx, r.ID)
	}
	return nil
}

// alert posts msg to the alert channel once across replicas.
func (j *Verify) alert(ctx context.Context, key string, msg bot.Message) error {
	if j.AlertChannel == "" {
		j.log().WarnContext(ctx, "verify: security should hear of a failed verification, and no alert channel is set (verify.alert_channel or admin_channel)", slog.String("headline", msg.Headline))
		return nil
	}
	if j.Keys != nil {
		first, err := j.Keys.ClaimKey(ctx, key, 30*24*time.Hour)
		if err != nil || !first {
			return err
		}
	}
	_, err := j.Notifier.SendChannel(ctx, j.AlertChannel, msg)
	return err
}

// Job is the `verify-expiry` job. Every change is a compare-and-set and
// every alert claimed, so replicas run it at once safely.
func (j *Verify) Job() Definition {
	return Definition{
		Name:        NameVerifyExpiry,
		Description: "expires verifications nobody answered in time, tells their askers and security, and writes outcomes to tickets",
		Run:         func(ctx context.Context, _ time.Time) error { return j.Run(ctx) },
		Concurrent:  true,
	}
}

// Run does one pass: expire what is due, then finish any follow-up a
// replica left undone.
func (j *Verify) Run(ctx context.Context) error {
	expired, err := j.Service.Sweep(ctx)
	errs := []error{err}
	for _, x := range expired {
		errs = append(errs, j.FollowUp(ctx, x))
	}
	left, err := j.Service.FollowUps(ctx, 100)
	errs = append(errs, err)
	for _, x := range left {
		errs = append(errs, j.FollowUp(ctx, x))
	}
	j.wake(ctx)
	return errors.Join(errs...)
}

// wake arms the next run for the next expiry within the next minute.
func (j *Verify) wake(ctx context.Context) {
	if j.Wake == nil {
		return
	}
	at, ok, err := j.Service.NextDue(ctx)
	if err != nil || !ok {
		return
	}
	if d := at.Sub(j.Service.Clock()); d < time.Minute {
		j.Wake(max(d, 0))
	}
}
