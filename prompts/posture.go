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
			lines = append(lines, "✅ Everyone with admin rights or a risky role has two-factor authentication.")
		} else {
			lines = append(lines, fmt.Sprintf("🔓 %d privileged %s without two-factor authentication: %s. Each is reminded weekly with a deadline; require it in %s's security settings, and `%s whois EMAIL` shows each.",
				len(s.NoMFA), plural(len(s.NoMFA), "person", "people"), names(holders(s.NoMFA)), title, cmd))
		}
		lines = append(lines, roleLines(s, title)...)
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
		switch {
		case !p.Apps:
		case len(p.UnapprovedApps) == 0:
			lines = append(lines, "✅ Every installed app has an approved request.")
		default:
			n := len(p.UnapprovedApps)
			lines = append(lines, fmt.Sprintf("📦 %d %s installed with no approved request: %s. Each was posted to the admin channel with *Open a retroactive request*; `%s request app NAME` asks now.",
				n, plural(n, "app", "apps"), names(p.UnapprovedApps), cmd))
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

// roleLines are a SaaS's custom role findings: none when the bot reads no
// custom roles of the SaaS.
func roleLines(s posture.SaaS, title string) []string {
	var lines []string
	switch {
	case s.Roles == posture.RolesUnread:
		return nil
	case s.Roles == posture.RolesOffPlan:
		lines = append(lines, "➖ Custom roles: not on this plan.")
	case len(s.RiskyRoles) == 0:
		lines = append(lines, "✅ No custom role lets its holders change who may do what.")
	default:
		var risky []string
		for _, r := range s.RiskyRoles {
			risky = append(risky, fmt.Sprintf("%s (%d %s: %s)", r.Name, r.Members, plural(r.Members, "person", "people"), joinPowers(r.Powers)))
		}
		n := len(s.RiskyRoles)
		lines = append(lines, fmt.Sprintf("⚠ %d risky custom %s: %s. Narrow %s in %s's Admin Center → Team members → Roles; %s holders must have two-factor authentication.",
			n, plural(n, "role", "roles"), bot.EscapeText(strings.Join(risky, "; ")), plural(n, "it", "them"), title, plural(n, "its", "their")))
	}
	for _, name := range s.UnknownRoles {
		lines = append(lines, fmt.Sprintf("⚠ posture.mfa_required_roles names %q, which is no custom role's name or id: it requires nothing.", name))
	}
	return lines
}

func joinPowers(powers []connector.Power) string {
	words := make([]string, len(powers))
	for i, p := range powers {
		words[i] = string(p)
	}
	return strings.Join(words, ", ")
}

// holders names each privileged person with why they count.
func holders(hs []posture.Holder) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Email + " (" + h.Role + ")"
	}
	return out
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
	change("privileged people without 2FA", last.NoMFA, now.NoMFA)
	change("risky custom roles", last.RiskyRoles, now.RiskyRoles)
	change("apps with no approved request", last.Unapproved, now.Unapproved)
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
// turn it on, by the deadline; demote says the deadline takes their
// privilege away rather than telling the admins.
func MFANudge(g posture.Gap, loc *time.Location, demote bool) bot.Message {
	title := connector.Title(g.SaaS)
	how := "in " + title + ", open your profile's security settings and set up two-factor authentication"
	if g.SaaS == connector.Zendesk {
		how = "in Zendesk, open your profile (top right) → Security settings → Two-factor authentication, and set up an authenticator app"
	}
	after := "After the deadline your seat's owner and the admins are told."
	if demote {
		after = "After the deadline " + privilegeWords(g) + " are taken away until it is on; ask for them again just in time when you need them."
	}
	return bot.Message{
		Headline: fmt.Sprintf("🔓 Please turn on two-factor authentication in %s by %s", title, g.Deadline.In(orUTC(loc)).Format("2 Jan 2006")),
		Sections: []bot.Section{{Text: fmt.Sprintf("You hold %s in %s, and your account (%s) has no second factor: a stolen password is all it would take to "+
			"change settings, read every ticket and grant access to anyone. To fix it, %s; it takes two minutes.", privilegeWords(g), title, bot.EscapeText(g.Email), how)}},
		Context:    []string{after + " Once it is on, the next weekly check sees it and this stops."},
		Visibility: bot.Visible,
	}
}

// privilegeWords names what a gap's holder holds: "admin rights", "the
// Team Lead role".
func privilegeWords(g posture.Gap) string {
	if g.Role == "" || g.Role == posture.RequireAdmins {
		return "admin rights"
	}
	return "the " + bot.EscapeText(g.Role) + " role"
}

// MFAOverdue tells the admin channel and the seat's owner, once, that a
// privileged person is past their deadline without two-factor
// authentication; note says why nothing was done about it, when the
// policy said to.
func MFAOverdue(g posture.Gap, loc *time.Location, note string) bot.Message {
	title := connector.Title(g.SaaS)
	m := bot.Message{
		Headline: fmt.Sprintf("🔓 %s still has no two-factor authentication in %s", bot.EscapeText(g.Email), title),
		Sections: []bot.Section{{Text: fmt.Sprintf("They hold %s; they were asked on %s to turn it on by %s. "+
			"Ask them directly, or take the rights away until it is on (just-in-time access gives them back when needed).",
			privilegeWords(g), g.FirstSeen.In(orUTC(loc)).Format("2 Jan 2006"), g.Deadline.In(orUTC(loc)).Format("2 Jan 2006"))}},
		Visibility: bot.Visible,
	}
	if note != "" {
		m.Context = []string{bot.EscapeText(note)}
	}
	return m
}

// MFADemoted tells the person, their seat's owner and the admin channel,
// once each, that the privilege of someone past their deadline without
// two-factor authentication was taken away (posture.mfa.on_deadline:
// demote).
func MFADemoted(g posture.Gap, loc *time.Location, command string) bot.Message {
	title := connector.Title(g.SaaS)
	return bot.Message{
		Headline: fmt.Sprintf("🔒 %s lost %s in %s: no two-factor authentication by %s",
			bot.EscapeText(g.Email), privilegeWords(g), title, g.Deadline.In(orUTC(loc)).Format("2 Jan 2006")),
		Sections: []bot.Section{{Text: fmt.Sprintf("They were asked on %s to turn it on, and reminded weekly. They keep their seat as a plain agent. "+
			"Once two-factor authentication is on, `%s access request` grants the privilege again, just in time.",
			g.FirstSeen.In(orUTC(loc)).Format("2 Jan 2006"), command)}},
		Context:    []string{"The policy posture.mfa.on_deadline: demote did this; the audit trail records it as the privilege review's decision."},
		Visibility: bot.Visible,
	}
}
