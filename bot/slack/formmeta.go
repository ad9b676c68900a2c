package slack

import (
	"strconv"
	"strings"

	"github.com/seatwarden/seatwarden/bot"
)

// A modal's private_metadata carries the form's record id and, for a form
// opened from a button, the message the button was on:
//
//	sw1|<channel id>|<message ts>|<record id>
//	sw1|home|<page>|<record id>      (a form opened from the Home tab)
//
// The record id is last and taken whole, so it may contain "|". Metadata
// without the "sw1|" prefix is a bare record id: forms opened without an
// origin (slash commands) and modals opened before the origin was packed.
// A record id that itself starts with the prefix is packed with an empty
// origin ("sw1|||<record id>") so it cannot be mistaken for one.
const formMetaPrefix = "sw1|"

// formMetadata packs a record id and, when it is a message chat.update can
// reach, the origin.
func formMetadata(recordID string, origin bot.MessageRef) string {
	if page, ok := homePageOf(origin); ok {
		return formMetaPrefix + homeConversation + "|" + strconv.Itoa(page) + "|" + recordID
	}
	if validOrigin(origin.ConversationID, origin.MessageID) {
		return formMetaPrefix + origin.ConversationID + "|" + origin.MessageID + "|" + recordID
	}
	if strings.HasPrefix(recordID, formMetaPrefix) {
		return formMetaPrefix + "||" + recordID
	}
	return recordID
}

// parseFormMetadata unpacks formMetadata. Anything not exactly in the
// packed format, including tampered or truncated metadata, is taken as a
// bare record id with no origin.
func parseFormMetadata(s string) (recordID string, origin bot.MessageRef) {
	rest, ok := strings.CutPrefix(s, formMetaPrefix)
	if !ok {
		return s, bot.MessageRef{}
	}
	channel, rest, ok1 := strings.Cut(rest, "|")
	ts, record, ok2 := strings.Cut(rest, "|")
	switch {
	case !ok1 || !ok2:
		return s, bot.MessageRef{}
	case channel == "" && ts == "":
		return record, bot.MessageRef{}
	case channel == homeConversation && digits(ts, 6):
		page, _ := strconv.Atoi(ts)
		return record, homeOrigin(page)
	case !validOrigin(channel, ts):
		return s, bot.MessageRef{}
	}
	return record, bot.MessageRef{Platform: bot.PlatformSlack, ConversationID: channel, MessageID: ts}
}

// validOrigin accepts a conversation id chat.update takes (C…, G… or D…,
// upper-case letters and digits) and a message ts ("1700000000.000100").
func validOrigin(channel, ts string) bool {
	if len(channel) < 2 || len(channel) > 32 || !strings.ContainsRune("CDG", rune(channel[0])) {
		return false
	}
	for _, c := range channel[1:] {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	secs, frac, ok := strings.Cut(ts, ".")
	return ok && digits(secs, 16) && digits(frac, 16)
}

// digits reports whether s is 1 to n ASCII digits.
func digits(s string, n int) bool {
	if s == "" || len(s) > n {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
