package console

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/bot"
)

// PlainText turns the markup of Section.Text and Context lines (Slack
// mrkdwn, as the commands package writes it) into terminal text: links
// become "label (url)", mentions "@name", *bold* and `code` lose their
// markers, and the escaped &, < and > are shown as themselves.
//
// Links are read before unescaping: the commands package escapes record
// text, so every literal < or > in the markup opens or closes a link, and a
// name like "<!channel>" typed into Zendesk arrives as "&lt;!channel&gt;"
// and is shown as typed. _italic_ and ~strike~ are left alone: underscores
// are common in addresses and ids, and the commands do not use either.
func PlainText(s string) string {
	s = linkRe.ReplaceAllStringFunc(s, func(m string) string {
		target, label, _ := strings.Cut(m[1:len(m)-1], "|")
		return link(target, label)
	})
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = unwrap(unwrap(l, '*'), '`')
	}
	return bot.EmojiSymbols.Replace(unescaper.Replace(strings.Join(lines, "\n")))
}

var (
	linkRe    = regexp.MustCompile(`<[^<>\n]+>`)
	unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

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

// unwrap removes the markers of m…m spans where Slack would format them:
// the opening marker starts a word and is followed by a non-space, the
// closing one follows a non-space and ends a word. So "*Active:* 3" reads
// "Active: 3", while "2 * 3" and "a*b" keep their asterisks.
func unwrap(line string, m byte) string {
	var b strings.Builder
	for {
		i := opening(line, m)
		if i < 0 {
			break
		}
		j := closing(line, i+1, m)
		if j < 0 {
			break
		}
		b.WriteString(line[:i])
		b.WriteString(line[i+1 : j])
		line = line[j+1:]
	}
	b.WriteString(line)
	return b.String()
}

func opening(s string, m byte) int {
	for i := 0; i < len(s)-1; i++ {
		if s[i] != m || s[i+1] == ' ' || s[i+1] == m {
			continue
		}
		if prev, _ := utf8.DecodeLastRuneInString(s[:i]); i == 0 || !isWord(prev) {
			return i
		}
	}
	return -1
}

func closing(s string, from int, m byte) int {
	for j := from + 1; j < len(s); j++ {
		if s[j] != m || s[j-1] == ' ' {
			continue
		}
		if next, _ := utf8.DecodeRuneInString(s[j+1:]); j+1 == len(s) || !isWord(next) {
			return j
		}
	}
	return -1
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
