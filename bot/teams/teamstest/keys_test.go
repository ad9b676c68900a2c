package teamstest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/seatwarden/seatwarden/bot/teams/teamstest"
)

func TestMetadataAndKeys(t *testing.T) {
	s := newTestServer(t)
	resp, meta := call(t, http.MethodGet, s.MetadataURL(), "", "", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("metadata status = %d", resp.StatusCode)
	}
	for key, want := range map[string]any{
		"issuer":                                "https://api.botframework.com",
		"jwks_uri":                              s.URL + "/v1/.well-known/keys",
		"id_token_signing_alg_values_supported": []any{"RS256"},
		"token_endpoint_auth_methods_supported": []any{"private_key_jwt"},
	} {
		if diff := cmp.Diff(want, meta[key]); diff != "" {
			t.Errorf("metadata %s (-want +got):\n%s", key, diff)
		}
	}
	_, jwks := call(t, http.MethodGet, s.KeysURL(), "", "", "")
	keys := jwks["keys"].([]any)
	if len(keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(keys))
	}
	key := keys[0].(map[string]any)
	for field, want := range map[string]any{"kty": "RSA", "use": "sig", "kid": s.KeyID(), "e": "AQAB", "endorsements": []any{"msteams"}} {
		if diff := cmp.Diff(want, key[field]); diff != "" {
			t.Errorf("key %s (-want +got):\n%s", field, diff)
		}
	}
	if got, want := s.MetadataFetches(), 1; got != want {
		t.Errorf("MetadataFetches = %d, want %d", got, want)
	}
	if got, want := s.KeysFetches(), 1; got != want {
		t.Errorf("KeysFetches = %d, want %d", got, want)
	}
}

func TestInboundTokenVerifies(t *testing.T) {
	s := newTestServer(t)
	v := newInboundVerifier(t, s)
	claims, err := v.verify(s.InboundToken(s.ServiceURL()), s.ServiceURL())
	if err != nil {
		t.Fatalf("InboundToken does not verify: %v", err)
	}
	want := jwt.MapClaims{
		"iss":        "https://api.botframework.com",
		"aud":        s.AppID(),
		"serviceurl": s.ServiceURL(),
		"nbf":        float64(t0.Add(-5 * time.Minute).Unix()),
		"exp":        float64(t0.Add(time.Hour).Unix()),
	}
	if diff := cmp.Diff(want, claims); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
}

func TestSignTokenRefusals(t *testing.T) {
	s := newTestServer(t)
	v := newInboundVerifier(t, s)
	valid := func() jwt.MapClaims {
		return jwt.MapClaims{
			"iss": teamstest.BotFrameworkIssuer, "aud": s.AppID(), "serviceurl": s.ServiceURL(),
			"nbf": t0.Add(-time.Minute).Unix(), "exp": t0.Add(time.Hour).Unix(),
		}
	}
	with := func(key string, value any) jwt.MapClaims {
		c := valid()
		if value == nil {
			delete(c, key)
		} else {
			c[key] = value
		}
		return c
	}
	tests := []struct {
		name   string
		claims jwt.MapClaims
		opts   []teamstest.SignOption
		ok     bool
	}{
		{name: "valid", claims: valid(), ok: true},
		{name: "foreign key, published kid", claims: valid(), opts: []teamstest.SignOption{teamstest.WithForeignKey()}},
		{name: "unknown kid", claims: valid(), opts: []teamstest.SignOption{teamstest.WithKeyID("nope")}},
		{name: "no kid", claims: valid(), opts: []teamstest.SignOption{teamstest.WithKeyID("")}},
		{name: "wrong audience", claims: with("aud", "someone-else")},
		{name: "wrong issuer", claims: with("iss", "https://sts.windows.net/x/")},
		{name: "expired", claims: with("exp", t0.Add(-time.Second).Unix())},
		{name: "not yet valid", claims: with("nbf", t0.Add(time.Hour).Unix())},
		{name: "wrong serviceurl", claims: with("serviceurl", "https://elsewhere.example/")},
		{name: "no serviceurl", claims: with("serviceurl", nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.verify(s.SignToken(tt.claims, tt.opts...), s.ServiceURL())
			if (err == nil) != tt.ok {
				t.Errorf("verify error = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestRotateKey(t *testing.T) {
	s := newTestServer(t)
	oldKID := s.KeyID()
	before := s.InboundToken(s.ServiceURL())
	newKID := s.RotateKey()
	if newKID == oldKID || s.KeyID() != newKID {
		t.Fatalf("RotateKey = %q, KeyID = %q, old %q", newKID, s.KeyID(), oldKID)
	}
	v := newInboundVerifier(t, s)
	if _, ok := v.keys[oldKID]; ok || len(v.keys) != 1 {
		t.Errorf("JWKS after rotation has %v; want only %s", v.keys, newKID)
	}
	if _, err := v.verify(before, s.ServiceURL()); err == nil {
		t.Error("a token signed before the rotation still verifies")
	}
	if _, err := v.verify(s.InboundToken(s.ServiceURL()), s.ServiceURL()); err != nil {
		t.Errorf("a token signed after the rotation fails: %v", err)
	}
}
