package prompts

import (
	"fmt"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/directory"
)

// DirectoryHeld tells the admin channel that a read of the identity
// source was not trusted, why, and that the last good read still counts.
func DirectoryHeld(source, why string, lastGood time.Time, loc *time.Location) bot.Message {
	last := "no earlier read is kept, so nobody counts as departed yet"
	if !lastGood.IsZero() {
		last = "the read of " + lastGood.In(orUTC(loc)).Format("2 Jan 2006 15:04") + " still counts, and nobody counts as departed because of this one"
	}
	return bot.Message{
		Headline: fmt.Sprintf("⚠ The %s directory read was held back", directory.Title(source)),
		Sections: []bot.Section{{Text: bot.EscapeText(why) + ": " + last + "."}},
		Context: []string{"A filter, a permission taken away or a partial answer looks like people leaving at once. " +
			"Check the source, then run seatwarden run-job identity-sync."},
		Visibility: bot.Visible,
	}
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}
