package commands

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
)

// The sample account's people, as the review tests use them.
const (
	acmeAdmin = "dana@acme.example" // admin; answers for every group but Tier 2
	acmeOmar  = "omar@acme.example" // answers for Tier 2
	acmeLee   = "lee@acme.example"  // neither, until a seat is handed to them
)

type reviewFixture struct {
	*fixture
	emu     *zendesktest.Server
	svc     *reviews.Service
	router  *Router
	period  string
	mu      sync.Mutex
	changed []string // owners ReviewChanged was told about
}

// newReviewFixture syncs the sample Zendesk account into a real store,
// opens this week's review and builds the commands over it.
func newReviewFixture(t *testing.T) *reviewFixture {
	t.Helper()
	f := &reviewFixture{fixture: newFixture(t, nil)}
	f.emu = zendesktest.NewServer(zendesktest.SampleOrg(now), zendesktest.WithOAuthClient("cmd", "secret", true),
		zendesktest.WithClock(func() time.Time { return now }))
	t.Cleanup(f.emu.Close)
	zd, err := zendesk.New(zendesk.Config{BaseURL: f.emu.URL, Auth: zendesk.OAuthClientCredentials("cmd", "secret"),
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, RequestsPerMinute: 100_000,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&seats.Syncer{Source: zendesk.Connector{Client: zd}, Connector: connector.Zendesk, Store: f.store, Account: f.emu.URL, Now: func() time.Time { return now }}).Sync(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	f.deps.Admins = []string{acmeAdmin}
	f.deps.Owners = seats.NewOwners(acmeAdmin, seats.GroupOwner{Group: "Tier 2", Owner: acmeOmar})
	f.svc = &reviews.Service{Records: f.store, Audit: f.store, Seats: zendesk.Connector{Client: zd}, Now: func() time.Time { return now }, Holder: "test",
		Policy: reviews.Policy{Location: f.deps.Policy.Location, KeepMaxDays: 180},
		Snapshot: &seats.Patcher{Store: f.store, Patched: func(name, before, after string, patches []store.MemberPatch) {
			if f.router != nil {
				f.router.SnapshotPatched(name, before, after, patches)
			}
		}}}
	f.deps.Reviews = f.svc
	f.deps.ReviewChanged = func(_ context.Context, _, _ string, _ bot.MessageRef, owners ...string) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.changed = append(f.changed, owners...)
	}
	f.period = reviews.PeriodOf(now, f.deps.Policy.Location)
	report := seats.Evaluate(res.Snapshot, f.deps.Policy, now)
	if _, err := f.svc.Open(t.Context(), f.period, report, func(s seats.Seat) string {
		if s.User.DefaultGroupID != nil && *s.User.DefaultGroupID == zendesktest.Tier2GroupID {
			return acmeOmar
		}
		return acmeAdmin
	}); err != nil {
		t.Fatal(err)
	}
	if f.router, err = New(f.deps); err != nil {
		t.Fatal(err)
	}
	return f
}

// seat is the value of a seat's buttons in this week's review.
func (f *reviewFixture) seat(t *testing.T, email string) string {
	t.Helper()
	items, err := f.svc.Items(t.Context(), f.period)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(items, func(it reviews.Item) bool { return it.Seat.Email == email })
	if i < 0 {
		t.Fatalf("%s is not in the review", email)
	}
	return prompts.SeatValue(items[i].Seat.Connector, f.period, items[i].Seat.UserID)
}

func (f *reviewFixture) submit(who, formID, recordID string, values map[string]string) bot.Message {
	return f.router.Handle(context.Background(), bot.Request{Platform: bot.PlatformSlack, User: user(who),
		Form: &bot.FormSubmission{FormID: formID, RecordID: recordID, Values: values,
			Origin: bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: "D1", MessageID: "1700000000.000100"}}})
}

// TestKeepAsksWhyAndUntilWhen: Keep opens a form; a bad date is an error
// on its field and changes nothing; a good answer redraws the digest.
func TestKeepAsksWhyAndUntilWhen(t *testing.T) {
	f := newReviewFixture(t)
	tom := f.seat(t, "tom@acme.example")

	form := click(f.router, acmeOmar, prompts.ActionKeep, tom)
	if form.Form == nil || form.Form.ID != prompts.FormKeep || form.Form.RecordID != tom {
		t.Fatalf("Keep did not open its form: %+v", form)
	}
	t.Run("form", func(t *testing.T) { goldenJSON(t, form) })

	bad := []struct{ name, reason, until, field string }{
		{"no reason", "", "2027-01-15", prompts.InputReason},
		{"date in the past", "parental leave", "2026-11-01", prompts.InputKeepUntil},
		{"date past the maximum", "parental leave", "2027-12-01", prompts.InputKeepUntil},
		{"not a date", "parental leave", "next spring", prompts.InputKeepUntil},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			got := f.submit(acmeOmar, prompts.FormKeep, tom, map[string]string{prompts.InputReason: b.reason, prompts.InputKeepUntil: b.until})
			if got.Form == nil {
				t.Fatalf("no form with errors: %+v", got)
			}
			i := slices.IndexFunc(got.Form.Inputs, func(in bot.Input) bool { return in.Error != "" })
			if i < 0 || got.Form.Inputs[i].ID != b.field {
				t.Errorf("errors on %+v, want on %s", got.Form.Inputs, b.field)
			}
			goldenJSON(t, got)
		})
	}
	if it := f.item(t, tom); it.State != reviews.Open {
		t.Fatalf("a rejected form changed the seat: %+v", it)
	}

	done := f.submit(acmeOmar, prompts.FormKeep, tom, map[string]string{prompts.InputReason: "On parental leave until March", prompts.InputKeepUntil: "2027-03-01"})
	if done.Delivery != bot.ReplaceOriginal || !strings.Contains(text(done), "Kept by omar@acme.example at 11:00 until 1 Mar 2027: On parental leave until March") {
		t.Errorf("after Keep:\n%s", text(done))
	}
	t.Run("kept", func(t *testing.T) { goldenJSON(t, done) })
	if !slices.Equal(f.changed, []string{acmeOmar}) {
		t.Errorf("ReviewChanged told about %v", f.changed)
	}
}

// TestRemoveIsCarriedOutAndShown: Remove demotes the agent in Zendesk and
// the digest says who did it and what it saves.
var paidLine = regexp.MustCompile(`Seats: (\d+) paid`)

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRemoveIsCarriedOutAndShown(t *testing.T) {
	f := newReviewFixture(t)
	before := text(ask(f.router, acmeAdmin, "seats"))
	tom := f.seat(t, "tom@acme.example")
	got := click(f.router, acmeOmar, prompts.ActionRemove, tom)
	if !strings.Contains(text(got), "Removed by omar@acme.example at 11:00 — saves $115/month") {
		t.Errorf("after Remove:\n%s", text(got))
	}
	goldenJSON(t, got)
	if u, _ := f.emu.User(f.item(t, tom).Seat.UserID); u.Role != zendesk.RoleEndUser {
		t.Errorf("Tom's role = %q, want end-user", u.Role)
	}
	again := click(f.router, acmeAdmin, prompts.ActionRemove, tom)
	if line := errorLine(t, again); !strings.HasPrefix(line, "Already decided: Removed by omar@acme.example") {
		t.Errorf("second Remove: %q", line)
	}
	// The counts agree with what was just done, before any sync: one paid
	// seat fewer, and Tom is no longer staff.
	after := text(ask(f.router, acmeAdmin, "seats"))
	if paid := paidLine.FindStringSubmatch(before); paid == nil || !strings.Contains(after, fmt.Sprintf("Seats: %d paid", atoi(t, paid[1])-1)) {
		t.Errorf("seats after the Remove:\n%s\nbefore it:\n%s", after, before)
	}
	if line := errorLine(t, ask(f.router, acmeAdmin, "seats user tom@acme.example")); !strings.Contains(line, "not an agent or admin in Zendesk") {
		t.Errorf("seats user after the Remove: %q", line)
	}
	// A seat that stays shows what the review did with it.
	hannah := f.seat(t, "hannah@acme.example")
	click(f.router, acmeOmar, prompts.ActionSnooze, hannah)
	if user := ask(f.router, acmeAdmin, "seats user hannah@acme.example"); !strings.Contains(text(user), "*Review history*\n"+f.period+" · 💤 Snoozed by omar@acme.example at 11:00") {
		t.Errorf("seats user after a Snooze:\n%s", text(user))
	}
}

// TestNotMineHandsTheSeatOn: the form wants an email; the seat then
// belongs to the new owner, who is sent it.
func TestNotMineHandsTheSeatOn(t *testing.T) {
	f := newReviewFixture(t)
	tom := f.seat(t, "tom@acme.example")
	if form := click(f.router, acmeOmar, prompts.ActionNotMine, tom); form.Form == nil || form.Form.ID != prompts.FormNotMine {
		t.Fatalf("Not mine did not open its form: %+v", form)
	}
	bad := f.submit(acmeOmar, prompts.FormNotMine, tom, map[string]string{prompts.InputNewOwner: "lee at acme"})
	if bad.Form == nil || bad.Form.Inputs[0].Error == "" {
		t.Fatalf("a bad email was taken: %+v", bad)
	}
	self := f.submit(acmeOmar, prompts.FormNotMine, tom, map[string]string{prompts.InputNewOwner: acmeOmar})
	if self.Form == nil || !strings.Contains(self.Form.Inputs[0].Error, "already answers for this seat") {
		t.Fatalf("handing a seat to its owner was taken: %+v", self)
	}
	done := f.submit(acmeOmar, prompts.FormNotMine, tom, map[string]string{prompts.InputNewOwner: "Lee@Acme.example"})
	if !strings.Contains(text(done), "Handed to lee@acme.example by omar@acme.example") {
		t.Errorf("after Not mine:\n%s", text(done))
	}
	goldenJSON(t, done)
	if !slices.Equal(f.changed, []string{acmeOmar, acmeLee}) {
		t.Errorf("ReviewChanged told about %v, want both owners", f.changed)
	}
	if line := errorLine(t, click(f.router, acmeOmar, prompts.ActionSnooze, tom)); line != "Sorry, you handed this seat to lee@acme.example; they decide it now." && !strings.Contains(line, "handed this seat to lee@acme.example") {
		t.Errorf("old owner after handing on: %q", line)
	}
	if got := click(f.router, acmeLee, prompts.ActionSnooze, tom); got.Delivery != bot.ReplaceOriginal {
		t.Errorf("the new owner cannot decide: %+v", got)
	}
}

// TestClicksThatChangeNothing: each bad click gets one clear line and the
// seat stays as it was.
func TestClicksThatChangeNothing(t *testing.T) {
	f := newReviewFixture(t)
	tom := f.seat(t, "tom@acme.example")
	tomID := strings.TrimPrefix(tom, f.period+":")
	tests := []struct {
		name, who, action, value, want string
	}{
		{"someone else's seat", "priya@acme.example", prompts.ActionRemove, tom, "Only the seat's owner (omar@acme.example) or an admin can decide this seat"},
		{"no email on the profile", "", prompts.ActionRemove, tom, "Only the seat's owner (omar@acme.example) or an admin"},
		{"tampered value", acmeOmar, prompts.ActionRemove, "2026-W47:12;DROP", "button does not name a seat"},
		{"value from another command", acmeOmar, prompts.ActionSnooze, "inactive:60:2", "button does not name a seat"},
		{"an ended review", acmeOmar, prompts.ActionRemove, "2026-W40:" + tomID, "Review 2026-W40 has ended"},
		{"a seat not in the review", acmeOmar, prompts.ActionRemove, f.period + ":42", "That seat is not part of review " + f.period},
		{"a form for an ended review", acmeOmar, prompts.ActionKeep, "2026-W40:" + tomID, "Review 2026-W40 has ended"},
		{"someone else's page", "priya@acme.example", prompts.ActionPage, bot.PageValue(prompts.DigestToken("", f.period, acmeOmar), 2), "only they and admins can page"},
		{"a tampered page", acmeOmar, prompts.ActionPage, "2026-W47:omar:x", "button does not name a seat"},
		// Zendesk's review never reads another SaaS's seat as its own.
		{"another SaaS's seat", acmeOmar, prompts.ActionRemove, f.period + ":github:" + tomID, "button does not name a seat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if line := errorLine(t, click(f.router, tt.who, tt.action, tt.value)); !strings.Contains(line, tt.want) {
				t.Errorf("reply %q, want it to say %q", line, tt.want)
			}
		})
	}
	if got := f.submit(acmeOmar, prompts.FormKeep, "not-a-seat", map[string]string{}); !strings.Contains(errorLine(t, got), "does not name a seat of a review") {
		t.Errorf("tampered form record: %+v", got)
	}
	if it := f.item(t, tom); it.State != reviews.Open {
		t.Errorf("a refused click changed the seat: %+v", it)
	}
	if n := f.emu.Requests(zendesktest.EndpointUsersUpdate); n != 0 {
		t.Errorf("refused clicks made %d Zendesk changes", n)
	}
}

// TestReviewCommand: admins see a period's progress; others are refused.
func TestReviewCommand(t *testing.T) {
	f := newReviewFixture(t)
	click(f.router, acmeOmar, prompts.ActionRemove, f.seat(t, "tom@acme.example"))
	click(f.router, acmeOmar, prompts.ActionSnooze, f.seat(t, "hannah@acme.example"))

	t.Run("this week", func(t *testing.T) { goldenJSON(t, ask(f.router, acmeAdmin, "review")) })
	t.Run("a week never opened", func(t *testing.T) { goldenJSON(t, ask(f.router, acmeAdmin, "review 2026-W30")) })
	if line := errorLine(t, ask(f.router, acmeAdmin, "review last-week")); !strings.Contains(line, "PERIOD is an ISO week such as "+f.period) {
		t.Errorf("bad period: %q", line)
	}
	if line := errorLine(t, ask(f.router, acmeOmar, "review")); !strings.Contains(line, "only for Zendesk admins") {
		t.Errorf("owner asking for the review: %q", line)
	}
}

func (f *reviewFixture) item(t *testing.T, value string) reviews.Item {
	t.Helper()
	_, period, id, ok := prompts.ParseSeatValue(value)
	if !ok {
		t.Fatalf("bad value %q", value)
	}
	it, err := f.svc.Item(t.Context(), period, id)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

// TestCancelledFormPutsTheDigestBack: closing the Keep form on a card
// (Teams) redraws the digest and decides nothing; someone else's seat
// stays refused.
func TestCancelledFormPutsTheDigestBack(t *testing.T) {
	f := newReviewFixture(t)
	tom := f.seat(t, "tom@acme.example")
	cancel := func(who string) bot.Message {
		return f.router.Handle(context.Background(), bot.Request{Platform: bot.PlatformTeams, User: user(who),
			Form: &bot.FormSubmission{FormID: prompts.FormKeep, RecordID: tom, Cancelled: true,
				Origin: bot.MessageRef{Platform: bot.PlatformTeams, ConversationID: "a:1", MessageID: "7"}}})
	}
	back := cancel(acmeOmar)
	if back.Delivery != bot.ReplaceOriginal || back.Form != nil || !strings.Contains(text(back), "Tom Reilly") {
		t.Fatalf("cancel did not put the digest back:\n%s", text(back))
	}
	if it := f.item(t, tom); it.State != reviews.Open {
		t.Errorf("a cancelled form decided the seat: %+v", it)
	}
	if len(f.changed) != 0 {
		t.Errorf("a cancelled form told ReviewChanged about %v", f.changed)
	}
	if refused := cancel(acmeLee); refused.Visibility != bot.Ephemeral || strings.Contains(text(refused), "Tom Reilly") {
		t.Errorf("someone else's cancel showed the digest:\n%s", text(refused))
	}
}

// TestReviewOfAnotherSaaS: with GitHub's review beside Zendesk's, review
// github answers for GitHub's, and a name that is neither a week nor a
// governed SaaS says which are.
func TestReviewOfAnotherSaaS(t *testing.T) {
	f := newReviewFixture(t)
	gh := &reviews.Service{Records: f.store, Audit: f.store, Connector: connector.GitHub, Now: func() time.Time { return now },
		Policy: reviews.Policy{Location: f.deps.Policy.Location}}
	f.deps.Governed = []Governed{{Connector: connector.GitHub, Policy: f.deps.Policy, Reviews: gh}}
	r, err := New(f.deps)
	if err != nil {
		t.Fatal(err)
	}
	if m := ask(r, acmeAdmin, "review github"); m.Headline != "Copilot seat review "+f.period || !strings.Contains(text(m), "has not opened yet") {
		t.Errorf("review github: %q\n%s", m.Headline, text(m))
	}
	if m := ask(r, acmeAdmin, "review github 2026-W30"); m.Headline != "Copilot seat review 2026-W30" {
		t.Errorf("review github 2026-W30: %q", m.Headline)
	}
	if m := ask(r, acmeAdmin, "review zendesk"); m.Headline != "Seat review "+f.period {
		t.Errorf("review zendesk: %q", m.Headline)
	}
	want := `"gitlab" is neither an ISO week such as ` + f.period + ` nor a governed SaaS (zendesk, github). Example: /warden review github`
	if line := errorLine(t, ask(r, acmeAdmin, "review gitlab")); !strings.Contains(line, want) {
		t.Errorf("review gitlab: %q, want %q", line, want)
	}
}
