// Package textcut cuts text to a platform's limit, so a cut never leaves
// half a character, link or entity on screen. Limits are in characters
// (runes), as Slack and Teams count the text limits the renderers trim to.
package textcut

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/bot/internal/markup"
)

// ellipsis ends text that was cut, so a cut is never silent.
const ellipsis = "…"

// Trim shortens s to at most limit characters, ending it with an ellipsis when
// it had to cut. With mrkdwn it also avoids cutting inside a <link|label>,
// <@mention> or &entity;, which would show as debris.
func Trim(s string, limit int, mrkdwn bool) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	// Only the first limit characters matter, and a few after them to see
	// what the cut would separate.
	end := 0
	for i := 0; i < limit+maxEntity && end < len(s); i++ {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
	}
	r := []rune(s[:end])
	cut := max(limit-utf8.RuneCountInString(ellipsis), 0)
	cut = graphemeSafe(r, cut)
	if mrkdwn {
		cut = markupSafe(r, cut, limit/2)
	}
	return strings.TrimRightFunc(string(r[:cut]), unicode.IsSpace) + ellipsis
}

// maxEntity bounds how far an entity's '&' may be before its ';': &#8230;
// and every entity the renderers write fit.
const maxEntity = 8

// markupSafe moves cut back to the start of a <…> link or an &…; entity it
// would split, unless that would keep fewer than floor characters (one
// enormous link is better cut than dropped whole).
func markupSafe(r []rune, cut, floor int) int {
	// Inside <…>: a '<' before cut with no '>' between it and cut.
	for i := cut - 1; i >= 0; i-- {
		if r[i] == '>' {
			break
		}
		if r[i] == '<' {
			if i >= floor {
				cut = i
			}
			break
		}
	}
	// Inside an entity: '&' shortly before cut, no ';' yet, and the entity
	// closes after cut.
	for i := cut - 1; i >= 0 && i >= cut-maxEntity; i-- {
		if r[i] == ';' || unicode.IsSpace(r[i]) {
			break
		}
		if r[i] == '&' {
			if markup.IsEntity(string(r[i:min(len(r), i+maxEntity+1)]), maxEntity) {
				cut = i
			}
			break
		}
	}
	return cut
}

// graphemeSafe moves cut back so it does not separate a character from
// the combining marks, joiners, variation selectors or skin tones that
// follow it, nor split a flag's pair of regional indicators.
func graphemeSafe(r []rune, cut int) int {
	for cut > 0 && cut < len(r) && (extends(r[cut]) || r[cut-1] == zwj) {
		cut--
	}
	ri := 0
	for i := cut - 1; i >= 0 && isRegionalIndicator(r[i]); i-- {
		ri++
	}
	if ri%2 == 1 && cut < len(r) && isRegionalIndicator(r[cut]) {
		cut--
	}
	return cut
}

const zwj = '\u200d'

func extends(c rune) bool {
	return unicode.In(c, unicode.Mn, unicode.Me, unicode.Mc) ||
		c == zwj ||
		(c >= 0xFE00 && c <= 0xFE0F) || // variation selectors
		(c >= 0x1F3FB && c <= 0x1F3FF) || // skin tone modifiers
		(c >= 0xE0020 && c <= 0xE007F) // tag sequences (subdivision flags)
}

func isRegionalIndicator(c rune) bool { return c >= 0x1F1E6 && c <= 0x1F1FF }
