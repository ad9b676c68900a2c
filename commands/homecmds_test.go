package commands

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
)

// homeFixture is the access fixture with this week's seat review and the
// credential register of the same emulated account, so every part of a
// home has something in it.
type homeFixture struct {
	*accessFixture
	reviews *reviews.Service
	period  string
}

func newHomeFixture(t *testing.T) *homeFixture {
	t.Helper()
	f := &homeFixture{accessFixture: newAccessFixture(t)}
	zd, err := zendesk.New(zendesk.Config{BaseURL: f.emu.URL, Auth: zendesk.OAuthClientCredentials("cmd", "secret"),
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, RequestsPerMinute: 100_000, MaxRetries: -1,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, src := t.Context(), zendesk.Connector{Client: zd}
	res, err := (&seats.Syncer{Source: src, Connector: connector.Zendesk, Store: f.store, Account: f.emu.URL, Now: f.now}).Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.reviews = &reviews.Service{Records: f.store, Audit: f.store, Seats: src, Now: f.now, Holder: "test",
		Policy: reviews.Policy{Location: f.deps.Policy.Location, KeepMaxDays: 180}}
	f.period = reviews.PeriodOf(now, f.deps.Policy.Location)
	if _, err := f.reviews.Open(ctx, f.period, seats.Evaluate(res.Snapshot, f.deps.Policy, now), func(s seats.Seat) string {
		if s.User.DefaultGroupID != nil && *s.User.DefaultGroupID == zendesktest.Tier2GroupID {
			return acmeOmar
		}
		return acmeAdmin
	}); err != nil {
		t.Fatal(err)
	}
	creds := &credentials.Service{Records: f.store, Audit: f.store, Snapshots: f.store, Connector: src, Now: f.now, Holder: "test",
		Policy: credentials.Policy{Location: f.deps.Policy.Location, UnusedDays: 90}}
	if _, err := creds.Sync(ctx, src, f.emu.URL); err != nil {
		t.Fatal(err)
	}
	f.deps.Reviews, f.deps.Credentials = f.reviews, creds
	f.deps.Owners = seats.NewOwners(acmeAdmin, seats.GroupOwner{Group: "Tier 2", Owner: acmeOmar})
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	return f
}

// homeGroups are the group headings a home shows, in order.
func homeGroups(m bot.Message) []string {
	var out []string
	for _, s := range m.Sections {
		if strings.HasPrefix(s.Text, "*") && strings.HasSuffix(s.Text, "*") && !strings.Contains(s.Text, "\n") {
			out = append(out, strings.Trim(s.Text, "*"))
		}
	}
	return out
}

// Each person's home holds what is theirs: an owner's seats, an
// approver's approvals, a requester's request and grant; an admin also
// sees the account.
func TestHomeShowsWhatIsYours(t *testing.T) {
	f := newHomeFixture(t)
	waiting := f.open(t, acmeLee, approvals.App.Name, appValues())
	_, grant := f.grantApproved(t, acmeMei, "2h")

	tests := []struct {
		name, who  string
		wantGroups []string
		want       []string
	}{
		{"seat owner", acmeOmar, []string{"Seats to decide"}, []string{"wait for you"}},
		{"approver", acmePriya, []string{"Waiting for your approval"}, []string{"*" + waiting.ID + "*"}},
		{"requester", acmeLee, []string{"Your requests"}, []string{"*" + waiting.ID + "*", "Pending · 0 of 1 approvals"}},
		{"grant holder", acmeMei, []string{"Your access"}, []string{"*admin* · " + grant.ID + " in Zendesk", "Active · 2 hours left"}},
		{"admin", acmeAdmin, []string{"Seats to decide", "Waiting for your approval"}, []string{"*The account*", "Zendesk:", "saved $0/month in the last 4 reviews"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ask(f.router, tt.who, "home")
			if got := homeGroups(m); !slices.Equal(got, tt.wantGroups) {
				t.Errorf("groups %q, want %q\n%s", got, tt.wantGroups, text(m))
			}
			mustSay(t, m, tt.want...)
			if tt.who != acmeAdmin && strings.Contains(text(m), "The account") {
				t.Error("a person who is not an admin sees the account")
			}
		})
	}
}

// The buttons on a home do what the same buttons do elsewhere: Keep
// opens the review's form, End now ends the holder's grant, and a page
// turn draws the next page in place.
func TestHomeButtonsWork(t *testing.T) {
	f := newHomeFixture(t)
	_, grant := f.grantApproved(t, acmeMei, "2h")

	mine := ask(f.router, acmeOmar, "home")
	var keep *bot.Button
	for _, s := range mine.Sections {
		for i, b := range s.Actions {
			if b.ActionID == prompts.ActionKeep {
				keep = &s.Actions[i]
			}
		}
	}
	if keep == nil {
		t.Fatalf("no Keep on omar's home:\n%s", text(mine))
	}
	if form := click(f.router, acmeOmar, keep.ActionID, keep.Value); form.Form == nil || form.Form.ID != prompts.FormKeep {
		t.Errorf("Keep from the home answered %+v, want the keep form", form)
	}

	if got := click(f.router, acmeTom, prompts.ActionAccessEnd, grant.ID); !strings.Contains(errorLine(t, got), "Only the holder, mei@acme.example, and admins can revoke") {
		t.Errorf("someone else's End now: %q", text(got))
	}
	click(f.router, acmeMei, prompts.ActionAccessEnd, grant.ID)
	if g := f.grant(t, grant.ID); g.State != access.Ended || g.EndedBy != acmeMei {
		t.Errorf("after End now the grant is %s, ended by %q", g.State, g.EndedBy)
	}
	if after := ask(f.router, acmeMei, "home"); slices.Contains(homeGroups(after), "Your access") {
		t.Errorf("an ended grant is still on the home:\n%s", text(after))
	}

	for range prompts.HomePageSize {
		f.open(t, acmeLee, approvals.App.Name, appValues())
	}
	admin := ask(f.router, acmeAdmin, "home")
	if admin.Pager == nil {
		t.Fatalf("the admin's home has no pages:\n%s", text(admin))
	}
	next := click(f.router, acmeAdmin, bot.ActionHomePage, bot.PageValue(bot.HomeToken, 2))
	if next.Pager == nil || next.Pager.Page != 2 || next.Delivery != bot.ReplaceOriginal {
		t.Errorf("page 2: pager %+v, delivery %v", next.Pager, next.Delivery)
	}
}

// What a home refuses: arguments, a person without an email, a page
// button that was altered.
func TestHomeBadInput(t *testing.T) {
	f := newHomeFixture(t)
	for _, tt := range []struct{ name, line, want string }{
		{"arguments", errorLine(t, ask(f.router, acmeLee, "home please")), "Usage error: home takes no arguments, e.g. /warden home"},
		{"no email", errorLine(t, ask(f.router, nobody, "home")), "I could not find an email address on your chat profile, so I cannot tell what is yours"},
		{"altered page", errorLine(t, click(f.router, acmeLee, bot.ActionHomePage, "home:0")), "that page button is out of date"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(tt.line, tt.want) {
				t.Errorf("got %q, want %q in it", tt.line, tt.want)
			}
		})
	}
}
