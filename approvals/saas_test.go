package approvals_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/connector"
)

// Installations of the sample GitHub organisation. acmeCIHub has the
// same number as a Zendesk installation: each SaaS numbers its own.
var (
	acmeCIHub = approvals.Installation{SaaS: connector.GitHub, ID: zapier.ID, Name: "acme-ci", Enabled: true}
	deployHub = approvals.Installation{SaaS: connector.GitHub, ID: 55000003, Name: "legacy-deploy", Enabled: true}
	// acmeCIDesk is a Zendesk app named like the GitHub App.
	acmeCIDesk = approvals.Installation{ID: 361234500009, Name: "Acme CI", Enabled: true}
)

func shadowKeys(shs []approvals.Shadow) []string {
	var out []string
	for _, sh := range shs {
		out = append(out, sh.Key().String())
	}
	slices.Sort(out)
	return out
}

// installationsIn is one SaaS's comparison; it returns the keys of the
// shadow installs still to report.
func (f *fixture) installationsIn(t *testing.T, saas string, found ...approvals.Installation) []string {
	t.Helper()
	check, err := f.svc.Installations(t.Context(), saas, found)
	if err != nil {
		t.Fatalf("Installations(%s): %v", saas, err)
	}
	for _, sh := range check.Unreported {
		if sh.Key().SaaS != saasName(saas) {
			t.Errorf("%s's comparison returned %s's shadow %s", saas, sh.SaaS, sh.Key())
		}
	}
	return shadowKeys(check.Unreported)
}

func saasName(saas string) string {
	if saas == "" {
		return connector.Zendesk
	}
	return saas
}

// githubApp is a valid low-risk request for a GitHub App.
func githubApp(name string) func(approvals.Answers) {
	return func(a approvals.Answers) {
		a[approvals.FieldApp], a[approvals.FieldSaaS], a[approvals.FieldScopes] = name, connector.GitHub, "contents:read metadata:read"
	}
}

func TestShadowKey(t *testing.T) {
	tests := []struct {
		key  approvals.ShadowKey
		text string
	}{
		{approvals.ShadowKey{SaaS: connector.Zendesk, ID: 361234500002}, "361234500002"},
		{approvals.ShadowKey{ID: 361234500002}, "361234500002"}, // "" is Zendesk
		{approvals.ShadowKey{SaaS: connector.GitHub, ID: 55000002}, "github:55000002"},
		{approvals.ShadowKey{SaaS: connector.GitHub, ID: 361234500002}, "github:361234500002"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := tt.key.String(); got != tt.text {
				t.Errorf("String() = %q, want %q", got, tt.text)
			}
			back, ok := approvals.ParseShadowKey(tt.text)
			want := tt.key
			want.SaaS = saasName(want.SaaS)
			if !ok || back != want {
				t.Errorf("ParseShadowKey(%q) = %+v, %v; want %+v", tt.text, back, ok, want)
			}
		})
	}
	if k, ok := approvals.ParseShadowKey("zendesk:42"); !ok || k != zd(42) {
		t.Errorf(`ParseShadowKey("zendesk:42") = %+v, %v`, k, ok)
	}
	for _, bad := range []string{"", "0", "-5", "abc", "github:", "github:0", "github:x", ":5", "slack:5", "GitHub:5", "github:5:6", "REQ-AAAAAA", " 5"} {
		if k, ok := approvals.ParseShadowKey(bad); ok {
			t.Errorf("ParseShadowKey(%q) = %+v, want refused", bad, k)
		}
	}
}

// A Zendesk and a GitHub installation with the same number are two
// shadow installs: each SaaS's comparison records, returns and reports
// its own, once.
func TestShadowInstallsPerSaaS(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	zendeskOnly := []string{zd(zapier.ID).String()}
	githubOnly := []string{gh(zapier.ID).String()}
	steps := []struct {
		name   string
		saas   string
		found  []approvals.Installation
		want   []string
		report bool // report what comes back
	}{
		{"Zendesk first", connector.Zendesk, []approvals.Installation{zapier}, zendeskOnly, false},
		{"GitHub, same number", connector.GitHub, []approvals.Installation{acmeCIHub}, githubOnly, false},
		{"Zendesk again, nothing of GitHub's", "", []approvals.Installation{zapier}, zendeskOnly, true},
		{"GitHub still to report", connector.GitHub, []approvals.Installation{acmeCIHub}, githubOnly, true},
		{"Zendesk reported", connector.Zendesk, []approvals.Installation{zapier}, nil, false},
		{"GitHub reported", connector.GitHub, []approvals.Installation{acmeCIHub}, nil, false},
	}
	ref := approvals.Ref{Platform: "slack", Conversation: "C0ADMIN", Message: "1790000000.000900"}
	for _, st := range steps {
		got := f.installationsIn(t, st.saas, st.found...)
		if !slices.Equal(got, st.want) {
			t.Errorf("%s: shadows %v, want %v", st.name, got, st.want)
		}
		if st.report {
			for _, k := range got {
				key, _ := approvals.ParseShadowKey(k)
				if _, err := f.svc.ShadowReported(ctx, key, ref, nil); err != nil {
					t.Fatalf("%s: ShadowReported(%s): %v", st.name, k, err)
				}
			}
		}
	}
	var ids []string
	for _, rec := range f.shadowRecords(t) {
		ids = append(ids, rec.ID)
	}
	slices.Sort(ids)
	if want := []string{"361234500002", "github:361234500002"}; !slices.Equal(ids, want) {
		t.Errorf("shadow records %v, want %v: Zendesk's keep the bare number", ids, want)
	}
	for _, tt := range []struct {
		key  approvals.ShadowKey
		name string
	}{{zd(zapier.ID), "Zapier Bridge"}, {gh(zapier.ID), "acme-ci"}} {
		sh, err := f.svc.ShadowInstall(ctx, tt.key)
		if err != nil || sh.Name != tt.name || sh.Key() != tt.key || sh.Report != ref {
			t.Errorf("ShadowInstall(%s) = %+v, %v; want %s, reported", tt.key, sh, err, tt.name)
		}
	}
	for _, tt := range []struct{ action, subject string }{
		{"approval.shadow_found", "zendesk:installations"},
		{"approval.shadow_found", "github:installations"},
		{"approval.shadow_reported", "zendesk:installation:361234500002"},
		{"approval.shadow_reported", "github:installation:361234500002"},
	} {
		n := 0
		for _, e := range f.audit(t, tt.action) {
			if e.Subject == tt.subject {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s on %s audited %d times, want once", tt.action, tt.subject, n)
		}
	}

	// Flagging one leaves the other.
	if _, err := f.svc.FlagShadow(ctx, gh(zapier.ID), admin(zoe)); err != nil {
		t.Fatal(err)
	}
	if sh, _ := f.svc.ShadowInstall(ctx, zd(zapier.ID)); sh.Flagged != nil {
		t.Errorf("flagging GitHub's flagged Zendesk's: %+v", sh)
	}
	if a := f.audit(t, "approval.shadow_flagged"); len(a) != 1 || a[0].Subject != "github:installation:361234500002" {
		t.Errorf("audit %+v", a)
	}
}

func TestInstallationsRefuses(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		name  string
		saas  string
		found []approvals.Installation
		err   string
	}{
		{"an unknown SaaS", "slack", nil, `no SaaS "slack"`},
		{"another SaaS's installation", connector.Zendesk, []approvals.Installation{zapier, acmeCIHub}, "is GitHub's, compared with Zendesk's"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.svc.Installations(t.Context(), tt.saas, tt.found); err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("error %v, want %q", err, tt.err)
			}
		})
	}
	f.nothingStored(t)
}

// An approved request covers installations by name only in its own
// SaaS; GitHub names an installation by its app's slug.
func TestRequestsCoverTheirOwnSaaS(t *testing.T) {
	found := map[string][]approvals.Installation{
		connector.Zendesk: {acmeCIDesk},
		connector.GitHub:  {acmeCIHub},
	}
	tests := []struct {
		name     string
		requests []approvals.Answers
		zendesk  []string // shadows left
		github   []string
	}{
		{"nothing approved", nil, []string{"361234500009"}, []string{"github:361234500002"}},
		{"a GitHub App", []approvals.Answers{appForm(githubApp("Acme CI"))}, []string{"361234500009"}, nil},
		{"a GitHub App by its slug", []approvals.Answers{appForm(githubApp(" ACME-ci "))}, []string{"361234500009"}, nil},
		{"a Zendesk app of the same name", []approvals.Answers{appForm(set(approvals.FieldApp, "Acme CI"))}, nil, []string{"github:361234500002"}},
		{"a Zendesk app, where left unanswered", []approvals.Answers{appForm(set(approvals.FieldApp, "acme ci"), set(approvals.FieldSaaS, ""))}, nil, []string{"github:361234500002"}},
		{"both", []approvals.Answers{appForm(githubApp("Acme CI")), appForm(set(approvals.FieldApp, "Acme CI"))}, nil, nil},
		{"another GitHub App", []approvals.Answers{appForm(githubApp("legacy-deploy"))}, []string{"361234500009"}, []string{"github:361234500002"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			for _, a := range tt.requests {
				f.approved(t, "app", a)
			}
			if got := f.installationsIn(t, connector.Zendesk, found[connector.Zendesk]...); !slices.Equal(got, tt.zendesk) {
				t.Errorf("Zendesk shadows %v, want %v", got, tt.zendesk)
			}
			if got := f.installationsIn(t, connector.GitHub, found[connector.GitHub]...); !slices.Equal(got, tt.github) {
				t.Errorf("GitHub shadows %v, want %v", got, tt.github)
			}
		})
	}
}

// A GitHub App marked installed is verified by GitHub's comparison, not
// Zendesk's.
func TestGitHubInstallVerified(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	r := f.approved(t, "app", appForm(githubApp("Acme CI")))
	if _, err := f.svc.MarkDone(ctx, r.ID, agent(omar)); err != nil {
		t.Fatal(err)
	}
	f.postAll(t, r.ID)
	f.installationsIn(t, connector.Zendesk, acmeCIDesk)
	if got := f.get(t, r.ID); got.Verified != nil {
		t.Errorf("Zendesk's sync verified a GitHub App: %+v", got.Verified)
	}
	f.installationsIn(t, connector.GitHub, acmeCIHub)
	got := f.get(t, r.ID)
	if v := got.Verified; v == nil || !v.Found || v.SaaSID != acmeCIHub.ID {
		t.Errorf("verified %+v, want found as %d", v, acmeCIHub.ID)
	}
	wantNotices(t, notices(got), reply(approvals.EventVerified), redraw)
}

// A retroactive request for a GitHub shadow install is for GitHub
// whatever the form says, covers that installation once approved, and
// leaves the Zendesk installation of the same number alone.
func TestSubmitRetroactiveGitHub(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.installationsIn(t, connector.Zendesk, zapier)
	f.installationsIn(t, connector.GitHub, acmeCIHub, deployHub)

	forms := []struct {
		name string
		form approvals.Answers
	}{
		{"says GitHub", appForm(githubApp("acme-ci"))},
		{"says Zendesk", appForm(set(approvals.FieldApp, "acme-ci"), set(approvals.FieldSaaS, connector.Zendesk), set(approvals.FieldScopes, "contents:read"))},
		{"says nothing", appForm(set(approvals.FieldApp, "acme-ci"), set(approvals.FieldSaaS, ""), set(approvals.FieldScopes, "contents:read"))},
	}
	for _, tt := range forms {
		t.Run(tt.name, func(t *testing.T) {
			g := newFixture(t)
			g.installationsIn(t, connector.GitHub, acmeCIHub)
			r, err := g.svc.SubmitRetroactive(ctx, gh(acmeCIHub.ID), agent(riley), tt.form)
			if err != nil {
				t.Fatal(err)
			}
			if k, ok := r.Retroactive(); !ok || k != gh(acmeCIHub.ID) || r.SaaS() != connector.GitHub || r.Answers[approvals.FieldSaaS] != connector.GitHub {
				t.Errorf("request for %+v (%v) in %s, answers %v", k, ok, r.SaaS(), r.Answers)
			}
			if tt.form[approvals.FieldSaaS] == connector.Zendesk && !strings.HasSuffix(r.Title, " in GitHub") {
				t.Errorf("title %q", r.Title)
			}
		})
	}

	form := appForm(githubApp("acme-ci"))
	r, err := f.svc.SubmitRetroactive(ctx, gh(acmeCIHub.ID), agent(riley), form)
	if err != nil {
		t.Fatal(err)
	}
	if form[approvals.FieldSaaS] != connector.GitHub || form[approvals.FieldScopes] != "contents:read metadata:read" {
		t.Errorf("SubmitRetroactive changed the caller's answers: %v", form)
	}
	stored := f.get(t, r.ID)
	if stored.Shadow != acmeCIHub.ID || stored.ShadowSaaS != connector.GitHub {
		t.Errorf("stored shadow %d in %q", stored.Shadow, stored.ShadowSaaS)
	}
	if sh, _ := f.svc.ShadowInstall(ctx, gh(acmeCIHub.ID)); sh.Request != r.ID {
		t.Errorf("GitHub shadow links %q, want %s", sh.Request, r.ID)
	}
	if sh, _ := f.svc.ShadowInstall(ctx, zd(zapier.ID)); sh.Request != "" {
		t.Errorf("the Zendesk shadow of the same number links %q", sh.Request)
	}
	if _, err := f.svc.SubmitRetroactive(ctx, gh(424242), agent(riley), form); !errors.Is(err, approvals.ErrNoShadow) {
		t.Errorf("retroactive request for no GitHub shadow: %v", err)
	}

	// Approved, it covers the GitHub installation by its number, however
	// renamed; Zendesk's of the same number stays a shadow.
	f.approve(t, r.ID, agent(priya))
	renamed := acmeCIHub
	renamed.Name = "acme-ci-v2"
	if got := f.installationsIn(t, connector.GitHub, renamed, deployHub); !slices.Equal(got, []string{"github:55000003"}) {
		t.Errorf("GitHub shadows %v once approved", got)
	}
	if got := f.installationsIn(t, connector.Zendesk, zapier); !slices.Equal(got, []string{zd(zapier.ID).String()}) {
		t.Errorf("Zendesk shadows %v: a GitHub request covered Zendesk's installation of the same number", got)
	}
}

// Records written before other SaaS are Zendesk's: a shadow without
// "saas", a request with "shadow" and a verification with "zendesk_id".
func TestLegacyRecordsAreZendesks(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	legacyShadow := `{"id":361234500002,"name":"Zapier Bridge","found_at":"2026-11-20T03:00:00Z"}`
	if _, err := f.st.CreateRecord(ctx, kindShadow, "361234500002", []byte(legacyShadow)); err != nil {
		t.Fatal(err)
	}
	legacyRequest := `{"id":"REQ-LEGACY","kind":"app","title":"Install Timesheet Helper","requester":"riley@acme.example",
		"answers":{"app":"Timesheet Helper","why":"Billing","data":"tickets","scopes":"read","owner":"omar@acme.example","review":"2027-02-21"},
		"owner":"omar@acme.example","tier":"low","needed":1,"state":"done","created_at":"2026-11-01T10:00:00Z","expires_at":"2026-11-08T10:00:00Z",
		"shadow":361234500003,"verified":{"at":"2026-11-20T03:00:00Z","found":true,"zendesk_id":361234500003}}`
	if _, err := f.st.CreateRecord(ctx, kindRequest, "REQ-LEGACY", []byte(legacyRequest)); err != nil {
		t.Fatal(err)
	}

	sh, err := f.svc.ShadowInstall(ctx, approvals.ShadowKey{ID: 361234500002})
	if err != nil || sh.Key() != zd(361234500002) || sh.SaaS != connector.Zendesk {
		t.Errorf("legacy shadow %+v, %v; want Zendesk's", sh, err)
	}
	if got := f.installationsIn(t, connector.GitHub); len(got) != 0 {
		t.Errorf("GitHub's comparison returned the legacy shadow: %v", got)
	}
	if got := f.installationsIn(t, connector.Zendesk, zapier); !slices.Equal(got, []string{"361234500002"}) {
		t.Errorf("Zendesk's comparison: %v, want the legacy shadow", got)
	}

	r := f.get(t, "REQ-LEGACY")
	if k, ok := r.Retroactive(); !ok || k != zd(361234500003) || r.SaaS() != connector.Zendesk {
		t.Errorf("legacy request is for %+v (%v) in %s", k, ok, r.SaaS())
	}
	if v := r.Verified; v == nil || !v.Found || v.SaaSID != 361234500003 {
		t.Errorf("legacy verification %+v", v)
	}
	// Written again, it says saas_id; read again, it says the same.
	data, err := json.Marshal(r.Verified)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(data); !strings.Contains(s, `"saas_id":361234500003`) || strings.Contains(s, "zendesk_id") {
		t.Errorf("verification written as %s", s)
	}
	var again approvals.Verification
	if err := json.Unmarshal(data, &again); err != nil || again.SaaSID != 361234500003 {
		t.Errorf("read back %+v, %v", again, err)
	}
	// The legacy request covers Zendesk's installation 361234500003 by
	// its number, and not GitHub's.
	tsDesk := approvals.Installation{ID: 361234500003, Name: "Timesheet v2"}
	tsHub := approvals.Installation{SaaS: connector.GitHub, ID: 361234500003, Name: "timesheet-helper"}
	if got := f.installationsIn(t, connector.Zendesk, tsDesk); len(got) != 1 || got[0] != "361234500002" {
		t.Errorf("Zendesk shadows %v, want only the legacy shadow", got)
	}
	if got := f.installationsIn(t, connector.GitHub, tsHub); !slices.Equal(got, []string{"github:361234500003"}) {
		t.Errorf("GitHub shadows %v", got)
	}
}
