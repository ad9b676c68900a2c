package prompts_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/internal/golden"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
)

// The people of the fixture review.
const (
	dana   = "dana@example.com" // the digest's owner
	ops    = "ops@example.com"  // handed a seat to dana
	lee    = "lee@example.com"  // dana handed a seat to lee
	period = "2026-W47"
)

// berlin is the policy's time zone; the fixture's clock reads Wednesday
// 18 November 2026, 10:42 there, in the review's first week.
var (
	berlin = mustLoad("Europe/Berlin")
	now    = time.Date(2026, 11, 18, 10, 42, 0, 0, berlin)
)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at is a wall-clock time in Berlin in November 2026.
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, berlin)
}

// view is the review as jobs and commands draw it.
func view() prompts.Review {
	return prompts.Review{
		Period:   period,
		Location: berlin,
		Currency: "USD",
		Command:  "/warden",
		Now:      now,
		Deadline: reviews.Deadline(period, berlin),
	}
}

// seat is an agent of Tier 1 on the standard price, inactive for days.
func seat(id int64, name string, days int) reviews.Seat {
	first := strings.ToLower(strings.Fields(name + " x")[0])
	return reviews.Seat{
		UserID:       id,
		Name:         name,
		Email:        first + "@example.com",
		Role:         "agent",
		RoleName:     "Agent",
		Groups:       []string{"Tier 1"},
		LastActivity: now.AddDate(0, 0, -days),
		DaysInactive: days,
		MonthlyCost:  115,
	}
}

// open is a seat dana has not answered for yet.
func open(s reviews.Seat) reviews.Item {
	return reviews.Item{Period: period, Seat: s, Owner: dana, State: reviews.Open}
}

// many is n open seats of dana's, in digest order.
func many(n int) []reviews.Item {
	items := make([]reviews.Item, n)
	for i := range items {
		items[i] = open(seat(int64(1000+i), fmt.Sprintf("Agent %02d", i+1), 30+3*i))
	}
	prompts.Sort(items)
	return items
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

func wantHeadline(t *testing.T, m bot.Message, want string) {
	t.Helper()
	if m.Headline != want {
		t.Errorf("headline = %q, want %q", m.Headline, want)
	}
}

func mustSay(t *testing.T, m bot.Message, want ...string) {
	t.Helper()
	all := text(m)
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("message does not say %q:\n%s", w, all)
		}
	}
}

func mustNotSay(t *testing.T, m bot.Message, unwanted ...string) {
	t.Helper()
	all := text(m)
	for _, w := range unwanted {
		if strings.Contains(all, w) {
			t.Errorf("message says %q:\n%s", w, all)
		}
	}
}

// wantLine asserts that one line of text is exactly want.
func wantLine(t *testing.T, text, want string) {
	t.Helper()
	for l := range strings.SplitSeq(text, "\n") {
		if l == want {
			return
		}
	}
	t.Errorf("no line %q in:\n%s", want, text)
}
