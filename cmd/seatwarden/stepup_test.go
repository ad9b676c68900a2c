package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/commands"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/integrations/oidc/oidctest"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/stepup"
)

// TestStepUpCarriesOutWhatItWasFor: once a sign-in is accepted, the
// decision it was for is carried out by whichever service owns it: a
// seat's Remove in Zendesk, a credential's revoke.
func TestStepUpCarriesOutWhatItWasFor(t *testing.T) {
	envs, emu := zendeskEnv(t)
	idp := oidctest.NewServer(oidctest.WithClient("seatwarden", "s3cret", "https://bot.example.com/stepup/callback"))
	t.Cleanup(idp.Close)
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("admins: [dana@acme.example]\nowners:\n  - default: dana@acme.example\nstep_up:\n  for: [seat_remove, credential_revoke]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"SEATWARDEN_CONFIG": policy, "SEATWARDEN_OIDC_ISSUER": idp.URL, "SEATWARDEN_OIDC_CLIENT_ID": "seatwarden",
		"SEATWARDEN_OIDC_CLIENT_SECRET": "s3cret", "SEATWARDEN_PUBLIC_URL": "https://bot.example.com"} {
		envs[k] = v
	}
	cfg, err := config.Load(config.LoadOptions{Getenv: func(k string) string { return envs[k] }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, job := range []string{"sync", "inactive-digest"} {
		def, err := a.jobs.Lookup(job)
		if err != nil {
			t.Fatal(err)
		}
		_ = def.Run(ctx, time.Now()) // the digest has no chat to go to; the review opens
	}
	done := a.stepUp.pages(a).Done
	accept := func(kind, target string) (string, error) {
		c, err := a.stepUp.service.Begin(ctx, "dana@acme.example", stepup.Action{Kind: kind, Target: target})
		if err != nil {
			t.Fatal(err)
		}
		return done(ctx, c)
	}

	period := reviews.PeriodOf(time.Now(), cfg.Policy.Location())
	tom, _ := emu.UserByEmail("tom@acme.example")
	msg, err := accept(commands.StepUpSeatRemove, prompts.SeatValue("", period, tom.ID))
	if err != nil || !strings.Contains(msg, "removed Tom Reilly's seat") {
		t.Fatalf("seat remove: %q, %v", msg, err)
	}
	if u, _ := emu.UserByEmail("tom@acme.example"); u.Role != zendesk.RoleEndUser {
		t.Errorf("Tom is %s in Zendesk after the removal", u.Role)
	}

	if err := a.tokens.Inventory(ctx); err != nil {
		t.Fatal(err)
	}
	msg, err = accept(commands.StepUpCredentialRevoke, prompts.TokenValue("", "oauth-token:880004"))
	if err != nil || !strings.Contains(msg, "revoked") {
		t.Fatalf("revoke: %q, %v", msg, err)
	}
	if got := emu.RevokedOAuthTokens(); len(got) != 1 || got[0] != 880004 {
		t.Errorf("Zendesk revoked %v", got)
	}
	if _, err := accept("teleport", "x"); err == nil {
		t.Error("an unknown step-up kind was carried out")
	}
}
