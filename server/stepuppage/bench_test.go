package stepuppage_test

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/integrations/oidc/oidctest"
	"github.com/seatwarden/seatwarden/stepup"
)

// BenchmarkCallback is the step-up callback on its own: the provider's
// redirect back with a code, the code exchanged for tokens over HTTP, the
// ID token verified against the provider's keys, the challenge completed
// in the store and the approval recorded. The link and the provider's
// sign-in page are set up outside the timing. It reports p50 and p99.
//
//	go test -run '^$' -bench Callback -benchtime 500x ./server/stepuppage/
func BenchmarkCallback(b *testing.B) {
	f := newFixture(b, stepup.Policy{})
	noRedirect := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	next := func() string {
		c, err := f.svc.Begin(b.Context(), dana, stepup.Action{Kind: "approve", Target: "REQ-7KQ2MX"})
		if err != nil {
			b.Fatal(err)
		}
		f.idp.NextLogin(oidctest.Login{Email: dana})
		// The link: to the provider; the provider: back with a code.
		to := f.bot.URL + "/stepup/" + c.ID
		for range 2 {
			resp, err := noRedirect.Get(to)
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			to = resp.Header.Get("Location")
		}
		if u, err := url.Parse(to); err != nil || u.Query().Get("code") == "" {
			b.Fatalf("no code in %q", to)
		}
		return to
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		callback := next()
		b.StartTimer()
		start := time.Now()
		resp, err := noRedirect.Get(callback)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(start))
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("callback answered %d", resp.StatusCode)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
