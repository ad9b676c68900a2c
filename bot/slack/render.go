// Package slack is seatwarden's Slack adapter: it renders the neutral
// bot.Message and bot.Form as Block Kit and translates Slack traffic into
// bot.Request.
package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/bot/internal/markup"
)

// Escape makes s safe to show literally inside mrkdwn: Slack reads &, < and >
// as the start of entities, links and mentions.
//
// Which model text is mrkdwn and which is plain:
//
//   - mrkdwn, passed through as written: Section.Text and Context lines. The
//     code that builds them may use *bold*, `code`, <url|label> and <@U…>
//     mentions, and must escape anything user-provided in them.
//   - plain, escaped by the renderer where it lands in mrkdwn: Field.Label
//     and Field.Value (record data such as group names; unescaped, a name
//     like "<!channel>" would notify everyone), and the Headline in the
//     fallback text.
//   - plain, sent as plain_text objects that Slack never parses: Headline
//     (header block), button and option labels, select placeholders,
//     confirm dialogs and everything in a Form.
func Escape(s string) string {
	return bot.EscapeText(s)
}

// RenderedMessage is one Slack message. A bot.Message over Slack's 50-block
// limit becomes several, in order: only the first carries the header, the
// last carries the context lines, controls and pager.
type RenderedMessage struct {
	// Text is the notification and screen-reader fallback (the escaped
	// Headline; "(part 2 of 3)" is added to continuations). It is mrkdwn.
	Text   string
	Blocks []slackgo.Block
	// Ephemeral: only the person who asked sees it.
	Ephemeral bool
	// ReplaceOriginal: update the message whose control was clicked. Only the
	// first of several messages replaces it; the rest are posted after it.
	ReplaceOriginal bool
	// InThread: answer in the thread of the original message.
	InThread bool
}

// Block ids are derived from the position in the model, so they are stable
// (golden files, repeated renders) and unique within each message.
const (
	blockHeader   = "head"
	blockPage     = "page"
	blockPagePrev = "page.prev"
	blockPageNext = "page.next"
)

func sectionBlockID(i, part int) string {
	if part == 0 {
		return "sec" + strconv.Itoa(i)
	}
	return "sec" + strconv.Itoa(i) + "." + strconv.Itoa(part)
}

// sectionActionsBlockID names the actions rows under section i: "sec3.act",
// then "sec3.act.1" and on when the row is split.
func sectionActionsBlockID(i, row int) string {
	if row == 0 {
		return sectionBlockID(i, 0) + ".act"
	}
	return sectionBlockID(i, 0) + ".act." + strconv.Itoa(row)
}

func contextBlockID(i int) string { return "ctx" + strconv.Itoa(i) }
func actionsBlockID(i int) string { return "act" + strconv.Itoa(i) }

// RenderMessage renders m as one or more Slack messages.
//
// Headline becomes a header block, each Section a section block (with its
// fields, ten per block, and its button as the accessory) followed by an
// actions block of its Actions, Context lines context blocks, Buttons and
// Selects actions blocks, and Pager a "Page 2 of 5" line with Previous and
// Next buttons. Text over Slack's limits is trimmed with an ellipsis;
// messages over 50 blocks are split. m.Form is not rendered here: open it
// with RenderForm. A message that is only a Form renders as no messages.
//
// It returns an error for what would silently break in Slack: an id or value
// over its limit (*LimitError), a control without an action id or label, a
// select without options, an inconsistent Pager, or an empty message.
func RenderMessage(m bot.Message) ([]RenderedMessage, error) {
	units, err := messageUnits(m)
	if err != nil {
		return nil, err
	}
	if len(units) == 0 {
		if m.Form != nil {
			return nil, nil
		}
		return nil, errors.New("slack: empty message: no headline, sections, context, controls or pager")
	}

	parts := pack(units, maxBlocksPerMessage)
	fallback := fallbackText(m)
	out := make([]RenderedMessage, len(parts))
	for i, blocks := range parts {
		text := fallback
		if i > 0 {
			suffix := fmt.Sprintf(" (part %d of %d)", i+1, len(parts))
			text = strings.TrimSpace(trimMrkdwn(fallback, maxMessageText-len(suffix)) + suffix)
		}
		out[i] = RenderedMessage{
			Text:            text,
			Blocks:          blocks,
			Ephemeral:       m.Visibility == bot.Ephemeral,
			ReplaceOriginal: i == 0 && m.Delivery == bot.ReplaceOriginal,
			InThread:        m.Delivery == bot.InThread,
		}
	}
	return out, nil
}

// messageUnits renders m's blocks in units that are never split: each
// section with its actions, and the tail of context, controls and pager;
// the header goes with the first.
func messageUnits(m bot.Message) ([][]slackgo.Block, error) {
	var units [][]slackgo.Block
	headline := strings.TrimSpace(m.Headline)
	for i, s := range m.Sections {
		blocks, err := sectionBlocks(i, s)
		if err != nil {
			return nil, err
		}
		if len(blocks) > 0 {
			units = append(units, blocks)
		}
	}
	tail, err := tailBlocks(m)
	if err != nil {
		return nil, err
	}
	if len(tail) > 0 {
		units = append(units, tail)
	}
	if headline != "" {
		h := slackgo.NewHeaderBlock(plain(trimPlain(headline, maxHeaderText)), slackgo.HeaderBlockOptionBlockID(blockHeader))
		// The header belongs with what follows it, so it is packed with the
		// first unit rather than left alone in a message of its own.
		if len(units) == 0 {
			units = [][]slackgo.Block{{h}}
		} else {
			units[0] = append([]slackgo.Block{h}, units[0]...)
		}
	}
	return units, nil
}

// pack fills messages of at most limit blocks in order. A unit (the blocks of
// one section with its actions, or the tail of context, controls and pager)
// starts a new message rather than straddle two, unless it is larger than a
// whole message.
func pack(units [][]slackgo.Block, limit int) [][]slackgo.Block {
	var out [][]slackgo.Block
	var cur []slackgo.Block
	for _, u := range units {
		if len(cur) > 0 && len(cur)+len(u) > limit && len(u) <= limit {
			out = append(out, cur)
			cur = nil
		}
		for _, b := range u {
			if len(cur) == limit {
				out = append(out, cur)
				cur = nil
			}
			cur = append(cur, b)
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// fallbackText is the top-level text: the Headline, or failing that the
// first section's or context line's text, so a notification has words
// whenever the message has any.
func fallbackText(m bot.Message) string {
	if h := strings.TrimSpace(m.Headline); h != "" {
		return trimMrkdwn(Escape(h), maxMessageText)
	}
	for _, s := range m.Sections {
		if strings.TrimSpace(s.Text) != "" {
			return trimMrkdwn(s.Text, maxMessageText)
		}
	}
	for _, c := range m.Context {
		if strings.TrimSpace(c) != "" {
			return trimMrkdwn(c, maxMessageText)
		}
	}
	return ""
}

// sectionBlocks renders one Section. Text over the section limit continues in
// further section blocks, split at line breaks so a long list loses no
// entries; fields continue ten at a time. The button sits beside the first;
// the Actions follow the last, as one unit, so a split message never parts
// a seat from its buttons.
func sectionBlocks(i int, s bot.Section) ([]slackgo.Block, error) {
	blocks, err := sectionContentBlocks(i, s)
	if err != nil {
		return nil, err
	}
	var controls []slackgo.BlockElement
	for k, b := range s.Actions {
		el, err := button(fmt.Sprintf("Sections[%d].Actions[%d]", i, k), b)
		if err != nil {
			return nil, err
		}
		controls = append(controls, el)
	}
	for row, els := range actionRows(controls) {
		blocks = append(blocks, slackgo.NewActionBlock(sectionActionsBlockID(i, row), els...))
	}
	return blocks, nil
}

// sectionContentBlocks renders a Section's text, fields and button.
func sectionContentBlocks(i int, s bot.Section) ([]slackgo.Block, error) {
	var acc *slackgo.Accessory
	var btn *slackgo.ButtonBlockElement
	if s.Button != nil {
		var err error
		btn, err = button(fmt.Sprintf("Sections[%d].Button", i), *s.Button)
		if err != nil {
			return nil, err
		}
		acc = slackgo.NewAccessory(btn)
	}
	texts := splitLines(s.Text, maxSectionText)
	fields := fieldObjects(s.Fields)
	if len(texts) == 0 && len(fields) == 0 {
		if btn == nil {
			return nil, nil
		}
		// A section needs text or fields; a lone button is an actions row.
		return []slackgo.Block{slackgo.NewActionBlock(sectionBlockID(i, 0), btn)}, nil
	}

	var blocks []slackgo.Block
	add := func(text *slackgo.TextBlockObject, f []*slackgo.TextBlockObject) {
		var a *slackgo.Accessory
		if len(blocks) == 0 {
			a = acc
		}
		blocks = append(blocks, slackgo.NewSectionBlock(text, f, a, slackgo.SectionBlockOptionBlockID(sectionBlockID(i, len(blocks)))))
	}
	for k, t := range texts {
		var f []*slackgo.TextBlockObject
		if k == len(texts)-1 {
			f, fields = takeFields(fields)
		}
		add(mrkdwn(t), f)
	}
	for len(fields) > 0 {
		var f []*slackgo.TextBlockObject
		f, fields = takeFields(fields)
		add(nil, f)
	}
	return blocks, nil
}

func takeFields(f []*slackgo.TextBlockObject) (head, rest []*slackgo.TextBlockObject) {
	n := min(len(f), maxSectionFields)
	return f[:n], f[n:]
}

// fieldObjects renders fields as "*Label*\nValue". Both are plain text, so
// both are escaped.
func fieldObjects(fields []bot.Field) []*slackgo.TextBlockObject {
	var out []*slackgo.TextBlockObject
	for _, f := range fields {
		label, value := strings.TrimSpace(f.Label), strings.TrimSpace(f.Value)
		var text string
		switch {
		case label != "" && value != "":
			text = "*" + Escape(label) + "*\n" + Escape(value)
		case label != "":
			text = "*" + Escape(label) + "*"
		case value != "":
			text = Escape(value)
		default:
			continue
		}
		out = append(out, mrkdwn(trimMrkdwn(text, maxFieldText)))
	}
	return out
}

// splitLines breaks mrkdwn text into pieces of at most limit characters at
// line breaks, trimming only a single line that is longer than limit on its
// own. Blank-only pieces are dropped: Slack rejects empty text.
func splitLines(text string, limit int) []string {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	if runeLen(text) <= limit {
		return []string{text}
	}
	var out, chunk []string
	chunkLen := 0
	flush := func() {
		if joined := strings.Join(chunk, "\n"); strings.TrimSpace(joined) != "" {
			out = append(out, joined)
		}
		chunk, chunkLen = chunk[:0], 0
	}
	for line := range strings.SplitSeq(text, "\n") {
		line = trimMrkdwn(line, limit)
		n := runeLen(line)
		if len(chunk) > 0 && chunkLen+1+n > limit {
			flush()
		}
		if len(chunk) > 0 {
			chunkLen++ // the line break
		}
		chunk = append(chunk, line)
		chunkLen += n
	}
	flush()
	return out
}

// tailBlocks renders what goes under the content, and so into the last
// message: context lines, then buttons and selects, then the pager.
func tailBlocks(m bot.Message) ([]slackgo.Block, error) {
	var blocks []slackgo.Block

	var lines []slackgo.MixedElement
	for _, c := range m.Context {
		if strings.TrimSpace(c) == "" {
			continue
		}
		lines = append(lines, mrkdwn(trimMrkdwn(c, maxContextText)))
	}
	for i := 0; len(lines) > 0; i++ {
		n := min(len(lines), maxContextElements)
		blocks = append(blocks, slackgo.NewContextBlock(contextBlockID(i), lines[:n]...))
		lines = lines[n:]
	}

	var controls []slackgo.BlockElement
	for i, b := range m.Buttons {
		el, err := button(fmt.Sprintf("Buttons[%d]", i), b)
		if err != nil {
			return nil, err
		}
		controls = append(controls, el)
	}
	for i, s := range m.Selects {
		el, err := staticSelect(fmt.Sprintf("Selects[%d]", i), s.ActionID, s.Placeholder, s.Options, s.Initial)
		if err != nil {
			return nil, err
		}
		controls = append(controls, el)
	}
	for i, row := range actionRows(controls) {
		blocks = append(blocks, slackgo.NewActionBlock(actionsBlockID(i), row...))
	}

	pager, err := pagerBlocks(m.Pager)
	if err != nil {
		return nil, err
	}
	return append(blocks, pager...), nil
}

// actionRows groups controls into actions blocks of at most 25, starting a
// new block when an action_id repeats: Slack rejects a block in which two
// elements share one (invalid_blocks).
func actionRows(els []slackgo.BlockElement) [][]slackgo.BlockElement {
	var rows [][]slackgo.BlockElement
	var cur []slackgo.BlockElement
	seen := map[string]bool{}
	for _, el := range els {
		id := elementActionID(el)
		if len(cur) == maxActionsElements || (id != "" && seen[id]) {
			rows = append(rows, cur)
			cur = nil
			clear(seen)
		}
		cur = append(cur, el)
		if id != "" {
			seen[id] = true
		}
	}
	if len(cur) > 0 {
		rows = append(rows, cur)
	}
	return rows
}

func elementActionID(el slackgo.BlockElement) string {
	switch e := el.(type) {
	case *slackgo.ButtonBlockElement:
		return e.ActionID
	case *slackgo.SelectBlockElement:
		return e.ActionID
	}
	return ""
}

// pagerBlocks renders "Page 2 of 5" and the Previous and Next buttons. Both
// buttons carry the pager's action_id, so each needs its own actions block.
// A single page needs no pager at all.
func pagerBlocks(p *bot.Pager) ([]slackgo.Block, error) {
	if p == nil {
		return nil, nil
	}
	if p.Pages < 1 || p.Page < 1 || p.Page > p.Pages {
		return nil, fmt.Errorf("slack: Pager: page %d of %d is not a page of the list", p.Page, p.Pages)
	}
	if p.Pages == 1 {
		return nil, nil
	}
	if p.ActionID == "" {
		return nil, errors.New("slack: Pager: no ActionID for the page buttons")
	}
	blocks := []slackgo.Block{
		slackgo.NewContextBlock(blockPage, mrkdwn(fmt.Sprintf("Page %d of %d", p.Page, p.Pages))),
	}
	add := func(blockID, label string, page int) error {
		el, err := button("Pager", bot.Button{ActionID: p.ActionID, Label: label, Value: bot.PageValue(p.Token, page)})
		if err != nil {
			return err
		}
		blocks = append(blocks, slackgo.NewActionBlock(blockID, el))
		return nil
	}
	if p.Page > 1 {
		if err := add(blockPagePrev, "Previous", p.Page-1); err != nil {
			return nil, err
		}
	}
	if p.Page < p.Pages {
		if err := add(blockPageNext, "Next", p.Page+1); err != nil {
			return nil, err
		}
	}
	return blocks, nil
}

// button renders a Button. A URL button may omit the action id (Slack makes
// one up); any other button without one could never be routed.
func button(where string, b bot.Button) (*slackgo.ButtonBlockElement, error) {
	label := strings.TrimSpace(b.Label)
	if label == "" {
		return nil, fmt.Errorf("slack: %s: button has no label", where)
	}
	if b.ActionID == "" && b.URL == "" {
		return nil, fmt.Errorf("slack: %s: button %q has neither an ActionID nor a URL", where, label)
	}
	if err := checkLen(where+".ActionID", "action_id", b.ActionID, maxActionID); err != nil {
		return nil, err
	}
	if err := checkLen(where+".Value", "button value", b.Value, maxButtonValue); err != nil {
		return nil, err
	}
	if err := checkLen(where+".URL", "button url", b.URL, maxButtonURL); err != nil {
		return nil, err
	}
	el := slackgo.NewButtonBlockElement(b.ActionID, b.Value, plain(trimPlain(label, maxButtonText)))
	el.URL = b.URL
	switch b.Style {
	case bot.StylePrimary:
		el.Style = slackgo.StylePrimary
	case bot.StyleDanger:
		el.Style = slackgo.StyleDanger
	}
	if b.Confirm != nil {
		el.Confirm = confirm(*b.Confirm, label, el.Style)
	}
	return el, nil
}

// confirm renders a confirmation dialog. Slack requires all four texts, so
// missing ones get defaults built from the button's label.
func confirm(c bot.Confirm, label string, style slackgo.Style) *slackgo.ConfirmationBlockObject {
	orDefault := func(s, def string) string {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
		return def
	}
	title := orDefault(c.Title, "Are you sure?")
	text := orDefault(c.Text, label+"?")
	yes := orDefault(c.Confirm, label)
	no := orDefault(c.Deny, "Cancel")
	obj := slackgo.NewConfirmationBlockObject(
		plain(trimPlain(title, maxConfirmTitle)),
		plain(trimPlain(text, maxConfirmText)),
		plain(trimPlain(yes, maxConfirmButton)),
		plain(trimPlain(no, maxConfirmButton)),
	)
	// The dialog's confirm button takes the colour of the button that opened
	// it, so "Remove" stays red all the way.
	return obj.WithStyle(style)
}

// staticSelect renders a drop-down, for messages and forms alike.
func staticSelect(where, actionID, placeholder string, options []bot.Option, initial string) (*slackgo.SelectBlockElement, error) {
	if actionID == "" {
		return nil, fmt.Errorf("slack: %s: select has no ActionID", where)
	}
	if err := checkLen(where+".ActionID", "action_id", actionID, maxActionID); err != nil {
		return nil, err
	}
	if len(options) == 0 {
		return nil, fmt.Errorf("slack: %s: select %q has no options", where, actionID)
	}
	if len(options) > maxSelectOptions {
		return nil, &LimitError{Where: where + ".Options", What: "option count", Len: len(options), Max: maxSelectOptions}
	}
	opts := make([]*slackgo.OptionBlockObject, len(options))
	var initialOpt *slackgo.OptionBlockObject
	seen := map[string]bool{}
	for i, o := range options {
		ow := fmt.Sprintf("%s.Options[%d]", where, i)
		label := strings.TrimSpace(o.Label)
		switch {
		case label == "":
			return nil, fmt.Errorf("slack: %s: option has no label", ow)
		case o.Value == "":
			return nil, fmt.Errorf("slack: %s: option %q has no value", ow, label)
		case seen[o.Value]:
			return nil, fmt.Errorf("slack: %s: option value %q repeats", ow, o.Value)
		}
		seen[o.Value] = true
		if err := checkLen(ow+".Value", "option value", o.Value, maxOptionValue); err != nil {
			return nil, err
		}
		var desc *slackgo.TextBlockObject
		if d := strings.TrimSpace(o.Description); d != "" {
			desc = plain(trimPlain(d, maxOptionDescription))
		}
		opts[i] = slackgo.NewOptionBlockObject(o.Value, plain(trimPlain(label, maxOptionText)), desc)
		if initial != "" && o.Value == initial {
			initialOpt = opts[i]
		}
	}
	if initial != "" && initialOpt == nil {
		return nil, fmt.Errorf("slack: %s: initial value %q is not one of the options", where, initial)
	}
	var ph *slackgo.TextBlockObject
	if p := strings.TrimSpace(placeholder); p != "" {
		ph = plain(trimPlain(p, maxSelectPlaceholder))
	}
	el := slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeStatic, ph, actionID, opts...)
	if initialOpt != nil {
		el.WithInitialOption(initialOpt)
	}
	return el, nil
}

// RenderForm renders f as a modal for views.open: callback_id is Form.ID,
// private_metadata is Form.RecordID (see formMetadata), and every input is
// an input block whose block_id and action_id are Input.ID, so a
// view_submission's state.values[id][id] holds the answer. Labels and the
// title are trimmed to Slack's limits; ids, metadata, more than 100 inputs
// or a view over 250 kB are errors, since a modal cannot be split.
func RenderForm(f bot.Form) (slackgo.ModalViewRequest, error) {
	return renderForm(f, bot.MessageRef{})
}

// renderForm is RenderForm for a form opened from a click on origin, which
// travels in private_metadata with the record id so the submission can
// update that message.
func renderForm(f bot.Form, origin bot.MessageRef) (slackgo.ModalViewRequest, error) {
	var none slackgo.ModalViewRequest
	if f.ID == "" {
		return none, errors.New("slack: Form: no ID for the callback_id")
	}
	if err := checkLen("Form.ID", "callback_id", f.ID, maxCallbackID); err != nil {
		return none, err
	}
	metadata := formMetadata(f.RecordID, origin)
	if err := checkLen("Form.RecordID", "private_metadata", metadata, maxPrivateMetadata); err != nil {
		return none, err
	}
	title := strings.TrimSpace(f.Title)
	if title == "" {
		return none, fmt.Errorf("slack: Form %q: no Title; a modal needs one", f.ID)
	}
	if len(f.Inputs) == 0 {
		return none, fmt.Errorf("slack: Form %q: no inputs", f.ID)
	}
	if len(f.Inputs) > maxBlocksPerView {
		return none, &LimitError{Where: "Form.Inputs", What: "input count", Len: len(f.Inputs), Max: maxBlocksPerView}
	}
	submit := strings.TrimSpace(f.Submit)
	if submit == "" {
		submit = "Submit" // required once a modal has input blocks
	}

	blocks := make([]slackgo.Block, 0, len(f.Inputs))
	seen := map[string]bool{}
	for i, in := range f.Inputs {
		where := fmt.Sprintf("Form.Inputs[%d]", i)
		if in.ID == "" {
			return none, fmt.Errorf("slack: %s: input has no ID", where)
		}
		if seen[in.ID] {
			// slack-go's OpenView refuses this too, but only at send time.
			return none, fmt.Errorf("slack: %s: input ID %q repeats", where, in.ID)
		}
		seen[in.ID] = true
		b, err := inputBlock(where, in)
		if err != nil {
			return none, err
		}
		blocks = append(blocks, b)
	}

	v := slackgo.ModalViewRequest{
		Type:            slackgo.VTModal,
		Title:           plain(trimPlain(title, maxViewTitle)),
		Blocks:          slackgo.Blocks{BlockSet: blocks},
		Close:           plain(trimPlain("Cancel", maxViewButton)),
		Submit:          plain(trimPlain(submit, maxViewButton)),
		PrivateMetadata: metadata,
		CallbackID:      f.ID,
	}
	if n, err := jsonSize(v); err != nil {
		return none, err
	} else if n > maxViewBytes {
		return none, &LimitError{Where: "Form", What: "view size in bytes", Len: n, Max: maxViewBytes}
	}
	return v, nil
}

func inputBlock(where string, in bot.Input) (*slackgo.InputBlock, error) {
	if err := checkLen(where+".ID", "block_id", in.ID, maxBlockID); err != nil {
		return nil, err
	}
	label := strings.TrimSpace(in.Label)
	if label == "" {
		return nil, fmt.Errorf("slack: %s: input %q has no label", where, in.ID)
	}
	var el slackgo.BlockElement
	switch in.Kind {
	case bot.InputText, bot.InputMultiline:
		limit := maxTextInputLength
		if in.MaxLength > 0 {
			limit = min(in.MaxLength, maxTextInputLength)
		}
		t := slackgo.NewPlainTextInputBlockElement(nil, in.ID).
			WithMultiline(in.Kind == bot.InputMultiline).
			WithInitialValue(trimPlain(in.Initial, limit))
		if in.MaxLength > 0 {
			t.WithMaxLength(limit)
		}
		el = t
	case bot.InputDate:
		d := slackgo.NewDatePickerBlockElement(in.ID)
		if in.Initial != "" {
			if _, err := time.Parse(time.DateOnly, in.Initial); err != nil {
				return nil, fmt.Errorf("slack: %s: initial date %q is not YYYY-MM-DD", where, in.Initial)
			}
			d.InitialDate = in.Initial
		}
		el = d
	case bot.InputSelect:
		s, err := staticSelect(where, in.ID, "", in.Options, in.Initial)
		if err != nil {
			return nil, err
		}
		el = s
	default:
		return nil, fmt.Errorf("slack: %s: unknown input kind %d", where, in.Kind)
	}
	var hint *slackgo.TextBlockObject
	if h := strings.TrimSpace(in.Hint); h != "" {
		hint = plain(trimPlain(h, maxInputHint))
	}
	return slackgo.NewInputBlock(in.ID, plain(trimPlain(label, maxInputLabel)), hint, el).WithOptional(!in.Required), nil
}

// FormErrors is the errors map of a view_submission answer
// ({"response_action":"errors","errors":{block_id: message}}; see
// slackgo.NewErrorsViewSubmissionResponse): each input with an Error, keyed
// by its block_id, which is the Input.ID. It is nil when no input has one.
func FormErrors(f bot.Form) map[string]string {
	var errs map[string]string
	for _, in := range f.Inputs {
		if msg := strings.TrimSpace(in.Error); msg != "" && in.ID != "" {
			if errs == nil {
				errs = map[string]string{}
			}
			errs[in.ID] = msg
		}
	}
	return errs
}

func plain(s string) *slackgo.TextBlockObject {
	return slackgo.NewTextBlockObject(slackgo.PlainTextType, s, true, false)
}

func mrkdwn(s string) *slackgo.TextBlockObject {
	return slackgo.NewTextBlockObject(slackgo.MarkdownType, s, false, false)
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

func jsonSize(v any) (int, error) {
	b, err := json.Marshal(v)
	return len(b), err
}

// firstInput is the block id of a submitted view's first input block,
// where a form-wide error can be shown; "" when it has none.
func firstInput(v slackgo.View) string {
	for _, b := range v.Blocks.BlockSet {
		if in, ok := b.(*slackgo.InputBlock); ok && in.BlockID != "" {
			return in.BlockID
		}
	}
	// A payload whose blocks did not come along still names its inputs
	// in its state.
	if v.State == nil {
		return ""
	}
	ids := slices.Sorted(maps.Keys(v.State.Values))
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// replyLine is a short reply as one plain line, for a form error.
func replyLine(m bot.Message) string {
	line := m.Headline
	if line == "" && len(m.Sections) > 0 {
		line = m.Sections[0].Text
	}
	return trimPlain(markup.Unescape(strings.Join(strings.Fields(line), " ")), maxFormErrorChars)
}
