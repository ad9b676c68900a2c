// Package config loads seatwarden's configuration into one typed struct:
// defaults, then the YAML policy file, then the environment. Every problem is
// reported at once with the key path or variable at fault, and secrets are held
// in a type that never prints its value.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/seatwarden/seatwarden/internal/seal"
)

// Config is the whole configuration: the policy file plus the environment.
type Config struct {
	Policy Policy

	Addr      string // SEATWARDEN_ADDR
	DataDir   string // SEATWARDEN_DATA_DIR
	LogLevel  string // SEATWARDEN_LOG_LEVEL: debug, info, warn or error
	LogFormat string // SEATWARDEN_LOG_FORMAT: json or text
	// DebugAddr serves Go's profiler (net/http/pprof) when set:
	// SEATWARDEN_DEBUG_ADDR, off by default.
	DebugAddr string

	Redis   Redis
	Slack   Slack
	Teams   Teams
	Zendesk Zendesk
	GitHub  GitHub
	// Identity is the company directory's source; none when empty.
	Identity Identity
	// PublicURL is the bot's public base URL, for links people open
	// (step-up): SEATWARDEN_PUBLIC_URL, no trailing "/".
	PublicURL string
	OIDC      OIDC
	// AuditSink is where every audit entry is also streamed; off when
	// its URL is empty.
	AuditSink AuditSink

	// EncryptionKey seals stored secrets: "base64" or "id:base64" of 32
	// bytes when set (SEATWARDEN_ENCRYPTION_KEY). New values are sealed
	// under it.
	EncryptionKey Secret
	// EncryptionKeys are older keys, still accepted for reading while
	// records are re-sealed under EncryptionKey: one per line or comma
	// separated, each "base64" or "id:base64"; blank lines and lines
	// starting with # are skipped (SEATWARDEN_ENCRYPTION_KEYS). Load
	// accepts it only with EncryptionKey.
	EncryptionKeys Secret

	// PolicyPath is the policy file loaded, "" when none was given.
	PolicyPath string

	// Warnings are problems that do not stop startup but should be logged.
	Warnings []Problem

	origin *origin
}

// origin remembers where each setting came from, for Describe.
type origin struct {
	flagPath  bool              // the policy path came from --config
	fileLines map[string]int    // policy key path → line in the file
	envVars   map[string]string // variable → the variable actually read (NAME or NAME_FILE)
}

// Redis selects Redis as the store when URL is set.
type Redis struct {
	URL           Secret // REDIS_URL; it may carry a password
	MasterName    string // REDIS_MASTER_NAME, with SentinelAddrs
	SentinelAddrs []string
	ClusterAddrs  []string
	// WaitReplicas: REDIS_WAIT_REPLICAS, how many replicas must have a
	// write before it counts (0: none), so a failover loses nothing
	// acknowledged.
	WaitReplicas int
}

// Enabled reports whether Redis, rather than the embedded store, holds state.
func (r Redis) Enabled() bool { return r.URL.IsSet() }

// Slack is on when BotToken is set.
type Slack struct {
	BotToken      Secret // xoxb-…
	SigningSecret Secret
	AppToken      Secret // xapp-…; Socket Mode when set
	APIURL        string // Web API base, ending in "/"
}

// Enabled reports whether the Slack transport runs.
func (s Slack) Enabled() bool { return s.BotToken.IsSet() }

// SocketMode reports whether Slack connects out over Socket Mode instead of
// receiving HTTP requests.
func (s Slack) SocketMode() bool { return s.AppToken.IsSet() }

// Teams is on when AppID is set.
type Teams struct {
	AppID             string
	AppPassword       Secret
	TenantID          string
	OpenIDMetadataURL string
	TokenURL          string
	// SignInKeysURL publishes the keys that sign the tokens Teams gives
	// the personal tab; empty is Entra ID's for TenantID.
	SignInKeysURL string
	// ServiceURLs are the serviceUrl prefixes the bot may send its token to;
	// each ends in "/" so a prefix cannot match a look-alike host.
	ServiceURLs []string
}

// Enabled reports whether the Teams transport runs.
func (t Teams) Enabled() bool { return t.AppID != "" }

// TabOff says why the personal tab is not served with c, or "" when it
// is: it needs Teams, a single-tenant bot (its people sign in to the tab
// through that directory) and the public URL (the app id URI names its
// host).
func (c *Config) TabOff() string {
	switch {
	case !c.Teams.Enabled():
		return "Teams is off"
	case c.Teams.TenantID == "":
		return "TEAMS_TENANT_ID is not set"
	case c.PublicURL == "":
		return "SEATWARDEN_PUBLIC_URL is not set"
	}
	return ""
}

// Zendesk holds the account URL and one of three ways to authenticate.
type Zendesk struct {
	URL               string // account base URL without a trailing "/"
	Email             string // with APIToken
	APIToken          Secret
	OAuthClientID     string // with OAuthClientSecret
	OAuthClientSecret Secret
	OAuthToken        Secret
}

// GitHub is the GitHub organisation to govern beside Zendesk; off unless
// Org is set. It authenticates as a GitHub App (AppID, InstallationID and
// the app's private key) or with a token; only an App may read and revoke
// fine-grained personal access tokens.
type GitHub struct {
	Org    string // GITHUB_ORG
	APIURL string // GITHUB_API_URL without a trailing "/": GitHub's, GitHub Enterprise Server's or an emulator's
	Token  Secret // GITHUB_TOKEN
	AppID  int64  // GITHUB_APP_ID
	// AppInstallationID is the app's installation on Org.
	AppInstallationID int64 // GITHUB_APP_INSTALLATION_ID
	// AppPrivateKey is the app's PEM key, from GITHUB_APP_PRIVATE_KEY_FILE.
	AppPrivateKey Secret
}

// Identity is the identity source seatwarden reads the company directory
// from: Okta, Microsoft Entra ID, Google Workspace or a SCIM 2.0 server,
// one at a time.
type Identity struct {
	OktaURL   string // OKTA_ORG_URL without a trailing "/"
	OktaToken Secret // OKTA_API_TOKEN
	// Microsoft Entra ID through Microsoft Graph, as an app registration
	// with the User.Read.All application permission.
	GraphTenantID     string // GRAPH_TENANT_ID
	GraphClientID     string // GRAPH_CLIENT_ID
	GraphClientSecret Secret // GRAPH_CLIENT_SECRET
	GraphAPIURL       string // GRAPH_API_URL, for emulators; "" is Microsoft's
	GraphTokenURL     string // GRAPH_TOKEN_URL, for emulators; "" is the tenant's
	// Any SCIM 2.0 service provider.
	SCIMURL   string // SCIM_URL without a trailing "/"
	SCIMToken Secret // SCIM_TOKEN
	// Google Workspace, through a service account with domain-wide
	// delegation acting as an administrator.
	GoogleCredentials Secret // GOOGLE_CREDENTIALS_FILE: the service account's JSON key
	GoogleAdmin       string // GOOGLE_ADMIN_EMAIL
	GoogleAPIURL      string // GOOGLE_API_URL, for emulators; "" is Google's
	GoogleTokenURL    string // GOOGLE_TOKEN_URL, for emulators; "" is the key's
}

// IdentitySourceVars names the variable that turns on each identity
// source, for messages that ask for one.
const IdentitySourceVars = "OKTA_ORG_URL, GRAPH_TENANT_ID, GOOGLE_ADMIN_EMAIL or SCIM_URL"

// identitySourceSet reports whether the environment names an identity
// source, before it is read.
func identitySourceSet(getenv func(string) string) bool {
	for _, v := range []string{"OKTA_ORG_URL", "GRAPH_TENANT_ID", "GOOGLE_ADMIN_EMAIL", "SCIM_URL"} {
		if strings.TrimSpace(getenv(v)) != "" {
			return true
		}
	}
	return false
}

// Source names the configured source ("okta", "graph", "google", "scim"), "" when
// none is.
func (i Identity) Source() string {
	switch {
	case i.OktaURL != "":
		return "okta"
	case i.GraphTenantID != "":
		return "graph"
	case i.GoogleAdmin != "":
		return "google"
	case i.SCIMURL != "":
		return "scim"
	}
	return ""
}

// Enabled reports whether GitHub is governed.
func (g GitHub) Enabled() bool { return g.Org != "" }

// App reports whether the bot authenticates as a GitHub App.
func (g GitHub) App() bool { return g.AppID != 0 }

// DefaultGitHubAPIURL is github.com's REST API.
const DefaultGitHubAPIURL = "https://api.github.com"

// Zendesk authentication methods, as ZendeskAuthMethod names them.
const (
	AuthOAuthClientCredentials = "oauth-client-credentials"
	AuthOAuthToken             = "oauth-token"
	AuthAPIToken               = "api-token"
)

// Defaults of the environment settings.
const (
	DefaultAddr              = ":8080"
	DefaultDataDir           = "./data"
	DefaultLogLevel          = "info"
	DefaultLogFormat         = "json"
	DefaultSlackAPIURL       = "https://slack.com/api/"
	DefaultOpenIDMetadataURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
)

// DefaultTeamsServiceURLs are the Bot Connector endpoints of Microsoft's public
// and US government clouds.
func DefaultTeamsServiceURLs() []string {
	return []string{
		"https://smba.trafficmanager.net/",
		"https://smba.infra.gcc.teams.microsoft.com/",
		"https://smba.infra.gov.teams.microsoft.us/",
		"https://smba.infra.dod.teams.microsoft.us/",
	}
}

// DefaultTeamsTokenURL is the Entra ID token endpoint for a single-tenant bot
// in tenantID ("botframework.com" for a legacy multi-tenant bot).
func DefaultTeamsTokenURL(tenantID string) string {
	return "https://login.microsoftonline.com/" + tenantID + "/oauth2/v2.0/token"
}

// OIDC is the company's OpenID Connect provider, where approvers sign in
// again for step-up.
type OIDC struct {
	Issuer       string // SEATWARDEN_OIDC_ISSUER
	ClientID     string // SEATWARDEN_OIDC_CLIENT_ID
	ClientSecret Secret // SEATWARDEN_OIDC_CLIENT_SECRET (or _FILE)
}

// Enabled reports whether a provider is configured.
func (o OIDC) Enabled() bool { return o.Issuer != "" }

// AuditSink is the SIEM's collector: a webhook, whose deliveries are
// signed with Secret, or Splunk's HTTP Event Collector (a URL whose path
// is /services/collector...), which takes Token.
type AuditSink struct {
	URL    string // SEATWARDEN_AUDIT_SINK
	Secret Secret // SEATWARDEN_AUDIT_SINK_SECRET (or _FILE), for a webhook
	Token  Secret // SEATWARDEN_AUDIT_SINK_TOKEN (or _FILE), for Splunk HEC
	HEC    bool   // the URL is Splunk's HTTP Event Collector
}

// Enabled reports whether the trail is streamed.
func (a AuditSink) Enabled() bool { return a.URL != "" }

// Default returns the configuration used with no file and no environment.
func Default() *Config {
	return &Config{
		Policy:    DefaultPolicy(),
		Addr:      DefaultAddr,
		DataDir:   DefaultDataDir,
		LogLevel:  DefaultLogLevel,
		LogFormat: DefaultLogFormat,
		Slack:     Slack{APIURL: DefaultSlackAPIURL},
		GitHub:    GitHub{APIURL: DefaultGitHubAPIURL},
		Teams: Teams{
			OpenIDMetadataURL: DefaultOpenIDMetadataURL,
			TokenURL:          DefaultTeamsTokenURL("botframework.com"),
			ServiceURLs:       DefaultTeamsServiceURLs(),
		},
	}
}

// LoadOptions says where Load reads from; the function fields let tests run
// without touching the process environment or the disk.
type LoadOptions struct {
	// Path is the policy file from --config; when empty SEATWARDEN_CONFIG is
	// used, and when that is empty too every policy key has its default.
	Path string
	// Getenv reads a variable; nil means os.Getenv.
	Getenv func(string) string
	// ReadFile reads the policy file and *_FILE secrets; nil means os.ReadFile.
	ReadFile func(string) ([]byte, error)
}

// Load builds the configuration: defaults, then the policy file, then the
// environment. It returns an *Error listing every problem found.
func Load(o LoadOptions) (*Config, error) {
	getenv, readFile := o.Getenv, o.ReadFile
	if getenv == nil {
		getenv = os.Getenv
	}
	if readFile == nil {
		readFile = os.ReadFile
	}
	c := Default()
	c.origin = &origin{fileLines: map[string]int{}}

	var problems []Problem
	path, pathVar := strings.TrimSpace(o.Path), "--config"
	c.origin.flagPath = path != ""
	if path == "" {
		path, pathVar = strings.TrimSpace(getenv("SEATWARDEN_CONFIG")), "SEATWARDEN_CONFIG"
	}
	if path != "" {
		data, err := readFile(path)
		if err != nil {
			problems = append(problems, Problem{Path: pathVar, Message: fmt.Sprintf("cannot read the policy file %q: %s", path, readErrorText(err))})
		} else {
			c.PolicyPath = path
			d := newPolicyDecoder(path)
			d.directory = identitySourceSet(getenv)
			d.decodeFile(data, &c.Policy)
			d.validatePolicy(&c.Policy)
			problems = append(problems, d.sortedProblems()...)
			c.origin.fileLines = d.lines
		}
	}

	e := &envLoader{getenv: getenv, readFile: readFile, used: map[string]string{}, broken: map[string]bool{}}
	e.load(c)
	c.origin.envVars = e.used
	problems = append(problems, e.problems...)
	if len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	c.Warnings = e.warnings
	return c, nil
}

// readErrorText describes a read failure without repeating the path (the
// caller names it) and never with file contents.
func readErrorText(err error) string {
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		return pe.Err.Error()
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	return err.Error()
}

// ZendeskAuthMethod returns the configured Zendesk authentication method
// (AuthOAuthClientCredentials, AuthOAuthToken or AuthAPIToken), or "" when
// none is complete. Load refuses more than one, so at most one applies.
func (c *Config) ZendeskAuthMethod() string {
	z := c.Zendesk
	switch {
	case z.OAuthClientID != "" && z.OAuthClientSecret.IsSet():
		return AuthOAuthClientCredentials
	case z.OAuthToken.IsSet():
		return AuthOAuthToken
	case z.Email != "" && z.APIToken.IsSet():
		return AuthAPIToken
	}
	return ""
}

// RequireZendesk reports what is missing for talking to Zendesk: the account
// URL and one authentication method. Load does not require them because the
// demo runs against an emulator; serve, run-job and doctor call this.
func (c *Config) RequireZendesk() error {
	var problems []Problem
	if c.Zendesk.URL == "" {
		problems = append(problems, Problem{Path: "ZENDESK_URL", Message: "is required: the account base URL, such as https://acme.zendesk.com"})
	}
	if c.ZendeskAuthMethod() == "" {
		problems = append(problems, Problem{Message: "Zendesk credentials are required: set ZENDESK_OAUTH_CLIENT_ID and ZENDESK_OAUTH_CLIENT_SECRET (preferred), or ZENDESK_OAUTH_TOKEN, or ZENDESK_EMAIL and ZENDESK_API_TOKEN"})
	}
	if len(problems) > 0 {
		return &Error{Problems: problems}
	}
	return nil
}

// Keyring returns the encryption keys as a ring that seals under
// EncryptionKey and opens values sealed under it or any of EncryptionKeys;
// nil, nil when no key is set. Load has checked the keys, so an error is
// possible only for a Config built by hand.
func (c *Config) Keyring() (*seal.Keyring, error) {
	if !c.EncryptionKey.IsSet() {
		if c.EncryptionKeys.IsSet() {
			return nil, errors.New(errKeysWithoutKey)
		}
		return nil, nil
	}
	current, err := seal.ParseKey(c.EncryptionKey.Value())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envKey, err)
	}
	older, err := seal.ParseKeys(c.EncryptionKeys.Value())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envKeys, err)
	}
	ring, err := seal.NewKeyring(current, older...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envKeys, err)
	}
	return ring, nil
}

// SlogLevel returns LogLevel as a slog.Level.
func (c *Config) SlogLevel() slog.Level {
	switch c.LogLevel {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
