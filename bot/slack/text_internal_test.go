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
		if got := plainText(tt.in); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
