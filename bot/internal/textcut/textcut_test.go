package textcut

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestTrim: where the mrkdwn cut stops. The Slack and Teams packages test
// trim with their own cases.
func TestTrim(t *testing.T) {
	for _, tt := range []struct {
		in    string
		limit int
		want  string
	}{
		// The floor is half the limit, whatever the cut: a '<' at 4 of a
		// limit of 10 is below it, so the link is cut rather than dropped.
		{"abcd<https://x.example>", 10, "abcd<http…"},
		{"abcde<https://x.example>", 10, "abcde…"},
		// Entities are short ASCII names, as mrkdwn writes them:
		// &thetasym; and &é; are text, and text may be cut.
		{"aaaa &thetasym; b", 8, "aaaa &t…"},
		{"aaaaaaaa R&é;D", 13, "aaaaaaaa R&é…"},
		{"aaaaaaaa &#x1F600;", 13, "aaaaaaaa…"},
		{"abc", 0, "…"},
		{"abc", 3, "abc"},
	} {
		if got := Trim(tt.in, tt.limit, true); got != tt.want {
			t.Errorf("Trim(%q, %d, true) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

// FuzzTrim: a trim fits its limit and is whole characters of the text
// followed by the ellipsis.
func FuzzTrim(f *testing.F) {
	f.Add("see <https://x.example|docs> &amp; more 👍🏽🇩🇪", 12, true)
	f.Add("e\u0301e\u0301e\u0301", 2, false)
	f.Fuzz(func(t *testing.T, s string, limit int, mrkdwn bool) {
		if limit < 1 || limit > 1<<12 {
			return
		}
		got := Trim(s, limit, mrkdwn)
		if got == s {
			return
		}
		if n := utf8.RuneCountInString(got); n > limit {
			t.Fatalf("Trim(%q, %d) = %q: %d characters", s, limit, got, n)
		}
		if !utf8.ValidString(s) {
			return // invalid bytes are read as U+FFFD
		}
		head, ok := strings.CutSuffix(got, ellipsis)
		if !ok || !strings.HasPrefix(s, head) || !utf8.ValidString(head) {
			t.Fatalf("Trim(%q, %d) = %q: not a prefix of whole characters and an ellipsis", s, limit, got)
		}
	})
}
