package prompts

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/directory"
)

// Whois draws `whois EMAIL`: one person as every part of seatwarden knows
// them.
type Whois struct {
	Location *time.Location
	Command  string
	Now      time.Time
}

// WhoisFacts are what whois found about one email.
type WhoisFacts struct {
	Email string
	// Source is the identity source ("" when none is set up); Person is
	// who it says answers to Email (nil: nobody, or no source), as read
	// at ReadAt.
	Source string
	Person *directory.Person
	ReadAt time.Time
	// Seats are the person's seats, one section per SaaS (Seats.OtherSeat).
	Seats       []bot.Section
	Credentials []credentials.Item
	Grants      []access.Grant
}

// Draw draws the answer.
func (v Whois) Draw(f WhoisFacts) bot.Message {
	esc := bot.EscapeText
	name := f.Email
	if f.Person != nil && f.Person.Name != "" {
		name = f.Person.Name
	}
	m := bot.Message{Headline: "Who is " + name, Visibility: bot.Ephemeral}
	m.Sections = append(m.Sections, v.directorySection(f))
	if len(f.Seats) == 0 {
		m.Sections = append(m.Sections, bot.Section{Text: esc(f.Email) + " holds no seat in any governed SaaS."})
	}
	m.Sections = append(m.Sections, f.Seats...)
	if n := len(f.Credentials); n > 0 {
		lines := []string{fmt.Sprintf("*Credentials owned: %d*", n)}
		for _, it := range f.Credentials[:min(n, listMax)] {
			lines = append(lines, fmt.Sprintf("%s `%s` · %s", esc(clipText(it.Name, 80)), it.QualifiedID(), it.Kind.Label()))
		}
		if n > listMax {
			lines = append(lines, fmt.Sprintf("…and %d more: %s tokens mine, as them, lists them all", n-listMax, v.Command))
		}
		m.Sections = append(m.Sections, bot.Section{Text: strings.Join(lines, "\n")})
	}
	if len(f.Grants) > 0 {
		grants := Grants{Location: v.Location, Command: v.Command}
		lines := []string{"*Access grants*"}
		for _, g := range f.Grants {
			lines = append(lines, fmt.Sprintf("%s · %s · %s", esc(g.ID), esc(g.RoleName), grants.standing(g, v.Now)))
		}
		m.Sections = append(m.Sections, bot.Section{Text: strings.Join(lines, "\n")})
	}
	return m
}

// directorySection is what the directory says, or why it says nothing.
func (v Whois) directorySection(f WhoisFacts) bot.Section {
	esc := bot.EscapeText
	title := directory.Title(f.Source)
	switch {
	case f.Source == "":
		return bot.Section{Text: "No identity source is set up, so whether " + esc(f.Email) + " still works here is not known (README: Connect your directory)."}
	case f.Person == nil:
		return bot.Section{Text: fmt.Sprintf("⚠ %s does not know %s (read %s): if they left, their seats and credentials are still here.",
			title, esc(f.Email), v.stamp(f.ReadAt))}
	}
	p := f.Person
	status := string(p.Status)
	if p.Status.Departed() {
		status = "⚠ " + status
		if !p.Changed.IsZero() {
			status += " since " + v.stamp(p.Changed)
		}
	}
	fields := []bot.Field{
		{Label: "Status in " + title, Value: status},
		{Label: "Manager", Value: cmp.Or(p.Manager, "none on record")},
		{Label: "Department", Value: cmp.Or(p.Department, "none on record")},
		{Label: "Title", Value: cmp.Or(p.Title, "none on record")},
	}
	if len(p.Emails) > 1 {
		fields = append(fields, bot.Field{Label: "Also answers to", Value: strings.Join(p.Emails[1:], ", ")})
	}
	return bot.Section{Text: esc(p.Email()) + " · as " + title + " read it " + v.stamp(f.ReadAt), Fields: fields}
}

func (v Whois) stamp(t time.Time) string { return t.In(orUTC(v.Location)).Format("2 Jan 2006 15:04") }
