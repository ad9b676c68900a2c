package teams

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/internal/fixtures"
	"github.com/seatwarden/seatwarden/internal/golden"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
)

// goldenJSON compares v, as indented JSON, with
// testdata/<TestName>/<subtest>.golden.json, rewriting it under -update.
//
// A card file, or the "card" of one message in a message file, can be
// pasted into the Adaptive Cards Designer (https://adaptivecards.io/designer,
// host app "Microsoft Teams") to see it.
func goldenJSON(t *testing.T, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep <, > and & readable; the JSON is equivalent
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	golden.File(t, golden.Path(t, ".golden.json"), buf.Bytes())
}

// goldenCard is a RenderedCard as the golden files show it.
type goldenCard struct {
	Summary         string `json:"summary"`
	Ephemeral       bool   `json:"ephemeral"`
	ReplaceOriginal bool   `json:"replace_original"`
	InThread        bool   `json:"in_thread"`
	Bytes           int    `json:"bytes"`
	Card            Card   `json:"card"`
}

func goldenCards(t *testing.T, rcs []RenderedCard) []goldenCard {
	out := make([]goldenCard, len(rcs))
	for i, rc := range rcs {
		n, err := CardSize(rc.Card)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = goldenCard{rc.Summary, rc.Ephemeral, rc.ReplaceOriginal, rc.InThread, n, rc.Card}
	}
	return out
}

func seatSummary() bot.Message {
	return bot.Message{
		Headline: "Seats: 11 paid · $1,265.00/month",
		Sections: []bot.Section{
			{
				Text: "*Paid seats by role* (snapshot of Fri 20 Nov 09:45 CET)",
				Fields: []bot.Field{
					{Label: "Admins", Value: "2 · $230.00"},
					{Label: "Agents", Value: "7 · $805.00"},
					{Label: "Suspended", Value: "2 · $230.00, still billed"},
					{Label: "Largest group", Value: "R&D <tier 2> *boss* [x](y)"},
				},
			},
			{
				Text:   "*Active:* 5 ($575.00)\n*Inactive:* 6 ($690.00), no login for 30+ days, 2 never logged in",
				Button: &bot.Button{ActionID: "seats.inactive", Label: "Show inactive", Value: "inactive:30"},
			},
			{Text: "Removing the 6 inactive seats saves *$690.00/month*."},
		},
		Context:    []string{"Free: 3 light agents, 1 contributor", "Snapshot from Zendesk, synced every 15 minutes"},
		Visibility: bot.Visible,
	}
}

// seatActions are a digest's buttons under one seat: five, two of them
// with a confirmation, as prompts.Review draws them.
func seatActions(seat, name string) []bot.Button {
	return []bot.Button{
		{ActionID: "review.keep", Label: "Keep", Value: seat, Style: bot.StylePrimary},
		{ActionID: "review.downgrade", Label: "Downgrade", Value: seat, Confirm: &bot.Confirm{
			Title: "Downgrade this seat?", Text: name + " loses the paid agent seat in Zendesk.", Confirm: "Downgrade", Deny: "Cancel"}},
		{ActionID: "review.remove", Label: "Remove", Value: seat, Style: bot.StyleDanger, Confirm: &bot.Confirm{
			Title: "Remove this seat?", Text: name + " stops being an agent in Zendesk, which frees the paid seat.", Confirm: "Remove", Deny: "Cancel"}},
		{ActionID: "review.snooze", Label: "Snooze", Value: seat},
		{ActionID: "review.notmine", Label: "Not mine", Value: seat},
	}
}

// digest is an owner's review: one section per seat, each with its row of
// actions, and a pager when there are more.
func digest(n int, pager *bot.Pager) bot.Message {
	m := bot.Message{
		Headline:   fmt.Sprintf("Seat review: %d inactive seats", n),
		Context:    []string{"Seats you do not keep are removed on Friday 27 Nov."},
		Pager:      pager,
		Visibility: bot.Visible,
	}
	for i := range n {
		name := fmt.Sprintf("Agent %03d", i+1)
		m.Sections = append(m.Sections, bot.Section{
			Text:    fmt.Sprintf("*%s* <mailto:agent%03d@example.com|agent%03d@example.com>\nLast login %d days ago · $115.00/month", name, i+1, i+1, 30+i),
			Actions: seatActions(fmt.Sprintf("2026-W47:%d", 1000+i), name),
		})
	}
	return m
}

func paged(page, pages int) bot.Message {
	m := bot.Message{
		Headline:   "Inactive seats, 60+ days",
		Pager:      &bot.Pager{Page: page, Pages: pages, ActionID: "seats.page", Token: "inactive:60"},
		Visibility: bot.Visible,
		Delivery:   bot.ReplaceOriginal,
	}
	for i := range 2 {
		n := 10*(page-1) + i + 1
		m.Sections = append(m.Sections, bot.Section{Text: fmt.Sprintf("*Agent %d* · last login %d days ago", n, 60+n)})
	}
	return m
}

func TestRenderMessage(t *testing.T) {
	tests := []struct {
		name string
		msg  bot.Message
		want int // cards
	}{
		{"headline_only", bot.Message{Headline: "Nothing to review: every seat was used this month"}, 1},
		{"sections_with_fields", seatSummary(), 1},
		{"section_actions_with_confirm", digest(2, nil), 1},
		{"buttons", bot.Message{
			Headline: "Start the November review?",
			Sections: []bot.Section{{Text: "6 seats have had no login for 30 days."}},
			Buttons: []bot.Button{
				{ActionID: "review.start", Label: "Start a review", Value: "review:2026-11", Style: bot.StylePrimary},
				{ActionID: "seats.remove_inactive", Label: "Remove inactive seats", Value: "inactive:30", Style: bot.StyleDanger, Confirm: &bot.Confirm{
					Title: "Remove 6 seats?", Text: "The 6 agents who have not logged in for 30 days lose their agent role. Their tickets stay.", Confirm: "Remove", Deny: "Keep them",
				}},
				{ActionID: "review.later", Label: "Later"}, // no value
				{ActionID: "seats.confirm_default", Label: "Suspend", Value: "s", Confirm: &bot.Confirm{}},
			},
			Visibility: bot.Visible,
		}, 1},
		{"link_button", bot.Message{
			Sections: []bot.Section{{
				Text:   "Zendesk shows who is an agent.",
				Button: &bot.Button{Label: "Open Zendesk", URL: "https://example.zendesk.com/admin/people/team/members"},
			}},
			Buttons: []bot.Button{{Label: "Mail the admins", URL: "mailto:admins@example.com"}},
		}, 1},
		{"selects", bot.Message{
			Headline: "Who answers for Tier 2?",
			Selects: []bot.Select{
				{ActionID: "group.owner", Placeholder: "Choose an owner", Options: []bot.Option{
					{Label: "Dana Scully", Value: "dana@example.com", Description: "Support lead"},
					{Label: "Fox Mulder", Value: "fox@example.com"},
				}},
				{ActionID: "group.period", Options: []bot.Option{{Label: "Monthly", Value: "m"}, {Label: "Weekly", Value: "w"}}, Initial: "w"},
			},
			Visibility: bot.Visible,
		}, 1},
		{"pager_first", paged(1, 5), 1},
		{"pager_middle", paged(3, 5), 1},
		{"pager_last", paged(5, 5), 1},
		{"context", bot.Message{
			Headline: "Approved: Zendesk app \"Translate & Reply\"",
			Sections: []bot.Section{{Text: "<@U02ALICE|alice> approved the request of <@U03BOB>. See <https://example.com/req/42?a=1&amp;b=2|request 42>."}},
			Context:  []string{"✅ Request req-42 · 2 of 2 approvals", "Reply `/warden help` for more · <mailto:it@example.com|it@example.com>"},
			Delivery: bot.InThread,
		}, 1},
		{"ephemeral_error", bot.Message{
			Sections: []bot.Section{{Text: "⚠ `seats inactive` takes a number of days, for example `/warden seats inactive 60`"}},
		}, 1},
		// 20 seats of about 3 kB each: the first card fills up, the other
		// seats and the tail go on the second; no seat is parted from its
		// buttons.
		{"split_message", digest(20, nil), 2},
		// An approval thread's parent is updated in place, so it must
		// stay one card.
		{"request_parent", fixtures.PendingParent(), 1},
		// A Copilot seat review: GitHub's words, no Downgrade.
		{"copilot_digest", fixtures.CopilotDigest(), 1},
		{"digest_across_saas", fixtures.DigestAcrossSaaS(), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RenderMessage(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Errorf("rendered %d cards, want %d", len(got), tt.want)
			}
			for i, rc := range got {
				for _, p := range cardProblems(t, rc.Card) {
					t.Errorf("card %d: %s", i, p)
				}
			}
			goldenJSON(t, goldenCards(t, got))
		})
	}
}

func TestRenderMessageShape(t *testing.T) {
	t.Run("split keeps the headline first and the tail last", func(t *testing.T) {
		m := digest(30, &bot.Pager{Page: 1, Pages: 3, ActionID: "review.page", Token: "rev-7"})
		m.Delivery = bot.ReplaceOriginal
		m.Visibility = bot.Ephemeral
		got, err := RenderMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("rendered %d cards, want 3", len(got))
		}
		seats := 0
		for i, rc := range got {
			body := rc.Card["body"].([]any)
			first := body[0].(map[string]any)
			if hasHeadline := first["size"] == "Large"; hasHeadline != (i == 0) {
				t.Errorf("card %d: headline present = %v", i, hasHeadline)
			}
			if _, ok := first["separator"]; ok {
				t.Errorf("card %d starts with a separator", i)
			}
			text := CardText(rc.Card)
			if hasPager := strings.Contains(text, "[Next]"); hasPager != (i == len(got)-1) {
				t.Errorf("card %d: pager present = %v", i, hasPager)
			}
			// Every seat's text is followed by its row of buttons.
			for k, e := range body {
				el := e.(map[string]any)
				if strings.HasPrefix(str(el, "text"), "**Agent") {
					seats++
					if k+1 == len(body) || str(body[k+1].(map[string]any), "type") != "ActionSet" {
						t.Errorf("card %d: seat %q is not followed by its actions", i, str(el, "text"))
					}
				}
			}
			flags := [3]bool{rc.Ephemeral, rc.ReplaceOriginal, rc.InThread}
			if want := [3]bool{true, i == 0, false}; flags != want {
				t.Errorf("card %d: flags %v, want %v", i, flags, want)
			}
		}
		if seats != 30 {
			t.Errorf("%d seats rendered, want 30", seats)
		}
		if want := "Seat review: 30 inactive seats (part 3 of 3)"; got[2].Summary != want {
			t.Errorf("third summary = %q, want %q", got[2].Summary, want)
		}
	})
	t.Run("summary without a headline", func(t *testing.T) {
		for _, tt := range []struct {
			msg  bot.Message
			want string
		}{
			{bot.Message{Headline: "a <b> & *c*", Sections: []bot.Section{{Text: "s"}}}, "a <b> & *c*"},
			{bot.Message{Sections: []bot.Section{{Fields: []bot.Field{{Label: "l"}}}, {Text: "*s* &amp; <https://x.example|x>\nsecond"}}}, "s & x (https://x.example)"},
			{bot.Message{Context: []string{" ", "small print"}}, "small print"},
			{bot.Message{Buttons: []bot.Button{{ActionID: "a", Label: "l"}}}, ""},
		} {
			got, err := RenderMessage(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			if got[0].Summary != tt.want {
				t.Errorf("summary = %q, want %q", got[0].Summary, tt.want)
			}
		}
	})
	t.Run("a form alone renders no card", func(t *testing.T) {
		got, err := RenderMessage(bot.Message{Form: &bot.Form{ID: "request.app", Title: "Request"}})
		if err != nil || got != nil {
			t.Errorf("got %v, %v; want nil, nil", got, err)
		}
	})
	t.Run("single page has no pager", func(t *testing.T) {
		got, err := RenderMessage(bot.Message{Headline: "h", Pager: &bot.Pager{Page: 1, Pages: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if text := CardText(got[0].Card); text != "h" {
			t.Errorf("card text = %q, want just the headline", text)
		}
	})
	t.Run("more than six actions continue in another set", func(t *testing.T) {
		var buttons []bot.Button
		for i := range 14 {
			buttons = append(buttons, bot.Button{ActionID: "a" + strconv.Itoa(i), Label: "A" + strconv.Itoa(i)})
		}
		got, err := RenderMessage(bot.Message{Sections: []bot.Section{{Text: "t", Button: &bot.Button{ActionID: "b", Label: "B"}, Actions: buttons[:6]}}, Buttons: buttons})
		if err != nil {
			t.Fatal(err)
		}
		var sets []int
		for _, e := range got[0].Card["body"].([]any) {
			if el := e.(map[string]any); el["type"] == "ActionSet" {
				sets = append(sets, len(el["actions"].([]any)))
			}
		}
		if diff := cmp.Diff([]int{6, 1, 6, 6, 2}, sets); diff != "" {
			t.Errorf("actions per set (-want +got):\n%s", diff)
		}
	})
}

// TestRenderMessageLimits feeds content far over a card: nothing is lost
// that fits, every card stays under the limit, and what alone is too long
// is trimmed with an ellipsis.
func TestRenderMessageLimits(t *testing.T) {
	t.Run("long text continues in further blocks and cards", func(t *testing.T) {
		var lines []string
		for i := range 600 {
			lines = append(lines, fmt.Sprintf("%03d. *Agent %03d* <mailto:a%03d@example.com|a%03d@example.com> & more", i+1, i+1, i+1, i+1))
		}
		got, err := RenderMessage(bot.Message{Headline: "All agents", Sections: []bot.Section{{Text: strings.Join(lines, "\n")}}, Context: []string{"end"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) < 3 {
			t.Fatalf("rendered %d cards, want at least 3", len(got))
		}
		var all []string
		for i, rc := range got {
			for _, p := range cardProblems(t, rc.Card) {
				t.Errorf("card %d: %s", i, p)
			}
			all = append(all, CardText(rc.Card))
		}
		text := strings.Join(all, "\n")
		for i := range 600 {
			if want := fmt.Sprintf("%03d. Agent %03d a%03d@example.com & more", i+1, i+1, i+1); !strings.Contains(text, want) {
				t.Fatalf("line %d missing: %q", i+1, want)
			}
		}
		if !strings.HasSuffix(text, "end") {
			t.Error("the context is not at the end of the last card")
		}
	})
	t.Run("one enormous line is trimmed", func(t *testing.T) {
		long := strings.Repeat(bot.EscapeText("<&> "), 20_000) + "<https://example.com|link>"
		got, err := RenderMessage(bot.Message{Headline: strings.Repeat("H", 400), Sections: []bot.Section{{Text: long}, {Text: "after"}}})
		if err != nil {
			t.Fatal(err)
		}
		for i, rc := range got {
			for _, p := range cardProblems(t, rc.Card) {
				t.Errorf("card %d: %s", i, p)
			}
		}
		// The line fills a card of its own, so the headline stands alone.
		if len(got) != 3 {
			t.Fatalf("rendered %d cards, want 3", len(got))
		}
		if text, want := CardText(got[0].Card), strings.Repeat("H", maxHeadline-1)+"…"; text != want {
			t.Errorf("first card = %q, want %q", text, want)
		}
		if text := CardText(got[1].Card); !strings.HasPrefix(text, "<&> <&>") || !strings.HasSuffix(text, "…") || strings.Contains(text, "&lt") || len(text) < 3000 {
			t.Errorf("trimmed line: %d bytes, %q … %q", len(text), text[:min(len(text), 20)], text[max(0, len(text)-20):])
		}
		if text := CardText(got[2].Card); text != "after" {
			t.Errorf("last card = %q, want the next section", text)
		}
	})
	t.Run("many long fields split into fact sets", func(t *testing.T) {
		var fields []bot.Field
		for i := range 40 {
			fields = append(fields, bot.Field{Label: fmt.Sprintf("Field %d", i), Value: strings.Repeat("v&", 1500)})
		}
		got, err := RenderMessage(bot.Message{Sections: []bot.Section{{Text: "t", Fields: fields}}})
		if err != nil {
			t.Fatal(err)
		}
		facts := 0
		for i, rc := range got {
			for _, p := range cardProblems(t, rc.Card) {
				t.Errorf("card %d: %s", i, p)
			}
			for _, e := range rc.Card["body"].([]any) {
				if el := e.(map[string]any); el["type"] == "FactSet" {
					facts += len(el["facts"].([]any))
				}
			}
		}
		if facts != 40 {
			t.Errorf("%d facts rendered, want 40", facts)
		}
	})
}

func TestRenderMessageErrors(t *testing.T) {
	ok := bot.Button{ActionID: "a", Label: "A"}
	tests := []struct {
		name string
		msg  bot.Message
		want string
	}{
		{"empty", bot.Message{Sections: []bot.Section{{Text: " "}}, Context: []string{""}}, "empty message"},
		{"button without label", bot.Message{Buttons: []bot.Button{{ActionID: "a", Label: " "}}}, "Buttons[0]: button has no label"},
		{"button without action id", bot.Message{Buttons: []bot.Button{ok, {Label: "B"}}}, `Buttons[1]: button "B" has neither an ActionID nor a URL`},
		{"section button without action id", bot.Message{Sections: []bot.Section{{Text: "t", Button: &bot.Button{Label: "B"}}}}, "Sections[0].Button"},
		{"section action without label", bot.Message{Sections: []bot.Section{{Text: "t", Actions: []bot.Button{ok, {ActionID: "b"}}}}}, "Sections[0].Actions[1]: button has no label"},
		{"action id with a space", bot.Message{Buttons: []bot.Button{{ActionID: "seat keep", Label: "K"}}}, `ActionID "seat keep" is not an action id`},
		{"reserved action id", bot.Message{Buttons: []bot.Button{{ActionID: "sw.form", Label: "K"}}}, `ActionID "sw.form" is not an action id`},
		{"value too long", bot.Message{Buttons: []bot.Button{{ActionID: "a", Label: "A", Value: strings.Repeat("v", maxButtonValue+1)}}}, "button value is 2001 characters"},
		{"bad url", bot.Message{Buttons: []bot.Button{{Label: "Open", URL: "javascript:alert(1)"}}}, "is not an http(s), mailto or tel address"},
		{"relative url", bot.Message{Buttons: []bot.Button{{Label: "Open", URL: "/admin"}}}, "is not an http(s)"},
		{"select without action id", bot.Message{Selects: []bot.Select{{Options: []bot.Option{{Label: "l", Value: "v"}}}}}, "Selects[0]: no ActionID"},
		{"select without options", bot.Message{Selects: []bot.Select{{ActionID: "s"}}}, `select "sel.0" has no options`},
		{"option without label", bot.Message{Selects: []bot.Select{{ActionID: "s", Options: []bot.Option{{Value: "v"}}}}}, "Selects[0].Options[0]: option has no label"},
		{"option without value", bot.Message{Selects: []bot.Select{{ActionID: "s", Options: []bot.Option{{Label: "l"}}}}}, `option "l" has no value`},
		{"repeated option", bot.Message{Selects: []bot.Select{{ActionID: "s", Options: []bot.Option{{Label: "l", Value: "v"}, {Label: "m", Value: "v"}}}}}, `option value "v" repeats`},
		{"initial not an option", bot.Message{Selects: []bot.Select{{ActionID: "s", Options: []bot.Option{{Label: "l", Value: "v"}}, Initial: "w"}}}, `initial value "w" is not one of the options`},
		{"pager page zero", bot.Message{Headline: "h", Pager: &bot.Pager{Page: 0, Pages: 2, ActionID: "p"}}, "page 0 of 2"},
		{"pager past the end", bot.Message{Headline: "h", Pager: &bot.Pager{Page: 3, Pages: 2, ActionID: "p"}}, "page 3 of 2"},
		{"pager without pages", bot.Message{Headline: "h", Pager: &bot.Pager{}}, "page 0 of 0"},
		{"pager without action id", bot.Message{Headline: "h", Pager: &bot.Pager{Page: 1, Pages: 2}}, "Pager: no ActionID"},
		{"select too large", bot.Message{Selects: []bot.Select{{ActionID: "s", Options: manyOptions(400)}}}, "more than a card holds"},
		{"action too large", bot.Message{Buttons: []bot.Button{{ActionID: "a", Label: "A", Value: strings.Repeat("<", maxButtonValue)}, {ActionID: "b", Label: "B", Value: strings.Repeat("<", maxButtonValue), Confirm: &bot.Confirm{Text: strings.Repeat("<", 1000)}}}}, "more than a card holds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RenderMessage(tt.msg)
			if err == nil {
				t.Fatalf("no error; rendered %d cards", len(got))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func manyOptions(n int) []bot.Option {
	out := make([]bot.Option, n)
	for i := range out {
		out[i] = bot.Option{Label: strings.Repeat("<", 60), Value: fmt.Sprintf("option-%d-%s", i, strings.Repeat("&", 40))}
	}
	return out
}

// keepForm is the review's Keep form, as prompts.Review.KeepForm draws it.
func keepForm() bot.Form {
	return bot.Form{
		ID:       "review.keep",
		RecordID: "2026-W47:1001",
		Title:    "Keep this seat",
		Submit:   "Keep",
		Inputs: []bot.Input{
			{ID: "reason", Label: "Why does Agent 01 keep a paid seat?", Hint: "e.g. on parental leave until March", Kind: bot.InputMultiline, Required: true, MaxLength: 500},
			{ID: "keep_until", Label: "Ask again on", Kind: bot.InputDate, Required: true, Initial: "2027-02-16", Hint: "At most 180 days from today (2027-05-17)"},
		},
	}
}

func TestRenderForm(t *testing.T) {
	withErrors := keepForm()
	withErrors.Inputs[0].Initial = "because"
	withErrors.Inputs[0].Error = "Say a little more: at least 10 characters."
	withErrors.Inputs[1].Initial = "2028-01-01"
	withErrors.Inputs[1].Error = "Choose a date at most 180 days from today (2027-05-17)."
	tests := []struct {
		name string
		form bot.Form
	}{
		{"form", keepForm()},
		{"form_with_errors", withErrors},
		{"select_and_text", bot.Form{
			ID: "request.app", Title: "Request an app", // no record, default submit
			Inputs: []bot.Input{
				{ID: "app", Label: "App", Kind: bot.InputSelect, Required: true, Initial: "translate", Hint: "Apps Zendesk lists for your plan", Options: []bot.Option{
					{Label: "Translate & Reply", Value: "translate", Description: "by Example Ltd"},
					{Label: "Time tracking", Value: "time"},
				}},
				{ID: "note", Label: "Anything the approvers should know?", Hint: "Optional", Kind: bot.InputText, Initial: "For *Tier 2*"},
				{ID: "since", Label: "Needed from", Kind: bot.InputDate},
			},
		}},
		{"request_app_form", fixtures.AppRequestForm()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := RenderForm(tt.form)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range cardProblems(t, c) {
				t.Error(p)
			}
			goldenJSON(t, c)
		})
	}
}

// TestRenderFormActions clicks a rendered form's Submit and Cancel as
// Teams would, merging the inputs into data, and reads them back; the
// golden files are the two actions.
func TestRenderFormActions(t *testing.T) {
	c, err := RenderForm(keepForm())
	if err != nil {
		t.Fatal(err)
	}
	body := c["body"].([]any)
	actions := body[len(body)-1].(map[string]any)["actions"].([]any)
	typed := map[string]any{"f.reason": "on leave", "f.keep_until": "2027-01-01"}
	tests := []struct {
		name   string
		action map[string]any
		inputs map[string]any // what Teams merges into data
		want   Submission
	}{
		{"submit", actions[0].(map[string]any), typed, Submission{
			FormID: "review.keep", RecordID: "2026-W47:1001", Inputs: map[string]string{"reason": "on leave", "keep_until": "2027-01-01"},
		}},
		// associatedInputs "none": Teams sends no inputs, and does not stop
		// at an empty required one.
		{"cancel", actions[1].(map[string]any), nil, Submission{
			FormID: "review.keep", RecordID: "2026-W47:1001", Cancel: true, Inputs: map[string]string{},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (tt.inputs == nil) != (tt.action["associatedInputs"] == "none") {
				t.Errorf("associatedInputs = %v", tt.action["associatedInputs"])
			}
			got, err := ParseSubmission(str(tt.action, "verb"), merge(tt.action["data"], tt.inputs))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			for _, p := range executeProblems(tt.action) {
				t.Error(p)
			}
			goldenJSON(t, tt.action)
		})
	}
}

func TestRenderFormErrors(t *testing.T) {
	text := bot.Input{ID: "a", Label: "A"}
	tests := []struct {
		name string
		form bot.Form
		want string
	}{
		{"no id", bot.Form{Inputs: []bot.Input{text}}, "Form: no ID"},
		{"no inputs", bot.Form{ID: "f"}, `Form "f": no inputs`},
		{"input without id", bot.Form{ID: "f", Inputs: []bot.Input{{Label: "A"}}}, "Form.Inputs[0]: input has no ID"},
		{"input without label", bot.Form{ID: "f", Inputs: []bot.Input{text, {ID: "b", Label: " "}}}, `Form.Inputs[1]: input "b" has no label`},
		{"repeated input id", bot.Form{ID: "f", Inputs: []bot.Input{text, text}}, `input ID "a" repeats`},
		{"unknown kind", bot.Form{ID: "f", Inputs: []bot.Input{{ID: "a", Label: "A", Kind: 42}}}, "unknown input kind 42"},
		{"bad initial date", bot.Form{ID: "f", Inputs: []bot.Input{{ID: "a", Label: "A", Kind: bot.InputDate, Initial: "16/02/2027"}}}, `initial date "16/02/2027" is not YYYY-MM-DD`},
		{"select without options", bot.Form{ID: "f", Inputs: []bot.Input{{ID: "a", Label: "A", Kind: bot.InputSelect}}}, `select "f.a" has no options`},
		{"select initial not an option", bot.Form{ID: "f", Inputs: []bot.Input{{ID: "a", Label: "A", Kind: bot.InputSelect, Initial: "x", Options: []bot.Option{{Label: "Y", Value: "y"}}}}}, `initial value "x"`},
		{"too large", bot.Form{ID: "f", Inputs: []bot.Input{{ID: "a", Label: "A", Kind: bot.InputSelect, Options: manyOptions(400)}}}, "a form cannot be split"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := RenderForm(tt.form)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func merge(data any, inputs map[string]any) map[string]any {
	out := map[string]any{}
	if d, ok := data.(map[string]any); ok {
		for k, v := range d {
			out[k] = v
		}
	}
	for k, v := range inputs {
		out[k] = v
	}
	return out
}

// cardProblems checks what Teams and the card protocol need of every card:
// within the size limit (and sized exactly as the packer sized it), the
// card's own fields, at most six actions a set, unique input ids, wrapping
// text, and every Action.Execute with an Action.Submit fallback that a
// click on either reads back as the same Submission.
func cardProblems(t *testing.T, c Card) []string {
	t.Helper()
	var out []string
	n, err := CardSize(c)
	if err != nil {
		return []string{err.Error()}
	}
	if n > maxCardBytes {
		out = append(out, fmt.Sprintf("card is %d bytes, over %d", n, maxCardBytes))
	}
	if u := jsonUnits(c); 2*u != n {
		out = append(out, fmt.Sprintf("jsonUnits = %d, CardSize = %d bytes", u, n))
	}
	if c["type"] != "AdaptiveCard" || c["version"] != "1.5" || c["$schema"] != cardSchema {
		out = append(out, "not an Adaptive Card 1.5")
	}
	ids := map[string]bool{}
	inConfirm := false
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			typ := str(v, "type")
			if typ == "Action.ShowCard" {
				// The confirm's own button has no fallback: a client
				// without Universal Actions does not draw the card.
				inConfirm = true
				defer func() { inConfirm = false }()
			}
			if typ == "Action.Execute" && inConfirm {
				if _, ok := v["fallback"]; ok {
					out = append(out, fmt.Sprintf("confirm button %q carries a fallback", str(v, "title")))
				}
				break
			}
			switch {
			case typ == "TextBlock" && v["wrap"] != true:
				out = append(out, fmt.Sprintf("TextBlock %q does not wrap", str(v, "text")))
			case typ == "ActionSet" && len(v["actions"].([]any)) > maxActionsPerSet:
				out = append(out, fmt.Sprintf("ActionSet of %d actions", len(v["actions"].([]any))))
			case strings.HasPrefix(typ, "Input."):
				if id := str(v, "id"); ids[id] {
					out = append(out, fmt.Sprintf("input id %q repeats", id))
				} else {
					ids[id] = true
				}
			case typ == "Action.Execute":
				out = append(out, executeProblems(v)...)
			}
			for k, e := range v {
				if k != "fallback" {
					walk(e)
				}
			}
		}
	}
	walk(c["body"])
	return out
}

func executeProblems(a map[string]any) []string {
	fb, ok := a["fallback"].(map[string]any)
	if !ok || fb["type"] != "Action.Submit" || fb["title"] != a["title"] || str(a, "title") == "" {
		return []string{fmt.Sprintf("Execute %q has no matching Submit fallback: %v", str(a, "title"), a["fallback"])}
	}
	// A click, with a drop-down's choice merged in as Teams merges inputs.
	inputs := map[string]any{"sel.0": "picked", "sel.1": "picked"}
	viaExecute, err1 := ParseSubmission(str(a, "verb"), merge(a["data"], inputs))
	fbData, _ := fb["data"].(map[string]any)
	viaSubmit, err2 := ParseSubmission("", merge(fbData, inputs))
	if err1 != nil || err2 != nil {
		return []string{fmt.Sprintf("Execute %q does not parse: %v / %v", str(a, "title"), err1, err2)}
	}
	if diff := cmp.Diff(viaExecute, viaSubmit); diff != "" {
		return []string{fmt.Sprintf("Execute %q and its fallback differ (-execute +submit):\n%s", str(a, "title"), diff)}
	}
	return nil
}

func TestJSONUnits(t *testing.T) {
	strs := []string{"", "plain", `"quoted" \ back`, "<&>", "\b\f\n\r\t\x00\x1f\x7f", "é·—…", "👍🏽🇩🇪", "\u2028\u2029", "bad \xff\xfe utf8 \xe2\x82", string(rune(0xFFFD))}
	for i := range 200 {
		var b []byte
		for k := range i {
			b = append(b, byte((k*131+i*17)%256))
		}
		strs = append(strs, string(b))
	}
	for _, s := range strs {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := stringUnits(s), utf16Units(string(b)); got != want {
			t.Errorf("stringUnits(%q) = %d, want %d", s, got, want)
		}
	}
	c := newCard([]any{map[string]any{"a": []any{1, true, false, nil, "x", map[string]any{}}, "n": 12345}})
	n, _ := CardSize(c)
	if got := jsonUnits(c); 2*got != n {
		t.Errorf("jsonUnits = %d, CardSize = %d", got, n)
	}
}

// reviewDigest is a page of dana's review digest as prompts draws it: open
// seats of n, ten a page, five actions each (Downgrade and Remove with a
// confirmation), seat names and emails like the prompts fixture's.
func reviewDigest(n, page int) bot.Message {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 11, 18, 10, 42, 0, 0, berlin)
	const period, owner = "2026-W47", "dana@example.com"
	r := prompts.Review{
		Period: period, Location: berlin, Currency: "USD", Command: "/warden", Now: now,
		Deadline: reviews.Deadline(period, berlin),
	}
	items := make([]reviews.Item, n)
	for i := range items {
		days := 30 + 3*i
		items[i] = reviews.Item{Period: period, Owner: owner, State: reviews.Open, Seat: reviews.Seat{
			UserID: int64(22_000_000_000_000 + i), Name: fmt.Sprintf("Agent %02d", i+1), Email: fmt.Sprintf("agent%02d@example.com", i+1),
			Role: "agent", RoleName: "Agent", Groups: []string{"Tier 1"},
			LastActivity: now.AddDate(0, 0, -days), DaysInactive: days, MonthlyCost: 115,
		}}
	}
	prompts.Sort(items)
	return r.Digest(prompts.Digest, owner, items, page)
}

// TestDigestFitsOneCard: a digest page of ten seats is one card, so an
// owner's review is one message that each click updates in place.
func TestDigestFitsOneCard(t *testing.T) {
	tests := []struct {
		name        string
		seats, page int
	}{
		{"ten_seats", prompts.DigestPageSize, 1},
		{"first_of_three_pages", 3 * prompts.DigestPageSize, 1},
		{"middle_of_three_pages", 3 * prompts.DigestPageSize, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := reviewDigest(tt.seats, tt.page)
			if got := len(m.Sections) - 1; got != prompts.DigestPageSize && tt.seats == prompts.DigestPageSize {
				t.Fatalf("digest shows %d seats, want %d", got, prompts.DigestPageSize)
			}
			cards, err := RenderMessage(m)
			if err != nil {
				t.Fatal(err)
			}
			if len(cards) != 1 {
				t.Fatalf("rendered %d cards, want 1", len(cards))
			}
			n, err := CardSize(cards[0].Card)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d bytes of %d", tt.name, n, maxCardBytes)
			for _, p := range cardProblems(t, cards[0].Card) {
				t.Error(p)
			}
		})
	}
}

func BenchmarkRenderDigest(b *testing.B) {
	m := reviewDigest(prompts.DigestPageSize, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderMessage(m); err != nil {
			b.Fatal(err)
		}
	}
}

// TestElementUnits: the sizes the packer adds up are the elements' exact
// JSON sizes, so a card is never over the limit by a miscount.
func TestElementUnits(t *testing.T) {
	var lines []string
	for i := range 3000 {
		lines = append(lines, fmt.Sprintf("*%d* <&> \"quoted\" \\ é 👍 <https://x.example/%d|link>", i, i))
	}
	var fields []bot.Field
	for i := range 30 {
		fields = append(fields, bot.Field{Label: fmt.Sprintf("F<%d>", i), Value: strings.Repeat("v&\n", 600)})
	}
	s := bot.Section{Text: strings.Join(lines, "\n"), Fields: fields, Actions: seatActions("2026-W47:1", "<Agent>")}
	for k := range 8 {
		s.Actions = append(s.Actions, bot.Button{ActionID: "a" + strconv.Itoa(k), Label: "A", Value: strings.Repeat("&", 500)})
	}
	els, err := sectionElements(1, s, true)
	if err != nil {
		t.Fatal(err)
	}
	tail, err := tailElements(bot.Message{Context: lines[:500], Pager: &bot.Pager{Page: 2, Pages: 3, ActionID: "p", Token: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range append(els, tail...) {
		if got := jsonUnits(e.el); e.units != got {
			t.Errorf("element %d (%s): units %d, want %d", i, str(e.el, "type"), e.units, got)
		}
		if e.units > bodyBudget {
			t.Errorf("element %d (%s): %d units, more than a card's body", i, str(e.el, "type"), e.units)
		}
	}
}

// TestCredentialCards: the credential register's digest and claim form
// as Teams shows them.
func TestCredentialCards(t *testing.T) {
	t.Run("digest", func(t *testing.T) {
		cards, err := RenderMessage(fixtures.CredentialDigest())
		if err != nil {
			t.Fatal(err)
		}
		for i, rc := range cards {
			for _, p := range cardProblems(t, rc.Card) {
				t.Errorf("card %d: %s", i, p)
			}
		}
		goldenJSON(t, goldenCards(t, cards))
	})
	t.Run("github_digest", func(t *testing.T) {
		cards, err := RenderMessage(fixtures.GitHubCredentialDigest())
		if err != nil {
			t.Fatal(err)
		}
		for i, rc := range cards {
			for _, p := range cardProblems(t, rc.Card) {
				t.Errorf("card %d: %s", i, p)
			}
		}
		goldenJSON(t, goldenCards(t, cards))
	})
	t.Run("claim_form", func(t *testing.T) {
		c, err := RenderForm(fixtures.ClaimForm())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range cardProblems(t, c) {
			t.Error(p)
		}
		goldenJSON(t, c)
	})
}
