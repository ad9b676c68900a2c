package slack_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/bot/slack"
	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

// fuzzAdapter serves the adapter in-process: correctly signed bodies of any
// shape reach the payload parsers, which must answer 200 or 400, never
// panic or hang.
func fuzzAdapter(f *testing.F) http.Handler {
	emu := slacktest.NewServer()
	f.Cleanup(emu.Close)
	st, err := boltstore.Open(filepath.Join(f.TempDir(), "fuzz.db"), boltstore.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	a, err := slack.New(slack.Options{
		SigningSecret:   signingSecret,
		API:             slackgo.New(slacktest.DefaultBotToken, slackgo.OptionAPIURL(emu.APIURL())),
		Handler:         &echo{},
		Dedupe:          st,
		AckBudget:       50 * time.Millisecond,
		ResponseOrigins: []string{emu.URL},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = a.Close(context.Background()) })
	mux := http.NewServeMux()
	a.Register(mux)
	return mux
}

func fuzzPost(t *testing.T, h http.Handler, path, body, contentType string) {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	sign(req, body, time.Now(), signingSecret)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest && rec.Code != http.StatusInternalServerError {
		t.Fatalf("POST %s %q: status %d", path, body, rec.Code)
	}
}

func FuzzSlashCommand(f *testing.F) {
	h := fuzzAdapter(f)
	f.Add(slashBody("seats inactive 60", ""))
	f.Add(slashBody("verify <@U024BE7LH|priya> <@W1> <@U1|> <#C1|x> <!here> &lt;@U2&gt; <@", ""))
	f.Add("command=%2Fwarden&text=&user_id=U1")
	f.Add("%zz&&==")
	f.Fuzz(func(t *testing.T, body string) {
		fuzzPost(t, h, "/slack/commands", body, "application/x-www-form-urlencoded")
	})
}

func FuzzInteraction(f *testing.F) {
	h := fuzzAdapter(f)
	f.Add(`{"type":"block_actions","user":{"id":"U1"},"actions":[{"block_id":"b","action_id":"seat.keep","value":"1"}]}`)
	f.Add(`{"type":"view_submission","user":{"id":"U1"},"view":{"callback_id":"f","state":{"values":{"a":{"a":{"type":"plain_text_input","value":"x"}}}}}}`)
	f.Add(`{"type":"view_submission","user":{"id":"U1"},"view":{"callback_id":"seat.keep","private_metadata":"sw1|C1|1.2|r","state":{"values":{"reason":{"reason":{"type":"plain_text_input","value":"x"}}}}}}`)
	f.Add(`{"type":"view_submission","user":{"id":"U1"},"view":{"callback_id":"seat.keep","private_metadata":"sw1|||sw1|","state":{"values":{}}}}`)
	f.Add(`{"type":"block_actions","trigger_id":"1.2.3","user":{"id":"U1"},"channel":{"id":"C1"},"container":{"message_ts":"1.2","is_ephemeral":true},"actions":[{"action_id":"seat.keep_form","value":"r"}]}`)
	f.Add(`{"type":"view_closed"}`)
	f.Add(`{"type":"block_actions","actions":[{}]}`)
	f.Fuzz(func(t *testing.T, payload string) {
		fuzzPost(t, h, "/slack/interactions", url.Values{"payload": {payload}}.Encode(), "application/x-www-form-urlencoded")
	})
}

func FuzzEvent(f *testing.F) {
	h := fuzzAdapter(f)
	f.Add(`{"type":"url_verification","challenge":"c"}`)
	f.Add(`{"type":"event_callback","event_id":"Ev1","event":{"type":"app_mention","user":"U1","text":"<@U2> seats","channel":"C1","ts":"1.2"}}`)
	f.Add(`{"type":"event_callback","event_id":"Ev2","event":{"type":"message","channel_type":"im","user":"U1","text":"help","channel":"D1"}}`)
	f.Add(`{"type":"event_callback","event_id":"Ev3","event":{"type":"app_mention","user":"U1","text":"<@U2|bot> verify <@U3> <@U3|x>","channel":"C1","ts":"1.2"}}`)
	f.Fuzz(func(t *testing.T, body string) {
		fuzzPost(t, h, "/slack/events", body, "application/json")
	})
}
