package github_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
)

// leaks lists the secrets in s: the tokens, an installation token, a JWT,
// or key material.
func leaks(s string) []string {
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(appKey())}))
	keyLine := strings.Split(keyPEM, "\n")[1]
	var found []string
	for name, secret := range map[string]string{
		"owner token":        ownerToken,
		"member token":       memberToken,
		"installation token": "ghs_",
		"JWT":                "eyJ", // base64 of `{"`
		"key material":       keyLine,
		"key modulus":        base64.StdEncoding.EncodeToString(appKey().N.Bytes()[:24]),
	} {
		if strings.Contains(s, secret) {
			found = append(found, name)
		}
	}
	return found
}

func TestNoSecretInAnyErrorOrLog(t *testing.T) {
	h := sampleHarness(t)
	ctx := t.Context()
	var errs []error
	collect := func(_ any, err error) {
		if err == nil {
			t.Error("scenario did not fail")
			return
		}
		errs = append(errs, err)
	}

	// Rejected credentials.
	collect(h.client(t, github.TokenAuth("ghp_SECRETwrong00000000000000000000009")).Org(ctx))
	collect(h.client(t, github.AppAuth(github.App{ClientID: githubtest.SeatwardenClientID,
		InstallationID: githubtest.SeatwardenInstallationID, PrivateKey: otherKey()})).Org(ctx))
	// A revoked installation token, then a token exchange that fails.
	app := h.app(t)
	if _, err := app.Org(ctx); err != nil {
		t.Fatal(err)
	}
	h.srv.RevokeInstallationTokens()
	h.srv.InjectFault(githubtest.EndpointAppToken, githubtest.Fault{Kind: githubtest.FaultStatus, Status: http.StatusUnauthorized, Times: 1})
	collect(app.Members(ctx, ""))
	// Malformed token exchange, 5xx, rate limits, refusals.
	h.srv.InjectFault(githubtest.EndpointAppToken, githubtest.Fault{Kind: githubtest.FaultMalformed, Times: 1})
	collect(h.app(t).Org(ctx))
	owner := h.owner(t, func(cfg *github.Config) { cfg.MaxRetries = 1 })
	h.srv.InjectFault(githubtest.EndpointOrg, githubtest.Fault{Kind: githubtest.FaultServerError, Times: 2})
	collect(owner.Org(ctx))
	h.srv.InjectFault(githubtest.EndpointMembers, githubtest.Fault{Kind: githubtest.FaultPrimaryRateLimit, ResetAfter: time.Hour, Times: 1})
	collect(owner.Members(ctx, ""))
	collect(h.client(t, github.TokenAuth(memberToken)).CopilotSeats(ctx))
	collect(owner.FineGrainedTokens(ctx))
	collect(owner.User(ctx, "no-such-user"))
	collect(h.owner(t, func(cfg *github.Config) { cfg.Org = "nope" }).Org(ctx))

	for _, err := range errs {
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if found := leaks(text); len(found) > 0 {
				t.Errorf("error leaks %v: %s", found, text)
			}
		}
	}
	if found := leaks(h.logs.String()); len(found) > 0 {
		t.Errorf("logs leak %v", found)
	}
}

func TestPrintingNeverShowsCredentials(t *testing.T) {
	h := sampleHarness(t)
	tokenAuth := github.TokenAuth(ownerToken)
	appAuth := github.AppAuth(sampleApp())
	values := []any{tokenAuth, appAuth, h.client(t, tokenAuth), h.client(t, appAuth)}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			if found := leaks(fmt.Sprintf(verb, v)); len(found) > 0 {
				t.Errorf("%s of %T leaks %v", verb, v, found)
			}
		}
	}
}
