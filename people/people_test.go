package people

import (
	"errors"
	"strings"
	"testing"
)

func TestParseEmail(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"dana@example.com", "dana@example.com", true},
		{"  Dana@Example.COM ", "dana@example.com", true},
		{"dana+seats@example.co.uk", "dana+seats@example.co.uk", true},
		{"", "", false},
		{"   ", "", false},
		{"dana", "", false},
		{"Dana <dana@example.com>", "", false},
		{"<dana@example.com>", "", false},
		{"dana@example.com, omar@example.com", "", false},
		{"dana@@example.com", "", false},
		{strings.Repeat("a", 243) + "@example.com", "", false}, // 255 characters
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".com", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".com", true}, // 254: the limit
	}
	for _, tt := range tests {
		got, err := ParseEmail(tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("ParseEmail(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrNotEmail) {
			t.Errorf("ParseEmail(%q) error %v is not ErrNotEmail", tt.in, err)
		}
	}
}

func TestSame(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"dana@example.com", "DANA@example.com ", true},
		{"dana@example.com", "omar@example.com", false},
		{"", "", false},
		{" ", "", false},
	}
	for _, tt := range tests {
		if got := Same(tt.a, tt.b); got != tt.want {
			t.Errorf("Same(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
