package console

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/bot"
	goldenfile "github.com/seatwarden/seatwarden/internal/golden"
)

// golden compares got with testdata/<TestName>/<name>.golden, rewriting it
// under -update. The files are exactly what a person sees in the terminal,
// followed by what each number sends.
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenfile.File(t, filepath.Join("testdata", strings.Split(t.Name(), "/")[0], name+".golden"), []byte(got))
}

// goldenText is a render as the golden files show it.
func goldenText(text string, choices []Choice) string {
	var b strings.Builder
	b.WriteString(text + "\n")
	if len(choices) > 0 {
		b.WriteString("\n--- what each number sends ---\n")
	}
	for i, c := range choices {
		fmt.Fprintf(&b, "[%d] %s = %q", i+1, c.ActionID, c.Value)
		if c.Confirm != nil {
			fmt.Fprintf(&b, ", asking %q first", c.Confirm.Text)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func seatSummary() bot.Message {
	return bot.Message{
		Headline: "Seats: 12 paid · €1,380/month",
		Sections: []bot.Section{
			{Text: "*Paid seats by role*", Fields: []bot.Field{
				{Label: "Admins", Value: "2 · €230/month"},
				{Label: "Agents", Value: "8 · €920/month"},
				{Label: "Suspended", Value: "2 · €230/month, still billed"},
			}},
			{Text: "*Active:* 6 (€690/month)\n*Inactive:* 6 (€690/month), no login for 30+ days, 2 never logged in"},
			{Text: "Removing the 6 inactive seats saves *€690/month*."},
			{Text: "*Seats by owner*", Fields: []bot.Field{
				{Label: "dana@acme.example", Value: "9 seats · €1,035/month\n4 inactive · €460/month"},
				{Label: "omar@acme.example", Value: "3 seats · €345/month"},
			}},
		},
		Context: []string{
			"Not billed: 2 light agents, 1 contributor.",
			"Snapshot synced Mon 2 Mar 09:15 CET. The inactive seats: /warden seats inactive",
		},
		Buttons: []bot.Button{
			{ActionID: "review.start", Label: "Start a review", Value: "review:2026-03", Style: bot.StylePrimary},
			{ActionID: "seats.remove_inactive", Label: "Remove 6 seats", Value: "review:2026-03", Style: bot.StyleDanger,
				Confirm: &bot.Confirm{Title: "Remove 6 seats?", Text: "The 6 agents who have not logged in for 30 days lose their agent role.", Confirm: "Remove", Deny: "Keep them"}},
			{Label: "Open Zendesk", URL: "https://acme.zendesk.com/admin/people/team/members"},
		},
		Visibility: bot.Visible,
	}
}

func pagedList() bot.Message {
	m := bot.Message{
		Headline:   "Inactive seats: 45 with no login for 60+ days · €5,175/month",
		Pager:      &bot.Pager{Page: 2, Pages: 3, ActionID: "seats.page", Token: "inactive:60"},
		Context:    []string{"Seats 21–40 of 45, most inactive first.", "Snapshot synced Mon 2 Mar 09:15 CET."},
		Visibility: bot.Ephemeral,
		Delivery:   bot.ReplaceOriginal,
	}
	for i := range 3 {
		n := 21 + i
		m.Sections = append(m.Sections, bot.Section{
			Text: fmt.Sprintf("*Agent %d* · agent%d@acme.example\nAgent · Tier 2 · last login Tue 2 Dec 2025, %d days ago · €115.00/month", n, n, 90-i),
		})
	}
	return m
}

func sectionButtons() bot.Message {
	m := bot.Message{
		Headline:   "Your seats to review: 3",
		Context:    []string{"Keep a seat to skip it in this review; the rest are removed on Friday."},
		Buttons:    []bot.Button{{ActionID: "review.keep_all", Label: "Keep all", Value: "review:2026-03"}},
		Visibility: bot.Visible,
	}
	for i, name := range []string{"Tom Reilly", "Aisha Bello", "Jonas Berg"} {
		m.Sections = append(m.Sections, bot.Section{
			Text:   fmt.Sprintf("*%s* <mailto:%s@acme.example|%s@acme.example>\nLast login %d days ago", name, strings.ToLower(strings.Fields(name)[0]), strings.ToLower(strings.Fields(name)[0]), 400/(i+1)),
			Button: &bot.Button{ActionID: "seat.keep", Label: "Keep", Value: fmt.Sprintf("seat-%d", i+1), Style: bot.StylePrimary},
		})
	}
	return m
}

func confirmMessage() bot.Message {
	return bot.Message{
		Headline: "Tom Reilly · tom@acme.example",
		Sections: []bot.Section{{
			Text: "Agent · Tier 2 · last login 400 days ago · €115.00/month",
			Button: &bot.Button{ActionID: "seat.remove", Label: "Remove", Value: "seat-7", Style: bot.StyleDanger,
				Confirm: &bot.Confirm{Title: "Remove this seat?", Text: "Tom Reilly loses the agent role; tickets stay.", Confirm: "Remove", Deny: "Cancel"}},
		}},
		Buttons: []bot.Button{
			{ActionID: "seat.keep", Label: "Keep", Value: "seat-7", Style: bot.StylePrimary},
			{ActionID: "seat.downgrade", Label: "Downgrade", Value: "seat-7"},
		},
		Visibility: bot.Visible,
		Delivery:   bot.InThread,
	}
}

func selectMessage() bot.Message {
	return bot.Message{
		Headline: "Snooze Tom Reilly's seat",
		Selects: []bot.Select{{
			ActionID:    "seat.snooze",
			Placeholder: "Snooze for",
			Options: []bot.Option{
				{Label: "One week", Value: "seat-7:7"},
				{Label: "Two weeks", Value: "seat-7:14", Description: "the policy's default"},
				{Label: "A month", Value: "seat-7:30"},
			},
			Initial: "seat-7:14",
		}},
		Visibility: bot.Visible,
	}
}

func requestForm() *bot.Form {
	return &bot.Form{
		ID: "request.app", RecordID: "req-42", Title: "Request an app", Submit: "Send request",
		Inputs: []bot.Input{
			{ID: "name", Label: "App name", Hint: "As listed in the Zendesk Marketplace.", Kind: bot.InputText, Required: true, MaxLength: 80},
			{ID: "why", Label: "Why do you need it?", Kind: bot.InputMultiline, Required: true, MaxLength: 2000},
			{ID: "by", Label: "Needed by", Kind: bot.InputDate},
			{ID: "risk", Label: "Data it reads", Kind: bot.InputSelect, Required: true, Initial: "tickets", Options: []bot.Option{
				{Label: "Nothing", Value: "none"},
				{Label: "Tickets", Value: "tickets", Description: "comments and attachments"},
				{Label: "Everything", Value: "all", Description: "needs two approvals"},
			}},
		},
	}
}

// formText is a form as a person meets it: the reply, then each question
// as asked with the form's initial values.
func formText(m bot.Message) string {
	text, choices := Render(m)
	var b strings.Builder
	b.WriteString(goldenText(text, choices))
	b.WriteString("\n--- questions ---\n")
	for _, in := range m.Form.Inputs {
		b.WriteString(question(in, in.Initial))
	}
	return b.String()
}

func TestRender(t *testing.T) {
	rejected := requestForm()
	rejected.Inputs[0].Error = "Translate & Reply is already installed."
	rejected.Inputs[2].Error = "Pick a date after today."
	tests := []struct {
		name string
		msg  bot.Message
	}{
		{"seat_summary", seatSummary()},
		{"paged_list", pagedList()},
		{"section_buttons", sectionButtons()},
		{"confirm", confirmMessage()},
		{"section_actions", bot.Message{
			Headline: "Seat review: 2 inactive seats, $230/month",
			Sections: []bot.Section{
				{Text: "*Tom Reilly* · tom@acme.example\nAgent · Tier 2 · last login 16 Oct 2025, 400 days ago", Actions: []bot.Button{
					{ActionID: "review.keep", Label: "Keep", Value: "2026-W47:7", Style: bot.StylePrimary},
					{ActionID: "review.remove", Label: "Remove", Value: "2026-W47:7", Style: bot.StyleDanger, Confirm: &bot.Confirm{Title: "Remove this seat?", Text: "Tom stops being an agent.", Confirm: "Remove", Deny: "Cancel"}},
				}},
				{Text: "*Hannah Weiss* · hannah@acme.example\n➖ Removed by dana@acme.example at 10:42 — saves $115/month"},
			},
			Visibility: bot.Visible,
		}},
		{"select", selectMessage()},
		{"ephemeral_error", bot.Message{
			Sections: []bot.Section{{Text: "Usage error: DAYS must be a whole number from 1 to 3650, e.g. /warden seats inactive 60"}},
		}},
		{"empty_message", bot.Message{}},
		{"markup", bot.Message{
			Headline: "Approved: Zendesk app \"Translate & Reply\"",
			Sections: []bot.Section{{Text: "<@U02ALICE|alice> approved the request of <@U03BOB> in <#C0456|approvals>: " +
				"<https://acme.zendesk.com/admin/apps|see the apps>. Name typed into Zendesk: *&lt;!channel&gt; &amp; co*; 2 * 3 = 6; `seats user`"}},
			Visibility: bot.Visible,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.name, goldenText(Render(tt.msg)))
		})
	}
	t.Run("form", func(t *testing.T) {
		golden(t, "form", formText(bot.Message{Form: requestForm()}))
	})
	t.Run("form_rejected", func(t *testing.T) {
		golden(t, "form_rejected", formText(bot.Message{Form: rejected}))
	})
}

// The pager's buttons carry the value the commands package parses back.
func TestRenderPagerValues(t *testing.T) {
	tests := []struct {
		page, pages int
		want        []Choice
	}{
		{1, 1, nil},
		{1, 3, []Choice{{Label: "Next", ActionID: "seats.page", Value: "inactive:60:2"}}},
		{2, 3, []Choice{{Label: "Previous", ActionID: "seats.page", Value: "inactive:60:1"}, {Label: "Next", ActionID: "seats.page", Value: "inactive:60:3"}}},
		{3, 3, []Choice{{Label: "Previous", ActionID: "seats.page", Value: "inactive:60:2"}}},
	}
	for _, tt := range tests {
		_, got := Render(bot.Message{Headline: "List", Pager: &bot.Pager{Page: tt.page, Pages: tt.pages, ActionID: "seats.page", Token: "inactive:60"}})
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("page %d of %d (-want +got):\n%s", tt.page, tt.pages, diff)
		}
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"*Active:* 3", "Active: 3"},
		{"saves *€690/month*.", "saves €690/month."},
		{"2 * 3 * 4", "2 * 3 * 4"},
		{"a*b*c", "a*b*c"},
		{"*unclosed", "*unclosed"},
		{"`/warden seats` or `help`", "/warden seats or help"},
		{"*bold\nnext*", "*bold\nnext*"},
		{"<https://x.example/?a=1&amp;b=2|docs>", "docs (https://x.example/?a=1&b=2)"},
		{"<https://x.example>", "https://x.example"},
		{"<mailto:tom@acme.example|tom@acme.example>", "tom@acme.example"},
		{"<@U1> and <@U2|dana>", "@U1 and @dana"},
		{"<#C1|support> <#C2>", "#support #C2"},
		{"<!here> <!subteam^S1|@leads> <!date^1392734382^{date}|Feb 18>", "@here @leads Feb 18"},
		{"&lt;!channel&gt; &amp;amp;", "<!channel> &amp;"},
		{"tom_reilly@acme.example", "tom_reilly@acme.example"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAnswer(t *testing.T) {
	text := bot.Input{ID: "name", Kind: bot.InputText, Required: true, MaxLength: 5}
	optional := bot.Input{ID: "note", Kind: bot.InputText}
	date := bot.Input{ID: "by", Kind: bot.InputDate}
	sel := bot.Input{ID: "risk", Kind: bot.InputSelect, Required: true, Options: []bot.Option{{Label: "Low", Value: "low"}, {Label: "High", Value: "high"}}}
	multi := bot.Input{ID: "why", Kind: bot.InputMultiline, Required: true}
	tests := []struct {
		name          string
		in            bot.Input
		typed, cur    string
		want, problem string
	}{
		{"typed", text, " abc ", "", "abc", ""},
		{"empty keeps the current value", text, "", "old", "old", ""},
		{"empty required", text, "  ", "", "", "An answer is required."},
		{"empty optional skips", optional, "", "", "", ""},
		{"too long", text, "abcdef", "", "", "That is 6 characters; at most 5 fit."},
		{"runes, not bytes", text, "ééééé", "", "ééééé", ""},
		{"date", date, "2026-03-31", "", "2026-03-31", ""},
		{"not a date", date, "31.3.2026", "", "", "Type a date as YYYY-MM-DD, e.g. 2026-03-31."},
		{"option by number", sel, "2", "", "high", ""},
		{"option by label", sel, "low", "", "low", ""},
		{"option out of range", sel, "3", "", "", "Choose a number from 1 to 2."},
		{"select keeps the current option", sel, "", "low", "low", ""},
		{"multiline kept as typed", multi, "line one\n  line two", "", "line one\n  line two", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problem := answer(tt.in, tt.typed, tt.cur)
			if got != tt.want || problem != tt.problem {
				t.Errorf("answer(%q, %q) = %q, %q; want %q, %q", tt.typed, tt.cur, got, problem, tt.want, tt.problem)
			}
		})
	}
}
