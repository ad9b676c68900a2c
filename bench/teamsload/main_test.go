package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
	"github.com/seatwarden/seatwarden/store/redisstore"
)

// tinyOptions run the whole benchmark in a second or two.
func tinyOptions() options {
	return options{
		Seats:       200,
		Users:       50,
		Concurrency: 4,
		Duration:    300 * time.Millisecond,
		Warmup:      100 * time.Millisecond,
		Text:        "seats",
	}
}

// TestRunSmall runs the whole benchmark on the embedded store with a small
// snapshot and few users, so the program keeps building and working as
// the bot changes.
func TestRunSmall(t *testing.T) {
	rep := runTiny(t, tinyOptions())
	if rep.Store != "embedded (bbolt)" || rep.KeyPrefix != "" {
		t.Errorf("store %q, key prefix %q; want the embedded store and no prefix", rep.Store, rep.KeyPrefix)
	}
}

// TestRunSmallRedis does the same on Redis and checks that the run's keys
// are gone afterwards. It needs Redis (REDIS_URL, else 127.0.0.1:6379);
// without one it skips, except in CI.
func TestRunSmallRedis(t *testing.T) {
	url := defaultRedisURL()
	requireRedis(t, url)
	o := tinyOptions()
	o.RedisURL = url
	rep := runTiny(t, o)
	if rep.Store != "Redis" {
		t.Errorf("store %q, want Redis", rep.Store)
	}
	if left := keysUnder(t, url, rep.KeyPrefix); len(left) > 0 {
		t.Errorf("keys left under %s: %q", rep.KeyPrefix, left)
	}
}

func runTiny(t *testing.T, o options) *report {
	t.Helper()
	var out bytes.Buffer
	rep, err := run(t.Context(), o, &out, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Seats != o.Seats || rep.Expect != "Seats: 200 paid" {
		t.Errorf("seats %d, expected reply %q; want %d and the summary headline", rep.Seats, rep.Expect, o.Seats)
	}
	if rep.FirstContacts.Requests != o.Users || rep.FirstContacts.Errors != 0 {
		t.Errorf("first contacts: %d requests, %d errors; want one per user (%d) and none", rep.FirstContacts.Requests, rep.FirstContacts.Errors, o.Users)
	}
	if rep.MemberLookups != 0 {
		t.Errorf("%d email lookups in the window; want none once every user was seen", rep.MemberLookups)
	}
	for _, f := range []figures{rep.Bare, rep.Full} {
		if f.Requests == 0 {
			t.Errorf("%s: no requests measured", f.Target)
		}
		if f.Errors != 0 || f.WarmupErrors != 0 {
			t.Errorf("%s: %d errors (%d in the warmup), first: %q", f.Target, f.Errors, f.WarmupErrors, f.ErrorSamples)
		}
		if f.Throughput <= 0 || f.AckP50 <= 0 || f.AckP99 < f.AckP50 || f.AckMax < f.AckP99 {
			t.Errorf("%s: implausible ack figures %+v", f.Target, f)
		}
	}
	if f := rep.Full; f.ReplyP50 <= 0 || f.ReplyP99 < f.ReplyP50 || f.ReplyMax < f.ReplyP99 {
		t.Errorf("full stack: implausible reply figures %+v", f)
	}
	if rep.ConnectorSends < int64(rep.Full.Requests) {
		t.Errorf("%d replies posted in the window for %d requests", rep.ConnectorSends, rep.Full.Requests)
	}
	if !rep.Pass {
		t.Error("the report says FAIL")
	}
	return rep
}

func TestParseOptions(t *testing.T) {
	o, err := parseOptions(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.RedisURL != "" || o.Seats != 50000 || o.Concurrency != 16 || o.Users < o.Concurrency || o.Rate != 0 {
		t.Errorf("defaults %+v", o)
	}
	for _, args := range [][]string{
		{"-users", "4", "-concurrency", "8"},
		{"-rate", "-1"},
		{"-duration", "0"},
		{"extra"},
	} {
		if _, err := parseOptions(args, io.Discard); err == nil {
			t.Errorf("%q: accepted", args)
		}
	}
}

func defaultRedisURL() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
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
