// Package stepuppage serves step-up re-authentication's two pages: the
// one-time link an approver opens, which sends them to the company's
// OpenID Connect provider, and the callback the provider sends them back
// to, which checks the sign-in and then lets the decision count. The pages
// are small server-rendered HTML that say what happened and send the
// person back to chat.
package stepuppage

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/seatwarden/seatwarden/stepup"
)

// Provider is the company's sign-in: where to send the browser, and how
// to turn its answer into verified claims.
type Provider interface {
	// AuthURL is the authorization request for a fresh sign-in; an error
	// when the provider cannot be reached to find out where that is.
	AuthURL(ctx context.Context, state, nonce, codeChallenge string) (string, error)
	// Exchange trades the code for an ID token and verifies it (issuer,
	// audience, signature, expiry), returning what it says.
	Exchange(ctx context.Context, code, verifier string) (stepup.Claims, error)
}

// Handler serves the pages.
type Handler struct {
	Service  *stepup.Service
	Provider Provider
	// Done carries out an accepted challenge's action and says what
	// happened, for the page.
	Done   func(ctx context.Context, c stepup.Challenge) (string, error)
	Logger *slog.Logger
}

// Register adds the pages to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /stepup/callback", h.callback)
	mux.HandleFunc("GET /stepup/{id}", h.start)
}

func (h *Handler) log() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

// start takes the one-time link and sends the browser to the provider.
func (h *Handler) start(w http.ResponseWriter, r *http.Request) {
	c, err := h.Service.Open(r.Context(), r.PathValue("id"))
	if err != nil {
		h.refuse(w, err)
		return
	}
	to, err := h.Provider.AuthURL(r.Context(), c.State, c.Nonce, c.CodeChallenge())
	if err != nil {
		h.log().Error("step-up: the sign-in provider cannot be reached", slog.Any("error", err))
		h.page(w, http.StatusBadGateway, page{Title: "Sign-in unavailable", Text: "The company's sign-in could not be reached just now, so nothing was approved. Click the button in chat again in a moment."})
		return
	}
	secure(w)
	// The only redirect the pages make: to the configured provider.
	http.Redirect(w, r, to, http.StatusFound)
}

// callback checks the provider's answer and lets the decision count.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		h.page(w, http.StatusForbidden, page{Title: "Not signed in", Text: "The sign-in was cancelled or refused (" + e + "), so nothing was approved. Click the button in chat again to retry."})
		return
	}
	state, code := q.Get("state"), q.Get("code")
	if state == "" || code == "" {
		h.page(w, http.StatusBadRequest, page{Title: "Not signed in", Text: "This address is where the sign-in comes back; it needs the provider's answer. Start from the button in chat."})
		return
	}
	ctx := r.Context()
	c, err := h.Service.ByState(ctx, state)
	if err != nil {
		h.refuse(w, err)
		return
	}
	claims, err := h.Provider.Exchange(ctx, code, c.Verifier)
	if err != nil {
		h.log().Warn("step-up: the sign-in's answer was not accepted", slog.Any("error", err))
		h.page(w, http.StatusForbidden, page{Title: "Not signed in", Text: "The sign-in's answer could not be verified, so nothing was approved. Click the button in chat again to retry."})
		return
	}
	if c, err = h.Service.Complete(ctx, c, claims); err != nil {
		h.refuse(w, err)
		return
	}
	msg, err := h.Done(ctx, c)
	if err != nil {
		h.log().Error("step-up: signed in, but the decision was not recorded", slog.String("for", c.Action.Target), slog.Any("error", err))
		h.page(w, http.StatusConflict, page{Title: "Signed in, not recorded", Text: "You signed in, but " + err.Error() + "."})
		return
	}
	h.page(w, http.StatusOK, page{Title: "Done", Text: msg, OK: true})
}

// refuse answers a refused link or sign-in with why.
func (h *Handler) refuse(w http.ResponseWriter, err error) {
	var r *stepup.Refusal
	if errors.As(err, &r) {
		h.page(w, http.StatusForbidden, page{Title: "Not accepted", Text: "Nothing was approved: " + r.Why + "."})
		return
	}
	h.log().Error("step-up page failed", slog.Any("error", err))
	h.page(w, http.StatusInternalServerError, page{Title: "Something went wrong", Text: "Nothing was approved. Try again from the button in chat in a moment."})
}

type page struct {
	Title, Text string
	OK          bool
}

var tmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>seatwarden · {{.Title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1d1c1d}
h1{font-size:1.4rem}.ok{color:#007a5a}.no{color:#b3261e}</style></head>
<body><h1 class="{{if .OK}}ok{{else}}no{{end}}">{{.Title}}</h1>
<p>{{.Text}}</p>
<p>You can close this tab and go back to Slack or Teams.</p></body></html>
`))

func (h *Handler) page(w http.ResponseWriter, status int, p page) {
	secure(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := tmpl.Execute(w, p); err != nil {
		h.log().Warn("step-up page not written", slog.Any("error", err))
	}
}

// secure sets what every page sends: nothing cached, nothing loaded from
// elsewhere, no referrer (the link is a credential until it is used), no
// framing.
func secure(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
}
