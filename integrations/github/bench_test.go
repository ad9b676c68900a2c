package github_test

import (
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
)

// BenchmarkFullListing lists every member and Copilot seat of a 20,000
// member org with 5,000 seats over real HTTP: 250 requests.
func BenchmarkFullListing(b *testing.B) {
	org := githubtest.Generate(20000, 5000, 1, t0)
	srv := githubtest.NewServer(org,
		githubtest.WithToken(ownerToken, org.Members[0].Login), // an owner
		githubtest.WithClock(func() time.Time { return t0 }))
	b.Cleanup(srv.Close)
	c, err := srv.NewClient(github.TokenAuth(ownerToken))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		members, err := c.Members(b.Context(), "")
		if err != nil {
			b.Fatal(err)
		}
		seats, err := c.CopilotSeats(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		if len(members) != 20000 || len(seats.Seats) != 5000 {
			b.Fatalf("%d members, %d seats", len(members), len(seats.Seats))
		}
	}
}
