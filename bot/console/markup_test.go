package console

import "testing"

// TestPlainTextReadsLikeCards: the console reads mrkdwn as Teams cards do
// (markup.Line): a link is one piece, and code lies inside bold.
func TestPlainTextReadsLikeCards(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a link's markers are its own", "<https://x.example/*a*|docs>", "docs (https://x.example/*a*)"},
		{"a label is shown as written", "<https://x.example|*docs*>", "*docs* (https://x.example)"},
		{"a mention before bold is no word", "<@U1>*a*", "@U1a"},
		{"a mention before code is no word", "<@U1>`x`", "@U1x"},
		{"code lies inside bold, never across it", "`*not bold*`", "`not bold`"},
		{"a shortcode is read where it is written", "*a:x*:", "a:x:"},
		{"only a link's label shows emoji", "<https://x.example/:x:>", "https://x.example/:x:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
