package slack

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
)

// userMention is a person as Slack escapes them in typed text: <@U…>, or
// <@W…> for Enterprise Grid ids, with their handle as a label in some
// payloads (<@U024BE7LH|priya>). Channels (<#C…>), user groups
// (<!subteam^…>) and <!here> are other shapes and stay as written.
var userMention = regexp.MustCompile(`<@([UW][A-Z0-9]+)(?:\|([^>]*))?>`)

// maxMentions bounds the people resolved for one request, so a pasted wall
// of mentions costs at most this many users.info calls; later ones stay as
// written.
const maxMentions = 10

// commandText is what the person typed, as plainText gives it, with each
// person they mentioned replaced by their email: commands know people by
// email, whatever the platform. A mention that cannot be resolved stays
// readable (@priya, or @U024BE7LH without a label), so the command can say
// it does not know that person; it never fails the request.
func (a *Adapter) commandText(ctx context.Context, raw string) string {
	emails := a.mentionedEmails(ctx, raw)
	return plainText(raw, func(id, label string) string {
		if email := emails[id]; email != "" {
			return email
		}
		return readableMention(id, label)
	})
}

// mentionedEmails resolves the distinct people mentioned in raw, in order,
// up to maxMentions, through the user directory (cached, so one lookup
// serves every mention of a person, in this request and the next ones).
// People who could not be resolved map to "".
func (a *Adapter) mentionedEmails(ctx context.Context, raw string) map[string]string {
	var emails map[string]string
	skipped := 0
	for _, m := range userMention.FindAllStringSubmatch(raw, -1) {
		id := m[1]
		if _, seen := emails[id]; seen {
			continue
		}
		if len(emails) == maxMentions {
			skipped++
			continue
		}
		if emails == nil {
			emails = make(map[string]string)
		}
		email, _, err := a.users.lookup(ctx, id)
		switch {
		case err != nil:
			a.log.Info("mention left as written: the user could not be resolved", slog.String("user", id), slog.Any("error", err))
		case email == "":
			a.log.Info("mention left as written: the user's profile has no email", slog.String("user", id))
		}
		emails[id] = email
	}
	if skipped > 0 {
		// Counts occurrences, not people: enough to see it happened.
		a.log.Info("mentions past the limit left as written", slog.Int("limit", maxMentions), slog.Int("skipped", skipped))
	}
	return emails
}

// readableMention is an unresolved mention as the person would read it.
func readableMention(id, label string) string {
	if label = strings.TrimPrefix(strings.TrimSpace(label), "@"); label != "" {
		return "@" + label
	}
	return "@" + id
}
