package teams

import (
	"strings"
)

// CardText is the plain text of what a person sees on c, for a terminal,
// logs and tests: each body element on its own line(s), in order, with a
// blank line where the card draws a separator. Text shows without its
// Markdown (a link as "label (url)"), facts as "Label: value", inputs as
// "[Label: value]", and a row of actions as "[Keep] [Remove…] [Open
// (https://…)]", where "…" marks a button that opens more of the card (a
// confirmation, shown collapsed as Teams first shows it). It reads cards
// decoded from JSON as well as rendered ones, and ignores what it does not
// know. It is deterministic.
func CardText(c Card) string {
	var w cardWriter
	w.elements(c["body"])
	w.actions(c["actions"])
	return strings.TrimRight(w.b.String(), "\n")
}

type cardWriter struct {
	b strings.Builder
}

func (w *cardWriter) line(s string) {
	w.b.WriteString(s)
	w.b.WriteByte('\n')
}

func (w *cardWriter) elements(v any) {
	list, _ := v.([]any)
	for _, e := range list {
		el, ok := e.(map[string]any)
		if !ok {
			continue
		}
		if sep, _ := el["separator"].(bool); sep && w.b.Len() > 0 {
			w.b.WriteByte('\n')
		}
		w.element(el)
	}
}

func (w *cardWriter) element(el map[string]any) {
	switch str(el, "type") {
	case "TextBlock":
		if t := markdownPlain(str(el, "text")); t != "" {
			w.line(t)
		}
	case "FactSet":
		facts, _ := el["facts"].([]any)
		for _, f := range facts {
			if fact, ok := f.(map[string]any); ok {
				w.line(joinNonEmpty(": ", markdownPlain(str(fact, "title")), markdownPlain(str(fact, "value"))))
			}
		}
	case "ActionSet":
		w.actions(el["actions"])
	case "Container":
		w.elements(el["items"])
	case "ColumnSet":
		columns, _ := el["columns"].([]any)
		for _, c := range columns {
			if col, ok := c.(map[string]any); ok {
				w.elements(col["items"])
			}
		}
	case "Input.Text", "Input.Date", "Input.Number", "Input.Time":
		w.input(el, str(el, "value"))
	case "Input.ChoiceSet":
		w.input(el, choiceTitle(el))
	case "Input.Toggle":
		w.input(el, str(el, "title"))
	}
}

// input writes "[Label: value]", or "[Label]" while it is empty. A
// required input's label ends with "*", as Teams marks it.
func (w *cardWriter) input(el map[string]any, value string) {
	label := str(el, "label")
	if label == "" {
		label = str(el, "placeholder")
	}
	if label == "" {
		label = str(el, "id")
	}
	if req, _ := el["isRequired"].(bool); req {
		label += " *"
	}
	w.line("[" + joinNonEmpty(": ", label, value) + "]")
}

// choiceTitle is the title of the chosen choice, as the drop-down shows it.
func choiceTitle(el map[string]any) string {
	value := str(el, "value")
	choices, _ := el["choices"].([]any)
	for _, c := range choices {
		if ch, ok := c.(map[string]any); ok && value != "" && str(ch, "value") == value {
			return str(ch, "title")
		}
	}
	return value
}

func (w *cardWriter) actions(v any) {
	list, _ := v.([]any)
	var row []string
	for _, a := range list {
		act, ok := a.(map[string]any)
		if !ok {
			continue
		}
		title := str(act, "title")
		switch str(act, "type") {
		case "Action.ShowCard":
			title += "…"
		case "Action.OpenUrl":
			title += " (" + str(act, "url") + ")"
		}
		row = append(row, "["+title+"]")
	}
	if len(row) > 0 {
		w.line(strings.Join(row, " "))
	}
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

// markdownPlain reads card Markdown as a person sees it: paragraphs as
// lines, a soft line break as a space, **bold** and _italic_ markers and
// backslash escapes gone, [label](url) as "label (url)" (just the url when
// it is its own label).
func markdownPlain(md string) string {
	paras := strings.Split(md, lineBreak)
	for i, p := range paras {
		paras[i] = strings.TrimSpace(inlinePlain(strings.ReplaceAll(p, "\n", " ")))
	}
	return strings.Join(paras, "\n")
}

func inlinePlain(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]):
			i++
			b.WriteByte(s[i])
		case c == '*' && i+1 < len(s) && s[i+1] == '*':
			i++
		case c == '_' && underscoreMarker(s, i):
		case c == '[':
			label, dest, n := mdLink(s[i:])
			if n == 0 {
				b.WriteByte(c)
				continue
			}
			label = inlinePlain(label)
			if label == dest || "mailto:"+label == dest {
				b.WriteString(dest)
			} else {
				b.WriteString(label + " (" + dest + ")")
			}
			i += n - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// underscoreMarker: an unescaped _ that starts or ends a word marks
// italics; one inside a word (tom_reilly) is literal.
func underscoreMarker(s string, i int) bool {
	before := i > 0 && isAlnum(s[i-1])
	after := i+1 < len(s) && isAlnum(s[i+1])
	return !(before && after)
}

// mdLink reads "[label](dest)" at the start of s, honouring backslash
// escapes in the label; n is its length, 0 when s does not start with one.
func mdLink(s string) (label, dest string, n int) {
	depth := 0
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
				continue
			}
			if i+1 >= len(s) || s[i+1] != '(' {
				return "", "", 0
			}
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				return "", "", 0
			}
			return s[1:i], s[i+2 : i+2+end], i + 3 + end
		}
	}
	return "", "", 0
}

func isASCIIPunct(c byte) bool {
	return '!' <= c && c <= '/' || ':' <= c && c <= '@' || '[' <= c && c <= '`' || '{' <= c && c <= '~'
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80
}
