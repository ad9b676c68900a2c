// Package teststores opens the two store backends for tests of packages
// built on the store: an embedded file in the test's temporary directory,
// and Redis under a key prefix of the test's own.
package teststores

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
	"github.com/seatwarden/seatwarden/store/redisstore"
)

// Bolt is an embedded store in the test's temporary directory, closed
// when the test ends. now, when set, is the store's clock.
func Bolt(tb testing.TB, now func() time.Time) store.Store {
	tb.Helper()
	st, err := boltstore.Open(filepath.Join(tb.TempDir(), "sw.db"), boltstore.Options{Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// runID keeps key prefixes apart across test processes sharing one Redis;
// seq within this one.
var (
	runID = func() string {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		return hex.EncodeToString(b)
	}()
	seq atomic.Int64
)

// Redis is a store on the Redis at REDIS_URL (default the local one)
// under a prefix of the test's own, whose keys are deleted when the test
// ends. Without Redis the test is skipped, except in CI, which always
// has one.
func Redis(tb testing.TB, name string) store.Store {
	tb.Helper()
	url := cmp.Or(os.Getenv("REDIS_URL"), "redis://127.0.0.1:6379/0")
	client, err := redisstore.NewClient(redisstore.ClientOptions{URL: url})
	if err != nil {
		tb.Fatal(err)
	}
	prefix := fmt.Sprintf("swtest:%s:%s:%d:", name, runID, seq.Add(1))
	st := redisstore.New(client, redisstore.Options{Prefix: prefix})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := st.Ping(ctx); err != nil {
		st.Close()
		if os.Getenv("CI") == "true" {
			tb.Fatalf("Redis is required in CI: %v", err)
		}
		tb.Skipf("skipping: no Redis answers at %s: %v", url, err)
	}
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			client.Unlink(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			tb.Errorf("clean up keys %s*: %v", prefix, err)
		}
		st.Close()
	})
	return st
}
