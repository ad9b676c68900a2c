package markup

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLine(t *testing.T) {
	text := func(s string) Token { return Token{Kind: Text, Text: s} }
	link := func(target, label string) Token { return Token{Kind: Link, Target: target, Label: label} }
	bs, be := Token{Kind: BoldStart}, Token{Kind: BoldEnd}
	cs, ce := Token{Kind: CodeStart}, Token{Kind: CodeEnd}
	tests := []struct {
		in   string
		want []Token
	}{
		{"", nil},
		{"*Active:* 3", []Token{bs, text("Active:"), be, text(" 3")}},
		{"2 * 3 * 4", []Token{text("2 * 3 * 4")}},
		{"a*b*c", []Token{text("a*b*c")}},
		{"*a**b*", []Token{bs, text("a"), be, bs, text("b"), be}},
		{"`/warden seats` or `help`", []Token{cs, text("/warden seats"), ce, text(" or "), cs, text("help"), ce}},
		// Bold first, then code inside each bold span: the backticks here
		// pair across no bold marker, so they stay text.
		{"`*not bold*`", []Token{text("`"), bs, text("not bold"), be, text("`")}},
		{"*see `x`*", []Token{bs, text("see "), cs, text("x"), ce, be}},
		{"<https://x.example/?a=1&amp;b=2|docs &amp; more>", []Token{link("https://x.example/?a=1&b=2", "docs & more")}},
		{"<@U1> and <@U2|dana>", []Token{link("@U1", ""), text(" and "), link("@U2", "dana")}},
		// A link is one piece: its markers are its own, and it touches a
		// marker as a non-word does.
		{"*<https://x.example/*a*|*b*>*", []Token{bs, link("https://x.example/*a*", "*b*"), be}},
		{"<@U1>*a*", []Token{link("@U1", ""), bs, text("a"), be}},
		{"&lt;!channel&gt; &amp;amp;", []Token{text("<!channel> &amp;")}},
		{"⚠ <x|❌> :x:", []Token{text("⚠ "), link("x", "❌"), text(" :x:")}},
		// A NUL in the text is text, not a link.
		{"a\x00<@U1>\x00b", []Token{text("a\x00"), link("@U1", ""), text("\x00b")}},
		{"*a\x00b*", []Token{bs, text("a\x00b"), be}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Line(tt.in)); diff != "" {
			t.Errorf("Line(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestIsEntity(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want bool
	}{
		{"&amp;", 8, true},
		{"&#8230;x", 8, true},
		{"&#x1F600;", 8, true},
		{"& b", 8, false},
		{"&;", 8, false},
		{"&é;", 8, false}, // entity names are ASCII
		{"&thetasym;", 8, false},
		{"&thetasym;", 32, true},
		{"&CounterClockwiseContourIntegral;", 32, true},
		{"&amp", 8, false},
	}
	for _, tt := range tests {
		if got := IsEntity(tt.in, tt.n); got != tt.want {
			t.Errorf("IsEntity(%q, %d) = %v, want %v", tt.in, tt.n, got, tt.want)
		}
	}
}

// FuzzLine: any line reads into balanced spans, with code inside bold and
// never across it, and as many links as it has <…>.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"*a* `b` <https://x|y> &amp; :x:", "`*x*`", "<@U1>*a*", "a\x00<b>\x00", "**`*`**"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bold, code, links := false, false, 0
		for _, tok := range Line(s) {
			switch tok.Kind {
			case BoldStart:
				if bold || code {
					t.Fatalf("Line(%q): bold opens inside a span", s)
				}
				bold = true
			case BoldEnd:
				if !bold || code {
					t.Fatalf("Line(%q): bold closes out of turn", s)
				}
				bold = false
			case CodeStart:
				if code {
					t.Fatalf("Line(%q): code opens inside code", s)
				}
				code = true
			case CodeEnd:
				if !code {
					t.Fatalf("Line(%q): code closes out of turn", s)
				}
				code = false
			case Link:
				links++
			case Text:
				if tok.Text == "" {
					t.Fatalf("Line(%q): empty text", s)
				}
			}
		}
		if bold || code {
			t.Fatalf("Line(%q): a span is left open", s)
		}
		if want := len(linkRe.FindAllString(s, -1)); links != want {
			t.Fatalf("Line(%q): %d links, want %d", s, links, want)
		}
	})
}
