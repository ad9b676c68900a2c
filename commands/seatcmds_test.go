package commands

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
)

// TestSeatCommands is the chat-commands table of the interface spec, asked
// by an admin, owners and a stranger. Every reply is a golden file.
func TestSeatCommands(t *testing.T) {
	f := newFixture(t, fixtureSnapshot())
	r := f.router(t)
	tests := []struct {
		name, who, text string
		// check states what the golden file must show, so a careless
		// -update cannot bless a wrong answer.
		check func(t *testing.T, m bot.Message)
	}{
		// seats: admins only.
		{"seats/admin", admin, "seats", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Seats: 30 paid · $3,539/month")
			mustSay(t, m, "Removing the 27 inactive seats saves *$3,159/month*.", "Not billed: 1 light agent, 1 contributor.")
		}},
		{"seats/typed in capitals with the slash command", admin, "/warden SEATS", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Seats: 30 paid · $3,539/month")
		}},
		{"seats/owner is refused", dana, "seats", refused},
		{"seats/stranger is refused", stranger, "seats", refused},

		// seats inactive: admins see all, owners their own.
		{"inactive/admin default days page 1", admin, "seats inactive", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Inactive seats: 27 with no login for 30+ days · $3,159/month")
			wantPage(t, m, 1, 2, "inactive:30", PageSize)
		}},
		{"inactive/admin 60 days", admin, "seats inactive 60", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Inactive seats: 14 with no login for 60+ days · $1,664/month")
			wantPage(t, m, 1, 0, "", 14)
		}},
		{"inactive/alias", admin, "seats idle 60", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Inactive seats: 14 with no login for 60+ days · $1,664/month")
		}},
		{"inactive/admin none that old", admin, "seats inactive 3650", func(t *testing.T, m bot.Message) {
			mustSay(t, m, "No paid seat has gone 3650 days without a login.")
		}},
		{"inactive/owner of a group sees only her seats", dana, "seats inactive", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Your inactive seats: 2 with no login for 30+ days · $284/month")
			mustNotSay(t, m, "Agent 01", "Nomad", "Bill Suspended")
		}},
		{"inactive/default owner pages too", ops, "seats inactive", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Your inactive seats: 24 with no login for 30+ days · $2,760/month")
			wantPage(t, m, 1, 2, "inactive:30", PageSize)
		}},
		{"inactive/owner without a seat of his own", bill, "seats inactive", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Your inactive seats: 1 with no login for 30+ days · $115/month")
		}},
		{"inactive/owner with nothing that old", dana, "seats inactive 100", func(t *testing.T, m bot.Message) {
			mustSay(t, m, "None of the seats you answer for has gone 100 days without a login.")
		}},
		{"inactive/stranger is refused", stranger, "seats inactive", refused},
		{"inactive/unresolved email is refused", nobody, "seats inactive 60", refused},

		// seats user: admins only.
		{"user/inactive specialist", admin, "seats user fox@example.com", func(t *testing.T, m bot.Message) {
			wantField(t, m, "Custom role", "Tier 3 Specialist")
			wantField(t, m, "Monthly cost", "$169")
			wantField(t, m, "Owner", dana)
			mustSay(t, m, "Never asked about in a review.")
		}},
		{"user/never logged in, email in capitals", admin, "seats user Walter@Example.com", func(t *testing.T, m bot.Message) {
			wantField(t, m, "Last login", "never (added Sun 11 Oct 2026)")
			wantField(t, m, "Custom role", "none")
		}},
		{"user/light agent is free", admin, "seats user lana@example.com", func(t *testing.T, m bot.Message) {
			wantField(t, m, "Seat", "free: light agent")
			wantField(t, m, "Monthly cost", "$0 (light agent)")
		}},
		{"user/suspended still billed", admin, "seats user billy@example.com", func(t *testing.T, m bot.Message) {
			wantField(t, m, "Suspended", "yes, and still billed")
			wantField(t, m, "Owner", bill)
		}},
		{"user/admin with 2FA", admin, "seats user alice@example.com", func(t *testing.T, m bot.Message) {
			wantField(t, m, "2FA", "on")
			wantField(t, m, "Role", "Admin")
		}},
		{"user/default group deleted goes to the default owner", admin, "seats user olga@example.com", func(t *testing.T, m bot.Message) {
			wantField(t, m, "Default group", "deleted group 5")
			wantField(t, m, "Owner", ops)
		}},
		{"user/markup in a name is escaped", admin, "seats user weird@example.com", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Seat: <!channel> & Co") // plain text; the renderer escapes it where needed
			wantField(t, m, "Groups", "R&D <Labs>")     // field values are escaped by the renderer
		}},
		{"user/not in Zendesk", admin, "seats user ghost@example.com", func(t *testing.T, m bot.Message) {
			wantLine(t, m, "ghost@example.com is not an agent or admin in Zendesk as of the last sync (Fri 20 Nov 10:45 CET).")
		}},
		{"user/owner is refused", dana, "seats user fox@example.com", refused},
		{"user/stranger is refused", stranger, "seats user fox@example.com", refused},

		// seats group: admins and that group's owner.
		{"group/admin, case-insensitive name", admin, "seats group tier 2", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Group Tier 2: 3 paid seats · $399/month")
			wantField(t, m, "Not billed", "1 light agent")
		}},
		{"group/admin, quoted name", admin, `seats group "Tier 1"`, func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Group Tier 1: 23 paid seats · $2,680/month")
			wantPage(t, m, 1, 2, "group:1", PageSize)
		}},
		{"group/markup in a group name", admin, "seats group r&d <labs>", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Group R&D <Labs>: 1 paid seat · $115/month")
			mustSay(t, m, "*&lt;!channel&gt; &amp; Co* · weird@example.com")
		}},
		{"group/without paid seats", admin, "seats group escalations", func(t *testing.T, m bot.Message) {
			mustSay(t, m, "No paid seats in this group.")
		}},
		{"group/its owner", dana, "seats group Tier 2", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Group Tier 2: 3 paid seats · $399/month")
		}},
		{"group/the default owner of an unlisted group", ops, "seats group Tier 1", func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Group Tier 1: 23 paid seats · $2,680/month")
		}},
		{"group/another group's owner is refused", dana, "seats group Billing", func(t *testing.T, m bot.Message) {
			wantLine(t, m, "Sorry, only Zendesk admins and the owner of Billing can see its seats.")
		}},
		{"group/unknown with close matches", admin, "seats group Tier 3", func(t *testing.T, m bot.Message) {
			wantLine(t, m, `No group named "Tier 3" in Zendesk. Did you mean Tier 1 or Tier 2?`)
		}},
		{"group/unknown without close matches", admin, "seats group Marketing", func(t *testing.T, m bot.Message) {
			wantLine(t, m, `No group named "Marketing" in Zendesk.`)
		}},
		{"group/a deleted group is unknown", admin, "seats group Old", func(t *testing.T, m bot.Message) {
			wantLine(t, m, `No group named "Old" in Zendesk.`)
		}},
		{"group/stranger is refused", stranger, "seats group Tier 2", refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ask(r, tt.who, tt.text)
			if m.Visibility != bot.Ephemeral {
				t.Errorf("visibility = %v, want ephemeral: seat answers are for the asker only", m.Visibility)
			}
			if m.Delivery != bot.NewMessage {
				t.Errorf("delivery = %v, want a new message for typed commands", m.Delivery)
			}
			tt.check(t, m)
			goldenJSON(t, m)
		})
	}
}

// TestBadArguments: each mistake gets its own one-line error with an
// example, and never reaches the snapshot.
func TestBadArguments(t *testing.T) {
	// No snapshot: a bad argument must be reported before the data is read.
	r := newFixture(t, nil).router(t)
	tests := []struct {
		name, who, text, want string
	}{
		{"days not a number", admin, "seats inactive abc", "Usage error: DAYS must be a whole number from 1 to 3650, e.g. /warden seats inactive 60"},
		{"days zero", admin, "seats inactive 0", "Usage error: DAYS must be a whole number from 1 to 3650, e.g. /warden seats inactive 60"},
		{"days negative", admin, "seats inactive -5", "Usage error: DAYS must be a whole number from 1 to 3650, e.g. /warden seats inactive 60"},
		{"days with a unit", admin, "seats inactive 60d", "Usage error: DAYS must be a whole number from 1 to 3650, e.g. /warden seats inactive 60"},
		{"days too many", admin, "seats inactive 3651", "Usage error: DAYS must be a whole number from 1 to 3650, e.g. /warden seats inactive 60"},
		{"days huge", admin, "seats inactive 99999999999999999999", "Usage error: DAYS must be a whole number from 1 to 3650, e.g. /warden seats inactive 60"},
		{"days with a sign", owner(), "seats inactive +60", "Usage error: DAYS must be a whole number from 1 to 3650, e.g. /warden seats inactive 60"},
		{"inactive extra argument", admin, "seats inactive 60 90", "Usage error: seats inactive takes one argument, DAYS, and got 2, e.g. /warden seats inactive 60"},
		{"user without email", admin, "seats user", "Usage error: EMAIL is missing, e.g. /warden seats user dana@example.com"},
		{"user not an email", admin, "seats user not-an-email", `Usage error: "not-an-email" is not an email address, e.g. /warden seats user dana@example.com`},
		{"user display-name form", admin, "seats user <dana@example.com>", `Usage error: "&lt;dana@example.com&gt;" is not an email address, e.g. /warden seats user dana@example.com`},
		{"user two emails", admin, "seats user a@example.com b@example.com", "Usage error: seats user takes one argument, EMAIL, and got 2, e.g. /warden seats user dana@example.com"},
		{"group without name", admin, "seats group", "Usage error: NAME is missing, e.g. /warden seats group Tier 2"},
		{"group name too long", admin, "seats group " + strings.Repeat("x", 256), "Usage error: NAME is longer than a Zendesk group name can be (255 characters), e.g. /warden seats group Tier 2"},
		{"unclosed quote", admin, `seats group "Tier 2`, `Usage error: a quote is not closed, e.g. /warden seats group "Tier 2"`},
		{"text after a closing quote", admin, `seats group "Tier"2`, `Usage error: a closing quote must be followed by a space, e.g. /warden seats group "Tier 2"`},
		{"too long", admin, strings.Repeat("seats ", 700), "Usage error: the command is too long (4000 characters at most), e.g. /warden help"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ask(r, tt.who, tt.text)
			if got := errorLine(t, m); got != tt.want {
				t.Errorf("ask(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
			goldenJSON(t, m)
		})
	}
}

// owner is an owner who is not an admin: bad arguments are reported to
// owners the same way.
func owner() string { return dana }

// TestNoSnapshotYet: before the first sync, seat questions say so; help
// and refusals do not need the data.
func TestNoSnapshotYet(t *testing.T) {
	r := newFixture(t, nil).router(t)
	const waiting = "No seat data yet: the first sync from Zendesk is still running. Try again in a few minutes."
	tests := []struct{ name, who, text, want string }{
		{"seats", admin, "seats", waiting},
		{"inactive admin", admin, "seats inactive 60", waiting},
		{"inactive owner", dana, "seats inactive", waiting},
		{"user", admin, "seats user fox@example.com", waiting},
		{"group", dana, "seats group Tier 2", waiting},
		{"stranger is refused, not told about syncs", stranger, "seats", `Sorry, "seats" is only for Zendesk admins. Ask one of them if you need it.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ask(r, tt.who, tt.text)
			if got := errorLine(t, m); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			goldenJSON(t, m)
		})
	}
	if m := ask(r, admin, "help"); m.Headline != "Commands you can use" {
		t.Errorf("help without a snapshot: %+v", m)
	}
}

// TestPaging: the page buttons carry only the list's token; each click is
// authorized again and replaces the list in place.
func TestPaging(t *testing.T) {
	f := newFixture(t, fixtureSnapshot())
	r := f.router(t)
	tests := []struct {
		name, who, value string
		wantPage         int
		wantSeats        int
		wantFirst        string // first seat on the page
	}{
		{"admin page 2", admin, "inactive:30:2", 2, 7, "Agent 05"},
		{"admin page 1 again", admin, "inactive:30:1", 1, 20, "Bill Suspended"},
		{"a page past the end shows the last", admin, "inactive:30:9", 2, 7, "Agent 05"},
		{"owner page 2 is still only his", ops, "inactive:30:2", 2, 4, "Agent 03"},
		{"days in the token", admin, "inactive:60:1", 1, 14, "Bill Suspended"},
		{"group page 1 by its owner", dana, "group:2:1", 1, 3, "Fox Mulder"},
		{"group of 23 page 2", admin, "group:1:2", 2, 3, "Agent 02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := click(r, tt.who, PageActionID, tt.value)
			if m.Delivery != bot.ReplaceOriginal {
				t.Errorf("delivery = %v, want ReplaceOriginal", m.Delivery)
			}
			if m.Pager != nil && m.Pager.Page != tt.wantPage {
				t.Errorf("page = %d, want %d", m.Pager.Page, tt.wantPage)
			}
			seatSections := 0
			for _, s := range m.Sections {
				if s.Fields == nil {
					seatSections++
				}
			}
			if seatSections != tt.wantSeats {
				t.Errorf("%d seats on the page, want %d", seatSections, tt.wantSeats)
			}
			if first := firstSeat(m); first != tt.wantFirst {
				t.Errorf("first seat %q, want %q", first, tt.wantFirst)
			}
			goldenJSON(t, m)
		})
	}

	t.Run("the pager's own example", func(t *testing.T) {
		// 45 agents idle for 60 to 104 days, with Fox and Bill 47 seats:
		// three pages at 60 days.
		snap := fixtureSnapshot()
		for i := range snap.Staff {
			if u := &snap.Staff[i]; u.ID >= 100 {
				u.LastActivity = ptr(now.AddDate(0, 0, -60-int(u.ID-100)))
			}
		}
		for i := range 23 {
			id := int64(200 + i)
			snap.Staff = append(snap.Staff, connector.Staff{
				ID: id, Name: fmt.Sprintf("Temp %02d", i+1), Email: fmt.Sprintf("temp%02d@example.com", i+1), Role: "agent", RoleName: "Agent", Seat: "agent",
				LastActivity: ptr(now.AddDate(0, 0, -82-i)), CreatedAt: now.AddDate(-1, 0, 0),
			})
		}
		r := newFixture(t, snap).router(t)
		m := click(r, admin, "seats.page", "inactive:60:2")
		want := bot.Pager{Page: 2, Pages: 3, ActionID: "seats.page", Token: "inactive:60"}
		if m.Pager == nil || *m.Pager != want {
			t.Fatalf("pager %+v, want %+v", m.Pager, want)
		}
		if m.Delivery != bot.ReplaceOriginal || len(m.Sections) != PageSize {
			t.Errorf("delivery %v with %d seats, want ReplaceOriginal with %d", m.Delivery, len(m.Sections), PageSize)
		}
		wantHeadline(t, m, "Inactive seats: 47 with no login for 60+ days · $5,459/month")
		goldenJSON(t, m)
	})

	refusals := []struct{ name, who, value, want string }{
		{"stranger clicks a page", stranger, "inactive:30:2", `Sorry, "seats inactive" is only for Zendesk admins and seat owners. Ask one of them if you need it.`},
		{"owner of another group clicks its page", dana, "group:3:1", "Sorry, only Zendesk admins and the owner of Billing can see its seats."},
		{"page value without a page", admin, "inactive:30", "Usage error: that page button is out of date; run the command again, e.g. /warden seats inactive 60"},
		{"page zero", admin, "inactive:30:0", "Usage error: that page button is out of date; run the command again, e.g. /warden seats inactive 60"},
		{"days out of range", admin, "inactive:0:1", "Usage error: that page button is out of date; run the command again, e.g. /warden seats inactive 60"},
		{"group that is gone", admin, "group:5:1", "That group is no longer in Zendesk."},
		{"list kind nobody knows", admin, "tokens:1", "That button is no longer in use. Run /warden help to see what you can do."},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			m := click(r, tt.who, PageActionID, tt.value)
			if got := errorLine(t, m); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if m.Delivery != bot.NewMessage {
				t.Errorf("an error replaced the list the person was reading")
			}
			goldenJSON(t, m)
		})
	}

	t.Run("a page turn matches the typed command's page", func(t *testing.T) {
		typed := ask(r, ops, "seats inactive 30")
		if typed.Pager == nil {
			t.Fatal("no pager on the first page")
		}
		next := click(r, ops, typed.Pager.ActionID, typed.Pager.Token+":2")
		again := click(r, ops, typed.Pager.ActionID, next.Pager.Token+":1")
		typed.Delivery = bot.ReplaceOriginal
		if diff := cmp.Diff(typed, again); diff != "" {
			t.Errorf("page 1 by click differs from the typed command (-typed +clicked):\n%s", diff)
		}
	})
}

var seatName = regexp.MustCompile(`^\*([^*]+)\*`)

func firstSeat(m bot.Message) string {
	for _, s := range m.Sections {
		if match := seatName.FindStringSubmatch(s.Text); match != nil && s.Fields == nil {
			return match[1]
		}
	}
	return ""
}

// refused: a polite one-line refusal that gives nothing away.
func refused(t *testing.T, m bot.Message) {
	t.Helper()
	line := errorLine(t, m)
	if !strings.HasPrefix(line, "Sorry, ") {
		t.Errorf("refusal %q does not start politely", line)
	}
	if strings.ContainsAny(line, "0123456789$") {
		t.Errorf("refusal %q contains numbers", line)
	}
}

func wantHeadline(t *testing.T, m bot.Message, want string) {
	t.Helper()
	if m.Headline != want {
		t.Errorf("headline %q, want %q", m.Headline, want)
	}
}

func wantLine(t *testing.T, m bot.Message, want string) {
	t.Helper()
	if got := errorLine(t, m); got != escape(want) {
		t.Errorf("reply %q, want %q", got, escape(want))
	}
}

func wantField(t *testing.T, m bot.Message, label, want string) {
	t.Helper()
	for _, s := range m.Sections {
		for _, f := range s.Fields {
			if f.Label == label {
				if f.Value != want {
					t.Errorf("field %s = %q, want %q", label, f.Value, want)
				}
				return
			}
		}
	}
	t.Errorf("no field %s in %s", label, text(m))
}

func wantPage(t *testing.T, m bot.Message, page, pages int, token string, seatsShown int) {
	t.Helper()
	switch {
	case pages == 0 && m.Pager != nil:
		t.Errorf("pager %+v on a single page", m.Pager)
	case pages > 0 && m.Pager == nil:
		t.Errorf("no pager, want page %d of %d", page, pages)
	case pages > 0:
		want := bot.Pager{Page: page, Pages: pages, ActionID: PageActionID, Token: token}
		if *m.Pager != want {
			t.Errorf("pager %+v, want %+v", *m.Pager, want)
		}
	}
	n := 0
	for _, s := range m.Sections {
		if s.Fields == nil {
			n++
		}
	}
	if n != seatsShown {
		t.Errorf("%d seats shown, want %d", n, seatsShown)
	}
}

func mustSay(t *testing.T, m bot.Message, want ...string) {
	t.Helper()
	all := text(m)
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("reply does not say %q:\n%s", w, all)
		}
	}
}

func mustNotSay(t *testing.T, m bot.Message, bad ...string) {
	t.Helper()
	all := text(m)
	for _, b := range bad {
		if strings.Contains(all, b) {
			t.Errorf("reply mentions %q:\n%s", b, all)
		}
	}
}
