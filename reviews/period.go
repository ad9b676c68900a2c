package reviews

import (
	"fmt"
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
	var year, week int
	if n, err := fmt.Sscanf(p, "%4d-W%2d", &year, &week); err != nil || n != 2 {
		return false
	}
	return len(p) == 8 && year >= 2000 && week >= 1 && week <= 53
}
