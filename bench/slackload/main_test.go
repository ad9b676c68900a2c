package main

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
	"github.com/seatwarden/seatwarden/store/redisstore"
)

// TestRunSmall runs the whole benchmark on a small snapshot, so the
// program keeps building and working as the bot changes. It needs Redis
// (REDIS_URL, else 127.0.0.1:6379); without one it skips, except in CI.
func TestRunSmall(t *testing.T) {
	url := defaultRedisURL()
	requireRedis(t, url)

	var out bytes.Buffer
	o := options{
		RedisURL:    url,
		Seats:       500,
		Concurrency: 4,
		// Long enough that a loaded machine (CI beside other work)
		// still completes requests in each phase.
		Duration:  time.Second,
		Warmup:    300 * time.Millisecond,
		Rounds:    2,
		Text:      "seats",
		Askers:    200,
		AskWindow: 200 * time.Millisecond,
	}
	rep, err := run(t.Context(), o, &out, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Seats != 500 || rep.Expect != "Seats: 500 paid" {
		t.Errorf("seats %d, expected reply %q; want 500 and the summary headline", rep.Seats, rep.Expect)
	}
	for _, f := range []figures{rep.Bare, rep.Full} {
		if f.Requests == 0 {
			t.Errorf("%s: no requests measured", f.Target)
		}
		if f.Errors != 0 || f.WarmupErrors != 0 {
			t.Errorf("%s: %d errors (%d in the warmup), first: %q", f.Target, f.Errors, f.WarmupErrors, f.ErrorSamples)
		}
		if f.Throughput <= 0 || f.P50 <= 0 || f.P99 < f.P50 || f.Max < f.P99 {
			t.Errorf("%s: implausible figures %+v", f.Target, f)
		}
	}
	if a := rep.Askers; a == nil || a.Askers != 200 || a.Inline+a.Busy+a.Late+a.Errors != 200 || a.NewAfter <= 0 {
		t.Errorf("askers after a sync: %+v; want 200 asked, each counted once, and the new snapshot answered", a)
	} else if a.Errors != 0 {
		t.Errorf("askers after a sync: %d errors, first: %q", a.Errors, a.Sample)
	}
	if left := keysUnder(t, url, rep.KeyPrefix); len(left) > 0 {
		t.Errorf("keys left under %s: %q", rep.KeyPrefix, left)
	}
}

func keysUnder(t *testing.T, url, prefix string) []string {
	t.Helper()
	if prefix == "" {
		t.Fatal("the report names no key prefix")
	}
	client, err := redisstore.NewClient(redisstore.ClientOptions{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var keys []string
	iter := client.Scan(t.Context(), 0, prefix+"*", 1000).Iterator()
	for iter.Next(t.Context()) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return keys
}

func requireRedis(t *testing.T, url string) {
	t.Helper()
	client, err := redisstore.NewClient(redisstore.ClientOptions{URL: url})
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	st := redisstore.New(client, redisstore.Options{})
	defer st.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := st.Ping(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redis at %s is required in CI: %v", benchkit.Redact(url), err)
		}
		t.Skipf("skipping: no Redis answers at %s: %v", benchkit.Redact(url), err)
	}
}
