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
	fields := [...]*string{
		&s.Token, &s.TeamID, &s.TeamDomain, &s.EnterpriseID, &s.EnterpriseName, &enterpriseInstall,
		&s.ChannelID, &s.ChannelName, &s.UserID, &s.UserName, &s.Command, &s.Text,
		&s.ResponseURL, &s.TriggerID, &s.APIAppID,
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
		i := slashField(key)
		if i < 0 || set&(1<<i) != 0 {
			continue
		}
		set |= 1 << i
		*fields[i] = value
	}
	s.IsEnterpriseInstall = enterpriseInstall == "true"
	return s, nil
}

// slashField is key's place in parseSlashCommand's fields; -1 for a key
// the command does not read.
func slashField(key string) int {
	switch key {
	case "token":
		return 0
	case "team_id":
		return 1
	case "team_domain":
		return 2
	case "enterprise_id":
		return 3
	case "enterprise_name":
		return 4
	case "is_enterprise_install":
		return 5
	case "channel_id":
		return 6
	case "channel_name":
		return 7
	case "user_id":
		return 8
	case "user_name":
		return 9
	case "command":
		return 10
	case "text":
		return 11
	case "response_url":
		return 12
	case "trigger_id":
		return 13
	case "api_app_id":
		return 14
	}
	return -1
}
