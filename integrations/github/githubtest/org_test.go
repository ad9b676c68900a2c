package githubtest_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/github/githubtest"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
)

func TestSampleOrg(t *testing.T) {
	org := githubtest.SampleOrg(t0)
	owners, without2FA := 0, 0
	for _, m := range org.Members {
		if m.Role == github.RoleAdmin {
			owners++
		}
		if !m.TwoFactor {
			without2FA++
		}
	}
	if len(org.Members) != 8 || owners != 2 || without2FA != 1 {
		t.Errorf("%d members, %d owners, %d without 2FA; want 8, 2, 1", len(org.Members), owners, without2FA)
	}

	recent, stale, never := 0, 0, 0
	for _, s := range org.CopilotSeats {
		if _, ok := org.Member(s.Login); !ok {
			t.Errorf("seat for non-member %s", s.Login)
		}
		switch {
		case s.LastActivityAt == nil:
			never++
		case t0.Sub(*s.LastActivityAt) < 30*24*time.Hour:
			recent++
		case t0.Sub(*s.LastActivityAt) > 60*24*time.Hour:
			stale++
		}
	}
	if len(org.CopilotSeats) != 5 || recent < 2 || stale < 2 || never != 1 {
		t.Errorf("seats: %d (recent %d, months old %d, never %d)", len(org.CopilotSeats), recent, stale, never)
	}

	expired, unused200 := 0, 0
	for _, tk := range org.Tokens {
		if tk.ExpiresAt != nil && tk.ExpiresAt.Before(t0) {
			expired++
		}
		if tk.LastUsedAt != nil && t0.Sub(*tk.LastUsedAt) >= 200*24*time.Hour {
			unused200++
		}
	}
	if len(org.Tokens) != 4 || expired != 1 || unused200 != 1 {
		t.Errorf("tokens: %d (expired %d, unused 200 days %d)", len(org.Tokens), expired, unused200)
	}
	if len(org.Installations) != 3 {
		t.Errorf("%d installations, want 3", len(org.Installations))
	}
	if !reflect.DeepEqual(org, githubtest.SampleOrg(t0)) {
		t.Error("SampleOrg is not deterministic")
	}
}

// The sample's people are the Zendesk sample's: their verified work
// emails are Zendesk users' emails, with the same names.
func TestSampleOrgLinesUpWithZendesk(t *testing.T) {
	gh := githubtest.SampleOrg(t0)
	zd := zendesktest.SampleOrg(t0)
	matched := 0
	for _, m := range gh.Members {
		for _, email := range m.VerifiedEmails {
			u, ok := zd.UserByEmail(email)
			if !ok {
				t.Errorf("%s's email %s is not a Zendesk sample user", m.Login, email)
				continue
			}
			if u.Name != m.Name {
				t.Errorf("%s: GitHub name %q, Zendesk name %q", email, m.Name, u.Name)
			}
			matched++
		}
	}
	if matched < 6 {
		t.Errorf("only %d members line up with Zendesk", matched)
	}
}

func TestGenerate(t *testing.T) {
	org := githubtest.Generate(20000, 5000, 42, t0)
	if len(org.Members) != 20000 || len(org.CopilotSeats) != 5000 || len(org.Tokens) != 400 {
		t.Fatalf("%d members, %d seats, %d tokens", len(org.Members), len(org.CopilotSeats), len(org.Tokens))
	}
	owners, never := 0, 0
	seen := map[string]bool{}
	for _, m := range org.Members {
		if seen[m.Login] {
			t.Fatalf("duplicate login %s", m.Login)
		}
		seen[m.Login] = true
		if m.Role == github.RoleAdmin {
			owners++
		}
	}
	for _, s := range org.CopilotSeats {
		if s.LastActivityAt == nil {
			never++
		}
	}
	if owners == 0 || owners > 1000 || never == 0 || never > 1000 {
		t.Errorf("%d owners, %d never-used seats", owners, never)
	}
	if !reflect.DeepEqual(githubtest.Generate(300, 100, 42, t0), githubtest.Generate(300, 100, 42, t0)) {
		t.Error("same seed, different org")
	}
	if reflect.DeepEqual(githubtest.Generate(300, 100, 42, t0), githubtest.Generate(300, 100, 43, t0)) {
		t.Error("different seeds, same org")
	}
}

func TestNewServerCopiesTheOrg(t *testing.T) {
	org := githubtest.SampleOrg(t0)
	srv := newServer(t, org)
	org.Members[0].Role = github.RoleMember
	org.Members = org.Members[:1]
	if m, ok := srv.Member("dana-field"); !ok || m.Role != github.RoleAdmin || len(srv.Members()) != 8 {
		t.Error("changing the Org after NewServer changed the server")
	}
}
