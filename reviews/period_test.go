package reviews_test

import (
	"slices"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/reviews"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	return loc
}

// TestPeriodStartIsMondayMidnightInThePolicyZone: a period starts on its
// ISO week's Monday at 00:00 local time, also when week 1 begins in
// December or the week changes to or from summer time, and a week 53
// exists only in years that have one.
func TestPeriodStartIsMondayMidnightInThePolicyZone(t *testing.T) {
	loc := berlin(t)
	tests := []struct {
		name, period string
		loc          *time.Location
		want         time.Time
	}{
		{"a week in November", "2026-W47", time.UTC, time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)},
		{"week 1 starting in December", "2026-W01", time.UTC, time.Date(2025, 12, 29, 0, 0, 0, 0, time.UTC)},
		{"week 1 starting in January", "2021-W01", time.UTC, time.Date(2021, 1, 4, 0, 0, 0, 0, time.UTC)},
		// 1 January 2026 is a Thursday, so 2026 has 53 ISO weeks.
		{"week 53 of 2026", "2026-W53", time.UTC, time.Date(2026, 12, 28, 0, 0, 0, 0, time.UTC)},
		{"week 53 of a leap year", "2020-W53", time.UTC, time.Date(2020, 12, 28, 0, 0, 0, 0, time.UTC)},
		{"the week summer time starts", "2026-W13", loc, time.Date(2026, 3, 23, 0, 0, 0, 0, loc)},
		{"the week after summer time starts", "2026-W14", loc, time.Date(2026, 3, 30, 0, 0, 0, 0, loc)},
		{"the week summer time ends", "2026-W43", loc, time.Date(2026, 10, 19, 0, 0, 0, 0, loc)},
		{"the week after summer time ends", "2026-W44", loc, time.Date(2026, 10, 26, 0, 0, 0, 0, loc)},
		{"no zone is UTC", "2026-W47", nil, time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := reviews.PeriodStart(tt.period, tt.loc)
			if !ok || !got.Equal(tt.want) {
				t.Fatalf("PeriodStart(%s) = %s, %v; want %s", tt.period, got, ok, tt.want)
			}
			if local := got.In(tt.want.Location()); local.Weekday() != time.Monday || local.Hour() != 0 || local.Minute() != 0 {
				t.Errorf("start %s is not Monday midnight", local)
			}
			if p := reviews.PeriodOf(got, tt.loc); p != tt.period {
				t.Errorf("PeriodOf(start) = %s, want %s", p, tt.period)
			}
			if p := reviews.PeriodOf(got.Add(-time.Nanosecond), tt.loc); p == tt.period {
				t.Errorf("the instant before the start is still in %s", p)
			}
			// The deadline is two calendar weeks on, at Monday midnight
			// local time even when a DST change makes that 335 or 337 hours.
			wantDeadline := time.Date(tt.want.Year(), tt.want.Month(), tt.want.Day()+14, 0, 0, 0, 0, tt.want.Location())
			if d := reviews.Deadline(tt.period, tt.loc); !d.Equal(wantDeadline) {
				t.Errorf("Deadline(%s) = %s, want %s", tt.period, d, wantDeadline)
			}
		})
	}

	// A change of clocks inside a review's two weeks shows in the deadline.
	start, _ := reviews.PeriodStart("2026-W13", loc)
	if d := reviews.Deadline("2026-W13", loc).Sub(start); d != 14*24*time.Hour-time.Hour {
		t.Errorf("W13 in Berlin lasts %s, want 335h (spring forward)", d)
	}
	start, _ = reviews.PeriodStart("2026-W43", loc)
	if d := reviews.Deadline("2026-W43", loc).Sub(start); d != 14*24*time.Hour+time.Hour {
		t.Errorf("W43 in Berlin lasts %s, want 337h (fall back)", d)
	}
}

// TestPeriodNamesPeriodOfNeverReturnsAreRefused: only "YYYY-Www" with
// digits in place, a week the year has, from 2000 on.
func TestPeriodNamesPeriodOfNeverReturnsAreRefused(t *testing.T) {
	for _, bad := range []string{
		"2026-W00", "2026-W5", "26-W05", "2026W05", "1999-W10",
		"2027-W53", "2025-W53", "2026-W54", "2026-w05", "2026_W05",
		"2026-W+5", "2026-W-1", " 2026-W5", "2026-W 5", "+026-W05", "2026-W5 ",
	} {
		if reviews.ValidPeriod(bad) {
			t.Errorf("ValidPeriod(%q) = true", bad)
		}
		if start, ok := reviews.PeriodStart(bad, time.UTC); ok {
			t.Errorf("PeriodStart(%q) = %s, want refused", bad, start)
		}
		if d := reviews.Deadline(bad, time.UTC); !d.IsZero() {
			t.Errorf("Deadline(%q) = %s, want zero", bad, d)
		}
	}
}

// TestLivePeriodsAreThisWeekAndLast: a review takes answers in its own
// week and the next, counted in the policy's zone.
func TestLivePeriodsAreThisWeekAndLast(t *testing.T) {
	loc := berlin(t)
	tests := []struct {
		name string
		now  time.Time
		loc  *time.Location
		want []string
	}{
		{"midweek", now, time.UTC, []string{"2026-W47", "2026-W46"}},
		{"Monday midnight", time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), time.UTC, []string{"2026-W47", "2026-W46"}},
		{"Sunday night", time.Date(2026, 11, 15, 23, 59, 59, 0, time.UTC), time.UTC, []string{"2026-W46", "2026-W45"}},
		{"across new year", time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC), time.UTC, []string{"2026-W01", "2025-W52"}},
		{"after a week 53", time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC), time.UTC, []string{"2027-W01", "2026-W53"}},
		// Monday 00:30 CEST is Sunday 22:30 UTC; seven UTC days earlier is
		// still Sunday in Berlin, two weeks back.
		{"first hour after spring forward", time.Date(2026, 3, 29, 22, 30, 0, 0, time.UTC), loc, []string{"2026-W14", "2026-W13"}},
		{"first hour after fall back", time.Date(2026, 10, 25, 23, 30, 0, 0, time.UTC), loc, []string{"2026-W44", "2026-W43"}},
		{"Sunday night UTC, Monday in Berlin", time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC), loc, []string{"2026-W48", "2026-W47"}},
	}
	for _, tt := range tests {
		if got := reviews.LivePeriods(tt.now, tt.loc); !slices.Equal(got, tt.want) {
			t.Errorf("%s: LivePeriods(%s) = %v, want %v", tt.name, tt.now, got, tt.want)
		}
	}
}
