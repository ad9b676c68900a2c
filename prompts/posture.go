package prompts

import (
	"fmt"
	"strings"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/seats"
)

// Posture is the account's security posture, as `posture` shows it.
type Posture struct {
	SaaS []PostureSaaS
	// TokensLeft are Zendesk API tokens still active, DaysLeft the days
	// until Zendesk turns them all off; Tokens says whether the register
	// was read.
	Tokens     bool
	TokensLeft int
	DaysLeft   int
	// WriteClients are OAuth clients whose tokens may write.
	WriteClients int
	// Directory says whether an identity source is read.
	Directory bool
	Command   string
}

// PostureSaaS is one governed SaaS's part.
type PostureSaaS struct {
	SaaS string
	// Admins are the people holding privilege now; JustInTime how many of
	// them hold it through a grant that ends by itself.
	Admins     int
	JustInTime int
	// NoMFA are privileged people without two-factor authentication.
	NoMFA []string
	// Inactive are paid seats unused past the inactivity limit.
	Inactive seats.Tally
	Currency string
	// Departed are seat holders the directory says left.
	Departed []string
	// Synced says whether the SaaS has been synced yet.
	Synced bool
}

// postureNames is how many names a line lists before "and N more".
const postureNames = 5

// PostureReport draws the posture: one line a finding, each with the
// command that fixes it, ✅ where nothing needs doing.
func PostureReport(p Posture) bot.Message {
	cmd := p.Command
	var sections []bot.Section
	for _, s := range p.SaaS {
		title := connector.Title(s.SaaS)
		if !s.Synced {
			sections = append(sections, bot.Section{Text: fmt.Sprintf("*%s* has not been synced yet: run %s sync, or wait for the next sync.", title, cmd)})
			continue
		}
		var lines []string
		standing := s.Admins - s.JustInTime
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
