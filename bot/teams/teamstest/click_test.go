package teamstest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/bot/teams/teamstest"
)

// approvalCard follows the card action protocol: Action.Execute buttons
// with Action.Submit fallbacks, a confirm behind an Action.ShowCard, and
// a cancel that submits no inputs.
const approvalCard = `{
  "type": "AdaptiveCard", "version": "1.5",
  "body": [
    {"type": "TextBlock", "text": "Seat request #42", "weight": "bolder"},
    {"type": "Input.Text", "id": "f.comment", "label": "Comment", "maxLength": 20},
    {"type": "Input.ChoiceSet", "id": "sel.0", "style": "compact", "value": "a",
     "choices": [{"title": "A", "value": "a"}, {"title": "B", "value": "b"}]},
    {"type": "ActionSet", "actions": [
      {"type": "Action.Execute", "title": "Approve", "verb": "sw.approve", "data": {"v": "42"},
       "fallback": {"type": "Action.Submit", "title": "Approve", "data": {"verb": "sw.approve", "v": "42"}}},
      {"type": "Action.ShowCard", "title": "Deny", "card": {
        "type": "AdaptiveCard",
        "body": [{"type": "Input.Text", "id": "f.reason", "isRequired": true}],
        "actions": [{"type": "Action.Execute", "title": "Yes, deny", "verb": "sw.deny", "data": {"v": "42"}}]
      }}
    ]}
  ],
  "actions": [
    {"type": "Action.Execute", "title": "Cancel", "verb": "sw.form", "data": {"x": "cancel"}, "associatedInputs": "none"}
  ]
}`

// testBot is a tiny bot: it checks the inbound token like a real one,
// records what it receives and answers invokes.
type testBot struct {
	*httptest.Server
	mu       sync.Mutex
	received []map[string]any
}

func newTestBot(t *testing.T, s *teamstest.Server) *testBot {
	t.Helper()
	v := newInboundVerifier(t, s)
	b := &testBot{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var act map[string]any
		if err := json.Unmarshal(raw, &act); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		serviceURL, _ := act["serviceUrl"].(string)
		if _, err := v.verify(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), serviceURL); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		b.mu.Lock()
		b.received = append(b.received, act)
		b.mu.Unlock()
		if act["type"] != "invoke" {
			w.WriteHeader(http.StatusOK)
			return
		}
		action := act["value"].(map[string]any)["action"].(map[string]any)
		data, _ := action["data"].(map[string]any)
		var resp any
		switch action["verb"] {
		case "sw.approve":
			resp = map[string]any{"statusCode": 200, "type": teamstest.AdaptiveCardContentType, "value": map[string]any{
				"type": "AdaptiveCard", "version": "1.5",
				"body": []any{map[string]any{"type": "TextBlock", "text": "Approved: " + data["f.comment"].(string)}},
			}}
		case "sw.deny":
			resp = map[string]any{"type": teamstest.MessageContentType, "value": "Denied"}
		case "sw.crash":
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		default:
			resp = map[string]any{"statusCode": 200, "type": teamstest.MessageContentType, "value": "Cancelled"}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *testBot) last() map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.received) == 0 {
		return nil
	}
	return b.received[len(b.received)-1]
}

func (b *testBot) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.received)
}

// postCard posts card into alice's personal conversation through the
// connector, as the bot would.
func postCard(t *testing.T, s *teamstest.Server, card string) teamstest.Posted {
	t.Helper()
	conv := s.PersonalConversation(alice.ID).ID
	body := `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":` + card + `}]}`
	resp, out := connector(t, s, http.MethodPost, "v3/conversations/"+conv+"/activities", body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("posting the card: %d %v", resp.StatusCode, out)
	}
	p, ok := s.PostedActivity(conv, out["id"].(string))
	if !ok {
		t.Fatal("the posted card is not in the conversation")
	}
	return p
}

func TestClick(t *testing.T) {
	tests := []struct {
		name        string
		title       string
		inputs      map[string]string
		wantErr     error
		wantData    map[string]any // the invoke's value.action.data
		wantVerb    string
		wantType    string
		wantMessage string
		wantCard    string // the conversation's card afterwards; "" = unchanged
	}{
		{
			name: "execute replaces the card", title: "Approve", inputs: map[string]string{"f.comment": "ok", "sel.0": "b"},
			wantVerb: "sw.approve", wantData: map[string]any{"v": "42", "f.comment": "ok", "sel.0": "b"},
			wantType: teamstest.AdaptiveCardContentType,
			wantCard: `{"body":[{"text":"Approved: ok","type":"TextBlock"}],"type":"AdaptiveCard","version":"1.5"}`,
		},
		{
			name: "untouched inputs send their initial values", title: "Approve",
			wantVerb: "sw.approve", wantData: map[string]any{"v": "42", "f.comment": "", "sel.0": "a"},
			wantType: teamstest.AdaptiveCardContentType,
			wantCard: `{"body":[{"text":"Approved: ","type":"TextBlock"}],"type":"AdaptiveCard","version":"1.5"}`,
		},
		{
			name: "execute inside a ShowCard sees the outer inputs", title: "Yes, deny", inputs: map[string]string{"f.reason": "no budget"},
			wantVerb: "sw.deny", wantData: map[string]any{"v": "42", "f.comment": "", "sel.0": "a", "f.reason": "no budget"},
			wantType: teamstest.MessageContentType, wantMessage: "Denied",
		},
		{
			name: "associatedInputs none sends the data alone", title: "Cancel",
			wantVerb: "sw.form", wantData: map[string]any{"x": "cancel"},
			wantType: teamstest.MessageContentType, wantMessage: "Cancelled",
		},
		{name: "no such action", title: "Escalate", wantErr: teamstest.ErrActionNotFound},
		{name: "a ShowCard title is not an Execute", title: "Deny", wantErr: teamstest.ErrActionNotFound},
		{name: "required input left empty", title: "Yes, deny", wantErr: teamstest.ErrInvalidInput},
		{name: "unknown input", title: "Approve", inputs: map[string]string{"f.nope": "x"}, wantErr: teamstest.ErrInvalidInput},
		{name: "not one of the choices", title: "Approve", inputs: map[string]string{"sel.0": "z"}, wantErr: teamstest.ErrInvalidInput},
		{name: "over maxLength", title: "Approve", inputs: map[string]string{"f.comment": strings.Repeat("x", 21)}, wantErr: teamstest.ErrInvalidInput},
		{name: "inputs with associatedInputs none", title: "Cancel", inputs: map[string]string{"f.comment": "x"}, wantErr: teamstest.ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			bot := newTestBot(t, s)
			card := postCard(t, s, approvalCard)

			resp, err := s.Click(context.Background(), bot.URL, alice, card, tt.title, tt.inputs)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Click error = %v, want %v", err, tt.wantErr)
				}
				if bot.count() != 0 {
					t.Error("a refused click reached the bot")
				}
				return
			}
			if err != nil {
				t.Fatalf("Click: %v", err)
			}

			got := bot.last()
			if got["type"] != "invoke" || got["name"] != "adaptiveCard/action" || got["replyToId"] != card.ID {
				t.Errorf("invoke type %v name %v replyToId %v; want invoke adaptiveCard/action %s", got["type"], got["name"], got["replyToId"], card.ID)
			}
			if conv := got["conversation"].(map[string]any); conv["id"] != card.ConversationID {
				t.Errorf("invoke conversation %v, want %s", conv["id"], card.ConversationID)
			}
			if from := got["from"].(map[string]any); from["id"] != alice.ID {
				t.Errorf("invoke from %v", from)
			}
			value := got["value"].(map[string]any)
			action := value["action"].(map[string]any)
			if value["trigger"] != "manual" || action["type"] != "Action.Execute" || action["verb"] != tt.wantVerb {
				t.Errorf("invoke value = %v", value)
			}
			if diff := cmp.Diff(tt.wantData, action["data"]); diff != "" {
				t.Errorf("invoke data (-want +got):\n%s", diff)
			}

			if resp.StatusCode != 200 || resp.Type != tt.wantType || resp.Message() != tt.wantMessage {
				t.Errorf("response = %+v (message %q)", resp, resp.Message())
			}
			now, ok := s.PostedActivity(card.ConversationID, card.ID)
			if !ok {
				t.Fatal("the card's activity is gone")
			}
			if tt.wantCard == "" {
				if string(now.Card) != string(card.Card) || now.Updated != 0 {
					t.Errorf("card changed to %s", now.Card)
				}
				return
			}
			if string(now.Card) != tt.wantCard || now.Updated != 1 {
				t.Errorf("card = %s (updated %d), want %s", now.Card, now.Updated, tt.wantCard)
			}
			if !strings.Contains(string(now.Activity), tt.wantCard) {
				t.Errorf("the stored activity still has the old card: %s", now.Activity)
			}
		})
	}
}

func TestClickReadsTheCurrentCard(t *testing.T) {
	s := newTestServer(t)
	bot := newTestBot(t, s)
	card := postCard(t, s, approvalCard)
	if _, err := s.Click(context.Background(), bot.URL, alice, card, "Approve", map[string]string{"f.comment": "ok"}); err != nil {
		t.Fatal(err)
	}
	// Teams shows the returned card: its buttons are gone, even when the
	// caller still holds the old Posted.
	if _, err := s.Click(context.Background(), bot.URL, alice, card, "Approve", nil); !errors.Is(err, teamstest.ErrActionNotFound) {
		t.Errorf("second click on the replaced card: %v, want ErrActionNotFound", err)
	}
}

func TestClickBotFailure(t *testing.T) {
	s := newTestServer(t)
	bot := newTestBot(t, s)
	card := postCard(t, s, `{"type":"AdaptiveCard","version":"1.5","actions":[{"type":"Action.Execute","title":"Go","verb":"sw.crash"}]}`)
	if _, err := s.Click(context.Background(), bot.URL, alice, card, "Go", nil); err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("Click error = %v, want the bot's HTTP 500", err)
	}
	if now, _ := s.PostedActivity(card.ConversationID, card.ID); now.Updated != 0 {
		t.Error("a failed invoke changed the card")
	}
}

func TestClickFallback(t *testing.T) {
	s := newTestServer(t)
	bot := newTestBot(t, s)
	card := postCard(t, s, approvalCard)
	status, _, err := s.ClickFallback(context.Background(), bot.URL, alice, card, "Approve", map[string]string{"f.comment": "ok"})
	if err != nil || status != http.StatusOK {
		t.Fatalf("ClickFallback = %d, %v", status, err)
	}
	got := bot.last()
	if got["type"] != "message" || got["replyToId"] != card.ID || got["text"] != nil {
		t.Errorf("submit message type %v replyToId %v text %v", got["type"], got["replyToId"], got["text"])
	}
	want := map[string]any{"verb": "sw.approve", "v": "42", "f.comment": "ok", "sel.0": "a"}
	if diff := cmp.Diff(want, got["value"]); diff != "" {
		t.Errorf("submit value (-want +got):\n%s", diff)
	}
	if _, _, err := s.ClickFallback(context.Background(), bot.URL, alice, card, "Cancel", nil); !errors.Is(err, teamstest.ErrActionNotFound) {
		t.Errorf("fallback of an action without one: %v", err)
	}
}

func TestDeliver(t *testing.T) {
	s := newTestServer(t)
	bot := newTestBot(t, s)
	msg := s.Message(alice, s.ChannelConversation(ops.ID), "status")
	status, _, err := s.Deliver(context.Background(), bot.URL, msg)
	if err != nil || status != http.StatusOK {
		t.Fatalf("Deliver = %d, %v", status, err)
	}
	if got := bot.last(); got["text"] != "<at>seatwarden</at> status" {
		t.Errorf("text = %v", got["text"])
	}

	// A token for another serviceUrl fails the bot's check.
	raw, _ := json.Marshal(msg)
	req, _ := http.NewRequest(http.MethodPost, bot.URL, strings.NewReader(string(raw)))
	req.Header.Set("Authorization", "Bearer "+s.InboundToken("https://elsewhere.example/"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("mismatched serviceurl: bot answered %d, want 403", resp.StatusCode)
	}
}
