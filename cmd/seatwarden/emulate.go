package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

// emulateCmd serves an emulated Zendesk account, so an operator can point a
// real `serve` or `doctor` at it, and the sync benchmark can measure the bot
// in a process of its own.
func emulateCmd(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "zendesk" {
		fmt.Fprintln(e.stderr, "Usage: seatwarden emulate zendesk [--addr 127.0.0.1:8081] [--users N] [--seed N]")
		return errUsage
	}
	fs := newFlags("emulate zendesk", "emulate zendesk [flags]\n\nServes an emulated Zendesk account with the real API shapes.", e)
	addr := fs.String("addr", "127.0.0.1:8081", "listen address")
	users := fs.Int("users", 0, "generate an account with this many users (0: the small sample account)")
	seed := fs.Uint64("seed", 1, "seed of the generated account")
	clientID := fs.String("client-id", "seatwarden", "OAuth client identifier the emulator accepts")
	clientSecret := fs.String("client-secret", "emulator-secret", "that client's secret")
	perMinute := fs.Int("export-per-minute", 0, "limit export requests per minute like Zendesk does (0: unlimited)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *users < 0 {
		fmt.Fprintln(e.stderr, "seatwarden emulate zendesk: --users must be 0 or more, e.g. --users 100000")
		return errUsage
	}

	now := time.Now()
	start := time.Now()
	org := zendesktest.SampleOrg(now)
	if *users > 0 {
		org = zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: *users, Seed: *seed, Now: now})
	}
	emu := zendesktest.NewServer(org,
		zendesktest.WithOAuthClient(*clientID, *clientSecret, true),
		zendesktest.WithLimits(zendesktest.Limits{ExportPerMinute: *perMinute, UserUpdatePerMinute: zendesktest.DefaultLimits.UserUpdatePerMinute}))
	defer emu.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	url := "http://" + ln.Addr().String()
	fmt.Fprintf(e.stdout, "Zendesk emulator: account %q with %d users, %d groups, %d group memberships, %d custom roles; ready in %s at %s\n",
		org.Subdomain, len(org.Users), len(org.Groups), len(org.Memberships), len(org.CustomRoles), time.Since(start).Round(time.Millisecond), url)
	fmt.Fprintf(e.stdout, "  export ZENDESK_URL=%s ZENDESK_OAUTH_CLIENT_ID=%s ZENDESK_OAUTH_CLIENT_SECRET=%s\n", url, *clientID, *clientSecret)
	fmt.Fprintln(e.stdout, "Press Ctrl-C to stop.")

	select {
	case <-ctx.Done():
	case err := <-served:
		return err
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
