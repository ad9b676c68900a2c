package teams

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/internal/textcut"
)

// Adaptive Card TextBlocks and facts are Markdown, of which Teams shows
// **bold**, _italic_, lists and [links](url). Every TextBlock this package
// writes is built here, from one of two sources:
//
//   - Section.Text and Context lines are Slack mrkdwn (see bot.Message):
//     mrkdwn translates *bold*, `code`, <url|label>, mentions, entities and
//     emoji shortcodes, and escapes everything else.
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

var (
	// linkRe finds <url|label>, <@U1>, <#C1|name>, <!here>: read before the
	// entities are, as the commands escape record text, so every literal <
	// or > in mrkdwn opens or closes one (see console.PlainText).
	linkRe         = regexp.MustCompile(`<[^<>\n]+>`)
	slackUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

// linkMark stands for a link in a line while the bold and code spans
// around it are found; clean removes it from the input, so it is never
// literal text.
const linkMark = "\x00"

func mrkdwnLine(line string) string {
	line = strings.TrimLeft(line, " \t") // four leading spaces would make a code block
	links := linkRe.FindAllString(line, -1)
	masked := linkRe.ReplaceAllLiteralString(line, linkMark)
	var b strings.Builder
	for _, bold := range spans(masked, '*') {
		if bold.marked {
			b.WriteString("**")
		}
		for _, code := range spans(bold.text, '`') {
			// Teams shows no code spans in cards: the words stay, the
			// backticks go.
			parts := strings.Split(code.text, linkMark)
			for i, p := range parts {
				escapeLiteral(&b, bot.EmojiSymbols.Replace(slackUnescaper.Replace(p)), b.Len() == 0)
				if i < len(parts)-1 {
					b.WriteString(linkMarkdown(links[0]))
					links = links[1:]
				}
			}
		}
		if bold.marked {
			b.WriteString("**")
		}
	}
	return b.String()
}

// span is a run of a line, inside a pair of markers or not.
type span struct {
	text   string
	marked bool
}

// spans splits line at the m…m pairs Slack formats: the opening marker
// starts a word and is followed by a non-space, the closing one follows a
// non-space and ends a word. So "*Active:* 3" has a bold "Active:", while
// "2 * 3" and "a*b" keep their asterisks (console.PlainText reads the same
// way).
func spans(line string, m byte) []span {
	var out []span
	for {
		i := opening(line, m)
		if i < 0 {
			break
		}
		j := closing(line, i+1, m)
		if j < 0 {
			break
		}
		if i > 0 {
			out = append(out, span{text: line[:i]})
		}
		out = append(out, span{text: line[i+1 : j], marked: true})
		line = line[j+1:]
	}
	if line != "" || len(out) == 0 {
		out = append(out, span{text: line})
	}
	return out
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

// linkMarkdown translates one <target|label>. Mentions become "@name"
// text (a card mention needs the person's Teams id), web and mail links
// become Markdown links, and a link to an address that is its own label
// is just the address.
func linkMarkdown(m string) string {
	target, label, _ := strings.Cut(m[1:len(m)-1], "|")
	target, label = slackUnescaper.Replace(target), bot.EmojiSymbols.Replace(slackUnescaper.Replace(label))
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
			if prev < 0 || !isWord(prev) || i+1 == len(s) || !isWord(next) {
				b.WriteByte('\\')
			}
		case '&':
			if isEntity(s[i:]) {
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

// isEntity reports whether s starts with an entity like &amp; or &#8230;,
// which Markdown would show as the character it names.
func isEntity(s string) bool {
	for i := 1; i < len(s) && i <= 32; i++ {
		switch c := s[i]; {
		case c == ';':
			return i > 1
		case c == '#' && i == 1, 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		default:
			return false
		}
	}
	return false
}

// clean drops control characters other than line breaks and tabs: they are
// invisible, JSON spells each in six bytes, and linkMark must never be
// literal text.
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

// ellipsis marks text that was trimmed, so a cut is never silent.
const ellipsis = "…"

// trimPlain shortens plain text to at most limit characters, ending it with
// an ellipsis when it had to cut.
func trimPlain(s string, limit int) string { return trim(s, limit, false) }

// trimMrkdwn is trimPlain for mrkdwn: it also avoids cutting inside a
// <link|label> or an &entity;, which would show as debris.
func trimMrkdwn(s string, limit int) string { return trim(s, limit, true) }

func trim(s string, limit int, markup bool) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	cut := max(limit-1, 0) // room for the ellipsis
	cut = textcut.GraphemeSafe(r, cut)
	if markup {
		cut = markupSafe(r, cut)
	}
	return strings.TrimRightFunc(string(r[:cut]), unicode.IsSpace) + ellipsis
}

// markupSafe moves cut back to the start of a <…> link or an &…; entity it
// would split, unless that keeps less than half of the text (one enormous
// link is better cut than dropped).
func markupSafe(r []rune, cut int) int {
	floor := cut / 2
	for i := cut - 1; i >= 0; i-- {
		if r[i] == '>' {
			break
		}
		if r[i] == '<' {
			if i >= floor {
				cut = i
			}
			break
		}
	}
	for i := cut - 1; i >= 0 && i >= cut-8; i-- {
		if r[i] == ';' || unicode.IsSpace(r[i]) {
			break
		}
		if r[i] == '&' {
			if isEntity(string(r[i:min(len(r), i+34)])) {
				cut = i
			}
			break
		}
	}
	return cut
}
