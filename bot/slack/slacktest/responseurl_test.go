package slacktest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// postResponse POSTs a JSON body to a response_url with plain net/http and
// returns the status and the error code ("" when accepted).
func postResponse(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, raw)
	}
	if out.OK != (out.Error == "") {
		t.Fatalf("inconsistent response %s", raw)
	}
	return resp.StatusCode, out.Error
}

func TestResponseURLBudget(t *testing.T) {
	s := newTestServer(t)
	url := s.NewResponseURL("C0GENERAL", alice)
	for i := range ResponseURLMaxUses {
		if status, code := postResponse(t, url, `{"text":"update"}`); status != http.StatusOK || code != "" {
			t.Fatalf("post %d: %d %q, want 200", i+1, status, code)
		}
	}
	if status, code := postResponse(t, url, `{"text":"one too many"}`); status != http.StatusNotFound || code != "used_url" {
		t.Fatalf("post %d: %d %q, want 404 used_url", ResponseURLMaxUses+1, status, code)
	}

	msgs := s.Messages("C0GENERAL")
	if len(msgs) != ResponseURLMaxUses {
		t.Fatalf("%d messages recorded, want %d", len(msgs), ResponseURLMaxUses)
	}
	for _, m := range msgs {
		if !m.Ephemeral || m.User != alice {
			t.Errorf("message %+v: want ephemeral for %s (the default response_type)", m, alice)
		}
	}
	posts := s.ResponseURLPosts()
	if len(posts) != ResponseURLMaxUses+1 || posts[0].ResponseType != "ephemeral" || posts[len(posts)-1].Error != "used_url" {
		t.Errorf("posts = %+v", posts)
	}
}

func TestResponseURLExpiry(t *testing.T) {
	s := newTestServer(t)
	url := s.NewResponseURL("C0GENERAL", alice)
	s.Advance(ResponseURLLifetime - time.Second)
	if status, code := postResponse(t, url, `{"text":"late but fine"}`); status != http.StatusOK {
		t.Fatalf("at 29m59s: %d %q, want 200", status, code)
	}
	s.Advance(time.Second)
	if status, code := postResponse(t, url, `{"text":"too late"}`); status != http.StatusNotFound || code != "expired_url" {
		t.Fatalf("at 30m: %d %q, want 404 expired_url", status, code)
	}
}

func TestResponseURLRejections(t *testing.T) {
	tooManyBlocks := `{"text":"x","blocks":[` + strings.TrimSuffix(strings.Repeat(`{"type":"divider"},`, MaxMessageBlocks+1), ",") + `]}`
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantErr    string
	}{
		{"51 blocks", tooManyBlocks, http.StatusBadRequest, "invalid_blocks"},
		{"long header", `{"blocks":[{"type":"header","text":{"type":"plain_text","text":"` + strings.Repeat("h", MaxHeaderTextChars+1) + `"}}]}`, http.StatusBadRequest, "invalid_blocks"},
		{"text too long", `{"text":"` + strings.Repeat("a", MaxMessageTextChars+1) + `"}`, http.StatusBadRequest, "msg_too_long"},
		{"nothing to show", `{"response_type":"in_channel"}`, http.StatusBadRequest, "no_text"},
		{"not JSON", `text=hi`, http.StatusBadRequest, "invalid_payload"},
		{"unknown response_type", `{"text":"x","response_type":"public"}`, http.StatusBadRequest, "invalid_response_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			url := s.NewResponseURL("C0GENERAL", alice)
			status, code := postResponse(t, url, tt.body)
			if status != tt.wantStatus || code != tt.wantErr {
				t.Fatalf("got %d %q, want %d %q", status, code, tt.wantStatus, tt.wantErr)
			}
			// Rejected posts do not use up the budget.
			for i := range ResponseURLMaxUses {
				if status, code := postResponse(t, url, `{"text":"ok"}`); status != http.StatusOK {
					t.Fatalf("valid post %d after a rejection: %d %q", i+1, status, code)
				}
			}
			posts := s.ResponseURLPosts()
			if posts[0].Error != tt.wantErr || posts[0].Status != tt.wantStatus {
				t.Errorf("first recorded post = %+v", posts[0])
			}
		})
	}

	s := newTestServer(t)
	if status, code := postResponse(t, s.URL+"/actions/T0/1/unknown", `{"text":"x"}`); status != http.StatusNotFound || code != "no_service" {
		t.Errorf("unissued URL: %d %q, want 404 no_service", status, code)
	}
	resp, err := http.Get(s.NewResponseURL("C0GENERAL", alice))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", resp.StatusCode)
	}
}

func TestResponseURLReplaceAndDeleteOriginal(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	_, ts, err := api.PostMessageContext(t.Context(), "C0GENERAL", slack.MsgOptionText("Keep Dana's seat?", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("seat-42", slack.NewButtonBlockElement("seat.keep", "42", plain("Keep")))))
	if err != nil {
		t.Fatal(err)
	}
	url := s.NewMessageResponseURL("C0GENERAL", alice, ts)

	if status, code := postResponse(t, url, `{"replace_original":true,"text":"Kept by Alice","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*Kept*"}}]}`); status != http.StatusOK {
		t.Fatalf("replace_original: %d %q", status, code)
	}
	msgs := s.Messages("C0GENERAL")
	if len(msgs) != 1 || msgs[0].TS != ts || msgs[0].Text != "Kept by Alice" || msgs[0].Updated != 1 || msgs[0].Ephemeral ||
		string(msgs[0].Blocks) != `[{"type":"section","text":{"type":"mrkdwn","text":"*Kept*"}}]` {
		t.Fatalf("after replace_original: %+v", msgs)
	}

	if status, code := postResponse(t, url, `{"response_type":"in_channel","replace_original":false,"thread_ts":"`+ts+`","text":"Done"}`); status != http.StatusOK {
		t.Fatalf("threaded reply: %d %q", status, code)
	}
	reply, err := s.WaitForMessage(t.Context(), "C0GENERAL", func(m Message) bool { return m.ThreadTS == ts })
	if err != nil || reply.Ephemeral || reply.User != DefaultBotUserID || reply.Text != "Done" {
		t.Fatalf("in_channel thread reply = %+v, %v", reply, err)
	}

	if status, code := postResponse(t, url, `{"delete_original":true}`); status != http.StatusOK {
		t.Fatalf("delete_original: %d %q", status, code)
	}
	msgs = s.Messages("C0GENERAL")
	if len(msgs) != 1 || msgs[0].TS != reply.TS {
		t.Fatalf("after delete_original: %+v, want only the reply", msgs)
	}
	if status, code := postResponse(t, url, `{"delete_original":true}`); status != http.StatusNotFound || code != "message_not_found" {
		t.Errorf("deleting again: %d %q, want 404 message_not_found", status, code)
	}
}

// TestResponseURLThroughSlackGo sends the way the bot does: slack-go's
// response_url options, which replace the message the URL last posted for
// slash commands.
func TestResponseURLThroughSlackGo(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	url := s.NewResponseURL("C0GENERAL", alice)

	if _, _, _, err := api.SendMessageContext(t.Context(), "", slack.MsgOptionResponseURL(url, slack.ResponseTypeEphemeral), slack.MsgOptionText("Working…", false)); err != nil {
		t.Fatal(err)
	}
	first, err := s.WaitForMessage(t.Context(), "C0GENERAL", nil)
	if err != nil || !first.Ephemeral || first.User != alice {
		t.Fatalf("first response = %+v, %v", first, err)
	}
	if _, _, _, err := api.SendMessageContext(t.Context(), "", slack.MsgOptionReplaceOriginal(url), slack.MsgOptionText("Done", false)); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages("C0GENERAL")
	if len(msgs) != 1 || msgs[0].TS != first.TS || msgs[0].Text != "Done" || !msgs[0].Ephemeral || msgs[0].Updated != 1 {
		t.Errorf("after replace: %+v", msgs)
	}

	_, _, _, err = api.SendMessageContext(t.Context(), "", slack.MsgOptionResponseURL(url, slack.ResponseTypeInChannel), slack.MsgOptionBlocks(dividers(MaxMessageBlocks+1)...))
	var sc slack.StatusCodeError
	if !errors.As(err, &sc) || sc.Code != http.StatusBadRequest {
		t.Errorf("51 blocks through slack-go: err = %v, want StatusCodeError 400", err)
	}
}
