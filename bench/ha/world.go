package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/seatwarden/seatwarden/bot/slack/slacktest"
	"github.com/seatwarden/seatwarden/bot/teams/teamstest"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/reviews"
)

// The emulated company's fixed names.
const (
	slackTeam        = "T0HA"
	signingSecret    = "ha-slack-signing-secret"
	zendeskClient    = "seatwarden-ha"
	zendeskSecret    = "ha-client-secret"
	adminChannel     = "C0HAADMIN"
	approvalsChannel = "C0HAAPPROVALS"
	seatsChannel     = "C0HASEATS"
)

// person is someone in the Slack workspace (and, for teamsUser, Teams).
type person struct {
	slackID, name, email string
}

func (p person) handle() string { return strings.ToLower(strings.ReplaceAll(p.name, " ", ".")) }

// world is the emulated company the replicas govern: one Zendesk account,
// one Slack workspace, one Teams tenant, and the people in them.
type world struct {
	org   *zendesktest.Org
	zd    *zendesktest.Server
	slack *slacktest.Server
	teams *teamstest.Server

	admin     person
	owners    map[string]person // by email; one per Zendesk group
	approvers []person
	requester person
	// chatter writes to the bot in a DM, through the Events API.
	chatter person
	// teamsPeople ask seat questions in Teams.
	teamsPeople []teamstest.User
	// oncall take admin by break-glass during the run; agentIDs are
	// their Zendesk user ids, by email.
	oncall   []person
	agentIDs map[string]int64
	// key seals the store, as production's would: "ha:<base64>".
	key string
	// period is the seat review the run drives and judges: this week's
	// when the world is made, even if the run goes on past the week's
	// end (the bot then opens the next one too).
	period string
}

// newWorld generates an account of staff team members and the people
// who answer for them. Each group has its own owner, so every owner's
// digest is a page or two, as in a real support org.
func newWorld(staff int, seed uint64, approvers int) *world {
	now := time.Now()
	// StaffShare 1 makes every generated user a team member; end users
	// cost the sync nothing here and issue 17 measures them.
	org := zendesktest.GenerateOrg(zendesktest.GenerateConfig{Users: staff, StaffShare: 1, Seed: seed, Now: now,
		OAuthClients: 12, OAuthTokens: oauthTokens})
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	w := &world{org: org, owners: map[string]person{}, key: "ha:" + base64.StdEncoding.EncodeToString(secret),
		period: reviews.PeriodOf(now, time.UTC)}
	w.admin = person{"U0HAADMIN", "Ada Admin", "ada.admin@ha.example"}
	w.requester = person{"U0HAREQ", "Rui Requester", "rui.requester@ha.example"}
	w.chatter = person{"U0HACHAT", "Cam Chatter", "cam.chatter@ha.example"}
	people := []person{w.admin, w.requester, w.chatter}
	w.addOncall(org, now)
	people = append(people, w.oncall...)
	for i, g := range org.Groups {
		p := person{fmt.Sprintf("U0HAOWN%04d", i), fmt.Sprintf("Owner %d", i), fmt.Sprintf("owner%04d@ha.example", i)}
		w.owners[g.Name] = p
		people = append(people, p)
	}
	for i := range approvers {
		p := person{fmt.Sprintf("U0HAAPP%04d", i), fmt.Sprintf("Approver %d", i), fmt.Sprintf("approver%04d@ha.example", i)}
		w.approvers = append(w.approvers, p)
		people = append(people, p)
	}
	opts := []slacktest.Option{slacktest.WithTeam(slackTeam, "HA Support"),
		// Slack paces posts per channel; the approvals thread feels it.
		slacktest.WithChannelPacing(1, slacktest.DefaultChannelBurst)}
	for _, p := range people {
		opts = append(opts, slacktest.WithUser(slacktest.User{ID: p.slackID, Name: p.handle(), RealName: p.name, Email: p.email}))
	}
	w.slack = slacktest.NewServer(opts...)

	// Zendesk's own per-user update limit stays on; the account limit is
	// a large account's.
	w.zd = zendesktest.NewServer(org, zendesktest.WithOAuthClient(zendeskClient, zendeskSecret, true),
		zendesktest.WithLimits(zendesktest.DefaultLimits))

	w.teams = teamstest.NewServer(teamstest.Options{BotName: "seatwarden"})
	for i, p := range []person{w.admin, w.requester} {
		u := teamstest.User{ID: fmt.Sprintf("29:ha-%d", i), AADObjectID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1),
			Name: p.name, Email: p.email, Installed: true}
		w.teams.AddUser(u)
		w.teamsPeople = append(w.teamsPeople, u)
	}
	return w
}

// oncallAgents is how many agents take turns at break-glass grants: with
// one grant every 6-10 s, each agent's turn comes round every 36-60 s,
// after their last grant (breakGlassFor) has ended, and the two role
// changes of a grant stay inside Zendesk's five updates a minute per
// user.
const oncallAgents = 6

// addOncall adds the agents who take admin by break-glass: agents in
// Zendesk (the Staff custom role, as most agents have) who signed in two
// days ago, so no seat review puts their seat to an owner and only the
// grants change their role, and 2FA on, so the posture digest does not
// write to them; and Slack members with the same email, as the bot finds
// a caller in Zendesk by their Slack profile's email.
func (w *world) addOncall(org *zendesktest.Org, now time.Time) {
	next := int64(0)
	for _, u := range org.Users {
		next = max(next, u.ID)
	}
	w.agentIDs = map[string]int64{}
	login, created := now.Add(-48*time.Hour).UTC().Truncate(time.Second), now.AddDate(-2, 0, 0).UTC().Truncate(time.Second)
	for i := range oncallAgents {
		p := person{fmt.Sprintf("U0HAONC%02d", i), fmt.Sprintf("Oncall %d", i), fmt.Sprintf("oncall%02d@ha.example", i)}
		next++
		roleType, custom := zendesk.RoleTypeCustomAgent, zendesktest.StaffRoleID
		org.Users = append(org.Users, zendesk.User{ID: next, Name: p.name, Email: p.email, Role: zendesk.RoleAgent, Active: true,
			TwoFactor: true, RoleType: &roleType, CustomRoleID: &custom, LastLoginAt: &login, CreatedAt: created, UpdatedAt: login})
		w.oncall = append(w.oncall, p)
		w.agentIDs[p.email] = next
	}
}

func (w *world) close() {
	w.zd.Close()
	w.slack.Close()
	w.teams.Close()
}

// writePolicy writes the replicas' policy: every job on a fast schedule,
// a short job-lock TTL so a killed replica's locks pass on within the run,
// one owner per group, the approvers.
func (w *world) writePolicy(path string, lockTTL time.Duration) error {
	var b strings.Builder
	fmt.Fprintf(&b, "timezone: UTC\ncommand: /warden\nadmins: [%s]\nadmin_channel: %s\n", w.admin.email, adminChannel)
	fmt.Fprintf(&b, "approvals:\n  channel: %s\n  high_risk_approvals: 2\n  approvers:\n", approvalsChannel)
	for _, p := range w.approvers {
		fmt.Fprintf(&b, "    - %s\n", p.email)
	}
	b.WriteString("owners:\n")
	for group, p := range w.owners {
		fmt.Fprintf(&b, "  - group: %q\n    owner: %s\n", group, p.email)
	}
	fmt.Fprintf(&b, "  - default: %s\n", w.admin.email)
	fmt.Fprintf(&b, "review:\n  downgrade_role_id: %d\n", zendesktest.LightAgentRoleID)
	b.WriteString("schedules:\n")
	for _, job := range []string{"sync", "inactive-digest", "token-digest", "reminders", "access-expiry", "privilege-review",
		"verify-expiry", "identity-sync", "retention", "audit-watch", "posture-digest"} {
		every := "@every 3s"
		if job == "sync" {
			every = "@every 10s"
		}
		fmt.Fprintf(&b, "  %s: %q\n", job, every)
	}
	fmt.Fprintf(&b, "jobs:\n  lock_ttl: %s\n", lockTTL)
	// Just-in-time admin by break-glass rather than access request: one
	// signed slash command grants at once, where a request takes the
	// command, a form, its submission and two approvals (admin is high
	// risk), all in the approvals channel the app requests already crowd.
	// The bot still announces each grant to every approver and the admin
	// channel, as it must. Grants are short enough to end within the run,
	// so access-expiry takes them back under the faults; min_duration
	// may not exceed the break-glass time.
	fmt.Fprintf(&b, "access:\n  min_duration: %s\n  break_glass:\n    enabled: true\n    max_duration: %s\n", breakGlassFor, breakGlassFor)
	// A large account's budget (Zendesk's High Volume add-on): the
	// decisions of the run are carried out in minutes, not hours.
	b.WriteString("zendesk:\n  requests_per_minute: 2500\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// replicaEnv is what every replica is started with.
func (w *world) replicaEnv(r *redisTopology, policy string) []string {
	return []string{
		"SEATWARDEN_CONFIG=" + policy,
		"SEATWARDEN_LOG_FORMAT=json",
		"SEATWARDEN_LOG_LEVEL=info",
		"SEATWARDEN_ENCRYPTION_KEY=" + w.key,
		// With a Sentinel the URL carries only the password, database
		// and TLS choice; the host is the Sentinel's to say.
		"REDIS_URL=redis://localhost/0",
		"REDIS_MASTER_NAME=" + masterName,
		"REDIS_WAIT_REPLICAS=1",
		"REDIS_SENTINEL_ADDRS=" + r.sentinelAddr(),
		"ZENDESK_URL=" + w.zd.URL,
		"ZENDESK_OAUTH_CLIENT_ID=" + zendeskClient,
		"ZENDESK_OAUTH_CLIENT_SECRET=" + zendeskSecret,
		"SLACK_BOT_TOKEN=" + slacktest.DefaultBotToken,
		"SLACK_SIGNING_SECRET=" + signingSecret,
		"SLACK_API_URL=" + w.slack.APIURL(),
		"TEAMS_APP_ID=" + w.teams.AppID(),
		"TEAMS_APP_PASSWORD=" + w.teams.AppPassword(),
		"TEAMS_TENANT_ID=" + w.teams.TenantID(),
		"TEAMS_OPENID_METADATA_URL=" + w.teams.MetadataURL(),
		"TEAMS_TOKEN_URL=" + w.teams.TokenURL(),
		"TEAMS_SERVICE_URLS=" + w.teams.ServiceURL(),
	}
}
