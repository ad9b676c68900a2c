package credentials_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin on machines without a zoneinfo database

	"github.com/seatwarden/seatwarden/connector"
	"github.com/seatwarden/seatwarden/credentials"
	"github.com/seatwarden/seatwarden/integrations/zendesk"
	"github.com/seatwarden/seatwarden/integrations/zendesk/zendesktest"
	"github.com/seatwarden/seatwarden/seats"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/store/boltstore"
)

var (
	berlin = mustLoad("Europe/Berlin")
	// now is a Saturday morning in Berlin, 160 days before Zendesk turns
	// API tokens off.
	now = time.Date(2026, time.November, 21, 10, 0, 0, 0, berlin)
)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// People of the sample account.
const (
	dana   = "dana@acme.example"   // admin, the bot's Zendesk user
	omar   = "omar@acme.example"   // admin
	priya  = "priya@acme.example"  // agent
	lucas  = "lucas@acme.example"  // team lead
	hannah = "hannah@acme.example" // suspended agent
	grace  = "grace@acme.example"  // deleted agent

	danaID   int64 = 900000000101
	omarID   int64 = 900000000102
	priyaID  int64 = 900000000103
	hannahID int64 = 900000000111
	graceID  int64 = 900000000116
)

// The bot's own Zendesk credential; recognisable, so it can be looked for.
const botToken = "bot-api-token-SECRET-0c1d"

// Sample credentials (see zendesktest.SampleOrg).
const (
	hrSync         = "api-token:5501" // Dana's, used 3 days ago
	zapierExport   = "api-token:5502" // Omar's, idle 24 days
	oldReporting   = "api-token:5503" // created by Grace (deleted), idle 150 days
	billingRecon   = "api-token:5504" // Dana's, used yesterday
	chatMigration  = "api-token:5505" // Omar's, deactivated
	seatGovToken   = "oauth-token:880001"
	reportingToken = "oauth-token:880002"
	mobileHannah   = "oauth-token:880005" // acts as Hannah (suspended)
	reportingImp   = "oauth-token:880006" // impersonate, never used
	reportingApp   = "oauth-client:7702"
	timesheetApp   = "app:361234500002"
)

// clock is a settable clock shared by the service and the emulator.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// waitClock drives the client's rate budget and retry waits: a wait
// moves it forward instead of sleeping.
type waitClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *waitClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *waitClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return nil
}

// env is an emulated Zendesk account, the real client, an embedded store
// holding a seat snapshot of the account, and the register over them.
type env struct {
	org    *zendesktest.Org
	emu    *zendesktest.Server
	client *zendesk.Client
	store  *boltstore.Store
	clock  *clock
	svc    *credentials.Service
	// botEmail is the Zendesk user the bot's API token acts as.
	botEmail string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, zendesktest.SampleOrg(now), dana)
}

// newEnvWith serves org, authenticating the bot as botEmail.
func newEnvWith(t *testing.T, org *zendesktest.Org, botEmail string) *env {
	t.Helper()
	e := &env{org: org, clock: &clock{t: now}, botEmail: botEmail}
	e.emu = zendesktest.NewServer(org, zendesktest.WithAPIToken(botEmail, botToken), zendesktest.WithClock(e.clock.Now))
	t.Cleanup(e.emu.Close)
	e.client = e.newClient(t)
	var err error
	e.store, err = boltstore.Open(filepath.Join(t.TempDir(), "x.db"), boltstore.Options{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.store.Close() })
	syncer := &seats.Syncer{Source: zendesk.Connector{Client: e.client}, Connector: connector.Zendesk, Store: e.store, Account: e.emu.URL, Now: e.clock.Now}
	if _, err := syncer.Sync(t.Context()); err != nil {
		t.Fatalf("seat sync: %v", err)
	}
	e.svc = e.service("test")
	return e
}

func (e *env) newClient(t *testing.T) *zendesk.Client {
	t.Helper()
	wait := &waitClock{t: now}
	c, err := zendesk.New(zendesk.Config{
		BaseURL:           e.emu.URL,
		Auth:              zendesk.APIToken(e.botEmail, botToken),
		Logger:            slog.New(slog.DiscardHandler),
		RequestsPerMinute: 100_000,
		MaxRetries:        2,
		Now:               wait.Now,
		Sleep:             wait.Sleep,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// service is one replica of the register, named holder, on env's store.
func (e *env) service(holder string) *credentials.Service {
	return &credentials.Service{
		Records: e.store, Audit: e.store, Snapshots: e.store, Connector: zendesk.Connector{Client: e.client},
		Policy: credentials.Policy{Location: berlin},
		Now:    e.clock.Now, Holder: holder,
	}
}

// sync runs an inventory sync that must succeed.
func (e *env) sync(t *testing.T) credentials.SyncResult {
	t.Helper()
	res, err := e.svc.Sync(t.Context(), zendesk.Connector{Client: e.client}, e.emu.URL)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	return res
}

func (e *env) item(t *testing.T, id string) credentials.Item {
	t.Helper()
	it, err := e.svc.Item(t.Context(), id)
	if err != nil {
		t.Fatalf("Item(%s): %v", id, err)
	}
	return it
}

// audit returns the audit entries with action, oldest first.
func (e *env) audit(t *testing.T, action string) []store.AuditEntry {
	t.Helper()
	all, err := e.store.ListAudit(t.Context(), 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.AuditEntry
	for _, a := range all {
		if a.Action == action {
			out = append(out, a)
		}
	}
	return out
}

// entryStored reports whether a register entry record exists for id.
func (e *env) entryStored(t *testing.T, id string) bool {
	t.Helper()
	_, err := e.store.GetRecord(t.Context(), "credential", id)
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrNotFound):
		return false
	}
	t.Fatalf("GetRecord(credential, %s): %v", id, err)
	return false
}

// claim claims id for a with a valid form.
func (e *env) claim(t *testing.T, id string, a credentials.Actor) credentials.Item {
	t.Helper()
	it, err := e.svc.Claim(t.Context(), id, a, validClaim(id))
	if err != nil {
		t.Fatalf("Claim(%s) by %s: %v", id, a.Email, err)
	}
	return it
}

func validClaim(id string) credentials.Claim {
	c := credentials.Claim{Purpose: "Nightly ticket export to the warehouse", NextReview: now.AddDate(0, 0, 90)}
	if k, _, _ := credentials.ParseID(id); k == credentials.OAuthToken {
		c.Scopes = []string{"read", "users:write", "impersonate", "write"}
	}
	return c
}

func admin(email string) credentials.Actor { return credentials.Actor{Email: email, Admin: true} }
func agent(email string) credentials.Actor { return credentials.Actor{Email: email} }

// day is the calendar day d days from now in Berlin, at noon.
func day(d int) time.Time {
	y, m, dd := now.Date()
	return time.Date(y, m, dd+d, 12, 0, 0, 0, berlin)
}

// oauthTokenInfo is an OAuth token issued to client for user, created a
// week ago, with read scope.
func oauthTokenInfo(id, client, user int64) zendesk.OAuthTokenInfo {
	return zendesk.OAuthTokenInfo{ID: id, ClientID: client, UserID: user, Scopes: []string{"read"}, CreatedAt: now.AddDate(0, 0, -7).UTC()}
}
