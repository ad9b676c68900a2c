package zendesk_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

// The audit log is read oldest first, a hundred a page, within the window
// asked for; a role the bot or anyone changes through the API is in it.
func TestAuditLogs(t *testing.T) {
	h := newHarness(t, zendesktest.SampleOrg(t0))
	c := h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))
	ctx := context.Background()
	h.srv.GenerateAuditLogs(250, t0.Add(-time.Hour))
	agent, _ := h.srv.UserByEmail("priya@acme.example")
	if _, err := c.UpdateUser(ctx, agent.ID, zendesk.UserUpdate{Role: new(zendesk.RoleAdmin)}); err != nil {
		t.Fatal(err)
	}
	var got []zendesk.AuditLog
	requests, err := c.AuditLogs(ctx, t0.Add(-time.Hour), t0.Add(time.Minute), func(page []zendesk.AuditLog) error {
		got = append(got, page...)
		return nil
	})
	if err != nil || requests != 3 || len(got) != 251 {
		t.Fatalf("%d entries in %d requests, %v; want 251 in 3", len(got), requests, err)
	}
	for i := 1; i < len(got); i++ {
		if got[i].CreatedAt.Before(got[i-1].CreatedAt) {
			t.Fatalf("entry %d is older than the one before", i)
		}
	}
	last := got[len(got)-1]
	if last.SourceType != "user" || last.SourceID != agent.ID || !strings.Contains(last.ChangeDescription, "to Administrator") || last.IPAddress == "" || last.ActorName == "" {
		t.Errorf("the role change reads %+v", last)
	}
	n := 0
	if _, err := c.AuditLogs(ctx, t0.Add(-time.Hour), t0.Add(-time.Hour+10*time.Second), func(page []zendesk.AuditLog) error { n += len(page); return nil }); err != nil || n != 10 {
		t.Errorf("a ten-second window: %d entries, %v", n, err)
	}
}

// Below Enterprise the audit log is forbidden.
func TestAuditLogsNotOnThisPlan(t *testing.T) {
	h := newHarness(t, zendesktest.SampleOrg(t0), zendesktest.WithoutAuditLog())
	c := h.client(t, zendesk.OAuthClientCredentials(clientID, clientSecret))
	_, err := c.AuditLogs(context.Background(), t0.Add(-time.Hour), t0, func([]zendesk.AuditLog) error { return nil })
	if !errors.Is(err, zendesk.ErrForbidden) {
		t.Errorf("err = %v, want forbidden", err)
	}
}
