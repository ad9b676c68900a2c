package editdist

import "testing"

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"snooze_days", "snoze_days", 1},
		{"Tier 2", "Tier 3", 1},
		{"kitten", "sitting", 3},
		{"", "abc", 3},
		{"größe", "grosse", 3}, // ö→o, ß→s, and one more s
	}
	for _, tt := range tests {
		if got := Levenshtein(tt.a, tt.b); got != tt.want {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	commands := []string{"serve", "run-job", "doctor", "demo", "console", "version"}
	tests := []struct {
		typed string
		want  string
		ok    bool
	}{
		{"serv", "serve", true},
		{"doctr", "doctor", true},
		{"run_job", "run-job", true},
		{"demos", "demo", true},
		{"frobnicate", "", false},
		{"", "demo", false}, // four edits from nothing is no typo
	}
	for _, tt := range tests {
		got, ok := Closest(tt.typed, commands)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("Closest(%q) = %q, %v; want %q, %v", tt.typed, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := Closest("serve", nil); ok {
		t.Error("a suggestion from no candidates")
	}
}
