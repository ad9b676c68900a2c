package redisstore_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/redisstore"
)

// freeTCPPort is a loopback port nobody listens on; replication needs TCP.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startPrimary starts a redis-server on its own port, with a replica
// when withReplica, and returns a client of the primary.
func startPrimary(t *testing.T, withReplica bool) *redis.Client {
	t.Helper()
	requireRedisServer(t)
	port := freeTCPPort(t)
	primary, err := startRedisServer(t.TempDir(), "--port", strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(primary.stop)
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), DisableIdentity: true})
	t.Cleanup(func() { client.Close() })
	if err := pingUntil(client, 10*time.Second); err != nil {
		t.Fatalf("primary: %v\n%s", err, primary.log())
	}
	if !withReplica {
		return client
	}
	replica, err := startRedisServer(t.TempDir(), "--port", strconv.Itoa(freeTCPPort(t)), "--replicaof", "127.0.0.1", strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(replica.stop)
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, _ := client.Info(context.Background(), "replication").Result()
		if strings.Contains(info, "state=online") {
			return client
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica never came online:\n%s\n%s", info, replica.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWritesWaitForReplicas: with WaitReplicas a write counts once a
// replica has it, so a failover cannot lose what the bot acknowledged;
// with no replica to confirm it, the write fails and readiness says why.
func TestWritesWaitForReplicas(t *testing.T) {
	ctx := context.Background()
	t.Run("a replica confirms", func(t *testing.T) {
		st := redisstore.New(startPrimary(t, true), redisstore.Options{WaitReplicas: 1})
		if err := st.Ping(ctx); err != nil {
			t.Fatalf("ready: %v", err)
		}
		rec, err := st.CreateRecord(ctx, "item", "42", []byte(`{"state":"open"}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CompareAndSwapRecord(ctx, "item", "42", rec.Version, []byte(`{"state":"removed"}`)); err != nil {
			t.Fatal(err)
		}
		if first, err := st.ClaimKey(ctx, "slack:event:Ev1", time.Minute); err != nil || !first {
			t.Fatalf("claim: %v %v", first, err)
		}
		lock, err := st.AcquireLock(ctx, "job:sync", "replica-a", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.RenewLock(ctx, lock, time.Minute); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("no replica", func(t *testing.T) {
		// The store opens (the bot starts, and says it is not ready).
		client := startPrimary(t, false)
		st, err := redisstore.Open(ctx, client, redisstore.Options{WaitReplicas: 1, WaitTimeout: 50 * time.Millisecond})
		if err != nil {
			t.Fatalf("open with no replica: %v", err)
		}
		err = st.Ping(ctx)
		if !errors.Is(err, redisstore.ErrNotReplicated) || !strings.Contains(err.Error(), "REDIS_WAIT_REPLICAS") {
			t.Errorf("ready with no replica: %v", err)
		}
		for name, write := range map[string]func() error{
			"create": func() error { _, err := st.CreateRecord(ctx, "item", "7", []byte(`{}`)); return err },
			"claim":  func() error { _, err := st.ClaimKey(ctx, "slack:event:Ev2", time.Minute); return err },
			"lock":   func() error { _, err := st.AcquireLock(ctx, "job:reminders", "replica-a", time.Minute); return err },
		} {
			if err := write(); !errors.Is(err, redisstore.ErrNotReplicated) {
				t.Errorf("%s with no replica: %v, want ErrNotReplicated", name, err)
			}
		}
		// A create, claim or lock the caller was told failed is not left
		// behind on the master to be acted on, or to refuse a retry.
		if _, err := st.GetRecord(ctx, "item", "7"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the failed create left a record: %v", err)
		}
		if claimed, err := st.KeyClaimed(ctx, "slack:event:Ev2"); err != nil || claimed {
			t.Errorf("the failed claim left the key claimed: %v, %v", claimed, err)
		}
		unwaiting := redisstore.New(client, redisstore.Options{})
		if _, err := unwaiting.AcquireLock(ctx, "job:reminders", "replica-b", time.Minute); err != nil {
			t.Errorf("another holder after the failed acquire: %v, want the lock free", err)
		}
	})
}
