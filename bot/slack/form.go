package slack

import (
	"errors"
	"net/url"
	"strings"

	slackgo "github.com/slack-go/slack"
)

// parseSlashCommand reads a slash command's form into its fields, as
// slackgo.SlashCommandParse does, without the two maps ParseForm fills
// for it (the request's form and its body's): on the busiest path the
// bot has, they were a measurable part of answering. As with ParseForm,
// a key sent twice keeps its first value, and a malformed escape or a
// semicolon is an error.
func parseSlashCommand(body string) (slackgo.SlashCommand, error) {
	var s slackgo.SlashCommand
	var enterpriseInstall string
	fields := [...]struct {
		key   string
		value *string
	}{
		{"token", &s.Token}, {"team_id", &s.TeamID}, {"team_domain", &s.TeamDomain},
		{"enterprise_id", &s.EnterpriseID}, {"enterprise_name", &s.EnterpriseName},
		{"is_enterprise_install", &enterpriseInstall}, {"channel_id", &s.ChannelID},
		{"channel_name", &s.ChannelName}, {"user_id", &s.UserID}, {"user_name", &s.UserName},
		{"command", &s.Command}, {"text", &s.Text}, {"response_url", &s.ResponseURL},
		{"trigger_id", &s.TriggerID}, {"api_app_id", &s.APIAppID},
	}
	var set uint16 // which of fields have their value
	for body != "" {
		var pair string
		pair, body, _ = strings.Cut(body, "&")
		if strings.Contains(pair, ";") {
			return slackgo.SlashCommand{}, errors.New("invalid semicolon separator in the form")
		}
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return slackgo.SlashCommand{}, err
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return slackgo.SlashCommand{}, err
		}
		for i, f := range fields {
			if f.key == key && set&(1<<i) == 0 {
				set |= 1 << i
				*f.value = value
				break
			}
		}
	}
	s.IsEnterpriseInstall = enterpriseInstall == "true"
	return s, nil
}
