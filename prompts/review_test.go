package prompts_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
)

// The decided seats of the fixture: each is one outcome a digest shows in
// place of the seat's buttons.
func kept() reviews.Item {
	it := open(seat(11, "Kim Kept", 90))
	it.State, it.DecidedBy, it.DecidedAt = reviews.Kept, dana, at(17, 16, 5)
	it.KeepUntil, it.Reason = at(17, 0, 0).AddDate(0, 3, 0), "On parental leave until February"
	return it
}

func snoozed() reviews.Item {
	it := open(seat(12, "Sam Snoozed", 60))
	it.State, it.DecidedBy, it.DecidedAt = reviews.Snoozed, dana, at(18, 9, 15)
	it.KeepUntil = at(16, 0, 0).AddDate(0, 1, 0)
	return it
}

// removed is a seat dana removed, its Zendesk change at status after
// attempts.
func removed(status reviews.ChangeStatus, attempts int, err string) reviews.Item {
	it := open(seat(13, "Rob Removed", 120))
	it.State, it.DecidedBy, it.DecidedAt = reviews.Removed, dana, at(17, 10, 42)
	it.Change = &reviews.Change{Kind: reviews.ChangeDemote, Status: status, Attempts: attempts, Error: err}
	if status == reviews.ChangeDone {
		it.Change.DoneAt = at(17, 10, 43)
	}
	if status == reviews.ChangeFailed {
		it.Note = "Zendesk refused the change: " + err
	}
	return it
}

func downgradedBySystem() reviews.Item {
	it := open(seat(14, "Dora Downgraded", 75))
	it.State, it.DecidedBy, it.DecidedAt = reviews.Downgraded, reviews.System.Email, at(16, 0, 5)
	it.Change = &reviews.Change{Kind: reviews.ChangeLightAgent, RoleID: 11, Status: reviews.ChangeDone, Attempts: 1, DoneAt: at(16, 0, 6)}
	return it
}

func changedMeanwhile() reviews.Item {
	it := open(seat(15, "Carl Changed", 45))
	it.State, it.DecidedBy, it.DecidedAt = reviews.Changed, dana, at(17, 11, 0)
	it.Change = &reviews.Change{Kind: reviews.ChangeDemote, Status: reviews.ChangeSkipped, Attempts: 1}
	it.Note = "logged in on 17 Nov 2026"
	return it
}

func handedToDana() reviews.Item {
	it := open(seat(16, "Nomad", 45))
	it.HandedFrom, it.HandedBy, it.HandedAt = ops, ops, at(17, 15, 10)
	return it
}

func handedAway() reviews.Item {
	it := open(seat(17, "Lana Light", 60))
	it.Owner, it.HandedFrom, it.HandedBy, it.HandedAt = lee, dana, dana, at(18, 9, 30)
	return it
}

func neverLoggedIn() reviews.Item {
	s := seat(18, "Walter Skinner", 40)
	s.NeverLoggedIn = true
	return open(s)
}

func specialist() reviews.Item {
	s := seat(19, "Fox Mulder", 75)
	s.RoleName, s.Groups, s.MonthlyCost = "Tier 3 Specialist", []string{"Tier 2", "Billing"}, 169
	return open(s)
}

// checkDigest states what every digest must hold, whatever it shows: an
// intro, one section per seat of the page, buttons whose values read back
// as the seat, a pager that reads back as the owner's digest, and no raw
// markup from records.
func checkDigest(t *testing.T, m bot.Message, owner string, items []reviews.Item, page int) {
	t.Helper()
	if m.Visibility != bot.Visible {
		t.Errorf("visibility = %v, want visible: a digest is posted for its readers", m.Visibility)
	}
	first := min((page-1)*prompts.DigestPageSize, len(items))
	shown := items[first:min(first+prompts.DigestPageSize, len(items))]
	if len(m.Sections) != 1+len(shown) {
		t.Fatalf("%d sections, want the intro and %d seats", len(m.Sections), len(shown))
	}
	for i, it := range shown {
		sec := m.Sections[1+i]
		buttons := it.State == reviews.Open && it.Owner == owner
		if got := len(sec.Actions) > 0; got != buttons {
			t.Errorf("seat %d has buttons %v, want %v (state %s, owner %s)", it.Seat.UserID, got, buttons, it.State, it.Owner)
		}
		for _, b := range sec.Actions {
			_, p, id, ok := prompts.ParseSeatValue(b.Value)
			if !ok || p != period || id != it.Seat.UserID {
				t.Errorf("button %s value %q reads back as %q %d %v", b.ActionID, b.Value, p, id, ok)
			}
		}
	}
	for _, s := range append(slices.Clone(m.Context), sectionTexts(m)...) {
		if strings.Contains(s, "<") || strings.Contains(strings.NewReplacer("&amp;", "", "&lt;", "", "&gt;", "").Replace(s), "&") {
			t.Errorf("raw markup in %q", s)
		}
		if strings.Contains(s, "by on ") || strings.Contains(s, "by at ") {
			t.Errorf("deadline reads badly: %q", s)
		}
	}
	if m.Pager != nil {
		_, p, o, ok := prompts.ParseDigestToken(m.Pager.Token)
		if !ok || p != period || o != owner || m.Pager.ActionID != prompts.ActionPage {
			t.Errorf("pager %+v does not read back as %s's digest of %s", *m.Pager, owner, period)
		}
	}
}

func sectionTexts(m bot.Message) []string {
	var out []string
	for _, s := range m.Sections {
		out = append(out, s.Text)
	}
	return out
}

// seatLines is the text of the first seat shown.
func seatLines(t *testing.T, m bot.Message) string {
	t.Helper()
	if len(m.Sections) < 2 {
		t.Fatalf("no seat in %+v", m)
	}
	return m.Sections[1].Text
}

// TestDigestOutcomes is how one seat of dana's digest reads in each state
// it can be in. Every message is a golden file.
func TestDigestOutcomes(t *testing.T) {
	markup := seat(20, "<!channel> & co", 31)
	markup.Email = "co@example.com"
	suspended := seat(21, "Bill Suspended", 120)
	suspended.Suspended = true
	tests := []struct {
		name string
		item reviews.Item
		// check states what the golden file must show, so a careless
		// -update cannot bless a wrong answer.
		check func(t *testing.T, m bot.Message)
	}{
		{"open", specialist(), func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Seat review: 1 inactive seat, $169/month")
			sec := m.Sections[1]
			wantLine(t, sec.Text, "*Fox Mulder* · fox@example.com")
			wantLine(t, sec.Text, "Tier 3 Specialist · Tier 2, Billing · last login 4 Sep 2026, 75 days ago · $169/month")
			var ids []string
			for _, b := range sec.Actions {
				ids = append(ids, b.ActionID)
			}
			if want := []string{prompts.ActionKeep, prompts.ActionDowngrade, prompts.ActionRemove, prompts.ActionSnooze, prompts.ActionNotMine}; !slices.Equal(ids, want) {
				t.Errorf("buttons %v, want %v", ids, want)
			}
			if rm := sec.Actions[2]; rm.Style != bot.StyleDanger || rm.Confirm == nil {
				t.Errorf("Remove is %+v, want a danger button that asks first", rm)
			}
			mustSay(t, m, "Review 2026-W47 · 1 of 1 waiting · answer by the end of Sun 29 Nov")
		}},
		{"open and handed to this owner", handedToDana(), func(t *testing.T, m bot.Message) {
			wantLine(t, seatLines(t, m), "Handed to you by ops@example.com on Tue 17 Nov at 15:10")
			mustSay(t, m, "1 of 1 waiting")
		}},
		{"open but handed away", handedAway(), func(t *testing.T, m bot.Message) {
			wantLine(t, seatLines(t, m), "➡ Handed to lee@example.com by dana@example.com at 09:30")
			mustSay(t, m, "Review 2026-W47 · all 1 answered")
		}},
		{"kept with reason and date", kept(), func(t *testing.T, m bot.Message) {
			wantLine(t, seatLines(t, m), "✅ Kept by dana@example.com on Tue 17 Nov at 16:05 until 17 Feb 2027: On parental leave until February")
		}},
		{"snoozed", snoozed(), func(t *testing.T, m bot.Message) {
			wantLine(t, seatLines(t, m), "💤 Snoozed by dana@example.com at 09:15 until 16 Dec 2026")
		}},
		{"removed done", removed(reviews.ChangeDone, 1, ""), func(t *testing.T, m bot.Message) {
			wantLine(t, seatLines(t, m), "➖ Removed by dana@example.com on Tue 17 Nov at 10:42 — saves $115/month")
			mustSay(t, m, "Review 2026-W47 · all 1 answered · saved $115/month")
		}},
		{"removed pending first attempt", removed(reviews.ChangePending, 1, ""), func(t *testing.T, m bot.Message) {
			wantLine(t, seatLines(t, m), "⌛ Removed by dana@example.com on Tue 17 Nov at 10:42 — being carried out in Zendesk")
			mustNotSay(t, m, "saved", "saves")
		}},
		{"removed pending after a failed attempt", removed(reviews.ChangePending, 2, "zendesk: 503 Service Unavailable"), func(t *testing.T, m bot.Message) {
			wantLine(t, seatLines(t, m), "⌛ Removed by dana@example.com on Tue 17 Nov at 10:42 — Zendesk did not take it yet (zendesk: 503 Service Unavailable); retrying")
		}},
		{"removed failed", removed(reviews.ChangeFailed, 5, "zendesk: 403 Forbidden"), func(t *testing.T, m bot.Message) {
			wantLine(t, seatLines(t, m), "❌ Removed by dana@example.com on Tue 17 Nov at 10:42 failed: Zendesk refused the change: zendesk: 403 Forbidden. An admin has been told.")
			mustNotSay(t, m, "saved", "saves")
		}},
		{"downgraded by the bot", downgradedBySystem(), func(t *testing.T, m bot.Message) {
			wantLine(t, seatLines(t, m), "➖ Downgraded by seatwarden (no answer in time) on Mon 16 Nov at 00:05 — saves $115/month")
		}},
		{"changed meanwhile", changedMeanwhile(), func(t *testing.T, m bot.Message) {
			wantLine(t, seatLines(t, m), "ℹ Nothing done: logged in on 17 Nov 2026")
		}},
		{"suspended", open(suspended), func(t *testing.T, m bot.Message) {
			wantLine(t, seatLines(t, m), "⚠ Suspended in Zendesk but still a paid seat")
			if len(m.Sections[1].Actions) != 5 {
				t.Error("a suspended seat still costs money, so it is still asked about")
			}
		}},
		{"never logged in", neverLoggedIn(), func(t *testing.T, m bot.Message) {
			wantLine(t, seatLines(t, m), "Agent · Tier 1 · never logged in (added 9 Oct 2026, 40 days ago) · $115/month")
		}},
		{"markup in a name", open(markup), func(t *testing.T, m bot.Message) {
			wantLine(t, seatLines(t, m), "*&lt;!channel&gt; &amp; co* · co@example.com")
			mustNotSay(t, m, "<!channel>")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := []reviews.Item{tt.item}
			m := view().Digest(prompts.Digest, dana, items, 1)
			checkDigest(t, m, dana, items, 1)
			if m.Pager != nil {
				t.Errorf("pager on a one-seat digest: %+v", *m.Pager)
			}
			tt.check(t, m)
			goldenJSON(t, m)
		})
	}
}

// TestDigestOccasions is one digest of six seats (three waiting for dana,
// one she handed to lee, one kept and one removed) sent on each occasion:
// only the headline, the intro and the small print change.
func TestDigestOccasions(t *testing.T) {
	items := []reviews.Item{specialist(), neverLoggedIn(), handedToDana(), handedAway(), kept(), removed(reviews.ChangeDone, 1, "")}
	prompts.Sort(items)
	const progress = "Review 2026-W47 · 3 of 6 waiting · answer by the end of Sun 29 Nov · saved $115/month"
	tests := []struct {
		name  string
		occ   prompts.Occasion
		check func(t *testing.T, m bot.Message)
	}{
		{"digest", prompts.Digest, func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Seat review: 6 inactive seats, $744/month")
			mustSay(t, m, "These paid Zendesk seats have had no login for a while and you answer for them.")
		}},
		{"handed", prompts.Handed, func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Seats handed to you for review: 3 waiting, $399/month")
		}},
		{"reminder", prompts.Reminder, func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Reminder: 3 seats still waiting for you, $399/month")
			mustSay(t, m, "These paid Zendesk seats are still waiting for your answer.")
		}},
		{"escalation", prompts.Escalation, func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "No answer from dana@example.com: 3 seats, $399/month")
			mustSay(t, m, "dana@example.com did not answer for these paid seats. Admins can decide here; each choice is carried out in Zendesk and shows in dana@example.com's digest too.")
		}},
		{"warning", prompts.Warning, func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Last call: 3 seats will be downgraded on Mon 30 Nov")
			mustSay(t, m, "Nobody has answered for 3 seats. Unless you choose by the end of Sun 29 Nov, the policy downgrades them.")
		}},
		{"leavers", prompts.Leavers, func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "Still paid for people who left: 3 seats, $399/month")
			mustSay(t, m, "The company directory says the people marked 🚪 left, but their paid Zendesk seats are still paid, and you answer for them.",
				"🚪 Left the company: deactivated in Okta on 16 Nov 2026 · Remove is recommended")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := items
			if tt.occ == prompts.Leavers {
				items = slices.Clone(items)
				for i := range items {
					if items[i].Seat.Name == "Fox Mulder" {
						items[i].Left = &reviews.Left{Source: "okta", Status: "deactivated", At: at(16, 17, 30)}
					}
				}
			}
			m := view().Digest(tt.occ, dana, items, 1)
			checkDigest(t, m, dana, items, 1)
			if len(m.Context) != 1 || m.Context[0] != progress {
				t.Errorf("context = %q, want [%q]", m.Context, progress)
			}
			tt.check(t, m)
			goldenJSON(t, m)
		})
	}
}

// TestDigestPages is a digest of 25 seats: three pages of ten, the pager
// naming dana's digest, and a page beyond the end showing the last.
func TestDigestPages(t *testing.T) {
	items := many(25)
	tests := []struct {
		name       string
		page, want int
		first      string
	}{
		{"page 1", 1, 1, "*Agent 25*"},
		{"page 3", 3, 3, "*Agent 05*"},
		{"beyond the end shows the last page", 9, 3, "*Agent 05*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := view().Digest(prompts.Digest, dana, items, tt.page)
			checkDigest(t, m, dana, items, tt.want)
			want := bot.Pager{Page: tt.want, Pages: 3, ActionID: prompts.ActionPage, Token: prompts.DigestToken("", period, dana)}
			if m.Pager == nil || *m.Pager != want {
				t.Errorf("pager = %+v, want %+v", m.Pager, want)
			}
			if !strings.HasPrefix(m.Sections[1].Text, tt.first+" ·") {
				t.Errorf("page starts with %q, want %s", m.Sections[1].Text, tt.first)
			}
			wantHeadline(t, m, "Seat review: 25 inactive seats, $2,875/month")
			goldenJSON(t, m)
		})
	}
}

// TestDigestPageBounds: a page below 1 shows the first, and an empty
// digest still draws (no pager, nothing to page).
func TestDigestPageBounds(t *testing.T) {
	items := many(25)
	for _, page := range []int{0, -1, -1 << 62} {
		if m := view().Digest(prompts.Digest, dana, items, page); m.Pager == nil || m.Pager.Page != 1 {
			t.Errorf("page %d: pager %+v, want page 1", page, m.Pager)
		}
	}
	for _, page := range []int{1 << 62, 4} {
		if m := view().Digest(prompts.Digest, dana, items, page); m.Pager == nil || m.Pager.Page != 3 {
			t.Errorf("page %d: pager %+v, want page 3", page, m.Pager)
		}
	}
	m := view().Digest(prompts.Digest, dana, nil, 2)
	if m.Pager != nil || len(m.Sections) != 1 {
		t.Errorf("empty digest: %+v", m)
	}
	// Exactly one page's worth has no pager.
	if m := view().Digest(prompts.Digest, dana, many(prompts.DigestPageSize), 1); m.Pager != nil {
		t.Errorf("one full page has a pager: %+v", *m.Pager)
	}
}

// TestDeadlineToday: a deadline later today reads "by 17:00 today", never
// "by at 17:00".
func TestDeadlineToday(t *testing.T) {
	r := view()
	r.Deadline = at(18, 17, 0)
	m := r.Digest(prompts.Warning, dana, []reviews.Item{specialist()}, 1)
	mustSay(t, m, "Unless you choose by 17:00 today, the policy downgrades it.", "answer by 17:00 today")
	mustNotSay(t, m, "by at", "by on")
}

// TestSort: most inactive first; ties by name, ignoring case, then by id,
// so a page shows the same seats however the items were listed.
func TestSort(t *testing.T) {
	want := []reviews.Item{
		open(seat(1, "Zed", 90)),
		open(seat(2, "alice", 30)),
		open(seat(9, "Alice", 30)),
		open(seat(3, "bob", 30)),
		open(seat(4, "Carla", 30)),
		open(seat(5, "", 10)),
	}
	ids := func(items []reviews.Item) []int64 {
		var out []int64
		for _, it := range items {
			out = append(out, it.Seat.UserID)
		}
		return out
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		got := slices.Clone(want)
		rng.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		prompts.Sort(got)
		if !slices.Equal(ids(got), ids(want)) {
			t.Fatalf("sorted ids %v, want %v", ids(got), ids(want))
		}
	}
}

func TestPageOf(t *testing.T) {
	items := many(25)
	tests := []struct {
		name   string
		userID int64
		want   int
	}{
		{"first seat", items[0].Seat.UserID, 1},
		{"last of page 1", items[9].Seat.UserID, 1},
		{"first of page 2", items[10].Seat.UserID, 2},
		{"last seat", items[24].Seat.UserID, 3},
		{"not in the digest", 42, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := prompts.PageOf(items, tt.userID); got != tt.want {
				t.Errorf("PageOf(%d) = %d, want %d", tt.userID, got, tt.want)
			}
		})
	}
	if got := prompts.PageOf(nil, 1); got != 1 {
		t.Errorf("PageOf(empty) = %d, want 1", got)
	}
}

// TestOwnerItems: an owner's digest holds the seats they answer for,
// decided or not, and the seats they handed on that are still open (shown
// as handed); not seats they handed on that were since decided, nor other
// owners' seats.
func TestOwnerItems(t *testing.T) {
	handedAwayKept := handedAway()
	handedAwayKept.Seat = seat(30, "Hank Handed", 200)
	handedAwayKept.State, handedAwayKept.DecidedBy, handedAwayKept.DecidedAt = reviews.Kept, lee, at(18, 10, 0)
	opsOwn := open(seat(31, "Olga Ops", 300))
	opsOwn.Owner = ops
	handedToOps := open(seat(32, "Otto", 300))
	handedToOps.Owner, handedToOps.HandedFrom, handedToOps.HandedBy = ops, lee, lee

	all := []reviews.Item{opsOwn, kept(), handedAwayKept, specialist(), handedToOps, handedAway(), handedToDana()}
	before := slices.Clone(all)
	got := prompts.OwnerItems(all, dana)
	var names []string
	for _, it := range got {
		names = append(names, it.Seat.Name)
	}
	if want := []string{"Kim Kept", "Fox Mulder", "Lana Light", "Nomad"}; !slices.Equal(names, want) {
		t.Errorf("dana's digest = %q, want %q", names, want)
	}
	if !slices.EqualFunc(all, before, func(a, b reviews.Item) bool { return a.Seat.UserID == b.Seat.UserID }) {
		t.Error("OwnerItems reordered its input")
	}
	if got := prompts.OwnerItems(all, "nobody@example.com"); len(got) != 0 {
		t.Errorf("a stranger's digest holds %d seats", len(got))
	}
	// Every owner's digest at once is each owner's digest.
	byOwner := prompts.DigestsByOwner(all)
	for _, owner := range []string{dana, lee, ops} {
		want, got := prompts.OwnerItems(all, owner), byOwner[owner]
		if !slices.EqualFunc(want, got, func(a, b reviews.Item) bool { return a.Seat.UserID == b.Seat.UserID }) {
			t.Errorf("%s: DigestsByOwner has %d seats, OwnerItems %d", owner, len(got), len(want))
		}
	}
}

// BenchmarkDigestsByOwner splits a 200,000-seat review among 2,000
// owners, as the digest's delivery does.
func BenchmarkDigestsByOwner(b *testing.B) {
	items := many(200_000)
	for i := range items {
		items[i].Owner = fmt.Sprintf("owner%04d@example.com", i%2_000)
	}
	b.ReportAllocs()
	for b.Loop() {
		if got := prompts.DigestsByOwner(items); len(got) != 2_000 {
			b.Fatalf("%d owners", len(got))
		}
	}
}

// BenchmarkDigest30 draws the first page of a 30-seat digest, as a click
// on any of its buttons redraws it.
func BenchmarkDigest30(b *testing.B) {
	items := many(30)
	r := view()
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Digest(prompts.Digest, dana, items, 1)
	}
}

// TestCopilotDigest is a digest of GitHub Copilot seats: GitHub's words,
// no Downgrade (a Copilot seat has no cheaper kind), and buttons that name
// GitHub's review.
func TestCopilotDigest(t *testing.T) {
	idle := open(seat(21, "jberg", 200))
	idle.Seat.Connector, idle.Seat.RoleName, idle.Seat.MonthlyCost = "github", "Member", 19
	never := open(seat(22, "aisha-b", 60))
	never.Seat.Connector, never.Seat.RoleName, never.Seat.NeverLoggedIn, never.Seat.MonthlyCost = "github", "Member", true, 19
	items := []reviews.Item{idle, never}
	prompts.Sort(items)
	v := view()
	v.SaaS = "github"
	m := v.Digest(prompts.Digest, dana, items, 1)
	checkDigest(t, m, dana, items, 1)
	wantHeadline(t, m, "Copilot seat review: 2 inactive seats, $38/month")
	mustSay(t, m, "These Copilot seats have had no Copilot activity for a while and you answer for them. For each, choose *Keep* (with a reason and a date to ask again), *Remove* (frees the paid seat in GitHub), *Snooze*, or *Not mine*")
	for _, sec := range m.Sections[1:] {
		for _, b := range sec.Actions {
			if b.ActionID == prompts.ActionDowngrade {
				t.Errorf("a Copilot seat offers Downgrade")
			}
			if saas, _, _, _ := prompts.ParseSeatValue(b.Value); saas != "github" {
				t.Errorf("button %s names %q's review, want github's", b.ActionID, saas)
			}
		}
	}
	if s := sectionTexts(m); !strings.Contains(s[1], "last Copilot activity") || !strings.Contains(s[2], "never used Copilot") {
		t.Errorf("seat lines:\n%s\n%s", s[1], s[2])
	}
	goldenJSON(t, m)
}

// TestDigestAcrossSaaS: one owner's digest holding seats of Zendesk and
// GitHub says it spans both, names each seat's SaaS, speaks of each in
// its own words, offers Downgrade only where there is a cheaper seat, and
// pages under the owner's one digest.
func TestDigestAcrossSaaS(t *testing.T) {
	agent := open(seat(11, "Mei Tanaka", 95))
	copilot := open(seat(21, "jberg", 200))
	copilot.Seat.Connector, copilot.Seat.RoleName, copilot.Seat.MonthlyCost = "github", "Member", 19
	items := []reviews.Item{agent, copilot}
	prompts.Sort(items)
	m := view().Digest(prompts.Digest, dana, items, 1)
	checkDigest(t, m, dana, items, 1)
	wantHeadline(t, m, "Seat review: 2 inactive seats across Zendesk and GitHub, $134/month")
	mustSay(t, m, "You answer for these paid Zendesk seats that have had no login for a while and Copilot seats that have had no Copilot activity for a while.",
		"*Downgrade* (Zendesk)", "each line says which SaaS the seat is in")
	s := sectionTexts(m)
	if !strings.Contains(s[1], "*GitHub* · Member") || !strings.Contains(s[1], "last Copilot activity") {
		t.Errorf("the Copilot seat's line: %s", s[1])
	}
	if !strings.Contains(s[2], "*Zendesk* ·") || !strings.Contains(s[2], "last login") {
		t.Errorf("the Zendesk seat's line: %s", s[2])
	}
	for i, sec := range m.Sections[1:] {
		downgrade := slices.ContainsFunc(sec.Actions, func(b bot.Button) bool { return b.ActionID == prompts.ActionDowngrade })
		if want := items[i].Seat.Connector != "github"; downgrade != want {
			t.Errorf("%s offers Downgrade: %v, want %v", items[i].Seat.Name, downgrade, want)
		}
	}
	goldenJSON(t, m)
}
