package slack_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
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
// or until unblocked, as a replica that stopped working would, and
// answers nothing then.
type stuck struct {
	echo
	unblocked chan struct{}
}

func (s *stuck) Handle(ctx context.Context, req bot.Request) bot.Message {
	if req.Text == "block" {
		select {
		case <-ctx.Done():
		case <-s.unblocked:
		}
		return bot.Message{}
	}
	return s.echo.Handle(ctx, req)
}

// pair is two replicas over one store and one Slack: the first with a
// single worker that "block" leaves stuck, as if the replica had died;
// the second answers everything. Their clocks move with skew.
type pair struct {
	emu   *slacktest.Server
	st    *boltstore.Store
	first *fixture
	// firstAdapter is the first replica; unblock frees its worker.
	firstAdapter *slack.Adapter
	unblock      func()
	second       *echo
	other        *slack.Adapter
	skew         atomic.Int64
}

func newPair(t *testing.T) *pair {
	p := &pair{emu: slacktest.NewServer(slacktest.WithUser(slacktest.User{ID: "U0DANA", Name: "dana", Email: "dana@example.com"}))}
	t.Cleanup(p.emu.Close)
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "sw.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p.st = st
	now := func() time.Time { return time.Now().Add(time.Duration(p.skew.Load())) }
	replica := func(name string, h bot.Handler, workers int) (*slack.Adapter, *httptest.Server) {
		a, err := slack.New(slack.Options{
			SigningSecret: signingSecret, API: slackgo.New(slacktest.DefaultBotToken, slackgo.OptionAPIURL(p.emu.APIURL())),
			Handler: h, Dedupe: st, Users: st, AckBudget: 100 * time.Millisecond, ResponseOrigins: []string{p.emu.URL},
			Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil)), Workers: workers, Intake: st, Holder: name,
			IntakeLease: time.Minute, IntakeSweep: 20 * time.Millisecond, Now: now,
			ChannelRate: 1000, ChannelBurst: 100, PostsPerMinute: 60_000, PostBurst: 100,
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
	gate := &stuck{unblocked: make(chan struct{})}
	p.unblock = sync.OnceFunc(func() { close(gate.unblocked) })
	var first *httptest.Server
	p.firstAdapter, first = replica("replica-1", gate, 1)
	p.first = &fixture{emu: p.emu, server: first}
	p.second = &echo{}
	p.other, _ = replica("replica-2", p.second, 4)
	// The first replica's only worker gets stuck.
	p.first.post(t, "/slack/commands", slashBody("block", p.emu.NewMessageResponseURL("C0SEATS", "U0DANA", "")), nil)
	return p
}

// lapse moves both clocks past the first replica's claims, and drains
// the second replica once cond holds, so its answers are all recorded.
func (p *pair) lapse(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if n := p.second.calls.Load(); n != 0 {
		t.Fatalf("the second replica answered %d requests while the first one's claims were live", n)
	}
	p.skew.Store(int64(2 * time.Minute))
	waitFor(t, p.emu, what, cond)
	if err := p.other.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if recs, err := p.st.ListRecords(t.Context(), "slack-intake"); err != nil || len(recs) != 0 {
		t.Errorf("intake after the answers: %d entries (%v), want none", len(recs), err)
	}
}

// A click one replica acknowledged and never answered (its only worker is
// stuck, as if it had died) is answered by another replica once the first
// one's claim has lapsed: once, on the click's own response_url, and the
// intake is empty after.
func TestClickOfAStuckReplicaIsAnsweredByAnother(t *testing.T) {
	p := newPair(t)
	ts := p.emu.PostUserMessage("C0SEATS", "U0BOT", "digest").TS
	respURL := p.emu.NewMessageResponseURL("C0SEATS", "U0DANA", ts)
	if status, body := p.first.post(t, "/slack/interactions", clickBody("C0SEATS", ts, "1.2.3", respURL, "seat.keep", "rev-1:42", false), nil); status != 200 || body != "" {
		t.Fatalf("click: %d %q, want a bare acknowledgement", status, body)
	}
	p.lapse(t, "the click answered by the second replica", func() bool { return len(answersTo(p.emu, respURL)) > 0 })
	if got := answersTo(p.emu, respURL); len(got) != 1 || !strings.Contains(got[0].Text, "Kept by dana@example.com") {
		t.Errorf("answers on the click's response_url: %+v, want one", got)
	}
	if a := p.second.last().Action; a == nil || a.ID != "seat.keep" || a.Value != "rev-1:42" || a.Message.MessageID != ts {
		t.Errorf("the second replica handled %+v, want the click as Slack sent it", a)
	}
}

// A DM event whose answer outlasts the acknowledgement's budget is kept
// before it is acknowledged, so when its replica dies another answers
// it, once.
func TestSlowEventOfAStuckReplicaIsAnsweredByAnother(t *testing.T) {
	p := newPair(t)
	event := `{"type":"event_callback","team_id":"T0001","event_id":"EvSlow","event_time":1,"event":{"type":"message","channel_type":"im","user":"U0DANA","text":"seats","ts":"1.2","channel":"U0DANA"}}`
	if status, _ := p.first.post(t, "/slack/events", event, nil); status != http.StatusOK {
		t.Fatalf("event: %d, want it acknowledged once the budget ran out", status)
	}
	p.lapse(t, "the event answered by the second replica", func() bool { return saidSeats(p.emu) > 0 })
	if n := saidSeats(p.emu); n != 1 {
		t.Errorf("the event was answered %d times, want once", n)
	}
}

// TestAnEventLeftWaitingForAWorkerIsNotAnsweredLate: an event whose turn
// at a replica's worker comes only after another replica took it from
// the intake and answered it is not answered a second time: a turn that
// comes later than half the event's lease is left to the others, who
// look for an answer before they give one.
func TestAnEventLeftWaitingForAWorkerIsNotAnsweredLate(t *testing.T) {
	p := newPair(t)
	event := `{"type":"event_callback","team_id":"T0001","event_id":"EvLate","event_time":1,"event":{"type":"message","channel_type":"im","user":"U0DANA","text":"seats","ts":"1.2","channel":"U0DANA"}}`
	if status, _ := p.first.post(t, "/slack/events", event, nil); status != http.StatusOK {
		t.Fatalf("event: %d, want it acknowledged once the budget ran out", status)
	}
	p.skew.Store(int64(2 * time.Minute)) // the first replica's claim lapses
	waitFor(t, p.emu, "the event answered by the second replica", func() bool { return saidSeats(p.emu) > 0 })
	p.unblock() // the first replica's worker comes to the event at last
	if err := p.firstAdapter.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := p.other.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := saidSeats(p.emu); n != 1 {
		t.Errorf("the event was answered %d times, want once", n)
	}
}

// saidSeats counts the answers to "seats" the bot posted anywhere.
func saidSeats(emu *slacktest.Server) (n int) {
	for _, m := range emu.Messages("") {
		if strings.Contains(m.Text, "You said seats") {
			n++
		}
	}
	return n
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
