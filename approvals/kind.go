// Package approvals runs approval threads: a person asks for something
// (an app install, a change), approvers from the policy approve or deny it
// in a thread, and the request moves through a state machine kept in the
// store with compare-and-set, so duplicate clicks and several replicas
// never count an approval twice or announce an outcome twice.
//
// The engine knows nothing about apps or changes: a Kind defines its form,
// how risky a request is and what an approved request waits for next. App
// and Change are the kinds of changes there are; Access asks for a
// privileged role for a while, which the access package then grants.
package approvals

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/prose"
	"github.com/seatwarden/seatwarden/people"
)

// Tier is how risky a request is; it sets how many approvals it needs.
type Tier string

// Risk tiers, in order.
const (
	Low  Tier = "low"
	High Tier = "high"
)

func (t Tier) rank() int {
	if t == High {
		return 1
	}
	return 0
}

// FieldKind is what a form field holds.
type FieldKind int

// Field kinds.
const (
	Text FieldKind = iota
	Multiline
	Date
	Choice
)

// Option is one choice of a Choice field.
type Option struct {
	Value, Label string
}

// Field is one question of a kind's form, in the words the form shows.
type Field struct {
	ID        string
	Label     string
	Hint      string
	Kind      FieldKind
	Required  bool
	Options   []Option
	MaxLength int
}

// Answers are a form's answers by field id.
type Answers map[string]string

// FieldError is an answer a request cannot take, with what to do instead.
type FieldError struct{ Field, Message string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// FormError holds every field error of one submission, so the form shows
// them all at once.
type FormError struct{ Fields []FieldError }

func (e *FormError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return "approvals: " + strings.Join(parts, "; ")
}

// On returns the message for field, or "".
func (e *FormError) On(field string) string {
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

// Next is what an approved request waits for.
type Next string

// What approved requests wait for.
const (
	// AwaitDone: someone marks the approved thing done (an app
	// installed); the next sync checks it.
	AwaitDone Next = "done"
	// AwaitReview: on the review date the owner keeps, rolls back or
	// extends it.
	AwaitReview Next = "review"
	// AwaitGrant: the role is granted for the duration asked, and taken
	// back at its end, by the access-expiry job.
	AwaitGrant Next = "grant"
)

// Kind defines one kind of request.
type Kind struct {
	// Name is the kind's word in commands and the policy: "app".
	Name string
	// Noun names a request of this kind in messages: "App install".
	Noun   string
	Fields []Field
	// Check validates and normalises answers in place. Field errors come
	// back together; tier is the tier the request will have, so a check
	// can ask more of a high-risk request.
	Check func(a Answers, tier Tier, c CheckContext) []FieldError
	// Suggest is the tier the answers suggest, and why in words ("" for
	// low).
	Suggest func(a Answers, c CheckContext) (Tier, string)
	// Title is the request's one-line summary.
	Title func(a Answers) string
	// OwnerField and ReviewField name the fields holding who will own the
	// result and when to review it; either may be empty.
	OwnerField, ReviewField string
	// Next is what an approved request of this kind waits for.
	Next Next
}

// CheckContext is what a check may compare answers with.
type CheckContext struct {
	Today    time.Time // midnight, in the policy's zone
	Location *time.Location
	// Access is the policy of privileged roles an access request checks
	// its role and duration against.
	Access access.Policy
}

// field returns the kind's field by id.
func (k *Kind) field(id string) (Field, bool) {
	i := slices.IndexFunc(k.Fields, func(f Field) bool { return f.ID == id })
	if i < 0 {
		return Field{}, false
	}
	return k.Fields[i], true
}

// MaxReviewDays is the furthest a review date may be set.
const MaxReviewDays = 365

// checkCommon enforces what every field declares: required, length, a
// choice among the options, a date in the allowed window. Kinds add their
// own rules after it.
func (k *Kind) checkCommon(a Answers, c CheckContext) []FieldError {
	var errs []FieldError
	for _, f := range k.Fields {
		v := strings.TrimSpace(a[f.ID])
		if f.Kind != Multiline {
			v = strings.Join(strings.Fields(v), " ")
		}
		a[f.ID] = v
		switch {
		case v == "" && f.Required:
			errs = append(errs, FieldError{f.ID, "Required: " + strings.ToLower(f.Label[:1]) + f.Label[1:]})
		case v == "":
		case f.MaxLength > 0 && len([]rune(v)) > f.MaxLength:
			errs = append(errs, FieldError{f.ID, fmt.Sprintf("At most %d characters; this is %d", f.MaxLength, len([]rune(v)))})
		case f.Kind == Choice && !slices.ContainsFunc(f.Options, func(o Option) bool { return o.Value == v }):
			errs = append(errs, FieldError{f.ID, "Pick one of the options"})
		case f.Kind == Date:
			if msg := checkDate(v, c); msg != "" {
				errs = append(errs, FieldError{f.ID, msg})
			}
		}
	}
	return errs
}

func checkDate(v string, c CheckContext) string {
	d, err := time.ParseInLocation(time.DateOnly, v, c.Location)
	example := c.Today.AddDate(0, 0, 90).Format(time.DateOnly)
	switch {
	case err != nil:
		return "Not a date; pick one such as " + example
	case !d.After(c.Today):
		return "Pick a date after today, such as " + example
	case d.After(c.Today.AddDate(0, 0, MaxReviewDays)):
		return fmt.Sprintf("Pick a date within %d days, such as %s", MaxReviewDays, example)
	}
	return ""
}

// checkEmail normalises an email answer.
func checkEmail(a Answers, field string) []FieldError {
	v := a[field]
	if v == "" {
		return nil
	}
	addr, err := people.ParseEmail(v)
	if err != nil {
		return []FieldError{{field, "An email address such as " + people.Example}}
	}
	a[field] = addr
	return nil
}

// Field ids of the kinds' forms; policy risk rules name them.
const (
	FieldApp      = "app"
	FieldSaaS     = "saas"
	FieldWhy      = "why"
	FieldData     = "data"
	FieldScopes   = "scopes"
	FieldOwner    = "owner"
	FieldReview   = "review"
	FieldWhat     = "what"
	FieldTier     = "tier"
	FieldRollback = "rollback"
	FieldRole     = "role"
	FieldDuration = "duration"
	FieldTicket   = "ticket"
	FieldPeer     = "peer"
)

// Values of the app form's data field and the change form's tier field.
const (
	DataNone         = "none"
	DataTickets      = "tickets"
	DataUsers        = "users"
	DataTicketsUsers = "tickets_users"
	DataCustomerPII  = "customer_pii"

	TierSuggest = "suggest"
)

// scopePattern is one OAuth scope as Zendesk names them: read, write,
// impersonate, or RESOURCE:read / RESOURCE:write.
var scopePattern = regexp.MustCompile(`^(read|write|impersonate|[a-z_]+:(read|write))$`)

// githubRisky are the GitHub App permissions that make an app request
// high risk, with why.
var githubRisky = map[string]string{
	"organization_administration:write": "it asks to administer the organization",
	"administration:write":              "it asks to administer repositories",
	"members:write":                     "it asks to change members and teams",
}

// saasOptions are the SaaS an app can be installed in, as the app form
// offers them.
func saasOptions() []Option {
	out := make([]Option, len(connector.Names))
	for i, n := range connector.Names {
		out[i] = Option{n, connector.Title(n)}
	}
	return out
}

// App is an app-install request: a Zendesk app, or a GitHub App on the
// organisation ("saas" says which; Zendesk when unanswered).
var App = &Kind{
	Name: "app",
	Noun: "App install",
	Fields: []Field{
		{ID: FieldApp, Label: "App", Hint: "As it is named in the Zendesk Marketplace, or the GitHub App's name", Kind: Text, Required: true, MaxLength: 100},
		{ID: FieldSaaS, Label: "Where", Hint: "The SaaS it is installed in", Kind: Choice, Options: saasOptions()},
		{ID: FieldWhy, Label: "Why we need it", Kind: Multiline, Required: true, MaxLength: 1000},
		{ID: FieldData, Label: "Zendesk data it touches", Kind: Choice, Required: true, Options: []Option{
			{DataNone, "None"}, {DataTickets, "Tickets"}, {DataUsers, "Users"}, {DataTicketsUsers, "Tickets and users"},
			{DataCustomerPII, "Customer PII (names, emails, phone numbers, addresses)"},
		}},
		{ID: FieldScopes, Label: "Scopes it asks for", Hint: "Separated by spaces, e.g. read tickets:write; a GitHub App's permissions, e.g. contents:read members:write", Kind: Text, Required: true, MaxLength: 300},
		{ID: FieldOwner, Label: "Who will own it", Hint: "Their email; they answer for it at review", Kind: Text, Required: true, MaxLength: 254},
		{ID: FieldReview, Label: "Review date", Hint: "When to ask whether it is still needed", Kind: Date, Required: true},
	},
	Check: func(a Answers, _ Tier, _ CheckContext) []FieldError {
		errs := checkEmail(a, FieldOwner)
		if a[FieldSaaS] == "" {
			a[FieldSaaS] = connector.Zendesk
		}
		if v := a[FieldScopes]; v != "" {
			scopes := strings.Fields(strings.ToLower(strings.ReplaceAll(v, ",", " ")))
			// Only Zendesk's scopes have a grammar to hold answers to; a
			// GitHub App's permissions (contents:read) are taken as
			// written.
			for _, s := range scopes {
				if a[FieldSaaS] == connector.Zendesk && !scopePattern.MatchString(s) {
					errs = append(errs, FieldError{FieldScopes, fmt.Sprintf("%q is not a Zendesk scope; use read, write, impersonate or RESOURCE:read / RESOURCE:write such as tickets:read", s)})
					break
				}
			}
			slices.Sort(scopes)
			a[FieldScopes] = strings.Join(slices.Compact(scopes), " ")
		}
		return errs
	},
	Suggest: func(a Answers, _ CheckContext) (Tier, string) {
		scopes := strings.Fields(a[FieldScopes])
		switch {
		case a[FieldData] == DataCustomerPII:
			return High, "it touches customer PII"
		case connector.OrZendesk(a[FieldSaaS]) == connector.GitHub:
			slices.Sort(scopes)
			for _, s := range scopes {
				if why, ok := githubRisky[strings.ToLower(s)]; ok {
					return High, why
				}
			}
			return Low, ""
		case slices.Contains(scopes, "impersonate"):
			return High, "it asks to impersonate users"
		case slices.Contains(scopes, "write"):
			return High, "it asks to write everything"
		case slices.Contains(scopes, "users:write"):
			return High, "it asks to change users"
		}
		return Low, ""
	},
	Title: func(a Answers) string {
		if saas := connector.OrZendesk(a[FieldSaaS]); saas != connector.Zendesk {
			return "Install " + a[FieldApp] + " in " + connector.Title(saas)
		}
		return "Install " + a[FieldApp]
	},
	OwnerField:  FieldOwner,
	ReviewField: FieldReview,
	Next:        AwaitDone,
}

// riskyWords make a change high risk when its description mentions them:
// access, authentication, automation that acts on every ticket, deletion.
var riskyWords = []string{"admin", "role", "permission", "sso", "single sign-on", "saml", "password", "2fa", "authentication",
	"trigger", "automation", "macro", "delete", "bulk", "billing", "api", "webhook", "sla", "routing"}

// Change is a change to the Zendesk account's configuration.
var Change = &Kind{
	Name: "change",
	Noun: "Change",
	Fields: []Field{
		{ID: FieldWhat, Label: "What changes", Hint: "What will be different, and where in Zendesk", Kind: Multiline, Required: true, MaxLength: 1000},
		{ID: FieldWhy, Label: "Why", Kind: Multiline, Required: true, MaxLength: 1000},
		{ID: FieldTier, Label: "Risk tier", Hint: "Suggest picks one from your answers; it can only raise what you choose", Kind: Choice, Required: true, Options: []Option{
			{TierSuggest, "Suggest one from my answers"}, {string(Low), "Low: one approval"}, {string(High), "High: more approvals, needs a rollback plan"},
		}},
		{ID: FieldRollback, Label: "Rollback plan", Hint: "How to undo it; required for a high-risk change", Kind: Multiline, MaxLength: 1000},
		{ID: FieldReview, Label: "Review or undo on", Kind: Date, Required: true},
	},
	Check: func(a Answers, tier Tier, _ CheckContext) []FieldError {
		if tier == High && a[FieldRollback] == "" {
			return []FieldError{{FieldRollback, "A high-risk change needs a rollback plan: say how to undo it"}}
		}
		return nil
	},
	Suggest: func(a Answers, _ CheckContext) (Tier, string) {
		text := strings.ToLower(a[FieldWhat])
		for _, w := range riskyWords {
			if containsWord(text, w) {
				return High, fmt.Sprintf("it mentions %q", w)
			}
		}
		return Low, ""
	},
	Title: func(a Answers) string {
		first, _, _ := strings.Cut(a[FieldWhat], "\n")
		return clip(first, 80)
	},
	ReviewField: FieldReview,
	Next:        AwaitReview,
}

// ticketPattern is a Zendesk ticket as people give it: its number, or a
// link to it (agent or API URL).
var ticketPattern = regexp.MustCompile(`^(?:#?(\d{1,15})|https://[a-z0-9.-]+/(?:agent/tickets|api/v2/tickets)/(\d{1,15})(?:\.json)?/?)$`)

// Access asks for a privileged role for a while: Zendesk admin, or a
// custom role the policy lists as grantable. Approved, it is granted at
// once and taken back at its end.
var Access = &Kind{
	Name: "access",
	Noun: "Access grant",
	Fields: []Field{
		{ID: FieldRole, Label: "Role", Hint: "admin, or a custom role the policy lets people ask for", Kind: Text, Required: true, MaxLength: 100},
		{ID: FieldDuration, Label: "For how long", Hint: "Such as 30m, 2h or 1d; the policy's default when empty", Kind: Text, MaxLength: 40},
		{ID: FieldWhy, Label: "Why you need it", Kind: Multiline, Required: true, MaxLength: 1000},
		{ID: FieldTicket, Label: "Ticket", Hint: "Optional: the Zendesk ticket number or link this is for", Kind: Text, MaxLength: 300},
		// Asked for only when the policy has a peer confirm some role's
		// requests; a form without it leaves it empty.
		{ID: FieldPeer, Label: "Who can confirm this", Hint: "A colleague's email: they confirm in chat that you asked, before approvers see it", Kind: Text, MaxLength: 254},
	},
	Check: func(a Answers, _ Tier, c CheckContext) []FieldError {
		p := c.Access.WithDefaults()
		var errs []FieldError
		role := strings.ToLower(a[FieldRole])
		if err := p.CheckRole(role); a[FieldRole] != "" && err != nil {
			errs = append(errs, FieldError{FieldRole, prose.Capitalize(err.Error())})
		} else {
			a[FieldRole] = role
		}
		d := p.DefaultDuration
		if v := a[FieldDuration]; v != "" {
			var err error
			if d, err = access.ParseDuration(v); err != nil {
				errs = append(errs, FieldError{FieldDuration, prose.Capitalize(err.Error())})
			}
		}
		if len(errs) == 0 {
			if err := p.CheckDuration(role, d); err != nil {
				errs = append(errs, FieldError{FieldDuration, prose.Capitalize(err.Error())})
			} else {
				a[FieldDuration] = d.String()
			}
		}
		// Who confirms is the service's business (a request an admin
		// opens in someone's name has nobody confirm it); a peer named
		// for a role no peer confirms is dropped, not shown to approvers.
		if p.ConfirmedBy(role) == access.ConfirmByPeer {
			errs = append(errs, checkEmail(a, FieldPeer)...)
		} else {
			a[FieldPeer] = ""
		}
		if v := a[FieldTicket]; v != "" {
			m := ticketPattern.FindStringSubmatch(strings.TrimSuffix(strings.ToLower(v), "/"))
			if m == nil {
				errs = append(errs, FieldError{FieldTicket, "A ticket number such as 1234, or its link such as https://acme.zendesk.com/agent/tickets/1234"})
			} else {
				a[FieldTicket] = m[1] + m[2]
			}
		}
		return errs
	},
	Suggest: func(a Answers, c CheckContext) (Tier, string) {
		if r, ok := c.Access.WithDefaults().Grantable(a[FieldRole]); ok && r.HighRisk {
			return High, "it grants " + strings.ToLower(a[FieldRole]) + ", a high-risk role"
		}
		return Low, ""
	},
	Title: func(a Answers) string {
		d, err := time.ParseDuration(a[FieldDuration])
		if err != nil {
			return "Access as " + a[FieldRole]
		}
		return "Access as " + a[FieldRole] + " for " + access.Format(d)
	},
	Next: AwaitGrant,
}

// Kinds are the kinds of request there are, by name.
var Kinds = map[string]*Kind{App.Name: App, Change.Name: Change, Access.Name: Access}

// KindOf is the kind named name; a stored request of a kind this version
// does not know gets a kind that waits for nothing, so it can still be
// shown, denied or left to expire.
func KindOf(name string) *Kind {
	if k, ok := Kinds[name]; ok {
		return k
	}
	return &Kind{Name: name, Noun: "Request"}
}

// containsWord reports whether w occurs in text as a whole word (or
// words), so "api" matches "the API token" but not "rapid".
func containsWord(text, w string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		if (start == 0 || !isWordByte(text[start-1])) && (end == len(text) || !isWordByte(text[end])) {
			return true
		}
		i = start + 1
	}
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_'
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
