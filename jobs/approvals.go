package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/store"
)

// Approvals posts what approval requests promised (their outboxes), and
// does the approval part of the `reminders` job (expiry, reminders to
// approvers, review dates) and of the `sync` job (installations checked
// against approved requests, shadow installs reported).
type Approvals struct {
	Service *approvals.Service
	// Notifier posts threads and direct messages; nil means no chat
	// transport is set up, and outboxes wait.
	Notifier bot.Notifier
	// Keys remember the reminders sent, one per approver per day.
	Keys store.Idempotency
	// Inventories are the credential registers of the governed SaaS, one
	// per SaaS (each names its own in its SaaS field): the app
	// installations a sync found are compared with each one's.
	Inventories  []*credentials.Service
	AdminChannel string
	Command      string
	Workers      int
	Logger       *slog.Logger
}

func (a *Approvals) log() *slog.Logger {
	if a.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Logger
}

func (a *Approvals) view(now time.Time) prompts.Requests {
	return prompts.Requests{Location: a.Service.Location(), Now: now, Command: a.Command, Approvers: a.Service.Approvers}
}

// Deliver posts request id's outbox in order, once across replicas: it
// leases the outbox, posts each notice and removes it, and keeps going
// while transitions add more. A notice that fails stays for the next run
// (up to approvals.MaxAttempts); the notices after it wait, so a thread
// never reads out of order.
func (a *Approvals) Deliver(ctx context.Context, id string) error {
	if a.Notifier == nil {
		return ErrNoTransport
	}
	for {
		r, token, ok, err := a.Service.TakeOutbox(ctx, id)
		if err != nil || !ok {
			return err
		}
		failed := a.postOutbox(ctx, r)
		more, err := a.Service.ReleaseOutbox(ctx, id, token)
		if err != nil {
			return err
		}
		if failed != nil || !more {
			return failed
		}
	}
}

// postOutbox posts r's notices until one fails.
func (a *Approvals) postOutbox(ctx context.Context, r approvals.Request) error {
	for _, n := range r.Outbox {
		var ref approvals.Ref
		var err error
		if n.Kind != approvals.PostParent && n.Kind != approvals.Direct && r.Thread.IsZero() {
			err = errors.New("the request was never posted to the approvals channel, so it has no thread")
		} else {
			ref, err = a.post(ctx, r, n)
		}
		if err != nil {
			gaveUp, ferr := a.Service.Failed(ctx, r.ID, n.Seq, err, errors.Is(err, bot.ErrUnreachable))
			a.log().WarnContext(ctx, "approval notice not posted", slog.String("request", r.ID), slog.String("kind", string(n.Kind)),
				slog.String("event", string(n.Event)), slog.Bool("given_up", gaveUp), slog.Any("error", err))
			if ferr != nil {
				return ferr
			}
			if gaveUp {
				continue
			}
			return err
		}
		if r, err = a.Service.Posted(ctx, r.ID, n.Seq, ref); err != nil {
			return err
		}
	}
	return nil
}

// post sends one notice, drawing the request as it stands now. A notice
// an earlier courier may have sent is looked for first, where the
// transport can look, and not sent again when found.
func (a *Approvals) post(ctx context.Context, r approvals.Request, n approvals.Notice) (approvals.Ref, error) {
	v := a.view(a.Service.Clock())
	var place bot.Place
	var msg bot.Message
	switch n.Kind {
	case approvals.PostParent:
		place, msg = bot.Place{Channel: a.Service.Policy.Channel}, v.Parent(r)
	case approvals.Reply:
		place, msg = bot.Place{Thread: toBot(r.Thread)}, v.ThreadReply(r, n)
	case approvals.Direct:
		place, msg = bot.Place{Direct: n.To}, v.Direct(r, n)
	case approvals.Redraw:
		// Draw the request as stored now, not as the courier took it:
		// a decision may have landed since. An update is the same
		// however often it is made.
		latest, err := a.Service.Get(ctx, r.ID)
		if err != nil {
			return approvals.Ref{}, err
		}
		if latest.Superseded(n.Seq) {
			return approvals.Ref{}, nil
		}
		return approvals.Ref{}, a.Notifier.Update(ctx, toBot(latest.Thread), v.Parent(latest))
	default:
		return approvals.Ref{}, fmt.Errorf("no such notice kind %q", n.Kind)
	}
	msg.Key = n.Key(r.ID)
	if n.Uncertain() {
		refs, err := bot.FindPosted(ctx, a.Notifier, place, msg.Key, n.FirstTaken)
		if err != nil {
			return approvals.Ref{}, fmt.Errorf("looking for the notice an earlier attempt may have posted: %w", err)
		}
		if len(refs) > 0 {
			a.log().InfoContext(ctx, "approval notice found posted by an earlier attempt; not posted again",
				slog.String("request", r.ID), slog.String("kind", string(n.Kind)), slog.String("event", string(n.Event)))
			return fromBot(refs[0]), nil
		}
	}
	var refs []bot.MessageRef
	var err error
	switch {
	case place.Channel != "":
		refs, err = a.Notifier.SendChannel(ctx, place.Channel, msg)
		if err == nil && len(refs) == 0 {
			err = errors.New("the approvals channel took no message")
		}
	case place.Direct != "":
		refs, err = a.Notifier.SendDirect(ctx, place.Direct, msg)
	default:
		refs, err = a.Notifier.ReplyInThread(ctx, place.Thread, msg)
	}
	if err != nil || n.Kind != approvals.PostParent {
		return approvals.Ref{}, err
	}
	return fromBot(refs[0]), nil
}

func fromBot(r bot.MessageRef) approvals.Ref {
	return approvals.Ref{Platform: string(r.Platform), Conversation: r.ConversationID, Message: r.MessageID}
}

func toBot(r approvals.Ref) bot.MessageRef {
	return bot.MessageRef{Platform: bot.Platform(r.Platform), ConversationID: r.Conversation, MessageID: r.Message}
}

// Reminders is the approval part of the `reminders` job: it posts what
// earlier transitions left unposted (a replica that died mid-way),
// expires stale requests, asks owners at review dates, and reminds each
// approver once a day of what waits for them, in one message.
func (a *Approvals) Reminders(ctx context.Context, now time.Time) error {
	sw, err := a.Service.Sweep(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range sw.Expired {
		if _, err := a.Service.Expire(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("expire %s: %w", id, err))
		}
	}
	for _, id := range sw.ReviewDue {
		if _, err := a.Service.AskReview(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("review of %s: %w", id, err))
		}
	}
	if a.Notifier == nil {
		if len(sw.Outboxes)+len(sw.Expired)+len(sw.ReviewDue)+len(sw.Remind) > 0 {
			errs = append(errs, ErrNoTransport)
		}
		return errors.Join(errs...)
	}
	outboxes := slices.Compact(slices.Sorted(slices.Values(slices.Concat(sw.Outboxes, sw.Expired, sw.ReviewDue))))
	errs = append(errs, a.deliverAll(ctx, outboxes))
	errs = append(errs, a.remind(ctx, now, sw.Remind))
	return errors.Join(errs...)
}

func (a *Approvals) deliverAll(ctx context.Context, ids []string) error {
	return forEachErr(ctx, a.Workers, ids, func(id string) error {
		if err := a.Deliver(ctx, id); err != nil {
			return fmt.Errorf("request %s: %w", id, err)
		}
		return nil
	})
}

// remind sends each approver one message listing the requests waiting
// for them, at most once per day in the policy's zone.
func (a *Approvals) remind(ctx context.Context, now time.Time, byApprover map[string][]approvals.Request) error {
	day := now.In(a.Service.Location()).Format(time.DateOnly)
	return forEachErr(ctx, a.Workers, slices.Sorted(maps.Keys(byApprover)), func(who string) error {
		first, err := a.Keys.ClaimKey(ctx, "approvals:remind:"+day+":"+who, 48*time.Hour)
		if err != nil || !first {
			return err
		}
		_, err = a.Notifier.SendDirect(ctx, who, a.view(now).Reminder(byApprover[who]))
		switch {
		case errors.Is(err, bot.ErrUnreachable):
			a.log().InfoContext(ctx, "approver not reachable for a reminder", slog.String("approver", who))
		case err != nil:
			return fmt.Errorf("reminder to %s: %w", who, err)
		}
		return nil
	})
}

// Installations is the approval part of the `sync` job, run after the
// credential inventories: in each governed SaaS, apps marked installed
// are checked against what it has, and installations without an
// approved request are reported to the admin channel, once each. One
// SaaS failing does not stop the others; the run fails with each's
// error.
func (a *Approvals) Installations(ctx context.Context) error {
	var errs []error
	for _, inv := range a.Inventories {
		if err := a.installations(ctx, inv); err != nil {
			errs = append(errs, fmt.Errorf("%s installations: %w", connector.Title(saasOf(inv)), err))
		}
	}
	return errors.Join(errs...)
}

// saasOf is the connector whose register inv is.
func saasOf(inv *credentials.Service) string { return connector.OrZendesk(inv.SaaS) }

// installations compares one SaaS's installed apps with the requests.
func (a *Approvals) installations(ctx context.Context, creds *credentials.Service) error {
	saas := saasOf(creds)
	inv, err := creds.Inventory(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the inventory step said why
	}
	if err != nil {
		return err
	}
	if _, failed := inv.Problems[credentials.App]; failed {
		// Without this sync's app list, stale names would mislead.
		return nil
	}
	var found []approvals.Installation
	for _, c := range inv.Credentials {
		if c.Kind == credentials.App {
			found = append(found, approvals.Installation{SaaS: saas, ID: c.SaaSID, Name: c.Name, Enabled: c.Active})
		}
	}
	check, err := a.Service.Installations(ctx, saas, found)
	if err != nil {
		return err
	}
	shadows := check.Unreported
	var errs []error
	if a.Notifier != nil {
		errs = append(errs, a.deliverAll(ctx, check.Verified))
	}
	if len(shadows) == 0 {
		return errors.Join(errs...)
	}
	if a.Notifier == nil || a.AdminChannel == "" {
		a.log().WarnContext(ctx, "apps installed without an approved request, and nowhere to report them (set admin_channel)",
			slog.String("saas", saas), slog.Int("installations", len(shadows)))
		return errors.Join(errs...)
	}
	v := a.view(a.Service.Clock())
	for _, sh := range shadows {
		refs, err := a.Notifier.SendChannel(ctx, a.AdminChannel, v.ShadowReport(sh))
		var ref approvals.Ref
		if err == nil && len(refs) > 0 {
			ref = fromBot(refs[0])
		}
		if _, rerr := a.Service.ShadowReported(ctx, sh.Key(), ref, err); rerr != nil {
			errs = append(errs, rerr)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("shadow install %d not reported: %w", sh.ID, err))
		}
	}
	return errors.Join(errs...)
}

// Also runs parts after d's own run, in order, each whatever the others
// did; the run fails with every part's error. The `reminders` job is the
// seat review's and the approvals'.
func Also(d Definition, parts ...func(context.Context, time.Time) error) Definition {
	run := d.Run
	d.Run = func(ctx context.Context, now time.Time) error {
		errs := []error{run(ctx, now)}
		for _, p := range parts {
			if ctx.Err() != nil {
				// A part skipped is not a success.
				errs = append(errs, context.Cause(ctx))
				break
			}
			errs = append(errs, p(ctx, now))
		}
		return errors.Join(errs...)
	}
	return d
}
