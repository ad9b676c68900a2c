package slacktest

import (
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func plain(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, text, false, false)
}

// modal builds a modal; with no blocks given it gets one divider, since a
// view must have a blocks array.
func modal(title string, blocks ...slack.Block) slack.ModalViewRequest {
	if len(blocks) == 0 {
		blocks = []slack.Block{slack.NewDividerBlock()}
	}
	return slack.ModalViewRequest{Type: slack.VTModal, Title: plain(title), Blocks: slack.Blocks{BlockSet: blocks}}
}

func TestViewsOpenTrigger(t *testing.T) {
	tests := []struct {
		name    string
		trigger func(t *testing.T, s *Server) string // issues the trigger and sets the clock
		wantErr string
	}{
		{name: "fresh", trigger: func(t *testing.T, s *Server) string { return s.IssueTriggerID() }},
		{
			name: "just inside three seconds",
			trigger: func(t *testing.T, s *Server) string {
				id := s.IssueTriggerID()
				s.Advance(TriggerIDLifetime - time.Millisecond)
				return id
			},
		},
		{
			name: "three seconds old",
			trigger: func(t *testing.T, s *Server) string {
				id := s.IssueTriggerID()
				s.Advance(TriggerIDLifetime)
				return id
			},
			wantErr: "expired_trigger_id",
		},
		{
			name: "already exchanged",
			trigger: func(t *testing.T, s *Server) string {
				id := s.IssueTriggerID()
				if _, err := newClient(s).OpenViewContext(t.Context(), id, modal("First")); err != nil {
					t.Fatal(err)
				}
				return id
			},
			wantErr: "exchanged_trigger_id",
		},
		{name: "never issued", trigger: func(*testing.T, *Server) string { return "12345.98765.abcd2358fdea" }, wantErr: "invalid_trigger_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			trigger := tt.trigger(t, s)
			before := len(s.Views())
			resp, err := newClient(s).OpenViewContext(t.Context(), trigger, modal("Request a seat", mrkdwnSection("hi")))
			if errCode(err) != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			views := s.Views()
			opened, found := s.ViewOpenedBy(trigger)
			if err != nil {
				if len(views) != before {
					t.Errorf("a rejected views.open recorded a view: %+v", views)
				}
				// An exchanged trigger's view is the first exchange's.
				if found != (tt.wantErr == "exchanged_trigger_id") {
					t.Errorf("ViewOpenedBy(%s) after a refusal: %+v, %v", trigger, opened, found)
				}
				return
			}
			last := views[len(views)-1]
			if !found || opened.ID != last.ID {
				t.Errorf("ViewOpenedBy(%s) = %+v, %v; want the view just opened", trigger, opened, found)
			}
			if resp.ID == "" || resp.ID != last.ID || resp.Hash != last.Hash || last.TriggerID != trigger || last.Title != "Request a seat" {
				t.Errorf("response view %+v, recorded %+v", resp.View, last)
			}
		})
	}
}

func TestViewsOpenValidation(t *testing.T) {
	input := slack.NewInputBlock("reason", plain("Reason"), nil, slack.NewPlainTextInputBlockElement(nil, "reason_input"))
	withSubmit := func(v slack.ModalViewRequest) slack.ModalViewRequest { v.Submit = plain("Send"); return v }
	tests := []struct {
		name       string
		view       slack.ModalViewRequest
		wantErr    string
		wantPtrMsg string
	}{
		{name: "24-character title", view: modal(strings.Repeat("t", MaxViewTitleChars))},
		{name: "25-character title", view: modal(strings.Repeat("t", MaxViewTitleChars+1)), wantErr: "invalid_arguments", wantPtrMsg: "/view/title/text"},
		{
			name: "25-character submit",
			view: func() slack.ModalViewRequest {
				v := modal("T")
				v.Submit = plain(strings.Repeat("s", MaxViewSubmitChars+1))
				return v
			}(),
			wantErr: "invalid_arguments", wantPtrMsg: "/view/submit/text",
		},
		{
			name: "25-character close",
			view: func() slack.ModalViewRequest {
				v := modal("T")
				v.Close = plain(strings.Repeat("c", MaxViewCloseChars+1))
				return v
			}(),
			wantErr: "invalid_arguments", wantPtrMsg: "/view/close/text",
		},
		{name: "100 blocks", view: modal("T", dividers(MaxViewBlocks)...)},
		{name: "101 blocks", view: modal("T", dividers(MaxViewBlocks+1)...), wantErr: "invalid_arguments", wantPtrMsg: "[json-pointer:/view/blocks]"},
		{name: "input with submit", view: withSubmit(modal("T", input))},
		{name: "input without submit", view: modal("T", input), wantErr: "invalid_arguments", wantPtrMsg: "/view/submit"},
		{
			name: "long private_metadata",
			view: func() slack.ModalViewRequest {
				v := modal("T")
				v.PrivateMetadata = strings.Repeat("m", MaxPrivateMetadataChars+1)
				return v
			}(),
			wantErr: "invalid_arguments", wantPtrMsg: "/view/private_metadata",
		},
		{
			name:    "long header in a block",
			view:    modal("T", slack.NewHeaderBlock(plain(strings.Repeat("h", MaxHeaderTextChars+1)))),
			wantErr: "invalid_arguments", wantPtrMsg: "/view/blocks/0/text/text",
		},
		{
			name:    "message-only block",
			view:    modal("T", rawBlock(`{"type":"markdown","text":"**hi**"}`)),
			wantErr: "invalid_arguments", wantPtrMsg: "/view/blocks/0/type",
		},
		{name: "home type", view: func() slack.ModalViewRequest { v := modal("T"); v.Type = slack.VTHomeTab; return v }(), wantErr: "invalid_arguments", wantPtrMsg: "/view/type"},
		{name: "no blocks array", view: slack.ModalViewRequest{Type: slack.VTModal, Title: plain("T")}, wantErr: "invalid_arguments", wantPtrMsg: "/view/blocks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			api := newClient(s)
			trigger := s.IssueTriggerID()
			_, err := api.OpenViewContext(t.Context(), trigger, tt.view)
			if errCode(err) != tt.wantErr {
				t.Fatalf("err = %v (%q), want %q", err, errMessages(err), tt.wantErr)
			}
			if tt.wantPtrMsg != "" && !containsSubstring(errMessages(err), tt.wantPtrMsg) {
				t.Errorf("messages = %q, want one mentioning %q", errMessages(err), tt.wantPtrMsg)
			}
			if err != nil {
				// A rejected view leaves the trigger usable.
				if _, err := api.OpenViewContext(t.Context(), trigger, modal("Fixed")); err != nil {
					t.Errorf("trigger after a rejected view: %v", err)
				}
			}
		})
	}
}

func TestViewsOpenTooLarge(t *testing.T) {
	s := newTestServer(t)
	v := modal("T")
	v.PrivateMetadata = strings.Repeat("m", MaxViewBytes)
	if _, err := newClient(s).OpenViewContext(t.Context(), s.IssueTriggerID(), v); errCode(err) != "view_too_large" {
		t.Fatalf("err = %v, want view_too_large", err)
	}
}

func TestViewsUpdate(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	v := modal("Step 1", mrkdwnSection("one"))
	v.ExternalID = "seat-request-42"
	opened, err := api.OpenViewContext(t.Context(), s.IssueTriggerID(), v)
	if err != nil {
		t.Fatal(err)
	}

	step2 := modal("Step 2", mrkdwnSection("two"))
	step2.ExternalID = "seat-request-42"
	tests := []struct {
		name       string
		view       slack.ModalViewRequest
		externalID string
		hash       string
		viewID     string
		wantErr    string
		wantTitle  string
	}{
		{name: "stale hash", view: step2, viewID: opened.ID, hash: "1.stale", wantErr: "hash_conflict"},
		{name: "unknown view id", view: step2, viewID: "V0NOPE", wantErr: "not_found"},
		{name: "unknown external id", view: step2, externalID: "nope", wantErr: "not_found"},
		{name: "invalid view", view: modal(strings.Repeat("t", MaxViewTitleChars+1)), viewID: opened.ID, wantErr: "invalid_arguments"},
		{name: "by id with current hash", view: step2, viewID: opened.ID, hash: opened.Hash, wantTitle: "Step 2"},
		{name: "by external id", view: modal("Step 3"), externalID: "seat-request-42", wantTitle: "Step 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Views()[0]
			resp, err := api.UpdateViewContext(t.Context(), tt.view, tt.externalID, tt.hash, tt.viewID)
			if errCode(err) != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			after := s.Views()[0]
			if err != nil {
				if after.Hash != before.Hash || after.Updated != before.Updated {
					t.Errorf("a rejected update changed the view: %+v", after)
				}
				return
			}
			if resp.ID != opened.ID || after.Title != tt.wantTitle || after.Hash == before.Hash || resp.Hash != after.Hash || after.Updated != before.Updated+1 {
				t.Errorf("after update: response %+v, recorded %+v", resp.View, after)
			}
		})
	}
}

func TestViewsDuplicateExternalID(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	v := modal("T")
	v.ExternalID = "only-once"
	if _, err := api.OpenViewContext(t.Context(), s.IssueTriggerID(), v); err != nil {
		t.Fatal(err)
	}
	if _, err := api.OpenViewContext(t.Context(), s.IssueTriggerID(), v); errCode(err) != "duplicate_external_id" {
		t.Fatalf("err = %v, want duplicate_external_id", err)
	}
}

func TestViewsPublish(t *testing.T) {
	s := newTestServer(t)
	api := newClient(s)
	home := func(blocks ...slack.Block) slack.HomeTabViewRequest {
		if len(blocks) == 0 {
			blocks = []slack.Block{slack.NewDividerBlock()}
		}
		return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
	}

	first, err := api.PublishViewContext(t.Context(), slack.PublishViewContextRequest{UserID: alice, View: home(mrkdwnSection("v1"))})
	if err != nil {
		t.Fatal(err)
	}
	stale := "1.stale"
	if _, err := api.PublishViewContext(t.Context(), slack.PublishViewContextRequest{UserID: alice, View: home(), Hash: &stale}); errCode(err) != "hash_conflict" {
		t.Errorf("stale hash: err = %v, want hash_conflict", err)
	}
	second, err := api.PublishViewContext(t.Context(), slack.PublishViewContextRequest{UserID: alice, View: home(mrkdwnSection("v2")), Hash: &first.Hash})
	if err != nil {
		t.Fatal(err)
	}
	views := s.Views()
	if second.ID != first.ID || len(views) != 1 || views[0].User != alice || views[0].Type != "home" || views[0].Updated != 1 {
		t.Errorf("after republish: first %s, second %s, views %+v", first.ID, second.ID, views)
	}

	errTests := []struct {
		name    string
		user    string
		view    slack.HomeTabViewRequest
		wantErr string
	}{
		{"unknown user", "U0NOBODY1", home(), "user_not_found"},
		{"deactivated user", gone, home(), "user_not_found"},
		{"modal type", alice, func() slack.HomeTabViewRequest { v := home(); v.Type = slack.VTModal; return v }(), "invalid_arguments"},
		{"101 blocks", alice, home(dividers(MaxViewBlocks + 1)...), "invalid_arguments"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := api.PublishViewContext(t.Context(), slack.PublishViewContextRequest{UserID: tt.user, View: tt.view})
			if errCode(err) != tt.wantErr {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
