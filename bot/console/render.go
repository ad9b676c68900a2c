// Package console is seatwarden's terminal transport: a chat shell in which
// a person types commands as anyone and reads the replies as plain text,
// like Hubot's shell adapter. Controls are numbered; typing a number clicks
// one. It talks to the same command router as Slack and Teams, so what works
// here works there.
package console

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/bot"
)

// Choice is a numbered control of a rendered message: what typing its
// number sends. Choice i of a Render result is shown as [i+1].
type Choice struct {
	Label    string
	ActionID string
	Value    string
	// Confirm, when set, is asked (y/N) before the action is sent.
	Confirm *bot.Confirm
}

// Render shows m as terminal text and returns its numbered controls in the
// order they are shown. It never fails: whatever the message holds is
// shown, so a malformed reply is visible rather than swallowed.
//
// Layout, top to bottom, in the order the chat renderers use: a note when
// only the asker sees the reply or it updates an earlier message, the
// headline (underlined), each section (text, "Label: value" fields, its button), the
// form's title, a line naming the picture, context lines indented and marked "·", the button row,
// selects with one numbered line per option, and the pager. Link buttons
// show their URL and take no number. Section text and context lines are
// markup; see PlainText.
func Render(m bot.Message) (string, []Choice) {
	r := &renderer{}
	if isEmpty(m) {
		return "(empty reply)", nil
	}
	if note := deliveryNote(m); note != "" {
		r.line("(" + note + ")")
	}
	if h := strings.TrimSpace(m.Headline); h != "" {
		// Underlined, as the header the chat clients draw in bold.
		r.line(h)
		r.line(strings.Repeat("─", min(utf8.RuneCountInString(h), maxRule)))
	}
	for _, s := range m.Sections {
		r.section(s)
	}
	if f := m.Form; f != nil {
		r.block()
		r.line("Form: " + nonEmpty(strings.TrimSpace(f.Title), f.ID))
	}
	if img := m.Image; img != nil {
		r.block()
		r.line(fmt.Sprintf("[picture: %s, a %d KB PNG that Slack and Teams show]", nonEmpty(img.Title, img.Name), (len(img.PNG)+1023)/1024))
	}
	r.context(m.Context)
	r.buttons(m.Buttons)
	for _, s := range m.Selects {
		r.selectBlock(s)
	}
	r.pager(m.Pager)
	return strings.TrimRight(r.b.String(), "\n"), r.choices
}

// maxRule bounds the headline's underline to a narrow terminal's width.
const maxRule = 72

type renderer struct {
	b       strings.Builder
	choices []Choice
	// open: a block was written and the next one needs a blank line first.
	open bool
}

func (r *renderer) line(s string) {
	r.b.WriteString(s)
	r.b.WriteByte('\n')
	r.open = true
}

// block starts a new block: blocks are separated by one blank line.
func (r *renderer) block() {
	if r.open {
		r.b.WriteByte('\n')
		r.open = false
	}
}

// choose numbers a control and returns its "[n] Label".
func (r *renderer) choose(c Choice) string {
	r.choices = append(r.choices, c)
	return fmt.Sprintf("[%d] %s", len(r.choices), c.Label)
}

func (r *renderer) section(s bot.Section) {
	text := strings.TrimSpace(PlainText(s.Text))
	if text == "" && len(s.Fields) == 0 && s.Button == nil && len(s.Actions) == 0 {
		return
	}
	r.block()
	if text != "" {
		for _, l := range strings.Split(text, "\n") {
			r.line(l)
		}
	}
	for _, f := range s.Fields {
		r.field(f)
	}
	if b := s.Button; b != nil {
		r.line("  " + r.button(*b))
	}
	if len(s.Actions) > 0 {
		row := make([]string, len(s.Actions))
		for i, b := range s.Actions {
			row[i] = r.button(b)
		}
		r.line("  " + strings.Join(row, "  "))
	}
}

// field is "  Label: value"; further lines of the value are indented under
// it, as the chat clients keep them in the field's column.
func (r *renderer) field(f bot.Field) {
	lines := strings.Split(strings.TrimSpace(f.Value), "\n")
	first := lines[0]
	if l := strings.TrimSpace(f.Label); l != "" {
		first = l + ": " + first
	}
	r.line("  " + first)
	for _, l := range lines[1:] {
		r.line("    " + l)
	}
}

// button is "[n] Label", or "Label: URL" for a link, which opens in a
// browser rather than sending anything.
func (r *renderer) button(b bot.Button) string {
	label := nonEmpty(strings.TrimSpace(b.Label), b.ActionID)
	if b.URL != "" {
		return label + ": " + b.URL
	}
	return r.choose(Choice{Label: label, ActionID: b.ActionID, Value: b.Value, Confirm: b.Confirm})
}

func (r *renderer) context(lines []string) {
	first := true
	for _, c := range lines {
		c = strings.TrimSpace(PlainText(c))
		if c == "" {
			continue
		}
		if first {
			r.block()
			first = false
		}
		for i, l := range strings.Split(c, "\n") {
			mark := "  · "
			if i > 0 {
				mark = "    "
			}
			r.line(mark + l)
		}
	}
}

// buttons puts the numbered buttons on one line, like the chat clients'
// button row, and each link on a line of its own.
func (r *renderer) buttons(bs []bot.Button) {
	if len(bs) == 0 {
		return
	}
	r.block()
	var row, links []string
	for _, b := range bs {
		if b.URL != "" {
			links = append(links, r.button(b))
		} else {
			row = append(row, r.button(b))
		}
	}
	if len(row) > 0 {
		r.line(strings.Join(row, "  "))
	}
	for _, l := range links {
		r.line(l)
	}
}

func (r *renderer) selectBlock(s bot.Select) {
	r.block()
	r.line(nonEmpty(strings.TrimSpace(s.Placeholder), "Choose one") + ":")
	for _, o := range s.Options {
		label := nonEmpty(strings.TrimSpace(o.Label), o.Value)
		line := "  " + r.choose(Choice{Label: label, ActionID: s.ActionID, Value: o.Value})
		if d := strings.TrimSpace(o.Description); d != "" {
			line += " — " + d
		}
		if s.Initial != "" && o.Value == s.Initial {
			line += " (selected)"
		}
		r.line(line)
	}
}

// pager is "Page 2 of 5" with Previous and Next; a single page needs none.
func (r *renderer) pager(p *bot.Pager) {
	if p == nil || p.Pages < 2 {
		return
	}
	r.block()
	parts := []string{fmt.Sprintf("Page %d of %d", p.Page, p.Pages)}
	if p.Page > 1 {
		parts = append(parts, r.choose(Choice{Label: "Previous", ActionID: p.ActionID, Value: bot.PageValue(p.Token, p.Page-1)}))
	}
	if p.Page < p.Pages {
		parts = append(parts, r.choose(Choice{Label: "Next", ActionID: p.ActionID, Value: bot.PageValue(p.Token, p.Page+1)}))
	}
	r.line(strings.Join(parts, "  "))
}

// deliveryNote says what a chat client would show without words: who sees
// the reply and where it goes.
func deliveryNote(m bot.Message) string {
	var notes []string
	if m.Visibility == bot.Ephemeral {
		notes = append(notes, "only you can see this")
	}
	switch m.Delivery {
	case bot.ReplaceOriginal:
		notes = append(notes, "updates the message above")
	case bot.InThread:
		notes = append(notes, "in the thread")
	}
	return strings.Join(notes, " · ")
}

func isEmpty(m bot.Message) bool {
	if strings.TrimSpace(m.Headline) != "" || m.Form != nil || len(m.Buttons) > 0 || len(m.Selects) > 0 ||
		(m.Pager != nil && m.Pager.Pages > 1) {
		return false
	}
	for _, s := range m.Sections {
		if strings.TrimSpace(s.Text) != "" || len(s.Fields) > 0 || s.Button != nil || len(s.Actions) > 0 {
			return false
		}
	}
	for _, c := range m.Context {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func nonEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// ChoiceList is one line naming each numbered control, "[1] Keep  [2]
// Remove", for replies drawn by something other than Render.
func ChoiceList(choices []Choice) string {
	parts := make([]string, len(choices))
	for i, c := range choices {
		parts[i] = fmt.Sprintf("[%d] %s", i+1, c.Label)
	}
	return strings.Join(parts, "  ")
}
