// Command stepupbrowser drives step-up re-authentication's pages in a real
// browser: it serves the step-up pages beside the OIDC provider emulator,
// starts a challenge, and has headless Chromium open the one-time link.
// Chromium follows the redirect to the provider's authorize endpoint (a
// scripted sign-in) and back to the callback, and the final page must say
// the approval counts; the same link opened again must say it works once.
// It saves a screenshot of each page.
//
//	make stepup-browser           # needs Debian's chromium (apt-get install chromium)
//	go run ./bench/stepupbrowser -chromium /usr/bin/chromium -out /tmp
package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/integrations/oidc"
	"github.com/seatwarden/seatwarden/integrations/oidc/oidctest"
	"github.com/seatwarden/seatwarden/server/stepuppage"
	"github.com/seatwarden/seatwarden/stepup"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

func main() {
	chromium := flag.String("chromium", "/usr/bin/chromium", "the Chromium binary")
	out := flag.String("out", os.TempDir(), "where the screenshots go")
	flag.Parse()
	if err := run(context.Background(), *chromium, *out); err != nil {
		fmt.Fprintln(os.Stderr, "stepupbrowser:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, chromium, out string) error {
	if _, err := os.Stat(chromium); err != nil {
		return fmt.Errorf("no Chromium at %s (on Debian: apt-get install chromium): %w", chromium, err)
	}
	dir, err := os.MkdirTemp("", "stepupbrowser-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := boltstore.Open(filepath.Join(dir, "sw.db"), boltstore.Options{})
	if err != nil {
		return err
	}
	defer st.Close()

	mux := http.NewServeMux()
	bot := httptest.NewServer(mux)
	defer bot.Close()
	idp := oidctest.NewServer(oidctest.WithClient("seatwarden", "s3cret", bot.URL+"/stepup/callback"))
	defer idp.Close()
	svc := &stepup.Service{Store: st, Audit: st}
	counted := 0
	(&stepuppage.Handler{Service: svc,
		Provider: oidc.New(oidc.Config{Issuer: idp.URL, ClientID: "seatwarden", ClientSecret: "s3cret", RedirectURL: bot.URL + "/stepup/callback"}),
		Done: func(_ context.Context, c stepup.Challenge) (string, error) {
			counted++
			return "You signed in again and approved " + c.Action.Target + ": that makes 2 of 2, and it is approved.", nil
		}}).Register(mux)

	c, err := svc.Begin(ctx, "dana@acme.example", stepup.Action{Kind: "approve", Target: "REQ-7KQ2MX"})
	if err != nil {
		return err
	}
	link := bot.URL + "/stepup/" + c.ID
	idp.NextLogin(oidctest.Login{Email: "dana@acme.example", AMR: []string{"pwd", "otp"}})
	first, err := browse(ctx, chromium, link, filepath.Join(out, "stepup-done.png"))
	if err != nil {
		return err
	}
	fmt.Printf("first visit (%s):\n  %s\n", filepath.Join(out, "stepup-done.png"), first)
	idp.NextLogin(oidctest.Login{Email: "dana@acme.example"})
	again, err := browse(ctx, chromium, link, filepath.Join(out, "stepup-again.png"))
	if err != nil {
		return err
	}
	fmt.Printf("the link again (%s):\n  %s\n", filepath.Join(out, "stepup-again.png"), again)
	switch {
	case !strings.Contains(first, "You signed in again and approved REQ-7KQ2MX"):
		return errors.New("the first visit did not end on the approval counted")
	case !strings.Contains(again, "works once") && !strings.Contains(again, "used already"):
		return errors.New("the link worked twice")
	case counted != 1:
		return fmt.Errorf("%d approvals counted, want 1", counted)
	}
	fmt.Println("ok: Chromium followed the link to the sign-in and back; the approval counted once; the link refused a second visit")
	return nil
}

// browse has headless Chromium open url, follow its redirects, and return
// the final page's text; it also saves a screenshot.
func browse(ctx context.Context, chromium, url, shot string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	args := []string{"--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--user-data-dir=" + filepath.Join(os.TempDir(), "stepupbrowser-profile-"+fmt.Sprint(time.Now().UnixNano()))}
	dom, err := exec.CommandContext(ctx, chromium, append(args, "--dump-dom", url)...).Output()
	if err != nil {
		return "", fmt.Errorf("chromium --dump-dom: %w", err)
	}
	// A second visit of the address the first ended on would be refused (a
	// link works once), so the screenshot is of the page as it was served.
	_ = exec.CommandContext(ctx, chromium, append(args, "--screenshot="+shot, "--window-size=900,500", "data:text/html;charset=utf-8;base64,"+base64.StdEncoding.EncodeToString(dom))...).Run()
	return text(string(dom)), nil
}

// text is the page's heading and paragraphs, one line.
func text(html string) string {
	var parts []string
	for _, tag := range []string{"h1", "p"} {
		rest := html
		for {
			i := strings.Index(rest, "<"+tag)
			if i < 0 {
				break
			}
			rest = rest[i:]
			j, k := strings.Index(rest, ">"), strings.Index(rest, "</"+tag+">")
			if j < 0 || k < 0 {
				break
			}
			parts = append(parts, strings.TrimSpace(rest[j+1:k]))
			rest = rest[k:]
		}
	}
	return strings.Join(parts, " · ")
}
