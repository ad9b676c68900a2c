// Package benchkit holds what the load benchmarks share: a store seeded
// with a snapshot of exactly N paid seats by a real sync from the Zendesk
// emulator, per-run Redis key prefixes, and the process's peak RSS.
package benchkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// Credentials of the emulated Zendesk account; they exist only inside this
// process.
const (
	zendeskClientID     = "benchkit"
	zendeskClientSecret = "benchkit-client-secret"
)

// SeedResult says what seeding put in the store.
type SeedResult struct {
	PaidSeats       int           `json:"paid_seats"`
	Staff           int           `json:"staff"`
	ZendeskRequests int           `json:"zendesk_requests"`
	SnapshotBytes   int           `json:"snapshot_bytes"`
	Duration        time.Duration `json:"-"`
	// OwnerEmail is the account owner's, an admin of the policy and the
	// person who asks.
	OwnerEmail string `json:"-"`
}

// Seed generates a Zendesk account whose staff hold exactly paid paid
// seats under p, serves it from the emulator and runs one full sync into
// st, as the bot's sync job does.
func Seed(ctx context.Context, st store.Store, paid int, p seats.Policy, log *slog.Logger) (SeedResult, error) {
	start := time.Now()
	org, err := orgWithPaidSeats(paid, p, start)
	if err != nil {
		return SeedResult{}, err
	}
	res := SeedResult{PaidSeats: paid, Staff: len(org.Staff()), OwnerEmail: org.Users[0].Email}

	// No emulated rate limits and a client budget far above any plan's:
	// seeding is setup, not what is measured.
	emu := zendesktest.NewServer(org,
		zendesktest.WithOAuthClient(zendeskClientID, zendeskClientSecret, true),
		zendesktest.WithLimits(zendesktest.Limits{}))
	defer emu.Close()
	zd, err := zendesk.New(zendesk.Config{
		BaseURL:           emu.URL,
		HTTPClient:        &http.Client{Timeout: time.Minute},
		Auth:              zendesk.OAuthClientCredentials(zendeskClientID, zendeskClientSecret),
		RequestsPerMinute: 1_000_000,
		Logger:            log,
	})
	if err != nil {
		return res, err
	}
	syncer := &seats.Syncer{Source: zendesk.Connector{Client: zd}, Store: st, Connector: connector.Zendesk, Account: emu.URL, Now: time.Now, Logger: log}
	sync, err := syncer.Sync(ctx)
	if err != nil {
		return res, err
	}
	got := seats.Evaluate(sync.Snapshot, p, time.Now()).Summary.Paid.Seats
	if got != paid {
		return res, fmt.Errorf("seed: the synced snapshot has %d paid seats, want %d", got, paid)
	}
	raw, err := store.EncodeSnapshot(sync.Snapshot)
	if err != nil {
		return res, err
	}
	res.SnapshotBytes = len(raw)
	res.ZendeskRequests = emu.TotalRequests()
	res.Duration = time.Since(start)
	return res, nil
}

// orgWithPaidSeats generates an org of staff only (end users hold no seat
// and never reach the snapshot) and cuts it right after the paid-th paid
// seat.
func orgWithPaidSeats(paid int, p seats.Policy, now time.Time) (*zendesktest.Org, error) {
	// About 70% of generated staff hold a paid seat; the rest are light
	// agents, contributors and deleted agents.
	users := paid*10/6 + 20
	for range 4 {
		org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: users, Seed: 1, Now: now, StaffShare: 1})
		if cutAtPaid(org, paid, p, now) {
			return org, nil
		}
		users *= 2
	}
	return nil, fmt.Errorf("seed: could not generate an org with %d paid seats", paid)
}

// cutAtPaid drops every user after the want-th paid seat, and their
// memberships; false when org has fewer paid seats than that.
func cutAtPaid(org *zendesktest.Org, want int, p seats.Policy, now time.Time) bool {
	staffOf := zendesk.StaffOf(org.CustomRoles)
	ix := seats.NewIndex(&store.Snapshot{}, p)
	n := 0
	for i, u := range org.Users {
		if !u.Active || (u.Role != zendesk.RoleAgent && u.Role != zendesk.RoleAdmin) {
			continue
		}
		if !ix.Evaluate(staffOf(u), p, now).Paid {
			continue
		}
		if n++; n < want {
			continue
		}
		org.Users = org.Users[:i+1]
		kept := make(map[int64]bool, len(org.Users))
		for _, u := range org.Users {
			kept[u.ID] = true
		}
		ms := org.Memberships[:0]
		for _, m := range org.Memberships {
			if kept[m.UserID] {
				ms = append(ms, m)
			}
		}
		org.Memberships = ms
		return true
	}
	return false
}

// KeyPrefix is unique to one run of the named benchmark, so runs can
// share a Redis.
func KeyPrefix(bench string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "swbench:" + bench + ":" + hex.EncodeToString(b) + ":"
}

// DeleteKeys removes every key under prefix and reports how many.
func DeleteKeys(ctx context.Context, client redis.UniversalClient, prefix string) (int, error) {
	deleted := 0
	iter := client.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, err := client.Del(ctx, batch...).Result()
		deleted += int(n)
		batch = batch[:0]
		return err
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return deleted, err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return deleted, err
	}
	return deleted, flush()
}
