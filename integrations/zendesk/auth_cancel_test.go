package zendesk_test

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

// A token endpoint that answers 429 with an hour's Retry-After must not
// hold callers past their deadlines, nor leave goroutines behind them.
func TestTokenFetchFollowsTheCallersContext(t *testing.T) {
	emu := zendesktest.NewServer(zendesktest.SampleOrg(time.Now()), zendesktest.WithOAuthClient("bot", "secret", true))
	defer emu.Close()
	emu.InjectFault(zendesktest.EndpointOAuthToken, zendesktest.Fault{Status: 429, RetryAfter: time.Hour})
	client, err := zendesk.New(zendesk.Config{
		BaseURL: emu.URL,
		Auth:    zendesk.OAuthClientCredentials("bot", "secret"),
		Logger:  slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := client.Me(ctx)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Me() = %v, want the deadline", err)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("Me() returned after %s, past its 50ms deadline", took)
			}
		})
	}
	wg.Wait()

	// Idle keep-alive connections may add a goroutine or two; stranded
	// fetches would add one per call.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+4 {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines: %d before, %d after the calls gave up", before, runtime.NumGoroutine())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
