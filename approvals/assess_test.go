package approvals_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
)

func TestSubmitFieldErrors(t *testing.T) {
	const (
		app    = approvals.FieldApp
		saas   = approvals.FieldSaaS
		why    = approvals.FieldWhy
		data   = approvals.FieldData
		scopes = approvals.FieldScopes
		owner  = approvals.FieldOwner
		review = approvals.FieldReview
		what   = approvals.FieldWhat
		tier   = approvals.FieldTier
		roll   = approvals.FieldRollback
	)
	example := date(90)
	// A rule of the policy raises changes mentioning Zapier.
	zapierRule := func(p *approvals.Policy) {
		p.Kinds[approvals.Change.Name] = approvals.KindPolicy{HighRiskIf: []approvals.RiskRule{{Field: what, Contains: "Zapier"}}}
	}
	tests := []struct {
		name    string
		kind    string
		answers approvals.Answers
		policy  func(*approvals.Policy)
		field   string
		msg     string // the message, or the start of it
	}{
		// The app form.
		{"app missing", "app", appForm(set(app, "")), nil, app, "Required: app"},
		{"app only spaces", "app", appForm(set(app, " \t ")), nil, app, "Required: app"},
		{"app too long", "app", appForm(set(app, strings.Repeat("a", 101))), nil, app, "At most 100 characters; this is 101"},
		{"where not a SaaS", "app", appForm(set(saas, "slack")), nil, saas, "Pick one of the options"},
		{"where in capitals", "app", appForm(set(saas, "GitHub")), nil, saas, "Pick one of the options"},
		{"why missing", "app", appForm(set(why, "\n\n")), nil, why, "Required: why we need it"},
		{"why too long in runes", "app", appForm(set(why, strings.Repeat("é", 1001))), nil, why, "At most 1000 characters; this is 1001"},
		{"data missing", "app", appForm(set(data, "")), nil, data, "Required: zendesk data it touches"},
		{"data not a choice", "app", appForm(set(data, "everything")), nil, data, "Pick one of the options"},
		{"data label instead of value", "app", appForm(set(data, "Tickets")), nil, data, "Pick one of the options"},
		{"scopes missing", "app", appForm(set(scopes, "")), nil, scopes, "Required: scopes it asks for"},
		{"scopes too long", "app", appForm(set(scopes, strings.Repeat("r", 301))), nil, scopes, "At most 300 characters; this is 301"},
		{"scope not a Zendesk scope", "app", appForm(set(scopes, "read admin")), nil, scopes, `"admin" is not a Zendesk scope`},
		{"resource scope with a bad access", "app", appForm(set(scopes, "users:delete")), nil, scopes, `"users:delete" is not a Zendesk scope`},
		{"resource scope without an access", "app", appForm(set(scopes, "tickets")), nil, scopes, `"tickets" is not a Zendesk scope`},
		{"a GitHub permission word for a Zendesk app", "app", appForm(set(saas, "zendesk"), set(scopes, "contents:read members:admin")), nil, scopes, `"members:admin" is not a Zendesk scope`},
		{"owner missing", "app", appForm(set(owner, "")), nil, owner, "Required: who will own it"},
		{"owner not an email", "app", appForm(set(owner, "omar")), nil, owner, "An email address such as dana@example.com"},
		{"owner with a display name", "app", appForm(set(owner, "Omar <omar@acme.example>")), nil, owner, "An email address such as dana@example.com"},
		{"owner two addresses", "app", appForm(set(owner, "omar@acme.example, dana@acme.example")), nil, owner, "An email address"},
		{"owner too long", "app", appForm(set(owner, strings.Repeat("o", 250)+"@acme.example")), nil, owner, "At most 254 characters"},
		{"review missing", "app", appForm(set(review, "")), nil, review, "Required: review date"},
		{"review not a date", "app", appForm(set(review, "next spring")), nil, review, "Not a date; pick one such as " + example},
		{"review not a day of the calendar", "app", appForm(set(review, "2027-02-30")), nil, review, "Not a date"},
		{"review in another format", "app", appForm(set(review, "23.02.2027")), nil, review, "Not a date"},
		{"review today", "app", appForm(set(review, date(0))), nil, review, "Pick a date after today, such as " + example},
		{"review in the past", "app", appForm(set(review, date(-1))), nil, review, "Pick a date after today"},
		{"review over 365 days", "app", appForm(set(review, date(366))), nil, review, "Pick a date within 365 days, such as " + example},

		// The change form.
		{"what missing", "change", changeForm(set(what, "")), nil, what, "Required: what changes"},
		{"what too long", "change", changeForm(set(what, strings.Repeat("w", 1001))), nil, what, "At most 1000 characters; this is 1001"},
		{"change why missing", "change", changeForm(set(why, "")), nil, why, "Required: why"},
		{"tier missing", "change", changeForm(set(tier, "")), nil, tier, "Required: risk tier"},
		{"tier not a choice", "change", changeForm(set(tier, "medium")), nil, tier, "Pick one of the options"},
		{"rollback too long", "change", changeForm(set(roll, strings.Repeat("r", 1001))), nil, roll, "At most 1000 characters"},
		{"change review in the past", "change", changeForm(set(review, date(-30))), nil, review, "Pick a date after today"},
		{"change review over 365 days", "change", changeForm(set(review, date(400))), nil, review, "Pick a date within 365 days"},
		{"high chosen, no rollback plan", "change", changeForm(set(tier, "high")), nil, roll, "A high-risk change needs a rollback plan: say how to undo it"},
		{"high by its words, no rollback plan", "change", changeForm(set(what, "Turn on SSO for agents"), set(roll, "  ")), nil, roll, "A high-risk change needs a rollback plan"},
		{"low chosen but high by its words", "change", changeForm(set(tier, "low"), set(what, "Bulk delete the spam tickets")), nil, roll, "A high-risk change needs a rollback plan"},
		{"high by a policy rule, no rollback plan", "change", changeForm(set(what, "Connect zapier to the ticket form")), zapierRule, roll, "A high-risk change needs a rollback plan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var edits []func(*approvals.Policy)
			if tt.policy != nil {
				edits = append(edits, tt.policy)
			}
			f := newFixture(t, edits...)
			r, err := f.svc.Submit(t.Context(), tt.kind, agent(riley), tt.answers, 0)
			fe := formError(t, err)
			if got := fe.On(tt.field); !strings.HasPrefix(got, tt.msg) {
				t.Errorf("message on %s = %q, want it to start %q (all: %v)", tt.field, got, tt.msg, fe)
			}
			if len(fe.Fields) != 1 {
				t.Errorf("%d field errors, want 1: %v", len(fe.Fields), fe)
			}
			if r.ID != "" {
				t.Errorf("a refused request has id %s", r.ID)
			}
			// Assess says the same without a store.
			if _, aerr := f.svc.Assess(tt.kind, agent(riley), tt.answers); formError(t, aerr).On(tt.field) != fe.On(tt.field) {
				t.Errorf("Assess says %v, Submit %v", aerr, err)
			}
			f.nothingStored(t)
			if a := f.audit(t, "approval.requested"); len(a) != 0 {
				t.Errorf("a refused request was audited: %+v", a)
			}
		})
	}

	t.Run("answers the caller passed are not changed", func(t *testing.T) {
		f := newFixture(t)
		a := appForm(set(scopes, "Tickets:Write read"), set(owner, "Omar@Acme.Example"))
		if _, err := f.svc.Assess("app", agent(riley), a); err != nil {
			t.Fatal(err)
		}
		if a[scopes] != "Tickets:Write read" || a[owner] != "Omar@Acme.Example" {
			t.Errorf("Assess normalised the caller's map: %v", a)
		}
	})

	t.Run("boundaries that pass", func(t *testing.T) {
		f := newFixture(t)
		for _, a := range []approvals.Answers{
			appForm(set(review, date(1))),
			appForm(set(review, date(365))),
			appForm(set(app, strings.Repeat("a", 100)), set(why, strings.Repeat("é", 1000))),
			appForm(set(scopes, "read write impersonate help_center:read users:write")),
			// A GitHub App's permissions, and words, are taken as written.
			appForm(set(saas, "github"), set(scopes, "contents:read members:write organization_administration:read")),
			appForm(set(saas, "github"), set(scopes, "read-only access to issues")),
			changeForm(set(tier, "low"), set(approvals.FieldRollback, "")),
			changeForm(set(tier, "high"), set(approvals.FieldRollback, "Switch it off in Admin Center")),
		} {
			kind := "app"
			if a[what] != "" {
				kind = "change"
			}
			if _, err := f.svc.Assess(kind, agent(riley), a); err != nil {
				t.Errorf("Assess(%v): %v", a, err)
			}
		}
	})

	t.Run("no such kind", func(t *testing.T) {
		f := newFixture(t)
		if _, err := f.svc.Submit(t.Context(), "laptop", agent(riley), appForm(), 0); err == nil || !strings.Contains(err.Error(), `no kind "laptop"`) {
			t.Errorf("Submit of kind laptop: %v", err)
		}
		f.nothingStored(t)
	})
}

// A form shows every field that cannot stand at once, so the requester
// does not fix one, send, and meet the next.
func TestSubmitShowsEveryFieldErrorAtOnce(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		kind   string
		a      approvals.Answers
		fields []string
	}{
		{"app without a name, with a bad owner and a bad scope", "app",
			appForm(set(approvals.FieldApp, ""), set(approvals.FieldOwner, "omar"), set(approvals.FieldScopes, "admin")),
			[]string{approvals.FieldApp, approvals.FieldOwner, approvals.FieldScopes}},
		{"high-risk change without a reason or a rollback plan", "change",
			changeForm(set(approvals.FieldTier, "high"), set(approvals.FieldWhy, "")),
			[]string{approvals.FieldWhy, approvals.FieldRollback}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Submit(t.Context(), tt.kind, agent(riley), tt.a, 0)
			fe := formError(t, err)
			for _, field := range tt.fields {
				if fe.On(field) == "" {
					t.Errorf("no error on %s; the form said only: %v", field, fe)
				}
			}
		})
	}
	f.nothingStored(t)
}

func TestSubmitNormalises(t *testing.T) {
	f := newFixture(t)
	a := appForm(
		set(approvals.FieldApp, "  Salesforce \t  Sync "),
		set(approvals.FieldWhy, "  First line.\n\n  Second   line.  "),
		set(approvals.FieldScopes, "tickets:write, Read read  users:READ"),
		set(approvals.FieldOwner, " Omar@Acme.Example "),
		set(approvals.FieldData, " tickets "),
		set(approvals.FieldReview, " "+date(90)+" "),
	)
	r, err := f.svc.Submit(t.Context(), "app", agent(" Riley@ACME.example "), a, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		approvals.FieldApp:    "Salesforce Sync",
		approvals.FieldWhy:    "First line.\n\n  Second   line.", // multiline keeps its lines
		approvals.FieldScopes: "read tickets:write users:read",   // sorted, deduplicated, lower case
		approvals.FieldOwner:  omar,
		approvals.FieldData:   approvals.DataTickets,
		approvals.FieldReview: date(90),
		approvals.FieldSaaS:   "zendesk", // unanswered: Zendesk, as every app before
	}
	for k, v := range want {
		if r.Answers[k] != v {
			t.Errorf("answer %s = %q, want %q", k, r.Answers[k], v)
		}
	}
	if r.Requester != riley || r.Owner != omar || r.Title != "Install Salesforce Sync" || r.Kind != "app" {
		t.Errorf("requester %q, owner %q, title %q, kind %q", r.Requester, r.Owner, r.Title, r.Kind)
	}
	if !r.ReviewOn.Equal(midnight(90)) || r.ReviewOn.Location() != berlin {
		t.Errorf("review on %v, want %v (midnight in Berlin)", r.ReviewOn, midnight(90))
	}
	stored := f.get(t, r.ID)
	if stored.Answers[approvals.FieldScopes] != want[approvals.FieldScopes] || stored.Owner != omar || stored.Requester != riley {
		t.Errorf("stored %+v", stored)
	}

	t.Run("GitHub App", func(t *testing.T) {
		r := f.submit(t, "app", agent(riley), appForm(
			set(approvals.FieldApp, " Acme  CI "), set(approvals.FieldSaaS, " github "),
			set(approvals.FieldScopes, "Contents:Read, metadata:read contents:read  Anything")))
		for k, v := range map[string]string{
			approvals.FieldApp: "Acme CI", approvals.FieldSaaS: "github", approvals.FieldScopes: "anything contents:read metadata:read",
		} {
			if r.Answers[k] != v {
				t.Errorf("answer %s = %q, want %q", k, r.Answers[k], v)
			}
		}
		if r.Title != "Install Acme CI in GitHub" || r.SaaS() != "github" {
			t.Errorf("title %q, SaaS %q", r.Title, r.SaaS())
		}
	})

	t.Run("change", func(t *testing.T) {
		long := strings.Repeat("x", 100)
		r := f.submit(t, "change", agent(riley), changeForm(set(approvals.FieldWhat, long+"\nsecond line")))
		if want := strings.Repeat("x", 79) + "…"; r.Title != want {
			t.Errorf("title %q, want the first line clipped to 80 runes", r.Title)
		}
		if r.Owner != riley {
			t.Errorf("owner of a change = %q, want the requester (the form names none)", r.Owner)
		}
		if !r.ReviewOn.Equal(midnight(30)) {
			t.Errorf("review on %v, want %v", r.ReviewOn, midnight(30))
		}
	})
}

func TestTiers(t *testing.T) {
	tests := []struct {
		name   string
		kind   string
		a      approvals.Answers
		policy func(*approvals.Policy)
		tier   approvals.Tier
		why    string
		needed int
	}{
		{"app touching tickets", "app", appForm(), nil, approvals.Low, "", 1},
		{"app touching customer PII", "app", appForm(highApp), nil, approvals.High, "it touches customer PII", 2},
		{"app impersonating", "app", appForm(set(approvals.FieldScopes, "read impersonate")), nil, approvals.High, "it asks to impersonate users", 2},
		{"app impersonating, in capitals and with commas", "app", appForm(set(approvals.FieldScopes, "read,IMPERSONATE")), nil, approvals.High, "it asks to impersonate users", 2},
		{"app writing everything", "app", appForm(set(approvals.FieldScopes, "write")), nil, approvals.High, "it asks to write everything", 2},
		{"app changing users", "app", appForm(set(approvals.FieldScopes, "users:write")), nil, approvals.High, "it asks to change users", 2},
		{"PII wins over the scopes", "app", appForm(highApp, set(approvals.FieldScopes, "impersonate")), nil, approvals.High, "it touches customer PII", 2},
		{"GitHub App reading contents", "app", appForm(set(approvals.FieldSaaS, "github"), set(approvals.FieldScopes, "contents:read metadata:read")), nil, approvals.Low, "", 1},
		{"GitHub App changing members", "app", appForm(set(approvals.FieldSaaS, "github"), set(approvals.FieldScopes, "contents:read Members:Write")), nil, approvals.High, "it asks to change members and teams", 2},
		{"GitHub App administering the organization", "app", appForm(set(approvals.FieldSaaS, "github"), set(approvals.FieldScopes, "organization_administration:write")), nil, approvals.High, "it asks to administer the organization", 2},
		{"GitHub App touching customer PII", "app", appForm(highApp, set(approvals.FieldSaaS, "github"), set(approvals.FieldScopes, "members:write")), nil, approvals.High, "it touches customer PII", 2},
		{"app raised by a policy rule", "app", appForm(set(approvals.FieldApp, "Zapier Bridge")),
			func(p *approvals.Policy) {
				p.Kinds["app"] = approvals.KindPolicy{HighRiskIf: []approvals.RiskRule{{Field: approvals.FieldApp, Contains: "zapier"}}}
			},
			approvals.High, `the policy makes it high risk when app mentions "zapier"`, 2},
		{"change left to suggest", "change", changeForm(), nil, approvals.Low, "", 1},
		{"change chosen low", "change", changeForm(set(approvals.FieldTier, "low")), nil, approvals.Low, "", 1},
		{"change chosen high", "change", changeForm(set(approvals.FieldTier, "high"), set(approvals.FieldRollback, "Undo it")), nil, approvals.High, "the requester chose it", 2},
		{"change mentioning SSO", "change", changeForm(set(approvals.FieldWhat, "Turn on SSO for agents"), set(approvals.FieldRollback, "Turn it off")), nil, approvals.High, `it mentions "sso"`, 2},
		{"change mentioning single sign-on", "change", changeForm(set(approvals.FieldWhat, "Single sign-on for light agents"), set(approvals.FieldRollback, "Turn it off")), nil, approvals.High, `it mentions "single sign-on"`, 2},
		{"change mentioning the API", "change", changeForm(set(approvals.FieldWhat, "Rotate the API token"), set(approvals.FieldRollback, "Old token")), nil, approvals.High, `it mentions "api"`, 2},
		{"a word inside another is not it", "change", changeForm(set(approvals.FieldWhat, "Rapid replies for the roles-free team")), nil, approvals.Low, "", 1},
		{"chosen low cannot lower it", "change", changeForm(set(approvals.FieldTier, "low"), set(approvals.FieldWhat, "New admin role"), set(approvals.FieldRollback, "Delete it")), nil, approvals.High, `it mentions "admin"`, 2},
		{"change raised by a policy rule, any case", "change", changeForm(set(approvals.FieldWhy, "Customer complaints"), set(approvals.FieldRollback, "Undo")),
			func(p *approvals.Policy) {
				p.Kinds["change"] = approvals.KindPolicy{HighRiskIf: []approvals.RiskRule{{Field: approvals.FieldWhy, Contains: "COMPLAINTS"}}}
			},
			approvals.High, `the policy makes it high risk when why mentions "COMPLAINTS"`, 2},
		{"a rule on another kind does not apply", "change", changeForm(set(approvals.FieldWhat, "Connect Zapier")),
			func(p *approvals.Policy) {
				p.Kinds["app"] = approvals.KindPolicy{HighRiskIf: []approvals.RiskRule{{Field: approvals.FieldWhat, Contains: "zapier"}}}
			},
			approvals.Low, "", 1},
		{"three approvals when the policy says so", "app", appForm(highApp), func(p *approvals.Policy) { p.HighRiskApprovals = 3 }, approvals.High, "it touches customer PII", 3},
		{"two approvals when the policy says nothing", "app", appForm(highApp), func(p *approvals.Policy) { p.HighRiskApprovals = 0 }, approvals.High, "it touches customer PII", 2},
		{"a low-risk request needs one whatever the policy", "app", appForm(), func(p *approvals.Policy) { p.HighRiskApprovals = 3 }, approvals.Low, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var edits []func(*approvals.Policy)
			if tt.policy != nil {
				edits = append(edits, tt.policy)
			}
			f := newFixture(t, edits...)
			assessed, err := f.svc.Assess(tt.kind, agent(riley), tt.a)
			if err != nil {
				t.Fatalf("Assess: %v", err)
			}
			if assessed.ID != "" {
				t.Errorf("Assess gave an id: %s", assessed.ID)
			}
			f.nothingStored(t)
			r := f.submit(t, tt.kind, agent(riley), tt.a)
			for _, got := range []approvals.Request{assessed, r} {
				if got.Tier != tt.tier || got.TierWhy != tt.why || got.Needed != tt.needed {
					t.Errorf("tier %s (%q), needs %d; want %s (%q), %d", got.Tier, got.TierWhy, got.Needed, tt.tier, tt.why, tt.needed)
				}
			}
		})
	}
}

func TestSubmit(t *testing.T) {
	t.Run("opens a pending request and queues its parent post", func(t *testing.T) {
		f := newFixture(t, func(p *approvals.Policy) { p.ExpireAfter = 72 * time.Hour })
		r := f.highApp(t)
		if !approvals.ValidID(r.ID) || r.State != approvals.Pending || r.Version != 1 {
			t.Errorf("id %q, state %s, version %d", r.ID, r.State, r.Version)
		}
		if !r.CreatedAt.Equal(now) || !r.ExpiresAt.Equal(now.Add(72*time.Hour)) {
			t.Errorf("created %v, expires %v", r.CreatedAt, r.ExpiresAt)
		}
		wantNotices(t, notices(r), notice{approvals.PostParent, approvals.EventSubmitted, ""})
		if r.Outbox[0].Seq != 1 || r.Outbox[0].Mark.By != riley {
			t.Errorf("parent notice %+v", r.Outbox[0])
		}
		stored := f.get(t, r.ID)
		if stored.Version != r.Version || stored.Title != r.Title || len(stored.Outbox) != 1 {
			t.Errorf("stored %+v, returned %+v", stored, r)
		}
		a := f.audit(t, "approval.requested")
		if len(a) != 1 || a[0].Actor != riley || a[0].Subject != "request:"+r.ID ||
			a[0].Detail["tier"] != "high" || a[0].Detail["needed"] != "2" || a[0].Detail["kind"] != "app" {
			t.Errorf("audit %+v", a)
		}
	})

	t.Run("expires after a week by default", func(t *testing.T) {
		f := newFixture(t)
		if r := f.lowApp(t); !r.ExpiresAt.Equal(now.Add(7 * 24 * time.Hour)) {
			t.Errorf("expires %v", r.ExpiresAt)
		}
	})

	t.Run("no approvals channel", func(t *testing.T) {
		f := newFixture(t, func(p *approvals.Policy) { p.Channel = "" })
		_, err := f.svc.Submit(t.Context(), "app", agent(riley), appForm(), 0)
		if !errors.Is(err, approvals.ErrNoChannel) {
			t.Errorf("error %v, want ErrNoChannel", err)
		}
		f.nothingStored(t)
	})

	t.Run("a requester without an email", func(t *testing.T) {
		f := newFixture(t)
		for _, who := range []approvals.Actor{{}, {Email: "  "}, {Email: "", Admin: true}} {
			_, err := f.svc.Submit(t.Context(), "app", who, appForm(), 0)
			refusal(t, err, "no email address")
		}
		f.nothingStored(t)
		if a := f.audit(t, "approval.requested"); len(a) != 0 {
			t.Errorf("audited %+v", a)
		}
	})
}
