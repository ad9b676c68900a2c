package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/bot/teams"
	"github.com/seatwarden/seatwarden/bot/teams/teamstest"
)

// replyTimeout bounds the wait for a reply once the POST was acknowledged.
const replyTimeout = 10 * time.Second

// activities are the message activities the load users send: one
// template per user, built by the emulator as Teams fills them, and one
// Bot Connector token for all (it is valid for an hour).
type activities struct {
	token     string
	templates []teamstest.Activity
	base      int64
	seq       atomic.Int64
}

// build is the user's message with a fresh id (unique in the run, so the
// adapter's deduplication takes every one) and timestamp.
func (a *activities) build(user int) ([]byte, error) {
	act := a.templates[user]
	now := time.Now()
	act.ID = strconv.FormatInt(a.base+a.seq.Add(1), 10)
	act.Timestamp = now.UTC().Format("2006-01-02T15:04:05.000Z")
	act.LocalTimestamp = now.Format("2006-01-02T15:04:05.000-07:00")
	return json.Marshal(act)
}

func (a *activities) conversation(user int) string { return a.templates[user].Conversation.ID }

func (a *activities) users() int { return len(a.templates) }

// checkReply judges a reply activity: the connector took it, and its first
// Adaptive Card reads expect.
func checkReply(a arrival, expect string) error {
	if a.status < 200 || a.status > 299 {
		return fmt.Errorf("the connector answered the reply %d: %s", a.status, excerpt(a.body))
	}
	var act struct {
		Attachments []struct {
			ContentType string     `json:"contentType"`
			Content     teams.Card `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(a.body, &act); err != nil {
		return fmt.Errorf("the reply is not an activity: %v: %s", err, excerpt(a.body))
	}
	for _, att := range act.Attachments {
		if att.ContentType != teams.ContentTypeAdaptiveCard {
			continue
		}
		if text := teams.CardText(att.Content); !strings.Contains(text, expect) {
			return fmt.Errorf("reply card without %q: %s", expect, excerpt([]byte(text)))
		}
		return nil
	}
	return fmt.Errorf("reply without an Adaptive Card: %s", excerpt(a.body))
}

func excerpt(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 240 {
		n := 240
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	if s == "" {
		return "(empty)"
	}
	return s
}

// latencies are one measure's successful requests, sorted.
type latencies []time.Duration

// percentile returns the latency at or below which a fraction q of the
// requests were done.
func (l latencies) percentile(q float64) time.Duration {
	n := len(l)
	if n == 0 {
		return 0
	}
	i := int(float64(n)*q+0.999999) - 1
	return l[min(max(i, 0), n-1)]
}

func (l latencies) max() time.Duration {
	if len(l) == 0 {
		return 0
	}
	return l[len(l)-1]
}

// loadResult is one target's figures.
type loadResult struct {
	Target   string
	Requests int // started in the window, answered or failed
	Errors   int
	Elapsed  time.Duration
	// WarmupRequests and WarmupErrors are the unmeasured part after the
	// first contacts.
	WarmupRequests int
	WarmupErrors   int
	// FirstContacts is one request as each user, before the warmup, so the
	// bot has every user's email cached when measuring starts; full stack
	// only.
	FirstContacts       int
	FirstContactErrors  int
	FirstContactElapsed time.Duration
	// MemberLookups and Sends are the proxy's counts of email lookups and
	// posted activities during the window; StrayReplies counts posts
	// nobody waited for over the whole run.
	MemberLookups int64
	Sends         int64
	StrayReplies  int64

	ack, reply latencies
	Samples    []string
}

// Throughput is successful requests per second of the window.
func (r *loadResult) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Elapsed.Seconds()
}

const maxSamples = 5

// loadSpec is one target's load.
type loadSpec struct {
	name string
	url  string
	acts *activities
	// proxy, when set, sees the replies: each request waits for its own
	// and it is checked against expect. Nil: the ack is the answer.
	proxy       *connectorProxy
	expect      string
	concurrency int
	warmup      time.Duration
	duration    time.Duration
	rate        float64
	// firstContacts asks once as every user before the warmup.
	firstContacts bool
}

// worker is one client's tallies.
type worker struct {
	ack, reply             latencies
	requests, errors       int
	warmupReqs, warmupErrs int
	firstReqs, firstErrs   int
	lastDone               time.Time
}

// drive sends signed activities from spec.concurrency clients, each with
// one request in flight. With firstContacts it first asks once as every
// user. Then it loads for warmup, unmeasured, and duration, measured;
// each client stops starting requests when the window closes. Users are
// taken in turn, so consecutive requests of one user are -users requests
// apart, and never two at once.
func drive(ctx context.Context, spec loadSpec) *loadResult {
	tr := &http.Transport{
		MaxIdleConns:        spec.concurrency * 2,
		MaxIdleConnsPerHost: spec.concurrency * 2,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	var (
		mu      sync.Mutex
		samples []string
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if msg := err.Error(); len(samples) < maxSamples && !slices.Contains(samples, msg) {
			samples = append(samples, msg)
		}
	}
	workers := make([]worker, spec.concurrency)
	res := &loadResult{Target: spec.name}

	if spec.firstContacts {
		var next atomic.Int64
		start := time.Now()
		var wg sync.WaitGroup
		for i := range workers {
			w := &workers[i]
			wg.Go(func() {
				for ctx.Err() == nil {
					user := int(next.Add(1) - 1)
					if user >= spec.acts.users() {
						return
					}
					w.firstReqs++
					if _, _, err := spec.ask(ctx, client, user); err != nil {
						w.firstErrs++
						fail(fmt.Errorf("first contact: %w", err))
					}
				}
			})
		}
		wg.Wait()
		res.FirstContactElapsed = time.Since(start)
	}

	var turn atomic.Int64
	start := time.Now()
	measureFrom := start.Add(spec.warmup)
	stopAt := measureFrom.Add(spec.duration)
	// The proxy's counts when the window opens.
	var beforeMembers, beforeSends atomic.Int64
	if spec.proxy != nil {
		beforeMembers.Store(spec.proxy.members.Load())
		beforeSends.Store(spec.proxy.sends.Load())
		mark := time.AfterFunc(spec.warmup, func() {
			beforeMembers.Store(spec.proxy.members.Load())
			beforeSends.Store(spec.proxy.sends.Load())
		})
		defer mark.Stop()
	}
	var interval time.Duration
	if spec.rate > 0 {
		interval = time.Duration(float64(spec.concurrency) / spec.rate * float64(time.Second))
	}
	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		w.ack = make(latencies, 0, 4096)
		w.reply = make(latencies, 0, 4096)
		wg.Go(func() {
			slot := start.Add(interval * time.Duration(i) / time.Duration(spec.concurrency))
			for {
				if interval > 0 {
					if !sleepUntil(ctx, slot) {
						return
					}
					if slot = slot.Add(interval); time.Since(slot) > interval {
						slot = time.Now() // far behind: do not burst to catch up
					}
				}
				t0 := time.Now()
				if !t0.Before(stopAt) || ctx.Err() != nil {
					return
				}
				user := int(turn.Add(1)-1) % spec.acts.users()
				ack, reply, err := spec.ask(ctx, client, user)
				done := time.Now()
				if t0.Before(measureFrom) {
					w.warmupReqs++
					if err != nil {
						w.warmupErrs++
						fail(fmt.Errorf("warmup: %w", err))
					}
					continue
				}
				w.requests++
				w.lastDone = done
				if err != nil {
					w.errors++
					fail(err)
					continue
				}
				w.ack = append(w.ack, ack)
				if spec.proxy != nil {
					w.reply = append(w.reply, reply)
				}
			}
		})
	}
	wg.Wait()

	end := stopAt
	for _, w := range workers {
		res.Requests += w.requests
		res.Errors += w.errors
		res.WarmupRequests += w.warmupReqs
		res.WarmupErrors += w.warmupErrs
		res.FirstContacts += w.firstReqs
		res.FirstContactErrors += w.firstErrs
		res.ack = append(res.ack, w.ack...)
		res.reply = append(res.reply, w.reply...)
		if w.lastDone.After(end) {
			end = w.lastDone
		}
	}
	res.Elapsed = end.Sub(measureFrom)
	if spec.proxy != nil {
		res.MemberLookups = spec.proxy.members.Load() - beforeMembers.Load()
		res.Sends = spec.proxy.sends.Load() - beforeSends.Load()
		res.StrayReplies = spec.proxy.stray.Load()
	}
	res.Samples = samples
	slices.Sort(res.ack)
	slices.Sort(res.reply)
	return res
}

// sleepUntil waits for t; false when ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// errBusyUser: another request of the same user is still waiting for its
// reply (a slow one); the caller takes the next user.
var errBusyUser = errors.New("the user's previous request is still waiting for its reply")

// ask sends user's message and, when a proxy sees replies, waits for the
// reply in the user's conversation and checks it. ack runs from sending to
// the POST's answer, reply from sending to the reply's arrival at the
// connector.
func (s *loadSpec) ask(ctx context.Context, client *http.Client, user int) (ack, reply time.Duration, err error) {
	var wait <-chan arrival
	if s.proxy != nil {
		// A user still waiting is skipped; with at least as many users as
		// clients one of the next -concurrency is free.
		for tries := 0; ; tries++ {
			var ok bool
			if wait, ok = s.proxy.expect(s.acts.conversation(user)); ok {
				break
			}
			if tries == s.acts.users() {
				return 0, 0, errBusyUser
			}
			user = (user + 1) % s.acts.users()
		}
		conversation := s.acts.conversation(user)
		defer func() {
			if err != nil {
				s.proxy.forget(conversation, wait)
			}
		}()
	}
	body, err := s.acts.build(user)
	if err != nil {
		return 0, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+s.acts.token)
	t0 := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	ack = time.Since(t0)
	if err != nil {
		return ack, 0, fmt.Errorf("reading the ack: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return ack, 0, fmt.Errorf("ack: status %d: %s", resp.StatusCode, excerpt(got))
	}
	if wait == nil {
		return ack, 0, nil
	}
	timer := time.NewTimer(replyTimeout)
	defer timer.Stop()
	select {
	case a := <-wait:
		return ack, a.at.Sub(t0), checkReply(a, s.expect)
	case <-timer.C:
		return ack, 0, fmt.Errorf("no reply within %s of the ack", replyTimeout)
	case <-ctx.Done():
		return ack, 0, ctx.Err()
	}
}
