// Package markup reads the Slack mrkdwn of Section.Text and Context lines
// (see bot.Message) for the renderers that cannot hand it to Slack as it
// is: the console and Teams cards. It finds the pieces of a line; each
// renderer decides how they look.
//
// It reads what the commands write: *bold*, `code`, <target|label> links
// and mentions, and the &amp; &lt; &gt; entities. Emoji are Unicode in the
// neutral model, so there are no shortcodes to translate.
// _italic_ and ~strike~ stay text: underscores are common in addresses and
// ids, and the commands use neither.
package markup

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is what a Token stands for.
type Kind uint8

// Kinds of Token. Start and end tokens come in pairs; code spans nest
// inside bold ones, never across them.
const (
	Text Kind = iota
	Link
	BoldStart
	BoldEnd
	CodeStart
	CodeEnd
)

// Token is one piece of a line.
type Token struct {
	Kind Kind
	// Text is a Text token's words, entities decoded and emoji shortcodes
	// shown as symbols.
	Text string
	// Target and Label are a Link's <target|label>, entities decoded;
	// Label shows emoji as symbols and is "" when the link has none.
	Target, Label string
}

// Line reads one line of mrkdwn into tokens.
//
// Links are read first, before entities are decoded: the commands escape
// record text, so every literal < or > opens or closes a link, and a name
// like "<!channel>" typed into Zendesk arrives as "&lt;!channel&gt;" and
// reads as typed. A link is one piece: markers inside it are its text.
// Bold is read next and code inside each bold span or between them, so
// "`*x*`" is a bold x between two backticks.
func Line(line string) []Token {
	masked, links := mask(line)
	p := parser{links: links}
	for _, bold := range spans(masked, '*') {
		if bold.marked {
			p.emit(Token{Kind: BoldStart})
		}
		for _, code := range spans(bold.text, '`') {
			if code.marked {
				p.emit(Token{Kind: CodeStart})
			}
			p.text(code.text)
			if code.marked {
				p.emit(Token{Kind: CodeEnd})
			}
		}
		if bold.marked {
			p.emit(Token{Kind: BoldEnd})
		}
	}
	p.flush()
	return p.out
}

// Unescape decodes the three entities mrkdwn escapes.
func Unescape(s string) string { return unescaper.Replace(s) }

var (
	linkRe    = regexp.MustCompile(`<[^<>\n]+>`)
	unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
)

// hole stands for a link while bold and code spans are found: like a link,
// it is neither a word, a space nor a marker, so the spans around a link
// are the ones Slack sees.
const hole = "\x00"

// mask replaces each link of line with a hole and returns, in order, what
// every hole of the result stands for: a link, or nil for a hole that was
// in line already.
func mask(line string) (string, []*Token) {
	var b strings.Builder
	var holes []*Token
	text := func(s string) {
		for range strings.Count(s, hole) {
			holes = append(holes, nil)
		}
		b.WriteString(s)
	}
	at := 0
	for _, m := range linkRe.FindAllStringIndex(line, -1) {
		text(line[at:m[0]])
		target, label, _ := strings.Cut(line[m[0]+1:m[1]-1], "|")
		holes = append(holes, &Token{Kind: Link, Target: Unescape(target), Label: Unescape(label)})
		b.WriteString(hole)
		at = m[1]
	}
	text(line[at:])
	return b.String(), holes
}

type parser struct {
	links []*Token
	out   []Token
	words strings.Builder // text not yet emitted
}

// text takes s, a run of masked text, putting its links back.
func (p *parser) text(s string) {
	for {
		before, after, found := strings.Cut(s, hole)
		p.words.WriteString(before)
		if !found {
			return
		}
		l := p.links[0]
		p.links = p.links[1:]
		if l == nil {
			p.words.WriteString(hole)
		} else {
			p.emit(*l)
		}
		s = after
	}
}

func (p *parser) emit(t Token) {
	p.flush()
	p.out = append(p.out, t)
}

func (p *parser) flush() {
	if p.words.Len() > 0 {
		p.out = append(p.out, Token{Kind: Text, Text: Unescape(p.words.String())})
		p.words.Reset()
	}
}

// span is a run of a line, inside a pair of markers or not.
type span struct {
	text   string
	marked bool
}

// spans splits line at the m…m pairs Slack formats: the opening marker
// starts a word and is followed by a non-space, the closing one follows a
// non-space and ends a word. So "*Active:* 3" has a bold "Active:", while
// "2 * 3" and "a*b" keep their asterisks.
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
		if prev, _ := utf8.DecodeLastRuneInString(s[:i]); i == 0 || !IsWord(prev) {
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
		if next, _ := utf8.DecodeRuneInString(s[j+1:]); j+1 == len(s) || !IsWord(next) {
			return j
		}
	}
	return -1
}

// IsWord reports whether r belongs to a word: a marker touching one on its
// outer side is text.
func IsWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// IsEntity reports whether s starts with a character reference like &amp;
// or &#8230; whose ';' is at most n bytes after the '&'. mrkdwn and card
// Markdown both read them; they differ in how long a name they read.
func IsEntity(s string, n int) bool {
	if !strings.HasPrefix(s, "&") {
		return false
	}
	name, _, ok := strings.Cut(s[1:min(len(s), n+1)], ";")
	return ok && name != "" && strings.Trim(strings.TrimPrefix(name, "#"), alnum) == ""
}

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
