package config

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/seatwarden/seatwarden/people"
)

// envLoader reads and checks the environment. Messages name the variable and
// never include a secret's value, not even a part of it.
type envLoader struct {
	getenv   func(string) string
	readFile func(string) ([]byte, error)
	problems []Problem
	warnings []Problem
	// used maps each variable that supplied a value to the name it was read
	// from: itself, or NAME_FILE for a secret read from a file.
	used map[string]string
	// broken holds secrets that were given but could not be read; they count
	// as given so that one mistake is not also reported as a missing pair.
	broken map[string]bool
}

// given reports whether the operator set name (or NAME_FILE), readable or not.
func (e *envLoader) given(name string) bool {
	_, ok := e.used[name]
	return ok || e.broken[name]
}

func (e *envLoader) fail(path, format string, args ...any) {
	e.problems = append(e.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (e *envLoader) warn(path, format string, args ...any) {
	e.warnings = append(e.warnings, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// str returns a plain variable, trimmed; "" means unset.
func (e *envLoader) str(name string) string {
	v := strings.TrimSpace(e.getenv(name))
	if v != "" {
		e.used[name] = name
	}
	return v
}

// list returns a comma-separated variable's items, trimmed, empties dropped.
func (e *envLoader) list(name string) []string {
	var items []string
	for item := range strings.SplitSeq(e.str(name), ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// secret reads NAME, or the file named by NAME_FILE (the way container
// platforms mount secrets), with the trailing newline trimmed.
func (e *envLoader) secret(name string) Secret {
	fileVar := name + "_FILE"
	v := e.getenv(name)
	path := strings.TrimSpace(e.getenv(fileVar))
	switch {
	case v != "" && path != "":
		e.fail("", "%s and %s are both set; set only one", name, fileVar)
		e.broken[name] = true
	case path != "":
		data, err := e.readFile(path)
		if err != nil {
			e.fail(fileVar, "cannot read %q: %s", path, readErrorText(err))
			e.broken[name] = true
			return Secret{}
		}
		s := strings.TrimRight(string(data), "\r\n")
		if s == "" {
			e.fail(fileVar, "the file %q is empty", path)
			e.broken[name] = true
			return Secret{}
		}
		e.used[name] = fileVar
		return NewSecret(s)
	case v != "":
		e.used[name] = name
		return NewSecret(v)
	}
	return Secret{}
}

// label names the variable a value was read from, for messages about it.
func (e *envLoader) label(name string) string {
	if l, ok := e.used[name]; ok {
		return l
	}
	return name
}

func (e *envLoader) load(c *Config) {
	if v := e.str("SEATWARDEN_ADDR"); v != "" {
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			e.fail("SEATWARDEN_ADDR", `must be host:port or :port, such as ":8080", got %q`, v)
		} else {
			c.Addr = v
		}
	}
	if v := e.str("SEATWARDEN_DEBUG_ADDR"); v != "" {
		if host, port, err := net.SplitHostPort(v); err != nil || port == "" {
			e.fail("SEATWARDEN_DEBUG_ADDR", `must be host:port, such as "127.0.0.1:6060", got %q`, v)
		} else if host == "" {
			// The profiler shows memory and stacks: it never listens on
			// every interface by default.
			e.fail("SEATWARDEN_DEBUG_ADDR", `must name the host to listen on, such as "127.0.0.1:6060", got %q`, v)
		} else {
			c.DebugAddr = v
		}
	}
	if v := e.str("SEATWARDEN_DATA_DIR"); v != "" {
		c.DataDir = v
	}
	if v := e.str("SEATWARDEN_LOG_LEVEL"); v != "" {
		c.LogLevel = e.oneOf("SEATWARDEN_LOG_LEVEL", v, c.LogLevel, "debug", "info", "warn", "error")
	}
	if v := e.str("SEATWARDEN_LOG_FORMAT"); v != "" {
		c.LogFormat = e.oneOf("SEATWARDEN_LOG_FORMAT", v, c.LogFormat, "json", "text")
	}
	e.loadRedis(&c.Redis)
	e.loadSlack(&c.Slack)
	e.loadTeams(&c.Teams)
	e.loadZendesk(&c.Zendesk)
	e.loadGitHub(&c.GitHub)
	e.loadIdentity(&c.Identity)
	e.loadEncryption(c)
	e.loadStepUp(c)
	e.loadAuditSink(&c.AuditSink)
}

// minSinkSecret is the shortest webhook secret taken: HMAC keys shorter
// than the hash's block are guessable offline from one signed delivery.
const minSinkSecret = 32

// loadAuditSink reads the SIEM's collector and the credential its kind
// needs.
func (e *envLoader) loadAuditSink(a *AuditSink) {
	if v := e.str("SEATWARDEN_AUDIT_SINK"); v != "" {
		if u, ok := e.endpoint("SEATWARDEN_AUDIT_SINK", v, "https://siem.example.com/hooks/seatwarden or https://splunk.example.com:8088/services/collector/event"); ok {
			a.URL = u
			a.HEC = isHEC(u)
		}
	}
	a.Secret = e.secret("SEATWARDEN_AUDIT_SINK_SECRET")
	a.Token = e.secret("SEATWARDEN_AUDIT_SINK_TOKEN")
	switch {
	case a.URL == "" && !e.given("SEATWARDEN_AUDIT_SINK") && (e.given("SEATWARDEN_AUDIT_SINK_SECRET") || e.given("SEATWARDEN_AUDIT_SINK_TOKEN")):
		e.fail("SEATWARDEN_AUDIT_SINK", "must be set with its secret or token: the collector's URL, such as https://siem.example.com/hooks/seatwarden")
	case a.URL == "":
	case a.HEC && e.given("SEATWARDEN_AUDIT_SINK_SECRET"):
		e.fail("SEATWARDEN_AUDIT_SINK_SECRET", "signs webhook deliveries, but SEATWARDEN_AUDIT_SINK is a Splunk HTTP Event Collector: set SEATWARDEN_AUDIT_SINK_TOKEN instead")
	case a.HEC && !e.given("SEATWARDEN_AUDIT_SINK_TOKEN"):
		e.fail("SEATWARDEN_AUDIT_SINK_TOKEN", "must be set: SEATWARDEN_AUDIT_SINK is a Splunk HTTP Event Collector, which takes the HEC token (Settings → Data inputs → HTTP Event Collector), or SEATWARDEN_AUDIT_SINK_TOKEN_FILE")
	case !a.HEC && e.given("SEATWARDEN_AUDIT_SINK_TOKEN"):
		e.fail("SEATWARDEN_AUDIT_SINK_TOKEN", "is for a Splunk HTTP Event Collector (a URL ending /services/collector/event); a webhook's deliveries are signed with SEATWARDEN_AUDIT_SINK_SECRET")
	case !a.HEC && !e.given("SEATWARDEN_AUDIT_SINK_SECRET"):
		e.fail("SEATWARDEN_AUDIT_SINK_SECRET", "must be set: the webhook's deliveries are signed with it, so the receiver can trust them; generate one with: openssl rand -hex 32")
	case !a.HEC && a.Secret.IsSet() && len(a.Secret.Value()) < minSinkSecret:
		e.fail(e.label("SEATWARDEN_AUDIT_SINK_SECRET"), "is %d characters; use at least %d, such as the output of: openssl rand -hex 32", len(a.Secret.Value()), minSinkSecret)
	}
}

// isHEC reports whether a URL is a Splunk HTTP Event Collector endpoint
// (its path is /services/collector or below).
func isHEC(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && strings.HasPrefix(strings.TrimRight(u.Path, "/")+"/", "/services/collector/")
}

// loadStepUp reads the public URL and the OIDC provider, and refuses a
// policy that asks for step-up without them.
func (e *envLoader) loadStepUp(c *Config) {
	if v := e.str("SEATWARDEN_PUBLIC_URL"); v != "" {
		if u, ok := e.endpoint("SEATWARDEN_PUBLIC_URL", v, "https://seatwarden.example.com"); ok {
			c.PublicURL = strings.TrimRight(u, "/")
		}
	}
	o := &c.OIDC
	if v := e.str("SEATWARDEN_OIDC_ISSUER"); v != "" {
		if u, ok := e.endpoint("SEATWARDEN_OIDC_ISSUER", v, "https://login.example.com"); ok {
			// The issuer is compared exactly with the tokens' iss, which
			// providers write without a trailing "/" (most) or with one
			// (some): keep what the operator wrote.
			o.Issuer = u
		}
	}
	o.ClientID = e.str("SEATWARDEN_OIDC_CLIENT_ID")
	o.ClientSecret = e.secret("SEATWARDEN_OIDC_CLIENT_SECRET")
	set := e.given("SEATWARDEN_OIDC_ISSUER") || e.given("SEATWARDEN_OIDC_CLIENT_ID") || e.given("SEATWARDEN_OIDC_CLIENT_SECRET")
	switch {
	case set && (o.Issuer == "" || o.ClientID == "" || !o.ClientSecret.IsSet()):
		e.fail("", "an OIDC provider needs SEATWARDEN_OIDC_ISSUER, SEATWARDEN_OIDC_CLIENT_ID and SEATWARDEN_OIDC_CLIENT_SECRET together")
	case set && c.PublicURL == "":
		e.fail("SEATWARDEN_PUBLIC_URL", "must be set with the OIDC provider: the provider sends approvers back to SEATWARDEN_PUBLIC_URL/stepup/callback, such as https://seatwarden.example.com")
	}
	if len(c.Policy.StepUp.For) > 0 && !set {
		e.fail("SEATWARDEN_OIDC_ISSUER", "the policy asks for step-up (step_up.for: %s), which needs the company's OpenID Connect provider: set SEATWARDEN_OIDC_ISSUER, SEATWARDEN_OIDC_CLIENT_ID, SEATWARDEN_OIDC_CLIENT_SECRET and SEATWARDEN_PUBLIC_URL, registering SEATWARDEN_PUBLIC_URL/stepup/callback as a redirect URI, or remove step_up.for",
			strings.Join(c.Policy.StepUp.For, ", "))
	}
}

// oneOf returns v lower-cased when allowed, else records a problem and
// returns def.
func (e *envLoader) oneOf(name, v, def string, allowed ...string) string {
	if lv := strings.ToLower(v); slices.Contains(allowed, lv) {
		return lv
	}
	e.fail(name, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
	return def
}

func (e *envLoader) loadRedis(r *Redis) {
	u := e.secret("REDIS_URL")
	r.MasterName = e.str("REDIS_MASTER_NAME")
	r.SentinelAddrs = e.addrs("REDIS_SENTINEL_ADDRS")
	r.ClusterAddrs = e.addrs("REDIS_CLUSTER_ADDRS")
	if u.IsSet() {
		lower := strings.ToLower(u.Value())
		if !strings.HasPrefix(lower, "redis://") && !strings.HasPrefix(lower, "rediss://") {
			e.fail(e.label("REDIS_URL"), "must start with redis:// or rediss://")
		} else if _, err := url.Parse(u.Value()); err != nil {
			// url's error quotes the URL, password included; say why instead.
			e.fail(e.label("REDIS_URL"), "is not a valid URL (percent-encode special characters in the password)")
		} else {
			r.URL = u
		}
	}
	if len(r.SentinelAddrs) > 0 && len(r.ClusterAddrs) > 0 {
		e.fail("", "REDIS_SENTINEL_ADDRS and REDIS_CLUSTER_ADDRS are both set; Redis is either Sentinel-managed or a Cluster, keep one")
	}
	if len(r.SentinelAddrs) > 0 && r.MasterName == "" {
		e.fail("", "REDIS_SENTINEL_ADDRS is set but REDIS_MASTER_NAME is not")
	}
	if r.MasterName != "" && len(r.SentinelAddrs) == 0 {
		e.warn("REDIS_MASTER_NAME", "is ignored without REDIS_SENTINEL_ADDRS")
	}
	if v := e.str("REDIS_WAIT_REPLICAS"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil || n < 0 || n > 10:
			e.fail("REDIS_WAIT_REPLICAS", "must be a number of replicas from 0 to 10, got %q, e.g. REDIS_WAIT_REPLICAS=1", v)
		case n > 0 && len(r.ClusterAddrs) > 0:
			e.fail("REDIS_WAIT_REPLICAS", "works with one server or Sentinel, not with REDIS_CLUSTER_ADDRS")
		default:
			r.WaitReplicas = n
		}
	}
	if !e.given("REDIS_URL") {
		// Without REDIS_URL the embedded store is used, so these would be
		// silently ignored.
		for _, name := range []string{"REDIS_SENTINEL_ADDRS", "REDIS_CLUSTER_ADDRS", "REDIS_WAIT_REPLICAS"} {
			if _, ok := e.used[name]; ok {
				e.fail("", "%s is set but REDIS_URL is not (REDIS_URL selects Redis as the store and carries the password and TLS choice)", name)
			}
		}
	}
}

func (e *envLoader) addrs(name string) []string {
	items := e.list(name)
	for _, a := range items {
		if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
			e.fail(name, "%q is not host:port", a)
		}
	}
	return items
}

func (e *envLoader) loadSlack(s *Slack) {
	bot := e.secret("SLACK_BOT_TOKEN")
	signing := e.secret("SLACK_SIGNING_SECRET")
	app := e.secret("SLACK_APP_TOKEN")
	if bot.IsSet() && !strings.HasPrefix(bot.Value(), "xoxb-") {
		e.fail(e.label("SLACK_BOT_TOKEN"), "must start with xoxb- (a bot token)%s", slackTokenHint(bot.Value()))
	}
	if app.IsSet() && !strings.HasPrefix(app.Value(), "xapp-") {
		e.fail(e.label("SLACK_APP_TOKEN"), "must start with xapp- (an app-level token)%s", slackTokenHint(app.Value()))
	}
	hasBot, hasSigning, hasApp := e.given("SLACK_BOT_TOKEN"), e.given("SLACK_SIGNING_SECRET"), e.given("SLACK_APP_TOKEN")
	switch {
	case hasBot && !hasSigning && !hasApp:
		e.fail("", "SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not (it verifies inbound requests; or set SLACK_APP_TOKEN for Socket Mode)")
	case !hasBot && hasSigning:
		e.fail("", "SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not")
	case !hasBot && hasApp:
		e.fail("", "SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not")
	}
	s.BotToken, s.SigningSecret, s.AppToken = bot, signing, app
	if v := e.str("SLACK_API_URL"); v != "" {
		if u, ok := e.endpoint("SLACK_API_URL", v, DefaultSlackAPIURL); ok {
			// slack-go appends method names to the base, so it must end in "/".
			s.APIURL = withSlash(u)
		}
	}
}

// slackTokenHint names the kind of token given, from Slack's public prefixes
// alone, when it is a known kind in the wrong place.
func slackTokenHint(token string) string {
	switch {
	case strings.HasPrefix(token, "xoxp-"):
		return "; this is a user token (xoxp-), use the bot token"
	case strings.HasPrefix(token, "xapp-"):
		return "; this is an app-level token (xapp-), which belongs in SLACK_APP_TOKEN"
	case strings.HasPrefix(token, "xoxb-"):
		return "; this is a bot token (xoxb-), which belongs in SLACK_BOT_TOKEN"
	}
	return ""
}

var tenantPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]*$`)

func (e *envLoader) loadTeams(t *Teams) {
	id := e.str("TEAMS_APP_ID")
	password := e.secret("TEAMS_APP_PASSWORD")
	tenant := e.str("TEAMS_TENANT_ID")
	if id != "" {
		if !e.given("TEAMS_APP_PASSWORD") {
			e.fail("", "TEAMS_APP_ID is set but TEAMS_APP_PASSWORD is not")
		}
		if tenant == "" {
			e.fail("", "TEAMS_APP_ID is set but TEAMS_TENANT_ID is not")
		}
	} else {
		if e.given("TEAMS_APP_PASSWORD") {
			e.fail("", "TEAMS_APP_PASSWORD is set but TEAMS_APP_ID is not")
		}
		if tenant != "" {
			e.fail("", "TEAMS_TENANT_ID is set but TEAMS_APP_ID is not")
		}
	}
	t.AppID, t.AppPassword = id, password
	if tenant != "" {
		if !tenantPattern.MatchString(tenant) {
			e.fail("TEAMS_TENANT_ID", "must be a directory (tenant) ID such as 72f988bf-86f1-41af-91ab-2d7cd011db47, got %q", tenant)
		} else {
			t.TenantID = tenant
			t.TokenURL = DefaultTeamsTokenURL(tenant)
		}
	}
	if v := e.str("TEAMS_OPENID_METADATA_URL"); v != "" {
		if u, ok := e.endpoint("TEAMS_OPENID_METADATA_URL", v, DefaultOpenIDMetadataURL); ok {
			t.OpenIDMetadataURL = u
		}
	}
	if v := e.str("TEAMS_TOKEN_URL"); v != "" {
		if u, ok := e.endpoint("TEAMS_TOKEN_URL", v, DefaultTeamsTokenURL("<tenant>")); ok {
			t.TokenURL = u
		}
	}
	if v := e.str("TEAMS_SIGNIN_KEYS_URL"); v != "" {
		if u, ok := e.endpoint("TEAMS_SIGNIN_KEYS_URL", v, "https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys"); ok {
			t.SignInKeysURL = u
		}
	}
	if raw := e.getenv("TEAMS_SERVICE_URLS"); strings.TrimSpace(raw) != "" {
		items := e.list("TEAMS_SERVICE_URLS")
		if len(items) == 0 {
			e.fail("TEAMS_SERVICE_URLS", "must list at least one URL, such as https://smba.trafficmanager.net/")
		}
		var urls []string
		for i, item := range items {
			reason := endpointProblem(item)
			if reason != "" {
				e.fail("TEAMS_SERVICE_URLS", "item %d %s", i+1, reason+", such as https://smba.trafficmanager.net/")
				continue
			}
			// A trailing "/" keeps "https://smba.trafficmanager.net" from
			// also admitting https://smba.trafficmanager.net.evil.example.
			urls = append(urls, withSlash(item))
		}
		if len(urls) == len(items) && len(urls) > 0 {
			t.ServiceURLs = urls
		}
	}
}

func (e *envLoader) loadZendesk(z *Zendesk) {
	if v := e.str("ZENDESK_URL"); v != "" {
		reason := endpointProblem(v)
		switch {
		case reason == problemUserinfo:
			e.fail("ZENDESK_URL", "%s; credentials go in their own variables", problemUserinfo)
		case reason != "":
			e.fail("ZENDESK_URL", "must be an absolute https:// URL such as https://acme.zendesk.com")
		case isAPIPath(v):
			e.fail("ZENDESK_URL", "must be the account base URL such as https://acme.zendesk.com, without the /api/v2 path")
		default:
			z.URL = strings.TrimRight(v, "/")
		}
	}

	email := e.str("ZENDESK_EMAIL")
	token := e.secret("ZENDESK_API_TOKEN")
	clientID := e.str("ZENDESK_OAUTH_CLIENT_ID")
	clientSecret := e.secret("ZENDESK_OAUTH_CLIENT_SECRET")
	oauthToken := e.secret("ZENDESK_OAUTH_TOKEN")
	if email != "" {
		addr, err := parseEmail(email)
		if err != nil {
			e.fail("ZENDESK_EMAIL", "%s", err)
		} else {
			email = addr
		}
	}
	if (email != "") != e.given("ZENDESK_API_TOKEN") {
		e.fail("", "ZENDESK_EMAIL and ZENDESK_API_TOKEN must be set together")
	}
	if clientID != "" && !e.given("ZENDESK_OAUTH_CLIENT_SECRET") {
		e.fail("", "ZENDESK_OAUTH_CLIENT_ID is set but ZENDESK_OAUTH_CLIENT_SECRET is not")
	}
	if clientID == "" && e.given("ZENDESK_OAUTH_CLIENT_SECRET") {
		e.fail("", "ZENDESK_OAUTH_CLIENT_SECRET is set but ZENDESK_OAUTH_CLIENT_ID is not")
	}
	z.Email, z.APIToken = email, token
	z.OAuthClientID, z.OAuthClientSecret = clientID, clientSecret
	z.OAuthToken = oauthToken

	// In order of preference: Zendesk deactivates API tokens on 2027-04-30,
	// and client credentials renew themselves where a static token does not.
	type method struct {
		name string
		vars []string
	}
	var methods []method
	for _, m := range []method{
		{AuthOAuthClientCredentials, []string{"ZENDESK_OAUTH_CLIENT_ID", "ZENDESK_OAUTH_CLIENT_SECRET"}},
		{AuthOAuthToken, []string{"ZENDESK_OAUTH_TOKEN"}},
		{AuthAPIToken, []string{"ZENDESK_EMAIL", "ZENDESK_API_TOKEN"}},
	} {
		var set []string
		for _, v := range m.vars {
			if e.given(v) {
				set = append(set, e.label(v))
			}
		}
		if len(set) > 0 {
			methods = append(methods, method{m.name, set})
		}
	}
	if len(methods) > 1 {
		names := make([]string, len(methods))
		var unset []string
		for i, m := range methods {
			names[i] = m.name
			if i > 0 {
				unset = append(unset, m.vars...)
			}
		}
		e.fail("", "more than one Zendesk auth method is set (%s); keep %s, the preferred one, and unset %s",
			strings.Join(names, ", "), methods[0].name, strings.Join(unset, ", "))
	} else if len(methods) == 1 && methods[0].name == AuthAPIToken {
		e.warn(e.label("ZENDESK_API_TOKEN"), "Zendesk deactivates all API tokens on 2027-04-30; move to ZENDESK_OAUTH_CLIENT_ID and ZENDESK_OAUTH_CLIENT_SECRET")
	}
}

// githubOrgPattern is GitHub's rule for organisation names: letters,
// digits and single hyphens, not at either end, at most 39 characters.
var githubOrgPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9]){0,38}$`)

func (e *envLoader) loadGitHub(g *GitHub) {
	org := e.str("GITHUB_ORG")
	if org != "" && !githubOrgPattern.MatchString(org) {
		e.fail("GITHUB_ORG", "must be a GitHub organisation name such as acme (letters, digits and hyphens), got %q", org)
		org = ""
	}
	g.Org = org
	if v := e.str("GITHUB_API_URL"); v != "" {
		if u, ok := e.endpoint("GITHUB_API_URL", v, "https://github.example.com/api/v3"); ok {
			g.APIURL = strings.TrimRight(u, "/")
		}
	}
	g.Token = e.secret("GITHUB_TOKEN")
	g.AppPrivateKey = e.secret("GITHUB_APP_PRIVATE_KEY")
	g.AppID = e.positiveInt("GITHUB_APP_ID", "the App ID on the app's settings page, such as 123456")
	g.AppInstallationID = e.positiveInt("GITHUB_APP_INSTALLATION_ID", "the number at the end of the installation's settings URL, such as 45678901")

	app := []string{"GITHUB_APP_ID", "GITHUB_APP_INSTALLATION_ID", "GITHUB_APP_PRIVATE_KEY"}
	var appSet, appMissing []string
	for _, v := range app {
		if e.given(v) {
			appSet = append(appSet, e.label(v))
		} else if v == "GITHUB_APP_PRIVATE_KEY" {
			appMissing = append(appMissing, "GITHUB_APP_PRIVATE_KEY_FILE")
		} else {
			appMissing = append(appMissing, v)
		}
	}
	switch {
	case org == "" && (len(appSet) > 0 || e.given("GITHUB_TOKEN") || e.given("GITHUB_API_URL")) && !e.given("GITHUB_ORG"):
		e.fail("GITHUB_ORG", "must be set with the GitHub credentials: name the organisation to govern, such as acme")
	case len(appSet) > 0 && len(appMissing) > 0:
		e.fail("", "a GitHub App needs GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and GITHUB_APP_PRIVATE_KEY_FILE together; %s missing", strings.Join(appMissing, " and "))
	case len(appSet) > 0 && e.given("GITHUB_TOKEN"):
		e.fail("", "both a GitHub App and GITHUB_TOKEN are set; keep the App (it can read fine-grained tokens) and unset GITHUB_TOKEN")
	case org != "" && len(appSet) == 0 && !e.given("GITHUB_TOKEN"):
		e.fail("GITHUB_ORG", "is set but no GitHub credentials are: set GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and GITHUB_APP_PRIVATE_KEY_FILE (preferred), or GITHUB_TOKEN")
	case org != "" && e.given("GITHUB_TOKEN"):
		e.warn(e.label("GITHUB_TOKEN"), "a token cannot read fine-grained personal access tokens (GitHub allows only Apps); authenticate as a GitHub App to register them")
	}
}

func (e *envLoader) loadIdentity(id *Identity) {
	if v := e.str("OKTA_ORG_URL"); v != "" {
		if u, ok := e.endpoint("OKTA_ORG_URL", v, "https://acme.okta.com"); ok {
			id.OktaURL = strings.TrimRight(u, "/")
		}
	}
	id.OktaToken = e.secret("OKTA_API_TOKEN")
	switch {
	case e.given("OKTA_ORG_URL") && !e.given("OKTA_API_TOKEN"):
		e.fail("OKTA_API_TOKEN", "must be set with OKTA_ORG_URL: an API token of a read-only administrator (Security → API → Tokens), or OKTA_API_TOKEN_FILE")
	case e.given("OKTA_API_TOKEN") && !e.given("OKTA_ORG_URL"):
		e.fail("OKTA_ORG_URL", "must be set with OKTA_API_TOKEN: the org's URL, such as https://acme.okta.com")
	}

	if v := e.str("GRAPH_TENANT_ID"); v != "" {
		if !tenantPattern.MatchString(v) {
			e.fail("GRAPH_TENANT_ID", "must be a directory (tenant) ID such as 72f988bf-86f1-41af-91ab-2d7cd011db47, got %q", v)
		} else {
			id.GraphTenantID = v
		}
	}
	id.GraphClientID = e.str("GRAPH_CLIENT_ID")
	id.GraphClientSecret = e.secret("GRAPH_CLIENT_SECRET")
	for name, into := range map[string]*string{"GRAPH_API_URL": &id.GraphAPIURL, "GRAPH_TOKEN_URL": &id.GraphTokenURL} {
		if v := e.str(name); v != "" {
			if u, ok := e.endpoint(name, v, "https://graph.microsoft.com/v1.0"); ok {
				*into = strings.TrimRight(u, "/")
			}
		}
	}
	graph := []string{"GRAPH_TENANT_ID", "GRAPH_CLIENT_ID", "GRAPH_CLIENT_SECRET"}
	var set, missing []string
	for _, v := range graph {
		if e.given(v) || strings.TrimSpace(e.getenv(v)) != "" {
			set = append(set, v)
		} else {
			missing = append(missing, e.label(v))
		}
	}
	if len(set) > 0 && len(missing) > 0 {
		e.fail("", "Microsoft Graph as the identity source needs GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET together; %s missing", strings.Join(missing, " and "))
	}

	if v := e.str("SCIM_URL"); v != "" {
		if u, ok := e.endpoint("SCIM_URL", v, "https://hr.example.com/scim/v2"); ok {
			id.SCIMURL = strings.TrimRight(u, "/")
		}
	}
	id.SCIMToken = e.secret("SCIM_TOKEN")
	switch {
	case e.given("SCIM_URL") && !e.given("SCIM_TOKEN"):
		e.fail("SCIM_TOKEN", "must be set with SCIM_URL: the Bearer token the SCIM server gives seatwarden, or SCIM_TOKEN_FILE")
	case e.given("SCIM_TOKEN") && !e.given("SCIM_URL"):
		e.fail("SCIM_URL", "must be set with SCIM_TOKEN: the SCIM base URL, such as https://hr.example.com/scim/v2")
	}

	google := e.loadGoogle(id)

	var sources []string
	for name, vars := range map[string][]string{"Okta": {"OKTA_ORG_URL", "OKTA_API_TOKEN"}, "Microsoft Graph": graph, "Google Workspace": google, "SCIM": {"SCIM_URL", "SCIM_TOKEN"}} {
		if slices.ContainsFunc(vars, func(v string) bool { return e.given(v) || strings.TrimSpace(e.getenv(v)) != "" }) {
			sources = append(sources, name)
		}
	}
	if len(sources) > 1 {
		slices.Sort(sources)
		e.fail("", "%d identity sources are set (%s); seatwarden reads one directory: keep one", len(sources), strings.Join(sources, ", "))
	}
}

// loadGoogle reads Google Workspace's variables and returns their names.
// The key is checked here so that a wrong file stops startup naming the
// variable, not at the first directory read.
func (e *envLoader) loadGoogle(id *Identity) []string {
	if v := e.str("GOOGLE_ADMIN_EMAIL"); v != "" {
		if addr, err := people.ParseEmail(v); err != nil {
			e.fail("GOOGLE_ADMIN_EMAIL", "must be the email of a Workspace administrator the service account acts as, such as admin@acme.example: %v", err)
		} else {
			id.GoogleAdmin = addr
		}
	}
	id.GoogleCredentials = e.secret("GOOGLE_CREDENTIALS")
	if key := id.GoogleCredentials.Value(); key != "" {
		var sa struct {
			Type        string `json:"type"`
			ClientEmail string `json:"client_email"`
			PrivateKey  string `json:"private_key"`
		}
		switch err := json.Unmarshal([]byte(key), &sa); {
		case err != nil:
			e.fail(e.label("GOOGLE_CREDENTIALS"), "is not a service account's JSON key (%v); download one from the Google Cloud console under IAM → Service accounts → Keys", err)
		case sa.Type != "service_account" || sa.ClientEmail == "" || sa.PrivateKey == "":
			e.fail(e.label("GOOGLE_CREDENTIALS"), `is JSON but not a service account's key: it needs "type": "service_account", client_email and private_key`)
		}
	}
	for name, into := range map[string]*string{"GOOGLE_API_URL": &id.GoogleAPIURL, "GOOGLE_TOKEN_URL": &id.GoogleTokenURL} {
		if v := e.str(name); v != "" {
			if u, ok := e.endpoint(name, v, "https://admin.googleapis.com"); ok {
				*into = strings.TrimRight(u, "/")
			}
		}
	}
	switch {
	case e.given("GOOGLE_ADMIN_EMAIL") && !e.given("GOOGLE_CREDENTIALS"):
		e.fail("GOOGLE_CREDENTIALS_FILE", "must be set with GOOGLE_ADMIN_EMAIL: the path of the service account's JSON key, whose client id has domain-wide delegation for %s", googleScope)
	case e.given("GOOGLE_CREDENTIALS") && !e.given("GOOGLE_ADMIN_EMAIL"):
		e.fail("GOOGLE_ADMIN_EMAIL", "must be set with %s: the administrator the service account acts as, such as admin@acme.example", e.label("GOOGLE_CREDENTIALS"))
	}
	return []string{"GOOGLE_ADMIN_EMAIL", "GOOGLE_CREDENTIALS", "GOOGLE_CREDENTIALS_FILE"}
}

// googleScope is the one scope the service account is delegated.
const googleScope = "https://www.googleapis.com/auth/admin.directory.user.readonly"

// positiveInt reads a whole number above zero; 0 means unset.
func (e *envLoader) positiveInt(name, what string) int64 {
	v := e.str(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		e.fail(name, "must be %s, got %q", what, v)
		e.broken[name] = true
		return 0
	}
	return n
}

// endpoint checks an override URL, returning it when usable.
func (e *envLoader) endpoint(name, v, example string) (string, bool) {
	if reason := endpointProblem(v); reason != "" {
		e.fail(name, "%s, such as %s", reason, example)
		return "", false
	}
	return v, true
}

const problemUserinfo = "must not contain a user name or password"

// endpointProblem says what is wrong with an outbound URL, or "". Plain http
// is allowed only to this machine, where the emulators listen; anywhere else
// it would send tokens in the clear.
func endpointProblem(raw string) string {
	const generic = "must be an absolute https:// URL (http:// only for localhost)"
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return generic
	}
	if u.User != nil {
		return problemUserinfo
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "must not have a query or fragment"
	}
	switch u.Scheme {
	case "https":
		return ""
	case "http":
		if isLoopback(u.Hostname()) {
			return ""
		}
	}
	return generic
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isAPIPath reports whether raw names the API rather than the account, a
// common paste from Zendesk's docs; the client adds /api/v2 itself.
func isAPIPath(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	p := strings.TrimRight(u.Path, "/")
	return p == "/api" || strings.HasPrefix(p, "/api/")
}

func withSlash(u string) string {
	if strings.HasSuffix(u, "/") {
		return u
	}
	return u + "/"
}
