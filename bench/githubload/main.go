// Command githubload measures the GitHub seat sync at a large
// organisation's scale: -members members and -seats Copilot seats (20,000
// and 5,000 by default), served over real HTTP by the GitHub emulator and
// read by the bot's GitHub client authenticated as its GitHub App, into
// the embedded store.
//
// It reports the requests per endpoint against the paging lower bound
// (members, owners and members without 2FA 100 a page, seats 100 a page,
// one GraphQL query per 100 people looked up, plus the App's installation
// token), the wall time of a first and a second sync, the stored
// snapshot's size, the seat summary, the process's peak RSS, and how long
// the same requests take at the bot's default pace under GitHub's
// 5,000-an-hour limit.
//
//	go run ./bench/githubload
//	go run ./bench/githubload -members 100000 -seats 20000
//
// It exits 1 when a count differs from the generated organisation or the
// requests exceed the lower bound.
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/seatwarden/seatwarden/bench/internal/benchkit"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

func main() {
	members := flag.Int("members", 20_000, "organisation members")
	seatCount := flag.Int("seats", 5_000, "Copilot seats")
	seed := flag.Uint64("seed", 1, "seed of the generated organisation")
	flag.Parse()
	if err := run(context.Background(), *members, *seatCount, *seed, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "githubload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, members, seatCount int, seed uint64, out io.Writer) error {
	if members < 1 || seatCount < 0 || seatCount > members {
		return fmt.Errorf("need 1 or more members and at most as many seats, e.g. -members 20000 -seats 5000")
	}
	say := func(format string, a ...any) { fmt.Fprintf(out, format, a...) }
	now := time.Now()
	org := githubtest.Generate(members, seatCount, seed, now)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	// The emulator's budget is large so the run measures the bot, not the
	// limit; the pace below says what the limit costs.
	emu := githubtest.NewServer(org,
		githubtest.WithApp(githubtest.AppRegistration{AppID: githubtest.SeatwardenAppID, InstallationID: githubtest.SeatwardenInstallationID, PublicKey: &key.PublicKey}),
		githubtest.WithRateLimit(githubtest.ResourceCore, 1_000_000), githubtest.WithRateLimit(githubtest.ResourceGraphQL, 1_000_000))
	defer emu.Close()
	client, err := github.New(github.Config{
		BaseURL: emu.APIURL(), Org: org.Login, HTTPClient: emu.Client(),
		Auth:   github.AppAuth(github.App{AppID: githubtest.SeatwardenAppID, InstallationID: githubtest.SeatwardenInstallationID, PrivateKey: key}),
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "githubload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := boltstore.Open(filepath.Join(dir, "seatwarden.db"), boltstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()

	syncer := &seats.Syncer{Source: github.Connector{Client: client}, Store: st, Connector: connector.GitHub, Account: org.Login, Now: time.Now}
	say("GitHub organisation %q: %s members, %s Copilot seats\n", org.Login, benchkit.Commas(members), benchkit.Commas(seatCount))
	if rev := benchkit.Revision(); rev != "" {
		say("commit %s\n", rev)
	}
	runtime.GC()
	start := time.Now()
	res, err := syncer.Sync(ctx)
	if err != nil {
		return err
	}
	first := time.Since(start)
	requests := emu.TotalRequests()

	owners, no2FA, lookedUp := 0, 0, 0
	for _, m := range org.Members {
		if m.Role == github.RoleAdmin {
			owners++
		}
		if !m.TwoFactor {
			no2FA++
		}
	}
	held := 0
	for _, s := range res.Snapshot.Staff {
		if s.Free != connector.FreeNoCopilot {
			held++
		}
		if s.Free != connector.FreeNoCopilot || s.Privileged {
			lookedUp++
		}
	}
	pages := func(n int) int { return max(1, (n+99)/100) }
	bound := pages(members) + pages(owners) + pages(no2FA) + pages(seatCount) + pages(lookedUp) + 1
	say("\nfirst sync: %s requests (lower bound %s: %d member pages, %d owner, %d without-2FA, %d seat pages, %d GraphQL queries for %s people, 1 installation token) in %s\n",
		benchkit.Commas(requests), benchkit.Commas(bound), pages(members), pages(owners), pages(no2FA), pages(seatCount), pages(lookedUp),
		benchkit.Commas(lookedUp), first.Round(time.Millisecond))
	for _, ep := range []string{githubtest.EndpointMembers, githubtest.EndpointCopilotSeats, githubtest.EndpointGraphQL, githubtest.EndpointAppToken} {
		say("  %-22s %s\n", ep, benchkit.Commas(emu.Requests(ep)))
	}

	emu.ResetCounters()
	start = time.Now()
	if _, err := syncer.Sync(ctx); err != nil {
		return err
	}
	second := time.Since(start)
	say("second sync (nothing changed; GitHub has no change feed, so it reads everything again): %s requests in %s\n",
		benchkit.Commas(emu.TotalRequests()), second.Round(time.Millisecond))

	raw, err := store.EncodeSnapshot(res.Snapshot)
	if err != nil {
		return err
	}
	p := wiring.GitHubSeatPolicy(config.DefaultPolicy())
	sum := seats.Evaluate(res.Snapshot, p, time.Now()).Summary
	say("snapshot: %s staff, %s stored\n", benchkit.Commas(len(res.Snapshot.Staff)), benchkit.BytesText(uint64(len(raw))))
	say("seats: %s paid, %s/month; %s inactive for %d+ days (%s/month)\n", benchkit.Commas(sum.Paid.Seats), seats.Money(sum.Paid.Cost, p.Pricing.Currency),
		benchkit.Commas(sum.Inactive.Seats), sum.InactivityDays, seats.Money(sum.Inactive.Cost, p.Pricing.Currency))
	say("peak RSS: %s\n", benchkit.BytesText(benchkit.MaxRSS()))
	// The bot paces at requests_per_hour with a tenth of it as a burst
	// (cmd/seatwarden); requests beyond the burst wait their turn.
	perHour := config.DefaultPolicy().GitHub.RequestsPerHour
	burst := perHour / 10
	paced := time.Duration(max(0, requests-burst)) * time.Hour / time.Duration(perHour)
	say("at the default pace of %s requests an hour with a burst of %s (under GitHub's 5,000): %s of waiting per sync, %.0f%% of an hour's budget\n",
		benchkit.Commas(perHour), benchkit.Commas(burst), paced.Round(time.Second), 100*float64(requests)/5000)

	ok := len(res.Snapshot.Staff) == members && held == seatCount && requests <= bound
	say("\n%s staff = members, seats held = seats generated, requests within the lower bound\n", benchkit.Verdict(ok))
	if !ok {
		return fmt.Errorf("a check failed: staff %d (want %d), seats %d (want %d), requests %d (bound %d)", len(res.Snapshot.Staff), members, held, seatCount, requests, bound)
	}
	return nil
}
