package commands

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
)

// savingsReviews is how many past reviews an admin's home adds up the
// savings of, beside the live ones.
const savingsReviews = 4

// homeCommands is `home`: the asker's own page, which Slack's App Home
// and Teams' personal chat show too.
type homeCommands struct {
	d       Deps
	seats   *seatCommands
	reviews *reviewCommands
}

func newHomeCommands(d Deps, s *seatCommands) *homeCommands {
	return &homeCommands{d: d.withDefaults(), seats: s, reviews: newReviewCommands(d)}
}

func (hc *homeCommands) definitions() []Definition {
	return []Definition{{
		Name:        bot.HomeCommand,
		Usage:       bot.HomeCommand,
		Description: "Your own page: seat decisions waiting for you, requests waiting for your approval, your requests, your access grants and the credentials you own, each with its buttons; admins also see the account's seats and what the reviews saved. Slack shows it in the bot's Home tab.",
		Examples:    []string{bot.HomeCommand},
		Access:      Everyone,
		Handler:     hc.handle,
		Actions:     []ActionRoute{{ID: bot.ActionHomePage, ValuePrefix: bot.HomeToken + ":"}},
	}}
}

func (hc *homeCommands) handle(ctx context.Context, c *Call) (bot.Message, error) {
	page := 1
	if a := c.Request.Action; a != nil {
		token, p, ok := bot.ParsePageValue(a.Value)
		if !ok || token != bot.HomeToken {
			return bot.Message{}, pageButtonError()
		}
		page = p
	} else if len(c.Args) > 0 {
		return bot.Message{}, Invalidf("home takes no arguments").WithExample(bot.HomeCommand)
	}
	if c.Role.Email == "" {
		return bot.Message{}, Forbiddenf("I could not find an email address on your chat profile, so I cannot tell what is yours")
	}
	content, err := hc.content(ctx, c)
	if err != nil {
		return bot.Message{}, err
	}
	m := hc.view(c).Draw(content, page)
	if c.Request.Action != nil {
		m.Delivery = bot.ReplaceOriginal
	}
	return m, nil
}

func (hc *homeCommands) view(c *Call) prompts.Home {
	return prompts.Home{Location: hc.d.Policy.Location, Currency: hc.d.Policy.Pricing.Currency, Command: hc.d.Command, Now: c.Now}
}

// content gathers what the asker's home shows, from the store only.
func (hc *homeCommands) content(ctx context.Context, c *Call) (prompts.HomeContent, error) {
	me := c.Role.Email
	out := prompts.HomeContent{Person: me}
	var err error
	if out.Seats, err = hc.openSeats(ctx, c); err != nil {
		return out, err
	}
	if out.Credentials, err = hc.credentials(ctx, me); err != nil {
		return out, err
	}
	if hc.d.Approvals != nil {
		all, err := hc.d.Approvals.List(ctx)
		if err != nil {
			return out, err
		}
		actor := approvals.Actor{Email: me, Admin: c.Role.Admin}
		for _, r := range all {
			switch {
			case r.Requester == me && (r.State == approvals.Pending || r.State == approvals.Confirming):
				out.Requests = append(out.Requests, r)
			case r.State == approvals.Pending && !r.ApprovedBy(me) && hc.d.Approvals.CheckVoter(r, actor) == nil:
				out.Waiting = append(out.Waiting, r)
			}
		}
		// Approvals soonest to expire first; the asker's newest first.
		slices.SortStableFunc(out.Waiting, func(a, b approvals.Request) int { return a.ExpiresAt.Compare(b.ExpiresAt) })
		slices.SortStableFunc(out.Requests, func(a, b approvals.Request) int { return b.CreatedAt.Compare(a.CreatedAt) })
	}
	if hc.d.Access != nil {
		all, err := hc.d.Access.List(ctx)
		if err != nil {
			return out, err
		}
		for _, g := range all {
			if g.State.Live() && people.Same(g.Email, me) {
				out.Grants = append(out.Grants, g)
			}
		}
		slices.SortStableFunc(out.Grants, func(a, b access.Grant) int { return a.End.Compare(b.End) })
	}
	if c.Role.Admin {
		admin, err := hc.admin(ctx, c)
		if err != nil {
			return out, err
		}
		out.Admin = &admin
	}
	return out, nil
}

// openSeats are the seats of every live review period the asker still
// has to decide, newest period first.
func (hc *homeCommands) openSeats(ctx context.Context, c *Call) ([]prompts.HomeSeats, error) {
	if hc.d.Reviews == nil {
		return nil, nil
	}
	all := []*reviewCommands{hc.reviews}
	if priv := hc.reviews.forPeriod(reviews.Quarterly.PeriodOf(c.Now, hc.d.Policy.Location)); priv != nil && priv != hc.reviews {
		all = append(all, priv)
	}
	var out []prompts.HomeSeats
	for _, rc := range all {
		cad := rc.d.Reviews.Cadence()
		for _, period := range cad.LivePeriods(c.Now, rc.loc()) {
			var mine []reviews.Item
			for _, svc := range rc.all {
				items, err := svc.OwnerItems(ctx, period, c.Role.Email)
				if err != nil {
					return nil, err
				}
				for _, it := range items {
					if it.State == reviews.Open && it.Owner == c.Role.Email {
						mine = append(mine, it)
					}
				}
			}
			if len(mine) > 0 {
				prompts.Sort(mine)
				out = append(out, prompts.HomeSeats{Review: rc.view(period, c.Now), Items: mine})
			}
		}
	}
	return out, nil
}

// credentials are the credentials the asker owns in every register that
// has been synced.
func (hc *homeCommands) credentials(ctx context.Context, me string) ([]credentials.Item, error) {
	var out []credentials.Item
	for _, g := range hc.d.saas() {
		if g.Credentials == nil {
			continue
		}
		ev, err := g.Credentials.Evaluate(ctx)
		if errors.Is(err, credentials.ErrNoInventory) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, ev.Mine(me)...)
	}
	return out, nil
}

// admin is the account at a glance for an admin's home: each SaaS's
// seats from the last sync, its open decisions and recent savings.
func (hc *homeCommands) admin(ctx context.Context, c *Call) (prompts.HomeAdmin, error) {
	var a prompts.HomeAdmin
	for _, g := range hc.seats.governed {
		part := prompts.HomeSaaS{SaaS: g.Connector}
		v, err := hc.seats.loadOf(ctx, g, c.Now)
		var ce *Error
		switch {
		case errors.As(err, &ce) && ce.Code == Unavailable:
		case err != nil:
			return a, err
		default:
			part.Summary = v.report.Summary
		}
		if svc := hc.reviewOf(g.Connector); svc != nil {
			if err := hc.savings(ctx, svc, hc.d.forSaaS(g).Policy.Location, c.Now, &part); err != nil {
				return a, err
			}
		}
		a.Parts = append(a.Parts, part)
	}
	return a, nil
}

// savings counts svc's open decisions in the live periods and what the
// last savingsReviews periods saved.
func (hc *homeCommands) savings(ctx context.Context, svc *reviews.Service, loc *time.Location, now time.Time, part *prompts.HomeSaaS) error {
	cad := svc.Cadence()
	live := cad.LivePeriods(now, loc)
	period := live[0]
	for i := range savingsReviews {
		sum, err := svc.Progress(ctx, period)
		if err != nil {
			return err
		}
		if i < len(live) {
			part.Open += sum.Open
		}
		part.Saved += sum.Saved
		part.Reviews++
		start, ok := cad.Start(period, loc)
		if !ok {
			break
		}
		period = cad.Previous(start, loc)
	}
	return nil
}

// reviewOf is saas's seat review, nil when it has none.
func (hc *homeCommands) reviewOf(saas string) *reviews.Service {
	for _, svc := range hc.reviews.all {
		if connector.OrZendesk(svc.Connector) == saas {
			return svc
		}
	}
	return nil
}
