package config_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/seatwarden/seatwarden/config"
)

func TestSecretRendering(t *testing.T) {
	set := config.NewSecret("hunter2-value")
	var unset config.Secret
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"String", set.String(), "[redacted]"},
		{"GoString", set.GoString(), "[redacted]"},
		{"%v", fmt.Sprintf("%v", set), "[redacted]"},
		{"%+v", fmt.Sprintf("%+v", set), "[redacted]"},
		{"%#v", fmt.Sprintf("%#v", set), "[redacted]"},
		{"%s", fmt.Sprintf("%s", set), "[redacted]"},
		{"%q", fmt.Sprintf("%q", set), `"[redacted]"`},
		{"%x", fmt.Sprintf("%x", set), "[redacted]"},
		{"%d", fmt.Sprintf("%d", set), "[redacted]"},
		{"%12s", fmt.Sprintf("%12s", set), "  [redacted]"},
		{"pointer %v", fmt.Sprintf("%v", &set), "[redacted]"},
		{"in a slice", fmt.Sprintf("%v", []config.Secret{set}), "[[redacted]]"},
		{"in an exported field", fmt.Sprintf("%+v", struct{ Token config.Secret }{set}), "{Token:[redacted]}"},
		{"unset %v", fmt.Sprintf("%v", unset), ""},
		{"unset %q", fmt.Sprintf("%q", unset), `""`},
		{"unset String", unset.String(), ""},
		{"NewSecret of empty", fmt.Sprint(config.NewSecret("")), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}

	// fmt cannot call methods through unexported fields and prints them by
	// reflection; the value must still not show.
	hidden := fmt.Sprintf("%v %+v %#v", struct{ s config.Secret }{set}, struct{ s config.Secret }{set}, struct{ s config.Secret }{set})
	if strings.Contains(hidden, "hunter2") {
		t.Errorf("secret in an unexported field printed as %s", hidden)
	}

	if b, _ := json.Marshal(set); string(b) != `"[redacted]"` {
		t.Errorf("json = %s", b)
	}
	if b, _ := json.Marshal(unset); string(b) != `""` {
		t.Errorf("unset json = %s", b)
	}
	if b, _ := set.MarshalText(); string(b) != "[redacted]" {
		t.Errorf("MarshalText = %s", b)
	}
	if v := set.LogValue(); v.String() != "[redacted]" {
		t.Errorf("LogValue = %v", v)
	}
	if b, _ := yaml.Marshal(map[string]config.Secret{"k": set}); strings.Contains(string(b), "hunter2") {
		t.Errorf("yaml = %s", b)
	}

	if set.Value() != "hunter2-value" || !set.IsSet() || unset.IsSet() || unset.Value() != "" {
		t.Errorf("Value/IsSet: %q %v, unset %q %v", set.Value(), set.IsSet(), unset.Value(), unset.IsSet())
	}
	if !set.Equal(config.NewSecret("hunter2-value")) || set.Equal(unset) || !unset.Equal(config.NewSecret("")) {
		t.Error("Equal compares wrongly")
	}
}

// leakMarkers are distinct secret values; none may show outside Value().
var leakMarkers = []string{
	"LEAKredispw", "LEAKbot", "LEAKsigning", "LEAKapp", "LEAKteams",
	"LEAKzdclient", "LEAKzdapi", "LEAKzdoauth", "LEAKfilesecret",
}

func assertNoLeak(t *testing.T, what, s string) {
	t.Helper()
	for _, m := range append(leakMarkers, leakKey, leakOldKey) {
		if strings.Contains(s, m) || strings.Contains(s, hex.EncodeToString([]byte(m))) {
			t.Errorf("%s contains the secret %q:\n%s", what, m, s)
		}
	}
}

// leakKey and leakOldKey are valid encryption keys whose base64 texts are
// themselves the secrets.
var (
	leakKey    = base64.StdEncoding.EncodeToString([]byte("LEAKkeyLEAKkeyLEAKkeyLEAKkey1234"))
	leakOldKey = base64.StdEncoding.EncodeToString([]byte("LEAKoldLEAKoldLEAKoldLEAKold1234"))
)

func TestSecretsNeverLeak(t *testing.T) {
	c, err := config.Load(config.LoadOptions{
		Path: "policy.yaml",
		Getenv: envOf(map[string]string{
			"REDIS_URL":                   "redis://user:LEAKredispw@localhost:6379/0",
			"SLACK_BOT_TOKEN":             "xoxb-LEAKbot",
			"SLACK_SIGNING_SECRET_FILE":   "/run/signing",
			"SLACK_APP_TOKEN":             "xapp-LEAKapp",
			"TEAMS_APP_ID":                "app",
			"TEAMS_APP_PASSWORD":          "LEAKteams",
			"TEAMS_TENANT_ID":             "tenant",
			"ZENDESK_URL":                 "https://acme.zendesk.com",
			"ZENDESK_OAUTH_CLIENT_ID":     "client",
			"ZENDESK_OAUTH_CLIENT_SECRET": "LEAKzdclient",
			"SEATWARDEN_ENCRYPTION_KEY":   "current:" + leakKey,
			"SEATWARDEN_ENCRYPTION_KEYS":  "old:" + leakOldKey,
		}),
		ReadFile: filesOf(map[string]string{
			"policy.yaml":  "admins: [alice@example.com]\nstore:\n  require_encryption: true\n",
			"/run/signing": "LEAKsigning\n",
		}),
	})
	if err != nil {
		t.Fatalf("Load:\n%v", err)
	}
	if c.Slack.SigningSecret.Value() != "LEAKsigning" || c.Redis.URL.Value() != "redis://user:LEAKredispw@localhost:6379/0" ||
		!c.EncryptionKeys.IsSet() {
		t.Fatal("secrets did not load; the checks below would prove nothing")
	}

	// A variable, because vet rightly objects to %s on a struct; the point
	// here is that even odd verbs print no secret.
	allVerbs := "%v %+v %#v %s %q %x"
	assertNoLeak(t, "fmt of *Config", fmt.Sprintf(allVerbs, c, c, c, c, c, c))      //lint:ignore SA5009 odd verbs on purpose
	assertNoLeak(t, "fmt of Config", fmt.Sprintf(allVerbs, *c, *c, *c, *c, *c, *c)) //lint:ignore SA5009 odd verbs on purpose
	assertNoLeak(t, "fmt of sections", fmt.Sprintf("%+v %+v %+v %+v", c.Redis, c.Slack, c.Teams, c.Zendesk))

	b, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	assertNoLeak(t, "JSON", string(b))
	if !strings.Contains(string(b), `"BotToken":"[redacted]"`) {
		t.Errorf("JSON does not show the bot token as redacted: %s", b)
	}

	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("loaded", "config", c, "slack", c.Slack, "token", c.Slack.BotToken)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("loaded", "config", c, "redis", c.Redis, "token", c.Slack.BotToken)
	assertNoLeak(t, "slog output", logs.String())
	if !strings.Contains(logs.String(), `"token":"[redacted]"`) {
		t.Errorf("slog JSON does not show the token as redacted: %s", logs.String())
	}

	for _, s := range c.Describe() {
		assertNoLeak(t, "Describe", fmt.Sprintf("%+v", s))
	}
	y, _ := yaml.Marshal(c)
	assertNoLeak(t, "YAML", string(y))

	ring, err := c.Keyring()
	if err != nil {
		t.Fatalf("Keyring: %v", err)
	}
	assertNoLeak(t, "keyring", fmt.Sprintf("%v %+v %#v %v", ring, ring, ring, ring.IDs()))
}

func TestSecretsNeverInErrors(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		files map[string]string
	}{
		{"redis url with the wrong scheme", map[string]string{"REDIS_URL": "http://user:LEAKredispw@r:6379"}, nil},
		{"redis url unparsable", map[string]string{"REDIS_URL": "redis://user:LEAKredispw%zz@r:6379"}, nil},
		{"redis url without scheme", map[string]string{"REDIS_URL": "user:LEAKredispw@r:6379"}, nil},
		{"slack user token", map[string]string{"SLACK_BOT_TOKEN": "xoxp-LEAKbot", "SLACK_SIGNING_SECRET": "LEAKsigning"}, nil},
		{"slack tokens swapped", map[string]string{"SLACK_BOT_TOKEN": "xapp-LEAKbot", "SLACK_APP_TOKEN": "xoxb-LEAKapp"}, nil},
		{"slack token without signing secret", map[string]string{"SLACK_BOT_TOKEN": "xoxb-LEAKbot"}, nil},
		{"slack signing secret alone", map[string]string{"SLACK_SIGNING_SECRET": "LEAKsigning"}, nil},
		{"slack token and file", map[string]string{"SLACK_BOT_TOKEN": "xoxb-LEAKbot", "SLACK_BOT_TOKEN_FILE": "/run/bot"}, map[string]string{"/run/bot": "xoxb-LEAKfilesecret"}},
		{"slack token file with the wrong prefix", map[string]string{"SLACK_BOT_TOKEN_FILE": "/run/bot", "SLACK_SIGNING_SECRET": "s"}, map[string]string{"/run/bot": "LEAKfilesecret\n"}},
		{"teams password without app", map[string]string{"TEAMS_APP_PASSWORD": "LEAKteams"}, nil},
		{"zendesk token without email", map[string]string{"ZENDESK_API_TOKEN": "LEAKzdapi"}, nil},
		{"zendesk two methods", map[string]string{"ZENDESK_OAUTH_TOKEN": "LEAKzdoauth", "ZENDESK_OAUTH_CLIENT_ID": "c", "ZENDESK_OAUTH_CLIENT_SECRET": "LEAKzdclient"}, nil},
		{"zendesk url with a password", map[string]string{"ZENDESK_URL": "https://me:LEAKzdapi@acme.zendesk.com"}, nil},
		{"encryption key of the wrong length", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": base64.StdEncoding.EncodeToString([]byte("LEAKkeyLEAKkey"))}, nil},
		{"encryption key not base64", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "LEAKkeyLEAKkey!!"}, nil},
		{"named encryption key of the wrong length", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "k1:LEAKkeysLEAKkeys"}, nil},
		{"encryption key with an empty id", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": ":LEAKkeyLEAKkey"}, nil},
		{"encryption key after a misplaced colon", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": leakKey + ":" + leakOldKey}, nil},
		{"encryption key id of key material", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "LEAKkeyLEAKkeyLEAKkeyLEAKkeyLEAKkey:" + leakOldKey}, nil},
		{"two keys in the encryption key", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": leakKey + "," + leakOldKey}, nil},
		{"encryption key file of two lines", map[string]string{"SEATWARDEN_ENCRYPTION_KEY_FILE": "/run/key"}, map[string]string{"/run/key": leakKey + "\n" + leakOldKey + "\n"}},
		{"older keys without the current one", map[string]string{"SEATWARDEN_ENCRYPTION_KEYS": "old:" + leakOldKey}, nil},
		{"older key of the wrong length", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": leakKey, "SEATWARDEN_ENCRYPTION_KEYS": leakOldKey + ",LEAKkeysLEAKkeys"}, nil},
		{"older key not base64", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": leakKey, "SEATWARDEN_ENCRYPTION_KEYS": "old:LEAKkeyLEAKkey!!"}, nil},
		{"older key with an empty id", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": leakKey, "SEATWARDEN_ENCRYPTION_KEYS": ":" + leakOldKey}, nil},
		{"older key after a misplaced colon", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": leakKey, "SEATWARDEN_ENCRYPTION_KEYS": leakOldKey + ":" + leakKey}, nil},
		{"older key with the current key's id", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "a:" + leakKey, "SEATWARDEN_ENCRYPTION_KEYS": "a:" + leakOldKey}, nil},
		{"older keys sharing an id", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": leakKey, "SEATWARDEN_ENCRYPTION_KEYS_FILE": "/run/keys"}, map[string]string{"/run/keys": "old:" + leakOldKey + "\nold:LEAKkeyLEAKkeyLEAKkeyLEAKkeyLEAKkeyLEAKkey1\n"}},
		{"older key listed twice", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": leakKey, "SEATWARDEN_ENCRYPTION_KEYS": leakOldKey + "," + leakOldKey}, nil},
		{"older keys and their file", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": leakKey, "SEATWARDEN_ENCRYPTION_KEYS": leakOldKey, "SEATWARDEN_ENCRYPTION_KEYS_FILE": "/run/keys"}, map[string]string{"/run/keys": "LEAKfilesecret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadEnv(tt.env, tt.files)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			assertNoLeak(t, "error", fmt.Sprintf("%v %+v %#v %q", err, err, err, err.Error()))
			assertNoInput(t, err.Error(), tt.env, tt.files)
			for _, m := range []string{"LEAKkey", "xoxp-LEAK", "xoxb-LEAK", "xapp-LEAK"} {
				if strings.Contains(err.Error(), m) {
					t.Errorf("error contains %q:\n%v", m, err)
				}
			}
		})
	}
}

// assertNoInput checks that no secret given, nor any part of one (a key of
// a list, the text either side of a colon), shows in msg. Paths of *_FILE
// variables are no secret and are left out.
func assertNoInput(t *testing.T, msg string, env, files map[string]string) {
	t.Helper()
	var inputs []string
	for name, v := range env {
		if !strings.HasSuffix(name, "_FILE") {
			inputs = append(inputs, v)
		}
	}
	for _, v := range files {
		inputs = append(inputs, v)
	}
	for _, in := range inputs {
		parts := strings.FieldsFunc(in, func(r rune) bool { return r == ',' || r == '\n' || r == ':' || r == '@' })
		for _, p := range append(parts, in) {
			if p = strings.TrimSpace(p); len(p) >= 8 && strings.Contains(msg, p) {
				t.Errorf("error shows %q, part of a secret given:\n%s", p, msg)
			}
		}
	}
}

func TestWarningsNeverLeak(t *testing.T) {
	c, err := loadEnv(map[string]string{"ZENDESK_EMAIL": "bot@acme.com", "ZENDESK_API_TOKEN": "LEAKzdapi"}, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(c.Warnings) == 0 {
		t.Fatal("no API token warning")
	}
	assertNoLeak(t, "warnings", fmt.Sprintf("%+v", c.Warnings))
}
