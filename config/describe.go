package config

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Source says which layer gave a setting its value.
type Source string

// Sources, lowest precedence first.
const (
	SourceDefault Source = "default"
	SourceFile    Source = "file"
	SourceEnv     Source = "env"
	SourceFlag    Source = "flag"
)

// Setting is one effective setting, for doctor.
type Setting struct {
	// Name is the environment variable or the policy key path.
	Name string
	// Value is the effective value; a secret shows only "set (redacted)" or
	// "unset".
	Value  string
	Source Source
	// From is where the value was read: "policy.yaml:12", "REDIS_URL_FILE";
	// empty for defaults.
	From string
}

// Describe lists every effective setting with its source: the environment
// first, then the policy file's keys.
func (c *Config) Describe() []Setting {
	o := c.origin
	if o == nil {
		o = &origin{}
	}
	var out []Setting

	policyFile := Setting{Name: "SEATWARDEN_CONFIG", Value: "none", Source: SourceDefault}
	if c.PolicyPath != "" {
		policyFile.Value = c.PolicyPath
		policyFile.Source, policyFile.From = SourceEnv, "SEATWARDEN_CONFIG"
		if o.flagPath {
			policyFile.Source, policyFile.From = SourceFlag, "--config"
		}
	}
	out = append(out, policyFile)

	env := func(name, value string) {
		s := Setting{Name: name, Value: value, Source: SourceDefault}
		if from, ok := o.envVars[name]; ok {
			s.Source, s.From = SourceEnv, from
		}
		if s.Value == "" {
			s.Value = "unset"
		}
		out = append(out, s)
	}
	list := func(items []string) string { return strings.Join(items, ", ") }
	env("SEATWARDEN_ADDR", c.Addr)
	env("SEATWARDEN_DEBUG_ADDR", c.DebugAddr)
	env("SEATWARDEN_DATA_DIR", c.DataDir)
	env("SEATWARDEN_LOG_LEVEL", c.LogLevel)
	env("SEATWARDEN_LOG_FORMAT", c.LogFormat)
	env("REDIS_URL", secretText(c.Redis.URL))
	env("REDIS_MASTER_NAME", c.Redis.MasterName)
	env("REDIS_SENTINEL_ADDRS", list(c.Redis.SentinelAddrs))
	env("REDIS_CLUSTER_ADDRS", list(c.Redis.ClusterAddrs))
	env("REDIS_WAIT_REPLICAS", strconv.Itoa(c.Redis.WaitReplicas))
	env("SLACK_BOT_TOKEN", secretText(c.Slack.BotToken))
	env("SLACK_SIGNING_SECRET", secretText(c.Slack.SigningSecret))
	env("SLACK_APP_TOKEN", secretText(c.Slack.AppToken))
	env("SLACK_API_URL", c.Slack.APIURL)
	env("TEAMS_APP_ID", c.Teams.AppID)
	env("TEAMS_APP_PASSWORD", secretText(c.Teams.AppPassword))
	env("TEAMS_TENANT_ID", c.Teams.TenantID)
	env("TEAMS_OPENID_METADATA_URL", c.Teams.OpenIDMetadataURL)
	env("TEAMS_TOKEN_URL", c.Teams.TokenURL)
	env("TEAMS_SIGNIN_KEYS_URL", c.Teams.SignInKeysURL)
	env("TEAMS_SERVICE_URLS", list(c.Teams.ServiceURLs))
	env("ZENDESK_URL", c.Zendesk.URL)
	env("ZENDESK_EMAIL", c.Zendesk.Email)
	env("ZENDESK_API_TOKEN", secretText(c.Zendesk.APIToken))
	env("ZENDESK_OAUTH_CLIENT_ID", c.Zendesk.OAuthClientID)
	env("ZENDESK_OAUTH_CLIENT_SECRET", secretText(c.Zendesk.OAuthClientSecret))
	env("ZENDESK_OAUTH_TOKEN", secretText(c.Zendesk.OAuthToken))
	env("OKTA_ORG_URL", c.Identity.OktaURL)
	env("OKTA_API_TOKEN", secretText(c.Identity.OktaToken))
	env("GRAPH_TENANT_ID", c.Identity.GraphTenantID)
	env("GRAPH_CLIENT_ID", c.Identity.GraphClientID)
	env("GRAPH_CLIENT_SECRET", secretText(c.Identity.GraphClientSecret))
	env("GRAPH_API_URL", c.Identity.GraphAPIURL)
	env("GRAPH_TOKEN_URL", c.Identity.GraphTokenURL)
	env("SCIM_URL", c.Identity.SCIMURL)
	env("SCIM_TOKEN", secretText(c.Identity.SCIMToken))
	env("SEATWARDEN_AUDIT_SINK", c.AuditSink.URL)
	env("SEATWARDEN_AUDIT_SINK_SECRET", secretText(c.AuditSink.Secret))
	env("SEATWARDEN_AUDIT_SINK_TOKEN", secretText(c.AuditSink.Token))
	env("GOOGLE_CREDENTIALS", secretText(c.Identity.GoogleCredentials))
	env("GOOGLE_ADMIN_EMAIL", c.Identity.GoogleAdmin)
	env("GOOGLE_API_URL", c.Identity.GoogleAPIURL)
	env("GOOGLE_TOKEN_URL", c.Identity.GoogleTokenURL)
	env("GITHUB_ORG", c.GitHub.Org)
	env("GITHUB_API_URL", c.GitHub.APIURL)
	env("GITHUB_TOKEN", secretText(c.GitHub.Token))
	if c.GitHub.AppID != 0 {
		env("GITHUB_APP_ID", strconv.FormatInt(c.GitHub.AppID, 10))
		env("GITHUB_APP_INSTALLATION_ID", strconv.FormatInt(c.GitHub.AppInstallationID, 10))
	}
	env("GITHUB_APP_PRIVATE_KEY", secretText(c.GitHub.AppPrivateKey))
	env("SEATWARDEN_PUBLIC_URL", c.PublicURL)
	env("SEATWARDEN_OIDC_ISSUER", c.OIDC.Issuer)
	env("SEATWARDEN_OIDC_CLIENT_ID", c.OIDC.ClientID)
	env("SEATWARDEN_OIDC_CLIENT_SECRET", secretText(c.OIDC.ClientSecret))
	env("SEATWARDEN_ENCRYPTION_KEY", secretText(c.EncryptionKey))
	env("SEATWARDEN_ENCRYPTION_KEYS", secretText(c.EncryptionKeys))

	describeValue(reflect.ValueOf(c.Policy), "", func(path, value string) {
		s := Setting{Name: path, Value: value, Source: SourceDefault}
		if line, ok := o.fileLines[path]; ok {
			s.Source, s.From = SourceFile, fmt.Sprintf("%s:%d", c.PolicyPath, line)
		}
		out = append(out, s)
	})
	return out
}

func secretText(s Secret) string {
	if s.IsSet() {
		return "set (redacted)"
	}
	return ""
}

var stringerType = reflect.TypeFor[fmt.Stringer]()

// describeValue reports each leaf of a policy value: struct fields by yaml
// key, map entries one by one, lists as one comma-separated value.
func describeValue(v reflect.Value, path string, add func(path, value string)) {
	switch {
	case v.Type().Implements(stringerType):
		add(path, v.Interface().(fmt.Stringer).String())
	case v.Kind() == reflect.Struct:
		names, index := yamlFields(v.Type())
		for _, name := range names {
			describeValue(v.Field(index[name]), joinKey(path, name), add)
		}
	case v.Kind() == reflect.Map:
		if v.Len() == 0 {
			add(path, "none")
			return
		}
		keys := make([]string, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			keys = append(keys, it.Key().String())
		}
		slices.Sort(keys)
		for _, k := range keys {
			describeValue(v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key())), joinKey(path, k), add)
		}
	case v.Kind() == reflect.Slice:
		if v.Len() == 0 {
			add(path, "none")
			return
		}
		items := make([]string, v.Len())
		for i := range v.Len() {
			describeValue(v.Index(i), "", func(_, value string) { items[i] = value })
		}
		add(path, strings.Join(items, "; "))
	case v.Kind() == reflect.Float32 || v.Kind() == reflect.Float64:
		add(path, formatPrice(v.Float()))
	default:
		add(path, fmt.Sprint(v.Interface()))
	}
}
