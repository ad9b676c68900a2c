// Package teams is seatwarden's Microsoft Teams transport: it
// authenticates the Bot Connector's activities, turns typed commands,
// card clicks and card forms into neutral bot.Request, answers clicks with
// the updated Adaptive Card in the invoke response, remembers the
// conversation references proactive messages need, and sends digests as a
// bot.Notifier. msbotbuilder-go supplies the activity schema; the token
// validator, the Connector client and invoke responses are the project's
// own (see auth.go and connector.go for why).
package teams

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/internal/intake"
	"github.com/seatwarden/seatwarden/bot/internal/once"
	"github.com/seatwarden/seatwarden/bot/internal/workers"
	"github.com/seatwarden/seatwarden/store"
)

// teamsWorkers is the adapter's default worker count, below the Slack
// adapter's: Teams paces replies per conversation, so more workers only
// wait longer in its line and run out their time before they post.
const teamsWorkers = 8

// Options configures the Teams adapter.
type Options struct {
	// AppID is the bot's Microsoft app id: the audience of inbound tokens
	// and the client id of outbound ones.
	AppID       string
	AppPassword string
	// TenantID is the bot's home tenant: activities from other tenants are
	// refused, and the token URL defaults to the tenant's.
	TenantID string
	// OpenIDMetadataURL and TokenURL are Microsoft's unless overridden
	// (an emulator).
	OpenIDMetadataURL string
	TokenURL          string
	// ServiceURLs are the serviceUrl prefixes the bot trusts with its
	// token; an activity naming any other is refused.
	ServiceURLs []string
	Handler     bot.Handler
	// Records keeps conversation references and the user ↔ email map for
	// every replica; nil keeps them in this process only.
	Records store.Records
	// EntraObjectID finds the Entra object id of a person by email, from
	// the company directory (Microsoft Graph), so the bot can message
	// people it has not met yet; nil when no such directory is set up.
	EntraObjectID func(ctx context.Context, email string) (string, bool, error)
	// Dedupe drops Teams' redeliveries of a message it already took.
	Dedupe store.Idempotency
	// Command is the slash command people may still type out of habit
	// ("/warden seats"); it is dropped from the front of a message.
	Command string
	// InvokeBudget bounds answering a click in the invoke response; Teams
	// gives up after 15 s (default 10 s).
	InvokeBudget time.Duration
	HTTPClient   *http.Client // outbound calls (default: 15 s timeout)
	// Workers and Queue bound the background work (defaults 8 and 256).
	Workers int
	Queue   int
	Logger  *slog.Logger
	Now     func() time.Time
	// Sleep waits between retries and for pacing (tests pass a fake).
	Sleep func(context.Context, time.Duration) error
	// Intake, when set, keeps every acknowledged message in the store
	// until it is answered, so a replica that dies with messages queued
	// leaves them to another (Teams never sends an acknowledged activity
	// again). Holder names this replica; IntakeLease and IntakeSweep as
	// in the intake package (defaults 45 s and 5 s).
	Intake      store.Records
	Holder      string
	IntakeLease time.Duration
	IntakeSweep time.Duration
}

// Adapter is the Teams transport.
type Adapter struct {
	opt  Options
	log  *slog.Logger
	auth *validator
	conn *connector
	dir  *directory
	pool *workers.Pool
	// intake keeps acknowledged messages until answered (nil: in memory
	// only); stopSweep ends its sweep.
	intake    *intake.Queue
	stopSweep func(context.Context)
}

// maxBody bounds an inbound activity.
const maxBody = 1 << 20

// New builds the adapter and starts its workers; Close stops them.
func New(o Options) (*Adapter, error) {
	switch {
	case o.AppID == "" || o.AppPassword == "":
		return nil, errors.New("teams: the adapter needs the app id and password")
	case o.Handler == nil:
		return nil, errors.New("teams: the adapter needs a handler")
	case o.OpenIDMetadataURL == "" || o.TokenURL == "":
		return nil, errors.New("teams: the adapter needs the OpenID metadata and token URLs")
	case len(o.ServiceURLs) == 0:
		return nil, errors.New("teams: the adapter needs at least one allowed service URL")
	}
	if o.InvokeBudget <= 0 {
		o.InvokeBudget = 10 * time.Second
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With(slog.String("platform", "teams"))
	a := &Adapter{
		opt:  o,
		log:  log,
		auth: &validator{appID: o.AppID, metadataURL: o.OpenIDMetadataURL, http: o.HTTPClient, now: o.Now},
		conn: newConnector(connectorOptions{AppID: o.AppID, AppPassword: o.AppPassword, TokenURL: o.TokenURL,
			ServiceURLs: o.ServiceURLs, HTTPClient: o.HTTPClient, Now: o.Now, Sleep: o.Sleep, Logger: log}),
		dir:  newDirectory(o.Records),
		pool: workers.New(cmp.Or(max(o.Workers, 0), teamsWorkers), max(o.Queue, 0), log),
	}
	if o.Intake != nil {
		a.intake = &intake.Queue{Records: o.Intake, Kind: "teams-intake", Holder: cmp.Or(o.Holder, "seatwarden"), Lease: o.IntakeLease, Now: o.Now, Log: log}
		a.stopSweep = a.intake.Background(o.IntakeSweep, a.resumeActivity)
	}
	return a, nil
}

// Close stops looking for messages dead replicas left and waits for
// queued work to finish, until ctx ends.
func (a *Adapter) Close(ctx context.Context) error {
	if a.stopSweep != nil {
		a.stopSweep(ctx)
	}
	return a.pool.Close(ctx)
}

// Register mounts the messaging endpoint on mux.
func (a *Adapter) Register(mux *http.ServeMux) {
	mux.Handle("POST /api/messages", a)
}

// ServeHTTP takes one activity. The token is checked before the body is
// even read; any authentication failure is 401 and nothing else happens.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok, err := a.auth.authenticate(r.Context(), r.Header.Get("Authorization"))
	if err != nil {
		a.refuse(w, r, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "activity over 1 MiB", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read the activity", http.StatusBadRequest)
		return
	}
	act, err := parseActivity(body)
	if err != nil {
		a.log.Warn("malformed activity", slog.Any("error", err))
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := tok.admits(act.ServiceURL, act.ChannelID); err != nil {
		a.refuse(w, r, err)
		return
	}
	if !a.conn.allowed(act.ServiceURL) {
		a.refuse(w, r, &AuthError{Reason: fmt.Sprintf("serviceUrl %q is not on the allowlist (TEAMS_SERVICE_URLS)", act.ServiceURL)})
		return
	}
	// An activity with no tenant would skip the tenant check, so none is
	// taken: Teams names the tenant on every activity it sends.
	if tenantOf(act) == "" {
		a.refuse(w, r, &AuthError{Reason: "activity names no tenant (conversation.tenantId or channelData.tenant.id)"})
		return
	}
	if t := tenantOf(act); a.opt.TenantID != "" && !strings.EqualFold(t, a.opt.TenantID) {
		a.log.Warn("refused an activity from another tenant", slog.String("tenant", t), slog.String("user", act.From.ID))
		http.Error(w, "this bot serves one tenant", http.StatusForbidden)
		return
	}
	a.remember(r.Context(), act)

	switch act.Type {
	case schema.Message:
		a.onMessage(w, r, act)
	case schema.Invoke:
		a.onInvoke(w, r, act)
	case schema.ConversationUpdate, "installationUpdate":
		a.onInstall(act)
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusOK) // typing, reactions and the rest need no answer
	}
}

// refuse answers an activity that failed authentication.
func (a *Adapter) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errKeysUnavailable) {
		// Not the caller's fault: the Connector retries a 503.
		a.log.Error("cannot check inbound tokens", slog.Any("error", err))
		http.Error(w, "signing keys unavailable", http.StatusServiceUnavailable)
		return
	}
	a.log.Warn("rejected an activity that is not from the Bot Connector", slog.String("remote", r.RemoteAddr), slog.String("reason", err.Error()))
	http.Error(w, "unauthorized", http.StatusUnauthorized)
}

// parseActivity decodes an activity with msbotbuilder-go's schema and
// checks what the bot relies on.
func parseActivity(body []byte) (schema.Activity, error) {
	var act schema.Activity
	if err := json.Unmarshal(body, &act); err != nil {
		return act, fmt.Errorf("malformed activity: %v", err)
	}
	switch {
	case act.Type == "":
		return act, errors.New("malformed activity: no type")
	case act.ServiceURL == "":
		return act, errors.New("malformed activity: no serviceUrl")
	case act.Conversation.ID == "":
		return act, errors.New("malformed activity: no conversation id")
	}
	return act, nil
}

// tenantOf reads the tenant from conversation.tenantId, else
// channelData.tenant.id (Teams' documentation shows both).
func tenantOf(act schema.Activity) string {
	if act.Conversation.TenantID != "" {
		return act.Conversation.TenantID
	}
	if t, ok := act.ChannelData["tenant"].(map[string]any); ok {
		id, _ := t["id"].(string)
		return id
	}
	return ""
}

// baseConversation drops a channel thread's ";messageid=…" suffix.
func baseConversation(id string) string {
	base, _, _ := strings.Cut(id, ";messageid=")
	return base
}

func personal(act schema.Activity) bool {
	return act.Conversation.ConversationType == "personal" || (act.Conversation.ConversationType == "" && !act.Conversation.IsGroup)
}

// remember stores the references of the activity's conversation and
// sender, so jobs can reach them later from any replica.
func (a *Adapter) remember(ctx context.Context, act schema.Activity) {
	conv := conversationRef{
		ID:         baseConversation(act.Conversation.ID),
		Type:       act.Conversation.ConversationType,
		TenantID:   tenantOf(act),
		TeamID:     teamOf(act),
		ServiceURL: act.ServiceURL,
		BotID:      act.Recipient.ID,
		BotName:    act.Recipient.Name,
	}
	if err := a.dir.rememberConversation(ctx, conv); err != nil {
		a.log.Warn("conversation reference not stored", slog.Any("error", err))
	}
	if conv.TenantID != "" {
		// The tenant's service URL reaches channels the bot has not heard
		// from yet (any channel of a team it is installed in).
		tenant := conversationRef{ID: tenantRefID(conv.TenantID), TenantID: conv.TenantID, ServiceURL: conv.ServiceURL, BotID: conv.BotID, BotName: conv.BotName}
		if err := a.dir.rememberConversation(ctx, tenant); err != nil {
			a.log.Warn("tenant reference not stored", slog.Any("error", err))
		}
	}
	if act.From.ID == "" || act.From.ID == act.Recipient.ID {
		return
	}
	u := userRef{ID: act.From.ID, AADObjectID: act.From.AadObjectID, Name: act.From.Name, TenantID: conv.TenantID,
		ServiceURL: act.ServiceURL, BotID: act.Recipient.ID, BotName: act.Recipient.Name}
	if personal(act) {
		u.Personal = conv.ID
	}
	if _, err := a.dir.rememberUser(ctx, u); err != nil {
		a.log.Warn("user reference not stored", slog.Any("error", err))
	}
}

func teamOf(act schema.Activity) string {
	if t, ok := act.ChannelData["team"].(map[string]any); ok {
		id, _ := t["id"].(string)
		return id
	}
	return ""
}

// onMessage takes typed text or an Action.Submit (older clients' fallback
// for Action.Execute). It acknowledges at once; the answer is posted.
//
// A message is marked taken (package once) only once its answer is
// queued in the intake, which outlives this replica.
func (a *Adapter) onMessage(w http.ResponseWriter, r *http.Request, act schema.Activity) {
	ctx := r.Context()
	taken := "teams:activity:" + baseConversation(act.Conversation.ID) + ":" + act.ID
	keys := once.Keys{Done: taken, Lease: taken + ":taking"}
	dedupe := a.opt.Dedupe != nil && act.ID != ""
	if dedupe {
		state, err := once.Begin(ctx, a.opt.Dedupe, keys, takingLease)
		switch {
		case err != nil:
			// Without the store a redelivery cannot be told apart: let
			// Teams try again later.
			a.log.Error("activity not deduplicated", slog.Any("error", err))
			http.Error(w, "store unavailable", http.StatusInternalServerError)
			return
		case state == once.Done:
			w.WriteHeader(http.StatusOK)
			return
		case state == once.Taking:
			http.Error(w, "this message is being taken; deliver it again later", http.StatusServiceUnavailable)
			return
		}
		defer func() {
			if err := a.opt.Dedupe.ReleaseKey(context.WithoutCancel(ctx), keys.Lease); err != nil {
				a.log.Warn("message's lease not released; it expires on its own", slog.Any("error", err))
			}
		}()
	}
	task, ok := a.answerTask(act)
	if !ok {
		w.WriteHeader(http.StatusOK) // nothing to answer
		return
	}
	if !a.takeActivity(ctx, act, task) {
		// Teams delivers it again, and that delivery is taken.
		a.log.Error("message not taken: the adapter is busy or the store refused it", slog.String("conversation", act.Conversation.ID))
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	if dedupe {
		// Queued, so marked whether or not Teams still waits for the
		// answer: a connection dropped now would otherwise leave a
		// redelivery to be answered again.
		if err := once.Mark(context.WithoutCancel(ctx), a.opt.Dedupe, keys, time.Hour); err != nil {
			a.log.Warn("taken message not marked; a redelivery of it may be answered again", slog.Any("error", err))
		}
	}
	w.WriteHeader(http.StatusOK)
}

// takingLease is how long one replica has to queue a message before
// another may take a redelivery of it.
const takingLease = 30 * time.Second

// answerTask is the work that answers a message or an Action.Submit; ok
// is false when there is nothing to answer (an unusable submission, a
// file).
func (a *Adapter) answerTask(act schema.Activity) (task func(context.Context), ok bool) {
	if len(act.Value) > 0 {
		verb, _ := act.Value["verb"].(string)
		sub, err := ParseSubmission(verb, act.Value)
		if err != nil {
			a.log.Warn("unusable card submission", slog.Any("error", err))
			return nil, false
		}
		req := a.submissionRequest(act, sub)
		return func(ctx context.Context) { a.deliverSubmit(ctx, act, a.handle(ctx, act, req)) }, true
	}
	text := a.commandText(act.Text)
	if text == "" && len(act.Attachments) > 0 {
		return nil, false
	}
	req := a.request(act)
	req.Text = text
	return func(ctx context.Context) { a.deliverReply(ctx, act, a.handle(ctx, act, req)) }, true
}

// request is the neutral request of an activity, without its content.
func (a *Adapter) request(act schema.Activity) bot.Request {
	conv := bot.Conversation{ID: act.Conversation.ID, Direct: personal(act)}
	if _, root, ok := strings.Cut(act.Conversation.ID, ";messageid="); ok {
		conv.ThreadID = root
	}
	return bot.Request{
		Platform:     bot.PlatformTeams,
		User:         bot.User{ID: act.From.ID, DisplayName: act.From.Name, TeamID: tenantOf(act)},
		Conversation: conv,
	}
}

// submissionRequest turns a card click or form into the neutral request.
// The card it came from is act.ReplyToID.
func (a *Adapter) submissionRequest(act schema.Activity, sub Submission) bot.Request {
	req := a.request(act)
	card := bot.MessageRef{Platform: bot.PlatformTeams, ConversationID: act.Conversation.ID, MessageID: act.ReplyToID}
	if sub.FormID != "" {
		req.Form = &bot.FormSubmission{FormID: sub.FormID, RecordID: sub.RecordID, Values: sub.Inputs, Origin: card, Cancelled: sub.Cancel}
	} else {
		req.Action = &bot.Action{ID: sub.ActionID, Value: sub.Value, Message: card}
	}
	return req
}

var (
	mentionTag = regexp.MustCompile(`(?s)<at>.*?</at>`)
	htmlTag    = regexp.MustCompile(`<[^>]*>`)
)

// commandText is what the person typed, as the command router reads it:
// mentions of the bot, the markup Teams wraps rich text in and a habitual
// slash command are dropped.
func (a *Adapter) commandText(text string) string {
	text = mentionTag.ReplaceAllString(text, " ")
	text = htmlTag.ReplaceAllString(text, " ")
	text = strings.Join(strings.Fields(html.UnescapeString(text)), " ")
	if cmd := strings.TrimSpace(a.opt.Command); cmd != "" {
		for _, prefix := range []string{cmd, strings.TrimPrefix(cmd, "/")} {
			if rest, ok := strings.CutPrefix(text, prefix); ok && (rest == "" || rest[0] == ' ') {
				return strings.TrimSpace(rest)
			}
		}
	}
	return text
}

// handle resolves the asker's email and asks the handler, recovering a
// panic into an apology with a reference the log also carries.
func (a *Adapter) handle(ctx context.Context, act schema.Activity, req bot.Request) (reply bot.Message) {
	defer func() {
		if p := recover(); p != nil {
			ref := bot.NewRef()
			a.log.Error("handler panicked", slog.String("ref", ref), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			reply = bot.Apology(ref)
		}
	}()
	if email, err := a.email(ctx, act); err == nil {
		req.User.Email = email
	} else {
		a.log.Warn("could not resolve the Teams user's email", slog.String("user", act.From.ID), slog.Any("error", err))
	}
	return a.opt.Handler.Handle(ctx, req)
}

// email resolves the sender's email through the members API, cached for
// emailTTL (in the store for every replica).
func (a *Adapter) email(ctx context.Context, act schema.Activity) (string, error) {
	u, _, err := a.dir.user(ctx, act.From.ID)
	if err == nil && u.Email != "" && a.opt.Now().Sub(u.Fetched) < emailTTL {
		return u.Email, nil
	}
	m, err := a.conn.member(ctx, act.ServiceURL, baseConversation(act.Conversation.ID), act.From.ID)
	if err != nil {
		if u.Email != "" {
			return u.Email, nil // stale beats none while the API is away
		}
		return "", err
	}
	if m.address() == "" {
		return "", errors.New("teams: the members API gave no email or user principal name")
	}
	u, err = a.dir.rememberUser(ctx, userRef{ID: act.From.ID, AADObjectID: m.ObjectID, Name: m.Name, Email: m.address(), Fetched: a.opt.Now(),
		TenantID: cmp.Or(m.TenantID, tenantOf(act)), ServiceURL: act.ServiceURL, BotID: act.Recipient.ID})
	if err != nil {
		a.log.Warn("email not cached", slog.Any("error", err))
	}
	return m.address(), nil
}
