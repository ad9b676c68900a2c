package commands

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on command text. Chat clients cap what people can type well below
// these; anything longer is a pasted accident or a probe.
const (
	MaxTextBytes = 4000
	MaxWords     = 64
)

// quotePairs maps an opening quote to its closing one. Curly quotes are
// included because macOS and mobile keyboards substitute them for straight
// ones as people type.
var quotePairs = map[rune]rune{'"': '"', '“': '”', '„': '“'}

// Parse splits command text into words. Whitespace (any Unicode space)
// separates words; a word that starts with a double quote runs to the
// matching closing quote, so a group name with spaces can be given as one
// word: seats group "Tier 2". Quotes elsewhere in a word are literal, and
// there are no escapes. Parse never changes case; matching commands is
// case-insensitive, arguments keep what was typed.
//
// The error, always an *Error with code Invalid, names what is wrong: an
// unclosed quote, a quote not followed by a space, empty quotes, or text
// over MaxTextBytes or MaxWords.
func Parse(text string) ([]string, error) {
	if len(text) > MaxTextBytes {
		return nil, Invalidf("the command is too long (%d characters at most)", MaxTextBytes)
	}
	var words []string
	i := 0
	for {
		i = skipSpace(text, i)
		if i >= len(text) {
			return words, nil
		}
		if len(words) == MaxWords {
			return nil, Invalidf("the command has too many words (%d at most)", MaxWords)
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if closing, ok := quotePairs[r]; ok {
			start := i + size
			end := strings.IndexRune(text[start:], closing)
			if end < 0 {
				return nil, Invalidf("a quote is not closed")
			}
			end += start
			if end == start {
				return nil, Invalidf("empty quotes")
			}
			after := end + utf8.RuneLen(closing)
			if after < len(text) {
				if next, _ := utf8.DecodeRuneInString(text[after:]); !unicode.IsSpace(next) {
					return nil, Invalidf("a closing quote must be followed by a space")
				}
			}
			words = append(words, text[start:end])
			i = after
			continue
		}
		j := i
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += size
		}
		words = append(words, text[i:j])
		i = j
	}
}

func skipSpace(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += size
	}
	return i
}

// normalizeKey is how command names and typed words are compared: lower
// case, single spaces.
func normalizeKey(words ...string) string {
	return strings.ToLower(strings.Join(words, " "))
}
