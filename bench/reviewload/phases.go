package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	slackbot "github.com/seatwarden/seatwarden/bot/slack"
	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/commands"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"

	slackgo "github.com/slack-go/slack"
)

type digestFigures struct {
	items, owners, messages, blocks int
	open, list, render, wall        time.Duration
	// view is how long the replica's seat view took to judge, before the
	// digest; zero with -cold, which judges inside open.
	view                time.Duration
	peakHeap, allocated uint64
	// ownerRead is one owner's digest read as a click's redraw reads it
	// (reviews.Service.OwnerItems), p50 and p99 over up to 200 owners.
	ownerRead50, ownerRead99 time.Duration
}

// seatView is where the digest gets its seats judged. A replica holds
// them in the view its seat commands answer from, judged once per
// snapshot (by the sync job on the replica that synced, in the background
// on the others), and the digest job opens the review from it: the view
// is built here, before the digest, and timed apart. With -cold the
// digest judges the snapshot itself, as on a replica holding no view.
func (e *env) seatView(ctx context.Context) (judged func(context.Context) (seats.Report, error), built time.Duration, err error) {
	if e.o.Cold {
		return func(ctx context.Context) (seats.Report, error) {
			report, _, err := seats.Judge(ctx, e.store, connector.Zendesk, e.rules, now)
			return report, err
		}, 0, nil
	}
	r, err := commands.New(commands.Deps{Snapshots: e.store, Policy: e.rules, Owners: e.owners(), Now: func() time.Time { return now }})
	if err != nil {
		return nil, 0, err
	}
	fromView := func(ctx context.Context) (seats.Report, error) {
		report, _, err := r.JudgedSeats(ctx, connector.Zendesk, now)
		return report, err
	}
	start := time.Now()
	if _, err := fromView(ctx); err != nil {
		return nil, 0, err
	}
	return fromView, time.Since(start), nil
}

// digests opens the review and draws every owner's digest, as the
// inactive-digest job does before it sends.
func (e *env) digests(ctx context.Context) (digestFigures, error) {
	var f digestFigures
	judged, built, err := e.seatView(ctx)
	if err != nil {
		return f, err
	}
	f.view = built
	if e.o.CPUProfile != "" {
		out, err := os.Create(e.o.CPUProfile)
		if err != nil {
			return f, err
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			return f, err
		}
		defer pprof.StopCPUProfile()
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := peakHeap()
	start := time.Now()

	report, err := judged(ctx)
	if err != nil {
		return f, err
	}
	// As the inactive-digest job does: the first opening hands over the
	// items it wrote rather than reading the period back.
	svc := e.service(nil, "bench")
	items, err := svc.OpenAndList(ctx, e.period, report, e.owners().Of)
	if err != nil {
		return f, err
	}
	f.open = time.Since(start)

	mark := time.Now()
	byOwner := map[string][]reviews.Item{}
	for _, it := range items {
		byOwner[it.Owner] = append(byOwner[it.Owner], it)
	}
	f.list = time.Since(mark)

	mark = time.Now()
	view := prompts.Review{Period: e.period, Location: time.UTC, Currency: "USD", Now: now, Deadline: reviews.Deadline(e.period, time.UTC)}
	for owner, list := range byOwner {
		prompts.Sort(list)
		out, err := slackbot.RenderMessage(view.Digest(prompts.Digest, owner, list, 1))
		if err != nil {
			return f, fmt.Errorf("digest of %s: %w", owner, err)
		}
		f.messages += len(out)
		for _, m := range out {
			f.blocks += len(m.Blocks)
		}
	}
	f.render = time.Since(mark)
	f.wall = time.Since(start)
	f.peakHeap = stop()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	f.allocated = after.TotalAlloc - before.TotalAlloc
	f.items, f.owners = len(items), len(byOwner)

	// What a click costs to redraw: one owner's seats, not the period.
	var reads []time.Duration
	for owner, list := range byOwner {
		if len(reads) == 200 {
			break
		}
		mark := time.Now()
		got, err := svc.OwnerItems(ctx, e.period, owner)
		if err != nil {
			return f, err
		}
		reads = append(reads, time.Since(mark))
		if len(got) != len(list) {
			return f, fmt.Errorf("%s: read %d items of their digest, want %d", owner, len(got), len(list))
		}
	}
	slices.Sort(reads)
	if n := len(reads); n > 0 {
		f.ownerRead50, f.ownerRead99 = reads[n/2], reads[(n*99)/100]
	}
	return f, nil
}

type deliveryFigures struct {
	owners, exactlyOnce, lost, doubled int
	messages, calls, limited, invalid  int
	lookups, pages, opens              int
	// wall is the job's run, opening the review included; sending is
	// from its first post to its last, as Slack saw them.
	wall, sending time.Duration
	// fastest is the least time from first post to last that Slack's
	// model (slacktest.WithTierRateLimits) allows for the messages
	// posted, and binds names the limit that sets it.
	fastest time.Duration
	binds   string
}

// achieved and allowed are messages a second after the first: as
// delivered, and at the fastest the model allows.
func (f deliveryFigures) achieved() float64 { return float64(f.messages-1) / f.sending.Seconds() }
func (f deliveryFigures) allowed() float64  { return float64(f.messages-1) / f.fastest.Seconds() }

// share is the achieved rate as a share of the allowed one.
func (f deliveryFigures) share() float64 { return f.fastest.Seconds() / f.sending.Seconds() }

// delivery runs the inactive-digest job's sending through the Slack
// adapter to the emulator under Slack's rate model, with its production
// pacing and slack-go's retries as the app configures them, and 429s
// injected on top when -ratelimit asks.
func (e *env) delivery(ctx context.Context) (deliveryFigures, error) {
	var f deliveryFigures
	opts := []slacktest.Option{slacktest.WithTierRateLimits()}
	for i := range e.o.Owners {
		opts = append(opts, slacktest.WithUser(slacktest.User{ID: fmt.Sprintf("U%06d", i), Name: fmt.Sprintf("lead%04d", i), Email: ownerEmail(i)}))
	}
	sl := slacktest.NewServer(opts...)
	defer sl.Close()
	if e.o.RateLimit > 0 {
		sl.InjectRateLimitEvery("chat.postMessage", time.Second, e.o.RateLimit)
	}
	api := slackgo.New(slacktest.DefaultBotToken, slackgo.OptionAPIURL(sl.APIURL()), slackgo.OptionRetry(3))
	adapter, err := slackbot.New(slackbot.Options{SigningSecret: "bench", API: api, Handler: nopHandler{}})
	if err != nil {
		return f, err
	}
	defer adapter.Close(context.Background())
	jobs := e.reviewJobs(e.service(nil, "bench"))
	jobs.Notifier = adapter

	start := time.Now()
	if err := jobs.DigestJob().Run(ctx, now); err != nil {
		return f, err
	}
	f.wall = time.Since(start)

	var first, last time.Time
	for _, c := range sl.Calls("") {
		f.calls++
		if c.Status == 429 {
			f.limited++
		}
		switch c.Method {
		case "chat.postMessage":
			if c.Error == "invalid_blocks" {
				f.invalid++
			}
			if c.Status == 200 && c.Error == "" {
				if first.IsZero() {
					first = c.At
				}
				last = c.At
			}
		case "users.lookupByEmail":
			f.lookups++
		case "users.list":
			f.pages++
		case "conversations.open":
			f.opens++
		}
	}
	f.owners = e.o.Owners
	perChannel := 0
	for i := range e.o.Owners {
		n := 0
		for _, ch := range sl.DirectChannels(fmt.Sprintf("U%06d", i)) {
			n += len(sl.Messages(ch))
		}
		f.messages += n
		perChannel = max(perChannel, n)
		switch {
		case n == 1:
			f.exactlyOnce++
		case n == 0:
			f.lost++
		default:
			f.doubled++
		}
	}
	f.sending = last.Sub(first)
	f.fastest, f.binds = fastestDelivery(f.messages, perChannel)
	return f, nil
}

// fastestDelivery is the least time from first post to last that
// slacktest's model of Slack's limits allows for posting messages, at
// most perChannel of them to any one channel, and the limit that binds. chat.postMessage is limited twice:
// about 1 a second per channel after a burst of DefaultChannelBurst, and
// DefaultWorkspacePostsPerMinute across the workspace after a burst of
// DefaultWorkspacePostBurst. Each owner's digest goes to their own DM, so
// the per-channel limit binds only an owner whose digest splits into
// more messages than the burst; otherwise the workspace's does.
func fastestDelivery(messages, perChannel int) (time.Duration, string) {
	seconds := func(n, burst int, perSecond float64) time.Duration {
		return time.Duration(float64(max(n-burst, 0)) / perSecond * float64(time.Second))
	}
	workspace := seconds(messages, slacktest.DefaultWorkspacePostBurst, slacktest.DefaultWorkspacePostsPerMinute/60.0)
	channel := seconds(perChannel, slacktest.DefaultChannelBurst, 1)
	if channel > workspace {
		return channel, "1 message a second per channel"
	}
	return workspace, fmt.Sprintf("the workspace's %d messages a minute", slacktest.DefaultWorkspacePostsPerMinute)
}

type nopHandler struct{}

func (nopHandler) Handle(context.Context, bot.Request) bot.Message {
	return bot.Message{Headline: "ok"}
}

type clickFigures struct {
	rounds, clicks, updates, decided, already int
	p50, p99, max                             time.Duration
}

// clicks has o.Clicks people press Remove on one seat at once, for
// o.Rounds seats, through the command router and the Zendesk emulator.
func (e *env) clicks(ctx context.Context) (clickFigures, error) {
	f := clickFigures{clicks: e.o.Clicks}
	org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: 20_000, Seed: 7, Now: now})
	emu := zendesktest.NewServer(org, zendesktest.WithOAuthClient("bench", "secret", true))
	defer emu.Close()
	zd, err := zendeskClient(emu.URL)
	if err != nil {
		return f, err
	}
	// The generated account's own seats, in a review of their own.
	period := reviews.PeriodOf(now.AddDate(0, 0, 7), time.UTC)
	clock := now.AddDate(0, 0, 7)
	svc := e.service(zendesk.Connector{Client: zd}, "bench")
	svc.Now = func() time.Time { return clock }
	res, err := (&seats.Syncer{Source: zendesk.Connector{Client: zd}, Connector: connector.Zendesk, Store: e.store, Account: emu.URL, Now: func() time.Time { return clock }}).Sync(ctx)
	if err != nil {
		return f, err
	}
	report := seats.Evaluate(res.Snapshot, e.rules, clock)
	open, err := svc.Open(ctx, period, report, func(seats.Seat) string { return ownerEmail(0) })
	if err != nil {
		return f, err
	}
	open = slices.DeleteFunc(open, func(it reviews.Item) bool { return it.Seat.Suspended || it.Seat.Role != "agent" })
	if len(open) < e.o.Rounds {
		return f, fmt.Errorf("only %d seats to click, want %d", len(open), e.o.Rounds)
	}
	router, err := commands.New(commands.Deps{Snapshots: e.store, Audit: e.store, Policy: e.rules, Reviews: svc,
		Admins: []string{"admin@acme.example"}, Owners: seats.NewOwners(ownerEmail(0)), Now: func() time.Time { return clock }})
	if err != nil {
		return f, err
	}
	emu.ResetCounters()
	var mu sync.Mutex
	var lat []time.Duration
	for _, it := range open[:e.o.Rounds] {
		value := prompts.SeatValue(it.Seat.Connector, period, it.Seat.UserID)
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := range e.o.Clicks {
			who := ownerEmail(0)
			if i%2 == 1 {
				who = "admin@acme.example"
			}
			wg.Go(func() {
				<-gate
				start := time.Now()
				reply := router.Handle(ctx, bot.Request{Platform: bot.PlatformSlack, User: bot.User{ID: "U1", Email: who},
					Action: &bot.Action{ID: prompts.ActionRemove, Value: value}})
				d := time.Since(start)
				mu.Lock()
				defer mu.Unlock()
				lat = append(lat, d)
				switch {
				case reply.Delivery == bot.ReplaceOriginal:
					f.decided++
				case len(reply.Sections) == 1 && strings.Contains(reply.Sections[0].Text, "Already decided"):
					f.already++
				}
			})
		}
		close(gate)
		wg.Wait()
		f.rounds++
	}
	f.updates = emu.Requests(zendesktest.EndpointUsersUpdate)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) == 0 {
		return f, errors.New("no clicks")
	}
	f.p50, f.p99, f.max = lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1]
	return f, nil
}
