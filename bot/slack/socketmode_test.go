package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/bot/slack"
	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
)

// socketFixture runs the adapter over Socket Mode against the emulator.
func socketFixture(t *testing.T, appToken string) (*fixture, chan error) {
	t.Helper()
	f := newFixture(t)
	sm, err := f.adapter.NewSocketMode(slack.SocketModeOptions{AppToken: appToken, APIURL: f.emu.APIURL()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sm.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Socket Mode did not stop when its context ended")
		}
	})
	return f, done
}

func waitSocket(t *testing.T, emu *slacktest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := emu.WaitSocket(ctx); err != nil {
		t.Fatalf("no Socket Mode connection: %v", err)
	}
}

func send(t *testing.T, emu *slacktest.Server, kind string, payload any) json.RawMessage {
	t.Helper()
	ack, err := emu.SendEnvelope(t.Context(), kind, payload)
	if err != nil {
		t.Fatal(err)
	}
	return ack
}

// TestSocketModeRunsTheSameHandlers: over Socket Mode, slash commands are
// answered in the acknowledgement, clicks through response_url and events
// in the channel, exactly as over HTTP, and a refreshed connection is
// reopened without losing what follows.
func TestSocketModeRunsTheSameHandlers(t *testing.T) {
	f, _ := socketFixture(t, slacktest.DefaultAppToken)
	waitSocket(t, f.emu)

	t.Run("slash command answered in the ack", func(t *testing.T) {
		ack := send(t, f.emu, slacktest.EnvelopeSlashCommand, map[string]string{
			"command": "/warden", "text": "seats", "user_id": "U0DANA", "team_id": "T0001", "channel_id": "C0SEATS",
			"response_url": f.emu.NewResponseURL("C0SEATS", "U0DANA"),
		})
		var msg slackgo.WebhookMessage
		if err := json.Unmarshal(ack, &msg); err != nil || !strings.Contains(msg.Text, "You said seats as dana@example.com") {
			t.Errorf("ack payload %s (%v), want the answer", ack, err)
		}
	})

	t.Run("click answered through response_url", func(t *testing.T) {
		responseURL := f.emu.NewResponseURL("C0SEATS", "U0DANA")
		ack := send(t, f.emu, slacktest.EnvelopeInteractive, json.RawMessage(`{"type":"block_actions","team":{"id":"T0001"},"user":{"id":"U0DANA"},"channel":{"id":"C0SEATS"},"container":{"message_ts":"1.2"},"response_url":"`+responseURL+`","actions":[{"block_id":"sec0","action_id":"seat.keep","value":"r1","type":"button"}]}`))
		if ack != nil {
			t.Errorf("ack payload %s, want none", ack)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		if err := f.emu.WaitUntil(ctx, func() bool { return len(f.emu.ResponseURLPosts()) > 0 }); err != nil {
			t.Fatal("no response_url post after the click")
		}
	})

	t.Run("form errors come back in the ack", func(t *testing.T) {
		ack := send(t, f.emu, slacktest.EnvelopeInteractive, json.RawMessage(`{"type":"view_submission","team":{"id":"T0001"},"user":{"id":"U0DANA"},"view":{"callback_id":"seat.keep","private_metadata":"r1","state":{"values":{"reason":{"reason":{"type":"plain_text_input","value":""}}}}}}`))
		if !strings.Contains(string(ack), `"response_action":"errors"`) || !strings.Contains(string(ack), "Say why") {
			t.Errorf("ack payload %s, want the field errors", ack)
		}
	})

	t.Run("an event is taken once, however often it comes", func(t *testing.T) {
		before := f.handler.calls.Load()
		event := json.RawMessage(`{"type":"event_callback","team_id":"T0001","event_id":"EvSOCKET1","event_time":1,"event":{"type":"app_mention","user":"U0DANA","text":"<@U0BOT> seats","ts":"1700000000.000200","channel":"C0SEATS","event_ts":"1700000000.000200"}}`)
		for range 2 {
			send(t, f.emu, slacktest.EnvelopeEventsAPI, event)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		if err := f.emu.WaitUntil(ctx, func() bool { return len(f.emu.Calls("chat.postEphemeral")) > 0 }); err != nil {
			t.Fatal("the mention was not answered")
		}
		if got := f.handler.calls.Load() - before; got != 1 {
			t.Errorf("an event sent twice was handled %d times, want 1", got)
		}
	})

	t.Run("reconnects when Slack refreshes the connection", func(t *testing.T) {
		f.emu.DisconnectSockets("refresh_requested")
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		for {
			if open, opened := f.emu.SocketConnections(); open == 1 && opened >= 2 {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatal("no new connection after Slack asked for a refresh")
			case <-time.After(20 * time.Millisecond):
			}
		}
		ack := send(t, f.emu, slacktest.EnvelopeSlashCommand, map[string]string{
			"command": "/warden", "text": "help", "user_id": "U0DANA", "team_id": "T0001", "channel_id": "C0SEATS"})
		if !strings.Contains(string(ack), "You said help") {
			t.Errorf("after reconnecting: ack %s", ack)
		}
	})
}

// TestSocketModeRefusesABadToken: a wrong app-level token stops Run with
// an error naming the setting, instead of retrying forever.
func TestSocketModeRefusesABadToken(t *testing.T) {
	_, done := socketFixture(t, "xapp-1-wrong")
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
			t.Errorf("Run = %v, want an error naming SLACK_APP_TOKEN", err)
		}
		done <- err // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("Run kept going with a refused token")
	}
	if _, err := (&slack.Adapter{}).NewSocketMode(slack.SocketModeOptions{}); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("NewSocketMode without a token: %v", err)
	}
}
