package zendesktest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

// Org is the account an emulator serves. NewServer copies it, so changing
// an Org after NewServer has no effect on the server.
type Org struct {
	Subdomain string
	// OwnerID is the account owner, an admin. OAuth clients and bearer
	// tokens act as this user.
	OwnerID     int64
	Users       []zendesk.User
	Groups      []zendesk.Group
	Memberships []zendesk.GroupMembership
	CustomRoles []zendesk.CustomRole
	// The credentials the account has issued, listed by the credential
	// endpoints. They are records only: none of them authenticates a
	// request (see WithAPIToken, WithOAuthClient and WithBearerToken).
	APITokens     []SeedAPIToken
	OAuthClients  []SeedOAuthClient
	OAuthTokens   []SeedOAuthToken
	Installations []SeedInstallation
	// Tickets are the tickets Show Ticket answers with, by ID.
	Tickets []zendesk.Ticket
	// Now is the time the org's timestamps are relative to.
	Now time.Time
}

// User returns the user with the given id.
func (o *Org) User(id int64) (zendesk.User, bool) {
	for _, u := range o.Users {
		if u.ID == id {
			return u, true
		}
	}
	return zendesk.User{}, false
}

// UserByEmail returns the user with the given email.
func (o *Org) UserByEmail(email string) (zendesk.User, bool) {
	for _, u := range o.Users {
		if strings.EqualFold(u.Email, email) {
			return u, true
		}
	}
	return zendesk.User{}, false
}

// Staff returns the active agents and admins, the users that can hold a
// seat.
func (o *Org) Staff() []zendesk.User {
	var staff []zendesk.User
	for _, u := range o.Users {
		if u.Active && (u.Role == zendesk.RoleAgent || u.Role == zendesk.RoleAdmin) {
			staff = append(staff, u)
		}
	}
	return staff
}

// IDs of the custom roles every seeded org has.
const (
	LightAgentRoleID  int64 = 360001112223
	StaffRoleID       int64 = 360001112224
	ContributorRoleID int64 = 360001112225
	TeamLeadRoleID    int64 = 360001112226
)

// IDs of the four groups every seeded org has.
const (
	Tier1GroupID       int64 = 360002223331
	Tier2GroupID       int64 = 360002223332
	BillingGroupID     int64 = 360002223333
	EscalationsGroupID int64 = 360002223334
)

const (
	firstUserID       int64 = 900000000101
	firstEndUserID    int64 = 900000001001
	firstMembershipID int64 = 461
	// settleTime keeps seeded updated_at values out of the export's
	// most recent minute, so a fresh server exports the whole org.
	settleTime = 2 * time.Minute
)

func customRoles(now time.Time) []zendesk.CustomRole {
	created := day(now, -1800)
	return []zendesk.CustomRole{
		{ID: LightAgentRoleID, Name: "Light Agent", Description: "Can view and add private comments",
			RoleType: zendesk.RoleTypeLightAgent, Configuration: zendesk.CustomRoleConfig{LightAgent: true},
			CreatedAt: created, UpdatedAt: created},
		{ID: StaffRoleID, Name: "Staff", Description: "Solves tickets in their groups",
			RoleType: zendesk.RoleTypeCustomAgent, CreatedAt: created, UpdatedAt: day(now, -400)},
		{ID: ContributorRoleID, Name: "Contributor", Description: "Chat agent added as contributor",
			RoleType: zendesk.RoleTypeContributor, CreatedAt: created, UpdatedAt: created},
		{ID: TeamLeadRoleID, Name: "Team Lead", Description: "Staff plus reporting, macros and managing the team",
			RoleType: zendesk.RoleTypeCustomAgent, Configuration: zendesk.CustomRoleConfig{ManageTeamMembers: "all-with-self-restriction"},
			CreatedAt: created, UpdatedAt: day(now, -200)},
	}
}

func baseGroups(now time.Time) []zendesk.Group {
	created := day(now, -1500)
	return []zendesk.Group{
		{ID: Tier1GroupID, Name: "Tier 1", Default: true, CreatedAt: created, UpdatedAt: created},
		{ID: Tier2GroupID, Name: "Tier 2", CreatedAt: created, UpdatedAt: created},
		{ID: BillingGroupID, Name: "Billing", CreatedAt: created, UpdatedAt: day(now, -300)},
		{ID: EscalationsGroupID, Name: "Escalations", CreatedAt: day(now, -900), UpdatedAt: day(now, -900)},
	}
}

// staffKind is a kind of team member with its own seat behaviour.
type staffKind int

const (
	kindAdmin staffKind = iota
	kindAgent
	kindTeamLead
	kindLightAgent
	kindContributor
	kindSuspendedAgent
	kindSuspendedLightAgent
	kindNeverLoggedIn
	kindDeletedAgent
	numStaffKinds
)

// kindWeights is the mix of generated staff beyond the first one of each
// kind; indices follow staffKind.
var kindWeights = [numStaffKinds]int{
	kindAdmin: 5, kindAgent: 46, kindTeamLead: 5, kindLightAgent: 18, kindContributor: 4,
	kindSuspendedAgent: 5, kindSuspendedLightAgent: 1, kindNeverLoggedIn: 9, kindDeletedAgent: 7,
}

// loginAges are the "days since last login" the demo talks about.
var loginAges = []int{2, 10, 35, 60, 120, 400}

type staffSeed struct {
	name, email  string
	kind         staffKind
	lastLoginAgo int // days; -1 = never
	createdAgo   int // days
	group        int64
	twoFactor    bool
}

// sampleStaff is the readable team of SampleOrg.
var sampleStaff = []staffSeed{
	{"Dana Field", "dana@acme.example", kindAdmin, 2, 1500, EscalationsGroupID, true},
	{"Omar Haddad", "omar@acme.example", kindAdmin, 10, 900, Tier2GroupID, true},
	{"Priya Natarajan", "priya@acme.example", kindAgent, 2, 700, Tier1GroupID, true},
	{"Lucas Moreau", "lucas@acme.example", kindTeamLead, 10, 600, Tier2GroupID, false},
	{"Mei Tanaka", "mei@acme.example", kindAgent, 35, 500, BillingGroupID, true},
	{"Jonas Berg", "jonas@acme.example", kindAgent, 60, 450, Tier1GroupID, false},
	{"Aisha Bello", "aisha@acme.example", kindAgent, 120, 800, EscalationsGroupID, false},
	{"Tom Reilly", "tom@acme.example", kindAgent, 400, 1200, Tier2GroupID, false},
	{"Sofia Alvarez", "sofia@acme.example", kindNeverLoggedIn, -1, 50, Tier1GroupID, false},
	{"Ken Okafor", "ken@acme.example", kindNeverLoggedIn, -1, 90, BillingGroupID, false},
	{"Hannah Weiss", "hannah@acme.example", kindSuspendedAgent, 60, 700, Tier2GroupID, false},
	{"Victor Lindqvist", "victor@acme.example", kindSuspendedLightAgent, 400, 1000, Tier1GroupID, false},
	{"Ravi Kapoor", "ravi@acme.example", kindLightAgent, 10, 300, BillingGroupID, false},
	{"Elena Petrova", "elena@acme.example", kindLightAgent, 120, 400, Tier1GroupID, false},
	{"Sam Carter", "sam@acme.example", kindContributor, 35, 200, 0, false},
	{"Grace Lin", "grace@acme.example", kindDeletedAgent, 70, 900, 0, false},
}

// SampleOrg returns the small, readable "acme" account the demo uses: 16
// named team members covering admins, Staff and Team Lead agents, light
// agents, a contributor, suspended and never-logged-in agents, agents
// whose last logins are 2 to 400 days old and one deleted agent, four
// groups with memberships, 200 end users, and a credential register of
// five API tokens, three OAuth clients with six tokens and four installed
// apps, and three tickets (SampleTicketSSO, SampleTicketRefund and
// SampleTicketPassword). The same now gives the same org.
func SampleOrg(now time.Time) *Org {
	now = now.UTC().Truncate(time.Second)
	org := &Org{
		Subdomain:   "acme",
		OwnerID:     firstUserID,
		Groups:      baseGroups(now),
		CustomRoles: customRoles(now),
		Now:         now,
	}
	b := orgBuilder{org: org, now: now, nextMembership: firstMembershipID}
	for i, s := range sampleStaff {
		b.addStaff(firstUserID+int64(i), s)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		b.addEndUser(rng, firstEndUserID+int64(i), i)
	}
	addSampleCredentials(org)
	addSampleTickets(org)
	return org
}

// GenerateConfig sizes a generated org.
type GenerateConfig struct {
	Users int    // all users, staff and end users
	Seed  uint64 // same seed, same org
	Now   time.Time
	// StaffShare is the fraction of users that are team members; default
	// 0.04. Every staff kind appears at least once when Users allows.
	StaffShare float64

	// Credentials to generate; 0 means none. Creators and the users
	// tokens act as are drawn from the generated staff, last-used times
	// mix never, recent, 20-30 days and over 90 days. APITokens is capped
	// at MaxAPITokens, Zendesk's per-account limit. OAuthTokens > 0
	// implies at least one OAuth client to hold them. An org without
	// staff gets no credentials.
	APITokens     int
	OAuthClients  int
	OAuthTokens   int
	Installations int
}

// GenerateOrg builds an org of any size with the same staff mix as
// SampleOrg, groups (four named ones plus one per 40 team members),
// memberships and, when cfg asks for them, credentials. A zero Now means
// time.Now().
func GenerateOrg(cfg GenerateConfig) *Org {
	now := cfg.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC().Truncate(time.Second)
	share := cfg.StaffShare
	if share <= 0 {
		share = 0.04
	}
	n := max(cfg.Users, 0)
	staff := min(n, max(int(math.Round(float64(n)*share)), int(numStaffKinds)))
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5ea7))

	org := &Org{
		Subdomain:   "acme",
		OwnerID:     firstUserID,
		Groups:      baseGroups(now),
		CustomRoles: customRoles(now),
		Users:       make([]zendesk.User, 0, n),
		Now:         now,
	}
	for i := range staff / 40 {
		id := EscalationsGroupID + 1 + int64(i)
		created := day(now, -rng.IntN(1000)-30)
		org.Groups = append(org.Groups, zendesk.Group{
			ID: id, Name: fmt.Sprintf("Team %02d", i+1), CreatedAt: created, UpdatedAt: created,
		})
	}
	b := orgBuilder{org: org, now: now, nextMembership: firstMembershipID}

	total := 0
	for _, w := range kindWeights {
		total += w
	}
	for i := range staff {
		kind := staffKind(i)
		if i == 0 {
			kind = kindAdmin // the owner
		} else if i >= int(numStaffKinds) {
			kind = pickKind(rng, total)
		}
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		seed := staffSeed{
			name:         first + " " + last,
			email:        fmt.Sprintf("%s.%s.%d@acme.example", strings.ToLower(first), strings.ToLower(last), i+1),
			kind:         kind,
			lastLoginAgo: loginAges[rng.IntN(len(loginAges))],
			createdAgo:   loginAges[len(loginAges)-1] + 30 + rng.IntN(1000),
			group:        org.Groups[rng.IntN(len(org.Groups))].ID,
			twoFactor:    rng.IntN(2) == 0,
		}
		switch kind {
		case kindNeverLoggedIn:
			seed.lastLoginAgo = -1
			seed.createdAgo = 45 + rng.IntN(300)
		case kindContributor, kindDeletedAgent:
			seed.group = 0
		}
		id := firstUserID + int64(i)
		b.addStaff(id, seed)
		if seed.group != 0 && rng.IntN(4) == 0 {
			second := org.Groups[rng.IntN(len(org.Groups))].ID
			if second != seed.group {
				b.addMembership(id, second, false)
			}
		}
	}
	for i := range n - staff {
		b.addEndUser(rng, firstUserID+int64(staff+i), i)
	}
	addGeneratedCredentials(org, cfg, org.Users[:staff])
	return org
}

func pickKind(rng *rand.Rand, total int) staffKind {
	r := rng.IntN(total)
	for k, w := range kindWeights {
		if r < w {
			return staffKind(k)
		}
		r -= w
	}
	return kindAgent
}

type orgBuilder struct {
	org            *Org
	now            time.Time
	nextMembership int64
}

func (b *orgBuilder) addStaff(id int64, s staffSeed) {
	created := day(b.now, -s.createdAgo)
	u := zendesk.User{
		ID:        id,
		Name:      s.name,
		Email:     s.email,
		Role:      zendesk.RoleAgent,
		Active:    true,
		TwoFactor: s.twoFactor,
		CreatedAt: created,
	}
	if s.lastLoginAgo >= 0 {
		// Spread logins over the day so users do not share a timestamp.
		t := day(b.now, -s.lastLoginAgo).Add(-time.Duration(id%600) * time.Minute)
		u.LastLoginAt = &t
	}
	switch s.kind {
	case kindAdmin:
		u.Role = zendesk.RoleAdmin
		u.RoleType = ptr(zendesk.RoleTypeAdmin)
	case kindAgent, kindSuspendedAgent, kindNeverLoggedIn:
		u.RoleType, u.CustomRoleID = ptr(zendesk.RoleTypeCustomAgent), ptr(StaffRoleID)
	case kindTeamLead:
		u.RoleType, u.CustomRoleID = ptr(zendesk.RoleTypeCustomAgent), ptr(TeamLeadRoleID)
	case kindLightAgent, kindSuspendedLightAgent:
		u.RoleType, u.CustomRoleID = ptr(zendesk.RoleTypeLightAgent), ptr(LightAgentRoleID)
	case kindContributor:
		u.RoleType, u.CustomRoleID = ptr(zendesk.RoleTypeContributor), ptr(ContributorRoleID)
	case kindDeletedAgent:
		// Zendesk's soft delete: inactive and demoted to end user.
		u.Role, u.Active = zendesk.RoleEndUser, false
	}
	u.Suspended = s.kind == kindSuspendedAgent || s.kind == kindSuspendedLightAgent
	u.UpdatedAt = b.updatedAt(u)
	if s.kind == kindDeletedAgent || s.kind == kindSuspendedAgent || s.kind == kindSuspendedLightAgent {
		// The deletion or suspension happened after the last login.
		u.UpdatedAt = b.settle(u.UpdatedAt.Add(5 * 24 * time.Hour))
	}
	if s.group != 0 {
		u.DefaultGroupID = ptr(s.group)
		b.addMembership(id, s.group, true)
	}
	b.org.Users = append(b.org.Users, u)
}

func (b *orgBuilder) addMembership(userID, groupID int64, isDefault bool) {
	b.org.Memberships = append(b.org.Memberships, zendesk.GroupMembership{
		ID: b.nextMembership, UserID: userID, GroupID: groupID, Default: isDefault,
	})
	b.nextMembership++
}

func (b *orgBuilder) addEndUser(rng *rand.Rand, id int64, i int) {
	first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
	domain := customerDomains[rng.IntN(len(customerDomains))]
	created := b.now.Add(-time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour)))).Add(-settleTime).Truncate(time.Second)
	u := zendesk.User{
		ID:        id,
		Name:      first + " " + last,
		Email:     fmt.Sprintf("%s.%s.%d@%s", strings.ToLower(first), strings.ToLower(last), i+1, domain),
		Role:      zendesk.RoleEndUser,
		Active:    true,
		CreatedAt: created,
	}
	if rng.IntN(2) == 0 {
		if span := b.now.Sub(created) - settleTime; span > 0 {
			t := created.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Second)
			u.LastLoginAt = &t
		}
	}
	u.UpdatedAt = b.updatedAt(u)
	b.org.Users = append(b.org.Users, u)
}

// updatedAt is the later of creation and last login, kept out of the
// export's most recent minute.
func (b *orgBuilder) updatedAt(u zendesk.User) time.Time {
	t := u.CreatedAt
	if u.LastLoginAt != nil && u.LastLoginAt.After(t) {
		t = *u.LastLoginAt
	}
	return b.settle(t)
}

func (b *orgBuilder) settle(t time.Time) time.Time {
	if latest := b.now.Add(-settleTime); t.After(latest) {
		return latest
	}
	return t
}

func day(now time.Time, days int) time.Time {
	return now.AddDate(0, 0, days)
}

func ptr[T any](v T) *T { return &v }

var firstNames = []string{
	"Alex", "Ana", "Ben", "Carla", "Casey", "Chen", "Chloe", "Daniel", "Diego", "Eva",
	"Farah", "Felix", "Gabriel", "Hana", "Ibrahim", "Ingrid", "Jamal", "Julia", "Kai", "Laura",
	"Leo", "Lina", "Marco", "Maya", "Nadia", "Nina", "Olivia", "Oscar", "Paula", "Pedro",
	"Quinn", "Rosa", "Ruben", "Sara", "Sean", "Tara", "Theo", "Uma", "Vera", "Wei",
	"Yara", "Yusuf", "Zoe", "Amir", "Bianca", "Caleb", "Dara", "Emil",
}

var lastNames = []string{
	"Adams", "Baker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen",
	"Khan", "Larsen", "Martin", "Nguyen", "Ortiz", "Park", "Quinn", "Rossi", "Silva", "Turner",
	"Usman", "Vargas", "Walsh", "Xu", "Young", "Zimmer", "Abbott", "Becker", "Cruz", "Diaz",
	"Engel", "Ford", "Gomez", "Horvat", "Iqbal", "Jovanovic", "Kowalski", "Lopez", "Mendes", "Novak",
	"Olsen", "Patel", "Reyes", "Schmidt", "Tanaka", "Ueda", "Weber", "Yilmaz",
}

var customerDomains = []string{
	"northwind.example", "contoso.example", "globex.example", "initech.example",
	"umbrella.example", "hooli.example", "vandelay.example", "stark.example",
}
