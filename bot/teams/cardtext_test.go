package teams

import (
	"encoding/json"
	"testing"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/internal/golden"
)

// TestCardText is what a person reads on each card shape, in
// testdata/TestCardText/<case>.golden.txt.
func TestCardText(t *testing.T) {
	withErrors := keepForm()
	withErrors.Inputs[0].Initial = "because"
	withErrors.Inputs[0].Error = "Say a little more: at least 10 characters."
	selectForm := bot.Form{ID: "request.app", Inputs: []bot.Input{
		{ID: "app", Label: "App", Kind: bot.InputSelect, Initial: "time", Options: []bot.Option{{Label: "Translate", Value: "tr"}, {Label: "Time tracking", Value: "time"}}},
		{ID: "since", Label: "Needed from", Kind: bot.InputDate, Required: true},
	}}
	messages := []struct {
		name string
		msg  bot.Message
	}{
		{"sections_with_fields", seatSummary()},
		{"section_actions_with_confirm", digest(2, nil)},
		{"link_button", bot.Message{
			Sections: []bot.Section{{Text: "Zendesk shows who is an agent.", Button: &bot.Button{Label: "Open Zendesk", URL: "https://example.zendesk.com/admin"}}},
		}},
		{"selects", bot.Message{Headline: "Who answers?", Selects: []bot.Select{{ActionID: "o", Placeholder: "Choose", Options: []bot.Option{{Label: "Dana", Value: "d"}}, Initial: "d"}}}},
		{"pager_middle", paged(3, 5)},
		{"context", bot.Message{
			Headline: "Approved: \"Translate & Reply\"",
			Sections: []bot.Section{{Text: "<@U02ALICE|alice> approved. See <https://example.com/req/42|request 42> or <https://example.com/x>."}},
			Context:  []string{"✅ 2 of 2 approvals", "Reply `/warden help`"},
		}},
	}
	for _, tt := range messages {
		t.Run(tt.name, func(t *testing.T) {
			cards, err := RenderMessage(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			checkText(t, cards[0].Card)
		})
	}
	forms := []struct {
		name string
		form bot.Form
	}{
		{"form", keepForm()},
		{"form_with_errors", withErrors},
		{"form_select", selectForm},
	}
	for _, tt := range forms {
		t.Run(tt.name, func(t *testing.T) {
			c, err := RenderForm(tt.form)
			if err != nil {
				t.Fatal(err)
			}
			checkText(t, c)
		})
	}
}

// checkText compares c's text with the golden file, and checks that the
// card as Teams sends it back (decoded JSON) reads the same.
func checkText(t *testing.T, c Card) {
	t.Helper()
	text := CardText(c)
	golden.File(t, golden.Path(t, ".golden.txt"), []byte(text+"\n"))
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var decoded Card
	if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatal(err)
	}
	if again := CardText(decoded); again != text {
		t.Errorf("decoded card reads\n%s\nwant\n%s", again, text)
	}
}

func TestCardTextOfOtherCards(t *testing.T) {
	const card = `{"type":"AdaptiveCard","version":"1.4","body":[
		{"type":"Container","items":[{"type":"TextBlock","text":"In a _container_ with a\nsoft break"}]},
		{"type":"ColumnSet","columns":[{"type":"Column","items":[{"type":"TextBlock","text":"Left"}]},{"type":"Column","items":[{"type":"TextBlock","text":"Right","separator":true}]}]},
		{"type":"Input.Toggle","id":"t","title":"Notify me","label":"Notify"},
		{"type":"Input.Number","id":"n","placeholder":"How many?"},
		{"type":"Image","url":"https://example.com/i.png"},
		"not an element",
		{"type":"FactSet","facts":[{"title":"Only a title"},{"value":"Only a value"}]}
	],"actions":[{"type":"Action.Submit","title":"Send"},{"type":"Action.ToggleVisibility","title":"More"}]}`
	var c Card
	if err := json.Unmarshal([]byte(card), &c); err != nil {
		t.Fatal(err)
	}
	want := "In a container with a soft break\nLeft\n\nRight\n[Notify: Notify me]\n[How many?]\nOnly a title\nOnly a value\n[Send] [More]"
	if got := CardText(c); got != want {
		t.Errorf("CardText =\n%s\nwant\n%s", got, want)
	}
	if got := CardText(nil); got != "" {
		t.Errorf("CardText(nil) = %q", got)
	}
}

func TestMarkdownPlain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"**bold** and \\*not\\*", "bold and *not*"},
		{"[docs](https://x.example) and [https://y.example](https://y.example)", "docs (https://x.example) and https://y.example"},
		{"[Tom](mailto:tom@example.com)", "Tom (mailto:tom@example.com)"},
		{"[tom@example.com](mailto:tom@example.com)", "mailto:tom@example.com"},
		{"[a \\[b\\]](u) [unclosed", "a [b] (u) [unclosed"},
		{"[x] (y) [z](", "[x] (y) [z]("},
		{"one\n\ntwo\n\n\n\nfour", "one\ntwo\n\nfour"},
		{"tom_reilly _it_", "tom_reilly it"},
	}
	for _, tt := range tests {
		if got := markdownPlain(tt.in); got != tt.want {
			t.Errorf("markdownPlain(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
