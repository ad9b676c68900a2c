package credentials_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/store"
)

// evalBenchNow is the benchmarks' clock.
var evalBenchNow = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

// evalBenchStaffEmail is the n-th team member's email.
func evalBenchStaffEmail(n int) string { return fmt.Sprintf("agent%04d@acme.example", n) }

// evalBenchSnapshot is 2,000 team members; one in fifty is suspended.
func evalBenchSnapshot(staff int) *store.Snapshot {
	snap := &store.Snapshot{SyncedAt: evalBenchNow, Connector: connector.Zendesk, Account: "https://acme.zendesk.com"}
	for i := range staff {
		login := evalBenchNow.AddDate(0, 0, -1-i%40)
		role := "agent"
		if i%20 == 0 {
			role = "admin"
		}
		snap.Staff = append(snap.Staff, connector.Staff{ID: int64(10_000 + i), Name: fmt.Sprintf("Agent %04d", i), Email: evalBenchStaffEmail(i),
			Role: role, Seat: role, Privileged: role == "admin", Suspended: i%50 == 49, LastActivity: &login, CreatedAt: evalBenchNow.AddDate(-2, 0, 0)})
	}
	return snap
}

// evalBenchInventory is Zendesk's largest account as the sync stores it:
// 256 API tokens, 20,000 OAuth tokens over 500 clients, sorted by kind then
// id. They act as members of a staff-strong team, one in ten as someone
// no longer in it; last use spreads from yesterday to never.
func evalBenchInventory(apiTokens, clients, tokens, staff int) *credentials.Inventory {
	inv := &credentials.Inventory{SyncedAt: evalBenchNow, Account: "https://acme.zendesk.com"}
	actsAs := func(i int) int64 {
		if i%10 == 9 {
			return int64(900_000 + i) // a former colleague
		}
		return int64(10_000 + i%staff)
	}
	lastUsed := func(i int) time.Time {
		switch i % 4 {
		case 0:
			return time.Time{} // never
		case 1:
			return evalBenchNow.AddDate(0, 0, -1-i%7)
		case 2:
			return evalBenchNow.AddDate(0, 0, -20-i%10)
		}
		return evalBenchNow.AddDate(0, 0, -91-i%300)
	}
	scopes := [][]string{{"read"}, {"read", "write"}, {"tickets:read", "users:read"}, {"impersonate", "write"}}
	for i := range apiTokens {
		id := int64(5_000 + i)
		c := credentials.Credential{ID: credentials.IDOf(credentials.APIToken, id), Kind: credentials.APIToken,
			SaaSID: id, Name: fmt.Sprintf("HR sync %d", i+1), ActsAs: actsAs(i),
			Active: i%10 != 0, CreatedAt: evalBenchNow.AddDate(-1, 0, -i%300), LastUsedAt: lastUsed(i)}
		if i%10 == 9 {
			c.ActsAsEmail = fmt.Sprintf("former%d@acme.example", i) // Zendesk still names its creator
		}
		inv.Credentials = append(inv.Credentials, c)
	}
	for i := range tokens {
		id, client := int64(880_001+i), int64(700_001+i%clients)
		inv.Credentials = append(inv.Credentials, credentials.Credential{ID: credentials.IDOf(credentials.OAuthToken, id), Kind: credentials.OAuthToken,
			SaaSID: id, Name: fmt.Sprintf("Integration %d", i%clients+1), ActsAs: actsAs(i), Client: client, Scopes: scopes[i%len(scopes)],
			Active: true, CreatedAt: evalBenchNow.AddDate(0, 0, -100-i%400), LastUsedAt: lastUsed(i)})
	}
	for i := range clients {
		id := int64(700_001 + i)
		inv.Credentials = append(inv.Credentials, credentials.Credential{ID: credentials.IDOf(credentials.OAuthClient, id), Kind: credentials.OAuthClient,
			SaaSID: id, Name: fmt.Sprintf("Integration %d", i+1), ActsAs: actsAs(i), Active: true,
			CreatedAt: evalBenchNow.AddDate(-2, 0, -i%600), LastUsedAt: lastUsed(i)})
	}
	return inv
}

// evalBenchEntries claims one credential in every, by a team member or,
// one claim in ten, by someone who left; OAuth tokens state "read" only,
// so those holding more are flagged.
func evalBenchEntries(inv *credentials.Inventory, every, staff int) map[string]credentials.Entry {
	entries := map[string]credentials.Entry{}
	for i := 0; i < len(inv.Credentials); i += every {
		c := inv.Credentials[i]
		n := i / every
		owner := evalBenchStaffEmail(n % staff)
		if n%10 == 9 {
			owner = fmt.Sprintf("former%d@acme.example", n)
		}
		e := credentials.Entry{ID: c.ID, State: credentials.Claimed, Owner: owner, ClaimedAt: evalBenchNow.AddDate(0, -2, 0),
			Purpose: "Nightly export to the warehouse", LastReview: evalBenchNow.AddDate(0, -2, 0), NextReview: evalBenchNow.AddDate(0, 0, 30-n%60),
			DecidedBy: owner, DecidedAt: evalBenchNow.AddDate(0, -2, 0), Name: c.Name, Version: 1}
		if c.Kind == credentials.OAuthToken {
			e.Scopes = []string{"read"}
		}
		if c.Kind == credentials.APIToken && n%3 == 0 {
			e.State = credentials.Migrating
			e.Migration = &credentials.Migration{Plan: "Its own OAuth client", Deadline: evalBenchNow.AddDate(0, 0, n%30)}
		}
		entries[c.ID] = e
	}
	return entries
}

// BenchmarkEvaluate judges the whole register of the largest account
// (20,756 credentials) against a 2,000-member snapshot: with no entry yet,
// and with one credential in ten claimed.
func BenchmarkEvaluate(b *testing.B) {
	const staff = 2_000
	inv := evalBenchInventory(256, 500, 20_000, staff)
	snap := evalBenchSnapshot(staff)
	p := credentials.Policy{Location: time.UTC, UnusedDays: 90}
	for _, bc := range []struct {
		name    string
		entries map[string]credentials.Entry
	}{
		{"unclaimed", map[string]credentials.Entry{}},
		{"claimed-1-in-10", evalBenchEntries(inv, 10, staff)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var ev credentials.Evaluation
			for b.Loop() {
				ev = credentials.Evaluate(inv, bc.entries, snap, p, evalBenchNow)
			}
			if len(ev.Items) != len(inv.Credentials) {
				b.Fatalf("%d items for %d credentials", len(ev.Items), len(inv.Credentials))
			}
			b.ReportMetric(float64(len(ev.Items)), "credentials/op")
		})
	}
}

// BenchmarkEvaluateSummarizeDigest is what the token digest and the
// `tokens` summary do with an evaluation: count it and pick each
// recipient's items.
func BenchmarkEvaluateSummarizeDigest(b *testing.B) {
	const staff = 2_000
	inv := evalBenchInventory(256, 500, 20_000, staff)
	ev := credentials.Evaluate(inv, evalBenchEntries(inv, 10, staff), evalBenchSnapshot(staff), credentials.Policy{Location: time.UTC}, evalBenchNow)
	b.ReportAllocs()
	var admins []credentials.Item
	for b.Loop() {
		sum := ev.Summarize(time.UTC)
		_, admins = credentials.DigestItems(ev)
		if sum.APITokens.Remaining != 256 {
			b.Fatalf("%d API tokens remaining", sum.APITokens.Remaining)
		}
	}
	if len(admins) == 0 {
		b.Fatal("no item for the admins' digest")
	}
}
