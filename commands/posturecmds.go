package commands

import (
	"context"
	"errors"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/posture"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
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
	byName := map[string]Governed{}
	var names []string
	for _, g := range pc.seats.governed {
		byName[g.Connector] = g
		names = append(names, g.Connector)
	}
	var roles map[string]connector.Roles
	if pc.d.CustomRoles != nil {
		roles = map[string]connector.Roles{connector.Zendesk: pc.d.CustomRoles}
	}
	r, err := posture.Gather(ctx, posture.Sources{SaaS: names, Access: pc.d.Access, Directory: pc.d.Directory, Credentials: pc.d.Credentials,
		Approvals: pc.d.Approvals, Roles: roles, MFARequired: pc.d.MFARequired, Location: pc.d.Policy.Location,
		Seats: func(ctx context.Context, saas string) (*store.Snapshot, seats.Tally, string, bool, error) {
			g := byName[saas]
			v, err := pc.seats.loadOf(ctx, g, c.Now)
			if ce, ok := errors.AsType[*Error](err); ok && ce.Code == Unavailable {
				return nil, seats.Tally{}, "", false, nil
			}
			if err != nil {
				return nil, seats.Tally{}, "", false, err
			}
			return v.withMembers(), v.report.Summary.Inactive, g.Policy.Pricing.Currency, true, nil
		}})
	if err != nil {
		return bot.Message{}, err
	}
	return prompts.PostureReport(r, pc.d.Command), nil
}
