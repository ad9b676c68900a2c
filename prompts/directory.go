package prompts

import (
	"cmp"
	"fmt"
	"strings"
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

// LeaverHolds is what someone who left still holds beyond their seats:
// places in the approvals policy, approvals on requests still open, live
// access grants.
type LeaverHolds struct {
	Person   directory.Person
	Source   string
	Roles    []string // "an approver of app install requests"
	Approved []string // request ids they approved, still pending
	Grants   []string // grant ids
}

// LeaverReport tells the admin channel what a leaver still holds and what
// to do about it.
func LeaverReport(h LeaverHolds, command string, loc *time.Location) bot.Message {
	esc := bot.EscapeText
	when := ""
	if !h.Person.Changed.IsZero() {
		when = " on " + h.Person.Changed.In(orUTC(loc)).Format("2 Jan 2006")
	}
	m := bot.Message{
		Headline:   fmt.Sprintf("🚪 %s left (%s in %s%s) and still holds access", cmp.Or(h.Person.Name, h.Person.Email()), h.Person.Status, directory.Title(h.Source), when),
		Visibility: bot.Visible,
	}
	if len(h.Roles) > 0 {
		m.Sections = append(m.Sections, bot.Section{Text: "*In the policy:* " + esc(JoinAnd(h.Roles)) +
			". seatwarden no longer asks them or counts their approvals; take them out of the policy's approvals lists."})
	}
	if len(h.Approved) > 0 {
		m.Sections = append(m.Sections, bot.Section{Text: "*Approved, still open:* " + esc(strings.Join(h.Approved, ", ")) +
			". Their approvals stand as given; check them with " + command + " request show ID."})
	}
	if len(h.Grants) > 0 {
		m.Sections = append(m.Sections, bot.Section{Text: "*Live access grants:* " + esc(strings.Join(h.Grants, ", ")) +
			". End each with " + command + " access revoke ID."})
	}
	m.Context = []string{command + " whois " + h.Person.Email() + " shows everything they hold."}
	return m
}
