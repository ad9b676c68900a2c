package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// slashCommand builds the form Slack posts for `/warden <text>`, minus the
// trigger_id, which is added per request.
func slashCommand(text, responseURL string) string {
	return url.Values{
		"token":         {"slackload-verification-token"},
		"team_id":       {slackTeamID},
		"team_domain":   {"acme"},
		"channel_id":    {"C0BENCH"},
		"channel_name":  {"seat-admins"},
		"user_id":       {slackUserID},
		"user_name":     {slackUserName},
		"command":       {"/warden"},
		"text":          {text},
		"response_url":  {responseURL},
		"api_app_id":    {"A0SLACKAPP"},
		"is_enterprise": {"false"},
	}.Encode()
}

// sign returns Slack's v0 signature of body at ts.
func sign(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// checkFunc judges one response; a non-nil error counts the request as
// failed.
type checkFunc func(status int, header http.Header, body []byte) error

// checkBare: the bare handler answers 200, nothing else.
func checkBare(status int, _ http.Header, body []byte) error {
	if status != http.StatusOK {
		return fmt.Errorf("status %d: %s", status, excerpt(body))
	}
	return nil
}

// checkReply: the full stack answers 200 with the reply as JSON in the
// response itself, and the reply contains expect. A reply the same as the
// last one found valid is not scanned again: the answers are the same
// until the snapshot changes, and scanning each one cost the load
// generator, on the cores the stack shares, a few per cent of the run.
func checkReply(expect string) checkFunc {
	var lastValid atomic.Pointer[[]byte]
	valid := func(body []byte) bool {
		if last := lastValid.Load(); last != nil && bytes.Equal(*last, body) {
			return true
		}
		if !json.Valid(body) {
			return false
		}
		kept := bytes.Clone(body)
		lastValid.Store(&kept)
		return true
	}
	return func(status int, header http.Header, body []byte) error {
		switch {
		case status != http.StatusOK:
			return fmt.Errorf("status %d: %s", status, excerpt(body))
		case len(bytes.TrimSpace(body)) == 0:
			return fmt.Errorf("status 200 with an empty body: the answer missed the ack budget and went to response_url")
		case !strings.HasPrefix(header.Get("Content-Type"), "application/json"):
			return fmt.Errorf("content type %q: %s", header.Get("Content-Type"), excerpt(body))
		case !valid(body):
			return fmt.Errorf("body is not JSON: %s", excerpt(body))
		case expect != "" && !bytes.Contains(body, []byte(expect)):
			return fmt.Errorf("reply without %q: %s", expect, excerpt(body))
		}
		return nil
	}
}

func excerpt(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 240 {
		n := 240
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

// loadResult is one target's figures over the measured window.
type loadResult struct {
	Target   string        `json:"target"`
	Requests int           `json:"requests"` // started in the window, answered or failed
	Errors   int           `json:"errors"`
	Elapsed  time.Duration `json:"-"`
	// WarmupRequests and WarmupErrors are the unmeasured part.
	WarmupRequests int `json:"warmup_requests"`
	WarmupErrors   int `json:"warmup_errors"`
	// Latencies of the successful requests in the window, sorted.
	latencies []time.Duration
	// Samples are the first few failures, for the report.
	Samples []string `json:"error_samples,omitempty"`
}

// Throughput is successful requests per second of the window.
func (r *loadResult) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.Errors) / r.Elapsed.Seconds()
}

// Percentile returns the latency at or below which a fraction q of the
// successful requests were answered.
func (r *loadResult) Percentile(q float64) time.Duration {
	n := len(r.latencies)
	if n == 0 {
		return 0
	}
	i := int(float64(n)*q+0.999999) - 1
	return r.latencies[min(max(i, 0), n-1)]
}

func (r *loadResult) Max() time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[len(r.latencies)-1]
}

const maxSamples = 5

// merge is r and the next turn's result of the same target together; a
// nil r is next alone.
func (r *loadResult) merge(next *loadResult) *loadResult {
	if r == nil {
		return next
	}
	out := *r
	out.Requests += next.Requests
	out.Errors += next.Errors
	out.Elapsed += next.Elapsed
	out.WarmupRequests += next.WarmupRequests
	out.WarmupErrors += next.WarmupErrors
	out.latencies = append(slices.Clip(r.latencies), next.latencies...)
	slices.Sort(out.latencies)
	for _, s := range next.Samples {
		out.Samples = appendSample(out.Samples, s)
	}
	return &out
}

// loadSpec is one target's load.
type loadSpec struct {
	name        string
	url         string
	form        string // the slash command form without trigger_id
	check       checkFunc
	concurrency int
	warmup      time.Duration
	duration    time.Duration
}

// drive sends signed slash commands from spec.concurrency connections, each
// one request at a time, for warmup then duration. Requests started in the
// warmup are checked but not measured; each worker stops starting new
// requests when the window closes.
func drive(ctx context.Context, spec loadSpec) *loadResult {
	tr := &http.Transport{
		MaxIdleConns:        spec.concurrency * 2,
		MaxIdleConnsPerHost: spec.concurrency * 2,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	type worker struct {
		latencies              []time.Duration
		requests, errors       int
		warmupReqs, warmupErrs int
		lastDone               time.Time
	}
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

	start := time.Now()
	measureFrom := start.Add(spec.warmup)
	stopAt := measureFrom.Add(spec.duration)
	workers := make([]worker, spec.concurrency)
	var wg sync.WaitGroup
	for i := range workers {
		w := &workers[i]
		w.latencies = make([]time.Duration, 0, 4096)
		wg.Go(func() {
			for seq := 0; ; seq++ {
				t0 := time.Now()
				if !t0.Before(stopAt) || ctx.Err() != nil {
					return
				}
				err := send(ctx, client, spec, fmt.Sprintf("%d.%d.%d", start.UnixNano(), i, seq))
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
				w.latencies = append(w.latencies, done.Sub(t0))
			}
		})
	}
	wg.Wait()

	res := &loadResult{Target: spec.name, Samples: samples}
	end := stopAt
	for _, w := range workers {
		res.Requests += w.requests
		res.Errors += w.errors
		res.WarmupRequests += w.warmupReqs
		res.WarmupErrors += w.warmupErrs
		res.latencies = append(res.latencies, w.latencies...)
		if w.lastDone.After(end) {
			end = w.lastDone
		}
	}
	res.Elapsed = end.Sub(measureFrom)
	slices.Sort(res.latencies)
	return res
}

// send posts one signed slash command and checks the answer.
func send(ctx context.Context, client *http.Client, spec loadSpec, triggerID string) error {
	status, header, body, err := post(ctx, client, spec.url, spec.form, triggerID)
	if err != nil {
		return err
	}
	return spec.check(status, header, body)
}
