package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/internal/golden"
)

// posture on the home fixture's account: without a directory, then with
// one that says someone left; a grant makes an admin just in time; the
// Team Lead role manages team members, so it is risky and its holder
// without 2FA is named.
func TestPosture(t *testing.T) {
	f := newHomeFixture(t)
	f.grantApproved(t, acmeMei, "2h")
	f.deps.CustomRoles = f.access.Roles.(connector.Roles)
	var err error
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	first := ask(f.router, acmeAdmin, "posture")
	golden.JSON(t, first)
	text := fieldText(first)
	for _, want := range []string{"Security posture", "*Zendesk*", "(1 just in time)", "two-factor authentication", "inactive paid", "API token",
		"lucas@acme.example (Team Lead)", "1 risky custom role: Team Lead", "Every installed app has an approved request"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	if strings.Contains(text, "who left") {
		t.Errorf("leavers shown without a directory:\n%s", text)
	}

	dir := &directory.Service{Records: f.store, Now: f.now, Source: oneRead{
		{ID: "00u3", Name: "Mei Tanaka", Emails: []string{acmeMei}, Status: directory.Deactivated, Changed: now.Add(-48 * time.Hour)},
		{ID: "00u1", Name: "Dana Field", Emails: []string{acmeAdmin}, Status: directory.Active},
	}}
	if _, err := dir.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.deps.Directory = dir
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	if got := fieldText(ask(f.router, acmeAdmin, "posture")); !strings.Contains(got, "who left still holds a seat: "+acmeMei) {
		t.Errorf("with a directory:\n%s", got)
	}
	for who, want := range map[string]string{acmeMei: "admins", acmeAdmin + " posture now": "posture takes no arguments"} {
		text := "posture"
		if strings.HasSuffix(who, " posture now") {
			who, text = acmeAdmin, "posture now"
		}
		if got := fieldText(ask(f.router, who, text)); !strings.Contains(got, want) {
			t.Errorf("%s %q: %s", who, text, got)
		}
	}
}
