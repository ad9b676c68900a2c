package teams

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestToast: a banner is cut like every other text the bot shows.
func TestToast(t *testing.T) {
	a := strings.Repeat("a", maxToast-2)
	for in, want := range map[string]string{
		"  Done.  ": "Done.",
		a + "bc":    a + "bc",
		a + "🇩🇪b":   a + "…", // not between a flag's two halves
		a + " bcd":  a + "…", // no space before the ellipsis
	} {
		got, _ := toast(in).Value.(string)
		if got != want {
			t.Errorf("toast(%d characters) ends %q, want %q", utf8.RuneCountInString(in), got[max(0, len(got)-8):], want[max(0, len(want)-8):])
		}
		if n := utf8.RuneCountInString(got); n > maxToast {
			t.Errorf("toast is %d characters, over %d", n, maxToast)
		}
	}
}
