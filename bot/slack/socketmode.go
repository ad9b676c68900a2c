package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// SocketMode is the Slack transport over a websocket the bot opens itself,
// for workspaces that cannot reach the bot over HTTP. Slack sends the same
// payloads as to the request URLs, unsigned (the connection is
// authenticated by the app-level token), and each must be acknowledged on
// the socket within 3 seconds; the adapter's handlers do the rest exactly
// as for HTTP.
type SocketMode struct {
	a      *Adapter
	client *socketmode.Client
	// inflight bounds envelopes being answered at once, as the HTTP
	// server's connections would.
	inflight chan struct{}
	// backoff is the wait before reconnecting after a failed connection,
	// doubling to maxBackoff.
	backoff, maxBackoff time.Duration
}

// maxSocketAck is the size from which Slack drops a Socket Mode
// acknowledgement (slack-go refuses to send it).
const maxSocketAck = 20 << 10

// SocketModeOptions configure the Socket Mode connection.
type SocketModeOptions struct {
	// AppToken is the app-level token (xapp-…) with connections:write.
	AppToken string
	// APIURL overrides the Web API base (an emulator).
	APIURL string
	// HTTPClient calls apps.connections.open; default: 15 s timeout.
	HTTPClient *http.Client
}

// NewSocketMode connects the adapter's handlers to a Socket Mode client.
func (a *Adapter) NewSocketMode(o SocketModeOptions) (*SocketMode, error) {
	if o.AppToken == "" {
		return nil, errors.New("slack: Socket Mode needs an app-level token (xapp-…)")
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	opts := []slackgo.Option{slackgo.OptionAppLevelToken(o.AppToken), slackgo.OptionHTTPClient(o.HTTPClient)}
	if o.APIURL != "" {
		opts = append(opts, slackgo.OptionAPIURL(o.APIURL))
	}
	// The bot token is not needed to open the socket; replies go through
	// the adapter's own Web API client.
	api := slackgo.New("", opts...)
	return &SocketMode{
		a:          a,
		client:     socketmode.New(api),
		inflight:   make(chan struct{}, 256),
		backoff:    time.Second,
		maxBackoff: 30 * time.Second,
	}, nil
}

// Run connects and serves until ctx ends, reconnecting when Slack asks to
// or the connection drops. It returns nil when ctx ends, and an error only
// when the token is refused, which no retry can fix.
func (s *SocketMode) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.dispatch(ctx)
	wait := s.backoff
	for {
		err := s.client.RunContext(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if fatalSocketError(err) {
			return fmt.Errorf("slack: Socket Mode refused the app-level token (SLACK_APP_TOKEN): %w", err)
		}
		s.a.log.Warn("Socket Mode connection lost; reconnecting", slog.Duration("in", wait), slog.Any("error", err))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, s.maxBackoff)
	}
}

// fatalSocketError reports errors of the token itself.
func fatalSocketError(err error) bool {
	var e slackgo.SlackErrorResponse
	if errors.As(err, &e) {
		switch e.Err {
		case "invalid_auth", "not_authed", "not_allowed_token_type", "account_inactive", "token_revoked", "missing_scope":
			return true
		}
	}
	return false
}

func (s *SocketMode) dispatch(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-s.client.Events:
			s.handle(ctx, ev)
		}
	}
}

func (s *SocketMode) handle(ctx context.Context, ev socketmode.Event) {
	switch ev.Type {
	case socketmode.EventTypeConnected:
		s.a.log.Info("Socket Mode connected")
		return
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
		s.a.log.Warn("Socket Mode: "+string(ev.Type), slog.Any("detail", ev.Data))
		return
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
	default:
		return
	}
	if ev.Request == nil {
		return
	}
	select {
	case s.inflight <- struct{}{}:
	default:
		// As busy as the pool: say so rather than queue past the 3 s.
		s.ack(ctx, ev.Request, busyReply())
		return
	}
	go func() {
		defer func() { <-s.inflight }()
		s.answer(ctx, ev)
	}()
}

// answer runs one envelope through the adapter and acknowledges it. An
// event the adapter could not take now is left unacknowledged, so Slack
// sends it again, as a 500 would over HTTP.
func (s *SocketMode) answer(ctx context.Context, ev socketmode.Event) {
	switch data := ev.Data.(type) {
	case slackgo.SlashCommand:
		if data.UserID == "" {
			s.ack(ctx, ev.Request, nil)
			return
		}
		reply := s.a.onCommand(ctx, data)
		if reply == nil {
			s.ack(ctx, ev.Request, nil)
			return
		}
		b, err := json.Marshal(reply)
		if err != nil || len(b) >= maxSocketAck {
			// Slack drops acknowledgements of 20 KB or more; a long
			// answer goes to response_url instead.
			s.ack(ctx, ev.Request, nil)
			if msg, ok := reply.(*webhookReply); ok {
				if err := s.a.postResponse(ctx, data.ResponseURL, msg); err != nil {
					s.a.log.Error("response_url post failed", slog.Any("error", err))
				}
			}
			return
		}
		s.ack(ctx, ev.Request, json.RawMessage(b)) // encoded once, to measure it
	case slackgo.InteractionCallback:
		payload, err := s.a.onInteraction(ctx, &data)
		if err != nil {
			s.a.log.Warn("Socket Mode: unusable interaction", slog.Any("error", err))
			payload = nil
		}
		s.ack(ctx, ev.Request, payload)
	case slackevents.EventsAPIEvent:
		if err := s.a.onEvent(ctx, data); err != nil {
			return
		}
		s.ack(ctx, ev.Request, nil)
	default:
		s.ack(ctx, ev.Request, nil)
	}
}

func (s *SocketMode) ack(ctx context.Context, req *socketmode.Request, payload any) {
	if err := s.client.AckCtx(ctx, req.EnvelopeID, payload); err != nil {
		s.a.log.Error("Socket Mode acknowledgement not sent", slog.String("envelope", req.EnvelopeID), slog.Any("error", err))
	}
}
