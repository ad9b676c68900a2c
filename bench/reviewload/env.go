package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
	"github.com/seatwarden/seatwarden/store/redisstore"
)

// now is the benchmark's clock: a Monday morning, when digests go out.
var now = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

type env struct {
	o      options
	store  store.Store
	rules  seats.Policy
	period string
	close  func()
}

func newEnv(ctx context.Context, o options) (*env, error) {
	e := &env{o: o, rules: seats.Policy{InactivityDays: 30, Location: time.UTC, Pricing: seats.Pricing{Agent: 115, Admin: 115, Currency: "USD"}},
		period: reviews.PeriodOf(now, time.UTC)}
	if o.RedisURL != "" {
		client, err := redisstore.NewClient(redisstore.ClientOptions{URL: o.RedisURL})
		if err != nil {
			return nil, err
		}
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		prefix := "swbench:reviewload:" + hex.EncodeToString(b) + ":"
		e.store = redisstore.New(client, redisstore.Options{Prefix: prefix})
		if err := e.store.Ping(ctx); err != nil {
			return nil, fmt.Errorf("no Redis answers at %s: %w", o.RedisURL, err)
		}
		e.close = func() {
			iter := client.Scan(context.Background(), 0, prefix+"*", 1000).Iterator()
			for iter.Next(context.Background()) {
				client.Del(context.Background(), iter.Val())
			}
			_ = e.store.Close()
		}
	} else {
		dir, err := os.MkdirTemp("", "reviewload-")
		if err != nil {
			return nil, err
		}
		st, err := boltstore.Open(filepath.Join(dir, "sw.db"), boltstore.Options{})
		if err != nil {
			return nil, err
		}
		e.store = st
		e.close = func() { _ = st.Close(); _ = os.RemoveAll(dir) }
	}
	if err := e.store.SaveSnapshot(ctx, e.snapshot()); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func ownerEmail(i int) string { return fmt.Sprintf("lead%04d@acme.example", i) }

// snapshot is an account of o.Seats agents in one group per owner; every
// 1/o.Inactive-th seat has not logged in for 31 to 400 days. Seats go to
// the groups a run of 1/o.Inactive at a time, so each run's idle seat
// lands in the next group and every owner has idle seats, whatever the
// two numbers' common factors.
func (e *env) snapshot() *store.Snapshot {
	snap := &store.Snapshot{SyncedAt: now, Connector: connector.Zendesk, Account: "https://acme.zendesk.com"}
	for i := range e.o.Owners {
		snap.Groups = append(snap.Groups, connector.Group{ID: int64(1000 + i), Name: fmt.Sprintf("Team %04d", i)})
	}
	inactiveEvery := max(1, int(1/e.o.Inactive+0.5))
	for i := range e.o.Seats {
		id := int64(10_000_000 + i)
		group := int64(1000 + (i/inactiveEvery)%e.o.Owners)
		login := now.AddDate(0, 0, -1-i%10)
		if i%inactiveEvery == 0 {
			login = now.AddDate(0, 0, -31-i%370)
		}
		snap.Staff = append(snap.Staff, connector.Staff{ID: id, Name: fmt.Sprintf("Agent %06d", i), Email: fmt.Sprintf("agent%06d@acme.example", i),
			Role: zendesk.RoleAgent, RoleName: "Agent", Seat: zendesk.RoleAgent, DefaultGroupID: &group, LastActivity: &login, CreatedAt: now.AddDate(-2, 0, 0)})
		snap.Memberships = append(snap.Memberships, connector.Membership{UserID: id, GroupID: group, Default: true})
	}
	return snap
}

// service is the review service over the store; zd may be nil when no
// decision is carried out.
func (e *env) service(zd connector.Seats, holder string) *reviews.Service {
	return &reviews.Service{Records: e.store, Audit: e.store, Seats: zd, Now: func() time.Time { return now }, Holder: holder,
		Policy: reviews.Policy{Location: time.UTC}}
}

func (e *env) reviewJobs(svc *reviews.Service) *jobs.Reviews {
	return &jobs.Reviews{Service: svc, Snapshots: e.store, Rules: e.rules, Command: "/warden", Workers: 16, Owners: e.owners()}
}

// owners is the rule that gives each team its own lead.
func (e *env) owners() seats.Owners {
	groups := make([]seats.GroupOwner, e.o.Owners)
	for i := range groups {
		groups[i] = seats.GroupOwner{Group: fmt.Sprintf("Team %04d", i), Owner: ownerEmail(i)}
	}
	return seats.NewOwners("", groups...)
}

// peakHeap samples the heap in use until stop is called.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

func zendeskClient(url string) (*zendesk.Client, error) {
	return zendesk.New(zendesk.Config{BaseURL: url, Auth: zendesk.OAuthClientCredentials("bench", "secret"),
		HTTPClient: &http.Client{Timeout: 10 * time.Second}, RequestsPerMinute: 1_000_000,
		Logger: slog.New(slog.DiscardHandler)})
}
