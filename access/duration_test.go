package access_test

import (
	"strings"
	"testing"
	"time"

	"github.com/seatwarden/seatwarden/access"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"30m", 30 * time.Minute},
		{"2h", 2 * time.Hour},
		{"1h30m", 90 * time.Minute},
		{"1d", 24 * time.Hour},
		{"45 minutes", 45 * time.Minute},
		{"2 hours", 2 * time.Hour},
		{"1 hour 30 minutes", 90 * time.Minute},
		{"1.5h", 90 * time.Minute},
		{"1 day", 24 * time.Hour},
		{" 4H ", 4 * time.Hour},
		{"1d 4h", 28 * time.Hour},
		{"90 mins", 90 * time.Minute},
	}
	for _, tt := range tests {
		got, err := access.ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseDurationRefusesWithTheUnitsThatWork(t *testing.T) {
	for _, in := range []string{"", "2 weeks", "0", "0m", "-1h", "forever", "h", "30", "1 fortnight", "1e9h", "3 hours ago"} {
		_, err := access.ParseDuration(in)
		if err == nil {
			t.Errorf("ParseDuration(%q) succeeded", in)
			continue
		}
		if !strings.Contains(err.Error(), access.DurationExamples) {
			t.Errorf("ParseDuration(%q): %v; want it to say %q", in, err, access.DurationExamples)
		}
	}
}

func TestFormat(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second:              "less than a minute",
		time.Minute:                   "1 minute",
		45 * time.Minute:              "45 minutes",
		2 * time.Hour:                 "2 hours",
		90 * time.Minute:              "1 hour 30 minutes",
		49*time.Hour + 59*time.Second: "2 days 1 hour 1 minute",
	} {
		if got := access.Format(d); got != want {
			t.Errorf("Format(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestPolicyBounds(t *testing.T) {
	p := access.Policy{Roles: map[string]access.RolePolicy{"Admin": {MaxDuration: 2 * time.Hour}, "Tier 3 Specialist": {}}}.WithDefaults()
	tests := []struct {
		role string
		d    time.Duration
		want string // "" for allowed
	}{
		{"admin", time.Hour, ""},
		{"ADMIN", 2 * time.Hour, ""},
		{"tier 3 specialist", 4 * time.Hour, ""},
		{"admin", 10 * time.Minute, "10 minutes is shorter than the shortest grant, 15 minutes; ask for 15 minutes or more"},
		{"admin", 3 * time.Hour, "3 hours is longer than admin may be held, 2 hours; ask for 2 hours or less"},
		{"tier 3 specialist", 5 * time.Hour, "longer than tier 3 specialist may be held, 4 hours"},
		{"owner", time.Hour, `"owner" is not a role you can ask for; grantable: admin, tier 3 specialist`},
		{"", time.Hour, "name a role to ask for: admin, tier 3 specialist"},
	}
	for _, tt := range tests {
		err := p.CheckDuration(tt.role, tt.d)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckDuration(%q, %v): %v", tt.role, tt.d, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckDuration(%q, %v) = %v; want %q", tt.role, tt.d, err, tt.want)
		}
	}
	if r, _ := p.Grantable("admin"); !r.HighRisk {
		t.Error("admin is not high risk")
	}
}

// FuzzParseDuration: any input gives a positive duration or an error
// naming the units that work, never a panic.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"30m", "2 hours", "1d 4h", "2 weeks", "", "-1h", "1.5h", "9999999999d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := access.ParseDuration(s)
		if err == nil && d <= 0 {
			t.Fatalf("ParseDuration(%q) = %v with no error", s, d)
		}
		if err != nil && !strings.Contains(err.Error(), access.DurationExamples) {
			t.Fatalf("ParseDuration(%q): %v does not say which units work", s, err)
		}
	})
}
