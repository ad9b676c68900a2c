package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/telemetry"
)

// The API token the bot authenticates with; it exists only inside this
// process.
const botAPIToken = "credload-api-token"

// credentialEndpoints are the endpoints a credential sync calls, in the
// order it calls them.
var credentialEndpoints = []string{
	zendesk.EndpointAPITokens, zendesk.EndpointOAuthClients,
	zendesk.EndpointOAuthTokens, zendesk.EndpointAppInstallations,
}

// account is the generated Zendesk account being served.
type account struct {
	emu       *zendesktest.Server
	owner     string // the account owner's email, an admin
	staff     int
	counts    map[credentials.Kind]int
	bound     map[string]int // least requests per endpoint
	generated time.Duration
}

func (a *account) lowerBound() int {
	n := 0
	for _, v := range a.bound {
		n += v
	}
	return n
}

// run generates the account, serves it and measures every store in turn.
func run(ctx context.Context, o options, out, logs io.Writer) (*report, error) {
	say := func(format string, a ...any) { fmt.Fprintf(out, format, a...) }
	logOut := io.Discard
	if o.Verbose {
		logOut = logs
	}
	log, err := telemetry.NewLogger(logOut, config.DefaultLogLevel, config.DefaultLogFormat)
	if err != nil {
		return nil, err
	}

	say("credload: %s, %d CPUs\n", runtime.Version(), runtime.GOMAXPROCS(0))
	say("generating %s users, %s API tokens, %s OAuth clients, %s OAuth tokens, %s apps… ",
		benchkit.Commas(o.Users), benchkit.Commas(o.APITokens), benchkit.Commas(o.OAuthClients), benchkit.Commas(o.OAuthTokens), benchkit.Commas(o.Installations))
	acct, err := newAccount(o)
	if err != nil {
		say("failed\n")
		return nil, err
	}
	defer acct.emu.Close()
	say("done in %s (%s staff)\n", acct.generated.Round(time.Millisecond), benchkit.Commas(acct.staff))
	if o.RPM > 0 {
		say("account limit %s requests/minute in the emulator and as the client's budget\n", benchkit.Commas(o.RPM))
	} else {
		say("no account limit (the client's budget is 1,000,000 requests/minute; -rpm 700 for Zendesk Enterprise's)\n")
	}

	// One client for the whole run, as the bot has one: under -rpm its
	// budget carries from one sync to the next.
	counter := &requestCounter{}
	rpm := o.RPM
	if rpm == 0 {
		rpm = 1_000_000
	}
	zd, err := zendesk.New(zendesk.Config{
		BaseURL:           acct.emu.URL,
		HTTPClient:        &http.Client{Timeout: time.Minute},
		Auth:              zendesk.APIToken(acct.owner, botAPIToken),
		RequestsPerMinute: rpm,
		Logger:            log,
		Observe:           counter.observe,
	})
	if err != nil {
		return nil, err
	}

	rep := &report{Options: o, Account: acct}
	stopProfile, err := benchkit.StartCPUProfile(o.CPUProfile)
	if err != nil {
		return nil, err
	}
	defer func() { _ = stopProfile() }()

	var targets []string
	if o.Embedded {
		targets = append(targets, "")
	}
	if o.RedisURL != "" {
		targets = append(targets, o.RedisURL)
	}
	for _, target := range targets {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("interrupted: %w", err)
		}
		st, name, where, closeStore, err := benchkit.OpenStore(ctx, "credload", target, log, say)
		if err != nil && target != "" {
			rep.RedisSkipped = err.Error()
			say("\nRedis: skipped, %v\n", err)
			continue
		}
		if err != nil {
			return rep, err
		}
		say("\n== %s: %s\n", name, where)
		f, err := measure(ctx, o, acct, zd, counter, st, log, say)
		if cerr := closeStore(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		if err != nil {
			return rep, fmt.Errorf("%s: %w", name, err)
		}
		f.Store = name
		rep.Stores = append(rep.Stores, f)
		f.print(out, acct)
	}
	if err := stopProfile(); err != nil {
		return rep, err
	}
	if o.CPUProfile != "" {
		say("\nCPU profile written to %s\n", o.CPUProfile)
	}
	rep.finish()
	rep.print(out)
	return rep, nil
}

func newAccount(o options) (*account, error) {
	start := time.Now()
	org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{
		Users: o.Users, Seed: o.Seed,
		// An hour back, so no user is too recent for the export.
		Now:       start.Add(-time.Hour),
		APITokens: o.APITokens, OAuthClients: o.OAuthClients, OAuthTokens: o.OAuthTokens, Installations: o.Installations,
	})
	a := &account{staff: len(org.Staff()), generated: time.Since(start)}
	if u, ok := org.User(org.OwnerID); ok {
		a.owner = u.Email
	}
	if a.owner == "" {
		return nil, errors.New("the generated account has no owner")
	}
	a.counts = map[credentials.Kind]int{
		credentials.APIToken:    len(org.APITokens),
		credentials.OAuthClient: len(org.OAuthClients),
		credentials.OAuthToken:  len(org.OAuthTokens),
		credentials.App:         len(org.Installations),
	}
	// Lists of API tokens and installations are one request each; the
	// others go 100 a page, and an empty list still takes one request.
	a.bound = map[string]int{
		zendesk.EndpointAPITokens:        1,
		zendesk.EndpointOAuthClients:     max(1, ceilDiv(len(org.OAuthClients), 100)),
		zendesk.EndpointOAuthTokens:      max(1, ceilDiv(len(org.OAuthTokens), 100)),
		zendesk.EndpointAppInstallations: 1,
	}
	a.emu = zendesktest.NewServer(org,
		zendesktest.WithAPIToken(a.owner, botAPIToken),
		zendesktest.WithLimits(zendesktest.Limits{AccountPerMinute: o.RPM}))
	return a, nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// requestCounter counts the client's HTTP attempts per endpoint, and the
// ones Zendesk answered 429.
type requestCounter struct {
	mu      sync.Mutex
	by      map[string]int
	limited int
}

func (c *requestCounter) observe(endpoint string, status int, _ time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.by == nil {
		c.by = map[string]int{}
	}
	c.by[endpoint]++
	if status == http.StatusTooManyRequests {
		c.limited++
	}
}

// take returns the counts since the last take and starts again.
func (c *requestCounter) take() (map[string]int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	by, limited := c.by, c.limited
	if by == nil {
		by = map[string]int{}
	}
	c.by, c.limited = nil, 0
	return by, limited
}

// measure runs the seat sync, then times the credential syncs, the claims
// and the evaluations on st.
func measure(ctx context.Context, o options, acct *account, zd *zendesk.Client, counter *requestCounter, st store.Store, log *slog.Logger, say func(string, ...any)) (*storeFigures, error) {
	f := &storeFigures{}
	counter.take()
	start := time.Now()
	syncer := &seats.Syncer{Source: zendesk.Connector{Client: zd}, Connector: connector.Zendesk, Store: st, Account: acct.emu.URL, Now: time.Now, Logger: log}
	seat, err := syncer.Sync(ctx)
	if err != nil {
		return nil, fmt.Errorf("seat sync: %w", err)
	}
	f.SeatSync = time.Since(start)
	by, _ := counter.take()
	for _, n := range by {
		f.SeatRequests += n
	}
	f.Staff = seat.StaffAfter
	say("seat sync: %s staff in the snapshot, %d requests, %s\n", benchkit.Commas(f.Staff), f.SeatRequests, f.SeatSync.Round(time.Millisecond))

	newService := func() *credentials.Service {
		return &credentials.Service{Records: st, Audit: st, Snapshots: st, Now: time.Now, Holder: "credload", Logger: log}
	}
	svc := newService()

	// The first sync: nothing stored yet.
	runtime.GC()
	f.RSSBeforeSync = benchkit.MaxRSS()
	stopHeap := peakHeap()
	start = time.Now()
	res, err := svc.Sync(ctx, zendesk.Connector{Client: zd}, acct.emu.URL)
	f.Sync = time.Since(start)
	f.SyncPeakHeap = stopHeap()
	f.RSSAfterSync = benchkit.MaxRSS()
	if err != nil {
		return nil, fmt.Errorf("credential sync: %w", err)
	}
	f.Requests, f.Limited = counter.take()
	f.Counts, f.Problems = res.Counts, res.Problems
	inv, err := svc.Inventory(ctx)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(inv)
	if err != nil {
		return nil, err
	}
	f.InventoryBytes = len(raw)
	say("credential sync: %s credentials in %s\n", benchkit.Commas(len(inv.Credentials)), f.Sync.Round(time.Millisecond))

	// Claims, as people make them in chat: every one reads the
	// credential's register item before and after its write.
	if o.Claims > 0 {
		start = time.Now()
		lat, err := claim(ctx, svc, inv, seat.Snapshot, o.Claims)
		if err != nil {
			return nil, fmt.Errorf("claims: %w", err)
		}
		f.Claims = len(lat)
		f.ClaimP50, f.ClaimP99 = percentile(lat, 0.50), percentile(lat, 0.99)
		say("claimed %s credentials in %s\n", benchkit.Commas(f.Claims), time.Since(start).Round(time.Millisecond))
	}

	// The next scheduled sync: the same credentials, entries to check.
	start = time.Now()
	if _, err := svc.Sync(ctx, zendesk.Connector{Client: zd}, acct.emu.URL); err != nil {
		return nil, fmt.Errorf("credential re-sync: %w", err)
	}
	f.Resync = time.Since(start)
	by, _ = counter.take()
	for _, n := range by {
		f.ResyncRequests += n
	}

	f.RSSAfterClaims = benchkit.MaxRSS()

	// A fresh service (another replica, or after a restart) decodes the
	// inventory before it evaluates.
	start = time.Now()
	if _, err := newService().Evaluate(ctx); err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	f.FreshEval = time.Since(start)

	evals := make([]time.Duration, 0, o.Evals)
	digests := make([]time.Duration, 0, o.Evals)
	var ev credentials.Evaluation
	var sum credentials.Summary
	var owners map[string][]credentials.Item
	var admins []credentials.Item
	stopHeap = peakHeap()
	for range o.Evals {
		start = time.Now()
		ev, err = svc.Evaluate(ctx)
		if err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
		mid := time.Now()
		sum = ev.Summarize(time.UTC)
		owners, admins = credentials.DigestItems(ev)
		evals = append(evals, mid.Sub(start))
		digests = append(digests, time.Since(mid))
	}
	f.EvalPeakHeap = stopHeap()
	f.EvalP50, f.EvalP99 = percentile(evals, 0.50), percentile(evals, 0.99)
	f.DigestP50, f.DigestP99 = percentile(digests, 0.50), percentile(digests, 0.99)
	f.Items = len(ev.Items)
	f.Orphaned = sum.Orphaned
	f.Countdown = sum.APITokens
	f.DigestOwners, f.AdminItems = len(owners), len(admins)
	entries, err := svc.Entries(ctx)
	if err != nil {
		return nil, err
	}
	f.Entries = len(entries)

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	f.HeapAfter = ms.HeapInuse
	f.MaxRSS = benchkit.MaxRSS()
	f.check(acct, o)
	return f, nil
}

// claim makes n claims spread evenly over the inventory, by the snapshot's
// staff and, one in ten, by someone no longer in it (so the owner-gone rule
// has work). One OAuth token in four states only "read", so tokens holding
// more are flagged. It returns each claim's latency.
func claim(ctx context.Context, svc *credentials.Service, inv *credentials.Inventory, snap *store.Snapshot, n int) ([]time.Duration, error) {
	var people []string
	for _, u := range snap.Staff {
		if u.Email != "" && !u.Suspended {
			people = append(people, u.Email)
		}
	}
	if len(people) == 0 {
		return nil, errors.New("the snapshot has no staff to claim with")
	}
	n = min(n, len(inv.Credentials))
	step := len(inv.Credentials) / max(n, 1)
	review := time.Now().AddDate(0, 0, 90)
	lat := make([]time.Duration, 0, n)
	for i := range n {
		c := inv.Credentials[i*step]
		owner := people[i%len(people)]
		if i%10 == 9 {
			owner = fmt.Sprintf("former.colleague%d@acme.example", i)
		}
		form := credentials.Claim{Purpose: "Nightly export of " + c.Name, NextReview: review}
		if c.Kind == credentials.OAuthToken {
			form.Scopes = c.Scopes
			if i%4 == 0 || svc.ValidateClaim(c.Kind, form) != nil {
				form.Scopes = []string{"read"}
			}
		}
		start := time.Now()
		if _, err := svc.Claim(ctx, c.ID, credentials.Actor{Email: owner, Admin: true}, form); err != nil {
			return lat, fmt.Errorf("claim %s: %w", c.ID, err)
		}
		lat = append(lat, time.Since(start))
	}
	return lat, nil
}

// percentile is the nearest-rank q-th percentile of ds.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*q+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// peakHeap samples the bytes of live and not yet swept heap objects until
// stop is called. runtime/metrics reads them without stopping the world.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}
