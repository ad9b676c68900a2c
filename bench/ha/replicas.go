package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// replicas are the `seatwarden serve` processes, each on a port of its
// own that survives its restarts, so a client that hit a dead replica
// simply picks another.
type replicas struct {
	ps    *procs
	bin   string
	env   []string
	ports []int
	// debugPorts serve each replica's profiler; none unless asked.
	debugPorts []int

	mu      sync.Mutex
	running []*proc  // nil while a replica is down
	deaths  []death  // every SIGKILL, for the lock takeover measurement
	pids    []string // every pid a replica ever had, by replica
}

// death is one replica killed.
type death struct {
	replica int
	pid     int
	at      time.Time
}

// buildBinary builds seatwarden once, as `make build` does.
func buildBinary(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "seatwarden")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/seatwarden")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/seatwarden (run from the repository's root): %w\n%s", err, out)
	}
	return bin, nil
}

func startReplicas(ctx context.Context, ps *procs, bin string, env []string, n int, profilers bool) (*replicas, error) {
	r := &replicas{ps: ps, bin: bin, env: env, running: make([]*proc, n), pids: make([]string, n)}
	for range n {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		r.ports = append(r.ports, port)
		if profilers {
			if port, err = freePort(); err != nil {
				return nil, err
			}
			r.debugPorts = append(r.debugPorts, port)
		}
	}
	for i := range n {
		if err := r.start(i); err != nil {
			return nil, err
		}
	}
	for i := range n {
		if err := r.awaitReady(ctx, i, 60*time.Second); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *replicas) name(i int) string { return "replica-" + strconv.Itoa(i) }

func (r *replicas) base(i int) string { return "http://127.0.0.1:" + strconv.Itoa(r.ports[i]) }

func (r *replicas) start(i int) error {
	env := append([]string{"SEATWARDEN_ADDR=127.0.0.1:" + strconv.Itoa(r.ports[i])}, r.env...)
	if r.debugPorts != nil {
		env = append(env, "SEATWARDEN_DEBUG_ADDR=127.0.0.1:"+strconv.Itoa(r.debugPorts[i]))
	}
	p, err := r.ps.start(r.name(i), env, r.bin, "serve")
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.running[i] = p
	r.pids[i] += strconv.Itoa(p.pid()) + " "
	r.mu.Unlock()
	return nil
}

// awaitReady waits until replica i's /readyz answers 200; a replica that
// exits meanwhile is an error with the end of its log.
func (r *replicas) awaitReady(ctx context.Context, i int, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	exited := false
	err := waitFor(ctx, timeout, r.name(i)+" ready", func() bool {
		r.mu.Lock()
		p := r.running[i]
		r.mu.Unlock()
		if p != nil && p.exited() {
			exited = true
			return true
		}
		return httpStatus(ctx, client, r.base(i)+"/readyz") == http.StatusOK
	})
	if exited {
		return fmt.Errorf("%s exited: %s", r.name(i), lastLine(filepath.Join(r.ps.dir, r.name(i)+".log")))
	}
	return err
}

// lastLine is the last non-empty line of a log.
func lastLine(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// kill SIGKILLs a random running replica and returns it.
func (r *replicas) kill() (death, bool) {
	r.mu.Lock()
	var up []int
	for i, p := range r.running {
		if p != nil && !p.exited() {
			up = append(up, i)
		}
	}
	if len(up) < 2 {
		// Keep one serving: the promise is about replicas dying, not
		// the whole deployment at once.
		r.mu.Unlock()
		return death{}, false
	}
	i := up[rand.IntN(len(up))]
	p := r.running[i]
	r.running[i] = nil
	r.mu.Unlock()
	p.kill()
	d := death{replica: i, pid: p.pid(), at: time.Now()}
	r.mu.Lock()
	r.deaths = append(r.deaths, d)
	r.mu.Unlock()
	return d, true
}

// freeze stops a random running replica (SIGSTOP) for d and then lets it
// go on (SIGCONT), as a long pause, a stopped VM or a partition does: it
// wakes holding locks that have expired meanwhile.
func (r *replicas) freeze(ctx context.Context, d time.Duration) bool {
	r.mu.Lock()
	var up []*proc
	for _, p := range r.running {
		if p != nil && !p.exited() {
			up = append(up, p)
		}
	}
	r.mu.Unlock()
	if len(up) < 2 {
		return false
	}
	p := up[rand.IntN(len(up))]
	p.signal(syscall.SIGSTOP)
	sleep(context.WithoutCancel(ctx), d)
	p.signal(syscall.SIGCONT)
	return true
}

// restartDown starts every replica that is down.
func (r *replicas) restartDown() error {
	r.mu.Lock()
	var down []int
	for i, p := range r.running {
		if p == nil || p.exited() {
			down = append(down, i)
		}
	}
	r.mu.Unlock()
	for _, i := range down {
		if err := r.start(i); err != nil {
			return err
		}
	}
	return nil
}

// pick is a random replica's base URL, dead or alive: a load balancer's
// health check lags a death, and the client must cope.
func (r *replicas) pick() string { return r.base(rand.IntN(len(r.ports))) }

// up counts the replicas running now.
func (r *replicas) up() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, p := range r.running {
		if p != nil && !p.exited() {
			n++
		}
	}
	return n
}

func (r *replicas) deathsSoFar() []death {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]death(nil), r.deaths...)
}

// profile writes a CPU profile of every replica, taken over d at once,
// to dir/replica-N.cpu.pprof, for `go tool pprof`. A replica down
// meanwhile has none.
func (r *replicas) profile(ctx context.Context, dir string, d time.Duration) []string {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		written []string
	)
	for i, port := range r.debugPorts {
		wg.Go(func() {
			client := &http.Client{Timeout: d + 10*time.Second}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", port, int(d.Seconds())), nil)
			if err != nil {
				return
			}
			resp, err := client.Do(req)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != http.StatusOK {
				return
			}
			path := filepath.Join(dir, r.name(i)+".cpu.pprof")
			if os.WriteFile(path, body, 0o644) == nil {
				mu.Lock()
				written = append(written, path)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return written
}
