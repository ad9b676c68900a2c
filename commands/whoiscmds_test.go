package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/directory"
)

// oneRead is a directory source that lists the same people every time.
type oneRead []directory.Person

func (oneRead) Name() string { return directory.Okta }

func (r oneRead) ReadPeople(context.Context, string) (directory.Read, error) {
	return directory.Read{People: r, Full: true}, nil
}

// whois: the directory's word on a person, found by any of their emails,
// beside their seats, credentials and grants; admins only.
func TestWhois(t *testing.T) {
	f := newHomeFixture(t)
	_, grant := f.grantApproved(t, acmeMei, "2h")
	ask0 := func(who, text string) string { return fieldText(ask(f.router, who, text)) }

	if got := ask0(acmeAdmin, "whois "+acmeMei); !strings.Contains(got, "No identity source is set up") || !strings.Contains(got, "*Zendesk* · Mei Tanaka") {
		t.Errorf("without a directory:\n%s", got)
	}

	dir := &directory.Service{Records: f.store, Now: f.now, Source: oneRead{
		{ID: "00u1", Name: "Dana Field", Emails: []string{acmeAdmin}, Status: directory.Active},
		{ID: "00u2", Name: "Mei Tanaka", Emails: []string{"mei.tanaka@acme.example", acmeMei}, Status: directory.Active,
			ManagerID: "00u1", Department: "Support", Title: "Agent"},
		{ID: "00u3", Name: "Lee Park", Emails: []string{acmeLee}, Status: directory.Deactivated, Changed: now.Add(-48 * time.Hour)},
	}}
	if _, err := dir.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.deps.Directory = dir
	var err error
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, who, text string
		want            []string
	}{
		{"by an alias", acmeAdmin, "whois mei.tanaka@acme.example", []string{
			"Who is Mei Tanaka", "Status in Okta: active", "Manager: " + acmeAdmin, "Department: Support",
			"Also answers to: " + acmeMei, "*Zendesk* · Mei Tanaka", "*Access grants*", grant.ID}},
		{"departed", acmeAdmin, "whois " + acmeLee, []string{"Status in Okta: ⚠ deactivated since"}},
		{"unknown to the directory", acmeAdmin, "whois nobody@acme.example", []string{"⚠ Okta does not know nobody@acme.example", "holds no seat in any governed SaaS"}},
		{"not an email", acmeAdmin, "whois mei", []string{`"mei" is not an email address, e.g. /warden whois dana@example.com`}},
		{"no argument", acmeAdmin, "whois", []string{"whois takes one email address"}},
		{"not an admin", acmeMei, "whois " + acmeLee, []string{"admins"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ask0(tt.who, tt.text)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in:\n%s", w, got)
				}
			}
		})
	}
}

// fieldText is everything a person reads in m, fields as "Label: Value".
func fieldText(m bot.Message) string {
	parts := []string{m.Headline}
	for _, s := range m.Sections {
		parts = append(parts, s.Text)
		for _, f := range s.Fields {
			parts = append(parts, f.Label+": "+f.Value)
		}
	}
	return strings.Join(append(parts, m.Context...), "\n")
}
