package teamstest_test

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/seatwarden/seatwarden/bot/teams/teamstest"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

var (
	alice = teamstest.User{
		ID: "29:1alice", AADObjectID: "aaaaaaaa-0000-4000-8000-000000000001", Name: "Alice Liddell",
		Email: "alice@example.com", UPN: "alice@example.com", Installed: true,
	}
	bob = teamstest.User{
		ID: "29:1bob", AADObjectID: "bbbbbbbb-0000-4000-8000-000000000002", Name: "Bob Builder",
		Email: "bob@example.com", UPN: "bob@example.com", Installed: false,
	}
	carol = teamstest.User{
		ID: "29:1carol", AADObjectID: "cccccccc-0000-4000-8000-000000000003", Name: "Carol Danvers",
		Email: "carol@example.com", UPN: "carol@example.com", Installed: true,
	}
	ops = teamstest.Channel{
		ID: "19:ops0123@thread.tacv2", TeamID: "19:team0123@thread.tacv2", TeamName: "Platform",
		Name: "ops", Members: []string{alice.ID, carol.ID},
	}
)

// newTestServer starts an emulator frozen at t0 (Advance moves it) with
// alice and carol (app installed), bob (not installed) and the ops
// channel.
func newTestServer(t *testing.T) *teamstest.Server {
	t.Helper()
	s := teamstest.NewServer(teamstest.Options{Now: func() time.Time { return t0 }})
	t.Cleanup(s.Close)
	for _, u := range []teamstest.User{alice, bob, carol} {
		s.AddUser(u)
	}
	s.AddChannel(ops)
	return s
}

// call makes one HTTP request and decodes a JSON answer (nil when the
// body is empty).
func call(t *testing.T, method, url, auth, contentType, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, url, err, raw)
		}
	}
	return resp, out
}

// connector calls the emulated Bot Connector with a freshly issued token.
func connector(t *testing.T, s *teamstest.Server, method, path, body string) (*http.Response, map[string]any) {
	t.Helper()
	return call(t, method, s.ServiceURL()+path, "Bearer "+s.IssueToken(), "application/json", body)
}

// errorCode is the code of a Bot Connector ErrorResponse.
func errorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// inboundVerifier checks tokens the way a bot must: keys from the JWKS
// the metadata names, RS256, issuer, audience, expiry on the emulator
// clock, and the serviceurl claim.
type inboundVerifier struct {
	keys map[string]*rsa.PublicKey
	s    *teamstest.Server
}

func newInboundVerifier(t *testing.T, s *teamstest.Server) *inboundVerifier {
	t.Helper()
	_, meta := call(t, http.MethodGet, s.MetadataURL(), "", "", "")
	jwksURI, _ := meta["jwks_uri"].(string)
	_, jwks := call(t, http.MethodGet, jwksURI, "", "", "")
	v := &inboundVerifier{keys: map[string]*rsa.PublicKey{}, s: s}
	keys, _ := jwks["keys"].([]any)
	for _, k := range keys {
		m := k.(map[string]any)
		n, err := base64.RawURLEncoding.DecodeString(m["n"].(string))
		if err != nil {
			t.Fatalf("n: %v", err)
		}
		e, err := base64.RawURLEncoding.DecodeString(m["e"].(string))
		if err != nil {
			t.Fatalf("e: %v", err)
		}
		v.keys[m["kid"].(string)] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return v
}

func (v *inboundVerifier) verify(token, serviceURL string) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		if key := v.keys[kid]; key != nil {
			return key, nil
		}
		return nil, errors.New("unknown kid " + kid)
	},
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(teamstest.BotFrameworkIssuer),
		jwt.WithAudience(v.s.AppID()),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(v.s.Now),
	)
	if err != nil {
		return nil, err
	}
	if got, _ := claims["serviceurl"].(string); got != serviceURL {
		return nil, errors.New("serviceurl claim " + got + " is not " + serviceURL)
	}
	return claims, nil
}

// contextWithTimeout bounds a wait on something another goroutine does.
func contextWithTimeout(t *testing.T) (context.Context, context.CancelFunc) {
	t.Helper()
	return context.WithTimeout(context.Background(), 10*time.Second)
}
