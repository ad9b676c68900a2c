package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/integrations/oidc/oidctest"
	"github.com/seatwarden/seatwarden/prompts"
)

// The demo's client at the emulated sign-in.
const (
	demoOIDCClient = "seatwarden-demo"
	demoOIDCSecret = "demo-oidc-secret"
)

// freeAddr is a loopback address with a free port.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

var stepUpLink = regexp.MustCompile(`https?://[^"\s]+/stepup/[A-Za-z0-9_-]+`)

// approveWithStepUp presses Approve as who; when the approval needs a
// fresh sign-in, who opens the link, signs in at the emulated provider
// with a second factor, and the approval counts.
func (d *demo) approveWithStepUp(ctx context.Context, who demoPerson, ts, id string) {
	respURL := d.slackEmu.NewMessageResponseURL(demoApprovalsChannel, who.slackID, ts)
	d.clickAnswered(ctx, who, demoApprovalsChannel, ts, prompts.ActionRequestApprove, id, respURL)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var raw []byte
	_ = d.slackEmu.WaitUntil(wctx, func() bool {
		for _, p := range d.slackEmu.ResponseURLPosts() {
			if p.URL == respURL {
				raw = p.Body
				return true
			}
		}
		return false
	})
	lines, _ := blockKitText(raw)
	for _, l := range lines {
		d.say("  │ %s", l)
	}
	link := stepUpLink.FindString(string(raw))
	if !d.expect(link != "", "%s is asked to sign in again before the approval counts", who.name) {
		return
	}
	d.say("  %s opens the link and signs in again at the company's sign-in (emulated OpenID Connect, password and one-time code):", who.name)
	d.idp.NextLogin(oidctest.Login{Email: who.email, AMR: []string{"pwd", "otp"}})
	jar, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: jar, Timeout: 10 * time.Second}).Get(link)
	if !d.expect(err == nil, "the step-up link opens: %v", err) {
		return
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	text := pageText(string(page))
	d.say("  │ %s", text)
	d.expect(resp.StatusCode == http.StatusOK && strings.Contains(text, "You signed in again and approved "+id), "the sign-in is accepted and the approval counts (page %d)", resp.StatusCode)
}

var pageParagraph = regexp.MustCompile(`<p>([^<]*)</p>`)

// pageText is the first paragraph of a step-up page.
func pageText(html string) string {
	if m := pageParagraph.FindStringSubmatch(html); m != nil {
		return m[1]
	}
	return strings.TrimSpace(html)
}
