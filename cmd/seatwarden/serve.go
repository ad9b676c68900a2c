package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/server"
	"github.com/seatwarden/seatwarden/store"
)

// shutdownGrace bounds how long a stopping bot waits for in-flight requests
// and running jobs; Kubernetes' default termination grace is 30s.
const shutdownGrace = 25 * time.Second

func serveCmd(ctx context.Context, args []string, e env) error {
	fs := newFlags("serve", "serve\n\nRuns the bot: the Slack, Teams and step-up endpoints, /healthz, /readyz and /metrics, and the job\nscheduler. On SIGTERM or SIGINT it stops taking requests, lets running work finish, releases its\njob locks and exits 0.", e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.serve(ctx, a.cfg.Addr, nil)
}

// serve runs the HTTP server and the scheduler until ctx ends, then stops
// taking requests, lets in-flight work finish and releases job locks.
// ready, if set, is called with the bound address once requests are served.
func (a *app) serve(ctx context.Context, addr string, ready func(addr string)) error {
	sched := jobs.NewScheduler(a.cfg.Policy.Location(), a.runner, a.log)
	for _, def := range a.jobs.Definitions() {
		if err := sched.Add(a.cfg.Policy.Schedules[def.Name], def); err != nil {
			return err
		}
	}
	srv, err := server.Listen(addr, a.handler(), a.log)
	if err != nil {
		return err
	}
	if a.cfg.DebugAddr != "" {
		_, stopProfiler, err := startProfiler(a.cfg.DebugAddr, a.log)
		if err != nil {
			_ = srv.Shutdown(ctx)
			return err
		}
		defer func() { _ = stopProfiler(context.WithoutCancel(ctx)) }()
	}

	served := make(chan error, 2)
	go func() { served <- srv.Serve() }()
	socketCtx, stopSocket := context.WithCancel(ctx)
	defer stopSocket()
	if a.slack != nil && a.cfg.Slack.SocketMode() {
		go a.runSocketMode(socketCtx, served)
	}
	sched.Start()
	streamCtx, stopStream := context.WithCancel(ctx)
	defer stopStream()
	streamed := make(chan struct{})
	if a.auditStream != nil {
		go func() {
			defer close(streamed)
			_ = a.auditStream.Run(streamCtx)
		}()
		a.log.Info("audit trail streamed", slog.String("sink", a.auditStream.Sink.Name()))
	} else {
		close(streamed)
	}
	a.log.Info("seatwarden serving", slog.String("addr", srv.Addr()), slog.String("store", a.store.Backend()),
		slog.String("zendesk", a.cfg.Zendesk.URL), slog.String("version", version))
	a.syncIfNoSnapshot(ctx, sched)
	// Zendesk changes a crash left pending, and digests it left unsent,
	// are finished now rather than at the next hourly run; a change the
	// previous process was making when it died is still leased for a few
	// seconds, so the run is repeated once that lease has passed.
	if def, err := a.jobs.Lookup(jobs.NameReminders); err == nil {
		sched.RunNow(def)
		sched.RunAfter(def, reviews.ChangeLease)
	}
	// Grants end on time, not at the next minute: after each run the job
	// asks to run again at the next end within the minute. Grants a dead
	// replica left half made are finished once their lease has passed.
	if def, err := a.jobs.Lookup(jobs.NameAccessExpiry); err == nil {
		a.access.Wake = func(d time.Duration) { sched.WakeAfter(def, d) }
		sched.RunNow(def)
		sched.RunAfter(def, access.ChangeLease(0))
	}
	// Verifications expire on time too, so the asker hears within seconds.
	if def, err := a.jobs.Lookup(jobs.NameVerifyExpiry); err == nil {
		a.verify.Wake = func(d time.Duration) { sched.WakeAfter(def, d) }
		sched.RunNow(def)
	}
	if ready != nil {
		ready(srv.Addr())
	}

	select {
	case <-ctx.Done():
		a.log.Info("shutting down: no new requests, waiting for in-flight work", slog.Duration("grace", shutdownGrace))
	case err = <-served:
		a.log.Error("stopped serving", slog.Any("error", err))
	}
	stopSocket()
	stopStream()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	select { // the stream releases its lock on the way out
	case <-streamed:
	case <-sctx.Done():
	}
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	if serr := srv.Shutdown(sctx); serr != nil {
		errs = append(errs, fmt.Errorf("HTTP shutdown: %w", serr))
	}
	if a.slack != nil {
		// Replies already accepted still go out.
		if serr := a.slack.Close(sctx); serr != nil {
			errs = append(errs, fmt.Errorf("slack replies: %w", serr))
		}
	}
	if a.teams != nil {
		if serr := a.teams.Close(sctx); serr != nil {
			errs = append(errs, fmt.Errorf("teams replies: %w", serr))
		}
	}
	if serr := sched.Stop(sctx); serr != nil {
		errs = append(errs, serr)
	}
	if len(errs) == 0 {
		a.log.Info("stopped cleanly")
	}
	return errors.Join(errs...)
}

// syncIfNoSnapshot starts a first sync in the background on a fresh (or
// unreadable) store, so seat questions have answers minutes before the
// first scheduled run. It reads only the snapshot's head: loading a large
// account's members to see whether there are any held them all at start.
func (a *app) syncIfNoSnapshot(ctx context.Context, sched *jobs.Scheduler) {
	_, err := a.store.ReadSnapshot(ctx, connector.Zendesk, nil)
	if !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrUnreadable) {
		return
	}
	def, err := a.jobs.Lookup(jobs.NameSync)
	if err != nil {
		return
	}
	a.log.Info("no seat snapshot yet: starting the first sync now")
	sched.RunNow(def)
}
