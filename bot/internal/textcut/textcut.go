// Package textcut finds where text may be cut when a transport trims it to
// a platform's limit, so a cut never leaves half a character on screen.
package textcut

import "unicode"

// GraphemeSafe moves cut back so it does not separate a character from
// the combining marks, joiners, variation selectors or skin tones that
// follow it, nor split a flag's pair of regional indicators.
func GraphemeSafe(r []rune, cut int) int {
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
