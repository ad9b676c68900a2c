package commands

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/verify"
)

// verifyCommands are caller verification's: `verify EMAIL [ticket N]
// [REASON]`, `verify show ID`, `verify list`, and the person's tap.
type verifyCommands struct {
	d Deps
	// seats tell who is on the Zendesk staff, for "agents" in
	// verify.allowed, from the cached snapshot view.
	seats *seatCommands
}

func newVerifyCommands(d Deps, seats *seatCommands) *verifyCommands {
	return &verifyCommands{d: d.withDefaults(), seats: seats}
}

const verifyExample = "verify mei@acme.example ticket 4521 resetting MFA by phone"

func (vc *verifyCommands) definitions() []Definition {
	return []Definition{
		{
			Name:  "verify",
			Usage: "verify EMAIL [ticket N] [REASON]",
			Description: "Checks that the caller or chatter you are helping is who they say: they get a direct message with three numbers and tap the one you read them. " +
				"You see the code here and the outcome in your direct messages; a wrong number or \"this wasn't me\" tells security. With ticket N the outcome is also written to that Zendesk ticket as an internal note.",
			Examples: []string{verifyExample, "verify priya@acme.example new laptop enrolment"},
			Access:   Everyone,
			Handler:  vc.start,
			Actions:  verifyActions(),
			// Who may answer is the service's business: the person asked.
			ControlAccess: Everyone,
		},
		{
			Name:        "verify show",
			Usage:       "verify show ID",
			Description: "One verification: who asked about whom, why, when, the outcome and the ticket note. For the asker and admins.",
			Examples:    []string{"verify show V-7KQ2MX"},
			Access:      Everyone,
			Handler:     vc.show,
		},
		{
			Name:        "verify list",
			Usage:       "verify list",
			Description: "Your recent verifications, newest first; admins see everyone's.",
			Examples:    []string{"verify list"},
			Access:      Everyone,
			Handler:     vc.list,
		},
	}
}

// verifyActions route the prompt's buttons.
func verifyActions() []ActionRoute {
	var out []ActionRoute
	for _, id := range prompts.ActionVerifyAnswers {
		out = append(out, ActionRoute{ID: id})
	}
	return out
}

func (vc *verifyCommands) view() prompts.Verifications {
	return prompts.Verifications{Location: vc.d.Policy.Location, Command: vc.d.Command}
}

// allowed reports whether the asker may start a verification.
func (vc *verifyCommands) allowed(ctx context.Context, c *Call) bool {
	return vc.d.VerifyAllowed.Allows(c.Role.Email, c.Role.Admin, func() bool {
		v, err := vc.seats.load(ctx, c.Now)
		if err != nil {
			return false
		}
		_, ok := v.seatByEmail(c.Role.Email)
		return ok
	})
}

// start answers `verify EMAIL [ticket N] [REASON]`, and the person's tap.
func (vc *verifyCommands) start(ctx context.Context, c *Call) (bot.Message, error) {
	if a := c.Request.Action; a != nil {
		return vc.answer(ctx, c, a)
	}
	if len(c.Args) == 0 {
		return bot.Message{}, Invalidf("name the person to verify").WithExample(verifyExample)
	}
	if !vc.allowed(ctx, c) {
		return bot.Message{}, Forbiddenf("Verifying callers is for Zendesk agents and admins (policy verify.allowed)")
	}
	person := c.Args[0]
	if _, err := people.ParseEmail(person); err != nil {
		if strings.HasPrefix(person, "@") {
			return bot.Message{}, Invalidf("I could not tell who %s is; name them by email", clip(person, 40)).WithExample(verifyExample)
		}
		return bot.Message{}, Invalidf("%q is not an email address", clip(person, 60)).WithExample(verifyExample)
	}
	rest := c.Args[1:]
	var ticket int64
	if len(rest) >= 2 && strings.EqualFold(rest[0], "ticket") {
		n, err := strconv.ParseInt(strings.TrimPrefix(rest[1], "#"), 10, 64)
		if err != nil || n <= 0 {
			return bot.Message{}, Invalidf("a ticket is a number such as 4521, got %q", clip(rest[1], 20)).WithExample(verifyExample)
		}
		ticket, rest = n, rest[2:]
	}
	x, err := vc.d.Verify.Start(ctx, verify.Ask{Asker: c.Role.Email, Person: person, Reason: strings.Join(rest, " "), Ticket: ticket})
	if err != nil {
		return bot.Message{}, vc.startError(c, err)
	}
	if vc.d.VerifyDeliver != nil {
		if x, err = vc.d.VerifyDeliver(ctx, x); err != nil {
			return bot.Message{}, Unavailablef("I could not send the prompt to %s just now; try again in a moment", x.Person).WithCause(err)
		}
	}
	if vc.d.VerifyStarted != nil && x.State == verify.Pending {
		vc.d.VerifyStarted(ctx, x)
	}
	return vc.view().Started(x), nil
}

// startError words Start's refusals as one line.
func (vc *verifyCommands) startError(c *Call, err error) error {
	var (
		limit  *verify.LimitError
		locked *verify.LockedError
		input  *verify.InputError
	)
	at := func(t time.Time) string { return t.In(vc.d.Policy.Location).Format("15:04") }
	switch {
	case errors.Is(err, verify.ErrSelf):
		return Invalidf("you cannot verify yourself; name the person you are helping").WithExample(verifyExample)
	case errors.As(err, &limit) && limit.Of == "you":
		return Conflictf("You have started %d verifications in the last hour, the most allowed; you can start another at %s", limit.Limit, at(limit.Reset))
	case errors.As(err, &limit):
		return Conflictf("%s has been asked %d times in the last hour, the most allowed; ask again after %s, or verify them another way", limit.Of, limit.Limit, at(limit.Reset))
	case errors.As(err, &locked):
		return Conflictf("%s failed or ignored several verifications this hour, so they get no prompts until %s and security has been told; verify them another way", locked.Person, at(locked.Until))
	case errors.As(err, &input):
		return Invalidf("%s", input.Why).WithExample(verifyExample)
	}
	return err
}

// answer records the person's tap and redraws their prompt.
func (vc *verifyCommands) answer(ctx context.Context, c *Call, a *bot.Action) (bot.Message, error) {
	id, choice, ok := prompts.ParseVerifyValue(a.Value)
	if !ok {
		return bot.Message{}, Invalidf("That button does not name a verification; it may have been altered")
	}
	x, err := vc.d.Verify.Answer(ctx, id, c.Role.Email, choice)
	var decided *verify.DecidedError
	var input *verify.InputError
	switch {
	case errors.Is(err, verify.ErrNotFound):
		return bot.Message{}, NotFoundf("That verification is gone")
	case errors.Is(err, verify.ErrNotYours):
		return bot.Message{}, Forbiddenf("Only %s, who was asked, can answer this", x.Person)
	case errors.As(err, &decided):
		m := vc.view().Answered(decided.Verification)
		m.Delivery = bot.ReplaceOriginal
		return m, nil
	case errors.As(err, &input):
		return bot.Message{}, Invalidf("%s", input.Why)
	case err != nil:
		return bot.Message{}, err
	}
	if vc.d.VerifyEnded != nil {
		vc.d.VerifyEnded(ctx, x)
	}
	m := vc.view().Answered(x)
	m.Delivery = bot.ReplaceOriginal
	return m, nil
}

func (vc *verifyCommands) show(ctx context.Context, c *Call) (bot.Message, error) {
	if len(c.Args) != 1 {
		return bot.Message{}, Invalidf("verify show takes one verification id").WithExample("verify show V-7KQ2MX")
	}
	id := strings.ToUpper(c.Args[0])
	x, err := vc.d.Verify.Get(ctx, id)
	if errors.Is(err, verify.ErrNotFound) || (err == nil && !c.Role.Admin && !c.Role.Is(x.Asker)) {
		// The same answer for one that exists but is not theirs: ids are
		// not for guessing.
		return bot.Message{}, NotFoundf("No verification %s of yours; %s verify list shows yours", clip(id, 20), vc.d.Command)
	}
	if err != nil {
		return bot.Message{}, err
	}
	return vc.view().Detail(x), nil
}

// listed is how many verifications `verify list` shows.
const listed = 20

func (vc *verifyCommands) list(ctx context.Context, c *Call) (bot.Message, error) {
	if len(c.Args) > 0 {
		return bot.Message{}, Invalidf("verify list takes no arguments").WithExample("verify list")
	}
	asker := c.Role.Email
	if c.Role.Admin {
		asker = ""
	} else if asker == "" {
		return bot.Message{}, Forbiddenf("I could not find an email address on your chat profile, so I cannot tell which verifications are yours")
	}
	xs, err := vc.d.Verify.List(ctx, asker, listed)
	if err != nil {
		return bot.Message{}, err
	}
	return vc.view().List(xs, c.Role.Admin), nil
}
