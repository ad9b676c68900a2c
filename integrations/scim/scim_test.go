package scim_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/integrations/scim"
	"github.com/seatwarden/seatwarden/integrations/scim/scimtest"
	"github.com/seatwarden/seatwarden/internal/apiclient"
	"github.com/seatwarden/seatwarden/internal/teststores"
)

func newClient(t *testing.T, emu *scimtest.Server, token string) *scim.Client {
	t.Helper()
	c, err := scim.New(scim.Config{URL: emu.BaseURL(), Token: token,
		Options: apiclient.Options{HTTPClient: &http.Client{Timeout: 5 * time.Second}, Sleep: func(context.Context, time.Duration) error { return nil }}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Everyone in pages of the server's cap, active false as deactivated,
// the enterprise manager resolved, a user the server stops listing as
// deleted.
func TestReadThroughTheDirectory(t *testing.T) {
	emu := scimtest.NewServer(scimtest.Generated(250)...)
	t.Cleanup(emu.Close)
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	svc := &directory.Service{Records: teststores.Bolt(t, nil), Source: scim.Source{Client: newClient(t, emu, scimtest.Token)}, Now: func() time.Time { return now }}
	res, err := svc.Sync(t.Context())
	if err != nil || res.Requests != 3 || len(res.Snapshot.People) != 250 || res.Snapshot.Active() != 225 {
		t.Fatalf("read: %d requests, %d people (%d active), %v", res.Requests, len(res.Snapshot.People), res.Snapshot.Active(), err)
	}
	p, _ := res.Snapshot.Index().Find("person142@acme.example")
	if p.Manager != "person100@acme.example" || p.Department != "Support" || p.Title != "Agent" {
		t.Errorf("person 142: %+v", p)
	}
	now = now.Add(15 * time.Minute)
	emu.Deactivate("u-000142")
	res, err = svc.Sync(t.Context())
	if err != nil || len(res.Departed) != 1 || res.Departed[0].Status != directory.Deactivated {
		t.Errorf("after a deactivation: %+v, %v", res.Departed, err)
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name  string
		fault *scimtest.Fault
		times int
		token string
		want  error
		says  string
	}{
		{"a wrong token", nil, 0, "nope", scim.ErrUnauthorized, "check SCIM_TOKEN"},
		{"5xx storm", &scimtest.Fault{Status: http.StatusBadGateway}, 0, scimtest.Token, scim.ErrUnavailable, "502"},
		{"malformed JSON", &scimtest.Fault{Status: http.StatusOK, Body: `{"Resources": [`}, 1, scimtest.Token, scim.ErrBadResponse, "not a SCIM ListResponse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := scimtest.NewServer(scimtest.Generated(20)...)
			t.Cleanup(emu.Close)
			if tt.fault != nil {
				emu.InjectFault(*tt.fault, tt.times)
			}
			_, err := scim.Source{Client: newClient(t, emu, tt.token)}.ReadPeople(t.Context(), "")
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("err = %v, want %v saying %q", err, tt.want, tt.says)
			}
		})
	}
	emu := scimtest.NewServer(scimtest.Generated(20)...)
	t.Cleanup(emu.Close)
	emu.InjectFault(scimtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 2}, 2)
	if r, err := (scim.Source{Client: newClient(t, emu, scimtest.Token)}).ReadPeople(t.Context(), ""); err != nil || len(r.People) != 20 {
		t.Errorf("after two 429s: %d people, %v", len(r.People), err)
	}
}
