package prompts

import (
	"fmt"

	"github.com/seatwarden/seatwarden/bot"
)

// AuditSinkRefused tells the admin channel that the SIEM refuses the
// audit trail: which sink, what it said, and that nothing is lost.
func AuditSinkRefused(sink string, delivered int64, reason string) bot.Message {
	return bot.Message{
		Headline: "⚠ The audit trail is not reaching the SIEM",
		Sections: []bot.Section{{Text: fmt.Sprintf("%s refuses what seatwarden sends: %s.", bot.EscapeText(sink), bot.EscapeText(reason))}},
		Context: []string{fmt.Sprintf("Nothing is skipped: entries after %d wait, seatwarden tries again every 5 minutes and sends them in order once they are taken. "+
			"Check SEATWARDEN_AUDIT_SINK and its SEATWARDEN_AUDIT_SINK_SECRET or SEATWARDEN_AUDIT_SINK_TOKEN, and what the collector logs.", delivered)},
		Visibility: bot.Visible,
	}
}
