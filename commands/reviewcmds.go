package commands

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
)

// reviewCommands are `review` and the seat review digest's buttons and
// forms. Who may decide a seat is the review's business (its owner or an
// admin), so the controls are open to everyone and the service checks.
type reviewCommands struct {
	d Deps
	// all are the reviews of every governed SaaS: an owner's digest holds
	// the seats of each, so redrawing it reads them all.
	all []*reviews.Service
	// privilege: these are the privilege review's commands, whose periods
	// are quarters.
	privilege bool
}

func newReviewCommands(d Deps) *reviewCommands {
	rc := &reviewCommands{d: d.withDefaults()}
	if d.Reviews != nil {
		rc.all = append(rc.all, d.Reviews)
	}
	for _, g := range d.Governed {
		if g.Reviews != nil {
			rc.all = append(rc.all, g.Reviews)
		}
	}
	return rc
}

// forPeriod is the review commands of the review period belongs to: a
// quarter is the privilege review's. Nil when that review is not run.
func (rc *reviewCommands) forPeriod(period string) *reviewCommands {
	cad, _ := reviews.CadenceOf(period)
	switch {
	case (cad == reviews.Quarterly) == rc.privilege:
		return rc
	case cad == reviews.Quarterly && rc.d.PrivilegeReviews != nil:
		c := *rc
		c.d.Reviews, c.all, c.privilege = rc.d.PrivilegeReviews, []*reviews.Service{rc.d.PrivilegeReviews}, true
		return &c
	}
	return nil
}

// saas is the SaaS whose review the commands answer for.
func (rc *reviewCommands) saas() string { return connector.OrZendesk(rc.d.Reviews.Connector) }

// forSaaS is the review commands of saas's review, with its rules; nil
// when it has none, so a button naming it is refused rather than read as
// another SaaS's seat.
func (rc *reviewCommands) forSaaS(saas string) *reviewCommands {
	if saas == rc.saas() {
		return rc
	}
	for _, g := range rc.d.Governed {
		if g.Connector == saas && g.Reviews != nil {
			c := *rc
			c.d = rc.d.forSaaS(g)
			c.d.Reviews = g.Reviews
			return &c
		}
	}
	return nil
}

func (rc *reviewCommands) definitions() []Definition {
	return []Definition{{
		Name:  "review",
		Usage: "review [SAAS|privilege] [PERIOD]",
		Description: "The seat review's progress: asked, kept, removed, downgraded, snoozed, pending, and what it saved per month. SAAS names another governed SaaS's review, such as github (default: Zendesk's); PERIOD is an ISO week such as 2026-W47 (default: this week's). " +
			"`review privilege` is the quarterly privilege review's progress; its PERIOD is a quarter such as 2027-Q1.",
		Examples: []string{"review", "review 2026-W47", "review github", "review privilege"},
		Access:   Admins,
		Handler:  rc.handle,
		Actions: []ActionRoute{
			{ID: prompts.ActionKeep}, {ID: prompts.ActionDowngrade}, {ID: prompts.ActionRemove},
			{ID: prompts.ActionSnooze}, {ID: prompts.ActionNotMine}, {ID: prompts.ActionPage},
			{ID: prompts.ActionJustInTime},
		},
		Forms:         []string{prompts.FormKeep, prompts.FormNotMine},
		ControlAccess: Everyone,
	}}
}

func (rc *reviewCommands) handle(ctx context.Context, c *Call) (bot.Message, error) {
	switch req := c.Request; {
	case req.Action != nil:
		return rc.click(ctx, c, req.Action)
	case req.Form != nil:
		return rc.submit(ctx, c, req.Form)
	}
	return rc.summary(ctx, c)
}

func (rc *reviewCommands) summary(ctx context.Context, c *Call) (bot.Message, error) {
	if len(c.Args) > 0 && strings.EqualFold(c.Args[0], "privilege") && !rc.privilege {
		return rc.privilegeSummary(ctx, c)
	}
	if len(c.Args) > 0 && !rc.privilege && !reviews.ValidPeriod(strings.ToUpper(c.Args[0])) {
		saas := strings.ToLower(c.Args[0])
		other := rc.forSaaS(saas)
		if other == nil {
			return bot.Message{}, rc.unknownReview(c.Args[0])
		}
		rest := *c
		rest.Args = c.Args[1:]
		return other.summary(ctx, &rest)
	}
	cad := rc.d.Reviews.Cadence()
	period := cad.PeriodOf(c.Now, rc.loc())
	switch {
	case len(c.Args) > 1:
		return bot.Message{}, Invalidf("review takes at most one PERIOD")
	case len(c.Args) == 1:
		period = strings.ToUpper(c.Args[0])
		if !cad.Valid(period) {
			what := "an ISO week"
			if rc.privilege {
				what = "a quarter"
			}
			return bot.Message{}, Invalidf("PERIOD is %s such as %s, got %q", what, cad.PeriodOf(c.Now, rc.loc()), clip(c.Args[0], 20))
		}
	}
	sum, err := rc.d.Reviews.Progress(ctx, period)
	if err != nil {
		return bot.Message{}, err
	}
	opened, _, err := rc.d.Reviews.Opened(ctx, period)
	if err != nil {
		return bot.Message{}, err
	}
	return rc.view(period, c.Now).Summary(sum, opened), nil
}

// privilegeSummary answers `review privilege [PERIOD]`.
func (rc *reviewCommands) privilegeSummary(ctx context.Context, c *Call) (bot.Message, error) {
	priv := rc.forPeriod(reviews.Quarterly.PeriodOf(c.Now, rc.loc()))
	if priv == nil {
		return bot.Message{}, Invalidf("The privilege review is not run here: it needs a store and the Zendesk sync")
	}
	rest := *c
	rest.Args = c.Args[1:]
	return priv.summary(ctx, &rest)
}

// click answers a digest button.
func (rc *reviewCommands) click(ctx context.Context, c *Call, a *bot.Action) (bot.Message, error) {
	if a.ID == prompts.ActionPage {
		return rc.page(ctx, c, a.Value)
	}
	saas, period, userID, ok := prompts.ParseSeatValue(a.Value)
	if !ok || rc.forPeriod(period) == nil {
		return bot.Message{}, badButton()
	}
	if other := rc.forPeriod(period); other != rc {
		return other.click(ctx, c, a)
	}
	if rc.forSaaS(saas) == nil {
		return bot.Message{}, badButton()
	}
	if saas != rc.saas() {
		return rc.forSaaS(saas).click(ctx, c, a)
	}
	if !rc.offers(a.ID) {
		return bot.Message{}, badButton()
	}
	switch a.ID {
	case prompts.ActionKeep, prompts.ActionNotMine:
		it, err := rc.decidable(ctx, c, period, userID)
		if err != nil {
			return bot.Message{}, err
		}
		v := rc.view(period, c.Now)
		form := v.NotMineForm(it)
		if a.ID == prompts.ActionKeep {
			form = v.KeepForm(it, rc.keepMaxDays())
		}
		return bot.Message{Form: &form, Visibility: bot.Ephemeral}, nil
	case prompts.ActionDowngrade:
		return rc.decide(ctx, c, reviews.Input{Period: period, UserID: userID, Decision: reviews.Downgrade}, a.Message)
	case prompts.ActionRemove:
		return rc.decide(ctx, c, reviews.Input{Period: period, UserID: userID, Decision: reviews.Remove}, a.Message)
	case prompts.ActionSnooze:
		return rc.decide(ctx, c, reviews.Input{Period: period, UserID: userID, Decision: reviews.Snooze}, a.Message)
	case prompts.ActionJustInTime:
		return rc.decide(ctx, c, reviews.Input{Period: period, UserID: userID, Decision: reviews.JustInTime}, a.Message)
	}
	return bot.Message{}, badButton()
}

// offers reports whether the review's digests carry the button: the
// privilege review has no Downgrade or Snooze, the seat review no Make
// just-in-time.
func (rc *reviewCommands) offers(actionID string) bool {
	switch actionID {
	case prompts.ActionDowngrade, prompts.ActionSnooze:
		return !rc.privilege
	case prompts.ActionJustInTime:
		return rc.privilege
	}
	return true
}

// submit answers the Keep and Not mine forms.
func (rc *reviewCommands) submit(ctx context.Context, c *Call, f *bot.FormSubmission) (bot.Message, error) {
	saas, period, userID, ok := prompts.ParseSeatValue(f.RecordID)
	if !ok || rc.forPeriod(period) == nil {
		return bot.Message{}, Invalidf("That form does not name a seat of a review. Open it again from your digest")
	}
	if other := rc.forPeriod(period); other != rc {
		return other.submit(ctx, c, f)
	}
	if rc.forSaaS(saas) == nil {
		return bot.Message{}, Invalidf("That form does not name a seat of a review. Open it again from your digest")
	}
	if saas != rc.saas() {
		return rc.forSaaS(saas).submit(ctx, c, f)
	}
	if f.Cancelled {
		return rc.cancelled(ctx, c, period, userID)
	}
	in := reviews.Input{Period: period, UserID: userID}
	switch f.FormID {
	case prompts.FormKeep:
		in.Decision, in.Reason = reviews.Keep, f.Values[prompts.InputReason]
		if v := strings.TrimSpace(f.Values[prompts.InputKeepUntil]); v != "" {
			until, err := time.ParseInLocation(time.DateOnly, v, rc.loc())
			if err != nil {
				return rc.formError(ctx, c, in, &reviews.FieldError{Field: prompts.InputKeepUntil, Message: "Pick a date such as " + c.Now.In(rc.loc()).AddDate(0, 0, 90).Format(time.DateOnly)})
			}
			in.KeepUntil = until
		}
	case prompts.FormNotMine:
		in.Decision, in.NewOwner = reviews.NotMine, f.Values[prompts.InputNewOwner]
	default:
		return bot.Message{}, badButton()
	}
	return rc.decide(ctx, c, in, f.Origin)
}

// cancelled puts back the digest a form was drawn over (Teams shows forms
// on the card), deciding nothing.
func (rc *reviewCommands) cancelled(ctx context.Context, c *Call, period string, userID int64) (bot.Message, error) {
	it, err := rc.d.Reviews.Item(ctx, period, userID)
	if err != nil {
		return bot.Message{}, rc.decisionError(c, period, err)
	}
	if !c.Role.Admin && !c.Role.Is(it.Owner) {
		return bot.Message{}, rc.decisionError(c, period, &reviews.NotAllowedError{Item: it})
	}
	return rc.redraw(ctx, c, period, it.Owner, userID)
}

// decide records a decision and redraws the digest it came from.
func (rc *reviewCommands) decide(ctx context.Context, c *Call, in reviews.Input, origin bot.MessageRef) (bot.Message, error) {
	in.Actor = reviews.Actor{Email: c.Role.Email, Admin: c.Role.Admin}
	it, err := rc.d.Reviews.Decide(ctx, in)
	if errors.Is(err, reviews.ErrStepUpRequired) {
		return stepUpLink(ctx, rc.d, c, StepUpSeatRemove, prompts.SeatValue(it.Seat.Connector, in.Period, in.UserID),
			"Removing "+cmp.Or(it.Seat.Name, it.Seat.Email)+"'s seat")
	}
	if fe, ok := errors.AsType[*reviews.FieldError](err); ok {
		return rc.formError(ctx, c, in, fe)
	}
	if err != nil {
		return bot.Message{}, rc.decisionError(c, in.Period, err)
	}
	owner := it.Owner
	changed := []string{owner}
	if in.Decision == reviews.NotMine {
		owner = it.HandedFrom
		changed = []string{it.HandedFrom, it.Owner}
	}
	if rc.d.ReviewChanged != nil {
		rc.d.ReviewChanged(ctx, rc.saas(), in.Period, origin, changed...)
	}
	return rc.redraw(ctx, c, in.Period, owner, in.UserID)
}

// formError shows the form again with the error on its field.
func (rc *reviewCommands) formError(ctx context.Context, c *Call, in reviews.Input, fe *reviews.FieldError) (bot.Message, error) {
	it, err := rc.d.Reviews.Item(ctx, in.Period, in.UserID)
	if err != nil {
		return bot.Message{}, rc.decisionError(c, in.Period, err)
	}
	v := rc.view(in.Period, c.Now)
	form := v.NotMineForm(it)
	if in.Decision == reviews.Keep {
		form = v.KeepForm(it, rc.keepMaxDays())
	}
	for i := range form.Inputs {
		switch form.Inputs[i].ID {
		case prompts.InputReason:
			form.Inputs[i].Initial = in.Reason
		case prompts.InputKeepUntil:
			if !in.KeepUntil.IsZero() {
				form.Inputs[i].Initial = in.KeepUntil.Format(time.DateOnly)
			}
		case prompts.InputNewOwner:
			form.Inputs[i].Initial = in.NewOwner
		}
		if form.Inputs[i].ID == fe.Field {
			form.Inputs[i].Error = fe.Message
		}
	}
	return bot.Message{Form: &form, Visibility: bot.Ephemeral}, nil
}

// decidable reads a seat's item and checks the clicker may decide it now,
// before a form is opened for nothing.
func (rc *reviewCommands) decidable(ctx context.Context, c *Call, period string, userID int64) (reviews.Item, error) {
	if !slices.Contains(rc.d.Reviews.Cadence().LivePeriods(c.Now, rc.loc()), period) {
		return reviews.Item{}, rc.decisionError(c, period, reviews.ErrExpired)
	}
	it, err := rc.d.Reviews.Item(ctx, period, userID)
	switch {
	case err != nil:
		return reviews.Item{}, rc.decisionError(c, period, err)
	case it.State != reviews.Open:
		return reviews.Item{}, rc.decisionError(c, period, &reviews.DecidedError{Item: it})
	case !c.Role.Admin && !c.Role.Is(it.Owner):
		return reviews.Item{}, rc.decisionError(c, period, &reviews.NotAllowedError{Item: it})
	}
	return it, nil
}

// page turns a digest's page.
func (rc *reviewCommands) page(ctx context.Context, c *Call, value string) (bot.Message, error) {
	token, page, ok := bot.ParsePageValue(value)
	if !ok {
		return bot.Message{}, badButton()
	}
	saas, period, owner, ok := prompts.ParseDigestToken(token)
	if !ok || rc.forPeriod(period) == nil {
		return bot.Message{}, badButton()
	}
	if other := rc.forPeriod(period); other != rc {
		return other.page(ctx, c, value)
	}
	if rc.forSaaS(saas) == nil {
		return bot.Message{}, badButton()
	}
	if saas != rc.saas() {
		return rc.forSaaS(saas).page(ctx, c, value)
	}
	if !c.Role.Admin && !c.Role.Is(owner) {
		return bot.Message{}, Forbiddenf("That digest is %s's; only they and admins can page through it", owner)
	}
	items, err := rc.ownerItems(ctx, period, owner)
	if err != nil {
		return bot.Message{}, err
	}
	m := rc.view(period, c.Now).Digest(rc.occasion(c, owner), owner, items, page)
	m.Delivery = bot.ReplaceOriginal
	return m, nil
}

// redraw is the owner's digest after a decision, on the page showing the
// seat, replacing the message that was clicked.
func (rc *reviewCommands) redraw(ctx context.Context, c *Call, period, owner string, userID int64) (bot.Message, error) {
	items, err := rc.ownerItems(ctx, period, owner)
	if err != nil {
		return bot.Message{}, err
	}
	m := rc.view(period, c.Now).Digest(rc.occasion(c, owner), owner, items, prompts.PageOf(items, userID))
	m.Delivery = bot.ReplaceOriginal
	return m, nil
}

// occasion: an admin deciding for someone else is in the escalation.
func (rc *reviewCommands) occasion(c *Call, owner string) prompts.Occasion {
	if c.Role.Is(owner) {
		return prompts.Digest
	}
	return prompts.Escalation
}

// ownerItems are owner's digest: their seats of the period in every SaaS,
// read without the rest of the period.
func (rc *reviewCommands) ownerItems(ctx context.Context, period, owner string) ([]reviews.Item, error) {
	var all []reviews.Item
	for _, svc := range rc.all {
		items, err := svc.OwnerItems(ctx, period, owner)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
	}
	return prompts.OwnerItems(all, owner), nil
}

// decisionError words the review's refusals as one line for the clicker.
func (rc *reviewCommands) decisionError(c *Call, period string, err error) error {
	v := rc.view(period, c.Now)
	if decided, ok := errors.AsType[*reviews.DecidedError](err); ok {
		return Conflictf("Already decided: %s", stripMarkup(v.Outcome(decided.Item)))
	}
	if na, ok := errors.AsType[*reviews.NotAllowedError](err); ok {
		if c.Role.Is(na.Item.HandedFrom) {
			return Forbiddenf("You handed this seat to %s; they decide it now", na.Item.Owner)
		}
		return Forbiddenf("Only the seat's owner (%s) or an admin can decide this seat", nonEmpty(na.Item.Owner, "nobody yet"))
	}
	switch {
	case errors.Is(err, reviews.ErrOwnPrivilege):
		return Forbiddenf("Nobody decides their own privilege, admins included; someone else who answers for it decides")
	case errors.Is(err, reviews.ErrExpired) && rc.privilege:
		return Conflictf("Review %s has ended, so this button no longer works. The person comes up again in the next privilege review if they still hold the role", period)
	case errors.Is(err, reviews.ErrExpired):
		return Conflictf("Review %s has ended, so this button no longer works. The seat comes up again in the next review if it is still inactive", period)
	case errors.Is(err, reviews.ErrNotFound):
		return NotFoundf("That seat is not part of review %s. Run %s help to see what you can do", period, rc.d.Command)
	}
	return err
}

// unknownReview answers a review asked of a name that is neither a
// period nor a governed SaaS with a review.
func (rc *reviewCommands) unknownReview(word string) *Error {
	names := []string{rc.saas()}
	for _, g := range rc.d.Governed {
		if g.Reviews != nil {
			names = append(names, g.Connector)
		}
	}
	if len(names) == 1 {
		return Invalidf("PERIOD is an ISO week such as %s, got %q", reviews.PeriodOf(rc.d.Now(), rc.loc()), clip(word, 20))
	}
	return Invalidf("%q is neither an ISO week such as %s nor a governed SaaS (%s). Example: %s review %s",
		clip(word, 20), reviews.PeriodOf(rc.d.Now(), rc.loc()), strings.Join(names, ", "), rc.d.Command, names[len(names)-1])
}

func badButton() *Error {
	return Invalidf("That button does not name a seat of a review; it may have been altered. Use the buttons in your latest digest")
}

func (rc *reviewCommands) view(period string, now time.Time) prompts.Review {
	return prompts.Review{Period: period, Location: rc.loc(), Currency: rc.d.Policy.Pricing.Currency, Command: rc.d.Command,
		Now: now, Deadline: reviews.Deadline(period, rc.loc()), SaaS: rc.saas(), Privilege: rc.privilege}
}

func (rc *reviewCommands) loc() *time.Location { return rc.d.Policy.Location }

func (rc *reviewCommands) keepMaxDays() int {
	if n := rc.d.Reviews.Policy.KeepMaxDays; n > 0 {
		return n
	}
	return 180
}

// stripMarkup drops the leading symbol and bold marks of an outcome line for
// a plain one-line answer.
func stripMarkup(s string) string {
	if symbol, rest, ok := strings.Cut(s, " "); ok && symbol != "" && !strings.ContainsFunc(symbol, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		s = rest
	}
	return strings.ReplaceAll(s, "*", "")
}
