package teams_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/teams"
	"github.com/seatwarden/seatwarden/bot/teams/teamstest"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

// stuck holds every message that says "block" until its context ends,
// as a replica that stopped working would, and answers nothing then.
type stuck struct{ echo }

func (s *stuck) Handle(ctx context.Context, req bot.Request) bot.Message {
	if req.Text == "block" {
		<-ctx.Done()
		return bot.Message{}
	}
	return s.echo.Handle(ctx, req)
}

// A message one replica acknowledged and never answered (its only worker
// is stuck, as if it had died) is answered by another replica once the
// first one's claim has lapsed: once, and the intake is empty after.
func TestMessageOfAStuckReplicaIsAnsweredByAnother(t *testing.T) {
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "shared.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	var skew atomic.Int64
	shared := func(holder string, workers int) option {
		return func(o *teams.Options) {
			o.Records, o.Dedupe, o.Intake, o.Holder, o.Workers = st, st, st, holder, workers
			o.IntakeLease, o.IntakeSweep = time.Minute, 20*time.Millisecond
			now := o.Now
			o.Now = func() time.Time { return now().Add(time.Duration(skew.Load())) }
		}
	}
	h := newHarness(t, shared("replica-1", 1), func(o *teams.Options) { o.Handler = &stuck{} })

	second := &echo{}
	o := teams.Options{AppID: h.emu.AppID(), AppPassword: h.emu.AppPassword(), TenantID: h.emu.TenantID(),
		OpenIDMetadataURL: h.emu.MetadataURL(), TokenURL: h.emu.TokenURL(), ServiceURLs: []string{h.emu.ServiceURL()},
		Handler: second, Command: "/warden", Now: h.emu.Now}
	shared("replica-2", 4)(&o)
	other, err := teams.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close(context.Background()) })
	mux := http.NewServeMux()
	other.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { // the stuck worker is not waited for
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = h.adapter.Close(ctx)
	})

	personal := h.emu.PersonalConversation(omar.ID)
	h.deliver(t, h.emu.Message(omar, personal, "block"))
	if status, _ := h.deliver(t, h.emu.Message(omar, personal, "seats")); status != http.StatusOK {
		t.Fatalf("status %d, want the message acknowledged", status)
	}
	if n := second.calls.Load(); n != 0 {
		t.Fatalf("the second replica answered %d messages while the first one's claim was live", n)
	}

	skew.Store(int64(2 * time.Minute))
	asked := func(p teamstest.Posted) bool { return strings.Contains(string(p.Card), "You asked: seats\"") }
	h.waitPosted(t, personal.ID, asked)
	if err := other.Close(t.Context()); err != nil { // its answers done
		t.Fatal(err)
	}
	if n := countPosted(h.emu, personal.ID, asked); n != 1 {
		t.Errorf("answered %d times, want once", n)
	}
	if recs, err := st.ListRecords(t.Context(), "teams-intake"); err != nil || len(recs) != 0 {
		t.Errorf("intake after the answers: %d entries (%v), want none", len(recs), err)
	}
}

// TestAMessageOfAReplicaThatDiedTakingItIsAnsweredOnRedelivery: a replica
// killed while it took a message (before the answer was queued) leaves
// only its short lease; redeliveries are told to come again until it
// lapses, and the next one is answered, once. Marking the message taken
// before queueing it had the redelivery acknowledged and dropped.
func TestAMessageOfAReplicaThatDiedTakingItIsAnsweredOnRedelivery(t *testing.T) {
	var dedupe store.Idempotency
	h := newHarness(t, func(o *teams.Options) { dedupe = o.Dedupe })
	personal := h.emu.PersonalConversation(omar.ID)
	act := h.emu.Message(omar, personal, "seats")
	lease := "teams:activity:" + act.Conversation.ID + ":" + act.ID + ":taking"
	if _, err := dedupe.ClaimKey(t.Context(), lease, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if status, _ := h.deliver(t, act); status != http.StatusServiceUnavailable {
		t.Fatalf("a redelivery while the dead replica's lease lives: %d, want 503 (come again)", status)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, _ := h.deliver(t, act)
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("redelivery: %d, want 200 once the lease lapsed", status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	asked := func(p teamstest.Posted) bool { return strings.Contains(string(p.Card), "You asked: seats\"") }
	h.waitPosted(t, personal.ID, asked)
	if status, _ := h.deliver(t, act); status != http.StatusOK {
		t.Errorf("a redelivery after the answer: %d, want 200", status)
	}
	if err := h.adapter.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := countPosted(h.emu, personal.ID, asked); n != 1 {
		t.Errorf("answered %d times, want once", n)
	}
}

// countPosted counts what the bot posted in conversation that match says.
func countPosted(emu *teamstest.Server, conversation string, match func(teamstest.Posted) bool) int {
	n := 0
	for _, p := range emu.Conversation(conversation) {
		if match(p) {
			n++
		}
	}
	return n
}

// hangUpAfterQueueing is an intake that, once a message is written,
// holds the request until the caller has gone, as Teams does when its
// connection drops right after the bot queued the answer.
type hangUpAfterQueueing struct {
	store.Records
	queued chan struct{}
	first  atomic.Bool
}

func (h *hangUpAfterQueueing) CreateRecord(ctx context.Context, kind, id string, data []byte) (store.Record, error) {
	rec, err := h.Records.CreateRecord(ctx, kind, id, data)
	if err == nil && h.first.CompareAndSwap(false, true) {
		close(h.queued)
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
	}
	return rec, err
}

// TestAMessageQueuedAsTeamsHangsUpIsAnsweredOnce: a message whose answer
// was queued as Teams dropped the connection is marked taken all the
// same, so the redelivery that follows is not answered again.
func TestAMessageQueuedAsTeamsHangsUpIsAnsweredOnce(t *testing.T) {
	intake := &hangUpAfterQueueing{queued: make(chan struct{})}
	h := newHarness(t, func(o *teams.Options) { intake.Records = o.Records; o.Intake = intake })
	personal := h.emu.PersonalConversation(omar.ID)
	act := h.emu.Message(omar, personal, "seats")
	ctx, hangUp := context.WithCancel(t.Context())
	go func() { <-intake.queued; hangUp() }()
	if _, _, err := h.emu.Deliver(ctx, h.url, act); err == nil {
		t.Fatal("the first delivery was answered; want it cut off")
	}
	asked := func(p teamstest.Posted) bool { return strings.Contains(string(p.Card), "You asked: seats\"") }
	h.waitPosted(t, personal.ID, asked)
	if status, _ := h.deliver(t, act); status != http.StatusOK {
		t.Errorf("the redelivery: %d, want 200", status)
	}
	if err := h.adapter.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := countPosted(h.emu, personal.ID, asked); n != 1 {
		t.Errorf("answered %d times, want once", n)
	}
}
