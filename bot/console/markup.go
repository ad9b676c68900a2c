package console

import (
	"strings"

	"github.com/seatwarden/seatwarden/bot/internal/markup"
)

// PlainText turns the markup of Section.Text and Context lines (Slack
// mrkdwn, as the commands package writes it) into terminal text: links
// become "label (url)", mentions "@name", *bold* and `code` lose their
// markers, and the escaped &, < and > are shown as themselves. It reads
// mrkdwn as Teams cards do (see markup.Line).
func PlainText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		var b strings.Builder
		for _, t := range markup.Line(l) {
			switch t.Kind {
			case markup.Text:
				b.WriteString(t.Text)
			case markup.Link:
				b.WriteString(link(t.Target, t.Label))
			}
		}
		lines[i] = b.String()
	}
	return strings.Join(lines, "\n")
}

// link renders one <target|label>.
func link(target, label string) string {
	switch {
	case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "#"):
		// <@U123>, <@U123|dana>, <#C123|support>: the name when Slack
		// would show one.
		if label != "" {
			return target[:1] + strings.TrimPrefix(label, target[:1])
		}
		return target
	case strings.HasPrefix(target, "!"):
		// <!here>, <!channel>, <!subteam^S1|@leads>, <!date^…|fallback>.
		if label != "" {
			return label
		}
		name, _, _ := strings.Cut(target[1:], "^")
		return "@" + name
	case label == "" || label == target:
		return target
	case strings.TrimPrefix(target, "mailto:") == label:
		return label
	}
	return label + " (" + target + ")"
}
