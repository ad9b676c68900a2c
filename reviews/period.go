package reviews

import (
	"fmt"
	"strconv"
	"time"
)

// PeriodOf names the review period t falls in: its ISO week in loc, such
// as "2026-W47". Weeks start on Monday, as the default digest schedule
// does.
func PeriodOf(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	year, week := t.In(loc).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", year, week)
}

// ValidPeriod reports whether p is a period name PeriodOf could return.
func ValidPeriod(p string) bool {
	_, ok := PeriodStart(p, time.UTC)
	return ok
}

// PeriodStart is the Monday 00:00 in loc that starts period.
func PeriodStart(period string, loc *time.Location) (time.Time, bool) {
	// Digits only, at fixed places: fmt's scanning would also take signs
	// and spaces ("2026-W+5", "2026-W 5"), names PeriodOf never returns.
	if len(period) != 8 || period[4:6] != "-W" || !digits(period[:4]) || !digits(period[6:]) {
		return time.Time{}, false
	}
	year, _ := strconv.Atoi(period[:4])
	week, _ := strconv.Atoi(period[6:])
	if year < 2000 || week < 1 || week > 53 {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	// 4 January is always in week 1; its week's Monday starts the year.
	jan4 := time.Date(year, time.January, 4, 0, 0, 0, 0, loc)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	start := monday.AddDate(0, 0, 7*(week-1))
	if y, w := start.ISOWeek(); y != year || w != week {
		return time.Time{}, false // week 53 of a year that has 52
	}
	return start, true
}

// answerWeeks is how long a review takes answers: its own period and the
// next, so an escalation a week after the digest still reaches admins who
// can decide. The next review leaves out seats still open in this one.
const answerWeeks = 2

// Deadline is when period's review stops taking answers.
func Deadline(period string, loc *time.Location) time.Time {
	start, ok := PeriodStart(period, loc)
	if !ok {
		return time.Time{}
	}
	return start.AddDate(0, 0, 7*answerWeeks)
}

// LivePeriods are the periods whose reviews take answers at now, newest
// first.
func LivePeriods(now time.Time, loc *time.Location) []string {
	if loc == nil {
		loc = time.UTC
	}
	// Step back by calendar weeks in loc: seven days of another zone are
	// an hour off across a DST change, and from Monday's first hour would
	// skip last week.
	now = now.In(loc)
	out := make([]string, answerWeeks)
	for i := range out {
		out[i] = PeriodOf(now.AddDate(0, 0, -7*i), loc)
	}
	return out
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
