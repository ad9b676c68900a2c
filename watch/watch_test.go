package watch_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/internal/emuclock"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/watch"
)

const clientID, clientSecret = "watch-test", "watch-secret"

// start is a Tuesday at 11:00 UTC, inside business hours.
var start = time.Date(2026, 12, 8, 11, 0, 0, 0, time.UTC)

type fixture struct {
	clock  emuclock.Clock
	emu    *zendesktest.Server
	client *zendesk.Client
	store  store.Store
}

func newFixture(t *testing.T, opts ...zendesktest.Option) *fixture {
	t.Helper()
	f := &fixture{store: teststores.Bolt(t, nil)}
	f.clock.SetNow(start)
	f.emu = zendesktest.NewServer(zendesktest.SampleOrg(start), append([]zendesktest.Option{zendesktest.WithOAuthClient(clientID, clientSecret, true),
		zendesktest.WithClock(f.clock.Now)}, opts...)...)
	t.Cleanup(f.emu.Close)
	c, err := zendesk.New(zendesk.Config{BaseURL: f.emu.URL, Auth: zendesk.OAuthClientCredentials(clientID, clientSecret),
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, RequestsPerMinute: 100_000, Now: f.clock.Now,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	f.client = c
	return f
}

func (f *fixture) service(p watch.Policy) *watch.Service {
	return &watch.Service{SaaS: "zendesk", Log: zendesk.Connector{Client: f.client}, Store: f.store, Policy: p, Now: f.clock.Now}
}

func (f *fixture) add(e zendesk.AuditLog) {
	if e.ActorID == 0 {
		e.ActorID, e.ActorName = 9001, "Dana Field"
	}
	e.IPAddress = "203.0.113.7"
	f.emu.AddAuditLog(e)
}

// Each rule raises its alert from the entry Zendesk writes; everyday
// work raises nothing.
func TestRules(t *testing.T) {
	hours, err := watch.ParseHours("Mon-Fri 08:00-18:00")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		entry zendesk.AuditLog
		at    time.Duration // after start
		want  string        // the rule, "" for none
		why   string
	}{
		{"an admin granted", zendesk.AuditLog{Action: "update", SourceType: "user", SourceLabel: "Lee Park", ChangeDescription: "Role changed from Agent to Administrator"}, 0,
			watch.RuleAdminGranted, "Dana Field made Lee Park an administrator"},
		{"an admin taken away", zendesk.AuditLog{Action: "update", SourceType: "user", SourceLabel: "Lee Park", ChangeDescription: "Role changed from Administrator to Agent"}, 0, "", ""},
		{"an API token created", zendesk.AuditLog{Action: "create", SourceType: "apitoken", SourceLabel: "Reporting"}, 0,
			watch.RuleCredentialCreated, "Dana Field created the API token Reporting"},
		{"an app installed", zendesk.AuditLog{Action: "create", SourceType: "zendesk/app_market/app", SourceLabel: "Slack for Zendesk"}, 0,
			watch.RuleAppInstalled, "Dana Field installed the app Slack for Zendesk"},
		{"a user unsuspended", zendesk.AuditLog{Action: "update", SourceType: "user", SourceLabel: "Sam Old", ChangeDescription: "Suspended changed from true to false"}, 0,
			watch.RuleUserReactivated, "Dana Field reactivated Sam Old"},
		{"two-factor turned off", zendesk.AuditLog{Action: "update", SourceType: "account", SourceLabel: "Security", ChangeDescription: "Two-factor authentication changed from required to optional"}, 0,
			watch.RuleSecuritySettings, "Dana Field changed Security: Two-factor authentication changed from required to optional"},
		// account_setting is the source type Zendesk's own guide filters by
		// to watch setting changes.
		{"a sign-in setting changed", zendesk.AuditLog{Action: "update", SourceType: "account_setting", SourceLabel: "Sessions",
			ChangeDescription: "Session expiration changed from 8 hours to 2 weeks"}, 0,
			watch.RuleSecuritySettings, "Dana Field changed Sessions: Session expiration changed from 8 hours to 2 weeks"},
		{"a ticket solved at night", zendesk.AuditLog{Action: "update", SourceType: "ticket", SourceLabel: "Ticket #7"}, 13 * time.Hour,
			watch.RuleOutsideHours, "Dana Field changed Ticket #7 at Wed 00:00, outside business hours (Mon-Fri 08:00-18:00)"},
		{"a ticket solved by day", zendesk.AuditLog{Action: "update", SourceType: "ticket", SourceLabel: "Ticket #7"}, time.Hour, "", ""},
		{"a sign-in at night", zendesk.AuditLog{Action: "login", SourceType: "user", SourceLabel: "Dana Field"}, 13 * time.Hour, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			svc := f.service(watch.Policy{Hours: hours})
			if _, err := svc.Run(t.Context()); err != nil { // the first read: nothing yet
				t.Fatal(err)
			}
			f.clock.Advance(tt.at)
			f.add(tt.entry)
			f.clock.Advance(time.Minute)
			res, err := svc.Run(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var rules, whys []string
			for _, a := range res.Raised {
				rules, whys = append(rules, a.Rule), append(whys, a.Why)
			}
			switch {
			case tt.want == "" && len(rules) != 0:
				t.Errorf("raised %v: %v", rules, whys)
			case tt.want != "" && (len(rules) != 1 || rules[0] != tt.want || whys[0] != tt.why):
				t.Errorf("raised %v %q; want %s %q", rules, whys, tt.want, tt.why)
			}
		})
	}
}

// The bot's own API calls are in the log too: an agent made admin through
// the API is an alert, with who did it and from where.
func TestARoleChangeThroughTheAPI(t *testing.T) {
	f := newFixture(t)
	svc := f.service(watch.Policy{})
	if _, err := svc.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	priya, _ := f.emu.UserByEmail("priya@acme.example")
	if _, err := f.client.UpdateUser(t.Context(), priya.ID, zendesk.UserUpdate{Role: new(zendesk.RoleAdmin)}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	res, err := svc.Run(t.Context())
	if err != nil || len(res.Raised) != 1 || res.Raised[0].Rule != watch.RuleAdminGranted || res.Raised[0].Event.IP != "127.0.0.1" {
		t.Fatalf("raised %+v, %v", res.Raised, err)
	}
}

// Many changes by one actor within ten minutes raise one alert; the
// window slides across reads.
func TestBulkChanges(t *testing.T) {
	f := newFixture(t)
	svc := f.service(watch.Policy{Bulk: 5, BulkWindow: 10 * time.Minute})
	if _, err := svc.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	var raised []watch.Alert
	for i := range 12 {
		f.clock.Advance(30 * time.Second)
		f.add(zendesk.AuditLog{Action: "update", SourceType: "user", SourceLabel: "Someone", ChangeDescription: "Name changed"})
		if i%3 == 2 { // a read every three changes
			res, err := svc.Run(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			raised = append(raised, res.Raised...)
		}
	}
	if len(raised) != 1 || raised[0].Rule != watch.RuleBulkChanges || !strings.Contains(raised[0].Why, "made 6 changes within 10m0s") {
		t.Errorf("raised %+v", raised)
	}
}

// A change by someone the directory says left is an alert.
func TestDepartedActor(t *testing.T) {
	f := newFixture(t)
	svc := f.service(watch.Policy{})
	svc.Departed = func(_ context.Context, actor int64) (bool, error) { return actor == 666, nil }
	if _, err := svc.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.add(zendesk.AuditLog{ActorID: 666, ActorName: "Max Gone", Action: "update", SourceType: "ticket", SourceLabel: "Ticket #9"})
	f.add(zendesk.AuditLog{Action: "update", SourceType: "ticket", SourceLabel: "Ticket #10"})
	f.clock.Advance(time.Minute)
	res, err := svc.Run(t.Context())
	if err != nil || len(res.Raised) != 1 || res.Raised[0].Why != "Max Gone, who left the company, changed Ticket #9" {
		t.Errorf("raised %+v, %v", res.Raised, err)
	}
}

// A trust-changing change by an admin who holds no grant and no leave to
// hold the role standing is an alert of its own; their ordinary work is
// not, nor is the same change by an admin on a grant.
func TestUngrantedActor(t *testing.T) {
	f := newFixture(t)
	svc := f.service(watch.Policy{})
	svc.Ungranted = func(_ context.Context, actor int64) (bool, error) { return actor == 42, nil }
	if _, err := svc.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.add(zendesk.AuditLog{ActorID: 42, ActorName: "Sam Standing", Action: "create", SourceType: "apitoken", SourceLabel: "Export"})
	f.add(zendesk.AuditLog{ActorID: 42, ActorName: "Sam Standing", Action: "update", SourceType: "ticket", SourceLabel: "Ticket #11"})
	f.add(zendesk.AuditLog{ActorID: 43, ActorName: "Gina Granted", Action: "create", SourceType: "apitoken", SourceLabel: "Sync"})
	f.clock.Advance(time.Minute)
	res, err := svc.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var ungranted []string
	for _, a := range res.Raised {
		if a.Rule == watch.RuleUngrantedActor {
			ungranted = append(ungranted, a.Why)
		}
	}
	if len(ungranted) != 1 || ungranted[0] != "Sam Standing changed Export with admin rights held standing: no grant, and nothing in the policy allows it" {
		t.Errorf("ungranted alerts %q", ungranted)
	}
}

// Two replicas reading at once, and a replica that dies after recording
// alerts but before moving its cursor, raise each alert once.
func TestEachAlertOnce(t *testing.T) {
	f := newFixture(t)
	if _, err := f.service(watch.Policy{}).Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	for range 30 {
		f.add(zendesk.AuditLog{Action: "create", SourceType: "apitoken", SourceLabel: "Token"})
		f.clock.Advance(time.Second)
	}
	var mu sync.Mutex
	total := 0
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			res, err := f.service(watch.Policy{}).Run(context.Background())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += len(res.Raised)
			mu.Unlock()
		})
	}
	wg.Wait()
	// Thirty tokens created, and thirty changes by one person in half a
	// minute: 31 alerts.
	if total != 31 {
		t.Errorf("%d alerts raised by four replicas, want 31", total)
	}
	unposted, err := f.service(watch.Policy{}).Unposted(t.Context())
	if err != nil || len(unposted) != 31 {
		t.Fatalf("%d unposted, %v", len(unposted), err)
	}
	// The state as if a replica died before saving it: the next read
	// judges the same events and finds every alert already recorded.
	if err := f.store.DeleteRecord(t.Context(), "watch-state", "zendesk"); err != nil {
		t.Fatal(err)
	}
	svc := f.service(watch.Policy{})
	svc.FirstLook = time.Hour
	res, err := svc.Run(t.Context())
	if err != nil || len(res.Raised) != 0 || res.Events < 30 {
		t.Errorf("a read over the same events: %d raised of %d events, %v", len(res.Raised), res.Events, err)
	}
	if err := svc.MarkPosted(t.Context(), unposted[0].ID); err != nil {
		t.Fatal(err)
	}
	if left, _ := svc.Unposted(t.Context()); len(left) != 30 {
		t.Errorf("%d unposted after one was posted", len(left))
	}
}

// The first read looks back a day, a hundred entries a request; an
// account without audit log access says so.
func TestFirstReadAndPlans(t *testing.T) {
	f := newFixture(t)
	f.emu.GenerateAuditLogs(5000, start.Add(-25*time.Hour)) // one a second: the last 1,400 are within the day
	res, err := f.service(watch.Policy{}).Run(t.Context())
	if err != nil || res.Events != 1400 || res.Requests != 14 {
		t.Errorf("first read: %d events in %d requests, %v; want 1400 in 14", res.Events, res.Requests, err)
	}
	team := newFixture(t, zendesktest.WithoutAuditLog())
	if _, err := team.service(watch.Policy{}).Run(t.Context()); !errors.Is(err, watch.ErrUnavailable) {
		t.Errorf("without an audit log: %v", err)
	}
}

func TestParseHours(t *testing.T) {
	tests := []struct {
		in      string
		within  time.Time
		outside time.Time
	}{
		{"Mon-Fri 08:00-18:00", start, time.Date(2026, 12, 12, 11, 0, 0, 0, time.UTC)},
		{"sun-thu 07:30-16:00", time.Date(2026, 12, 6, 7, 30, 0, 0, time.UTC), time.Date(2026, 12, 11, 10, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		b, err := watch.ParseHours(tt.in)
		if err != nil || !b.Within(tt.within) || b.Within(tt.outside) {
			t.Errorf("%s: %+v, %v", tt.in, b, err)
		}
	}
	for _, bad := range []string{"9 to 5", "Mon-Fri 18:00-08:00", "Mon-Fri 08:00-25:00"} {
		if _, err := watch.ParseHours(bad); err == nil || !strings.Contains(err.Error(), `such as "Mon-Fri 08:00-18:00"`) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// BenchmarkRead100k judges a day's 100,000 audit-log entries in one
// read: requests at the paging bound of 100 a page.
//
//	go test -run '^$' -bench Read100k -benchmem ./watch/
func BenchmarkRead100k(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		f := &fixture{store: teststores.Bolt(b, nil)}
		f.clock.SetNow(start)
		f.emu = zendesktest.NewServer(zendesktest.SampleOrg(start), zendesktest.WithOAuthClient(clientID, clientSecret, true), zendesktest.WithClock(f.clock.Now))
		c, err := zendesk.New(zendesk.Config{BaseURL: f.emu.URL, Auth: zendesk.OAuthClientCredentials(clientID, clientSecret), RequestsPerMinute: 1_000_000, Now: f.clock.Now})
		if err != nil {
			b.Fatal(err)
		}
		f.client = c
		f.emu.GenerateAuditLogs(100_000, start.Add(-100_000*time.Second))
		svc := f.service(watch.Policy{Bulk: 1_000_000})
		svc.FirstLook = 28 * time.Hour
		b.StartTimer()
		res, err := svc.Run(b.Context())
		b.StopTimer()
		f.emu.Close()
		if err != nil || res.Events != 100_000 || res.Requests != 1000 {
			b.Fatalf("%d events in %d requests, %v", res.Events, res.Requests, err)
		}
		b.ReportMetric(float64(res.Requests), "requests/op")
		b.ReportMetric(float64(len(res.Raised)), "alerts/op")
		b.StartTimer()
	}
}

// Retention deletes alerts past it once they were posted; one still
// waiting for the channel stays, as does a recent one.
func TestPurgeAlerts(t *testing.T) {
	f := newFixture(t)
	svc := f.service(watch.Policy{})
	if _, err := svc.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.add(zendesk.AuditLog{Action: "create", SourceType: "apitoken", SourceLabel: "Old posted"})
	f.add(zendesk.AuditLog{Action: "create", SourceType: "apitoken", SourceLabel: "Old unposted"})
	f.clock.Advance(time.Minute)
	res, err := svc.Run(t.Context())
	if err != nil || len(res.Raised) != 2 {
		t.Fatalf("raised %+v, %v", res.Raised, err)
	}
	if err := svc.MarkPosted(t.Context(), res.Raised[0].ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(30 * 24 * time.Hour)
	f.add(zendesk.AuditLog{Action: "create", SourceType: "apitoken", SourceLabel: "Recent"})
	f.clock.Advance(time.Minute)
	recent, err := svc.Run(t.Context())
	if err != nil || len(recent.Raised) != 1 {
		t.Fatalf("raised %+v, %v", recent.Raised, err)
	}
	_ = svc.MarkPosted(t.Context(), recent.Raised[0].ID)

	n, err := svc.Purge(t.Context(), f.clock.Now().Add(-7*24*time.Hour), 100)
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v; want the old posted alert", n, err)
	}
	for _, a := range []watch.Alert{res.Raised[1], recent.Raised[0]} {
		if _, err := svc.Get(t.Context(), a.ID); err != nil {
			t.Errorf("%s: %v", a.Event.SourceLabel, err)
		}
	}
	if _, err := svc.Get(t.Context(), res.Raised[0].ID); !errors.Is(err, watch.ErrNoAlert) {
		t.Errorf("the old posted alert: %v", err)
	}
}
