package slacktest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// JSON builders for the validation table.
func jsonString(s string) string { return strconv.Quote(s) }

func textObj(kind string, n int) string {
	return fmt.Sprintf(`{"type":%q,"text":%s}`, kind, jsonString(strings.Repeat("x", n)))
}

func button(actionID string, textLen int, extra string) string {
	return fmt.Sprintf(`{"type":"button","action_id":%s,"text":%s%s}`, jsonString(actionID), textObj("plain_text", textLen), extra)
}

func repeatJoin(item string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = item
	}
	return strings.Join(parts, ",")
}

func buttons(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = button("a"+strconv.Itoa(i), 5, "")
	}
	return strings.Join(parts, ",")
}

func options(n, textLen int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"text":%s,"value":"v%d"}`, textObj("plain_text", textLen), i)
	}
	return strings.Join(parts, ",")
}

// TestBlockValidation posts each block through slack-go and checks Slack's
// documented limits, one below or at the limit and one past it.
func TestBlockValidation(t *testing.T) {
	tests := []struct {
		name    string
		block   string
		wantPtr string // json-pointer of the expected problem; "" means valid
	}{
		{"section text at 3000", `{"type":"section","text":` + textObj("mrkdwn", MaxSectionTextChars) + `}`, ""},
		{"section text over 3000", `{"type":"section","text":` + textObj("mrkdwn", MaxSectionTextChars+1) + `}`, "/blocks/0/text/text"},
		{"section text empty", `{"type":"section","text":` + textObj("mrkdwn", 0) + `}`, "/blocks/0/text/text"},
		{"section without text or fields", `{"type":"section"}`, "/blocks/0"},
		{"section with 10 fields", `{"type":"section","fields":[` + repeatJoin(textObj("mrkdwn", 5), MaxSectionFields) + `]}`, ""},
		{"section with 11 fields", `{"type":"section","fields":[` + repeatJoin(textObj("mrkdwn", 5), MaxSectionFields+1) + `]}`, "/blocks/0/fields"},
		{"section field over 2000", `{"type":"section","fields":[` + textObj("mrkdwn", MaxSectionFieldChars+1) + `]}`, "/blocks/0/fields/0/text"},
		{"section accessory button", `{"type":"section","text":` + textObj("mrkdwn", 5) + `,"accessory":` + button("go", 5, "") + `}`, ""},
		{"section accessory text input", `{"type":"section","text":` + textObj("mrkdwn", 5) + `,"accessory":{"type":"plain_text_input","action_id":"x"}}`, "/blocks/0/accessory/type"},
		{"header at 150", `{"type":"header","text":` + textObj("plain_text", MaxHeaderTextChars) + `}`, ""},
		{"header over 150", `{"type":"header","text":` + textObj("plain_text", MaxHeaderTextChars+1) + `}`, "/blocks/0/text/text"},
		{"header in mrkdwn", `{"type":"header","text":` + textObj("mrkdwn", 5) + `}`, "/blocks/0/text/type"},
		{"emoji on mrkdwn", `{"type":"section","text":{"type":"mrkdwn","text":"x","emoji":true}}`, "/blocks/0/text/emoji"},
		{"button text at 75", `{"type":"actions","elements":[` + button("go", MaxButtonTextChars, "") + `]}`, ""},
		{"button text over 75", `{"type":"actions","elements":[` + button("go", MaxButtonTextChars+1, "") + `]}`, "/blocks/0/elements/0/text/text"},
		{"button value at 2000", `{"type":"actions","elements":[` + button("go", 5, `,"value":`+jsonString(strings.Repeat("v", MaxButtonValueChars))) + `]}`, ""},
		{"button value over 2000", `{"type":"actions","elements":[` + button("go", 5, `,"value":`+jsonString(strings.Repeat("v", MaxButtonValueChars+1))) + `]}`, "/blocks/0/elements/0/value"},
		{"button style", `{"type":"actions","elements":[` + button("go", 5, `,"style":"warning"`) + `]}`, "/blocks/0/elements/0/style"},
		{"action_id at 255", `{"type":"actions","elements":[` + button(strings.Repeat("a", MaxActionIDChars), 5, "") + `]}`, ""},
		{"action_id over 255", `{"type":"actions","elements":[` + button(strings.Repeat("a", MaxActionIDChars+1), 5, "") + `]}`, "/blocks/0/elements/0/action_id"},
		{"duplicate action_id", `{"type":"actions","elements":[` + button("go", 5, "") + `,` + button("go", 5, "") + `]}`, "/blocks/0/elements/1/action_id"},
		{"block_id at 255", `{"type":"divider","block_id":` + jsonString(strings.Repeat("b", MaxBlockIDChars)) + `}`, ""},
		{"block_id over 255", `{"type":"divider","block_id":` + jsonString(strings.Repeat("b", MaxBlockIDChars+1)) + `}`, "/blocks/0/block_id"},
		{"actions with 25 elements", `{"type":"actions","elements":[` + buttons(MaxActionsElements) + `]}`, ""},
		{"actions with 26 elements", `{"type":"actions","elements":[` + buttons(MaxActionsElements+1) + `]}`, "/blocks/0/elements"},
		{"actions without elements", `{"type":"actions","elements":[]}`, "/blocks/0/elements"},
		{"text input in actions", `{"type":"actions","elements":[{"type":"plain_text_input","action_id":"x"}]}`, "/blocks/0/elements/0/type"},
		{"unknown element", `{"type":"actions","elements":[{"type":"slider","action_id":"x"}]}`, "/blocks/0/elements/0/type"},
		{"context with 10 elements", `{"type":"context","elements":[` + repeatJoin(textObj("mrkdwn", 5), MaxContextElements) + `]}`, ""},
		{"context with 11 elements", `{"type":"context","elements":[` + repeatJoin(textObj("mrkdwn", 5), MaxContextElements+1) + `]}`, "/blocks/0/elements"},
		{"context image", `{"type":"context","elements":[{"type":"image","image_url":"https://example.com/a.png","alt_text":"a"}]}`, ""},
		{"select with 100 options", `{"type":"actions","elements":[{"type":"static_select","action_id":"s","options":[` + options(MaxSelectOptions, 5) + `]}]}`, ""},
		{"select with 101 options", `{"type":"actions","elements":[{"type":"static_select","action_id":"s","options":[` + options(MaxSelectOptions+1, 5) + `]}]}`, "/blocks/0/elements/0/options"},
		{"option text over 75", `{"type":"actions","elements":[{"type":"static_select","action_id":"s","options":[` + options(1, MaxOptionTextChars+1) + `]}]}`, "/blocks/0/elements/0/options/0/text/text"},
		{"placeholder over 150", `{"type":"actions","elements":[{"type":"users_select","action_id":"u","placeholder":` + textObj("plain_text", MaxPlaceholderChars+1) + `}]}`, "/blocks/0/elements/0/placeholder/text"},
		{"overflow with one option", `{"type":"actions","elements":[{"type":"overflow","action_id":"o","options":[` + options(1, 5) + `]}]}`, "/blocks/0/elements/0/options"},
		{"confirm text over 300", `{"type":"actions","elements":[` + button("go", 5, `,"confirm":{"title":`+textObj("plain_text", 5)+`,"text":`+textObj("mrkdwn", MaxConfirmTextChars+1)+`,"confirm":`+textObj("plain_text", 3)+`,"deny":`+textObj("plain_text", 3)+`}`) + `]}`, "/blocks/0/elements/0/confirm/text/text"},
		{"image without alt_text", `{"type":"image","image_url":"https://example.com/a.png"}`, "/blocks/0/alt_text"},
		{"input with text input", `{"type":"input","label":` + textObj("plain_text", 5) + `,"element":{"type":"plain_text_input","action_id":"i","max_length":3000}}`, ""},
		{"text input max_length over 3000", `{"type":"input","label":` + textObj("plain_text", 5) + `,"element":{"type":"plain_text_input","action_id":"i","max_length":3001}}`, "/blocks/0/element/max_length"},
		{"input label over 2000", `{"type":"input","label":` + textObj("plain_text", MaxInputLabelChars+1) + `,"element":{"type":"plain_text_input","action_id":"i"}}`, "/blocks/0/label/text"},
		{"markdown over 12000", `{"type":"markdown","text":` + jsonString(strings.Repeat("m", MaxMarkdownBlockChars+1)) + `}`, "/blocks/0/text"},
		{"checkboxes with 11 options", `{"type":"actions","elements":[{"type":"checkboxes","action_id":"c","options":[` + options(MaxCheckboxOptions+1, 5) + `]}]}`, "/blocks/0/elements/0/options"},
		{"radio buttons with mrkdwn", `{"type":"actions","elements":[{"type":"radio_buttons","action_id":"r","options":[{"text":` + textObj("mrkdwn", 5) + `,"value":"v"}]}]}`, ""},
		{"select with options and groups", `{"type":"actions","elements":[{"type":"static_select","action_id":"s","options":[` + options(1, 5) + `],"option_groups":[]}]}`, "/blocks/0/elements/0"},
		{"option group label over 75", `{"type":"actions","elements":[{"type":"static_select","action_id":"s","option_groups":[{"label":` + textObj("plain_text", MaxOptionGroupLabelChars+1) + `,"options":[` + options(1, 5) + `]}]}]}`, "/blocks/0/elements/0/option_groups/0/label/text"},
		{"option value over 150", `{"type":"actions","elements":[{"type":"overflow","action_id":"o","options":[` + options(1, 5) + `,{"text":` + textObj("plain_text", 5) + `,"value":` + jsonString(strings.Repeat("v", MaxOptionValueChars+1)) + `}]}]}`, "/blocks/0/elements/0/options/1/value"},
		{"workflow button without workflow", `{"type":"actions","elements":[{"type":"workflow_button","text":` + textObj("plain_text", 5) + `}]}`, "/blocks/0/elements/0/workflow"},
		{"number input without is_decimal_allowed", `{"type":"input","label":` + textObj("plain_text", 5) + `,"element":{"type":"number_input","action_id":"n"}}`, "/blocks/0/element/is_decimal_allowed"},
		{"text input min over max", `{"type":"input","label":` + textObj("plain_text", 5) + `,"element":{"type":"plain_text_input","action_id":"i","min_length":10,"max_length":5}}`, "/blocks/0/element/min_length"},
		{"input without element", `{"type":"input","label":` + textObj("plain_text", 5) + `}`, "/blocks/0/element"},
		{"button in input", `{"type":"input","label":` + textObj("plain_text", 5) + `,"element":` + button("go", 5, "") + `}`, "/blocks/0/element/type"},
		{"video without video_url", `{"type":"video","alt_text":"a","title":` + textObj("plain_text", 5) + `,"thumbnail_url":"https://example.com/t.png"}`, "/blocks/0/video_url"},
		{"remote file", `{"type":"file","external_id":"f1","source":"remote"}`, ""},
		{"rich text", `{"type":"rich_text","elements":[{"type":"rich_text_section","elements":[{"type":"text","text":"hi"}]}]}`, ""},
		{"unknown block", `{"type":"poll"}`, "/blocks/0/type"},
		{"block without type", `{"text":"x"}`, "/blocks/0/type"},
	}
	s := newTestServer(t)
	api := newClient(s)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := api.PostMessageContext(t.Context(), "C0GENERAL", slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(rawBlock(tt.block)))
			if tt.wantPtr == "" {
				if err != nil {
					t.Fatalf("err = %v %q, want valid", err, errMessages(err))
				}
				return
			}
			if errCode(err) != "invalid_blocks" {
				t.Fatalf("err = %v, want invalid_blocks", err)
			}
			if want := "[json-pointer:" + tt.wantPtr + "]"; !containsSubstring(errMessages(err), want) {
				t.Errorf("messages = %q, want one ending %q", errMessages(err), want)
			}
		})
	}
}

func TestDuplicateBlockID(t *testing.T) {
	s := newTestServer(t)
	b := slack.NewDividerBlock()
	b.BlockID = "same"
	c := slack.NewDividerBlock()
	c.BlockID = "same"
	_, _, err := newClient(s).PostMessageContext(t.Context(), "C0GENERAL", slack.MsgOptionBlocks(b, c))
	if errCode(err) != "invalid_blocks" || !containsSubstring(errMessages(err), "/blocks/1/block_id") {
		t.Fatalf("err = %v %q, want invalid_blocks at /blocks/1/block_id", err, errMessages(err))
	}
}

// TestSlackGoBuildersAreValid guards against false rejections: what
// slack-go's constructors produce for common blocks must pass.
func TestSlackGoBuildersAreValid(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	approve := slack.NewButtonBlockElement("seat.keep", "42", plain("Keep"))
	approve.Style = slack.StylePrimary
	approve.Confirm = slack.NewConfirmationBlockObject(plain("Sure?"), slack.NewTextBlockObject(slack.MarkdownType, "*Really*", false, false), plain("Yes"), plain("No"))
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Pick"), "seat.role",
		slack.NewOptionBlockObject("agent", plain("Agent"), nil), slack.NewOptionBlockObject("light", plain("Light agent"), plain("Read-only")))
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain("Inactive seats")),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Dana* has not logged in for 90 days", false, false),
			[]*slack.TextBlockObject{plain("Role"), slack.NewTextBlockObject(slack.MarkdownType, "agent", false, false)},
			slack.NewAccessory(slack.NewImageBlockElement("https://example.com/a.png", "avatar"))),
		slack.NewDividerBlock(),
		slack.NewContextBlock("ctx", slack.NewTextBlockObject(slack.MarkdownType, "seatwarden", false, false)),
		slack.NewActionBlock("seat-42", approve, slack.NewButtonBlockElement("seat.release", "42", plain("Release")), sel),
		slack.NewImageBlock("https://example.com/chart.png", "chart", "", plain("Chart")),
	}
	if _, _, err := api.PostMessageContext(t.Context(), "C0GENERAL", slack.MsgOptionText("seats", false), slack.MsgOptionBlocks(blocks...)); err != nil {
		t.Fatalf("message: %v %q", err, errMessages(err))
	}
	reason := slack.NewPlainTextInputBlockElement(plain("Why?"), "reason")
	reason.Multiline = true
	form := slack.ModalViewRequest{
		Type: slack.VTModal, Title: plain("Request a seat"), Submit: plain("Request"), Close: plain("Cancel"),
		CallbackID: "seat.request", PrivateMetadata: "42",
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("reason", plain("Reason"), plain("Shown to approvers"), reason),
			slack.NewInputBlock("role", plain("Role"), nil, sel),
		}},
	}
	if _, err := api.OpenViewContext(t.Context(), s.IssueTriggerID(), form); err != nil {
		t.Fatalf("modal: %v %q", err, errMessages(err))
	}
}
