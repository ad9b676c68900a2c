package main

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/seatwarden/seatwarden/bot/teams"
	"github.com/seatwarden/seatwarden/bot/teams/teamstest"
	"github.com/seatwarden/seatwarden/commands"
	"github.com/seatwarden/seatwarden/config"
	"github.com/seatwarden/seatwarden/internal/wiring"
	"github.com/seatwarden/seatwarden/server"
	"github.com/seatwarden/seatwarden/store"
	"github.com/seatwarden/seatwarden/telemetry"
)

// messagesPath is where both servers take activities.
const messagesPath = "/api/messages"

// benchPolicy is the default policy with two group owners, so the
// summary's ownership section has work to do. The caller sets Admins once
// seeding has named the account owner.
func benchPolicy() config.Policy {
	p := config.DefaultPolicy()
	p.Owners = []config.Owner{{Group: "Tier 2", Owner: "tier2.lead@acme.example"}, {Group: "Billing", Owner: "billing.lead@acme.example"}}
	return p
}

// loadUser is the n-th person asking (n from 1).
func loadUser(n int) teamstest.User {
	return teamstest.User{ID: fmt.Sprintf("29:u%d", n), Name: fmt.Sprintf("Load User %d", n), Email: loadEmail(n), Installed: true}
}

func loadEmail(n int) string { return fmt.Sprintf("u%d@load.example", n) }

// fullStack is the bot's HTTP surface wired as `seatwarden serve` wires it
// for Teams: the operational mux, the Teams adapter with the store for
// references and deduplication, the command router, the store wrapped for
// the latency metric; and around it the Bot Framework emulator with a
// proxy in front of its connector.
type fullStack struct {
	emu     *teamstest.Server
	proxy   *connectorProxy
	srv     *server.Server
	adapter *teams.Adapter
	done    chan error
}

func startFullStack(raw store.Store, policy config.Policy, users int, log *slog.Logger) (*fullStack, error) {
	f := &fullStack{done: make(chan error, 1)}
	f.emu = teamstest.NewServer(teamstest.Options{})
	for n := 1; n <= users; n++ {
		f.emu.AddUser(loadUser(n))
	}
	var err error
	if f.proxy, err = newConnectorProxy(f.emu.URL); err != nil {
		f.close(context.Background())
		return nil, err
	}

	metrics := telemetry.New()
	st := store.Instrument(raw, metrics.ObserveStore)
	router, err := commands.New(commands.Deps{
		Snapshots: st,
		Audit:     st,
		Policy:    wiring.SeatPolicy(policy),
		Admins:    policy.Admins,
		Owners:    wiring.SeatOwners(policy),
		Command:   policy.Command,
		Now:       time.Now,
		Logger:    log,
	})
	if err != nil {
		f.close(context.Background())
		return nil, err
	}
	f.adapter, err = teams.New(teams.Options{
		AppID:             f.emu.AppID(),
		AppPassword:       f.emu.AppPassword(),
		TenantID:          f.emu.TenantID(),
		OpenIDMetadataURL: f.emu.MetadataURL(),
		TokenURL:          f.emu.TokenURL(),
		ServiceURLs:       []string{f.proxy.serviceURL()},
		Handler:           router,
		Records:           st,
		Dedupe:            st,
		Command:           policy.Command,
		Logger:            log,
	})
	if err != nil {
		f.close(context.Background())
		return nil, err
	}
	mux := server.NewMux(server.Options{
		Ready:   []server.Check{{Name: "store", Run: st.Ping}},
		Metrics: metrics.Handler(),
		Logger:  log,
	})
	f.adapter.Register(mux)
	if f.srv, err = server.Listen("127.0.0.1:0", mux, log); err != nil {
		f.close(context.Background())
		return nil, err
	}
	go func() { f.done <- f.srv.Serve() }()
	return f, nil
}

func (f *fullStack) url() string { return "http://" + f.srv.Addr() + messagesPath }

// activities are the messages the load users type, signed for the proxy's
// service URL.
func (f *fullStack) activities(users int, text string) *activities {
	serviceURL := f.proxy.serviceURL()
	a := &activities{token: f.emu.InboundToken(serviceURL), base: time.Now().UnixMilli() * 1000}
	for n := 1; n <= users; n++ {
		u := loadUser(n)
		act := f.emu.Message(u, f.emu.PersonalConversation(u.ID), text)
		act.ServiceURL = serviceURL
		a.templates = append(a.templates, act)
	}
	return a
}

// close stops the server, then lets the adapter finish replies it already
// took, until ctx ends.
func (f *fullStack) close(ctx context.Context) error {
	var errs []error
	if f.srv != nil {
		errs = append(errs, f.srv.Shutdown(ctx), <-f.done)
	}
	if f.adapter != nil {
		errs = append(errs, f.adapter.Close(ctx))
	}
	if f.proxy != nil {
		f.proxy.close()
	}
	if f.emu != nil {
		f.emu.Close()
	}
	return errors.Join(errs...)
}

// keySet is the Bot Connector's signing keys and issuer, fetched once from
// the OpenID metadata.
type keySet struct {
	issuer string
	keys   map[string]*rsa.PublicKey
}

func fetchKeys(ctx context.Context, metadataURL string) (*keySet, error) {
	var meta struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := getJSON(ctx, metadataURL, &meta); err != nil {
		return nil, fmt.Errorf("OpenID metadata: %w", err)
	}
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := getJSON(ctx, meta.JWKSURI, &set); err != nil {
		return nil, fmt.Errorf("key set: %w", err)
	}
	ks := &keySet{issuer: meta.Issuer, keys: map[string]*rsa.PublicKey{}}
	for _, k := range set.Keys {
		n, errN := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.N, "="))
		e, errE := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.E, "="))
		if k.Kty != "RSA" || k.Kid == "" || errN != nil || errE != nil || len(e) == 0 || len(e) > 4 {
			continue
		}
		ks.keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	if len(ks.keys) == 0 {
		return nil, errors.New("the key set has no RSA key")
	}
	return ks, nil
}

func getJSON(ctx context.Context, url string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(into)
}

// bareHandler does what every Teams activity costs before any bot logic:
// verify the bearer token's RS256 signature against the cached key set,
// its issuer, audience and validity, then answer 200. It does not parse
// the activity; the body is drained so the connection can be reused.
func bareHandler(ks *keySet, appID string) http.Handler {
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(ks.issuer),
		jwt.WithAudience(appID),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(5*time.Minute),
	)
	keyFunc := func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if k, ok := ks.keys[kid]; ok {
			return k, nil
		}
		return nil, fmt.Errorf("unknown key id %q", kid)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var c jwt.RegisteredClaims
		if _, err := parser.ParseWithClaims(strings.TrimSpace(raw), &c, keyFunc); err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})
}

// bareStack serves bareHandler on a server configured like the bot's.
type bareStack struct {
	srv  *server.Server
	done chan error
}

func startBare(h http.Handler, log *slog.Logger) (*bareStack, error) {
	mux := http.NewServeMux()
	mux.Handle("POST "+messagesPath, h)
	srv, err := server.Listen("127.0.0.1:0", mux, log)
	if err != nil {
		return nil, err
	}
	b := &bareStack{srv: srv, done: make(chan error, 1)}
	go func() { b.done <- srv.Serve() }()
	return b, nil
}

func (b *bareStack) url() string { return "http://" + b.srv.Addr() + messagesPath }

func (b *bareStack) close(ctx context.Context) error {
	return errors.Join(b.srv.Shutdown(ctx), <-b.done)
}
