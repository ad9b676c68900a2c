package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	slackgo "github.com/slack-go/slack"

	"github.com/seatwarden/seatwarden/access"
	"github.com/seatwarden/seatwarden/approvals"
	"github.com/seatwarden/seatwarden/audit"
	"github.com/seatwarden/seatwarden/bot"
	slackbot "github.com/seatwarden/seatwarden/bot/slack"
	teamsbot "github.com/seatwarden/seatwarden/bot/teams"
	"github.com/seatwarden/seatwarden/commands"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/directory"
	"github.com/seatwarden/seatwarden/integrations/github"
	"github.com/seatwarden/seatwarden/integrations/googledir"
	"github.com/seatwarden/seatwarden/integrations/graph"
	"github.com/seatwarden/seatwarden/integrations/okta"
	"github.com/seatwarden/seatwarden/integrations/scim"
	"github.com/seatwarden/seatwarden/integrations/siem"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/internal/apiclient"
	"github.com/seatwarden/seatwarden/internal/seal"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/jobs"
	"github.com/seatwarden/seatwarden/people"
	"github.com/seatwarden/seatwarden/posture"
	"github.com/seatwarden/seatwarden/prompts"
	"github.com/seatwarden/seatwarden/reviews"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/server"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
	"github.com/seatwarden/seatwarden/store/redisstore"
	"github.com/seatwarden/seatwarden/telemetry"
	"github.com/seatwarden/seatwarden/verify"
	"github.com/seatwarden/seatwarden/watch"
)

// app is the wired bot: everything serve, run-job and demo share.
type app struct {
	cfg     *config.Config
	log     *slog.Logger
	metrics *telemetry.Metrics
	store   store.Store
	// sealed: the store encrypts what it holds.
	sealed  bool
	zendesk *zendesk.Client
	github  *github.Client // nil unless GitHub is governed
	// gitHubReviews is the review of Copilot seats; nil without GitHub.
	gitHubReviews *jobs.Reviews
	jobs          *jobs.Registry
	runner        *jobs.Runner
	router        *commands.Router
	// syncers read each governed SaaS's staff, Zendesk's first.
	syncers  []*seats.Syncer
	slack    *slackbot.Adapter // nil when Slack is off
	teams    *teamsbot.Adapter // nil when Teams is off
	teamsTab *teamsbot.Tab     // nil when the personal tab is off (config.TabOff)
	identity *jobs.Identity    // nil without an identity source
	// auditStream sends the audit trail to the SIEM; nil without a sink.
	auditStream *audit.Stream
	// watch reads the SaaS audit logs for trust-changing events.
	watch *jobs.Watch
	// posture posts the weekly security posture.
	posture *jobs.PostureDigest
	reviews *jobs.Reviews
	// privilege is the quarterly review of standing privilege.
	privilege *jobs.Reviews
	tokens    *jobs.Tokens
	// gitHubTokens is the register of fine-grained tokens and GitHub
	// Apps; nil without GitHub.
	gitHubTokens *jobs.Tokens
	approvals    *jobs.Approvals
	// access grants approved access requests and ends grants on time.
	access *jobs.Access
	// verify carries caller verification's messages and expiries.
	verify *jobs.Verify
	// stepUp is step-up re-authentication; nil without an OIDC provider.
	stepUp *stepUpWiring
	now    func() time.Time
	// followUps are redraws after decisions still in flight; Close waits.
	followUps sync.WaitGroup

	// onSync, when set, also hears about each successful sync (the demo).
	onSync func(seats.SyncResult)
}

func loadConfig(e env) (*config.Config, error) {
	path := ""
	if e.configPath != nil {
		path = *e.configPath
	}
	return config.Load(config.LoadOptions{Path: path, Getenv: e.getenv})
}

// openApp loads the configuration and wires the bot from it, logging to
// stderr as configured.
func openApp(ctx context.Context, e env) (*app, error) {
	cfg, err := loadConfig(e)
	if err != nil {
		return nil, err
	}
	log, err := newLogger(cfg, e)
	if err != nil {
		return nil, err
	}
	for _, w := range cfg.Warnings {
		log.Warn("config: " + w.String())
	}
	a, err := newApp(ctx, cfg, log)
	if err == nil && !a.sealed {
		log.Warn("store: stored data is not encrypted; set SEATWARDEN_ENCRYPTION_KEY (openssl rand -base64 32) and run seatwarden store rekey to seal it")
	}
	return a, err
}

// newApp opens the store and builds the Zendesk client and the jobs. The
// caller owns Close.
func newApp(ctx context.Context, cfg *config.Config, log *slog.Logger) (*app, error) {
	if err := cfg.RequireZendesk(); err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log, metrics: telemetry.New(), now: time.Now}
	st, err := openStore(ctx, cfg, log, storeServe)
	if err != nil {
		return nil, err
	}
	a.sealed, _ = st.Sealed()
	// A job run's writes stop once its lock is another replica's.
	a.store = store.Fenced(store.Instrument(st, a.metrics.ObserveStore))

	zd, err := newZendeskClient(cfg, log, a.metrics.ObserveZendesk)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.zendesk = zd

	syncer := &seats.Syncer{Source: zendesk.Connector{Client: zd}, Connector: connector.Zendesk, Store: a.store, Checkpoints: a.store,
		GroupsEvery: time.Duration(cfg.Policy.Zendesk.GroupsEvery),
		Account:     cfg.Zendesk.URL, Now: a.now, Logger: log}
	holder := jobs.NewHolderID()
	if cfg.AuditSink.Enabled() {
		a.auditStream = &audit.Stream{Trail: a.store, Records: a.store, Locks: a.store, Keys: a.store, Sink: newAuditSink(cfg.AuditSink),
			Holder: holder, Observe: a.metrics.ObserveAuditSink, Logger: log}
	}
	// Decisions carry out their seat changes through shared show_many
	// and update_many requests: one request each would hold a busy
	// review to a few changes a second under Zendesk's limit.
	batched := zendesk.Connector{Client: zd, Batch: zendesk.NewBatch(zd, 0)}
	a.reviews = newReviewJobs(cfg, a.store, batched, holder, a.now, log)
	a.tokens = newTokenJobs(cfg, a.store, connector.Zendesk, zendesk.Connector{Client: zd}, cfg.Zendesk.URL, holder, a.now, log)
	a.approvals = newApprovalJobs(cfg, a.store, a.tokens.Service, zendesk.Connector{Client: zd}, holder, a.now, log)
	a.access = newAccessJobs(cfg, a.store, batched, a.approvals, holder, a.now, log)
	a.access.Observe = a.metrics.ObserveAccess
	a.privilege = newPrivilegeReviewJobs(cfg, a.store, batched, a.access.Service, holder, a.now, log)
	// Seat and role changes the bot carries out show in the snapshot at
	// once, or a moment later under load.
	patcher := &seats.Patcher{Store: a.store, Logger: log, Patched: func(name, before, after string, patches []store.MemberPatch) {
		if a.router != nil {
			a.router.SnapshotPatched(name, before, after, patches)
		}
	}}
	a.reviews.Service.Snapshot, a.privilege.Service.Snapshot, a.access.Service.Snapshot = patcher, patcher, patcher
	a.verify = newVerifyJobs(cfg, a.store, zendesk.Connector{Client: zd}, a.now, log)
	// Confirmations of access requests are verifications: their endings
	// move the requests on.
	a.verify.Requests, a.verify.RequestChanged = a.approvals.Service, a.approvalChanged
	if cfg.OIDC.Enabled() {
		a.stepUp = newStepUp(cfg, a.store, a.now, log)
	}
	syncers := []*seats.Syncer{syncer}
	inventories := []func(context.Context) error{a.tokens.Inventory}
	digest := a.reviews.DigestJob()
	// The approvals' part goes first: it posts a few messages, while the
	// seat review's may send hundreds of digests at Slack's pace, and an
	// approval's thread should not wait behind them.
	reminders := a.reviews.RemindersJob()
	seatReminders := reminders.Run
	reminders.Run = a.approvals.Reminders
	reminders = jobs.Also(reminders, seatReminders, a.privilege.RemindersJob().Run)
	if cfg.GitHub.Enabled() {
		if a.github, err = newGitHubClient(cfg, log); err != nil {
			a.Close()
			return nil, err
		}
		gh := gitHubConnector(cfg, a.github, log)
		syncers = append(syncers, gitHubSyncer(cfg, gh, a.store, a.now, log))
		// Copilot seats have a review of their own records and rules; its
		// seats join Zendesk's digests, one message per owner.
		a.gitHubReviews = newGitHubReviewJobs(cfg, a.store, gh, holder, a.now, log)
		a.gitHubReviews.Service.Snapshot = patcher
		a.reviews.Also = append(a.reviews.Also, a.gitHubReviews)
		// Fine-grained tokens and GitHub Apps: a register of their own.
		a.gitHubTokens = newTokenJobs(cfg, a.store, connector.GitHub, gh, cfg.GitHub.Org, holder, a.now, log)
		inventories = append(inventories, a.gitHubTokens.Inventory)
		a.approvals.Inventories = append(a.approvals.Inventories, a.gitHubTokens.Service)
	}
	inventories = append(inventories, a.approvals.Installations, a.access.WatchShadows)
	defs := []jobs.Definition{digest, jobs.TokenDigestJob(a.tokenRegisters()...), reminders, a.access.Job(), a.privilege.DigestJob(), a.verify.Job()}
	if cfg.Identity.Source() != "" {
		if a.identity, err = newIdentityJobs(cfg, a.store, a.now, log); err != nil {
			a.Close()
			return nil, err
		}
		a.identity.Observe = a.metrics.ObserveIdentity
		// The admin channel hears what a leaver still holds, and leavers
		// approve nothing.
		a.identity.Approvals, a.identity.Access, a.identity.Command = a.approvals.Service, a.access.Service, cfg.Policy.Command
		a.approvals.Service.Leavers = a.identity.Directory
		// Seats of people who left are put to their owners at once, or
		// removed or suspended at once when the policy says so.
		a.identity.Raise = a.reviews.RaiseLeavers
		if d := cfg.Policy.Identity.OnDeparted; d != config.OnDepartedAsk {
			a.reviews.OnLeavers, a.reviews.Keys = d, a.store
		}
		// Credentials of people who left are orphans at once.
		for _, t := range a.tokenRegisters() {
			t.Service.Directory = a.identity.Directory
		}
		// The directory names managers first; the policy's map fills in.
		a.approvals.Service.Managers = approvals.NotLeavers(approvals.ManagerSources{a.identity.Directory, approvals.ManagerMap(cfg.Policy.Managers)}, a.identity.Directory)
		// A sync reads the directory too, after the seats, under the
		// identity-sync job's own lock: the two schedules coincide, and
		// one read at a time is enough.
		inventories = append(inventories, a.syncDirectory)
		defs = append(defs, a.identity.Job())
	}
	if a.watch, err = a.newWatch(zendesk.Connector{Client: zd}, log); err != nil {
		a.Close()
		return nil, err
	}
	a.posture = a.postureDigest(zendesk.Connector{Client: zd}, log)
	// Retention purges what the jobs above keep, the watch's and the
	// posture's records among them.
	defs = append(defs, a.retention(log).Job(), a.watch.Job(), a.posture.Job())
	a.syncers = syncers
	a.jobs, err = jobs.NewRegistry(append([]jobs.Definition{jobs.Sync(syncers, a.afterSync, inventories...)}, defs...)...)
	if err != nil {
		a.Close()
		return nil, err
	}
	var dir *directory.Service
	if a.identity != nil {
		dir = a.identity.Directory
	}
	// With manager: true in an owners list, a seat of no listed group is
	// its holder's manager's to answer for.
	a.reviews.Owners = a.withManagers(cfg.Policy.Owners, a.reviews.Owners)
	a.privilege.Owners = a.withManagers(cfg.Policy.Owners, a.privilege.Owners)
	if a.gitHubReviews != nil {
		a.gitHubReviews.Owners = a.withManagers(cfg.Policy.GitHub.Owners, a.gitHubReviews.Owners)
	}
	a.router, err = commands.New(commands.Deps{
		Directory:        dir,
		Watch:            a.watch.Services[0],
		CustomRoles:      zendesk.Connector{Client: zd},
		MFARequired:      cfg.Policy.Posture.MFARequiredRoles,
		Snapshots:        a.store,
		Audit:            a.store,
		Policy:           wiring.SeatPolicy(cfg.Policy),
		Admins:           cfg.Policy.Admins,
		Owners:           a.reviews.Owners,
		Governed:         governedBesideZendesk(cfg, a.gitHubReviews, a.gitHubTokens),
		Command:          cfg.Policy.Command,
		Reviews:          a.reviews.Service,
		PrivilegeReviews: a.privilege.Service,
		ReviewChanged:    a.reviewChanged,
		Credentials:      a.tokens.Service,
		Approvals:        a.approvals.Service,
		ApprovalChanged:  a.approvalChanged,
		Access:           a.access.Service,
		BrokeGlass:       a.brokeGlass,
		Verify:           a.verify.Service,
		VerifyAllowed:    wiring.VerifyAskers(cfg.Policy),
		StepUp:           a.stepUp.begin(),
		VerifyDeliver:    a.verify.Deliver,
		VerifyStarted:    a.verifyStarted,
		VerifyEnded:      a.verifyEnded,
		Now:              a.now,
		Logger:           log,
	})
	if err != nil {
		a.Close()
		return nil, err
	}
	// The reviews open from the seats the commands hold judged, by the
	// same rules (wiring.SeatPolicy, GitHubSeatPolicy): one judging of a
	// snapshot per replica.
	for _, r := range append([]*jobs.Reviews{a.reviews, a.privilege}, a.reviews.Also...) {
		r.Judged = a.router.JudgedSeats
	}
	var transports bot.Transports
	if cfg.Slack.Enabled() {
		if a.slack, err = newSlackAdapter(cfg, a.router, a.store, holder, log); err != nil {
			a.Close()
			return nil, err
		}
		transports = append(transports, bot.Transport{Platform: bot.PlatformSlack, Notifier: a.slack})
	}
	if cfg.Teams.Enabled() {
		if a.teams, err = newTeamsAdapter(cfg, a.router, a.store, holder, a.entraObjectIDs(), log); err != nil {
			a.Close()
			return nil, err
		}
		transports = append(transports, bot.Transport{Platform: bot.PlatformTeams, Notifier: a.teams, Owns: a.teams.OwnsChannel})
		if off := cfg.TabOff(); off != "" {
			log.Info("the Teams personal tab is off", slog.String("why", off))
		} else if a.teamsTab, err = newTeamsTab(cfg, a.router, log); err != nil {
			a.Close()
			return nil, err
		}
	}
	switch len(transports) {
	case 0:
	case 1:
		a.useNotifier(transports[0].Notifier)
	default:
		a.useNotifier(transports)
	}
	a.runner = &jobs.Runner{
		Locks:   a.store,
		Holder:  holder,
		Timeout: cfg.Policy.Jobs.Timeout.Std(),
		LockTTL: cfg.Policy.Jobs.LockTTL.Std(),
		Now:     a.now,
		Logger:  log,
		Observe: a.metrics.ObserveJob,
	}
	return a, nil
}

// newReviewJobs wires Zendesk's seat review to the policy.
func newReviewJobs(cfg *config.Config, st store.Store, zd connector.Seats, holder string, now func() time.Time, log *slog.Logger) *jobs.Reviews {
	p := cfg.Policy
	svc := &reviews.Service{Records: st, Audit: st, Seats: zd, Policy: wiring.ReviewPolicy(p), Now: now, Holder: holder, Logger: log}
	return reviewJobs(p, st, svc, wiring.SeatPolicy(p), wiring.SeatOwners(p), log)
}

// newPrivilegeReviewJobs wires the quarterly privilege review: it asks
// about the people access finds holding privilege standing with nothing
// allowing it, and its Keeps allow it in turn.
func newPrivilegeReviewJobs(cfg *config.Config, st store.Store, zd connector.Seats, acc *access.Service, holder string, now func() time.Time, log *slog.Logger) *jobs.Reviews {
	p := cfg.Policy
	rp := wiring.ReviewPolicy(p)
	// Silence is escalated, never acted on: taking privilege away is for
	// a person to decide.
	rp.KeepMaxDays, rp.DowngradeOnSilence = p.Access.KeepMaxDays, false
	svc := &reviews.Service{Records: st, Audit: st, Seats: zd, Privilege: true, Policy: rp, Now: now, Holder: holder, Logger: log}
	acc.Keeps = func(ctx context.Context) (map[int64]access.Keep, error) {
		kept, err := svc.Keeps(ctx)
		out := make(map[int64]access.Keep, len(kept))
		for id, k := range kept {
			out[id] = access.Keep{Until: k.Until, By: k.By, Reason: k.Reason}
		}
		return out, err
	}
	r := reviewJobs(p, st, svc, wiring.SeatPolicy(p), wiring.SeatOwners(p), log)
	r.Standing = func(ctx context.Context) (map[int64]bool, error) {
		snap, err := st.LoadSnapshot(ctx, connector.Zendesk)
		if err != nil {
			return nil, err
		}
		list, err := acc.Standing(ctx, &snap.Roster)
		if err != nil {
			return nil, err
		}
		out := make(map[int64]bool, len(list))
		for _, sd := range list {
			if sd.Allowed == "" {
				out[sd.Staff.ID] = true
			}
		}
		return out, nil
	}
	return r
}

// reviewJobs runs one SaaS's review on the policy's timings.
func reviewJobs(p config.Policy, st store.Store, svc *reviews.Service, rules seats.Policy, owners seats.Owners, log *slog.Logger) *jobs.Reviews {
	return &jobs.Reviews{
		Service:       svc,
		Snapshots:     st,
		Rules:         rules,
		Owners:        owners,
		AdminChannel:  p.AdminChannel,
		RemindAfter:   p.Review.RemindAfter.Std(),
		EscalateAfter: p.Review.EscalateAfter.Std(),
		Command:       p.Command,
		Logger:        log,
	}
}

// tokenRegisters are the credential registers' jobs, Zendesk's first.
func (a *app) tokenRegisters() []*jobs.Tokens {
	if a.gitHubTokens == nil {
		return []*jobs.Tokens{a.tokens}
	}
	return []*jobs.Tokens{a.tokens, a.gitHubTokens}
}

// newTokenJobs wires one SaaS's credential register, read from src in
// account, to the policy.
func newTokenJobs(cfg *config.Config, st store.Store, saas string, src connector.Credentials, account, holder string, now func() time.Time, log *slog.Logger) *jobs.Tokens {
	p := cfg.Policy
	svc := &credentials.Service{
		SaaS:      saas,
		Records:   st,
		Audit:     st,
		Snapshots: st,
		Connector: src,
		Policy: credentials.Policy{Location: p.Location(), UnusedDays: p.Credentials.UnusedDays,
			StepUpRevoke: slices.Contains(p.StepUp.For, config.StepUpCredentialRevoke)},
		Now:    now,
		Holder: holder,
		Logger: log,
	}
	return &jobs.Tokens{
		Service:      svc,
		Source:       src,
		Account:      account,
		AdminChannel: p.AdminChannel,
		Location:     p.Location(),
		Command:      p.Command,
		Logger:       log,
	}
}

// newApprovalJobs wires approval requests to the policy.
func newApprovalJobs(cfg *config.Config, st store.Store, creds *credentials.Service, tickets approvals.Tickets, holder string, now func() time.Time, log *slog.Logger) *jobs.Approvals {
	p := cfg.Policy
	kinds := map[string]approvals.KindPolicy{}
	for name, k := range p.Approvals.Kinds {
		kp := approvals.KindPolicy{Approvers: k.Approvers}
		for _, r := range k.HighRiskIf {
			kp.HighRiskIf = append(kp.HighRiskIf, approvals.RiskRule{Field: r.Field, Contains: r.Contains})
		}
		kinds[name] = kp
	}
	svc := &approvals.Service{
		Records:  st,
		Audit:    st,
		Awaiting: st,
		Policy: approvals.Policy{
			StepUp:            wiring.ApprovalStepUp(p),
			Location:          p.Location(),
			Channel:           p.Approvals.Channel,
			Admins:            p.Admins,
			Approvers:         p.Approvals.Approvers,
			Kinds:             kinds,
			HighRiskApprovals: p.Approvals.HighRiskApprovals,
			ExpireAfter:       p.Approvals.ExpireAfter.Std(),
			RemindAfter:       p.Approvals.RemindAfter.Std(),
			Access:            wiring.AccessPolicy(p),
		},
		Now:      now,
		Holder:   holder,
		Tickets:  tickets,
		Managers: approvals.ManagerMap(p.Managers),
		Logger:   log,
	}
	return &jobs.Approvals{
		Service:      svc,
		Keys:         st,
		Inventories:  []*credentials.Service{creds},
		AdminChannel: p.AdminChannel,
		Command:      p.Command,
		Logger:       log,
	}
}

// useNotifier makes n what every job posts and sends through.
func (a *app) useNotifier(n bot.Notifier) {
	a.reviews.Notifier = n
	a.tokens.Notifier = n
	a.approvals.Notifier = n
	a.access.Notifier = n
	a.privilege.Notifier = n
	a.verify.Notifier = n
	if a.gitHubTokens != nil {
		a.gitHubTokens.Notifier = n
	}
	if a.identity != nil {
		a.identity.Notifier = n
	}
	if a.watch != nil {
		a.watch.Notifier = n
	}
	if a.posture != nil {
		a.posture.Notifier = n
	}
	if a.auditStream != nil && a.cfg.Policy.AdminChannel != "" {
		a.auditStream.Refused = func(ctx context.Context, sink string, delivered int64, err error) {
			if _, serr := n.SendChannel(ctx, a.cfg.Policy.AdminChannel, prompts.AuditSinkRefused(sink, delivered, err.Error())); serr != nil {
				a.log.Warn("the admin channel was not told that the SIEM refuses the audit trail", slog.Any("error", serr))
			}
		}
	}
}

// retention is the retention job over every record kind that ends.
func (a *app) retention(log *slog.Logger) *jobs.Retention {
	p := a.cfg.Policy.Retention
	purgers := []jobs.Purger{
		{What: "verifications", Days: p.VerificationsDays, Purge: a.verify.Service.Purge},
		{What: "approval requests", Days: p.RequestsDays, Purge: a.approvals.Service.Purge},
		{What: "access grants", Days: p.GrantsDays, Purge: a.access.Service.Purge},
		{What: "seat reviews", Days: p.ReviewsDays, Purge: a.reviews.Service.Purge},
		{What: "privilege reviews", Days: p.ReviewsDays, Purge: a.privilege.Service.Purge},
	}
	if a.gitHubReviews != nil {
		purgers = append(purgers, jobs.Purger{What: "GitHub seat reviews", Days: p.ReviewsDays, Purge: a.gitHubReviews.Service.Purge})
	}
	if a.posture != nil {
		purgers = append(purgers, jobs.Purger{What: "weekly posture records", Days: p.PostureDays, Purge: a.posture.Purge})
	}
	if a.watch != nil {
		for _, svc := range a.watch.Services {
			purgers = append(purgers, jobs.Purger{What: "audit watch alerts", Days: p.PostureDays, Purge: svc.Purge})
		}
	}
	return &jobs.Retention{Trail: a.store, Records: a.store, AuditDays: p.AuditDays, Sink: a.cfg.AuditSink.Enabled(), Purgers: purgers, Logger: log}
}

// newWatch is the audit watch over Zendesk's audit log; with a directory,
// a change by someone who left is an alert too.
func (a *app) newWatch(log connector.EventLog, logger *slog.Logger) (*jobs.Watch, error) {
	p, err := wiring.WatchPolicy(a.cfg.Policy)
	if err != nil {
		return nil, err
	}
	svc := &watch.Service{SaaS: connector.Zendesk, Log: log, Store: a.store, Audit: a.store, Policy: p, Now: a.now}
	if a.identity != nil {
		svc.Departed = a.departedStaff(connector.Zendesk)
	}
	svc.Ungranted = a.ungrantedStaff()
	return &jobs.Watch{Services: []*watch.Service{svc}, Channel: cmp.Or(a.cfg.Policy.Posture.AlertChannel, a.cfg.Policy.AdminChannel),
		Keys: a.store, Location: a.cfg.Policy.Location(), Logger: logger}, nil
}

// departedStaff says whether the SaaS member with an id left, by the
// directory: the snapshot names their email, the directory their
// status.
func (a *app) departedStaff(saas string) func(context.Context, int64) (bool, error) {
	return a.memberSet(func(ctx context.Context) (map[int64]bool, error) {
		snap, err := a.store.LoadSnapshot(ctx, saas)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		dir, err := a.identity.Directory.Load(ctx)
		if errors.Is(err, directory.ErrNoDirectory) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		leavers := dir.Leavers()
		left := map[int64]bool{}
		for _, m := range snap.Staff {
			if _, ok := leavers[people.Key(m.Email)]; ok {
				left[m.ID] = true
			}
		}
		return left, nil
	})
}

// ungrantedStaff says whether the Zendesk member with an id holds
// privilege standing with nothing allowing it, as `access standing` lists
// them.
func (a *app) ungrantedStaff() func(context.Context, int64) (bool, error) {
	return a.memberSet(func(ctx context.Context) (map[int64]bool, error) {
		snap, err := a.store.LoadSnapshot(ctx, connector.Zendesk)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		list, err := a.access.Service.Standing(ctx, &snap.Roster)
		if err != nil {
			return nil, err
		}
		out := map[int64]bool{}
		for _, sd := range list {
			if sd.Allowed == "" {
				out[sd.Staff.ID] = true
			}
		}
		return out, nil
	})
}

// memberSet answers whether an id is in the set build makes, building it
// at most once a minute, since a first read of an audit log may judge
// thousands of events.
func (a *app) memberSet(build func(ctx context.Context) (map[int64]bool, error)) func(context.Context, int64) (bool, error) {
	var (
		mu      sync.Mutex
		set     map[int64]bool
		builtAt time.Time
	)
	return func(ctx context.Context, id int64) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		if set == nil || a.now().Sub(builtAt) > time.Minute {
			built, err := build(ctx)
			if err != nil {
				return false, err
			}
			if built == nil {
				built = map[int64]bool{}
			}
			set, builtAt = built, a.now()
		}
		return set[id], nil
	}
}

// seatOwner is who answers for a member's seat in any governed SaaS.
func (a *app) seatOwner(ctx context.Context, saas string, userID int64) (string, error) {
	if saas == connector.GitHub && a.gitHubReviews != nil {
		return a.gitHubReviews.SeatOwner(ctx, saas, userID)
	}
	return a.reviews.SeatOwner(ctx, saas, userID)
}

// postureDigest is the weekly posture, read from the stored snapshots
// and roles, Zendesk's custom roles.
func (a *app) postureDigest(roles connector.Roles, log *slog.Logger) *jobs.PostureDigest {
	rules := map[string]seats.Policy{connector.Zendesk: a.reviews.Rules}
	names := []string{connector.Zendesk}
	if a.gitHubReviews != nil {
		rules[connector.GitHub] = a.gitHubReviews.Rules
		names = append(names, connector.GitHub)
	}
	src := posture.Sources{SaaS: names, Access: a.access.Service, Credentials: a.tokens.Service, Approvals: a.approvals.Service,
		Roles: map[string]connector.Roles{connector.Zendesk: roles}, MFARequired: a.cfg.Policy.Posture.MFARequiredRoles, Location: a.cfg.Policy.Location(),
		Seats: func(ctx context.Context, saas string) (*store.Snapshot, seats.Tally, string, bool, error) {
			snap, err := a.store.LoadSnapshot(ctx, saas)
			if errors.Is(err, store.ErrNotFound) {
				return nil, seats.Tally{}, "", false, nil
			}
			if err != nil {
				return nil, seats.Tally{}, "", false, err
			}
			p := rules[saas]
			return snap, seats.Evaluate(snap, p, a.now()).Summary.Inactive, p.Pricing.Currency, true, nil
		}}
	if a.identity != nil {
		src.Directory = a.identity.Directory
	}
	mfa := a.cfg.Policy.Posture.MFA
	return &jobs.PostureDigest{Sources: src, Records: a.store, Keys: a.store, Channel: a.cfg.Policy.AdminChannel, Command: a.cfg.Policy.Command,
		Location: a.cfg.Policy.Location(), GraceDays: mfa.GraceDays, OnDeadline: mfa.OnDeadline,
		Owner: a.seatOwner, Demote: a.privilege.TakePrivilege, Logger: log}
}

// newAuditSink is the SIEM's collector the configuration names.
func newAuditSink(c config.AuditSink) audit.Sink {
	if c.HEC {
		return &siem.HEC{URL: c.URL, Token: c.Token.Value()}
	}
	return &siem.Webhook{URL: c.URL, Secret: []byte(c.Secret.Value())}
}

// approvalChanged posts what a request's change promised, off the
// command's path so its reply is not held up. An access request that
// the change approved is granted at once, not at the next access-expiry
// run (which grants it anyway if this replica dies first).
func (a *app) approvalChanged(ctx context.Context, id string) {
	a.followUps.Go(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := a.approvals.Deliver(ctx, id); err != nil {
			a.log.Warn("approval request's messages not all posted; the reminders job retries", slog.String("request", id), slog.Any("error", err))
		}
		r, err := a.approvals.Service.Get(ctx, id)
		if err != nil || r.Kind != approvals.Access.Name {
			return
		}
		// A revoke that found the role changed by hand holds the grant:
		// the admins must hear of it, as when the job finds it.
		if g, err := a.access.Service.Get(ctx, access.GrantID(id)); err == nil && g.State == access.Held {
			if err := a.access.Alert(ctx, g); err != nil {
				a.log.Warn("access: held grant not reported to the admin channel", slog.String("grant", g.ID), slog.Any("error", err))
			}
			return
		}
		if r.State == approvals.Approved {
			if err := a.access.GrantRequest(ctx, r); err != nil {
				a.log.Warn("access not granted yet; the access-expiry job retries", slog.String("request", id), slog.Any("error", err))
			}
		}
	})
}

// brokeGlass tells the approvers and the admin channel of a break-glass
// grant, off the command's path.
func (a *app) brokeGlass(ctx context.Context, id string) {
	a.followUps.Go(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := a.access.AnnounceBreakGlass(ctx, id); err != nil {
			a.log.Warn("access: break-glass not announced to everyone", slog.String("grant", id), slog.Any("error", err))
		}
	})
}

// newAccessJobs wires just-in-time access to the policy: grants of
// Zendesk roles, told through the approval requests that asked for them.
func newAccessJobs(cfg *config.Config, st store.Store, roles access.Roles, ap *jobs.Approvals, holder string, now func() time.Time, log *slog.Logger) *jobs.Access {
	p := cfg.Policy
	return &jobs.Access{
		Service:      &access.Service{Store: st, Audit: st, Roles: roles, Policy: wiring.AccessPolicy(p), Now: now, Holder: holder, Logger: log},
		Approvals:    ap.Service,
		Deliver:      ap.Deliver,
		Snapshots:    st,
		AdminChannel: p.AdminChannel,
		Command:      p.Command,
		Keys:         st,
		Logger:       log,
	}
}

// newIdentityJobs reads the configured identity source into the
// directory.
func newIdentityJobs(cfg *config.Config, st store.Store, now func() time.Time, log *slog.Logger) (*jobs.Identity, error) {
	src, err := identitySource(cfg, log)
	if err != nil {
		return nil, err
	}
	p := cfg.Policy
	return &jobs.Identity{
		Directory:    &directory.Service{Records: st, Source: src, Now: now},
		AdminChannel: p.AdminChannel, Location: p.Location(), Keys: st, Logger: log,
	}, nil
}

// syncDirectory runs identity-sync from within sync; when the scheduled
// run holds its lock, that run is the read.
func (a *app) syncDirectory(ctx context.Context) error {
	def, err := a.jobs.Lookup(jobs.NameIdentitySync)
	if err != nil {
		return err
	}
	if err := a.runner.Run(ctx, def); !errors.Is(err, jobs.ErrLocked) {
		return err
	}
	return nil
}

// withManagers is owners with the holder's manager answering for seats
// of groups not listed, when list says manager: true or, with a
// directory, names no default: as the directory names them, else the
// policy's managers map.
func (a *app) withManagers(list []config.Owner, owners seats.Owners) seats.Owners {
	if !wiring.ByManager(list, a.identity != nil) {
		return owners
	}
	var sources approvals.Managers = approvals.ManagerMap(a.cfg.Policy.Managers)
	if a.identity != nil {
		sources = approvals.NotLeavers(approvals.ManagerSources{a.identity.Directory, sources}, a.identity.Directory)
	}
	return owners.WithManagers(func(email string) string {
		m, ok, err := sources.ManagerOf(context.Background(), email)
		if err != nil {
			a.log.Warn("the holder's manager could not be read; the default owner answers", slog.String("holder", email), slog.Any("error", err))
		}
		if !ok {
			return ""
		}
		return m
	})
}

// identitySource is the configured identity source's client.
func identitySource(cfg *config.Config, log *slog.Logger) (interface {
	directory.Source
	Probe(ctx context.Context) error
}, error) {
	id := cfg.Identity
	switch id.Source() {
	case "okta":
		c, err := okta.New(okta.Config{OrgURL: id.OktaURL, Token: id.OktaToken.Value(), Options: apiclient.Options{Logger: log}})
		return okta.Source{Client: c}, err
	case "graph":
		c, err := graph.New(graph.Config{TenantID: id.GraphTenantID, ClientID: id.GraphClientID, ClientSecret: id.GraphClientSecret.Value(),
			APIURL: id.GraphAPIURL, TokenURL: id.GraphTokenURL, Options: apiclient.Options{Logger: log}})
		return graph.Source{Client: c}, err
	case "google":
		c, err := googledir.New(googledir.Config{Key: []byte(id.GoogleCredentials.Value()), Admin: id.GoogleAdmin,
			APIURL: id.GoogleAPIURL, TokenURL: id.GoogleTokenURL, Options: apiclient.Options{Logger: log}})
		return googledir.Source{Client: c}, err
	case "scim":
		c, err := scim.New(scim.Config{URL: id.SCIMURL, Token: id.SCIMToken.Value(), Options: apiclient.Options{Logger: log}})
		return scim.Source{Client: c}, err
	}
	return nil, errors.New("no identity source is configured")
}

// newVerifyJobs wires caller verification to the policy; outcomes of
// verifications naming a ticket are written to it in Zendesk.
func newVerifyJobs(cfg *config.Config, st store.Store, notes verify.Notes, now func() time.Time, log *slog.Logger) *jobs.Verify {
	p := cfg.Policy
	return &jobs.Verify{
		Service:      &verify.Service{Store: st, Audit: st, Policy: wiring.VerifyPolicy(p), Now: now, Logger: log},
		AlertChannel: p.VerifyAlertChannel(),
		View:         prompts.Verifications{Location: p.Location(), Command: p.Command},
		Notes:        notes,
		// A ticket that is gone or a note Zendesk refuses is not retried.
		NoteFinal: func(err error) bool { return connector.Final(err) || errors.Is(err, connector.ErrNotFound) },
		Keys:      st,
		Logger:    log,
	}
}

// verifyStarted posts the asker's status message off the command's path.
func (a *app) verifyStarted(ctx context.Context, v verify.Verification) {
	a.followUps.Go(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := a.verify.ShowAsker(ctx, v.ID); err != nil {
			a.log.Warn("verification status not posted to the asker; the reply to the command has the code", slog.String("verification", v.ID), slog.Any("error", err))
		}
	})
}

// verifyEnded finishes a verification a tap ended (messages redrawn,
// security told, the ticket note) off the click's path; the
// verify-expiry job retries what this does not finish.
func (a *app) verifyEnded(ctx context.Context, v verify.Verification) {
	a.followUps.Go(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := a.verify.FollowUp(ctx, v); err != nil {
			a.log.Warn("verification follow-up not finished; the verify-expiry job retries it", slog.String("verification", v.ID), slog.Any("error", err))
		}
	})
}

// reviewChanged redraws other copies of the owners' digests after a
// decision, off the click's path so its reply is not held up. A digest
// holds every SaaS's seats, so whichever SaaS the seat was in, Zendesk's
// review (which the others join) redraws it.
func (a *app) reviewChanged(ctx context.Context, _, period string, except bot.MessageRef, owners ...string) {
	a.followUps.Go(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if reviews.Quarterly.Valid(period) {
			a.privilege.Changed(ctx, period, except, owners...)
			return
		}
		a.reviews.Changed(ctx, period, except, owners...)
	})
}

// afterSync publishes the new snapshot's seat counts.
func (a *app) afterSync(ctx context.Context, res seats.SyncResult) {
	// The seat gauges are Zendesk's, as they always were, counted from
	// the store a chunk at a time rather than from the account held whole.
	if snap := res.Snapshot; snap != nil && snap.Connector == connector.Zendesk {
		sum, err := seats.Summarize(ctx, a.store, connector.Zendesk, wiring.SeatPolicy(a.cfg.Policy), a.now())
		if err != nil {
			a.log.WarnContext(ctx, "seat gauges not updated", slog.Any("error", err))
		} else {
			a.metrics.SetSnapshot(snap.SyncedAt, sum.Active.Seats, sum.Inactive.Seats)
		}
	}
	if a.router != nil {
		a.router.SnapshotSaved()
	}
	if a.onSync != nil {
		a.onSync(res)
	}
}

// handler is the HTTP surface: operational endpoints and the chat
// transports that are on.
func (a *app) handler() http.Handler {
	mux := server.NewMux(server.Options{
		Ready: []server.Check{
			{Name: "config", Run: func(context.Context) error { return a.cfg.RequireZendesk() }},
			{Name: "store", Run: a.store.Ping},
		},
		Metrics: a.metrics.Handler(),
		Logger:  a.log,
	})
	if a.slack != nil && !a.cfg.Slack.SocketMode() {
		a.slack.Register(mux)
	}
	if a.teams != nil {
		a.teams.Register(mux)
	}
	if a.teamsTab != nil {
		a.teamsTab.Register(mux)
	}
	if a.stepUp != nil {
		a.stepUp.pages(a).Register(mux)
	}
	return mux
}

// newSlackAdapter connects the command router to Slack over HTTP.
// Clicks are kept in the store until answered, so a replica that dies
// with clicks queued leaves them to the others.
func newSlackAdapter(cfg *config.Config, router *commands.Router, st store.Store, holder string, log *slog.Logger) (*slackbot.Adapter, error) {
	opts := []slackgo.Option{
		slackgo.OptionHTTPClient(&http.Client{Timeout: 15 * time.Second}),
		// slack-go waits out 429 Retry-After itself, a few times.
		slackgo.OptionRetry(3),
	}
	origins := []string{slackbot.DefaultResponseOrigin}
	if cfg.Slack.APIURL != "" {
		opts = append(opts, slackgo.OptionAPIURL(cfg.Slack.APIURL))
		// An emulator (or a proxy) serves response_urls on its own host.
		if u, err := url.Parse(cfg.Slack.APIURL); err == nil && u.Host != "" {
			origins = append(origins, u.Scheme+"://"+u.Host)
		}
	}
	return slackbot.New(slackbot.Options{
		ResponseOrigins: origins,
		SigningSecret:   cfg.Slack.SigningSecret.Value(),
		API:             slackgo.New(cfg.Slack.BotToken.Value(), opts...),
		Handler:         router,
		Dedupe:          st,
		Users:           st,
		Intake:          st,
		Holder:          holder,
		AllowedTeams:    cfg.Policy.Slack.AllowedTeams,
		Logger:          log,
	})
}

// newTeamsTab serves the router's home as the Teams personal tab, signed
// in through the bot's directory.
func newTeamsTab(cfg *config.Config, router *commands.Router, log *slog.Logger) (*teamsbot.Tab, error) {
	u, err := url.Parse(cfg.PublicURL)
	if err != nil {
		return nil, fmt.Errorf("SEATWARDEN_PUBLIC_URL: %w", err)
	}
	return teamsbot.NewTab(router, teamsbot.TabSignIn{AppID: cfg.Teams.AppID, Tenant: cfg.Teams.TenantID, Host: u.Host,
		KeysURL: cfg.Teams.SignInKeysURL}, log)
}

// entraObjectIDs finds people's Entra object ids in the directory, when
// it is read from Microsoft Graph in the bot's own tenant, so Teams can
// message people who have not talked to the bot yet; nil otherwise.
func (a *app) entraObjectIDs() func(context.Context, string) (string, bool, error) {
	id := a.cfg.Identity
	if a.identity == nil || id.Source() != "graph" || !strings.EqualFold(id.GraphTenantID, a.cfg.Teams.TenantID) {
		return nil
	}
	return a.identity.Directory.SourceID
}

// newTeamsAdapter connects the command router to Teams.
func newTeamsAdapter(cfg *config.Config, router *commands.Router, st store.Store, holder string, entraObjectIDs func(context.Context, string) (string, bool, error), log *slog.Logger) (*teamsbot.Adapter, error) {
	t := cfg.Teams
	serviceURLs := t.ServiceURLs
	if len(serviceURLs) == 0 {
		serviceURLs = config.DefaultTeamsServiceURLs()
	}
	return teamsbot.New(teamsbot.Options{
		AppID:             t.AppID,
		AppPassword:       t.AppPassword.Value(),
		TenantID:          t.TenantID,
		OpenIDMetadataURL: cmp.Or(t.OpenIDMetadataURL, config.DefaultOpenIDMetadataURL),
		TokenURL:          cmp.Or(t.TokenURL, config.DefaultTeamsTokenURL(t.TenantID)),
		ServiceURLs:       serviceURLs,
		Handler:           router,
		Records:           st,
		Dedupe:            st,
		Intake:            st,
		Holder:            holder,
		EntraObjectID:     entraObjectIDs,
		Command:           cfg.Policy.Command,
		Logger:            log,
	})
}

// runSocketMode connects to Slack over Socket Mode until ctx ends; a
// refused app token is reported on errc.
func (a *app) runSocketMode(ctx context.Context, errc chan<- error) {
	sm, err := a.slack.NewSocketMode(slackbot.SocketModeOptions{AppToken: a.cfg.Slack.AppToken.Value(), APIURL: a.cfg.Slack.APIURL})
	if err == nil {
		a.log.Info("Slack: Socket Mode (no inbound HTTP for Slack)")
		err = sm.Run(ctx)
	}
	if err != nil {
		errc <- err
	}
}

func (a *app) Close() {
	a.followUps.Wait()
	if a.store != nil {
		if err := a.store.Close(); err != nil {
			a.log.Warn("store close", slog.Any("error", err))
		}
	}
}

// openStore picks Redis when REDIS_URL (or cluster addresses) is set, else
// the embedded file in SEATWARDEN_DATA_DIR, sealed with the configured
// encryption keys. forRekey opens it for `store rekey` alone.
// storeUse is what a command opens the store for.
type storeUse int

const (
	storeServe  storeUse = iota // the bot's own reads and writes
	storeRekey                  // store rekey: the sealing methods alone
	storeExport                 // audit export: one pass over the trail
)

func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger, use storeUse) (store.SealingStore, error) {
	forRekey := use == storeRekey
	keys, err := cfg.Keyring()
	if err != nil {
		return nil, err
	}
	if !cfg.Redis.Enabled() {
		path := filepath.Join(cfg.DataDir, "seatwarden.db")
		st, err := boltstore.Open(path, boltstore.Options{Timeout: 2 * time.Second, Keys: keys, Rekey: forRekey, OnePass: use == storeExport})
		if err != nil {
			return nil, err
		}
		log.Info("store: embedded file", slog.String("path", path), sealingAttr(st))
		return st, nil
	}
	redis.SetLogger(redisLogger{log})
	client, err := redisstore.NewClient(redisstore.ClientOptions{
		URL:           cfg.Redis.URL.Value(),
		MasterName:    cfg.Redis.MasterName,
		SentinelAddrs: cfg.Redis.SentinelAddrs,
		ClusterAddrs:  cfg.Redis.ClusterAddrs,
	})
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	// The bot waits out a Redis that is restarting or failing over (a
	// minute); a one-off command says so at once.
	patience := 5 * time.Second
	if use == storeServe {
		patience = redisStartPatience
	}
	st, err := openRedis(ctx, client, redisstore.Options{Keys: keys, Rekey: forRekey, WaitReplicas: cfg.Redis.WaitReplicas}, patience, log)
	if err != nil {
		_ = client.Close()
		if aboutTheData(err) {
			return nil, err
		}
		return nil, fmt.Errorf("store: Redis does not answer (check REDIS_URL and that the server is up): %w", err)
	}
	log.Info("store: redis", sealingAttr(st))
	return st, nil
}

// redisStartPatience is how long `serve` keeps trying a Redis that does
// not answer before it gives up: longer than a Sentinel failover or a
// restart, shorter than an orchestrator's patience with a starting pod.
const redisStartPatience = time.Minute

// openRedis opens the store, trying again every few seconds for up to
// patience while Redis does not answer. Errors about the data or the
// keys are final at once.
func openRedis(ctx context.Context, client redis.UniversalClient, opts redisstore.Options, patience time.Duration, log *slog.Logger) (*redisstore.Store, error) {
	deadline := time.Now().Add(patience)
	for attempt := 1; ; attempt++ {
		pctx, cancel := context.WithTimeout(ctx, min(5*time.Second, max(time.Until(deadline), time.Second)))
		st, err := redisstore.Open(pctx, client, opts)
		cancel()
		switch {
		case err == nil:
			return st, nil
		case aboutTheData(err):
			return nil, err
		case ctx.Err() != nil || time.Now().Add(2*time.Second).After(deadline):
			return nil, err
		}
		log.Warn("store: Redis does not answer yet; trying again", slog.Int("attempt", attempt), slog.Any("error", err))
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// aboutTheData reports whether opening the store failed over its data or
// its keys, which no retry mends, rather than over reaching it.
func aboutTheData(err error) bool {
	var unknown *seal.UnknownKeyError
	return errors.Is(err, store.ErrKeyRequired) || errors.Is(err, store.ErrClearData) ||
		errors.Is(err, store.ErrSealingUnfinished) || errors.As(err, &unknown)
}

// sealingAttr says in a log line how the store keeps its data.
func sealingAttr(st store.Sealing) slog.Attr {
	if sealed, key := st.Sealed(); sealed {
		return slog.String("encryption", "sealed under key "+key)
	}
	return slog.String("encryption", "none")
}

// redisLogger sends go-redis's internal messages (reconnects, pool dial
// failures) to the process logger instead of stderr.
type redisLogger struct{ l *slog.Logger }

func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	r.l.WarnContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// newZendeskClient builds the client from the environment.
func newZendeskClient(cfg *config.Config, log *slog.Logger, observe func(string, int, time.Duration)) (*zendesk.Client, error) {
	auth, err := zendeskAuth(cfg)
	if err != nil {
		return nil, err
	}
	return zendesk.New(zendesk.Config{
		BaseURL:           cfg.Zendesk.URL,
		HTTPClient:        &http.Client{Timeout: cfg.Policy.Zendesk.Timeout.Std()},
		Auth:              auth,
		RequestsPerMinute: cfg.Policy.Zendesk.RequestsPerMinute,
		Logger:            log,
		Observe:           observe,
	})
}

func zendeskAuth(cfg *config.Config) (zendesk.Auth, error) {
	z := cfg.Zendesk
	switch cfg.ZendeskAuthMethod() {
	case config.AuthOAuthClientCredentials:
		return zendesk.OAuthClientCredentials(z.OAuthClientID, z.OAuthClientSecret.Value()), nil
	case config.AuthOAuthToken:
		return zendesk.OAuthToken(z.OAuthToken.Value()), nil
	case config.AuthAPIToken:
		return zendesk.APIToken(z.Email, z.APIToken.Value()), nil
	default:
		return nil, errors.New("no Zendesk credentials: set ZENDESK_OAUTH_CLIENT_ID and ZENDESK_OAUTH_CLIENT_SECRET (preferred), ZENDESK_OAUTH_TOKEN, or ZENDESK_EMAIL and ZENDESK_API_TOKEN")
	}
}

// newLogger builds the process logger from config.
func newLogger(cfg *config.Config, e env) (*slog.Logger, error) {
	return telemetry.NewLogger(e.stderr, cfg.LogLevel, cfg.LogFormat)
}
