package commands

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/prompts"
)

// tokenCommands are the credential register's commands and the credential
// digest's buttons and forms. Who may decide is the register's business
// (owners, admins, anyone for an unowned claim), so the controls are open
// to everyone and the service checks.
type tokenCommands struct {
	d Deps
	// registers are the SaaS with a credential register, Zendesk first.
	registers []Governed
}

func newTokenCommands(d Deps) *tokenCommands {
	tc := &tokenCommands{d: d.withDefaults()}
	for _, g := range tc.d.saas() {
		if g.Credentials != nil {
			tc.registers = append(tc.registers, g)
		}
	}
	return tc
}

// register is the credential register of a SaaS.
func (tc *tokenCommands) register(saas string) (*credentials.Service, error) {
	for _, g := range tc.registers {
		if g.Connector == saas {
			return g.Credentials, nil
		}
	}
	return nil, NotFoundf("This bot keeps no credential register for %s; %s tokens lists the ones it keeps", connector.Title(saas), tc.d.Command)
}

// named reads an optional SaaS argument: every register when absent.
func (tc *tokenCommands) named(c *Call) ([]Governed, error) {
	switch len(c.Args) {
	case 0:
		return tc.registers, nil
	case 1:
		g, err := namedSaaS(c.Args[0], tc.registers, tc.d.Command+" "+c.Command)
		return []Governed{g}, err
	}
	return nil, Invalidf("%s takes at most a SaaS name, such as %s %s %s", c.Command, tc.d.Command, c.Command, tc.registers[len(tc.registers)-1].Connector)
}

func (tc *tokenCommands) definitions() []Definition {
	controls := []ActionRoute{{ID: prompts.ActionTokenClaim}, {ID: prompts.ActionTokenKeep}, {ID: prompts.ActionTokenRevoke},
		{ID: prompts.ActionTokenMigrate}, {ID: prompts.ActionTokenPage}}
	return []Definition{
		{
			Name:          "tokens",
			Usage:         "tokens [SAAS]",
			Description:   "The credential register: Zendesk's API tokens, OAuth tokens and clients, and apps, GitHub's fine-grained tokens and Apps when GitHub is governed, counted by state; the orphans; and the countdown to 30 Apr 2027, when Zendesk turns API tokens off.",
			Examples:      []string{"tokens", "tokens github"},
			Access:        Admins,
			Handler:       tc.handle,
			Actions:       controls,
			Forms:         []string{prompts.FormTokenClaim, prompts.FormTokenKeep, prompts.FormTokenMigrate},
			ControlAccess: Everyone,
		},
		{
			Name:        "tokens orphaned",
			Aliases:     []string{"tokens orphans"},
			Usage:       "tokens orphaned [SAAS]",
			Description: "Credentials with no owner, an owner or user who left, no use for a long time, more scope than stated, or an overdue review, each with why; in every register, or the SaaS named.",
			Examples:    []string{"tokens orphaned", "tokens orphaned github"},
			Access:      Admins,
			Handler:     tc.orphaned,
		},
		{
			Name:        "tokens mine",
			Usage:       "tokens mine [SAAS]",
			Description: "The credentials you own, with what needs doing; in every register, or the SaaS named.",
			Examples:    []string{"tokens mine"},
			Access:      Everyone,
			Handler:     tc.mine,
		},
		{
			Name:        "tokens show",
			Usage:       "tokens show ID",
			Description: "One credential: what it is, who owns it and why, its review dates and what is wrong with it. Admins see every credential; owners see theirs. Another SaaS's IDs start with its name.",
			Examples:    []string{"tokens show api-token:5501", "tokens show github:fine-grained-token:9001"},
			Access:      Everyone,
			Handler:     tc.show,
		},
		{
			Name:        "tokens claim",
			Usage:       "tokens claim ID",
			Description: "Opens the claim form: you become the credential's owner and say what it is for, the scopes it needs, when to review it and when to retire it.",
			Examples:    []string{"tokens claim oauth-token:880002"},
			Access:      Everyone,
			Handler:     tc.claimCommand,
		},
	}
}

func (tc *tokenCommands) handle(ctx context.Context, c *Call) (bot.Message, error) {
	switch req := c.Request; {
	case req.Action != nil:
		return tc.click(ctx, c, req.Action)
	case req.Form != nil:
		return tc.submit(ctx, c, req.Form)
	}
	among, err := tc.named(c)
	if err != nil {
		return bot.Message{}, err
	}
	evs, err := tc.evaluateAll(ctx, among)
	if err != nil {
		return bot.Message{}, err
	}
	return tc.view(c).Overview(evs...), nil
}

// evaluateAll evaluates the registers among; one not synced yet is left
// out unless it is the only one.
func (tc *tokenCommands) evaluateAll(ctx context.Context, among []Governed) ([]credentials.Evaluation, error) {
	var evs []credentials.Evaluation
	for _, g := range among {
		ev, err := g.Credentials.Evaluate(ctx)
		switch {
		case errors.Is(err, credentials.ErrNoInventory) && len(among) > 1:
			continue
		case err != nil:
			return nil, tc.registerError(g.Connector, "", err)
		}
		evs = append(evs, ev)
	}
	if len(evs) == 0 {
		return nil, tc.registerError(among[0].Connector, "", credentials.ErrNoInventory)
	}
	return evs, nil
}

// listed draws the items pick chooses from each register named in c.
func (tc *tokenCommands) listed(ctx context.Context, c *Call, list string, pick func(credentials.Evaluation) []credentials.Item) (bot.Message, error) {
	among, err := tc.named(c)
	if err != nil {
		return bot.Message{}, err
	}
	if len(c.Args) == 1 {
		list = prompts.ListOf(list, among[0].Connector)
	}
	items, err := tc.items(ctx, among, pick)
	if err != nil {
		return bot.Message{}, err
	}
	return tc.view(c).List(list, items, 1), nil
}

func (tc *tokenCommands) items(ctx context.Context, among []Governed, pick func(credentials.Evaluation) []credentials.Item) ([]credentials.Item, error) {
	evs, err := tc.evaluateAll(ctx, among)
	if err != nil {
		return nil, err
	}
	var items []credentials.Item
	for _, ev := range evs {
		items = append(items, pick(ev)...)
	}
	return items, nil
}

func (tc *tokenCommands) orphaned(ctx context.Context, c *Call) (bot.Message, error) {
	return tc.listed(ctx, c, prompts.ListOrphaned, credentials.Evaluation.Orphans)
}

func (tc *tokenCommands) mine(ctx context.Context, c *Call) (bot.Message, error) {
	if c.Role.Email == "" {
		return bot.Message{}, Forbiddenf("I could not find an email address on your chat profile, so I cannot tell which credentials are yours")
	}
	return tc.listed(ctx, c, prompts.ListMine, func(ev credentials.Evaluation) []credentials.Item { return ev.Mine(c.Role.Email) })
}

// argID reads the one credential ID argument: its SaaS, its register and
// its id there.
func (tc *tokenCommands) argID(c *Call) (string, *credentials.Service, string, error) {
	if len(c.Args) != 1 {
		return "", nil, "", Invalidf("%s takes one credential ID, such as api-token:5501 or oauth-token:880002", c.Command)
	}
	saas, id, ok := credentials.ParseQualifiedID(strings.ToLower(c.Args[0]))
	if !ok {
		return "", nil, "", Invalidf("%q is not a credential ID; IDs are KIND:NUMBER with KIND one of api-token, oauth-token, oauth-client, app, or github:KIND:NUMBER with KIND fine-grained-token or app", clip(c.Args[0], 40))
	}
	svc, err := tc.register(saas)
	return saas, svc, id, err
}

func (tc *tokenCommands) show(ctx context.Context, c *Call) (bot.Message, error) {
	saas, svc, id, err := tc.argID(c)
	if err != nil {
		return bot.Message{}, err
	}
	it, err := svc.Item(ctx, id)
	if err != nil {
		return bot.Message{}, tc.registerError(saas, id, err)
	}
	if !c.Role.Admin && !c.Role.Is(it.Entry.Owner) {
		return bot.Message{}, Forbiddenf("%s is not yours; admins see every credential, owners see theirs (%s tokens mine)", id, tc.d.Command)
	}
	return tc.view(c).Detail(it), nil
}

func (tc *tokenCommands) claimCommand(ctx context.Context, c *Call) (bot.Message, error) {
	saas, svc, id, err := tc.argID(c)
	if err != nil {
		return bot.Message{}, err
	}
	return tc.openForm(ctx, c, svc, prompts.ActionTokenClaim, "", saas, id)
}

// click answers a credential button.
func (tc *tokenCommands) click(ctx context.Context, c *Call, a *bot.Action) (bot.Message, error) {
	if a.ID == prompts.ActionTokenPage {
		return tc.page(ctx, c, a.Value)
	}
	where, saas, id, ok := prompts.ParseTokenValue(a.Value)
	if !ok {
		return bot.Message{}, badTokenButton()
	}
	svc, err := tc.register(saas)
	if err != nil {
		return bot.Message{}, err
	}
	switch a.ID {
	case prompts.ActionTokenClaim, prompts.ActionTokenKeep, prompts.ActionTokenMigrate:
		return tc.openForm(ctx, c, svc, a.ID, where, saas, id)
	case prompts.ActionTokenRevoke:
		it, outcome, err := svc.Revoke(ctx, id, tc.actor(c))
		if errors.Is(err, credentials.ErrStepUpRequired) {
			return stepUpLink(ctx, tc.d, c, StepUpCredentialRevoke, a.Value, "Revoking "+cmp.Or(it.Name, id))
		}
		if err != nil {
			return bot.Message{}, tc.registerError(saas, id, err)
		}
		if outcome == credentials.InProgress {
			return bot.Message{}, Conflictf("%s", tc.view(c).RevokeLine(it, outcome))
		}
		return tc.redraw(ctx, c, svc, where, it)
	}
	return bot.Message{}, badTokenButton()
}

// openForm checks the clicker may act before opening a form for nothing.
func (tc *tokenCommands) openForm(ctx context.Context, c *Call, svc *credentials.Service, action, where, saas, id string) (bot.Message, error) {
	it, err := svc.Item(ctx, id)
	if err != nil {
		return bot.Message{}, tc.registerError(saas, id, err)
	}
	if it.Entry.State.Ended() || !it.Present {
		return bot.Message{}, tc.registerError(saas, id, credentials.ErrEnded)
	}
	owner := it.Entry.Owner
	v := tc.view(c)
	var form bot.Form
	switch action {
	case prompts.ActionTokenClaim:
		if owner != "" && !c.Role.Admin && !c.Role.Is(owner) && !ownerGone(it) {
			return bot.Message{}, Forbiddenf("%s owns %s; only they or an admin can change its claim", owner, id)
		}
		form = v.ClaimForm(where, it)
	case prompts.ActionTokenKeep, prompts.ActionTokenMigrate:
		switch {
		case owner == "":
			return bot.Message{}, tc.registerError(saas, id, credentials.ErrNoOwner)
		case !c.Role.Admin && !c.Role.Is(owner):
			return bot.Message{}, Forbiddenf("Only %s's owner (%s) or an admin can decide this", id, owner)
		}
		form = v.KeepForm(where, it)
		if action == prompts.ActionTokenMigrate {
			if it.Kind != credentials.APIToken {
				return bot.Message{}, Invalidf("Only API tokens move to OAuth")
			}
			form = v.MigrateForm(where, it)
		}
	}
	return bot.Message{Form: &form, Visibility: bot.Ephemeral}, nil
}

func ownerGone(it credentials.Item) bool {
	for _, r := range it.Reasons {
		if r.Code == credentials.OwnerGone {
			return true
		}
	}
	return false
}

// submit answers the claim, keep and migrate forms.
func (tc *tokenCommands) submit(ctx context.Context, c *Call, f *bot.FormSubmission) (bot.Message, error) {
	where, saas, id, ok := prompts.ParseTokenValue(f.RecordID)
	if !ok {
		return bot.Message{}, Invalidf("That form does not name a credential in the register. Open it again from the digest or with %s tokens claim ID", tc.d.Command)
	}
	svc, err := tc.register(saas)
	if err != nil {
		return bot.Message{}, err
	}
	if f.Cancelled {
		it, err := svc.Item(ctx, id)
		if err != nil {
			return bot.Message{}, tc.registerError(saas, id, err)
		}
		return tc.redraw(ctx, c, svc, where, it)
	}
	a := tc.actor(c)
	var it credentials.Item
	switch f.FormID {
	case prompts.FormTokenClaim:
		claim := credentials.Claim{
			Purpose:    f.Values[prompts.InputPurpose],
			Scopes:     credentials.ParseScopes(f.Values[prompts.InputScopes]),
			RetireWhen: f.Values[prompts.InputRetireWhen],
		}
		if claim.NextReview, err = tc.date(c, f.Values[prompts.InputNextReview], prompts.InputNextReview); err == nil {
			it, err = svc.Claim(ctx, id, a, claim)
		}
	case prompts.FormTokenKeep:
		var until time.Time
		if until, err = tc.date(c, f.Values[prompts.InputTokenKeep], prompts.InputTokenKeep); err == nil {
			it, err = svc.KeepUntil(ctx, id, a, until)
		}
	case prompts.FormTokenMigrate:
		var deadline time.Time
		if deadline, err = tc.date(c, f.Values[prompts.InputDeadline], prompts.InputDeadline); err == nil {
			it, err = svc.Migrate(ctx, id, a, f.Values[prompts.InputPlan], deadline)
		}
	default:
		return bot.Message{}, badTokenButton()
	}
	if fe, ok := errors.AsType[*credentials.FieldError](err); ok {
		return tc.formError(ctx, c, svc, f, where, saas, id, fe)
	}
	if err != nil {
		return bot.Message{}, tc.registerError(saas, id, err)
	}
	return tc.redraw(ctx, c, svc, where, it)
}

// date reads a form's date; a blank one is left for the service to name.
func (tc *tokenCommands) date(c *Call, v, field string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, tc.loc())
	if err != nil {
		return time.Time{}, &credentials.FieldError{Field: field, Message: "Pick a date such as " + c.Now.In(tc.loc()).AddDate(0, 0, 90).Format(time.DateOnly)}
	}
	return d, nil
}

// formError shows the form again, as filled in, with the error on its
// field.
func (tc *tokenCommands) formError(ctx context.Context, c *Call, svc *credentials.Service, f *bot.FormSubmission, where, saas, id string, fe *credentials.FieldError) (bot.Message, error) {
	it, err := svc.Item(ctx, id)
	if err != nil {
		return bot.Message{}, tc.registerError(saas, id, err)
	}
	v := tc.view(c)
	var form bot.Form
	switch f.FormID {
	case prompts.FormTokenClaim:
		form = v.ClaimForm(where, it)
	case prompts.FormTokenKeep:
		form = v.KeepForm(where, it)
	default:
		form = v.MigrateForm(where, it)
	}
	for i := range form.Inputs {
		in := &form.Inputs[i]
		if val, ok := f.Values[in.ID]; ok {
			in.Initial = val
		}
		if in.ID == fe.Field {
			in.Error = fe.Message
		}
	}
	return bot.Message{Form: &form, Visibility: bot.Ephemeral}, nil
}

// redraw answers a decision by replacing the message it came from: the
// digest page showing the credential, or the credential's own view.
func (tc *tokenCommands) redraw(ctx context.Context, c *Call, svc *credentials.Service, where string, it credentials.Item) (bot.Message, error) {
	if where == "" {
		m := tc.view(c).Detail(it)
		m.Delivery = bot.ReplaceOriginal
		return m, nil
	}
	_, period, to, _ := prompts.ParseTokenDigest(where)
	return tc.digest(ctx, c, svc, period, to, it.ID, 0)
}

// digest draws a recipient's digest from svc as it stands now, on page
// (or, when page is 0, the page showing credential id).
func (tc *tokenCommands) digest(ctx context.Context, c *Call, svc *credentials.Service, period, to, id string, page int) (bot.Message, error) {
	d, err := svc.Digest(ctx, period, to)
	if err != nil {
		return bot.Message{}, err
	}
	ev, err := svc.Evaluate(ctx)
	if err != nil {
		return bot.Message{}, tc.registerError(svc.SaaS, "", err)
	}
	items := ev.Pick(d.IDs)
	if page == 0 {
		page = 1
		for i, it := range items {
			if it.ID == id {
				page = i/prompts.TokenPageSize + 1
			}
		}
	}
	v := tc.view(c)
	v.SaaS = svc.SaaS
	m := v.Digest(period, to, items, ev.Summarize(tc.loc()), page)
	m.Delivery = bot.ReplaceOriginal
	return m, nil
}

// page turns a credential list's page.
func (tc *tokenCommands) page(ctx context.Context, c *Call, value string) (bot.Message, error) {
	token, page, ok := bot.ParsePageValue(value)
	if !ok {
		return bot.Message{}, badTokenButton()
	}
	if saas, period, to, ok := prompts.ParseTokenDigest(token); ok {
		if to != credentials.AdminDigest && !c.Role.Admin && !c.Role.Is(to) {
			return bot.Message{}, Forbiddenf("That digest is %s's; only they and admins can page through it", to)
		}
		svc, err := tc.register(saas)
		if err != nil {
			return bot.Message{}, err
		}
		return tc.digest(ctx, c, svc, period, to, "", page)
	}
	list, saas, ok := prompts.ParseList(token)
	if !ok {
		return bot.Message{}, badTokenButton()
	}
	among := tc.registers
	if saas != "" {
		svc, err := tc.register(saas)
		if err != nil {
			return bot.Message{}, err
		}
		among = []Governed{{Connector: saas, Credentials: svc}}
	}
	pick := credentials.Evaluation.Orphans
	switch list {
	case prompts.ListOrphaned:
		if !c.Role.Admin {
			return bot.Message{}, Forbiddenf("The orphan list is only for admins")
		}
	case prompts.ListMine:
		pick = func(ev credentials.Evaluation) []credentials.Item { return ev.Mine(c.Role.Email) }
	}
	items, err := tc.items(ctx, among, pick)
	if err != nil {
		return bot.Message{}, err
	}
	m := tc.view(c).List(token, items, page)
	m.Delivery = bot.ReplaceOriginal
	return m, nil
}

// registerError words the register's refusals as one line.
func (tc *tokenCommands) registerError(saas, id string, err error) error {
	title := connector.Title(connector.OrZendesk(saas))
	id = credentials.QualifiedID(saas, id)
	if na, ok := errors.AsType[*credentials.NotAllowedError](err); ok {
		return Forbiddenf("Sorry, %s", na.Why)
	}
	switch {
	case errors.Is(err, credentials.ErrNoInventory) && len(tc.registers) > 1:
		return Unavailablef("The %s credential register is empty until the first sync; an admin can run seatwarden run-job sync", title)
	case errors.Is(err, credentials.ErrNoInventory):
		return Unavailablef("The credential register is empty until the first sync; an admin can run seatwarden run-job sync")
	case errors.Is(err, credentials.ErrNotFound):
		return NotFoundf("No credential %s in the register; %s tokens lists what there is", clip(id, 40), tc.d.Command)
	case errors.Is(err, credentials.ErrEnded):
		return Conflictf("%s no longer exists in %s, so there is nothing to decide", id, title)
	case errors.Is(err, credentials.ErrNoOwner):
		return Conflictf("Nobody owns %s yet: Claim it first (%s tokens claim %s)", id, tc.d.Command, id)
	case errors.Is(err, credentials.ErrNotRevocable):
		return Conflictf("%s cannot be revoked from chat: only OAuth tokens (revoked in Zendesk), GitHub fine-grained tokens and Zendesk API tokens (retired in Admin Center) can", id)
	}
	return err
}

func badTokenButton() *Error {
	return Invalidf("That button does not name a credential in the register; it may have been altered. Use the buttons in your latest digest")
}

func (tc *tokenCommands) actor(c *Call) credentials.Actor {
	return credentials.Actor{Email: c.Role.Email, Admin: c.Role.Admin}
}

func (tc *tokenCommands) view(c *Call) prompts.Register {
	return prompts.Register{Location: tc.loc(), Now: c.Now, Command: tc.d.Command}
}

func (tc *tokenCommands) loc() *time.Location { return tc.d.Policy.Location }
