package slacktest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// surface is where blocks are shown; some block types exist only in
// messages.
type surface int

const (
	surfaceMessage surface = iota
	surfaceModal
	surfaceHome
)

// blockAllowed reports whether a block type exists on a surface, per the
// Block Kit reference.
func blockAllowed(s surface, typ string) bool {
	switch typ {
	case "actions", "context", "divider", "header", "image", "input", "rich_text", "section", "video":
		return true
	case "file", "markdown", "table":
		return s == surfaceMessage
	}
	return false
}

// container is the block field an element sits in.
type container int

const (
	inActions container = iota
	inAccessory
	inInput
)

// elementAllowed reports whether an element type works in a container,
// per each element's "works with" list.
func elementAllowed(c container, typ string) bool {
	switch typ {
	case "static_select", "external_select", "users_select", "conversations_select", "channels_select",
		"multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select", "multi_channels_select",
		"checkboxes", "datepicker", "radio_buttons", "timepicker":
		return true
	case "button", "overflow", "workflow_button":
		return c != inInput
	case "datetimepicker":
		return c != inAccessory
	case "image":
		return c == inAccessory
	case "email_text_input", "file_input", "number_input", "plain_text_input", "rich_text_input", "url_text_input":
		return c == inInput
	}
	return false
}

// Text object kinds a field accepts.
const (
	plainOnly = iota
	plainOrMrkdwn
)

// validator collects problems in Slack's response_metadata.messages form:
// "[ERROR] <what> [json-pointer:<where>]".
type validator struct {
	surface  surface
	problems []string
	blockIDs map[string]bool
}

func (v *validator) fail(ptr, format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf("[ERROR] %s [json-pointer:%s]", fmt.Sprintf(format, args...), ptr))
}

// validateBlocks checks a decoded blocks array for the given surface.
// ptr is the JSON pointer of the array, e.g. "/blocks" or "/view/blocks".
func validateBlocks(blocks []any, s surface, ptr string) []string {
	v := &validator{surface: s, blockIDs: map[string]bool{}}
	maxBlocks := MaxMessageBlocks
	if s != surfaceMessage {
		maxBlocks = MaxViewBlocks
	}
	if len(blocks) > maxBlocks {
		v.fail(ptr, "must be no more than %d items", maxBlocks)
	}
	for i, b := range blocks {
		v.block(b, ptr+"/"+strconv.Itoa(i))
	}
	return v.problems
}

func (v *validator) block(b any, ptr string) {
	obj, ok := b.(map[string]any)
	if !ok {
		v.fail(ptr, "must be an object")
		return
	}
	typ, ok := obj["type"].(string)
	if !ok || typ == "" {
		v.fail(ptr+"/type", "missing required field: type")
		return
	}
	if !blockAllowed(v.surface, typ) {
		v.fail(ptr+"/type", "unsupported block type: %s", typ)
		return
	}
	if id, present := obj["block_id"]; present && id != nil {
		s, ok := id.(string)
		switch {
		case !ok || s == "":
			v.fail(ptr+"/block_id", "must be a non-empty string")
		case utf8.RuneCountInString(s) > MaxBlockIDChars:
			v.fail(ptr+"/block_id", "must be no more than %d characters", MaxBlockIDChars)
		case v.blockIDs[s]:
			v.fail(ptr+"/block_id", "duplicate block_id: %s", s)
		default:
			v.blockIDs[s] = true
		}
	}

	switch typ {
	case "section":
		_, hasText := present(obj, "text")
		fields, hasFields := present(obj, "fields")
		if !hasText && !hasFields {
			v.fail(ptr, "must provide either text or fields")
		}
		if hasText {
			v.text(obj["text"], ptr+"/text", plainOrMrkdwn, MaxSectionTextChars)
		}
		if hasFields {
			list := v.array(fields, ptr+"/fields", 1, MaxSectionFields)
			for i, f := range list {
				v.text(f, ptr+"/fields/"+strconv.Itoa(i), plainOrMrkdwn, MaxSectionFieldChars)
			}
		}
		if acc, ok := present(obj, "accessory"); ok {
			v.element(acc, ptr+"/accessory", inAccessory, nil)
		}
	case "header":
		v.requiredText(obj, "text", ptr, plainOnly, MaxHeaderTextChars)
	case "divider":
	case "context":
		list := v.requiredArray(obj, "elements", ptr, 1, MaxContextElements)
		for i, e := range list {
			ep := ptr + "/elements/" + strconv.Itoa(i)
			if m, ok := e.(map[string]any); ok && m["type"] == "image" {
				v.imageElement(m, ep)
				continue
			}
			v.text(e, ep, plainOrMrkdwn, MaxTextObjectChars)
		}
	case "actions":
		list := v.requiredArray(obj, "elements", ptr, 1, MaxActionsElements)
		actionIDs := map[string]bool{}
		for i, e := range list {
			v.element(e, ptr+"/elements/"+strconv.Itoa(i), inActions, actionIDs)
		}
	case "input":
		v.requiredText(obj, "label", ptr, plainOnly, MaxInputLabelChars)
		if el, ok := present(obj, "element"); ok {
			v.element(el, ptr+"/element", inInput, nil)
		} else {
			v.fail(ptr+"/element", "missing required field: element")
		}
		if _, ok := present(obj, "hint"); ok {
			v.text(obj["hint"], ptr+"/hint", plainOnly, MaxInputHintChars)
		}
	case "image":
		v.imageElement(obj, ptr)
		if _, ok := present(obj, "title"); ok {
			v.text(obj["title"], ptr+"/title", plainOnly, MaxImageTitleChars)
		}
	case "markdown":
		v.requiredString(obj, "text", ptr, MaxMarkdownBlockChars)
	case "rich_text":
		v.requiredArray(obj, "elements", ptr, 1, -1)
	case "file":
		v.requiredString(obj, "external_id", ptr, -1)
		v.requiredString(obj, "source", ptr, -1)
	case "video":
		v.requiredString(obj, "alt_text", ptr, -1)
		v.requiredText(obj, "title", ptr, plainOnly, MaxVideoTitleChars)
		v.requiredString(obj, "thumbnail_url", ptr, -1)
		v.requiredString(obj, "video_url", ptr, -1)
	case "table":
		v.requiredArray(obj, "rows", ptr, 1, -1)
	}
}

// element checks an interactive or input element. actionIDs, when not
// nil, enforces unique action_ids within the enclosing block.
func (v *validator) element(e any, ptr string, where container, actionIDs map[string]bool) {
	obj, ok := e.(map[string]any)
	if !ok {
		v.fail(ptr, "must be an object")
		return
	}
	typ, _ := obj["type"].(string)
	if typ == "" {
		v.fail(ptr+"/type", "missing required field: type")
		return
	}
	if !elementAllowed(where, typ) {
		v.fail(ptr+"/type", "unsupported element type here: %s", typ)
		return
	}
	if id, ok := present(obj, "action_id"); ok {
		s, isString := id.(string)
		switch {
		case !isString || s == "":
			v.fail(ptr+"/action_id", "must be a non-empty string")
		case utf8.RuneCountInString(s) > MaxActionIDChars:
			v.fail(ptr+"/action_id", "must be no more than %d characters", MaxActionIDChars)
		case actionIDs != nil && actionIDs[s]:
			v.fail(ptr+"/action_id", "duplicate action_id: %s", s)
		case actionIDs != nil:
			actionIDs[s] = true
		}
	}
	if c, ok := present(obj, "confirm"); ok {
		v.confirm(c, ptr+"/confirm")
	}
	if _, ok := present(obj, "placeholder"); ok {
		v.text(obj["placeholder"], ptr+"/placeholder", plainOnly, MaxPlaceholderChars)
	}

	switch typ {
	case "button":
		v.requiredText(obj, "text", ptr, plainOnly, MaxButtonTextChars)
		v.optionalString(obj, "value", ptr, MaxButtonValueChars)
		v.optionalString(obj, "url", ptr, MaxButtonURLChars)
		v.optionalString(obj, "accessibility_label", ptr, MaxAccessibilityLabelChars)
		if style, ok := present(obj, "style"); ok && style != "primary" && style != "danger" {
			v.fail(ptr+"/style", "must be one of primary, danger")
		}
	case "workflow_button":
		v.requiredText(obj, "text", ptr, plainOnly, MaxButtonTextChars)
		if _, ok := present(obj, "workflow"); !ok {
			v.fail(ptr+"/workflow", "missing required field: workflow")
		}
	case "static_select", "multi_static_select":
		opts, hasOpts := present(obj, "options")
		groups, hasGroups := present(obj, "option_groups")
		switch {
		case hasOpts == hasGroups:
			v.fail(ptr, "must provide exactly one of options or option_groups")
		case hasOpts:
			v.options(opts, ptr+"/options", 1, MaxSelectOptions, plainOnly)
		default:
			list := v.array(groups, ptr+"/option_groups", 1, MaxSelectOptionGroups)
			for i, g := range list {
				gp := ptr + "/option_groups/" + strconv.Itoa(i)
				gm, ok := g.(map[string]any)
				if !ok {
					v.fail(gp, "must be an object")
					continue
				}
				v.requiredText(gm, "label", gp, plainOnly, MaxOptionGroupLabelChars)
				if o, ok := present(gm, "options"); ok {
					v.options(o, gp+"/options", 1, MaxSelectOptions, plainOnly)
				} else {
					v.fail(gp+"/options", "missing required field: options")
				}
			}
		}
	case "overflow":
		v.requiredOptions(obj, ptr, MinOverflowOptions, MaxOverflowOptions, plainOnly)
	case "checkboxes":
		v.requiredOptions(obj, ptr, 1, MaxCheckboxOptions, plainOrMrkdwn)
	case "radio_buttons":
		v.requiredOptions(obj, ptr, 1, MaxRadioOptions, plainOrMrkdwn)
	case "plain_text_input":
		minLen, hasMin := v.optionalInt(obj, "min_length", ptr, 0, MaxPlainTextInputLength)
		maxLen, hasMax := v.optionalInt(obj, "max_length", ptr, 1, MaxPlainTextInputLength)
		if hasMin && hasMax && minLen > maxLen {
			v.fail(ptr+"/min_length", "must not be greater than max_length")
		}
	case "number_input":
		if b, ok := present(obj, "is_decimal_allowed"); !ok {
			v.fail(ptr+"/is_decimal_allowed", "missing required field: is_decimal_allowed")
		} else if _, isBool := b.(bool); !isBool {
			v.fail(ptr+"/is_decimal_allowed", "must be a boolean")
		}
	case "image":
		v.imageElement(obj, ptr)
	}
}

func (v *validator) imageElement(obj map[string]any, ptr string) {
	_, hasURL := present(obj, "image_url")
	_, hasFile := present(obj, "slack_file")
	if hasURL == hasFile {
		v.fail(ptr, "must provide exactly one of image_url or slack_file")
	}
	v.optionalString(obj, "image_url", ptr, MaxImageURLChars)
	v.requiredString(obj, "alt_text", ptr, MaxImageAltTextChars)
}

func (v *validator) confirm(c any, ptr string) {
	obj, ok := c.(map[string]any)
	if !ok {
		v.fail(ptr, "must be an object")
		return
	}
	v.requiredText(obj, "title", ptr, plainOnly, MaxConfirmTitleChars)
	v.requiredText(obj, "text", ptr, plainOrMrkdwn, MaxConfirmTextChars)
	v.requiredText(obj, "confirm", ptr, plainOnly, MaxConfirmButtonChars)
	v.requiredText(obj, "deny", ptr, plainOnly, MaxConfirmButtonChars)
	if style, ok := present(obj, "style"); ok && style != "primary" && style != "danger" {
		v.fail(ptr+"/style", "must be one of primary, danger")
	}
}

func (v *validator) requiredOptions(obj map[string]any, ptr string, minItems, maxItems, kind int) {
	o, ok := present(obj, "options")
	if !ok {
		v.fail(ptr+"/options", "missing required field: options")
		return
	}
	v.options(o, ptr+"/options", minItems, maxItems, kind)
}

func (v *validator) options(o any, ptr string, minItems, maxItems, kind int) {
	for i, opt := range v.array(o, ptr, minItems, maxItems) {
		op := ptr + "/" + strconv.Itoa(i)
		m, ok := opt.(map[string]any)
		if !ok {
			v.fail(op, "must be an object")
			continue
		}
		v.requiredText(m, "text", op, kind, MaxOptionTextChars)
		v.requiredString(m, "value", op, MaxOptionValueChars)
		if _, ok := present(m, "description"); ok {
			v.text(m["description"], op+"/description", plainOnly, MaxOptionDescriptionChars)
		}
	}
}

// text checks a text object: {"type":"plain_text"|"mrkdwn","text":"..."}.
func (v *validator) text(t any, ptr string, kind, maxChars int) {
	obj, ok := t.(map[string]any)
	if !ok {
		v.fail(ptr, "must be a text object")
		return
	}
	typ, _ := obj["type"].(string)
	switch {
	case typ == "plain_text":
	case typ == "mrkdwn" && kind == plainOrMrkdwn:
		if _, ok := present(obj, "emoji"); ok {
			v.fail(ptr+"/emoji", "emoji is not allowed in mrkdwn text")
		}
	case kind == plainOnly:
		v.fail(ptr+"/type", "must be plain_text")
		return
	default:
		v.fail(ptr+"/type", "must be one of plain_text, mrkdwn")
		return
	}
	s, ok := obj["text"].(string)
	switch {
	case !ok:
		v.fail(ptr+"/text", "missing required field: text")
	case s == "":
		v.fail(ptr+"/text", "must be at least 1 character")
	case utf8.RuneCountInString(s) > maxChars:
		v.fail(ptr+"/text", "must be no more than %d characters", maxChars)
	}
}

func (v *validator) requiredText(obj map[string]any, key, ptr string, kind, maxChars int) {
	if _, ok := present(obj, key); !ok {
		v.fail(ptr+"/"+key, "missing required field: %s", key)
		return
	}
	v.text(obj[key], ptr+"/"+key, kind, maxChars)
}

// requiredString checks a non-empty string field; maxChars < 0 means no
// limit.
func (v *validator) requiredString(obj map[string]any, key, ptr string, maxChars int) {
	if _, ok := present(obj, key); !ok {
		v.fail(ptr+"/"+key, "missing required field: %s", key)
		return
	}
	v.optionalString(obj, key, ptr, maxChars)
}

func (v *validator) optionalString(obj map[string]any, key, ptr string, maxChars int) {
	val, ok := present(obj, key)
	if !ok {
		return
	}
	s, isString := val.(string)
	switch {
	case !isString:
		v.fail(ptr+"/"+key, "must be a string")
	case s == "":
		v.fail(ptr+"/"+key, "must be at least 1 character")
	case maxChars >= 0 && utf8.RuneCountInString(s) > maxChars:
		v.fail(ptr+"/"+key, "must be no more than %d characters", maxChars)
	}
}

func (v *validator) optionalInt(obj map[string]any, key, ptr string, lo, hi int) (int, bool) {
	val, ok := present(obj, key)
	if !ok {
		return 0, false
	}
	n, isNumber := val.(json.Number)
	i, err := n.Int64()
	if !isNumber || err != nil {
		v.fail(ptr+"/"+key, "must be an integer")
		return 0, false
	}
	if i < int64(lo) || i > int64(hi) {
		v.fail(ptr+"/"+key, "must be between %d and %d", lo, hi)
	}
	return int(i), true
}

func (v *validator) requiredArray(obj map[string]any, key, ptr string, minItems, maxItems int) []any {
	val, ok := present(obj, key)
	if !ok {
		v.fail(ptr+"/"+key, "missing required field: %s", key)
		return nil
	}
	return v.array(val, ptr+"/"+key, minItems, maxItems)
}

// array checks an array's length; maxItems < 0 means no upper limit.
func (v *validator) array(val any, ptr string, minItems, maxItems int) []any {
	list, ok := val.([]any)
	if !ok {
		v.fail(ptr, "must be an array")
		return nil
	}
	if len(list) < minItems {
		v.fail(ptr, "must have at least %d items", minItems)
	}
	if maxItems >= 0 && len(list) > maxItems {
		v.fail(ptr, "must be no more than %d items", maxItems)
	}
	return list
}

// present reports a field that is set and not JSON null.
func present(obj map[string]any, key string) (any, bool) {
	val, ok := obj[key]
	return val, ok && val != nil
}

// validateView checks a decoded view for views.open/update (modal) or
// views.publish (home).
func validateView(view map[string]any, want surface) []string {
	v := &validator{surface: want, blockIDs: map[string]bool{}}
	typ, _ := view["type"].(string)
	wantType := "modal"
	if want == surfaceHome {
		wantType = "home"
	}
	if typ != wantType {
		v.fail("/view/type", "must be %s", wantType)
	}
	if want == surfaceModal {
		v.requiredText(view, "title", "/view", plainOnly, MaxViewTitleChars)
		if _, ok := present(view, "close"); ok {
			v.text(view["close"], "/view/close", plainOnly, MaxViewCloseChars)
		}
		if _, ok := present(view, "submit"); ok {
			v.text(view["submit"], "/view/submit", plainOnly, MaxViewSubmitChars)
		} else if hasInputBlock(view["blocks"]) {
			v.fail("/view/submit", "submit is required when a view has input blocks")
		}
	}
	v.optionalString(view, "private_metadata", "/view", MaxPrivateMetadataChars)
	v.optionalString(view, "callback_id", "/view", MaxCallbackIDChars)
	v.optionalString(view, "external_id", "/view", MaxExternalIDChars)
	blocks, ok := view["blocks"].([]any)
	if !ok {
		v.fail("/view/blocks", "missing required field: blocks")
		return v.problems
	}
	return append(v.problems, validateBlocks(blocks, want, "/view/blocks")...)
}

func hasInputBlock(blocks any) bool {
	list, _ := blocks.([]any)
	for _, b := range list {
		if m, ok := b.(map[string]any); ok && m["type"] == "input" {
			return true
		}
	}
	return false
}
