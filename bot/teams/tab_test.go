package teams

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/integrations/oidc/oidctest"
	"github.com/seatwarden/seatwarden/internal/golden"
)

const (
	tabAppID  = "00000000-0000-0000-0000-00000000a9b1"
	tabTenant = "11111111-2222-3333-4444-555555555555"
	tabHost   = "bot.example.com"
	danaOID   = "6f1d3a52-0000-4000-8000-00000000da4a"
)

// tabHome draws a two-page home and answers its buttons: a form, a
// redraw of the message clicked, a refusal.
type tabHome struct {
	mu   sync.Mutex
	seen []bot.Request
}

func (h *tabHome) Handle(_ context.Context, req bot.Request) bot.Message {
	h.mu.Lock()
	h.seen = append(h.seen, req)
	h.mu.Unlock()
	switch {
	case req.Form != nil && req.Form.Cancelled:
		return bot.Message{Headline: "Your seat review", Delivery: bot.ReplaceOriginal}
	case req.Form != nil && req.Form.Values["reason"] == "":
		return bot.Message{Form: &bot.Form{ID: "seat.keep", RecordID: req.Form.RecordID, Title: "Keep this seat",
			Inputs: []bot.Input{{ID: "reason", Label: "Why keep it?", Required: true, Error: "Say why, e.g. on parental leave"}}}}
	case req.Form != nil:
		return bot.Message{Headline: "Kept " + req.Form.RecordID, Delivery: bot.ReplaceOriginal}
	case req.Action.ID == bot.ActionHomePage:
		_, page, _ := bot.ParsePageValue(req.Action.Value)
		return bot.Message{Headline: "1 seat decision waits for you",
			Sections: []bot.Section{
				{Text: "*Seats to decide*"},
				{Text: "*" + bot.EscapeText("<script>alert(1)</script> Agent") + "* · <mailto:a7@example.com|a7@example.com>\nlast login 40 days ago · `Tier 2` · <javascript:alert(1)|click>",
					Actions: []bot.Button{
						{ActionID: "seat.keep_form", Label: "Keep", Value: "rev-7:007", Style: bot.StylePrimary},
						{ActionID: "seat.remove", Label: "Remove", Value: "rev-7:007", Style: bot.StyleDanger,
							Confirm: &bot.Confirm{Title: "Remove this seat?", Text: "Agent 007 stops being an agent.", Confirm: "Remove", Deny: "Cancel"}},
					}},
			},
			Context: []string{"Updated 20 Nov 10:00 · /warden home shows this page in any chat"},
			Pager:   &bot.Pager{Page: page, Pages: 2, ActionID: bot.ActionHomePage, Token: bot.HomeToken}}
	case req.Action.ID == "seat.keep_form":
		return bot.Message{Form: &bot.Form{ID: "seat.keep", RecordID: req.Action.Value, Title: "Keep this seat", Submit: "Keep",
			Inputs: []bot.Input{{ID: "reason", Label: "Why keep it?", Kind: bot.InputMultiline, Required: true, MaxLength: 500},
				{ID: "until", Label: "Keep until", Kind: bot.InputDate, Initial: "2027-05-01"}}}}
	case req.Action.ID == "seat.remove":
		return bot.Message{Headline: "Removed 007", Delivery: bot.ReplaceOriginal}
	case req.Action.ID == "panic":
		panic("nil review")
	}
	return bot.Message{Sections: []bot.Section{{Text: "Already decided: kept by ops@example.com"}}}
}

func (h *tabHome) requests() []bot.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]bot.Request(nil), h.seen...)
}

type tabFixture struct {
	entra *oidctest.Server
	srv   *httptest.Server
	home  *tabHome
}

// newTabFixture serves the tab over HTTP, signed in through an emulated
// Entra ID.
func newTabFixture(t *testing.T) *tabFixture {
	t.Helper()
	f := &tabFixture{entra: oidctest.NewServer(), home: &tabHome{}}
	t.Cleanup(f.entra.Close)
	tab, err := NewTab(f.home, TabSignIn{AppID: tabAppID, Tenant: tabTenant, Host: tabHost,
		KeysURL: f.entra.URL + oidctest.PathJWKS, Issuers: []string{f.entra.Issuer()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	tab.Register(mux)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// token is what Teams' getAuthToken gives dana's tab; edit changes it.
func (f *tabFixture) token(t *testing.T, edit ...func(*oidctest.Claims)) string {
	t.Helper()
	now := time.Now().Truncate(time.Second)
	c := oidctest.Claims{Issuer: f.entra.Issuer(), Subject: "dana-sub", Audience: []string{"api://" + tabHost + "/" + tabAppID},
		IssuedAt: now, Expiry: now.Add(time.Hour), Extra: map[string]any{
			"oid": danaOID, "tid": tabTenant, "scp": "access_as_user", "name": "Dana Field", "upn": "Dana@Example.com"}}
	for _, e := range edit {
		e(&c)
	}
	tok, err := f.entra.Token(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (f *tabFixture) do(t *testing.T, method, path, token string, body any) (int, string) {
	t.Helper()
	var r io.Reader
	if s, ok := body.(string); ok {
		r = strings.NewReader(s)
	} else if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(t.Context(), method, f.srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The page itself: TeamsJS from Microsoft's CDN with its integrity hash,
// the tab's own script, and a policy that lets only Teams frame it.
func TestTabPage(t *testing.T) {
	f := newTabFixture(t)
	resp, err := http.Get(f.srv.URL + "/teams/home")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`src="https://res.cdn.office.net/teams-js/2.23.0/js/MicrosoftTeams.min.js"`, `integrity="sha384-`, `src="/teams/home/tab.js"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://teams.microsoft.com") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	for _, path := range []string{"/teams/home/tab.js", "/teams/home/tab.css"} {
		if status, body := f.do(t, http.MethodGet, path, "", nil); status != 200 || len(body) < 100 {
			t.Errorf("%s: %d, %d bytes", path, status, len(body))
		}
	}
	if status, _ := f.do(t, http.MethodGet, "/teams/home/fragment.html", "", nil); status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
		t.Errorf("a template is served: %d", status)
	}
}

// Only a token Entra ID issued for this app, in this tenant, for the
// tab's scope, still valid, lets a request in; the handler sees nothing
// of the others.
func TestTabSignIn(t *testing.T) {
	f := newTabFixture(t)
	tests := map[string]func(*oidctest.Claims){
		"another app":      func(c *oidctest.Claims) { c.Audience = []string{"api://" + tabHost + "/other"} },
		"another tenant":   func(c *oidctest.Claims) { c.Extra["tid"] = "99999999-2222-3333-4444-555555555555" },
		"another issuer":   func(c *oidctest.Claims) { c.Issuer = "https://login.microsoftonline.com/" + tabTenant + "/v2.0" },
		"no tab scope":     func(c *oidctest.Claims) { c.Extra["scp"] = "User.Read" },
		"expired":          func(c *oidctest.Claims) { c.Expiry = time.Now().Add(-time.Minute) },
		"no object id":     func(c *oidctest.Claims) { delete(c.Extra, "oid") },
		"wrong claim type": func(c *oidctest.Claims) { c.Extra["tid"] = 7 },
		"a guest": func(c *oidctest.Claims) {
			c.Extra["idp"] = "https://sts.windows.net/99999999-0000-0000-0000-000000000000/"
		},
		"a guest by acct": func(c *oidctest.Claims) { c.Extra["acct"] = 1 },
	}
	for name, edit := range tests {
		t.Run(name, func(t *testing.T) {
			if status, body := f.do(t, http.MethodGet, "/teams/home/view?page=1", f.token(t, edit), nil); status != http.StatusUnauthorized {
				t.Errorf("status %d: %s", status, body)
			}
		})
	}
	t.Run("unknown key", func(t *testing.T) {
		f.entra.SignNextWithUnknownKey()
		if status, _ := f.do(t, http.MethodGet, "/teams/home/view", f.token(t), nil); status != http.StatusUnauthorized {
			t.Errorf("status %d", status)
		}
	})
	t.Run("no token", func(t *testing.T) {
		if status, body := f.do(t, http.MethodGet, "/teams/home/view", "", nil); status != http.StatusUnauthorized || !strings.Contains(body, "open this page as seatwarden's tab in Teams") {
			t.Errorf("status %d: %s", status, body)
		}
	})
	if n := len(f.home.requests()); n != 0 {
		t.Errorf("the handler saw %d requests from refused tokens", n)
	}

	v2 := f.token(t, func(c *oidctest.Claims) {
		c.Audience = []string{tabAppID}
		delete(c.Extra, "upn")
		c.Extra["preferred_username"] = "dana@example.com"
		c.Email = "ceo@example.com" // set by the user; never trusted
		c.EmailVerified = true
	})
	for _, tok := range []string{f.token(t), v2} {
		if status, body := f.do(t, http.MethodGet, "/teams/home/view?page=1", tok, nil); status != 200 {
			t.Fatalf("status %d: %s", status, body)
		}
	}
	for _, req := range f.home.requests() {
		if req.Platform != bot.PlatformTeams || req.User != (bot.User{ID: danaOID, Email: "dana@example.com", DisplayName: "Dana Field", TeamID: tabTenant}) {
			t.Errorf("request as %+v on %s", req.User, req.Platform)
		}
	}
}

// The home as the tab shows it: markup as HTML, record text escaped,
// only web and mail links linked, confirms asked in the page.
func TestTabHome(t *testing.T) {
	f := newTabFixture(t)
	status, body := f.do(t, http.MethodGet, "/teams/home/view?page=1", f.token(t), nil)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	golden.File(t, golden.Path(t, ".golden.html"), []byte(body))
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt; Agent") {
		t.Error("a name with markup is not shown as typed")
	}
	for _, unwanted := range []string{"<script>", `href="javascript:`} {
		if strings.Contains(body, unwanted) {
			t.Errorf("the home holds %s", unwanted)
		}
	}
}

// Clicks and forms on the tab do what they do in a message, and the
// home is drawn again under the answer, on the same page.
func TestTabClicksAndForms(t *testing.T) {
	f := newTabFixture(t)
	tok := f.token(t)
	post := func(path string, body any) string {
		t.Helper()
		status, resp := f.do(t, http.MethodPost, path, tok, body)
		if status != 200 {
			t.Fatalf("%s: %d %s", path, status, resp)
		}
		return resp
	}
	lastHome := func() string {
		reqs := f.home.requests()
		return reqs[len(reqs)-1].Action.Value
	}

	if got := post("/teams/home/click", tabClick{ID: bot.ActionHomePage, Value: "home:2", Page: 1}); !strings.Contains(got, `data-page="2"`) || !strings.Contains(got, "Page 2 of 2") {
		t.Errorf("page turn: %s", got)
	}

	got := post("/teams/home/click", tabClick{ID: "seat.remove", Value: "rev-7:007", Page: 2})
	if strings.Contains(got, "Removed 007") || !strings.Contains(got, `data-page="2"`) || lastHome() != "home:2" {
		t.Errorf("a decision's redraw is shown, or the home moved page: %s", got)
	}

	if got := post("/teams/home/click", tabClick{ID: "seat.snooze", Value: "rev-7:007", Page: 2}); !strings.Contains(got, `<section class="note" role="status">`) || !strings.Contains(got, "Already decided") {
		t.Errorf("a refusal is not shown: %s", got)
	}

	form := post("/teams/home/click", tabClick{ID: "seat.keep_form", Value: "rev-7:007", Page: 2})
	for _, want := range []string{`<form class="form" data-form="seat.keep" data-record="rev-7:007">`, `<textarea name="reason" required maxlength="500">`, `<input type="date" name="until" value="2027-05-01">`} {
		if !strings.Contains(form, want) {
			t.Errorf("form lacks %s:\n%s", want, form)
		}
	}
	if again := post("/teams/home/form", tabSubmission{Form: "seat.keep", Record: "rev-7:007", Values: map[string]string{"reason": ""}, Page: 2}); !strings.Contains(again, "Say why, e.g. on parental leave") {
		t.Errorf("field error not shown: %s", again)
	}
	done := post("/teams/home/form", tabSubmission{Form: "seat.keep", Record: "rev-7:007", Values: map[string]string{"reason": "on leave"}, Page: 2})
	if strings.Contains(done, "<form") || strings.Contains(done, "Kept rev-7:007") || lastHome() != "home:2" {
		t.Errorf("after the form: %s", done)
	}
	reqs := f.home.requests()
	if sub := reqs[len(reqs)-2].Form; sub == nil || sub.Values["reason"] != "on leave" || sub.RecordID != "rev-7:007" {
		t.Errorf("the handler got %+v", sub)
	}
	if cancelled := post("/teams/home/form", tabSubmission{Form: "seat.keep", Record: "rev-7:007", Cancelled: true, Page: 2}); strings.Contains(cancelled, "note") {
		t.Errorf("a cancelled form left a note: %s", cancelled)
	}

	if got := post("/teams/home/click", tabClick{ID: "panic", Value: "x", Page: 1}); !strings.Contains(got, "Something went wrong (ref ") {
		t.Errorf("a panic is not an apology: %s", got)
	}
}

// What a page may not send is refused with one line, and reaches no
// handler.
func TestTabBadInput(t *testing.T) {
	f := newTabFixture(t)
	tok := f.token(t)
	before := len(f.home.requests())
	long := strings.Repeat("x", maxTabValue+1)
	tests := map[string]struct {
		path string
		body any
	}{
		"not JSON":         {"/teams/home/click", "{id:"},
		"unknown field":    {"/teams/home/click", `{"id":"seat.remove","value":"1","admin":true}`},
		"two objects":      {"/teams/home/click", `{"id":"seat.remove"}{"id":"seat.keep"}`},
		"no action":        {"/teams/home/click", tabClick{Value: "1"}},
		"long value":       {"/teams/home/click", tabClick{ID: "seat.remove", Value: long}},
		"no form":          {"/teams/home/form", tabSubmission{Record: "1"}},
		"long input":       {"/teams/home/form", tabSubmission{Form: "seat.keep", Values: map[string]string{"reason": strings.Repeat("y", maxTabInputText+1)}}},
		"too big a body":   {"/teams/home/form", `{"form":"seat.keep","record":"` + strings.Repeat("z", maxTabBody) + `"}`},
		"wrong value type": {"/teams/home/form", `{"form":"seat.keep","values":{"reason":7}}`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			status, body := f.do(t, http.MethodPost, tt.path, tok, tt.body)
			if status != http.StatusBadRequest || strings.Count(strings.TrimSpace(body), "\n") != 0 {
				t.Errorf("status %d: %q", status, body)
			}
		})
	}
	if n := len(f.home.requests()) - before; n != 0 {
		t.Errorf("%d bad requests reached the handler", n)
	}
}
