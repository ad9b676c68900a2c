package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
)

// slackCaller sends what Slack sends: signed slash commands, block_actions
// and view_submission payloads, and Events API callbacks with Slack's
// retry headers.
type slackCaller struct {
	w *world
	// pick chooses a replica for each request, as a load balancer does.
	pick func() string
}

// httpClient bounds every request the harness sends.
var httpClient = &http.Client{Timeout: 10 * time.Second}

// sent is what became of one request: the status (0 when no replica
// took it), the answer, and which replica answered when.
type sent struct {
	status int
	body   []byte
	base   string
	at     time.Time
	took   time.Duration // from sending to the answer's last byte
}

// ok: a replica took the request. A "busy" answer is a refusal the
// person sees: nothing was taken.
func (s sent) ok() bool {
	return s.status == http.StatusOK && !bytes.Contains(s.body, []byte("is busy right now")) &&
		!bytes.Contains(s.body, []byte(`"response_action":"errors"`)) // a form kept open: nothing taken
}

// post sends a signed body to path on a replica. A refused
// connection goes to another replica, as a load balancer retries a
// connection that never opened; anything later is Slack's to see.
func (c *slackCaller) post(ctx context.Context, path, contentType, body string, header http.Header) sent {
	for range 4 {
		base := c.pick()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(body))
		if err != nil {
			return sent{}
		}
		for k, v := range header {
			req.Header[k] = v
		}
		req.Header.Set("Content-Type", contentType)
		slacktest.SignRequest(req.Header, body, time.Now(), signingSecret)
		start := time.Now()
		resp, err := httpClient.Do(req)
		if errors.Is(err, syscall.ECONNREFUSED) {
			continue
		}
		if err != nil {
			return sent{base: base, at: time.Now()}
		}
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		return sent{status: resp.StatusCode, body: raw, base: base, at: time.Now(), took: time.Since(start)}
	}
	return sent{}
}

// command runs the slash command as who, with a response_url of its own
// so the answer can be told from every other.
func (c *slackCaller) command(ctx context.Context, who person, text string) (s sent, responseURL, trigger string) {
	responseURL = c.w.slack.NewResponseURL(seatsChannel, who.slackID)
	trigger = c.w.slack.IssueTriggerID()
	form := url.Values{
		"command": {"/warden"}, "text": {text}, "user_id": {who.slackID}, "user_name": {who.handle()},
		"team_id": {slackTeam}, "channel_id": {seatsChannel}, "channel_name": {"support-leads"},
		"response_url": {responseURL}, "trigger_id": {trigger},
	}.Encode()
	return c.post(ctx, "/slack/commands", "application/x-www-form-urlencoded", form, nil), responseURL, trigger
}

// click presses a button on the message at ts in channel, as who. It
// returns the trigger_id the click carried, for the form it may open.
func (c *slackCaller) click(ctx context.Context, who person, channel, ts, actionID, value, responseURL string) (sent, string) {
	trigger := c.w.slack.IssueTriggerID()
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "trigger_id": trigger, "response_url": responseURL,
		"user":      map[string]string{"id": who.slackID, "name": who.handle()},
		"team":      map[string]string{"id": slackTeam},
		"channel":   map[string]string{"id": channel},
		"container": map[string]any{"type": "message", "message_ts": ts, "channel_id": channel},
		"actions":   []map[string]string{{"block_id": "act", "action_id": actionID, "value": value, "type": "button"}},
	})
	return c.post(ctx, "/slack/interactions", "application/x-www-form-urlencoded", url.Values{"payload": {string(payload)}}.Encode(), nil), trigger
}

// submit sends a view_submission of the modal view with plain-text,
// select and date values, as who.
func (c *slackCaller) submit(ctx context.Context, who person, view slacktest.View, text, selects, dates map[string]string) sent {
	state := map[string]any{}
	for id, v := range text {
		state[id] = map[string]any{id: map[string]string{"type": "plain_text_input", "value": v}}
	}
	for id, v := range selects {
		state[id] = map[string]any{id: map[string]any{"type": "static_select", "selected_option": map[string]string{"value": v}}}
	}
	for id, v := range dates {
		state[id] = map[string]any{id: map[string]string{"type": "datepicker", "selected_date": v}}
	}
	payload, _ := json.Marshal(map[string]any{
		"type": "view_submission", "user": map[string]string{"id": who.slackID, "name": who.handle()}, "team": map[string]string{"id": slackTeam},
		"view": map[string]any{"id": view.ID, "type": "modal", "callback_id": view.CallbackID, "private_metadata": view.PrivateMetadata,
			"state": map[string]any{"values": state}},
	})
	return c.post(ctx, "/slack/interactions", "application/x-www-form-urlencoded", url.Values{"payload": {string(payload)}}.Encode(), nil)
}

// directMessage delivers a message.im event for who's DM with the bot;
// retry > 0 sends it as Slack's retry number retry of the same event.
func (c *slackCaller) directMessage(ctx context.Context, who person, channel, eventID, text string, retry int) sent {
	ts := fmt.Sprintf("%d.%06d", time.Now().Unix(), time.Now().Nanosecond()/1000)
	body, _ := json.Marshal(map[string]any{
		"type": "event_callback", "team_id": slackTeam, "api_app_id": "A0HA", "event_id": eventID, "event_time": time.Now().Unix(),
		"event": map[string]any{"type": "message", "channel_type": "im", "channel": channel, "user": who.slackID, "text": text, "ts": ts},
	})
	h := http.Header{}
	if retry > 0 {
		h.Set("X-Slack-Retry-Num", strconv.Itoa(retry))
		h.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	return c.post(ctx, "/slack/events", "application/json", string(body), h)
}
