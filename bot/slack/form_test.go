package slack

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	slackgo "github.com/slack-go/slack"
)

// TestParseSlashCommandReadsWhatSlackGoReads: the form is read field for
// field as slackgo.SlashCommandParse reads it, refusals included.
func TestParseSlashCommandReadsWhatSlackGoReads(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"as Slack sends it", "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&enterprise_id=E0001&enterprise_name=Globular%20Construct%20Inc&channel_id=C2147483705&channel_name=test&user_id=U2147483697&user_name=Steve&command=%2Fwarden&text=seats+inactive+60&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1234%2F5678&trigger_id=13345224609.738474920.8088930838d88f008e0&api_app_id=A123456"},
		{"an enterprise install", "team_id=T1&user_id=U1&is_enterprise_install=true"},
		{"not an enterprise install", "team_id=T1&user_id=U1&is_enterprise_install=false"},
		{"text with every kind of escape", "user_id=U1&text=%E2%9C%85+a%2Bb%26c%3Dd%25+%3Cmailto%3Afox%40example.com%7Cfox%3E"},
		{"a key sent twice keeps its first value", "user_id=U1&text=first&text=second"},
		{"keys it does not read", "user_id=U1&is_ext_shared_channel=false&x=%41&=empty&novalue"},
		{"empty pairs", "&&user_id=U1&&text=seats&"},
		{"empty", ""},
		{"an escaped key", "user%5Fid=U1"},
		{"a malformed escape in a value", "user_id=U1&text=100%"},
		{"a malformed escape in a key", "us%zzer_id=U1"},
		{"a semicolon", "user_id=U1;text=seats"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			want, wantErr := slackgo.SlashCommandParse(req)
			got, err := parseSlashCommand(tc.body)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("err = %v, slack-go's %v", err, wantErr)
			}
			if err == nil && !cmp.Equal(got, want) {
				t.Errorf("parsed differently from slack-go (-slack-go +ours):\n%s", cmp.Diff(want, got))
			}
		})
	}
}
