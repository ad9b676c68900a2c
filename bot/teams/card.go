package teams

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seatwarden/seatwarden/bot"
)

// Card is one Adaptive Card (schema 1.5) ready for json.Marshal: the
// content of an attachment of type ContentTypeAdaptiveCard. Elements are
// map[string]any and lists []any, the shapes encoding/json decodes a card
// into, so CardText reads rendered and received cards alike.
type Card map[string]any

// ContentTypeAdaptiveCard is the attachment content type of a Card.
const ContentTypeAdaptiveCard = "application/vnd.microsoft.card.adaptive"

const (
	cardSchema = "http://adaptivecards.io/schemas/adaptive-card.json"
	// cardVersion: Teams renders Adaptive Cards up to 1.5, and Universal
	// Actions (Action.Execute) need 1.5.
	cardVersion = "1.5"
)

// Teams' limits (teams-platform.md §5) and the renderer's own. Lengths in
// characters; sizes in bytes of UTF-16, as Teams counts them.
const (
	// maxCardBytes: Teams refuses an activity over 40 KB of UTF-16; the rest
	// is left for the activity around the card (ids, summary, envelope).
	maxCardBytes = 36_000
	// maxActionsPerSet: Teams shows six actions of a set and hides the rest
	// in an overflow menu, so longer rows become several sets.
	maxActionsPerSet = 6

	maxHeadline     = 150  // trimmed, like Slack's header
	maxSummary      = 150  // trimmed; continuations add " (part 2 of 3)"
	maxFactTitle    = 200  // trimmed
	maxFactValue    = 1500 // trimmed
	maxButtonText   = 100  // trimmed
	maxConfirmTitle = 200  // trimmed
	maxConfirmText  = 1000 // trimmed
	maxOptionText   = 200  // trimmed
	maxInputLabel   = 500  // trimmed
	maxInputHint    = 500  // trimmed
	maxInputError   = 500  // trimmed

	// Values that cannot be shortened without breaking them are errors.
	maxButtonValue = 2000
	maxButtonURL   = 3000
	maxOptionValue = 2000
	maxFormID      = 255
	// maxImageBytes: Teams shows inline images under 1 MB.
	maxImageBytes = 1 << 20
	maxInputID    = 255
)

// RenderedCard is one Teams message of a rendered bot.Message. A message
// over the size limit becomes several, in order: only the first carries the
// headline, the last carries the context lines, controls and pager.
type RenderedCard struct {
	Card Card
	// Summary is the plain-text fallback and notification text: the
	// Headline; continuations add " (part 2 of 3)".
	Summary string
	// Ephemeral: only the person who asked should see it.
	Ephemeral bool
	// ReplaceOriginal: update the message whose control was clicked. Only
	// the first of several cards replaces it; the rest are posted after it.
	ReplaceOriginal bool
	// InThread: answer in the reply chain of the original message.
	InThread bool
}

// newCard wraps body elements in a card as wide as the conversation.
func newCard(body []any) Card {
	return Card{
		"type":    "AdaptiveCard",
		"$schema": cardSchema,
		"version": cardVersion,
		"body":    body,
		"msteams": map[string]any{"width": "Full"},
	}
}

// CardSize is the size Teams' 40 KB limit counts: c's JSON (as
// encoding/json writes it) encoded as UTF-16, two bytes per code unit.
func CardSize(c Card) (int, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return 0, fmt.Errorf("teams: card: %w", err)
	}
	return 2 * utf16Units(string(b)), nil
}

// element is one body element and its size in UTF-16 code units.
type element struct {
	el    map[string]any
	units int
}

func sized(el map[string]any) element { return element{el, jsonUnits(el)} }

// Card budget in UTF-16 code units: what body elements may take up after
// the card's own fields.
var (
	skeletonUnits = jsonUnits(map[string]any(newCard([]any{})))
	bodyBudget    = maxCardBytes/2 - skeletonUnits
)

// RenderMessage renders m as one or more cards.
//
// Headline becomes a large bold TextBlock, each Section its text (a
// TextBlock), its fields (a FactSet) and an ActionSet of its Button and
// Actions, separated from the section before; Context lines small subtle
// text; Buttons an ActionSet; each Select a drop-down with a "Show"
// button; and Pager a "Page 2 of 5" line with Previous and Next. Cards
// over the size limit are split between sections; text that alone is too
// long is continued or trimmed with an ellipsis. m.Form is not rendered
// here: send RenderForm's card. A message that is only a Form renders as
// no cards.
//
// It returns an error for what would break in Teams: a control without
// a valid action id or a label, a select without options, an inconsistent
// Pager, a value too large to send, or an empty message.
func RenderMessage(m bot.Message) ([]RenderedCard, error) {
	var units [][]element
	for i, s := range m.Sections {
		u, err := sectionElements(i, s, len(units) > 0)
		if err != nil {
			return nil, err
		}
		if len(u) > 0 {
			units = append(units, u)
		}
	}
	tail, err := tailElements(m)
	if err != nil {
		return nil, err
	}
	if len(tail) > 0 {
		units = append(units, tail)
	}
	if h := strings.TrimSpace(m.Headline); h != "" {
		head := sized(textBlock(plainMarkdown(trimPlain(h, maxHeadline)), "size", "Large", "weight", "Bolder"))
		// The headline belongs with what follows it, so it is packed with the
		// first unit rather than left alone on a card of its own.
		if len(units) == 0 {
			units = [][]element{{head}}
		} else {
			units[0] = append([]element{head}, units[0]...)
		}
	}
	if len(units) == 0 {
		if m.Form != nil {
			return nil, nil
		}
		return nil, errors.New("teams: empty message: no headline, sections, context, controls or pager")
	}

	parts := pack(units, bodyBudget)
	summary := summaryText(m)
	out := make([]RenderedCard, len(parts))
	for i, els := range parts {
		body := make([]any, len(els))
		for k, e := range els {
			body[k] = e.el
		}
		// A card starts with content, not a rule.
		delete(els[0].el, "separator")
		text := summary
		if i > 0 {
			text = strings.TrimSpace(fmt.Sprintf("%s (part %d of %d)", summary, i+1, len(parts)))
		}
		out[i] = RenderedCard{
			Card:            newCard(body),
			Summary:         text,
			Ephemeral:       m.Visibility == bot.Ephemeral,
			ReplaceOriginal: i == 0 && m.Delivery == bot.ReplaceOriginal,
			InThread:        m.Delivery == bot.InThread,
		}
	}
	if m.Image != nil && len(m.Image.PNG) > 0 && len(m.Image.PNG) <= maxImageBytes {
		// Teams counts a card's size without its Base64 images, so the
		// picture goes on the last card whatever the budget left. One
		// over Teams' limit is left out: the message says what matters
		// without it.
		last := out[len(out)-1].Card
		last["body"] = append(last["body"].([]any), imageElement(*m.Image))
	}
	return out, nil
}

// imageElement shows a PNG in the card as a data URI, which Adaptive Cards
// take in Image.url from version 1.2.
func imageElement(img bot.Image) map[string]any {
	el := map[string]any{"type": "Image", "url": "data:image/png;base64," + base64.StdEncoding.EncodeToString(img.PNG),
		"size": "Stretch", "spacing": "Medium"}
	if alt := cmp.Or(img.Alt, img.Title); alt != "" {
		el["altText"] = trimPlain(alt, maxFactValue)
	}
	return el
}

// pack fills cards of at most budget units of body, in order. A unit (the
// headline and first section, a section with its actions, or the tail of
// context, controls and pager) starts a new card rather than straddle two,
// unless it is larger than a whole card. Every element fits a card on its
// own (the element builders see to that).
func pack(units [][]element, budget int) [][]element {
	var out [][]element
	var cur []element
	used := 0
	add := func(e element) {
		if len(cur) > 0 {
			used++ // the comma
		}
		cur = append(cur, e)
		used += e.units
	}
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
		}
		cur, used = nil, 0
	}
	for _, u := range units {
		size := len(u) - 1
		for _, e := range u {
			size += e.units
		}
		if len(cur) > 0 && used+1+size > budget && size <= budget {
			flush()
		}
		for _, e := range u {
			if len(cur) > 0 && used+1+e.units > budget {
				flush()
			}
			add(e)
		}
	}
	flush()
	return out
}

// summaryText is the notification text: the Headline, or failing that the
// first section's or context line's text, so a notification has words
// whenever the message has any.
func summaryText(m bot.Message) string {
	if h := strings.TrimSpace(m.Headline); h != "" {
		return trimPlain(h, maxSummary)
	}
	for _, s := range append(sectionTexts(m.Sections), m.Context...) {
		if t := strings.TrimSpace(markdownPlain(mrkdwn(s))); t != "" {
			first, _, _ := strings.Cut(t, "\n")
			return trimPlain(first, maxSummary)
		}
	}
	return ""
}

func sectionTexts(sections []bot.Section) []string {
	out := make([]string, len(sections))
	for i, s := range sections {
		out[i] = s.Text
	}
	return out
}

// sectionElements renders one Section: its text (continued in further
// TextBlocks when long, so a long list loses no entries), its fields, and
// one row of its Button and Actions, so a split message never parts a seat
// from its buttons. separated draws a rule above it.
func sectionElements(i int, s bot.Section, separated bool) ([]element, error) {
	var out []element
	out = append(out, textBlocks(s.Text, textBlock(""))...)
	out = append(out, factSets(s.Fields)...)
	var row []map[string]any
	if s.Button != nil {
		a, err := action(fmt.Sprintf("Sections[%d].Button", i), *s.Button)
		if err != nil {
			return nil, err
		}
		row = append(row, a)
	}
	for k, b := range s.Actions {
		a, err := action(fmt.Sprintf("Sections[%d].Actions[%d]", i, k), b)
		if err != nil {
			return nil, err
		}
		row = append(row, a)
	}
	sets, err := actionSets(fmt.Sprintf("Sections[%d]", i), row)
	if err != nil {
		return nil, err
	}
	out = append(out, sets...)
	if separated && len(out) > 0 {
		out[0].el["separator"] = true
		out[0].units = jsonUnits(out[0].el)
	}
	return out, nil
}

// tailElements renders what goes under the content, and so onto the last
// card: context lines, then buttons and selects, then the pager.
func tailElements(m bot.Message) ([]element, error) {
	var out []element
	var context []string
	for _, c := range m.Context {
		if strings.TrimSpace(c) != "" {
			context = append(context, c)
		}
	}
	out = append(out, textBlocks(strings.Join(context, "\n"), textBlock("", "size", "Small", "isSubtle", true))...)

	var row []map[string]any
	for i, b := range m.Buttons {
		a, err := action(fmt.Sprintf("Buttons[%d]", i), b)
		if err != nil {
			return nil, err
		}
		row = append(row, a)
	}
	sets, err := actionSets("Buttons", row)
	if err != nil {
		return nil, err
	}
	out = append(out, sets...)

	for i, s := range m.Selects {
		els, err := selectElements(i, s)
		if err != nil {
			return nil, err
		}
		out = append(out, els...)
	}

	pager, err := pagerElements(m.Pager)
	if err != nil {
		return nil, err
	}
	return append(out, pager...), nil
}

// textBlock is a wrapping TextBlock of Markdown md with extra properties
// given as key, value pairs.
func textBlock(md string, kv ...any) map[string]any {
	el := map[string]any{"type": "TextBlock", "text": md, "wrap": true}
	for i := 0; i+1 < len(kv); i += 2 {
		if k, _ := kv[i].(string); k != "" {
			el[k] = kv[i+1]
		}
	}
	return el
}

// textBlocks renders mrkdwn text line by line as TextBlocks shaped like
// base, as few as fit a card each; a single line too long for a card is
// trimmed with an ellipsis. Blank text renders as nothing.
func textBlocks(text string, base map[string]any) []element {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	// Sizes of the text inside its quotes: the quotes are in overhead,
	// since base's text is empty.
	overhead := jsonUnits(base)
	budget := bodyBudget - overhead
	sep := escapedUnits(lineBreak)

	var out []element
	var chunk []string
	used := 0
	flush := func() {
		if joined := strings.Join(chunk, lineBreak); strings.TrimSpace(joined) != "" {
			el := clone(base)
			el["text"] = joined
			out = append(out, element{el, overhead + used})
		}
		chunk, used = nil, 0
	}
	for line := range strings.SplitSeq(text, "\n") {
		md := fitLine(line, budget)
		n := escapedUnits(md)
		if len(chunk) > 0 && used+sep+n > budget {
			flush()
		}
		if len(chunk) > 0 {
			used += sep
		}
		chunk = append(chunk, md)
		used += n
	}
	flush()
	return out
}

// fitLine renders a line of mrkdwn, trimmed until its Markdown takes at
// most budget units of JSON string content.
func fitLine(line string, budget int) string {
	md := mrkdwn(line)
	if escapedUnits(md) <= budget {
		return md
	}
	// The longest trim that fits: Markdown grows with escapes, so the cut
	// is searched rather than computed.
	lo, hi := 0, utf8.RuneCountInString(line)
	best := mrkdwn(trimMrkdwn(line, 0))
	for lo <= hi {
		mid := (lo + hi) / 2
		if m := mrkdwn(trimMrkdwn(line, mid)); escapedUnits(m) <= budget {
			best, lo = m, mid+1
		} else {
			hi = mid - 1
		}
	}
	return best
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// factSets renders fields as facts, "Label" beside "value", both plain
// text. Fields too many for one card continue in further sets.
func factSets(fields []bot.Field) []element {
	var facts []any
	for _, f := range fields {
		label, value := strings.TrimSpace(f.Label), strings.TrimSpace(f.Value)
		if label == "" && value == "" {
			continue
		}
		facts = append(facts, map[string]any{
			"title": plainMarkdown(trimPlain(label, maxFactTitle)),
			"value": plainMarkdown(trimPlain(value, maxFactValue)),
		})
	}
	if len(facts) == 0 {
		return nil
	}
	// The limits above keep any one fact well inside a card.
	return splitList(facts, bodyBudget, func(items []any) map[string]any {
		return map[string]any{"type": "FactSet", "facts": items}
	})
}

// splitList wraps items in as few elements as fit budget each.
func splitList(items []any, budget int, wrap func([]any) map[string]any) []element {
	overhead := jsonUnits(wrap([]any{}))
	var out []element
	var cur []any
	used := 0
	for _, it := range items {
		n := jsonUnits(it)
		if len(cur) > 0 && overhead+used+1+n > budget {
			out = append(out, element{wrap(cur), overhead + used})
			cur, used = nil, 0
		}
		if len(cur) > 0 {
			used++
		}
		cur = append(cur, it)
		used += n
	}
	if len(cur) > 0 {
		out = append(out, element{wrap(cur), overhead + used})
	}
	return out
}

// actionSets puts a row of actions into ActionSets of at most six (Teams
// hides the rest in a menu) and at most a card's size.
func actionSets(where string, row []map[string]any) ([]element, error) {
	wrap := func(items []any) map[string]any { return map[string]any{"type": "ActionSet", "actions": items} }
	overhead := jsonUnits(wrap([]any{}))
	var out []element
	for len(row) > 0 {
		n := min(len(row), maxActionsPerSet)
		items := make([]any, n)
		for i, a := range row[:n] {
			if u := jsonUnits(a); overhead+u > bodyBudget {
				return nil, fmt.Errorf("teams: %s: action %q takes %d bytes, more than a card holds", where, str(a, "title"), 2*u)
			}
			items[i] = a
		}
		out = append(out, splitList(items, bodyBudget, wrap)...)
		row = row[n:]
	}
	return out, nil
}

// action renders a Button: Action.OpenUrl for a link, Action.ShowCard
// around the action for a confirmation, otherwise Action.Execute.
func action(where string, b bot.Button) (map[string]any, error) {
	label := strings.TrimSpace(b.Label)
	if label == "" {
		return nil, fmt.Errorf("teams: %s: button has no label", where)
	}
	label = trimPlain(label, maxButtonText)
	if b.URL != "" {
		if err := checkURL(where, b.URL); err != nil {
			return nil, err
		}
		return map[string]any{"type": "Action.OpenUrl", "title": label, "url": b.URL}, nil
	}
	if b.ActionID == "" {
		return nil, fmt.Errorf("teams: %s: button %q has neither an ActionID nor a URL", where, label)
	}
	if err := checkActionID(where, b.ActionID); err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(b.Value); n > maxButtonValue {
		return nil, fmt.Errorf("teams: %s: button value is %d characters, over the limit of %d", where, n, maxButtonValue)
	}
	style := actionStyle(b.Style)
	var data map[string]any
	if b.Value != "" {
		data = map[string]any{keyValue: b.Value}
	}
	if b.Confirm == nil {
		return execute(label, b.ActionID, data, style), nil
	}
	return confirmCard(*b.Confirm, label, b.ActionID, data, style), nil
}

// checkActionID refuses an id ParseSubmission would not accept back.
func checkActionID(where, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("teams: %s: no ActionID", where)
	case !validActionID(id):
		return fmt.Errorf("teams: %s: ActionID %q is not an action id (1 to %d of a-z A-Z 0-9 . _ -, not sw.*)", where, clip(id), maxActionID)
	}
	return nil
}

func checkURL(where, raw string) error {
	if len(raw) > maxButtonURL {
		return fmt.Errorf("teams: %s: URL is %d bytes, over the limit of %d", where, len(raw), maxButtonURL)
	}
	u, err := url.Parse(raw)
	if err != nil || !(u.Scheme == "https" || u.Scheme == "http") || u.Host == "" {
		if err == nil && (u.Scheme == "mailto" || u.Scheme == "tel") && u.Opaque != "" {
			return nil
		}
		return fmt.Errorf("teams: %s: URL %q is not an http(s), mailto or tel address", where, clip(raw))
	}
	return nil
}

// actionStyle: Teams may draw neither, but the schema has both.
func actionStyle(s bot.ButtonStyle) string {
	switch s {
	case bot.StylePrimary:
		return "positive"
	case bot.StyleDanger:
		return "destructive"
	}
	return ""
}

// execute is an Action.Execute with the same information in its
// Action.Submit fallback (the verb moves into data), for clients without
// Universal Actions. Only what is needed is written: a digest has fifty of
// these and must fit one card.
func execute(title, verb string, data map[string]any, style string) map[string]any {
	submit := make(map[string]any, len(data)+1)
	for k, v := range data {
		submit[k] = v
	}
	submit[keyVerb] = verb
	a := map[string]any{
		"type":     "Action.Execute",
		"title":    title,
		"verb":     verb,
		"fallback": map[string]any{"type": "Action.Submit", "title": title, "data": submit},
	}
	if len(data) > 0 {
		a["data"] = data
	}
	if style != "" {
		a["style"] = style
	}
	return a
}

// confirmCard is the in-card "are you sure?": Adaptive Cards have no
// confirm dialog, so the button opens a card showing the question and the
// button that does it. Clicking the button again closes it, which is the
// "no"; Confirm.Deny has nowhere to go.
func confirmCard(c bot.Confirm, label, verb string, data map[string]any, style string) map[string]any {
	orDefault := func(s, def string) string {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
		return def
	}
	title := trimPlain(orDefault(c.Title, "Are you sure?"), maxConfirmTitle)
	text := trimPlain(orDefault(c.Text, label+"?"), maxConfirmText)
	yes := trimPlain(orDefault(c.Confirm, label), maxButtonText)
	// One TextBlock, the question in bold over the explanation: half the
	// bytes of two.
	question := "**" + plainMarkdown(title) + "**" + lineBreak + plainMarkdown(text)
	a := map[string]any{
		"type":  "Action.ShowCard",
		"title": label,
		"card": map[string]any{
			"type": "AdaptiveCard",
			"body": []any{textBlock(question)},
			// No Action.Submit fallback inside: a client without
			// Universal Actions does not render a 1.5 card at all
			// (Microsoft's Universal Actions guide), and the fallbacks
			// of two confirms per seat would push a ten-seat digest
			// page with its pager over one card.
			"actions": []any{withoutFallback(execute(yes, verb, data, ""))},
		},
	}
	if style != "" {
		a["style"] = style
	}
	return a
}

func withoutFallback(a map[string]any) map[string]any {
	delete(a, "fallback")
	return a
}

// selectElements renders a Select as a drop-down with the id "sel.<n>"
// and a "Show" button that sends the select's action id and names the
// drop-down, whose value Teams merges into the data.
func selectElements(i int, s bot.Select) ([]element, error) {
	where := fmt.Sprintf("Selects[%d]", i)
	if err := checkActionID(where, s.ActionID); err != nil {
		return nil, err
	}
	id := selectInputPrefix + strconv.Itoa(i)
	choices, err := choiceSet(where, id, s.Options, s.Initial)
	if err != nil {
		return nil, err
	}
	if p := strings.TrimSpace(s.Placeholder); p != "" {
		choices["placeholder"] = trimPlain(p, maxOptionText)
	}
	show := map[string]any{"type": "ActionSet", "actions": []any{execute("Show", s.ActionID, map[string]any{keySelect: id}, "")}}
	out := []element{sized(choices), sized(show)}
	if out[0].units > bodyBudget {
		return nil, fmt.Errorf("teams: %s: select takes %d bytes, more than a card holds", where, 2*out[0].units)
	}
	return out, nil
}

// choiceSet renders options as a compact Input.ChoiceSet (a drop-down),
// for messages and forms alike.
func choiceSet(where, id string, options []bot.Option, initial string) (map[string]any, error) {
	if len(options) == 0 {
		return nil, fmt.Errorf("teams: %s: select %q has no options", where, id)
	}
	choices := make([]any, len(options))
	seen := map[string]bool{}
	for i, o := range options {
		ow := fmt.Sprintf("%s.Options[%d]", where, i)
		label := strings.TrimSpace(o.Label)
		switch {
		case label == "":
			return nil, fmt.Errorf("teams: %s: option has no label", ow)
		case o.Value == "":
			return nil, fmt.Errorf("teams: %s: option %q has no value", ow, label)
		case seen[o.Value]:
			return nil, fmt.Errorf("teams: %s: option value %q repeats", ow, o.Value)
		case utf8.RuneCountInString(o.Value) > maxOptionValue:
			return nil, fmt.Errorf("teams: %s: option value is over the limit of %d characters", ow, maxOptionValue)
		}
		seen[o.Value] = true
		// A drop-down choice is one line; the description follows the label.
		if d := strings.TrimSpace(o.Description); d != "" {
			label += " — " + d
		}
		choices[i] = map[string]any{"title": trimPlain(label, maxOptionText), "value": o.Value}
	}
	if initial != "" && !seen[initial] {
		return nil, fmt.Errorf("teams: %s: initial value %q is not one of the options", where, initial)
	}
	el := map[string]any{"type": "Input.ChoiceSet", "id": id, "style": "compact", "choices": choices}
	if initial != "" {
		el["value"] = initial
	}
	return el, nil
}

// pagerElements renders "Page 2 of 5" and the Previous and Next buttons.
// A single page needs no pager at all.
func pagerElements(p *bot.Pager) ([]element, error) {
	if p == nil {
		return nil, nil
	}
	if p.Pages < 1 || p.Page < 1 || p.Page > p.Pages {
		return nil, fmt.Errorf("teams: Pager: page %d of %d is not a page of the list", p.Page, p.Pages)
	}
	if p.Pages == 1 {
		return nil, nil
	}
	if err := checkActionID("Pager", p.ActionID); err != nil {
		return nil, err
	}
	var row []any
	if p.Page > 1 {
		row = append(row, execute("Previous", p.ActionID, map[string]any{keyValue: bot.PageValue(p.Token, p.Page-1)}, ""))
	}
	if p.Page < p.Pages {
		row = append(row, execute("Next", p.ActionID, map[string]any{keyValue: bot.PageValue(p.Token, p.Page+1)}, ""))
	}
	return []element{
		sized(textBlock(fmt.Sprintf("Page %d of %d", p.Page, p.Pages), "size", "Small", "isSubtle", true)),
		sized(map[string]any{"type": "ActionSet", "actions": row}),
	}, nil
}

// RenderForm renders f as a card with inputs, Submit and Cancel.
//
// Title is a bold TextBlock; each input is an Input.Text, Input.Date or
// compact Input.ChoiceSet with the id "f.<Input.ID>", its label, and its
// hint as the placeholder of an empty text input or as small text under
// the input otherwise. An Input.Error shows in red under its input: Teams
// shows errorMessage only for its own checks, so the server's verdict
// must be text. Submit and Cancel send the verb "sw.form" with the form
// and record ids; Cancel sends no inputs. A form cannot be split, so one
// over the size limit is an error, as are inputs without an ID or label,
// repeated ids, unknown kinds and initial dates that are not YYYY-MM-DD.
func RenderForm(f bot.Form) (Card, error) {
	if f.ID == "" {
		return nil, errors.New("teams: Form: no ID")
	}
	if len(f.ID) > maxFormID {
		return nil, fmt.Errorf("teams: Form: ID is %d bytes, over the limit of %d", len(f.ID), maxFormID)
	}
	if len(f.Inputs) == 0 {
		return nil, fmt.Errorf("teams: Form %q: no inputs", f.ID)
	}
	var body []any
	if t := strings.TrimSpace(f.Title); t != "" {
		body = append(body, textBlock(plainMarkdown(trimPlain(t, maxHeadline)), "size", "Medium", "weight", "Bolder"))
	}
	seen := map[string]bool{}
	for i, in := range f.Inputs {
		where := fmt.Sprintf("Form.Inputs[%d]", i)
		if in.ID == "" {
			return nil, fmt.Errorf("teams: %s: input has no ID", where)
		}
		if len(in.ID) > maxInputID {
			return nil, fmt.Errorf("teams: %s: input ID is %d bytes, over the limit of %d", where, len(in.ID), maxInputID)
		}
		if seen[in.ID] {
			return nil, fmt.Errorf("teams: %s: input ID %q repeats", where, in.ID)
		}
		seen[in.ID] = true
		els, err := inputElements(where, in)
		if err != nil {
			return nil, err
		}
		body = append(body, els...)
	}

	submit := trimPlain(strings.TrimSpace(f.Submit), maxButtonText)
	if submit == "" {
		submit = "Submit"
	}
	data := map[string]any{keyForm: f.ID}
	if f.RecordID != "" {
		data[keyRecord] = f.RecordID
	}
	cancelData := clone(data)
	cancelData[keyCancel] = cancelValue
	cancel := execute("Cancel", verbForm, cancelData, "")
	// Cancel sends no inputs, so Teams does not hold it back for a required
	// one that is empty.
	cancel["associatedInputs"] = "none"
	cancel["fallback"].(map[string]any)["associatedInputs"] = "none"
	body = append(body, map[string]any{"type": "ActionSet", "actions": []any{
		execute(submit, verbForm, data, "positive"),
		cancel,
	}})

	c := newCard(body)
	if n, err := CardSize(c); err != nil {
		return nil, err
	} else if n > maxCardBytes {
		return nil, fmt.Errorf("teams: Form %q: card is %d bytes, over the limit of %d; a form cannot be split", f.ID, n, maxCardBytes)
	}
	return c, nil
}

// inputElements renders one input, then its hint and error when they are
// shown as text under it.
func inputElements(where string, in bot.Input) ([]any, error) {
	label := strings.TrimSpace(in.Label)
	if label == "" {
		return nil, fmt.Errorf("teams: %s: input %q has no label", where, in.ID)
	}
	el := map[string]any{"id": formInputPrefix + in.ID, "label": trimPlain(label, maxInputLabel)}
	hint := trimPlain(strings.TrimSpace(in.Hint), maxInputHint)
	var required string
	switch in.Kind {
	case bot.InputText, bot.InputMultiline:
		el["type"] = "Input.Text"
		if in.Kind == bot.InputMultiline {
			el["isMultiline"] = true
		}
		initial := in.Initial
		if in.MaxLength > 0 {
			el["maxLength"] = in.MaxLength
			initial = trimPlain(initial, in.MaxLength)
		}
		if initial != "" {
			el["value"] = initial
		} else if hint != "" {
			// A placeholder is seen only while the input is empty.
			el["placeholder"] = hint
			hint = ""
		}
		required = "Please answer this."
	case bot.InputDate:
		el["type"] = "Input.Date"
		if in.Initial != "" {
			if _, err := time.Parse(time.DateOnly, in.Initial); err != nil {
				return nil, fmt.Errorf("teams: %s: initial date %q is not YYYY-MM-DD", where, in.Initial)
			}
			el["value"] = in.Initial
		}
		required = "Please choose a date."
	case bot.InputSelect:
		cs, err := choiceSet(where, el["id"].(string), in.Options, in.Initial)
		if err != nil {
			return nil, err
		}
		for k, v := range cs {
			el[k] = v
		}
		required = "Please choose one."
	default:
		return nil, fmt.Errorf("teams: %s: unknown input kind %d", where, in.Kind)
	}
	if in.Required {
		el["isRequired"] = true
		el["errorMessage"] = required
	}
	out := []any{el}
	if hint != "" {
		out = append(out, textBlock(plainMarkdown(hint), "size", "Small", "isSubtle", true, "spacing", "None"))
	}
	if e := strings.TrimSpace(in.Error); e != "" {
		out = append(out, textBlock(plainMarkdown(trimPlain(e, maxInputError)), "color", "Attention"))
	}
	return out, nil
}

// jsonUnits is the length in UTF-16 code units of v as json.Marshal
// writes it, without writing it: the renderer sizes every element to pack
// cards. Key order does not change a length, so maps need no sorting.
func jsonUnits(v any) int {
	switch v := v.(type) {
	case nil:
		return len("null")
	case string:
		return stringUnits(v)
	case bool:
		if v {
			return len("true")
		}
		return len("false")
	case int:
		return len(strconv.Itoa(v))
	case map[string]any:
		n := 2 + max(len(v)-1, 0) // braces and commas
		for k, e := range v {
			n += stringUnits(k) + 1 + jsonUnits(e)
		}
		return n
	case Card:
		return jsonUnits(map[string]any(v))
	case []any:
		n := 2 + max(len(v)-1, 0)
		for _, e := range v {
			n += jsonUnits(e)
		}
		return n
	}
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return utf16Units(string(b))
}

// stringUnits is the length of s as a JSON string in UTF-16 code units,
// quotes included.
func stringUnits(s string) int { return 2 + escapedUnits(s) }

// escapedUnits is the length in UTF-16 code units of s escaped as
// encoding/json escapes it (HTML-safe), without the quotes.
func escapedUnits(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t':
				n += 2
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				n += 6 // \u00XX
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1, r == '\u2028', r == '\u2029':
			n += 6 // \ufffd, \u2028, \u2029
		case r >= 0x10000:
			n += 2
		default:
			n++
		}
		i += size
	}
	return n
}

// utf16Units counts s's UTF-16 code units: one per character, two (a
// surrogate pair) above U+FFFF.
func utf16Units(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}
