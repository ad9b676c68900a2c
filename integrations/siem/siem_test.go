package siem_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/audit"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/siem"
	"github.com/seatwarden/seatwarden/integrations/siem/siemtest"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

func entries(n int) []audit.Entry {
	out := make([]audit.Entry, n)
	for i := range out {
		out[i] = audit.Entry{ID: fmt.Sprintf("sw-%d", i+1), Seq: int64(i + 1), At: time.Date(2026, 12, 1, 9, 0, i, 0, time.UTC),
			Actor: "dana@acme.example", Action: "seat.removed", Subject: fmt.Sprintf("zendesk:user:%d", i)}
	}
	return out
}

// Each sink delivers what the collector takes, and says which failures
// are worth a retry soon and which are the collector refusing.
func TestSinks(t *testing.T) {
	emu := siemtest.NewServer()
	t.Cleanup(emu.Close)
	redirect := httptest.NewServer(http.RedirectHandler(emu.WebhookURL(), http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	webhook := func(url, secret string) audit.Sink { return &siem.Webhook{URL: url, Secret: []byte(secret)} }
	hec := func(token string) audit.Sink { return &siem.HEC{URL: emu.HECURL(), Token: token} }
	tests := []struct {
		name   string
		sink   audit.Sink
		refuse int
		want   error // nil: taken
		says   string
	}{
		{"a signed webhook", webhook(emu.WebhookURL(), siemtest.Secret), 0, nil, ""},
		{"Splunk HEC", hec(siemtest.Token), 0, nil, ""},
		{"a webhook signed with another secret", webhook(emu.WebhookURL(), "other"), 0, connector.ErrAuth, "signature does not match"},
		{"HEC with a wrong token", hec("wrong"), 0, connector.ErrForbidden, "Invalid token (code 4)"},
		{"a busy collector", webhook(emu.WebhookURL(), siemtest.Secret), http.StatusServiceUnavailable, connector.ErrUnavailable, "503"},
		{"HEC busy", hec(siemtest.Token), http.StatusServiceUnavailable, connector.ErrUnavailable, "Server is busy (code 9)"},
		{"a collector refusing the data", webhook(emu.WebhookURL(), siemtest.Secret), http.StatusBadRequest, connector.ErrInvalid, "400"},
		{"a redirect is not followed", webhook(redirect.URL, siemtest.Secret), 0, connector.ErrInvalid, "redirect, which is not followed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu.Refuse(tt.refuse)
			defer emu.Refuse(0)
			before := len(emu.Received())
			err := tt.sink.Send(t.Context(), entries(3))
			switch {
			case tt.want == nil && (err != nil || len(emu.Received()) != before+3):
				t.Errorf("err %v, %d taken; want 3 taken", err, len(emu.Received())-before)
			case tt.want != nil && (!errors.Is(err, tt.want) || !contains(err, tt.says)):
				t.Errorf("err %v; want %v saying %q", err, tt.want, tt.says)
			}
		})
	}
}

func contains(err error, s string) bool {
	return err != nil && strings.Contains(err.Error(), s)
}

// A receiver checks a delivery's signature and that it is fresh.
func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"sw-1"}` + "\n")
	sig := siem.Sign([]byte("s3cret"), now.Unix(), body)
	tests := []struct {
		name      string
		ts        string
		sig       string
		body      []byte
		wantError bool
	}{
		{"as sent", fmt.Sprint(now.Unix()), sig, body, false},
		{"a changed body", fmt.Sprint(now.Unix()), sig, []byte(`{"id":"sw-2"}` + "\n"), true},
		{"replayed an hour later", fmt.Sprint(now.Add(-time.Hour).Unix()), siem.Sign([]byte("s3cret"), now.Add(-time.Hour).Unix(), body), body, true},
		{"no timestamp", "", sig, body, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := siem.Verify([]byte("s3cret"), tt.ts, tt.sig, tt.body, now, 5*time.Minute); (err != nil) != tt.wantError {
				t.Errorf("Verify = %v, want error %v", err, tt.wantError)
			}
		})
	}
}

// fixture is a trail of n entries in a store, and streams over it.
type fixture struct {
	st    store.Store
	emu   *siemtest.Server
	clock atomic.Int64 // unix seconds of the fake clock
	waits atomic.Int64 // total fake time waited
}

func newFixture(t *testing.T, n int) *fixture {
	t.Helper()
	f := &fixture{st: teststores.Bolt(t, nil), emu: siemtest.NewServer()}
	t.Cleanup(f.emu.Close)
	f.clock.Store(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).Unix())
	for i := range n {
		if _, err := f.st.AppendAudit(t.Context(), store.AuditEntry{Actor: "dana@acme.example", Action: "seat.kept", Subject: fmt.Sprintf("zendesk:user:%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// stream is a replica's stream; it stops (cancelling ctx) once done says
// so, checked at each wait, and waits no real time.
func (f *fixture) stream(holder string, sink audit.Sink, cancel context.CancelFunc, done func() bool) *audit.Stream {
	return &audit.Stream{Trail: f.st, Records: f.st, Locks: f.st, Keys: f.st, Sink: sink, Holder: holder, Batch: 100,
		Now: func() time.Time { return time.Unix(f.clock.Load(), 0) },
		Sleep: func(ctx context.Context, d time.Duration) error {
			f.waits.Add(int64(d / time.Second))
			f.clock.Add(int64(d / time.Second))
			if done() {
				cancel()
			}
			time.Sleep(time.Millisecond) // let another replica's goroutine in
			return ctx.Err()
		}}
}

func (f *fixture) webhook() audit.Sink {
	return &siem.Webhook{URL: f.emu.WebhookURL(), Secret: []byte(siemtest.Secret)}
}

// checkOnceInOrder: every entry of 1..n arrived, first arrivals in order,
// and a repeat is a whole earlier entry again with the same id.
func checkOnceInOrder(t *testing.T, got []audit.Entry, n int) (repeats int) {
	t.Helper()
	seen := map[string]bool{}
	var next int64 = 1
	for _, e := range got {
		if seen[e.ID] {
			repeats++
			continue
		}
		seen[e.ID] = true
		if e.Seq != next || e.ID != fmt.Sprintf("sw-%d", next) {
			t.Fatalf("entry %s (seq %d) arrived where %d was due", e.ID, e.Seq, next)
		}
		next++
	}
	if int(next-1) != n {
		t.Fatalf("%d of %d entries arrived", next-1, n)
	}
	return repeats
}

// With a fifth of the deliveries failing, everything arrives, in order,
// with no repeat: a failed batch was not taken, and is sent again whole.
func TestStreamThroughFailures(t *testing.T) {
	const n = 3000
	f := newFixture(t, n)
	f.emu.FailRatio(0.2)
	ctx, cancel := context.WithCancel(t.Context())
	s := f.stream("replica-a", f.webhook(), cancel, func() bool { return len(f.emu.Received()) >= n })
	var outcomes sync.Map
	s.Observe = func(_ int, outcome string, _ time.Duration) {
		v, _ := outcomes.LoadOrStore(outcome, new(atomic.Int32))
		v.(*atomic.Int32).Add(1)
	}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if repeats := checkOnceInOrder(t, f.emu.Received(), n); repeats != 0 {
		t.Errorf("%d repeats, want none", repeats)
	}
	all, failed := f.emu.Deliveries()
	retries, _ := outcomes.Load("retry")
	if failed == 0 || retries == nil || int(retries.(*atomic.Int32).Load()) != failed || all != n/100+failed {
		t.Errorf("%d deliveries, %d failed, retries %v", all, failed, retries)
	}
	if after, err := audit.Delivered(t.Context(), f.st); err != nil || after != n {
		t.Errorf("cursor at %d, %v; want %d", after, err, n)
	}
}

// A collector that stores a batch and then fails to say so gets it again:
// the repeats are whole entries with the ids they had, and the first
// arrivals are still every entry in order.
func TestRepeatsCarryTheirIDs(t *testing.T) {
	const n = 2000
	f := newFixture(t, n)
	f.emu.FailRatio(0.2)
	f.emu.KeepFailed(true)
	ctx, cancel := context.WithCancel(t.Context())
	s := f.stream("replica-a", f.webhook(), cancel, func() bool {
		after, _ := audit.Delivered(context.Background(), f.st)
		return after >= n
	})
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	_, failed := f.emu.Deliveries()
	if repeats := checkOnceInOrder(t, f.emu.Received(), n); repeats != failed*100 || repeats == 0 {
		t.Errorf("%d repeats after %d failed deliveries of 100, want %d", repeats, failed, failed*100)
	}
}

// dying is a sink whose replica dies right after the collector took a
// batch, before the cursor moved: that batch is sent again by whoever
// carries on, with the same ids.
type dying struct {
	audit.Sink
	after  int // deliveries before the death
	cancel context.CancelFunc
	n      atomic.Int32
}

func (d *dying) Send(ctx context.Context, entries []audit.Entry) error {
	err := d.Sink.Send(ctx, entries)
	if d.n.Add(1) == int32(d.after) {
		d.cancel()
		return context.Canceled
	}
	return err
}

func TestReplicaDiesBetweenSendAndCursor(t *testing.T) {
	const n = 1000
	f := newFixture(t, n)
	ctx, cancel := context.WithCancel(t.Context())
	first := f.stream("replica-a", &dying{Sink: f.webhook(), after: 4, cancel: cancel}, cancel, func() bool { return false })
	if err := first.Run(ctx); err != nil {
		t.Fatal(err)
	}
	// Its lock lapses; the other replica carries on from the cursor.
	f.clock.Add(60)
	ctx2, cancel2 := context.WithCancel(t.Context())
	defer cancel2()
	second := f.stream("replica-b", f.webhook(), cancel2, func() bool { return len(f.emu.Received()) >= n+100 })
	second.Now = func() time.Time { return time.Unix(f.clock.Load(), 0) }
	if err := second.Run(ctx2); err != nil {
		t.Fatal(err)
	}
	if repeats := checkOnceInOrder(t, f.emu.Received(), n); repeats != 100 {
		t.Errorf("%d repeats, want the one batch of 100 sent before the death", repeats)
	}
}

// Two replicas streaming at once deliver everything once, in order: one
// holds the lock, the other waits.
func TestTwoReplicas(t *testing.T) {
	const n = 2000
	f := newFixture(t, n)
	f.emu.FailRatio(0.1)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := func() bool { return len(f.emu.Received()) >= n }
	var wg sync.WaitGroup
	for _, holder := range []string{"replica-a", "replica-b"} {
		wg.Go(func() {
			if err := f.stream(holder, f.webhook(), cancel, done).Run(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if repeats := checkOnceInOrder(t, f.emu.Received(), n); repeats != 0 {
		t.Errorf("%d repeats", repeats)
	}
}

// A collector that refuses the trail for an hour is asked about once per
// five minutes, the admins are told once, and nothing is skipped: once
// it takes entries again, all of them arrive.
func TestRefusingCollector(t *testing.T) {
	const n = 300
	f := newFixture(t, n)
	f.emu.Refuse(http.StatusBadRequest)
	var told atomic.Int32
	ctx, cancel := context.WithCancel(t.Context())
	s := f.stream("replica-a", f.webhook(), cancel, func() bool {
		if f.waits.Load() >= 3600 {
			f.emu.Refuse(0)
		}
		return len(f.emu.Received()) >= n
	})
	s.Refused = func(_ context.Context, sink string, delivered int64, err error) {
		told.Add(1)
		if !errors.Is(err, connector.ErrInvalid) || !strings.Contains(sink, "webhook http://127.0.0.1") || delivered != 0 {
			t.Errorf("told of %s: %v", sink, err)
		}
	}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	checkOnceInOrder(t, f.emu.Received(), n)
	_, failed := f.emu.Deliveries()
	if failed < 11 || failed > 14 || told.Load() < 1 || told.Load() > 2 {
		t.Errorf("%d deliveries refused in an hour (want about 12, one per five minutes), admins told %d times", failed, told.Load())
	}
}

// BenchmarkStream100kThroughFailures streams a trail of 100,000 entries
// to the webhook collector while a fifth of its deliveries fail, and
// checks that every entry arrived once, in order. Waits between tries are
// skipped: this times the delivery itself.
//
//	go test -run '^$' -bench Stream100k -benchtime 1x ./integrations/siem/
func BenchmarkStream100kThroughFailures(b *testing.B) {
	const n = 100_000
	st, err := boltstore.Open(filepath.Join(b.TempDir(), "seatwarden.db"), boltstore.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for i := range n {
		if _, err := st.AppendAudit(b.Context(), store.AuditEntry{Actor: "dana@acme.example", Action: "seat.kept", Subject: fmt.Sprintf("zendesk:user:%d", i),
			Detail: map[string]string{"reason": "on parental leave"}}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		emu := siemtest.NewServer()
		emu.FailRatio(0.2)
		ctx, cancel := context.WithCancel(b.Context())
		s := &audit.Stream{Trail: st, Records: st, Locks: st, Keys: st, Holder: "bench", Batch: 500,
			Sink: &siem.Webhook{URL: emu.WebhookURL(), Secret: []byte(siemtest.Secret)},
			Sleep: func(ctx context.Context, _ time.Duration) error {
				if len(emu.Received()) >= n {
					cancel()
				}
				return ctx.Err()
			}}
		if _, err := st.CreateRecord(b.Context(), "audit-sink", "cursor", []byte(`{"after":0}`)); err != nil && !errors.Is(err, store.ErrExists) {
			b.Fatal(err)
		} else if err != nil {
			rec, _ := st.GetRecord(b.Context(), "audit-sink", "cursor")
			if _, err := st.CompareAndSwapRecord(b.Context(), "audit-sink", "cursor", rec.Version, []byte(`{"after":0}`)); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.Run(ctx); err != nil {
			b.Fatal(err)
		}
		got := emu.Received()
		seen := make(map[string]bool, n)
		for i, e := range got {
			if seen[e.ID] || e.Seq != int64(i+1) {
				b.Fatalf("entry %d is %s (seq %d): repeated or out of order", i, e.ID, e.Seq)
			}
			seen[e.ID] = true
		}
		all, failed := emu.Deliveries()
		emu.Close()
		if len(got) != n {
			b.Fatalf("%d of %d entries arrived", len(got), n)
		}
		b.ReportMetric(float64(all), "deliveries/op")
		b.ReportMetric(float64(failed), "failed/op")
		b.ReportMetric(0, "repeats/op")
	}
}
