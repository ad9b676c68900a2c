package commands

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/prompts"
)

// postureCommands is `posture`: the account's security posture at a
// glance, each finding with the command that fixes it.
type postureCommands struct {
	d     Deps
	seats *seatCommands
}

func (pc *postureCommands) definitions() []Definition {
	return []Definition{{
		Name:  "posture",
		Usage: "posture",
		Description: "The account's security posture: standing admins and how many are just in time, admins without two-factor authentication, " +
			"inactive paid seats and their cost, people who left still holding seats, API tokens left before Zendesk's shutdown and OAuth clients that may write, each with the command that fixes it.",
		Examples: []string{"posture"},
		Access:   Admins,
		Handler:  pc.handle,
	}}
}

func (pc *postureCommands) handle(ctx context.Context, c *Call) (bot.Message, error) {
	if len(c.Args) > 0 {
		return bot.Message{}, Invalidf("posture takes no arguments").WithExample("posture")
	}
	p := prompts.Posture{Command: pc.d.Command, Directory: pc.d.Directory != nil}
	leavers, err := pc.leavers(ctx)
	if err != nil {
		return bot.Message{}, err
	}
	grants, err := pc.liveGrants(ctx)
	if err != nil {
		return bot.Message{}, err
	}
	for _, g := range pc.seats.governed {
		part := prompts.PostureSaaS{SaaS: g.Connector, Currency: g.Policy.Pricing.Currency}
		v, err := pc.seats.loadOf(ctx, g, c.Now)
		var ce *Error
		switch {
		case errors.As(err, &ce) && ce.Code == Unavailable:
		case err != nil:
			return bot.Message{}, err
		default:
			part.Synced = true
			part.Inactive = v.report.Summary.Inactive
			for _, m := range v.snap.Staff {
				if m.Suspended {
					continue
				}
				if m.Privileged && !grants[g.Connector][m.ID] {
					part.Admins++ // standing: no grant ends it
				}
				if (m.Privileged || grants[g.Connector][m.ID]) && !m.TwoFactor {
					part.NoMFA = append(part.NoMFA, m.Email)
				}
				if _, left := leavers[people.Key(m.Email)]; left && m.Free == "" {
					part.Departed = append(part.Departed, m.Email)
				}
			}
			// A grant's holder is an admin until it ends, whether or not
			// the last sync saw the role.
			part.JustInTime = len(grants[g.Connector])
			part.Admins += part.JustInTime
			slices.Sort(part.NoMFA)
			slices.Sort(part.Departed)
		}
		p.SaaS = append(p.SaaS, part)
	}
	if svc := pc.d.Credentials; svc != nil {
		ev, err := svc.Evaluate(ctx)
		if err != nil {
			return bot.Message{}, err
		}
		p.Tokens = true
		p.DaysLeft = int(credentials.APITokenRetirement.Sub(c.Now).Hours() / 24)
		for _, it := range ev.Items {
			if !it.Present || !it.Active {
				continue
			}
			switch {
			case it.Kind == credentials.APIToken:
				p.TokensLeft++
			case it.Kind == credentials.OAuthClient && slices.ContainsFunc(it.Scopes, writes):
				p.WriteClients++
			}
		}
	}
	return prompts.PostureReport(p), nil
}

// writes reports whether an OAuth scope lets its tokens change things:
// "write", or a resource's ("users:write").
func writes(scope string) bool {
	return scope == "write" || strings.HasSuffix(scope, ":write")
}

// leavers are the emails of people the directory says left; nil without
// a directory or before its first read.
func (pc *postureCommands) leavers(ctx context.Context) (map[string]time.Time, error) {
	if pc.d.Directory == nil {
		return nil, nil
	}
	snap, err := pc.d.Directory.Load(ctx)
	if errors.Is(err, directory.ErrNoDirectory) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return snap.Leavers(), nil
}

// liveGrants are the members holding a just-in-time grant now, by SaaS.
func (pc *postureCommands) liveGrants(ctx context.Context) (map[string]map[int64]bool, error) {
	out := map[string]map[int64]bool{}
	if pc.d.Access == nil {
		return out, nil
	}
	grants, err := pc.d.Access.List(ctx)
	if err != nil {
		return nil, err
	}
	saas := connector.OrZendesk(pc.d.Access.SaaS)
	out[saas] = map[int64]bool{}
	for _, g := range grants {
		if g.State == access.Active {
			out[saas][g.UserID] = true
		}
	}
	return out, nil
}
