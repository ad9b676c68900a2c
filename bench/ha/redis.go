package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// masterName is the Sentinel name of the harness's Redis.
const masterName = "seatwarden-ha"

// redisTopology is three Redis servers, a master and two replicas, all
// persisting with an append-only file, watched by one Sentinel: the shape
// the Kubernetes base deploys.
type redisTopology struct {
	ps       *procs
	bin      string
	dir      string
	nodes    [3]redisNode
	sentinel int // port
	sentProc *proc

	mu sync.Mutex
}

type redisNode struct {
	name string
	port int
	proc *proc
}

// startRedis starts the servers and the Sentinel and waits until the
// Sentinel knows the master and its replicas.
func startRedis(ctx context.Context, ps *procs, dir string) (*redisTopology, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server is not installed (Debian: apt-get install redis-server): %w", err)
	}
	t := &redisTopology{ps: ps, bin: bin, dir: dir}
	for i := range t.nodes {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		t.nodes[i] = redisNode{name: "redis-" + strconv.Itoa(i), port: port}
		if err := os.MkdirAll(filepath.Join(dir, t.nodes[i].name), 0o755); err != nil {
			return nil, err
		}
	}
	if err := t.startNode(ctx, 0, 0); err != nil {
		return nil, err
	}
	for i := 1; i < len(t.nodes); i++ {
		if err := t.startNode(ctx, i, t.nodes[0].port); err != nil {
			return nil, err
		}
	}
	if t.sentinel, err = freePort(); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "sentinel.conf")
	// down-after is longer than a restart of the master takes, so the
	// planned restart tests persistence and the planned failover tests
	// failover, each on its own.
	text := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor %s 127.0.0.1 %d 1\nsentinel down-after-milliseconds %s 5000\nsentinel failover-timeout %s 10000\nsentinel parallel-syncs %s 1\n",
		t.sentinel, dir, masterName, t.nodes[0].port, masterName, masterName, masterName)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		return nil, err
	}
	if t.sentProc, err = ps.start("sentinel", nil, bin, conf, "--sentinel"); err != nil {
		return nil, err
	}
	sc := t.sentinelClient()
	defer sc.Close()
	master := redis.NewClient(&redis.Options{Addr: t.addr(0), DisableIdentity: true})
	defer master.Close()
	err = waitFor(ctx, 20*time.Second, "the replicas in sync and the Sentinel watching them", func() bool {
		info, err := master.Info(ctx, "replication").Result()
		if err != nil || strings.Count(info, "state=online") != len(t.nodes)-1 {
			return false
		}
		replicas, err := sc.Replicas(ctx, masterName).Result()
		return err == nil && len(replicas) == len(t.nodes)-1
	})
	return t, err
}

// startNode starts node i, as a replica of replicaOf unless that is 0.
func (t *redisTopology) startNode(ctx context.Context, i, replicaOf int) error {
	n := &t.nodes[i]
	args := []string{t.bin, "--port", strconv.Itoa(n.port), "--bind", "127.0.0.1", "--dir", filepath.Join(t.dir, n.name),
		"--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--protected-mode", "no"}
	if replicaOf != 0 {
		args = append(args, "--replicaof", "127.0.0.1", strconv.Itoa(replicaOf))
	}
	p, err := t.ps.start(n.name, nil, args...)
	if err != nil {
		return err
	}
	n.proc = p
	c := redis.NewClient(&redis.Options{Addr: t.addr(i), DisableIdentity: true})
	defer c.Close()
	return waitFor(ctx, 10*time.Second, n.name+" answers", func() bool { return c.Ping(ctx).Err() == nil })
}

func (t *redisTopology) addr(i int) string { return "127.0.0.1:" + strconv.Itoa(t.nodes[i].port) }

func (t *redisTopology) sentinelAddr() string { return "127.0.0.1:" + strconv.Itoa(t.sentinel) }

func (t *redisTopology) sentinelClient() *redis.SentinelClient {
	return redis.NewSentinelClient(&redis.Options{Addr: t.sentinelAddr(), DisableIdentity: true})
}

// client is a Sentinel-aware client, as the replicas have.
func (t *redisTopology) client() *redis.Client {
	return redis.NewFailoverClient(&redis.FailoverOptions{MasterName: masterName, SentinelAddrs: []string{t.sentinelAddr()}, DisableIdentity: true})
}

// master is the index of the node the Sentinel names master.
func (t *redisTopology) master(ctx context.Context) (int, error) {
	sc := t.sentinelClient()
	defer sc.Close()
	addr, err := sc.GetMasterAddrByName(ctx, masterName).Result()
	if err != nil {
		return 0, err
	}
	for i := range t.nodes {
		if addr[1] == strconv.Itoa(t.nodes[i].port) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("the Sentinel names an unknown master %v", addr)
}

// failoverPause is how long the master's writes are held for a planned
// failover: longer than the Sentinel takes to promote a replica and
// demote the master (about a second here).
const failoverPause = 5 * time.Second

// restartMaster stops the master gracefully (it writes its append-only
// file) and starts it again on the same port and data, as a rolling
// upgrade of Redis does. It returns how long the master was away.
func (t *redisTopology) restartMaster(ctx context.Context) (time.Duration, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, err := t.master(ctx)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	t.nodes[i].proc.stop(10 * time.Second)
	if err := t.startNode(ctx, i, 0); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// failover has the Sentinel promote a replica, as an operator's planned
// failover does, and waits until the promoted node takes writes. It
// returns that wait.
//
// SENTINEL FAILOVER treats the master as gone: until the Sentinel
// demotes it, the old master goes on taking writes, and the replica not
// promoted goes on confirming them (WAIT), to lose them when it follows
// the new master. The first run with two replicas lost 73 acknowledged
// decisions that way. So the master's writes are paused first (CLIENT
// PAUSE WRITE, which holds WAIT's answers too), for longer than the
// failover takes; those held are refused once it is a replica.
func (t *redisTopology) failover(ctx context.Context) (time.Duration, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	before, err := t.master(ctx)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	old := redis.NewClient(&redis.Options{Addr: t.addr(before), DisableIdentity: true})
	defer old.Close()
	if err := old.Do(ctx, "CLIENT", "PAUSE", failoverPause.Milliseconds(), "WRITE").Err(); err != nil {
		return 0, fmt.Errorf("CLIENT PAUSE WRITE on the master: %w", err)
	}
	sc := t.sentinelClient()
	defer sc.Close()
	if err := sc.Failover(ctx, masterName).Err(); err != nil {
		return 0, fmt.Errorf("SENTINEL FAILOVER: %w", err)
	}
	err = waitFor(ctx, 30*time.Second, "the failover", func() bool {
		now, err := t.master(ctx)
		if err != nil || now == before {
			return false
		}
		c := redis.NewClient(&redis.Options{Addr: t.addr(now), DisableIdentity: true})
		defer c.Close()
		return c.Set(ctx, "ha:probe", "1", time.Minute).Err() == nil
	})
	return time.Since(start), err
}
