package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sys/unix"

	"github.com/seatwarden/seatwarden/audit"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/integrations/googledir"
	"github.com/seatwarden/seatwarden/integrations/graph"
	"github.com/seatwarden/seatwarden/integrations/oidc"
	"github.com/seatwarden/seatwarden/integrations/okta"
	"github.com/seatwarden/seatwarden/integrations/scim"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/internal/seal"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/store"
)

// checkResult is one line of doctor output.
type checkResult struct {
	status string // "ok", "WARN", "FAIL", "skip"
	name   string
	detail string
	fix    string
}

func (r checkResult) print(w io.Writer) {
	line := fmt.Sprintf("%-4s  %-7s  %s", r.status, r.name, strings.TrimRight(r.detail, "\n"))
	if r.fix != "" {
		line += " — fix: " + r.fix
	}
	// A detail of several lines (an error that quotes a response) stays
	// under its check, so every row starts with a status.
	fmt.Fprintln(w, strings.ReplaceAll(line, "\n", "\n"+strings.Repeat(" ", 15)))
}

func ok(name, format string, a ...any) checkResult {
	return checkResult{status: "ok", name: name, detail: fmt.Sprintf(format, a...)}
}

func fail(name, detail, fix string) checkResult {
	return checkResult{status: "FAIL", name: name, detail: detail, fix: fix}
}

func warn(name, detail, fix string) checkResult {
	return checkResult{status: "WARN", name: name, detail: detail, fix: fix}
}

func skip(name, detail string) checkResult {
	return checkResult{status: "skip", name: name, detail: detail}
}

// checkTimeout bounds each network check so doctor answers even when an
// endpoint hangs.
const checkTimeout = 15 * time.Second

func doctorCmd(ctx context.Context, args []string, e env) error {
	fs := newFlags("doctor", "doctor\n\nChecks config, store, Zendesk, GitHub (when GITHUB_ORG is set), the identity source (Okta or Microsoft Graph, when set), Slack and Teams credentials, and that someone can be reached; exits 1 if any check fails. Creates no store file.", e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	results := runChecks(ctx, e)
	failed := 0
	for _, r := range results {
		r.print(e.stdout)
		if r.status == "FAIL" {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d %s failed", failed, plural(failed, "check", "checks"))
	}
	return nil
}

func runChecks(ctx context.Context, e env) []checkResult {
	cfg, err := loadConfig(e)
	if err != nil {
		var cerr *config.Error
		if errors.As(err, &cerr) {
			var out []checkResult
			for _, p := range cerr.Problems {
				// The problem names the key or variable and what is wrong.
				out = append(out, fail("config", p.String(), ""))
			}
			return append(out, skip("store", "needs a valid config"), skip("zendesk", "needs a valid config"))
		}
		return []checkResult{fail("config", err.Error(), "correct the file or variable named"),
			skip("store", "needs a valid config"), skip("zendesk", "needs a valid config")}
	}
	policy := "defaults (no policy file)"
	if cfg.PolicyPath != "" {
		policy = cfg.PolicyPath
	}
	results := []checkResult{ok("config", "%s; timezone %s; %d %s; Zendesk auth: %s", policy, cfg.Policy.Timezone,
		len(cfg.Policy.Admins), plural(len(cfg.Policy.Admins), "admin", "admins"), orNone(cfg.ZendeskAuthMethod()))}
	quiet := slog.New(slog.DiscardHandler)
	results = append(results, checkStore(ctx, cfg, quiet)...)
	results = append(results, checkZendesk(ctx, cfg, quiet), checkWatch(ctx, cfg, quiet))
	results = append(results, checkGitHub(ctx, cfg, quiet))
	results = append(results, checkIdentity(ctx, cfg, quiet))
	results = append(results, checkSlack(ctx, cfg))
	results = append(results, checkTeams(ctx, cfg))
	results = append(results, checkOIDC(ctx, cfg))
	return append(results, checkReach(cfg))
}

// checkReach fails a deployment that could reach nobody: no chat
// transport to ask, tell or answer anyone, or no admin to run the admin
// commands and hear escalations. Each alone makes the bot useless.
func checkReach(cfg *config.Config) checkResult {
	var chats []string
	if cfg.Slack.Enabled() {
		chats = append(chats, "Slack")
	}
	if cfg.Teams.Enabled() {
		chats = append(chats, "Teams")
	}
	switch n := len(cfg.Policy.Admins); {
	case len(chats) == 0:
		return fail("reach", "no Slack or Teams is set up: nobody can be asked, told or answered",
			"set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN), or TEAMS_APP_ID and TEAMS_APP_PASSWORD")
	case n == 0:
		return fail("reach", "the policy names no admins: nobody may run the admin commands or hear escalations",
			"list them in the policy file, such as admins: [you@example.com]")
	default:
		return ok("reach", "%d %s; people are reached on %s", n, plural(n, "admin", "admins"), strings.Join(chats, " and "))
	}
}

// checkOIDC reads the step-up provider's discovery document.
func checkOIDC(ctx context.Context, cfg *config.Config) checkResult {
	if !cfg.OIDC.Enabled() {
		return skip("step-up", "no SEATWARDEN_OIDC_ISSUER: approvals count without a fresh sign-in")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p := oidc.New(oidc.Config{Issuer: cfg.OIDC.Issuer, ClientID: cfg.OIDC.ClientID, ClientSecret: cfg.OIDC.ClientSecret.Value(), RedirectURL: cfg.PublicURL + "/stepup/callback"})
	if err := p.Discover(ctx); err != nil {
		return fail("step-up", err.Error(), "check SEATWARDEN_OIDC_ISSUER: it is the issuer exactly as the provider's tokens name it, whose /.well-known/openid-configuration must answer")
	}
	guards := "nothing yet (step_up.for is empty)"
	if len(cfg.Policy.StepUp.For) > 0 {
		guards = strings.Join(cfg.Policy.StepUp.For, ", ")
	}
	return ok("step-up", "%s answers; sign-ins come back to %s/stepup/callback; guards %s", cfg.OIDC.Issuer, cfg.PublicURL, guards)
}

// checkStore checks the store answers, and how it keeps its data. An
// embedded store not created yet is left uncreated: doctor changes
// nothing on disk.
func checkStore(ctx context.Context, cfg *config.Config, log *slog.Logger) []checkResult {
	if !cfg.Redis.Enabled() {
		path := filepath.Join(cfg.DataDir, "seatwarden.db")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return checkNewStore(cfg, path)
		}
	}
	start := time.Now()
	st, err := openStore(ctx, cfg, log, storeServe)
	if err != nil {
		fix := "check SEATWARDEN_DATA_DIR is writable; the embedded store admits one process at a time (stop the running bot or use REDIS_URL)"
		if cfg.Redis.Enabled() {
			fix = "check REDIS_URL (redis://host:6379/0) and that the server is reachable"
		}
		var unknown *seal.UnknownKeyError
		switch {
		case errors.Is(err, store.ErrKeyRequired), errors.As(err, &unknown):
			fix = "set SEATWARDEN_ENCRYPTION_KEY to the key the store was sealed with (older keys in SEATWARDEN_ENCRYPTION_KEYS)"
		case errors.Is(err, store.ErrClearData), errors.Is(err, store.ErrSealingUnfinished):
			fix = "stop every replica and run: seatwarden store rekey"
		}
		return []checkResult{fail("store", err.Error(), fix)}
	}
	defer st.Close()
	pctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if err := st.Ping(pctx); err != nil {
		return []checkResult{fail("store", fmt.Sprintf("%s store does not answer: %v", st.Backend(), err), "check the store's address and that it is up")}
	}
	where := cfg.DataDir
	if st.Backend() == "redis" {
		where = "REDIS_URL"
	}
	results := []checkResult{ok("store", "%s store at %s answers (%s)", st.Backend(), where, time.Since(start).Round(time.Millisecond)),
		checkSink(pctx, cfg, st)}
	if sealed, key := st.Sealed(); sealed {
		return append(results, ok("encrypt", "stored data is sealed (AES-256-GCM) under key %s", key))
	}
	return append(results, warn("encrypt", "stored data is not encrypted: names, emails and answers are stored in the clear",
		"set SEATWARDEN_ENCRYPTION_KEY (openssl rand -base64 32), then stop the bot and run: seatwarden store rekey"))
}

// checkSink says how far the SIEM is behind the audit trail.
func checkSink(ctx context.Context, cfg *config.Config, st store.Store) checkResult {
	if !cfg.AuditSink.Enabled() {
		return skip("siem", "no SEATWARDEN_AUDIT_SINK: the audit trail stays in the store (seatwarden audit export reads it out)")
	}
	name := newAuditSink(cfg.AuditSink).Name()
	after, err := audit.Delivered(ctx, st)
	if err != nil {
		return fail("siem", err.Error(), "check the store")
	}
	next, err := st.ListAudit(ctx, after, 1)
	if err != nil {
		return fail("siem", err.Error(), "check the store")
	}
	if len(next) == 0 {
		return ok("siem", "%s has every audit entry (%d)", name, after)
	}
	lag := time.Since(next[0].At).Round(time.Second)
	if lag > 15*time.Minute {
		return warn("siem", fmt.Sprintf("%s is %s behind: the entries after %d wait", name, lag, after),
			"check that the collector is up and takes the secret or token; serve logs \"audit sink\" with what it answers")
	}
	return ok("siem", "%s is %s behind, entries after %d on their way", name, lag, after)
}

// checkNewStore checks that serve could create the embedded store at path:
// its nearest existing directory is writable.
func checkNewStore(cfg *config.Config, path string) []checkResult {
	dir := filepath.Dir(path)
	for {
		if _, err := os.Stat(dir); err == nil || filepath.Dir(dir) == dir {
			break
		}
		dir = filepath.Dir(dir)
	}
	if err := unix.Access(dir, unix.W_OK); err != nil {
		return []checkResult{fail("store", fmt.Sprintf("no embedded store yet, and %s cannot be written: %v", dir, err),
			"point SEATWARDEN_DATA_DIR at a writable directory, or use REDIS_URL")}
	}
	results := []checkResult{ok("store", "no embedded store yet: serve creates %s (%s is writable)", path, dir)}
	if cfg.EncryptionKey.IsSet() {
		return append(results, ok("encrypt", "data will be sealed (AES-256-GCM) from the start"))
	}
	return append(results, warn("encrypt", "data will be stored in the clear: names, emails and answers",
		"set SEATWARDEN_ENCRYPTION_KEY (openssl rand -base64 32) before the first start"))
}

// checkWatch reads the last hour of Zendesk's audit log, which the audit
// watch needs: Enterprise plans only.
func checkWatch(ctx context.Context, cfg *config.Config, log *slog.Logger) checkResult {
	if cfg.RequireZendesk() != nil {
		return skip("watch", "needs Zendesk")
	}
	if _, err := wiring.WatchPolicy(cfg.Policy); err != nil {
		return fail("watch", err.Error(), "correct the posture key named")
	}
	zd, err := newZendeskClient(cfg, log, nil)
	if err != nil {
		return skip("watch", "needs Zendesk")
	}
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	now := time.Now()
	n := 0
	_, err = zd.AuditLogs(cctx, now.Add(-time.Hour), now, func(page []zendesk.AuditLog) error { n += len(page); return nil })
	switch {
	case errors.Is(err, zendesk.ErrForbidden) || errors.Is(err, zendesk.ErrNotFound):
		return warn("watch", "Zendesk's audit log is not available on this plan (Enterprise only): the audit watch is idle",
			"nothing to do unless the plan changes; the other checks stand")
	case err != nil:
		return fail("watch", fmt.Sprintf("Zendesk's audit log: %v", err), "check that the OAuth client may read the audit log (scope auditlogs:read or read)")
	}
	channel := cmp.Or(cfg.Policy.Posture.AlertChannel, cfg.Policy.AdminChannel)
	if channel == "" {
		return warn("watch", fmt.Sprintf("Zendesk's audit log answers (%d %s in the last hour), but no channel hears the alerts: they are recorded, not posted", n, plural(n, "entry", "entries")),
			"set posture.alert_channel (or admin_channel) in the policy file")
	}
	return ok("watch", "Zendesk's audit log answers (%d %s in the last hour); alerts go to %s", n, plural(n, "entry", "entries"), channel)
}

func checkZendesk(ctx context.Context, cfg *config.Config, log *slog.Logger) checkResult {
	if err := cfg.RequireZendesk(); err != nil {
		return fail("zendesk", err.Error(), "set ZENDESK_URL=https://yourcompany.zendesk.com and ZENDESK_OAUTH_CLIENT_ID + ZENDESK_OAUTH_CLIENT_SECRET")
	}
	zd, err := newZendeskClient(cfg, log, nil)
	if err != nil {
		return fail("zendesk", err.Error(), "check the ZENDESK_* variables")
	}
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	start := time.Now()
	me, err := zd.Me(cctx)
	if err != nil {
		return fail("zendesk", fmt.Sprintf("%s: %v", cfg.Zendesk.URL, err), zendeskFix(err, cfg))
	}
	took := time.Since(start).Round(time.Millisecond)
	if me.Role != zendesk.RoleAdmin {
		return fail("zendesk", fmt.Sprintf("authenticated as %s <%s>, a Zendesk %s", me.Name, me.Email, me.Role),
			"the user export and seat changes need an admin: create the OAuth client as a Zendesk admin")
	}
	r := ok("zendesk", "%s reachable; authenticated as %s <%s> (admin) via %s (%s)", cfg.Zendesk.URL, me.Name, me.Email, cfg.ZendeskAuthMethod(), took)
	if cfg.ZendeskAuthMethod() == config.AuthAPIToken {
		r.detail += "; API tokens stop working on 2027-04-30: move to ZENDESK_OAUTH_CLIENT_ID/SECRET"
	}
	return r
}

// checkGitHub reads the organisation and its Copilot seats: the calls the
// sync depends on, so a credential that cannot make them fails here.
func checkGitHub(ctx context.Context, cfg *config.Config, log *slog.Logger) checkResult {
	if !cfg.GitHub.Enabled() {
		return skip("github", "GITHUB_ORG not set: GitHub is not governed")
	}
	gh, err := newGitHubClient(cfg, log)
	if err != nil {
		return fail("github", err.Error(), "correct the variable named")
	}
	how := "a token"
	if gh.IsApp() {
		how = fmt.Sprintf("GitHub App %d, installation %d", cfg.GitHub.AppID, cfg.GitHub.AppInstallationID)
	}
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	start := time.Now()
	org, err := gh.Org(cctx)
	if err != nil {
		return fail("github", fmt.Sprintf("%s as %s: %v", cfg.GitHub.Org, how, err), gitHubFix(err))
	}
	seats, err := gh.CopilotSeats(cctx)
	if err != nil {
		return fail("github", fmt.Sprintf("%s: Copilot seats: %v", org.Login, err), gitHubFix(err))
	}
	r := ok("github", "organisation %s reachable as %s; %d Copilot %s (%s)", org.Login, how, seats.TotalSeats,
		plural(seats.TotalSeats, "seat", "seats"), time.Since(start).Round(time.Millisecond))
	if _, err := gh.MembersWithout2FA(cctx); errors.Is(err, connector.ErrForbidden) || errors.Is(err, connector.ErrInvalid) {
		r.detail += "; GitHub does not show these credentials who lacks 2FA (an owner's view is needed), so 2FA reads as not confirmed"
	} else if err != nil {
		return fail("github", fmt.Sprintf("%s: members without 2FA: %v", org.Login, err), gitHubFix(err))
	}
	if !gh.IsApp() {
		r.detail += "; fine-grained tokens need a GitHub App: set GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and GITHUB_APP_PRIVATE_KEY_FILE"
	}
	return r
}

// checkIdentity reads one person from the identity source: it answers
// and the credentials may read users.
func checkIdentity(ctx context.Context, cfg *config.Config, log *slog.Logger) checkResult {
	name := cfg.Identity.Source()
	if name == "" {
		return skip("idp", "no "+config.IdentitySourceVars+": no identity source; departures are seen only when Zendesk or GitHub show them")
	}
	where := cfg.Identity.OktaURL
	switch name {
	case "graph":
		where = "tenant " + cfg.Identity.GraphTenantID
	case "google":
		where = "Google Workspace as " + cfg.Identity.GoogleAdmin
	case "scim":
		where = cfg.Identity.SCIMURL
	}
	src, err := identitySource(cfg, log)
	if err != nil {
		return fail(name, err.Error(), "correct the variable named")
	}
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	start := time.Now()
	if err := src.Probe(cctx); err != nil {
		fix := "check that the directory answers"
		switch {
		case name == "okta" && errors.Is(err, okta.ErrUnauthorized):
			fix = "create a new API token (Security → API → Tokens) and put it in OKTA_API_TOKEN"
		case name == "okta" && errors.Is(err, okta.ErrForbidden):
			fix = "give the token's admin the Read-only Administrator role"
		case name == "scim" && errors.Is(err, scim.ErrUnauthorized):
			fix = "put the token the SCIM server issued for seatwarden in SCIM_TOKEN"
		case name == "google" && errors.Is(err, googledir.ErrUnauthorized):
			fix = "in the Admin console (Security → API controls → Domain-wide delegation), give the service account's client id the scope " + googledir.Scope
		case name == "google" && errors.Is(err, googledir.ErrForbidden):
			fix = "make GOOGLE_ADMIN_EMAIL an administrator with the Users read privilege"
		case name == "graph" && errors.Is(err, graph.ErrUnauthorized):
			fix = "check the app registration's client id and secret (secrets expire) in GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET"
		case name == "graph" && errors.Is(err, graph.ErrForbidden):
			fix = "grant the app registration the User.Read.All application permission, with admin consent"
		}
		return fail(name, fmt.Sprintf("%s: %v", where, err), fix)
	}
	return ok(name, "%s answers and may read users, as the identity source (%s)", where, time.Since(start).Round(time.Millisecond))
}

func gitHubFix(err error) string {
	switch {
	case errors.Is(err, connector.ErrAuth):
		return "GitHub rejected the credentials: check GITHUB_TOKEN, or the App's id, installation id and private key"
	case errors.Is(err, connector.ErrNotFound):
		return "check GITHUB_ORG: the organisation does not exist or these credentials cannot see it (is the App installed on it?)"
	case errors.Is(err, connector.ErrForbidden):
		return "the credentials lack rights: an owner's token with manage_billing:copilot and read:org, or an App with Members and Copilot Business permissions"
	case errors.Is(err, connector.ErrRateLimited), errors.Is(err, connector.ErrUnavailable):
		return "GitHub is busy or down; try again in a minute"
	default:
		return "check GITHUB_API_URL and that this machine can reach it over HTTPS"
	}
}

func zendeskFix(err error, cfg *config.Config) string {
	vars := map[string]string{
		config.AuthOAuthClientCredentials: "ZENDESK_OAUTH_CLIENT_ID and ZENDESK_OAUTH_CLIENT_SECRET",
		config.AuthOAuthToken:             "ZENDESK_OAUTH_TOKEN",
		config.AuthAPIToken:               "ZENDESK_EMAIL and ZENDESK_API_TOKEN",
	}[cfg.ZendeskAuthMethod()]
	switch {
	case errors.Is(err, zendesk.ErrAuth):
		return "Zendesk rejected the credentials: check " + vars
	case errors.Is(err, zendesk.ErrForbidden):
		return "the credentials work but lack access: use an admin's OAuth client with the read and write scopes"
	case errors.Is(err, zendesk.ErrNotFound):
		return "check ZENDESK_URL: it should be the account's base URL, e.g. https://acme.zendesk.com"
	case errors.Is(err, zendesk.ErrRateLimited), errors.Is(err, zendesk.ErrUnavailable):
		return "Zendesk is busy or down; try again in a minute"
	default:
		return "check ZENDESK_URL and that this machine can reach it over HTTPS"
	}
}

func checkSlack(ctx context.Context, cfg *config.Config) checkResult {
	if !cfg.Slack.BotToken.IsSet() {
		return skip("slack", "SLACK_BOT_TOKEN not set: Slack is off")
	}
	opts := []slack.Option{slack.OptionHTTPClient(&http.Client{Timeout: checkTimeout})}
	if cfg.Slack.APIURL != "" {
		// slack-go joins the base and the method name by concatenation.
		opts = append(opts, slack.OptionAPIURL(strings.TrimSuffix(cfg.Slack.APIURL, "/")+"/"))
	}
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	resp, err := slack.New(cfg.Slack.BotToken.Value(), opts...).AuthTestContext(cctx)
	if err != nil {
		return fail("slack", "auth.test: "+err.Error(), "check SLACK_BOT_TOKEN (xoxb-…) and that the app is installed in the workspace")
	}
	mode := "HTTP (Events API)"
	if cfg.Slack.AppToken.IsSet() {
		// Opening a connection URL proves the app-level token without
		// connecting: the URL is single-use and simply expires.
		app := slack.New("", append(opts, slack.OptionAppLevelToken(cfg.Slack.AppToken.Value()))...)
		if _, _, err := app.StartSocketModeContext(cctx); err != nil {
			return fail("slack", "apps.connections.open: "+err.Error(), "check SLACK_APP_TOKEN (xapp-…, with connections:write) and that Socket Mode is on in the app's settings")
		}
		mode = "Socket Mode (app token accepted)"
	}
	return ok("slack", "bot @%s in workspace %s; %s", resp.User, resp.Team, mode)
}

func checkTeams(ctx context.Context, cfg *config.Config) checkResult {
	t := cfg.Teams
	if t.AppID == "" {
		return skip("teams", "TEAMS_APP_ID not set: Teams is off")
	}
	tokenURL := t.TokenURL
	if tokenURL == "" {
		tokenURL = config.DefaultTeamsTokenURL(t.TenantID)
	}
	cc := clientcredentials.Config{
		ClientID:     t.AppID,
		ClientSecret: t.AppPassword.Value(),
		TokenURL:     tokenURL,
		Scopes:       []string{"https://api.botframework.com/.default"},
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	cctx = context.WithValue(cctx, oauth2.HTTPClient, &http.Client{Timeout: checkTimeout})
	if _, err := cc.Token(cctx); err != nil {
		return fail("teams", "Bot Framework token: "+redactOAuthError(err), "check TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID (single-tenant bot registration)")
	}
	return ok("teams", "Bot Framework token issued for app %s (tenant %s)", t.AppID, t.TenantID)
}

// redactOAuthError keeps the token endpoint's verdict but not its body,
// which can echo request parameters.
func redactOAuthError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorCode != "" {
			return fmt.Sprintf("%s (HTTP %d)", re.ErrorCode, re.Response.StatusCode)
		}
		return fmt.Sprintf("HTTP %d", re.Response.StatusCode)
	}
	return err.Error()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
