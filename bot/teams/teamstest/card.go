package teamstest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Errors from Click and ClickFallback before anything is sent.
var (
	// ErrActionNotFound: the card has no Action.Execute with that title.
	ErrActionNotFound = errors.New("teamstest: no Action.Execute with that title in the card")
	// ErrInvalidInput: the Teams client would not let the user submit
	// these inputs (unknown id, required but empty, too long, not one of
	// the choices).
	ErrInvalidInput = errors.New("teamstest: the card would not submit these inputs")
)

// containerKeys are the properties under which Adaptive Card elements and
// actions nest, in document order.
var containerKeys = []string{"body", "items", "columns", "rows", "cells", "actions", "selectAction"}

// foundAction is an action and the cards it sits in, outermost first: the
// root card, then each Action.ShowCard card down to the action's own.
type foundAction struct {
	action map[string]any
	chain  []map[string]any
}

// findExecute finds the first Action.Execute titled title in document
// order, inside ActionSets and Action.ShowCard cards too.
func findExecute(card map[string]any, title string) (foundAction, bool) {
	var found foundAction
	var walk func(node any, chain []map[string]any) bool
	walk = func(node any, chain []map[string]any) bool {
		switch n := node.(type) {
		case []any:
			for _, item := range n {
				if walk(item, chain) {
					return true
				}
			}
		case map[string]any:
			typ, _ := n["type"].(string)
			if typ == "Action.Execute" && n["title"] == title {
				found = foundAction{action: n, chain: slices.Clone(chain)}
				return true
			}
			if typ == "Action.ShowCard" {
				if inner, ok := n["card"].(map[string]any); ok {
					return walk(inner, append(slices.Clone(chain), inner))
				}
				return false
			}
			if strings.HasPrefix(typ, "Action.") {
				return false
			}
			for _, k := range containerKeys {
				if walk(n[k], chain) {
					return true
				}
			}
		}
		return false
	}
	ok := walk(card, []map[string]any{card})
	return found, ok
}

// inputsOf lists the Input.* elements of one card, not those of the
// cards its Action.ShowCards open.
func inputsOf(card map[string]any) []map[string]any {
	var out []map[string]any
	var walk func(node any)
	walk = func(node any) {
		switch n := node.(type) {
		case []any:
			for _, item := range n {
				walk(item)
			}
		case map[string]any:
			typ, _ := n["type"].(string)
			if strings.HasPrefix(typ, "Action.") {
				return
			}
			if strings.HasPrefix(typ, "Input.") {
				out = append(out, n)
				return
			}
			for _, k := range containerKeys {
				walk(n[k])
			}
		}
	}
	for _, k := range containerKeys {
		walk(card[k])
	}
	return out
}

// submission merges what the user typed into an action's data the way
// the Teams client does: with associatedInputs "auto" (the default) every
// input of the action's card and of the cards around it, at its current
// value; with "none" no input. It refuses what the client would refuse.
func submission(found foundAction, data any, typed map[string]string) (any, error) {
	if found.action["associatedInputs"] == "none" {
		if len(typed) > 0 {
			return nil, fmt.Errorf("%w: the action has associatedInputs none", ErrInvalidInput)
		}
		return data, nil
	}
	var inputs []map[string]any
	for _, c := range found.chain {
		inputs = append(inputs, inputsOf(c)...)
	}
	known := map[string]bool{}
	values := map[string]string{}
	for _, in := range inputs {
		id, _ := in["id"].(string)
		if id == "" {
			continue
		}
		known[id] = true
		v, present := typed[id]
		if !present {
			v, present = initialValue(in)
		}
		if err := checkInput(in, id, v); err != nil {
			return nil, err
		}
		if present {
			values[id] = v
		}
	}
	for _, id := range slices.Sorted(maps.Keys(typed)) {
		if !known[id] {
			return nil, fmt.Errorf("%w: no input %q in the card", ErrInvalidInput, id)
		}
	}
	if len(values) == 0 {
		return data, nil
	}
	merged := map[string]any{}
	switch d := data.(type) {
	case nil:
	case map[string]any:
		maps.Copy(merged, d)
	default:
		// Adaptive Cards refuse to submit inputs with non-object data.
		return nil, fmt.Errorf("%w: the action's data is not an object", ErrInvalidInput)
	}
	for id, v := range values {
		merged[id] = v
	}
	return merged, nil
}

// initialValue is an input's value before the user touches it, as the
// client submits it; ok is false when the client sends nothing (a choice
// set without a selection).
func initialValue(in map[string]any) (string, bool) {
	typ, _ := in["type"].(string)
	v := jsonText(in["value"])
	switch {
	case typ == "Input.Toggle" && v == "":
		return cmp.Or(jsonText(in["valueOff"]), "false"), true
	case typ == "Input.ChoiceSet" && v == "":
		return "", false
	}
	return v, true
}

// checkInput applies the client-side validation Teams runs before it
// sends anything.
func checkInput(in map[string]any, id, v string) error {
	if required, _ := in["isRequired"].(bool); required && v == "" {
		return fmt.Errorf("%w: %q is required", ErrInvalidInput, id)
	}
	if n, ok := in["maxLength"].(json.Number); ok {
		if limit, err := n.Int64(); err == nil && limit > 0 && int64(len([]rune(v))) > limit {
			return fmt.Errorf("%w: %q is longer than its maxLength %d", ErrInvalidInput, id, limit)
		}
	}
	if in["type"] == "Input.ChoiceSet" && v != "" && in["style"] != "filtered" {
		choices := map[string]bool{}
		list, _ := in["choices"].([]any)
		for _, c := range list {
			if m, ok := c.(map[string]any); ok {
				choices[jsonText(m["value"])] = true
			}
		}
		picked := []string{v}
		if multi, _ := in["isMultiSelect"].(bool); multi {
			picked = strings.Split(v, ",")
		}
		for _, p := range picked {
			if !choices[p] {
				return fmt.Errorf("%w: %q is not one of the choices of %q", ErrInvalidInput, p, id)
			}
		}
	}
	return nil
}

// jsonText renders a decoded JSON scalar as the client submits it.
func jsonText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
