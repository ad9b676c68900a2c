package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/seatwarden/seatwarden/bot"
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

// help lists the commands c's asker may use. With words it lists only the
// commands starting with them; when none does, the words are reported as
// an unknown command and everything is listed.
func (r *Router) help(c *Call, words []string) bot.Message {
	var allowed []*route
	hidden := false
	for _, rt := range r.defs {
		if c.Role.May(rt.def.Access) {
			allowed = append(allowed, rt)
		} else {
			hidden = true
		}
	}
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
		// Unknown words from the router, or "help xyz" matching nothing the
		// asker may use. Words naming a command the asker may not use are
		// not unknown: the full list and its note answer them.
		if len(shown) == 0 || c.Command != HelpName {
			if c.Command != HelpName || !r.names(prefix) {
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
