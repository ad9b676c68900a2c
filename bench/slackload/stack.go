package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	slackgo "github.com/slack-go/slack"

	slackbot "github.com/seatwarden/seatwarden/bot/slack"
	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/commands"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/server"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/telemetry"
)

// The Slack side of the run: one workspace, one admin asking.
const (
	signingSecret = "slackload-signing-secret"
	slackTeamID   = "T0BENCH"
	slackUserID   = "U0BENCHADMIN"
	slackUserName = "bench.admin"
)

// commandPath is where both servers take slash commands.
const commandPath = "/slack/commands"

// benchPolicy is the default policy with two group owners, so the
// summary's ownership section has work to do. The caller adds the asker to
// Admins once seeding has named them.
func benchPolicy() config.Policy {
	p := config.DefaultPolicy()
	p.Owners = []config.Owner{{Group: "Tier 2", Owner: "tier2.lead@acme.example"}, {Group: "Billing", Owner: "billing.lead@acme.example"}}
	return p
}

// fullStack is the bot's HTTP surface wired as `seatwarden serve` wires it
// for Slack over HTTP with Redis: the operational mux, the Slack adapter,
// the command router, the store wrapped for the latency metric.
type fullStack struct {
	srv     *server.Server
	adapter *slackbot.Adapter
	slack   *slacktest.Server
	sink    *httptest.Server
	// posts counts replies that went to response_url instead of the HTTP
	// response (the answer took longer than the adapter's ack budget).
	posts atomic.Int64
	done  chan error
}

func startFullStack(raw store.Store, policy config.Policy, askerEmail string, log *slog.Logger) (*fullStack, error) {
	f := &fullStack{done: make(chan error, 1)}
	f.slack = slacktest.NewServer(
		slacktest.WithTeam(slackTeamID, "Acme Support"),
		slacktest.WithUser(slacktest.User{ID: slackUserID, Name: slackUserName, RealName: "Bench Admin", Email: askerEmail}),
	)
	f.sink = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		f.posts.Add(1)
		w.WriteHeader(http.StatusOK)
	}))

	metrics := telemetry.New()
	st := store.Instrument(raw, metrics.ObserveStore)
	router, err := commands.New(commands.Deps{
		Snapshots: st,
		Audit:     st,
		Policy:    wiring.SeatPolicy(policy),
		Admins:    policy.Admins,
		Owners:    wiring.SeatOwners(policy),
		Command:   policy.Command,
		Now:       time.Now,
		Logger:    log,
	})
	if err != nil {
		f.close(context.Background())
		return nil, err
	}
	f.adapter, err = slackbot.New(slackbot.Options{
		SigningSecret: signingSecret,
		API: slackgo.New(slacktest.DefaultBotToken,
			slackgo.OptionAPIURL(f.slack.APIURL()),
			slackgo.OptionHTTPClient(&http.Client{Timeout: 15 * time.Second}),
			slackgo.OptionRetry(3)),
		Handler:         router,
		Dedupe:          st,
		Users:           st,
		Logger:          log,
		ResponseOrigins: []string{f.slack.URL},
	})
	if err != nil {
		f.close(context.Background())
		return nil, err
	}
	mux := server.NewMux(server.Options{
		Ready:   []server.Check{{Name: "store", Run: st.Ping}},
		Metrics: metrics.Handler(),
		Logger:  log,
	})
	f.adapter.Register(mux)
	if f.srv, err = server.Listen("127.0.0.1:0", mux, log); err != nil {
		f.close(context.Background())
		return nil, err
	}
	go func() { f.done <- f.srv.Serve() }()
	return f, nil
}

func (f *fullStack) url() string { return "http://" + f.srv.Addr() + commandPath }

// close stops the server, then lets the adapter finish replies it already
// took, until ctx ends.
func (f *fullStack) close(ctx context.Context) error {
	var errs []error
	if f.srv != nil {
		errs = append(errs, f.srv.Shutdown(ctx), <-f.done)
	}
	if f.adapter != nil {
		errs = append(errs, f.adapter.Close(ctx))
	}
	if f.sink != nil {
		f.sink.Close()
	}
	if f.slack != nil {
		f.slack.Close()
	}
	return errors.Join(errs...)
}

// maxBody is Slack's ceiling on a payload, as the adapter applies it.
const maxBody = 1 << 20

// bareHandler does what every Slack request costs before any bot logic:
// read the body, verify the signature, answer 200.
func bareHandler(secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, "cannot read request body", http.StatusBadRequest)
			return
		}
		sv, err := slackgo.NewSecretsVerifier(r.Header, secret)
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		if err != nil {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// bareStack serves bareHandler on a server configured like the bot's.
type bareStack struct {
	srv  *server.Server
	done chan error
}

func startBare(log *slog.Logger) (*bareStack, error) {
	mux := http.NewServeMux()
	mux.Handle("POST "+commandPath, bareHandler(signingSecret))
	srv, err := server.Listen("127.0.0.1:0", mux, log)
	if err != nil {
		return nil, err
	}
	b := &bareStack{srv: srv, done: make(chan error, 1)}
	go func() { b.done <- srv.Serve() }()
	return b, nil
}

func (b *bareStack) url() string { return "http://" + b.srv.Addr() + commandPath }

func (b *bareStack) close(ctx context.Context) error {
	return errors.Join(b.srv.Shutdown(ctx), <-b.done)
}
