package access

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// DurationExamples is what every duration error offers instead.
const DurationExamples = "minutes, hours or days, such as 30m, 2h, 1h30m or 1d"

// ParseDuration reads how long a grant lasts, as people write it in chat:
// Go's form (30m, 2h, 1h30m), a number and a unit word ("45 minutes",
// "2 hours", "1 day"), or days ("1d"). Anything else, "2 weeks"
// included, is an error that says which units work. Bounds are the
// policy's, checked by Policy.CheckDuration.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	if in == "" {
		return 0, fmt.Errorf("no duration given: use %s", DurationExamples)
	}
	if d, err := time.ParseDuration(in); err == nil {
		return checkSign(s, d)
	}
	if d, ok := parseWords(in); ok {
		return checkSign(s, d)
	}
	return 0, fmt.Errorf("%q is not a duration: use %s", clip(s, 40), DurationExamples)
}

func checkSign(s string, d time.Duration) (time.Duration, error) {
	if d <= 0 {
		return 0, fmt.Errorf("%q is not a length of time: use %s", clip(s, 40), DurationExamples)
	}
	return d, nil
}

// units are the words (and letters) a duration may use besides Go's.
var units = map[string]time.Duration{
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
}

// parseWords reads one or more "number unit" pairs: "1d", "2 hours",
// "1 hour 30 minutes", "1d 4h".
func parseWords(s string) (time.Duration, bool) {
	var total time.Duration
	fields := splitNumberUnits(s)
	if len(fields) == 0 || len(fields)%2 != 0 {
		return 0, false
	}
	for i := 0; i < len(fields); i += 2 {
		n, err := strconv.ParseFloat(fields[i], 64)
		unit, ok := units[fields[i+1]]
		if err != nil || !ok || n < 0 || n > 10_000 {
			return 0, false
		}
		total += time.Duration(n * float64(unit))
	}
	return total, true
}

// splitNumberUnits splits "1h 30 minutes" into ["1","h","30","minutes"].
func splitNumberUnits(s string) []string {
	var out []string
	var cur strings.Builder
	digit := false
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == ',':
			flush()
		case unicode.IsDigit(r) || r == '.':
			if !digit {
				flush()
			}
			digit = true
			cur.WriteRune(r)
		default:
			if digit {
				flush()
			}
			digit = false
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

// Format writes d as a person reads it: "45 minutes", "2 hours",
// "1 hour 30 minutes", "3 days".
func Format(d time.Duration) string {
	if d < time.Minute {
		return "less than a minute"
	}
	d = d.Round(time.Minute)
	days, d := d/(24*time.Hour), d%(24*time.Hour)
	hours, d := d/time.Hour, d%time.Hour
	mins := d / time.Minute
	var parts []string
	for _, p := range []struct {
		n    time.Duration
		unit string
	}{{days, "day"}, {hours, "hour"}, {mins, "minute"}} {
		if p.n == 0 {
			continue
		}
		word := p.unit
		if p.n != 1 {
			word += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s", p.n, word))
	}
	return strings.Join(parts, " ")
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
