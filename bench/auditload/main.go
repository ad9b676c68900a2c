// Command auditload measures `seatwarden audit export` on a long trail:
// it seeds -entries audit entries into the embedded store and into Redis,
// then runs the real binary's export of each as a process of its own and
// reports its wall time, its peak RSS and what it wrote. The verdict is
// read from the output: every entry, once, in order.
//
//	go run ./bench/auditload -entries 1000000
package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
	"github.com/seatwarden/seatwarden/store/redisstore"
)

func main() {
	entries := flag.Int("entries", 1_000_000, "audit entries to seed and export")
	redisURL := flag.String("redis", cmp.Or(os.Getenv("REDIS_URL"), "redis://127.0.0.1:6379/13"), "Redis URL of a database the run may fill and empty (its sw: keys are deleted)")
	stores := flag.String("stores", "bolt,redis", "stores to measure")
	flag.Parse()
	if err := run(context.Background(), *entries, *redisURL, strings.Split(*stores, ","), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "auditload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, entries int, redisURL string, stores []string, out io.Writer) error {
	if entries < 1 {
		return errors.New("-entries must be at least 1")
	}
	dir, err := os.MkdirTemp("", "auditload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "seatwarden")
	if b, err := exec.Command("go", "build", "-o", bin, "./cmd/seatwarden").CombinedOutput(); err != nil {
		return fmt.Errorf("build seatwarden (run from the repository's root): %v\n%s", err, b)
	}
	fmt.Fprintf(out, "audit export of %s entries (%s)\n\n", benchkit.Commas(entries), benchkit.Revision())
	fmt.Fprintln(out, "| store | seed | format | wall | peak RSS | written | verdict |")
	fmt.Fprintln(out, "| --- | --- | --- | --- | --- | --- | --- |")
	for _, name := range stores {
		env := []string{"PATH=" + os.Getenv("PATH"), "SEATWARDEN_LOG_LEVEL=warn"}
		var st store.Store
		cleanup := func() {}
		switch name {
		case "bolt":
			data := filepath.Join(dir, "data")
			st, err = boltstore.Open(filepath.Join(data, "seatwarden.db"), boltstore.Options{NoSync: true})
			env = append(env, "SEATWARDEN_DATA_DIR="+data)
		case "redis":
			redis.SetLogger(benchkit.RedisLogger{})
			var client redis.UniversalClient
			client, err = redisstore.NewClient(redisstore.ClientOptions{URL: redisURL})
			if err == nil {
				if _, err = benchkit.DeleteKeys(ctx, client, "sw:"); err == nil {
					st = redisstore.New(client, redisstore.Options{})
					cleanup = func() { _, _ = benchkit.DeleteKeys(context.WithoutCancel(ctx), client, "sw:") }
				}
			}
			env = append(env, "REDIS_URL="+redisURL)
		default:
			return fmt.Errorf("unknown store %q: bolt or redis", name)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		start := time.Now()
		err = seed(ctx, st, entries)
		if name == "bolt" {
			st.Close() // the file admits one process: the export's
		}
		if err != nil {
			return fmt.Errorf("seed %s: %w", name, err)
		}
		seeded := time.Since(start)
		for _, format := range []string{"jsonl", "csv"} {
			r, err := export(ctx, bin, env, format)
			if err != nil {
				return fmt.Errorf("%s %s: %w", name, format, err)
			}
			ok := r.lines == entries && r.ordered
			fmt.Fprintf(out, "| %s | %s | %s | %s | %s | %s lines, %s | %s |\n", name, seeded.Round(time.Second), format,
				r.wall.Round(10*time.Millisecond), benchkit.BytesText(r.maxRSS), benchkit.Commas(r.lines), benchkit.BytesText(uint64(r.bytes)), benchkit.Verdict(ok))
			if !ok {
				return fmt.Errorf("%s %s: %d entries written (in order: %v), want %d", name, format, r.lines, r.ordered, entries)
			}
		}
		cleanup()
		if name != "bolt" {
			st.Close()
		}
	}
	return nil
}

// seed appends n entries, from several goroutines as replicas would.
func seed(ctx context.Context, st store.Store, n int) error {
	const workers = 8
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				e := store.AuditEntry{At: at.Add(time.Duration(i) * time.Second), Actor: "dana@acme.example", Action: "seat.removed",
					Subject: fmt.Sprintf("zendesk:user:%d", i), Detail: map[string]string{"reason": "left the company", "saving": "$115/month"}}
				if _, err := st.AppendAudit(ctx, e); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

type result struct {
	wall         time.Duration
	maxRSS       uint64
	lines, bytes int
	ordered      bool
}

// export runs the binary's export and reads what it writes: every entry's
// sequence number must be one more than the last.
func export(ctx context.Context, bin string, env []string, format string) (result, error) {
	// GNU time measures the export alone: a child's own peak RSS would
	// count this process's memory, which it shares until exec.
	cmd := exec.CommandContext(ctx, "/usr/bin/time", "-f", "maxrss=%M", bin, "audit", "export", "--format", format)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return result{}, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	r := result{ordered: true}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		r.bytes += len(line) + 1
		if format == "csv" {
			if r.bytes == len(line)+1 {
				continue // the header
			}
			id, _, _ := strings.Cut(string(line), ",")
			r.ordered = r.ordered && id == fmt.Sprintf("sw-%d", r.lines+1)
		} else {
			var e struct{ Seq int }
			r.ordered = r.ordered && json.Unmarshal(line, &e) == nil && e.Seq == r.lines+1
		}
		r.lines++
	}
	if err := cmd.Wait(); err != nil {
		return r, fmt.Errorf("%v: %s", err, stderr.String())
	}
	r.wall = time.Since(start)
	_, kb, _ := strings.Cut(stderr.String(), "maxrss=")
	n, err := strconv.ParseUint(strings.TrimSpace(kb), 10, 64)
	if err != nil {
		return r, fmt.Errorf("no peak RSS from /usr/bin/time (apt-get install time): %q", stderr.String())
	}
	r.maxRSS = n << 10
	return r, sc.Err()
}
