package prompts_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
)

// input is the form's input id, failing the test without it.
func input(t *testing.T, f bot.Form, id string) bot.Input {
	t.Helper()
	for _, in := range f.Inputs {
		if in.ID == id {
			return in
		}
	}
	t.Fatalf("form %s has no input %s: %+v", f.ID, id, f.Inputs)
	return bot.Input{}
}

// TestKeepForm: Keep asks why and until when; the date starts 90 days out,
// or at the policy's maximum when that is sooner.
func TestKeepForm(t *testing.T) {
	nameless := specialist()
	nameless.Seat.Name = ""
	tests := []struct {
		name        string
		item        reviews.Item
		maxDays     int
		initial     string
		hint, label string
	}{
		{"default 90 days", specialist(), 365, "2027-02-16", "At most 365 days from today (2027-11-18)", "Why does Fox Mulder keep a paid seat?"},
		{"keep_max_days 30 clamps the date", specialist(), 30, "2026-12-18", "At most 30 days from today (2026-12-18)", "Why does Fox Mulder keep a paid seat?"},
		{"no name falls back to the email", nameless, 90, "2027-02-16", "At most 90 days from today (2027-02-16)", "Why does fox@example.com keep a paid seat?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := view().KeepForm(tt.item, tt.maxDays)
			if f.ID != prompts.FormKeep || f.RecordID != prompts.SeatValue(tt.item.Seat.Connector, period, tt.item.Seat.UserID) {
				t.Errorf("form %q about %q, want %q about this seat", f.ID, f.RecordID, prompts.FormKeep)
			}
			reason, until := input(t, f, prompts.InputReason), input(t, f, prompts.InputKeepUntil)
			if reason.Label != tt.label || !reason.Required || reason.Kind != bot.InputMultiline {
				t.Errorf("reason = %+v, want a required multiline input labelled %q", reason, tt.label)
			}
			if until.Initial != tt.initial || until.Hint != tt.hint || until.Kind != bot.InputDate || !until.Required {
				t.Errorf("keep_until = %+v, want a required date from %s with hint %q", until, tt.initial, tt.hint)
			}
			goldenJSON(t, f)
		})
	}
}

// TestKeepFormDateIsLocal: near midnight the dates follow the policy's
// time zone, not UTC's.
func TestKeepFormDateIsLocal(t *testing.T) {
	r := view()
	r.Now = time.Date(2026, 11, 18, 23, 30, 0, 0, time.UTC) // 00:30 on the 19th in Berlin
	if got := input(t, r.KeepForm(specialist(), 30), prompts.InputKeepUntil).Initial; got != "2026-12-19" {
		t.Errorf("initial = %s, want 2026-12-19", got)
	}
}

// TestNotMineForm: Not mine asks for the email of whoever answers
// instead; a long name is clipped to keep the label within bounds.
func TestNotMineForm(t *testing.T) {
	long := specialist()
	long.Seat.Name = "Maximiliane Ågnes " + strings.Repeat("Überlänge-", 9)[:72]
	long.Seat.Name += strings.Repeat("x", 100-utf8.RuneCountInString(long.Seat.Name))
	if n := utf8.RuneCountInString(long.Seat.Name); n != 100 {
		t.Fatalf("fixture name has %d characters, want 100", n)
	}
	tests := []struct {
		name  string
		item  reviews.Item
		label string
	}{
		{"short name", specialist(), "Who answers for Fox Mulder?"},
		{"100-character name is clipped", long, "Who answers for " + string([]rune(long.Seat.Name)[:59]) + "…?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := view().NotMineForm(tt.item)
			if f.ID != prompts.FormNotMine || f.RecordID != prompts.SeatValue(tt.item.Seat.Connector, period, tt.item.Seat.UserID) {
				t.Errorf("form %q about %q", f.ID, f.RecordID)
			}
			in := input(t, f, prompts.InputNewOwner)
			if in.Label != tt.label || !in.Required || in.MaxLength != 254 {
				t.Errorf("new_owner = %+v, want a required input labelled %q taking an email", in, tt.label)
			}
			goldenJSON(t, f)
		})
	}
}

// TestFailedChanges: the admin channel hears of each change Zendesk would
// not make, who decided it and Zendesk's last error.
func TestFailedChanges(t *testing.T) {
	failed := removed(reviews.ChangeFailed, 5, "zendesk: 403 Forbidden")
	bySystem := downgradedBySystem()
	bySystem.Change.Status, bySystem.Change.Attempts, bySystem.Change.Error = reviews.ChangeFailed, 1, "zendesk: 422 role <Light Agent> & co not found"
	tests := []struct {
		name  string
		items []reviews.Item
		check func(t *testing.T, m bot.Message)
	}{
		{"one", []reviews.Item{failed}, func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "1 seat change could not be carried out in Zendesk")
			wantLine(t, m.Sections[0].Text, "*Rob Removed* · rob@example.com: dana@example.com decided to remove it on Tue 17 Nov at 10:42; after 5 attempts: zendesk: 403 Forbidden")
		}},
		{"two, one decided by the bot", []reviews.Item{failed, bySystem}, func(t *testing.T, m bot.Message) {
			wantHeadline(t, m, "2 seat changes could not be carried out in Zendesk")
			wantLine(t, m.Sections[1].Text, "*Dora Downgraded* · dora@example.com: seatwarden decided to downgrade it on Mon 16 Nov at 00:05; after 1 attempt: zendesk: 422 role &lt;Light Agent&gt; &amp; co not found")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := view().FailedChanges(tt.items)
			if m.Visibility != bot.Visible || len(m.Sections) != len(tt.items) {
				t.Errorf("want a visible message with a section per change: %+v", m)
			}
			mustSay(t, m, "Make the change in Zendesk's Admin Center, or check the API credentials' rights. Review 2026-W47.")
			tt.check(t, m)
			goldenJSON(t, m)
		})
	}
}

// TestSummary is the reply to `review`.
func TestSummary(t *testing.T) {
	opened := at(16, 9, 0)
	busy := reviews.Summary{
		Period: period, Asked: 60, Open: 0, Kept: 9, Downgraded: 4, Removed: 12, Snoozed: 3, Handed: 2,
		Changed: 1, Pending: 2, Failed: 1, Saved: 1265, Waiting: map[string]int{},
	}
	// Twelve owners still owe answers: one without an owner, two tied.
	for i, n := range []int{1, 2, 3, 3, 4, 1, 2, 5, 1, 2, 6} {
		busy.Waiting[fmt.Sprintf("owner%02d@example.com", i+1)] = n
		busy.Open += n
	}
	busy.Waiting[""] = 1
	busy.Open++

	tests := []struct {
		name   string
		sum    reviews.Summary
		opened time.Time
		check  func(t *testing.T, m bot.Message)
	}{
		{"empty, never opened", reviews.Summary{Period: period}, time.Time{}, func(t *testing.T, m bot.Message) {
			mustSay(t, m, "This review has not opened yet. It opens when the inactive-digest job runs (Mondays 09:00 by default), or now with `seatwarden run-job inactive-digest`.")
		}},
		{"empty, opened", reviews.Summary{Period: period, Waiting: map[string]int{}}, opened, func(t *testing.T, m bot.Message) {
			mustSay(t, m, "No seats were asked about in this review.")
		}},
		{"busy", busy, opened, func(t *testing.T, m bot.Message) {
			if len(m.Sections) != 2 {
				t.Fatalf("want counts and the waiting owners: %+v", m.Sections)
			}
			for _, f := range []bot.Field{{Label: "Asked", Value: "60"}, {Label: "Waiting", Value: "31"}, {Label: "Saved", Value: "$1,265/month"}} {
				if !containsField(m.Sections[0].Fields, f) {
					t.Errorf("no field %+v in %+v", f, m.Sections[0].Fields)
				}
			}
			want := "*Waiting for*\nowner11@example.com: 6\nowner08@example.com: 5\nowner05@example.com: 4\nowner03@example.com: 3\nowner04@example.com: 3\n" +
				"owner02@example.com: 2\nowner07@example.com: 2\nowner10@example.com: 2\n(no owner): 1\nowner01@example.com: 1\n…and 2 more"
			if got := m.Sections[1].Text; got != want {
				t.Errorf("waiting =\n%s\nwant\n%s", got, want)
			}
			mustSay(t, m, "Opened on Mon 16 Nov at 09:00; answers are taken until the end of Sun 29 Nov. Saved counts only seats Zendesk confirmed freed.")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := view().Summary(tt.sum, tt.opened)
			wantHeadline(t, m, "Seat review 2026-W47")
			if m.Visibility != bot.Ephemeral {
				t.Errorf("visibility = %v, want ephemeral: the answer is for the asker", m.Visibility)
			}
			tt.check(t, m)
			goldenJSON(t, m)
		})
	}
}

func containsField(fs []bot.Field, f bot.Field) bool {
	for _, g := range fs {
		if g == f {
			return true
		}
	}
	return false
}
