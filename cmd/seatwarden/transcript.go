package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// blockKitText renders a Slack reply (a response body or a response_url
// post: text plus Block Kit blocks) as plain lines for the demo's
// transcript. Buttons show as [Label]; the page a person would see, not
// the JSON.
func blockKitText(raw []byte) ([]string, error) {
	var msg struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
		Blocks       []struct {
			Type string `json:"type"`
			Text *struct {
				Text string `json:"text"`
			} `json:"text"`
			Fields []struct {
				Text string `json:"text"`
			} `json:"fields"`
			Elements  []json.RawMessage `json:"elements"`
			Accessory *element          `json:"accessory"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &msg); err != nil {
		return nil, err
	}
	var lines []string
	if msg.ResponseType == "ephemeral" {
		lines = append(lines, "(only you can see this)")
	}
	if len(msg.Blocks) == 0 {
		return append(lines, unescape(msg.Text)), nil
	}
	for _, b := range msg.Blocks {
		switch b.Type {
		case "header":
			lines = append(lines, "▍"+unescape(b.Text.Text))
		case "section":
			if b.Text != nil {
				lines = append(lines, strings.Split(unescape(b.Text.Text), "\n")...)
			}
			// Slack lays fields out in two columns; one per line reads
			// better as text.
			for _, f := range b.Fields {
				lines = append(lines, "  "+strings.ReplaceAll(unescape(f.Text), "\n", ": "))
			}
			if b.Accessory != nil && b.Accessory.label() != "" {
				lines[len(lines)-1] += "  " + b.Accessory.label()
			}
		case "context":
			var parts []string
			for _, e := range b.Elements {
				var el element
				if json.Unmarshal(e, &el) == nil && el.Text != "" {
					parts = append(parts, unescape(el.Text))
				}
			}
			lines = append(lines, "  "+strings.Join(parts, " · "))
		case "actions":
			var buttons []string
			for _, e := range b.Elements {
				var el element
				if json.Unmarshal(e, &el) == nil && el.label() != "" {
					buttons = append(buttons, el.label())
				}
			}
			lines = append(lines, strings.Join(buttons, " "))
		case "divider":
			lines = append(lines, "──")
		}
	}
	return lines, nil
}

// element is a block element: mrkdwn/plain text or a button.
type element struct {
	Type     string          `json:"type"`
	TextRaw  json.RawMessage `json:"text"`
	Text     string          `json:"-"`
	Style    string          `json:"style"`
	ActionID string          `json:"action_id"`
}

func (e *element) UnmarshalJSON(b []byte) error {
	type plain element
	if err := json.Unmarshal(b, (*plain)(e)); err != nil {
		return err
	}
	// A text element's "text" is a string; a button's is an object.
	var s string
	if json.Unmarshal(e.TextRaw, &s) == nil {
		e.Text = s
		return nil
	}
	var obj struct {
		Text string `json:"text"`
	}
	if json.Unmarshal(e.TextRaw, &obj) == nil {
		e.Text = obj.Text
	}
	return nil
}

func (e *element) label() string {
	if e.Type != "button" {
		return ""
	}
	if e.Style == "danger" {
		return fmt.Sprintf("[%s!]", e.Text)
	}
	return fmt.Sprintf("[%s]", e.Text)
}

// bold is mrkdwn's *bold*, shown plain in the transcript.
var bold = regexp.MustCompile(`\*([^*\n]+)\*`)

func unescape(s string) string {
	s = bold.ReplaceAllString(s, "$1")
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
