package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/store"
)

// Tokens keeps the credential register: the `sync` job's inventory step
// and the `token-digest` job, which sends each owner one digest of their
// credentials that need attention and the admin channel one of the
// orphans and the API token countdown, once per period (an ISO week).
type Tokens struct {
	Service *credentials.Service
	// Source is the governed account; Account names it (its URL).
	Source  connector.Credentials
	Account string
	// Notifier sends the digests; nil means no chat transport is set up.
	Notifier     bot.Notifier
	AdminChannel string
	Location     *time.Location
	Command      string
	// Workers bounds the owners sent to at once (default 8).
	Workers int
	Logger  *slog.Logger
}

// Inventory is the `sync` job's credential step.
func (t *Tokens) Inventory(ctx context.Context) error {
	res, err := t.Service.Sync(ctx, t.Source, t.Account)
	for k, p := range res.Problems {
		t.log().WarnContext(ctx, "credentials of one kind could not be read; keeping the last sync's", slog.String("kind", string(k)), slog.String("problem", p))
	}
	return err
}

// DigestJob is the `token-digest` job of one register.
func (t *Tokens) DigestJob() Definition { return TokenDigestJob(t) }

// TokenDigestJob is the `token-digest` job over every governed SaaS's
// register: each sends its own digests, and one failing leaves the others.
func TokenDigestJob(registers ...*Tokens) Definition {
	return Definition{
		Name:        NameTokenDigest,
		Description: "sends each credential owner one digest of what needs their attention, and the admin channel the orphans and the API token countdown",
		Run: func(ctx context.Context, now time.Time) error {
			var errs []error
			for _, t := range registers {
				if err := t.digest(ctx, now); err != nil {
					errs = append(errs, t.wrap(err))
				}
			}
			return errors.Join(errs...)
		},
	}
}

// wrap names the register's SaaS in an error when several are governed.
func (t *Tokens) wrap(err error) error { return inSaaS(t.Service.SaaS, err) }

// tokenDigest is one recipient's credential digest of a period: an
// owner's, or the admin channel's (To is credentials.AdminDigest).
type tokenDigest struct {
	To      string
	Items   []credentials.Item
	Message bot.Message
}

// plan evaluates the register and draws each recipient's digest of the
// period at now, the admin channel's first, then owners by email.
func (t *Tokens) plan(ctx context.Context, now time.Time) (period string, ev credentials.Evaluation, out []tokenDigest, err error) {
	ev, err = t.Service.Evaluate(ctx)
	if errors.Is(err, credentials.ErrNoInventory) {
		return "", ev, nil, errors.New("no credential inventory yet: run `seatwarden run-job sync` first")
	}
	if err != nil {
		return "", ev, nil, err
	}
	period = reviews.PeriodOf(now, t.Location)
	owners, admins := credentials.DigestItems(ev)
	sum := ev.Summarize(t.Location)
	view := prompts.Register{SaaS: t.Service.SaaS, Location: t.Location, Now: now, Command: t.Command}
	if len(admins) > 0 {
		out = append(out, tokenDigest{To: credentials.AdminDigest, Items: admins, Message: view.Digest(period, credentials.AdminDigest, admins, sum, 1)})
	}
	for _, o := range slices.Sorted(maps.Keys(owners)) {
		out = append(out, tokenDigest{To: o, Items: owners[o], Message: view.Digest(period, o, owners[o], sum, 1)})
	}
	return period, ev, out, nil
}

// Preview draws the credential digests the job would send now, sending
// nothing and claiming nothing.
func (t *Tokens) Preview(ctx context.Context, now time.Time) ([]DigestPreview, error) {
	_, _, digests, err := t.plan(ctx, now)
	out := make([]DigestPreview, len(digests))
	for i, d := range digests {
		out[i] = DigestPreview{Owner: d.To, Message: d.Message}
	}
	return out, t.wrap(err)
}

func (t *Tokens) digest(ctx context.Context, now time.Time) error {
	period, ev, digests, err := t.plan(ctx, now)
	if err != nil {
		return err
	}
	if t.Notifier == nil {
		return errors.New("no chat transport is configured (set SLACK_BOT_TOKEN or the TEAMS_ variables), so no credential digest was sent; `tokens` shows the register")
	}
	sum := ev.Summarize(t.Location)
	var (
		mu                     sync.Mutex
		sent, skipped, unreach int
		errs                   []error
	)
	record := func(ok bool, err error) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case errors.Is(err, bot.ErrUnreachable):
			unreach++
		case err != nil:
			errs = append(errs, err)
		case ok:
			sent++
		default:
			skipped++
		}
	}
	toOwners := digests
	if len(digests) > 0 && digests[0].To == credentials.AdminDigest {
		admin := digests[0]
		toOwners = digests[1:]
		if t.AdminChannel == "" {
			t.log().WarnContext(ctx, "orphaned credentials found but no admin_channel is set in the policy; nobody gets the admin digest", slog.Int("items", len(admin.Items)))
		} else {
			record(t.send(ctx, period, credentials.AdminDigest, admin.Items, admin.Message, func(ctx context.Context, _ string, m bot.Message) ([]bot.MessageRef, error) {
				return t.Notifier.SendChannel(ctx, t.AdminChannel, m)
			}))
		}
	}
	forEach(ctx, t.Workers, toOwners, func(d tokenDigest) {
		record(t.send(ctx, period, d.To, d.Items, d.Message, t.Notifier.SendDirect))
	})
	t.log().InfoContext(ctx, "credential digests", slog.String("saas", connector.OrZendesk(t.Service.SaaS)), slog.String("period", period), slog.Int("sent", sent), slog.Int("already_sent", skipped),
		slog.Int("unreachable", unreach), slog.Int("failed", len(errs)), slog.Int("orphans", len(ev.Orphans())),
		slog.Int("api_tokens_left", sum.APITokens.Remaining))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d credential digests not sent (the next run tries again): %w", len(errs), errors.Join(errs...))
	}
	return nil
}

// send posts one recipient's digest msg, showing items, with post (to a
// person or the admin channel) unless this period's went out already; it
// reports whether it sent.
func (t *Tokens) send(ctx context.Context, period, to string, items []credentials.Item, msg bot.Message, post func(context.Context, string, bot.Message) ([]bot.MessageRef, error)) (bool, error) {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	err := t.Service.ClaimDigest(ctx, period, to, ids)
	if errors.Is(err, store.ErrExists) || errors.Is(err, credentials.ErrBusy) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	refs, err := post(ctx, to, msg)
	if err != nil && len(refs) == 0 {
		why := ""
		if errors.Is(err, bot.ErrUnreachable) {
			why = err.Error()
			t.log().WarnContext(ctx, "credential owner not reachable in chat; their credentials show in the admin digest when orphaned", slog.String("owner", to), slog.Any("error", err))
		}
		rerr := t.Service.DigestSent(ctx, period, to, nil, nonEmptyReason(why, "send failed"))
		return false, errors.Join(fmt.Errorf("credential digest to %s: %w", to, err), rerr)
	}
	out := make([]credentials.Ref, len(refs))
	for i, r := range refs {
		out[i] = credentials.Ref{Platform: string(r.Platform), Conversation: r.ConversationID, Message: r.MessageID}
	}
	return true, t.Service.DigestSent(ctx, period, to, out, "")
}

func nonEmptyReason(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

func (t *Tokens) log() *slog.Logger {
	if t.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return t.Logger
}
