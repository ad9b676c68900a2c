package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// askers is what people asking `/warden seats` right after another
// replica saved a new snapshot got: the first question after a sync must
// be answered like the hundredth, from the last view while the new one is
// judged, and nobody told the bot is busy.
type askers struct {
	Askers int `json:"askers"`
	// Over is the window their questions were sent in.
	OverSeconds float64 `json:"over_seconds"`
	// Inline were answered in the HTTP response with a seat summary;
	// FromNew of them already from the new snapshot.
	Inline  int `json:"inline"`
	FromNew int `json:"from_new_snapshot"`
	// Busy were told the bot is busy; Late got an empty acknowledgement,
	// their answer going to response_url; Errors anything else.
	Busy   int      `json:"busy"`
	Late   int      `json:"late"`
	Errors int      `json:"errors"`
	P50    float64  `json:"p50_ms"`
	P99    float64  `json:"p99_ms"`
	Max    float64  `json:"max_ms"`
	Sample []string `json:"error_samples,omitempty"`
	// NewAfter is the time from the save until an answer had the new
	// snapshot, in seconds.
	NewAfter float64 `json:"new_snapshot_after_seconds"`
}

// Pass: everyone answered inline, nobody told the bot is busy.
func (a askers) Pass() bool { return a.Askers > 0 && a.Inline == a.Askers }

// askAfterASync saves the seeded snapshot with one paid seat fewer, as a
// sync on another replica would, then has n people ask the full stack
// within over, each at their own moment, and waits for an answer from the
// new snapshot. paid is the seeded snapshot's paid seats under p.
func askAfterASync(ctx context.Context, st store.Store, full *fullStack, p seats.Policy, paid, n int, over time.Duration) (askers, error) {
	res := askers{Askers: n, OverSeconds: over.Seconds()}
	snap, err := st.LoadSnapshot(ctx, connector.Zendesk)
	if err != nil {
		return res, err
	}
	now := time.Now()
	gone := slices.IndexFunc(snap.Staff, func(u connector.Staff) bool {
		alone := &store.Snapshot{Roster: connector.Roster{Staff: []connector.Staff{u}}}
		return seats.Evaluate(alone, p, now).Summary.Paid.Seats == 1
	})
	if gone < 0 {
		return res, fmt.Errorf("the seeded snapshot has no paid seat to take out")
	}
	snap.Staff = slices.Delete(snap.Staff, gone, gone+1)
	if err := st.SaveSnapshot(ctx, snap); err != nil {
		return res, err
	}
	snap = nil
	saved := time.Now()
	oldHeadline, newHeadline := []byte(fmt.Sprintf("Seats: %d paid", paid)), []byte(fmt.Sprintf("Seats: %d paid", paid-1))

	tr := &http.Transport{MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	form := slashCommand("seats", full.sink.URL+"/commands/T0BENCH/askers/slackload")

	var (
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, n)
		firstNew  time.Time
	)
	var wg sync.WaitGroup
	for i := range n {
		at := saved.Add(time.Duration(i) * over / time.Duration(n))
		wg.Go(func() {
			time.Sleep(time.Until(at))
			status, _, body, err := post(ctx, client, full.url(), form, strconv.Itoa(i))
			done := time.Now()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				res.Errors++
				res.Sample = appendSample(res.Sample, err.Error())
				return
			case status == http.StatusOK && bytes.Contains(body, newHeadline):
				res.Inline++
				res.FromNew++
				if firstNew.IsZero() || done.Before(firstNew) {
					firstNew = done
				}
			case status == http.StatusOK && bytes.Contains(body, oldHeadline):
				res.Inline++
			case status == http.StatusOK && bytes.Contains(body, []byte("busy")):
				res.Busy++
				return
			case status == http.StatusOK && len(bytes.TrimSpace(body)) == 0:
				res.Late++
				return
			default:
				res.Errors++
				res.Sample = appendSample(res.Sample, fmt.Sprintf("status %d: %s", status, excerpt(body)))
				return
			}
			latencies = append(latencies, done.Sub(at))
		})
	}
	wg.Wait()
	slices.Sort(latencies)
	if len(latencies) > 0 {
		res.P50, res.P99, res.Max = ms(benchkit.Quantile(latencies, 0.50)), ms(benchkit.Quantile(latencies, 0.99)), ms(latencies[len(latencies)-1])
	}
	// The rebuild runs in the background; ask until an answer has it.
	for deadline := time.Now().Add(time.Minute); firstNew.IsZero(); {
		if time.Now().After(deadline) {
			return res, fmt.Errorf("no answer had the new snapshot a minute after it was saved")
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		time.Sleep(100 * time.Millisecond)
		if status, _, body, err := post(ctx, client, full.url(), form, "after"); err == nil && status == http.StatusOK && bytes.Contains(body, newHeadline) {
			firstNew = time.Now()
		}
	}
	res.NewAfter = firstNew.Sub(saved).Seconds()
	return res, nil
}

// post sends one signed slash command and returns the response.
func post(ctx context.Context, client *http.Client, url, form, triggerID string) (int, http.Header, []byte, error) {
	body := []byte(form + "&trigger_id=" + triggerID)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sign(signingSecret, ts, body))
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading the response: %w", err)
	}
	return resp.StatusCode, resp.Header, got, nil
}

func appendSample(samples []string, msg string) []string {
	if len(samples) < maxSamples && !slices.Contains(samples, msg) {
		samples = append(samples, msg)
	}
	return samples
}
