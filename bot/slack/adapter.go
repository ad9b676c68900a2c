package slack

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"golang.org/x/time/rate"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/internal/intake"
	"github.com/seatwarden/seatwarden/bot/internal/markup"
	"github.com/seatwarden/seatwarden/bot/internal/once"
	"github.com/seatwarden/seatwarden/bot/internal/pacing"
	"github.com/seatwarden/seatwarden/bot/internal/workers"
	"github.com/seatwarden/seatwarden/store"
)

// Options configures the Slack adapter.
type Options struct {
	// SigningSecret verifies requests to the HTTP endpoints; without it
	// (Socket Mode only) they refuse everything.
	SigningSecret string
	// API is the Web API client (slack.New with the bot token; tests and
	// the demo point it at the emulator with OptionAPIURL).
	API     *slackgo.Client
	Handler bot.Handler
	// Dedupe remembers Events API event ids, so Slack's retries of an
	// event already answered are acknowledged and dropped.
	Dedupe store.Idempotency
	// EventLease is how long one delivery of an event keeps its retries
	// out while it is answered, extended for as long as the answer runs
	// (default 30 s): shorter than Slack's wait
	// before its second retry (a minute), so the event of a replica that
	// died answering is answered then.
	EventLease time.Duration
	// Users caches user id → email across replicas; nil keeps the cache
	// in this process only.
	Users store.Records
	// Workers and Queue bound the background work (defaults 32 and 256).
	Workers, Queue int
	// AckBudget is how long a slash command may take to be answered in
	// the HTTP response itself before the answer goes to response_url
	// instead; Slack allows 3 s (default 2 s).
	AckBudget time.Duration
	// AllowedTeams, when set, are the only workspaces (team or enterprise
	// ids) whose requests reach the handler; others are refused politely.
	AllowedTeams []string
	// HTTPClient posts to response_url (default: 10 s timeout).
	HTTPClient *http.Client
	// ResponseOrigins are the only scheme://host a response_url may
	// name (default: DefaultResponseOrigin). A payload's response_url is
	// the sender's to choose, so without this check anyone holding the
	// signing secret could make the bot post to any internal address.
	ResponseOrigins []string
	Logger          *slog.Logger
	Now             func() time.Time
	// ChannelRate and ChannelBurst pace the bot's posts per conversation
	// (default 1 per second, bursts of 3, as Slack asks).
	ChannelRate  float64
	ChannelBurst int
	// PostsPerMinute and PostBurst pace the bot's posts across the
	// workspace (default 300 a minute, bursts of 20): chat.postMessage
	// has a workspace-wide limit of "several hundred messages per minute"
	// besides the one per channel, which a digest to every owner, each in
	// their own DM, meets first.
	PostsPerMinute float64
	PostBurst      int
	// Sleep waits out the pacing (default: the real clock); tests pass a
	// fake clock's, with Now.
	Sleep func(ctx context.Context, d time.Duration) error
	// Intake, when set, keeps every acknowledged click in the store until
	// it is answered, so a replica that dies with clicks queued leaves
	// them to another (Slack never sends an acknowledged click again).
	// Holder names this replica in it; IntakeLease is how long its claim
	// on a click lasts (default intake.DefaultLease), IntakeSweep how
	// often it looks for clicks a dead replica left (default
	// intake.DefaultSweep).
	Intake      store.Records
	Holder      string
	IntakeLease time.Duration
	IntakeSweep time.Duration
}

// Adapter is the Slack transport over HTTP: it verifies, acknowledges
// within Slack's 3 seconds, and turns slash commands, clicks and events
// into neutral requests. It is also Slack's bot.Notifier (notify.go).
type Adapter struct {
	opt   Options
	log   *slog.Logger
	pool  *workers.Pool
	users *userDirectory
	// answers keeps the rendering of answers that name themselves.
	answers answerCache
	pacer   *pacing.Pacer
	// posts paces chat.postMessage across the workspace, under one key.
	posts *pacing.Pacer
	dms   dmCache // email → where their DMs go, for SendDirect
	// intake keeps acknowledged clicks until answered (nil: in memory
	// only); stopSweep ends its sweep.
	intake    *intake.Queue
	stopSweep func(context.Context)
}

// maxBody is Slack's payloads' ceiling and ours: larger bodies get 413.
const maxBody = 1 << 20

// New builds the adapter and starts its workers; Close stops them.
func New(o Options) (*Adapter, error) {
	if o.API == nil || o.Handler == nil {
		return nil, errors.New("slack: the adapter needs an API client and a handler")
	}
	if o.EventLease <= 0 {
		o.EventLease = 30 * time.Second
	}
	if o.AckBudget <= 0 {
		o.AckBudget = 2 * time.Second
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if len(o.ResponseOrigins) == 0 {
		o.ResponseOrigins = []string{DefaultResponseOrigin}
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With(slog.String("platform", "slack"))
	a := &Adapter{
		opt:   o,
		log:   log,
		pool:  workers.New(max(o.Workers, 0), max(o.Queue, 0), log),
		users: &userDirectory{api: o.API, records: o.Users, now: o.Now, log: log},
		pacer: pacing.New(channelRate(o.ChannelRate), cmp.Or(o.ChannelBurst, defaultChannelBurst), o.Now, o.Sleep),
		posts: pacing.New(rate.Limit(cmp.Or(o.PostsPerMinute, defaultPostsPerMinute)/60), cmp.Or(o.PostBurst, defaultPostBurst), o.Now, o.Sleep),
	}
	if o.Intake != nil {
		a.intake = &intake.Queue{Records: o.Intake, Kind: "slack-intake", Holder: cmp.Or(o.Holder, "seatwarden"), Lease: o.IntakeLease, Now: o.Now, Log: log}
		a.stopSweep = a.intake.Background(o.IntakeSweep, a.resumeClick)
	}
	return a, nil
}

// sleep waits d on the adapter's clock.
func (a *Adapter) sleep(ctx context.Context, d time.Duration) error {
	if a.opt.Sleep != nil {
		return a.opt.Sleep(ctx, d)
	}
	return pacing.Sleep(ctx, d)
}

// Close stops looking for clicks dead replicas left and waits for queued
// work to finish, until ctx ends.
func (a *Adapter) Close(ctx context.Context) error {
	if a.stopSweep != nil {
		a.stopSweep(ctx)
	}
	return a.pool.Close(ctx)
}

// Register mounts the Slack endpoints on mux.
func (a *Adapter) Register(mux *http.ServeMux) {
	mux.Handle("POST /slack/commands", a.verified(http.HandlerFunc(a.handleCommand)))
	mux.Handle("POST /slack/interactions", a.verified(http.HandlerFunc(a.handleInteraction)))
	mux.Handle("POST /slack/events", a.verified(http.HandlerFunc(a.handleEvent)))
}

// verified checks Slack's signature on the raw body before anything else
// happens: a missing, wrong or stale signature gets 401 and nothing more.
func (a *Adapter) verified(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "request body over 1 MiB", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read request body", http.StatusBadRequest)
			return
		}
		sv, err := slackgo.NewSecretsVerifier(r.Header, a.opt.SigningSecret)
		if err == nil && a.opt.SigningSecret == "" {
			err = errors.New("no signing secret configured")
		}
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		if err != nil {
			a.log.Warn("rejected a request that is not signed by Slack", slog.String("path", r.URL.Path), slog.String("reason", err.Error()))
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

func (a *Adapter) handleCommand(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	var cmd slackgo.SlashCommand
	if err == nil {
		cmd, err = parseSlashCommand(string(body))
	}
	if err != nil || cmd.UserID == "" {
		http.Error(w, "malformed slash command", http.StatusBadRequest)
		return
	}
	writeAck(w, a.onCommand(r.Context(), cmd))
}

func (a *Adapter) handleInteraction(w http.ResponseWriter, r *http.Request) {
	ic, err := slackgo.InteractionCallbackParse(r)
	if err != nil {
		http.Error(w, "malformed interaction payload", http.StatusBadRequest)
		return
	}
	ack, err := a.onInteraction(r.Context(), &ic)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeAck(w, ack)
}

func (a *Adapter) handleEvent(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	ev, err := slackevents.ParseEvent(json.RawMessage(raw), slackevents.OptionNoVerifyToken())
	if err != nil {
		http.Error(w, "malformed event", http.StatusBadRequest)
		return
	}
	if ev.Type == slackevents.URLVerification {
		var ch slackevents.ChallengeResponse
		if err := json.Unmarshal(raw, &ch); err != nil {
			http.Error(w, "malformed url_verification", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, ch.Challenge)
		return
	}
	if err := a.onEvent(r.Context(), ev); err != nil {
		// Anything but 2xx makes Slack deliver the event again later,
		// rather than risk a lost event.
		if errors.Is(err, errBusy) || errors.Is(err, errAnswering) {
			http.Error(w, err.Error()+"; deliver the event again later", http.StatusServiceUnavailable)
			return
		}
		http.Error(w, "store unavailable", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// writeAck answers an HTTP request with the acknowledgement's body, or an
// empty 200 when there is none.
func writeAck(w http.ResponseWriter, ack any) {
	if ack == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(w, ack)
}

// The on* methods are the adapter's logic, shared by HTTP and Socket
// Mode: each takes a verified, parsed payload and returns what acknowledges
// it (the HTTP response body, or the Socket Mode ack's payload), nil for a
// bare acknowledgement.

// onCommand answers a slash command. The answer goes in the
// acknowledgement when it is ready within the budget (most are: answers
// come from the snapshot), else to response_url when it is.
func (a *Adapter) onCommand(_ context.Context, cmd slackgo.SlashCommand) any {
	if !a.teamAllowed(cmd.TeamID, cmd.EnterpriseID) {
		a.log.Warn("refused a slash command from a workspace the policy does not allow", slog.String("team", cmd.TeamID), slog.String("user", cmd.UserID))
		return refusedTeamReply(cmd.TeamID)
	}
	req := bot.Request{
		Platform:     bot.PlatformSlack,
		User:         bot.User{ID: cmd.UserID, DisplayName: cmd.UserName, TeamID: cmd.TeamID},
		Conversation: bot.Conversation{ID: cmd.ChannelID, Direct: strings.HasPrefix(cmd.ChannelID, "D")},
	}
	replies := make(chan rendered, 1)
	accepted := a.pool.Submit(func(ctx context.Context) {
		// Mentions are resolved here, not before the ack: they may call
		// users.info, which the ack budget must cover.
		req.Text = a.commandText(ctx, cmd.Text)
		reply := a.handle(ctx, req)
		if reply.Form != nil {
			// A command that opens a form (request app, tokens claim ID)
			// opens it with the command's own trigger_id.
			a.openForm(ctx, *reply.Form, req.User.ID, click{triggerID: cmd.TriggerID, responseURL: cmd.ResponseURL,
				retry: "The form could not open in time. Please run the command again."})
		}
		replies <- a.renderAnswer(reply) // buffered: never blocks
	})
	if !accepted {
		return busyReply()
	}
	timer := time.NewTimer(a.opt.AckBudget)
	defer timer.Stop()
	select {
	case r := <-replies:
		if len(r.out) == 0 {
			return nil
		}
		if len(r.out) > 1 {
			a.pool.Submit(func(ctx context.Context) { a.postResponses(ctx, cmd.ResponseURL, r.out[1:]) })
		}
		if r.ack != nil {
			return r.ack
		}
		return webhookMessage(r.out[0])
	case <-timer.C:
		a.pool.Submit(func(ctx context.Context) {
			select {
			case r := <-replies:
				a.postResponses(ctx, cmd.ResponseURL, r.out)
			case <-ctx.Done():
			}
		})
		return nil
	}
}

// errNoViewState: a view_submission must carry the form's state.
var errNoViewState = errors.New("view_submission without a view state")

// onInteraction answers a click or a form submission; an error means the
// payload is unusable (HTTP 400).
func (a *Adapter) onInteraction(ctx context.Context, ic *slackgo.InteractionCallback) (any, error) {
	if !a.teamAllowed(ic.Team.ID, ic.Enterprise.ID) {
		a.log.Warn("refused an interaction from a workspace the policy does not allow", slog.String("team", ic.Team.ID), slog.String("user", ic.User.ID))
		if ic.Type == slackgo.InteractionTypeViewSubmission {
			return slackgo.NewClearViewSubmissionResponse(), nil
		}
		return nil, nil
	}
	user := bot.User{ID: ic.User.ID, DisplayName: ic.User.Name, TeamID: ic.Team.ID}
	switch ic.Type {
	case slackgo.InteractionTypeBlockActions:
		if len(ic.ActionCallback.BlockActions) == 0 {
			return nil, nil
		}
		act := ic.ActionCallback.BlockActions[0]
		value := act.Value
		if value == "" {
			value = act.SelectedOption.Value
		}
		clicked := bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: ic.Channel.ID, MessageID: ic.Container.MessageTs}
		req := bot.Request{
			Platform:     bot.PlatformSlack,
			User:         user,
			Conversation: bot.Conversation{ID: ic.Channel.ID, ThreadID: ic.Container.ThreadTs},
			Action:       &bot.Action{ID: act.ActionID, Value: value, Message: clicked},
		}
		if ic.View.Type == slackgo.VTHomeTab {
			// The Home tab: no conversation, no message to update.
			req.Conversation, req.Action.Message = bot.Conversation{}, bot.MessageRef{}
			page := homePage(ic.View.PrivateMetadata)
			c := click{triggerID: ic.TriggerID, origin: homeOrigin(page)}
			if !a.pool.Submit(func(ctx context.Context) { a.answerHomeClick(ctx, req, c, page) }) {
				a.log.Warn("home click dropped: the adapter is busy", slog.String("user", user.ID), slog.String("action", act.ActionID))
			}
			return nil, nil
		}
		c := click{triggerID: ic.TriggerID, responseURL: ic.ResponseURL, origin: clicked}
		if ic.Container.IsEphemeral {
			// chat.update cannot reach an ephemeral message, so a form
			// opened from one has no origin to update.
			c.origin = bot.MessageRef{}
		}
		return a.takeClick(ctx, req, c), nil
	case slackgo.InteractionTypeViewSubmission:
		if ic.View.State == nil || ic.View.CallbackID == "" {
			return nil, errNoViewState
		}
		recordID, origin := parseFormMetadata(ic.View.PrivateMetadata)
		sub := &bot.FormSubmission{FormID: ic.View.CallbackID, RecordID: recordID, Origin: origin, Values: map[string]string{}}
		for blockID, actions := range ic.View.State.Values {
			for _, v := range actions {
				sub.Values[blockID] = firstNonEmpty(v.Value, v.SelectedDate, v.SelectedOption.Value)
			}
		}
		req := bot.Request{Platform: bot.PlatformSlack, User: user, Form: sub}
		// Field errors must come back in the acknowledgement, so the form
		// is answered inline, within the budget.
		ctx, cancel := context.WithTimeout(ctx, a.opt.AckBudget)
		defer cancel()
		reply := a.handle(ctx, req)
		if reply.Form != nil {
			if errs := FormErrors(*reply.Form); len(errs) > 0 {
				return slackgo.NewErrorsViewSubmissionResponse(errs), nil
			}
		}
		if reply.KeepFormOpen {
			// The modal stays open with the failure under its first
			// input: answered at once, nothing queued that a dead
			// replica could lose.
			if id := firstInput(ic.View); id != "" {
				return slackgo.NewErrorsViewSubmissionResponse(map[string]string{id: replyLine(reply)}), nil
			}
		}
		if page, home := homePageOf(origin); home {
			// Opened from the Home tab: the home shows what changed; a
			// note or refusal goes to the person's messages.
			if !a.pool.Submit(func(ctx context.Context) {
				if hasContent(reply) && reply.Delivery != bot.ReplaceOriginal {
					a.postDirect(ctx, user.ID, reply)
				}
				a.publishHome(ctx, user, page)
			}) {
				a.log.Error("form reply dropped: the adapter is busy", slog.String("form", sub.FormID), slog.String("user", user.ID))
			}
			return nil, nil
		}
		if hasContent(reply) {
			task := func(ctx context.Context) { a.postDirect(ctx, user.ID, reply) }
			if reply.Delivery == bot.ReplaceOriginal && origin.MessageID != "" {
				task = func(ctx context.Context) { a.replaceOrigin(ctx, origin, user.ID, reply) }
			}
			if !a.pool.Submit(task) {
				a.log.Error("form reply dropped: the adapter is busy", slog.String("form", sub.FormID), slog.String("user", user.ID))
			}
		}
		return nil, nil
	}
	// view_closed and the rest need only the acknowledgement.
	return nil, nil
}

// onEvent takes an Events API callback once, whatever Slack's retries; an
// error means it could not be taken now and Slack should retry.
//
// An event is answered before it is acknowledged when the answer takes
// less than the acknowledgement's budget (nearly always), and marked
// answered only once it is posted. While one delivery is being answered,
// a lease keeps Slack's retries of it out (they are told to come again);
// a replica that dies before answering leaves only the lease, which
// expires before Slack's next retry, so that retry is answered.
func (a *Adapter) onEvent(ctx context.Context, ev slackevents.EventsAPIEvent) error {
	cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok || cb.EventID == "" {
		return nil
	}
	if !a.teamAllowed(cb.TeamID, ev.EnterpriseID) {
		a.log.Warn("dropped an event from a workspace the policy does not allow", slog.String("team", cb.TeamID), slog.String("event_id", cb.EventID))
		return nil
	}

	var req bot.Request
	var text string // as Slack sent it; mentions are resolved in the worker
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		if e.BotID != "" {
			return nil
		}
		thread := firstNonEmpty(e.ThreadTimeStamp, e.TimeStamp)
		req = bot.Request{Platform: bot.PlatformSlack, User: bot.User{ID: e.User, TeamID: cb.TeamID},
			Conversation: bot.Conversation{ID: e.Channel, ThreadID: thread}}
		text = stripMention(e.Text)
	case *slackevents.AppHomeOpenedEvent:
		if e.Tab != "home" || e.User == "" {
			return nil // the Messages tab needs nothing
		}
		if first, err := a.claimEvent(ctx, eventKey(cb.EventID), time.Hour); err != nil || !first {
			return err
		}
		user := bot.User{ID: e.User, TeamID: cb.TeamID}
		if !a.pool.Submit(func(ctx context.Context) { a.publishHome(ctx, user, 1) }) {
			// Slack sends the event again next time the tab is opened.
			a.log.Warn("home not drawn: the adapter is busy", slog.String("user", e.User))
		}
		return nil
	case *slackevents.MessageEvent:
		if e.BotID != "" || e.SubType != "" || e.ChannelType != "im" {
			return nil
		}
		req = bot.Request{Platform: bot.PlatformSlack, User: bot.User{ID: e.User, TeamID: cb.TeamID},
			Conversation: bot.Conversation{ID: e.Channel, Direct: true, ThreadID: e.ThreadTimeStamp}}
		text = e.Text
	default:
		return nil
	}

	keys := eventKeys(cb.EventID)
	lease := keys.Lease
	if a.opt.Dedupe != nil {
		state, err := once.Begin(ctx, a.opt.Dedupe, keys, a.opt.EventLease)
		switch {
		case err != nil:
			// Without the store we cannot tell a retry from a new event.
			a.log.Error("event not deduplicated", slog.Any("error", err))
			return err
		case state == once.Done:
			return nil
		case state == once.Taking:
			return errAnswering
		}
	}
	result := make(chan error, 1)
	var slow handoff
	received := a.opt.Now()
	accepted := a.pool.Submit(func(ctx context.Context) {
		if waited := a.opt.Now().Sub(received); waited > a.opt.EventLease/2 && a.intake != nil && a.opt.Dedupe != nil {
			// Its lease, or the intake's claim, may have passed to another
			// replica meanwhile, which answers after looking for an answer
			// this one has not posted yet: leave it to that replica, the
			// intake's sweep or Slack's retry, which all look first.
			a.log.Warn("event waited too long for a worker; left to another delivery", slog.String("event_id", cb.EventID), slog.Duration("waited", waited))
			result <- errAnswering
			return
		}
		held := func() bool { return true }
		if a.opt.Dedupe != nil {
			// Slack retries while the answer runs; a second replica must
			// not take the event however long Slack paces the posts.
			held = once.Hold(ctx, a.opt.Dedupe, lease, a.opt.EventLease)
		}
		again, err := a.triedBefore(ctx, cb.EventID)
		if err == nil {
			err = a.answerEvent(ctx, req, text, cb.EventID, again)
		} else {
			a.log.Warn("event not answered: the store did not record the attempt; Slack delivers it again", slog.String("event_id", cb.EventID), slog.Any("error", err))
		}
		if !held() {
			a.log.Warn("event's lease lapsed while it was answered; a retry may have been answered too", slog.String("event_id", cb.EventID))
		}
		if a.opt.Dedupe != nil {
			if err == nil {
				a.markAnswered(ctx, cb.EventID)
			}
			if rerr := a.opt.Dedupe.ReleaseKey(context.WithoutCancel(ctx), lease); rerr != nil {
				a.log.Warn("event's lease not released; it expires on its own", slog.String("event_id", cb.EventID), slog.Any("error", rerr))
			}
		}
		if err == nil { // a failed answer kept in the intake is tried again
			slow.finish(ctx, a)
		}
		result <- err
	})
	if !accepted {
		// Busy: forget the event so Slack's retry of it is taken, rather
		// than claim it and drop it.
		if a.opt.Dedupe != nil {
			if err := a.opt.Dedupe.ReleaseKey(context.WithoutCancel(ctx), lease); err != nil {
				a.log.Error("busy, and the event's lease not released: Slack's later retry answers it", slog.String("event_id", cb.EventID), slog.Any("error", err))
			}
		}
		a.log.Warn("event not taken: the adapter is busy; Slack will deliver it again", slog.String("event_id", cb.EventID))
		return errBusy
	}
	timer := time.NewTimer(a.opt.AckBudget)
	defer timer.Stop()
	select {
	case err := <-result:
		var refused slackgo.SlackErrorResponse
		if errors.As(err, &refused) {
			// Slack refused the answer itself (a channel the bot cannot
			// post in): delivering the event again would not help.
			return nil
		}
		// Not posted (rate limited, Slack or the network failing): Slack
		// delivers it again.
		return err
	case <-timer.C:
		// Still answering: acknowledged now, within Slack's 3 s, and
		// kept in the intake first, so another replica answers it if
		// this one dies before it does. An answer that then fails stays
		// there and is tried again after its lease.
		if a.intake != nil && !slow.keep(ctx, a, cb.EventID, req, text) {
			// Not kept: Slack delivers it again, and that delivery is
			// answered unless this answer is posted first.
			return errAnswering
		}
		return nil
	case <-ctx.Done():
		return nil
	}
}

// markAnswered records an event as answered, so Slack's retries of it
// are acknowledged and dropped.
func (a *Adapter) markAnswered(ctx context.Context, eventID string) {
	if a.opt.Dedupe == nil {
		return
	}
	if err := once.Mark(ctx, a.opt.Dedupe, eventKeys(eventID), time.Hour); err != nil {
		a.log.Warn("answered event not marked; a retry of it may be answered again", slog.String("event_id", eventID), slog.Any("error", err))
	}
}

// claimEvent claims key for ttl; an error means Slack should retry.
func (a *Adapter) claimEvent(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if a.opt.Dedupe == nil {
		return true, nil
	}
	first, err := a.opt.Dedupe.ClaimKey(ctx, key, ttl)
	if err != nil {
		// Without the store we cannot tell a retry from a new event.
		a.log.Error("event not deduplicated", slog.Any("error", err))
		return false, err
	}
	return first, nil
}

// triedBefore records that event eventID is being answered and reports
// whether it was before: by a replica that died after posting the answer
// and before marking the event answered, or whose answer failed. An error
// means the attempt is not recorded, and the event must not be answered
// now: a later delivery would find no record, not look for this answer,
// and post it again.
func (a *Adapter) triedBefore(ctx context.Context, eventID string) (bool, error) {
	if a.opt.Dedupe == nil {
		return false, nil
	}
	first, err := a.opt.Dedupe.ClaimKey(ctx, eventKey(eventID)+":tried", time.Hour)
	if err != nil {
		return false, fmt.Errorf("slack: record the event's attempt: %w", err)
	}
	return !first, nil
}

// answerEvent answers a message or a mention where it was written. Each
// part it posts carries the event's id, so that an event tried before
// (again) is first looked for and, when its answer is there, not
// answered twice.
func (a *Adapter) answerEvent(ctx context.Context, req bot.Request, text, eventID string, again bool) error {
	key := eventKey(eventID)
	if again && a.answerPosted(ctx, req, key) {
		a.log.InfoContext(ctx, "event answered before; not answered again", slog.String("event_id", eventID))
		return nil
	}
	req.Text = a.commandText(ctx, text)
	for i, rm := range a.answer(ctx, req) {
		opts := msgOptions(rm)
		if req.Conversation.ThreadID != "" {
			opts = append(opts, slackgo.MsgOptionTS(req.Conversation.ThreadID))
		}
		var err error
		if rm.Ephemeral && !req.Conversation.Direct {
			err = a.postEphemeral(ctx, req.Conversation.ID, req.User.ID, opts...)
		} else {
			opts = append(opts, slackgo.MsgOptionMetadata(keyMetadata(key, i)))
			_, _, err = a.postMessage(ctx, req.Conversation.ID, opts...)
		}
		if err != nil {
			a.log.Error("reply not posted", slog.String("channel", req.Conversation.ID), slog.Any("error", err))
			return err
		}
	}
	return nil
}

// answerPosted reports whether the answer tagged key is in the event's
// conversation or thread from the last hour, which covers Slack's retries
// and the intake's. A failed look says no: twice is the lesser harm.
func (a *Adapter) answerPosted(ctx context.Context, req bot.Request, key string) bool {
	place := bot.Place{Channel: req.Conversation.ID}
	if req.Conversation.ThreadID != "" {
		place = bot.Place{Thread: bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: req.Conversation.ID, MessageID: req.Conversation.ThreadID}}
	}
	found, err := a.FindPosted(ctx, place, key, time.Now().Add(-time.Hour))
	if err != nil {
		a.log.WarnContext(ctx, "could not look for an event's earlier answer; answering", slog.String("key", key), slog.Any("error", err))
		return false
	}
	return len(found) > 0
}

// teamAllowed applies the policy's workspace allowlist; an Enterprise Grid
// org id allows every workspace of the org.
func (a *Adapter) teamAllowed(teamID, enterpriseID string) bool {
	if len(a.opt.AllowedTeams) == 0 {
		return true
	}
	return slices.Contains(a.opt.AllowedTeams, teamID) || (enterpriseID != "" && slices.Contains(a.opt.AllowedTeams, enterpriseID))
}

func refusedTeamReply(teamID string) *webhookReply {
	return &webhookReply{ResponseType: slackgo.ResponseTypeEphemeral,
		Text: "seatwarden does not answer this workspace (" + teamID + "). An admin can add it to slack.allowed_teams in the policy, e.g. allowed_teams: [" + teamID + "]."}
}

// handle resolves the asker's email and asks the handler, recovering a
// panic into a reply with a reference the logs also carry.
func (a *Adapter) handle(ctx context.Context, req bot.Request) (reply bot.Message) {
	defer func() {
		if p := recover(); p != nil {
			ref := bot.NewRef()
			a.log.Error("handler panicked", slog.String("ref", ref), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			reply = bot.Apology(ref)
		}
	}()
	if email, name, err := a.users.lookup(ctx, req.User.ID); err == nil {
		req.User.Email = email
		if req.User.DisplayName == "" {
			req.User.DisplayName = name
		}
	} else {
		a.log.Warn("could not resolve the Slack user's email", slog.String("user", req.User.ID), slog.Any("error", err))
	}
	return a.opt.Handler.Handle(ctx, req)
}

// answer handles req and renders the reply for Slack.
func (a *Adapter) answer(ctx context.Context, req bot.Request) []RenderedMessage {
	out, _ := a.render(a.handle(ctx, req))
	return out
}

// render renders a reply; one that cannot be rendered becomes an ephemeral
// apology with a reference the log also carries, and the error.
func (a *Adapter) render(reply bot.Message) ([]RenderedMessage, error) {
	out, err := RenderMessage(reply)
	if err != nil {
		ref := bot.NewRef()
		a.log.Error("reply could not be rendered", slog.String("ref", ref), slog.Any("error", err))
		out, _ = RenderMessage(bot.Apology(ref))
	}
	return out, err
}

// click is what answering a block_actions payload needs besides the request.
type click struct {
	triggerID   string
	responseURL string
	// origin is the clicked message when chat.update can reach it, for a
	// form the click opens.
	origin bot.MessageRef
	// retry says what to do when the form cannot open; default
	// formNotOpened.
	retry string
}

// formNotOpened tells the person why nothing happened: views.open refused
// the trigger_id, which Slack honours once and for 3 s only.
const formNotOpened = "The form could not open in time. Please click the button again."

// answerClick handles a click. A form in the reply opens first, before
// anything is posted, since its trigger_id is good for 3 s from the click;
// the reply's other content then goes to response_url as usual.
func (a *Adapter) answerClick(ctx context.Context, req bot.Request, c click) {
	reply := a.handle(ctx, req)
	if reply.Empty() {
		return
	}
	if reply.Form != nil {
		a.openForm(ctx, *reply.Form, req.User.ID, c)
	}
	out, _ := a.render(reply)
	a.postResponses(ctx, c.responseURL, out)
}

// openForm opens f as a modal with the click's trigger_id, carrying the
// clicked message so the submission can update it.
func (a *Adapter) openForm(ctx context.Context, f bot.Form, userID string, c click) {
	view, err := renderForm(f, c.origin)
	if err != nil {
		ref := bot.NewRef()
		a.log.Error("form could not be rendered", slog.String("ref", ref), slog.String("form", f.ID), slog.Any("error", err))
		a.tell(ctx, c.responseURL, userID, bot.Apology(ref).Headline)
		return
	}
	if c.triggerID == "" { // a click taken up from the intake: its trigger lapsed long ago
		a.tell(ctx, c.responseURL, userID, cmp.Or(c.retry, formNotOpened))
		return
	}
	if _, err := a.opt.API.OpenViewContext(ctx, c.triggerID, view); err != nil {
		a.log.Warn("form not opened", slog.String("form", f.ID), slog.String("user", userID), slog.Any("error", err))
		a.tell(ctx, c.responseURL, userID, cmp.Or(c.retry, formNotOpened))
	}
}

// tell shows one line to the person who clicked: through the click's
// response_url, or in their DM when the click came without one (a button
// in a modal).
func (a *Adapter) tell(ctx context.Context, responseURL, userID, text string) {
	if responseURL == "" {
		a.postDirect(ctx, userID, bot.Message{Sections: []bot.Section{{Text: text}}})
		return
	}
	if err := a.postResponse(ctx, responseURL, &webhookReply{ResponseType: slackgo.ResponseTypeEphemeral, Text: text}); err != nil {
		a.log.Error("response_url post failed", slog.Any("error", err))
	}
}

// replaceOrigin answers a form submission by updating the message whose
// button opened the form with the reply's first part, and posting any
// further parts after it in the same channel. When that message cannot be
// updated (deleted meanwhile, say), or the reply cannot be rendered, the
// person gets the answer in their DM instead, so it is not lost and a
// shared message is never replaced by an apology.
func (a *Adapter) replaceOrigin(ctx context.Context, origin bot.MessageRef, userID string, reply bot.Message) {
	out, err := a.render(reply)
	if err != nil {
		a.postRendered(ctx, userID, out)
		return
	}
	if len(out) == 0 {
		return
	}
	if err := a.updateMessage(ctx, origin.ConversationID, origin.MessageID, out[0]); err != nil {
		a.log.Warn("form's origin message not updated; answering in a DM", slog.String("channel", origin.ConversationID), slog.String("ts", origin.MessageID), slog.Any("error", err))
		a.postRendered(ctx, userID, out)
		return
	}
	for _, rm := range out[1:] {
		if _, _, err := a.postMessage(ctx, origin.ConversationID, msgOptions(rm)...); err != nil {
			a.log.Error("reply not posted", slog.String("channel", origin.ConversationID), slog.Any("error", err))
			return
		}
	}
}

func (a *Adapter) postResponses(ctx context.Context, responseURL string, out []RenderedMessage) {
	for _, rm := range out {
		if err := a.postResponse(ctx, responseURL, webhookMessage(rm)); err != nil {
			a.log.Error("response_url post failed", slog.Any("error", err))
			return
		}
	}
}

// DefaultResponseOrigin is where Slack's response_urls live
// (https://hooks.slack.com/commands/…, /actions/…).
const DefaultResponseOrigin = "https://hooks.slack.com"

// ErrResponseURLRefused: a response_url names a host the bot does not
// post to.
var ErrResponseURLRefused = errors.New("slack: response_url refused")

// checkResponseURL admits a response_url only on one of the configured
// origins, compared as scheme and host, with no user info.
func (a *Adapter) checkResponseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Host == "" {
		// Not echoed: it may carry credentials, and it is the sender's text.
		return fmt.Errorf("%w: not a plain URL with a host", ErrResponseURLRefused)
	}
	origin := strings.ToLower(u.Scheme + "://" + u.Host)
	for _, o := range a.opt.ResponseOrigins {
		if strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s is not Slack's (allowed: %s)", ErrResponseURLRefused, origin, strings.Join(a.opt.ResponseOrigins, ", "))
}

// postResponse posts one reply to a response_url.
func (a *Adapter) postResponse(ctx context.Context, responseURL string, msg *webhookReply) error {
	if err := a.checkResponseURL(responseURL); err != nil {
		return err
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.opt.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	detail, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("response_url answered %s: %s", resp.Status, bytes.TrimSpace(detail))
	}
	return nil
}

// postDirect sends a reply to the user's direct conversation with the bot.
func (a *Adapter) postDirect(ctx context.Context, userID string, reply bot.Message) {
	out, err := RenderMessage(reply)
	if err != nil {
		a.log.Error("reply could not be rendered", slog.Any("error", err))
		return
	}
	a.postRendered(ctx, userID, out)
}

// postRendered posts rendered messages to the user's direct conversation
// with the bot.
func (a *Adapter) postRendered(ctx context.Context, userID string, out []RenderedMessage) {
	if len(out) == 0 {
		return
	}
	ch, _, _, err := a.opt.API.OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{userID}})
	if err != nil {
		a.log.Error("direct conversation not opened", slog.String("user", userID), slog.Any("error", err))
		return
	}
	for _, rm := range out {
		if _, _, err := a.postMessage(ctx, ch.ID, msgOptions(rm)...); err != nil {
			a.log.Error("direct reply not posted", slog.Any("error", err))
			return
		}
	}
}

// webhookReply is a message as a slash command's response, a Socket Mode
// ack or a response_url post take it. It is slack-go's WebhookMessage with
// the blocks as a plain slice: slack-go's Blocks type marshals itself, and
// encoding/json then re-validates and compacts the whole block list, which
// was a tenth of the cost of answering a command.
type webhookReply struct {
	Text            string          `json:"text"`
	ResponseType    string          `json:"response_type,omitempty"`
	ReplaceOriginal bool            `json:"replace_original,omitempty"`
	Blocks          []slackgo.Block `json:"blocks,omitempty"`
}

func webhookMessage(rm RenderedMessage) *webhookReply {
	msg := &webhookReply{Text: rm.Text, ResponseType: slackgo.ResponseTypeInChannel, ReplaceOriginal: rm.ReplaceOriginal, Blocks: rm.Blocks}
	if rm.Ephemeral {
		msg.ResponseType = slackgo.ResponseTypeEphemeral
	}
	return msg
}

// eventKey is the idempotency key of an Events API event.
func eventKey(id string) string { return "slack:event:" + id }

// eventKeys are an event's keys: answered, and leased while answering.
func eventKeys(id string) once.Keys {
	return once.Keys{Done: eventKey(id), Lease: eventKey(id) + ":answering"}
}

// errBusy: the adapter's queue is full; the request was not taken.
var errBusy = errors.New("slack: the adapter is busy")

// errAnswering: another delivery of the event is being answered now.
var errAnswering = errors.New("slack: the event is being answered")

func busyReply() *webhookReply {
	return &webhookReply{ResponseType: slackgo.ResponseTypeEphemeral,
		Text: "seatwarden is busy right now; please try again in a minute."}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if raw, ok := v.(json.RawMessage); ok {
		// Encoded already (a kept answer), newline and all.
		_, _ = w.Write(raw)
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

func hasContent(m bot.Message) bool {
	return m.Headline != "" || len(m.Sections) > 0 || len(m.Context) > 0
}

// slackLink is Slack's <target|label> or <target> markup in typed text.
var slackLink = regexp.MustCompile(`<(mailto:|https?://)([^|>]*)(?:\|([^>]*))?>`)

// plainText turns what Slack sends for typed text back into what the
// person typed: links and emails it wrapped (<mailto:a@b.com|a@b.com>)
// become their label, and &amp; &lt; &gt; become & < >. Each user mention
// (<@U123>, <@U123|dana>) becomes what person returns for its id and
// unescaped label; with person nil, mentions stay as ids. Mentions are
// taken from the text as Slack sent it, before unescaping, so a typed
// &lt;@U123&gt; is never read as one, and what person returns is not
// unescaped again.
func plainText(s string, person func(id, label string) string) string {
	var b strings.Builder
	last := 0
	if person != nil {
		for _, m := range userMention.FindAllStringSubmatchIndex(s, -1) {
			b.WriteString(unlink(s[last:m[0]]))
			label := ""
			if m[4] >= 0 {
				label = markup.Unescape(s[m[4]:m[5]])
			}
			b.WriteString(person(s[m[2]:m[3]], label))
			last = m[1]
		}
	}
	b.WriteString(unlink(s[last:]))
	return strings.TrimSpace(b.String())
}

// unlink turns Slack's links in s into their labels and unescapes the rest.
func unlink(s string) string {
	s = slackLink.ReplaceAllStringFunc(s, func(m string) string {
		g := slackLink.FindStringSubmatch(m)
		if g[3] != "" {
			return g[3]
		}
		if g[1] == "mailto:" {
			return g[2]
		}
		return g[1] + g[2]
	})
	return markup.Unescape(s)
}

// stripMention drops the leading <@BOT> of an app_mention's text.
func stripMention(text string) string {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, "<@") {
		if i := strings.IndexByte(text, '>'); i > 0 {
			text = text[i+1:]
		}
	}
	return strings.TrimSpace(text)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
