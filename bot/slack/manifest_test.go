package slack_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The manifest shipped in deploy/slack must point Slack at the routes the
// adapter serves, send mentions as user ids, and ask for the scopes the
// adapter's calls need.
func TestManifestMatchesTheAdapter(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/slack/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			AppHome struct {
				HomeTab bool `yaml:"home_tab_enabled"`
			} `yaml:"app_home"`
			SlashCommands []struct {
				Command, URL string
				ShouldEscape bool `yaml:"should_escape"`
			} `yaml:"slash_commands"`
		}
		OAuth struct {
			Scopes struct{ Bot []string }
		} `yaml:"oauth_config"`
		Settings struct {
			Interactivity struct {
				Enabled    bool   `yaml:"is_enabled"`
				RequestURL string `yaml:"request_url"`
			}
			Events struct {
				RequestURL string   `yaml:"request_url"`
				BotEvents  []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
		}
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/warden" ||
		!strings.HasSuffix(m.Features.SlashCommands[0].URL, "/slack/commands") {
		t.Errorf("slash command %+v", m.Features.SlashCommands)
	} else if !m.Features.SlashCommands[0].ShouldEscape {
		// Unescaped, Slack sends @priya as typed, which the adapter cannot
		// turn into an email; escaped, it sends <@U…>.
		t.Error("slash command without should_escape: true; mentions would arrive as names, not user ids")
	}
	if !m.Settings.Interactivity.Enabled || !strings.HasSuffix(m.Settings.Interactivity.RequestURL, "/slack/interactions") {
		t.Errorf("interactivity %+v", m.Settings.Interactivity)
	}
	if !strings.HasSuffix(m.Settings.Events.RequestURL, "/slack/events") {
		t.Errorf("events URL %q", m.Settings.Events.RequestURL)
	}
	if !m.Features.AppHome.HomeTab {
		t.Error("home_tab_enabled is not true; the adapter publishes each person's Home tab")
	}
	for _, ev := range []string{"app_mention", "message.im", "app_home_opened"} {
		if !slices.Contains(m.Settings.Events.BotEvents, ev) {
			t.Errorf("bot event %s missing", ev)
		}
	}
	for _, scope := range []string{"commands", "chat:write", "files:write", "im:write", "users:read", "users:read.email", "app_mentions:read", "im:history", "channels:history", "groups:history"} {
		if !slices.Contains(m.OAuth.Scopes.Bot, scope) {
			t.Errorf("bot scope %s missing", scope)
		}
	}
}
