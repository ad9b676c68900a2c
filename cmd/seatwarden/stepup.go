package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/commands"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/integrations/oidc"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/server/stepuppage"
	"github.com/seatwarden/seatwarden/stepup"
	"github.com/seatwarden/seatwarden/store"
)

// stepUpWiring is step-up re-authentication: challenges in the store, the
// company's provider, and the links to the pages.
type stepUpWiring struct {
	cfg      *config.Config
	service  *stepup.Service
	provider *oidc.Provider
	log      *slog.Logger
}

func newStepUp(cfg *config.Config, st store.Store, now func() time.Time, log *slog.Logger) *stepUpWiring {
	return &stepUpWiring{
		cfg:     cfg,
		service: &stepup.Service{Store: st, Audit: st, Policy: wiring.StepUpPolicy(cfg.Policy), Now: now, Logger: log},
		provider: oidc.New(oidc.Config{Issuer: cfg.OIDC.Issuer, ClientID: cfg.OIDC.ClientID, ClientSecret: cfg.OIDC.ClientSecret.Value(),
			RedirectURL: cfg.PublicURL + "/stepup/callback"}),
		log: log,
	}
}

// begin starts a step-up and returns its link; nil without a provider, so
// commands say that step-up is not set up.
func (s *stepUpWiring) begin() func(ctx context.Context, who string, a stepup.Action) (string, time.Time, error) {
	if s == nil {
		return nil
	}
	return func(ctx context.Context, who string, a stepup.Action) (string, time.Time, error) {
		c, err := s.service.Begin(ctx, who, a)
		if err != nil {
			return "", time.Time{}, err
		}
		return s.cfg.PublicURL + "/stepup/" + c.ID, c.ExpiresAt, nil
	}
}

// pages serves the step-up pages; an accepted sign-in records the
// approval it was for, as re-authenticated.
func (s *stepUpWiring) pages(a *app) *stepuppage.Handler {
	return &stepuppage.Handler{Service: s.service, Provider: s.provider, Logger: s.log,
		Done: func(ctx context.Context, c stepup.Challenge) (string, error) {
			if c.Action.Kind != commands.StepUpApprove {
				return "", fmt.Errorf("this sign-in was for %q, which this version does not carry out", c.Action.Kind)
			}
			r, err := a.approvals.Service.ApproveReauthenticated(ctx, c.Action.Target, approvals.Actor{Email: c.Who, Admin: s.cfg.Policy.IsAdmin(c.Who)})
			if err != nil {
				return "", fmt.Errorf("the approval of %s was not recorded: %w", c.Action.Target, err)
			}
			a.approvalChanged(ctx, r.ID)
			if r.State == approvals.Approved {
				return fmt.Sprintf("You signed in again and approved %s: that makes %d of %d, and it is approved.", r.ID, len(r.Approvals), r.Required()), nil
			}
			return fmt.Sprintf("You signed in again and approved %s (%d of %d).", r.ID, len(r.Approvals), r.Required()), nil
		}}
}
