package slack

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/bot/internal/textcut"
)

// Slack's Block Kit limits (slack-platform.md §3 and §6; the confirm dialog's
// from Slack's composition-object reference). Every limit the renderer
// enforces is here, so a change in Slack's rules is a one-line edit.
//
// Lengths are counted in characters (runes), the way Slack documents them and
// slack-go validates them. Text the reader sees is trimmed with an ellipsis;
// identifiers, values and URLs cannot be shortened without breaking them, so
// exceeding those is a *LimitError.
const (
	// Blocks.
	maxBlocksPerMessage = 50  // more are split into several messages
	maxBlocksPerView    = 100 // error: a modal cannot be split
	maxBlockID          = 255 // error (block_ids we derive are short; form input ids are not ours)

	// Top-level message text (the notification fallback). chat.update answers
	// msg_too_long beyond this, so it is the safe limit for every path.
	maxMessageText = 4000 // trimmed

	// Text blocks.
	maxHeaderText      = 150  // trimmed
	maxSectionText     = 3000 // longer text is split at line breaks; a longer single line is trimmed
	maxSectionFields   = 10   // more fields continue in following sections
	maxFieldText       = 2000 // trimmed
	maxContextElements = 10   // more lines continue in following context blocks
	maxContextText     = 3000 // trimmed (a text object's general limit)

	// Interactive elements.
	maxActionsElements   = 25   // more continue in following actions blocks
	maxActionID          = 255  // error
	maxButtonText        = 75   // trimmed
	maxButtonValue       = 2000 // error
	maxButtonURL         = 3000 // error
	maxConfirmTitle      = 100  // trimmed
	maxConfirmText       = 300  // trimmed
	maxConfirmButton     = 30   // trimmed (confirm and deny)
	maxSelectPlaceholder = 150  // trimmed
	maxSelectOptions     = 100  // error: dropping choices would change what can be chosen
	maxOptionText        = 75   // trimmed
	maxOptionDescription = 75   // trimmed
	maxOptionValue       = 150  // error

	// Modals.
	maxViewTitle       = 24      // trimmed
	maxViewButton      = 24      // trimmed (submit and close)
	maxCallbackID      = 255     // error
	maxPrivateMetadata = 3000    // error
	maxInputLabel      = 2000    // trimmed
	maxInputHint       = 2000    // trimmed
	maxTextInputLength = 3000    // plain_text_input max_length; larger requests are clamped
	maxViewBytes       = 250_000 // error (views.* answer view_too_large)
)

// ellipsis marks text that was trimmed, so a cut is never silent.
const ellipsis = "…"

// LimitError reports a value over one of Slack's limits that cannot be
// shortened without breaking it: an id, a button value, a URL, a modal's
// metadata. Slack would reject the whole payload, or worse, accept it and
// send back a value the bot no longer recognises, so it is a programming
// error to surface in tests rather than something to trim.
type LimitError struct {
	Where string // the model field, e.g. `Buttons[2].Value`
	What  string // what was measured, e.g. "button value length"
	Len   int
	Max   int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("slack: %s: %s %d is over Slack's limit of %d", e.Where, e.What, e.Len, e.Max)
}

// checkLen returns a *LimitError when s is longer than limit characters.
func checkLen(where, what, s string, limit int) error {
	if n := utf8.RuneCountInString(s); n > limit {
		return &LimitError{Where: where, What: what + " length", Len: n, Max: limit}
	}
	return nil
}

// trimPlain shortens plain text to at most limit characters, ending it with an
// ellipsis when it had to cut.
func trimPlain(s string, limit int) string {
	return trim(s, limit, false)
}

// trimMrkdwn is trimPlain for mrkdwn: it also avoids cutting inside a
// <link|label>, <@mention> or &entity;, which would show as debris.
func trimMrkdwn(s string, limit int) string {
	return trim(s, limit, true)
}

func trim(s string, limit int, mrkdwn bool) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	// Only the first limit characters matter, and a few after them to see
	// what the cut would separate.
	end := 0
	for i := 0; i < limit+8 && end < len(s); i++ {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
	}
	r := []rune(s[:end])
	cut := limit - utf8.RuneCountInString(ellipsis)
	if cut < 0 {
		cut = 0
	}
	cut = textcut.GraphemeSafe(r, cut)
	if mrkdwn {
		cut = markupSafe(r, cut, limit/2)
	}
	head := strings.TrimRightFunc(string(r[:cut]), unicode.IsSpace)
	return head + ellipsis
}

// markupSafe moves cut back to the start of a <...> sequence or an &...;
// entity it would otherwise split, unless that would keep fewer than floor
// characters (one enormous link is better cut than dropped whole).
func markupSafe(r []rune, cut, floor int) int {
	// Inside <...>: a '<' before cut with no '>' between it and cut.
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
	for i := cut - 1; i >= 0 && i >= cut-8; i-- {
		if r[i] == ';' || unicode.IsSpace(r[i]) {
			break
		}
		if r[i] == '&' {
			if isEntity(r[i:]) {
				cut = i
			}
			break
		}
	}
	return cut
}

// isEntity reports whether r starts with an entity like &amp; or &#8230;.
func isEntity(r []rune) bool {
	for i := 1; i < len(r) && i <= 8; i++ {
		switch c := r[i]; {
		case c == ';':
			return i > 1
		case c == '#' && i == 1, unicode.IsLetter(c), unicode.IsDigit(c):
		default:
			return false
		}
	}
	return false
}
