package commands

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/stepup"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/verify"
	"github.com/seatwarden/seatwarden/watch"
)

// Handler answers one command. Errors are answered by the router: return an
// *Error for something the asker can act on, anything else for a failure
// (the asker then sees a reference, the log the detail).
type Handler func(ctx context.Context, c *Call) (bot.Message, error)

// Middleware wraps a handler: authorization, audit, logging.
type Middleware func(Handler) Handler

// Access says who may use a command. The zero value is deliberately not an
// access level, so a definition that forgets to say is refused at start-up
// rather than open to everyone.
type Access int

// Access levels.
const (
	Everyone Access = iota + 1
	Admins
	AdminsOrOwners
)

func (a Access) String() string {
	switch a {
	case Everyone:
		return "everyone"
	case Admins:
		return "admins"
	case AdminsOrOwners:
		return "admins and owners"
	}
	return fmt.Sprintf("access(%d)", int(a))
}

// Definition registers one command.
type Definition struct {
	// Name is the command's words, e.g. "seats inactive".
	Name string
	// Aliases are other words for the same command, e.g. "seats idle".
	Aliases []string
	// Usage starts with Name and names the arguments in capitals, optional
	// ones in brackets: "seats inactive [DAYS]".
	Usage       string
	Description string
	// Examples are complete commands without the slash command. Each must
	// route to this definition; the first is shown with usage errors.
	Examples    []string
	Access      Access
	Middlewares []Middleware
	Handler     Handler
	// Actions are the button clicks this command answers (its pager, for
	// one). The handler sees them in Call.Request.Action.
	Actions []ActionRoute
	// Forms are the form ids whose submissions this command answers; the
	// handler sees them in Call.Request.Form.
	Forms []string
	// ControlAccess, when set, is who may click this command's buttons and
	// submit its forms instead of Access: a digest's buttons are for
	// whoever the record names, which the handler checks itself.
	ControlAccess Access
	// Accepts, when set on a command that others extend ("seats" of
	// "seats inactive"), says whether words after its name are its
	// arguments; when it says no they are taken for a mistyped command
	// and answered with help.
	Accepts func(args []string) bool
}

// ActionRoute matches a clicked control: its action id and the start of its
// value. Several commands can share an action id (one pager verb for all
// seat lists) when their value prefixes do not overlap.
type ActionRoute struct {
	ID          string
	ValuePrefix string
}

// Call is one invocation of a command.
type Call struct {
	Request bot.Request
	// Command is the definition's Name, whichever alias was typed.
	Command string
	// Args are the words after the command's words, as typed.
	Args []string
	Role Role
	Now  time.Time
}

// Role is what the policy says about the asker.
type Role struct {
	// Email is the asker's resolved email, lower case; empty when the
	// transport could not resolve one, which makes the asker nobody.
	Email string
	Admin bool
	// Groups are the Zendesk groups the policy names the asker owner of.
	Groups []string
	// DefaultOwner: the asker answers for seats of every group not listed.
	DefaultOwner bool
}

// Owner reports whether the asker answers for any seats.
func (r Role) Owner() bool { return len(r.Groups) > 0 || r.DefaultOwner }

// Is reports whether the seat owner named by the policy is the asker.
func (r Role) Is(email string) bool {
	return r.Email != "" && strings.EqualFold(r.Email, email)
}

// String names the role for logs: "admin", "owner" or "nobody".
func (r Role) String() string {
	switch {
	case r.Admin:
		return "admin"
	case r.Owner():
		return "owner"
	}
	return "nobody"
}

// May reports whether the role passes access a.
func (r Role) May(a Access) bool {
	switch a {
	case Everyone:
		return true
	case Admins:
		return r.Admin
	case AdminsOrOwners:
		return r.Admin || r.Owner()
	}
	return false
}

// Deps is what commands read. None of it is a transport.
type Deps struct {
	// Snapshots is where the synced seat snapshot is read from; commands
	// never call Zendesk.
	Snapshots store.Snapshots
	// Audit receives an entry for every command that changes something.
	Audit store.Audit
	// Policy is the seat rules' part of the policy.
	Policy seats.Policy
	// Admins are people, by email, who may use every command.
	Admins []string
	// Owners says who answers for a seat, by its default group.
	Owners seats.Owners
	// Governed lists the SaaS besides Zendesk (which Policy and Owners
	// describe) whose seats the commands answer for, each with its own
	// rules; empty when Zendesk is the only one.
	Governed []Governed
	// Command is the slash command shown in examples; default "/warden".
	Command string
	// SnapshotCheck is how often commands ask the store whether a sync
	// saved a new snapshot (default DefaultSnapshotCheck; negative: before
	// every command). Router.SnapshotSaved skips the wait.
	SnapshotCheck time.Duration
	// Reviews runs the seat review; nil leaves out the review command and
	// the digest's buttons.
	Reviews *reviews.Service
	// StepUp starts a step-up for who before action and returns the
	// one-time link to the company's sign-in and when it expires; nil
	// when no provider is set up.
	StepUp func(ctx context.Context, who string, action stepup.Action) (link string, expires time.Time, err error)
	// Verify is caller verification; nil leaves out the verify commands.
	Verify *verify.Service
	// VerifyAllowed are who may start one; agents are the Zendesk staff
	// at the last sync. Zero: agents and admins.
	VerifyAllowed verify.Askers
	// VerifyDeliver sends a started verification's prompt and code and
	// says whether the person could be reached (the verification's state).
	VerifyDeliver func(ctx context.Context, v verify.Verification) (verify.Verification, error)
	// VerifyStarted is told when a verification's prompt went out, to
	// post the asker's status message off the command's path. It may be
	// nil.
	VerifyStarted func(ctx context.Context, v verify.Verification)
	// VerifyEnded is told when a tap ends a verification, to redraw its
	// messages, tell security and write the ticket note, off the click's
	// path. It may be nil.
	VerifyEnded func(ctx context.Context, v verify.Verification)
	// PrivilegeReviews runs the quarterly privilege review; nil leaves out
	// `review privilege` and its digests' buttons.
	PrivilegeReviews *reviews.Service
	// ReviewChanged is told, after a decision, which owners' digests
	// changed, so copies posted elsewhere are redrawn and seats handed on
	// reach their new owner. except is the message the click came from,
	// which the reply itself redraws. It may be nil.
	ReviewChanged func(ctx context.Context, saas, period string, except bot.MessageRef, owners ...string)
	// Credentials is the credential register; nil leaves out the tokens
	// commands and the credential digest's buttons.
	Credentials *credentials.Service
	// Approvals runs approval requests; nil leaves out the request
	// commands and the approval thread's buttons.
	Approvals *approvals.Service
	// ApprovalChanged is told which request a command changed, so what
	// the change promised (thread replies, the parent's redraw, direct
	// messages) is posted off the command's path. It may be nil; the
	// reminders job posts anything left.
	ApprovalChanged func(ctx context.Context, id string)
	// Access grants privileged roles for a while; nil leaves out the
	// access commands. access request also needs Approvals, whose form
	// it opens.
	Access *access.Service
	// Directory is the company directory from the identity source; nil
	// when none is set up (whois then says so).
	Directory *directory.Service
	// Watch is the audit watch, whose alerts' buttons these commands
	// answer; nil leaves them out.
	Watch *watch.Service
	// CustomRoles reads Zendesk's custom roles for the posture; nil
	// leaves their line out.
	CustomRoles connector.Roles
	// MFARequired are who must have two-factor authentication
	// (posture.mfa_required_roles); nil is posture.DefaultRequired.
	MFARequired []string
	// BrokeGlass is told when someone takes a role by break-glass, so
	// the admin channel and every approver hear of it off the command's
	// path. It may be nil.
	BrokeGlass func(ctx context.Context, grantID string)
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives one line per command and the detail of failures;
	// default discards.
	Logger *slog.Logger
}

// Governed is one more SaaS whose seats the commands answer for.
type Governed struct {
	// Connector names it ("github"), as people type it after seats.
	Connector string
	Policy    seats.Policy
	Owners    seats.Owners
	// Reviews is its seat review; nil leaves its digests' buttons out.
	Reviews *reviews.Service
	// Credentials is its credential register; nil when the tokens
	// commands do not cover it.
	Credentials *credentials.Service
}

// saas lists every governed SaaS, Zendesk first, each with its rules.
func (d Deps) saas() []Governed {
	return append([]Governed{{Connector: connector.Zendesk, Policy: d.Policy, Owners: d.Owners, Credentials: d.Credentials}}, d.Governed...)
}

// namedSaaS finds the SaaS people named among those a command covers;
// the error lists them, with an example of the command.
func namedSaaS(name string, among []Governed, example string) (Governed, error) {
	var names []string
	for _, g := range among {
		if strings.EqualFold(name, g.Connector) {
			return g, nil
		}
		names = append(names, g.Connector)
	}
	return Governed{}, Invalidf("%q is not a governed SaaS; this bot governs %s. Example: %s %s",
		clip(name, 40), strings.Join(names, ", "), escape(example), names[len(names)-1])
}

// forSaaS is d with g's seat rules in place of Zendesk's.
func (d Deps) forSaaS(g Governed) Deps {
	d.Policy, d.Owners = g.Policy, g.Owners
	if d.Policy.Location == nil {
		d.Policy.Location = time.UTC
	}
	if d.Policy.InactivityDays < 1 {
		d.Policy.InactivityDays = 30
	}
	return d
}

func (d Deps) withDefaults() Deps {
	if d.Command == "" {
		d.Command = "/warden"
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.SnapshotCheck == 0 {
		d.SnapshotCheck = DefaultSnapshotCheck
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Policy.Location == nil {
		d.Policy.Location = time.UTC
	}
	if d.Policy.InactivityDays < 1 {
		// Zero would make every seat inactive; 30 is the policy default.
		d.Policy.InactivityDays = 30
	}
	return d
}

// role resolves what the policy says about u.
func (d Deps) role(u bot.User) Role {
	email := people.Key(u.Email)
	r := Role{Email: email}
	if email == "" {
		return r
	}
	r.Admin = slices.ContainsFunc(d.Admins, func(a string) bool { return people.Same(a, email) })
	r.DefaultOwner = d.Owners.IsDefault(email)
	r.Groups = d.Owners.GroupsOf(email)
	slices.Sort(r.Groups)
	return r
}

// Router routes requests to definitions and turns every outcome into a
// reply.
type Router struct {
	deps    Deps
	defs    []*route
	byKey   map[string]*route // normalised name or alias → route
	maxKey  int               // most words in any key
	actions []actionEntry
	forms   map[string]*route // form id → route

	onSnapshotSaved   []func()
	onSnapshotPatched []func(name, before, after string, patches []store.MemberPatch)
	// viewsSettled wait for the views being judged in the background.
	viewsSettled []func()
	// judged are the governed SaaS's judged seats as the views hold them,
	// by connector.
	judged map[string]func(ctx context.Context, now time.Time) (seats.Report, error)
}

// JudgedSeats is the seats of name's snapshot as it stands now, judged at
// now as the seat commands judge them: from this replica's view of it
// when the view is of that snapshot, else judged now and kept as the
// view. A job opening a review reads them here, so a replica judges a
// snapshot once for its commands and its jobs. ok is false when the
// commands do not govern name.
func (r *Router) JudgedSeats(ctx context.Context, name string, now time.Time) (report seats.Report, ok bool, err error) {
	judged, ok := r.judged[store.ConnectorOrDefault(name)]
	if !ok {
		return seats.Report{}, false, nil
	}
	report, err = judged(ctx, now)
	return report, true, err
}

// SnapshotSaved tells the commands that this process just saved a new
// snapshot: it is judged before SnapshotSaved returns, so the next answer
// reads it rather than waiting for the next periodic check
// (Deps.SnapshotCheck), and the sync job, not a person, waits for it.
func (r *Router) SnapshotSaved() {
	for _, f := range r.onSnapshotSaved {
		f()
	}
}

// SnapshotPatched tells the commands that this process just patched
// name's snapshot from revision before to after: a view judged at before
// applies the patches itself, so the next answer shows them without the
// snapshot being judged again.
func (r *Router) SnapshotPatched(name, before, after string, patches []store.MemberPatch) {
	for _, f := range r.onSnapshotPatched {
		f(name, before, after, patches)
	}
}

// settleViews waits for the views being judged in the background.
func (r *Router) settleViews() {
	for _, f := range r.viewsSettled {
		f()
	}
}

type route struct {
	def     Definition
	keys    []string // normalised name and aliases
	argless bool     // Usage names no arguments
	// parent: some longer key starts with one of this route's keys, so
	// surplus words are more likely a mistyped subcommand than arguments.
	parent  bool
	handler Handler // with middlewares applied
	// control answers the route's buttons and forms (ControlAccess).
	control Handler
}

type actionEntry struct {
	ActionRoute
	route *route
}

// HelpName is the built-in help command.
const HelpName = "help"

// NewRouter checks defs and builds the routing table. The help command is
// added to them. It fails on what would make routing ambiguous or a command
// unusable: an empty name, a name or alias used twice (help included), a
// missing handler or access level, a Usage that does not start with the
// name, an example that would be routed to another command, and action
// routes that overlap.
//
// Routing takes the longest run of leading words that is a name or alias,
// so "seats inactive 60" runs "seats inactive" with argument "60", never
// "seats" with "inactive 60".
func NewRouter(deps Deps, defs ...Definition) (*Router, error) {
	deps = deps.withDefaults()
	if deps.Snapshots == nil {
		return nil, errors.New("commands: Deps.Snapshots is required")
	}
	r := &Router{deps: deps, byKey: map[string]*route{}, forms: map[string]*route{}}
	all := append([]Definition{r.helpDefinition()}, defs...)
	var problems []string
	owner := map[string]string{} // key → "name of X" / "alias of X", for the message
	for _, def := range all {
		rt := &route{def: def}
		if msg := checkDefinition(def); msg != "" {
			problems = append(problems, msg)
			continue
		}
		for i, k := range append([]string{def.Name}, def.Aliases...) {
			key := normalizeKey(strings.Fields(k)...)
			what := fmt.Sprintf("alias of %q", def.Name)
			if i == 0 {
				what = fmt.Sprintf("name of %q", def.Name)
			}
			if key == "" {
				problems = append(problems, fmt.Sprintf("%s: empty alias", what))
				continue
			}
			if prev, dup := owner[key]; dup {
				problems = append(problems, fmt.Sprintf("%q is the %s and also the %s", key, prev, what))
				continue
			}
			owner[key] = what
			rt.keys = append(rt.keys, key)
			r.byKey[key] = rt
			r.maxKey = max(r.maxKey, len(strings.Fields(key)))
		}
		usageWords := strings.Fields(def.Usage)
		rt.argless = len(usageWords) == len(strings.Fields(def.Name))
		r.defs = append(r.defs, rt)
	}
	for _, rt := range r.defs {
		for _, k := range rt.keys {
			for other := range r.byKey {
				if strings.HasPrefix(other, k+" ") {
					rt.parent = true
				}
			}
		}
	}
	// Examples are checked against the finished table: the longest-match
	// rule can send an example to a longer command.
	for _, rt := range r.defs {
		for _, ex := range rt.def.Examples {
			words, err := Parse(ex)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%q: example %q: %v", rt.def.Name, ex, err))
				continue
			}
			got, _ := r.resolve(words)
			switch {
			case got == nil:
				problems = append(problems, fmt.Sprintf("%q: example %q matches no command", rt.def.Name, ex))
			case got != rt:
				problems = append(problems, fmt.Sprintf("%q: example %q would run %q (the longest matching name wins)", rt.def.Name, ex, got.def.Name))
			}
		}
		for _, a := range rt.def.Actions {
			if a.ID == "" {
				problems = append(problems, fmt.Sprintf("%q: an action route has no ID", rt.def.Name))
				continue
			}
			for _, e := range r.actions {
				if e.ID == a.ID && (strings.HasPrefix(a.ValuePrefix, e.ValuePrefix) || strings.HasPrefix(e.ValuePrefix, a.ValuePrefix)) {
					problems = append(problems, fmt.Sprintf("%q: action %q with value prefix %q overlaps %q's prefix %q", rt.def.Name, a.ID, a.ValuePrefix, e.route.def.Name, e.ValuePrefix))
				}
			}
			r.actions = append(r.actions, actionEntry{ActionRoute: a, route: rt})
		}
		for _, f := range rt.def.Forms {
			if f == "" {
				problems = append(problems, fmt.Sprintf("%q: a form route has no ID", rt.def.Name))
				continue
			}
			if prev, dup := r.forms[f]; dup {
				problems = append(problems, fmt.Sprintf("%q: form %q is also answered by %q", rt.def.Name, f, prev.def.Name))
				continue
			}
			r.forms[f] = rt
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("commands: %s", strings.Join(problems, "; "))
	}
	for _, rt := range r.defs {
		rt.handler = r.chain(rt.def, rt.def.Access)
		rt.control = rt.handler
		if rt.def.ControlAccess != 0 {
			rt.control = r.chain(rt.def, rt.def.ControlAccess)
		}
	}
	return r, nil
}

func checkDefinition(def Definition) string {
	name := strings.Join(strings.Fields(def.Name), " ")
	switch {
	case name == "":
		return "a definition has no name"
	case def.Handler == nil:
		return fmt.Sprintf("%q has no handler", name)
	case def.Access < Everyone || def.Access > AdminsOrOwners:
		return fmt.Sprintf("%q has no access level (Everyone, Admins or AdminsOrOwners)", name)
	case !strings.HasPrefix(normalizeKey(strings.Fields(def.Usage)...)+" ", normalizeKey(strings.Fields(name)...)+" "):
		return fmt.Sprintf("%q: usage %q does not start with the name", name, def.Usage)
	case len(def.Examples) == 0:
		return fmt.Sprintf("%q has no example", name)
	}
	for _, w := range strings.Fields(name) {
		if first, _ := utf8.DecodeRuneInString(w); quotePairs[first] != 0 {
			return fmt.Sprintf("%q: a name cannot start a word with a quote", name)
		}
	}
	return ""
}

// chain wraps def's handler: logging outermost (it sees refusals and
// failures too), then panic recovery, authorization, and the definition's
// own middlewares in order.
func (r *Router) chain(def Definition, access Access) Handler {
	h := def.Handler
	for i := len(def.Middlewares) - 1; i >= 0; i-- {
		h = def.Middlewares[i](h)
	}
	h = Authorize(access)(h)
	h = recoverPanics(h)
	return Logging(r.deps.Logger)(h)
}

// resolve finds the route for the leading words, the longest name or
// alias, and the arguments after it. Surplus words after a command that
// takes no arguments but has subcommands ("seats inactiv") are a mistyped
// subcommand: no route.
func (r *Router) resolve(words []string) (*route, []string) {
	for n := min(len(words), r.maxKey); n > 0; n-- {
		if rt, ok := r.byKey[normalizeKey(words[:n]...)]; ok {
			if rt.parent && n < len(words) && (rt.argless || (rt.def.Accepts != nil && !rt.def.Accepts(words[n:]))) {
				return nil, words
			}
			return rt, words[n:]
		}
	}
	return nil, words
}

// Handle answers req. It never fails: refusals, bad arguments, failures and
// panics all become a reply.
func (r *Router) Handle(ctx context.Context, req bot.Request) (reply bot.Message) {
	call := &Call{Request: req, Role: r.deps.role(req.User), Now: r.deps.Now()}
	var rt *route
	defer func() {
		// Handlers are recovered inside their chain; this catches the rest
		// (routing itself), so a request can never take the process down.
		if v := recover(); v != nil {
			reply = r.errorReply(ctx, call, rt, &panicError{value: v, stack: debug.Stack()})
		}
	}()
	var err error
	rt, err = r.route(call)
	if err != nil || rt == nil {
		// Requests that reach no command are logged here; the rest by the
		// Logging middleware.
		outcome := "unknown command"
		if err != nil {
			outcome = err.Error()
		}
		r.deps.Logger.InfoContext(ctx, "command not routed", slog.String("user", userLabel(req.User)),
			slog.String("platform", string(req.Platform)), slog.String("role", call.Role.String()), slog.String("outcome", outcome))
	}
	if err != nil {
		return r.errorReply(ctx, call, rt, err)
	}
	if rt == nil {
		return r.unknown(call, call.Args)
	}
	h := rt.handler
	if req.Action != nil || req.Form != nil {
		h = rt.control
	}
	msg, err := h(ctx, call)
	if err != nil {
		return r.errorReply(ctx, call, rt, err)
	}
	return msg
}

// route fills call.Command and call.Args. A nil route with a nil error
// means "answer with help"; call.Args then holds the unknown words.
func (r *Router) route(call *Call) (*route, error) {
	req := call.Request
	switch {
	case req.Action != nil:
		for _, e := range r.actions {
			if e.ID == req.Action.ID && strings.HasPrefix(req.Action.Value, e.ValuePrefix) {
				call.Command = e.route.def.Name
				return e.route, nil
			}
		}
		return nil, NotFoundf("That button is no longer in use. Run %s help to see what you can do.", r.deps.Command)
	case req.Form != nil:
		if rt, ok := r.forms[req.Form.FormID]; ok {
			call.Command = rt.def.Name
			return rt, nil
		}
		return nil, NotFoundf("That form is no longer in use. Run %s help to see what you can do.", r.deps.Command)
	}
	words, err := Parse(req.Text)
	if err != nil {
		if e, ok := errors.AsType[*Error](err); ok && e.Example == "" {
			err = e.WithExample(r.parseExample(req.Text))
		}
		return nil, err
	}
	// People paste the slash command along with its words; drop it.
	if len(words) > 0 && strings.EqualFold(words[0], r.deps.Command) {
		words = words[1:]
	}
	if len(words) == 0 {
		call.Command = HelpName
		return r.byKey[HelpName], nil
	}
	rt, args := r.resolve(words)
	if rt == nil {
		call.Args = words
		return nil, nil
	}
	call.Command = rt.def.Name
	if len(args) > 0 {
		call.Args = args
	}
	return rt, nil
}

// parseExample is the example shown when the text itself does not parse:
// for a quoting mistake, a registered example that quotes; otherwise help.
func (r *Router) parseExample(text string) string {
	if strings.ContainsFunc(text, func(c rune) bool { _, q := quotePairs[c]; return q }) {
		for _, rt := range r.defs {
			for _, ex := range rt.def.Examples {
				if strings.ContainsFunc(ex, func(c rune) bool { _, q := quotePairs[c]; return q }) {
					return ex
				}
			}
		}
	}
	return HelpName
}

// errorReply is the one place errors become words. An *Error is shown as
// one line (Invalid with an example); anything else is shown as a reference
// and logged in full under it.
func (r *Router) errorReply(ctx context.Context, call *Call, rt *route, err error) bot.Message {
	line := ""
	if e, ok := errors.AsType[*Error](err); ok && e.Code >= Invalid && e.Code <= Unavailable {
		line = strings.TrimSpace(e.Message)
		if e.Code == Invalid {
			line = "Usage error: " + line
		}
		example := e.Example
		if example == "" && e.Code == Invalid && rt != nil {
			example = rt.def.Examples[0]
		}
		if example != "" {
			line += ", e.g. " + r.deps.Command + " " + example
		}
	} else {
		ref := newReference()
		attrs := []any{slog.String("ref", ref), slog.String("command", call.Command),
			slog.String("user", userLabel(call.Request.User)), slog.String("platform", string(call.Request.Platform)),
			slog.Any("error", err)}
		if p, ok := errors.AsType[*panicError](err); ok {
			attrs = append(attrs, slog.String("stack", string(p.stack)))
		}
		r.deps.Logger.ErrorContext(ctx, "command failed", attrs...)
		line = fmt.Sprintf("Something went wrong (ref %s). An admin can look it up in the bot's logs.", ref)
	}
	return bot.Message{
		Sections: []bot.Section{{Text: escape(oneLine(line))}},
		// A new ephemeral message even for a click, so a failed page turn
		// does not wipe the list the person was reading.
		Visibility: bot.Ephemeral,
		Delivery:   bot.NewMessage,
		// A failed form took nothing: keep it open with what was typed.
		KeepFormOpen: call.Request.Form != nil,
	}
}

// oneLine folds line breaks (from wrapped causes or pasted arguments) so an
// error stays the one line it is meant to be.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// newReference is eight characters people can read out or paste into a log
// search; unambiguous letters and digits only.
func newReference() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// panicError carries a recovered panic to the error reply.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// recoverPanics turns a panic in a handler or middleware into an error, so
// logging still records the call and the asker gets a reference.
func recoverPanics(next Handler) Handler {
	return func(ctx context.Context, c *Call) (msg bot.Message, err error) {
		defer func() {
			if v := recover(); v != nil {
				msg, err = bot.Message{}, &panicError{value: v, stack: debug.Stack()}
			}
		}()
		return next(ctx, c)
	}
}

func userLabel(u bot.User) string {
	if u.Email != "" {
		return u.Email
	}
	return u.ID
}
