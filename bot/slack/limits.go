package slack

import (
	"fmt"
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
	maxFormErrorChars  = 300  // a form-wide error under the first input: ours, kept to a line
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

// trim counts characters, as Slack does.
func trim(s string, limit int, mrkdwn bool) string {
	return textcut.Trim(s, limit, mrkdwn)
}
