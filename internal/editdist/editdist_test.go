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
