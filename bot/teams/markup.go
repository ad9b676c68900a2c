package teams

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/bot/internal/markup"
	"github.com/seatwarden/seatwarden/bot/internal/textcut"
)

// Adaptive Card TextBlocks and facts are Markdown, of which Teams shows
// **bold**, _italic_, lists and [links](url). Every TextBlock this package
// writes is built here, from one of two sources:
//
//   - Section.Text and Context lines are Slack mrkdwn (see bot.Message):
//     mrkdwn translates *bold*, `code`, <url|label>, mentions and entities,
//     and escapes everything else.
//   - Headline, field labels and values, confirm texts and form texts are
//     plain: plainMarkdown escapes them, so a name like "*boss*" or
//     "[x](y)" shows as typed.
//
// Lines are joined with a blank line: a single "\n" is a soft break that
// Markdown shows as a space.

// lineBreak is a line break in a TextBlock.
const lineBreak = "\n\n"

// mrkdwn translates Slack mrkdwn into card Markdown.
func mrkdwn(s string) string {
	lines := strings.Split(clean(s), "\n")
	for i, l := range lines {
		lines[i] = mrkdwnLine(l)
	}
	return strings.Join(lines, lineBreak)
}

// plainMarkdown escapes plain text for a TextBlock or a fact.
func plainMarkdown(s string) string {
	lines := strings.Split(clean(s), "\n")
	for i, l := range lines {
		var b strings.Builder
		escapeLiteral(&b, strings.TrimLeft(l, " \t"), true)
		lines[i] = b.String()
	}
	return strings.Join(lines, lineBreak)
}

// mrkdwnLine renders the pieces of one line of mrkdwn as card Markdown.
func mrkdwnLine(line string) string {
	line = strings.TrimLeft(line, " \t") // four leading spaces would make a code block
	var b strings.Builder
	for _, t := range markup.Line(line) {
		switch t.Kind {
		case markup.Text:
			escapeLiteral(&b, t.Text, b.Len() == 0)
		case markup.Link:
			b.WriteString(linkMarkdown(t.Target, t.Label))
		case markup.BoldStart, markup.BoldEnd:
			b.WriteString("**")
		case markup.CodeStart, markup.CodeEnd:
			// Teams shows no code spans in cards: the words stay, the
			// backticks go.
		}
	}
	return b.String()
}

// linkMarkdown translates one <target|label> link. Mentions become "@name"
// text (a card mention needs the person's Teams id), web and mail links
// become Markdown links, and a link to an address that is its own label
// is just the address.
func linkMarkdown(target, label string) string {
	var b strings.Builder
	switch {
	case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "#"):
		// <@U123>, <@U123|dana>, <#C123|support>.
		text := target
		if label != "" {
			text = target[:1] + strings.TrimPrefix(label, target[:1])
		}
		escapeLiteral(&b, text, false)
	case strings.HasPrefix(target, "!"):
		// <!here>, <!subteam^S1|@leads>, <!date^…|fallback>.
		text := label
		if text == "" {
			name, _, _ := strings.Cut(target[1:], "^")
			text = "@" + name
		}
		escapeLiteral(&b, text, false)
	case strings.HasPrefix(target, "mailto:") && (label == "" || label == strings.TrimPrefix(target, "mailto:")):
		escapeLiteral(&b, strings.TrimPrefix(target, "mailto:"), false)
	case !linkable(target):
		if label == "" || label == target {
			escapeLiteral(&b, target, false)
		} else {
			escapeLiteral(&b, label+" ("+target+")", false)
		}
	default:
		if label == "" {
			label = target
		}
		b.WriteByte('[')
		escapeLiteral(&b, label, false)
		b.WriteString("](")
		b.WriteString(urlEscaper.Replace(target))
		b.WriteByte(')')
	}
	return b.String()
}

// linkable: the schemes a card link may open. Anything else is shown as
// text rather than handed to the client.
func linkable(target string) bool {
	u, err := url.Parse(target)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	case "mailto", "tel":
		return u.Opaque != ""
	}
	return false
}

// urlEscaper keeps a URL from ending a Markdown link early.
var urlEscaper = strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "\\", "%5C")

// escapeLiteral writes s so card Markdown shows it as typed: it
// backslash-escapes what would format (*, _, `, [, ], \, an &entity;, a <
// that could start an autolink) and, at the start of a line, what would
// make a heading, quote, list or rule. An underscore inside a word
// (tom_reilly) is left alone: Markdown never formats it, and some mobile
// clients show the backslash.
func escapeLiteral(b *strings.Builder, s string, lineStart bool) {
	if lineStart {
		s = escapeLineStart(b, s)
	}
	prev := rune(-1)
	for i, r := range s {
		switch r {
		case '\\', '*', '`', '[', ']', '<':
			b.WriteByte('\\')
		case '_':
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			if prev < 0 || !markup.IsWord(prev) || i+1 == len(s) || !markup.IsWord(next) {
				b.WriteByte('\\')
			}
		case '&':
			if markup.IsEntity(s[i:], maxMarkdownEntity) {
				b.WriteByte('\\')
			}
		}
		b.WriteRune(r)
		prev = r
	}
}

// escapeLineStart escapes the marker that would make the line a heading
// (#), quote (>), list item (-, +, 1.) or rule (---, ===), writes it and
// returns the rest of s.
func escapeLineStart(b *strings.Builder, s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '#', '>', '-', '+', '=':
		b.WriteByte('\\')
		b.WriteByte(s[0])
		return s[1:]
	}
	digits := 0
	for digits < len(s) && digits < 9 && '0' <= s[digits] && s[digits] <= '9' {
		digits++
	}
	if digits > 0 && digits < len(s) && (s[digits] == '.' || s[digits] == ')') {
		b.WriteString(s[:digits])
		b.WriteByte('\\')
		b.WriteByte(s[digits])
		return s[digits+1:]
	}
	return s
}

// maxMarkdownEntity: Markdown reads entity names far longer than mrkdwn's,
// up to &CounterClockwiseContourIntegral;.
const maxMarkdownEntity = 32

// clean drops control characters other than line breaks and tabs: they are
// invisible, and JSON spells each in six bytes.
func clean(s string) string {
	if strings.IndexFunc(s, isJunk) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isJunk(r) {
			return -1
		}
		return r
	}, s)
}

func isJunk(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || r == utf8.RuneError
}

// trimPlain shortens plain text to at most limit characters, ending it with
// an ellipsis when it had to cut.
func trimPlain(s string, limit int) string { return trim(s, limit, false) }

// trimMrkdwn is trimPlain for mrkdwn: it also avoids cutting inside a
// <link|label> or an &entity;, which would show as debris.
func trimMrkdwn(s string, limit int) string { return trim(s, limit, true) }

// trim counts characters; fitLine fits the result to a card's UTF-16
// budget.
func trim(s string, limit int, mrkdwnText bool) string { return textcut.Trim(s, limit, mrkdwnText) }
