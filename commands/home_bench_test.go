package commands

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/slack"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// BenchmarkHome500 opens the home of one person with 500 open items, 400
// seats to decide and 100 requests waiting for their approval, from each
// store, and renders it as the Slack Home tab: what app_home_opened
// costs before the views.publish call. It reports p50 and p99 per open.
//
//	go test -run '^$' -bench Home500 -benchtime 200x ./commands/
func BenchmarkHome500(b *testing.B) {
	stores := map[string]func(testing.TB) store.Store{
		"bolt":  func(tb testing.TB) store.Store { return teststores.Bolt(tb, func() time.Time { return now }) },
		"redis": func(tb testing.TB) store.Store { return teststores.Redis(tb, "homebench") },
	}
	for _, name := range []string{"bolt", "redis"} {
		b.Run(name, func(b *testing.B) {
			r := seedHome(b, stores[name](b), 400, 100)
			req := bot.Request{Platform: bot.PlatformSlack, User: user(acmeOmar), Action: bot.HomePage(1)}
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				m := r.Handle(b.Context(), req)
				if _, err := slack.RenderHome(m); err != nil || m.Pager == nil || m.Pager.Pages != 34 {
					b.Fatalf("home: %v, pager %+v, %q", err, m.Pager, m.Headline)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// seedHome opens this week's review with seatCount seats owned by omar,
// and has lee ask for waiting apps, which the policy makes omar approve;
// all on st.
func seedHome(tb testing.TB, st store.Store, seatCount, waiting int) *Router {
	tb.Helper()
	ctx := tb.Context()
	clock := func() time.Time { return now }
	p := testPolicy(tb)
	rv := &reviews.Service{Records: st, Audit: st, Now: clock, Holder: "bench", Policy: reviews.Policy{Location: p.Location}}
	var report seats.Report
	for i := range seatCount {
		lastLogin := now.AddDate(0, 0, -40-i%90)
		report.Paid = append(report.Paid, seats.Seat{
			User: connector.Staff{ID: int64(10_000 + i), Name: fmt.Sprintf("Agent %04d", i), Email: fmt.Sprintf("agent%04d@acme.example", i), Role: "agent", LastActivity: &lastLogin},
			Paid: true, Groups: []string{"Tier 2"}, DefaultGroup: "Tier 2",
			DaysInactive: 40 + i%90, Inactive: true, MonthlyCost: 115,
		})
	}
	if _, err := rv.Open(ctx, reviews.PeriodOf(now, p.Location), report, func(seats.Seat) string { return acmeOmar }); err != nil {
		tb.Fatal(err)
	}
	ap := &approvals.Service{Records: st, Audit: st, Now: clock, Holder: "bench",
		Policy: approvals.Policy{Location: p.Location, Channel: approvalsChannel, Admins: []string{acmeAdmin}, Approvers: []string{acmeOmar}}}
	for range waiting {
		if _, err := ap.Submit(ctx, approvals.App.Name, approvals.Actor{Email: acmeLee}, approvals.Answers(appValues()), 0); err != nil {
			tb.Fatal(err)
		}
	}
	r, err := New(Deps{Snapshots: st, Audit: st, Policy: p, Admins: []string{acmeAdmin}, Reviews: rv, Approvals: ap, Now: clock})
	if err != nil {
		tb.Fatal(err)
	}
	return r
}
