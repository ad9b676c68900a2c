package commands

import (
	"context"
	"errors"
	"slices"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/prompts"
)

// whoisCommands is `whois EMAIL`: one person as the directory, every
// governed SaaS, the credential register and the grants know them.
type whoisCommands struct {
	d     Deps
	seats *seatCommands
}

func (wc *whoisCommands) definitions() []Definition {
	return []Definition{{
		Name:        "whois",
		Usage:       "whois EMAIL",
		Description: "One person: what the identity source says (status, manager, department, title, other emails), their seat and role in each governed SaaS, the credentials they own and their live access grants.",
		Examples:    []string{"whois mei@acme.example"},
		Access:      Admins,
		Handler:     wc.handle,
	}}
}

func (wc *whoisCommands) handle(ctx context.Context, c *Call) (bot.Message, error) {
	if len(c.Args) != 1 {
		return bot.Message{}, Invalidf("whois takes one email address, such as %s", people.Example).WithExample("whois " + people.Example)
	}
	email, err := people.ParseEmail(c.Args[0])
	if err != nil {
		return bot.Message{}, Invalidf("%q is not an email address", clip(c.Args[0], 60)).WithExample("whois " + people.Example)
	}
	f := prompts.WhoisFacts{Email: email}
	emails := []string{email}
	if dir := wc.d.Directory; dir != nil {
		f.Source = dir.Source.Name()
		snap, err := dir.Load(ctx)
		switch {
		case errors.Is(err, directory.ErrNoDirectory):
		case err != nil:
			return bot.Message{}, err
		default:
			f.ReadAt = snap.ReadAt
			if p, ok := snap.Index().Find(email); ok {
				f.Person = &p
				for _, e := range p.Emails {
					if !slices.Contains(emails, e) {
						emails = append(emails, e)
					}
				}
			}
		}
	}
	for _, g := range wc.seats.governed {
		v, err := wc.seats.loadOf(ctx, g, c.Now)
		var ce *Error
		if errors.As(err, &ce) && ce.Code == Unavailable {
			continue // not synced yet: nothing to say about its seats
		}
		if err != nil {
			return bot.Message{}, err
		}
		for _, e := range emails {
			if st, ok := v.seatByEmail(e); ok {
				f.Seats = append(f.Seats, v.draw.OtherSeat(st, v.ownerOf(st)))
				break
			}
		}
	}
	for _, g := range wc.d.saas() {
		if g.Credentials == nil {
			continue
		}
		ev, err := g.Credentials.Evaluate(ctx)
		if errors.Is(err, credentials.ErrNoInventory) {
			continue
		}
		if err != nil {
			return bot.Message{}, err
		}
		for _, e := range emails {
			f.Credentials = append(f.Credentials, ev.Mine(e)...)
		}
	}
	if wc.d.Access != nil {
		all, err := wc.d.Access.List(ctx)
		if err != nil {
			return bot.Message{}, err
		}
		for _, g := range all {
			if g.State.Live() && slices.ContainsFunc(emails, func(e string) bool { return people.Same(g.Email, e) }) {
				f.Grants = append(f.Grants, g)
			}
		}
	}
	return prompts.Whois{Location: wc.d.Policy.Location, Command: wc.d.Command, Now: c.Now}.Draw(f), nil
}
