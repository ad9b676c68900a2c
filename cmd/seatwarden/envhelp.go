package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// envVar is one setting from the environment, or a group that goes
// together, as a command's --help lists it.
type envVar struct {
	names, meaning string
	// commands read it; nil means every command that loads the config
	// (configLoaders).
	commands []string
}

// The commands that load the config and so read the environment.
const (
	cmdServe   = "serve"
	cmdRunJob  = "run-job"
	cmdDoctor  = "doctor"
	cmdConsole = "console"
	cmdStore   = "store"
	cmdDemo    = "demo"
	cmdAudit   = "audit"
)

var (
	configLoaders = []string{cmdServe, cmdRunJob, cmdDoctor, cmdConsole, cmdStore, cmdDemo, cmdAudit}
	withStore     = []string{cmdServe, cmdRunJob, cmdDoctor, cmdConsole, cmdStore, cmdAudit}
	withAccounts  = []string{cmdServe, cmdRunJob, cmdDoctor, cmdConsole}
	withChat      = []string{cmdServe, cmdRunJob, cmdDoctor}
)

// environment is every variable the bot reads, for --help; a test keeps
// it complete against what the config loader reads.
var environment = []envVar{
	{"SEATWARDEN_CONFIG", "the policy file, as --config", nil},
	{"SEATWARDEN_ADDR", "listen address (default :8080)", []string{cmdServe}},
	{"SEATWARDEN_DEBUG_ADDR", "serves Go's profiler (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; off by default, keep it private", []string{cmdServe}},
	{"SEATWARDEN_DATA_DIR", "the embedded store's directory (default ./data)", withStore},
	{"SEATWARDEN_LOG_LEVEL, SEATWARDEN_LOG_FORMAT", "debug, info, warn or error; json or text", nil},
	{"REDIS_URL, or REDIS_MASTER_NAME + REDIS_SENTINEL_ADDRS, or REDIS_CLUSTER_ADDRS", "Redis as the store, instead of the embedded file", withStore},
	{"REDIS_WAIT_REPLICAS", "replicas a write must reach before it counts, so a failover loses nothing acknowledged (default 0)", withStore},
	{"SEATWARDEN_ENCRYPTION_KEY, SEATWARDEN_ENCRYPTION_KEYS", "the key stored data is sealed under, and older keys still read", withStore},
	{"ZENDESK_URL + ZENDESK_OAUTH_CLIENT_ID + ZENDESK_OAUTH_CLIENT_SECRET (or ZENDESK_OAUTH_TOKEN, or ZENDESK_EMAIL + ZENDESK_API_TOKEN)", "the Zendesk account", withAccounts},
	{"GITHUB_ORG + GITHUB_APP_ID + GITHUB_APP_INSTALLATION_ID + GITHUB_APP_PRIVATE_KEY (or GITHUB_TOKEN), GITHUB_API_URL", "GitHub as a second governed SaaS", withAccounts},
	{"OKTA_ORG_URL + OKTA_API_TOKEN, or GRAPH_TENANT_ID + GRAPH_CLIENT_ID + GRAPH_CLIENT_SECRET (GRAPH_API_URL, GRAPH_TOKEN_URL), or GOOGLE_CREDENTIALS_FILE + GOOGLE_ADMIN_EMAIL (GOOGLE_API_URL, GOOGLE_TOKEN_URL), or SCIM_URL + SCIM_TOKEN",
		"the identity source, Okta, Microsoft Entra ID, Google Workspace or a SCIM 2.0 server: who still works here, and who is whose manager", withAccounts},
	{"SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET (SLACK_APP_TOKEN for Socket Mode), SLACK_API_URL", "Slack", withChat},
	{"TEAMS_APP_ID + TEAMS_APP_PASSWORD + TEAMS_TENANT_ID, TEAMS_TOKEN_URL, TEAMS_OPENID_METADATA_URL, TEAMS_SIGNIN_KEYS_URL, TEAMS_SERVICE_URLS", "Microsoft Teams", withChat},
	{"SEATWARDEN_AUDIT_SINK + SEATWARDEN_AUDIT_SINK_SECRET (a webhook) or SEATWARDEN_AUDIT_SINK_TOKEN (Splunk HEC)", "where every audit entry is also streamed, signed, at least once and in order", []string{cmdServe, cmdDoctor}},
	{"SEATWARDEN_PUBLIC_URL + SEATWARDEN_OIDC_ISSUER + SEATWARDEN_OIDC_CLIENT_ID + SEATWARDEN_OIDC_CLIENT_SECRET", "step-up sign-ins at the company's OpenID Connect provider", []string{cmdServe, cmdDoctor}},
}

// printEnvironment writes the variables command reads, for its --help.
func printEnvironment(w io.Writer, command string) {
	var lines []string
	for _, v := range environment {
		readers := v.commands
		if readers == nil {
			readers = configLoaders
		}
		if slices.Contains(readers, command) {
			lines = append(lines, fmt.Sprintf("  %s\n    \t%s", v.names, v.meaning))
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "\nEnvironment:\n%s\nEvery secret also reads from a file named by NAME_FILE. See README.md.\n", strings.Join(lines, "\n"))
}
