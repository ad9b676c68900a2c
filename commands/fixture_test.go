package commands

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/internal/golden"
	"github.com/seatwarden/seatwarden/internal/syncbuf"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

// The people of the fixture account.
const (
	admin    = "alice@example.com" // in admins
	dana     = "dana@example.com"  // owns Tier 2, and holds a seat there
	bill     = "bill@example.com"  // owns Billing, holds no seat
	ops      = "ops@example.com"   // the default owner: Tier 1, R&D <Labs>, seats without a group
	stranger = "sam@example.com"   // neither admin nor owner
	nobody   = ""                  // the transport could not resolve an email
)

// now is the fixed clock; the snapshot was synced a quarter of an hour
// earlier.
var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// fixtureSnapshot is a small account built by hand so every reply can be
// checked by reading it: 31 staff, 27 of them inactive paid seats at 30
// days (two pages for an admin), 24 of those owned by ops (two pages for
// an owner), 2 by dana and 1 by bill.
func fixtureSnapshot() *store.Snapshot {
	daysAgo := func(d int) *time.Time { t := now.AddDate(0, 0, -d); return &t }
	created := now.AddDate(-2, 0, 0)
	// The staff as Zendesk has them, classified as the Zendesk connector's
	// sync would.
	staffOf := zendesk.StaffOf([]zendesk.CustomRole{
		{ID: 10, Name: "Staff"},
		{ID: 11, Name: "Light Agent", RoleType: 1, Configuration: zendesk.CustomRoleConfig{LightAgent: true}},
		{ID: 12, Name: "Contributor", RoleType: 3},
		{ID: 14, Name: "Tier 3 Specialist"},
	})
	users := []zendesk.User{
		{ID: 1, Name: "Alice Admin", Email: admin, Role: "admin", DefaultGroupID: ptr[int64](1), TwoFactor: true, LastLoginAt: daysAgo(1), CreatedAt: created},
		{ID: 2, Name: "Dana Scully", Email: dana, Role: "agent", CustomRoleID: ptr[int64](10), DefaultGroupID: ptr[int64](2), TwoFactor: true, LastLoginAt: daysAgo(2), CreatedAt: created},
		{ID: 3, Name: "Fox Mulder", Email: "fox@example.com", Role: "agent", CustomRoleID: ptr[int64](14), DefaultGroupID: ptr[int64](2), LastLoginAt: daysAgo(75), CreatedAt: created},
		{ID: 4, Name: "Walter Skinner", Email: "walter@example.com", Role: "agent", DefaultGroupID: ptr[int64](2), CreatedAt: *daysAgo(40)},
		{ID: 5, Name: "Bill Suspended", Email: "billy@example.com", Role: "agent", DefaultGroupID: ptr[int64](3), Suspended: true, LastLoginAt: daysAgo(120), CreatedAt: created},
		{ID: 6, Name: "<!channel> & Co", Email: "weird@example.com", Role: "agent", DefaultGroupID: ptr[int64](4), LastLoginAt: daysAgo(31), CreatedAt: created},
		{ID: 7, Name: "Lana Light", Email: "lana@example.com", Role: "agent", RoleType: ptr(1), CustomRoleID: ptr[int64](11), DefaultGroupID: ptr[int64](2), LastLoginAt: daysAgo(200), CreatedAt: created},
		{ID: 8, Name: "Cora Contrib", Email: "cora@example.com", Role: "agent", RoleType: ptr(3), CustomRoleID: ptr[int64](12), DefaultGroupID: ptr[int64](3), LastLoginAt: daysAgo(3), CreatedAt: created},
		{ID: 9, Name: "Nomad", Email: "nomad@example.com", Role: "agent", LastLoginAt: daysAgo(45), CreatedAt: created},
		{ID: 10, Name: "Olga Old", Email: "olga@example.com", Role: "agent", DefaultGroupID: ptr[int64](5), LastLoginAt: daysAgo(10), CreatedAt: created},
	}
	s := &store.Snapshot{
		SyncedAt:  now.Add(-15 * time.Minute),
		Connector: connector.Zendesk,
		Account:   "https://acme.zendesk.com",
		Roster: connector.Roster{
			Groups: []connector.Group{
				{ID: 1, Name: "Tier 1"}, {ID: 2, Name: "Tier 2"}, {ID: 3, Name: "Billing"},
				{ID: 4, Name: "R&D <Labs>"}, {ID: 5, Name: "Old", Deleted: true}, {ID: 6, Name: "Escalations"},
			},
			Memberships: []connector.Membership{
				{UserID: 1, GroupID: 1}, {UserID: 2, GroupID: 2}, {UserID: 2, GroupID: 3}, {UserID: 3, GroupID: 2},
				{UserID: 4, GroupID: 2}, {UserID: 5, GroupID: 3}, {UserID: 6, GroupID: 4}, {UserID: 7, GroupID: 2},
				{UserID: 8, GroupID: 3}, {UserID: 10, GroupID: 5},
			},
		},
	}
	// 22 agents of Tier 1, inactive from 30 to 93 days.
	for i := range 22 {
		id := int64(100 + i)
		users = append(users, zendesk.User{
			ID: id, Name: fmt.Sprintf("Agent %02d", i+1), Email: fmt.Sprintf("agent%02d@example.com", i+1), Role: "agent",
			DefaultGroupID: ptr[int64](1), TwoFactor: i%2 == 0, LastLoginAt: daysAgo(30 + 3*i), CreatedAt: created,
		})
		s.Memberships = append(s.Memberships, connector.Membership{UserID: id, GroupID: 1})
	}
	for _, u := range users {
		s.Staff = append(s.Staff, staffOf(u))
	}
	return s
}

func testPolicy(t testing.TB) seats.Policy {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return seats.Policy{
		InactivityDays: 30,
		Location:       berlin,
		Pricing:        seats.Pricing{Agent: 115, Admin: 150, Currency: "USD", Roles: map[string]float64{"Tier 3 Specialist": 169}},
	}
}

type fixture struct {
	store *boltstore.Store
	deps  Deps
	logs  *syncbuf.Buffer
}

// newFixture opens a real embedded store in a temporary directory and
// saves snap in it (nil: no sync has run yet).
func newFixture(t testing.TB, snap *store.Snapshot) *fixture {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "seatwarden.db"), boltstore.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if snap != nil {
		if err := st.SaveSnapshot(context.Background(), snap); err != nil {
			t.Fatal(err)
		}
	}
	logs := &syncbuf.Buffer{}
	return &fixture{store: st, logs: logs, deps: Deps{
		Snapshots: st,
		Audit:     st,
		Policy:    testPolicy(t),
		Admins:    []string{admin},
		Owners:    seats.NewOwners(ops, seats.GroupOwner{Group: "Tier 2", Owner: dana}, seats.GroupOwner{Group: "Billing", Owner: bill}),
		Command:   "/warden",
		Now:       func() time.Time { return now },
		Logger:    slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}}
}

func (f *fixture) router(t testing.TB, extra ...Definition) *Router {
	t.Helper()
	r, err := NewRouter(f.deps, append(SeatCommands(f.deps), extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func user(email string) bot.User {
	return bot.User{ID: "U-" + strings.ToUpper(strings.Split(email+"@", "@")[0]), Email: email, TeamID: "T1"}
}

// ask is a person typing "/warden <text>".
func ask(r *Router, who, text string) bot.Message {
	return r.Handle(context.Background(), bot.Request{
		Platform: bot.PlatformSlack, User: user(who), Conversation: bot.Conversation{ID: "C1"}, Text: text,
	})
}

// click is a person pressing a button with action id and value.
func click(r *Router, who, id, value string) bot.Message {
	return r.Handle(context.Background(), bot.Request{
		Platform: bot.PlatformSlack, User: user(who), Conversation: bot.Conversation{ID: "C1"},
		Action: &bot.Action{ID: id, Value: value, Message: bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: "C1", MessageID: "1700000000.000100"}},
	})
}

// errorLine is the text of a one-line error reply, or "" (with a test
// error) when m is not one.
func errorLine(t *testing.T, m bot.Message) string {
	t.Helper()
	if m.Headline != "" || len(m.Sections) != 1 || m.Visibility != bot.Ephemeral || len(m.Buttons)+len(m.Context) != 0 || m.Pager != nil {
		t.Errorf("not a one-line ephemeral error: %+v", m)
		return ""
	}
	line := m.Sections[0].Text
	if strings.Contains(line, "\n") {
		t.Errorf("error spans lines: %q", line)
	}
	return line
}

// goldenJSON is golden.JSON: the files are the neutral bot.Message, not
// Block Kit (bot/slack's golden files show how a message renders).
func goldenJSON(t *testing.T, v any) {
	t.Helper()
	golden.JSON(t, v)
}

// text is everything a person reads in m, for "does it mention" checks.
func text(m bot.Message) string {
	parts := []string{m.Headline}
	for _, s := range m.Sections {
		parts = append(parts, s.Text)
		for _, f := range s.Fields {
			parts = append(parts, f.Label, f.Value)
		}
	}
	parts = append(parts, m.Context...)
	return strings.Join(parts, "\n")
}
