package teams

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// submissionCases are invokes' value.action (verb and data) and fallback
// Submits' value (verb "" and the verb inside data), as Teams sends them:
// the card's inputs merged into data.
var submissionCases = []struct {
	name    string
	verb    string
	data    string // JSON
	want    Submission
	wantErr string
}{
	{name: "click", verb: "review.keep", data: `{"v":"2026-W47:1001"}`,
		want: Submission{ActionID: "review.keep", Value: "2026-W47:1001"}},
	{name: "click without value", verb: "review.later", data: `{}`,
		want: Submission{ActionID: "review.later"}},
	{name: "click without data", verb: "review.later", data: `null`,
		want: Submission{ActionID: "review.later"}},
	{name: "click with the card's inputs merged in", verb: "seats.page", data: `{"v":"inactive:60:2","sel.0":"x","f.reason":"y","other":{"a":1}}`,
		want: Submission{ActionID: "seats.page", Value: "inactive:60:2"}},
	{name: "fallback click", data: `{"verb":"review.remove","v":"2026-W47:1001"}`,
		want: Submission{ActionID: "review.remove", Value: "2026-W47:1001"}},
	{name: "verb argument wins over data", verb: "review.keep", data: `{"verb":"review.remove","v":"1"}`,
		want: Submission{ActionID: "review.keep", Value: "1"}},
	{name: "select", verb: "group.owner", data: `{"s":"sel.0","sel.0":"dana@example.com","sel.1":"w"}`,
		want: Submission{ActionID: "group.owner", Value: "dana@example.com"}},
	{name: "fallback select", data: `{"verb":"group.period","s":"sel.1","sel.0":"","sel.1":"w"}`,
		want: Submission{ActionID: "group.period", Value: "w"}},
	{name: "form", verb: "sw.form", data: `{"f":"review.keep","r":"2026-W47:1001","f.reason":"on leave","f.keep_until":"2027-02-16","sel.0":"x"}`,
		want: Submission{FormID: "review.keep", RecordID: "2026-W47:1001", Inputs: map[string]string{"reason": "on leave", "keep_until": "2027-02-16"}}},
	{name: "form with number and boolean inputs", verb: "sw.form", data: `{"f":"survey","f.n":12.5,"f.big":1e21,"f.ok":true,"f.none":null}`,
		want: Submission{FormID: "survey", Inputs: map[string]string{"n": "12.5", "big": "1000000000000000000000", "ok": "true", "none": ""}}},
	{name: "form without inputs", verb: "sw.form", data: `{"f":"review.keep","r":""}`,
		want: Submission{FormID: "review.keep", Inputs: map[string]string{}}},
	{name: "fallback form", data: `{"verb":"sw.form","f":"review.notmine","r":"2026-W47:1001","f.new_owner":"lee@example.com"}`,
		want: Submission{FormID: "review.notmine", RecordID: "2026-W47:1001", Inputs: map[string]string{"new_owner": "lee@example.com"}}},
	{name: "cancel", verb: "sw.form", data: `{"f":"review.keep","r":"2026-W47:1001","x":"cancel"}`,
		want: Submission{FormID: "review.keep", RecordID: "2026-W47:1001", Cancel: true, Inputs: map[string]string{}}},
	{name: "fallback cancel", data: `{"verb":"sw.form","f":"review.keep","x":"cancel"}`,
		want: Submission{FormID: "review.keep", Cancel: true, Inputs: map[string]string{}}},

	{name: "no verb", data: `{"v":"1"}`, wantErr: "no verb"},
	{name: "no verb, no data", data: `null`, wantErr: "no verb"},
	{name: "verb not a string", data: `{"verb":7}`, wantErr: `"verb" is a number`},
	{name: "verb not an action id", verb: "review keep", data: `{}`, wantErr: `verb "review keep" is not an action id`},
	{name: "verb in the reserved namespace", verb: "sw.other", data: `{}`, wantErr: "is not an action id"},
	{name: "verb too long", verb: strings.Repeat("a", 256), data: `{}`, wantErr: "is not an action id"},
	{name: "value not a string", verb: "review.keep", data: `{"v":1001}`, wantErr: `"v" is a number`},
	{name: "value an object", verb: "review.keep", data: `{"v":{"id":1}}`, wantErr: `"v" is an object`},
	{name: "select not a string", verb: "group.owner", data: `{"s":["sel.0"]}`, wantErr: `"s" is a list`},
	{name: "select names a missing input", verb: "group.owner", data: `{"s":"sel.3","sel.0":"a"}`, wantErr: `select "sel.3": nothing chosen`},
	{name: "select with nothing chosen", verb: "group.owner", data: `{"s":"sel.0","sel.0":""}`, wantErr: "nothing chosen"},
	{name: "select names a non-select", verb: "group.owner", data: `{"s":"verb","verb":"x"}`, wantErr: "is not a select"},
	{name: "select and value both", verb: "group.owner", data: `{"s":"sel.0","sel.0":"a","v":"b"}`, wantErr: "both a value and a select"},
	{name: "select value an object", verb: "group.owner", data: `{"s":"sel.0","sel.0":{"a":1}}`, wantErr: "an object is not an input value"},
	{name: "form without f", verb: "sw.form", data: `{"r":"1","f.reason":"x"}`, wantErr: `no "f"`},
	{name: "form with empty f", verb: "sw.form", data: `{"f":""}`, wantErr: `no "f"`},
	{name: "form id not a string", verb: "sw.form", data: `{"f":1}`, wantErr: `"f" is a number`},
	{name: "record not a string", verb: "sw.form", data: `{"f":"a","r":true}`, wantErr: `"r" is a boolean`},
	{name: "cancel not a string", verb: "sw.form", data: `{"f":"a","x":1}`, wantErr: `"x" is a number`},
	{name: "cancel another word", verb: "sw.form", data: `{"f":"a","x":"later"}`, wantErr: `"x" = "later"`},
	{name: "form input an object", verb: "sw.form", data: `{"f":"a","f.reason":{"text":"x"}}`, wantErr: `form input "reason": an object`},
	{name: "form input a list", verb: "sw.form", data: `{"f":"a","f.reason":["x"]}`, wantErr: `form input "reason": a list`},
}

func decodeData(t testing.TB, s string) map[string]any {
	t.Helper()
	var data map[string]any
	if err := json.Unmarshal([]byte(s), &data); err != nil {
		t.Fatalf("bad test data %s: %v", s, err)
	}
	return data
}

func TestParseSubmission(t *testing.T) {
	for _, tt := range submissionCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSubmission(tt.verb, decodeData(t, tt.data))
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("no error; got %+v", got)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not say %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseSubmissionNumbers: a decoder with UseNumber hands numbers over
// as json.Number, read the same way.
func TestParseSubmissionNumbers(t *testing.T) {
	dec := json.NewDecoder(strings.NewReader(`{"f":"survey","f.n":12.50}`))
	dec.UseNumber()
	var data map[string]any
	if err := dec.Decode(&data); err != nil {
		t.Fatal(err)
	}
	got, err := ParseSubmission("sw.form", data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Inputs["n"] != "12.50" {
		t.Errorf("n = %q, want 12.50", got.Inputs["n"])
	}
}

func TestValidActionID(t *testing.T) {
	for id, want := range map[string]bool{
		"review.keep": true, "seat.not_mine": true, "a-b.C9": true, strings.Repeat("a", 255): true,
		"": false, "sw.form": false, "sw.x": false, "a b": false, "a:b": false, "é": false, strings.Repeat("a", 256): false,
	} {
		if got := validActionID(id); got != want {
			t.Errorf("validActionID(%q) = %v, want %v", id, got, want)
		}
	}
}

// FuzzParseSubmission: whatever a client or an attacker sends, parsing
// answers without panicking, and what it accepts is one of the shapes the
// cards send.
func FuzzParseSubmission(f *testing.F) {
	for _, tt := range submissionCases {
		f.Add(tt.verb, tt.data)
	}
	f.Fuzz(func(t *testing.T, verb, raw string) {
		var data map[string]any
		if json.Unmarshal([]byte(raw), &data) != nil {
			return
		}
		got, err := ParseSubmission(verb, data)
		if err != nil {
			return
		}
		switch {
		case got.FormID != "":
			if got.ActionID != "" || got.Value != "" || got.Inputs == nil {
				t.Errorf("form submission %+v", got)
			}
		case !validActionID(got.ActionID):
			t.Errorf("accepted action id %q", got.ActionID)
		case got.Inputs != nil || got.Cancel || got.RecordID != "":
			t.Errorf("click %+v carries form fields", got)
		}
	})
}
