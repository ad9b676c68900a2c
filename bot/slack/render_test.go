package slack

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/bot"
	"github.com/seatwarden/seatwarden/internal/fixtures"
	goldenfile "github.com/seatwarden/seatwarden/internal/golden"
)

// golden compares v, as indented JSON, with
// testdata/<TestName>/<name>.golden.json, rewriting it under -update.
//
// The files are the exact JSON slack-go sends. A view file, or one message
// object (or just its "blocks" array) from a message file, can be pasted into
// Block Kit Builder (https://app.slack.com/block-kit-builder) to see it.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep <, > and & readable; the JSON is equivalent
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	goldenfile.File(t, filepath.Join("testdata", strings.Split(t.Name(), "/")[0], name+".golden.json"), buf.Bytes())
}

// goldenMessage is a RenderedMessage as the golden files show it.
type goldenMessage struct {
	Text            string          `json:"text"`
	Ephemeral       bool            `json:"ephemeral"`
	ReplaceOriginal bool            `json:"replace_original"`
	InThread        bool            `json:"in_thread"`
	Blocks          []slackgo.Block `json:"blocks"`
}

func goldenMessages(rms []RenderedMessage) []goldenMessage {
	out := make([]goldenMessage, len(rms))
	for i, rm := range rms {
		out[i] = goldenMessage{Text: rm.Text, Ephemeral: rm.Ephemeral, ReplaceOriginal: rm.ReplaceOriginal, InThread: rm.InThread, Blocks: rm.Blocks}
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
					{Label: "Largest group", Value: "R&D <tier 2>"},
				},
			},
			{
				Text:   "*Active:* 5 ($575.00)\n*Inactive:* 6 ($690.00), no login for 30+ days, 2 never logged in",
				Button: &bot.Button{ActionID: "seats.inactive", Label: "Show inactive", Value: "inactive:30"},
			},
			{Text: "Removing the 6 inactive seats saves *$690.00/month*."},
		},
		Context: []string{"Free: 3 light agents, 1 contributor", "Snapshot from Zendesk, synced every 15 minutes"},
		Buttons: []bot.Button{
			{ActionID: "review.start", Label: "Start a review", Value: "review:2026-11", Style: bot.StylePrimary},
			{
				ActionID: "seats.remove_inactive", Label: "Remove inactive seats", Value: "inactive:30", Style: bot.StyleDanger,
				Confirm: &bot.Confirm{
					Title:   "Remove 6 seats?",
					Text:    "The 6 agents who have not logged in for 30 days lose their agent role. Their tickets stay.",
					Confirm: "Remove",
					Deny:    "Keep them",
				},
			},
			{Label: "Open Zendesk", URL: "https://example.zendesk.com/admin/people/team/members"},
		},
		Visibility: bot.Visible,
	}
}

func longList(n int) bot.Message {
	m := bot.Message{
		Headline:   fmt.Sprintf("Inactive seats: %d", n),
		Context:    []string{"Keep a seat to skip it in this review; the rest are removed on Friday."},
		Buttons:    []bot.Button{{ActionID: "review.keep_all", Label: "Keep all", Value: "review:2026-11"}},
		Visibility: bot.Visible,
	}
	for i := range n {
		m.Sections = append(m.Sections, bot.Section{
			Text:   fmt.Sprintf("*Agent %03d* <mailto:agent%03d@example.com|agent%03d@example.com>\nLast login %d days ago", i+1, i+1, i+1, 30+i),
			Button: &bot.Button{ActionID: "seat.keep", Label: "Keep", Value: fmt.Sprintf("seat-%03d", i+1)},
		})
	}
	return m
}

func pagedList() bot.Message {
	m := bot.Message{
		Headline:   "Inactive seats, 60+ days",
		Pager:      &bot.Pager{Page: 2, Pages: 5, ActionID: "seats.page", Token: "inactive:60"},
		Visibility: bot.Visible,
		Delivery:   bot.ReplaceOriginal,
	}
	for i := range 3 {
		n := 11 + i
		m.Sections = append(m.Sections, bot.Section{
			Text: fmt.Sprintf("*Agent %d* · last login %d days ago", n, 60+n),
			Button: &bot.Button{
				ActionID: "seat.remove", Label: "Remove", Value: fmt.Sprintf("seat-%d", n), Style: bot.StyleDanger,
				Confirm: &bot.Confirm{Text: fmt.Sprintf("Remove Agent %d's seat?", n)},
			},
		})
	}
	return m
}

// seatActions are a digest's buttons under one seat.
func seatActions(seat string) []bot.Button {
	return []bot.Button{
		{ActionID: "seat.keep", Label: "Keep", Value: seat, Style: bot.StylePrimary},
		{ActionID: "seat.downgrade", Label: "Downgrade", Value: seat},
		{ActionID: "seat.remove", Label: "Remove", Value: seat, Style: bot.StyleDanger, Confirm: &bot.Confirm{
			Title: "Remove this seat?", Text: "The agent loses their role on Friday. Their tickets stay.", Confirm: "Remove", Deny: "Keep it",
		}},
		{ActionID: "seat.snooze", Label: "Snooze", Value: seat},
		{ActionID: "seat.not_mine", Label: "Not mine", Value: seat},
	}
}

// digest is an owner's weekly review: one section per seat, each with its
// row of actions, and a pager when there are more.
func digest(n int, pager *bot.Pager) bot.Message {
	m := bot.Message{
		Headline:   fmt.Sprintf("Your seat review: %d inactive seats", n),
		Context:    []string{"Seats you do not keep are removed on Friday 27 Nov."},
		Pager:      pager,
		Visibility: bot.Visible,
	}
	for i := range n {
		seat := fmt.Sprintf("rev-7:%03d", i+1)
		m.Sections = append(m.Sections, bot.Section{
			Text:    fmt.Sprintf("*Agent %03d* <mailto:agent%03d@example.com|agent%03d@example.com>\nLast login %d days ago · $115.00/month", i+1, i+1, i+1, 30+i),
			Actions: seatActions(seat),
		})
	}
	return m
}

// overLimits has something over every text limit a message has.
func overLimits() bot.Message {
	link := "<https://example.com/a/very/long/path|a link that must not be cut>"
	longLine := strings.Repeat("word ", 590) + link + strings.Repeat(" tail", 100) // the link straddles 3000
	var list []string
	for i := range 70 {
		list = append(list, fmt.Sprintf("%02d. %s", i+1, strings.Repeat("entry ", 15)))
	}
	var fields []bot.Field
	for i := range 12 {
		fields = append(fields, bot.Field{Label: fmt.Sprintf("Field %d", i+1), Value: "value"})
	}
	fields[0].Value = strings.Repeat("R&D ", 600) // escaped & must not be cut mid-entity
	var context []string
	for i := range 11 {
		context = append(context, fmt.Sprintf("context %d", i+1))
	}
	context[0] = strings.Repeat("é", 2998) + "👍🏽👍🏽" // the cut must not split the skin tone
	var buttons []bot.Button
	for i := range 27 {
		buttons = append(buttons, bot.Button{ActionID: fmt.Sprintf("act.%d", i), Label: fmt.Sprintf("Button %d ", i) + strings.Repeat("x", 80), Value: strconv.Itoa(i)})
	}
	buttons[0].Style = bot.StyleDanger
	buttons[0].Confirm = &bot.Confirm{
		Title:   strings.Repeat("T", 120),
		Text:    strings.Repeat("text ", 80),
		Confirm: strings.Repeat("Y", 40),
		Deny:    strings.Repeat("N", 40),
	}
	return bot.Message{
		Headline: strings.Repeat("Headline ", 20) + "🇩🇪🇫🇷",
		Sections: []bot.Section{
			{Text: longLine},
			{Text: strings.Join(list, "\n"), Fields: fields},
		},
		Context: context,
		Buttons: buttons,
		Selects: []bot.Select{{
			ActionID:    "pick",
			Placeholder: strings.Repeat("p", 200),
			Options: []bot.Option{
				{Label: strings.Repeat("o", 100), Value: "a", Description: strings.Repeat("d", 100)},
				{Label: "short", Value: "b"},
			},
			Initial: "b",
		}},
		Visibility: bot.Visible,
	}
}

func TestRenderMessage(t *testing.T) {
	tests := []struct {
		name string
		msg  bot.Message
		want int // messages
	}{
		{"seat_summary", seatSummary(), 1},
		// 1 header + 60 sections + 1 context + 1 actions: two messages.
		{"long_list_split", longList(60), 2},
		{"paged_list", pagedList(), 1},
		{"over_limits", overLimits(), 1},
		{"ephemeral_error", bot.Message{
			Sections: []bot.Section{{Text: "`seats inactive` takes a number of days, for example `/warden seats inactive 60`"}},
		}, 1},
		// 1 header + 30 × (section + actions) + 3 pager blocks: the split
		// falls between two seats, never between a seat and its buttons.
		{"digest_split", digest(30, &bot.Pager{Page: 1, Pages: 3, ActionID: "review.page", Token: "rev-7"}), 2},
		{"digest_small", digest(2, nil), 1},
		{"approval_in_thread", bot.Message{
			Headline:   "Approved: Zendesk app \"Translate & Reply\"",
			Sections:   []bot.Section{{Text: "<@U02ALICE> approved the request of <@U03BOB>."}},
			Context:    []string{"Request req-42 · 2 of 2 approvals"},
			Visibility: bot.Visible,
			Delivery:   bot.InThread,
		}, 1},
		// An approval thread's parent is updated in place, so it must
		// stay one message.
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
				t.Errorf("rendered %d messages, want %d", len(got), tt.want)
			}
			for i, rm := range got {
				for _, p := range messageProblems(rm) {
					t.Errorf("message %d: %s", i, p)
				}
			}
			golden(t, tt.name, goldenMessages(got))
		})
	}
}

func TestRenderMessageShape(t *testing.T) {
	t.Run("split keeps header first and controls last", func(t *testing.T) {
		got, err := RenderMessage(longList(120))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("rendered %d messages, want 3", len(got))
		}
		for i, rm := range got {
			ids := blockIDs(t, rm)
			if hasHeader := ids[0] == blockHeader; hasHeader != (i == 0) {
				t.Errorf("message %d: header present = %v", i, hasHeader)
			}
			last := ids[len(ids)-1]
			if hasControls := last == actionsBlockID(0); hasControls != (i == len(got)-1) {
				t.Errorf("message %d: controls present = %v (last block %q)", i, hasControls, last)
			}
			if rm.Ephemeral || rm.ReplaceOriginal || rm.InThread {
				t.Errorf("message %d: flags %+v", i, rm)
			}
		}
		if want := "Inactive seats: 120 (part 3 of 3)"; got[2].Text != want {
			t.Errorf("third text = %q, want %q", got[2].Text, want)
		}
	})
	t.Run("only the first of a split replaces the original", func(t *testing.T) {
		m := longList(60)
		m.Delivery = bot.ReplaceOriginal
		m.Visibility = bot.Ephemeral
		got, err := RenderMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		var flags [][3]bool
		for _, rm := range got {
			flags = append(flags, [3]bool{rm.Ephemeral, rm.ReplaceOriginal, rm.InThread})
		}
		if diff := cmp.Diff([][3]bool{{true, true, false}, {true, false, false}}, flags); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("a section over 50 blocks fills messages in order", func(t *testing.T) {
		var fields []bot.Field
		for i := range 600 { // 60 section blocks
			fields = append(fields, bot.Field{Label: "F" + strconv.Itoa(i), Value: "v"})
		}
		var buttons []bot.Button
		for i := range 1300 { // 52 actions blocks
			buttons = append(buttons, bot.Button{ActionID: "b" + strconv.Itoa(i), Label: "B", Value: strconv.Itoa(i)})
		}
		m := bot.Message{Headline: "h", Sections: []bot.Section{{Text: "t", Fields: fields}}, Buttons: buttons}
		got, err := RenderMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		var sizes []int
		for _, rm := range got {
			sizes = append(sizes, len(rm.Blocks))
			for _, p := range messageProblems(rm) {
				t.Error(p)
			}
		}
		// Header and 49 section blocks, then the other 11; the 52 actions
		// blocks cannot fit one message anyway, so they fill on from there.
		if diff := cmp.Diff([]int{50, 50, 13}, sizes); diff != "" {
			t.Errorf("blocks per message (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(modelContent(m), renderedContent(t, got)); diff != "" {
			t.Errorf("content (-model +rendered):\n%s", diff)
		}
	})
	t.Run("fallback text without a headline", func(t *testing.T) {
		for _, tt := range []struct {
			msg  bot.Message
			want string
		}{
			{bot.Message{Headline: "a <b> & c", Sections: []bot.Section{{Text: "s"}}}, "a &lt;b&gt; &amp; c"},
			{bot.Message{Sections: []bot.Section{{Fields: []bot.Field{{Label: "l"}}}, {Text: "*s*"}}}, "*s*"},
			{bot.Message{Context: []string{" ", "small print"}}, "small print"},
			{bot.Message{Buttons: []bot.Button{{ActionID: "a", Label: "l"}}}, ""},
		} {
			got, err := RenderMessage(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			if got[0].Text != tt.want {
				t.Errorf("text = %q, want %q", got[0].Text, tt.want)
			}
		}
	})
	t.Run("a form alone renders no message", func(t *testing.T) {
		got, err := RenderMessage(bot.Message{Form: &bot.Form{ID: "request.app", Title: "Request"}})
		if err != nil || len(got) != 0 {
			t.Errorf("got %d messages, %v; want none", len(got), err)
		}
	})
	t.Run("repeated action ids get their own actions blocks", func(t *testing.T) {
		got, err := RenderMessage(bot.Message{Buttons: []bot.Button{
			{ActionID: "a", Label: "1"}, {ActionID: "b", Label: "2"}, {ActionID: "a", Label: "3"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"act0", "act1"}, blockIDs(t, got[0])); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("section actions follow their section and split with it", func(t *testing.T) {
		got, err := RenderMessage(digest(30, &bot.Pager{Page: 2, Pages: 3, ActionID: "review.page", Token: "rev-7"}))
		if err != nil {
			t.Fatal(err)
		}
		var sizes []int
		for i, rm := range got {
			sizes = append(sizes, len(rm.Blocks))
			ids := blockIDs(t, rm)
			for k, id := range ids {
				if strings.HasPrefix(id, "sec") && !strings.Contains(id, ".act") {
					if k+1 == len(ids) || ids[k+1] != id+".act" {
						t.Errorf("message %d: section %q is not followed by its actions", i, id)
					}
				}
			}
		}
		// Header and 24 seats (49 blocks), then 6 seats and the pager.
		if diff := cmp.Diff([]int{49, 16}, sizes); diff != "" {
			t.Errorf("blocks per message (-want +got):\n%s", diff)
		}
	})
	t.Run("section actions over 25 continue in another row", func(t *testing.T) {
		var actions []bot.Button
		for i := range 30 {
			actions = append(actions, bot.Button{ActionID: "a" + strconv.Itoa(i), Label: "A", Value: strconv.Itoa(i)})
		}
		actions[28].ActionID = "a26" // a repeat starts a row too
		got, err := RenderMessage(bot.Message{Sections: []bot.Section{
			{Text: "first", Button: &bot.Button{ActionID: "seat.keep", Label: "Keep"}},
			{Text: "second", Actions: actions},
			{Actions: seatActions("r1")}, // no text: the row alone
		}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"sec0", "sec1", "sec1.act", "sec1.act.1", "sec1.act.2", "sec2.act"}, blockIDs(t, got[0])); diff != "" {
			t.Error(diff)
		}
		var rows []int
		for _, b := range got[0].Blocks {
			if a, ok := b.(*slackgo.ActionBlock); ok {
				rows = append(rows, len(a.Elements.ElementSet))
			}
		}
		if diff := cmp.Diff([]int{25, 3, 2, 5}, rows); diff != "" {
			t.Errorf("elements per actions block (-want +got):\n%s", diff)
		}
		for _, p := range messageProblems(got[0]) {
			t.Error(p)
		}
	})
	t.Run("single page has no pager", func(t *testing.T) {
		got, err := RenderMessage(bot.Message{Headline: "h", Pager: &bot.Pager{Page: 1, Pages: 1, ActionID: "p"}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{blockHeader}, blockIDs(t, got[0])); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("first and last page have one page button", func(t *testing.T) {
		for page, want := range map[int][]string{1: {blockPage, blockPageNext}, 3: {blockPage, blockPagePrev}} {
			got, err := RenderMessage(bot.Message{Pager: &bot.Pager{Page: page, Pages: 3, ActionID: "p", Token: "t"}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, blockIDs(t, got[0])); diff != "" {
				t.Errorf("page %d: %s", page, diff)
			}
		}
	})
}

func blockIDs(t *testing.T, rm RenderedMessage) []string {
	t.Helper()
	var ids []string
	for _, b := range rm.Blocks {
		ids = append(ids, b.ID())
	}
	return ids
}

func TestRenderMessageErrors(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	opts := func(n int) []bot.Option {
		var o []bot.Option
		for i := range n {
			o = append(o, bot.Option{Label: strconv.Itoa(i), Value: strconv.Itoa(i)})
		}
		return o
	}
	tests := []struct {
		name  string
		msg   bot.Message
		limit bool // a *LimitError
	}{
		{"empty", bot.Message{}, false},
		{"blank", bot.Message{Headline: " ", Sections: []bot.Section{{Text: "\n"}}, Context: []string{""}}, false},
		{"value over 2000", bot.Message{Buttons: []bot.Button{{ActionID: "a", Label: "l", Value: long(2001)}}}, true},
		{"action_id over 255", bot.Message{Buttons: []bot.Button{{ActionID: long(256), Label: "l"}}}, true},
		{"accessory value over 2000", bot.Message{Sections: []bot.Section{{Text: "t", Button: &bot.Button{ActionID: "a", Label: "l", Value: long(2001)}}}}, true},
		{"url over 3000", bot.Message{Buttons: []bot.Button{{Label: "l", URL: "https://example.com/" + long(3000)}}}, true},
		{"button without action id or url", bot.Message{Buttons: []bot.Button{{Label: "l", Value: "v"}}}, false},
		{"button without label", bot.Message{Buttons: []bot.Button{{ActionID: "a"}}}, false},
		{"select action_id over 255", bot.Message{Selects: []bot.Select{{ActionID: long(256), Options: opts(1)}}}, true},
		{"select without action id", bot.Message{Selects: []bot.Select{{Options: opts(1)}}}, false},
		{"select without options", bot.Message{Selects: []bot.Select{{ActionID: "s"}}}, false},
		{"select over 100 options", bot.Message{Selects: []bot.Select{{ActionID: "s", Options: opts(101)}}}, true},
		{"option value over 150", bot.Message{Selects: []bot.Select{{ActionID: "s", Options: []bot.Option{{Label: "l", Value: long(151)}}}}}, true},
		{"option without value", bot.Message{Selects: []bot.Select{{ActionID: "s", Options: []bot.Option{{Label: "l"}}}}}, false},
		{"option value repeats", bot.Message{Selects: []bot.Select{{ActionID: "s", Options: []bot.Option{{Label: "l", Value: "v"}, {Label: "m", Value: "v"}}}}}, false},
		{"initial not an option", bot.Message{Selects: []bot.Select{{ActionID: "s", Options: opts(2), Initial: "9"}}}, false},
		{"pager token over 2000", bot.Message{Pager: &bot.Pager{Page: 1, Pages: 2, ActionID: "p", Token: long(1999)}}, true},
		{"section action value over 2000", bot.Message{Sections: []bot.Section{{Text: "t", Actions: []bot.Button{{ActionID: "a", Label: "l", Value: long(2001)}}}}}, true},
		{"section action without label", bot.Message{Sections: []bot.Section{{Text: "t", Actions: []bot.Button{{ActionID: "a"}}}}}, false},
		{"section action without action id or url", bot.Message{Sections: []bot.Section{{Actions: []bot.Button{{Label: "l"}}}}}, false},
		{"pager page beyond pages", bot.Message{Pager: &bot.Pager{Page: 3, Pages: 2, ActionID: "p"}}, false},
		{"pager page zero", bot.Message{Pager: &bot.Pager{Page: 0, Pages: 2, ActionID: "p"}}, false},
		{"pager without action id", bot.Message{Pager: &bot.Pager{Page: 1, Pages: 2}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RenderMessage(tt.msg)
			if err == nil {
				t.Fatalf("no error; rendered %d messages", len(got))
			}
			var le *LimitError
			if errors.As(err, &le) != tt.limit {
				t.Errorf("error %v: is a *LimitError = %v, want %v", err, !tt.limit, tt.limit)
			}
			if !strings.HasPrefix(err.Error(), "slack: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestLimitErrorMessage(t *testing.T) {
	_, err := RenderMessage(bot.Message{Buttons: []bot.Button{{ActionID: "a", Label: "l", Value: strings.Repeat("é", 2001)}}})
	want := "slack: Buttons[0].Value: button value length 2001 is over Slack's limit of 2000"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	actions := seatActions("r")
	actions[2].Value = strings.Repeat("v", 2001)
	_, err = RenderMessage(bot.Message{Sections: []bot.Section{{Text: "a"}, {Text: "b", Actions: actions}}})
	want = "slack: Sections[1].Actions[2].Value: button value length 2001 is over Slack's limit of 2000"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func everyInputKind() bot.Form {
	return bot.Form{
		ID:       "request.app",
		RecordID: "req-42",
		Title:    "Request an app",
		Submit:   "Send request",
		Inputs: []bot.Input{
			{ID: "name", Label: "App name", Kind: bot.InputText, Required: true, Initial: "Translate & Reply", MaxLength: 100},
			{ID: "why", Label: "Why do you need it?", Hint: "Approvers see this. Say which team uses it & how often.", Kind: bot.InputMultiline, Required: true, MaxLength: 5000},
			{ID: "until", Label: "Needed until", Hint: "Leave empty if it is permanent.", Kind: bot.InputDate, Initial: "2026-12-31"},
			{ID: "scope", Label: "Who gets it", Kind: bot.InputSelect, Required: true, Initial: "team", Options: []bot.Option{
				{Label: "Just me", Value: "me"},
				{Label: "My team", Value: "team", Description: "Everyone in your Zendesk groups"},
				{Label: "Everyone", Value: "all", Description: "Needs an owner's approval too"},
			}},
			{ID: "notes", Label: "Anything else?", Kind: bot.InputText},
		},
	}
}

func TestRenderForm(t *testing.T) {
	over := everyInputKind()
	over.Title = "Request an app for the whole support organisation"
	over.Submit = "Send this request to the approvers"
	over.Inputs[0].Label = strings.Repeat("label ", 400)
	over.Inputs[0].Initial = strings.Repeat("i", 150) // over its MaxLength of 100
	over.Inputs[1].Hint = strings.Repeat("hint ", 450)
	over.Inputs[3].Options[0].Label = strings.Repeat("o", 90)
	tests := []struct {
		name string
		form bot.Form
	}{
		{"every_input_kind", everyInputKind()},
		{"over_limits", over},
		{"request_app_form", fixtures.AppRequestForm()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := RenderForm(tt.form)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range viewProblems(v) {
				t.Error(p)
			}
			golden(t, tt.name, v)
		})
	}
}

func TestRenderFormErrors(t *testing.T) {
	long := strings.Repeat("x", 256)
	form := func(edit func(*bot.Form)) bot.Form {
		f := everyInputKind()
		edit(&f)
		return f
	}
	var many []bot.Input
	for i := range 101 {
		many = append(many, bot.Input{ID: fmt.Sprint("in", i), Label: "l"})
	}
	var huge []bot.Input
	for i := range 100 {
		in := bot.Input{ID: fmt.Sprint("in", i), Label: strings.Repeat("l", 2000), Kind: bot.InputSelect}
		for j := range 10 {
			in.Options = append(in.Options, bot.Option{Label: strings.Repeat("o", 75), Value: fmt.Sprint(j)})
		}
		huge = append(huge, in)
	}
	tests := []struct {
		name  string
		form  bot.Form
		limit bool
	}{
		{"callback_id over 255", form(func(f *bot.Form) { f.ID = long }), true},
		{"no id", form(func(f *bot.Form) { f.ID = "" }), false},
		{"private_metadata over 3000", form(func(f *bot.Form) { f.RecordID = strings.Repeat("r", 3001) }), true},
		{"no title", form(func(f *bot.Form) { f.Title = " " }), false},
		{"no inputs", form(func(f *bot.Form) { f.Inputs = nil }), false},
		{"over 100 inputs", form(func(f *bot.Form) { f.Inputs = many }), true},
		{"over 250 kB", form(func(f *bot.Form) { f.Inputs = huge }), true},
		{"block_id over 255", form(func(f *bot.Form) { f.Inputs[0].ID = long }), true},
		{"input without id", form(func(f *bot.Form) { f.Inputs[0].ID = "" }), false},
		{"input id repeats", form(func(f *bot.Form) { f.Inputs[1].ID = "name" }), false},
		{"input without label", form(func(f *bot.Form) { f.Inputs[0].Label = "" }), false},
		{"bad initial date", form(func(f *bot.Form) { f.Inputs[2].Initial = "31/12/2026" }), false},
		{"select without options", form(func(f *bot.Form) { f.Inputs[3].Options = nil }), false},
		{"select initial not an option", form(func(f *bot.Form) { f.Inputs[3].Initial = "nobody" }), false},
		{"unknown kind", form(func(f *bot.Form) { f.Inputs[0].Kind = 99 }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := RenderForm(tt.form)
			if err == nil {
				t.Fatal("no error")
			}
			var le *LimitError
			if errors.As(err, &le) != tt.limit {
				t.Errorf("error %v: is a *LimitError = %v, want %v", err, !tt.limit, tt.limit)
			}
		})
	}
}

func TestFormErrors(t *testing.T) {
	f := everyInputKind()
	f.Inputs[0].Error = "An app with this name is already installed."
	f.Inputs[2].Error = "Pick a date in the future."
	f.Inputs[4].Error = "  " // blank is no error
	got := FormErrors(f)
	want := map[string]string{"name": "An app with this name is already installed.", "until": "Pick a date in the future."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FormErrors (-want +got):\n%s", diff)
	}
	golden(t, "errors", slackgo.NewErrorsViewSubmissionResponse(got))

	if got := FormErrors(everyInputKind()); got != nil {
		t.Errorf("FormErrors without errors = %v, want nil", got)
	}
}

func TestEscape(t *testing.T) {
	tests := map[string]string{
		"plain":                    "plain",
		"R&D <tier 2>":             "R&amp;D &lt;tier 2&gt;",
		"<!channel> hi":            "&lt;!channel&gt; hi",
		"&amp; stays text":         "&amp;amp; stays text",
		"emoji 👍🏽 and ünïcödé":     "emoji 👍🏽 and ünïcödé",
		"<https://x.example|link>": "&lt;https://x.example|link&gt;",
	}
	for in, want := range tests {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTrim(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		limit  int
		mrkdwn bool
		want   string
	}{
		{"fits", "short", 5, false, "short"},
		{"ascii", "abcdefgh", 5, false, "abcd…"},
		{"multibyte counts as one", "ééééééé", 5, false, "éééé…"},
		{"drops trailing space", "ab  cdefgh", 5, false, "ab…"},
		{"combining mark stays with its letter", "abce\u0301fg", 5, false, "abc…"},
		{"skin tone stays with its emoji", "abc👍🏽xyz", 5, false, "abc…"},
		{"zwj sequence is not split", "ab👨\u200d👩\u200d👧xyz", 6, false, "ab…"},
		{"flag pair is not split", "a🇩🇪🇫🇷xyz", 5, false, "a🇩🇪…"},
		{"link is not split", "see the page at <https://example.com|here> now", 30, true, "see the page at…"},
		{"mention is not split", "hello there <@U12345678> bye", 20, true, "hello there…"},
		{"entity is not split", "aaaaaaaa R&amp;D", 13, true, "aaaaaaaa R…"},
		{"numeric entity is not split", "aaaaaaaa &#8230;x", 13, true, "aaaaaaaa…"},
		{"bare ampersand is text", "aaaaaaaa & bbbbbb", 12, true, "aaaaaaaa &…"},
		{"plain text may cut anywhere", "see <https://example.com|here> now", 20, false, "see <https://exampl…"},
		{"huge link is cut rather than dropped", "<https://example.com/" + strings.Repeat("a", 50) + ">", 20, true, "<https://example.co…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := trim(tt.in, tt.limit, tt.mrkdwn)
			if got != tt.want {
				t.Errorf("trim(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > tt.limit {
				t.Errorf("trimmed to %d characters, over %d", n, tt.limit)
			}
			if !utf8.ValidString(got) {
				t.Errorf("%q is not valid UTF-8", got)
			}
		})
	}
}

// randomText mixes ASCII, multi-byte characters, grapheme clusters and
// characters mrkdwn treats specially, n pieces long.
func randomText(r *rand.Rand, n int) string {
	pieces := []string{"a", "word ", "é", "e\u0301", "👍🏽", "👨\u200d👩\u200d👧", "🇩🇪", "漢字", "&", "<", ">", " ", "*", "_", "~"}
	var b strings.Builder
	for range n {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// randomMrkdwn is well-formed mrkdwn: escaped text with links and mentions.
func randomMrkdwn(r *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() < n {
		switch r.IntN(8) {
		case 0:
			fmt.Fprintf(&b, "<https://example.com/%d|link %d>", r.IntN(1000), r.IntN(100))
		case 1:
			fmt.Fprintf(&b, "<@U%08d>", r.IntN(1e8))
		default:
			b.WriteString(Escape(randomText(r, 1+r.IntN(20))))
		}
	}
	return b.String()
}

func randomLines(r *rand.Rand, lines, lineLen int) string {
	var out []string
	for range lines {
		out = append(out, randomMrkdwn(r, 1+r.IntN(lineLen)))
	}
	return strings.Join(out, "\n")
}

func randomButton(r *rand.Rand, ids []string) bot.Button {
	b := bot.Button{
		ActionID: ids[r.IntN(len(ids))],
		Label:    randomText(r, 1+r.IntN(100)) + "x",
		Value:    strings.Repeat("v", r.IntN(2001)),
		Style:    bot.ButtonStyle(r.IntN(3)),
	}
	if r.IntN(4) == 0 {
		b.Confirm = &bot.Confirm{Title: randomText(r, r.IntN(150)), Text: randomText(r, r.IntN(400)), Confirm: randomText(r, r.IntN(40)), Deny: randomText(r, r.IntN(40))}
	}
	if r.IntN(10) == 0 {
		b.URL = "https://example.com/" + strings.Repeat("u", r.IntN(2900))
	}
	return b
}

func randomMessage(r *rand.Rand) bot.Message {
	ids := []string{"seat.keep", "seat.remove", "seat.downgrade", "review.start"}
	m := bot.Message{
		Visibility: bot.Visibility(r.IntN(2)),
		Delivery:   bot.Delivery(r.IntN(3)),
	}
	if r.IntN(4) > 0 {
		m.Headline = randomText(r, 1+r.IntN(300))
	}
	for range r.IntN(120) {
		s := bot.Section{}
		switch r.IntN(4) {
		case 0: // a long list
			s.Text = randomLines(r, 1+r.IntN(80), 120)
		case 1: // one very long line
			s.Text = randomMrkdwn(r, 2500+r.IntN(2000))
		default:
			s.Text = randomMrkdwn(r, r.IntN(300))
		}
		for range r.IntN(4) * r.IntN(10) {
			size := 40
			if r.IntN(8) == 0 {
				size = 2500
			}
			s.Fields = append(s.Fields, bot.Field{Label: randomText(r, r.IntN(20)), Value: randomText(r, r.IntN(size))})
		}
		if r.IntN(2) == 0 {
			b := randomButton(r, ids)
			s.Button = &b
		}
		if r.IntN(4) == 0 {
			// Mostly a digest's handful, now and then more than a row holds.
			n := 1 + r.IntN(6)
			if r.IntN(10) == 0 {
				n = 20 + r.IntN(20)
			}
			for range n {
				s.Actions = append(s.Actions, randomButton(r, ids))
			}
		}
		m.Sections = append(m.Sections, s)
	}
	for range r.IntN(40) {
		m.Context = append(m.Context, randomMrkdwn(r, r.IntN(3500)))
	}
	for range r.IntN(80) {
		m.Buttons = append(m.Buttons, randomButton(r, ids))
	}
	for i := range r.IntN(4) {
		s := bot.Select{ActionID: fmt.Sprint("pick.", i), Placeholder: randomText(r, r.IntN(200))}
		for j := range 1 + r.IntN(100) {
			s.Options = append(s.Options, bot.Option{Label: randomText(r, 1+r.IntN(100)) + "o", Value: fmt.Sprint(j, strings.Repeat("v", r.IntN(140))), Description: randomText(r, r.IntN(100))})
		}
		s.Initial = s.Options[r.IntN(len(s.Options))].Value
		m.Selects = append(m.Selects, s)
	}
	if r.IntN(2) == 0 {
		pages := 1 + r.IntN(9)
		m.Pager = &bot.Pager{Page: 1 + r.IntN(pages), Pages: pages, ActionID: "seats.page", Token: strings.Repeat("t", r.IntN(1990))}
	}
	return m
}

// TestLimitsRandomized renders large random messages and forms and checks
// every rendered payload against every Slack limit, by walking the JSON
// slack-go would send.
func TestLimitsRandomized(t *testing.T) {
	iterations := 40
	if testing.Short() {
		iterations = 10
	}
	for seed := range uint64(iterations) {
		r := rand.New(rand.NewPCG(seed, 1))
		m := randomMessage(r)
		rms, err := RenderMessage(m)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		for i, rm := range rms {
			for _, p := range messageProblems(rm) {
				t.Errorf("seed %d, message %d of %d: %s", seed, i+1, len(rms), p)
			}
		}
		f := randomForm(r)
		v, err := RenderForm(f)
		if err != nil {
			var le *LimitError
			if errors.As(err, &le) && le.What == "view size in bytes" {
				continue // legitimately too large to open
			}
			t.Fatalf("seed %d: form: %v", seed, err)
		}
		for _, p := range viewProblems(v) {
			t.Errorf("seed %d, form: %s", seed, p)
		}
	}
}

func randomForm(r *rand.Rand) bot.Form {
	f := bot.Form{
		ID:       "form." + strconv.Itoa(r.IntN(100)),
		RecordID: strings.Repeat("r", r.IntN(3001)),
		Title:    randomText(r, 1+r.IntN(40)) + "t",
		Submit:   randomText(r, r.IntN(40)),
	}
	for i := range 1 + r.IntN(100) {
		// Mostly short, sometimes over every limit; all long would exceed
		// the view's 250 kB every time.
		size := 30
		if r.IntN(10) == 0 {
			size = 2100
		}
		in := bot.Input{
			ID:        fmt.Sprint("in.", i),
			Label:     randomText(r, 1+r.IntN(size)) + "l",
			Hint:      randomText(r, r.IntN(size)*r.IntN(2)),
			Kind:      bot.InputKind(r.IntN(4)),
			Required:  r.IntN(2) == 0,
			MaxLength: r.IntN(4000) * r.IntN(2),
		}
		switch in.Kind {
		case bot.InputText, bot.InputMultiline:
			in.Initial = randomText(r, r.IntN(size*2))
		case bot.InputDate:
			in.Initial = fmt.Sprintf("2026-%02d-%02d", 1+r.IntN(12), 1+r.IntN(28))
		case bot.InputSelect:
			for j := range 1 + r.IntN(20) {
				in.Options = append(in.Options, bot.Option{Label: randomText(r, 1+r.IntN(100)) + "o", Value: fmt.Sprint(j)})
			}
		}
		f.Inputs = append(f.Inputs, in)
	}
	return f
}

// TestNoContentLost renders large random messages whose every line and
// field fits Slack's limits, so nothing needs trimming, and checks that the
// rendered messages together hold every piece of the model, in order.
func TestNoContentLost(t *testing.T) {
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 2))
		m := bot.Message{Headline: "List " + strconv.Itoa(int(seed))}
		for range r.IntN(150) {
			// Lines, labels and values start and end with a letter: the
			// renderer drops blank lines and trims around fields.
			s := bot.Section{Text: "- " + randomLines(r, 1+r.IntN(40)*r.IntN(2), 150) + "."}
			for range r.IntN(3) * r.IntN(15) {
				s.Fields = append(s.Fields, bot.Field{Label: "L" + randomText(r, r.IntN(10)) + ".", Value: "V" + randomText(r, r.IntN(100)) + "."})
			}
			if r.IntN(2) == 0 {
				s.Button = &bot.Button{ActionID: "seat.keep", Label: "Keep", Value: fmt.Sprint("seat-", r.IntN(1e6))}
			}
			if r.IntN(3) == 0 {
				for i := range r.IntN(2) * r.IntN(35) {
					s.Actions = append(s.Actions, bot.Button{ActionID: fmt.Sprint("seat.", i%6), Label: "S" + strconv.Itoa(i), Value: strconv.Itoa(i)})
				}
			}
			if r.IntN(10) == 0 {
				s.Text = ""
			}
			m.Sections = append(m.Sections, s)
		}
		for range r.IntN(30) {
			m.Context = append(m.Context, "c "+randomMrkdwn(r, 1+r.IntN(200)))
		}
		for i := range r.IntN(60) {
			m.Buttons = append(m.Buttons, bot.Button{ActionID: fmt.Sprint("b.", i%7), Label: "B" + strconv.Itoa(i), Value: strconv.Itoa(i)})
		}
		if r.IntN(2) == 0 {
			m.Selects = []bot.Select{{ActionID: "pick", Options: []bot.Option{{Label: "A", Value: "a"}}}}
		}
		if r.IntN(2) == 0 {
			m.Pager = &bot.Pager{Page: 2, Pages: 3, ActionID: "page", Token: "tok"}
		}

		rms, err := RenderMessage(m)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if diff := cmp.Diff(modelContent(m), renderedContent(t, rms)); diff != "" {
			t.Errorf("seed %d: content differs (-model +rendered):\n%s", seed, diff)
		}
		// Header only in the first message; context, controls and pager only
		// in the last, since here they fit in one message.
		for i, rm := range rms {
			for _, b := range rm.Blocks {
				id := b.ID()
				switch {
				case id == blockHeader && i != 0:
					t.Errorf("seed %d: header in message %d", seed, i+1)
				case (strings.HasPrefix(id, "ctx") || strings.HasPrefix(id, "act") || strings.HasPrefix(id, "page")) && i != len(rms)-1:
					t.Errorf("seed %d: %s in message %d of %d", seed, id, i+1, len(rms))
				}
			}
		}
	}
}

// content is what a reader can see and do, independent of block layout.
type content struct {
	Headline string
	Sections []sectionContent
	Context  []string
	Controls []string // "action_id=value" of buttons, "select:action_id" of selects
	Pager    []string
}

type sectionContent struct {
	Text    string
	Fields  []string
	Button  string
	Actions []string // "action_id=value" of the row under it
}

func modelContent(m bot.Message) content {
	c := content{Headline: m.Headline}
	for _, s := range m.Sections {
		if s.Text == "" && len(s.Fields) == 0 && s.Button == nil && len(s.Actions) == 0 {
			continue // nothing to show
		}
		sc := sectionContent{Text: s.Text}
		for _, f := range s.Fields {
			sc.Fields = append(sc.Fields, "*"+Escape(f.Label)+"*\n"+Escape(f.Value))
		}
		if s.Button != nil {
			sc.Button = s.Button.ActionID + "=" + s.Button.Value
		}
		for _, b := range s.Actions {
			sc.Actions = append(sc.Actions, b.ActionID+"="+b.Value)
		}
		c.Sections = append(c.Sections, sc)
	}
	c.Context = m.Context
	for _, b := range m.Buttons {
		c.Controls = append(c.Controls, b.ActionID+"="+b.Value)
	}
	for _, s := range m.Selects {
		c.Controls = append(c.Controls, "select:"+s.ActionID)
	}
	if p := m.Pager; p != nil {
		c.Pager = append(c.Pager, fmt.Sprintf("Page %d of %d", p.Page, p.Pages))
		if p.Page > 1 {
			c.Pager = append(c.Pager, p.ActionID+"="+bot.PageValue(p.Token, p.Page-1))
		}
		if p.Page < p.Pages {
			c.Pager = append(c.Pager, p.ActionID+"="+bot.PageValue(p.Token, p.Page+1))
		}
	}
	return c
}

func renderedContent(t *testing.T, rms []RenderedMessage) content {
	t.Helper()
	var c content
	sections := map[int]*sectionContent{}
	maxSection := -1
	for _, rm := range rms {
		for _, b := range decodeBlocks(t, rm.Blocks) {
			id := str(b["block_id"])
			switch {
			case id == blockHeader:
				c.Headline = str(obj(b["text"])["text"])
			case strings.HasPrefix(id, "sec"):
				i, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(id, "sec"), ".", 2)[0])
				if err != nil {
					t.Fatalf("block id %q", id)
				}
				sc := sections[i]
				if sc == nil {
					sc = &sectionContent{}
					sections[i] = sc
				}
				maxSection = max(maxSection, i)
				if strings.Contains(id, ".act") {
					for _, e := range list(b["elements"]) {
						sc.Actions = append(sc.Actions, str(obj(e)["action_id"])+"="+str(obj(e)["value"]))
					}
					continue
				}
				if text := obj(b["text"]); text != nil {
					if sc.Text != "" {
						sc.Text += "\n"
					}
					sc.Text += str(text["text"])
				}
				for _, f := range list(b["fields"]) {
					sc.Fields = append(sc.Fields, str(obj(f)["text"]))
				}
				btn := obj(b["accessory"])
				if b["type"] == "actions" {
					btn = obj(list(b["elements"])[0])
				}
				if btn != nil {
					sc.Button = str(btn["action_id"]) + "=" + str(btn["value"])
				}
			case strings.HasPrefix(id, "ctx"):
				for _, e := range list(b["elements"]) {
					c.Context = append(c.Context, str(obj(e)["text"]))
				}
			case strings.HasPrefix(id, "act"):
				for _, e := range list(b["elements"]) {
					e := obj(e)
					if e["type"] == "button" {
						c.Controls = append(c.Controls, str(e["action_id"])+"="+str(e["value"]))
					} else {
						c.Controls = append(c.Controls, "select:"+str(e["action_id"]))
					}
				}
			case id == blockPage:
				c.Pager = append(c.Pager, str(obj(list(b["elements"])[0])["text"]))
			case id == blockPagePrev, id == blockPageNext:
				e := obj(list(b["elements"])[0])
				c.Pager = append(c.Pager, str(e["action_id"])+"="+str(e["value"]))
			default:
				t.Errorf("unexpected block %q", id)
			}
		}
	}
	for i := 0; i <= maxSection; i++ {
		if sc := sections[i]; sc != nil {
			c.Sections = append(c.Sections, *sc)
		}
	}
	return c
}

func decodeBlocks(t *testing.T, blocks []slackgo.Block) []map[string]any {
	t.Helper()
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any         { l, _ := v.([]any); return l }
func str(v any) string         { s, _ := v.(string); return s }

// The limit checker. It reads the JSON as Slack would receive it, so it
// checks the wire format, not the renderer's intentions.

func messageProblems(rm RenderedMessage) []string {
	var c limitChecker
	c.check("text", utf8.RuneCountInString(rm.Text) <= maxMessageText, "fallback text has %d characters", utf8.RuneCountInString(rm.Text))
	raw, err := json.Marshal(rm.Blocks)
	if err != nil {
		return []string{err.Error()}
	}
	var blocks []any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return []string{err.Error()}
	}
	c.check("blocks", len(blocks) >= 1 && len(blocks) <= maxBlocksPerMessage, "%d blocks", len(blocks))
	c.blocks(blocks, false)
	return c.problems
}

func viewProblems(v slackgo.ModalViewRequest) []string {
	var c limitChecker
	raw, err := json.Marshal(v)
	if err != nil {
		return []string{err.Error()}
	}
	c.check("view", len(raw) <= maxViewBytes, "%d bytes", len(raw))
	var view map[string]any
	if err := json.Unmarshal(raw, &view); err != nil {
		return []string{err.Error()}
	}
	c.check("type", view["type"] == "modal", "type %v", view["type"])
	c.text("title", view["title"], "plain_text", maxViewTitle, true)
	c.text("submit", view["submit"], "plain_text", maxViewButton, true)
	c.text("close", view["close"], "plain_text", maxViewButton, false)
	c.length("callback_id", view["callback_id"], 1, maxCallbackID)
	c.length("private_metadata", view["private_metadata"], 0, maxPrivateMetadata)
	blocks := list(view["blocks"])
	c.check("blocks", len(blocks) >= 1 && len(blocks) <= maxBlocksPerView, "%d blocks", len(blocks))
	c.blocks(blocks, true)
	return c.problems
}

type limitChecker struct{ problems []string }

func (c *limitChecker) check(where string, ok bool, format string, args ...any) {
	if !ok {
		c.problems = append(c.problems, where+": "+fmt.Sprintf(format, args...))
	}
}

func (c *limitChecker) length(where string, v any, lo, hi int) {
	s, ok := v.(string)
	if v == nil && lo == 0 {
		return
	}
	n := utf8.RuneCountInString(s)
	c.check(where, ok && n >= lo && n <= hi, "%d characters, want %d to %d", n, lo, hi)
}

// text checks a text object: its type, a non-blank text within limit, valid
// UTF-8, and for mrkdwn no cut link, mention or entity.
func (c *limitChecker) text(where string, v any, typ string, limit int, required bool) {
	if v == nil {
		c.check(where, !required, "missing")
		return
	}
	o := obj(v)
	t := str(o["type"])
	c.check(where, typ == "" && (t == "plain_text" || t == "mrkdwn") || t == typ, "type %q, want %q", t, typ)
	s := str(o["text"])
	n := utf8.RuneCountInString(s)
	c.check(where, strings.TrimSpace(s) != "", "blank text")
	c.check(where, n <= limit, "%d characters, over %d", n, limit)
	c.check(where, !strings.ContainsRune(s, utf8.RuneError), "invalid UTF-8")
	if t == "mrkdwn" && !balancedMarkup(s) {
		c.check(where, false, "a <link> or &entity; is cut: ...%s", tail(s, 40))
	}
}

func tail(s string, n int) string {
	r := []rune(s)
	return string(r[max(0, len(r)-n):])
}

// balancedMarkup reports whether every '<' closes before the next '<' and
// every '&' starts a whole entity.
func balancedMarkup(s string) bool {
	open := false
	for i, c := range s {
		switch c {
		case '<':
			if open {
				return false
			}
			open = true
		case '>':
			open = false
		case '&':
			if !entityAt(s[i:]) {
				return false
			}
		}
	}
	return !open
}

// entityAt reports whether s starts with an entity such as &amp; or &#8230;.
func entityAt(s string) bool {
	for i := 1; i < len(s) && i <= 8; i++ {
		switch c := s[i]; {
		case c == ';':
			return i > 1
		case c == '#' && i == 1, 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		default:
			return false
		}
	}
	return false
}

func (c *limitChecker) blocks(blocks []any, view bool) {
	ids := map[string]bool{}
	for i, b := range blocks {
		b := obj(b)
		id := str(b["block_id"])
		where := fmt.Sprintf("blocks[%d] %q", i, id)
		c.length(where+".block_id", b["block_id"], 1, maxBlockID)
		c.check(where, !ids[id], "block_id repeats")
		ids[id] = true
		switch typ := str(b["type"]); typ {
		case "header":
			c.text(where+".text", b["text"], "plain_text", maxHeaderText, true)
		case "section":
			fields := list(b["fields"])
			c.check(where, b["text"] != nil || len(fields) > 0, "neither text nor fields")
			if b["text"] != nil {
				c.text(where+".text", b["text"], "", maxSectionText, true)
			}
			c.check(where, len(fields) <= maxSectionFields, "%d fields", len(fields))
			for j, f := range fields {
				c.text(fmt.Sprintf("%s.fields[%d]", where, j), f, "", maxFieldText, true)
			}
			if b["accessory"] != nil {
				c.element(where+".accessory", obj(b["accessory"]))
			}
		case "context":
			els := list(b["elements"])
			c.check(where, len(els) >= 1 && len(els) <= maxContextElements, "%d elements", len(els))
			for j, e := range els {
				c.text(fmt.Sprintf("%s.elements[%d]", where, j), e, "", maxContextText, true)
			}
		case "actions":
			els := list(b["elements"])
			c.check(where, len(els) >= 1 && len(els) <= maxActionsElements, "%d elements", len(els))
			actionIDs := map[string]bool{}
			for j, e := range els {
				e := obj(e)
				aid := str(e["action_id"])
				c.check(where, aid == "" || !actionIDs[aid], "action_id %q repeats in the block", aid)
				actionIDs[aid] = true
				c.element(fmt.Sprintf("%s.elements[%d]", where, j), e)
			}
		case "input":
			c.check(where, view, "input block outside a view")
			c.text(where+".label", b["label"], "plain_text", maxInputLabel, true)
			c.text(where+".hint", b["hint"], "plain_text", maxInputHint, false)
			c.element(where+".element", obj(b["element"]))
		default:
			c.check(where, false, "unexpected block type %q", typ)
		}
	}
}

func (c *limitChecker) element(where string, e map[string]any) {
	if e["action_id"] != nil {
		c.length(where+".action_id", e["action_id"], 1, maxActionID)
	}
	switch typ := str(e["type"]); typ {
	case "button":
		c.text(where+".text", e["text"], "plain_text", maxButtonText, true)
		c.check(where, e["action_id"] != nil || e["url"] != nil, "neither action_id nor url")
		c.length(where+".value", e["value"], 0, maxButtonValue)
		c.length(where+".url", e["url"], 0, maxButtonURL)
		style := str(e["style"])
		c.check(where, style == "" || style == "primary" || style == "danger", "style %q", style)
		if e["confirm"] != nil {
			cf := obj(e["confirm"])
			c.text(where+".confirm.title", cf["title"], "plain_text", maxConfirmTitle, true)
			c.text(where+".confirm.text", cf["text"], "", maxConfirmText, true)
			c.text(where+".confirm.confirm", cf["confirm"], "plain_text", maxConfirmButton, true)
			c.text(where+".confirm.deny", cf["deny"], "plain_text", maxConfirmButton, true)
		}
	case "static_select":
		c.check(where, e["action_id"] != nil, "no action_id")
		c.text(where+".placeholder", e["placeholder"], "plain_text", maxSelectPlaceholder, false)
		opts := list(e["options"])
		c.check(where, len(opts) >= 1 && len(opts) <= maxSelectOptions, "%d options", len(opts))
		values := map[string]bool{}
		for j, o := range opts {
			o := obj(o)
			ow := fmt.Sprintf("%s.options[%d]", where, j)
			c.text(ow+".text", o["text"], "plain_text", maxOptionText, true)
			c.text(ow+".description", o["description"], "plain_text", maxOptionDescription, false)
			c.length(ow+".value", o["value"], 1, maxOptionValue)
			c.check(ow, !values[str(o["value"])], "value repeats")
			values[str(o["value"])] = true
		}
		if io := e["initial_option"]; io != nil {
			found := false
			for _, o := range opts {
				found = found || cmp.Equal(o, io)
			}
			c.check(where, found, "initial_option is not one of the options")
		}
	case "plain_text_input":
		limit := maxTextInputLength
		if ml, ok := e["max_length"].(float64); ok {
			c.check(where, ml >= 1 && ml <= maxTextInputLength, "max_length %v", ml)
			limit = int(ml)
		}
		c.length(where+".initial_value", e["initial_value"], 0, limit)
	case "datepicker":
		if d, ok := e["initial_date"].(string); ok {
			c.check(where, len(d) == len("2006-01-02") && d[4] == '-' && d[7] == '-', "initial_date %q", d)
		}
	default:
		c.check(where, false, "unexpected element type %q", typ)
	}
}

// TestCredentialBlocks: the credential register's digest and claim form
// as Slack shows them.
func TestCredentialBlocks(t *testing.T) {
	msgs, err := RenderMessage(fixtures.CredentialDigest())
	if err != nil {
		t.Fatal(err)
	}
	for i, rm := range msgs {
		for _, p := range messageProblems(rm) {
			t.Errorf("message %d: %s", i, p)
		}
	}
	golden(t, "credential_digest", goldenMessages(msgs))
	ghMsgs, err := RenderMessage(fixtures.GitHubCredentialDigest())
	if err != nil {
		t.Fatal(err)
	}
	for i, rm := range ghMsgs {
		for _, p := range messageProblems(rm) {
			t.Errorf("GitHub message %d: %s", i, p)
		}
	}
	golden(t, "credential_digest_github", goldenMessages(ghMsgs))
	v, err := RenderForm(fixtures.ClaimForm())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range viewProblems(v) {
		t.Error(p)
	}
	golden(t, "credential_claim_form", v)
}
