package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/seatwarden/seatwarden/commands"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// newGitHubClient builds the GitHub client from the environment. A private
// key that is not a PEM RSA key is an error naming the variable.
func newGitHubClient(cfg *config.Config, log *slog.Logger) (*github.Client, error) {
	g := cfg.GitHub
	var auth github.Authenticator
	if g.App() {
		key, err := github.ParseAppPrivateKey([]byte(g.AppPrivateKey.Value()))
		if err != nil {
			return nil, fmt.Errorf("GITHUB_APP_PRIVATE_KEY_FILE: %w", err)
		}
		auth = github.AppAuth(github.App{AppID: g.AppID, InstallationID: g.AppInstallationID, PrivateKey: key})
	} else {
		if !g.Token.IsSet() {
			return nil, errors.New("no GitHub credentials: set GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and GITHUB_APP_PRIVATE_KEY_FILE (preferred), or GITHUB_TOKEN")
		}
		auth = github.TokenAuth(g.Token.Value())
	}
	perHour := cfg.Policy.GitHub.RequestsPerHour
	return github.New(github.Config{
		BaseURL:    g.APIURL,
		Org:        g.Org,
		HTTPClient: &http.Client{Timeout: 30 * time.Second},
		Auth:       auth,
		// A tenth of the hour's budget may go at once, so an ordinary
		// sync (a few hundred requests) is not slowed at all, while any
		// hour stays within requests_per_hour * 1.1: 4,950 at the
		// default 4,500, under GitHub's 5,000.
		RequestsPerSecond: float64(perHour) / float64(time.Hour/time.Second),
		Burst:             max(1, perHour/10),
		Logger:            log,
	})
}

// gitHubConnector is the organisation with the policy's remove action.
func gitHubConnector(cfg *config.Config, client *github.Client, log *slog.Logger) github.Connector {
	return github.Connector{Client: client, Logger: log,
		RemoveMember: cfg.Policy.GitHub.RemoveAction == config.GitHubRemoveRemoveMember}
}

// gitHubSyncer keeps the organisation's seat snapshot, beside Zendesk's.
func gitHubSyncer(cfg *config.Config, c github.Connector, st store.Store, now func() time.Time, log *slog.Logger) *seats.Syncer {
	return &seats.Syncer{Source: c, Store: st, Connector: connector.GitHub, Account: cfg.GitHub.Org, Now: now, Logger: log}
}

// governedBesideZendesk lists the SaaS the commands answer for besides
// Zendesk.
func governedBesideZendesk(cfg *config.Config, review *jobs.Reviews, register *jobs.Tokens) []commands.Governed {
	if !cfg.GitHub.Enabled() {
		return nil
	}
	p := cfg.Policy
	g := commands.Governed{Connector: connector.GitHub, Policy: wiring.GitHubSeatPolicy(p), Owners: wiring.GitHubOwners(p)}
	if review != nil {
		g.Reviews, g.Owners = review.Service, review.Owners
	}
	if register != nil {
		g.Credentials = register.Service
	}
	return []commands.Governed{g}
}

// newGitHubReviewJobs wires the review of Copilot seats: its own records,
// GitHub's seat rules and owners, the review's timings.
func newGitHubReviewJobs(cfg *config.Config, st store.Store, gh github.Connector, holder string, now func() time.Time, log *slog.Logger) *jobs.Reviews {
	p := cfg.Policy
	svc := &reviews.Service{Records: st, Audit: st, Connector: connector.GitHub, Seats: gh, Policy: wiring.GitHubReviewPolicy(p),
		Now: now, Holder: holder, Logger: log}
	return reviewJobs(p, st, svc, wiring.GitHubSeatPolicy(p), wiring.GitHubOwners(p), log)
}
