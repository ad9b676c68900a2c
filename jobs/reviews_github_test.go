package jobs_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
)

// gitHubOrg is the emulated GitHub organization beside the fixture's
// Zendesk account, its Copilot seats synced into the same store.
type gitHubOrg struct {
	emu *githubtest.Server
	gh  github.Connector
}

func (f *reviewFixture) withGitHub(t *testing.T, synced bool) *gitHubOrg {
	t.Helper()
	now := func() time.Time { return f.clock }
	emu, client, err := githubtest.NewAppServer(githubtest.SampleOrg(monday), githubtest.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	g := &gitHubOrg{emu: emu, gh: github.Connector{Client: client}}
	if synced {
		if _, err := (&seats.Syncer{Source: g.gh, Connector: connector.GitHub, Store: f.store, Account: "acme", Now: now}).Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// bothReviews is one replica's review jobs of Zendesk's seats with the
// GitHub organization's Copilot seats joining its digests; Dana answers
// for every Copilot seat.
func (f *reviewFixture) bothReviews(t *testing.T, holder string, g *gitHubOrg) *jobs.Reviews {
	r := f.reviews(t, holder)
	r.Also = []*jobs.Reviews{{
		Service: &reviews.Service{Records: f.store, Audit: f.store, Connector: connector.GitHub, Seats: g.gh,
			Now: func() time.Time { return f.clock }, Holder: holder},
		Snapshots: f.store,
		Rules: seats.Policy{InactivityDays: 30, Location: time.UTC,
			Pricing: seats.Pricing{Seats: map[string]float64{connector.SeatCopilotBusiness: 19}}},
		Owners: seats.NewOwners(dana),
	}}
	return r
}

// TestOneDigestPerOwnerAcrossSaaS: an owner answering for seats in
// Zendesk and GitHub gets one digest holding both, each seat saying its
// SaaS, however many replicas run the job; the delivery is recorded in
// both reviews, so reminders follow it as one.
func TestOneDigestPerOwnerAcrossSaaS(t *testing.T) {
	f := newReviewFixture(t)
	g := f.withGitHub(t, true)
	replicas := []*jobs.Reviews{f.bothReviews(t, "replica-a", g), f.bothReviews(t, "replica-b", g)}
	var wg sync.WaitGroup
	for _, r := range replicas {
		wg.Go(func() {
			if err := r.DigestJob().Run(context.Background(), f.clock); err != nil {
				t.Errorf("digest: %v", err)
			}
		})
	}
	wg.Wait()
	f.run(t, replicas[1].DigestJob())

	danas := f.out.direct[dana]
	if len(danas) != 1 {
		t.Fatalf("dana got %d digests, want one: %q", len(danas), f.out.headlines(dana))
	}
	if h := danas[0].Headline; !strings.HasPrefix(h, "Seat review: ") || !strings.Contains(h, "across Zendesk and GitHub") {
		t.Errorf("dana's headline %q does not say it spans both", h)
	}
	text := fmt.Sprint(danas[0].Sections)
	for _, want := range []string{"*GitHub* · Member", "*Zendesk* ·", "Copilot", "jberg"} {
		if !strings.Contains(text, want) {
			t.Errorf("dana's digest lacks %q", want)
		}
	}
	if got := f.out.headlines(omar); len(got) != 1 || strings.Contains(got[0], "GitHub") {
		t.Errorf("omar answers only for Zendesk seats; got %q", got)
	}

	period := reviews.PeriodOf(f.clock, time.UTC)
	zd, err := replicas[0].Service.Delivery(t.Context(), period, dana)
	if err != nil {
		t.Fatal(err)
	}
	gh, err := replicas[0].Also[0].Service.Delivery(t.Context(), period, dana)
	if err != nil {
		t.Fatal(err)
	}
	if zd.SentAt.IsZero() || gh.SentAt.IsZero() || len(gh.Refs) != 1 || gh.Refs[0] != zd.Refs[0] {
		t.Errorf("the digest is not recorded in both reviews: Zendesk %+v, GitHub %+v", zd, gh)
	}

	// Three days of silence: one reminder holding both SaaS, once.
	f.clock = monday.Add(72 * time.Hour)
	for _, r := range replicas {
		f.run(t, r.RemindersJob())
	}
	got := f.out.headlines(dana)
	if len(got) != 2 || !strings.HasPrefix(got[1], "Reminder: ") {
		t.Fatalf("dana got %q, want the digest and one reminder", got)
	}
	if reminder := fmt.Sprint(f.out.direct[dana][1].Sections); !strings.Contains(reminder, "*GitHub*") || !strings.Contains(reminder, "*Zendesk*") {
		t.Error("the reminder does not hold both SaaS's seats")
	}
}

// TestADigestWaitsForNoSaaSNotSynced: GitHub never synced; Zendesk's
// digests still go out, and the job says what is missing.
func TestADigestWaitsForNoSaaSNotSynced(t *testing.T) {
	f := newReviewFixture(t)
	r := f.bothReviews(t, "a", f.withGitHub(t, false))
	err := r.DigestJob().Run(t.Context(), f.clock)
	if err == nil || !strings.Contains(err.Error(), "GitHub: no seat snapshot yet") {
		t.Errorf("digest error %v, want GitHub's missing snapshot named", err)
	}
	for _, owner := range []string{dana, omar} {
		if got := f.out.headlines(owner); len(got) != 1 || strings.Contains(got[0], "GitHub") {
			t.Errorf("%s got %q, want their Zendesk digest", owner, got)
		}
	}
}

// TestAGitHubDecisionRedrawsTheWholeDigest: deciding a Copilot seat
// redraws the owner's one digest, Zendesk's seats still in it.
func TestAGitHubDecisionRedrawsTheWholeDigest(t *testing.T) {
	f := newReviewFixture(t)
	g := f.withGitHub(t, true)
	r := f.bothReviews(t, "a", g)
	f.run(t, r.DigestJob())
	period := reviews.PeriodOf(f.clock, time.UTC)
	items, err := r.Also[0].Service.Items(t.Context(), period)
	if err != nil || len(items) == 0 {
		t.Fatalf("GitHub items %v, %v", items, err)
	}
	if _, err := r.Also[0].Service.Decide(t.Context(), reviews.Input{Period: period, UserID: items[0].Seat.UserID, Decision: reviews.Snooze,
		Actor: reviews.Actor{Email: dana, Admin: true}}); err != nil {
		t.Fatal(err)
	}
	r.Changed(t.Context(), period, bot.MessageRef{}, dana)
	if len(f.out.updates) != 1 {
		t.Errorf("updates %v, want dana's one digest redrawn once", f.out.updates)
	}
}
