package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
)

// previewCommands show a message the bot would send, drawn from what is
// stored now, without sending it or deciding anything: an owner's review
// digest, an approval request's thread. What the real message would not
// show the asker, the preview does not either.
type previewCommands struct {
	d        Deps
	seats    *seatCommands
	reviews  *reviewCommands
	requests *requestCommands
}

func newPreviewCommands(d Deps, seats *seatCommands) *previewCommands {
	p := &previewCommands{d: d.withDefaults(), seats: seats}
	if d.Reviews != nil {
		p.reviews = newReviewCommands(d)
	}
	if d.Approvals != nil {
		p.requests = newRequestCommands(d)
	}
	return p
}

const previewDigestExample = "preview digest omar@acme.example"

func (p *previewCommands) definitions() []Definition {
	var defs []Definition
	if p.reviews != nil {
		defs = append(defs, Definition{
			Name:  "preview digest",
			Usage: "preview digest [OWNER]",
			Description: "The seat review digest OWNER gets this week (default: yours), as it would read now: the seats it would ask about and their owners. " +
				"Nothing is sent and nothing can be decided from it. Owners see their own; admins anyone's.",
			Examples: []string{"preview digest", previewDigestExample},
			Access:   AdminsOrOwners,
			Handler:  p.digest,
		})
	}
	if p.requests != nil {
		defs = append(defs, Definition{
			Name:        "preview request",
			Usage:       "preview request ID",
			Description: "An approval request's thread as its approvers see it in the approvals channel, drawn from how it stands now. For its requester, its approvers and admins.",
			Examples:    []string{"preview request REQ-7KQ2MX"},
			Access:      Everyone,
			Handler:     p.request,
		})
	}
	return defs
}

// previewed marks m as a preview: no controls to press, and a line saying
// nothing was sent.
func previewed(m bot.Message, what string) bot.Message {
	m.Buttons, m.Selects, m.Pager = nil, nil, nil
	for i := range m.Sections {
		m.Sections[i].Button, m.Sections[i].Actions = nil, nil
	}
	m.Context = append([]string{"Preview of " + what + ": nothing was sent, and nothing can be decided from here."}, m.Context...)
	m.Visibility, m.Delivery = bot.Ephemeral, bot.NewMessage
	return m
}

// digest answers `preview digest [OWNER]`.
func (p *previewCommands) digest(ctx context.Context, c *Call) (bot.Message, error) {
	owner := c.Role.Email
	switch {
	case len(c.Args) > 1:
		return bot.Message{}, Invalidf("preview digest takes one owner").WithExample(previewDigestExample)
	case len(c.Args) == 1:
		addr, err := people.ParseEmail(c.Args[0])
		if err != nil {
			return bot.Message{}, Invalidf("%q is not an email address", clip(c.Args[0], 60)).WithExample(previewDigestExample)
		}
		owner = addr
	}
	owner = people.Key(owner)
	if !c.Role.Admin && !c.Role.Is(owner) {
		return bot.Message{}, Forbiddenf("Owners preview their own digest; another owner's is for admins")
	}
	v, err := p.seats.load(ctx, c.Now)
	if err != nil {
		return bot.Message{}, err
	}
	rc := p.reviews
	period := rc.d.Reviews.Cadence().PeriodOf(c.Now, rc.loc())
	all, err := rc.d.Reviews.Preview(ctx, period, v.report, rc.d.Owners.Of)
	if err != nil {
		return bot.Message{}, err
	}
	var mine []reviews.Item
	for _, it := range all {
		if it.Owner == owner {
			mine = append(mine, it)
		}
	}
	if len(mine) == 0 {
		return bot.Message{Sections: []bot.Section{{Text: bot.EscapeText(fmt.Sprintf(
			"%s has no seats in the review of %s: nothing would be sent to them.", owner, period))}}, Visibility: bot.Ephemeral}, nil
	}
	m := previewed(rc.view(period, c.Now).Digest(prompts.Digest, owner, mine, 1), owner+"'s digest for "+period)
	if len(mine) > prompts.DigestPageSize {
		m.Context = append(m.Context, fmt.Sprintf("The first %d of %d seats; the digest pages through the rest.", prompts.DigestPageSize, len(mine)))
	}
	return m, nil
}

// request answers `preview request ID`.
func (p *previewCommands) request(ctx context.Context, c *Call) (bot.Message, error) {
	if len(c.Args) != 1 {
		return bot.Message{}, Invalidf("preview request takes one request id").WithExample("preview request REQ-7KQ2MX")
	}
	id := strings.ToUpper(c.Args[0])
	r, err := p.d.Approvals.Get(ctx, id)
	actor := approvals.Actor{Email: c.Role.Email, Admin: c.Role.Admin}
	if errors.Is(err, approvals.ErrNotFound) || (err == nil && !c.Role.Is(r.Requester) && !p.d.Approvals.MayApprove(actor, r.Kind)) {
		// The same answer for one that exists but is not theirs to see.
		return bot.Message{}, NotFoundf("No request %s that you can see; %s request list shows yours", clip(id, 20), p.d.Command)
	}
	if err != nil {
		return bot.Message{}, err
	}
	return previewed(p.requests.view(c).Parent(r), id+"'s thread in the approvals channel"), nil
}
