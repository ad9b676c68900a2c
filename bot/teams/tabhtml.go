package teams

import (
	"bytes"
	"cmp"
	"embed"
	"fmt"
	"html"
	"html/template"
	"strings"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/internal/markup"
)

//go:embed tab
var tabFiles embed.FS

var tabTemplates = template.Must(template.ParseFS(tabFiles, "tab/*.html"))

// tabFragment is what the tab's page puts in its main element after each
// request: a note (the answer to a click that is not the home itself), a
// form to fill in, and the home.
type tabFragment struct {
	Page int
	Note *tabMessage
	Form *tabForm
	Home *tabMessage
}

// tabMessage is a bot.Message as HTML: its mrkdwn read with markup.Line
// and every piece of text escaped.
type tabMessage struct {
	Headline string
	Sections []tabSection
	Buttons  []tabButton
	Context  []template.HTML
	Pager    []tabButton
	PageLine string
}

type tabSection struct {
	Text    template.HTML
	Fields  []bot.Field
	Buttons []tabButton
}

// tabButton is a control. A click posts Action and Value; Confirm, when
// set, is asked in the page first (tabs cannot use window.confirm).
type tabButton struct {
	Label, Action, Value, URL string
	Style                     string // "primary", "danger" or ""
	Confirm                   *bot.Confirm
}

type tabForm struct {
	ID, RecordID, Title, Submit string
	Inputs                      []tabInput
}

// tabInput is a form input; Type is "text", "textarea", "date" or
// "select".
type tabInput struct {
	bot.Input
	Type string
}

func tabMessageOf(m bot.Message) *tabMessage {
	t := &tabMessage{Headline: m.Headline}
	for _, s := range m.Sections {
		sec := tabSection{Text: mrkdwnHTML(s.Text), Fields: s.Fields}
		if s.Button != nil {
			sec.Buttons = append(sec.Buttons, tabButtonOf(*s.Button))
		}
		for _, b := range s.Actions {
			sec.Buttons = append(sec.Buttons, tabButtonOf(b))
		}
		t.Sections = append(t.Sections, sec)
	}
	for _, b := range m.Buttons {
		t.Buttons = append(t.Buttons, tabButtonOf(b))
	}
	for _, c := range m.Context {
		t.Context = append(t.Context, mrkdwnHTML(c))
	}
	if p := m.Pager; p != nil && p.Pages > 1 {
		t.PageLine = fmt.Sprintf("Page %d of %d", p.Page, p.Pages)
		if p.Page > 1 {
			t.Pager = append(t.Pager, tabButton{Label: "Previous", Action: p.ActionID, Value: bot.PageValue(p.Token, p.Page-1)})
		}
		if p.Page < p.Pages {
			t.Pager = append(t.Pager, tabButton{Label: "Next", Action: p.ActionID, Value: bot.PageValue(p.Token, p.Page+1)})
		}
	}
	return t
}

func tabButtonOf(b bot.Button) tabButton {
	t := tabButton{Label: b.Label, Action: b.ActionID, Value: b.Value, Confirm: b.Confirm}
	if strings.HasPrefix(b.URL, "https://") || strings.HasPrefix(b.URL, "http://") {
		t.URL = b.URL
	}
	switch b.Style {
	case bot.StylePrimary:
		t.Style = "primary"
	case bot.StyleDanger:
		t.Style = "danger"
	}
	return t
}

func tabFormOf(f bot.Form) *tabForm {
	t := &tabForm{ID: f.ID, RecordID: f.RecordID, Title: f.Title, Submit: cmp.Or(strings.TrimSpace(f.Submit), "Submit")}
	for _, in := range f.Inputs {
		kind := "text"
		switch in.Kind {
		case bot.InputMultiline:
			kind = "textarea"
		case bot.InputDate:
			kind = "date"
		case bot.InputSelect:
			kind = "select"
		}
		t.Inputs = append(t.Inputs, tabInput{Input: in, Type: kind})
	}
	return t
}

// mrkdwnHTML is a section's or context line's mrkdwn as HTML: *bold*,
// `code`, web and mail links, line breaks; everything else is text.
func mrkdwnHTML(s string) template.HTML {
	var b strings.Builder
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteString("<br>")
		}
		for _, t := range markup.Line(line) {
			switch t.Kind {
			case markup.Text:
				b.WriteString(html.EscapeString(t.Text))
			case markup.BoldStart:
				b.WriteString("<b>")
			case markup.BoldEnd:
				b.WriteString("</b>")
			case markup.CodeStart:
				b.WriteString("<code>")
			case markup.CodeEnd:
				b.WriteString("</code>")
			case markup.Link:
				b.WriteString(linkHTML(t.Target, t.Label))
			}
		}
	}
	return template.HTML(b.String()) // every piece above is escaped
}

// linkHTML is one <target|label>: web and mail links as links, anything
// else (mentions, Slack's specials) as its text.
func linkHTML(target, label string) string {
	text := label
	if text == "" {
		text = strings.TrimPrefix(target, "mailto:")
	}
	if strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "mailto:") {
		return `<a href="` + html.EscapeString(target) + `" target="_blank" rel="noopener">` + html.EscapeString(text) + `</a>`
	}
	return html.EscapeString(text)
}

// renderTabFragment renders f for the page.
func renderTabFragment(f tabFragment) ([]byte, error) {
	var buf bytes.Buffer
	if err := tabTemplates.ExecuteTemplate(&buf, "fragment.html", f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
