package jobs_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/integrations/okta"
	"github.com/seatwarden/seatwarden/integrations/okta/oktatest"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/internal/apiclient"
	"github.com/seatwarden/seatwarden/internal/teststores"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/reviews"
)

// identity-sync against the emulated Okta org: a good read is kept, a
// read that would have most of the company leave is held, told to the
// admin channel once, and changes nothing.
func TestIdentitySync(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	emu := oktatest.NewServer(oktatest.WithUsers(oktatest.Generated(300, at)...))
	emu.SetNow(at)
	t.Cleanup(emu.Close)
	client, err := okta.New(okta.Config{OrgURL: emu.URL, Token: oktatest.DefaultToken,
		Options: apiclient.Options{Sleep: emu.Sleep, Now: emu.Now, HTTPClient: &http.Client{Timeout: 5 * time.Second}}})
	if err != nil {
		t.Fatal(err)
	}
	st := teststores.Bolt(t, nil)
	chat := newThread()
	var outcomes []string
	job := &jobs.Identity{
		Directory: &directory.Service{Records: st, Source: okta.Source{Client: client}, Now: emu.Now},
		Notifier:  chat, AdminChannel: "C0ADMIN", Keys: st,
		Observe: func(outcome string, _, _ int) { outcomes = append(outcomes, outcome) },
	}
	ctx := t.Context()
	if err := job.Run(ctx); err != nil {
		t.Fatal(err)
	}
	emu.Advance(15 * time.Minute)
	emu.Deactivate("00u0000001")
	if err := job.Run(ctx); err != nil {
		t.Fatal(err)
	}
	snap, err := job.Directory.Load(ctx)
	if err != nil || snap.Active() != 269 {
		t.Fatalf("after one deactivation: %d active, %v; want 269", snap.Active(), err)
	}

	// A day later the full read comes back with most people gone, as a
	// token whose admin lost a group's visibility would.
	emu.Advance(directory.DefaultFullEvery)
	for i := 2; i < 250; i++ {
		emu.Delete(fmt.Sprintf("00u%07d", i))
	}
	for range 2 {
		err := job.Run(ctx)
		if !errors.As(err, new(*directory.HeldError)) {
			t.Fatalf("a read of 51 of 300: %v, want held", err)
		}
	}
	if kept, _ := job.Directory.Load(ctx); kept.Active() != 269 {
		t.Errorf("the held read changed the directory: %d active", kept.Active())
	}
	if len(chat.parents) != 1 || !strings.HasPrefix(chat.parents[0].Headline, "⚠ The Okta directory read was held back") {
		t.Errorf("admin channel heard %d messages: %+v", len(chat.parents), chat.parents)
	}
	if want := []string{"ok", "ok", "held", "held"}; strings.Join(outcomes, " ") != strings.Join(want, " ") {
		t.Errorf("outcomes %v, want %v", outcomes, want)
	}
}

// A seat whose holder the directory says left is put to its owner at
// once, active or not, with the leaver marked; the next run sends
// nothing again, and the weekly digest still asks about the inactive
// seats as before.
// leaverOrg is the review fixture on a Tuesday with an Okta org in which
// Tom, who holds an active Zendesk seat, was deactivated two hours ago.
func leaverOrg(t *testing.T) (*reviewFixture, *okta.Client) {
	t.Helper()
	f := newReviewFixture(t)
	tuesday := monday.Add(25 * time.Hour)
	f.clock = tuesday
	changed := tuesday.Add(-2 * time.Hour)
	emu := oktatest.NewServer(oktatest.WithUsers(
		okta.User{ID: "00u1", Status: okta.StatusActive, Profile: okta.Profile{Email: dana, DisplayName: "Dana Field"}},
		okta.User{ID: "00u2", Status: okta.StatusActive, Profile: okta.Profile{Email: omar, DisplayName: "Omar Haddad"}},
		okta.User{ID: "00u3", Status: okta.StatusDeprovisioned, StatusChanged: &changed,
			Profile: okta.Profile{Email: "tom.reilly@acme.example", SecondEmail: "tom@acme.example", DisplayName: "Tom Reilly"}},
	))
	emu.SetNow(tuesday)
	t.Cleanup(emu.Close)
	client, err := okta.New(okta.Config{OrgURL: emu.URL, Token: oktatest.DefaultToken,
		Options: apiclient.Options{Sleep: emu.Sleep, Now: emu.Now}})
	if err != nil {
		t.Fatal(err)
	}
	return f, client
}

func TestLeaversAreRaisedAtOnce(t *testing.T) {
	f, client := leaverOrg(t)
	rv := f.reviews(t, "a")
	job := &jobs.Identity{
		Directory: &directory.Service{Records: f.store, Source: okta.Source{Client: client}, Now: func() time.Time { return f.clock }},
		Raise:     rv.RaiseLeavers,
	}
	for range 2 {
		if err := job.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	var got []bot.Message
	for _, msgs := range f.out.direct {
		got = append(got, msgs...)
	}
	if len(got) != 1 || !strings.HasPrefix(got[0].Headline, "Still paid for people who left: 1 seat") {
		t.Fatalf("messages %v, want one to tom's owner", f.out.headlines(dana))
	}
	if text := sectionsText(got[0]); !strings.Contains(text, "🚪 Left the company: deactivated in Okta on") || !strings.Contains(text, "tom@acme.example") {
		t.Errorf("the leaver's seat reads:\n%s", text)
	}
	period := reviews.PeriodOf(f.clock, time.UTC)
	items, err := rv.Service.Items(t.Context(), period)
	if err != nil || len(items) != 1 || items[0].Left == nil || items[0].Left.Status != "deactivated" {
		t.Fatalf("review items %+v, %v", items, err)
	}

	f.run(t, rv.DigestJob())
	if items, _ := rv.Service.Items(t.Context(), period); len(items) < 5 {
		t.Errorf("after the weekly digest the review holds %d seats; the inactive ones were not added", len(items))
	}
}

func sectionsText(m bot.Message) string {
	var parts []string
	for _, s := range m.Sections {
		parts = append(parts, s.Text)
	}
	return strings.Join(parts, "\n")
}

// With identity.on_departed remove or suspend, the leaver's seat is
// changed in Zendesk at once, and the owner and the admin channel are
// told once.
func TestLeaversRemovedOrSuspendedByPolicy(t *testing.T) {
	for _, tt := range []struct {
		action, headline string
		check            func(t *testing.T, u zendesk.User)
	}{
		{jobs.LeaversRemove, "Removed the Zendesk seat of someone who left: Tom", func(t *testing.T, u zendesk.User) {
			if u.Role != "end-user" {
				t.Errorf("tom is %s, want end-user", u.Role)
			}
		}},
		{jobs.LeaversSuspend, "Suspended the Zendesk seat of someone who left: Tom", func(t *testing.T, u zendesk.User) {
			if !u.Suspended {
				t.Error("tom is not suspended")
			}
		}},
	} {
		t.Run(tt.action, func(t *testing.T) {
			f, client := leaverOrg(t)
			rv := f.reviews(t, "a")
			rv.OnLeavers, rv.Keys = tt.action, f.store
			job := &jobs.Identity{
				Directory: &directory.Service{Records: f.store, Source: okta.Source{Client: client}, Now: func() time.Time { return f.clock }},
				Raise:     rv.RaiseLeavers,
			}
			// The admin channel cannot be reached on the first run: its
			// notice waits for the next, and the owner's is not repeated.
			f.out.fail[adminChannel] = errors.New("channel_not_found")
			if err := job.Run(t.Context()); err == nil {
				t.Error("a run whose notice failed reported no error")
			}
			delete(f.out.fail, adminChannel)
			for range 2 {
				if err := job.Run(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			u, ok := f.emu.UserByEmail("tom@acme.example")
			if !ok {
				t.Fatal("no tom")
			}
			tt.check(t, u)
			var owner []string
			for _, msgs := range f.out.direct {
				for _, m := range msgs {
					owner = append(owner, m.Headline)
				}
			}
			admins := f.out.channel[adminChannel]
			if len(owner) != 1 || !strings.HasPrefix(owner[0], tt.headline) || len(admins) != 1 || admins[0].Headline != owner[0] {
				t.Errorf("owner heard %q, admins %d messages; want one each: %q", owner, len(admins), tt.headline)
			}
		})
	}
}

// The admin channel hears, once, what someone who left still holds beyond
// seats: a place among the approvers, a live grant.
func TestLeaverReport(t *testing.T) {
	f := newAccessFixture(t)
	f.ask(t, mei, "1h")
	f.run(t)
	emu := oktatest.NewServer(oktatest.WithUsers(
		okta.User{ID: "00u1", Status: okta.StatusActive, Profile: okta.Profile{Email: dana}},
		okta.User{ID: "00u2", Status: okta.StatusSuspended, Profile: okta.Profile{Email: omar, DisplayName: "Omar Haddad"}},
		okta.User{ID: "00u3", Status: okta.StatusDeprovisioned, Profile: okta.Profile{Email: mei, DisplayName: "Mei Tanaka"}},
		okta.User{ID: "00u4", Status: okta.StatusActive, Profile: okta.Profile{Email: "priya@acme.example"}},
	))
	t.Cleanup(emu.Close)
	client, err := okta.New(okta.Config{OrgURL: emu.URL, Token: oktatest.DefaultToken})
	if err != nil {
		t.Fatal(err)
	}
	job := &jobs.Identity{
		Directory: &directory.Service{Records: f.store, Source: okta.Source{Client: client}, Now: func() time.Time { return f.clock }},
		Notifier:  f.chat, AdminChannel: adminChannel, Keys: f.store, Command: "/warden",
		Approvals: f.approvals.Service, Access: f.job.Service,
	}
	before := len(f.chat.parents)
	for range 2 {
		if err := job.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, m := range f.chat.parents[before:] {
		got = append(got, m.Headline+" | "+sectionsText(m))
	}
	if len(got) != 2 {
		t.Fatalf("admin channel heard %d reports, want 2:\n%s", len(got), strings.Join(got, "\n"))
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{"🚪 Omar Haddad left (suspended in Okta) and still holds access", "an approver of every request",
		"🚪 Mei Tanaka left (deactivated in Okta) and still holds access", "*Live access grants:* g-"} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in:\n%s", want, all)
		}
	}
}
