package slack_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/slack"
	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

// stuck holds every request that says "block" until its context ends,
// as a replica that stopped working would, and answers nothing then.
type stuck struct{ echo }

func (s *stuck) Handle(ctx context.Context, req bot.Request) bot.Message {
	if req.Text == "block" {
		<-ctx.Done()
		return bot.Message{}
	}
	return s.echo.Handle(ctx, req)
}

// A click one replica acknowledged and never answered (its only worker is
// stuck, as if it had died) is answered by another replica once the first
// one's claim has lapsed: once, on the click's own response_url, and the
// intake is empty after.
func TestClickOfAStuckReplicaIsAnsweredByAnother(t *testing.T) {
	emu := slacktest.NewServer(slacktest.WithUser(slacktest.User{ID: "U0DANA", Name: "dana", Email: "dana@example.com"}))
	t.Cleanup(emu.Close)
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "sw.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var skew atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }

	replica := func(name string, h bot.Handler, workers int) (*slack.Adapter, *httptest.Server) {
		a, err := slack.New(slack.Options{
			SigningSecret: signingSecret, API: slackgo.New(slacktest.DefaultBotToken, slackgo.OptionAPIURL(emu.APIURL())),
			Handler: h, Dedupe: st, Users: st, AckBudget: 100 * time.Millisecond, ResponseOrigins: []string{emu.URL},
			Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil)), Workers: workers, Intake: st, Holder: name, IntakeLease: time.Minute, IntakeSweep: 20 * time.Millisecond, Now: now,
		})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		a.Register(mux)
		srv := httptest.NewServer(mux)
		t.Cleanup(func() {
			srv.Close()
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // a stuck worker is not waited for
			_ = a.Close(ctx)
		})
		return a, srv
	}
	_, first := replica("replica-1", &stuck{}, 1)
	second := &echo{}
	other, _ := replica("replica-2", second, 4)

	f := &fixture{emu: emu, server: first}
	f.post(t, "/slack/commands", slashBody("block", emu.NewMessageResponseURL("C0SEATS", "U0DANA", "")), nil)
	ts := emu.PostUserMessage("C0SEATS", "U0BOT", "digest").TS
	respURL := emu.NewMessageResponseURL("C0SEATS", "U0DANA", ts)
	if status, body := f.post(t, "/slack/interactions", clickBody("C0SEATS", ts, "1.2.3", respURL, "seat.keep", "rev-1:42", false), nil); status != 200 || body != "" {
		t.Fatalf("click: %d %q, want a bare acknowledgement", status, body)
	}
	if n := second.calls.Load(); n != 0 {
		t.Fatalf("the second replica answered %d requests while the first one's claim was live", n)
	}

	skew.Store(int64(2 * time.Minute))
	waitFor(t, emu, "the click answered by the second replica", func() bool { return len(answersTo(emu, respURL)) > 0 })
	if err := other.Close(t.Context()); err != nil { // its answer done
		t.Fatal(err)
	}
	if recs, err := st.ListRecords(t.Context(), "slack-intake"); err != nil || len(recs) != 0 {
		t.Errorf("intake after the answer: %d entries (%v), want none", len(recs), err)
	}
	if got := answersTo(emu, respURL); len(got) != 1 || !strings.Contains(got[0].Text, "Kept by dana@example.com") {
		t.Errorf("answers on the click's response_url: %+v, want one", got)
	}
	if a := second.last().Action; a == nil || a.ID != "seat.keep" || a.Value != "rev-1:42" || a.Message.MessageID != ts {
		t.Errorf("the second replica handled %+v, want the click as Slack sent it", a)
	}
}

func answersTo(emu *slacktest.Server, responseURL string) []slacktest.ResponseURLPost {
	var out []slacktest.ResponseURLPost
	for _, p := range emu.ResponseURLPosts() {
		if p.URL == responseURL {
			out = append(out, p)
		}
	}
	return out
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }
