package teams

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The card action protocol: what the renderer writes into every
// Action.Execute (verb and data) and its Action.Submit fallback (data with
// the verb inside), and what ParseSubmission reads back. Keys are one
// letter because a digest carries dozens of them and Teams counts bytes.
const (
	// verbForm is the verb of a form's Submit and Cancel; it is outside the
	// action id namespace (see validActionID), so no button can pose as one.
	verbForm = "sw.form"

	keyVerb   = "verb" // the verb, in a fallback Submit's data
	keyValue  = "v"    // a button's Value
	keySelect = "s"    // the input id of the select a "Show" click is about
	keyForm   = "f"    // Form.ID
	keyRecord = "r"    // Form.RecordID
	keyCancel = "x"    // "cancel" on a form's Cancel

	cancelValue = "cancel"

	// Input ids: a message's selects are "sel.<n>", a form's inputs
	// "f.<Input.ID>", so the values Teams merges into data never collide
	// with the keys above.
	selectInputPrefix = "sel."
	formInputPrefix   = "f."

	maxActionID = 255
)

// Submission is what a click or form submit carried, parsed from
// Action.Execute (verb, data) or Action.Submit data.
type Submission struct {
	ActionID string // a button/select/pager click: the verb
	Value    string // the button's value, or for a select the chosen option
	FormID   string // set for a form submit/cancel instead of ActionID
	RecordID string
	Cancel   bool
	// Inputs are form values by bot Input.ID (the "f." prefix removed);
	// never nil for forms.
	Inputs map[string]string
}

// validActionID reports whether id can be a button's or select's action
// id on a card: 1 to 255 ASCII letters, digits, '.', '_' and '-', not in
// the "sw." namespace the card protocol keeps for itself. The renderer
// refuses other ids, so a click never carries a verb ParseSubmission would
// reject.
func validActionID(id string) bool {
	if id == "" || len(id) > maxActionID || strings.HasPrefix(id, "sw.") {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// ParseSubmission reads an invoke's value.action (verb + data) or a
// fallback Submit's value (verb inside data). verb may be "" (then
// data["verb"] is used). Unknown extra keys are ignored: Teams merges
// every input of the card into data. It returns an error, never panics,
// for anything the renderer would not have written: no verb, a verb that
// is neither "sw.form" nor a valid action id, a non-string "v", "f", "r",
// "s" or "x", "sw.form" without "f", a select naming a missing input, or
// a form input holding an object or a list.
func ParseSubmission(verb string, data map[string]any) (Submission, error) {
	if verb == "" {
		v, err := stringKey(data, keyVerb)
		if err != nil {
			return Submission{}, err
		}
		verb = v
	}
	switch {
	case verb == "":
		return Submission{}, errors.New("teams: submission has no verb")
	case verb == verbForm:
		return parseForm(data)
	case !validActionID(verb):
		return Submission{}, fmt.Errorf("teams: submission verb %q is not an action id", clip(verb))
	}
	return parseClick(verb, data)
}

func parseClick(verb string, data map[string]any) (Submission, error) {
	sub := Submission{ActionID: verb}
	value, err := stringKey(data, keyValue)
	if err != nil {
		return Submission{}, err
	}
	sub.Value = value
	input, err := stringKey(data, keySelect)
	if err != nil {
		return Submission{}, err
	}
	if _, present := data[keySelect]; !present {
		return sub, nil
	}
	if _, present := data[keyValue]; present {
		return Submission{}, fmt.Errorf("teams: submission for %q carries both a value and a select", verb)
	}
	if !strings.HasPrefix(input, selectInputPrefix) {
		return Submission{}, fmt.Errorf("teams: submission for %q names %q, which is not a select", verb, clip(input))
	}
	chosen, err := inputText(data[input])
	if err != nil {
		return Submission{}, fmt.Errorf("teams: select %q: %w", clip(input), err)
	}
	if chosen == "" {
		// Teams sends an untouched drop-down as missing or empty; no option
		// has an empty value, so either way nothing was chosen.
		return Submission{}, fmt.Errorf("teams: select %q: nothing chosen", clip(input))
	}
	sub.Value = chosen
	return sub, nil
}

func parseForm(data map[string]any) (Submission, error) {
	formID, err := stringKey(data, keyForm)
	if err != nil {
		return Submission{}, err
	}
	if formID == "" {
		return Submission{}, errors.New(`teams: form submission has no "f" (form id)`)
	}
	recordID, err := stringKey(data, keyRecord)
	if err != nil {
		return Submission{}, err
	}
	cancel, err := stringKey(data, keyCancel)
	if err != nil {
		return Submission{}, err
	}
	if cancel != "" && cancel != cancelValue {
		return Submission{}, fmt.Errorf(`teams: form submission has "x" = %q, not %q`, clip(cancel), cancelValue)
	}
	sub := Submission{FormID: formID, RecordID: recordID, Cancel: cancel == cancelValue, Inputs: map[string]string{}}
	for k, v := range data {
		id, ok := strings.CutPrefix(k, formInputPrefix)
		if !ok || id == "" {
			continue
		}
		text, err := inputText(v)
		if err != nil {
			return Submission{}, fmt.Errorf("teams: form input %q: %w", clip(id), err)
		}
		sub.Inputs[id] = text
	}
	return sub, nil
}

// stringKey is data[key] when it is a string, "" when it is missing or
// null, and an error otherwise.
func stringKey(data map[string]any, key string) (string, error) {
	switch v := data[key].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	default:
		return "", fmt.Errorf("teams: submission key %q is %s, not a string", key, jsonKind(v))
	}
}

// inputText is an input's value as text. Teams sends strings; numbers and
// booleans (from other clients, or a toggle) are read as typed.
func inputText(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case json.Number: // from a Decoder with UseNumber
		return v.String(), nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	default:
		return "", fmt.Errorf("%s is not an input value", jsonKind(v))
	}
}

// jsonKind names what encoding/json decoded v from, for error messages.
func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case bool:
		return "a boolean"
	case float64, json.Number:
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

// clip keeps a tampered value from flooding an error message or log line.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
