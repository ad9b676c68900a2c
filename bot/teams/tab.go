package teams

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"

	"github.com/seatwarden/seatwarden/bot"
)

// The tab's limits on what a page may send: a control's id and value are
// at most what the bot's own buttons carry, a form at most its inputs.
const (
	maxTabBody      = 64 << 10
	maxTabActionID  = 255
	maxTabValue     = 2000
	maxTabInputs    = 50
	maxTabInputText = 3000
)

// tabContentSecurity lets the page run only its own script and TeamsJS,
// and be framed only by Teams and the Microsoft 365 apps that host tabs.
const tabContentSecurity = "default-src 'none'; script-src 'self' https://res.cdn.office.net; style-src 'self'; connect-src 'self'; " +
	"img-src 'self' data:; form-action 'none'; base-uri 'none'; " +
	"frame-ancestors https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft https://*.office.com https://*.microsoft365.com"

// personVerifier names who sent a tab request from its bearer token.
type personVerifier interface {
	Person(ctx context.Context, raw string) (bot.User, error)
}

// Tab is the personal tab in Teams: the person's home (what waits for
// them, with its buttons and forms) as a web page Teams shows beside the
// chat. Teams signs the person in (single sign-on); the page sends the
// token with each request, and the answers are drawn by the same handler
// as the bot's messages.
type Tab struct {
	handler bot.Handler
	signIn  personVerifier
	log     *slog.Logger
	static  http.Handler
}

// NewTab serves h's home to the people signIn lets in.
func NewTab(h bot.Handler, signIn TabSignIn, log *slog.Logger) (*Tab, error) {
	v, err := NewTabVerifier(signIn)
	if err != nil {
		return nil, err
	}
	return newTab(h, v, log), nil
}

func newTab(h bot.Handler, v personVerifier, log *slog.Logger) *Tab {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	files, _ := fs.Sub(tabFiles, "tab")
	return &Tab{handler: h, signIn: v, log: log.With(slog.String("platform", "teams"), slog.String("surface", "tab")),
		static: http.StripPrefix("/teams/home/", http.FileServerFS(files))}
}

// Register mounts the tab's page and endpoints on mux.
func (t *Tab) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /teams/home", t.page)
	mux.Handle("GET /teams/home/tab.js", t.headers(t.static))
	mux.Handle("GET /teams/home/tab.css", t.headers(t.static))
	mux.HandleFunc("GET /teams/home/view", t.view)
	mux.HandleFunc("POST /teams/home/click", t.click)
	mux.HandleFunc("POST /teams/home/form", t.form)
}

func (t *Tab) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", tabContentSecurity)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

func (t *Tab) page(w http.ResponseWriter, r *http.Request) {
	t.headers(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := tabTemplates.ExecuteTemplate(w, "page.html", nil); err != nil {
			t.log.Error("tab page not rendered", slog.Any("error", err))
		}
	})).ServeHTTP(w, r)
}

// person authenticates a request; on failure it has answered it.
func (t *Tab) person(w http.ResponseWriter, r *http.Request) (bot.User, bool) {
	raw, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		http.Error(w, "Sign-in needed: open this page as seatwarden's tab in Teams.", http.StatusUnauthorized)
		return bot.User{}, false
	}
	u, err := t.signIn.Person(r.Context(), raw)
	if err != nil {
		var ae *AuthError
		if errors.As(err, &ae) {
			t.log.Warn("tab request refused", slog.String("reason", ae.Reason))
			http.Error(w, "Teams did not sign you in to seatwarden. Close and reopen the tab.", http.StatusUnauthorized)
			return bot.User{}, false
		}
		t.log.Error("tab sign-in could not be checked", slog.Any("error", err))
		http.Error(w, "seatwarden cannot check sign-ins right now. Try again in a minute.", http.StatusServiceUnavailable)
		return bot.User{}, false
	}
	return u, true
}

func bearer(h string) (string, bool) {
	const prefix = "Bearer "
	if len(h) <= len(prefix) || h[:len(prefix)] != prefix {
		return "", false
	}
	return h[len(prefix):], true
}

// view answers a page of the home.
func (t *Tab) view(w http.ResponseWriter, r *http.Request) {
	u, ok := t.person(w, r)
	if !ok {
		return
	}
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page < 1 || page > 999_999 {
		page = 1
	}
	t.write(w, t.fragment(r.Context(), u, page, bot.Message{}))
}

// tabClick is what the page posts for a button.
type tabClick struct {
	ID    string `json:"id"`
	Value string `json:"value"`
	Page  int    `json:"page"`
}

func (t *Tab) click(w http.ResponseWriter, r *http.Request) {
	u, ok := t.person(w, r)
	if !ok {
		return
	}
	var c tabClick
	if !decodeTab(w, r, &c) {
		return
	}
	if c.ID == "" || len(c.ID) > maxTabActionID || len(c.Value) > maxTabValue {
		http.Error(w, "That button is not one of seatwarden's; reload the tab.", http.StatusBadRequest)
		return
	}
	req := bot.Request{Platform: bot.PlatformTeams, User: u, Action: &bot.Action{ID: c.ID, Value: c.Value}}
	reply := t.handle(r.Context(), req)
	if c.ID == bot.ActionHomePage {
		t.write(w, tabFragment{Page: pageOf(reply), Home: tabMessageOf(reply)})
		return
	}
	t.write(w, t.fragment(r.Context(), u, c.Page, reply))
}

// tabSubmission is what the page posts for a form.
type tabSubmission struct {
	Form      string            `json:"form"`
	Record    string            `json:"record"`
	Values    map[string]string `json:"values"`
	Cancelled bool              `json:"cancelled"`
	Page      int               `json:"page"`
}

func (t *Tab) form(w http.ResponseWriter, r *http.Request) {
	u, ok := t.person(w, r)
	if !ok {
		return
	}
	var s tabSubmission
	if !decodeTab(w, r, &s) {
		return
	}
	valid := s.Form != "" && len(s.Form) <= maxTabActionID && len(s.Record) <= maxTabValue && len(s.Values) <= maxTabInputs
	for k, v := range s.Values {
		valid = valid && len(k) <= maxTabActionID && len(v) <= maxTabInputText
	}
	if !valid {
		http.Error(w, "That form is not one of seatwarden's, or too long; reload the tab.", http.StatusBadRequest)
		return
	}
	if s.Cancelled {
		s.Values = nil
	}
	req := bot.Request{Platform: bot.PlatformTeams, User: u, Form: &bot.FormSubmission{FormID: s.Form, RecordID: s.Record,
		Values: s.Values, Cancelled: s.Cancelled}}
	if req.Form.Values == nil {
		req.Form.Values = map[string]string{}
	}
	reply := t.handle(r.Context(), req)
	if s.Cancelled {
		// The reply puts back the message the form was drawn on; the
		// home is that message here.
		reply = bot.Message{}
	}
	t.write(w, t.fragment(r.Context(), u, s.Page, reply))
}

func decodeTab(w http.ResponseWriter, r *http.Request, into any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxTabBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil || dec.Decode(&struct{}{}) != io.EOF {
		http.Error(w, "seatwarden could not read that request; reload the tab.", http.StatusBadRequest)
		return false
	}
	return true
}

// fragment is reply (the answer to a click or form, if any) above page
// of the person's home drawn afresh. A form in the reply is shown to
// fill in; a redraw of the message a control was on is left out, since
// the home shows the change.
func (t *Tab) fragment(ctx context.Context, u bot.User, page int, reply bot.Message) tabFragment {
	var f tabFragment
	if reply.Form != nil {
		f.Form = tabFormOf(*reply.Form)
		reply.Form = nil
	}
	if !reply.Empty() && reply.Delivery != bot.ReplaceOriginal {
		f.Note = tabMessageOf(reply)
	}
	home := t.handle(ctx, bot.Request{Platform: bot.PlatformTeams, User: u, Action: bot.HomePage(max(page, 1))})
	f.Page, f.Home = pageOf(home), tabMessageOf(home)
	return f
}

func pageOf(m bot.Message) int {
	if m.Pager != nil {
		return m.Pager.Page
	}
	return 1
}

// handle asks the handler, turning a panic into an apology with a
// reference the log also carries.
func (t *Tab) handle(ctx context.Context, req bot.Request) (reply bot.Message) {
	defer func() {
		if p := recover(); p != nil {
			ref := bot.NewRef()
			t.log.Error("handler panicked", slog.String("ref", ref), slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			reply = bot.Apology(ref)
		}
	}()
	return t.handler.Handle(ctx, req)
}

func (t *Tab) write(w http.ResponseWriter, f tabFragment) {
	body, err := renderTabFragment(f)
	if err != nil {
		ref := bot.NewRef()
		t.log.Error("tab fragment not rendered", slog.String("ref", ref), slog.Any("error", err))
		http.Error(w, bot.Apology(ref).Headline, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(body)
}
