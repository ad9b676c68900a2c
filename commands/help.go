package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/internal/editdist"
)

func (r *Router) helpDefinition() Definition {
	return Definition{
		Name:        HelpName,
		Usage:       "help [COMMAND]",
		Description: "Lists the commands you may use; with a command's first words, only those.",
		Examples:    []string{"help", "help seats"},
		Access:      Everyone,
		Handler: func(_ context.Context, c *Call) (bot.Message, error) {
			return r.help(c, c.Args), nil
		},
	}
}

// allowed are the routes c's asker may use, and whether any are hidden.
func (r *Router) allowed(c *Call) (allowed []*route, hidden bool) {
	for _, rt := range r.defs {
		if c.Role.May(rt.def.Access) {
			allowed = append(allowed, rt)
		} else {
			hidden = true
		}
	}
	return allowed, hidden
}

// unknown answers words that name no command, in one line: the command
// the asker may use that they most likely meant, or the commands that
// start with their first word, and where the full list is. A typo does
// not deserve the whole help.
func (r *Router) unknown(c *Call, words []string) bot.Message {
	allowed, _ := r.allowed(c)
	typed := clip(strings.Join(words, " "), 60)
	line := fmt.Sprintf("Unknown command %q.", typed)
	switch meant, ok := closestCommand(allowed, words); {
	case ok:
		line += fmt.Sprintf(" Did you mean `%s %s`?", r.deps.Command, meant)
	default:
		var same []string
		first := normalizeKey(words[0])
		for _, rt := range allowed {
			if name := normalizeKey(rt.def.Name); name == first || strings.HasPrefix(name, first+" ") {
				same = append(same, "`"+rt.def.Name+"`")
			}
		}
		if len(same) > 1 {
			line += fmt.Sprintf(" The %s commands are %s; `%s help %s` explains them.", words[0], strings.Join(same, ", "), r.deps.Command, first)
			return bot.Message{Sections: []bot.Section{{Text: escape(line)}}, Visibility: bot.Ephemeral}
		}
	}
	line += fmt.Sprintf(" `%s help` lists the commands you can use.", r.deps.Command)
	return bot.Message{Sections: []bot.Section{{Text: escape(line)}}, Visibility: bot.Ephemeral}
}

// closestCommand is the command name or alias nearest the typed words,
// compared with as many words as it has, followed by the rest typed;
// false when none is near enough to be a typo.
func closestCommand(routes []*route, words []string) (string, bool) {
	byLength := map[int][]string{}
	for _, rt := range routes {
		for _, k := range rt.keys {
			n := len(strings.Fields(k))
			byLength[n] = append(byLength[n], k)
		}
	}
	// Longer names first: "seats inactiv" means "seats inactive", not "seats".
	for n := min(len(words), 4); n > 0; n-- {
		typed := normalizeKey(words[:n]...)
		if k, ok := editdist.Closest(typed, byLength[n]); ok && k != typed {
			return strings.Join(append([]string{k}, words[n:]...), " "), true
		}
	}
	return "", false
}

// help lists the commands c's asker may use. With words it lists only the
// commands starting with them; when none does, everything is listed, under
// a line saying the words name no command.
func (r *Router) help(c *Call, words []string) bot.Message {
	allowed, hidden := r.allowed(c)
	m := bot.Message{Headline: "Commands you can use", Visibility: bot.Ephemeral}
	shown := allowed
	if len(words) > 0 {
		prefix := normalizeKey(words...)
		shown = nil
		for _, rt := range allowed {
			for _, k := range rt.keys {
				if k == prefix || strings.HasPrefix(k, prefix+" ") {
					shown = append(shown, rt)
					break
				}
			}
		}
		// "help xyz" matching nothing the asker may use. Words naming a
		// command the asker may not use are not unknown: the full list and
		// its note answer them.
		if len(shown) == 0 {
			if !r.names(prefix) {
				typed := clip(strings.Join(words, " "), 60)
				m.Sections = append(m.Sections, bot.Section{Text: escape(fmt.Sprintf("Unknown command %q.", typed))})
			}
			shown = allowed
		}
	}
	for _, rt := range shown {
		d := rt.def
		text := fmt.Sprintf("`%s %s`", escape(r.deps.Command), escape(d.Usage))
		if d.Access != Everyone {
			text += " · " + d.Access.String()
		}
		if d.Description != "" {
			text += "\n" + d.Description
		}
		var ex []string
		for _, e := range d.Examples {
			ex = append(ex, fmt.Sprintf("`%s %s`", escape(r.deps.Command), escape(e)))
		}
		text += "\nFor example: " + strings.Join(ex, ", ")
		if len(d.Aliases) > 0 {
			text += "\nAlso: " + escape(strings.Join(d.Aliases, ", "))
		}
		m.Sections = append(m.Sections, bot.Section{Text: text})
	}
	switch {
	case hidden && c.Role.Owner():
		m.Context = append(m.Context, "Other commands are only for Zendesk admins.")
	case hidden:
		m.Context = append(m.Context, "Other commands are only for Zendesk admins and seat owners.")
	}
	return m
}

// names reports whether some command's name or alias starts with prefix.
func (r *Router) names(prefix string) bool {
	for k := range r.byKey {
		if k == prefix || strings.HasPrefix(k, prefix+" ") {
			return true
		}
	}
	return false
}

// clip shortens s to at most n runes, with an ellipsis, so a pasted essay
// does not fill the reply.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func nonEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// escape is bot.EscapeText: record text in Section.Text and Context.
func escape(s string) string { return bot.EscapeText(s) }
