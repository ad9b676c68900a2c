package zendesktest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/integrations/zendesk"
)

// First IDs of seeded credentials, the sample's and generated ones alike.
const (
	firstAPITokenID     int64 = 5501
	firstOAuthClientID  int64 = 7701
	firstOAuthTokenID   int64 = 880001
	firstInstallationID int64 = 361234500001
)

// IDs of SampleOrg's named staff that own or use its credentials.
const (
	sampleDana   = firstUserID      // admin, the owner
	sampleOmar   = firstUserID + 1  // admin
	sampleTom    = firstUserID + 7  // agent, last login 400 days ago
	sampleHannah = firstUserID + 10 // suspended agent
	sampleGrace  = firstUserID + 15 // deleted agent
)

// addSampleCredentials gives SampleOrg a readable register: API tokens
// in daily use, idle for weeks, owned by a deleted agent and deactivated;
// OAuth clients owned by admins and by a long-absent agent; their tokens
// used today, idle, acting as a suspended agent, never used and with the
// impersonate scope; and installed apps, one of them holding an API key
// in its settings and one disabled.
func addSampleCredentials(org *Org) {
	now := org.Now
	rng := rand.New(rand.NewPCG(3, 4))
	hoursAgo := func(days, hours int) *time.Time {
		t := day(now, -days).Add(-time.Duration(hours) * time.Hour)
		return &t
	}

	apiToken := func(i int64, desc string, user int64, createdAgo int, used *time.Time, active bool) SeedAPIToken {
		created := day(now, -createdAgo)
		t := SeedAPIToken{
			APITokenInfo: zendesk.APITokenInfo{
				ID: firstAPITokenID + i, Description: desc, Active: active,
				CreatedAt: created, UpdatedAt: created, LastUsedAt: used, UserID: user,
			},
			Token: secretText(rng, 40),
		}
		if u, ok := org.User(user); ok {
			t.UserName, t.UserEmail = u.Name, u.Email
		}
		if !active {
			// Deactivated some time after its last use.
			t.UpdatedAt = used.Add(10 * 24 * time.Hour)
		}
		return t
	}
	org.APITokens = []SeedAPIToken{
		apiToken(0, "Legacy HR sync", sampleDana, 700, hoursAgo(3, 2), true),
		apiToken(1, "Zapier ticket export", sampleOmar, 400, hoursAgo(24, 5), true),
		apiToken(2, "Old reporting script", sampleGrace, 1000, hoursAgo(150, 7), true),
		apiToken(3, "Billing reconciler", sampleDana, 300, hoursAgo(1, 1), true),
		apiToken(4, "Chat migration 2023", sampleOmar, 800, hoursAgo(200, 3), false),
	}

	client := func(i int64, name, identifier, kind, company, desc string, user int64, createdAgo int, redirect []string) SeedOAuthClient {
		created := day(now, -createdAgo)
		return SeedOAuthClient{
			OAuthClient: zendesk.OAuthClient{
				ID: firstOAuthClientID + i, Identifier: identifier, Name: name, Kind: kind,
				Company: company, Description: desc, UserID: user, CreatedAt: created, UpdatedAt: created,
			},
			Secret:      secretText(rng, 64),
			RedirectURI: redirect,
		}
	}
	seatGovernor, reporting, mobile := firstOAuthClientID, firstOAuthClientID+1, firstOAuthClientID+2
	org.OAuthClients = []SeedOAuthClient{
		client(0, "Seat Governor", "seat_governor", "confidential", "Acme IT",
			"Seat and token governance bot", sampleDana, 60, []string{}),
		client(1, "Reporting Dashboard", "reporting_dashboard", "confidential", "Acme Analytics",
			"Ticket and SLA dashboards", sampleOmar, 500, []string{"https://reports.acme.example/oauth/callback"}),
		client(2, "Mobile Helpdesk", "mobile_helpdesk", "public", "Acme IT",
			"Agent mobile app pilot", sampleTom, 900, []string{"acmehelpdesk://oauth"}),
	}

	token := func(i int64, clientID, user int64, scopes []string, createdAgo int, used *time.Time) SeedOAuthToken {
		return SeedOAuthToken{
			OAuthTokenInfo: zendesk.OAuthTokenInfo{
				ID: firstOAuthTokenID + i, ClientID: clientID, UserID: user, Scopes: scopes,
				CreatedAt: day(now, -createdAgo), UsedAt: used,
			},
			Token:        secretText(rng, 64),
			RefreshToken: secretText(rng, 64),
		}
	}
	org.OAuthTokens = []SeedOAuthToken{
		token(0, seatGovernor, sampleDana, []string{"read", "users:write"}, 30, hoursAgo(0, 2)),
		token(1, reporting, sampleOmar, []string{"read"}, 200, hoursAgo(1, 4)),
		token(2, reporting, sampleOmar, []string{"read", "write"}, 300, hoursAgo(40, 6)),
		token(3, mobile, sampleTom, []string{"read", "write"}, 500, hoursAgo(100, 1)),
		token(4, mobile, sampleHannah, []string{"read"}, 400, hoursAgo(70, 8)),
		token(5, reporting, sampleDana, []string{"impersonate", "read"}, 10, nil),
	}
	// The mobile app's tokens came from the authorization-code flow and
	// carry a refresh token expiry.
	for i := 3; i <= 4; i++ {
		org.OAuthTokens[i].RefreshTokenExpiresAt = ptr(day(now, 30))
	}

	install := func(i int64, appID int64, name string, enabled, paid bool, createdAgo, updatedAgo int, settings map[string]any) SeedInstallation {
		return SeedInstallation{
			AppInstallation: zendesk.AppInstallation{
				ID: firstInstallationID + i, AppID: appID, Product: "support", Enabled: enabled, Paid: paid,
				Name: name, CreatedAt: day(now, -createdAgo), UpdatedAt: day(now, -updatedAgo),
			},
			Settings: settings,
		}
	}
	org.Installations = []SeedInstallation{
		install(0, 218601, "Slack for Zendesk Support", true, false, 700, 90, map[string]any{
			"name": "Slack for Zendesk Support", "title": "Slack", "workspace": "acme-corp", "default_channel": "#support",
		}),
		install(1, 218618, "Timesheet Helper", true, false, 450, 450, map[string]any{
			"name": "Timesheet Helper", "title": "Timesheet Helper",
			"api_key": "tsh_live_" + secretText(rng, 32), "endpoint": "https://timesheets.example/api/v1",
		}),
		install(2, 218702, "Answer Bot Analytics", true, true, 300, 20, map[string]any{
			"name": "Answer Bot Analytics", "title": "Answer Bot Analytics",
		}),
		// Only a title: the client falls back to it for the name.
		install(3, 218655, "Legacy CTI Connector", false, false, 1100, 250, map[string]any{
			"title": "Legacy CTI Connector", "server": "cti.acme.example", "sip_password": secretText(rng, 24),
		}),
	}
}

// addGeneratedCredentials adds cfg's credential counts to a generated org.
// It draws from its own stream of the seed so that asking for credentials
// leaves the generated users unchanged.
func addGeneratedCredentials(org *Org, cfg GenerateConfig, staff []zendesk.User) {
	if len(staff) == 0 {
		return
	}
	now := org.Now
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0xc0ffee))
	var admins, actors, deleted []zendesk.User
	for _, u := range staff {
		switch {
		case !u.Active:
			deleted = append(deleted, u)
		case u.Role == zendesk.RoleAdmin:
			admins = append(admins, u)
		}
		if u.Active {
			// Suspended users keep their tokens, so they can act.
			actors = append(actors, u)
		}
	}
	// Most credentials belong to admins; a tenth to a since-deleted
	// colleague, the orphans governance looks for.
	pickOwner := func() zendesk.User {
		switch {
		case len(deleted) > 0 && (len(admins) == 0 || rng.IntN(10) == 0):
			return deleted[rng.IntN(len(deleted))]
		case len(admins) > 0:
			return admins[rng.IntN(len(admins))]
		default:
			return staff[rng.IntN(len(staff))]
		}
	}

	for i := range min(max(cfg.APITokens, 0), MaxAPITokens) {
		owner := pickOwner()
		used, usedAgo := lastUse(rng, now)
		created := day(now, -usedAgo-1-rng.IntN(600))
		t := SeedAPIToken{
			APITokenInfo: zendesk.APITokenInfo{
				ID:          firstAPITokenID + int64(i),
				Description: fmt.Sprintf("%s %d", integrationNames[rng.IntN(len(integrationNames))], i+1),
				Active:      rng.IntN(10) != 0,
				CreatedAt:   created, UpdatedAt: created, LastUsedAt: used,
				UserID: owner.ID, UserName: owner.Name, UserEmail: owner.Email,
			},
			Token: secretText(rng, 40),
		}
		if rng.IntN(8) == 0 && len(actors) > 0 {
			t.AssignedUserID = ptr(actors[rng.IntN(len(actors))].ID)
		}
		org.APITokens = append(org.APITokens, t)
	}

	clients := max(cfg.OAuthClients, 0)
	if cfg.OAuthTokens > 0 {
		clients = max(clients, 1) // every token belongs to a client
	}
	for i := range clients {
		owner := pickOwner()
		name := integrationNames[i%len(integrationNames)]
		if i >= len(integrationNames) {
			name = fmt.Sprintf("%s %d", name, i/len(integrationNames)+1)
		}
		kind := "confidential"
		var redirect []string
		if rng.IntN(5) == 0 {
			kind = "public"
			redirect = []string{fmt.Sprintf("https://app%d.acme.example/oauth/callback", i+1)}
		}
		created := day(now, -30-rng.IntN(1200))
		org.OAuthClients = append(org.OAuthClients, SeedOAuthClient{
			OAuthClient: zendesk.OAuthClient{
				ID:         firstOAuthClientID + int64(i),
				Identifier: fmt.Sprintf("%s_%d", strings.ReplaceAll(strings.ToLower(name), " ", "_"), i+1),
				Name:       name, Kind: kind, Company: "Acme", UserID: owner.ID,
				CreatedAt: created, UpdatedAt: created,
			},
			Secret:      secretText(rng, 64),
			RedirectURI: redirect,
		})
	}

	tokens := max(cfg.OAuthTokens, 0)
	if tokens > 0 {
		org.OAuthTokens = make([]SeedOAuthToken, 0, tokens)
	}
	for i := range tokens {
		c := org.OAuthClients[rng.IntN(len(org.OAuthClients))]
		// Half act as the client's owner (client credentials); the rest
		// as whichever team member authorized the app.
		user := c.UserID
		if rng.IntN(2) == 0 && len(actors) > 0 {
			user = actors[rng.IntN(len(actors))].ID
		}
		used, usedAgo := lastUse(rng, now)
		org.OAuthTokens = append(org.OAuthTokens, SeedOAuthToken{
			OAuthTokenInfo: zendesk.OAuthTokenInfo{
				ID: firstOAuthTokenID + int64(i), ClientID: c.ID, UserID: user,
				Scopes:    scopeSets[weighted(rng, scopeWeights[:])],
				CreatedAt: day(now, -usedAgo-1-rng.IntN(400)), UsedAt: used,
			},
			Token:        secretText(rng, 64),
			RefreshToken: secretText(rng, 64),
		})
	}

	for i := range max(cfg.Installations, 0) {
		name := appNames[i%len(appNames)]
		if i >= len(appNames) {
			name = fmt.Sprintf("%s %d", name, i/len(appNames)+1)
		}
		settings := map[string]any{"name": name, "title": name}
		switch rng.IntN(10) {
		case 0, 1, 2:
			settings["api_key"] = secretText(rng, 32)
		case 3:
			delete(settings, "name") // named by its title only
		}
		created := day(now, -rng.IntN(1500)-1)
		org.Installations = append(org.Installations, SeedInstallation{
			AppInstallation: zendesk.AppInstallation{
				ID: firstInstallationID + int64(i), AppID: 218000 + int64(rng.IntN(900)), Product: "support",
				Enabled: rng.IntN(7) != 0, Paid: rng.IntN(5) == 0, Name: name,
				CreatedAt: created, UpdatedAt: created,
			},
			Settings: settings,
		})
	}
}

// lastUse draws a last-used time with the ages governance cares about:
// never, recent, 20-30 days (near a 30-day threshold), idle for months
// and over 90 days. It also returns the age in days (0 when never used).
func lastUse(rng *rand.Rand, now time.Time) (*time.Time, int) {
	var days int
	switch weighted(rng, []int{10, 35, 20, 15, 20}) {
	case 0:
		return nil, 0
	case 1:
		days = rng.IntN(8)
	case 2:
		days = 20 + rng.IntN(11)
	case 3:
		days = 31 + rng.IntN(59)
	default:
		days = 91 + rng.IntN(310)
	}
	t := day(now, -days).Add(-time.Duration(1+rng.IntN(600)) * time.Minute)
	return &t, days
}

// weighted returns an index of weights with probability proportional to
// its weight.
func weighted(rng *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	r := rng.IntN(total)
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}

// scopeSets are the scope combinations generated tokens carry, weighted
// by scopeWeights.
var (
	scopeSets = [][]string{
		{"read"}, {"read", "write"}, {"users:read"}, {"read", "tickets:write"},
		{"impersonate", "read"}, {"users:read", "tickets:write"}, {"impersonate", "read", "write"},
	}
	scopeWeights = [...]int{30, 30, 10, 10, 5, 10, 5}
)

const secretAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// secretText is a deterministic stand-in for a token or secret value.
func secretText(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = secretAlphabet[rng.IntN(len(secretAlphabet))]
	}
	return string(b)
}

var integrationNames = []string{
	"Reporting Dashboard", "CRM Sync", "Data Warehouse Export", "Survey Bridge", "Billing Reconciler",
	"HR Sync", "Chat Migration", "Ticket Archiver", "Status Page", "Backup Job",
	"Zapier Export", "BI Connector", "Escalation Bot", "SLA Monitor", "Slack Bridge",
}

var appNames = []string{
	"Slack for Zendesk Support", "Timesheet Helper", "Answer Bot Analytics", "Legacy CTI Connector",
	"Jira", "Shopify", "Salesforce", "Translation Helper", "Knowledge Capture", "Time Tracking",
	"Customer Lookup", "Order History", "Call Recorder", "Survey Widget",
}
