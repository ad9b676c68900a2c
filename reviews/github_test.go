package reviews_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

// TestAGitHubReviewKeepsToItselfAndCancelsOnce: a review of Copilot seats
// beside Zendesk's in one store keeps its own records, and 100 Remove
// clicks on two replicas cancel the seat in GitHub exactly once.
func TestAGitHubReviewKeepsToItselfAndCancelsOnce(t *testing.T) {
	emu, client, err := githubtest.NewAppServer(githubtest.SampleOrg(now), githubtest.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "sw.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	gh := github.Connector{Client: client}
	res, err := (&seats.Syncer{Source: gh, Store: st, Connector: connector.GitHub, Account: "acme", Now: func() time.Time { return now }}).Sync(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	policy := seats.Policy{InactivityDays: 30, Location: time.UTC, Pricing: seats.Pricing{Seats: map[string]float64{connector.SeatCopilotBusiness: 19}}}
	report := seats.Evaluate(res.Snapshot, policy, now)
	replica := func(holder string) *reviews.Service {
		return &reviews.Service{Records: st, Audit: st, Connector: connector.GitHub, Seats: gh, Holder: holder,
			Now: func() time.Time { return now }, Policy: reviews.Policy{Location: time.UTC}}
	}
	a, b := replica("a"), replica("b")
	period := reviews.PeriodOf(now, time.UTC)
	open, err := a.Open(t.Context(), period, report, func(seats.Seat) string { return dana })
	if err != nil {
		t.Fatal(err)
	}
	var jonas reviews.Item
	for _, it := range open {
		if it.Seat.Connector != connector.GitHub {
			t.Errorf("item %+v does not say it is GitHub's", it.Seat)
		}
		if it.Seat.Name == "jberg" {
			jonas = it
		}
	}
	if len(open) != 3 || jonas.Seat.UserID == 0 || jonas.Seat.MonthlyCost != 19 {
		t.Fatalf("opened %d items (want mei-tanaka, jberg and aisha-b idle 30+ days), jberg %+v", len(open), jonas.Seat)
	}
	// Zendesk's review of the same week sees none of them.
	zd := &reviews.Service{Records: st, Now: func() time.Time { return now }, Policy: reviews.Policy{Location: time.UTC}}
	if items, err := zd.Items(t.Context(), period); err != nil || len(items) != 0 {
		t.Errorf("Zendesk's review holds %d items, %v; want none", len(items), err)
	}

	emu.ResetCounters()
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		won, told int
	)
	for i := range 100 {
		svc := a
		if i%2 == 1 {
			svc = b
		}
		wg.Go(func() {
			_, err := svc.Decide(context.Background(), reviews.Input{Period: period, UserID: jonas.Seat.UserID, Decision: reviews.Remove, Actor: reviews.Actor{Email: dana}})
			var decided *reviews.DecidedError
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.As(err, &decided):
				told++
			default:
				t.Errorf("click: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 || told != 99 {
		t.Errorf("100 clicks: %d decided, %d told already decided; want 1, 99", won, told)
	}
	if n := emu.Requests(githubtest.EndpointCopilotRemove); n != 1 {
		t.Errorf("%d Copilot cancellations, want exactly 1", n)
	}
	it, err := a.Item(t.Context(), period, jonas.Seat.UserID)
	if err != nil || it.State != reviews.Removed || it.Change.Status != reviews.ChangeDone || it.Saving() != 19 {
		t.Errorf("item after removal: %+v, %v", it, err)
	}
	seat, err := client.MemberCopilotSeat(t.Context(), "jberg")
	if err != nil || seat.PendingCancellationDate == "" {
		t.Errorf("jberg's seat in GitHub: %+v, %v; want pending cancellation", seat, err)
	}
}
