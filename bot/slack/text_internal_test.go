package slack

import "testing"

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"seats user <mailto:dana@example.com|dana@example.com>", "seats user dana@example.com"},
		{"seats user <mailto:dana@example.com>", "seats user dana@example.com"},
		{`seats group "R&amp;D &lt;EU&gt;"`, `seats group "R&D <EU>"`},
		{"see <https://acme.zendesk.com|acme>", "see acme"},
		{"see <https://acme.zendesk.com>", "see https://acme.zendesk.com"},
		{"  seats  inactive 60 ", "seats  inactive 60"},
		{"ask <@U0DANA>", "ask <@U0DANA>"},
	}
	for _, tt := range tests {
		if got := plainText(tt.in, nil); got != tt.want {
			t.Errorf("plainText(%q, nil) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestPlainTextMentions: each user mention, and nothing else, goes through
// person, with its label unescaped; what person returns is kept as is.
func TestPlainTextMentions(t *testing.T) {
	person := func(id, label string) string {
		if id == "U0AMP" {
			return "r&amp;d@example.com" // not unescaped again
		}
		return "[" + id + ":" + label + "]"
	}
	tests := []struct{ in, want string }{
		{"verify <@U024BE7LH> why", "verify [U024BE7LH:] why"},
		{"verify <@U024BE7LH|priya> why", "verify [U024BE7LH:priya] why"},
		{"verify <@W0GRID|lee>", "verify [W0GRID:lee]"},
		{"<@U1|o&amp;brien>&amp;<@U2>", "[U1:o&brien]&[U2:]"},
		{"<@U0AMP>", "r&amp;d@example.com"},
		{"typed &lt;@U024BE7LH&gt; by hand", "typed <@U024BE7LH> by hand"},
		{"<#C0SEATS|seats> <!here> <!subteam^S0OPS|@ops> <@B0BOT> <@u1>", "<#C0SEATS|seats> <!here> <!subteam^S0OPS|@ops> <@B0BOT> <@u1>"},
		{"<mailto:a@b.com|a@b.com> and <@U1>", "a@b.com and [U1:]"},
	}
	for _, tt := range tests {
		if got := plainText(tt.in, person); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReadableMention(t *testing.T) {
	tests := []struct{ id, label, want string }{
		{"U024BE7LH", "priya", "@priya"},
		{"U024BE7LH", "@lee", "@lee"},
		{"U024BE7LH", "", "@U024BE7LH"},
		{"U024BE7LH", " ", "@U024BE7LH"},
	}
	for _, tt := range tests {
		if got := readableMention(tt.id, tt.label); got != tt.want {
			t.Errorf("readableMention(%q, %q) = %q, want %q", tt.id, tt.label, got, tt.want)
		}
	}
}
