package commands

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		text    string
		want    []string
		wantErr string
	}{
		{"", nil, ""},
		{"   \t\n ", nil, ""},
		{"seats", []string{"seats"}, ""},
		{"  seats   inactive\t60 ", []string{"seats", "inactive", "60"}, ""},
		{"seats\u00a0inactive", []string{"seats", "inactive"}, ""}, // no-break space, as some clients send
		{`seats group "Tier 2"`, []string{"seats", "group", "Tier 2"}, ""},
		{`seats group “Tier 2”`, []string{"seats", "group", "Tier 2"}, ""},
		{`seats group „Tier 2“`, []string{"seats", "group", "Tier 2"}, ""},
		{`seats group "R&D <Labs>" `, []string{"seats", "group", "R&D <Labs>"}, ""},
		{`say "it's “fine”"`, []string{"say", `it's “fine”`}, ""},
		{`O"Brien 5"`, []string{`O"Brien`, `5"`}, ""}, // quotes inside a word are literal
		{`seats "Tier 2`, nil, "a quote is not closed"},
		{`seats "Tier 2"x`, nil, "a closing quote must be followed by a space"},
		{`seats ""`, nil, "empty quotes"},
		{strings.Repeat("a ", MaxWords), slicesRepeat("a", MaxWords), ""},
		{strings.Repeat("a ", MaxWords+1), nil, "the command has too many words (64 at most)"},
		{strings.Repeat("x", MaxTextBytes+1), nil, "the command is too long (4000 characters at most)"},
		{"\xff\xfe seats", []string{"\xff\xfe", "seats"}, ""}, // invalid UTF-8 is kept, never a panic
	}
	for _, tt := range tests {
		got, err := Parse(tt.text)
		if tt.wantErr != "" {
			var e *Error
			if !errors.As(err, &e) || e.Code != Invalid || e.Message != tt.wantErr {
				t.Errorf("Parse(%q) error = %v, want Invalid %q", clip(tt.text, 40), err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", clip(tt.text, 40), err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Parse(%q) (-want +got):\n%s", clip(tt.text, 40), diff)
		}
	}
}

func slicesRepeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// quoteWords writes words back as command text that Parse reads as the
// same words: the fuzz target's round trip.
func quoteWords(words []string) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		first := []rune(w)[0]
		_, startsQuoted := quotePairs[first]
		if !startsQuoted && !strings.ContainsFunc(w, unicode.IsSpace) {
			b.WriteString(w)
			continue
		}
		// A quoted word never holds its own closing quote, so one of the
		// openers always fits.
		for _, open := range []rune{'"', '“', '„'} {
			if !strings.ContainsRune(w, quotePairs[open]) {
				b.WriteRune(open)
				b.WriteString(w)
				b.WriteRune(quotePairs[open])
				break
			}
		}
	}
	return b.String()
}

// FuzzParse: any text parses without panicking, the same way every time;
// the words are non-empty and free of separating space (unless quoted),
// and writing them back gives the same words.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"", "seats", "seats inactive 60", `seats group "Tier 2"`, "seats group “Tier 2”", "seats group „Tier 2“",
		`"`, `""`, `"a"b`, "\u00a0seats\u2003inactive", "\xff\xfe", "/warden seats user dana@example.com",
		`say "it's “fine”"`, "a\x00b", strings.Repeat("a ", 70),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		words, err := Parse(text)
		again, err2 := Parse(text)
		if !slices.Equal(words, again) || (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("Parse(%q) is not deterministic: %q %v, then %q %v", text, words, err, again, err2)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != Invalid || e.Message == "" {
				t.Fatalf("Parse(%q) error %v is not an Invalid *Error", text, err)
			}
			return
		}
		if len(words) > MaxWords {
			t.Fatalf("Parse(%q) gave %d words", text, len(words))
		}
		total := 0
		for _, w := range words {
			if w == "" {
				t.Fatalf("Parse(%q) gave an empty word: %q", text, words)
			}
			total += len(w)
		}
		if total > len(text) {
			t.Fatalf("Parse(%q) made up text: %q", text, words)
		}
		if len(words) == 0 {
			return
		}
		back := quoteWords(words)
		if len(back) > MaxTextBytes {
			return // quoting can push text over the limit; nothing to compare
		}
		round, err := Parse(back)
		if err != nil || !slices.Equal(words, round) {
			t.Fatalf("round trip of %q: %q → %q → %q, %v", text, words, back, round, err)
		}
	})
}
