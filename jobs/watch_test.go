package jobs_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/watch"
)

func watchJob(t *testing.T, opts ...zendesktest.Option) (*jobs.Watch, *zendesktest.Server, *outbox) {
	t.Helper()
	at := time.Date(2026, 12, 8, 11, 0, 0, 0, time.UTC)
	emu := zendesktest.NewServer(zendesktest.SampleOrg(at), append([]zendesktest.Option{zendesktest.WithOAuthClient("jobs", "secret", true)}, opts...)...)
	emu.SetNow(at)
	t.Cleanup(emu.Close)
	client, err := zendesk.New(zendesk.Config{BaseURL: emu.URL, Auth: zendesk.OAuthClientCredentials("jobs", "secret"), Now: emu.Now,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, RequestsPerMinute: 100_000, Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	st := teststores.Bolt(t, nil)
	out := newOutbox()
	svc := &watch.Service{SaaS: "zendesk", Log: zendesk.Connector{Client: client}, Store: st, Now: emu.Now}
	return &jobs.Watch{Services: []*watch.Service{svc}, Notifier: out, Channel: adminChannel, Keys: st}, emu, out
}

// Each alert reaches the channel once; one whose send failed is sent by
// the next run.
func TestWatchPostsEachAlertOnce(t *testing.T) {
	job, emu, out := watchJob(t)
	ctx := t.Context()
	for _, label := range []string{"Reporting", "Backup"} {
		emu.AddAuditLog(zendesk.AuditLog{ActorID: 1, ActorName: "Dana Field", Action: "create", SourceType: "apitoken", SourceLabel: label})
	}
	emu.Advance(time.Minute)
	out.fail[adminChannel] = errors.New("channel_not_found")
	if err := job.Run(ctx); err == nil {
		t.Error("a run whose posts failed reported no error")
	}
	delete(out.fail, adminChannel)
	for range 2 {
		emu.Advance(time.Minute)
		if err := job.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var heads []string
	for _, m := range out.channel[adminChannel] {
		heads = append(heads, m.Headline+" | "+m.Sections[0].Text)
	}
	if len(heads) != 2 || !strings.Contains(heads[0], "Dana Field created the API token Reporting") || !strings.Contains(heads[1], "Backup") {
		t.Errorf("posted:\n%s", strings.Join(heads, "\n"))
	}
}

// On a plan without an audit log, the channel hears it once.
func TestWatchUnavailableSaidOnce(t *testing.T) {
	job, emu, out := watchJob(t, zendesktest.WithoutAuditLog())
	for range 3 {
		emu.Advance(5 * time.Minute)
		if err := job.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if got := out.channel[adminChannel]; len(got) != 1 || !strings.HasPrefix(got[0].Headline, "ℹ The audit watch cannot read Zendesk's audit log") {
		t.Errorf("posted %+v", got)
	}
}
