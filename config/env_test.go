package config_test

import (
	"encoding/base64"
	"errors"
	"io/fs"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/config"
)

// testKey is base64 of 32 bytes.
var testKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

func loadEnv(env map[string]string, files map[string]string) (*config.Config, error) {
	return config.Load(config.LoadOptions{Getenv: envOf(env), ReadFile: filesOf(files)})
}

func TestLoadEnvironment(t *testing.T) {
	c, err := loadEnv(map[string]string{
		"SEATWARDEN_ADDR":             "127.0.0.1:9090",
		"SEATWARDEN_DEBUG_ADDR":       "127.0.0.1:6060",
		"SEATWARDEN_DATA_DIR":         "/var/lib/seatwarden",
		"SEATWARDEN_LOG_LEVEL":        "DEBUG",
		"SEATWARDEN_LOG_FORMAT":       "text",
		"REDIS_URL":                   "rediss://:pw@redis.internal:6380/2",
		"REDIS_MASTER_NAME":           "mymaster",
		"REDIS_SENTINEL_ADDRS":        " s1:26379, s2:26379 ,,",
		"REDIS_WAIT_REPLICAS":         "1",
		"SLACK_BOT_TOKEN":             "xoxb-1-2",
		"SLACK_SIGNING_SECRET":        "signing",
		"SLACK_API_URL":               "http://127.0.0.1:4390/api",
		"TEAMS_APP_ID":                "app-id",
		"TEAMS_APP_PASSWORD":          "teams-pw",
		"TEAMS_TENANT_ID":             "72f988bf-86f1-41af-91ab-2d7cd011db47",
		"TEAMS_OPENID_METADATA_URL":   "http://localhost:4391/openid",
		"TEAMS_SERVICE_URLS":          "http://localhost:4391,https://smba.trafficmanager.net/teams/",
		"ZENDESK_URL":                 "https://acme.zendesk.com/",
		"ZENDESK_OAUTH_CLIENT_ID":     "seatwarden",
		"ZENDESK_OAUTH_CLIENT_SECRET": "zd-secret",
		"SEATWARDEN_ENCRYPTION_KEY":   testKey,
	}, nil)
	if err != nil {
		t.Fatalf("Load:\n%v", err)
	}
	want := config.Default()
	want.Addr = "127.0.0.1:9090"
	want.DebugAddr = "127.0.0.1:6060"
	want.DataDir = "/var/lib/seatwarden"
	want.LogLevel = "debug"
	want.LogFormat = "text"
	want.Redis = config.Redis{
		URL:           config.NewSecret("rediss://:pw@redis.internal:6380/2"),
		MasterName:    "mymaster",
		SentinelAddrs: []string{"s1:26379", "s2:26379"},
		WaitReplicas:  1,
	}
	want.Slack = config.Slack{
		BotToken:      config.NewSecret("xoxb-1-2"),
		SigningSecret: config.NewSecret("signing"),
		APIURL:        "http://127.0.0.1:4390/api/",
	}
	want.Teams = config.Teams{
		AppID:             "app-id",
		AppPassword:       config.NewSecret("teams-pw"),
		TenantID:          "72f988bf-86f1-41af-91ab-2d7cd011db47",
		OpenIDMetadataURL: "http://localhost:4391/openid",
		TokenURL:          "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token",
		ServiceURLs:       []string{"http://localhost:4391/", "https://smba.trafficmanager.net/teams/"},
	}
	want.Zendesk = config.Zendesk{
		URL:               "https://acme.zendesk.com",
		OAuthClientID:     "seatwarden",
		OAuthClientSecret: config.NewSecret("zd-secret"),
	}
	want.EncryptionKey = config.NewSecret(testKey)
	if diff := cmp.Diff(want, c, cmpConfig...); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if !c.Redis.Enabled() || !c.Slack.Enabled() || c.Slack.SocketMode() || !c.Teams.Enabled() {
		t.Errorf("Enabled: redis %v slack %v socket %v teams %v", c.Redis.Enabled(), c.Slack.Enabled(), c.Slack.SocketMode(), c.Teams.Enabled())
	}
	if got := c.ZendeskAuthMethod(); got != config.AuthOAuthClientCredentials {
		t.Errorf("ZendeskAuthMethod() = %q", got)
	}
	if err := c.RequireZendesk(); err != nil {
		t.Errorf("RequireZendesk: %v", err)
	}
	if ring, err := c.Keyring(); err != nil || ring == nil || len(ring.IDs()) != 1 {
		t.Errorf("Keyring() = %v, %v; want a ring of the one key", ring, err)
	}
	if got := c.SlogLevel(); got != slog.LevelDebug {
		t.Errorf("SlogLevel() = %v", got)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("Warnings = %v, want none", c.Warnings)
	}
}

func TestLoadEnvironmentValid(t *testing.T) {
	rawKey := base64.RawURLEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	tests := []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, c *config.Config)
	}{
		{"socket mode needs no signing secret", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, func(t *testing.T, c *config.Config) {
			if !c.Slack.SocketMode() {
				t.Error("SocketMode() = false")
			}
		}},
		{"zendesk oauth token", map[string]string{"ZENDESK_URL": "https://acme.zendesk.com", "ZENDESK_OAUTH_TOKEN": "tok"}, func(t *testing.T, c *config.Config) {
			if got := c.ZendeskAuthMethod(); got != config.AuthOAuthToken {
				t.Errorf("ZendeskAuthMethod() = %q", got)
			}
		}},
		{"zendesk api token", map[string]string{"ZENDESK_URL": "https://acme.zendesk.com", "ZENDESK_EMAIL": "Bot@Acme.com", "ZENDESK_API_TOKEN": "tok"}, func(t *testing.T, c *config.Config) {
			if got := c.ZendeskAuthMethod(); got != config.AuthAPIToken {
				t.Errorf("ZendeskAuthMethod() = %q", got)
			}
			if c.Zendesk.Email != "bot@acme.com" {
				t.Errorf("Email = %q, want it lower-cased", c.Zendesk.Email)
			}
			want := []string{"ZENDESK_API_TOKEN: Zendesk deactivates all API tokens on 2027-04-30; move to ZENDESK_OAUTH_CLIENT_ID and ZENDESK_OAUTH_CLIENT_SECRET"}
			if diff := cmp.Diff(want, problemStrings(c.Warnings)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		}},
		{"zendesk emulator on localhost", map[string]string{"ZENDESK_URL": "http://127.0.0.1:8181"}, func(t *testing.T, c *config.Config) {
			if c.Zendesk.URL != "http://127.0.0.1:8181" {
				t.Errorf("URL = %q", c.Zendesk.URL)
			}
		}},
		{"zendesk emulator by name", map[string]string{"ZENDESK_URL": "http://localhost:8181/"}, nil},
		{"redis cluster", map[string]string{"REDIS_URL": "redis://r:6379", "REDIS_CLUSTER_ADDRS": "a:1,b:2"}, func(t *testing.T, c *config.Config) {
			if diff := cmp.Diff([]string{"a:1", "b:2"}, c.Redis.ClusterAddrs); diff != "" {
				t.Errorf("cluster addrs (-want +got):\n%s", diff)
			}
		}},
		{"master name alone is only a warning", map[string]string{"REDIS_URL": "redis://r:6379", "REDIS_MASTER_NAME": "m"}, func(t *testing.T, c *config.Config) {
			want := []string{"REDIS_MASTER_NAME: is ignored without REDIS_SENTINEL_ADDRS"}
			if diff := cmp.Diff(want, problemStrings(c.Warnings)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		}},
		{"url-safe unpadded key", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": rawKey}, func(t *testing.T, c *config.Config) {
			// The same key as testKey, written differently: it opens what
			// testKey sealed.
			std, err := loadEnv(map[string]string{"SEATWARDEN_ENCRYPTION_KEY": testKey}, nil)
			if err != nil {
				t.Fatal(err)
			}
			sealed := mustKeyring(t, std).Seal([]byte("v"), nil)
			if plain, err := mustKeyring(t, c).Open(sealed, nil); err != nil || string(plain) != "v" {
				t.Errorf("Open = %q, %v; want the value testKey sealed", plain, err)
			}
		}},
		{"explicit token url wins over the tenant's", map[string]string{"TEAMS_APP_ID": "a", "TEAMS_APP_PASSWORD": "p", "TEAMS_TENANT_ID": "t", "TEAMS_TOKEN_URL": "http://[::1]:9/token"}, func(t *testing.T, c *config.Config) {
			if c.Teams.TokenURL != "http://[::1]:9/token" {
				t.Errorf("TokenURL = %q", c.Teams.TokenURL)
			}
		}},
		{"github as an app", map[string]string{"GITHUB_ORG": "acme", "GITHUB_APP_ID": "123", "GITHUB_APP_INSTALLATION_ID": "456", "GITHUB_APP_PRIVATE_KEY": "pem", "GITHUB_API_URL": "http://127.0.0.1:8282/"}, func(t *testing.T, c *config.Config) {
			g := c.GitHub
			if !g.Enabled() || !g.App() || g.AppID != 123 || g.AppInstallationID != 456 || g.AppPrivateKey.Value() != "pem" || g.APIURL != "http://127.0.0.1:8282" {
				t.Errorf("GitHub = %+v", g)
			}
			if len(c.Warnings) != 0 {
				t.Errorf("warnings: %v", problemStrings(c.Warnings))
			}
		}},
		{"github with a token warns about fine-grained tokens", map[string]string{"GITHUB_ORG": "acme", "GITHUB_TOKEN": "ghp_x"}, func(t *testing.T, c *config.Config) {
			if !c.GitHub.Enabled() || c.GitHub.App() || c.GitHub.APIURL != "https://api.github.com" {
				t.Errorf("GitHub = %+v", c.GitHub)
			}
			want := []string{"GITHUB_TOKEN: a token cannot read fine-grained personal access tokens (GitHub allows only Apps); authenticate as a GitHub App to register them"}
			if diff := cmp.Diff(want, problemStrings(c.Warnings)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		}},
		{"blank values are unset", map[string]string{"SEATWARDEN_ADDR": "  ", "SEATWARDEN_LOG_LEVEL": ""}, func(t *testing.T, c *config.Config) {
			if c.Addr != ":8080" || c.LogLevel != "info" {
				t.Errorf("Addr %q LogLevel %q, want the defaults", c.Addr, c.LogLevel)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadEnv(tt.env, nil)
			if err != nil {
				t.Fatalf("Load:\n%v", err)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func problemStrings(ps []config.Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func TestLoadEnvironmentProblems(t *testing.T) {
	const httpsOnly = "must be an absolute https:// URL (http:// only for localhost)"
	tests := []struct {
		name  string
		env   map[string]string
		files map[string]string
		want  []string
	}{
		{"log level", map[string]string{"SEATWARDEN_LOG_LEVEL": "loud"}, nil,
			[]string{`SEATWARDEN_LOG_LEVEL: must be one of debug, info, warn, error, got "loud"`}},
		{"log format", map[string]string{"SEATWARDEN_LOG_FORMAT": "yaml"}, nil,
			[]string{`SEATWARDEN_LOG_FORMAT: must be one of json, text, got "yaml"`}},
		{"listen address without colon", map[string]string{"SEATWARDEN_ADDR": "8080"}, nil,
			[]string{`SEATWARDEN_ADDR: must be host:port or :port, such as ":8080", got "8080"`}},
		{"profiler on every interface", map[string]string{"SEATWARDEN_DEBUG_ADDR": ":6060"}, nil,
			[]string{`SEATWARDEN_DEBUG_ADDR: must name the host to listen on, such as "127.0.0.1:6060", got ":6060"`}},
		{"profiler address without port", map[string]string{"SEATWARDEN_DEBUG_ADDR": "localhost"}, nil,
			[]string{`SEATWARDEN_DEBUG_ADDR: must be host:port, such as "127.0.0.1:6060", got "localhost"`}},

		{"redis scheme", map[string]string{"REDIS_URL": "http://redis:6379"}, nil,
			[]string{"REDIS_URL: must start with redis:// or rediss://"}},
		{"redis without scheme", map[string]string{"REDIS_URL": "redis.internal:6379"}, nil,
			[]string{"REDIS_URL: must start with redis:// or rediss://"}},
		{"redis unparsable", map[string]string{"REDIS_URL": "redis://user:p%zz@redis:6379"}, nil,
			[]string{"REDIS_URL: is not a valid URL (percent-encode special characters in the password)"}},
		{"sentinel without master name", map[string]string{"REDIS_URL": "redis://r", "REDIS_SENTINEL_ADDRS": "s:26379"}, nil,
			[]string{"REDIS_SENTINEL_ADDRS is set but REDIS_MASTER_NAME is not"}},
		{"sentinel and cluster", map[string]string{"REDIS_URL": "redis://r", "REDIS_MASTER_NAME": "m", "REDIS_SENTINEL_ADDRS": "s:1", "REDIS_CLUSTER_ADDRS": "c:1"}, nil,
			[]string{"REDIS_SENTINEL_ADDRS and REDIS_CLUSTER_ADDRS are both set; Redis is either Sentinel-managed or a Cluster, keep one"}},
		{"cluster without redis url", map[string]string{"REDIS_CLUSTER_ADDRS": "c:1"}, nil,
			[]string{"REDIS_CLUSTER_ADDRS is set but REDIS_URL is not (REDIS_URL selects Redis as the store and carries the password and TLS choice)"}},
		{"wait replicas not a number", map[string]string{"REDIS_URL": "redis://r", "REDIS_WAIT_REPLICAS": "one"}, nil,
			[]string{`REDIS_WAIT_REPLICAS: must be a number of replicas from 0 to 10, got "one", e.g. REDIS_WAIT_REPLICAS=1`}},
		{"wait replicas on a cluster", map[string]string{"REDIS_URL": "redis://r", "REDIS_CLUSTER_ADDRS": "c:1", "REDIS_WAIT_REPLICAS": "1"}, nil,
			[]string{"REDIS_WAIT_REPLICAS: works with one server or Sentinel, not with REDIS_CLUSTER_ADDRS"}},
		{"wait replicas without redis", map[string]string{"REDIS_WAIT_REPLICAS": "1"}, nil,
			[]string{"REDIS_WAIT_REPLICAS is set but REDIS_URL is not (REDIS_URL selects Redis as the store and carries the password and TLS choice)"}},
		{"cluster address without port", map[string]string{"REDIS_URL": "redis://r", "REDIS_CLUSTER_ADDRS": "c1:7000,c2"}, nil,
			[]string{`REDIS_CLUSTER_ADDRS: "c2" is not host:port`}},

		{"slack bot token alone", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, nil,
			[]string{"SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not (it verifies inbound requests; or set SLACK_APP_TOKEN for Socket Mode)"}},
		{"slack signing secret alone", map[string]string{"SLACK_SIGNING_SECRET": "s"}, nil,
			[]string{"SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not"}},
		{"slack app token alone", map[string]string{"SLACK_APP_TOKEN": "xapp-1"}, nil,
			[]string{"SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not"}},
		{"slack user token", map[string]string{"SLACK_BOT_TOKEN": "xoxp-1", "SLACK_SIGNING_SECRET": "s"}, nil,
			[]string{"SLACK_BOT_TOKEN: must start with xoxb- (a bot token); this is a user token (xoxp-), use the bot token"}},
		{"slack tokens swapped", map[string]string{"SLACK_BOT_TOKEN": "xapp-1", "SLACK_APP_TOKEN": "xoxb-1"}, nil,
			[]string{
				"SLACK_BOT_TOKEN: must start with xoxb- (a bot token); this is an app-level token (xapp-), which belongs in SLACK_APP_TOKEN",
				"SLACK_APP_TOKEN: must start with xapp- (an app-level token); this is a bot token (xoxb-), which belongs in SLACK_BOT_TOKEN",
			}},
		{"slack api over http", map[string]string{"SLACK_API_URL": "http://slack.example.com/api/"}, nil,
			[]string{"SLACK_API_URL: " + httpsOnly + ", such as https://slack.com/api/"}},

		{"teams app id alone", map[string]string{"TEAMS_APP_ID": "a"}, nil,
			[]string{"TEAMS_APP_ID is set but TEAMS_APP_PASSWORD is not", "TEAMS_APP_ID is set but TEAMS_TENANT_ID is not"}},
		{"teams password alone", map[string]string{"TEAMS_APP_PASSWORD": "p"}, nil,
			[]string{"TEAMS_APP_PASSWORD is set but TEAMS_APP_ID is not"}},
		{"teams tenant alone", map[string]string{"TEAMS_TENANT_ID": "t"}, nil,
			[]string{"TEAMS_TENANT_ID is set but TEAMS_APP_ID is not"}},
		{"teams tenant with a slash", map[string]string{"TEAMS_APP_ID": "a", "TEAMS_APP_PASSWORD": "p", "TEAMS_TENANT_ID": "t/../x"}, nil,
			[]string{`TEAMS_TENANT_ID: must be a directory (tenant) ID such as 72f988bf-86f1-41af-91ab-2d7cd011db47, got "t/../x"`}},
		{"teams token url relative", map[string]string{"TEAMS_TOKEN_URL": "/token"}, nil,
			[]string{"TEAMS_TOKEN_URL: " + httpsOnly + ", such as https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token"}},
		{"teams openid over http", map[string]string{"TEAMS_OPENID_METADATA_URL": "http://login.example.com/x"}, nil,
			[]string{"TEAMS_OPENID_METADATA_URL: " + httpsOnly + ", such as https://login.botframework.com/v1/.well-known/openidconfiguration"}},
		{"teams service url over http", map[string]string{"TEAMS_SERVICE_URLS": "https://smba.trafficmanager.net/,http://evil.example/"}, nil,
			[]string{"TEAMS_SERVICE_URLS: item 2 " + httpsOnly + ", such as https://smba.trafficmanager.net/"}},
		{"teams service urls only commas", map[string]string{"TEAMS_SERVICE_URLS": " , ,"}, nil,
			[]string{"TEAMS_SERVICE_URLS: must list at least one URL, such as https://smba.trafficmanager.net/"}},

		{"zendesk over http", map[string]string{"ZENDESK_URL": "http://acme.zendesk.com"}, nil,
			[]string{"ZENDESK_URL: must be an absolute https:// URL such as https://acme.zendesk.com"}},
		{"zendesk without scheme", map[string]string{"ZENDESK_URL": "acme.zendesk.com"}, nil,
			[]string{"ZENDESK_URL: must be an absolute https:// URL such as https://acme.zendesk.com"}},
		{"zendesk with api path", map[string]string{"ZENDESK_URL": "https://acme.zendesk.com/api/v2/"}, nil,
			[]string{"ZENDESK_URL: must be the account base URL such as https://acme.zendesk.com, without the /api/v2 path"}},
		{"zendesk with bare api path", map[string]string{"ZENDESK_URL": "https://acme.zendesk.com/api"}, nil,
			[]string{"ZENDESK_URL: must be the account base URL such as https://acme.zendesk.com, without the /api/v2 path"}},
		{"zendesk with credentials", map[string]string{"ZENDESK_URL": "https://me:pw@acme.zendesk.com"}, nil,
			[]string{"ZENDESK_URL: must not contain a user name or password; credentials go in their own variables"}},
		{"zendesk client id alone", map[string]string{"ZENDESK_OAUTH_CLIENT_ID": "id"}, nil,
			[]string{"ZENDESK_OAUTH_CLIENT_ID is set but ZENDESK_OAUTH_CLIENT_SECRET is not"}},
		{"zendesk client secret alone", map[string]string{"ZENDESK_OAUTH_CLIENT_SECRET": "s"}, nil,
			[]string{"ZENDESK_OAUTH_CLIENT_SECRET is set but ZENDESK_OAUTH_CLIENT_ID is not"}},
		{"zendesk email alone", map[string]string{"ZENDESK_EMAIL": "bot@acme.com"}, nil,
			[]string{"ZENDESK_EMAIL and ZENDESK_API_TOKEN must be set together"}},
		{"zendesk api token alone", map[string]string{"ZENDESK_API_TOKEN": "t"}, nil,
			[]string{"ZENDESK_EMAIL and ZENDESK_API_TOKEN must be set together"}},
		{"zendesk email invalid", map[string]string{"ZENDESK_EMAIL": "bot", "ZENDESK_API_TOKEN": "t"}, nil,
			[]string{`ZENDESK_EMAIL: must be an email address such as dana@example.com, got "bot"`}},
		{"zendesk two methods", map[string]string{"ZENDESK_OAUTH_CLIENT_ID": "id", "ZENDESK_OAUTH_CLIENT_SECRET": "s", "ZENDESK_EMAIL": "bot@acme.com", "ZENDESK_API_TOKEN": "t"}, nil,
			[]string{"more than one Zendesk auth method is set (oauth-client-credentials, api-token); keep oauth-client-credentials, the preferred one, and unset ZENDESK_EMAIL, ZENDESK_API_TOKEN"}},
		{"zendesk three methods", map[string]string{"ZENDESK_OAUTH_TOKEN": "o", "ZENDESK_OAUTH_CLIENT_ID": "id", "ZENDESK_OAUTH_CLIENT_SECRET": "s", "ZENDESK_API_TOKEN": "t", "ZENDESK_EMAIL": "b@a.com"}, nil,
			[]string{"more than one Zendesk auth method is set (oauth-client-credentials, oauth-token, api-token); keep oauth-client-credentials, the preferred one, and unset ZENDESK_OAUTH_TOKEN, ZENDESK_EMAIL, ZENDESK_API_TOKEN"}},
		{"zendesk oauth token and api token", map[string]string{"ZENDESK_OAUTH_TOKEN": "o", "ZENDESK_API_TOKEN_FILE": "/run/zd", "ZENDESK_EMAIL": "b@a.com"}, map[string]string{"/run/zd": "t\n"},
			[]string{"more than one Zendesk auth method is set (oauth-token, api-token); keep oauth-token, the preferred one, and unset ZENDESK_EMAIL, ZENDESK_API_TOKEN_FILE"}},

		{"encryption key too short", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": base64.StdEncoding.EncodeToString([]byte("short"))}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEY: must be base64 of 32 bytes, got 5 bytes; generate one with: openssl rand -base64 32"}},
		{"encryption key not base64", map[string]string{"SEATWARDEN_ENCRYPTION_KEY": "not base64!"}, nil,
			[]string{"SEATWARDEN_ENCRYPTION_KEY: is not base64; generate a key with: openssl rand -base64 32"}},

		// NAME_FILE variants.
		{"secret and its file both set", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_BOT_TOKEN_FILE": "/run/bot", "SLACK_SIGNING_SECRET": "s"}, map[string]string{"/run/bot": "xoxb-2"},
			[]string{"SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE are both set; set only one"}},
		{"secret file unreadable", map[string]string{"TEAMS_APP_ID": "a", "TEAMS_TENANT_ID": "t", "TEAMS_APP_PASSWORD_FILE": "/run/missing"}, nil,
			[]string{`TEAMS_APP_PASSWORD_FILE: cannot read "/run/missing": file does not exist`}},
		{"secret file empty", map[string]string{"ZENDESK_OAUTH_TOKEN_FILE": "/run/empty"}, map[string]string{"/run/empty": "\n"},
			[]string{`ZENDESK_OAUTH_TOKEN_FILE: the file "/run/empty" is empty`}},
		{"secret from file checked under the file's name", map[string]string{"REDIS_URL_FILE": "/run/redis"}, map[string]string{"/run/redis": "http://r\n"},
			[]string{"REDIS_URL_FILE: must start with redis:// or rediss://"}},
		{"encryption key file", map[string]string{"SEATWARDEN_ENCRYPTION_KEY_FILE": "/run/key"}, map[string]string{"/run/key": "AAAA\n"},
			[]string{"SEATWARDEN_ENCRYPTION_KEY_FILE: must be base64 of 32 bytes, got 3 bytes; generate one with: openssl rand -base64 32"}},

		{"github org that cannot be one", map[string]string{"GITHUB_ORG": "acme corp", "GITHUB_TOKEN": "t"}, nil,
			[]string{`GITHUB_ORG: must be a GitHub organisation name such as acme (letters, digits and hyphens), got "acme corp"`}},
		{"github credentials without an org", map[string]string{"GITHUB_TOKEN": "t"}, nil,
			[]string{"GITHUB_ORG: must be set with the GitHub credentials: name the organisation to govern, such as acme"}},
		{"github org without credentials", map[string]string{"GITHUB_ORG": "acme"}, nil,
			[]string{"GITHUB_ORG: is set but no GitHub credentials are: set GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and GITHUB_APP_PRIVATE_KEY_FILE (preferred), or GITHUB_TOKEN"}},
		{"github api url without an org", map[string]string{"GITHUB_API_URL": "https://github.example.com/api/v3"}, nil,
			[]string{"GITHUB_ORG: must be set with the GitHub credentials: name the organisation to govern, such as acme"}},
		{"github app half set", map[string]string{"GITHUB_ORG": "acme", "GITHUB_APP_ID": "123"}, nil,
			[]string{"a GitHub App needs GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and GITHUB_APP_PRIVATE_KEY_FILE together; GITHUB_APP_INSTALLATION_ID and GITHUB_APP_PRIVATE_KEY_FILE missing"}},
		{"github app and token both", map[string]string{"GITHUB_ORG": "acme", "GITHUB_APP_ID": "123", "GITHUB_APP_INSTALLATION_ID": "456", "GITHUB_APP_PRIVATE_KEY_FILE": "/run/key.pem", "GITHUB_TOKEN": "t"},
			map[string]string{"/run/key.pem": "-----BEGIN RSA PRIVATE KEY-----\n"},
			[]string{"both a GitHub App and GITHUB_TOKEN are set; keep the App (it can read fine-grained tokens) and unset GITHUB_TOKEN"}},
		{"github app id not a number", map[string]string{"GITHUB_ORG": "acme", "GITHUB_APP_ID": "my-app", "GITHUB_APP_INSTALLATION_ID": "456", "GITHUB_APP_PRIVATE_KEY_FILE": "/run/key.pem"},
			map[string]string{"/run/key.pem": "-----BEGIN RSA PRIVATE KEY-----\n"},
			[]string{`GITHUB_APP_ID: must be the App ID on the app's settings page, such as 123456, got "my-app"`}},
		{"github api url over plain http", map[string]string{"GITHUB_ORG": "acme", "GITHUB_TOKEN": "t", "GITHUB_API_URL": "http://github.internal/api/v3"}, nil,
			[]string{"GITHUB_API_URL: " + httpsOnly + ", such as https://github.example.com/api/v3"}},

		{"okta url without a token", map[string]string{"OKTA_ORG_URL": "https://acme.okta.com"}, nil,
			[]string{"OKTA_API_TOKEN: must be set with OKTA_ORG_URL: an API token of a read-only administrator (Security → API → Tokens), or OKTA_API_TOKEN_FILE"}},
		{"okta token without a url", map[string]string{"OKTA_API_TOKEN": "00abc"}, nil,
			[]string{"OKTA_ORG_URL: must be set with OKTA_API_TOKEN: the org's URL, such as https://acme.okta.com"}},
		{"okta over plain http", map[string]string{"OKTA_ORG_URL": "http://acme.okta.com", "OKTA_API_TOKEN": "00abc"}, nil,
			[]string{"OKTA_ORG_URL: " + httpsOnly + ", such as https://acme.okta.com"}},
		{"okta token file unreadable", map[string]string{"OKTA_ORG_URL": "https://acme.okta.com", "OKTA_API_TOKEN_FILE": "/run/missing"}, nil,
			[]string{`OKTA_API_TOKEN_FILE: cannot read "/run/missing": file does not exist`}},
		{"a sink without its secret", map[string]string{"SEATWARDEN_AUDIT_SINK": "https://siem.acme.example/hooks/seatwarden"}, nil,
			[]string{"SEATWARDEN_AUDIT_SINK_SECRET: must be set: the webhook's deliveries are signed with it, so the receiver can trust them; generate one with: openssl rand -hex 32"}},
		{"a sink secret too short", map[string]string{"SEATWARDEN_AUDIT_SINK": "https://siem.acme.example/hooks/seatwarden", "SEATWARDEN_AUDIT_SINK_SECRET": "hunter2"}, nil,
			[]string{"SEATWARDEN_AUDIT_SINK_SECRET: is 7 characters; use at least 32, such as the output of: openssl rand -hex 32"}},
		{"Splunk without a token", map[string]string{"SEATWARDEN_AUDIT_SINK": "https://splunk.acme.example:8088/services/collector/event"}, nil,
			[]string{"SEATWARDEN_AUDIT_SINK_TOKEN: must be set: SEATWARDEN_AUDIT_SINK is a Splunk HTTP Event Collector, which takes the HEC token (Settings → Data inputs → HTTP Event Collector), or SEATWARDEN_AUDIT_SINK_TOKEN_FILE"}},
		{"Splunk with a webhook secret", map[string]string{"SEATWARDEN_AUDIT_SINK": "https://splunk.acme.example:8088/services/collector", "SEATWARDEN_AUDIT_SINK_SECRET": strings.Repeat("s", 40)}, nil,
			[]string{"SEATWARDEN_AUDIT_SINK_SECRET: signs webhook deliveries, but SEATWARDEN_AUDIT_SINK is a Splunk HTTP Event Collector: set SEATWARDEN_AUDIT_SINK_TOKEN instead"}},
		{"a webhook with a token", map[string]string{"SEATWARDEN_AUDIT_SINK": "https://siem.acme.example/hooks/seatwarden", "SEATWARDEN_AUDIT_SINK_TOKEN": "t"}, nil,
			[]string{"SEATWARDEN_AUDIT_SINK_TOKEN: is for a Splunk HTTP Event Collector (a URL ending /services/collector/event); a webhook's deliveries are signed with SEATWARDEN_AUDIT_SINK_SECRET"}},
		{"a sink in the clear", map[string]string{"SEATWARDEN_AUDIT_SINK": "http://siem.acme.example/hooks", "SEATWARDEN_AUDIT_SINK_SECRET": strings.Repeat("s", 40)}, nil,
			[]string{"SEATWARDEN_AUDIT_SINK: " + httpsOnly + ", such as https://siem.example.com/hooks/seatwarden or https://splunk.example.com:8088/services/collector/event"}},
		{"a secret with no sink", map[string]string{"SEATWARDEN_AUDIT_SINK_SECRET": strings.Repeat("s", 40)}, nil,
			[]string{"SEATWARDEN_AUDIT_SINK: must be set with its secret or token: the collector's URL, such as https://siem.example.com/hooks/seatwarden"}},
		{"google without a key", map[string]string{"GOOGLE_ADMIN_EMAIL": "admin@acme.example"}, nil,
			[]string{"GOOGLE_CREDENTIALS_FILE: must be set with GOOGLE_ADMIN_EMAIL: the path of the service account's JSON key, whose client id has domain-wide delegation for https://www.googleapis.com/auth/admin.directory.user.readonly"}},
		{"google without an administrator", map[string]string{"GOOGLE_CREDENTIALS_FILE": "/run/key.json"}, map[string]string{"/run/key.json": `{"type": "service_account", "client_email": "a@b", "private_key": "k"}`},
			[]string{"GOOGLE_ADMIN_EMAIL: must be set with GOOGLE_CREDENTIALS_FILE: the administrator the service account acts as, such as admin@acme.example"}},
		{"google key unreadable", map[string]string{"GOOGLE_ADMIN_EMAIL": "admin@acme.example", "GOOGLE_CREDENTIALS_FILE": "/run/missing"}, nil,
			[]string{`GOOGLE_CREDENTIALS_FILE: cannot read "/run/missing": file does not exist`}},
		{"google key not json", map[string]string{"GOOGLE_ADMIN_EMAIL": "admin@acme.example", "GOOGLE_CREDENTIALS_FILE": "/run/key.json"}, map[string]string{"/run/key.json": "-----BEGIN PRIVATE KEY-----"},
			[]string{"GOOGLE_CREDENTIALS_FILE: is not a service account's JSON key (invalid character '-' in numeric literal); download one from the Google Cloud console under IAM → Service accounts → Keys"}},
		{"google key of another kind", map[string]string{"GOOGLE_ADMIN_EMAIL": "admin@acme.example", "GOOGLE_CREDENTIALS_FILE": "/run/key.json"}, map[string]string{"/run/key.json": `{"type": "authorized_user", "client_id": "x"}`},
			[]string{`GOOGLE_CREDENTIALS_FILE: is JSON but not a service account's key: it needs "type": "service_account", client_email and private_key`}},
		{"google administrator not an email", map[string]string{"GOOGLE_ADMIN_EMAIL": "admin", "GOOGLE_CREDENTIALS_FILE": "/run/key.json"}, map[string]string{"/run/key.json": `{"type": "service_account", "client_email": "a@b", "private_key": "k"}`},
			[]string{"GOOGLE_ADMIN_EMAIL: must be the email of a Workspace administrator the service account acts as, such as admin@acme.example: not an email address"}},
		{"google and scim", map[string]string{"GOOGLE_ADMIN_EMAIL": "admin@acme.example", "GOOGLE_CREDENTIALS": `{"type": "service_account", "client_email": "a@b", "private_key": "k"}`,
			"SCIM_URL": "https://hr.example.com/scim/v2", "SCIM_TOKEN": "t"}, nil,
			[]string{"2 identity sources are set (Google Workspace, SCIM); seatwarden reads one directory: keep one"}},
		{"scim without a token", map[string]string{"SCIM_URL": "https://hr.example.com/scim/v2"}, nil,
			[]string{"SCIM_TOKEN: must be set with SCIM_URL: the Bearer token the SCIM server gives seatwarden, or SCIM_TOKEN_FILE"}},
		{"graph half set", map[string]string{"GRAPH_TENANT_ID": "72f988bf-86f1-41af-91ab-2d7cd011db47", "GRAPH_CLIENT_ID": "c"}, nil,
			[]string{"Microsoft Graph as the identity source needs GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET together; GRAPH_CLIENT_SECRET missing"}},
		{"two identity sources", map[string]string{"GRAPH_TENANT_ID": "72f988bf-86f1-41af-91ab-2d7cd011db47", "GRAPH_CLIENT_ID": "c", "GRAPH_CLIENT_SECRET": "s",
			"OKTA_ORG_URL": "https://acme.okta.com", "OKTA_API_TOKEN": "00tok"}, nil,
			[]string{"2 identity sources are set (Microsoft Graph, Okta); seatwarden reads one directory: keep one"}},
		{"a graph tenant that cannot be one", map[string]string{"GRAPH_TENANT_ID": "acme corp", "GRAPH_CLIENT_ID": "c", "GRAPH_CLIENT_SECRET": "s"}, nil,
			[]string{`GRAPH_TENANT_ID: must be a directory (tenant) ID such as 72f988bf-86f1-41af-91ab-2d7cd011db47, got "acme corp"`}},

		{"an oidc provider half set", map[string]string{"SEATWARDEN_OIDC_ISSUER": "https://login.example.com", "SEATWARDEN_PUBLIC_URL": "https://bot.example.com"}, nil,
			[]string{"an OIDC provider needs SEATWARDEN_OIDC_ISSUER, SEATWARDEN_OIDC_CLIENT_ID and SEATWARDEN_OIDC_CLIENT_SECRET together"}},
		{"an oidc provider without a public url", map[string]string{"SEATWARDEN_OIDC_ISSUER": "https://login.example.com", "SEATWARDEN_OIDC_CLIENT_ID": "bot", "SEATWARDEN_OIDC_CLIENT_SECRET": "s"}, nil,
			[]string{"SEATWARDEN_PUBLIC_URL: must be set with the OIDC provider: the provider sends approvers back to SEATWARDEN_PUBLIC_URL/stepup/callback, such as https://seatwarden.example.com"}},
		{"an oidc issuer over plain http", map[string]string{"SEATWARDEN_OIDC_ISSUER": "http://login.example.com", "SEATWARDEN_OIDC_CLIENT_ID": "bot", "SEATWARDEN_OIDC_CLIENT_SECRET": "s", "SEATWARDEN_PUBLIC_URL": "https://bot.example.com"}, nil,
			[]string{"SEATWARDEN_OIDC_ISSUER: " + httpsOnly + ", such as https://login.example.com", "an OIDC provider needs SEATWARDEN_OIDC_ISSUER, SEATWARDEN_OIDC_CLIENT_ID and SEATWARDEN_OIDC_CLIENT_SECRET together"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadEnv(tt.env, tt.files)
			if err == nil {
				t.Fatalf("Load succeeded (%+v), want problems:\n%s", c, strings.Join(tt.want, "\n"))
			}
			if diff := cmp.Diff(tt.want, problemLines(t, err)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSecretFiles(t *testing.T) {
	secrets := []string{
		"REDIS_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "TEAMS_APP_PASSWORD",
		"ZENDESK_API_TOKEN", "ZENDESK_OAUTH_CLIENT_SECRET", "ZENDESK_OAUTH_TOKEN", "SEATWARDEN_ENCRYPTION_KEY",
		"SEATWARDEN_ENCRYPTION_KEYS",
	}
	values := map[string]string{
		"REDIS_URL":                   "redis://:pw@r:6379",
		"SLACK_BOT_TOKEN":             "xoxb-file",
		"SLACK_SIGNING_SECRET":        "signing-file",
		"SLACK_APP_TOKEN":             "xapp-file",
		"TEAMS_APP_PASSWORD":          "teams-file",
		"ZENDESK_API_TOKEN":           "api-file",
		"ZENDESK_OAUTH_CLIENT_SECRET": "client-file",
		"ZENDESK_OAUTH_TOKEN":         "oauth-file",
		"SEATWARDEN_ENCRYPTION_KEY":   testKey,
		"SEATWARDEN_ENCRYPTION_KEYS":  "old:" + otherKey,
	}
	get := func(c *config.Config, name string) config.Secret {
		return map[string]config.Secret{
			"REDIS_URL":                   c.Redis.URL,
			"SLACK_BOT_TOKEN":             c.Slack.BotToken,
			"SLACK_SIGNING_SECRET":        c.Slack.SigningSecret,
			"SLACK_APP_TOKEN":             c.Slack.AppToken,
			"TEAMS_APP_PASSWORD":          c.Teams.AppPassword,
			"ZENDESK_API_TOKEN":           c.Zendesk.APIToken,
			"ZENDESK_OAUTH_CLIENT_SECRET": c.Zendesk.OAuthClientSecret,
			"ZENDESK_OAUTH_TOKEN":         c.Zendesk.OAuthToken,
			"SEATWARDEN_ENCRYPTION_KEY":   c.EncryptionKey,
			"SEATWARDEN_ENCRYPTION_KEYS":  c.EncryptionKeys,
		}[name]
	}
	// Companions each secret needs to be valid on its own.
	companions := map[string]map[string]string{
		"SLACK_BOT_TOKEN":             {"SLACK_SIGNING_SECRET": "s"},
		"SLACK_SIGNING_SECRET":        {"SLACK_BOT_TOKEN": "xoxb-1"},
		"SLACK_APP_TOKEN":             {"SLACK_BOT_TOKEN": "xoxb-1"},
		"TEAMS_APP_PASSWORD":          {"TEAMS_APP_ID": "a", "TEAMS_TENANT_ID": "t"},
		"ZENDESK_API_TOKEN":           {"ZENDESK_EMAIL": "bot@acme.com"},
		"ZENDESK_OAUTH_CLIENT_SECRET": {"ZENDESK_OAUTH_CLIENT_ID": "id"},
		"SEATWARDEN_ENCRYPTION_KEYS":  {"SEATWARDEN_ENCRYPTION_KEY": testKey},
	}
	for _, name := range secrets {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{name + "_FILE": "/run/secrets/x"}
			for k, v := range companions[name] {
				env[k] = v
			}
			c, err := loadEnv(env, map[string]string{"/run/secrets/x": values[name] + "\r\n"})
			if err != nil {
				t.Fatalf("Load:\n%v", err)
			}
			if got := get(c, name).Value(); got != values[name] {
				t.Errorf("%s from file = %q, want %q with the newline trimmed", name, got, values[name])
			}

			env[name] = values[name]
			_, err = loadEnv(env, map[string]string{"/run/secrets/x": values[name]})
			want := name + " and " + name + "_FILE are both set; set only one"
			if lines := problemLines(t, err); len(lines) != 1 || lines[0] != want {
				t.Errorf("both set: problems %q, want [%q]", lines, want)
			}

			delete(env, name)
			_, err = config.Load(config.LoadOptions{Getenv: envOf(env), ReadFile: func(string) ([]byte, error) {
				return nil, &fs.PathError{Op: "open", Path: "/run/secrets/x", Err: fs.ErrPermission}
			}})
			want = name + `_FILE: cannot read "/run/secrets/x": permission denied`
			if lines := problemLines(t, err); len(lines) != 1 || lines[0] != want {
				t.Errorf("unreadable: problems %q, want [%q]", lines, want)
			}
		})
	}
}

func TestRequireZendesk(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"nothing", nil, []string{
			"ZENDESK_URL: is required: the account base URL, such as https://acme.zendesk.com",
			"Zendesk credentials are required: set ZENDESK_OAUTH_CLIENT_ID and ZENDESK_OAUTH_CLIENT_SECRET (preferred), or ZENDESK_OAUTH_TOKEN, or ZENDESK_EMAIL and ZENDESK_API_TOKEN",
		}},
		{"url only", map[string]string{"ZENDESK_URL": "https://acme.zendesk.com"}, []string{
			"Zendesk credentials are required: set ZENDESK_OAUTH_CLIENT_ID and ZENDESK_OAUTH_CLIENT_SECRET (preferred), or ZENDESK_OAUTH_TOKEN, or ZENDESK_EMAIL and ZENDESK_API_TOKEN",
		}},
		{"credentials only", map[string]string{"ZENDESK_OAUTH_TOKEN": "t"}, []string{
			"ZENDESK_URL: is required: the account base URL, such as https://acme.zendesk.com",
		}},
		{"complete", map[string]string{"ZENDESK_URL": "https://acme.zendesk.com", "ZENDESK_OAUTH_TOKEN": "t"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadEnv(tt.env, nil)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			err = c.RequireZendesk()
			if diff := cmp.Diff(tt.want, problemLines(t, err)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			var cerr *config.Error
			if tt.want != nil && !errors.As(err, &cerr) {
				t.Errorf("RequireZendesk error %T is not a *config.Error", err)
			}
		})
	}
}
