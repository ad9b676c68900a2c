package oidctest

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

func TestFaults(t *testing.T) {
	t.Run("token endpoint unavailable once", func(t *testing.T) {
		s := newTestServer(t)
		code, p, _ := codeFor(t, s, Login{Email: "dana@acme.example"})
		s.InjectFault(EndpointToken, Fault{Status: http.StatusServiceUnavailable, RetryAfter: 1500 * time.Millisecond, Count: 1})
		res := exchange(t, s, codeGrant(code, p), basicAuth)
		if res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") != "2" || res.json(t)["error"] != "temporarily_unavailable" {
			t.Fatalf("status %d, Retry-After %q, body %s", res.status, res.header.Get("Retry-After"), res.body)
		}
		// The provider never saw the code, so the retry redeems it.
		if res := exchange(t, s, codeGrant(code, p), basicAuth); res.status != http.StatusOK {
			t.Errorf("retry: status %d, body %s", res.status, res.body)
		}
		if n := s.Requests(EndpointToken); n != 2 {
			t.Errorf("token requests = %d, want 2", n)
		}
	})

	t.Run("discovery down", func(t *testing.T) {
		s := newTestServer(t)
		s.InjectFault(EndpointDiscovery, Fault{Status: http.StatusBadGateway, Count: 1})
		if _, err := oidc.NewProvider(context.Background(), s.URL); err == nil || !strings.Contains(err.Error(), "502") {
			t.Errorf("NewProvider: %v, want the 502", err)
		}
		if _, err := oidc.NewProvider(context.Background(), s.URL); err != nil {
			t.Errorf("after the fault: %v", err)
		}
	})

	t.Run("jwks down until cleared", func(t *testing.T) {
		s := newTestServer(t)
		raw, _ := idTokenFor(t, s, Login{Email: "dana@acme.example"})
		v := verifierFor(t, s)
		s.InjectFault(EndpointJWKS, Fault{Status: http.StatusInternalServerError, Body: `{"message":"internal"}`})
		for range 2 {
			if _, err := v.Verify(context.Background(), raw); err == nil {
				t.Error("verified without keys")
			}
		}
		s.ClearFaults()
		// go-oidc shares one key fetch among the calls that overlap it and
		// forgets it a moment after it ends, so a call right after a failed
		// fetch may still see that failure: the keys come back within a few
		// tries, not necessarily the first.
		var err error
		for range 50 {
			if _, err = v.Verify(context.Background(), raw); err == nil {
				break
			}
			runtime.Gosched()
		}
		if err != nil {
			t.Errorf("after ClearFaults: %v", err)
		}
		if n := s.Requests(EndpointJWKS); n < 2 {
			t.Errorf("jwks requests = %d, want the failed fetch and one after it", n)
		}
	})

	t.Run("authorize fault leaves the login scripted", func(t *testing.T) {
		s := newTestServer(t)
		s.NextLogin(Login{Email: "dana@acme.example"})
		s.InjectFault(EndpointAuthorize, Fault{Status: http.StatusInternalServerError, Count: 1})
		params := authRequest(newPKCE())
		res := authorize(t, s, params)
		if res.status != http.StatusInternalServerError || res.header.Get("Location") != "" {
			t.Fatalf("status %d, Location %q", res.status, res.header.Get("Location"))
		}
		if s.PendingLogins() != 1 || len(s.Authorizations()) != 1 {
			t.Errorf("pending %d, recorded %d", s.PendingLogins(), len(s.Authorizations()))
		}
		if res := authorize(t, s, params); res.status != http.StatusFound || res.location(t).Query().Get("code") == "" {
			t.Errorf("after the fault: status %d", res.status)
		}
	})

	t.Run("delay past the client's timeout", func(t *testing.T) {
		s := newTestServer(t)
		code, p, _ := codeFor(t, s, Login{Email: "dana@acme.example"})
		s.InjectFault(EndpointToken, Fault{Delay: 2 * time.Second, Count: 1})
		impatient := &http.Client{Timeout: 50 * time.Millisecond}
		form := codeGrant(code, p)
		req, _ := http.NewRequest(http.MethodPost, s.URL+PathToken, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(clientID, clientSecret)
		start := time.Now()
		if resp, err := impatient.Do(req); err == nil {
			resp.Body.Close()
			t.Fatalf("answered %d before the delay", resp.StatusCode)
		}
		if time.Since(start) > time.Second {
			t.Errorf("the timeout took %v", time.Since(start))
		}
		if res := exchange(t, s, form, basicAuth); res.status != http.StatusOK {
			t.Errorf("retry: status %d, body %s", res.status, res.body)
		}
	})

	t.Run("delay then answer", func(t *testing.T) {
		s := newTestServer(t)
		s.InjectFault(AllEndpoints, Fault{Delay: 30 * time.Millisecond, Count: 1})
		start := time.Now()
		if res := get(t, s.URL+PathDiscovery); res.status != http.StatusOK {
			t.Errorf("status %d", res.status)
		}
		if d := time.Since(start); d < 30*time.Millisecond {
			t.Errorf("answered after %v", d)
		}
	})
}

func TestRequestCounters(t *testing.T) {
	s := newTestServer(t)
	_, _ = idTokenFor(t, s, Login{Email: "dana@acme.example"})
	_ = verifierFor(t, s)
	get(t, s.URL+"/userinfo")
	want := map[string]int{EndpointAuthorize: 1, EndpointToken: 1, EndpointDiscovery: 1, EndpointJWKS: 0, EndpointUnknown: 1}
	for endpoint, n := range want {
		if got := s.Requests(endpoint); got != n {
			t.Errorf("Requests(%s) = %d, want %d", endpoint, got, n)
		}
	}
	s.ResetCounters()
	if s.Requests(EndpointToken) != 0 || len(s.Authorizations()) != 0 {
		t.Error("ResetCounters left counts")
	}
}
