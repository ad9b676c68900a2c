package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seatwarden/seatwarden/internal/seal"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/redisstore"
	"github.com/seatwarden/seatwarden/store/storetest"
)

// The Redis the tests use: REDIS_URL when set, else a redis-server child
// started by TestMain on a unix socket (no port to race for).
var (
	redisURL string
	// redisErr says why redisURL is empty.
	redisErr error
)

// errNoRedis marks the one situation a test may skip for, outside CI:
// no REDIS_URL and no redis-server to start.
var errNoRedis = errors.New("REDIS_URL is not set and redis-server cannot be started")

func TestMain(m *testing.M) {
	os.Exit(func() int {
		stop := setupRedis()
		defer stop()
		return m.Run()
	}())
}

func setupRedis() (stop func()) {
	if url := os.Getenv("REDIS_URL"); url != "" {
		// Explicitly configured, so unreachable is a failure, not a skip.
		if err := pingURL(url, 5*time.Second); err != nil {
			redisErr = fmt.Errorf("REDIS_URL is set but Redis does not answer PING: %w", err)
			return func() {}
		}
		redisURL = url
		return func() {}
	}
	dir, err := os.MkdirTemp("", "swredis")
	if err != nil {
		redisErr = fmt.Errorf("%w: %v", errNoRedis, err)
		return func() {}
	}
	socket := filepath.Join(dir, "r.sock")
	server, err := startRedisServer(dir, "--port", "0", "--unixsocket", socket, "--unixsocketperm", "700")
	if err == nil {
		url := "unix://" + socket
		if err = pingURL(url, 10*time.Second); err == nil {
			redisURL = url
		} else {
			err = fmt.Errorf("%w\n%s", err, server.log())
		}
	}
	if err != nil {
		redisErr = fmt.Errorf("%w: %v", errNoRedis, err)
	}
	return func() {
		if server != nil {
			server.stop()
		}
		_ = os.RemoveAll(dir)
	}
}

// redisServer is a redis-server child process.
type redisServer struct {
	cmd     *exec.Cmd
	logPath string
}

func startRedisServer(dir string, args ...string) (*redisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "redis.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	base := []string{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir}
	cmd := exec.Command(bin, append(base, args...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	return &redisServer{cmd: cmd, logPath: logPath}, nil
}

func (r *redisServer) stop() {
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
}

// log returns the tail of the server's output for failure messages.
func (r *redisServer) log() string {
	b, _ := os.ReadFile(r.logPath)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

func pingURL(url string, within time.Duration) error {
	client, err := redisstore.NewClient(redisstore.ClientOptions{URL: url})
	if err != nil {
		return err
	}
	defer client.Close()
	return pingUntil(client, within)
}

func pingUntil(client redis.UniversalClient, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := client.Ping(ctx).Err()
		cancel()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// requireRedis skips (or, with CI=true, fails) when there is no Redis.
func requireRedis(tb testing.TB) {
	tb.Helper()
	if redisURL != "" {
		return
	}
	if errors.Is(redisErr, errNoRedis) && os.Getenv("CI") != "true" {
		tb.Skipf("skipping: %v", redisErr)
	}
	tb.Fatalf("no Redis for the tests: %v", redisErr)
}

// requireRedisServer is requireRedis for tests that need their own server.
func requireRedisServer(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "true" {
			tb.Skipf("skipping: %v", err)
		}
		tb.Fatalf("redis-server is required in CI: %v", err)
	}
}

// runID keeps prefixes unique across test processes sharing one Redis;
// prefixSeq keeps them unique within this one.
var (
	runID     = randomHex(6)
	prefixSeq atomic.Int64
)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func uniquePrefix() string {
	return fmt.Sprintf("swtest:%s:%d:", runID, prefixSeq.Add(1))
}

// newStore returns a Store on a fresh client and prefix, whose keys are
// deleted when the test ends.
func newStore(tb testing.TB, opts redisstore.ClientOptions) *redisstore.Store {
	tb.Helper()
	client, err := redisstore.NewClient(opts)
	if err != nil {
		tb.Fatalf("NewClient: %v", err)
	}
	prefix := uniquePrefix()
	s := redisstore.New(client, redisstore.Options{Prefix: prefix})
	tb.Cleanup(func() {
		_ = s.Close()
		if err := deleteKeys(opts, prefix); err != nil {
			tb.Errorf("clean up keys %s*: %v", prefix, err)
		}
	})
	return s
}

// deleteKeys removes every key under prefix, on every primary of a cluster.
func deleteKeys(opts redisstore.ClientOptions, prefix string) error {
	client, err := redisstore.NewClient(opts)
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// One pipeline of single-key UNLINKs per SCAN page: a benchmark leaves
	// hundreds of thousands of keys, too many for a round trip each, and
	// one multi-key UNLINK would span Cluster slots.
	deleteOn := func(ctx context.Context, node redis.Cmdable) error {
		var cursor uint64
		for {
			keys, next, err := node.Scan(ctx, cursor, prefix+"*", 1000).Result()
			if err != nil {
				return err
			}
			if len(keys) > 0 {
				_, err := node.Pipelined(ctx, func(p redis.Pipeliner) error {
					for _, k := range keys {
						p.Unlink(ctx, k)
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	}
	if cluster, ok := client.(*redis.ClusterClient); ok {
		return cluster.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			return deleteOn(ctx, node)
		})
	}
	return deleteOn(ctx, client)
}

func harness(opts redisstore.ClientOptions) storetest.Harness {
	return storetest.Harness{
		New: func(t *testing.T) store.Store { return newStore(t, opts) },
		// Redis expires keys on its own clock, so store time is real time.
		Advance: func(_ *testing.T, d time.Duration) { time.Sleep(d) },
	}
}

func TestConformance(t *testing.T) {
	requireRedis(t)
	storetest.Run(t, harness(redisstore.ClientOptions{URL: redisURL}))
}

// TestConformanceCluster runs the suite through a cluster client against a
// one-node Redis Cluster owning every slot. Redis refuses any command or
// script whose keys span slots (CROSSSLOT), so a missing hash tag fails here.
func TestConformanceCluster(t *testing.T) {
	requireRedisServer(t)
	addr := startClusterNode(t)
	opts := redisstore.ClientOptions{ClusterAddrs: []string{addr}}

	client, err := redisstore.NewClient(opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer client.Close()
	if _, ok := client.(*redis.ClusterClient); !ok {
		t.Fatalf("NewClient with ClusterAddrs returned %T, want *redis.ClusterClient", client)
	}
	err = client.MSet(t.Context(), "slot-probe-a", 1, "slot-probe-b", 2).Err()
	if err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
		t.Fatalf("cross-slot MSET: err = %v, want CROSSSLOT; the node does not enforce slots", err)
	}

	storetest.Run(t, harness(opts))
}

// startClusterNode starts a cluster-enabled redis-server, assigns it all
// 16384 slots and returns its address once the cluster reports ok.
func startClusterNode(t *testing.T) string {
	t.Helper()
	var lastErr error
	for range 3 { // a chosen port may be taken before the server binds it
		dir := t.TempDir()
		port, busPort, err := freePorts()
		if err != nil {
			t.Fatalf("pick ports: %v", err)
		}
		server, err := startRedisServer(dir,
			"--port", fmt.Sprint(port), "--cluster-enabled", "yes", "--cluster-port", fmt.Sprint(busPort),
			"--cluster-config-file", filepath.Join(dir, "nodes.conf"), "--cluster-announce-ip", "127.0.0.1")
		if err != nil {
			t.Fatalf("start cluster node: %v", err)
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		if lastErr = initCluster(addr); lastErr != nil {
			lastErr = fmt.Errorf("%w\n%s", lastErr, server.log())
			server.stop()
			continue
		}
		t.Cleanup(server.stop)
		return addr
	}
	t.Fatalf("could not start a cluster node: %v", lastErr)
	return ""
}

func freePorts() (int, int, error) {
	var ports []int
	for range 2 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, 0, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports[0], ports[1], nil
}

func initCluster(addr string) error {
	node := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer node.Close()
	if err := pingUntil(node, 10*time.Second); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := node.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
		return fmt.Errorf("CLUSTER ADDSLOTSRANGE: %w", err)
	}
	for {
		info, err := node.ClusterInfo(ctx).Result()
		if err != nil {
			return fmt.Errorf("CLUSTER INFO: %w", err)
		}
		if strings.Contains(info, "cluster_state:ok") {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster state not ok: %s", info)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestCloseClosesTheClient(t *testing.T) {
	requireRedis(t)
	s := newStore(t, redisstore.ClientOptions{URL: redisURL})
	if s.Backend() != "redis" {
		t.Errorf("Backend() = %q, want redis", s.Backend())
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Error("Ping after Close succeeded")
	}
}

// TestKeysStayUnderPrefix checks that a store writes nothing outside its
// prefix, which is what keeps test runs and deployments apart.
func TestKeysStayUnderPrefix(t *testing.T) {
	requireRedis(t)
	opts := redisstore.ClientOptions{URL: redisURL}
	client, err := redisstore.NewClient(opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	prefix := uniquePrefix()
	s := redisstore.New(client, redisstore.Options{Prefix: prefix})
	defer s.Close()
	ctx := t.Context()

	if _, err := s.CreateRecord(ctx, "review", "r1", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcquireLock(ctx, "job:sync", "a", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimKey(ctx, "evt", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendAudit(ctx, store.AuditEntry{Actor: "system", Action: "boot", Subject: "bot"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSnapshot(ctx, &store.Snapshot{Account: "acme"}); err != nil {
		t.Fatal(err)
	}
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	// record, index, lock, fence, idempotency, audit, snapshot head and chunk
	if len(keys) != 8 {
		t.Errorf("keys under %s = %v, want 8", prefix, keys)
	}
	if err := deleteKeys(opts, prefix); err != nil {
		t.Fatal(err)
	}
	if left, _ := client.Keys(ctx, prefix+"*").Result(); len(left) != 0 {
		t.Errorf("keys left after cleanup: %v", left)
	}
}

// TestCreateRecordsWithoutCachedScript runs CreateRecords on servers whose
// script cache is empty, as after a restart or failover: EVALSHA in a
// pipeline then fails with NOSCRIPT and cannot fall back to EVAL per
// command the way Script.Run does, so the store has to load the script.
// The servers are private because SCRIPT FLUSH is server-wide.
func TestCreateRecordsWithoutCachedScript(t *testing.T) {
	requireRedisServer(t)
	topologies := map[string]func(t *testing.T) redisstore.ClientOptions{
		"standalone": func(t *testing.T) redisstore.ClientOptions {
			return redisstore.ClientOptions{URL: startSocketServer(t)}
		},
		"cluster": func(t *testing.T) redisstore.ClientOptions {
			return redisstore.ClientOptions{ClusterAddrs: []string{startClusterNode(t)}}
		},
	}
	for name, topology := range topologies {
		t.Run(name, func(t *testing.T) {
			opts := topology(t)
			s := newStore(t, opts)
			admin, err := redisstore.NewClient(opts)
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			defer admin.Close()
			ctx := t.Context()

			if _, err := s.CreateRecord(ctx, "review", "r0-00000", []byte(`{}`)); err != nil {
				t.Fatal(err)
			}
			for round := range 2 {
				if err := admin.ScriptFlush(ctx).Err(); err != nil {
					t.Fatalf("SCRIPT FLUSH: %v", err)
				}
				// Several pipelines' worth, one id already taken.
				const n = 2500
				recs := make([]store.NewRecord, n)
				for i := range recs {
					recs[i] = store.NewRecord{ID: fmt.Sprintf("r%d-%05d", round, i), Data: []byte(`{}`)}
				}
				want := n
				if round == 0 {
					want--
				}
				created, err := s.CreateRecords(ctx, "review", recs)
				if err != nil || created != want {
					t.Fatalf("round %d: CreateRecords = %d, %v; want %d, nil", round, created, err, want)
				}
			}
			list, err := s.ListRecords(ctx, "review")
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 5000 {
				t.Errorf("ListRecords: %d records, want 5000", len(list))
			}
		})
	}
}

// startSocketServer starts a private redis-server on a unix socket and
// returns its URL. The directory is short-named: socket paths are limited
// to about 100 bytes, which t.TempDir can exceed.
func startSocketServer(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "swredis")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	socket := filepath.Join(dir, "r.sock")
	server, err := startRedisServer(dir, "--port", "0", "--unixsocket", socket, "--unixsocketperm", "700")
	if err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(server.stop)
	url := "unix://" + socket
	if err := pingURL(url, 10*time.Second); err != nil {
		t.Fatalf("private redis-server: %v\n%s", err, server.log())
	}
	return url
}

// ------------------------------------------------------------- NewClient

func TestNewClientStandalone(t *testing.T) {
	cases := []struct {
		name     string
		url      string
		addr     string
		user     string
		password string
		db       int
		tls      bool
	}{
		{name: "plain", url: "redis://localhost:6380", addr: "localhost:6380"},
		{name: "password and db", url: "redis://:s3cret@redis.internal:6379/2", addr: "redis.internal:6379", password: "s3cret", db: 2},
		{name: "user, password, default port", url: "redis://bot:p%40ss@redis.internal/1", addr: "redis.internal:6379", user: "bot", password: "p@ss", db: 1},
		{name: "tls", url: "rediss://default:tok@cache.example.com:6390/0", addr: "cache.example.com:6390", user: "default", password: "tok", tls: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client, err := redisstore.NewClient(redisstore.ClientOptions{URL: tc.url})
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			defer client.Close()
			c, ok := client.(*redis.Client)
			if !ok {
				t.Fatalf("NewClient returned %T, want *redis.Client", client)
			}
			o := c.Options()
			if o.Addr != tc.addr || o.Username != tc.user || o.Password != tc.password || o.DB != tc.db {
				t.Errorf("options addr=%q user=%q password=%q db=%d; want %q %q %q %d",
					o.Addr, o.Username, o.Password, o.DB, tc.addr, tc.user, tc.password, tc.db)
			}
			if got := o.TLSConfig != nil; got != tc.tls {
				t.Errorf("TLS = %v, want %v", got, tc.tls)
			}
			if tc.tls && o.TLSConfig.ServerName != strings.Split(tc.addr, ":")[0] {
				t.Errorf("TLS ServerName = %q, want the host of %q", o.TLSConfig.ServerName, tc.addr)
			}
			if !o.DisableIdentity {
				t.Error("DisableIdentity is false")
			}
			if o.MaintNotificationsConfig == nil || o.MaintNotificationsConfig.Mode != "disabled" {
				t.Errorf("maintenance notifications not disabled: %+v", o.MaintNotificationsConfig)
			}
		})
	}
}

func TestNewClientUnixSocket(t *testing.T) {
	client, err := redisstore.NewClient(redisstore.ClientOptions{URL: "unix:///run/redis/redis.sock?db=3"})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer client.Close()
	o := client.(*redis.Client).Options()
	if o.Dialer == nil || o.DB != 3 {
		t.Errorf("unix URL: dialer set = %v, db = %d; want a dialer and db 3", o.Dialer != nil, o.DB)
	}
}

func TestNewClientSentinelAndCluster(t *testing.T) {
	t.Run("sentinel", func(t *testing.T) {
		client, err := redisstore.NewClient(redisstore.ClientOptions{
			URL:           "redis://:pw@ignored:6379/4",
			MasterName:    "seatwarden",
			SentinelAddrs: []string{"s1:26379", "s2:26379"},
		})
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		defer client.Close()
		o := client.(*redis.Client).Options()
		if o.Addr != "FailoverClient" || o.Password != "pw" || o.DB != 4 {
			t.Errorf("failover options addr=%q password=%q db=%d; want a failover client with pw, db 4", o.Addr, o.Password, o.DB)
		}
	})
	t.Run("cluster", func(t *testing.T) {
		client, err := redisstore.NewClient(redisstore.ClientOptions{
			URL:          "rediss://bot:pw@ignored:6379",
			ClusterAddrs: []string{"n1:6379", "n2:6379"},
		})
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		defer client.Close()
		c, ok := client.(*redis.ClusterClient)
		if !ok {
			t.Fatalf("NewClient returned %T, want *redis.ClusterClient", client)
		}
		o := c.Options()
		if len(o.Addrs) != 2 || o.Username != "bot" || o.Password != "pw" || o.TLSConfig == nil || !o.DisableIdentity {
			t.Errorf("cluster options %+v: want both addresses, the URL's credentials, TLS and no identity", o)
		}
	})
}

func TestNewClientErrorsHideThePassword(t *testing.T) {
	cases := []struct {
		name string
		opts redisstore.ClientOptions
		// hidden must not appear in the error text.
		hidden []string
	}{
		{name: "nothing configured"},
		{name: "sentinel without master", opts: redisstore.ClientOptions{SentinelAddrs: []string{"s1:26379"}}},
		{name: "sentinel and cluster", opts: redisstore.ClientOptions{
			MasterName: "m", SentinelAddrs: []string{"s1:26379"}, ClusterAddrs: []string{"n1:6379"}}},
		{name: "cluster with a db", opts: redisstore.ClientOptions{
			URL: "redis://:hunter2@h/3", ClusterAddrs: []string{"n1:6379"}}, hidden: []string{"hunter2"}},
		{name: "bad port", opts: redisstore.ClientOptions{URL: "redis://bot:hunter2@host:notaport"}, hidden: []string{"hunter2"}},
		{name: "bad db", opts: redisstore.ClientOptions{URL: "redis://bot:hunter2@host/notadb"}, hidden: []string{"hunter2"}},
		{name: "bad scheme", opts: redisstore.ClientOptions{URL: "http://bot:hunter2@host"}, hidden: []string{"hunter2"}},
		{name: "bad escape in password", opts: redisstore.ClientOptions{URL: "redis://bot:hun%zzter2@host"},
			hidden: []string{"hun", "ter2", "%zz"}},
		{name: "quote and space in password", opts: redisstore.ClientOptions{URL: `redis://bot:pa ss"word@host:x`},
			hidden: []string{"pa ss", "word"}},
		{name: "no scheme", opts: redisstore.ClientOptions{URL: "bot:hunter2@host:6379"}, hidden: []string{"hunter2"}},
		{name: "unknown option", opts: redisstore.ClientOptions{URL: "redis://bot:hunter2@host/0?colour=blue"}, hidden: []string{"hunter2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client, err := redisstore.NewClient(tc.opts)
			if err == nil {
				client.Close()
				t.Fatal("NewClient succeeded, want an error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "redisstore: ") {
				t.Errorf("error %q lacks the redisstore: prefix", msg)
			}
			for _, secret := range tc.hidden {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q reveals %q", msg, secret)
				}
			}
		})
	}
}

// ------------------------------------------------------------ benchmarks

// BenchmarkStore runs every store benchmark on a clear and on a sealed
// store: benchstat on the two names gives the cost of sealing.
func BenchmarkStore(b *testing.B) {
	requireRedis(b)
	b.Run("enc=clear", func(b *testing.B) {
		storetest.Bench(b, func(b *testing.B) store.Store { return newStore(b, redisstore.ClientOptions{URL: redisURL}) })
	})
	keys := storetest.Keys(b, "current")
	b.Run("enc=sealed", func(b *testing.B) {
		storetest.Bench(b, func(b *testing.B) store.Store {
			s, err := openSealable(b, redisstore.ClientOptions{URL: redisURL}, uniquePrefix(), keys, false)
			if err != nil {
				b.Fatal(err)
			}
			return s
		})
	})
}

// The same suite on a sealed store, with an older key in the ring too.
func TestConformanceSealed(t *testing.T) {
	requireRedis(t)
	keys := storetest.Keys(t, "current", "older")
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) store.Store {
			s, err := openSealable(t, redisstore.ClientOptions{URL: redisURL}, uniquePrefix(), keys, false)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Advance: func(_ *testing.T, d time.Duration) { time.Sleep(d) },
	})
}

// openSealable opens a store under prefix, whose keys are deleted when
// the test ends.
func openSealable(t testing.TB, opts redisstore.ClientOptions, prefix string, keys *seal.Keyring, rekey bool) (store.SealingStore, error) {
	t.Helper()
	client, err := redisstore.NewClient(opts)
	if err != nil {
		return nil, err
	}
	s, err := redisstore.Open(t.Context(), client, redisstore.Options{Prefix: prefix, Keys: keys, Rekey: rekey})
	if err != nil {
		client.Close()
		return nil, err
	}
	t.Cleanup(func() {
		_ = s.Close()
		if err := deleteKeys(opts, prefix); err != nil {
			t.Errorf("clean up keys %s*: %v", prefix, err)
		}
	})
	return s, nil
}

// TestSealing reads Redis directly: a sealed store's keys and values hold
// no email, name or answer in the clear.
func TestSealing(t *testing.T) {
	requireRedis(t)
	opts := redisstore.ClientOptions{URL: redisURL}
	storetest.RunSealing(t, storetest.SealingHarness{New: func(t *testing.T) storetest.Backing {
		prefix := uniquePrefix()
		return storetest.Backing{
			Open: func(keys *seal.Keyring, rekey bool) (store.SealingStore, error) {
				return openSealable(t, opts, prefix, keys, rekey)
			},
			Dump: func(t *testing.T) []byte { return dumpKeys(t, opts, prefix) },
		}
	}})
}

// dumpKeys returns every key under prefix and everything it holds.
func dumpKeys(t *testing.T, opts redisstore.ClientOptions, prefix string) []byte {
	t.Helper()
	client, err := redisstore.NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx := t.Context()
	var out []byte
	iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		out = append(out, key+"\n"...)
		var vals []string
		switch typ := client.Type(ctx, key).Val(); typ {
		case "string":
			vals = []string{client.Get(ctx, key).Val()}
		case "hash":
			for f, v := range client.HGetAll(ctx, key).Val() {
				vals = append(vals, f, v)
			}
		case "list":
			vals = client.LRange(ctx, key, 0, -1).Val()
		case "zset":
			vals = client.ZRange(ctx, key, 0, -1).Val()
		default:
			t.Fatalf("key %s has type %s, which the dump does not read", key, typ)
		}
		for _, v := range vals {
			out = append(out, v+"\n"...)
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSealingCluster runs the sealing suite through a cluster client, so
// a sealing script whose keys span slots fails here.
func TestSealingCluster(t *testing.T) {
	requireRedisServer(t)
	opts := redisstore.ClientOptions{ClusterAddrs: []string{startClusterNode(t)}}
	storetest.RunSealing(t, storetest.SealingHarness{New: func(t *testing.T) storetest.Backing {
		prefix := uniquePrefix()
		return storetest.Backing{
			Open: func(keys *seal.Keyring, rekey bool) (store.SealingStore, error) {
				return openSealable(t, opts, prefix, keys, rekey)
			},
			Dump: func(t *testing.T) []byte { return dumpKeys(t, opts, prefix) },
		}
	}})
}

// A rekey after SCRIPT FLUSH still re-seals everything: its pipelined
// scripts fall back when the cache is empty. The server is private
// because SCRIPT FLUSH is server-wide.
func TestRekeyWithoutCachedScript(t *testing.T) {
	requireRedisServer(t)
	opts := redisstore.ClientOptions{URL: startSocketServer(t)}
	prefix := uniquePrefix()
	s, err := openSealable(t, opts, prefix, storetest.Keys(t, "old"), false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	recs := make([]store.NewRecord, 2500)
	for i := range recs {
		recs[i] = store.NewRecord{ID: fmt.Sprintf("r%04d", i), Data: []byte(`{}`)}
	}
	if _, err := s.CreateRecords(ctx, "review", recs); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.AppendAudit(ctx, store.AuditEntry{Actor: "a@example.com", Action: "seat.kept"}); err != nil {
			t.Fatal(err)
		}
	}
	admin, err := redisstore.NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	keys := storetest.Keys(t, "new", "old")
	report, err := store.Rekey(ctx, s, keys, nil)
	if err != nil {
		t.Fatalf("Rekey after SCRIPT FLUSH: %v", err)
	}
	if report.Replaced != 2503 || report.Raced != 0 {
		t.Errorf("Rekey = %+v; want 2,503 values re-sealed", report)
	}
	if again, err := store.Rekey(ctx, s, keys, nil); err != nil || again.Found["old"] != 0 {
		t.Errorf("second Rekey = %+v, %v; want nothing left under old", again, err)
	}
}
