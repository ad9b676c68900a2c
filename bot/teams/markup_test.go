package teams

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMrkdwn(t *testing.T) {
	tests := []struct{ in, want string }{
		{"*Active:* 3", "**Active:** 3"},
		{"saves *€690/month*.", "saves **€690/month**."},
		{"2 * 3 * 4", "2 \\* 3 \\* 4"},
		{"a*b*c", "a\\*b\\*c"},
		{"*unclosed", "\\*unclosed"},
		{"`/warden seats` or `help`", "/warden seats or help"},
		{"`*not bold*`", "\\`**not bold**\\`"}, // bold is read first, as console.PlainText does
		{"*bold\nnext*", "\\*bold\n\nnext\\*"},
		{"first\nsecond\n\nfourth", "first\n\nsecond\n\n\n\nfourth"},
		{"<https://x.example/?a=1&amp;b=2|docs>", "[docs](https://x.example/?a=1&b=2)"},
		{"<https://x.example>", "[https://x.example](https://x.example)"},
		{"<https://x.example/a_(b) c|the_docs [v2]>", "[the_docs \\[v2\\]](https://x.example/a_%28b%29%20c)"},
		{"*<https://x.example|docs>*", "**[docs](https://x.example)**"},
		{"<mailto:tom@acme.example|tom@acme.example>", "tom@acme.example"},
		{"<mailto:tom@acme.example|Tom>", "[Tom](mailto:tom@acme.example)"},
		{"<mailto:tom@acme.example>", "tom@acme.example"},
		{"<javascript:alert(1)|click>", "click (javascript:alert(1))"},
		{"<@U1> and <@U2|dana> and <@U3|@lee>", "@U1 and @dana and @lee"},
		{"<#C1|support> <#C2>", "#support #C2"},
		{"<!here> <!subteam^S1|@leads> <!date^1392734382^{date}|Feb 18>", "@here @leads Feb 18"},
		{"&lt;!channel&gt; &amp;amp;", "\\<!channel> \\&amp;"},
		{"tom_reilly@acme.example", "tom_reilly@acme.example"},
		{"_italic_ and __init__", "\\_italic\\_ and \\_\\_init\\_\\_"},
		{"⚠ Suspended ✅", "⚠ Suspended ✅"},
		{"*Agent 01* · a@b.example\n➡ Handed to lee", "**Agent 01** · a@b.example\n\n➡ Handed to lee"},
		// Text a person typed is shown as typed: a shortcode is not emoji.
		{":warning: as typed", ":warning: as typed"},
		{"- not a list\n1. nor this\n# nor a heading\n&gt; nor a quote\n---", "\\- not a list\n\n1\\. nor this\n\n\\# nor a heading\n\n\\> nor a quote\n\n\\---"},
		{"    indented", "indented"},
		{"nul\x00 and \x1b escape", "nul and  escape"},
		{"back\\slash [x](y)", "back\\\\slash \\[x\\](y)"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := mrkdwn(tt.in); got != tt.want {
			t.Errorf("mrkdwn(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestPlainMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"*boss*", "\\*boss\\*"},
		{"[x](y)", "\\[x\\](y)"},
		{"R&D <tier 2>", "R&D \\<tier 2>"},
		{"&amp; stays", "\\&amp; stays"},
		{"a_b _c_", "a_b \\_c\\_"},
		{"1) first\n2) second", "1\\) first\n\n2\\) second"},
		{"12345 is a number", "12345 is a number"},
		{":warning: is not translated", ":warning: is not translated"},
	}
	for _, tt := range tests {
		if got := plainMarkdown(tt.in); got != tt.want {
			t.Errorf("plainMarkdown(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestPlainRoundTrip: plain text escaped for a card reads back as typed.
func TestPlainRoundTrip(t *testing.T) {
	for _, s := range plainSamples() {
		want := strings.TrimLeft(clean(s), " \t")
		want = strings.ReplaceAll(want, "\n ", "\n")
		if got := markdownPlain(plainMarkdown(s)); got != strings.TrimSpace(want) {
			t.Errorf("markdownPlain(plainMarkdown(%q)) = %q", s, got)
		}
	}
}

func plainSamples() []string {
	return []string{
		"*boss*", "[x](y)", "[x]", "a\\b", "**", "__init__", "R&D <tier 2> &amp;", "&#8230;", "- item", "1. one",
		"# h", "> q", "---", "a_b", "_a", "b_", "line one\nline two", "👍🏽 🇩🇪", "`code`", "!", "\\*", "a ](b)",
	}
}

func FuzzPlainRoundTrip(f *testing.F) {
	for _, s := range plainSamples() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsAny(s, "\r\t") {
			return
		}
		var lines []string
		for l := range strings.SplitSeq(clean(s), "\n") {
			lines = append(lines, strings.TrimSpace(l))
		}
		want := strings.Join(lines, "\n")
		var got []string
		for l := range strings.SplitSeq(markdownPlain(plainMarkdown(s)), "\n") {
			got = append(got, strings.TrimSpace(l))
		}
		if g := strings.Join(got, "\n"); g != want {
			t.Errorf("markdownPlain(plainMarkdown(%q)) = %q, want %q", s, g, want)
		}
	})
}

func TestTrim(t *testing.T) {
	tests := []struct {
		in     string
		limit  int
		markup bool
		want   string
	}{
		{"short", 10, false, "short"},
		{"exactly ten", 11, false, "exactly ten"},
		{"a longer sentence", 10, false, "a longer…"},
		{"👍🏽👍🏽👍🏽", 4, false, "👍🏽…"},
		{"🇩🇪🇫🇷", 3, false, "🇩🇪…"},
		{"see the docs at <https://x.example|docs> now", 22, true, "see the docs at…"},
		{"R&amp;D and more", 6, true, "R…"},
		{"abc <https://example.com/a/very/long/path|label>", 30, true, "abc <https://example.com/a/ve…"},
	}
	for _, tt := range tests {
		got := trim(tt.in, tt.limit, tt.markup)
		if got != tt.want {
			t.Errorf("trim(%q, %d, %v) = %q, want %q", tt.in, tt.limit, tt.markup, got, tt.want)
		}
		if n := utf8.RuneCountInString(got); n > max(tt.limit, utf8.RuneCountInString(tt.in)) {
			t.Errorf("trim(%q, %d) is %d characters", tt.in, tt.limit, n)
		}
	}
}
