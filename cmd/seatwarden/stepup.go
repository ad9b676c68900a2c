package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/commands"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/integrations/oidc"
	"github.com/seatwarden/seatwarden/internal/prose"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
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

// pages serves the step-up pages; an accepted sign-in carries out the
// decision it was for, as re-authenticated.
func (s *stepUpWiring) pages(a *app) *stepuppage.Handler {
	return &stepuppage.Handler{Service: s.service, Provider: s.provider, Logger: s.log,
		Done: func(ctx context.Context, c stepup.Challenge) (string, error) {
			admin := s.cfg.Policy.IsAdmin(c.Who)
			switch c.Action.Kind {
			case commands.StepUpApprove:
				return s.approve(ctx, a, c, admin)
			case commands.StepUpSeatRemove:
				return s.removeSeat(ctx, a, c, admin)
			case commands.StepUpCredentialRevoke:
				return s.revoke(ctx, a, c, admin)
			}
			return "", fmt.Errorf("this sign-in was for %q, which this version does not carry out", c.Action.Kind)
		}}
}

func (s *stepUpWiring) approve(ctx context.Context, a *app, c stepup.Challenge, admin bool) (string, error) {
	r, err := a.approvals.Service.ApproveReauthenticated(ctx, c.Action.Target, approvals.Actor{Email: c.Who, Admin: admin})
	if err != nil {
		return "", fmt.Errorf("the approval of %s was not recorded: %w", c.Action.Target, err)
	}
	a.approvalChanged(ctx, r.ID)
	if r.State == approvals.Approved {
		return fmt.Sprintf("You signed in again and approved %s: that makes %d of %d, and it is approved.", r.ID, len(r.Approvals), r.Required()), nil
	}
	return fmt.Sprintf("You signed in again and approved %s (%d of %d).", r.ID, len(r.Approvals), r.Required()), nil
}

// removeSeat removes the seat a review's button named, in whichever
// review (seat or privilege, Zendesk or another SaaS) it belongs to.
func (s *stepUpWiring) removeSeat(ctx context.Context, a *app, c stepup.Challenge, admin bool) (string, error) {
	saas, period, userID, ok := prompts.ParseSeatValue(c.Action.Target)
	if !ok {
		return "", fmt.Errorf("the seat %q is not one a review names", c.Action.Target)
	}
	var r *jobs.Reviews
	for _, p := range append(append([]*jobs.Reviews{a.reviews}, a.reviews.Also...), a.privilege) {
		if p != nil && p.Service.Privilege == reviews.Quarterly.Valid(period) && connector.OrZendesk(p.Service.Connector) == saas {
			r = p
		}
	}
	if r == nil {
		return "", fmt.Errorf("no review here holds %s", c.Action.Target)
	}
	it, err := r.Service.Decide(ctx, reviews.Input{Period: period, UserID: userID, Decision: reviews.Remove,
		Actor: reviews.Actor{Email: c.Who, Admin: admin}, Reauthenticated: true})
	if err != nil {
		return "", fmt.Errorf("the removal was not recorded: %w", err)
	}
	a.reviewChanged(ctx, saas, period, bot.MessageRef{}, it.Owner)
	return fmt.Sprintf("You signed in again and removed %s's seat; the digest shows it.", cmp.Or(it.Seat.Name, it.Seat.Email)), nil
}

// revoke revokes the credential a register's button named.
func (s *stepUpWiring) revoke(ctx context.Context, a *app, c stepup.Challenge, admin bool) (string, error) {
	_, saas, id, ok := prompts.ParseTokenValue(c.Action.Target)
	if !ok {
		return "", fmt.Errorf("the credential %q is not one a register names", c.Action.Target)
	}
	for _, t := range a.tokenRegisters() {
		if connector.OrZendesk(t.Service.SaaS) != connector.OrZendesk(saas) {
			continue
		}
		it, outcome, err := t.Service.Revoke(ctx, id, credentials.Actor{Email: c.Who, Admin: admin, Reauthenticated: true})
		if err != nil {
			return "", fmt.Errorf("the revoke was not carried out: %w", err)
		}
		if line := (prompts.Register{SaaS: saas}).RevokeLine(it, outcome); line != "" {
			return prose.Sentence(line), nil
		}
		return fmt.Sprintf("You signed in again and revoked %s.", it.Name), nil
	}
	return "", fmt.Errorf("no register here holds %s", c.Action.Target)
}
