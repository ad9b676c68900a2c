package githubtest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/integrations/github"
)

// Org is the organization an emulator serves. NewServer copies it, so
// changing an Org afterwards has no effect on the server.
type Org struct {
	Login string
	ID    int64
	Name  string
	// Plan is the billing plan's name ("enterprise", "team", "free").
	Plan string
	// VerifiedDomain is the domain members' work emails are verified on.
	VerifiedDomain string
	Members        []Member
	// Teams are the teams Copilot seats can come through.
	Teams         []Team
	CopilotSeats  []CopilotSeat
	Tokens        []FineGrainedToken
	Installations []Installation
	// Now is the time the org's timestamps are relative to.
	Now time.Time
}

// Member is a person in the org with what GitHub knows of them.
type Member struct {
	Login string
	ID    int64
	Name  string
	// Email is the public profile email; "" shows as null.
	Email string
	// VerifiedEmails are their emails on the org's verified domains, as
	// GraphQL's organizationVerifiedDomainEmails returns them.
	VerifiedEmails []string
	// Role is github.RoleAdmin (an owner) or github.RoleMember.
	Role      string
	TwoFactor bool
	CreatedAt time.Time
}

// Team is a team of the org.
type Team struct {
	ID   int64
	Slug string
	Name string
}

// CopilotSeat is a Copilot seat the org is billed for.
type CopilotSeat struct {
	Login string
	// Team is the slug of the team the seat comes through; "" when the
	// seat is assigned to the person directly.
	Team     string
	PlanType string // "business" or "enterprise"
	// LastActivityAt and LastAuthenticatedAt are nil when never.
	LastActivityAt      *time.Time
	LastActivityEditor  string
	LastAuthenticatedAt *time.Time
	// PendingCancellationDate is "YYYY-MM-DD" once cancelled; the seat
	// leaves the list on that date.
	PendingCancellationDate string
	CreatedAt               time.Time
	UpdatedAt               time.Time
}

// FineGrainedToken is a fine-grained personal access token granted access
// to the org.
type FineGrainedToken struct {
	// ID is the grant's id (what revocation takes); TokenID the token's.
	ID                  int64
	TokenID             int64
	Owner               string // login
	Name                string
	RepositorySelection string // "all", "subset", "none"
	OrgPermissions      map[string]string
	RepoPermissions     map[string]string
	// OtherPermissions are those GitHub lists under "other", outside the
	// organization and repository ones.
	OtherPermissions map[string]string
	AccessGrantedAt  time.Time
	// ExpiresAt is nil for a token without expiry; LastUsedAt nil when
	// never used.
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
}

// Installation is a GitHub App installed on the org.
type Installation struct {
	ID                  int64
	AppID               int64
	AppSlug             string
	RepositorySelection string // "all" or "selected"
	Permissions         map[string]string
	Events              []string
	CreatedAt           time.Time
	UpdatedAt           time.Time
	SuspendedAt         *time.Time
}

// Member returns the member with the given login (case-insensitive).
func (o *Org) Member(login string) (Member, bool) {
	for _, m := range o.Members {
		if strings.EqualFold(m.Login, login) {
			return m, true
		}
	}
	return Member{}, false
}

// IDs of the sample org and its app installations.
const (
	SampleOrgID int64 = 91000001
	// SeatwardenAppID and SeatwardenInstallationID are the sample org's
	// installation of seatwarden's own GitHub App: register the app with
	// WithApp under these ids to authenticate as it.
	SeatwardenAppID          int64 = 990001
	SeatwardenClientID             = "Iv23liSeatwarden01"
	SeatwardenInstallationID int64 = 55000001
	firstMemberID            int64 = 5100001
	firstTokenID             int64 = 25381
	engineeringTeamID        int64 = 7300001
)

type memberSeed struct {
	login, name, publicEmail, workEmail string
	role                                string
	twoFactor                           bool
	createdAgo                          int // days
}

// sampleMembers are people of zendesktest's sample account: their work
// emails are the Zendesk emails, so the two line up. Public profile
// emails, when shown, are personal ones on example.com.
var sampleMembers = []memberSeed{
	{"dana-field", "Dana Field", "", "dana@acme.example", github.RoleAdmin, true, 1500},
	{"omarh", "Omar Haddad", "omar.haddad@example.com", "omar@acme.example", github.RoleAdmin, true, 900},
	{"priya-n", "Priya Natarajan", "", "priya@acme.example", github.RoleMember, true, 700},
	{"lucasmoreau", "Lucas Moreau", "lucas.moreau@example.com", "lucas@acme.example", github.RoleMember, true, 600},
	{"mei-tanaka", "Mei Tanaka", "", "mei@acme.example", github.RoleMember, true, 500},
	{"jberg", "Jonas Berg", "", "jonas@acme.example", github.RoleMember, false, 450},
	{"aisha-b", "Aisha Bello", "aisha.bello@example.com", "aisha@acme.example", github.RoleMember, true, 800},
	// No verified-domain email: a login that cannot be matched by email.
	{"tomreilly", "Tom Reilly", "tom.reilly@example.com", "", github.RoleMember, true, 1200},
}

// SampleOrg returns the small, readable "acme" org: 8 members (2 owners,
// one without 2FA, one without a verified-domain email), 5 Copilot seats
// (recent, months-old and never-used activity; one through a team), 4
// fine-grained tokens (one expired, one unused for 200 days) and 3 app
// installations (seatwarden's own, a CI app, a suspended one). The same
// now gives the same org.
func SampleOrg(now time.Time) *Org {
	now = now.UTC().Truncate(time.Second)
	org := &Org{
		Login:          "acme",
		ID:             SampleOrgID,
		Name:           "Acme",
		Plan:           "enterprise",
		VerifiedDomain: "acme.example",
		Teams:          []Team{{ID: engineeringTeamID, Slug: "engineering", Name: "Engineering"}},
		Now:            now,
	}
	for i, s := range sampleMembers {
		m := Member{
			Login: s.login, ID: firstMemberID + int64(i), Name: s.name, Email: s.publicEmail,
			Role: s.role, TwoFactor: s.twoFactor, CreatedAt: day(now, -s.createdAgo),
		}
		if s.workEmail != "" {
			m.VerifiedEmails = []string{s.workEmail}
		}
		org.Members = append(org.Members, m)
	}
	seat := func(login, team string, activityAgo, authAgo int, editor string, createdAgo int) CopilotSeat {
		s := CopilotSeat{Login: login, Team: team, PlanType: "business",
			CreatedAt: day(now, -createdAgo), UpdatedAt: day(now, -createdAgo)}
		if activityAgo >= 0 {
			s.LastActivityAt = ptr(day(now, -activityAgo).Add(-3 * time.Hour))
			s.LastActivityEditor = editor
		}
		if authAgo >= 0 {
			s.LastAuthenticatedAt = ptr(day(now, -authAgo).Add(-4 * time.Hour))
		}
		return s
	}
	org.CopilotSeats = []CopilotSeat{
		seat("priya-n", "", 1, 1, "vscode/1.96.2/copilot/1.254.0", 300),
		seat("lucasmoreau", "engineering", 3, 2, "JetBrains-IC/2024.3/copilot-intellij/1.5.30", 300),
		seat("mei-tanaka", "", 95, 90, "vscode/1.89.1/copilot/1.200.0", 400),
		seat("jberg", "", 200, 200, "neovim/0.9.5/copilot.vim/1.30.0", 420),
		// Assigned, never signed in to Copilot.
		seat("aisha-b", "", -1, -1, "", 60),
	}
	org.Tokens = []FineGrainedToken{
		{ID: firstTokenID, TokenID: 1200001, Owner: "dana-field", Name: "terraform-org-admin",
			RepositorySelection: "all", OrgPermissions: map[string]string{"members": "write", "administration": "write"},
			RepoPermissions: map[string]string{"metadata": "read"}, AccessGrantedAt: day(now, -120),
			ExpiresAt: ptr(day(now, 60)), LastUsedAt: ptr(day(now, -2))},
		{ID: firstTokenID + 1, TokenID: 1200002, Owner: "priya-n", Name: "release-bot",
			RepositorySelection: "subset", RepoPermissions: map[string]string{"contents": "write", "metadata": "read"},
			AccessGrantedAt: day(now, -100), ExpiresAt: ptr(day(now, -10)), LastUsedAt: ptr(day(now, -12))},
		{ID: firstTokenID + 2, TokenID: 1200003, Owner: "jberg", Name: "old-migration",
			RepositorySelection: "all", RepoPermissions: map[string]string{"contents": "read", "metadata": "read"},
			AccessGrantedAt: day(now, -400), LastUsedAt: ptr(day(now, -200))},
		{ID: firstTokenID + 3, TokenID: 1200004, Owner: "omarh", Name: "ci-readonly",
			RepositorySelection: "subset", RepoPermissions: map[string]string{"actions": "read", "metadata": "read"},
			AccessGrantedAt: day(now, -30), ExpiresAt: ptr(day(now, 335)), LastUsedAt: ptr(day(now, -1))},
	}
	org.Installations = sampleInstallations(now)
	return org
}

func sampleInstallations(now time.Time) []Installation {
	return []Installation{
		{ID: SeatwardenInstallationID, AppID: SeatwardenAppID, AppSlug: "seatwarden", RepositorySelection: "selected",
			Permissions: map[string]string{"members": "write", "organization_administration": "read",
				"organization_copilot_seat_management": "write", "organization_personal_access_tokens": "write"},
			Events: []string{"membership", "organization"}, CreatedAt: day(now, -90), UpdatedAt: day(now, -90)},
		{ID: 55000002, AppID: 990002, AppSlug: "acme-ci", RepositorySelection: "all",
			Permissions: map[string]string{"checks": "write", "contents": "read", "metadata": "read", "statuses": "write"},
			Events:      []string{"check_run", "pull_request", "push"}, CreatedAt: day(now, -700), UpdatedAt: day(now, -40)},
		{ID: 55000003, AppID: 990003, AppSlug: "legacy-deploy", RepositorySelection: "selected",
			Permissions: map[string]string{"contents": "write", "deployments": "write", "metadata": "read"},
			Events:      []string{"deployment"}, CreatedAt: day(now, -1100), UpdatedAt: day(now, -30),
			SuspendedAt: ptr(day(now, -30))},
	}
}

// Generate builds an "acme" org of any size for benchmarks: members (1 in
// 50 an owner, 1 in 20 without 2FA, most with a verified-domain email),
// copilotSeats seats on the first members (activity mixing recent,
// one to three months, older and never), one fine-grained token per 50
// members and the sample's installations. now is the sample's reference
// time; the same arguments give the same org.
func Generate(members, copilotSeats int, seed uint64, now time.Time) *Org {
	now = now.UTC().Truncate(time.Second)
	members = max(members, 1)
	copilotSeats = min(max(copilotSeats, 0), members)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	org := &Org{
		Login:          "acme",
		ID:             SampleOrgID,
		Name:           "Acme",
		Plan:           "enterprise",
		VerifiedDomain: "acme.example",
		Teams:          []Team{{ID: engineeringTeamID, Slug: "engineering", Name: "Engineering"}},
		Members:        make([]Member, 0, members),
		CopilotSeats:   make([]CopilotSeat, 0, copilotSeats),
		Now:            now,
	}
	for i := range members {
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		login := fmt.Sprintf("%s-%s-%d", strings.ToLower(first), strings.ToLower(last), i+1)
		m := Member{
			Login: login, ID: firstMemberID + int64(i), Name: first + " " + last,
			Role: github.RoleMember, TwoFactor: rng.IntN(20) != 0,
			CreatedAt: day(now, -30-rng.IntN(2000)),
		}
		if i == 0 || rng.IntN(50) == 0 {
			m.Role = github.RoleAdmin
		}
		if rng.IntN(10) != 0 {
			m.VerifiedEmails = []string{fmt.Sprintf("%s.%s.%d@acme.example", strings.ToLower(first), strings.ToLower(last), i+1)}
		}
		if rng.IntN(4) == 0 {
			m.Email = fmt.Sprintf("%s%d@example.com", strings.ToLower(first), i+1)
		}
		org.Members = append(org.Members, m)
	}
	editors := []string{"vscode/1.96.2/copilot/1.254.0", "JetBrains-IC/2024.3/copilot-intellij/1.5.30", "neovim/0.9.5/copilot.vim/1.30.0"}
	for i := range copilotSeats {
		m := org.Members[i]
		s := CopilotSeat{Login: m.Login, PlanType: "business",
			CreatedAt: day(now, -rng.IntN(500)-1)}
		s.UpdatedAt = s.CreatedAt
		if rng.IntN(5) == 0 {
			s.Team = "engineering"
		}
		var ago int
		switch r := rng.IntN(10); {
		case r == 0:
			ago = -1 // never
		case r < 6:
			ago = rng.IntN(30)
		case r < 8:
			ago = 30 + rng.IntN(60)
		default:
			ago = 90 + rng.IntN(300)
		}
		if ago >= 0 {
			s.LastActivityAt = ptr(day(now, -ago).Add(-time.Duration(rng.IntN(24*60)) * time.Minute))
			s.LastActivityEditor = editors[rng.IntN(len(editors))]
			s.LastAuthenticatedAt = ptr(s.LastActivityAt.Add(-time.Hour))
		}
		org.CopilotSeats = append(org.CopilotSeats, s)
	}
	for i := range members / 50 {
		owner := org.Members[rng.IntN(members)].Login
		t := FineGrainedToken{ID: firstTokenID + int64(i), TokenID: 1200001 + int64(i), Owner: owner,
			Name: fmt.Sprintf("token-%d", i+1), RepositorySelection: "subset",
			RepoPermissions: map[string]string{"contents": "read", "metadata": "read"},
			AccessGrantedAt: day(now, -rng.IntN(400)-1)}
		if rng.IntN(3) != 0 {
			t.ExpiresAt = ptr(day(now, rng.IntN(400)-60))
		}
		if rng.IntN(5) != 0 {
			t.LastUsedAt = ptr(day(now, -rng.IntN(300)))
		}
		org.Tokens = append(org.Tokens, t)
	}
	org.Installations = sampleInstallations(now)
	return org
}

func day(now time.Time, days int) time.Time { return now.AddDate(0, 0, days) }

func ptr[T any](v T) *T { return &v }

var firstNames = []string{
	"Alex", "Ana", "Ben", "Carla", "Casey", "Chen", "Chloe", "Daniel", "Diego", "Eva",
	"Farah", "Felix", "Gabriel", "Hana", "Ibrahim", "Ingrid", "Jamal", "Julia", "Kai", "Laura",
	"Leo", "Lina", "Marco", "Maya", "Nadia", "Nina", "Olivia", "Oscar", "Paula", "Pedro",
}

var lastNames = []string{
	"Adams", "Baker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen",
	"Khan", "Larsen", "Martin", "Nguyen", "Ortiz", "Park", "Quinn", "Rossi", "Silva", "Turner",
}
