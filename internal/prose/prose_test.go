package prose_test

import (
	"testing"

	"github.com/seatwarden/seatwarden/internal/prose"
)

func TestSentence(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "",
		"the role was changed": "The role was changed.",
		"already done.":        "Already done.",
		"why?":                 "Why?",
		"Zendesk refused":      "Zendesk refused.",
	} {
		if got := prose.Sentence(in); got != want {
			t.Errorf("Sentence(%q) = %q, want %q", in, got, want)
		}
	}
	if got := prose.Capitalize("admin"); got != "Admin" {
		t.Errorf("Capitalize = %q", got)
	}
}
