package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
	"github.com/seatwarden/seatwarden/integrations/googledir/googletest"
	"github.com/seatwarden/seatwarden/integrations/graph/graphtest"
	"github.com/seatwarden/seatwarden/integrations/okta/oktatest"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

// emulateCmd serves an emulated Zendesk account, so an operator can point a
// real `serve` or `doctor` at it, and the sync benchmark can measure the bot
// in a process of its own.
func emulateCmd(ctx context.Context, args []string, e env) error {
	if len(args) > 0 && args[0] == "github" {
		return emulateGitHub(ctx, args[1:], e)
	}
	if len(args) > 0 && args[0] == "okta" {
		return emulateOkta(ctx, args[1:], e)
	}
	if len(args) > 0 && args[0] == "graph" {
		return emulateGraph(ctx, args[1:], e)
	}
	if len(args) > 0 && args[0] == "google" {
		return emulateGoogle(ctx, args[1:], e)
	}
	if len(args) == 0 || args[0] != "zendesk" {
		fmt.Fprintln(e.stderr, "Usage: seatwarden emulate zendesk [--addr 127.0.0.1:8081] [--users N] [--seed N] [--staff-share F] [--end-users N]")
		fmt.Fprintln(e.stderr, "       seatwarden emulate github [--addr 127.0.0.1:8082] [--members N --seats N]")
		fmt.Fprintln(e.stderr, "       seatwarden emulate okta [--addr 127.0.0.1:8083] [--people N]")
		fmt.Fprintln(e.stderr, "       seatwarden emulate graph [--people N]")
		fmt.Fprintln(e.stderr, "       seatwarden emulate google --key FILE [--people N]")
		return errUsage
	}
	fs := newFlags("emulate zendesk", "emulate zendesk [flags]\n\nServes an emulated Zendesk account with the real API shapes.", e)
	addr := fs.String("addr", "127.0.0.1:8081", "listen address")
	users := fs.Int("users", 0, "generate an account with this many users (0: the small sample account)")
	seed := fs.Uint64("seed", 1, "seed of the generated account")
	clientID := fs.String("client-id", "seatwarden", "OAuth client identifier the emulator accepts")
	clientSecret := fs.String("client-secret", "emulator-secret", "that client's secret")
	perMinute := fs.Int("export-per-minute", 0, "limit export requests per minute like Zendesk does (0: unlimited)")
	staffShare := fs.Float64("staff-share", 0, "the share of generated users who are staff, 0 to 1 (0: 4%, a typical help desk)")
	endUsers := fs.Int("end-users", 0, "end users more, generated as requests need them rather than stored (millions cost no memory)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	switch {
	case *users < 0:
		fmt.Fprintln(e.stderr, "seatwarden emulate zendesk: --users must be 0 or more, e.g. --users 100000")
		return errUsage
	case *staffShare < 0 || *staffShare > 1:
		fmt.Fprintln(e.stderr, "seatwarden emulate zendesk: --staff-share must be between 0 and 1, e.g. --staff-share 0.04")
		return errUsage
	case *endUsers < 0:
		fmt.Fprintln(e.stderr, "seatwarden emulate zendesk: --end-users must be 0 or more, e.g. --end-users 2000000")
		return errUsage
	}

	now := time.Now()
	start := time.Now()
	org := zendesktest.SampleOrg(now)
	if *users > 0 {
		org = zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: *users, Seed: *seed, Now: now, StaffShare: *staffShare})
	}
	staff := 0
	for _, u := range org.Users {
		if u.Active && u.Role != zendesk.RoleEndUser {
			staff++
		}
	}
	emu := zendesktest.NewServer(org,
		zendesktest.WithOAuthClient(*clientID, *clientSecret, true), zendesktest.WithEndUsers(*endUsers),
		zendesktest.WithLimits(zendesktest.Limits{ExportPerMinute: *perMinute, UserUpdatePerMinute: zendesktest.DefaultLimits.UserUpdatePerMinute}))
	defer emu.Close()

	return serveEmulator(ctx, *addr, emu, func(url string) {
		fmt.Fprintf(e.stdout, "Zendesk emulator: account %q with %d users (%d staff, %d generated end users more), %d groups, %d group memberships, %d custom roles; ready in %s at %s\n",
			org.Subdomain, len(org.Users), staff, *endUsers, len(org.Groups), len(org.Memberships), len(org.CustomRoles), time.Since(start).Round(time.Millisecond), url)
		fmt.Fprintf(e.stdout, "  export ZENDESK_URL=%s ZENDESK_OAUTH_CLIENT_ID=%s ZENDESK_OAUTH_CLIENT_SECRET=%s\n", url, *clientID, *clientSecret)
		fmt.Fprintln(e.stdout, "Press Ctrl-C to stop.")
	})
}

// serveEmulator serves an emulator on addr until ctx ends (Ctrl-C),
// after announce has told the operator where it is.
func serveEmulator(ctx context.Context, addr string, emu http.Handler, announce func(url string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	announce("http://" + ln.Addr().String())
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

// emulateGitHub serves an emulated GitHub organisation. It accepts an
// owner's token and, with --app-key, seatwarden's GitHub App: it writes a
// fresh private key there and prints the App's variables.
func emulateGitHub(ctx context.Context, args []string, e env) error {
	fs := newFlags("emulate github", "emulate github [flags]\n\nServes an emulated GitHub organisation with the real API shapes.", e)
	addr := fs.String("addr", "127.0.0.1:8082", "listen address")
	members := fs.Int("members", 0, "generate an organisation with this many members (0: the small sample org)")
	seatCount := fs.Int("seats", 0, "Copilot seats of a generated organisation")
	seed := fs.Uint64("seed", 1, "seed of the generated organisation")
	token := fs.String("token", "ghp_emulator_owner_token", "owner's token the emulator accepts")
	appKey := fs.String("app-key", "", "write a private key for seatwarden's GitHub App to this file and accept the App")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *members < 0 || *seatCount < 0 || (*members == 0 && *seatCount > 0) {
		fmt.Fprintln(e.stderr, "seatwarden emulate github: --members and --seats must be 0 or more, and --seats needs --members, e.g. --members 20000 --seats 5000")
		return errUsage
	}
	start := time.Now()
	org := githubtest.SampleOrg(start)
	if *members > 0 {
		org = githubtest.Generate(*members, *seatCount, *seed, start)
	}
	owner := ""
	for _, m := range org.Members {
		if m.Role == github.RoleAdmin {
			owner = m.Login
			break
		}
	}
	opts := []githubtest.Option{githubtest.WithToken(*token, owner)}
	if *appKey != "" {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return err
		}
		pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
		if err := os.WriteFile(*appKey, pemKey, 0o600); err != nil {
			return fmt.Errorf("write the App key: %w", err)
		}
		opts = append(opts, githubtest.WithApp(githubtest.AppRegistration{AppID: githubtest.SeatwardenAppID,
			InstallationID: githubtest.SeatwardenInstallationID, PublicKey: &key.PublicKey}))
	}
	emu := githubtest.NewServer(org, opts...)
	defer emu.Close()

	return serveEmulator(ctx, *addr, emu, func(url string) {
		fmt.Fprintf(e.stdout, "GitHub emulator: organisation %q with %d members, %d Copilot seats, %d fine-grained tokens, %d app installations; ready in %s at %s\n",
			org.Login, len(org.Members), len(org.CopilotSeats), len(org.Tokens), len(org.Installations), time.Since(start).Round(time.Millisecond), url)
		fmt.Fprintf(e.stdout, "  export GITHUB_API_URL=%s GITHUB_ORG=%s GITHUB_TOKEN=%s\n", url, org.Login, *token)
		if *appKey != "" {
			fmt.Fprintf(e.stdout, "  or as the App: export GITHUB_API_URL=%s GITHUB_ORG=%s GITHUB_APP_ID=%d GITHUB_APP_INSTALLATION_ID=%d GITHUB_APP_PRIVATE_KEY_FILE=%s\n",
				url, org.Login, githubtest.SeatwardenAppID, githubtest.SeatwardenInstallationID, *appKey)
		}
		fmt.Fprintln(e.stdout, "Press Ctrl-C to stop.")
	})
}

// emulateOkta serves an emulated Okta org as the identity source.
func emulateOkta(ctx context.Context, args []string, e env) error {
	fs := newFlags("emulate okta", "emulate okta [flags]\n\nServes an emulated Okta org's users API with the real shapes and rate-limit headers.", e)
	addr := fs.String("addr", "127.0.0.1:8083", "listen address")
	people := fs.Int("people", 200, "people in the org, a tenth of them deactivated")
	perMinute := fs.Int("per-minute", oktatest.DefaultRateLimit, "users-list requests per minute before 429 (0: unlimited)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *people < 0 || *perMinute < 0 {
		fmt.Fprintln(e.stderr, "seatwarden emulate okta: --people and --per-minute must be 0 or more, e.g. --people 50000")
		return errUsage
	}
	start := time.Now()
	emu := oktatest.NewServer(oktatest.WithUsers(oktatest.Generated(*people, start)...), oktatest.WithRateLimit(*perMinute))
	defer emu.Close()
	return serveEmulator(ctx, *addr, emu, func(url string) {
		fmt.Fprintf(e.stdout, "Okta emulator: org with %d people; ready in %s at %s\n", *people, time.Since(start).Round(time.Millisecond), url)
		fmt.Fprintf(e.stdout, "  export OKTA_ORG_URL=%s OKTA_API_TOKEN=%s\n", url, oktatest.DefaultToken)
		fmt.Fprintln(e.stdout, "Press Ctrl-C to stop.")
	})
}

// emulateGraph serves an emulated Entra ID tenant through Microsoft
// Graph's users delta query, on a loopback port of its own.
func emulateGraph(ctx context.Context, args []string, e env) error {
	fs := newFlags("emulate graph", "emulate graph [flags]\n\nServes an emulated Entra ID tenant (Microsoft Graph users delta and the token endpoint) on a free loopback port.", e)
	people := fs.Int("people", 200, "people in the tenant, a tenth of them disabled")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *people < 0 {
		fmt.Fprintln(e.stderr, "seatwarden emulate graph: --people must be 0 or more, e.g. --people 50000")
		return errUsage
	}
	start := time.Now()
	emu := graphtest.NewServer(graphtest.Generated(*people)...)
	defer emu.Close()
	fmt.Fprintf(e.stdout, "Graph emulator: tenant with %d people; ready in %s at %s\n", *people, time.Since(start).Round(time.Millisecond), emu.URL)
	fmt.Fprintf(e.stdout, "  export GRAPH_TENANT_ID=%s GRAPH_CLIENT_ID=%s GRAPH_CLIENT_SECRET=%s GRAPH_API_URL=%s GRAPH_TOKEN_URL=%s\n",
		graphtest.Tenant, graphtest.ClientID, graphtest.ClientSecret, emu.APIURL(), emu.TokenURL())
	fmt.Fprintln(e.stdout, "Press Ctrl-C to stop.")
	<-ctx.Done()
	return nil
}

// emulateGoogle serves an emulated Google Workspace directory and writes
// the service account's key, which only this emulator accepts, to --key.
func emulateGoogle(ctx context.Context, args []string, e env) error {
	fs := newFlags("emulate google", "emulate google --key FILE [flags]\n\nServes an emulated Google Workspace directory (users.list and the token endpoint) on a free loopback port.", e)
	people := fs.Int("people", 200, "people in the account, a tenth of them suspended")
	keyFile := fs.String("key", "", "write the service account's JSON key to this file (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *people < 0 || *keyFile == "" {
		fmt.Fprintln(e.stderr, "seatwarden emulate google: --key is required and --people must be 0 or more, e.g. --key /tmp/google-key.json --people 50000")
		return errUsage
	}
	start := time.Now()
	emu := googletest.NewServer(googletest.Generated(*people)...)
	defer emu.Close()
	if err := os.WriteFile(*keyFile, emu.KeyJSON(), 0o600); err != nil {
		return fmt.Errorf("write the key: %w", err)
	}
	fmt.Fprintf(e.stdout, "Google Workspace emulator: account with %d people; ready in %s at %s\n", *people, time.Since(start).Round(time.Millisecond), emu.URL)
	fmt.Fprintf(e.stdout, "  export GOOGLE_CREDENTIALS_FILE=%s GOOGLE_ADMIN_EMAIL=%s GOOGLE_API_URL=%s\n", *keyFile, googletest.Admin, emu.URL)
	fmt.Fprintln(e.stdout, "Press Ctrl-C to stop.")
	<-ctx.Done()
	return nil
}
