// Command rekeyload measures `store rekey` on Redis while replicas keep
// serving: it seals a store of -records records under an old key, starts
// -replicas store clients (each with the new key current and the old one
// still accepted, as the rotation procedure asks) that read and update
// random records without pause, runs the rekey, and reports its time and
// what the replicas saw meanwhile. The verdict is read from the store:
// every update a replica acknowledged is in its record, and nothing is
// left under the old key.
//
//	go run ./bench/rekeyload -records 100000 -replicas 3
package main

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
	"github.com/seatwarden/seatwarden/internal/seal"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/redisstore"
)

func main() {
	var o options
	flag.IntVar(&o.records, "records", 100_000, "records to seal and re-seal")
	flag.IntVar(&o.replicas, "replicas", 3, "store clients serving during the rekey")
	flag.IntVar(&o.workers, "workers", 4, "concurrent requests per replica")
	flag.StringVar(&o.redisURL, "redis", cmp.Or(os.Getenv("REDIS_URL"), "redis://127.0.0.1:6379/0"), "Redis URL")
	flag.Parse()
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "rekeyload:", err)
		os.Exit(1)
	}
}

type options struct {
	records, replicas, workers int
	redisURL                   string
}

const kind = "review-owner:2026-W49"

// baseline is how long replicas serve before the rekey starts, for
// latencies to compare with.
const baseline = 2 * time.Second

// tally is what one replica saw.
type tally struct {
	mu        sync.Mutex
	ops       int
	updates   map[string]int // acknowledged increments per record
	errs      []error
	latencies [2][]time.Duration // before the rekey, during it
}

func run(ctx context.Context, o options, out io.Writer) error {
	if o.records < 1 || o.replicas < 1 || o.workers < 1 {
		return errors.New("-records, -replicas and -workers must be at least 1")
	}
	redis.SetLogger(benchkit.RedisLogger{L: slog.New(slog.DiscardHandler)})
	prefix := benchkit.KeyPrefix("rekeyload")
	oldKey, newKey := randomKey("old"), randomKey("new")
	oldRing, err := seal.NewKeyring(oldKey)
	if err != nil {
		return err
	}
	rotated, err := seal.NewKeyring(newKey, oldKey)
	if err != nil {
		return err
	}
	open := func(keys *seal.Keyring, rekey bool) (*redisstore.Store, error) {
		client, err := redisstore.NewClient(redisstore.ClientOptions{URL: o.redisURL})
		if err != nil {
			return nil, err
		}
		st, err := redisstore.Open(ctx, client, redisstore.Options{Prefix: prefix, Keys: keys, Rekey: rekey})
		if err != nil {
			_ = client.Close()
			return nil, fmt.Errorf("open the store on %s: %w", benchkit.Redact(o.redisURL), err)
		}
		return st, nil
	}
	defer func() {
		client, err := redisstore.NewClient(redisstore.ClientOptions{URL: o.redisURL})
		if err == nil {
			_, _ = benchkit.DeleteKeys(context.WithoutCancel(ctx), client, prefix)
			_ = client.Close()
		}
	}()

	fmt.Fprintf(out, "rekeyload: %s records, %d replicas × %d workers, Redis %s\n", benchkit.Commas(o.records), o.replicas, o.workers, benchkit.Redact(o.redisURL))
	seeder, err := open(oldRing, false)
	if err != nil {
		return err
	}
	ids := make([]string, o.records)
	recs := make([]store.NewRecord, o.records)
	for i := range recs {
		ids[i] = fmt.Sprintf("owner%06d@example.com", i)
		data, _ := json.Marshal(map[string]any{"owner": ids[i], "name": fmt.Sprintf("Owner %d", i), "answer": "keep: Q3 migration", "n": 0})
		recs[i] = store.NewRecord{ID: ids[i], Data: data}
	}
	start := time.Now()
	if _, err := seeder.CreateRecords(ctx, kind, recs); err != nil {
		return err
	}
	_ = seeder.Close()
	fmt.Fprintf(out, "sealed %s records under key old in %s\n", benchkit.Commas(o.records), time.Since(start).Round(time.Millisecond))

	// Replicas first, with the new key, as the rotation procedure says.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var rekeying, done atomic.Bool
	tallies := make([]*tally, o.replicas)
	for r := range o.replicas {
		st, err := open(rotated, false)
		if err != nil {
			return err
		}
		defer st.Close()
		t := &tally{updates: map[string]int{}}
		tallies[r] = t
		for range o.workers {
			wg.Go(func() { serve(ctx, st, ids, t, stop, &rekeying, &done) })
		}
	}
	time.Sleep(baseline)

	rk, err := open(rotated, true)
	if err != nil {
		return err
	}
	defer rk.Close()
	rekeying.Store(true)
	start = time.Now()
	report, err := store.Rekey(ctx, rk, rotated, func(visited int) {
		fmt.Fprintf(out, "  %s values visited (%s)\n", benchkit.Commas(visited), time.Since(start).Round(time.Millisecond))
	})
	took := time.Since(start)
	done.Store(true)
	rekeying.Store(false)
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	if err != nil {
		return err
	}

	// The verdict, from the store: every acknowledged update is there and
	// nothing is left under the old key.
	check, err := open(rotated, true)
	if err != nil {
		return err
	}
	again, err := store.Rekey(ctx, check, rotated, nil)
	_ = check.Close()
	if err != nil {
		return err
	}
	newOnly, err := seal.NewKeyring(newKey)
	if err != nil {
		return err
	}
	reader, err := open(newOnly, false)
	if err != nil {
		return err
	}
	defer reader.Close()
	list, err := reader.ListRecords(ctx, kind)
	if err != nil {
		return fmt.Errorf("reading every record with the new key alone: %w", err)
	}
	acked := map[string]int{}
	var ops int
	var errs []error
	var before, during []time.Duration
	for _, t := range tallies {
		ops += t.ops
		errs = append(errs, t.errs...)
		before = append(before, t.latencies[0]...)
		during = append(during, t.latencies[1]...)
		for id, n := range t.updates {
			acked[id] += n
		}
	}
	lost := 0
	for _, rec := range list {
		var v struct{ N int }
		if err := json.Unmarshal(rec.Data, &v); err != nil {
			return err
		}
		if v.N != acked[rec.ID] {
			lost++
		}
	}
	slices.Sort(before)
	slices.Sort(during)
	fmt.Fprintf(out, "rekey: %s values in %s (%s values/s); re-sealed %s, raced %d\n",
		benchkit.Commas(report.Visited), took.Round(time.Millisecond), benchkit.Rate(float64(report.Visited)/took.Seconds()),
		benchkit.Commas(report.Replaced), report.Raced)
	fmt.Fprintf(out, "replicas before the rekey: %s requests in %s; latency p50 %s, p99 %s, max %s\n",
		benchkit.Commas(len(before)), baseline, quantile(before, 0.50), quantile(before, 0.99), quantile(before, 1))
	fmt.Fprintf(out, "replicas during the rekey: %s requests in %s, %d errors; latency p50 %s, p99 %s, max %s\n",
		benchkit.Commas(len(during)), took.Round(time.Millisecond), len(errs), quantile(during, 0.50), quantile(during, 0.99), quantile(during, 1))
	fmt.Fprintf(out, "replicas over the whole run: %s requests\n", benchkit.Commas(ops))
	fmt.Fprintf(out, "after: %s records readable with the new key alone; %d with an update lost; a second rekey found %d under key old and re-sealed %d\n",
		benchkit.Commas(len(list)), lost, again.Found["old"], again.Replaced)
	ok := len(errs) == 0 && lost == 0 && len(list) == o.records && again.Found["old"] == 0 && again.Replaced == 0
	fmt.Fprintf(out, "verdict: %s\n", benchkit.Verdict(ok))
	if !ok {
		return errors.Join(append([]error{errors.New("verdict failed")}, errs...)...)
	}
	return nil
}

// serve is one replica worker: a read, then an update, of random records.
func serve(ctx context.Context, st store.Store, ids []string, t *tally, stop <-chan struct{}, rekeying, done *atomic.Bool) {
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	for {
		select {
		case <-stop:
			return
		default:
		}
		id := ids[rng.IntN(len(ids))]
		begin := time.Now()
		_, err := st.GetRecord(ctx, kind, id)
		if err == nil {
			_, err = store.UpdateRecord(ctx, st, kind, id, increment)
		}
		d := time.Since(begin)
		t.mu.Lock()
		t.ops++
		if err != nil {
			t.errs = append(t.errs, err)
		} else {
			t.updates[id]++
		}
		switch {
		case rekeying.Load():
			t.latencies[1] = append(t.latencies[1], d)
		case !done.Load():
			t.latencies[0] = append(t.latencies[0], d)
		}
		t.mu.Unlock()
	}
}

func increment(cur store.Record) ([]byte, error) {
	var v map[string]any
	if err := json.Unmarshal(cur.Data, &v); err != nil {
		return nil, err
	}
	v["n"] = v["n"].(float64) + 1
	return json.Marshal(v)
}

func quantile(sorted []time.Duration, q float64) string {
	if len(sorted) == 0 {
		return "-"
	}
	i := min(len(sorted)-1, int(q*float64(len(sorted))))
	return benchkit.Millis(float64(sorted[i]) / float64(time.Millisecond))
}

func randomKey(id string) seal.Key {
	secret := make([]byte, seal.KeyLen)
	_, _ = crand.Read(secret)
	k, err := seal.NewKey(id, secret)
	if err != nil {
		panic(err)
	}
	return k
}
