package prompts

import (
	"fmt"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/posture"
	"github.com/seatwarden/seatwarden/seats"
)

// postureNames is how many names a line lists before "and N more".
const postureNames = 5

// PostureReport draws the posture: one line a finding, each with the
// command that fixes it (command is the slash command), ✅ where nothing
// needs doing.
func PostureReport(p posture.Report, command string) bot.Message {
	cmd := command
	var sections []bot.Section
	for _, s := range p.SaaS {
		title := connector.Title(s.SaaS)
		if !s.Synced {
			sections = append(sections, bot.Section{Text: fmt.Sprintf("*%s* has not been synced yet: run %s sync, or wait for the next sync.", title, cmd)})
			continue
		}
		var lines []string
		standing := s.Standing()
		switch {
		case s.Admins == 0:
			lines = append(lines, "✅ Nobody holds admin rights.")
		case standing == 0:
			lines = append(lines, fmt.Sprintf("✅ %d %s, every one just in time.", s.Admins, plural(s.Admins, "admin", "admins")))
		default:
			lines = append(lines, fmt.Sprintf("⚠ %d standing %s (%d just in time): see who and why with `%s access standing`.",
				standing, plural(standing, "admin", "admins"), s.JustInTime, cmd))
		}
		if len(s.NoMFA) == 0 {
			lines = append(lines, "✅ Every admin has two-factor authentication.")
		} else {
			lines = append(lines, fmt.Sprintf("🔓 %d %s without two-factor authentication: %s. Require it for admins in %s's security settings; `%s seats user EMAIL` shows each.",
				len(s.NoMFA), plural(len(s.NoMFA), "admin", "admins"), names(s.NoMFA), title, cmd))
		}
		if s.Inactive.Seats == 0 {
			lines = append(lines, "✅ No paid seat is inactive.")
		} else {
			lines = append(lines, fmt.Sprintf("💸 %d inactive paid %s, %s/month: `%s seats inactive`, and the weekly review asks their owners.",
				s.Inactive.Seats, plural(s.Inactive.Seats, "seat", "seats"), seats.Money(s.Inactive.Cost, s.Currency), cmd))
		}
		if p.Directory {
			if len(s.Departed) == 0 {
				lines = append(lines, "✅ Nobody who left holds a seat.")
			} else {
				lines = append(lines, fmt.Sprintf("🚪 %d %s who left still %s a seat: %s. Their owners have been asked; `%s whois EMAIL` shows each.",
					len(s.Departed), plural(len(s.Departed), "person", "people"), plural(len(s.Departed), "holds", "hold"), names(s.Departed), cmd))
			}
		}
		sections = append(sections, bot.Section{Text: "*" + title + "*\n" + strings.Join(lines, "\n")})
	}
	if p.Tokens {
		var lines []string
		switch {
		case p.TokensLeft == 0:
			lines = append(lines, "✅ No API token is left before Zendesk turns them off on 30 Apr 2027.")
		default:
			lines = append(lines, fmt.Sprintf("⏳ %d API %s still active, %d days before Zendesk turns them all off (30 Apr 2027): `%s tokens`.",
				p.TokensLeft, plural(p.TokensLeft, "token", "tokens"), max(p.DaysLeft, 0), cmd))
		}
		if p.WriteClients > 0 {
			lines = append(lines, fmt.Sprintf("🔑 %d OAuth %s may write: `%s tokens all` shows their scopes and owners.", p.WriteClients, plural(p.WriteClients, "client", "clients"), cmd))
		} else {
			lines = append(lines, "✅ No OAuth client may write.")
		}
		sections = append(sections, bot.Section{Text: "*Credentials*\n" + strings.Join(lines, "\n")})
	}
	return bot.Message{
		Headline:   "🛡 Security posture",
		Sections:   sections,
		Context:    []string{"From the last sync and the credential register. Trust-changing events as they happen go to the alert channel (the audit watch)."},
		Visibility: bot.Ephemeral,
	}
}

// names lists up to postureNames, then how many more.
func names(all []string) string {
	if len(all) <= postureNames {
		return bot.EscapeText(strings.Join(all, ", "))
	}
	return bot.EscapeText(strings.Join(all[:postureNames], ", ")) + fmt.Sprintf(" and %d more", len(all)-postureNames)
}

// PostureDigest is the weekly posture for the admin channel: the posture
// and, when last week's is known, what changed since.
func PostureDigest(r posture.Report, now, last *posture.Counts, command string) bot.Message {
	m := PostureReport(r, command)
	m.Headline = "🛡 This week's security posture"
	m.Visibility = bot.Visible
	if last == nil {
		m.Context = append([]string{"The first weekly posture: next week's says what changed."}, m.Context...)
		return m
	}
	var changes []string
	change := func(what string, before, after int) {
		if before != after {
			changes = append(changes, fmt.Sprintf("%s %d → %d", what, before, after))
		}
	}
	change("standing admins", last.Standing, now.Standing)
	change("admins without 2FA", last.NoMFA, now.NoMFA)
	change("inactive paid seats", last.Inactive, now.Inactive)
	change("people who left holding seats", last.Departed, now.Departed)
	change("API tokens", last.TokensLeft, now.TokensLeft)
	change("OAuth clients that may write", last.WriteClients, now.WriteClients)
	line := "*Since last week:* nothing changed."
	if len(changes) > 0 {
		line = "*Since last week:* " + strings.Join(changes, " · ") + "."
	}
	m.Sections = append([]bot.Section{{Text: line}}, m.Sections...)
	return m
}

// MFANudge asks a privileged person without two-factor authentication to
// turn it on, by the deadline.
func MFANudge(g posture.Gap, loc *time.Location) bot.Message {
	title := connector.Title(g.SaaS)
	how := "in " + title + ", open your profile's security settings and set up two-factor authentication"
	if g.SaaS == connector.Zendesk {
		how = "in Zendesk, open your profile (top right) → Security settings → Two-factor authentication, and set up an authenticator app"
	}
	return bot.Message{
		Headline: fmt.Sprintf("🔓 Please turn on two-factor authentication in %s by %s", title, g.Deadline.In(orUTC(loc)).Format("2 Jan 2006")),
		Sections: []bot.Section{{Text: fmt.Sprintf("You hold admin rights in %s, and your account (%s) has no second factor: a stolen password is all it would take to "+
			"change settings, read every ticket and grant access to anyone. To fix it, %s; it takes two minutes.", title, bot.EscapeText(g.Email), how)}},
		Context:    []string{"After the deadline the admins are told. Once it is on, the next weekly check sees it and this stops."},
		Visibility: bot.Visible,
	}
}

// MFAOverdue tells the admin channel, once, that a privileged person is
// past their deadline without two-factor authentication.
func MFAOverdue(g posture.Gap, loc *time.Location) bot.Message {
	title := connector.Title(g.SaaS)
	return bot.Message{
		Headline: fmt.Sprintf("🔓 %s still has no two-factor authentication in %s", bot.EscapeText(g.Email), title),
		Sections: []bot.Section{{Text: fmt.Sprintf("They hold admin rights; they were asked on %s to turn it on by %s. "+
			"Ask them directly, or take the rights away until it is on (just-in-time access gives them back when needed).",
			g.FirstSeen.In(orUTC(loc)).Format("2 Jan 2006"), g.Deadline.In(orUTC(loc)).Format("2 Jan 2006"))}},
		Visibility: bot.Visible,
	}
}
