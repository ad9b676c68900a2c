package reviews

import (
	"fmt"
	"strconv"
	"time"
)

// Cadence is how often a review opens: every week for seats, every
// quarter for standing privilege.
type Cadence int

// Cadences.
const (
	Weekly    Cadence = iota // periods are ISO weeks, such as "2026-W47"
	Quarterly                // periods are calendar quarters, such as "2027-Q1"
)

// CadenceOf reports the cadence whose periods are spelt like period.
func CadenceOf(period string) (Cadence, bool) {
	for _, c := range []Cadence{Weekly, Quarterly} {
		if _, ok := c.Start(period, time.UTC); ok {
			return c, true
		}
	}
	return Weekly, false
}

// PeriodOf names the period t falls in, in loc.
func (c Cadence) PeriodOf(t time.Time, loc *time.Location) string {
	t = t.In(orUTC(loc))
	if c == Quarterly {
		return fmt.Sprintf("%04d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
	}
	year, week := t.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", year, week)
}

// Valid reports whether period is a name PeriodOf could return.
func (c Cadence) Valid(period string) bool {
	_, ok := c.Start(period, time.UTC)
	return ok
}

// Start is the first moment of period in loc: a week's Monday 00:00, a
// quarter's first day 00:00.
func (c Cadence) Start(period string, loc *time.Location) (time.Time, bool) {
	loc = orUTC(loc)
	if c == Quarterly {
		// Digits only, at fixed places, as PeriodOf writes them.
		if len(period) != 7 || period[4:6] != "-Q" || !digits(period[:4]) || period[6] < '1' || period[6] > '4' {
			return time.Time{}, false
		}
		year, _ := strconv.Atoi(period[:4])
		if year < 2000 {
			return time.Time{}, false
		}
		return time.Date(year, time.Month(3*int(period[6]-'1')+1), 1, 0, 0, 0, 0, loc), true
	}
	// fmt's scanning would also take signs and spaces ("2026-W+5",
	// "2026-W 5"), names PeriodOf never returns.
	if len(period) != 8 || period[4:6] != "-W" || !digits(period[:4]) || !digits(period[6:]) {
		return time.Time{}, false
	}
	year, _ := strconv.Atoi(period[:4])
	week, _ := strconv.Atoi(period[6:])
	if year < 2000 || week < 1 || week > 53 {
		return time.Time{}, false
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

// step moves t by n periods in calendar terms in loc: seven days of
// another zone are an hour off across a DST change.
func (c Cadence) step(t time.Time, n int) time.Time {
	if c == Quarterly {
		// From the first of the month, so 31 May minus three months is
		// in February, not 3 March.
		y, m, _ := t.Date()
		return time.Date(y, m, 1, 0, 0, 0, 0, t.Location()).AddDate(0, 3*n, 0)
	}
	return t.AddDate(0, 0, 7*n)
}

// answerPeriods is how long a review takes answers: its own period and
// the next, so an escalation a week after the digest still reaches admins
// who can decide. The next review leaves out seats still open in this one.
const answerPeriods = 2

// Deadline is when period's review stops taking answers.
func (c Cadence) Deadline(period string, loc *time.Location) time.Time {
	start, ok := c.Start(period, loc)
	if !ok {
		return time.Time{}
	}
	return c.step(start, answerPeriods)
}

// LivePeriods are the periods whose reviews take answers at now, newest
// first.
func (c Cadence) LivePeriods(now time.Time, loc *time.Location) []string {
	loc = orUTC(loc)
	now = now.In(loc)
	out := make([]string, answerPeriods)
	for i := range out {
		out[i] = c.PeriodOf(c.step(now, -i), loc)
	}
	return out
}

// Lapsed is the period whose review stopped taking answers last: the one
// before the live ones.
func (c Cadence) Lapsed(now time.Time, loc *time.Location) string {
	loc = orUTC(loc)
	return c.PeriodOf(c.step(now.In(loc), -answerPeriods), loc)
}

// Previous is the period before the one starting at start.
func (c Cadence) Previous(start time.Time, loc *time.Location) string {
	loc = orUTC(loc)
	return c.PeriodOf(c.step(start.In(loc), -1), loc)
}

// PeriodOf names the seat review period t falls in: its ISO week in loc,
// such as "2026-W47". Weeks start on Monday, as the default digest
// schedule does.
func PeriodOf(t time.Time, loc *time.Location) string { return Weekly.PeriodOf(t, loc) }

// ValidPeriod reports whether p is a week PeriodOf could return.
func ValidPeriod(p string) bool { return Weekly.Valid(p) }

// PeriodStart is the first moment of period, a week or a quarter, in loc.
func PeriodStart(period string, loc *time.Location) (time.Time, bool) {
	c, _ := CadenceOf(period)
	return c.Start(period, loc)
}

// Deadline is when period's review, weekly or quarterly, stops taking
// answers.
func Deadline(period string, loc *time.Location) time.Time {
	c, _ := CadenceOf(period)
	return c.Deadline(period, loc)
}

// LivePeriods are the weeks whose seat reviews take answers at now,
// newest first.
func LivePeriods(now time.Time, loc *time.Location) []string { return Weekly.LivePeriods(now, loc) }

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
